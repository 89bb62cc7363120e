"""The forms of the certificate pages: look up a code, check an uploaded PDF, revoke with a reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SearchField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from uprest.certificates.services import MAX_REASON


class LookupForm(FlaskForm):
    """The verification page's search for a code (GET: no CSRF token, bookmarkable)."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Verification code"),
        validators=[InputRequired(message=_l("Please enter the code printed on the certificate.")), Length(max=60)],
        description=_l("The 20 characters under the QR code, for example 7K2Q-M9XD-4TRB-W3ZP-HN6C."),
    )


class UploadForm(FlaskForm):
    document = FileField(
        _l("Certificate file (PDF)"),
        validators=[FileRequired(message=_l("Please choose the PDF file to check."))],
    )


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Please give the reason: holders and verifiers will see it.")),
            Length(min=3, max=MAX_REASON),
        ],
        filters=[lambda text: text.strip() if text else text],
        description=_l("Shown on the public verification page and in the credential's status."),
    )


class IssuedSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Code or holder's name"), validators=[Optional(), Length(max=120)])
