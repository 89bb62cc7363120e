"""xAPI statements, pure: the builder, the duration format and the validator's rules (xAPI 1.0.3, Part Two)."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uprest.xapi.statements import (
    ACTIVITY_TYPES,
    PROGRESS_EXTENSION,
    VERBS,
    Activity,
    Result,
    agent_problems,
    build_statement,
    format_duration,
    is_duration,
    parse_duration_seconds,
    validate,
)

BASE = "https://learn.example.org"
ACTOR = {"objectType": "Agent", "account": {"homePage": BASE, "name": "5d3c1f4e-8a2b-4c6d-9e0f-1a2b3c4d5e6f"}}
WHEN = datetime(2026, 12, 1, 10, 30, 15, 250000, tzinfo=UTC)
LESSON = Activity(
    path="/courses/web-basics/lessons/2",
    type="lesson",
    name={"en": "Your website", "it": "Il tuo sito web"},
    description={"en": "What a good website of a small hotel shows."},
)
COURSE = Activity(path="/courses/web-basics", type="course", name={"en": "Web basics"})
QUESTION = Activity(
    path="/courses/web-basics/quiz/q1",
    type="question",
    name={"en": "Which pages matter most?"},
    interaction={
        "interactionType": "choice",
        "choices": [{"id": "a", "description": {"en": "Prices"}}, {"id": "b", "description": {"en": "Contact"}}],
        "correctResponsesPattern": ["a[,]b"],
    },
)


def statement(**overrides) -> dict:
    """A complete valid statement with every part our builder makes, plus the LRS's properties."""
    doc = build_statement(
        statement_id=uuid.UUID("0b3e7a52-4c1d-4f7e-9a55-8d2b6c1e0f11"),
        actor=ACTOR,
        verb="answered",
        activity=QUESTION,
        base_url=BASE,
        timestamp=WHEN,
        result=Result(
            score_raw=3, score_min=0, score_max=4, score_scaled=0.75, success=True, completion=True, response="a[,]b"
        ),
        registration=uuid.UUID("9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"),
        parent=COURSE,
        language="it",
    )
    doc |= {"stored": "2026-12-01T10:30:16.000+00:00", "authority": ACTOR, "version": "1.0.0"}
    doc |= overrides
    return doc


def test_built_statement_is_valid_and_complete():
    """A built statement validates and carries the ADL IRIs, the activity IRI under the base URL and its parts."""
    doc = statement()
    assert validate(doc) == []
    assert doc["verb"] == {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en": "answered"}}
    assert doc["object"]["id"] == "https://learn.example.org/courses/web-basics/quiz/q1"
    assert doc["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction"
    assert doc["object"]["definition"]["interactionType"] == "choice"
    assert doc["context"]["contextActivities"]["parent"][0]["id"] == "https://learn.example.org/courses/web-basics"
    assert doc["context"]["registration"] == "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
    assert doc["timestamp"] == "2026-12-01T10:30:15.250+00:00"
    assert doc["result"]["score"] == {"scaled": 0.75, "raw": 3, "min": 0, "max": 4}


def test_vocabulary_uses_adl_iris():
    """Every verb is an ADL verb IRI named after it; activity types are ADL activity IRIs."""
    assert all(iri == f"http://adlnet.gov/expapi/verbs/{name}" for name, iri in VERBS.items())
    assert set(VERBS) == {"registered", "launched", "progressed", "answered", "completed", "passed", "failed"}
    assert ACTIVITY_TYPES["skills-assessment"] == ACTIVITY_TYPES["assessment"]
    assert all(iri.startswith("http://adlnet.gov/expapi/activities/") for iri in ACTIVITY_TYPES.values())


def test_progress_and_duration_go_into_the_result():
    """Progress 0..1 becomes the cmi5 progress extension (a percentage); the duration an ISO 8601 duration."""
    doc = build_statement(
        statement_id=uuid.uuid4(),
        actor=ACTOR,
        verb="progressed",
        activity=LESSON,
        base_url=BASE + "/",
        timestamp=WHEN,
        result=Result(progress=0.5, duration_seconds=3723.5),
    )
    assert doc["result"] == {"duration": "PT1H2M3.5S", "extensions": {PROGRESS_EXTENSION: 50}}
    assert doc["object"]["id"] == BASE + LESSON.path
    assert "context" not in doc
    assert validate(doc) == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"verb": "liked"}, "unknown verb"),
        ({"activity": Activity(path="/x", type="webinar", name={"en": "X"})}, "unknown activity type"),
        ({"activity": Activity(path="courses/x", type="course", name={"en": "X"})}, "starts with '/'"),
        ({"timestamp": datetime(2026, 12, 1, 10, 0)}, "naive datetime"),
        ({"result": Result(progress=1.5)}, "progress is between 0 and 1"),
        ({"result": Result(duration_seconds=-1)}, "a duration is"),
    ],
)
def test_builder_refuses_what_it_cannot_express(kwargs, message):
    """The builder raises ValueError for an unknown verb or type, a relative path, a naive time, bad numbers."""
    args = {
        "statement_id": uuid.uuid4(),
        "actor": ACTOR,
        "verb": "launched",
        "activity": LESSON,
        "base_url": BASE,
        "timestamp": WHEN,
    } | kwargs
    with pytest.raises(ValueError, match=message):
        build_statement(**args)


