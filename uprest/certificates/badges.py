"""A certificate as an Open Badges 3.0 ``OpenBadgeCredential`` (https://www.imsglobal.org/spec/ob/v3p0/), signed in
the JSON Web Token proof format of Open Badges 3.0 (a compact JWS, RS256).

The credential is a W3C Verifiable Credential (Data Model 2.0) whose achievement has the type ``MicroCredential``
and carries every element of an EU micro-credential (Council Recommendation of 16 June 2022, annex I):

==========================  ===========================================================================
EU element                  where
==========================  ===========================================================================
learner                     ``credentialSubject.id`` (pseudonymous ``urn:uuid``) and ``identifier``
                            (the name, salted SHA-256: see below)
title                       ``name`` and ``achievement.name``
country/region of issuer    ``issuer.address`` (addressCountryCode, addressCountry, addressRegion)
awarding body               ``issuer`` (a Profile)
date of issue               ``validFrom`` (and ``validUntil`` when the certificate expires)
learning outcomes           ``achievement.criteria.narrative`` and one ``achievement.alignment`` each
notional workload           ``achievement.workloadHours`` (extension) and ``creditsAvailable`` (ECTS)
level (EQF)                 ``achievement.eqfLevel`` (extension) and an alignment to the EQF level's URI
type of assessment          ``achievement.assessmentType`` (extension; quiz | assignment | quiz_and_assignment)
form of participation       ``achievement.participationForm`` (extension; online | blended | on-site)
quality assurance           ``achievement.qualityAssurance`` (extension)
prerequisites               ``achievement.prerequisites`` (extension)
grade                       ``achievement.resultDescription`` + ``credentialSubject.result``
stacks into / parts         ``achievement.stacksInto`` / ``achievement.includes`` (extension)
==========================  ===========================================================================

Open Badges has no property for the elements marked *extension*: they are terms of our own, defined by an inline
JSON-LD context (the third ``@context`` item) under the namespace ``EXTENSION_VOCAB``.

Languages: Open Badges' texts are plain strings (its JSON schema refuses JSON-LD language maps), so ``name``,
``description`` and the narrative are in the holder's language (English when a text lacks it), named by
``achievement.inLanguage``; every text in all its languages is kept in ``achievement.translations`` (an extension,
a JSON literal of language maps).

The holder's name: Open Badges identifies a learner by ``identifier`` objects that may be hashed. We put the name
only as a salted SHA-256 hash (``identityType`` name), never in clear and never an e-mail address: whoever holds the
PDF (which shows the name) can check that the credential belongs to it (:func:`holder_name_matches`), while the
credential alone does not tell a stranger who its holder is.

Pure, apart from ``gettext`` for two labels (call it inside ``force_locale(data.language)``).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import UTC, datetime

from babel import Locale, UnknownLocaleError
from flask_babel import gettext as _
from joserfc import jwt

from uprest.certificates.data import CertificateData, I18n
from uprest.certificates.keys import ALGORITHM, SigningKey
from uprest.certificates.statuslist import StatusEntry

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: The namespace of our extension terms (a stable IRI, not meant to be fetched).
EXTENSION_VOCAB = "urn:uprest:microcredential:"
_XSD = "http://www.w3.org/2001/XMLSchema#"
EXTENSION_CONTEXT = {
    "uprestmc": EXTENSION_VOCAB,
    "workloadHours": {"@id": "uprestmc:workloadHours", "@type": f"{_XSD}decimal"},
    "eqfLevel": {"@id": "uprestmc:eqfLevel", "@type": f"{_XSD}integer"},
    "assessmentType": {"@id": "uprestmc:assessmentType"},
    "participationForm": {"@id": "uprestmc:participationForm"},
    "qualityAssurance": {"@id": "uprestmc:qualityAssurance"},
    "prerequisites": {"@id": "uprestmc:prerequisites", "@container": "@list"},
    "stacksInto": {"@id": "uprestmc:stacksInto"},
    "includes": {"@id": "uprestmc:includes", "@container": "@list"},
    "inLanguage": {"@id": "https://schema.org/inLanguage"},
    "translations": {"@id": "uprestmc:translations", "@type": "@json"},
}
#: The European Qualifications Framework's levels as the EU publishes them.
EQF_LEVEL_URI = "http://data.europa.eu/snb/eqf/{level}"
_PERCENT = re.compile(r"^\s*(\d{1,3}(?:[.,]\d+)?)\s*%\s*$")


def pick(text: I18n | None, language: str) -> str:
    """`text` in `language`, else English, else any language it has ("" for none)."""
    if not text:
        return ""
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


def timestamp(moment: datetime) -> str:
    """An XML Schema dateTime in UTC to the second (what ``nbf``/``exp`` can say exactly)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def name_salt(code: str) -> str:
    """The salt of the holder's name hash: fixed by the certificate, so that one certificate always hashes alike."""
    return hashlib.sha256(f"uprest-holder-name:{code}".encode()).hexdigest()[:32]


