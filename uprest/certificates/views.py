"""Certificate pages: public verification (no login), the learner's certificates and their downloads, revocation
by admins and the module's trainers, and the revocation status list that verifiers fetch."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from uprest.accounts.models import Role
from uprest.certificates import services
from uprest.certificates.forms import IssuedSearchForm, LookupForm, RevokeForm, UploadForm
from uprest.certificates.pdf import country_name
from uprest.extensions import db, limiter, paginate
from uprest.security import roles_required

bp = Blueprint("certificates", __name__)


def _verify_limit() -> str:
    return current_app.config["RATELIMIT_VERIFY_PER_ADDRESS"]


def _public(response, mimetype: str | None = None):
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers running in a browser read them
    response.headers["Cache-Control"] = "no-cache"  # a revocation shows at once
    if mimetype:
        response.mimetype = mimetype
    return response


def _unknown():
    return render_template("certificates/unknown.html", form=LookupForm(formdata=None)), 404


# --- public verification ---------------------------------------------------------------------------------------


@bp.get("/verify")
@limiter.limit(_verify_limit)
def lookup():
    form = LookupForm(request.args)
    if request.args and form.validate():
        code = services.normal_code(form.code.data)
        if code is not None:
            return redirect(url_for(".verify", code=code))
        form.code.errors.append(_("This is not a verification code: it has 20 letters and digits."))
    return render_template("certificates/lookup.html", form=form)


@bp.get("/verify/<code>")
@limiter.limit(_verify_limit)
def verify(code: str):
    certificate = services.by_code(code)
    if certificate is None:
        return _unknown()
    if certificate.code != code:  # typed in lower case or with hyphens: the canonical address
        return redirect(url_for(".verify", code=certificate.code), 301)
    return _verify_page(certificate, UploadForm(formdata=None), None)


@bp.post("/verify/<code>/check")
@limiter.limit(_verify_limit)
def check(code: str):
    """Is an uploaded PDF the very file issued? (SHA-256 of the upload against the stored one; nothing kept.)"""
    certificate = services.by_code(code)
    if certificate is None:
        return _unknown()
    form = UploadForm()
    checked = services.matches(certificate, form.document.data.read()) if form.validate_on_submit() else None
    return _verify_page(certificate, form, checked)


def _verify_page(certificate, form: UploadForm, checked: bool | None):
    data = None if services.is_withdrawn(certificate) else services.data_of(certificate)
    return render_template(
        "certificates/verify.html",
        certificate=certificate,
        data=data,
        country=country_name(data.issuer.country, str(get_locale())) if data and data.issuer.country else "",
        status=certificate.status(),
        form=form,
        checked=checked,
        may_revoke=services.can_revoke(current_user, certificate),
        withdrawn_reason=services.withdrawn_reason() if data is None else "",
    )


@bp.get("/verify/<code>.json")
@limiter.limit(_verify_limit)
def verify_json(code: str):
    certificate = services.by_code(code)
    if certificate is None:
        return _public(
            current_app.response_class(json.dumps({"error": "not_found", "code": code}), 404), "application/json"
        )
    body = json.dumps(services.public_json(certificate), ensure_ascii=False, indent=1)
    return _public(current_app.response_class(body), "application/json")


@bp.get("/certificates/<code>/credential.jwt")
@limiter.limit(_verify_limit)
def credential(code: str):
    """The signed Open Badges 3.0 credential (a compact JWS): no name in clear, meant to be shared."""
    certificate = services.by_code(code)
    if certificate is None or not certificate.credential:
        abort(404)
    response = current_app.response_class(certificate.credential, mimetype="application/vc+jwt")
    response.headers["Content-Disposition"] = f'attachment; filename="credential-{certificate.code}.jwt"'
    return _public(response)


@bp.get("/credentials/status/<int:number>")
def status_list(number: int):
    """The revocation status list (a signed BitstringStatusListCredential) that credentials point to."""
    token = services.status_list_credential(number) if number < 1_000_000 else None
    if token is None:
        abort(404)
    return _public(current_app.response_class(token), "application/vc+jwt")


# --- the learner's certificates --------------------------------------------------------------------------------


@bp.get("/certificates")
@login_required
def mine():
    certificates = services.certificates_of(current_user)
    return render_template(
        "certificates/mine.html", certificates=certificates, links={c.id: services.links(c) for c in certificates}
    )


@bp.get("/certificates/<code>.pdf")
@login_required
def download(code: str):
    certificate = services.owned(current_user, code) or abort(404)
    pdf = services.pdf_of(certificate)
    db.session.commit()
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- revocation ------------------------------------------------------------------------------------------------


@bp.route("/certificates/<code>/revoke", methods=["GET", "POST"])
@login_required
def revoke(code: str):
    certificate = services.by_code(code) or abort(404)
    if not services.can_revoke(current_user, certificate):
        abort(403)
    if certificate.revoked_at is not None:
        flash(_("This certificate is already revoked."), "info")
        return redirect(url_for(".verify", code=certificate.code))
    form = RevokeForm()
    if form.validate_on_submit():
        services.revoke(certificate, current_user, form.reason.data.strip())
        db.session.commit()
        flash(_("The certificate is revoked: the verification page and the status list say so now."), "success")
        return redirect(url_for(".verify", code=certificate.code))
    return render_template("certificates/revoke.html", certificate=certificate, form=form)


@bp.get("/certificates/issued")
@roles_required(Role.TRAINER)
def issued():
    form = IssuedSearchForm(request.args)
    query = form.q.data if form.validate() else ""
    page = paginate(services.issued_stmt(current_user, query or ""), per_page=50)
    return render_template("certificates/issued.html", form=form, page=page)
