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
        [
            "kode_program",
            "uraian",
            "kode_opd",
            "kode_sasaran",
            "pagu_2024",
            "urusan",
            "pagu_renstra",
            "realisasi_rp_lalu",
        ],
        [
            "01",
            "Program Upaya Kesehatan",
            "KES",
            "1.1.1",
            1_000_000_000,
            "1.02 Urusan Pemerintahan Bidang Kesehatan",
            5_000_000_000,
            1_800_000_000,
        ],
        [
            "02",
            "Program Pengelolaan Keuangan",
            "KEU",
            "1.1.2",
            500_000_000,
            "5.02 Keuangan",
            2_500_000_000,
            900_000_000,
        ],
    ],
    "kegiatan": [
        ["kode_kegiatan", "kode_program", "uraian", "pagu_2024"],
        ["01.01", "01", "Imunisasi dasar lengkap", 400_000_000],
    ],
    "indikator_renja": [
        [
            "kode_indikator",
            "kode_program",
            "kode_kegiatan",
            "uraian",
            "satuan",
            "agregasi_tw",
            "target_2024",
            "target_2026",
            "target_renstra",
            "realisasi_lalu",
        ],
        ["R1", "01", "", "Persentase balita sehat", "%", "nilai_akhir", 80, "", 90, 76],
        ["R2", "01", "01.01", "Bayi diimunisasi", "bayi", "kumulatif", 1200, 1300, "", 2300],
        ["R3", "02", "", "Laporan keuangan tepat waktu", "%", "nilai_akhir", 100, 100, 100, 100],
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
        ["skala_predikat_e81", "tiga_warna"],
    ],
    "skala": [
        ["skala", "label", "batas", "aturan", "warna"],
        ["tiga_warna", "Hijau", 90, "lebih_dari", "#00A651"],
        ["tiga_warna", "Kuning", 70, "minimal", "#FFD700"],
        ["tiga_warna", "Merah", "", "minimal", "#E00000"],
    ],
}

REALISASI = {"A1": 81.0, "A2": 10.0, "A3": 1.5, "B1": "WDP"}
# Renja sheet: (code, indicator) → K TW I, TW II; code → Rp TW I, TW II
RENJA_K = {"R1": (78, 79), "R2": (300, 320), "R3": (100, 100)}
RENJA_RP = {"01": (200_000_000, 250_000_000), "01.01": (80_000_000, 90_000_000)}
RENJA_RP["02"] = (100_000_000, 150_000_000)


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
        ren = wb[tpl.SHEET_RENJA]
        rcol = {c.key: i + 1 for i, c in enumerate(tpl.RENJA_COLUMNS)}
        done: set[str] = set()
        for row in range(tpl.HEADER_ROW + 1, ren.max_row + 1):
            code, ind = ren.cell(row, 1).value, ren.cell(row, rcol["kode_indikator"]).value
            for q, value in enumerate(RENJA_K.get(ind, ()), 1):
                ren.cell(row, rcol[f"k_tw{q}"], value)
            if code not in done:
                done.add(code)
                for q, value in enumerate(RENJA_RP.get(code, ()), 1):
                    ren.cell(row, rcol[f"rp_tw{q}"], value)
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
    # Tabel Bab III has no weight column: its note gives the weights, so the average it
    # prints can be recomputed from the rows above it
    wb = openpyxl.load_workbook(other_report / "3204_2024_konsolidasi.xlsx")
    notes = [
        str(c.value)
        for row in wb["Tabel Bab III"].iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("Rata-rata berbobot")
    ]
    assert any("bobot No 1 = 2, No 2 = 1, No 3 = 1" in n for n in notes), notes


def test_e81_of_another_pemda(other_report: Path) -> None:
    """Urusan, program and kegiatan rows, a stand-in Renstra year, the spec's own E.81 scale."""
    wb = openpyxl.load_workbook(other_report / "3204_2024_konsolidasi.xlsx")
    rows = [list(r) for r in wb["E.81"].iter_rows(values_only=True)]
    assert any(r[0] == "1.02 Urusan Pemerintahan Bidang Kesehatan" for r in rows)
    r2 = next(r for r in rows if r[2] == "01.01")
    # kumulatif: 13 = 300 + 320; 14 = 620 / 1200 x 100; 15 = 2300 + 620; 16 = 2920 / 1300 x 100
    assert r2[5] == 1300 and r2[19] == 620 and r2[27] == "KES"
    assert r2[21] == pytest.approx(620 / 1200 * 100)
    assert r2[23] == 2920 and r2[25] == pytest.approx(2920 / 1300 * 100)
    assert "target Renstra: target 2026" in r2[28]
    assert r2[20] == 170_000_000  # Rp 13 of the kegiatan: 80 + 90 juta
    start = next(i for i, r in enumerate(rows) if str(r[0]).endswith("(KES)"))
    rata = next(r for r in rows[start:] if r[0] == "Rata-rata capaian kinerja (%)")
    # K: (79/80 + 620/1200)/2 x 100 = (98,75 + 51,67)/2; Rp: 450 juta / 1 miliar
    assert rata[21] == pytest.approx((98.75 + 620 / 12) / 2)
    assert rata[22] == pytest.approx(45.0)
    predikat = next(r for r in rows[start:] if r[0] == "Predikat kinerja")
    assert (predikat[21], predikat[22]) == ("Kuning", "Merah")  # the spec's scale
    assert (other_report / "e81" / "KES.xlsx").is_file()


