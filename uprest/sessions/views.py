"""The pages of local sessions and events: the upcoming list with its filters, a session's page (register, cancel,
the participant's calendar file), the learner's registrations, the managers' pages (plan, change and cancel a
session, its participants and attendance, the check-in QR code), check-in at the venue, the trainers of a
provider (admins), and business owners' requests for a session.

Each view: load (404) -> authorize (403) -> validate -> call one service -> commit once -> redirect or render."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, pgettext
from flask_login import current_user, login_required

from uprest.catalog import services as catalog
from uprest.extensions import db, paginate, utcnow
from uprest.i18n import get_locale
from uprest.providers import services as providers
from uprest.security import external_url, roles_required
from uprest.sessions import demand, planning, registrations, rules, services, staff
from uprest.sessions.forms import (
    ActionForm,
    CancelSessionForm,
    TrainerForm,
    filter_form,
    format_explanations,
    format_labels,
    register_form,
    request_form,
    request_status_form,
    request_status_labels,
    session_form,
    status_labels,
)
from uprest.sessions.services import SessionError

bp = Blueprint("sessions", __name__)

PER_PAGE = 20


def _lang() -> str:
    return str(get_locale() or "en")


def _labels() -> dict:
    return {
        "format_labels": format_labels(),
        "format_explanations": format_explanations(),
        "status_labels": status_labels(),
        "online_formats": rules.ONLINE_FORMATS,
    }


def _session(session_id: int):
    return services.session_by_id(session_id) or abort(404)


def _managed(session_id: int):
    """The session, when the current user manages its provider's sessions (404, then 403)."""
    session = _session(session_id)
    if not services.can_manage(current_user, session):
        abort(403)
    return session


def _managed_provider(slug: str):
    provider = providers.by_slug(slug) or abort(404)
    if not services.can_manage_provider(current_user, provider):
        abort(403)
    return provider


def _form_data():
    return request.form if request.method == "POST" else None


def _back(session, endpoint: str = ".show"):
    return redirect(url_for(endpoint, session_id=session.id))


@bp.app_template_global("session_when")
def session_when(session, venue=None) -> str:
    """{{ session_when(session, venue) }}: the times in the venue's zone (else the session's), with its abbreviation."""
    return rules.format_local(session.starts_at, session.ends_at, services.zone_of(session, venue), _lang())


@bp.app_template_global("session_zone")
def session_zone(session, venue=None) -> str:
    return services.zone_of(session, venue)


@bp.app_template_global("span_when")
def span_when(starts_at, ends_at, zone: str) -> str:
    return rules.format_local(starts_at, ends_at, zone, _lang())


@bp.app_template_global("venue_address")
def venue_address(venue) -> str:
    return rules.address(venue.name, venue.street, venue.postal_code, venue.town)


@bp.app_template_global("session_price")
def session_price(session) -> str:
    return rules.format_price(session.price_minor, session.currency, _lang()) or _("Free")


@bp.app_template_global("session_title")
def session_title(session) -> str:
    return services.title_of(session, _lang())


# --- finding sessions --------------------------------------------------------------------------------------


@bp.get("/sessions")
def index():
    form = filter_form(request.args)
    valid = form.validate()
    page = paginate(planning.with_places(services.upcoming(**form.filters())), per_page=PER_PAGE)
    body = render_template("sessions/index.html", form=form, page=page, args=form.args(), **_labels())
    return body, 200 if valid else 400


@bp.get("/sessions/<int:session_id>")
def show(session_id: int):
    session = _session(session_id)
    place = planning.place_of(current_user, session)
    can_register = current_user.is_authenticated and place is None and not session.is_cancelled
    return render_template(
        "sessions/show.html",
        session=session,
        place=place,
        form=register_form(session) if can_register else None,
        cancel_form=ActionForm() if place is not None else None,
        may_manage=services.can_manage(current_user, session),
        started=session.starts_at <= utcnow(),
        **_labels(),
    )


@bp.post("/sessions/<int:session_id>/register")
@login_required
def register(session_id: int):
    session = _session(session_id)
    form = register_form(session, request.form)
    if not form.validate():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return _back(session)
    try:
        registration = planning.register(current_user, session, form.place.data)
    except SessionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(session)
    db.session.commit()
    if registration.status == "booked":
        flash(_("You have a place at this session. We will remind you by e-mail the day before."), "success")
    else:
        position = registrations.waiting_position(registration)
        flash(
            _(
                "The session is full: you are on the waiting list at position %(position)s. "
                "We will write to you if a place becomes free.",
                position=position,
            ),
            "info",
        )
    return _back(session)


