"""The certificate PDF (uprest/certificates/pdf.py): every element of an EU micro-credential in the reader's
language, PDF/A-3b with embedded fonts that have every glyph, a QR code of the verification URL, page 1 the
certificate whatever the length of the name and title, and only our own static files read."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader

from uprest.certificates.data import CertificateData, Issuer, Outcome
from uprest.certificates.pdf import labels, render_certificate

CODE = "K7Q2M9XD4TRBW3ZPHN6C"
URL = f"https://uprest.example.eu/verify/{CODE}"


def make_certificate(**changes) -> CertificateData:
    """A module certificate with every element, mandatory and optional; texts in English, Italian and Swedish
    except one outcome that exists in English only (the fallback)."""
    data = CertificateData(
        code=CODE,
        verify_url=URL,
        kind="module",
        holder_name="Åsa Lindqvist",
        holder_id="urn:uuid:6f1c2a8e-0d5b-4c1e-9a57-2b8f3e4d5c6a",
        title={
            "en": "Selling sustainable stays online",
            "it": "Vendere online soggiorni sostenibili",
            "sv": "Sälja hållbara vistelser på nätet",
        },
        issuer=Issuer(
            name="Comune di Rimini – Servizio Turismo",
            country="IT",
            region="Emilia-Romagna",
            website="https://www.comune.rimini.it",
        ),
        issued_at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
        outcomes=(
            Outcome(
                text={
                    "en": "Publish accurate offers on booking platforms",
                    "it": "Pubblicare offerte corrette sulle piattaforme di prenotazione",
                    "sv": "Publicera korrekta erbjudanden på bokningsplattformar",
                },
                competence="2.1 Interacting through digital technologies",
                competence_key="digcomp:2.1",
                framework="DigComp 2.2",
                from_level=2,
                to_level=4,
            ),
            Outcome(
                text={"en": "Explain the carbon footprint of a stay to guests"},
                competence="2.2 Embracing complexity in sustainability",
                competence_key="greencomp:2.2",
                framework="GreenComp",
                from_level=1,
                to_level=3,
            ),
        ),
        workload_hours=7.5,
        assessment_type="quiz_and_assignment",
        participation="blended",
        quality_assurance={
            "en": "Peer-reviewed by the UPREST consortium",
            "it": "Revisione tra pari del consorzio UPREST",
            "sv": "Granskad av UPREST-konsortiet",
        },
        description={
            "en": "How to sell sustainable stays online.",
            "it": "Come vendere online soggiorni sostenibili.",
            "sv": "Hur man säljer hållbara vistelser på nätet.",
        },
        ects=0.5,
        eqf_level=4,
        expires_at=datetime(2029, 11, 30, 12, 0, tzinfo=UTC),
        prerequisites=({"en": "Digital basics", "it": "Competenze digitali di base", "sv": "Digitala grunder"},),
        grade="92 %",
        stacks_into={
            "en": "Digital and green tourism path",
            "it": "Percorso turismo digitale e verde",
            "sv": "Vägen till digital och grön turism",
        },
        module_code="sell-online",
        module_version=2,
        language="it",
    )
    return replace(data, **changes)


def pages_text(pdf: bytes) -> list[str]:
    """The text of each page, with every run of white space made one space (none after a hyphen that ends a
    line)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return [re.sub(r"\s+", " ", re.sub(r"(?<=\w-)\n", "", page.extract_text())) for page in pages]


