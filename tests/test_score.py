"""Scoring rules: example tables per polarity and edge case, properties, aggregation, budget."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import schema
from pipeline.config import build_settings, default_settings
from pipeline.score import (
    aggregate,
    compare_previous,
    compute_capaian,
    effective_and_tw_realisasi,
    effective_realisasi,
    effective_values,
    efficiency,
    method_text,
    serapan,
    sisa_anggaran,
)

LADDERS = {"opini_bpk": ["TMP", "TW", "WDP", "WTP"]}


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {
        "kode_indikator": "X",
        "polaritas": "naik",
        "target_nilai": np.nan,
        "target_bawah": np.nan,
        "target_atas": np.nan,
        "target_teks": "",
        "tangga": "",
        "realisasi": np.nan,
        "realisasi_teks": "",
        "bobot": 1.0,
    }
    return pd.DataFrame([{**base, "kode_indikator": f"X{i}", **r} for i, r in enumerate(rows)])


def score_one(settings=None, **row: object) -> pd.Series:
    return compute_capaian(frame([row]), settings or default_settings(), LADDERS).iloc[0]


@pytest.mark.parametrize(
    ("polaritas", "target", "realisasi", "expected"),
    [
        ("naik", 10.39, 9.17, 88.2579),  # Rasio PAD: the seed printed 83,6
        ("naik", 23.4, 22.0, 94.0171),  # Belanja modal
        ("turun", 69.40, 87.00, 74.6398),  # Angka kematian ibu, default (2T-R)/T
        ("turun", 7.98, 10.00, 74.6867),  # Tingkat Pengangguran Terbuka (seed: 1,25 %)
        ("turun", 5, 9, 20.0),  # Indeks Persepsi Korupsi, 5 -> 9 cases
        ("turun", 47.9, 45, 106.0543),  # Belanja pegawai: lower is better, so > 100
        ("turun", 10, 25, 0.0),  # floored at 0
    ],
)
def test_capaian_examples(
    polaritas: str, target: float, realisasi: float, expected: float
) -> None:
    row = score_one(polaritas=polaritas, target_nilai=target, realisasi=realisasi)
    assert row["status"] == schema.STATUS_DINILAI
    assert row["capaian_mentah"] == pytest.approx(expected, abs=1e-4)


# Binary floating point: 0,27 / 0,3 × 100 is 90.00000000000001, 0,09 / 0,1 × 100 is
# 89.99999999999999, 0,1 + 0,7 is 0.7999999999999999. Each is exactly the edge by hand.


def test_capaian_on_a_band_edge_is_the_edge() -> None:
    row = score_one(polaritas="naik", target_nilai=0.3, realisasi=0.27)
    assert row["capaian_mentah"] == 90.0  # exactly: 0,27 / 0,3 = 0,9
    assert default_settings().skala.classify(row["capaian_mentah"]) == "Tinggi"  # not > 90


@pytest.mark.parametrize(
    ("skala", "value", "label"),
    [
        ("permendagri_54_2010", 0.27 / 0.3 * 100, "Tinggi"),  # 90: > 90 is not met
        ("permendagri_54_2010", 0.1 * 3 / 0.4 * 100, "Sedang"),  # 75: > 75 is not met
        ("permenpan_88_2021", 0.09 / 0.1 * 100, "AA"),  # 90: ≥ 90 is met
        ("permenpan_88_2021", 5.81 / 8.3 * 100, "BB"),  # 70: ≥ 70 is met
    ],
)
def test_a_band_edge_reached_by_arithmetic_is_the_edge(
    skala: str, value: float, label: str
) -> None:
    settings, _ = build_settings({"skala_predikat": skala})
    assert settings.skala.classify(value) == label


def test_quarters_that_sum_to_the_target_meet_it() -> None:
    tw = {"realisasi_tahunan": np.nan, "realisasi_tw1": 0.1, "realisasi_tw2": 0.7}
    tw |= {"realisasi_tw3": np.nan, "realisasi_tw4": np.nan, "agregasi_tw": "kumulatif"}
    rolled = effective_realisasi(pd.DataFrame([tw]))
    assert rolled["realisasi"].iloc[0] == 0.8  # exactly: 0,1 + 0,7
    row = score_one(polaritas="naik", target_nilai=0.8, realisasi=rolled["realisasi"].iloc[0])
    assert row["capaian_mentah"] == 100.0  # met: no faktor penghambat asked for


def test_efficiency_on_its_band_edge_is_within_the_band() -> None:
    out = efficiency(pd.Series([59.02]), pd.Series([64.02]), default_settings())
    assert out["efisiensi"].iloc[0] == -5.0  # 59,02 − 64,02 by hand
    assert out["kategori_efisiensi"].iloc[0] == "cukup efisien"  # within ±5


def test_turun_inverse_rule_is_a_setting() -> None:
    settings, issues = build_settings({"rumus_turun": "T/R"})
    assert not issues
    row = score_one(settings, polaritas="turun", target_nilai=69.4, realisasi=87.0)
    assert row["capaian_mentah"] == pytest.approx(79.7701, abs=1e-4)
    assert row["rumus"] == "T/R×100"
    zero = score_one(settings, polaritas="turun", target_nilai=5.0, realisasi=0.0)
    assert zero["status"] == schema.STATUS_TIDAK_DAPAT


def test_zero_targets_never_divide() -> None:
    both_zero = score_one(polaritas="turun", target_nilai=0.0, realisasi=0.0)
    assert both_zero["capaian_mentah"] == 100.0
    turun_bad = score_one(polaritas="turun", target_nilai=0.0, realisasi=2.0)
    assert turun_bad["status"] == schema.STATUS_TIDAK_DAPAT
    assert math.isnan(turun_bad["capaian_mentah"])
    naik_zero = score_one(polaritas="naik", target_nilai=0.0, realisasi=3.0)
    assert naik_zero["status"] == schema.STATUS_TIDAK_DAPAT
    assert "target 0" in naik_zero["keterangan"]


def test_missing_realisation_is_belum_lapor_and_left_out_of_averages() -> None:
    df = compute_capaian(
        frame(
            [
                {"target_nilai": 10.0, "realisasi": 8.0},
                {"target_nilai": 10.0, "realisasi": np.nan},
            ]
        ),
        default_settings(),
        LADDERS,
    )
    assert list(df["status"]) == [schema.STATUS_DINILAI, schema.STATUS_BELUM_LAPOR]
    agg = aggregate(df.assign(g="a"), ["g"], default_settings()).iloc[0]
    assert agg["jumlah_indikator"] == 2
    assert agg["jumlah_dinilai"] == 1
    assert agg["rata_rata_capaian"] == pytest.approx(80.0)


def test_cap_keeps_raw_and_marks_capped() -> None:
    row = score_one(target_nilai=50.0, realisasi=100.0)
    assert row["capaian_mentah"] == pytest.approx(200.0)
    assert row["capaian"] == pytest.approx(120.0)
    assert bool(row["dibatasi"]) is True
    settings, _ = build_settings({"batas_capaian": "none"})
    free = score_one(settings, target_nilai=50.0, realisasi=100.0)
    assert free["capaian"] == pytest.approx(200.0)
    assert not bool(free["dibatasi"])


@pytest.mark.parametrize(
    ("target", "realisasi", "expected"),
    [("WDP", "WTP", 100.0), ("WTP", "WTP", 100.0), ("WTP", "WDP", 75.0), ("WTP", "TMP", 25.0)],
)
def test_kualitatif_ladder(target: str, realisasi: str, expected: float) -> None:
    row = score_one(
        polaritas="kualitatif", tangga="opini_bpk", target_teks=target, realisasi_teks=realisasi
    )
    assert row["capaian_mentah"] == pytest.approx(expected)
    assert "TMP < TW < WDP < WTP" in row["rumus"]


def test_range_polarity() -> None:
    inside = score_one(polaritas="range", target_bawah=80.0, target_atas=90.0, realisasi=85.0)
    above = score_one(polaritas="range", target_bawah=80.0, target_atas=90.0, realisasi=92.0)
    below = score_one(polaritas="range", target_bawah=80.0, target_atas=90.0, realisasi=70.0)
    assert inside["capaian_mentah"] == 100.0
    assert above["capaian_mentah"] == pytest.approx(92 / 90 * 100)
    assert below["capaian_mentah"] == pytest.approx(87.5)


def test_quarterly_rollup_by_aggregation_rule() -> None:
    base = {
        "realisasi_tahunan": np.nan,
        "realisasi_tw1": 2.0,
        "realisasi_tw2": 2.0,
        "realisasi_tw3": 3.0,
        "realisasi_tw4": np.nan,
    }
    df = pd.DataFrame(
        [
            {**base, "agregasi_tw": "kumulatif"},
            {**base, "agregasi_tw": "nilai_akhir"},
            {**base, "agregasi_tw": "rata_rata"},
            {**base, "agregasi_tw": "kumulatif", "realisasi_tahunan": 9.0},
        ]
    )
    out = effective_realisasi(df)
    assert list(out["realisasi"]) == pytest.approx([7.0, 3.0, 7 / 3, 9.0])
    assert out["sumber_realisasi"].iloc[3] == "tahunan"


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (94.0, "Sangat Tinggi"),
        (90.0001, "Sangat Tinggi"),
        (90.0, "Tinggi"),
        (75.0, "Sedang"),
        (65.5, "Sedang"),
        (50.0, "Sangat Rendah"),
        (-3.0, "Sangat Rendah"),
        (250.0, "Sangat Tinggi"),
    ],
)
def test_default_scale_is_contiguous(value: float, label: str) -> None:
    assert default_settings().skala.classify(value) == label


def test_other_shipped_scales() -> None:
    pan, _ = build_settings({"skala_predikat": "permenpan_88_2021"})
    assert pan.skala.classify(90.0) == "AA"
    assert pan.skala.classify(29.99) == "D"
    e81, _ = build_settings({"skala_predikat": "permendagri_86_2017"})
    assert e81.skala.classify(90.5) == "ST"


def test_invalid_settings_are_reported_and_defaults_kept() -> None:
    settings, issues = build_settings({"rumus_turun": "R/T", "warna": "biru"})
    assert settings.rumus_turun == "2T-R"
    assert {i.cell for i in issues} == {"rumus_turun", "warna"}


def test_serapan_is_ratio_of_sums_not_mean_of_ratios() -> None:
    df = pd.DataFrame(
        {
            "kode_program": ["P1", "P2", "P3"],
            "g": ["a", "a", "a"],
            "pagu": [100.0, 900.0, 50.0],
            "realisasi_anggaran": [100.0, 450.0, np.nan],
        }
    )
    row = serapan(df, ["g"]).iloc[0]
    assert row["serapan"] == pytest.approx(55.0)  # (100+450)/(100+900), not mean(100, 50)=75
    assert row["program_dilaporkan"] == 2
    assert row["pagu"] == 1050.0


def test_weighted_average_setting() -> None:
    df = compute_capaian(
        frame(
            [
                {"target_nilai": 10.0, "realisasi": 10.0, "bobot": 3.0},
                {"target_nilai": 10.0, "realisasi": 5.0, "bobot": 1.0},
            ]
        ),
        default_settings(),
        LADDERS,
    ).assign(g="a")
    simple = aggregate(df, ["g"], default_settings()).iloc[0]
    weighted_settings, _ = build_settings({"metode_rata_rata": "bobot"})
    weighted = aggregate(df, ["g"], weighted_settings).iloc[0]
    assert simple["rata_rata_capaian"] == pytest.approx(75.0)
    assert weighted["rata_rata_capaian"] == pytest.approx(87.5)
    assert "berbobot" in weighted["metode"]


positive = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(positive, positive, positive)
def test_naik_monotone_in_realisasi(t: float, r1: float, r2: float) -> None:
    lo, hi = sorted([r1, r2])
    a = score_one(target_nilai=t, realisasi=lo)["capaian_mentah"]
    b = score_one(target_nilai=t, realisasi=hi)["capaian_mentah"]
    assert a <= b + 1e-9


@given(positive, positive, positive)
def test_turun_monotone_decreasing_in_realisasi(t: float, r1: float, r2: float) -> None:
    lo, hi = sorted([r1, r2])
    a = score_one(polaritas="turun", target_nilai=t, realisasi=lo)["capaian_mentah"]
    b = score_one(polaritas="turun", target_nilai=t, realisasi=hi)["capaian_mentah"]
    assert a >= b - 1e-9
    assert b >= 0


@given(st.floats(min_value=-50, max_value=500), st.floats(min_value=-50, max_value=500))
def test_predikat_monotone_in_capaian(c1: float, c2: float) -> None:
    scale = default_settings().skala
    order = [b.label for b in scale.bands]
    lo, hi = sorted([c1, c2])
    assert order.index(scale.classify(lo)) >= order.index(scale.classify(hi))


@given(st.lists(st.tuples(positive, positive), min_size=1, max_size=12))
def test_capped_and_group_mean_bounds(pairs: list[tuple[float, float]]) -> None:
    df = compute_capaian(
        frame([{"target_nilai": t, "realisasi": r} for t, r in pairs]), default_settings(), LADDERS
    ).assign(g="a")
    assert (df["capaian"] <= 120.0 + 1e-9).all()
    agg = aggregate(df, ["g"], default_settings()).iloc[0]
    assert agg["min_capaian"] - 1e-9 <= agg["rata_rata_capaian"] <= agg["max_capaian"] + 1e-9


def test_invalid_realisation_is_not_belum_lapor() -> None:
    row = score_one(target_nilai=10.0, realisasi=np.nan, realisasi_tidak_valid=True)
    assert row["status"] == schema.STATUS_TIDAK_DAPAT
    assert "tidak sah" in row["keterangan"]


def test_negative_realisation_scores_but_averages_from_zero() -> None:
    row = score_one(target_nilai=5.0, realisasi=-2.0)  # e.g. economic growth of -2 %
    assert row["capaian_mentah"] == pytest.approx(-40.0)
    assert row["capaian"] == 0.0
    assert "negatif" in row["keterangan"]


def test_labels_are_configurable_and_counted() -> None:
    settings, issues = build_settings(
        {"label_predikat": "Sangat Baik;Tinggi;Sedang;Rendah;Sangat Rendah"}
    )
    assert not issues
    assert settings.skala.classify(94.0) == "Sangat Baik"
    assert settings.skala.judul == ("Permendagri 54/2010 (dibuat kontinu) (label diganti)")
    pan, _ = build_settings(
        {"skala_predikat": "permenpan_88_2021", "label_predikat": "1;2;3;4;5;6;7"}
    )  # its own labels are no longer "AA sampai D"
    assert pan.skala.judul == "PermenPAN-RB 88/2021 (label diganti)"
    _, bad = build_settings({"label_predikat": "A;B"})
    assert bad[0].cell == "label_predikat"


def test_progress_to_end_target_uses_the_polarity_rule() -> None:
    from pipeline.score import progress_to_end_target

    def end(nilai: float, tahun: float = 2021.0, **kw: object) -> dict[str, object]:
        return {
            "target_akhir_nilai": nilai,
            "target_akhir_bawah": np.nan,
            "target_akhir_atas": np.nan,
            "target_akhir_teks": "",
            "tahun_target_akhir": tahun,
            **kw,
        }

    df = frame(
        [
            {"target_nilai": 10.0, **end(20.0), "realisasi": 15.0},
            {"polaritas": "turun", "target_nilai": 8.0, **end(5.0), "realisasi": 6.0},
            # a decimal target whose end target is unknown: no progress, whatever the text
            {
                "target_nilai": 12.5,
                "target_teks": "12,5",
                **end(np.nan, np.nan),
                "realisasi": 12.5,
            },
            {"target_nilai": 12.0, "target_teks": "12", **end(np.nan, np.nan), "realisasi": 12.0},
            # the reporting year is the RPJMD's last: progress equals capaian, by the numbers
            {"target_nilai": 12.5, "target_teks": "12,5", **end(12.5), "realisasi": 10.0},
            {
                "polaritas": "range",
                "target_bawah": 80.0,
                "target_atas": 90.0,
                **end(np.nan, target_akhir_bawah=90.0, target_akhir_atas=95.0),
                "realisasi": 85.0,
            },
            {
                "polaritas": "kualitatif",
                "tangga": "opini_bpk",
                "target_teks": "WDP",
                **end(np.nan, target_akhir_teks="WTP"),
                "realisasi_teks": "WDP",
            },
        ]
    )
    out = progress_to_end_target(df, default_settings(), LADDERS)
    assert out.iloc[0] == pytest.approx(75.0)
    assert out.iloc[1] == pytest.approx(80.0)  # (2*5 - 6) / 5
    assert math.isnan(out.iloc[2]) and math.isnan(out.iloc[3])
    assert out.iloc[4] == pytest.approx(80.0)
    assert out.iloc[5] == pytest.approx(85 / 90 * 100)  # below the end range: R/L
    assert out.iloc[6] == pytest.approx(75.0)  # rank WDP 3 / WTP 4


def test_overall_average_of_sasaran_means() -> None:
    from pipeline.master import read_master
    from pipeline.score import build_results
    from tests.conftest import SPEC_PATH

    spec, _ = read_master(SPEC_PATH)
    assert spec is not None
    codes = spec.indikator["kode_indikator"]
    realisasi = pd.DataFrame(
        {
            "berkas": "x.xlsx",
            "sheet": "Indikator",
            "baris": range(len(codes)),
            "kode_opd": spec.indikator["kode_opd_list"].map(lambda c: c[0]),
            "kode_indikator": codes,
            "realisasi_tahunan": spec.indikator["target_nilai"],
            "realisasi_teks": spec.indikator["target_teks"],
            **{k: np.nan for k in schema.TW_COLUMNS},
        }
    )
    empty = pd.DataFrame(columns=["kode_opd", "kode_program", "realisasi_anggaran"])
    args = (
        spec.indikator,
        spec.sasaran,
        spec.tujuan,
        spec.misi,
        spec.opd,
        spec.program,
        realisasi,
        empty,
    )
    by_ind = build_results(*args, spec.settings, spec.tangga)
    settings, _ = build_settings({"rata_rata_keseluruhan": "sasaran"})
    by_sas = build_results(*args, settings, spec.tangga)
    means = by_sas.sasaran["rata_rata_capaian"].dropna()
    assert by_sas.keseluruhan["rata_rata_capaian"] == pytest.approx(means.mean())
    # the lowest capaian used stays the indicators', as in every other row (it read the
    # lowest Sasaran average): one naik indicator at half its target scores 50
    half = realisasi.copy()
    first = spec.indikator.index[
        (spec.indikator["polaritas"] == "naik") & (spec.indikator["target_nilai"] > 0)
    ][0]
    half.loc[first, "realisasi_tahunan"] = spec.indikator.loc[first, "target_nilai"] / 2
    low = build_results(*args[:6], half, empty, settings, spec.tangga).keseluruhan
    assert low["min_capaian"] == pytest.approx(50.0)
    assert low["rata_rata_capaian"] > 50.0
    assert by_sas.keseluruhan["metode"] == (
        f"rata-rata sederhana dari {len(means)} rata-rata Sasaran (tiap Sasaran: rata-rata "
        "sederhana, capaian dibatasi 120%)"
    )
    # every indicator exactly on target (a zero target counts 100 under turun)
    assert by_ind.keseluruhan["rata_rata_capaian"] == pytest.approx(100.0)

    # the overall efficiency row alone (what nasional reads) is the full table's row, whether
    # or not the table was built first
    for settings_, read_table_first in ((spec.settings, False), (settings, True)):
        res = build_results(*args, settings_, spec.tangga)
        if read_table_first:
            assert len(res.efisiensi) > 1
        alone = res.efisiensi_keseluruhan()
        full = build_results(*args, settings_, spec.tangga).efisiensi
        row = full[full["tingkat"] == "Keseluruhan"].iloc[0]
        for key in ("rata_rata_capaian", "serapan", "efisiensi", "kategori_efisiensi"):
            assert alone[key] == row[key] or (pd.isna(alone[key]) and pd.isna(row[key])), key


def test_range_above_upper_bound_can_use_the_turun_rule() -> None:
    settings, issues = build_settings({"rumus_range_atas": "turun"})
    assert not issues
    above = score_one(
        settings, polaritas="range", target_bawah=80.0, target_atas=90.0, realisasi=99.0
    )
    assert above["capaian_mentah"] == pytest.approx((2 * 90 - 99) / 90 * 100)
    assert above["rumus"] == "R>U: (2U−R)/U×100, minimum 0"
    below = score_one(
        settings, polaritas="range", target_bawah=80.0, target_atas=90.0, realisasi=70.0
    )
    assert below["capaian_mentah"] == pytest.approx(87.5)  # below L is unchanged


def test_readme_rule_table_is_the_codes_rule_table() -> None:
    """The README's formula section lists every rule the code can name, with the same text."""
    import re
    from pathlib import Path

    from pipeline.score import RUMUS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Rule table / Tabel aturan", 1)[1].split("\n### ", 1)[0]
    table = dict(re.findall(r"^\| `([a-z0-9_]+)` \| `([^`]+)` \|$", section, flags=re.M))
    assert len(table) >= 20
    assert table == RUMUS


