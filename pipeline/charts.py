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