def expected_elements(data: CertificateData, lang: str) -> list[str]:
    """What a reader of `lang` must find: each label and each element's value, written in `lang`."""
    pick = lambda texts: texts.get(lang) or texts["en"]  # noqa: E731
    with force_locale(lang):
        shown = labels()
        shown["heading"] = shown["heading"].upper()  # text-transform
        for key in ("completed_plan", "parts", "qr", "demo"):  # a plan's; the QR code's alternative text; a demo's
            del shown[key]
        return [
            *shown.values(),
            data.holder_name,
            pick(data.title),
            pick(data.description),
            data.issuer.name,
            data.issuer.website,
            {"it": "Italia", "sv": "Italien", "en": "Italy"}[lang],
            data.issuer.region,
            format_date(data.issued_at, "long"),
            format_date(data.expires_at, "long"),
            *(pick(o.text) for o in data.outcomes),
            *(o.competence for o in data.outcomes),
            *(o.framework for o in data.outcomes),
            *(_("from %(from)s to %(to)s", **{"from": o.from_level, "to": o.to_level}) for o in data.outcomes),
            _("%(hours)s hours", hours=format_decimal(data.workload_hours)),
            format_decimal(data.ects),
            _("Quiz and assignment"),
            _("Blended"),
            pick(data.quality_assurance),
            pick(data.prerequisites[0]),
            data.grade,
            pick(data.stacks_into),
            data.code,
            data.verify_url,
        ]


@pytest.mark.parametrize("lang", ["it", "sv"])
def test_every_element_in_readers_language(app, lang):
    """Every mandatory and optional micro-credential element is in the PDF, labelled and written in the reader's
    language (country name, dates and numbers too), with English where a text has no translation."""
    data = make_certificate()
    text = " ".join(pages_text(render_certificate(data, lang=lang)))
    missing = [item for item in expected_elements(data, lang) if item not in text]
    assert not missing
    assert "1 dicembre 2026" in text if lang == "it" else "1 december 2026" in text  # Europe/Stockholm, not UTC
    with force_locale(lang):
        translated = _("Learning outcomes")
    assert translated != "Learning outcomes" and "Learning outcomes" not in text  # no English labels
    assert "Selling sustainable stays online" not in text and "Italy" not in text


def test_demo_certificate_says_it_is_not_a_real_qualification(app):
    """A demo account's certificate says so on page 1, in the reader's language; others say nothing of it."""
    with force_locale("sv"):
        note = labels()["demo"]
    assert note not in " ".join(pages_text(render_certificate(make_certificate(), lang="sv")))
    assert note in pages_text(render_certificate(make_certificate(is_demo=True), lang="sv"))[0]


def test_bilingual_adds_english_labels(app):
    """Bilingual: the English labels, title and enumerations under the reader's; English alone stays single."""
    data = make_certificate()
    pages = pages_text(render_certificate(data, lang="it", bilingual=True))
    text = " ".join(pages)
    assert URL in pages[0] and "Verify this certificate" in pages[0]  # page 1 holds the certificate
    with force_locale("en"):
        english = [labels()[key] for key in labels() if key not in ("heading", "completed_plan", "parts", "qr", "demo")]
    assert [label for label in english if label not in text] == []
    assert "Selling sustainable stays online" in text and "Quiz and assignment" in text and "Italy" in text
    assert [item for item in expected_elements(data, "it") if item not in text] == []
    english_only = pages_text(render_certificate(data, lang="en", bilingual=True))
    assert " ".join(english_only).count("Notional workload") == 2  # once per page, not twice


def test_plan_certificate_and_optional_elements(app):
    """A plan certificate lists its modules; optional elements (ECTS, EQF, expiry, grade, prerequisites) appear
    only when given."""
    data = make_certificate(
        kind="plan",
        parts=({"en": "Digital basics"}, {"en": "Selling online", "sv": "Sälja på nätet"}),
        stacks_into=None,
        ects=None,
        eqf_level=None,
        expires_at=None,
        grade=None,
        prerequisites=(),
    )
    text = " ".join(pages_text(render_certificate(data, lang="sv")))
    with force_locale("sv"):
        assert labels()["completed_plan"] in text and labels()["parts"] in text
        absent = [labels()[key] for key in ("ects", "eqf", "expires", "grade", "prerequisites", "stacks_into")]
    assert "Digital basics" in text and "Sälja på nätet" in text
    assert [label for label in absent if label in text] == []


