"""Command line: ``python -m pipeline {report,check,templates,ambil,balas,nasional}``.

The only module that sequences the stages; everything else is the library.
"""

from __future__ import annotations

import argparse
import atexit
import errno
import gc
import logging
import math
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from pipeline import __version__, fmt, sanitize, schema
from pipeline.atomic import Busy, atomic_path, os_error, output_failure, output_lock
from pipeline.ingest import has_inputs, os_reason
from pipeline.isolate import Limits
from pipeline.issues import ERROR, INFO, ISSUE_COLUMNS, WARNING, Issue, issues_frame
from pipeline.master import MasterSpec
from pipeline.outputs import HELPER_PARTS, write_outputs
from pipeline.progress import ProgressLine
from pipeline.run import Run, load_and_run, load_spec, readers_died, spec_mismatch
from pipeline.sidecar import Helpers
from pipeline.template import build_template, template_filename

STARTED = time.perf_counter()
EXIT_OK = 0
EXIT_SPEC = 2
EXIT_STRICT = 3
EXIT_SERVER = 5  # nasional: the Dask scheduler cannot be reached or has no usable worker
EXIT_LOCAL = 8  # nasional: the root folder does not exist or holds no Pemda folder
EXIT_INPUT = 9  # report/check: the input folder is missing, empty, a file, or unreadable
EXIT_OUTPUT = 10  # report: the output folder cannot be written (read-only, full)
EXIT_BUSY = 11  # report: another run is writing the same output folder
EXIT_MISMATCH = 12  # report/check: every input file is for another Pemda or year than the spec
EXIT_ENVIRONMENT = 13  # the system cannot run it (as __main__'s): every reader stopped at once


def _load_spec(path: Path) -> MasterSpec | None:
    spec, issues = load_spec(path)
    _spec_issues(path, issues, spec is None)
    return spec


def _spec_issues(path: Path, issues: list[Issue], refused: bool) -> None:
    """The spec's issues, each with what was found and what is expected: on a refusal they
    are all the analyst gets (nothing else is written)."""
    for issue in issues:
        said = [
            f"{label}: {text}"
            for label, text in (
                ("ditemukan", f"'{issue.found}'" if issue.found else "(kosong)"),
                ("seharusnya", issue.expected),
            )
            if issue.expected and text not in issue.message
        ]
        detail = f" [{'; '.join(said)}]" if said else ""
        print(
            sanitize.text(f"[{issue.severity}] {issue.location}: {issue.message}{detail}"),
            file=sys.stderr,
        )
    if refused:
        print(f"Master spec ditolak: {path}", file=sys.stderr)


def _run(args: argparse.Namespace, previous: pd.DataFrame | None = None) -> Run | None:
    """The library run (spec and files read together), with a progress line on a terminal."""
    progress = ProgressLine()
    try:
        run, issues = load_and_run(
            args.spec, args.input, previous, _limits(args), progress, args.periode
        )
    finally:
        progress.close()
    _spec_issues(args.spec, issues, run is None)
    return run


def _summary(run: Run, paths: dict[str, Path] | None, extra: list[str] | None = None) -> str:
    berkas, k = run.validated.berkas, run.results.keseluruhan
    counts = berkas["status"].value_counts().to_dict() if not berkas.empty else {}
    sev = run.issues["severity"].value_counts().to_dict() if not run.issues.empty else {}
    avg = k["rata_rata_capaian"]
    shown = run.spec.settings.desimal_tampilan  # as the workbook shows them
    lines = [
        f"{run.spec.pemda['nama_pemda']} — tahun {run.spec.tahun}",
        f"Berkas ditemukan  : {len(berkas)}",
        f"  diterima        : {counts.get(schema.BERKAS_DITERIMA, 0)} "
        f"(+{counts.get(schema.BERKAS_DITERIMA_CATATAN, 0)} dengan peringatan, "
        f"+{counts.get(schema.BERKAS_DITERIMA_SEBAGIAN, 0)} sebagian ditolak)",
        f"  ditolak         : {counts.get(schema.BERKAS_DITOLAK, 0)}",
        f"  digantikan      : {counts.get(schema.BERKAS_DIGANTIKAN, 0)}",
        f"  diabaikan       : {counts.get(schema.BERKAS_DIABAIKAN, 0)}",
        f"Indikator dinilai : {k['jumlah_dinilai']} dari {k['jumlah_indikator']} "
        f"({k['belum_lapor']} belum lapor, {k['data_tidak_tersedia']} data tidak tersedia, "
        f"{k['tidak_dapat_dihitung']} tidak dapat dihitung)",
        f"Rata-rata capaian : {fmt.persen(avg if isinstance(avg, float) else None, shown)} "
        f"({'; '.join(str(p) for p in (k['predikat'], k['metode']) if p)})",
        "Serapan anggaran  : "
        + (
            "tidak ada data anggaran"
            if not k["jumlah_program"]
            else f"{fmt.persen(k['serapan'], shown)}"
        ),
        f"Masalah validasi  : {sev.get(ERROR, 0)} ERROR, {sev.get(WARNING, 0)} WARNING, "
        f"{sev.get(INFO, 0)} INFO",
        f"Waktu proses      : {fmt.angka(time.perf_counter() - STARTED, 1)} detik",
    ]
    lines += extra or []
    if paths:
        lines.append("Keluaran:")
        lines += [f"  {p}" for p in paths.values()]
    return "\n".join(lines)


