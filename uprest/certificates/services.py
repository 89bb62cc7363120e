"""Certificates after issuance: finding them, their PDF (rendered once), verification, revocation, the status
list, the learner's list, and the account's data (export, erasure)."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_

from uprest import cache
from uprest.accounts.models import User
from uprest.catalog import services as catalog
from uprest.catalog.models import Module
from uprest.certificates import badges, keys, statuslist
from uprest.certificates.data import CertificateData, from_json
from uprest.certificates.issuance import ALPHABET, CODE_LENGTH, LIST_SIZE
from uprest.certificates.models import Certificate
from uprest.certificates.pdf import render_certificate
from uprest.extensions import db, utcnow
from uprest.security import external_url

log = logging.getLogger(__name__)

#: What people type for a code: Crockford's reading (O is 0, I and L are 1), any case, with spaces or hyphens.
_READ = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-]+")
MAX_REASON = 500


def normal_code(text: str | None) -> str | None:
    """The code in its stored form, or None when `text` cannot be one."""
    code = _SEPARATORS.sub("", (text or "").upper()).translate(_READ)
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def by_code(text: str | None) -> Certificate | None:
    code = normal_code(text)
    if code is None:
        return None
    return db.session.scalar(db.select(Certificate).where(Certificate.code == code))


def data_of(certificate: Certificate) -> CertificateData:
    return from_json(certificate.data)


# --- the PDF, rendered once ------------------------------------------------------------------------------------


def render(certificate: Certificate) -> bytes:
    bilingual = current_app.config["CERTIFICATE_BILINGUAL"]
    return render_certificate(data_of(certificate), lang=certificate.language, bilingual=bilingual)


def store_pdf(certificate: Certificate, pdf: bytes) -> bool:
    """Keep `pdf` as the certificate's document unless one is stored already (the first writer wins)."""
    won = db.session.execute(
        db.update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.pdf_sha256.is_(None))
        .values(pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest(), rendered_at=utcnow()),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.expire(certificate, ["pdf", "pdf_sha256", "rendered_at"])
    return bool(won)


def pdf_of(certificate: Certificate) -> bytes:
    """The stored PDF; rendered and stored now when the worker has not done it yet (flushes: commit after)."""
    if certificate.pdf_sha256 is None:
        if certificate.user_id is None:
            raise LookupError("a withdrawn certificate has no document")
        store_pdf(certificate, render(certificate))
    return certificate.pdf