def test_every_formula_written_comes_from_the_rule_table() -> None:
    from pipeline.score import RUMUS

    rows = [
        {"target_nilai": 10.0, "realisasi": 8.0},
        {"polaritas": "turun", "target_nilai": 10.0, "realisasi": 8.0},
        {"polaritas": "turun", "target_nilai": 0.0, "realisasi": 0.0},
        {"polaritas": "turun", "target_nilai": 0.0, "realisasi": 3.0},
        {"polaritas": "range", "target_bawah": 8.0, "target_atas": 9.0, "realisasi": 8.5},
        {"polaritas": "range", "target_bawah": 8.0, "target_atas": 9.0, "realisasi": 10.0},
        {"polaritas": "range", "target_bawah": 8.0, "target_atas": 9.0, "realisasi": 1.0},
        {"target_nilai": 0.0, "realisasi": 3.0},
    ]
    for settings in (
        default_settings(),
        build_settings({"rumus_turun": "T/R", "rumus_range_atas": "turun"})[0],
    ):
        out = compute_capaian(frame(rows), settings, LADDERS)
        assert set(out["rumus"]) <= set(RUMUS.values())
    kual = score_one(
        polaritas="kualitatif", tangga="opini_bpk", target_teks="WTP", realisasi_teks="WDP"
    )
    assert kual["rumus"].endswith(RUMUS["kualitatif_tercapai_100"])


