"""The filters of the skills-gap map (GET, no CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, ValidationError
from wtforms.validators import Optional

from uprest.accounts import territories
from uprest.accounts.forms import size_choices, subsector_choices
from uprest.frameworks.forms import job_role_labels
from uprest.reports.services import SPLITS, MapFilters, quarter_bounds

#: The error of two filters at once (a column of one split only).
ONE_FILTER = _l("Choose one of sub-sector, business size and role.")


class MapFilterForm(FlaskForm):
    class Meta:
        csrf = False

    territory = SelectField(_l("Territory"), validators=[Optional()], validate_choice=False)
    subsector = SelectField(_l("Sub-sector"), validators=[Optional()], validate_choice=False)
    size = SelectField(_l("Business size"), validators=[Optional()], validate_choice=False)
    role = SelectField(_l("Role"), validators=[Optional()], validate_choice=False)
    split = SelectField(_l("Columns"), validators=[Optional()], validate_choice=False)
    period = StringField(_l("Quarter"), validators=[Optional()], render_kw={"placeholder": "2026Q4", "size": 8})

    def validate_territory(self, field):
        found = territories.by_code(field.data)
        if found is None or found.code not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Please choose a territory from the list."))
        field.data = found.code

    def validate_subsector(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Please choose a sub-sector from the list."))

    def validate_size(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Please choose a business size from the list."))
        if field.data and self.subsector.data:
            raise ValidationError(ONE_FILTER)

    def validate_role(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Please choose a role from the list."))
        if field.data and (self.subsector.data or self.size.data):
            raise ValidationError(ONE_FILTER)

    def validate_split(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Please choose how to split the columns from the list."))

    def map_filters(self) -> dict:
        """The period and the filters as keyword arguments of `services.skills_gap_map` (after `validate`)."""
        filters = MapFilters(
            subsector=self.subsector.data or None,
            size=self.size.data or None,
            role=self.role.data or None,
            split=self.split.data or None,
        )
        return {"period": self.period.data or None, "filters": filters}

    def validate_period(self, field):
        try:
            quarter_bounds(field.data)
        except ValueError:
            raise ValidationError(_l("Enter a quarter as year and quarter, for example 2026Q4.")) from None


def map_filter_form(formdata, *, places: list[tuple[str, str]] | None, blank: bool = True) -> MapFilterForm:
    """The filters; `places` (code, label) are the territories to choose from (None: no choice, the staff
    member's own territory); `blank` offers "— Choose —" (administrators, who have no territory of their own)."""
    form = MapFilterForm(formdata=formdata)
    if places is None:
        del form.territory
    else:
        form.territory.choices = [("", _l("— Choose —"))] * blank + [*places]
    form.subsector.choices = [("", _l("All sub-sectors")), *subsector_choices()]
    form.size.choices = [("", _l("All business sizes")), *size_choices(), (territories.NO_BUSINESS, _l("No business"))]
    form.role.choices = [("", _l("All roles")), *job_role_labels().items()]
    labels = {"subsector": _l("By sub-sector"), "size": _l("By business size"), "role": _l("By role")}
    form.split.choices = [(split, labels[split]) for split in SPLITS]
    return form


class CompareForm(MapFilterForm):
    """The territories to compare (checkboxes), with the map's sub-sector and period filters."""

    territories = SelectMultipleField(_l("Territories"), validate_choice=False)

    def validate_territories(self, field):
        field.data = list(dict.fromkeys(code for code in field.data or () if code))  # no empty value, no repeat
        allowed = {value for value, _label in field.choices}
        if any(code not in allowed for code in field.data or ()):
            raise ValidationError(_l("Please choose territories from the list."))
        if len(field.data or ()) > self.max_territories:
            raise ValidationError(_l("Choose at most %(n)s territories.", n=self.max_territories))


def compare_form(formdata, *, places: list[tuple[str, str]], max_territories: int) -> CompareForm:
    form = CompareForm(formdata=formdata)
    del form.territory, form.size, form.role, form.split
    form.max_territories = max_territories
    form.territories.choices = places
    form.subsector.choices = [("", _l("All sub-sectors")), *subsector_choices()]
    return form
