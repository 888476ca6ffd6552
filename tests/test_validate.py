"""Ingest and validation on real files: each defect gives its issue at its cell, nothing lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import fmt, schema
from pipeline import template as tpl
from pipeline.completeness import MELAPOR, TANPA_REALISASI
from pipeline.issues import ERROR, WARNING
from pipeline.master import MasterSpec
from pipeline.outputs import run_info
from pipeline.run import Run, run_pemda
from pipeline.validate.crossfile import _blank
from tests.conftest import copy_inputs, input_file

COL = {c.key: tpl.column_letter(tpl.INDIKATOR_COLUMNS, c.key) for c in tpl.INDIKATOR_COLUMNS}


def _issues(run: Run, rule: str) -> pd.DataFrame:
    return run.issues[run.issues["rule"] == rule]


def _row_of(path: Path, code: str) -> int:
    ws = openpyxl.load_workbook(path, read_only=True)[tpl.SHEET_INDIKATOR]
    for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if row and row[0] == code:
            return i
    raise LookupError(code)


def _edit(path: Path, sheet: str, cell: str, value: object) -> None:
    _edit_cells(path, sheet, {cell: value})


def _edit_cells(path: Path, sheet: str, cells: dict[str, object]) -> None:
    wb = openpyxl.load_workbook(path)
    for cell, value in cells.items():
        wb[sheet][cell] = value
    wb.save(path)


def _status(run: Run, name: str) -> str:
    berkas = run.validated.berkas.set_index("berkas")
    return str(berkas.loc[name, "status"])


def _scored(run: Run) -> set[str]:
    ind = run.results.indikator
    return set(ind.loc[ind["status"] == schema.STATUS_DINILAI, "kode_indikator"])


@pytest.fixture(scope="module")
def baseline(spec: MasterSpec) -> Run:
    from tests.conftest import INPUT_DIR

    return run_pemda(spec, INPUT_DIR)


def test_shipped_inputs_all_accepted_and_text_number_warned(baseline: Run) -> None:
    berkas = baseline.validated.berkas
    assert len(berkas) == 31
    assert set(berkas["status"]) <= schema.BERKAS_DIPAKAI
    warn = _issues(baseline, "nilai.teks_angka")
    assert len(warn) == 1
    rec = warn.iloc[0]
    assert (rec["kode_opd"], rec["sheet"], rec["kode_indikator"]) == (
        "BPKPAD",
        "Indikator",
        "IK01.09",
    )
    assert rec["cell"].startswith(COL["realisasi_tahunan"])
    ind = baseline.results.indikator.set_index("kode_indikator")
    assert ind.loc["IK01.09", "realisasi"] == pytest.approx(9.17)
    missing = _issues(baseline, "kelengkapan.belum_kirim")
    assert list(missing["kode_opd"]) == ["KESBANGPOL"]
    assert not len(_issues(baseline, "struktur.sidik_spec"))


def test_text_in_a_number_cell_is_an_error_at_that_cell(
    spec: MasterSpec, baseline: Run, tmp_path: Path
) -> None:
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DINKES")
    row = _row_of(path, "IK07.20")
    _edit(path, tpl.SHEET_INDIKATOR, f"{COL['realisasi_tahunan']}{row}", "delapan puluh tujuh")
    run = run_pemda(spec, folder)
    err = _issues(run, "nilai.bukan_angka")
    assert len(err) == 1
    assert err.iloc[0]["cell"] == f"{COL['realisasi_tahunan']}{row}"
    assert err.iloc[0]["severity"] == ERROR
    assert err.iloc[0]["file"] == path.name
    ind = run.results.indikator.set_index("kode_indikator")
    assert ind.loc["IK07.20", "status"] == schema.STATUS_TIDAK_DAPAT  # reported, but not valid
    assert _scored(run) == _scored(baseline) - {"IK07.20"}


def test_deleted_sheet_rejects_only_that_file(
    spec: MasterSpec, baseline: Run, tmp_path: Path
) -> None:
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DLH")
    wb = openpyxl.load_workbook(path)
    del wb[tpl.SHEET_INDIKATOR]
    wb.save(path)
    run = run_pemda(spec, folder)
    assert _status(run, path.name) == schema.BERKAS_DITOLAK
    assert any(_issues(run, "struktur.sheet_hilang")["file"] == path.name)
    dlh = set(spec.indikator_opd("DLH")["kode_indikator"])
    assert _scored(run) == _scored(baseline) - dlh


def test_a_date_in_a_number_cell_is_named_as_a_date(spec: MasterSpec, tmp_path: Path) -> None:
    """Excel turned '6.5' into a date: the message quoted '2018-05-06' and asked for a number
    'without a unit', which a clerk cannot act on."""
    import datetime as dt

    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BKD")
    cell = f"{COL['realisasi_tahunan']}{_row_of(path, 'IK04.02')}"
    wb = openpyxl.load_workbook(path)
    wb[tpl.SHEET_INDIKATOR][cell] = dt.datetime(2018, 5, 6)
    wb[tpl.SHEET_INDIKATOR][cell].number_format = "dd/mm/yyyy"
    wb.save(path)
    run = run_pemda(spec, folder)
    found = run.issues[(run.issues["file"] == path.name) & (run.issues["cell"] == cell)]
    assert found[["rule", "severity", "found"]].to_records(index=False).tolist() == [
        ("nilai.bukan_angka", ERROR, "6 Mei 2018")
    ]
    assert "Ubah format sel menjadi Angka" in found.iloc[0]["message"]
    assert "2018-05-06" not in found.iloc[0]["message"]


def test_a_word_in_a_number_cell_is_told_what_to_write(spec: MasterSpec, tmp_path: Path) -> None:
    """'belum' in a realisation and '1,2 juta' in a budget cell were both told 'write a number
    without a unit (for example 10,39)': no word of n/a for data not yet there, and an
    example no budget has."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BKD")
    real = f"{COL['realisasi_tahunan']}{_row_of(path, 'IK04.02')}"
    _edit(path, tpl.SHEET_INDIKATOR, real, "belum")
    letter = tpl.column_letter(tpl.ANGGARAN_COLUMNS, "realisasi_anggaran")
    money = f"{letter}{tpl.HEADER_ROW + 1}"
    _edit(path, tpl.SHEET_ANGGARAN, money, "1,2 juta")
    run = run_pemda(spec, folder)
    said = run.issues[
        (run.issues["file"] == path.name) & (run.issues["rule"] == "nilai.bukan_angka")
    ]
    by_cell = dict(zip(said["cell"], said["message"], strict=True))
    assert "tulis n/a dan jelaskan di Faktor Penghambat" in by_cell[real]
    assert "Rupiah saja" in by_cell[money] and "10,39" not in by_cell[money]


def test_an_inserted_column_with_notes_is_said_not_read(
    spec: MasterSpec, baseline: Run, tmp_path: Path
) -> None:
    """A clerk inserted a column 'Keterangan' and wrote 'sudah final' in it: the columns are
    read by their titles, and the note was dropped without a word."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DISKOPUKM")
    wb = openpyxl.load_workbook(path)
    ws = wb[tpl.SHEET_INDIKATOR]
    ws.insert_cols(12)
    ws.cell(tpl.HEADER_ROW, 12).value = "Keterangan"
    ws.cell(tpl.HEADER_ROW + 1, 12).value = "sudah final"
    ws.cell(tpl.HEADER_ROW, ws.max_column + 2).value = "Catatan"  # a title alone: nothing said
    wb.save(path)
    run = run_pemda(spec, folder)
    found = _issues(run, "struktur.kolom_tambahan")
    assert found[["file", "cell", "severity", "found"]].to_records(index=False).tolist() == [
        (path.name, f"L{tpl.HEADER_ROW + 1}", "INFO", "Keterangan")
    ]
    assert _scored(run) == _scored(baseline)


def test_a_deleted_budget_sheet_is_said_once(spec: MasterSpec, tmp_path: Path) -> None:
    """The Anggaran sheet deleted: its ERROR, and beside it one WARNING per program 'not on
    the Anggaran sheet (row deleted?)'. The indicators are still used."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DP3M")
    wb = openpyxl.load_workbook(path)
    del wb[tpl.SHEET_ANGGARAN]
    wb.save(path)
    run = run_pemda(spec, folder)
    mine = run.issues[run.issues["file"] == path.name]
    assert "struktur.program_hilang" not in set(mine["rule"])
    gone = mine[mine["rule"] == "struktur.sheet_hilang"]
    assert gone[["sheet", "severity"]].to_records(index=False).tolist() == [
        (tpl.SHEET_ANGGARAN, ERROR)
    ]
    ind = run.results.indikator
    assert (ind.loc[ind["kode_opd"] == "DP3M", "status"] == schema.STATUS_DINILAI).any()


def test_wrong_year_and_changed_target(spec: MasterSpec, tmp_path: Path) -> None:
    folder = copy_inputs(tmp_path)
    old = input_file(folder, "BPBD")
    _edit(old, tpl.SHEET_META, "B6", "2017")  # tahun is the 5th key
    changed = input_file(folder, "BKD")
    row = _row_of(changed, "IK04.01")
    _edit(changed, tpl.SHEET_INDIKATOR, f"{COL['target']}{row}", 11)
    run = run_pemda(spec, folder)
    assert _status(run, old.name) == schema.BERKAS_DITOLAK
    year = _issues(run, "struktur.tahun").iloc[0]
    assert (year["found"], year["expected"]) == ("2017", "2018")
    target = _issues(run, "struktur.baris_tidak_cocok").iloc[0]
    assert target["cell"] == f"{COL['target']}{row}"
    assert target["severity"] == ERROR  # the row may not be IK04.01's: its value is not used
    assert (target["found"], target["expected"]) == ("11", "94")
    ind = run.results.indikator.set_index("kode_indikator")
    assert ind.loc["IK04.01", "target_nilai"] == 94.0  # the spec's target, never the OPD's
    assert ind.loc["IK04.01", "status"] == schema.STATUS_TIDAK_DAPAT
    assert "Baris diurutkan atau disalin" in target["message"]


