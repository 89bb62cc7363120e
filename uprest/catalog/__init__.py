"""Course modules: the public catalogue, trainer authoring, the courses/ importer and exporter."""

from uprest.registry import Feature

feature = Feature(
    "catalog",
    order=40,
    models="uprest.catalog.models",
    blueprints=("uprest.catalog.views:bp",),
    cli=("uprest.catalog.cli:register",),
    dashboard_cards="uprest.catalog.services:dashboard_cards",
    export_user_data="uprest.catalog.services:export_user_data",
    erase_user_data="uprest.catalog.services:erase_user_data",
    api=("uprest.api.modules",),
)
