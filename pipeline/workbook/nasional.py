"""The national (or province) workbook ``nasional_<tahun>.xlsx``: a one-page Ringkasan, the
Pemda sheet, the province roll-up when Pemda carry a province code, and data quality.

Same formats and predikat colours as a Pemda's workbook (:mod:`pipeline.workbook.base`); text
from specs and files is written as text, never as a formula; no timestamp in any cell.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline import __version__, fmt, sanitize
from pipeline.atomic import atomic_path
from pipeline.config import Scale
from pipeline.frames import records
from pipeline.layout import page_room_pt, row_height
from pipeline.workbook.base import (
    HEADER_ROW,
    WORKBOOK_OPTIONS,
    Col,
    Formats,
    Status,
    band_format,
    col_index,
    is_missing,
    print_setup,
    write_table,
)
from pipeline.xlsx_safe import SafeWorkbook

PEMDA_COLS = [  # printed on A3 in three panels, Kode and Nama repeated on each
    Col("kode_pemda", width=7),
    Col("nama_pemda", width=32),
    Col("nama_provinsi", width=14),
    Col("status", width=10),
    Col("rata_rata_capaian", "pct", 10),
    Col("predikat", width=13),
    Col("peringkat", "int", 10, "Peringkat"),
    Col("serapan", "pct", 9),
    Col("efisiensi", "pct", 10),
    Col("jumlah_dinilai", "int", 10),
    Col("jumlah_indikator", "int", 10),
    Col("opd_kirim", "int", 9),
    Col("opd_total", "int", 6),
    Col("jumlah_error", "int", 8),
    Col("alasan", width=60, header="Keterangan / Alasan"),  # two lines for most reasons
    Col("kategori_efisiensi", width=12),
    Col("opd_terlambat", "int", 10),
    Col("opd_belum", "int", 8),
    Col("opd_ditolak", "int", 8),
    Col("opd_tanpa_realisasi", "int", 10),
    Col("berkas_ditemukan", "int", 10),
    Col("berkas_diterima", "int", 8),
    Col("berkas_ditolak", "int", 8),
    Col("jumlah_warning", "int", 9),
    Col("skala", width=52, header="Skala Predikat"),
    Col("metode", width=40, header="Metode Rata-rata"),
    Col("kode_provinsi", width=8),
    Col("folder", width=36, header="Folder"),
    Col("pagu_dilaporkan", "rp", 16),
    Col("realisasi_anggaran", "rp", 16),
    Col("spec_file", width=24),
    Col("spec_sha256", width=66),
]
PROVINSI_COLS = [  # fits one A4 landscape page; the sums behind serapan are in pemda.parquet
    Col("kode_provinsi", width=8),
    Col("nama_provinsi", width=20),
    Col("jumlah_pemda", "int", 8),
    Col("pemda_dinilai", "int", 8),
    Col("rata_rata_capaian", "pct", 10),
    Col("predikat", width=13),
    Col("peringkat", "int", 9, "Peringkat"),
    Col("min_capaian", "pct", 10, "Rata-rata Pemda Terendah (%)"),
    Col("max_capaian", "pct", 10, "Rata-rata Pemda Tertinggi (%)"),
    Col("serapan", "pct", 9),
    Col("opd_kirim", "int", 9),
    Col("persen_opd_kirim", "pct", 9),
    Col("pemda_draft", "int", 8),
    Col("pemda_tidak_diolah", "int", 9),
    Col("jumlah_error", "int", 8),
]
MUTU_COLS = [
    Col("rule", width=28, header="Aturan"),
    Col("severity", width=10, header="Tingkat"),
    Col("jumlah", "int", 10, "Jumlah Masalah"),
    Col("jumlah_pemda", "int", 10),
    Col("contoh", width=90, header="Contoh Pesan"),
]
TIDAK_DIOLAH_COLS = [
    Col("folder", width=24, header="Folder"),
    Col("kode_pemda", width=10),
    Col("nama_pemda", width=26),
    Col("status", width=18),
    Col("alasan", width=90, header="Keterangan / Alasan"),
]
MUTU_TOP = 40  # rules listed on the data-quality sheet
NOT_RUN_SHEET = "Tidak Diolah"  # the folders that could not be run, when there are any
DRAFT_TOP = 60  # DRAFT Pemda named on the Ringkasan page at most, as many as fit on it
DEFAULT_ROW_PT = 15.0  # a row whose height is not set


def _clean(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells through the one sanitiser (control characters, Excel's cell limit)."""
    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object or isinstance(out[column].dtype, pd.StringDtype):
            out[column] = out[column].map(lambda v: v if is_missing(v) else sanitize.text(v))
    return out


