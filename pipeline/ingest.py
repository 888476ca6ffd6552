"""One input file → its rows and issues. A pure per-file map: parallel- and Dask-ready.

The reader is python-calamine (values only: formulas are never evaluated and macros never run).
Before it touches a file, :func:`sniff` looks at the bytes: only a zip whose declared size and
compression ratio stay within bounds is opened. Every failure becomes an Issue for that file.

A template is read from disk once: its bytes are hashed, then one zip over them serves the
checks, the save time and the cell scan (each part inflated once; a small part that the files
made from one template carry byte for byte, once for all of them), and calamine reads the same
bytes.
"""

from __future__ import annotations

import collections
import errno
import functools
import hashlib
import io
import operator
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook, SheetVisibleEnum

from pipeline import fmt
from pipeline import template as tpl
from pipeline.cells import CellNote, Notes, has_markup_bang, parse_part, scan_zip, sheet_parts
from pipeline.issues import ERROR, INFO, WARNING, Issue, cell_ref, column_letters, column_number
from pipeline.numbers import cell_text
from pipeline.sanitize import visible

MAX_FILE_BYTES = 32 * 1024 * 1024  # a template is ~20 KB; a larger file is refused unread
MAX_UNCOMPRESSED = 64 * 1024 * 1024  # bytes a template may inflate to
MAX_RATIO = 200  # uncompressed / compressed, per member
MAX_ROWS = 5000  # data rows read from one sheet
MAX_DECLARED_ROWS = 100_000  # a sheet declaring more rows or columns is refused unread
MAX_DECLARED_COLS = 1_000
HEADER_SCAN_ROWS = 15
INPUT_SUFFIXES = (".xlsx", ".xlsm")
READ_SUFFIXES = (*INPUT_SUFFIXES, ".xls", ".ods")  # .xls/.ods: read for whose they are, refused
_ODS = b"application/vnd.oasis.opendocument.spreadsheet"

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_MODIFIED = "{http://purl.org/dc/terms/}modified"  # in docProps/core.xml


@dataclass
class Submission:
    """What one file yielded. Rows hold raw cell values keyed by template column key."""

    path: Path
    name: str
    size: int
    sha256: str
    jenis: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    meta_cells: dict[str, str] = field(default_factory=dict)
    dimodifikasi: str = ""
    indikator: list[dict[str, Any]] = field(default_factory=list)
    anggaran: list[dict[str, Any]] = field(default_factory=list)
    indikator_cols: dict[str, str] = field(default_factory=dict)
    anggaran_cols: dict[str, str] = field(default_factory=dict)
    renja: list[dict[str, Any]] = field(default_factory=list)
    renja_cols: dict[str, str] = field(default_factory=dict)
    has_renja: bool = False  # the file has the template's Renja sheet (version 2 on)
    issues: list[Issue] = field(default_factory=list)
    readable: bool = False

    def issue(self, rule: str, severity: str, message: str, **kw: str) -> None:
        self.issues.append(
            Issue(
                rule=rule,
                severity=severity,
                message=message,
                file=self.name,
                kode_opd=self.meta.get("kode_opd", ""),
                **kw,
            )
        )


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a zip member's local file header
_PLAIN_FLAGS = 0x1 | 0x20 | 0x40  # encrypted, patched, strongly encrypted: the standard path
_ASCII_NAMES = ("utf-8", "cp437")  # a part name's encodings that read ASCII bytes as ASCII


# Deflated parts and what they inflate to, the most recently used last: the files made from
# one template carry most parts (theme, styles, workbook, relationships) byte for byte, and the
# same compressed bytes always inflate to the same part. Small parts only, few of them.
_INFLATED: collections.OrderedDict[tuple[bytes, int], tuple[bytes, int]] = (
    collections.OrderedDict()
)
_INFLATED_PART = 64 * 1024  # bytes, compressed and inflated
_INFLATED_PARTS = 64


class _Package(zipfile.ZipFile):
    """A zip over a file's bytes whose parts are inflated once, however often they are read.

    A plain stored or deflated part is inflated straight from the bytes (the standard reader's
    per-part file objects cost more than inflating a small part); it is used only when the
    local header, the name, the size and the CRC-32 all agree, exactly what the standard reader
    checks, and anything else is read (and refused) by the standard reader itself. A small
    deflated part seen in an earlier file (the same compressed bytes) is not inflated again
    (:data:`_INFLATED`); its size and CRC-32 are checked all the same.
    """

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self._data = data
        self._parts: dict[str, bytes] = {}

    def read(self, name: str | zipfile.ZipInfo, pwd: bytes | None = None) -> bytes:
        key = name.filename if isinstance(name, zipfile.ZipInfo) else name
        if key not in self._parts:
            part = self._inflate(name) if pwd is None else None
            self._parts[key] = part if part is not None else super().read(name, pwd)
        return self._parts[key]

    def _inflate(self, name: str | zipfile.ZipInfo) -> bytes | None:
        """The part's bytes when it is plain and intact, else None (the standard path)."""
        info = name if isinstance(name, zipfile.ZipInfo) else self.NameToInfo.get(name)
        if info is None or info.flag_bits & _PLAIN_FLAGS or info.is_dir():
            return None
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return None
        at = info.header_offset
        header = self._data[at : at + _LOCAL_HEADER.size]
        if len(header) != _LOCAL_HEADER.size:
            return None
        fields = _LOCAL_HEADER.unpack(header)
        if fields[0] != b"PK\x03\x04":
            return None
        name_len, extra_len = fields[10], fields[11]
        start = at + _LOCAL_HEADER.size
        encoding = "utf-8" if fields[3] & 0x800 else getattr(self, "metadata_encoding", None)
        encoding = encoding or "cp437"
        stored = self._data[start : start + name_len]
        if encoding in _ASCII_NAMES and info.orig_filename.isascii():
            # Both encodings read an ASCII byte as that character and any other byte as none,
            # so the names agree exactly when the bytes are the name's ASCII (no codec call,
            # which for cp437 runs in Python).
            if stored != info.orig_filename.encode("ascii"):
                return None
        else:
            try:
                if stored.decode(encoding) != info.orig_filename:
                    return None
            except UnicodeDecodeError:
                return None
        start += name_len + extra_len
        end = start + info.compress_size
        limit = getattr(info, "_end_offset", None)  # newer Pythons refuse overlapping parts
        if end > len(self._data) or (limit is not None and end > limit):
            return None
        raw = self._data[start:end]
        if info.compress_type == zipfile.ZIP_STORED:
            out, crc = raw, None
        else:
            key = (raw, info.file_size)
            known = _INFLATED.get(key)
            if known is not None:
                try:
                    _INFLATED.move_to_end(key)
                except KeyError:  # another thread's reading dropped it meanwhile
                    pass
                out, crc = known
            else:
                try:
                    out = zlib.decompressobj(-15).decompress(raw, info.file_size)
                except zlib.error:
                    return None
                crc = zlib.crc32(out)
                if len(raw) <= _INFLATED_PART and len(out) <= _INFLATED_PART:
                    _INFLATED[key] = out, crc
                    while len(_INFLATED) > _INFLATED_PARTS:
                        try:
                            _INFLATED.popitem(last=False)
                        except KeyError:
                            break
        if len(out) != info.file_size or (zlib.crc32(out) if crc is None else crc) != info.CRC:
            return None
        return out

    def head(self, name: str, size: int) -> bytes:
        """The first ``size`` bytes of a part (from the inflated part when it was read)."""
        if name in self._parts:
            return self._parts[name][:size]
        with self.open(name) as fh:
            return fh.read(size)