def _previous(path: Path | None, spec_path: Path) -> tuple[pd.DataFrame | None, list[Issue]]:
    """Last year's workbook for the comparison (None when it cannot be used), and the
    WARNINGs that say why or what of it is left out: printed, and written into the report's
    Validasi sheet and ``validasi.csv`` (a comparison asked for and not made is not only a
    line on the terminal)."""
    if path is None:
        return None, []
    from pipeline.workbook import read_previous_report  # noqa: PLC0415

    said: list[Issue] = []

    def warn(why: str, used: bool = False) -> None:
        tail = "" if used else "; perbandingan tahun lalu tidak dibuat"
        message = f"Laporan tahun lalu {path.name}: {why}{tail}."
        _say(f"[WARNING] Laporan tahun lalu {path}: {why}{tail}.")
        said.append(
            Issue(
                rule="tahun_lalu.tidak_dipakai" if not used else "tahun_lalu.catatan",
                severity=WARNING,
                message=message,
                file=path.name,
                found=why,
                expected="buku kerja konsolidasi Pemda ini, tahun sebelumnya",
            )
        )

    try:
        previous = read_previous_report(path)
    except ValueError as exc:  # a bad comparison file must not stop this year's report
        warn(str(exc))
        return None, said
    except Exception as exc:
        warn(f"tidak dapat dibaca sebagai buku kerja Excel ({type(exc).__name__})")
        return None, said
    spec, _ = load_spec(spec_path)  # its issues are printed by the run itself
    if spec is None:
        return previous, said
    other = _other_report(path, previous.attrs.get("judul", ""), spec)
    ringkasan = str(previous.attrs.get("ringkasan", ""))
    quarter = re.search(r"\bPeriode (TW[123])\b", ringkasan)
    if not other and quarter:  # a quarter's report: its figures are of part of that year
        other = (
            f"ini laporan periode {quarter.group(1)}, bukan laporan tahunan (berikan buku kerja "
            f"konsolidasi tahunan tahun {spec.tahun - 1})"
        )
    if other:
        warn(other)
        return None, said
    if (ringkasan or str(previous.attrs.get("judul", ""))).startswith("DRAFT"):
        # its Ringkasan's first line, or its Indikator banner's when the Ringkasan is gone
        warn(
            "laporan itu berstatus DRAFT (masih ada ERROR saat dibuat): angka tahun lalu "
            "mungkin bukan yang final",
            used=True,
        )
    ours = set(spec.indikator["kode_indikator"].astype(str))
    shared = ours & set(previous["kode_indikator"].astype(str))
    if ours and not shared:  # a banner cleared by hand: another Pemda's, or no report at all
        warn(
            f"tidak satu pun dari {len(ours)} kode indikator master spec ada di sheet "
            "Indikator-nya (laporan Pemda lain, atau isinya bukan laporan konsolidasi)"
        )
        return None, said
    for note in previous.attrs.get("catatan", []):
        warn(note, used=True)
    if len(shared) < len(ours) / 2:
        warn(
            f"hanya {len(shared)} dari {len(ours)} kode indikator master spec ada di sheet "
            "Indikator-nya; yang lain tanpa perbandingan",
            used=True,
        )
    changed = _polarity_changed(previous, spec)
    if changed:
        shown = ", ".join(f"{code} ({was} → {now})" for code, was, now in changed[:5])
        more = f" dan {len(changed) - 5} lainnya" if len(changed) > 5 else ""
        warn(
            f"polaritas {len(changed)} indikator berubah sejak tahun lalu: {shown}{more}; "
            "capaiannya dihitung dengan rumus lain, jadi indikator itu tanpa perbandingan",
            used=True,
        )
        gone = {code for code, _, _ in changed}
        previous = previous[~previous["kode_indikator"].isin(gone)]
    return previous, said


def _polarity_changed(previous: pd.DataFrame, spec: MasterSpec) -> list[tuple[str, str, str]]:
    """The indicators whose polarity in last year's workbook is not this year's spec's: code,
    last year's, this year's (a capaian of 180 % 'naik' and of 20 % 'turun' are not one
    measure)."""
    if "polaritas" not in previous:
        return []
    now = {
        str(k): str(v).strip().lower()
        for k, v in zip(spec.indikator["kode_indikator"], spec.indikator["polaritas"], strict=True)
    }
    out = []
    for code, was in zip(previous["kode_indikator"], previous["polaritas"], strict=True):
        before = str(was).strip().lower()
        if code in now and before not in ("", "nan") and before != now[code]:
            out.append((str(code), before, now[code]))
    return sorted(set(out))


