"""Page geometry for every workbook the pipeline writes: column widths in points, the print
scale that keeps text at 7 pt or more on A4, panels of columns, wrapped row heights.

Standard library only: the template writer (imported by the isolated readers) uses it too.
The widths are measured, not guessed: the unit of a column width is the digit width of the
workbook's default font, which every writer sets to the font of its cells (Arial). In
LibreOffice's PDF, with Arial 9 as that font, a 10-character column prints 53,5 pt and a
40-character one 203,5 pt; Excel's rule (7 px a digit plus 5 px padding at 96 dpi) gives 56
and 214. :func:`col_width_pt` takes the wider of the two.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

FONT_PT = 9.0  # the body text of the consolidated workbook
MIN_PRINT_PT = 7.0  # smallest printed text on A4
DESIGN_PT = 7.2  # what the writers aim for, a little above the floor
LINE_PT = 12.0  # height of one line of 9 pt text

# A4 in points and the margins every sheet uses (inches, as the writers take them).
A4_PT = (595.3, 841.9)
A3_PT = (841.9, 1190.6)  # a wide table of many rows (the national Pemda sheet)
MARGIN_SIDE_IN = 0.4
MARGIN_TOP_IN = 0.75
MARGIN_BOTTOM_IN = 0.7


def col_width_pt(chars: float, font_pt: float = FONT_PT) -> float:
    """Printed width (points) of a column ``chars`` characters wide, the default font being
    Arial ``font_pt`` (see the module docstring for the measurement)."""
    return chars * 5.25 * font_pt / FONT_PT + 4.0


def printable_width_pt(landscape: bool, paper: tuple[float, float] = A4_PT) -> float:
    return (paper[1] if landscape else paper[0]) - 2 * MARGIN_SIDE_IN * 72


def printable_height_pt(landscape: bool, paper: tuple[float, float] = A4_PT) -> float:
    return (paper[0] if landscape else paper[1]) - (MARGIN_TOP_IN + MARGIN_BOTTOM_IN) * 72


def page_room_pt(
    scale: float, landscape: bool = True, paper: tuple[float, float] = A4_PT
) -> float:
    """The rows' height one printed page holds at ``scale`` %, in the sheet's points, a little
    less for the difference of applications (Excel and LibreOffice round row heights apart)."""
    return printable_height_pt(landscape, paper) * 100 / scale * 0.97


def min_scale(font_pt: float = FONT_PT) -> int:
    """The smallest print scale (%) that keeps ``font_pt`` text at :data:`DESIGN_PT` (just
    above the 7 pt floor)."""
    return math.ceil(DESIGN_PT / font_pt * 100)


def footer_pt(scale: int | None) -> int:
    """The font size of a page header or footer: LibreOffice scales them with the sheet, so
    on a sheet printed at ``scale`` % they are set large enough to print at 7 pt or more."""
    return max(9, math.ceil(DESIGN_PT / ((scale or 100) / 100)))


def fit_scale(
    widths: Iterable[float],
    landscape: bool,
    font_pt: float = FONT_PT,
    paper: tuple[float, float] = A4_PT,
) -> int:
    """The print scale (%) at which columns fit the page width, never below the 7 pt floor."""
    total = sum(col_width_pt(w, font_pt) for w in widths)
    room = printable_width_pt(landscape, paper)
    scale = math.floor(min(100.0, room / max(total, 1.0) * 100 * 0.97))
    return max(scale, min_scale(font_pt))


def panels(
    widths: list[float],
    keys: int,
    scale: int,
    landscape: bool,
    font_pt: float = FONT_PT,
    paper: tuple[float, float] = A4_PT,
) -> list[int]:
    """Column indices where a new printed page (panel) starts; the first ``keys`` columns are
    repeated on every panel, so each panel fits the width at ``scale``."""
    room = printable_width_pt(landscape, paper) * 0.97 / (scale / 100)
    fixed = sum(col_width_pt(w, font_pt) for w in widths[:keys])
    breaks, used = [], fixed
    for index in range(keys, len(widths)):
        width = col_width_pt(widths[index], font_pt)
        if used + width > room and used > fixed:
            breaks.append(index)
            used = fixed
        used += width
    return breaks


# Advance widths of Helvetica, which Arial and Liberation Sans match, in 1/1000 em (AFM).
_WIDTHS = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
        "abcdefghijklmnopqrstuvwxyz{|}~",
        (
            278,
            278,
            355,
            556,
            556,
            889,
            667,
            191,
            333,
            333,
            389,
            584,
            278,
            333,
            278,
            278,
            *([556] * 10),
            278,
            278,
            584,
            584,
            584,
            556,
            1015,
            667,
            667,
            722,
            722,
            667,
            611,
            778,
            722,
            278,
            500,
            667,
            556,
            833,
            722,
            778,
            667,
            778,
            722,
            667,
            611,
            722,
            667,
            944,
            667,
            667,
            611,
            278,
            278,
            278,
            469,
            556,
            333,
            556,
            556,
            500,
            556,
            556,
            278,
            556,
            556,
            222,
            222,
            500,
            222,
            833,
            556,
            556,
            556,
            556,
            333,
            500,
            278,
            556,
            500,
            722,
            500,
            500,
            500,
            334,
            260,
            334,
            584,
        ),
        strict=True,
    )
)
BOLD_FACTOR = 1.08  # Helvetica-Bold runs about 8 % wider
PADDING_PT = 4.0  # cell padding LibreOffice leaves, rounded up


@functools.lru_cache(maxsize=1 << 16)
def _units(text: str) -> int:
    """Arial's width of ``text`` in thousandths of the font size (words repeat: cached)."""
    return sum(_WIDTHS.get(ch, 556) for ch in text)