@bp.post("/sessions/<int:session_id>/cancel")
@login_required
def cancel(session_id: int):
    session = _session(session_id)
    registration = registrations.registration_of(current_user, session)
    if registration is None or not ActionForm().validate_on_submit():
        flash(_("You are not registered for this session."), "error")
        return _back(session)
    try:
        registrations.cancel_registration(registration, current_user)
    except SessionError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(session)
    db.session.commit()
    flash(_("Your registration has been cancelled."), "success")
    return _back(session)


@bp.get("/sessions/<int:session_id>/calendar.ics")
@login_required
def calendar(session_id: int):
    """The participant's own calendar file (the join link in it only with a place online)."""
    session = _session(session_id)
    registration = registrations.registration_of(current_user, session)
    if registration is None or not registration.is_active:
        abort(404)
    data = planning.calendar_file(
        registration,
        lang=_lang(),
        url=external_url("sessions.show", session_id=session.id),
        online_label=pgettext("where", "Online"),
        now=utcnow(),
    )
    response = current_app.response_class(data, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="session-{session.id}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/sessions/mine")
@login_required
def mine():
    upcoming, past = planning.registrations_split(current_user)
    positions = {r.id: registrations.waiting_position(r) for r in upcoming if r.status == "waiting"}
    return render_template("sessions/mine.html", upcoming=upcoming, past=past, positions=positions, **_labels())


@bp.get("/providers/<slug>/sessions")
def provider_sessions(slug: str):
    provider = providers.by_slug(slug) or abort(404)
    may_manage = services.can_manage_provider(current_user, provider)
    page = paginate(planning.provider_sessions(provider, include_past=may_manage), per_page=PER_PAGE)
    return render_template("sessions/provider.html", provider=provider, page=page, may_manage=may_manage, **_labels())


# --- planning and managing sessions --------------------------------------------------------------------------


