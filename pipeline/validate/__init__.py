"""Validation: structural checks in code, value rules as great-expectations suites.

One module per job, each returning its issues (nothing is written into the reader's
``Submission``):

- :mod:`~pipeline.validate.files`: the hidden ``_meta`` sheet, which file of an OPD is used;
- :mod:`~pipeline.validate.rows`: each indicator and budget row against the spec;
- :mod:`~pipeline.validate.values`: value rules (great-expectations suites) over all OPDs;
- :mod:`~pipeline.validate.crossfile`: checks across files and OPDs;
- :mod:`~pipeline.validate.register`: the file register.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import template as tpl
from pipeline.completeness import MAIL_REFUSED
from pipeline.ingest import INPUT_SUFFIXES, LINK_OUTSIDE, Submission, is_lock_file
from pipeline.issues import ERROR, Issue
from pipeline.master import MasterSpec
from pipeline.renja import triwulan_of
from pipeline.validate.crossfile import (
    blank_files,
    cross_file_checks,
    late_files,
    missing_opds,
    rejected_opds,
    unanswered,
)
from pipeline.validate.files import check_meta, supersede
from pipeline.validate.identity import Directory, Signs, attributed, check_identity, signs
from pipeline.validate.kiriman import (
    Receipts,
    changed_after_receipt,
    check_sender,
    message_files,
    receipt_of,
    refused_by_mail,
    with_receipts,
)
from pipeline.validate.register import finalize_register, register
from pipeline.validate.renja import (
    K_KEYS,
    RENJA_K_COLUMNS,
    RENJA_RP_COLUMNS,
    RENJA_TEKS_COLUMNS,
    RP_KEYS,
    UNREAD,
    extract_renja,
    old_template_notice,
)
from pipeline.validate.rows import (
    ANGGARAN_COLUMNS,
    REALISASI_COLUMNS,
    REALISASI_KEYS,
    TW_TEXT_KEYS,
    extract_anggaran,
    extract_realisasi,
)
from pipeline.validate.values import (
    check_scored,
    check_scored_many,
    value_checks,
    value_checks_and_used_many,
    value_checks_many,
)

__all__ = [
    "REALISASI_KEYS",
    "FileStaging",
    "Renja",
    "Staged",
    "Validated",
    "check_scored",
    "check_scored_many",
    "complete",
    "finalize_register",
    "stage_files",
    "validate_all",
    "value_checks",
    "value_checks_many",
]


@dataclass
class Renja:
    """The Renja sheet's rows of the files used (Tabel E.81): K per indicator, Rp per program or
    kegiatan, follow-up texts, and per OPD what its file holds (``renja`` or ``lama``: a template
    without the Renja sheet)."""

    k: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RENJA_K_COLUMNS))
    rp: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RENJA_RP_COLUMNS))
    teks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RENJA_TEKS_COLUMNS))
    status: dict[str, str] = field(default_factory=dict)
    # the OPDs that sent files and had every one refused: not 'not yet received'
    ditolak: frozenset[str] = frozenset()


@dataclass
class Validated:
    """What validation hands to scoring: clean frames, the file register and all issues."""

    realisasi: pd.DataFrame
    anggaran: pd.DataFrame
    berkas: pd.DataFrame
    issues: list[Issue]
    renja: Renja = field(default_factory=Renja)
    blank: set[str] = field(default_factory=set)  # files used that hold no realisation


def _refused_structure(issues: list[Issue]) -> bool:
    """A structural ERROR on the Indikator sheet that is not about one indicator row."""
    return any(
        i.severity == ERROR
        and i.rule.startswith("struktur.")
        and i.sheet == tpl.SHEET_INDIKATOR
        and not i.kode_indikator
        for i in issues
    )


@dataclass
class Staged:
    """One Pemda after the per-file checks: the rows for the value rules, not yet checked."""

    per_file: dict[str, list[Issue]]
    opd_of: dict[str, str]
    active: list[Submission]
    superseded: dict[str, tuple[str, str]]  # file → (the file that replaced it, why)
    realisasi: pd.DataFrame
    anggaran: pd.DataFrame
    receipts: Receipts = field(default_factory=Receipts)
    renja: Renja = field(default_factory=Renja)
    blank: frozenset[str] = frozenset()  # files with rows to fill and no realisation at all


def validate_all(
    subs: list[Submission], spec: MasterSpec, ignored: list[tuple[Path, str, str]] | None = None
) -> Validated:
    """Structural checks per file, duplicates, value suites over all files, cross-file checks."""
    staged = stage_files(subs, spec)
    realisasi, anggaran, value_issues, used = value_checks_and_used_many(
        [(staged.realisasi, staged.anggaran, spec)]
    )[0]
    return complete(staged, subs, spec, ignored or [], realisasi, anggaran, value_issues, used)


class FileStaging:
    """:func:`stage_files` one file at a time, so that a run can check each file as it is read.

    :meth:`add` takes the files in their order (the per-file checks, and the rows of a usable
    file taken out at once, in case no later file of its OPD replaces it); :meth:`staged`, once
    every file is in, decides which file of an OPD is used and gives what :func:`stage_files`
    gives for the same files.
    """

    def __init__(self, spec: MasterSpec, receipts: Receipts | None = None) -> None:
        self.spec = spec
        self.receipts = receipts or Receipts()
        self.directory = Directory.of(spec)
        self.per_file: dict[str, list[Issue]] = {}
        self.opd_of: dict[str, str] = {}
        self.ok: list[Submission] = []
        self._rows: dict[str, _Rows] = {}

    def add(self, s: Submission) -> None:
        """The per-file checks of ``s`` (``_meta``, sender, identity), and its rows if usable."""
        spec, receipts, per_file = self.spec, self.receipts, self.per_file
        per_file[s.name] = list(s.issues)
        usable, kode, found = check_meta(s, spec)
        receipt = receipt_of(s, receipts.saved)
        wrong_sender = check_sender(s, kode, receipt) if usable else []
        if wrong_sender and receipt is not None:
            usable, kode = False, receipt.kode_opd  # counted for the OPD that sent it
        per_file[s.name] += found + wrong_sender + changed_after_receipt(s, receipts.saved)
        # the sender is checked above; here the file's name and its sheet's indicators
        seen = signs(s, kode, self.directory, "")
        if receipt is not None and receipt.kode_opd == kode:  # its own OPD's mailbox sent it
            seen = replace(seen, shortened=frozenset())
        if not usable and kode not in spec.opd_codes:  # the mailbox it came from says most
            kode = receipt.kode_opd if receipt is not None and receipt.kode_opd else ""
            kode = kode or attributed("", seen)
        if usable:
            counted, found = check_identity(s, kode, seen, self.directory)
            if found:
                usable, kode = False, counted
                per_file[s.name] = [replace(i, kode_opd=kode) for i in per_file[s.name] + found]
        if not usable:  # whose template it was made from says nothing of a file not used
            per_file[s.name] = [i for i in per_file[s.name] if i.rule != "struktur.sidik_spec"]
        self.opd_of[s.name] = kode
        if kode:  # what the reader found (a sheet missing…) is told to the OPD it is counted for
            per_file[s.name] = [
                i if i.kode_opd else replace(i, kode_opd=kode) for i in per_file[s.name]
            ]
        if usable and not _refused_structure(s.issues):
            self.ok.append(s)
            self._rows[s.name] = _rows_of(s, spec, kode)

    def staged(self) -> Staged:
        """Which file of an OPD is used (the later received, else the later saved), and the
        rows of the files used."""
        per_file, opd_of, ok = self.per_file, self.opd_of, self.ok
        triwulan = self.spec.triwulan
        earlier = {
            s.name: str(s.meta.get("periode", ""))
            for s in ok
            if (triwulan_of(s.meta.get("periode", "")) or 4) < triwulan
        }
        blank = frozenset(s.name for s in ok if _holds_nothing(self._rows[s.name]))
        superseded, found = supersede(
            ok, opd_of, self.receipts.received(ok), earlier=earlier, blank=blank
        )
        for issue in found:
            per_file[issue.file].append(issue)
        active = [s for s in ok if s.name not in superseded]
        real_rows, budget_rows = [], []
        k_rows, rp_rows, text_rows, status = [], [], [], {}
        for s in active:
            rows = self._rows[s.name]
            real_rows += rows.realisasi
            budget_rows += rows.anggaran
            per_file[s.name] += rows.issues
            status[opd_of[s.name]] = _renja_state(s, rows.issues)
            k_rows += rows.k
            rp_rows += rows.rp
            text_rows += rows.texts
        return Staged(
            per_file=per_file,
            opd_of=opd_of,
            active=active,
            superseded=superseded,
            realisasi=_frame(real_rows, REALISASI_COLUMNS),
            anggaran=_frame(budget_rows, ANGGARAN_COLUMNS),
            receipts=self.receipts,
            renja=Renja(
                _frame(k_rows, RENJA_K_COLUMNS),
                _frame(rp_rows, RENJA_RP_COLUMNS),
                _frame(text_rows, RENJA_TEKS_COLUMNS),
                status,
                frozenset(k for k in opd_of.values() if k) - set(status),
            ),
            blank=blank,
        )


# A frame of no rows for each list of columns, made once (see _frame).
_EMPTY: dict[tuple[str, ...], pd.DataFrame] = {}


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """``pd.DataFrame(rows, columns=columns)``. Without rows, a copy of the empty frame made
    once for these columns: pandas makes an empty frame with named columns one column at a
    time, which costs many times a copy, and most Pemda send no Renja K or follow-up text."""
    if rows:
        return pd.DataFrame(rows, columns=columns)
    key = tuple(columns)
    if key not in _EMPTY:
        _EMPTY[key] = pd.DataFrame(rows, columns=columns)
    return _EMPTY[key].copy()


def _typed(value: object) -> bool:
    """Whether a row's value holds something (a number, a text, a refusal flag)."""
    if value is None:
        return False
    if isinstance(value, str):
        return value != ""
    if isinstance(value, float):
        return not math.isnan(value)
    if isinstance(value, bool | np.bool_):  # a flag: refused, n/a
        return bool(value)
    return True  # a number of another type (0 typed is a value)


