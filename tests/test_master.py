"""The master spec: the shipped one is valid; a broken one is refused with sheet/row/column."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.cells import sheet_parts
from pipeline.config import build_settings, load_defaults
from pipeline.ingest import workbook_problem
from pipeline.issues import ERROR, WARNING
from pipeline.master import MasterSpec, read_master
from tests.conftest import SPEC_PATH, run_limited
from tests.hostile_files import far_cell


def test_shipped_spec_is_complete(spec: MasterSpec) -> None:
    assert spec.kode_pemda == "1275"
    assert spec.tahun == 2018
    assert len(spec.indikator) == 132
    assert len(spec.program) == 160
    assert set(spec.indikator["polaritas"]) <= {"naik", "turun", "range", "kualitatif"}
    assert spec.indikator["kode_opd_list"].map(len).min() >= 1
    assert spec.tangga["opini_bpk"] == ["TMP", "TW", "WDP", "WTP"]
    pad = spec.indikator.set_index("kode_indikator").loc["IK01.09"]
    assert pad["target_nilai"] == pytest.approx(10.39)
    assert pad["target_tahun_depan"] == 11.9  # PK 2019, a number
    assert pad["target_akhir"] == 11.9  # no 2021 target: 2019's stands in, and says so
    assert pad["tahun_target_akhir"] == 2019
    assert "2021" in pad["catatan_target_akhir"]


def test_pk2018_is_authoritative_where_tables_disagree(spec: MasterSpec) -> None:
    ind = spec.indikator.set_index("kode_indikator")
    assert ind.loc["IK01.01", "target_teks"] == "WTP"  # Tabel 3.3 printed WDP
    assert ind.loc["IK10.02", "target_nilai"] == pytest.approx(12.262)  # a decimal, not 12262
    assert "PK 2018" in ind.loc["IK01.01", "catatan"]


def test_opd_aliases_resolve(spec: MasterSpec) -> None:
    assert spec.resolve_opd("Badan Kepegawaian Daerah (BKD)") == "BKD"
    assert spec.resolve_opd("BAPPEDA, BPS") == "BAPPEDA"
    assert spec.resolve_opd("Dinas PU dan PR") == "DPUPR"
    assert spec.resolve_opd("Kantor Pos") is None


def _broken(tmp_path: Path, edit) -> tuple[MasterSpec | None, list]:
    wb = openpyxl.load_workbook(SPEC_PATH)
    edit(wb)
    path = tmp_path / "spec.xlsx"
    wb.save(path)
    return read_master(path)


def _header(ws, name: str) -> int:
    return [c.value for c in ws[1]].index(name) + 1


def test_duplicate_code_names_sheet_row_and_column(tmp_path: Path) -> None:
    def edit(wb):
        ws = wb["indikator"]
        ws.cell(3, 1).value = ws.cell(2, 1).value

    spec, issues = _broken(tmp_path, edit)
    assert spec is None
    dup = [i for i in issues if i.rule == "spec.kode_ganda"]
    assert {(i.sheet, i.cell, i.severity) for i in dup} == {
        ("indikator", "A2", ERROR),
        ("indikator", "A3", ERROR),
    }
    assert "kolom 'kode_indikator'" in dup[0].message


def test_a_code_with_an_invisible_character_is_refused_at_its_cell(tmp_path: Path) -> None:
    """A zero-width space typed into IK01.04 looked like IK01.04: the spec was accepted, and
    the OPD was told it had changed its code."""

    def edit(wb):
        ws = wb["indikator"]
        ws.cell(5, 1).value = (
            str(ws.cell(5, 1).value)[:-1] + "\u200b" + str(ws.cell(5, 1).value)[-1]
        )

    spec, issues = _broken(tmp_path, edit)
    assert spec is None
    found = [i for i in issues if i.rule == "spec.kode_tak_terlihat"]
    assert [(i.sheet, i.cell, i.severity) for i in found] == [("indikator", "A5", ERROR)]
    assert "\\u200b" in found[0].found


def test_a_target_that_reads_two_ways_is_warned(tmp_path: Path) -> None:
    """'72.160' (Angka Harapan Hidup, years) was read as 72160 with no word: a capaian of
    0,1 % and a WARNING to the OPD, whose value was right."""

    def edit(wb):
        ws = wb["indikator"]
        col = _header(ws, "target_2018")
        ws.cell(5, col).value = "72.160"

    spec, issues = _broken(tmp_path, edit)
    assert spec is not None
    found = [i for i in issues if i.rule == "spec.angka_ambigu"]
    assert [(i.sheet, i.severity, i.found) for i in found] == [("indikator", WARNING, "72.160")]
    assert "72.160" in found[0].message and "dua cara" in found[0].message
    # the reading taken told apart from the other (72.160 read as typed)
    told = "dibaca sebagai 72.160 (titik sebagai pemisah ribuan), bukan 72,16 ("
    assert told in found[0].message


def test_unknown_sasaran_and_polarity_and_target_off_ladder(tmp_path: Path) -> None:
    def edit(wb):
        ws = wb["indikator"]
        ws.cell(4, _header(ws, "kode_sasaran")).value = "S99"
        ws.cell(5, _header(ws, "polaritas")).value = "keatas"
        ws.cell(2, _header(ws, "target_2018")).value = "SANGAT WTP"  # IK01.01 is kualitatif

    spec, issues = _broken(tmp_path, edit)
    assert spec is None
    found = {(i.rule, i.cell) for i in issues}
    assert ("spec.rujukan", "B4") in found
    assert ("spec.pilihan", "E5") in found
    target_col = openpyxl.utils.get_column_letter(
        _header(openpyxl.load_workbook(SPEC_PATH)["indikator"], "target_2018")
    )
    assert ("spec.target", f"{target_col}2") in found


def test_missing_sheet_and_missing_responsible_opd(tmp_path: Path) -> None:
    def edit(wb):
        del wb["program"]

    spec, issues = _broken(tmp_path, edit)
    assert spec is None
    assert any(i.rule == "spec.sheet_hilang" and i.sheet == "program" for i in issues)

    def edit2(wb):
        ws = wb["indikator"]
        ws.cell(6, _header(ws, "kode_opd")).value = None

    spec, issues = _broken(tmp_path, edit2)
    assert spec is None
    assert any(i.rule == "spec.wajib" and i.sheet == "indikator" for i in issues)


def test_a_repeated_column_title_is_refused_at_its_cell(tmp_path: Path) -> None:
    # Two columns titled 'uraian' (the second in another case): which one is meant cannot be
    # told, so the spec is refused there, not read with the wrong one (nor crashed on).
    def edit(wb):
        ws = wb["indikator"]
        extra = ws.max_column + 1
        ws.cell(1, extra).value = "Uraian "
        for row in range(2, ws.max_row + 1):
            ws.cell(row, extra).value = "uraian lain"
        wb["tangga"].cell(1, wb["tangga"].max_column + 1).value = "nilai"

    spec, issues = _broken(tmp_path, edit)
    assert spec is None
    repeated = [i for i in issues if i.rule == "spec.kolom_ganda"]
    wb = openpyxl.load_workbook(SPEC_PATH)
    indikator, tangga = wb["indikator"], wb["tangga"]
    assert [(i.sheet, i.cell, i.found, i.severity) for i in repeated] == [
        (
            "indikator",
            f"{openpyxl.utils.get_column_letter(indikator.max_column + 1)}1",
            "uraian",
            ERROR,
        ),
        ("tangga", f"{openpyxl.utils.get_column_letter(tangga.max_column + 1)}1", "nilai", ERROR),
    ]
    first = openpyxl.utils.get_column_letter(_header(indikator, "uraian"))
    assert f"sudah ada di {first}1" in repeated[0].message


def test_columns_without_a_title_are_not_read_and_are_pointed_at(
    tmp_path: Path, spec: MasterSpec
) -> None:
    # Notes typed beside the table (under no title) and a column titled like the row number
    # the reader adds: the spec reads as it did without them, and each untitled column that
    # holds something is named once.
    def edit(wb):
        ws = wb["indikator"]
        right = ws.max_column
        ws.cell(3, right + 2).value = "cek lagi dengan Bappeda"
        ws.cell(5, right + 2).value = 12.5
        ws.cell(7, right + 4).value = "x"
        opd = wb["opd"]
        opd.cell(1, opd.max_column + 1).value = "_row"
        opd.cell(2, opd.max_column).value = 99

    noted, issues = _broken(tmp_path, edit)
    assert noted is not None
    for name in ("indikator", "opd", "program", "sasaran"):
        pd.testing.assert_frame_equal(getattr(noted, name), getattr(spec, name))
    right = openpyxl.load_workbook(SPEC_PATH)["indikator"].max_column
    untitled = [i for i in issues if i.rule == "spec.kolom_tanpa_judul"]
    column = openpyxl.utils.get_column_letter
    assert [(i.sheet, i.cell, i.severity) for i in untitled] == [
        ("indikator", f"{column(right + 2)}1", WARNING),
        ("indikator", f"{column(right + 4)}1", WARNING),
    ]
    assert untitled[0].found == f"2 sel berisi; {column(right + 2)}3: cek lagi dengan Bappeda"


def test_unreadable_spec_is_refused_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "spec.xlsx"
    path.write_text("bukan excel")
    spec, issues = read_master(path)
    assert spec is None
    assert issues[0].rule == "spec.tidak_terbaca"


def _unreadable(tmp_path: Path, kind: str) -> Path:
    """A spec that cannot be read, of one kind."""
    path = tmp_path / ("spec.xls" if kind == "xls" else "spec.ods" if kind == "ods" else "s.xlsx")
    if kind == "acak":
        path.write_bytes(bytes(range(256)) * 8)
    elif kind == "terpotong":
        path.write_bytes(SPEC_PATH.read_bytes()[:20_000])
    elif kind == "xls":  # the OLE2 signature of a legacy workbook
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    elif kind == "ods":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            zf.writestr("content.xml", "<office:document-content/>")
    elif kind == "rusak":  # a zip that passes the screen, its workbook part broken
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("xl/workbook.xml", "<workbook")
    else:
        path.mkdir()
    return path


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("acak", "bukan Buku Kerja Excel (.xlsx)"),
        ("terpotong", "zip rusak atau terpotong"),
        ("xls", "format Excel lama (.xls)"),
        ("ods", "format OpenDocument (.ods)"),
        ("rusak", "isi buku kerja rusak"),
        ("folder", "folder, bukan berkas"),
    ],
)
def test_an_unreadable_spec_says_why_in_words(tmp_path: Path, kind: str, said: str) -> None:
    """The refusal said '[ditemukan: 'ValueError' …]' and, for a truncated zip, asked the
    secretariat to 'kirim ulang' (send again) its own spec, or an .ods to be saved 'dari
    templat'."""
    spec, issues = read_master(_unreadable(tmp_path, kind))
    assert spec is None
    assert [(i.rule, i.severity) for i in issues] == [("spec.tidak_terbaca", ERROR)]
    issue = issues[0]
    assert said in issue.found and said in issue.message
    assert issue.message.startswith("Master spec tidak dapat dibaca: ")
    for word in ("Error", "kirim ulang", "templat"):
        assert word not in issue.found and word not in issue.message


