"""One Pemda's run as a library function: ingest → validate → join targets → score.

``report``, ``check`` and every later command (and the tests and notebooks) call
:func:`run_pemda`; nothing here prints or decides an exit code. Writing the outputs is
:mod:`pipeline.outputs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.ingest import Submission, is_candidate, list_inputs
from pipeline.isolate import Limits, read_files
from pipeline.issues import ERROR, Issue, issues_frame
from pipeline.master import MasterSpec, read_master
from pipeline.score import Results, build_results
from pipeline.validate import Validated, check_scored, finalize_register, validate_all


@dataclass
class Run:
    """Everything one run produced, before anything is written."""

    spec: MasterSpec
    input_dir: Path
    subs: list[Submission]
    validated: Validated
    results: Results
    issues: pd.DataFrame

    @property
    def has_errors(self) -> bool:
        """Whether any ERROR remains (the report is then a DRAFT)."""
        return not self.issues.empty and bool((self.issues["severity"] == ERROR).any())


def load_spec(path: Path) -> tuple[MasterSpec | None, list[Issue]]:
    """Read and check the master spec; ``None`` when it is refused (the issues say why)."""
    return read_master(path)


def ingest_folder(
    folder: Path, limits: Limits | None
) -> tuple[list[Submission], list[tuple[Path, str, str]]]:
    """Every file under ``folder``: templates read in isolated workers, the rest listed."""
    candidates: list[tuple[Path, str]] = []
    ignored: list[tuple[Path, str, str]] = []
    for path in list_inputs(folder):
        name = path.relative_to(folder).as_posix()
        ok, reason = is_candidate(path)
        if ok:
            candidates.append((path, name))
        else:
            ignored.append((path, name, reason))
    return read_files(candidates, limits), ignored


def run_pemda(
    spec: MasterSpec,
    input_dir: Path,
    previous: pd.DataFrame | None = None,
    limits: Limits | None = None,
) -> Run:
    """Ingest → validate → join → score, all in memory (files read in isolated workers)."""
    subs, ignored = ingest_folder(input_dir, limits)
    validated = validate_all(subs, spec, ignored)
    results = build_results(
        spec.indikator,
        spec.sasaran,
        spec.tujuan,
        spec.misi,
        spec.opd,
        spec.program,
        validated.realisasi,
        validated.anggaran,
        spec.settings,
        spec.tangga,
        previous,
    )
    all_issues: list[Issue] = spec.issues + validated.issues + check_scored(results.indikator)
    issues = issues_frame(all_issues)
    validated.berkas = finalize_register(validated.berkas, issues)
    return Run(spec, input_dir, subs, validated, results, issues)
