"""Page layout: wrapped row heights, print scale and panels, and Tabel Bab III's pages."""

from __future__ import annotations

import itertools
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from pipeline import layout
from pipeline.config import default_settings
from pipeline.master import MasterSpec
from pipeline.workbook.base import WORKBOOK_OPTIONS, Formats, Status, fitted_footer
from pipeline.workbook.lkjip import write_bab3


def test_wrapping_follows_arial_widths() -> None:
    # measured in LibreOffice at Arial 9 in a 41-character column: 203,6 pt fits on a line,
    # 213,6 pt does not
    assert layout.wrapped_lines("Jumlah Organisasi Olahraga mendapat pembinaan", 41) == 1
    assert layout.wrapped_lines("Jumlah Organisasi keagamaan mendapat pembinaan", 41) == 2
    assert layout.wrapped_lines("satu\ndua\ntiga", 41) == 3
    assert layout.wrapped_lines("x" * 300, 10) > 5  # one long word is broken, not lost
    assert layout.wrapped_lines(None, 10) == 1
    assert layout.row_height(("a", 10)) == pytest.approx(15.0)


def test_wrapping_with_a_ten_point_default_font_as_libreoffice_prints_it() -> None:
    # Measured in LibreOffice on a copy of an OPD file (default font Arial 10), text at Arial 9:
    # the longest run of "a" before a last word that still fits on the first line, per width.
    for width, last, fits in ((9, " b", 8), (15, " b", 14), (25, " b", 25), (58, " bbbbb", 58)):
        assert layout.wrapped_lines("a" * fits + last, width, unit_pt=10.0) == 1, width
        assert layout.wrapped_lines("a" * (fits + 1) + last, width, unit_pt=10.0) == 2, width
    # a feedback message LibreOffice printed on three lines (its last word was cut off)
    message = (
        "Capaian 77,30% (realisasi 4 terhadap target 3,26 AKB/1000KH) di bawah 100%, tetapi "
        "Faktor Penghambat kosong. Jelaskan penyebab target belum tercapai."
    )
    assert layout.wrapped_lines(message, 58, unit_pt=10.0) == 3


def test_print_scale_keeps_seven_points_and_panels_repeat_the_keys() -> None:
    narrow = [10.0] * 5
    assert layout.fit_scale(narrow, landscape=True) == 100
    wide = [8.0, 40.0] + [30.0] * 12
    scale = layout.fit_scale(wide, landscape=True)
    assert scale == layout.min_scale() and scale * 9 / 100 >= layout.MIN_PRINT_PT
    breaks = layout.panels(wide, 2, scale, landscape=True)
    assert breaks and breaks == sorted(breaks) and breaks[0] > 2
    room = layout.printable_width_pt(True) / (scale / 100)
    for first, last in zip([2, *breaks], [*breaks, len(wide)], strict=True):
        used = sum(map(layout.col_width_pt, wide[:2] + wide[first:last]))
        assert used <= room, (first, last)
    assert layout.footer_pt(80) * 0.8 >= layout.MIN_PRINT_PT


def _results(n_rows: int) -> SimpleNamespace:
    ind = pd.DataFrame(
        {
            "kode_indikator": [f"IK{i:03d}" for i in range(n_rows)] + ["IK999"],
            "kode_sasaran": ["S1"] * n_rows + ["S2"],
            "uraian_indikator": [
                f"Persentase capaian indikator contoh nomor {i} yang cukup panjang untuk dua "
                "baris teks"
                for i in range(n_rows)
            ]
            + ["Indikator pendek"],
            "satuan": "%",
            "polaritas": "naik",
            "target_nilai": 50.0,
            "target_teks": "50",
            "realisasi": 40.0,
            "realisasi_teks": "",
            "status": "dinilai",
            "capaian_mentah": 80.0,
            "dibatasi": False,
            "predikat": "Tinggi",
        }
    )
    sasaran = pd.DataFrame(
        {
            "kode_sasaran": ["S1", "S2", "S3"],
            "uraian_sasaran": ["Sasaran panjang", "Sasaran pendek", "Sasaran tanpa indikator"],
            "jumlah_dinilai": [n_rows, 1, float("nan")],
            "rata_rata_capaian": [80.0, 80.0, float("nan")],
            "predikat": ["Tinggi", "Tinggi", ""],
        }
    )
    return SimpleNamespace(indikator=ind, sasaran=sasaran)


