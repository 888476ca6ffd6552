"""Speed and memory of the pipeline, as whole processes, with their yardsticks measured in the
same run (this machine's speed drifts; only same-run comparisons mean something).

- **city**: ``python -m pipeline report`` on the shipped demo (what ``make report`` runs) against
  ``python -c "import great_expectations"``, alternately, after one warm-up run each; medians and
  the ratio (target ≤ 1.5).
- **scaling**: ``python -m pipeline check`` on synthetic Pemdas of N OPDs with one file each
  (``scripts/synthetic.py``: a few broken, late and duplicate files included), for each N: wall
  time, files per second, peak memory of the whole process tree (the parent and its reader
  workers, sampled every 50 ms), the CPU seconds of that tree and files per CPU second, and the
  floor: the same files read by raw python-calamine in one plain loop (every sheet to Python
  rows).
- **hostile**: the report on the shipped files plus the hostile set of ``tests/hostile_files.py``.

Every figure carries the machine's one-minute load average before and after it was taken: on a
busy machine wall times stretch (and a two-core parallel run gains nothing), so compare figures
taken at a similar, low load. Numbers, not assertions. Printed as a table; ``--json`` prints the
same numbers as JSON so runs can be compared across commits. Generated inputs are cached in
``--data`` (default: a folder in the system's temporary directory) and reused when their
parameters match.

    .venv/bin/python scripts/benchmark.py                       # everything
    .venv/bin/python scripts/benchmark.py --only city --repeat 7
    .venv/bin/python scripts/benchmark.py --only scaling --sizes 31,310 --json
    .venv/bin/python scripts/benchmark.py --root ../other-checkout   # time another checkout
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import template  # noqa: E402
from scripts import synthetic, xlsx_fill  # noqa: E402
from tests.hostile_files import build as build_hostile  # noqa: E402

DEMO_SPEC = Path("master") / "binjai_2018.xlsx"  # relative to the checkout being timed
DEMO_INPUT = Path("input_xlsx")
SIZES = (31, 310, 1000, 5000)
INDICATORS_PER_OPD = 12
PROGRAMS_PER_OPD = 5


CPU_SECONDS: list[float] = []  # CPU seconds of the whole tree, one entry per measured run


def run_measured(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS of the whole process tree (MiB) and the exit code of ``cmd``.

    The CPU seconds of the tree (each process's user + system time as last seen, sampled every
    50 ms, so the last moments of each are missed) are appended to :data:`CPU_SECONDS`: unlike
    wall time they barely change with the machine's load. A sample costs about 1,6 ms of CPU
    (psutil walks every process of the machine to find the tree): every 20 ms that took 8 % of
    a core from a report using both cores, and nothing from a one-core yardstick.
    """
    # As a shell runs ``make report``: Python keeps the compiled bytecode of the package, so
    # the warm-up run leaves it for the measured ones (a calling environment that turns that
    # off would time a state no user's second run is in).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    parent = psutil.Process(proc.pid)
    peak = 0
    cpu: dict[tuple[int, float], float] = {}
    while proc.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            total = 0
            for p in tree:
                try:
                    with p.oneshot():
                        total += p.memory_info().rss
                        times = p.cpu_times()
                        cpu[(p.pid, p.create_time())] = times.user + times.system
                except psutil.Error:
                    pass
            peak = max(peak, total)
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - start
    CPU_SECONDS.append(sum(cpu.values()))
    return wall, peak / 2**20, proc.returncode


def pipeline_cmd(root: Path, command: str, spec: Path, folder: Path, output: Path) -> list[str]:
    """``python -m pipeline COMMAND`` (what ``make report`` / ``make check`` run), in ``root``."""
    return [
        sys.executable,
        "-m",
        "pipeline",
        command,
        "--spec",
        str(spec),
        "--input",
        str(folder),
        "--output",
        str(output),
    ]


def load() -> float:
    """The one-minute load average: figures taken while the machine is busy are noisy."""
    return round(os.getloadavg()[0], 2)


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def bench_city(root: Path, repeat: int, scratch: Path) -> dict[str, Any]:
    """The demo report against the great-expectations import, alternately (A B A B ...)."""
    report = pipeline_cmd(root, "report", root / DEMO_SPEC, root / DEMO_INPUT, scratch / "city")
    gx = [sys.executable, "-c", "import great_expectations"]
    load_before = load()
    run_measured(report, root)  # warm-up: page cache, bytecode, font cache
    run_measured(gx, root)
    reports, imports, peaks, ratios, cpus, gx_cpus = [], [], [], [], [], []
    for _ in range(repeat):
        wall, peak, code = run_measured(report, root)
        if code != 0:
            raise SystemExit(f"report exited {code}")
        cpus.append(CPU_SECONDS[-1])
        base, _, _ = run_measured(gx, root)
        gx_cpus.append(CPU_SECONDS[-1])
        reports.append(wall)
        imports.append(base)
        peaks.append(peak)
        ratios.append(wall / base)
    return {
        "files": sum(1 for p in (root / DEMO_INPUT).iterdir() if p.is_file()),
        "report_s": _summary(reports),
        "import_gx_s": _summary(imports),
        "ratio": round(statistics.median(reports) / statistics.median(imports), 3),
        "ratio_pairwise": _summary(ratios),
        "peak_mib": round(max(peaks)),
        "report_cpu_s": _summary(cpus),
        "import_gx_cpu_s": _summary(gx_cpus),
        "load": [load_before, load()],
    }


