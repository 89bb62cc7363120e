"""Home, health check, language switcher and the public information pages."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import text

from uprest.accounts.forms import LanguageForm
from uprest.extensions import csrf, db
from uprest.main import services
from uprest.security import safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    return render_template("main/dashboard.html", cards=services.dashboard_for(current_user))


@bp.route("/healthz")
@csrf.exempt
def healthz():
    """Up or down for anyone (load balancers); which database answers only with the monitoring token
    (``Authorization: Bearer <UPREST_HEALTHZ_TOKEN>``)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any database failure is "down"
        current_app.logger.error("health check: database unavailable: %s", exc)
        db.session.rollback()
        return {"status": "error"}, 503
    body = {"status": "ok"}
    token = current_app.config["HEALTHZ_TOKEN"]
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and hmac.compare_digest(given.encode(), token.encode()):
        body.update(database="ok", dialect=db.engine.dialect.name)
    return body


@bp.route("/language", methods=["POST"])
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["lang"] = form.lang.data
    if current_user.is_authenticated:
        current_user.locale = form.lang.data
        db.session.commit()
    return redirect(safe_next(form.next.data, url_for("main.home")))


@bp.route("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.route("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")


@bp.app_context_processor
def inject_language_form():
    def language_form():
        """What the switcher in base.html shows: the current language and the page to come back to (the
        POST is checked by LanguageForm; building that WTForms form on every page cost more than the rest
        of the header)."""
        path = request.full_path.rstrip("?") if request.method == "GET" else request.path
        return {"lang": str(get_locale()), "next": path}

    return {"language_form": language_form}
