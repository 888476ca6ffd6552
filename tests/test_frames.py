"""``frames.records`` gives exactly what ``DataFrame.to_dict("records")`` gives."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipeline.frames import looked_up, records, suite_view
from pipeline.master import MasterSpec


def _same(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if a is pd.NA or a is pd.NaT or a is None:
        return a is b
    return bool(a == b)


def test_records_are_to_dict_records_value_for_value_and_type_for_type() -> None:
    frame = pd.DataFrame(
        {
            "kode": ["IK01", "IK02", None],
            "nilai": [1.5, float("nan"), 3.0],
            "jumlah": np.array([1, 2, 3], dtype="int64"),
            "ada": [True, False, True],
            "bulat": pd.array([1, None, 3], dtype="Int64"),
            "tanggal": [pd.Timestamp("2018-01-31"), pd.NaT, pd.Timestamp("2018-12-31")],
            "jenis": pd.Categorical(["a", "b", "a"]),
            "teks": pd.array(["x", None, "z"], dtype="string"),
            "campur": [1, "dua", 3.0],
        }
    )
    expected = frame.to_dict("records")
    got = records(frame)
    assert len(got) == len(expected) == 3
    for want, have in zip(expected, got, strict=True):
        assert list(have) == list(want)
        assert all(_same(want[k], have[k]) for k in want), (want, have)
    assert isinstance(got[0]["jumlah"], int) and isinstance(got[0]["nilai"], float)


def test_records_of_an_empty_frame_and_of_a_frame_of_objects_only() -> None:
    assert records(pd.DataFrame(columns=["a", "b"])) == []
    objects = pd.DataFrame({"a": [np.float64(1.5), pd.NA], "b": [np.int64(2), "x"]}, dtype=object)
    got, want = records(objects), objects.to_dict("records")
    assert [[type(v) for v in r.values()] for r in got] == [
        [type(v) for v in r.values()] for r in want
    ]
    assert got == want


def _suite_frame(suite: dict, rows: int = 12) -> pd.DataFrame:
    """A frame holding every column the suite names (values that fail and pass its rules),
    the columns its row conditions read, and columns no rule reads."""
    text = {"kode_indikator", "polaritas", "tipe_nilai", "agregasi_tw", "faktor_penghambat"}
    words: list = ["IK01", None, "IK01", "naik", "persen", "kumulatif", "", "x"]
    numbers = [float("nan"), -1e6, 0.5, 99.0, 120.0, 1e6, 0.0, -0.004, 0.02]
    columns: list[str] = ["berkas", "catatan"]
    for exp in suite["expectations"]:
        kw = exp["kwargs"]
        for key in ("column", "column_A", "column_B"):
            if key in kw and kw[key] not in columns:
                columns.append(kw[key])
        for name in ("capaian_mentah",) if "row_condition" in kw else ():
            if name not in columns:
                columns.append(name)
    data = {}
    for j, col in enumerate(columns):
        pool = words if col in text or col in ("berkas", "catatan") else numbers
        data[col] = [pool[(i * (j + 1) + j) % len(pool)] for i in range(rows)]
    return pd.DataFrame(data)


def test_suite_view_keeps_the_columns_a_suite_reads_and_the_same_failures() -> None:
    from pipeline.suites import load_suite, run_suite_many

    for name in ("realisasi_indikator", "realisasi_anggaran", "hasil_capaian", "master_spec"):
        suite = load_suite(name)
        frame = _suite_frame(suite)
        view = suite_view(frame, suite)
        assert "catatan" not in view.columns and "berkas" not in view.columns, name
        assert list(view.columns) == [c for c in frame.columns if c in view.columns], name
        if name == "hasil_capaian":
            assert "capaian_mentah" in view.columns  # read by a row_condition only
        whole = run_suite_many([frame, frame.iloc[::-1]], suite)
        assert run_suite_many([view, view.iloc[::-1]], suite) == whole, name
        assert any(whole[0]), name  # the frame fails some rule: the comparison means something


def test_suite_view_gives_the_whole_frame_when_a_rule_may_read_any_column() -> None:
    frame = pd.DataFrame({"a": [1.0], "b": ["x"], "c": [2.0]})
    table_rule = {"expectations": [{"type": "expect_table_row_count_to_equal", "kwargs": {}}]}
    assert suite_view(frame, table_rule) is frame
    not_null = "expect_column_values_to_not_be_null"
    missing = {"expectations": [{"type": not_null, "kwargs": {"column": "z"}}]}
    assert suite_view(frame, missing) is frame
    pair = {
        "expectations": [
            {
                "type": "expect_column_pair_values_a_to_be_greater_than_b",
                "kwargs": {"column_A": "c", "column_B": "a", "row_condition": "b == 'x'"},
            }
        ]
    }
    assert list(suite_view(frame, pair).columns) == ["a", "b", "c"]
    pair["expectations"][0]["kwargs"].pop("row_condition")
    assert list(suite_view(frame, pair).columns) == ["a", "c"]


def test_looked_up_columns_are_what_map_gives_column_by_column() -> None:
    table = pd.DataFrame(
        {
            "kode": pd.array(["A", "B", "C"], dtype="str"),
            "teks": pd.array(["satu", None, "tiga"], dtype="str"),
            "angka": [1.5, np.nan, 3.0],
            "bulat": [1, 2, 3],
            "campur": pd.Series([1, "dua", None], dtype=object),
        }
    )
    codes = pd.Series(["C", "X", "A", None, "B", "C"], index=[5, 6, 7, 8, 9, 10], name="kode_x")
    columns = ["teks", "angka", "bulat", "campur"]
    got = looked_up(table, "kode", codes, columns)
    for column in columns:
        expected = codes.map(table.set_index("kode")[column])
        pd.testing.assert_series_equal(got[column], expected, check_exact=True)
    assert got["angka"].tolist()[:3:2] == [3.0, 1.5]  # C, then A: each row its own code's


def test_the_budget_frame_has_each_rows_pagu_and_serapan(spec: MasterSpec) -> None:
    """The ``realisasi_anggaran`` suite's frame: each row's pagu from the spec and its serapan
    in percent, none where nothing was spent, the pagu is none or 0, or the program is not in
    the spec (hand-computed)."""
    import dataclasses

    from pipeline.validate.values import anggaran_frame

    codes = spec.program["kode_program"].tolist()[:4]
    pagu = [1_000_000.0, 0.0, None, 2_000_000.0]
    own = dataclasses.replace(
        spec,
        program=pd.DataFrame({"kode_program": codes, "pagu": pd.Series(pagu, dtype=object)}),
    )
    rows = pd.DataFrame(
        {
            "kode_program": [codes[0], codes[1], codes[2], codes[3], codes[3], "TIDAK-ADA"],
            "realisasi_anggaran": [250_000.0, 5.0, 5.0, 0.0, 3_000_000.0, 5.0],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    out = anggaran_frame(rows, own)
    assert out.index.tolist() == [10, 11, 12, 13, 14, 15]
    assert out["pagu"].tolist()[:2] == [1_000_000.0, 0.0]
    assert out["pagu"].isna().tolist() == [False, False, True, False, False, True]
    serapan = out["serapan_persen"].tolist()
    assert serapan[0] == 25.0 and serapan[4] == 150.0
    assert out["serapan_persen"].isna().tolist() == [False, True, True, True, False, True]
