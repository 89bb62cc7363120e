"""Certificates: EU micro-credentials as PDF/A documents and as signed Open Badges 3.0 credentials.

So far: what a certificate says (data.py), its PDF (pdf.py), its Open Badges 3.0 credential and compact JWS
(badges.py), the signing keys and their JWK Set (keys.py, wellknown.py) and the revocation status list
(statuslist.py). Issuance, storage, verification and revocation come next (issue 13)."""

from uprest.registry import Feature

feature = Feature(
    "certificates",
    order=45,
    blueprints=("uprest.certificates.wellknown:bp",),
    cli=("uprest.certificates.keys:register_cli",),
)
