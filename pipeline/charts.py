"""Charts for leaders (matplotlib). Each function draws one frame of :mod:`pipeline.chartdata`
and returns a Figure; computing the data is the library's, saving is the caller's.

Every title ends with the Pemda and the year; numbers on a chart come from :mod:`pipeline.fmt`.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from pipeline import chartdata, fmt
from pipeline.config import Scale, Settings

A4_LANDSCAPE = (11.69, 8.27)
A4_PORTRAIT = (8.27, 11.69)
GRID = "#555555"
# Every text is shown as written: a name holding two dollar signs is no formula to typeset
# (``$\frac{$`` would not draw at all, ``Rp $5 dan $10`` would come out in italics).
plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 10,
        "svg.hashsalt": "sakip",
        "text.parse_math": False,
    }
)
PNG_DPI = 110


def save_png(fig: Figure, path: Path | str | BinaryIO, dpi: int = PNG_DPI) -> None:
    """Write ``fig`` as a PNG at ``dpi``, drawn once.

    ``Figure.savefig`` draws a figure with a layout engine twice: once without rendering to
    lay it out, then again to render it. Drawing on the canvas at the final resolution lays
    it out and renders it in one pass: the same pixels and the same bytes, about a tenth
    less time for the charts here. The figure keeps ``dpi`` afterwards.
    """
    fig.set_dpi(dpi)
    fig.canvas.print_png(path, metadata={"Software": None})  # type: ignore[attr-defined]


def _predikat_legend(ax: Axes, scale: Scale) -> None:
    handles = [Patch(facecolor=b.warna, edgecolor="#333333", label=b.label) for b in scale.bands]
    ax.legend(
        handles=handles,
        title="Predikat",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        framealpha=0.95,
    )


def _tall(bars: int, inch_per_bar: float) -> tuple[float, float]:
    """A4 landscape, taller when its horizontal bars need it: each bar keeps room for its
    label (60 Sasaran in two series put their labels on top of each other on one page)."""
    width, height = A4_LANDSCAPE
    return width, max(height, bars * inch_per_bar + 2.5)


def _nothing_yet(ax: Axes, text: str) -> None:
    """Say in the middle of an empty plot why it is empty."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=11)


def _title(ax: Axes, text: str, pemda: str) -> None:
    ax.set_title(f"{text}\n{pemda}", fontsize=12, loc="left", wrap=True)


def _percent_axis(ax: Axes, axis: str = "x") -> None:
    formatter = matplotlib.ticker.FuncFormatter(lambda v, _pos: fmt.angka_ringkas(v, 1))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(formatter)


def capaian_per_sasaran(
    frame: pd.DataFrame, scale: Scale, cap: float | None, pemda: str
) -> Figure:
    """Horizontal bars of the average capaian per Sasaran, coloured by predikat (Grafik 4.1).

    Every Sasaran of the spec has a row; one without a bar says why on its label.
    """
    data = frame.iloc[::-1]
    fig, ax = plt.subplots(figsize=_tall(len(data), 0.24), layout="constrained")
    values = data["rata_rata_capaian"].fillna(0.0)
    bars = ax.barh(data["nama"], values, color=data["warna"], edgecolor="#333333")
    for bar, text, missing in zip(
        bars, data["teks_nilai"], data["catatan"].astype(bool), strict=True
    ):
        ax.text(
            bar.get_width() + 1,
            bar.get_y() + bar.get_height() / 2,
            text,
            va="center",
            fontsize=9,
            style="italic" if missing else "normal",
            color="#555555" if missing else "#000000",
        )
    ax.axvline(100, color=GRID, linestyle="--", linewidth=1)
    top = float(values.max()) if len(values) else 0.0
    ax.set_xlim(0, max(140.0, top + 42))  # room for "120,00%  (1 dari 2 ind.)"
    note = f" (capaian tiap indikator dibatasi {fmt.angka_ringkas(cap, 2)}%)" if cap else ""
    ax.set_xlabel("Rata-rata capaian (%)" + note)
    _percent_axis(ax)
    _title(ax, "Capaian Kinerja per Sasaran Strategis", pemda)
    _predikat_legend(ax, scale)
    return fig


def distribusi_predikat(frame: pd.DataFrame, pemda: str) -> Figure:
    """Number of indicators per predikat band, with the band's rule under its name."""
    fig, ax = plt.subplots(figsize=(8.27, 5.5), layout="constrained")
    labels = [f"{p}\n({a})" for p, a in zip(frame["predikat"], frame["aturan"], strict=True)]
    bars = ax.bar(labels, frame["jumlah"], color=frame["warna"], edgecolor="#333333")
    total = int(frame["jumlah"].sum())
    for bar, v in zip(bars, frame["jumlah"], strict=True):
        share = f" ({fmt.angka(v / total * 100, 0)}%)" if total else ""
        ax.text(
            bar.get_x() + bar.get_width() / 2,
            bar.get_height(),
            f"{int(v)}{share}",
            ha="center",
            va="bottom",
        )
    ax.set_ylabel("Jumlah indikator")
    ax.set_ylim(0, max(1, int(frame["jumlah"].max() if len(frame) else 0)) * 1.15)
    # counts of indicators: whole ticks (matplotlib's own would be 0.0, 0.5 … for a few)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _pos: fmt.angka(v, 0)))
    _title(ax, f"Sebaran Predikat Capaian {total} Indikator yang Dinilai", pemda)
    return fig


