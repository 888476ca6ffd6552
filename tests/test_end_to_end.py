"""`python -m pipeline report` on the shipped Binjai inputs, checked on what it writes."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pandas as pd
import pytest

from pipeline import template as tpl
from pipeline.cells import sheet_parts
from tests.conftest import (
    INPUT_DIR,
    ROOT,
    SPEC_PATH,
    copy_inputs,
    input_file,
    read_sheet,
    run_limited,
    run_report,
)
from tests.hostile_files import far_cell

SHEETS = [
    "Ringkasan",
    "Tabel Bab III",
    "E.81",
    "Sasaran",
    "Misi & Tujuan",
    "Indikator",
    "OPD",
    "Anggaran",
    "Efisiensi",
    "Kelengkapan",
    "Berkas",
    "Validasi",
    "Perubahan",
    "Pengaturan",
]


@pytest.fixture(scope="module")
def indikator(workbook_path: Path) -> pd.DataFrame:
    return read_sheet(workbook_path, "Indikator").set_index("Kode Indikator")


def test_summary_is_printed(report_dir: Path) -> None:
    out = (report_dir / "stdout.txt").read_text(encoding="utf-8")
    assert "Berkas ditemukan  : 31" in out
    assert "Indikator dinilai : 117 dari 132" in out
    assert "Rata-rata capaian :" in out
    assert "1275_2018_konsolidasi.xlsx" in out


def test_outputs_exist(report_dir: Path, workbook_path: Path) -> None:
    assert openpyxl.load_workbook(workbook_path, read_only=True).sheetnames == SHEETS
    charts = sorted(p.name for p in (report_dir / "charts").iterdir())
    assert charts == [
        "capaian_per_sasaran.png",
        "distribusi_predikat.png",
        "kuadran_capaian_serapan_opd.png",
        "peringkat_opd.png",
        "tren_sasaran.png",
    ]
    assert oct((report_dir / "charts" / charts[0]).stat().st_mode)[-3:] != "600"
    for name in charts:
        png = report_dir / "charts" / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 10_000
    with zipfile.ZipFile(workbook_path) as zf:
        assert any(n.startswith("xl/charts/chart") for n in zf.namelist())  # native chart


@pytest.mark.parametrize(
    ("kode", "capaian", "predikat"),
    [
        ("IK01.09", 88.2579, "Tinggi"),  # Rasio PAD: T 10,39 R 9,17; the seed printed 83,6
        ("IK01.12", 94.0171, "Sangat Tinggi"),  # 94 % is the top band; the seed printed Tinggi
        ("IK07.20", 74.6398, "Sedang"),  # Angka kematian ibu, lower is better
        ("IK14.02", 74.6867, "Sedang"),  # Tingkat Pengangguran Terbuka
        ("IK01.02", 20.0, "Sangat Rendah"),  # Indeks Persepsi Korupsi 5 -> 9 kasus
        ("IK07.06", 100.0, "Sangat Tinggi"),  # Angka Buta Huruf: T 0, R 0
    ],
)
def test_known_numbers_in_indikator_sheet(
    indikator: pd.DataFrame, kode: str, capaian: float, predikat: str
) -> None:
    row = indikator.loc[kode]
    assert row["Capaian (%)"] == pytest.approx(capaian, abs=1e-3)
    assert row["Predikat"] == predikat


def test_sasaran_averages_recompute_from_indikator_sheet(
    workbook_path: Path, indikator: pd.DataFrame
) -> None:
    sasaran = read_sheet(workbook_path, "Sasaran").set_index("Kode Sasaran")
    scored = indikator[indikator["Status"] == "dinilai"]
    means = scored.groupby("Kode Sasaran")["Capaian untuk Rata-rata (%)"].mean()
    for kode, mean in means.items():
        assert sasaran.loc[kode, "Rata-rata Capaian (%)"] == pytest.approx(mean)
        assert sasaran.loc[kode, "Indikator Dinilai"] == (scored["Kode Sasaran"] == kode).sum()
    assert (scored["Capaian untuk Rata-rata (%)"] <= 120).all()


def test_budget_serapan_is_ratio_of_sums(workbook_path: Path) -> None:
    anggaran = read_sheet(workbook_path, "Anggaran")
    reported = anggaran.dropna(subset=["Realisasi Anggaran (Rp)"])
    expected = reported["Realisasi Anggaran (Rp)"].sum() / reported["Pagu (Rp)"].sum() * 100
    opd = read_sheet(workbook_path, "OPD")
    total_real = opd["Realisasi Anggaran (Rp)"].sum()
    assert total_real == pytest.approx(reported["Realisasi Anggaran (Rp)"].sum())
    ring = openpyxl.load_workbook(workbook_path)["Ringkasan"]
    values = {r[0].value: r[1].value for r in ring.iter_rows(min_row=4, max_row=18)}
    assert values["Serapan anggaran"] == pytest.approx(expected)
    # the total rows under the table: the reported rows' sums and their ratio
    raw = _rows(workbook_path, "Anggaran")
    total = next(r for r in raw if str(r[1]).startswith("Jumlah program yang melaporkan"))
    assert total[4] == pytest.approx(reported["Pagu (Rp)"].sum())
    assert total[5] == pytest.approx(reported["Realisasi Anggaran (Rp)"].sum())
    assert total[6] == pytest.approx(expected)
    # The row whose realisasi exceeds its pagu 46x is an ERROR and is left out, saying why.
    p043 = anggaran.set_index("Kode Program").loc["P043"]
    assert pd.isna(p043["Realisasi Anggaran (Rp)"])
    assert "ditolak" in p043["Keterangan Perhitungan"]
    assert "tidak ikut jumlah serapan" in p043["Keterangan Perhitungan"]
    unreported = anggaran[anggaran["Realisasi Anggaran (Rp)"].isna()]
    assert unreported["Keterangan Perhitungan"].str.contains("tidak ikut jumlah serapan").all()


def test_manifest_accounts_for_every_input(report_dir: Path) -> None:
    manifest = json.loads((report_dir / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["berkas"]: f for f in manifest["berkas_masukan"]}
    on_disk = sorted(p.name for p in INPUT_DIR.iterdir() if p.is_file())
    assert sorted(listed) == on_disk
    some = INPUT_DIR / on_disk[0]
    assert listed[on_disk[0]]["sha256"] == hashlib.sha256(some.read_bytes()).hexdigest()
    assert manifest["pengaturan"]["rumus_turun"] == "2T-R"
    assert manifest["master_spec"]["sha256"] == hashlib.sha256(SPEC_PATH.read_bytes()).hexdigest()


def _cells(path: Path) -> dict[str, list[list[object]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb}


def test_two_runs_give_the_same_cells(workbook_path: Path, tmp_path: Path) -> None:
    result = run_report(INPUT_DIR, tmp_path)
    assert result.returncode == 0, result.stderr
    assert _cells(tmp_path / workbook_path.name) == _cells(workbook_path)
    # the files OPDs and leaders get are the same bytes, seconds later (the workbook's links
    # to the input files are relative to its folder, which differs here)
    first = workbook_path.parent
    parts = sorted(
        p.relative_to(first)
        for folder in ("umpan_balik", "e81", "charts")
        for p in (first / folder).iterdir()
    )
    assert len(parts) > 40
    assert [p for p in parts if (first / p).read_bytes() != (tmp_path / p).read_bytes()] == []


def test_opd_text_never_becomes_a_formula(tmp_path: Path) -> None:
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DINSOS")
    wb = openpyxl.load_workbook(path)
    ws = wb[tpl.SHEET_INDIKATOR]
    col = {c.key: tpl.column_letter(tpl.INDIKATOR_COLUMNS, c.key) for c in tpl.INDIKATOR_COLUMNS}
    payloads = ['=HYPERLINK("http://contoh.invalid","klik")', "+1+1", "-2+3", "@SUM(A1:A2)"]
    for i, text in enumerate(payloads):
        cell = ws[f"{col['faktor_pendorong']}{tpl.HEADER_ROW + 1 + i}"]
        cell.value = text
        cell.data_type = "s"  # typed as text by the OPD (openpyxl would make '=...' a formula)
    wb.save(path)
    out = tmp_path / "out"
    result = run_report(folder, out)
    assert result.returncode == 0, result.stderr
    sheet = openpyxl.load_workbook(out / "1275_2018_konsolidasi.xlsx")["Indikator"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value in payloads]
    assert len(cells) == len(payloads)
    assert all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(out / "1275_2018_konsolidasi.xlsx") as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == len(SHEETS)
        for name in sheets:
            assert "<f>" not in zf.read(name).decode(), name


def test_broken_spec_stops_the_run_with_a_located_message(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(SPEC_PATH)
    wb["indikator"]["E3"] = "keatas"
    broken = tmp_path / "spec.xlsx"
    wb.save(broken)
    result = run_report(INPUT_DIR, tmp_path / "out", spec=broken)
    assert result.returncode == 2
    assert "indikator › E3" in result.stderr
    assert not (tmp_path / "out").exists()


def _spec_with(tmp_path: Path, settings: dict[str, str]) -> Path:
    wb = openpyxl.load_workbook(SPEC_PATH)
    ws = wb["pengaturan"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    for key, value in settings.items():
        if key in rows:  # a key given twice is refused: its row is changed
            rows[key][1].value = value
        else:
            ws.append([key, value])
    path = tmp_path / "spec.xlsx"
    wb.save(path)
    return path


def test_changing_the_turun_rule_changes_the_report(
    tmp_path: Path, indikator: pd.DataFrame
) -> None:
    spec = _spec_with(
        tmp_path,
        {"rumus_turun": "T/R", "label_predikat": "Sangat Baik;Tinggi;Sedang;Rendah;Sangat Rendah"},
    )
    out = tmp_path / "out"
    result = run_report(INPUT_DIR, out, spec=spec)
    assert result.returncode == 0, result.stderr
    changed = read_sheet(out / "1275_2018_konsolidasi.xlsx", "Indikator").set_index(
        "Kode Indikator"
    )
    assert indikator.loc["IK07.20", "Capaian (%)"] == pytest.approx(74.6398, abs=1e-3)
    assert changed.loc["IK07.20", "Capaian (%)"] == pytest.approx(79.7701, abs=1e-3)  # 69,4/87
    assert changed.loc["IK07.20", "Rumus"] == "T/R×100"
    assert changed.loc["IK01.09", "Capaian (%)"] == indikator.loc["IK01.09", "Capaian (%)"]
    assert changed.loc["IK01.12", "Predikat"] == "Sangat Baik"
    settings = read_sheet(out / "1275_2018_konsolidasi.xlsx", "Pengaturan")
    assert "T/R" in settings.iloc[:, 1].astype(str).tolist()


def _last_year_workbook(path: Path, rows: list[tuple[str, float, float]]) -> Path:
    """A consolidated workbook of last year: its Indikator sheet, as this pipeline writes it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Indikator"
    ws.append(["Kode Indikator", "Realisasi Dipakai (angka/peringkat)", "Capaian (%)"])
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def test_previous_year_comparison(
    workbook_path: Path, indikator: pd.DataFrame, tmp_path: Path
) -> None:
    last = _last_year_workbook(
        tmp_path / "1275_2017_konsolidasi.xlsx",
        [("IK01.09", 8.5, 81.81), ("IK07.20", 95.0, 60.0), ("IK07.06", 0.0, 100.0)],
    )
    out = tmp_path / "out"
    result = run_report(INPUT_DIR, out, "--tahun-lalu", str(last))
    assert result.returncode == 0, result.stderr
    ind = read_sheet(out / "1275_2018_konsolidasi.xlsx", "Indikator").set_index("Kode Indikator")
    expected = {  # this year's capaian (golden) minus last year's, in points, as both are
        # shown (88,26 − 81,81 = 6,45 on the page, not the 6,4479 of the unrounded capaian)
        "IK01.09": (8.5, 81.81, 88.26 - 81.81),
        "IK07.20": (95.0, 60.0, 74.64 - 60.0),
        "IK07.06": (0.0, 100.0, 0.0),
    }
    for code, (realisasi, capaian, change) in expected.items():
        row = ind.loc[code]
        assert row["Realisasi Tahun Lalu"] == pytest.approx(realisasi), code
        assert row["Capaian Tahun Lalu (%)"] == pytest.approx(capaian), code
        assert row["Perubahan Capaian (poin)"] == pytest.approx(change, abs=1e-9), code
    # the workbook compared with is on the record, as every input file is
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    sha = hashlib.sha256(last.read_bytes()).hexdigest()
    assert manifest["tahun_lalu"] == {"berkas": last.name, "sha256": sha}
    others = ind.drop(index=list(expected))
    assert others["Capaian Tahun Lalu (%)"].isna().all()  # not in last year's file: no change
    assert others["Perubahan Capaian (poin)"].isna().all()
    assert indikator["Perubahan Capaian (poin)"].isna().all()  # and none without --tahun-lalu


