"""Saving a chart: one draw at the final resolution gives the bytes ``savefig`` gives."""

from __future__ import annotations

import io

import pandas as pd

from pipeline import chartdata, charts
from pipeline.charts import plt
from pipeline.config import default_settings


def _kuadran() -> charts.Figure:
    # Close points, so that labels are nudged to free sides (the layout is drawn first).
    opd = pd.DataFrame(
        {
            "kode_opd": [f"OPD{i:02d}" for i in range(12)],
            "nama_opd": [f"Dinas {i}" for i in range(12)],
            "rata_rata_capaian": [100, 99, 98.5, 98, 90, 89.5, 70, 69, 50, 120, 118, 60],
            "serapan": [80, 80.5, 81, 80.2, 83, 83.2, 95, 95.5, 60, 99, 98.5, 40],
        }
    )
    settings = default_settings()
    return charts.kuadran_opd(chartdata.efisiensi_opd(opd, settings), settings, "Kota Contoh 2030")


def _sasaran() -> charts.Figure:
    settings = default_settings()
    sasaran = pd.DataFrame(
        {
            "kode_sasaran": ["S1", "S2", "S3"],
            "uraian_sasaran": ["Meningkatnya mutu", "Menurunnya angka", "Terwujudnya tata kelola"],
            "rata_rata_capaian": [104.2, 76.5, float("nan")],
            "jumlah_indikator": [3, 2, 1],
            "jumlah_dinilai": [3, 2, 0],
            "predikat": ["", "", ""],
        }
    )
    frame = chartdata.sasaran_bars(sasaran, settings.skala)
    return charts.capaian_per_sasaran(
        frame, settings.skala, settings.batas_capaian, "Kota Contoh 2030"
    )


def test_save_png_gives_the_bytes_of_savefig() -> None:
    for build in (_kuadran, _sasaran):
        saved, drawn = io.BytesIO(), io.BytesIO()
        fig = build()
        fig.savefig(saved, dpi=charts.PNG_DPI, format="png", metadata={"Software": None})
        plt.close(fig)
        fig = build()
        charts.save_png(fig, drawn)
        plt.close(fig)
        assert drawn.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
        assert drawn.getvalue() == saved.getvalue(), build.__name__
