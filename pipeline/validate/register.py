"""The file register: one row per input file, what it is, which OPD it claims, what became
of it."""

from __future__ import annotations

import os
import stat
from collections import Counter
from pathlib import Path

import pandas as pd

from pipeline import schema
from pipeline.ingest import Submission, file_digest, sniff
from pipeline.issues import ERROR, WARNING, Issue

_COLUMNS = ("berkas", "ukuran", "sha256", "jenis", "kode_opd", "dimodifikasi", "status", "alasan")


def register(
    subs: list[Submission],
    ignored: list[tuple[Path, str, str]],
    opd_of: dict[str, str],
    accepted: set[str],
    superseded: dict[str, tuple[str, str]],
    issues: list[Issue],
) -> pd.DataFrame:
    """One row per input file: what it is, which OPD it claims and what happened to it.

    ``issues`` is every issue known so far, whichever stage raised it, so the status of an
    accepted file counts its value and cross-file problems too.
    """
    by_file: dict[str, list[Issue]] = {}
    for issue in issues:
        by_file.setdefault(issue.file, []).append(issue)
    rows = []
    for sub in subs:
        mine = by_file.get(sub.name, [])
        errors = [i for i in mine if i.severity == ERROR]
        warnings = [i for i in mine if i.severity == WARNING]
        if sub.name in superseded:
            newer, why = superseded[sub.name]
            status, alasan = schema.BERKAS_DIGANTIKAN, f"digantikan oleh {newer} ({why})"
        elif sub.name in accepted:
            status = _accepted(len(errors), len(warnings))
            alasan = f"{len(errors)} ERROR, {len(warnings)} WARNING" if errors or warnings else ""
        else:
            status = schema.BERKAS_DITOLAK
            alasan = errors[0].message if errors else "tidak dapat diproses"
        rows.append(
            {
                "berkas": sub.name,
                "ukuran": sub.size,
                "sha256": sub.sha256,
                "jenis": sub.jenis,
                "kode_opd": opd_of.get(sub.name, sub.meta.get("kode_opd", "")),
                "dimodifikasi": sub.dimodifikasi,
                "status": status,
                "alasan": alasan,
            }
        )
    for path, name, reason in ignored:
        size, digest = _digest(path)
        rows.append(
            {
                "berkas": name,
                "ukuran": size,
                "sha256": digest,
                "jenis": _detected(path),
                "kode_opd": opd_of.get(name, ""),
                "dimodifikasi": "",
                "status": schema.BERKAS_DIABAIKAN,
                "alasan": reason,
            }
        )
    frame = pd.DataFrame(rows, columns=list(_COLUMNS))  # the columns even with no file at all
    return frame.sort_values("berkas", kind="stable").reset_index(drop=True)


def _plain(path: Path) -> bool:
    """A regular file reached without a link: the only kind of ignored file ever opened (a FIFO
    would block, a link may leave the input folder)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read in chunks (an ignored file may be large; beyond
    :data:`~pipeline.ingest.MAX_HASHED_BYTES` it is not read, its hash left empty)."""
    if not _plain(path):
        return 0, ""
    try:
        size = os.lstat(path).st_size
        return size, file_digest(path, size)
    except OSError:
        return 0, ""


def _detected(path: Path) -> str:
    """What an ignored file really is, from its first bytes (not its name); a folder (not a
    link to one) is a folder."""
    if not _plain(path):
        try:
            return "folder" if stat.S_ISDIR(os.lstat(path).st_mode) else "bukan_berkas_biasa"
        except OSError:
            return "bukan_berkas_biasa"
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
        return sniff(path, head)[0]
    except OSError:
        return "tidak_terbaca"


def _accepted(errors: int, warnings: int) -> str:
    """The status of a file used: some of its values refused (ERRORs), flagged, or clean."""
    if errors:
        return schema.BERKAS_DITERIMA_SEBAGIAN
    return schema.BERKAS_DITERIMA_CATATAN if warnings else schema.BERKAS_DITERIMA


def finalize_register(berkas: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """Recount the accepted files' problems once every stage (scoring included) has run."""
    # counted from plain lists (a Pemda has a few dozen issues: pandas' grouping cost more);
    # as a grouping, an issue without a file or a severity is counted for none
    counts = (
        Counter(
            (name, severity)
            for name, severity in zip(
                issues["file"].tolist(), issues["severity"].tolist(), strict=True
            )
            if isinstance(name, str) and isinstance(severity, str)
        )
        if not issues.empty
        else Counter()
    )
    status, alasan = [], []
    for name, old_status, old_reason in zip(
        berkas["berkas"].tolist(),
        berkas["status"].tolist(),
        berkas["alasan"].tolist(),
        strict=True,
    ):
        if old_status not in schema.BERKAS_DIPAKAI:
            status.append(old_status)
            alasan.append(old_reason)
            continue
        errors = int(counts.get((name, ERROR), 0))
        warnings = int(counts.get((name, WARNING), 0))
        status.append(_accepted(errors, warnings))
        alasan.append(f"{errors} ERROR, {warnings} WARNING" if errors or warnings else "")
    return berkas.assign(status=status, alasan=alasan)
