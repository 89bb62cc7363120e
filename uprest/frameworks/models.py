"""Framework models.

A framework is stored once per *revision*: re-importing a changed YAML file adds
a new revision and marks it current, while assessment results keep pointing at
the competences of the revision they used. Target profiles refer to competences
by their stable key ``framework_code:competence_code`` so that they survive new
revisions.

The learner's competence state lives here too, in the kernel: a ``CompetenceRecord`` is one level a learner
reached in a competence, written by any feature that has evidence of it (an assessment today; modules,
trainers and recognition of prior learning next).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uprest.extensions import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from uprest.accounts.models import User

I18n = dict[str, str]  # {"en": "...", "sv": "...", ...}


class Framework(db.Model):
    __tablename__ = "frameworks"
    __table_args__ = (UniqueConstraint("code", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)  # digcomp | greencomp | tourism
    edition: Mapped[str] = mapped_column(String(20))  # the publisher's version, e.g. "2.2"
    revision: Mapped[int] = mapped_column(default=1)  # our stored version of it
    content_hash: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(default=True)
    name: Mapped[I18n] = mapped_column(JSON)
    description: Mapped[I18n] = mapped_column(JSON, default=dict)
    source_url: Mapped[str | None] = mapped_column(String(500))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    levels: Mapped[list[ProficiencyLevel]] = relationship(
        back_populates="framework", order_by="ProficiencyLevel.level", cascade="all, delete-orphan"
    )
    bands: Mapped[list[ProficiencyBand]] = relationship(
        back_populates="framework", order_by="ProficiencyBand.position", cascade="all, delete-orphan"
    )
    areas: Mapped[list[Area]] = relationship(
        back_populates="framework", order_by="Area.position", cascade="all, delete-orphan"
    )
    competences: Mapped[list[Competence]] = relationship(
        back_populates="framework", order_by="Competence.position", cascade="all, delete-orphan"
    )

    @property
    def max_level(self) -> int:
        return max((lvl.level for lvl in self.levels), default=1)


class ProficiencyBand(db.Model):
    __tablename__ = "proficiency_bands"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[I18n] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(default=0)

    framework: Mapped[Framework] = relationship(back_populates="bands")


class ProficiencyLevel(db.Model):
    __tablename__ = "proficiency_levels"
    __table_args__ = (UniqueConstraint("framework_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id", ondelete="CASCADE"))
    level: Mapped[int]
    band: Mapped[str] = mapped_column(String(40))
    name: Mapped[I18n] = mapped_column(JSON)
    description: Mapped[I18n] = mapped_column(JSON, default=dict)

    framework: Mapped[Framework] = relationship(back_populates="levels")


class Area(db.Model):
    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[I18n] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(default=0)

    framework: Mapped[Framework] = relationship(back_populates="areas")
    competences: Mapped[list[Competence]] = relationship(back_populates="area", order_by="Competence.position")


class Competence(db.Model):
    __tablename__ = "competences"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))  # "1.1"
    key: Mapped[str] = mapped_column(String(64), index=True)  # "digcomp:1.1", stable across revisions
    name: Mapped[I18n] = mapped_column(JSON)
    description: Mapped[I18n] = mapped_column(JSON, default=dict)
    esco_uri: Mapped[str | None] = mapped_column(String(500))
    level_descriptors: Mapped[dict[str, I18n]] = mapped_column(JSON, default=dict)  # {"1": {"en": ...}}
    position: Mapped[int] = mapped_column(default=0)

    framework: Mapped[Framework] = relationship(back_populates="competences")
    area: Mapped[Area] = relationship(back_populates="competences")
    items: Mapped[list[Item]] = relationship(
        back_populates="competence", order_by="Item.position", cascade="all, delete-orphan"
    )


class Item(db.Model):
    """An assessment item of a competence: a behaviour statement or a knowledge question."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("competence_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(20))  # "s1", "k1"
    kind: Mapped[str] = mapped_column(String(20))  # statement | knowledge
    text: Mapped[I18n] = mapped_column(JSON)
    choices: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{"text": I18n, "correct": bool}]
    position: Mapped[int] = mapped_column(default=0)
    # A statement describes what a person in one band of the scale can do ("foundation"); a knowledge question
    # checks one level of it (2). None for items of revisions imported before items had them.
    band: Mapped[str | None] = mapped_column(String(40))
    level: Mapped[int | None]

    competence: Mapped[Competence] = relationship(back_populates="items")


class TargetProfile(db.Model):
    """What a sub-sector and job role needs: a target level range per competence."""

    __tablename__ = "target_profiles"
    __table_args__ = (UniqueConstraint("subsector", "job_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subsector: Mapped[str] = mapped_column(String(30))
    job_role: Mapped[str] = mapped_column(String(20))  # owner | reception | ... (frameworks.loader.JOB_ROLES)
    why: Mapped[I18n] = mapped_column(JSON, default=dict)  # why the role needs these targets
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    targets: Mapped[list[ProfileTarget]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="ProfileTarget.competence_key"
    )


class ProfileTarget(db.Model):
    __tablename__ = "profile_targets"
    __table_args__ = (UniqueConstraint("profile_id", "competence_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("target_profiles.id", ondelete="CASCADE"), index=True)
    competence_key: Mapped[str] = mapped_column(String(64))  # "digcomp:1.1"
    min_level: Mapped[int]
    max_level: Mapped[int | None]
    importance: Mapped[int] = mapped_column(default=2)  # 1 useful .. 3 essential
    why: Mapped[I18n] = mapped_column(JSON, default=dict)  # optional: why this target for the role

    profile: Mapped[TargetProfile] = relationship(back_populates="targets")


class CompetenceRecord(db.Model):
    """A level a user reached in a competence, with where it came from. History is kept, never overwritten.

    ``source`` says how the level was established: ``self`` (self-assessment), ``quiz`` (self-assessment
    checked by knowledge questions), later ``module``, ``trainer``, ``prior_learning``. The evidence is a
    generic reference to the feature's own row (``evidence_type`` "assessment_run", later "module",
    "trainer", ...; ``evidence_id`` its id) and not a foreign key, so that the kernel knows no feature's
    table. One piece of evidence records a competence once (unique); records without evidence (both NULL)
    are not limited. The evidence may be erased later (a deleted account): the record keeps its id.
    """

    __tablename__ = "competence_records"
    __table_args__ = (
        UniqueConstraint("evidence_type", "evidence_id", "competence_id"),
        CheckConstraint("(evidence_type IS NULL) = (evidence_id IS NULL)", name="evidence_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id", ondelete="CASCADE"), index=True)
    level: Mapped[int]
    source: Mapped[str] = mapped_column(String(20))
    evidence_type: Mapped[str | None] = mapped_column(String(30))
    evidence_id: Mapped[int | None]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship()
    competence: Mapped[Competence] = relationship()

    @property
    def evidence(self) -> tuple[str, int] | None:
        if self.evidence_type is None or self.evidence_id is None:
            return None
        return self.evidence_type, self.evidence_id

    def __repr__(self) -> str:
        return f"<CompetenceRecord {self.id} user={self.user_id} competence={self.competence_id} level={self.level}>"
