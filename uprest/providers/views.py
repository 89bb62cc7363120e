"""Providers' public pages: the list, each provider's page and its Open Badges issuer profile."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template

from uprest.extensions import db
from uprest.i18n import get_locale
from uprest.providers import rules, services
from uprest.providers.forms import kind_labels

bp = Blueprint("providers", __name__, url_prefix="/providers")


@bp.app_template_filter("country_name")
def country_name(code: str) -> str:
    """{{ provider.country|country_name }}: the country's name in the reader's language."""
    return rules.country_name(code, str(get_locale() or "en"))


# --- public ----------------------------------------------------------------------------------------------


@bp.route("")
def index():
    providers = db.session.scalars(services.active_providers()).all()
    return render_template("providers/index.html", providers=providers, kinds=kind_labels())


@bp.route("/<slug>")
def show(slug: str):
    provider = services.by_slug(slug) or abort(404)
    return render_template("providers/show.html", provider=provider, kinds=kind_labels())


@bp.route("/<slug>.json")
def profile(slug: str):
    """The provider as an Open Badges 3.0 issuer Profile, readable by any verifier (CORS open)."""
    provider = services.by_slug(slug) or abort(404)
    resp = jsonify(services.profile(provider, current_app.config["PUBLIC_BASE_URL"]))
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp
