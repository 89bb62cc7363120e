"""Account forms. Labels are lazy so they are translated at render time."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional

from uprest.accounts import territories
from uprest.accounts.models import OrgSize, Subsector, TerritoryKind

PASSWORD_MIN = 8
PASSWORD_MAX = 128


def password_field(label):
    return PasswordField(
        label,
        validators=[
            InputRequired(message=_l("Please enter a password.")),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=_l(
                    "The password must be between %(min)d and %(max)d characters long.",
                    min=PASSWORD_MIN,
                    max=PASSWORD_MAX,
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password", "maxlength": PASSWORD_MAX},
    )


def email_field():
    return EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(message=_l("Please enter your e-mail address.")),
            Length(max=254, message=_l("The e-mail address is too long.")),
            Email(message=_l("Please enter a valid e-mail address."), check_deliverability=False, allow_smtputf8=True),
        ],
        render_kw={"autocomplete": "email"},
    )


def name_field():
    return StringField(
        _l("Full name"),
        validators=[
            DataRequired(message=_l("Please enter your name.")),
            Length(max=120, message=_l("The name may be at most %(max)d characters long.", max=120)),
        ],
        render_kw={"autocomplete": "name"},
    )


def locale_choices():
    return list(current_app.config["LANGUAGES"].items())


PLACE_KINDS = (TerritoryKind.REGION.value, TerritoryKind.MUNICIPALITY.value)


def municipality_choices(blank: bool = True):
    """The places a person, a business or a venue can be in: the municipalities, and the regions for those who do
    not say which municipality (each under its region, in the tree's order)."""
    choices = [(str(i), label) for i, label in territories.choices(kinds=PLACE_KINDS, blank=False)]
    return ([("", _l("— None / other —"))] + choices) if blank else choices


def territory_choices(blank: bool = True):
    """Every territory (what municipality staff can be bound to)."""
    kinds = tuple(kind.value for kind in TerritoryKind)
    choices = [(str(i), label) for i, label in territories.choices(kinds=kinds, blank=False)]
    return ([("", _l("— None —"))] + choices) if blank else choices


def subsector_choices():
    labels = {
        Subsector.ACCOMMODATION: _l("Accommodation"),
        Subsector.FOOD_BEVERAGE: _l("Food and beverage"),
        Subsector.TOUR_OPERATOR: _l("Tour operator or travel agent"),
        Subsector.ATTRACTION: _l("Visitor attraction"),
        Subsector.DESTINATION: _l("Destination management"),
        Subsector.TRANSPORT: _l("Visitor transport and rentals"),
        Subsector.BEACH: _l("Beach and bathing establishment"),
        Subsector.EVENTS: _l("Events and conferences"),
    }
    return [(k.value, v) for k, v in labels.items()]


def size_choices():
    labels = {
        OrgSize.SOLO: _l("Just me"),
        OrgSize.MICRO: _l("2–9 people"),
        OrgSize.SMALL: _l("10–49 people"),
        OrgSize.MEDIUM: _l("50–249 people"),
        OrgSize.LARGE: _l("250 people or more"),
    }
    return [(k.value, v) for k, v in labels.items()]


def coerce_optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class TerritoryMixin:
    def fill_municipalities(self, blank=True):
        self.territory_id.choices = municipality_choices(blank)


class RegisterForm(FlaskForm, TerritoryMixin):
    name = name_field()
    email = email_field()
    password = password_field(_l("Password"))
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            InputRequired(message=_l("Please repeat the password.")),
            EqualTo("password", message=_l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    locale = SelectField(_l("Preferred language"), validators=[InputRequired()])
    territory_id = SelectField(_l("Municipality"), coerce=coerce_optional_int, validators=[Optional()])
    accept_privacy = BooleanField(
        _l("I have read the privacy notice and accept that my data is processed as it describes."),
        validators=[DataRequired(message=_l("You must accept the privacy notice to create an account."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = locale_choices()
        self.fill_municipalities()


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Please enter your password.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class ProfileForm(FlaskForm, TerritoryMixin):
    name = name_field()
    locale = SelectField(_l("Preferred language"), validators=[InputRequired()])
    territory_id = SelectField(_l("Municipality"), coerce=coerce_optional_int, validators=[Optional()])

    def __init__(self, *args, municipality_fixed: bool = False, **kwargs):
        """`municipality_fixed`: the user may not change the municipality (staff, bound by an administrator);
        the form then has no such field and a posted value is ignored."""
        super().__init__(*args, **kwargs)
        self.locale.choices = locale_choices()
        if municipality_fixed:
            del self.territory_id
        else:
            self.fill_municipalities()


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Please enter your current password.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    password = password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(message=_l("Please repeat the password.")),
            EqualTo("password", message=_l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(message=_l("Please repeat the password.")),
            EqualTo("password", message=_l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Language"), validators=[InputRequired()])
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lang.choices = locale_choices()


class OrganisationForm(FlaskForm, TerritoryMixin):
    name = StringField(
        _l("Name of the business"),
        validators=[
            DataRequired(message=_l("Please enter the name of the business.")),
            Length(max=160, message=_l("The name may be at most %(max)d characters long.", max=160)),
        ],
    )
    subsector = SelectField(_l("Sub-sector"), validators=[InputRequired()])
    size = SelectField(_l("Size"), validators=[InputRequired()])
    territory_id = SelectField(
        _l("Municipality"),
        coerce=coerce_optional_int,
        validators=[InputRequired(message=_l("Please choose a municipality."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.subsector.choices = subsector_choices()
        self.size.choices = size_choices()
        self.fill_municipalities(blank=False)


class InvitationForm(FlaskForm):
    email = EmailField(
        _l("E-mail address of the person (optional)"),
        validators=[
            Optional(),
            Length(max=254),
            Email(message=_l("Please enter a valid e-mail address."), check_deliverability=False),
        ],
    )


class SharingForm(FlaskForm):
    share = BooleanField(_l("Share my assessment results with the owner of my business"))


class ConfirmForm(FlaskForm):
    """An empty form: a button that needs a CSRF token."""


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(message=_l("Please enter your password.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("I understand that my account and my results are deleted and cannot be restored."),
        validators=[DataRequired(message=_l("Please confirm that you want to delete your account."))],
    )
