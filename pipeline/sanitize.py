"""The one sanitiser: any text, from any file, made safe for any writer.

Workbooks and emails are untrusted. Before text reaches an xlsx cell, a comment, a hyperlink, a
CSV or JSON file or a console message it goes through here: control characters are replaced,
Excel's length limits are respected, and a CSV cell never starts like a formula.
"""

from __future__ import annotations

import re

EXCEL_CELL_MAX = 32_767  # characters in one cell
EXCEL_URL_MAX = 255  # characters in a hyperlink target, and in its tip
EXCEL_SHEET_NAME_MAX = 31

# C0 controls except TAB, LF and CR; DEL; C1 controls. XML 1.0 (xlsx) cannot hold them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text(value: object, limit: int = EXCEL_CELL_MAX) -> str:
    """``value`` as printable text: control characters become a space, at most ``limit`` chars.

    A cut text ends with ``…`` so a reader sees it was shortened.
    """
    out = _CONTROL.sub(" ", "" if value is None else str(value))
    if len(out) > limit:
        out = out[: max(limit - 1, 0)] + "…"
    return out


def csv_cell(value: object) -> object:
    """A value for a CSV a user may open in a spreadsheet (OWASP CSV-injection rule).

    Text starting with ``=``, ``+``, ``-``, ``@``, TAB or CR gets a leading apostrophe; numbers
    and missing values pass through unchanged.
    """
    if not isinstance(value, str):
        return value
    cleaned = text(value)
    return "'" + cleaned if cleaned.startswith(_FORMULA_START) else cleaned
