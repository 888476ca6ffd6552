"""Where writing spends its time: helpers started in the background, temporary files of
workbooks in memory, and the OPD's copy read once when it holds no formula. The files are the
same either way."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from pathlib import Path
from typing import Any, ClassVar

import openpyxl
import pytest
import xlsxwriter

from pipeline import feedback, sidecar, xlsx_safe
from pipeline.workbook.base import WORKBOOK_OPTIONS
from pipeline.xlsx_safe import SafeWorkbook


def _workbook(path: Path, options: dict[str, Any] | None = None) -> bytes:
    wb = SafeWorkbook(str(path), {**(options or {})})
    # a fixed creation time, as every writer of the pipeline sets one: else two workbooks built
    # a second apart differ in docProps/core.xml
    wb.set_properties({"title": "uji", "created": dt.datetime(2018, 12, 31)})
    ws = wb.add_worksheet("Data")
    bold = wb.add_format({"bold": True})
    for row in range(50):
        ws.write_string(row, 0, f"baris {row}", bold)
        ws.write_number(row, 1, row * 1.5)
    wb.add_worksheet("Kedua").write_string(0, 0, "teks")
    wb.close()
    return path.read_bytes()


@pytest.fixture
def memory_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for the system's folder in memory (any folder with room serves)."""
    folder = tmp_path / "ram"
    folder.mkdir()
    monkeypatch.setattr(xlsx_safe, "MEMORY_TEMP", str(folder))
    monkeypatch.setattr(xlsx_safe, "MEMORY_TEMP_FREE", 1)
    xlsx_safe.memory_tempdir.cache_clear()
    yield folder
    xlsx_safe.memory_tempdir.cache_clear()


def test_workbook_parts_go_to_the_memory_folder_and_the_bytes_do_not_change(
    memory_folder: Path, tmp_path: Path
) -> None:
    wb = SafeWorkbook(str(tmp_path / "a.xlsx"))
    assert wb.tmpdir == str(memory_folder)
    wb.close()
    on_disk = tmp_path / "disk"
    on_disk.mkdir()
    assert _workbook(tmp_path / "b.xlsx") == _workbook(tmp_path / "c.xlsx", {"tmpdir": on_disk})
    assert not list(memory_folder.iterdir())  # every part removed after zipping


def test_a_workbook_is_the_same_whether_or_not_others_were_written_before_it(
    tmp_path: Path,
) -> None:
    """xlsxwriter writes into the default format's properties it is given: the shared options
    of the pipeline's writers must come out of a workbook as they went in, so that the E.81
    files written after the consolidated workbook, or another Pemda's outputs in the same
    process, are the bytes a process writing them first would write."""
    before = copy.deepcopy(WORKBOOK_OPTIONS)
    first = _workbook(tmp_path / "a.xlsx", WORKBOOK_OPTIONS)
    assert WORKBOOK_OPTIONS == before
    assert _workbook(tmp_path / "b.xlsx", WORKBOOK_OPTIONS) == first


def test_no_memory_folder_or_too_little_room_means_the_usual_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_safe, "MEMORY_TEMP", str(tmp_path / "tidak_ada"))
    xlsx_safe.memory_tempdir.cache_clear()
    try:
        assert xlsx_safe.memory_tempdir() is None
        assert not SafeWorkbook(str(tmp_path / "a.xlsx")).tmpdir
        monkeypatch.setattr(xlsx_safe, "MEMORY_TEMP", str(tmp_path))
        monkeypatch.setattr(xlsx_safe, "MEMORY_TEMP_FREE", 1 << 60)
        xlsx_safe.memory_tempdir.cache_clear()
        assert xlsx_safe.memory_tempdir() is None
    finally:
        xlsx_safe.memory_tempdir.cache_clear()


def _opd_file(path: Path, formula: bool) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Indikator")
    ws.write_number(0, 0, 40)
    if formula:
        ws.write_formula(0, 1, "=A1*2", None, 80)
    else:
        ws.write_number(0, 1, 80)
    wb.close()
    return path


def _count_loads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    loads: list[bool] = []
    real = openpyxl.load_workbook

    def counted(*args: Any, **kwargs: Any) -> Any:
        loads.append(bool(kwargs.get("data_only")))
        return real(*args, **kwargs)

    monkeypatch.setattr(feedback.openpyxl, "load_workbook", counted)
    return loads


def test_a_copy_without_formulas_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = _count_loads(monkeypatch)
    loaded = feedback._load_copy(_opd_file(tmp_path / "nilai.xlsx", formula=False))
    assert not isinstance(loaded, str)
    wb, replaced = loaded
    assert replaced == 0 and wb["Indikator"]["B1"].value == 80
    assert loads == [False]


def test_a_formula_in_the_copy_still_becomes_the_value_excel_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = _count_loads(monkeypatch)
    loaded = feedback._load_copy(_opd_file(tmp_path / "rumus.xlsx", formula=True))
    assert not isinstance(loaded, str)
    wb, replaced = loaded
    assert replaced == 1
    assert wb["Indikator"]["B1"].value == 80 and wb["Indikator"]["B1"].data_type == "n"
    assert loads == [False, True]


