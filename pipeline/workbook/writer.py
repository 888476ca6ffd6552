"""Write the consolidated workbook; read last year's back for the year-on-year change.

Each sheet is written by one plain function ``(wb, ws, ctx)`` listed in :data:`SHEETS`, so a
sheet can be added or replaced without touching the others. Text from OPD files is always
written as text (the workbook refuses to turn strings into formulas or URLs), properties are
fixed and rows sorted: the same inputs give the same cells.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline import __version__, fmt, schema
from pipeline.atomic import atomic_path
from pipeline.cells import scan_zip
from pipeline.completeness import BELUM, DIKIRIM, DITOLAK, TANPA_REALISASI, TEPAT_WAKTU, TERLAMBAT
from pipeline.config import Settings
from pipeline.frames import records
from pipeline.ingest import Screened, screen_workbook, screened_zip
from pipeline.issues import ERROR, INFO, SEVERITY_ORDER, WARNING, cell_order, column_letters
from pipeline.master import spec_value
from pipeline.numbers import BATAS_WAJAR
from pipeline.perubahan import Perubahan
from pipeline.renja import E81
from pipeline.score import RUMUS, Results
from pipeline.workbook.base import (
    HEADER_ROW,
    WORKBOOK_OPTIONS,
    Col,
    Formats,
    Status,
    band_format,
    col_index,
    fit_scale,
    is_missing,
    predikat_colours,
    print_setup,
    row_height,
    write_table,
)
from pipeline.workbook.columns import (
    ANGGARAN_COLS,
    ANGGARAN_KEYS,
    BERKAS_COLS,
    BERKAS_KEYS,
    EFISIENSI_COLS,
    EFISIENSI_KEYS,
    INDIKATOR_COLS,
    INDIKATOR_KEYS,
    KELENGKAPAN_COLS,
    KELENGKAPAN_KEYS,
    MISI_TUJUAN_COLS,
    MISI_TUJUAN_KEYS,
    OPD_COLS,
    OPD_KEYS,
    SASARAN_COLS,
    SASARAN_KEYS,
    VALIDASI_COLS,
    VALIDASI_KEYS,
)
from pipeline.workbook.e81 import Place, write_e81_sheet
from pipeline.workbook.lkjip import indicator_decimals, write_bab3
from pipeline.workbook.ringkasan import RunInfo, write_ringkasan
from pipeline.xlsx_safe import SafeWorkbook

SEVERITY_FILL = {ERROR: "#FFC7CE", WARNING: "#FFEB9C", INFO: "#DDEBF7"}


@dataclass(frozen=True)
class Context:
    """Everything a sheet writer may read (nothing global, so a writer runs anywhere)."""

    res: Results
    issues: pd.DataFrame
    berkas: pd.DataFrame
    settings: Settings
    info: RunInfo
    kelengkapan: pd.DataFrame
    source_base: str
    fmts: Formats
    status: Status
    e81: E81
    periode_akhir: int
    perubahan: Perubahan | None = None

    @property
    def footer(self) -> str:
        return self.info.footer


SheetWriter = Callable[[Workbook, Worksheet, Context], None]


def write_workbook(
    path: Path,
    res: Results,
    issues: pd.DataFrame,
    berkas: pd.DataFrame,
    settings: Settings,
    info: RunInfo,
    kelengkapan: pd.DataFrame,
    source_base: str,
    perubahan: Perubahan | None,
    e81: E81,
    periode_akhir: int,
) -> Path:
    """Write the consolidated workbook atomically to ``path``.

    ``source_base`` is the input folder relative to the workbook's folder: the Indikator
    sheet's source cells link there (a relative link, so no machine path is written).
    ``perubahan`` is the comparison with the previous run (None: not compared). ``e81`` is the
    Renja evaluation written to the E.81 sheet; ``periode_akhir`` the Renstra end year.
    """
    with atomic_path(path) as tmp:
        wb = SafeWorkbook(str(tmp), WORKBOOK_OPTIONS)
        wb.set_properties(
            {
                "title": f"Konsolidasi capaian kinerja {info.nama_pemda} {info.tahun}",
                "subject": "LKjIP / SAKIP",
                "author": info.nama_pemda,
                "comments": f"sakip-pipeline {__version__}",
                "created": dt.datetime(info.tahun, 12, 31),
            }
        )
        errors = int((issues["severity"] == ERROR).sum()) if not issues.empty else 0
        ctx = Context(
            res=res,
            issues=issues,
            berkas=berkas,
            settings=settings,
            info=info,
            kelengkapan=kelengkapan,
            source_base=source_base,
            fmts=Formats(wb, settings.desimal_tampilan, settings.tepi),
            status=Status(errors, info.nama_pemda, info.tahun),
            perubahan=perubahan,
            e81=e81,
            periode_akhir=periode_akhir,
        )
        for name, writer in SHEETS:
            writer(wb, wb.add_worksheet(name), ctx)
        wb.worksheets()[0].activate()
        wb.close()
    return path


# ---------------------------------------------------------------------------------------------
# Data sheets


def sheet_ringkasan(wb: Workbook, ws: Worksheet, ctx: Context) -> None:
    write_ringkasan(
        wb, ws, ctx.res, ctx.info, ctx.settings, ctx.issues, ctx.kelengkapan, ctx.fmts, ctx.status
    )


def sheet_bab3(wb: Workbook, ws: Worksheet, ctx: Context) -> None:
    write_bab3(wb, ws, ctx.res, ctx.settings, ctx.fmts, ctx.status, ctx.footer)


def sheet_e81(wb: Workbook, ws: Worksheet, ctx: Context) -> None:
    place = Place(ctx.info.nama_pemda, ctx.info.tahun, ctx.periode_akhir)
    footer = ctx.info.page_footer(f"Evaluasi Renja {ctx.e81.periode}")
    write_e81_sheet(ws, ctx.e81, ctx.fmts, ctx.status, footer, place)


def _predikat(ws: Worksheet, wb: Workbook, ctx: Context, cols: list[Col], key: str, last: int):
    predikat_colours(ws, wb, ctx.settings, col_index(cols, key), HEADER_ROW + 1, last)


def sheet_sasaran(wb: Workbook, ws: Worksheet, ctx: Context) -> None:
    counts = {"jumlah_indikator": 0, "jumlah_dinilai": 0}  # a Sasaran without indicators: 0
    last = write_table(
        ws,
        ctx.res.sasaran.fillna(counts),
        SASARAN_COLS,
        ctx.fmts,
        ctx.status,
        "Capaian per Sasaran Strategis",
        ctx.footer,
        freeze_cols=SASARAN_KEYS,
    )
    _predikat(ws, wb, ctx, SASARAN_COLS, "predikat", last)
    # the programs a Sasaran's budget figures leave out, and why (the OPD sheet has a column)
    left = [
        f"{r['kode_sasaran']}: {str(r['program_dikecualikan']).replace('; ', ', ')}"
        for r in records(ctx.res.sasaran)
        if isinstance(r.get("program_dikecualikan"), str) and r["program_dikecualikan"]
    ]
    if left:
        note = (
            "Program yang tidak masuk Pagu Program Dilaporkan, Realisasi Anggaran dan Serapan "
            "Sasarannya: " + "; ".join(left) + "."
        )
        width = sum(c.width for c in SASARAN_COLS[:SASARAN_KEYS])
        ws.set_row(last + 2, row_height((note, width)))
        ws.merge_range(last + 2, 0, last + 2, SASARAN_KEYS - 1, note, ctx.fmts.get(text_wrap=True))


def sheet_misi_tujuan(wb: Workbook, ws: Worksheet, ctx: Context) -> None:
    res = ctx.res
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
    last = write_table(
        ws,
        levels,
        MISI_TUJUAN_COLS,
        ctx.fmts,
        ctx.status,
        "Capaian per Misi dan Tujuan",
        ctx.footer,
        freeze_cols=MISI_TUJUAN_KEYS,
    )
    _predikat(ws, wb, ctx, MISI_TUJUAN_COLS, "predikat", last)


def number_or_text(value: object) -> object:
    """A target cell of the spec as a number where it is one (``13.929`` → 13,929), else text
    (a ladder value, a range); missing stays missing."""
    if is_missing(value) or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    number = spec_value(value)[0]
    return str(value) if number is None else number


def realisasi_cells(ind: pd.DataFrame) -> dict[str, pd.Series]:
    """The TW and annual cells as the OPD typed them: a number, or for a kualitatif indicator
    its ladder value (``WTP``), so a quarterly ladder is visible beside the rank it made."""
    out: dict[str, pd.Series] = {}
    for key in (*schema.TW_COLUMNS, "realisasi_tahunan"):
        text_key = "realisasi_teks" if key == "realisasi_tahunan" else f"{key}_teks"
        numbers = ind[key] if key in ind else pd.Series(None, ind.index, dtype=object)
        texts = ind[text_key] if text_key in ind else pd.Series("", ind.index)
        if key == "realisasi_tahunan" and "sumber_realisasi" in ind:
            # realisasi_teks also holds the ladder value of a TW roll-up: only an annual one
            texts = texts.where(ind["sumber_realisasi"] == RUMUS["realisasi_tahunan"], "")
        out[key] = _objects(
            [
                float(n) if not is_missing(n) else (str(t) if not is_missing(t) and t else None)
                for n, t in zip(numbers, texts, strict=True)
            ],
            ind.index,
        )
    return out


def indikator_frame(res: Results, issues: pd.DataFrame) -> pd.DataFrame:
    """The Indikator sheet's rows: targets as numbers, the source cell, the issue counts."""
    ind = res.indikator
    target = [
        t if not is_missing(t) else (txt or None)
        for t, txt in zip(ind["target_nilai"], ind["target_teks"].fillna(""), strict=True)
    ]
    return ind.assign(
        target=_objects(target, ind.index),
        target_tahun_depan=_objects(
            [number_or_text(v) for v in ind["target_tahun_depan"]], ind.index
        ),
        target_akhir=_objects([number_or_text(v) for v in ind["target_akhir"]], ind.index),
        agregasi_tw=[schema.AGREGASI_TEKS.get(str(v), v) for v in ind["agregasi_tw"]],
        **realisasi_cells(ind),
        sel_realisasi=[_source_cell(r) for r in records(ind)],
        validasi=_issue_flags(ind, issues),
    )


