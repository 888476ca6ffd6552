"""Find the Pemda under a root folder: ``<root>/<any name>/master/<spec>.xlsx`` (exactly one)
and ``<root>/<any name>/input_xlsx/``, each laid out like this repository's data.

A folder that cannot be run (no spec, several specs, no input folder or an empty one, a Kode
Pemda another folder already uses, another reporting year) keeps its place in the list with the
reason, so it becomes one row of the national outputs instead of disappearing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.ingest import has_inputs, open_workbook, workbook_problem
from pipeline.master import column_title
from pipeline.numbers import cell_text
from pipeline.sanitize import visible
from pipeline.schema import KODE_PEMDA

SPEC_FOLDER = "master"
INPUT_FOLDER = "input_xlsx"


@dataclass(frozen=True)
class PemdaFolder:
    """One folder under the root: where its spec and inputs are, or why it cannot be run."""

    order: int
    folder: str
    spec: Path | None
    input_dir: Path
    files: int = 0
    kode_pemda: str = ""
    nama_pemda: str = ""
    tahun: str = ""
    problem: str = ""


def discover(root: Path) -> list[PemdaFolder]:
    """Every Pemda folder under ``root`` in name order (folders with neither ``master/`` nor
    ``input_xlsx/`` are not Pemda folders and are left out)."""
    found: list[PemdaFolder] = []
    for path in sorted(p for p in Path(root).iterdir() if p.is_dir()):
        if path.name.startswith("."):
            continue
        master, inputs = path / SPEC_FOLDER, path / INPUT_FOLDER
        if not master.is_dir() and not inputs.is_dir():
            continue
        found.append(_folder(len(found), path, master, inputs))
    return _same_year_unique_codes(found)


def _folder(order: int, path: Path, master: Path, inputs: Path) -> PemdaFolder:
    specs = (
        sorted(
            p
            for p in master.iterdir()
            if p.is_file() and p.suffix.lower() == ".xlsx" and not p.name.startswith(("~$", "."))
        )
        if master.is_dir()
        else []
    )
    files = sum(1 for p in inputs.rglob("*") if p.is_file()) if inputs.is_dir() else 0
    # the name as shown and stored (a byte that is not UTF-8 becomes \\xNN; text only)
    name = visible(path.name)
    base = PemdaFolder(order, name, specs[0] if len(specs) == 1 else None, inputs, files)
    if not specs:
        return replace(base, problem=f"Tidak ada master spec (.xlsx) di folder {SPEC_FOLDER}/.")
    if len(specs) > 1:
        names = ", ".join(p.name for p in specs)
        return replace(
            base,
            problem=f"Ada {len(specs)} master spec di folder {SPEC_FOLDER}/ ({names}); "
            "sisakan satu.",
        )
    if not inputs.is_dir():
        return replace(base, problem=f"Folder {INPUT_FOLDER}/ tidak ada.")
    if not has_inputs(inputs):  # as ``report`` refuses an empty input folder
        return replace(
            base, problem=f"Folder {INPUT_FOLDER}/ kosong: belum ada berkas OPD untuk diolah."
        )
    kode, nama, tahun = _peek(specs[0])
    return replace(base, kode_pemda=kode, nama_pemda=nama, tahun=tahun)


def _peek(spec: Path) -> tuple[str, str, str]:
    """Kode, nama and year from the spec's ``pemda`` sheet (the full check comes later; a
    workbook the reader must not open here has none)."""
    if workbook_problem(spec):
        return "", "", ""
    try:
        wb = open_workbook(spec)
        try:
            rows = wb.get_sheet_by_name("pemda").to_python()
        finally:
            wb.close()
    except Exception:  # an unreadable spec is refused, with its reason, by the full check
        return "", "", ""
    if not rows:
        return "", "", ""
    head = [column_title(h) for h in rows[0]]
    # the first row with a value, as the full check reads it (blank rows are left out)
    values = next(
        (
            cells
            for cells in ([cell_text(v, date_only=True) for v in r] for r in rows[1:])
            if any(cells)
        ),
        [],
    )
    row = dict(zip(head, values, strict=False))
    return row.get("kode_pemda", ""), row.get("nama_pemda", ""), row.get("tahun_laporan", "")


def national_year(folders: list[PemdaFolder]) -> str:
    """The reporting year most Pemda report (the latest of equally common years)."""
    years = Counter(f.tahun for f in folders if f.tahun and not f.problem)
    if not years:
        return ""
    top = max(years.values())
    return max(y for y, n in years.items() if n == top)


_CASE = "huruf besar dan kecil tidak membedakan nama folder di Windows dan macOS"


def _same_year_unique_codes(folders: list[PemdaFolder]) -> list[PemdaFolder]:
    """Refuse a folder whose spec is for another year, or whose Kode Pemda an earlier folder
    already uses, also in other letter case (its outputs would overwrite the other's)."""
    year = national_year(folders)
    owner: dict[str, tuple[str, str]] = {}  # casefolded code -> folder, code
    out = []
    for f in folders:
        problem = f.problem
        if not problem and f.tahun and f.tahun != year:
            problem = (
                f"Master spec untuk tahun {f.tahun}, sedangkan konsolidasi ini untuk tahun {year}."
            )
        elif not problem and f.kode_pemda and not KODE_PEMDA.fullmatch(f.kode_pemda):
            problem = (
                f"Kode Pemda '{f.kode_pemda}' tidak dapat dipakai sebagai nama folder "
                "keluaran; pakai huruf, angka, titik, garis bawah atau tanda hubung, tidak "
                "diawali titik."
            )
        elif not problem and f.kode_pemda.casefold() in owner:
            first, code = owner[f.kode_pemda.casefold()]
            same = "" if code == f.kode_pemda else f" (sebagai {code}; {_CASE})"
            problem = (
                f"Kode Pemda {f.kode_pemda} sudah dipakai folder {first}{same}; "
                "setiap Pemda harus berkode unik."
            )
        elif not problem and f.kode_pemda:
            owner[f.kode_pemda.casefold()] = (f.folder, f.kode_pemda)
        out.append(replace(f, problem=problem))
    return out
