"""One Pemda's run as a library function: ingest → validate → join targets → score.

``report``, ``check`` and every later command (and the tests and notebooks) call
:func:`run_pemda`; nothing here prints or decides an exit code. Writing the outputs is
:mod:`pipeline.outputs`.

The run is staged so that many Pemda can share its fixed costs (the great-expectations
suites): :func:`prepare` reads one Pemda's files and checks them file by file,
:func:`check_values` runs the value suites once over the rows of every Pemda it is given and
maps each failure back to its Pemda's cell, :func:`finish` does the cross-file checks, scores
and runs the computed-results suite once over them all. One Pemda alone is
``finish(check_values([prepare(...)]))``; ``nasional`` gives them many at once, and each Pemda's
results are the same numbers either way.

``report`` and ``check`` call :func:`load_and_run`: the files are read by a pool of worker
processes that starts first; while they read, this process imports great-expectations and
reads and checks the master spec (the slowest part of a small run), and only then waits for
the files.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from pipeline.ingest import Submission, is_candidate, scan_inputs
from pipeline.isolate import Limits, Progress, Reading, ReadingPart, start_reading
from pipeline.issues import ERROR, Issue, issues_frame
from pipeline.master import MasterSpec, read_master
from pipeline.renja import E81, build_e81, e81_scale, triwulan_of
from pipeline.score import ResultInputs, Results, build_results_many
from pipeline.validate import (
    FileStaging,
    Staged,
    Validated,
    check_scored_many,
    complete,
    finalize_register,
    stage_files,
)
from pipeline.validate.kiriman import load_receipts
from pipeline.validate.values import value_checks_and_used_many


@dataclass
class Run:
    """Everything one run produced, before anything is written."""

    spec: MasterSpec
    input_dir: Path
    subs: list[Submission]
    validated: Validated
    results: Results
    issues: pd.DataFrame
    # last year's workbook compared with (PREV=): its name and SHA-256, for the manifest
    tahun_lalu: dict[str, str] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        """Whether any ERROR remains (the report is then a DRAFT)."""
        return not self.issues.empty and bool((self.issues["severity"] == ERROR).any())

    @cached_property
    def e81(self) -> E81:
        """The Renja evaluation (Tabel E.81) for the spec's reporting period."""
        spec, v = self.spec, self.validated
        anggaran = v.anggaran  # refused realisations are left out there, and said so
        narasi_cols = ["kode_opd", "faktor_pendorong", "faktor_penghambat", "tindak_lanjut"]
        frames = [v.realisasi[narasi_cols], v.renja.teks[["kode_opd", "tindak_lanjut_renja"]]]
        narasi = pd.concat(
            [f for f in frames if not f.empty] or [pd.DataFrame(columns=narasi_cols)],
            ignore_index=True,
        )
        narasi = narasi.reindex(columns=[*narasi_cols, "tindak_lanjut_renja"])
        return build_e81(
            spec.opd,
            spec.sasaran,
            spec.indikator,
            spec.program,
            spec.kegiatan,
            spec.indikator_renja,
            spec.triwulan,
            v.renja.k,
            v.renja.rp,
            anggaran,
            narasi,
            v.renja.status,
            e81_scale(spec.settings),
            spec.settings,
            v.renja.ditolak,
        )


def load_spec(path: Path) -> tuple[MasterSpec | None, list[Issue]]:
    """Read and check the master spec; ``None`` when it is refused (the issues say why)."""
    return read_master(path)


@dataclass
class Ingest:
    """An input folder being read: the templates in the worker pool, the other files listed."""

    folder: Path
    reading: Reading | ReadingPart
    ignored: list[tuple[Path, str, str]]

    def result(self) -> tuple[list[Submission], list[tuple[Path, str, str]]]:
        """Wait for the files: the Submissions (in file order) and the ignored files."""
        return self.reading.result(), self.ignored

    def cancel(self) -> None:
        self.reading.cancel()


def _listed(folder: Path) -> tuple[list[tuple[Path, str]], list[tuple[Path, str, str]]]:
    """The templates to read under ``folder`` and the files left out (with why)."""
    candidates: list[tuple[Path, str]] = []
    ignored: list[tuple[Path, str, str]] = []
    for item in scan_inputs(folder):
        ok, reason = (False, item.problem) if item.problem else is_candidate(item.path)
        if ok:
            candidates.append((item.path, item.name))
        else:
            ignored.append((item.path, item.name, reason))
    return candidates, ignored


def start_ingest(
    folder: Path, limits: Limits | None = None, progress: Progress | None = None
) -> Ingest:
    """Start reading every file under ``folder``: templates in isolated workers, the rest listed.

    Returns at once; ``progress(done, total)`` is called as files are read.
    """
    candidates, ignored = _listed(folder)
    return Ingest(Path(folder), start_reading(candidates, limits, progress=progress), ignored)


