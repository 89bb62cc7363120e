"""Catalogue filters and authoring forms.

Forms built from data (outcomes, quiz choices) are made by functions.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3
    SelectChoice = None

from uprest.catalog import catalogue, rules
from uprest.catalog.editing import OutcomeRow, QuestionData
from uprest.forms import LocalFloatField
from uprest.frameworks.forms import CompetenceOption
from uprest.providers import services as provider_services


def participation_labels() -> dict:
    return {"online": _l("Online"), "blended": _l("Blended"), "on-site": _l("On site")}


def assessment_labels() -> dict:
    return {
        "quiz": _l("Quiz"),
        "assignment": _l("Assignment"),
        "quiz_and_assignment": _l("Quiz and assignment"),
    }


def kind_labels() -> dict:
    return {
        "single": _l("One correct answer"),
        "multiple": _l("Several correct answers"),
        "truefalse": _l("True or false"),
    }


def workload_labels() -> dict:
    return {
        "short": _l("Up to 4 hours"),
        "medium": _l("4 to 10 hours"),
        "long": _l("More than 10 hours"),
    }


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def eqf_choices(blank):
    return [("", blank)] + [(str(n), str(n)) for n in range(1, 9)]


# --- the catalogue (GET, no CSRF) -----------------------------------------------------------


class CatalogueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)], render_kw={"type": "search"})
    competence = SelectField(_l("Competence"), validators=[Optional()], validate_choice=True)
    lang = SelectField(_l("Language"), validators=[Optional()])
    eqf = SelectField(_l("EQF level"), validators=[Optional()], coerce=_optional_int)
    workload = SelectField(_l("Workload"), validators=[Optional()])
    participation = SelectField(_l("Participation"), validators=[Optional()])


def catalogue_filter_form(formdata, competence_groups, languages: dict) -> CatalogueFilterForm:
    """competence_groups: [(framework name, [(value, label), ...])], areas and competences."""
    form = CatalogueFilterForm(formdata=formdata)
    any_ = _l("Any")
    if SelectChoice is None:
        form.competence.choices = [("", any_)] + [c for _g, items in competence_groups for c in items]
    else:
        form.competence.choices = [SelectChoice("", any_)] + [
            SelectChoice(value, label, optgroup=group) for group, items in competence_groups for value, label in items
        ]
    form.lang.choices = [("", any_)] + list(languages.items())
    form.eqf.choices = eqf_choices(any_)
    form.workload.choices = [("", any_)] + list(workload_labels().items())
    form.participation.choices = [("", any_)] + list(participation_labels().items())
    return form


# --- authoring ------------------------------------------------------------------------------


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class CreateModuleForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(message=_l("Please enter a code.")),
            Regexp(
                rules.MODULE_CODE_RE,
                message=_l("Use 2 to 60 lower-case letters, digits and hyphens, e.g. green-marketing."),
            ),
        ],
    )
    title = StringField(
        _l("Title in English"),
        validators=[
            DataRequired(message=_l("Please enter a title.")),
            Length(max=200, message=_l("The title may be at most %(max)d characters long.", max=200)),
        ],
    )


class ShareForm(FlaskForm):
    email = EmailField(
        _l("E-mail address of a trainer"),
        validators=[
            DataRequired(message=_l("Please enter an e-mail address.")),
            Email(message=_l("Please enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )


class ImageForm(FlaskForm):
    image = FileField(
        _l("Image (PNG, JPEG, GIF or WebP, at most 2 MB)"),
        validators=[FileRequired(message=_l("Please choose an image file."))],
    )


class LessonForm(FlaskForm):
    slug = StringField(
        _l("Short name (used in the file name)"),
        validators=[
            DataRequired(message=_l("Please enter a short name.")),
            Regexp(rules.SLUG_RE, message=_l("Use lower-case letters, digits and hyphens.")),
        ],
    )
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("Please enter a title.")),
            Length(max=200, message=_l("The title may be at most %(max)d characters long.", max=200)),
        ],
    )
    body = TextAreaField(
        _l("Text (Markdown)"),
        validators=[
            DataRequired(message=_l("Please write the lesson.")),
            Length(max=200_000, message=_l("The text is too long.")),
        ],
        render_kw={"rows": 20},
    )


# --- metadata (built from data) --------------------------------------------------------------


class OutcomeRowForm(Form):
    competence_key = HiddenField(validators=[InputRequired(message=_l("The competence is missing."))])
    from_level = IntegerField(_l("From level"), validators=[InputRequired(message=_l("Please enter a level."))])
    to_level = IntegerField(_l("To level"), validators=[InputRequired(message=_l("Please enter a level."))])
    text = TextAreaField(_l("Outcome"), validators=[Length(max=1000)], render_kw={"rows": 2})
    remove = BooleanField(_l("Remove"))


class MetadataForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[Length(max=200, message=_l("The title may be at most %(max)d characters long.", max=200))],
    )
    summary = TextAreaField(_l("Summary (2 to 4 sentences)"), validators=[Length(max=4000)], render_kw={"rows": 4})
    quality_assurance = TextAreaField(_l("Quality assurance"), validators=[Length(max=4000)], render_kw={"rows": 3})
    provider_id = SelectField(_l("Awarding body"), coerce=_optional_int, validators=[Optional()])
    workload_hours = LocalFloatField(
        _l("Workload in hours"),
        validators=[
            InputRequired(message=_l("Please enter the workload.")),
            NumberRange(min=0.25, max=1000, message=_l("Enter a number of hours between 0.25 and 1000.")),
        ],
    )
    ects = LocalFloatField(
        _l("ECTS credits"),
        validators=[
            Optional(),
            NumberRange(min=0.01, max=60, message=_l("Enter ECTS credits between 0.01 and 60.")),
        ],
    )
    eqf_level = SelectField(_l("EQF level"), coerce=_optional_int, validators=[Optional()])
    certificate_valid_months = IntegerField(
        _l("Certificate valid for (months)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=240, message=_l("Enter a number of months between 1 and 240.")),
        ],
        description=_l("Leave empty when the certificate does not expire."),
    )
    participation = SelectField(_l("Participation"))
    assessment_type = SelectField(_l("Type of assessment"))
    prerequisites = SelectMultipleField(_l("Prerequisites"), validators=[Optional()])
    pass_mark = IntegerField(
        _l("Pass mark (percent)"),
        validators=[
            InputRequired(message=_l("Please enter the pass mark.")),
            NumberRange(min=0, max=100, message=_l("Enter a percentage between 0 and 100.")),
        ],
    )
    max_attempts = IntegerField(
        _l("Attempts allowed (0 = unlimited)"),
        validators=[
            InputRequired(message=_l("Please enter the number of attempts.")),
            NumberRange(min=0, max=100, message=_l("Enter a number between 0 and 100.")),
        ],
    )
    shuffle = BooleanField(_l("Shuffle questions and choices"))
    # The completion rule. completion_shown: the slugs of the lessons the form showed (absent: a form without
    # the rule, which then stays as it is); every shown lesson ticked is "every lesson" (None).
    completion_shown = HiddenField()
    required_lessons = SelectMultipleField(
        _l("Lessons that must be read"),
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    requires_attendance = BooleanField(_l("Attendance at a session is required"))
    outcomes = FieldList(FormField(OutcomeRowForm), max_entries=30)
    add_competence = SelectField(_l("Add an outcome for the competence"), validators=[Optional()])
    add_from = IntegerField(_l("From level"), validators=[Optional()])
    add_to = IntegerField(_l("To level"), validators=[Optional()])
    add_text = TextAreaField(
        _l("Outcome (start with an action verb)"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 2},
    )

    lang: str
    options: dict[str, CompetenceOption]
    existing_keys: set[str]
    module_code: str

    def validate_prerequisites(self, field) -> None:
        """No cycle: a module cannot need, through its prerequisites, itself."""
        cycle = catalogue.prerequisite_cycle(self.module_code, field.data or [])
        if cycle:
            raise ValidationError(
                _("These prerequisites would form a cycle: %(cycle)s.", cycle=rules.cycle_text(cycle))
            )

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        if self.lang == "en" and not (self.title.data or "").strip():
            self.title.errors.append(_("English is the fallback: please enter the title in English."))
        if self.completion_shown.raw_data:
            self._validate_completion()
        seen: set[str] = set()
        for entry in self.outcomes:
            row = entry.form
            key = row.competence_key.data
            if row.remove.data:
                for sub in row:
                    sub.errors = []
                continue
            if key not in self.options and key not in self.existing_keys:
                row.competence_key.errors.append(_("Unknown competence: %(key)s.", key=key))
            elif key in seen:
                row.competence_key.errors.append(_("%(key)s is listed twice.", key=key))
            else:
                seen.add(key)
                if not row.from_level.errors and not row.to_level.errors:
                    _check_levels(row.from_level, row.to_level, self._top(key))
        key = self.add_competence.data
        if key:
            if key in seen:
                self.add_competence.errors.append(_("This competence already has an outcome."))
            elif self.add_from.data is None or self.add_to.data is None:
                self.add_from.errors.append(_("Please enter both levels."))
            else:
                _check_levels(self.add_from, self.add_to, self._top(key))
        row_errors = [e.errors for e in self.outcomes.entries]
        self.outcomes.errors = row_errors if any(row_errors) else []
        return not self.errors

    def _validate_completion(self) -> None:
        slugs = [slug for slug, _label in self.required_lessons.choices]
        checked = self.required_lessons.data or []
        gone = [s for s in checked if s not in slugs]
        if gone:
            msg = _("The lesson %(slug)s no longer exists: please check the completion rule.", slug=gone[0])
            self.required_lessons.errors.append(msg)
        elif slugs and not checked:
            self.required_lessons.errors.append(_("Choose at least one lesson that must be read."))
        if self.requires_attendance.data and self.participation.data == "online":
            self.requires_attendance.errors.append(
                _("An online module has no session to attend: attendance cannot be required.")
            )

    def completion_data(self) -> dict:
        """The rule for the service; nothing when the form did not show it."""
        if not self.completion_shown.raw_data:
            return {}
        shown, checked = (self.completion_shown.data or "").split(), set(self.required_lessons.data or [])
        order = [slug for slug, _label in self.required_lessons.choices]
        every = all(s in checked for s in shown)
        return {
            "required_lessons": None if every else [s for s in order if s in checked],
            "requires_attendance": bool(self.requires_attendance.data),
        }

    def _top(self, key: str) -> int:
        option = self.options.get(key)
        return option.scale_max if option else 100

    def data_for_service(self) -> dict:
        return {
            "title": self.title.data,
            "summary": self.summary.data,
            "quality_assurance": self.quality_assurance.data,
            "provider_id": self.provider_id.data,
            "workload_hours": self.workload_hours.data,
            "ects": self.ects.data,
            "eqf_level": self.eqf_level.data,
            "certificate_valid_months": self.certificate_valid_months.data,
            "participation": self.participation.data,
            "assessment_type": self.assessment_type.data,
            "prerequisites": list(self.prerequisites.data or []),
            "pass_mark": self.pass_mark.data,
            "max_attempts": self.max_attempts.data,
            "shuffle": bool(self.shuffle.data),
            **self.completion_data(),
        }

    def outcome_rows(self) -> list[OutcomeRow]:
        rows = [
            OutcomeRow(
                e.form.competence_key.data,
                e.form.from_level.data,
                e.form.to_level.data,
                e.form.text.data or "",
            )
            for e in self.outcomes
            if not e.form.remove.data
        ]
        if self.add_competence.data:
            rows.append(
                OutcomeRow(
                    self.add_competence.data,
                    self.add_from.data,
                    self.add_to.data,
                    self.add_text.data or "",
                )
            )
        return rows


def _check_levels(lo_field, hi_field, top: int) -> None:
    lo, hi = lo_field.data, hi_field.data
    if not 0 <= lo <= top:
        lo_field.errors.append(_("The level must be between 0 and %(max)d.", max=top))
    elif not 1 <= hi <= top:
        hi_field.errors.append(_("The level must be between 1 and %(max)d.", max=top))
    elif hi <= lo:
        hi_field.errors.append(_("The level reached must be higher than the starting level."))


def _lesson_label(lesson, lang: str) -> str:
    text = lesson.text_in(lang) or lesson.text_in("en")
    return f"{lesson.position}. {text.title if text else lesson.slug}"


def metadata_form(version, lang: str, options: list[CompetenceOption], prereq_choices, formdata=None) -> MetadataForm:
    if formdata is None:
        data = {
            "title": version.title.get(lang, ""),
            "summary": (version.summary or {}).get(lang, ""),
            "quality_assurance": (version.quality_assurance or {}).get(lang, ""),
            "provider_id": version.provider_id,
            "workload_hours": version.workload_hours,
            "ects": version.ects,
            "eqf_level": version.eqf_level,
            "certificate_valid_months": version.certificate_valid_months,
            "participation": version.participation,
            "assessment_type": version.assessment_type,
            "prerequisites": list(version.prerequisites or []),
            "pass_mark": version.pass_mark,
            "max_attempts": version.max_attempts,
            "shuffle": version.shuffle,
            "completion_shown": " ".join(le.slug for le in version.lessons),
            "required_lessons": (
                [le.slug for le in version.lessons] if version.required_lessons is None else version.required_lessons
            ),
            "requires_attendance": version.requires_attendance,
            "outcomes": [
                {
                    "competence_key": o.competence_key,
                    "from_level": o.from_level,
                    "to_level": o.to_level,
                    "text": (o.text or {}).get(lang, ""),
                }
                for o in version.outcomes
            ],
        }
        form = MetadataForm(formdata=None, data=data)
    else:
        form = MetadataForm(formdata=formdata)
    form.lang = lang
    form.module_code = version.module.code
    form.options = {o.key: o for o in options}
    form.existing_keys = {o.competence_key for o in version.outcomes}
    form.eqf_level.choices = eqf_choices(_l("— None —"))
    form.provider_id.choices = provider_services.choices(_l("— None —"), include=version.provider_id)
    form.participation.choices = list(participation_labels().items())
    form.assessment_type.choices = list(assessment_labels().items())
    form.prerequisites.choices = prereq_choices
    form.required_lessons.choices = [(le.slug, _lesson_label(le, lang)) for le in version.lessons]
    blank = _l("— Choose a competence —")
    if SelectChoice is None:
        form.add_competence.choices = [("", blank)] + [(o.key, o.label) for o in options]
    else:
        form.add_competence.choices = [SelectChoice("", blank)] + [
            SelectChoice(o.key, o.label, optgroup=o.group) for o in options
        ]
    return form


# --- quiz questions (built from data) ----------------------------------------------------------


class ChoiceForm(Form):
    text = StringField(_l("Choice"), validators=[Length(max=500)])
    correct = BooleanField(_l("Correct"))


class QuestionForm(FlaskForm):
    key = StringField(
        _l("Question id"),
        validators=[
            DataRequired(message=_l("Please enter an id such as q1.")),
            Regexp(rules.QUESTION_KEY_RE, message=_l("Use letters, digits, '-' and '_' (at most 40).")),
        ],
    )
    kind = SelectField(_l("Kind of question"))
    text = TextAreaField(
        _l("Question"),
        validators=[DataRequired(message=_l("Please enter the question.")), Length(max=2000)],
        render_kw={"rows": 3},
    )
    choices = FieldList(FormField(ChoiceForm), min_entries=2, max_entries=rules.MAX_CHOICES)
    feedback = TextAreaField(
        _l("Feedback after the attempt: why the right answer is right"),
        validators=[Length(max=4000)],
        render_kw={"rows": 3},
    )

    lang: str
    fixed_count: int | None  # translations: exactly as many choices as in English

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        rows = [(e.form.text.data or "").strip() for e in self.choices]
        flags = [bool(e.form.correct.data) for e in self.choices]
        if self.fixed_count is not None:
            if len(rows) != self.fixed_count or not all(rows):
                self.choices.errors = [_("Translate every choice of the English question.")]
            return not self.errors
        for text, ok in zip(rows, flags, strict=True):
            if ok and not text:
                self.choices.errors = [_("A choice marked correct needs a text.")]
                return False
        correct = [ok for text, ok in zip(rows, flags, strict=True) if text]
        problems = rules.choice_problems(self.kind.data, correct)
        if problems:
            from uprest.catalog.editing import CHOICE_MESSAGES

            self.choices.errors = [str(CHOICE_MESSAGES[p]) for p in problems]
        return not self.errors

    def question_data(self, correct_fallback: list[bool]) -> QuestionData:
        texts = [(e.form.text.data or "").strip() for e in self.choices]
        if self.fixed_count is None:
            correct = [bool(e.form.correct.data) for e, t in zip(self.choices, texts, strict=True) if t]
            texts = [t for t in texts if t]
        else:
            correct = list(correct_fallback)
        return QuestionData(
            key=self.key.data.strip(),
            kind=self.kind.data,
            text=self.text.data.strip(),
            choices=texts,
            correct=correct,
            feedback=(self.feedback.data or "").strip(),
        )


def question_form(question, lang: str, formdata=None) -> QuestionForm:
    """The editor of a question (None: a new one) in `lang`; translations only change texts."""
    fixed = len(question.correct) if (question is not None and lang != "en") else None
    if formdata is None:
        text = question.text_in(lang) if question is not None else None
        n = fixed if fixed is not None else max(4, len(question.correct) + 1 if question else 4)
        n = min(n, rules.MAX_CHOICES)
        choices = []
        for i in range(n):
            t = text.choices[i] if text and i < len(text.choices) else ""
            ok = bool(question.correct[i]) if question and i < len(question.correct) else False
            choices.append({"text": t, "correct": ok})
        data = {
            "key": question.key if question else "",
            "kind": question.kind if question else "single",
            "text": text.text if text else "",
            "feedback": text.feedback if text else "",
            "choices": choices,
        }
        form = QuestionForm(formdata=None, data=data)
    else:
        form = QuestionForm(formdata=formdata)
        if fixed is not None:  # kind, id and correct flags come from the English question
            form.key.data = question.key
            form.kind.data = question.kind
    form.lang = lang
    form.fixed_count = fixed
    form.kind.choices = list(kind_labels().items())
    for i, entry in enumerate(form.choices, 1):
        entry.form.text.label.text = _("Choice %(n)d", n=i)
        entry.form.correct.label.text = _("Choice %(n)d is correct", n=i)
    return form
