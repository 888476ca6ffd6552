"""Charts for leaders (matplotlib). Functions return a Figure; saving is the caller's."""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from pipeline.config import Scale

A4_LANDSCAPE = (11.69, 8.27)
plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 10, "svg.hashsalt": "sakip"})


def _legend(ax: plt.Axes, scale: Scale) -> None:
    handles = [Patch(color=b.warna, label=b.label) for b in scale.bands]
    ax.legend(
        handles=handles, title="Predikat", loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8
    )


def capaian_per_sasaran(sasaran: pd.DataFrame, scale: Scale, cap: float | None) -> Figure:
    """Horizontal bars of the average capaian per Sasaran, coloured by predikat (Grafik 4.1)."""
    data = sasaran.dropna(subset=["rata_rata_capaian"]).sort_values(
        "kode_sasaran", ascending=False
    )
    fig, ax = plt.subplots(figsize=A4_LANDSCAPE, layout="constrained")
    labels = [
        f"{k} " + textwrap.shorten(str(u), 70, placeholder="…")
        for k, u in zip(data["kode_sasaran"], data["uraian_sasaran"], strict=True)
    ]
    colours = [scale.colour(p) for p in data["predikat"]]
    bars = ax.barh(labels, data["rata_rata_capaian"], color=colours, edgecolor="#333333")
    for bar, value, n in zip(bars, data["rata_rata_capaian"], data["jumlah_dinilai"], strict=True):
        text = f"{value:.2f}".replace(".", ",") + f"%  ({int(n)} ind.)"
        ax.text(
            bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, text, va="center", fontsize=8
        )
    ax.axvline(100, color="#555555", linestyle="--", linewidth=1)
    ax.set_xlabel("Rata-rata capaian (%)" + (f", capaian dibatasi {cap:g}%" if cap else ""))
    ax.set_title("Capaian Kinerja per Sasaran Strategis")
    ax.set_xlim(0, max(130.0, float(data["rata_rata_capaian"].max() or 0) + 20))
    _legend(ax, scale)
    return fig


def distribusi_predikat(counts: dict[str, int], scale: Scale) -> Figure:
    """Number of indicators per predikat band."""
    fig, ax = plt.subplots(figsize=(8.27, 5.5), layout="constrained")
    labels = [b.label for b in scale.bands]
    values = [counts.get(label, 0) for label in labels]
    bars = ax.bar(labels, values, color=[b.warna for b in scale.bands], edgecolor="#333333")
    for bar, v in zip(bars, values, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 0.3, str(v), ha="center")
    ax.set_ylabel("Jumlah indikator")
    ax.set_title("Sebaran Predikat Capaian Indikator")
    return fig


def kuadran_opd(opd: pd.DataFrame, scale: Scale, target: float = 100.0) -> Figure:
    """Capaian (y) against serapan (x) per OPD, split in four quadrants at 100 % / 100 %."""
    data = opd.dropna(subset=["rata_rata_capaian", "serapan"])
    fig, ax = plt.subplots(figsize=A4_LANDSCAPE, layout="constrained")
    colours = [scale.colour(p) for p in data["predikat"]]
    ax.scatter(
        data["serapan"], data["rata_rata_capaian"], c=colours, s=80, edgecolors="#333333", zorder=3
    )
    for x, y, label in zip(
        data["serapan"], data["rata_rata_capaian"], data["kode_opd"], strict=True
    ):
        ax.annotate(str(label), (x, y), textcoords="offset points", xytext=(5, 4), fontsize=7)
    top = max(130.0, float(data["rata_rata_capaian"].max() or 0) + 10)
    ax.set_xlim(0, 110)
    ax.set_ylim(0, top)
    ax.axhline(target, color="#555555", linestyle="--", linewidth=1)
    ax.axvline(target, color="#555555", linestyle="--", linewidth=1)
    notes = [
        (3, top - 4, "Capaian ≥ target, serapan rendah:\nhemat (periksa mutu kegiatan)", "left"),
        (107, top - 4, "Capaian ≥ target, serapan penuh", "right"),
        (3, 4, "Capaian rendah, serapan rendah:\nkegiatan tertunda?", "left"),
        (107, 4, "Capaian rendah, serapan tinggi:\ntidak efisien", "right"),
    ]
    for x, y, text, align in notes:
        ax.text(
            x, y, text, fontsize=8, ha=align, va="top" if y > 50 else "bottom", color="#555555"
        )
    ax.set_xlabel("Serapan anggaran (%)")
    ax.set_ylabel("Rata-rata capaian kinerja (%)")
    ax.set_title("Capaian Kinerja dan Serapan Anggaran per OPD")
    _legend(ax, scale)
    return fig


