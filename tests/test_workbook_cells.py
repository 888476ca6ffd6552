"""Cells of the consolidated workbook that are made from more than one column."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

from pipeline import fmt
from pipeline.score import RUMUS
from pipeline.workbook.writer import realisasi_cells


def test_quarterly_ladder_values_are_shown_as_typed() -> None:
    ind = pd.DataFrame(
        {
            "polaritas": ["kualitatif", "kualitatif", "naik"],
            "realisasi_tw1": [None, None, 10.5],
            "realisasi_tw2": [None, None, None],
            "realisasi_tw3": [None, None, None],
            "realisasi_tw4": [None, None, None],
            "realisasi_tahunan": [None, None, 12.0],
            "realisasi_tw1_teks": ["WDP", "", ""],
            "realisasi_tw2_teks": ["WTP", "", ""],
            "realisasi_tw3_teks": ["", "", ""],
            "realisasi_tw4_teks": ["", "", ""],
            # the first: the roll-up's ladder value; the second: typed as the annual value
            "realisasi_teks": ["WTP", "CC", ""],
            "sumber_realisasi": [
                RUMUS["nilai_akhir"],
                RUMUS["realisasi_tahunan"],
                RUMUS["realisasi_tahunan"],
            ],
        }
    )
    cells = realisasi_cells(ind)
    assert cells["realisasi_tw1"].tolist() == ["WDP", None, 10.5]
    assert cells["realisasi_tw2"].tolist() == ["WTP", None, None]
    assert cells["realisasi_tw3"].tolist() == [None, None, None]
    # an annual cell shows only what was typed as annual, never the TW roll-up's value
    assert cells["realisasi_tahunan"].tolist() == [None, "CC", 12.0]


def test_years_print_without_separator_and_weights_with_their_own_decimals(
    workbook_path: Path,
) -> None:
    ws = openpyxl.load_workbook(workbook_path)["Indikator"]
    headers = {cell.value: cell.column for cell in ws[2]}
    years = [
        ws.cell(row, headers["Tahun Target Akhir"])
        for row in range(3, ws.max_row + 1)
        if isinstance(ws.cell(row, headers["Tahun Target Akhir"]).value, int | float)
    ]
    assert years and {c.number_format for c in years} == {"0"}  # 2019, never 2.019
    weights = [ws.cell(row, headers["Bobot"]) for row in range(3, ws.max_row + 1)]
    # every weight of the demo is 1: one format, whatever the indicator's precision
    assert {c.value for c in weights} == {1}
    assert {c.number_format for c in weights} == {fmt.format_angka(0)}