def _holds_nothing(rows: _Rows) -> bool:
    """A file with rows to fill and no realisation in any (no indicator value, text, n/a or
    refused value; no budget realisation, not even a refused one; no Renja K or Rp): the blank
    template sent back. It never replaces a file of its OPD that holds one, and an OPD whose
    file used is blank has not reported (:func:`~pipeline.validate.crossfile.blank_files`)."""
    if not rows.realisasi and not rows.anggaran:
        return False
    keys = (
        *REALISASI_KEYS,
        *TW_TEXT_KEYS,
        "realisasi_teks",
        "realisasi_tidak_valid",
        "realisasi_tidak_tersedia",
    )
    if any(_typed(r.get(k)) for r in rows.realisasi for k in keys):
        return False
    money = ("realisasi_anggaran", "realisasi_anggaran_ditolak")
    if any(_typed(r.get(k)) for r in rows.anggaran for k in money):
        return False
    renja = ((rows.k, K_KEYS), (rows.rp, RP_KEYS))
    return not any(_typed(r.get(k)) for frame, keys in renja for r in frame for k in keys)


@dataclass
class _Rows:
    """One usable file's rows against the spec and what was found in them, in check order."""

    realisasi: list[dict[str, Any]]
    anggaran: list[dict[str, Any]]
    issues: list[Issue]
    k: list[dict[str, Any]]
    rp: list[dict[str, Any]]
    texts: list[dict[str, Any]]


