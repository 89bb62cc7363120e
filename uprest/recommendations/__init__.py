"""Learning-path recommendations: the pure recommender (rules.py, recommender.py), the explanations of its
recommendations in the learner's language (explain.py), and the learner's learning plan (services.py,
views.py)."""

from uprest.registry import Feature

# After the assessment (whose gaps it reads), before the catalogue (whose modules it recommends): its cards
# come between theirs.
feature = Feature(
    "recommendations",
    order=35,
    models="uprest.recommendations.models",
    blueprints=("uprest.recommendations.views:bp",),
    dashboard_cards="uprest.recommendations.services:dashboard_cards",
    export_user_data="uprest.recommendations.services:export_user_data",
    erase_user_data="uprest.recommendations.services:erase_user_data",
    api=("uprest.api.recommendations",),
    demo="uprest.recommendations.cli:seed_demo",
    receivers={"module_completed": "uprest.recommendations.services:on_module_completed"},
)