def text_width_pt(text: str, font_pt: float = FONT_PT, bold: bool = False) -> float:
    """Printed width of one line of Arial text."""
    return _units(text) / 1000 * font_pt * (BOLD_FACTOR if bold else 1.0)


# Points of column width per character of Excel's width unit, as LibreOffice prints it, by the
# size of the workbook's default Arial. Measured in LibreOffice on columns 9, 15, 25 and 58
# characters wide with a 10 pt default: 5,5 pt a character (5,0 × 10/9 = 5,56 let a line run
# up to 4 pt past the column's edge at 58, and its last word was cut off in the feedback list).
CHAR_PT = {9.0: 5.0, 10.0: 5.5}


def text_room_pt(width_chars: float, unit_pt: float = FONT_PT) -> float:
    """Width available to text in a column, as LibreOffice prints it (the narrower of the two
    programs): :data:`CHAR_PT` a character (other sizes in proportion to Arial 9's), plus
    3,5 pt, less padding."""
    char_pt = CHAR_PT.get(unit_pt, 5.0 * unit_pt / FONT_PT)
    return width_chars * char_pt + 3.5 - PADDING_PT


def wrapped_lines(
    text: object,
    width_chars: float,
    font_pt: float = FONT_PT,
    unit_pt: float = FONT_PT,
    bold: bool = False,
) -> int:
    """Lines a text needs when wrapped word by word in a column ``width_chars`` wide; the
    widths of the words are Arial's, the column's the one LibreOffice prints."""
    missing = text is None or (isinstance(text, float) and math.isnan(text))
    value = "" if missing else str(text)
    if not value:
        return 1
    return _wrapped(value, width_chars, font_pt, unit_pt, bold)


@functools.lru_cache(maxsize=1 << 16)
def _wrapped(value: str, width_chars: float, font_pt: float, unit_pt: float, bold: bool) -> int:
    """:func:`wrapped_lines` of a non-empty text (the same texts recur: cached)."""
    room = max(text_room_pt(width_chars, unit_pt), 1.0)
    space = text_width_pt(" ", font_pt, bold)
    lines = 0
    for part in value.split("\n"):
        lines += 1
        used = 0.0
        for word in part.split(" "):
            width = text_width_pt(word, font_pt, bold)
            if used and used + space + width <= room:
                used += space + width
                continue
            if used:  # the word starts a new line
                lines += 1
            while width > room:  # a word longer than the column fills whole lines
                lines += 1
                width -= room
            used = width
    return max(lines, 1)


def row_height(
    *cells: tuple[object, float],
    font_pt: float = FONT_PT,
    unit_pt: float = FONT_PT,
    bold: bool = False,
) -> float:
    """Points for a row whose (text, column width) cells wrap: LibreOffice will not size it."""
    lines = max(
        (wrapped_lines(text, width, font_pt, unit_pt, bold) for text, width in cells), default=1
    )
    return round(lines * LINE_PT * font_pt / FONT_PT + 3, 1)
