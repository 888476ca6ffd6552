"""What the value reader does not say about a cell: its percent format and its formula.

python-calamine returns values only. Excel stores ``65,5%`` typed in a percent-formatted cell as
``0.655``, a formula whose result is an error (``#DIV/0!``) as an error value, and a formula
written by a program that never calculated it with no value at all; calamine gives ``0.655``,
``''`` and ``''``. :func:`scan_sheets` reads just enough of the workbook's XML to tell those cells
apart: the cell styles (which number formats are percents) and, for the named sheets only, each
cell's style, type and formula. It parses through defusedxml (entity declarations refused) and
stops reading a sheet after ``max_rows`` rows, so it costs about a millisecond per template. A
sheet with no document type declaration at all (so no entity can be declared in it) is parsed
by the standard library's C parser instead, several times faster on the same events. The
stylesheet and the workbook's list of sheets, which the files made from one template carry
byte for byte, are parsed once per process and remembered by their bytes.
"""

from __future__ import annotations

import functools
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from defusedxml import ElementTree as SafeET

from pipeline.issues import column_number

# Built-in number formats that are percents (ECMA-376 §18.8.30): 0% and 0.00%.
_BUILTIN_PERCENT = frozenset({9, 10})
_MAX_PART = 4 * 1024 * 1024  # workbook.xml, its rels and styles.xml stay far below this
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
# Cheap byte tests that let almost every file skip the XML parse: a stylesheet with no percent
# format, a sheet with no formula, no error value and no percent-styled cell has nothing to say.
_MAY_BE_PERCENT = re.compile(rb'%|numFmtId="(?:9|10)"')
# A formula element (<f>, <f t="shared" .../>, <x:f>) or an error cell (t="e"); plain substring
# tests run at memchr speed where one alternation regex costs ~0.3 ms per sheet.
_FORMULA_OR_ERROR = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/", b't="e"')
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class CellNote:
    """Facts about one cell that its value does not carry."""

    persen: bool = False  # number format shows a percent (the value is a fraction)
    rumus: bool = False  # the cell holds a formula
    galat: str = ""  # the error value it holds (#DIV/0!, #N/A, ...), '' when none
    tanpa_nilai: bool = False  # a formula with no stored result
    rujukan: str = ""  # what the formula's stored result depends on beyond this file ('' none)


# A formula's stored result that may not be what the cell says today: it refers to another
# workbook, or it calls a function whose result changes at every recalculation. Excel (and
# LibreOffice) store a link to another workbook as ``[1]Sheet!A1``, ``'[1]Sheet 2'!A1`` or
# ``[1]!Name``: an index in brackets, not after a name (``Tabel1[2018]`` is a column of a table
# in this file), then a sheet or name and ``!``. Text in double quotes is a string, not a
# reference; a name in single quotes is a sheet's ('Rand (2)'!A1 calls no function).
_STRING = re.compile(r'"(?:[^"]|"")*"')
_QUOTED_SHEET = re.compile(r"'(?:[^']|'')*'")
_EXTERNAL_FORMULA = re.compile(
    r"(?<![\w.\]\[])(?:'\[\d+\](?:[^']|'')*'|\[\d+\][^!\[\]\s,()'\"]*)!"
)
_VOLATILE_FORMULA = re.compile(
    r"(?<![\w.])(?:RAND|RANDBETWEEN|RANDARRAY|NOW|TODAY)\s*\(", re.IGNORECASE
)
BUKU_KERJA_LAIN = "buku kerja lain"
FUNGSI_BERUBAH = "fungsi yang berubah setiap dihitung"


def formula_reference(text: str) -> str:
    """What a formula's stored result depends on beyond the file (:data:`BUKU_KERJA_LAIN`,
    :data:`FUNGSI_BERUBAH`), '' when nothing it can be told from the formula's own text."""
    code = _STRING.sub('""', text)
    if _EXTERNAL_FORMULA.search(code):
        return BUKU_KERJA_LAIN
    if _VOLATILE_FORMULA.search(_QUOTED_SHEET.sub("''", code)):
        return FUNGSI_BERUBAH
    return ""


