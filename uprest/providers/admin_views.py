"""Administrators add and edit providers (a provider is never deleted: modules and certificates point to it;
it is made inactive instead)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from uprest.extensions import db
from uprest.providers import services
from uprest.providers.forms import kind_labels, provider_form
from uprest.security import roles_required

bp = Blueprint("providers_admin", __name__, url_prefix="/admin/providers")


@bp.before_request
@roles_required("admin")
def _admins_only():
    return None


@bp.route("")
def index():
    providers = db.session.scalars(services.all_providers()).all()
    return render_template("providers/admin_list.html", providers=providers, kinds=kind_labels())


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = provider_form(formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        try:
            provider = services.create(form.slug.data, **form.values())
        except services.ProviderError as exc:
            form.slug.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The provider %(name)s has been added.", name=provider.name), "success")
            return redirect(url_for("providers_admin.index"))
    return render_template("providers/admin_edit.html", form=form, provider=None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str):
    provider = services.by_slug(slug) or abort(404)
    form = provider_form(provider, formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        services.update(provider, **form.values())
        db.session.commit()
        flash(_("The provider %(name)s has been saved.", name=provider.name), "success")
        return redirect(url_for("providers_admin.index"))
    return render_template("providers/admin_edit.html", form=form, provider=provider)