def _normal_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def holder_name_hash(name: str, salt: str) -> str:
    """Open Badges' IdentityHash of a name: ``sha256$`` and the hex SHA-256 of the name (NFC, single spaces) + salt."""
    return "sha256$" + hashlib.sha256((_normal_name(name) + salt).encode()).hexdigest()


def holder_name_matches(credential: dict, name: str) -> bool:
    """Whether `name` is the holder's name hashed in the credential."""
    for identity in credential.get("credentialSubject", {}).get("identifier", []):
        if identity.get("identityType") == "name" and identity.get("hashed"):
            if identity.get("identityHash") == holder_name_hash(name, identity.get("salt", "")):
                return True
    return False


def _country_name(code: str, language: str) -> str:
    try:
        return Locale.parse(language).territories.get(code.upper(), "")
    except (UnknownLocaleError, ValueError):
        return ""


def _issuer(data: CertificateData, base_url: str) -> dict:
    issuer = data.issuer
    address = {"type": ["Address"], "addressCountryCode": issuer.country.upper()}
    if country := _country_name(issuer.country, data.language):
        address["addressCountry"] = country
    if issuer.region:
        address["addressRegion"] = issuer.region
    profile = {"id": issuer.id_url or base_url, "type": ["Profile"], "name": issuer.name, "address": address}
    if issuer.website:
        profile["url"] = issuer.website
    return profile


def _alignments(data: CertificateData, base_url: str, language: str) -> list[dict]:
    alignments = []
    for outcome in data.outcomes:
        framework_code = outcome.competence_key.split(":", 1)[0]
        alignment = {
            "type": ["Alignment"],
            "targetName": outcome.competence,
            "targetUrl": f"{base_url}/competences/{framework_code}#{outcome.competence_key}",
            "targetCode": outcome.competence_key,
            "targetFramework": outcome.framework,
        }
        if description := pick(outcome.text, language):
            alignment["targetDescription"] = description
        alignments.append(alignment)
    if data.eqf_level is not None:
        alignments.append(
            {
                "type": ["Alignment"],
                "targetName": f"EQF {data.eqf_level}",
                "targetUrl": EQF_LEVEL_URI.format(level=data.eqf_level),
                "targetCode": str(data.eqf_level),
                "targetFramework": "European Qualifications Framework",
            }
        )
    return alignments


def _grade(data: CertificateData, achievement_id: str) -> tuple[dict, dict] | None:
    """The grade as a ResultDescription of the achievement and the holder's Result."""
    if not data.grade:
        return None
    rd_id = f"{achievement_id}-grade"
    description = {"id": rd_id, "type": ["ResultDescription"], "name": _("Grade")}
    match = _PERCENT.match(data.grade)
    if match:
        value = match.group(1).replace(",", ".")
        description.update(resultType="Percent", valueMin="0", valueMax="100")
    else:
        value = data.grade.strip()
        description.update(resultType="Result")
    return description, {"type": ["Result"], "resultDescription": rd_id, "value": value}


def _translations(data: CertificateData) -> dict:
    texts: dict = {"name": data.title}
    optional = {
        "description": data.description,
        "qualityAssurance": data.quality_assurance,
        "stacksInto": data.stacks_into,
        "outcomes": [o.text for o in data.outcomes],
        "prerequisites": list(data.prerequisites),
        "includes": list(data.parts),
    }
    texts.update({key: value for key, value in optional.items() if value})
    return texts


def achievement_id(data: CertificateData, base_url: str) -> str:
    """The achievement's id: the module's page and its version; a plan's certificate, its own."""
    if data.module_code:
        return f"{base_url}/courses/{data.module_code}#v{data.module_version}"
    return f"{data.verify_url}#achievement"


