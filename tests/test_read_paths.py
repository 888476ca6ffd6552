"""Per-file costs that must not grow with the run: the OPD names found in a file's name, and a
file read from disk once. Results equal those of the plain definitions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
from defusedxml import DTDForbidden, EntitiesForbidden

from pipeline import cells, ingest
from pipeline import template as tpl
from pipeline.master import MasterSpec, normalise_name
from pipeline.validate.identity import Directory
from tests import pemda_contoh as contoh
from tests.conftest import INPUT_DIR, SPEC_PATH


def _named_by_scanning(directory: Directory, file_name: str) -> frozenset[str]:
    """The definition: every OPD name, code or alias that appears as whole words."""
    stem = PurePosixPath(file_name).name.rsplit(".", 1)[0]
    key = f" {normalise_name(stem)} "
    return frozenset(k for n, k in directory.names.items() if f" {n} " in key)


def test_opds_named_in_a_file_name_are_those_a_full_scan_finds(spec: MasterSpec) -> None:
    directory = Directory(spec)
    names = [p.name for p in INPUT_DIR.iterdir()]
    words = sorted({w for n in directory.names for w in n.split()})
    rng = random.Random(12)
    phrases = list(directory.names)
    extra = [*words, *phrases, "-", "(revisi)", "2018", "draf"]
    for _ in range(400):  # names made of OPD names, codes, aliases and stray words
        parts = [rng.choice(phrases) if rng.random() < 0.4 else rng.choice(words)]
        parts += [rng.choice(extra) for _ in range(5)]
        names.append(" ".join(parts[: rng.randint(1, 6)]) + ".xlsx")
    found = 0
    for name in names:
        expected = _named_by_scanning(directory, name)
        assert directory.named(name) == expected, name
        found += bool(expected)
    assert found > 100  # the names do name OPDs, often several


def _read_by_path(path: Path) -> ingest.Submission:
    """The reader as it was: each step opens the file itself."""
    sub = ingest.Submission(path=path, name=path.name, size=0, sha256="")
    data = path.read_bytes()
    sub.size, sub.sha256, head = len(data), hashlib.sha256(data).hexdigest(), data[:8]
    sub.jenis, _ = ingest.sniff(path, head)
    return sub


def _disk_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files opened from now on (filled as they are opened); a zip opened
    from the disk (not from bytes already read) fails the test."""
    opened: list[str] = []
    real_open = Path.open

    def counted_open(self: Path, *args: object, **kwargs: object) -> object:
        opened.append(self.name)
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", counted_open)
    real_zip = zipfile.ZipFile.__init__

    def zip_of_bytes_only(
        self: zipfile.ZipFile, file: object, *args: object, **kw: object
    ) -> None:
        assert not isinstance(file, str | Path), "a zip opened from the disk"
        real_zip(self, file, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "__init__", zip_of_bytes_only)
    return opened


def test_a_file_is_read_from_disk_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = next(p for p in sorted(INPUT_DIR.iterdir()) if p.suffix == ".xlsx")
    opened = _disk_reads(monkeypatch)
    sub = ingest.read_submission(source)
    assert sub.readable and sub.indikator and not [i for i in sub.issues if i.severity == "ERROR"]
    assert opened == [source.name]
    monkeypatch.undo()
    plain = _read_by_path(source)
    assert (sub.size, sub.sha256, sub.jenis) == (plain.size, plain.sha256, plain.jenis)


def test_a_master_spec_is_read_from_disk_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The spec was read four times (screened, read for its values, scanned for its cell
    formats, hashed): a spec saved again meanwhile gave values, formats and a hash of
    different files, and the reader could open bytes that were never screened. Now every step
    works on the bytes read once."""
    from python_calamine import CalamineWorkbook

    from pipeline.master import read_master

    def no_bytes(self: Path) -> bytes:
        raise AssertionError(f"{self.name} read again")

    def not_from_disk(*args: object, **kwargs: object) -> object:
        raise AssertionError("the value reader opened the file from the disk")

    opened = _disk_reads(monkeypatch)
    monkeypatch.setattr(Path, "read_bytes", no_bytes)
    monkeypatch.setattr(CalamineWorkbook, "from_path", not_from_disk)
    spec, issues = read_master(SPEC_PATH)
    monkeypatch.undo()
    assert spec is not None, issues
    assert opened.count(SPEC_PATH.name) == 1  # the settings and suites are opened besides
    assert spec.sha256 == hashlib.sha256(SPEC_PATH.read_bytes()).hexdigest()


def test_a_file_read_once_gives_what_the_steps_give_each_from_the_disk(tmp_path: Path) -> None:
    for path in sorted(INPUT_DIR.iterdir())[:5]:
        sub = ingest.read_submission(path)
        with zipfile.ZipFile(path) as zf:
            assert sub.dimodifikasi == ingest._modified(zf)
        assert sub.jenis == ingest.sniff(path, path.read_bytes()[:8])[0]
        assert dataclasses.asdict(sub) == dataclasses.asdict(ingest.read_submission(path))


def _sheet_with_formulas(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"], ws["B1"] = 0.655, 0.5
    ws["A1"].number_format = "0.0%"
    ws["A2"], ws["A3"], ws["B3"] = "=1/0", 5, "=A3*2"
    wb.save(path)
    return path


def test_a_sheet_parsed_by_the_fast_parser_says_what_defusedxml_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _sheet_with_formulas(tmp_path / "r.xlsx")
    with zipfile.ZipFile(path) as zf:
        assert cells._iterparse(zf.read("xl/worksheets/sheet1.xml")) is not cells.SafeET.iterparse
    fast = cells.scan_sheets(path, ("Data",), 100)
    monkeypatch.setattr(cells, "_iterparse", lambda data: cells.SafeET.iterparse)
    assert fast == cells.scan_sheets(path, ("Data",), 100)
    assert fast["Data"][(2, 0)].rumus and fast["Data"][(1, 0)].persen


def test_a_sheet_declaring_entities_is_refused(tmp_path: Path) -> None:
    path = _sheet_with_formulas(tmp_path / "r.xlsx")
    bomb = '<!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'

    def add_bomb(text: str) -> str:
        head, declared, body = text.partition("?>")
        sheet = f"{head}?>{bomb}{body}" if declared else bomb + text
        return sheet.replace("<v>5</v>", "<v>&b;</v>")

    contoh.rewrite(path, "xl/worksheets/sheet1.xml", add_bomb)
    with pytest.raises((DTDForbidden, EntitiesForbidden)):
        cells.scan_sheets(path, ("Data",), 100)


def test_a_blank_cell_is_what_reads_as_empty_text() -> None:
    values = [None, "", "  ", "\t\n", "x", " 0 ", 0, 0.0, 1.5, 2.0, -0.0, True, False]
    values += [dt.datetime(2018, 1, 1), dt.date(2018, 1, 1), dt.time(0, 0), dt.timedelta(0)]
    for value in values:
        assert ingest._blank(value) == (ingest._text(value) == ""), repr(value)


def _zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _read_or_error(zf: zipfile.ZipFile, name: str) -> tuple[bytes | None, str]:
    try:
        return zf.read(name), ""
    except Exception as exc:  # the standard reader's refusal is the expected one
        return None, type(exc).__name__


def _patched(data: bytes, offset: int, value: bytes) -> bytes:
    """``data`` with ``value`` written at ``offset`` into the first central directory entry."""
    at = data.index(b"PK\x01\x02") + offset
    return data[:at] + value + data[at + len(value) :]


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_package_parts_read_as_the_standard_reader_reads_them(method: int):
    """A part inflated straight from the bytes is the standard reader's part; a damaged part
    (its data, its CRC-32, its local name, its size) is refused exactly as the standard reader
    refuses it, also when the intact file's same compressed bytes were inflated before."""
    text = b"<worksheet>" + b"<row><c><v>12,5</v></c></row>" * 400 + b"</worksheet>"
    good = _zip_bytes({"xl/worksheets/sheet1.xml": text, "docProps/core.xml": b"<a/>"}, method)
    at = good.index(b"xl/worksheets/sheet1.xml") + len(b"xl/worksheets/sheet1.xml")
    damaged = {
        "intact": good,
        "data": good[: at + 40] + bytes([good[at + 40] ^ 0xFF]) + good[at + 41 :],
        "local name": good.replace(b"xl/worksheets/sheet1.xml", b"xl/worksheets/sheetX.xml", 1),
        "crc": _patched(good, 16, b"\x00\x00\x00\x00"),  # the directory's CRC-32
        "size": _patched(good, 24, (len(text) - 1).to_bytes(4, "little")),  # its size
    }
    fast_reads = 0
    for label, data in damaged.items():
        standard = zipfile.ZipFile(io.BytesIO(data))
        package = ingest._Package(data)
        for name in ("xl/worksheets/sheet1.xml", "docProps/core.xml"):
            assert _read_or_error(package, name) == _read_or_error(standard, name), (label, name)
            fast_reads += package._inflate(name) is not None
    assert fast_reads >= 4  # the intact parts were read the fast way


