"""Whose file is it: the sender and the receipt time recorded by intake, save times that cannot
be trusted, and entries of the input folder that cannot be opened."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from pipeline import ingest
from pipeline.ingest import read_submission, scan_inputs
from pipeline.master import MasterSpec
from pipeline.validate import stage_files
from tests.broken_files import _stamp
from tests.conftest import INPUT_DIR

DINSOS = INPUT_DIR / "Dinas Sosial - Capaian Kinerja 2018.xlsx"


def _two_dinsos(tmp_path: Path) -> tuple[Path, Path]:
    early, late = tmp_path / "Dinas Sosial - pagi.xlsx", tmp_path / "Dinas Sosial - sore.xlsx"
    shutil.copy(DINSOS, early)
    shutil.copy(DINSOS, late)
    _stamp(early, "2019-01-10T08:00:00Z")
    _stamp(late, "2019-01-20T08:00:00Z")
    return early, late


def test_a_file_sent_from_another_opds_address_is_not_used(spec: MasterSpec) -> None:
    sub = read_submission(DINSOS, DINSOS.name)
    staged = stage_files([sub], spec, {DINSOS.name: ("DINKES", "2019-01-20T08:00:00Z")})
    assert staged.active == []
    (issue,) = [i for i in staged.per_file[DINSOS.name] if i.rule == "berkas.identitas"]
    assert issue.severity == "ERROR" and "alamat surel Dinas Kesehatan" in issue.message
    assert issue.kode_opd == "DINKES"  # told to the sender
    same = stage_files([sub], spec, {DINSOS.name: ("DINSOS", "2019-01-20T08:00:00Z")})
    assert [s.name for s in same.active] == [DINSOS.name]


def test_receipt_time_decides_which_file_is_newer(spec: MasterSpec, tmp_path: Path) -> None:
    early, late = _two_dinsos(tmp_path)
    subs = [read_submission(p, p.name) for p in (early, late)]
    by_save = stage_files(subs, spec)
    assert by_save.superseded[early.name][0] == late.name
    receipts = {
        early.name: ("DINSOS", "2019-01-25T08:00:00Z"),  # saved earlier, received last
        late.name: ("DINSOS", "2019-01-21T08:00:00Z"),
    }
    by_receipt = stage_files(subs, spec, receipts)
    newer, why = by_receipt.superseded[late.name]
    assert newer == early.name and why.startswith("diterima 2019-01-25")


@pytest.mark.parametrize("when", ["2099-01-01T00:00:00Z", ""])
def test_a_save_time_in_the_future_or_missing_never_wins(
    spec: MasterSpec, tmp_path: Path, when: str
) -> None:
    early, late = _two_dinsos(tmp_path)
    subs = [read_submission(p, p.name) for p in (early, late)]
    subs[0].dimodifikasi = when  # the earlier file now claims the future, or nothing
    staged = stage_files(subs, spec)
    assert staged.superseded[early.name][0] == late.name
    warned = [i for i in staged.per_file[early.name] if i.rule == "berkas.waktu_simpan"]
    assert len(warned) == 1 and warned[0].severity == "WARNING"


def test_an_entry_that_cannot_be_opened_is_listed_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(DINSOS, tmp_path / "terkunci.xlsx")
    shutil.copy(DINSOS, tmp_path / "biasa.xlsx")
    real_open = os.open

    def refuse(path, flags, *args):  # a file locked or without permission (as root, simulated)
        if str(path).endswith("terkunci.xlsx"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(ingest.os, "open", refuse)
    found = {e.name: e for e in scan_inputs(tmp_path)}
    assert found["biasa.xlsx"].problem == ""
    assert "izin ditolak" in found["terkunci.xlsx"].problem
    assert ingest.list_inputs(tmp_path) == [tmp_path / "biasa.xlsx"]
