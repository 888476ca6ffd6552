"""Per-OPD lookups of the master spec: the same rows as filtering the frames, without scanning
the whole spec for every file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pandas as pd
import pytest

from pipeline.master import MasterSpec


def _fingerprint_by_filtering(spec: MasterSpec, kode: str) -> str:
    """The template fingerprint computed the plain way, by filtering the whole frames."""
    ind = spec.indikator[spec.indikator["kode_opd_list"].map(lambda codes: kode in codes)]
    prog = spec.program[spec.program["kode_opd"] == kode]
    payload = {
        "kode_pemda": spec.kode_pemda,
        "tahun": spec.tahun,
        "kode_opd": kode,
        "indikator": ind[["kode_indikator", "uraian", "satuan", "polaritas", "target_teks"]]
        .astype(str)
        .values.tolist(),
        "program": prog[["kode_program", "uraian", "pagu"]].astype(str).values.tolist(),
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _with_shared_indicator(spec: MasterSpec) -> MasterSpec:
    """The spec with its first indicator reported by two OPDs (listed twice by the second)."""
    first, second = spec.opd["kode_opd"].iloc[:2]
    lists = list(spec.indikator["kode_opd_list"])
    lists[0] = (first, second, second)
    return replace(spec, indikator=spec.indikator.assign(kode_opd_list=lists))


@pytest.mark.parametrize("shared", [False, True])
def test_lookups_match_filtering_the_frames(spec: MasterSpec, shared: bool) -> None:
    if shared:
        spec = _with_shared_indicator(spec)
    for kode in [*spec.opd["kode_opd"], "TIDAK_ADA"]:
        mask = spec.indikator["kode_opd_list"].map(lambda codes, k=kode: k in codes)
        pd.testing.assert_frame_equal(spec.indikator_opd(kode), spec.indikator[mask])
        programs = spec.program[spec.program["kode_opd"] == kode]
        pd.testing.assert_frame_equal(spec.program_opd(kode), programs)
        rows = spec.indikator_rows(kode)
        assert list(rows) == list(spec.indikator[mask]["kode_indikator"])
        for rec in spec.indikator[mask].to_dict("records"):
            got = rows[rec["kode_indikator"]]
            assert got.keys() == rec.keys()
            assert all(got[k] == v or (pd.isna(v) and pd.isna(got[k])) for k, v in rec.items())
        assert list(spec.program_rows(kode)) == list(programs["kode_program"])
        assert spec.workload(kode) == (int(mask.sum()), len(programs))
        assert spec.fingerprint(kode) == _fingerprint_by_filtering(spec, kode)
    assert spec.opd_codes == set(spec.opd["kode_opd"])


def test_a_replaced_frame_is_looked_up_afresh(spec: MasterSpec) -> None:
    kode = str(spec.opd["kode_opd"].iloc[0])
    before = spec.fingerprint(kode)
    changed = spec.program.assign(
        pagu=spec.program["pagu"].where(spec.program["kode_opd"] != kode, 1.0)
    )
    other = replace(spec, program=changed)
    assert other.fingerprint(kode) != before
    assert other.fingerprint(kode) == _fingerprint_by_filtering(other, kode)
    copy = replace(spec)
    assert copy.fingerprint(kode) == before  # looked up once: the lookup is built
    copy.program = changed  # then a frame is swapped on the same object
    assert copy.fingerprint(kode) == _fingerprint_by_filtering(other, kode)
    assert spec.fingerprint(kode) == before
