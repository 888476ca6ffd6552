"""Time `python -m pipeline report` and sample the peak memory of its whole process tree.

Runs the shipped inputs, then the same inputs plus the hostile set of tests/hostile_files.py
(zip bomb, renamed PDF, encrypted workbook, .xlsm, XXE, entity bomb, absurd sheet sizes, lock
files...), a few times each, and prints wall time and peak RSS (sum over the parent and its
reader workers, sampled every 20 ms). Numbers, not assertions: run it on the target machine.

    .venv/bin/python scripts/benchmark.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile_files import build  # noqa: E402


def measure(input_dir: Path, output: Path) -> tuple[float, float]:
    """Wall seconds and peak tree RSS (MiB) of one report run."""
    cmd = [
        sys.executable,
        "-m",
        "pipeline",
        "report",
        "--spec",
        str(ROOT / "master" / "binjai_2018.xlsx"),
        "--input",
        str(input_dir),
        "--output",
        str(output),
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.02)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"report failed ({proc.returncode}) on {input_dir}")
    return wall, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        hostile_dir = Path(tmp) / "input_hostile"
        hostile = build(hostile_dir)
        cases = [
            ("shipped inputs", ROOT / "input_xlsx"),
            (f"shipped + {len(hostile)} hostile files", hostile_dir),
        ]
        measure(ROOT / "input_xlsx", Path(tmp) / "warmup")  # page cache, bytecode
        print(
            f"{'case':34} {'files':>5} {'wall s (median)':>16} {'wall s (min-max)':>17} "
            f"{'peak MiB (max)':>15}"
        )
        for label, folder in cases:
            runs = [measure(folder, Path(tmp) / f"out{i}") for i in range(args.repeat)]
            walls = [w for w, _ in runs]
            files = sum(1 for p in folder.iterdir())
            print(
                f"{label:34} {files:>5} {statistics.median(walls):>16.2f} "
                f"{min(walls):>8.2f}-{max(walls):<8.2f} {max(m for _, m in runs):>15.0f}"
            )


if __name__ == "__main__":
    main()