def test_pdf_a_3b_with_output_intent_and_embedded_fonts(app):
    """The PDF declares PDF/A-3b in its XMP metadata, has an output intent and embeds every font it uses."""
    reader = PdfReader(io.BytesIO(render_certificate(make_certificate(), lang="it")))
    assert pdfa_identification(reader) == {"part": "3", "conformance": "B"}
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert intents and all("/DestOutputProfile" in intent.get_object() for intent in intents)
    fonts = list(embedded_fonts(reader))
    assert fonts and all(font_file is not None for _name, _to_unicode, font_file in fonts)


PDFAID = "http://www.aiim.org/pdfa/ns/id/"


def pdfa_identification(reader: PdfReader) -> dict[str, str]:
    """The pdfaid properties of the catalog's XMP metadata stream (written as attributes or as elements)."""
    root = ElementTree.fromstring(reader.trailer["/Root"]["/Metadata"].get_object().get_data())
    found = {}
    for node in root.iter():
        for key, value in node.attrib.items():
            if key.startswith(f"{{{PDFAID}}}"):
                found[key.split("}")[1]] = value
        if node.tag.startswith(f"{{{PDFAID}}}"):
            found[node.tag.split("}")[1]] = (node.text or "").strip()
    return found


def embedded_fonts(reader: PdfReader):
    """(base font name, ToUnicode text, embedded font program or None) for each font of each page."""
    seen = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            if id(font) in seen or font["/BaseFont"] in seen:
                continue
            seen.add(font["/BaseFont"])
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3") or descriptor.get("/FontFile")
            to_unicode = font["/ToUnicode"].get_object().get_data().decode() if "/ToUnicode" in font else ""
            yield font["/BaseFont"], to_unicode, program.get_object().get_data() if program else None


def to_unicode_map(cmap: str) -> dict[int, str]:
    """Glyph id -> the text it stands for, from a ToUnicode CMap (bfchar and bfrange entries)."""
    out: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for src, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            out[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            for offset in range(int(hi, 16) - int(lo, 16) + 1):
                out[int(lo, 16) + offset] = chr(int(dst, 16) + offset)
    return out


def missing_glyphs(pdf: bytes, text: str) -> set[str]:
    """The characters of `text` that the PDF draws with no glyph: absent from every font, or drawn with a glyph id
    that the embedded font lacks or that has no outline (a missing-glyph box). Glyph ids are CIDs (Identity)."""
    needed = {ch for ch in text if not ch.isspace()}
    drawn, broken = set(), set()
    for _name, cmap, program in embedded_fonts(PdfReader(io.BytesIO(pdf))):
        font = TTFont(io.BytesIO(program))
        order, glyf = font.getGlyphOrder(), font["glyf"] if "glyf" in font else None
        for gid, chars in to_unicode_map(cmap).items():
            hit = needed.intersection(chars)
            if not hit:
                continue
            ok = 0 < gid < len(order) and (glyf is None or glyf[order[gid]].numberOfContours != 0)
            (drawn if ok else broken).update(hit)
    return (needed - drawn) | broken


NAMES = {
    "latin": "Åsa Čapek-Straßer Lőrincz",
    "greek": "Αλέξανδρος Παπαδόπουλος",
    "cyrillic": "Владимир Ёжиков",
    "arabic": "محمد عبد الله",
    "html": "<b>Ana</b> & Co",
}


@pytest.mark.parametrize("script", NAMES)
def test_names_in_every_script_have_every_glyph(app, script):
    """A name in Latin with diacritics, Greek, Cyrillic or Arabic is drawn with embedded glyphs for every
    character; HTML in a name shows as text."""
    name = NAMES[script]
    pdf = render_certificate(make_certificate(holder_name=name), lang="en")
    assert missing_glyphs(pdf, name) == set()
    text = pages_text(pdf)
    if script != "arabic":  # pypdf returns Arabic in presentation forms; the glyph check above covers it
        assert name in text[0] and name in text[1]


def test_missing_glyph_check_finds_a_missing_glyph(app):
    """The glyph check itself fails on a character no font has (an unassigned code point)."""
    pdf = render_certificate(make_certificate(holder_name="Ana \u0378"), lang="en")
    assert missing_glyphs(pdf, "Ana \u0378") == {"\u0378"}


def render_pages(pdf: bytes, tmp_path: Path, *, dpi: int, first: int | None = None, last: int | None = None):
    assert shutil.which("pdftoppm"), "pdftoppm is missing: install poppler-utils (make sysdeps-test)"
    (tmp_path / "c.pdf").write_bytes(pdf)
    pages = ["-f", str(first), "-l", str(last)] if first else []
    subprocess.run(["pdftoppm", "-r", str(dpi), *pages, "-png", "c.pdf", "page"], cwd=tmp_path, check=True)
    return sorted(tmp_path.glob("page-*.png"))


def test_page_one_is_drawn_and_its_qr_code_is_the_verification_url(app, tmp_path):
    """Page 1 rendered to an image is not blank, and the QR code on it decodes to exactly the verification URL."""
    (png,) = render_pages(render_certificate(make_certificate(), lang="sv"), tmp_path, dpi=100, first=1, last=1)
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > image.width * image.height * 0.01  # ink: text, frame and QR code
    assert shutil.which("zbarimg"), "zbarimg is missing: install zbar-tools (make sysdeps-test)"
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(png)], capture_output=True, text=True
    )
    assert decoded.returncode == 0 and decoded.stdout.splitlines() == [URL]