def _objects(values: list[Any], index: pd.Index) -> pd.Series:
    """A column of mixed numbers and text (numbers stay numbers)."""
    return pd.Series(values, index=index, dtype=object)


def sheet_indikator(wb: Workbook, ws: Worksheet, ctx: Context) -> None:
    ind = indikator_frame(ctx.res, ctx.issues)
    last = write_table(
        ws,
        ind,
        INDIKATOR_COLS,
        ctx.fmts,
        ctx.status,
        "Capaian per Indikator",
        ctx.footer,
        freeze_cols=INDIKATOR_KEYS,
        decimals=indicator_decimals(ind, ctx.settings),
    )
    _link_sources(ws, ind, ctx.source_base, col_index(INDIKATOR_COLS, "sel_realisasi"), ctx.fmts)
    _predikat(ws, wb, ctx, INDIKATOR_COLS, "predikat", last)


def sheet_opd(wb: Workbook, ws: Worksheet, ctx: Context) -> None:
    kel = ctx.kelengkapan
    status = dict(zip(kel["kode_opd"], kel["status_kirim"], strict=True))
    opd = ctx.res.opd.assign(status_kirim=ctx.res.opd["kode_opd"].map(status).fillna(""))
    opd = opd.sort_values(["peringkat", "kode_opd"], na_position="last", kind="stable")
    last = write_table(
        ws,
        opd,
        OPD_COLS,
        ctx.fmts,
        ctx.status,
        "Capaian dan Anggaran per OPD",
        ctx.footer,
        freeze_cols=OPD_KEYS,
    )
    _predikat(ws, wb, ctx, OPD_COLS, "predikat", last)


