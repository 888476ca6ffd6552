"""The Renja evaluation form, Tabel E.81 (Permendagri 86/2017): one block per OPD, each on its
own printed page, in the consolidated workbook's ``E.81`` sheet and as one workbook per OPD
(``output/e81/<kode_opd>.xlsx``) to sign.

Columns 1–18 with K (kinerja) and Rp (anggaran) sub-columns, the form's formula captions under
the column numbers, Urusan / Program / Kegiatan rows with their indicators, and the footer rows.
Every figure is a number cell; Rupiah are stored whole and shown in millions (``#.##0,00,,``).

Pages are laid out here, not left to the spreadsheet program: A3 landscape at 80 % (9 pt text
prints at 7,2 pt). Each number column is as wide as its widest figure, no word of a column title
is broken, and the Program/Kegiatan, Indikator and Keterangan columns share the rest of the
width so that the tallest block is shortest. Every row is exactly as tall as its wrapped text
(LibreOffice's line pitch, measured, and Excel's), so the writer knows where each page ends:
every block starts a page, and a block taller than a page (more than about 26 program and
kegiatan rows of two lines) breaks between rows and goes on under a line naming the OPD and
its column headers again; the footer rows (with the place to sign in the OPD's own file) are
never split.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipeline import fmt
from pipeline.atomic import atomic_path
from pipeline.config import Scale
from pipeline.frames import records
from pipeline.layout import (
    FONT_PT,
    col_width_pt,
    footer_pt,
    min_scale,
    text_width_pt,
    wrapped_lines,
)
from pipeline.renja import E81, KOLOM, TRIWULAN_ROMAWI
from pipeline.workbook.base import (
    WORKBOOK_OPTIONS,
    Formats,
    RowHeights,
    Status,
    band_format,
    sized,
    write_banner,
)
from pipeline.xlsx_safe import SafeWorkbook

A3_LANDSCAPE_PT = (1190.55, 841.89)
SIDE_IN, TOP_IN, BOTTOM_IN = 0.3, 0.6, 0.6
# Every sheet prints at the smallest scale that keeps 9 pt text at 7 pt or more (80 %): the
# columns are sized to fill the page's width at that scale.
SCALE = min_scale()
# Columns: No, Sasaran, Kode, Urusan/Program/Kegiatan, Indikator; K / Rp pairs for columns
# 6–16; Unit, Keterangan.
FIRST_PAIR = 5
PERCENT_COLUMNS = (14, 16)
LAST = FIRST_PAIR + 2 * len(KOLOM) + 1
NAME, INDICATOR = 3, 4
CAPTIONS = {
    13: "13 = 9+10+11+12",
    14: "14 = 13/8 × 100",
    15: "15 = 7 + 13",
    16: "16 = 15/6 × 100",
}
TITLES = {
    6: "Target Renstra Perangkat Daerah pada Akhir Periode Renstra PD",
    7: "Realisasi Capaian Kinerja Renstra Perangkat Daerah s/d Renja Perangkat Daerah Tahun Lalu",
    8: "Target Kinerja dan Anggaran Renja Perangkat Daerah Tahun Berjalan yang Dievaluasi",
    13: "Realisasi Capaian Kinerja dan Anggaran Renja Perangkat Daerah yang Dievaluasi",
    14: "Tingkat Capaian Kinerja dan Realisasi Anggaran Renja Perangkat Daerah yang "
    "Dievaluasi (%)",
    15: "Realisasi Kinerja dan Anggaran Renstra Perangkat Daerah s/d Tahun Berjalan",
    16: "Tingkat Capaian Kinerja dan Realisasi Anggaran Renstra Perangkat Daerah s/d "
    "Tahun Berjalan (%)",
}
LEFT_TITLES = [
    "No",
    "Sasaran",
    "Kode",
    "Urusan/Bidang Urusan Pemerintahan Daerah dan Program/Kegiatan",
    "Indikator Kinerja Program (outcome)/ Kegiatan (output)",
]
RIGHT_TITLES = ["Unit Perangkat Daerah Penanggung Jawab", "Keterangan"]
# The narrowest a pair of columns 6–16 may be (characters) is tried at each of these: a wider
# pair takes width from the text columns and gives a shorter header row.
TITLE_FLOORS = (0.0, 15.0, 16.0, 17.0, 18.0)
# The columns whose width follows the text and the numbers they hold start from these.
MIN_WIDTH = {0: 3.5, 1: 4.5, 2: 5.0, NAME: 16.0, INDICATOR: 14.0, LAST - 1: 6.0, LAST: 10.0}
UNIT_MAX = 14.0  # a longer OPD code wraps
# LibreOffice prints wrapped Arial 9 at a pitch of 10 pt a line (measured in its PDF; a row of
# n lines shows them whole from 10n + 2 pt). Excel's pitch follows the font's height in pixels
# at 96 dpi: 14 px = 10,5 pt for Arial 9 (its default row, 16 px, is that and 2 px). Rows get
# 10,5 pt a line and 2,5 pt: as tall as their text in either program.
PITCH_PT = 10.5
PAD_PT = 2.5
# The layout module keeps 4 pt of a column for padding; LibreOffice keeps about 1 (measured:
# columns 8, 14 and 25 characters wide wrap a line past 42,5, 72,6 and 127,8 pt). E.81 rows count
# on 2 pt of it, 0,4 of a character.
SLACK_CHARS = 0.4
TITLE_PT = 11.0
FOOTER_LABELS = (
    ("rata", "Rata-rata capaian kinerja (%)"),
    ("predikat", "Predikat kinerja"),
    ("faktor_pendorong", "Faktor pendorong keberhasilan kinerja"),
    ("faktor_penghambat", "Faktor penghambat pencapaian kinerja"),
    ("tindak_lanjut", "Tindak lanjut yang diperlukan dalam triwulan berikutnya"),
    ("tindak_lanjut_renja", "Tindak lanjut yang diperlukan dalam RKPD/Renja berikutnya"),
)


def col_of(number: int, sub: str) -> int:
    """0-based sheet column of form column ``number`` (6–16), sub-column ``K`` or ``Rp``."""
    return FIRST_PAIR + 2 * (number - 6) + (0 if sub == "K" else 1)


def height(*cells: tuple[object, float], bold: bool = False, font_pt: float = FONT_PT) -> float:
    """Points for a row whose (text, column width) cells wrap: the lines the longest needs."""
    lines = max(
        (wrapped_lines(t, w + SLACK_CHARS, font_pt, bold=bold) for t, w in cells), default=1
    )
    return round(lines * PITCH_PT * font_pt / FONT_PT + PAD_PT, 1)


ONE_LINE = height()


def print_scale() -> int:
    """The scale of every E.81 page (%)."""
    return SCALE


def page_width() -> float:
    """Unscaled points of column width one printed page holds, measured the wider way (Excel's:
    :func:`~pipeline.layout.col_width_pt`), with 1 % to spare."""
    return (A3_LANDSCAPE_PT[0] - 2 * SIDE_IN * 72) / (SCALE / 100) * 0.99


def page_height() -> float:
    """Unscaled points of sheet that fit one printed page."""
    room = A3_LANDSCAPE_PT[1] - (TOP_IN + BOTTOM_IN) * 72
    return room / (SCALE / 100)


def _chars(points: float, floor: float = 0.0) -> float:
    """The column width (characters, in halves) in which ``points`` of text print on one line
    in LibreOffice, the narrower of the two programs (5 pt a character and 2,5 pt), 1 pt to
    spare."""
    return max(floor, math.ceil(max(points - 1.5, 0.0) / 5.0 * 2) / 2)


def _number_pt(values: Any, shown: Any) -> float:
    """Printed width of the widest of ``values`` as ``shown(value)`` gives its text."""
    return max((text_width_pt(shown(float(v))) for v in values if not pd.isna(v)), default=0.0)


def widths(rows: pd.DataFrame, decimals: int) -> list[float]:
    """Column widths (characters) of the 29 printed columns for the item ``rows`` of the blocks
    on the sheet. Each number column is as wide as its widest figure (a figure never prints as
    ``###``), each pair holds its caption, the code columns their codes; the three text columns
    (Program/Kegiatan, Indikator, Keterangan) share the rest of the page's width, and the pairs
    of columns 6–16 are widened for their titles, so that the tallest block (header row and
    item rows) is as short as it can be."""
    base = _figure_widths(rows, decimals)
    texts = _Texts.of(rows, base)
    per_char = col_width_pt(1) - col_width_pt(0)
    best: tuple[tuple[float, float], list[float]] | None = None
    for floor in TITLE_FLOORS:
        w = list(base)
        for number in TITLES:
            first = col_of(number, "K")
            extra = max(floor - w[first] - w[first + 1], 0.0)
            w[first] += extra / 2
            w[first + 1] += extra / 2
        fixed = sum(col_width_pt(x) for i, x in enumerate(w) if i not in (NAME, INDICATOR, LAST))
        room = math.floor((page_width() - fixed - 3 * col_width_pt(0)) / per_char * 2) / 2
        if room < MIN_WIDTH[NAME] + MIN_WIDTH[INDICATOR] + MIN_WIDTH[LAST]:
            continue
        head = max(
            wrapped_lines(t, w[col_of(n, "K")] + w[col_of(n, "Rp")] + SLACK_CHARS, bold=True)
            for n, t in TITLES.items()
        )
        head = max(head, wrapped_lines(RIGHT_TITLES[0], w[LAST - 1] + SLACK_CHARS, bold=True))
        score, shared = _share(texts, room, head)
        if best is None or score < best[0]:
            best = (score, [*w[:NAME], shared[0], shared[1], *w[INDICATOR + 1 : LAST], shared[2]])
    if best is None:  # nothing fits at any floor: the figures' widths and the text floors
        return base
    return best[1]


def _figure_widths(rows: pd.DataFrame, decimals: int) -> list[float]:
    """The widths that follow the figures and codes; the text columns at their floors."""
    w = [0.0] * (LAST + 1)
    for col, floor in MIN_WIDTH.items():
        w[col] = floor
    w[1] = max(MIN_WIDTH[1], _text_chars(rows["kode_sasaran"]))
    w[2] = max(MIN_WIDTH[2], _text_chars(rows["kode"]))
    w[LAST - 1] = min(UNIT_MAX, max(MIN_WIDTH[LAST - 1], _text_chars(rows["unit"])))
    # no word of a column title is broken
    titled = [*enumerate(LEFT_TITLES), (LAST - 1, RIGHT_TITLES[0]), (LAST, RIGHT_TITLES[1])]
    for col, title in titled:
        w[col] = max(w[col], _word_chars(title))
    k_head = _chars(text_width_pt("K", bold=True), 4.5)
    rp_head = _chars(text_width_pt("Rp (juta)", bold=True))
    for number, (k, rp) in KOLOM.items():
        first = col_of(number, "K")
        if number in PERCENT_COLUMNS:
            pct = _chars(
                max(_number_pt(rows[c], lambda v: f"{v:,.{decimals}f}") for c in (k, rp)),
                k_head,
            )
            w[first] = w[first + 1] = pct
        else:
            w[first] = _chars(_number_pt(rows[k], lambda v: f"{v:,.{fmt.desimal(v, 2)}f}"), k_head)
            w[first + 1] = _chars(_number_pt(rows[rp], lambda v: f"{v / 1e6:,.2f}"), rp_head)
        labels = [CAPTIONS.get(number, ""), TITLES.get(number, "")]
        if 9 <= number <= 12:
            labels.append("(di luar periode)")  # "III (di luar periode)" may wrap
        # the caption on one line; no word of a title or a quarter's label broken
        pair = max(_chars(text_width_pt(labels[0], bold=True)), *map(_word_chars, labels[1:]))
        extra = max(pair - w[first] - w[first + 1], 0.0)
        w[first] += extra / 2
        w[first + 1] += extra / 2
    return w


def _word_chars(title: str) -> float:
    """The width in which the longest word of a bold title prints whole."""
    return max((_chars(text_width_pt(word, bold=True)) for word in title.split()), default=0.0)


def _text_chars(values: pd.Series) -> float:
    return _chars(max((text_width_pt(str(v)) for v in values if isinstance(v, str)), default=0))


@dataclass(frozen=True)
class _Texts:
    """What the text columns of the item rows hold, read once for the layout search: the
    Program/Kegiatan names (bold for a program), indicators, notes, the lines the code and unit
    columns need, and each row's block."""

    names: list[tuple[str, bool]]
    indicators: list[tuple[str, bool]]
    notes: list[tuple[str, bool]]
    fixed: np.ndarray
    block: np.ndarray
    _lines: dict[tuple[str, float], np.ndarray] = field(default_factory=dict, compare=False)

    def lines(self, column: str, width: float) -> np.ndarray:
        """The lines each row of ``column`` (names, indicators, notes) needs at ``width``
        (remembered: the search tries the same widths for every floor of the titles)."""
        key = (column, width)
        found = self._lines.get(key)
        if found is None:
            texts: list[tuple[str, bool]] = getattr(self, column)
            found = self._lines[key] = np.array([_lines(t, width, bold) for t, bold in texts])
        return found

    @classmethod
    def of(cls, rows: pd.DataFrame, w: list[float]) -> _Texts:
        items = rows[rows["jenis"] != "urusan"]
        recs = [{str(k): v for k, v in r.items()} for r in records(items)]
        return cls(
            [(str(r["uraian"] or ""), bool(r["jenis"] != "kegiatan")) for r in recs],
            [(_indicator(r), False) for r in recs],
            [(str(r["keterangan"] or ""), False) for r in recs],
            np.array(
                [
                    max(_lines(str(r["kode"]), w[2], False), _lines(str(r["unit"]), w[-2], False))
                    for r in recs
                ],
                dtype=float,
            ),
            pd.factorize(items["kode_opd"])[0],
        )


def _share(
    texts: _Texts, room: float, head: int
) -> tuple[tuple[float, float], tuple[float, float, float]]:
    """The widths of the Program/Kegiatan, Indikator and Keterangan columns, ``room``
    characters together, that make the tallest block shortest (then all blocks together), and
    that block's score: the points of its item rows and of the header's title lines (``head``:
    the lines the other titles need)."""
    if not texts.names:
        rest = room - MIN_WIDTH[NAME] - MIN_WIDTH[INDICATOR]
        return (head * PITCH_PT, 0.0), (MIN_WIDTH[NAME], MIN_WIDTH[INDICATOR], rest)
    names, fixed, block = texts.names, texts.fixed, texts.block
    lines = texts.lines
    floor_n, floor_i, floor_k = MIN_WIDTH[NAME], MIN_WIDTH[INDICATOR], MIN_WIDTH[LAST]
    name_w = np.arange(floor_n, room - floor_i - floor_k + 0.5, 1.0)
    ind_w = np.arange(floor_i, room - floor_n - floor_k + 0.5, 1.0)
    by_name = np.array([lines("names", float(x)) for x in name_w])
    by_ind = np.array([lines("indicators", float(x)) for x in ind_w])
    # The Keterangan column gets what is left: room - name_w[i] - ind_w[j], that is
    # ``base - (i + j)``, so its lines (and its title's) are looked up by i + j.
    base = room - floor_n - floor_i
    widest = max(int(base - floor_k) + 1, 0)
    by_note = np.array([lines("notes", float(base - t)) for t in range(widest)])
    note_head = np.array(
        [_lines(RIGHT_TITLES[1], float(base - t), True) - 1 for t in range(widest)]
    )
    in_block = np.zeros((len(names), int(block.max()) + 1))
    in_block[np.arange(len(names)), block] = 1.0
    ind_head = np.array([_lines(LEFT_TITLES[INDICATOR], x, True) for x in ind_w]) - 1
    best: tuple[float, float, float, float, float] | None = None
    for i, a in enumerate(name_w):
        c_all = room - a - ind_w
        ok = c_all >= floor_k  # the first widest - i widths of the indicator column
        if not ok.any():
            continue
        c = c_all[ok]
        need = np.maximum(
            np.maximum(by_name[i][None, :], by_ind[ok]),
            np.maximum(by_note[i : i + len(c)], fixed[None, :]),
        )
        per_block = (need * PITCH_PT + PAD_PT) @ in_block
        titles = np.maximum(
            np.maximum(head, _lines(LEFT_TITLES[NAME], float(a), True) - 1),
            np.maximum(ind_head[ok], note_head[i : i + len(c)]),
        )
        tallest = per_block.max(axis=1) + titles * PITCH_PT
        total = per_block.sum(axis=1)
        j = int(np.lexsort((total, tallest))[0])  # the first of the shortest (a stable sort)
        score = (float(tallest[j]), float(total[j]))
        if best is None or score < best[:2]:
            best = (*score, float(a), float(ind_w[ok][j]), float(c[j]))
    assert best is not None
    return best[:2], best[2:]


@functools.lru_cache(maxsize=65536)
def _lines(text: str, width: float, bold: bool) -> int:
    """Lines ``text`` wraps to in a column ``width`` characters wide (remembered: the layout
    search asks for the same text at the same width many times)."""
    return wrapped_lines(text, width + SLACK_CHARS, bold=bold)


class _Dry:
    """A worksheet that writes nothing: a part of a block is laid out on it to learn its
    height before it is placed."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


@dataclass
class Pages:
    """The printed pages of a sheet while it is written: every OPD block starts a page; a block
    taller than a page breaks between rows and goes on with its column headers repeated.

    ``room`` is the sheet height (points, unscaled) one page holds, ``used`` what the current
    page holds so far, ``breaks`` the rows that start a page (a manual break before each)."""

    room: float = field(default_factory=lambda: page_height() * 0.99)
    used: float = 0.0
    breaks: list[int] = field(default_factory=list)
    count: int = 1

    def new_page(self, row: int) -> None:
        self.breaks.append(row)
        self.used = 0.0
        self.count += 1

    def fits(self, points: float) -> bool:
        return self.used + points <= self.room


class _Styles:
    """The formats of a sheet's cells and the widths of its columns."""

    def __init__(self, fmts: Formats, widths: list[float], scale: Scale) -> None:
        self.fmts = fmts
        self.widths = widths
        # a percent beside its predikat: more decimals where it would read as a band edge
        # of the E.81 scale (90,32 reads 90,3 beside 'ST', not 90)
        finite = {b.batas for b in scale.bands if math.isfinite(b.batas)}
        self.edges = tuple(sorted(finite | set(fmts.edges)))
        self.text = fmts.get(border=1, text_wrap=True)
        self.center = fmts.get(border=1, text_wrap=True, align="center")
        self.head = fmts.get(
            bold=True,
            text_wrap=True,
            border=1,
            bg_color="#D9E1F2",
            align="center",
            valign="vcenter",
        )
        self.number_row = fmts.get(border=1, align="center", bg_color="#EDEDED", text_wrap=True)
        self.title = fmts.get(bold=True, font_size=11, align="center", text_wrap=True)
        self.line = fmts.get(text_wrap=True)
        self.line_bold = fmts.get(bold=True, text_wrap=True)
        self.urusan = fmts.get(bold=True, border=1, text_wrap=True, bg_color="#F2F2F2")
        self.program = fmts.get(bold=True, border=1, text_wrap=True)
        self.kegiatan = fmts.get(border=1, text_wrap=True, indent=1)
        self.rp = fmts.get(border=1, num_format=fmt.LOKAL + "#,##0.00,,")
        self.foot_label = fmts.get(bold=True, border=1, text_wrap=True)
        self.foot_text = fmts.get(border=1, text_wrap=True)
        self.blank = fmts.get(border=1)

    def pct_of(self, value: float, bold: bool = False) -> Format:
        places = fmt.desimal_tepi(value, self.fmts.decimals, self.edges)
        return self.fmts.number(places, bold=True) if bold else self.fmts.number(places)

    def k(self, value: float) -> Format:
        return self.fmts.number(fmt.desimal(value, 2))


def _put(ws: Worksheet, row: int, col: int, value: object, style: Format) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        ws.write_blank(row, col, None, style)
    elif isinstance(value, int | float):
        ws.write_number(row, col, float(value), style)
    else:
        ws.write_string(row, col, str(value), style)


def _merge(ws: Worksheet, row: int, first: int, last: int, text: str, style: Format) -> None:
    if first == last:
        ws.write_string(row, first, text, style)
    else:
        ws.merge_range(row, first, row, last, text, style)


def _header_rows(ws: Worksheet, rh: RowHeights, row: int, st: _Styles, triwulan: int) -> int:
    """The four header rows (titles, quarters, K/Rp, column numbers with captions); returns
    the last of them."""
    titles, left, right = TITLES, LEFT_TITLES, RIGHT_TITLES
    top, quarters, subs, numbers = row, row + 1, row + 2, row + 3
    cells: list[tuple[object, float]] = []
    for col, text in enumerate(left):
        ws.merge_range(top, col, subs, col, text, st.head)
        cells.append((text, st.widths[col]))
    for number, text in titles.items():
        first = col_of(number, "K")
        ws.merge_range(top, first, quarters, first + 1, text, st.head)
        cells.append((text, st.widths[first] + st.widths[first + 1]))
    ws.merge_range(
        top, col_of(9, "K"), top, col_of(12, "Rp"), "Realisasi Kinerja pada Triwulan", st.head
    )
    labels = []
    for q in range(4):
        first = col_of(9 + q, "K")
        label = TRIWULAN_ROMAWI[q] + ("" if q < triwulan else " (di luar periode)")
        ws.merge_range(quarters, first, quarters, first + 1, label, st.head)
        labels.append((label, st.widths[first] + st.widths[first + 1]))
    for offset, text in enumerate(right):
        col = LAST - 1 + offset
        ws.merge_range(top, col, subs, col, text, st.head)
        cells.append((text, st.widths[col]))
    for number in KOLOM:
        for sub in ("K", "Rp"):
            col = col_of(number, sub)
            shown = sub if number in PERCENT_COLUMNS or sub == "K" else "Rp (juta)"
            ws.write_string(subs, col, shown, st.head)
    # the titles of columns 6–16 span the top two rows, the others the top three
    rh.set(quarters, height(*labels, bold=True))
    rh.set(subs, ONE_LINE)
    rh.set(top, max(height(*cells, bold=True) - rh.heights[quarters], ONE_LINE))
    for col in range(FIRST_PAIR):
        ws.write_string(numbers, col, str(col + 1), st.number_row)
    for number in KOLOM:
        first = col_of(number, "K")
        ws.merge_range(
            numbers, first, numbers, first + 1, CAPTIONS.get(number, str(number)), st.number_row
        )
    ws.write_string(numbers, LAST - 1, "17", st.number_row)
    ws.write_string(numbers, LAST, "18", st.number_row)
    rh.set(numbers, ONE_LINE)
    return numbers


@dataclass(frozen=True)
class Place:
    """What a block's header lines name besides the OPD: the Pemda, the year, the Renstra's
    last year."""

    nama_pemda: str
    tahun: int
    akhir: int


def write_block(
    ws: Worksheet,
    rh: RowHeights,
    row: int,
    e81: E81,
    kode_opd: str,
    st: _Styles,
    place: Place,
    pages: Pages,
    signature: bool = False,
) -> int:
    """One OPD's block from ``row`` (the top of a page): header lines, column headers, rows,
    footer, and with ``signature`` the place to sign. A row that would pass the foot of the
    page starts the next one under the column headers again; the footer (with the signature)
    is kept in one piece. Returns the last row written."""
    foot = e81.footer.set_index("kode_opd").loc[kode_opd]
    rows = e81.rows[e81.rows["kode_opd"] == kode_opd]
    full = sum(st.widths)
    name = f"{foot['nama_opd']} ({kode_opd})"
    lines = [
        (
            st.title,
            "EVALUASI TERHADAP HASIL RENJA PERANGKAT DAERAH LINGKUP " + place.nama_pemda.upper(),
        ),
        (st.line_bold, f"Renja Perangkat Daerah {name}"),
        (
            st.line_bold,
            f"Periode Pelaksanaan: Tahun {place.tahun}, {e81.periode} (tahun lalu = "
            f"{place.tahun - 1}; akhir periode Renstra PD = {place.akhir})",
        ),
        (
            st.line,
            "Indikator dan target kinerja Perangkat Daerah yang mengacu pada sasaran RKPD: "
            + (str(foot["sasaran"]) or "-"),
        ),
        (st.line, _block_note(str(foot["catatan"]))),
    ]
    for style, text in lines:
        size = TITLE_PT if style is st.title else FONT_PT
        rh.set(row, height((text, full), bold=style is not st.line, font_pt=size))
        _merge(ws, row, 0, LAST, text, style)
        pages.used += rh.heights[row]
        row += 1
    first = row
    row = _header_rows(ws, rh, row, st, e81.triwulan) + 1
    pages.used += rh.total(first, row - 1)
    for rec in records(rows):
        item = {str(k): v for k, v in rec.items()}
        need = _item_height(item, st.widths)
        if not pages.fits(need):
            row = _continued(ws, rh, row, st, e81.triwulan, name, pages)
        _item_row(ws, rh, row, item, st, need)
        pages.used += need
        row += 1
    probe = RowHeights(cast(Worksheet, _Dry()))
    end = _footer(probe.ws, probe, 0, foot, e81, st)
    if signature:
        end = _signature(probe.ws, probe, end, foot, st)
    if not pages.fits(probe.total(0, end - 1)):
        row = _continued(ws, rh, row, st, e81.triwulan, name, pages)
    last = _footer(ws, rh, row, foot, e81, st)
    if signature:
        last = _signature(ws, rh, last, foot, st)
    pages.used += rh.total(row, last - 1)
    return last - 1


def _continued(
    ws: Worksheet,
    rh: RowHeights,
    row: int,
    st: _Styles,
    triwulan: int,
    name: str,
    pages: Pages,
) -> int:
    """A new page inside a block: a line naming the OPD, the column headers again. Returns
    the row after them."""
    pages.new_page(row)
    text = f"Tabel E.81 Renja Perangkat Daerah {name} (lanjutan)"
    rh.set(row, height((text, sum(st.widths)), bold=True))
    _merge(ws, row, 0, LAST, text, st.line_bold)
    last = _header_rows(ws, rh, row + 1, st, triwulan)
    pages.used += rh.total(row, last)
    return last + 1


def _block_note(catatan: str) -> str:
    base = (
        "Tabel E.81 (Permendagri 86/2017). K = kinerja (satuan di kolom 5); Rp dalam juta "
        "rupiah (sel berisi nilai rupiah lengkap)."
    )
    return f"{base} {catatan}".strip()


def _indicator(rec: dict[str, Any]) -> str:
    text = str(rec["indikator"] or "")
    return f"{text} ({rec['satuan']})" if text and rec["satuan"] else text


def _item_height(rec: dict[str, Any], w: list[float]) -> float:
    """Points the row of a program, kegiatan or Urusan needs."""
    if rec["jenis"] == "urusan":
        return height((rec["uraian"], sum(w)), bold=True)
    return max(
        height((rec["uraian"], w[NAME]), bold=rec["jenis"] != "kegiatan"),
        height(
            (_indicator(rec), w[INDICATOR]),
            (rec["kode"], w[2]),
            (rec["unit"], w[LAST - 1]),
            (rec["keterangan"], w[LAST]),
        ),
    )


def _item_row(
    ws: Worksheet, rh: RowHeights, row: int, rec: dict[str, Any], st: _Styles, need: float
) -> None:
    jenis = rec["jenis"]
    name_style = {"urusan": st.urusan, "program": st.program}.get(jenis, st.kegiatan)
    rh.set(row, need)
    if jenis == "urusan":
        ws.merge_range(row, 0, row, LAST, str(rec["uraian"]), st.urusan)
        return
    indicator = _indicator(rec)
    _put(ws, row, 0, rec["no"] if rec["no"] not in (None, "") else None, st.center)
    _put(ws, row, 1, rec["kode_sasaran"], st.center)
    _put(ws, row, 2, rec["kode"], st.text)
    _put(ws, row, 3, rec["uraian"], name_style)
    _put(ws, row, 4, indicator, st.text)
    for number, (k, rp) in KOLOM.items():
        kv, rv = float(rec[k]), float(rec[rp])
        pct = number in PERCENT_COLUMNS
        _put(ws, row, col_of(number, "K"), kv, st.pct_of(kv) if pct else st.k(kv))
        _put(ws, row, col_of(number, "Rp"), rv, st.pct_of(rv) if pct else st.rp)
    _put(ws, row, LAST - 1, rec["unit"], st.text)
    _put(ws, row, LAST, rec["keterangan"], st.text)


def _labelled(label: str, text: tuple[object, float], w: list[float]) -> float:
    """The height of a footer row: its bold label in columns 1–5, its plain text."""
    return max(height((label, sum(w[:FIRST_PAIR])), bold=True), height(text))


def _footer(ws: Worksheet, rh: RowHeights, row: int, foot: Any, e81: E81, st: _Styles) -> int:
    label_last = FIRST_PAIR - 1
    k_col, rp_col = col_of(14, "K"), col_of(14, "Rp")
    w = st.widths
    note_width = sum(w[FIRST_PAIR:k_col])  # the note stands left of the figures of column 14
    colours = {
        b.label: band_format(st.fmts, b.warna, align="center", bold=True) for b in e81.scale.bands
    }
    for key, label in FOOTER_LABELS:
        if key in ("rata", "predikat"):
            if key == "rata":
                capped = int(foot["dibatasi_k"])
                cap = (
                    f" ({capped} di atas batas capaian {fmt.angka_ringkas(foot['batas_capaian'])}%"
                    f" dihitung {fmt.angka_ringkas(foot['batas_capaian'])}%)"
                    if capped
                    else ""
                )
                # a count of 0 (berkas belum diterima) is said as such, not "dari 0 indikator"
                n_k, n_rp = int(foot["jumlah_k"]), int(foot["jumlah_rp"])
                note = (
                    (
                        f"K: rata-rata kolom 14 (K) dari {n_k} indikator{cap}"
                        if n_k
                        else "K: tidak dihitung, kolom 14 (K) kosong"
                    )
                    + "; "
                    + (
                        f"Rp: Σ kolom 13 (Rp) / Σ kolom 8 (Rp) × 100 dari {n_rp} program"
                        if n_rp
                        else "Rp: tidak dihitung, kolom 13 (Rp) kosong"
                    )
                )
                kv: object = float(foot["rata_k"])
                rv: object = float(foot["rata_rp"])
                k_style = st.pct_of(float(foot["rata_k"]), bold=True)
                rp_style = st.pct_of(float(foot["rata_rp"]), bold=True)
            else:
                note = e81.scale.judul + ": " + e81.scale.describe()
                kv, rv = foot["predikat_k"] or "-", foot["predikat_rp"] or "-"
                k_style = colours.get(str(kv), st.center)
                rp_style = colours.get(str(rv), st.center)
            rh.set(row, _labelled(label, (note, note_width), w))
            _merge(ws, row, 0, label_last, label, st.foot_label)
            _merge(ws, row, FIRST_PAIR, k_col - 1, note, st.foot_text)
            if isinstance(kv, float) and math.isnan(kv):
                kv = "-"
            if isinstance(rv, float) and math.isnan(rv):
                rv = "-"
            _put(
                ws,
                row,
                k_col,
                kv,
                k_style if not isinstance(kv, str) or key == "predikat" else st.center,
            )
            _put(
                ws,
                row,
                rp_col,
                rv,
                rp_style if not isinstance(rv, str) or key == "predikat" else st.center,
            )
            _merge(ws, row, rp_col + 1, LAST, "", st.blank)
        else:
            text = str(foot[key] or "") or "-"
            rh.set(
                row,
                _labelled(label, (text, sum(w[FIRST_PAIR:])), w),
            )
            _merge(ws, row, 0, label_last, label, st.foot_label)
            _merge(ws, row, FIRST_PAIR, LAST, text, st.foot_text)
        row += 1
    return row


def _page_setup(ws: Worksheet, status: Status, footer: str, widths: list[float]) -> None:
    scale = print_scale()
    ws.set_landscape()
    ws.set_paper(8)  # A3
    ws.set_margins(left=SIDE_IN, right=SIDE_IN, top=TOP_IN, bottom=BOTTOM_IN)
    size = footer_pt(scale)
    ws.set_header(sized(status.page_header(), size + 3), {"margin": 0.25, "scale_with_doc": False})
    ws.set_footer(sized(footer, size), {"margin": 0.25, "scale_with_doc": False})
    ws.set_print_scale(scale)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)


