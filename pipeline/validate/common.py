"""Issues for one file: a collector, so that checks return their findings instead of writing
them into the reader's :class:`~pipeline.ingest.Submission`."""

from __future__ import annotations

import datetime as dt
import math

from pipeline import fmt, sanitize
from pipeline.ingest import Submission
from pipeline.issues import Issue


class FileIssues:
    """Issues about one file, each stamped with the file's name and the OPD it is counted for."""

    def __init__(self, sub: Submission, kode_opd: str | None = None) -> None:
        self.file = sub.name
        self.kode_opd = sub.meta.get("kode_opd", "") if kode_opd is None else kode_opd
        self.items: list[Issue] = []

    def issue(self, rule: str, severity: str, message: str, **kw: str) -> None:
        self.items.append(
            Issue(
                rule=rule,
                severity=severity,
                message=message,
                file=self.file,
                kode_opd=self.kode_opd,
                **kw,
            )
        )

    def row_left_out(
        self,
        rule: str,
        severity: str,
        where: tuple[str, str, int],
        why: str,
        advice: str = "",
        **kw: str,
    ) -> None:
        """A row that is no row of the spec: ``where`` is (sheet, cell, row); the message says
        which row, ``why``, that the row is left out, then ``advice`` (``kw``: found, …)."""
        sheet, cell, row = where
        self.issue(
            rule,
            severity,
            f"Baris {row} sheet {sheet}{why}; baris diabaikan.{advice}",
            sheet=sheet,
            cell=cell,
            **kw,
        )


QUOTE_MAX = 120  # characters of a typed text quoted in a message; a longer one is cut (…)


_NON_FINITE = {"nan": "NaN", "inf": "tak hingga", "-inf": "-tak hingga"}


def show_value(value: object) -> str:
    """A cell's value as the OPD sees it in its sheet: numbers the Indonesian way, a logical
    value as Excel shows it (TRUE / FALSE, not Python's True), a text as typed, cut with ``…``
    past :data:`QUOTE_MAX` characters (a 40.000-digit text filled a console line and a
    32.767-character cell of validasi.csv)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return fmt.angka_ringkas(value, 4) if math.isfinite(value) else _NON_FINITE[str(value)]
    if isinstance(value, dt.date):  # a date cell: as the sheet shows a date, not 2018-05-06
        return fmt.tanggal(value)
    # invisible and direction-changing characters written out: '\u202e027' shows as 720
    text = "" if value is None else sanitize.visible(str(value))
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1] + "…"


def cell_at(letters: dict[str, str], key: str, row: int) -> str:
    return f"{letters[key]}{row}" if key in letters else ""
