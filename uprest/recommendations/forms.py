"""Learning plan forms: the weekly time budget, and the module a button adds or removes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, Length, NumberRange

from uprest.recommendations.services import MAX_WEEKLY_HOURS, MIN_WEEKLY_HOURS


class BudgetForm(FlaskForm):
    weekly_hours = IntegerField(
        _l("Hours a week"),
        validators=[
            InputRequired(message=_l("Please enter the hours you can spend a week.")),
            NumberRange(
                MIN_WEEKLY_HOURS,
                MAX_WEEKLY_HOURS,
                message=_l("Please enter a whole number of hours from %(min)s to %(max)s."),
            ),
        ],
    )


class ModuleForm(FlaskForm):
    """A button on a module of the plan or the path (remove it, add it)."""

    code = HiddenField(validators=[InputRequired(), Length(max=60)])


class ActionForm(FlaskForm):
    """A button with no data (accept the path, rebuild the plan): the CSRF token only."""
