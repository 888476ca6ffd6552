"""Filled OPD files at generator speed: the project's own template, built once per OPD in memory,
and each filled copy written by patching cell values into that template's sheet XML.

:func:`build` runs :func:`pipeline.template.build_template` unchanged except that xlsxwriter
keeps the workbook's parts in memory instead of one temporary file per part (the parts are the
same bytes; only the zip's entry dates and modes differ). :func:`write` then writes any number
of filled copies without openpyxl or xlsxwriter: each copy is the template's members with the
given cells replaced in the worksheet XML (styles kept) and the save time set in
``docProps/core.xml``. Same inputs, same bytes.

Used by ``scripts/synthetic.py`` (and through it by ``scripts/build_national_demo.py``).
"""

from __future__ import annotations

import contextlib
import re
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from python_calamine import CalamineWorkbook  # noqa: E402

from pipeline import template as tpl  # noqa: E402
from pipeline.master import MasterSpec  # noqa: E402
from pipeline.xlsx_safe import SafeWorkbook  # noqa: E402

FILE_MODE = 0o100600 << 16  # a regular file, as xlsxwriter's file mode writes its members


@dataclass
class Template:
    """A blank template's members and the rows of its indicators, programs and meta keys."""

    members: list[tuple[str, bytes]]
    sheets: dict[str, str]  # sheet name -> member path
    rows_indikator: dict[str, int] = field(default_factory=dict)
    rows_program: dict[str, int] = field(default_factory=dict)
    meta_rows: dict[str, int] = field(default_factory=dict)


class _InMemoryWorkbook(SafeWorkbook):
    """The template's workbook with its parts kept in memory (no temporary file per part)."""

    def __init__(self, filename: Any, options: dict[str, Any] | None = None) -> None:
        super().__init__(filename, {**(options or {}), "in_memory": True})


@contextlib.contextmanager
def _in_memory() -> Iterator[None]:
    # build_template names its workbook class at call time; this process only (not threadsafe)
    with mock.patch.object(tpl, "SafeWorkbook", _InMemoryWorkbook):
        yield


def build(spec: MasterSpec, kode_opd: str, path: Path) -> Template:
    """Write the OPD's blank template to ``path`` with the project's template code and load it."""
    with _in_memory():
        tpl.build_template(spec, kode_opd, path)
    return load(path)


def sheet_members(members: dict[str, bytes]) -> dict[str, str]:
    """Sheet name -> worksheet member path, from the workbook and its relationships."""
    rels = dict(
        re.findall(
            r'<Relationship Id="([^"]+)"[^>]*Target="([^"]+)"',
            members["xl/_rels/workbook.xml.rels"].decode(),
        )
    )
    out = {}
    for name, rid in re.findall(
        r'<sheet name="([^"]+)"[^>]*r:id="([^"]+)"', members["xl/workbook.xml"].decode()
    ):
        target = rels[rid].lstrip("/")
        out[name] = target if target.startswith("xl/") else f"xl/{target}"
    return out


def load(path: Path) -> Template:
    """A blank template's members and where its indicator, program and meta rows are."""
    with zipfile.ZipFile(path) as zf:
        members = [(info.filename, zf.read(info.filename)) for info in zf.infolist()]
    t = Template(members=members, sheets=sheet_members(dict(members)))
    wb = CalamineWorkbook.from_path(str(path))
    try:
        for sheet, target in (
            (tpl.SHEET_INDIKATOR, t.rows_indikator),
            (tpl.SHEET_ANGGARAN, t.rows_program),
            (tpl.SHEET_META, t.meta_rows),
        ):
            rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            start = 1 if sheet == tpl.SHEET_META else tpl.HEADER_ROW
            for number, row in enumerate(rows[start:], start=start + 1):
                if row and row[0] not in ("", None):
                    target[str(row[0])] = number
    finally:
        wb.close()
    return t


def cell_xml(ref: str, style: str, value: object) -> str:
    """One ``<c>`` element: a number, a formula with its cached value, or an inline string."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        number = repr(float(value)) if isinstance(value, float) else str(value)
        return f'<c r="{ref}"{style}><v>{number}</v></c>'
    if isinstance(value, tuple):  # a formula and its cached value
        formula, cached = value
        return f'<c r="{ref}"{style}><f>{escape(formula)}</f><v>{cached!r}</v></c>'
    text = escape(str(value))
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?)(?: t="[a-zA-Z]+")?(?:/>|>.*?</c>)')


def set_cells(xml: str, values: dict[str, object]) -> str:
    """Put ``values`` ({'K7': 12.5, ...}) into the cells of a worksheet's XML, keeping styles."""
    if not values:
        return xml
    done: set[str] = set()

    def swap(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref not in values:
            return m.group(0)
        done.add(ref)
        return cell_xml(ref, m.group(2), values[ref])

    out = _CELL.sub(swap, xml)
    missing = set(values) - done
    if missing:
        raise ValueError(f"template has no cell element for {sorted(missing)[:5]}")
    return out


def write(t: Template, cells: dict[str, dict[str, object]], path: Path, modified: str) -> Path:
    """Write a filled copy of ``t``: ``cells`` by sheet name, saved at ``modified`` (ISO, UTC)."""
    by_member = {t.sheets[s]: v for s, v in cells.items() if v and s in t.sheets}
    stamp = modified.encode()
    year = int(modified[:4])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in t.members:
            body = data
            if name in by_member:
                body = set_cells(data.decode("utf-8"), by_member[name]).encode("utf-8")
            elif name == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\2", data
                )
            out = zipfile.ZipInfo(name, date_time=(year, 1, 1, 0, 0, 0))
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = FILE_MODE
            zout.writestr(out, body, compresslevel=6)
    return path
