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
from pipeline.suites import failures_to_issues, load_suite, run_suite


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
    frame = frame.assign(
        rasio_terhadap_target=ratio, realisasi_tw_gabungan=rollup, selisih_tw_tahunan=gap
    )
    suite = load_suite("realisasi_indikator")
    issues = failures_to_issues(frame, run_suite(frame, suite), _locate("kode_indikator"))
    prog = spec.program.set_index("kode_program")
    budget = anggaran.assign(pagu=anggaran["kode_program"].map(prog["pagu"]).astype(float))
    suite = load_suite("realisasi_anggaran")
    issues += failures_to_issues(budget, run_suite(budget, suite), _locate("kode_program"))
    realisasi = _drop_errors(realisasi, issues, "realisasi_tahunan")
    anggaran = _drop_errors(anggaran, issues, "realisasi_anggaran")
    return realisasi, anggaran, issues


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
    rows = scored[(scored["berkas"] != "") & (scored["status"] == schema.STATUS_DINILAI)]
    if rows.empty:
        return []
    frame = rows.assign(
        sheet=tpl.SHEET_INDIKATOR,
        selisih_capaian_opd=rows["capaian_opd"].astype(float) - rows["capaian_mentah"],
    )
    suite = load_suite("hasil_capaian")
    return failures_to_issues(frame, run_suite(frame, suite), _locate("kode_indikator"))
