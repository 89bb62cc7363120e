"""Administration: users and roles, territories, the mail outbox."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from uprest import mail
from uprest.accounts import services
from uprest.accounts import territories as places
from uprest.accounts.models import Role
from uprest.admin.forms import SearchForm, UserAdminForm, territory_form
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
        form.territory_id.data = user.territory_id
    if form.validate_on_submit():
        try:
            services.set_role(
                user,
                role=form.role.data,
                territory_id=form.territory_id.data,
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


@bp.route("/territories", methods=["GET", "POST"])
def territories():
    form = territory_form()
    if form.validate_on_submit() and _save(None, form):
        db.session.commit()
        flash(_("The territory has been added."), "success")
        return redirect(url_for("admin.territories"))
    return render_template("admin/territories.html", nodes=places.tree(), kind_labels=places.KIND_LABELS, form=form)


@bp.route("/territories/<int:tid>", methods=["GET", "POST"])
def edit_territory(tid: int):
    territory = places.by_id(tid) or abort(404)
    form = territory_form(territory)
    if form.validate_on_submit() and _save(territory, form):
        db.session.commit()
        flash(_("The territory has been saved."), "success")
        return redirect(url_for("admin.territories"))
    return render_template(
        "admin/territory_edit.html", territory=territory, ancestors=places.ancestors(territory), form=form
    )


def _save(territory, form) -> bool:
    """Save the form's territory; a rule of the tree that the form could not check (the code and the short name
    it checks itself) is shown at the field "Lies in"."""
    try:
        places.save(territory, **form.values())
    except places.TerritoryError as exc:
        form.parent_id.errors.append(str(exc))
        return False
    return True


@bp.route("/municipalities")
def municipalities_moved():
    """The old address of the territory list."""
    return redirect(url_for("admin.territories"), 301)


@bp.route("/municipalities/<int:mid>")
def municipality_moved(mid: int):
    """The old address of a territory's page."""
    return redirect(url_for("admin.edit_territory", tid=mid), 301)


@bp.route("/outbox")
def outbox():
    return render_template("admin/outbox.html", page=paginate(mail.outbox_stmt()))


@bp.route("/outbox/<int:msg_id>")
def outbox_message(msg_id: int):
    msg = mail.outbox_message(msg_id) or abort(404)
    return render_template("admin/outbox_message.html", msg=msg)