def _other_report(path: Path, banner: str, spec: MasterSpec) -> str:
    """Why last year's workbook is not this Pemda's report of an earlier year ('' when it may
    be): its banner (``… Pemerintah Kota X Tahun 2017``) or its name (``<kode>_<tahun>_…``)
    says another Pemda, or this year or a later one."""
    import re  # noqa: PLC0415

    named = re.match(r"(.+)_(\d{4})_konsolidasi$", path.stem)
    said = re.search(r"Tahun (\d{4})", banner)
    year = int(said.group(1)) if said else int(named.group(2)) if named else None
    if year is not None and year >= spec.tahun:
        return (
            f"ini laporan tahun {year}, bukan tahun sebelum {spec.tahun} (berikan buku kerja "
            f"konsolidasi tahun {spec.tahun - 1})"
        )
    if year is not None and year < spec.tahun - 1:  # shown as 'Tahun Lalu', it would not be
        return (
            f"ini laporan tahun {year}, bukan tahun lalu ({spec.tahun - 1}); kolom Tahun Lalu "
            f"akan memuat angka tahun {year} (berikan buku kerja konsolidasi tahun "
            f"{spec.tahun - 1})"
        )
    nama = str(spec.pemda.get("nama_pemda", ""))
    # the name whole: 'Kota Binjai Utara' (another Pemda) holds 'Kota Binjai'
    whole = re.compile(re.escape(nama) + r"(?=\s+Tahun\b|\s*$|\s*[^\w\s])")
    if banner and nama and not whole.search(banner):
        return f"judulnya tidak menyebut {nama} ('{banner[:80]}')"
    if named and named.group(1) != spec.kode_pemda:
        return f"namanya untuk Kode Pemda {named.group(1)}, bukan {spec.kode_pemda}"
    return ""


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(seconds=args.batas_waktu, memory_mb=args.batas_memori)


def _open_message_files(args: argparse.Namespace) -> None:
    """Take in the ``.eml`` / ``.msg`` files dropped into the input folder (as ``ambil`` does,
    without the mail server) so that their workbooks are read by this run."""
    from pipeline.mail import intake, ledger  # noqa: PLC0415
    from pipeline.mail.settings import MailError  # noqa: PLC0415

    try:
        if not intake.pending_message_files(args.input):
            return
        spec, _ = load_spec(args.spec)  # its issues are printed by the run itself
        if spec is None:
            return
        done = intake.open_message_files(spec, args.input, _limits(args), echo=print)
    except (ledger.LedgerError, MailError) as exc:
        print(f"[WARNING] {exc} Pesan surel di folder masukan tidak dibuka.", file=sys.stderr)
        return
    counts = ", ".join(f"{done.statuses.get(s, 0)} {s}" for s in ledger.STATUSES)
    print(f"{done.messages} pesan surel di folder masukan dibuka; lampiran: {counts}.")


def _input_problem(folder: Path) -> str:
    """Why the input folder cannot be used ('' when it can)."""
    if not folder.exists():
        return f"Folder masukan {folder} tidak ada; periksa --input (INPUT=…)."
    if not folder.is_dir():
        return f"Masukan {folder} adalah sebuah berkas, bukan folder; berikan folder berkas OPD."
    try:  # a folder that cannot be listed would read as holding nothing of any OPD's
        with os.scandir(folder):
            pass
    except OSError as exc:
        return (
            f"Folder masukan {folder} tidak dapat dibuka ({os_reason(exc)}); periksa izin "
            "aksesnya."
        )
    if not has_inputs(folder):
        return f"Folder masukan {folder} kosong: belum ada berkas OPD untuk diolah."
    return ""


def _say(message: str) -> None:
    print(sanitize.text(message), file=sys.stderr)


def _out(text: str) -> None:
    """Print to standard output; a reader that went away (``| head``) or an output that cannot
    take it (``> /dev/full``) ends the printing only.

    The outputs are in place by then: a closed pipe must not read as a failed run.
    """
    try:
        print(text, flush=True)
    except OSError:  # a closed pipe, a full disk (> /dev/full): what is still buffered goes
        # nowhere, without another error; the run's outputs and exit code stand
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _a_file(output: Path) -> str:
    """Why ``output`` cannot be an output folder when it is a file ('' when it is not)."""
    if output.exists() and not output.is_dir():
        return (
            f"Keluaran {output} adalah sebuah berkas, bukan folder; berikan folder untuk "
            "keluaran (--output). Berkas itu tidak diubah."
        )
    for part in output.parents:  # a part of its path is a file: no folder can be made there
        if part.exists() and not part.is_dir():
            return (
                f"Keluaran {output} tidak dapat dibuat: bagian jalurnya {part} adalah sebuah "
                "berkas, bukan folder; berikan folder untuk keluaran (--output). Berkas itu "
                "tidak diubah."
            )
    return ""


def _swap_problem(output: Path, inputs: Path, label: str = "folder masukan") -> str:
    """Why ``output`` may not be replaced as one folder ('' when it may): it is the current
    folder, one of its parents, or holds ``inputs`` (all would be replaced with it);
    ``label`` names ``inputs`` (``folder root`` for ``nasional``)."""
    real_out, real_in = Path(os.path.realpath(output)), Path(os.path.realpath(inputs))
    here = Path(os.path.realpath(Path.cwd()))
    if real_out == here or real_out in here.parents or real_out in real_in.parents:
        return (
            f"Folder keluaran {output} adalah folder kerja saat ini, induknya, atau folder yang "
            f"memuat {label}: keluaran diganti sebagai satu folder, sehingga isinya "
            f"(termasuk {label}) ikut terganti. Pilih folder keluaran tersendiri "
            "(--output, OUTPUT=…), misalnya output."
        )
    return ""


