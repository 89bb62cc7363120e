"""UPREST learning ecosystem."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import format_date, format_datetime, format_decimal, format_percent
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from uprest.config import load_config
from uprest.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    load_config(app, config)
    register_converters(app)
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_cli(app)
    register_jinja(app)
    return app


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to what every database column holds: larger numbers are a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register_converters(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter


def register_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def register_extensions(app: Flask) -> None:
    from sqlalchemy import event

    from uprest import security, serving
    from uprest.i18n import install_form_translations, select_locale

    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    serving.install(app)  # whole request bodies under a deadline (first, so a timed-out one does nothing)

    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":

            @event.listens_for(engine, "connect")
            def _sqlite_pragmas(dbapi_conn, _record):
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                if engine.url.database not in (None, "", ":memory:"):
                    cur.execute("PRAGMA journal_mode=WAL")
                    cur.execute("PRAGMA busy_timeout=5000")
                cur.close()

    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    csrf.init_app(app)
    install_form_translations()
    import uprest.ratelimit  # noqa: F401 - registers the database:// rate-limit storage

    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.session_interface = security.SessionInterface()
    security.install_form_input_rules()
    app.before_request(security.require_form_posts)
    app.before_request(security.reject_nul_bytes)
    app.after_request(security.set_security_headers)

    from uprest.accounts.services import load_user_from_session_id

    login_manager.user_loader(load_user_from_session_id)


def register_blueprints(app: Flask) -> None:
    from uprest import registry

    registry.import_models()
    registry.register_blueprints(app)
    registry.check()
    registry.connect_receivers()


def register_errorhandlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import HTTPException

    app.register_error_handler(HTTPException, render_error)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/csrf.html", error=error), 400


ERROR_PAGES = {400, 403, 404, 405, 408, 413, 415, 429}


def render_error(error):
    """Every HTTP error as our page (JSON under /api/), keeping the headers the error carries
    (``Allow`` of a 405, ``Retry-After`` of a 429, ``WWW-Authenticate`` ...)."""
    from uprest.security import ensure_url_adapter

    ensure_url_adapter()  # a request for a host we do not serve (400) has none, and the page has links
    code = error.code or 500
    if request.path.startswith("/api/"):  # the API's Error schema (uprest/api/schemas.py)
        body = {"error": error.name, "status": code}
        message = (getattr(error, "data", None) or {}).get("message")  # flask_smorest.abort(..., message=...)
        if message:
            body["message"] = str(message)
        response = jsonify(body)
    else:
        template = f"errors/{code}.html" if code in ERROR_PAGES else "errors/generic.html"
        response = make_response(render_template(template, error=error))
    response.status_code = code
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers.add(name, value)
    return response


def register_cli(app: Flask) -> None:
    from uprest.cli import register

    register(app)


def register_jinja(app: Flask) -> None:
    from flask_babel import get_locale

    from uprest.i18n import language_name, pick

    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")

    def role_label(role: str) -> str:
        from uprest.admin.forms import role_choices

        return str(dict(role_choices()).get(role, role))

    def has_endpoint(endpoint: str) -> bool:
        return endpoint in app.view_functions

    app.jinja_env.globals.update(
        has_endpoint=has_endpoint,
        pick=pick,
        language_name=language_name,
        role_label=role_label,
        get_locale=get_locale,
        LANGUAGES=app.config["LANGUAGES"],
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
        format_percent=format_percent,
    )