def test_a_template_older_than_the_spec_is_not_blamed_on_the_clerk(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """The secretariat changed a target and a pagu after sending the templates: the OPD was
    asked whether it sorted its rows or edited locked cells, though its template's
    fingerprint already said it was made from another version. Found and expected pagu are
    written alike ('1.863.751.850' against '1.942.017.000,00' read as different kinds)."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BKD")
    row = _row_of(path, "IK04.01")
    _edit(path, tpl.SHEET_INDIKATOR, f"{COL['target']}{row}", 11)
    wb = openpyxl.load_workbook(path)
    meta = wb[tpl.SHEET_META]
    cell = next(r[1] for r in meta.iter_rows() if r[0].value == "sidik_spec")
    cell.value = "0123456789abcdef"  # made from an earlier spec
    budget = wb[tpl.SHEET_ANGGARAN]
    pagu = tpl.column_letter(tpl.ANGGARAN_COLUMNS, "pagu")
    budget[f"{pagu}{tpl.HEADER_ROW + 1}"] = 1_863_751_850
    wb.save(path)
    run = run_pemda(spec, folder)
    found = _issues(run, "struktur.baris_tidak_cocok")
    mine = found[found["file"] == path.name]
    assert len(mine) == 2
    for message in mine["message"]:
        assert "Templat ini dibuat sebelum data sekretariat diubah" in message
        assert "diurutkan" not in message and "master spec" not in message
    money = mine[mine["sheet"] == tpl.SHEET_ANGGARAN].iloc[0]
    assert money["found"] == "1.863.751.850" and "," not in money["expected"]


def test_a_polarity_changed_by_the_secretariat_is_not_called_an_edit(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """A spec whose polarity changed after the templates went out told each OPD 'Sel
    terkunci Polaritas diubah', though nobody there touched it: a template made from another
    version of the spec (its fingerprint says so) is now told that, and that nothing is to be
    fixed. A current template whose locked cell was edited is still told it was edited."""
    folder = copy_inputs(tmp_path)
    for kode, made in (("BKD", "0123456789abcdef"), ("DISHUB", "")):
        path = input_file(folder, kode)
        wb = openpyxl.load_workbook(path)
        ws = wb[tpl.SHEET_INDIKATOR]
        row = tpl.HEADER_ROW + 1
        was = ws[f"{COL['polaritas']}{row}"].value
        ws[f"{COL['polaritas']}{row}"] = "turun" if was == "naik" else "naik"
        if made:
            meta = wb[tpl.SHEET_META]
            next(r[1] for r in meta.iter_rows() if r[0].value == "sidik_spec").value = made
        wb.save(path)
    run = run_pemda(spec, folder)
    found = _issues(run, "struktur.sel_terkunci_diubah").set_index("kode_opd")
    older, edited = found.loc["BKD", "message"], found.loc["DISHUB", "message"]
    assert "templat ini dibuat sebelum data sekretariat diubah" in older
    assert "tidak ada yang perlu diperbaiki" in older and "Sel terkunci" not in older
    assert edited.startswith("Sel terkunci 'Polaritas' diubah")


def test_every_file_is_accounted_for(spec: MasterSpec, tmp_path: Path) -> None:
    folder = copy_inputs(tmp_path)
    (folder / "~$Dinas Kesehatan - Capaian Kinerja 2018.xlsx").write_bytes(b"lock")
    (folder / "surat pengantar.pdf").write_bytes(b"%PDF-1.4 ...")
    (folder / "Dinas Sosial revisi.xlsx").write_bytes(b"%PDF-1.4 renamed")
    (folder / "kosong.xlsx").write_bytes(b"")
    run = run_pemda(spec, folder)
    berkas = run.validated.berkas.set_index("berkas")
    assert len(berkas) == 35
    assert berkas.loc["~$Dinas Kesehatan - Capaian Kinerja 2018.xlsx", "status"] == "diabaikan"
    assert berkas.loc["surat pengantar.pdf", "status"] == "diabaikan"
    assert berkas.loc["Dinas Sosial revisi.xlsx", "status"] == "ditolak"
    assert "PDF" in berkas.loc["Dinas Sosial revisi.xlsx", "alasan"]
    assert berkas.loc["kosong.xlsx", "status"] == "ditolak"


def test_an_excel_lock_file_is_no_opds_file(spec: MasterSpec, tmp_path: Path) -> None:
    """Excel leaves '~$<name>.xlsx' beside a workbook open on the secretariat's machine. It
    was counted as a file the OPD its name names had sent: 'Dinas Pendidikan mengirim 2
    berkas', the OPD asked to save the lock file again. It is listed, ignored, and no OPD's."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DISDIK")
    (folder / f"~${path.name}").write_bytes(b"lock")
    path.write_bytes(b"")  # the OPD's own file broken: its row says what it sent
    run = run_pemda(spec, folder)
    berkas = run.validated.berkas.set_index("berkas")
    assert berkas.loc[f"~${path.name}", "status"] == "diabaikan"
    assert berkas.loc[f"~${path.name}", "kode_opd"] == ""
    assert berkas.loc[path.name, "kode_opd"] == "DISDIK"
    refused = _issues(run, "kelengkapan.berkas_ditolak").set_index("kode_opd")
    message = refused.loc["DISDIK", "message"]
    assert "mengirim 1 berkas" in message and "~$" not in message
    assert not (
        run.issues["message"].str.contains("~$", regex=False) & (run.issues["kode_opd"] != "")
    ).any()


def test_duplicate_submission_newest_wins(spec: MasterSpec, tmp_path: Path) -> None:
    folder = copy_inputs(tmp_path)
    original = input_file(folder, "DISHUB")
    newer = folder / "Dishub revisi.xlsx"
    shutil.copy(original, newer)
    wb = openpyxl.load_workbook(newer)  # openpyxl stamps 'now' as modified: newer than 2019
    ws = wb[tpl.SHEET_INDIKATOR]
    row = _row_of(newer, "IK08.12")
    ws[f"{COL['realisasi_tahunan']}{row}"] = 5
    wb.save(newer)
    run = run_pemda(spec, folder)
    assert _status(run, original.name) == schema.BERKAS_DIGANTIKAN
    assert _status(run, newer.name) == schema.BERKAS_DITERIMA
    superseded = _issues(run, "berkas.digantikan").iloc[0]
    assert superseded["file"] == original.name
    assert newer.name in superseded["message"]
    ind = run.results.indikator.set_index("kode_indikator")
    assert ind.loc["IK08.12", "realisasi"] == 5.0
    assert ind.loc["IK08.12", "berkas"] == newer.name


def test_opd_own_capaian_disagreement_names_both_numbers(baseline: Run) -> None:
    diff = _issues(baseline, "nilai.capaian_opd_berbeda")
    pad = diff[diff["kode_indikator"] == "IK01.09"].iloc[0]
    assert (pad["found"], pad["expected"]) == ("83,60", "88,26")
    assert pad["cell"].startswith(COL["capaian_opd"])
    # within 0,5 points is not flagged: no OPD figure equal to ours appears
    assert not diff["found"].eq(diff["expected"]).any()


def test_unit_mismatch_is_flagged(spec: MasterSpec, baseline: Run, tmp_path: Path) -> None:
    spec_warn = _issues(baseline, "spec.satuan")
    assert list(spec_warn["cell"].str[0]) == ["D"]  # satuan column of IK02.08 (per 1000 vs %)
    assert "IK02.08" in spec_warn.iloc[0]["message"]
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DINKES")
    row = _row_of(path, "IK07.19")  # Angka kematian bayi, satuan AKB/1000KH
    _edit(path, tpl.SHEET_INDIKATOR, f"{COL['realisasi_tahunan']}{row}", "4%")
    run = run_pemda(spec, folder)
    warn = _issues(run, "nilai.satuan_berbeda").iloc[0]
    assert warn["cell"] == f"{COL['realisasi_tahunan']}{row}"
    assert "AKB/1000KH" in warn["message"]


def test_a_percent_formatted_cell_of_a_count_is_refused(
    spec: MasterSpec, baseline: Run, tmp_path: Path
) -> None:
    """1 in a cell formatted 0% (it shows 100%) for an indicator counted in Puskesmas was read
    as 100 Puskesmas and scored 10.000 % of a target of 1, with two WARNINGs. Which number
    was meant cannot be told: an ERROR, the value left out; a percent indicator's percent
    cell is still read ×100."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DINKES")
    count, percent = _row_of(path, "IK07.27"), _row_of(path, "IK07.26")
    wb = openpyxl.load_workbook(path)
    ws = wb[tpl.SHEET_INDIKATOR]
    for row, value in ((count, 1), (percent, 0.925)):
        ws[f"{COL['realisasi_tahunan']}{row}"] = value
        ws[f"{COL['realisasi_tahunan']}{row}"].number_format = "0%"
    wb.save(path)
    run = run_pemda(spec, folder)
    mine = run.issues[run.issues["file"] == path.name]
    at = mine[mine["cell"] == f"{COL['realisasi_tahunan']}{count}"]
    assert at[["rule", "severity"]].to_records(index=False).tolist() == [
        ("nilai.format_persen_satuan", ERROR)
    ]
    assert "100%" in at.iloc[0]["message"] and "Puskesmas" in at.iloc[0]["message"]
    ind = run.results.indikator.set_index("kode_indikator")
    assert ind.loc["IK07.27", "status"] == schema.STATUS_TIDAK_DAPAT
    assert ind.loc["IK07.26", "realisasi"] == pytest.approx(92.5)
    assert _scored(run) == _scored(baseline) - {"IK07.27"}


def _bkd_quarters(
    tmp_path: Path, values: dict[str, tuple[object, list[object]]]
) -> tuple[Path, dict[str, int]]:
    """A copy of the inputs whose BKD file holds, per indicator, the annual cell and the four
    TW cells given; the folder and the indicators' rows."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BKD")
    rows = {code: _row_of(path, code) for code in values}
    tw = [COL[f"realisasi_tw{i}"] for i in range(1, 5)]
    cells: dict[str, object] = {}
    for code, (annual, quarters) in values.items():
        cells[f"{COL['realisasi_tahunan']}{rows[code]}"] = annual
        cells.update({f"{c}{rows[code]}": v for c, v in zip(tw, quarters, strict=True)})
    _edit_cells(path, tpl.SHEET_INDIKATOR, cells)
    return folder, rows


