"""What the certificates feature shows on other pages: the learner's dashboard card and, on a module's page, the
learner's certificate of that module."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup

from uprest.accounts.models import User
from uprest.catalog import services as catalog
from uprest.certificates.models import Certificate
from uprest.extensions import db
from uprest.i18n import pick
from uprest.registry import Card


def dashboard_cards(user: User) -> list[Card]:
    """One card when the learner holds certificates: how many, and the newest."""
    if not user.is_authenticated:
        return []
    rows = db.session.execute(
        db.select(Certificate.data["title"], Certificate.issued_at)
        .where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).all()
    if not rows:
        return []
    count = len(rows)
    text = ngettext("You hold %(num)s certificate.", "You hold %(num)s certificates.", count)
    newest = pick(rows[0][0])
    return [
        Card(
            _l("Your certificates"),
            text,
            url_for("certificates.mine"),
            _l("See and share your certificates"),
            details=(_("Newest: %(title)s", title=newest),) if newest else (),
        )
    ]


def module_panel(user: User, code: str) -> Markup | None:
    """The learner's certificate of this module, when they hold one."""
    module = catalog.module_by_code(code) if user.is_authenticated else None
    if module is None:
        return None
    certificate = db.session.scalar(
        db.select(Certificate)
        .where(Certificate.user_id == user.id, Certificate.module_id == module.id, Certificate.kind == "module")
        .order_by(Certificate.id.desc())
        .limit(1)
    )
    if certificate is None:
        return None
    return Markup(render_template("certificates/_panel.html", certificate=certificate))
