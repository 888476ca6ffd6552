"""The work one executor task does: run a batch of Pemda, hand back each Pemda's national part.

A plain function of its inputs (:func:`run_batch`), so a local process pool and a Dask worker
run the same code. Inside, the Pemda of the batch share the fixed costs of a run: the master
spec suite, the value suites and the computed-results suite each run once over all of them
(:mod:`pipeline.run`), while every Pemda's numbers stay those of its own ``report``. The input
files are read in isolated reader processes with the per-file limits, wherever this runs.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.atomic import output_failure
from pipeline.isolate import Limits, ignore_interrupt, start_server
from pipeline.issues import ERROR, INFO, WARNING, Issue, issues_frame
from pipeline.master import MasterSpec, read_masters
from pipeline.nasional.executor import watch_owner
from pipeline.nasional.layout import PemdaFolder
from pipeline.nasional.tables import key_values, to_arrow
from pipeline.run import (
    Prepared,
    Run,
    check_values,
    finish,
    prepare,
    spec_mismatch,
    start_ingests,
)
from pipeline.sanitize import visible
from pipeline.suites import great_expectations

TABLES = ("indikator", "anggaran", "validasi", "berkas")
READ_BATCH = 8  # files a batch's reader process is handed at a time

# What a Pemda row says about the Pemda as a whole.
FINAL = "FINAL"
DRAFT = "DRAFT"
DITOLAK = "spec ditolak"
TIDAK_DIJALANKAN = "tidak dijalankan"
GAGAL = "gagal diproses"

# One batch at a time per process: a Dask worker may run tasks in several threads, and the
# run (great-expectations, matplotlib for --per-pemda) is not written for that.
_ONE_AT_A_TIME = threading.Lock()


# A pool worker's garbage collector: the youngest generation collected after this many new
# objects instead of 700. A Pemda's run makes and drops hundreds of thousands of small objects
# (pandas frames, issues); at the default, collections cost about a tenth of the worker's time.
GC_THRESHOLD = (20_000, 20, 20)


def start_worker(owner: int = 0, owner_started: float = 0.0) -> None:
    """A local pool worker's start: it ends itself when ``owner`` (the process that started
    the pool) is gone (:func:`~pipeline.nasional.executor.watch_owner`); the server its reader
    processes fork from started (it loads the reader meanwhile), great-expectations set up
    once for every batch it will run, then everything loaded so far (the libraries, the
    suites) left out of garbage collection, which then runs less often
    (:data:`GC_THRESHOLD`). Each Pemda's numbers are unchanged."""
    ignore_interrupt()
    if owner:
        watch_owner(owner, owner_started)
    start_server()
    great_expectations()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


class RunEnded(Exception):
    """The run a batch was for has ended: its staging folder (``--per-pemda``) is gone."""


@dataclass
class PemdaPart:
    """One Pemda's contribution to the national outputs (small: sent back by the executor)."""

    order: int
    folder: str
    row: dict[str, Any]
    tables: dict[str, pa.Table] = field(default_factory=dict)
    rules: list[tuple[str, str, int, str]] = field(default_factory=list)
    seconds: float = 0.0


def run_batch(folders: list[PemdaFolder], limits: Limits, per_pemda: str = "") -> list[PemdaPart]:
    """Run every Pemda of ``folders`` as its own ``report`` would; return their parts.

    ``per_pemda`` (an output folder) also writes each Pemda's full outputs under
    ``<per_pemda>/<kode_pemda>/``. A Pemda whose spec is refused is one part with the reason.
    """
    with _ONE_AT_A_TIME:
        return _run_batch(folders, limits, per_pemda)