def _pemda_column(name: str, value: object):
    """An edit adding an optional column to the spec's ``pemda`` sheet."""

    def edit(wb):
        ws = wb["pemda"]
        col = ws.max_column + 1
        ws.cell(1, col).value = name
        ws.cell(2, col).value = value

    return edit


def _zona(value: str):
    return _pemda_column("zona_waktu", value)


def test_time_zone_of_the_pemda(tmp_path: Path, spec: MasterSpec) -> None:
    assert spec.zona_waktu == "WIB"  # the shipped spec has no zona_waktu column
    wita, _ = _broken(tmp_path, _zona("wita"))
    assert wita is not None and wita.zona_waktu == "WITA"
    refused, issues = _broken(tmp_path, _zona("EST"))
    assert refused is None
    (bad,) = [i for i in issues if i.sheet == "pemda" and "zona_waktu" in i.message]
    assert bad.found == "EST" and "WIB, WITA, WIT" in bad.expected


def _provinsi(kode: object):
    return _pemda_column("kode_provinsi", kode)


def test_a_province_code_that_does_not_begin_the_pemda_code_is_warned(tmp_path: Path) -> None:
    """Kota Binjai (1275) given province 32: it was counted in province 32 of a national
    consolidation without a word. A WARNING at the cell; 12 (and no code) say nothing."""
    spec, issues = _broken(tmp_path, _provinsi(32))
    assert spec is not None  # used all the same
    (said,) = [i for i in issues if i.rule == "spec.kode_provinsi"]
    assert (said.severity, said.sheet, said.found) == (WARNING, "pemda", "32")
    assert "bukan awal kode Pemda 1275" in said.message and "(12)" in said.expected
    for fine in ("12", None):
        _, issues = _broken(tmp_path, _provinsi(fine))
        assert not [i for i in issues if i.rule == "spec.kode_provinsi"]


