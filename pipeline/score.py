"""Capaian, predikat, averages, serapan and efisiensi: pure DataFrame functions.

Nothing here reads a file or mutates its input. Every computed number carries the rule that
made it (``rumus``, ``metode``), so the workbook can be recomputed by hand. Full precision is
kept; rounding is the writer's business.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from pipeline import fmt, schema
from pipeline.config import Scale, Settings
from pipeline.numbers import digits15

_TW = list(schema.TW_COLUMNS)
_TW_TEXT = [f"{k}_teks" for k in schema.TW_COLUMNS]

# The rule table: every formula the report can name, by rule id, as the Rumus column and the
# README's formula section write it. A kualitatif formula is preceded by its ladder.
RUMUS: dict[str, str] = {
    "realisasi_tahunan": "tahunan",
    "kumulatif": "jumlah TW I–IV",
    "nilai_akhir": "TW terakhir",
    "rata_rata": "rata-rata TW",
    "naik": "R/T×100",
    "turun_2t_r": "(2T−R)/T×100, minimum 0",
    "turun_t_r": "T/R×100",
    "turun_nol": "T=0 dan R=0 → 100",
    "range_dalam": "L≤R≤U → 100",
    "range_atas": "R>U: R/U×100",
    "range_atas_turun": "R>U: (2U−R)/U×100, minimum 0",
    "range_bawah": "R<L: R/L×100",
    "kualitatif_tercapai_100": "≥ target → 100, selain itu peringkat R/T×100",
    "kualitatif_rasio_peringkat": "peringkat R/peringkat T×100",
    "batas_capaian": "min(capaian, batas_capaian), minimum 0",
    "rata_rata_sederhana": "Σ capaian untuk rata-rata / n",
    "rata_rata_bobot": "Σ (capaian untuk rata-rata × bobot) / Σ bobot",
    "serapan": "Σ realisasi / Σ pagu × 100",
    "efisiensi": "rata-rata capaian − serapan",
    "rasio_efisiensi": "rata-rata capaian / serapan",
    "progres_rpjmd": "rumus polaritas dengan T = target akhir RPJMD",
    "perubahan_capaian": "capaian − capaian tahun lalu",
}


def digits15_array(values: Any, of: Any = None) -> np.ndarray:
    """:func:`~pipeline.numbers.digits15` of every value (a new float64 array): what the
    pipeline computes (capaian, roll-ups, differences) is kept to the 15 digits its inputs
    have, without the noise of binary arithmetic that would decide a comparison with a
    threshold (``0.27 / 0.3 * 100`` is 90, not ``90.00000000000001``). ``of``: the magnitudes
    whose digits count, one per value (see :func:`~pipeline.numbers.digits15`); a 1-D array."""
    flat = np.asarray(values, dtype=float).tolist()
    scales = flat if of is None else np.asarray(of, dtype=float).tolist()
    return np.array([digits15(v, s) for v, s in zip(flat, scales, strict=True)], dtype=float)


def rollup_tw(df: pd.DataFrame, columns: list[str] | None = None) -> pd.Series:
    """The quarterly cells rolled up by each row's ``agregasi_tw`` (the one home of the rule).

    ``kumulatif`` = ΣTW, ``nilai_akhir`` = the last TW reported, ``rata_rata`` = mean of the
    TWs reported; NaN where no TW is reported. ``columns`` are the four TW columns (default the
    realisation columns; ladder ranks for kualitatif indicators).
    """
    tw = df[columns or _TW].astype(float).to_numpy(dtype=float)
    return pd.Series(_rollup(tw, df["agregasi_tw"]), index=df.index, dtype=float)


def _rollup(tw: np.ndarray, agregasi: pd.Series) -> np.ndarray:
    """:func:`rollup_tw` of the quarters ``tw`` (one row per row of ``agregasi``, one column
    per quarter), on plain arrays: the sum, mean and last value that pandas' ``sum``
    (``min_count=1``), ``mean`` and ``ffill`` give (the NaNs read as 0 and added in the order
    of the quarters), without a pandas operation per step."""
    reported = ~np.isnan(tw)
    count = reported.sum(axis=1)
    total = np.where(reported, tw, 0.0).sum(axis=1)
    last_at = tw.shape[1] - 1 - np.argmax(reported[:, ::-1], axis=1)
    last = np.where(count > 0, tw[np.arange(len(tw)), last_at], np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    how = agregasi.to_numpy(dtype=object)
    rollup = np.select(
        [how == "kumulatif", how == "rata_rata"],
        [np.where(count > 0, total, np.nan), mean],
        default=last,
    )
    # to the digits of the quarters summed (a sum of + and − values is as exact as they are)
    return digits15_array(rollup, np.where(reported, np.abs(tw), 0.0).sum(axis=1))


def effective_realisasi(
    df: pd.DataFrame, tangga: dict[str, list[str]] | None = None
) -> pd.DataFrame:
    """The realisation used for scoring: the annual value, else the TW roll-up.

    Adds ``realisasi`` (float; for kualitatif indicators the ladder rank) and
    ``sumber_realisasi`` (which cells made it); the roll-up is :func:`rollup_tw`, for every
    tipe: a kualitatif indicator reported in the quarterly cells only (``realisasi_tw1_teks`` …)
    uses its ladder ranks rolled up the same way, and ``realisasi_teks`` becomes the ladder
    value of the result. A row with an invalid cell (``realisasi_tidak_valid``) has none.
    """
    return _effective(df, tangga)[0]


def effective_and_tw_realisasi(
    df: pd.DataFrame, tangga: dict[str, list[str]] | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """:func:`effective_realisasi`, and beside it the realisation the rows would have without
    their ``realisasi_tahunan`` cells (the TW roll-up), from the same pass."""
    out, tw_only = _effective(df, tangga)
    return out, pd.Series(tw_only, index=df.index)


def effective_values(
    df: pd.DataFrame, tangga: dict[str, list[str]] | None = None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The values of the columns ``realisasi`` and ``realisasi_teks`` of
    :func:`effective_realisasi`, and the TW roll-up of :func:`effective_and_tw_realisasi`,
    without the rest of the frame: the value rules and the cross-file checks read no other
    column, and building the frame (every column of ``df`` with ``sumber_realisasi``) cost
    about a quarter of the pass."""
    used = _effective_values(df, tangga or {})
    index = df.index
    return (
        pd.Series(used.realisasi, index=index, name="realisasi"),
        used.teks,
        pd.Series(used.tw_only, index=index),
    )


@dataclass
class _Used:
    """What :func:`_effective_values` finds per row (arrays on the rows of the frame)."""

    realisasi: np.ndarray
    teks: pd.Series
    tw_only: np.ndarray
    has_annual: np.ndarray
    any_tw: np.ndarray


def _effective(
    df: pd.DataFrame, tangga: dict[str, list[str]] | None
) -> tuple[pd.DataFrame, np.ndarray]:
    used = _effective_values(df, tangga or {})
    realisasi, has_annual, any_tw = used.realisasi, used.has_annual, used.any_tw
    sumber = np.where(
        has_annual,
        RUMUS["realisasi_tahunan"],
        np.where(any_tw, df["agregasi_tw"].map(RUMUS).fillna(RUMUS["nilai_akhir"]), ""),
    )
    sumber = np.where(~np.isnan(realisasi), sumber, "")
    out = df.assign(
        realisasi=pd.Series(realisasi, index=df.index),
        sumber_realisasi=sumber,
        realisasi_teks=used.teks,
    )
    return out, used.tw_only


