"""The staged run: many Pemda share one pass of each great-expectations suite, and every Pemda's
results are the ones it gets alone (``run_pemda`` is ``finish(check_values([prepare(...)]))``).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import suites
from pipeline.master import MasterSpec, read_master, read_masters
from pipeline.run import Run, check_values, finish, prepare, run_pemda
from tests.conftest import INPUT_DIR, SPEC_PATH
from tests.national_roots import other_pemda


def test_a_batch_maps_failures_back_to_each_frame() -> None:
    suite = {
        "name": "uji",
        "expectations": [
            {
                "type": "expect_column_values_to_be_unique",
                "kwargs": {"column": "kode"},
                "meta": {"rule": "ganda"},
            },
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "nilai", "min_value": 0},
                "meta": {"rule": "negatif"},
            },
        ],
    }
    a = pd.DataFrame({"kode": ["x", "y", "x"], "nilai": [1.0, -1.0, 2.0]})
    b = pd.DataFrame({"kode": ["x", "z", None, None], "nilai": [-5.0, 3.0, 1.0, 1.0]})
    empty = a.iloc[0:0]
    batch = suites.run_suite_many([a, empty, b], suite)
    alone = [suites.run_suite(f, suite) for f in (a, empty, b)]

    def key(found: list[dict]) -> list[tuple]:
        return sorted((f["rule"], f["index"]) for f in found)

    assert [key(f) for f in batch] == [key(f) for f in alone]
    # 'x' twice in a is a duplicate; 'x' in a and in b is not; missing codes are not duplicates
    assert key(batch[0]) == [("ganda", 0), ("ganda", 2), ("negatif", 1)]
    assert key(batch[2]) == [("negatif", 0)]


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return other_pemda(tmp_path_factory.mktemp("lain") / "kab", "3204", "Kabupaten Contoh")


def _spec(path: Path) -> MasterSpec:
    spec, issues = read_master(path)
    assert spec is not None, issues
    return spec


def _same(a: Run, b: Run) -> None:
    for x, y in (
        (a.results.indikator, b.results.indikator),
        (a.results.sasaran, b.results.sasaran),
        (a.results.opd, b.results.opd),
        (a.results.program, b.results.program),
        (a.results.efisiensi, b.results.efisiensi),
        (a.issues, b.issues),
        (a.validated.berkas, b.validated.berkas),
    ):
        pd.testing.assert_frame_equal(x, y, check_exact=True)
    assert repr(a.results.keseluruhan) == repr(b.results.keseluruhan)  # NaN-safe, exact


def test_two_pemda_in_one_batch_equal_each_alone(other: Path) -> None:
    binjai, kab = _spec(SPEC_PATH), _spec(next((other / "master").glob("*.xlsx")))
    together = finish(
        check_values([prepare(binjai, INPUT_DIR), prepare(kab, other / "input_xlsx")])
    )
    _same(together[0], run_pemda(binjai, INPUT_DIR))
    _same(together[1], run_pemda(kab, other / "input_xlsx"))
    assert together[0].has_errors  # the demo keeps its seed's errors, in the batch too


def test_specs_checked_together_equal_each_alone(tmp_path: Path, other: Path) -> None:
    broken = tmp_path / "rusak.xlsx"
    wb = openpyxl.load_workbook(SPEC_PATH)
    ws = wb["indikator"]
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index("kode_indikator") + 1, value=ws.cell(2, 1).value)
    ws.cell(row=4, column=header.index("bobot") + 1, value=-1)
    wb.save(broken)
    kab = next((other / "master").glob("*.xlsx"))
    paths = [SPEC_PATH, broken, kab, tmp_path / "tidak_ada", SPEC_PATH]
    together = read_masters(paths)
    for path, (spec, issues) in zip(paths, together, strict=True):
        alone_spec, alone_issues = read_master(path)
        assert issues == alone_issues
        assert (spec is None) == (alone_spec is None)
    assert together[1][0] is None
    rules = {i.rule for i in together[1][1]}
    assert {"spec.kode_ganda", "spec.bobot"} <= rules
    # the same indicator codes in two specs of a batch are not duplicates of each other
    assert together[0][0] is not None and together[4][0] is not None


def test_a_pemda_without_any_file_is_scored_as_all_unreported(
    spec: MasterSpec, tmp_path: Path
) -> None:
    run = run_pemda(spec, tmp_path)  # the library, for a Pemda that has received nothing yet
    assert run.validated.berkas.empty and "status" in run.validated.berkas
    k = run.results.keseluruhan
    assert k["belum_lapor"] == k["jumlah_indikator"] == len(spec.indikator)
    missing = run.issues[run.issues["rule"] == "kelengkapan.belum_kirim"]
    assert sorted(missing["kode_opd"]) == sorted(spec.opd["kode_opd"])  # every OPD, by name


def test_the_values_the_cross_file_checks_compare_are_those_of_the_rows_left(other: Path) -> None:
    """The value rules hand on each row's value for the cross-file checks: it is the value
    those checks find in the rows as the value rules left them (a row an ERROR dropped has
    none), for every row of both Pemda."""
    from pipeline.validate.crossfile import _used

    binjai, kab = _spec(SPEC_PATH), _spec(next((other / "master").glob("*.xlsx")))
    demo = prepare(binjai, INPUT_DIR)
    rows = demo.staged.realisasi
    # two values below the indicator's plausible minimum (0): ERRORs that drop their rows
    below = rows.index[rows["realisasi_tahunan"].astype(float).gt(0)][:2]
    rows.loc[below, "realisasi_tahunan"] = -5.0
    checked = check_values([demo, prepare(kab, other / "input_xlsx")])
    assert {i.rule for i in checked[0].value_issues} >= {"nilai.di_bawah_batas"}
    for c, spec in zip(checked, (binjai, kab), strict=True):
        assert c.used is not None
        again = _used(c.realisasi, spec)
        assert c.used.index.equals(again.index)
        assert repr(c.used.tolist()) == repr(again.tolist())  # NaN-safe, exact
    dropped = checked[0].realisasi.loc[below]
    assert dropped["realisasi_tidak_valid"].all()
    assert checked[0].used.loc[below].isna().all()
