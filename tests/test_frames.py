"""``frames.records`` gives exactly what ``DataFrame.to_dict("records")`` gives."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipeline.frames import records


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
