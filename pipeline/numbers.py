"""Indonesian number, percent and currency parsing.

OPDs type numbers in every style found in practice: ``10,39%``, ``1.234.567,00``, ``Rp 5.000``,
``1,22`` and, from copied English sheets, ``1,234,567.00``. :func:`parse_number` turns a cell
value into a float and says how sure it is, so the validation stage can warn on ambiguous input
instead of guessing silently.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "kosong", "angka", "teks_angka", "ambigu", "bukan_angka", "tidak_wajar", "tidak_tersedia"
]

# No number in any template is this large: a Pemda's whole budget is below 10^15 Rupiah, and the
# template's own data validation stops there. Larger (or non-finite) values are typing accidents.
BATAS_WAJAR = 1e15

# The usual ways an LKjIP table says "no data this year": an explicit answer, not a blank.
TIDAK_TERSEDIA = frozenset(
    {
        "-",
        "–",
        "—",
        "n/a",
        "n.a.",
        "n.a",
        "na",
        "t.a.d.",
        "t.a.d",
        "tad",
        "tidak tersedia",
        "data tidak tersedia",
        "belum tersedia",
        "data belum tersedia",
        "belum ada",
        "belum ada data",
        "data belum ada",
        "tidak ada data",
    }
)

# Characters not seen in a cell (zero-width space, joiners, direction marks, byte order mark):
# a number typed with one reads as the number the clerk sees.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# Marks and overrides that change the order characters are shown in (bidirectional text)
_DIRECTION = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CURRENCY = re.compile(r"^(rp\.?|idr)\s*", re.IGNORECASE)
_RUPIAH_DASH = re.compile(r"[,.]-$")  # Rp 5.000.000,- : no cents
_DIGITS = re.compile(r"^[\d.,]+$")


# The two ambiguous forms, as an ``ambigu`` parse notes them.
AMBIGU_KOMA = "koma desimal atau ribuan?"  # 1,234: read 1,234
AMBIGU_TITIK = "titik ribuan atau desimal?"  # 5.000: read 5000


@dataclass(frozen=True)
class ParsedNumber:
    """Result of parsing one cell.

    ``kind`` is ``kosong`` (empty), ``angka`` (a real number cell), ``teks_angka`` (a number typed
    as text, parsed without doubt), ``ambigu`` (parsed, but another reading was possible),
    ``bukan_angka`` (not a number), ``tidak_wajar`` (a number, but infinite or beyond
    :data:`BATAS_WAJAR`: ``value`` is None) or ``tidak_tersedia`` (``n/a``, ``-``, ``tidak
    tersedia``: an explicit "no data"). ``persen`` is true when the text carried a ``%`` sign.
    """

    value: float | None
    kind: Kind
    persen: bool = False
    catatan: str = ""

    @property
    def lain(self) -> float | None:
        """The other reading of an ``ambigu`` text (``5.000``: 5000 read, 5 the other; ``1,234``:
        1,234 read, 1234 the other), else None."""
        if self.kind != "ambigu" or self.value is None:
            return None
        return digits15(self.value / 1000 if self.catatan == AMBIGU_TITIK else self.value * 1000)

    @property
    def cara(self) -> tuple[str, str]:
        """How an ``ambigu`` text was read, and how else it could be (in words)."""
        if self.catatan == AMBIGU_TITIK:
            return "titik sebagai pemisah ribuan", "titik sebagai koma desimal"
        return "koma sebagai desimal", "koma sebagai pemisah ribuan"


def _parse_plain(text: str) -> tuple[float, Kind, str]:
    """Parse digits with ``.`` and ``,`` separators; raise ValueError when impossible."""
    sign = -1.0 if text.startswith("-") else 1.0
    body = text[1:] if text[:1] in ("+", "-") else text  # one sign: '+-72', '--4' are no number
    if not body or not _DIGITS.match(body):
        raise ValueError(text)
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        # The separator that comes last is the decimal one: 1.234,56 (ID) or 1,234.56 (EN).
        if body.rfind(",") > body.rfind("."):
            whole, frac = body.rsplit(",", 1)
            thousands, note = ".", "format Indonesia"
        else:
            whole, frac = body.rsplit(".", 1)
            thousands, note = ",", "format Inggris (koma ribuan, titik desimal)"
        if not _grouped(whole, thousands):
            raise ValueError(text)
        return sign * float(whole.replace(thousands, "") + "." + frac), "teks_angka", note
    if commas:
        if commas == 1:
            whole, frac = body.split(",")
            if len(frac) == 3 and whole not in ("", "0"):
                # 1,234 is one thousand two hundred thirty-four in English sheets.
                return sign * float(whole + "." + frac), "ambigu", AMBIGU_KOMA
            return sign * float(whole + "." + frac), "teks_angka", "koma desimal"
        if _grouped(body, ","):
            return sign * float(body.replace(",", "")), "teks_angka", "koma sebagai ribuan"
        raise ValueError(text)
    if dots:
        if dots == 1:
            whole, frac = body.split(".")
            if len(frac) == 3 and whole not in ("", "0"):
                # In Indonesian 5.000 is five thousand; in English it is five.
                return sign * float(whole + frac), "ambigu", AMBIGU_TITIK
            return sign * float(body), "teks_angka", "titik desimal"
        if _grouped(body, "."):
            return sign * float(body.replace(".", "")), "teks_angka", "titik ribuan"
        raise ValueError(text)
    return sign * float(body), "teks_angka", ""


def _grouped(whole: str, sep: str) -> bool:
    """True when ``whole`` is digits grouped by ``sep`` in threes (``1.234.567``)."""
    parts = whole.split(sep)
    if not parts[0].isdigit() or len(parts[0]) > 3:
        return len(parts) == 1 and parts[0].isdigit()
    return all(len(p) == 3 and p.isdigit() for p in parts[1:])


def parse_number(value: object) -> ParsedNumber:
    """Parse a spreadsheet cell value as a number, Indonesian conventions first.

    Real numbers pass through (``kind='angka'``); booleans and dates are not numbers. Text is
    stripped of ``Rp``/``IDR``, a closing ``,-``, spaces (also non-breaking) and a trailing ``%``
    (or the word ``persen`` after a space). Infinite numbers and numbers beyond
    :data:`BATAS_WAJAR` are ``tidak_wajar``.
    """
    if type(value) is float:  # the common case first: a number cell
        if math.isnan(value):
            return _NOT_A_NUMBER
        return _bounded(value, "angka", False, "")
    if type(value) is str:
        return _parse_text(value) if len(value) <= _REMEMBERED else _parse_text.__wrapped__(value)
    if value is None:
        return ParsedNumber(None, "kosong")
    if isinstance(value, bool):
        return ParsedNumber(None, "bukan_angka", catatan="nilai logika (TRUE/FALSE)")
    if isinstance(value, int | float):
        f = float(value)
        if math.isnan(f):
            return ParsedNumber(None, "bukan_angka", catatan="bukan bilangan")
        return _bounded(f, "angka", False, "")
    if not isinstance(value, str):
        return ParsedNumber(None, "bukan_angka", catatan=f"jenis sel {type(value).__name__}")
    return _parse_text.__wrapped__(str(value))


UNREADABLE = "teks tidak dapat dibaca sebagai angka"  # the parser's note when it says no more
_NOT_A_NUMBER = ParsedNumber(None, "bukan_angka", catatan="bukan bilangan")
_REMEMBERED = 64  # texts up to this long are remembered (numbers are short; a cell may not be)


@functools.lru_cache(maxsize=1 << 16)
def _parse_text(value: str) -> ParsedNumber:
    """:func:`parse_number` of a text (remembered: the same few texts recur in every file)."""
    # a no-break space as a space; the minus sign (U+2212: Word's autocorrect, pasted) as '-'
    if _DIRECTION.search(value):  # shown in another order than stored: '\u202e027' shows 720
        return ParsedNumber(
            None,
            "bukan_angka",
            catatan="berisi karakter tak terlihat pengatur arah teks: angka yang tampil dapat "
            "berbeda dari yang tersimpan",
        )
    text = _INVISIBLE.sub("", value.replace("\u00a0", " ").replace("\u2212", "-")).strip()
    if text == "":
        return ParsedNumber(None, "kosong")
    if " ".join(text.lower().split()) in TIDAK_TERSEDIA:
        return ParsedNumber(None, "tidak_tersedia", catatan="data tidak tersedia")
    persen = text.endswith("%")
    if persen:
        text = text[:-1].strip()
    elif text[-6:].lower() == "persen" and text[:-6].rstrip() != text[:-6]:
        persen, text = True, text[:-6].strip()  # "75,5 persen": the sign written out
    text = _CURRENCY.sub("", text)
    if _broken_digits(text):
        return ParsedNumber(
            None, "bukan_angka", persen, "angka terpotong oleh spasi, tab atau baris baru"
        )
    text = re.sub(r"\s+", "", text)
    text = _RUPIAH_DASH.sub("", text)
    try:
        number, kind, note = _parse_plain(text)
    except ValueError:
        return ParsedNumber(None, "bukan_angka", persen, UNREADABLE)
    return _bounded(number, kind, persen, note)


def _broken_digits(text: str) -> bool:
    """True when whitespace splits the digits in a way no number is written.

    A tab, line break or other control space between digits (Word line breaks pasted into a cell,
    ``70\\v5``) never joins two digit runs into one number; a plain space may, only as a thousands
    group (``1 000 000``: exactly three digits after each space).
    """
    for gap in _GAP.finditer(text):
        if gap.group() != " " * len(gap.group()) or not _GROUP3.match(text, gap.end()):
            return True
    return False


_GAP = re.compile(r"(?<=\d)\s+(?=\d)")
_GROUP3 = re.compile(r"\d{3}(?!\d)")


def _bounded(number: float, kind: Kind, persen: bool, note: str) -> ParsedNumber:
    if not math.isfinite(number) or abs(number) > BATAS_WAJAR:
        return ParsedNumber(None, "tidak_wajar", persen, "angka tak hingga atau terlalu besar")
    return ParsedNumber(number + 0.0, kind, persen, note)  # -0 is 0 (shown '-0,00' otherwise)


def cell_text(value: object, date_only: bool = False) -> str:
    """A spreadsheet cell value as trimmed text: whole floats lose ``.0``, dates are ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10] if date_only else value.isoformat()
    return str(value).strip()


def digits15(value: float, of: float | None = None) -> float:
    """``value`` to 15 significant digits, as a spreadsheet keeps a number (digits of ``of``,
    when given: a difference is as exact as the numbers it was taken from).

    Binary floating point cannot hold most decimals, so arithmetic on them leaves noise in the
    16th and 17th digit: ``0.27 / 0.3 * 100`` is ``90.00000000000001``, ``0.1 + 0.7`` is
    ``0.7999999999999999``. Compared with a threshold, that noise decides: capaian 90 would pass
    ``> 90`` (Sangat Tinggi instead of Tinggi), a sum that meets its target would fall short.
    A number typed into Excel has at most 15 significant digits, so rounding there removes the
    noise and nothing an OPD typed. NaN and infinities pass unchanged.

    A difference of close numbers keeps their noise, not its own: ``59.02 - 64.02`` is
    ``-4.99999999999999``, wrong in its 15th digit; rounded to the 15 digits of 64,02
    (``of``), it is -5.
    """
    scale = abs(value if of is None else of)
    if not (math.isfinite(value) and math.isfinite(scale)) or scale == 0:
        return value
    return round(value, 14 - math.floor(math.log10(scale)))