def write_e81_sheet(
    ws: Worksheet,
    e81: E81,
    fmts: Formats,
    status: Status,
    footer: str,
    place: Place,
) -> Pages:
    """The consolidated workbook's E.81 sheet: the banner, then one block per OPD, each from
    the top of a new page. Returns the pages as laid out."""
    st = _Styles(fmts, widths(e81.rows, fmts.decimals), e81.scale)
    _page_setup(ws, status, footer, st.widths)
    rh = RowHeights(ws)
    rh.heights[0] = write_banner(
        ws, status, f"Evaluasi Hasil Renja (Tabel E.81), {e81.periode}", fmts, st.widths
    )
    rh.set(1, ONE_LINE)
    pages = Pages(used=rh.total(0, 1))
    row = 2
    if e81.footer.empty:
        ws.write_string(
            row, 0, "Tidak ada program di master spec: Tabel E.81 tidak dapat disusun.", st.line
        )
        return pages
    for n, kode in enumerate(e81.blocks()):
        if n:
            pages.new_page(row)
        row = write_block(ws, rh, row, e81, kode, st, place, pages) + 1
    ws.set_h_pagebreaks(pages.breaks)
    return pages


def write_e81_files(
    folder: Path,
    e81: E81,
    errors: dict[str, int],
    footer: str,
    place: Place,
    decimals: int,
) -> list[Path]:
    """One workbook per OPD block, ``<folder>/<kode_opd>.xlsx``, with a place to sign.

    ``errors`` counts the ERRORs of each OPD: an OPD's form is a DRAFT only while its own
    files have ERRORs (its block holds none of the other OPDs' figures)."""
    written = []
    for kode in e81.blocks():
        status = Status(errors.get(kode, 0), place.nama_pemda, place.tahun)
        path = folder / f"{kode}.xlsx"
        with atomic_path(path) as tmp:
            wb = SafeWorkbook(str(tmp), WORKBOOK_OPTIONS)
            wb.set_properties(
                {
                    "title": f"Tabel E.81 {kode} {place.tahun} {e81.periode}",
                    "author": place.nama_pemda,
                    "created": dt.datetime(place.tahun, 12, 31),
                }
            )
            own = e81.rows[e81.rows["kode_opd"] == kode]
            st = _Styles(Formats(wb, decimals), widths(own, decimals), e81.scale)
            ws = wb.add_worksheet("E.81")
            _page_setup(ws, status, footer, st.widths)
            pages = Pages()
            write_block(ws, RowHeights(ws), 0, e81, kode, st, place, pages, signature=True)
            ws.set_h_pagebreaks(pages.breaks)
            wb.close()
        written.append(path)
    return written


