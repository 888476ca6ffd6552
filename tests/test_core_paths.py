"""The quick paths of the per-file and per-Pemda checks give exactly what the plain ones give."""

from __future__ import annotations

import math
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipeline.completeness import (
    BELUM,
    DITOLAK,
    TANPA_REALISASI,
    TEPAT_WAKTU,
    TERLAMBAT,
    completeness,
)
from pipeline.master import MasterSpec
from pipeline.numbers import BATAS_WAJAR, parse_number
from pipeline.schema import BERKAS_DIGANTIKAN, BERKAS_DITERIMA, BERKAS_DITOLAK
from pipeline.score import _ladder_rank
from pipeline.validate.common import FileIssues
from pipeline.validate.crossfile import _used, cross_file_checks
from pipeline.validate.identity import Directory
from pipeline.validate.rows import (
    KOSONG,
    NILAI,
    REALISASI_COLUMNS,
    TIDAK_SAH,
    TIDAK_TERSEDIA,
    _number,
)


def test_the_directory_is_built_once_per_spec_and_again_for_new_frames(spec: MasterSpec) -> None:
    spec = replace(spec)  # a spec of this test's own
    first = Directory.of(spec)
    assert Directory.of(spec) is first
    assert first.names == Directory(spec).names and first.owners == Directory(spec).owners
    other = replace(spec, opd=spec.opd.iloc[:3].copy())
    assert Directory.of(other) is not first
    assert set(Directory.of(other).nama) == set(other.opd["kode_opd"])
    spec.opd = spec.opd.iloc[:2].copy()  # a frame replaced on the same spec
    assert Directory.of(spec) is not first
    assert set(Directory.of(spec).nama) == set(spec.opd["kode_opd"])
    spec.indikator = spec.indikator.iloc[:5].copy()
    assert set(Directory.of(spec).owners) == set(spec.indikator["kode_indikator"])


def _number_by_parse(value: object) -> tuple[float, str, list[str]]:
    """What a value cell reads as, from parse_number alone (no quick path)."""
    parsed = parse_number(value)
    state = {
        "kosong": (np.nan, KOSONG, []),
        "tidak_tersedia": (np.nan, TIDAK_TERSEDIA, []),
        "tidak_wajar": (np.nan, TIDAK_SAH, ["nilai.tidak_wajar"]),
        "bukan_angka": (np.nan, TIDAK_SAH, ["nilai.bukan_angka"]),
        "angka": (parsed.value, NILAI, []),
        "ambigu": (parsed.value, NILAI, ["nilai.angka_ambigu"]),
        "teks_angka": (parsed.value, NILAI, ["nilai.teks_angka"]),
    }
    return state[parsed.kind]  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("typed", "target", "severity", "value"),
    [
        # '10.985' for a target of 12,262: read 10985 it is 89.585,71 % of the target, read
        # 10,985 it is 89,59 %; the reading taken is far off, the other plausible: not used
        ("10.985", 12.262, "ERROR", math.nan),
        ("1,234", 1300.0, "ERROR", math.nan),  # 1,234 is 0,09 %; 1234 is 94,92 %
        ("-5.000", -4.0, "ERROR", math.nan),  # a negative target: the ratio is what counts
        # the reading taken is plausible: used, with a WARNING naming the other
        ("10.985", 11000.0, "WARNING", 10985.0),
        ("1,234", 1.5, "WARNING", 1.234),
        # neither is plausible (nilai.lonjakan says so), or there is no target to judge by
        ("10.985", 1e9, "WARNING", 10985.0),
        ("10.985", 0.0, "WARNING", 10985.0),
        ("10.985", None, "WARNING", 10985.0),
    ],
)
def test_an_ambiguous_number_is_judged_against_the_target(
    typed: str, target: float | None, severity: str, value: float
) -> None:
    sub = SimpleNamespace(name="berkas.xlsx", meta={})
    out = FileIssues(sub, "OPD")  # type: ignore[arg-type]
    raw = {"realisasi_tahunan": typed}
    got, state = _number(out, raw, "realisasi_tahunan", "K9", "IK10.02", target)
    assert (math.isnan(got) and math.isnan(value)) or got == value
    assert state == (TIDAK_SAH if math.isnan(value) else NILAI)
    (issue,) = out.items
    assert (issue.rule, issue.severity, issue.cell) == ("nilai.angka_ambigu", severity, "K9")
    read, other = parse_number(typed).cara
    assert read in issue.message and other in issue.message  # both readings named