def test_kode_pemda_never_names_a_folder_above_and_is_found_below_blank_rows(
    tmp_path: Path,
) -> None:
    def edit(wb):
        ws = wb["pemda"]
        ws.insert_rows(2)  # a blank row above the data: the data row is row 3
        ws.cell(3, _header(ws, "kode_pemda")).value = ".."

    spec, issues = _broken(tmp_path, edit)
    assert spec is None
    kode = [i for i in issues if i.sheet == "pemda" and "kode_pemda" in i.message]
    column = openpyxl.utils.get_column_letter(
        _header(openpyxl.load_workbook(SPEC_PATH)["pemda"], "kode_pemda")
    )
    assert [(i.cell, i.found, i.severity) for i in kode] == [(f"{column}3", "..", ERROR)]
    assert "tidak diawali titik" in kode[0].expected


@pytest.mark.parametrize(
    ("sheet", "ref", "where"),
    [
        ("pemda", "XFD1048576", "baris 1.048.576 dan kolom XFD"),
        ("indikator", "ZZZ5", "baris 5 dan kolom ZZZ"),
        ("tangga", "B2000000", "baris 2.000.000 dan kolom B"),
        ("program", "SS20000", "baris 20.000 dan kolom SS"),  # each bound kept, too many cells
    ],
)
def test_a_cell_far_outside_the_tables_refuses_the_spec_before_it_is_read(
    tmp_path: Path, sheet: str, ref: str, where: str
) -> None:
    """The spec is read in this process, not in an isolated reader: one far cell would make the
    reader ask for hundreds of gigabytes and end the process (a national run with it). It is
    screened first; the reading itself is tried in a child process with a memory limit, so a
    regression fails this test instead of ending the test session."""
    parts = sheet_parts(zipfile.ZipFile(SPEC_PATH))
    path = tmp_path / "spec.xlsx"
    far_cell(path, SPEC_PATH, parts[sheet], ref)
    problem = workbook_problem(path)
    assert f"sheet '{sheet}'" in problem and where in problem
    assert workbook_problem(SPEC_PATH) == ""
    done = run_limited(
        "import sys; from pathlib import Path\n"
        "from pipeline.master import read_master\n"
        "spec, issues = read_master(Path(sys.argv[1]))\n"
        "print(spec is None, issues[0].rule, issues[0].message)\n",
        str(path),
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.startswith("True spec.tidak_terbaca") and where in done.stdout


def test_a_spec_whose_path_is_not_utf8_is_read(tmp_path: Path) -> None:
    """A spec in a folder, or under a name, that is not UTF-8 is read from its bytes (the value
    reader takes no such path): it was refused as 'No such file or directory'."""
    import os
    import shutil

    folder = tmp_path / os.fsdecode(b"spek \xfe")
    folder.mkdir()
    path = folder / os.fsdecode(b"binjai \xff.xlsx")
    shutil.copy(SPEC_PATH, path)
    spec, issues = read_master(path)
    assert spec is not None, [i.message for i in issues if i.severity == ERROR]
    assert spec.kode_pemda == "1275" and len(spec.indikator) > 100


def test_a_spec_without_any_indicator_is_refused_with_one_error(tmp_path: Path) -> None:
    """An indikator sheet with only its titles (a spec not filled in yet) ended the run with a
    traceback; it is refused with one ERROR saying what to fill in."""
    wb = openpyxl.load_workbook(SPEC_PATH)
    wb["indikator"].delete_rows(2, wb["indikator"].max_row)
    path = tmp_path / "tanpa_indikator.xlsx"
    wb.save(path)
    spec, issues = read_master(path)
    assert spec is None
    errors = [i for i in issues if i.severity == ERROR]
    assert [(i.rule, i.sheet, i.cell) for i in errors] == [
        ("spec.indikator_kosong", "indikator", "baris 2")
    ]
    assert "tidak memuat satu pun indikator" in errors[0].message


def test_kode_opd_that_differ_only_in_case_are_refused(tmp_path: Path) -> None:
    """Two OPDs coded 'BKD' and 'bkd' get feedback files whose names differ only in case: on
    Windows and macOS one overwrites the other, and one OPD would read the other's feedback."""
    wb = openpyxl.load_workbook(SPEC_PATH)
    for ws in wb.worksheets:  # KESBANGPOL becomes 'bkd' wherever the spec uses it
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == "KESBANGPOL":
                    cell.value = "bkd"
    path = tmp_path / "kode.xlsx"
    wb.save(path)
    spec, issues = read_master(path)
    assert spec is None
    errors = [i for i in issues if i.severity == ERROR]
    assert [(i.rule, i.sheet, i.cell, i.found) for i in errors] == [
        ("spec.kode_ganda", "opd", "A12", "bkd")
    ]
    assert "'BKD' di baris 11" in errors[0].message


@pytest.mark.parametrize(
    "code",
    ["../../keluar", "DPU/PR", "DINKES\\2", ".", ".tersembunyi", "B" * 65, "CON", "nul.1", "Com1"],
)
def test_a_kode_opd_that_cannot_name_a_file_is_refused(tmp_path: Path, code: str) -> None:
    """A Kode OPD names the OPD's feedback, E.81 and template files: '../../keluar' wrote a
    feedback file two folders above the output, 'DPU/PR' one in a folder of its own, and
    'CON.xlsx' is a device on Windows, where the secretariat copies the files to send them."""
    wb = openpyxl.load_workbook(SPEC_PATH)
    for ws in wb.worksheets:  # the code everywhere the spec uses it
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == "BKD":
                    cell.value = code
    path = tmp_path / "kode.xlsx"
    wb.save(path)
    spec, issues = read_master(path)
    assert spec is None
    errors = [i for i in issues if i.severity == ERROR]
    assert [(i.rule, i.sheet, i.found) for i in errors] == [("spec.kode_opd", "opd", code)]
    assert errors[0].cell.startswith("A")


def _with_scale(rows: list[tuple[object, ...]]):
    """An edit: a ``skala`` sheet with ``rows`` under its header, chosen in ``pengaturan``."""

    def edit(wb):
        ws = wb.create_sheet("skala")
        ws.append(["skala", "label", "batas", "aturan", "warna"])
        for row in rows:
            ws.append(list(row))
        settings = wb["pengaturan"]
        for row in settings.iter_rows(min_row=2):
            if row[0].value == "skala_predikat":
                row[1].value = "saya"

    return edit


def test_a_custom_scale_band_that_cannot_be_used_is_refused_at_its_cell(tmp_path: Path) -> None:
    """A typo in a bound (``9O``) used to make that band the bottom one, an unknown colour
    ended the run in xlsxwriter, an unknown rule or a label given twice went unnoticed: each
    is an ERROR at its cell of the ``skala`` sheet, and the spec is refused."""
    spec, issues = _broken(
        tmp_path,
        _with_scale(
            [
                ("saya", "Baik", "9O", "lebih_dari", "#00B050"),  # row 2: not a number
                ("saya", "Cukup", 50, "lebih_besar", "#FFEB9C"),  # row 3: unknown rule
                ("saya", "Cukup", 30, "minimal", "hijau"),  # row 4: label again, no colour
                ("saya", "Kurang", "", "minimal", "#FF0000"),  # row 5: the bottom band
                ("saya", "Buruk", "", "minimal", "#C00000"),  # row 6: a second bottom band
                ("permendagri_54_2010", "X", 1, "minimal", "#000000"),  # row 7: packaged name
                ("", "Y", 2, "minimal", "#000000"),  # row 8: no name
                ("saya", "Lumayan", 40, "", ""),  # row 9: fine (the defaults)
            ]
        ),
    )
    assert spec is None
    found = {(i.cell, i.found) for i in issues if i.rule == "spec.skala"}
    assert found == {
        ("C2", "9O"),
        ("D3", "lebih_besar"),
        ("B4", "Cukup"),
        ("E4", "hijau"),
        ("C6", ""),
        ("A7", "permendagri_54_2010"),
        ("A8", ""),
    }
    assert all(
        i.severity == ERROR and i.sheet == "skala" for i in issues if i.rule == "spec.skala"
    )


def test_a_custom_scale_is_built_from_its_bands(tmp_path: Path) -> None:
    spec, issues = _broken(
        tmp_path,
        _with_scale(
            [
                ("saya", "Cukup", "50", "minimal", ""),
                ("saya", "Baik", 80.5, "lebih_dari", "#00b050"),
                ("saya", "Kurang", "", "", "#FF0000"),
            ]
        ),
    )
    assert spec is not None, [i.message for i in issues if i.severity == ERROR]
    scale = spec.settings.skala
    assert [(b.label, b.batas, b.aturan, b.warna) for b in scale.bands] == [
        ("Baik", 80.5, "lebih_dari", "#00b050"),
        ("Cukup", 50.0, "minimal", "#BDBDBD"),
        ("Kurang", float("-inf"), "lebih_dari", "#FF0000"),
    ]
    assert [scale.classify(v) for v in (80.5, 80.6, 50, 49.9)] == [
        "Cukup",
        "Baik",
        "Cukup",
        "Kurang",
    ]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("desimal_tampilan", "nan"),
        ("desimal_tampilan", "inf"),
        ("desimal_tampilan", "40"),
        ("desimal_tampilan", "2,5"),
        ("batas_capaian", "nan"),
        ("batas_capaian", "inf"),
        ("efisiensi_batas_atas", "nan"),
        ("efisiensi_batas_bawah", "-inf"),
    ],
)
def test_a_setting_that_is_not_a_usable_number_is_refused(key: str, value: str) -> None:
    """``nan`` or ``inf`` in a number setting used to pass (``desimal_tampilan`` then ended the
    run, ``batas_capaian = nan`` made every capped capaian NaN); 40 or 2,5 decimals were
    clamped silently. Each is an ERROR naming the setting, and the default is kept."""
    settings, issues = build_settings({key: value})
    assert [(i.rule, i.cell, i.found, i.severity) for i in issues] == [
        ("spec.pengaturan", key, value, ERROR)
    ]
    default = load_defaults()["pengaturan"][key]
    assert getattr(settings, key) == (
        int(default) if key == "desimal_tampilan" else float(default)
    )