def _place_labels(ax: Axes, xs: list[float], ys: list[float], labels: list[str]) -> None:
    """Label every point, nudging a label to a free side when it would overlap another."""
    fig = ax.figure
    fig.draw_without_rendering()  # type: ignore[union-attr]  # laid out, without the pixels
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    taken: list[matplotlib.transforms.Bbox] = []
    offsets = [(5, 4), (5, -10), (-5, 4), (-5, -10), (5, 12), (-5, 12), (5, -18), (-5, -18)]
    for x, y, label in sorted(zip(xs, ys, labels, strict=True), key=lambda p: (-p[1], p[0])):
        chosen = None
        for dx, dy in offsets:
            text = ax.annotate(
                label,
                (x, y),
                textcoords="offset points",
                xytext=(dx, dy),
                fontsize=7,
                ha="left" if dx > 0 else "right",
            )
            box = text.get_window_extent(renderer).expanded(1.05, 1.1)
            if not any(box.overlaps(other) for other in taken):
                chosen = box
                break
            text.remove()
        if chosen is None:  # no free side: keep the first position
            text = ax.annotate(
                label, (x, y), textcoords="offset points", xytext=(5, 4), fontsize=7
            )
            chosen = text.get_window_extent(renderer)
        taken.append(chosen)


def kuadran_opd(frame: pd.DataFrame, settings: Settings, pemda: str) -> Figure:
    """Capaian (y) against serapan (x) per OPD with the efficiency bands of the settings.

    The band lines are capaian − serapan = ``efisiensi_batas_atas`` and ``_bawah``: an OPD above
    the upper line is *efisien*, below the lower one *tidak efisien*, exactly as on the
    Efisiensi sheet. Every OPD is labelled with its code.
    """
    fig, ax = plt.subplots(figsize=A4_LANDSCAPE, layout="constrained")
    top = max(130.0, float(frame["rata_rata_capaian"].max()) + 10 if len(frame) else 0.0)
    right = max(110.0, float(frame["serapan"].max()) + 10 if len(frame) else 0.0)
    atas, bawah = settings.efisiensi_batas_atas, settings.efisiensi_batas_bawah
    xs = [0.0, right]
    ax.fill_between(xs, [x + atas for x in xs], [top, top], color="#1A9850", alpha=0.08)
    ax.fill_between(
        xs, [x + bawah for x in xs], [x + atas for x in xs], color="#FEC44F", alpha=0.15
    )
    ax.fill_between(xs, [0, 0], [x + bawah for x in xs], color="#D73027", alpha=0.08)
    for limit in (atas, bawah):
        ax.plot(xs, [x + limit for x in xs], color=GRID, linestyle="--", linewidth=1)
    ax.scatter(
        frame["serapan"],
        frame["rata_rata_capaian"],
        c=frame["warna"],
        s=70,
        edgecolors="#333333",
        zorder=3,
    )
    ax.set_xlim(0, right)
    ax.set_ylim(0, top)
    if frame.empty:
        _nothing_yet(ax, "Belum ada OPD dengan rata-rata capaian dan serapan anggaran.")
    words = chartdata.band_text(settings)
    handles = [
        Patch(facecolor=colour, edgecolor="#333333", label=words[band])
        for band, colour in chartdata.WARNA_EFISIENSI.items()
    ]
    ax.legend(handles=handles, title="Kategori efisiensi", loc="lower right", fontsize=8)
    _place_labels(
        ax,
        frame["serapan"].tolist(),
        frame["rata_rata_capaian"].tolist(),
        frame["kode_opd"].tolist(),
    )
    ax.set_xlabel("Serapan anggaran (%)")
    ax.set_ylabel("Rata-rata capaian kinerja (%)")
    _percent_axis(ax, "x")
    _percent_axis(ax, "y")
    _title(ax, "Capaian Kinerja dan Serapan Anggaran per OPD", pemda)
    return fig