def _effective_values(df: pd.DataFrame, tangga: dict[str, list[str]]) -> _Used:
    index = df.index
    kual = df["polaritas"].eq("kualitatif") if "polaritas" in df else pd.Series(False, index)
    in_ladder = kual.to_numpy(dtype=bool)
    # plain arrays from here: the same arithmetic on the same float64 values, without a pandas
    # operation per step (a Pemda's frame is small, and this runs three times per Pemda)
    values = np.empty((len(df), len(_TW)), dtype=float)
    for i, col in enumerate(_TW):
        values[:, i] = df[col].astype(float).to_numpy()
    annual = df["realisasi_tahunan"].astype(float).to_numpy(copy=True)
    teks = df["realisasi_teks"].fillna("") if "realisasi_teks" in df else pd.Series("", index)
    if in_ladder.any():
        for i, text in enumerate(_TW_TEXT):
            cells = df[text] if text in df else pd.Series("", index)
            values[in_ladder, i] = _ranks_on(cells, df["tangga"], tangga, in_ladder)[in_ladder]
        annual[in_ladder] = _ranks_on(teks, df["tangga"], tangga, in_ladder)[in_ladder]
    any_tw = ~np.isnan(values).all(axis=1)
    rolled = _rollup(values, df["agregasi_tw"])
    has_annual = ~np.isnan(annual)
    realisasi = np.where(has_annual, annual, np.where(any_tw, rolled, np.nan))
    invalid = (
        df["realisasi_tidak_valid"].fillna(False).astype(bool).to_numpy()
        if "realisasi_tidak_valid" in df
        else np.zeros(len(df), dtype=bool)
    )
    realisasi[invalid] = np.nan
    if in_ladder.any():
        ladder_value = [
            _ladder_value(tangga.get(str(lad), []), rank) if on else ""
            for on, lad, rank in zip(
                in_ladder.tolist(), df["tangga"].tolist(), realisasi.tolist(), strict=True
            )
        ]
        teks = teks.where(~kual, pd.Series(ladder_value, index=index))
    # the same rows without their annual cells: a ladder row keeps its annual text's rank
    ladder_annual = np.where(in_ladder, annual, np.nan)
    tw_only = np.where(~np.isnan(ladder_annual), ladder_annual, np.where(any_tw, rolled, np.nan))
    tw_only[invalid] = np.nan
    return _Used(realisasi, teks, tw_only, has_annual, np.asarray(any_tw))


def _ladder_value(ladder: list[str], rank: float) -> str:
    if pd.isna(rank) or not float(rank).is_integer() or not 1 <= rank <= len(ladder):
        return ""
    return ladder[int(rank) - 1]


def _ladder_rank(values: pd.Series, ladders: pd.Series, tangga: dict[str, list[str]]) -> pd.Series:
    """Each value's rank on its row's ladder (1 = the ladder's first value), NaN when the value
    is not on it: looked up in a table per ladder (a value listed twice has its first rank)."""
    ranks_of = _ranks_of(tangga)
    none: dict[str, int] = {}
    nan = np.nan
    ranks = [  # plain lists: iterating a pandas text column costs microseconds per cell
        ranks_of.get(lad, none).get(v, nan)
        for v, lad in zip(values.tolist(), ladders.tolist(), strict=True)
    ]
    return pd.Series(ranks, index=values.index, dtype=float)


def _ranks_on(
    values: pd.Series, ladders: pd.Series, tangga: dict[str, list[str]], rows: np.ndarray
) -> np.ndarray:
    """The ladder ranks of ``values`` (a missing value read as ''), looked up for ``rows`` only
    (a boolean array) from plain values; NaN elsewhere (as :func:`_ladder_rank`)."""
    out = np.full(len(values), np.nan)
    if rows.any():
        ranks_of = _ranks_of(tangga)
        none: dict[str, int] = {}
        cells = values.to_numpy(dtype=object)[rows].tolist()
        names = ladders.to_numpy(dtype=object)[rows].tolist()
        out[rows] = [
            ranks_of.get(lad, none).get(v if type(v) is str or not _is_missing(v) else "", np.nan)
            for v, lad in zip(cells, names, strict=True)
        ]
    return out


def _is_missing(value: Any) -> bool:
    """What ``fillna`` fills: None, NaN, NA, NaT."""
    return bool(pd.isna(value)) if np.ndim(value) == 0 else False


