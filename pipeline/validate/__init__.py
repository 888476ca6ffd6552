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

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import template as tpl
from pipeline.ingest import Submission
from pipeline.issues import ERROR, Issue
from pipeline.master import MasterSpec
from pipeline.validate.crossfile import cross_file_checks, late_files, missing_opds
from pipeline.validate.files import check_meta, supersede
from pipeline.validate.register import finalize_register, register
from pipeline.validate.rows import (
    ANGGARAN_COLUMNS,
    REALISASI_COLUMNS,
    REALISASI_KEYS,
    extract_anggaran,
    extract_realisasi,
)
from pipeline.validate.values import check_scored, value_checks

__all__ = [
    "REALISASI_KEYS",
    "Validated",
    "check_scored",
    "finalize_register",
    "validate_all",
]


@dataclass
class Validated:
    """What validation hands to scoring: clean frames, the file register and all issues."""

    realisasi: pd.DataFrame
    anggaran: pd.DataFrame
    berkas: pd.DataFrame
    issues: list[Issue]


def _refused_structure(issues: list[Issue]) -> bool:
    """A structural ERROR on the Indikator sheet that is not about one indicator row."""
    return any(
        i.severity == ERROR
        and i.rule.startswith("struktur.")
        and i.sheet == tpl.SHEET_INDIKATOR
        and not i.kode_indikator
        for i in issues
    )


def validate_all(
    subs: list[Submission], spec: MasterSpec, ignored: list[tuple[Path, str, str]] | None = None
) -> Validated:
    """Structural checks per file, duplicates, value suites over all files, cross-file checks."""
    ignored = ignored or []
    per_file: dict[str, list[Issue]] = {s.name: list(s.issues) for s in subs}
    opd_of: dict[str, str] = {}
    ok: list[Submission] = []
    for s in subs:
        usable, kode, found = check_meta(s, spec)
        opd_of[s.name] = kode
        per_file[s.name] += found
        if usable and not _refused_structure(s.issues):
            ok.append(s)
    superseded, found = supersede(ok, opd_of)
    for issue in found:
        per_file[issue.file].append(issue)
    active = [s for s in ok if s.name not in superseded]
    real_rows, budget_rows = [], []
    for s in active:
        rows, found = extract_realisasi(s, spec, opd_of[s.name])
        real_rows += rows
        per_file[s.name] += found
        rows, found = extract_anggaran(s, spec, opd_of[s.name])
        budget_rows += rows
        per_file[s.name] += found
    realisasi = pd.DataFrame(real_rows, columns=REALISASI_COLUMNS)
    anggaran = pd.DataFrame(budget_rows, columns=ANGGARAN_COLUMNS)
    realisasi, anggaran, value_issues = value_checks(realisasi, anggaran, spec)
    issues = [i for s in subs for i in per_file[s.name]] + value_issues
    submitted = {opd_of[s.name] for s in subs}  # any file that claims the OPD
    issues += cross_file_checks(realisasi)
    issues += missing_opds(spec, submitted)
    issues += late_files(active, opd_of, str(spec.pemda["batas_pengumpulan"]))
    berkas = register(subs, ignored, opd_of, {s.name for s in active}, superseded, issues)
    return Validated(realisasi=realisasi, anggaran=anggaran, berkas=berkas, issues=issues)
