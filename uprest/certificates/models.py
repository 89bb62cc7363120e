"""Issued certificates.

* **Once only.** ``subject`` names what a certificate is for: ``enrolment:<id>`` (a completed module) or
  ``plan:<plan id>:<modules>`` (a completed learning plan, with a digest of the modules it lists). It is unique, so
  a completion issues exactly one certificate whatever requests run at the same moment; a plan that grows and is
  completed again earns a new plan certificate listing the new set.
* **Frozen.** ``data`` is the certificate's whole content (``CertificateData`` as JSON) as it was at issuance;
  the PDF, the Open Badges credential and the verification page are all made from it, never from the module
  as it is today.
* **Rendered once.** The PDF is rendered after issuance (by the worker, or by the first download if the worker has
  not come yet), stored with its SHA-256 by a conditional update (the first writer wins), and every download
  returns those bytes.
* **Never deleted.** Revocation stamps ``revoked_at`` with a reason; erasing an account withdraws its certificates
  and wipes the personal data in them but keeps the row, so that a code and a status-list bit are never reused.
  The status-list bit of a certificate is its ``id``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from uprest.extensions import UTCDateTime, db, utcnow

MODULE, PLAN = "module", "plan"
VALID, REVOKED, EXPIRED = "valid", "revoked", "expired"


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (CheckConstraint("kind IN ('module', 'plan')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The public verification code (Crockford base32, 100 bits of randomness).
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: What the certificate is for; unique: one certificate per completion.
    subject: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
    #: The certificate's content at issuance (``CertificateData`` as JSON).
    data: Mapped[dict] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The signed Open Badges 3.0 credential (a compact JWS).
    credential: Mapped[str] = deferred(mapped_column(Text, default="", nullable=False))
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revocation_reason: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User", foreign_keys=[user_id])
    module = relationship("Module")

    def status(self, now: datetime | None = None) -> str:
        if self.revoked_at is not None:
            return REVOKED
        if self.expires_at is not None and self.expires_at <= (now or utcnow()):
            return EXPIRED
        return VALID

    @property
    def title(self) -> dict[str, str]:
        return self.data.get("title") or {}