def test_an_ambiguous_number_message_tells_the_two_readings_apart() -> None:
    """'dibaca sebagai 10.985' printed the reading taken exactly as the text typed."""
    sub = SimpleNamespace(name="berkas.xlsx", meta={})
    out = FileIssues(sub, "OPD")  # type: ignore[arg-type]
    _number(out, {"realisasi_tahunan": "10.985"}, "realisasi_tahunan", "K9", "IK10.02", 12.262)
    assert out.items[0].message == (
        "'10.985' dapat dibaca dua cara: 10.985 (titik sebagai pemisah ribuan) atau 10,985 "
        "(titik sebagai koma desimal). Dibaca 10.985, realisasi menjadi 89.585,71% dari target "
        "12,262, jauh di luar kewajaran; dibaca 10,985, 89,59%. Nilai ini tidak dipakai. Ketik "
        "ulang sebagai angka (sel berformat Angka, koma sebagai desimal)."
    )
    out = FileIssues(sub, "OPD")  # type: ignore[arg-type]
    _number(out, {"realisasi_tahunan": "10.985"}, "realisasi_tahunan", "K9", "IK10.02", 11000.0)
    assert out.items[0].message == (
        "'10.985' dapat dibaca dua cara; dibaca sebagai 10.985 (titik sebagai pemisah ribuan), "
        "bukan 10,985 (titik sebagai koma desimal). Ketik ulang sebagai angka bila salah."
    )


def test_a_number_cell_reads_as_parse_number_says() -> None:
    values: list[Any] = [
        0.0,
        -0.0,
        12.5,
        -3.25,
        BATAS_WAJAR,
        -BATAS_WAJAR,
        BATAS_WAJAR * 1.5,
        -BATAS_WAJAR * 1.5,
        math.inf,
        -math.inf,
        math.nan,
        "",
        "   ",
        None,
        "12,5",
        "1.000",
        "n/a",
        "abc",
        True,
        7,
        np.float64(2.5),
    ]
    sub = SimpleNamespace(name="berkas.xlsx", meta={})
    for value in values:
        out = FileIssues(sub, "OPD")  # type: ignore[arg-type]
        got, state = _number(out, {"realisasi_tahunan": value}, "realisasi_tahunan", "K6", "IK")
        want, want_state, rules = _number_by_parse(value)
        assert state == want_state, value
        assert (math.isnan(got) and math.isnan(want)) or (got == want and type(got) is type(want))
        if not math.isnan(got):
            assert math.copysign(1, got) == math.copysign(1, want), value
        assert [i.rule for i in out.items] == rules, value


def test_a_ladder_rank_is_the_first_place_of_the_value_on_its_own_ladder() -> None:
    tangga = {"mutu": ["Kurang", "Cukup", "Baik", "Cukup"], "dua": ["B", "A"]}
    values = ["Cukup", "Baik", "x", "", "Kurang", "A", "A", "Cukup"]
    ladders = ["mutu", "mutu", "mutu", "mutu", "tidak_ada", "dua", "mutu", np.nan]
    got = _ladder_rank(pd.Series(values), pd.Series(ladders, dtype=object), tangga)
    want = [
        (tangga.get(lad, []).index(v) + 1) if v in tangga.get(lad, []) else np.nan
        for v, lad in zip(values, ladders, strict=True)
    ]
    assert got.dtype == float
    assert got.tolist()[:2] == [2.0, 3.0]
    assert [str(x) for x in got.tolist()] == [str(float(x)) for x in want]


def _differ_by_groupby(realisasi: pd.DataFrame) -> list[tuple[str, str, str]]:
    """The indicators reported differently by several OPDs, counted by a pandas groupby."""
    shown = realisasi.assign(_nilai=_used(realisasi, None))
    shown = shown.assign(_nilai=shown["_nilai"].map(lambda v: "" if pd.isna(v) else v))
    counts = shown.groupby("kode_indikator", sort=True).agg(
        opd=("kode_opd", "nunique"), nilai=("_nilai", "nunique")
    )
    differ = counts.index[(counts["opd"] > 1) & (counts["nilai"] > 1)]
    rows = shown[shown["kode_indikator"].isin(differ)]
    return sorted(
        zip(rows["kode_indikator"], rows["kode_opd"], rows["sel_realisasi_tahunan"], strict=True)
    )