def test_kualitatif_quarterly_cells_roll_up_like_numbers() -> None:
    base = {
        "polaritas": "kualitatif",
        "tangga": "opini_bpk",
        "agregasi_tw": "nilai_akhir",
        "realisasi_tahunan": np.nan,
        "realisasi_teks": "",
        **{k: np.nan for k in schema.TW_COLUMNS},
        "realisasi_tw1_teks": "WDP",
        "realisasi_tw2_teks": "",
        "realisasi_tw3_teks": "WTP",
        "realisasi_tw4_teks": "",
    }
    df = pd.DataFrame([base, {**base, "realisasi_teks": "TW"}])
    out = effective_realisasi(df, LADDERS)
    assert list(out["realisasi_teks"]) == ["WTP", "TW"]  # last TW reported; the annual wins
    assert list(out["realisasi"]) == [4.0, 2.0]
    assert list(out["sumber_realisasi"]) == ["TW terakhir", "tahunan"]


def test_an_invalid_cell_leaves_no_realisation() -> None:
    df = pd.DataFrame(
        [
            {
                "agregasi_tw": "kumulatif",
                "realisasi_tahunan": np.nan,
                "realisasi_tw1": 2.0,
                "realisasi_tw2": np.nan,  # the clerk typed text here: an ERROR
                "realisasi_tw3": 3.0,
                "realisasi_tw4": 4.0,
                "realisasi_tidak_valid": True,
            }
        ]
    )
    out = effective_realisasi(df)
    assert math.isnan(out["realisasi"].iloc[0])  # not 2 + 3 + 4
    assert out["sumber_realisasi"].iloc[0] == ""


