"""The open-data package of a published period of a territory's reports (issue 14): files made from a
`Publication`'s frozen figures, nothing recomputed.

* ``skills-gap.csv``, ``participation.csv``, ``training.csv``: the three tables as CSV (UTF-8 with a byte order
  mark, CRLF, every text cell formula-safe through `uprest.csvsafe`). A hidden figure is an empty cell, never 0,
  and each row says in ``suppressed`` whether figures of it are hidden.
* ``csv-metadata.json``: CSV on the Web (W3C CSVW) metadata: a table group with one table per CSV, its columns
  (name, title, datatype, whether required, ``null`` "" for "empty means hidden or not defined", a description)
  and its primary key.
* ``dataset.jsonld``: the dataset in DCAT-AP (JSON-LD): title and description by language, publisher, temporal
  and spatial coverage (the NUTS URI of a region or country; for a municipality, whose LAU code has no official
  URI, a node of the dataset's own page with the code as ``skos:notation``), a distribution per file with the
  CC BY 4.0 licence, and the JSON API.
* ``README.txt``: what the tables are, why figures are hidden, the licence (English).

`files` and `package_zip` take the publication and the site's public address (``PUBLIC_BASE_URL``); they need an
app context (for the translated titles) but no request, and their bytes depend on nothing else: the same
publication gives the same files, whoever asks and in whatever language.
"""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from uprest import csvsafe
from uprest.i18n import pick
from uprest.reports.presentation import period_label
from uprest.reports.services import quarter_bounds

#: Where the packages are served (the blueprint in opendata_views.py has this prefix).
PREFIX = "/open-data"
CSV_FILES = ("skills-gap.csv", "participation.csv", "training.csv")
FILES = (*CSV_FILES, "csv-metadata.json", "dataset.jsonld", "README.txt")
PACKAGE = "package.zip"
CONTENT_TYPES = {
    "skills-gap.csv": "text/csv; charset=utf-8",
    "participation.csv": "text/csv; charset=utf-8",
    "training.csv": "text/csv; charset=utf-8",
    "csv-metadata.json": "application/csvm+json",
    "dataset.jsonld": "application/ld+json",
    "README.txt": "text/plain; charset=utf-8",
    PACKAGE: "application/zip",
}
LICENSE = "http://creativecommons.org/licenses/by/4.0/"
EU = "http://publications.europa.eu/resource/authority/"
THEME = EU + "data-theme/EDUC"
FREQUENCY = EU + "frequency/IRREG"  # published again when staff choose, not on a schedule
ACCESS_RIGHTS = EU + "access-right/PUBLIC"
FORMATS = {"csv": EU + "file-type/CSV", "json": EU + "file-type/JSON", "zip": EU + "file-type/ZIP"}
MEDIA_TYPES = {
    "csv": "https://www.iana.org/assignments/media-types/text/csv",
    "json": "https://www.iana.org/assignments/media-types/application/json",
    "zip": "https://www.iana.org/assignments/media-types/application/zip",
}
NUTS_URI = "http://data.europa.eu/nuts/code/"
PUBLISHER_TYPES = {
    "country": "http://purl.org/adms/publishertype/NationalAuthority",
    "region": "http://purl.org/adms/publishertype/RegionalAuthority",
    "municipality": "http://purl.org/adms/publishertype/LocalAuthority",
}
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
#: ISO 3166-1 codes whose NUTS country code differs.
NUTS_COUNTRY = {"GR": "EL"}


# --- the tables -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    datatype: str  # CSVW: integer | decimal | string | boolean
    description: str
    required: bool = False


@dataclass(frozen=True)
class Table:
    file: str
    title: str
    description: str
    #: What the table holds, in the reader's language (the dataset's page).
    summary: Any
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    #: The rows of the table from the publication's data, each an object with a value per column name.
    items: Callable[[dict], list[dict]]

    def rows(self, data: dict) -> list[list]:
        """The cells of each row in column order; the territory, period and k are the publication's."""
        head = {"territory": data["territory"], "period": data["period"], "k": data["k"]}
        return [[CELL[c.datatype]({**item, **head}.get(c.name)) for c in self.columns] for item in self.items(data)]


HIDDEN = "Empty when hidden (see suppressed)."
HEAD = (
    Column("territory", "string", "The territory's official code (NUTS, or LAU prefixed by the country).", True),
    Column("period", "string", 'The period published: a quarter such as "2026Q3", or "all" for all time.', True),
    Column("k", "integer", "The smallest number of people a shown count may be; smaller counts are hidden.", True),
)


