"""The forms of the sessions' pages: the upcoming list's filters, registering, planning a session (with rows for
its venues and agenda), cancelling one, the trainers of a provider, and business owners' requests.

The session form checks its data against the pure rules (uprest.sessions.rules) and puts each broken rule on the
field it concerns, so that people see every problem at once; the services check again and decide."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import available_timezones

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from uprest.accounts.forms import municipality_choices
from uprest.catalog import catalogue
from uprest.catalog import services as catalog
from uprest.extensions import utcnow
from uprest.forms import LocalDecimalField, select_choices
from uprest.i18n import get_locale, language_name
from uprest.providers.rules import country_choices
from uprest.sessions import planning, rules
from uprest.sessions.services import MESSAGES

#: Empty rows the session form offers for venues and agenda items (rows left empty are ignored).
VENUE_ROWS = 4
AGENDA_ROWS = 6
MAX_ROWS = 30
#: The highest price the form takes, in the currency's units.
MAX_PRICE = Decimal(1_000_000)
#: Dates and times the form takes (the rules refuse past starts; this keeps conversions within range).
YEARS = (2000, 2100)
TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
#: The zone a new session of a provider in these countries starts with (the partner towns' zones).
COUNTRY_ZONES = {"SE": "Europe/Stockholm", "IT": "Europe/Rome", "FI": "Europe/Helsinki", "HR": "Europe/Zagreb"}


def format_labels() -> dict:
    return {"onsite": _l("On-site"), "hybrid": _l("Hybrid"), "virtual": _l("Virtual"), "satellite": _l("Satellite")}


def format_explanations() -> dict:
    """Each format in words, for the people who take part."""
    return {
        "onsite": _l("On-site: everybody meets at one venue."),
        "hybrid": _l("Hybrid: at one venue and online at the same time; take part in the room or from anywhere."),
        "virtual": _l("Virtual: online only; take part from anywhere."),
        "satellite": _l(
            "Satellite: the same event at the same time in several places (hubs), each with a smaller group."
        ),
    }


def status_labels() -> dict:
    return {"booked": _l("Booked"), "waiting": _l("On the waiting list"), "cancelled": _l("Registration cancelled")}


def request_status_labels() -> dict:
    return {"open": _l("Open"), "planned": _l("Planned"), "closed": _l("Closed")}


def _languages() -> list[tuple[str, str]]:
    names = current_app.config["LANGUAGES"]
    return [(code, names.get(code, code)) for code in rules.LANGUAGES]


@cache
def zone_names() -> tuple[str, ...]:
    """The time zones the forms offer: Europe's, then UTC (the rules take any IANA name)."""
    return (*sorted(z for z in available_timezones() if z.startswith("Europe/")), "UTC")


def _zones(current: str | None = None, blank=None) -> list:
    names = list(zone_names())
    if current and current not in names:
        names.insert(0, current)
    return select_choices(([("", blank)] if blank is not None else []) + [(z, z.replace("_", " ")) for z in names])


def _module_choices(blank) -> list:
    return select_choices([("", blank), *catalogue.module_choices()])


def _in_years(form, field) -> None:
    if field.data is not None and not YEARS[0] <= field.data.year < YEARS[1]:
        raise ValidationError(
            _("Enter a date between the years %(first)s and %(last)s.", first=YEARS[0], last=YEARS[1])
        )


class ActionForm(FlaskForm):
    """A button with no data (cancel my place, attended, check in, a new check-in code): the CSRF token only."""


# --- the upcoming list ---------------------------------------------------------------------------------------


