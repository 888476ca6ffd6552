"""The quick paths of the per-file and per-Pemda checks give exactly what the plain ones give."""

from __future__ import annotations

import math
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import numpy as np

from pipeline.master import MasterSpec
from pipeline.numbers import BATAS_WAJAR, parse_number
from pipeline.validate.common import FileIssues
from pipeline.validate.identity import Directory
from pipeline.validate.rows import (
    KOSONG,
    NILAI,
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