def _int(value) -> int | None:
    return None if value is None or isinstance(value, bool) else int(value)


def _decimal(value) -> str | None:
    """A number in plain decimal notation (CSVW decimals have no exponent); None stays empty."""
    if value is None or isinstance(value, bool):
        return None
    return format(Decimal(str(value)), "f")


#: How a value of the frozen JSON is written in a column of each datatype (absent: an empty cell).
CELL = {
    "integer": _int,
    "decimal": _decimal,
    "boolean": lambda value: "true" if value else "false",
    "string": lambda value: value,
}


def _skills_gap_items(data: dict) -> list[dict]:
    return list((data.get("skills_gap") or {}).get("cells", []))


def _participation_items(data: dict) -> list[dict]:
    part = data.get("participation") or {}
    funnel = [{**item, "series": "funnel", "covers": data["period"]} for item in part.get("funnel", [])]
    return funnel + [{**item, "series": "trend", "covers": item.get("quarter")} for item in part.get("trend", [])]


TRAINING_FIGURES = ("people_at_least", "levels_estimate", "learning_hours")


def _training_items(data: dict) -> list[dict]:
    modules = (data.get("training") or {}).get("modules", [])
    return [{**m, "suppressed": any(m.get(name) is None for name in TRAINING_FIGURES)} for m in modules]


TABLES = (
    Table(
        "skills-gap.csv",
        "Skills-gap map",
        "For each competence and tourism sub-sector: the people assessed, how many of them are below their "
        'target level and their median gap. Rows with subsector "all" cover every sub-sector; rows with '
        'competence_key "any" count the people below target in at least one competence.',
        _l(
            "The skills-gap map: for each competence and sub-sector, the people assessed, how many of them are below "
            "their target level and their median gap."
        ),
        (
            *HEAD,
            Column("framework", "string", "The competence framework (empty on the rows of competence_key any)."),
            Column("area", "string", "The area of the framework (empty on the rows of competence_key any)."),
            Column("competence_key", "string", 'The competence\'s stable key, or "any".', True),
            Column("competence", "string", "The competence's name.", True),
            Column("subsector", "string", 'The tourism sub-sector, or "all".', True),
            Column("n", "integer", "People assessed in the cell. " + HIDDEN),
            Column("below_target", "integer", "People below their target level. " + HIDDEN),
            Column("below_target_share", "decimal", "below_target / n, 0 to 1. " + HIDDEN + " Empty also for n 0."),
            Column("median_gap", "decimal", "Median levels below target of the people assessed. " + HIDDEN),
            Column("suppressed", "boolean", "true when figures of this row are hidden.", True),
        ),
        ("competence_key", "subsector"),
        _skills_gap_items,
    ),
    Table(
        "participation.csv",
        "Participation and outcome",
        'The funnel of the period (series "funnel": people assessed, enrolled in a module, completed one, '
        'certified, and the outcome) and the same figures by quarter (series "trend").',
        _l(
            "Participation and outcome: the people assessed, enrolled in a module, who completed one and who are "
            "certified, in the period and by quarter."
        ),
        (
            *HEAD,
            Column("series", "string", '"funnel" (the period published) or "trend" (one quarter).', True),
            Column("covers", "string", "The period the figure covers: the period published, or a quarter.", True),
            Column("figure", "string", "What is counted or measured (people_assessed, enrolled, ...).", True),
            Column(
                "value",
                "decimal",
                "The count of people (hours or levels for a measure). " + HIDDEN + " Empty also when not defined "
                "(the median of nobody).",
            ),
            Column("share", "decimal", "The share of the people assessed, 0 to 1; empty when hidden or not defined."),
            Column("suppressed", "boolean", "true when the figure is hidden.", True),
        ),
        ("series", "covers", "figure"),
        _participation_items,
    ),
    Table(
        "training.csv",
        "Training demand",
        "The course modules that would close the most skills gap, estimated from the shown figures of the "
        "skills-gap map only, with the local sessions planned and the businesses' requests.",
        _l("Training demand: the course modules that would close the most gap, estimated from the shown figures only."),
        (
            *HEAD,
            Column("module", "string", "The module's code.", True),
            Column("title", "string", "The module's title."),
            Column("competences", "string", "The keys of the competences it develops, separated by spaces."),
            Column("people_at_least", "integer", "At least this many people need it. " + HIDDEN),
            Column("levels_estimate", "decimal", "Estimated levels of gap it would close. " + HIDDEN),
            Column("learning_hours", "decimal", "people_at_least times the module's workload. " + HIDDEN),
            Column("workload_hours", "decimal", "The module's notional workload in hours."),
            Column("local_sessions", "integer", "Upcoming local sessions of the module."),
            Column("requests", "integer", "Businesses' requests for a session of it."),
            Column("requested_staff", "integer", "Staff named in those requests."),
            Column("suppressed", "boolean", "true when an estimate of this row is hidden.", True),
        ),
        ("module",),
        _training_items,
    ),
)


