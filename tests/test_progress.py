"""The progress line: files read / total, time spent and left, only on a terminal."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline.isolate import Limits, read_files
from pipeline.progress import ProgressLine, progress_text
from tests.conftest import INPUT_DIR, ROOT, SPEC_PATH


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_text_counts_files_and_estimates_the_rest() -> None:
    text = progress_text(1250, 5000, 10.0)
    assert text.startswith("Membaca berkas 1.250/5.000 (25%)")
    assert "10 dtk berjalan" in text
    assert "sisa ± 30 dtk" in text
    assert "sisa" not in progress_text(5000, 5000, 75.0)
    assert "1 mnt 15 dtk" in progress_text(5000, 5000, 75.0)


def test_shown_on_a_terminal_and_wiped_at_the_end(tmp_path: Path) -> None:
    names = [f"f{i}.xlsx" for i in range(4)]
    for name in names:
        shutil.copy(next(INPUT_DIR.glob("*.xlsx")), tmp_path / name)
    stream = _Terminal()
    line = ProgressLine(stream, delay=0, interval=0)
    read_files([(tmp_path / n, n) for n in names], Limits(), progress=line)
    shown = stream.getvalue()
    assert "\rMembaca berkas 4/4 (100%)" in shown
    line.close()
    assert stream.getvalue().endswith("\r")
    assert stream.getvalue()[len(shown) :].strip() == ""


def test_quiet_when_not_a_terminal() -> None:
    stream = io.StringIO()
    line = ProgressLine(stream, delay=0, interval=0)
    line(3, 10)
    line.close()
    assert stream.getvalue() == ""


def test_cli_prints_no_progress_into_a_pipe(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "check",
            "--spec",
            str(SPEC_PATH),
            "--input",
            str(INPUT_DIR),
            "--output",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Membaca berkas" not in result.stderr
    assert "\r" not in result.stderr