class FilterForm(FlaskForm):
    """The upcoming list's filters (GET: no CSRF token, bookmarkable)."""

    class Meta:
        csrf = False

    territory = SelectField(_l("Municipality"), validators=[Optional()])
    town = StringField(_l("Town"), validators=[Optional(), Length(max=120)])
    module = SelectField(_l("Course module"), validators=[Optional()])
    format = SelectField(_l("Format"), validators=[Optional()])
    language = SelectField(_l("Language"), validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional(), _in_years])
    date_to = DateField(_l("Until"), validators=[Optional(), _in_years])
    free = BooleanField(_l("Only sessions with free places"))

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and not self.date_from.errors and field.data < self.date_from.data:
            raise ValidationError(_("The last day must not be before the first day."))

    def filters(self) -> dict:
        """The keyword arguments of services.upcoming(): a field with an error filters nothing."""

        def good(field):
            return field.data if not field.errors and field.data not in ("", None) else None

        start, end = good(self.date_from), good(self.date_to)
        territory = good(self.territory)
        return {
            "territory_id": int(territory) if territory else None,
            "town": (good(self.town) or "").strip() or None,
            "module": good(self.module),
            "format": good(self.format),
            "language": good(self.language),
            "starts_from": datetime.combine(start, time(), UTC) if start else None,
            "starts_until": datetime.combine(end + timedelta(days=1), time(), UTC) if end else None,
            "free_seats": bool(self.free.data),
        }

    def args(self) -> dict:
        """The valid filters as query arguments (for the pages' links)."""
        return {
            f.name: "y" if f.data is True else str(f.data)
            for f in self
            if not f.errors and f.data not in (None, "", False)
        }


def filter_form(formdata) -> FilterForm:
    form = FilterForm(formdata=formdata)
    form.territory.choices = select_choices([("", _l("All municipalities")), *municipality_choices(blank=False)])
    form.module.choices = _module_choices(_l("All modules"))
    form.format.choices = select_choices([("", _l("All formats")), *format_labels().items()])
    form.language.choices = select_choices([("", _l("All languages")), *_languages()])
    return form


# --- registering ---------------------------------------------------------------------------------------------


class RegisterForm(FlaskForm):
    place = RadioField(
        _l("Where will you take part?"),
        validators=[DataRequired(message=_l("Choose where you will take part."))],
    )


def _places_text(left: int | None) -> str:
    if left is None:
        return _("places free")
    if left == 0:
        return _("full: waiting list")
    return ngettext("%(num)s place left", "%(num)s places left", left)


def register_form(session, formdata=None) -> RegisterForm:
    """Choose a hub (satellite), on-site or online (hybrid); a session with one way to take part has one choice,
    chosen already."""
    form = RegisterForm(formdata=formdata)
    choices = []
    if "onsite" in rules.modes_of(session.format):
        for venue in session.venues:
            label = _(
                "%(venue)s, %(town)s: %(places)s",
                venue=venue.name,
                town=venue.town,
                places=_places_text(venue.seats_left),
            )
            choices.append((str(venue.id), label))
    if "online" in rules.modes_of(session.format):
        choices.append(("online", _("Online: %(places)s", places=_places_text(session.online_left))))
    form.place.choices = select_choices(choices)
    if not form.place.data and len(choices) == 1:
        form.place.data = choices[0][0]
    return form


# --- planning a session --------------------------------------------------------------------------------------


def _local_time_field(label, *validators):
    return DateTimeLocalField(label, validators=[*validators, _in_years], format=TIME_FORMATS)


class VenueRowForm(Form):
    name = StringField(_l("Name of the venue"), validators=[Length(max=200)])
    street = StringField(_l("Street address"), validators=[Length(max=200)])
    postal_code = StringField(_l("Postal code"), validators=[Length(max=20)])
    town = StringField(_l("Town"), validators=[Length(max=120)])
    territory = SelectField(_l("Municipality"), validators=[Optional()])
    country = SelectField(_l("Country"))
    timezone = SelectField(_l("Time zone"), validators=[Optional()])
    accessibility = TextAreaField(_l("Accessibility"), validators=[Length(max=2000)], render_kw={"rows": 2})
    seats = IntegerField(_l("Seats"), validators=[Optional()])

    def is_empty(self) -> bool:
        """Nothing typed (the selects always hold a value): the row is ignored."""
        typed = (self.name, self.street, self.postal_code, self.town, self.accessibility, self.seats)
        return not any(str(value).strip() for f in typed for value in (f.raw_data or []))


class AgendaRowForm(Form):
    starts_at = _local_time_field(_l("Starts"), Optional())
    ends_at = _local_time_field(_l("Ends"), Optional())
    title = StringField(_l("Item"), validators=[Length(max=200)])

    def is_empty(self) -> bool:
        return not any(str(value).strip() for f in self for value in (f.raw_data or []))


def _public_module(form, field) -> None:
    if field.data and catalog.public_module(field.data) is None:
        raise ValidationError(_("Choose a module from the list."))


