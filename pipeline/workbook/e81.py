"""The Renja evaluation form, Tabel E.81 (Permendagri 86/2017): one block per OPD, each on its
own printed page, in the consolidated workbook's ``E.81`` sheet and as one workbook per OPD
(``output/e81/<kode_opd>.xlsx``) to sign.

Columns 1–18 with K (kinerja) and Rp (anggaran) sub-columns, the form's formula captions under
the column numbers, Urusan / Program / Kegiatan rows with their indicators, and the footer rows.
Every figure is a number cell; Rupiah are stored whole and shown in millions (``#.##0,00,,``),
so the 29 columns fit an A3 landscape page with every glyph at 7 pt or more.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pipeline import fmt
from pipeline.atomic import atomic_path
from pipeline.layout import LINE_PT, col_width_pt, footer_pt, min_scale, row_height
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
# No, Sasaran, Kode, Urusan/Program/Kegiatan, Indikator; K / Rp pairs for columns 6–16; Unit,
# Keterangan.
TEXT_WIDTHS = [3.5, 4.5, 8.0, 22.0, 14.0]
K_WIDTH, RP_WIDTH, PCT_WIDTH = 7.0, 9.5, 6.5
TAIL_WIDTHS = [8.0, 14.0]
PERCENT_COLUMNS = (14, 16)
FIRST_PAIR = len(TEXT_WIDTHS)
CAPTIONS = {
    13: "13 = 9+10+11+12",
    14: "14 = 13/8 × 100",
    15: "15 = 7 + 13",
    16: "16 = 15/6 × 100",
}
HEAD_LINES = 5  # title, OPD, period, Sasaran RKPD, note: then the four column-header rows
FOOTER_LABELS = (
    ("rata", "Rata-rata capaian kinerja (%)"),
    ("predikat", "Predikat kinerja"),
    ("faktor_pendorong", "Faktor pendorong keberhasilan kinerja"),
    ("faktor_penghambat", "Faktor penghambat pencapaian kinerja"),
    ("tindak_lanjut", "Tindak lanjut yang diperlukan dalam triwulan berikutnya"),
    ("tindak_lanjut_renja", "Tindak lanjut yang diperlukan dalam RKPD/Renja berikutnya"),
)


def widths() -> list[float]:
    """Column widths (characters) of the 29 printed columns."""
    pairs: list[float] = []
    for number in KOLOM:
        pairs += [PCT_WIDTH, PCT_WIDTH] if number in PERCENT_COLUMNS else [K_WIDTH, RP_WIDTH]
    return TEXT_WIDTHS + pairs + TAIL_WIDTHS


WIDTHS = widths()
LAST = len(WIDTHS) - 1


def col_of(number: int, sub: str) -> int:
    """0-based sheet column of form column ``number`` (6–16), sub-column ``K`` or ``Rp``."""
    return FIRST_PAIR + 2 * (number - 6) + (0 if sub == "K" else 1)


def print_scale() -> int:
    """The scale at which the 29 columns fill an A3 landscape page's width."""
    room = A3_LANDSCAPE_PT[0] - 2 * SIDE_IN * 72
    total = sum(col_width_pt(w) for w in WIDTHS)
    return max(math.floor(min(100.0, room / total * 100 * 0.97)), min_scale())


def page_height() -> float:
    """Unscaled points of sheet that fit one printed page."""
    room = A3_LANDSCAPE_PT[1] - (TOP_IN + BOTTOM_IN) * 72
    return room / (print_scale() / 100)