# What reading a damaged zip raises: a bad header or CRC-32, and a part whose compressed bytes
# do not inflate (zlib's own error, or a stream that ends too soon).
_BROKEN_ZIP = (zipfile.BadZipFile, zlib.error, EOFError)


def sniff(path: Path, head: bytes, package: _Package | None = None) -> tuple[str, str]:
    """Detect the file type from its bytes: returns ``(jenis, problem)``; problem '' = OK.

    ``package`` is the file already open as a zip (its bytes read once); without it the file
    is opened here.
    """
    if not head:
        return "kosong", "berkas kosong (0 byte)"
    if head.startswith(_OLE2):
        if _ole2_encrypted(path):
            return "terenkripsi", (
                "buku kerja dilindungi kata sandi (terenkripsi) sehingga tidak dapat dibaca; "
                "buka di Excel, hapus kata sandinya, lalu simpan dan kirim ulang"
            )
        return "xls", (
            "format Excel lama (.xls) atau dokumen Office lain yang diberi nama .xlsx; buka "
            "di Excel lalu simpan sebagai Buku Kerja Excel (.xlsx)"
        )
    if head.startswith(b"%PDF"):
        return "pdf", "berkas PDF yang diberi nama .xlsx; kirim templat Excel aslinya"
    if not head.startswith(_ZIP):
        return "tidak_dikenal", "bukan berkas Excel .xlsx"
    try:
        with nullcontext(package) if package else zipfile.ZipFile(path) as zf:
            total = 0
            names = set()
            for info in zf.infolist():
                names.add(info.filename)
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > MAX_RATIO and info.file_size > 1024 * 1024:
                    return (
                        "zip_bom",
                        f"rasio kompresi tidak wajar ({ratio:.0f}×): kemungkinan zip bomb",
                    )
            if total > MAX_UNCOMPRESSED:
                return (
                    "zip_bom",
                    f"isi berkas terlalu besar ({total // (1024 * 1024)} MB setelah diekstrak)",
                )
            if "mimetype" in names and zf.read("mimetype")[:64].strip() == _ODS:
                return "ods", (
                    "format OpenDocument (.ods); format angka dan sel terkunci templat tidak "
                    "dapat diperiksa di format ini. Buka di LibreOffice atau Excel lalu simpan "
                    "sebagai Buku Kerja Excel (.xlsx) dari templat"
                )
            locked = _locked_part(zf)
            if locked and "xl/workbook.xml" in names:
                return "zip_rusak", (
                    f"bagian '{locked.filename}' berkas ini dikunci kata sandi zip atau "
                    "dikompresi dengan cara yang tidak dipakai Excel (7-Zip?); kirim buku kerja "
                    "seperti disimpan Excel, tanpa dikompresi ulang"
                )
            declared = _declarations(zf)
            if declared:
                return "xml_entitas", (
                    f"bagian XML '{declared}' memuat deklarasi DOCTYPE/ENTITY (dapat dipakai "
                    "untuk membaca berkas lain atau sebagai bom entitas); simpan ulang berkas "
                    "dari templat asli di Excel"
                )
            if "xl/workbook.xml" not in names:
                return "zip", "arsip zip yang bukan buku kerja Excel"
            for member in sorted(n for n in names if n.startswith("xl/worksheets/sheet")):
                rows, cols = _declared_size(zf, member)
                if rows > MAX_DECLARED_ROWS or cols > MAX_DECLARED_COLS:
                    return "ukuran_tak_wajar", (
                        f"sheet berukuran tidak wajar ({rows} baris × {cols} kolom); templat "
                        "hanya memuat puluhan baris"
                    )
            if "xl/vbaProject.bin" in names:
                return "xlsm", ""
    except _BROKEN_ZIP:
        return "zip_rusak", "berkas zip rusak atau terpotong; kirim ulang berkasnya"
    return "xlsx", ""


# A cell or row reference past column Z or below row 9,999: only such references can make the
# value reader allocate a large rectangle (every other cell lies within A1:Z9999), so ordinary
# cells are not looked at one by one. The pattern starts with its literal text, which the regex
# engine finds quickly; the whitespace before the attribute name is checked on each match.
_FAR_REFERENCE = re.compile(rb'r="([A-Za-z]{2,}[0-9]+|[A-Za-z]*[0-9]{5,})"')
_NEAR = (9_999, 26)  # rows and columns every cell not matched by _FAR_REFERENCE stays within
MAX_CELLS = 10_000_000  # cells of the rectangle the value reader may allocate for one sheet


# What :func:`sniff` says of an OPD's file, said of the secretariat's own (a master spec,
# last year's report): there is no one to ask to send it again, and it is no template.
_OWN_FILE = {
    "terenkripsi": "buku kerja dilindungi kata sandi (terenkripsi) sehingga tidak dapat dibaca; "
    "buka di Excel, hapus kata sandinya, lalu simpan",
    "xls": "format Excel lama (.xls) atau dokumen Office lain, bukan Buku Kerja Excel (.xlsx); "
    "buka di Excel lalu simpan sebagai Buku Kerja Excel (.xlsx)",
    "pdf": "berkas PDF, bukan Buku Kerja Excel (.xlsx)",
    "tidak_dikenal": "isinya bukan Buku Kerja Excel (.xlsx)",
    "ods": "format OpenDocument (.ods), bukan Buku Kerja Excel (.xlsx); buka di LibreOffice atau "
    "Excel lalu simpan sebagai Buku Kerja Excel (.xlsx)",
    "zip_rusak": "berkas zip rusak atau terpotong (salinan atau unduhan yang tidak selesai?); "
    "pakai salinan yang utuh",
}


@dataclass(frozen=True)
class Screened:
    """A workbook of the secretariat's own, read from disk once (:func:`screen_workbook`):
    why it must not be opened ('' when it may), its bytes and their SHA-256. What is checked,
    read and hashed are then the same bytes, even when the file changes on disk meanwhile."""

    problem: str
    data: bytes = b""
    sha256: str = ""
    # the parts inflated to screen it, by name (see :func:`screened_zip`)
    parts: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)


def workbook_problem(path: Path) -> str:
    """:func:`screen_workbook`'s reason alone."""
    return screen_workbook(path).problem