def test_last_years_indicator_of_another_polarity_is_not_compared(tmp_path: Path) -> None:
    """IK01.02 was 'naik' last year and is 'turun' now: its capaian of 180 % and of 20 % are
    no one measure, yet a change of -160 points was shown without a word."""
    last = tmp_path / "1275_2017_konsolidasi.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Indikator"
    realisasi = "Realisasi Dipakai (angka/peringkat)"
    ws.append(["Kode Indikator", "Kode OPD", "Polaritas", realisasi, "Capaian (%)"])
    ws.append(["IK01.02", "INSPEKTORAT", "naik", 9.0, 180.0])
    ws.append(["IK01.09", "BPKPAD", "naik", 8.5, 81.81])
    wb.save(last)
    out = tmp_path / "out"
    result = run_report(INPUT_DIR, out, "--tahun-lalu", str(last))
    assert result.returncode == 0, result.stderr
    ind = read_sheet(out / "1275_2018_konsolidasi.xlsx", "Indikator").set_index("Kode Indikator")
    assert pd.isna(ind.loc["IK01.02", "Capaian Tahun Lalu (%)"])
    assert pd.isna(ind.loc["IK01.02", "Perubahan Capaian (poin)"])
    assert ind.loc["IK01.09", "Capaian Tahun Lalu (%)"] == pytest.approx(81.81)
    said = pd.read_csv(out / "validasi.csv", dtype=str)
    notes = said[said["rule"] == "tahun_lalu.catatan"]["message"].tolist()
    note = [n for n in notes if "polaritas" in n]  # beside 'hanya 2 dari 132 kode …'
    assert len(note) == 1 and "IK01.02 (naik → turun)" in note[0], notes
    assert "IK01.02 (naik → turun)" in result.stderr


