"""Administration: users and roles, municipalities, the mail outbox."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from uprest import mail
from uprest.accounts import services
from uprest.accounts.models import Role
from uprest.admin.forms import MunicipalityForm, SearchForm, UserAdminForm
from uprest.extensions import db, paginate
from uprest.security import roles_required

bp = Blueprint("admin", __name__)


@bp.before_request
@roles_required(Role.ADMIN)
def _admins_only():
    return None


@bp.route("/users")
def users():
    form = SearchForm(request.args)
    form.validate()  # a value the form refuses (e.g. a search longer than it allows) searches for nothing
    q = None if form.q.errors else form.q.data
    stmt = services.user_search(q, (form.role.data or None) if not form.role.errors else None)
    page = paginate(stmt)
    return render_template("admin/users.html", page=page, form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = services.user_by_id(user_id) or abort(404)
    form = UserAdminForm(obj=user)
    if request.method == "GET":
        form.is_active.data = user.is_active_account
        form.municipality_id.data = user.municipality_id
    if form.validate_on_submit():
        try:
            services.set_role(
                user,
                role=form.role.data,
                municipality_id=form.municipality_id.data,
                is_active=form.is_active.data,
                actor=current_user,
            )
        except services.AccountError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("The account of %(name)s has been saved.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_edit.html", user=user, form=form)


@bp.route("/municipalities", methods=["GET", "POST"])
def municipalities():
    form = MunicipalityForm()
    if form.validate_on_submit():
        try:
            services.save_municipality(None, code=form.code.data, name=form.name.data, country=form.country.data)
        except services.AccountError as exc:
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The municipality has been added."), "success")
            return redirect(url_for("admin.municipalities"))
    return render_template("admin/municipalities.html", rows=services.municipalities_with_counts(), form=form)


@bp.route("/municipalities/<int:mid>", methods=["GET", "POST"])
def edit_municipality(mid: int):
    muni = services.municipality_by_id(mid) or abort(404)
    form = MunicipalityForm(obj=muni)
    if form.validate_on_submit():
        try:
            services.save_municipality(muni, code=form.code.data, name=form.name.data, country=form.country.data)
        except services.AccountError as exc:
            form.code.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The municipality has been saved."), "success")
            return redirect(url_for("admin.municipalities"))
    return render_template("admin/municipality_edit.html", muni=muni, form=form)


@bp.route("/outbox")
def outbox():
    return render_template("admin/outbox.html", page=paginate(mail.outbox_stmt()))


@bp.route("/outbox/<int:msg_id>")
def outbox_message(msg_id: int):
    msg = mail.outbox_message(msg_id) or abort(404)
    return render_template("admin/outbox_message.html", msg=msg)
