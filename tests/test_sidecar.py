"""Output parts written by helper processes: the same files, and nothing lost when one fails."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.master import MasterSpec
from pipeline.outputs import HELPER_PARTS, write_outputs
from pipeline.run import Run, run_pemda
from pipeline.sidecar import Helper, Helpers
from tests.conftest import INPUT_DIR


def _pid() -> int:
    return os.getpid()


def _boom(text: str) -> None:
    raise ValueError(text)


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_helper_runs_the_call_in_its_own_process() -> None:
    with Helpers({"a": ("json",)}) as helpers:
        job = helpers.job("a", _pid)
        assert job.helper is not None
        assert job.result() not in (os.getpid(), None)


def test_an_error_in_a_helper_is_raised_here() -> None:
    with Helpers({"a": ()}) as helpers:
        job = helpers.job("a", _boom, "disk full")
        with pytest.raises(ValueError, match="disk full"):
            job.result()


def test_a_helper_that_dies_leaves_its_part_to_this_process() -> None:
    helper = Helper(())
    try:
        assert helper.submit(_die, ())
        assert helper.result() == (False, None)
        assert not helper.submit(_pid, ())  # a dead helper takes nothing more
    finally:
        helper.close()
    with Helpers({}) as helpers:  # no helper: written here
        assert helpers.job("a", _pid).result() == os.getpid()


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".png", ".csv")
    }


def test_a_part_whose_helper_is_still_importing_is_written_here() -> None:
    with Helpers({"a": ("tests.slow_import",), "b": ("json",)}) as helpers:
        stuck = helpers.job("a", _pid)  # handed over at once, without waiting for the imports
        ready = helpers.job("b", _pid)
        assert stuck.helper is not None and ready.helper is not None
        assert ready.result() not in (os.getpid(), None)  # waited for: its helper wrote it
        stuck.claim()  # its helper has not started it: taken back and written here
        assert stuck.helper is None
        assert stuck.result() == os.getpid()
        again = helpers.job("b", _pid)  # a helper takes one call only
        again.claim()
        assert again.result() == os.getpid()


def _started_then_pid(started: Path, go: Path) -> int:
    started.touch()
    deadline = time.monotonic() + 60  # a broken take-back fails instead of hanging
    while not go.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("never told to go")
        time.sleep(0.01)
    return os.getpid()


def test_a_part_a_helper_has_started_is_not_taken_back(tmp_path: Path) -> None:
    started, go = tmp_path / "started", tmp_path / "go"
    with Helpers({"a": ("json",)}) as helpers:
        job = helpers.job("a", _started_then_pid, started, go)
        deadline = time.monotonic() + 60  # a helper that never starts fails, never hangs
        while not started.exists():  # the helper is writing the part
            assert time.monotonic() < deadline, "the helper never started the part"
            time.sleep(0.01)
        job.claim()  # not taken back: left to the helper
        go.touch()
        assert job.helper is not None
        assert job.result() not in (os.getpid(), None)


def _names(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_outputs_written_with_helpers_equal_those_written_alone(
    spec: MasterSpec, tmp_path: Path
) -> None:
    run: Run = run_pemda(spec, INPUT_DIR)
    alone = write_outputs(run, tmp_path / "alone")
    with Helpers(HELPER_PARTS) as helpers:
        helped = write_outputs(run, tmp_path / "helped", helpers=helpers)
        assert all(h.proc.is_alive() or h.proc.exitcode == 0 for h in helpers.helpers.values())
    assert {k: p.relative_to(tmp_path / "alone") for k, p in alone.items()} == {
        k: p.relative_to(tmp_path / "helped") for k, p in helped.items()
    }
    assert _names(tmp_path / "alone") == _names(tmp_path / "helped")
    assert _files(tmp_path / "alone") == _files(tmp_path / "helped")  # charts and validasi.csv


def test_a_helper_whose_parent_is_gone_ends_quietly() -> None:
    """A report killed with SIGKILL left its helper to print a BrokenPipeError traceback on
    the operator's terminal when it said it was ready."""
    code = (
        "import multiprocessing as mp\n"
        "from pipeline.sidecar import _serve\n"
        "parent, child = mp.Pipe()\n"
        "parent.close()\n"
        "_serve(child, ())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and done.stderr == ""
