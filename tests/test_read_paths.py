"""Per-file costs that must not grow with the run: the OPD names found in a file's name, and a
file read from disk once. Results equal those of the plain definitions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import zipfile
from pathlib import Path, PurePosixPath

import openpyxl
import pytest
from defusedxml import DTDForbidden, EntitiesForbidden

from pipeline import cells, ingest
from pipeline.master import MasterSpec, normalise_name
from pipeline.validate.identity import Directory
from tests import pemda_contoh as contoh
from tests.conftest import INPUT_DIR


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
    sub.size, sub.sha256, head = ingest._fingerprint(path)
    sub.jenis, _ = ingest.sniff(path, head)
    return sub


def test_a_file_is_read_from_disk_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = next(p for p in sorted(INPUT_DIR.iterdir()) if p.suffix == ".xlsx")
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
    sub = ingest.read_submission(source)
    assert sub.readable and sub.indikator and not [i for i in sub.issues if i.severity == "ERROR"]
    assert opened == [source.name]
    monkeypatch.undo()
    plain = _read_by_path(source)
    assert (sub.size, sub.sha256, sub.jenis) == (plain.size, plain.sha256, plain.jenis)


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