def start_ingests(
    folders: list[Path], limits: Limits | None = None
) -> tuple[Reading, list[Ingest]]:
    """Start reading the files of several folders (the Pemda of a national batch) in one
    reading: its reader processes go from one folder's files to the next instead of one pool
    being started per folder. Each folder's :class:`Ingest` waits for its own files only;
    cancelling one does not stop the others (stop the returned reading as a whole)."""
    listed = [_listed(folder) for folder in folders]
    reading = start_reading([c for candidates, _ in listed for c in candidates], limits)
    ingests, start = [], 0
    for folder, (candidates, ignored) in zip(folders, listed, strict=True):
        part = ReadingPart(reading, start, start + len(candidates))
        ingests.append(Ingest(Path(folder), part, ignored))
        start += len(candidates)
    return reading, ingests


def ingest_folder(
    folder: Path, limits: Limits | None = None
) -> tuple[list[Submission], list[tuple[Path, str, str]]]:
    """Every file under ``folder``: templates read in isolated workers, the rest listed."""
    return start_ingest(folder, limits).result()


@contextmanager
def young_collections_only() -> Iterator[None]:
    """No automatic full garbage collection inside: only the young generations are collected.

    What a run builds (the spec and great-expectations, the files' rows, the frames) lives as
    long as the run and holds hardly any garbage cycles (the full collections of a run of
    5,000 files found next to none), yet each full collection walked all of it again: ten of
    them took seconds of such a run. Young garbage is collected as usual; the thresholds are
    restored after.
    """
    old = gc.get_threshold()
    gc.set_threshold(old[0], old[1], 1 << 30)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def load_and_run(
    spec_path: Path,
    input_dir: Path,
    previous: pd.DataFrame | None = None,
    limits: Limits | None = None,
    progress: Progress | None = None,
    periode: str | None = None,
) -> tuple[Run | None, list[Issue]]:
    """The whole run from files: the spec and the input files are read at the same time.

    Returns ``(run, spec issues)``; ``run`` is None when the spec is refused (the issues say
    why; the files are then not read to the end). ``periode`` (``TW2``, ``Tahunan``) replaces
    the spec's reporting period.
    """
    with young_collections_only():
        return _load_and_run(spec_path, input_dir, previous, limits, progress, periode)


def _load_and_run(
    spec_path: Path,
    input_dir: Path,
    previous: pd.DataFrame | None,
    limits: Limits | None,
    progress: Progress | None,
    periode: str | None,
) -> tuple[Run | None, list[Issue]]:
    ingest = start_ingest(input_dir, limits, progress)
    try:
        spec, issues = load_spec(spec_path)
    except BaseException:
        ingest.cancel()
        raise
    if spec is not None and periode:
        if triwulan_of(periode) is None:
            issues = [
                *issues,
                Issue(
                    rule="spec.periode",
                    severity=ERROR,
                    message=f"Periode '{periode}' tidak dikenal; yang dikenal: Tahunan, TW1, "
                    "TW2, TW3, TW4 (juga 'TW II', 'Triwulan 2').",
                    found=periode,
                    expected="Tahunan, TW1, TW2, TW3 atau TW4",
                ),
            ]
            spec = None
        else:
            spec = spec.with_periode(periode)
    if spec is None:
        ingest.cancel()
        return None, issues
    try:
        prepared = _prepare_as_read(spec, input_dir, ingest, previous)
    except BaseException:
        ingest.cancel()
        raise
    return finish(check_values([prepared]))[0], issues


def _prepare_as_read(
    spec: MasterSpec, input_dir: Path, ingest: Ingest, previous: pd.DataFrame | None
) -> Prepared:
    """What :func:`prepare` gives, each file checked as soon as it is read: this process, idle
    while the workers read, checks the files in order as they come in, so that after the last
    file only the choice between an OPD's files remains."""
    staging = FileStaging(spec, load_receipts(input_dir))
    for sub in ingest.reading.arrived():
        staging.add(sub)
    subs, ignored = ingest.result()
    return Prepared(spec, input_dir, subs, ignored, staging.staged(), previous)


@dataclass
class Prepared:
    """One Pemda whose files are read and checked one by one; value rules still to run."""

    spec: MasterSpec
    input_dir: Path
    subs: list[Submission]
    ignored: list[tuple[Path, str, str]]
    staged: Staged
    previous: pd.DataFrame | None = None


@dataclass
class Checked:
    """One Pemda after the value rules: its clean rows and what the rules found."""

    prepared: Prepared
    realisasi: pd.DataFrame
    anggaran: pd.DataFrame
    value_issues: list[Issue]
    used: pd.Series | None = None  # each clean row's value as the cross-file checks compare it