def program_notes(
    prog: pd.DataFrame, issues: pd.DataFrame, status_kirim: dict[str, str]
) -> list[str]:
    """Per program, why it is (or is not) in the budget totals, in words."""
    errors = (
        issues[(issues["severity"] == ERROR) & (issues["sheet"] == "Anggaran")]
        if not issues.empty
        else issues
    )
    rejected = {
        (f, c): m
        for f, c, m in zip(
            errors.get("file", []), errors.get("cell", []), errors.get("found", []), strict=True
        )
    }
    notes = []
    for rec in records(prog):
        parts: list[str] = []
        berkas = str(rec.get("berkas") or "")
        cell = str(rec.get("sel_realisasi_anggaran") or "")
        if is_missing(rec.get("realisasi_anggaran")):
            if (berkas, cell) in rejected:
                parts.append(
                    f"realisasi {rejected[(berkas, cell)]} ditolak (ERROR di sheet Validasi): "
                    "tidak ikut jumlah serapan"
                )
            elif status_kirim.get(str(rec.get("kode_opd")), "") == DITOLAK:
                parts.append("berkas OPD ditolak: tidak ikut jumlah serapan")
            elif status_kirim.get(str(rec.get("kode_opd")), "") not in DIKIRIM:
                parts.append("OPD belum mengirim berkas: tidak ikut jumlah serapan")
            else:
                parts.append("realisasi belum dilaporkan: tidak ikut jumlah serapan")
        elif not is_missing(rec.get("pagu")) and float(rec["pagu"]) == 0:
            parts.append("pagu 0: serapan tidak dihitung")
        if not str(rec.get("kode_sasaran") or ""):
            parts.append("tidak terkait Sasaran: tidak ikut serapan per Sasaran")
        notes.append("; ".join(parts))
    return notes


