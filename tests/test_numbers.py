"""Indonesian number parsing: examples from the seed and a round-trip property."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.fmt import angka as format_id
from pipeline.numbers import ParsedNumber, parse_number


@pytest.mark.parametrize(
    ("text", "value", "kind", "persen"),
    [
        ("10,39%", 10.39, "teks_angka", True),
        ("75,5 persen", 75.5, "teks_angka", True),
        ("75,5 Persen ", 75.5, "teks_angka", True),
        ("1.234.567,00", 1234567.0, "teks_angka", False),
        ("Rp 5.000", 5000.0, "ambigu", False),
        ("Rp. 1.234.567", 1234567.0, "teks_angka", False),
        ("9,17", 9.17, "teks_angka", False),
        ("1.22", 1.22, "teks_angka", False),
        ("172,781,792.00", 172781792.0, "teks_angka", False),
        ("0,0029%", 0.0029, "teks_angka", True),
        ("-3,5", -3.5, "teks_angka", False),
        ("1,234", 1.234, "ambigu", False),
        ("\u00a012\u00a0", 12.0, "teks_angka", False),
    ],
)
def test_parses_indonesian_text(text: str, value: float, kind: str, persen: bool) -> None:
    parsed = parse_number(text)
    assert parsed.value == pytest.approx(value)
    assert parsed.kind == kind
    assert parsed.persen is persen


@pytest.mark.parametrize("text", ["", "  ", None])
def test_empty_cells_are_empty(text: object) -> None:
    assert parse_number(text).kind == "kosong"
    assert parse_number(text).value is None


@pytest.mark.parametrize(
    "text", ["sembilan", "19.11.101.030,00x", "1,2,3,4", "WTP", "12 %%", "+-72", "--4", "-+1.000"]
)
def test_non_numbers_are_refused(text: str) -> None:
    parsed = parse_number(text)
    assert parsed.kind == "bukan_angka"
    assert parsed.value is None


@pytest.mark.parametrize("text", ["70\x0b5", "70\n5", "70\t5", "70 5", "1 23"])
def test_digits_split_by_a_break_are_not_joined(text: str) -> None:
    # A line break pasted from Word between "70" and "5" is not the number 705.
    parsed = parse_number(text)
    assert parsed.kind == "bukan_angka"
    assert parsed.value is None


def test_an_invisible_character_in_a_number_is_not_read_as_part_of_it() -> None:
    assert parse_number("87\u200b").value == 87
    assert parse_number("\ufeff1.234,5").value == 1234.5


@pytest.mark.parametrize("text", ["\u202e027", "72\u200f0", "\u2067720\u2069", "\u061c5"])
def test_a_number_shown_in_another_order_than_stored_is_no_number(text: str) -> None:
    # '\u202e027' shows as 720 in Excel: read as 27 it would be scored on a number no one saw
    parsed = parse_number(text)
    assert (parsed.kind, parsed.value) == ("bukan_angka", None)
    assert "arah teks" in parsed.catatan


@pytest.mark.parametrize("value", ["-0", "-0,0", -0.0, "-0%"])
def test_minus_zero_is_zero(value: object) -> None:
    parsed = parse_number(value)
    assert parsed.value == 0 and math.copysign(1.0, parsed.value) == 1.0  # never shown '-0,00'


@pytest.mark.parametrize(("text", "value"), [("1 000 000", 1e6), ("Rp 2 500", 2500.0)])
def test_space_as_thousands_group_is_still_read(text: str, value: float) -> None:
    assert parse_number(text).value == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    [
        "n/a",
        "N/A",
        "-",
        "–",
        "tidak tersedia",
        "Belum ada data",
        "n.a.",
        "NA",
        "t.a.d.",
        "Data belum tersedia",
        "belum ada",
        "\u200bn/a",
    ],
)
def test_no_data_answers_are_an_answer_not_a_blank(text: str) -> None:
    parsed = parse_number(text)
    assert parsed.kind == "tidak_tersedia"
    assert parsed.value is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("Rp 5.000.000,-", 5_000_000.0), ("Rp5.000.000,00", 5_000_000.0), ("5.000.000,-", 5e6)],
)
def test_rupiah_with_dash_is_read(text: str, value: float) -> None:
    parsed = parse_number(text)
    assert parsed.kind == "teks_angka"
    assert parsed.value == value


@pytest.mark.parametrize("value", ["1" * 400, 1e300, float("inf"), "9" * 17, -1e16])
def test_absurd_numbers_are_refused_not_read(value: object) -> None:
    parsed = parse_number(value)
    assert parsed.kind == "tidak_wajar"
    assert parsed.value is None


def test_native_numbers_pass_through_and_bools_do_not() -> None:
    assert parse_number(3.5).kind == "angka"
    assert parse_number(7).value == 7.0
    assert parse_number(True).kind == "bukan_angka"
    assert parse_number(float("nan")).kind == "bukan_angka"


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).map(lambda x: round(x, 2)))
def test_parse_of_format_is_identity(x: float) -> None:
    text = format_id(x, 2)
    parsed = parse_number(text)
    assert parsed.value is not None
    assert math.isclose(parsed.value, x, abs_tol=1e-9)


def test_format_id_uses_dot_thousands_and_comma_decimals() -> None:
    assert format_id(1234567.891) == "1.234.567,89"
    assert format_id(None) == "-"


def test_remembered_parses_keep_every_value_apart():
    """Texts, bools, ints and floats that compare equal in Python (or a NaN, equal to nothing)
    are parsed as themselves, however often and in whatever order they come."""
    from pipeline.master import parse_target, spec_value

    for _ in range(2):
        assert parse_number(True).kind == "bukan_angka"
        assert parse_number(1).kind == "angka"
        assert math.copysign(1.0, parse_number(-0.0).value) == 1.0  # -0 is read as 0
        assert math.copysign(1.0, parse_number(0.0).value) == 1.0
        assert parse_number(float("nan")).kind == "bukan_angka"
        assert parse_number("1,5").value == 1.5
        assert parse_number(" n/a ").kind == "tidak_tersedia"
        long_text = " " * 100 + "12,5"
        assert parse_number(long_text).value == 12.5
        assert spec_value(True)[0] is None
        assert spec_value(1)[0] == 1.0
        assert math.copysign(1.0, spec_value(-0.0)[0]) == -1.0
        assert math.copysign(1.0, spec_value(0.0)[0]) == 1.0
        first = parse_target(80.0, "naik", None)
        first["target_nilai"] = "changed by a caller"
        assert parse_target(80.0, "naik", None)["target_nilai"] == 80.0
        assert parse_target("WTP", "kualitatif", ["WTP", "WDP"])["error"] == ""
        assert parse_target("WTP", "kualitatif", ["WDP"])["error"] != ""


def test_a_minus_sign_typed_as_the_unicode_minus_is_a_minus() -> None:
    """'−0,002' (U+2212, from Word's autocorrect) was 'bukan angka' with no hint that the sign
    was the problem, while full-width digits were read."""
    assert parse_number("\u22120,002") == ParsedNumber(-0.002, "teks_angka", False, "koma desimal")
    assert parse_number("\u221212,5%").value == -12.5
    assert parse_number("5\u22123").kind == "bukan_angka"  # not a number, as '5-3' is not
