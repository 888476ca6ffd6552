"""What a reader sees on paper: the workbook, a template and feedback files through LibreOffice.

One conversion to PDF of the session's report (the consolidated workbook and two feedback
files) and of one template, then the text and the word boxes of every page (``pdftotext``,
``pdftotext -bbox``) are checked: Indonesian decimals, no Python leftovers, DRAFT on every page
of a draft run, nothing printed below 7 pt. One small conversion to flat ODF checks that the
feedback links stay inside their file in LibreOffice.

Font size from a word box: LibreOffice draws Arial (Liberation Sans) words in boxes 1,30 times
the font size high, measured on cells of known size: 7 pt → 9,10 pt, 10 pt → 13,01 pt, 9 pt at
85 % → 10,02 pt. A word whose box is below 9,0 pt (6,9 pt text) is too small; the 0,1 pt of
tolerance covers the rounding of the boxes. Every writer uses Arial, charts included, so one
factor holds for every word.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import xlsxwriter

from pipeline import template as tpl
from pipeline.master import MasterSpec

pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice or poppler-utils not installed",
)

BOX_PER_PT = 1.30
MIN_PT = 7.0
TOLERANCE_PT = 0.1
MIN_BOX = (MIN_PT - TOLERANCE_PT) * BOX_PER_PT  # 8,97 pt
WORD = re.compile(
    r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>'
)
PAGE = re.compile(r"<page .*?</page>", re.S)
# 12.5 or 0.25 as Python writes them; "Tabel 3.3" is the LKjIP's own table numbering
ENGLISH_DECIMAL = re.compile(r"(?<![\w.,])(?<!Tabel )\d+\.\d{1,2}(?![\d.,])")
INDONESIAN_DECIMAL = re.compile(r"\d,\d\d")
ISO_DATE = re.compile(r"\b(?:19|20)\d\d-[01]\d-[0-3]\d\b")  # dates read 20 Februari 2019


def _soffice(target: str, files: list[Path], out: Path) -> None:
    profile = out / "profil"  # a private profile: parallel runs never share one
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def pdfs(report_dir: Path, spec: MasterSpec, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("cetak")
    template = tpl.build_template(spec, "DINKES", out / "templat_DINKES.xlsx")
    files = {
        "workbook": report_dir / "1275_2018_konsolidasi.xlsx",
        "template": template,
        "feedback": report_dir / "umpan_balik" / "DINKES.xlsx",
        "feedback_blank": report_dir / "umpan_balik" / "KESBANGPOL.xlsx",
    }
    copies = {}
    for key, path in files.items():  # distinct names: the PDFs land in one folder
        copy = out / f"{key}.xlsx"
        shutil.copyfile(path, copy)
        copies[key] = copy
    copies["ukuran"] = _sizes_workbook(out / "ukuran.xlsx")
    _soffice("pdf", list(copies.values()), out)
    return {key: copy.with_suffix(".pdf") for key, copy in copies.items()}


def _pages(pdf: Path) -> list[list[tuple[float, str]]]:
    """Per page, every word with its box height."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        [(float(y1) - float(y0), html.unescape(text)) for y0, y1, text in WORD.findall(page)]
        for page in PAGE.findall(xml)
    ]


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("key", ["workbook", "template", "feedback", "feedback_blank"])
def test_no_python_leftovers_and_indonesian_numbers(pdfs: dict, key: str) -> None:
    text = _text(pdfs[key])
    words = set(re.findall(r"\w+", text))
    assert "{" not in text and "}" not in text, key
    assert "###" not in text, key  # a number or date too wide for its column
    assert not {"nan", "NaN", "None", "NaT", "inf"} & words, key
    # a time after a date or after "pukul" reads 09.15 in Indonesian (PUEBI): not an English
    # decimal
    times_shown = r"(?:(?<=\b(?:19|20)\d\d )|(?<=\bpukul ))\d\d\.\d\d\b"
    found = ENGLISH_DECIMAL.findall(re.sub(times_shown, "", text))
    assert not found, (key, found[:10])
    dates = ISO_DATE.findall(text)
    assert not dates, (key, dates[:10])
    times = re.findall(r"\b(?:19|20)\d\d \d\d,\d\d\b", text)  # 09.15, not 09,15
    assert not times, (key, times[:10])
    if key != "feedback_blank":
        assert INDONESIAN_DECIMAL.search(text), key


