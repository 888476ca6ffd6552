"""Feedback workbooks for OPDs: their own file, problem cells marked and commented.

``output/umpan_balik/<kode_opd>.xlsx`` opens on a sheet ``Umpan Balik`` that says what to do,
by when and to whom, then lists every problem in two tables: **Wajib diperbaiki** (ERROR: the
value is not used until it is fixed) and **Untuk diperiksa** (WARNING and INFO). Each row links
to its cell (an internal link both Excel and LibreOffice follow). The OPD's own sheets follow,
each problem cell marked with a fill and a thick border no input cell of the template has,
and a comment. An OPD that sent nothing gets its blank template inside the same file, so it can
fill it in and send it back. Nothing about the secretariat's machine goes into the file: no
paths, no user names, fixed document properties.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from pipeline import fmt, sanitize, schema
from pipeline import template as tpl
from pipeline.atomic import folder_mode
from pipeline.frames import records
from pipeline.ingest import Submission, template_sheets, workbook_problem
from pipeline.issues import ERROR, INFO, SEVERITY_ORDER, WARNING, cell_order, column_number
from pipeline.layout import row_height
from pipeline.renja import periode_label

if TYPE_CHECKING:
    from pipeline.master import MasterSpec

SHEET = "Umpan Balik"


@dataclass(frozen=True)
class Mark:
    """How a problem cell is marked: colours no template cell uses (input cells are pale
    yellow, locked cells grey)."""

    fill: str
    border: str
    label: str


MARKS = {
    ERROR: Mark("FF8B8B", "C00000", "merah, bingkai tebal merah tua"),
    WARNING: Mark("C9B3F5", "7030A0", "ungu, bingkai tebal ungu tua"),
    INFO: Mark("9DC3E6", "1F4E79", "biru, bingkai tebal biru tua"),
}
FILL = {k: m.fill for k, m in MARKS.items()}
HEADERS = [
    "No",
    "Tingkat",
    "Sheet",
    "Sel",
    "Kode Indikator",
    "Ditemukan",
    "Diharapkan",
    "Masalah dan cara memperbaiki",
    "Aturan",
]
WIDTHS = [4, 9, 10, 7, 11, 15, 15, 58, 25]
AUTHOR = "Sekretariat SAKIP"
SEVERITIES = (ERROR, WARNING, INFO)
MAX_COPY_BYTES = 5 * 1024 * 1024  # a template is ~20 KB; larger files get the list only
# Cells the copy would hold in memory: those written (and rows, each may carry its own
# height or style), and every cell a merge or a hyperlink covers (the workbook library makes
# an object for each on loading). A filled template has a few thousand; a file past this gets
# the list only.
MAX_COPY_CELLS = 200_000
# Why the feedback holds the list without a copy of the file (said above the list).
NO_COPY_BIG = "berkas lebih besar dari 5 MB"
NO_COPY_CELLS = "berkas memuat sel (atau sel gabungan) jauh di luar tabel templat"
NO_COPY_UNREADABLE = "berkas tidak dapat dibuka lagi untuk disalin"
NO_COPY_CHANGED = (
    "berkas di folder sekretariat berganti setelah diperiksa (salinannya akan ada pada "
    "pemeriksaan berikutnya)"
)
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:c|row)[\s/>]")
_COVERING = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?(?:mergeCell|hyperlink)\b[^>]*?\sref=\"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})"
    rb"(?::\$?([A-Za-z]{1,3})\$?([0-9]{1,7}))?\""
)
FONT = "Arial"
UNIT_PT = 10.0  # the default font of the template (and so of the OPD's copy): Arial 10


@dataclass(frozen=True)
class Contact:
    """Who the OPD sends its file to, and by when (from the master spec's pemda sheet)."""

    nama_pemda: str
    tahun: int
    batas: str = ""
    kontak: str = ""
    periode: str = ""  # a run of part of the year: "Triwulan I s/d II"; '' for the year

    @classmethod
    def from_spec(cls, spec: MasterSpec) -> Contact:
        pemda = spec.pemda
        return cls(
            nama_pemda=str(pemda["nama_pemda"]),
            tahun=spec.tahun,
            batas=str(pemda.get("batas_pengumpulan") or ""),
            kontak=str(pemda.get("kontak_sekretariat") or ""),
            periode=periode_label(spec.triwulan) if spec.triwulan < 4 else "",
        )

    @property
    def to_whom(self) -> str:
        return self.kontak or f"sekretariat SAKIP {self.nama_pemda}"

    @property
    def by_when(self) -> str:
        return (
            f"paling lambat {fmt.tanggal(self.batas)} (bila sudah lewat, secepatnya)"
            if self.batas
            else "secepatnya"
        )


def _text(cell: Cell, value: object) -> None:
    """Write text that stays text (openpyxl would turn '=…' into a formula), sanitised."""
    cell.value = sanitize.text(value)
    cell.data_type = "s"


def _cells(ws: Worksheet) -> list[Cell]:
    """The cells a sheet holds, in row order: only those in the file (walking the sheet's
    bounding box would make every cell up to the farthest one, millions for one stray cell)."""
    held = ws._cells  # the workbook library's own store of the sheet's cells
    return [held[key] for key in sorted(held)]


def _values_only(wb: Workbook, cached: Workbook | None) -> int:
    """The OPD's copy as values: every formula replaced by the value Excel last computed for
    it (``cached``, or empty when none was saved), every text sanitised. Returns the number
    of formulas replaced."""
    replaced = 0
    for ws in wb.worksheets:
        values = cached[ws.title] if cached is not None and ws.title in cached else None
        ws.title = sanitize.sheet_name(ws.title)
        for cell in _cells(ws):
            if cell.data_type == "f":
                old = values[cell.coordinate].value if values is not None else None
                cell.value = None
                if isinstance(old, (int, float)) and not isinstance(old, bool):
                    cell.value = old
                elif old is not None:
                    _text(cell, old)
                replaced += 1
            elif isinstance(cell.value, str):
                _text(cell, cell.value)
    return replaced


# A data-validation bound the template writes: a number, or a list typed out ("TMP,TW,WDP").
_CONSTANT = re.compile(r'-?[0-9.]+(?:[Ee][+-]?[0-9]+)?|"(?:[^"]|"")*"')


def _inert(wb: Workbook) -> None:
    """The OPD's copy without anything Excel acts on by itself: the OPD's hyperlinks (a web
    address, a ``file://`` path), conditional formats (each a formula computed on opening),
    defined names (a name can hold a formula or a DDE call such as ``cmd|'/c calc'!A0``),
    pivot tables, and data validations whose bounds are formulas rather than a number or a
    typed-out list. The template has none of these but its own validations, which stay."""
    wb.defined_names.clear()
    for ws in wb.worksheets:
        ws.defined_names.clear()
        ws.conditional_formatting = ConditionalFormattingList()
        ws._pivots = []  # the workbook library's own list of the sheet's pivot tables
        for cell in _cells(ws):
            if cell.hyperlink is not None:
                cell.hyperlink = None
        validations = ws.data_validations.dataValidation
        validations[:] = [
            dv
            for dv in validations
            if dv.type in (None, "list", "decimal", "whole", "textLength")
            and all(f is None or _CONSTANT.fullmatch(str(f)) for f in (dv.formula1, dv.formula2))
        ]


def _copy_cells(path: Path) -> int:
    """How many cells loading ``path`` would make (see :data:`MAX_COPY_CELLS`); -1 when the
    value reader must not open it either (:func:`~pipeline.ingest.workbook_problem`)."""
    if workbook_problem(path):
        return -1
    total = 0
    with zipfile.ZipFile(path) as zf:  # sizes and ratios were screened just above
        for member in zf.namelist():
            if not (member.startswith("xl/worksheets/") and member.endswith(".xml")):
                continue
            data = zf.read(member)
            total += len(_CELL_TAG.findall(data))
            for first_col, first_row, last_col, last_row in _COVERING.findall(data):
                if not last_col:
                    total += 1
                    continue
                rows = abs(int(last_row) - int(first_row)) + 1
                cols = abs(column_number(last_col.decode()) - column_number(first_col.decode()))
                total += rows * (cols + 1)
    return total


def _load_copy(path: Path, sha256: str = "") -> tuple[Workbook, int] | str:
    """The OPD's own file loaded for the feedback copy, formulas turned into values (the
    values Excel saved are read only when the file has a formula); or why there is no copy
    (the feedback then has the list alone): a file that cannot be loaded, would make too many
    cells, or is no longer the file that was read (``sha256``): its cells would be marked on
    another file's content."""
    try:
        data = path.read_bytes()
    except OSError:
        return NO_COPY_UNREADABLE
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        return NO_COPY_CHANGED
    try:  # defusedxml behind openpyxl refuses entities; anything odd means no copy
        with tempfile.TemporaryDirectory(prefix="salinan-") as tmp:
            copy = Path(tmp) / "salinan.xlsx"  # the bytes checked, whatever the folder holds
            copy.write_bytes(data)
            if not 0 <= _copy_cells(copy) <= MAX_COPY_CELLS:
                return NO_COPY_CELLS
            wb = openpyxl.load_workbook(copy, keep_vba=False, keep_links=False)
            formulas = any(cell.data_type == "f" for ws in wb.worksheets for cell in _cells(ws))
            cached = (
                openpyxl.load_workbook(copy, data_only=True, keep_links=False)
                if formulas
                else None
            )
        replaced = _values_only(wb, cached)
        _inert(wb)
        return wb, replaced
    except Exception:
        return NO_COPY_UNREADABLE


def _link(cell: Cell, sheet: str, ref: str) -> None:
    """An internal link to ``'sheet'!ref``: a location, not a file target, so LibreOffice
    follows it too (a ``#…`` target becomes a link to another file there)."""
    quoted = str(sheet).replace("'", "''")
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{quoted}'!{ref}")


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


# the sheets in the order of the template (what is not on a sheet first: the whole file)
_SHEET_ORDER = {"": 0, tpl.SHEET_INDIKATOR: 1, tpl.SHEET_ANGGARAN: 2, tpl.SHEET_RENJA: 3}


def _row_first(ref: object) -> tuple[int, int, str]:
    """A cell as a clerk works through a sheet: row by row, left to right (K6 before J10)."""
    column, row, text = cell_order(ref)
    return (row, column, text)


def _sorted(issues: pd.DataFrame) -> pd.DataFrame:
    """ERRORs first, then WARNINGs, then INFOs; within each, sheet by sheet in the template's
    order and row by row, so that the problems of one indicator or program stand together."""
    order = issues["severity"].map(SEVERITY_ORDER).fillna(len(SEVERITY_ORDER))
    sheets = issues["sheet"].fillna("").map(lambda s: _SHEET_ORDER.get(str(s), 4))
    return (
        issues.assign(_o=order, _s=sheets, _c=issues["cell"].map(_row_first))
        .sort_values(["_o", "_s", "sheet", "_c", "rule"], kind="stable")
        .drop(columns=["_o", "_s", "_c"])
    )


def _intro(
    issues: pd.DataFrame,
    source: str | None,
    blank_template: bool,
    contact: Contact,
    copied: bool = True,
    no_copy: str = "",
) -> list[tuple[str, str]]:
    """The lines above the tables: what was checked, what to do, by when, to whom.
    ``copied``: the file checked (``source``) follows the list, its cells marked; else
    ``no_copy`` says why not."""
    counts = issues["severity"].value_counts()
    errors, warnings, infos = (int(counts.get(s, 0)) for s in SEVERITIES)
    if blank_template:
        return [
            ("bold", "Berkas Anda belum kami terima (atau tidak dapat dibuka)."),
            (
                "text",
                "Yang perlu dikirim: templat capaian kinerja tahun "
                f"{contact.tahun} yang sudah diisi. Templat kosong Anda ada di berkas ini "
                "(sheet Petunjuk, Indikator, Anggaran dan Renja): isi sel kuning di sheet "
                "Indikator, Anggaran dan Renja, simpan sebagai .xlsx, lalu kirim berkas ini.",
            ),
            ("bold", f"Kirim ke: {contact.to_whom}, {contact.by_when}."),
        ]
    if not source:
        checked = "Berkas Anda tidak dapat dibuka."
    elif copied:
        checked = f"Berkas yang diperiksa: {source}"
    else:
        checked = (
            f"Berkas yang diperiksa: {source}. Salinannya tidak disertakan di sini: "
            f"{no_copy or NO_COPY_UNREADABLE}."
        )
    lines = [
        ("text", checked),
        (
            "bold",
            f"{errors} wajib diperbaiki (ERROR: nilainya tidak dipakai sampai diperbaiki) · "
            f"{warnings + infos} untuk diperiksa ({warnings} WARNING: nilainya dipakai; "
            f"{infos} INFO: catatan).",
        ),
        (
            "text",
            "Perbaiki sel yang ditandai di berkas Anda sendiri (bukan di salinan ini), simpan "
            "sebagai .xlsx, lalu kirim kembali. Klik alamat sel di kolom Sel untuk melompat ke "
            "sel itu di salinan. Salinan ini hanya memuat nilai: rumus dari berkas Anda "
            "diganti dengan nilai terakhirnya."
            if copied
            else "Perbaiki sel yang disebut di tabel di bawah di berkas Anda sendiri (sheet dan "
            "alamat selnya), simpan sebagai .xlsx, lalu kirim kembali.",
        ),
        ("bold", f"Kirim ke: {contact.to_whom}, {contact.by_when}."),
    ]
    return lines


def _table(
    ws: Worksheet,
    row: int,
    title: str,
    issues: pd.DataFrame,
    number: int,
    source: str | None,
    sheetnames: dict[str, str],
) -> tuple[int, int, int | None]:
    """One titled table of problems from ``row``; returns the next free row and number, and
    the row of its column headers (None for a table of none)."""
    bold = Font(name=FONT, bold=True, size=11)
    _text(ws.cell(row, 1), title)
    ws.cell(row, 1).font = bold
    row += 1
    if issues.empty:
        _text(ws.cell(row, 1), "Tidak ada.")
        ws.cell(row, 1).font = Font(name=FONT, italic=True, size=9)
        return row + 2, number, None
    header = Font(name=FONT, bold=True, size=9)
    header_row = row
    for col, name in enumerate(HEADERS, start=1):
        cell = ws.cell(row, col)
        _text(cell, name)
        cell.font = header
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = _thin()
    ws.row_dimensions[row].height = row_height(
        *zip(HEADERS, WIDTHS, strict=True), unit_pt=UNIT_PT, bold=True
    )
    for rec in records(issues):
        row += 1
        number += 1
        # the file checked is named above the tables; another file of this OPD is named here
        other = str(rec["file"] or "")
        said = f"Berkas '{other}': {rec['message']}" if other and other != source else ""
        values = [
            number,
            rec["severity"],
            rec["sheet"],
            rec["cell"],
            rec["kode_indikator"],
            rec["found"],
            rec["expected"],
            said or rec["message"],
            rec["rule"],
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col)
            if col == 1:
                cell.value = value
            else:
                _text(cell, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.font = Font(name=FONT, size=9)
            cell.border = _thin()
        mark = MARKS.get(str(rec["severity"]))
        if mark is not None:
            ws.cell(row, 2).fill = PatternFill("solid", fgColor=mark.fill)
        ws.row_dimensions[row].height = row_height(
            *((v, w) for v, w in zip(values, WIDTHS, strict=True)), unit_pt=UNIT_PT
        )
        linked = source is not None and rec["file"] == source
        ref = str(rec["cell"] or "")
        if linked and rec["sheet"] in sheetnames and ref and ":" not in ref:
            link = ws.cell(row, 4)
            _link(link, sheetnames[str(rec["sheet"])], ref)
            link.font = Font(name=FONT, size=9, color="0563C1", underline="single")
    return row + 2, number, header_row


def _thin() -> Border:
    side = Side(style="thin", color="808080")
    return Border(left=side, right=side, top=side, bottom=side)


def _list_sheet(
    wb: Workbook,
    issues: pd.DataFrame,
    title: str,
    source: str | None,
    sheetnames: dict[str, str],
    contact: Contact,
    blank_template: bool,
    copied: bool = True,
    no_copy: str = "",
) -> None:
    ws = wb.create_sheet(SHEET, 0)
    for col, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    span = sum(WIDTHS)
    _text(ws["A1"], title)
    ws["A1"].font = Font(name=FONT, bold=True, size=13)
    # a long OPD or Pemda name wraps within the page instead of running off its edge
    ws["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(WIDTHS))
    ws.row_dimensions[1].height = row_height((title, span), font_pt=13, unit_pt=UNIT_PT, bold=True)
    row = 2
    for style, line in _intro(issues, source, blank_template, contact, copied, no_copy):
        cell = ws.cell(row, 1)
        _text(cell, line)
        cell.font = Font(name=FONT, size=10, bold=style == "bold")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(WIDTHS))
        ws.row_dimensions[row].height = row_height(
            (line, span), font_pt=10, unit_pt=UNIT_PT, bold=style == "bold"
        )
        row += 1
    if not blank_template and copied:
        legend = ws.cell(row, 1)
        _text(legend, "Tanda sel di salinan:")
        legend.font = Font(name=FONT, size=9, italic=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        for severity in SEVERITIES:  # one row each: the sample cell, then its words
            row += 1
            sample = ws.cell(row, 2)
            _text(sample, severity)
            _paint(sample, severity)
            sample.font = Font(name=FONT, size=9)
            words = ws.cell(row, 3)
            _text(words, MARKS[severity].label)
            words.font = Font(name=FONT, size=9)
            ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=7)
        row += 1
    row += 1
    ordered = _sorted(issues) if not issues.empty else issues
    must = ordered[ordered["severity"] == ERROR] if not ordered.empty else ordered
    check = ordered[ordered["severity"] != ERROR] if not ordered.empty else ordered
    row, number, first = _table(ws, row, "Wajib diperbaiki (ERROR)", must, 0, source, sheetnames)
    _, _, second = _table(
        ws, row, "Untuk diperiksa (WARNING dan INFO)", check, number, source, sheetnames
    )
    ws.freeze_panes = None
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.left.text = contact.nama_pemda
    ws.oddFooter.center.text = f"Umpan balik validasi {contact.tahun}" + (
        f", {contact.periode}" if contact.periode else ""
    )
    ws.oddFooter.right.text = "Halaman &P dari &N"
    # the column headers on top of every page after the first table's (both tables have
    # the same columns; a page before them, the lines above the tables, gets none)
    heading = first or second
    ws.print_title_rows = f"{heading}:{heading}" if heading else None


def _paint(cell: Cell, severity: str) -> None:
    mark = MARKS[severity]
    side = Side(style="thick", color=mark.border)
    cell.fill = PatternFill("solid", fgColor=mark.fill)
    cell.border = Border(left=side, right=side, top=side, bottom=side)


def _anchor(ws: Worksheet, ref: str) -> Cell | None:
    """The cell to mark for ``ref``: itself, or for a cell inside merged cells (which holds no
    value, style or comment of its own) the merge's first cell; None for no cell."""
    try:
        cell = ws[ref]
    except ValueError:
        return None
    if not isinstance(cell, Cell):  # a merged cell
        for merged in ws.merged_cells.ranges:
            if ref in merged:
                return ws.cell(merged.min_row, merged.min_col)
        return None
    return cell


def sheets_of(names: list[str]) -> dict[str, str]:
    """A file's sheets by the name issues give them: their own, and a template sheet's name for
    the one sheet whose name differs from it only in case or spaces (read as that sheet)."""
    return {name: name for name in names} | template_sheets(names)


def _mark_cells(wb: Workbook, issues: pd.DataFrame) -> None:
    located = issues[(issues["sheet"] != "") & (issues["cell"] != "")]
    sheets = sheets_of(wb.sheetnames)
    marks: dict[tuple[str, str], tuple[Cell, list[tuple[str, str]]]] = {}
    for (sheet_key, ref_key), group in located.groupby(["sheet", "cell"], sort=True):
        sheet, ref = sheets.get(str(sheet_key), ""), str(ref_key)
        if not sheet or ":" in ref:
            continue
        cell = _anchor(wb[sheet], ref)
        if cell is None:
            continue
        _, said = marks.setdefault((sheet, cell.coordinate), (cell, []))
        where = "" if cell.coordinate == ref else f"(sel {ref}, di dalam sel gabungan) "
        said += [(str(r["severity"]), f"{where}{r['message']}") for r in records(group)]
    for cell, said in marks.values():
        _show(cell)
        _paint(cell, min((sev for sev, _ in said), key=SEVERITIES.index))
        text = "\n\n".join(f"[{sev}] {message}" for sev, message in said)
        comment = Comment(sanitize.text(text), AUTHOR)
        comment.width, comment.height = 320, 160
        cell.comment = comment


def _show_sheets(wb: Workbook) -> None:
    """The template's sheets the OPD hid (even 'very hidden', which Excel's menus cannot undo)
    shown again in its copy: a link to a cell there landed on nothing. ``_meta`` stays as the
    template hides it."""
    shown = {tpl.SHEET_PETUNJUK, tpl.SHEET_INDIKATOR, tpl.SHEET_ANGGARAN, tpl.SHEET_RENJA}
    for ws in wb.worksheets:
        if ws.title in shown and ws.sheet_state != "visible":
            ws.sheet_state = "visible"


MAX_ROW_PT = 409.0  # the tallest row Excel keeps
ONE_LINE_PT = row_height(("", 10.0), font_pt=UNIT_PT, unit_pt=UNIT_PT)


def _fit_rows(wb: Workbook) -> None:
    """Each row of the OPD's copy tall enough for what was typed in its wrapped cells: a
    template row is one line high, and a Faktor Penghambat of three sentences printed cut off
    mid-line in the feedback the OPD reads."""
    for ws in wb.worksheets:
        widths: dict[int, float] = {}
        for dim in ws.column_dimensions.values():
            if dim.width and dim.min and dim.max:
                widths.update(dict.fromkeys(range(dim.min, dim.max + 1), float(dim.width)))
        merged = {c for r in ws.merged_cells.ranges for c in r.cells}
        for row in ws.iter_rows():
            need = 0.0
            for cell in row:
                value = cell.value
                if type(value) is not str or not cell.alignment.wrap_text or not value.strip():
                    continue
                if (cell.row, cell.column) in merged:  # its width is the merge's
                    continue
                size = float(cell.font.sz or UNIT_PT)
                width = widths.get(cell.column, 8.43)
                need = max(need, row_height((value, width), font_pt=size, unit_pt=UNIT_PT))
            if need > ONE_LINE_PT:  # one line fits a row of its default height
                dim = ws.row_dimensions[row[0].row]
                if dim.height is None or need > dim.height:
                    dim.height = min(need, MAX_ROW_PT)


def _show(cell: Cell) -> None:
    """A marked cell in a row or column the OPD hid is shown again: its link would land on
    nothing, and the printed copy would leave it out."""
    ws = cell.parent
    if ws.row_dimensions[cell.row].hidden:
        ws.row_dimensions[cell.row].hidden = False
    for dim in ws.column_dimensions.values():  # a dimension may cover a range of columns
        if dim.hidden and (dim.min or 0) <= cell.column <= (dim.max or 0):
            dim.hidden = False


def _blank_template(spec: MasterSpec, kode_opd: str) -> Workbook | None:
    """The OPD's blank template, loaded for the feedback file (None if it cannot be made)."""
    from pipeline.template import build_template  # noqa: PLC0415

    folder = Path(tempfile.mkdtemp(prefix=".templat."))
    try:
        path = build_template(spec, kode_opd, folder / "templat.xlsx")
        return openpyxl.load_workbook(path)
    except Exception:  # a spec row the template cannot hold: the list alone still helps
        return None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def build_feedback(
    kode_opd: str,
    nama_opd: str,
    contact: Contact,
    issues: pd.DataFrame,
    source: Submission | None,
    template: Workbook | None = None,
) -> Workbook:
    """The feedback workbook of one OPD (in memory).

    ``source`` is the file it sent (copied, problem cells marked); without it, ``template``
    (its blank template) follows the list so the OPD can fill it in.
    """
    wb: Workbook | None = None
    checked = source.name if source is not None else None
    no_copy = ""
    if source is not None:
        loaded = (
            _load_copy(source.path, source.sha256)
            if source.size <= MAX_COPY_BYTES
            else NO_COPY_BIG
        )
        if isinstance(loaded, str):
            no_copy = loaded
        else:
            wb = loaded[0]
    if wb is None:
        source = None
        wb = template
    blank = source is None and wb is not None
    if wb is None:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
    title = (
        f"Umpan balik validasi {nama_opd} ({kode_opd}) — {contact.nama_pemda} tahun "
        f"{contact.tahun}" + (f", {contact.periode}" if contact.periode else "")
    )
    if source is not None:
        _mark_cells(wb, issues[issues["file"] == source.name])
        _fit_rows(wb)
        _show_sheets(wb)
    _list_sheet(
        wb,
        issues,
        title,
        checked,
        sheets_of(wb.sheetnames),
        contact,
        blank,
        source is not None,
        no_copy,
    )
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == SHEET
    props = wb.properties
    props.creator = contact.nama_pemda
    props.lastModifiedBy = contact.nama_pemda
    props.title = title
    props.description = None
    props.keywords = None
    return wb


ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every member of a feedback file, as xlsxwriter stamps its own


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose members all carry :data:`ZIP_TIME`: openpyxl stamps each with the clock, so
    the same feedback written a second later would differ in every member's header."""

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: Any,  # what ZipFile.writestr takes
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=ZIP_TIME)
            info.compress_type = self.compression
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(
        self,
        filename: str | os.PathLike[str],
        arcname: str | os.PathLike[str] | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        with open(filename, "rb") as fh:
            data = fh.read()
        self.writestr(os.fspath(arcname if arcname is not None else filename), data)


def save_feedback(wb: Workbook, target: Path, tahun: int) -> None:
    """Save ``wb`` the same way for the same contents: its last-modified time is the end of
    the reporting year (openpyxl would put the clock's time) and the zip members carry no clock
    time either, so a run repeated on the same inputs writes the same bytes."""
    wb.properties.modified = dt.datetime(tahun, 12, 31)
    archive = _FixedTimeZip(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    try:
        ExcelWriter(wb, archive).write_data()
    finally:
        archive.close()


def write_feedback(
    folder: Path,
    issues: pd.DataFrame,
    berkas: pd.DataFrame,
    subs: list[Submission],
    spec: MasterSpec,
) -> list[Path]:
    """Write one feedback workbook per OPD with at least one issue; replace the folder whole.

    The new set is built in a temporary folder and swapped in, so an OPD that fixed everything
    no longer finds last run's feedback, and an interrupted run leaves the old set intact.
    """
    contact = Contact.from_spec(spec)
    by_name = {s.name: s for s in subs}
    names = dict(zip(spec.opd["kode_opd"], spec.opd["nama_opd"], strict=True))
    per_opd = issues[issues["kode_opd"].isin(names)]
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".umpan_balik.", dir=folder.parent))
    folder_mode(tmp)
    written: list[Path] = []
    try:
        for kode, group in per_opd.groupby("kode_opd", sort=True):
            source = _pick_file(str(kode), berkas, by_name)
            template = _blank_template(spec, str(kode)) if source is None else None
            wb = build_feedback(str(kode), names[kode], contact, group, source, template)
            target = tmp / f"{kode}.xlsx"
            save_feedback(wb, target, contact.tahun)
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
    """Every problem listed in a feedback workbook (both tables), as records."""
    ws = openpyxl.load_workbook(wb_path, read_only=True)[SHEET]
    out: list[dict[str, Any]] = []
    header: list[str] | None = None
    for values in ws.iter_rows(values_only=True):
        if values and values[0] == HEADERS[0]:
            header = [str(h) for h in values]
            continue
        if header is None:
            continue
        if not any(v is not None and v != "" for v in values):
            header = None  # a table ends at an empty row
            continue
        out.append(dict(zip(header, values, strict=False)))
    return out
