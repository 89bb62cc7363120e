"""Account models."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uprest.extensions import UTCDateTime, db, utcnow

#: The e-mail domain of the demo accounts (`flask seed-demo`): reserved for them.
DEMO_DOMAIN = "demo.uprest.eu"


class Role(enum.StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    STAFF = "staff"  # municipality staff
    #: The partnership's coordinators: read the reports of every territory and compare them, nothing else.
    CONSORTIUM = "consortium"
    ADMIN = "admin"


class Subsector(enum.StrEnum):
    ACCOMMODATION = "accommodation"
    FOOD_BEVERAGE = "food_beverage"
    TOUR_OPERATOR = "tour_operator"
    ATTRACTION = "attraction"
    DESTINATION = "destination"
    TRANSPORT = "transport"  # visitor transport and rentals
    BEACH = "beach"  # beach and bathing establishments
    EVENTS = "events"  # events and conferences


class OrgSize(enum.StrEnum):
    SOLO = "solo"  # 1 person
    MICRO = "micro"  # 2-9
    SMALL = "small"  # 10-49
    MEDIUM = "medium"  # 50-249
    LARGE = "large"  # 250+


class TerritoryKind(enum.StrEnum):
    COUNTRY = "country"
    REGION = "region"  # a NUTS 3 region
    MUNICIPALITY = "municipality"  # a local administrative unit (LAU)


class Territory(db.Model):
    """A country, a region (NUTS 3) or a municipality (LAU), in a tree: where people and businesses are, and what
    municipality staff are bound to (they see their territory and everything below it).

    `code` is the official code: a country's ISO 3166-1 code ("SE"), a region's NUTS code ("SE232", which starts
    with the country), a municipality's LAU code prefixed by the country ("SE_1487": LAU codes repeat across
    countries), with the code list and its year in `code_list` ("NUTS 2021", "LAU 2021"). `slug` is the short
    name of links and feeds ("vanersborg"); both identify the territory."""

    __tablename__ = "territories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=TerritoryKind.MUNICIPALITY.value)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))  # the national name
    #: The name by language (en, sv, it, fi, hr); `name` where one is missing.
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    #: The code list `code` comes from, with its year ("NUTS 2021", "LAU 2021", "ISO 3166-1"); "" when unknown.
    code_list: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Territory | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Territory]] = relationship(back_populates="parent")
    users: Mapped[list[User]] = relationship(back_populates="territory")
    organisations: Mapped[list[Organisation]] = relationship(back_populates="territory")

    @property
    def display_name(self) -> str:
        """The name in the reader's language (the national name where there is none)."""
        from flask_babel import get_locale

        return (self.names or {}).get(str(get_locale() or "en")) or self.name

    def __repr__(self) -> str:
        return f"<Territory {self.code}>"


class Organisation(db.Model):
    """A tourism business."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    subsector: Mapped[str] = mapped_column(String(30))
    size: Mapped[str] = mapped_column(String(20))
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    territory: Mapped[Territory] = relationship(back_populates="organisations")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    members: Mapped[list[User]] = relationship(back_populates="organisation", foreign_keys="User.organisation_id")
    invitations: Mapped[list[Invitation]] = relationship(back_populates="organisation", cascade="all, delete-orphan")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="en")
    role: Mapped[str] = mapped_column(String(20), default=Role.LEARNER.value)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    job_role: Mapped[str] = mapped_column(String(20), default="staff")  # owner | staff
    shares_with_organisation: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    privacy_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    territory: Mapped[Territory | None] = relationship(back_populates="users")
    organisation: Mapped[Organisation | None] = relationship(back_populates="members", foreign_keys=[organisation_id])

    # Flask-Login: the session carries the id *and* the session version, so that
    # bumping the version (logout, password change) ends every other session.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_demo(self) -> bool:
        """A demo account of `flask seed-demo` (its data is made up to show the platform, and says so)."""
        return (self.email or "").endswith("@" + DEMO_DOMAIN)

    @property
    def is_owner(self) -> bool:
        return self.organisation is not None and self.organisation.owner_id == self.id

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class Invitation(db.Model):
    """A single-use link that lets a person join a business as staff."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship(back_populates="invitations")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    used_by: Mapped[User | None] = relationship(foreign_keys=[used_by_id])

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > utcnow()


class PasswordResetToken(db.Model):
    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class PendingRegistration(db.Model):
    """A registration waiting for its e-mail address to be confirmed. The account is created only when the
    link mailed to the address is followed, so an address is never taken by someone who does not read it."""

    __tablename__ = "pending_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)  # stored lower-cased
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5))
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id", ondelete="SET NULL"))
    #: Where to go once the account exists (a local path, e.g. an invitation link), or None.
    next_path: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # the privacy notice was accepted
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


__all__ = [
    "Role",
    "Subsector",
    "OrgSize",
    "TerritoryKind",
    "Territory",
    "Organisation",
    "User",
    "Invitation",
    "PasswordResetToken",
    "PendingRegistration",
]
