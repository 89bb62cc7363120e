"""Municipality reports: territories, aggregates and the suppression of small cells (issue 14).

The pure disclosure-control rule (`rules.py`), the skills-gap map of the staff member's territory, computed in
SQL and decided by the rule (`services.py`), its page and CSV export (`views.py`) and the demo data that fills
it (`cli.py`). It reads the assessments, frameworks and accounts through their services only.
"""

from uprest.registry import Feature

feature = Feature(
    "reports",
    order=60,
    models="uprest.reports.models",
    blueprints=("uprest.reports.views:bp", "uprest.reports.publish_views:bp", "uprest.reports.opendata_views:bp"),
    demo="uprest.reports.cli:seed_demo",
    dashboard_cards="uprest.reports.cards:dashboard_cards",
    outbox_worker="uprest.reports.worker:warm",
    api=("uprest.api.territories",),
)