Notes = dict[tuple[int, int], CellNote]  # (1-based row, 0-based column) -> note


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


_LOCAL_NAMES: dict[str, str] = {}  # a sheet's tags (a few, met thousands of times) -> _local


def _local_name(tag: str) -> str:
    """:func:`_local`, remembered for the first few hundred tags met."""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = _local(tag)
        if len(_LOCAL_NAMES) < 256:
            _LOCAL_NAMES[tag] = name
    return name


def _read(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_PART:
        return None
    return zf.read(info)


def is_percent_format(code: str) -> bool:
    """Whether a number format code shows a percent (``0.0%``, ``#,##0.00%``), quotes aside."""
    return "%" in _QUOTED.sub("", code)


def parse_part(data: bytes) -> Any:
    """Parse a small part: the C parser for UTF-8 text that declares no document type (see
    :func:`_iterparse`), else defusedxml."""
    if _plain(data):
        return ElementTree.fromstring(data)
    return SafeET.fromstring(data)


def _percent_styles(zf: zipfile.ZipFile) -> list[bool]:
    """Per cell style index (``s`` attribute): whether its number format is a percent."""
    data = _read(zf, "xl/styles.xml")
    if data is None:
        return []
    if len(data) <= _REMEMBERED_PARTS:
        return list(_styles_remembered(data))
    return _styles_of(data)


@functools.lru_cache(maxsize=64)
def _styles_remembered(data: bytes) -> tuple[bool, ...]:
    """:func:`_styles_of`, remembered: the files made from one template mostly carry the same
    stylesheet, byte for byte (parsing it costs more than the rest of the scan of most files)."""
    return tuple(_styles_of(data))


def _styles_of(data: bytes) -> list[bool]:
    """:func:`_percent_styles` of a stylesheet's bytes."""
    if not _MAY_BE_PERCENT.search(data):
        return []
    root = parse_part(data)
    custom: dict[int, str] = {}
    styles: list[bool] = []
    for node in root:
        name = _local(node.tag)
        if name == "numFmts":
            for fmt in node:
                try:
                    custom[int(fmt.get("numFmtId", ""))] = fmt.get("formatCode", "")
                except ValueError:
                    continue
        elif name == "cellXfs":
            for xf in node:
                try:
                    ident = int(xf.get("numFmtId", "0"))
                except ValueError:
                    ident = 0
                styles.append(
                    ident in _BUILTIN_PERCENT or is_percent_format(custom.get(ident, ""))
                )
    return styles


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part name in the zip (``xl/worksheets/sheet2.xml``)."""
    book, rels = _read(zf, "xl/workbook.xml"), _read(zf, "xl/_rels/workbook.xml.rels")
    if book is None or rels is None:
        return {}
    if len(book) + len(rels) <= _REMEMBERED_PARTS:
        return dict(_parts_remembered(book, rels))
    return dict(_parts_named(book, rels))


_REMEMBERED_PARTS = 64 * 1024  # bytes: a template's two parts are about 2 KB, its styles 4 KB


@functools.lru_cache(maxsize=64)
def _parts_remembered(book: bytes, rels: bytes) -> tuple[tuple[str, str], ...]:
    """:func:`_parts_named`, remembered: the files made from one template mostly carry the
    same two parts, byte for byte."""
    return _parts_named(book, rels)


def _parts_named(book: bytes, rels: bytes) -> tuple[tuple[str, str], ...]:
    """Sheet name -> part name pairs from ``xl/workbook.xml`` and its relationships."""
    targets = {}
    for rel in parse_part(rels):
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        targets[rel.get("Id", "")] = posixpath.normpath(part)
    out = {}
    for node in parse_part(book).iter():
        if _local(node.tag) == "sheet":
            rid = node.get(f"{{{_REL_NS}}}id", "")
            if rid in targets:
                out[node.get("name", "")] = targets[rid]
    return tuple(out.items())


def _column(ref: str) -> int:
    return column_number(ref) - 1


def _plain(data: bytes) -> bool:
    """UTF-8 XML that declares no document type: no entity can then be defined (only the five
    of XML itself and character references), so the C parser may read it."""
    text = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    return text[:1] == b"<" and (not has_markup_bang(text) or not _DECLARATION.search(text))


_BANGS_LOOKED_AT = 16  # "!" checked one by one before the plain search takes over


def has_markup_bang(data: bytes) -> bool:
    """Whether ``<!`` (how every declaration starts) occurs in ``data``: ``b"<!" in data``,
    found from the ``!``, which a part rarely holds (a byte search at memory speed), instead
    of from each of its thousands of ``<`` (about 70 µs on a template's sheet). A part with
    many ``!`` is searched the plain way after the first few."""
    at = data.find(b"!", 1)
    for _ in range(_BANGS_LOOKED_AT):
        if at < 0:
            return False
        if data[at - 1] == 0x3C:  # "<"
            return True
        at = data.find(b"!", at + 1)
    return at >= 0 and data.find(b"<!", at - 1) >= 0


def _iterparse(data: bytes) -> Any:
    """The parser for a sheet: the C one for plain XML (:func:`_plain`), else defusedxml, which
    refuses declarations."""
    if _plain(data):
        return _pull_events
    return SafeET.iterparse


def _pull_events(source: Any, events: Any) -> Iterator[Any]:
    """``ElementTree.iterparse(source, events)`` for a source already open: the same parser
    fed the same reads, so the same events in the same order and the same error at the same
    point. iterparse makes an iterator class at every call (an abstract base class: about
    40 µs of the 60 µs iterparse takes to read ``<a/>``); a generator needs none."""
    parser: Any = ElementTree.XMLPullParser(events=events)
    while True:
        yield from parser.read_events()
        data = source.read(16 * 1024)
        if not data:
            break
        parser.feed(data)
    parser.close()
    yield from parser.read_events()


def _percent_attribute(percent: list[bool]) -> re.Pattern[bytes] | None:
    """A pattern finding a cell attribute ``s="N"`` of any percent style N (None: no style is
    a percent)."""
    styles = [b"%d" % i for i, pct in enumerate(percent) if pct]
    return re.compile(rb' s="(?:' + b"|".join(styles) + rb')"') if styles else None


_FS_LOOKED_AT = 64  # "f" checked one by one before the scans for "<f" and ":f" take over


def _has_formula_or_error(data: bytes, end: int | None = None) -> bool:
    """Whether any of :data:`_FORMULA_OR_ERROR` occurs in ``data`` (before ``end``): a scan for
    the error, then a look around each ``f`` (a byte search at memory speed: a sheet's cells
    hold few, in texts) for a ``<`` or ``:`` before it and the byte after it (a template's data
    validations hold many ``<formula1>``, which are no formula cell). Past the first few ``f``,
    two scans for ``<f`` and ``:f`` look at the rest."""
    end = len(data) if end is None else end
    if data.find(b't="e"', 0, end) >= 0:
        return True
    at = data.find(b"f", 1, end)
    for _ in range(_FS_LOOKED_AT):
        if at < 0:
            return False
        if data[at - 1] in (0x3C, 0x3A) and data[at + 1 : at + 2] in (b">", b" ", b"/"):
            return True
        at = data.find(b"f", at + 1, end)
    if at < 0:
        return False
    start = at - 1  # every "<f" and ":f" before it was looked at
    for marker in (b"<f", b":f"):
        at = data.find(marker, start, end)
        while at >= 0:
            if data[at + 2 : at + 3] in (b">", b" ", b"/"):
                return True
            at = data.find(marker, at + 2, end)
    return False


def _cells_end(data: bytes) -> int:
    """Where a sheet's cells end at the latest: cells are only inside sheetData, and the last
    ``sheetData>`` is at or after its real end, so no cell lies past it."""
    close = data.rfind(b"sheetData>")
    return close + len(b"sheetData>") if close >= 0 else len(data)


def _worth_parsing(
    data: bytes, percent_attribute: re.Pattern[bytes] | None, end: int | None = None
) -> bool:
    # What follows the cells is not looked at (see _scan_sheet); ``end``: _cells_end(data).
    end = _cells_end(data) if end is None else end
    if _has_formula_or_error(data, end):
        return True
    return percent_attribute is not None and percent_attribute.search(data, 0, end) is not None


class _CellsFirst:
    """A sheet's bytes as the parser reads them: first up to the end of its cells, then the
    rest (when the parse goes on). The parser stops at the end of the cells, and reading the
    usual 16 KB at once would parse a template's data validations behind them to no use. How
    the bytes are cut changes none of the parser's events, nor where it finds an error."""

    def __init__(self, data: bytes, end: int) -> None:
        self._chunks = [data[end:], data[:end]]

    def read(self, size: int = -1) -> bytes:
        return self._chunks.pop() if self._chunks else b""


def _scan_sheet(
    zf: zipfile.ZipFile,
    part: str,
    percent: list[bool],
    max_rows: int,
    percent_attribute: re.Pattern[bytes] | None,
) -> Notes:
    notes: Notes = {}
    data = zf.read(part)
    end = _cells_end(data)
    if not _worth_parsing(data, percent_attribute, end):
        return notes
    shared: dict[str, str] = {}  # a shared formula's index -> what its text refers to
    styles: dict[str | None, bool] = {None: False}  # a cell's s attribute -> is_pct
    fh = _CellsFirst(data, end)
    for _, node in _iterparse(data)(fh, events=("end",)):
        tag = node.tag
        name = _LOCAL_NAMES.get(tag) or _local_name(tag)
        if name == "sheetData":
            # The cells end here. What follows (a template's data validations: two thirds
            # of its sheet) is not parsed.
            break
        if name == "row":
            if int(node.get("r", "0") or 0) > max_rows:
                break
            node.clear()
            continue
        if name != "c":
            continue
        style = node.get("s")
        is_pct = styles.get(style)
        if is_pct is None:  # a style not met before in this sheet (style is not None)
            is_pct = style.isdigit() and int(style) < len(percent) and percent[int(style)]
            if len(styles) < 1024:
                styles[style] = is_pct
        formula = value = None
        for child in node:
            tag = child.tag
            tag = _LOCAL_NAMES.get(tag) or _local_name(tag)
            if tag == "f":
                formula = child
            elif tag == "v":
                value = child
        error = (value.text or "").strip() if node.get("t") == "e" and value is not None else ""
        if not (is_pct or formula is not None or error):
            continue  # most cells: nothing to say
        ref = node.get("r", "")
        # no stored result: no <v>, or an empty one not marked as text (openpyxl writes '<v />'
        # for every formula); Excel and LibreOffice store a result of "" as t="str", <v></v>
        empty = formula is not None and (
            value is None or (not (value.text or "").strip() and node.get("t") != "str")
        )
        refers = ""
        if formula is not None:
            refers = formula_reference(formula.text or "")
            index = formula.get("si")
            if index is not None and formula.get("t") == "shared":
                # the text is on the first cell of the group; the others share it
                refers = (
                    shared.setdefault(index, refers) if formula.text else shared.get(index, "")
                )
        row = int("".join(filter(str.isdigit, ref)) or 0)
        if 0 < row <= max_rows:
            notes[(row, _column(ref))] = CellNote(
                persen=is_pct,
                rumus=formula is not None,
                galat=error,
                tanpa_nilai=empty,
                rujukan=refers,
            )
    return notes


def scan_sheets(path: Path, sheets: tuple[str, ...], max_rows: int) -> dict[str, Notes]:
    """Percent formats, formulas and error values of the named sheets' first ``max_rows`` rows.

    Only cells with something to say are listed. Raises on an unreadable or hostile workbook
    (the caller turns that into an issue).
    """
    with zipfile.ZipFile(path) as zf:
        return scan_zip(zf, sheets, max_rows)


def scan_zip(zf: zipfile.ZipFile, sheets: tuple[str, ...], max_rows: int) -> dict[str, Notes]:
    """:func:`scan_sheets` of a workbook already open (the reader opens each file once)."""
    parts = sheet_parts(zf)
    wanted = {s: parts[s] for s in sheets if s in parts and parts[s] in zf.NameToInfo}
    if not wanted:
        return {}
    percent = _percent_styles(zf)
    attribute = _percent_attribute(percent)
    return {s: _scan_sheet(zf, part, percent, max_rows, attribute) for s, part in wanted.items()}