def _data(publication) -> dict:
    """The frozen figures with the publication's own territory code, period and k on every row."""
    return {
        **(publication.data or {}),
        "territory": publication.territory.code,
        "period": publication.period,
        "k": publication.k,
    }


def csv_files(publication) -> dict[str, bytes]:
    data = _data(publication)
    return {t.file: csvsafe.csv_bytes([c.name for c in t.columns], t.rows(data)) for t in TABLES}


def csv_metadata(publication) -> dict:
    """The CSVW metadata of the three CSV files (their URLs relative to this file: it sits next to them)."""
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "@type": "TableGroup",
        "dc:title": f"UPREST reports of {publication.territory.name} ({publication.territory.code}), "
        f"{publication.period}",
        "dc:license": {"@id": LICENSE},
        "dialect": {"encoding": "utf-8", "header": True, "lineTerminators": ["\r\n"]},
        "tables": [
            {
                "url": t.file,
                "dc:title": t.title,
                "dc:description": t.description,
                "tableSchema": {
                    "columns": [
                        {
                            "name": c.name,
                            "titles": c.name,
                            "datatype": c.datatype,
                            "required": c.required,
                            "null": "",
                            "dc:description": c.description,
                        }
                        for c in t.columns
                    ],
                    "primaryKey": list(t.primary_key),
                },
            }
            for t in TABLES
        ],
    }


# --- the dataset (DCAT-AP) ----------------------------------------------------------------------------------


def dataset_url(base_url: str, code: str, period: str) -> str:
    return f"{base_url.rstrip('/')}{PREFIX}/{code}/{period}/"


def api_url(base_url: str, code: str, period: str) -> str:
    """The skills-gap figures of the publication in the JSON API."""
    query = "" if period == "all" else f"?period={period}"
    return f"{base_url.rstrip('/')}/api/v1/territories/{code}/skills-gap{query}"


def coverage(period: str, published_on: date) -> tuple[date | None, date]:
    """The first and last day the figures cover: the quarter's; for all time, up to the day of publication."""
    if period == "all":
        return None, published_on
    start, end = quarter_bounds(period)
    return start.date(), (end - timedelta(days=1)).date()


def _languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def _texts(make: Callable[[str], str], probe: Callable[[], str]) -> list[dict]:
    """make(lang) in every language (run inside force_locale(lang)), as language-tagged values. A language is
    left out while `probe()` (the message with fixed arguments) is not translated into it yet: English text
    tagged as Swedish would be wrong."""
    with force_locale("en"):
        english = probe()
    out = []
    for lang in _languages():
        with force_locale(lang):
            if lang == "en" or probe() != english:
                out.append({"@value": make(lang), "@language": lang})
    return out


def _place(territory, lang: str) -> str:
    return pick(territory.names, lang) if territory.names else territory.name


def _title_text(**values) -> str:
    return _("Skills gaps and training in tourism: %(territory)s, %(period)s", **values)


def _description_text(**values) -> str:
    return _(
        "Anonymised figures of the UPREST learning ecosystem for %(territory)s, %(period)s: the skills-gap map "
        "of the people working in tourism businesses (per competence and sub-sector, the share below their target "
        "level), participation in training and its outcome, and the training demand per course module. A figure "
        "that counts fewer than %(k)s people, or would let such a figure be worked out, is hidden.",
        **values,
    )


def _values(publication, lang: str) -> dict:
    period = None if publication.period == "all" else publication.period
    return {"territory": _place(publication.territory, lang), "period": period_label(period), "k": publication.k}


def title(publication, lang: str) -> str:
    """The dataset's title in `lang` (call inside force_locale(lang))."""
    return _title_text(**_values(publication, lang))