def _run_batch(folders: list[PemdaFolder], limits: Limits, per_pemda: str) -> list[PemdaPart]:
    started = time.perf_counter()
    parts: dict[int, PemdaPart] = {}
    own: dict[int, float] = {}
    runnable = [f for f in folders if not f.problem and f.spec is not None]
    for f in folders:
        if f not in runnable:
            parts[f.order] = not_run(f, TIDAK_DIJALANKAN, f.problem)
    # One reader process for the whole batch (the pool runs several batches at once): it reads
    # the Pemda's files one folder after the other, from the start, while the specs are checked
    # and each Pemda waits only for its own files. Handed a few files at a time, so that a
    # file that kills it sends only those few to be read again one by one.
    one_reader = replace(limits, workers=1, batch=limits.batch or READ_BATCH)
    batch_reading, ingests = start_ingests([f.input_dir for f in runnable], one_reader)
    try:
        specs = read_masters([f.spec for f in runnable if f.spec is not None])
        prepared: list[tuple[PemdaFolder, Prepared]] = []
        for f, ingest, (spec, spec_issues) in zip(runnable, ingests, specs, strict=True):
            if spec is None:  # its files are read all the same (the reading is shared)
                parts[f.order] = refused(f, spec_issues)
                continue
            if spec.kode_pemda != f.kode_pemda:  # the folder was checked (unique, safe) by that
                parts[f.order] = not_run(f, TIDAK_DIJALANKAN, other_code(f, spec))
                continue
            t = time.perf_counter()
            prepared.append((f, prepare(spec, f.input_dir, ingest=ingest)))
            own[f.order] = time.perf_counter() - t
    finally:
        batch_reading.cancel()
    runs = finish(check_values([p for _, p in prepared]))
    for (f, _), run in zip(prepared, runs, strict=True):
        t = time.perf_counter()
        # as ``report`` refuses it (exit code 12): no row of numbers, no report of its own
        where = _MISMATCH.format(visible(run.spec.path.name), visible(f.input_dir.name))
        mismatch = spec_mismatch(run, where)
        if mismatch:
            parts[f.order] = not_run(f, TIDAK_DIJALANKAN, mismatch)
            own[f.order] = own.get(f.order, 0.0) + time.perf_counter() - t
            continue
        if per_pemda:
            from pipeline.outputs import write_outputs  # noqa: PLC0415  # matplotlib: only here

            if not Path(per_pemda).is_dir():
                # The run is over (Ctrl-C, its scheduler lost): a Dask worker finishes a batch
                # its client gave up on, and writing would make the removed staging folder again
                # beside the output, holding these reports.
                raise RunEnded(per_pemda)

            try:
                write_outputs(run, Path(per_pemda) / run.spec.kode_pemda)
            except Exception as exc:  # a full or read-only disk ends the run, not this Pemda
                failure = output_failure(exc)
                if failure is None:
                    raise
                raise OSError(failure.errno, failure.strerror, str(per_pemda)) from None
        parts[f.order] = part_of(f, run)
        own[f.order] = own.get(f.order, 0.0) + time.perf_counter() - t
    shared = (time.perf_counter() - started - sum(own.values())) / max(1, len(prepared))
    for order, seconds in own.items():
        parts[order].seconds = seconds + shared
    return [parts[f.order] for f in folders]


# How a Pemda whose input files are all another Pemda's or year's is told to look again.
_MISMATCH = (
    "master spec ({}) atau berkas di folder {}/ salah tempat; periksa keduanya. Pemda ini "
    "tidak dinilai."
)


def _base_row(f: PemdaFolder, spec: MasterSpec | None) -> dict[str, Any]:
    pemda = spec.pemda if spec is not None else {}
    return {
        "folder": f.folder,
        "kode_pemda": str(pemda.get("kode_pemda", f.kode_pemda)),
        "nama_pemda": str(pemda.get("nama_pemda", f.nama_pemda)),
        "kode_provinsi": str(pemda.get("kode_provinsi", f.kode_provinsi) or ""),
        "nama_provinsi": str(pemda.get("nama_provinsi", f.nama_provinsi) or ""),
        "tahun": spec.tahun if spec is not None else (int(f.tahun) if f.tahun.isdigit() else None),
        "berkas_ditemukan": f.files,
    }


def not_run(f: PemdaFolder, status: str, reason: str) -> PemdaPart:
    """A folder that could not be run: one row with its reason, nothing else."""
    row = {**_base_row(f, None), "status": status, "alasan": reason}
    return PemdaPart(f.order, f.folder, row)


def other_code(f: PemdaFolder, spec: MasterSpec) -> str:
    """Why a Pemda whose spec, read in full, names another Kode Pemda than the folder check
    read from it is not run: its outputs would be named by a code nobody checked."""
    return (
        f"Kode Pemda di master spec terbaca '{spec.kode_pemda}', sedangkan pemeriksaan folder "
        f"membacanya '{f.kode_pemda or '(kosong)'}'; periksa sheet pemda di {spec.path.name}."
    )


def refused(f: PemdaFolder, issues: list[Issue]) -> PemdaPart:
    """A Pemda whose master spec was refused: its row and the spec's issues."""
    errors = [i for i in issues if i.severity == ERROR]
    first = errors[0] if errors else None
    reason = f"{len(errors)} ERROR di master spec" + (
        f"; pertama: {first.location}: {first.message}" if first else ""
    )
    row = {
        **_base_row(f, None),
        "status": DITOLAK,
        "alasan": reason,
        "jumlah_error": len(errors),
        "jumlah_warning": sum(i.severity == WARNING for i in issues),
        "jumlah_info": sum(i.severity == INFO for i in issues),
    }
    front = key_values(row["kode_pemda"], row["kode_provinsi"], row["tahun"])
    validasi = issues_frame(issues)
    return PemdaPart(
        f.order,
        f.folder,
        row,
        {"validasi": to_arrow(validasi, {**front, "folder": f.folder})},
        _rules(validasi),
    )


