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
    return [empty, nested, deep_file, link, too_deep, hidden, root / "tidak_ada"]


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
        "tidak_ada": False,
    }
