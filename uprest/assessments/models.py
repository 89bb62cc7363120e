"""Assessment models.

A *run* is one sitting of the skills-gap assessment by one learner. When it
starts, the run takes a snapshot of its target profile (which competences, on
which page, with which target range and importance), so that later edits of the
profile or new framework revisions do not move the questions under the
learner's feet. Answers are stored per item (one row per run and item); the
results are computed once, on submit, and kept per competence; each is also added to the
learner's competence history in the kernel (``uprest.frameworks.services.record_competence``, with the
run as evidence), never overwritten.

Once-only facts are guarded by the database:

* one open run per user: ``open_key`` holds the user id while the run is open
  and NULL once it is submitted; the column is unique (NULLs never collide);
* one response per (run, item), one result per (run, competence); the kernel keeps one competence
  record per (evidence "assessment_run" + run id, competence).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uprest.accounts.models import User
from uprest.extensions import UTCDateTime, db, utcnow
from uprest.frameworks.models import Competence, Item, TargetProfile


class AssessmentRun(db.Model):
    __tablename__ = "assessment_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The user id while the run is open, NULL once submitted: unique, so one open run per user.
    open_key: Mapped[int | None] = mapped_column(unique=True)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("target_profiles.id", ondelete="SET NULL"))
    subsector: Mapped[str] = mapped_column(String(30))
    job_role: Mapped[str] = mapped_column(String(20))  # owner | staff
    page_count: Mapped[int] = mapped_column(default=1)
    current_page: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship()
    profile: Mapped[TargetProfile | None] = relationship()
    competences: Mapped[list[RunCompetence]] = relationship(
        back_populates="run",
        cascade="all, delete-orphan",
        order_by=lambda: [RunCompetence.page, RunCompetence.position],
    )
    responses: Mapped[list[AssessmentResponse]] = relationship(back_populates="run", cascade="all, delete-orphan")
    results: Mapped[list[AssessmentResult]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="AssessmentResult.rank"
    )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def __repr__(self) -> str:
        return f"<AssessmentRun {self.id} user={self.user_id}>"


class RunCompetence(db.Model):
    """The snapshot of one target of the profile, taken when the run started."""

    __tablename__ = "assessment_run_competences"
    __table_args__ = (UniqueConstraint("run_id", "competence_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("assessment_runs.id", ondelete="CASCADE"), index=True)
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id", ondelete="CASCADE"), index=True)
    page: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    target_min: Mapped[int]
    target_max: Mapped[int | None]
    importance: Mapped[int] = mapped_column(default=2)
    # The knowledge questions drawn for this run (item ids); None for runs started before questions were drawn,
    # which ask every question of the competence.
    question_ids: Mapped[list[int] | None] = mapped_column(JSON)

    run: Mapped[AssessmentRun] = relationship(back_populates="competences")
    competence: Mapped[Competence] = relationship()


class AssessmentResponse(db.Model):
    """One answer: a self-rating 1–5 for a statement, the chosen index for a knowledge question."""

    __tablename__ = "assessment_responses"
    __table_args__ = (UniqueConstraint("run_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("assessment_runs.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    value: Mapped[int]
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    run: Mapped[AssessmentRun] = relationship(back_populates="responses")
    item: Mapped[Item] = relationship()


class AssessmentResult(db.Model):
    """The scored outcome of one competence in one submitted run (kept so result pages are fast)."""

    __tablename__ = "assessment_results"
    __table_args__ = (
        UniqueConstraint("run_id", "competence_id"),
        # The municipality reports read (competence_key, gap) of each latest run from the index alone (issue 14).
        Index("ix_assessment_results_run_id_competence_key_gap", "run_id", "competence_key", "gap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("assessment_runs.id", ondelete="CASCADE"), index=True)
    competence_id: Mapped[int] = mapped_column(ForeignKey("competences.id", ondelete="CASCADE"), index=True)
    competence_key: Mapped[str] = mapped_column(String(64), index=True)
    rank: Mapped[int]  # 1 = highest priority
    self_level: Mapped[int]
    level: Mapped[int]
    max_level: Mapped[int]
    knowledge: Mapped[str | None] = mapped_column(String(20))  # confirmed | tempered | None
    source: Mapped[str] = mapped_column(String(20))  # self | quiz
    target_min: Mapped[int]
    target_max: Mapped[int | None]
    importance: Mapped[int]
    gap: Mapped[int]
    status: Mapped[str] = mapped_column(String(10))  # below | within | above
    priority: Mapped[int]  # 0..100

    run: Mapped[AssessmentRun] = relationship(back_populates="results")
    competence: Mapped[Competence] = relationship()


__all__ = ["AssessmentRun", "RunCompetence", "AssessmentResponse", "AssessmentResult"]
