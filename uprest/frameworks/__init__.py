"""Competence frameworks (DigComp 2.2, GreenComp, our tourism framework), scales, items, target profiles,
and the learner's competence records (the kernel's competence state)."""

from uprest.registry import Feature

feature = Feature(
    "frameworks",
    order=50,
    models="uprest.frameworks.models",
    blueprints=("uprest.frameworks.views:bp",),
    cli=("uprest.frameworks.cli:register",),
    dashboard_cards="uprest.frameworks.services:dashboard_cards",
    export_user_data="uprest.frameworks.services:export_user_data",
    erase_user_data="uprest.frameworks.services:erase_user_data",
    api=("uprest.api.frameworks",),
)
