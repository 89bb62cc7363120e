"""Learning forms. The quiz form is built from the attempt's questions by a function."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectMultipleField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from uprest.catalog.models import Question
from uprest.forms import select_choices
from uprest.learning.models import QuizAttempt

FIELD_PREFIX = "q_"


class ActionForm(FlaskForm):
    """A button with no data (enrol, mark as read, start an attempt): the CSRF token only."""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(key: str) -> str:
    return f"{FIELD_PREFIX}{key}"


def _choice_text(question: Question, lang: str, index: int) -> str:
    text = question.text_in(lang) or question.text_in("en")
    if text is None or index >= len(text.choices):
        en = question.text_in("en")
        return en.choices[index] if en is not None and index < len(en.choices) else str(index + 1)
    return text.choices[index]


def quiz_form(questions: list[Question], attempt: QuizAttempt, lang: str, **kwargs) -> FlaskForm:
    """A form with one field per question of the attempt, its choices in the attempt's order. A field's value
    is the choice's stored index, whatever its place; `attempt` says which attempt the page shows."""

    class QuizForm(FlaskForm):
        attempt = HiddenField()

    for q in questions:
        order = attempt.choice_order.get(q.key) or list(range(len(q.correct)))
        choices = [(i, _choice_text(q, lang, i)) for i in order if i < len(q.correct)]
        message = _l("Please answer this question.")
        if q.kind == "multiple":
            field = MultiCheckboxField(
                q.key, choices=select_choices(choices), coerce=int, validators=[InputRequired(message=message)]
            )
        else:
            field = RadioField(
                q.key, choices=select_choices(choices), coerce=int, validators=[InputRequired(message=message)]
            )
        setattr(QuizForm, field_name(q.key), field)
    form = QuizForm(**kwargs)
    form.attempt.data = str(attempt.number)
    return form


def answers_in(form: FlaskForm, questions: list[Question]) -> dict[str, list[int]]:
    """Question key -> chosen indices of the questions answered in the posted form."""
    out = {}
    for q in questions:
        data = getattr(form, field_name(q.key)).data
        if data is None or data == []:
            continue
        out[q.key] = list(data) if isinstance(data, list) else [data]
    return out


def is_tampered(form: FlaskForm, questions: list[Question]) -> bool:
    """A posted value that no choice of the page has (WTForms' pre-validation found it): not a learner's
    mistake but an altered or foreign request."""
    for q in questions:
        field = getattr(form, field_name(q.key))
        raw = field.raw_data or []
        allowed = {str(choice.value) for choice in field.iter_choices()}
        if any(value not in allowed for value in raw):
            return True
        if q.kind != "multiple" and len(raw) > 1:
            return True
    return False


def fill_saved(form: FlaskForm, questions: list[Question], saved: dict[str, list[int]]) -> list[str]:
    """Questions the page left unanswered take their saved answer; returns the keys still unanswered (their
    fields keep their error)."""
    missing = []
    for q in questions:
        field = getattr(form, field_name(q.key))
        if field.raw_data:
            continue
        chosen = saved.get(q.key)
        if chosen:
            field.data = chosen if q.kind == "multiple" else chosen[0]
            field.errors = []
        else:
            missing.append(q.key)
    form._errors = None  # WTForms caches the errors: count them again
    return missing
