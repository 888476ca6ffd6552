"""Ctrl-C at a terminal, for real: the signal goes to every process of the command's group.

The command's helper processes start from a server process that first imports the pipeline
(about a second). A Ctrl-C in that second interrupted the server's imports, and it printed a
30-line traceback under the command's own one-sentence message. With the server protected, the
same Ctrl-C still stopped ``nasional`` halfway through starting a worker, which the server then
started after the command had ended, with a traceback of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import INPUT_DIR, ROOT, SPEC_PATH
from tests.national_roots import binjai


def _interrupted_while_its_server_starts(args: list[str]) -> tuple[int, str, list[str]]:
    """Run ``python -m pipeline *args`` in its own process group; send the group SIGINT (what a
    terminal does on Ctrl-C) while the server the helpers fork from is importing; return the
    exit code, standard error and the group's processes left."""
    proc = _started(args)
    try:
        deadline = time.monotonic() + 60
        server = None
        while server is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                children = psutil.Process(proc.pid).children(recursive=True)
                server = next((c for c in children if _importing(c)), None)
            except psutil.Error:
                pass
            time.sleep(0.002)
        assert server is not None, "the command started no helper server"
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    left: list[str] = []
    for _ in range(50):  # the helpers notice their command is gone, within a few seconds
        left = [_command(p) for p in psutil.process_iter() if _in_group(p, proc.pid)]
        left = [c for c in left if c]
        if not left:
            break
        time.sleep(0.1)
    return proc.returncode, err, left


def _started(args: list[str]) -> subprocess.Popen[str]:
    """``python -m pipeline *args`` in its own process group, its standard error read."""
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _importing(p: psutil.Process) -> bool:
    """The helpers' server, past the interpreter's start (which a signal ends silently) and
    into importing the pipeline: its memory grows from about 10 to 140 MiB meanwhile."""
    return "forkserver" in " ".join(p.cmdline()) and p.memory_info().rss > 20 << 20


def _in_group(p: psutil.Process, group: int) -> bool:
    try:
        return os.getpgid(p.pid) == group
    except OSError:
        return False


def _command(p: psutil.Process) -> str:
    """A live process's command line; '' for one that has ended (a zombie nobody reaped)."""
    try:
        return "" if p.status() == psutil.STATUS_ZOMBIE else " ".join(p.cmdline())[-100:]
    except psutil.Error:
        return ""


@pytest.mark.parametrize("command", ["report", "nasional"])
def test_ctrl_c_while_the_helpers_start_is_one_sentence(tmp_path: Path, command: str) -> None:
    if command == "report":
        args = ["report", "--spec", str(SPEC_PATH), "--input", str(INPUT_DIR)]
    else:
        binjai(tmp_path / "akar" / "binjai")
        args = ["nasional", "--root", str(tmp_path / "akar")]
    args += ["--output", str(tmp_path / "o")]
    code, err, left = _interrupted_while_its_server_starts(args)
    assert code == 130, err
    assert "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("Dihentikan (Ctrl-C)"), err
    assert len(err.strip().splitlines()) == 1, err
    assert not left, left
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


_HELD = """
import os, signal, sys
from pipeline.isolate import interrupt_deferred
if sys.argv[1] == "default":
    signal.signal(signal.SIGINT, signal.SIG_DFL)
try:
    with interrupt_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        print("the block ran to its end", flush=True)
except KeyboardInterrupt:
    print("raised after the block", flush=True)
"""


@pytest.mark.parametrize(
    ("handler", "code", "said"),
    [
        ("python", 0, ["the block ran to its end", "raised after the block"]),
        ("default", -signal.SIGINT, ["the block ran to its end"]),  # ended as Ctrl-C ends it
    ],
)
def test_a_ctrl_c_held_during_a_start_is_acted_on_after_it(
    handler: str, code: int, said: list[str]
) -> None:
    """Held, never lost: with Python's handler it is raised right after the block; with the
    default action (a handler of another program restored as the default) it ends the process
    then, instead of being dropped."""
    result = subprocess.run(
        [sys.executable, "-c", _HELD, handler],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == code, result.stderr
    assert result.stdout.splitlines() == said


def test_sigterm_is_one_sentence_and_keeps_the_last_outputs(tmp_path: Path) -> None:
    """SIGTERM (what systemd, `docker stop` and `timeout` send, to the command alone) ended
    the run with exit 143, no word, and its half-written set left beside the output folder
    until the next run. It is unwound as Ctrl-C is: one sentence, the staging removed, the
    last complete outputs kept, no process left."""
    out = tmp_path / "o"
    args = ["report", "--spec", str(SPEC_PATH), "--input", str(INPUT_DIR), "--output", str(out)]
    first = subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, check=False
    )
    assert first.returncode == 0, first.stderr
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    proc = _started(args)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if list(tmp_path.glob(".o.baru-*")):  # writing the new set
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 143, err
    assert "Traceback" not in err, err
    lines = [line for line in err.strip().splitlines() if not line.startswith("[")]
    assert lines == [
        "Dihentikan (sinyal TERM) sebelum selesai; keluaran sebelumnya tidak diubah (keluaran "
        "baru hanya dipasang utuh di akhir)."
    ], err
    assert not list(tmp_path.glob(".o.baru-*"))
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    for _ in range(50):
        left = [_command(p) for p in psutil.process_iter() if _in_group(p, proc.pid)]
        if not [c for c in left if c]:
            break
        time.sleep(0.1)
    assert not [c for c in left if c], left