class _Styles:
    def __init__(self, fmts: Formats) -> None:
        self.fmts = fmts
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
        self.pct = fmts.number(fmts.decimals)
        self.rp = fmts.get(border=1, num_format=fmt.LOKAL + "#,##0.00,,")
        self.foot_label = fmts.get(bold=True, border=1, text_wrap=True)
        self.foot_text = fmts.get(border=1, text_wrap=True)
        self.foot_pct = fmts.number(fmts.decimals, bold=True)
        self.blank = fmts.get(border=1)

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
    titles = {
        6: "Target Renstra Perangkat Daerah pada Akhir Periode Renstra PD",
        7: "Realisasi Capaian Kinerja Renstra Perangkat Daerah s/d Renja Perangkat Daerah "
        "Tahun Lalu",
        8: "Target Kinerja dan Anggaran Renja Perangkat Daerah Tahun Berjalan yang Dievaluasi",
        13: "Realisasi Capaian Kinerja dan Anggaran Renja Perangkat Daerah yang Dievaluasi",
        14: "Tingkat Capaian Kinerja dan Realisasi Anggaran Renja Perangkat Daerah yang "
        "Dievaluasi (%)",
        15: "Realisasi Kinerja dan Anggaran Renstra Perangkat Daerah s/d Tahun Berjalan",
        16: "Tingkat Capaian Kinerja dan Realisasi Anggaran Renstra Perangkat Daerah s/d "
        "Tahun Berjalan (%)",
    }
    left = [
        "No",
        "Sasaran",
        "Kode",
        "Urusan/Bidang Urusan Pemerintahan Daerah dan Program/Kegiatan",
        "Indikator Kinerja Program (outcome)/ Kegiatan (output)",
    ]
    right = ["Unit Perangkat Daerah Penanggung Jawab", "Keterangan"]
    top, quarters, subs, numbers = row, row + 1, row + 2, row + 3
    cells: list[tuple[object, float]] = []
    for col, text in enumerate(left):
        ws.merge_range(top, col, subs, col, text, st.head)
        cells.append((text, WIDTHS[col]))
    for number, text in titles.items():
        first = col_of(number, "K")
        ws.merge_range(top, first, quarters, first + 1, text, st.head)
        cells.append((text, WIDTHS[first] + WIDTHS[first + 1]))
    ws.merge_range(
        top, col_of(9, "K"), top, col_of(12, "Rp"), "Realisasi Kinerja pada Triwulan", st.head
    )
    for q in range(4):
        first = col_of(9 + q, "K")
        label = TRIWULAN_ROMAWI[q] + ("" if q < triwulan else " (di luar periode)")
        ws.merge_range(quarters, first, quarters, first + 1, label, st.head)
    for offset, text in enumerate(right):
        col = LAST - 1 + offset
        ws.merge_range(top, col, subs, col, text, st.head)
        cells.append((text, WIDTHS[col]))
    for number in KOLOM:
        for sub in ("K", "Rp"):
            col = col_of(number, sub)
            shown = sub if number in PERCENT_COLUMNS or sub == "K" else "Rp (juta)"
            ws.write_string(subs, col, shown, st.head)
    lines = max(row_height(c, bold=True) for c in cells)
    rh.set(top, max(lines - LINE_PT - 3, LINE_PT + 3))
    rh.set(quarters, LINE_PT + 3)
    rh.set(subs, LINE_PT + 3)
    for col in range(FIRST_PAIR):
        ws.write_string(numbers, col, str(col + 1), st.number_row)
    for number in KOLOM:
        first = col_of(number, "K")
        ws.merge_range(
            numbers, first, numbers, first + 1, CAPTIONS.get(number, str(number)), st.number_row
        )
    ws.write_string(numbers, LAST - 1, "17", st.number_row)
    ws.write_string(numbers, LAST, "18", st.number_row)
    rh.set(numbers, LINE_PT + 3)
    return numbers


def write_block(
    ws: Worksheet,
    rh: RowHeights,
    row: int,
    e81: E81,
    kode_opd: str,
    st: _Styles,
    nama_pemda: str,
    tahun: int,
    akhir: int,
) -> int:
    """One OPD's block from ``row``: header lines, column headers, rows, footer. Returns the
    last row written."""
    foot = e81.footer.set_index("kode_opd").loc[kode_opd]
    rows = e81.rows[e81.rows["kode_opd"] == kode_opd]
    full = sum(WIDTHS)
    lines = [
        (
            st.title,
            "EVALUASI TERHADAP HASIL RENJA PERANGKAT DAERAH LINGKUP " + nama_pemda.upper(),
        ),
        (st.line_bold, f"Renja Perangkat Daerah {foot['nama_opd']} ({kode_opd})"),
        (
            st.line_bold,
            f"Periode Pelaksanaan: Tahun {tahun}, {e81.periode} (tahun lalu = {tahun - 1}; "
            f"akhir periode Renstra PD = {akhir})",
        ),
        (
            st.line,
            "Indikator dan target kinerja Perangkat Daerah yang mengacu pada sasaran RKPD: "
            + (str(foot["sasaran"]) or "-"),
        ),
        (st.line, _block_note(str(foot["catatan"]))),
    ]
    for style, text in lines:
        rh.set(row, row_height((text, full), bold=style is not st.line))
        _merge(ws, row, 0, LAST, text, style)
        row += 1
    row = _header_rows(ws, rh, row, st, e81.triwulan) + 1
    for rec in rows.to_dict("records"):
        _item_row(ws, rh, row, {str(k): v for k, v in rec.items()}, st)
        row += 1
    return _footer(ws, rh, row, foot, e81, st) - 1


