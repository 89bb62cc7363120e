"""What the sessions feature shows on other pages: the learner's dashboard card (their next sessions) and, on a
module's page, the module's next sessions."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from uprest.accounts.models import User
from uprest.registry import Card
from uprest.sessions import planning, rules, services
from uprest.sessions.forms import format_labels


def dashboard_cards(user: User) -> list[Card]:
    """One card when the learner has a place (or is waiting) at sessions still to come: how many, and the next."""
    if not user.is_authenticated:
        return []
    upcoming = planning.upcoming_registrations(user)
    if not upcoming:
        return []
    lang = str(get_locale() or "en")
    first = upcoming[0]
    session = first.session
    when = rules.format_local(session.starts_at, session.ends_at, services.zone_of(session, first.venue), lang)
    return [
        Card(
            _l("Your sessions"),
            ngettext(
                "You are registered for %(num)s session to come.",
                "You are registered for %(num)s sessions to come.",
                len(upcoming),
            ),
            url_for("sessions.mine"),
            _l("See your sessions"),
            details=(_("Next: %(title)s, %(when)s", title=services.title_of(session, lang), when=when),),
        )
    ]


def module_panel(user: User, code: str) -> Markup | None:
    """The module's next sessions (at most three) with a link to all of them, and for a business owner the way to
    ask for one; nothing when there is neither. One statement (the catalogue's page has found the module)."""
    sessions = planning.module_sessions(code)
    may_ask = user.is_authenticated and user.is_owner
    if not sessions and not may_ask:
        return None
    return Markup(
        render_template(
            "sessions/_panel.html", code=code, sessions=sessions, may_ask=may_ask, format_labels=format_labels()
        )
    )
