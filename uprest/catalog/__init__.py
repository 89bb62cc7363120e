"""Course modules: the public catalogue, trainer authoring, the courses/ importer and exporter."""

from uprest.registry import Feature

feature = Feature(
    "catalog",
    order=40,
    models="uprest.catalog.models",
    blueprints=("uprest.catalog.views:bp",),
    cli=("uprest.catalog.cli:register",),
    dashboard_cards="uprest.catalog.userdata:dashboard_cards",
    export_user_data="uprest.catalog.userdata:export_user_data",
    erase_user_data="uprest.catalog.userdata:erase_user_data",
    api=("uprest.api.modules",),
)