def _fresh_python(code: str) -> str:
    """What ``code`` prints in a new interpreter that sees this checkout's package."""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_reader_processes_do_not_load_pandas() -> None:
    # What the reader server preloads (and its readers inherit) is the reader and the pool.
    assert _fresh_python("import sys, pipeline.isolate; print('pandas' in sys.modules)") == "False"


@pytest.mark.parametrize(
    "order",
    ["import pipeline.ingest, pandas", "import pandas, pipeline", "import pipeline.run, pandas"],
)
def test_pandas_keeps_python_string_storage_whenever_it_is_loaded(order: str) -> None:
    # The frames' text storage the results were settled on, whether pandas comes before the
    # package, after it or through it.
    shown = "pandas.get_option('mode.string_storage'), pandas.Series(['a']).dtype.storage"
    code = f"{order}; print({shown})"
    assert _fresh_python(code) == "python python"


@pytest.mark.parametrize("shown", [0, 5, 4095, 4096, 4097, 9000])
def test_a_file_is_read_whole_whatever_size_it_showed_when_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shown: int
) -> None:
    """The bytes are the file's (up to one past the limit), also when the size seen on opening
    is smaller (a file still being written, a special file that shows none)."""
    path = tmp_path / "tumbuh.xlsx"
    data = random.Random(shown).randbytes(9000)
    path.write_bytes(data)
    stat = ingest.os.fstat

    def seen(fd: int) -> _Stat:
        return _Stat(min(stat(fd).st_size, shown))

    monkeypatch.setattr(ingest.os, "fstat", seen)
    assert ingest._contents(path)[2] == data
    monkeypatch.setattr(ingest, "MAX_FILE_BYTES", 4096)
    size, _, read = ingest._contents(path)
    assert (size, read) == (9000, b"")  # over the limit: hashed in chunks, not returned


@dataclasses.dataclass
class _Stat:
    st_size: int


def _with_a_part_that_does_not_inflate(source: Path, target: Path, part: str) -> None:
    """``source`` with the middle of ``part``'s compressed bytes overwritten: the zip's
    directory and headers are intact, the part's bytes no longer inflate."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as zf:
        info = zf.getinfo(part)
    at = info.header_offset
    name_len, extra_len = (
        int.from_bytes(data[at + 26 : at + 28], "little"),
        int.from_bytes(data[at + 28 : at + 30], "little"),
    )
    middle = at + 30 + name_len + extra_len + info.compress_size // 2
    data[middle : middle + 16] = bytes(b ^ 0xFF for b in data[middle : middle + 16])
    target.write_bytes(bytes(data))


def test_a_part_whose_bytes_do_not_inflate_is_a_damaged_zip(tmp_path: Path) -> None:
    """A template whose sheet was damaged on the way (its compressed bytes changed) was
    refused as 'tidak dapat diproses (error)', zlib's exception name; it is a damaged file
    and is said so, to the OPD and of the secretariat's own spec."""
    source = next(INPUT_DIR.glob("*.xlsx"))
    damaged = tmp_path / "rusak.xlsx"
    with zipfile.ZipFile(source) as zf:
        sheets = [i for i in zf.infolist() if i.filename.startswith("xl/worksheets/sheet")]
    biggest = max(sheets, key=lambda i: i.compress_size).filename
    _with_a_part_that_does_not_inflate(source, damaged, biggest)

    sub = ingest.read_submission(damaged)
    assert sub.jenis == "zip_rusak"
    assert [(i.rule, i.severity) for i in sub.issues] == [("berkas.format", "ERROR")]
    assert "berkas zip rusak atau terpotong" in sub.issues[0].message
    assert ingest.workbook_problem(damaged) == ingest._OWN_FILE["zip_rusak"]


