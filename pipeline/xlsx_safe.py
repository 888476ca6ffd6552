"""xlsxwriter with the sanitiser built in: every workbook the pipeline writes uses
:class:`SafeWorkbook`, so no text reaches a worksheet without :mod:`pipeline.sanitize`.

Strings (cells, merged ranges, comments, hyperlink texts and tips, headers and footers) lose
their control characters and are cut to Excel's limits; a hyperlink whose target or location is
longer than Excel allows is written as its plain text instead of being dropped; a string is
never turned into a formula, a number or a link (the workbook options say so, and
:meth:`SafeWorksheet.write_formula` refuses). Sheet names are made valid.

xlsxwriter writes each part of a workbook to a temporary file before zipping it; where the
system has a folder in memory (``/dev/shm``) with room to spare, those files go there: on a
disk each costs a few milliseconds to create and remove (about 0,8 s for the 28 Tabel E.81
workbooks of a city), in memory almost nothing. The workbook's bytes are the same.
"""

from __future__ import annotations

import copy
import functools
import os
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet, convert_cell_args, convert_range_args

from pipeline import sanitize

SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}
MEMORY_TEMP = "/dev/shm"  # a RAM file system on Linux
MEMORY_TEMP_FREE = 1 << 30  # used only with at least this much room (a container's is small)


@functools.cache
def memory_tempdir() -> str | None:
    """A writable folder in memory with room to spare, for temporary files; None if none."""
    try:
        if not (os.path.isdir(MEMORY_TEMP) and os.access(MEMORY_TEMP, os.W_OK | os.X_OK)):
            return None
        room = os.statvfs(MEMORY_TEMP)
    except OSError:
        return None
    return MEMORY_TEMP if room.f_bavail * room.f_frsize >= MEMORY_TEMP_FREE else None


class SafeWorksheet(Worksheet):
    """A worksheet whose every string goes through the sanitiser."""

    def _write_string(self, row: int, col: int, string: Any, cell_format: Any = None) -> Any:
        return super()._write_string(row, col, sanitize.text(string), cell_format)

    def _write_token_as_string(self, token: Any, row: int, col: int, *args: Any) -> Any:
        return self._write_string(row, col, *args)

    def _write_url(
        self,
        row: int,
        col: int,
        url: Any,
        cell_format: Any = None,
        string: Any = None,
        tip: Any = None,
    ) -> Any:
        label = sanitize.text(string if string is not None else url)
        if isinstance(url, str):
            link, _, anchor = sanitize.text(url).partition("#")
            if (
                sanitize.utf16_len(link) > sanitize.EXCEL_LINK_MAX
                or sanitize.utf16_len(anchor) > sanitize.EXCEL_URL_MAX
            ):  # Excel cannot hold the link: keep the text, drop the link
                return self._write_string(row, col, label, cell_format)
            url = f"{link}#{anchor}" if anchor else link
        tip = None if tip is None else sanitize.text(tip, sanitize.EXCEL_URL_MAX)
        return super()._write_url(row, col, url, cell_format, label, tip)

    @convert_cell_args
    def write_comment(self, row: int, col: int, comment: Any, options: Any = None) -> Any:
        return super().write_comment(row, col, sanitize.text(comment), options)

    @convert_range_args
    def data_validation(
        self, first_row: int, first_col: int, last_row: int, last_col: int, options: Any = None
    ) -> Any:
        """A drop-down list's values stay inside its one quoted text: the library writes them
        as ``"a,b"`` without doubling a ``"`` in a value, so a value ``TW"&WEBSERVICE(…)&"``
        (a ladder of the spec) closed the text and made the list a live formula."""
        options = dict(options or {})
        for key in ("source", "value"):
            items = options.get(key)
            if options.get("validate") == "list" and isinstance(items, (list, tuple)):
                options[key] = [sanitize.text(item).replace('"', '""') for item in items]
        return super().data_validation(first_row, first_col, last_row, last_col, options)

    @convert_range_args
    def conditional_format(
        self, first_row: int, first_col: int, last_row: int, last_col: int, options: Any = None
    ) -> Any:
        """A text a cell is compared with (``"Sangat Tinggi"``, a predikat label of the spec)
        stays one quoted text: a ``"`` inside it is doubled. A label
        ``X"&WEBSERVICE(…)&"`` closed the text and made the format a formula Excel computes on
        opening."""
        options = dict(options or {})
        for key in ("value", "minimum", "maximum"):
            value = options.get(key)
            if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
                options[key] = '"' + sanitize.text(value[1:-1]).replace('"', '""') + '"'
        return super().conditional_format(first_row, first_col, last_row, last_col, options)

    def write_formula(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("keluaran tidak memuat rumus: tulis nilainya")

    def write_array_formula(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("keluaran tidak memuat rumus: tulis nilainya")

    def write_dynamic_array_formula(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("keluaran tidak memuat rumus: tulis nilainya")

    def set_header(self, header: str = "", options: Any = None, margin: Any = None) -> None:
        super().set_header(sanitize.text(header, sanitize.EXCEL_HEADER_MAX), options, margin)

    def set_footer(self, footer: str = "", options: Any = None, margin: Any = None) -> None:
        super().set_footer(sanitize.text(footer, sanitize.EXCEL_HEADER_MAX), options, margin)


class SafeWorkbook(xlsxwriter.Workbook):
    """An xlsxwriter workbook whose sheets are :class:`SafeWorksheet` with valid names."""

    worksheet_class = SafeWorksheet

    def __init__(self, filename: Any, options: dict[str, Any] | None = None) -> None:
        # A copy to the last level: xlsxwriter writes into the default format's properties it
        # is given, so shared options would make every later workbook of the process differ
        # from the first (its Normal font then follows the theme's font instead of its own).
        options = {**copy.deepcopy(options or {}), **SAFE_OPTIONS}
        if "tmpdir" not in options and memory_tempdir():
            options["tmpdir"] = memory_tempdir()
        super().__init__(filename, options)

    def add_worksheet(self, name: str | None = None, worksheet_class: Any = None) -> Any:
        return super().add_worksheet(
            None if name is None else sanitize.sheet_name(name), worksheet_class or SafeWorksheet
        )