def credential(data: CertificateData, *, issued_by_url: str, status: StatusEntry | None) -> dict:
    """The OpenBadgeCredential of a certificate (unsigned; :func:`sign` makes it verifiable).

    `issued_by_url` is the platform's public address (PUBLIC_BASE_URL): the ids of the achievement and of the
    competence alignments are built under it, and it is the issuer's id when the provider has no profile URL.
    `status` is the certificate's place in the revocation status list.
    """
    if not data.holder_id or "@" in data.holder_id:
        raise ValueError("the holder needs a pseudonymous id (urn:uuid:...), never an e-mail address")
    base = issued_by_url.rstrip("/")
    language = data.language or "en"
    title = pick(data.title, language)
    ach_id = achievement_id(data, base)
    outcomes = [pick(o.text, language) for o in data.outcomes]
    achievement = {
        "id": ach_id,
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": title,
        "description": pick(data.description, language) or title,
        "criteria": {"narrative": "\n".join(f"- {text}" for text in outcomes if text) or title},
        "inLanguage": language,
        "alignment": _alignments(data, base, language),
        "tag": sorted({o.framework for o in data.outcomes} | {o.competence for o in data.outcomes}),
        "workloadHours": data.workload_hours,
        "assessmentType": data.assessment_type,
        "participationForm": data.participation,
        "qualityAssurance": pick(data.quality_assurance, language),
        "translations": _translations(data),
    }
    if data.module_code:
        achievement["humanCode"] = data.module_code
        achievement["version"] = str(data.module_version)
    if frameworks := sorted({o.framework for o in data.outcomes}):
        achievement["fieldOfStudy"] = ", ".join(frameworks)
    if data.ects is not None:
        achievement["creditsAvailable"] = data.ects
    if data.eqf_level is not None:
        achievement["eqfLevel"] = data.eqf_level
    if data.prerequisites:
        achievement["prerequisites"] = [pick(p, language) for p in data.prerequisites]
    if data.stacks_into:
        achievement["stacksInto"] = pick(data.stacks_into, language)
    if data.parts:
        achievement["includes"] = [pick(p, language) for p in data.parts]

    salt = name_salt(data.code)
    subject = {
        "id": data.holder_id,
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": True,
                "identityHash": holder_name_hash(data.holder_name, salt),
                "salt": salt,
            }
        ],
        "achievement": achievement,
    }
    if data.ects is not None:
        subject["creditsEarned"] = data.ects
    if grade := _grade(data, ach_id):
        achievement["resultDescription"] = [grade[0]]
        subject["result"] = [grade[1]]

    vc = {
        "@context": [VC_CONTEXT, OB_CONTEXT, EXTENSION_CONTEXT],
        "id": data.verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": title,
        "issuer": _issuer(data, base),
        "validFrom": timestamp(data.issued_at),
        "credentialSubject": subject,
        "evidence": [{"id": data.verify_url, "type": ["Evidence"], "name": _("Public verification page")}],
    }
    if data.expires_at is not None:
        vc["validUntil"] = timestamp(data.expires_at)
    if status is not None:
        vc["credentialStatus"] = status.as_dict()
    return vc


def _numeric_date(value: str) -> int:
    return int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def jwt_claims(vc: dict) -> dict:
    """The JWT payload of Open Badges 3.0's JSON Web Token proof: the credential itself plus iss, jti, nbf, sub
    (and exp when it has ``validUntil``)."""
    issuer = vc["issuer"]
    claims = dict(vc)
    claims.update(
        iss=issuer["id"] if isinstance(issuer, dict) else issuer,
        jti=vc["id"],
        nbf=_numeric_date(vc["validFrom"]),
        sub=vc["credentialSubject"]["id"],
    )
    if "validUntil" in vc:
        claims["exp"] = _numeric_date(vc["validUntil"])
    return claims


class _Encoder(json.JSONEncoder):
    """Compact JSON with every character as itself (names in any script stay readable in the payload)."""

    def __init__(self, *args, **kwargs):
        kwargs.update(ensure_ascii=False, separators=(",", ":"))
        super().__init__(*args, **kwargs)


def sign(credential: dict, key: SigningKey) -> str:
    """The credential as a compact JWS (VC-JWT): header {alg: RS256, kid: the URL of the public JWK, typ: JWT}."""
    header = {"alg": ALGORITHM, "kid": key.url, "typ": "JWT"}
    return jwt.encode(header, jwt_claims(credential), key.key, algorithms=[ALGORITHM], encoder_cls=_Encoder)