def _renja_state(s: Submission, issues: list[Issue]) -> str:
    """What the E.81 can take from a file used: ``renja`` (its Renja sheet), ``lama`` (an
    older template, without one), ``renja_hilang`` (its template has one, deleted or renamed)
    or ``renja_ditolak`` (the sheet's structure was changed: none of its values are read). The
    last two are no older template, and their quarters are not 'belum diisi'."""
    if not s.has_renja:
        return (
            "renja_hilang" if s.meta.get("versi_templat", "") == tpl.TEMPLATE_VERSION else "lama"
        )
    # the reader says so of the sheet's titles (its issues), the row checks of its rows
    refused = any(i.sheet == tpl.SHEET_RENJA and i.rule in UNREAD for i in [*s.issues, *issues])
    return "renja_ditolak" if refused else "renja"


def _rows_of(s: Submission, spec: MasterSpec, kode: str) -> _Rows:
    realisasi, issues = extract_realisasi(s, spec, kode)
    anggaran, found = extract_anggaran(s, spec, kode)
    issues = issues + found + old_template_notice(s, spec, kode)
    k: list[dict[str, Any]] = []
    rp: list[dict[str, Any]] = []
    texts: list[dict[str, Any]] = []
    if s.has_renja:
        k, rp, texts, found = extract_renja(s, spec, kode, anggaran)
        issues += found
    return _Rows(realisasi, anggaran, issues, k, rp, texts)


def stage_files(
    subs: list[Submission], spec: MasterSpec, receipts: Receipts | None = None
) -> Staged:
    """Per-file checks: ``_meta`` (and, for a mailed file, its sender), which file of an OPD
    is used (the later received, else the later saved), each row against the spec."""
    staging = FileStaging(spec, receipts)
    for s in subs:
        staging.add(s)
    return staging.staged()


