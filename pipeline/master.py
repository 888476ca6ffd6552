"""Read and check the master spec workbook.

Sheets: Pemda, OPD, Misi → Tujuan → Sasaran → Indikator, Program, and optional tangga,
pengaturan, skala.

The spec is the only place anything Pemda-specific comes from. A broken spec is refused: every
problem is an :class:`~pipeline.issues.Issue` naming the sheet, the row and the column.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_col_to_name

from pipeline import fmt, schema
from pipeline.cells import CellNote, scan_zip
from pipeline.completeness import ZONA_BAWAAN, ZONA_WAKTU
from pipeline.config import Band, Scale, Settings, build_settings, load_defaults
from pipeline.frames import suite_view
from pipeline.ingest import Screened, screen_workbook, screened_zip
from pipeline.issues import ERROR, INFO, WARNING, Issue, cell_ref, column_number
from pipeline.numbers import BATAS_WAJAR, cell_text, digits15, parse_number
from pipeline.renja import check_renja_sheets, periode_baku, triwulan_of
from pipeline.sanitize import hidden, visible
from pipeline.suites import failures_to_issues, load_suite, run_suite_many

T = TypeVar("T")  # what :meth:`MasterSpec.derived` keeps

_RANGE = re.compile(r"^\s*([-+]?[\d.,]+)\s*(?:-|–|—|s/d|sampai)\s*([-+]?[\d.,]+)\s*$")
_TARGET_COL = re.compile(r"^target_(\d{4})$")
_PAGU_COL = re.compile(r"^pagu_(\d{4})$")
# Columns whose cells are numbers or dates: kept as the reader gives them (a native 12.262 is
# twelve point two six two) so that only text goes through the Indonesian parser (a text
# '10.000' is ten thousand). Every other column is read as text.
_NATIVE_COLUMNS = re.compile(
    r"^(target_\d{4}|pagu_\d{4}|bobot|batas_wajar_min|batas_wajar_max|periode_awal|"
    r"periode_akhir|tahun_laporan|batas_pengumpulan|peringkat|batas|pagu_renstra|"
    r"realisasi_rp_lalu|target_renstra|realisasi_lalu)$"
)
# Columns whose values are chosen from a list (naik | turun …): read in small letters, so that
# 'Turun' or 'Nilai_Akhir' typed with a capital is the choice it names.
_CHOICE_COLUMNS = frozenset({"polaritas", "tipe_nilai", "agregasi_tw"})
_BULAN = {
    **{name.lower(): i for i, name in enumerate(fmt.BULAN, start=1)},
    **{name.lower()[:3]: i for i, name in enumerate(fmt.BULAN, start=1)},
    "agu": 8,
    "ags": 8,
    "okt": 10,
    "nop": 11,
    "des": 12,
}


@dataclass
class MasterSpec:
    """A checked master spec. Frames use the vocabulary of :mod:`pipeline.schema`."""

    path: Path
    pemda: dict[str, Any]
    opd: pd.DataFrame
    misi: pd.DataFrame
    tujuan: pd.DataFrame
    sasaran: pd.DataFrame
    indikator: pd.DataFrame
    program: pd.DataFrame
    tangga: dict[str, list[str]]
    settings: Settings
    sha256: str = ""
    issues: list[Issue] = field(default_factory=list)  # WARNINGs found while checking
    # Renja evaluation (optional sheets; see pipeline.renja)
    kegiatan: pd.DataFrame = field(default_factory=pd.DataFrame)
    indikator_renja: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def kode_pemda(self) -> str:
        return str(self.pemda["kode_pemda"])

    @property
    def tahun(self) -> int:
        return int(self.pemda["tahun_laporan"])

    @property
    def periode(self) -> str:
        return str(self.pemda["periode"])

    @property
    def triwulan(self) -> int:
        """How many quarters the reporting period covers (``Tahunan`` = 4, ``TW2`` = 2)."""
        return triwulan_of(self.periode) or 4

    @property
    def zona_waktu(self) -> str:
        """The Pemda's time zone (WIB, WITA or WIT; WIB when the spec does not say)."""
        return str(self.pemda.get("zona_waktu") or "") or ZONA_BAWAAN

    def with_periode(self, periode: str) -> MasterSpec:
        """The same spec for another reporting period (``TW2``, ``Tahunan``; any spelling
        :func:`~pipeline.renja.triwulan_of` knows, kept in one: ``tw 2`` is ``TW2``)."""
        return replace(self, pemda={**self.pemda, "periode": periode_baku(periode)})

    def indikator_opd(self, kode_opd: str) -> pd.DataFrame:
        """Indicators an OPD is responsible for, in spec order."""
        return self.indikator.iloc[self._by_opd().indikator.get(kode_opd, [])]

    def program_opd(self, kode_opd: str) -> pd.DataFrame:
        """Programs of an OPD, in spec order."""
        return self.program.iloc[self._by_opd().program.get(kode_opd, [])]

    def indikator_rows(self, kode_opd: str) -> dict[str, dict[str, Any]]:
        """An OPD's indicators as plain rows keyed by ``kode_indikator``, in spec order."""
        by = self._by_opd()
        rows = by.rows(self.indikator, "indikator")
        return {rows[p]["kode_indikator"]: rows[p] for p in by.indikator.get(kode_opd, [])}

    def program_rows(self, kode_opd: str) -> dict[str, dict[str, Any]]:
        """An OPD's programs as plain rows keyed by ``kode_program``, in spec order."""
        by = self._by_opd()
        rows = by.rows(self.program, "program")
        return {rows[p]["kode_program"]: rows[p] for p in by.program.get(kode_opd, [])}

    def workload(self, kode_opd: str) -> tuple[int, int]:
        """How many indicators and programs an OPD reports on."""
        by = self._by_opd()
        return len(by.indikator.get(kode_opd, [])), len(by.program.get(kode_opd, []))

    @property
    def opd_codes(self) -> frozenset[str]:
        """The spec's OPD codes."""
        return self._by_opd().codes

    @property
    def indikator_codes(self) -> frozenset[str]:
        """Every indicator code of the spec (made once, not once per file)."""
        return self._by_opd().indikator_codes

    @property
    def program_codes(self) -> frozenset[str]:
        """Every program code of the spec (made once, not once per file)."""
        return self._by_opd().program_codes

    def _by_opd(self) -> _ByOpd:
        """Row positions per OPD, built once (per frame: replacing a frame rebuilds them), so
        that asking for one OPD's rows does not scan the whole spec each time."""
        frames = (self.opd, self.indikator, self.program)
        return self.derived("by_opd", frames, lambda: _ByOpd.build(self))

    def derived(self, name: str, frames: tuple[pd.DataFrame, ...], build: Callable[[], T]) -> T:
        """What ``build`` makes from ``frames`` (some of this spec's frames), made once and
        kept on the spec for ``name`` until one of those frames is replaced (the same
        objects, not equal ones): what every file of a Pemda asks of its spec is not made
        again for each file."""
        key = "_derived_" + name  # never an attribute's own name
        kept = self.__dict__.get(key)
        # asked hundreds of times per Pemda: the frames' identities compared in one step (the
        # kept frames are alive, so no other object has their id)
        if kept is None or kept[0] != tuple(map(id, frames)):
            kept = (tuple(map(id, frames)), build(), frames)
            self.__dict__[key] = kept
        return cast(T, kept[1])

    def resolve_opd(self, text: str) -> str | None:
        """Kode OPD for a code, a name or any alias of the spec's ``opd`` sheet (None if unknown).

        Matching ignores case, punctuation and bracketed remarks; when no name matches
        whole, the longest name or alias that ``text`` starts with wins (``"BAPPEDA, BPS"``).
        """
        key = normalise_name(text)
        if not key:
            return None
        names: dict[str, str] = {}
        for rec in self.opd.to_dict("records"):
            for name in [rec["kode_opd"], rec["nama_opd"], *str(rec["alias"]).split(";")]:
                if normalise_name(name):
                    names.setdefault(normalise_name(name), rec["kode_opd"])
        if key in names:
            return names[key]
        prefixes = [n for n in names if key.startswith(n + " ")]
        return names[max(prefixes, key=len)] if prefixes else None

    def fingerprint(self, kode_opd: str) -> str:
        """SHA-256 (first 16 hex) of the spec rows a template for this OPD is built from."""
        by = self._by_opd()
        if kode_opd not in by.fingerprints:
            ind = by.text_rows(self.indikator, "indikator", _FINGERPRINT_INDIKATOR)
            prog = by.text_rows(self.program, "program", _FINGERPRINT_PROGRAM)
            payload = {
                "kode_pemda": self.kode_pemda,
                "tahun": self.tahun,
                "kode_opd": kode_opd,
                "indikator": [ind[p] for p in by.indikator.get(kode_opd, [])],
                "program": [prog[p] for p in by.program.get(kode_opd, [])],
            }
            text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
            by.fingerprints[kode_opd] = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        return by.fingerprints[kode_opd]


_FINGERPRINT_INDIKATOR = ("kode_indikator", "uraian", "satuan", "polaritas", "target_teks")
_FINGERPRINT_PROGRAM = ("kode_program", "uraian", "pagu")