@pytest.mark.parametrize(
    "seconds, text",
    [
        (0, "PT0S"),
        (3723.5, "PT1H2M3.5S"),
        (60, "PT1M"),
        (3600, "PT1H"),
        (0.004, "PT0S"),
        (59.999, "PT1M"),
        (90061.25, "PT25H1M1.25S"),
    ],
)
def test_format_duration(seconds, text):
    """Seconds are written as hours, minutes and seconds to 0.01 s, zero parts left out."""
    assert format_duration(seconds) == text
    assert is_duration(text)


@pytest.mark.parametrize("text", ["PT4H35M59.14S", "P3Y1M29DT4H35M59.14S", "P3Y", "P4W", "PT0S", "P1D", "PT1,5H"])
def test_valid_durations(text):
    """ISO 8601 durations with designators are accepted (xAPI-Data 4.6)."""
    assert is_duration(text)


@pytest.mark.parametrize("text", ["P", "PT", "P1DT", "P4W1D", "PT1.5H2M", "1H", "PT-1S", "P16559.14S", "PT1S ", 3600])
def test_invalid_durations(text):
    """Malformed durations, fractions before the last part, weeks mixed with days and numbers are refused."""
    assert not is_duration(text)


def _drop(path):
    def change(doc):
        *parents, last = path
        target = doc
        for key in parents:
            target = target[key]
        del target[last]

    return change


def _set(path, value):
    def change(doc):
        *parents, last = path
        target = doc
        for key in parents:
            target = target[key]
        target[last] = value

    return change


