"""Shared pieces of the consolidated workbook: formats, the status banner, the table writer,
page geometry and predikat colours.

Every number format comes from :mod:`pipeline.fmt` (Indonesian locale tag, decimals chosen per
value or per indicator, never a trailing separator). Every sheet starts with the same banner
row (the sheet's title, the Pemda and year, and **DRAFT** while any ERROR remains), prints on A4
with that banner in its page header, and keeps every printed glyph at 7 pt or more: the print
scale is chosen from the column widths, and a table too wide for one page is cut into panels
with its key columns repeated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline import fmt, frames, schema
from pipeline.config import Settings
from pipeline.layout import (
    A3_PT,
    A4_PT,
    FONT_PT,
    MARGIN_BOTTOM_IN,
    MARGIN_SIDE_IN,
    MARGIN_TOP_IN,
    fit_scale,
    footer_pt,
    page_room_pt,
    panels,
    printable_width_pt,
    row_height,
    text_room_pt,
    text_width_pt,
)

FONT = {"font_name": "Arial", "font_size": FONT_PT, "valign": "top"}
RASIO_DECIMALS = 2  # a ratio (capaian / serapan) shows at least this many decimals
# The default (Normal) font is the unit of column widths: the same font as the cells, so the
# widths print alike in Excel and LibreOffice.
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_format_properties": {"font_name": "Arial", "font_size": FONT_PT},
}
HEADER_ROW = 1  # 0-based row of the column headers of every data sheet (row 0: the banner)
DRAFT_RED = "#C00000"
FINAL_GREEN = "#006100"


@dataclass(frozen=True)
class Col:
    """A column of an output table: source key, header, kind and width (characters)."""

    key: str
    kind: str = "text"  # text | pct | num | nilai | rp | rasio | int | tahun | bool | date
    width: float = 12
    header: str = ""

    @property
    def title(self) -> str:
        return self.header or schema.label(self.key)


@dataclass(frozen=True)
class Status:
    """Whether the report is a DRAFT (any ERROR left) and what every sheet says about it."""

    errors: int
    nama_pemda: str
    tahun: int

    @property
    def draft(self) -> bool:
        return self.errors > 0

    @property
    def label(self) -> str:
        return "DRAFT" if self.draft else "FINAL"

    def banner(self, title: str) -> str:
        """The first row of every sheet."""
        where = f"{title} — {self.nama_pemda}" + (f" Tahun {self.tahun}" if self.tahun else "")
        if self.draft:
            return f"DRAFT — {where} (belum final: masih ada ERROR, angka dapat berubah)"
        return where

    def page_header(self) -> str:
        """The printed page header: DRAFT in red on every page of a draft run."""
        if not self.draft:
            return ""
        return '&C&"Arial,Bold"&12&K' + DRAFT_RED[1:] + "DRAFT — belum final: masih ada ERROR"


class Formats:
    """Cell formats of one workbook, made once and shared (xlsxwriter wants few formats)."""

    def __init__(self, wb: Workbook, decimals: int, edges: tuple[float, ...] = ()) -> None:
        self.wb = wb
        self.decimals = decimals
        # the band edges of the run (predikat, efficiency, cap): a percent or points cell that
        # would read as one without being it is shown with more decimals
        self.edges = edges
        self._cache: dict[tuple[tuple[str, Any], ...], Format] = {}
        self.pct = fmt.format_angka(decimals)
        self.title = self.get(bold=True, font_size=14, valign="vcenter")
        self.subtitle = self.get(bold=True, font_size=11)
        self.bold = self.get(bold=True)
        self.plain = self.get()
        self.wrap = self.get(text_wrap=True)
        self.text = self.get(text_wrap=True, border=1)
        self.header = self.get(
            bold=True, text_wrap=True, border=1, bg_color="#D9E1F2", valign="vcenter"
        )
        self.draft = self.get(bold=True, font_size=11, font_color=DRAFT_RED, valign="vcenter")
        self.final = self.get(bold=True, font_size=11, font_color=FINAL_GREEN, valign="vcenter")
        self.banner_plain = self.get(bold=True, font_size=11, valign="vcenter")

    def get(self, **props: Any) -> Format:
        """The format with these properties on top of the base font (cached)."""
        merged = {**FONT, **props}
        key = tuple(sorted(merged.items()))
        if key not in self._cache:
            self._cache[key] = self.wb.add_format(merged)
        return self._cache[key]

    def number(self, decimals: int, **props: Any) -> Format:
        """A bordered number cell with exactly ``decimals`` decimals."""
        return self.get(**{"border": 1, "num_format": fmt.format_angka(decimals), **props})

    def kind(self, kind: str, decimals: int | None = None, **props: Any) -> Format:
        """The format of a column kind; ``decimals`` overrides the kind's default."""
        if kind == "pct":
            return self.number(self.decimals if decimals is None else decimals, **props)
        if kind == "rp":
            return self.number(0 if decimals is None else decimals, **props)
        if kind == "rasio":  # near 1: 0,96 and 1,04 must not both read 1,0
            return self.number(max(RASIO_DECIMALS, self.decimals), **props)
        if kind in ("num", "nilai", "int"):
            return self.number(0 if decimals is None else decimals, **props)
        if kind == "tahun":  # 2019, never 2.019
            return self.get(**{"border": 1, "num_format": fmt.format_tahun(), **props})
        if kind == "date":
            return self.get(border=1, num_format=fmt.format_tanggal(jam=True), align="left")
        if kind == "bool":
            return self.get(**{"border": 1, "align": "center", **props})
        return self.get(**{"border": 1, "text_wrap": True, **props})


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame as dicts keyed by column name."""
    return [{str(k): v for k, v in r.items()} for r in frames.records(df)]


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return bool(value is pd.NA or value is pd.NaT)


def as_float(value: Any) -> float:
    """A cell value as float; NaN when missing."""
    return float("nan") if is_missing(value) else float(value)


def value_decimals(kind: str, value: float, default: int) -> int:
    """Decimals a number of a column kind is shown with when no precision is given."""
    if kind == "pct":
        return default
    if kind == "rasio":
        return max(RASIO_DECIMALS, default)
    if kind in ("int", "tahun"):
        return 0
    if kind == "rp":
        return fmt.desimal_rupiah([value])  # whole Rupiah unless it has sen
    return min(fmt.desimal(value), default)  # num, nilai: as many as it has, up to the setting


def put(
    ws: Worksheet,
    row: int,
    col: int,
    value: Any,
    kind: str,
    fmts: Formats,
    decimals: int | None = None,
) -> None:
    """One cell: numbers as numbers with their format, text as text, missing as blank."""
    if is_missing(value):
        ws.write_blank(row, col, None, fmts.kind(kind))
    elif kind == "bool":
        ws.write_string(row, col, "ya" if bool(value) else "", fmts.kind(kind))
    elif kind == "date":
        ws.write_datetime(row, col, value, fmts.kind("date"))
    elif kind == "text" or isinstance(value, str):
        ws.write_string(row, col, str(value), fmts.kind("text"))
    else:
        number = float(value)
        if not math.isfinite(number):
            ws.write_string(row, col, "tak hingga", fmts.kind("text"))
            return
        places = decimals if decimals is not None else value_decimals(kind, number, fmts.decimals)
        if kind == "pct" and fmts.edges:
            places = fmt.desimal_tepi(number, places, fmts.edges)
        ws.write_number(row, col, number, fmts.kind(kind, places))


class RowHeights:
    """Sets row heights on a sheet and remembers them, to lay pages out afterwards."""

    DEFAULT = 12.75

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.heights: dict[int, float] = {}

    def set(self, row: int, height: float) -> None:
        self.ws.set_row(row, height)
        self.heights[row] = height

    def total(self, first: int, last: int) -> float:
        return sum(self.heights.get(r, self.DEFAULT) for r in range(first, last + 1))


def col_index(cols: list[Col], key: str) -> int:
    """Position of a column key in a column list."""
    return [c.key for c in cols].index(key)


def sized(text: str, size: int) -> str:
    """A page header or footer with each section in Arial of ``size`` points (``&&``, an
    ampersand of a name, is no section: ``Sukamaju &&Co`` stays as it is)."""
    return re.sub(
        r"&&|&([LCR])",
        lambda m: m[0] if m[0] == "&&" else f'&{m[1]}&"Arial"&{size}',
        text,
    )


def fitted_footer(footer: str, sheet: str, size: float, room_pt: float) -> str:
    """``footer`` (``&L…&C…&R…``) as it is when its sections fit side by side on a line
    ``room_pt`` wide in Arial ``size``; else all of it centred on two lines, the left section
    (a long Pemda name) above the rest, so no section prints over another.

    Widths are measured as Excel prints them (a footer at its own size: LibreOffice scales it
    down with the sheet, so it is narrower there); ``&A`` is the sheet's name, a page number
    two digits.
    """
    parts = {"L": "", "C": "", "R": ""}
    section, start = "", 0
    for m in re.finditer(r"&&|&([LCR])", footer):
        if m[1]:
            if section:
                parts[section] += footer[start : m.start()]
            section, start = m[1], m.end()
    if section:
        parts[section] += footer[start:]

    def width(text: str) -> float:
        shown = text.replace("&&", "\0").replace("&A", sheet).replace("&P", "99")
        return text_width_pt(shown.replace("&N", "99").replace("\0", "&"), size)

    left, centre, right = (width(parts[k]) for k in "LCR")
    gap = 2 * size  # two ems between sections
    if max(left, right) + centre / 2 + gap <= room_pt / 2:
        return footer
    rest = " · ".join(p for p in (parts["C"].strip(), parts["R"].strip()) if p)
    return f"&C{parts['L'].strip()}\n{rest}" if parts["L"].strip() else f"&C{rest}"


def print_setup(
    ws: Worksheet,
    status: Status,
    footer: str,
    landscape: bool = True,
    scale: int | None = None,
    repeat: tuple[int, int] | None = (0, 0),
    a3: bool = False,
) -> None:
    """A4 (or A3), margins, the DRAFT page header, the footer, a fixed print scale, repeated
    rows."""
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(8 if a3 else 9)
    ws.set_margins(
        left=MARGIN_SIDE_IN, right=MARGIN_SIDE_IN, top=MARGIN_TOP_IN, bottom=MARGIN_BOTTOM_IN
    )
    # Excel keeps header and footer at their own size; LibreOffice scales them with the sheet,
    # so they are set large enough to print at 7 pt or more either way.
    size = footer_pt(scale)
    ws.set_header(sized(status.page_header(), size + 3), {"margin": 0.3, "scale_with_doc": False})
    room = printable_width_pt(landscape, A3_PT if a3 else A4_PT)
    fitted = fitted_footer(footer, ws.name, size, room)
    ws.set_footer(sized(fitted, size), {"margin": 0.3, "scale_with_doc": False})
    if scale is not None:
        ws.set_print_scale(scale)
    if repeat is not None:
        ws.repeat_rows(*repeat)


BANNER_PT = 11.0


def write_banner(
    ws: Worksheet, status: Status, title: str, fmts: Formats, widths: Sequence[float]
) -> float:
    """The first row of a sheet: its title, the Pemda and year, and DRAFT while ERRORs remain.

    Merged over ``widths`` (the columns of the first printed page) and wrapped, so it never
    spills onto a page of its own.
    """
    text = status.banner(title)
    style = {"text_wrap": True, "valign": "vcenter"}
    cell = (
        fmts.get(**{**style, "bold": True, "font_size": BANNER_PT})
        if not status.draft
        else (fmts.get(**{**style, "bold": True, "font_size": BANNER_PT, "font_color": DRAFT_RED}))
    )
    height = row_height((text, sum(widths)), font_pt=BANNER_PT, bold=True)
    ws.set_row(0, height)
    if len(widths) > 1:
        ws.merge_range(0, 0, 0, len(widths) - 1, text, cell)
    else:
        ws.write_string(0, 0, text, cell)
    return height


def write_table(
    ws: Worksheet,
    df: pd.DataFrame,
    cols: list[Col],
    fmts: Formats,
    status: Status,
    title: str,
    footer: str,
    freeze_cols: int = 0,
    decimals: pd.Series | None = None,
    totals: dict[str, list[Any]] | None = None,
    even_pages: bool = False,
    a3: bool = False,
    kept: float = 0.0,
) -> int:
    """A data sheet: the banner, a header row, one row per record; frozen, filtered, printable.

    ``decimals`` (same index as ``df``) gives per-row decimals for the ``num`` columns (the
    indicator's own precision). A Rupiah column shows sen on every row when any of its amounts
    has sen, and is as wide as its widest amount; ``totals`` are the amounts the caller writes
    in bold under the table, per column key, counted in that width. Returns the last row
    written. With ``even_pages`` the rows are shared evenly over the printed pages (no page
    holding a last row or two alone), and ``kept`` points of rows the caller writes under the
    table (its totals) stay on the last page with it; with ``a3`` it prints on A3, for a table
    of many columns and rows that would be cut into many narrow A4 panels.
    """
    cols = _fit_amounts(_whole_words(cols, df), df, totals or {})
    widths = [c.width for c in cols]
    paper = A3_PT if a3 else A4_PT
    scale = fit_scale(widths, landscape=True, paper=paper)
    breaks = panels(widths, freeze_cols, scale, landscape=True, paper=paper)
    # on a sheet printed in panels only the key columns repeat: the banner stays within them
    banner = write_banner(ws, status, title, fmts, widths[:freeze_cols] if breaks else widths)
    first = HEADER_ROW
    header = row_height(*((c.title, c.width) for c in cols), bold=True)
    ws.set_row(first, header)
    for c, col in enumerate(cols):
        ws.write_string(first, c, col.title, fmts.header)
        ws.set_column(c, c, col.width)
    rows = frames.records(df)
    places = list(decimals) if decimals is not None else [None] * len(rows)
    sen = {c.key: fmt.desimal_rupiah(df[c.key]) for c in cols if c.kind == "rp" and c.key in df}
    wrapped = [c for c in cols if c.kind == "text"]
    heights = []
    for r, (rec, dec) in enumerate(zip(rows, places, strict=True), start=first + 1):
        heights.append(row_height(*((rec.get(c.key), c.width) for c in wrapped)))
        ws.set_row(r, heights[-1])
        for c, col in enumerate(cols):
            row_dec = (
                int(dec) if col.kind == "num" and dec is not None and not is_missing(dec) else None
            )
            if col.kind == "rp":
                row_dec = sen.get(col.key)
            put(ws, r, c, rec.get(col.key), col.kind, fmts, row_dec)
    last = first + len(rows)
    ws.freeze_panes(first + 1, freeze_cols)
    ws.autofilter(first, 0, max(last, first), len(cols) - 1)
    print_setup(ws, status, footer, landscape=True, scale=scale, repeat=(0, first), a3=a3)
    if even_pages:
        page = page_room_pt(scale, paper=paper)
        room = page - banner - header
        together = [*heights[:-1], heights[-1] + kept] if heights else heights
        ws.set_h_pagebreaks([first + 1 + i for i in even_breaks(together, room)])
    if breaks:
        ws.repeat_columns(0, max(freeze_cols - 1, 0))
        ws.set_v_pagebreaks(breaks)
        ws.print_across()
    return last


def even_breaks(heights: list[float], room: float) -> list[int]:
    """Indices of the rows that start a new page: as few pages as rows of ``heights`` fill
    with ``room`` points each, the rows shared evenly over them."""

    def fill(pages: int) -> list[int]:  # at most an even share of the rows left a page
        out, used, count = [], 0.0, 0
        most = math.ceil(len(heights) / pages)
        for i, height in enumerate(heights):
            if count and (used + height > room or count >= most):
                out.append(i)
                used, count = 0.0, 0
                most = math.ceil((len(heights) - i) / max(pages - len(out), 1))
            used += height
            count += 1
        return out

    pages = len(fill(1)) + 1
    if pages == 1:
        return []
    even = fill(pages)
    return even if len(even) + 1 == pages else fill(1)


NARROW_MAX = 24  # a narrow text column widens up to this to keep its longest word whole


def _whole_words(cols: list[Col], df: pd.DataFrame) -> list[Col]:
    """The columns, each narrow text column (a code, a label) widened to hold its longest word
    on one line: a code such as ``INSPEKTORAT`` or ``KEC_SMHSBD`` was broken inside the word
    (``INSPEKTORA`` / ``T``), and a spec's codes can be of any length."""
    out = []
    for col in cols:
        if col.kind == "text" and col.width < NARROW_MAX and col.key in df and len(df):
            words = {w for v in df[col.key].dropna().astype(str) for w in v.split()}
            longest = max((text_width_pt(w) for w in words), default=0.0)
            width = col.width
            while width < NARROW_MAX and text_room_pt(width) < longest:
                width += 1
            out.append(replace(col, width=width))
        else:
            out.append(col)
    return out


def _fit_amounts(cols: list[Col], df: pd.DataFrame, totals: dict[str, list[Any]]) -> list[Col]:
    """The columns, each Rupiah column widened to print its widest amount (with its sen, and a
    total in bold): a wider column than ``###``, which LibreOffice prints for a number that
    does not fit."""
    out = []
    for col in cols:
        if col.kind != "rp" or col.key not in df:
            out.append(col)
            continue
        places = fmt.desimal_rupiah(df[col.key])
        shown = [(v, False) for v in df[col.key]] + [(v, True) for v in totals.get(col.key, [])]
        widest = max(
            (
                text_width_pt(fmt.angka(float(v), places), bold=bold)
                for v, bold in shown
                if not is_missing(v) and not isinstance(v, str)
            ),
            default=0.0,
        )
        width = col.width
        while text_room_pt(width) < widest:
            width += 1
        out.append(replace(col, width=width))
    return out


def predikat_colours(
    ws: Worksheet,
    wb: Workbook,
    settings: Settings,
    col: int,
    first: int,
    last: int,
    fmts: Formats | None = None,
) -> None:
    """Colour the predikat cells of one column by band (conditional format, values stay text)."""
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
                "format": wb.add_format(
                    {"bg_color": band.warna, "font_color": text_on(band.warna)}
                ),
            },
        )


def text_on(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (``#RRGGBB``): white on a dark
    band colour (a custom scale's #006837), black on the usual light ones. By the contrast
    ratio of WCAG: white wins below a relative luminance of about 0,18."""
    try:
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    except ValueError:
        return "#000000"
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#FFFFFF" if (1.05 / (luminance + 0.05)) > ((luminance + 0.05) / 0.05) else "#000000"


def band_format(fmts: Formats, colour: str, **props: Any) -> Format:
    """A bordered cell filled with a band colour, its text black or white to stay legible."""
    return fmts.get(**{"border": 1, "bg_color": colour, "font_color": text_on(colour), **props})