def sheet_anggaran(wb: Workbook, ws: Worksheet, ctx: Context) -> None:
    res, settings, fmts = ctx.res, ctx.settings, ctx.fmts
    kel = ctx.kelengkapan
    status = dict(zip(kel["kode_opd"], kel["status_kirim"], strict=True))
    prog = res.program.assign(
        predikat_serapan=[
            settings.skala.classify(None if is_missing(v) else float(v))
            for v in res.program["serapan"]
        ],
        catatan_hitung=program_notes(res.program, ctx.issues, status),
    )
    k = res.keseluruhan
    totals = [
        (
            "Jumlah seluruh program",
            f"{int(k['jumlah_program'])} program",
            k["pagu"],
            None,
            None,
            "",
        ),
        (
            "Jumlah program yang melaporkan realisasi",
            f"{int(k['program_dilaporkan'])} dari {int(k['jumlah_program'])} program",
            k["pagu_dilaporkan"],
            k["realisasi_anggaran"],
            k["serapan"],
            "Serapan keseluruhan = Σ realisasi / Σ pagu baris ini × 100 (bukan rata-rata "
            "persentase per program).",
        ),
    ]
    note_col = col_index(ANGGARAN_COLS, "catatan_hitung")
    # the two totals under the table, printed on its last page with its last rows
    heights = [
        row_height(
            (f"{label} ({count})", ANGGARAN_COLS[1].width), (note, ANGGARAN_COLS[note_col].width)
        )
        for label, count, *_, note in totals
    ]
    last = write_table(
        ws,
        prog,
        ANGGARAN_COLS,
        fmts,
        ctx.status,
        "Anggaran dan Realisasi per Program",
        ctx.footer,
        freeze_cols=ANGGARAN_KEYS,
        totals={
            "pagu": [k["pagu"], k["pagu_dilaporkan"]],
            "realisasi_anggaran": [k["realisasi_anggaran"]],
        },
        even_pages=True,
        kept=row_height(("", 1)) + sum(heights),
    )
    _predikat(ws, wb, ctx, ANGGARAN_COLS, "predikat_serapan", last)
    pagu_col, real_col = (
        col_index(ANGGARAN_COLS, "pagu"),
        col_index(ANGGARAN_COLS, "realisasi_anggaran"),
    )
    ser_col = col_index(ANGGARAN_COLS, "serapan")
    # the totals with the sen of their column (a sum has sen only where a row has)
    bold_rp = {
        key: fmts.number(fmt.desimal_rupiah(prog[key]), bold=True, bg_color="#F2F2F2")
        for key in ("pagu", "realisasi_anggaran")
    }
    bold_pct = fmts.number(fmts.decimals, bold=True, bg_color="#F2F2F2")
    bold = fmts.get(bold=True, border=1, text_wrap=True, bg_color="#F2F2F2")
    row = last + 2
    for (label, count, pagu, realisasi, serapan, note), height in zip(
        totals, heights, strict=True
    ):
        ws.set_row(row, height)
        for col in range(len(ANGGARAN_COLS)):
            ws.write_blank(row, col, None, bold)
        ws.write_string(row, 0, "Jumlah", bold)
        ws.write_string(row, 1, f"{label} ({count})", bold)
        for col, value, f in (
            (pagu_col, pagu, bold_rp["pagu"]),
            (real_col, realisasi, bold_rp["realisasi_anggaran"]),
            (ser_col, serapan, bold_pct),
        ):
            if not is_missing(value):
                ws.write_number(row, col, float(value), f)
        ws.write_string(row, note_col, note, bold)
        row += 1


def sheet_efisiensi(wb: Workbook, ws: Worksheet, ctx: Context) -> None:
    last = write_table(
        ws,
        ctx.res.efisiensi,
        EFISIENSI_COLS,
        ctx.fmts,
        ctx.status,
        "Efisiensi: Capaian Kinerja dibanding Serapan Anggaran",
        ctx.footer,
        freeze_cols=EFISIENSI_KEYS,
    )
    s = ctx.settings
    note = (
        f"Capaian − serapan (poin): efisien bila > {fmt.bertanda(s.efisiensi_batas_atas)}, "
        f"tidak efisien bila < {fmt.bertanda(s.efisiensi_batas_bawah)}, selain itu cukup "
        "efisien (kedua batas diatur di sheet 'pengaturan' master spec). Sisa anggaran disebut "
        "penghematan hanya bila semua indikator yang dinilai mencapai target; tanpa indikator "
        "yang dinilai: sisa anggaran (tidak ada indikator dinilai)."
    )
    # one wrapped paragraph over the key columns, which every printed panel repeats (as one
    # line it ran past the page's edge and was cut where the panels part)
    width = sum(c.width for c in EFISIENSI_COLS[:EFISIENSI_KEYS])
    ws.set_row(last + 2, row_height((note, width)))
    ws.merge_range(last + 2, 0, last + 2, EFISIENSI_KEYS - 1, note, ctx.fmts.get(text_wrap=True))
    col = col_index(EFISIENSI_COLS, "kategori_efisiensi")
    from pipeline.chartdata import WARNA_EFISIENSI  # noqa: PLC0415

    for band, colour in WARNA_EFISIENSI.items():
        ws.conditional_format(
            HEADER_ROW + 1,
            col,
            last,
            col,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{band}"',
                "format": wb.add_format({"bg_color": colour}),
            },
        )


