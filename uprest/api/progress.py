"""The logged-in learner's enrolments and progress: /api/v1/me/progress."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import fields, validate

from uprest.api.schemas import Schema
from uprest.api.views import bp
from uprest.i18n import pick
from uprest.learning import services as learning

_PERCENT = validate.Range(min=0, max=100)


class EnrolmentSchema(Schema):
    code = fields.String(required=True, metadata={"examples": ["digital-marketing-basics"]})
    title = fields.String(required=True, metadata={"description": "In the language of the answer, else English."})
    version = fields.Integer(
        required=True, validate=validate.Range(min=1), metadata={"description": "The version enrolled in."}
    )
    status = fields.String(required=True, validate=validate.OneOf(["active", "completed"]))
    progress = fields.Integer(
        required=True,
        validate=_PERCENT,
        metadata={"description": "The share of the completion rule's steps done, in percent."},
    )
    lessons_read = fields.Integer(required=True, validate=validate.Range(min=0))
    lessons_required = fields.Integer(required=True, validate=validate.Range(min=0))
    quiz_passed = fields.Boolean(
        required=True, allow_none=True, metadata={"description": "null when the module has no quiz."}
    )
    score = fields.Integer(
        required=True, allow_none=True, validate=_PERCENT, metadata={"description": "The best quiz score, in percent."}
    )
    attempts = fields.Integer(
        required=True, validate=validate.Range(min=0), metadata={"description": "Quiz attempts submitted."}
    )
    enrolled_at = fields.DateTime(required=True)
    completed_at = fields.DateTime(required=True, allow_none=True)


class ProgressSchema(Schema):
    """The learner's enrolments, the most recently active first."""

    enrolments = fields.List(fields.Nested(EnrolmentSchema), required=True)


def _row(s: learning.Summary) -> dict:
    e, state = s.enrolment, s.state
    rule = learning.rule_of(e.version)
    return {
        "code": s.code,
        "title": pick(e.version.title),
        "version": e.version.version,
        "status": s.status,
        "progress": state.percent,
        "lessons_read": len(rule.lessons) - len(state.lessons_missing),
        "lessons_required": len(rule.lessons),
        "quiz_passed": (not state.quiz_missing) if rule.needs_quiz else None,
        "score": s.best_score,
        "attempts": s.attempts_used,
        "enrolled_at": e.enrolled_at,
        "completed_at": e.completed_at,
    }


@bp.route("/me/progress", tags=["me"])
@bp.logged_in
@bp.response(200, ProgressSchema, description="The learner's enrolments with their status, progress and score.")
@bp.doc(operationId="getMyProgress")
def me_progress():
    """The logged-in learner's enrolments, with status, progress and best quiz score"""
    return {"enrolments": [_row(s) for s in learning.summaries_of(current_user)]}