def _output_problem(output: Path, inputs: Path, root: bool = False) -> str:
    """Why ``output`` cannot take a report's outputs ('' when it can): a file, or a folder
    inside the input folder (the next run would read the report's own workbooks, the blank
    templates in its feedback among them, as OPD submissions) or, ``root``, inside a national
    run's root (the next run would read it as a Pemda folder or its files as OPD files)."""
    label = "folder root" if root else "folder masukan"
    if _a_file(output):
        return _a_file(output)
    if _swap_problem(output, inputs, label):
        return _swap_problem(output, inputs, label)
    real_out, real_in = Path(os.path.realpath(output)), Path(os.path.realpath(inputs))
    next_run = (
        "konsolidasi berikutnya akan membaca keluarannya sebagai folder Pemda atau "
        "berkasnya sebagai kiriman OPD"
        if root
        else "laporan berikutnya akan membaca buku kerja keluarannya sendiri sebagai kiriman OPD"
    )
    if real_out == real_in or real_in in real_out.parents:
        return (
            f"Folder keluaran {output} berada di dalam {label} {inputs}: {next_run}. Pilih "
            f"folder keluaran di luar {label} (--output, OUTPUT=…)."
        )
    for linked in _linked_pemda(inputs) if root else []:
        real = Path(os.path.realpath(linked))
        if real_out == real or real in real_out.parents:
            return (
                f"Folder keluaran {output} berada di dalam folder Pemda {linked.name} (tautan "
                f"di {label} {inputs} ke {real}): {next_run}. Pilih folder keluaran di luar "
                f"{label} dan folder Pemda-nya (--output, OUTPUT=…)."
            )
    return ""


def _linked_pemda(root: Path) -> list[Path]:
    """The entries of a national root that are links to folders (a Pemda kept elsewhere)."""
    try:
        return [p for p in sorted(Path(root).iterdir()) if p.is_symlink() and p.is_dir()]
    except OSError:  # the root itself is checked, and said, by the run
        return []


def cmd_report(args: argparse.Namespace) -> int:
    problem = _input_problem(args.input)
    if problem:
        _say(problem)
        return EXIT_INPUT
    problem = _output_problem(args.output, args.input)
    if problem:
        _say(problem)
        return EXIT_OUTPUT
    if args.output.is_symlink():  # a link to a shared folder: the report goes into that folder
        args.output = Path(os.path.realpath(args.output))
    try:
        with output_lock(args.output, args.tunggu):
            return _report(args)
    except Busy as exc:
        _say(str(exc))
        return EXIT_BUSY
    except Exception as exc:  # the output's disk, also behind a writer's own exception
        short = _short_of(exc)
        if short:
            _say(short)
            return EXIT_ENVIRONMENT
        failure = exc if isinstance(exc, OSError) else output_failure(exc)
        if failure is None:
            raise
        _say(
            f"Keluaran tidak dapat ditulis ke {args.output} ({_os_reason(failure)}); keluaran "
            "sebelumnya tidak diubah."
        )
        return EXIT_OUTPUT


_SHORT = {  # what the system ran out of: no fault of the output folder
    errno.EMFILE: "terlalu banyak berkas terbuka (ulimit -n)",
    errno.ENFILE: "terlalu banyak berkas terbuka di sistem",
    errno.ENOMEM: "memori habis",
    errno.EAGAIN: "proses baru tidak dapat dibuat (ulimit -u)",
    # the helper processes' server did not answer: it stopped for want of one of the above
    errno.ECONNREFUSED: "proses pembantu tidak dapat dijalankan, misalnya karena ulimit -n",
    errno.ECONNRESET: "proses pembantu berhenti, misalnya karena ulimit -n atau memori",
}


def _short_of(exc: BaseException) -> str:
    """One sentence when the system refused the run what it needs (open files, memory, a new
    process), else ''."""
    found = os_error(exc)
    if isinstance(exc, MemoryError):
        what = "memori habis"
    else:
        what = _SHORT.get(found.errno or 0, "") if found is not None else ""
    if not what:
        return ""
    return (
        f"Sistem menolak memberi yang diperlukan proses ini: {what}. Naikkan batasnya lalu "
        "jalankan ulang; keluaran sebelumnya tidak diubah."
    )


def _report(args: argparse.Namespace) -> int:
    # The writers of the feedback files and charts load their libraries during the run.
    with Helpers(HELPER_PARTS) as helpers:
        _open_message_files(args)
        previous, said = _previous(args.tahun_lalu, args.spec)
        run = _run(args, previous)
        if run is None:
            return EXIT_SPEC
        if said:
            run.issues = issues_frame(
                [
                    *(
                        Issue(**{str(k): str(v) for k, v in r.items()})
                        for r in run.issues[ISSUE_COLUMNS].to_dict("records")
                    ),
                    *said,
                ]
            )
        # What is alive now (the libraries, the spec, the run) lives until the process ends:
        # the collector need not walk it again each time the writers fill a generation.
        gc.freeze()
        mismatch = spec_mismatch(run)
        if mismatch:
            _say(mismatch)
            return EXIT_MISMATCH
        died = readers_died(run)
        if died:
            _say(f"{died} Keluaran sebelumnya tidak diubah.")
            return EXIT_ENVIRONMENT
        from pipeline.outputs import changes_since_last  # noqa: PLC0415
        from pipeline.perubahan import summary_lines  # noqa: PLC0415

        perubahan = changes_since_last(run, args.output)
        paths = write_outputs(run, args.output, perubahan, helpers)
    _out(_summary(run, paths, summary_lines(perubahan)))
    has_errors = run.has_errors
    if has_errors:
        _out("Laporan ditandai DRAFT: masih ada ERROR (lihat sheet Validasi / validasi.csv).")
    return EXIT_STRICT if has_errors and run.spec.settings.mode_ketat else EXIT_OK