def _saved_at(value: object) -> dt.datetime | None:
    """A time in ISO text, UTC (a file's own save time, a mail server's receipt time) as a
    naive datetime for a date cell."""
    moment = None if is_missing(value) else fmt.saat(str(value))
    return moment.replace(tzinfo=None) if moment is not None else None


def _dates(frame: pd.DataFrame, *keys: str) -> pd.DataFrame:
    """ISO time columns as date cells (a column the frame lacks stays empty)."""
    return frame.assign(
        **{
            k: _objects([_saved_at(v) for v in frame.get(k, [""] * len(frame))], frame.index)
            for k in keys
        }
    )


def sheet_kelengkapan(wb: Workbook, ws: Worksheet, ctx: Context) -> None:
    kel = _dates(ctx.kelengkapan, "dimodifikasi", "diterima")
    last = write_table(
        ws,
        kel,
        KELENGKAPAN_COLS,
        ctx.fmts,
        ctx.status,
        "Kelengkapan Pengiriman per OPD",
        ctx.footer,
        freeze_cols=KELENGKAPAN_KEYS,
    )
    if ctx.info.batas_catatan:
        # under the table, over the key columns every printed panel repeats (as Efisiensi)
        note = ctx.info.batas_catatan
        width = sum(c.width for c in KELENGKAPAN_COLS[:KELENGKAPAN_KEYS])
        ws.set_row(last + 2, row_height((note, width)))
        ws.merge_range(
            last + 2, 0, last + 2, KELENGKAPAN_KEYS - 1, note, ctx.fmts.get(text_wrap=True)
        )
    col = col_index(KELENGKAPAN_COLS, "status_kirim")
    for value, colour in (
        (TEPAT_WAKTU, "#C6EFCE"),
        (TERLAMBAT, "#FFEB9C"),
        (BELUM, "#FFC7CE"),
        (DITOLAK, "#FFC7CE"),
        (TANPA_REALISASI, "#FFC7CE"),
    ):
        ws.conditional_format(
            HEADER_ROW + 1,
            col,
            last,
            col,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{value}"',
                "format": wb.add_format({"bg_color": colour}),
            },
        )


def sheet_berkas(wb: Workbook, ws: Worksheet, ctx: Context) -> None:
    berkas = _dates(ctx.berkas, "dimodifikasi", "diterima")
    write_table(
        ws,
        berkas,
        BERKAS_COLS,
        ctx.fmts,
        ctx.status,
        "Berkas Masukan",
        ctx.footer,
        freeze_cols=BERKAS_KEYS,
    )


def sheet_validasi(wb: Workbook, ws: Worksheet, ctx: Context) -> None:
    issues = ctx.issues
    if not issues.empty:
        order = issues["severity"].map(SEVERITY_ORDER).fillna(len(SEVERITY_ORDER))
        issues = (
            issues.assign(_order=order, _cell=issues["cell"].map(cell_order))
            .sort_values(["_order", "kode_opd", "file", "sheet", "_cell", "rule"], kind="stable")
            .drop(columns=["_order", "_cell"])
        )
    last = write_table(
        ws,
        issues,
        VALIDASI_COLS,
        ctx.fmts,
        ctx.status,
        "Hasil Validasi (ERROR lebih dahulu)",
        ctx.footer,
        freeze_cols=VALIDASI_KEYS,
    )
    for severity, colour in SEVERITY_FILL.items():
        ws.conditional_format(
            HEADER_ROW + 1,
            0,
            last,
            0,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{severity}"',
                "format": wb.add_format({"bg_color": colour, "bold": severity == ERROR}),
            },
        )


def sheet_perubahan(wb: Workbook, ws: Worksheet, ctx: Context) -> None:
    from pipeline.workbook.perubahan import write_perubahan  # noqa: PLC0415

    p = ctx.perubahan or Perubahan(False, "Tidak dibandingkan dengan proses sebelumnya.")
    write_perubahan(wb, ws, p, ctx.res, ctx.settings, ctx.fmts, ctx.status, ctx.footer)


