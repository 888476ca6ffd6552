"""Build a copy of the shipped inputs with one defect per OPD file, and say what each must yield.

Used by tests/test_broken_files.py; also runnable to look at the files by hand:
``.venv/bin/python -m tests.broken_files /tmp/rusak`` (then ``make check INPUT=/tmp/rusak``).
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.workbook.workbook import Workbook

from pipeline import template as tpl

ROOT = Path(__file__).resolve().parents[1]
COL = {c.key: tpl.column_letter(tpl.INDIKATOR_COLUMNS, c.key) for c in tpl.INDIKATOR_COLUMNS}
ANG = {c.key: tpl.column_letter(tpl.ANGGARAN_COLUMNS, c.key) for c in tpl.ANGGARAN_COLUMNS}


@dataclass(frozen=True)
class Defect:
    """One broken file and the one issue it must produce."""

    name: str
    kode_opd: str
    rule: str
    severity: str
    sheet: str
    cell: str
    kode_indikator: str = ""
    rejects_file: bool = False
    excludes: tuple[str, ...] = ()  # indicators no longer scored because of it
    file: str = ""


def _meta(kode_opd: str, folder: Path) -> Path:
    for path in sorted(folder.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            meta = {r[0]: r[1] for r in wb[tpl.SHEET_META].iter_rows(values_only=True)}
        finally:
            wb.close()
        if meta.get("kode_opd") == kode_opd:
            return path
    raise LookupError(kode_opd)


def _row(ws, code: str) -> int:
    for row in range(tpl.HEADER_ROW + 1, ws.max_row + 1):
        if ws[f"A{row}"].value == code:
            return row
    raise LookupError(code)


def _set(ws, ref: str, value: object) -> None:
    ws[ref] = value
    if isinstance(value, str):
        ws[ref].data_type = "s"


def _modified(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        text = zf.read("docProps/core.xml").decode()
    start = text.index(">", text.index("<dcterms:modified")) + 1
    return text[start : text.index("<", start)]


def _edit(path: Path, change: Callable[[Workbook], str]) -> str:
    """Apply a change as the OPD would, keeping the file's own save time (not 'now')."""
    when = _modified(path)
    wb = openpyxl.load_workbook(path)
    cell = change(wb)
    wb.save(path)
    _stamp(path, when)
    return cell


def _stamp(path: Path, when: str) -> None:
    """Set the workbook's own save time (docProps/core.xml)."""
    with zipfile.ZipFile(path) as zin:
        items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, original in items:
            data = original
            if info.filename == "docProps/core.xml":
                text = data.decode()
                start = text.index("<dcterms:modified")
                start = text.index(">", start) + 1
                end = text.index("<", start)
                data = (text[:start] + when + text[end:]).encode()
            zout.writestr(info, data)