def screen_workbook(path: Path) -> Screened:
    """Why a workbook must not be opened by the value reader in this process ('' when it may).

    For a workbook read outside the isolated readers (a master spec): what :func:`sniff`
    refuses (not an .xlsx, a zip bomb, an entity declaration, a sheet declaring more than
    :data:`MAX_DECLARED_ROWS` rows or :data:`MAX_DECLARED_COLS` columns), a file over
    :data:`MAX_FILE_BYTES`, and a sheet with a cell beyond those bounds, or spanning more than
    :data:`MAX_CELLS` cells, whatever it declares: the reader allocates every cell of the
    rectangle up to its farthest cell, so one cell at XFD1048576 asks for hundreds of
    gigabytes and ends the process.
    """
    try:
        size, digest, data = _contents(path)
    except OSError as exc:
        return Screened(f"berkas tidak dapat dibuka ({os_reason(exc)})")
    if size > MAX_FILE_BYTES:
        return Screened(f"berkas terlalu besar ({size // (1024 * 1024)} MB)")
    package = _package_of(data)
    problem = _problem_of(path, data, package)
    return Screened(problem, data, digest, package._parts if package is not None else {})


def screened_zip(screened: Screened) -> zipfile.ZipFile:
    """A screened workbook's bytes opened as a zip whose parts inflated to screen it are not
    inflated again (they are the same bytes: each was checked against its CRC-32)."""
    package = _Package(screened.data)
    package._parts.update(screened.parts)
    return package


def _problem_of(path: Path, data: bytes, package: _Package | None) -> str:
    """:func:`screen_workbook`'s reason, from the file's bytes (and zip, when it is one)."""
    try:
        kind, problem = sniff(path, data[:8], package)
        if problem or package is None:
            return _OWN_FILE.get(kind, problem)
        try:  # to name the sheet; a part no sheet names is looked at all the same
            names = {part: name for name, part in sheet_parts(package).items()}
        except Exception:
            names = {}
        for member in sorted(n for n in package.namelist() if n.startswith("xl/worksheets/")):
            if not member.endswith(".xml"):
                continue
            rows, cols = _farthest_cell(package.read(member))
            area = max(rows, _NEAR[0]) * max(cols, _NEAR[1])
            if rows > MAX_DECLARED_ROWS or cols > MAX_DECLARED_COLS or area > MAX_CELLS:
                sheet = f"sheet '{names[member]}'" if member in names else f"bagian {member}"
                column = column_letters(max(cols, 1) - 1)
                return (
                    f"{sheet} memuat sel sampai baris {fmt.angka(rows, 0)} dan kolom {column} "
                    f"(paling banyak {fmt.angka(MAX_DECLARED_ROWS, 0)} baris, "
                    f"{fmt.angka(MAX_DECLARED_COLS, 0)} kolom dan {fmt.angka(MAX_CELLS, 0)} sel "
                    "sekaligus); hapus isi sel yang jauh di luar tabel, lalu simpan ulang"
                )
        return ""
    except _BROKEN_ZIP:
        return _OWN_FILE["zip_rusak"]
    finally:
        if package is not None:
            package.close()


