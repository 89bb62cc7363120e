"""The one registry of features.

Each feature package declares once, in its ``__init__.py``, what it contributes::

    from uprest.registry import Feature

    feature = Feature(
        "catalog",
        order=40,
        models="uprest.catalog.models",
        blueprints=("uprest.catalog.views:bp",),
        cli=("uprest.catalog.cli:register",),
        demo="uprest.catalog.cli:seed_demo",
        dashboard_cards="uprest.catalog.services:dashboard_cards",
        export_user_data="uprest.catalog.services:export_user_data",
        erase_user_data="uprest.catalog.services:erase_user_data",
        api=("uprest.api.modules",),
        receivers={"assessment_submitted": "uprest.catalog.services:on_assessment_submitted"},
    )

References are ``"module:attribute"`` strings, resolved when the app is built,
so that declaring a feature imports nothing of it (no import cycles, and the
kernel never imports a feature). A package under ``uprest/`` without a
``feature`` attribute is not a feature (the kernel, the api package).
Nothing else in the code keeps a list of feature names.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

from flask import Flask

from uprest.signals import SIGNALS


@dataclass(frozen=True)
class Card:
    """A next step offered on the home page: a title, a sentence, a link and the link's text."""

    title: str
    text: str
    url: str
    action: str
    #: A share done (0..1) shown as a progress bar, and short lines under the text.
    progress: float | None = None
    details: tuple[str, ...] = ()

    def frozen(self) -> Card:
        """The card with its texts made strings in the current language (lazy texts translate when shown)."""
        return Card(
            str(self.title),
            str(self.text),
            self.url,
            str(self.action),
            self.progress,
            tuple(str(d) for d in self.details),
        )


@dataclass(frozen=True)
class Note:
    """A sentence with a link, shown next to something (a module of a learning path)."""

    text: str
    url: str


def cached_cards(name: str, user, state: Hashable, make: Callable[[], list[Card]]) -> list[Card]:
    """The dashboard cards `name` of `user`, made once per worker for each `state` of what they show (a
    feature's cheap summary of the user's data that changes whenever the cards would) and language."""
    from flask_babel import get_locale

    from uprest import cache

    key = (name, user.id, str(get_locale()), state)
    return cache.user_cards().get_or_make(key, lambda: [card.frozen() for card in make()])


@dataclass(frozen=True)
class Feature:
    name: str
    #: Order of blueprints, dashboard cards, exports and erasure (lower first).
    order: int = 100
    #: Module that defines the feature's tables (imported so that the metadata knows them).
    models: str | None = None
    #: Blueprints, "module:attr"; with an optional URL prefix as ("module:attr", "/prefix").
    blueprints: tuple[str | tuple[str, str], ...] = ()
    #: Functions ``register(app)`` that add the feature's CLI groups.
    cli: tuple[str, ...] = ()
    #: ``seed_demo() -> None``: the feature's demo data for ``flask seed-demo`` (idempotent, flushes).
    demo: str | None = None
    #: ``housekeeping() -> int``: periodic clean-up (expired rows), run hourly by the worker; flushes, returns a count.
    housekeeping: str | None = None
    #: ``outbox_worker(limit) -> (sent, failed)``: deliver the feature's own outbox (work that may wait or fail),
    #: called on every tick of the worker (``flask mail worker``); claims its rows safely and commits itself.
    outbox_worker: str | None = None
    #: ``dashboard_cards(user) -> list[Card]``.
    dashboard_cards: str | None = None
    #: ``export_user_data(user) -> dict`` (merged into the user's data download).
    export_user_data: str | None = None
    #: ``erase_user_data(user) -> None`` (flushes, never commits).
    erase_user_data: str | None = None
    #: ``module_panel(user, code) -> Markup | None``: a panel on a course module's public page for this user
    #: (enrol, continue learning); the page itself is the same for everyone.
    module_panels: str | None = None
    #: ``plan_offers(user, codes) -> dict[code, list[Note]]``: what the feature offers next to the modules of a
    #: learner's path or plan (a local session that covers a module).
    plan_offers: str | None = None
    #: Modules under ``uprest.api`` that add the feature's routes and OpenAPI paths.
    api: tuple[str, ...] = ()
    #: Signal name (see uprest/signals.py) -> receiver, "module:function".
    receivers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.receivers) - set(SIGNALS)
        if unknown:
            raise ValueError(f"feature {self.name}: unknown signals {sorted(unknown)}")


def resolve(ref: str) -> Any:
    """``"package.module:attr"`` -> the object."""
    module_name, _, attr = ref.partition(":")
    module = import_module(module_name)
    return getattr(module, attr) if attr else module


@cache
def features() -> tuple[Feature, ...]:
    """Every feature declared under ``uprest/``, in their declared order."""
    found = []
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if not info.ispkg:
            continue
        declared = getattr(import_module(f"uprest.{info.name}"), "feature", None)
        if isinstance(declared, Feature):
            found.append(declared)
    return tuple(sorted(found, key=lambda f: (f.order, f.name)))


def hooks(name: str) -> Iterator[Callable]:
    """The resolved hook ``name`` (e.g. "dashboard_cards") of every feature that declares it."""
    for feature in features():
        ref = getattr(feature, name)
        if ref:
            yield resolve(ref)


def references(feature: Feature) -> list[str]:
    """Every "module:attr" the feature declares."""
    refs = [b if isinstance(b, str) else b[0] for b in feature.blueprints]
    refs += [*feature.cli, *feature.api, *feature.receivers.values()]
    refs += [
        r
        for r in (
            feature.models,
            feature.demo,
            feature.housekeeping,
            feature.outbox_worker,
            feature.dashboard_cards,
            feature.export_user_data,
            feature.erase_user_data,
        )
        if r
    ]
    return refs


def check() -> None:
    """Resolve every declared reference, so that a misdeclared feature stops the start with a clear error."""
    for feature in features():
        for ref in references(feature):
            try:
                resolve(ref)
            except (ImportError, AttributeError) as exc:
                raise RuntimeError(f"feature {feature.name!r} declares {ref!r}, which does not exist: {exc}") from exc


def import_models() -> None:
    """Import the kernel's and every feature's models, so that the metadata knows all tables."""
    import_module("uprest.mail")
    import_module("uprest.cache")
    import_module("uprest.ratelimit")
    for feature in features():
        if feature.models:
            import_module(feature.models)


def register_blueprints(app: Flask) -> None:
    for feature in features():
        for entry in feature.blueprints:
            ref, prefix = entry if isinstance(entry, tuple) else (entry, None)
            app.register_blueprint(resolve(ref), url_prefix=prefix)


def register_cli(app: Flask) -> None:
    for feature in features():
        for ref in feature.cli:
            resolve(ref)(app)


def api_modules() -> list[str]:
    return [name for feature in features() for name in feature.api]


def connect_receivers() -> None:
    """Connect every declared receiver to its signal. Idempotent (blinker keys receivers by identity);
    receivers are module-level functions, so blinker's weak references keep them alive."""
    for feature in features():
        for signal_name, ref in feature.receivers.items():
            SIGNALS[signal_name].connect(resolve(ref))
