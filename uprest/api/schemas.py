"""The pieces every API schema is made of: the one Error shape, texts per language, links, lenient query numbers.

Each resource module (modules.py, frameworks.py, me.py) declares the marshmallow schemas of its own answers
beside its views; the OpenAPI document is generated from those schemas and every JSON body is dumped through
them, so the document and the answers cannot drift apart. The schemas are for output: ``required=True``
states that the key is always in the answer (it is what the document's ``required`` lists say).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from marshmallow import fields

from uprest.config import LANGUAGES


class Schema(ma.Schema):
    """Base of the API's schemas. Objects stay open in the document (no ``additionalProperties: false``):
    a client must accept keys that a later version adds."""

    class Meta:
        unknown = ma.EXCLUDE


class ErrorSchema(Schema):
    """The body of every error answer of the API (one handler writes them all: uprest.render_error)."""

    class Meta(Schema.Meta):
        description = "Every error answer of the API."

    error = fields.String(required=True, metadata={"description": "The HTTP status phrase.", "examples": ["Not Found"]})
    status = fields.Integer(required=True, metadata={"description": "The HTTP status code.", "examples": [404]})
    message = fields.String(metadata={"description": "What happened and what to do, when there is more to say."})


class _I18nText(Schema):
    class Meta(Schema.Meta):
        description = "Text per language code; en is always present and is the fallback."

    @ma.post_dump(pass_original=True)
    def _every_language(self, data: dict, original: Any, **_kwargs) -> dict:
        return {**(original or {}), **data}


#: Text per language code (one property per language of the site). Dumps the stored mapping as it is: a language
#: the schema does not list is kept.
I18nTextSchema = type(
    "I18nTextSchema", (_I18nText,), {lang: fields.String(required=lang == "en") for lang in LANGUAGES}
)


class _NoneAsEmpty:
    """A mapping or list field that writes an empty one for a missing value (NULL in an old row)."""

    empty: Callable[[], Any]

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(self.empty() if value is None else value, attr, obj, **kwargs)


class I18nText(_NoneAsEmpty, fields.Nested):
    """A text in every language it has (see I18nTextSchema)."""

    empty = dict

    def __init__(self, **kwargs):
        super().__init__(I18nTextSchema, **kwargs)


class I18nOptional(_NoneAsEmpty, fields.Dict):
    """Text per language code that may be empty (a summary, a description); or, with `values`, another mapping
    by a text key."""

    empty = dict

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {"description": "Text per language code; may be empty."})
        kwargs.setdefault("values", fields.String())
        super().__init__(keys=fields.String(), **kwargs)


class Strings(_NoneAsEmpty, fields.List):
    """A list of strings (empty when there are none)."""

    empty = list

    def __init__(self, **kwargs):
        super().__init__(fields.String(), **kwargs)


class Derived(fields.Nested):
    """A nested object (or list, with ``many=True``) made by ``make(obj)`` from the object being dumped, not read
    from one of its attributes: links, a part of the same row, related rows loaded by a service."""

    def __init__(self, nested, make: Callable[[Any], Any] = lambda obj: obj, **kwargs):
        super().__init__(nested, **kwargs)
        self.make = make

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return self.make(obj)


def computed(make: Callable[[Any], Any], kind: str, **kwargs) -> fields.Function:
    """A value computed from the object (a count, a URL), of the OpenAPI type `kind` ("integer", "string")."""
    metadata = {"type": kind, **kwargs.pop("metadata", {})}
    return fields.Function(make, metadata=metadata, **kwargs)


def uri(**kwargs) -> dict:
    return {"format": "uri", **kwargs}


class LinksSchema(Schema):
    """Where the resource is: in the API and as a page for people."""

    self_ = fields.String(attribute="self", data_key="self", required=True, metadata=uri())
    html = fields.String(required=True, metadata=uri(description="The public page"))


class Clamped(fields.Integer):
    """A whole-number query argument kept within minimum..maximum, and the default for anything that is not a
    number. Lenient on purpose: ``?per_page=1000`` gets the largest page, ``?page=junk`` the first, not an error."""

    def __init__(self, *, minimum: int, maximum: int, default: int, description: str):
        self.minimum, self.maximum = minimum, maximum
        metadata = {"minimum": minimum, "maximum": maximum, "description": description}
        super().__init__(load_default=default, metadata=metadata)

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            return self.load_default
        return min(max(number, self.minimum), self.maximum)


def page_headers(what: str) -> dict:
    """The OpenAPI description of a list's paging headers (Link, X-Total-Count); `what` names the items."""
    return {
        "Link": {
            "description": "RFC 8288 links to the first, prev, next and last pages.",
            "schema": {"type": "string"},
        },
        "X-Total-Count": {"description": f"How many {what} there are in all.", "schema": {"type": "integer"}},
    }
