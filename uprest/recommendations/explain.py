"""Why a module is recommended, in one or two sentences in the learner's language (Flask-Babel).

Kept apart from the pure recommender: this needs the current locale (a request, or ``force_locale``). The
caller names the competences and modules in the learner's language (``competences``: key -> "2.1 Interacting
through digital technologies"; ``titles``: module code -> title); a key or code without a name is shown as
it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from babel.lists import format_list
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _

from uprest.i18n import language_name
from uprest.recommendations.rules import Recommendation


def _list(items: list[str]) -> str:
    """A list as the current language writes it: "a, b and c"."""
    return format_list(items, locale=get_locale() or "en") if items else ""


def hours_text(hours: float) -> str:
    """The workload in words: "1 hour", "6 hours", "1.5 hours" (the language's plural forms for whole hours)."""
    if float(hours).is_integer():
        n = int(hours)
        return ngettext("%(hours)s hour", "%(hours)s hours", n, hours=format_decimal(n))
    return _("%(hours)s hours", hours=format_decimal(hours))  # as the catalogue pages write a workload


def explain(rec: Recommendation, *, competences: Mapping[str, str], titles: Mapping[str, str]) -> str:
    """E.g. "Raises 2.1 Interacting through digital technologies from level 3 towards your target of 5;
    6 hours." / "Needed before Data for decisions; 5 hours." / "… Not available in your language; offered in
    English.\""""
    hours = hours_text(rec.hours)
    needed = _list([titles.get(code) or code for code in rec.needed_for])
    sentences = []
    if rec.raises:
        raised = _list(
            [
                _(
                    "%(competence)s from level %(level)s towards your target of %(target)s",
                    competence=competences.get(r.competence) or r.competence,
                    level=r.from_level,
                    target=r.target,
                )
                for r in rec.raises
            ]
        )
        sentences.append(_("Raises %(competences)s; %(hours)s.", competences=raised, hours=hours))
        if needed:
            sentences.append(_("Needed before %(modules)s.", modules=needed))
    elif needed:
        sentences.append(_("Needed before %(modules)s; %(hours)s.", modules=needed, hours=hours))
    else:  # not made by the recommender: every module of a path raises a competence or is needed
        sentences.append(hours + ".")
    if rec.language_fallback:
        offered = _list([language_name(lang) for lang in rec.offered_in])
        if offered:
            sentences.append(_("Not available in your language; offered in %(languages)s.", languages=offered))
        else:
            sentences.append(_("Not available in your language."))
    return " ".join(sentences)
