"""What a certificate says, frozen at issuance: every element of an EU micro-credential (Council
Recommendation of 16 June 2022 on a European approach to micro-credentials, annex I), as plain data.

The PDF (pdf.py) and the Open Badges 3.0 credential (badges.py) are both made from one ``CertificateData``,
so that they always say the same. Texts that exist in several languages are language maps ({"en": ..., "it":
...}); the renderer picks the reader's language with English as the fallback. Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime

I18n = dict[str, str]


@dataclass(frozen=True)
class Issuer:
    """The awarding body (a provider record)."""

    name: str
    country: str  # ISO 3166-1 alpha-2, e.g. "IT"
    region: str = ""  # e.g. "Emilia-Romagna" or a NUTS code's name
    website: str = ""
    id_url: str = ""  # the issuer's profile URL (Open Badges Profile id)


@dataclass(frozen=True)
class Outcome:
    text: I18n  # "After this module you can ..."
    competence: str  # "2.1 Interacting through digital technologies"
    competence_key: str  # "digcomp:2.1"
    framework: str  # "DigComp 2.2"
    from_level: int
    to_level: int


@dataclass(frozen=True)
class CertificateData:
    code: str  # the verification code (at least 80 bits of entropy)
    verify_url: str  # the public verification page, https://…/verify/<code>
    kind: str  # "module" or "plan"
    holder_name: str
    holder_id: str  # a pseudonymous identifier of the learner (urn:uuid:…), never an e-mail address
    title: I18n
    issuer: Issuer
    issued_at: datetime  # UTC
    outcomes: tuple[Outcome, ...]
    workload_hours: float
    assessment_type: str  # quiz | assignment | quiz_and_assignment
    participation: str  # online | blended | on-site
    quality_assurance: I18n
    description: I18n = field(default_factory=dict)  # the module's summary
    ects: float | None = None
    eqf_level: int | None = None
    expires_at: datetime | None = None
    prerequisites: tuple[I18n, ...] = ()  # titles of the modules needed first
    grade: str | None = None  # e.g. "92 %" (the best quiz score)
    #: For a plan certificate: the titles of the modules it lists; for a module: the plan it stacks into.
    parts: tuple[I18n, ...] = ()
    stacks_into: I18n | None = None
    module_code: str = ""
    module_version: int = 0
    language: str = "en"  # the holder's language when issued
    is_demo: bool = False  # issued to a demo account: the documents say it is not a real qualification


def to_json(data: CertificateData) -> dict:
    """``data`` as JSON-ready values (dates as ISO 8601 text), for storing with the certificate."""
    document = asdict(data)
    for name in ("issued_at", "expires_at"):
        if document[name] is not None:
            document[name] = document[name].isoformat()
    return document


def from_json(document: dict) -> CertificateData:
    """The ``CertificateData`` stored by :func:`to_json`; unknown keys (a later version's) are ignored."""
    known = {f.name for f in fields(CertificateData)}
    values = {k: v for k, v in document.items() if k in known}
    values["issuer"] = Issuer(**document["issuer"])
    values["outcomes"] = tuple(Outcome(**o) for o in document.get("outcomes", ()))
    for name in ("prerequisites", "parts"):
        values[name] = tuple(values.get(name) or ())
    for name in ("issued_at", "expires_at"):
        if values.get(name):
            values[name] = datetime.fromisoformat(values[name])
    return CertificateData(**values)
