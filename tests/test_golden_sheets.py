"""Golden cell contents of every sheet of the consolidated workbook, one CSV per sheet.

A change to any cell shows up here as a diff to review. Regenerate only on purpose:
``.venv/bin/python -m pytest tests/test_golden_sheets.py --update-golden``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from tests.test_end_to_end import SHEETS

FOLDER = Path(__file__).parent / "golden" / "sheets"


def _slug(sheet: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", sheet.lower()).strip("_")


def _cells(path: Path, sheet: str) -> pd.DataFrame:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        wb.close()

    def show(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.6f}".rstrip("0").rstrip(".")
        return "" if value is None else str(value)

    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([[show(v) for v in r] + [""] * (width - len(r)) for r in rows], dtype=str)


@pytest.mark.parametrize("sheet", SHEETS)
def test_sheet_matches_golden(workbook_path: Path, update_golden: bool, sheet: str) -> None:
    path = FOLDER / f"{_slug(sheet)}.csv"
    current = _cells(workbook_path, sheet)
    if update_golden:
        FOLDER.mkdir(parents=True, exist_ok=True)
        current.to_csv(path, index=False, header=False)
        pytest.skip("golden sheet rewritten")
    golden = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    golden.columns = range(golden.shape[1])
    assert current.shape == golden.shape, sheet
    pd.testing.assert_frame_equal(current, golden, check_names=False)
