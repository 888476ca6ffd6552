"""One issue model for every stage: where, what was found, what was expected, how to fix it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
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

    rows = [asdict(i) for i in issues]
    df = pd.DataFrame(rows, columns=ISSUE_COLUMNS)
    if df.empty:
        return df
    df = df.drop_duplicates()
    df["_sev"] = df["severity"].map(SEVERITY_ORDER)
    df["_row"] = df["cell"].str.extract(r"(\d+)$")[0].fillna("0").astype(int)
    df = df.sort_values(
        ["kode_opd", "_sev", "file", "sheet", "_row", "cell", "rule", "kode_indikator"],
        kind="stable",
    )
    return df.drop(columns=["_sev", "_row"]).reset_index(drop=True)


def cell_ref(column: int, row: int) -> str:
    """A1 reference from 0-based column and 1-based row numbers."""
    letters = ""
    n = column + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def cell_order(ref: object) -> tuple[int, int, str]:
    """A key that sorts cell references as a reader does: by column, then row (K7 before K12)."""
    text = str(ref or "")
    match = re.match(r"([A-Z]+)(\d+)", text)
    if not match:
        return (0, 0, text)
    letters, number = match.groups()
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    return (column, int(number), text)