def _os_reason(exc: OSError) -> str:
    return os_reason(exc, writing=True)


def cmd_check(args: argparse.Namespace) -> int:
    problem = _input_problem(args.input)
    if problem:
        _say(problem)
        return EXIT_INPUT
    run = _run(args)
    if run is None:
        return EXIT_SPEC
    # As in report: what is alive now lives until the process ends; the full collection the
    # run put off would otherwise walk it all (about 0,4 s at 5.000 files) to free nothing.
    gc.freeze()
    mismatch = spec_mismatch(run)
    if mismatch:
        _say(mismatch)
        return EXIT_MISMATCH
    died = readers_died(run)
    if died:
        _say(died)
        return EXIT_ENVIRONMENT
    columns = ("severity", "kode_opd", "file", "sheet", "cell", "message")
    said = {(i.severity, i.file, i.sheet, i.cell, i.message) for i in run.spec.issues}
    lines = []
    for severity, kode_opd, *place, message in zip(
        *(run.issues[c].tolist() for c in columns), strict=True
    ):
        if (severity, *place, message) in said:  # the spec's own: printed as it was read
            continue
        where = " › ".join(p for p in place if p)
        head = f"{kode_opd or '-'} {where}" if where else f"{kode_opd or '-'}"
        lines.append(sanitize.line(f"[{severity}] {head}: {message}"))
    if lines:
        _out("\n".join(lines))
    _out(_summary(run, None))
    has_errors = run.has_errors
    return EXIT_STRICT if has_errors and run.spec.settings.mode_ketat else EXIT_OK


def cmd_templates(args: argparse.Namespace) -> int:
    spec = _load_spec(args.spec)
    if spec is None:
        return EXIT_SPEC
    if _a_file(args.output):
        _say(_a_file(args.output))
        return EXIT_OUTPUT
    written = []
    try:
        for kode in spec.opd["kode_opd"]:
            target = args.output / template_filename(spec, kode)
            with atomic_path(target) as tmp:
                build_template(spec, kode, tmp)
            written.append(target)
    except Exception as exc:
        failure = os_error(exc)
        if failure is None:
            raise
        _say(
            f"Templat tidak dapat ditulis ke {args.output} ({_os_reason(failure)}); "
            f"{len(written)} dari {len(spec.opd)} templat sempat ditulis."
        )
        return EXIT_OUTPUT
    for target in written:
        print(target)
    print(f"{len(spec.opd)} templat ditulis ke {args.output}")
    return EXIT_OK


def cmd_ambil(args: argparse.Namespace) -> int:
    from pipeline.mail import intake, ledger, settings  # noqa: PLC0415

    spec = _load_spec(args.spec)
    if spec is None:
        return EXIT_SPEC
    try:
        done = intake.ambil(spec, args.input, limits=_limits(args), echo=print)
    except settings.MailError as exc:
        print(exc.message, file=sys.stderr)
        return exc.code
    except ledger.LedgerError as exc:
        print(str(exc), file=sys.stderr)
        return settings.EXIT_LOCAL
    counts = ", ".join(f"{done.statuses.get(s, 0)} {s}" for s in ledger.STATUSES)
    print(
        f"Selesai dalam {fmt.angka(done.seconds, 1)} detik: {done.messages} surat baru dicatat, "
        f"{done.skipped} sudah tercatat sebelumnya; lampiran: {counts}."
    )
    print(f"Buku kiriman: {ledger.ledger_path(args.input)}")
    if done.statuses.get(ledger.KARANTINA):
        print(f"Karantina (pengirim tidak terdaftar): {ledger.quarantine_dir(args.input)}")
    return EXIT_OK


def cmd_balas(args: argparse.Namespace) -> int:
    from pipeline.mail import reply, settings  # noqa: PLC0415

    spec = _load_spec(args.spec)
    if spec is None:
        return EXIT_SPEC
    try:
        replies = reply.plan(spec, args.output, args.input, args.batas)
        server = settings.load("smtp") if args.kirim else None
        done = reply.send(replies, server, args.input) if server else None
    except settings.MailError as exc:
        print(exc.message, file=sys.stderr)
        return exc.code
    for r in replies:
        extra = (
            f"; lampiran {r.attachment.name} ({r.errors} ERROR, {r.warnings} WARNING, "
            f"{r.notes} INFO)"
            if r.attachment
            else "; tanpa lampiran"
        )
        extra += f"; membalas {r.in_reply_to}" if r.in_reply_to else ""
        note = f" ({r.note})" if r.note else ""
        print(f"[{r.state}] {r.kode_opd} → {', '.join(r.kepada) or '-'}: {r.subjek}{extra}{note}")
    if done is None:
        waiting = sum(r.state == reply.AKAN for r in replies)
        print(
            f"Uji coba: tidak ada surel yang dikirim ({waiting} akan dikirim). Kirim dengan "
            "`make balas KIRIM=1` (opsi --kirim)."
        )
        return EXIT_OK
    print(f"{done.sent} balasan terkirim, {done.failed} gagal.")
    if done.failed and not done.sent:  # a scheduled run must not pass for done
        _say(
            f"Server SMTP menolak semua {done.failed} balasan (lihat alasan di atas); tidak ada "
            "yang terkirim."
        )
        return EXIT_SERVER
    return EXIT_OK


QUIET_LOGS = ("distributed", "tornado", "bokeh")


