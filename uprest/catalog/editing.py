"""Editing a module in the browser: its metadata, lessons and quiz questions, always in its draft.

Every function takes the module and the editing user, changes the draft (made from the published version when
there is none, see ``services.editable_version``) and flushes; the view commits. Saving a translation records
which English text it was made from, and an English change leaves its translations needing review (see
``uprest.catalog.sources``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from uprest.accounts.models import User
from uprest.catalog import catalogue, rules, sources
from uprest.catalog.awarding import set_awarding_body
from uprest.catalog.models import Lesson, LessonText, Module, ModuleOutcome, Question, QuestionText
from uprest.catalog.services import (
    ATTENDANCE_ONLINE,
    CONCURRENT,
    CatalogError,
    editable_version,
    fail,
    lesson_at,
    question_by_key,
    refresh,
)
from uprest.extensions import db, utcnow
from uprest.providers import services as provider_services


@dataclass(frozen=True)
class OutcomeRow:
    competence_key: str
    from_level: int
    to_level: int
    text: str  # in the edited language; '' keeps nothing


def update_metadata(module: Module, user: User, lang: str, data: dict, outcomes: list[OutcomeRow]) -> None:
    """Apply the metadata form (texts in `lang`; the rest is the same in every language)."""
    v = editable_version(module, user)
    if lang == "en":
        sources.keep_before_english_changes(v)
    for field in ("title", "summary", "quality_assurance"):
        texts = dict(getattr(v, field) or {})
        value = (data.get(field) or "").strip()
        if value:
            texts[lang] = value
        else:
            texts.pop(lang, None)
        setattr(v, field, texts)
    if "provider_id" in data:
        set_awarding_body(v, provider_services.by_id(data["provider_id"]))
    for field in (
        "workload_hours",
        "ects",
        "eqf_level",
        "certificate_valid_months",
        "participation",
        "assessment_type",
        "prerequisites",
        "pass_mark",
        "max_attempts",
        "shuffle",
        "required_lessons",
        "requires_attendance",
    ):
        if field in data:
            setattr(v, field, data[field])
    v.required_lessons = rules.canonical_lessons(v.required_lessons, [le.slug for le in v.lessons])
    if v.requires_attendance and v.participation == "online":
        raise CatalogError(ATTENDANCE_ONLINE)
    v.prerequisites = [c for c in v.prerequisites if c != module.code]
    cycle = catalogue.prerequisite_cycle(module.code, v.prerequisites)
    if cycle:
        raise CatalogError(_l("These prerequisites would form a cycle: %(cycle)s.", cycle=rules.cycle_text(cycle)))
    old = {o.position: o for o in v.outcomes}
    v.outcomes.clear()
    db.session.flush()
    for i, row in enumerate(outcomes, 1):
        previous = next((o for o in old.values() if o.competence_key == row.competence_key), None)
        texts = dict(previous.text) if previous is not None else {}
        if row.text.strip():
            texts[lang] = row.text.strip()
        else:
            texts.pop(lang, None)
        v.outcomes.append(
            ModuleOutcome(
                position=i,
                competence_key=row.competence_key,
                from_level=row.from_level,
                to_level=row.to_level,
                text=texts,
            )
        )
    sources.record_reviewed(
        v, lang, ["title", "summary", "quality_assurance", *(f"outcome:{o.competence_key}" for o in v.outcomes)]
    )
    module.updated_at = utcnow()
    refresh(v)


def save_lesson(
    module: Module, user: User, position: int | None, lang: str, slug: str, title: str, body: str
) -> Lesson:
    """Add a lesson (position None) or change one's slug and its text in `lang`."""
    v = editable_version(module, user)
    if lang == "en":
        sources.keep_before_english_changes(v)
    old_slug = None
    if position is None:
        lesson = Lesson(position=len(v.lessons) + 1, slug=slug)
        v.lessons.append(lesson)
    else:
        lesson = lesson_at(v, position)
        if lesson is None:
            raise CatalogError(CONCURRENT)
        old_slug, lesson.slug = lesson.slug, slug
        v.translated_from = sources.rename(v.translated_from, f"lesson:{old_slug}", f"lesson:{slug}")
    if any(le.slug == slug and le is not lesson for le in v.lessons):
        raise CatalogError(_l("Another lesson already uses the short name %(slug)s.", slug=slug))
    if v.required_lessons and old_slug in v.required_lessons:  # a renamed lesson stays required
        v.required_lessons = [slug if s == old_slug else s for s in v.required_lessons]
    text = lesson.text_in(lang)
    if text is None:
        lesson.texts.append(LessonText(lang=lang, title=title.strip(), body_md=_clean_md(body)))
    else:
        text.title, text.body_md = title.strip(), _clean_md(body)
    sources.record_reviewed(v, lang, [f"lesson:{slug}"])
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise CatalogError(CONCURRENT) from None
    module.updated_at = utcnow()
    refresh(v)
    return lesson