@dataclass
class _ByOpd:
    """Positions of each OPD's indicator and program rows, for the frames they were built on
    (:meth:`MasterSpec.derived`), and (made on first use, for all rows at once) the rows as
    plain values and as fingerprint text: a large spec is never sliced or scanned once per
    OPD."""

    codes: frozenset[str]
    indikator: dict[str, list[int]]
    program: dict[str, list[int]]
    indikator_codes: frozenset[str] = frozenset()
    program_codes: frozenset[str] = frozenset()
    fingerprints: dict[str, str] = field(default_factory=dict)
    _rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _text: dict[str, list[list[str]]] = field(default_factory=dict)

    def rows(self, frame: pd.DataFrame, key: str) -> list[dict[str, Any]]:
        """Every row of ``frame`` as a dict of plain values (as ``to_dict('records')``)."""
        if key not in self._rows:
            self._rows[key] = _records(frame)
        return self._rows[key]

    def text_rows(
        self, frame: pd.DataFrame, key: str, columns: tuple[str, ...]
    ) -> list[list[str]]:
        """Every row's ``columns`` as text (as ``astype(str).values.tolist()``, column by column:
        a frame of text and numbers is not made into one block of objects)."""
        if key not in self._text:
            texts = [frame[c].astype(str).tolist() for c in columns]
            self._text[key] = [list(row) for row in zip(*texts, strict=True)]
        return self._text[key]

    @classmethod
    def build(cls, spec: MasterSpec) -> _ByOpd:
        indikator: dict[str, list[int]] = {}
        for pos, codes in enumerate(spec.indikator["kode_opd_list"]):
            for code in dict.fromkeys(codes):
                indikator.setdefault(code, []).append(pos)
        program: dict[str, list[int]] = {}
        for pos, code in enumerate(spec.program["kode_opd"]):
            program.setdefault(code, []).append(pos)
        codes = frozenset(str(k) for k in spec.opd["kode_opd"])
        return cls(
            codes,
            indikator,
            program,
            frozenset(spec.indikator["kode_indikator"]),
            frozenset(spec.program["kode_program"]),
        )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict('records')``, from the frame's values as one block of Python objects
    (as each column's ``tolist()`` gives them: floats, ints, texts, NaN for a missing text;
    many times faster on text than ``to_dict``, and than a Series made for each column)."""
    columns = [str(c) for c in frame.columns]
    return [dict(zip(columns, row, strict=True)) for row in frame.to_numpy(dtype=object).tolist()]


def _text(value: object) -> str:
    if type(value) is str:  # most cells: the same as cell_text, without its type checks
        return value.strip()
    return cell_text(value, date_only=True)


_TITLE_GAPS = re.compile(r"[\s_-]+")


def column_title(value: object) -> str:
    """A column title as the spec's vocabulary spells it: trimmed, lower case, each run of
    spaces, hyphens or underscores one ``_`` (``Target 2019``, ``kode opd`` and ``Kode_OPD ``
    are ``target_2019``, ``kode_opd``, ``kode_opd``)."""
    return _TITLE_GAPS.sub("_", _text(value).lower())


class _Unreadable(ValueError):
    """Why a spec cannot be read, in words (not a reader's exception)."""


def _read_sheets(path: Path) -> tuple[dict[str, list[list[Any]]], Screened]:
    """Every sheet's rows, and the file as read (screened first: it is read here, not in an
    isolated reader). The values, the cell formats and the hash are all of those bytes."""
    screened = screen_workbook(path)
    if screened.problem:
        raise _Unreadable(screened.problem)
    wb = CalamineWorkbook.from_filelike(io.BytesIO(screened.data))
    try:
        sheets = {
            name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in wb.sheet_names
        }
    finally:
        wb.close()
    return sheets, screened


def _sheet_rows(
    rows: list[list[Any]], numbers: tuple[str, ...] = ()
) -> tuple[list[str], list[list[Any]], list[str]]:
    """A sheet's column keys (``_row`` last), its cells column by column (the last column the
    Excel row number of each row) and its header: what :class:`_Table` makes a frame of.

    Cells are text, except in the number and date columns (:data:`_NATIVE_COLUMNS` and
    ``numbers``), which keep the value the reader gives (a float, a date, or the text typed);
    empty cells are ``''``.
    The header keeps every title in its place (cell references count on it); the frame has a
    column for the first of each title only, none for a blank title (a note beside the table)
    and none named ``_row`` (see :func:`_title_issues` for what the spec is told). A row is
    left out when all its cells are empty, blank-titled ones included.
    """
    if not rows:
        return [], [], []
    header = [column_title(h) for h in rows[0]]
    width = len(header)
    keep = [j for j, h in enumerate(header) if h and h != "_row" and header.index(h) == j]
    native = [bool(_NATIVE_COLUMNS.match(h)) or h in numbers for h in header]
    data = rows[1:]
    if any(len(row) != width for row in data):  # a short row is empty to its end
        data = [
            row[:width] if len(row) >= width else [*row, *[None] * (width - len(row))]
            for row in data
        ]
    columns = zip(*data, strict=True) if data else ((),) * width
    cells = [_column_cells(column, n) for column, n in zip(columns, native, strict=True)]
    for j, h in enumerate(header):
        if h in _CHOICE_COLUMNS:
            cells[j] = [v.lower() if type(v) is str else v for v in cells[j]]
    numbers_of_rows = list(range(2, len(data) + 2))
    # a kept number or date is never blank; every other value is stripped text already
    blank = (
        [i for i, row in enumerate(zip(*cells, strict=True)) if row.count("") == width]
        if width
        else list(range(len(data)))
    )
    out = [cells[j] for j in keep] + [numbers_of_rows]
    if blank:
        skip = set(blank)
        filled = [i for i in range(len(data)) if i not in skip]
        out = [[column[i] for i in filled] for column in out]
    return [*(header[j] for j in keep), "_row"], out, header


def _column_cells(column: tuple[Any, ...], native: bool) -> list[Any]:
    """One column's cells as :func:`_sheet_rows` keeps them (``native``: a number or date
    column): text stripped, a number of a number column as it is, anything else as
    :func:`_spec_cell` makes it; a column of texts, or of numbers, in one step."""
    kinds = set(map(type, column))
    if kinds == {str}:
        return list(map(str.strip, column))
    if native and kinds == {float}:
        return list(column)
    return [
        value.strip()
        if type(value) is str
        else value  # a number cell of a number column, as _spec_cell keeps it
        if native and type(value) is float
        else _spec_cell(value, native)
        for value in column
    ]


# The types of the cells a frame gives back as they were put in: a column of texts, numbers and
# truth values only is a column of texts (str), of numbers (float), of truth values (bool) or of
# objects, each cell the value itself; a column of whole numbers only (``_row``) is int64.
_AS_PUT = frozenset({str, float, bool})


class _Table:
    """A sheet's cells as :func:`_sheet_rows` reads them, column by column, and its frame (one
    row per row of cells, ``_row`` last), made only when asked for: a sheet read only for some
    columns' values is not made a frame."""

    def __init__(self, columns: list[str], cells: list[list[Any]]) -> None:
        self.columns = columns
        self.cells = cells
        self._frame: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.cells[-1]) if self.cells else 0

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = (
                pd.DataFrame(list(zip(*self.cells, strict=True)), columns=self.columns)
                if self.columns
                else pd.DataFrame()
            )
        return self._frame

    def frame_without_row(self) -> pd.DataFrame:
        """``_without_row(frame())``, made without ``_row`` instead (a frame makes each column
        alone: the same columns)."""
        rows = (
            list(zip(*self.cells[:-1], strict=True)) if len(self.cells) > 1 else [()] * len(self)
        )
        return pd.DataFrame(rows, columns=self.columns[:-1])

    def first(self) -> dict[str, Any]:
        """The first row as ``frame().iloc[0].to_dict()`` gives it, without ``_row``: the cells
        themselves when the frame gives them back as they are (:data:`_AS_PUT`)."""
        row = [column[0] for column in self.cells[:-1]]
        if all(type(v) in _AS_PUT for v in row):
            return dict(zip(self.columns[:-1], row, strict=True))
        return {str(k): v for k, v in self.frame().iloc[0].to_dict().items() if k != "_row"}

    def column(self, name: str) -> list[Any]:
        """``frame()[name].tolist()``: the cells themselves when the frame gives them back as
        they are (see :data:`_AS_PUT`), else the frame's (a date cell is a ``Timestamp`` there)."""
        values = self.cells[self.columns.index(name)]
        kinds = set(map(type, values))
        if kinds <= _AS_PUT or kinds == {int}:
            return list(values)
        return self.frame()[name].tolist()


def _cells(source: pd.DataFrame | _Table, column: str) -> list[Any]:
    """A column's values (``tolist()``) of a frame or of a sheet as read."""
    return source.column(column) if isinstance(source, _Table) else source[column].tolist()


def _title_issues(file: str, sheet: str, rows: list[list[Any]], header: list[str]) -> list[Issue]:
    """What the spec is told about the titles of a sheet's columns (as :func:`column_title`
    spells them): an ERROR for each column whose title an earlier column already has (which
    of the two is meant cannot be told), a WARNING for each column without a title that holds
    values and for each title the sheet does not know (neither is read)."""

    def at_title(column: int, rule: str, severity: str, **said: str) -> Issue:
        return Issue(
            rule=rule, severity=severity, file=file, sheet=sheet, cell=cell_ref(column, 1), **said
        )

    issues = []
    known = _known_titles(sheet)
    for j, title in enumerate(header):
        if title and header.index(title) == j and not _known_title(sheet, title):
            shown = ", ".join(k.pattern.replace(r"\d{4}", "<tahun>") for k in known)
            issues.append(
                at_title(
                    j,
                    "spec.kolom_tidak_dikenal",
                    WARNING,
                    found=_text(rows[0][j]),
                    expected=f"judul kolom yang dikenal: {shown}",
                    message=f"Kolom '{_text(rows[0][j])}' sheet '{sheet}' tidak dikenal dan tidak "
                    f"dibaca; judul kolom yang dikenal: {shown}. Perbaiki judulnya bila kolom ini "
                    "dimaksud.",
                )
            )
        if title:
            continue
        filled = [
            (i, row[j])
            for i, row in enumerate(rows[1:], start=2)
            if j < len(row) and _text(row[j]) != ""
        ]
        if filled:
            at, value = filled[0]
            issues.append(
                at_title(
                    j,
                    "spec.kolom_tanpa_judul",
                    WARNING,
                    found=f"{len(filled)} sel berisi; {cell_ref(j, at)}: {spec_text(value)}",
                    expected="judul kolom di baris 1, atau kolom kosong",
                    message=f"Kolom {xl_col_to_name(j)} sheet '{sheet}' berisi nilai tetapi tidak "
                    "berjudul, sehingga tidak dibaca; beri judul bila kolom ini dimaksud.",
                )
            )
    for j, title in enumerate(header):
        if title and header.index(title) != j:
            first = cell_ref(header.index(title), 1)
            issues.append(
                at_title(
                    j,
                    "spec.kolom_ganda",
                    ERROR,
                    found=title,
                    expected="satu kolom untuk setiap judul",
                    message=f"Judul kolom '{title}' sudah ada di {first} sheet '{sheet}'; "
                    "hapus kolom yang tidak dipakai atau perbaiki judulnya.",
                )
            )
    return issues


@functools.cache
def _known_titles(sheet: str) -> tuple[re.Pattern[str], ...]:
    """The column titles a spec sheet may have (:data:`~pipeline.schema.MASTER_SHEETS`,
    :data:`~pipeline.schema.OPTIONAL_MASTER_COLUMNS` and ``catatan``), as patterns."""
    titles = dict.fromkeys(
        [
            *schema.MASTER_SHEETS.get(sheet, ()),
            *schema.OPTIONAL_MASTER_COLUMNS.get(sheet, ()),
            "catatan",
        ]
    )
    return tuple(re.compile(re.escape(t).replace("<tahun>", r"\d{4}")) for t in titles)


@functools.lru_cache(maxsize=1 << 12)
def _known_title(sheet: str, title: str) -> bool:
    """Whether a sheet knows a column title (one of :func:`_known_titles`)."""
    return any(k.fullmatch(title) for k in _known_titles(sheet))


def _spec_cell(value: object, keep: bool) -> Any:
    """A cell that is not text: blank for none, as it is in a number or date column, else its
    text."""
    if value is None:
        return ""
    if keep and not isinstance(value, str):
        return value  # a number, a date or a truth value: never blank text
    return cell_text(value, date_only=True)


