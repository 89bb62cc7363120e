"""Assessment forms. The questionnaire form is built from the page's items by a function."""

from __future__ import annotations

import random

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, Optional

from uprest.accounts.forms import subsector_choices
from uprest.assessments.services import Page
from uprest.forms import select_choices
from uprest.frameworks.forms import job_role_labels
from uprest.i18n import pick

ITEM_PREFIX = "item_"

# The Europass-style self-rating scale, the same for every statement.
SCALE = [
    (1, _l("I don't know how")),
    (2, _l("I can do it with help")),
    (3, _l("I can do it on my own")),
    (4, _l("I can do it confidently")),
    (5, _l("I can do it and guide others")),
]

ACTIONS = ("next", "prev", "leave")


def role_choices(*, legacy: bool = False):
    """The job roles to choose from when starting an assessment (without the old catch-all "staff", which
    only older results name; `legacy=True` includes it, for labels)."""
    return [(code, label) for code, label in job_role_labels().items() if legacy or code != "staff"]


def template_labels() -> dict:
    """Template helpers that turn stored codes into translated labels (pages and PDFs)."""
    subsectors, roles = dict(subsector_choices()), dict(role_choices(legacy=True))
    return {
        "subsector_label": lambda value: subsectors.get(value, value),
        "job_role_label": lambda value: roles.get(value, value),
    }


class StartForm(FlaskForm):
    subsector = SelectField(
        _l("Your sub-sector"), validators=[InputRequired(message=_l("Please choose your sub-sector."))]
    )
    job_role = RadioField(_l("Your role"), validators=[InputRequired(message=_l("Please choose your role."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.subsector.choices = subsector_choices()
        self.job_role.choices = role_choices()


class SubmitForm(FlaskForm):
    """The final submit button (a CSRF token only)."""


def field_name(item_id: int) -> str:
    return f"{ITEM_PREFIX}{item_id}"


def choice_order(run_id: int, item) -> list[int]:
    """The order in which a knowledge question's choices are shown in a run: shuffled, the same on every
    visit of the run (the answer is stored as the choice's own index, whatever its place)."""
    order = list(range(len(item.choices)))
    random.Random(f"{run_id}:{item.id}").shuffle(order)
    return order


def page_form(page: Page, *, formdata=None, answers: dict[int, int] | None = None) -> FlaskForm:
    """A form with one radio group per item of the page: the 1–5 scale for statements, the choices
    (by index) for knowledge questions. Every answer is optional on a page; submit checks completeness."""

    class PageForm(FlaskForm):
        action = StringField(validators=[AnyOf(ACTIONS)], default="next")

    for pc in page.competences:
        for item in pc.statements:
            setattr(
                PageForm,
                field_name(item.id),
                RadioField(pick(item.text), choices=select_choices(SCALE), coerce=int, validators=[Optional()]),
            )
        for item in pc.knowledge:
            choices = [(i, pick(item.choices[i].get("text"))) for i in choice_order(pc.target.run_id, item)]
            setattr(
                PageForm,
                field_name(item.id),
                RadioField(pick(item.text), choices=select_choices(choices), coerce=int, validators=[Optional()]),
            )
    form = PageForm(formdata=formdata) if formdata is not None else PageForm()
    if formdata is None and answers:
        for item in page.items:
            if item.id in answers:
                form[field_name(item.id)].data = answers[item.id]
    return form


def posted_answers(form: FlaskForm, page: Page) -> dict[int, int]:
    return {
        item.id: form[field_name(item.id)].data for item in page.items if form[field_name(item.id)].data is not None
    }


def unknown_item_fields(formdata, form: FlaskForm) -> list[str]:
    """Posted item fields that are not on this page (tampered or stale posts)."""
    return [k for k in formdata if k.startswith(ITEM_PREFIX) and k not in form]
