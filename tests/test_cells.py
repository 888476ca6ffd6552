"""What python-calamine cannot see: percent formats, formulas and error values, from the XML."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipeline.cells import (
    BUKU_KERJA_LAIN,
    FUNGSI_BERUBAH,
    CellNote,
    formula_reference,
    is_percent_format,
    scan_sheets,
)
from tests import pemda_contoh as contoh


@pytest.mark.parametrize(
    ("code", "percent"),
    [
        ("0%", True),
        ("#,##0.00%", True),
        ("0.0%;[Red]-0.0%", True),
        ('0.00"%"', False),  # a literal percent sign in quotes
        ("0.00\\%", False),
        ("General", False),
        ("#,##0", False),
        ("[$-421]#,##0.00", False),
    ],
)
def test_percent_format_codes(code: str, percent: bool) -> None:
    assert is_percent_format(code) is percent


def _book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"] = 0.655
    ws["A1"].number_format = "0.0%"
    ws["B1"] = 0.5
    ws["B1"].number_format = "0%"  # built-in id 9
    ws["A2"] = "=1/0"
    ws["A3"] = 5
    ws["A4"] = "teks"
    wb.create_sheet("Lain")["A1"] = "=A2"
    wb.save(path)
    return path


def test_scan_finds_percent_cells_and_formulas_without_a_result(tmp_path: Path) -> None:
    path = _book(tmp_path / "b.xlsx")
    notes = scan_sheets(path, ("Data",), 100)
    assert set(notes) == {"Data"}  # only the sheets asked for
    data = notes["Data"]
    assert data[(1, 0)] == CellNote(persen=True)
    assert data[(1, 1)] == CellNote(persen=True)
    assert data[(2, 0)] == CellNote(rumus=True, tanpa_nilai=True)
    assert (3, 0) not in data and (4, 0) not in data  # nothing to say about plain cells


def test_scan_reads_a_stored_error_value(tmp_path: Path) -> None:
    path = _book(tmp_path / "b.xlsx")
    contoh.rewrite(
        path,
        "xl/worksheets/sheet1.xml",
        lambda t: re.sub(r'<c r="A2">.*?</c>', '<c r="A2" t="e"><f>1/0</f><v>#DIV/0!</v></c>', t),
    )
    assert scan_sheets(path, ("Data",), 100)["Data"][(2, 0)] == CellNote(
        rumus=True, galat="#DIV/0!"
    )


def test_scan_stops_after_max_rows(tmp_path: Path) -> None:
    path = _book(tmp_path / "b.xlsx")
    assert set(scan_sheets(path, ("Data",), 1)["Data"]) == {(1, 0), (1, 1)}


def test_scan_refuses_entity_declarations(tmp_path: Path) -> None:
    path = _book(tmp_path / "b.xlsx")
    bomb = '<!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    contoh.rewrite(path, "xl/styles.xml", lambda t: bomb + t.replace('"0.0%"', '"0.0%&b;"'))
    with pytest.raises(Exception, match=r"(?i)entit"):
        scan_sheets(path, ("Data",), 100)


def test_a_sheet_part_that_is_missing_is_no_note(tmp_path: Path) -> None:
    path = _book(tmp_path / "b.xlsx")
    with zipfile.ZipFile(path) as zf:
        assert "xl/worksheets/sheet1.xml" in zf.namelist()
    assert scan_sheets(path, ("Tidak Ada",), 100) == {}


def test_each_workbook_is_scanned_by_its_own_sheet_parts(tmp_path: Path) -> None:
    """Two files alike but for which part holds which sheet: each is read by its own
    relationships, also when the first one's mapping is remembered."""
    first = _book(tmp_path / "a.xlsx")
    second = _book(tmp_path / "b.xlsx")
    swap = {"worksheets/sheet1.xml": "worksheets/sheet2.xml"}
    swap["worksheets/sheet2.xml"] = "worksheets/sheet1.xml"
    contoh.rewrite(
        second,
        "xl/_rels/workbook.xml.rels",
        lambda t: re.sub("worksheets/sheet[12].xml", lambda m: swap[m.group(0)], t),
    )
    for _ in range(2):  # the second time from what is remembered
        data_first = scan_sheets(first, ("Data", "Lain"), 100)
        data_second = scan_sheets(second, ("Data", "Lain"), 100)
        assert data_first["Data"][(1, 0)] == CellNote(persen=True)
        assert data_first["Lain"] == {(1, 0): CellNote(rumus=True, tanpa_nilai=True)}
        # the sheet called Data is now the part of "Lain", and the other way round
        assert data_second["Lain"][(1, 0)] == CellNote(persen=True)
        assert data_second["Data"] == {(1, 0): CellNote(rumus=True, tanpa_nilai=True)}