class _SlowHelper:
    """Stands in for a helper whose process server takes its time to start."""

    started = threading.Event()
    constructed = threading.Event()
    blocked: ClassVar[list[bool]] = []

    def __init__(self, modules: tuple[str, ...]) -> None:
        # waits for the test to say that creating Helpers has returned
        _SlowHelper.blocked.append(not _SlowHelper.constructed.wait(timeout=10))
        _SlowHelper.started.set()

    def close(self) -> None:
        pass


def test_creating_the_helpers_does_not_wait_for_them_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sidecar, "Helper", _SlowHelper)
    _SlowHelper.started.clear()
    _SlowHelper.constructed.clear()
    _SlowHelper.blocked.clear()
    helpers = sidecar.Helpers({"a": ("json",)})
    _SlowHelper.constructed.set()
    assert set(helpers.helpers) == {"a"}  # waits for the starting to end
    assert _SlowHelper.started.is_set()
    assert _SlowHelper.blocked == [False]
    helpers.close()


def _petunjuk_with(dst: Path, add: str) -> Path:
    """An OPD file whose first sheet (Petunjuk, which the value reader never opens) carries
    ``add`` after its cells."""
    from tests.hostile_files import SOURCE, _rewrite

    def change(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        return data.replace(b"</sheetData>", b"</sheetData>" + add.encode(), 1)

    _rewrite(dst, change, SOURCE)
    return dst


def test_a_stray_far_cell_in_the_copy_makes_no_cells_up_to_it(tmp_path: Path) -> None:
    """The copy holds the cells in the file, not every cell of the sheet's bounding box: one
    stray cell at Z5000 would otherwise make 130,000 (at XFD1048576 the run never ended)."""
    from tests.hostile_files import SOURCE, far_cell

    path = tmp_path / "jauh.xlsx"
    far_cell(path, SOURCE, "xl/worksheets/sheet1.xml", "Z5000")
    held = len(openpyxl.load_workbook(path)["Petunjuk"]._cells)
    loaded = feedback._load_copy(path)
    assert not isinstance(loaded, str)
    ws = loaded[0]["Petunjuk"]
    assert len(ws._cells) == held < 100
    assert ws["Z5000"].value == 1


def test_a_copy_that_would_make_too_many_cells_is_not_made(tmp_path: Path) -> None:
    """A merge (or a hyperlink) over a huge range makes an object per covered cell on loading;
    past :data:`~pipeline.feedback.MAX_COPY_CELLS` the feedback has the list alone."""
    merged = _petunjuk_with(
        tmp_path / "gabung.xlsx", '<mergeCells count="1"><mergeCell ref="A1:Z20000"/></mergeCells>'
    )
    assert feedback._copy_cells(merged) == pytest.approx(26 * 20_000, abs=2_000)
    assert feedback._load_copy(merged) == feedback.NO_COPY_CELLS
    linked = _petunjuk_with(
        tmp_path / "tautan.xlsx",
        '<hyperlinks><hyperlink ref="A1:$AZ$9000" location="Indikator!A1"/></hyperlinks>',
    )
    assert feedback._copy_cells(linked) > feedback.MAX_COPY_CELLS
    assert feedback._load_copy(linked) == feedback.NO_COPY_CELLS
    small = _petunjuk_with(
        tmp_path / "kecil.xlsx", '<mergeCells count="1"><mergeCell ref="B30:C31"/></mergeCells>'
    )
    assert not isinstance(feedback._load_copy(small), str)
    rows = "".join(f'<row r="{n}" ht="20" customHeight="1"/>' for n in range(40, 3040))
    tall = _petunjuk_with(tmp_path / "baris.xlsx", f"<sheetData>{rows}</sheetData>")
    plain = _petunjuk_with(tmp_path / "polos.xlsx", "")
    assert feedback._copy_cells(small) - feedback._copy_cells(plain) == 4
    assert feedback._copy_cells(tall) - feedback._copy_cells(plain) == 3000


def test_a_file_too_far_reaching_to_copy_still_gets_its_list(tmp_path: Path) -> None:
    """The report over a file with one cell at XFD1048576 in a sheet the value reader never
    opens ends (it waited for ever on the feedback), the file's values count, and its OPD's
    feedback is the list alone, saying why there is no copy."""
    import shutil

    from tests.conftest import INPUT_DIR, run_report
    from tests.hostile_files import far_cell

    folder = tmp_path / "masuk"
    shutil.copytree(INPUT_DIR, folder)
    name = "Badan Kepegawaian Daerah - Capaian Kinerja 2018.xlsx"
    (folder / name).unlink()
    far_cell(folder / name, INPUT_DIR / name, "xl/worksheets/sheet1.xml")
    done = run_report(folder, tmp_path / "keluaran")
    assert done.returncode == 0, done.stderr[-800:]
    wb = openpyxl.load_workbook(tmp_path / "keluaran" / "umpan_balik" / "BKD.xlsx")
    assert wb.sheetnames == [feedback.SHEET]
    texts = [str(c.value) for row in wb[feedback.SHEET].iter_rows() for c in row if c.value]
    assert any(t.startswith(f"Berkas yang diperiksa: {name}. Salinannya tidak") for t in texts)
    assert not any("Tanda sel di salinan" in t or "tidak dapat dibuka" in t for t in texts)
    assert "IK04.02" in texts  # its own problems, listed