def test_a_previous_year_file_the_reader_must_not_open_is_refused_unread(tmp_path: Path) -> None:
    """Last year's workbook is read in the run's own process: one cell far outside its table
    would end it, so it is screened as a spec is (the report goes on without the comparison)."""
    last = _last_year_workbook(tmp_path / "lalu.xlsx", [("IK01.09", 8.5, 81.81)])
    far = tmp_path / "lalu_jauh.xlsx"
    far_cell(far, last, sheet_parts(zipfile.ZipFile(last))["Indikator"])
    done = run_limited(
        "import sys; from pathlib import Path\n"
        "from pipeline.workbook import read_previous_report\n"
        "print(len(read_previous_report(Path(sys.argv[1]))))\n"
        "try:\n"
        "    read_previous_report(Path(sys.argv[2]))\n"
        "except ValueError as exc:\n"
        "    print(exc)\n",
        str(last),
        str(far),
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.splitlines()[0] == "1"
    assert "sheet 'Indikator' memuat sel sampai baris 1.048.576 dan kolom XFD" in done.stdout


def test_efisiensi_sheet_recomputes(workbook_path: Path) -> None:
    eff = read_sheet(workbook_path, "Efisiensi")
    rows = eff.dropna(subset=["Rata-rata Capaian (%)", "Serapan (%)"])
    assert len(rows) > 10
    diff = rows["Rata-rata Capaian (%)"] - rows["Serapan (%)"]
    assert rows["Capaian − Serapan (poin)"].tolist() == pytest.approx(diff.tolist())
    band = rows["Kategori Efisiensi"]
    assert (band[diff > 5] == "efisien").all()
    assert (band[diff < -5] == "tidak efisien").all()
    assert (band[diff.abs() <= 5] == "cukup efisien").all()
    total = eff[eff["Tingkat"] == "Keseluruhan"].iloc[0]
    assert total["Jenis Sisa"].startswith("sisa anggaran")  # not every target was met


def test_indikator_and_anggaran_recompute_from_their_own_columns(
    workbook_path: Path, indikator: pd.DataFrame
) -> None:
    rows = indikator[indikator["Status"] == "dinilai"]
    t = pd.to_numeric(rows["Target"], errors="coerce")  # a ladder target stays text
    r = rows["Realisasi Dipakai (angka/peringkat)"].astype(float)
    naik = rows["Rumus"] == "R/T×100"
    turun = rows["Rumus"] == "(2T−R)/T×100, minimum 0"
    assert naik.sum() > 50 and turun.sum() > 10
    assert rows.loc[naik, "Capaian (%)"].tolist() == pytest.approx((r / t * 100)[naik].tolist())
    expected_turun = ((2 * t - r) / t * 100).clip(lower=0)[turun]
    assert rows.loc[turun, "Capaian (%)"].tolist() == pytest.approx(expected_turun.tolist())
    capped = rows["Capaian (%)"].clip(upper=120, lower=0)
    assert rows["Capaian untuk Rata-rata (%)"].tolist() == pytest.approx(capped.tolist())
    assert set(rows.loc[rows["Capaian (%)"] > 120, "Capaian Dibatasi?"]) == {"ya"}

    anggaran = read_sheet(workbook_path, "Anggaran").dropna(subset=["Serapan (%)"])
    ratio = anggaran["Realisasi Anggaran (Rp)"] / anggaran["Pagu (Rp)"] * 100
    assert anggaran["Serapan (%)"].tolist() == pytest.approx(ratio.tolist())


def _rows(path: Path, sheet: str) -> list[list[object]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    return [list(r) for r in wb[sheet].iter_rows(values_only=True)]


def test_tabel_bab3_has_the_seed_layout_with_corrected_numbers(workbook_path: Path) -> None:
    rows = _rows(workbook_path, "Tabel Bab III")
    titles = [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("Tabel 3.")]
    assert titles[:2] == [
        "Tabel 3.3 Realisasi Sasaran Pertama (S01): Terwujudnya tata kelola pemerintahan yang "
        "bersih, efektif, demokratis dan terpercaya",
        "Tabel 3.4 Realisasi Sasaran Kedua (S02): Terwujudnya peningkatan kualitas pelayanan "
        "publik",
    ]
    # every Sasaran of the spec keeps its numbered table, S09 (no indicator) included
    tables = [t for t in titles if "(lanjutan)" not in t]
    assert [t.split()[1] for t in tables] == [f"3.{n}" for n in range(3, 17)]
    s09 = tables[8]
    assert s09.startswith("Tabel 3.11 Realisasi Sasaran Kesembilan (S09)")
    assert any(str(r[1]).startswith("Belum ada indikator kinerja") for r in rows)
    header = next(r for r in rows if r[0] == "No")
    assert header[:6] == [
        "No",
        "Indikator Kinerja Utama",
        "Target",
        "Realisasi",
        "Persentase Capaian Kinerja (%)",
        "Predikat",
    ]
    pad = next(r for r in rows if r[1] == "Rasio PAD terhadap Total APBD")
    assert pad[2:4] == ["10,39%", "9,17%"]
    assert pad[4] == pytest.approx(88.2579, abs=1e-3)
    assert pad[5] == "Tinggi"
    opini = next(r for r in rows if r[1] == "Opini BPK terhadap laporan keuangan daerah")
    assert opini[2:6] == ["WTP", "WTP", 100, "Sangat Tinggi"]
    # realisations at the indicator's own precision: the target 267.352 has none, the
    # realisation (a mean) keeps the displayed two; 0,0029 keeps its four.
    rs = next(r for r in rows if r[1] == "Rasio Rumah Sakit per satuan penduduk")
    assert rs[3] == "30.102,89 rasio 1:N penduduk"
    ds = next(r for r in rows if r[1] == "Angka Putus Sekolah SD/MI")
    assert ds[2:4] == ["0,0029%", "0,002%"]
    averages = [r for r in rows if str(r[1]).startswith("Rata-rata capaian Sasaran")]
    assert len(averages) == 13
    assert averages[0][1] == "Rata-rata capaian Sasaran Pertama"
    notes = [r[0] for r in rows if str(r[0]).startswith("Rata-rata sederhana dari")]
    assert len(notes) == 13
    # S05: the only scored indicator is 200 %, capped at 120: the note says so
    s05 = next(n for n in notes if "1 indikator dinilai; capaian di atas 120%" in n)
    assert "No 1 dihitung 120,00 (capaian 200,00)" in s05


def test_e81_sheet_per_opd_with_footer(workbook_path: Path) -> None:
    rows = _rows(workbook_path, "E.81")
    blocks = [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("Renja Perangkat")]
    assert len(blocks) == 28  # every OPD with programs (Setda and a kecamatan included)
    labels = {r[0] for r in rows if isinstance(r[0], str)}
    assert {
        "Rata-rata capaian kinerja (%)",
        "Predikat kinerja",
        "Faktor pendorong keberhasilan kinerja",
        "Faktor penghambat pencapaian kinerja",
        "Tindak lanjut yang diperlukan dalam triwulan berikutnya",
        "Tindak lanjut yang diperlukan dalam RKPD/Renja berikutnya",
    } <= labels
    predikat = [r for r in rows if r[0] == "Predikat kinerja"]
    assert {r[21] for r in predikat} | {r[22] for r in predikat} <= {
        "ST",
        "T",
        "S",
        "R",
        "SR",
        "-",
    }
    p001 = next(r for r in rows if r[2] == "P001")
    # columns 6, 7, 8 (K, Rp): numbers, Rupiah whole (shown in millions)
    assert p001[5:11] == [100, 578_742_636_846, 95, 176_345_203_244, 100, 96_457_106_141]
    assert p001[20] == 88_172_601_622  # 13 (Rp): the yearly realisation of today's template


def test_kelengkapan_by_opd(workbook_path: Path) -> None:
    kel = read_sheet(workbook_path, "Kelengkapan").set_index("Kode OPD")
    assert kel.loc["KESBANGPOL", "Status Pengiriman"] == "belum mengirim"
    assert kel.loc["DISHUB", "Status Pengiriman"] == "terlambat"
    assert kel.loc["DINKES", "Status Pengiriman"] == "tepat waktu"
    assert (kel["Status Pengiriman"] == "tepat waktu").sum() == 30


def test_source_cells_link_into_the_opd_files(workbook_path: Path) -> None:
    with zipfile.ZipFile(workbook_path) as zf:
        rels = [n for n in zf.namelist() if n.startswith("xl/worksheets/_rels/")]
        text = "".join(zf.read(n).decode() for n in rels)
    # Relative links, written the way Excel writes them (backslashes, URL-escaped).
    assert "input_xlsx\\Badan%20Pengelolaan" in text
    assert 'Target="..' in text
    assert "file:///" not in text


def test_a_reader_that_goes_away_is_not_a_failed_run(tmp_path: Path) -> None:
    """`make report | head`: standard output closed before the summary is printed. The outputs
    are in place; the run must not say they could not be written, nor end with an error."""
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "report",
            "--spec",
            str(SPEC_PATH),
            "--input",
            str(INPUT_DIR),
            "--output",
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # nobody reads the summary
    err = proc.stderr.read()
    assert proc.wait(timeout=600) == 0, err
    assert "tidak dapat ditulis" not in err and "Traceback" not in err, err
    assert (out / "1275_2018_konsolidasi.xlsx").is_file()
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["tahun"] == 2018


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_standard_output_that_is_full_is_not_a_failed_run(tmp_path: Path) -> None:
    """`make report > /dev/full`: the summary cannot be written. The run said 'Keluaran tidak
    dapat ditulis … (disk penuh); keluaran sebelumnya tidak diubah' with exit 10 while the new
    outputs were in place, and `check` ended in a traceback: both end as they would have."""
    out = tmp_path / "out"
    common = ["--spec", str(SPEC_PATH), "--input", str(INPUT_DIR)]
    for command in (["report", *common, "--output", str(out)], ["check", *common]):
        with open("/dev/full", "w") as full:
            done = subprocess.run(
                [sys.executable, "-m", "pipeline", *command],
                check=False,
                cwd=ROOT,
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                timeout=600,
            )
        assert done.returncode == 0, done.stderr
        assert "tidak dapat ditulis" not in done.stderr and "Traceback" not in done.stderr
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["tahun"] == 2018


def test_a_home_folder_that_cannot_be_written_prints_no_english(tmp_path: Path) -> None:
    """A service account whose home cannot be written (here a file, which no user, root
    included, can make a folder in): matplotlib warned in English at every run ('mkdir -p
    failed … Matplotlib created a temporary cache directory …'). The run gives it a private
    folder, removes it at the end, and its charts are drawn all the same."""
    home = tmp_path / "home"
    home.write_text("bukan folder", encoding="utf-8")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("MPL", "XDG_")) and k != "HOME"
    }
    env |= {"HOME": str(home), "TMPDIR": str(temp)}
    out = tmp_path / "out"
    done = run_report(INPUT_DIR, out, env=env)
    assert done.returncode == 0, done.stderr
    assert "matplotlib" not in done.stderr.lower() and "Traceback" not in done.stderr
    assert sorted(p.name for p in (out / "charts").glob("*.png"))  # drawn
    assert list(temp.iterdir()) == []  # its private folder is gone