class _Checker:
    """Collects issues for one spec file with sheet/row/column locations."""

    def __init__(self, path: Path) -> None:
        self.file = path.name
        self.issues: list[Issue] = []
        self.headers: dict[str, list[str]] = {}
        # cells refused for their formula (an error value, no stored result): read as empty,
        # they are told nothing more
        self.reported: set[tuple[str, str]] = set()

    def cell(self, sheet: str, row: int, column: str) -> str:
        """The reference of a cell of a sheet's column (``baris N`` when the column is not
        there)."""
        header = self.headers.get(sheet, [])
        return cell_ref(header.index(column), row) if column in header else f"baris {row}"

    def add(
        self,
        sheet: str,
        row: int,
        column: str,
        found: str,
        expected: str,
        message: str,
        rule: str = "spec.nilai",
        severity: str = ERROR,
    ) -> None:
        cell = self.cell(sheet, row, column)
        if (sheet, cell) in self.reported:
            return
        self.issues.append(
            Issue(
                rule=rule,
                severity=severity,
                file=self.file,
                sheet=sheet,
                cell=cell,
                found=found,
                expected=expected,
                message=f"{message} (kolom '{column}').",
            )
        )

    def visible_codes(self, sheet: str, df: pd.DataFrame | _Table, column: str) -> None:
        """An ERROR at each code holding an invisible or control character: it looks like
        another code and is not it (an OPD would be told it changed its code)."""
        if column not in df:
            return
        codes = _cells(df, column)
        if not hidden("".join(c for c in codes if isinstance(c, str))):
            return  # one search over the column (a character is found in one code or none)
        for code, row in zip(codes, _cells(df, "_row"), strict=True):
            if isinstance(code, str) and hidden(code):
                self.add(
                    sheet,
                    row,
                    column,
                    visible(code),
                    "kode tanpa karakter tak terlihat",
                    f"Kode '{visible(code)}' berisi karakter tak terlihat atau karakter kendali "
                    "(ditulis \\x.. / \\u.... di sini); kode itu tampak sama dengan kode lain "
                    "tetapi berbeda. Ketik ulang kodenya",
                    "spec.kode_tak_terlihat",
                )

    def unique(self, sheet: str, df: pd.DataFrame | _Table, column: str) -> None:
        seen: dict[str, int] = {}
        for code, row in zip(_cells(df, column), _cells(df, "_row"), strict=True):
            if not code:
                self.add(sheet, row, column, "", "kode terisi", "Kode kosong", "spec.kode_kosong")
            elif code in seen:
                self.add(
                    sheet,
                    row,
                    column,
                    code,
                    "kode unik",
                    f"Kode '{code}' sudah dipakai di baris {seen[code]}; setiap kode harus unik",
                    "spec.kode_ganda",
                )
            else:
                seen[code] = row

    def parent(
        self,
        sheet: str,
        df: pd.DataFrame | _Table,
        column: str,
        known: set[str],
        optional: bool = False,
    ) -> None:
        for codes, row in zip(_cells(df, column), _cells(df, "_row"), strict=True):
            parts = _code_list(codes)
            if not parts and not optional:
                self.add(sheet, row, column, "", "kode terisi", "Kolom wajib kosong", "spec.wajib")
            for code in parts:
                if code not in known:
                    self.add(
                        sheet,
                        row,
                        column,
                        code,
                        f"kode yang ada di sheet {_PARENT_SHEET.get(column, 'induk')}",
                        f"Kode '{code}' tidak dikenal"
                        + _near_code(code, known, _PARENT_SHEET.get(column, "induk")),
                        "spec.rujukan",
                    )


@functools.lru_cache(maxsize=1 << 14)
def _code_list(text: str) -> tuple[str, ...]:
    """The codes of a cell holding one or more, ``;`` between them (``BKD; DISKOMINFO``):
    trimmed, blanks left out. Remembered: a spec repeats the same few cells many times."""
    return tuple(c.strip() for c in text.split(";") if c.strip())


def _memo_key(value: object) -> tuple[Any, ...] | None:
    """A key under which a cell value's parse may be remembered, None when it may not.

    The type is part of the key (``True``, ``1`` and ``1.0`` are equal in Python but not the
    same cell), a float is keyed by its exact bits (``-0.0`` is not ``0.0``; a NaN, never
    equal to itself, would otherwise never hit).
    """
    if type(value) is float:
        return (float, value.hex())
    if type(value) is str and len(value) > 64:
        return None  # a long text is rare and not worth remembering
    if value is None or type(value) in (str, int, bool):
        return (type(value), value)
    return None


def spec_value(value: object) -> tuple[float | None, str]:
    """A number from a spec cell: ``(number, '')``, ``(None, '')`` when empty, or
    ``(None, problem)``.

    A native numeric cell is taken as it is; text is read the Indonesian way (``12,5``,
    ``10.000`` = ten thousand, ``Rp 1.500.000,-``). ``-`` or ``n/a`` count as empty. Infinite
    numbers and numbers beyond 10^15 are refused.

    A spec of thousands of OPDs repeats the same few texts (``''``, ``-``) hundreds of
    thousands of times: the result is remembered per text.
    """
    if type(value) is float and -BATAS_WAJAR <= value <= BATAS_WAJAR:  # NaN and ±inf fail
        return value, ""  # a plain number cell, as :func:`_spec_value` takes it
    if type(value) is not str or len(value) > 64:  # a rarer cell (a date, a whole number)
        return _spec_value(value)
    return _spec_value_memo(value)


@functools.lru_cache(maxsize=1 << 16)
def _spec_value_memo(value: str) -> tuple[float | None, str]:
    return _spec_value(value)


def _spec_value(value: object) -> tuple[float | None, str]:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None, ""
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return None, "angka (sel ini berformat tanggal)"
    parsed = parse_number(value)
    if parsed.kind in ("kosong", "tidak_tersedia"):
        return None, ""
    if parsed.kind == "tidak_wajar":
        return None, f"angka terhingga antara -{fmt.angka_ringkas(BATAS_WAJAR)} dan " + (
            fmt.angka_ringkas(BATAS_WAJAR)
        )
    if parsed.value is None:
        return None, "angka (misalnya 12,5 atau 10.000)"
    return parsed.value, ""


def spec_text(value: object) -> str:
    """A spec cell as people read it: numbers the Indonesian way (``13,929``), text as typed."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return fmt.angka_ringkas(float(value), 6)
    return _text(value)


def parse_target(value: object, polaritas: str, ladder: list[str] | None) -> dict[str, Any]:
    """Interpret a target cell for a polarity: number, ``L - U`` range or ladder value.

    Returns ``target_nilai``, ``target_bawah``, ``target_atas`` (floats or None),
    ``target_teks`` (how it is shown: ``12,5``, ``10.000 - 15.000``, ``WTP``) and ``error``
    (empty when the target is valid). Remembered per cell value, polarity and ladder (a new
    dict each call: the caller may change it).
    """
    return dict(_target_of(value, polaritas, tuple(ladder) if ladder else None))


def _target_of(value: object, polaritas: str, ladder: tuple[str, ...] | None) -> dict[str, Any]:
    """:func:`parse_target` without the copy: the remembered dict itself, never to be changed."""
    if type(value) is float and value != 0.0 and not math.isnan(value):
        return _float_target_memo(value, polaritas, ladder)  # a float keys as itself
    key = _memo_key(value)
    if key is None:
        return _parse_target(value, polaritas, list(ladder) if ladder else None)
    return _parse_target_memo(key, value, polaritas, ladder)


@functools.lru_cache(maxsize=1 << 16)
def _float_target_memo(
    value: float, polaritas: str, ladder: tuple[str, ...] | None
) -> dict[str, Any]:
    return _parse_target(value, polaritas, list(ladder) if ladder else None)


@functools.lru_cache(maxsize=1 << 16)
def _parse_target_memo(
    key: tuple[Any, ...], value: object, polaritas: str, ladder: tuple[str, ...] | None
) -> dict[str, Any]:
    return _parse_target(value, polaritas, list(ladder) if ladder else None)


def _parse_target(value: object, polaritas: str, ladder: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "target_nilai": None,
        "target_bawah": None,
        "target_atas": None,
        "target_teks": spec_text(value),
        "error": "",
    }
    if out["target_teks"] == "" or (
        type(value) is not float  # a number cell is never n/a
        and parse_number(value).kind == "tidak_tersedia"
    ):
        out.update(target_teks="", error="target kosong")
        return out
    if polaritas == "kualitatif":
        # no ladder: said once at the indicator's tangga cell, not again at every target
        if ladder and out["target_teks"] not in ladder:
            out["error"] = "nilai pada tangga: " + ", ".join(ladder or [])
        return out
    if polaritas == "range":
        m = _RANGE.match(str(value)) if isinstance(value, str) else None
        if m:
            (lo, e1), (hi, e2) = spec_value(m.group(1)), spec_value(m.group(2))
            if lo is not None and hi is not None and lo <= hi and not (e1 or e2):
                out.update(
                    target_bawah=lo,
                    target_atas=hi,
                    target_teks=f"{fmt.angka_ringkas(lo, 6)} - {fmt.angka_ringkas(hi, 6)}",
                )
                return out
        out["error"] = "rentang 'L - U' dengan L ≤ U, misalnya '80 - 90' atau '10.000 - 15.000'"
        return out
    number, problem = spec_value(value)
    if number is None:
        out["error"] = problem or "sebuah angka"
    elif number is value:  # a number cell, shown as spec_text showed it above
        out["target_nilai"] = number
    else:
        out.update(target_nilai=number, target_teks=fmt.angka_ringkas(number, 6))
    return out


def targets_agree(cell: object, spec_row: pd.Series | dict[str, Any]) -> bool:
    """Whether a template's locked target cell still says the spec's target."""
    polaritas = spec_row["polaritas"]
    if polaritas == "kualitatif":
        return _text(cell).casefold() == str(spec_row["target_teks"]).casefold()
    if type(cell) is float and polaritas != "range" and -BATAS_WAJAR <= cell <= BATAS_WAJAR:
        got: dict[str, Any] = {"target_nilai": cell}  # parse_target of a plain number cell
    else:
        got = parse_target(cell, str(polaritas), None)
    keys = ("target_bawah", "target_atas") if polaritas == "range" else ("target_nilai",)
    for key in keys:
        want, have = spec_row[key], got[key]
        if want is None or (isinstance(want, float) and math.isnan(want)):
            return False
        if have is None or abs(have - float(want)) > 1e-9 * max(1.0, abs(float(want))):
            return False
    return True


def spec_date(value: object) -> dt.date | None:
    """A date from a spec cell: a date cell, ISO text (``2024-02-15``), ``15/02/2024``,
    ``15-02-2024``, ``15.02.2024`` (day first, as Indonesians write) or ``15 Februari 2024``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    m = re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})", text)
    if m:
        day, month, year = (int(g) for g in m.groups())
    else:
        m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})", text)
        if not m or m.group(2).lower() not in _BULAN:
            return None
        day, month, year = int(m.group(1)), _BULAN[m.group(2).lower()], int(m.group(3))
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _year(value: object) -> int | None:
    number, problem = spec_value(value)
    if number is None or problem or not number.is_integer() or not 1900 <= number <= 2200:
        return None
    return int(number)


