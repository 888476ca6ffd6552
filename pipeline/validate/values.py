"""Value rules as great-expectations suites, run once over all OPDs with provenance columns
(berkas, sheet, baris) so every failing row maps back to its cell.

The frames the suites run on are built by :func:`realisasi_frame`, :func:`anggaran_frame` and
:func:`hasil_frame`: their columns are the fields a rule's message may name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline import schema
from pipeline import template as tpl
from pipeline.frames import looked_up, records, suite_view, taken
from pipeline.issues import ERROR, WARNING, Issue
from pipeline.master import MasterSpec
from pipeline.score import effective_values
from pipeline.suites import failures_to_issues, load_suite, rule_range, run_suite_many
from pipeline.validate.crossfile import used_values
from pipeline.validate.rows import REALISASI_KEYS

# A percent realisation this many times above or below its target is a fraction typed for a
# percent (65,5 % stored as 0,655) or the reverse, not a real value.
FAKTOR_SKALA_PERSEN = 50.0


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


RUNNING_NEAR = (0.5, 1.5)  # the last quarter this close to the target (times the target) …
RUNNING_SUM = 1.5  # … while the quarters add up to more than this many times the target


def _running_totals(
    frame: pd.DataFrame, target: pd.Series, from_quarters: pd.Series, summed: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """The last quarter's value and cell of a ``kumulatif`` indicator whose quarters look like
    running totals ("s/d triwulan", as the Renja forms ask): they never go down, the last one
    is already near the year's target, and their sum far above it. Summed, they gave a
    capaian of 185 % or 275 % without a word; the warning says which reading was used."""
    low, high = RUNNING_NEAR
    candidates = from_quarters & (frame["agregasi_tw"] == "kumulatif") & (target > 0)
    quarters = frame[list(schema.TW_COLUMNS)].astype(float).to_numpy()
    filled = ~np.isnan(quarters)
    carried = pd.DataFrame(quarters).ffill(axis=1).to_numpy()  # a gap keeps the last value
    with np.errstate(invalid="ignore"):
        steps = np.nan_to_num(np.diff(carried, axis=1), nan=0.0)  # before the first: no step
    last_at = len(schema.TW_COLUMNS) - 1 - np.argmax(filled[:, ::-1], axis=1)
    last = carried[:, -1]
    t = target.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        found = (
            candidates.to_numpy(dtype=bool)
            & (filled.sum(axis=1) >= 2)
            & (steps.min(axis=1) >= 0)
            & (steps.max(axis=1) > 0)
            & (low * t <= last)
            & (last <= high * t)
            & (summed.to_numpy(dtype=float) > RUNNING_SUM * t)
        )
    cells = frame[[f"sel_{k}" for k in schema.TW_COLUMNS]].to_numpy(dtype=object)
    value = np.where(found, last, np.nan)
    cell = np.where(found, cells[np.arange(len(frame)), last_at], "")
    return pd.Series(value, index=frame.index), pd.Series(cell, index=frame.index)


def _used_cell(frame: pd.DataFrame) -> pd.Series:
    """The cell the used realisation comes from: the annual cell, else the last TW reported."""
    keys = ["realisasi_tahunan", *reversed(schema.TW_COLUMNS)]
    reported = [frame[k].notna().tolist() for k in keys]
    cells = [frame[f"sel_{k}"].tolist() for k in keys]
    used = []
    for row in zip(*reported, *cells, strict=True):
        found: Any = ""
        for has, cell in zip(row[: len(keys)], row[len(keys) :], strict=True):
            if not (type(found) is str and found == ""):  # a name found (or a missing one)
                break
            found = cell if has else ""
        # a missing cell name stays, then reads as '' (as where and fillna did)
        used.append(found if type(found) is str or not pd.isna(found) else "")
    dtype = frame["sel_realisasi_tahunan"].dtype
    return pd.Series(used, index=frame.index, dtype=dtype)


def _lowest_quarter(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per row, the lowest TW value typed and its cell (the first of equals); NaN and '' for
    a row without any."""
    keys = list(schema.TW_COLUMNS)
    values = frame[keys].to_numpy(dtype=float).reshape(len(frame), len(keys))
    empty = np.isnan(values).all(axis=1)
    at = np.argmin(np.where(np.isnan(values), np.inf, values), axis=1)
    rows = np.arange(len(frame))
    lowest = np.where(empty, np.nan, values[rows, at])
    cells = frame[[f"sel_{k}" for k in keys]].to_numpy(dtype=object).reshape(len(frame), len(keys))
    named = ["" if e else str(cells[i, a] or "") for i, e, a in zip(rows, empty, at, strict=True)]
    index, kind = frame.index, frame["sel_realisasi_tahunan"].dtype
    return pd.Series(lowest, index=index, dtype=float), pd.Series(named, index=index, dtype=kind)


