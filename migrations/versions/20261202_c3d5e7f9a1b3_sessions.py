"""sessions: local sessions and events with venues, agenda, registrations (waiting list, reminders, attendance),
providers' staff (trainers who run a provider's sessions) and business owners' requests for sessions

Revision ID: c3d5e7f9a1b3
Revises: b7c9d1e3f5a7
Create Date: 2026-12-02 00:30:00.000000

New tables only: no existing table is altered (on SQLite nothing is rebuilt). Learning's enrolments already have
the attendance columns that blended completion uses.
"""

import sqlalchemy as sa
from alembic import op

import uprest.extensions

revision = "c3d5e7f9a1b3"
down_revision = "b7c9d1e3f5a7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "provider_staff",
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_provider_staff_provider_id_providers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_provider_staff_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("provider_id", "user_id", name=op.f("pk_provider_staff")),
    )
    op.create_index(op.f("ix_provider_staff_user_id"), "provider_staff", ["user_id"], unique=False)

    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("price_minor", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("online_capacity", sa.Integer(), nullable=True),
        sa.Column("online_taken", sa.Integer(), nullable=False),
        sa.Column("join_url", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("cancelled_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("checkin_token", sa.String(length=32), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("format IN ('onsite', 'hybrid', 'virtual', 'satellite')", name=op.f("ck_sessions_format")),
        sa.CheckConstraint("language IN ('en', 'sv', 'it', 'fi', 'hr')", name=op.f("ck_sessions_language")),
        sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name=op.f("ck_sessions_status")),
        sa.CheckConstraint(
            "(price_minor IS NULL AND currency IS NULL) OR (price_minor > 0 AND currency IS NOT NULL)",
            name=op.f("ck_sessions_price"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_sessions_times")),
        sa.CheckConstraint(
            "online_taken >= 0 AND (online_capacity IS NULL OR (online_capacity >= 0 AND online_taken <= online_capacity))",
            name=op.f("ck_sessions_online_seats"),
        ),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_sessions_sequence")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_sessions_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_sessions_module_id_modules"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_sessions_provider_id_providers"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("checkin_token", name=op.f("uq_sessions_checkin_token")),
        sa.UniqueConstraint("uid", name=op.f("uq_sessions_uid")),
    )
    op.create_index(op.f("ix_sessions_module_id"), "sessions", ["module_id"], unique=False)
    op.create_index(op.f("ix_sessions_provider_id"), "sessions", ["provider_id"], unique=False)
    op.create_index(op.f("ix_sessions_starts_at"), "sessions", ["starts_at"], unique=False)
    op.create_index(op.f("ix_sessions_status"), "sessions", ["status"], unique=False)

    op.create_table(
        "session_agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("starts_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_session_agenda_items_times")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_agenda_items_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_agenda_items")),
        sa.UniqueConstraint("session_id", "position", name=op.f("uq_session_agenda_items_session_id_position")),
    )
    op.create_index(op.f("ix_session_agenda_items_session_id"), "session_agenda_items", ["session_id"], unique=False)

    op.create_table(
        "session_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("staff_count", sa.Integer(), nullable=False),
        sa.Column("town", sa.String(length=120), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("language IN ('en', 'sv', 'it', 'fi', 'hr')", name=op.f("ck_session_requests_language")),
        sa.CheckConstraint("status IN ('open', 'planned', 'closed')", name=op.f("ck_session_requests_status")),
        sa.CheckConstraint("staff_count >= 1", name=op.f("ck_session_requests_staff_count")),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_session_requests_module_id_modules"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_session_requests_municipality_id_municipalities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_session_requests_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_session_requests_session_id_sessions"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_session_requests_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_requests")),
    )
    op.create_index(op.f("ix_session_requests_module_id"), "session_requests", ["module_id"], unique=False)
    op.create_index(op.f("ix_session_requests_municipality_id"), "session_requests", ["municipality_id"], unique=False)
    op.create_index(op.f("ix_session_requests_organisation_id"), "session_requests", ["organisation_id"], unique=False)
    op.create_index(op.f("ix_session_requests_status"), "session_requests", ["status"], unique=False)
    op.create_index(op.f("ix_session_requests_user_id"), "session_requests", ["user_id"], unique=False)

    op.create_table(
        "session_venues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=False),
        sa.Column("town", sa.String(length=120), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("accessibility", sa.JSON(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.CheckConstraint("seats >= 0", name=op.f("ck_session_venues_seats")),
        sa.CheckConstraint("seats_taken >= 0 AND seats_taken <= seats", name=op.f("ck_session_venues_seats_taken")),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_session_venues_municipality_id_municipalities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_session_venues_session_id_sessions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_venues")),
        sa.UniqueConstraint("session_id", "position", name=op.f("uq_session_venues_session_id_position")),
    )
    op.create_index(op.f("ix_session_venues_municipality_id"), "session_venues", ["municipality_id"], unique=False)
    op.create_index(op.f("ix_session_venues_session_id"), "session_venues", ["session_id"], unique=False)

    op.create_table(
        "session_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("queued_at", uprest.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column("booked_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("promoted_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attended_at", uprest.extensions.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attended_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(mode = 'onsite' AND venue_id IS NOT NULL) OR (mode = 'online' AND venue_id IS NULL)",
            name=op.f("ck_session_registrations_venue"),
        ),
        sa.CheckConstraint("mode IN ('onsite', 'online')", name=op.f("ck_session_registrations_mode")),
        sa.CheckConstraint(
            "status IN ('booked', 'waiting', 'cancelled')", name=op.f("ck_session_registrations_status")
        ),
        sa.ForeignKeyConstraint(
            ["attended_by_id"],
            ["users.id"],
            name=op.f("fk_session_registrations_attended_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_registrations_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_session_registrations_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"],
            ["session_venues.id"],
            name=op.f("fk_session_registrations_venue_id_session_venues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_registrations")),
        sa.UniqueConstraint("session_id", "user_id", name=op.f("uq_session_registrations_session_id_user_id")),
    )
    op.create_index(
        "ix_session_registrations_queue", "session_registrations", ["session_id", "status", "queued_at"], unique=False
    )
    op.create_index(op.f("ix_session_registrations_user_id"), "session_registrations", ["user_id"], unique=False)
    op.create_index(op.f("ix_session_registrations_venue_id"), "session_registrations", ["venue_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_session_registrations_venue_id"), table_name="session_registrations")
    op.drop_index(op.f("ix_session_registrations_user_id"), table_name="session_registrations")
    op.drop_index("ix_session_registrations_queue", table_name="session_registrations")

    op.drop_table("session_registrations")
    op.drop_index(op.f("ix_session_venues_session_id"), table_name="session_venues")
    op.drop_index(op.f("ix_session_venues_municipality_id"), table_name="session_venues")

    op.drop_table("session_venues")
    op.drop_index(op.f("ix_session_requests_user_id"), table_name="session_requests")
    op.drop_index(op.f("ix_session_requests_status"), table_name="session_requests")
    op.drop_index(op.f("ix_session_requests_organisation_id"), table_name="session_requests")
    op.drop_index(op.f("ix_session_requests_municipality_id"), table_name="session_requests")
    op.drop_index(op.f("ix_session_requests_module_id"), table_name="session_requests")

    op.drop_table("session_requests")
    op.drop_index(op.f("ix_session_agenda_items_session_id"), table_name="session_agenda_items")

    op.drop_table("session_agenda_items")
    op.drop_index(op.f("ix_sessions_status"), table_name="sessions")
    op.drop_index(op.f("ix_sessions_starts_at"), table_name="sessions")
    op.drop_index(op.f("ix_sessions_provider_id"), table_name="sessions")
    op.drop_index(op.f("ix_sessions_module_id"), table_name="sessions")

    op.drop_table("sessions")
    op.drop_index(op.f("ix_provider_staff_user_id"), table_name="provider_staff")

    op.drop_table("provider_staff")