def _settings_from_sheets(
    frames: dict[str, pd.DataFrame], check: _Checker
) -> tuple[Settings, list[Issue]]:
    overrides: dict[str, object] = {}
    cells: dict[str, tuple[str, str]] = {}
    if "pengaturan" in frames:
        df = frames["pengaturan"]
        first: dict[str, int] = {}
        for k, v, row in zip(df["kunci"], df["nilai"], df["_row"], strict=True):
            at = (check.cell("pengaturan", row, "kunci"), check.cell("pengaturan", row, "nilai"))
            if not k or ("pengaturan", at[1]) in check.reported:
                continue
            if k in first:  # which of the two values is meant cannot be told
                check.add(
                    "pengaturan",
                    int(row),
                    "kunci",
                    str(k),
                    "setiap kunci satu kali",
                    f"Kunci '{k}' sudah ada di baris {first[k]}; hapus salah satunya",
                    "spec.pengaturan",
                )
                continue
            first[k] = int(row)
            overrides[k] = v
            cells[k.strip()] = at
    extra = _custom_scales(frames["skala"], check) if "skala" in frames else {}
    return build_settings(overrides, extra, where=check.file, cells=cells)


_BAND_RULES = ("lebih_dari", "minimal")
_HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
_GREY = "#BDBDBD"


def _custom_scales(df: pd.DataFrame, check: _Checker) -> dict[str, Scale]:
    """The predikat scales of the ``skala`` sheet, each band checked at its cell: a name and a
    label, a number as ``batas`` (empty for the one band that takes everything below the
    others), ``aturan`` ``lebih_dari`` (>) or ``minimal`` (≥), ``warna`` ``#RRGGBB``. A name
    of a packaged scale, a label or a bound given twice in one scale is refused too: which
    band is meant could not be told."""
    builtin = set(load_defaults()["skala"])
    bands: dict[str, list[Band]] = {}
    seen: dict[tuple[str, str], int] = {}  # (scale, label or bound) → its first row

    def bad(row: int, column: str, found: object, expected: str, message: str) -> None:
        check.add("skala", row, column, spec_text(found), expected, message, "spec.skala")

    for rec in df.to_dict("records"):
        row = int(rec["_row"])
        if ("skala", check.cell("skala", row, "batas")) in check.reported:
            continue  # its bound is a formula's error: refused at that cell
        name, label = str(rec.get("skala", "")), str(rec.get("label", ""))
        if not name:
            bad(row, "skala", "", "nama skala", "Nama skala kosong")
            continue
        if name in builtin:
            bad(row, "skala", name, "nama lain", f"Skala '{name}' sudah ada sebagai skala bawaan")
            continue
        problems = len(check.issues)
        if not label:
            bad(row, "label", "", "label predikat", f"Label predikat skala '{name}' kosong")
        elif (name, f"label {label}") in seen:
            first = seen[(name, f"label {label}")]
            bad(row, "label", label, "label unik", f"Label '{label}' sudah ada di baris {first}")
        raw = rec.get("batas", "")
        batas, problem = spec_value(raw)
        aturan = str(rec.get("aturan", "")) or "lebih_dari"
        if problem:
            bad(row, "batas", raw, problem, "Batas bawah predikat bukan angka")
        if aturan not in _BAND_RULES:
            bad(row, "aturan", aturan, " atau ".join(_BAND_RULES), "Aturan batas tidak dikenal")
        # the one band without a bound takes the rest; a bound twice with one rule is one band
        bound = "batas kosong" if batas is None else f"batas {batas!r}"
        if not problem and (name, bound) in seen:
            what = "Batas kosong (predikat paling bawah)" if batas is None else "Batas yang sama"
            first = seen[(name, bound)]
            bad(row, "batas", raw, "batas lain", f"{what} sudah ada di baris {first}")
        warna = str(rec.get("warna", "")) or _GREY
        if not _HEX_COLOUR.fullmatch(warna):
            bad(row, "warna", warna, "#RRGGBB, misalnya #00B050", "Warna bukan kode heksadesimal")
        seen.setdefault((name, f"label {label}"), row)
        if not problem:
            seen.setdefault((name, bound), row)
        if len(check.issues) == problems:
            low = float("-inf") if batas is None else batas
            bands.setdefault(name, []).append(Band(label, low, aturan, warna))
    out = {}
    for name, found in bands.items():
        if all(b.batas != float("-inf") for b in found) and (name, "batas kosong") not in seen:
            first = seen[(name, f"label {found[0].label}")]
            bad(
                first,
                "batas",
                "",
                "satu predikat dengan batas kosong (paling bawah)",
                f"Skala '{name}' tidak memiliki predikat paling bawah (batas kosong): capaian di "
                "bawah batas terendah tidak mendapat predikat",
            )
            continue
        found.sort(key=lambda b: -b.batas)
        bounds = [b.batas for b in found if b.batas != float("-inf")]
        if bounds and bounds[0] <= 1:  # capaian is in percent: 0,9 is not 90 %
            bad(
                seen[(name, f"batas {bounds[0]!r}")],
                "batas",
                bounds[0],
                "batas dalam persen, misalnya 90 untuk 90 %",
                f"Semua batas skala '{name}' 1 atau kurang ("
                + "; ".join(fmt.angka_ringkas(b, 6) for b in bounds)
                + "): capaian dihitung dalam persen (90 berarti 90 %), sehingga hampir setiap "
                "capaian akan mendapat predikat teratas. Pecahan diketik untuk persen? Tulis 90, "
                "bukan 0,9",
            )
            continue
        out[name] = Scale(name, name, tuple(found))
    return out


def _known_names(
    sheets: dict[str, list[list[Any]]], check: _Checker
) -> tuple[dict[str, list[list[Any]]], dict[str, str]]:
    """The sheets by the names the spec knows them by, and each renamed one's own name: a
    sheet renamed only in case or spaces (``Pengaturan``, ``indikator ``) is read as the sheet
    it is, with a WARNING. Not read, it was missed without a word (an optional sheet: every
    setting fell back to its default). Two such sheets for one name are refused: which of the
    two is meant cannot be told."""
    out = dict(sheets)
    named: dict[str, str] = {}
    for meant in [*schema.MASTER_SHEETS, "skala"]:
        alike = [n for n in sheets if n != meant and "".join(n.split()).lower() == meant]
        if not alike:
            continue
        if meant in sheets:
            severity, said = WARNING, f"sheet '{meant}' yang dibaca; sheet ini tidak"
        elif len(alike) > 1:
            severity, said = ERROR, "ada lebih dari satu sheet seperti ini, tidak jelas mana"
        else:
            severity, said = WARNING, f"dibaca sebagai sheet '{meant}'"
            out[meant] = out.pop(alike[0])
            named[meant] = alike[0]
        for name in alike:
            check.issues.append(
                Issue(
                    rule="spec.nama_sheet",
                    severity=severity,
                    file=check.file,
                    sheet=name,
                    found=name,
                    expected=meant,
                    message=f"Nama sheet '{name}' berbeda huruf besar/kecil atau spasi dari "
                    f"'{meant}': {said}. Samakan nama sheet dengan templat master spec.",
                )
            )
    return out, named


# Per sheet, the columns whose number cell, formatted as a percent, is read as the percent
# shown (Excel stores ``92%`` as 0,92), as an OPD's cells are.
_PERCENT_COLUMNS = {
    "indikator": re.compile(r"^(target_\d{4}|batas_wajar_min|batas_wajar_max)$"),
    "indikator_renja": re.compile(r"^(target_\d{4}|target_renstra|realisasi_lalu)$"),
    "pengaturan": re.compile(r"^nilai$"),
    "skala": re.compile(r"^batas$"),
}
# Sheets with columns of numbers (or dates) whose cells are looked at for their formulas, and
# the columns beside :data:`_NATIVE_COLUMNS` that hold such values.
_FORMULA_SHEETS = (
    "pemda",
    "indikator",
    "program",
    "kegiatan",
    "indikator_renja",
    "tangga",
    "pengaturan",
    "skala",
)
_VALUE_COLUMNS = {"pengaturan": "nilai"}


def _cell_notes(
    screened: Screened, sheets: dict[str, list[list[Any]]], check: _Checker, named: dict[str, str]
) -> list[Issue]:
    """What the value reader does not say about the spec's number cells (``screened``: the
    file as read; ``named``: a renamed sheet's own name).

    A number typed as ``92%`` in Excel is stored as 0,92: in the columns of
    :data:`_PERCENT_COLUMNS` it is read as the percent shown, as an OPD's cells are (INFO at
    the cell; a WARNING for a target of an indicator whose unit is not a percent). Read as
    0,92, its OPD's correct 87,4 was refused as 'a percent typed as a fraction'; a cap of
    ``120%`` capped every capaian at 1,2.

    A number or setting cell holding an error value (``#DIV/0!``, ``#REF!``, ``#N/A``) or a
    formula with no stored result is given as empty by the reader: returned here is an ERROR
    at each such cell, saying so (the cell is told nothing more, see ``check.reported``). Such
    a text cell (a name, a unit, a code) is read as empty too: a WARNING at it says why (what
    an empty code or name means is said by the checks of that column)."""
    wanted = {s: named.get(s, s) for s in _FORMULA_SHEETS if sheets.get(s)}
    if not wanted:
        return []
    try:
        with screened_zip(screened) as zf:
            notes = scan_zip(zf, tuple(wanted.values()), max(len(sheets[s]) for s in wanted))
    except Exception:  # the sheets' XML cannot be read for formats: the values stand
        return []
    refused: list[Issue] = []
    for sheet, name in wanted.items():
        rows = sheets[sheet]
        header = [column_title(h) for h in rows[0]]
        percent = _PERCENT_COLUMNS.get(sheet)
        for (excel_row, col), note in sorted(notes.get(name, {}).items()):
            title = header[col] if excel_row > 1 and col < len(header) else ""
            row = rows[excel_row - 1] if 0 < excel_row <= len(rows) else []
            if not title:
                continue
            if note.galat or (note.rumus and note.tanpa_nilai):
                if _NATIVE_COLUMNS.match(title) or _VALUE_COLUMNS.get(sheet) == title:
                    check.reported.add((sheet, cell_ref(col, excel_row)))
                    refused.append(_formula_issue(check.file, sheet, col, excel_row, title, note))
                else:  # a text read as empty: a name, a unit or a code gone without a word
                    said = _formula_issue(check.file, sheet, col, excel_row, title, note)
                    empty = said.message.removesuffix(".") + "; sel ini dibaca kosong."
                    check.issues.append(
                        replace(
                            said,
                            severity=WARNING,
                            message=empty,
                            expected="teks yang dapat dibaca (diketik, atau hasil rumus)",
                        )
                    )
                continue
            if (
                note.persen
                and percent is not None
                and percent.match(title)
                and col < len(row)
                and type(row[col]) is float
            ):
                check.issues.append(
                    _read_as_percent(check.file, sheet, header, row, col, excel_row)
                )
    return refused


