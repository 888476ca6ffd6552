"""The one sanitiser: any text, from any file, made safe for any writer.

Workbooks and emails are untrusted. Before text reaches an xlsx cell, a comment, a hyperlink, a
CSV or JSON file or a console message it goes through here: control characters are replaced,
Excel's length limits are respected, and a CSV cell never starts like a formula.

Excel counts its limits in UTF-16 code units (an emoji is two), so the limits here do too.
The xlsxwriter side (every worksheet of every workbook the pipeline writes) is
:mod:`pipeline.xlsx_safe`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

EXCEL_CELL_MAX = 32_767  # UTF-16 units in one cell
EXCEL_URL_MAX = 255  # UTF-16 units in a hyperlink's location (anchor), and in its tip
EXCEL_LINK_MAX = 2_079  # UTF-16 units in a hyperlink's target
EXCEL_SHEET_NAME_MAX = 31
EXCEL_HEADER_MAX = 255  # a page header or footer

# C0 controls except TAB, LF and CR; DEL; C1 controls; lone surrogates (a file name that was
# not UTF-8); U+FFFE/U+FFFF. XML 1.0 (xlsx) cannot hold them, UTF-8 cannot encode surrogates.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# The same characters as Excel writes them inside its XML (``_x000B_``): read back as controls.
_CONTROL_ESCAPED = re.compile(r"_x(00[01][0-9A-Fa-f]|007[Ff]|FFF[EeFf])_")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_KEPT = {"0009", "000A", "000a", "000D", "000d"}  # TAB, LF, CR
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def utf16_len(value: str) -> int:
    """Length in UTF-16 code units, the unit of Excel's limits."""
    return len(value) + sum(1 for ch in value if ord(ch) > 0xFFFF)


def _cut(value: str, limit: int) -> str:
    """At most ``limit`` UTF-16 units; a cut text ends with ``…``."""
    if len(value) <= limit // 2 or utf16_len(value) <= limit:
        return value
    out, used = [], 0
    for ch in value:
        width = 2 if ord(ch) > 0xFFFF else 1
        if used + width > limit - 1:
            break
        out.append(ch)
        used += width
    return "".join(out) + "…"


def text(value: object, limit: int = EXCEL_CELL_MAX) -> str:
    """``value`` as printable text: control characters become a space, at most ``limit`` units.

    A cut text ends with ``…`` so a reader sees it was shortened.
    """
    out = _CONTROL.sub(" ", "" if value is None else str(value))
    if "_x" in out:
        out = _CONTROL_ESCAPED.sub(lambda m: m[0] if m[1] in _KEPT else " ", out)
    return _cut(out, max(limit, 1))


def header_part(value: object, limit: int = 120) -> str:
    """Text of a spec or an OPD inside a page header or footer: :func:`text`, its ``&`` doubled
    (a single one starts a header code: ``Sukamaju & Co`` printed ``Sukamaju Co``, and ``&P``
    in a name would print the page number)."""
    return text(value, limit).replace("&", "&&")


def line(value: object) -> str:
    """``value`` as one line of a terminal: :func:`text`, and TAB, CR and LF as a space too. A
    cell's escape sequence (``\\x1b[2J`` clears the screen) or carriage return (which writes
    the rest over the line's start) is never passed to the terminal as it came."""
    return re.sub(r"[\t\r\n]", " ", text(value))


# Characters that change how a name looks without being seen: zero-width ones and the
# bidirectional controls ("ORG \u202egnp.xlsx" shows as "ORG xslx.png").
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


_HIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufffe\uffff\ud800-\udfff]"
)


def hidden(value: str) -> bool:
    """Whether :func:`visible` would change ``value`` (found by one search)."""
    return _HIDDEN.search(value) is not None


def visible(value: str) -> str:
    """A name shown exactly: each control character (tab and line breaks too: a name is one
    line), each invisible or direction-changing character and each byte that was not UTF-8
    written as ``\\xNN`` / ``\\uNNNN``, so two different names never look alike and nothing
    invisible remains."""
    out = []
    for ch in value:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif _CONTROL.match(ch) or _INVISIBLE.match(ch) or ch in "\t\n\r":  # a name: one line
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def sheet_name(value: object) -> str:
    """A valid, non-empty Excel sheet name (31 characters, none of ``[]:*?/\\``)."""
    out = _SHEET_BAD.sub("_", text(value)).strip("' ") or "Sheet"
    while utf16_len(out) > EXCEL_SHEET_NAME_MAX:
        out = out[:-1]
    return out


def neutral(value: str) -> str:
    """Text that no spreadsheet reads as a formula (OWASP CSV injection): a leading
    apostrophe before ``=``, ``+``, ``-``, ``@``, TAB or CR."""
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_cell(value: object) -> object:
    """A value for a CSV a user may open in a spreadsheet (OWASP CSV-injection rule).

    Text starting with ``=``, ``+``, ``-``, ``@``, TAB or CR gets a leading apostrophe; numbers
    and missing values pass through unchanged.
    """
    if not isinstance(value, str):
        return value
    return neutral(text(value))


def json_value(value: object) -> object:
    """Every text inside a JSON structure made printable by :func:`text` (the keys too);
    numbers, booleans and None unchanged. No apostrophe is put before a text that starts like a
    formula, as :func:`csv_cell` does: no spreadsheet reads JSON as cells, and a JSON file holds
    the true value (a setting ``-5`` stays ``-5``, not ``'-5``)."""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, Mapping):
        return {text(str(k)): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value