def build(folder: Path) -> list[Defect]:
    """Copy the shipped inputs into ``folder`` and break one file per defect."""
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(ROOT / "input_xlsx", folder)
    out: list[Defect] = []

    def realisasi(kode_opd: str, code: str, value: object, column: str = "realisasi_tahunan"):
        path = _meta(kode_opd, folder)

        def change(wb: Workbook) -> str:
            ws = wb[tpl.SHEET_INDIKATOR]
            ref = f"{COL[column]}{_row(ws, code)}"
            _set(ws, ref, value)
            return ref

        return path, _edit(path, change)

    path, cell = realisasi("DINKES", "IK07.20", "delapan puluh tujuh")
    out.append(
        Defect(
            "teks di sel angka",
            "DINKES",
            "nilai.bukan_angka",
            "ERROR",
            "Indikator",
            cell,
            "IK07.20",
            excludes=("IK07.20",),
            file=path.name,
        )
    )
    path, cell = realisasi("DPPKB", "IK02.03", "75,29")
    out.append(
        Defect(
            "koma desimal sebagai teks",
            "DPPKB",
            "nilai.teks_angka",
            "WARNING",
            "Indikator",
            cell,
            "IK02.03",
            file=path.name,
        )
    )
    path, cell = realisasi("DLH", "IK12.03", -50)
    out.append(
        Defect(
            "realisasi negatif",
            "DLH",
            "nilai.di_bawah_batas",
            "ERROR",
            "Indikator",
            cell,
            "IK12.03",
            excludes=("IK12.03",),
            file=path.name,
        )
    )
    path, cell = realisasi("BKD", "IK04.01", 11, column="target")
    out.append(
        Defect(
            "target diubah",
            "BKD",
            "struktur.baris_tidak_cocok",
            "ERROR",
            "Indikator",
            cell,
            "IK04.01",
            excludes=("IK04.01",),
            file=path.name,
        )
    )
    path, cell = realisasi("BAG_ORG", "IK01.07", "C+")
    out.append(
        Defect(
            "nilai di luar tangga",
            "BAG_ORG",
            "nilai.tangga",
            "ERROR",
            "Indikator",
            cell,
            "IK01.07",
            excludes=("IK01.07",),
            file=path.name,
        )
    )
    path, cell = realisasi("BPKPAD", "IK01.09", None, column="faktor_penghambat")
    out.append(
        Defect(
            "faktor penghambat kosong",
            "BPKPAD",
            "nilai.penghambat_kosong",
            "WARNING",
            "Indikator",
            cell,
            "IK01.09",
            file=path.name,
        )
    )

    path = _meta("BPBD", folder)
    _edit(path, lambda wb: wb.remove(wb[tpl.SHEET_INDIKATOR]) or "")
    out.append(
        Defect(
            "sheet dihapus",
            "BPBD",
            "struktur.sheet_hilang",
            "ERROR",
            "Indikator",
            "",
            rejects_file=True,
            excludes=("IK13.01", "IK13.02"),
            file=path.name,
        )
    )

    path = _meta("DISHUB", folder)

    def rename(wb: Workbook) -> str:
        ref = f"{COL['realisasi_tahunan']}{tpl.HEADER_ROW}"
        _set(wb[tpl.SHEET_INDIKATOR], ref, "Realisasi")
        return ref

    out.append(
        Defect(
            "judul kolom diganti",
            "DISHUB",
            "struktur.kolom_hilang",
            "ERROR",
            "Indikator",
            _edit(path, rename),
            rejects_file=True,
            excludes=("IK08.12",),
            file=path.name,
        )
    )

    path = _meta("DISDIK", folder)

    def insert(wb: Workbook) -> str:
        ws = wb[tpl.SHEET_INDIKATOR]
        at = tpl.HEADER_ROW + 4
        ws.insert_rows(at)
        _set(ws, f"C{at}", "Indikator tambahan usulan OPD")
        ws[f"{COL['realisasi_tahunan']}{at}"] = 5
        return f"A{at}"

    out.append(
        Defect(
            "baris disisipkan",
            "DISDIK",
            "struktur.baris_sisipan",
            "WARNING",
            "Indikator",
            _edit(path, insert),
            file=path.name,
        )
    )

    def meta(kode_opd: str, key: str, value: str) -> tuple[Path, str]:
        path = _meta(kode_opd, folder)

        def change(wb: Workbook) -> str:
            ws = wb[tpl.SHEET_META]
            for row in range(2, ws.max_row + 1):
                if ws[f"A{row}"].value == key:
                    _set(ws, f"B{row}", value)
                    return f"B{row}"
            raise LookupError(key)

        return path, _edit(path, change)

    path, cell = meta("SATPOLPP", "kode_opd", "SATPOL")
    _edit(path, lambda wb: _set(wb[tpl.SHEET_META], "B5", "Kantor Tidak Dikenal") or "")
    out.append(
        Defect(
            "kode OPD salah",
            "SATPOL",
            "struktur.opd",
            "ERROR",
            "_meta",
            cell,
            rejects_file=True,
            excludes=("IK14.18", "IK14.19", "IK14.20", "IK14.21", "IK14.22"),
            file=path.name,
        )
    )
    path, cell = meta("INSPEKTORAT", "tahun", "2017")
    out.append(
        Defect(
            "tahun salah",
            "INSPEKTORAT",
            "struktur.tahun",
            "ERROR",
            "_meta",
            cell,
            rejects_file=True,
            excludes=("IK01.02", "IK01.08"),
            file=path.name,
        )
    )

    path = _meta("BAPPEDA", folder)

    def overspend(wb: Workbook) -> str:
        ws = wb[tpl.SHEET_ANGGARAN]
        row = tpl.HEADER_ROW + 1
        ws[f"{ANG['realisasi_anggaran']}{row}"] = ws[f"{ANG['pagu']}{row}"].value * 2
        return f"{ANG['realisasi_anggaran']}{row}"

    out.append(
        Defect(
            "realisasi anggaran melebihi pagu",
            "BAPPEDA",
            "anggaran.melebihi_pagu",
            "ERROR",
            "Anggaran",
            _edit(path, overspend),
            file=path.name,
        )
    )

    original = _meta("DISKOPUKM", folder)
    newer = folder / f"{original.stem} (revisi).xlsx"
    shutil.copy(original, newer)
    _stamp(newer, "2019-02-01T09:00:00Z")
    out.append(
        Defect(
            "kiriman ganda", "DISKOPUKM", "berkas.digantikan", "INFO", "", "", file=original.name
        )
    )
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "rusak")
    for defect in build(target):
        print(f"{defect.file}: {defect.name} → {defect.rule} {defect.sheet}!{defect.cell}")
