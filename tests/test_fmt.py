"""The one formatter: Indonesian text for numbers, dates and ordinals, and Excel formats."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline import fmt


@pytest.mark.parametrize(
    ("value", "places"),
    [
        (12.0, 0),
        (10.39, 2),
        (0.0029, 4),
        (30102.888889, 6),
        (13.929, 3),
        (0.1 + 0.2, 1),
        (None, 0),
    ],
)
def test_decimals_a_value_needs(value: float | None, places: int) -> None:
    assert fmt.desimal(value) == places


def test_indicator_precision_typed_targets_count_fully_computed_values_to_the_setting() -> None:
    assert fmt.presisi([267352.0], [30102.888889], 2) == 2  # "30.102,89", not ",888889"
    assert fmt.presisi([0.0029], [0.002], 2) == 4  # the target's 4 decimals win
    assert fmt.presisi([50.0], [40.0], 2) == 0
    assert fmt.angka_presisi(30102.888889, 2) == "30.102,89"
    assert fmt.angka_presisi(0.002, 4) == "0,002"
    assert fmt.angka_presisi(13929, 0) == "13.929"


def test_excel_formats_never_end_in_a_bare_separator() -> None:
    assert fmt.format_angka(0) == "[$-421]#,##0"
    assert fmt.format_angka(2) == "[$-421]#,##0.00"
    assert fmt.format_persen(2) == '[$-421]#,##0.00"%"'
    assert fmt.format_rupiah() == '[$-421]"Rp "#,##0'
    assert fmt.format_bertanda(1) == "[$-421]+#,##0.0;-#,##0.0;0"
    assert fmt.format_tanggal() == "[$-421]d mmmm yyyy"
    for places in range(7):
        assert not fmt.format_angka(places).endswith(("#", ".")), places


def test_rupiah_are_whole_unless_they_have_sen() -> None:
    assert fmt.rupiah(14710317934.32) == "Rp 14.710.317.934,32"
    assert fmt.rupiah(15340841600.0) == "Rp 15.340.841.600"
    assert fmt.rupiah(1000.004) == "Rp 1.000"  # no sen once rounded to the sen
    # one count for a column: any amount with sen gives every amount two decimals
    assert fmt.desimal_rupiah([15340841600.0, 14710317934.32, None, float("nan")]) == 2
    assert fmt.desimal_rupiah([15340841600, 1000.004, None, "teks"]) == 0
    assert fmt.format_rupiah(2) == '[$-421]"Rp "#,##0.00'


def test_dates_signs_and_ordinals() -> None:
    assert fmt.tanggal("2019-02-20") == "20 Februari 2019"
    assert fmt.tanggal(dt.date(2018, 12, 31)) == "31 Desember 2018"
    assert fmt.bertanda(17.3421) == "+17,34"
    assert fmt.bertanda(-5) == "-5"
    assert fmt.bertanda(0.0) == "0"
    # as the cells beside it show them: every decimal of desimal_tampilan (10,540, not 10,54)
    assert fmt.bertanda(10.54, 3, tetap=True) == "+10,540"
    assert fmt.bertanda(0.0, 3, tetap=True) == "0,000"
    assert fmt.bertanda(-3.2, 0, tetap=True) == "-3"
    assert [fmt.urutan(n) for n in (1, 2, 4, 8, 9, 11, 14, 21)] == [
        "Pertama",
        "Kedua",
        "Keempat",
        "Kedelapan",
        "Kesembilan",
        "Kesebelas",
        "Keempat Belas",
        "Kedua Puluh Satu",
    ]
    assert fmt.terbilang(115) == "seratus lima belas"
    assert fmt.terbilang(2019) == "dua ribu sembilan belas"


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (1.25, 1, "1,3"),  # Python's round-half-even gave 1,2; the cell shows 1,3
        (-1.25, 1, "-1,3"),
        (2.675, 2, "2,68"),  # the binary value is 2,67499…; a spreadsheet shows 2,68
        (2.5, 0, "3"),
        (0.5, 0, "1"),
        (99.995, 2, "100,00"),
        (1234567.891, 2, "1.234.567,89"),
        (0.1 + 0.2, 2, "0,30"),
    ],
)
def test_numbers_are_rounded_as_the_cells_beside_them_show(
    value: float, places: int, shown: str
) -> None:
    """A message and a workbook cell show one value alike: 15 significant digits, then half
    away from zero, as Excel and LibreOffice round a number format."""
    assert fmt.angka(value, places) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2025-02-12T01:00:00Z", "12 Februari 2025 pukul 01.00 UTC"),
        ("2026-12-04T12:00:00+07:00", "4 Desember 2026 pukul 05.00 UTC"),
        ("2019-01-20T08:15:00", "20 Januari 2019 pukul 08.15"),
        ("2019-01-20", "20 Januari 2019"),
        ("bukan waktu", "bukan waktu"),
        ("", ""),
    ],
)
def test_times_read_the_indonesian_way(text: str, shown: str) -> None:
    assert fmt.waktu(text) == shown


def test_a_negative_zero_is_shown_as_zero() -> None:
    """'-0' typed in a budget cell reads as -0.0 and was shown 'Rp -0' in a message; a cell
    has no negative zero. A small negative shown as zero keeps its sign, as the cell does."""
    assert fmt.rupiah(-0.0) == "Rp 0"
    assert fmt.angka(-0.0, 2) == "0,00" and fmt.persen(-0.0) == "0,00%"
    assert fmt.angka_ringkas(-0.0) == "0" and fmt.bertanda(-0.0) == "0"
    assert fmt.angka(-0.001, 2) == "-0,00"


def test_a_figure_never_reads_as_a_band_edge_it_is_not(tmp_path: Path) -> None:
    """At 0 decimals 9,518 and 10,355 both read 10, one 'cukup efisien' and one 'efisien' under
    '> 10'; 90,416 read 90 labelled above '> 90'. Such a figure gets the decimals it takes."""
    assert fmt.desimal_tepi(9.518, 0, (10.0,)) == 1
    assert fmt.desimal_tepi(10.355, 0, (10.0,)) == 1
    assert fmt.desimal_tepi(10.0, 0, (10.0,)) == 0  # the edge itself reads as it is
    assert fmt.desimal_tepi(90.416, 0, (-5.0, 90.0)) == 1
    assert fmt.desimal_tepi(89.996, 2, (90.0,)) == 3  # 90,00 → 89,996
    assert fmt.desimal_tepi(85.4, 0, (90.0,)) == 0  # far from every edge
    # the workbook's cells: the number format of such a cell has the decimals it takes
    import openpyxl
    import xlsxwriter

    from pipeline.workbook.base import Formats, put

    path = tmp_path / "tepi.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("x")
    fmts = Formats(wb, 0, (-10.0, 10.0))
    for row, value in enumerate((10.355, 9.518, 7.2, 10.0)):
        put(ws, row, 0, value, "pct", fmts)
    wb.close()
    cells = openpyxl.load_workbook(path)["x"]["A"]
    formats = [c.number_format for c in cells]
    assert ["0.0" in f for f in formats] == [True, True, False, False]


@pytest.mark.parametrize(
    ("now", "before", "desimal", "shown"),
    [
        (12.7654, 11.7049, 2, 1.07),  # 12,77 − 11,70 on the page; the unrounded gives 1,0605
        (88.2579, 81.81, 2, 6.45),
        (2.675, 0.0, 2, 2.68),  # half away from zero, as the cell shows 2,675 (not 2,67)
        (-1.005, 0.0, 2, -1.01),
        (74.6398, 60.0, 0, 15.0),  # 75 − 60
        (70.0, 70.0, 2, 0.0),
    ],
)
def test_a_difference_is_that_of_the_two_figures_as_shown(
    now: float, before: float, desimal: int, shown: float
) -> None:
    assert fmt.selisih(now, before, desimal) == shown  # exact: made in decimal


def test_a_difference_beside_a_band_edge_is_that_of_the_figures_as_shown_there() -> None:
    """At 0 decimals 94,58 is shown 94,6 beside a band edge of 95 (it is no 95): the change
    from 93 is 1,6, the difference of the two figures as shown, not the 2 of 95 − 93."""
    assert fmt.selisih(94.58, 93.0, 0, (95.0,)) == 1.6
    assert fmt.selisih(94.58, 93.0, 0) == 2.0  # no edge near: whole figures
    assert fmt.selisih(79.58, 60.42, 0, (60.0, 80.0)) == 19.2  # 79,6 − 60,4


def test_a_difference_beyond_any_real_figure_is_the_plain_one() -> None:
    """A last year's capaian of 1E+30 or ∞ (typed 'inf' in a hand-edited workbook, or in a
    manifest) stopped the report with decimal.InvalidOperation; its difference is now the
    plain one (shown as Excel shows such a figure)."""
    assert fmt.selisih(80.0, 1e30, 2) == 80.0 - 1e30
    assert fmt.selisih(1e308, 0.0, 2) == 1e308
    assert fmt.selisih(80.0, float("inf"), 2) == float("-inf")
    assert fmt.selisih(80.0, 70.0, 2) == 10.0
