"""Hostile and broken files: the run never crashes or hangs, loses nothing and leaks nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import sanitize, schema
from pipeline.ingest import Submission, read_submission
from pipeline.isolate import READER_NICE, Limits, read_files
from pipeline.issues import ERROR
from pipeline.master import MasterSpec
from pipeline.run import Run, run_pemda, start_ingest, start_ingests
from tests.broken_files import _stamp
from tests.conftest import INPUT_DIR, read_sheet, run_report
from tests.hostile_files import SOURCE, Hostile, build
from tests.national_roots import with_reader_killer

RESULT_COLS = ["kode_indikator", "kode_opd", "berkas", "realisasi", "capaian_mentah", "status"]


@pytest.fixture(scope="module")
def clean(spec: MasterSpec) -> Run:
    return run_pemda(spec, INPUT_DIR)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Hostile]]:
    root = tmp_path_factory.mktemp("hostile")
    files = build(root / "input_xlsx")
    out = root / "output"
    result = run_report(root / "input_xlsx", out)
    assert result.returncode == 0, result.stderr
    return out, files


def _manifest(out: Path) -> dict[str, dict]:
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {f["berkas"]: f for f in data["berkas_masukan"]}


def _on_disk(folder: Path) -> set[str]:
    """Every name in the folder as the report must show it: files, links, FIFOs, sockets
    (links and sub-folders not followed)."""
    names = set()
    for top, dirs, files in os.walk(os.fsencode(folder)):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            rel = os.path.relpath(os.path.join(top, name), os.fsencode(folder))
            names.add(sanitize.visible(os.fsdecode(rel)))
    return names


def test_every_file_is_accounted_for(hostile: tuple[Path, list[Hostile]]) -> None:
    out, files = hostile
    listed = _manifest(out)
    assert set(listed) == _on_disk(out.parent / "input_xlsx")
    for h in files:
        rec = listed[h.name]
        assert rec["status"] == h.status, h.name
        assert h.reason.lower() in rec["alasan"].lower() or h.status == "digantikan", h.name
        assert rec["alasan"] or rec["status"] == schema.BERKAS_DITERIMA, h.name
        opened = rec["jenis"] not in ("bukan_berkas_biasa", "folder")
        assert len(rec["sha256"]) == (64 if opened else 0), h.name
    workbook = next(out.glob("*_konsolidasi.xlsx"))
    berkas = read_sheet(workbook, "Berkas")
    assert len(berkas) == len(listed)


def test_each_defence_names_its_rule(hostile: tuple[Path, list[Hostile]]) -> None:
    out, files = hostile
    issues = pd.read_csv(out / "validasi.csv", dtype=str, keep_default_na=False)
    for h in files:
        if not h.rule:
            continue
        mine = issues[(issues["file"] == h.name) & (issues["rule"] == h.rule)]
        assert len(mine) == 1, h.name
        assert mine.iloc[0]["message"], h.name


def test_good_files_report_is_unchanged(
    hostile: tuple[Path, list[Hostile]], workbook_path: Path
) -> None:
    out, files = hostile
    touched = {h.opd for h in files if h.opd}
    clean = read_sheet(workbook_path, "Indikator")
    dirty = read_sheet(out / workbook_path.name, "Indikator")
    assert set(clean["Kode OPD"]) == set(dirty["Kode OPD"])
    pd.testing.assert_frame_equal(
        clean[~clean["Kode OPD"].isin(touched)].drop(columns=["Validasi"]).reset_index(drop=True),
        dirty[~dirty["Kode OPD"].isin(touched)].drop(columns=["Validasi"]).reset_index(drop=True),
    )


def test_an_opd_whose_only_file_was_refused_is_told_why(
    hostile: tuple[Path, list[Hostile]],
) -> None:
    out, _ = hostile
    issues = pd.read_csv(out / "validasi.csv", dtype=str, keep_default_na=False)
    mine = issues[issues["kode_opd"] == "KESBANGPOL"]
    assert "kelengkapan.belum_kirim" not in set(mine["rule"])
    (told,) = mine[mine["rule"] == "kelengkapan.berkas_ditolak"]["message"]
    assert "ditolak" in told and "OpenDocument (.ods)" in told and ".xlsx dari templat" in told
    kelengkapan = read_sheet(next(out.glob("*_konsolidasi.xlsx")), "Kelengkapan")
    status = kelengkapan.set_index("Kode OPD").loc["KESBANGPOL", "Status Pengiriman"]
    assert status == "berkas ditolak"


def test_a_file_claiming_another_opd_replaces_nothing(
    hostile: tuple[Path, list[Hostile]],
) -> None:
    out, files = hostile
    issues = pd.read_csv(out / "validasi.csv", dtype=str, keep_default_na=False)
    forged = issues[issues["rule"] == "berkas.identitas"]
    assert set(forged["file"]) == {h.name for h in files if h.rule == "berkas.identitas"}
    assert set(forged["kode_opd"]) == {"DINKES"}  # told to the sender, not to DINSOS
    listed = _manifest(out)
    assert listed["Dinas Sosial - Capaian Kinerja 2018.xlsx"]["status"].startswith("diterima")


def _xlsx_parts(out: Path) -> list[tuple[Path, str, bytes]]:
    parts = []
    for path in sorted(out.rglob("*.xlsx")):
        with zipfile.ZipFile(path) as zf:
            parts += [(path, n, zf.read(n)) for n in zf.namelist() if n.endswith(".xml")]
    return parts


def test_no_output_holds_a_formula_or_a_control_character(
    hostile: tuple[Path, list[Hostile]],
) -> None:
    out, _ = hostile
    parts = _xlsx_parts(out)
    assert any("umpan_balik" in str(p) for p, _, _ in parts)
    for path, name, data in parts:
        if name.startswith("xl/worksheets/"):
            assert not re.search(rb"<f[ >]", data), (path, name)
        text = data.decode("utf-8")
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text), (path, name)
        assert not re.search(r"_x00(0[0-8]|0[BbCcEeFf]|1[0-9A-Fa-f])_", text), (path, name)
    report = next(out.glob("*_konsolidasi.xlsx")).name
    strings = [d for p, n, d in parts if p.name == report and n == "xl/sharedStrings.xml"]
    # the OPD's formula-like text is there, as text, in the report and in its feedback copy
    assert b"=HYPERLINK(" in strings[0]
    feedback = [d for p, _, d in parts if p.name == "DISKOMINFO.xlsx"]
    assert any(b"=HYPERLINK(" in d for d in feedback)
    assert any(b"rumus dari berkas Anda" in d for d in feedback)


def test_no_csv_cell_starts_like_a_formula_and_json_holds_true_text(
    hostile: tuple[Path, list[Hostile]],
) -> None:
    out, _ = hostile
    starts = tuple(sanitize.FORMULA_START)
    issues = pd.read_csv(out / "validasi.csv", dtype=str, keep_default_na=False)
    cells = [v for col in issues.columns for v in issues[col]] + list(issues.columns)
    assert not [v for v in cells if v.startswith(starts)]

    def strings(value: object) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict):
            return [s for k, v in value.items() for s in [k, *strings(v)]]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return []

    # JSON is read by programs, not spreadsheets: its texts are as they are, no apostrophe
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert not [v for v in strings(manifest) if v.startswith("'") and v[1:].startswith(starts)]
    assert manifest["pengaturan"]["efisiensi_batas_bawah"] == "-5"


def test_nothing_from_an_external_entity_leaks(hostile: tuple[Path, list[Hostile]]) -> None:
    out, _ = hostile
    secret = Path("/etc/passwd").read_text().splitlines()[0]
    for path in out.rglob("*"):
        if path.suffix in (".xlsx", ".csv", ".json"):
            blobs = [path.read_bytes()]
            if path.suffix == ".xlsx":
                with zipfile.ZipFile(path) as zf:
                    blobs = [zf.read(n) for n in zf.namelist()]
            assert not any(secret.encode() in b for b in blobs), path


def _sleepy(path: Path, name: str) -> Submission:
    """A reader that hangs on files named 'lambat…' and reads the others."""
    if name.startswith("lambat"):
        time.sleep(30)
    return read_submission(path, name)


def _crash(path: Path, name: str) -> Submission:
    """A reader that kills its whole process on files named 'mogok…' (as a reader abort does)."""
    if name.startswith("mogok"):
        os.abort()
    return read_submission(path, name)


def _greedy(path: Path, name: str) -> Submission:
    """A reader that runs out of memory on files named 'boros…'."""
    if name.startswith("boros"):
        raise MemoryError("simulated")
    return read_submission(path, name)


def _with_pid(path: Path, name: str) -> Submission:
    sub = read_submission(path, name)
    sub.meta["pid"] = str(os.getpid())
    sub.meta["nice"] = str(os.nice(0))
    return sub


def _batch(tmp_path: Path, odd: str) -> list[tuple[Path, str]]:
    """Five copies of a good file around one odd one, all handed to one worker as one batch."""
    names = ["a.xlsx", "b.xlsx", odd, "c.xlsx", "d.xlsx", "e.xlsx"]
    files = []
    for name in names:
        shutil.copy(SOURCE, tmp_path / name)
        files.append((tmp_path / name, name))
    return files


def _clean(sub: Submission) -> bool:
    return sub.readable and not [i for i in sub.issues if i.severity == ERROR]


def test_a_hanging_reader_is_stopped_and_reported() -> None:
    started = time.monotonic()
    subs = read_files([(SOURCE, "lambat.xlsx")], Limits(seconds=1.0), reader=_sleepy)
    assert time.monotonic() - started < 15
    (sub,) = subs
    assert sub.issues[0].severity == ERROR
    assert "batas waktu" in sub.issues[0].message


def test_a_hanging_file_in_a_batch_is_the_only_one_rejected(tmp_path: Path) -> None:
    files = _batch(tmp_path, "lambat.xlsx")
    started = time.monotonic()
    # 6 s: room for a good file read in a fresh worker on a busy machine; the hang is 30 s
    subs = read_files(files, Limits(seconds=6.0, workers=1, batch=len(files)), reader=_sleepy)
    assert time.monotonic() - started < 28
    assert [s.name for s in subs] == [name for _, name in files]
    by_name = {s.name: s for s in subs}
    assert [i.rule for i in by_name["lambat.xlsx"].issues] == ["berkas.pembaca_gagal"]
    assert "batas waktu" in by_name["lambat.xlsx"].issues[0].message
    assert all(_clean(s) for s in subs if s.name != "lambat.xlsx")


def test_a_crashing_reader_takes_down_only_its_file(tmp_path: Path) -> None:
    other = tmp_path / "baik.xlsx"
    shutil.copy(SOURCE, other)
    subs = read_files([(SOURCE, "mogok.xlsx")], Limits(), reader=_crash)
    assert subs[0].issues[0].rule == "berkas.pembaca_gagal"
    good = read_files([(other, "baik.xlsx")], Limits())
    assert _clean(good[0])


def test_a_file_killing_its_worker_inside_a_batch_spares_its_neighbours(tmp_path: Path) -> None:
    files = _batch(tmp_path, "mogok.xlsx")
    subs = read_files(files, Limits(workers=1, batch=len(files)), reader=_crash)
    assert [s.name for s in subs] == [name for _, name in files]
    by_name = {s.name: s for s in subs}
    (issue,) = by_name["mogok.xlsx"].issues
    assert issue.rule == "berkas.pembaca_gagal" and "berhenti mendadak" in issue.message
    assert by_name["mogok.xlsx"].sha256 == by_name["a.xlsx"].sha256  # still registered
    assert all(_clean(s) for s in subs if s.name != "mogok.xlsx")


def test_a_file_exhausting_memory_inside_a_batch_spares_its_neighbours(tmp_path: Path) -> None:
    files = _batch(tmp_path, "boros.xlsx")
    subs = read_files(files, Limits(workers=1, batch=len(files)), reader=_greedy)
    by_name = {s.name: s for s in subs}
    (issue,) = by_name["boros.xlsx"].issues
    assert issue.rule == "berkas.tidak_terbaca"
    # Indonesian words, not the library's English ("Unable to allocate output buffer")
    assert "kehabisan memori" in issue.message and issue.found == "kehabisan memori"
    assert all(_clean(s) for s in subs if s.name != "boros.xlsx")


def test_workers_are_reused_across_files(tmp_path: Path) -> None:
    files = [(p, n) for p, n in _batch(tmp_path, "f.xlsx")] * 3
    progress: list[tuple[int, int]] = []
    subs = read_files(
        files,
        Limits(workers=2, batch=3),
        reader=_with_pid,
        progress=lambda d, t: progress.append((d, t)),
    )
    assert all(_clean(s) for s in subs)
    assert len({s.meta["pid"] for s in subs}) <= 2  # a warm pool, not a process per file
    assert os.getpid() not in {int(s.meta["pid"]) for s in subs}
    assert progress == [(i, len(files)) for i in range(1, len(files) + 1)]


def test_readers_yield_the_processor_to_the_process_they_read_for(tmp_path: Path) -> None:
    """The process the files go to is the run's critical path; the readers run behind it."""
    files = _batch(tmp_path, "f.xlsx")
    subs = read_files(files, Limits(workers=2, batch=3), reader=_with_pid)
    assert all(_clean(s) for s in subs)
    assert {int(s.meta["nice"]) for s in subs} == {min(os.nice(0) + READER_NICE, 19)}