SETTING_MEANING = {
    "batas_capaian": "batas (%) capaian tiap indikator sebelum dirata-rata; none = tanpa batas",
    "desimal_tampilan": "jumlah desimal yang ditampilkan (perhitungan memakai presisi penuh)",
    "efisiensi_batas_atas": "capaian − serapan di atas nilai ini (poin): efisien",
    "efisiensi_batas_bawah": "capaian − serapan di bawah nilai ini (poin): tidak efisien",
    "label_predikat": "label pengganti pita predikat, dari atas",
    "metode_rata_rata": "rata_rata (sederhana) atau bobot (berbobot kolom bobot)",
    "mode_ketat": "ya: keluar dengan kode 3 selama masih ada ERROR",
    "rata_rata_keseluruhan": "rata-rata keseluruhan dari indikator atau dari rata-rata Sasaran",
    "rumus_kualitatif": "indikator kualitatif: tercapai_100 atau rasio_peringkat",
    "rumus_range_atas": "indikator rentang di atas batas atas: R/U atau turun",
    "rumus_turun": "indikator turun (makin rendah makin baik): 2T-R atau T/R",
    "skala_predikat": "skala predikat yang dipakai",
    "skala_predikat_pita": "pita skala predikat, dari atas",
    "skala_predikat_e81": "skala predikat Tabel E.81 (capaian K dan Rp evaluasi Renja)",
    "master_spec": "berkas master spec yang dipakai",
    "master_spec_sha256": "sidik SHA-256 berkas master spec",
    "versi_pipeline": "versi program pengolah",
}
PENGATURAN_COLS = [
    Col("kunci", width=24, header="Kunci"),
    Col("nilai", width=44, header="Nilai"),
    Col("arti", width=62, header="Arti"),
]


def sheet_pengaturan(wb: Workbook, ws: Worksheet, ctx: Context) -> None:
    settings, info, fmts = ctx.settings, ctx.info, ctx.fmts
    rows = [
        *settings.as_rows(),
        ("master_spec", info.spec_file),
        ("master_spec_sha256", info.spec_sha256),
        ("versi_pipeline", __version__),
    ]
    frame = pd.DataFrame(
        [{"kunci": k, "nilai": str(v), "arti": SETTING_MEANING.get(k, "")} for k, v in rows]
    )
    last = write_table(
        ws, frame, PENGATURAN_COLS, fmts, ctx.status, "Pengaturan Perhitungan", ctx.footer
    )
    row = last + 2
    ws.write_string(row, 0, f"Skala predikat: {settings.skala.judul}", fmts.bold)
    row += 1
    ws.write_string(row, 0, "Predikat", fmts.header)
    ws.write_string(row, 1, "Rentang capaian (%)", fmts.header)
    for band, rule in zip(settings.skala.bands, settings.skala.rentang(), strict=True):
        row += 1
        ws.write_string(row, 0, band.label, band_format(fmts, band.warna))
        ws.write_string(row, 1, rule, fmts.text)
    scale = fit_scale([c.width for c in PENGATURAN_COLS], landscape=False)
    print_setup(ws, ctx.status, ctx.footer, landscape=False, scale=scale, repeat=(0, HEADER_ROW))


SHEETS: list[tuple[str, SheetWriter]] = [
    ("Ringkasan", sheet_ringkasan),
    ("Tabel Bab III", sheet_bab3),
    ("E.81", sheet_e81),
    ("Sasaran", sheet_sasaran),
    ("Misi & Tujuan", sheet_misi_tujuan),
    ("Indikator", sheet_indikator),
    ("OPD", sheet_opd),
    ("Anggaran", sheet_anggaran),
    ("Efisiensi", sheet_efisiensi),
    ("Kelengkapan", sheet_kelengkapan),
    ("Berkas", sheet_berkas),
    ("Validasi", sheet_validasi),
    ("Perubahan", sheet_perubahan),
    ("Pengaturan", sheet_pengaturan),
]


# ---------------------------------------------------------------------------------------------
# Reading last year's workbook back

PREVIOUS_KEYS = ("kode_indikator", "realisasi", "capaian_mentah")
# read when there: an indicator several OPDs report is compared OPD by OPD, and one whose
# polarity changed is not compared at all
PREVIOUS_OPTIONAL = ("kode_opd", "polaritas")