def _block_note(catatan: str) -> str:
    base = (
        "Tabel E.81 (Permendagri 86/2017). K = kinerja (satuan di kolom 5); Rp dalam juta "
        "rupiah (sel berisi nilai rupiah lengkap)."
    )
    return f"{base} {catatan}".strip()


def _item_row(ws: Worksheet, rh: RowHeights, row: int, rec: dict[str, Any], st: _Styles) -> None:
    jenis = rec["jenis"]
    name_style = {"urusan": st.urusan, "program": st.program}.get(jenis, st.kegiatan)
    if jenis == "urusan":
        rh.set(row, row_height((rec["uraian"], sum(WIDTHS))))
        ws.merge_range(row, 0, row, LAST, str(rec["uraian"]), st.urusan)
        return
    indicator = str(rec["indikator"] or "")
    if indicator and rec["satuan"]:
        indicator = f"{indicator} ({rec['satuan']})"
    rh.set(
        row,
        max(
            row_height((rec["uraian"], WIDTHS[3]), bold=jenis == "program"),
            row_height(
                (indicator, WIDTHS[4]), (rec["unit"], WIDTHS[-2]), (rec["keterangan"], WIDTHS[-1])
            ),
        ),
    )
    _put(ws, row, 0, rec["no"] if rec["no"] not in (None, "") else None, st.center)
    _put(ws, row, 1, rec["kode_sasaran"], st.center)
    _put(ws, row, 2, rec["kode"], st.text)
    _put(ws, row, 3, rec["uraian"], name_style)
    _put(ws, row, 4, indicator, st.text)
    for number, (k, rp) in KOLOM.items():
        kv, rv = float(rec[k]), float(rec[rp])
        pct = number in PERCENT_COLUMNS
        _put(ws, row, col_of(number, "K"), kv, st.pct if pct else st.k(kv))
        _put(ws, row, col_of(number, "Rp"), rv, st.pct if pct else st.rp)
    _put(ws, row, LAST - 1, rec["unit"], st.text)
    _put(ws, row, LAST, rec["keterangan"], st.text)


def _footer(ws: Worksheet, rh: RowHeights, row: int, foot: Any, e81: E81, st: _Styles) -> int:
    label_last = FIRST_PAIR - 1
    k_col, rp_col = col_of(14, "K"), col_of(14, "Rp")
    note_width = sum(WIDTHS[rp_col + 1 :])
    colours = {
        b.label: band_format(st.fmts, b.warna, align="center", bold=True) for b in e81.scale.bands
    }
    for key, label in FOOTER_LABELS:
        if key in ("rata", "predikat"):
            if key == "rata":
                note = (
                    f"K: rata-rata kolom 14 (K) dari {int(foot['jumlah_k'])} indikator; Rp: "
                    f"Σ kolom 13 (Rp) / Σ kolom 8 (Rp) × 100 dari {int(foot['jumlah_rp'])} "
                    "program"
                )
                kv: object = float(foot["rata_k"])
                rv: object = float(foot["rata_rp"])
                k_style = rp_style = st.foot_pct
            else:
                note = e81.scale.judul + ": " + e81.scale.describe()
                kv, rv = foot["predikat_k"] or "-", foot["predikat_rp"] or "-"
                k_style = colours.get(str(kv), st.center)
                rp_style = colours.get(str(rv), st.center)
            rh.set(
                row, row_height((label, sum(WIDTHS[:FIRST_PAIR])), (note, note_width), bold=True)
            )
            _merge(ws, row, 0, label_last, label, st.foot_label)
            _merge(ws, row, FIRST_PAIR, k_col - 1, "", st.blank)
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
            _merge(ws, row, rp_col + 1, LAST, note, st.foot_text)
        else:
            text = str(foot[key] or "") or "-"
            rh.set(
                row,
                row_height(
                    (label, sum(WIDTHS[:FIRST_PAIR])), (text, sum(WIDTHS[FIRST_PAIR:])), bold=True
                ),
            )
            _merge(ws, row, 0, label_last, label, st.foot_label)
            _merge(ws, row, FIRST_PAIR, LAST, text, st.foot_text)
        row += 1
    return row


