"""Another Pemda's master spec works unchanged: templates → filled files → report."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from pipeline import template as tpl
from tests.conftest import read_sheet, run_cli, run_report

SHEETS: dict[str, list[list[object]]] = {
    "pemda": [
        [
            "kode_pemda",
            "nama_pemda",
            "periode_awal",
            "periode_akhir",
            "tahun_laporan",
            "periode",
            "batas_pengumpulan",
        ],
        ["3204", "Pemerintah Kabupaten Contoh", 2021, 2026, 2024, "Tahunan", "2025-01-31"],
    ],
    "opd": [
        ["kode_opd", "nama_opd", "alias", "jenis"],
        ["KES", "Dinas Kesehatan Kabupaten Contoh", "Dinkes", "Dinas"],
        ["KEU", "Badan Keuangan Daerah", "BKD; Bakeuda", "Badan"],
    ],
    "misi": [["kode_misi", "uraian"], ["1", "Masyarakat sehat"]],
    "tujuan": [["kode_tujuan", "kode_misi", "uraian"], ["1.1", "1", "Layanan kesehatan"]],
    "sasaran": [
        ["kode_sasaran", "kode_tujuan", "uraian"],
        ["1.1.1", "1.1", "Meningkatnya derajat kesehatan"],
        ["1.1.2", "1.1", "Tata kelola keuangan"],
    ],
    "indikator": [
        [
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
            "target_2026",
            "kode_opd",
        ],
        [
            "A1",
            "1.1.1",
            "Cakupan imunisasi",
            "%",
            "naik",
            "persen",
            "",
            "nilai_akhir",
            2,
            90,
            95,
            "KES",
        ],
        [
            "A2",
            "1.1.1",
            "Angka kematian bayi",
            "per 1000 KH",
            "turun",
            "angka",
            "",
            "nilai_akhir",
            1,
            8,
            6,
            "KES",
        ],
        [
            "A3",
            "1.1.1",
            "Rasio dokter",
            "per 1000",
            "range",
            "angka",
            "",
            "nilai_akhir",
            1,
            "0,8 - 1,2",
            "",
            "KES",
        ],
        [
            "B1",
            "1.1.2",
            "Opini BPK",
            "opini",
            "kualitatif",
            "kualitatif",
            "opini",
            "nilai_akhir",
            1,
            "WTP",
            "WTP",
            "KEU",
        ],
    ],
    "program": [
        ["kode_program", "uraian", "kode_opd", "kode_sasaran", "pagu_2024"],
        ["01", "Program Upaya Kesehatan", "KES", "1.1.1", 1_000_000_000],
        ["02", "Program Pengelolaan Keuangan", "KEU", "1.1.2", 500_000_000],
    ],
    "tangga": [
        ["tangga", "peringkat", "nilai"],
        ["opini", 1, "TMP"],
        ["opini", 2, "TW"],
        ["opini", 3, "WDP"],
        ["opini", 4, "WTP"],
    ],
    "pengaturan": [
        ["kunci", "nilai"],
        ["skala_predikat", "tiga_warna"],
        ["rumus_turun", "T/R"],
        ["metode_rata_rata", "bobot"],
        ["batas_capaian", "none"],
    ],
    "skala": [
        ["skala", "label", "batas", "aturan", "warna"],
        ["tiga_warna", "Hijau", 90, "lebih_dari", "#00A651"],
        ["tiga_warna", "Kuning", 70, "minimal", "#FFD700"],
        ["tiga_warna", "Merah", "", "minimal", "#E00000"],
    ],
}

REALISASI = {"A1": 81.0, "A2": 10.0, "A3": 1.5, "B1": "WDP"}


@pytest.fixture(scope="module")
def other_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kabupaten")
    spec_path = root / "contoh_2024.xlsx"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in SHEETS.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(spec_path)

    made = run_cli("templates", "--spec", str(spec_path), "--output", str(root / "templat"))
    assert made.returncode == 0, made.stderr
    inbox = root / "kiriman"
    inbox.mkdir()
    col = {c.key: tpl.column_letter(tpl.INDIKATOR_COLUMNS, c.key) for c in tpl.INDIKATOR_COLUMNS}
    for path in sorted((root / "templat").glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        ws = wb[tpl.SHEET_INDIKATOR]
        for row in range(tpl.HEADER_ROW + 1, ws.max_row + 1):
            code = ws[f"A{row}"].value
            if code in REALISASI:
                ws[f"{col['realisasi_tahunan']}{row}"] = REALISASI[code]
                ws[f"{col['faktor_penghambat']}{row}"] = "Tenaga kesehatan terbatas"
        ang = wb[tpl.SHEET_ANGGARAN]
        ang[f"E{tpl.HEADER_ROW + 1}"] = 250_000_000
        wb.save(inbox / f"Kiriman {path.name}")

    out = root / "out"
    result = run_report(inbox, out, spec=spec_path)
    assert result.returncode == 0, result.stderr
    assert "Pemerintah Kabupaten Contoh — tahun 2024" in result.stdout
    return out


def test_output_named_after_the_spec(other_report: Path) -> None:
    assert (other_report / "3204_2024_konsolidasi.xlsx").is_file()
    assert not list(other_report.glob("1275_*"))


def test_spec_settings_and_custom_scale_are_used(other_report: Path) -> None:
    ind = read_sheet(other_report / "3204_2024_konsolidasi.xlsx", "Indikator").set_index(
        "Kode Indikator"
    )
    assert ind.loc["A1", "Capaian (%)"] == pytest.approx(90.0)  # 81 / 90
    assert ind.loc["A1", "Predikat"] == "Kuning"  # 90 is not > 90 on this scale
    assert ind.loc["A2", "Capaian (%)"] == pytest.approx(80.0)  # T/R = 8 / 10
    assert ind.loc["A2", "Rumus"] == "T/R×100"
    assert ind.loc["A3", "Capaian (%)"] == pytest.approx(125.0)  # above the range: 1,5 / 1,2
    assert ind.loc["A3", "Capaian untuk Rata-rata (%)"] == pytest.approx(125.0)  # cap none
    assert ind.loc["B1", "Capaian (%)"] == pytest.approx(75.0)  # rank WDP 3 / WTP 4
    assert str(ind.loc["A1", "Target Akhir RPJMD"]) == "95"


def test_weighted_sasaran_average(other_report: Path) -> None:
    sas = read_sheet(other_report / "3204_2024_konsolidasi.xlsx", "Sasaran").set_index(
        "Kode Sasaran"
    )
    expected = (90.0 * 2 + 80.0 + 125.0) / 4
    assert sas.loc["1.1.1", "Rata-rata Capaian (%)"] == pytest.approx(expected)
    assert "berbobot" in sas.loc["1.1.1", "Metode Rata-rata"]
    assert sas.loc["1.1.1", "Serapan (%)"] == pytest.approx(25.0)
