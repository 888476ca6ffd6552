"""One issue model for every stage: where, what was found, what was expected, how to fix it."""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas stays out of the isolated reader processes
    import pandas as pd

ERROR = "ERROR"
WARNING = "WARNING"
INFO = "INFO"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class Issue:
    """A problem found in a file, a sheet, a cell or across files.

    ``severity`` ERROR means the value (or the whole file, when ``cell`` is empty) is excluded;
    WARNING keeps it, flagged; INFO is for the record. ``message`` is Bahasa Indonesia and says
    how to fix the problem.
    """

    rule: str
    severity: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    kode_opd: str = ""
    kode_indikator: str = ""
    found: str = ""
    expected: str = ""

    @property
    def location(self) -> str:
        """``file › sheet › cell`` with the empty parts left out."""
        return " › ".join(p for p in (self.file, self.sheet, self.cell) if p)


ISSUE_COLUMNS = [f.name for f in fields(Issue)]


def issues_frame(issues: Iterable[Issue]) -> pd.DataFrame:
    """Issues as a DataFrame sorted by OPD, severity, file, sheet and cell (deterministic)."""
    import pandas as pd  # noqa: PLC0415

    # Each issue once (the first of equal ones), read field by field: ``asdict`` deep-copies.
    rows = list(dict.fromkeys(_FIELDS(i) for i in issues))
    if not rows:
        return pd.DataFrame([], columns=ISSUE_COLUMNS)
    columns = list(zip(*rows, strict=True))
    cells = columns[ISSUE_COLUMNS.index("cell")]
    order = sorted(
        range(len(rows)),
        key=lambda k: (
            columns[_OPD][k],
            SEVERITY_ORDER.get(columns[_SEVERITY][k], _NO_ORDER),
            columns[_FILE][k],
            columns[_SHEET][k],
            _row_of(cells[k]),
            cells[k],
            columns[_RULE][k],
            columns[_INDICATOR][k],
        ),
    )
    return pd.DataFrame([rows[k] for k in order], columns=ISSUE_COLUMNS)


_FIELDS = operator.attrgetter(*ISSUE_COLUMNS)
_OPD, _SEVERITY, _FILE, _SHEET, _RULE, _INDICATOR = (
    ISSUE_COLUMNS.index(c)
    for c in ("kode_opd", "severity", "file", "sheet", "rule", "kode_indikator")
)
_NO_ORDER = len(SEVERITY_ORDER)
_ROW = re.compile(r"(\d+)$")


def _row_of(cell: str) -> int:
    """The row number a cell reference ends with (0 without one)."""
    found = _ROW.search(cell)
    return int(found.group(1)) if found else 0


def cell_ref(column: int, row: int) -> str:
    """A1 reference from 0-based column and 1-based row numbers."""
    return f"{column_letters(column)}{row}"


def column_letters(column: int) -> str:
    """A 0-based column's letters (0 → ``A``, 26 → ``AA``)."""
    letters = ""
    n = column + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(ref: str) -> int:
    """The 1-based column of a reference's leading letters (``K7`` → 11, ``xfd`` → 16384);
    0 when it starts with none."""
    number = 0
    for ch in ref:
        if not ch.isalpha():
            break
        number = number * 26 + ord(ch.upper()) - 64
    return number


def cell_order(ref: object) -> tuple[int, int, str]:
    """A key that sorts cell references as a reader does: by column, then row (K7 before K12)."""
    text = str(ref or "")
    match = re.match(r"([A-Z]+)(\d+)", text)
    if not match:
        return (0, 0, text)
    return (column_number(text), int(match.group(2)), text)