def test_odd_file_names_are_kept_exactly(spec: MasterSpec, tmp_path: Path) -> None:
    folder = tmp_path / "masuk"
    folder.mkdir()
    upper, lower = folder / "DINAS KESEHATAN ☺ É.xlsx", folder / "dinas kesehatan ☺ é.xlsx"
    shutil.copy(SOURCE, upper)
    shutil.copy(SOURCE, lower)
    _stamp(upper, "2019-02-01T10:00:00Z")
    run = run_pemda(spec, folder)
    berkas = run.validated.berkas.set_index("berkas")
    assert berkas.loc[upper.name, "status"] == schema.BERKAS_DITERIMA_CATATAN
    assert berkas.loc[lower.name, "status"] == schema.BERKAS_DIGANTIKAN
    assert upper.name in set(run.results.indikator["berkas"])


def test_an_interrupted_write_leaves_the_previous_report(
    spec: MasterSpec, clean: Run, tmp_path: Path, monkeypatch
) -> None:
    from pipeline.outputs import write_outputs
    from pipeline.workbook import writer

    out = tmp_path / "out"
    write_outputs(clean, out)
    report = out / "1275_2018_konsolidasi.xlsx"
    before = report.read_bytes()
    original = writer.write_ringkasan

    def interrupted(*args, **kwargs):
        original(*args, **kwargs)
        raise KeyboardInterrupt  # the secretariat pressed Ctrl+C while the file was written

    monkeypatch.setattr(writer, "write_ringkasan", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_outputs(run_pemda(spec, INPUT_DIR), out)
    assert report.read_bytes() == before
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_rerun_with_one_corrected_file(spec: MasterSpec, clean: Run, tmp_path: Path) -> None:
    folder = tmp_path / "input_xlsx"
    shutil.copytree(INPUT_DIR, folder)
    again = run_pemda(spec, folder)
    pd.testing.assert_frame_equal(
        again.results.indikator[RESULT_COLS], clean.results.indikator[RESULT_COLS]
    )
    from tests.broken_files import COL as column
    from tests.broken_files import _edit, _row

    corrected = folder / "Dinas Kesehatan - revisi.xlsx"
    shutil.copy(SOURCE, corrected)

    def fix(wb):
        ws = wb["Indikator"]
        ws[f"{column['realisasi_tahunan']}{_row(ws, 'IK07.20')}"] = 70.0
        return ""

    _edit(corrected, fix)
    _stamp(corrected, "2019-02-10T09:00:00Z")
    run = run_pemda(spec, folder)
    before = clean.results.indikator.set_index("kode_indikator")
    after = run.results.indikator.set_index("kode_indikator")
    changed = [
        k
        for k in before.index
        if not (
            before.loc[k, "capaian_mentah"] == after.loc[k, "capaian_mentah"]
            or (
                pd.isna(before.loc[k, "capaian_mentah"])
                and pd.isna(after.loc[k, "capaian_mentah"])
            )
        )
    ]
    assert changed == ["IK07.20"]
    dinkes = after[after["kode_opd"] == "DINKES"]
    assert set(dinkes["berkas"]) == {corrected.name}
    berkas = run.validated.berkas.set_index("berkas")
    assert berkas.loc[SOURCE.name, "status"] == schema.BERKAS_DIGANTIKAN
    assert berkas.loc[SOURCE.name, "alasan"] == (
        f"digantikan oleh {corrected.name} (disimpan 10 Februari 2019 pukul 09.00 UTC, lebih "
        "baru dari berkas ini (disimpan 25 Januari 2019 pukul 14.15 UTC))"
    )


_xml = SOURCE


def _mutated(tmp: Path, data: bytes, how: str, where: int, junk: bytes) -> Path:
    path = tmp / "fuzz.xlsx"
    if how == "bytes":
        pos = where % len(data)
        path.write_bytes(data[:pos] + junk + data[pos + len(junk) :])
    elif how == "truncate":
        path.write_bytes(data[: where % len(data)])
    else:
        with zipfile.ZipFile(SOURCE) as zin, zipfile.ZipFile(path, "w") as zout:
            for info in zin.infolist():
                body = zin.read(info.filename)
                if info.filename == "xl/worksheets/sheet2.xml":
                    pos = where % len(body)
                    body = body[:pos] + junk + body[pos:]
                zout.writestr(info.filename, body)
    return path


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    how=st.sampled_from(["bytes", "truncate", "xml"]),
    where=st.integers(min_value=0, max_value=10**6),
    junk=st.binary(min_size=1, max_size=64),
)
def test_fuzzed_template_gives_a_result_or_a_clear_issue(
    spec: MasterSpec, tmp_path: Path, how: str, where: int, junk: bytes
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one folder per example
    _mutated(folder, SOURCE.read_bytes(), how, where, junk)
    run = run_pemda(spec, folder, limits=Limits(seconds=20))
    (rec,) = run.validated.berkas.to_dict("records")
    if rec["status"] == schema.BERKAS_DITOLAK:
        errors = run.issues[
            (run.issues["file"] == "fuzz.xlsx") & (run.issues["severity"] == ERROR)
        ]
        assert len(errors) >= 1 and all(errors["message"].str.len() > 20)
    else:
        assert rec["status"] in schema.BERKAS_DIPAKAI
        assert (run.results.indikator["berkas"] == "fuzz.xlsx").any()


def test_one_reading_serves_several_folders_each_with_its_own_files(tmp_path: Path) -> None:
    """A national batch reads the files of all its Pemda with one reading: each folder gets
    exactly its own files, as its own reading would give them, a file killing the reader is
    that file's error only, and cancelling one folder's part stops nothing."""
    folders = []
    for name, count in (("a", 2), ("b", 3), ("c", 2)):
        inbox = tmp_path / name / "input_xlsx"
        inbox.mkdir(parents=True)
        for i in range(count):
            shutil.copy(SOURCE, inbox / f"{name}{i} Dinkes.xlsx")
        folders.append(inbox)
    (folders[0] / "catatan.txt").write_text("bukan templat", encoding="utf-8")
    with_reader_killer(tmp_path / "b", "b9 sel terjauh.xlsx")

    reading, ingests = start_ingests(folders, Limits(workers=1, batch=8))
    ingests[0].cancel()  # a part alone: the others are read all the same
    got = [ingest.result() for ingest in ingests]
    reading.cancel()
    assert len(reading.files) == 2 + 4 + 2  # the .txt is listed, not read
    for folder, (subs, ignored) in zip(folders, got, strict=True):
        alone, alone_ignored = start_ingest(folder, Limits(workers=1)).result()
        assert [s.path for s in subs] == [s.path for s in alone]
        assert [s.sha256 for s in subs] == [s.sha256 for s in alone]
        assert [[i.rule for i in s.issues] for s in subs] == [
            [i.rule for i in s.issues] for s in alone
        ]
        assert ignored == alone_ignored
    assert [p.name for p, _, _ in got[0][1]] == ["catatan.txt"]
    by_name = {s.name: s for s in got[1][0]}
    assert [i.rule for i in by_name["b9 sel terjauh.xlsx"].issues] == ["berkas.pembaca_gagal"]
    assert all(_clean(s) for subs, _ in got for s in subs if s.name != "b9 sel terjauh.xlsx")


def test_a_name_that_hides_or_reverses_characters_is_shown_as_it_is(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """'ORG \\u202egnp.xlsx' shows as 'ORG xslx.png' and zero-width characters make two names
    look alike: the register writes each such character as \\uNNNN."""
    folder = tmp_path / "masuk"
    folder.mkdir()
    spoof, hidden = folder / "ORG \u202egnp.xlsx", folder / "EKO\u200b\ufeff.xlsx"
    shutil.copy(SOURCE, spoof)
    shutil.copy(SOURCE, hidden)
    run = run_pemda(spec, folder)
    names = set(run.validated.berkas["berkas"])
    assert names == {"ORG \\u202egnp.xlsx", "EKO\\u200b\\ufeff.xlsx"}


def test_a_dying_reader_leaves_the_terminal_clean(tmp_path: Path) -> None:
    """A file whose reader dies (a cell at XFD1048576: the reader library tries to allocate
    512 GB) printed the library's last words on the clerk's terminal, with RUST_BACKTRACE=1 a
    139-line Rust backtrace. Only the command's own lines remain; the file is refused."""
    from tests.conftest import SPEC_PATH, run_cli
    from tests.national_roots import KILLER, with_reader_killer

    folder = tmp_path / "pemda"
    (folder / "input_xlsx").mkdir(parents=True)
    shutil.copy(SOURCE, folder / "input_xlsx" / SOURCE.name)
    with_reader_killer(folder)
    env = {**os.environ, "RUST_BACKTRACE": "1"}
    result = run_cli(
        "check", "--spec", str(SPEC_PATH), "--input", str(folder / "input_xlsx"), env=env
    )
    assert result.returncode == 0, result.stderr
    assert f"{KILLER}: Pembaca berkas berhenti mendadak" in result.stdout
    noise = [line for line in result.stderr.splitlines() if not line.startswith("[")]
    assert noise == [], result.stderr[:500]