def _setting(wb, key: str):
    return next(r for r in wb["pengaturan"].iter_rows(min_row=2) if r[0].value == key)


def test_a_sheet_renamed_only_in_case_or_spaces_is_read_with_a_warning(tmp_path: Path) -> None:
    """``pengaturan`` renamed ``Pengaturan `` was not read, without a word: every setting
    fell back to its default (another scale, cap and formula, other numbers)."""

    def edit(wb):
        _setting(wb, "batas_capaian")[1].value = "110"
        wb["pengaturan"].title = "Pengaturan "
        wb["tangga"].title = "sementara"  # openpyxl numbers a title equal but for its case
        wb["sementara"].title = "TANGGA"

    spec, issues = _broken(tmp_path, edit)
    assert spec is not None, [i.message for i in issues if i.severity == ERROR]
    assert spec.settings.batas_capaian == 110
    assert "opini_bpk" in spec.tangga
    renamed = {(i.sheet, i.expected, i.severity) for i in issues if i.rule == "spec.nama_sheet"}
    assert renamed == {("Pengaturan ", "pengaturan", WARNING), ("TANGGA", "tangga", WARNING)}


def test_a_setting_given_twice_is_refused_at_its_second_row(tmp_path: Path) -> None:
    def edit(wb):
        wb["pengaturan"].append(["batas_capaian", "110", "dua kali"])

    spec, issues = _broken(tmp_path, edit)
    assert spec is None
    twice = [i for i in issues if i.rule == "spec.pengaturan"]
    row = openpyxl.load_workbook(SPEC_PATH)["pengaturan"].max_row + 1
    assert [(i.cell, i.found, i.severity) for i in twice] == [(f"A{row}", "batas_capaian", ERROR)]