def synthetic_pemda(data: Path, files: int, jobs: int) -> tuple[Path, Path]:
    """A synthetic Pemda of ``files`` OPDs and its input folder (cached in ``data``)."""
    params = {
        "opd": files,
        "indikator": INDICATORS_PER_OPD,
        "program": PROGRAMS_PER_OPD,
        "broken": max(1, files // 100),
        "late": max(1, files // 50),
        "duplicates": max(1, files // 100),
        # the files change with the generator, its writer and the template it fills
        "generator": hashlib.sha256(
            b"".join(Path(m.__file__).read_bytes() for m in (synthetic, xlsx_fill, template))
        ).hexdigest()[:16],
    }
    home = data / f"pemda_{files}"
    stamp = home / "parameters.json"
    spec, folder = home / "master.xlsx", home / "input"
    if stamp.exists() and json.loads(stamp.read_text()) == params:
        return spec, folder
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    started = time.perf_counter()
    synthetic.make_spec(spec, opd=files, indikator=INDICATORS_PER_OPD, program=PROGRAMS_PER_OPD)
    synthetic.fill(
        spec,
        folder,
        files=files,
        broken=params["broken"],
        late=params["late"],
        duplicates=params["duplicates"],
        jobs=jobs,
    )
    stamp.write_text(json.dumps(params))
    print(
        f"  generated {files} files in {time.perf_counter() - started:.0f} s ({home})",
        file=sys.stderr,
    )
    return spec, folder


def calamine_floor(folder: Path) -> float:
    """Seconds to read every sheet of every file with raw python-calamine, in one loop."""
    code = (
        "import sys, time, pathlib\n"
        "from python_calamine import CalamineWorkbook\n"
        "files = sorted(pathlib.Path(sys.argv[1]).iterdir())\n"
        "t = time.perf_counter()\n"
        "for f in files:\n"
        "    try:\n"
        "        wb = CalamineWorkbook.from_path(str(f))\n"
        "        for name in wb.sheet_names:\n"
        "            wb.get_sheet_by_name(name).to_python()\n"
        "        wb.close()\n"
        "    except Exception:\n"
        "        pass\n"
        "print(time.perf_counter() - t)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(folder)], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def bench_scaling(
    root: Path,
    sizes: list[int],
    repeat: int,
    data: Path,
    scratch: Path,
    jobs: int,
    large_repeat: int | None = None,
) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        spec, folder = synthetic_pemda(data, n, jobs)
        cmd = pipeline_cmd(root, "check", spec, folder, scratch / f"check_{n}")
        runs = repeat if large_repeat is None or n < 5000 else large_repeat
        load_before = load()
        if runs > 1:
            run_measured(cmd, root)  # warm-up
        walls, peaks, floors, cpus = [], [], [], []
        for _ in range(runs):
            wall, peak, code = run_measured(cmd, root)
            if code not in (0, 3):
                raise SystemExit(f"check exited {code} on {n} files")
            cpus.append(CPU_SECONDS[-1])
            walls.append(wall)
            peaks.append(peak)
            floors.append(calamine_floor(folder))
        files = sum(1 for p in folder.iterdir() if p.is_file())
        rows.append(
            {
                "files": files,
                "check_s": _summary(walls),
                "files_per_s": round(files / statistics.median(walls), 1),
                "peak_mib": round(max(peaks)),
                "calamine_s": _summary(floors),
                "calamine_files_per_s": round(files / statistics.median(floors), 1),
                "cpu_s": _summary(cpus),
                "files_per_cpu_s": round(files / statistics.median(cpus), 1),
                "load": [load_before, load()],
            }
        )
        print(f"  {n} files: {json.dumps(rows[-1])}", file=sys.stderr)
    return rows


def bench_hostile(root: Path, repeat: int, scratch: Path) -> dict[str, Any]:
    folder = scratch / "hostile"
    build_hostile(folder)
    cmd = pipeline_cmd(root, "report", root / DEMO_SPEC, folder, scratch / "hostile_out")
    load_before = load()
    run_measured(cmd, root)
    runs = [run_measured(cmd, root) for _ in range(repeat)]
    if any(code != 0 for _, _, code in runs):
        raise SystemExit("report on the hostile set failed")
    return {
        "files": sum(1 for p in folder.iterdir()),
        "report_s": _summary([w for w, _, _ in runs]),
        "peak_mib": round(max(m for _, m, _ in runs)),
        "load": [load_before, load()],
    }


def _commit(root: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def _load(figures: dict[str, Any]) -> str:
    """Load average before → after a measurement."""
    before, after = figures.get("load") or ("?", "?")
    return f"{before}→{after}"


def print_table(result: dict[str, Any]) -> None:
    print(f"commit {result['commit']} · {result['machine']}")
    city = result.get("city")
    if city:
        print(
            f"\ncity: report on the demo ({city['files']} files) vs import great_expectations, "
            "same run, alternately"
        )
        print(f"{'':28} {'median s':>9} {'min s':>7} {'max s':>7}")
        for label, key in (("report", "report_s"), ("import great_expectations", "import_gx_s")):
            s = city[key]
            print(f"{label:28} {s['median']:>9.2f} {s['min']:>7.2f} {s['max']:>7.2f}")
        r = city["ratio_pairwise"]
        print(
            f"ratio (medians) {city['ratio']:.2f}  (pair by pair: median {r['median']:.2f}, "
            f"{r['min']:.2f}-{r['max']:.2f}; target ≤ 1.5)  peak {city['peak_mib']} MiB  "
            f"load {_load(city)}"
        )
        if "report_cpu_s" in city:
            print(
                f"CPU s of the process tree (medians): report {city['report_cpu_s']['median']:.2f}"
                f", import great_expectations {city['import_gx_cpu_s']['median']:.2f}"
            )
    rows = result.get("scaling")
    if rows:
        print(
            "\nscaling: check on a synthetic Pemda of N OPDs, one file each "
            "(peak = whole process tree)"
        )
        print(
            f"{'files':>6} {'check s':>8} {'(min-max)':>13} {'files/s':>8} {'peak MiB':>9} "
            f"{'calamine s':>11} {'calamine files/s':>17} {'CPU s':>7} {'files/CPU s':>12} "
            f"{'load':>11}"
        )
        for row in rows:
            c = row["check_s"]
            print(
                f"{row['files']:>6} {c['median']:>8.2f} {c['min']:>6.2f}-{c['max']:<6.2f} "
                f"{row['files_per_s']:>8.0f} {row['peak_mib']:>9} "
                f"{row['calamine_s']['median']:>11.2f} {row['calamine_files_per_s']:>17.0f} "
                f"{row['cpu_s']['median']:>7.1f} {row['files_per_cpu_s']:>12.0f} {_load(row):>11}"
            )
    hostile = result.get("hostile")
    if hostile:
        s = hostile["report_s"]
        print(
            f"\nhostile: report on the shipped files + the hostile set ({hostile['files']} files)"
            f": {s['median']:.2f} s ({s['min']:.2f}-{s['max']:.2f}), "
            f"peak {hostile['peak_mib']} MiB, load {_load(hostile)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=("city", "scaling", "hostile"), action="append")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the city pair (default 5)")
    parser.add_argument(
        "--scaling-repeat", type=int, default=3, help="runs per scaling size (default 3)"
    )
    parser.add_argument(
        "--large-repeat",
        type=int,
        default=None,
        help="runs at 5000 files and more (default: as --scaling-repeat; 1 = no warm-up)",
    )
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="files per scaling case (default %(default)s)",
    )
    parser.add_argument("--data", type=Path, default=None, help="cache of generated inputs")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose pipeline is timed")
    parser.add_argument("--jobs", type=int, default=2, help="processes for generating inputs")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args()
    only = set(args.only or ("city", "scaling", "hostile"))
    root = args.root.resolve()
    data = args.data or Path(tempfile.gettempdir()) / "sakip-benchmark-data"
    result: dict[str, Any] = {
        "commit": _commit(root),
        "machine": f"{platform.python_version()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB",
    }
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        if "city" in only:
            result["city"] = bench_city(root, args.repeat, scratch)
            print(f"  city: {json.dumps(result['city'])}", file=sys.stderr)
        if "scaling" in only:
            sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
            result["scaling"] = bench_scaling(
                root, sizes, args.scaling_repeat, data, scratch, args.jobs, args.large_repeat
            )
        if "hostile" in only:
            result["hostile"] = bench_hostile(root, max(1, args.scaling_repeat), scratch)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
