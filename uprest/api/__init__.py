"""JSON API for integrations and open data (OpenAPI document at /api/v1/openapi.json).

Each feature declares the modules here that add its routes and OpenAPI paths (``Feature.api``).
"""

from uprest.registry import Feature

feature = Feature("api", order=95, blueprints=("uprest.api.views:bp",))