def peringkat_opd(opd: pd.DataFrame, scale: Scale) -> Figure:
    """OPDs ranked by average capaian, coloured by predikat."""
    data = opd.dropna(subset=["rata_rata_capaian"]).sort_values(
        ["rata_rata_capaian", "kode_opd"], ascending=[True, False]
    )
    fig, ax = plt.subplots(figsize=(8.27, 11.69), layout="constrained")
    labels = [textwrap.shorten(str(n), 45, placeholder="…") for n in data["nama_opd"]]
    bars = ax.barh(
        labels,
        data["rata_rata_capaian"],
        color=[scale.colour(p) for p in data["predikat"]],
        edgecolor="#333333",
    )
    for bar, value in zip(bars, data["rata_rata_capaian"], strict=True):
        ax.text(
            bar.get_width() + 1,
            bar.get_y() + bar.get_height() / 2,
            f"{value:.2f}".replace(".", ","),
            va="center",
            fontsize=7,
        )
    ax.axvline(100, color="#555555", linestyle="--", linewidth=1)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel("Rata-rata capaian (%)")
    ax.set_title("Peringkat OPD menurut Rata-rata Capaian Kinerja")
    _legend(ax, scale)
    return fig


def tren_sasaran(indikator: pd.DataFrame, sasaran: pd.DataFrame) -> Figure:
    """Per Sasaran: this year's capaian, progress to the RPJMD end target, last year's capaian."""
    scored = indikator[indikator["status"] == "dinilai"]
    by = scored.groupby("kode_sasaran")
    # Say which year's target the progress is measured against (a stand-in year included).
    years = sorted(
        {int(y) for y in scored.loc[scored["progres_rpjmd"].notna(), "tahun_target_akhir"]}
    )
    progress = "Progres thd target akhir RPJMD" + (
        f" (target {', '.join(str(y) for y in years)})" if years else ""
    )
    series = {
        "Capaian tahun ini": by["capaian"].mean(),
        progress: by["progres_rpjmd"].mean(),
        "Capaian tahun lalu": by["capaian_tahun_lalu"].mean(),
    }
    shown = {k: v for k, v in series.items() if v.notna().any()}
    codes = [c for c in sasaran["kode_sasaran"] if c in scored["kode_sasaran"].values]
    fig, ax = plt.subplots(figsize=A4_LANDSCAPE, layout="constrained")
    width = 0.8 / max(len(shown), 1)
    palette = ["#2E75B6", "#A5A5A5", "#ED7D31"]
    for i, (name, values) in enumerate(shown.items()):
        xs = [j + i * width for j in range(len(codes))]
        ax.bar(
            xs,
            [values.get(c, float("nan")) for c in codes],
            width,
            label=name,
            color=palette[i % len(palette)],
            edgecolor="#333333",
        )
    ax.set_xticks([j + width * (len(shown) - 1) / 2 for j in range(len(codes))], codes)
    ax.axhline(100, color="#555555", linestyle="--", linewidth=1)
    ax.set_ylabel("Persen (%)")
    ax.set_title(
        "Capaian per Sasaran: tahun ini, progres menuju target akhir RPJMD"
        + (", tahun lalu" if "Capaian tahun lalu" in shown else "")
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return fig