def _quiet_dask_logs() -> None:
    """The Dask client's own log lines (in English, with tracebacks when the scheduler goes
    away) are not shown: what happened to the cluster is said in one sentence instead."""
    import logging  # noqa: PLC0415

    import distributed  # noqa: F401, PLC0415  # its logging set up first, then replaced

    names = [n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] in QUIET_LOGS]
    for name in {*QUIET_LOGS, *names}:
        quiet = logging.getLogger(name)  # some have a handler of their own (distributed.client)
        quiet.handlers = [logging.NullHandler()]
        quiet.propagate = False


def cmd_nasional(args: argparse.Namespace) -> int:
    from pipeline.nasional.executor import (  # noqa: PLC0415
        DaskExecutor,
        EnvironmentProblem,
        Executor,
        LocalExecutor,
    )
    from pipeline.nasional.run import NO_YEAR, NoPemda, run_nasional  # noqa: PLC0415

    if not args.root.is_dir():
        print(f"Folder root {args.root} tidak ada atau bukan folder.", file=sys.stderr)
        return EXIT_LOCAL
    problem = _output_problem(args.output, args.root, root=True)
    if problem:
        _say(problem)
        return EXIT_OUTPUT
    if args.output.is_symlink():  # a link to a shared folder: the outputs go into that folder
        args.output = Path(os.path.realpath(args.output))
    executor: Executor
    if args.dask:
        _quiet_dask_logs()
    try:
        executor = DaskExecutor(args.dask) if args.dask else LocalExecutor(args.workers)
    except EnvironmentProblem as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_SERVER
    try:
        with output_lock(args.output, args.tunggu):
            run = run_nasional(
                args.root, args.output, executor, _limits(args), args.per_pemda, sys.stderr
            )
    except NoPemda as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_LOCAL
    except EnvironmentProblem as exc:  # the cluster went away, or every Pemda stops its worker
        print(str(exc), file=sys.stderr)
        return EXIT_SERVER
    except Busy as exc:
        _say(str(exc))
        return EXIT_BUSY
    except Exception as exc:
        failure = os_error(exc)  # the outputs' disk (full, read-only); anything else is a bug
        if failure is None:
            raise
        _say(
            f"Keluaran nasional tidak dapat ditulis ke {args.output} ({_os_reason(failure)}); "
            "keluaran sebelumnya tidak diubah."
        )
        return EXIT_OUTPUT
    finally:
        executor.close()
    h = run.head
    print(
        "\n".join(
            [
                f"Konsolidasi {f'tahun {run.tahun}' if run.tahun else f'({NO_YEAR})'} — "
                f"{fmt.angka(h['pemda'], 0)} Pemda "
                f"({run.executor})",
                f"Pemda FINAL / DRAFT  : {fmt.angka(h['final'], 0)} / {fmt.angka(h['draft'], 0)}",
                f"Spec ditolak         : {fmt.angka(h['ditolak'], 0)}",
                f"Tidak dapat diolah   : {fmt.angka(h['tidak_diolah'], 0)}",
                f"Berkas ditemukan     : {fmt.angka(h['berkas_ditemukan'], 0)}",
                f"Indikator dinilai    : {fmt.angka(h['jumlah_dinilai'], 0)} dari "
                f"{fmt.angka(h['jumlah_indikator'], 0)}",
                f"Rata-rata capaian    : {fmt.persen(h['rata_rata_capaian'])} "
                f"({h['predikat'] or '-'})",
                f"Waktu proses         : {fmt.angka(run.seconds, 1)} detik",
                *([f"Dasbor Dask          : {run.dashboard}"] if run.dashboard else []),
                "Keluaran:",
                *[f"  {p}" for p in run.paths.values()],
            ]
        )
    )
    return EXIT_OK


def _finite(text: str) -> float:
    """An option's number (a decimal comma taken as a point); NaN when it is none."""
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return float("nan")
    return value if math.isfinite(value) else float("nan")


