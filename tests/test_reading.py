"""How files reach the run: each file checked as soon as it is read, the readers' garbage
collector set."""

from __future__ import annotations

import gc
import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline import run
from pipeline.ingest import Submission, read_submission
from pipeline.isolate import GC_THRESHOLD, Limits, start_reading
from pipeline.master import MasterSpec
from pipeline.run import Ingest, prepare
from pipeline.validate import FileStaging
from tests.conftest import INPUT_DIR
from tests.hostile_files import SOURCE

GATE = "gerbang"  # a file named so beside the input folder lets the held-back files be read


def _gated(path: Path, name: str) -> Submission:
    """A reader that holds files named 'nanti…' back until the gate file exists (at most 60 s)."""
    if name.startswith("nanti"):
        gate = path.parent.parent / GATE
        waited = 0.0
        while not gate.exists() and waited < 60:
            time.sleep(0.05)
            waited += 0.05
    return read_submission(path, name)


def _collector(path: Path, name: str) -> Submission:
    sub = read_submission(path, name)
    sub.meta["threshold"] = ",".join(map(str, gc.get_threshold()))
    sub.meta["frozen"] = str(gc.get_freeze_count())
    sub.meta["pid"] = str(os.getpid())
    return sub


def _copies(folder: Path, names: list[str]) -> list[tuple[Path, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(SOURCE, folder / name)
    return [(folder / name, name) for name in names]


def test_readers_freeze_what_they_start_with_and_collect_less_often(tmp_path: Path) -> None:
    files = _copies(tmp_path, ["a.xlsx", "b.xlsx"])
    subs = start_reading(files, Limits(workers=1), reader=_collector).result()
    for sub in subs:
        assert sub.meta["threshold"] == ",".join(map(str, GC_THRESHOLD))
        assert int(sub.meta["frozen"]) > 0
        assert int(sub.meta["pid"]) != os.getpid()


def test_files_are_checked_while_later_files_are_read(
    spec: MasterSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "masuk"
    shutil.copytree(INPUT_DIR, folder)
    last = sorted(folder.glob("*.xlsx"))[-1]
    last.rename(folder / f"nanti {last.name}")  # read last, and held back
    files, ignored = run._listed(folder)
    assert files[-1][1].startswith("nanti")
    reading = start_reading(files, Limits(workers=1, batch=2), reader=_gated)
    done_when_checked: list[bool] = []
    add = FileStaging.add

    def watched(self: FileStaging, sub: Submission) -> None:
        done_when_checked.append(reading._done.is_set())
        (tmp_path / GATE).touch()
        add(self, sub)

    monkeypatch.setattr(FileStaging, "add", watched)
    try:
        got = run._prepare_as_read(spec, folder, Ingest(folder, reading, ignored), None)
    finally:
        (tmp_path / GATE).touch()
    assert done_when_checked[0] is False  # the first file was checked before the last was read
    assert len(done_when_checked) == len(files)
    monkeypatch.setattr(FileStaging, "add", add)
    alone = prepare(spec, folder)
    assert [s.name for s in got.subs] == [s.name for s in alone.subs]
    assert got.ignored == alone.ignored
    a, b = got.staged, alone.staged
    assert (a.per_file, a.opd_of, a.superseded) == (b.per_file, b.opd_of, b.superseded)
    assert [s.name for s in a.active] == [s.name for s in b.active]
    assert a.renja.status == b.renja.status
    for x, y in [
        (a.realisasi, b.realisasi),
        (a.anggaran, b.anggaran),
        (a.renja.k, b.renja.k),
        (a.renja.rp, b.renja.rp),
        (a.renja.teks, b.renja.teks),
    ]:
        pd.testing.assert_frame_equal(x, y)


def _server_pid() -> int | None:
    from multiprocessing import forkserver

    return forkserver._forkserver._forkserver_pid


def test_pool_workers_start_at_once_with_their_readers_server() -> None:
    from pipeline.nasional.executor import LocalExecutor

    executor = LocalExecutor(2)
    try:
        # started when the executor is made, before any work is given to them
        assert len(executor._pool._processes) == 2
        assert executor.result(executor.submit(_server_pid)) is not None
    finally:
        executor.close()


@pytest.mark.parametrize(
    ("cell", "value", "where"),
    [("Q6000", " ", "baris 6000"), ("C5010", "catatan: data final", "C5010")],
)
def test_a_value_far_below_the_table_is_a_warning_not_a_rejected_file(
    tmp_path: Path, cell: str, value: str, where: str
) -> None:
    """A stray keystroke (a space) or a note far below the table rejected the whole file with
    'more than 5000 rows' and no cell. Now the table is read as always and the OPD is told
    where the stray value is."""
    import openpyxl

    copy = tmp_path / SOURCE.name
    shutil.copy(SOURCE, copy)
    wb = openpyxl.load_workbook(copy)
    wb["Indikator"][cell] = value
    wb.save(copy)
    clean, stray = read_submission(SOURCE), read_submission(copy)
    assert not [i for i in stray.issues if i.severity == "ERROR"]
    found = [i for i in stray.issues if i.rule == "struktur.isi_di_luar_tabel"]
    assert len(found) == 1 and found[0].severity == "WARNING" and found[0].cell == where
    assert found[0].sheet == "Indikator" and "tidak dibaca" in found[0].message
    if value.strip():
        assert value in found[0].message
    assert stray.indikator == clean.indikator