def test_a_previous_year_file_that_does_not_fit_is_said_in_indonesian(tmp_path: Path) -> None:
    """Text in a number cell leaves that indicator without a comparison, named by its cell; a
    workbook of this year (or a later one) or without the Indikator sheet gives no comparison
    at all; each is one Indonesian WARNING and the report is written."""
    text_cell = _last_year_workbook(
        tmp_path / "1275_2017_konsolidasi.xlsx", [("IK01.09", 8.5, 81.81), ("IK07.20", 95.0, 60.0)]
    )
    wb = openpyxl.load_workbook(text_cell)
    wb["Indikator"]["B3"] = "abc"
    wb.save(text_cell)
    result = run_report(INPUT_DIR, tmp_path / "a", "--tahun-lalu", str(text_cell))
    assert result.returncode == 0, result.stderr
    assert "sel B3 sheet Indikator berisi 'abc', bukan angka" in result.stderr
    ind = read_sheet(tmp_path / "a" / "1275_2018_konsolidasi.xlsx", "Indikator")
    ind = ind.set_index("Kode Indikator")
    assert ind.loc["IK01.09", "Capaian Tahun Lalu (%)"] == pytest.approx(81.81)
    assert pd.isna(ind.loc["IK07.20", "Realisasi Tahun Lalu"])  # 'abc': not compared
    same_year = _last_year_workbook(tmp_path / "1275_2018_konsolidasi.xlsx", [("IK01.09", 8, 80)])
    no_sheet = tmp_path / "lain.xlsx"
    openpyxl.Workbook().save(no_sheet)
    # banner and title cleared: nothing says whose it is, and none of its codes is ours (every
    # indicator was left without a comparison, without a word)
    no_code = _last_year_workbook(tmp_path / "tanpa_judul.xlsx", [("A.1", 8, 80), ("B.2", 9, 90)])
    for path, words in (
        (same_year, "ini laporan tahun 2018, bukan tahun sebelum 2018"),
        (no_sheet, "tidak memiliki sheet 'Indikator'"),
        (no_code, "tidak satu pun dari 132 kode indikator master spec ada di sheet Indikator"),
    ):
        result = run_report(INPUT_DIR, tmp_path / path.stem, "--tahun-lalu", str(path))
        assert result.returncode == 0, result.stderr
        assert words in result.stderr and "perbandingan tahun lalu tidak dibuat" in result.stderr
        assert "Traceback" not in result.stderr
        ind = read_sheet(tmp_path / path.stem / "1275_2018_konsolidasi.xlsx", "Indikator")
        assert ind["Capaian Tahun Lalu (%)"].isna().all()
        # not only on the terminal: in validasi.csv (and the Validasi sheet) as well
        csv = pd.read_csv(tmp_path / path.stem / "validasi.csv", dtype=str)
        said = csv[csv["rule"] == "tahun_lalu.tidak_dipakai"]
        assert len(said) == 1 and words in said.iloc[0]["message"]