SIGN_SPACE_PT = 40.0  # room to sign: with the lines around it about 1,5 cm printed

# The head who signs: "Kepala …" for a Dinas, Badan, Bagian, Satuan …; these kinds of OPD are
# headed by a Camat, Lurah, Inspektur, Sekretaris or Direktur instead (by the name's first
# word, in any letter case, as every Pemda names them).
_PIMPINAN = (
    ("kecamatan", "Camat"),
    ("kelurahan", "Lurah"),
    ("inspektorat", "Inspektur"),
    ("sekretariat", "Sekretaris"),
    ("rumah sakit", "Direktur Rumah Sakit"),
    ("rsud", "Direktur RSUD"),
)


def pimpinan(nama_opd: str) -> str:
    """The title of an OPD's head: ``Camat Binjai Selatan``, ``Kepala Dinas Kesehatan``."""
    name = " ".join(nama_opd.split())
    for awal, jabatan in _PIMPINAN:
        head, rest = name[: len(awal)], name[len(awal) :]
        if head.casefold() == awal and (not rest or rest[0] == " "):
            return jabatan + rest
    return f"Kepala {name}"


GAP_PT = 6.0


def _signature(ws: Worksheet, rh: RowHeights, row: int, foot: Any, st: _Styles) -> int:
    """A narrow blank row, then the place and date, the head of the OPD, room to sign, name and
    NIP, from ``row``. Returns the row after them."""
    first = col_of(14, "K")
    lines = [
        "",
        "……………………, …………………………",
        pimpinan(str(foot["nama_opd"])),
        None,
        "(……………………………………………)",
        "NIP. ……………………………………",
    ]
    for offset, text in enumerate(lines):
        if text is None or not text:
            rh.set(row + offset, SIGN_SPACE_PT if text is None else GAP_PT)
            continue
        rh.set(row + offset, height((text, sum(st.widths[first:])), bold=offset == 2))
        _merge(ws, row + offset, first, LAST, text, st.line if offset != 2 else st.line_bold)
    return row + len(lines)


__all__ = [
    "Pages",
    "Place",
    "page_height",
    "page_width",
    "print_scale",
    "widths",
    "write_e81_files",
    "write_e81_sheet",
]
