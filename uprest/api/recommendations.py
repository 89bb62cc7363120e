"""The logged-in learner's recommended learning path: /api/v1/me/recommendations."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from marshmallow import fields, validate

from uprest.api.schemas import ErrorSchema, Schema
from uprest.api.views import bp
from uprest.recommendations import services as recommendations

_LEVEL = validate.Range(min=0)


class RaisedCompetenceSchema(Schema):
    """A competence a recommended module raises, on the way to the learner's target."""

    key = fields.String(attribute="competence", required=True, metadata={"examples": ["digcomp:2.1"]})
    from_level = fields.Integer(required=True, validate=_LEVEL, metadata={"description": "The level it starts from."})
    to_level = fields.Integer(required=True, validate=_LEVEL, metadata={"description": "The highest level it closes."})
    target = fields.Integer(required=True, validate=_LEVEL, metadata={"description": "The target's lowest level."})


class RecommendedModuleSchema(Schema):
    code = fields.String(required=True, metadata={"examples": ["digital-marketing-basics"]})
    title = fields.String(required=True, metadata={"description": "In the language of the answer, else English."})
    hours = fields.Float(required=True, validate=validate.Range(min=0))
    week = fields.Integer(
        required=True,
        validate=validate.Range(min=1),
        metadata={"description": "The week in which it is done at the learner's weekly time budget."},
    )
    competences = fields.List(
        fields.Nested(RaisedCompetenceSchema),
        attribute="raises",
        required=True,
        metadata={"description": "Empty for a module needed only as a prerequisite of a later one."},
    )
    explanation = fields.String(required=True, metadata={"description": "Why it is recommended."})


class RecommendationsSchema(Schema):
    """The learner's recommended learning path, most weighted gap per hour first, prerequisites before."""

    weekly_hours = fields.Integer(required=True, validate=validate.Range(min=1))
    hours = fields.Float(required=True, validate=validate.Range(min=0), metadata={"description": "In total."})
    weeks = fields.Integer(required=True, validate=validate.Range(min=0))
    modules = fields.List(fields.Nested(RecommendedModuleSchema), attribute="entries", required=True)


@bp.route("/me/recommendations", tags=["me"])
@bp.logged_in
@bp.response(200, RecommendationsSchema, description="The recommended learning path.")
@bp.alt_response(404, schema=ErrorSchema, description="No submitted assessment yet.")
@bp.doc(operationId="getMyRecommendations")
def me_recommendations():
    """The logged-in learner's recommended learning path, with the reason for each module"""
    path = recommendations.recommended_path(current_user)
    if path is None:
        abort(404, message=_("You have not submitted an assessment yet."))
    return path
