"""great-expectations is set up once per process; its unused heavy imports stay deferred."""

from __future__ import annotations

import subprocess
import sys

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