def _jump_floor() -> float:
    """The lowest realisation, in percent of the target, that ``nilai.lonjakan`` lets pass
    (the suite's own ``min_value``)."""
    return rule_range("realisasi_indikator", "nilai.lonjakan")[0]


def realisasi_frame(realisasi: pd.DataFrame, spec: MasterSpec) -> pd.DataFrame:
    """The received realisations with what the ``realisasi_indikator`` suite checks (see
    :func:`_realisasi_frame`)."""
    return _realisasi_frame(realisasi, spec)[0]


def _realisasi_frame(
    realisasi: pd.DataFrame, spec: MasterSpec
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The received realisations with what the ``realisasi_indikator`` suite checks.

    ``realisasi_dipakai`` is the value that will be scored (annual, else the TW roll-up), so a
    value reported in the quarterly cells only is checked like an annual one. ``target`` is the
    spec's target; a percent indicator without a plausible range gets 0–100
    (``batas_atas_persen`` / ``batas_bawah_persen``). Beside the frame, the rows'
    :func:`~pipeline.score.effective_values` (value and text) it was computed from.
    """
    ind = looked_up(spec.indikator, "kode_indikator", realisasi["kode_indikator"], _SPEC_COLUMNS)
    return _checked(realisasi, ind, spec.tangga, spec.settings.desimal_tampilan)


# The spec's indicator columns the realisations are checked with.
_SPEC_COLUMNS = [
    "polaritas",
    "tangga",
    "agregasi_tw",
    "satuan",
    "target_teks",
    "batas_wajar_min",
    "batas_wajar_max",
    "target_nilai",
    "tipe_nilai",
]


def _checked(
    realisasi: pd.DataFrame,
    ind: dict[str, pd.Series],
    tangga: dict[str, list[str]],
    desimal_tampilan: Any,
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """:func:`_realisasi_frame` of rows whose indicators' spec columns (:data:`_SPEC_COLUMNS`)
    are already looked up (``ind``): row by row, so the same for one Pemda's rows or for the
    rows of several Pemda that share the ladders and the display decimals."""
    polaritas = ind["polaritas"]
    numeric = polaritas.isin(["naik", "turun", "range"])
    frame = realisasi.assign(
        polaritas=polaritas,
        tangga=ind["tangga"],
        agregasi_tw=ind["agregasi_tw"],
        satuan=ind["satuan"],
        target=ind["target_teks"],
        batas_wajar_min=ind["batas_wajar_min"].astype(float),
        batas_wajar_max=ind["batas_wajar_max"].astype(float),
    )
    value, teks, rollup = effective_values(frame, tangga)
    used = value.where(numeric)
    target = ind["target_nilai"].astype(float)
    persen = (ind["tipe_nilai"] == "persen") | frame["satuan"].astype(str).str.contains(
        "%", regex=False
    )
    plausible = ~(used < frame["batas_wajar_min"])  # below-minimum rows have their own rule
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (used / target.where(target != 0) * 100).where(plausible)
        fold = pd.concat([(used / target).abs(), (target / used).abs()], axis=1).max(axis=1)
    scale = fold.where(persen & (used != 0) & (target != 0) & np.isfinite(fold))
    ratio = ratio.where(~(scale > FAKTOR_SKALA_PERSEN))  # that rule says more
    # lower is better: far below the target (0 cases against 3) is the good direction
    ratio = ratio.where(~((polaritas == "turun") & (ratio < _jump_floor())))
    gap: pd.Series = (frame["realisasi_tahunan"] - rollup) / frame["realisasi_tahunan"].abs().clip(
        lower=1e-9
    )
    annual_text, last_text = _ladder_disagreement(frame, polaritas == "kualitatif")
    lowest, lowest_cell = _lowest_quarter(frame)
    from_quarters = numeric & frame["realisasi_tahunan"].astype(float).isna()
    running, running_cell = _running_totals(frame, target, from_quarters, used)
    checked = frame.assign(
        desimal_tampilan=desimal_tampilan,  # of the ratios in its messages
        tw_akhir_kumulatif=running,
        sel_tw_akhir_kumulatif=running_cell,
        realisasi_dipakai=used,
        sel_realisasi_dipakai=_used_cell(frame),
        realisasi_tw_terendah=lowest.where(from_quarters),
        sel_realisasi_tw_terendah=lowest_cell,
        rasio_terhadap_target=ratio,
        faktor_skala=scale,
        batas_atas_persen=np.where(persen & frame["batas_wajar_max"].isna(), 100.0, np.nan),
        batas_bawah_persen=np.where(persen & frame["batas_wajar_min"].isna(), 0.0, np.nan),
        realisasi_tw_gabungan=rollup.where(numeric),
        selisih_tw_tahunan=gap.where(numeric),
        tahunan_tangga_beda=annual_text,
        sel_tahunan_tangga_beda=frame["sel_realisasi_tahunan"],
        tw_tangga_akhir=last_text,
    )
    return checked, value, teks


@dataclass
class _Part:
    """One Pemda's frame for a suite: rows ``start:stop`` of ``frame``, a frame that may hold
    other Pemda's rows too (computed once for them all)."""

    frame: pd.DataFrame
    start: int
    stop: int

    def issues(self, failures: list[dict[str, Any]], key: str) -> list[Issue]:
        """:func:`~pipeline.suites.failures_to_issues` of the Pemda's failing rows."""
        at = [{**f, "index": f["index"] + self.start} for f in failures]
        return failures_to_issues(self.frame, at, _locate(key))


def _run_parts(parts: list[_Part], suite: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """:func:`_run` of each Pemda's rows: the columns the suite reads taken once per frame."""
    views: dict[int, pd.DataFrame] = {}
    for part in parts:
        if id(part.frame) not in views:
            views[id(part.frame)] = suite_view(part.frame, suite)
    return run_suite_many([views[id(p.frame)].iloc[p.start : p.stop] for p in parts], suite)


@dataclass
class _Rows(_Part):
    """One Pemda's rows of :func:`_realisasi_frame` (a :class:`_Part`), and their effective
    value and text and their indicators' ``polaritas`` on the Pemda's own index."""

    value: pd.Series
    teks: pd.Series
    polaritas: pd.Series


def _realisasi_frames(batch: list[tuple[pd.DataFrame, MasterSpec]]) -> list[_Rows]:
    """:func:`_realisasi_frame` of each Pemda of ``batch``, computed once over the stacked rows
    of the Pemda that can share it (:func:`_stack_key`).

    A Pemda's frame holds a few hundred rows and the computation is row by row: most of its
    cost is pandas' fixed cost per operation, paid once per Pemda alone. Each row is joined
    with its own Pemda's spec (the codes looked up in that spec, the positions then moved to
    the stacked spec rows), and its values and their types are those of its Pemda's own frame:
    stacked Pemda have the same columns and types, the same ladders and display decimals.
    """
    out: list[_Rows | None] = [None] * len(batch)
    groups: dict[Any, list[int]] = {}
    for i, (realisasi, spec) in enumerate(batch):
        groups.setdefault(_stack_key(realisasi, spec), []).append(i)
    for members in groups.values():
        if len(members) == 1:
            realisasi, spec = batch[members[0]]
            frame, value, teks = _realisasi_frame(realisasi, spec)
            out[members[0]] = _Rows(frame, 0, len(frame), value, teks, frame["polaritas"])
            continue
        parts = [batch[i][0] for i in members]
        specs = [batch[i][1] for i in members]
        stacked = pd.concat(parts, ignore_index=True)
        codes = stacked["kode_indikator"]
        at, offset = [], 0
        for part, spec in zip(parts, specs, strict=True):
            found = pd.Index(spec.indikator["kode_indikator"]).get_indexer(part["kode_indikator"])
            at.append(np.where(found >= 0, found + offset, -1))
            offset += len(spec.indikator)
        table = pd.concat([s.indikator[_SPEC_COLUMNS] for s in specs], ignore_index=True)
        ind = taken(table, np.concatenate(at), codes, _SPEC_COLUMNS)
        frame, value, teks = _checked(
            stacked, ind, specs[0].tangga, specs[0].settings.desimal_tampilan
        )
        bounds = np.cumsum([0, *(len(p) for p in parts)]).tolist()
        for i, part, start, stop in zip(members, parts, bounds[:-1], bounds[1:], strict=True):
            own = part.index
            out[i] = _Rows(
                frame,
                start,
                stop,
                value.iloc[start:stop].set_axis(own),
                teks.iloc[start:stop].set_axis(own),
                frame["polaritas"].iloc[start:stop].set_axis(own),
            )
    return [rows for rows in out if rows is not None]


def _stack_key(realisasi: pd.DataFrame, spec: MasterSpec) -> Any:
    """What Pemda must share for their realisations to be checked stacked: the columns and
    types of the rows and of the spec columns joined to them (a stacked column keeps the type
    it has in each Pemda's own frame), the ladders and the display decimals."""
    dtypes = spec.indikator.dtypes
    return (
        tuple(zip(realisasi.columns, realisasi.dtypes, strict=True)),
        tuple(dtypes.get(c) for c in ["kode_indikator", *_SPEC_COLUMNS]),
        tuple(sorted((name, tuple(ladder)) for name, ladder in spec.tangga.items())),
        repr(spec.settings.desimal_tampilan),
    )


def _ladder_disagreement(frame: pd.DataFrame, ladder: pd.Series) -> tuple[pd.Series, pd.Series]:
    """For a ladder (kualitatif) indicator with both a Realisasi Tahunan and quarterly values:
    the annual value where it is not the last quarter's (its roll-up), else missing; and that
    last quarter's value. The numeric rows have ``selisih_tw_tahunan``."""
    annual_out: list[object] = [None] * len(frame)
    last_out: list[object] = [None] * len(frame)
    keys = [f"{k}_teks" for k in schema.TW_COLUMNS]
    columns = [frame[k].tolist() for k in ("realisasi_teks", *keys)]
    for i, is_ladder in enumerate(ladder.tolist()):  # plain lists: most rows are skipped
        if not is_ladder:
            continue
        annual = _typed_text(columns[0][i])
        last = next((t for t in (_typed_text(c[i]) for c in columns[:0:-1]) if t), "")
        if annual and last and annual.casefold() != last.casefold():
            annual_out[i], last_out[i] = annual, last
    return (
        pd.Series(annual_out, index=frame.index, dtype=object),
        pd.Series(last_out, index=frame.index, dtype=object),
    )


def _typed_text(value: object) -> str:
    """A text cell's value stripped ('' for none)."""
    return value.strip() if isinstance(value, str) else ""


def anggaran_frame(anggaran: pd.DataFrame, spec: MasterSpec) -> pd.DataFrame:
    """The received budget realisations with their spec pagu (``realisasi_anggaran`` suite).

    The pagu of each row looked up in a plain dict of the spec's (made once per spec; its
    codes are unique), the serapan computed on the arrays: a Pemda's few dozen rows cost
    pandas' fixed cost per step, several times the arithmetic."""
    program = spec.program
    pagu_of = spec.derived(
        "pagu",
        (program,),
        lambda: dict(zip(program["kode_program"].tolist(), program["pagu"].tolist(), strict=True)),
    )
    pagu = np.array(
        [pagu_of.get(code, np.nan) for code in anggaran["kode_program"].tolist()], dtype=float
    )
    real = anggaran["realisasi_anggaran"].to_numpy(dtype=float)
    spent = (real > 0) & (pagu > 0)  # nothing spent is no typing slip
    with np.errstate(divide="ignore", invalid="ignore"):  # those rows are not kept
        serapan = np.where(spent, real / pagu * 100, np.nan)
    return anggaran.assign(
        pagu=pd.Series(pagu, index=anggaran.index),
        serapan_persen=pd.Series(serapan, index=anggaran.index),
    )


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
    return [(r, a, issues) for r, a, issues, _ in value_checks_and_used_many(batch)]


def value_checks_and_used_many(
    batch: list[tuple[pd.DataFrame, pd.DataFrame, MasterSpec]],
) -> list[tuple[pd.DataFrame, pd.DataFrame, list[Issue], pd.Series]]:
    """:func:`value_checks_many`, and per Pemda the value each of its clean rows will be
    scored with, as the cross-file checks compare them
    (:func:`~pipeline.validate.crossfile.used_values`): taken from the effective values the
    value rules computed, a row whose values an ERROR dropped having none (as an invalid row
    has none), instead of computed again."""
    built = _realisasi_frames([(realisasi, spec) for realisasi, _, spec in batch])
    budgets = [anggaran_frame(anggaran, spec) for _, anggaran, spec in batch]
    real_failures = _run_parts(list(built), load_suite("realisasi_indikator"))
    budget_failures = _run(budgets, load_suite("realisasi_anggaran"))
    out = []
    for (realisasi, anggaran, _), rows, budget, real_f, budget_f in zip(
        batch, built, budgets, real_failures, budget_failures, strict=True
    ):
        issues = rows.issues(real_f, "kode_indikator")
        issues += failures_to_issues(budget, budget_f, _locate("kode_program"))
        clean = _drop_errors(realisasi, issues, [*REALISASI_KEYS], "realisasi_tidak_valid")
        invalid = clean["realisasi_tidak_valid"].fillna(False).astype(bool)
        used = used_values(rows.value.mask(invalid), rows.teks.mask(invalid, ""), rows.polaritas)
        out.append(
            (
                clean,
                _drop_errors(
                    anggaran, issues, ["realisasi_anggaran"], "realisasi_anggaran_ditolak"
                ),
                issues,
                used,
            )
        )
    return out


def _run(frames: list[pd.DataFrame], suite: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """One pass of ``suite`` over the columns of ``frames`` that it reads (the same failures
    as over the whole frames; the issues are then written from the whole rows)."""
    return run_suite_many([suite_view(f, suite) for f in frames], suite)


def _drop_errors(
    df: pd.DataFrame, issues: list[Issue], columns: list[str], flag: str
) -> pd.DataFrame:
    """A row that an ERROR points at (any of its value cells) has none of its values used."""
    bad = {(i.file, i.cell) for i in issues if i.severity == ERROR and i.cell}
    if df.empty or not bad:
        return df
    hit = pd.Series(False, index=df.index)
    for column in columns:
        hit |= pd.Series(
            [
                (b, c) in bad
                for b, c in zip(df["berkas"].tolist(), df[f"sel_{column}"].tolist(), strict=True)
            ],
            index=df.index,
        )
    out = df.assign(**{c: df[c].mask(hit) for c in columns})
    return out.assign(**{flag: out[flag].fillna(False).astype(bool) | hit})


def hasil_frame(scored: pd.DataFrame) -> pd.DataFrame:
    """Scored rows from OPD files with what the ``hasil_capaian`` suite checks."""
    rows = scored[(scored["berkas"] != "") & (scored["status"] == schema.STATUS_DINILAI)]
    shown = (
        rows["realisasi"]
        .astype(object)
        .where(rows["polaritas"] != "kualitatif", rows["realisasi_teks"])
    )
    # a target with its unit; a ladder value (WTP, Madya) is its own unit
    unit = rows["satuan"].fillna("").astype(str).where(rows["polaritas"] != "kualitatif", "")
    target = (rows["target_teks"].fillna("").astype(str) + " " + unit).str.strip()
    return rows.assign(
        sheet=tpl.SHEET_INDIKATOR,
        realisasi_tampil=shown,
        target_tampil=target,
        selisih_capaian_opd=own_capaian_difference(
            rows["capaian_opd"], rows["capaian_mentah"], rows["capaian"]
        ),
    )


def own_capaian_difference(own: pd.Series, raw: pd.Series, capped: pd.Series) -> pd.Series:
    """The OPD's own capaian minus ours, taking the reading closest to the OPD's figure.

    An OPD that capped its capaian at 100 (common practice) or at the setting's cap is not
    wrong: 100,00 against our raw 100,64 differs only by that cap. The difference is taken to
    the nearest of our raw value, our value capped at 100 and our value capped for the averages
    (``capped``, the setting's cap); what is left is compared with the suite's tolerance
    (rounding).
    """
    ours = raw.astype(float)
    candidates = [ours, ours.clip(upper=100.0), capped.astype(float)]
    diffs = np.column_stack([(own.astype(float) - c).to_numpy(dtype=float) for c in candidates])
    distance = np.where(np.isnan(diffs), np.inf, np.abs(diffs))
    picked = diffs[np.arange(len(diffs)), distance.argmin(axis=1)] if len(diffs) else diffs
    return pd.Series(np.asarray(picked, dtype=float).reshape(-1), index=own.index, dtype=float)


DESIMAL_PESAN = 2  # a capaian in a message, when the spec's desimal_tampilan is not given


def check_scored(scored: pd.DataFrame) -> list[Issue]:
    """The computed-results suite: faktor penghambat where capaian < 100, the OPD's own figure."""
    return check_scored_many([scored])[0]


def check_scored_many(
    batch: list[pd.DataFrame], decimals: list[int] | None = None
) -> list[list[Issue]]:
    """:func:`check_scored` for many Pemda's scored indicators in one pass of the suite;
    ``decimals`` (each Pemda's ``desimal_tampilan``) are the decimals its messages show a
    capaian with, as its workbook does."""
    places = decimals if decimals is not None else [DESIMAL_PESAN] * len(batch)
    parts = _hasil_frames(batch, places)
    failures = _run_parts(parts, load_suite("hasil_capaian"))
    return [
        (part.issues(found, "kode_indikator") if part.stop > part.start else [])
        + unscorable(scored)
        for scored, part, found in zip(batch, parts, failures, strict=True)
    ]


def _hasil_frames(batch: list[pd.DataFrame], decimals: list[int]) -> list[_Part]:
    """Each Pemda's :func:`hasil_frame` with its ``desimal_tampilan``, built once over the
    stacked scored rows of the Pemda with the same columns, types and decimals (row by row:
    each row as in its Pemda's own frame; a Pemda's few hundred rows cost mostly pandas' fixed
    cost per operation)."""
    out: list[_Part | None] = [None] * len(batch)
    groups: dict[Any, list[int]] = {}
    for i, (scored, d) in enumerate(zip(batch, decimals, strict=True)):
        key = (tuple(zip(scored.columns, scored.dtypes, strict=True)), repr(d))
        groups.setdefault(key, []).append(i)
    for members in groups.values():
        parts = [batch[i] for i in members]
        stacked = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        frame = hasil_frame(stacked).assign(desimal_tampilan=decimals[members[0]])
        if len(parts) == 1:
            out[members[0]] = _Part(frame, 0, len(frame))
            continue
        # the rows kept are labelled by their stacked positions: each Pemda's are in its range
        ends = np.cumsum([0, *(len(p) for p in parts)])
        bounds = np.searchsorted(frame.index.to_numpy(), ends, side="left").tolist()
        for i, start, stop in zip(members, bounds[:-1], bounds[1:], strict=True):
            out[i] = _Part(frame, start, stop)
    return [part for part in out if part is not None]


_UNSCORABLE_FIELDS = ("keterangan", "kode_indikator", "berkas", "kode_opd")


def unscorable(scored: pd.DataFrame) -> list[Issue]:
    """A WARNING at the realisation of each reported indicator whose capaian cannot be computed
    (a realisation of 0 under ``T/R``, a target of 0 …): it leaves every average, and its
    Keterangan alone would not say so to the OPD or the secretariat. A value refused by an
    ERROR, or a polarity the spec does not know, is said where it is found."""
    if scored.empty:
        return []
    # most Pemda have no such row: the status alone tells, before the other columns are read
    mask = scored["status"] == schema.STATUS_TIDAK_DAPAT
    if not mask.any():
        return []
    mask &= (
        (scored["berkas"].fillna("") != "")
        & ~scored["realisasi_tidak_valid"].fillna(False).astype(bool)
        & scored["polaritas"].isin(schema.POLARITAS)
    )
    if not mask.any():
        return []
    # only the columns read: the scored frame has some seventy
    cells_read = [c for k in ("realisasi_tahunan", *schema.TW_COLUMNS) for c in (k, f"sel_{k}")]
    rows = scored.loc[mask, [*_UNSCORABLE_FIELDS, *cells_read]]
    cells = _used_cell(rows)
    out = []
    for rec, cell in zip(records(rows[list(_UNSCORABLE_FIELDS)]), cells.tolist(), strict=True):
        why = str(rec["keterangan"])
        out.append(
            Issue(
                rule="capaian.tidak_dapat_dihitung",
                severity=WARNING,
                message=(
                    f"Capaian indikator '{rec['kode_indikator']}' tidak dapat dihitung ({why}); "
                    "indikator ini tidak ikut rata-rata. Bila realisasinya sudah benar, tidak "
                    "perlu diubah: sekretariat menilainya dengan catatan atau menyesuaikan rumus "
                    "di data sekretariat."
                ),
                file=str(rec["berkas"]),
                sheet=tpl.SHEET_INDIKATOR,
                cell=str(cell or ""),
                kode_opd=str(rec["kode_opd"]),
                kode_indikator=str(rec["kode_indikator"]),
                found=why,
                expected="capaian yang dapat dihitung",
            )
        )
    return out