def _price_bounds(form, field) -> None:
    if field.data is not None and (not field.data.is_finite() or abs(field.data) > MAX_PRICE):
        raise ValidationError(_("Enter a price up to %(max)s.", max=MAX_PRICE))


#: A broken rule (rules.PROBLEMS) -> the field of the session form it is shown on (others: at the form's top).
FIELD_OF = {
    "format": "format",
    "language": "language",
    "timezone": "timezone",
    "times": "ends_at",
    "too_long": "ends_at",
    "past": "starts_at",
    "title": "title_en",
    "online_capacity": "online_capacity",
    "join_url": "join_url",
    "price": "price",
    "currency": "currency",
}
VENUE_FIELD_OF = {"venue_text": "name", "venue_country": "country", "venue_timezone": "timezone", "seats": "seats"}
AGENDA_FIELD_OF = {"agenda_times": "ends_at", "agenda_outside": "starts_at", "agenda_title": "title"}


class SessionForm(FlaskForm):
    """A session of a provider: a run of a module, or an event with its own title, with its venues and agenda.
    Times are typed as the local time of the chosen zone."""

    module = SelectField(_l("Course module"), validators=[Optional(), _public_module])
    format = RadioField(_l("Format"), validators=[InputRequired(message=_l("Choose a format."))])
    language = SelectField(_l("Language of the session"))
    timezone = SelectField(
        _l("Time zone"), validators=[DataRequired(message=_l("Choose the time zone of the start and the end."))]
    )
    starts_at = _local_time_field(_l("Starts"), InputRequired(message=_l("Enter when the session starts.")))
    ends_at = _local_time_field(_l("Ends"), InputRequired(message=_l("Enter when the session ends.")))
    price = LocalDecimalField(_l("Price"), validators=[Optional(), _price_bounds])
    currency = StringField(
        _l("Currency"),
        validators=[Optional(), Length(max=3, message=_l("Enter a three-letter code such as EUR or SEK."))],
        filters=[lambda text: text.strip().upper() if isinstance(text, str) else text],
    )
    online_capacity = IntegerField(
        _l("Online places"),
        validators=[
            Optional(),
            NumberRange(min=0, max=rules.MAX_SEATS, message=_l("Enter a whole number from 0 to %(max)s.")),
        ],
    )
    join_url = StringField(_l("Join link"), validators=[Length(max=500)], render_kw={"type": "url"})
    venues = FieldList(FormField(VenueRowForm), _l("Venue"), min_entries=VENUE_ROWS, max_entries=MAX_ROWS)
    agenda = FieldList(FormField(AgendaRowForm), _l("Agenda item"), min_entries=AGENDA_ROWS, max_entries=MAX_ROWS)

    #: The session being changed (None: a new one) and its provider.
    session = None
    provider = None

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        for entry in (*self.venues, *self.agenda):
            if entry.form.is_empty():
                for sub in entry.form:
                    sub.errors = []
        self._values = None
        if not self.errors:
            self._check_rules()
        for rows in (self.venues, self.agenda):  # FieldList keeps a snapshot of its rows' errors
            row_errors = [entry.errors for entry in rows.entries]
            rows.errors = row_errors if any(row_errors) else []
        return not self.errors

    # --- from the fields to the services' data -----------------------------------------------------

    def _utc(self, field, zone: str) -> datetime | None:
        moment = rules.utc_from_local(field.data, zone)
        if moment is None:
            field.errors.append(_("This time does not exist in %(zone)s: the clocks go forward then.", zone=zone))
        return moment

    def _texts(self, name: str) -> dict[str, str]:
        return {code: (self[f"{name}_{code}"].data or "").strip() for code in rules.LANGUAGES}

    def _merged(self, original: dict | None, text: str | None) -> dict[str, str]:
        """A text the form shows in the session's language only: the other languages are kept."""
        lang = self.language.data
        merged = {k: v for k, v in (original or {}).items() if k != lang}
        if text and text.strip():
            merged[lang] = text.strip()
        return merged

    def _venue_rows(self) -> list[tuple[VenueRowForm, rules.VenueData]]:
        old = list(self.session.venues) if self.session is not None else []
        rows = []
        for row in (entry.form for entry in self.venues):
            if row.is_empty():
                continue
            original = old[len(rows)].accessibility if len(rows) < len(old) else None
            data = rules.VenueData(
                name=(row.name.data or "").strip(),
                town=(row.town.data or "").strip(),
                country=row.country.data or "",
                timezone=row.timezone.data or self.timezone.data,
                seats=row.seats.data if row.seats.data is not None else 0,
                street=(row.street.data or "").strip(),
                postal_code=(row.postal_code.data or "").strip(),
                accessibility=self._merged(original, row.accessibility.data),
                territory_id=int(row.territory.data) if row.territory.data else None,
            )
            rows.append((row, data))
        return rows

    def _agenda_rows(self, zone: str) -> list[tuple[AgendaRowForm, rules.AgendaItemData]]:
        old = list(self.session.agenda) if self.session is not None else []
        rows = []
        for row in (entry.form for entry in self.agenda):
            if row.is_empty():
                continue
            if row.starts_at.data is None or row.ends_at.data is None:
                (row.starts_at if row.starts_at.data is None else row.ends_at).errors.append(
                    _("Enter when this item starts and ends.")
                )
                continue
            start, end = self._utc(row.starts_at, zone), self._utc(row.ends_at, zone)
            if start is None or end is None:
                continue
            original = old[len(rows)].title if len(rows) < len(old) else None
            rows.append((row, rules.AgendaItemData(start, end, self._merged(original, row.title.data))))
        return rows

    def _price(self) -> tuple[int | None, str | None]:
        currency = self.currency.data or None
        if self.price.data is None:
            return None, currency
        minor = rules.minor_units(self.price.data, currency or "EUR")
        if minor is None:
            self.price.errors.append(_("This price has more decimals than the currency has."))
        return minor, currency

    def _check_rules(self) -> None:
        zone = self.timezone.data
        start, end = self._utc(self.starts_at, zone), self._utc(self.ends_at, zone)
        venues, agenda = self._venue_rows(), self._agenda_rows(zone)
        price_minor, currency = self._price()
        if start is None or end is None:
            return
        module = catalog.public_module(self.module.data) if self.module.data else None
        values = {
            "module": module,
            "title": self._texts("title"),
            "description": self._texts("description"),
            "format": self.format.data,
            "language": self.language.data,
            "timezone": zone,
            "starts_at": start,
            "ends_at": end,
            "price_minor": price_minor,
            "currency": currency,
            "online_capacity": self.online_capacity.data,
            "join_url": (self.join_url.data or "").strip(),
        }
        session = self.session
        shown = (session.starts_at, session.ends_at) if session is not None else ()
        times_changed = session is None or (start, end) != tuple(t.replace(second=0, microsecond=0) for t in shown)
        data = rules.SessionData(
            format=values["format"],
            language=values["language"],
            timezone=zone,
            starts_at=start,
            ends_at=end,
            has_module=module is not None,
            title=values["title"],
            description=values["description"],
            price_minor=price_minor,
            currency=currency,
            online_capacity=values["online_capacity"],
            join_url=values["join_url"],
        )
        now = utcnow().replace(second=0, microsecond=0)
        problems = rules.session_problems(data, [v for _row, v in venues], now=now, times_changed=times_changed)
        for code in problems:
            if code in FIELD_OF:
                self[FIELD_OF[code]].errors.append(str(MESSAGES[code]))
            elif code not in VENUE_FIELD_OF and code != "text_language":
                self.form_errors.append(str(MESSAGES[code]))
        for row, venue in venues:
            for code in rules.venue_problems(venue):
                if code in VENUE_FIELD_OF:
                    row[VENUE_FIELD_OF[code]].errors.append(str(MESSAGES[code]))
        if "times" not in problems:
            for row, item in agenda:
                for code in rules.agenda_problems([item], start, end):
                    if code in AGENDA_FIELD_OF:
                        row[AGENDA_FIELD_OF[code]].errors.append(str(MESSAGES[code]))
            if "agenda_overlap" in rules.agenda_problems([item for _row, item in agenda], start, end):
                self.form_errors.append(str(MESSAGES["agenda_overlap"]))
        self._values = values, [v for _row, v in venues], [a for _row, a in agenda]

    def values(self) -> dict:
        """What the services take (create_session, planning.save_session): the fields and `venues`, `agenda`."""
        fields, venues, agenda = self._values
        return {**fields, "venues": venues, "agenda": agenda}