def _colour_predikat(
    ws: Worksheet, fmts: Formats, df: pd.DataFrame, cols: list[Col], colours: list[str]
) -> None:
    """Each predikat cell in its own band colour (Pemda may use different scales)."""
    col = col_index(cols, "predikat")
    first = HEADER_ROW + 1
    for row, (label, colour) in enumerate(zip(df["predikat"], colours, strict=True), start=first):
        if label and not is_missing(label):
            ws.write_string(row, col, str(label), band_format(fmts, colour, text_wrap=True))


def write_national_workbook(
    path: Path,
    pemda: pd.DataFrame,
    head: dict[str, Any],
    distribution: pd.DataFrame,
    provinces: pd.DataFrame,
    quality: pd.DataFrame,
    scale: Scale,
    title: str,
    scope: str,
    tahun: int,
) -> Path:
    """Write the workbook atomically to ``path``; ``scope`` is "Nasional" or the province;
    ``tahun`` 0 when no year is known (no folder's spec could be read)."""
    pemda = _clean(pemda)
    quality = _clean(quality)
    status = Status(0, scope, tahun)  # DRAFT is said per Pemda, not of the consolidation
    # no print-date field: it follows the reader's locale (12/02/2026 for 2 December)
    footer = (
        f"&L{sanitize.header_part(title)}&C&A{f' · {tahun}' if tahun else ''}&RHalaman &P dari &N"
    )
    with atomic_path(path) as tmp:
        wb = SafeWorkbook(str(tmp), WORKBOOK_OPTIONS)
        wb.set_properties(
            {
                "title": title,
                "subject": "SAKIP / LKjIP",
                "comments": f"sakip-pipeline {__version__}",
                "created": dt.datetime(tahun or 2000, 12, 31),
            }
        )
        fmts = Formats(wb, 2)
        ring = wb.add_worksheet("Ringkasan")
        _ringkasan(wb, ring, pemda, head, distribution, scale, title, fmts)
        print_setup(ring, status, footer, landscape=True, scale=RINGKASAN_SCALE, repeat=None)
        ring.hide_gridlines(2)

        ws = wb.add_worksheet("Pemda")
        # a folder whose spec could not be read has no name: the row says which folder it is
        named = pemda.assign(
            nama_pemda=[
                name if name else f"(folder {folder})"
                for name, folder in zip(pemda["nama_pemda"], pemda["folder"], strict=True)
            ]
        )
        write_table(
            ws,
            named,
            PEMDA_COLS,
            fmts,
            status,
            "Pemda",
            footer,
            freeze_cols=2,
            even_pages=True,
            a3=True,
        )
        _colour_predikat(ws, fmts, pemda, PEMDA_COLS, list(pemda["warna_predikat"]))

        if not provinces.empty:
            ws = wb.add_worksheet("Provinsi")
            last = write_table(
                ws, provinces, PROVINSI_COLS, fmts, status, "Provinsi", footer, freeze_cols=2
            )
            colours = [scale.colour(p) for p in provinces["predikat"]]
            _colour_predikat(ws, fmts, provinces, PROVINSI_COLS, colours)
            outside = _without_province(pemda)
            if outside:  # not silently left out of a province they name
                # from the second column: the codes' column stays codes for a reader of it
                width = sum(c.width for c in PROVINSI_COLS[1:])
                ws.set_row(last + 2, row_height((outside, width)))
                fmt_note = fmts.get(italic=True, text_wrap=True, valign="top")
                ws.merge_range(last + 2, 1, last + 2, len(PROVINSI_COLS) - 1, outside, fmt_note)

        ws = wb.add_worksheet("Mutu Data")
        write_table(
            ws,
            quality.head(MUTU_TOP),
            MUTU_COLS,
            fmts,
            status,
            f"Mutu Data: aturan validasi yang paling sering dilanggar ({MUTU_TOP} teratas; "
            "semua masalah ada di validasi.parquet)",
            footer,
        )
        # a table of its own, on a sheet of its own: its columns' widths and its header
        # repeated on each printed page (under the rules' header it was cut and misread)
        not_run = pemda[~pemda["status"].isin(("FINAL", "DRAFT"))]
        if not not_run.empty:
            ws = wb.add_worksheet(NOT_RUN_SHEET)
            write_table(
                ws,
                not_run,
                TIDAK_DIOLAH_COLS,
                fmts,
                status,
                f"Pemda yang tidak dapat diolah ({len(not_run)})",
                footer,
            )
        wb.close()
    return path


