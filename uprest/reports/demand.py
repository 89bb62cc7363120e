"""Training demand of a territory, and its local offer against it (issues 14 and 15).

Which modules would close the most gap in the territory, how many people need each and the learning hours it
takes; which large gaps have no local session planned. Everything is worked out from the figures the skills-gap
map publishes (a competence's people below target and their median gap, after the disclosure rule), from the
catalogue and from the public session offer: this view publishes no new count of people, so it needs no
suppression of its own, and a figure hidden on the map stays hidden here.

The estimate, per module: its people are at least the most people below target in one of its competences (a
lower bound: the same person may lack several); the levels it would close are, per competence it develops, the
people below target there times the smaller of their median gap and the levels the module spans; its learning
hours are its people times its workload.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

#: A competence's gap is large when at least this share of the people assessed are below target.
LARGE_GAP_SHARE = 0.5


@dataclass(frozen=True)
class Figures:
    """What the map shows of a competence (None: hidden)."""

    n: int | None
    below: int | None
    median_gap: float | None

    @property
    def share(self) -> float | None:
        return self.below / self.n if self.below is not None and self.n else None


@dataclass(frozen=True)
class ModuleSpec:
    """A published module as the estimate needs it: code, title (by language), workload and, per competence it
    develops, the levels it spans."""

    code: str
    title: Mapping[str, str]
    hours: float
    spans: Mapping[str, int]


@dataclass(frozen=True)
class Offer:
    """An upcoming local session of a module (or its request count) in the territory."""

    session_id: int
    module: str | None
    starts_at: datetime


@dataclass
class ModuleDemand:
    code: str
    title: Mapping[str, str]
    hours: float
    competences: tuple[str, ...]  # the competences it develops that the map shows anyone below target in
    people: int | None  # at least this many people need it; None: every figure it rests on is hidden
    levels: float | None  # estimated levels of gap it would close
    learning_hours: float | None
    sessions: list[Offer] = field(default_factory=list)
    requests: int = 0
    requested_staff: int = 0


@dataclass(frozen=True)
class UncoveredGap:
    competence: str
    figures: Figures
    modules: tuple[str, ...]  # the modules that develop it (none of them has a local session planned)


def module_demand(figures: Mapping[str, Figures], module: ModuleSpec) -> ModuleDemand:
    """The estimate for one module from the published figures of its competences."""
    shown = [(key, figures[key]) for key in module.spans if key in figures and figures[key].below]
    people = max((f.below for _key, f in shown), default=None)
    levels = None
    for key, f in shown:
        if f.median_gap is not None:
            levels = (levels or 0.0) + f.below * min(f.median_gap, module.spans[key])
    return ModuleDemand(
        code=module.code,
        title=module.title,
        hours=module.hours,
        competences=tuple(key for key, _f in shown),
        people=people,
        levels=levels,
        learning_hours=people * module.hours if people is not None else None,
    )


def training_demand(
    figures: Mapping[str, Figures],
    modules: Iterable[ModuleSpec],
    offers: Iterable[Offer] = (),
    requests: Iterable[tuple[str, int]] = (),
) -> list[ModuleDemand]:
    """The modules that would close any shown gap, the most levels first (then the most people, then code),
    each with its upcoming local sessions and the businesses' requests (module code, staff) for it."""
    rows = [module_demand(figures, m) for m in modules]
    rows = [r for r in rows if r.people is not None]
    by_code = {r.code: r for r in rows}
    for offer in sorted(offers, key=lambda o: (o.starts_at, o.session_id)):
        if offer.module in by_code:
            by_code[offer.module].sessions.append(offer)
    for code, staff in requests:
        if code in by_code:
            by_code[code].requests += 1
            by_code[code].requested_staff += staff
    return sorted(rows, key=lambda r: (-(r.levels or 0.0), -(r.people or 0), r.code))


def uncovered_gaps(
    figures: Mapping[str, Figures], modules: Iterable[ModuleSpec], offers: Iterable[Offer]
) -> list[UncoveredGap]:
    """The large gaps (a shown share below target of at least LARGE_GAP_SHARE) that no upcoming local session
    addresses: no session of a module developing the competence. Largest share first."""
    modules = list(modules)
    planned = {o.module for o in offers if o.module}
    out = []
    for key, f in figures.items():
        if f.share is None or f.share < LARGE_GAP_SHARE:
            continue
        developing = tuple(sorted(m.code for m in modules if key in m.spans))
        if not planned.intersection(developing):
            out.append(UncoveredGap(key, f, developing))
    return sorted(out, key=lambda g: (-(g.figures.share or 0.0), g.competence))
