"""The README is the front door: it documents every sheet and every column header the workbook
has (the way sqlite-utils fails its tests on an undocumented command or option)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl

README = Path(__file__).resolve().parents[1] / "README.md"
HEADER_FILL = "D9E1F2"  # the fill of every column header the workbook writes


def _headers(path: Path) -> dict[str, list[str]]:
    """Per sheet, the text of every header cell (the blue-filled cells; form numbers left out)."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, list[str]] = {}
    for ws in wb.worksheets:
        found: list[str] = []
        for row in ws.iter_rows():
            for cell in row:
                colour = str(cell.fill.fgColor.rgb or "") if cell.fill else ""
                text = cell.value
                if colour.endswith(HEADER_FILL) and isinstance(text, str) and not text.isdigit():
                    if text not in found:
                        found.append(text)
        out[ws.title] = found
    return out


def test_readme_documents_every_sheet_and_column(workbook_path: Path) -> None:
    readme = " ".join(README.read_text(encoding="utf-8").split())
    headers = _headers(workbook_path)
    assert len(headers) == 14 and sum(map(len, headers.values())) > 150
    missing_sheets = [s for s in headers if not re.search(rf"\| {re.escape(s)} \|", readme)]
    assert not missing_sheets, missing_sheets
    missing = {
        sheet: [h for h in found if " ".join(h.split()) not in readme]
        for sheet, found in headers.items()
    }
    assert not {k: v for k, v in missing.items() if v}, missing
