"""A learner's learning plan: the modules they chose to take, in order, and their weekly time budget."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uprest.extensions import UTCDateTime, db, utcnow


class LearningPlan(db.Model):
    """One per learner (the unique user_id keeps a double accept from making two)."""

    __tablename__ = "learning_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    weekly_hours: Mapped[int] = mapped_column(default=3)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanItem.position"
    )


class PlanItem(db.Model):
    """A module of a plan, by code (the plan follows the module's published version), at a position."""

    __tablename__ = "plan_items"
    __table_args__ = (UniqueConstraint("plan_id", "module_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("learning_plans.id", ondelete="CASCADE"), index=True)
    module_code: Mapped[str] = mapped_column(String(60))
    position: Mapped[int]

    plan: Mapped[LearningPlan] = relationship(back_populates="items")