BROKEN = [
    # required properties (2.4)
    ("no actor", _drop(["actor"]), "actor: is required"),
    ("no verb", _drop(["verb"]), "verb: is required"),
    ("no object", _drop(["object"]), "object: is required"),
    ("unknown top-level property", _set(["grade"], "A"), "unknown property 'grade'"),
    ("not an object", lambda doc: doc.clear() or doc.update(actor=[]), "actor: must be a JSON object"),
    # ids (2.4.1, 4.4)
    ("id not a UUID", _set(["id"], "statement-1"), "id: must be a UUID"),
    ("id UUID without hyphens", _set(["id"], "0b3e7a524c1d4f7e9a558d2b6c1e0f11"), "id: must be a UUID"),
    (
        "registration not a UUID",
        _set(["context", "registration"], "{9f1c2d3e}"),
        "context.registration: must be a UUID",
    ),
    # actor (2.4.2)
    (
        "actor without identifier",
        _set(["actor"], {"objectType": "Agent", "name": "Anna"}),
        "needs an inverse functional",
    ),
    (
        "actor with two identifiers",
        _set(["actor", "mbox"], "mailto:anna@example.org"),
        "has 2 inverse functional identifiers",
    ),
    ("account without homePage", _drop(["actor", "account", "homePage"]), "actor.account.homePage: is required"),
    ("account homePage not an IRL", _set(["actor", "account", "homePage"], "learn.example.org"), "must be an IRL"),
    ("account without name", _drop(["actor", "account", "name"]), "actor.account.name: is required"),
    ("account with empty name", _set(["actor", "account", "name"], ""), "actor.account.name: is required"),
    ("actor of unknown type", _set(["actor", "objectType"], "Person"), "actor.objectType: must be 'Agent'"),
    ("mbox without mailto", _set(["actor"], {"mbox": "anna@example.org"}), "actor.mbox: must be a mailto: IRI"),
    ("anonymous group without members", _set(["actor"], {"objectType": "Group"}), "must list its members"),
    # verb (2.4.3)
    ("verb id not an IRI", _set(["verb", "id"], "answered"), "verb.id: is required and must be an IRI"),
    ("verb without id", _drop(["verb", "id"]), "verb.id: is required"),
    ("verb display not a map", _set(["verb", "display"], "answered"), "verb.display: must be a JSON object"),
    ("verb display bad language tag", _set(["verb", "display"], {"e n": "y"}), "not an RFC 5646"),
    # object (2.4.4)
    (
        "activity id not an IRI",
        _set(["object", "id"], "/courses/web-basics"),
        "object.id: is required and must be an IRI",
    ),
    ("activity without id", _drop(["object", "id"]), "object.id: is required"),
    ("activity type not an IRI", _set(["object", "definition", "type"], "lesson"), "definition.type: must be an IRI"),
    ("name with a bad tag", _set(["object", "definition", "name"], {"en_GB": "X"}), "not an RFC 5646"),
    ("name value not a string", _set(["object", "definition", "name"], {"en": 3}), "name.en: must be a string"),
    ("unknown definition property", _set(["object", "definition", "title"], {"en": "X"}), "unknown property 'title'"),
    ("unknown object type", _set(["object", "objectType"], "Course"), "unknown objectType 'Course'"),
    ("bad interaction type", _set(["object", "definition", "interactionType"], "quiz"), "unknown interaction type"),
    ("duplicate choice ids", _set(["object", "definition", "choices", 1, "id"], "a"), "'a' is not distinct"),
    (
        "choices of a likert",
        _set(["object", "definition", "interactionType"], "likert"),
        "not used with interactionType",
    ),
    (
        "pattern not strings",
        _set(["object", "definition", "correctResponsesPattern"], "a"),
        "must be a list of strings",
    ),
    ("interaction without type", _drop(["object", "definition", "interactionType"]), "need an interactionType"),
    (
        "statement ref without UUID",
        _set(["object"], {"objectType": "StatementRef", "id": "x"}),
        "object.id: must be a UUID",
    ),
    ("agent object without objectType", _set(["object"], {"mbox": "mailto:a@example.org"}), "object.id: is required"),
    # result (2.4.5)
    ("scaled above 1", _set(["result", "score", "scaled"], 1.5), "scaled: must be between -1 and 1"),
    ("scaled below -1", _set(["result", "score", "scaled"], -1.01), "scaled: must be between -1 and 1"),
    ("raw above max", _set(["result", "score", "raw"], 5), "raw: must be between min and max"),
    ("raw below min", _set(["result", "score", "raw"], -1), "raw: must be between min and max"),
    ("min not below max", _set(["result", "score", "min"], 4), "min must be less than max"),
    ("score not a number", _set(["result", "score", "raw"], "3"), "raw: must be a number"),
    ("score a boolean", _set(["result", "score", "scaled"], True), "scaled: must be a number"),
    ("success not boolean", _set(["result", "success"], "yes"), "success: must be true or false"),
    ("duration in seconds", _set(["result", "duration"], 3600), "duration: must be an ISO 8601 duration"),
    ("duration in clock format", _set(["result", "duration"], "01:00:00"), "duration: must be an ISO 8601 duration"),
    (
        "result extension key not an IRI",
        _set(["result", "extensions"], {"progress": 50}),
        "key 'progress' is not an IRI",
    ),
    # context (2.4.6)
    ("context activities not a list", _set(["context", "contextActivities", "parent"], {"id": BASE}), "must be a list"),
    (
        "unknown context activity kind",
        _set(["context", "contextActivities", "sibling"], []),
        "unknown property 'sibling'",
    ),
    ("parent id not an IRI", _set(["context", "contextActivities", "parent", 0, "id"], "course"), "parent[0].id"),
    ("context language not a tag", _set(["context", "language"], "Italian!"), "language: must be an RFC 5646"),
    ("context extension key not an IRI", _set(["context", "extensions"], {"room": 1}), "key 'room' is not an IRI"),
    # timestamps (4.5)
    ("timestamp without offset", _set(["timestamp"], "2026-12-01T10:30:15.250"), "timestamp: must be an ISO 8601"),
    ("timestamp not ISO", _set(["timestamp"], "01/12/2026 10:30"), "timestamp: must be an ISO 8601"),
    ("timestamp impossible date", _set(["timestamp"], "2026-02-30T10:00:00Z"), "timestamp: must be an ISO 8601"),
    ("stored without time", _set(["stored"], "2026-12-01"), "stored: must be an ISO 8601"),
    # authority and version (2.4.9, 2.4.10)
    ("authority without identifier", _set(["authority"], {"name": "LRS"}), "authority: needs an inverse functional"),
    ("version 2.0.0", _set(["version"], "2.0.0"), "version: must be a 1.0.x version"),
    ("version a number", _set(["version"], 1.0), "version: must be a 1.0.x version"),
]


@pytest.mark.parametrize("change, message", [pytest.param(c, m, id=name) for name, c, m in BROKEN])
def test_validator_catches_each_fault(change, message):
    """Each broken statement is refused with a problem naming the property and the rule it breaks."""
    doc = copy.deepcopy(statement())
    assert validate(doc) == []
    change(doc)
    problems = validate(doc)
    assert any(message in p for p in problems), problems


