"""The logged-in learner's own data: /api/v1/me/..."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from marshmallow import fields, validate

from uprest.api.schemas import Derived, ErrorSchema, I18nOptional, Schema
from uprest.api.views import bp
from uprest.assessments import scoring
from uprest.assessments import services as assessments
from uprest.frameworks.loader import JOB_ROLES, SUBSECTORS

_LEVEL = validate.Range(min=1)


class TargetSchema(Schema):
    min = fields.Integer(required=True)
    max = fields.Integer(required=True, allow_none=True)


class GapCompetenceSchema(Schema):
    """One competence of a gap profile (dumped from an assessment result)."""

    key = fields.String(attribute="competence_key", required=True, metadata={"examples": ["digcomp:1.1"]})
    framework = fields.String(attribute="competence.framework.code", required=True)
    code = fields.String(attribute="competence.code", required=True)
    name = I18nOptional(
        attribute="competence.name", required=True, metadata={"description": "The name by language code."}
    )
    rank = fields.Integer(required=True, validate=_LEVEL)
    level = fields.Integer(required=True, validate=_LEVEL)
    self_level = fields.Integer(required=True, validate=_LEVEL)
    max_level = fields.Integer(required=True, validate=_LEVEL)
    knowledge_check = fields.String(
        attribute="knowledge",
        required=True,
        allow_none=True,
        validate=validate.OneOf([scoring.CONFIRMED, scoring.TEMPERED]),
    )
    source = fields.String(required=True, validate=validate.OneOf([scoring.SOURCE_SELF, scoring.SOURCE_QUIZ]))
    target = Derived(TargetSchema, lambda r: {"min": r.target_min, "max": r.target_max}, required=True)
    importance = fields.Integer(required=True, validate=validate.Range(scoring.IMPORTANCE_MIN, scoring.IMPORTANCE_MAX))
    gap = fields.Integer(required=True, validate=validate.Range(min=0))
    status = fields.String(required=True, validate=validate.OneOf([scoring.BELOW, scoring.WITHIN, scoring.ABOVE]))
    priority = fields.Integer(required=True, validate=validate.Range(0, 100))


class GapProfileSchema(Schema):
    """A submitted assessment run's gap profile (dumped from the run)."""

    run_id = fields.Integer(attribute="id", required=True)
    started_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(required=True)
    subsector = fields.String(required=True, validate=validate.OneOf(SUBSECTORS))
    job_role = fields.String(required=True, validate=validate.OneOf(JOB_ROLES))
    competences = Derived(
        GapCompetenceSchema,
        assessments.results_of,
        many=True,
        required=True,
        metadata={"description": "Ranked by priority, highest first."},
    )


@bp.route("/me/gaps", tags=["me"])
@bp.logged_in
@bp.response(200, GapProfileSchema, description="The gap profile.")
@bp.alt_response(404, schema=ErrorSchema, description="No submitted assessment yet.")
@bp.doc(operationId="getMyGapProfile")
def me_gaps():
    """The logged-in learner's latest submitted skills-gap profile"""
    run = assessments.latest_submitted_run(current_user)
    if run is None:
        abort(404, message=_("You have not submitted an assessment yet."))
    return run
