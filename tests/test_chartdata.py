"""Each chart's data is a small frame computed by the library: checked against hand-computed
expectations (the figures only draw these frames)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline import chartdata
from pipeline.config import build_settings, default_settings

NAN = float("nan")


def test_every_sasaran_has_a_row_and_a_gap_says_why() -> None:
    settings = default_settings()
    sasaran = pd.DataFrame(
        {
            "kode_sasaran": ["S1", "S2", "S3"],
            "uraian_sasaran": ["Meningkatnya mutu", "Tertatanya ruang kota", "Meningkatnya UMKM"],
            "jumlah_indikator": [3.0, NAN, 2.0],  # S2: no indicator in the spec (left join)
            "jumlah_dinilai": [2.0, NAN, 0.0],  # S3: none scored
            "rata_rata_capaian": [95.0, NAN, NAN],
            "predikat": ["Sangat Tinggi", "", ""],
        }
    )
    bars = chartdata.sasaran_bars(sasaran, settings.skala)
    assert bars["kode_sasaran"].tolist() == ["S1", "S2", "S3"]  # spec order, nobody dropped
    assert bars["catatan"].tolist() == ["", "tidak ada indikator", "belum ada indikator dinilai"]
    assert bars["label"].tolist() == [
        "S1 Meningkatnya mutu",
        "S2 Tertatanya ruang kota (tidak ada indikator)",
        "S3 Meningkatnya UMKM (belum ada indikator dinilai)",
    ]
    assert bars.loc[0, "warna"] == settings.skala.colour("Sangat Tinggi")
    # 2 of its 3 indicators scored: said as for OPDs (it read '(2 ind.)')
    assert bars.loc[0, "teks_nilai"] == "95,00%  (2 dari 3 ind.)"
    assert math.isnan(bars.loc[1, "rata_rata_capaian"])


def test_efficiency_points_use_the_settings_bands() -> None:
    opd = pd.DataFrame(
        {
            "kode_opd": ["A", "B", "C", "D"],
            "nama_opd": ["Dinas A", "Dinas B", "Dinas C", "Dinas D"],
            "rata_rata_capaian": [100.0, 90.0, 50.0, NAN],  # D: no average, no point
            "serapan": [80.0, 83.0, 95.0, 70.0],
        }
    )
    default = chartdata.efisiensi_opd(opd, default_settings())
    assert default["kode_opd"].tolist() == ["A", "B", "C"]  # most efficient first
    assert default["efisiensi"].tolist() == pytest.approx([20.0, 7.0, -45.0])
    assert default["kategori_efisiensi"].tolist() == ["efisien", "efisien", "tidak efisien"]
    wide = build_settings({"efisiensi_batas_atas": "10", "efisiensi_batas_bawah": "-10"})[0]
    banded = chartdata.efisiensi_opd(opd, wide)
    assert banded["kategori_efisiensi"].tolist() == ["efisien", "cukup efisien", "tidak efisien"]
    assert banded["warna"].tolist() == [
        chartdata.WARNA_EFISIENSI[k] for k in ("efisien", "cukup efisien", "tidak efisien")
    ]
    words = chartdata.band_text(wide)
    assert words["cukup efisien"] == "cukup efisien: antara -10 dan +10 poin"


def test_ranking_shows_indicator_counts_and_lists_opds_without_a_score() -> None:
    settings = default_settings()
    opd = pd.DataFrame(
        {
            "kode_opd": ["A", "B", "C", "D", "E"],
            "nama_opd": ["Dinas A", "Dinas B", "Badan C", "Kecamatan D", "Badan E"],
            "rata_rata_capaian": [80.0, 95.0, 95.0, NAN, NAN],
            "predikat": ["Tinggi", "Sangat Tinggi", "Sangat Tinggi", "", ""],
            "jumlah_indikator": [3.0, 1.0, 2.0, NAN, 4.0],
            "jumlah_dinilai": [1.0, 1.0, 2.0, NAN, 0.0],
        }
    )
    rank = chartdata.peringkat_opd(opd, settings.skala)
    assert rank["kode_opd"].tolist() == ["B", "C", "A"]  # ties by code
    assert rank["label"].tolist() == [
        "1. Dinas B (1 ind.)",
        "1. Badan C (2 ind.)",
        "3. Dinas A (1 dari 3 ind.)",
    ]
    assert rank["label_kode"].tolist() == ["B (1 ind.)", "C (2 ind.)", "A (1 dari 3 ind.)"]
    none = chartdata.opd_tanpa_nilai(opd, {"E": "belum mengirim", "D": "tidak wajib"})
    assert none.to_dict("records") == [
        {"kode_opd": "D", "nama_opd": "Kecamatan D", "alasan": "tidak memegang indikator"},
        {"kode_opd": "E", "nama_opd": "Badan E", "alasan": "belum mengirim"},
    ]


def test_trend_last_year_this_year_progress_capped_like_the_averages() -> None:
    settings = default_settings()  # cap 120, simple mean
    sasaran = pd.DataFrame({"kode_sasaran": ["S2", "S1"]})  # spec order: S2 first
    ind = pd.DataFrame(
        {
            "kode_sasaran": ["S1", "S1", "S2", "S2"],
            "status": ["dinilai", "dinilai", "dinilai", "belum lapor"],
            "bobot": [1.0, 1.0, 1.0, 1.0],
            "capaian": [100.0, 120.0, 60.0, NAN],  # already capped
            "progres_rpjmd": [150.0, 50.0, NAN, 200.0],  # 150 counts as 120; row 4 not scored
            "capaian_tahun_lalu": [NAN, NAN, NAN, NAN],  # no previous year: series left out
        }
    )
    trend = chartdata.tren_sasaran(ind, sasaran, settings)
    assert trend["seri"].unique().tolist() == [chartdata.SERI_TAHUN_INI, chartdata.SERI_PROGRES]
    now = trend[trend["seri"] == chartdata.SERI_TAHUN_INI]
    assert now["kode_sasaran"].tolist() == ["S2", "S1"]
    assert now["nilai"].tolist() == pytest.approx([60.0, 110.0])
    progress = trend[trend["seri"] == chartdata.SERI_PROGRES].set_index("kode_sasaran")["nilai"]
    assert progress["S1"] == pytest.approx(85.0)  # (120 + 50) / 2
    assert math.isnan(progress["S2"])


def test_trend_weighted_like_the_averages() -> None:
    settings = build_settings({"metode_rata_rata": "bobot"})[0]
    ind = pd.DataFrame(
        {
            "kode_sasaran": ["S1", "S1"],
            "status": ["dinilai", "dinilai"],
            "bobot": [3.0, 1.0],
            "capaian": [100.0, 60.0],
            "progres_rpjmd": [NAN, NAN],
            "capaian_tahun_lalu": [80.0, 40.0],
        }
    )
    trend = chartdata.tren_sasaran(ind, pd.DataFrame({"kode_sasaran": ["S1"]}), settings)
    values = trend.set_index("seri")["nilai"]
    assert values[chartdata.SERI_TAHUN_INI] == pytest.approx(90.0)  # (3×100 + 60) / 4
    assert values[chartdata.SERI_TAHUN_LALU] == pytest.approx(70.0)  # (3×80 + 40) / 4
    assert chartdata.SERI_PROGRES not in values


def test_predikat_counts_follow_the_scale() -> None:
    settings = default_settings()
    counts = chartdata.predikat_counts({"Tinggi": 3, "Rendah": 1}, settings.skala)
    assert counts["predikat"].tolist() == [b.label for b in settings.skala.bands]
    assert counts["jumlah"].tolist() == [0, 3, 0, 1, 0]
    assert counts["aturan"].tolist() == [
        "> 90",
        "> 75 dan ≤ 90",
        "> 65 dan ≤ 75",
        "> 50 dan ≤ 65",
        "≤ 50",
    ]


def test_predikat_ranges_for_bands_that_include_their_bound() -> None:
    settings, issues = build_settings({"skala_predikat": "permenpan_88_2021"})
    assert not issues
    assert settings.skala.rentang() == [
        "≥ 90",
        "≥ 80 dan < 90",
        "≥ 70 dan < 80",
        "≥ 60 dan < 70",
        "≥ 50 dan < 60",
        "≥ 30 dan < 50",
        "< 30",
    ]


def test_trend_chart_says_which_sasaran_it_leaves_out() -> None:
    from pipeline import charts

    frame = pd.DataFrame(
        {"kode_sasaran": ["S1"], "seri": [chartdata.SERI_TAHUN_INI], "nilai": [90.0]}
    )
    fig = charts.tren_sasaran(frame, {"S1": "S1 Satu", "S2": "S2 Dua"}, "Kota Contoh Tahun 2025")
    notes = [t.get_text() for t in fig.texts]
    assert any("S2" in n and "S1" not in n for n in notes), notes


def test_chart_values_show_the_specs_display_decimals() -> None:
    """With ``desimal_tampilan = 1`` the workbook showed 93,8 and the PNG charts and the
    command's summary 93,82."""
    import dataclasses

    from pipeline import charts, cli
    from pipeline.master import read_master
    from pipeline.run import run_pemda
    from tests.conftest import INPUT_DIR, SPEC_PATH

    settings = default_settings()
    sasaran = pd.DataFrame(
        {
            "kode_sasaran": ["S1"],
            "uraian_sasaran": ["Meningkatnya mutu"],
            "jumlah_indikator": [2.0],
            "jumlah_dinilai": [2.0],
            "rata_rata_capaian": [93.8249],
            "predikat": ["Sangat Tinggi"],
        }
    )
    assert chartdata.sasaran_bars(sasaran, settings.skala, 1).loc[0, "teks_nilai"] == (
        "93,8%  (2 ind.)"
    )
    # beside its colour a figure at a band edge takes the decimals it needs: 89,96 is not 90
    near = sasaran.assign(rata_rata_capaian=[89.9612], predikat=["Tinggi"])
    assert chartdata.sasaran_bars(near, settings.skala, 1, settings.tepi).loc[0, "teks_nilai"] == (
        "89,96%  (2 ind.)"
    )
    opd = pd.DataFrame(
        {
            "kode_opd": ["A"],
            "nama_opd": ["Dinas A"],
            "rata_rata_capaian": [93.8249],
            "predikat": ["Sangat Tinggi"],
            "jumlah_indikator": [2],
            "jumlah_dinilai": [2],
        }
    )
    ranked = chartdata.peringkat_opd(opd, settings.skala)
    nothing = chartdata.opd_tanpa_nilai(opd.iloc[0:0])
    figure = charts.peringkat_opd(ranked, nothing, settings.skala, "Kota X", 1)
    assert "93,8%" in [t.get_text() for t in figure.axes[0].texts]

    spec, _ = read_master(SPEC_PATH)
    assert spec is not None
    spec.settings = dataclasses.replace(spec.settings, desimal_tampilan=1)
    summary = cli._summary(run_pemda(spec, INPUT_DIR), None)
    line = next(x for x in summary.splitlines() if x.startswith("Rata-rata capaian"))
    assert line.split(":")[1].split("%")[0].strip().count(",") == 1
    assert len(line.split(":")[1].split("%")[0].strip().split(",")[1]) == 1, line


def test_capaian_axis_reaches_past_the_highest_bar() -> None:
    """The native capaian charts: at least 0–140 in steps of 20; past that the highest bar
    plus 30 points (15 % on a long axis), rounded up to a whole step of at most 8."""
    for values, axis in [
        ([], (140.0, 20.0)),
        ([float("nan"), 88.9], (140.0, 20.0)),
        ([110.0], (140.0, 20.0)),
        ([119.05, 120.0], (160.0, 20.0)),
        ([200.0], (250.0, 50.0)),
        ([370.0], (500.0, 100.0)),
        ([1000.0], (1200.0, 200.0)),
    ]:
        assert chartdata.sumbu_capaian(pd.Series(values, dtype=float)) == axis, values


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        ("permendagri_54_2010", ["Rendah", "Sangat Rendah"]),
        ("permenpan_88_2021", ["C", "D"]),  # it read CC, C, D: three of seven
        ("permendagri_86_2017", ["R", "SR"]),
    ],
)
def test_perlu_perhatian_names_the_two_lowest_bands(scale: str, expected: list[str]) -> None:
    from pipeline.workbook.ringkasan import low_bands

    settings, issues = build_settings({"skala_predikat": scale})
    assert not issues
    assert low_bands(settings) == expected
