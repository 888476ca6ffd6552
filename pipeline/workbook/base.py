"""Shared pieces of the consolidated workbook: formats, table writer, predikat colours.

Numbers carry the Indonesian locale tag ``[$-421]``: LibreOffice then shows ``1.234.567,89``
whatever the reader's machine locale (Excel uses the reader's own separators).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline import schema
from pipeline.config import Settings

FONT = {"font_name": "Arial", "font_size": 9, "valign": "top"}
ID = "[$-421]"  # Indonesian number format locale


@dataclass(frozen=True)
class Col:
    """A column of an output table: source key, header, kind and width."""

    key: str
    kind: str = "text"  # text | pct | num | rp | int | bool
    width: float = 12
    header: str = ""

    @property
    def title(self) -> str:
        return self.header or schema.label(self.key)


class Formats:
    def __init__(self, wb: Workbook, decimals: int) -> None:
        dec = "0" * decimals
        pct = f"{ID}#,##0.{dec}" if decimals else f"{ID}#,##0"
        self.pct = pct
        self.num = f"{ID}#,##0.####"
        self.rp = f"{ID}#,##0"
        self.title = wb.add_format({**FONT, "bold": True, "font_size": 14})
        self.subtitle = wb.add_format({**FONT, "bold": True, "font_size": 11})
        self.bold = wb.add_format({**FONT, "bold": True})
        self.text = wb.add_format({**FONT, "text_wrap": True, "border": 1})
        self.plain = wb.add_format(FONT)
        self.header = wb.add_format(
            {
                **FONT,
                "bold": True,
                "text_wrap": True,
                "border": 1,
                "bg_color": "#D9E1F2",
                "valign": "vcenter",
            }
        )
        self.kinds = {
            "text": self.text,
            "pct": wb.add_format({**FONT, "border": 1, "num_format": pct}),
            "num": wb.add_format({**FONT, "border": 1, "num_format": f"{ID}#,##0.####"}),
            "rp": wb.add_format({**FONT, "border": 1, "num_format": f"{ID}#,##0"}),
            "int": wb.add_format({**FONT, "border": 1, "num_format": "0"}),
            "bool": wb.add_format({**FONT, "border": 1, "align": "center"}),
        }
        self.big = wb.add_format(
            {**FONT, "bold": True, "font_size": 16, "num_format": pct, "align": "left"}
        )
        self.big_rp = wb.add_format(
            {**FONT, "bold": True, "font_size": 12, "num_format": f"{ID}#,##0", "align": "left"}
        )
        self.draft = wb.add_format(
            {**FONT, "bold": True, "font_size": 14, "font_color": "#C00000"}
        )
        self.final = wb.add_format(
            {**FONT, "bold": True, "font_size": 14, "font_color": "#006100"}
        )


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return bool(value is pd.NA or value is pd.NaT)


def put(ws: Worksheet, row: int, col: int, value: Any, kind: str, fmts: Formats) -> None:
    fmt = fmts.kinds[kind]
    if is_missing(value):
        ws.write_blank(row, col, None, fmt)
    elif kind == "bool":
        ws.write_string(row, col, "ya" if bool(value) else "", fmt)
    elif kind == "text" or isinstance(value, str):
        ws.write_string(row, col, str(value), fmts.kinds["text"])
    else:
        number = float(value)
        if math.isfinite(number):
            ws.write_number(row, col, number, fmt)
        else:
            ws.write_string(row, col, "tak hingga", fmt)


def write_table(
    ws: Worksheet,
    df: pd.DataFrame,
    cols: list[Col],
    fmts: Formats,
    first_row: int = 0,
    freeze_cols: int = 0,
) -> int:
    """Write a header and rows; freeze, filter, size and print-set the sheet. Returns last row."""
    ws.set_row(first_row, 30)
    for c, col in enumerate(cols):
        ws.write_string(first_row, c, col.title, fmts.header)
        ws.set_column(c, c, col.width)
    records = df.to_dict("records")
    for r, rec in enumerate(records, start=first_row + 1):
        for c, col in enumerate(cols):
            put(ws, r, c, rec.get(col.key), col.kind, fmts)
    last = first_row + len(records)
    ws.freeze_panes(first_row + 1, freeze_cols)
    ws.autofilter(first_row, 0, max(last, first_row), len(cols) - 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1 if len(cols) <= 20 else 2, 0)
    ws.repeat_rows(first_row)
    return last


def predikat_colours(
    ws: Worksheet, wb: Workbook, settings: Settings, cols: list[Col], key: str, last: int
) -> None:
    first, col = 1, [c.key for c in cols].index(key)
    if last < first:
        return
    for band in settings.skala.bands:
        ws.conditional_format(
            first,
            col,
            last,
            col,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{band.label}"',
                "format": wb.add_format({"bg_color": band.warna}),
            },
        )


def legend(
    ws: Worksheet, wb: Workbook, settings: Settings, row: int, col: int, fmts: Formats
) -> int:
    ws.write_string(row, col, f"Skala predikat: {settings.skala.judul}", fmts.bold)
    for i, band in enumerate(settings.skala.bands, start=1):
        ws.write_string(
            row + i, col, band.label, wb.add_format({**FONT, "bg_color": band.warna, "border": 1})
        )
        rule = settings.skala.describe().split("; ")[i - 1]
        ws.write_string(row + i, col + 1, rule, fmts.plain)
    return row + len(settings.skala.bands) + 1


def as_float(value: Any) -> float:
    """A cell value as float; NaN when missing."""
    return float("nan") if is_missing(value) else float(value)


def row_height(*cells: tuple[object, float]) -> float:
    """Points for a row whose (text, column width) cells wrap: LibreOffice will not size it."""
    lines = max(
        (math.ceil(len(str(text or "")) / max(width * 1.15, 1)) for text, width in cells),
        default=1,
    )
    return 12.5 * max(1, lines)


def col_index(cols: list[Col], key: str) -> int:
    """Position of a column key in a column list."""
    return [c.key for c in cols].index(key)


def print_setup(ws: Worksheet, footer: str, landscape: bool = True) -> None:
    """A4, landscape, page footer with the Pemda, year and page numbers."""
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)
    ws.set_footer(footer)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