for _code in rules.LANGUAGES:
    setattr(SessionForm, f"title_{_code}", StringField(_l("Title"), validators=[Length(max=200)]))
    setattr(
        SessionForm,
        f"description_{_code}",
        TextAreaField(_l("Description"), validators=[Length(max=4000)], render_kw={"rows": 3}),
    )


def session_form(provider, session=None, formdata=None) -> SessionForm:
    """The form of a new session of `provider` (session None) or of `session`, filled from it on GET."""
    data = planning.form_data_of(session) if session is not None and formdata is None else {}
    venue_rows = max(VENUE_ROWS, len(session.venues) + 1 if session is not None else 0)
    agenda_rows = max(AGENDA_ROWS, len(session.agenda) + 2 if session is not None else 0)
    form = SessionForm(formdata=formdata, data=data or None)
    for rows, wanted in ((form.venues, venue_rows), (form.agenda, agenda_rows)):
        while len(rows) < min(wanted, MAX_ROWS):
            rows.append_entry()
    form.session, form.provider = session, provider
    for code in rules.LANGUAGES:
        name = language_name(code)
        form[f"title_{code}"].label.text = _("Title in %(language)s", language=name)
        form[f"description_{code}"].label.text = _("Description in %(language)s", language=name)
    form.module.choices = _module_choices(_l("— None: an event with its own title —"))
    form.format.choices = select_choices(format_explanations().items())
    form.language.choices = select_choices(_languages())
    zone = session.timezone if session is not None else None
    form.timezone.choices = _zones(zone, _l("— Choose a time zone —"))
    countries = select_choices(country_choices(str(get_locale() or "en")))
    territories = select_choices([("", _l("— None / other —")), *municipality_choices(blank=False)])
    for entry in form.venues:
        row = entry.form
        row.country.choices = countries
        row.territory.choices = territories
        row.timezone.choices = _zones(row.timezone.data or None, _l("The session's time zone"))
        if not row.country.data:
            row.country.data = provider.country or "SE"
    if session is None and formdata is None:
        form.language.data = str(get_locale() or "en")
        form.timezone.data = COUNTRY_ZONES.get(provider.country or "", "")
    return form


