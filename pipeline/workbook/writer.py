"""Write the consolidated workbook; read last year's back for the year-on-year change.

Text from OPD files is always written with ``write_string`` and the workbook refuses to turn
strings into formulas or URLs, so a narrative starting with ``=`` stays text. Properties are
fixed, rows sorted: the same inputs give the same cells.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from pipeline import __version__
from pipeline.atomic import atomic_path
from pipeline.config import Settings
from pipeline.issues import ERROR, INFO, WARNING
from pipeline.score import Results
from pipeline.workbook.base import (
    Formats,
    col_index,
    is_missing,
    legend,
    predikat_colours,
    write_table,
)
from pipeline.workbook.columns import (
    ANGGARAN_COLS,
    BERKAS_COLS,
    EFISIENSI_COLS,
    INDIKATOR_COLS,
    KELENGKAPAN_COLS,
    MISI_TUJUAN_COLS,
    OPD_COLS,
    SASARAN_COLS,
    VALIDASI_COLS,
)
from pipeline.workbook.lkjip import write_bab3, write_e81
from pipeline.workbook.ringkasan import RunInfo, write_ringkasan


def write_workbook(
    path: Path,
    res: Results,
    issues: pd.DataFrame,
    berkas: pd.DataFrame,
    settings: Settings,
    info: RunInfo,
    kelengkapan: pd.DataFrame,
    source_base: str = "",
) -> Path:
    """Write the consolidated workbook atomically to ``path``.

    ``source_base`` is the input folder relative to the workbook's folder: the Indikator
    sheet's source cells link there (a relative link, so no machine path is written).
    """
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
        fmts = Formats(wb, settings.desimal_tampilan)
        footer = info.footer
        ring = wb.add_worksheet("Ringkasan")
        write_bab3(
            wb,
            wb.add_worksheet("Tabel Bab III"),
            res,
            settings,
            fmts,
            f"Tabel Bab III — Realisasi Sasaran Strategis {info.nama_pemda} Tahun {info.tahun}",
            footer,
        )
        write_e81(
            wb,
            wb.add_worksheet("E.81"),
            res,
            fmts,
            f"Evaluasi terhadap Hasil Renja Perangkat Daerah Lingkup {info.nama_pemda} "
            f"Tahun {info.tahun}",
            footer,
        )

        ws = wb.add_worksheet("Sasaran")
        sas = res.sasaran
        last = write_table(ws, sas, SASARAN_COLS, fmts, freeze_cols=4)
        predikat_colours(ws, wb, settings, SASARAN_COLS, "predikat", last)
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
        predikat_colours(ws, wb, settings, MISI_TUJUAN_COLS, "predikat", last)
        ws.set_footer(footer)

        ws = wb.add_worksheet("Indikator")
        ind = res.indikator.assign(
            sel_realisasi=[_source_cell(r) for r in res.indikator.to_dict("records")],
            validasi=_issue_flags(res.indikator, issues),
        )
        last = write_table(ws, ind, INDIKATOR_COLS, fmts, freeze_cols=3)
        _link_sources(ws, ind, source_base, col_index(INDIKATOR_COLS, "sel_realisasi"))
        predikat_colours(ws, wb, settings, INDIKATOR_COLS, "predikat", last)
        ws.set_footer(footer)

        ws = wb.add_worksheet("OPD")
        status = dict(zip(kelengkapan["kode_opd"], kelengkapan["status_kirim"], strict=True))
        opd = res.opd.assign(status_kirim=res.opd["kode_opd"].map(status).fillna(""))
        opd = opd.sort_values(["peringkat", "kode_opd"], na_position="last", kind="stable")
        last = write_table(ws, opd, OPD_COLS, fmts, freeze_cols=2)
        predikat_colours(ws, wb, settings, OPD_COLS, "predikat", last)
        ws.set_footer(footer)

        ws = wb.add_worksheet("Anggaran")
        prog = res.program.assign(
            predikat_serapan=[
                settings.skala.classify(None if is_missing(v) else float(v))
                for v in res.program["serapan"]
            ]
        )
        last = write_table(ws, prog, ANGGARAN_COLS, fmts, freeze_cols=2)
        predikat_colours(ws, wb, settings, ANGGARAN_COLS, "predikat_serapan", last)
        ws.set_footer(footer)

        ws = wb.add_worksheet("Efisiensi")
        write_table(ws, res.efisiensi, EFISIENSI_COLS, fmts, freeze_cols=3)
        ws.set_footer(footer)

        ws = wb.add_worksheet("Kelengkapan")
        write_table(ws, kelengkapan, KELENGKAPAN_COLS, fmts, freeze_cols=2)
        ws.set_footer(footer)

        ws = wb.add_worksheet("Berkas")
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
        legend(ws, wb, settings, len(rows) + 2, 0, fmts)

        write_ringkasan(wb, ring, res, info, settings, issues, fmts, len(sas), len(opd))
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


def _link_sources(ws: Any, ind: pd.DataFrame, base: str, col: int) -> None:
    """Make each source cell a link into the OPD's own file (relative to the workbook)."""
    if not base:
        return
    for row, (berkas, cell) in enumerate(
        zip(ind["berkas"], ind["sel_realisasi"], strict=True), start=1
    ):
        if berkas and cell:
            first = str(cell).split(":")[0]
            target = f"{base}/{berkas}".replace("\\", "/")
            ws.write_url(
                row,
                col,
                f"external:{target}#'Indikator'!{first}",
                string=str(cell),
                tip=f"{berkas} › Indikator › {cell}",
            )


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
