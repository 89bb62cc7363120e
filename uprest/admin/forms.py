"""Administration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from uprest.accounts.forms import coerce_optional_int, municipality_choices
from uprest.accounts.models import Role


def role_choices():
    labels = {
        Role.LEARNER: _l("Learner"),
        Role.TRAINER: _l("Trainer"),
        Role.STAFF: _l("Municipality staff"),
        Role.ADMIN: _l("Administrator"),
    }
    return [(k.value, v) for k, v in labels.items()]


class UserAdminForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[InputRequired()])
    municipality_id = SelectField(_l("Municipality"), coerce=coerce_optional_int, validators=[Optional()])
    is_active = BooleanField(_l("Account active"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()
        self.municipality_id.choices = municipality_choices()


class MunicipalityForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(message=_l("Please enter a code.")),
            Length(max=40),
            Regexp(r"^[a-z0-9-]+$", message=_l("Use lower-case letters, digits and hyphens only.")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Please enter a name.")), Length(max=120)])
    country = SelectField(_l("Country"), validators=[InputRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [
            ("SE", _l("Sweden")),
            ("IT", _l("Italy")),
            ("FI", _l("Finland")),
            ("HR", _l("Croatia")),
            ("EU", _l("Other EU country")),
        ]


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search by name or e-mail"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [("", _l("All roles"))] + role_choices()
