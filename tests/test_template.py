"""The template contract: what build_template writes, ingest reads back; protection and help."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import template as tpl
from pipeline.ingest import read_submission
from pipeline.issues import ERROR
from pipeline.master import MasterSpec


@pytest.fixture()
def bpkpad(spec: MasterSpec, tmp_path: Path) -> Path:
    return tpl.build_template(spec, "BPKPAD", tmp_path / "bpkpad.xlsx")


def test_round_trip_through_the_real_reader(spec: MasterSpec, bpkpad: Path) -> None:
    sub = read_submission(bpkpad)
    assert not [i for i in sub.issues if i.severity == ERROR]
    assert sub.meta["kode_opd"] == "BPKPAD"
    assert sub.meta["versi_templat"] == tpl.TEMPLATE_VERSION
    assert sub.meta["sidik_spec"] == spec.fingerprint("BPKPAD")
    codes = [r["kode_indikator"] for r in sub.indikator]
    assert codes == list(spec.indikator_opd("BPKPAD")["kode_indikator"])
    assert [r["kode_program"] for r in sub.anggaran] == list(
        spec.program_opd("BPKPAD")["kode_program"]
    )
    assert sub.has_renja
    assert [r["kode_renja"] for r in sub.renja] == list(spec.program_opd("BPKPAD")["kode_program"])


def test_locked_targets_unlocked_inputs_and_hidden_meta(bpkpad: Path) -> None:
    wb = openpyxl.load_workbook(bpkpad)
    assert wb.sheetnames == [
        tpl.SHEET_PETUNJUK,
        tpl.SHEET_INDIKATOR,
        tpl.SHEET_ANGGARAN,
        tpl.SHEET_RENJA,
        tpl.SHEET_META,
    ]
    assert wb[tpl.SHEET_META].sheet_state == "hidden"
    ws = wb[tpl.SHEET_INDIKATOR]
    assert ws.protection.sheet
    row = tpl.HEADER_ROW + 1
    letter = {
        c.key: tpl.column_letter(tpl.INDIKATOR_COLUMNS, c.key) for c in tpl.INDIKATOR_COLUMNS
    }
    assert ws[f"{letter['target']}{row}"].protection.locked
    assert ws[f"{letter['kode_indikator']}{row}"].protection.locked
    for key in ("realisasi_tahunan", "realisasi_tw1", "faktor_penghambat", "tindak_lanjut"):
        assert not ws[f"{letter[key]}{row}"].protection.locked, key
        assert ws[f"{letter[key]}{row}"].fill.fgColor.rgb.endswith(tpl.INPUT_FILL.lstrip("#"))
    rules = ws.data_validations.dataValidation
    assert any(dv.type == "decimal" for dv in rules)
    ang = wb[tpl.SHEET_ANGGARAN]
    assert ang.protection.sheet
    assert ang[f"D{row}"].protection.locked
    assert not ang[f"E{row}"].protection.locked


def test_qualitative_rows_get_a_dropdown_of_their_ladder(spec: MasterSpec, tmp_path: Path) -> None:
    path = tpl.build_template(spec, "BAG_ORG", tmp_path / "org.xlsx")  # AKIP: predikat_sakip
    ws = openpyxl.load_workbook(path)[tpl.SHEET_INDIKATOR]
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists
    # 'n/a' too, as the Petunjuk tells a clerk whose data is not out yet (a list refuses
    # anything else typed)
    assert lists[0].formula1 == '"D,C,CC,B,BB,A,AA,n/a"'


def test_petunjuk_in_bahasa_with_deadline_and_kecamatan_vision(
    spec: MasterSpec, tmp_path: Path
) -> None:
    path = tpl.build_template(spec, "KEC_BJS", tmp_path / "kec.xlsx")
    ws = openpyxl.load_workbook(path)[tpl.SHEET_PETUNJUK]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "Kecamatan Binjai Selatan" in text
    assert "Batas pengumpulan: 15 Februari 2019" in text
    assert "Kirim ke: Bagian Organisasi Sekretariat Daerah Kota Binjai" in text  # the spec's
    for rollup in ("kumulatif:", "nilai akhir:", "rata-rata:"):  # what to type in TW II
        assert f"• {rollup}" in text and "TW II" in text, rollup
    for polarity in ("naik:", "turun:", "range:", "kualitatif:"):
        assert f"• {polarity}" in text, polarity
    assert "layak huni, sejahtera dan memiliki daya saing" in text  # its own visi
    assert "Isi hanya sel berwarna kuning" in text
    # the Kecamatan holds no indicator: its Petunjuk said to fill the Indikator sheet, which
    # printed as pages of bare headers; it says the sheet is empty and not to be filled
    assert spec.indikator_opd("KEC_BJS").empty
    assert "2. Sheet 'Indikator': OPD Anda tidak memegang indikator kinerja" in text
    assert "isi Realisasi Tahunan" not in text
    held = tpl.build_template(spec, "DINKES", tmp_path / "dinkes.xlsx")
    ws = openpyxl.load_workbook(held)[tpl.SHEET_PETUNJUK]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "2. Sheet 'Indikator': isi Realisasi Tahunan" in text
    assert "6. Sheet 'Anggaran': isi Realisasi Anggaran" in text
    import dataclasses

    new = {c: "" for c in spec.opd.columns} | {"kode_opd": "KEC_BARU", "nama_opd": "Kec. Baru"}
    none = dataclasses.replace(spec, opd=pd.concat([spec.opd, pd.DataFrame([new])]))
    path = tpl.build_template(none, "KEC_BARU", tmp_path / "baru.xlsx")
    ws = openpyxl.load_workbook(path)[tpl.SHEET_PETUNJUK]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "6. Sheet 'Anggaran' dan 'Renja': OPD Anda tidak memegang program" in text


def test_petunjuk_says_n_a_and_rupiah_in_full(spec: MasterSpec, tmp_path: Path) -> None:
    """The reader takes 'n/a' (with the reason in Faktor Penghambat) as an answer and asks for
    Rupiah in full (anggaran.sangat_kecil, renja.rp_sangat_kecil), but the Petunjuk said neither:
    a clerk without data left the cell empty (counted as not reported) or typed 0 (scored 0 %),
    and one used to budget tables 'dalam ribuan rupiah' typed thousands."""
    path = tpl.build_template(spec, "DINSOS", tmp_path / "dinsos.xlsx")
    ws = openpyxl.load_workbook(path)[tpl.SHEET_PETUNJUK]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "tulis n/a dan jelaskan alasannya di Faktor Penghambat" in text
    assert "dianggap belum melapor" in text
    assert "dalam Rupiah penuh, angka saja tanpa 'Rp'" in text
    assert "Rp juga dalam Rupiah penuh" in text  # the Renja sheet's Rp


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("rumus_range_atas", "R/U", "di atas rentang capaian = realisasi / batas atas × 100"),
        (
            "rumus_range_atas",
            "turun",
            "di atas rentang capaian = (2 × batas atas − realisasi) / batas atas × 100",
        ),
        ("rumus_kualitatif", "tercapai_100", "sama atau lebih baik dari target = 100%"),
        (
            "rumus_kualitatif",
            "rasio_peringkat",
            "capaian = peringkat realisasi / peringkat target × 100.",
        ),
    ],
)
def test_petunjuk_follows_the_spec_formulas(
    spec: MasterSpec, tmp_path: Path, setting: str, value: str, said: str
) -> None:
    """The OPD's instructions state the rule its capaian is computed with: with
    ``rasio_peringkat`` a ladder value above its target is not 100%, and with
    ``rumus_range_atas = turun`` exceeding a range counts against it (the Petunjuk said
    otherwise for both)."""
    other = replace(spec, settings=replace(spec.settings, **{setting: value}))
    path = tpl.build_template(other, "KEC_BJS", tmp_path / "kec.xlsx")
    ws = openpyxl.load_workbook(path)[tpl.SHEET_PETUNJUK]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert said in text


def test_targets_at_their_own_precision_and_each_rollup_shown(
    spec: MasterSpec, tmp_path: Path
) -> None:
    path = tpl.build_template(spec, "DISDIK", tmp_path / "disdik.xlsx")
    ws = openpyxl.load_workbook(path)[tpl.SHEET_INDIKATOR]
    target = tpl.column_letter(tpl.INDIKATOR_COLUMNS, "target")
    codes = {ws[f"A{r}"].value: r for r in range(tpl.HEADER_ROW + 1, ws.max_row + 1)}
    putus = ws[f"{target}{codes['IK07.14']}"]  # Angka Putus Sekolah SD/MI: 0,0029
    assert putus.value == pytest.approx(0.0029)
    assert putus.number_format == "[$-421]#,##0.0000"  # not 0,00
    rollup = len(tpl.INDIKATOR_COLUMNS) + 1  # the display column after the contract
    assert ws.cell(tpl.HEADER_ROW, rollup).value == tpl.ROLLUP_HEADER
    shown = {ws.cell(r, rollup).value for r in codes.values()}
    assert shown <= {"kumulatif", "nilai akhir", "rata-rata"} and shown
    tw = tpl.column_letter(tpl.INDIKATOR_COLUMNS, "realisasi_tw2")
    assert ws[f"{tw}{codes['IK07.14']}"].number_format == "[$-421]General"
    sub = read_submission(path)  # the display column is not part of the contract
    assert not [i for i in sub.issues if i.severity == ERROR]


def test_a_ladder_value_with_a_quote_stays_text_in_the_dropdown(tmp_path: Path) -> None:
    """A ladder value holding ``"`` closed the drop-down list's quoted text: the spec's
    ``TW"&WEBSERVICE("http://…")&"`` made the template's list (sent to every OPD, and put in
    the feedback of an OPD that sent nothing) a live formula calling that address. The value
    is now one quoted text with its quotes doubled, as Excel writes it."""
    import re

    from tests.conftest import SPEC_PATH, run_cli

    spec = tmp_path / "spec.xlsx"
    wb = openpyxl.load_workbook(SPEC_PATH)
    for row in wb["tangga"].iter_rows(min_row=2):
        if row[2].value == "TW":
            row[2].value = 'TW"&WEBSERVICE("http://contoh.invalid/")&"'
            row[2].data_type = "s"
    wb.save(spec)
    result = run_cli("templates", "--spec", str(spec), "--output", str(tmp_path / "templat"))
    assert result.returncode == 0, result.stderr
    path = next((tmp_path / "templat").glob("*_BPKPAD.xlsx"))
    lists = [
        dv.formula1
        for ws in openpyxl.load_workbook(path).worksheets
        for dv in ws.data_validations.dataValidation
        if dv.type == "list" and "WEBSERVICE" in str(dv.formula1)
    ]
    assert lists
    for formula in lists:
        assert re.fullmatch(r'"(?:[^"]|"")*"', formula), formula
        assert (
            formula[1:-1].replace('""', '"').split(",")[1]
            == 'TW"&WEBSERVICE("http://contoh.invalid/")&"'
        )


def test_a_petunjuk_line_longer_than_its_column_wraps_instead_of_spilling_onto_a_page(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """'Dinas Pemberdayaan Perempuan, … — Pemerintah Kabupaten Kepulauan Siau Tagulandang
    Biaro (Sitaro)' ran past the column, cut mid-word, and its rest printed on a page alone."""
    long_opd = (
        "Dinas Pemberdayaan Perempuan, Perlindungan Anak, Pengendalian Penduduk dan Keluarga "
        "Berencana"
    )
    opd = spec.opd.copy()
    opd.loc[opd["kode_opd"] == "BPKPAD", "nama_opd"] = long_opd
    nama = "Pemerintah Kabupaten Kepulauan Siau Tagulandang Biaro (Sitaro)"
    longer = replace(spec, opd=opd, pemda={**spec.pemda, "nama_pemda": nama})
    path = tpl.build_template(longer, "BPKPAD", tmp_path / "panjang.xlsx")
    ws = openpyxl.load_workbook(path)[tpl.SHEET_PETUNJUK]
    cells = {str(c.value): c for row in ws.iter_rows() for c in row if c.value}
    both = cells[f"{long_opd} — {nama}"]
    assert both.alignment.wrap_text and both.font.b
    assert ws.row_dimensions[both.row].height >= 2 * 12 * 10 / 9  # two lines of 10 pt
    short = next(c for t, c in cells.items() if t.startswith("Kode OPD:"))
    assert not short.alignment.wrap_text  # a line that fits keeps its one-line row
    assert ws.row_dimensions[short.row].height is None


