"""xAPI 1.0.3 statements, pure: the vocabulary we use, the statement builder and the validator.

No Flask and no database here: ``build_statement`` turns our learning events into statement documents and
``validate`` (written in uprest/xapi/validation.py, re-exported here) lists what is wrong with a document,
rule by rule, following the xAPI 1.0.3 specification
(Part Two, "Experience API (xAPI) Data": https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md).
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from uprest.xapi.validation import (
    agent_problems,
    is_duration,
    is_iri,
    is_irl,
    is_language_tag,
    is_uuid,
    parse_timestamp,
    validate,
)

__all__ = [
    "ACTIVITY_TYPES",
    "PROGRESS_EXTENSION",
    "STATEMENT_VERSION",
    "VERBS",
    "VERB_DISPLAY",
    "Activity",
    "Result",
    "activity_id",
    "activity_object",
    "agent_problems",
    "build_statement",
    "format_duration",
    "format_timestamp",
    "is_duration",
    "is_iri",
    "is_irl",
    "is_language_tag",
    "is_uuid",
    "parse_duration_seconds",
    "parse_timestamp",
    "result_object",
    "validate",
]

_ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
_ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"

#: Our verbs -> their ADL IRIs.
VERBS: dict[str, str] = {
    name: _ADL_VERBS + name
    for name in ("registered", "launched", "progressed", "answered", "completed", "passed", "failed")
}
#: The English display of each verb (xAPI-Data 2.4.3: "display" is a language map, for people only).
VERB_DISPLAY: dict[str, dict[str, str]] = {name: {"en": name} for name in VERBS}

#: Our activity kinds -> ADL activity type IRIs.
ACTIVITY_TYPES: dict[str, str] = {
    "course": _ADL_ACTIVITIES + "course",
    "lesson": _ADL_ACTIVITIES + "lesson",
    "assessment": _ADL_ACTIVITIES + "assessment",
    "question": _ADL_ACTIVITIES + "cmi.interaction",
    "skills-assessment": _ADL_ACTIVITIES + "assessment",
}

#: Progress as a result extension: cmi5's, whose value is a whole percentage 0..100.
PROGRESS_EXTENSION = "https://w3id.org/xapi/cmi5/result/extensions/progress"

#: The "version" property of a statement: 1.0.0 for every 1.0.x patch version (xAPI-Data 2.4.10; the patch
#: version, 1.0.3, travels in the X-Experience-API-Version header).
STATEMENT_VERSION = "1.0.0"


@dataclass(frozen=True)
class Activity:
    #: URL path under the public base URL, e.g. "/courses/web-basics/lessons/2".
    path: str
    #: A key of ACTIVITY_TYPES.
    type: str
    #: Language map, e.g. {"en": "...", "it": "..."}.
    name: dict[str, str]
    description: dict[str, str] | None = None
    #: For questions: {"interactionType": "choice", "choices": [{"id": ..., "description": {...}}],
    #: "correctResponsesPattern": ["a[,]b"]}.
    interaction: dict | None = None


@dataclass(frozen=True)
class Result:
    score_raw: float | None = None
    score_min: float | None = None
    score_max: float | None = None
    score_scaled: float | None = None
    success: bool | None = None
    completion: bool | None = None
    response: str | None = None
    duration_seconds: float | None = None
    #: 0..1; sent as the cmi5 progress extension (a whole percentage).
    progress: float | None = None


# --- building -----------------------------------------------------------------------------------


def format_timestamp(value: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with milliseconds: 2026-12-01T17:25:19.123+00:00."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: xAPI timestamps carry their time zone")
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def format_duration(seconds: float) -> str:
    """Seconds as an ISO 8601 duration to 0.01 s (xAPI-Data 4.6): 3723.5 -> "PT1H2M3.5S", 0 -> "PT0S"."""
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a duration is a finite number of seconds >= 0, not {seconds!r}")
    centis = round(seconds * 100)
    hours, rest = divmod(centis, 360_000)
    minutes, centis = divmod(rest, 6000)
    whole, fraction = divmod(centis, 100)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if whole or fraction or text == "PT":
        text += f"{whole}.{fraction:02d}".rstrip("0").rstrip(".") + "S"
    return text


def parse_duration_seconds(text: str) -> float:
    """The seconds of a duration with only hours, minutes and seconds ("PT1H2M3.5S"); ValueError otherwise."""
    match = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", text)
    if not match or text == "PT":
        raise ValueError(f"not a duration in hours, minutes and seconds: {text!r}")
    hours, minutes, seconds = (float(g or 0) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def activity_id(activity: Activity, base_url: str) -> str:
    """The activity's IRI: the public base URL followed by its path."""
    if not activity.path.startswith("/"):
        raise ValueError(f"an activity path starts with '/': {activity.path!r}")
    return base_url.rstrip("/") + activity.path


def activity_object(activity: Activity, base_url: str) -> dict:
    """The Activity object (xAPI-Data 2.4.4.1) with its definition."""
    if activity.type not in ACTIVITY_TYPES:
        raise ValueError(f"unknown activity type {activity.type!r}; known: {sorted(ACTIVITY_TYPES)}")
    definition: dict = {"type": ACTIVITY_TYPES[activity.type], "name": dict(activity.name)}
    if activity.description:
        definition["description"] = dict(activity.description)
    if activity.interaction:
        definition.update(activity.interaction)
    return {"objectType": "Activity", "id": activity_id(activity, base_url), "definition": definition}


def result_object(result: Result) -> dict:
    """The Result object (xAPI-Data 2.4.5); only the parts that are known."""
    out: dict = {}
    score = {
        key: value
        for key, value in (
            ("scaled", result.score_scaled),
            ("raw", result.score_raw),
            ("min", result.score_min),
            ("max", result.score_max),
        )
        if value is not None
    }
    if score:
        out["score"] = score
    for key, value in (("success", result.success), ("completion", result.completion), ("response", result.response)):
        if value is not None:
            out[key] = value
    if result.duration_seconds is not None:
        out["duration"] = format_duration(result.duration_seconds)
    if result.progress is not None:
        if not 0 <= result.progress <= 1:
            raise ValueError(f"progress is between 0 and 1, not {result.progress!r}")
        out["extensions"] = {PROGRESS_EXTENSION: round(result.progress * 100)}
    return out


def build_statement(
    *,
    statement_id: uuid.UUID,
    actor: dict,
    verb: str,
    activity: Activity,
    base_url: str,
    timestamp: datetime,
    result: Result | None = None,
    registration: uuid.UUID | None = None,
    parent: Activity | None = None,
    language: str | None = None,
) -> dict:
    """The statement "`actor` `verb` `activity`" as a document; ValueError for an unknown verb or activity type.
    The LRS properties (stored, authority, version) are added by whoever stores it."""
    if verb not in VERBS:
        raise ValueError(f"unknown verb {verb!r}; known: {sorted(VERBS)}")
    statement: dict = {
        "id": str(statement_id),
        "actor": actor,
        "verb": {"id": VERBS[verb], "display": dict(VERB_DISPLAY[verb])},
        "object": activity_object(activity, base_url),
        "timestamp": format_timestamp(timestamp),
    }
    if result is not None:
        body = result_object(result)
        if body:
            statement["result"] = body
    context: dict = {}
    if registration is not None:
        context["registration"] = str(registration)
    if parent is not None:
        context["contextActivities"] = {"parent": [activity_object(parent, base_url)]}
    if language:
        context["language"] = language
    if context:
        statement["context"] = context
    return statement
