"""Territories: countries, NUTS 3 regions and LAU municipalities as a tree (`models.Territory`).

People and businesses are in a municipality (or, where nobody has said which, in a region); municipality staff
are bound to any territory and see it with everything below it (`subtree`). The partner territories are seeded
(`ensure_territories`, idempotent) with their names in the five languages. Codes: NUTS 2021 for regions (Eurostat,
Regulation (EU) 2019/1755), national municipality codes as LAU codes prefixed by the country ("SE_1487"); the
Croatian municipalities' LAU codes are not yet confirmed against Eurostat's list: they carry a provisional code
("HR_RIJEKA", code list "") until an administrator sets the official one (docs/territories.md).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import func, literal
from sqlalchemy.exc import IntegrityError

from uprest.accounts.models import Territory, TerritoryKind, User
from uprest.extensions import db

NUTS = "NUTS 2021"
LAU = "LAU 2021"
ISO = "ISO 3166-1"

#: code, slug, kind, parent code, national name, names by language, country, code list
SEED: list[tuple[str, str, str, str | None, str, dict[str, str], str, str]] = [
    ("SE", "sweden", "country", None, "Sverige",
     {"en": "Sweden", "sv": "Sverige", "it": "Svezia", "fi": "Ruotsi", "hr": "Švedska"}, "SE", ISO),
    ("IT", "italy", "country", None, "Italia",
     {"en": "Italy", "sv": "Italien", "it": "Italia", "fi": "Italia", "hr": "Italija"}, "IT", ISO),
    ("FI", "finland", "country", None, "Suomi",
     {"en": "Finland", "sv": "Finland", "it": "Finlandia", "fi": "Suomi", "hr": "Finska"}, "FI", ISO),
    ("HR", "croatia", "country", None, "Hrvatska",
     {"en": "Croatia", "sv": "Kroatien", "it": "Croazia", "fi": "Kroatia", "hr": "Hrvatska"}, "HR", ISO),
    ("SE232", "vastra-gotaland", "region", "SE", "Västra Götalands län",
     {"en": "Västra Götaland County", "sv": "Västra Götalands län", "it": "Contea di Västra Götaland",
      "fi": "Länsi-Götanmaan lääni", "hr": "Županija Västra Götaland"}, "SE", NUTS),
    ("ITH57", "provincia-ravenna", "region", "IT", "Ravenna",
     {"en": "Province of Ravenna", "sv": "Provinsen Ravenna", "it": "Provincia di Ravenna",
      "fi": "Ravennan maakunta", "hr": "Pokrajina Ravenna"}, "IT", NUTS),
    ("FI196", "satakunta", "region", "FI", "Satakunta",
     {"en": "Satakunta", "sv": "Satakunta", "it": "Satakunta", "fi": "Satakunta", "hr": "Satakunta"}, "FI", NUTS),
    ("HR031", "kvarner", "region", "HR", "Primorsko-goranska županija",
     {"en": "Primorje-Gorski Kotar County (Kvarner)", "sv": "Primorje-Gorski Kotar län (Kvarner)",
      "it": "Regione litoraneo-montana (Quarnaro)", "fi": "Primorje-Gorski Kotarin lääni (Kvarner)",
      "hr": "Primorsko-goranska županija (Kvarner)"}, "HR", NUTS),
    ("SE_1487", "vanersborg", "municipality", "SE232", "Vänersborg",
     {"en": "Vänersborg", "sv": "Vänersborg", "it": "Vänersborg", "fi": "Vänersborg", "hr": "Vänersborg"}, "SE", LAU),
    ("SE_1488", "trollhattan", "municipality", "SE232", "Trollhättan",
     {"en": "Trollhättan", "sv": "Trollhättan", "it": "Trollhättan", "fi": "Trollhättan", "hr": "Trollhättan"},
     "SE", LAU),
    ("IT_039007", "cervia", "municipality", "ITH57", "Cervia",
     {"en": "Cervia", "sv": "Cervia", "it": "Cervia", "fi": "Cervia", "hr": "Cervia"}, "IT", LAU),
    ("IT_039014", "ravenna", "municipality", "ITH57", "Ravenna",
     {"en": "Ravenna", "sv": "Ravenna", "it": "Ravenna", "fi": "Ravenna", "hr": "Ravenna"}, "IT", LAU),
    ("FI_609", "pori", "municipality", "FI196", "Pori",
     {"en": "Pori", "sv": "Björneborg", "it": "Pori", "fi": "Pori", "hr": "Pori"}, "FI", LAU),
    # Provisional codes (code list ""): Eurostat's LAU codes of Croatia to be confirmed.
    ("HR_RIJEKA", "rijeka", "municipality", "HR031", "Rijeka",
     {"en": "Rijeka", "sv": "Rijeka", "it": "Fiume (Rijeka)", "fi": "Rijeka", "hr": "Rijeka"}, "HR", ""),
    ("HR_OPATIJA", "opatija", "municipality", "HR031", "Opatija",
     {"en": "Opatija", "sv": "Opatija", "it": "Abbazia (Opatija)", "fi": "Opatija", "hr": "Opatija"}, "HR", ""),
    ("HR_CRIKVENICA", "crikvenica", "municipality", "HR031", "Crikvenica",
     {"en": "Crikvenica", "sv": "Crikvenica", "it": "Cirquenizza (Crikvenica)", "fi": "Crikvenica",
      "hr": "Crikvenica"}, "HR", ""),
    ("HR_KRK", "krk", "municipality", "HR031", "Krk",
     {"en": "Krk", "sv": "Krk", "it": "Veglia (Krk)", "fi": "Krk", "hr": "Krk"}, "HR", ""),
    ("HR_MALI_LOSINJ", "mali-losinj", "municipality", "HR031", "Mali Lošinj",
     {"en": "Mali Lošinj", "sv": "Mali Lošinj", "it": "Lussinpiccolo (Mali Lošinj)", "fi": "Mali Lošinj",
      "hr": "Mali Lošinj"}, "HR", ""),
]  # fmt: skip

#: The kinds' names (a context of their own: "Region" here is a NUTS 3 region, a province or a county).
KIND_LABELS = {
    TerritoryKind.COUNTRY: lazy_pgettext("territory kind", "Country"),
    TerritoryKind.REGION: lazy_pgettext("territory kind", "Region"),
    TerritoryKind.MUNICIPALITY: lazy_pgettext("territory kind", "Municipality"),
}
CODE_RE = re.compile(r"[A-Z]{2}(?:[A-Z0-9]{1,3}|_[A-Z0-9_-]{1,30})?")
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class TerritoryError(Exception):
    """A rule of the tree was broken; the message is translated and safe to show."""


def ensure_territories() -> int:
    """Create the seeded territories that are missing (by code; a row holding the seed's slug under another code
    is left alone). Returns how many were created. Flushes."""
    existing = {t.code: t for t in db.session.scalars(db.select(Territory))}
    slugs = {t.slug for t in existing.values()}
    created = 0
    for code, slug, kind, parent, name, names, country, code_list in SEED:
        if code in existing or slug in slugs:
            continue
        territory = Territory(
            code=code,
            slug=slug,
            kind=kind,
            parent=existing.get(parent) if parent else None,
            name=name,
            names=dict(names),
            country=country,
            code_list=code_list,
        )
        db.session.add(territory)
        existing[code] = territory
        created += 1
    db.session.flush()
    return created


def by_id(territory_id: int) -> Territory | None:
    return db.session.get(Territory, territory_id)


def by_code(value: str) -> Territory | None:
    """The territory with this official code ("SE_1487", "SE232", "se_1487") or slug ("vanersborg")."""
    value = (value or "").strip()
    if not value or len(value) > 60:
        return None
    return db.session.scalar(
        db.select(Territory).where(db.or_(Territory.code == value.upper(), Territory.slug == value.lower()))
    )


def subtree(territory_id: int):
    """A select of the ids of the territory and every territory below it (a recursive CTE: any depth)."""
    tree = db.select(Territory.id).where(Territory.id == territory_id).cte("subtree", recursive=True)
    tree = tree.union_all(db.select(Territory.id).where(Territory.parent_id == tree.c.id))
    return db.select(tree.c.id)


def ancestors(territory: Territory) -> list[Territory]:
    """From the root (a country) down to the territory's parent."""
    chain, seen = [], {territory.id}
    node = territory.parent
    while node is not None and node.id not in seen:
        chain.append(node)
        seen.add(node.id)
        node = node.parent
    return chain[::-1]


