"""Public frameworks API: list and detail shape, 404 JSON, no correct answers, OpenAPI paths."""

from __future__ import annotations

import json

import pytest

from tests.factories import install_frameworks


@pytest.fixture()
def frameworks(app, db, tmp_path):
    install_frameworks(tmp_path)


def test_list_current_frameworks(client, frameworks):
    """GET /api/v1/frameworks lists code, edition, revision, names in all languages, counts and links."""
    resp = client.get("/api/v1/frameworks")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    items = resp.get_json()["frameworks"]
    assert [f["code"] for f in items] == ["digcomp", "greencomp"]
    dig = items[0]
    assert (dig["edition"], dig["revision"]) == ("2.2", 1)
    assert dig["name"] == {"en": "digcomp framework", "sv": "digcomp framework [sv]"}
    assert dig["counts"] == {
        "levels": 8,
        "bands": 4,
        "areas": 2,
        "competences": 3,
        "statements": 6,
        "knowledge": 1,
    }
    assert dig["links"]["self"].endswith("/api/v1/frameworks/digcomp")
    assert dig["links"]["html"].endswith("/competences/digcomp")


def test_list_is_empty_before_import(client, app):
    """Without frameworks the list is empty, not an error."""
    assert client.get("/api/v1/frameworks").get_json() == {"frameworks": []}


def test_framework_detail_shape(client, frameworks):
    """GET /api/v1/frameworks/<code> has the scale, areas, competences, descriptors and statements."""
    data = client.get("/api/v1/frameworks/greencomp").get_json()
    assert [lvl["level"] for lvl in data["scale"]["levels"]] == [1, 2, 3, 4]
    assert data["scale"]["levels"][0]["band"] == "foundation"
    assert {b["code"] for b in data["scale"]["bands"]} == {
        "foundation",
        "intermediate",
        "advanced",
        "specialised",
    }
    comp = data["areas"][0]["competences"][0]
    assert comp["key"] == "greencomp:1.1" and comp["name"]["sv"] == "Competence 1.1 [sv]"
    assert comp["level_descriptors"]["4"]["en"] == "1.1 at level 4"
    assert comp["statements"] == [
        {"id": "s1", "band": "foundation", "text": {"en": "I can do 1.1.", "sv": "I can do 1.1. [sv]"}},
        {"id": "s2", "band": "specialised", "text": {"en": "I can teach 1.1.", "sv": "I can teach 1.1. [sv]"}},
    ]
    assert comp["knowledge_questions"] == 1 and comp["knowledge_levels"] == [2]


def test_correct_answers_are_not_exposed(client, frameworks):
    """No knowledge question, choice or 'correct' flag appears anywhere in the API."""
    for url in ("/api/v1/frameworks", "/api/v1/frameworks/digcomp", "/api/v1/frameworks/greencomp"):
        body = client.get(url).get_data(as_text=True)
        assert "SECRET-RIGHT-ANSWER" not in body and "SECRET-WRONG-ANSWER" not in body
        assert '"correct"' not in body and '"choices"' not in body and "Which answer is right" not in body


@pytest.mark.parametrize("code", ["nope", "DIGCOMP", "digcomp%0A", "x" * 300])
def test_unknown_framework_is_404_json(client, frameworks, code):
    """An unknown code gives a JSON 404."""
    resp = client.get(f"/api/v1/frameworks/{code}")
    assert resp.status_code == 404
    assert resp.get_json() == {"error": "Not Found", "status": 404}


def test_openapi_documents_the_paths(client, app):
    """Both paths are in the OpenAPI document with their response schemas."""
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "200" in doc["paths"]["/frameworks"]["get"]["responses"]
    detail = doc["paths"]["/frameworks/{code}"]["get"]["responses"]
    assert detail["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Framework"}
    assert "404" in detail
    schemas = doc["components"]["schemas"]
    assert {"Framework", "FrameworkSummary", "I18nText"} <= set(schemas)
    assert "correct" not in json.dumps([schemas["Framework"], schemas["FrameworkSummary"]])
