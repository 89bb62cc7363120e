"""Providers: the organisations that award the course modules' certificates (awarding bodies) and, later, run
local sessions and events. Public pages with each provider's Open Badges issuer profile; administrators manage
the list; ``courses/providers.yaml`` holds the providers of the built-in modules.

A low feature: it imports only the kernel (and accounts' roles). The catalogue and the certificates point to
providers; providers know nothing of them."""

from uprest.registry import Feature

feature = Feature(
    "providers",
    order=20,
    models="uprest.providers.models",
    blueprints=("uprest.providers.views:bp", "uprest.providers.admin_views:bp"),
    cli=("uprest.providers.cli:register",),
)
