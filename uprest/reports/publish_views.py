"""Staff publish their territory's figures of an ended quarter and manage the API tokens that read them live
(issue 14): /reports/publish and /reports/tokens. Staff act on their territory and everything below it,
administrators on every territory; another territory's publication or token is 403."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from uprest.accounts import territories
from uprest.accounts.models import Role
from uprest.extensions import db, utcnow
from uprest.reports import presentation, publication
from uprest.reports.publication import NAME_LENGTH, PublicationError
from uprest.security import roles_required

bp = Blueprint("publishing", __name__, url_prefix="/reports")


# --- forms --------------------------------------------------------------------------------------------------


class PublishForm(FlaskForm):
    territory = SelectField(
        _l("Territory"),
        validators=[InputRequired(message=_l("Please choose a territory from the list."))],
        validate_choice=False,
    )
    period = SelectField(
        _l("Quarter"),
        validators=[InputRequired(message=_l("Please choose a quarter from the list."))],
        validate_choice=False,
    )
    confirm = BooleanField(
        _l("I confirm that these figures may be made public."),
        validators=[DataRequired(message=_l("Please confirm that the figures may be made public."))],
    )

    def validate_territory(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Please choose a territory from the list."))

    def validate_period(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Please choose a quarter from the list."))


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Please enter a name.")),
            Length(
                max=NAME_LENGTH, message=_l("Please give the token a name of at most %(n)s characters.", n=NAME_LENGTH)
            ),
        ],
    )
    territory = SelectField(
        _l("Territory"),
        validators=[InputRequired(message=_l("Please choose a territory from the list."))],
        validate_choice=False,
    )

    #: One key per form shown: the same form sent twice makes one token.
    request_key = HiddenField(default=lambda: secrets.token_hex(16), validators=[Optional(), Length(max=32)])

    def validate_territory(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Please choose a territory from the list."))


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


def _place_choices() -> list[tuple[str, str]]:
    """(code, label indented by depth) of the territories the user may publish."""
    return [
        (node.territory.code, "\u2003" * node.depth + node.territory.display_name)
        for node in publication.places(current_user)
    ]


def _choose(form) -> None:
    """Fill the territory select; a single territory is chosen already."""
    form.territory.choices = _place_choices()
    if len(form.territory.choices) == 1 and not form.territory.data:
        form.territory.data = form.territory.choices[0][0]


def _chosen(form):
    """The territory the valid form names, which the user may read (else 403: the list offered only those)."""
    territory = territories.by_code(form.territory.data)
    if territory is None or not publication.can_read(current_user, territory):
        abort(403)
    return territory


def _private(html: str):
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- publications -------------------------------------------------------------------------------------------


@bp.route("/publish", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def publish():
    """The publications of the user's territories and the form that publishes a quarter."""
    form = PublishForm()
    _choose(form)
    form.period.choices = [(p, presentation.period_label(p)) for p in publication.publishable_periods(utcnow())]
    if form.validate_on_submit():
        territory = _chosen(form)
        try:
            publication.publish(territory, form.period.data, current_user)
        except PublicationError as exc:  # the quarter ended while the form was open: shown as the form's error
            form.period.errors = [str(exc)]
        else:
            db.session.commit()
            flash(
                _(
                    "The figures of %(territory)s for %(period)s are public now.",
                    territory=territory.display_name,
                    period=presentation.period_label(form.period.data),
                ),
                "success",
            )
            return redirect(url_for(".publish"))
    root = publication.root_of(current_user)
    rows = []
    if root is not None or current_user.is_admin:
        rows = db.session.scalars(publication.publications(root)).all()
    return _private(
        render_template(
            "reports/publish.html",
            form=form,
            publications=rows,
            period_label=presentation.period_label,
        )
    )


@bp.route("/publish/<int:publication_id>/withdraw", methods=["POST"])
@roles_required(Role.STAFF)
def withdraw(publication_id: int):
    pub = publication.publication_by_id(publication_id) or abort(404)
    if not publication.can_read(current_user, pub.territory):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    publication.withdraw(pub, current_user)
    db.session.commit()
    flash(
        _(
            "The figures of %(territory)s for %(period)s are no longer public.",
            territory=pub.territory.display_name,
            period=presentation.period_label(pub.period),
        ),
        "success",
    )
    return redirect(url_for(".publish"))


# --- API tokens ---------------------------------------------------------------------------------------------


@bp.route("/tokens", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def tokens():
    """The API tokens of the user's territories and the form that creates one; a new token is shown once, on
    the page that answers the form (never stored, never in a redirect)."""
    form = TokenForm()
    _choose(form)
    raw = created = None
    if form.validate_on_submit():
        territory = _chosen(form)
        try:
            raw, created = publication.create_token(
                current_user, territory, form.name.data, request_key=form.request_key.data
            )
        except PublicationError as exc:
            form.name.errors = [str(exc)]
        else:
            db.session.commit()
            if raw is None:
                flash(
                    _(
                        "This form had already created the token %(name)s: its secret is shown only once. If you "
                        "did not copy it, revoke the token and create a new one.",
                        name=created.name,
                    ),
                    "warning",
                )
                created = None
            form = TokenForm(formdata=None)
            _choose(form)
    root = publication.root_of(current_user)
    rows = []
    if root is not None or current_user.is_admin:
        rows = db.session.scalars(publication.tokens(root)).all()
    return _private(render_template("reports/tokens.html", form=form, tokens=rows, created=created, raw=raw))


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required(Role.STAFF)
def revoke(token_id: int):
    token = publication.token_by_id(token_id) or abort(404)
    if not publication.can_read(current_user, token.territory):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    publication.revoke_token(token, current_user)
    db.session.commit()
    flash(_("The token %(name)s can no longer read any figures.", name=token.name), "success")
    return redirect(url_for(".tokens"))
