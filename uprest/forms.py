"""What every feature's forms share: choices in the form WTForms wants them."""

from __future__ import annotations

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3
    SelectChoice = None


def select_choices(pairs):
    """(value, label) pairs as WTForms wants them (SelectChoice since 3.3, tuples before)."""
    if SelectChoice is None:
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]