def read_previous_report(path: Path) -> pd.DataFrame:
    """Last year's consolidated workbook → realisation and capaian per indicator.

    Finds the header row of the Indikator sheet by its labels (the same :data:`INDIKATOR_COLS`
    that wrote it; a workbook from before the banner row has it on the first row). Raises
    ValueError when a needed column is missing.
    """
    screened = screen_workbook(path)  # read in this process: screened first, as a spec is
    if screened.problem:
        raise ValueError(screened.problem)
    try:
        raw = pd.read_excel(
            io.BytesIO(screened.data), sheet_name="Indikator", engine="calamine", header=None
        )
    except ValueError:  # no such sheet
        raise ValueError(
            "buku kerja ini tidak memiliki sheet 'Indikator'; berikan buku kerja konsolidasi "
            "tahun lalu (<kode>_<tahun>_konsolidasi.xlsx)"
        ) from None
    titles = {c.title: c.key for c in INDIKATOR_COLS if c.key in PREVIOUS_KEYS}
    header_at = next(
        (i for i in range(min(len(raw), 5)) if set(titles) <= set(raw.iloc[i].astype(str))),
        None,
    )
    if header_at is None:  # the columns missing from the row that has most of them
        tops = [set(raw.iloc[i].astype(str)) for i in range(min(len(raw), 5))]
        best = max(tops, key=lambda r: len(set(titles) & r), default=set())
        missing = sorted(set(titles) - best)
        raise ValueError(
            "kolom tidak ada di sheet Indikator (lima baris teratas): "
            + ", ".join(f"'{t}'" for t in missing)
        )
    header = set(raw.iloc[header_at].astype(str))
    titles |= {
        c.title: c.key for c in INDIKATOR_COLS if c.key in PREVIOUS_OPTIONAL and c.title in header
    }
    frame = raw.iloc[header_at + 1 :].copy()
    frame.columns = raw.iloc[header_at].astype(str)
    letters = {key: column_letters(list(frame.columns).index(t)) for t, key in titles.items()}
    frame = frame.rename(columns=titles)[list(titles.values())]
    frame = frame.dropna(subset=["kode_indikator"])
    notes = []
    shown_as_percent = _percent_cells(screened, frame.columns, list(raw.iloc[header_at]), len(raw))
    for key in ("realisasi", "capaian_mentah"):
        numbers = pd.to_numeric(frame[key], errors="coerce").astype(float)
        text = frame[key].map(lambda v: "" if pd.isna(v) else str(v).strip())
        # Excel stores a typed '112,99%' as 1,1299: read as the percent it shows
        percent = numbers.notna().to_numpy() & np.array(
            [(int(i) + 1, key) in shown_as_percent for i in frame.index], dtype=bool
        )
        if percent.any():
            numbers[percent] = numbers[percent] * 100
            first = int(percent.argmax())
            notes.append(
                f"sel {letters[key]}{int(frame.index[first]) + 1} sheet Indikator berformat "
                f"persen: dibaca sebagai {fmt.angka_ringkas(float(numbers.iloc[first]))} "
                f"seperti yang tampil ({int(percent.sum())} sel seperti itu)"
            )
        # text, or a figure beyond any real one (1E+30, 'inf'): that indicator is not compared
        wrong = (numbers.isna() & (text != "")) | ~(numbers.abs() < BATAS_WAJAR) & numbers.notna()
        if wrong.any():
            first = int(wrong.to_numpy().argmax())
            notes.append(
                f"sel {letters[key]}{int(frame.index[first]) + 1} sheet Indikator berisi "
                f"'{text.iloc[first]}', "
                f"bukan angka yang dapat dipakai ({int(wrong.sum())} sel seperti itu; "
                "indikatornya tanpa perbandingan)"
            )
            numbers[wrong] = np.nan
        frame[key] = numbers
    key_columns = ["kode_indikator", "kode_opd"] if "kode_opd" in frame else ["kode_indikator"]
    keys = frame[key_columns].astype(str)
    twice = keys.duplicated(keep=False).to_numpy()
    if twice.any():  # which of the rows is last year's cannot be told: neither is compared
        first = int(twice.argmax())
        rows = [int(i) + 1 for i in frame.index[twice & (keys == keys.iloc[first]).all(axis=1)]]
        notes.append(
            f"kode indikator {keys.iat[first, 0]!s}"
            + (f" OPD {keys.iat[first, 1]!s}" if len(key_columns) > 1 else "")
            + " ada di lebih dari satu baris sheet Indikator (baris "
            + ", ".join(map(str, rows))
            + f"; {int(twice.sum())} baris seperti itu): baris itu tanpa perbandingan"
        )
        frame = frame[~twice]
    out = frame.rename(
        columns={"realisasi": "realisasi_tahun_lalu", "capaian_mentah": "capaian_tahun_lalu"}
    ).astype({k: str for k in ("kode_indikator", *PREVIOUS_OPTIONAL) if k in frame})
    banner = " ".join(str(v) for v in raw.iloc[:header_at].to_numpy().ravel() if pd.notna(v))
    ringkasan = _title_of(screened.data, "Ringkasan")  # status, title, period
    if not banner.strip():  # its banner cleared: the Ringkasan's title names Pemda and year
        banner = ringkasan
    out.attrs.update(
        judul=banner,
        ringkasan=ringkasan,
        catatan=notes,
        berkas=path.name,
        sha256=hashlib.sha256(screened.data).hexdigest(),
    )
    return out