def _bpbd_quarters(folder: Path, quarters: list[object]) -> tuple[Path, dict[int, str]]:
    """BPBD's IK13.02 (nilai akhir) with no annual value and these TW I–IV values; returns the
    file and the TW cells."""
    path = input_file(folder, "BPBD")
    row = _row_of(path, "IK13.02")
    tw = {q: f"{COL[f'realisasi_tw{q}']}{row}" for q in range(1, 5)}
    typed = {tw[q]: value for q, value in enumerate(quarters, start=1)}
    _edit_cells(path, tpl.SHEET_INDIKATOR, {f"{COL['realisasi_tahunan']}{row}": None, **typed})
    return path, tw


def test_a_last_value_indicator_with_the_last_quarters_empty_is_warned(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """BPBD's IK13.02 (nilai akhir, target 84) with TW I–II only, in a yearly run: the TW II
    position (75) was scored as the year's value with no message, while a kumulatif
    indicator with a quarter left out is warned."""
    folder = copy_inputs(tmp_path)
    path, tw = _bpbd_quarters(folder, [70, 75, None, None])
    run = run_pemda(spec, folder)
    found = _issues(run, "kelengkapan.tw_tidak_lengkap")
    mine = found[found["kode_indikator"] == "IK13.02"]
    assert mine[["cell", "severity", "found"]].to_records(index=False).tolist() == [
        (tw[4], WARNING, "TW III, TW IV kosong atau n/a")
    ]
    assert "TW II (75)" in mine.iloc[0]["message"]
    ind = run.results.indikator.set_index("kode_indikator")
    assert ind.loc["IK13.02", "realisasi"] == 75  # still used, as the rule says
    _edit_cells(path, tpl.SHEET_INDIKATOR, {tw[3]: 78, tw[4]: 80})  # all four: nothing said
    run = run_pemda(spec, folder)
    found = _issues(run, "kelengkapan.tw_tidak_lengkap")
    assert "IK13.02" not in set(found["kode_indikator"])


def test_a_quarter_after_the_period_typed_is_named_with_the_value_used(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """A TW II run. BPBD's IK13.02 (nilai akhir) has TW I 70 and its TW II value 75 typed in
    the TW III column; BKD's IK04.02 (kumulatif) has only TW III 9. The Indikator sheet's
    realisation counts every quarter typed, so 75 and 9 were used, while the feedback said IK13.02
    used 'TW I (70)' as its TW II value and nothing at all of IK04.02. One WARNING at the TW III
    cell now names the quarter typed after the period, the period's empty quarters and the
    realisation used; the old contradicting message is not given for that row."""
    folder, rows = _bkd_quarters(tmp_path, {"IK04.02": (None, [None, None, 9, None])})
    _, tw = _bpbd_quarters(folder, [70, None, 75, None])
    run = run_pemda(spec.with_periode("TW2"), folder)
    later = _issues(run, "kelengkapan.tw_di_luar_periode").set_index("kode_indikator")
    assert sorted(later.index) == ["IK04.02", "IK13.02"]
    assert later.loc["IK13.02", "cell"] == tw[3]
    assert later.loc["IK13.02", "found"] == "TW III: 75"
    assert later.loc["IK13.02", "expected"] == "TW I–II terisi"
    assert later.loc["IK13.02", "severity"] == WARNING
    said = later.loc["IK13.02", "message"]
    assert "Triwulan I s/d II" in said and "TW II kosong" in said, said
    assert "(realisasi yang dipakai: 75)" in said, said
    assert later.loc["IK04.02", "cell"] == f"{COL['realisasi_tw3']}{rows['IK04.02']}"
    assert "TW I, TW II kosong" in later.loc["IK04.02", "message"]
    assert "(realisasi yang dipakai: 9)" in later.loc["IK04.02", "message"]
    ind = run.results.indikator.set_index("kode_indikator")
    assert ind.loc["IK13.02", "realisasi"] == 75 and ind.loc["IK04.02", "realisasi"] == 9
    gaps = _issues(run, "kelengkapan.tw_tidak_lengkap")
    assert not {"IK13.02", "IK04.02"} & set(gaps["kode_indikator"])
    # the yearly run of the same files: no period to fall outside of
    run = run_pemda(spec.with_periode("Tahunan"), folder)
    assert _issues(run, "kelengkapan.tw_di_luar_periode").empty


def test_a_ladder_annual_value_unlike_its_last_quarter_is_warned(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """BPKPAD's IK01.01 (a ladder, target WTP): TW IV 'WTP' and Realisasi Tahunan 'WDP'. The
    annual WDP is used (capaian 75 %) with no word, while numbers that disagree are warned."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BPKPAD")
    row = _row_of(path, "IK01.01")
    annual = f"{COL['realisasi_tahunan']}{row}"
    _edit_cells(path, tpl.SHEET_INDIKATOR, {f"{COL['realisasi_tw4']}{row}": "WTP", annual: "WDP"})
    run = run_pemda(spec, folder)
    found = _issues(run, "nilai.tw_tidak_konsisten")
    mine = found[found["kode_indikator"] == "IK01.01"]
    assert mine[["cell", "severity", "found", "expected"]].to_records(index=False).tolist() == [
        (annual, WARNING, "WDP", "WTP")
    ]
    assert run.results.indikator.set_index("kode_indikator").loc["IK01.01", "realisasi_teks"] == (
        "WDP"
    )
    _edit_cells(path, tpl.SHEET_INDIKATOR, {annual: "wtp"})  # the same value: nothing said
    found = _issues(run_pemda(spec, folder), "nilai.tw_tidak_konsisten")
    assert "IK01.01" not in set(found["kode_indikator"])


def test_annual_value_unlike_its_quarters_is_warned_at_the_annual_cell(
    spec: MasterSpec, tmp_path: Path
) -> None:
    # IK04.01 and IK04.02 (BKD) add their quarters up (kumulatif); IK04.03 has a quarter that
    # is not a number, so its row has no roll-up to compare with
    folder, rows = _bkd_quarters(
        tmp_path,
        {
            "IK04.01": (94, [20, 20, 20, 30]),  # 90: 4,3 % below the annual 94
            "IK04.02": (36, [9, 9, 9, 9]),  # 36: the same
            "IK04.03": (486, ["seratus", 100, 100, 100]),
        },
    )
    run = run_pemda(spec, folder)
    warn = _issues(run, "nilai.tw_tidak_konsisten")
    assert list(warn["kode_indikator"]) == ["IK04.01"]
    hit = warn.iloc[0]
    assert hit["cell"] == f"{COL['realisasi_tahunan']}{rows['IK04.01']}"
    assert hit["severity"] == "WARNING"
    assert (hit["found"], hit["expected"]) == ("94", "90")
    ind = run.results.indikator.set_index("kode_indikator")
    assert ind.loc["IK04.01", "realisasi"] == 94.0  # the annual cell is what is scored
    assert ind.loc["IK04.02", "realisasi"] == 36.0
    assert _issues(run, "nilai.bukan_angka")["kode_indikator"].tolist() == ["IK04.03"]


def test_edited_indicator_name_is_flagged(spec: MasterSpec, tmp_path: Path) -> None:
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DLH")
    row = _row_of(path, "IK12.03")
    _edit(path, tpl.SHEET_INDIKATOR, f"{COL['uraian_indikator']}{row}", "Rasio TPS (diubah OPD)")
    run = run_pemda(spec, folder)
    hit = _issues(run, "struktur.baris_tidak_cocok")
    assert list(hit["cell"]) == [f"{COL['uraian_indikator']}{row}"]
    assert hit.iloc[0]["found"] == "Rasio TPS (diubah OPD)"
    assert hit.iloc[0]["severity"] == ERROR
    ind = run.results.indikator.set_index("kode_indikator")
    assert ind.loc["IK12.03", "status"] == schema.STATUS_TIDAK_DAPAT


def test_rounding_or_a_cap_is_not_a_disagreement() -> None:
    from pipeline.validate.values import own_capaian_difference

    own = pd.Series([100.0, 120.0, 88.3, 83.6, 100.0])
    raw = pd.Series([100.64, 131.0, 88.26, 88.26, 131.0])
    capped = raw.clip(upper=120.0)
    diff = own_capaian_difference(own, raw, capped)
    # capped at 100 by the OPD; capped at the setting's 120; rounded: all within 0,5 points
    assert diff.iloc[:3].abs().max() <= 0.5
    # a real difference stays one, and 100 against 131 is the cap at 100, not a difference
    assert diff.iloc[3] == pytest.approx(-4.66)
    assert diff.iloc[4] == pytest.approx(0.0)


def test_a_quarter_left_out_of_a_kumulatif_sum_is_warned_at_its_cell(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """IK04.01 and IK04.02 (BKD) add their quarters up. With no annual value, a quarter left
    empty or 'n/a' between filled ones was silently left out of the sum (30+30+34 = 94 scored
    100 % against 94). The sum stays what the cells say; a WARNING names the empty quarter. All
    four filled, or an annual value, says nothing."""
    folder, rows = _bkd_quarters(
        tmp_path,
        {
            "IK04.01": (None, [30, "n/a", 30, 34]),
            "IK04.02": (None, [9, None, 9, None]),
            "IK04.03": (500, [100, None, 100, 100]),  # the annual value is used: nothing to say
        },
    )
    tw = [COL[f"realisasi_tw{i}"] for i in range(1, 5)]
    run = run_pemda(spec, folder)
    warn = _issues(run, "kelengkapan.tw_tidak_lengkap").set_index("kode_indikator")
    assert sorted(warn.index) == ["IK04.01", "IK04.02"]
    assert warn.loc["IK04.01", "cell"] == f"{tw[1]}{rows['IK04.01']}"
    assert warn.loc["IK04.01", "found"] == "TW II kosong atau n/a"
    assert "jumlah TW yang terisi (94)" in warn.loc["IK04.01", "message"]
    assert warn.loc["IK04.02", "found"] == "TW II, TW IV kosong atau n/a"
    assert "(18)" in warn.loc["IK04.02", "message"]
    assert set(warn["severity"]) == {"WARNING"}
    ind = run.results.indikator.set_index("kode_indikator")
    assert ind.loc["IK04.01", "realisasi"] == 94.0  # 30 + 34 + 30: the sum is unchanged
    assert ind.loc["IK04.02", "realisasi"] == 18.0


def test_blank_template_sent_back_is_not_a_report(spec: MasterSpec, tmp_path: Path) -> None:
    """BKD sends its blank template back (built by the template writer, read by the reader):
    the file is used, but BKD has not reported. One WARNING at its first realisation cell, and
    the OPD is *tanpa realisasi* in Kelengkapan, not among the OPDs that sent. One ``n/a``
    typed in the same template is an answer: then it has reported."""
    folder = copy_inputs(tmp_path)
    input_file(folder, "BKD").unlink()
    blank = tpl.build_template(spec, "BKD", folder / "BKD_kosong.xlsx")
    shutil.copy(blank, tmp_path / "bkd_kosong_asli.xlsx")
    codes = spec.indikator.loc[spec.indikator["kode_opd_list"].map(lambda c: "BKD" in c)]
    first = min(_row_of(blank, code) for code in codes["kode_indikator"])

    run = run_pemda(spec, folder)
    found = _issues(run, "kelengkapan.berkas_kosong")
    where = found[["file", "sheet", "cell", "kode_opd"]].to_records(index=False).tolist()
    cell = f"{COL['realisasi_tahunan']}{first}"
    assert where == [(blank.name, tpl.SHEET_INDIKATOR, cell, "BKD")]
    assert set(found["severity"]) == {"WARNING"}
    assert _status(run, blank.name) in schema.BERKAS_DIPAKAI
    info, kelengkapan = run_info(run)
    status = dict(zip(kelengkapan["kode_opd"], kelengkapan["status_kirim"], strict=True))
    assert status["BKD"] == TANPA_REALISASI
    assert info.opd_blank == 1
    assert info.opd_submitted == sum(s in MELAPOR for s in status.values())
    assert info.opd_submitted + 1 + info.opd_missing + info.opd_rejected <= info.opd_total

    # a Renja K typed for one quarter, nothing else: the OPD has reported
    renja = {c.key: tpl.column_letter(tpl.RENJA_COLUMNS, c.key) for c in tpl.RENJA_COLUMNS}
    only_k = tpl.build_template(spec, "BKD", tmp_path / "bkd_renja.xlsx")
    _edit(only_k, tpl.SHEET_RENJA, f"{renja['k_tw1']}{tpl.HEADER_ROW + 1}", 20)
    shutil.copy(only_k, blank)
    with_k = run_pemda(spec, folder)
    assert _issues(with_k, "kelengkapan.berkas_kosong").empty
    assert run_info(with_k)[0].opd_blank == 0

    shutil.copy(tmp_path / "bkd_kosong_asli.xlsx", blank)
    _edit(blank, tpl.SHEET_INDIKATOR, f"{COL['realisasi_tahunan']}{first}", "n/a")
    again = run_pemda(spec, folder)
    assert _issues(again, "kelengkapan.berkas_kosong").empty
    info_again, kel_again = run_info(again)
    assert info_again.opd_blank == 0
    again_status = dict(zip(kel_again["kode_opd"], kel_again["status_kirim"], strict=True))
    assert again_status["BKD"] in MELAPOR
    assert info_again.opd_submitted == info.opd_submitted + 1


def test_a_quarter_below_the_plausible_minimum_is_refused_at_its_cell(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """IK04.01 (BKD, kumulatif, batas_wajar_min 0) reported by its quarters only, one typed
    −5: the sum 65 would pass the minimum and be scored. The quarter is an ERROR at its cell
    and the indicator is not scored until fixed. IK04.02 has the same −5 beside an annual
    value, which is the one used: no such ERROR there."""
    folder, rows = _bkd_quarters(
        tmp_path,
        {"IK04.01": (None, [20, -5, 20, 30]), "IK04.02": (36, [9, -5, 9, 9])},
    )
    run = run_pemda(spec, folder)
    found = _issues(run, "nilai.tw_di_bawah_batas")
    where = found[["kode_indikator", "cell", "severity", "found", "expected"]]
    cell = f"{COL['realisasi_tw2']}{rows['IK04.01']}"
    assert where.to_records(index=False).tolist() == [("IK04.01", cell, ERROR, "-5", "0")]
    ind = run.results.indikator.set_index("kode_indikator")
    assert ind.loc["IK04.01", "status"] == schema.STATUS_TIDAK_DAPAT
    assert ind.loc["IK04.02", "status"] == schema.STATUS_DINILAI
    assert ind.loc["IK04.02", "realisasi"] == 36


@pytest.mark.parametrize(("typed", "shown"), [((0.85, "0%"), "85%"), ("85 %", "85 %")])
def test_a_budget_realisation_shown_as_a_percent_is_refused(
    spec: MasterSpec, tmp_path: Path, typed: object, shown: str
) -> None:
    """BKD's budget cell shows 85% (a percent-formatted 0,85, or typed): it was used as
    Rp 0,85 (or Rp 85) in the serapan with no message. An ERROR at the cell; not used."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BKD")
    wb = openpyxl.load_workbook(path)
    ws = wb[tpl.SHEET_ANGGARAN]
    letter = tpl.column_letter(tpl.ANGGARAN_COLUMNS, "realisasi_anggaran")
    code = str(spec.program.loc[spec.program["kode_opd"] == "BKD", "kode_program"].iloc[0])
    row = next(r[0].row for r in ws.iter_rows() if r[0].value == code)
    if isinstance(typed, tuple):
        ws[f"{letter}{row}"] = typed[0]
        ws[f"{letter}{row}"].number_format = typed[1]
    else:
        ws[f"{letter}{row}"] = typed
    wb.save(path)
    run = run_pemda(spec, folder)
    found = _issues(run, "anggaran.format_persen")
    where = found[["file", "sheet", "cell", "severity", "found"]].to_records(index=False).tolist()
    assert where == [(path.name, tpl.SHEET_ANGGARAN, f"{letter}{row}", ERROR, shown)]
    # the one message at the cell: not also "typed as text, read as 85"
    at = run.issues[(run.issues["file"] == path.name) & (run.issues["cell"] == f"{letter}{row}")]
    assert list(at["rule"]) == ["anggaran.format_persen"]
    prog = run.results.program.set_index("kode_program")
    assert pd.isna(prog.loc[code, "realisasi_anggaran"])


def test_a_formula_in_a_text_cell_is_not_lost_without_a_word(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """A formula with no stored result in BKD's Faktor Pendorong (openpyxl saves none) was
    read as empty with no message, while the same in a number cell is an ERROR: a WARNING
    at the cell now says the text could not be read."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BKD")
    row = _row_of(path, "IK04.01")
    cell = f"{COL['faktor_pendorong']}{row}"
    _edit(path, tpl.SHEET_INDIKATOR, cell, '=CONCATENATE("Dukungan ","pimpinan")')
    run = run_pemda(spec, folder)
    found = _issues(run, "nilai.rumus_teks")
    where = found[["cell", "severity", "kode_indikator"]].to_records(index=False).tolist()
    assert where == [(cell, "WARNING", "IK04.01")]
    assert "rumus tanpa nilai tersimpan" in found.iloc[0]["message"]


def test_a_copy_of_a_read_sheet_is_pointed_at(spec: MasterSpec, tmp_path: Path) -> None:
    """A clerk filled a copy of the Indikator sheet ('Indikator (2)', placed first) and added
    a notes sheet: only 'Indikator' is read, and nothing said so. A WARNING names the copy
    (its values are not used), an INFO the notes sheet; the file is still used."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BKD")
    wb = openpyxl.load_workbook(path)
    copy = wb.copy_worksheet(wb[tpl.SHEET_INDIKATOR])
    copy.title = "Indikator (2)"
    wb.move_sheet(copy, offset=-wb.index(copy))
    wb.create_sheet("Catatan")["A1"] = "catatan rapat"
    wb.save(path)
    run = run_pemda(spec, folder)
    found = _issues(run, "struktur.sheet_tambahan")
    got = found[["file", "sheet", "severity"]].to_records(index=False).tolist()
    assert sorted(got) == [(path.name, "Catatan", "INFO"), (path.name, "Indikator (2)", "WARNING")]
    assert _status(run, path.name) in schema.BERKAS_DIPAKAI


def test_a_copy_of_a_read_sheet_is_read_when_the_original_is_gone(
    spec: MasterSpec, baseline: Run, tmp_path: Path
) -> None:
    """A clerk renamed the Indikator sheet 'Indikator (2)' (or copied it and deleted the
    original): the whole file was refused, and a WARNING told it to move its values to a sheet
    'Indikator' that was no longer there. The one sheet holding the name is read as it, with
    the rename named; with two such copies nothing is guessed."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BAPPEDA")
    wb = openpyxl.load_workbook(path)
    wb[tpl.SHEET_INDIKATOR].title = "Indikator (2)"
    wb.save(path)
    run = run_pemda(spec, folder)
    mine = run.issues[run.issues["file"] == path.name]
    assert not (mine["severity"] == ERROR).any()
    renamed = mine[mine["rule"] == "struktur.nama_sheet"]
    assert renamed[["found", "expected"]].to_records(index=False).tolist() == [
        ("Indikator (2)", tpl.SHEET_INDIKATOR)
    ]
    assert "huruf besar/kecil" not in renamed.iloc[0]["message"]
    assert "struktur.sheet_tambahan" not in set(mine["rule"])
    assert _scored(run) == _scored(baseline)
    wb = openpyxl.load_workbook(path)
    wb.copy_worksheet(wb["Indikator (2)"]).title = "Salinan Indikator"
    wb.save(path)
    run = run_pemda(spec, folder)
    assert _status(run, path.name) == schema.BERKAS_DITOLAK
    assert any(_issues(run, "struktur.sheet_hilang")["file"] == path.name)


def test_a_file_without_its_hidden_sheet_is_an_error_of_the_opd_it_names(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """The _meta sheet deleted: the ERROR had no OPD, so the OPD's feedback said 'Wajib
    diperbaiki: Tidak ada' and Kelengkapan counted 0 ERROR, while every value was left out.
    The ERROR now goes to the OPD the file name names, in words about the template."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "SATPOLPP")
    wb = openpyxl.load_workbook(path)
    del wb[tpl.SHEET_META]
    wb.save(path)
    run = run_pemda(spec, folder)
    found = _issues(run, "struktur.sheet_hilang")
    assert found[["file", "severity", "kode_opd"]].to_records(index=False).tolist() == [
        (path.name, ERROR, "SATPOLPP")
    ]
    assert "penanda templat" in found.iloc[0]["message"]


def test_a_renja_sheet_deleted_from_the_current_template_is_said_so(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """'Templat versi 2 tidak memuat sheet Renja …, gunakan templat versi 2' (found 2,
    expected 2) for a file whose clerk deleted the sheet."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DPPKB")
    wb = openpyxl.load_workbook(path)
    del wb[tpl.SHEET_RENJA]
    wb.save(path)
    run = run_pemda(spec, folder)
    mine = run.issues[run.issues["file"] == path.name]
    assert "struktur.versi_lama" not in set(mine["rule"])
    gone = mine[mine["rule"] == "struktur.renja_hilang"]
    assert gone[["severity", "kode_opd"]].to_records(index=False).tolist() == [(WARNING, "DPPKB")]
    assert "Salin sheet 'Renja' dari templat asli" in gone.iloc[0]["message"]
    # its E.81 block says the sheet is missing, not that it uses an older template
    assert run.e81 is not None
    note = run.e81.footer.set_index("kode_opd").loc["DPPKB", "catatan"]
    assert "tidak memuat sheet Renja" in note and "templat lama" not in note


@pytest.mark.parametrize(("value", "flagged"), [(0, False), (0.4, False), (16, True)])
def test_far_below_target_is_no_typo_when_lower_is_better(
    spec: MasterSpec, tmp_path: Path, value: float, flagged: bool
) -> None:
    """IK01.02 (INSPEKTORAT, turun, target 5 kasus): 0 or 0,4 cases is the good direction,
    not 'kemungkinan salah ketik' (it was flagged below 10 % of the target); 16 cases, over
    300 %, still is."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "INSPEKTORAT")
    cell = f"{COL['realisasi_tahunan']}{_row_of(path, 'IK01.02')}"
    _edit(path, tpl.SHEET_INDIKATOR, cell, value)
    run = run_pemda(spec, folder)
    hit = _issues(run, "nilai.lonjakan")
    assert (hit["kode_indikator"] == "IK01.02").any() == flagged


def test_a_logical_value_is_quoted_as_the_sheet_shows_it(spec: MasterSpec, tmp_path: Path) -> None:
    """TRUE typed in a number cell was quoted as Python's 'True'."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BKD")
    cell = f"{COL['realisasi_tahunan']}{_row_of(path, 'IK04.01')}"
    _edit(path, tpl.SHEET_INDIKATOR, cell, True)
    run = run_pemda(spec, folder)
    at = run.issues[(run.issues["file"] == path.name) & (run.issues["cell"] == cell)]
    assert (at["severity"] == ERROR).any()
    assert "TRUE" in " ".join(at["found"]) and "True" not in " ".join(at["message"])


def test_an_indicator_code_typed_over_is_named_as_the_indicator_it_is(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """IK04.01 typed as 'IK04.1' on its own row, the locked uraian intact: the row was called a
    row added by hand ('Jangan menambah baris') and IK04.01 a row deleted. It is now one
    ERROR at the code cell naming the indicator the row is, and nothing else of either."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BKD")
    row = _row_of(path, "IK04.01")
    _edit(path, tpl.SHEET_INDIKATOR, f"A{row}", "IK04.1")
    run = run_pemda(spec, folder)
    mine = run.issues[run.issues["file"] == path.name]
    assert not mine["rule"].isin(["struktur.baris_sisipan", "struktur.indikator_hilang"]).any()
    (edited,) = mine[mine["rule"] == "struktur.kode_diubah"].to_dict("records")
    assert (edited["severity"], edited["cell"], edited["found"], edited["expected"]) == (
        ERROR,
        f"A{row}",
        "IK04.1",
        "IK04.01",
    )
    assert "Kembalikan kodenya menjadi 'IK04.01'" in edited["message"]
    ind = run.results.indikator.set_index("kode_indikator")
    assert ind.loc["IK04.01", "status"] == schema.STATUS_BELUM_LAPOR  # not used
    # a code that fits no missing indicator's uraian is still a row added by hand
    _edit(path, tpl.SHEET_INDIKATOR, f"C{row}", "Uraian lain")
    again = run_pemda(spec, folder)
    mine = again.issues[again.issues["file"] == path.name]
    assert mine[mine["cell"] == f"A{row}"]["rule"].tolist() == ["struktur.baris_sisipan"]


def test_a_total_row_is_a_warning_another_opds_code_an_error(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """A clerk adds 'JUMLAH' under BKD's indicators: the row is ignored, and that made the
    whole report a DRAFT (an ERROR). A row added by hand is a WARNING; a row holding another
    OPD's indicator code (IK01.02, INSPEKTORAT's) is still an ERROR."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BKD")
    last = max(_row_of(path, c) for c in ("IK04.01", "IK04.02", "IK04.03"))
    _edit_cells(
        path,
        tpl.SHEET_INDIKATOR,
        {f"A{last + 1}": "JUMLAH", f"{COL['realisasi_tahunan']}{last + 1}": 999},
    )
    run = run_pemda(spec, folder)
    mine = run.issues[run.issues["file"] == path.name]
    total = mine[mine["cell"] == f"A{last + 1}"]
    assert total[["rule", "severity"]].to_records(index=False).tolist() == [
        ("struktur.baris_sisipan", "WARNING")
    ]
    assert not (mine["severity"] == ERROR).any()

    _edit(path, tpl.SHEET_INDIKATOR, f"A{last + 1}", "IK01.02")
    again = run_pemda(spec, folder)
    foreign = again.issues[
        (again.issues["file"] == path.name) & (again.issues["cell"] == f"A{last + 1}")
    ]
    assert foreign[["rule", "severity"]].to_records(index=False).tolist() == [
        ("struktur.indikator_asing", ERROR)
    ]


def test_a_huge_text_is_quoted_cut(spec: MasterSpec, tmp_path: Path) -> None:
    """A 40.000-digit text in a number cell was quoted whole in the message and in found."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BKD")
    cell = f"{COL['realisasi_tahunan']}{_row_of(path, 'IK04.01')}"
    _edit(path, tpl.SHEET_INDIKATOR, cell, "9" * 40_000)
    run = run_pemda(spec, folder)
    at = run.issues[(run.issues["file"] == path.name) & (run.issues["cell"] == cell)]
    assert (at["severity"] == ERROR).any()
    assert max(len(t) for t in at["found"]) <= 120 and any(t.endswith("…") for t in at["found"])
    assert max(len(m) for m in at["message"]) < 400


def test_two_files_saved_at_the_same_time_are_not_called_newer(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """Two BKD files saved at the same second, different contents: one is used by name order,
    and the other's notice said 'Ada berkas yang lebih baru' beside '(waktu sama …)'; then an
    INFO, though which of the two was meant cannot be told: a WARNING naming both. Two copies
    of the same file at the same time are the INFO of any superseded file."""
    from tests.broken_files import _stamp

    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BKD")
    twin = folder / "BKD revisi.xlsx"
    shutil.copy(path, twin)
    _edit(twin, tpl.SHEET_INDIKATOR, f"{COL['realisasi_tahunan']}{_row_of(twin, 'IK04.01')}", 90)
    for p in (path, twin):
        _stamp(p, "2019-02-01T10:00:00Z")
    run = run_pemda(spec, folder)
    assert _issues(run, "berkas.digantikan").empty
    notice = _issues(run, "berkas.waktu_sama")
    # 'BKD revisi' comes after 'Badan Kepegawaian …' in the alphabet: it is the one used
    assert notice[["file", "severity"]].to_records(index=False).tolist() == [(path.name, WARNING)]
    message = notice.iloc[0]["message"]
    assert twin.name in message and "isinya berbeda" in message and "lebih baru" not in message
    shutil.copy(path, twin)  # the same content twice
    _stamp(twin, "2019-02-01T10:00:00Z")
    run = run_pemda(spec, folder)
    assert _issues(run, "berkas.waktu_sama").empty
    notice = _issues(run, "berkas.digantikan")
    assert "berkas lain dengan waktu yang sama" in notice.iloc[0]["message"]
    # neither with a save time (the stamp emptied): the notice said 'Ada berkas yang lebih
    # baru', though the one used was picked by its name
    for p in (path, twin):
        _stamp(p, "")
    run = run_pemda(spec, folder)
    message = _issues(run, "berkas.digantikan").iloc[0]["message"]
    assert message.startswith(f"Ada berkas lain untuk OPD ini: {twin.name} (kedua berkas tanpa")
    assert "lebih baru" not in message and "namanya terakhir menurut abjad" in message


def test_a_value_from_another_workbook_or_a_random_formula_is_pointed_at(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """BKD's values came from formulas linking to its own data workbook ('[1]Data!B2', Excel's
    form; one of them shared down a column) and one from RAND(): the stored results were used
    with no word, though the linked workbook was not sent and RAND() changes at every
    recalculation. Each cell now has a WARNING and its stored value is still used; a plain
    formula within the file says nothing."""
    import re
    import zipfile

    from pipeline.cells import sheet_parts
    from tests.hostile_files import _rewrite

    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BKD")
    rows = {code: _row_of(path, code) for code in ("IK04.01", "IK04.02", "IK04.03")}
    annual, own = COL["realisasi_tahunan"], COL["capaian_opd"]
    first, last = rows["IK04.02"], rows["IK04.03"]
    formulas = [  # (cell, what it holds): a link, a link shared down the column, RAND()
        (f"{annual}{rows['IK04.01']}", "<f>[1]Data!B2</f><v>42</v>"),
        (
            f"{annual}{first}",
            f'<f t="shared" ref="{annual}{first}:{annual}{last}" si="7">[1]Data!B3</f><v>43</v>',
        ),
        (f"{annual}{last}", '<f t="shared" si="7"/><v>44</v>'),
        (f"{own}{rows['IK04.01']}", "<f>RAND()*100</f><v>55</v>"),
    ]
    with zipfile.ZipFile(path) as zf:
        part = sheet_parts(zf)[tpl.SHEET_INDIKATOR]

    def mutate(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        text = data.decode("utf-8")
        for cell, inner in formulas:
            text, n = re.subn(
                rf'<c r="{cell}"([^>]*?)(?:/>|>.*?</c>)',
                lambda m, cell=cell, inner=inner: (
                    f'<c r="{cell}"' + re.sub(r'\s*t="[^"]*"', "", m.group(1)) + f">{inner}</c>"
                ),
                text,
                count=1,
            )
            assert n == 1, cell
        return text.encode("utf-8")

    moved = tmp_path / "asli.xlsx"
    shutil.move(path, moved)
    _rewrite(path, mutate, moved)
    moved.unlink()
    run = run_pemda(spec, folder)
    found = _issues(run, "nilai.rumus_rujukan")
    got = sorted(
        found[["cell", "severity", "kode_indikator", "found"]].to_records(index=False).tolist()
    )
    link, changing = "rumus: buku kerja lain", "rumus: fungsi yang berubah setiap dihitung"
    assert got == sorted(
        [
            (f"{annual}{rows['IK04.01']}", "WARNING", "IK04.01", link),
            (f"{annual}{first}", "WARNING", "IK04.02", link),
            (f"{annual}{last}", "WARNING", "IK04.03", link),
            (f"{own}{rows['IK04.01']}", "WARNING", "IK04.01", changing),
        ]
    )
    used = run.results.indikator.set_index("kode_indikator")
    assert [used.loc[c, "realisasi"] for c in rows] == [42.0, 43.0, 44.0]
    assert used.loc["IK04.01", "capaian_opd"] == 55.0


def test_a_bad_own_capaian_is_a_warning_and_the_report_stays_final(
    spec: MasterSpec, baseline: Run, tmp_path: Path
) -> None:
    """'96,7 persen' in the column 'Capaian menurut OPD' (only compared with the capaian
    computed from the realisation) was an ERROR, and the whole report a DRAFT, while the
    indicator was scored as usual."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DISKOPUKM")
    row = _row_of(path, "IK11.01")
    cell = f"{COL['capaian_opd']}{row}"
    _edit(path, tpl.SHEET_INDIKATOR, cell, "sembilan puluh")
    run = run_pemda(spec, folder)
    found = run.issues[(run.issues["file"] == path.name) & (run.issues["cell"] == cell)]
    assert found[["rule", "severity"]].to_records(index=False).tolist() == [
        ("nilai.bukan_angka", WARNING)
    ]
    assert "tetap dihitung dari realisasinya" in found.iloc[0]["message"]
    errors = run.issues["severity"] == ERROR
    assert errors.sum() == (baseline.issues["severity"] == ERROR).sum()  # no ERROR added
    assert _scored(run) == _scored(baseline)
    _edit(path, tpl.SHEET_INDIKATOR, cell, "96,7 persen")  # the sign written out: read
    run = run_pemda(spec, folder)
    assert run.results.indikator.set_index("kode_indikator").loc["IK11.01", "capaian_opd"] == 96.7


def test_an_unpacked_workbook_folder_is_no_opds_file(spec: MasterSpec, tmp_path: Path) -> None:
    """DINSOS's workbook was unpacked into a folder of its name on the secretariat's machine:
    the folder is one Berkas row with its reason and no OPD (a folder's name is no claim by
    an OPD), so DINSOS is not told that a file of its was refused."""
    import zipfile

    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DINSOS")
    unpacked = folder / path.name
    path.rename(tmp_path / "asli.xlsx")
    with zipfile.ZipFile(tmp_path / "asli.xlsx") as zf:
        zf.extractall(unpacked)
    run = run_pemda(spec, folder)
    berkas = run.validated.berkas.set_index("berkas")
    assert berkas.loc[path.name, "status"] == "diabaikan"
    assert berkas.loc[path.name, "kode_opd"] == ""
    assert berkas.loc[path.name, "jenis"] == "folder"
    assert "sudah diekstrak" in berkas.loc[path.name, "alasan"]
    assert not any(str(name).startswith(path.name + "/") for name in berkas.index)
    assert "DINSOS" not in set(berkas["kode_opd"])


def _opini_bpk_cell(spec: MasterSpec, tmp_path: Path) -> tuple[str, Path, Path, str]:
    """The first Opini BPK indicator: its code, a copy of the inputs, its OPD's file there and
    the cell of its annual realisation."""
    ind = spec.indikator
    row_spec = ind[(ind["polaritas"] == "kualitatif") & (ind["tangga"] == "opini_bpk")].iloc[0]
    code, opd = str(row_spec["kode_indikator"]), str(row_spec["kode_opd_list"][0])
    folder = copy_inputs(tmp_path)
    path = input_file(folder, opd)
    return code, folder, path, f"{COL['realisasi_tahunan']}{_row_of(path, code)}"


def test_a_ladder_value_from_another_workbook_is_pointed_at(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """A kualitatif realisation ('WTP', a ladder value) taken by formula from another workbook:
    the same WARNING as for a number, and the stored value is used."""
    import re
    import zipfile

    from pipeline.cells import sheet_parts
    from tests.hostile_files import _rewrite

    code, folder, path, cell = _opini_bpk_cell(spec, tmp_path)
    with zipfile.ZipFile(path) as zf:
        part = sheet_parts(zf)[tpl.SHEET_INDIKATOR]

    def mutate(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        text, n = re.subn(
            rf'<c r="{cell}"([^>]*?)(?:/>|>.*?</c>)',
            lambda m: (
                f'<c r="{cell}"'
                + re.sub(r'\s*t="[^"]*"', "", m.group(1))
                + ' t="str"><f>[1]Opini!B2</f><v>WTP</v></c>'
            ),
            data.decode("utf-8"),
            count=1,
        )
        assert n == 1
        return text.encode("utf-8")

    moved = tmp_path / "asli.xlsx"
    shutil.move(path, moved)
    _rewrite(path, mutate, moved)
    run = run_pemda(spec, folder)
    found = _issues(run, "nilai.rumus_rujukan")
    got = found[["cell", "kode_indikator", "found"]].to_records(index=False).tolist()
    assert got == [(cell, code, "rumus: buku kerja lain")]
    used = run.results.indikator.set_index("kode_indikator")
    assert used.loc[code, "realisasi_teks"] == "WTP"


def test_a_code_retyped_with_other_case_look_alikes_or_invisible_characters_is_read(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """A code typed in lower case, with a Cyrillic letter, a full-width digit or a zero-width
    space looks the same to the clerk; its row was dropped as 'a row added by hand' and the
    indicator reported deleted, under messages quoting two codes that looked alike."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DINSOS")
    retyped = {
        "IK14.09": "ik14.09",
        "IK14.14": "\u0406\u041a14.14",  # Cyrillic І and К
        "IK14.15": "IK14.1\uff15",  # a full-width 5
        "IK14.01": "\u200bIK14.01",  # a zero-width space first
    }
    rows = {code: _row_of(path, code) for code in retyped}
    real = COL["realisasi_tahunan"]
    cells = {f"A{rows[c]}": typed for c, typed in retyped.items()}
    cells[f"{real}{rows['IK14.09']}"] = "87\u200b"  # a number with a zero-width space
    _edit_cells(path, tpl.SHEET_INDIKATOR, cells)
    wb = openpyxl.load_workbook(path)
    programs = wb[tpl.SHEET_ANGGARAN]
    program_row = next(r[0].row for r in programs.iter_rows() if r[0].value == "P007")
    programs[f"A{program_row}"] = "p007"
    wb.save(path)

    run = run_pemda(spec, folder)
    mine = run.issues[run.issues["file"] == path.name]
    retold = mine[mine["rule"].str.startswith("struktur.kode_")]
    assert sorted(
        zip(retold["cell"], retold["expected"], retold["severity"], strict=True)
    ) == sorted(
        [(f"A{rows[c]}", c, "WARNING") for c in retyped] + [(f"A{program_row}", "P007", "WARNING")]
    )
    shown = dict(zip(retold["expected"], retold["found"], strict=True))
    assert shown["IK14.01"] == "\\u200bIK14.01"  # the invisible character made visible
    assert not mine["rule"].isin(["struktur.baris_sisipan", "struktur.indikator_hilang"]).any()
    assert not mine["rule"].isin(["struktur.program_asing", "struktur.program_hilang"]).any()
    ind = run.results.indikator.set_index("kode_indikator")
    assert ind.loc["IK14.09", "realisasi"] == 87
    for code in retyped:
        assert ind.loc[code, "status"] != "belum lapor", code
    budget = run.results.program.set_index("kode_program")
    assert budget.loc["P007", "realisasi_anggaran"] == budget.loc["P007", "realisasi_anggaran"]

    # a row added by hand whose code looks like a code whose own row is there: another row
    last = max(_row_of(path, c) for c in ("IK14.13",))
    wb = openpyxl.load_workbook(path)
    ws = wb[tpl.SHEET_INDIKATOR]
    ws.insert_rows(last + 1)
    ws[f"A{last + 1}"] = "ik14.13"
    ws[f"{real}{last + 1}"] = 5
    wb.save(path)
    again = run_pemda(spec, folder)
    mine = again.issues[again.issues["file"] == path.name]
    assert not mine["rule"].str.endswith("_ganda").any()
    assert mine[mine["cell"] == f"A{last + 1}"]["rule"].tolist() == ["struktur.baris_sisipan"]


def test_a_budget_realisation_typed_in_thousands_or_millions_is_pointed_at(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """Dinsos' P006 typed in thousands (794.725,651 for Rp 794.725.651) and P007 in millions
    ('510,64') went through: serapan 0,098 % and 0,000075 %, Sangat Rendah, no word. Below 1 %
    of the pagu a spent amount is a WARNING at its cell (still used: it may be right)."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DINSOS")
    wb = openpyxl.load_workbook(path)
    ws = wb[tpl.SHEET_ANGGARAN]
    rows = {r[0].value: r[0].row for r in ws.iter_rows() if r[0].value in ("P006", "P007")}
    real = tpl.column_letter(tpl.ANGGARAN_COLUMNS, "realisasi_anggaran")
    ws[f"{real}{rows['P006']}"] = 794725.651
    ws[f"{real}{rows['P007']}"] = "510,64"
    wb.save(path)
    run = run_pemda(spec, folder)
    small = _issues(run, "anggaran.sangat_kecil")
    mine = small[small["file"] == path.name]
    assert sorted(mine["cell"]) == [f"{real}{rows['P006']}", f"{real}{rows['P007']}"]
    assert (mine["severity"] == "WARNING").all()
    # 794.725,651 / 814.174.510 × 100 = 0,097611…; 510,64 / 679.998.391 × 100 = 0,0000751…:
    # each share with the two digits that count; each amount as typed, the pagu with sen
    # beside an amount with sen
    said = " ".join(mine["message"])
    assert "Rp 794.725,651 hanya 0,098% dari pagu Rp 814.174.510,00" in said, said
    assert "Rp 510,64 hanya 0,000075% dari pagu Rp 679.998.391,00" in said, said
    program = run.results.program.set_index("kode_program")
    assert program.loc["P006", "realisasi_anggaran"] == 794725.651  # kept: it may be right
    # the seed report's own slip: 14.324.706 against a pagu of 15.104.480.201 (a digit group
    # lost; the report printed 94,84 %) is pointed at in the demo
    seed = small[
        small["file"].str.startswith("DISPERKIM") | small["file"].str.contains("Perumahan")
    ]
    assert len(seed) == 1 and "hanya 0,095% dari pagu" in seed["message"].iloc[0]


def test_a_sheet_renamed_only_in_case_or_spaces_is_read_as_the_templates(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """'Indikator ' (a space typed after the name) rejected the whole file, under two messages
    quoting names that look the same."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DINSOS")
    wb = openpyxl.load_workbook(path)
    budget = wb[tpl.SHEET_ANGGARAN]
    row = next(r[0].row for r in budget.iter_rows() if r[0].value == "P007")
    typed = f"{tpl.column_letter(tpl.ANGGARAN_COLUMNS, 'realisasi_anggaran')}{row}"
    # the same number typed as text: a WARNING at the cell, the value unchanged
    budget[typed] = fmt.angka_ringkas(float(budget[typed].value), 6)
    wb[tpl.SHEET_INDIKATOR].title = "Indikator "
    wb[tpl.SHEET_ANGGARAN].title = "sementara"  # openpyxl numbers a title equal but for case
    wb["sementara"].title = tpl.SHEET_ANGGARAN.upper()
    wb.save(path)
    before = run_pemda(spec, copy_inputs(tmp_path / "asli"))
    run = run_pemda(spec, folder)
    mine = run.issues[run.issues["file"] == path.name]
    renamed = mine[mine["rule"] == "struktur.nama_sheet"]
    assert sorted(zip(renamed["found"], renamed["expected"], strict=True)) == [
        (tpl.SHEET_ANGGARAN.upper(), tpl.SHEET_ANGGARAN),
        ("Indikator ", tpl.SHEET_INDIKATOR),
    ]
    assert not (mine["severity"] == ERROR).any()
    assert _status(run, path.name).startswith("diterima")
    dinsos = run.results.indikator["kode_opd"] == "DINSOS"
    same = before.results.indikator["kode_opd"] == "DINSOS"
    pd.testing.assert_series_equal(
        run.results.indikator.loc[dinsos, "capaian"].reset_index(drop=True),
        before.results.indikator.loc[same, "capaian"].reset_index(drop=True),
    )
    assert (
        run.results.program.set_index("kode_program").loc["P007", "realisasi_anggaran"]
        == (before.results.program.set_index("kode_program").loc["P007", "realisasi_anggaran"])
    )
    # the feedback copy of the OPD's own file marks the cell in the sheet as it is named there
    from pipeline.outputs import write_outputs

    write_outputs(run, tmp_path / "out")
    copy = openpyxl.load_workbook(tmp_path / "out" / "umpan_balik" / "DINSOS.xlsx")
    assert copy[tpl.SHEET_ANGGARAN.upper()][typed].comment is not None


@pytest.mark.parametrize(
    ("kode_opd", "code", "quarters", "warned"),
    [
        # running totals ("s/d triwulan"): 1+2+3+7 = 13 against a target of 7 (185,7 %)
        ("DISPORA", "IK06.03", (1, 2, 3, 7), True),
        # 120+250+400+566 = 1.336 against 486 (274,9 %)
        ("BKD", "IK04.03", (120, 250, 400, 566), True),
        # quarterly amounts that add up to the target: 1+2+2+2 = 7
        ("DISPORA", "IK06.03", (1, 2, 2, 2), False),
        # running totals that fall short: the last (3) is not near the target of 7
        ("DISPORA", "IK06.03", (1, 2, 3, 3), False),
        # one quarter goes down: amounts, not totals
        ("BKD", "IK04.03", (400, 250, 300, 500), False),
    ],
)
def test_quarters_that_look_like_running_totals_are_pointed_at(
    spec: MasterSpec,
    tmp_path: Path,
    kode_opd: str,
    code: str,
    quarters: tuple[float, ...],
    warned: bool,
) -> None:
    """A ``kumulatif`` indicator's quarters are summed. Typed as running totals they gave a
    capaian of 185 % or 275 %, 'Sangat Tinggi', without a word."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, kode_opd)
    row = _row_of(path, code)
    cells = {f"{COL[k]}{row}": q for k, q in zip(schema.TW_COLUMNS, quarters, strict=True)}
    cells[f"{COL['realisasi_tahunan']}{row}"] = None
    _edit_cells(path, tpl.SHEET_INDIKATOR, cells)
    run = run_pemda(spec, folder)
    flagged = _issues(run, "nilai.tw_tampak_kumulatif")
    ind = run.results.indikator.set_index("kode_indikator")
    assert ind.loc[code, "realisasi"] == sum(quarters)  # the sum is used either way
    if warned:
        assert flagged[["cell", "severity"]].to_records(index=False).tolist() == [
            (f"{COL['realisasi_tw4']}{row}", "WARNING")
        ]
        said = flagged["message"].iloc[0]
        assert fmt.angka_ringkas(sum(quarters)) in said and fmt.angka_ringkas(quarters[-1]) in said
    else:
        assert flagged.empty


def test_an_error_value_typed_as_a_value_is_not_called_a_formula(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """``#N/A`` typed or pasted as a value was reported as 'a formula that gives #N/A'."""
    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DINSOS")
    row = _row_of(path, "IK14.09")
    cell = f"{COL['realisasi_tahunan']}{row}"
    wb = openpyxl.load_workbook(path)
    wb[tpl.SHEET_INDIKATOR][cell] = "#N/A"  # openpyxl stores it as an error value (t="e")
    assert wb[tpl.SHEET_INDIKATOR][cell].data_type == "e"
    text_cell = f"{COL['faktor_pendorong']}{row}"
    wb[tpl.SHEET_INDIKATOR][text_cell] = "#N/A"
    wb.save(path)
    run = run_pemda(spec, folder)
    said = run.issues[(run.issues["file"] == path.name) & (run.issues["cell"] == cell)]
    assert said[["rule", "severity", "found"]].to_records(index=False).tolist() == [
        ("nilai.rumus", ERROR, "#N/A")
    ]
    assert "diketik atau ditempel" in said["message"].iloc[0]
    assert "rumus yang menghasilkan" not in said["message"].iloc[0]
    text = run.issues[(run.issues["file"] == path.name) & (run.issues["cell"] == text_cell)]
    assert text["message"].str.contains("nilai galat").all() and len(text) == 1


def test_a_refused_value_still_points_at_its_row_in_the_workbook(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """A row whose value was refused had an empty Sel Sumber: the bad cell was only to be
    found through the Validasi sheet."""
    from pipeline.outputs import write_outputs
    from tests.conftest import read_sheet

    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DINSOS")
    row = _row_of(path, "IK14.09")
    _edit(path, tpl.SHEET_INDIKATOR, f"{COL['realisasi_tahunan']}{row}", "sekitar delapan puluh")
    run = run_pemda(spec, folder)
    paths = write_outputs(run, tmp_path / "out")
    sheet = read_sheet(paths["workbook"], "Indikator").set_index("Kode Indikator")
    first, last = COL["realisasi_tw1"], COL["realisasi_tahunan"]
    assert sheet.loc["IK14.09", "Sel Sumber"] == f"{first}{row}:{last}{row}"
    # an n/a answer is not scored either: its row still points at where it was typed
    _edit(path, tpl.SHEET_INDIKATOR, f"{COL['realisasi_tahunan']}{row}", "n/a")
    run = run_pemda(spec, folder)
    paths = write_outputs(run, tmp_path / "out2")
    sheet = read_sheet(paths["workbook"], "Indikator").set_index("Kode Indikator")
    assert sheet.loc["IK14.09", "Status"] == "data tidak tersedia"
    assert sheet.loc["IK14.09", "Sel Sumber"] == f"{first}{row}:{last}{row}"


def test_a_ladder_target_is_shown_without_a_unit_in_messages() -> None:
    """'target Madya Status' read as if Status were a unit; a number keeps its unit."""
    import pandas as pd

    from pipeline.validate.values import hasil_frame

    scored = pd.DataFrame(
        {
            "berkas": ["a.xlsx", "a.xlsx"],
            "status": ["dinilai", "dinilai"],
            "polaritas": ["kualitatif", "naik"],
            "realisasi": [2.0, 9.17],
            "realisasi_teks": ["Berkembang", ""],
            "target_teks": ["Madya", "10,39"],
            "satuan": ["Status", "%"],
            "capaian_opd": [float("nan")] * 2,
            "capaian_mentah": [66.7, 88.26],
            "capaian": [66.7, 88.26],
        }
    )
    assert hasil_frame(scored)["target_tampil"].tolist() == ["Madya", "10,39 %"]


def test_value_checks_of_pemda_stacked_are_those_of_each_alone(
    spec: MasterSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The value rules run over the rows of a batch of Pemda, those sharing their layout,
    ladders and decimals computed stacked; each Pemda must get exactly what it gets alone:
    the same issues, the same rows kept, the same values for the cross-file checks. Real rows
    (the demo's files), varied: other numbers, rows missing or reordered, nothing reported,
    indicators missing from the spec, other ladders, other decimals."""
    from dataclasses import replace

    from pipeline.run import prepare
    from pipeline.validate import values
    from tests.conftest import INPUT_DIR

    staged = prepare(spec, INPUT_DIR).staged
    real, ang = staged.realisasi, staged.anggaran
    other = real.assign(realisasi_tahunan=real["realisasi_tahunan"] * 40)
    ind = spec.indikator
    batch = [
        (real, ang, spec),
        (other, ang, spec),
        (real.iloc[::2], ang, spec),  # an index with gaps: the Pemda's own index is kept
        (real.iloc[::-1], ang.iloc[0:0], spec),
        (real.iloc[0:0], ang, spec),
        (other, ang, replace(spec, indikator=ind[ind.index % 3 != 0])),
        (real, ang, replace(spec, tangga={k: v[::-1] for k, v in spec.tangga.items()})),
        (other, ang, replace(spec, settings=replace(spec.settings, desimal_tampilan=0))),
        (other.iloc[1::3], ang, spec),
    ]
    computed: list[int] = []
    checked = values._checked

    def spy(realisasi: pd.DataFrame, *args: object) -> object:
        computed.append(len(realisasi))
        return checked(realisasi, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(values, "_checked", spy)
    together = values.value_checks_and_used_many(batch)
    assert len(computed) < len(batch)  # some Pemda were computed stacked
    assert sum(len(issues) for _, _, issues, _ in together) > len(batch)
    for item, got in zip(batch, together, strict=True):
        (clean, budget, issues, used), (clean1, budget1, issues1, used1) = (
            got,
            values.value_checks_and_used_many([item])[0],
        )
        assert issues == issues1
        pd.testing.assert_frame_equal(clean, clean1, check_exact=True)
        pd.testing.assert_frame_equal(budget, budget1, check_exact=True)
        pd.testing.assert_series_equal(used, used1, check_exact=True)


def test_scored_checks_of_pemda_stacked_are_those_of_each_alone(
    spec: MasterSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The computed-results suite and the unscorable warnings over a batch of Pemda, those with
    the same columns and decimals stacked; each Pemda must get exactly the issues it gets
    alone. Real scored rows (the demo's), varied: rows missing or reordered, none, no faktor
    penghambat, other capaian of the OPDs, targets of 0 (capaian not computable), other
    decimals."""
    from dataclasses import replace

    from pipeline.run import check_values, completed, prepare
    from pipeline.validate import values
    from tests.conftest import INPUT_DIR

    _, base = completed(check_values([prepare(spec, INPUT_DIR)])[0])
    ind = base.spec_indikator
    zero = ind.assign(target_nilai=ind["target_nilai"].where(ind.index % 4 != 0, 0.0))
    scored = base.alone().indikator
    not_computable = replace(base, spec_indikator=zero).alone().indikator
    batch = [
        scored,
        not_computable,
        scored.iloc[::2],
        scored.iloc[0:0],
        scored.assign(faktor_penghambat=""),
        scored.assign(capaian_opd=scored["capaian_opd"] + 1),
        not_computable.iloc[::-1],
        scored,
    ]
    decimals = [2, 2, 2, 2, 2, 2, 2, 0]
    built: list[int] = []
    hasil = values.hasil_frame

    def spy(frame: pd.DataFrame) -> pd.DataFrame:
        built.append(len(frame))
        return hasil(frame)

    monkeypatch.setattr(values, "hasil_frame", spy)
    together = values.check_scored_many(batch, decimals)
    assert len(built) < len(batch)  # some Pemda were checked stacked
    rules = {i.rule for issues in together for i in issues}
    assert {"nilai.penghambat_kosong", "capaian.tidak_dapat_dihitung"} <= rules
    for frame, d, issues in zip(batch, decimals, together, strict=True):
        assert issues == values.check_scored_many([frame], [d])[0]


@pytest.mark.parametrize("dtype", [object, "str"])
def test_a_text_cell_is_blank_when_missing_or_empty_whatever_marks_it_missing(
    dtype: object,
) -> None:
    """The test of a text column for empty cells gives what ``fillna("") == ""`` gives, for a
    column of objects (None, NaN or NA for a missing cell) and one of text."""
    values = ["", " ", "x", None, float("nan"), "0"]
    if dtype is object:
        values += [pd.NA, 0, 0.0]
    column = pd.Series(values, dtype=dtype)
    expected = (column.fillna("") == "").to_numpy(dtype=bool)
    assert _blank(column).tolist() == expected.tolist()
    assert _blank(column).tolist()[:6] == [True, False, False, True, True, False]


def _set_meta(path: Path, key: str, value: str) -> str:
    wb = openpyxl.load_workbook(path)
    cell = next(r[1] for r in wb[tpl.SHEET_META].iter_rows() if r[0].value == key)
    cell.value = value
    wb.save(path)
    return str(cell.coordinate)


def test_invisible_characters_are_written_out_and_a_refused_file_hears_only_why(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """'\\u202e027' shows as 720 in Excel: it was read as 27 and scored, under a message whose
    words the override turned around; '+-72' lost its signs and was read as 72; a _meta code
    'B\\u200bKD' was quoted as 'BKD'; and a file claiming another OPD, refused, was also told
    its values were still read from an older template."""
    folder = copy_inputs(tmp_path)
    dinkes = input_file(folder, "DINKES")
    real = COL["realisasi_tahunan"]
    turned = f"{real}{_row_of(dinkes, 'IK07.23')}"
    signs = f"{real}{_row_of(dinkes, 'IK07.02')}"
    _edit_cells(dinkes, tpl.SHEET_INDIKATOR, {turned: "\u202e027", signs: "+-72"})
    bkd = input_file(folder, "BKD")
    code_cell = _set_meta(bkd, "kode_opd", "B\u200bKD")
    dinsos = input_file(folder, "DINSOS")
    _set_meta(dinsos, "kode_opd", "DINKES")

    run = run_pemda(spec, folder)
    said = run.issues.set_index(["file", "cell"])
    row = said.loc[(dinkes.name, turned)]
    assert row["rule"] == "nilai.bukan_angka" and row["found"] == "\\u202e027"
    assert (
        "'\\u202e027' bukan angka (berisi karakter tak terlihat pengatur arah teks"
        in (row["message"])
    )
    assert "\u202e" not in "".join(run.issues["message"]) + "".join(run.issues["found"])
    assert said.loc[(dinkes.name, signs), "rule"] == "nilai.bukan_angka"
    ind = run.results.indikator.set_index("kode_indikator")
    assert ind.loc["IK07.23", "status"] != schema.STATUS_DINILAI
    assert ind.loc["IK07.02", "status"] != schema.STATUS_DINILAI
    meta = said.loc[(bkd.name, code_cell)]
    assert "'B\\u200bKD'" in meta["message"] and meta["found"] == "B\\u200bKD"
    refused = run.issues[run.issues["file"] == dinsos.name]
    assert "berkas.identitas" in set(refused["rule"])
    assert "struktur.sidik_spec" not in set(refused["rule"])


def test_a_ladder_value_typed_with_look_alike_letters_is_read_as_it_shows(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """'WТP' with a Cyrillic Т was refused as 'not on the list … WTP', with no word of the
    letter that only looks like a T."""
    code, folder, path, cell = _opini_bpk_cell(spec, tmp_path)
    _edit(path, tpl.SHEET_INDIKATOR, cell, "W\u0422P")
    run = run_pemda(spec, folder)
    said = run.issues[(run.issues["file"] == path.name) & (run.issues["cell"] == cell)]
    assert said[["rule", "severity", "found", "expected"]].values.tolist() == [
        ["nilai.tangga_mirip", WARNING, "W\u0422P", "WTP"]
    ]
    used = run.results.indikator.set_index("kode_indikator")
    assert used.loc[code, "realisasi_teks"] == "WTP"
    assert used.loc[code, "status"] == schema.STATUS_DINILAI
    _edit(path, tpl.SHEET_INDIKATOR, cell, "WTPX")  # no ladder value looks like it: refused
    again = run_pemda(spec, folder)
    said = again.issues[(again.issues["file"] == path.name) & (again.issues["cell"] == cell)]
    assert said["rule"].tolist() == ["nilai.tangga"]


def test_a_minus_zero_cell_is_read_as_zero(spec: MasterSpec, tmp_path: Path) -> None:
    """A cell holding -0 reached the workbook as -0 (LibreOffice shows '-0,00')."""
    import math

    folder = copy_inputs(tmp_path)
    path = input_file(folder, "BKD")
    real = f"{COL['realisasi_tahunan']}{_row_of(path, 'IK04.02')}"
    _edit(path, tpl.SHEET_INDIKATOR, real, -0.0)
    run = run_pemda(spec, folder)
    got = run.results.indikator.set_index("kode_indikator").loc["IK04.02", "realisasi"]
    assert got == 0 and math.copysign(1.0, got) == 1.0


@pytest.mark.parametrize("decimals", [0, 3])
def test_a_capaian_in_a_message_has_the_specs_decimals(spec: MasterSpec, decimals: int) -> None:
    """With ``desimal_tampilan`` 0 the OPD's own capaian and the recomputed one were said with
    two decimals ('102,42% … 0,00%'): the frame's decimals came as a numpy integer, which the
    message took for no number. They have the spec's decimals, as the workbook shows them."""
    import re

    from pipeline.run import check_values, completed, prepare
    from pipeline.validate import values
    from tests.conftest import INPUT_DIR

    _, base = completed(check_values([prepare(spec, INPUT_DIR)])[0])
    issues = values.check_scored_many([base.alone().indikator], [decimals])[0]
    differ = [i for i in issues if i.rule == "nilai.capaian_opd_berbeda"]
    assert differ
    shape = r"-?\d{1,3}(\.\d{3})*" + (rf",\d{{{decimals}}}" if decimals else "")
    for issue in differ:
        assert re.fullmatch(shape, issue.found), issue.found
        assert re.fullmatch(shape, issue.expected), issue.expected
        assert f"{issue.found}% berbeda dari hasil hitung ulang {issue.expected}%" in issue.message


def test_two_amounts_in_a_message_read_as_two_amounts() -> None:
    """Rp 2.602.006.782,50 typed against a pagu of Rp 2.602.006.782 was said 'Rp
    2.602.006.782,5 melebihi pagu Rp 2.602.006.782': one sen digit, and two amounts a clerk
    reads as the same. Beside an amount with sen, both carry two sen digits."""
    from pipeline.suites import failures_to_issues

    df = pd.DataFrame({"realisasi_anggaran": [2602006782.5, 900.0], "pagu": [2602006782.0, 800.0]})
    failure = {
        "kolom": "realisasi_anggaran",
        "kolom_batas": "pagu",
        "rule": "anggaran.melebihi_pagu",
        "severity": "ERROR",
        "pesan": "Realisasi anggaran Rp {found} melebihi pagu Rp {expected}.",
    }
    issues = failures_to_issues(
        df, [{**failure, "index": 0}, {**failure, "index": 1}], lambda _row, _col: {}
    )
    assert [i.message for i in issues] == [
        "Realisasi anggaran Rp 2.602.006.782,50 melebihi pagu Rp 2.602.006.782,00.",
        "Realisasi anggaran Rp 900 melebihi pagu Rp 800.",
    ]