@pytest.mark.parametrize("rank", ["", "tiga", "same"])
def test_a_ladder_rank_that_is_no_number_or_taken_is_refused_at_its_cell(
    tmp_path: Path, rank: str
) -> None:
    """A rank left blank or typed as a word put the value at the top of its ladder; a rank
    given twice left the order of the two values to chance."""

    def edit(wb):
        ws = wb["tangga"]
        ws.cell(3, 2).value = ws.cell(2, 2).value if rank == "same" else rank

    spec, issues = _broken(tmp_path, edit)
    assert spec is None
    bad = [(i.cell, i.severity) for i in issues if i.rule == "spec.tangga"]
    assert bad == [("B3", ERROR)]


def test_a_choice_typed_with_capitals_is_the_choice_it_names(tmp_path: Path) -> None:
    """'Turun', 'Persen', 'Nilai_Akhir' refused the whole spec ('tidak dikenal') while
    ' turun ' was taken: a choice is now read in small letters. A polarity written out in
    words is still refused, and told what each choice means."""

    def edit(wb):
        ws = wb["indikator"]
        for row, values in (
            (5, ("Turun", "Persen", "Nilai_Akhir")),
            (6, ("NAIK", "ANGKA", "KUMULATIF")),
        ):
            for key, value in zip(("polaritas", "tipe_nilai", "agregasi_tw"), values, strict=True):
                ws.cell(row, _header(ws, key)).value = value

    spec, issues = _broken(tmp_path, edit)
    assert spec is not None, [i.message for i in issues if i.severity == ERROR]
    ws = openpyxl.load_workbook(SPEC_PATH)["indikator"]
    codes = {r: ws.cell(r, _header(ws, "kode_indikator")).value for r in (5, 6)}
    row = spec.indikator.set_index("kode_indikator").rename(index={v: k for k, v in codes.items()})
    assert tuple(row.loc[5, ["polaritas", "tipe_nilai", "agregasi_tw"]]) == (
        "turun",
        "persen",
        "nilai_akhir",
    )
    assert tuple(row.loc[6, ["polaritas", "tipe_nilai", "agregasi_tw"]]) == (
        "naik",
        "angka",
        "kumulatif",
    )

    def words(wb):
        ws = wb["indikator"]
        ws.cell(5, _header(ws, "polaritas")).value = "Semakin kecil semakin baik"

    (tmp_path / "kata").mkdir()
    spec, issues = _broken(tmp_path / "kata", words)
    assert spec is None
    (issue,) = [i for i in issues if i.rule == "spec.pilihan"]
    assert issue.cell == "E5" and issue.found == "semakin kecil semakin baik"
    assert "turun: semakin kecil semakin baik" in issue.message


def test_a_blank_polarity_is_refused_at_its_cell(tmp_path: Path) -> None:
    def edit(wb):
        ws = wb["indikator"]
        ws.cell(5, _header(ws, "polaritas")).value = None

    spec, issues = _broken(tmp_path, edit)
    assert spec is None
    assert [(i.cell, i.message[:16]) for i in issues if i.rule == "spec.pilihan"] == [
        ("E5", "Polaritas kosong")
    ]


@pytest.mark.parametrize(
    ("rows", "cell"),
    [
        # no bottom band: a capaian below 50 had no predikat, yet was labelled (at its first row)
        ([("saya", "Baik", 80, "minimal", ""), ("saya", "Cukup", 50, "minimal", "")], "C2"),
        # one bound twice: 'Baik' (> 100) can never be given beside 'Istimewa' (≥ 100)
        (
            [
                ("saya", "Istimewa", 100, "minimal", ""),
                ("saya", "Baik", 100, "lebih_dari", ""),
                ("saya", "Kurang", "", "", ""),
            ],
            "C3",
        ),
    ],
)
def test_a_scale_with_a_band_missing_or_never_reached_is_refused(
    tmp_path: Path, rows: list[tuple[object, ...]], cell: str
) -> None:
    spec, issues = _broken(tmp_path, _with_scale(rows))
    assert spec is None
    assert [(i.cell, i.severity) for i in issues if i.rule == "spec.skala"] == [(cell, ERROR)]


def test_a_target_typed_as_a_percent_in_excel_is_read_as_the_percent_shown(
    tmp_path: Path,
) -> None:
    """``92%`` typed in a target cell is stored as 0,92: read so, the OPD's correct 87,4 was
    refused as 'a percent typed as a fraction', and the report became a DRAFT."""
    book = openpyxl.load_workbook(SPEC_PATH)["indikator"]
    header = [c.value for c in book[1]]
    rows = {r[0].value: r[0].row for r in book.iter_rows(min_row=2)}
    persen = next(
        c for c in rows if "%" in str(book.cell(rows[c], header.index("satuan") + 1).value)
    )
    column = header.index("target_2018") + 1

    def edit(wb):
        ws = wb["indikator"]
        ws.cell(rows[persen], column).value = 0.92
        ws.cell(rows[persen], column).number_format = "0%"

    spec, issues = _broken(tmp_path, edit)
    assert spec is not None, [i.message for i in issues if i.severity == ERROR]
    target = spec.indikator.set_index("kode_indikator").loc[persen, "target_nilai"]
    assert target == 92
    said = [i for i in issues if i.rule == "spec.format_persen"]
    letter = openpyxl.utils.get_column_letter(column)
    assert [(i.cell, i.severity, i.found) for i in said] == [
        (f"{letter}{rows[persen]}", "INFO", "92%")
    ]