def test_indicators_reported_differently_are_counted_as_a_groupby_counts() -> None:
    cases = [  # (kode_indikator, kode_opd, realisasi_tahunan)
        ("IK1", "A", 1.0),
        ("IK1", "B", 2.0),  # two OPDs, two values
        ("IK2", "A", 0.0),
        ("IK2", "B", -0.0),  # the same value
        ("IK3", "A", 1.0),
        ("IK3", "A", 2.0),  # one OPD
        ("IK4", "A", 1.0),
        ("IK4", None, 2.0),  # a missing OPD is not counted
        ("IK5", "A", 5.0),
        ("IK5", "B", 5.0000000001),
        ("IK6", "A", 1.0),
        ("IK6", "B", 1.0),
        ("IK6", "C", 3.0),
        ("IK7", "A", 1.0),
        ("IK7", "B", np.nan),  # empty, left out before counting
        (None, "A", 1.0),
        (None, "B", 2.0),  # a missing code is no group
    ]
    blank: dict[str, Any] = {c: "" for c in REALISASI_COLUMNS}
    rows = []
    for n, (code, opd, value) in enumerate(cases, start=6):
        rows.append(
            {
                **blank,
                **{k: np.nan for k in REALISASI_COLUMNS if k.startswith("realisasi_tw")},
                "berkas": f"{opd}.xlsx",
                "baris": n,
                "kode_opd": opd,
                "kode_indikator": code,
                "realisasi_tahunan": value,
                "realisasi_tw1_teks": "",
                "realisasi_tw2_teks": "",
                "realisasi_tw3_teks": "",
                "realisasi_tw4_teks": "",
                "realisasi_tidak_valid": False,
                "realisasi_tidak_tersedia": False,
                "capaian_opd": np.nan,
                "sel_realisasi_tahunan": f"K{n}",
            }
        )
    realisasi = pd.DataFrame(rows, columns=REALISASI_COLUMNS)
    found = cross_file_checks(realisasi)
    differ = sorted(
        (i.kode_indikator, i.kode_opd, i.cell)
        for i in found
        if i.rule == "lintas_berkas.nilai_berbeda"
    )
    assert differ == _differ_by_groupby(realisasi[realisasi["realisasi_tahunan"].notna()])
    assert {code for code, _, _ in differ} == {"IK1", "IK5", "IK6"}
    assert [i.cell for i in found if i.rule == "kelengkapan.realisasi_kosong"] == ["K20"]


def test_not_below_zero_is_clip_at_zero_bit_for_bit() -> None:
    from pipeline.score import _not_below_zero

    values = np.array([-5.0, -0.0, 0.0, 3.5, np.nan, -np.inf, np.inf, -1e-300, 1e300])
    got = _not_below_zero(values)
    want = pd.Series(values).clip(lower=0).to_numpy()
    assert [x.hex() for x in got.tolist()] == [x.hex() for x in want.tolist()]


def test_predikat_labels_are_the_scales_labels_value_by_value(spec: MasterSpec) -> None:
    from pipeline.score import classify

    scale = spec.settings.skala
    values = [100.0, 55.5, 100.0, np.nan, -0.0, 0.0, 1e9, -3.0, 55.5, 75.0, 90.0, 90.0000001]
    got = classify(pd.Series(values), scale)
    assert got.tolist() == [scale.classify(None if math.isnan(v) else v) for v in values]
    mixed = classify(pd.Series([None, 80.0, 80, pd.NA], dtype=object), scale)
    assert mixed.tolist() == ["", scale.classify(80.0), scale.classify(80.0), ""]


def test_a_spec_with_a_code_twice_is_refused_by_the_join_as_before(spec: MasterSpec) -> None:
    import pytest
    from pandas.errors import MergeError

    from pipeline.score import join_targets

    twice = pd.concat([spec.indikator.iloc[:2], spec.indikator.iloc[:1]], ignore_index=True)
    realisasi = pd.DataFrame(
        {"kode_indikator": [twice["kode_indikator"].iloc[0]], "kode_opd": ["X"]}
    )
    with pytest.raises(MergeError, match="not unique in left dataset; not a one-to-many merge"):
        join_targets(twice, realisasi)
    assert len(join_targets(spec.indikator.iloc[:2], realisasi)) == 2