def prepare(
    spec: MasterSpec,
    input_dir: Path,
    previous: pd.DataFrame | None = None,
    limits: Limits | None = None,
    progress: Progress | None = None,
    ingest: Ingest | None = None,
) -> Prepared:
    """Read every file of one Pemda (isolated workers) and run the per-file checks; a mailed
    file is judged by its receipt in the submission ledger beside ``input_dir`` when there is one.

    ``ingest`` is a reading already started on ``input_dir`` (see :func:`load_and_run`).
    """
    subs, ignored = (ingest or start_ingest(input_dir, limits, progress)).result()
    receipts = load_receipts(input_dir)  # the mail ledger beside the folder, if any
    return Prepared(spec, input_dir, subs, ignored, stage_files(subs, spec, receipts), previous)


def check_values(batch: list[Prepared]) -> list[Checked]:
    """The value suites, once over the rows of every Pemda in ``batch``."""
    found = value_checks_and_used_many(
        [(p.staged.realisasi, p.staged.anggaran, p.spec) for p in batch]
    )
    return [Checked(p, *result) for p, result in zip(batch, found, strict=True)]


def finish(batch: list[Checked]) -> list[Run]:
    """Cross-file checks and scoring per Pemda (the scoring of Pemda that can share it done
    once: :func:`~pipeline.score.build_results_many`); the computed-results suite once over
    all."""
    validated: list[Validated] = []
    inputs: list[ResultInputs] = []
    for c in batch:
        v, scoring = completed(c)
        validated.append(v)
        inputs.append(scoring)
    results = build_results_many(inputs)
    scored = check_scored_many(
        [r.indikator for r in results],
        [c.prepared.spec.settings.desimal_tampilan for c in batch],
    )
    runs = []
    for c, v, res, found in zip(batch, validated, results, scored, strict=True):
        p = c.prepared
        issues = issues_frame(p.spec.issues + v.issues + found)
        v.berkas = finalize_register(v.berkas, issues)
        last = p.previous.attrs if p.previous is not None else {}
        used: dict[str, str] = {k: str(last[k]) for k in ("berkas", "sha256") if k in last}
        runs.append(Run(p.spec, p.input_dir, p.subs, v, res, issues, used))
    return runs


def completed(c: Checked) -> tuple[Validated, ResultInputs]:
    """A Pemda's cross-file checks done, and what its results are computed from."""
    p, spec = c.prepared, c.prepared.spec
    v = complete(
        p.staged, p.subs, spec, p.ignored, c.realisasi, c.anggaran, c.value_issues, c.used
    )
    scoring = ResultInputs(
        spec.indikator,
        spec.sasaran,
        spec.tujuan,
        spec.misi,
        spec.opd,
        spec.program,
        v.realisasi,
        v.anggaran,
        spec.settings,
        spec.tangga,
        p.previous,
    )
    return v, scoring


def spec_mismatch(
    run: Run, advice: str = "periksa --spec dan --input; keluaran sebelumnya tidak diubah."
) -> str:
    """One sentence when every readable input file is for another Pemda or year than the spec
    (the wrong ``--spec`` or ``--input``), else ''; ``advice`` ends it."""
    spec = run.spec
    claims = [
        (s.meta.get("kode_pemda", ""), s.meta.get("tahun", ""))
        for s in run.subs
        if s.readable and s.meta
    ]
    if not claims or any(c == (spec.kode_pemda, str(spec.tahun)) for c in claims):
        return ""
    other = ", ".join(f"Pemda {p or '?'} tahun {t or '?'}" for p, t in sorted(set(claims))[:3])
    return (
        f"Master spec untuk {spec.pemda['nama_pemda']} ({spec.kode_pemda}) tahun {spec.tahun}, "
        f"tetapi semua {len(claims)} berkas masukan untuk {other}: {advice}"
    )


def readers_died(run: Run) -> str:
    """One sentence when the reader of every workbook of the run (two or more) stopped at once
    (else ''): the system's limits (``ulimit -v`` below what a reader needs to start), not
    the OPDs' files; a report of every file refused would blame each OPD for it."""
    died = [
        s
        for s in run.subs
        if any(
            i.rule == "berkas.pembaca_gagal" and i.found.startswith("kode keluar")
            for i in s.issues
        )
    ]
    dead = {id(s) for s in died}
    if len(died) < 2 or len(died) < sum(1 for s in run.subs if s.readable or id(s) in dead):
        return ""
    return (
        f"Pembaca berkas berhenti mendadak pada semua {len(died)} berkas masukan: batas memori "
        "untuk proses ini (--batas-memori, ulimit -v) terlalu kecil untuk membacanya, bukan "
        "kesalahan berkas OPD; naikkan batasnya lalu jalankan ulang."
    )


def run_pemda(
    spec: MasterSpec,
    input_dir: Path,
    previous: pd.DataFrame | None = None,
    limits: Limits | None = None,
) -> Run:
    """Ingest → validate → join → score, all in memory (files read in isolated workers)."""
    return finish(check_values([prepare(spec, input_dir, previous, limits)]))[0]