def _without_province(pemda: pd.DataFrame, shown: int = 10) -> str:
    """The Pemda run without a ``kode_provinsi`` (not in the Provinsi table), one sentence."""
    ran = pemda[pemda["status"].isin(("FINAL", "DRAFT"))]
    rows = ran[ran["kode_provinsi"].fillna("") == ""]
    if rows.empty:
        return ""
    names = []
    for rec in records(rows.head(shown)):
        name = f"{rec['kode_pemda']} {rec['nama_pemda']}"
        if not is_missing(rec["nama_provinsi"]) and rec["nama_provinsi"]:
            name += f" (nama_provinsi {rec['nama_provinsi']} tanpa kode)"
        names.append(name)
    more = f", dan {fmt.angka(len(rows) - shown, 0)} lainnya" if len(rows) > shown else ""
    return (
        f"{fmt.angka(len(rows), 0)} Pemda tanpa kode_provinsi di master spec tidak masuk tabel "
        f"ini (lihat sheet Pemda): {', '.join(names)}{more}."
    )


RINGKASAN_WIDTHS = (44, 30, 2, 16, 24, 11, 10)
RINGKASAN_SCALE = 85  # 9 pt prints at 7,65 pt, like the Pemda workbook's Ringkasan
CHART_PX = 230  # height of the chart of the spread of Pemda averages


