"""Administration forms."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from uprest.accounts import territories
from uprest.accounts.forms import coerce_optional_int, territory_choices
from uprest.accounts.models import Role, TerritoryKind
from uprest.forms import select_choices
from uprest.i18n import language_name


def role_choices():
    labels = {
        Role.LEARNER: _l("Learner"),
        Role.TRAINER: _l("Trainer"),
        Role.STAFF: _l("Municipality staff"),
        Role.CONSORTIUM: _l("Consortium (compares territories)"),
        Role.ADMIN: _l("Administrator"),
    }
    return [(k.value, v) for k, v in labels.items()]


class UserAdminForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[InputRequired()])
    territory_id = SelectField(_l("Territory"), coerce=coerce_optional_int, validators=[Optional()])
    is_active = BooleanField(_l("Account active"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()
        self.territory_id.choices = territory_choices()


#: The countries the old municipality form offered, besides the countries in the tree.
COUNTRIES = {
    "SE": _l("Sweden"),
    "IT": _l("Italy"),
    "FI": _l("Finland"),
    "HR": _l("Croatia"),
    "EU": _l("Other EU country"),
}
NAME_LANGUAGES = ("en", "sv", "it", "fi", "hr")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


class TerritoryForm(FlaskForm):
    """A territory of the tree: its codes, kind, place in the tree and names. Build it with `territory_form`."""

    code = StringField(
        _l("Code"),
        filters=[_upper],
        validators=[DataRequired(message=_l("Please enter a code.")), Length(max=40)],
        description=_l("The official code: SE for a country, SE232 for a NUTS 3 region, SE_1487 for a municipality."),
    )
    slug = StringField(
        _l("Short name"),
        filters=[_lower],
        validators=[Length(max=60)],  # no Optional(): an empty short name is made from the name, then checked
        description=_l("Used in links and feeds, e.g. vanersborg. Left empty, it is made from the name."),
    )
    kind = SelectField(_l("Kind"), validators=[InputRequired()])
    parent_id = SelectField(_l("Lies in"), coerce=coerce_optional_int, validators=[Optional()])
    name = StringField(
        _l("National name"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Please enter a name.")), Length(max=120)],
    )
    country = SelectField(_l("Country"), validators=[InputRequired()])
    code_list = StringField(
        _l("Code list"),
        filters=[_strip],
        validators=[Optional(), Length(max=20)],
        description=_l("The official list the code comes from, with its year, e.g. LAU 2021. Empty if provisional."),
    )

    territory = None  # the territory being edited (None: a new one)

    def validate(self, extra_validators=None):
        if not self.slug.data and self.name.data:
            self.slug.data = territories.slugify(self.name.data)
        return super().validate(extra_validators)

    def validate_code(self, field):
        if not territories.CODE_RE.fullmatch(field.data):
            raise ValidationError(_("A code starts with the country's two letters, e.g. SE232 or SE_1487."))
        other = territories.by_code(field.data)
        if other is not None and other.code == field.data and other is not self.territory:
            raise ValidationError(_("A territory with this code already exists."))

    def validate_slug(self, field):
        if not field.data:
            return  # no name either: that field says so
        if not territories.SLUG_RE.fullmatch(field.data):
            raise ValidationError(_("Use lower-case letters, digits and hyphens only."))
        other = territories.by_code(field.data)
        if other is not None and other.slug == field.data and other is not self.territory:
            raise ValidationError(_("A territory with this short name already exists."))

    def names(self) -> dict[str, str]:
        return {lang: self[f"name_{lang}"].data or "" for lang in NAME_LANGUAGES}

    def values(self) -> dict:
        """The keyword arguments of `territories.save`."""
        return {
            "code": self.code.data,
            "slug": self.slug.data,
            "kind": self.kind.data,
            "parent_id": self.parent_id.data,
            "name": self.name.data,
            "names": self.names(),
            "country": self.country.data,
            "code_list": self.code_list.data or "",
        }


for _lang in NAME_LANGUAGES:
    setattr(
        TerritoryForm,
        f"name_{_lang}",
        StringField(
            _l("Name"),
            filters=[_strip],
            validators=[Optional(), Length(max=120)],
        ),
    )


def territory_form(territory=None) -> TerritoryForm:
    """The form of a new territory (None) or of `territory`, filled from it on GET; its selects offer the kinds,
    the countries and regions a territory can lie in (not itself) and the countries."""
    form = TerritoryForm(obj=territory)
    form.territory = territory
    if territory is not None and not form.is_submitted():
        for lang in NAME_LANGUAGES:
            form[f"name_{lang}"].data = (territory.names or {}).get(lang, "")
    for lang in NAME_LANGUAGES:
        form[f"name_{lang}"].label.text = _("Name in %(language)s", language=language_name(lang))
    form.kind.choices = select_choices((kind.value, label) for kind, label in territories.KIND_LABELS.items())
    if territory is None and not form.is_submitted():
        form.kind.data = TerritoryKind.MUNICIPALITY.value
    countries, parents = {}, [("", _l("— None: a country —"))]
    for node in territories.tree():
        t = node.territory
        if t.kind == TerritoryKind.COUNTRY:
            countries.setdefault(t.country, t.display_name)
        if t.kind in (TerritoryKind.COUNTRY, TerritoryKind.REGION) and t is not territory:
            label = t.display_name
            if t.kind == TerritoryKind.REGION and t.parent is not None:
                label = f"{label} ({t.parent.display_name})"
            parents.append((str(t.id), label))
    for code, label in COUNTRIES.items():
        countries.setdefault(code, label)
    form.parent_id.choices = select_choices(parents)
    form.country.choices = select_choices(countries.items())
    return form


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search by name or e-mail"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [("", _l("All roles"))] + role_choices()
