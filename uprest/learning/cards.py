"""What the learning feature shows on other pages: the learner's dashboard cards (current modules with their
progress and next step) and the panel on a module's public page (enrol, or continue)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import format_percent, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from uprest.accounts.models import User
from uprest.catalog import services as catalog
from uprest.i18n import pick
from uprest.learning import services
from uprest.learning.forms import ActionForm
from uprest.learning.models import ACTIVE, COMPLETED
from uprest.registry import Card, cached_cards

#: At most this many current modules get a card of their own; the rest are behind "My learning".
CARDS = 3


def next_step(summary: services.Summary) -> tuple[str, str]:
    """(link text, URL) of the learner's next step in a module."""
    code, state = summary.code, summary.state
    if summary.enrolment.is_completed:
        return _("See what you completed"), url_for("learning.module", code=code)
    if summary.next_lesson is not None and state.lessons_missing:
        title = pick(summary.next_lesson.title)
        if summary.enrolment.last_lesson is None:
            return _("Start: %(title)s", title=title), url_for(
                "learning.lesson", code=code, n=summary.next_lesson.position
            )
        return _("Continue: %(title)s", title=title), url_for(
            "learning.lesson", code=code, n=summary.next_lesson.position
        )
    if state.quiz_missing:
        return _("Take the quiz"), url_for("learning.quiz", code=code)
    return _("See what is left to do"), url_for("learning.module", code=code)


def dashboard_cards(user: User) -> list[Card]:
    """A card per module in progress (the most recently active first, at most CARDS) and one for all of them;
    made again only when the learner's learning changed."""
    return cached_cards("learning", user, services.state_of_learner(user), lambda: _cards(user))


def _cards(user: User) -> list[Card]:
    counts = services.status_counts(user)
    if not any(counts.values()):
        return []
    cards = []
    for s in services.summaries_of(user, status=ACTIVE, limit=CARDS):
        action, url = next_step(s)
        cards.append(
            Card(
                pick(s.enrolment.version.title),
                _("%(percent)s done", percent=format_percent(s.state.fraction)),
                url,
                action,
                progress=s.state.fraction,
            )
        )
    summary = ngettext("%(num)s module in progress.", "%(num)s modules in progress.", counts[ACTIVE])
    completed = ngettext("%(num)s module completed.", "%(num)s modules completed.", counts[COMPLETED])
    cards.append(
        Card(_("My learning"), summary, url_for("learning.index"), _("See all your modules"), details=(completed,))
    )
    return cards


def module_panel(user: User, code: str) -> Markup | None:
    """Enrol (or log in to enrol) on a module's page; once enrolled, the progress and the next step."""
    module = catalog.public_module(code)
    if module is None:
        return None
    if not user.is_authenticated:
        return Markup(render_template("learning/_panel.html", module=module, summary=None, form=None))
    enrolment = services.enrolment_of(user, code)
    summary = services.summary_of(enrolment) if enrolment is not None else None
    step = next_step(summary) if summary is not None else None
    can_enrol = summary is None and module.status == "published"
    return Markup(
        render_template(
            "learning/_panel.html",
            module=module,
            summary=summary,
            step=step,
            form=ActionForm() if can_enrol else None,
        )
    )