def _formula_issue(
    file: str, sheet: str, col: int, excel_row: int, title: str, note: CellNote
) -> Issue:
    """The ERROR for a number cell whose value is an error or a formula's missing result."""
    if not note.galat:
        found = "rumus tanpa nilai tersimpan"
        said = (
            "Sel berisi rumus tanpa nilai tersimpan (berkas disimpan oleh program yang tidak "
            "menghitung rumus): buka dan simpan ulang di Excel atau LibreOffice, atau ketik "
            "nilainya langsung"
        )
    elif note.rumus:
        found = f"rumus menghasilkan {note.galat}"
        said = (
            f"Sel berisi rumus yang menghasilkan {note.galat}, bukan nilai: perbaiki rumusnya "
            "atau ketik nilainya langsung"
        )
    else:
        found = f"nilai galat {note.galat}"
        said = f"Sel berisi nilai galat {note.galat} (diketik atau ditempel): ketik nilainya"
    return Issue(
        rule="spec.rumus",
        severity=ERROR,
        file=file,
        sheet=sheet,
        cell=cell_ref(col, excel_row),
        found=found,
        expected="nilai yang dapat dibaca (angka, atau hasil rumus yang tersimpan)",
        message=f"{said} (kolom '{title}').",
    )


def _read_as_percent(
    file: str, sheet: str, header: list[str], row: list[Any], col: int, excel_row: int
) -> Issue:
    """A percent-formatted number cell, read as the percent shown (``row`` is changed): the
    INFO saying so, a WARNING for an indicator whose unit is not a percent."""
    stored = row[col]
    shown = digits15(stored * 100)
    row[col] = shown
    unit = header.index("satuan") if "satuan" in header else -1
    kind = header.index("tipe_nilai") if "tipe_nilai" in header else -1
    satuan = _text(row[unit]) if 0 <= unit < len(row) else ""
    persen = unit < 0 or "%" in satuan or (0 <= kind < len(row) and _text(row[kind]) == "persen")
    return Issue(
        rule="spec.format_persen",
        severity=INFO if persen else WARNING,
        file=file,
        sheet=sheet,
        cell=cell_ref(col, excel_row),
        found=f"{fmt.angka_ringkas(shown)}%",
        expected=fmt.angka_ringkas(shown),
        message=f"Sel berformat persen: Excel menyimpan {fmt.angka_ringkas(shown)}% "
        f"sebagai {fmt.angka_ringkas(stored, 6)}; dibaca sebagai "
        f"{fmt.angka_ringkas(shown)}"
        + ("" if persen else f", padahal satuan indikator ini '{satuan}' (bukan persen)")
        + f" (kolom '{header[col]}').",
    )


def _ranks(peringkat: list[Any]) -> list[float]:
    """The ranks of a ``tangga`` sheet as numbers (NaN for a rank that is none)."""
    ranks = [spec_value(v)[0] for v in peringkat]
    return [math.nan if r is None else float(r) for r in ranks]


def _check_ranks(
    names: list[Any], peringkat: list[Any], ranks: list[float], rows: list[int], check: _Checker
) -> None:
    """Every value of a ladder needs its own rank (a number; ``ranks``, one per row of the
    ``tangga`` sheet: its ``names``, ``peringkat`` and ``rows``): a rank left blank, typed as a
    word or given twice put the value at the top of its ladder, or in either order."""
    seen: dict[tuple[str, float], int] = {}
    for name, raw, rank, row in zip(names, peringkat, ranks, rows, strict=True):
        if math.isnan(rank):  # no number
            check.add(
                "tangga",
                int(row),
                "peringkat",
                spec_text(raw),
                "angka urutan, misalnya 1 untuk nilai terendah",
                f"Peringkat nilai tangga '{name}' bukan angka",
                "spec.tangga",
            )
        elif (name, rank) in seen:
            check.add(
                "tangga",
                int(row),
                "peringkat",
                spec_text(raw),
                "peringkat lain",
                f"Peringkat yang sama sudah dipakai tangga '{name}' di baris {seen[(name, rank)]}",
                "spec.tangga",
            )
        else:
            seen[(name, rank)] = int(row)


@dataclass
class _Draft:
    """A spec read and checked except for its value rules (the ``master_spec`` suite).

    ``rules`` is the frame the suite validates and ``at`` where its issues go among the others,
    so that a spec checked in a batch lists its issues exactly as one checked alone.
    """

    spec: MasterSpec | None
    issues: list[Issue]
    rules: pd.DataFrame | None = None
    check: _Checker | None = None
    at: int = 0


# The blanks of the indikator sheet that are filled before it is checked: agregasi_tw and bobot
# for the suite and the spec, polaritas for the suite only (a blank one is refused as such).
_FILLED = (("agregasi_tw", "nilai_akhir"), ("bobot", "1"), ("polaritas", None))


def rule_frame(
    indikator: pd.DataFrame, values: dict[str, list[Any]] | None = None
) -> pd.DataFrame:
    """The indikator sheet as the ``master_spec`` suite validates it: its frame with the blanks
    of :data:`_FILLED` filled, and bobot and the plausible bounds as numbers.

    ``values`` are the frame's columns' values (``tolist()``; taken from the frame when not
    given); their agregasi_tw and bobot are filled here the same way. A column without a blank
    is the frame's own."""
    if values is None:
        values = {str(c): indikator[c].tolist() for c in indikator.columns}
    filled = {}
    for column, blank in _FILLED:
        if "" in values[column]:
            filled[column] = indikator[column].replace("", blank)
            if blank is not None:
                values[column] = [blank if v == "" else v for v in values[column]]
    return indikator.assign(
        **filled,
        bobot_angka=_numbers(values.get("bobot"), len(indikator)),
        batas_wajar_min=_numbers(values.get("batas_wajar_min"), len(indikator)),
        batas_wajar_max=_numbers(values.get("batas_wajar_max"), len(indikator)),
    )


def _numbers(values: list[Any] | None, length: int) -> np.ndarray:
    """A column's cells as numbers, NaN where there is none (``length`` NaN without the
    column): as ``map(_as_float).astype(float)``, without a Series per step."""
    if values is None:
        return np.full(length, math.nan)
    numbers = [spec_value(v)[0] for v in values]
    return np.array([math.nan if n is None else n for n in numbers], dtype=float)


def _value_rule_issues(
    frame: pd.DataFrame, failures: list[dict[str, Any]], check: _Checker
) -> list[Issue]:
    """The suite's failing rows as issues located by sheet/row/column."""
    header = check.headers["indikator"]

    def locate(row: pd.Series, column: str) -> dict[str, str]:
        cell = cell_ref(header.index(column), int(row["_row"])) if column in header else ""
        return {
            "file": check.file,
            "sheet": "indikator",
            "cell": cell,
            "kode_indikator": str(row["kode_indikator"]),
        }

    issues = failures_to_issues(frame, failures, locate)
    return [
        replace(i, message=f"{i.message} (kolom '{_column_of(i.cell, header)}').") for i in issues
    ]


def _column_of(cell: str, header: list[str]) -> str:
    index = column_number(cell) if re.match(r"[A-Z]", cell) else 0
    return header[index - 1] if 0 < index <= len(header) else ""


def _targets(
    rec: dict[str, Any],
    tahun: int,
    akhir: int,
    target_cols: list[tuple[str, int]],
    steps: tuple[str, ...] | None,
    limits: dict[str, float | None],
    check: _Checker,
) -> dict[str, Any]:
    """This year's, next year's and the end-of-RPJMD target of one indicator row, as numbers.

    The end target is the target of the RPJMD's last year (``periode_akhir``). Without it, the
    latest later year's target stands in, and ``catatan_target_akhir`` says which year; with no
    later target at all there is no end target (*target akhir belum ada*) and no progress.
    Every ``target_<year>`` cell must parse (Indonesian forms allowed) or the spec is refused.
    ``target_cols`` are the columns with their years, in the order of the years; ``steps`` the
    indicator's ladder.
    """
    row, code, polaritas = rec["_row"], rec["kode_indikator"], rec["polaritas"]
    bounds = _plausible_bounds(rec, limits)
    parsed: dict[int, dict[str, Any]] = {}
    last = None  # the latest year with a target after this one, up to the RPJMD's end
    for col, year in target_cols:
        typed = rec[col]
        got = _target_of(typed, polaritas, steps)  # read only: never changed here
        error = got["error"]
        if error:
            if error == "target kosong":
                if year != tahun:
                    continue
                if polaritas in schema.POLARITAS:
                    check.add(
                        "indikator",
                        row,
                        col,
                        "",
                        _TARGET_WANTED.get(polaritas, _TARGET_WANTED["naik"])
                        + (": " + ", ".join(steps) if polaritas == "kualitatif" and steps else ""),
                        f"Target {year} (tahun laporan) indikator '{code}' kosong: capaiannya "
                        "tidak dapat dihitung tanpa target",
                        "spec.target",
                    )
                    continue
            elif polaritas in schema.POLARITAS:
                check.add(
                    "indikator",
                    row,
                    col,
                    spec_text(typed),
                    error,
                    f"Target {year} indikator '{code}' tidak sah",
                    "spec.target",
                )
                continue
        parsed[year] = got
        if tahun < year <= akhir:
            last = year  # the latest so far: the columns are in the order of their years
        if type(typed) is str and (read := parse_number(typed)).kind == "ambigu":
            check.add(
                "indikator",
                row,
                col,
                typed,
                f"{fmt.angka_ringkas(read.value, 6)}, atau ketik sebagai angka",
                f"Target {year} indikator '{code}' '{typed}' dapat dibaca dua cara; dibaca "
                f"sebagai {fmt.angka_ringkas(read.value, 6)} ({read.cara[0]}), bukan "
                f"{fmt.angka_ringkas(read.lain, 6)} ({read.cara[1]}). Ketik sebagai angka (sel "
                "berformat Angka) bila maksudnya lain",
                "spec.angka_ambigu",
                WARNING,
            )
        if type(typed) is str and "%" in typed and not _is_percent_unit(rec):
            # as a percent-formatted number cell of such an indicator is (spec.format_persen)
            check.add(
                "indikator",
                row,
                col,
                typed,
                f"angka dalam satuan '{_text(rec.get('satuan'))}', tanpa %",
                f"Target {year} indikator '{code}' '{typed}' bertanda %, padahal satuan "
                f"indikator ini '{_text(rec.get('satuan'))}' (bukan persen); dibaca sebagai "
                f"{spec_text(got['target_teks']).rstrip('%').strip()}",
                "spec.format_persen",
                WARNING,
            )
        _plausible_target(rec, year, got, bounds, check, col)
    this = parsed.get(tahun) or _target_of("", polaritas, steps)
    if akhir in parsed:
        end_year, note = akhir, ""
    elif last is not None:
        end_year = last
        note = f"target {end_year} dipakai; target {akhir} (akhir RPJMD) belum ada"
    else:
        end_year, note = None, "target akhir belum ada"
    end = parsed.get(end_year) if end_year is not None else None
    nxt = parsed.get(tahun + 1)
    return {
        "target_teks": this["target_teks"],
        "target_nilai": this["target_nilai"],
        "target_bawah": this["target_bawah"],
        "target_atas": this["target_atas"],
        "target_tahun_depan": _shown_target(nxt),
        "target_akhir": _shown_target(end),
        "target_akhir_nilai": end["target_nilai"] if end else None,
        "target_akhir_bawah": end["target_bawah"] if end else None,
        "target_akhir_atas": end["target_atas"] if end else None,
        "target_akhir_teks": end["target_teks"] if end else "",
        "tahun_target_akhir": end_year,
        "catatan_target_akhir": note,
    }


