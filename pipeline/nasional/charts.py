"""National charts (matplotlib): the spread of Pemda averages and the ranking within each
province. Each draws a frame computed in :mod:`pipeline.nasional.summary`; saving is the
caller's."""

from __future__ import annotations

import textwrap

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from pipeline import fmt
from pipeline.charts import A4_LANDSCAPE, plt
from pipeline.config import Scale

MAX_BARS = 60  # bars in one ranking chart; more are shown as the best and the weakest


def distribution(hist: pd.DataFrame, scale: Scale, title: str) -> Figure:
    """Histogram of Pemda averages, bins coloured by predikat, band bounds marked."""
    fig, ax = plt.subplots(figsize=A4_LANDSCAPE, layout="constrained")
    if hist.empty:
        ax.text(0.5, 0.5, "Belum ada Pemda yang dinilai", ha="center", va="center")
        ax.set_axis_off()
        ax.set_title(title)
        return fig
    width = float(hist["sampai"].iloc[0] - hist["dari"].iloc[0])
    bars = ax.bar(
        hist["dari"] + width / 2,
        hist["jumlah_pemda"],
        width=width * 0.95,
        color=list(hist["warna"]),
        edgecolor="#333333",
    )
    for bar, count in zip(bars, hist["jumlah_pemda"], strict=True):
        if count:
            ax.text(
                bar.get_x() + bar.get_width() / 2,
                bar.get_height(),
                fmt.angka(count, 0),
                ha="center",
                va="bottom",
                fontsize=8,
            )
    low, high = float(hist["dari"].min()), float(hist["sampai"].max())
    top = float(hist["jumlah_pemda"].max())
    for band, rule in zip(scale.bands, scale.describe().split("; "), strict=True):
        if low < band.batas < high:
            ax.axvline(band.batas, color="#555555", linestyle="--", linewidth=0.8)
            ax.text(
                band.batas,
                top * 1.04,
                rule.split(" ")[0] + " " + rule.split(" ")[1],
                ha="center",
                fontsize=8,
                color="#555555",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4},  # over its line
                zorder=3,
            )
    ax.set_xlabel("Rata-rata capaian Pemda (%)")
    ax.set_ylabel("Jumlah Pemda")
    ax.set_title(title)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, top * 1.12 + 0.5)
    ax.set_yticks(ax.get_yticks(), [fmt.angka(t, 0) for t in ax.get_yticks()])
    ax.set_xlim(low, high)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks, [fmt.angka_ringkas(t, 1) for t in ticks])
    ax.set_xlim(low, high)
    ax.legend(
        handles=[Patch(color=b.warna, label=b.label) for b in scale.bands],
        title="Predikat",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
    )
    ax.text(1.01, 0.0, textwrap.fill(scale.judul, 24), transform=ax.transAxes, fontsize=7)
    return fig


def ranking(frame: pd.DataFrame, title: str) -> Figure:
    """Horizontal bars of Pemda averages, best at the top, each in its own predikat colour."""
    data = frame
    gap = 0
    if len(frame) > MAX_BARS:
        half = MAX_BARS // 2
        data = pd.concat([frame.head(half), frame.tail(half)], ignore_index=True)
        gap = len(frame) - MAX_BARS
    height = max(3.0, 0.28 * len(data) + 1.5)
    fig, ax = plt.subplots(figsize=(A4_LANDSCAPE[0], height), layout="constrained")
    ranks = list(range(1, len(frame) + 1))
    ranks = ranks[: MAX_BARS // 2] + ranks[-(MAX_BARS // 2) :] if gap else ranks
    labels = [
        textwrap.shorten(f"{r}. {k} {str(n).removeprefix('Pemerintah ')}", 45, placeholder="…")
        for r, k, n in zip(ranks, data["kode_pemda"], data["nama_pemda"], strict=True)
    ]
    positions = list(range(len(data)))
    if gap:
        positions = [p + (1 if p >= MAX_BARS // 2 else 0) for p in positions]
    bars = ax.barh(
        positions,
        data["rata_rata_capaian"],
        color=list(data["warna_predikat"]),
        edgecolor="#333333",
        height=0.7,
    )
    ax.set_yticks(positions, labels, fontsize=8)
    ax.invert_yaxis()
    for bar, value, label in zip(bars, data["rata_rata_capaian"], data["predikat"], strict=True):
        ax.text(
            bar.get_width() + 0.5,
            bar.get_y() + bar.get_height() / 2,
            f"{fmt.persen(value)} {label}",
            va="center",
            fontsize=7,
            # on white, above the 100 % line: at 99,9 % it ran through the figure
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4},
            zorder=3,
        )
    if gap:
        ax.text(0, MAX_BARS // 2, f"… {fmt.angka(gap, 0)} Pemda lain …", va="center", fontsize=8)
    ax.axvline(100, color="#555555", linestyle="--", linewidth=0.8)
    ax.set_xlabel("Rata-rata capaian (%)")
    top = float(data["rata_rata_capaian"].max()) if len(data) else 100.0
    ax.set_xlim(0, max(130.0, top + 20))
    ticks = ax.get_xticks()
    ax.set_xticks(ticks, [fmt.angka_ringkas(t, 1) for t in ticks])
    ax.set_title(title)
    return fig