def _page_setup(ws: Worksheet, status: Status, footer: str) -> None:
    scale = print_scale()
    ws.set_landscape()
    ws.set_paper(8)  # A3
    ws.set_margins(left=SIDE_IN, right=SIDE_IN, top=TOP_IN, bottom=BOTTOM_IN)
    size = footer_pt(scale)
    ws.set_header(sized(status.page_header(), size + 3), {"margin": 0.25, "scale_with_doc": False})
    ws.set_footer(sized(footer, size), {"margin": 0.25, "scale_with_doc": False})
    ws.set_print_scale(scale)
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)


def write_e81_sheet(
    ws: Worksheet,
    e81: E81,
    fmts: Formats,
    status: Status,
    footer: str,
    nama_pemda: str,
    tahun: int,
    akhir: int,
) -> None:
    """The consolidated workbook's E.81 sheet: the banner, then one block per OPD, each from
    the top of a new page."""
    st = _Styles(fmts)
    _page_setup(ws, status, footer)
    rh = RowHeights(ws)
    rh.heights[0] = write_banner(
        ws, status, f"Evaluasi Hasil Renja (Tabel E.81), {e81.periode}", fmts, WIDTHS
    )
    row = 2
    starts = []
    if e81.footer.empty:
        ws.write_string(
            row, 0, "Tidak ada program di master spec: Tabel E.81 tidak dapat disusun.", st.line
        )
        return
    for kode in e81.blocks():
        starts.append(row)
        row = write_block(ws, rh, row, e81, kode, st, nama_pemda, tahun, akhir) + 2
    if len(starts) > 1:
        ws.set_h_pagebreaks(starts[1:])


def write_e81_files(
    folder: Path,
    e81: E81,
    status: Status,
    footer: str,
    nama_pemda: str,
    tahun: int,
    akhir: int,
    decimals: int,
) -> list[Path]:
    """One workbook per OPD block, ``<folder>/<kode_opd>.xlsx``, with a place to sign."""
    written = []
    for kode in e81.blocks():
        path = folder / f"{kode}.xlsx"
        with atomic_path(path) as tmp:
            wb = SafeWorkbook(str(tmp), WORKBOOK_OPTIONS)
            wb.set_properties(
                {
                    "title": f"Tabel E.81 {kode} {tahun} {e81.periode}",
                    "author": nama_pemda,
                    "created": dt.datetime(tahun, 12, 31),
                }
            )
            fmts = Formats(wb, decimals)
            st = _Styles(fmts)
            ws = wb.add_worksheet("E.81")
            _page_setup(ws, status, footer)
            rh = RowHeights(ws)
            last = write_block(ws, rh, 0, e81, kode, st, nama_pemda, tahun, akhir)
            ws.repeat_rows(HEAD_LINES, HEAD_LINES + 3)  # a long block continues with its header
            _signature(ws, rh, last + 2, e81, kode, st)
            wb.close()
        written.append(path)
    return written


def _signature(ws: Worksheet, rh: RowHeights, row: int, e81: E81, kode: str, st: _Styles) -> None:
    name = str(e81.footer.set_index("kode_opd").loc[kode, "nama_opd"])
    first = col_of(14, "K")
    lines = [
        "……………………, …………………………",
        f"Kepala {name}",
        "",
        "",
        "",
        "(……………………………………………)",
        "NIP. ……………………………………",
    ]
    for offset, text in enumerate(lines):
        rh.set(row + offset, row_height((text, sum(WIDTHS[first:]))))
        _merge(ws, row + offset, first, LAST, text, st.line if offset != 1 else st.line_bold)


__all__ = ["page_height", "print_scale", "write_e81_files", "write_e81_sheet"]