def _farthest_cell(sheet: bytes) -> tuple[int, int]:
    """The largest row number and column number among a sheet's far references."""
    rows = cols = 0
    for match in _FAR_REFERENCE.finditer(sheet):
        if sheet[match.start() - 1 : match.start()] not in (b" ", b"\t", b"\n", b"\r"):
            continue  # not an attribute named r
        ref = match.group(1).decode("ascii")
        rows = max(rows, int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")))
        cols = max(cols, column_number(ref))
    return rows, cols


def _peek_meta(sub: Submission) -> None:
    """Read only the ``_meta`` sheet of a refused .xls/.ods (values only), so that the refusal
    reaches the OPD that sent it. Anything odd leaves the file without a claim."""
    try:
        wb = open_workbook(sub.path)
        try:
            if tpl.SHEET_META not in wb.sheet_names:
                return
            rows = wb.get_sheet_by_name(tpl.SHEET_META).to_python(nrows=50)
        finally:
            wb.close()
    except Exception:
        return
    _read_meta(sub, rows)


def _read_meta(sub: Submission, rows: list[list[Any]]) -> None:
    """The ``_meta`` sheet's rows (a key in column A, its value in B, from row 2) into
    ``sub.meta``, and each value's cell into ``sub.meta_cells``. Each cell's text is made once
    (the key's was made three times: a few dozen calls per file), a text's by stripping it
    (what :func:`_text` does to a text, after its checks for numbers and dates)."""
    for number, row in enumerate(rows[1:], start=2):
        if len(row) >= 2:
            key, value = row[0], row[1]
            key = key.strip() if type(key) is str else _text(key)
            if key:
                sub.meta[key] = value.strip() if type(value) is str else _text(value)
                sub.meta_cells[key] = f"B{number}"


def open_workbook(path: Path) -> CalamineWorkbook:
    """The workbook for calamine; a name that is not valid UTF-8 (which the reader cannot take
    as a path) is read from an open file instead (the size is bounded before this)."""
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        with path.open("rb") as fh:
            return CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
    return CalamineWorkbook.from_path(str(path))


def _contents(path: Path) -> tuple[int, str, bytes]:
    """Size, SHA-256 and the bytes of a file of at most :data:`MAX_FILE_BYTES`; a larger one
    is hashed in chunks (never whole into memory; not at all beyond :data:`MAX_HASHED_BYTES`)
    and its bytes are not returned."""
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > MAX_FILE_BYTES:  # refused by its size: read only to be recorded
            return (*_measured(path, size), b"")
        # As much as the file holds and a byte more (a read of MAX_FILE_BYTES + 1 bytes first
        # reserves that much memory, which costs more than reading a template); a file that
        # grew meanwhile is read on, up to the same limit.
        want = size + 1
        data = fh.read(want)
        if len(data) == want <= MAX_FILE_BYTES:
            data += fh.read(MAX_FILE_BYTES + 1 - want)
    if len(data) > MAX_FILE_BYTES:  # it grew, or showed no size: read on to be measured
        return (*_measured(path, len(data)), b"")
    return len(data), hashlib.sha256(data).hexdigest(), data


# A file larger than this is not hashed ('' in the manifest): reading a 60 GB file (sparse, made
# in a second with truncate) to record it took minutes, for a file refused by its size anyway.
MAX_HASHED_BYTES = 1 << 30


def file_digest(path: Path, size: int) -> str:
    """SHA-256 of a file read in chunks (never whole into memory); '' when it is larger than
    :data:`MAX_HASHED_BYTES` (by ``size``, or by what it holds when it grew meanwhile)."""
    return _measured(path, size)[1]


def _measured(path: Path, size: int) -> tuple[int, str]:
    """What :func:`file_digest` reads, with the number of bytes read (at least ``size``)."""
    if size > MAX_HASHED_BYTES:
        return size, ""
    digest = hashlib.sha256()
    read = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            read += len(chunk)
            if read > MAX_HASHED_BYTES:
                return max(read, size), ""
            digest.update(chunk)
    return read, digest.hexdigest()


_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_BY_NAME = operator.attrgetter("filename")


def _locked_part(zf: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    """The first member locked with a zip password, or compressed otherwise than stored or
    deflated (the only two an Excel package uses; 7-Zip's PPMd cannot be read here at all);
    None when there is none. A workbook holding one is refused; an archive of workbooks
    refuses that member alone (:func:`pipeline.mail.message.open_zip`)."""
    return next((i for i in zf.infolist() if not i.is_dir() and _locked(i)), None)


def _locked(info: zipfile.ZipInfo) -> bool:
    """A member locked with a zip password or compressed otherwise than stored or deflated."""
    return bool(info.flag_bits & 0x1) or info.compress_type not in (
        zipfile.ZIP_STORED,
        zipfile.ZIP_DEFLATED,
    )


def _declarations(zf: zipfile.ZipFile) -> str:
    """The first part of the package (any member, not only the sheets the reader opens) that
    declares a DOCTYPE or an ENTITY; '' when none does. UTF-16 parts are read as such. A
    member locked or compressed another way (:func:`_locked_part`) is not read: the readers
    cannot open it either."""
    for info in sorted(zf.infolist(), key=_BY_NAME):
        if info.is_dir() or info.filename.endswith((".bin", ".png", ".jpeg", ".jpg", ".emf")):
            continue
        if _locked(info):
            continue
        data = zf.read(info)
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            data = data.decode("utf-16", "replace").encode("utf-8")
        elif not has_markup_bang(data):  # every declaration starts with "<!" (a fast scan)
            continue
        if _DECLARATION.search(data):
            return info.filename
    return ""


def _ole2_encrypted(path: Path) -> bool:
    """An OLE2 file holding an ``EncryptedPackage`` stream is a password-protected .xlsx."""
    marker = "EncryptedPackage".encode("utf-16-le")
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            if marker in chunk:
                return True
    return False


def _declared_size(zf: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """Rows and columns a worksheet declares in its ``<dimension ref>`` (read from its head)."""
    if isinstance(zf, _Package):
        raw = zf.head(member, 4096)
    else:
        with zf.open(member) as fh:
            raw = fh.read(4096)
    if raw.isascii():  # decoding changes nothing: the same search on the bytes, undecoded
        at = raw.find(b"<dimension ref=")
        if at < 0:
            return 0, 0
        ref = raw[at + 16 : raw.find(b'"', at + 16)].decode("ascii")
    else:
        head = raw.decode("utf-8", "replace")
        start = head.find("<dimension ref=")
        if start < 0:
            return 0, 0
        ref = head[start + 16 : head.find('"', start + 16)]
    last = ref.split(":")[-1]
    letters = "".join(filter(str.isalpha, last))
    digits = "".join(filter(str.isdigit, last))
    return int(digits or 0), column_number(letters)


def _modified(zf: zipfile.ZipFile) -> str:
    """The workbook's own last-modified timestamp (docProps/core.xml), ISO text or ''."""
    try:
        info = zf.getinfo("docProps/core.xml")
        if info.file_size > 1024 * 1024:
            return ""
        root = parse_part(zf.read(info))
    except Exception:
        return ""
    node = root.find(_MODIFIED)  # dcterms:modified, a child found without a path expression
    return (node.text or "").strip() if node is not None else ""


_text = cell_text


def _blank(value: object) -> bool:
    """``_text(value) == ''`` for what the reader gives (None, text, numbers, dates)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _header_key(value: object) -> str:
    """A column header as compared: case and every blank or line break ignored, so a header
    wrapped onto two lines (the template breaks long ones; Alt+Enter in Excel) still matches."""
    if type(value) is str and len(value) <= _REMEMBERED_TEXT:
        return _text_key(value)
    return "".join(_text(value).split()).casefold()


_REMEMBERED_TEXT = 200  # header keys of texts up to this long are remembered per process


@functools.lru_cache(maxsize=4096)
def _text_key(value: str) -> str:
    """:func:`_header_key` of a text: the same titles and headers recur in every file."""
    return "".join(value.split()).casefold()


_LABELS: dict[int, tuple[tuple[tpl.Column, ...], tuple[dict[str, str], str]]] = {}


def _labels(columns: tuple[tpl.Column, ...]) -> tuple[dict[str, str], str]:
    """Header key -> column key of a table's columns, and the key of its first column.

    Remembered by the tuple itself (its identity: the template's column tuples), which costs
    less than hashing its columns at every table."""
    known = _LABELS.get(id(columns))
    if known is not None and known[0] is columns:
        return known[1]
    labels = {_header_key(c.header): c.key for c in columns}, _header_key(columns[0].header)
    if len(_LABELS) >= 16:
        _LABELS.clear()
    _LABELS[id(columns)] = (columns, labels)
    return labels


_letters = functools.lru_cache(maxsize=256)(column_letters)  # a table's column letters


def _header_row(rows: list[list[Any]], key_label: str, scan: int = HEADER_SCAN_ROWS) -> int | None:
    """The index of the first of the first ``scan`` rows holding a text whose header key is
    ``key_label`` (None when none does). Plain loops: a generator inside a generator costs more
    than the look at each of the few hundred cells above a table."""
    for i, row in enumerate(rows[:scan]):
        for v in row:
            # an empty cell (most of a title row) has the empty key, never the first column's
            if v and isinstance(v, str) and _header_key(v) == key_label:
                return i
    return None


def _read_table(
    sub: Submission,
    rows: list[list[Any]],
    sheet: str,
    columns: tuple[tpl.Column, ...],
    notes: Notes | None = None,
    last_row: int = 0,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Find the header row by its labels, map columns by header text, return data rows.

    A header found twice makes the table unreadable (which of the two columns holds the
    values?). Each row carries, besides its values, ``_persen`` (keys of percent-formatted
    cells) and ``_rumus`` (key -> ``#DIV/0!``-style error or ``tanpa_nilai`` for formula cells
    that give no usable value), from ``notes`` (:func:`pipeline.cells.scan_sheets`), and,
    only when a cell's formula refers beyond the file, ``_rujukan`` (key -> what it refers to:
    another workbook, or a function whose result changes at each recalculation).
    """
    notes = notes or {}
    labels, key_label = _labels(columns)
    header_at = _header_row(rows, key_label)
    if header_at is None:
        lower = _header_row(rows[HEADER_SCAN_ROWS:], key_label, len(rows))
        if lower is not None:  # many rows were inserted above the table
            at = HEADER_SCAN_ROWS + lower + 1
            sub.issue(
                "struktur.judul_hilang",
                ERROR,
                f"Baris judul kolom sheet '{sheet}' ada di baris {at}, bukan di baris "
                f"{tpl.HEADER_ROW}: {at - tpl.HEADER_ROW} baris disisipkan di atas tabel, "
                "sehingga sheet ini tidak dibaca. Hapus baris sisipan itu (jangan menambah "
                "baris di atas tabel), lalu kirim kembali.",
                sheet=sheet,
                cell=cell_ref(0, at),
                found=f"judul kolom di baris {at}",
                expected=f"judul kolom di baris {tpl.HEADER_ROW}",
            )
            return [], {}
        sub.issue(
            "struktur.judul_hilang",
            ERROR,
            f"Baris judul kolom tidak ditemukan di sheet '{sheet}': kolom '{columns[0].header}' "
            f"seharusnya ada di baris {tpl.HEADER_ROW}. Gunakan templat asli tanpa mengubah "
            "judul.",
            sheet=sheet,
            cell=cell_ref(0, tpl.HEADER_ROW),
            found="(tidak ada)",
            expected=columns[0].header,
        )
        return [], {}
    found: dict[str, int] = {}
    twice = False
    for col, value in enumerate(rows[header_at]):
        key = labels.get(_header_key(value))
        if key and key in found:
            twice = True
            first, second = cell_ref(found[key], header_at + 1), cell_ref(col, header_at + 1)
            sub.issue(
                "struktur.judul_ganda",
                ERROR,
                f"Judul kolom '{_text(value)}' ada dua kali di sheet '{sheet}' ({first} dan "
                f"{second}); tidak jelas kolom mana yang berisi nilai, sehingga sheet ini tidak "
                "dibaca. Hapus kolom tambahan dan kembalikan susunan templat.",
                sheet=sheet,
                cell=second,
                found=f"{first} dan {second}",
                expected=f"satu kolom '{_text(value)}'",
            )
        elif key:
            found[key] = col
    for index, c in enumerate(columns):
        if c.key not in found:
            sub.issue(
                "struktur.kolom_hilang",
                ERROR,
                f"Judul kolom '{c.header}' tidak ditemukan di sheet '{sheet}' (diubah atau "
                "dihapus). Kembalikan judul kolom seperti di templat.",
                sheet=sheet,
                cell=cell_ref(index, header_at + 1),
                found=_text(rows[header_at][index]) if index < len(rows[header_at]) else "",
                expected=c.header,
            )
    letters = {k: _letters(v) for k, v in found.items()}  # cell_ref(v, 1) without its row
    if len(found) < len(columns) or twice:
        return [], letters
    out = []
    data = rows[header_at + 1 : header_at + 1 + MAX_ROWS]
    _beyond_the_table(sub, sheet, rows, header_at + 1 + MAX_ROWS, last_row)
    _extra_columns(sub, sheet, rows[header_at], data, set(found.values()), header_at + 2)
    first_key = columns[0].key
    key_col = found[first_key]
    places = [(c.key, found[c.key]) for c in columns]
    keys = [k for k, _ in places]
    columns_at = [i for _, i in places]
    # a row as wide as the table's last column gives its cells in one call (zip with the keys
    # leaves out the last one, there so that one column too gives a tuple)
    pick = operator.itemgetter(*columns_at, 0)
    full = max(columns_at) + 1
    noted = {r for r, _ in notes}  # the rows that have a note
    for offset, row in enumerate(data):
        excel_row = header_at + 2 + offset
        width = len(row)
        cells = pick(row) if width >= full else [row[i] if i < width else None for i in columns_at]
        values = {
            k: (v.strip() if isinstance(v, str) else v)
            for k, v in zip(keys, cells, strict=False)  # a picked row has one cell more
        }
        marked = (
            {k: notes[(excel_row, i)] for k, i in places if (excel_row, i) in notes}
            if excel_row in noted
            else {}
        )
        if not marked or _only_shown(marked):
            for v in values.values():
                if not (v is None or v == ""):  # not _blank (the value is stripped)
                    break
            else:
                # a blank row; also one whose only content is formatting or formulas showing
                # nothing (or an error): a formula filled down a column past the table, as a
                # clerk does, made hundreds of rows each with a message of '(kosong)'
                continue
        if values[first_key].__class__ is not str:  # else it is already _text of the cell
            values[first_key] = _text(row[key_col]) if key_col < width else ""
        values["_row"] = excel_row
        if not marked:  # most rows: no cell with a note
            values["_persen"] = []
            values["_rumus"] = {}
            out.append(values)
            continue
        values["_persen"] = sorted(k for k, n in marked.items() if n.persen)
        values["_rumus"] = {
            k: n.galat or "tanpa_nilai"
            for k, n in marked.items()
            if n.galat or (n.rumus and n.tanpa_nilai)
        }
        typed = sorted(k for k, n in marked.items() if n.galat and not n.rumus)
        if typed:  # an error value typed or pasted as a value, not a formula's result
            values["_galat_ketik"] = typed
        refers = {k: n.rujukan for k, n in marked.items() if n.rujukan}
        if refers:  # a stored result that may not be the source's today
            values["_rujukan"] = refers
        out.append(values)
    return out, letters


def _only_shown(marked: dict[str, CellNote]) -> bool:
    """Whether the notes of a row's cells are all of formatting or of formulas with a stored
    result (an empty text, an error): nothing typed in the row. A formula with no stored
    result may hold anything, and an error value typed as a value is typed."""
    return all(not (n.tanpa_nilai or (n.galat and not n.rumus)) for n in marked.values())


_SHOWN_ONLY = _header_key(tpl.ROLLUP_HEADER)  # a template column that is not read


def _extra_columns(
    sub: Submission,
    sheet: str,
    header: list[Any],
    data: list[list[Any]],
    read: set[int],
    first_row: int,
) -> None:
    """An INFO for each column the template does not have that holds something under its
    title (a column inserted for notes): it is not read, and the OPD is told where its words
    belong. An empty extra column says nothing."""
    for col in range(max((len(r) for r in data), default=0)):
        if col in read:
            continue
        at = next((i for i, r in enumerate(data) if col < len(r) and not _blank(r[col])), None)
        if at is None:
            continue
        title = _text(header[col]) if col < len(header) else ""
        if title and _header_key(title) == _SHOWN_ONLY:  # the template's own, shown to help
            continue
        cell = cell_ref(col, first_row + at)
        named = f" ('{visible(title)}')" if title else ""
        sub.issue(
            "struktur.kolom_tambahan",
            INFO,
            f"Kolom {cell_ref(col, 1)[:-1]}{named} di sheet '{sheet}' bukan kolom templat; "
            "isinya tidak dibaca. Tulis keterangan di kolom Faktor Pendorong, Faktor Penghambat "
            "atau Tindak Lanjut, lalu hapus kolom tambahan ini.",
            sheet=sheet,
            cell=cell,
            found=title or "kolom tanpa judul",
            expected="kolom templat",
        )


def _beyond_the_table(
    sub: Submission, sheet: str, rows: list[list[Any]], limit: int, last_row: int
) -> None:
    """A WARNING for a value below the :data:`MAX_ROWS` data rows of a table, which is not read
    (a note or a stray keystroke far below the table; no template has that many rows). The
    rows above it are read as usual, and blank rows below the table say nothing."""
    for index, row in enumerate(rows[limit:], start=limit):
        for col, value in enumerate(row):
            if not _blank(value):
                shown = _text(value)
                shown = shown if len(shown) <= 40 else shown[:39] + "…"
                cell = cell_ref(col, index + 1)
                sub.issue(
                    "struktur.isi_di_luar_tabel",
                    WARNING,
                    f"Sel {cell} di sheet '{sheet}' berisi '{shown}', di bawah {MAX_ROWS} baris "
                    "data yang dibaca; isinya tidak dibaca. Hapus isi sel itu bila tidak "
                    "sengaja, atau pindahkan ke dalam tabel.",
                    sheet=sheet,
                    cell=cell,
                    found=shown,
                    expected=f"tabel paling banyak {MAX_ROWS} baris data",
                )
                return
    if last_row > len(rows):  # a value farther down than was read: its place, not its text
        sub.issue(
            "struktur.isi_di_luar_tabel",
            WARNING,
            f"Sheet '{sheet}' memuat isi sampai baris {last_row}, jauh di bawah tabel (paling "
            f"banyak {MAX_ROWS} baris data); isi di bawah tabel tidak dibaca. Hapus isi sel di "
            f"baris {last_row} bila tidak sengaja (juga spasi).",
            sheet=sheet,
            cell=f"baris {last_row}",
            found=f"isi di baris {last_row}",
            expected=f"tabel paling banyak {MAX_ROWS} baris data",
        )


_TEMPLATE_SHEETS = (
    tpl.SHEET_PETUNJUK,
    tpl.SHEET_INDIKATOR,
    tpl.SHEET_ANGGARAN,
    tpl.SHEET_RENJA,
    tpl.SHEET_META,
)
_READ_SHEETS = (tpl.SHEET_INDIKATOR, tpl.SHEET_ANGGARAN, tpl.SHEET_RENJA)


def _sheet_key(name: str) -> str:
    return "".join(name.split()).casefold()


def template_sheets(names: list[str]) -> dict[str, str]:
    """The template's sheets that are read, each by the name it has in the file: its own, or
    one that differs from it only in letter case or spaces (``Indikator ``, ``ANGGARAN``: a
    rename the clerk does not see), when exactly one sheet does; failing that, for a sheet the
    clerk fills, the one sheet whose name holds it (``Indikator (2)``, ``Salinan Anggaran``: a
    copy of the sheet, the original deleted)."""
    out = {}
    for n in (tpl.SHEET_META, tpl.SHEET_INDIKATOR, tpl.SHEET_ANGGARAN, tpl.SHEET_RENJA):
        if n in names:
            out[n] = n
            continue
        alike = [m for m in names if _sheet_key(m) == _sheet_key(n)]
        if len(alike) == 1:
            out[n] = alike[0]
    for n in _READ_SHEETS:
        if n in out:
            continue
        taken = set(out.values())
        holding = [m for m in names if m not in taken and _sheet_key(n) in _sheet_key(m)]
        if len(holding) == 1:
            out[n] = holding[0]
    return out


def _extra_sheets(sub: Submission, names: list[str]) -> None:
    """A sheet the template does not have is not read: said once per sheet. A WARNING when
    its name recalls a sheet that is read (``Indikator (2)``, ``Salinan Anggaran``: values
    typed there would be lost), else an INFO."""
    for name in names:
        if name in _TEMPLATE_SHEETS:
            continue
        like = next((s for s in _READ_SHEETS if s.casefold() in name.casefold()), "")
        sub.issue(
            "struktur.sheet_tambahan",
            WARNING if like else INFO,
            f"Sheet '{name}' bukan bagian templat dan tidak dibaca"
            + (
                f"; hanya sheet '{like}' yang dibaca. Bila realisasi diisi di sheet ini, "
                f"pindahkan ke sheet '{like}' lalu hapus sheet ini."
                if like
                else "."
            ),
            sheet=name,
            found=name,
            expected=", ".join(_READ_SHEETS) if like else "sheet templat",
        )


def read_submission(path: Path, display_name: str | None = None) -> Submission:
    """Read one OPD file. Never raises on bad input: problems are issues on the result."""
    path = Path(path)
    sub = Submission(path=path, name=display_name or path.name, size=0, sha256="")
    try:
        sub.size, sub.sha256, data = _contents(path)
    except OSError as exc:
        sub.jenis = "tidak_terbaca"
        sub.issue(
            "berkas.tidak_terbuka",
            ERROR,
            f"Berkas ditolak: berkas tidak dapat dibuka ({os_reason(exc)}). Simpan ulang "
            "berkasnya (tutup dulu di Excel) lalu kirim kembali.",
            found=os_reason(exc),
            expected="berkas yang dapat dibuka",
        )
        return sub
    if sub.size > MAX_FILE_BYTES:
        sub.jenis = "terlalu_besar"
        sub.issue(
            "berkas.format",
            ERROR,
            f"Berkas ditolak: berkas terlalu besar ({sub.size // (1024 * 1024)} MB; templat "
            f"hanya puluhan KB, batas {MAX_FILE_BYTES // (1024 * 1024)} MB). Kirim templat yang "
            "diisi, tanpa lampiran lain di dalamnya.",
            found=f"{sub.size} byte",
            expected=f"paling besar {MAX_FILE_BYTES} byte",
        )
        return sub
    package = _package_of(data)
    try:
        return _read_package(sub, data, package)
    finally:
        if package is not None:
            package.close()


def _package_of(data: bytes) -> _Package | None:
    """A file's bytes opened as a zip, or None (not a zip, or one :func:`sniff` opens from the
    disk itself to say why it is broken)."""
    if not data.startswith(_ZIP):
        return None
    try:
        return _Package(data)
    except Exception:
        return None


def _read_package(sub: Submission, data: bytes, package: _Package | None) -> Submission:
    """The rest of :func:`read_submission`, on the file's bytes (and zip, when it is one)."""
    path = sub.path
    jenis, problem = sniff(path, data[:8], package)
    sub.jenis = jenis
    if problem and jenis in ("xls", "ods"):
        _peek_meta(sub)  # refused, but it says whose it is
    if problem:
        sub.issue(
            "berkas.format",
            ERROR,
            f"Berkas ditolak: {problem}.",
            found=jenis,
            expected="templat .xlsx",
        )
        return sub
    if jenis == "xlsm":
        sub.issue(
            "berkas.makro",
            WARNING,
            "Berkas memuat makro (VBA). Makro tidak dijalankan; hanya nilai sel yang dibaca. "
            "Simpan ulang sebagai .xlsx (tanpa makro).",
            found="vbaProject.bin",
            expected="xlsx tanpa makro",
        )
    sub.dimodifikasi = _modified(package) if package is not None else ""
    try:
        if package is None:  # sniff read it as a zip from the disk: it changed meanwhile
            raise zipfile.BadZipFile("berkas berubah saat dibaca")
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            names = list(wb.sheet_names)
            actual = template_sheets(names)
            # the template's sheets the OPD hid (the template hides only _meta)
            hidden = {
                m.name: m.visible
                for m in wb.sheets_metadata
                if m.visible != SheetVisibleEnum.Visible
            }
            sheets, last_rows = {}, {}
            for n in (tpl.SHEET_META, tpl.SHEET_INDIKATOR, tpl.SHEET_ANGGARAN, tpl.SHEET_RENJA):
                if n in actual:
                    found = wb.get_sheet_by_name(actual[n])
                    sheets[n] = found.to_python(
                        skip_empty_area=False, nrows=HEADER_SCAN_ROWS + MAX_ROWS + 2
                    )
                    end = found.end  # the last cell holding a value, read or not
                    last_rows[n] = end[0] + 1 if end else 0
        finally:
            wb.close()
    except Exception as exc:  # a reader crash is this file's problem, never the run's
        sub.issue(
            "berkas.tidak_terbaca",
            ERROR,
            f"Berkas tidak dapat dibaca sebagai Excel ({type(exc).__name__}). Simpan ulang "
            "berkas sebagai .xlsx dari templat asli lalu kirim kembali.",
            found=str(exc)[:200],
            expected="templat .xlsx yang dapat dibuka",
        )
        return sub
    try:
        read = (tpl.SHEET_INDIKATOR, tpl.SHEET_ANGGARAN, tpl.SHEET_RENJA)
        scanned = scan_zip(
            package, tuple(actual.get(n, n) for n in read), HEADER_SCAN_ROWS + MAX_ROWS + 2
        )
        notes = {n: scanned[actual.get(n, n)] for n in read if actual.get(n, n) in scanned}
    except Exception as exc:  # values were read; only the formats and formulas are unknown
        notes = {}
        sub.issue(
            "berkas.format_sel",
            WARNING,
            "Format angka dan rumus sel tidak dapat diperiksa (bagian XML berkas tidak biasa); "
            "nilai sel dibaca apa adanya. Simpan ulang berkas dari templat asli bila ragu.",
            found=type(exc).__name__,
            expected="berkas .xlsx biasa",
        )
    if tpl.SHEET_META in sheets:  # first, so that every issue below names the OPD
        _read_meta(sub, sheets[tpl.SHEET_META])
    for n in (tpl.SHEET_INDIKATOR, tpl.SHEET_ANGGARAN, tpl.SHEET_RENJA):
        if actual.get(n) in hidden:
            very = hidden[actual[n]] == SheetVisibleEnum.VeryHidden
            sub.issue(
                "struktur.sheet_tersembunyi",
                WARNING,
                f"Sheet '{visible(actual[n])}' disembunyikan"
                + (
                    " (sangat tersembunyi: tidak dapat ditampilkan dari menu Excel)"
                    if very
                    else ""
                )
                + "; isinya tetap dibaca. Tampilkan kembali sheet itu (klik kanan tab sheet › "
                "Tampilkan) agar isian dapat diperiksa oleh OPD dan sekretariat.",
                sheet=actual[n],
                found="tersembunyi",
                expected="sheet terlihat, seperti di templat",
            )
    for n, name in actual.items():
        if name != n:
            sub.issue(
                "struktur.nama_sheet",
                WARNING,
                f"Nama sheet '{visible(name)}' berbeda dari templat ('{n}'"
                + (": huruf besar/kecil atau spasi" if _sheet_key(name) == _sheet_key(n) else "")
                + f"); sheet ini dibaca sebagai '{n}'. Kembalikan nama sheet seperti di "
                "templat.",
                sheet=name,
                found=visible(name),
                expected=n,
            )
    _extra_sheets(sub, [n for n in names if n not in actual.values()])
    for required in (tpl.SHEET_META, tpl.SHEET_INDIKATOR, tpl.SHEET_ANGGARAN):
        if required not in sheets:
            sub.issue(
                "struktur.sheet_hilang",
                ERROR,
                (
                    f"Berkas ini tidak memuat penanda templat (sheet tersembunyi '{required}'):"
                    " berkas ini bukan templat asli dari sekretariat, atau sheet itu terhapus. "
                    "Salin isian Anda ke templat asli OPD Anda, lalu kirim berkas itu."
                    if required == tpl.SHEET_META
                    else f"Sheet '{required}' tidak ada di berkas (dihapus atau diganti "
                    "nama), sehingga berkas tidak dapat dibaca. Kembalikan sheet itu dengan "
                    "namanya di templat, atau salin isian Anda ke templat asli dari sekretariat."
                ),
                sheet=required,
                found=", ".join(names),
                expected=required,
            )
    if tpl.SHEET_INDIKATOR in sheets:
        sub.indikator, sub.indikator_cols = _read_table(
            sub,
            sheets[tpl.SHEET_INDIKATOR],
            tpl.SHEET_INDIKATOR,
            tpl.INDIKATOR_COLUMNS,
            notes.get(tpl.SHEET_INDIKATOR),
            last_rows.get(tpl.SHEET_INDIKATOR, 0),
        )
    if tpl.SHEET_ANGGARAN in sheets:
        sub.anggaran, sub.anggaran_cols = _read_table(
            sub,
            sheets[tpl.SHEET_ANGGARAN],
            tpl.SHEET_ANGGARAN,
            tpl.ANGGARAN_COLUMNS,
            notes.get(tpl.SHEET_ANGGARAN),
            last_rows.get(tpl.SHEET_ANGGARAN, 0),
        )
    if tpl.SHEET_RENJA in sheets:  # optional: older templates have no Renja sheet
        sub.has_renja = True
        sub.renja, sub.renja_cols = _read_table(
            sub,
            sheets[tpl.SHEET_RENJA],
            tpl.SHEET_RENJA,
            tpl.RENJA_COLUMNS,
            notes.get(tpl.SHEET_RENJA),
            last_rows.get(tpl.SHEET_RENJA, 0),
        )
    sub.readable = True
    return sub


@dataclass(frozen=True)
class Entry:
    """One thing found in the input folder: a file to consider, or why it is not read.

    ``name`` is the path relative to the folder as shown everywhere (a byte that was not UTF-8
    and a control character appear as ``\\xNN``); ``problem`` is '' for a regular file inside
    the folder, else the reason it is listed unread; ``jenis`` says what it is then.
    """

    path: Path
    name: str
    problem: str = ""
    jenis: str = ""


MAX_DEPTH = 32  # nested folders followed below the input folder


def scan_inputs(folder: Path) -> list[Entry]:
    """Everything under ``folder`` (recursively), sorted by name; nothing dropped, nothing opened.

    Regular files (and links to regular files inside the folder) are to be considered; a
    dangling link, a link loop, a link leaving the folder, a link to a folder, a FIFO, a socket,
    a device, a file or folder that cannot be opened are listed with their reason and never read.
    """
    return sorted(_entries(Path(folder)), key=lambda e: e.name)


def has_inputs(folder: Path) -> bool:
    """Whether :func:`scan_inputs` would list anything under ``folder``; the walk stops at the
    first entry instead of listing the whole folder."""
    return next(_entries(Path(folder)), None) is not None


def _entries(root: Path) -> Iterator[Entry]:
    """The entries of :func:`scan_inputs`, one folder at a time, as the walk finds them."""
    if not root.is_dir():
        return
    real_root = os.path.realpath(root)

    def entry(path: Path, problem: str = "", jenis: str = "") -> Entry:
        return Entry(path, visible(path.relative_to(root).as_posix()), problem, jenis)

    def walk(directory: Path, depth: int) -> Iterator[Entry]:
        try:
            with os.scandir(directory) as it:
                items = sorted((Path(e.path) for e in it), key=lambda p: p.name)
        except OSError as exc:
            reason = f"folder tidak dapat dibuka ({os_reason(exc)})"
            yield entry(directory, reason, "folder")
            return
        if depth and _unpacked(items):
            yield entry(directory, _UNPACKED, "folder")  # one entry, its parts not listed
            return
        for path in items:
            try:
                mode = os.lstat(path).st_mode
            except OSError as exc:
                yield entry(path, f"tidak dapat dibuka ({os_reason(exc)})", "tidak_terbaca")
                continue
            if stat.S_ISLNK(mode):
                problem = _link_problem(path, real_root)
                yield entry(path, problem, "tautan") if problem else _regular(entry(path))
            elif stat.S_ISDIR(mode):
                named = _workbook_named_folder(path)
                if named:
                    yield entry(path, named, "folder")
                elif depth >= MAX_DEPTH:
                    yield entry(path, "folder bertingkat terlalu dalam; tidak dibuka", "folder")
                else:
                    yield from walk(path, depth + 1)
            elif stat.S_ISREG(mode):
                yield _regular(entry(path))
            else:
                kind = (
                    "FIFO (pipa bernama)"
                    if stat.S_ISFIFO(mode)
                    else "soket"
                    if stat.S_ISSOCK(mode)
                    else "berkas perangkat"
                )
                yield entry(path, f"bukan berkas biasa ({kind}); tidak dibaca", "khusus")

    yield from walk(root, 0)


_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xltx", ".xltm", ".ods")
_PACKAGE_MARK = "[Content_Types].xml"  # at the top of every .xlsx package
_UNPACKED = (
    "folder berisi buku kerja Excel yang sudah diekstrak (isi .xlsx yang dibuka sebagai zip), "
    "bukan berkas .xlsx; letakkan berkas .xlsx aslinya (misalnya dari lampiran surel) di "
    "folder masukan"
)


def _unpacked(items: list[Path]) -> bool:
    """A folder's entries are an unpacked workbook: a package's ``[Content_Types].xml`` on top
    and no workbook beside it (a folder that also holds a workbook is walked as usual, so that
    no file sent is hidden behind the parts)."""
    names = [p.name for p in items]
    return _PACKAGE_MARK in names and not any(
        n.lower().endswith(_WORKBOOK_SUFFIXES) for n in names
    )


def _workbook_named_folder(path: Path) -> str:
    """Why an empty folder named like a workbook is listed as one entry ('' for any other
    folder, walked as usual: one holding an unpacked workbook is listed by the walk)."""
    if not path.name.lower().endswith(_WORKBOOK_SUFFIXES):
        return ""
    try:
        with os.scandir(path) as it:
            empty = next(it, None) is None
    except OSError:
        return ""  # the walk says why it cannot be opened
    if not empty:
        return ""
    return (
        "folder kosong yang diberi nama seperti buku kerja Excel, bukan berkas; hapus folder "
        "ini atau letakkan berkas .xlsx yang dimaksud di folder masukan"
    )


def os_reason(exc: OSError, *, writing: bool = False) -> str:
    """Why a file or folder could not be read (or, ``writing``, written), in words (an errno
    the table has not: its number)."""
    reasons = {
        errno.EACCES: "izin ditolak",
        errno.EPERM: "izin ditolak",
        errno.ELOOP: "tautan simbolik berputar",
        errno.ENOENT: "tidak ada",
        errno.ENAMETOOLONG: "nama terlalu panjang",
        errno.EBUSY: "sedang dikunci program lain",
        errno.EISDIR: "yang diberikan adalah folder, bukan berkas",
        errno.ENOTDIR: "salah satu bagian jalurnya bukan folder",
        errno.EIO: "kesalahan baca/tulis disk",
    }
    if writing:
        reasons |= {
            errno.EACCES: "izin menulis ditolak",
            errno.EPERM: "izin menulis ditolak",
            errno.EROFS: "folder hanya-baca",
            errno.ENOSPC: "disk penuh",
            errno.EDQUOT: "kuota disk habis",
            errno.EEXIST: "sudah ada berkas dengan nama itu",
            errno.EBUSY: "folder sedang dipakai sistem (titik kait/mount)",
        }
    return reasons.get(exc.errno or 0, f"galat sistem {exc.errno or type(exc).__name__}")


LINK_OUTSIDE = "tautan simbolik ke luar folder masukan"


def _link_problem(path: Path, real_root: str) -> str:
    """Why a symbolic link is not followed ('' when it points at a regular file inside)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "tautan simbolik berputar (menunjuk dirinya sendiri); tidak diikuti"
        return "tautan simbolik rusak (tujuannya tidak ada); tidak diikuti"
    target = os.path.realpath(path)
    if os.path.commonpath([real_root, target]) != real_root:
        return f"{LINK_OUTSIDE}; tidak diikuti"
    if stat.S_ISDIR(mode):
        return "tautan simbolik ke folder; tidak diikuti"
    if not stat.S_ISREG(mode):
        return "tautan simbolik ke berkas yang bukan berkas biasa; tidak diikuti"
    return ""


def _regular(item: Entry) -> Entry:
    """A regular file, checked that it can be opened (never blocking, nothing read)."""
    try:
        fd = os.open(item.path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        return Entry(
            item.path,
            item.name,
            f"berkas tidak dapat dibuka ({os_reason(exc)}); kirim atau simpan ulang berkasnya",
            "tidak_terbaca",
        )
    os.close(fd)
    return item


def list_inputs(folder: Path) -> list[Path]:
    """Every regular file under ``folder`` that can be opened, sorted by relative path (see
    :func:`scan_inputs` for everything else)."""
    return [e.path for e in scan_inputs(folder) if not e.problem]


def is_lock_file(path: Path | str) -> bool:
    """An Excel lock file (``~$name.xlsx``): made by Excel on the machine where a workbook is
    open, never sent by anyone."""
    return Path(path).name.startswith("~$")


def is_candidate(path: Path) -> tuple[bool, str]:
    """Whether a file looks like an OPD template to read, else the reason it is ignored."""
    name = path.name
    if is_lock_file(name):
        return False, "berkas kunci sementara Excel (~$), bukan templat"
    if name.startswith("."):
        return False, "berkas tersembunyi"
    if path.suffix.lower() not in READ_SUFFIXES:
        return False, f"bukan berkas Excel (.{path.suffix.lstrip('.') or 'tanpa ekstensi'})"
    return True, ""
