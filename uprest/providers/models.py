"""The provider record: an organisation that awards certificates (and, later, runs sessions)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from uprest.extensions import UTCDateTime, db, utcnow
from uprest.providers.rules import KINDS

I18n = dict[str, str]


class Provider(db.Model):
    """An awarding body. ``slug`` is its stable name in URLs and in courses/ (module.yaml's ``provider:``);
    ``country`` is an ISO 3166-1 alpha-2 code, empty only for rows the migration made from old free text."""

    __tablename__ = "providers"
    __table_args__ = (CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), default="other")
    country: Mapped[str] = mapped_column(String(2), default="")
    region: Mapped[str] = mapped_column(String(120), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    description: Mapped[I18n] = mapped_column(JSON, default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Provider {self.slug}>"
