"""The xAPI 1.0.3 statement validator, pure: ``validate(statement)`` lists what is wrong, rule by rule.

Written from the specification, Part Two "Experience API (xAPI) Data"
(https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md); the section is named next to each rule.
``uprest.xapi.statements`` re-exports ``validate`` and the checks the LRS uses.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from urllib.parse import urlsplit

STATEMENT_KEYS = frozenset(
    {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments"}
)
SUBSTATEMENT_KEYS = frozenset(
    {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}
)
AGENT_KEYS = frozenset({"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"})
IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
INTERACTION_TYPES = frozenset(
    {"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing", "likert", "numeric"}
    | {"other"}
)
#: Interaction component lists and the interaction types that may have them (xAPI-Data 2.4.4.1, s15).
COMPONENT_LISTS = {
    "choices": {"choice", "sequencing"},
    "scale": {"likert"},
    "source": {"matching"},
    "target": {"matching"},
    "steps": {"performance"},
}
DEFINITION_KEYS = frozenset(
    {"name", "description", "type", "moreInfo", "extensions", "interactionType", "correctResponsesPattern"}
    | set(COMPONENT_LISTS)
)
RESULT_KEYS = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
SCORE_KEYS = frozenset({"scaled", "raw", "min", "max"})
CONTEXT_KEYS = frozenset(
    {"registration", "instructor", "team", "contextActivities", "revision", "platform", "language", "statement"}
    | {"extensions"}
)
CONTEXT_ACTIVITY_KEYS = frozenset({"parent", "grouping", "category", "other"})
ATTACHMENT_KEYS = frozenset({"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"})

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]+")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})")
# RFC 5646 "langtag" (private-use and grandfathered tags aside).
_LANGTAG = re.compile(
    r"([A-Za-z]{2,3}(-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"
    r"(-[A-Za-z]{4})?"
    r"(-([A-Za-z]{2}|\d{3}))?"
    r"(-([A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*"
    r"(-[0-9A-WY-Za-wy-z](-[A-Za-z0-9]{2,8})+)*"
    r"(-[xX](-[A-Za-z0-9]{1,8})+)?"
)
# ISO 8601:2004 4.4.3.2 (format with designators); weeks stand alone.
_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+(?:[.,]\d+)?W)|(?P<Y>\d+(?:[.,]\d+)?Y)?(?P<Mo>\d+(?:[.,]\d+)?M)?(?P<D>\d+(?:[.,]\d+)?D)?"
    r"(?:T(?P<H>\d+(?:[.,]\d+)?H)?(?P<Mi>\d+(?:[.,]\d+)?M)?(?P<S>\d+(?:[.,]\d+)?S)?)?)"
)


def is_uuid(value) -> bool:
    """A UUID in its standard string form, 8-4-4-4-12 hexadecimal digits (xAPI-Data 4.4)."""
    return isinstance(value, str) and bool(_UUID.fullmatch(value))


def is_iri(value) -> bool:
    """An absolute IRI: a scheme, a colon and no spaces (xAPI-Data 4.3; relative IRIs are not valid)."""
    return isinstance(value, str) and bool(_IRI.fullmatch(value))


def is_irl(value) -> bool:
    """An IRL that can be fetched: http(s) with a host."""
    if not is_iri(value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def is_language_tag(value) -> bool:
    return isinstance(value, str) and bool(_LANGTAG.fullmatch(value))


def parse_timestamp(value) -> datetime | None:
    """An ISO 8601 combined date and time with a time zone offset (xAPI-Data 4.5), else None."""
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def is_duration(value) -> bool:
    """An ISO 8601 duration with designators (xAPI-Data 4.6): at least one part, "T" only before a time part,
    a decimal fraction only in the last part, weeks alone."""
    if not isinstance(value, str):
        return False
    match = _DURATION.fullmatch(value)
    if not match or value.endswith("T"):
        return False
    parts = [p for p in match.groups() if p]
    if not parts:
        return False
    return not any("." in p or "," in p for p in parts[:-1])


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class _Checker:
    def __init__(self):
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def unknown(self, where: str, value: dict, allowed: frozenset) -> None:
        for key in sorted(set(value) - allowed):
            self.add(where, f"unknown property {key!r}")

    def is_object(self, where: str, value) -> bool:
        if not isinstance(value, dict):
            self.add(where, "must be a JSON object")
            return False
        return True

    # --- shared types ---

    def language_map(self, where: str, value) -> None:
        """xAPI-Data 4.2: keys RFC 5646 tags, values strings."""
        if not self.is_object(where, value):
            return
        for tag, text in value.items():
            if not is_language_tag(tag):
                self.add(where, f"{tag!r} is not an RFC 5646 language tag")
            if not isinstance(text, str):
                self.add(f"{where}.{tag}", "must be a string")

    def extensions(self, where: str, value) -> None:
        """xAPI-Data 4.1: the keys are IRIs (the values may be anything)."""
        if not self.is_object(where, value):
            return
        for key in value:
            if not is_iri(key):
                self.add(where, f"key {key!r} is not an IRI")

    def uuid(self, where: str, value) -> None:
        if not is_uuid(value):
            self.add(where, "must be a UUID in standard form (8-4-4-4-12 hexadecimal digits)")

    def timestamp(self, where: str, value) -> None:
        if parse_timestamp(value) is None:
            self.add(where, "must be an ISO 8601 timestamp with a time zone offset")

    # --- actors ---

    def agent(self, where: str, value, *, object_type_required: bool = False) -> None:
        """xAPI-Data 2.4.2: an Agent (exactly one inverse functional identifier) or a Group."""
        if not self.is_object(where, value):
            return
        kind = value.get("objectType")
        if kind == "Group":
            self.group(where, value)
            return
        if kind is None and object_type_required:
            self.add(where, "objectType is required here")
        elif kind not in (None, "Agent"):
            self.add(f"{where}.objectType", "must be 'Agent' or 'Group'")
            return
        self.unknown(where, value, AGENT_KEYS)
        self.identifiers(where, value, required=True)
        if "name" in value and not isinstance(value["name"], str):
            self.add(f"{where}.name", "must be a string")

    def group(self, where: str, value: dict) -> None:
        self.unknown(where, value, AGENT_KEYS | {"member"})
        identified = any(key in value for key in IFI_KEYS)
        if identified:
            self.identifiers(where, value, required=True)
        members = value.get("member")
        if members is None:
            if not identified:
                self.add(where, "an anonymous Group must list its members")
            return
        if not isinstance(members, list):
            self.add(f"{where}.member", "must be a list of Agents")
            return
        for i, member in enumerate(members):
            if isinstance(member, dict) and member.get("objectType") == "Group":
                self.add(f"{where}.member[{i}]", "a Group cannot contain Groups")
            else:
                self.agent(f"{where}.member[{i}]", member)

    def identifiers(self, where: str, value: dict, *, required: bool) -> None:
        """xAPI-Data 2.4.2.3: exactly one inverse functional identifier, each well formed."""
        present = [key for key in IFI_KEYS if key in value]
        if len(present) > 1:
            self.add(where, f"has {len(present)} inverse functional identifiers ({', '.join(present)}); exactly one")
        elif not present and required:
            self.add(where, "needs an inverse functional identifier (mbox, mbox_sha1sum, openid or account)")
        if "mbox" in value and not (
            isinstance(value["mbox"], str) and re.fullmatch(r"mailto:[^@\s]+@[^@\s]+", value["mbox"])
        ):
            self.add(f"{where}.mbox", "must be a mailto: IRI")
        if "mbox_sha1sum" in value and not (
            isinstance(value["mbox_sha1sum"], str) and re.fullmatch(r"[0-9a-fA-F]{40}", value["mbox_sha1sum"])
        ):
            self.add(f"{where}.mbox_sha1sum", "must be a hexadecimal SHA-1 hash")
        if "openid" in value and not is_iri(value["openid"]):
            self.add(f"{where}.openid", "must be a URI")
        if "account" in value:
            self.account(f"{where}.account", value["account"])

    def account(self, where: str, value) -> None:
        """xAPI-Data 2.4.2.4: homePage (an IRL) and name, both required."""
        if not self.is_object(where, value):
            return
        self.unknown(where, value, frozenset({"homePage", "name"}))
        if not is_irl(value.get("homePage")):
            self.add(f"{where}.homePage", "is required and must be an IRL")
        if not (isinstance(value.get("name"), str) and value["name"]):
            self.add(f"{where}.name", "is required and must be a non-empty string")

    # --- verb and object ---

    def verb(self, where: str, value) -> None:
        """xAPI-Data 2.4.3: id an IRI, display a language map."""
        if not self.is_object(where, value):
            return
        self.unknown(where, value, frozenset({"id", "display"}))
        if not is_iri(value.get("id")):
            self.add(f"{where}.id", "is required and must be an IRI")
        if "display" in value:
            self.language_map(f"{where}.display", value["display"])

    def object(self, where: str, value, *, in_substatement: bool = False) -> None:
        """xAPI-Data 2.4.4: an Activity (the default), an Agent or Group, a StatementRef or a SubStatement."""
        if not self.is_object(where, value):
            return
        kind = value.get("objectType", "Activity")
        if kind == "Activity":
            self.activity(where, value)
        elif kind in ("Agent", "Group"):
            self.agent(where, value, object_type_required=True)
        elif kind == "StatementRef":
            self.unknown(where, value, frozenset({"objectType", "id"}))
            self.uuid(f"{where}.id", value.get("id"))
        elif kind == "SubStatement":
            if in_substatement:
                self.add(where, "a SubStatement cannot contain a SubStatement")
                return
            self.unknown(where, value, SUBSTATEMENT_KEYS)
            self.statement_body(where, value, in_substatement=True)
        else:
            self.add(f"{where}.objectType", f"unknown objectType {kind!r}")

    def activity(self, where: str, value: dict) -> None:
        """xAPI-Data 2.4.4.1: id an IRI; the definition's parts well formed."""
        self.unknown(where, value, frozenset({"objectType", "id", "definition"}))
        if not is_iri(value.get("id")):
            self.add(f"{where}.id", "is required and must be an IRI")
        if "definition" in value:
            self.definition(f"{where}.definition", value["definition"])

    def definition(self, where: str, value) -> None:
        if not self.is_object(where, value):
            return
        self.unknown(where, value, DEFINITION_KEYS)
        for key in ("name", "description"):
            if key in value:
                self.language_map(f"{where}.{key}", value[key])
        if "type" in value and not is_iri(value["type"]):
            self.add(f"{where}.type", "must be an IRI")
        if "moreInfo" in value and not is_irl(value["moreInfo"]):
            self.add(f"{where}.moreInfo", "must be an IRL")
        if "extensions" in value:
            self.extensions(f"{where}.extensions", value["extensions"])
        self.interaction(where, value)

    def interaction(self, where: str, value: dict) -> None:
        """xAPI-Data 2.4.4.1 (interaction activities): a valid interactionType; component lists of that type
        with distinct ids; correctResponsesPattern a list of strings."""
        kind = value.get("interactionType")
        lists = [key for key in COMPONENT_LISTS if key in value]
        if kind is None:
            if lists or "correctResponsesPattern" in value:
                self.add(where, "interaction properties need an interactionType")
            return
        if kind not in INTERACTION_TYPES:
            self.add(f"{where}.interactionType", f"unknown interaction type {kind!r}")
            return
        pattern = value.get("correctResponsesPattern")
        if pattern is not None and not (isinstance(pattern, list) and all(isinstance(p, str) for p in pattern)):
            self.add(f"{where}.correctResponsesPattern", "must be a list of strings")
        for key in lists:
            if kind not in COMPONENT_LISTS[key]:
                self.add(f"{where}.{key}", f"not used with interactionType {kind!r}")
            self.components(f"{where}.{key}", value[key])

    def components(self, where: str, value) -> None:
        if not isinstance(value, list):
            self.add(where, "must be a list of interaction components")
            return
        seen = set()
        for i, component in enumerate(value):
            if not self.is_object(f"{where}[{i}]", component):
                continue
            self.unknown(f"{where}[{i}]", component, frozenset({"id", "description"}))
            cid = component.get("id")
            if not (isinstance(cid, str) and cid):
                self.add(f"{where}[{i}].id", "is required and must be a string")
            elif cid in seen:
                self.add(f"{where}[{i}].id", f"{cid!r} is not distinct")
            seen.add(cid)
            if "description" in component:
                self.language_map(f"{where}[{i}].description", component["description"])

    # --- result and context ---

    def result(self, where: str, value) -> None:
        """xAPI-Data 2.4.5: booleans, a string response, an ISO 8601 duration, a consistent score."""
        if not self.is_object(where, value):
            return
        self.unknown(where, value, RESULT_KEYS)
        for key in ("success", "completion"):
            if key in value and not isinstance(value[key], bool):
                self.add(f"{where}.{key}", "must be true or false")
        if "response" in value and not isinstance(value["response"], str):
            self.add(f"{where}.response", "must be a string")
        if "duration" in value and not is_duration(value["duration"]):
            self.add(f"{where}.duration", "must be an ISO 8601 duration such as PT1H2M3.5S")
        if "extensions" in value:
            self.extensions(f"{where}.extensions", value["extensions"])
        if "score" in value:
            self.score(f"{where}.score", value["score"])

    def score(self, where: str, value) -> None:
        """xAPI-Data 2.4.5.1: scaled in -1..1; min < max; raw between min and max."""
        if not self.is_object(where, value):
            return
        self.unknown(where, value, SCORE_KEYS)
        numbers = {}
        for key in SCORE_KEYS & set(value):
            if _is_number(value[key]):
                numbers[key] = value[key]
            else:
                self.add(f"{where}.{key}", "must be a number")
        if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
            self.add(f"{where}.scaled", "must be between -1 and 1")
        low, high, raw = numbers.get("min"), numbers.get("max"), numbers.get("raw")
        if low is not None and high is not None and not low < high:
            self.add(where, "min must be less than max")
        if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
            self.add(f"{where}.raw", "must be between min and max")

    def context(self, where: str, value, *, object_is_activity: bool) -> None:
        """xAPI-Data 2.4.6."""
        if not self.is_object(where, value):
            return
        self.unknown(where, value, CONTEXT_KEYS)
        if "registration" in value:
            self.uuid(f"{where}.registration", value["registration"])
        if "instructor" in value:
            self.agent(f"{where}.instructor", value["instructor"])
        if "team" in value:
            team = value["team"]
            if isinstance(team, dict) and team.get("objectType") != "Group":
                self.add(f"{where}.team", "must be a Group")
            else:
                self.agent(f"{where}.team", team)
        for key in ("revision", "platform"):
            if key in value:
                if not isinstance(value[key], str):
                    self.add(f"{where}.{key}", "must be a string")
                if not object_is_activity:
                    self.add(f"{where}.{key}", "only used when the object is an Activity")
        if "language" in value and not is_language_tag(value["language"]):
            self.add(f"{where}.language", "must be an RFC 5646 language tag")
        if "statement" in value:
            ref = value["statement"]
            if not (isinstance(ref, dict) and ref.get("objectType") == "StatementRef"):
                self.add(f"{where}.statement", "must be a StatementRef")
            else:
                self.object(f"{where}.statement", ref)
        if "extensions" in value:
            self.extensions(f"{where}.extensions", value["extensions"])
        if "contextActivities" in value:
            self.context_activities(f"{where}.contextActivities", value["contextActivities"])

    def context_activities(self, where: str, value) -> None:
        """Keys parent, grouping, category, other; each a list of Activities (the form an LRS returns)."""
        if not self.is_object(where, value):
            return
        self.unknown(where, value, CONTEXT_ACTIVITY_KEYS)
        for key in CONTEXT_ACTIVITY_KEYS & set(value):
            activities = value[key]
            if not isinstance(activities, list):
                self.add(f"{where}.{key}", "must be a list of Activities")
                continue
            for i, activity in enumerate(activities):
                if self.is_object(f"{where}.{key}[{i}]", activity):
                    if activity.get("objectType", "Activity") != "Activity":
                        self.add(f"{where}.{key}[{i}].objectType", "must be 'Activity'")
                    else:
                        self.activity(f"{where}.{key}[{i}]", activity)

    def attachments(self, where: str, value) -> None:
        """xAPI-Data 2.4.11: usageType, display, contentType, length and sha2 required."""
        if not isinstance(value, list):
            self.add(where, "must be a list")
            return
        for i, item in enumerate(value):
            at = f"{where}[{i}]"
            if not self.is_object(at, item):
                continue
            self.unknown(at, item, ATTACHMENT_KEYS)
            if not is_iri(item.get("usageType")):
                self.add(f"{at}.usageType", "is required and must be an IRI")
            if "display" not in item:
                self.add(f"{at}.display", "is required")
            else:
                self.language_map(f"{at}.display", item["display"])
            if "description" in item:
                self.language_map(f"{at}.description", item["description"])
            if not isinstance(item.get("contentType"), str):
                self.add(f"{at}.contentType", "is required and must be a string")
            if not (isinstance(item.get("length"), int) and not isinstance(item.get("length"), bool)):
                self.add(f"{at}.length", "is required and must be an integer")
            if not isinstance(item.get("sha2"), str):
                self.add(f"{at}.sha2", "is required and must be a string")
            if "fileUrl" in item and not is_irl(item["fileUrl"]):
                self.add(f"{at}.fileUrl", "must be an IRL")

    # --- the statement ---

    def statement_body(self, where: str, value: dict, *, in_substatement: bool = False) -> None:
        prefix = f"{where}." if where else ""
        for key in ("actor", "verb", "object"):
            if key not in value:
                self.add(f"{prefix}{key}", "is required")
        if "actor" in value:
            self.agent(f"{prefix}actor", value["actor"])
        if "verb" in value:
            self.verb(f"{prefix}verb", value["verb"])
        if "object" in value:
            self.object(f"{prefix}object", value["object"], in_substatement=in_substatement)
        if "result" in value:
            self.result(f"{prefix}result", value["result"])
        if "context" in value:
            obj = value.get("object")
            is_activity = isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity"
            self.context(f"{prefix}context", value["context"], object_is_activity=is_activity)
        if "timestamp" in value:
            self.timestamp(f"{prefix}timestamp", value["timestamp"])
        if "attachments" in value:
            self.attachments(f"{prefix}attachments", value["attachments"])


def validate(statement: dict) -> list[str]:
    """What is wrong with `statement` as an xAPI 1.0.3 statement, one sentence per problem; [] when valid."""
    check = _Checker()
    if not isinstance(statement, dict):
        return ["statement: must be a JSON object"]
    check.unknown("statement", statement, STATEMENT_KEYS)
    if "id" in statement:
        check.uuid("id", statement["id"])
    check.statement_body("", statement)
    if "stored" in statement:
        check.timestamp("stored", statement["stored"])
    if "authority" in statement:
        check.agent("authority", statement["authority"])
    if "version" in statement and not (
        isinstance(statement["version"], str) and re.fullmatch(r"1\.0\.\d+", statement["version"])
    ):
        check.add("version", "must be a 1.0.x version such as 1.0.0")
    return check.problems


def agent_problems(agent) -> list[str]:
    """What is wrong with `agent` as an Agent or Identified Group (the LRS's ``agent`` parameter)."""
    check = _Checker()
    check.agent("agent", agent)
    return check.problems
