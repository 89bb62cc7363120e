"""Demo data of the sessions feature: a living local offer in every partner municipality after `make run`.

Local providers (marked "demo" in their names), the demo trainer on their staff, and upcoming sessions of
every format: on-site, hybrid, virtual, a satellite day over three towns in three time zones, a thematic
seminar with an agenda and one cancelled event; the demo learner and the business owner are registered, and
the owner has asked for a session for their staff. Times are set from today, so the offer stays upcoming.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from uprest.accounts.cli import DEMO_ACCOUNTS, DEMO_LEARNER
from uprest.accounts.models import Territory
from uprest.accounts.services import user_by_email
from uprest.catalog import services as catalog
from uprest.extensions import db, utcnow
from uprest.providers import services as providers
from uprest.sessions import demand, registrations, rules, services, staff
from uprest.sessions.models import Session

DEMO_NOTE = {
    "en": "Demo data: this session is an example and does not take place.",
    "sv": "Demodata: det här tillfället är ett exempel och genomförs inte.",
    "it": "Dati dimostrativi: questa sessione è un esempio e non si svolge.",
    "fi": "Esittelytietoa: tämä tilaisuus on esimerkki eikä sitä järjestetä.",
    "hr": "Demonstracijski podaci: ovaj termin je primjer i neće se održati.",
}

#: slug, name, kind, country, region, the municipality its venues are in
PROVIDERS = [
    (
        "demo-vanersborg-learning",
        "Vänersborg adult learning centre (demo)",
        "adult_education",
        "SE",
        "Västra Götaland",
        "vanersborg",
    ),
    ("demo-cervia-tourism", "Cervia tourism office (demo)", "tourism_board", "IT", "Emilia-Romagna", "cervia"),
    (
        "demo-ravenna-training",
        "Ravenna vocational training centre (demo)",
        "adult_education",
        "IT",
        "Emilia-Romagna",
        "ravenna",
    ),
    ("demo-pori-learning", "Pori adult education centre (demo)", "adult_education", "FI", "Satakunta", "pori"),
    ("demo-kvarner-tourism", "Kvarner tourist board (demo)", "tourism_board", "HR", "Primorje-Gorski Kotar", "kvarner"),
]

#: municipality code -> (venue name, street, postal code, town, country, zone)
PLACES = {
    "vanersborg": ("Learning centre, room 2", "Residensgatan 10", "462 32", "Vänersborg", "SE", "Europe/Stockholm"),
    "trollhattan": (
        "University West, lecture hall C",
        "Gustava Melins gata 2",
        "461 32",
        "Trollhättan",
        "SE",
        "Europe/Stockholm",
    ),
    "cervia": ("Tourism office, meeting room", "Viale Roma 33", "48015", "Cervia", "IT", "Europe/Rome"),
    "ravenna": ("Training centre, room 4", "Via Berlinguer 11", "48124", "Ravenna", "IT", "Europe/Rome"),
    "pori": ("Adult education centre, hall", "Eteläranta 6", "28100", "Pori", "FI", "Europe/Helsinki"),
    "kvarner": ("Tourist board, seminar room", "Maršala Tita 128", "51410", "Opatija", "HR", "Europe/Zagreb"),
}

ACCESS = {
    "en": "Step-free entrance, lift to every floor, accessible toilet, hearing loop in the room.",
    "sv": "Entré utan trappsteg, hiss till alla våningar, tillgänglig toalett, hörslinga i rummet.",
    "it": "Ingresso senza gradini, ascensore a ogni piano, bagno accessibile, anello magnetico in sala.",
    "fi": "Porrastomaton sisäänkäynti, hissi joka kerrokseen, esteetön WC, induktiosilmukka salissa.",
    "hr": "Ulaz bez stepenica, dizalo do svih katova, pristupačan toalet, indukcijska petlja u dvorani.",
}


def seed_demo() -> None:
    """Idempotent: nothing happens when the demo providers have sessions already; flushes."""
    admin, trainer = user_by_email(DEMO_ACCOUNTS[4][0]), user_by_email(DEMO_ACCOUNTS[2][0])
    if admin is None or trainer is None:
        return
    territories = {t.slug: t for t in db.session.scalars(db.select(Territory))}
    by_slug = {}
    for slug, name, kind, country, region, _town in PROVIDERS:
        provider = providers.by_slug(slug) or providers.create(
            slug, name=name, kind=kind, country=country, region=region, description={"en": DEMO_NOTE["en"]}
        )
        staff.add_staff(provider, trainer, admin)
        by_slug[slug] = provider
    university = providers.by_slug("university-west")
    if university is not None:
        staff.add_staff(university, trainer, admin)
    provider_ids = [p.id for p in by_slug.values()]
    if db.session.scalar(db.select(Session.id).where(Session.provider_id.in_(provider_ids)).limit(1)):
        return
    with current_app.test_request_context():
        _sessions(admin, by_slug, university, territories)


def _venue(code: str, territories, seats: int) -> rules.VenueData:
    name, street, postal, town, country, zone = PLACES[code]
    territory = territories.get(code)
    return rules.VenueData(
        name=name,
        street=street,
        postal_code=postal,
        town=town,
        country=country,
        timezone=zone,
        seats=seats,
        accessibility=ACCESS,
        territory_id=territory.id if territory else None,
    )


def _at(days: int, hour: int, zone: str, hours: float = 3) -> tuple[datetime, datetime]:
    """The UTC start and end of a session `days` from today at `hour` o'clock in `zone`."""
    day = (utcnow() + timedelta(days=days)).date()
    wall = datetime(day.year, day.month, day.day, hour)
    start = rules.utc_from_local(wall, zone) or rules.utc_from_local(wall + timedelta(hours=1), zone)
    return start, start + timedelta(hours=hours)


