"""A national (or province) run: every Pemda folder under a root, on any executor.

:func:`run_nasional` finds the Pemda (:mod:`~pipeline.nasional.layout`), sends them in batches
to the executor (:mod:`~pipeline.nasional.executor`; each batch runs
:func:`~pipeline.nasional.work.run_batch`, the same library run ``report`` uses), spools each
Pemda's typed tables as they come back, and writes the national outputs: the workbook, one
Parquet file per table, the charts and a manifest. A batch that fails (a worker process died, a
bug) is run again one Pemda at a time, so only the Pemda that fails alone is reported as failed.
A local pool whose worker dies fails every task it holds, the other workers' and the queued ones
too: such Pemda run again after the others with nothing else running, halved until the one that
stops its worker runs alone.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import math
import platform
import re
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from pipeline import __version__
from pipeline.atomic import (
    atomic_path,
    clean_staging,
    output_failure,
    staged_folder,
    write_text,
)
from pipeline.ingest import os_reason
from pipeline.isolate import Limits, ignore_interrupt, interrupt_deferred
from pipeline.nasional import summary
from pipeline.nasional.executor import (
    EnvironmentProblem,
    Executor,
    cores,
    owner,
    pool_context,
    watch_owner,
)
from pipeline.nasional.layout import (
    INPUT_FOLDER,
    SPEC_FOLDER,
    PemdaFolder,
    discover,
    national_year,
)
from pipeline.nasional.progress import LOOKING, WRITING, Progress
from pipeline.nasional.tables import Spool, to_arrow, with_pandas_types
from pipeline.nasional.work import GAGAL, TABLES, TIDAK_DIJALANKAN, PemdaPart, not_run, run_batch

MAX_BATCH = 20  # Pemda per task: enough to share the suites' fixed cost, small enough to balance
# Pemda that stopped their worker even when run alone, none having come back, after which the
# run stops: it is the workers (their memory limit), not the Pemda, and a set of failed rows
# would replace the last good one.
DEATHS_ALONE = 3
MIN_BATCH = 4  # the last tasks' size (a task also has fixed costs: the suites, starting to read)
CHARTS = "charts"


class NoPemda(Exception):
    """The root holds no Pemda folder (or does not exist): one Indonesian sentence."""


@dataclass
class NationalRun:
    """What a national run did and wrote."""

    tahun: str
    pemda: pd.DataFrame
    head: dict[str, Any]
    paths: dict[str, Path]
    seconds: float
    executor: str
    dashboard: str = ""
    rows: dict[str, int] = field(default_factory=dict)
    folder_rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # by folder order
    folder_seconds: dict[int, float] = field(default_factory=dict)


def batches(folders: list[PemdaFolder], workers: int, size: int = 0) -> list[list[PemdaFolder]]:
    """Consecutive groups of Pemda, run in this order: ``size`` each, or by default groups that
    shrink as the Pemda left do (a third of what each worker has left, between
    :data:`MIN_BATCH` and :data:`MAX_BATCH`), so the last tasks are small and no worker waits
    long for another at the end."""
    if not folders:
        return []
    if size > 0:
        return [folders[i : i + size] for i in range(0, len(folders), size)]
    out, start = [], 0
    while start < len(folders):
        left = len(folders) - start
        size = max(MIN_BATCH, min(MAX_BATCH, math.ceil(left / (max(1, workers) * 3))))
        out.append(folders[start : start + size])
        start += size
    return out


def scope_of(pemda: pd.DataFrame) -> str:
    """``Provinsi X`` when every Pemda is in one province, else ``Nasional``."""
    codes = set(pemda["kode_provinsi"])
    if len(codes) == 1 and "" not in codes:
        return f"Provinsi {summary.province_name(pemda['nama_provinsi']) or codes.pop()}"
    return "Nasional"


# When no folder's spec could be read, the year is unknown: said so, never a blank or 2000.
NO_YEAR = "tahun laporan belum diketahui"


def workbook_name(tahun: str) -> str:
    """``nasional_<tahun>.xlsx`` (``nasional_tanpa_tahun.xlsx`` when no year is known)."""
    return f"nasional_{tahun or 'tanpa_tahun'}.xlsx"


def title_of(pemda: pd.DataFrame, tahun: str) -> str:
    """``Konsolidasi … Provinsi X`` when every Pemda is in one province, else national."""
    scope = scope_of(pemda)
    year = f"Tahun {tahun}" if tahun else f"({NO_YEAR})"
    if scope == "Nasional":
        return f"Konsolidasi Nasional Capaian Kinerja Pemda {year}"
    return f"Konsolidasi Capaian Kinerja Pemda {scope} {year}"


def run_nasional(
    root: Path,
    output: Path,
    executor: Executor,
    limits: Limits | None = None,
    per_pemda: bool = False,
    progress_to: TextIO | None = None,
    batch_size: int = 0,
) -> NationalRun:
    """Run every Pemda under ``root`` and write the national outputs into ``output``.

    ``progress_to`` (e.g. ``sys.stderr``) gets a progress line when it is a terminal;
    ``batch_size`` overrides how many Pemda one task runs (see :func:`batches`). The executor
    is closed once every Pemda is in, before the national outputs are written.
    """
    started = time.perf_counter()
    root, output = Path(root), Path(output)
    if not root.is_dir():
        raise NoPemda(f"Folder {root} tidak ada atau bukan folder.")
    progress = Progress(0, 0, progress_to, enabled=None if progress_to is not None else False)
    try:
        progress.set_stage(LOOKING)  # first: the note below redraws the line ("Pemda 0/0")
        if executor.dashboard:
            progress.note(f"Dasbor Dask: {executor.dashboard}")
        return _run(
            root, output, executor, limits or Limits(), per_pemda, batch_size, progress, started
        )
    finally:
        progress.close()


def _run(
    root: Path,
    output: Path,
    executor: Executor,
    limits: Limits,
    per_pemda: bool,
    batch_size: int,
    progress: Progress,
    started: float,
) -> NationalRun:
    try:
        folders = discover(root)
    except OSError as exc:  # the root itself cannot be listed
        raise NoPemda(f"Folder {root} tidak dapat dibuka ({os_reason(exc)}).") from None
    if not any(not f.problem for f in folders) and _is_one_pemda(root):
        raise NoPemda(
            f"Folder {root} adalah folder satu Pemda (berisi master/ atau input_xlsx/), bukan "
            f"root: berikan folder di atasnya, {root.parent} (--root, ROOT=…), yang berisi satu "
            "folder per Pemda, atau jalankan make report untuk Pemda ini saja."
        )
    if not folders:
        raise NoPemda(
            f"Tidak ada folder Pemda di {root}: setiap Pemda berada di foldernya sendiri, "
            "berisi master/<spec>.xlsx dan input_xlsx/."
        )
    tahun = national_year(folders)
    progress.begin(len(folders), sum(f.files for f in folders))
    clean_staging(output)
    made = _made_names(folders, tahun, per_pemda) | _earlier_pemda_sets(output)
    with staged_folder(output, keep=lambda name: name not in made) as staging:
        run = _run_into(staging, folders, tahun, executor, limits, per_pemda, batch_size, progress)
        run.seconds = time.perf_counter() - started
        _manifest(staging, run, folders)
    run.paths = {k: output / v.relative_to(staging) for k, v in run.paths.items()}
    return run


def _is_one_pemda(root: Path) -> bool:
    """``root`` is itself laid out as one Pemda (``master/`` or ``input_xlsx/``, any case)."""
    try:
        names = {p.name.casefold() for p in root.iterdir() if p.is_dir()}
    except OSError:
        return False
    return bool(names & {SPEC_FOLDER, INPUT_FOLDER})


def _earlier_pemda_sets(output: Path) -> set[str]:
    """The per-Pemda folders (``--per-pemda``) the last national run in ``output`` wrote: a
    folder named by a Kode Pemda its manifest lists and holding a report's own manifest. They
    are replaced by this run's, or dropped (a Pemda no longer in the root left its old report
    beside the new set, listed nowhere)."""
    try:
        listed = json.loads((output / "manifest.json").read_text(encoding="utf-8"))["pemda"]
        codes = {str(p.get("kode_pemda") or "") for p in listed}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return set()
    return {
        code
        for code in codes
        if code
        and "/" not in code
        and not code.startswith(".")
        and (output / code / "manifest.json").is_file()
    }


def _made_names(folders: list[PemdaFolder], tahun: str, per_pemda: bool) -> set[str]:
    """The entries of the output folder a run writes (the others stay: other years' sets)."""
    names = {f"{name}.parquet" for name in (*TABLES, "pemda")}
    names |= {workbook_name(tahun), CHARTS, "manifest.json"}
    if per_pemda:
        names |= {f.kode_pemda for f in folders if f.kode_pemda}
    return names


def _run_into(
    output: Path,
    folders: list[PemdaFolder],
    tahun: str,
    executor: Executor,
    limits: Limits,
    per_pemda: bool,
    batch_size: int,
    progress: Progress,
) -> NationalRun:
    """Every Pemda run and the national outputs written into ``output`` (a staging folder)."""
    target = str(output.resolve()) if per_pemda else ""
    rows: dict[int, dict[str, Any]] = {}
    seconds: dict[int, float] = {}
    rules: dict[int, list[tuple[str, str, str, int, str]]] = {}
    with tempfile.TemporaryDirectory(prefix="nasional-") as tmp:
        spools = {name: Spool(Path(tmp), name) for name in TABLES}

        def collect(part: PemdaPart) -> None:
            rows[part.order] = part.row
            seconds[part.order] = part.seconds
            rules[part.order] = [(part.row["kode_pemda"], *r) for r in part.rules]
            for name, table in part.tables.items():
                spools[name].add(part.order, table)

        runnable = [f for f in folders if not f.problem]
        for f in folders:
            if f.problem:
                collect(not_run(f, TIDAK_DIJALANKAN, f.problem))
                progress.advance(1, f.files)
        pending = {
            executor.submit(run_batch, batch, limits, target): batch
            for batch in batches(runnable, executor.workers, batch_size)
        }
        came_back = died_alone = 0  # Pemda run; Pemda that stopped their worker when alone
        # A local pool whose worker dies fails every task it holds, queued ones too: the Pemda
        # of a task failed so wait, and run again after the others, in batches run one at a
        # time with nothing else running; such a batch failing so is halved, until the Pemda
        # that stops its worker runs alone.
        waiting: list[PemdaFolder] = []
        apart: deque[list[PemdaFolder]] = deque()
        solo = None  # the future of the batch running apart
        while pending or waiting or apart:
            if not pending:
                apart.extend(batches(sorted(waiting, key=lambda f: f.order), 1))
                waiting = []
                batch = apart.popleft()
                solo = executor.submit(run_batch, batch, limits, target)
                pending[solo] = batch
            future = executor.first_done(list(pending))
            batch = pending.pop(future)
            try:
                parts: list[PemdaPart] = executor.result(future)
                came_back += len(parts)
            except Exception as exc:  # a dead worker or a bug: retry each Pemda on its own
                if output_failure(exc) is not None:  # the output's disk: no Pemda would do
                    raise
                if isinstance(exc, EnvironmentProblem):  # the cluster itself: none would do
                    raise
                broken_pool = isinstance(exc, cf.BrokenExecutor)
                if broken_pool and future is not solo:  # any of the pool's workers died
                    waiting.extend(batch)
                    continue
                if broken_pool and len(batch) > 1:  # one of these stopped its worker
                    half = len(batch) // 2
                    apart.extendleft([batch[half:], batch[:half]])  # the first half first
                    continue
                if len(batch) > 1:
                    for f in batch:
                        pending[executor.submit(run_batch, [f], limits, target)] = [f]
                    continue
                all_died = executor.worker_died(exc)
                died_alone += bool(all_died)
                if all_died and not came_back and died_alone >= min(DEATHS_ALONE, len(runnable)):
                    # not these Pemda: the workers themselves (a memory limit too small)
                    raise EnvironmentProblem(all_died) from None
                reason = (
                    "menghentikan worker yang menjalankannya (kehabisan memori?)"
                    if all_died
                    else f"gagal diproses ({type(exc).__name__})"
                )
                parts = [
                    not_run(
                        batch[0],
                        GAGAL,
                        f"Pemda ini {reason}, juga saat diulang sendiri; Pemda lain tidak "
                        "terpengaruh.",
                    )
                ]
            for part in parts:
                collect(part)
            progress.advance(len(parts), sum(f.files for f in batch))
        progress.set_stage(WRITING)
        # Every Pemda is in: let the workers go, so a local pool's processes (each with the
        # whole pipeline loaded) do not sit idle in memory while the outputs are written.
        executor.close()
        ordered = [rows[o] for o in sorted(rows)]
        written = _write(
            output,
            tahun,
            ordered,
            [r for o in sorted(rules) for r in rules[o]],
            spools,
        )
    return NationalRun(
        tahun=tahun,
        pemda=written.pemda,
        head=written.head,
        paths=written.paths,
        seconds=0.0,
        executor=executor.description,
        dashboard=executor.dashboard,
        rows=written.rows,
        folder_rows=rows,
        folder_seconds=seconds,
    )


@dataclass
class _Written:
    pemda: pd.DataFrame
    head: dict[str, Any]
    paths: dict[str, Path]
    rows: dict[str, int]


def _write(
    output: Path,
    tahun: str,
    rows: list[dict[str, Any]],
    rules: list[tuple[str, str, str, int, str]],
    spools: dict[str, Spool],
) -> _Written:
    """The national outputs. The Parquet tables and the charts are written by a few helper
    processes (each a job of its own) while this process writes the workbook: at hundreds of
    Pemda they take seconds each, and once the Pemda are run the cores are free."""
    from pipeline.workbook.nasional import write_national_workbook  # noqa: PLC0415

    scale = summary.national_scale()
    pemda = summary.pemda_table(rows)
    head = summary.headline(pemda, scale)
    title = title_of(pemda, tahun)
    of_year = f"tahun {tahun}" if tahun else NO_YEAR
    paths: dict[str, Path] = {}
    counts: dict[str, int] = {}
    folder = output / CHARTS
    folder.mkdir(parents=True, exist_ok=True)
    for stale in [*folder.glob("peringkat_*.png"), folder / "distribusi_capaian_pemda.png"]:
        stale.unlink(missing_ok=True)
    charts: dict[str, tuple[Path, str, tuple[Any, ...]]] = {
        "chart_distribusi": (
            folder / "distribusi_capaian_pemda.png",
            "distribution",
            (
                summary.histogram(pemda, scale),
                scale,
                f"Sebaran rata-rata capaian {head['pemda_dinilai']} Pemda, {of_year}",
            ),
        )
    }
    ranked = summary.ranking(pemda)
    for kode, frame in ranked.items():
        name = summary.province_name(frame["nama_provinsi"]) if kode else ""
        if kode:
            where, stem = f"Provinsi {name or kode}", _chart_stem(kode, charts)
        elif len(ranked) > 1:
            where, stem = "Pemda tanpa kode provinsi", "tanpa_provinsi"
        else:
            where, stem = "seluruh Pemda", "pemda"
        charts[f"chart_peringkat_{stem}"] = (
            folder / f"peringkat_{stem}.png",
            "ranking",
            (frame, f"Peringkat rata-rata capaian Pemda, {where}, {of_year}"),
        )
    tables = {name: output / f"{name}.parquet" for name in spools}
    with _helpers(len(tables) + len(charts)) as pool:
        # a pool starts its processes as the jobs are given (in-process jobs run at once)
        with interrupt_deferred() if isinstance(pool, cf.ProcessPoolExecutor) else nullcontext():
            # the largest first: the indicator table, then the rankings with the most bars
            table_jobs = {
                name: pool.submit(_write_table, spools[name], target)
                for name, target in sorted(tables.items(), key=lambda t: t[0] != "indikator")
            }
            chart_jobs = [pool.submit(_draw, p, kind, a) for p, kind, a in charts.values()]
        target = output / "pemda.parquet"
        with atomic_path(target) as tmp:
            import pyarrow.parquet as pq  # noqa: PLC0415

            table = to_arrow(pemda.drop(columns=["warna_predikat"]), {})
            table = table.replace_schema_metadata(with_pandas_types(table.schema).metadata)
            pq.write_table(table, str(tmp), compression="zstd")
        workbook = write_national_workbook(
            output / workbook_name(tahun),
            pemda,
            head,
            summary.distribution(pemda, scale),
            summary.provinces(pemda, scale),
            summary.data_quality(rules),
            scale,
            title,
            scope_of(pemda),
            int(tahun) if tahun.isdigit() else 0,
        )
        for name in spools:
            counts[name] = table_jobs[name].result()
            paths[name] = tables[name]
        paths["pemda"] = target
        counts["pemda"] = len(pemda)
        paths["workbook"] = workbook
        for job in chart_jobs:
            job.result()
    for key, (path, _, _) in charts.items():
        paths[key] = path
    return _Written(pemda, head, paths, counts)


def _chart_stem(kode: str, taken: dict[str, Any]) -> str:
    """A province code as part of a chart's file name: letters, digits, ``_`` and ``-`` only,
    at most 40 characters, and never another province's (``1.1`` and ``1/1`` both read
    ``1_1``): such a name, or a shortened one, ends with the code's own digest."""
    stem = re.sub(r"[^0-9A-Za-z_-]", "_", kode)
    if len(stem) > 40 or f"chart_peringkat_{stem}" in taken or stem in ("pemda", "tanpa_provinsi"):
        stem = f"{stem[:31]}_{hashlib.sha256(kode.encode()).hexdigest()[:8]}"
    return stem


HELPERS = 2  # processes writing the national tables and charts (at most the cores)


@contextmanager
def _helpers(jobs: int) -> Iterator[cf.Executor]:
    """Processes for the output jobs (started from the pipeline's forkserver; each imports
    matplotlib once, on its first chart), or this process itself for a single job."""
    count = min(HELPERS, cores(), jobs)
    if count <= 1:
        with _InProcess() as own:
            yield own
        return
    with cf.ProcessPoolExecutor(
        count, mp_context=pool_context(), initializer=_helper_start, initargs=owner()
    ) as pool:
        yield pool


def _helper_start(pid: int, started: float) -> None:
    """An output helper ends with the command (:func:`watch_owner`) and leaves Ctrl-C to it."""
    ignore_interrupt()
    watch_owner(pid, started)


class _InProcess(cf.Executor):
    """Runs each job at once, here (the same interface as a pool)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        future: cf.Future[Any] = cf.Future()
        future.set_result(fn(*args, **kwargs))
        return future


def _write_table(spool: Spool, target: Path) -> int:
    """One table's spooled parts into its Parquet file; returns the number of rows."""
    with atomic_path(target) as tmp:
        return spool.write_parquet(tmp)


def _draw(path: Path, kind: str, args: tuple[Any, ...]) -> None:
    """One national chart (``distribution`` or ``ranking`` of :mod:`pipeline.nasional.charts`)
    drawn and saved as PNG."""
    # Deferred: matplotlib costs ~0.5 s to import; only the national charts need it.
    from pipeline.charts import plt, save_png  # noqa: PLC0415
    from pipeline.nasional import charts  # noqa: PLC0415

    fig = getattr(charts, kind)(*args)
    with atomic_path(path) as tmp:
        save_png(fig, tmp)
    plt.close(fig)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "sakip-pipeline": __version__}
    for lib in ("pandas", "pyarrow", "great_expectations", "dask", "distributed"):
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "?"
    return out


def _manifest(output: Path, run: NationalRun, folders: list[PemdaFolder]) -> None:
    """``manifest.json``: the run, its libraries and each folder's row (by its place in the
    root, never by its shown name: two names may show alike)."""
    rows, seconds = run.folder_rows, run.folder_seconds
    manifest = {
        "pipeline": __version__,
        "tahun": run.tahun,
        "pelaksana": run.executor,
        "detik": round(run.seconds, 2),
        "versi_pustaka": _versions(),
        "pemda": [
            {
                "folder": f.folder,
                "kode_pemda": str(rows[f.order].get("kode_pemda") or ""),
                "status": str(rows[f.order].get("status") or ""),
                "berkas": f.files,
                "spec_sha256": str(rows[f.order].get("spec_sha256") or ""),
                "detik": round(seconds.get(f.order, 0.0), 3),
            }
            for f in folders
        ],
        "baris": run.rows,
        "keluaran": {k: str(v.relative_to(output)) for k, v in run.paths.items()},
    }
    path = output / "manifest.json"
    write_text(path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    run.paths["manifest"] = path
