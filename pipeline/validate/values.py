"""Value rules as great-expectations suites, run once over all OPDs with provenance columns
(berkas, sheet, baris) so every failing row maps back to its cell."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pipeline import schema
from pipeline import template as tpl
from pipeline.issues import ERROR, Issue
from pipeline.master import MasterSpec
from pipeline.score import rollup_tw
from pipeline.suites import failures_to_issues, load_suite, run_suite_many


def _locate(key: str) -> Callable[[pd.Series, str], dict[str, str]]:
    """Where a failing row of an OPD frame points: its file, sheet and the column's cell."""

    def locate(row: pd.Series, column: str) -> dict[str, str]:
        return {
            "file": str(row["berkas"]),
            "sheet": str(row["sheet"]),
            "cell": str(row.get(f"sel_{column}", "") or ""),
            "kode_opd": str(row["kode_opd"]),
            "kode_indikator": str(row.get(key, "") if key == "kode_indikator" else ""),
        }

    return locate


def value_checks(
    realisasi: pd.DataFrame, anggaran: pd.DataFrame, spec: MasterSpec
) -> tuple[pd.DataFrame, pd.DataFrame, list[Issue]]:
    """Run the value suites over all OPDs at once; values failing an ERROR rule are dropped."""
    return value_checks_many([(realisasi, anggaran, spec)])[0]


def value_checks_many(
    batch: list[tuple[pd.DataFrame, pd.DataFrame, MasterSpec]],
) -> list[tuple[pd.DataFrame, pd.DataFrame, list[Issue]]]:
    """:func:`value_checks` for many Pemda: each suite runs once over all their rows.

    Each Pemda's rows are joined with its own spec; failures come back to that Pemda's cells,
    so every result equals what :func:`value_checks` gives for the Pemda alone.
    """
    frames, budgets = [], []
    for realisasi, anggaran, spec in batch:
        frames.append(_realisasi_frame(realisasi, spec))
        prog = spec.program.set_index("kode_program")
        budgets.append(
            anggaran.assign(pagu=anggaran["kode_program"].map(prog["pagu"]).astype(float))
        )
    real_failures = run_suite_many(frames, load_suite("realisasi_indikator"))
    budget_failures = run_suite_many(budgets, load_suite("realisasi_anggaran"))
    out = []
    for (realisasi, anggaran, _), frame, budget, real_f, budget_f in zip(
        batch, frames, budgets, real_failures, budget_failures, strict=True
    ):
        issues = failures_to_issues(frame, real_f, _locate("kode_indikator"))
        issues += failures_to_issues(budget, budget_f, _locate("kode_program"))
        out.append(
            (
                _drop_errors(realisasi, issues, "realisasi_tahunan"),
                _drop_errors(anggaran, issues, "realisasi_anggaran"),
                issues,
            )
        )
    return out


def _realisasi_frame(realisasi: pd.DataFrame, spec: MasterSpec) -> pd.DataFrame:
    """One Pemda's realisations with what the value rules compare them with."""
    ind = spec.indikator.set_index("kode_indikator")
    frame = realisasi.assign(
        agregasi_tw=realisasi["kode_indikator"].map(ind["agregasi_tw"]),
        batas_wajar_min=realisasi["kode_indikator"].map(ind["batas_wajar_min"]).astype(float),
        batas_wajar_max=realisasi["kode_indikator"].map(ind["batas_wajar_max"]).astype(float),
    )
    target = frame["kode_indikator"].map(ind["target_nilai"]).astype(float)
    annual = frame["realisasi_tahunan"].astype(float)
    plausible = ~(annual < frame["batas_wajar_min"])  # below-minimum rows have their own rule
    ratio = (annual / target.where(target != 0) * 100).where(plausible)
    rollup = rollup_tw(frame)
    gap: pd.Series = (annual - rollup) / annual.abs().clip(lower=1e-9)
    return frame.assign(
        rasio_terhadap_target=ratio, realisasi_tw_gabungan=rollup, selisih_tw_tahunan=gap
    )


def _drop_errors(df: pd.DataFrame, issues: list[Issue], column: str) -> pd.DataFrame:
    """Blank the value of every row that an ERROR issue points at (value excluded)."""
    bad = {(i.file, i.cell) for i in issues if i.severity == ERROR and i.cell}
    if df.empty or not bad:
        return df
    mask = pd.Series(
        [(b, c) in bad for b, c in zip(df["berkas"], df[f"sel_{column}"], strict=True)],
        index=df.index,
    )
    out = df.assign(**{column: df[column].mask(mask)})
    if "realisasi_tidak_valid" in out:
        out = out.assign(realisasi_tidak_valid=out["realisasi_tidak_valid"] | mask)
    return out


def check_scored(scored: pd.DataFrame) -> list[Issue]:
    """The computed-results suite: faktor penghambat where capaian < 100, the OPD's own figure."""
    return check_scored_many([scored])[0]


def check_scored_many(batch: list[pd.DataFrame]) -> list[list[Issue]]:
    """:func:`check_scored` for many Pemda's scored indicators in one pass of the suite."""
    frames = []
    for scored in batch:
        rows = scored[(scored["berkas"] != "") & (scored["status"] == schema.STATUS_DINILAI)]
        frames.append(
            rows.assign(
                sheet=tpl.SHEET_INDIKATOR,
                selisih_capaian_opd=rows["capaian_opd"].astype(float) - rows["capaian_mentah"],
            )
        )
    failures = run_suite_many(frames, load_suite("hasil_capaian"))
    return [
        failures_to_issues(frame, found, _locate("kode_indikator")) if not frame.empty else []
        for frame, found in zip(frames, failures, strict=True)
    ]
