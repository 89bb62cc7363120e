"""The logged-in learner's certificates: /api/v1/me/certificates."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import fields, validate

from uprest.api.schemas import Schema
from uprest.api.views import bp
from uprest.certificates import services as certificates
from uprest.i18n import pick


class CertificateSchema(Schema):
    code = fields.String(
        required=True,
        metadata={"description": "The verification code (20 characters).", "examples": ["7K2QM9XD4TRBW3ZPHN6C"]},
    )
    kind = fields.String(required=True, validate=validate.OneOf(["module", "plan"]))
    title = fields.String(required=True, metadata={"description": "In the language of the answer, else English."})
    module = fields.String(
        required=True, allow_none=True, metadata={"description": "The module's code; null for a plan certificate."}
    )
    issued_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["valid", "revoked", "expired"]))
    pdf_url = fields.Url(required=True, metadata={"description": "The PDF (the learner's own session is needed)."})
    verification_url = fields.Url(required=True, metadata={"description": "The public verification page."})
    credential_url = fields.Url(
        required=True, metadata={"description": "The signed Open Badges 3.0 credential (a compact JWS)."}
    )


class CertificatesSchema(Schema):
    """The learner's certificates, the newest first."""

    certificates = fields.List(fields.Nested(CertificateSchema), required=True)


def _row(c) -> dict:
    links = certificates.links(c)
    return {
        "code": c.code,
        "kind": c.kind,
        "title": pick(c.title),
        "module": c.data.get("module_code") or None,
        "issued_at": c.issued_at,
        "expires_at": c.expires_at,
        "status": c.status(),
        "pdf_url": links.pdf,
        "verification_url": links.verify,
        "credential_url": links.credential,
    }


@bp.route("/me/certificates", tags=["me"])
@bp.logged_in
@bp.response(200, CertificatesSchema, description="The learner's certificates with their status and links.")
@bp.doc(operationId="getMyCertificates")
def me_certificates():
    """The logged-in learner's certificates, with code, title, dates, status and the URLs of the PDF, the
    verification page and the credential"""
    return {"certificates": [_row(c) for c in certificates.certificates_of(current_user)]}
