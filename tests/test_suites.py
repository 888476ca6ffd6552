"""great-expectations is set up once per process; its unused heavy imports stay deferred."""

from __future__ import annotations

import contextlib
import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd

from pipeline import suites
from tests.conftest import ROOT


def test_one_context_and_each_suite_built_once() -> None:
    suite = suites.load_suite("realisasi_anggaran")
    frame = pd.DataFrame(
        {
            "berkas": ["a.xlsx", "a.xlsx"],
            "sheet": ["Anggaran", "Anggaran"],
            "kode_opd": ["X", "X"],
            "kode_program": ["01", "02"],
            "realisasi_anggaran": [50.0, 150.0],
            "pagu": [100.0, 100.0],
            "sel_realisasi_anggaran": ["E6", "E7"],
        }
    )
    first = suites.run_suite(frame, suite)
    gx = suites.great_expectations()
    built = dict(gx.suites)
    again = suites.run_suite(frame.iloc[::-1], suite)
    assert suites.great_expectations() is gx
    assert gx.suites == built  # nothing rebuilt for the second frame
    assert [f["index"] for f in first] == [1]
    assert [f["index"] for f in again] == [0]  # the second frame was validated, not the first


def test_scipy_stats_and_altair_load_only_when_used() -> None:
    code = (
        "import sys\n"
        "import pandas as pd\n"
        "from pipeline import suites\n"
        "suite = suites.load_suite('hasil_capaian')\n"
        "suites.great_expectations()\n"
        "print(type(sys.modules['scipy.stats']).__name__, type(sys.modules['altair']).__name__)\n"
        "from scipy import stats\n"
        "import altair\n"
        "print(round(float(stats.entropy([1, 1], [1, 1])), 3), altair.Chart.__name__)\n"
        "print(type(sys.modules['scipy.stats']).__name__, type(sys.modules['altair']).__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "_Deferred _Deferred"
    assert out[1] == "0.0 Chart"  # loaded transparently on first use
    assert out[2] == "module module"


def _columns(suite: dict[str, object]) -> list[str]:
    """Every column a suite's expectations name."""
    names: set[str] = set()
    for exp in suite["expectations"]:  # type: ignore[attr-defined]
        kwargs = exp["kwargs"]
        names.update(kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs)
        names.update(kwargs.get("column_list", []))
    return sorted(names - {suites.GROUP})


def _validated(
    frame: pd.DataFrame, suite: dict[str, object], memo: bool, result_format: object = None
) -> list[object]:
    """Every expectation's full result, validated with the configuration memo on or off, in
    the result format the pipeline asks for (or ``result_format``)."""
    definition, expectation_suite = suites.great_expectations().prepared(suite)
    batch = definition.get_batch(batch_parameters={"dataframe": frame})
    with suites._CONFIGURATIONS.active() if memo else contextlib.nullcontext():
        result = batch.validate(
            expectation_suite, result_format=result_format or suites.RESULT_FORMAT
        )
    return [r.to_json_dict() for r in result.results]


def _rule_breaking_rows(
    columns: list[str], seed: int, rows: int = 40, text: bool = True
) -> pd.DataFrame:
    """Rows for ``columns``: missing values, numbers and (``text``) text, in two groups."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            c: pd.Series(
                [
                    None
                    if r < 0.2
                    else float(round(r * 300 - 100, 1))
                    if r < 0.7 or not text
                    else "x"
                    for r in rng.random(rows)
                ],
                dtype=object,
            )
            for c in columns
        }
    ).assign(**{suites.GROUP: np.repeat([0, 1], rows // 2)})


def test_the_pipelines_result_format_finds_the_same_failing_rows() -> None:
    """The failing rows' positions, the one thing a validation is read for, are those of
    great-expectations' plain COMPLETE format, for every expectation of each stored suite
    (numbers, some missing, in every column a rule or a row condition names)."""
    for seed, name in enumerate(sorted(p.stem for p in suites.EXPECTATIONS_DIR.glob("*.json"))):
        suite = suites._per_group(suites.load_suite(name))
        columns = set(_columns(suite))
        for exp in suite["expectations"]:  # type: ignore[attr-defined]
            condition = exp["kwargs"].get("row_condition", "")
            columns.update(w for w in condition.split() if w.isidentifier())
        frame = _rule_breaking_rows(sorted(columns), 11 + seed, rows=60, text=False)
        plain = _validated(frame, suite, memo=True, result_format={"result_format": "COMPLETE"})
        ours = _validated(frame, suite, memo=True)
        assert len(ours) == len(plain), name
        for mine, theirs in zip(ours, plain, strict=True):
            assert mine["exception_info"] == theirs["exception_info"], name  # type: ignore[index]
            assert not mine["exception_info"]["raised_exception"], name  # type: ignore[index]
            assert mine["success"] == theirs["success"], name  # type: ignore[index]
            found = mine["result"].get("unexpected_index_list")  # type: ignore[index]
            assert found == theirs["result"].get("unexpected_index_list"), name  # type: ignore[index]
            assert found or mine["success"], name  # a failure names its rows
        assert any(r["result"].get("unexpected_index_list") for r in ours), name  # type: ignore[index]


def test_the_configuration_memo_changes_no_result() -> None:
    """Each stored suite over rows that break most of its rules: with the memo in front of
    ``Expectation.configuration`` every expectation's result (success, counts, failing rows,
    its configuration and meta) is what great-expectations gives without it."""
    from great_expectations.expectations.expectation import Expectation

    suites.great_expectations()
    assert Expectation.configuration.fget == suites._CONFIGURATIONS._read  # in place
    for seed, name in enumerate(sorted(p.stem for p in suites.EXPECTATIONS_DIR.glob("*.json"))):
        suite = suites._per_group(suites.load_suite(name))
        frame = _rule_breaking_rows(_columns(suite), 7 + seed)
        plain = _validated(frame, suite, memo=False)
        kept = _validated(frame, suite, memo=True)
        assert kept == plain, name
        assert any(not r["success"] for r in plain), name  # the rows did break rules
    assert suites._CONFIGURATIONS._local.memo is None  # emptied when the validation ended


def test_the_plain_ids_are_great_expectations_own() -> None:
    """Every metric id of a validation of each stored suite, and settings of every kind of
    value, come out the same with the direct conversion of plain values as with
    great-expectations' own (the same JSON, so the same hash)."""
    import collections
    import datetime as dt

    from great_expectations.core import id_dict

    suites.great_expectations()
    assert id_dict.convert_to_json_serializable == suites._PLAIN_IDS.convert  # in place
    original = suites._PLAIN_IDS.original
    assert original is not None
    seen: list[dict[str, object]] = []
    to_id = id_dict.IDDict.to_id

    def keeping(self: id_dict.IDDict, *args: object, **kwargs: object) -> object:
        seen.append(dict(self))
        return to_id(self, *args, **kwargs)

    id_dict.IDDict.to_id = keeping  # type: ignore[method-assign]
    try:
        for name in sorted(p.stem for p in suites.EXPECTATIONS_DIR.glob("*.json")):
            suite = suites._per_group(suites.load_suite(name))
            frame = pd.DataFrame({c: [1.0, None, "x"] for c in _columns(suite)}).assign(
                **{suites.GROUP: [0, 0, 1]}
            )
            _validated(frame, suite, memo=True)
    finally:
        id_dict.IDDict.to_id = to_id  # type: ignore[method-assign]
    odd = {
        "nan": math.nan,
        "inf": math.inf,
        "none": None,
        "nested": id_dict.IDDict({"b": [1, (2.5, None)], 3: True}),
        "numpy": np.int64(3),
        "numpy_float": np.float64(0.1),
        "when": dt.date(2024, 12, 31),
        "ordered": collections.OrderedDict(a=None),
        "set": {"x"},
    }
    assert len(seen) > 100
    assert any(v is None for d in seen for v in d.values())  # the path that was slow
    for settings in [*seen, odd]:
        direct = suites._PLAIN_IDS.convert(settings)
        assert json.dumps(direct, sort_keys=True) == json.dumps(
            original(settings), sort_keys=True
        ), settings
