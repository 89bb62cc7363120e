"""Target-profile edit form, built from data: the profile's targets and the current competences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField
from wtforms.validators import InputRequired, Optional

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3
    SelectChoice = None

from uprest.frameworks import services as fw_services
from uprest.frameworks.loader import target_problems
from uprest.frameworks.services import TargetRow
from uprest.i18n import pick

MAX_TARGETS = 200


def importance_choices():
    return [(3, _l("3 – essential")), (2, _l("2 – important")), (1, _l("1 – useful"))]


def job_role_labels() -> dict:
    """Every job role of the target profiles (loader.JOB_ROLES), translated; "staff" is the one role of staff
    before roles per sub-sector, still named in older results."""
    return {
        "owner": _l("Owner or manager"),
        "reception": _l("Front office and reception"),
        "housekeeping": _l("Housekeeping"),
        "kitchen": _l("Kitchen and service"),
        "guide": _l("Guide or activity leader"),
        "marketing": _l("Marketing and sales"),
        "staff": _l("Staff"),
    }


@dataclass(frozen=True)
class CompetenceOption:
    key: str
    label: str  # "1.1 Browsing, searching and filtering data"
    group: str  # the framework's name
    scale_max: int


def competence_options() -> list[CompetenceOption]:
    """The current competences as form options (label in the user's language, grouped by framework)."""
    scales = fw_services.competence_scales()
    return [
        CompetenceOption(
            key=c.key,
            label=f"{c.code} {pick(c.name)}",
            group=pick(c.framework.name),
            scale_max=scales.get(c.key, 1),
        )
        for c in fw_services.current_competences()
        if c.key in scales
    ]


class TargetRowForm(Form):
    competence_key = HiddenField(validators=[InputRequired(message=_l("The competence is missing."))])
    min_level = IntegerField(
        _l("Minimum level"), validators=[InputRequired(message=_l("Please enter a minimum level."))]
    )
    max_level = IntegerField(_l("Maximum level"), validators=[Optional()])
    importance = SelectField(_l("Importance"), coerce=int, choices=importance_choices, validate_choice=True)
    remove = BooleanField(_l("Remove"))


class ProfileTargetsForm(FlaskForm):
    targets = FieldList(FormField(TargetRowForm), max_entries=MAX_TARGETS)
    add_competence = SelectField(_l("Add a competence"), validators=[Optional()])
    add_min = IntegerField(_l("Minimum level"), validators=[Optional()])
    add_max = IntegerField(_l("Maximum level"), validators=[Optional()])
    add_importance = SelectField(_l("Importance"), coerce=int, choices=importance_choices, default=2)
    loaded_at = HiddenField()

    options: dict[str, CompetenceOption]

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        seen: set[str] = set()
        for entry in self.targets:
            row = entry.form
            key = row.competence_key.data
            if row.remove.data and key and key not in seen:
                # A removed row needs no valid values: this also lets a retired competence go.
                for sub in row:
                    sub.errors = []
                seen.add(key)
                continue
            option = self.options.get(key or "")
            if key and option is None:
                row.competence_key.errors.append(_("Unknown competence: %(key)s.", key=key))
            elif key in seen:
                row.competence_key.errors.append(_("%(key)s is listed twice.", key=key))
            elif key:
                seen.add(key)
                if not row.min_level.errors and not row.max_level.errors:
                    _check_levels(row.min_level, row.max_level, option)
        self._validate_addition(seen)
        # FieldList keeps a snapshot of its entries' errors: refresh it with the changes above.
        row_errors = [e.errors for e in self.targets.entries]
        self.targets.errors = row_errors if any(row_errors) else []
        return not self.errors

    def _validate_addition(self, present: set[str]) -> None:
        key = self.add_competence.data
        if not key:
            if self.add_min.data is not None or self.add_max.data is not None:
                self.add_competence.errors.append(_("Please choose the competence to add."))
            return
        option = self.options.get(key)
        if option is None:  # the select has already said "Not a valid choice"
            return
        if key in present:
            self.add_competence.errors.append(_("This competence is already in the profile."))
        elif self.add_min.data is None and not self.add_min.errors:
            self.add_min.errors.append(_("Please enter a minimum level."))
        elif not self.add_min.errors and not self.add_max.errors:
            _check_levels(self.add_min, self.add_max, option)

    def rows(self) -> list[TargetRow]:
        """The targets after this edit: the kept rows (not removed) plus the added one."""
        rows = [
            TargetRow(
                e.form.competence_key.data,
                e.form.min_level.data,
                e.form.max_level.data,
                e.form.importance.data,
            )
            for e in self.targets
            if not e.form.remove.data
        ]
        if self.add_competence.data:
            rows.append(
                TargetRow(
                    self.add_competence.data,
                    self.add_min.data,
                    self.add_max.data,
                    self.add_importance.data,
                )
            )
        return rows


def _check_levels(min_field, max_field, option: CompetenceOption) -> None:
    problems = target_problems(min_field.data, max_field.data, 2, option.scale_max)
    if "min_range" in problems:
        min_field.errors.append(_("The minimum level must be between 1 and %(max)d.", max=option.scale_max))
    if "max_range" in problems:
        max_field.errors.append(_("The maximum level must be between 1 and %(max)d.", max=option.scale_max))
    if "max_order" in problems:
        max_field.errors.append(_("The maximum level must not be lower than the minimum level."))


def profile_targets_form(profile, options: list[CompetenceOption], formdata=None) -> ProfileTargetsForm:
    """The edit form of a profile (None: not created yet); the select offers competences not in it."""
    by_key = {o.key: o for o in options}
    if formdata is None:
        data = {
            "targets": [
                {
                    "competence_key": t.competence_key,
                    "min_level": t.min_level,
                    "max_level": t.max_level,
                    "importance": t.importance,
                }
                for t in (profile.targets if profile else [])
            ],
            "loaded_at": profile_version(profile),
        }
        form = ProfileTargetsForm(formdata=None, data=data)
    else:
        form = ProfileTargetsForm(formdata=formdata)
    form.options = by_key
    present = {e.form.competence_key.data for e in form.targets} if formdata is None else set()
    form.add_competence.choices = competence_choices([o for o in options if o.key not in present])
    return form


def competence_choices(options: list[CompetenceOption]) -> list:
    """A blank first choice, then the competences grouped by framework (<optgroup>)."""
    blank = _l("— Choose a competence —")
    if SelectChoice is None:  # WTForms < 3.3
        return [("", blank)] + [(o.key, o.label) for o in options]
    return [SelectChoice("", blank)] + [SelectChoice(o.key, o.label, optgroup=o.group) for o in options]


def profile_version(profile) -> str:
    """What the edit form remembers to notice that someone else saved meanwhile."""
    if profile is None or profile.updated_at is None:
        return ""
    return profile.updated_at.astimezone(UTC).isoformat()
