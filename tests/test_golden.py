"""Golden table of every Binjai 2018 indicator, and hand-checked rows it must agree with.

Regenerate only on purpose: ``.venv/bin/python -m pytest tests/test_golden.py --update-golden``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import read_sheet

GOLDEN = Path(__file__).parent / "golden"
COLUMNS = {
    "Kode Indikator": "kode_indikator",
    "Kode OPD": "kode_opd",
    "Polaritas": "polaritas",
    "Target": "target",
    "Realisasi Dipakai (angka/peringkat)": "realisasi",
    "Rumus": "rumus",
    "Capaian (%)": "capaian_mentah",
    "Capaian untuk Rata-rata (%)": "capaian",
    "Capaian Dibatasi?": "dibatasi",
    "Predikat": "predikat",
    "Status": "status",
}


@pytest.fixture(scope="module")
def current(workbook_path: Path) -> pd.DataFrame:
    df = read_sheet(workbook_path, "Indikator")[list(COLUMNS)].rename(columns=COLUMNS)
    for col in ("realisasi", "capaian_mentah", "capaian"):
        df[col] = df[col].astype(float).round(4)
    return df.fillna("").astype(str)


def test_golden_table(current: pd.DataFrame, update_golden: bool) -> None:
    path = GOLDEN / "capaian_binjai_2018.csv"
    if update_golden:
        current.to_csv(path, index=False)
        pytest.skip("golden table rewritten")
    golden = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(golden) == 132
    pd.testing.assert_frame_equal(current.reset_index(drop=True), golden)


def test_golden_agrees_with_hand_checked_rows() -> None:
    golden = pd.read_csv(
        GOLDEN / "capaian_binjai_2018.csv", dtype=str, keep_default_na=False
    ).set_index("kode_indikator")
    hand = pd.read_csv(GOLDEN / "diperiksa_manual.csv", dtype=str, keep_default_na=False)
    assert len(hand) >= 10
    assert hand["jenis"].nunique() >= 10
    for row in hand.to_dict("records"):
        got = golden.loc[row["kode_indikator"]]
        assert got["status"] == row["status"], row["kode_indikator"]
        assert got["predikat"] == row["predikat"], row["kode_indikator"]
        for col in ("capaian_mentah", "capaian"):
            if row[col]:
                assert float(got[col]) == pytest.approx(float(row[col]), abs=1e-4), (
                    row["kode_indikator"],
                    col,
                )
            else:
                assert got[col] == ""