def test_formula_scan_finds_exactly_the_formula_tokens():
    """The quick scan for formulas and error values answers as the token list does, also when
    data validations (``<formula1>``) or prefixed elements (``<x:f>``) are about."""
    from pipeline.cells import _FORMULA_OR_ERROR, _has_formula_or_error

    samples = [
        b"",
        b"<formula1>1</formula1><formula2>9</formula2>",
        b'<c r="A1"><f>B1*2</f><v>4</v></c>',
        b'<c r="A1"><f t="shared" ref="A1:A9" si="0"/></c>',
        b"<c><f/></c>",
        b"<x:c><x:f>1+1</x:f></x:c>",
        b"<x:c><x:f t='shared'/></x:c>",
        b'<c r="A1" t="e"><v>#DIV/0!</v></c>',
        b"<fill/><font/><x:formula1>1</x:formula1>",
        b"<f",
        b":f",
        b"f>",
        b"<f>",
        b"<ff>",
    ]
    # more "f" than are looked at one by one
    texts = b"<c><is><t>fasilitas fisik</t></is></c>" * 40
    samples += [texts + s for s in samples] + [s + texts for s in samples]
    samples += [texts[:cut] + b"<x:f/>" + texts[cut:] for cut in range(0, len(texts), 13)]
    for data in samples:
        assert _has_formula_or_error(data) == any(t in data for t in _FORMULA_OR_ERROR), data

    # before ``end``: the answer of the two plain scans the look at each "f" stands for
    def scans(data: bytes, end: int) -> bool:
        if data.find(b't="e"', 0, end) >= 0:
            return True
        for marker in (b"<f", b":f"):
            at = data.find(marker, 0, end)
            while at >= 0:
                if data[at + 2 : at + 3] in (b">", b" ", b"/"):
                    return True
                at = data.find(marker, at + 2, end)
        return False

    for data in samples[::3]:
        for end in range(0, len(data) + 1, 11):
            assert _has_formula_or_error(data, end) == scans(data, end), (data, end)


def test_only_the_cells_decide_whether_a_sheet_is_parsed():
    """What follows a sheet's cells (data validations with their ``<formula1>``) does not make
    it worth parsing; a formula, an error or a percent style among the cells does, also when a
    later text repeats the closing tag or the elements carry a prefix."""
    from pipeline.cells import _percent_attribute, _worth_parsing

    validations = b'<dataValidations><dataValidation><formula1>"a,b"</formula1>'
    after = validations + b"</dataValidation></dataValidations></worksheet>"
    percent = _percent_attribute([False, False, True])
    cases = [
        (b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>' + after, False),
        (b'<sheetData><row r="1"><c r="A1"><f>B1</f></c></row></sheetData>' + after, True),
        (b'<sheetData><row r="1"><c r="A1" t="e"><v>#N/A</v></c></row></sheetData>', True),
        (b'<sheetData><row r="1"><c r="A1" s="2"><v>1</v></c></row></sheetData>' + after, True),
        (b'<sheetData><row r="1"><c r="A1" s="1"><v>1</v></c></row></sheetData>' + after, False),
        (b"<x:sheetData><x:row><x:c><x:f>1+1</x:f></x:c></x:row></x:sheetData>" + after, True),
        # a cell's text or a validation holding "sheetData>" moves the end later, never earlier
        (
            b"<sheetData><row><c><is><t>sheetData></t></is></c><c><f>1</f></c></row></sheetData>",
            True,
        ),
        (b"<sheetData><row><c><v>1</v></c></row></sheetData><x><f>sheetData></f></x>", True),
        (b"<sheetData/>" + after, False),
        (b"<sheetData><row><c><v>1</v></c></row></sheetData><ext><x:f>1</x:f></ext>", False),
        (b"<worksheet><c><f>1</f></c>", True),  # no sheetData at all: all of it is looked at
    ]
    for data, expected in cases:
        assert _worth_parsing(data, percent) is expected, data


@pytest.mark.parametrize(
    ("formula", "refers"),
    [
        ("[1]Sheet1!A1", BUKU_KERJA_LAIN),  # Excel's stored form of a link to another workbook
        ("'[2]Data Kes'!B2", BUKU_KERJA_LAIN),
        ("'[1]It''s'!A1", BUKU_KERJA_LAIN),
        ("[1]!DataLuar", BUKU_KERJA_LAIN),  # a name defined in the other workbook
        ("SUM([1]Sheet1!A1:A3)+2", BUKU_KERJA_LAIN),
        ("IF(A1>0,'[3]Rekap 2018'!C4,0)", BUKU_KERJA_LAIN),
        ("TODAY()", FUNGSI_BERUBAH),
        ("IF(TODAY()>0,5,6)", FUNGSI_BERUBAH),
        ("rand()*100", FUNGSI_BERUBAH),
        ("NOW()-A1", FUNGSI_BERUBAH),
        ('IF(A9="[1]",1,2)', ""),  # text in a string is no reference
        ('IF(F9="lihat [rekap.xlsx] nanti",1,2)', ""),
        ("SUM(Tabel1[2018])", ""),  # a column of a table in this workbook
        ("Tabel1[[#This Row],[2018]]", ""),
        ('HYPERLINK("file:///C:/x.pdf",95)', ""),
        ("'Rand (2)'!A1", ""),  # a sheet's name, no function call
        ("'Data Today (2)'!B3", ""),
        ("Sheet2!B3*2", ""),
        ("SUM(A1:A4)", ""),
        ("MYRAND(1)", ""),
    ],
)
def test_what_a_formula_refers_to_beyond_its_file(formula: str, refers: str) -> None:
    assert formula_reference(formula) == refers


def test_the_quick_search_for_a_declaration_start_answers_as_the_plain_one():
    """``<!`` is found from its ``!``; many ``!`` hand over to the plain search."""
    from pipeline.cells import _BANGS_LOOKED_AT, has_markup_bang

    many = b"Sheet1!A1 " * (_BANGS_LOOKED_AT + 3)
    samples = [
        b"",
        b"!",
        b"<",
        b"<!",
        b"!<!",
        b"a!",
        b"<a>Hore!</a>",
        b"<?xml?>\n<!DOCTYPE x>",
        b"<a/><!-- c -->",
        b"<x>!</x><!",
        many,
        many + b"<!ENTITY",
        many[:-1] + b"<!",
        b"!" * 40 + b"<!",
        b"!" * 40 + b"<",
        b"<" + b"!" * 40,
    ]
    samples += [many[:cut] + b"<!" + many[cut:] for cut in range(0, len(many), 7)]
    for data in samples:
        assert has_markup_bang(data) == (b"<!" in data), data