def complete(
    staged: Staged,
    subs: list[Submission],
    spec: MasterSpec,
    ignored: list[tuple[Path, str, str]],
    realisasi: pd.DataFrame,
    anggaran: pd.DataFrame,
    value_issues: list[Issue],
    used: pd.Series | None = None,
) -> Validated:
    """After the value rules: cross-file checks, missing OPDs, late files, the file register.
    ``used``: each row's value as the cross-file checks compare it, when the value rules found
    it (:func:`~pipeline.validate.crossfile.cross_file_checks`)."""
    opd_of, active = dict(staged.opd_of), staged.active
    receipts = staged.receipts
    issues = [i for s in subs for i in staged.per_file[s.name]] + value_issues
    issues += receipts.issues
    directory = Directory.of(spec)
    for path, name, why in ignored:  # an ignored file is counted for the OPD its name names
        # a folder is no OPD's file: its name is the folder's, not a claim by an OPD; nor is
        # an Excel lock file, made where the workbook is open, not sent
        named = (
            ""
            if path.is_dir() or is_lock_file(name)
            else attributed("", Signs(directory.named(name), (), ""))
        )
        opd_of.setdefault(name, named)
        locked = why.startswith(("berkas tidak dapat dibuka", "tidak dapat dibuka"))
        if locked and name.lower().endswith(INPUT_SUFFIXES) and not path.is_dir():
            # a workbook that is there and cannot be read (permissions, a lock): not read,
            # another file of its OPD may stand in for it: a DRAFT until it can be read
            reason = why.split("(", 1)[1].split(")", 1)[0] if "(" in why else why
            issues.append(
                Issue(
                    rule="berkas.tidak_terbuka",
                    severity=ERROR,
                    message=f"Berkas ini ada di folder masukan tetapi tidak dapat dibuka "
                    f"({reason}); isinya tidak dibaca (berkas lain OPD ini, bila ada, yang "
                    "dipakai). Perbaiki izin berkas atau tutup program yang menguncinya, lalu "
                    "jalankan ulang.",
                    file=name,
                    kode_opd=named,
                    found=reason,
                    expected="berkas yang dapat dibuka",
                )
            )
        if why.startswith(LINK_OUTSIDE) and name.lower().endswith(INPUT_SUFFIXES):
            # a workbook put here as a link to a file elsewhere: meant to be read, and not
            # read (a link may lead anywhere): the report is a DRAFT until it is copied here
            issues.append(
                Issue(
                    rule="berkas.tautan",
                    severity=ERROR,
                    message="Berkas ini tautan simbolik ke berkas di luar folder masukan; "
                    "isinya tidak dibaca. Salin berkasnya sendiri (bukan tautannya) ke folder "
                    "masukan, lalu jalankan ulang.",
                    file=name,
                    kode_opd=named,
                    found="tautan ke luar folder masukan",
                    expected="berkas .xlsx di dalam folder masukan",
                )
            )
    submitted = {opd_of[s.name] for s in subs} | {opd_of[n] for _, n, _ in ignored}
    quarterly = spec.triwulan < 4  # the yearly values are not due yet where Renja is sent
    not_due = frozenset(s.name for s in active if s.has_renja) if quarterly else frozenset()
    empty = unanswered(realisasi)  # once, for both
    issues += cross_file_checks(realisasi, spec, not_due, empty, used)
    renja = staged.renja
    blank, found = blank_files(active, opd_of, realisasi, anggaran, staged.blank)
    issues += found
    mailed = refused_by_mail(
        receipts, {str(k) for k in spec.opd["kode_opd"]}, submitted, spec.zona_waktu
    )
    issues += mailed
    # an OPD whose mailed file was refused has sent: its issue says so, not "belum mengirim"
    submitted |= {i.kode_opd for i in mailed if i.rule == MAIL_REFUSED and i.kode_opd}
    issues += missing_opds(spec, submitted)
    deadline = str(spec.pemda["batas_pengumpulan"])
    issues += late_files(active, opd_of, deadline, spec.zona_waktu, receipts.received(active))
    berkas = register(subs, ignored, opd_of, {s.name for s in active}, staged.superseded, issues)
    berkas, unopened = message_files(berkas, receipts.messages, receipts.rows)
    issues += unopened
    berkas = with_receipts(berkas, receipts.saved, {s.name: s.sha256 for s in subs})
    issues += rejected_opds(spec, berkas, {s.name for s in active})
    return Validated(
        realisasi=realisasi,
        anggaran=anggaran,
        berkas=berkas,
        issues=issues,
        renja=renja,
        blank=blank,
    )
