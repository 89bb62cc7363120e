"""Certificates: EU micro-credentials as PDF/A documents and as signed Open Badges 3.0 credentials.

What a certificate says (data.py), its PDF (pdf.py), its Open Badges 3.0 credential and compact JWS (badges.py),
the signing keys and their JWK Set (keys.py, wellknown.py), the revocation status list (statuslist.py); issuance on
``module_completed`` (issuance.py), and after it the PDF rendered once, verification, revocation and the learner's
list (services.py, views.py)."""

from uprest.registry import Feature

feature = Feature(
    "certificates",
    order=45,
    models="uprest.certificates.models",
    blueprints=("uprest.certificates.wellknown:bp", "uprest.certificates.views:bp"),
    cli=("uprest.certificates.keys:register_cli",),
    demo="uprest.certificates.cli:seed_demo",
    outbox_worker="uprest.certificates.services:render_pending",
    dashboard_cards="uprest.certificates.cards:dashboard_cards",
    export_user_data="uprest.certificates.services:export_user_data",
    erase_user_data="uprest.certificates.services:erase_user_data",
    module_panels="uprest.certificates.cards:module_panel",
    api=("uprest.api.certificates",),
    receivers={"module_completed": "uprest.certificates.issuance:on_module_completed"},
)