# --- cancelling a session, trainers, requests ----------------------------------------------------------------


class CancelSessionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Please give the reason: the people registered will read it.")),
            Length(max=2000),
        ],
        description=_l("Sent to everybody booked or waiting, and shown on the session's page."),
    )


class TrainerForm(FlaskForm):
    email = EmailField(
        _l("E-mail address of the trainer"),
        validators=[
            DataRequired(message=_l("Please enter an e-mail address.")),
            Length(max=254),
            Email(message=_l("Please enter a valid e-mail address."), check_deliverability=False),
        ],
    )


class RequestForm(FlaskForm):
    """A business owner asks for a local session of a module for their staff."""

    module = SelectField(_l("Course module"), validators=[DataRequired(message=_l("Choose a module.")), _public_module])
    staff_count = IntegerField(
        _l("Number of staff"),
        validators=[
            InputRequired(message=_l("Enter how many of your staff would take part.")),
            NumberRange(min=1, max=rules.MAX_STAFF, message=_l("Enter a whole number from %(min)s to %(max)s.")),
        ],
    )
    town = StringField(_l("Town"), validators=[Length(max=120)])
    language = SelectField(_l("Language"))
    message = TextAreaField(_l("Message (optional)"), validators=[Length(max=4000)], render_kw={"rows": 3})


def request_form(formdata=None, module: str | None = None) -> RequestForm:
    """The request form; on GET with the module of the page it was opened from (?module=) chosen."""
    form = RequestForm(formdata=formdata)
    form.module.choices = _module_choices(_l("— Choose a module —"))
    form.language.choices = select_choices(_languages())
    if formdata is None:
        form.language.data = str(get_locale() or "en")
        if module and any(choice[0] == module for choice in catalogue.module_choices()):
            form.module.data = module
    return form


class RequestStatusForm(FlaskForm):
    status = SelectField(_l("Status"))


def request_status_form(request=None, formdata=None) -> RequestStatusForm:
    form = RequestStatusForm(formdata=formdata, data={"status": request.status} if request is not None else None)
    form.status.choices = select_choices(request_status_labels().items())
    return form
