"""JSON API for integrations and open data (OpenAPI document at /api/v1/openapi.json)."""