def _rules(issues: Any) -> list[tuple[str, str, int, str]]:
    """How often each rule fired in this Pemda, with its first message as an example."""
    if issues.empty:
        return []
    keys = list(zip(issues["rule"], issues["severity"], strict=True))
    first: dict[tuple[str, str], object] = {}
    for key, message in zip(keys, issues["message"], strict=True):
        first.setdefault(key, message)
    return [
        (rule, sev, n, str(first[(rule, sev)])) for (rule, sev), n in sorted(Counter(keys).items())
    ]


def draft_reason(issues: Any) -> str:
    """Why a report is a DRAFT: its ERRORs by rule (the most frequent first, equally frequent
    ones by name), and the OPDs that hold them."""
    errors = issues[issues["severity"] == ERROR] if not issues.empty else issues
    if errors.empty:
        return ""
    by_rule = sorted(Counter(map(str, errors["rule"])).items(), key=lambda r: (-r[1], r[0]))
    rules = ", ".join(f"{rule} ×{n}" for rule, n in by_rule[:3])
    more = f" dan {len(by_rule) - 3} aturan lain" if len(by_rule) > 3 else ""
    opd = sorted(o for o in errors["kode_opd"].unique() if o)
    holders = f" di {len(opd)} OPD ({', '.join(opd[:5])}{', …' if len(opd) > 5 else ''})"
    # an ERROR of no OPD (a file nobody's, the spec): counted apart, not in the OPDs'
    apart = int((errors["kode_opd"] == "").sum())
    if opd and apart:
        holders += f" dan {apart} tanpa OPD"
    return f"{len(errors)} ERROR{holders if opd else ''}: {rules}{more}"


def part_of(f: PemdaFolder, run: Run) -> PemdaPart:
    """What one run contributes to the national outputs."""
    from pipeline.outputs import run_info  # noqa: PLC0415

    spec, res, issues = run.spec, run.results, run.issues
    info, _ = run_info(run)
    k = res.keseluruhan
    eff = res.efisiensi_keseluruhan()
    sev = Counter(str(s) for s in issues["severity"]) if not issues.empty else Counter[str]()
    row = {
        **_base_row(f, spec),
        "status": DRAFT if run.has_errors else FINAL,
        "alasan": draft_reason(issues),
        "rata_rata_capaian": k["rata_rata_capaian"],
        "predikat": k["predikat"],
        "warna_predikat": spec.settings.skala.colour(str(k["predikat"])),
        "skala": spec.settings.skala.judul,
        "metode": k["metode"],
        "jumlah_indikator": k["jumlah_indikator"],
        "jumlah_dinilai": k["jumlah_dinilai"],
        "belum_lapor": k["belum_lapor"],
        "tidak_dapat_dihitung": k["tidak_dapat_dihitung"],
        "pagu": k["pagu"],
        "pagu_dilaporkan": k["pagu_dilaporkan"],
        "realisasi_anggaran": k["realisasi_anggaran"],
        "serapan": k["serapan"],
        "efisiensi": eff.get("efisiensi"),
        "kategori_efisiensi": eff.get("kategori_efisiensi", ""),
        "opd_total": info.opd_total,
        "opd_kirim": info.opd_submitted,
        "opd_terlambat": info.opd_late,
        "opd_belum": info.opd_missing,
        "opd_ditolak": info.opd_rejected,
        "opd_tanpa_realisasi": info.opd_blank,
        "berkas_ditemukan": info.files_found,
        "berkas_diterima": info.files_accepted,
        "berkas_ditolak": info.files_rejected,
        "berkas_diabaikan": info.files_ignored,
        "berkas_digantikan": info.files_superseded,
        "jumlah_error": int(sev.get(ERROR, 0)),
        "jumlah_warning": int(sev.get(WARNING, 0)),
        "jumlah_info": int(sev.get(INFO, 0)),
        "spec_file": spec.path.name,
        "spec_sha256": spec.sha256,
    }
    front = key_values(spec.kode_pemda, row["kode_provinsi"], spec.tahun)
    tables = {
        "indikator": to_arrow(res.indikator, front),
        "anggaran": to_arrow(res.program, front),
        "validasi": to_arrow(issues, {**front, "folder": f.folder}),
        "berkas": to_arrow(run.validated.berkas, front),
    }
    return PemdaPart(f.order, f.folder, row, tables, _rules(issues))