def test_a_long_title_line_wraps_inside_the_columns_printed_on_every_page(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """A long Pemda name: the line 'Pemda — Tahun — batas pengumpulan …' ran on under the
    next columns, and on every further page of the sheet (where only columns A-C are printed
    again) it was cut at C's edge, the deadline lost. It wraps inside A-C, its row as tall as
    it needs; a line that fits stays one plain cell (Binjai's)."""
    pemda = {**spec.pemda, "nama_pemda": "Pemerintah Kabupaten Kepulauan Siau Tagulandang Biaro"}
    longer = replace(spec, pemda=pemda)
    for sheet in (tpl.SHEET_INDIKATOR, tpl.SHEET_ANGGARAN, tpl.SHEET_RENJA):
        ws = openpyxl.load_workbook(tpl.build_template(longer, "DINKES", tmp_path / "a.xlsx"))[
            sheet
        ]
        assert "A3:C3" in {str(r) for r in ws.merged_cells.ranges}, sheet
        assert ws["A3"].alignment.wrap_text and ws.row_dimensions[3].height >= 2 * 12, sheet
        assert "batas pengumpulan 15 Februari 2019" in ws["A3"].value
    plain = openpyxl.load_workbook(tpl.build_template(spec, "DINKES", tmp_path / "b.xlsx"))
    assert not plain[tpl.SHEET_INDIKATOR].merged_cells.ranges
