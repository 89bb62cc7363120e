"""xAPI 1.0.3 learning records: statements about our learners under a pseudonym, a read-only LRS for other
systems (HTTP Basic clients created by administrators) and optional forwarding to an external LRS."""

from uprest.registry import Feature

feature = Feature(
    "xapi",
    order=37,
    models="uprest.xapi.models",
    blueprints=("uprest.xapi.views:bp", "uprest.xapi.views:admin_bp"),
    cli=("uprest.xapi.cli:register",),
    housekeeping="uprest.xapi.forward:housekeeping",
    outbox_worker="uprest.xapi.forward:forward_pending",
    export_user_data="uprest.xapi.services:export_user_data",
    erase_user_data="uprest.xapi.services:erase_user_data",
    receivers={"assessment_submitted": "uprest.xapi.services:on_assessment_submitted"},
)