def test_kelengkapan_says_on_which_clock_lateness_was_decided(tmp_path: Path) -> None:
    """A Pemda on WITA: a file saved at 16:30 UTC on the deadline day (00:30 WITA the day
    after) is late, and the Kelengkapan sheet showed only its UTC save time, the deadline's
    date in it, and *terlambat*, with no word of the deadline or the clock that decided. The
    sheet now says under its table: the deadline, on the Pemda's clock and in UTC."""
    from tests import pemda_contoh

    content = pemda_contoh.sheets()
    pemda = content["pemda"]
    pemda[0].append("zona_waktu")
    pemda[1].append("WITA")
    spec_path, inbox = pemda_contoh.build(tmp_path, content)
    dinkes = next(p for p in inbox.glob("*.xlsx") if "DINKES" in p.name)
    pemda_contoh.stamp(dinkes, "2025-02-15T16:30:00Z")  # deadline 15/02/2025

    result = run_report(inbox, tmp_path / "out", spec=spec_path)
    assert result.returncode == 0, result.stderr
    book = tmp_path / "out" / "9901_2024_konsolidasi.xlsx"
    kel = read_sheet(book, "Kelengkapan").set_index("Kode OPD")
    assert kel.loc["DINKES", "Status Pengiriman"] == "terlambat"
    assert kel.loc["BKAD", "Status Pengiriman"] == "tepat waktu"
    wb = openpyxl.load_workbook(book)
    texts = [c for row in wb["Kelengkapan"].iter_rows(values_only=True) for c in row if c]
    notes = [t for t in texts if isinstance(t, str) and "batas pengumpulan" in t]
    assert notes == [
        "Status Pengiriman menurut jam WITA (UTC+8): batas pengumpulan 15 Februari 2025 pukul "
        "24.00 WITA, yaitu 15 Februari 2025 pukul 16.00 UTC; berkas yang disimpan (atau "
        "diterima lewat surel) sesudahnya terlambat. Waktu di sheet ini dalam UTC."
    ], notes


def test_template_gives_the_deadline_as_the_report_applies_it(tmp_path: Path) -> None:
    """The template's Petunjuk said 'kirim kembali sebelum 15 Februari 2025' (before the
    day) while a file saved on the day is on time, and named no clock though lateness is
    decided on the Pemda's (here WITA). It now says 'paling lambat', with the hour and clock."""
    from tests import pemda_contoh

    content = pemda_contoh.sheets()
    content["pemda"][0].append("zona_waktu")
    content["pemda"][1].append("WITA")
    pemda_contoh.build(tmp_path, content)
    wb = openpyxl.load_workbook(tmp_path / "templat" / "DINKES.xlsx")
    lines = [str(c) for row in wb["Petunjuk"].iter_rows(values_only=True) for c in row if c]
    assert "Batas pengumpulan: 15 Februari 2025 pukul 24.00 WITA" in lines
    assert not [t for t in lines if "sebelum 15 Februari" in t]
    assert any(t.endswith("lalu kirim kembali paling lambat 15 Februari 2025.") for t in lines)


def test_e81_is_signed_by_the_head_of_each_kind_of_opd(tmp_path: Path) -> None:
    """The OPD's own E.81 file was signed 'Kepala Kecamatan …' and 'Kepala Inspektorat …';
    a Kecamatan is headed by its Camat, an Inspektorat by its Inspektur, a Dinas by its
    Kepala."""
    from tests import pemda_contoh

    content = pemda_contoh.sheets()
    for row in content["opd"][1:]:
        row[1] = {
            "DISDIK": "Kecamatan Sukamaju Barat",
            "BKAD": "Inspektorat Daerah",
        }.get(row[0], row[1])
    spec_path, inbox = pemda_contoh.build(tmp_path, content)
    result = run_report(inbox, tmp_path / "out", spec=spec_path)
    assert result.returncode == 0, result.stderr

    def signed(kode: str) -> list[str]:
        ws = openpyxl.load_workbook(tmp_path / "out" / "e81" / f"{kode}.xlsx")["E.81"]
        texts = [c for row in ws.iter_rows(values_only=True) for c in row if c]
        at = next(i for i, t in enumerate(texts) if t == "NIP. ……………………………………")
        return [t for t in texts[at - 3 : at] if isinstance(t, str) and "……" not in t]

    assert signed("DISDIK") == ["Camat Sukamaju Barat"]
    assert signed("BKAD") == ["Inspektur Daerah"]
    assert signed("DINKES") == ["Kepala Dinas Kesehatan"]
    # the kind is told by the first word in any letter case, never by a longer word
    from pipeline.workbook.e81 import pimpinan

    assert pimpinan("KECAMATAN SUKAMAJU") == "Camat SUKAMAJU"
    assert pimpinan("RSUD Dr. Djoelham") == "Direktur RSUD Dr. Djoelham"
    assert pimpinan("Sekretariat  DPRD") == "Sekretaris DPRD"
    assert pimpinan("Kecamatanku") == "Kepala Kecamatanku"
