"""What every feature's forms share: choices in the form WTForms wants them, numbers in the reader's way."""

from __future__ import annotations

import re

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale
from wtforms.fields import DecimalField, FloatField

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3
    SelectChoice = None


def select_choices(pairs):
    """(value, label) pairs as WTForms wants them (SelectChoice since 3.3, tuples before)."""
    if SelectChoice is None:
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


_PLAIN_COMMA = re.compile(r"-?[0-9]+,[0-9]+")


class DecimalCommaMixin:
    """A number field that also takes the decimal comma of the reader's language ("25,50" in sv, it, fi and hr),
    besides the decimal point. Only a plain number is converted (digits, one separator, digits): an English
    reader's "1,000" stays what WTForms makes of it (an error)."""

    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str):
            value = valuelist[0].strip()
            if _PLAIN_COMMA.fullmatch(value) and get_decimal_symbol(str(get_locale() or "en")) == ",":
                valuelist = [value.replace(",", "."), *valuelist[1:]]
        super().process_formdata(valuelist)


class LocalDecimalField(DecimalCommaMixin, DecimalField):
    pass


class LocalFloatField(DecimalCommaMixin, FloatField):
    pass