def render_pending(limit: int = 20) -> tuple[int, int]:
    """The worker's pass (``Feature.outbox_worker``): render and store the PDFs not rendered yet (at most 20 a
    pass: about two seconds of work, so that the mail of the same loop is not held up); commits."""
    limit = min(limit, 20)
    stmt = (
        db.select(Certificate)
        .where(Certificate.pdf_sha256.is_(None), Certificate.user_id.is_not(None))
        .order_by(Certificate.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # several workers share the work
    done = failed = 0
    for certificate in db.session.scalars(stmt).all():
        try:
            store_pdf(certificate, render(certificate))
            done += 1
        except Exception:  # one document that cannot be rendered must not stop the others
            log.exception("certificate %s: the PDF could not be rendered", certificate.code)
            failed += 1
    db.session.commit()
    return done, failed


# --- verification ----------------------------------------------------------------------------------------------


def matches(certificate: Certificate, upload: bytes) -> bool:
    """Whether `upload` is the very file issued (its SHA-256 is the stored one)."""
    return certificate.pdf_sha256 is not None and hashlib.sha256(upload).hexdigest() == certificate.pdf_sha256


def public_json(certificate: Certificate) -> dict:
    """What the verification page says, as JSON (no e-mail address, no account id)."""
    if is_withdrawn(certificate):
        return {
            "code": certificate.code,
            "status": certificate.status(),
            "kind": certificate.kind,
            "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
            "revocation_reason": withdrawn_reason(),
            "sha256": None,
            "verification_url": external_url("certificates.verify", code=certificate.code),
        }
    data = data_of(certificate)
    lang = certificate.language
    document = {
        "code": certificate.code,
        "status": certificate.status(),
        "kind": certificate.kind,
        "holder": data.holder_name,
        "title": data.title,
        "issuer": {
            "name": data.issuer.name,
            "country": data.issuer.country,
            "region": data.issuer.region,
            "website": data.issuer.website,
        },
        "issued_at": certificate.issued_at.isoformat(),
        "expires_at": certificate.expires_at.isoformat() if certificate.expires_at else None,
        "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
        "revocation_reason": certificate.revocation_reason or None,
        "outcomes": [
            {"text": o.text, "competence": o.competence, "from_level": o.from_level, "to_level": o.to_level}
            for o in data.outcomes
        ],
        "workload_hours": data.workload_hours,
        "ects": data.ects,
        "eqf_level": data.eqf_level,
        "language": lang,
        "demo": data.is_demo,
        "sha256": certificate.pdf_sha256,
        "verification_url": external_url("certificates.verify", code=certificate.code),
        "credential_url": external_url("certificates.credential", code=certificate.code),
    }
    return document


def is_withdrawn(certificate: Certificate) -> bool:
    """Withdrawn with its holder's account: nothing of what it said is kept."""
    return certificate.user_id is None


def withdrawn_reason() -> str:
    return _("Withdrawn: the holder's account was deleted.")


# --- revocation ------------------------------------------------------------------------------------------------


def can_revoke(user: User, certificate: Certificate) -> bool:
    """Admins, and the trainers who may edit the certificate's module."""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return certificate.module is not None and catalog.can_edit(user, certificate.module)


def revoke(certificate: Certificate, by: User | None, reason: str) -> bool:
    """Revoke once, with a reason (a conditional update: of parallel revocations one stamps it)."""
    won = db.session.execute(
        db.update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by_id=by.id if by else None, revocation_reason=reason[:MAX_REASON]),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.expire(certificate, ["revoked_at", "revoked_by_id", "revocation_reason"])
    if won:
        cache.bump(HELD)
    return bool(won)


def issued_stmt(user: User, query: str = ""):
    """The certificates `user` may revoke (all for admins; their modules' for trainers), newest first; `query`
    finds a code or a holder's name."""
    stmt = db.select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    if not user.is_admin:
        stmt = stmt.where(Certificate.module_id.in_(catalog.authoring_stmt(user).with_only_columns(Module.id)))
    query = query.strip()
    if query:
        code = normal_code(query)
        stmt = stmt.join(User, User.id == Certificate.user_id, isouter=True).where(
            or_(Certificate.code == code, User.name.ilike(f"%{query}%")) if code else User.name.ilike(f"%{query}%")
        )
    return stmt


# --- the status list -------------------------------------------------------------------------------------------


def status_list_credential(number: int) -> str | None:
    """The signed BitstringStatusListCredential of list `number` (1, 2, ...): bits of revoked certificates set;
    None when no certificate can be on it."""
    first = (number - 1) * LIST_SIZE
    last_id = db.session.scalar(db.select(db.func.max(Certificate.id)))
    if number < 1 or last_id is None or first > last_id:
        return None
    revoked = db.session.scalars(
        db.select(Certificate.id).where(
            Certificate.id >= first, Certificate.id < first + LIST_SIZE, Certificate.revoked_at.is_not(None)
        )
    )
    url = external_url("certificates.status_list", number=number)
    base = current_app.config["PUBLIC_BASE_URL"]
    document = statuslist.status_list_credential(
        url, statuslist.encode({i - first for i in revoked}, LIST_SIZE), {"id": base, "type": ["Profile"]}, utcnow()
    )
    return badges.sign(document, keys.current_signing_key())


# --- the learner's certificates ----------------------------------------------------------------------------------


def certificates_of(user: User) -> list[Certificate]:
    return list(
        db.session.scalars(
            db.select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def owned(user: User, code: str) -> Certificate | None:
    """The user's own certificate with `code` (None for anyone else's: a learner never sees another's)."""
    certificate = by_code(code)
    if certificate is None or not user.is_authenticated or certificate.user_id != user.id:
        return None
    return certificate


@dataclass(frozen=True)
class Links:
    pdf: str
    verify: str
    credential: str


def links(certificate: Certificate) -> Links:
    return Links(
        external_url("certificates.download", code=certificate.code),
        external_url("certificates.verify", code=certificate.code),
        external_url("certificates.credential", code=certificate.code),
    )


def export_user_data(user: User) -> dict:
    return {
        "certificates": [
            {
                "code": c.code,
                "kind": c.kind,
                "title": c.title,
                "issued_at": c.issued_at.isoformat(),
                "expires_at": c.expires_at.isoformat() if c.expires_at else None,
                "status": c.status(),
                "sha256": c.pdf_sha256,
                "verification_url": links(c).verify,
            }
            for c in certificates_of(user)
        ]
    }


def erase_user_data(user: User) -> None:
    """The account goes: its certificates are withdrawn (verifiers learn that, not who held them) and their personal
    data wiped; the rows stay so that a code and a status-list bit are never given to anyone else."""
    now = utcnow()
    db.session.execute(
        db.update(Certificate)
        .where(Certificate.user_id == user.id)
        .values(
            revoked_at=db.func.coalesce(Certificate.revoked_at, now),
            revocation_reason="",
            data={},
            pdf=None,
            pdf_sha256=None,
            credential="",
            user_id=None,
        ),
        execution_options={"synchronize_session": False},
    )
    db.session.flush()
    cache.bump(HELD)


# --- what the municipality reports count (uprest.reports) ---------------------------------------------------


#: The generation of the certificates held (uprest.cache): replaced by every issuance, revocation and erasure, so
#: that what other features count from them (the municipality reports' funnel) can be kept until the next change.
HELD = "certificates-held"
cache.watch(HELD, Certificate)


def held_generation() -> str:
    return cache.generation(HELD)


def certified_people(people):
    """A select of the ``user_id`` of every person of `people` (a select with ``user_id``) who holds a certificate
    that is not revoked (an expired one still says that they were certified), once each."""
    who = people.subquery("people")
    return (
        db.select(Certificate.user_id)
        .join(who, who.c.user_id == Certificate.user_id)
        .where(Certificate.revoked_at.is_(None))
        .group_by(Certificate.user_id)
    )
