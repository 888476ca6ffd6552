"""The one formatter: numbers, percents, Rupiah and dates as Indonesians read them.

Numbers stay numbers inside the pipeline; text is made only at the edge (messages, display
strings in the workbook, the console summary), and only here. ``1.234.567,89`` uses a dot for
thousands and a comma for decimals; dates read ``20 Februari 2019``.
"""

from __future__ import annotations

import datetime as dt
import math

BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _swap(text: str) -> str:
    """``1,234.5`` (Python) → ``1.234,5`` (Indonesian)."""
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def angka(value: float | None, desimal: int = 2, kosong: str = "-") -> str:
    """A number with exactly ``desimal`` decimals: ``1.234.567,89``. Missing → ``kosong``."""
    if _missing(value):
        return kosong
    assert value is not None
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if abs(value) >= 1e15:  # beyond any real figure here: shown as Excel shows it, 1E+300
        return _swap(f"{value:.6G}")
    return _swap(f"{value:,.{desimal}f}")


def angka_ringkas(value: float | None, maks_desimal: int = 4, kosong: str = "") -> str:
    """A number with up to ``maks_desimal`` decimals and no trailing zeros: ``12,5``, ``1.096``."""
    if _missing(value):
        return kosong
    text = angka(value, maks_desimal)
    if "," in text and "E" not in text:
        text = text.rstrip("0").rstrip(",")
    return "0" if text in ("-0", "") else text


def persen(value: float | None, desimal: int = 2, kosong: str = "-") -> str:
    """``88,26%``; missing → ``kosong``."""
    return kosong if _missing(value) else f"{angka(value, desimal)}%"


def rupiah(value: float | None, kosong: str = "-") -> str:
    """``Rp 1.234.567`` (whole Rupiah); missing → ``kosong``."""
    return kosong if _missing(value) else f"Rp {angka(value, 0)}"


def tanggal(value: dt.date | str | None, kosong: str = "") -> str:
    """``20 Februari 2019`` from a date, a datetime or ISO text (``2019-02-20...``)."""
    if value is None or value == "":
        return kosong
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    else:
        day = value
    return f"{day.day} {BULAN[day.month - 1]} {day.year}"


def nilai(value: object, desimal: int | None = None) -> str:
    """Any cell value as people read it: numbers the Indonesian way, booleans ``ya``/``tidak``,
    text as is, missing as ''. With ``desimal`` numbers keep exactly that many decimals,
    without, up to four and no trailing zeros."""
    if _missing(value):
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int | float):
        if desimal is not None:
            return angka(float(value), desimal)
        return angka_ringkas(float(value), 4)
    return str(value)