def test_long_name_and_title_wrap_and_keep_the_certificate_on_page_one(app, tmp_path):
    """The longest name (120 characters, one long word) and title (200) the forms allow, bilingual: they wrap
    inside the margins, and page 1 still holds the whole certificate with its verification block."""
    name = ("Maria-Anna " + "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschafers" * 2)[:120]
    title = (
        "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft "
        + "digital marketing for small accommodation businesses in rural areas " * 3
    )[:200]
    data = make_certificate(
        holder_name=name,
        title={"en": title, "it": title.upper()},
        issuer=replace(make_certificate().issuer, name=("Unione dei Comuni della Valmarecchia " * 5)[:160]),
    )
    pdf = render_certificate(data, lang="it", bilingual=True)
    first, second = pages_text(pdf)[:2]
    squeeze = lambda s: re.sub(r"\s+", "", s)  # noqa: E731  (a long word is broken across lines)
    assert squeeze(name) in squeeze(first) and squeeze(title.upper()) in squeeze(first)
    assert URL in squeeze(first) and CODE in first
    with force_locale("it"):
        assert labels()["details"] not in first and labels()["details"] in second
    for png in render_pages(pdf, tmp_path, dpi=40):
        image = Image.open(png).convert("L")
        edge = round(10 / 25.4 * 40)  # 10 mm: nothing is drawn there unless a text overflows
        for box in ((0, 0, edge, image.height), (image.width - edge, 0, image.width, image.height)):
            assert image.crop(box).getextrema()[0] > 240, (png.name, box)


def test_renderer_reads_only_our_static_files(app, monkeypatch):
    """The certificate's stylesheet and logo come from static/ through pdf_static(); URLs in the data (a website,
    markup in a name) are text, and nothing outside static/ is ever fetched."""
    import uprest.pdf as kernel

    fetched: list[str] = []
    original = kernel._read

    def spy(url, root):
        fetched.append(url)
        return original(url, root)

    monkeypatch.setattr(kernel, "_read", spy)
    data = make_certificate(
        holder_name='<img src="file:///etc/passwd"> Ana',
        issuer=replace(make_certificate().issuer, website="file:///etc/passwd"),
    )
    text = " ".join(pages_text(render_certificate(data, lang="en")))
    root = kernel.static_root()
    files = [url for url in fetched if not url.startswith("data:")]
    assert {(root / "css/certificate.css").as_uri(), (root / "img/logo.svg").as_uri()} <= set(files)
    assert all(kernel.static_file_for(url, root) for url in files), files
    assert "root:" not in text and '<img src="file:///etc/passwd"> Ana' in text
