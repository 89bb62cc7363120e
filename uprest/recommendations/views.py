"""The learner's learning path and plan: see the recommended path, accept it, change the plan and its budget."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from uprest.extensions import db
from uprest.recommendations import services
from uprest.recommendations.explain import hours_text
from uprest.recommendations.forms import ActionForm, BudgetForm, ModuleForm
from uprest.recommendations.models import LearningPlan
from uprest.registry import hooks

bp = Blueprint("recommendations", __name__, url_prefix="/plan")


@bp.before_request
@login_required
def _logged_in():
    """Every page of the plan is the logged-in learner's own."""


def _own_plan() -> LearningPlan:
    """The current learner's plan; without one there is nothing to change (404)."""
    return services.plan_of(current_user) or abort(404)


def _page(budget_form: BudgetForm | None = None, status: int = 200):
    path = services.recommended_path(current_user)
    plan = services.plan_of(current_user)
    view = services.plan_view(current_user, plan, path) if plan is not None and path is not None else None
    if budget_form is None:
        budget_form = BudgetForm(weekly_hours=plan.weekly_hours if plan is not None else services.DEFAULT_WEEKLY_HOURS)
    in_plan = set(view.codes) if view is not None else set()
    codes = [e.code for e in (path.entries if path is not None else [])] + sorted(in_plan)
    offers: dict[str, list] = {}
    for make in hooks("plan_offers") if codes else ():
        for code, notes in make(current_user, list(dict.fromkeys(codes))).items():
            offers.setdefault(code, []).extend(notes)
    return render_template(
        "recommendations/plan.html",
        path=path,
        plan=plan,
        view=view,
        addable=[e for e in path.entries if e.code not in in_plan] if path is not None else [],
        budget_form=budget_form,
        hours_text=hours_text,
        offers=offers,
        min_hours=services.MIN_WEEKLY_HOURS,
        max_hours=services.MAX_WEEKLY_HOURS,
    ), status


@bp.get("")
def plan():
    return _page()


@bp.post("/accept")
def accept():
    """Make the recommended path the learner's plan: a new one, or the modules of theirs (a rebuild)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    path = services.recommended_path(current_user)
    if path is None:
        return redirect(url_for(".plan"))
    _plan, created = services.accept(current_user, path.codes, path.weekly_hours)
    db.session.commit()
    if created:
        flash(_("The recommended path is now your learning plan."), "success")
    else:
        flash(_("Your plan now holds the recommended path."), "success")
    return redirect(url_for(".plan"))


@bp.post("/budget")
def budget():
    plan = _own_plan()
    form = BudgetForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    services.set_budget(plan, form.weekly_hours.data)
    db.session.commit()
    flash(_("Your weekly time budget is saved."), "success")
    return redirect(url_for(".plan"))


@bp.post("/remove")
def remove():
    plan = _own_plan()
    form = ModuleForm()
    if not form.validate_on_submit():
        abort(400)
    if services.remove(plan, form.code.data):
        db.session.commit()
        flash(_("The module is removed from your plan."), "success")
    else:
        flash(_("That module is not in your plan."), "info")
    return redirect(url_for(".plan"))


@bp.post("/add")
def add():
    plan = _own_plan()
    form = ModuleForm()
    if not form.validate_on_submit():
        abort(400)
    path = services.recommended_path(current_user)
    if path is None or form.code.data not in path.codes:
        abort(400)
    if services.add(plan, form.code.data):
        db.session.commit()
        flash(_("The module is added to your plan."), "success")
    else:
        flash(_("That module is in your plan already."), "info")
    return redirect(url_for(".plan"))
