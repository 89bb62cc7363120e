"""Explanations of recommendations: one sentence per reason in the learner's language, through Flask-Babel."""

from __future__ import annotations

import io

import flask_babel
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations
from flask_babel import force_locale

from uprest.recommendations.explain import explain, hours_text
from uprest.recommendations.recommender import recommend
from uprest.recommendations.rules import CatalogueModule, Gap, Learner, Outcome, Raise, Recommendation

COMPETENCES = {"digcomp:2.1": "2.1 Interacting through digital technologies", "greencomp:1.1": "1.1 Valuing"}
TITLES = {"data-decisions": "Data for decisions", "web-basics": "Web basics"}

# Swedish for the test, in the words a translator might choose: the messages are looked up by gettext with
# named placeholders (the Swedish word order comes from the translation) and plural forms.
SWEDISH = {
    "%(competence)s from level %(level)s towards your target of %(target)s": (
        "%(competence)s från nivå %(level)s mot ditt mål %(target)s"
    ),
    "Raises %(competences)s; %(hours)s.": "Höjer %(competences)s; %(hours)s.",
    "Needed before %(modules)s.": "Behövs före %(modules)s.",
    "Needed before %(modules)s; %(hours)s.": "Du behöver den före %(modules)s; %(hours)s.",
    "Not available in your language; offered in %(languages)s.": "Finns inte på ditt språk; finns på %(languages)s.",
    ("%(hours)s hour", "%(hours)s hours"): ("%(hours)s timme", "%(hours)s timmar"),
}


@pytest.fixture()
def swedish(app, monkeypatch):
    """Flask-Babel answers Swedish from the catalogue above (the project's .po gets these messages later)."""
    catalog = Catalog(locale="sv")
    for msgid, text in SWEDISH.items():
        catalog.add(msgid, text)
    catalog.add("%(hours)s hours", "%(hours)s timmar")  # already in the project's catalogues
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    ours = Translations(buf)
    original = flask_babel.Domain.get_translations

    def get_translations(self):
        return ours if str(flask_babel.get_locale()) == "sv" else original(self)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", get_translations)


def rec(**over) -> Recommendation:
    data = {
        "code": "web-basics",
        "raises": (Raise("digcomp:2.1", 3, 5, 5, (4, 5), 2),),
        "weighted_gap": 4,
        "hours": 6,
        "week": 2,
    }
    data.update(over)
    return Recommendation(**data)


def say(r: Recommendation, lang: str = "en") -> str:
    with force_locale(lang):
        return explain(r, competences=COMPETENCES, titles=TITLES)


def test_a_raised_competence_with_its_levels_and_hours(app):
    """The issue's example: the competence, the level it starts from, the target and the hours."""
    with app.test_request_context():
        assert say(rec()) == (
            "Raises 2.1 Interacting through digital technologies from level 3 towards your target of 5; 6 hours."
        )


def test_several_competences_prerequisite_and_other_language(app):
    """Several raised competences in one list; then who needs it; then the language it is offered in."""
    r = rec(
        raises=(Raise("digcomp:2.1", 3, 5, 5, (4, 5), 2), Raise("greencomp:1.1", 1, 2, 3, (2,), 1)),
        needed_for=("data-decisions",),
        offered_in=("en", "fi"),
        language_fallback=True,
    )
    with app.test_request_context():
        assert say(r) == (
            "Raises 2.1 Interacting through digital technologies from level 3 towards your target of 5 and "
            "1.1 Valuing from level 1 towards your target of 3; 6 hours. Needed before Data for decisions. "
            "Not available in your language; offered in English and Finnish."
        )


def test_a_prerequisite_that_closes_no_gap(app):
    """A module pulled in only as a prerequisite says what it is needed for; unknown names show their code."""
    r = rec(code="intro", raises=(), weighted_gap=0, hours=1, needed_for=("data-decisions", "new-module"))
    with app.test_request_context():
        assert say(r) == "Needed before Data for decisions and new-module; 1 hour."


def test_hours_use_plural_forms_and_decimals(app):
    """1 hour, 6 hours, 1.5 hours (the number written as the language writes it)."""
    with app.test_request_context(), force_locale("en"):
        assert [hours_text(h) for h in (1, 6, 1.5, 1000)] == ["1 hour", "6 hours", "1.5 hours", "1,000 hours"]


def test_swedish(app, swedish):
    """In Swedish: the translated sentences with their own word order, plural forms, a decimal comma, "och"
    in lists and language names as Swedish writes them in a sentence."""
    r = rec(
        raises=(Raise("digcomp:2.1", 3, 5, 5, (4, 5), 2), Raise("greencomp:1.1", 1, 2, 3, (2,), 1)),
        hours=1,
        needed_for=("data-decisions",),
        offered_in=("en", "fi"),
        language_fallback=True,
    )
    with app.test_request_context():
        assert say(r, "sv") == (
            "Höjer 2.1 Interacting through digital technologies från nivå 3 mot ditt mål 5 och "
            "1.1 Valuing från nivå 1 mot ditt mål 3; 1 timme. Behövs före Data for decisions. "
            "Finns inte på ditt språk; finns på engelska och finska."
        )
        needed = rec(code="intro", raises=(), weighted_gap=0, hours=1.5, needed_for=("web-basics",))
        assert say(needed, "sv") == "Du behöver den före Web basics; 1,5 timmar."
        assert say(rec(), "sv").endswith("; 6 timmar.")
        assert say(rec(), "en").endswith("; 6 hours.")  # the same request, back in English


def test_explains_what_the_recommender_returns(app):
    """End to end: each module of a path gets its sentence (prerequisite first, then what needs it)."""
    catalogue = [
        CatalogueModule("intro", {"en": "Intro"}, 2, ("en",)),
        CatalogueModule("web-basics", {"en": "Web basics"}, 6, ("en",), ("intro",), (Outcome("digcomp:2.1", 2, 5),)),
    ]
    path = recommend(Learner((Gap("digcomp:2.1", 3, 5),), languages=("en",)), catalogue)
    titles = {m.code: m.title["en"] for m in catalogue}
    with app.test_request_context(), force_locale("en"):
        sentences = [explain(r, competences=COMPETENCES, titles=titles) for r in path.items]
    assert sentences == [
        "Needed before Web basics; 2 hours.",
        "Raises 2.1 Interacting through digital technologies from level 3 towards your target of 5; 6 hours.",
    ]
