"""Feedback workbooks for OPDs: their own file, problem cells highlighted and commented.

``output/umpan_balik/<kode_opd>.xlsx`` has a first sheet ``Umpan Balik`` listing every problem
(severity, sheet, cell with a link to it, found, expected, how to fix), followed by the OPD's own
sheets with each problem cell filled by severity and carrying a comment. Nothing about the
secretariat's machine goes into the file: no paths, no user names, fixed document properties.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import schema
from pipeline.ingest import Submission
from pipeline.issues import ERROR, INFO, WARNING

SHEET = "Umpan Balik"
FILL = {ERROR: "FFC7CE", WARNING: "FFEB9C", INFO: "DDEBF7"}
HEADERS = [
    "No",
    "Tingkat",
    "Sheet",
    "Sel",
    "Kode Indikator",
    "Ditemukan",
    "Diharapkan",
    "Masalah dan cara memperbaiki",
    "Berkas",
    "Aturan",
]
WIDTHS = [5, 10, 12, 8, 14, 22, 22, 80, 30, 22]
AUTHOR = "Sekretariat SAKIP"
SEVERITIES = (ERROR, WARNING, INFO)
MAX_COPY_BYTES = 5 * 1024 * 1024  # a template is ~20 KB; larger files get the list only


def _text(cell: Cell, value: object) -> None:
    """Write text that stays text (openpyxl would turn '=…' into a formula)."""
    cell.value = "" if value is None else str(value)
    cell.data_type = "s"


def _pick_file(
    kode_opd: str, berkas: pd.DataFrame, subs: dict[str, Submission]
) -> Submission | None:
    """The file the OPD should correct: its accepted one, else its newest readable one."""
    mine = berkas[berkas["kode_opd"] == kode_opd]
    accepted = mine[mine["status"].isin(schema.BERKAS_DIPAKAI)]
    for frame in (accepted, mine.sort_values(["dimodifikasi", "berkas"], ascending=False)):
        for name in frame["berkas"]:
            sub = subs.get(name)
            if sub is not None and sub.jenis in ("xlsx", "xlsm") and sub.readable:
                return sub
    return None


def _list_sheet(
    wb: Workbook, issues: pd.DataFrame, title: str, source: str | None, sheetnames: set[str]
) -> None:
    ws = wb.create_sheet(SHEET, 0)
    _text(ws["A1"], title)
    ws["A1"].font = Font(name="Arial", bold=True, size=14)
    counts = issues["severity"].value_counts()
    _text(
        ws["A2"],
        f"Berkas yang diperiksa: {source}"
        if source
        else "Berkas Anda belum diterima atau tidak dapat dibuka.",
    )
    _text(
        ws["A3"],
        f"{int(counts.get(ERROR, 0))} ERROR (nilai tidak dipakai sampai diperbaiki), "
        f"{int(counts.get(WARNING, 0))} WARNING (dipakai, mohon diperiksa), "
        f"{int(counts.get(INFO, 0))} INFO.",
    )
    _text(
        ws["A4"],
        "Perbaiki sel yang ditandai di berkas Anda sendiri (bukan di salinan ini), "
        "simpan sebagai .xlsx, lalu kirim kembali ke sekretariat.",
    )
    header_row = 6
    for col, (name, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        cell = ws.cell(header_row, col)
        _text(cell, name)
        cell.font = Font(name="Arial", bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width = width
    for i, rec in enumerate(issues.to_dict("records"), start=1):
        row = header_row + i
        values = [
            i,
            rec["severity"],
            rec["sheet"],
            rec["cell"],
            rec["kode_indikator"],
            rec["found"],
            rec["expected"],
            rec["message"],
            rec["file"],
            rec["rule"],
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col)
            if col == 1:
                cell.value = value
            else:
                _text(cell, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.font = Font(name="Arial", size=9)
        ws.cell(row, 2).fill = PatternFill("solid", fgColor=FILL.get(rec["severity"], "FFFFFF"))
        lines = max(
            math.ceil(len(str(v)) / (w * 1.05)) for v, w in zip(values, WIDTHS, strict=True)
        )
        ws.row_dimensions[row].height = 13 * max(1, lines)
        linked = source is not None and rec["file"] == source
        if linked and rec["sheet"] in sheetnames and rec["cell"] and ":" not in rec["cell"]:
            link = ws.cell(row, 4)
            link.hyperlink = f"#'{rec['sheet']}'!{rec['cell']}"
            link.font = Font(name="Arial", size=9, color="0563C1", underline="single")
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.auto_filter.ref = f"A{header_row}:J{header_row + max(len(issues), 1)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _mark_cells(wb: Workbook, issues: pd.DataFrame) -> None:
    located = issues[(issues["sheet"] != "") & (issues["cell"] != "")]
    for (sheet_key, ref_key), group in located.groupby(["sheet", "cell"], sort=True):
        sheet, ref = str(sheet_key), str(ref_key)
        if sheet not in wb.sheetnames or ":" in ref:
            continue
        ws: Worksheet = wb[sheet]
        try:
            cell = ws[ref]
        except ValueError:
            continue
        worst = min(group["severity"], key=SEVERITIES.index)
        cell.fill = PatternFill("solid", fgColor=FILL[worst])
        text = "\n\n".join(f"[{r['severity']}] {r['message']}" for r in group.to_dict("records"))
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 320, 160
        cell.comment = comment


def build_feedback(
    kode_opd: str,
    nama_opd: str,
    nama_pemda: str,
    tahun: int,
    issues: pd.DataFrame,
    source: Submission | None,
) -> Workbook:
    """The feedback workbook of one OPD (in memory)."""
    wb: Workbook | None = None
    if source is not None and source.size <= MAX_COPY_BYTES:
        try:  # defusedxml behind openpyxl refuses entities; anything odd means no copy
            wb = openpyxl.load_workbook(source.path, keep_vba=False, keep_links=False)
        except Exception:
            wb = None
    if wb is None:
        source = None
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
    title = f"Umpan balik validasi {nama_opd} ({kode_opd}) — {nama_pemda} tahun {tahun}"
    if source is not None:
        _mark_cells(wb, issues[issues["file"] == source.name])
    _list_sheet(wb, issues, title, source.name if source else None, set(wb.sheetnames))
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == SHEET
    props = wb.properties
    props.creator = nama_pemda
    props.lastModifiedBy = nama_pemda
    props.title = title
    props.description = None
    props.keywords = None
    return wb


def write_feedback(
    folder: Path,
    issues: pd.DataFrame,
    berkas: pd.DataFrame,
    subs: list[Submission],
    opd: pd.DataFrame,
    nama_pemda: str,
    tahun: int,
) -> list[Path]:
    """Write one feedback workbook per OPD with at least one issue; replace the folder whole.

    The new set is built in a temporary folder and swapped in, so an OPD that fixed everything
    no longer finds last run's feedback, and an interrupted run leaves the old set intact.
    """
    by_name = {s.name: s for s in subs}
    names = dict(zip(opd["kode_opd"], opd["nama_opd"], strict=True))
    per_opd = issues[issues["kode_opd"].isin(names)]
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".umpan_balik.", dir=folder.parent))
    written: list[Path] = []
    try:
        for kode, group in per_opd.groupby("kode_opd", sort=True):
            source = _pick_file(str(kode), berkas, by_name)
            wb = build_feedback(str(kode), names[kode], nama_pemda, tahun, group, source)
            target = tmp / f"{kode}.xlsx"
            wb.save(target)
            written.append(folder / target.name)
        old = folder.with_name(f".{folder.name}.lama")
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return written


def feedback_rows(wb_path: Path) -> list[dict[str, Any]]:
    """The problem list of a feedback workbook, as records (for checks and notebooks)."""
    ws = openpyxl.load_workbook(wb_path, read_only=True)[SHEET]
    rows = list(ws.iter_rows(min_row=6, values_only=True))
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]
