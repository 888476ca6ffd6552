"""The consolidated workbook leaders read (xlsxwriter).

Text from OPD files is always written with ``write_string`` and the workbook refuses to turn
strings into formulas or URLs, so a narrative starting with ``=`` stays text. Properties are
fixed, rows sorted: the same inputs give the same cells.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline import __version__, schema
from pipeline.atomic import atomic_path
from pipeline.config import Settings
from pipeline.issues import ERROR, INFO, WARNING
from pipeline.score import Results

FONT = {"font_name": "Arial", "font_size": 9, "valign": "top"}


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


class _Formats:
    def __init__(self, wb: Workbook, decimals: int) -> None:
        dec = "0" * decimals
        pct = f"#,##0.{dec}" if decimals else "#,##0"
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
            "num": wb.add_format({**FONT, "border": 1, "num_format": "#,##0.####"}),
            "rp": wb.add_format({**FONT, "border": 1, "num_format": "#,##0"}),
            "int": wb.add_format({**FONT, "border": 1, "num_format": "0"}),
            "bool": wb.add_format({**FONT, "border": 1, "align": "center"}),
        }
        self.big = wb.add_format(
            {**FONT, "bold": True, "font_size": 16, "num_format": pct, "align": "left"}
        )
        self.big_rp = wb.add_format(
            {**FONT, "bold": True, "font_size": 12, "num_format": "#,##0", "align": "left"}
        )
        self.draft = wb.add_format(
            {**FONT, "bold": True, "font_size": 14, "font_color": "#C00000"}
        )
        self.final = wb.add_format(
            {**FONT, "bold": True, "font_size": 14, "font_color": "#006100"}
        )


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return bool(value is pd.NA or value is pd.NaT)


def _put(ws: Worksheet, row: int, col: int, value: Any, kind: str, fmts: _Formats) -> None:
    fmt = fmts.kinds[kind]
    if _is_missing(value):
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
    fmts: _Formats,
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
            _put(ws, r, c, rec.get(col.key), col.kind, fmts)
    last = first_row + len(records)
    ws.freeze_panes(first_row + 1, freeze_cols)
    ws.autofilter(first_row, 0, max(last, first_row), len(cols) - 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1 if len(cols) <= 20 else 2, 0)
    ws.repeat_rows(first_row)
    return last


def _predikat_colours(
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


def _legend(
    ws: Worksheet, wb: Workbook, settings: Settings, row: int, col: int, fmts: _Formats
) -> int:
    ws.write_string(row, col, f"Skala predikat: {settings.skala.judul}", fmts.bold)
    for i, band in enumerate(settings.skala.bands, start=1):
        ws.write_string(
            row + i, col, band.label, wb.add_format({**FONT, "bg_color": band.warna, "border": 1})
        )
        rule = settings.skala.describe().split("; ")[i - 1]
        ws.write_string(row + i, col + 1, rule, fmts.plain)
    return row + len(settings.skala.bands) + 1


INDIKATOR_COLS = [
    Col("kode_sasaran", width=8),
    Col("kode_indikator", width=10),
    Col("uraian_indikator", width=40),
    Col("kode_opd", width=12),
    Col("satuan", width=10),
    Col("polaritas", width=9),
    Col("agregasi_tw", width=10),
    Col("bobot", "num", 6),
    Col("target_teks", width=10, header="Target"),
    Col("target_nilai", "num", 10, "Target (angka)"),
    Col("realisasi_tw1", "num", 9),
    Col("realisasi_tw2", "num", 9),
    Col("realisasi_tw3", "num", 9),
    Col("realisasi_tw4", "num", 9),
    Col("realisasi_tahunan", "num", 10),
    Col("realisasi", "num", 11, "Realisasi Dipakai (angka/peringkat)"),
    Col("realisasi_teks", width=9, header="Realisasi (kualitatif)"),
    Col("sumber_realisasi", width=11),
    Col("rumus", width=22),
    Col("capaian_mentah", "pct", 10),
    Col("dibatasi", "bool", 8),
    Col("capaian", "pct", 10),
    Col("predikat", width=12),
    Col("status", width=12),
    Col("keterangan", width=22),
    Col("capaian_opd", "pct", 10),
    Col("target_tahun_depan", width=10),
    Col("target_akhir", width=10),
    Col("progres_rpjmd", "pct", 11),
    Col("realisasi_tahun_lalu", "num", 10),
    Col("capaian_tahun_lalu", "pct", 10),
    Col("perubahan_capaian", "pct", 10),
    Col("faktor_pendorong", width=30),
    Col("faktor_penghambat", width=30),
    Col("tindak_lanjut", width=30),
    Col("berkas", width=28),
    Col("sel_realisasi", width=9),
    Col("validasi", width=14, header="Validasi"),
]
SASARAN_COLS = [
    Col("kode_misi", width=7),
    Col("kode_tujuan", width=7),
    Col("kode_sasaran", width=8),
    Col("uraian_sasaran", width=45),
    Col("jumlah_indikator", "int", 9),
    Col("jumlah_dinilai", "int", 9),
    Col("rata_rata_capaian", "pct", 11),
    Col("min_capaian", "pct", 10),
    Col("max_capaian", "pct", 10),
    Col("predikat", width=12),
    Col("metode", width=30),
    Col("jumlah_program", "int", 9, "Jumlah Program"),
    Col("pagu_dilaporkan", "rp", 17, "Pagu Program Dilaporkan (Rp)"),
    Col("realisasi_anggaran", "rp", 17),
    Col("serapan", "pct", 10),
    Col("efisiensi", "pct", 11),
    Col("kategori_efisiensi", width=13),
    Col("sisa_anggaran", "rp", 16, "Sisa Anggaran (Rp)"),
    Col("jenis_sisa", width=22, header="Jenis Sisa"),
]
OPD_COLS = [
    Col("kode_opd", width=12),
    Col("nama_opd", width=40),
    Col("jenis", width=11),
    Col("status_kirim", width=14, header="Status Pengiriman"),
    Col("jumlah_indikator", "int", 9),
    Col("jumlah_dinilai", "int", 9),
    Col("rata_rata_capaian", "pct", 11),
    Col("predikat", width=12),
    Col("peringkat", "int", 9, "Peringkat"),
    Col("metode", width=28),
    Col("pagu", "rp", 17, "Pagu (Rp)"),
    Col("realisasi_anggaran", "rp", 17),
    Col("serapan", "pct", 10),
    Col("efisiensi", "pct", 11),
    Col("kategori_efisiensi", width=13),
]
ANGGARAN_COLS = [
    Col("kode_program", width=9),
    Col("uraian_program", width=50),
    Col("kode_opd", width=12),
    Col("kode_sasaran", width=8),
    Col("pagu", "rp", 18),
    Col("realisasi_anggaran", "rp", 18),
    Col("serapan", "pct", 10),
    Col("predikat_serapan", width=12, header="Predikat Serapan"),
    Col("keterangan", width=24),
    Col("berkas", width=28),
    Col("sel_realisasi_anggaran", width=9, header="Sel Sumber"),
]
BERKAS_COLS = [
    Col("berkas", width=50),
    Col("kode_opd", width=12),
    Col("status", width=18),
    Col("alasan", width=60),
    Col("jenis", width=8, header="Jenis Berkas"),
    Col("ukuran", "int", 10, "Ukuran (byte)"),
    Col("dimodifikasi", width=20, header="Disimpan (menurut berkas)"),
    Col("sha256", width=20, header="SHA-256"),
]
MISI_TUJUAN_COLS = [
    Col("tingkat", width=9),
    Col("kode", width=8),
    Col("uraian", width=70),
    Col("jumlah_indikator", "int", 9),
    Col("jumlah_dinilai", "int", 9),
    Col("rata_rata_capaian", "pct", 11),
    Col("min_capaian", "pct", 10),
    Col("max_capaian", "pct", 10),
    Col("predikat", width=12),
    Col("metode", width=36),
]
EFISIENSI_COLS = [
    Col("tingkat", width=11),
    Col("kode", width=12),
    Col("uraian", width=48),
    Col("jumlah_dinilai", "int", 9),
    Col("rata_rata_capaian", "pct", 11),
    Col("min_capaian", "pct", 10),
    Col("pagu_dilaporkan", "rp", 17, "Pagu Dilaporkan (Rp)"),
    Col("realisasi_anggaran", "rp", 17),
    Col("serapan", "pct", 10),
    Col("efisiensi", "pct", 11),
    Col("rasio_efisiensi", "num", 10),
    Col("kategori_efisiensi", width=13),
    Col("sisa_anggaran", "rp", 16),
    Col("jenis_sisa", width=24),
]
VALIDASI_COLS = [
    Col("severity", width=9, header="Tingkat"),
    Col("kode_opd", width=12),
    Col("file", width=36, header="Berkas"),
    Col("sheet", width=10, header="Sheet"),
    Col("cell", width=7, header="Sel"),
    Col("kode_indikator", width=10),
    Col("rule", width=24, header="Aturan"),
    Col("found", width=18, header="Ditemukan"),
    Col("expected", width=18, header="Diharapkan"),
    Col("message", width=70, header="Pesan"),
]


def _col(cols: list[Col], key: str) -> int:
    return [c.key for c in cols].index(key)


def _ringkasan(
    wb: Workbook,
    ws: Worksheet,
    res: Results,
    info: RunInfo,
    settings: Settings,
    issues: pd.DataFrame,
    fmts: _Formats,
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
            if _is_missing(value):
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
    _legend(ws, wb, settings, 5 + len(settings.skala.bands), 3, fmts)

    chart = wb.add_chart({"type": "bar"})
    sas = res.sasaran
    points = [{"fill": {"color": settings.skala.colour(p)}} for p in sas["predikat"].fillna("")]
    chart.add_series(
        {
            "name": "Rata-rata capaian (%)",
            "categories": [
                "Sasaran",
                1,
                _col(SASARAN_COLS, "kode_sasaran"),
                n_sasaran,
                _col(SASARAN_COLS, "kode_sasaran"),
            ],
            "values": [
                "Sasaran",
                1,
                _col(SASARAN_COLS, "rata_rata_capaian"),
                n_sasaran,
                _col(SASARAN_COLS, "rata_rata_capaian"),
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


def write_workbook(
    path: Path,
    res: Results,
    issues: pd.DataFrame,
    berkas: pd.DataFrame,
    settings: Settings,
    info: RunInfo,
) -> Path:
    """Write the consolidated workbook atomically to ``path``."""
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp),
            {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )
        wb.set_properties(
            {
                "title": f"Konsolidasi capaian kinerja {info.nama_pemda} {info.tahun}",
                "subject": "LKjIP / SAKIP",
                "author": info.nama_pemda,
                "comments": f"sakip-pipeline {__version__}",
                "created": dt.datetime(info.tahun, 12, 31),
            }
        )
        fmts = _Formats(wb, settings.desimal_tampilan)
        footer = f"&L{info.nama_pemda}&CLKjIP {info.tahun}&RHalaman &P dari &N"
        ring = wb.add_worksheet("Ringkasan")

        ws = wb.add_worksheet("Sasaran")
        sas = res.sasaran
        last = write_table(ws, sas, SASARAN_COLS, fmts, freeze_cols=4)
        _predikat_colours(ws, wb, settings, SASARAN_COLS, "predikat", last)
        ws.set_footer(footer)

        ws = wb.add_worksheet("Misi & Tujuan")
        levels = pd.concat(
            [
                res.misi.assign(
                    tingkat="Misi", kode=res.misi["kode_misi"], uraian=res.misi["uraian_misi"]
                ),
                res.tujuan.assign(
                    tingkat="Tujuan",
                    kode=res.tujuan["kode_tujuan"],
                    uraian=res.tujuan["uraian_tujuan"],
                ),
            ],
            ignore_index=True,
        )
        last = write_table(ws, levels, MISI_TUJUAN_COLS, fmts, freeze_cols=2)
        _predikat_colours(ws, wb, settings, MISI_TUJUAN_COLS, "predikat", last)
        ws.set_footer(footer)

        ws = wb.add_worksheet("Indikator")
        ind = res.indikator.assign(
            sel_realisasi=[_source_cell(r) for r in res.indikator.to_dict("records")],
            validasi=_issue_flags(res.indikator, issues),
        )
        last = write_table(ws, ind, INDIKATOR_COLS, fmts, freeze_cols=3)
        _predikat_colours(ws, wb, settings, INDIKATOR_COLS, "predikat", last)
        ws.set_footer(footer)

        ws = wb.add_worksheet("OPD")
        submitted = set(
            berkas.loc[
                berkas["status"].isin([schema.BERKAS_DITERIMA, schema.BERKAS_DITERIMA_CATATAN]),
                "kode_opd",
            ]
        )
        opd = res.opd.assign(
            status_kirim=[
                "mengirim" if k in submitted else "belum mengirim" for k in res.opd["kode_opd"]
            ]
        )
        opd = opd.sort_values(["peringkat", "kode_opd"], na_position="last", kind="stable")
        last = write_table(ws, opd, OPD_COLS, fmts, freeze_cols=2)
        _predikat_colours(ws, wb, settings, OPD_COLS, "predikat", last)
        ws.set_footer(footer)

        ws = wb.add_worksheet("Anggaran")
        prog = res.program.assign(
            predikat_serapan=[
                settings.skala.classify(None if _is_missing(v) else float(v))
                for v in res.program["serapan"]
            ]
        )
        last = write_table(ws, prog, ANGGARAN_COLS, fmts, freeze_cols=2)
        _predikat_colours(ws, wb, settings, ANGGARAN_COLS, "predikat_serapan", last)
        ws.set_footer(footer)

        ws = wb.add_worksheet("Efisiensi")
        write_table(ws, res.efisiensi, EFISIENSI_COLS, fmts, freeze_cols=3)
        ws.set_footer(footer)

        ws = wb.add_worksheet("Kelengkapan")
        write_table(ws, berkas, BERKAS_COLS, fmts, freeze_cols=1)
        ws.set_footer(footer)

        ws = wb.add_worksheet("Validasi")
        write_table(ws, issues, VALIDASI_COLS, fmts, freeze_cols=2)
        ws.set_footer(footer)

        ws = wb.add_worksheet("Pengaturan")
        ws.set_column(0, 0, 28)
        ws.set_column(1, 1, 90)
        rows = [
            *settings.as_rows(),
            ("master_spec", info.spec_file),
            ("master_spec_sha256", info.spec_sha256),
            ("versi_pipeline", __version__),
        ]
        ws.write_string(0, 0, "Kunci", fmts.header)
        ws.write_string(0, 1, "Nilai", fmts.header)
        for i, (key, value) in enumerate(rows, start=1):
            ws.write_string(i, 0, key, fmts.text)
            ws.write_string(i, 1, str(value), fmts.text)
        _legend(ws, wb, settings, len(rows) + 2, 0, fmts)

        _ringkasan(wb, ring, res, info, settings, issues, fmts, len(sas))
        ring.activate()
        wb.close()
    return path


PREVIOUS_KEYS = ("kode_indikator", "realisasi", "capaian_mentah")


def read_previous_report(path: Path) -> pd.DataFrame:
    """Last year's consolidated workbook → realisation and capaian per indicator.

    Reads the Indikator sheet by its header labels (the same :data:`INDIKATOR_COLS` that wrote
    it). Raises ValueError when a needed column is missing.
    """
    frame = pd.read_excel(path, sheet_name="Indikator", engine="calamine")
    titles = {c.title: c.key for c in INDIKATOR_COLS if c.key in PREVIOUS_KEYS}
    missing = set(titles) - set(frame.columns)
    if missing:
        raise ValueError(f"kolom tidak ada di sheet Indikator: {', '.join(sorted(missing))}")
    frame = frame.rename(columns=titles)[list(titles.values())]
    return frame.rename(
        columns={"realisasi": "realisasi_tahun_lalu", "capaian_mentah": "capaian_tahun_lalu"}
    ).astype({"kode_indikator": str})


def _source_cell(rec: dict[Any, Any]) -> str:
    """The cell(s) the realisation used for scoring came from (annual cell or TW range)."""
    if rec.get("sumber_realisasi") == "tahunan":
        return str(rec.get("sel_realisasi_tahunan") or "")
    if rec.get("sumber_realisasi"):
        first, last = rec.get("sel_realisasi_tw1"), rec.get("sel_realisasi_tw4")
        return f"{first}:{last}" if isinstance(first, str) and isinstance(last, str) else ""
    return ""


def _issue_flags(ind: pd.DataFrame, issues: pd.DataFrame) -> list[str]:
    """Per indicator row: counts of the validation issues pointing at it (e.g. ``1 WARNING``)."""
    if issues.empty:
        return [""] * len(ind)
    keyed = issues[issues["kode_indikator"] != ""]
    counts = keyed.groupby(["file", "kode_indikator", "severity"]).size()
    out = []
    for berkas, kode in zip(ind["berkas"], ind["kode_indikator"], strict=True):
        parts = [
            f"{counts[(berkas, kode, s)]} {s}"
            for s in (ERROR, WARNING, INFO)
            if (berkas, kode, s) in counts.index
        ]
        out.append(", ".join(parts))
    return out
