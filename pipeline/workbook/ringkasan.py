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
from pipeline.workbook.columns import SASARAN_COLS


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


def write_ringkasan(
    wb: Workbook,
    ws: Worksheet,
    res: Results,
    info: RunInfo,
    settings: Settings,
    issues: pd.DataFrame,
    fmts: Formats,
    n_sasaran: int,
) -> None:
    k = res.keseluruhan
    errors = int((issues["severity"] == ERROR).sum()) if not issues.empty else 0
    warnings = int((issues["severity"] == WARNING).sum()) if not issues.empty else 0
    infos = int((issues["severity"] == INFO).sum()) if not issues.empty else 0
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 3)
    ws.set_column(3, 3, 16)
    ws.set_column(4, 4, 30)
    ws.write_string(
        0, 0, f"Ringkasan Capaian Kinerja {info.nama_pemda} Tahun {info.tahun}", fmts.title
    )
    draft = errors > 0
    ws.write_string(
        1,
        0,
        "DRAFT: masih ada ERROR yang harus diperbaiki OPD"
        if draft
        else "FINAL: tidak ada ERROR validasi",
        fmts.draft if draft else fmts.final,
    )
    rows: list[tuple[str, Any, str]] = [
        ("Rata-rata capaian kinerja (%)", k["rata_rata_capaian"], "big"),
        ("Predikat", k["predikat"], "text"),
        ("Cara menghitung", k["metode"], "text"),
        (
            "Indikator dinilai / seluruhnya",
            f"{k['jumlah_dinilai']} / {k['jumlah_indikator']}",
            "text",
        ),
        ("Indikator belum lapor", k["belum_lapor"], "int"),
        ("Indikator tidak dapat dihitung", k["tidak_dapat_dihitung"], "int"),
        ("Indikator dengan capaian dibatasi", k["dibatasi"], "int"),
        ("Serapan anggaran (%)", k["serapan"], "big"),
        ("Pagu program dilaporkan (Rp)", k["pagu_dilaporkan"], "rp"),
        ("Realisasi anggaran (Rp)", k["realisasi_anggaran"], "rp"),
        ("OPD mengirim / seluruhnya", f"{info.opd_submitted} / {info.opd_total}", "text"),
        ("Berkas ditemukan", info.files_found, "int"),
        ("Berkas diterima / ditolak", f"{info.files_accepted} / {info.files_rejected}", "text"),
        (
            "Berkas digantikan / diabaikan",
            f"{info.files_superseded} / {info.files_ignored}",
            "text",
        ),
        ("Masalah validasi: ERROR / WARNING / INFO", f"{errors} / {warnings} / {infos}", "text"),
    ]
    for i, (name, value, kind) in enumerate(rows, start=3):
        ws.write_string(i, 0, name, fmts.bold)
        if kind == "big":
            if is_missing(value):
                ws.write_string(i, 1, "-", fmts.plain)
            else:
                ws.write_number(i, 1, float(value), fmts.big)
        elif kind == "rp":
            ws.write_number(i, 1, float(value), fmts.big_rp)
        elif kind == "int":
            ws.write_number(i, 1, float(value), fmts.plain)
        else:
            ws.write_string(i, 1, str(value), fmts.plain)
    ws.write_string(3, 3, "Predikat", fmts.header)
    ws.write_string(3, 4, "Jumlah indikator", fmts.header)
    counts = res.predikat_jumlah
    for i, band in enumerate(settings.skala.bands, start=4):
        ws.write_string(
            i, 3, band.label, wb.add_format({**FONT, "bg_color": band.warna, "border": 1})
        )
        ws.write_number(i, 4, counts.get(band.label, 0), fmts.kinds["int"])
    legend(ws, wb, settings, 5 + len(settings.skala.bands), 3, fmts)

    chart = wb.add_chart({"type": "bar"})
    sas = res.sasaran
    points = [{"fill": {"color": settings.skala.colour(p)}} for p in sas["predikat"].fillna("")]
    chart.add_series(
        {
            "name": "Rata-rata capaian (%)",
            "categories": [
                "Sasaran",
                1,
                col_index(SASARAN_COLS, "kode_sasaran"),
                n_sasaran,
                col_index(SASARAN_COLS, "kode_sasaran"),
            ],
            "values": [
                "Sasaran",
                1,
                col_index(SASARAN_COLS, "rata_rata_capaian"),
                n_sasaran,
                col_index(SASARAN_COLS, "rata_rata_capaian"),
            ],
            "points": points,
            "data_labels": {"value": True, "num_format": "0.0"},
        }
    )
    chart.set_title({"name": "Rata-rata capaian per Sasaran (%)", "name_font": {"size": 11}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True})
    chart.set_x_axis({"min": 0, "major_gridlines": {"visible": True}})
    chart.set_size({"width": 620, "height": 330})
    ws.insert_chart(20, 0, chart)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
    ws.set_footer(f"&L{info.nama_pemda}&CLKjIP {info.tahun}&RHalaman &P dari &N")