def test_effective_values_are_the_columns_of_the_scored_frame() -> None:
    tw = dict.fromkeys(schema.TW_COLUMNS, np.nan)
    texts = {f"{k}_teks": "" for k in schema.TW_COLUMNS}
    base = {"polaritas": "naik", "tangga": "", "agregasi_tw": "kumulatif", **tw, **texts}
    rows = [
        {**base, "realisasi_tahunan": 7.0, "realisasi_tw1": 1.0},
        {**base, "realisasi_tahunan": np.nan, "realisasi_tw1": 0.1, "realisasi_tw2": 0.7},
        {**base, "realisasi_tahunan": np.nan, "agregasi_tw": "rata_rata", "realisasi_tw3": 5.0},
        {**base, "realisasi_tahunan": np.nan, "realisasi_tidak_valid": True, "realisasi_tw1": 2.0},
        {**base, "realisasi_tahunan": np.nan},
        {
            **base,
            "polaritas": "kualitatif",
            "tangga": "opini_bpk",
            "realisasi_tahunan": np.nan,
            "agregasi_tw": "nilai_akhir",
            "realisasi_tw1_teks": "WDP",
            "realisasi_tw3_teks": "WTP",
        },
        {
            **base,
            "polaritas": "kualitatif",
            "tangga": "opini_bpk",
            "realisasi_tahunan": np.nan,
            "realisasi_teks": "TW",
            "realisasi_tw2_teks": "WTP",
        },
    ]
    df = pd.DataFrame(rows, index=[5, 3, 9, 1, 0, 2, 8])  # a missing text is NaN
    scored, rollup = effective_and_tw_realisasi(df, LADDERS)
    value, teks, tw_only = effective_values(df, LADDERS)
    pd.testing.assert_series_equal(value, scored["realisasi"])
    pd.testing.assert_series_equal(teks, scored["realisasi_teks"], check_names=False)
    pd.testing.assert_series_equal(tw_only, rollup)
    assert list(teks) == ["", "", "", "", "", "WTP", "TW"]


