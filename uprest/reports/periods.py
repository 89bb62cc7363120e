"""The reports' periods: quarters ('2026Q4') and their bounds in UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime

PERIOD_RE = re.compile(r"([0-9]{4})Q([1-4])")
FIRST_YEAR, LAST_YEAR = 2000, 2999


def quarter_bounds(period: str) -> tuple[datetime, datetime]:
    """'2026Q4' -> [start, end) in UTC; ValueError for anything else (years FIRST_YEAR..LAST_YEAR)."""
    match = PERIOD_RE.fullmatch(period or "")
    if not match or not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        raise ValueError(f"not a quarter: {period!r}")
    year, quarter = int(match.group(1)), int(match.group(2))
    start = datetime(year, 3 * quarter - 2, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC) if quarter == 4 else datetime(year, 3 * quarter + 1, 1, tzinfo=UTC)
    return start, end


def quarter_of(moment: datetime) -> str:
    return f"{moment.year}Q{(moment.month - 1) // 3 + 1}"


def quarter_range(first: str, last: str) -> list[str]:
    """The quarters from `first` to `last` ('2026Q1' .. '2026Q4'), both included."""
    year, quarter = int(first[:4]), int(first[-1])
    out = []
    while (year, quarter) <= (int(last[:4]), int(last[-1])):
        out.append(f"{year}Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out