def _used_cell_by_where(frame: pd.DataFrame) -> pd.Series:
    """The used cell as the column operations give it (annual cell, else the last TW)."""
    cells = frame["sel_realisasi_tahunan"].where(frame["realisasi_tahunan"].notna(), "")
    for key in ("realisasi_tw4", "realisasi_tw3", "realisasi_tw2", "realisasi_tw1"):
        empty = cells == ""
        cells = cells.where(~empty, frame[f"sel_{key}"].where(frame[key].notna(), ""))
    return cells.fillna("")


def test_the_used_cell_is_the_annual_cell_else_the_last_tw_reported() -> None:
    from pipeline.validate.values import _used_cell

    keys = [*(f"realisasi_tw{q}" for q in (1, 2, 3, 4)), "realisasi_tahunan"]
    rows = [  # values per key (NaN: not reported) and the cell names per key
        ([1.0, 2.0, np.nan, np.nan, 5.0], ["G6", "H6", "I6", "J6", "K6"]),
        ([1.0, 2.0, np.nan, np.nan, np.nan], ["G7", "H7", "I7", "J7", "K7"]),
        ([np.nan] * 5, ["G8", "H8", "I8", "J8", "K8"]),
        ([1.0, np.nan, np.nan, 4.0, 5.0], ["G9", "H9", "I9", "J9", ""]),  # annual without a name
        ([1.0, np.nan, 3.0, np.nan, np.nan], ["G10", "H10", np.nan, "J10", "K10"]),
        ([np.nan, np.nan, np.nan, 4.0, np.nan], ["G11", "H11", "I11", "", "K11"]),
    ]
    data: dict[str, list[Any]] = {k: [v[i] for v, _ in rows] for i, k in enumerate(keys)}
    data.update({f"sel_{k}": [c[i] for _, c in rows] for i, k in enumerate(keys)})
    texts = {f"sel_{k}": "str" for k in keys}
    for index in (None, [5, 3, 9, 1, 0, 7]):
        frame = pd.DataFrame(data, index=index).astype(texts)
        got, want = _used_cell(frame), _used_cell_by_where(frame)
        assert got.tolist() == want.tolist() == ["K6", "H7", "", "J9", "", ""]
        assert repr(got.dtype) == repr(want.dtype) and got.index.equals(want.index)
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in data})
    assert _used_cell(empty).tolist() == [] and repr(_used_cell(empty).dtype) == repr(
        _used_cell_by_where(empty).dtype
    )


def test_ranks_on_some_rows_are_the_ladder_ranks_of_those_rows() -> None:
    from pipeline.score import _ranks_on

    tangga = {"mutu": ["Kurang", "Cukup", "Baik"], "kosong": ["", "Ada"]}
    for dtype in ("str", object):
        values = pd.Series(["Baik", None, "Cukup", np.nan, "x", "Ada"], dtype=dtype)
        ladders = pd.Series(["mutu", "kosong", "mutu", "kosong", "mutu", "kosong"], dtype=dtype)
        rows = np.array([True, True, False, True, True, True])
        got = _ranks_on(values, ladders, tangga, rows)
        full = _ladder_rank(values.fillna(""), ladders, tangga).to_numpy()
        want = np.where(rows, full, np.nan)
        assert [str(x) for x in got.tolist()] == [str(x) for x in want.tolist()]
        assert got.tolist()[:2] == [3.0, 1.0]  # a missing value is read as ''


def test_a_number_target_cell_agrees_as_parse_target_reads_it() -> None:
    from pipeline.master import parse_target, targets_agree

    cells: list[Any] = [12.5, -0.0, 0.0, 1e-12, BATAS_WAJAR, BATAS_WAJAR * 2, math.inf, math.nan]
    wants = [12.5, 0.0, -0.0, 1e-12, BATAS_WAJAR, 7.0, np.nan, None]
    for polaritas in ("naik", "turun", "tidak_dikenal"):
        for cell in cells:
            for want in wants:
                row = {"polaritas": polaritas, "target_nilai": want, "target_teks": ""}
                have = parse_target(cell, polaritas, None)["target_nilai"]
                expected = not (want is None or math.isnan(want)) and (
                    have is not None and abs(have - want) <= 1e-9 * max(1.0, abs(want))
                )
                assert targets_agree(cell, row) == expected, (polaritas, cell, want)


