"""Enrolments, lesson progress and quiz attempts.

* An **enrolment** ties a learner to a module and to the version they enrolled in (the enrolment rule of
  docs/course-modules.md): a later version never changes a course someone is taking. One per learner and
  module (unique), so a double "enrol" makes one.
* **Lesson progress**: one row per lesson read (unique per enrolment and lesson): the same "mark as read"
  sent twenty times leaves one row.
* **Quiz attempts** are numbered per enrolment (unique); at most one is open at a time (a partial unique
  index on open attempts). The answers of the open attempt are saved as the learner goes (``draft``), so a
  closed browser loses nothing. Submitting stamps ``submitted_at`` by a conditional update: of parallel
  submits exactly one scores the attempt; its answers are kept one row per question (``AttemptAnswer``) for
  the trainer's per-question figures.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uprest.extensions import UTCDateTime, db, utcnow

ACTIVE, COMPLETED = "active", "completed"
OPEN_ATTEMPT = text("submitted_at IS NULL")


def new_registration() -> str:
    return str(uuid.uuid4())


class Enrolment(db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id"),
        CheckConstraint("status IN ('active', 'completed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The xAPI registration of this enrolment (a UUID): ties the learner's statements about it together.
    registration: Mapped[str] = mapped_column(String(36), unique=True, default=new_registration)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE, index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The lesson the learner opened last (its position), to resume there.
    last_lesson: Mapped[int | None]
    last_active_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Attendance at a session, for modules whose completion rule asks for it (blended learning).
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance_marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])
    module = relationship("Module")
    version = relationship("ModuleVersion")
    lessons_read: Mapped[list[LessonProgress]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan", order_by="LessonProgress.read_at"
    )
    attempts: Mapped[list[QuizAttempt]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan", order_by="QuizAttempt.number"
    )

    @property
    def is_completed(self) -> bool:
        return self.status == COMPLETED


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(back_populates="lessons_read")


class QuizAttempt(db.Model):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "number"),
        # One open attempt per enrolment, whatever requests run at the same moment.
        Index(
            "uq_quiz_attempts_open",
            "enrolment_id",
            unique=True,
            sqlite_where=OPEN_ATTEMPT,
            postgresql_where=OPEN_ATTEMPT,
        ),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    #: The question keys in the order this attempt shows them, and each question's choice order.
    question_order: Mapped[list[str]] = mapped_column(JSON, default=list)
    choice_order: Mapped[dict[str, list[int]]] = mapped_column(JSON, default=dict)
    #: Answers saved while the attempt is open: question key -> chosen choice indices (the stored order).
    draft: Mapped[dict[str, list[int]]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None]  # percent, once submitted
    is_passed: Mapped[bool | None]

    enrolment: Mapped[Enrolment] = relationship(back_populates="attempts")
    answers: Mapped[list[AttemptAnswer]] = relationship(back_populates="attempt", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None


class AttemptAnswer(db.Model):
    """The answer to one question of a submitted attempt, scored."""

    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    chosen: Mapped[list[int]] = mapped_column(JSON, default=list)
    is_correct: Mapped[bool]

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")
    question = relationship("Question")