def test_two_sheets_renamed_alike_are_refused_and_a_renamed_indikator_keeps_its_formats(
    tmp_path: Path,
) -> None:
    def twice(wb):
        wb["pengaturan"].title = "sementara"  # openpyxl numbers a title equal but for case
        wb["sementara"].title = "Pengaturan"
        wb.copy_worksheet(wb["Pengaturan"]).title = "PENGATURAN "

    spec, issues = _broken(tmp_path, twice)
    assert spec is None
    assert sorted((i.sheet, i.severity) for i in issues if i.rule == "spec.nama_sheet") == [
        ("PENGATURAN ", ERROR),
        ("Pengaturan", ERROR),
    ]

    book = openpyxl.load_workbook(SPEC_PATH)["indikator"]
    header = [c.value for c in book[1]]
    satuan = header.index("satuan") + 1
    row = next(r[0].row for r in book.iter_rows(min_row=2) if "%" in str(r[satuan - 1].value))
    column = header.index("target_2018") + 1

    def renamed(wb):
        ws = wb["indikator"]
        ws.cell(row, column).value = 0.92
        ws.cell(row, column).number_format = "0%"
        ws.title = "Indikator "

    spec, issues = _broken(tmp_path, renamed)
    assert spec is not None, [i.message for i in issues if i.severity == ERROR]
    code = book.cell(row, 1).value
    assert spec.indikator.set_index("kode_indikator").loc[code, "target_nilai"] == 92


def test_a_column_title_typed_with_spaces_or_capitals_is_read(tmp_path: Path) -> None:
    """``Target 2019``, ``kode opd`` or ``Kode_OPD `` was not recognised, without a word: the
    next year's targets, or the responsible OPD of every indicator, were lost. Titles are
    read in the spec's spelling; one that names no column of its sheet gets a WARNING at its
    cell."""
    book = openpyxl.load_workbook(SPEC_PATH)
    header = [c.value for c in book["indikator"][1]]
    target, kode_opd = header.index("target_2019") + 1, header.index("kode_opd") + 1
    program = [c.value for c in book["program"][1]]
    extra = len(header) + 1

    def edit(wb):
        ws = wb["indikator"]
        ws.cell(1, target).value = "Target 2019"
        ws.cell(1, kode_opd).value = "kode opd"
        ws.cell(1, extra).value = "Sumber - Data"
        ws.cell(2, extra).value = "BPS"
        wb["program"].cell(1, program.index("kode_opd") + 1).value = "Kode_OPD "

    spec, issues = _broken(tmp_path, edit)
    assert spec is not None, [i.message for i in issues if i.severity == ERROR]
    pad = spec.indikator.set_index("kode_indikator").loc["IK01.09"]
    assert pad["target_tahun_depan"] == 11.9
    assert spec.workload("BKD")[0] > 0
    unknown = [i for i in issues if i.rule == "spec.kolom_tidak_dikenal"]
    letter = openpyxl.utils.get_column_letter(extra)
    assert [(i.sheet, i.cell, i.found, i.severity) for i in unknown] == [
        ("indikator", f"{letter}1", "Sumber - Data", WARNING)
    ]
    assert unknown[0].message.startswith(
        "Kolom 'Sumber - Data' sheet 'indikator' tidak dikenal dan tidak dibaca; judul kolom "
        "yang dikenal: kode_indikator, "
    )
    assert "target_<tahun>" in unknown[0].message and "kode_opd" in unknown[0].message


def test_a_setting_is_read_as_shown_and_located_at_its_cell(tmp_path: Path) -> None:
    """``batas_capaian`` typed as ``1.000`` was read as 1 (the decimal point of English), a
    ``120%`` typed in a percent-formatted cell (stored 1,2) capped every capaian at 1,2 %, a
    scale bound typed as ``90%`` was 0,9: each is read as the Indonesian reader sees it."""
    row = _setting(openpyxl.load_workbook(SPEC_PATH), "batas_capaian")[0].row

    def typed(wb):
        _setting(wb, "batas_capaian")[1].value = "1.000"

    spec, issues = _broken(tmp_path, typed)
    assert spec is not None, [i.message for i in issues if i.severity == ERROR]
    assert spec.settings.batas_capaian == 1000

    def percent(wb):
        cell = _setting(wb, "batas_capaian")[1]
        cell.value, cell.number_format = 1.2, "0%"
        _with_scale([("saya", "Baik", 0.9, "", ""), ("saya", "Kurang", "", "", "")])(wb)
        wb["skala"]["C2"].number_format = "0.0%"

    spec, issues = _broken(tmp_path, percent)
    assert spec is not None, [i.message for i in issues if i.severity == ERROR]
    assert spec.settings.batas_capaian == 120
    assert [b.batas for b in spec.settings.skala.bands] == [90, float("-inf")]
    said = [
        (i.sheet, i.cell, i.found, i.severity) for i in issues if i.rule == "spec.format_persen"
    ]
    assert said == [("pengaturan", f"B{row}", "120%", "INFO"), ("skala", "C2", "90%", "INFO")]

    def unknown(wb):
        _setting(wb, "batas_capaian")[0].value = "batas_capian"

    spec, issues = _broken(tmp_path, unknown)
    assert [(i.cell, i.found) for i in issues if i.rule == "spec.pengaturan"] == [
        (f"A{row}", "batas_capian")
    ]


@pytest.mark.parametrize("value", [1.2, "1,2", "90"])
def test_a_cap_below_100_is_refused_at_its_cell(tmp_path: Path, value: object) -> None:
    """A cap of 1,2 (a fraction typed for 120 %) capped every capaian at 1,2 % without a word;
    any cap below 100 cuts even a target met exactly."""
    row = _setting(openpyxl.load_workbook(SPEC_PATH), "batas_capaian")[0].row

    def edit(wb):
        _setting(wb, "batas_capaian")[1].value = value

    spec, issues = _broken(tmp_path, edit)
    assert spec is None
    cap = [i for i in issues if i.rule == "spec.pengaturan"]
    assert [(i.sheet, i.cell, i.severity) for i in cap] == [("pengaturan", f"B{row}", ERROR)]
    assert "di bawah 100" in cap[0].message and "tulis 120 untuk 120 %" in cap[0].message


