"""Public pages of the competence frameworks, and the target profiles (trainers and admins)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from uprest.accounts.forms import subsector_choices
from uprest.accounts.models import Role
from uprest.extensions import db
from uprest.frameworks import services
from uprest.frameworks.forms import (
    CompetenceOption,
    competence_options,
    job_role_labels,
    profile_targets_form,
    profile_version,
)
from uprest.security import roles_required

bp = Blueprint("frameworks", __name__)


@bp.route("/competences")
def index():
    frameworks = services.current_frameworks()
    counts = services.framework_counts([f.id for f in frameworks])
    return render_template("frameworks/index.html", frameworks=frameworks, counts=counts)


@bp.route("/competences/<code>")
def detail(code: str):
    framework = services.framework_detail(code) or abort(404)
    return render_template("frameworks/detail.html", fw=framework, languages=services.framework_languages(framework))


@bp.route("/profiles")
@roles_required(Role.TRAINER)
def profiles():
    overview = services.profiles_overview()
    return render_template(
        "frameworks/profiles.html",
        overview=overview,
        subsectors=services.SUBSECTORS,
        job_roles=[r for r in services.JOB_ROLES if any(role == r for _, role in overview)],
        **_labels(),
    )


def _labels() -> dict:
    return {"subsector_labels": dict(subsector_choices()), "job_role_labels": job_role_labels()}


def _competence_options() -> list[CompetenceOption]:
    return competence_options()


@bp.route("/profiles/<subsector>/<job_role>", methods=["GET", "POST"])
@roles_required(Role.TRAINER)
def profile(subsector: str, job_role: str):
    if subsector not in services.SUBSECTORS or job_role not in services.JOB_ROLES:
        abort(404)
    target_profile = services.profile_for(subsector, job_role)
    options = _competence_options()
    if request.method == "POST":
        form = profile_targets_form(target_profile, options, formdata=request.form)
        if form.validate_on_submit():
            if form.loaded_at.data != profile_version(target_profile):
                flash(
                    _(
                        "Someone else changed this profile while you were editing it. "
                        "The page now shows their version; please make your changes again."
                    ),
                    "error",
                )
                return redirect(url_for("frameworks.profile", subsector=subsector, job_role=job_role))
            target_profile = services.profile_for(subsector, job_role, create=True)
            try:
                changed = services.update_profile_targets(
                    target_profile, form.rows(), current_user._get_current_object()
                )
            except services.ProfileError as exc:
                flash(str(exc), "error")
            else:
                db.session.commit()
                flash(
                    _("The target profile has been saved.") if changed else _("Nothing was changed."),
                    "success",
                )
                return redirect(url_for("frameworks.profile", subsector=subsector, job_role=job_role))
    else:
        form = profile_targets_form(target_profile, options)
    by_key = services.competences_by_key(e.form.competence_key.data for e in form.targets if e.form.competence_key.data)
    levels = services.scale_levels(c.framework_id for c in by_key.values())
    updated_by = target_profile.updated_by if target_profile else None
    return render_template(
        "frameworks/profile.html",
        profile=target_profile,
        form=form,
        subsector=subsector,
        job_role=job_role,
        competences=by_key,
        levels=levels,
        updated_by=updated_by,
        **_labels(),
    )