def test_completeness_by_hand() -> None:
    """Who submitted what, for three OPDs worked out by hand: A's used file was received on
    16 February 01:00 WIB (15 February 18:00 UTC), a day after the deadline, and A had a file
    superseded; B sent only a refused file; C sent nothing but has work. Issues per OPD and
    severity are counted (an issue without an OPD counts for none)."""
    opd = pd.DataFrame(
        {"kode_opd": ["A", "B", "C"], "nama_opd": ["Dinas A", "Dinas B", "Dinas C"], "jenis": "d"}
    )
    berkas = pd.DataFrame(
        {
            "kode_opd": ["A", "A", "B"],
            "berkas": ["a_baru.xlsx", "a_lama.xlsx", "b.xlsx"],
            "status": [BERKAS_DITERIMA, BERKAS_DIGANTIKAN, BERKAS_DITOLAK],
            "dimodifikasi": ["2025-02-10T08:00:00", "2025-02-01T08:00:00", "2025-02-11T08:00:00"],
            "diterima": ["2025-02-15T18:00:00+00:00", "", ""],
            "pengirim": ["a@contoh.go.id", "", ""],
        }
    )
    issues = pd.DataFrame(
        {
            "kode_opd": ["A", "A", "A", "B", "", "C"],
            "severity": ["ERROR", "WARNING", "WARNING", "ERROR", "ERROR", "INFO"],
        }
    )
    table = completeness(opd, {"A": 2, "C": 1}, {"B": 1}, berkas, issues, "2025-02-15", "WIB")
    got = table.set_index("kode_opd")
    assert list(got["status_kirim"]) == [TERLAMBAT, DITOLAK, BELUM]
    assert list(got["jumlah_error"]) == [1, 1, 0]
    assert list(got["jumlah_warning"]) == [2, 0, 0]
    assert all(isinstance(v, int) for v in table["jumlah_error"].tolist())
    assert got.loc["A", "berkas"] == "a_baru.xlsx"
    assert got.loc["A", "berkas_digantikan"] == "a_lama.xlsx"
    assert got.loc["A", "diterima"] == "2025-02-15 18:00:00"  # shown in UTC, as the header says
    assert list(got["jumlah_berkas"]) == [2, 1, 0]
    assert list(got["jumlah_indikator"] + got["jumlah_program"]) == [2, 1, 1]


def test_completeness_blank_file_has_not_reported() -> None:
    """An OPD whose file is used but holds no realisation (the blank template sent back) is
    *tanpa realisasi*, on time or late; an OPD with nothing to fill whose file is blank is not
    (there was nothing to report), nor is an OPD whose used file is not the blank one."""
    opd = pd.DataFrame({"kode_opd": ["A", "B", "C", "D"], "nama_opd": list("ABCD"), "jenis": "d"})
    berkas = pd.DataFrame(
        {
            "kode_opd": ["A", "B", "C", "D"],
            "berkas": ["a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx"],
            "status": [BERKAS_DITERIMA] * 4,
            "dimodifikasi": ["2025-02-10T08:00:00", "2025-02-20T08:00:00"] * 2,
        }
    )
    issues = pd.DataFrame({"kode_opd": [], "severity": []})
    blank = {"a.xlsx", "b.xlsx", "c.xlsx"}
    table = completeness(
        opd, {"A": 1, "B": 1, "D": 1}, {}, berkas, issues, "2025-02-15", "WIB", blank
    )
    assert list(table["status_kirim"]) == [
        TANPA_REALISASI,
        TANPA_REALISASI,
        TEPAT_WAKTU,
        TERLAMBAT,
    ]
    assert list(table["berkas"]) == ["a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx"]


def test_every_setting_shown_has_its_meaning() -> None:
    """The Pengaturan sheet explains each setting in force (skala_predikat_e81 had none)."""
    from pipeline.config import build_settings
    from pipeline.workbook.writer import SETTING_MEANING

    settings, _ = build_settings()
    assert [k for k, _ in settings.as_rows() if not SETTING_MEANING.get(k)] == []