def test_method_text_writes_the_cap_the_indonesian_way() -> None:
    settings, issues = build_settings({"batas_capaian": "110,5"})
    assert not issues, issues
    assert "capaian dibatasi 110,5%" in method_text(settings)


def _same_results(alone: Any, together: Any) -> None:
    """Every table and figure of two Results identical: values, types, order, no tolerance."""
    # first: before the efficiency table is computed, its overall row is read without it
    assert repr(together.efisiensi_keseluruhan()) == repr(alone.efisiensi_keseluruhan())
    for table in ("indikator", "program", "sasaran", "tujuan", "misi", "opd", "efisiensi"):
        pd.testing.assert_frame_equal(
            getattr(together, table), getattr(alone, table), check_exact=True, obj=table
        )
    assert repr(together.keseluruhan) == repr(alone.keseluruhan)
    assert together.predikat_jumlah == alone.predikat_jumlah
    assert repr(together.efisiensi_keseluruhan()) == repr(alone.efisiensi_keseluruhan())


def test_pemda_scored_together_get_the_results_they_get_alone(
    spec: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``nasional`` scores the Pemda of a batch that share settings, ladders and frame layout in
    one pass (``build_results_many``); each must get exactly its own ``build_results``. Real
    inputs (the demo's files through the real readers and checks), varied: other numbers, rows
    missing, nothing reported, other settings, another spec's rows, last year's figures."""
    from dataclasses import replace

    from pipeline import score
    from pipeline.run import check_values, completed, prepare
    from tests.conftest import INPUT_DIR

    _, base = completed(check_values([prepare(spec, INPUT_DIR)])[0])
    real, ind = base.realisasi, base.spec_indikator
    assert len(real) > 20 and real["realisasi_tahunan"].notna().sum() > 10
    other = replace(base, realisasi=real.assign(realisasi_tahunan=real["realisasi_tahunan"] * 0.9))
    fewer = replace(base, realisasi=real.iloc[::2].reset_index(drop=True))
    nothing = replace(base, realisasi=real.iloc[0:0], anggaran=base.anggaran.iloc[0:0])
    uncapped, _ = build_settings({**spec.settings.raw, "batas_capaian": ""})
    assert uncapped.batas_capaian is None
    fewer_rows = ind[ind["kode_indikator"] != ind["kode_indikator"].iloc[0]]
    last_year = pd.DataFrame(
        {"kode_indikator": ind["kode_indikator"], "realisasi_tahun_lalu": 1.0}
    ).assign(capaian_tahun_lalu=50.0)
    # every indicator and program reported: its join misses no row, and its integer and
    # true/false columns stay so (a Pemda with a missing row has them as float and object)
    reported = replace(
        other,
        spec_indikator=ind[ind["kode_indikator"].isin(real["kode_indikator"])],
        spec_program=base.spec_program[
            base.spec_program["kode_program"].isin(base.anggaran["kode_program"])
        ],
    )
    assert len(reported.spec_indikator) < len(ind)
    batch = [
        reported,
        replace(reported, spec_program=base.spec_program),
        replace(base, spec_program=reported.spec_program),
        base,
        other,
        fewer,
        replace(fewer, settings=uncapped),
        nothing,
        replace(base, settings=uncapped),
        replace(other, spec_indikator=fewer_rows.reset_index(drop=True)),
        replace(other, previous=last_year),
        replace(fewer, realisasi=fewer.realisasi.iloc[::-1].reset_index(drop=True)),
        replace(base, settings=uncapped, realisasi=other.realisasi),
        # another ladder under the same name: its kualitatif indicators rank otherwise
        replace(base, tangga={k: v[::-1] for k, v in base.tangga.items()}),
        # no indicator at all (every one of none is reported): beside one with every one
        replace(reported, spec_indikator=ind.iloc[0:0]),
        # no program at all (every one of none is reported): beside those with every one
        replace(reported, spec_program=reported.spec_program.iloc[0:0]),
    ]
    stacked: list[int] = []
    together = score._build_together

    def spy(members: list[score.ResultInputs]) -> list[score.Results]:
        stacked.append(len(members))
        return together(members)

    monkeypatch.setattr(score, "_build_together", spy)
    results = score.build_results_many(batch)
    # some were scored together (same settings and layout), not each alone
    assert len(results) == len(batch) and sum(stacked) >= 6 and max(stacked) >= 3
    for item, res in zip(batch, results, strict=True):
        _same_results(item.alone(), res)


def test_each_share_of_a_shared_indicator_is_a_row_reported_or_not() -> None:
    """IK1 is shared by X and Y: with only X's realisation, Y's share is still a row (belum
    lapor), so the indicator counts two rows whether one or both OPDs have reported."""
    from pipeline.score import join_targets

    indikator = pd.DataFrame(
        {
            "kode_indikator": ["IK1", "IK2"],
            "kode_opd": ["X;Y", "Z"],
            "kode_opd_list": [["X", "Y"], ["Z"]],
            "uraian": ["bersama", "sendiri"],
        }
    )
    one = pd.DataFrame(
        {"kode_indikator": ["IK1"], "kode_opd": ["X"], "berkas": ["x.xlsx"], "realisasi": [5.0]}
    )
    rows = join_targets(indikator, one)
    assert rows[["kode_indikator", "kode_opd", "berkas"]].values.tolist() == [
        ["IK1", "X", "x.xlsx"],
        ["IK1", "Y", ""],
        ["IK2", "Z", ""],
    ]
    assert rows["realisasi"].isna().tolist() == [False, True, True]
    # Y reports first in the files: the rows still follow the spec's order of the OPDs
    both = pd.DataFrame(
        {
            "kode_indikator": ["IK1", "IK1"],
            "kode_opd": ["Y", "X"],
            "berkas": ["y.xlsx", "x.xlsx"],
            "realisasi": [7.0, 5.0],
        }
    )
    rows = join_targets(indikator, both)
    assert rows[["kode_opd", "realisasi"]].values.tolist()[:2] == [["X", 5.0], ["Y", 7.0]]
    assert len(rows) == 3
    # nobody reported it: one row per share as well
    rows = join_targets(indikator, one.iloc[0:0])
    assert rows["kode_opd"].tolist() == ["X", "Y", "Z"]


def test_the_kind_of_unspent_budget_by_hand() -> None:
    """Pagu − realisasi, named: nothing left, overspent, saved (every target met), left with a
    target missed, left with nothing assessed, and no realisation at all."""
    pagu = pd.Series([100.0, 100.0, 100.0, 100.0, 100.0, 100.0])
    real = pd.Series([100.0, 120.0, 80.0, 80.0, 80.0, np.nan])
    low = pd.Series([90.0, 90.0, 100.0, 99.99, np.nan, 100.0])
    out = sisa_anggaran(pagu, real, low)
    assert out["sisa_anggaran"].tolist()[:5] == [0.0, -20.0, 20.0, 20.0, 20.0]
    assert np.isnan(out["sisa_anggaran"].iloc[5])
    assert out["jenis_sisa"].tolist() == [
        "tidak ada sisa",
        "realisasi melebihi pagu",
        "penghematan",
        "sisa anggaran (target belum tercapai)",
        "sisa anggaran (tidak ada indikator dinilai)",
        "",
    ]


def test_last_year_is_matched_opd_by_opd_and_by_code_only_when_each_year_has_one_row() -> None:
    """IK07.02 reported by DINKES and RSUD: RSUD's row got DINKES's last year (the first row
    of the code), 70,5 / 97,70 %, and a change of +2,77 points instead of +17,32."""
    this_year = pd.DataFrame(
        {
            "kode_indikator": ["IK07.02", "IK07.02", "IK02.01", "IK03.01", "IK04.01"],
            "kode_opd": ["DINKES", "RSUD", "DISKOMINFO", "BKD", "RSUD"],
            "capaian_mentah": [99.54, 100.47, 90.0, 80.0, 70.0],
        }
    )
    last_year = pd.DataFrame(
        {
            "kode_indikator": ["IK07.02", "IK07.02", "IK02.01", "IK03.01", "IK04.01", "IK04.01"],
            "kode_opd": ["DINKES", "RSUD", "KOMINFO", "BKD", "DINKES", "BAPPEDA"],
            "realisasi_tahun_lalu": [70.5, 60.0, 5.0, 6.0, 7.0, 8.0],
            "capaian_tahun_lalu": [97.70, 83.15, 85.0, 75.0, 65.0, 60.0],
        }
    )
    got = compare_previous(this_year, last_year)
    assert got["realisasi_tahun_lalu"].tolist()[:4] == [70.5, 60.0, 5.0, 6.0]
    # hand-computed: 99,54 − 97,70; 100,47 − 83,15; 90 − 85 (an OPD renamed: one row each
    # year, matched by code); 80 − 75
    assert got["perubahan_capaian"].tolist()[:4] == pytest.approx([1.84, 17.32, 5.0, 5.0])
    # RSUD's IK04.01: last year two other OPDs reported it, neither is RSUD's
    assert np.isnan(got["capaian_tahun_lalu"].iloc[4])
    # a workbook without the OPD column (an older one, or the column deleted by hand): by
    # code only where each year has one row; both OPDs of IK07.02 got DINKES's 97,70 and
    # RSUD's IK04.01 BAPPEDA's or DINKES's, whichever row came first
    old = compare_previous(this_year, last_year.drop(columns="kode_opd"))
    assert old["capaian_tahun_lalu"].tolist()[2:4] == [85.0, 75.0]
    assert old["capaian_tahun_lalu"].iloc[[0, 1, 4]].isna().all()
