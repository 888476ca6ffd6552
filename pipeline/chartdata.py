"""The data behind every chart, as small DataFrames (pure functions, tested by hand).

The PNG charts (:mod:`pipeline.charts`) and the native charts of the workbook draw these frames
and nothing else, so a number on a chart is a number computed and tested here. Efficiency bands
come from the settings (``efisiensi_batas_atas`` / ``_bawah``): the chart and the Efisiensi sheet
use one rule.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd

from pipeline import fmt, schema
from pipeline.completeness import MELAPOR
from pipeline.config import Scale, Settings
from pipeline.frames import records
from pipeline.score import efficiency

# Efficiency band colours (the predikat scale has its own colours).
WARNA_EFISIENSI = {
    "efisien": "#1A9850",
    "cukup efisien": "#FEC44F",
    "tidak efisien": "#D73027",
}
LABEL_PANJANG = 48  # characters of a Sasaran or OPD name shown on an axis


def singkat(text: object, width: int = LABEL_PANJANG) -> str:
    """A name shortened on a word boundary with ``…``."""
    return textwrap.shorten(" ".join(str(text or "").split()), width, placeholder="…")


def judul(nama_pemda: str, tahun: int) -> str:
    """The Pemda and year every chart title ends with."""
    return f"{nama_pemda} Tahun {tahun}"


def sasaran_bars(
    sasaran: pd.DataFrame, scale: Scale, desimal: int = 2, tepi: tuple[float, ...] = ()
) -> pd.DataFrame:
    """One row per Sasaran of the spec, in spec order: its average, predikat and colour (its
    text with more decimals where it would read as one of the band edges ``tepi``).

    A Sasaran without a bar says why in ``catatan`` (no indicator in the spec, or none scored)
    and its ``label`` carries the reason, so the axis of the chart explains the gap.
    """
    rows = []
    for rec in records(sasaran):
        total = rec.get("jumlah_indikator")
        total = 0 if pd.isna(total) else int(total)
        scored = rec.get("jumlah_dinilai")
        scored = 0 if pd.isna(scored) else int(scored)
        value = rec.get("rata_rata_capaian")
        value = float("nan") if pd.isna(value) else float(value)
        if total == 0:
            catatan = "tidak ada indikator"
        elif scored == 0 or np.isnan(value):
            catatan = "belum ada indikator dinilai"
        else:
            catatan = ""
        kode = str(rec["kode_sasaran"])
        name = singkat(rec.get("uraian_sasaran", ""))
        label = f"{kode} {name}" + (f" ({catatan})" if catatan else "")
        predikat = "" if catatan else str(rec.get("predikat") or "")
        rows.append(
            {
                "kode_sasaran": kode,
                "label": label,
                "nama": f"{kode} {name}",
                "rata_rata_capaian": value,
                "predikat": predikat,
                "warna": scale.colour(predikat) if predikat else "#FFFFFF",
                "jumlah_indikator": total,
                "jumlah_dinilai": scored,
                "catatan": catatan,
                "teks_nilai": (  # "2 dari 3 ind." when some were not scored, as for OPDs
                    f"{fmt.persen_tepi(value, desimal, tepi)}  "
                    + (f"({scored} ind.)" if scored == total else f"({scored} dari {total} ind.)")
                    if not catatan
                    else catatan
                ),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "kode_sasaran",
            "label",
            "nama",
            "rata_rata_capaian",
            "predikat",
            "warna",
            "jumlah_indikator",
            "jumlah_dinilai",
            "catatan",
            "teks_nilai",
        ],
    )


SUMBU_CAPAIAN_MIN = 140.0  # a capaian axis shows at least 0–140 %
RUANG_LABEL = 30.0  # points beyond the highest bar, for its value label (as the PNG charts)


def sumbu_capaian(values: pd.Series) -> tuple[float, float]:
    """The capaian axis of a native bar chart: (maximum, step between its gridlines).

    As the PNG charts draw it: at least 140, else the highest bar plus 30 points for its label
    (or 15 % of the bar, on a long axis); rounded up to a whole step of 20, or of 50, 100, 200,
    500, … when 20 would give more than 8 steps. A bar above 140 (``batas_capaian = none``, or
    a cap of 150 or 200) is drawn whole, never cut at the edge.
    """
    numbers = pd.to_numeric(values, errors="coerce")
    top = float(numbers.max()) if numbers.notna().any() else 0.0
    end = max(SUMBU_CAPAIAN_MIN, top + max(RUANG_LABEL, top * 0.15))
    magnitude = 10.0
    while True:
        for factor in (2, 5, 10):
            step = factor * magnitude
            if end <= 8 * step:
                return float(math.ceil(end / step) * step), step
        magnitude *= 10


def predikat_counts(counts: dict[str, int], scale: Scale) -> pd.DataFrame:
    """Indicators per predikat band, top band first, with the band's rule and colour."""
    rules = scale.rentang()
    return pd.DataFrame(
        {
            "predikat": [b.label for b in scale.bands],
            "aturan": rules,
            "jumlah": [int(counts.get(b.label, 0)) for b in scale.bands],
            "warna": [b.warna for b in scale.bands],
        }
    )


