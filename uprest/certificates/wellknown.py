"""The issuer's public keys for anyone who verifies a credential: the JWK Set and each key on its own.

``GET /.well-known/jwks.json`` (all keys, current and retired) and ``GET /.well-known/jwks/<kid>.json`` (the one
JWK a credential's JOSE header names by URL). Public, cacheable, readable from any origin.
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app

from uprest.certificates import keys

bp = Blueprint("credentials", __name__)
#: Keys change only with a rotation (and a restart): an hour of caching costs nothing.
CACHE_CONTROL = "public, max-age=3600"


@bp.record_once
def _check_keys(state) -> None:
    """A configured key that cannot sign stops the start, not the first issuance."""
    keys.check_configuration(state.app)


def _json(document: dict, mimetype: str):
    response = current_app.response_class(json.dumps(document, indent=1), mimetype=mimetype)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers running in a browser fetch the keys
    return response


@bp.route("/.well-known/jwks.json")
def jwks():
    return _json(keys.jwks(), "application/jwk-set+json")


@bp.route("/.well-known/jwks/<kid>.json")
def jwk(kid: str):
    document = keys.keyring().jwk(kid) or abort(404)
    return _json(document, "application/jwk+json")