def peringkat_opd(
    frame: pd.DataFrame,
    tanpa_nilai: pd.DataFrame,
    scale: Scale,
    pemda: str,
    desimal: int = 2,
    tepi: tuple[float, ...] = (),
) -> Figure:
    """OPDs ranked by average capaian, each with its number of indicators; OPDs with no
    average are listed under the chart with the reason."""
    data = frame.iloc[::-1]
    fig, ax = plt.subplots(figsize=A4_PORTRAIT, layout="constrained")
    bars = ax.barh(data["label"], data["rata_rata_capaian"], color=data["warna"], edgecolor="#333")
    for bar, value in zip(bars, data["rata_rata_capaian"], strict=True):
        ax.text(
            bar.get_width() + 1,
            bar.get_y() + bar.get_height() / 2,
            fmt.persen_tepi(value, desimal, tepi),
            va="center",
            fontsize=7,
        )
    ax.axvline(100, color=GRID, linestyle="--", linewidth=1)
    top = float(data["rata_rata_capaian"].max()) if len(data) else 0.0
    ax.set_xlim(0, max(140.0, top + 25))
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel("Rata-rata capaian (%)")
    _percent_axis(ax)
    _title(ax, "Peringkat OPD menurut Rata-rata Capaian Kinerja", pemda)
    _predikat_legend(ax, scale)
    if len(tanpa_nilai):
        lines = [
            f"{n} ({k}): {a}"
            for k, n, a in zip(
                tanpa_nilai["kode_opd"],
                tanpa_nilai["nama_opd"],
                tanpa_nilai["alasan"],
                strict=True,
            )
        ]
        fig.text(
            0.01,
            0.0,
            "Tidak diperingkat (tanpa rata-rata capaian):\n" + "\n".join(lines),
            fontsize=8,
            va="bottom",
            ha="left",
        )
        bottom = 0.02 + 0.013 * (len(lines) + 1)
        fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))  # type: ignore[union-attr,call-arg]
    return fig


def tren_sasaran(
    frame: pd.DataFrame,
    labels: dict[str, str],
    pemda: str,
    label_progres: str = "",
    desimal: int = 2,
    tepi: tuple[float, ...] = (),
    dibatasi: bool = True,
) -> Figure:
    """Per Sasaran: last year's capaian (when known), this year's, and progress to the end
    target of the RPJMD, grouped horizontal bars in that order with their values."""
    series = list(dict.fromkeys(frame["seri"]))
    codes = list(dict.fromkeys(frame["kode_sasaran"]))
    fig, ax = plt.subplots(figsize=_tall(len(codes) * len(series), 0.15), layout="constrained")
    height = 0.8 / max(len(series), 1)
    palette = {
        chartdata.SERI_TAHUN_LALU: "#BDD7EE",
        chartdata.SERI_TAHUN_INI: "#2E75B6",
        chartdata.SERI_PROGRES: "#A5A5A5",
    }
    top = 0.0
    for i, name in enumerate(series):
        part = frame[frame["seri"] == name].set_index("kode_sasaran")["nilai"]
        ys = [j + i * height for j in range(len(codes))]
        values = [part.get(c, float("nan")) for c in codes]
        ax.barh(
            ys,
            values,
            height,
            label=label_progres if name == chartdata.SERI_PROGRES and label_progres else name,
            color=palette.get(name, "#2E75B6"),
            edgecolor="#333333",
        )
        for y, v in zip(ys, values, strict=True):
            shown = "tidak ada" if pd.isna(v) else fmt.persen_tepi(v, desimal, tepi)
            ax.text(0 if pd.isna(v) else v + 0.8, y, shown, va="center", fontsize=7)
            top = max(top, 0.0 if pd.isna(v) else float(v))
    ax.set_yticks(
        [j + height * (len(series) - 1) / 2 for j in range(len(codes))],
        [labels.get(c, c) for c in codes],
        fontsize=8,
    )
    ax.invert_yaxis()
    ax.axvline(100, color=GRID, linestyle="--", linewidth=1)
    # room for the longest bar's label (up to 6 decimals, 200,000000%): a share of the axis,
    # since the label keeps its width as the axis grows
    ax.set_xlim(0, max(130.0, top + 15, top * 1.15))
    # the grey bars are progress toward the end target, not capaian: one neutral axis name
    ax.set_xlabel(
        "Rata-rata per Sasaran (%), tiap indikator "
        + (
            "dibatasi seperti rata-rata capaian"
            if dibatasi
            else "tanpa batas, seperti rata-rata capaian"
        )
    )
    _percent_axis(ax)
    has_last = chartdata.SERI_TAHUN_LALU in series
    what = (
        "Capaian per Sasaran: tahun lalu, tahun ini dan progres menuju target akhir RPJMD"
        if has_last
        else "Capaian per Sasaran tahun ini dan progres menuju target akhir RPJMD"
    )
    _title(ax, what, pemda)
    if series:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    else:  # nothing to compare yet: say so on the chart, not an empty legend box
        _nothing_yet(ax, "Belum ada Sasaran dengan indikator yang dinilai.")
    left_out = [c for c in labels if c not in codes]
    if left_out:  # a gap in the numbering says why
        fig.text(
            0.01,
            0.0,
            f"Tidak ditampilkan (belum ada indikator dinilai): {', '.join(left_out)}",
            fontsize=8,
            va="bottom",
            ha="left",
        )
        fig.get_layout_engine().set(rect=(0, 0.03, 1, 0.97))  # type: ignore[union-attr,call-arg]
    return fig
