"""Time ``python -m pipeline nasional`` on the first 50, 150 and 542 Pemda of a generated root.

Prints, per size: Pemda, files, wall seconds, files per second, peak memory of the whole process
tree (the command, its pool workers and their reader processes, sampled every 50 ms; with
``--dask`` the scheduler's and workers' trees too) and of the command's own process, the CPU
seconds of the tree (comparable on a busy machine, unlike wall time) and the raw python-calamine
read time of the same files (every sheet of every file, one process, measured in the same run)
as the floor.
Numbers, not assertions: run it on the target machine.

    .venv/bin/python scripts/build_national_demo.py --pemda 542 --seed 2026 /tmp/nasional542
    .venv/bin/python scripts/benchmark_nasional.py /tmp/nasional542 [--sizes 50,150,542]
        [--workers 2] [--per-pemda] [--dask-local] [--json]

``--dask-local`` starts a scheduler and two workers (one thread each) on 127.0.0.1 as the test
does, runs ``--dask`` against them and stops them: on one machine this shows the engine's
overhead, not a speed-up. ``--per-pemda`` also prints the seconds per Pemda (from the manifest).
``beban`` is the machine's one-minute load average before → after each row: on a busy machine
wall times stretch, so compare rows taken at a similar, low load. ``curi s`` is the CPU time the
hypervisor of a virtual machine gave to other guests during the run (``steal`` of
``/proc/stat``, all cores; ``-`` where the system does not say): a slow row with a large
figure here was slowed by the host, not by the run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from distributed import Client
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.ingest import is_candidate, list_inputs  # noqa: E402
from pipeline.nasional.layout import INPUT_FOLDER, discover  # noqa: E402

DASK = Path(sys.executable).parent / "dask"


def steal_seconds() -> float | None:
    """CPU seconds the host has given to other guests since boot, all cores (``/proc/stat``);
    None where the system does not say."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


class TreeMeter:
    """Peak memory and CPU seconds of process trees, sampled every 50 ms (PSS every 2 s).

    Memory: the sum of the RSS of every process of the trees at one sample (pages shared
    between forked processes counted in each, as a system monitor shows them), the same sum of
    PSS (shared pages divided among their sharers: the memory the tree really holds), and the
    peak RSS of the top process alone. CPU: every process's user + system time as last seen
    (the last moments of each process are missed, as in ``benchmark.py``), less what the
    processes already running when the meter started (a Dask scheduler and its workers, which
    serve the sizes one after the other) had used before. Unlike wall time, CPU seconds barely
    move with the machine's load.

    The meter shares the cores with the run it measures, so it reads as little as it can. The
    trees are looked up every 200 ms (:data:`TREE_EVERY` samples; finding a tree's processes
    reads the status of every process on the machine, about 2 ms), and the processes found are
    read at every sample (about 0.2 ms). PSS is read every 2 s only (:data:`PSS_EVERY`): the
    kernel computes it by walking every page of a process while holding its memory map, about
    20 ms for the ten processes of a national run. Read every 50 ms, it took most of a core
    from the run it measured and stretched 542 Pemda from about 85 s to about 125 s; with the
    trees looked up and PSS read at every sample or every second, the meter still took about
    7 % of a core.
    """

    PSS_EVERY = 40
    TREE_EVERY = 4

    def __init__(self, top: int, others: list[int]) -> None:
        self.top, self.roots = top, [top, *others]
        self.peak = self.peak_pss = self.peak_top = 0
        self.cpu: dict[tuple[int, float], float] = {}  # (pid, create_time) -> user + system
        self.samples = 0
        self.procs: dict[int, psutil.Process] = {}
        # A Dask scheduler and its workers live across runs: their CPU before this run is not
        # this run's (the sizes run one after the other on the same cluster).
        self.before: dict[tuple[int, float], float] = {}
        self._find()
        for p in self.procs.values():
            try:
                t = p.cpu_times()
                self.before[(p.pid, p.create_time())] = t.user + t.system
            except psutil.Error:
                continue

    def _find(self) -> None:
        """The processes of the trees now (those already known keep their objects)."""
        found: dict[int, psutil.Process] = {}
        for pid in self.roots:
            try:
                parent = self.procs.get(pid) or psutil.Process(pid)
                children = parent.children(recursive=True)
            except psutil.Error:
                continue
            for p in [parent, *children]:
                found.setdefault(p.pid, self.procs.get(p.pid, p))
        self.procs = found

    def sample(self) -> None:
        if self.samples % self.TREE_EVERY == 0:
            self._find()
        with_pss = self.samples % self.PSS_EVERY == 0
        self.samples += 1
        total, pss = 0, 0
        for p in list(self.procs.values()):
            try:
                with p.oneshot():
                    rss = p.memory_info().rss
                    t = p.cpu_times()
                    self.cpu[(p.pid, p.create_time())] = t.user + t.system
            except psutil.Error:
                del self.procs[p.pid]
                continue
            if with_pss:
                try:
                    pss += getattr(p.memory_full_info(), "pss", rss)
                except psutil.Error:
                    pss += rss
            total += rss
            if p.pid == self.top:
                self.peak_top = max(self.peak_top, rss)
        self.peak = max(self.peak, total)
        if with_pss:
            self.peak_pss = max(self.peak_pss, pss)

    def cpu_seconds(self) -> float:
        return sum(t - self.before.get(key, 0.0) for key, t in self.cpu.items())