def efisiensi_opd(opd: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """OPDs with both an average capaian and a serapan: the points of the efficiency chart.

    ``efisiensi`` = capaian − serapan (points) and ``kategori_efisiensi`` are recomputed with
    the settings' bands by :func:`pipeline.score.efficiency`; rows sorted from
    the most to the least efficient.
    """
    data = opd.dropna(subset=["rata_rata_capaian", "serapan"])
    found = efficiency(
        data["rata_rata_capaian"].astype(float), data["serapan"].astype(float), settings
    )
    diff, band = found["efisiensi"], found["kategori_efisiensi"]
    out = pd.DataFrame(
        {
            "kode_opd": data["kode_opd"].astype(str),
            "nama_opd": data["nama_opd"].astype(str),
            "rata_rata_capaian": data["rata_rata_capaian"].astype(float),
            "serapan": data["serapan"].astype(float),
            "efisiensi": diff,
            "kategori_efisiensi": band,
        }
    )
    out = out.assign(warna=out["kategori_efisiensi"].map(WARNA_EFISIENSI))
    return out.sort_values(["efisiensi", "kode_opd"], ascending=[False, True]).reset_index(
        drop=True
    )


def band_text(settings: Settings) -> dict[str, str]:
    """The efficiency rule in words, per band (legend of the chart, note on the sheet)."""
    atas = fmt.bertanda(settings.efisiensi_batas_atas)
    bawah = fmt.bertanda(settings.efisiensi_batas_bawah)
    return {
        "efisien": f"efisien: capaian − serapan > {atas} poin",
        "cukup efisien": f"cukup efisien: antara {bawah} dan {atas} poin",
        "tidak efisien": f"tidak efisien: capaian − serapan < {bawah} poin",
    }


def peringkat_opd(opd: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """OPDs with an average, best first, each labelled with its number of indicators."""
    data = opd.dropna(subset=["rata_rata_capaian"])
    data = data.sort_values(["rata_rata_capaian", "kode_opd"], ascending=[False, True])
    scored = data["jumlah_dinilai"].fillna(0).astype(int)
    total = data["jumlah_indikator"].fillna(0).astype(int)
    label = [
        f"{rank}. {singkat(n, 52)} ({s} ind.)"
        if s == t
        else f"{rank}. {singkat(n, 52)} ({s} dari {t} ind.)"
        for rank, n, s, t in zip(
            data["rata_rata_capaian"].rank(ascending=False, method="min").astype(int),
            data["nama_opd"],
            scored,
            total,
            strict=True,
        )
    ]
    kode = data["kode_opd"].astype(str)
    label_kode = [
        f"{k} ({s} ind.)" if s == t else f"{k} ({s} dari {t} ind.)"
        for k, s, t in zip(kode, scored, total, strict=True)
    ]
    return pd.DataFrame(
        {
            "kode_opd": kode.to_numpy(),
            "label": label,
            "label_kode": label_kode,
            "rata_rata_capaian": data["rata_rata_capaian"].astype(float).to_numpy(),
            "predikat": data["predikat"].astype(str).to_numpy(),
            "warna": [scale.colour(p) for p in data["predikat"]],
            "jumlah_dinilai": scored.to_numpy(),
            "jumlah_indikator": total.to_numpy(),
        }
    )


def opd_tanpa_nilai(opd: pd.DataFrame, status_kirim: dict[str, str] | None = None) -> pd.DataFrame:
    """OPDs with no average capaian, and why (listed under the ranking chart)."""
    status_kirim = status_kirim or {}
    data = opd[opd["rata_rata_capaian"].isna()].sort_values("kode_opd")
    reasons = []
    for rec in records(data):
        total = rec.get("jumlah_indikator")
        kirim = status_kirim.get(str(rec["kode_opd"]), "")
        if pd.isna(total) or int(total) == 0:
            reasons.append("tidak memegang indikator")
        elif kirim and kirim not in MELAPOR:
            reasons.append(kirim)
        else:
            reasons.append("belum ada indikator dinilai")
    return pd.DataFrame(
        {
            "kode_opd": data["kode_opd"].astype(str).to_numpy(),
            "nama_opd": data["nama_opd"].astype(str).to_numpy(),
            "alasan": reasons,
        },
        columns=["kode_opd", "nama_opd", "alasan"],
    )


SERI_TAHUN_LALU = "Capaian tahun lalu"
SERI_TAHUN_INI = "Capaian tahun ini"
SERI_PROGRES = "Progres thd target akhir RPJMD"


def progres_label(indikator: pd.DataFrame) -> str:
    """The progress series' name with the year(s) of the end target it is measured against
    (a stand-in year included), e.g. ``Progres thd target akhir RPJMD (target 2021)``."""
    scored = indikator[indikator["status"] == schema.STATUS_DINILAI]
    if "tahun_target_akhir" not in scored or "progres_rpjmd" not in scored:
        return SERI_PROGRES
    years = sorted(
        {
            int(y)
            for y in scored.loc[scored["progres_rpjmd"].notna(), "tahun_target_akhir"].dropna()
        }
    )
    return SERI_PROGRES + (f" (target {', '.join(str(y) for y in years)})" if years else "")


def tren_sasaran(
    indikator: pd.DataFrame, sasaran: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """Per Sasaran (spec order, scored ones): last year → this year → progress to the end target.

    Long format (``kode_sasaran``, ``seri``, ``nilai``). Every series is a mean over the scored
    indicators of the Sasaran, each value capped like the averages (``batas_capaian``, minimum
    0) and weighted like them (``metode_rata_rata``), so the bars compare like with like and
    this year's equals the Sasaran average. A series with no value at all (no previous year)
    is left out.
    """
    scored = indikator[indikator["status"] == schema.STATUS_DINILAI]
    limit = settings.batas_capaian
    weighted = settings.metode_rata_rata == "bobot"

    def means(col: str) -> pd.Series:
        values = scored[col].astype(float)
        if limit is not None:
            values = values.clip(upper=limit)
        values = values.clip(lower=0)
        weights = scored["bobot"].astype(float) if weighted else pd.Series(1.0, scored.index)
        weights = weights.where(values.notna(), 0.0)
        total = (values.fillna(0.0) * weights).groupby(scored["kode_sasaran"]).sum()
        norm = weights.groupby(scored["kode_sasaran"]).sum()
        return total / norm.where(norm > 0)

    order = [k for k in sasaran["kode_sasaran"] if k in set(scored["kode_sasaran"])]
    frames = []
    for seri, col in (
        (SERI_TAHUN_LALU, "capaian_tahun_lalu"),
        (SERI_TAHUN_INI, "capaian"),
        (SERI_PROGRES, "progres_rpjmd"),
    ):
        if col not in scored:
            continue
        per = means(col)
        if per.notna().any():
            frames.append(
                pd.DataFrame(
                    {"kode_sasaran": order, "seri": seri, "nilai": [per.get(k) for k in order]}
                )
            )
    if not frames:
        return pd.DataFrame(columns=["kode_sasaran", "seri", "nilai"])
    return pd.concat(frames, ignore_index=True).astype({"nilai": float})