def _clean_md(body: str) -> str:
    return (body or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n").rstrip()


def delete_lesson(module: Module, user: User, position: int) -> None:
    v = editable_version(module, user)
    lesson = lesson_at(v, position) or fail(CONCURRENT)
    v.lessons.remove(lesson)
    if v.required_lessons is not None:  # the rule forgets the lesson (none left: every lesson)
        rest = [s for s in v.required_lessons if s != lesson.slug]
        v.required_lessons = rules.canonical_lessons(rest, [le.slug for le in v.lessons])
    db.session.flush()
    _renumber(v.lessons)
    refresh(v)


def move_lesson(module: Module, user: User, position: int, step: int) -> None:
    v = editable_version(module, user)
    lesson = lesson_at(v, position) or fail(CONCURRENT)
    other = lesson_at(v, position + step)
    if other is None:
        return
    lesson.position = -1  # out of the way of the unique (version, position) first
    db.session.flush()
    other.position = position
    db.session.flush()
    lesson.position = position + step
    db.session.flush()
    v.lessons.sort(key=lambda le: le.position)


def _renumber(items) -> None:
    items = sorted(items, key=lambda x: x.position)
    for i, item in enumerate(items):  # first out of the way of the unique constraint, then in order
        item.position = -(i + 1)
    db.session.flush()
    for i, item in enumerate(items, 1):
        item.position = i
    db.session.flush()


@dataclass(frozen=True)
class QuestionData:
    key: str
    kind: str
    text: str
    choices: list[str]
    correct: list[bool]  # ignored unless lang is English
    feedback: str


def save_question(module: Module, user: User, old_key: str | None, lang: str, data: QuestionData) -> Question:
    """Add or change a question. Kind and correct answers are set in English; translations: text."""
    v = editable_version(module, user)
    if lang == "en":
        sources.keep_before_english_changes(v)
    if old_key is None:
        if lang != "en":
            raise CatalogError(_l("Add new questions in English first."))
        if question_by_key(v, data.key) is not None:
            raise CatalogError(_l("Another question already uses the id %(key)s.", key=data.key))
        q = Question(position=len(v.questions) + 1, key=data.key, kind=data.kind, correct=list(data.correct))
        v.questions.append(q)
    else:
        q = question_by_key(v, old_key) or fail(CONCURRENT)
        if lang == "en":
            if data.key != q.key and question_by_key(v, data.key) is not None:
                raise CatalogError(_l("Another question already uses the id %(key)s.", key=data.key))
            v.translated_from = sources.rename(v.translated_from, f"quiz:{q.key}", f"quiz:{data.key}")
            q.key, q.kind, q.correct = data.key, data.kind, list(data.correct)
            for t in q.texts:  # translations with another number of choices no longer fit
                if t.lang != "en" and len(t.choices) != len(q.correct):
                    t.choices = (list(t.choices) + [""] * len(q.correct))[: len(q.correct)]
        elif len(data.choices) != len(q.correct):
            raise CatalogError(_l("Translate every choice of the English question."))
    problems = rules.choice_problems(q.kind, list(q.correct))
    if problems:
        raise CatalogError(CHOICE_MESSAGES[problems[0]])
    text = q.text_in(lang)
    if text is None:
        q.texts.append(QuestionText(lang=lang, text=data.text, choices=list(data.choices), feedback=data.feedback))
    else:
        text.text, text.choices, text.feedback = data.text, list(data.choices), data.feedback
    sources.record_reviewed(v, lang, [f"quiz:{q.key}"])
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise CatalogError(CONCURRENT) from None
    refresh(v)
    return q


CHOICE_MESSAGES = {
    "kind": _l("Choose the kind of question."),
    "few": _l("Give at least two choices."),
    "many": _l("Give at most %(max)d choices.", max=rules.MAX_CHOICES),
    "truefalse_two": _l("A true/false question has exactly two choices: true, then false."),
    "one_correct": _l("Mark exactly one choice as correct."),
    "some_correct": _l("Mark at least one choice as correct."),
}


def delete_question(module: Module, user: User, key: str) -> None:
    v = editable_version(module, user)
    q = question_by_key(v, key) or fail(CONCURRENT)
    v.questions.remove(q)
    db.session.flush()
    _renumber(v.questions)
    refresh(v)