def run_nasional(
    root: Path, output: Path, extra: list[str], watch: list[int]
) -> tuple[float, TreeMeter, str]:
    """Wall seconds, the tree's memory and CPU, and stdout of one national run."""
    cmd = [sys.executable, "-m", "pipeline", "nasional", "--root", str(root), "--output"]
    cmd += [str(output), *extra]
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    meter = TreeMeter(proc.pid, watch)
    while proc.poll() is None:
        meter.sample()
        time.sleep(0.05)
    wall = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"nasional gagal ({proc.returncode}) pada {root}")
    return wall, meter, out


def raw_read(folders: list[Path]) -> tuple[int, float]:
    """Files and seconds to read every sheet of every candidate file with python-calamine."""
    files = [p for f in folders for p in list_inputs(f / INPUT_FOLDER) if is_candidate(p)[0]]
    start = time.perf_counter()
    for path in files:
        try:
            wb = CalamineWorkbook.from_path(str(path))
            for name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python()
            wb.close()
        except Exception:  # broken files are part of the set; their failure is timed too
            pass
    return len(files), time.perf_counter() - start


def subset(root: Path, count: int, where: Path) -> Path:
    """A root holding the first ``count`` Pemda folders of ``root`` (symlinks)."""
    sub = where / f"akar_{count}"
    sub.mkdir()
    for folder in sorted(p for p in root.iterdir() if p.is_dir())[:count]:
        (sub / folder.name).symlink_to(folder.resolve(), target_is_directory=True)
    return sub


class LocalCluster:
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, as the test starts."""

    def __init__(self, folder: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        info = folder / "scheduler.json"
        self.procs = [
            subprocess.Popen(
                [
                    *(str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0"),
                    *("--no-dashboard", "--scheduler-file", str(info)),
                ],
                cwd=folder,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        ]
        while not info.exists() or not info.read_text().strip():
            time.sleep(0.2)
        self.address = json.loads(info.read_text())["address"]
        for i in range(2):
            self.procs.append(
                subprocess.Popen(
                    [
                        *(str(DASK), "worker", self.address, "--nthreads", "1"),
                        *("--no-dashboard", "--host", "127.0.0.1"),
                        *("--local-directory", str(folder / f"w{i}")),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("root", type=Path, help="a root made by build_national_demo.py")
    parser.add_argument("--sizes", default="50,150,542", help="Pemda counts (default 50,150,542)")
    parser.add_argument("--workers", type=int, default=0, help="local pool size (default: cores)")
    parser.add_argument("--per-pemda", action="store_true", help="also write per-Pemda outputs")
    parser.add_argument("--dask-local", action="store_true", help="run on a local Dask cluster")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args()
    available = len(discover(args.root))
    sizes = [min(int(s), available) for s in args.sizes.split(",")]
    extra = ["--workers", str(args.workers)] if args.workers else []
    extra += ["--per-pemda"] if args.per_pemda else []
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-nasional-") as tmp:
        where = Path(tmp)
        cluster = LocalCluster(where) if args.dask_local else None
        try:
            for n in sizes:
                sub = subset(args.root, n, where)
                folders = [sub / f.folder for f in discover(sub)]
                load_before = round(os.getloadavg()[0], 2)
                files, raw = raw_read(folders)
                run_extra = [*extra, "--dask", cluster.address] if cluster else extra
                watch = [p.pid for p in cluster.procs] if cluster else []
                stolen = steal_seconds()
                wall, meter, _ = run_nasional(sub, where / f"keluaran_{n}", run_extra, watch)
                after = steal_seconds()
                manifest = json.loads((where / f"keluaran_{n}" / "manifest.json").read_text())
                seconds = [p["detik"] for p in manifest["pemda"] if p.get("detik")]
                rows.append(
                    {
                        "pemda": n,
                        "berkas": files,
                        "detik": round(wall, 1),
                        "berkas_per_detik": round(files / wall, 1),
                        "puncak_mib": round(meter.peak / 2**20),
                        "puncak_pss_mib": round(meter.peak_pss / 2**20),
                        "puncak_utama_mib": round(meter.peak_top / 2**20),
                        "cpu_detik": round(meter.cpu_seconds(), 1),
                        "calamine_detik": round(raw, 2),
                        "detik_per_pemda_median": round(statistics.median(seconds), 3)
                        if seconds
                        else None,
                        "detik_per_pemda_maks": round(max(seconds), 3) if seconds else None,
                        "pelaksana": manifest["pelaksana"],
                        "beban": [load_before, round(os.getloadavg()[0], 2)],
                        "curi_detik": round(after - stolen, 1)
                        if after is not None and stolen is not None
                        else None,
                    }
                )
        finally:
            if cluster:
                cluster.close()
    print(
        f"{'Pemda':>6} {'berkas':>7} {'wall s':>8} {'berkas/s':>9} {'puncak MiB':>11} "
        f"{'PSS MiB':>8} {'utama MiB':>10} {'CPU s':>8} {'calamine s':>11} {'s/Pemda med':>12} "
        f"{'s/Pemda maks':>13} {'beban':>11} {'curi s':>7}  pelaksana"
    )
    for r in rows:
        print(
            f"{r['pemda']:>6} {r['berkas']:>7} {r['detik']:>8.1f} {r['berkas_per_detik']:>9.1f} "
            f"{r['puncak_mib']:>11} {r['puncak_pss_mib']:>8} {r['puncak_utama_mib']:>10} "
            f"{r['cpu_detik']:>8.1f} "
            f"{r['calamine_detik']:>11.2f} "
            f"{r['detik_per_pemda_median'] or 0:>12.3f} {r['detik_per_pemda_maks'] or 0:>13.3f}"
            f" {'→'.join(map(str, r['beban'])):>11}"
            f" {'-' if r['curi_detik'] is None else r['curi_detik']:>7}  {r['pelaksana']}"
        )
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
