"""The synthetic Pemda generator: a spec the pipeline accepts, real templates filled with
realistic values, the requested broken, late and duplicate files, the same bytes for the same
seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import schema
from pipeline import template as tpl
from pipeline.ingest import read_submission
from pipeline.issues import ERROR
from pipeline.master import MasterSpec, read_master
from pipeline.run import Run, run_pemda
from scripts import synthetic


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> MasterSpec:
    path = synthetic.make_spec(
        tmp_path_factory.mktemp("sintetis") / "master.xlsx", opd=8, indikator=8, program=3
    )
    spec, issues = read_master(path)
    assert spec is not None, [i.message for i in issues]
    return spec


@pytest.fixture(scope="module")
def filled(small: MasterSpec, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    folder = tmp_path_factory.mktemp("masuk")
    synthetic.fill(small, folder, files=9, broken=4, late=1, duplicates=2, seed=5)
    return folder, run_pemda(small, folder)


def test_spec_of_the_requested_size_is_accepted(small: MasterSpec) -> None:
    assert len(small.opd) == 8
    per_opd = small.indikator["kode_opd_list"].map(len).sum()
    assert 8 * 5 <= per_opd <= 8 * 11
    assert set(small.indikator["polaritas"]) == set(schema.POLARITAS)
    assert set(small.tangga) == set(synthetic.LADDERS)
    assert small.program.groupby("kode_opd").size().min() >= 1


def test_generator_template_is_the_real_template(small: MasterSpec, tmp_path: Path) -> None:
    kode = str(small.opd["kode_opd"].iloc[2])
    ind, prog = synthetic._positions(small)
    cut = synthetic._sub_spec(small, kode, ind[kode], prog.get(kode, []))
    whole = tpl.build_template(small, kode, tmp_path / "a.xlsx").read_bytes()
    assert tpl.build_template(cut, kode, tmp_path / "b.xlsx").read_bytes() == whole


def test_files_are_filled_templates_the_reader_accepts(
    small: MasterSpec, filled: tuple[Path, Run]
) -> None:
    folder, run = filled
    assert len(list(folder.iterdir())) == 9
    used = run.validated.berkas[run.validated.berkas["status"].isin(schema.BERKAS_DIPAKAI)]
    assert len(used) >= 3
    for name in used["berkas"]:
        sub = read_submission(folder / name)
        kode = sub.meta["kode_opd"]
        assert sub.meta["sidik_spec"] == small.fingerprint(kode)
        assert [r["kode_indikator"] for r in sub.indikator] == list(
            small.indikator_opd(kode)["kode_indikator"]
        )
    scored = run.results.indikator
    assert (scored["status"] == schema.STATUS_DINILAI).sum() > 20
    capaian = scored.loc[scored["status"] == schema.STATUS_DINILAI, "capaian_mentah"]
    assert 60 < capaian.median() < 120  # numbers near their targets
    assert (scored["realisasi_teks"].astype(str) != "").any()  # ladder values
    assert run.results.keseluruhan["serapan"] > 40


def test_broken_late_and_duplicate_files_on_request(filled: tuple[Path, Run]) -> None:
    _, run = filled
    issues = run.issues
    rules = set(issues.loc[issues["severity"] == ERROR, "rule"])
    assert {"berkas.format", "nilai.bukan_angka", "struktur.tahun"} <= rules
    assert (issues["rule"] == "kelengkapan.terlambat").sum() == 1
    statuses = run.validated.berkas["status"].value_counts()
    assert statuses.get(schema.BERKAS_DIGANTIKAN, 0) == 2
    assert statuses.get(schema.BERKAS_DITOLAK, 0) == 3  # truncated, PDF, wrong year


def test_quarterly_only_opds_leave_the_annual_cell_empty(
    small: MasterSpec, tmp_path: Path
) -> None:
    synthetic.fill(small, tmp_path, files=2, quarterly=1.0)
    for path in tmp_path.iterdir():
        sub = read_submission(path)
        numeric = [r for r in sub.indikator if r["polaritas"] in ("naik", "turun", "range")]
        reported = [r for r in numeric if r["realisasi_tw4"] not in (None, "")]
        assert len(reported) >= len(numeric) * 0.8
        assert all(r["realisasi_tahunan"] in (None, "") for r in reported)
        assert all(isinstance(r["realisasi_tw1"], float) for r in reported)


def test_same_seed_same_bytes(small: MasterSpec, tmp_path: Path) -> None:
    a = synthetic.fill(small, tmp_path / "a", files=4, broken=1, seed=9)
    b = synthetic.fill(small, tmp_path / "b", files=4, broken=1, seed=9)
    c = synthetic.fill(small, tmp_path / "c", files=4, broken=1, seed=10)
    assert [p.name for p in a] == [p.name for p in b]
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]


def test_fast_template_is_build_template_part_for_part(small: MasterSpec, tmp_path: Path) -> None:
    import zipfile

    from scripts import xlsx_fill

    kode = str(small.opd["kode_opd"].iloc[1])
    fast = xlsx_fill.build(small, kode, tmp_path / "cepat.xlsx")
    assert tpl.SafeWorkbook is xlsx_fill.SafeWorkbook  # the in-memory workbook was put back
    with zipfile.ZipFile(tpl.build_template(small, kode, tmp_path / "templat.xlsx")) as zf:
        parts = [(info.filename, zf.read(info.filename)) for info in zf.infolist()]
    assert fast.members == parts
    assert set(fast.sheets) == {
        tpl.SHEET_PETUNJUK,
        tpl.SHEET_INDIKATOR,
        tpl.SHEET_ANGGARAN,
        tpl.SHEET_RENJA,
        tpl.SHEET_META,
    }
    assert list(fast.rows_indikator) == list(small.indikator_opd(kode)["kode_indikator"])


def test_a_weaker_pemda_falls_further_below_its_targets(small: MasterSpec, tmp_path: Path) -> None:
    """``kinerja`` sets how well a generated Pemda performs, so that the national demo's
    averages spread over the predikat bands (every Pemda was near 100 %)."""
    averages = {}
    for kinerja in (0.6, 1.0):
        folder = tmp_path / str(kinerja)
        synthetic.fill(small, folder, seed=3, kinerja=kinerja)
        run = run_pemda(small, folder)
        averages[kinerja] = float(run.results.keseluruhan["rata_rata_capaian"])
    assert averages[1.0] > 90
    assert averages[0.6] < averages[1.0] - 20, averages