def _is_percent_unit(rec: dict[str, Any]) -> bool:
    """Whether an indicator is measured in percent: its unit holds %, names it, or its
    ``tipe_nilai`` is ``persen``."""
    satuan = _text(rec.get("satuan")).lower()
    return "%" in satuan or "persen" in satuan or _text(rec.get("tipe_nilai")) == "persen"


# What the reporting year's target of an empty cell should be, by polarity.
_TARGET_WANTED = {
    "naik": "target angka untuk tahun laporan, misalnya 12,5",
    "turun": "target angka untuk tahun laporan, misalnya 12,5",
    "range": "target rentang 'L - U' untuk tahun laporan, misalnya '80 - 90'",
    "kualitatif": "target nilai tangga untuk tahun laporan",
}


def _shown_target(target: dict[str, Any] | None) -> float | str | None:
    """A target for a table cell: the number itself, else its text (a range, a ladder value)."""
    if target is None:
        return None
    return target["target_nilai"] if target["target_nilai"] is not None else target["target_teks"]


def _plausible_bounds(
    rec: dict[str, Any], limits: dict[str, float | None]
) -> tuple[float | None, float | None, bool]:
    """An indicator's plausible range for its targets (``None``: open on that side) and whether
    it is a percent: a percent is 0–100 unless the spec's own ``batas_wajar`` says otherwise."""
    persen = rec.get("tipe_nilai") == "persen" or "%" in str(rec.get("satuan", ""))
    lo, hi = limits["batas_wajar_min"], limits["batas_wajar_max"]
    if persen:
        lo = 0.0 if lo is None else lo
        hi = 100.0 if hi is None else hi
    return lo, hi, persen


def _plausible_target(
    rec: dict[str, Any],
    year: int,
    target: dict[str, Any],
    bounds: tuple[float | None, float | None, bool],
    check: _Checker,
    column: str,
) -> None:
    """WARNINGs for a target that cannot be meant: outside the indicator's plausible range
    (:func:`_plausible_bounds`), a ``naik`` target ≤ 0 or a ``turun`` target < 0 (capaian
    cannot be computed: the indicator gets the edge-case status; a ``turun`` target of 0 is
    meant, zero cases, and scores 100 when none happened)."""
    lo, hi, persen = bounds
    nilai = target["target_nilai"]
    outside = False
    if lo is not None or hi is not None:
        for v in (nilai, target["target_bawah"], target["target_atas"]):
            if v is not None and (
                (lo is not None and float(v) < lo) or (hi is not None and float(v) > hi)
            ):
                outside = True
                break
    if outside:
        code = rec["kode_indikator"]
        allowed = f"{fmt.angka_ringkas(lo) if lo is not None else '…'} sampai " + (
            f"{fmt.angka_ringkas(hi)}" if hi is not None else "…"
        )
        check.add(
            "indikator",
            rec["_row"],
            column,
            target["target_teks"],
            allowed,
            f"Target {year} indikator '{code}' ({target['target_teks']} {rec['satuan']}) di luar "
            f"batas wajar {allowed}"
            + (" untuk persen; isi batas_wajar_min/max bila memang boleh" if persen else ""),
            "spec.target_tidak_wajar",
            WARNING,
        )
    # a target no capaian can be computed from: naik ≤ 0 (R/T), turun < 0 (a turun target of
    # 0, zero cases, is meant)
    cannot = {
        "naik": (
            nilai is not None and nilai <= 0,
            "target > 0",
            "capaian naik (R/T) tidak dapat dihitung",
        ),
        "turun": (
            nilai is not None and nilai < 0,
            "target ≥ 0",
            "capaian turun dari target negatif tidak bermakna",
        ),
    }.get(rec["polaritas"])
    if cannot and cannot[0]:
        code = rec["kode_indikator"]
        check.add(
            "indikator",
            rec["_row"],
            column,
            target["target_teks"],
            cannot[1],
            f"Target {year} indikator '{code}' bernilai {target['target_teks']}: {cannot[2]} "
            "dan indikator ini akan berstatus 'tidak dapat dihitung'",
            "spec.target_nol",
            WARNING,
        )


def read_master(path: Path) -> tuple[MasterSpec | None, list[Issue]]:
    """Read and check a master spec workbook.

    Returns ``(spec, issues)``; ``spec`` is None when any ERROR was found (the spec is refused).
    """
    return read_masters([path])[0]


def read_masters(paths: list[Path]) -> list[tuple[MasterSpec | None, list[Issue]]]:
    """:func:`read_master` for many specs; the ``master_spec`` suite runs once over them all."""
    drafts = [_read_draft(Path(p)) for p in paths]
    frames = [d.rules if d.rules is not None else pd.DataFrame() for d in drafts]
    suite = load_suite("master_spec")
    failures = run_suite_many([suite_view(f, suite) for f in frames], suite)
    out: list[tuple[MasterSpec | None, list[Issue]]] = []
    for draft, frame, found in zip(drafts, frames, failures, strict=True):
        if draft.check is None:
            out.append((draft.spec, draft.issues))
            continue
        rules = _value_rule_issues(frame, found, draft.check)
        issues = draft.issues[: draft.at] + rules + draft.issues[draft.at :]
        if draft.spec is None or any(i.severity == ERROR for i in rules):
            out.append((None, issues))
        else:
            out.append((replace(draft.spec, issues=list(issues)), issues))
    return out


# The reader failed on a workbook that passed the screen (its parts are not what they say).
_UNREADABLE = (
    "isi buku kerja rusak (bagian di dalamnya tidak dapat dibaca); buka di Excel atau "
    "LibreOffice lalu simpan ulang sebagai Buku Kerja Excel (.xlsx)"
)


_READ_AS_VALUES = ("pemda", "tangga", "opd", "misi", "tujuan", "sasaran")


