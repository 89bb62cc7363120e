"""Public API: the current competence frameworks.

Knowledge questions are part of the assessment: their text and choices (and above
all which choice is correct) are never published here; only their number is.
"""

from __future__ import annotations

from flask import abort, url_for
from marshmallow import fields

from uprest.api.schemas import (
    Derived,
    ErrorSchema,
    I18nOptional,
    I18nText,
    LinksSchema,
    Schema,
    computed,
    uri,
)
from uprest.api.views import bp
from uprest.frameworks import services
from uprest.frameworks.models import Framework


class _Counted:
    """A framework with its counts, which come from one query for all the frameworks listed (what the schemas
    below dump; every other attribute is the framework's)."""

    def __init__(self, framework: Framework, counts: dict[str, int]):
        self._framework = framework
        self.counts = {"levels": len(framework.levels), "bands": len(framework.bands), **counts}

    def __getattr__(self, name: str):
        return getattr(self._framework, name)


# --- schemas -----------------------------------------------------------------------------


class CountsSchema(Schema):
    levels = fields.Integer(required=True)
    bands = fields.Integer(required=True)
    areas = fields.Integer(required=True)
    competences = fields.Integer(required=True)
    statements = fields.Integer(required=True)
    knowledge = fields.Integer(required=True)


def _framework_links(fw: Framework) -> dict:
    return {
        "self": url_for("api.framework", code=fw.code, _external=True),
        "html": url_for("frameworks.detail", code=fw.code, _external=True),
    }


class FrameworkSummarySchema(Schema):
    code = fields.String(required=True, metadata={"examples": ["digcomp"]})
    edition = fields.String(required=True, metadata={"description": "The publisher's version, e.g. 2.2"})
    revision = fields.Integer(
        required=True, metadata={"description": "Our stored revision; a changed source file adds one"}
    )
    name = I18nText(required=True)
    description = I18nOptional(required=True)
    source_url = fields.String(required=True, allow_none=True, metadata=uri())
    imported_at = fields.DateTime(required=True)
    counts = fields.Nested(CountsSchema, required=True)
    links = Derived(LinksSchema, _framework_links, required=True)


class ProficiencyLevelSchema(Schema):
    level = fields.Integer(required=True)
    band = fields.String(required=True)
    name = I18nText(required=True)
    description = I18nOptional(required=True)


class ProficiencyBandSchema(Schema):
    code = fields.String(required=True)
    name = I18nText(required=True)


class ScaleSchema(Schema):
    """The framework's proficiency scale (dumped from the framework)."""

    levels = fields.List(fields.Nested(ProficiencyLevelSchema), required=True)
    bands = fields.List(fields.Nested(ProficiencyBandSchema), required=True)


class StatementSchema(Schema):
    id = fields.String(attribute="key", required=True)
    text = I18nText(required=True)
    band = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The band of the scale the statement is written at (null in older revisions)."},
    )


class CompetenceSchema(Schema):
    key = fields.String(required=True, metadata={"examples": ["digcomp:1.1"]})
    code = fields.String(required=True)
    name = I18nText(required=True)
    description = I18nOptional(required=True)
    esco_uri = fields.String(required=True, allow_none=True)
    level_descriptors = I18nOptional(
        values=I18nText(),
        required=True,
        metadata={"description": "Level number (as text) -> text per language"},
    )
    statements = Derived(
        StatementSchema, lambda comp: [it for it in comp.items if it.kind == "statement"], many=True, required=True
    )
    knowledge_questions = computed(
        lambda comp: sum(1 for it in comp.items if it.kind == "knowledge"),
        "integer",
        required=True,
        metadata={
            "description": "How many knowledge questions the competence's pool holds; a run asks one of them. Their "
            "content and answers are not published."
        },
    )
    knowledge_levels = computed(
        lambda comp: sorted({it.level for it in comp.items if it.kind == "knowledge" and it.level}),
        "array",
        required=True,
        metadata={
            "description": "The levels of the scale the knowledge questions check.",
            "items": {"type": "integer"},
        },
    )


class AreaSchema(Schema):
    code = fields.String(required=True)
    name = I18nText(required=True)
    competences = fields.List(fields.Nested(CompetenceSchema), required=True)


class FrameworkSchema(FrameworkSummarySchema):
    scale = Derived(ScaleSchema, required=True)
    areas = fields.List(fields.Nested(AreaSchema), required=True)


class FrameworkListSchema(Schema):
    frameworks = fields.List(fields.Nested(FrameworkSummarySchema), required=True)


# --- answers -----------------------------------------------------------------------------


@bp.route("/frameworks", tags=["frameworks"])
@bp.public
@bp.response(200, FrameworkListSchema, description="Every framework in its current revision.")
@bp.doc(operationId="listFrameworks")
def frameworks():
    """The current competence frameworks"""
    items = services.current_frameworks()
    counts = services.framework_counts([f.id for f in items])
    return {"frameworks": [_Counted(fw, counts[fw.id]) for fw in items]}


@bp.route("/frameworks/<code>", tags=["frameworks"], parameters=[{"in": "path", "name": "code", "example": "digcomp"}])
@bp.public
@bp.response(200, FrameworkSchema, description="The current revision of the framework.")
@bp.alt_response(404, schema=ErrorSchema, description="No current framework with this code.")
@bp.doc(operationId="getFramework")
def framework(code: str):
    """One framework in full: scale, areas, competences, self-assessment statements"""
    fw = services.framework_detail(code) or abort(404)
    return _Counted(fw, services.framework_counts([fw.id])[fw.id])