@bp.route("/providers/<slug>/sessions/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    provider = _managed_provider(slug)
    form = session_form(provider, formdata=_form_data())
    if form.validate_on_submit():
        try:
            session = services.create_session(current_user, provider, **form.values())
        except SessionError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The session has been planned."), "success")
            return _back(session)
    return render_template("sessions/edit.html", form=form, provider=provider, session=None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit(session_id: int):
    session = _managed(session_id)
    form = session_form(session.provider, session, formdata=_form_data())
    if form.validate_on_submit():
        try:
            changed = planning.save_session(session, current_user, **form.values())
        except SessionError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The session has been saved.") if changed else _("Nothing was changed."), "success")
            return _back(session)
    return render_template("sessions/edit.html", form=form, provider=session.provider, session=session)


@bp.route("/sessions/<int:session_id>/cancel-session", methods=["GET", "POST"])
@login_required
def cancel_session(session_id: int):
    session = _managed(session_id)
    form = CancelSessionForm()
    if form.validate_on_submit():
        try:
            told = services.cancel_session(session, current_user, form.reason.data)
        except SessionError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return _back(session)
        db.session.commit()
        flash(
            ngettext(
                "The session has been cancelled; %(num)s person has been told.",
                "The session has been cancelled; %(num)s people have been told.",
                told,
            ),
            "success",
        )
        return _back(session)
    return render_template("sessions/cancel_session.html", session=session, form=form)


@bp.get("/sessions/<int:session_id>/participants")
@login_required
def participants(session_id: int):
    session = _managed(session_id)
    rows = db.session.scalars(registrations.participants(session)).all()
    return render_template(
        "sessions/participants.html",
        session=session,
        rows=rows,
        counts=planning.counts(session),
        positions={r.id: registrations.waiting_position(r) for r in rows if r.status == "waiting"},
        form=ActionForm(),
        may_attend=not session.is_cancelled and utcnow() >= session.starts_at - rules.CHECK_IN_BEFORE,
        **_labels(),
    )


@bp.post("/sessions/<int:session_id>/participants/<int:registration_id>/attended")
@login_required
def mark_attended(session_id: int, registration_id: int):
    session = _managed(session_id)
    registration = planning.registration_in(session, registration_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            registrations.mark_attended(registration, current_user)
        except SessionError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("%(name)s attended.", name=registration.user.name), "success")
    return _back(session, ".participants")


@bp.get("/sessions/<int:session_id>/checkin")
@login_required
def checkin_code(session_id: int):
    session = _managed(session_id)
    url = external_url("sessions.checkin", token=session.checkin_token)
    return render_template(
        "sessions/checkin_code.html", session=session, url=url, qr=planning.qr_svg(url), form=ActionForm()
    )


@bp.post("/sessions/<int:session_id>/checkin/new")
@login_required
def new_checkin_code(session_id: int):
    session = _managed(session_id)
    if ActionForm().validate_on_submit():
        services.new_checkin_code(session, current_user)
        db.session.commit()
        flash(_("The check-in code has been replaced: the old QR code no longer works."), "success")
    return _back(session, ".checkin_code")


@bp.route("/sessions/checkin/<token>", methods=["GET", "POST"])
@login_required
def checkin(token: str):
    """At the venue: a booked participant confirms with a button that they are here."""
    session = planning.session_by_checkin_token(token) or abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            registrations.check_in(token, current_user)
        except SessionError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Welcome! Your attendance has been recorded."), "success")
        return _back(session)
    place = planning.place_of(current_user, session)
    return render_template("sessions/checkin.html", session=session, place=place, form=form)


# --- the trainers of a provider (admins) ----------------------------------------------------------------------


@bp.route("/admin/providers/<slug>/trainers", methods=["GET", "POST"])
@roles_required("admin")
def trainers(slug: str):
    provider = providers.by_slug(slug) or abort(404)
    form = TrainerForm()
    if form.validate_on_submit():
        try:
            user, added = planning.add_trainer(provider, form.email.data, current_user)
        except SessionError as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                _("%(name)s now runs sessions of %(provider)s.", name=user.name, provider=provider.name)
                if added
                else _("%(name)s was already a trainer of %(provider)s.", name=user.name, provider=provider.name),
                "success",
            )
            return redirect(url_for(".trainers", slug=provider.slug))
    people = db.session.scalars(staff.staff_of(provider)).all()
    return render_template(
        "sessions/trainers.html", provider=provider, form=form, people=people, remove_form=ActionForm()
    )


@bp.post("/admin/providers/<slug>/trainers/<int:user_id>/remove")
@roles_required("admin")
def remove_trainer(slug: str, user_id: int):
    provider = providers.by_slug(slug) or abort(404)
    if ActionForm().validate_on_submit():
        if staff.remove_staff(provider, planning.staff_member(provider, user_id) or abort(404), current_user):
            flash(_("The trainer no longer runs sessions of %(provider)s.", provider=provider.name), "success")
        db.session.commit()
    return redirect(url_for(".trainers", slug=provider.slug))


# --- business owners' requests --------------------------------------------------------------------------------


@bp.route("/sessions/request", methods=["GET", "POST"])
@login_required
def request_session():
    if not current_user.is_owner:
        abort(403)
    form = request_form(_form_data(), module=request.args.get("module"))
    if form.validate_on_submit():
        try:
            demand.request_session(
                current_user,
                catalog.public_module(form.module.data),
                staff_count=form.staff_count.data,
                language=form.language.data,
                town=form.town.data or "",
                message=form.message.data or "",
            )
        except SessionError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Thank you: your request has been sent to the training providers."), "success")
            return redirect(url_for(".request_session"))
    mine = db.session.scalars(demand.requests_of(current_user)).all()
    return render_template("sessions/request.html", form=form, requests=mine, request_labels=request_status_labels())


@bp.get("/sessions/requests")
@login_required
def requests():
    if not demand.can_handle_requests(current_user):
        abort(403)
    page = paginate(demand.requests_stmt(), per_page=50)
    forms = {r.id: request_status_form(r) for r in page.items}
    return render_template("sessions/requests.html", page=page, forms=forms, request_labels=request_status_labels())


@bp.post("/sessions/requests/<int:request_id>/status")
@login_required
def request_status(request_id: int):
    wanted = demand.request_by_id(request_id) or abort(404)
    if not demand.can_handle_requests(current_user):
        abort(403)
    form = request_status_form(formdata=request.form)
    if form.validate_on_submit():
        demand.set_request_status(wanted, current_user, form.status.data)
        db.session.commit()
        flash(
            _("The request has been marked: %(status)s.", status=request_status_labels()[form.status.data]), "success"
        )
    else:
        flash(_("Choose a status from the list."), "error")
    return redirect(url_for(".requests"))
