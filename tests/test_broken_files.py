"""Each broken file yields exactly its issue at its cell; every other file is still scored."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import schema
from pipeline.master import MasterSpec
from pipeline.run import Run, run_pemda
from tests.broken_files import Defect, build
from tests.conftest import INPUT_DIR

KEY = ["rule", "kode_indikator", "sheet"]


@pytest.fixture(scope="module")
def runs(spec: MasterSpec, tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Run, list]:
    folder = tmp_path_factory.mktemp("rusak") / "input_xlsx"
    defects = build(folder)
    return run_pemda(spec, INPUT_DIR), run_pemda(spec, folder), defects


def _keys(issues: pd.DataFrame, file: str) -> set[tuple[str, ...]]:
    rows = issues[issues["file"] == file]
    return {tuple(r) for r in rows[KEY].astype(str).itertuples(index=False)}


def test_thirteen_defects_in_thirteen_files(runs: tuple[Run, Run, list[Defect]]) -> None:
    _, _, defects = runs
    assert len(defects) == 13
    assert len({d.file for d in defects}) == 13


@pytest.mark.parametrize("index", range(13))
def test_each_defect_yields_exactly_its_issue(
    runs: tuple[Run, Run, list[Defect]], index: int
) -> None:
    baseline, broken, defects = runs
    d = defects[index]
    new = _keys(broken.issues, d.file) - _keys(baseline.issues, d.file)
    assert new == {(d.rule, d.kode_indikator, d.sheet)}, d.name
    issues = broken.issues
    same = (issues["file"] == d.file) & (issues["rule"] == d.rule)
    hit = issues[same & (issues["kode_indikator"] == d.kode_indikator)]
    assert len(hit) == 1, d.name
    rec = hit.iloc[0]
    assert (rec["severity"], rec["cell"]) == (d.severity, d.cell), d.name
    assert rec["message"] and rec["kode_opd"] == d.kode_opd
    status = broken.validated.berkas.set_index("berkas").loc[d.file, "status"]
    if d.rejects_file:
        assert status == schema.BERKAS_DITOLAK
    elif d.rule == "berkas.digantikan":
        assert status == schema.BERKAS_DIGANTIKAN
    else:  # used: some values refused when the file holds an ERROR, else only flagged
        refused = ((issues["file"] == d.file) & (issues["severity"] == "ERROR")).any()
        assert status == (
            schema.BERKAS_DITERIMA_SEBAGIAN if refused else schema.BERKAS_DITERIMA_CATATAN
        ), d.name


def test_every_other_file_is_untouched_and_still_scored(runs: tuple[Run, Run, list]) -> None:
    baseline, broken, defects = runs
    touched = {d.file for d in defects}
    for name in baseline.validated.berkas["berkas"]:
        if name not in touched:
            assert _keys(broken.issues, name) == _keys(baseline.issues, name), name

    def scored(run: Run) -> set[str]:
        ind = run.results.indikator
        return set(ind.loc[ind["status"] == schema.STATUS_DINILAI, "kode_indikator"])

    excluded = {code for d in defects for code in d.excludes}
    assert scored(broken) == scored(baseline) - excluded
    revisi = [n for n in broken.validated.berkas["berkas"] if n.endswith("(revisi).xlsx")]
    assert len(revisi) == 1
    assert _keys(broken.issues, revisi[0]) == _keys(
        baseline.issues, revisi[0].replace(" (revisi)", "")
    )
