"""The administrators' form for LRS clients."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class LrsClientForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Please enter a name.")), Length(max=120)])


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