def is_within(territory_id: int | None, ancestor_id: int) -> bool:
    """Whether the territory is `ancestor_id` or lies below it."""
    if territory_id is None:
        return False
    tree = subtree(ancestor_id).subquery()
    return db.session.scalar(db.select(func.count()).select_from(tree).where(tree.c.id == territory_id)) > 0


@dataclass(frozen=True)
class Node:
    territory: Territory
    depth: int
    users: int


def tree(*, under: int | None = None, users: bool = True) -> list[Node]:
    """The tree in reading order (a country, its regions, their municipalities; by name), with each node's
    number of users (0 without `users`: the pickers do not show it, and counting reads every user); `under`
    limits it to that territory's subtree."""
    stmt = (
        db.select(Territory, func.count(User.id))
        .outerjoin(User, User.territory_id == Territory.id)
        .group_by(Territory.id)
        if users
        else db.select(Territory, literal(0))
    )
    rows = db.session.execute(stmt.order_by(Territory.name)).all()
    children: dict[int | None, list[tuple[Territory, int]]] = {}
    for territory, users in rows:
        children.setdefault(territory.parent_id, []).append((territory, users))
    out: list[Node] = []

    def walk(parent_id, depth):
        for territory, users in children.get(parent_id, []):
            out.append(Node(territory, depth, users))
            walk(territory.id, depth + 1)

    if under is None:
        walk(None, 0)
    else:
        root = next(((t, n) for t, n in rows if t.id == under), None)
        if root is not None:
            out.append(Node(root[0], 0, root[1]))
            walk(under, 1)
    return out