def _percent_cells(
    screened: Screened, keys: pd.Index, header: list[Any], rows: int
) -> set[tuple[int, str]]:
    """(Excel row, column key) of the number cells of last year's Indikator sheet formatted as
    a percent, among the realisation and capaian columns (``keys``: the frame's column keys,
    in the order of ``header``'s titles). None in a workbook this pipeline wrote."""
    wanted = {
        i: key
        for i, title in enumerate(map(str, header))
        for c in INDIKATOR_COLS
        if c.title == title and (key := c.key) in ("realisasi", "capaian_mentah") and key in keys
    }
    if not wanted:
        return set()
    try:
        with screened_zip(screened) as zf:
            notes = scan_zip(zf, ("Indikator",), rows).get("Indikator", {})
    except Exception:  # its XML cannot be read for formats: the values stand
        return set()
    return {
        (row, wanted[col]) for (row, col), note in notes.items() if note.persen and col in wanted
    }


def _title_of(data: bytes, sheet: str) -> str:
    """The texts of the first rows of ``sheet`` ('' when there is no such sheet)."""
    try:
        top = pd.read_excel(
            io.BytesIO(data), sheet_name=sheet, engine="calamine", header=None, nrows=3
        )
    except ValueError:
        return ""
    return " ".join(str(v) for v in top.to_numpy().ravel() if pd.notna(v))


def _link_sources(ws: Any, ind: pd.DataFrame, base: str, col: int, fmts: Formats) -> None:
    """Make each source cell a link into the OPD's own file (relative to the workbook)."""
    if not base:
        return
    # at the top of the cell with its border, like every other cell of the row
    link = fmts.get(border=1, font_color="#0563C1", underline=1)
    for row, (berkas, cell) in enumerate(
        zip(ind["berkas"], ind["sel_realisasi"], strict=True), start=HEADER_ROW + 1
    ):
        if berkas and cell and not _leaves_folder(str(berkas)):
            first = str(cell).split(":")[0]
            target = _link_path(f"{base}/{berkas}".replace("\\", "/"))
            ws.write_url(
                row,
                col,
                f"external:{target}#'Indikator'!{first}",
                link,
                string=str(cell),
                tip=f"{berkas} › Indikator › {cell}",
            )


def _leaves_folder(berkas: str) -> bool:
    r"""Whether a link to the file would lead out of the input folder: a backslash in its name
    (a plain character where the file was saved, a folder step for Excel on Windows: a file
    named ``a\..\..\..\x.xlsx`` was linked to ``x.xlsx`` three folders up) or a ``..``
    step. Such a cell keeps its text, without a link."""
    return "\\" in berkas or ".." in berkas.split("/")


# A file path in a link, escaped as Excel escapes it. Done here, in full, because xlsxwriter
# cuts a link at its first '#' (a file named 'KESRA #1.xlsx' linked to 'KESRA%20') and leaves
# a link alone once any '%xx' is in it.
_LINK_ESCAPES = tuple((c, f"%{ord(c):02x}") for c in '%"#<>[]^`{} ')


def _link_path(path: str) -> str:
    for char, escaped in _LINK_ESCAPES:
        path = path.replace(char, escaped)
    return path


def _source_cell(rec: dict[Any, Any]) -> str:
    """The cell(s) the realisation used for scoring came from (annual cell or TW range); for a
    reported row whose value was refused or answered n/a, the row's realisation cells."""
    if rec.get("sumber_realisasi") == "tahunan":
        return str(rec.get("sel_realisasi_tahunan") or "")
    if rec.get("sumber_realisasi"):
        first, last = rec.get("sel_realisasi_tw1"), rec.get("sel_realisasi_tw4")
        return f"{first}:{last}" if isinstance(first, str) and isinstance(last, str) else ""
    if rec.get("berkas") and (
        rec.get("realisasi_tidak_valid") or rec.get("realisasi_tidak_tersedia")
    ):
        # nothing scored: the row's realisation cells, where the refused value (or the
        # OPD's n/a) is
        first, last = rec.get("sel_realisasi_tw1"), rec.get("sel_realisasi_tahunan")
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
