"""``has_inputs`` answers as ``scan_inputs`` lists, without listing a whole folder."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.ingest import MAX_DEPTH, has_inputs, scan_inputs


def _shapes(root: Path) -> list[Path]:
    empty = root / "kosong"
    empty.mkdir()
    nested = root / "bertingkat"
    (nested / "a" / "b").mkdir(parents=True)
    deep_file = root / "berkas_dalam"
    (deep_file / "a" / "b").mkdir(parents=True)
    (deep_file / "a" / "b" / "DINKES.xlsx").write_bytes(b"PK")
    link = root / "tautan"
    link.mkdir()
    os.symlink("/tidak/ada", link / "putus.xlsx")
    too_deep = root / "terlalu_dalam"
    path = too_deep
    for i in range(MAX_DEPTH + 1):
        path = path / f"d{i}"
    path.mkdir(parents=True)
    hidden = root / "tersembunyi"
    hidden.mkdir()
    (hidden / ".~lock.DINKES.xlsx#").write_text("x")
    empty_named = root / "kosong_bernama"
    (empty_named / "DINKES.xlsx").mkdir(parents=True)
    return [empty, nested, deep_file, link, too_deep, hidden, empty_named, root / "tidak_ada"]


def test_has_inputs_agrees_with_scan_inputs(tmp_path: Path) -> None:
    folders = _shapes(tmp_path)
    answers = {f.name: has_inputs(f) for f in folders}
    assert answers == {f.name: bool(scan_inputs(f)) for f in folders}
    assert answers == {
        "kosong": False,
        "bertingkat": False,
        "berkas_dalam": True,
        "tautan": True,
        "terlalu_dalam": True,
        "tersembunyi": True,
        "kosong_bernama": True,
        "tidak_ada": False,
    }


def test_a_folder_named_like_a_workbook_is_one_entry(tmp_path: Path) -> None:
    """An empty folder named like a workbook, and a workbook unpacked into a folder (whatever
    its name), are each one entry with the reason, not a silence or a list of parts; an
    ordinary folder named like a workbook is walked as any other."""
    empty = tmp_path / "DINKES Dinas Kesehatan.xlsx"
    empty.mkdir()
    unpacked = tmp_path / "DISDIK Dinas Pendidikan.xlsx"
    (unpacked / "xl" / "worksheets").mkdir(parents=True)
    (unpacked / "[Content_Types].xml").write_text("<Types/>")
    (unpacked / "xl" / "workbook.xml").write_text("<workbook/>")
    (unpacked / "xl" / "worksheets" / "sheet1.xml").write_text("<worksheet/>")
    unzipped = tmp_path / "kiriman" / "Dinas Sosial unzip"  # 7-Zip's "Extract to", nested
    (unzipped / "xl").mkdir(parents=True)
    (unzipped / "[Content_Types].xml").write_text("<Types/>")
    (unzipped / "xl" / "workbook.xml").write_text("<workbook/>")
    ordinary = tmp_path / "arsip.xlsx"
    ordinary.mkdir()
    (ordinary / "BAPPEDA.xlsx").write_bytes(b"PK")
    beside = tmp_path / "DINKES"  # a workbook beside the parts: nothing sent is hidden
    beside.mkdir()
    (beside / "[Content_Types].xml").write_text("<Types/>")
    (beside / "DINKES.xlsx").write_bytes(b"PK")
    entries = {e.name: e for e in scan_inputs(tmp_path)}
    assert set(entries) == {
        "DINKES Dinas Kesehatan.xlsx",
        "DISDIK Dinas Pendidikan.xlsx",
        "kiriman/Dinas Sosial unzip",
        "arsip.xlsx/BAPPEDA.xlsx",
        "DINKES/DINKES.xlsx",
        "DINKES/[Content_Types].xml",
    }
    assert "folder kosong" in entries["DINKES Dinas Kesehatan.xlsx"].problem
    assert "sudah diekstrak" in entries["DISDIK Dinas Pendidikan.xlsx"].problem
    assert "sudah diekstrak" in entries["kiriman/Dinas Sosial unzip"].problem
    assert entries["arsip.xlsx/BAPPEDA.xlsx"].problem == ""
    # the input folder itself may hold a package's parts: they are listed, not taken as one
    (tmp_path / "[Content_Types].xml").write_text("<Types/>")
    assert "[Content_Types].xml" in {e.name for e in scan_inputs(tmp_path)}