def choices(*, kinds: tuple[str, ...] = (TerritoryKind.MUNICIPALITY.value,), blank: bool = True):
    """(id, label) for a select: the territories of these kinds, grouped by country, labelled with the region."""
    labels = []
    for node in tree(users=False):
        t = node.territory
        if t.kind not in kinds:
            continue
        label = t.display_name
        if t.kind == TerritoryKind.MUNICIPALITY and t.parent is not None and t.parent.kind == TerritoryKind.REGION:
            label = f"{label} ({t.parent.display_name})"
        labels.append((t.id, label))
    return ([("", _l("— Choose —"))] if blank else []) + labels


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60] or "territory"


def save(
    territory: Territory | None,
    *,
    code: str,
    slug: str,
    kind: str,
    parent_id: int | None,
    name: str,
    names: dict[str, str],
    country: str,
    code_list: str,
) -> Territory:
    """Add a territory (territory=None) or change one. Raises TerritoryError when the code or the short name is
    taken, or the parent would not make a tree (a parent of the same kind or below, one in another country, or a
    cycle)."""
    code, slug = code.strip().upper(), slug.strip().lower()
    if not CODE_RE.fullmatch(code):
        raise TerritoryError(_l("A code starts with the country's two letters, e.g. SE232 or SE_1487."))
    if not SLUG_RE.fullmatch(slug):
        raise TerritoryError(_l("Use lower-case letters, digits and hyphens only."))
    order = [TerritoryKind.COUNTRY, TerritoryKind.REGION, TerritoryKind.MUNICIPALITY]
    parent = by_id(parent_id) if parent_id else None
    if parent is not None:
        if order.index(TerritoryKind(parent.kind)) >= order.index(TerritoryKind(kind)):
            raise TerritoryError(
                _l("A territory lies inside a larger one: a municipality in a region, a region in a country.")
            )
        if parent.country != country:
            raise TerritoryError(_l("The territory and the one it lies in must be in the same country."))
        if territory is not None and territory.id is not None and is_within(parent.id, territory.id):
            raise TerritoryError(_l("A territory cannot lie inside itself."))
    elif kind != TerritoryKind.COUNTRY:
        raise TerritoryError(_l("Choose the territory this one lies in."))
    if not code.startswith(country):
        raise TerritoryError(_l("The code must start with the territory's country, e.g. SE232 in Sweden."))
    try:
        with db.session.begin_nested():
            if territory is None:
                territory = Territory()
                db.session.add(territory)
            territory.code, territory.slug, territory.kind = code, slug, kind
            territory.parent_id, territory.name, territory.country = (
                parent_id if parent else None,
                name.strip(),
                country,
            )
            territory.names = {lang: text.strip() for lang, text in names.items() if text and text.strip()}
            territory.code_list = code_list.strip()
            db.session.flush()
    except IntegrityError:
        raise TerritoryError(_l("A territory with this code or short name already exists.")) from None
    return territory


#: The business size of people without a business, in `people_in`.
NO_BUSINESS = "none"


def people_in(territory_id: int):
    """A select of (user_id, subsector, place, size) of the people of the territory and of everything below it, with
    the sub-sector of their business (None for people without one), the territory they are in (`place`) and their
    business's size (NO_BUSINESS without one): whom the territory's reports count. The subtree's ids are read
    first and given as a list: PostgreSQL estimates a recursive CTE badly (141 rows for 1) and then reads every
    user (docs/performance.md)."""
    from uprest.accounts.models import Organisation

    return (
        db.select(
            User.id.label("user_id"),
            Organisation.subsector.label("subsector"),
            User.territory_id.label("place"),
            func.coalesce(Organisation.size, NO_BUSINESS).label("size"),
        )
        .outerjoin(Organisation, User.organisation_id == Organisation.id)
        .where(User.territory_id.in_(list(db.session.scalars(subtree(territory_id)))))
    )
