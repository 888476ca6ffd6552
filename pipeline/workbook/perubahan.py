"""The ``Perubahan`` sheet: what changed since the previous run (:mod:`pipeline.perubahan`).

Two tables on one landscape page width: the files that are new, changed or gone, then every
indicator row whose realisation, capaian, predikat or status changed, before and after. Both
tables share the sheet's columns; a file column that needs more room spans several of them.
Numbers are numbers with the workbook's formats (realisations at the indicator's own
precision); file names, senders and indicator names are written as text.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline.config import Settings
from pipeline.frames import records
from pipeline.layout import fit_scale, row_height
from pipeline.perubahan import Perubahan
from pipeline.score import Results
from pipeline.workbook.base import (
    Col,
    Formats,
    Status,
    is_missing,
    predikat_colours,
    print_setup,
    put,
    write_banner,
)
from pipeline.workbook.lkjip import indicator_decimals

TITLE = "Perubahan sejak Proses Sebelumnya"
INDIKATOR_COLS = [
    Col("kode_indikator", width=10),
    Col("uraian_indikator", width=32),
    Col("kode_opd", width=12),
    Col("satuan", width=8),
    Col("realisasi_sebelumnya", "num", 11, "Realisasi Sebelumnya"),
    Col("realisasi_sekarang", "num", 11, "Realisasi Sekarang"),
    Col("capaian_sebelumnya", "pct", 11, "Capaian Sebelumnya (%)"),
    Col("capaian_sekarang", "pct", 11, "Capaian Sekarang (%)"),
    Col("selisih_capaian", "pct", 11, "Perubahan Capaian (poin)"),
    Col("predikat_sebelumnya", width=11, header="Predikat Sebelumnya"),
    Col("predikat_sekarang", width=11, header="Predikat Sekarang"),
    Col("status_sebelumnya", width=11, header="Status Sebelumnya"),
    Col("status_sekarang", width=11, header="Status Sekarang"),
]
# The file table on the same columns: (column, first sheet column, last sheet column).
BERKAS_COLS = [
    (Col("perubahan", width=10, header="Perubahan"), 0, 0),
    (Col("berkas", width=32, header="Berkas"), 1, 1),
    (Col("kode_opd", width=12), 2, 2),
    (Col("status", width=19, header="Status Sekarang"), 3, 4),
    (Col("berkas_sebelumnya", width=44, header="Berkas Dipakai Sebelumnya"), 5, 8),
    (Col("pengirim", width=22, header="Pengirim Surel"), 9, 10),
    (Col("diterima", "date", 22, "Diterima lewat Surel (UTC)"), 11, 12),
]
WIDTHS = [c.width for c in INDIKATOR_COLS]


def _cell(
    ws: Worksheet, row: int, span: tuple[int, int], value: Any, kind: str, fmts: Formats, **kw: Any
) -> None:
    first, last = span
    if last > first:
        ws.merge_range(row, first, row, last, "", fmts.kind(kind))
    put(ws, row, first, None if value == "" else value, kind, fmts, **kw)


def _header(ws: Worksheet, row: int, cols: list[tuple[Col, int, int]], fmts: Formats) -> None:
    ws.set_row(row, row_height(*((c.title, c.width) for c, _, _ in cols), bold=True))
    for col, first, last in cols:
        if last > first:
            ws.merge_range(row, first, row, last, col.title, fmts.header)
        else:
            ws.write_string(row, first, col.title, fmts.header)


def _none(ws: Worksheet, row: int, text: str, fmts: Formats) -> None:
    ws.merge_range(row, 0, row, len(WIDTHS) - 1, text, fmts.text)


def _time(value: object) -> object:
    from pipeline.workbook.writer import _saved_at  # noqa: PLC0415  # one parser of times

    return _saved_at(value)


def write_perubahan(
    wb: Workbook,
    ws: Worksheet,
    p: Perubahan,
    res: Results,
    settings: Settings,
    fmts: Formats,
    status: Status,
    footer: str,
) -> None:
    for index, width in enumerate(WIDTHS):
        ws.set_column(index, index, width)
    write_banner(ws, status, TITLE, fmts, WIDTHS)
    ws.set_row(1, row_height((p.catatan, sum(WIDTHS))))
    ws.merge_range(1, 0, 1, len(WIDTHS) - 1, p.catatan, fmts.wrap)

    row = 3
    files = f"({len(p.berkas)})" if p.compared or not p.berkas.empty else "(tidak dibandingkan)"
    ws.write_string(row, 0, f"Berkas baru, berubah atau hilang {files}", fmts.subtitle)
    row += 1
    _header(ws, row, BERKAS_COLS, fmts)
    if p.berkas.empty:
        row += 1
        _none(ws, row, "(tidak ada)" if p.compared else "(tidak dibandingkan)", fmts)
    for rec in records(p.berkas):
        row += 1
        ws.set_row(row, row_height(*((rec.get(c.key), c.width) for c, _, _ in BERKAS_COLS)))
        for col, first, last in BERKAS_COLS:
            value = _time(rec.get(col.key)) if col.kind == "date" else rec.get(col.key)
            _cell(ws, row, (first, last), value, col.kind, fmts)

    row += 2
    count = f"({len(p.indikator)})" if p.compared else "(tidak dibandingkan)"
    ws.write_string(
        row,
        0,
        f"Indikator yang realisasi, capaian, predikat atau statusnya berubah {count}",
        fmts.subtitle,
    )
    row += 1
    header = row
    _header(ws, row, [(c, i, i) for i, c in enumerate(INDIKATOR_COLS)], fmts)
    places = _places(res, settings)
    if p.indikator.empty:
        row += 1
        _none(ws, row, "(tidak ada)" if p.compared else "(tidak dibandingkan)", fmts)
    for rec in records(p.indikator):
        row += 1
        wrapped = [(rec.get(c.key), c.width) for c in INDIKATOR_COLS if c.kind == "text"]
        ws.set_row(row, row_height(*wrapped))
        dec = places.get(str(rec["kode_indikator"]))
        for index, col in enumerate(INDIKATOR_COLS):
            value = rec.get(col.key)
            _cell(
                ws,
                row,
                (index, index),
                None if is_missing(value) else value,
                col.kind,
                fmts,
                decimals=dec if col.kind == "num" else None,
            )
    if not p.indikator.empty:
        ws.autofilter(header, 0, row, len(INDIKATOR_COLS) - 1)
        for key in ("predikat_sebelumnya", "predikat_sekarang"):
            at = [c.key for c in INDIKATOR_COLS].index(key)
            predikat_colours(ws, wb, settings, at, header + 1, row)
    ws.freeze_panes(1, 0)
    scale = fit_scale(WIDTHS, landscape=True)
    print_setup(ws, status, footer, landscape=True, scale=scale, repeat=(0, 0))


def _places(res: Results, settings: Settings) -> dict[str, int]:
    """Decimals of each indicator's realisation (its own precision, as on the Indikator sheet)."""
    ind = res.indikator
    if ind.empty:
        return {}
    decimals = indicator_decimals(ind, settings)
    out: dict[str, int] = {}
    for code, dec in zip(ind["kode_indikator"], decimals, strict=True):
        if not pd.isna(dec):
            out.setdefault(str(code), int(dec))
    return out