def test_a_scale_whose_bounds_are_fractions_is_refused(tmp_path: Path) -> None:
    """Bounds 0,9 / 0,75 / 0,5 (fractions typed for percents) gave nearly every capaian the
    top predikat."""
    spec, issues = _broken(
        tmp_path,
        _with_scale(
            [
                ("saya", "Baik", 0.75, "", ""),
                ("saya", "Sangat Baik", "0,9", "", ""),
                ("saya", "Cukup", 0.5, "", ""),
                ("saya", "Kurang", "", "", ""),
            ]
        ),
    )
    assert spec is None
    bad = [i for i in issues if i.rule == "spec.skala"]
    assert [(i.cell, i.found, i.severity) for i in bad] == [("C3", "0,9", ERROR)]
    assert "Semua batas skala 'saya' 1 atau kurang (0,9; 0,75; 0,5)" in bad[0].message


def test_a_renja_target_typed_as_a_percent_in_excel_is_read_as_the_percent_shown(
    tmp_path: Path,
) -> None:
    """A Renja target typed ``99,57%`` (stored 0,9957) was read as 0,9957: every OPD's K was
    then blamed as 100 times its target."""
    book = openpyxl.load_workbook(SPEC_PATH)["indikator_renja"]
    header = [c.value for c in book[1]]
    column = header.index("target_2018") + 1
    row = next(
        r[0].row for r in book.iter_rows(min_row=2) if r[header.index("satuan")].value == "%"
    )
    code = book.cell(row, 1).value

    def edit(wb):
        cell = wb["indikator_renja"].cell(row, column)
        cell.value, cell.number_format = 0.9957, "0.00%"

    spec, issues = _broken(tmp_path, edit)
    assert spec is not None, [i.message for i in issues if i.severity == ERROR]
    target = spec.indikator_renja.set_index("kode_indikator").loc[code, "target"]
    assert target == pytest.approx(99.57)
    letter = openpyxl.utils.get_column_letter(column)
    assert [
        (i.sheet, i.cell, i.severity, i.found) for i in issues if i.rule == "spec.format_persen"
    ] == [("indikator_renja", f"{letter}{row}", "INFO", "99,57%")]


def test_a_spec_cell_with_an_error_value_or_no_stored_result_is_refused_at_its_cell(
    tmp_path: Path,
) -> None:
    """The reader gives ``#DIV/0!``, ``#REF!`` or a formula never calculated as an empty cell:
    a target of another year was dropped, a setting fell back to its default, without a word.
    Each is an ERROR at its cell saying what it holds, and nothing else is said of it."""
    from tests.pemda_contoh import rewrite

    wb = openpyxl.load_workbook(SPEC_PATH)
    ind, prog = wb["indikator"], wb["program"]
    t2018, t2019 = (
        openpyxl.utils.get_column_letter(_header(ind, f"target_{y}")) for y in (2018, 2019)
    )
    wajar = openpyxl.utils.get_column_letter(_header(ind, "batas_wajar_min"))
    pagu = openpyxl.utils.get_column_letter(_header(prog, "pagu_2018"))
    setting = _setting(wb, "batas_capaian")[1]
    ind[f"{t2019}2"] = "=1/0"  # its result set to #DIV/0! below
    ind[f"{t2018}3"] = "=J2*2"  # never calculated: no stored result
    ind[f"{wajar}4"] = "#N/A"  # an error value typed or pasted
    prog[f"{pagu}2"] = "#REF!"
    setting.value = "=1/0"
    path = tmp_path / "spec.xlsx"
    wb.save(path)
    parts = sheet_parts(zipfile.ZipFile(path))

    def cached_error(ref: str):
        def change(text: str) -> str:
            cell = re.search(rf'<c r="{ref}"[^>]*>.*?</c>', text)
            assert cell, ref
            return text.replace(cell.group(0), f'<c r="{ref}" t="e"><f>1/0</f><v>#DIV/0!</v></c>')

        return change

    rewrite(path, parts["indikator"], cached_error(f"{t2019}2"))
    rewrite(path, parts["pengaturan"], cached_error(setting.coordinate))
    spec, issues = read_master(path)
    assert spec is None
    refused = {(i.sheet, i.cell): (i.found, i.severity) for i in issues if i.rule == "spec.rumus"}
    assert refused == {
        ("indikator", f"{t2019}2"): ("rumus menghasilkan #DIV/0!", ERROR),
        ("indikator", f"{t2018}3"): ("rumus tanpa nilai tersimpan", ERROR),
        ("indikator", f"{wajar}4"): ("nilai galat #N/A", ERROR),
        ("program", f"{pagu}2"): ("nilai galat #REF!", ERROR),
        ("pengaturan", setting.coordinate): ("rumus menghasilkan #DIV/0!", ERROR),
    }
    # nothing else is said of those cells (not 'target kosong', not 'Pagu tidak sah')
    assert [i.rule for i in issues if (i.sheet, i.cell) in refused] == ["spec.rumus"] * 5
    said = next(i for i in issues if i.cell == f"{t2018}3" and i.sheet == "indikator")
    assert "simpan ulang di Excel atau LibreOffice" in said.message


def test_a_text_cell_of_the_spec_with_an_error_value_is_warned(tmp_path: Path) -> None:
    """An indicator's name or unit holding #REF! (a formula whose source row was deleted) was
    read as empty and said nothing: the report showed an indicator without a name. A WARNING
    at the cell says what it holds and that it is read as empty."""
    from tests.pemda_contoh import rewrite

    wb = openpyxl.load_workbook(SPEC_PATH)
    ind = wb["indikator"]
    uraian = openpyxl.utils.get_column_letter(_header(ind, "uraian"))
    satuan = openpyxl.utils.get_column_letter(_header(ind, "satuan"))
    ind[f"{satuan}4"] = "#N/A"  # an error value pasted
    path = tmp_path / "spec.xlsx"
    wb.save(path)
    parts = sheet_parts(zipfile.ZipFile(path))

    def cached_error(text: str) -> str:
        cell = re.search(rf'<c r="{uraian}3"[^>]*>.*?</c>', text)
        assert cell
        return text.replace(cell.group(0), f'<c r="{uraian}3" t="e"><f>#REF!</f><v>#REF!</v></c>')

    rewrite(path, parts["indikator"], cached_error)
    spec, issues = read_master(path)
    assert spec is not None  # a name or a unit missing does not refuse the spec
    said = {(i.cell, i.severity, i.found) for i in issues if i.rule == "spec.rumus"}
    assert said == {
        (f"{uraian}3", WARNING, "rumus menghasilkan #REF!"),
        (f"{satuan}4", WARNING, "nilai galat #N/A"),
    }
    text = next(i for i in issues if i.cell == f"{uraian}3")
    assert "(kolom 'uraian'); sel ini dibaca kosong." in text.message


