"""Root folders for ``nasional`` tests: one folder per Pemda, laid out like this repository.

Pemda are built at test time: generated ones (``scripts/build_national_demo.py``), the Binjai
demo, a small other Pemda from the spec of ``tests/test_other_pemda.py`` (moved to the demo's
year, its templates made by the library and filled with openpyxl as an OPD would), a Pemda
whose spec is refused and a file that kills its reader.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import signal
from pathlib import Path
from typing import Any

import openpyxl

from pipeline import template as tpl
from pipeline.master import read_master
from pipeline.nasional.work import run_batch
from tests.hostile_files import _indikator_sheet, _rewrite, huge_hidden
from tests.test_other_pemda import REALISASI, SHEETS

ROOT = Path(__file__).resolve().parents[1]


def binjai(folder: Path) -> Path:
    """The shipped demo as one Pemda folder."""
    shutil.copytree(ROOT / "master", folder / "master")
    shutil.copytree(ROOT / "input_xlsx", folder / "input_xlsx")
    return folder


def other_sheets(kode: str, nama: str, provinsi: tuple[str, str] | None) -> dict:
    """The other Pemda's spec for the demo's year (2018), with its own code and province."""
    sheets = copy.deepcopy(SHEETS)
    head, row = sheets["pemda"]
    row[:7] = [kode, nama, 2016, 2021, 2018, "Tahunan", "2019-01-31"]
    if provinsi:
        head += ["kode_provinsi", "nama_provinsi"]
        row += list(provinsi)
    sheets["indikator"][0] = [
        {"target_2024": "target_2018", "target_2026": "target_2021"}.get(h, h)
        for h in sheets["indikator"][0]
    ]
    sheets["program"][0] = ["pagu_2018" if h == "pagu_2024" else h for h in sheets["program"][0]]
    for name in ("kegiatan", "indikator_renja"):  # the Renja sheets, the same years
        sheets[name][0] = [
            {
                "target_2024": "target_2018",
                "target_2026": "target_2021",
                "pagu_2024": "pagu_2018",
            }.get(h, h)
            for h in sheets[name][0]
        ]
    return sheets


def other_pemda(
    folder: Path,
    kode: str,
    nama: str,
    provinsi: tuple[str, str] | None = None,
    shift: float = 0.0,
) -> Path:
    """A small Pemda: spec, one template per OPD filled with realisations (``shift`` moves the
    numbers so that Pemda differ)."""
    spec_path = folder / "master" / f"{kode}_2018.xlsx"
    spec_path.parent.mkdir(parents=True)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in other_sheets(kode, nama, provinsi).items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(spec_path)
    spec, issues = read_master(spec_path)
    assert spec is not None, [i.message for i in issues]
    inbox = folder / "input_xlsx"
    col = {c.key: tpl.column_letter(tpl.INDIKATOR_COLUMNS, c.key) for c in tpl.INDIKATOR_COLUMNS}
    for kode_opd in spec.opd["kode_opd"]:
        path = tpl.build_template(spec, kode_opd, folder / "templat" / f"{kode_opd}.xlsx")
        wb = openpyxl.load_workbook(path)
        ws = wb[tpl.SHEET_INDIKATOR]
        for row in range(tpl.HEADER_ROW + 1, ws.max_row + 1):
            code = ws[f"A{row}"].value
            if code in REALISASI:
                value = REALISASI[code]
                if isinstance(value, float):
                    value = round(value * (1 + shift), 2)
                ws[f"{col['realisasi_tahunan']}{row}"] = value
                ws[f"{col['faktor_penghambat']}{row}"] = "Tenaga kesehatan terbatas"
        wb[tpl.SHEET_ANGGARAN][f"E{tpl.HEADER_ROW + 1}"] = 250_000_000 * (1 + shift)
        inbox.mkdir(exist_ok=True)
        wb.save(inbox / f"Kiriman {kode_opd}.xlsx")
    shutil.rmtree(folder / "templat")
    return folder


def refused_spec(folder: Path, kode: str = "1299") -> Path:
    """A Pemda whose master spec is refused (a polarity that does not exist)."""
    binjai(folder)
    spec = folder / "master" / "binjai_2018.xlsx"
    wb = openpyxl.load_workbook(spec)
    wb["pemda"]["A2"] = kode
    ws = wb["indikator"]
    column = [c.value for c in ws[1]].index("polaritas") + 1
    ws.cell(row=2, column=column, value="keatas")
    wb.save(spec)
    return folder


def with_reader_killer(folder: Path, name: str = "Dinkes sel terjauh.xlsx") -> Path:
    """Add a file whose reader aborts (a cell at XFD1048576 without a dimension)."""
    huge_hidden(folder / "input_xlsx" / name)
    return folder


KILLER = "Dinkes sel terjauh.xlsx"
HUNGRY = "Dinkes lebar.xlsx"

# A file in a Pemda folder that makes the pool worker running that Pemda die (the test's own
# batch function, :func:`run_batch_or_die`); no Pemda file can, its files are read apart.
WORKER_KILLER = "HENTIKAN_WORKER"


def run_batch_or_die(folders: list[Any], *args: Any) -> Any:
    """:func:`~pipeline.nasional.work.run_batch`, except that the process running a batch with a
    Pemda folder holding :data:`WORKER_KILLER` is killed at once, as the OOM killer would."""
    if any((f.input_dir.parent / WORKER_KILLER).exists() for f in folders):
        os.kill(os.getpid(), signal.SIGKILL)
    return run_batch(folders, *args)


def with_hungry_file(folder: Path, name: str = HUNGRY) -> Path:
    """Add a file whose reader needs a few hundred MB: one cell at ALL5000 and no dimension
    (5,000 × 1,000 cells pass the declared-size check; the reader allocates them all)."""

    def change(text: str) -> str:
        text = re.sub(r'<dimension ref="[^"]*"\s*/>', "", text)
        return text.replace(
            "</sheetData>", '<row r="5000"><c r="ALL5000" t="n"><v>1</v></c></row></sheetData>'
        )

    _rewrite(folder / "input_xlsx" / name, lambda n, d: _indikator_sheet(n, d, change))
    return folder


def build_root(root: Path) -> tuple[Path, list[str]]:
    """Six generated Pemda of the demo's year (one with a reader-killing file), the Binjai demo,
    a refused spec, a folder without a spec and a folder that is not a Pemda folder.

    Returns the root and the generated folders (the first holds the reader-killing file).
    """
    from scripts import build_national_demo  # scripts/ is not a package dependency

    root.mkdir(parents=True, exist_ok=True)
    built = build_national_demo.build(6, 7, root, jobs=1, opd=(6, 9), tahun=2018)
    with_reader_killer(root / built[0][0], KILLER)
    binjai(root / "binjai")
    refused_spec(root / "zz_spec_rusak")
    (root / "zz_tanpa_spec" / "input_xlsx").mkdir(parents=True)
    (root / "bukan_pemda").mkdir()  # neither master/ nor input_xlsx/: not a Pemda folder
    return root, [folder for folder, _ in built]
