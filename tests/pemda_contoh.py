"""A small made-up Pemda, written from the README alone: its master spec, filled OPD files.

Kabupaten Sukamaju (RPJMD 2021–2026, reporting year 2024): three OPDs, every polarity, a
kualitatif ladder, a range written with thousands separators, decimal targets, a deadline typed
as text, a Rupiah pagu written ``Rp 4.750.000.000,-``, a kualitatif indicator reported in the
quarterly cells only and a percent typed into a percent-formatted cell. Used by
tests/test_every_number.py; also runnable to look at the files by hand:
``.venv/bin/python -m tests.pemda_contoh /tmp/sukamaju`` (add ``--libreoffice`` to re-save the
filled files through LibreOffice).
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from pipeline import template as tpl
from pipeline.master import read_master

IND = {c.key: tpl.column_letter(tpl.INDIKATOR_COLUMNS, c.key) for c in tpl.INDIKATOR_COLUMNS}
ANG = {c.key: tpl.column_letter(tpl.ANGGARAN_COLUMNS, c.key) for c in tpl.ANGGARAN_COLUMNS}

_INDIKATOR_HEADER = [
    "kode_indikator",
    "kode_sasaran",
    "uraian",
    "satuan",
    "polaritas",
    "tipe_nilai",
    "tangga",
    "agregasi_tw",
    "bobot",
    "target_2024",
    "target_2025",
    "target_2026",
    "kode_opd",
    "batas_wajar_min",
    "batas_wajar_max",
]

# fmt: off
_INDIKATOR_ROWS: list[list[Any]] = [
    # naik, decimal targets, end target in periode_akhir
    ["K1", "S1", "Cakupan imunisasi dasar lengkap", "%", "naik", "persen", "",
     "nilai_akhir", 1, 92.5, 93.5, 95, "DINKES", 0, 100],
    # turun, decimal target, no 2026 target: 2025 stands in
    ["K2", "S1", "Angka kematian bayi", "per 1.000 KH", "turun", "angka", "",
     "nilai_akhir", 1, 12.5, 12, "", "DINKES", 0, ""],
    # range with thousands separators, quarterly cumulative
    ["K3", "S1", "Kunjungan rawat jalan puskesmas", "kunjungan", "range", "angka", "",
     "kumulatif", 1, "10.000 - 15.000", "11.000 - 16.000", "12.000 - 18.000", "DINKES", 0, ""],
    # naik, a decimal typed as text with a decimal comma
    ["P1", "S2", "Angka partisipasi murni SD", "%", "naik", "persen", "",
     "nilai_akhir", 1, "97,25", "", 98, "DISDIK", 0, 100],
    # naik, end target 13,929
    ["P2", "S2", "Harapan lama sekolah", "tahun", "naik", "angka", "",
     "nilai_akhir", 1, 13.2, 13.5, 13.929, "DISDIK", 0, ""],
    # integer target and no later target at all: target akhir belum ada
    ["P3", "S2", "Persentase sekolah terakreditasi A", "%", "naik", "persen", "",
     "nilai_akhir", 1, 60, "", "", "DISDIK", 0, 100],
    # kualitatif, reported in the quarterly cells only
    ["G1", "S3", "Opini BPK atas laporan keuangan daerah", "opini", "kualitatif", "kualitatif",
     "opini_bpk", "nilai_akhir", 1, "WTP", "WTP", "WTP", "BKAD", "", ""],
    # naik persen, typed as 82% in a percent-formatted cell
    ["G2", "S3", "Persentase rekomendasi BPK yang ditindaklanjuti", "%", "naik", "persen", "",
     "nilai_akhir", 1, 85, 87.5, 90, "BKAD", 0, 100],
    # turun persen, decimal target, only this year's target
    ["G3", "S3", "Rasio belanja pegawai terhadap total belanja", "%", "turun", "persen", "",
     "nilai_akhir", 1, 35.5, "", "", "BKAD", 0, 100],
]
# fmt: on

SHEETS: dict[str, list[list[Any]]] = {
    "pemda": [
        [
            "kode_pemda",
            "nama_pemda",
            "periode_awal",
            "periode_akhir",
            "tahun_laporan",
            "periode",
            "batas_pengumpulan",
            "visi",
        ],
        [
            "9901",
            "Pemerintah Kabupaten Sukamaju",
            2021,
            2026,
            2024,
            "Tahunan",
            "15/02/2025",  # typed as text, day first
            "Sukamaju sehat, cerdas dan akuntabel",
        ],
    ],
    "opd": [
        ["kode_opd", "nama_opd", "alias", "jenis", "email"],
        ["DINKES", "Dinas Kesehatan", "Dinkes", "Dinas", "dinkes@sukamaju.go.id"],
        ["DISDIK", "Dinas Pendidikan", "Disdik", "Dinas", "disdik@sukamaju.go.id"],
        ["BKAD", "Badan Keuangan dan Aset Daerah", "BKAD", "Badan", "bkad@sukamaju.go.id"],
    ],
    "misi": [["kode_misi", "uraian"], ["M1", "Masyarakat sehat, cerdas, pemerintahan bersih"]],
    "tujuan": [
        ["kode_tujuan", "kode_misi", "uraian"],
        ["T1", "M1", "Meningkatkan kualitas sumber daya manusia"],
        ["T2", "M1", "Tata kelola pemerintahan yang akuntabel"],
    ],
    "sasaran": [
        ["kode_sasaran", "kode_tujuan", "uraian"],
        ["S1", "T1", "Meningkatnya derajat kesehatan masyarakat"],
        ["S2", "T1", "Meningkatnya kualitas pendidikan"],
        ["S3", "T2", "Meningkatnya akuntabilitas keuangan daerah"],
    ],
    "indikator": [_INDIKATOR_HEADER, *_INDIKATOR_ROWS],
    "program": [
        ["kode_program", "uraian", "kode_opd", "kode_sasaran", "pagu_2024"],
        ["1.02.01", "Program pemenuhan upaya kesehatan", "DINKES", "S1", 12_500_000_000],
        ["1.02.02", "Program peningkatan SDM kesehatan", "DINKES", "S1", 2_000_000_000],
        ["1.01.01", "Program pengelolaan pendidikan", "DISDIK", "S2", 30_000_000_000],
        ["5.02.01", "Program pengelolaan keuangan daerah", "BKAD", "S3", 4_750_000_000],
    ],
    "tangga": [
        ["tangga", "peringkat", "nilai"],
        ["opini_bpk", 1, "TMP"],
        ["opini_bpk", 2, "TW"],
        ["opini_bpk", 3, "WDP"],
        ["opini_bpk", 4, "WTP"],
    ],
    "pengaturan": [["kunci", "nilai"]],  # present and empty: every default holds
}

# What each OPD types: column key -> value (a tuple value = (value, number format)).
REALISASI: dict[str, dict[str, Any]] = {
    "K1": {f"realisasi_tw{i}": v for i, v in enumerate((20, 45, 70, 90.5), start=1)},
    "K2": {"realisasi_tahunan": 11},
    "K3": {f"realisasi_tw{i}": v for i, v in enumerate((3000, 3500, 4000, 2500), start=1)},
    "P1": {"realisasi_tahunan": "97,8"},
    "P2": {"realisasi_tahunan": 13.05},
    "P3": {"realisasi_tahunan": 55},
    "G1": {"realisasi_tw1": "WDP", "realisasi_tw4": "WTP"},
    "G2": {"realisasi_tahunan": (0.82, "0%")},
    "G3": {"realisasi_tahunan": 36},
}
PENGHAMBAT = "Sebagian data puskesmas terlambat masuk"
SAVED = "2025-02-10T09:00:00Z"  # every OPD saved its file before the deadline (15/02/2025)
ANGGARAN: dict[str, Any] = {
    "1.02.01": 11_250_000_000,
    "1.02.02": 1_900_000_000,
    "1.01.01": 27_000_000_000,
    "5.02.01": "Rp 4.500.000.000,-",
}


def sheets(**changes: list[list[Any]]) -> dict[str, list[list[Any]]]:
    """A copy of :data:`SHEETS` with whole sheets replaced (``program=[header]`` …)."""
    out = copy.deepcopy(SHEETS)
    out.update(copy.deepcopy(changes))
    return {k: v for k, v in out.items() if v is not None}


def write_spec(path: Path, content: dict[str, list[list[Any]]] | None = None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (content or SHEETS).items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def row_of(ws: Any, code: str) -> int:
    for row in range(tpl.HEADER_ROW + 1, ws.max_row + 1):
        if ws[f"A{row}"].value == code:
            return row
    raise LookupError(code)


def put(ws: Any, ref: str, value: Any) -> None:
    """Type a value into a cell as a clerk would (a tuple carries a number format)."""
    if isinstance(value, tuple):
        value, number_format = value
        ws[ref].number_format = number_format
    ws[ref] = value
    if isinstance(value, str) and not value.startswith("="):
        ws[ref].data_type = "s"


def fill(template: Path, target: Path, realisasi: dict[str, dict[str, Any]] | None = None) -> Path:
    """Fill one OPD template with :data:`REALISASI` and :data:`ANGGARAN`."""
    values = REALISASI if realisasi is None else realisasi
    wb = openpyxl.load_workbook(template)
    ws = wb[tpl.SHEET_INDIKATOR]
    for row in range(tpl.HEADER_ROW + 1, ws.max_row + 1):
        code = ws[f"A{row}"].value
        for key, value in values.get(code, {}).items():
            put(ws, f"{IND[key]}{row}", value)
        if code in values:
            put(ws, f"{IND['faktor_penghambat']}{row}", PENGHAMBAT)
    ang = wb[tpl.SHEET_ANGGARAN]
    for row in range(tpl.HEADER_ROW + 1, ang.max_row + 1):
        code = ang[f"A{row}"].value
        if code in ANGGARAN:
            put(ang, f"{ANG['realisasi_anggaran']}{row}", ANGGARAN[code])
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    stamp(target, SAVED)
    return target


def rewrite(path: Path, member: str, change: Callable[[str], str]) -> None:
    """Edit one XML part of a workbook in place (what no spreadsheet library will write)."""
    with zipfile.ZipFile(path) as zin:
        items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            changed = (
                change(data.decode("utf-8")).encode("utf-8") if info.filename == member else data
            )
            zout.writestr(info, changed)


def stamp(path: Path, when: str) -> None:
    """Set the workbook's own save time (docProps/core.xml), as the OPD's Excel would."""
    rewrite(
        path,
        "docProps/core.xml",
        lambda text: re.sub(
            r"(<dcterms:modified[^>]*>)[^<]*(<)", lambda m: m.group(1) + when + m.group(2), text
        ),
    )


def build(folder: Path, content: dict[str, list[list[Any]]] | None = None) -> tuple[Path, Path]:
    """Write the spec, one template per OPD and the filled files; returns (spec, inbox)."""
    spec_path = write_spec(folder / "sukamaju_2024.xlsx", content)
    spec, issues = read_master(spec_path)
    assert spec is not None, [i.message for i in issues]
    inbox = folder / "kiriman"
    for kode in spec.opd["kode_opd"]:
        blank = tpl.build_template(spec, kode, folder / "templat" / f"{kode}.xlsx")
        fill(blank, inbox / f"Capaian {kode} 2024.xlsx")
    return spec_path, inbox


def libreoffice_resave(folder: Path) -> None:
    """Open and save every .xlsx of a folder in LibreOffice, as an OPD using it would."""
    with tempfile.TemporaryDirectory() as tmp:
        files = sorted(folder.glob("*.xlsx"))
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{tmp}/profil",
                "--headless",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                f"{tmp}/out",
                *map(str, files),
            ],
            capture_output=True,
            timeout=300,
            check=True,
        )
        for path in files:
            shutil.move(f"{tmp}/out/{path.name}", path)


if __name__ == "__main__":
    where = Path(sys.argv[1] if len(sys.argv) > 1 else "sukamaju")
    spec_file, inbox_dir = build(where)
    if "--libreoffice" in sys.argv:
        libreoffice_resave(inbox_dir)
    print(f"spec: {spec_file}\nberkas OPD: {inbox_dir}")
