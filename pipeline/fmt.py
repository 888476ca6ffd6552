"""The one formatter: numbers, percents, Rupiah and dates as Indonesians read them.

Numbers stay numbers inside the pipeline; text is made only at the edge (messages, display
strings in the workbook, the console summary), and only here. ``1.234.567,89`` uses a dot for
thousands and a comma for decimals; dates read ``20 Februari 2019``.

The Excel number-format strings of every workbook come from here too (:func:`format_angka`,
:func:`format_rupiah`, :func:`format_tanggal`). They carry the Indonesian locale tag
``[$-421]`` (LibreOffice then shows ``1.234,56`` on any machine; Excel shows the reader's own
separators) and never end in a bare separator: an integer is ``#,##0``, never ``#,##0.##``,
which Excel renders as ``12.`` / ``12,``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from pipeline.numbers import BATAS_WAJAR

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
    if value == 0:  # -0 (a typed '-0', 0 × -1) is 0: a spreadsheet cell has no negative zero
        value = 0.0
    if abs(value) >= BATAS_WAJAR:  # beyond any real figure: shown as Excel shows it, 1E+300
        return _swap(f"{value:.6G}")
    scaled = abs(value) * 10.0 ** max(0, desimal)
    if abs(scaled - math.floor(scaled) - 0.5) > 1e-6:  # not near a tie: both roundings agree
        return _swap(f"{value:,.{desimal}f}")
    return _swap(f"{_as_shown(value, desimal):,.{desimal}f}")


def _as_shown(value: float, desimal: int) -> Decimal:
    """``value`` rounded as a spreadsheet shows it with ``desimal`` decimals: its 15
    significant digits, half away from zero. Python's own rounding works on the binary value
    and rounds half to even, so 1,25 would read 1,2 in a message and 1,3 in the cell beside it
    (and 2,675 would read 2,67 against the cell's 2,68)."""
    exact = Decimal(format(value, ".15g"))
    return exact.quantize(Decimal(1).scaleb(-max(0, desimal)), rounding=ROUND_HALF_UP)


def selisih(
    sekarang: float, sebelumnya: float, desimal: int, tepi: tuple[float, ...] = ()
) -> float:
    """``sekarang − sebelumnya`` of the two as cells show them with ``desimal`` decimals (see
    :func:`_as_shown`; more at a band edge of ``tepi``, :func:`desimal_tepi`): the difference
    a reader makes of the two figures beside it (12,77 − 11,70 = 1,07, not the 1,06 of the
    unrounded 12,7654 − 11,7049; at 0 decimals 94,6 − 93 = 1,6 where 94,58 is shown 94,6
    beside a band edge of 95). Beyond any real figure (infinite, 1E+300), the plain
    difference: such a figure is shown as Excel shows it, not rounded."""
    if not (abs(sekarang) < BATAS_WAJAR and abs(sebelumnya) < BATAS_WAJAR):
        return float(sekarang - sebelumnya)
    now = _as_shown(sekarang, desimal_tepi(sekarang, desimal, tepi))
    before = _as_shown(sebelumnya, desimal_tepi(sebelumnya, desimal, tepi))
    return float(now - before)


def angka_ringkas(value: float | None, maks_desimal: int = 4, kosong: str = "") -> str:
    """A number with up to ``maks_desimal`` decimals and no trailing zeros: ``12,5``, ``1.096``."""
    if _missing(value):
        return kosong
    text = angka(value, maks_desimal)
    if "," in text and "E" not in text:
        text = text.rstrip("0").rstrip(",")
    return "0" if text in ("-0", "") else text


def bertanda(
    value: float | None, desimal_maks: int = 2, kosong: str = "-", tetap: bool = False
) -> str:
    """A difference with its sign: ``+17,34``, ``-5``, ``0`` (trailing zeros dropped; with
    ``tetap`` always ``desimal_maks`` decimals, ``+10,540``, as the cells beside it show)."""
    if _missing(value):
        return kosong
    assert value is not None
    text = angka(value, desimal_maks) if tetap else angka_ringkas(value, desimal_maks)
    return text if text.startswith("-") or not text.strip("0,") else f"+{text}"


def persen(value: float | None, desimal: int = 2, kosong: str = "-") -> str:
    """``88,26%``; missing → ``kosong``."""
    return kosong if _missing(value) else f"{angka(value, desimal)}%"


def rupiah(value: float | None, kosong: str = "-") -> str:
    """``Rp 1.234.567``, or ``Rp 1.234.567,32`` when the value has sen; missing → ``kosong``."""
    if _missing(value):
        return kosong
    assert value is not None
    return f"Rp {angka(value, desimal_rupiah([value]))}"


def desimal_rupiah(values: Iterable[object]) -> int:
    """Decimals a set of Rupiah amounts is shown with: 2 when any has sen (rounded to the sen,
    as shown), else 0. One count for a whole column, so ``14.710.317.934,32`` and
    ``15.340.841.600,00`` keep their digits aligned."""
    for value in values:
        try:
            number = float(value)  # type: ignore[arg-type]  # any cell value, checked here
        except (TypeError, ValueError):
            continue
        if math.isfinite(number) and abs(number) < BATAS_WAJAR and _as_shown(number, 2) % 1:
            return 2
    return 0


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


def waktu(value: str | None, kosong: str = "") -> str:
    """``12 Februari 2025 pukul 01.00 UTC`` from ISO text (a time with an offset is shown in
    UTC, as the outputs' columns are; one without as it is); a bare date as :func:`tanggal`;
    text that is no ISO time as it is."""
    text = str(value or "").strip()
    moment = saat(text)
    if moment is None:
        return text or kosong
    if len(text) <= 10:
        return tanggal(moment.date())
    zone = " UTC" if moment.tzinfo is not None else ""
    return f"{tanggal(moment.date())} pukul {moment:%H.%M}{zone}"


def saat(text: str) -> dt.datetime | None:
    """An ISO time text (``Z`` or an offset, ``T`` or a space between date and time) as a
    datetime, in UTC when it carries an offset; None for text that is no ISO time."""
    try:
        moment = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(dt.UTC) if moment.tzinfo is not None else moment


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


# ---------------------------------------------------------------------------------------------
# Precision: how many decimals a value needs, so a target typed as 0,0029 never shows as 0,00.

MAKS_DESIMAL = 6


def desimal_tepi(value: float, desimal: int, tepi: tuple[float, ...], tambah: int = 3) -> int:
    """Decimals to show ``value`` with: ``desimal``, or up to ``tambah`` more while, so shown,
    it reads as one of the band edges ``tepi`` without being it (at 0 decimals 9,52 and 10,36
    both read 10, one 'cukup efisien' and one 'efisien' under a rule of '> 10')."""
    if not math.isfinite(value):
        return desimal
    for places in range(desimal, desimal + tambah + 1):
        shown = float(_as_shown(value, places))
        if not any(shown == edge and abs(value - edge) > 1e-9 for edge in tepi):
            return places
    return desimal + tambah


def persen_tepi(value: float, desimal: int, tepi: tuple[float, ...]) -> str:
    """A capaian beside its predikat or colour: :func:`persen` with ``desimal`` decimals, more
    when it would read as one of the band edges ``tepi`` (:func:`desimal_tepi`)."""
    return persen(value, desimal_tepi(value, desimal, tepi))


def desimal(value: float | None, maks: int = MAKS_DESIMAL) -> int:
    """Decimals ``value`` needs to be shown exactly, at most ``maks`` (0 for missing values).

    ``12`` → 0, ``10,39`` → 2, ``0,0029`` → 4, ``30.102,888889`` → ``maks``.
    """
    if _missing(value):
        return 0
    assert value is not None
    if math.isinf(value):
        return 0
    for places in range(maks + 1):
        if abs(round(value, places) - value) <= 1e-12 * max(1.0, abs(value)):
            return places
    return maks


def presisi(
    nilai_tetap: Iterable[float | None],
    nilai_hitung: Iterable[float | None] = (),
    desimal_hitung: int = 2,
    maks: int = MAKS_DESIMAL,
) -> int:
    """The display precision of one indicator: the decimals its typed values need.

    ``nilai_tetap`` are values as typed (the target, the realisations in the file): each
    counts with the decimals it has (up to ``maks``). ``nilai_hitung`` are values made by the
    pipeline (a quarterly mean such as 30.102,888889): each counts with at most
    ``desimal_hitung`` decimals, so a repeating fraction does not widen the column.
    """
    typed = [desimal(v, maks) for v in nilai_tetap]
    made = [min(desimal(v, maks), desimal_hitung) for v in nilai_hitung]
    return max([0, *typed, *made])


def angka_presisi(value: float | None, desimal_maks: int, kosong: str = "-") -> str:
    """A number rounded to ``desimal_maks`` decimals, trailing zeros dropped: ``30.102,89``."""
    if _missing(value):
        return kosong
    return angka_ringkas(value, desimal_maks)


# ---------------------------------------------------------------------------------------------
# Excel number formats (xlsxwriter / openpyxl ``num_format`` strings).

LOKAL = "[$-421]"  # Indonesian locale tag


def format_angka(desimal_tampil: int = 0, akhiran: str = "") -> str:
    """``[$-421]#,##0`` or ``[$-421]#,##0.00``: a fixed number of decimals, grouped thousands.

    ``akhiran`` is literal text after the number (e.g. ``%``), quoted for Excel.
    """
    places = max(0, min(int(desimal_tampil), 10))
    body = "#,##0" + ("." + "0" * places if places else "")
    tail = f'"{akhiran}"' if akhiran else ""
    return f"{LOKAL}{body}{tail}"


def format_persen(desimal_tampil: int = 2) -> str:
    """A value already in percent (88,26 for 88,26 %), shown with ``%`` after it."""
    return format_angka(desimal_tampil, "%")


def format_bertanda(desimal_tampil: int = 2) -> str:
    """A difference with its sign: ``+17,34`` / ``-5,00`` / ``0``."""
    body = format_angka(desimal_tampil)[len(LOKAL) :]
    return f"{LOKAL}+{body};-{body};0"


def format_rupiah(desimal_tampil: int = 0) -> str:
    """Rupiah: ``Rp 1.234.567``, with ``desimal_tampil`` = 2 (:func:`desimal_rupiah`, for
    amounts with sen) ``Rp 1.234.567,32``."""
    places = max(0, min(int(desimal_tampil), 2))
    return f'{LOKAL}"Rp "#,##0' + ("." + "0" * places if places else "")


def format_tanggal(jam: bool = False) -> str:
    """A date cell shown as ``20 Februari 2019`` (with ``jam``: ``20 Februari 2019 09.30``).

    The ``[$-421]`` tag makes both Excel and LibreOffice use the Indonesian month names.
    """
    # the dot quoted: unquoted, LibreOffice reads it as the decimal separator of the seconds
    # and prints 09,15
    return f"{LOKAL}d mmmm yyyy" + (' hh"."mm' if jam else "")


def format_tahun() -> str:
    """A year: ``2019`` (no thousands separator)."""
    return "0"


def format_bilangan_bulat() -> str:
    """Counts: ``1.234`` (no decimals, grouped)."""
    return format_angka(0)


# ---------------------------------------------------------------------------------------------
# Words: ordinals for titles ("Sasaran Pertama") and counts in sentences.

_SATUAN = (
    "",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
)


def terbilang(n: int) -> str:
    """A whole number 0–999.999 in Indonesian words: ``14`` → ``empat belas``."""
    if n < 0:
        return "minus " + terbilang(-n)
    if n == 0:
        return "nol"
    if n < 12:
        return _SATUAN[n]
    if n < 20:
        return f"{_SATUAN[n - 10]} belas"
    if n < 100:
        tens, rest = divmod(n, 10)
        return f"{_SATUAN[tens]} puluh" + (f" {_SATUAN[rest]}" if rest else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "seratus" if hundreds == 1 else f"{_SATUAN[hundreds]} ratus"
        return head + (f" {terbilang(rest)}" if rest else "")
    if n < 1_000_000:
        thousands, rest = divmod(n, 1000)
        head = "seribu" if thousands == 1 else f"{terbilang(thousands)} ribu"
        return head + (f" {terbilang(rest)}" if rest else "")
    return angka(n, 0)


def urutan(n: int) -> str:
    """The ordinal as the LKjIP writes it in titles: ``1`` → ``Pertama``, ``14`` → ``Keempat
    Belas``, ``21`` → ``Kedua Puluh Satu``."""
    if n <= 0:
        return f"Ke-{n}"
    if n == 1:
        return "Pertama"
    return ("ke" + terbilang(n)).title()


def jumlah(n: int, benda: str) -> str:
    """``3 indikator``; Indonesian nouns do not change in the plural."""
    return f"{angka(n, 0)} {benda}"
