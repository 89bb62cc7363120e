"""What municipality staff publish of their territory's reports, and the API tokens they create for it.

* **Publication.** A territory's reports are private (its staff and administrators only) until staff publish a
  period: then a frozen copy of that period's figures (`data`: the JSON of the skills-gap map, of participation
  and outcome and of the training demand, exactly as `uprest.reports.presentation` makes them, every figure
  already through the disclosure rule) is public, through the API and as an open-data package. Publishing again
  replaces the copy; withdrawing stamps `withdrawn_at` (the row stays, so that its dataset URL says "withdrawn").
  One row per (territory, period).
* **API token.** A secret that lets a program read the territory's figures before publication. Only its
  SHA-256 is stored; `prefix` (its first characters) is shown so that staff can tell tokens apart; revoking
  stamps `revoked_at`. The form that creates one carries a one-time `request_key`: the same form sent twice
  makes one token (the second answer cannot show the secret again, and says so).
* **Decision.** The disclosure rule's decision over a whole tree (the skills-gap map's, participation's), made
  once for the data it was made from (`data_key`: a digest of the generation tokens of that data, the tree and the
  rule's version) and read by every worker and server (`uprest.reports.store`). Only which cells are shown and
  hidden, with the shown counts: nothing that a page could not show.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uprest.extensions import UTCDateTime, db, utcnow

#: The period of a publication that covers all time (otherwise a quarter such as "2026Q3").
ALL_TIME = "all"


class Publication(db.Model):
    __tablename__ = "report_publications"
    __table_args__ = (UniqueConstraint("territory_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(6))  # "2026Q3" or ALL_TIME
    k: Mapped[int]
    #: {"skills_gap": ..., "participation": ..., "training": ...}: the published figures, frozen.
    data: Mapped[dict] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    territory = relationship("Territory")
    published_by = relationship("User")

    @property
    def is_public(self) -> bool:
        return self.withdrawn_at is None


class ApiToken(db.Model):
    __tablename__ = "report_api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    #: The creating form's one-time key: sending the same form twice (a reload, a double click) makes one token.
    request_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    territory = relationship("Territory")
    created_by = relationship("User")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Decision(db.Model):
    __tablename__ = "report_decisions"
    __table_args__ = (UniqueConstraint("kind", "root_id", "k", "data_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "map" or "participation"
    root_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"), index=True)
    k: Mapped[int]
    data_key: Mapped[str] = mapped_column(String(64))
    #: zlib-compressed JSON: {system: {"shown": [[name, count], ...], "suppressed": [...], "primary": [...]}}.
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: How long making it took (seconds): what a request saves by finding it here.
    seconds: Mapped[float]
