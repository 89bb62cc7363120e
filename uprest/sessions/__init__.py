"""Sessions: local sessions and events of the providers (on-site, hybrid, virtual, satellite), their venues and
agenda, registration with a waiting list, reminders with a calendar file, attendance (which counts toward a
blended module's completion through ``session_attended``), and business owners' requests for a session.

The rules are in rules.py; sessions, venues, agenda, who may manage them and the queries in services.py; the
providers' staff in staff.py; places, the waiting list, attendance and check-in in registrations.py; mail and the
reminder worker in mails.py; iCalendar in ical.py (the reminders' attachments and the public feeds); requests in
demand.py; the account's data in userdata.py. The pages are in views.py and forms.py, with what they need of
the services in planning.py; the dashboard card and the module panel in cards.py."""

from uprest.registry import Feature

feature = Feature(
    "sessions",
    order=42,
    models="uprest.sessions.models",
    demo="uprest.sessions.cli:seed_demo",
    outbox_worker="uprest.sessions.mails:send_reminders",
    export_user_data="uprest.sessions.userdata:export_user_data",
    erase_user_data="uprest.sessions.userdata:erase_user_data",
    blueprints=("uprest.sessions.views:bp", "uprest.sessions.feeds:bp"),
    dashboard_cards="uprest.sessions.cards:dashboard_cards",
    module_panels="uprest.sessions.cards:module_panel",
    plan_offers="uprest.sessions.offers:plan_offers",
    api=("uprest.api.sessions",),
)
