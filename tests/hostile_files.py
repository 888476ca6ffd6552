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


@dataclass(frozen=True)
class Hostile:
    """One hostile file, the status it must get and the rule that must explain it."""

    name: str
    status: str  # ditolak | diabaikan | diterima dengan peringatan
    rule: str  # the issue rule expected on it ('' for ignored files)
    reason: str  # a phrase the reason must contain


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


def build(folder: Path, with_good: bool = True) -> list[Hostile]:
    """Write the hostile set into ``folder`` (beside copies of the good files)."""
    if folder.exists():
        shutil.rmtree(folder)
    if with_good:
        shutil.copytree(GOOD, folder)
    else:
        folder.mkdir(parents=True)
    out: list[Hostile] = []

    def add(name: str, status: str, rule: str, reason: str) -> Path:
        out.append(Hostile(name, status, rule, reason))
        return folder / name

    zip_bomb(add("Dinas Kesehatan - bom zip.xlsx", "ditolak", "berkas.format", "zip bomb"))
    (add("Laporan Dinsos.xlsx", "ditolak", "berkas.format", "PDF")).write_bytes(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    )
    encrypted(add("Dinkes terkunci.xlsx", "ditolak", "berkas.format", "kata sandi"))
    # An older macro-enabled draft of an OPD that also sent its proper file: it is read (values
    # only), warned about, and superseded by the newer .xlsx.
    macro(add("Dinas Sosial - makro.xlsm", "digantikan", "berkas.makro", ""))
    xxe(add("Dinkes XXE.xlsx", "ditolak", "berkas.tidak_terbaca", "tidak dapat dibaca"))
    entity_bomb(
        add("Dinkes entitas.xlsx", "ditolak", "berkas.tidak_terbaca", "tidak dapat dibaca")
    )
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
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")
    for h in build(target):
        print(f"{h.name}: {h.status} ({h.rule or 'diabaikan'})")