def description(publication, lang: str) -> str:
    """The dataset's description in `lang` (call inside force_locale(lang))."""
    return _description_text(**_values(publication, lang))


KEYWORDS = (
    _l("skills gap"),
    _l("tourism"),
    _l("digital skills"),
    _l("green skills"),
    _l("training"),
    _l("municipality"),
)
_PROBE = {"territory": "T", "period": "P", "k": 0}


def _keywords() -> list[dict]:
    out = []
    for word in KEYWORDS:
        out += _texts(lambda _lang, w=word: str(w), lambda w=word: str(w))
    return out


def _date(value: date) -> dict:
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def spatial(publication, page: str) -> dict:
    """The territory: the NUTS URI of a region (or of a country: NUTS level 0), else a node of the dataset's
    page (#territory) carrying the LAU code."""
    t = publication.territory
    if t.kind == "country":
        uri = NUTS_URI + NUTS_COUNTRY.get(t.code, t.code)
    elif t.code_list.startswith("NUTS"):
        uri = NUTS_URI + t.code
    else:
        uri = page + "#territory"
    node: dict[str, Any] = {"@id": uri, "@type": "dct:Location", "skos:notation": t.code}
    if t.code_list:
        node["skos:inScheme"] = t.code_list
    node["skos:prefLabel"] = [{"@value": _place(t, lang), "@language": lang} for lang in _languages()]
    return node


def _en(text: str) -> dict:
    return {"@value": text, "@language": "en"}


def _distribution(key: str, url: str, page: str, kind: str, name: str, size: int | None = None) -> dict:
    """A distribution, named by a fragment of the dataset's page (#distribution-<key>): it is not the file."""
    out: dict[str, Any] = {
        "@id": f"{page}#distribution-{key}",
        "@type": "dcat:Distribution",
        "dct:title": _en(name),
        "dcat:accessURL": {"@id": page},
        "dcat:downloadURL": {"@id": url},
        "dct:format": {"@id": FORMATS[kind]},
        "dcat:mediaType": {"@id": MEDIA_TYPES[kind]},
        "dct:license": {"@id": LICENSE},
    }
    if size is not None:
        out["dcat:byteSize"] = {"@value": str(size), "@type": "xsd:nonNegativeInteger"}
    return out


def dataset_jsonld(publication, base_url: str, sizes: dict[str, int] | None = None) -> dict:
    """The dataset in DCAT-AP as JSON-LD; `sizes` gives the byte size of files by name."""
    t, period = publication.territory, publication.period
    page = dataset_url(base_url, t.code, period)
    sizes = sizes or {}
    published = {"@value": publication.published_at.isoformat(), "@type": "xsd:dateTime"}
    start, end = coverage(period, publication.published_at.date())
    temporal: dict[str, Any] = {"@type": "dct:PeriodOfTime"}
    if start is not None:
        temporal["dcat:startDate"] = _date(start)
    temporal["dcat:endDate"] = _date(end)
    distributions = []
    for table in TABLES:
        dist = _distribution(table.file, page + table.file, page, "csv", f"{table.title} (CSV)", sizes.get(table.file))
        dist["dct:description"] = _en(table.description)
        dist["dct:conformsTo"] = {"@id": page + "csv-metadata.json"}
        distributions.append(dist)
    package = _distribution(PACKAGE, page + PACKAGE, page, "zip", "All files (ZIP)", sizes.get(PACKAGE))
    package["dcat:packageFormat"] = {"@id": MEDIA_TYPES["zip"]}
    api = _distribution("api", api_url(base_url, t.code, period), page, "json", "Skills-gap map (JSON API)")
    api["dcat:accessURL"] = api.pop("dcat:downloadURL")
    distributions += [package, api]
    return {
        "@context": CONTEXT,
        "@id": page,
        "@type": "dcat:Dataset",
        "dct:identifier": f"{t.code}/{period}",
        "dct:title": _texts(lambda lang: title(publication, lang), lambda: _title_text(**_PROBE)),
        "dct:description": _texts(lambda lang: description(publication, lang), lambda: _description_text(**_PROBE)),
        "dct:publisher": {
            "@type": "foaf:Agent",
            "foaf:name": [{"@value": f"{_place(t, lang)} (UPREST)", "@language": lang} for lang in _languages()],
            "dct:type": {"@id": PUBLISHER_TYPES.get(t.kind, PUBLISHER_TYPES["municipality"])},
        },
        "dct:temporal": temporal,
        "dct:spatial": spatial(publication, page),
        "dct:issued": published,
        "dct:modified": published,
        "dcat:keyword": _keywords(),
        "dcat:theme": {"@id": THEME},
        "dct:accrualPeriodicity": {"@id": FREQUENCY},
        "dct:accessRights": {"@id": ACCESS_RIGHTS},
        "dcat:landingPage": {"@id": page},
        "dcat:distribution": distributions,
    }