def _read_draft(path: Path) -> _Draft:
    """Everything :func:`read_master` does but the value rules (see :class:`_Draft`)."""
    check = _Checker(path)
    try:
        sheets, screened = _read_sheets(path)
    except Exception as exc:  # any reader failure on the spec is a refusal, not a crash
        reason = str(exc) if isinstance(exc, _Unreadable) else _UNREADABLE
        return _Draft(
            None,
            [
                Issue(
                    rule="spec.tidak_terbaca",
                    severity=ERROR,
                    file=path.name,
                    found=reason.split("; ")[0],
                    expected="master spec berupa Buku Kerja Excel (.xlsx) yang utuh",
                    message=f"Master spec tidak dapat dibaca: {reason}.",
                )
            ],
        )
    sheets, named = _known_names(sheets, check)
    refused = _cell_notes(screened, sheets, check, named)
    tables: dict[str, _Table] = {}
    for sheet, required in schema.MASTER_SHEETS.items():
        blank = not any(_text(v) for row in sheets.get(sheet, []) for v in row)
        if sheet not in sheets or (blank and sheet in schema.OPTIONAL_MASTER_SHEETS):
            if sheet in schema.OPTIONAL_MASTER_SHEETS:
                continue
            check.issues.append(
                Issue(
                    rule="spec.sheet_hilang",
                    severity=ERROR,
                    file=path.name,
                    sheet=sheet,
                    expected=f"sheet '{sheet}'",
                    message=f"Sheet '{sheet}' tidak ada di master spec.",
                )
            )
            continue
        columns, cells, header = _sheet_rows(
            sheets[sheet], tuple(v for k, v in _VALUE_COLUMNS.items() if k == sheet)
        )
        check.headers[sheet] = header
        check.issues.extend(_title_issues(path.name, sheet, sheets[sheet], header))
        missing = [c for c in required if c not in header]
        for col in missing:
            check.issues.append(
                Issue(
                    rule="spec.kolom_hilang",
                    severity=ERROR,
                    file=path.name,
                    sheet=sheet,
                    cell="baris 1",
                    found=", ".join(h for h in header if h),
                    expected=col,
                    message=f"Kolom '{col}' tidak ada di baris judul sheet '{sheet}'.",
                )
            )
        if not missing:
            tables[sheet] = _Table(columns, cells)
    for sheet in ("kegiatan", "indikator_renja"):
        if sheet in tables and not len(tables[sheet]):
            del tables[sheet]
    if "skala" in sheets and any(_text(v) for row in sheets["skala"] for v in row):
        columns, cells, check.headers["skala"] = _sheet_rows(sheets["skala"])
        tables["skala"] = _Table(columns, cells)
        check.issues.extend(
            _title_issues(path.name, "skala", sheets["skala"], check.headers["skala"])
        )
    if any(i.severity == ERROR for i in check.issues):
        return _Draft(None, check.issues)
    check.issues.extend(refused)
    # the sheets checked and used as frames (the others are read for their values, and the
    # spec's frames of opd, misi, tujuan and sasaran made without _row at the end)
    frames = {s: t.frame() for s, t in tables.items() if s not in _READ_AS_VALUES}

    settings, setting_issues = _settings_from_sheets(frames, check)
    check.issues.extend(setting_issues)

    pemda_sheet = tables["pemda"]
    if len(pemda_sheet) != 1:
        check.add(
            "pemda", 2, "kode_pemda", str(len(pemda_sheet)), "1 baris", "Sheet pemda harus 1 baris"
        )
        return _Draft(None, check.issues)
    pemda = pemda_sheet.first()
    pemda_row = int(pemda_sheet.cells[-1][0])  # its row (blank rows above are left out)
    years = {k: _year(pemda[k]) for k in ("tahun_laporan", "periode_awal", "periode_akhir")}
    for key, year in years.items():
        if year is None:
            check.add(
                "pemda",
                pemda_row,
                key,
                spec_text(pemda[key]),
                "tahun empat angka, misalnya 2024",
                "Tahun tidak sah",
                "spec.tahun",
            )
    if not _text(pemda.get("nama_pemda", "")):
        check.add(
            "pemda",
            pemda_row,
            "nama_pemda",
            "",
            "nama Pemda, misalnya 'Kabupaten Sukamaju'",
            "Nama Pemda kosong: judul laporan, setiap halaman cetak, templat dan umpan balik "
            "menyebutnya",
            "spec.wajib",
        )
    deadline = spec_date(pemda["batas_pengumpulan"])
    if deadline is None:
        check.add(
            "pemda",
            pemda_row,
            "batas_pengumpulan",
            spec_text(pemda["batas_pengumpulan"]),
            "tanggal, misalnya 15/02/2024, 15 Februari 2024 atau 2024-02-15",
            "Batas pengumpulan bukan tanggal yang dapat dibaca",
            "spec.tanggal",
        )
    tahun, awal, akhir = years["tahun_laporan"], years["periode_awal"], years["periode_akhir"]
    if tahun is None or awal is None or akhir is None:
        return _Draft(None, check.issues)
    pemda.update(
        tahun_laporan=tahun,
        periode_awal=awal,
        periode_akhir=akhir,
        batas_pengumpulan=deadline.isoformat() if deadline else "",  # refused below if None
    )
    if not awal <= tahun <= akhir:
        check.add(
            "pemda",
            pemda_row,
            "tahun_laporan",
            str(tahun),
            f"{awal}–{akhir}",
            "Tahun laporan di luar periode RPJMD",
        )
    if triwulan_of(pemda["periode"]) is None:
        check.add(
            "pemda",
            pemda_row,
            "periode",
            spec_text(pemda["periode"]),
            "Tahunan, TW1, TW2, TW3 atau TW4",
            "Periode laporan tidak dikenal",
            "spec.periode",
        )
    else:  # one spelling (TW II, tw2, TW 2 → TW2): the period runs are compared by
        pemda["periode"] = periode_baku(pemda["periode"])
    zona = spec_text(pemda.get("zona_waktu")).strip().upper()
    pemda["zona_waktu"] = zona or ZONA_BAWAAN
    if zona and zona not in ZONA_WAKTU:
        check.add(
            "pemda",
            pemda_row,
            "zona_waktu",
            spec_text(pemda.get("zona_waktu")),
            ", ".join(ZONA_WAKTU) + " (kosong berarti " + ZONA_BAWAAN + ")",
            "Zona waktu Pemda tidak dikenal",
        )
    if not schema.KODE_PEMDA.fullmatch(str(pemda["kode_pemda"])):
        check.add(
            "pemda",
            pemda_row,
            "kode_pemda",
            str(pemda["kode_pemda"]),
            "huruf, angka, titik, garis bawah atau tanda hubung, tidak diawali titik",
            "Kode Pemda dipakai di nama berkas dan folder keluaran",
        )
    elif len(str(pemda["kode_pemda"])) > schema.KODE_MAX:
        check.add(
            "pemda",
            pemda_row,
            "kode_pemda",
            str(pemda["kode_pemda"]),
            f"paling panjang {schema.KODE_MAX} karakter",
            f"Kode Pemda {len(str(pemda['kode_pemda']))} karakter, terlalu panjang untuk nama "
            f"berkas dan folder keluaran (paling panjang {schema.KODE_MAX} karakter)",
        )
    kode, provinsi = str(pemda["kode_pemda"]), spec_text(pemda.get("kode_provinsi")).strip()
    if kode.isdigit() and len(kode) >= 2 and provinsi.isdigit() and not kode.startswith(provinsi):
        # Kemendagri's codes: a kabupaten/kota's begins with its province's (1275 in 12)
        check.add(
            "pemda",
            pemda_row,
            "kode_provinsi",
            provinsi,
            f"kode provinsi yang mengawali kode Pemda {kode} ({kode[:2]})",
            f"Kode provinsi {provinsi} bukan awal kode Pemda {kode}: konsolidasi provinsi "
            "dan nasional akan menghitung Pemda ini di provinsi itu",
            "spec.kode_provinsi",
            WARNING,
        )

    opd, misi, tujuan, sasaran = (tables[s] for s in ("opd", "misi", "tujuan", "sasaran"))
    indikator, program = frames["indikator"], frames["program"]
    for sheet, col in (
        ("opd", "kode_opd"),
        ("misi", "kode_misi"),
        ("tujuan", "kode_tujuan"),
        ("sasaran", "kode_sasaran"),
        ("program", "kode_program"),
    ):
        check.unique(sheet, tables[sheet], col)
    for sheet, col in (
        ("opd", "kode_opd"),
        ("misi", "kode_misi"),
        ("tujuan", "kode_tujuan"),
        ("sasaran", "kode_sasaran"),
        ("indikator", "kode_indikator"),
        ("program", "kode_program"),
        ("kegiatan", "kode_kegiatan"),
        ("indikator_renja", "kode_indikator"),
    ):
        if sheet in tables:
            check.visible_codes(sheet, tables[sheet], col)
    opd_codes, opd_rows = opd.column("kode_opd"), opd.column("_row")
    folded: dict[str, tuple[str, int]] = {}  # file names: one OPD per name on any disk
    for code, row in zip(opd_codes, opd_rows, strict=True):
        other = folded.setdefault(str(code).casefold(), (str(code), row))
        if code and other[0] != code:
            check.add(
                "opd",
                row,
                "kode_opd",
                str(code),
                "kode unik tanpa membedakan huruf besar/kecil",
                f"Kode OPD '{code}' hanya berbeda huruf besar/kecil dengan '{other[0]}' di baris "
                f"{other[1]}: berkas keluarannya (umpan balik, E.81, templat) akan saling menimpa "
                "di Windows dan macOS, dan mudah tertukar; bedakan kodenya",
                "spec.kode_ganda",
            )
        if code and not schema.KODE_PEMDA.fullmatch(str(code)):
            check.add(
                "opd",
                row,
                "kode_opd",
                str(code),
                "huruf, angka, titik, garis bawah atau tanda hubung, tidak diawali titik",
                f"Kode OPD '{code}' tidak dapat dipakai di nama berkas keluaran (umpan balik, "
                "E.81, templat): pakai huruf, angka, titik, garis bawah atau tanda hubung, tidak "
                "diawali titik",
                "spec.kode_opd",
            )
        elif code and schema.WINDOWS_DEVICE.fullmatch(str(code)):
            check.add(
                "opd",
                row,
                "kode_opd",
                str(code),
                "kode yang bukan nama perangkat Windows (CON, PRN, AUX, NUL, COM1–9, LPT1–9)",
                f"Kode OPD '{code}' adalah nama perangkat di Windows: berkas keluarannya (umpan "
                f"balik {code}.xlsx, E.81, templat) tidak dapat dibuat, dibuka atau disalin di "
                "Windows; pakai kode lain",
                "spec.kode_opd",
            )
        elif code and len(str(code)) > schema.KODE_MAX:
            check.add(
                "opd",
                row,
                "kode_opd",
                str(code),
                f"paling panjang {schema.KODE_MAX} karakter",
                f"Kode OPD {len(str(code))} karakter, terlalu panjang untuk nama berkas keluaran "
                f"(umpan balik, E.81, templat; paling panjang {schema.KODE_MAX} karakter)",
                "spec.kode_opd",
            )
    sasaran_codes = set(sasaran.column("kode_sasaran"))
    check.parent("tujuan", tujuan, "kode_misi", set(misi.column("kode_misi")))
    check.parent("sasaran", sasaran, "kode_tujuan", set(tujuan.column("kode_tujuan")))
    check.parent("indikator", tables["indikator"], "kode_sasaran", sasaran_codes)
    check.parent("indikator", tables["indikator"], "kode_opd", set(opd_codes))
    check.parent("program", tables["program"], "kode_opd", set(opd_codes))
    check.parent("program", tables["program"], "kode_sasaran", sasaran_codes, optional=True)
    if indikator.empty:  # nothing to measure: no report can be made from this spec
        check.issues.append(
            Issue(
                rule="spec.indikator_kosong",
                severity=ERROR,
                file=path.name,
                sheet="indikator",
                cell="baris 2",
                found="tidak ada baris indikator",
                expected="satu baris per indikator kinerja RPJMD",
                message="Sheet indikator tidak memuat satu pun indikator: isi indikator "
                "kinerja RPJMD di bawah baris judul, satu baris per indikator.",
            )
        )
        return _Draft(None, check.issues)
    # the sheet's values as its frame gives them, column by column (blanks filled as in rules)
    values = {c: tables["indikator"].column(c) for c in tables["indikator"].columns}
    rules, at = rule_frame(indikator, values), len(check.issues)

    tangga: dict[str, list[str]] = {}
    if "tangga" in tables:
        t = tables["tangga"]
        names, peringkat = t.column("tangga"), t.column("peringkat")
        ranks = _ranks(peringkat)
        _check_ranks(names, peringkat, ranks, t.column("_row"), check)
        steps = list(zip(names, ranks, t.column("nilai"), strict=True))
        # by ladder, then by rank (a rank that is no number last), ties in sheet order
        steps.sort(key=lambda s: (s[0], math.isnan(s[1]), 0.0 if math.isnan(s[1]) else s[1]))
        for name, _, value in steps:
            tangga.setdefault(str(name), []).append(value)
        _check_ladder_values(names, t.column("nilai"), t.column("_row"), check)

    target_cols = sorted(
        (c for c in check.headers["indikator"] if _TARGET_COL.match(c)), key=lambda c: c
    )
    target_col = f"target_{tahun}"
    if target_col not in target_cols:
        check.issues.append(
            Issue(
                rule="spec.kolom_hilang",
                severity=ERROR,
                file=path.name,
                sheet="indikator",
                cell="baris 1",
                expected=target_col,
                message=f"Kolom '{target_col}' (target tahun laporan) tidak ada di sheet "
                "indikator.",
            )
        )
        return _Draft(None, check.issues, rules, check, at)

    target_years = [(c, int(c[-4:])) for c in target_cols]
    steps_of = {name: tuple(values) for name, values in tangga.items()}
    prepared = []
    names = list(values)
    for rec in (dict(zip(names, row, strict=True)) for row in zip(*values.values(), strict=True)):
        row = rec["_row"]
        bobot, _ = spec_value(rec["bobot"])
        if bobot is None or bobot <= 0:
            bobot = 1.0  # reported by the master_spec suite; the spec is refused anyway
        ladder = tangga.get(rec["tangga"]) if rec["tangga"] else None
        if rec["polaritas"] == "kualitatif" and ladder is None:
            check.add(
                "indikator",
                row,
                "tangga",
                rec["tangga"],
                "nama tangga di sheet 'tangga'",
                "Indikator kualitatif memerlukan tangga (urutan nilai) yang dikenal"
                + (
                    ""
                    if "tangga" in tables
                    else "; master spec tidak memiliki sheet 'tangga': tambahkan sheet itu "
                    "(kolom tangga, peringkat, nilai), satu baris per nilai"
                ),
                "spec.tangga",
            )
        if rec["polaritas"] == "kualitatif" and rec["agregasi_tw"] != "nilai_akhir":
            check.add(
                "indikator",
                row,
                "agregasi_tw",
                rec["agregasi_tw"],
                "nilai_akhir",
                f"Indikator kualitatif '{rec['kode_indikator']}' hanya dapat memakai TW "
                "terakhir yang dilaporkan (nilai tangga tidak dapat dijumlah atau dirata-rata); "
                "dipakai nilai_akhir",
                "spec.agregasi_kualitatif",
                WARNING,
            )
            rec["agregasi_tw"] = "nilai_akhir"
        limits: dict[str, float | None] = {}
        for side in ("batas_wajar_min", "batas_wajar_max"):
            limits[side], problem = spec_value(rec.get(side, ""))
            if problem:
                check.add(
                    "indikator",
                    row,
                    side,
                    spec_text(rec[side]),
                    problem,
                    f"Batas wajar indikator '{rec['kode_indikator']}' bukan angka",
                    "spec.batas_wajar",
                )
        ladder_steps = steps_of[rec["tangga"]] if ladder else None
        targets = _targets(rec, tahun, akhir, target_years, ladder_steps, limits, check)
        prepared.append(
            {
                **rec,
                "bobot": bobot,
                "kode_opd_list": _code_list(rec["kode_opd"]),
                **targets,
                **limits,
            }
        )
    # from the rows as lists (every row has the same keys, in the same order): the same frame
    # as from the dicts, without looking up each key of each row, and without _row (the
    # spec's frame is this one)
    keys = list(prepared[0])
    at_row = keys.index("_row")
    del keys[at_row]
    rows_out = [list(p.values()) for p in prepared]
    for out_row in rows_out:
        del out_row[at_row]
    indikator = pd.DataFrame(rows_out, columns=keys)

    pagu_col = f"pagu_{tahun}"
    if pagu_col not in check.headers["program"] and len(program):
        check.issues.append(
            Issue(
                rule="spec.kolom_hilang",
                severity=ERROR,
                file=path.name,
                sheet="program",
                cell="baris 1",
                expected=pagu_col,
                message=f"Kolom '{pagu_col}' (pagu tahun laporan) tidak ada di sheet program.",
            )
        )
        return _Draft(None, check.issues, rules, check, at)
    pagu = []
    for value, row in zip(program.get(pagu_col, []), program["_row"], strict=True):
        number, problem = spec_value(value)
        if number is None or number < 0:
            check.add(
                "program",
                row,
                pagu_col,
                spec_text(value),
                problem or "angka ≥ 0 (Rupiah, misalnya 1.500.000.000)",
                "Pagu tidak sah",
                "spec.pagu",
            )
        pagu.append(number if number is not None else 0.0)
    program = program.assign(pagu=pd.Series(pagu, index=program.index, dtype=float))
    program, kegiatan, indikator_renja = check_renja_sheets(
        frames,
        check.headers,
        program,
        tahun,
        akhir,
        check.add,
        check.unique,
        spec_value,
        spec_text,
    )

    per_mille = re.compile(r"per\s*(1\.?000|100\.?000|10\.?000)\b|/\s*1\.?000", re.I)
    for item in prepared:
        if str(item["satuan"]).strip() == "%" and per_mille.search(str(item["uraian"])):
            check.add(
                "indikator",
                item["_row"],
                "satuan",
                item["satuan"],
                "satuan yang sama dengan uraian (misalnya 'per 1000 penduduk')",
                f"Uraian indikator '{item['kode_indikator']}' menyebut 'per 1000' tetapi "
                "satuannya '%': target dan realisasi mungkin dibandingkan dalam satuan berbeda",
                "spec.satuan",
                WARNING,
            )
    _shared_names(check, opd)
    _blank_texts(check, tables)
    used_opd = set(c for codes in indikator["kode_opd_list"] for c in codes) | set(
        program["kode_opd"]
    )
    for code, row in zip(opd_codes, opd_rows, strict=True):
        if code not in used_opd:
            check.add(
                "opd",
                row,
                "kode_opd",
                code,
                "OPD dengan indikator atau program",
                f"OPD '{code}' tidak memiliki indikator maupun program",
                "spec.opd_kosong",
                WARNING,
            )
    if any(i.severity == ERROR for i in check.issues):
        return _Draft(None, check.issues, rules, check, at)
    spec = MasterSpec(
        path=path,
        pemda=pemda,
        opd=opd.frame_without_row(),
        misi=misi.frame_without_row(),
        tujuan=tujuan.frame_without_row(),
        sasaran=sasaran.frame_without_row(),
        indikator=indikator,
        program=_without_row(program),
        kegiatan=kegiatan,
        indikator_renja=indikator_renja,
        tangga=tangga,
        settings=settings,
        sha256=screened.sha256,
        issues=list(check.issues),
    )
    return _Draft(spec, check.issues, rules, check, at)