def _bab3(tmp_path: Path, n_rows: int) -> tuple[list[list[object]], list[int], list[float]]:
    """Tabel Bab III of a made-up Sasaran with ``n_rows`` indicators: cells, the manual page
    breaks (row indexes starting a page) and every row's height."""
    path = tmp_path / f"bab3_{n_rows}.xlsx"
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    settings = default_settings()
    write_bab3(
        wb,
        wb.add_worksheet("Tabel Bab III"),
        _results(n_rows),  # type: ignore[arg-type]
        settings,
        Formats(wb, 2),
        Status(1, "Pemerintah Kota Contoh", 2024),
        "&CTabel Bab III",
    )
    wb.close()
    ws = openpyxl.load_workbook(path)["Tabel Bab III"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    heights = [float(ws.row_dimensions[i + 1].height or 15.0) for i in range(len(rows))]
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    breaks = [int(b) for b in re.findall(r'<brk id="(\d+)"', xml)]
    return rows, breaks, heights


def test_a_table_longer_than_a_page_repeats_its_header_and_keeps_its_average(
    tmp_path: Path,
) -> None:
    rows, breaks, _ = _bab3(tmp_path, 60)
    titles = [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("Tabel 3.")]
    assert titles[0].startswith("Tabel 3.3 Realisasi Sasaran Pertama (S1)")
    assert "Tabel 3.3 (lanjutan)" in titles
    assert [t.split()[1] for t in titles if "lanjutan" not in t] == ["3.3", "3.4", "3.5"]
    # every page break falls right before a table title, and a continued table's header follows
    for brk in breaks:
        assert str(rows[brk][0]).startswith("Tabel 3."), brk
        assert rows[brk + 1][0] == "No", brk
    # the Sasaran without indicators keeps its numbered table with a note
    assert titles[-1].startswith("Tabel 3.5 Realisasi Sasaran Ketiga (S3)")
    assert any(str(r[1]).startswith("Belum ada indikator kinerja") for r in rows)


def test_every_page_fits_so_no_automatic_break_can_orphan_an_average(tmp_path: Path) -> None:
    for n in range(30, 75, 2):  # wherever the foot of the page falls
        rows, breaks, heights = _bab3(tmp_path, n)
        scale = openpyxl.load_workbook(tmp_path / f"bab3_{n}.xlsx")[
            "Tabel Bab III"
        ].page_setup.scale
        page = layout.printable_height_pt(landscape=False) * 100 / scale  # in the sheet's points
        starts = [0, *breaks, len(rows)]
        banner = heights[0]  # repeats on every page
        for first, end in itertools.pairwise(starts):
            used = sum(heights[first:end]) + (banner if first else 0.0)
            assert used <= page, (n, first, used)
        average = next(
            i for i, r in enumerate(rows) if r[1] == "Rata-rata capaian Sasaran Pertama"
        )
        assert isinstance(rows[average - 1][0], int), n  # a data row above it, same page
        assert average not in breaks, n


def test_short_tables_are_not_split(tmp_path: Path) -> None:
    rows, breaks, _ = _bab3(tmp_path, 5)
    assert not [r for r in rows if "(lanjutan)" in str(r[0])]
    assert breaks == []


@pytest.mark.parametrize(
    ("colour", "text"),
    [
        ("#006837", "#FFFFFF"),  # PermenPAN-RB's AA: black text on it was hard to read
        ("#D73027", "#FFFFFF"),
        ("#1A9850", "#000000"),
        ("#FEE08B", "#000000"),
        ("#BDBDBD", "#000000"),
        ("#000000", "#FFFFFF"),
        ("#FFFFFF", "#000000"),
    ],
)
def test_band_text_stays_legible_on_its_colour(colour: str, text: str) -> None:
    from pipeline.workbook.base import text_on

    assert text_on(colour) == text


def test_ringkasan_keeps_a_long_scale_clear_of_the_notes(spec: MasterSpec, tmp_path: Path) -> None:
    """With PermenPAN-RB 88/2021 (7 bands, AA … D) the scale's line fell in the 6-point row
    that spaces the 'Perlu perhatian' notes, and was cut. The notes start below it."""
    from dataclasses import replace

    from pipeline.config import build_settings
    from pipeline.outputs import write_outputs
    from pipeline.run import run_pemda
    from tests.conftest import INPUT_DIR

    settings, _ = build_settings({"skala_predikat": "permenpan_88_2021"})
    run = run_pemda(replace(spec, settings=settings), INPUT_DIR)
    paths = write_outputs(run, tmp_path / "out")
    ws = openpyxl.load_workbook(paths["workbook"])["Ringkasan"]
    scale = next(c for row in ws.iter_rows() for c in row if str(c.value).startswith("Skala: "))
    notes = next(c for c in ws["A"] if c.value == "Perlu perhatian")
    assert scale.row < notes.row
    assert not [r for r in ws.merged_cells.ranges if scale.coordinate in r]
    height = ws.row_dimensions[scale.row].height
    assert height is None or height >= 12  # not the 6-point spacing row above the notes


def test_the_bab_iii_predikat_column_holds_a_specs_own_label() -> None:
    """'Sangat Memuaskan' (a spec's label_predikat) printed as 'angat Memuaska' in the fixed
    13-character column; the column now widens, taking the room from the Indikator column."""
    from pipeline.layout import text_room_pt, text_width_pt
    from pipeline.workbook.lkjip import BAB3_WIDTHS, bab3_widths

    labels = ["Sangat Memuaskan", "Memuaskan", "Cukup", "Kurang", "Sangat Kurang"]
    widths = bab3_widths(labels)
    assert text_room_pt(widths[5]) >= text_width_pt("Sangat Memuaskan", bold=True)
    assert sum(widths) == sum(BAB3_WIDTHS) and widths[1] < BAB3_WIDTHS[1]
    assert bab3_widths(["A", "B"]) == BAB3_WIDTHS  # short labels change nothing


def test_a_narrow_code_column_keeps_its_longest_code_whole() -> None:
    import pandas as pd

    from pipeline.layout import text_room_pt, text_width_pt
    from pipeline.workbook.base import Col, _whole_words

    cols = [Col("kode", width=8), Col("uraian", width=40)]
    df = pd.DataFrame({"kode": ["SS1", "INSPEKTORAT", "KEC_SMHSBD"], "uraian": ["x", "y", "z"]})
    kode, uraian = _whole_words(cols, df)
    assert text_room_pt(kode.width) >= text_width_pt("INSPEKTORAT")
    assert text_room_pt(kode.width - 1) < text_width_pt("INSPEKTORAT")  # no wider than that
    assert uraian.width == 40


FOOTER = "&L{name}&C&A · LKjIP 2024 · data per 8 Februari 2025&RHalaman &P dari &N"


@pytest.mark.parametrize(
    ("name", "landscape", "two_lines"),
    [
        ("Kota Binjai", False, False),
        ("Kota Binjai", True, False),
        # 42 characters: about 180 pt of 9 pt Arial; with the centre's half (about 110 pt) and
        # two ems it passes the half of a portrait page (269 pt), not of a landscape one (392)
        ("Kabupaten Kepulauan Siau Tagulandang Biaro", False, True),
        ("Kabupaten Kepulauan Siau Tagulandang Biaro", True, False),
        ("Pemerintah Kabupaten Kepulauan Siau Tagulandang Biaro (Sitaro)", True, True),
    ],
)
def test_a_footer_whose_sections_would_meet_is_centred_on_two_lines(
    name: str, landscape: bool, two_lines: bool
) -> None:
    footer = FOOTER.format(name=name)
    got = fitted_footer(footer, "Tabel Bab III", 9, layout.printable_width_pt(landscape))
    if not two_lines:
        assert got == footer
        return
    assert got == (f"&C{name}\n&A · LKjIP 2024 · data per 8 Februari 2025 · Halaman &P dari &N")


def test_a_footer_keeps_an_escaped_ampersand_of_a_name() -> None:
    footer = "&LBadan A &&L Sukamaju Raya Kepulauan Selatan Jaya&C&A · LKjIP 2024&RHalaman &P"
    got = fitted_footer(footer, "Tabel Bab III", 9, layout.printable_width_pt(False))
    name = "Badan A &&L Sukamaju Raya Kepulauan Selatan Jaya"
    assert got == f"&C{name}\n&A · LKjIP 2024 · Halaman &P"


def test_bab_iii_of_a_long_pemda_name_prints_its_footer_on_two_lines(tmp_path: Path) -> None:
    path = tmp_path / "bab3_footer.xlsx"
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    name = "Pemerintah Kabupaten Kepulauan Siau Tagulandang Biaro (Sitaro)"
    write_bab3(
        wb,
        wb.add_worksheet("Tabel Bab III"),
        _results(3),  # type: ignore[arg-type]
        default_settings(),
        Formats(wb, 2),
        Status(0, name, 2024),
        FOOTER.format(name=name),
    )
    wb.close()
    footer = openpyxl.load_workbook(path)["Tabel Bab III"].oddFooter
    assert footer.left.text is None and footer.right.text is None
    assert footer.center.text == (
        f"{name}\n&A · LKjIP 2024 · data per 8 Februari 2025 · Halaman &P dari &N"
    )


def test_the_first_table_starts_on_the_first_page(tmp_path: Path) -> None:
    """A first Sasaran table a little shorter than a page went to page two, the first page
    holding only the sheet's three title lines (and, at the 95 % print scale, a table that
    fitted under them went too)."""
    for n in range(12, 40, 3):
        rows, breaks, _ = _bab3(tmp_path, n)
        first = next(i for i, r in enumerate(rows) if str(r[0]).startswith("Tabel 3.3 "))
        assert first not in breaks, (n, breaks)
