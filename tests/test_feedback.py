"""Feedback workbooks, `check` (a dry run) and the strict-mode gate, through the real CLI."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipeline import template as tpl
from pipeline.feedback import MARKS, SHEET, feedback_rows
from tests.broken_files import build
from tests.conftest import SPEC_PATH, run_cli, run_report


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
