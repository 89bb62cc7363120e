"""The filters of the skills-gap map (GET, no CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, ValidationError
from wtforms.validators import Optional

from uprest.accounts.forms import subsector_choices
from uprest.reports.services import quarter_bounds


class MapFilterForm(FlaskForm):
    class Meta:
        csrf = False

    municipality = SelectField(_l("Municipality"), validators=[Optional()], validate_choice=False)
    subsector = SelectField(_l("Sub-sector"), validators=[Optional()], validate_choice=False)
    period = StringField(_l("Quarter"), validators=[Optional()], render_kw={"placeholder": "2026Q4", "size": 8})

    def validate_municipality(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Please choose a municipality from the list."))

    def validate_subsector(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Please choose a sub-sector from the list."))

    def validate_period(self, field):
        try:
            quarter_bounds(field.data)
        except ValueError:
            raise ValidationError(_l("Enter a quarter as year and quarter, for example 2026Q4.")) from None


def map_filter_form(formdata, *, municipalities: list[tuple[str, str]] | None) -> MapFilterForm:
    """The filters; `municipalities` (code, name) for admins, who choose one; None for staff (their own)."""
    form = MapFilterForm(formdata=formdata)
    if municipalities is None:
        del form.municipality
    else:
        form.municipality.choices = [("", _l("— Choose —")), *municipalities]
    form.subsector.choices = [("", _l("All sub-sectors")), *subsector_choices()]
    return form