def _seconds(text: str) -> float:
    """A time limit in seconds: a number above zero (a limit of 0 would refuse every file)."""
    value = _finite(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(
            f"'{text}' bukan batas waktu yang sah: berikan jumlah detik lebih dari 0, misalnya 60"
        )
    return value


def _wait(text: str) -> float:
    """How long to wait for another run: 0 or more seconds."""
    value = _finite(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(
            f"'{text}' bukan lama menunggu yang sah: berikan jumlah detik 0 atau lebih"
        )
    return value


MAX_WORKERS = 64  # each local worker holds the whole pipeline (about 200 MB) and two readers


def _workers(text: str) -> int:
    """How many local worker processes: a whole number from 1 to :data:`MAX_WORKERS`."""
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(
            f"'{text}' bukan jumlah proses yang sah: berikan bilangan bulat 1 sampai "
            f"{MAX_WORKERS}, misalnya 2"
        )
    return value


def _megabytes(text: str) -> int:
    """A memory limit in MB: a whole number of at least 64 (less cannot hold the reader)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < MIN_MEMORY_MB:
        raise argparse.ArgumentTypeError(
            f"'{text}' bukan batas memori yang sah: berikan bilangan bulat MB, paling sedikit "
            f"{MIN_MEMORY_MB}, misalnya {Limits.memory_mb}"
        )
    return value


def _deadline(text: str) -> str:
    """A deadline for fixes: a real date, written YYYY-MM-DD."""
    import datetime as dt  # noqa: PLC0415

    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' bukan tanggal yang sah: tulis sebagai TTTT-BB-HH, misalnya 2024-03-15"
        ) from None


MIN_MEMORY_MB = 64


class _Help(argparse.HelpFormatter):
    """Help in Indonesian: argparse's own heading word too."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "pemakaian: " if prefix is None else prefix)


# argparse's own messages (English) as Indonesian; a value refused by one of this module's
# checks is already an Indonesian sentence after the option's name.
_ARGPARSE_MESSAGES = (
    (r"the following arguments are required: (.*)", r"\1 wajib diberikan"),
    (r"unrecognized arguments: (.*)", r"opsi tidak dikenal: \1"),
    (
        r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)",
        r"\1: \2 tidak dikenal (pilihan: \3)",
    ),
    (r"argument (\S+): invalid (?:int|float) value: (.*)", r"\1: \2 bukan bilangan"),
    (r"argument (\S+): expected one argument", r"\1 memerlukan satu nilai"),
    (r"argument (\S+): ignored explicit argument (.*)", r"\1 tidak menerima nilai (\2)"),
    (r"ambiguous option: (\S+) could match (.*)", r"opsi \1 bisa berarti \2"),
    (r"argument (\S+): (.*)", r"\1: \2"),
)


def _path(text: str) -> Path:
    """A path option's value: never empty (``OUTPUT=`` given empty in make would otherwise be
    the current folder, and a report's swap would replace it)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("nilainya kosong; berikan jalur folder atau berkas")
    return Path(text)


def _periode(text: str) -> str:
    """The ``--periode`` value in its one spelling (``tw 2`` → ``TW2``); one that is no period
    is refused as the option it is (exit 2), not as a refused master spec."""
    from pipeline.renja import periode_baku, triwulan_of  # noqa: PLC0415

    if triwulan_of(text) is None:
        raise argparse.ArgumentTypeError(
            f"'{sanitize.text(text, 40)}' bukan periode; yang dikenal: Tahunan, TW1, TW2, TW3, "
            "TW4 (juga 'TW II', 'Triwulan 2')"
        )
    return periode_baku(text)


class _Parser(argparse.ArgumentParser):
    """The command line in Indonesian: help, and a wrong option or value as one sentence
    (exit code 2) instead of argparse's English usage block."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Help)
        kwargs["add_help"] = False  # its help option is added in Indonesian below
        super().__init__(*args, **kwargs)
        self._optionals.title = "opsi"
        self.add_argument("-h", "--help", action="help", help="tampilkan bantuan ini lalu keluar")

    def error(self, message: str) -> NoReturn:
        for pattern, words in _ARGPARSE_MESSAGES:
            if re.fullmatch(pattern, message, flags=re.DOTALL):
                message = re.sub(pattern, words, message, flags=re.DOTALL)
                break
        self.exit(2, f"{self.prog}: {sanitize.text(message)}. Lihat `{self.prog} --help`.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m pipeline",
        description="Laporan kinerja (SAKIP / LKjIP) dari berkas isian OPD: perintahnya di bawah; "
        "`python -m pipeline PERINTAH --help` menjelaskan opsi setiap perintah.",
    )
    parser.add_argument(
        "--version", action="version", version=__version__, help="tampilkan versi lalu keluar"
    )
    sub = parser.add_subparsers(
        dest="command", required=True, title="perintah", metavar="PERINTAH"
    )
    spec_help = "workbook master spec (.xlsx)"
    input_help = "folder berkas OPD"
    for name, func, text in (
        ("report", cmd_report, "baca, periksa, nilai, lalu tulis laporan konsolidasi"),
        ("check", cmd_check, "periksa berkas masukan dan cetak masalahnya; tidak menulis apa pun"),
        ("templates", cmd_templates, "tulis satu templat kosong per OPD"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("--spec", type=_path, required=True, help=spec_help)
        if name != "templates":
            p.add_argument("--input", type=_path, required=True, help=input_help)
            _reading_limits(p)
            p.add_argument(
                "--periode",
                default=None,
                type=_periode,
                metavar="TW",
                help="periode laporan selain yang di spec (Tahunan, TW1 … TW4): triwulan yang "
                "dievaluasi E.81",
            )
        if name == "report":
            p.add_argument(
                "--tunggu",
                type=_wait,
                default=0.0,
                metavar="DETIK",
                help="tunggu selama ini bila proses lain sedang menulis folder keluaran yang "
                "sama (bawaan: langsung ditolak)",
            )
            p.add_argument(
                "--tahun-lalu",
                type=_path,
                default=None,
                metavar="XLSX",
                help="workbook konsolidasi tahun lalu, untuk perubahan dari tahun ke tahun",
            )
        p.add_argument(
            "--output",
            type=_path,
            required=name != "check",
            help="folder keluaran" if name != "check" else "tidak dipakai (check tidak menulis)",
        )
        p.set_defaults(func=func)
    _mail_parsers(sub)
    _nasional_parser(sub)
    return parser


def _reading_limits(p: argparse.ArgumentParser) -> None:
    """The per-file limits of reading an input file."""
    p.add_argument(
        "--batas-waktu",
        type=_seconds,
        default=Limits.seconds,
        metavar="DETIK",
        help=f"batas waktu membaca satu berkas (bawaan {fmt.angka_ringkas(Limits.seconds)} detik)",
    )
    p.add_argument(
        "--batas-memori",
        type=_megabytes,
        default=Limits.memory_mb,
        metavar="MB",
        help=f"batas memori membaca satu berkas (bawaan {fmt.angka(Limits.memory_mb, 0)} MB)",
    )


def _mail_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    text = (
        "simpan workbook kiriman surel baru (IMAP, .eml, .msg) ke folder masukan; catat di buku "
        "kiriman"
    )
    p = sub.add_parser("ambil", help=text, description=text)
    p.add_argument("--spec", type=_path, required=True, help="workbook master spec (.xlsx)")
    p.add_argument("--input", type=_path, required=True, help="folder berkas OPD")
    _reading_limits(p)
    p.set_defaults(func=cmd_ambil)
    text = "balas setiap OPD dengan workbook umpan baliknya (uji coba, kecuali dengan --kirim)"
    p = sub.add_parser("balas", help=text, description=text)
    p.add_argument("--spec", type=_path, required=True, help="workbook master spec (.xlsx)")
    p.add_argument("--output", type=_path, required=True, help="folder keluaran laporan")
    p.add_argument("--input", type=_path, default=Path("input_xlsx"), help="folder berkas OPD")
    p.add_argument(
        "--batas",
        type=_deadline,
        default=None,
        metavar="TTTT-BB-HH",
        help="batas waktu perbaikan",
    )
    p.add_argument("--kirim", action="store_true", help="kirim lewat SMTP (SAKIP_SMTP_*)")
    p.set_defaults(func=cmd_balas)


def _nasional_parser(sub: argparse._SubParsersAction[Any]) -> None:
    from pipeline.nasional.executor import cores  # noqa: PLC0415

    text = "olah setiap folder Pemda di bawah satu root dan tulis keluaran nasional"
    p = sub.add_parser("nasional", help=text, description=text)
    p.add_argument(
        "--root",
        type=_path,
        required=True,
        help="folder berisi satu folder per Pemda (masing-masing dengan master/<spec>.xlsx dan "
        "input_xlsx/)",
    )
    p.add_argument("--output", type=_path, required=True, help="folder keluaran")
    p.add_argument(
        "--dask",
        metavar="ALAMAT",
        default="",
        help="alamat penjadwal Dask yang sedang berjalan (mis. tcp://127.0.0.1:8786); tanpa "
        "ini Pemda diolah oleh proses lokal",
    )
    p.add_argument(
        "--workers",
        type=_workers,
        default=cores(),
        metavar="N",
        help=f"jumlah proses lokal, 1 sampai {MAX_WORKERS} (bawaan: jumlah inti mesin ini, "
        "%(default)s)",
    )
    p.add_argument(
        "--tunggu",
        type=_wait,
        default=0.0,
        metavar="DETIK",
        help="tunggu selama ini bila proses lain sedang menulis folder keluaran yang sama "
        "(bawaan: langsung ditolak)",
    )
    p.add_argument(
        "--per-pemda",
        action="store_true",
        help="tulis juga keluaran lengkap setiap Pemda di <output>/<kode_pemda>/",
    )
    _reading_limits(p)
    p.set_defaults(func=cmd_nasional)


EXIT_INTERRUPTED = 130  # stopped with Ctrl-C (the shell's code for SIGINT)
EXIT_TERMINATED = 143  # stopped by SIGTERM (systemd, docker stop, timeout): 128 + 15


class Terminated(KeyboardInterrupt):
    """SIGTERM, unwound as Ctrl-C is: the staging folder removed, the helpers stopped."""


def _terminate(_signum: int, _frame: object) -> None:
    raise Terminated


def _chart_settings_folder() -> None:
    """Give matplotlib a folder of its own where it cannot write its usual one.

    matplotlib keeps its settings and font cache under the home folder; where that cannot be
    written (a service account, ``HOME=/nonexistent``, a read-only home) it prints English
    warnings at every run. The run then gives it a private temporary folder, removed at exit
    (its font cache is built again each run: about a second).
    """
    if os.environ.get("MPLCONFIGDIR"):
        return
    home = Path.home()
    usual = [
        Path(os.environ.get(name) or home / default) / "matplotlib"
        for name, default in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"))
    ]
    try:
        for folder in usual:
            folder.mkdir(parents=True, exist_ok=True)
        if all(os.access(f, os.W_OK) for f in usual):
            return
    except (OSError, RuntimeError):  # RuntimeError: no home folder at all
        pass
    try:
        private = tempfile.mkdtemp(prefix="sakip-matplotlib-")
    except OSError:  # no temporary folder either: matplotlib says so itself
        return
    os.environ["MPLCONFIGDIR"] = private  # the processes the run starts inherit it
    atexit.register(shutil.rmtree, private, ignore_errors=True)
    # The font cache is built here, once, for them all, without its English notice.
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    import matplotlib.font_manager  # noqa: F401, PLC0415


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _chart_settings_folder()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return int(args.func(args))
    except KeyboardInterrupt as exc:
        kept = (
            "; keluaran sebelumnya tidak diubah (keluaran baru hanya dipasang utuh di akhir)"
            if args.func in (cmd_report, cmd_nasional)
            else ""
        )
        if isinstance(exc, Terminated):
            _say(f"Dihentikan (sinyal TERM) sebelum selesai{kept}.")
            return EXIT_TERMINATED
        _say(f"Dihentikan (Ctrl-C) sebelum selesai{kept}.")
        return EXIT_INTERRUPTED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