def test_an_empty_report_year_target_says_what_it_takes(tmp_path: Path) -> None:
    """An empty target of the reporting year said 'seharusnya: target kosong', the problem
    instead of what the cell takes; a formula never calculated there said the same."""
    ws = openpyxl.load_workbook(SPEC_PATH)["indikator"]
    column = openpyxl.utils.get_column_letter(_header(ws, "target_2018"))
    polaritas = _header(ws, "polaritas")
    naik = next(r[0].row for r in ws.iter_rows(min_row=2) if r[polaritas - 1].value == "naik")
    kualitatif = next(
        r[0].row for r in ws.iter_rows(min_row=2) if r[polaritas - 1].value == "kualitatif"
    )

    def edit(wb):
        wb["indikator"][f"{column}{naik}"] = None
        wb["indikator"][f"{column}{kualitatif}"] = "=A1"  # no stored result

    spec, issues = _broken(tmp_path, edit)
    assert spec is None
    said = {i.cell: i for i in issues if i.sheet == "indikator" and i.severity == ERROR}
    assert set(said) == {f"{column}{naik}", f"{column}{kualitatif}"}
    empty = said[f"{column}{naik}"]
    assert (empty.rule, empty.found) == ("spec.target", "")
    assert empty.expected.startswith("target angka untuk tahun laporan")
    assert "Target 2018 (tahun laporan) indikator" in empty.message and "kosong" in empty.message
    formula = said[f"{column}{kualitatif}"]
    assert (formula.rule, formula.found) == ("spec.rumus", "rumus tanpa nilai tersimpan")


def test_the_manifest_holds_the_settings_as_they_are(report_dir: Path, spec: MasterSpec) -> None:
    """``efisiensi_batas_bawah = -5`` was written to manifest.json as ``"'-5"``: the
    apostrophe that keeps a CSV cell from being read as a formula was put into JSON too."""
    manifest = json.loads((report_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pengaturan"]["efisiensi_batas_bawah"] == "-5"
    assert manifest["pengaturan"] == spec.settings.raw


def test_without_row_is_drop_and_renumber() -> None:
    from pipeline.master import _without_row

    frame = pd.DataFrame({"a": ["x", "y", "z"], "_row": [2, 4, 5], "b": [1.5, 2.0, None]})
    for given in (frame, frame.iloc[[2, 0]], frame.set_index(pd.RangeIndex(1, 4))):
        want = given.drop(columns="_row").reset_index(drop=True)
        got = _without_row(given)
        pd.testing.assert_frame_equal(got, want, check_index_type=True, check_column_type=True)
        assert repr(got.index) == repr(want.index)
        assert "_row" in given  # the frame given is not changed
    out = _without_row(frame)
    out["a"] = "changed"
    out.loc[0, "b"] = 9.0
    assert frame["a"].tolist() == ["x", "y", "z"]
    assert frame["b"].tolist()[0] == 1.5


def test_a_sheet_read_column_by_column_gives_what_its_frame_gives() -> None:
    """A spec sheet is kept column by column and made a frame only where one is needed; its
    columns, its first row and its frame without ``_row`` must be what the frame gives, for
    every kind of cell a reader hands over (a date becomes a Timestamp in a frame)."""
    from pipeline.master import _sheet_rows, _Table

    rows = [
        ["kode", "nilai", "tanggal", "campur", "kosong"],
        ["A", 1.5, dt.datetime(2024, 1, 31), True, None],
        [None, None, None, None, None],  # a blank row is left out
        ["  B ", 2.0, dt.datetime(2024, 2, 29), 3.0],  # a short row is empty to its end
        ["C", "7", dt.datetime(2024, 3, 31), "teks", ""],
    ]
    columns, cells, header = _sheet_rows(rows, numbers=("nilai", "tanggal"))
    table = _Table(columns, cells)
    frame = table.frame()
    assert header == ["kode", "nilai", "tanggal", "campur", "kosong"]
    assert list(frame.columns) == [*header, "_row"]
    assert frame["_row"].tolist() == [2, 4, 5]
    assert frame["kode"].tolist() == ["A", "B", "C"]
    for name in columns:
        assert table.column(name) == frame[name].tolist(), name
        assert list(map(type, table.column(name))) == list(map(type, frame[name].tolist()))
    first = {k: v for k, v in frame.iloc[0].to_dict().items() if k != "_row"}
    assert table.first() == first
    assert list(map(type, table.first().values())) == list(map(type, first.values()))
    pd.testing.assert_frame_equal(table.frame_without_row(), frame.drop(columns="_row"))
    assert isinstance(table.column("tanggal")[0], pd.Timestamp)


def test_what_is_derived_from_a_spec_is_made_again_only_when_a_frame_is_replaced() -> None:
    """What files ask of their spec is made once and kept; replacing one of the frames it was
    made from (another object, even an equal one) makes it again."""
    spec, _ = read_master(SPEC_PATH)
    assert spec is not None
    made: list[int] = []

    def build() -> int:
        made.append(len(spec.opd))
        return len(made)

    assert spec.derived("uji", (spec.opd, spec.indikator), build) == 1
    assert spec.derived("uji", (spec.opd, spec.indikator), build) == 1
    assert len(made) == 1
    spec.opd = spec.opd.copy()  # equal values, another frame
    assert spec.derived("uji", (spec.opd, spec.indikator), build) == 2
    assert spec.derived("uji", (spec.opd, spec.indikator), build) == 2
    assert spec.derived("lain", (spec.opd,), build) == 3  # each name kept on its own
    assert len(made) == 3
