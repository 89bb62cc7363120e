"""The certificate as a PDF/A-3b document, in the reader's language (optionally with English labels).

Made from one ``CertificateData`` by the kernel's one PDF function (uprest.pdf.render_pdf): our template
(templates/pdf/certificate.html) and CSS (static/css/certificate.css), fonts from fontconfig (DejaVu Sans:
Latin, Greek, Cyrillic and Arabic), a QR code of the verification URL as a ``data:`` SVG. Page 1 is the
certificate, page 2 the details: every element of an EU micro-credential (Council Recommendation of
16 June 2022, annex I), each labelled.
"""

from __future__ import annotations

from functools import lru_cache

import segno
from babel import Locale
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _

from uprest.certificates.data import CertificateData
from uprest.i18n import pick
from uprest.pdf import render_pdf

TEMPLATE = "pdf/certificate.html"
PDF_VARIANT = "pdf/a-3b"


def labels() -> dict[str, str]:
    """The labels of the certificate in the current locale (call inside ``force_locale``)."""
    return {
        "heading": _("Micro-credential"),
        "certifies": _("This certifies that"),
        "completed_module": _("has successfully completed the module"),
        "completed_plan": _("has successfully completed the learning plan"),
        "details": _("Micro-credential details"),
        "details_note": _(
            "The elements of a micro-credential set out in the Council Recommendation on a European approach "
            "to micro-credentials (2022)."
        ),
        "learner": _("Learner"),
        "title": _("Title"),
        "description": _("Description"),
        "awarding_body": _("Awarding body"),
        "country": _("Country"),
        "region": _("Region"),
        "issued": _("Date of issue"),
        "expires": _("Valid until"),
        "outcomes": _("Learning outcomes"),
        "outcome": _("Learning outcome"),
        "competence": _("Competence"),
        "level": _("Level"),
        "workload": _("Notional workload"),
        "ects": _("ECTS credits"),
        "eqf": _("EQF level"),
        "assessment": _("Type of assessment"),
        "participation": _("Form of participation"),
        "quality": _("Type of quality assurance"),
        "prerequisites": _("Prerequisites"),
        "grade": _("Grade"),
        "stacks_into": _("Stacks into"),
        "parts": _("Modules in this learning plan"),
        "verify": _("Verify this certificate"),
        "verify_how": _(
            "Scan the QR code or open the address below to check that this certificate is genuine and still valid."
        ),
        "code": _("Verification code"),
        "address": _("Verification address"),
        "qr": _("QR code of the verification address"),
        "demo": _("Demo certificate: issued to a demo account to show the platform. It is not a real qualification."),
    }


def _assessment(kind: str) -> str:
    # The same msgids as the catalogue's choices (uprest/catalog/forms.py).
    return {"quiz": _("Quiz"), "assignment": _("Assignment"), "quiz_and_assignment": _("Quiz and assignment")}.get(
        kind, kind
    )


def _participation(kind: str) -> str:
    return {"online": _("Online"), "blended": _("Blended"), "on-site": _("On site")}.get(kind, kind)


def size_class(text: str, long: int, longer: int) -> str:
    """A CSS class that makes a long name or title smaller, so that page 1 always holds the certificate."""
    return "" if len(text) <= long else "is-long" if len(text) <= longer else "is-longer"


@lru_cache(maxsize=32)
def country_name(code: str, lang: str) -> str:
    """The full name of the country with ISO 3166-1 code `code`, in `lang` (CLDR); the code when unknown."""
    return Locale.parse(lang).territories.get(code.upper(), code)


def view(data: CertificateData, lang: str) -> dict:
    """What the template shows, in `lang` (call inside ``force_locale(lang)``): texts picked from the language
    maps with English as the fallback, dates, numbers, country and enumerations written in `lang`."""
    outcomes = [
        {
            "text": pick(o.text, lang),
            "competence": o.competence,
            "framework": o.framework,
            "levels": _("from %(from)s to %(to)s", **{"from": o.from_level, "to": o.to_level}),
        }
        for o in data.outcomes
    ]
    title = pick(data.title, lang)
    return {
        "holder": data.holder_name,
        "holder_size": size_class(data.holder_name, 40, 80),
        "title": title,
        "title_size": size_class(title, 80, 140),
        # Short name, title and awarding body: more air on page 1 (there is room for it even when bilingual).
        "front_class": "roomy"
        if len(data.holder_name) <= 40 and len(title) <= 80 and len(data.issuer.name) <= 80
        else "",
        "description": pick(data.description, lang),
        "issuer": data.issuer.name,
        "website": data.issuer.website,
        "country": country_name(data.issuer.country, lang) if data.issuer.country else "",
        "region": data.issuer.region,
        "issued": format_date(data.issued_at, "long"),
        "expires": format_date(data.expires_at, "long") if data.expires_at else "",
        "outcomes": outcomes,
        "workload": _("%(hours)s hours", hours=format_decimal(data.workload_hours)),
        "ects": format_decimal(data.ects) if data.ects is not None else "",
        "eqf": str(data.eqf_level) if data.eqf_level is not None else "",
        "assessment": _assessment(data.assessment_type),
        "participation": _participation(data.participation),
        "quality": pick(data.quality_assurance, lang),
        "prerequisites": [pick(p, lang) for p in data.prerequisites],
        "grade": data.grade or "",
        "stacks_into": pick(data.stacks_into, lang) if data.stacks_into else "",
        "parts": [pick(p, lang) for p in data.parts],
        "code": data.code,
        "url": data.verify_url,
        "is_plan": data.kind == "plan",
        "is_demo": data.is_demo,
    }


def qr_data_uri(url: str) -> str:
    """A QR code of `url` as an SVG ``data:`` URI (error correction M, the standard quiet zone of 4 modules)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=4, dark="#000", light="#fff")


def render_certificate(data: CertificateData, *, lang: str, bilingual: bool = False) -> bytes:
    """The certificate as PDF/A-3b bytes in `lang`; with `bilingual` (and `lang` other than English) each label
    and each enumerated value also in English, under the reader's."""
    with force_locale(lang):
        reader_labels, reader_view = labels(), view(data, lang)
    english_labels = english_view = None
    if bilingual and lang != "en":
        with force_locale("en"):
            english_labels, english_view = labels(), view(data, "en")
        # two languages on page 1: no extra air, and less when the name, title or awarding body is long
        reader_view["front_class"] = "" if reader_view["front_class"] == "roomy" else "compact"
    return render_pdf(
        TEMPLATE,
        locale=lang,
        pdf_variant=PDF_VARIANT,
        lang=lang,
        L=reader_labels,
        EN=english_labels,
        c=reader_view,
        en=english_view,
        qr=qr_data_uri(data.verify_url),
    )