@pytest.mark.parametrize(
    "timestamp",
    ["2026-12-01T10:30:15Z", "2026-12-01T10:30:15.123456+02:00", "2026-12-01T10:30:15-05:00", "2026-12-01T10:30Z"],
)
def test_timestamps_with_offsets_are_valid(timestamp):
    """ISO 8601 combined date and time with Z or a numeric offset is valid."""
    assert validate(statement(timestamp=timestamp)) == []


def test_version_1_0_x_is_valid():
    """A 1.0.x version is accepted (an LRS accepts every 1.0.x statement)."""
    assert validate(statement(version="1.0.3")) == []


def test_validator_takes_only_objects():
    """A statement that is not a JSON object is one problem, not an exception."""
    assert validate(["actor"]) == ["statement: must be a JSON object"]


def test_agent_filter_problems():
    """The LRS's agent parameter is checked as an Agent: one identifier, a well-formed account."""
    assert agent_problems(ACTOR) == []
    assert agent_problems({"account": {"homePage": BASE}})
    assert agent_problems("mailto:anna@example.org")


# --- property tests ------------------------------------------------------------------------------

TAGS = st.sampled_from(["en", "sv", "it", "fi", "hr", "en-GB", "sv-FI"])
TEXT = st.text(min_size=1, max_size=30)
LANGUAGE_MAP = st.dictionaries(TAGS, TEXT, min_size=1, max_size=3)
PATH = st.lists(st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True), min_size=1, max_size=4).map(
    lambda parts: "/" + "/".join(parts)
)
FINITE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@st.composite
def activities(draw):
    kind = draw(st.sampled_from(sorted(ACTIVITY_TYPES)))
    interaction = None
    if kind == "question":
        ids = draw(st.lists(st.from_regex(r"[a-z]{1,3}", fullmatch=True), min_size=1, max_size=5, unique=True))
        interaction = {
            "interactionType": "choice",
            "choices": [{"id": i, "description": draw(LANGUAGE_MAP)} for i in ids],
            "correctResponsesPattern": ["[,]".join(draw(st.lists(st.sampled_from(ids), min_size=1, unique=True)))],
        }
    return Activity(
        path=draw(PATH),
        type=kind,
        name=draw(LANGUAGE_MAP),
        description=draw(st.none() | LANGUAGE_MAP),
        interaction=interaction,
    )


@st.composite
def results(draw):
    low = draw(st.none() | FINITE)
    high = None
    if draw(st.booleans()):
        high = draw(FINITE.filter(lambda v: low is None or v > low))
    bounds_low = low if low is not None else -1e6
    bounds_high = high if high is not None else 1e6
    raw = draw(st.none() | st.floats(min_value=bounds_low, max_value=bounds_high, allow_nan=False))
    return Result(
        score_raw=raw,
        score_min=low,
        score_max=high,
        score_scaled=draw(st.none() | st.floats(min_value=-1, max_value=1)),
        success=draw(st.none() | st.booleans()),
        completion=draw(st.none() | st.booleans()),
        response=draw(st.none() | TEXT),
        duration_seconds=draw(st.none() | st.floats(min_value=0, max_value=1e7)),
        progress=draw(st.none() | st.floats(min_value=0, max_value=1)),
    )


@settings(max_examples=150)
@given(
    verb=st.sampled_from(sorted(VERBS)),
    activity=activities(),
    parent=st.none() | activities(),
    result=st.none() | results(),
    registration=st.none() | st.uuids(),
    language=st.none() | TAGS,
    offset=st.integers(min_value=-14 * 60, max_value=14 * 60),
    when=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    base=st.sampled_from([BASE, BASE + "/", "http://localhost:5000", "https://example.org/uprest"]),
)
def test_built_statements_always_validate(verb, activity, parent, result, registration, language, offset, when, base):
    """Whatever consistent data the builder is given, the statement it builds passes the validator."""
    doc = build_statement(
        statement_id=uuid.uuid4(),
        actor=ACTOR,
        verb=verb,
        activity=activity,
        base_url=base,
        timestamp=when.replace(tzinfo=timezone(timedelta(minutes=offset))),
        result=result,
        registration=registration,
        parent=parent,
        language=language,
    )
    assert validate(doc) == []


@settings(max_examples=200)
@given(st.floats(min_value=0, max_value=1e8))
def test_duration_round_trip(seconds):
    """A formatted duration reads back as the same seconds to within 0.005 s."""
    text = format_duration(seconds)
    assert is_duration(text)
    assert parse_duration_seconds(text) == pytest.approx(seconds, abs=0.0051)