def _sessions(admin, by_slug, university, territories) -> None:
    def module(code):
        return catalog.public_module(code)

    def create(provider, code, venues, fmt, lang, days, hour, **extra):
        zone = extra.pop("zone", None) or venues[0].timezone
        starts_at, ends_at = _at(days, hour, zone, extra.pop("hours", 3))
        fields = {
            "format": fmt,
            "language": lang,
            "timezone": zone,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "description": DEMO_NOTE,
            **extra,
        }
        if code is not None:
            fields["module"] = module(code)
            if fields["module"] is None:  # the course modules are not imported: no run of them
                return None
        return services.create_session(admin, provider, venues=venues, **fields)

    v = lambda code, seats: _venue(code, territories, seats)  # noqa: E731
    learner, owner = user_by_email(DEMO_LEARNER), user_by_email(DEMO_ACCOUNTS[1][0])
    marketing = create(
        by_slug["demo-vanersborg-learning"], "digital-marketing", [v("vanersborg", 16)], "onsite", "sv", 12, 9
    )
    create(
        by_slug["demo-cervia-tourism"],
        "sustainable-tourism",
        [v("cervia", 24)],
        "hybrid",
        "it",
        19,
        14,
        online_capacity=60,
        join_url="https://meet.example.org/demo-cervia",
        price_minor=4000,
        currency="EUR",
    )
    create(by_slug["demo-ravenna-training"], "accessible-tourism", [v("ravenna", 12)], "onsite", "it", 26, 9)
    create(
        by_slug["demo-pori-learning"],
        "cybersecurity-gdpr",
        [],
        "virtual",
        "fi",
        9,
        13,
        zone="Europe/Helsinki",
        online_capacity=80,
        join_url="https://meet.example.org/demo-pori",
        hours=2,
    )
    create(by_slug["demo-kvarner-tourism"], "digital-tools", [v("kvarner", 20)], "onsite", "hr", 15, 10)
    satellite = create(
        by_slug["demo-pori-learning"],
        None,
        [v("vanersborg", 12), v("cervia", 12), v("pori", 12)],
        "satellite",
        "en",
        33,
        10,
        hours=4,
        zone="Europe/Stockholm",
        title={
            "en": "Resilient tourism after the pandemic: one day in three towns",
            "sv": "Motståndskraftig turism efter pandemin: en dag i tre städer",
            "it": "Turismo resiliente dopo la pandemia: una giornata in tre città",
            "fi": "Kriisinkestävä matkailu pandemian jälkeen: yksi päivä kolmessa kaupungissa",
            "hr": "Otporan turizam nakon pandemije: jedan dan u tri grada",
        },
    )
    if university is not None:
        seminar = create(
            university,
            None,
            [v("trollhattan", 40)],
            "hybrid",
            "en",
            22,
            13,
            online_capacity=120,
            join_url="https://meet.example.org/demo-university-west",
            title={
                "en": "Thematic seminar: green certification for small hotels",
                "sv": "Temaseminarium: miljöcertifiering för små hotell",
                "it": "Seminario tematico: certificazione ambientale per piccoli hotel",
                "fi": "Teemaseminaari: ympäristösertifiointi pienille hotelleille",
                "hr": "Tematski seminar: ekološko certificiranje malih hotela",
            },
        )
        start = seminar.starts_at
        services.set_agenda(
            seminar,
            admin,
            [
                rules.AgendaItemData(
                    start,
                    start + timedelta(minutes=45),
                    {"en": "Which labels exist, and what they ask", "sv": "Vilka märken finns och vad de kräver"},
                ),
                rules.AgendaItemData(
                    start + timedelta(minutes=45),
                    start + timedelta(minutes=105),
                    {"en": "A hotel in Trollhättan tells its story", "sv": "Ett hotell i Trollhättan berättar"},
                ),
                rules.AgendaItemData(
                    start + timedelta(minutes=120),
                    start + timedelta(minutes=180),
                    {"en": "Your own plan: workshop in small groups", "sv": "Din egen plan: workshop i smågrupper"},
                ),
            ],
        )
    evening = create(
        by_slug["demo-ravenna-training"],
        None,
        [v("ravenna", 30)],
        "onsite",
        "it",
        8,
        18,
        hours=2,
        title={
            "en": "Evening meeting: booking platforms in 2027",
            "it": "Incontro serale: le piattaforme di prenotazione nel 2027",
        },
    )
    services.cancel_session(evening, admin, "The speaker is ill; a new date follows.")
    if learner is not None:
        if marketing is not None:
            registrations.register(learner, marketing, marketing.venues[0])
        registrations.register(learner, satellite, satellite.venues[0])
    if owner is not None:
        registrations.register(owner, satellite, satellite.venues[1])
        if owner.is_owner and module("digital-marketing") is not None:
            demand.request_session(
                owner,
                module("digital-marketing"),
                staff_count=6,
                language="it",
                town="Cervia",
                message="Six seasonal staff; weekday mornings in April suit us best.",
            )
