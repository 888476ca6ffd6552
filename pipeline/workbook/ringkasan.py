"""The Ringkasan sheet: one A4 landscape page for leaders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.config import Settings
from pipeline.issues import ERROR, INFO, WARNING
from pipeline.score import Results
from pipeline.workbook.base import FONT, Formats, col_index, is_missing, legend
from pipeline.workbook.columns import OPD_COLS, SASARAN_COLS


@dataclass
class RunInfo:
    """Facts about the run shown on the Ringkasan and Pengaturan sheets."""

    nama_pemda: str
    kode_pemda: str
    tahun: int
    periode: str
    spec_file: str
    spec_sha256: str
    files_found: int
    files_accepted: int
    files_rejected: int
    files_ignored: int
    files_superseded: int
    opd_total: int
    opd_submitted: int
    opd_late: int = 0
    opd_missing: int = 0
    opd_rejected: int = 0
    data_per: str = ""

    @property
    def footer(self) -> str:
        """Page footer: Pemda, year and print date (a field, so cell contents stay fixed)."""
        return f"&L{self.nama_pemda}&CLKjIP {self.tahun} — dicetak &D&RHalaman &P dari &N"


def _counts(issues: pd.DataFrame) -> dict[str, int]:
    if issues.empty:
        return {ERROR: 0, WARNING: 0, INFO: 0}
    got = issues["severity"].value_counts()
    return {s: int(got.get(s, 0)) for s in (ERROR, WARNING, INFO)}


def write_ringkasan(
    wb: Workbook,
    ws: Worksheet,
    res: Results,
    info: RunInfo,
    settings: Settings,
    issues: pd.DataFrame,
    fmts: Formats,
    n_sasaran: int,
    n_opd: int,
) -> None:
    """Headline figures, predikat counts and two native charts on one landscape page."""
    k = res.keseluruhan
    sev = _counts(issues)
    for col, width in enumerate((36, 24, 3, 16, 34)):
        ws.set_column(col, col, width)
    ws.write_string(
        0, 0, f"Ringkasan Capaian Kinerja {info.nama_pemda} Tahun {info.tahun}", fmts.title
    )
    draft = sev[ERROR] > 0
    ws.write_string(
        1,
        0,
        "DRAFT: masih ada ERROR yang harus diperbaiki OPD"
        if draft
        else "FINAL: tidak ada ERROR validasi",
        fmts.draft if draft else fmts.final,
    )
    ws.write_string(
        2,
        0,
        f"Periode {info.periode}. Data per {info.data_per or '-'} (berkas "
        "OPD terakhir disimpan); tanggal cetak di kaki halaman.",
        fmts.plain,
    )
    rows: list[tuple[str, Any, str]] = [
        ("Rata-rata capaian kinerja (%)", k["rata_rata_capaian"], "big"),
        ("Predikat", k["predikat"], "text"),
        ("Cara menghitung", k["metode"], "wrap"),
        (
            "Indikator dinilai / seluruhnya",
            f"{k['jumlah_dinilai']} / {k['jumlah_indikator']}",
            "text",
        ),
        (
            "Belum lapor / data tidak tersedia / tidak dapat dihitung",
            f"{k['belum_lapor']} / {k['data_tidak_tersedia']} / {k['tidak_dapat_dihitung']}",
            "text",
        ),
        ("Indikator dengan capaian dibatasi", k["dibatasi"], "int"),
        ("Serapan anggaran (%)", k["serapan"], "big"),
        ("Realisasi / pagu dilaporkan (Rp)", k["realisasi_anggaran"], "rp"),
        ("", k["pagu_dilaporkan"], "rp"),
        ("OPD mengirim / seluruhnya", f"{info.opd_submitted} / {info.opd_total}", "text"),
        (
            "OPD terlambat / belum mengirim / ditolak",
            f"{info.opd_late} / {info.opd_missing} / {info.opd_rejected}",
            "text",
        ),
        (
            "Berkas diterima / ditolak / diabaikan",
            f"{info.files_accepted} / {info.files_rejected} / {info.files_ignored}",
            "text",
        ),
        (
            "Masalah terbuka: ERROR / WARNING / INFO",
            f"{sev[ERROR]} / {sev[WARNING]} / {sev[INFO]}",
            "text",
        ),
    ]
    wrap = wb.add_format({**FONT, "text_wrap": True})
    for i, (name, value, kind) in enumerate(rows, start=4):
        ws.write_string(i, 0, name, fmts.bold)
        no_budget = not k["jumlah_program"] and name.startswith(("Serapan", "Realisasi"))
        if no_budget:
            ws.write_string(i, 1, "tidak ada data anggaran", fmts.plain)
        elif kind in ("big", "rp") and is_missing(value):
            ws.write_string(i, 1, "-", fmts.plain)
        elif kind == "big":
            ws.write_number(i, 1, float(value), fmts.big)
        elif kind == "rp":
            ws.write_number(i, 1, float(value), fmts.big_rp)
        elif kind == "int":
            ws.write_number(i, 1, float(value), fmts.plain)
        else:
            ws.write_string(i, 1, str(value), wrap if kind == "wrap" else fmts.plain)
            if kind == "wrap":
                ws.set_row(i, 26)
    ws.write_string(4, 3, "Predikat", fmts.header)
    ws.write_string(4, 4, "Jumlah indikator", fmts.header)
    for i, band in enumerate(settings.skala.bands, start=5):
        ws.write_string(
            i, 3, band.label, wb.add_format({**FONT, "bg_color": band.warna, "border": 1})
        )
        ws.write_number(i, 4, res.predikat_jumlah.get(band.label, 0), fmts.kinds["int"])
    legend(ws, wb, settings, 6 + len(settings.skala.bands), 3, fmts)

    bar = wb.add_chart({"type": "bar"})
    code_col = col_index(SASARAN_COLS, "kode_sasaran")
    avg_col = col_index(SASARAN_COLS, "rata_rata_capaian")
    points = [
        {"fill": {"color": settings.skala.colour(p)}} for p in res.sasaran["predikat"].fillna("")
    ]
    bar.add_series(
        {
            "name": "Rata-rata capaian (%)",
            "categories": ["Sasaran", 1, code_col, n_sasaran, code_col],
            "values": ["Sasaran", 1, avg_col, n_sasaran, avg_col],
            "points": points,
            "data_labels": {"value": True, "num_format": "0.0"},
        }
    )
    bar.set_title({"name": "Rata-rata capaian per Sasaran (%)", "name_font": {"size": 10}})
    bar.set_legend({"none": True})
    bar.set_y_axis({"reverse": True, "num_font": {"size": 8}})
    bar.set_x_axis({"min": 0, "major_gridlines": {"visible": True}})
    bar.set_size({"width": 470, "height": 330})
    ws.insert_chart(19, 0, bar)

    scatter = wb.add_chart({"type": "scatter"})
    cap_col = col_index(OPD_COLS, "rata_rata_capaian")
    ser_col = col_index(OPD_COLS, "serapan")
    scatter.add_series(
        {
            "name": "OPD",
            "categories": ["OPD", 1, ser_col, n_opd, ser_col],
            "values": ["OPD", 1, cap_col, n_opd, cap_col],
            "marker": {"type": "circle", "size": 6, "fill": {"color": "#2E75B6"}},
        }
    )
    scatter.set_title({"name": "Capaian vs serapan per OPD (%)", "name_font": {"size": 10}})
    scatter.set_legend({"none": True})
    scatter.set_x_axis({"name": "Serapan anggaran (%)", "min": 0, "max": 120})
    scatter.set_y_axis(
        {
            "name": "Rata-rata capaian (%)",
            "min": 0,
            "max": 130,
            "major_gridlines": {"visible": True},
        }
    )
    scatter.set_size({"width": 420, "height": 330})
    ws.insert_chart(19, 3, scatter, {"x_offset": 60})
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer(info.footer)