# --- the README -------------------------------------------------------------------------------------------------


def readme(publication, base_url: str) -> str:
    t, period = publication.territory, publication.period
    start, end = coverage(period, publication.published_at.date())
    covers = f"{start.isoformat()} to {end.isoformat()}" if start else f"all time up to {end.isoformat()}"
    lines = [
        f"UPREST open data: {t.name} ({t.code}), {period}",
        "",
        f"Territory:  {t.name}, code {t.code}" + (f" ({t.code_list})" if t.code_list else " (provisional code)"),
        f"Period:     {covers}",
        f"Published:  {publication.published_at.date().isoformat()}",
        f"Dataset:    {dataset_url(base_url, t.code, period)}",
        "",
        "The figures come from the UPREST learning ecosystem: the skills-gap assessments of people working in",
        "tourism businesses, the course modules they follow and the certificates they earn. They are frozen as",
        "published by the territory's staff; nothing in them names or describes a person.",
        "",
        "Files",
        "",
    ]
    for table in TABLES:
        lines += [f"{table.file}: {table.title}.", *_wrap(table.description, "    "), ""]
    lines += [
        "csv-metadata.json: the columns of the three tables (CSV on the Web, W3C): names, datatypes, meaning.",
        "dataset.jsonld: this dataset described in DCAT-AP (JSON-LD), for data portals.",
        "",
        "Hidden figures",
        "",
        *_wrap(
            f"A count of fewer than {publication.k} people is hidden, and so is any figure from which a hidden "
            "one could be worked out (by subtracting it from a total, for example), so that nobody can be "
            "singled out. A hidden figure is an EMPTY cell, never 0, and its row has suppressed = true. A 0 that "
            "is shown is a true zero. Shares and medians are shown only where the counts they rest on are.",
            "",
        ),
        "",
        "Licence",
        "",
        *_wrap(
            "Creative Commons Attribution 4.0 International (CC BY 4.0): "
            "http://creativecommons.org/licenses/by/4.0/ . You may share and adapt the data for any purpose if "
            f'you credit the source: "UPREST, {t.name}, {dataset_url(base_url, t.code, period)}".',
            "",
        ),
        "",
        "The CSV files are UTF-8 (with a byte order mark, for spreadsheets). A text cell that a spreadsheet would",
        "run as a formula (starting with =, +, - or @) starts with an apostrophe.",
    ]
    return "\n".join(lines) + "\n"


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, width=110, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)


# --- the files ----------------------------------------------------------------------------------------------


def _json_bytes(data: dict) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def files(publication, base_url: str) -> dict[str, bytes]:
    """Every file of the package by name, in the order of FILES."""
    out = csv_files(publication)
    out["csv-metadata.json"] = _json_bytes(csv_metadata(publication))
    sizes = {name: len(body) for name, body in out.items()}
    out["dataset.jsonld"] = _json_bytes(dataset_jsonld(publication, base_url, sizes))
    out["README.txt"] = readme(publication, base_url).encode("utf-8")
    return {name: out[name] for name in FILES}


def package_zip(publication, base_url: str) -> bytes:
    """A zip of every file, in the order of FILES, each dated when the period was published: the same
    publication gives the same bytes."""
    stamp = publication.published_at.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in files(publication, base_url).items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, body)
    return buffer.getvalue()


def filename(publication, name: str) -> str:
    """The name a download is saved under: the territory and period first."""
    return f"{publication.territory.code}-{publication.period}-{name}"


# --- JSON-LD inside a page ---------------------------------------------------------------------------------

_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_element(data: dict) -> Markup:
    """``<script type="application/ld+json">`` holding `data`, written so that no text can end the element
    (as uprest/sessions/jsonld.py does). A data block is not run by the browser: the CSP is not concerned."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in _ESCAPES.items():
        text = text.replace(char, escape)
    return Markup('<script type="application/ld+json">') + Markup(text) + Markup("</script>")