def _with_name(data: bytes, placeholder: bytes, name: bytes, *, local: bool = True) -> bytes:
    """``data`` with a part's name bytes replaced (same length) in the central directory, and
    in the local header too when ``local``: a name the standard writer never stores (cp437)."""
    directory = data.index(b"PK\x01\x02")
    head, tail = data[:directory], data[directory:]
    return (head.replace(placeholder, name) if local else head) + tail.replace(placeholder, name)


def test_a_part_name_that_is_not_ascii_is_read_as_the_standard_reader_reads_it() -> None:
    """Names in cp437 (no flag) and in UTF-8 (flagged) that are not ASCII take the decoding
    path of the local name check: an intact part is read straight from the bytes, a local name
    that differs (also by a byte that is not ASCII) is refused as the standard reader does."""
    text = b"<a>" + b"x" * 500 + b"</a>"
    utf8 = _zip_bytes({"xl/media/café.xml": text})
    assert zipfile.ZipFile(io.BytesIO(utf8)).infolist()[0].flag_bits & 0x800
    cp437 = _with_name(_zip_bytes({"xl/media/cafX.xml": text}), b"cafX", b"caf\x82")
    cases = {
        "utf-8": (utf8, True),
        "cp437": (cp437, True),
        "utf-8, local name differs": (
            _with_name(utf8, "é".encode(), "è".encode(), local=False),
            False,
        ),
        "cp437, local name differs": (_with_name(cp437, b"\x82", b"\x8a", local=False), False),
        "cp437, local name ascii": (
            _with_name(_zip_bytes({"xl/media/cafX.xml": text}), b"cafX", b"caf\x82", local=False),
            False,
        ),
    }
    for label, (data, intact) in cases.items():
        standard = zipfile.ZipFile(io.BytesIO(data))
        (name,) = standard.namelist()
        assert name.startswith("xl/media/caf") and not name.isascii(), label
        package = ingest._Package(data)
        assert (package._inflate(name) is not None) is intact, label
        read = _read_or_error(package, name)
        assert read == _read_or_error(standard, name), label
        assert (read == (text, "")) is intact, label


def _declared_in_text(raw: bytes) -> tuple[int, int]:
    """A sheet head's declared size read the general way: decoded, then searched."""
    head = raw.decode("utf-8", "replace")
    start = head.find("<dimension ref=")
    if start < 0:
        return 0, 0
    last = head[start + 16 : head.find('"', start + 16)].split(":")[-1]
    digits = "".join(filter(str.isdigit, last))
    return int(digits or 0), ingest.column_number("".join(filter(str.isalpha, last)))