def test_the_summary_chart_names_every_sasaran(pdfs: dict, spec: MasterSpec) -> None:
    """Page 1 of the Ringkasan: each Sasaran's bar is labelled with its code and short name
    (LibreOffice leaves out every other label of a crowded axis unless told not to)."""
    first_page = {w for _, w in _pages(pdfs["workbook"])[0]}
    codes = [str(k) for k in spec.sasaran["kode_sasaran"]]
    assert len(codes) > 10
    assert not [k for k in codes if k not in first_page]


def test_draft_on_every_page_of_a_draft_run(pdfs: dict) -> None:
    pages = _pages(pdfs["workbook"])
    assert len(pages) > 20
    missing = [i for i, page in enumerate(pages, start=1) if "DRAFT" not in {w for _, w in page}]
    assert not missing, missing


@pytest.mark.parametrize("key", ["workbook", "template", "feedback", "feedback_blank"])
def test_nothing_prints_below_seven_points(pdfs: dict, key: str) -> None:
    small = [
        (page_no, text, round(height / BOX_PER_PT, 2))
        for page_no, page in enumerate(_pages(pdfs[key]), start=1)
        for height, text in page
        if height < MIN_BOX
    ]
    assert not small, (key, small[:10])


def _sizes_workbook(path: Path) -> Path:
    """Cells of known size, converted with the rest: the calibration of the size check."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    for row, size in enumerate((6, 7, 10)):
        cell = wb.add_format({"font_name": "Arial", "font_size": size})
        ws.write_string(row * 2, 0, f"Teks{size}pt", cell)
    wb.close()
    return path


def test_the_budget_totals_are_printed_with_the_table(pdfs: dict, spec: MasterSpec) -> None:
    """Every printed page of the Anggaran sheet holds programs: its two totals under the table
    once fell onto pages of their own, one row on each panel's last page."""
    codes = set(spec.program["kode_program"].astype(str))
    pages = [
        set(re.findall(r"\S+", page))
        for page in _text(pdfs["workbook"]).split("\f")
        if "Anggaran dan Realisasi per Program" in page
    ]
    assert len(pages) > 2
    assert sum("Jumlah" in words for words in pages) >= 2  # the totals are printed
    alone = [i for i, words in enumerate(pages, start=1) if not words & codes]
    assert not alone, alone


def test_the_seven_point_check_catches_small_text(pdfs: dict) -> None:
    """The calibration itself: a 6 pt cell is caught, a 7 pt and a 10 pt cell are not."""
    sizes = {text: height / BOX_PER_PT for height, text in _pages(pdfs["ukuran"])[0]}
    assert sizes["Teks6pt"] < MIN_PT - TOLERANCE_PT
    assert sizes["Teks7pt"] == pytest.approx(7.0, abs=TOLERANCE_PT)
    assert sizes["Teks10pt"] == pytest.approx(10.0, abs=TOLERANCE_PT)


def test_feedback_links_stay_inside_the_file_in_libreoffice(
    report_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "DINKES.xlsx"
    shutil.copyfile(report_dir / "umpan_balik" / "DINKES.xlsx", copy)
    _soffice("fods", [copy], tmp_path)
    body = html.unescape(copy.with_suffix(".fods").read_text(encoding="utf-8"))
    links = re.findall(r'xlink:href="([^"]*)"', body)
    assert links
    assert all(re.fullmatch(r"#'?Indikator'?\.[A-Z]+\d+", link) for link in links), links


def test_an_ampersand_in_the_pemda_name_prints_in_the_footer() -> None:
    """'Sukamaju & Co' printed 'Sukamaju Co': a single & starts a footer code (and '&P' in a
    name would print the page number). Doubled, it prints as typed; the codes stay codes."""
    from pipeline.workbook.ringkasan import RunInfo

    info = RunInfo(
        "Kab. Sukamaju & Co &P", "9999", 2024, "Tahunan", "s.xlsx", "0", 1, 1, 0, 0, 0, 1, 1
    )
    footer = info.page_footer("LKjIP")
    assert footer.startswith("&LKab. Sukamaju && Co &&P&C&A · LKjIP 2024")
    assert footer.endswith("&RHalaman &P dari &N")
    from pipeline.workbook.base import sized

    assert sized("&LA &&Co&RHal", 9) == '&L&"Arial"&9A &&Co&R&"Arial"&9Hal'