def _ranks_of(tangga: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    """Per ladder, each value's rank (1 = the ladder's first value; a value listed twice has
    its first rank)."""
    ranks_of: dict[str, dict[str, int]] = {}
    for name, ladder in tangga.items():
        rank: dict[str, int] = {}
        for position, value in enumerate(ladder, start=1):
            rank.setdefault(value, position)
        ranks_of[name] = rank
    return ranks_of


def compute_capaian(
    df: pd.DataFrame, settings: Settings, tangga: dict[str, list[str]]
) -> pd.DataFrame:
    """Per-indicator capaian for every polarity, with status and the formula used.

    Input columns: ``polaritas``, ``target_nilai``, ``target_bawah``, ``target_atas``,
    ``target_teks``, ``tangga``, ``realisasi`` and ``realisasi_teks`` (ladder value).
    Adds ``capaian_mentah`` (raw %), ``capaian`` (capped, used in averages), ``dibatasi``,
    ``rumus``, ``status`` and ``keterangan``.
    """
    cap_raw, r, rumus, status, note = _capaian(
        df,
        (df["target_nilai"], df["target_bawah"], df["target_atas"], df["target_teks"]),
        settings,
        tangga,
    )
    raw = pd.Series(cap_raw, index=df.index)
    limit = settings.batas_capaian
    capped = (raw.clip(upper=limit) if limit is not None else raw).clip(lower=0)
    return df.assign(
        realisasi=pd.Series(r, index=df.index),
        capaian_mentah=raw,
        capaian=capped,
        dibatasi=(raw > limit) if limit is not None else False,
        rumus=rumus,
        status=status,
        keterangan=note,
    )


def _capaian(
    df: pd.DataFrame,
    targets: tuple[pd.Series, pd.Series, pd.Series, pd.Series],
    settings: Settings,
    tangga: dict[str, list[str]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`compute_capaian` as arrays, against ``targets`` (the value, the range's lower and
    upper bound and the text of each row's target): raw capaian, the realisation used (the
    ladder rank for a kualitatif row), formula, status and note."""
    # plain arrays: the same float64 arithmetic as on the columns, without a pandas operation
    # per comparison (a Pemda's frame is small and this runs twice per Pemda)
    pol = df["polaritas"]
    target, bawah, atas, target_teks = targets
    t = target.astype(float).to_numpy()
    r = df["realisasi"].astype(float).to_numpy()
    lo, hi = bawah.astype(float).to_numpy(), atas.astype(float).to_numpy()
    n = len(df)
    cap_raw = np.full(n, np.nan)
    rumus = np.full(n, "", dtype=object)
    status = np.full(n, schema.STATUS_DINILAI, dtype=object)
    note = np.full(n, "", dtype=object)

    def put(mask: np.ndarray, value: object, formula: str, st: str = "", why: str = "") -> None:
        m = np.asarray(mask, dtype=bool)
        if isinstance(value, np.ndarray):
            cap_raw[m] = value[m]
        elif value is not None:
            cap_raw[m] = value
        rumus[m] = formula
        if st:
            status[m] = st
        if why:
            note[m] = why

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        naik = pol.eq("naik").to_numpy(dtype=bool)
        put(naik, r / t * 100, RUMUS["naik"])
        put(
            naik & (t == 0),
            np.nan,
            RUMUS["naik"],
            schema.STATUS_TIDAK_DAPAT,
            "target 0: capaian naik tidak dapat dihitung",
        )
        put(
            naik & (t < 0),
            np.nan,
            RUMUS["naik"],
            schema.STATUS_TIDAK_DAPAT,
            "target negatif: rumus R/T tidak bermakna",
        )

        turun = pol.eq("turun").to_numpy(dtype=bool)
        if settings.rumus_turun == "T/R":
            formula = RUMUS["turun_t_r"]
            put(turun, t / r * 100, formula)
            put(
                turun & (r == 0) & (t > 0),
                np.nan,
                formula,
                schema.STATUS_TIDAK_DAPAT,
                "realisasi 0: rumus T/R tidak dapat dihitung",
            )
        else:
            formula = RUMUS["turun_2t_r"]
            put(turun, _not_below_zero((2 * t - r) / t * 100), formula)
        put(turun & (t == 0) & (r == 0), 100.0, RUMUS["turun_nol"])
        put(
            turun & (t == 0) & (r > 0),
            np.nan,
            formula,
            schema.STATUS_TIDAK_DAPAT,
            "target 0 dan realisasi > 0: capaian turun tidak dapat dihitung",
        )
        put(
            turun & (t < 0),
            np.nan,
            formula,
            schema.STATUS_TIDAK_DAPAT,
            "target negatif: rumus turun tidak bermakna",
        )

        rng = pol.eq("range").to_numpy(dtype=bool)
        put(rng & (r >= lo) & (r <= hi), 100.0, RUMUS["range_dalam"])
        if settings.rumus_range_atas == "turun":  # exceeding the range is as bad as missing it
            put(
                rng & (r > hi),
                _not_below_zero((2 * hi - r) / hi * 100),
                RUMUS["range_atas_turun"],
            )
        else:
            put(rng & (r > hi), r / hi * 100, RUMUS["range_atas"])
        put(rng & (r < lo), r / lo * 100, RUMUS["range_bawah"])
        put(
            rng & ((lo <= 0) | (hi <= 0)) & ~((r >= lo) & (r <= hi)),
            np.nan,
            RUMUS["range_bawah"],
            schema.STATUS_TIDAK_DAPAT,
            "batas rentang ≤ 0: rumus R/L atau R/U tidak bermakna",
        )

        kual = pol.eq("kualitatif").to_numpy(dtype=bool)
        if kual.any():
            ladders = df["tangga"]
            rank_r = _ranks_on(df["realisasi_teks"], ladders, tangga, kual)
            rank_t = _ranks_on(target_teks, ladders, tangga, kual)
            ratio = rank_r / rank_t * 100
            if settings.rumus_kualitatif == "tercapai_100":
                value = np.where(rank_r < rank_t, ratio, 100.0)
                rule = RUMUS["kualitatif_tercapai_100"]
            else:
                value = ratio
                rule = RUMUS["kualitatif_rasio_peringkat"]
            put(kual, value, "")
            rumus[kual] = [  # only the kualitatif rows' ladders
                f"tangga ({' < '.join(tangga.get(name, []))}): {rule}"
                for name in ladders.to_numpy(dtype=object)[kual].tolist()
            ]
            r = np.where(kual, rank_r, r)

    missing = np.isnan(r)
    status[missing] = schema.STATUS_BELUM_LAPOR
    note[missing] = "realisasi belum dilaporkan"
    if "realisasi_tidak_tersedia" in df:
        no_data = missing & df["realisasi_tidak_tersedia"].fillna(False).astype(bool).to_numpy()
        status[no_data] = schema.STATUS_TIDAK_TERSEDIA
        note[no_data] = "OPD menyatakan data tidak tersedia (lihat Faktor Penghambat)"
    if "realisasi_tidak_valid" in df:
        invalid = missing & df["realisasi_tidak_valid"].fillna(False).astype(bool).to_numpy()
        status[invalid] = schema.STATUS_TIDAK_DAPAT
        note[invalid] = "realisasi diisi tetapi tidak sah (lihat sheet Validasi)"
    negative = (r < 0) & (status == schema.STATUS_DINILAI)
    note[negative] = "realisasi negatif; capaian untuk rata-rata paling kecil 0"
    absurd = np.isinf(cap_raw) & (status == schema.STATUS_DINILAI)
    status[absurd] = schema.STATUS_TIDAK_DAPAT
    note[absurd] = "capaian tak hingga: target terlalu kecil untuk realisasinya"
    unknown = ~df["polaritas"].isin(schema.POLARITAS).to_numpy()
    status[unknown] = schema.STATUS_TIDAK_DAPAT
    note[unknown] = "polaritas tidak dikenal"
    cap_raw[status != schema.STATUS_DINILAI] = np.nan
    return digits15_array(cap_raw), r, rumus, status, note


def _not_below_zero(values: np.ndarray) -> np.ndarray:
    """``Series.clip(lower=0)`` of the same values: below 0 becomes 0, NaN (and -0) stay."""
    return np.where(np.isnan(values) | (values >= 0), values, 0.0)


def progress_to_end_target(
    df: pd.DataFrame, settings: Settings, tangga: dict[str, list[str]]
) -> pd.Series:
    """Capaian of this year's realisation against the end-of-RPJMD target (same rules).

    Decided from numbers and years, never from text: the end target is the spec's
    ``target_akhir_nilai`` / ``_bawah`` / ``_atas`` (``target_akhir_teks`` for a ladder), the
    target of ``tahun_target_akhir``. Empty where there is none (*target akhir belum ada*).
    """
    end = (
        df["target_akhir_nilai"],
        df["target_akhir_bawah"],
        df["target_akhir_atas"],
        df["target_akhir_teks"].fillna(""),
    )
    raw = pd.Series(_capaian(df, end, settings, tangga)[0], index=df.index)
    return raw.where(df["tahun_target_akhir"].notna())


def compare_previous(
    df: pd.DataFrame,
    previous: pd.DataFrame | None,
    desimal: int = 2,
    tepi: tuple[float, ...] = (),
) -> pd.DataFrame:
    """Last year's realisation and capaian beside this year's, with the change in points.

    ``previous`` has ``kode_indikator``, ``realisasi_tahun_lalu`` and ``capaian_tahun_lalu``
    (read from last year's consolidated workbook), and ``kode_opd`` when that workbook shows
    it; without ``previous`` the columns stay empty. An indicator is matched with its row of
    the same OPD; by its code alone only when it has one row in each year (an OPD renamed):
    of an indicator several OPDs report, an OPD never gets another OPD's last year. The change
    is that of the two capaian as shown with ``desimal`` decimals, more at a band edge of
    ``tepi`` (the figure a reader makes of the columns beside it).
    """
    if previous is None or previous.empty:
        return df.assign(
            realisasi_tahun_lalu=np.nan, capaian_tahun_lalu=np.nan, perubahan_capaian=np.nan
        )
    code = df["kode_indikator"].astype(str)
    last_code = previous["kode_indikator"].astype(str)
    once = previous.drop_duplicates("kode_indikator").set_index("kode_indikator")
    if "kode_opd" in previous and "kode_opd" in df:
        single = set(last_code[~last_code.duplicated(keep=False)]) & set(
            code[~code.duplicated(keep=False)]
        )
        pairs = previous.drop_duplicates(["kode_indikator", "kode_opd"]).set_index(
            ["kode_indikator", "kode_opd"]
        )
        keys = pd.MultiIndex.from_arrays([code, df["kode_opd"].astype(str)])
        by_pair = pairs.reindex(keys)
        alone = code.isin(single).to_numpy()
        last_r = np.where(
            alone,
            code.map(once["realisasi_tahun_lalu"]).astype(float),
            by_pair["realisasi_tahun_lalu"].astype(float).to_numpy(),
        )
        last_c = np.where(
            alone,
            code.map(once["capaian_tahun_lalu"]).astype(float),
            by_pair["capaian_tahun_lalu"].astype(float).to_numpy(),
        )
    else:  # no OPD to tell the rows of a shared indicator apart: those are not compared
        single = set(last_code[~last_code.duplicated(keep=False)]) & set(
            code[~code.duplicated(keep=False)]
        )
        in_both = code.isin(single)
        last_r = code.where(in_both).map(once["realisasi_tahun_lalu"]).astype(float).to_numpy()
        last_c = code.where(in_both).map(once["capaian_tahun_lalu"]).astype(float).to_numpy()
    return df.assign(
        realisasi_tahun_lalu=last_r,
        capaian_tahun_lalu=last_c,
        perubahan_capaian=[
            math.nan if math.isnan(a) or math.isnan(b) else fmt.selisih(a, b, desimal, tepi)
            for a, b in zip(
                df["capaian_mentah"].to_numpy(dtype=float),
                np.asarray(last_c, dtype=float),
                strict=True,
            )
        ],
    )


def classify(values: pd.Series, scale: Scale) -> pd.Series:
    """Predikat label for each value on a scale (empty for missing values)."""
    labels: dict[float, str] = {}  # per value: scores repeat (100, the cap, ...)

    def label(v: Any) -> str:
        if type(v) is float and not math.isnan(v):  # a number: its label, remembered
            known = labels.get(v)
            if known is None:
                known = labels[v] = scale.classify(v)
            return known
        return scale.classify(None if pd.isna(v) else float(v))

    return values.map(label)


def score_indicators(
    df: pd.DataFrame, settings: Settings, tangga: dict[str, list[str]]
) -> pd.DataFrame:
    """Roll up TWs, compute capaian, predikat and progress to the RPJMD end target."""
    out = compute_capaian(effective_realisasi(df, tangga), settings, tangga)
    out = out.assign(predikat=classify(out["capaian_mentah"], settings.skala))
    if "tahun_target_akhir" in out:
        out = out.assign(progres_rpjmd=progress_to_end_target(out, settings, tangga))
    return out


def method_text(settings: Settings) -> str:
    """How averages are made, in words (shown beside every average)."""
    base = (
        "rata-rata berbobot (bobot)"
        if settings.metode_rata_rata == "bobot"
        else "rata-rata sederhana"
    )
    cap = (
        f"capaian dibatasi {fmt.angka_ringkas(settings.batas_capaian)}%"
        if settings.batas_capaian is not None
        else "tanpa batas capaian"
    )
    return f"{base}, {cap}"


def aggregate(df: pd.DataFrame, by: list[str], settings: Settings) -> pd.DataFrame:
    """Average capaian per group over the scored indicators (``status == dinilai``).

    Uses the capped ``capaian``; simple mean or weighted by ``bobot`` per the settings. Every
    row says how many indicators are behind it and which method made it.
    """
    return _aggregate(df, by, settings, whole=not by)


def _aggregate(df: pd.DataFrame, by: list[str], settings: Settings, whole: bool) -> pd.DataFrame:
    """:func:`aggregate`; ``whole``: each group is a whole Pemda, whose row states the method
    even when no indicator is scored (as the ``Keseluruhan`` row does)."""
    scored = df["status"] == schema.STATUS_DINILAI
    # only the columns the averages read, each reduced by itself: the same grouped sums as a
    # named aggregation, at less than half its cost (a sum over several columns at once can
    # round differently in the last digit, so the columns are not summed together)
    work = _grouping_frame(
        df,
        by,
        {
            "kode_indikator": df["kode_indikator"],
            "_dinilai": scored.astype(int),
            "_w": np.where(scored, df["bobot"].astype(float), 0.0),
            "_wc": np.where(scored, df["capaian"].astype(float) * df["bobot"].astype(float), 0.0),
            "_c": df["capaian"].where(scored),
        },
    )
    keys = by if by else ["_all"]
    if work.empty and not by:  # a spec without indicators: one row of empty averages
        work = pd.DataFrame([{"_all": "Keseluruhan", "kode_indikator": None, "_dinilai": 0}])
        work = work.assign(_w=0.0, _wc=0.0, _c=np.nan)
    g = work.groupby(keys, sort=True, dropna=False)
    scores = g["_c"]
    dinilai, w, wc = (g[c].sum() for c in ("_dinilai", "_w", "_wc"))
    out = pd.DataFrame(
        {
            "jumlah_indikator": g["kode_indikator"].count(),
            "jumlah_dinilai": dinilai,
            "min_capaian": scores.min(),
            "max_capaian": scores.max(),
        }
    ).reset_index()
    weighted = (wc / w.where(w > 0)).to_numpy()
    avg = pd.Series(
        weighted if settings.metode_rata_rata == "bobot" else scores.mean().to_numpy(),
        index=out.index,
    )
    metode = method_text(settings) + " dari " + out["jumlah_dinilai"].astype(str) + " indikator"
    if not whole:  # a group with no scored indicator has no average, so no method beside it
        metode = metode.where(out["jumlah_dinilai"] > 0, "")
    return out.assign(
        rata_rata_capaian=avg,
        predikat=classify(avg, settings.skala),
        metode=metode,
    )


def _grouping_frame(df: pd.DataFrame, by: list[str], columns: dict[str, Any]) -> pd.DataFrame:
    """What :func:`aggregate` and :func:`serapan` group: the ``by`` columns of ``df`` (or one
    ``_all`` group, ``Keseluruhan``), then ``columns``, on ``df``'s index."""
    keys: dict[str, Any] = {k: df[k] for k in by} if by else {"_all": "Keseluruhan"}
    return pd.DataFrame({**keys, **columns}, index=df.index)


def _excluded(df: pd.DataFrame) -> pd.Series:
    """Per program: '' when its realisation is used, else its code and why it is left out."""
    ditolak = (
        df["realisasi_anggaran_ditolak"].fillna(False).astype(bool)
        if "realisasi_anggaran_ditolak" in df
        else pd.Series(False, index=df.index)
    )
    why = pd.Series(
        np.where(ditolak, "ditolak, lihat Validasi", "belum dilaporkan"), index=df.index, dtype=str
    )
    text = df["kode_program"].astype(str) + " (" + why + ")"
    return text.where(df["realisasi_anggaran"].isna(), "")


def serapan(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Budget absorption per group: Σrealisasi / Σpagu × 100 over reported programs.

    Never a mean of row percentages. Pagu, realisation and serapan are sums over the same
    programs: those whose realisation is used. The others are counted (``jumlah_program``,
    ``pagu`` of all programs) and listed with the reason (``program_dikecualikan``); a zero pagu
    gives no percentage. An empty program table gives one row of empty sums for the whole.
    """
    reported = df["realisasi_anggaran"].notna()
    # only the columns the sums read, each summed by itself (see :func:`aggregate`)
    work = _grouping_frame(
        df,
        by,
        {
            "_dilaporkan": reported.astype(int),
            "pagu": df["pagu"],
            "_pagu_lapor": df["pagu"].where(reported, 0.0),
            "_real": df["realisasi_anggaran"].fillna(0.0),
            "_kecuali": _excluded(df) if len(df) else pd.Series(dtype=str),
        },
    )
    g = work.groupby(by if by else ["_all"], sort=True, dropna=False)
    out = pd.DataFrame(
        {
            "jumlah_program": g.size(),
            "program_dilaporkan": g["_dilaporkan"].sum(),
            "pagu": g["pagu"].sum(),
            "pagu_dilaporkan": g["_pagu_lapor"].sum(),
            "realisasi_anggaran": g["_real"].sum(),
            "program_dikecualikan": g["_kecuali"].agg(lambda x: "; ".join(v for v in x if v)),
        }
    ).reset_index()
    if out.empty and not by:
        out = pd.DataFrame(
            [
                {
                    "_all": "Keseluruhan",
                    "jumlah_program": 0,
                    "program_dilaporkan": 0,
                    "pagu": np.nan,
                    "pagu_dilaporkan": np.nan,
                    "realisasi_anggaran": np.nan,
                    "program_dikecualikan": "",
                }
            ]
        )
    reported_any = out["program_dilaporkan"] > 0
    for col in ("pagu_dilaporkan", "realisasi_anggaran"):
        out[col] = out[col].where(reported_any)
    pct = (
        out["realisasi_anggaran"] / out["pagu_dilaporkan"].where(out["pagu_dilaporkan"] > 0) * 100
    )
    return out.assign(serapan=pct)


def program_serapan(df: pd.DataFrame) -> pd.DataFrame:
    """Per-program serapan (realisasi / pagu × 100), NaN where pagu is 0 or nothing reported."""
    pct = df["realisasi_anggaran"] / df["pagu"].where(df["pagu"] > 0) * 100
    return df.assign(serapan=pct)


def efficiency(capaian: pd.Series, serapan_pct: pd.Series, settings: Settings) -> pd.DataFrame:
    """Capaian − serapan in points and its band (efisien / cukup efisien / tidak efisien)."""
    with np.errstate(invalid="ignore"):  # NaN beside NaN: no scale, and no difference either
        scale = np.fmax(capaian.abs(), serapan_pct.abs())  # the digits the difference has
    diff = pd.Series(digits15_array(capaian - serapan_pct, scale), index=capaian.index)
    band = np.select(
        [
            diff > settings.efisiensi_batas_atas,
            diff < settings.efisiensi_batas_bawah,
            diff.notna(),
        ],
        ["efisien", "tidak efisien", "cukup efisien"],
        default="",
    )
    return pd.DataFrame({"efisiensi": diff, "kategori_efisiensi": band}, index=capaian.index)


def sisa_anggaran(pagu: pd.Series, realisasi: pd.Series, min_capaian: pd.Series) -> pd.DataFrame:
    """Unspent budget, called ``penghematan`` only where every scored target was met; where no
    indicator was scored (``min_capaian`` empty) nothing was assessed, and it says so. Nothing
    left (the whole pagu spent) or more spent than the pagu is said as such, whatever the
    targets."""
    sisa = pagu - realisasi
    label = np.select(
        [sisa.isna(), sisa == 0, sisa < 0, min_capaian.isna(), min_capaian >= 100],
        [
            "",
            "tidak ada sisa",
            "realisasi melebihi pagu",
            "sisa anggaran (tidak ada indikator dinilai)",
            "penghematan",
        ],
        default="sisa anggaran (target belum tercapai)",
    )
    return pd.DataFrame({"sisa_anggaran": sisa, "jenis_sisa": label}, index=pagu.index)


def with_efficiency(df: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Append the efficiency band and the unspent budget to a table of averages and serapan.

    Needs ``rata_rata_capaian``, ``serapan``, ``pagu_dilaporkan``, ``realisasi_anggaran`` and
    ``min_capaian`` (as made by :func:`aggregate` and :func:`serapan`).
    """
    return pd.concat(
        [
            df,
            efficiency(df["rata_rata_capaian"], df["serapan"], settings),
            sisa_anggaran(df["pagu_dilaporkan"], df["realisasi_anggaran"], df["min_capaian"]),
        ],
        axis=1,
    )


def join_targets(
    indikator: pd.DataFrame, realisasi: pd.DataFrame, keys: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Master-spec indicators joined with the realisations received (targets from the spec only).

    One row per indicator and reporting OPD, and one row with no realisation (``belum lapor``)
    for each responsible OPD that has not reported it: an indicator two OPDs share counts two
    rows whether one or both have reported (before, the share of an OPD that sent nothing left
    the counts, and the OPD sheet and Kelengkapan disagreed). ``keys``: further columns both
    frames carry that the join must match too (which Pemda, in :func:`build_results_many`).
    """
    spec = indikator.drop(columns=["kode_opd"]).rename(columns={"uraian": "uraian_indikator"})
    spec = spec.assign(_urut=range(len(spec)))
    got = realisasi.rename(columns={"kode_opd": "kode_opd_lapor"})
    on = ["kode_indikator", *keys]
    # pandas' one-to-many check also hashes every realisation's code; the spec's codes are
    # checked here, and only duplicated codes go through pandas' check (and its error)
    unique = spec["kode_indikator"].is_unique if not keys else not spec.duplicated(on).any()
    merged = spec.merge(got, on=on, how="left", validate=None if unique else "one_to_many")
    merged["kode_opd"] = merged["kode_opd_lapor"]
    shared = spec["kode_opd_list"].map(len) > 1
    lists = dict(zip(spec["_urut"], spec["kode_opd_list"], strict=True))
    if shared.any():  # each responsible OPD's share of a shared indicator is a row
        shares = spec[shared].explode("kode_opd_list").rename(columns={"kode_opd_list": "_opd"})
        reported = merged.loc[merged["kode_opd"].notna(), [*on, "kode_opd"]].drop_duplicates()
        missing = shares.merge(
            reported.rename(columns={"kode_opd": "_opd"}),
            on=[*on, "_opd"],
            how="left",
            indicator=True,
        )
        missing = missing[missing["_merge"] == "left_only"].drop(columns="_merge")
        missing = missing.assign(
            kode_opd_list=missing["_urut"].map(lists),
            kode_opd=missing["_opd"],
        ).drop(columns="_opd")
        merged = merged[
            merged["kode_opd"].notna() | ~merged["_urut"].isin(spec.loc[shared, "_urut"])
        ]
        merged = pd.concat([merged, missing], ignore_index=True)
        # within an indicator: its responsible OPDs in the spec's order, others after (from
        # plain column lists: iterating a Series boxes every value, and the keys are equal)
        urut = spec["_urut"].tolist()
        order = {
            (u, o): i
            for u, opds in zip(urut, spec["kode_opd_list"].tolist(), strict=True)
            for i, o in enumerate(opds)
        }
        rank = [
            order.get((u, o), len(order))
            for u, o in zip(merged["_urut"].tolist(), merged["kode_opd"].tolist(), strict=True)
        ]
        merged = (
            merged.assign(_peringkat=rank)
            .sort_values(["_urut", "_peringkat"], kind="stable")
            .drop(columns="_peringkat")
            .reset_index(drop=True)
        )
    first = {u: (opds[0] if opds else "") for u, opds in lists.items()}
    merged["kode_opd"] = merged["kode_opd"].fillna(merged["_urut"].map(first))
    for col in (
        "berkas",
        "realisasi_teks",
        *_TW_TEXT,
        "faktor_pendorong",
        "faktor_penghambat",
        "tindak_lanjut",
        "sumber_data",
    ):
        merged[col] = merged[col].fillna("") if col in merged else ""
    return merged.drop(columns=["_urut", "kode_opd_lapor"])


class Results:
    """Every table the report shows, computed from the spec, the realisations and the settings.

    ``indikator``, ``program``, ``keseluruhan`` and ``predikat_jumlah`` are computed at once;
    the averages per Sasaran, Tujuan, Misi and OPD and the efficiency table when first read (a
    ``nasional`` run needs only the whole Pemda's figures; a report reads them all, the same
    numbers either way).
    """

    def __init__(
        self,
        indikator: pd.DataFrame,
        program: pd.DataFrame,
        tree: pd.DataFrame,
        spec: dict[str, pd.DataFrame],
        settings: Settings,
        totals: tuple[dict[Any, Any], dict[Any, Any]] | None = None,
    ) -> None:
        """``totals``: the whole Pemda's :func:`aggregate` and :func:`serapan` rows, when
        already computed (for a batch, :func:`_build_together` groups them all at once)."""
        self.indikator, self.program = indikator, program
        self._tree, self._spec, self._settings = tree, spec, settings
        if totals is None:
            overall = aggregate(indikator, [], settings).iloc[0].to_dict()
            budget = serapan(program, []).iloc[0].to_dict()
        else:
            overall, budget = dict(totals[0]), totals[1]
        if settings.rata_rata_keseluruhan == "sasaran":
            means = self.sasaran["rata_rata_capaian"].dropna()
            value = float(means.mean()) if len(means) else float("nan")
            overall.update(
                rata_rata_capaian=value,
                predikat=settings.skala.classify(value),
                # min_capaian / max_capaian stay the indicators' (the column's meaning in every
                # row): the lowest Sasaran average read as the lowest capaian used
                # the overall figure is a plain mean of the Sasaran averages; the method in
                # brackets is each Sasaran's (it read as if the overall one were weighted)
                metode=f"rata-rata sederhana dari {len(means)} rata-rata Sasaran (tiap Sasaran: "
                f"{method_text(settings)})",
            )
        # counted from plain lists: a pandas comparison per status costs more than the count
        status = indikator["status"].tolist()
        per_status = Counter(status)
        predikat_counts = Counter(
            p
            for s, p in zip(status, indikator["predikat"].tolist(), strict=True)
            if s == schema.STATUS_DINILAI
        )
        self.keseluruhan: dict[str, Any] = {
            **{
                k: overall[k]
                for k in (
                    "jumlah_indikator",
                    "jumlah_dinilai",
                    "rata_rata_capaian",
                    "predikat",
                    "metode",
                    "min_capaian",
                    "max_capaian",
                )
            },
            **{
                k: budget[k]
                for k in (
                    "jumlah_program",
                    "program_dilaporkan",
                    "pagu",
                    "pagu_dilaporkan",
                    "realisasi_anggaran",
                    "serapan",
                    "program_dikecualikan",
                )
            },
            "belum_lapor": per_status[schema.STATUS_BELUM_LAPOR],
            "tidak_dapat_dihitung": per_status[schema.STATUS_TIDAK_DAPAT],
            "data_tidak_tersedia": per_status[schema.STATUS_TIDAK_TERSEDIA],
            "dibatasi": int(indikator["dibatasi"].fillna(False).astype(bool).sum()),
        }
        self.predikat_jumlah: dict[str, int] = {
            b.label: predikat_counts[b.label] for b in settings.skala.bands
        }
        # the efficiency table's overall row, when computed for a whole batch at once
        self._overall_efficiency: dict[str, Any] | None = None

    @cached_property
    def sasaran(self) -> pd.DataFrame:
        """Averages and serapan per Sasaran, with the efficiency band."""
        ind, prog, settings = self.indikator, self.program, self._settings
        sas = aggregate(ind, ["kode_sasaran"], settings)
        sas_budget = serapan(prog[prog["kode_sasaran"] != ""], ["kode_sasaran"])
        sas = (
            self._spec["sasaran"][["kode_sasaran", "kode_tujuan", "uraian"]]
            .rename(columns={"uraian": "uraian_sasaran"})
            .merge(self._tree[["kode_sasaran", "kode_misi"]], on="kode_sasaran", how="left")
            .merge(sas, on="kode_sasaran", how="left")
            .merge(sas_budget, on="kode_sasaran", how="left")
        )
        return with_efficiency(_none_counted(sas), settings)

    @cached_property
    def tujuan(self) -> pd.DataFrame:
        """Averages per Tujuan, in the spec's order (T2 before T10)."""
        return self._level("tujuan")

    @cached_property
    def misi(self) -> pd.DataFrame:
        """Averages per Misi, in the spec's order."""
        return self._level("misi")

    def _level(self, level: str) -> pd.DataFrame:
        """Averages per code of the spec's ``level`` sheet, with its ``uraian_<level>``, in the
        order of that sheet (grouping sorted the codes as text: T1, T10, T11 … T2)."""
        key = f"kode_{level}"
        frame = aggregate(self.indikator, [key], self._settings).merge(
            self._spec[level][[key, "uraian"]].rename(columns={"uraian": f"uraian_{level}"}),
            on=key,
            how="left",
        )
        order = {code: i for i, code in enumerate(self._spec[level][key].tolist())}
        rank = frame[key].map(order).fillna(len(order))
        return frame.iloc[rank.argsort(kind="stable")].reset_index(drop=True)

    @cached_property
    def opd(self) -> pd.DataFrame:
        """Averages and serapan per OPD, with the efficiency band and the rank."""
        opd_cap = aggregate(self.indikator, ["kode_opd"], self._settings)
        opd_budget = serapan(self.program, ["kode_opd"])
        opd = (
            self._spec["opd"][["kode_opd", "nama_opd", "jenis"]]
            .merge(opd_cap, on="kode_opd", how="left")
            .merge(opd_budget, on="kode_opd", how="left")
        )
        opd = with_efficiency(_none_counted(opd), self._settings)
        return opd.assign(peringkat=opd["rata_rata_capaian"].rank(ascending=False, method="min"))

    @cached_property
    def efisiensi(self) -> pd.DataFrame:
        """Capaian beside serapan per Sasaran, per OPD and overall (:func:`efficiency_table`)."""
        return efficiency_table(self.sasaran, self.opd, self.keseluruhan, self._settings)

    def efisiensi_keseluruhan(self) -> dict[str, Any]:
        """The efficiency table's overall row (its values are row by row: the same figures
        without the Sasaran and OPD rows)."""
        if "efisiensi" in self.__dict__:
            table = self.efisiensi
        elif self._overall_efficiency is not None:
            return dict(self._overall_efficiency)
        else:
            table = _with_ratio(_overall_rows([self.keseluruhan]), self._settings)
        overall = table[table["tingkat"] == "Keseluruhan"]
        return {str(k): v for k, v in overall.iloc[0].items()} if len(overall) else {}


@dataclass(frozen=True)
class ResultInputs:
    """What :func:`build_results` computes one Pemda's results from (its arguments)."""

    spec_indikator: pd.DataFrame
    spec_sasaran: pd.DataFrame
    spec_tujuan: pd.DataFrame
    spec_misi: pd.DataFrame
    spec_opd: pd.DataFrame
    spec_program: pd.DataFrame
    realisasi: pd.DataFrame
    anggaran: pd.DataFrame
    settings: Settings
    tangga: dict[str, list[str]]
    previous: pd.DataFrame | None = None

    def alone(self) -> Results:
        """:func:`build_results` of these inputs."""
        return build_results(
            self.spec_indikator,
            self.spec_sasaran,
            self.spec_tujuan,
            self.spec_misi,
            self.spec_opd,
            self.spec_program,
            self.realisasi,
            self.anggaran,
            self.settings,
            self.tangga,
            self.previous,
        )


_PEMDA = "_pemda"  # which Pemda of a batch a row belongs to (only inside build_results_many)


def build_results_many(batch: list[ResultInputs]) -> list[Results]:
    """:func:`build_results` of each Pemda of ``batch``, the same numbers and the same frames,
    with the joins and the scoring done once over the Pemda that can share them.

    A Pemda's frames hold a few hundred rows, and the scoring is row by row: most of its cost is
    pandas' fixed cost per operation. Pemda with the same settings, ladders and frame layout
    (:func:`_batch_key`) are therefore stacked, joined on their indicator codes *and* which
    Pemda they are, scored once, sorted by Pemda first and cut back into one frame per Pemda.
    Every column keeps the type it has in a Pemda's own run: the layout includes whether every
    indicator and program found its realisation (a left join that misses one turns a whole
    column of integers into floats). A Pemda with last year's figures is scored alone.
    """
    out: list[Results | None] = [None] * len(batch)
    groups: dict[Any, list[int]] = {}
    for i, item in enumerate(batch):
        key = _batch_key(item)
        if key is None:
            out[i] = item.alone()
        else:
            groups.setdefault(key, []).append(i)
    for members in groups.values():
        if len(members) == 1:
            out[members[0]] = batch[members[0]].alone()
            continue
        for i, res in zip(members, _build_together([batch[i] for i in members]), strict=True):
            out[i] = res
    return [r for r in out if r is not None]


def _layout(frame: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    return tuple((str(c), str(t)) for c, t in zip(frame.columns, frame.dtypes, strict=True))


def _batch_key(item: ResultInputs) -> Any:
    """What Pemda must share to be scored together (None: score this one alone)."""
    if item.previous is not None and not item.previous.empty:
        return None
    ind, real, prog, ang = item.spec_indikator, item.realisasi, item.spec_program, item.anggaran
    if not ind["kode_indikator"].is_unique or not prog["kode_program"].is_unique:
        return None
    if ind.empty:  # no rows to tell the types of its computed columns by: scored alone
        return None
    ladders = tuple(sorted((str(k), tuple(map(str, v))) for k, v in item.tangga.items()))
    return (
        repr(item.settings),  # a dataclass of plain values (floats exactly, as repr writes them)
        ladders,
        _layout(ind),
        _layout(item.spec_sasaran),
        _layout(item.spec_tujuan),
        _layout(prog),
        _layout(real),
        _layout(ang),
        # a left join that misses a row turns int and bool columns into float and object
        bool(ind["kode_indikator"].isin(real["kode_indikator"]).all()),
        bool(prog["kode_program"].isin(ang["kode_program"]).all()),
        bool(ind["kode_sasaran"].isin(item.spec_sasaran["kode_sasaran"]).all()),
    )


def _stacked(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one under the other, with which one each row came from (last column): the
    column added once to the whole, not to every frame before."""
    which = np.repeat(np.arange(len(frames), dtype=np.int64), [len(f) for f in frames])
    return pd.concat(frames, ignore_index=True).assign(**{_PEMDA: which})


def _cut(frame: pd.DataFrame, n: int) -> list[pd.DataFrame]:
    """A frame sorted by :data:`_PEMDA` cut into one frame per Pemda, as built alone."""
    bounds = np.searchsorted(frame[_PEMDA].to_numpy(), np.arange(n + 1), side="left")
    body = frame.drop(columns=[_PEMDA])
    return [body.iloc[a:b].reset_index(drop=True) for a, b in pairwise(bounds)]


def _build_together(batch: list[ResultInputs]) -> list[Results]:
    """:func:`build_results` of Pemda that share a :func:`_batch_key`, in one pass."""
    first, n = batch[0], len(batch)
    trees = [_tree(b.spec_sasaran, b.spec_tujuan) for b in batch]
    ind, prog = _scored(
        _stacked([b.spec_indikator for b in batch]),
        _stacked([b.realisasi for b in batch]),
        _stacked(trees),
        _stacked([b.spec_program for b in batch]),
        _stacked([b.anggaran for b in batch]),
        first.settings,
        first.tangga,
        None,
        (_PEMDA,),
    )
    results = [
        Results(
            i,
            p,
            tree,
            {
                "sasaran": b.spec_sasaran,
                "tujuan": b.spec_tujuan,
                "misi": b.spec_misi,
                "opd": b.spec_opd,
            },
            b.settings,
            totals,
        )
        for b, tree, i, p, totals in zip(
            batch,
            trees,
            _cut(ind, n),
            _cut(prog, n),
            _totals(ind, prog, n, first.settings),
            strict=True,
        )
    ]
    # the efficiency table's overall rows, banded together (the rules are row by row)
    table = _with_ratio(_overall_rows([r.keseluruhan for r in results]), first.settings)
    for j, res in enumerate(results):  # each row as a Pemda's own table gives it
        res._overall_efficiency = {str(k): v for k, v in table.iloc[j].items()}
    return results


def _totals(
    ind: pd.DataFrame, prog: pd.DataFrame, n: int, settings: Settings
) -> list[tuple[dict[Any, Any], dict[Any, Any]]]:
    """Each stacked Pemda's whole :func:`aggregate` and :func:`serapan` rows (as
    :class:`Results` computes them for one Pemda), grouped by :data:`_PEMDA` in one pass each:
    a group's sums, means and extremes are over its own rows in their order, the same numbers
    as alone. A Pemda without programs (or without indicators) has no group, and its empty
    row is made alone."""
    overall = _by_pemda(_aggregate(ind, [_PEMDA], settings, whole=True))
    budget = _by_pemda(serapan(prog, [_PEMDA]))
    no_ind = ind.iloc[:0].drop(columns=[_PEMDA])
    no_prog = prog.iloc[:0].drop(columns=[_PEMDA])
    return [
        (
            overall[i] if i in overall else aggregate(no_ind, [], settings).iloc[0].to_dict(),
            budget[i] if i in budget else serapan(no_prog, []).iloc[0].to_dict(),
        )
        for i in range(n)
    ]


def _by_pemda(table: pd.DataFrame) -> dict[int, dict[Any, Any]]:
    return {int(r.pop(_PEMDA)): r for r in table.to_dict("records")}


def _scored(
    spec_indikator: pd.DataFrame,
    realisasi: pd.DataFrame,
    tree: pd.DataFrame,
    spec_program: pd.DataFrame,
    anggaran: pd.DataFrame,
    settings: Settings,
    tangga: dict[str, list[str]],
    previous: pd.DataFrame | None,
    keys: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scored indicators and the programs with their serapan, each in report order: the
    steps of :func:`build_results`, for one Pemda or (``keys``: which Pemda) many stacked."""
    joined = join_targets(spec_indikator, realisasi, keys).merge(
        tree, on=["kode_sasaran", *keys], how="left"
    )
    ind = compare_previous(
        score_indicators(joined, settings, tangga),
        previous,
        settings.desimal_tampilan,
        settings.tepi,
    )
    # in the spec's order: its Sasaran as listed, each one's indicators as listed (as text,
    # S10 came between S1 and S2)
    sasaran = tree[[*keys, "kode_sasaran"]].drop_duplicates()
    listed = spec_indikator[[*keys, "kode_indikator"]].drop_duplicates()
    ind = (
        ind.merge(
            sasaran.assign(_urut_sasaran=range(len(sasaran))),
            on=[*keys, "kode_sasaran"],
            how="left",
        )
        .merge(
            listed.assign(_urut_indikator=range(len(listed))),
            on=[*keys, "kode_indikator"],
            how="left",
        )
        .sort_values([*keys, "_urut_sasaran", "_urut_indikator", "kode_opd"], kind="stable")
        .drop(columns=["_urut_sasaran", "_urut_indikator"])
    )
    prog = spec_program.rename(columns={"uraian": "uraian_program"})
    prog = prog.assign(_urut_program=range(len(prog))).merge(
        anggaran.drop(columns=["kode_opd"]), on=["kode_program", *keys], how="left"
    )
    prog = (
        program_serapan(prog)
        .sort_values([*keys, "_urut_program"], kind="stable")  # the spec's order
        .drop(columns="_urut_program")
    )
    return ind, prog


def _tree(spec_sasaran: pd.DataFrame, spec_tujuan: pd.DataFrame) -> pd.DataFrame:
    """Each Sasaran's Tujuan and Misi."""
    return spec_sasaran[["kode_sasaran", "kode_tujuan"]].merge(
        spec_tujuan[["kode_tujuan", "kode_misi"]], on="kode_tujuan", how="left"
    )


def build_results(
    spec_indikator: pd.DataFrame,
    spec_sasaran: pd.DataFrame,
    spec_tujuan: pd.DataFrame,
    spec_misi: pd.DataFrame,
    spec_opd: pd.DataFrame,
    spec_program: pd.DataFrame,
    realisasi: pd.DataFrame,
    anggaran: pd.DataFrame,
    settings: Settings,
    tangga: dict[str, list[str]],
    previous: pd.DataFrame | None = None,
) -> Results:
    """Join, score and aggregate: the whole computation, with no I/O.

    ``previous`` (optional) holds last year's realisation and capaian per indicator.
    """
    tree = _tree(spec_sasaran, spec_tujuan)
    ind, prog = _scored(
        spec_indikator, realisasi, tree, spec_program, anggaran, settings, tangga, previous
    )
    ind, prog = ind.reset_index(drop=True), prog.reset_index(drop=True)
    spec = {"sasaran": spec_sasaran, "tujuan": spec_tujuan, "misi": spec_misi, "opd": spec_opd}
    return Results(ind, prog, tree, spec, settings)


_COUNTS = ("jumlah_indikator", "jumlah_dinilai", "jumlah_program", "program_dilaporkan")


def _none_counted(df: pd.DataFrame) -> pd.DataFrame:
    """A Sasaran or OPD of the spec with no indicator or program has counts of 0, not blanks
    (one sheet showed 0 and another a blank for the same unit)."""
    present = [c for c in _COUNTS if c in df]
    return df.assign(**{c: df[c].fillna(0).astype("int64") for c in present})


def efficiency_table(
    sasaran: pd.DataFrame, opd: pd.DataFrame, overall: dict[str, Any], settings: Settings
) -> pd.DataFrame:
    """Capaian beside serapan per Sasaran, per OPD and overall, with the efficiency band.

    ``rasio_efisiensi`` = capaian / serapan; the unspent budget is ``penghematan`` only where
    every scored indicator met its target.
    """
    cols = _EFISIENSI_COLUMNS
    parts = [
        sasaran.assign(
            tingkat="Sasaran", kode=sasaran["kode_sasaran"], uraian=sasaran["uraian_sasaran"]
        )[["tingkat", "kode", "uraian", *cols]],
        opd.assign(tingkat="OPD", kode=opd["kode_opd"], uraian=opd["nama_opd"])[
            ["tingkat", "kode", "uraian", *cols]
        ],
        _overall_rows([overall]),
    ]
    return _with_ratio(pd.concat(parts, ignore_index=True), settings)


_EFISIENSI_COLUMNS = [
    "rata_rata_capaian",
    "jumlah_dinilai",
    "min_capaian",
    "pagu_dilaporkan",
    "realisasi_anggaran",
    "serapan",
]


def _overall_rows(overall: list[dict[str, Any]]) -> pd.DataFrame:
    """The efficiency table's ``Keseluruhan`` row of each of ``overall`` (one Pemda's
    ``keseluruhan`` each), before its bands."""
    row = {"tingkat": "Keseluruhan", "kode": "", "uraian": "Keseluruhan"}
    return pd.DataFrame([{**row, **{c: o.get(c) for c in _EFISIENSI_COLUMNS}} for o in overall])


def _with_ratio(table: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Numbers, efficiency band, unspent budget and ``rasio_efisiensi``: row by row."""
    for col in _EFISIENSI_COLUMNS:
        table[col] = pd.to_numeric(table[col], errors="coerce")
    table = with_efficiency(table, settings)
    ratio = table["rata_rata_capaian"] / table["serapan"].where(table["serapan"] > 0)
    return table.assign(rasio_efisiensi=ratio)
