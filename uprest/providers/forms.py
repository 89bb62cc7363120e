"""The administrators' form of a provider record."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from uprest.config import LANGUAGES
from uprest.forms import select_choices
from uprest.i18n import get_locale
from uprest.providers import rules, services


def kind_labels() -> dict:
    return {
        "adult_education": _l("Adult education"),
        "university": _l("University"),
        "tourism_board": _l("Tourism board"),
        "municipality": _l("Municipality"),
        "business_association": _l("Business association"),
        "consortium": _l("Consortium"),
        "other": _l("Other organisation"),
    }


class ProviderForm(FlaskForm):
    """A provider. The short name is given once, when the provider is added: it is part of the addresses
    of its page and of its issuer profile, which certificates already issued point to."""

    slug = StringField(
        _l("Short name"),
        validators=[DataRequired(message=_l("Please enter a short name.")), Length(max=rules.SLUG_MAX)],
    )
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Please enter a name.")), Length(max=200)])
    kind = SelectField(_l("Kind of organisation"))
    country = SelectField(_l("Country"), validate_choice=False)
    region = StringField(_l("Region"), validators=[Length(max=120)])
    website = StringField(_l("Website"), validators=[Length(max=rules.WEBSITE_MAX)], render_kw={"type": "url"})
    email = EmailField(
        _l("E-mail address"),
        validators=[Optional(), Length(max=254), Email(message=_l("Please enter a valid e-mail address."))],
    )
    is_active = BooleanField(_l("Active"), default=True)

    #: The provider being edited (None: a new one, whose short name is checked against the others).
    provider = None

    def __init__(self, *args, provider=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.provider = provider
        if provider is not None:
            del self.slug  # given once, when the provider is added
        self.kind.choices = select_choices(kind_labels().items())
        blank = ("", _l("— Choose a country —"))
        self.country.choices = select_choices([blank, *rules.country_choices(str(get_locale() or "en"))])
        for code in LANGUAGES:
            self[f"description_{code}"].label.text = LANGUAGES[code]

    def validate_slug(self, field) -> None:
        if rules.slug_problem(field.data or ""):
            raise ValidationError(_("Use lower-case letters, digits and hyphens only."))
        if services.by_slug(field.data) is not None:  # a courtesy: the unique constraint decides
            raise ValidationError(str(services.slug_taken(field.data)))

    def validate_country(self, field) -> None:
        if rules.country_problem(field.data or ""):
            raise ValidationError(_("Please choose a country from the list."))

    def validate_website(self, field) -> None:
        field.data = (field.data or "").strip()
        if rules.website_problem(field.data):
            raise ValidationError(_("Enter a web address that starts with https:// or http://."))

    def description_data(self) -> dict[str, str]:
        return {code: self[f"description_{code}"].data or "" for code in LANGUAGES}

    def values(self) -> dict:
        """The fields for services.create/update (the short name apart)."""
        return {
            "name": self.name.data,
            "kind": self.kind.data,
            "country": self.country.data,
            "region": self.region.data or "",
            "website": self.website.data or "",
            "email": self.email.data or "",
            "description": self.description_data(),
            "is_active": bool(self.is_active.data),
        }


# One description per language, labelled with the language's own name (the page marks each with its lang).
for _code in LANGUAGES:
    setattr(
        ProviderForm,
        f"description_{_code}",
        TextAreaField(_l("Description"), validators=[Length(max=4000)], render_kw={"rows": 3, "lang": _code}),
    )


def provider_form(provider=None, formdata=None) -> ProviderForm:
    """The form of a new provider (None) or of `provider`, filled from it on GET."""
    if provider is None or formdata is not None:
        return ProviderForm(formdata=formdata, provider=provider)
    data = {
        "name": provider.name,
        "kind": provider.kind,
        "country": provider.country,
        "region": provider.region,
        "website": provider.website,
        "email": provider.email,
        "is_active": provider.is_active,
        **{f"description_{code}": (provider.description or {}).get(code, "") for code in LANGUAGES},
    }
    return ProviderForm(formdata=None, data=data, provider=provider)
