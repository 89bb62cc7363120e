"""Learning: enrolments in course modules, lessons read, quiz attempts, completion (with the competence levels
it records), the learner's dashboard cards and progress API, and the trainer's view of their learners."""

from uprest.registry import Feature

feature = Feature(
    "learning",
    order=33,
    models="uprest.learning.models",
    blueprints=("uprest.learning.views:bp", "uprest.learning.teaching_views:bp"),
    dashboard_cards="uprest.learning.cards:dashboard_cards",
    export_user_data="uprest.learning.services:export_user_data",
    erase_user_data="uprest.learning.services:erase_user_data",
    module_panels="uprest.learning.cards:module_panel",
    api=("uprest.api.progress",),
    demo="uprest.learning.cli:seed_demo",
    receivers={"session_attended": "uprest.learning.services:on_session_attended"},
)
