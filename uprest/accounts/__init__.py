"""Users, roles, organisations (tourism businesses), municipalities and invitations."""

from uprest.registry import Feature

feature = Feature(
    "accounts",
    order=10,
    models="uprest.accounts.models",
    blueprints=("uprest.accounts.views:bp",),
    cli=("uprest.accounts.cli:register", "uprest.accounts.territories_cli:register"),
    demo="uprest.accounts.cli:seed_demo",
    housekeeping="uprest.accounts.services:purge_expired_registrations",
    dashboard_cards="uprest.accounts.hooks:dashboard_cards",
    receivers={"assessment_submitted": "uprest.accounts.hooks:notify_owner_of_assessment"},
)