def _ringkasan(
    wb: Workbook,
    ws: Worksheet,
    pemda: pd.DataFrame,
    head: dict[str, Any],
    distribution: pd.DataFrame,
    scale: Scale,
    title: str,
    fmts: Formats,
) -> None:
    """Headline figures, the spread of Pemda averages by predikat, DRAFT Pemda: one page."""
    n = fmt.angka
    for col, width in enumerate(RINGKASAN_WIDTHS):
        ws.set_column(col, col, width)
    last_col = len(RINGKASAN_WIDTHS) - 1
    not_done = head["ditolak"] + head["tidak_diolah"]
    problems = head["draft"] + not_done
    banner = (
        f"{n(head['draft'], 0)} dari {n(head['pemda'], 0)} Pemda masih DRAFT (ada ERROR); "
        f"{n(not_done, 0)} tidak dapat diolah"
        if problems
        else f"Seluruh {n(head['pemda'], 0)} Pemda FINAL: tidak ada ERROR validasi"
    )
    ws.set_row(0, 20)
    ws.merge_range(
        0,
        0,
        0,
        last_col,
        banner,
        fmts.get(
            bold=True,
            font_size=12,
            font_color="#FFFFFF",
            bg_color="#C00000" if problems else "#006100",
            valign="vcenter",
        ),
    )
    ws.set_row(1, 22)
    ws.merge_range(1, 0, 1, last_col, sanitize.text(title, 250), fmts.title)
    intro = row_height(("x" * 200, sum(RINGKASAN_WIDTHS)))
    ws.set_row(2, intro)
    ws.merge_range(
        2,
        0,
        2,
        last_col,
        "Rata-rata capaian Pemda = rata-rata sederhana dari rata-rata capaian tiap Pemda (angka "
        f"laporannya sendiri; setiap Pemda dihitung sekali); predikat pada skala {scale.judul}. "
        "Serapan = Σ realisasi / Σ pagu program yang dilaporkan.",
        fmts.get(text_wrap=True, font_color="#404040"),
    )
    label = fmts.get(bold=True, valign="vcenter")
    big = fmts.get(
        bold=True,
        font_size=16,
        num_format=fmt.format_persen(2),
        align="left",
        valign="vcenter",
    )
    sen = fmt.desimal_rupiah([head["realisasi_anggaran"], head["pagu_dilaporkan"]])
    rp = fmts.get(
        bold=True, font_size=11, num_format=fmt.format_rupiah(sen), align="left", valign="vcenter"
    )
    value = fmts.get(align="left", valign="vcenter")
    rows: list[tuple[str, Any, str]] = [
        ("Rata-rata capaian Pemda", head["rata_rata_capaian"], "big"),
        ("Predikat", head["predikat"], "predikat"),
        (
            "Median / terendah / tertinggi",
            " / ".join(
                fmt.persen(head[k]) for k in ("median_capaian", "min_capaian", "max_capaian")
            ),
            "text",
        ),
        ("Serapan anggaran", head["serapan"], "big"),
        ("Realisasi anggaran dilaporkan", head["realisasi_anggaran"], "rp"),
        ("Pagu program yang dilaporkan", head["pagu_dilaporkan"], "rp"),
        (
            "Pemda dinilai / seluruhnya",
            f"{n(head['pemda_dinilai'], 0)} / {n(head['pemda'], 0)}",
            "text",
        ),
        (
            "Pemda FINAL / DRAFT / spec ditolak / tak diolah",
            " / ".join(n(head[k], 0) for k in ("final", "draft", "ditolak", "tidak_diolah")),
            "text",
        ),
        (
            "OPD mengirim / seluruhnya (kelengkapan)",
            f"{n(head['opd_kirim'], 0)} / {n(head['opd_total'], 0)} "
            f"({fmt.persen(head['persen_opd_kirim'])})",
            "text",
        ),
        (
            "OPD terlambat / belum kirim / berkas ditolak",
            " / ".join(n(head[k], 0) for k in ("opd_terlambat", "opd_belum", "opd_ditolak")),
            "text",
        ),
        (
            "OPD mengirim tanpa realisasi",
            n(head["opd_tanpa_realisasi"], 0),
            "text",
        ),
        (
            "Berkas ditemukan / diterima / ditolak",
            " / ".join(
                n(head[k], 0) for k in ("berkas_ditemukan", "berkas_diterima", "berkas_ditolak")
            ),
            "text",
        ),
        (
            "Indikator dinilai / seluruhnya",
            f"{n(head['jumlah_dinilai'], 0)} / {n(head['jumlah_indikator'], 0)}",
            "text",
        ),
        (
            "Masalah: ERROR / WARNING / INFO",
            " / ".join(n(head[k], 0) for k in ("jumlah_error", "jumlah_warning", "jumlah_info")),
            "text",
        ),
    ]
    first = 4
    used_above = 20 + 22 + intro + DEFAULT_ROW_PT  # rows 0-3
    row_pt = [20, 22, intro, DEFAULT_ROW_PT]  # the height of each row set so far
    for i, (name, val, kind) in enumerate(rows, start=first):
        ws.set_row(i, 24 if kind == "big" else 17)
        used_above += 24 if kind == "big" else 17
        row_pt.append(24 if kind == "big" else 17)
        ws.write_string(i, 0, name, label)
        if kind in ("big", "rp") and is_missing(val):
            ws.write_string(i, 1, "-", value)
        elif kind in ("big", "rp"):
            ws.write_number(i, 1, float(val), big if kind == "big" else rp)
        elif kind == "predikat":
            ws.write_string(
                i, 1, str(val) or "-", band_format(fmts, scale.colour(str(val)), bold=True)
            )
        else:
            ws.write_string(i, 1, str(val), value)

    ws.write_string(first, 3, "Predikat", fmts.header)
    ws.write_string(first, 4, "Rata-rata capaian Pemda", fmts.header)
    ws.write_string(first, 5, "Jumlah Pemda", fmts.header)
    ws.write_string(first, 6, "Persen", fmts.header)
    for i, rec in enumerate(records(distribution), start=first + 1):
        ws.write_string(i, 3, rec["predikat"], band_format(fmts, rec["warna"]))
        ws.write_string(i, 4, rec["aturan"], fmts.get(border=1))
        ws.write_number(i, 5, rec["jumlah_pemda"], fmts.kind("int"))
        if is_missing(rec["persen"]):
            ws.write_blank(i, 6, None, fmts.kind("pct"))
        else:
            ws.write_number(i, 6, rec["persen"], fmts.kind("pct"))
    below = first + 1 + len(distribution)
    others = [
        f"{n(head['skala_lain'], 0)} Pemda memakai skala lain untuk predikatnya sendiri"
        if head["skala_lain"]
        else "",
        f"{n(head['metode_lain'], 0)} Pemda menghitung rata-ratanya dengan cara lain dari "
        "kebanyakan (bobot atau batas capaian lain; kolom Metode)"
        if head.get("metode_lain")
        else "",
    ]
    said = "; ".join(t for t in others if t)
    if said:  # wrapped within the columns under the table (past them it is not printed)
        said = f"{said} (lihat sheet Pemda)."
        said_pt = row_height((said, sum(RINGKASAN_WIDTHS[3:])))
        ws.set_row(below, said_pt)
        used_above += said_pt - row_pt[below]
        row_pt[below] = said_pt
        ws.merge_range(below, 3, below, 6, said, fmts.get(italic=True, text_wrap=True))
    chart = wb.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "Jumlah Pemda",
            "categories": ["Ringkasan", first + 1, 3, first + len(distribution), 3],
            "values": ["Ringkasan", first + 1, 5, first + len(distribution), 5],
            "points": [{"fill": {"color": c}} for c in distribution["warna"]],
            "data_labels": {"value": True, "num_format": fmt.format_angka(0)},
        }
    )
    chart.set_title({"name": "Sebaran rata-rata capaian Pemda", "name_font": {"size": 10}})
    chart.set_legend({"none": True})
    chart.set_y_axis(
        {
            "min": 0,
            "num_format": fmt.format_angka(0),
            "major_unit": max(1, math.ceil(head["pemda"] / 5)),
            "major_gridlines": {"visible": True},
        }
    )
    # as wide as the columns it stands on (D–G), so it ends inside the printed page
    width = sum(int(w * 7 + 5) for w in RINGKASAN_WIDTHS[3:]) - 12
    chart.set_size({"width": width, "height": CHART_PX})
    ws.insert_chart(below + 2, 3, chart, {"x_offset": 4})
    # below the chart a DRAFT Pemda's reason takes the whole width (beside it, column B only)
    above_chart = row_pt[: below + 2] + [DEFAULT_ROW_PT] * (below + 2 - len(row_pt))
    chart_end = sum(above_chart) + CHART_PX * 0.75

    start = first + len(rows) + 1
    heights_set = first + len(rows)  # rows from here on have the default height until set
    drafts = pemda[pemda["status"] == "DRAFT"].sort_values(
        ["jumlah_error", "kode_pemda"], ascending=[False, True], kind="stable"
    )
    ws.write_string(
        start,
        0,
        f"Pemda DRAFT dan sebabnya ({n(len(drafts), 0)} Pemda; terbanyak ERROR lebih dulu)",
        fmts.subtitle,
    )
    wrap = fmts.get(text_wrap=True)
    row = start + 1
    # The page holds what is above, the DRAFT rows that fit, and the lines after them (the
    # Pemda left uncounted; a blank line and the folders not run, when there are any).
    not_run = pemda[~pemda["status"].isin(("FINAL", "DRAFT"))]
    after = 3 if len(not_run) else 1
    room = page_room_pt(RINGKASAN_SCALE)
    used = used_above + DEFAULT_ROW_PT * (row - heights_set + after)
    shown = 0
    for rec in records(drafts.head(DRAFT_TOP)):
        who = f"{rec['kode_pemda']} {rec['nama_pemda']}"
        wide = used - DEFAULT_ROW_PT * after >= chart_end  # where this row starts
        reason = sum(RINGKASAN_WIDTHS[1:]) if wide else RINGKASAN_WIDTHS[1]
        height = row_height((who, RINGKASAN_WIDTHS[0]), (rec["alasan"], reason))
        if used + height > room:
            break
        used += height
        ws.set_row(row, height)
        ws.write_string(row, 0, who, wrap)
        if wide:
            ws.merge_range(row, 1, row, last_col, rec["alasan"], wrap)
        else:
            ws.write_string(row, 1, rec["alasan"], wrap)
        row += 1
        shown += 1
    if len(drafts) > shown:
        rest = n(len(drafts) - shown, 0)
        ws.write_string(row, 0, f"… dan {rest} Pemda lain (sheet Pemda)", fmts.plain)
        row += 1
    if len(not_run):
        ws.write_string(
            row + 1,
            0,
            f"Tidak dapat diolah: {n(len(not_run), 0)} folder (alasannya di sheet "
            f"{NOT_RUN_SHEET})",
            fmts.bold,
        )
    ws.print_area(0, 0, max(row + 2, below + 14), last_col)