def test_a_source_link_survives_a_hash_or_percent_in_the_file_name(tmp_path: Path) -> None:
    """'KESRA #1 [final] 100%.xlsx': the link was cut at '#' ('..\\\\KESRA%20'), and '%' was
    not escaped. The relationship target, unescaped, is the file's own name."""
    folder = copy_inputs(tmp_path)
    name = "KESRA #1 [final] 100%.xlsx"
    input_file(folder, "BAG_KESRA").rename(folder / name)
    out = tmp_path / "out"
    result = run_report(folder, out)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out / "1275_2018_konsolidasi.xlsx") as zf:
        rels = [n for n in zf.namelist() if n.startswith("xl/worksheets/_rels/")]
        text = "".join(zf.read(n).decode() for n in rels)
    targets = [unquote(t).replace("\\", "/") for t in re.findall(r'Target="([^"]*)"', text)]
    assert any(t.endswith(f"/{name}") for t in targets), [t for t in targets if "KESRA" in t]


def test_a_capaian_that_cannot_be_computed_is_said_at_its_cell(tmp_path: Path) -> None:
    """Under T/R a lower-is-better realisation of 0 (the best possible) has no capaian: the
    indicator leaves every average, and a WARNING at its realisation cell says why (before,
    only its Keterangan did)."""
    from pipeline import template as tpl
    from pipeline.run import load_and_run

    spec = _spec_with(tmp_path, {"rumus_turun": "T/R"})
    inbox = tmp_path / "masuk"
    shutil.copytree(INPUT_DIR, inbox)
    column = next(i for i, c in enumerate(tpl.INDIKATOR_COLUMNS) if c.key == "realisasi_tahunan")
    where = None
    for path in sorted(inbox.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        ws = wb[tpl.SHEET_INDIKATOR]
        for row in ws.iter_rows(min_row=tpl.HEADER_ROW + 1):
            if row[0].value == "IK07.20":
                row[column].value = 0
                where = (path.name, row[column].coordinate)
                wb.save(path)
                break
        if where:
            break
    assert where is not None
    run, issues = load_and_run(spec, inbox)
    assert run is not None, issues
    found = run.issues[run.issues["rule"] == "capaian.tidak_dapat_dihitung"]
    assert found[["file", "cell", "kode_indikator", "severity"]].values.tolist() == [
        [where[0], where[1], "IK07.20", "WARNING"]
    ]
    assert "realisasi 0: rumus T/R tidak dapat dihitung" in found.iloc[0]["message"]


def test_messages_show_a_capaian_with_the_specs_display_decimals(tmp_path: Path) -> None:
    """With desimal_tampilan 1 every cell shows 77,5; the message beside it said 77,54%."""
    from pipeline.run import load_and_run

    run, issues = load_and_run(_spec_with(tmp_path, {"desimal_tampilan": "1"}), INPUT_DIR)
    assert run is not None, issues
    said = run.issues[
        (run.issues["rule"] == "nilai.penghambat_kosong")
        & (run.issues["kode_indikator"] == "IK01.13")
    ]
    assert said.iloc[0]["message"].startswith("Capaian 77,5% (realisasi 80 ")
    default, _ = load_and_run(SPEC_PATH, INPUT_DIR)
    assert default is not None
    same = default.issues[
        (default.issues["rule"] == "nilai.penghambat_kosong")
        & (default.issues["kode_indikator"] == "IK01.13")
    ]
    assert same.iloc[0]["message"].startswith("Capaian 77,54% ")


def test_last_years_workbook_of_another_pemda_without_its_indikator_banner_is_not_used(
    tmp_path: Path,
) -> None:
    """A Langkat workbook whose Indikator banner was cleared, under a neutral name, was used
    without a word: its Ringkasan title still says whose it is."""
    last = tmp_path / "laporan_lalu.xlsx"
    wb = openpyxl.Workbook()
    ring = wb.active
    ring.title = "Ringkasan"
    ring["A2"] = "Ringkasan Capaian Kinerja Pemerintah Kabupaten Langkat Tahun 2017"
    ws = wb.create_sheet("Indikator")
    ws.append(["Kode Indikator", "Realisasi Dipakai (angka/peringkat)", "Capaian (%)"])
    ws.append(["IK01.09", 8.5, 81.81])
    wb.save(last)
    out = tmp_path / "out"
    result = run_report(INPUT_DIR, out, "--tahun-lalu", str(last))
    assert result.returncode == 0, result.stderr
    assert "Pemerintah Kabupaten Langkat" in result.stderr
    assert "perbandingan tahun lalu tidak dibuat" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tahun_lalu"] == {}


@pytest.mark.parametrize(
    ("name", "banner", "refused"),
    [
        ("1275_2017_konsolidasi.xlsx", "Laporan Kinerja Pemerintah Kota Binjai Tahun 2017", False),
        # another Pemda whose name holds this one's (Kab. Bandung / Kab. Bandung Barat)
        ("x.xlsx", "Laporan Kinerja Pemerintah Kota Binjai Utara Tahun 2017", True),
        # a banner that fits, but the file named for another Kode Pemda
        ("1276_2017_konsolidasi.xlsx", "Laporan Kinerja Pemerintah Kota Binjai Tahun 2017", True),
        # two years ago: shown under 'Tahun Lalu' it would be last year's
        ("x.xlsx", "Laporan Kinerja Pemerintah Kota Binjai Tahun 2016", True),
        ("1275_2016_konsolidasi.xlsx", "", True),
    ],
)
def test_last_years_workbook_of_another_pemda_is_not_used(
    name: str, banner: str, refused: bool
) -> None:
    from pipeline.cli import _other_report
    from pipeline.run import load_spec

    spec, _ = load_spec(SPEC_PATH)
    assert spec is not None
    assert bool(_other_report(Path(name), banner, spec)) == refused


def test_hand_edited_cells_of_last_years_workbook_are_read_as_shown_or_left_out(
    tmp_path: Path,
) -> None:
    """A hand-edited last year's workbook: 'inf' typed in a Capaian cell stopped the report
    with decimal.InvalidOperation; '112,99%' typed (stored 1,1299, formatted as a percent)
    was compared as 1,13; a row copied twice was compared with whichever came first; and
    without its Kode OPD column both OPDs of a shared indicator got the first OPD's year.
    Now: the percent is read as shown, the others are left out, each said by its cells."""
    from pipeline.score import compare_previous
    from pipeline.workbook import read_previous_report

    path = _last_year_workbook(
        tmp_path / "1275_2017_konsolidasi.xlsx",
        [
            ("IK01.09", 8.5, 1.1299),  # row 2: typed as 112,99 %
            ("IK07.20", 95.0, 60.0),
            ("IK07.06", 1.0, 50.0),  # rows 4 and 5: the same indicator twice
            ("IK07.06", 0.0, 100.0),
            ("IK02.01", 3.0, 75.0),  # row 6: 'inf'
        ],
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["Indikator"]
    ws["C2"].number_format = "0.00%"
    ws["C6"] = "inf"
    wb.save(path)
    last = read_previous_report(path)
    notes = " | ".join(last.attrs["catatan"])
    assert "sel C2 sheet Indikator berformat persen: dibaca sebagai 112,99" in notes
    assert "sel C6 sheet Indikator berisi 'inf', bukan angka yang dapat dipakai" in notes
    assert "IK07.06 ada di lebih dari satu baris sheet Indikator (baris 4, 5;" in notes
    this_year = pd.DataFrame(
        {
            "kode_indikator": ["IK01.09", "IK07.20", "IK07.06", "IK02.01"],
            "capaian_mentah": [88.26, 74.64, 100.0, 80.0],
        }
    )
    got = compare_previous(this_year, last).set_index("kode_indikator")
    assert got.loc["IK01.09", "capaian_tahun_lalu"] == pytest.approx(112.99)
    assert got.loc["IK01.09", "perubahan_capaian"] == pytest.approx(88.26 - 112.99)
    assert got.loc["IK07.20", "perubahan_capaian"] == pytest.approx(74.64 - 60.0)
    assert got.loc[["IK07.06", "IK02.01"], "capaian_tahun_lalu"].isna().all()
    result = run_report(INPUT_DIR, tmp_path / "out", "--tahun-lalu", str(path))
    assert result.returncode == 0, result.stderr  # it ended in a traceback
    assert "Traceback" not in result.stderr


def test_a_renamed_column_of_last_years_workbook_is_the_one_named(tmp_path: Path) -> None:
    """'Capaian (%)' retitled 'Capaian 2017 (%)': the message listed all three columns the
    comparison needs, the two present among them."""
    from pipeline.workbook import read_previous_report

    path = _last_year_workbook(tmp_path / "1275_2017_konsolidasi.xlsx", [("IK01.09", 8.5, 81.8)])
    wb = openpyxl.load_workbook(path)
    wb["Indikator"]["C1"] = "Capaian 2017 (%)"
    wb.save(path)
    with pytest.raises(ValueError) as raised:
        read_previous_report(path)
    assert str(raised.value) == (
        "kolom tidak ada di sheet Indikator (lima baris teratas): 'Capaian (%)'"
    )


def _with_ringkasan(path: Path, *lines: str) -> Path:
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Ringkasan", 0)
    for line in lines:
        ws.append([line])
    wb.save(path)
    return path


def test_last_years_quarter_report_is_not_used_and_a_draft_is_said(tmp_path: Path) -> None:
    """Last year's TW2 report (its figures those of half a year) was compared as last year's;
    a DRAFT one without a word. The quarter's is not used; the DRAFT's is, with a WARNING."""

    def last_years(folder: Path, status: str, period: str) -> Path:
        folder.mkdir(exist_ok=True)
        rows = [("IK01.09", 8.5, 81.81), ("IK07.20", 95.0, 60.0)]
        return _with_ringkasan(
            _last_year_workbook(folder / "1275_2017_konsolidasi.xlsx", rows),
            status,
            "Ringkasan Capaian Kinerja Pemerintah Kota Binjai Tahun 2017",
            period,
        )

    quarter = last_years(
        tmp_path,
        "FINAL — tidak ada ERROR validasi",
        "Periode TW2 (realisasi TW I–II terhadap target tahunan) · RPJMD 2016–2021",
    )
    result = run_report(INPUT_DIR, tmp_path / "a", "--tahun-lalu", str(quarter))
    assert result.returncode == 0, result.stderr
    assert "ini laporan periode TW2, bukan laporan tahunan" in result.stderr
    assert "perbandingan tahun lalu tidak dibuat" in result.stderr
    ind = read_sheet(tmp_path / "a" / "1275_2018_konsolidasi.xlsx", "Indikator")
    assert ind["Capaian Tahun Lalu (%)"].isna().all()
    draft = last_years(
        tmp_path / "draf",
        "DRAFT — belum final: 3 ERROR belum diperbaiki (lihat Perlu perhatian)",
        "Periode Tahunan · RPJMD 2016–2021",
    )
    result = run_report(INPUT_DIR, tmp_path / "b", "--tahun-lalu", str(draft))
    assert result.returncode == 0, result.stderr
    assert "laporan itu berstatus DRAFT" in result.stderr
    # its Ringkasan deleted: the Indikator sheet's banner says DRAFT as well
    wb = openpyxl.load_workbook(draft)
    del wb["Ringkasan"]
    wb["Indikator"].insert_rows(1)
    wb["Indikator"]["A1"] = (
        "DRAFT — Capaian per Indikator — Pemerintah Kota Binjai Tahun 2017 (belum final)"
    )
    wb.save(draft)
    result = run_report(INPUT_DIR, tmp_path / "c", "--tahun-lalu", str(draft))
    assert result.returncode == 0, result.stderr
    assert "laporan itu berstatus DRAFT" in result.stderr
    ind = read_sheet(tmp_path / "b" / "1275_2018_konsolidasi.xlsx", "Indikator")
    assert ind.set_index("Kode Indikator").loc["IK01.09", "Capaian Tahun Lalu (%)"] == 81.81
