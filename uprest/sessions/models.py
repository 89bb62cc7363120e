"""Local sessions and events: the session, its venues (hubs), its agenda, registrations with a waiting list,
the trainers who run a provider's sessions, and business owners' requests for a session.

Integrity lives in the database:

* seats are counters on the venue (``seats_taken``) and on the session for the online part (``online_taken``),
  changed only by conditional updates (``seats_taken = seats_taken + 1 WHERE seats_taken < seats``), and a
  check constraint keeps ``seats_taken <= seats`` whatever happens: a venue is never overbooked;
* one registration row per person and session (unique): registering twice is impossible, and a cancelled
  registration is taken up again by the same row when the person registers anew;
* a reminder is sent once: ``reminded_at`` is set by a conditional update before the mail is written.

Times are UTC; each venue has its own IANA time zone, and the session has one for its online part and agenda.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uprest.extensions import UTCDateTime, db, utcnow
from uprest.sessions.rules import (
    FORMATS,
    LANGUAGES,
    MODES,
    ONLINE_FORMATS,
    REGISTRATION_STATUSES,
    REQUEST_STATUSES,
    STATUSES,
)

I18n = dict[str, str]


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def new_uid() -> str:
    return str(uuid.uuid4())


def new_checkin_token() -> str:
    """128 random bits, URL-safe (22 characters): the QR code at the venue carries it."""
    return secrets.token_urlsafe(16)


class ProviderStaff(db.Model):
    """A trainer who runs the sessions of a provider (admins manage every provider's sessions)."""

    __tablename__ = "provider_staff"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider = relationship("Provider")
    user = relationship("User")


class Session(db.Model):
    """A scheduled run of a module (``module_id``) or a stand-alone event (its own title and description)."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint(_in("format", FORMATS), name="format"),
        CheckConstraint(_in("language", LANGUAGES), name="language"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("ends_at > starts_at", name="times"),
        CheckConstraint(
            "(price_minor IS NULL AND currency IS NULL) OR (price_minor > 0 AND currency IS NOT NULL)", name="price"
        ),
        CheckConstraint(
            "online_taken >= 0 AND (online_capacity IS NULL OR (online_capacity >= 0 "
            "AND online_taken <= online_capacity))",
            name="online_seats",
        ),
        CheckConstraint("sequence >= 0", name="sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The stable UID of the session's calendar entries (feeds, reminders).
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="RESTRICT"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="RESTRICT"), index=True)
    title: Mapped[I18n] = mapped_column(JSON, default=dict)
    description: Mapped[I18n] = mapped_column(JSON, default=dict)
    format: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    #: The zone of the online part and of the agenda (each venue has its own).
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: In the currency's minor units (cents); NULL: free.
    price_minor: Mapped[int | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    #: Places online (virtual, hybrid); NULL: unlimited.
    online_capacity: Mapped[int | None]
    online_taken: Mapped[int] = mapped_column(default=0)
    #: The online meeting's address: shown only to registered participants (their pages, mail, calendar file).
    join_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default="scheduled", index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    #: Raised on every change a calendar must learn of (times, venues, status, title): iCalendar's SEQUENCE.
    sequence: Mapped[int] = mapped_column(default=0)
    checkin_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_checkin_token)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set by the services on every change (not by the counters' updates).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider = relationship("Provider")
    module = relationship("Module")
    created_by = relationship("User", foreign_keys=[created_by_id])
    venues: Mapped[list[Venue]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Venue.position"
    )
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def is_free(self) -> bool:
        return self.price_minor is None

    @property
    def online_left(self) -> int | None:
        """Online places left: None when unlimited, 0 for a session without an online part."""
        if self.format not in ONLINE_FORMATS:
            return 0
        return None if self.online_capacity is None else max(self.online_capacity - self.online_taken, 0)

    def __repr__(self) -> str:
        return f"<Session {self.id} {self.format} {self.starts_at:%Y-%m-%d}>"


class Venue(db.Model):
    """A place where a session happens: the one venue of an on-site or hybrid session, or a hub of a satellite
    event, each with its own address, time zone and seats."""

    __tablename__ = "session_venues"
    __table_args__ = (
        CheckConstraint("seats >= 0", name="seats"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= seats", name="seats_taken"),
        UniqueConstraint("session_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    town: Mapped[str] = mapped_column(String(120))
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id", ondelete="SET NULL"), index=True)
    country: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    accessibility: Mapped[I18n] = mapped_column(JSON, default=dict)
    seats: Mapped[int] = mapped_column(default=0)
    seats_taken: Mapped[int] = mapped_column(default=0)

    session: Mapped[Session] = relationship(back_populates="venues")
    territory = relationship("Territory")

    @property
    def seats_left(self) -> int:
        return max(self.seats - self.seats_taken, 0)


class AgendaItem(db.Model):
    __tablename__ = "session_agenda_items"
    __table_args__ = (
        UniqueConstraint("session_id", "position"),
        CheckConstraint("ends_at > starts_at", name="times"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[I18n] = mapped_column(JSON, default=dict)

    session: Mapped[Session] = relationship(back_populates="agenda")


class Registration(db.Model):
    """A person's place at a session: at a venue (mode onsite) or online; booked, on the waiting list, or
    cancelled. One row per person and session."""

    __tablename__ = "session_registrations"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        CheckConstraint(_in("mode", MODES), name="mode"),
        CheckConstraint(_in("status", REGISTRATION_STATUSES), name="status"),
        CheckConstraint(
            "(mode = 'onsite' AND venue_id IS NOT NULL) OR (mode = 'online' AND venue_id IS NULL)", name="venue"
        ),
        # The waiting list of a venue (or of the online part), in the order people joined it.
        Index("ix_session_registrations_queue", "session_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("session_venues.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the person (last) registered: their place in the waiting list.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    booked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[Session] = relationship()
    venue: Mapped[Venue | None] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    attended_by = relationship("User", foreign_keys=[attended_by_id])

    @property
    def is_active(self) -> bool:
        return self.status != "cancelled"


class SessionRequest(db.Model):
    """A business owner's request for a local session of a module for their staff: the demand providers and the
    municipality see. Kept without the person (and without the message) when they erase their account."""

    __tablename__ = "session_requests"
    __table_args__ = (
        CheckConstraint("staff_count >= 1", name="staff_count"),
        CheckConstraint(_in("language", LANGUAGES), name="language"),
        CheckConstraint(_in("status", REQUEST_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    staff_count: Mapped[int]
    town: Mapped[str] = mapped_column(String(120), default="")
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(String(5))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    #: The session planned for it, once there is one.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
    organisation = relationship("Organisation")
    module = relationship("Module")
    territory = relationship("Territory")
    session = relationship("Session")