def _without_row(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame.drop(columns="_row").reset_index(drop=True)``: on a frame numbered 0, 1, 2 …
    (every sheet's is), the column is deleted from a shallow copy instead (no data copied,
    ``frame`` unchanged), in half the time."""
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        return frame.drop(columns="_row").reset_index(drop=True)
    out = frame.copy(deep=False)
    del out["_row"]
    return out


# the sheet whose codes a column refers to
_PARENT_SHEET = {
    "kode_misi": "misi",
    "kode_tujuan": "tujuan",
    "kode_sasaran": "sasaran",
    "kode_opd": "opd",
    "kode_program": "program",
}


def _near_code(code: str, known: set[str], sheet: str) -> str:
    """What the unknown ``code`` was likely meant as: a known code in other letters
    (``s4`` for ``S4``), or several codes separated otherwise than with ``;``."""
    folded = {k.casefold(): k for k in known}
    if code.casefold() in folded:
        return (
            f" di sheet {sheet}; maksudnya '{folded[code.casefold()]}'? (kode membedakan huruf "
            "besar dan kecil)"
        )
    pieces = [p.strip() for p in re.split(r"[,\n/]+", code) if p.strip()]
    if len(pieces) > 1 and all(p in known for p in pieces):
        return (
            f" di sheet {sheet}; beberapa kode dipisah dengan ';', misalnya '{'; '.join(pieces)}'"
        )
    return f" di sheet {sheet}"


LIST_MAX = 255  # characters Excel keeps of a dropdown list typed into a data validation


def _check_ladder_values(
    names: list[Any], values: list[Any], rows: list[int], check: _Checker
) -> None:
    """Each value once per ladder (the second named at its cell), without a comma (Excel's
    dropdown splits its list at commas: the template offered pieces of the value, and refused
    the value typed whole), and each ladder's list short enough for a dropdown."""
    seen: dict[tuple[str, str], int] = {}
    length: dict[str, tuple[int, int]] = {}
    for name, value, row in zip(names, values, rows, strict=True):
        text = _text(value)
        if not text:
            continue
        first = seen.setdefault((str(name), text.casefold()), row)
        if first != row:
            check.add(
                "tangga",
                row,
                "nilai",
                text,
                "nilai unik per tangga",
                f"Nilai '{text}' sudah ada di tangga '{name}' (baris {first}); setiap nilai "
                "satu kali per tangga",
                "spec.tangga",
            )
        if "," in text:
            check.add(
                "tangga",
                row,
                "nilai",
                text,
                "nilai tanpa koma",
                f"Nilai tangga '{text}' memuat koma: daftar pilihan di templat OPD memisahkan "
                "nilai dengan koma, sehingga nilai ini terpotong; pakai tanda lain (misalnya "
                "' - ' atau ';')",
                "spec.tangga",
            )
        total, start = length.get(str(name), (0, row))
        length[str(name)] = (total + len(text) + (1 if total else 0), start)
    for name, (total, row) in length.items():
        if total > LIST_MAX:
            check.add(
                "tangga",
                row,
                "nilai",
                name,
                f"nilai-nilai tangga paling banyak {LIST_MAX} karakter bersama",
                f"Nilai-nilai tangga '{name}' bersama {total} karakter, lebih dari {LIST_MAX} "
                "yang dapat dimuat daftar pilihan Excel: templat OPD tidak memiliki daftar "
                "pilihan untuk indikator ini dan OPD mengetik nilainya; persingkat nilainya",
                "spec.tangga_panjang",
                WARNING,
            )


# the texts a template, the workbook or a feedback file shows beside each code (not a unit: a
# ratio such as ICOR has none)
_SHOWN_TEXTS = (
    ("opd", "kode_opd", "nama_opd", "nama OPD"),
    ("misi", "kode_misi", "uraian", "uraian Misi"),
    ("tujuan", "kode_tujuan", "uraian", "uraian Tujuan"),
    ("sasaran", "kode_sasaran", "uraian", "uraian Sasaran"),
    ("indikator", "kode_indikator", "uraian", "uraian indikator"),
    ("program", "kode_program", "uraian", "uraian program"),
)


def _blank_texts(check: _Checker, tables: dict[str, Any]) -> None:
    """A WARNING at each name, uraian or unit left empty beside its code: the template asks the
    clerk to report on a row without a name, and the report prints it so."""
    for sheet, code_col, col, what in _SHOWN_TEXTS:
        table = tables.get(sheet)
        if table is None or col not in table or code_col not in table:
            continue
        for code, text, row in zip(
            _cells(table, code_col), _cells(table, col), _cells(table, "_row"), strict=True
        ):
            if _text(code) and not _text(text):
                check.add(
                    sheet,
                    row,
                    col,
                    "",
                    f"{what} terisi",
                    f"{what[0].upper()}{what[1:]} '{_text(code)}' kosong: templat OPD dan "
                    "laporan menampilkannya tanpa nama; isi kolom ini",
                    "spec.teks_kosong",
                    WARNING,
                )


def _shared_names(check: _Checker, opd: _Table) -> None:
    """An alias that is also another OPD's code, name or alias names no OPD: a WARNING at its
    cell, and it is not used to recognise files (a clerk's own file named 'Dinas …' was
    refused as the other OPD's). Two OPDs of one name: a WARNING at the second."""
    if "alias" not in opd or "nama_opd" not in opd:
        return
    codes, names = opd.column("kode_opd"), opd.column("nama_opd")
    aliases, rows = opd.column("alias"), opd.column("_row")
    owners: dict[str, set[str]] = {}
    for code, name, alias in zip(codes, names, aliases, strict=True):
        for text in [code, name, *str(alias or "").split(";")]:
            if normalise_name(text):
                owners.setdefault(normalise_name(text), set()).add(str(code))
    first_name: dict[str, tuple[str, int]] = {}
    column = opd.cells[opd.columns.index("alias")]
    for i, (code, name, alias, row) in enumerate(zip(codes, names, aliases, rows, strict=True)):
        key = normalise_name(name)
        other = first_name.setdefault(key, (str(code), row)) if key else (str(code), row)
        if other[0] != str(code):
            check.add(
                "opd",
                row,
                "nama_opd",
                str(name),
                "nama OPD yang unik",
                f"Nama OPD '{name}' sama dengan nama OPD {other[0]} (baris {other[1]}): berkas "
                "yang dinamai dengan nama ini tidak dapat dikenali dari namanya; bedakan namanya",
                "spec.nama_ganda",
                WARNING,
            )
        kept: list[str] = []
        dropped: list[str] = []
        for text in str(alias or "").split(";"):
            others = owners.get(normalise_name(text), set()) - {str(code)}
            (dropped if others and normalise_name(text) else kept).append(text.strip())
            if others and normalise_name(text):
                shared_with = ", ".join(sorted(others))
                check.add(
                    "opd",
                    row,
                    "alias",
                    str(alias),
                    "alias yang hanya menyebut OPD ini",
                    f"Alias '{text.strip()}' OPD {code} juga kode, nama atau alias OPD "
                    f"{shared_with}: alias ini tidak dipakai untuk mengenali berkas (berkas OPD "
                    "mana pun yang dinamai dengannya tidak dapat dikenali); hapus atau perjelas",
                    "spec.alias_ganda",
                    WARNING,
                )
        if dropped:
            column[i] = ";".join(t for t in kept if t)


def normalise_name(text: object) -> str:
    """Lower-case words, no punctuation or bracketed remarks: ``Dinas PU (PR)`` → ``dinas pu``."""
    value = re.sub(r"[(\[][^)\]]*[)\]]", " ", str(text or ""))
    value = re.sub(r"[^0-9a-z]+", " ", value.lower())
    return " ".join(value.split())
