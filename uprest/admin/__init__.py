"""Administration: users and roles, territories, the mail outbox."""

from uprest.registry import Feature

feature = Feature(
    "admin",
    order=90,
    blueprints=(("uprest.admin.views:bp", "/admin"),),
    dashboard_cards="uprest.admin.services:dashboard_cards",
)