@pytest.mark.parametrize(
    ("head", "size"),
    [
        ('<worksheet><dimension ref="A1:C7"/>', (7, 3)),  # ASCII: the bytes are searched
        ('<worksheet><!-- Realisasi triwulan Ⅳ --><dimension ref="A1:C7"/>', (7, 3)),
        ('<worksheet><dimension ref="A1:CÄ7"/>', (7, 3 * 26 + ord("Ä") - 64)),
        ('<worksheet><dimension ref="A1:C٣7"/>', (37, 3)),  # an Arabic-Indic digit
        ('<worksheet><!-- é --><dimension ref="A1:C200000"/>', (200_000, 3)),
        ("<worksheet>\N{EURO SIGN}<sheetData/>", (0, 0)),
    ],
)
def test_a_sheet_head_that_is_not_ascii_declares_what_its_text_declares(
    head: str, size: tuple[int, int]
) -> None:
    """A head with a byte that is not ASCII is decoded before it is searched; an ASCII one is
    searched as bytes. Either says what the decoded text declares, from a plain zip and from
    a package alike, and sniff refuses a sheet declaring too many rows either way."""
    raw = (head + "<sheetData/></worksheet>").encode("utf-8")
    assert _declared_in_text(raw) == size
    data = _zip_bytes({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": raw})
    for zf in (zipfile.ZipFile(io.BytesIO(data)), ingest._Package(data)):
        assert ingest._declared_size(zf, "xl/worksheets/sheet1.xml") == size
        jenis = ingest.sniff(Path("x.xlsx"), data[:8], zf)[0]
        assert jenis == ("ukuran_tak_wajar" if size[0] > ingest.MAX_DECLARED_ROWS else "xlsx")


@pytest.mark.parametrize(
    "after", ["<x></y>", "<x>&nope;</x>", "\xff<", "<dataValidations><formula1>1</formula1>"]
)
def test_a_parse_error_after_the_cells_says_what_the_whole_sheet_parse_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after: str
) -> None:
    """Markup that does not parse after a sheet's cells is not met: the scan stops at the end
    of the cells, as when the parser reads the whole sheet at once (the general path), with
    either parser; an error among the cells is met either way."""
    intact = cells.scan_sheets(_sheet_with_formulas(tmp_path / "r.xlsx"), ("Data",), 100)
    broken = _sheet_with_formulas(tmp_path / "b.xlsx")
    contoh.rewrite(
        broken,
        "xl/worksheets/sheet1.xml",
        lambda t: t.replace("</sheetData>", "</sheetData>" + after),
    )
    inside = _sheet_with_formulas(tmp_path / "i.xlsx")
    contoh.rewrite(
        inside, "xl/worksheets/sheet1.xml", lambda t: t.replace("</row>", "</row>" + after, 1)
    )
    fast = cells.scan_sheets(broken, ("Data",), 100)
    with pytest.raises(SyntaxError):
        cells.scan_sheets(inside, ("Data",), 100)
    monkeypatch.setattr(cells, "_CellsFirst", lambda data, end: io.BytesIO(data))
    assert cells.scan_sheets(broken, ("Data",), 100) == fast == intact
    monkeypatch.setattr(cells, "_iterparse", lambda data: ElementTree.iterparse)
    assert cells.scan_sheets(broken, ("Data",), 100) == fast
    with pytest.raises(SyntaxError):
        cells.scan_sheets(inside, ("Data",), 100)
    monkeypatch.setattr(cells, "_iterparse", lambda data: cells.SafeET.iterparse)
    assert cells.scan_sheets(broken, ("Data",), 100) == fast
    with pytest.raises(SyntaxError):
        cells.scan_sheets(inside, ("Data",), 100)
    assert fast["Data"][(2, 0)].rumus and fast["Data"][(1, 0)].persen


def _events_or_error(parse: Any, data: bytes, end: int, stop: int) -> list[object]:
    """The (event, tag) pairs a parse of ``data`` fed as the scan feeds it yields, up to
    ``stop`` of them, then the error it raised (its type and message), if any."""
    seen: list[object] = []
    try:
        for event, node in parse(cells._CellsFirst(data, end), events=("start", "end")):
            seen.append((event, node.tag))
            if len(seen) >= stop:
                break
    except SyntaxError as exc:
        seen.append((type(exc).__name__, str(exc)))
    return seen


def test_the_scan_parser_yields_what_iterparse_yields() -> None:
    """The scan's parser gives the standard iterparse's events and errors in the same order,
    however the bytes are cut and wherever the consumer stops; a document left open fails at
    its end, as iterparse's does."""
    documents = [
        b"<a><b/><c>x</c></a>",
        b"<a><b/><c>x</c></a><d/>",  # junk after the document element
        b"<a><b/></c></a>",  # a mismatched end among the elements
        b"<a><b>&nope;</b></a>",
        b"<a><b/>",  # never closed
        b"",
        b"\xff<a/>",
    ]
    parsed = 0
    for data in documents:
        for end in range(0, len(data) + 1):
            for stop in (1, 3, 100):
                expected = _events_or_error(ElementTree.iterparse, data, end, stop)
                assert _events_or_error(cells._pull_events, data, end, stop) == expected
                parsed += any(e == "end" for e, *_ in expected)
    assert parsed


def test_a_table_header_is_the_first_row_holding_its_first_title_among_the_rows_scanned() -> None:
    """The header row is the first of the first rows scanned that holds a text reading as the
    first column's title (case and blanks aside); a number, an empty text or a title further
    down is no header."""
    columns = tpl.INDIKATOR_COLUMNS
    title = columns[0].header
    header = [c.header for c in columns]
    wrapped = [f" {title.upper()}\n", *header[1:]]  # wrapped and in capitals: still the title

    def header_at(rows: list[list[object]]) -> tuple[int | None, list[str]]:
        sub = ingest.Submission(path=Path("x.xlsx"), name="x.xlsx", size=0, sha256="")
        table, _ = ingest._read_table(sub, rows, "Indikator", columns)
        return (table[0]["_row"] - 2 if table else None), [i.rule for i in sub.issues]

    data = ["1.1", *["x"] * (len(columns) - 1)]
    blank: list[object] = [None, "", 0, 1.5, "  "]
    assert header_at([blank, ["Judul"], wrapped, header, data]) == (2, [])
    assert header_at([blank] * 3 + [header, data]) == (3, [])
    scanned = ingest.HEADER_SCAN_ROWS
    assert header_at([blank] * scanned + [header, data]) == (None, ["struktur.judul_hilang"])
    assert header_at([blank] * (scanned - 1) + [header, data]) == (scanned - 1, [])
    # a header pushed below the rows scanned is refused where it is, not said to be missing
    sub = ingest.Submission(path=Path("x.xlsx"), name="x.xlsx", size=0, sha256="")
    ingest._read_table(sub, [blank] * (scanned + 1) + [header, data], "Indikator", columns)
    [issue] = sub.issues
    at = scanned + 2  # the sheet's row of the header
    assert (issue.cell, issue.found) == (f"A{at}", f"judul kolom di baris {at}")
    assert f"ada di baris {at}, bukan di baris {tpl.HEADER_ROW}" in issue.message
    assert f"{at - tpl.HEADER_ROW} baris disisipkan di atas tabel" in issue.message
    sub = ingest.Submission(path=Path("x.xlsx"), name="x.xlsx", size=0, sha256="")
    ingest._read_table(sub, [blank] * 3 + [data], "Indikator", columns)
    assert "tidak ditemukan" in sub.issues[0].message and sub.issues[0].found == "(tidak ada)"


def test_the_meta_sheet_is_read_as_each_cell_reads_as_text() -> None:
    """A key and its value are their cells' texts (trimmed; a whole number without ``.0``, a
    date in ISO), a row with a blank key or a single cell is skipped, and a key met again
    keeps its last value and cell."""
    rows: list[list[object]] = [
        ["kunci", "nilai"],
        [" kode_opd ", " 1.02.01 "],
        [None, "tanpa kunci"],
        ["  ", "kunci kosong"],
        ["tahun", 2024.0],
        ["nama_opd", "  Dinas Kesehatan \n"],
        [7.0, dt.datetime(2024, 3, 1, 8, 30)],
        ["sendiri"],
        ["kode_opd", "1.02.02"],
        [True, 0.5],
    ]
    sub = ingest.Submission(path=Path("x.xlsx"), name="x.xlsx", size=0, sha256="")
    ingest._read_meta(sub, rows)
    assert sub.meta == {
        "kode_opd": "1.02.02",
        "tahun": "2024",
        "nama_opd": "Dinas Kesehatan",
        "7": "2024-03-01T08:30:00",
        "True": "0.5",
    }
    assert list(sub.meta) == ["kode_opd", "tahun", "nama_opd", "7", "True"]
    assert sub.meta_cells == {
        "kode_opd": "B9",
        "tahun": "B5",
        "nama_opd": "B6",
        "7": "B7",
        "True": "B10",
    }
    for row in rows[1:]:
        if len(row) >= 2 and ingest._text(row[0]):
            assert sub.meta_cells[ingest._text(row[0])].startswith("B")


def test_a_huge_file_is_refused_by_its_size_without_being_read(tmp_path: Path) -> None:
    """A 64 GB file (sparse: made in a moment with truncate) was read whole to be hashed
    before it was refused as too big, minutes of a run. Beyond MAX_HASHED_BYTES it is
    refused by its size alone, its SHA-256 left empty; a smaller too-big file is still hashed."""
    huge = tmp_path / "Dinas Raksasa - Capaian Kinerja 2018.xlsx"
    with huge.open("wb") as fh:
        fh.truncate(64 << 30)
    sub = ingest.read_submission(huge)
    assert (sub.jenis, sub.size, sub.sha256) == ("terlalu_besar", 64 << 30, "")
    assert "berkas terlalu besar (65536 MB" in sub.issues[0].message
    big = tmp_path / "besar.xlsx"
    big.write_bytes(b"PK" + bytes(ingest.MAX_FILE_BYTES))
    sub = ingest.read_submission(big)
    assert sub.jenis == "terlalu_besar"
    assert sub.sha256 == hashlib.sha256(big.read_bytes()).hexdigest()


def test_a_huge_ignored_file_is_listed_without_being_read(tmp_path: Path) -> None:
    """A disk image left in the input folder (not a workbook: ignored, but listed with its
    size and hash) was read whole to be hashed. Beyond MAX_HASHED_BYTES: its size only."""
    from pipeline.validate.register import _digest

    image = tmp_path / "cadangan.iso"
    with image.open("wb") as fh:
        fh.truncate(64 << 30)
    assert _digest(image) == (64 << 30, "")
    small = tmp_path / "catatan.txt"
    small.write_text("rapat", encoding="utf-8")
    assert _digest(small) == (5, hashlib.sha256(b"rapat").hexdigest())


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_a_formula_filled_down_past_the_table_adds_no_row(tmp_path: Path) -> None:
    """A clerk fills a helper formula down a column far past the table (Anggaran F, Renja P,
    Indikator L), and saves in LibreOffice: each row below the table, holding only a formula
    showing "" or #DIV/0!, was read as a row with an empty code (hundreds of ERRORs
    'kode (kosong) bukan program …', the report a DRAFT). Rows with nothing typed are blank;
    the table's own rows and values are read as before."""
    source = next(INPUT_DIR.glob("Dinas Sosial*.xlsx"))
    inbox = tmp_path / "kiriman"
    inbox.mkdir()
    path = inbox / source.name
    wb = openpyxl.load_workbook(source)
    for row in range(6, 300):
        wb["Anggaran"][f"F{row}"] = f'=IF(E{row}="","",IF(E{row}>D{row},"lebih",""))'
        wb["Renja"][f"P{row}"] = f'=IF(O{row}="","","")'
    for row in range(13, 300):  # below the indicators: the OPD's capaian formula, #DIV/0!
        wb["Indikator"][f"L{row}"] = f"=K{row}/F{row}*100"
    wb.save(path)
    contoh.libreoffice_resave(inbox)
    filled = ingest.read_submission(path)
    plain = ingest.read_submission(source)
    assert not [i for i in filled.issues if i.rule.startswith("struktur.")], [
        (i.rule, i.cell) for i in filled.issues[:5]
    ]
    for table in ("indikator", "anggaran", "renja"):
        got, expected = getattr(filled, table), getattr(plain, table)
        assert [r["_row"] for r in got] == [r["_row"] for r in expected], table
