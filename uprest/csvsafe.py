"""CSV files that open safely in a spreadsheet.

A cell whose text begins with ``=``, ``+``, ``-`` or ``@`` (also after leading white space), or with a tab or a
carriage return, is read by Excel, LibreOffice and Google Sheets as a formula: a learner named
``=HYPERLINK("http://x")`` would put a live link into the trainer's sheet. Such cells get a leading ``'``
(OWASP, "CSV Injection"), which the spreadsheet shows as text. Numbers are written as they are, so that
scores stay numbers. The file is UTF-8 with a byte order mark, so that Excel reads its accents right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

#: What makes a spreadsheet read a cell as a formula: these characters first, or after leading white space.
FORMULA_STARTS = ("=", "+", "-", "@")
#: These characters first (before any stripping).
CONTROL_STARTS = ("\t", "\r")
BOM = "\ufeff"

Cell = str | int | float | None


def safe_cell(value: Cell) -> str | int | float:
    """The cell as the CSV file holds it: text that a spreadsheet would run as a formula gets a leading "'";
    numbers (not booleans) stay numbers; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(CONTROL_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """The rows under the header as CSV text (with the byte order mark, CRLF line ends), every cell made safe."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return out.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    return csv_text(header, rows).encode("utf-8")
