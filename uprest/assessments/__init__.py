"""Skills-gap assessment: runs, responses, scoring and results."""

from uprest.registry import Feature

feature = Feature(
    "assessments",
    order=30,
    models="uprest.assessments.models",
    blueprints=("uprest.assessments.views:bp",),
    demo="uprest.assessments.cli:seed_demo",
    dashboard_cards="uprest.assessments.presentation:dashboard_cards",
    export_user_data="uprest.assessments.presentation:export_user_data",
    erase_user_data="uprest.assessments.services:erase_user_data",
    api=("uprest.api.me",),
)
