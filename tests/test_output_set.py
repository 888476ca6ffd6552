"""The outputs of a run are one set: written whole or not at all, one run at a time, and a run
that cannot start says why in one sentence with its documented exit code."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from pipeline import atomic, cli
from pipeline.master import MasterSpec
from pipeline.run import Run, run_pemda
from tests import pemda_contoh as contoh
from tests.conftest import INPUT_DIR, ROOT, SPEC_PATH, read_sheet, run_report

EXTRA = "Dinas Kesehatan - salinan.xlsx"


def _inputs(tmp: Path, extra: bool) -> Path:
    """The shipped inputs, with one more (older) file when ``extra``: two sets told apart."""
    folder = tmp / ("masukan_b" if extra else "masukan_a")
    if not folder.exists():
        shutil.copytree(INPUT_DIR, folder)
        if extra:
            from tests.hostile_files import _older_copy

            _older_copy(INPUT_DIR / "Dinas Kesehatan - Capaian Kinerja 2018.xlsx", folder / EXTRA)
    return folder


def assert_one_set(out: Path) -> int:
    """The output folder holds one complete set; returns how many input files it reports."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["berkas"] for f in manifest["berkas_masukan"]}
    for rel in [*manifest["keluaran"].values(), *manifest["umpan_balik"]]:
        assert (out / rel).is_file(), rel
    assert sorted(p.name for p in (out / "umpan_balik").iterdir()) == sorted(
        Path(p).name for p in manifest["umpan_balik"]
    )
    berkas = read_sheet(out / manifest["keluaran"]["workbook"], "Berkas")
    assert set(berkas["Berkas"]) == listed
    issues = pd.read_csv(out / "validasi.csv", dtype=str, keep_default_na=False)
    assert set(issues["file"]) - {"", SPEC_PATH.name} <= listed
    assert (EXTRA in listed) == (EXTRA in set(issues["file"]))
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    return len(listed)


def _leftovers(out: Path) -> list[str]:
    return [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.baru-")]


@pytest.mark.parametrize("after", [1.0, 3.0, 5.0])
def test_a_run_killed_at_any_moment_leaves_one_whole_set(tmp_path: Path, after: float) -> None:
    out = tmp_path / "keluaran"
    first = run_report(_inputs(tmp_path, extra=False), out)
    assert first.returncode == 0, first.stderr
    (out / "templat").mkdir()
    (out / "templat" / "catatan.txt").write_text("milik pengguna", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "report", "--spec", str(SPEC_PATH), "--input",
         str(_inputs(tmp_path, extra=True)), "--output", str(out)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(after)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert assert_one_set(out) in (31, 32)
    again = run_report(_inputs(tmp_path, extra=True), out)
    assert again.returncode == 0, again.stderr
    assert assert_one_set(out) == 32
    assert not _leftovers(out)
    assert (out / "templat" / "catatan.txt").read_text(encoding="utf-8") == "milik pengguna"


def _write(run: Run, out: str, wait: float, queue: mp.Queue) -> None:
    from pipeline.outputs import write_outputs

    try:
        with atomic.output_lock(Path(out), wait):
            write_outputs(run, Path(out))
        queue.put("ok")
    except atomic.Busy:
        queue.put("sibuk")


def test_concurrent_runs_never_mix_their_outputs(spec: MasterSpec, tmp_path: Path) -> None:
    runs = [run_pemda(spec, _inputs(tmp_path, extra=e)) for e in (False, True)]
    out = tmp_path / "keluaran"
    ctx = mp.get_context("fork")
    for round_ in range(20):
        queue: mp.Queue = ctx.Queue()
        procs = [ctx.Process(target=_write, args=(r, str(out), 120.0, queue)) for r in runs]
        if round_ % 2:
            procs.reverse()
        for p in procs:
            p.start()
        for p in procs:
            p.join(180)
        assert [queue.get(timeout=5) for _ in procs] == ["ok", "ok"], round_
        assert assert_one_set(out) in (31, 32), round_
        assert not _leftovers(out)


def test_a_second_run_is_refused_while_one_holds_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "keluaran"
    with atomic.output_lock(out):
        result = run_report(_inputs(tmp_path, extra=False), out)
    assert result.returncode == cli.EXIT_BUSY
    assert f"PID {os.getpid()}" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def _refused(result: subprocess.CompletedProcess[str], code: int, words: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("[")]
    assert len(lines) == 1 and words in lines[0], result.stderr  # one sentence (spec notes aside)


def test_bad_input_paths_are_refused_and_keep_the_last_outputs(tmp_path: Path) -> None:
    out = tmp_path / "keluaran"
    assert run_report(_inputs(tmp_path, extra=False), out).returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    empty = tmp_path / "kosong"
    empty.mkdir()
    a_file = tmp_path / "berkas.txt"
    a_file.write_text("x", encoding="utf-8")
    _refused(run_report(tmp_path / "tidak-ada", out), cli.EXIT_INPUT, "tidak ada")
    _refused(run_report(empty, out), cli.EXIT_INPUT, "kosong")
    _refused(run_report(a_file, out), cli.EXIT_INPUT, "bukan folder")
    _, other_pemda = contoh.build(tmp_path / "sukamaju")  # the inputs of another Pemda and year
    _refused(run_report(other_pemda, out), cli.EXIT_MISMATCH, "periksa --spec dan --input")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_an_output_folder_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "berkas"
    blocker.write_text("x", encoding="utf-8")
    result = run_report(_inputs(tmp_path, extra=False), blocker / "keluaran")
    _refused(result, cli.EXIT_OUTPUT, f"bagian jalurnya {blocker} adalah sebuah berkas")


def test_a_full_disk_keeps_the_last_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline import outputs

    out = tmp_path / "keluaran"
    args = ["report", "--spec", str(SPEC_PATH), "--input", str(_inputs(tmp_path, False))]
    assert cli.main([*args, "--output", str(out)]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    real = outputs._write_set

    def full(*args: object) -> dict[str, Path]:
        real(*args)  # the whole set written into the staging folder, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "_write_set", full)
    assert cli.main([*args, "--output", str(out)]) == cli.EXIT_OUTPUT
    err = capsys.readouterr().err
    lines = [line for line in err.strip().splitlines() if not line.startswith("[")]
    assert len(lines) == 1 and "disk penuh" in lines[0], err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not _leftovers(out)


def test_every_output_folder_gets_a_normal_folders_mode(report_dir: Path) -> None:
    """The feedback folder was built in a private temporary folder (0700) and kept that mode:
    a colleague who could open the workbook beside it could not open the feedback files."""
    mask = os.umask(0)
    os.umask(mask)
    folders = [p for p in report_dir.rglob("*") if p.is_dir()]
    assert {"umpan_balik", "charts"} <= {p.name for p in folders}
    assert {p.name: p.stat().st_mode & 0o777 for p in folders} == {
        p.name: 0o777 & ~mask for p in folders
    }
    # the output folder itself existed (a private test folder): it keeps its own mode
    assert report_dir.stat().st_mode & 0o777 == 0o700


def test_a_rerun_keeps_the_modes_the_secretariat_gave_its_folders(tmp_path: Path) -> None:
    """Each run put in a folder with the default mode: a DRAFT folder made private (0750, its
    feedback 0700) became readable by everyone."""
    out = tmp_path / "keluaran"
    assert run_report(INPUT_DIR, out).returncode == 0
    out.chmod(0o750)
    (out / "umpan_balik").chmod(0o700)
    assert run_report(INPUT_DIR, out).returncode == 0
    assert out.stat().st_mode & 0o777 == 0o750
    assert (out / "umpan_balik").stat().st_mode & 0o777 == 0o700
    assert (out / "charts").stat().st_mode & 0o777 == 0o777 & ~atomic._umask()


_WITHOUT_PANDAS = """
import importlib.abc, runpy, sys
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Hide())
sys.argv = ["pipeline", "report"]
runpy.run_module("pipeline", run_name="__main__", alter_sys=True)
"""


def test_a_python_without_the_libraries_gets_one_sentence(tmp_path: Path) -> None:
    """Run with an interpreter that lacks a library (the system Python instead of .venv):
    one Indonesian sentence naming the library and what to do, exit code 13, no traceback."""
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_PANDAS],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 13, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Pustaka 'pandas' tidak terpasang" in lines[0] and "make setup" in lines[0]
    assert "Traceback" not in result.stderr


def test_an_output_folder_that_is_a_file_or_inside_the_inputs_is_refused(tmp_path: Path) -> None:
    """An output inside the input folder would be read back by the next run as OPD files (the
    blank templates of the feedback as submissions); a file given as the output folder would
    be replaced. Both are refused before anything is written; a link to a folder is written
    through."""
    inputs = _inputs(tmp_path, extra=False)
    listed = sorted(p.name for p in inputs.iterdir())
    _refused(run_report(inputs, inputs), cli.EXIT_OUTPUT, "di dalam folder masukan")
    _refused(run_report(inputs, inputs / "hasil"), cli.EXIT_OUTPUT, "di dalam folder masukan")
    assert sorted(p.name for p in inputs.iterdir()) == listed
    a_file = tmp_path / "catatan.txt"
    a_file.write_text("penting", encoding="utf-8")
    _refused(run_report(inputs, a_file), cli.EXIT_OUTPUT, "bukan folder")
    assert a_file.read_text(encoding="utf-8") == "penting"
    # a part of its path is that file: said so (it read 'sudah ada berkas dengan nama itu')
    _refused(
        run_report(inputs, a_file / "hasil" / "2018"),
        cli.EXIT_OUTPUT,
        f"bagian jalurnya {a_file} adalah sebuah berkas, bukan folder",
    )
    assert a_file.read_text(encoding="utf-8") == "penting"
    shared = tmp_path / "bersama"
    shared.mkdir()
    link = tmp_path / "tautan"
    link.symlink_to(shared)
    assert run_report(inputs, link).returncode == 0
    assert link.is_symlink() and (shared / "manifest.json").is_file()
    assert not _leftovers(shared)


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--batas-waktu", "0", "bukan batas waktu yang sah"),
        ("--batas-waktu", "-1", "bukan batas waktu yang sah"),
        ("--batas-waktu", "nan", "bukan batas waktu yang sah"),
        ("--batas-memori", "0", "bukan batas memori yang sah"),
        ("--tunggu", "-5", "bukan lama menunggu yang sah"),
    ],
)
def test_a_limit_that_would_refuse_every_file_is_refused_itself(
    tmp_path: Path, option: str, value: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A time limit of 0 rejected every file and blamed each OPD for it: the option itself is
    refused, before anything is read."""
    args = ["report", "--spec", str(SPEC_PATH), "--input", str(INPUT_DIR)]
    with pytest.raises(SystemExit) as ended:
        cli.main([*args, "--output", str(tmp_path / "o"), f"{option}={value}"])
    assert ended.value.code == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    with pytest.raises(SystemExit):  # a deadline that is no date, for the replies
        cli.main(
            ["balas", "--spec", str(SPEC_PATH), "--output", str(tmp_path), "--batas", "kapan"]
        )
    assert "bukan tanggal yang sah" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        ([], "PERINTAH wajib diberikan"),
        (["laporan"], "'laporan' tidak dikenal (pilihan: 'report'"),
        (["report", "--spec", "s.xlsx"], "--input, --output wajib diberikan"),
        (["check", "--spec", "s", "--input", "i", "--salah", "1"], "tidak dikenal: --salah 1"),
        (
            ["nasional", "--root", "r", "--output", "o", "--workers", "dua"],
            "'dua' bukan jumlah proses yang sah",
        ),
        (["report", "--spec"], "--spec memerlukan satu nilai"),
        # OUTPUT= given empty in make: the current folder, which a report would swap out
        (["report", "--spec", "s", "--input", "i", "--output", ""], "--output: nilainya kosong"),
        (["templates", "--spec", "s", "--output", " "], "--output: nilainya kosong"),
        (
            ["report", "--spec", "s", "--input", "i", "--output", "o", "--periode", "TW5"],
            "'TW5' bukan periode",
        ),
    ],
)
def test_a_wrong_command_line_is_one_indonesian_sentence(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing or unknown option was argparse's English usage block and ``error:`` line."""
    with pytest.raises(SystemExit) as ended:
        cli.main(argv)
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "--help" in err, err
    assert not any(english in err for english in ("usage", "error:", "required", "argument"))


def test_the_help_is_in_indonesian(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([], ["report"], ["nasional"], ["balas"]):
        with pytest.raises(SystemExit) as ended:
            cli.main([*argv, "--help"])
        assert ended.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("pemakaian: python -m pipeline") and "\nopsi:\n" in out, out
        assert "show this help" not in out and "folder" in out


def test_ctrl_c_is_one_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def stopped(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_report", stopped)
    args = ["report", "--spec", str(SPEC_PATH), "--input", str(INPUT_DIR)]
    assert cli.main([*args, "--output", str(tmp_path / "o")]) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [err[0]] and "Dihentikan (Ctrl-C)" in err[0]


def test_templates_into_a_file_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "templat"
    a_file.write_text("penting", encoding="utf-8")
    assert cli.main(["templates", "--spec", str(SPEC_PATH), "--output", str(a_file)]) == 10
    assert "bukan folder" in capsys.readouterr().err
    assert a_file.read_text(encoding="utf-8") == "penting"


def test_check_needs_no_output_folder(capsys: pytest.CaptureFixture[str]) -> None:
    """``check`` writes nothing, so it does not ask for an output folder."""
    assert cli.main(["check", "--spec", str(SPEC_PATH), "--input", str(INPUT_DIR)]) == 0
    assert "Berkas ditemukan" in capsys.readouterr().out


def test_a_refused_spec_says_what_was_found_and_what_is_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a refusal these lines are all the analyst gets: the message alone did not say that
    the cell held '≥ 80', nor what the column takes."""
    wb = openpyxl.load_workbook(SPEC_PATH)
    ws = wb["indikator"]
    column = [c.value for c in ws[1]].index("target_2018") + 1
    ws.cell(4, column).value = "≥ 80"
    spec = tmp_path / "spec.xlsx"
    wb.save(spec)
    code = cli.main(["check", "--spec", str(spec), "--input", str(INPUT_DIR)])
    assert code == 2
    line = next(x for x in capsys.readouterr().err.splitlines() if "target_2018" in x)
    assert "ditemukan: '≥ 80'" in line and "seharusnya: " in line, line


def test_a_full_disk_behind_the_xlsx_writers_own_error_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """xlsxwriter wraps a full disk's OSError in its FileCreateError: the report ended with a
    traceback and exit 1 instead of the sentence and exit code of a full disk."""
    import errno

    from xlsxwriter.exceptions import FileCreateError

    def full(*_args: object, **_kwargs: object) -> None:
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(cli, "write_outputs", full)
    out = tmp_path / "keluaran"
    code = cli.main(
        ["report", "--spec", str(SPEC_PATH), "--input", str(INPUT_DIR), "--output", str(out)]
    )
    err = capsys.readouterr().err
    assert code == cli.EXIT_OUTPUT
    assert "disk penuh" in err and "Traceback" not in err


def test_the_current_folder_or_one_holding_the_input_is_no_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A report swaps its output folder as a whole: given the folder the operator works in
    (or one holding the input folder) it replaced the repository, input files and all."""
    inputs = tmp_path / "kerja" / "input_xlsx"
    shutil.copytree(INPUT_DIR, inputs)
    monkeypatch.chdir(tmp_path / "kerja")
    before = sorted(p.name for p in (tmp_path / "kerja").iterdir())
    for output in (".", str(tmp_path)):
        code = cli.main(
            ["report", "--spec", str(SPEC_PATH), "--input", "input_xlsx", "--output", output]
        )
        assert code == cli.EXIT_OUTPUT
        assert "Pilih folder keluaran tersendiri" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "kerja").iterdir()) == before


def test_a_period_is_kept_in_one_spelling(spec: MasterSpec) -> None:
    """'tw2', 'TW 2' and 'TW II' are one period: stored as typed, a re-run of the same period
    was taken for another one and not compared with the run before."""
    assert {spec.with_periode(p).periode for p in ("tw2", " TW 2 ", "TW II", "Triwulan 2")} == {
        "TW2"
    }
    assert spec.with_periode("tahunan").periode == "Tahunan"


def test_an_output_folder_that_is_a_mount_point_is_written_entry_by_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A USB stick, a network share or a container's volume cannot be renamed: every run failed
    with 'Device or resource busy'. Its set is put in place entry by entry; what else it holds
    stays, and nothing of the staging is left."""
    out = tmp_path / "volume"
    out.mkdir()
    (out / "catatan sekretariat.txt").write_text("tetap", encoding="utf-8")
    (out / "charts").mkdir()
    (out / "charts" / "usang.png").write_bytes(b"lama")  # a file of an older set
    real = atomic._mounted
    monkeypatch.setattr(atomic, "_mounted", lambda folder: folder == out or real(folder))
    for _ in range(2):
        code = cli.main(
            ["report", "--spec", str(SPEC_PATH), "--input", str(INPUT_DIR), "--output", str(out)]
        )
        assert code == 0
    names = sorted(p.name for p in out.iterdir())
    assert "1275_2018_konsolidasi.xlsx" in names and "umpan_balik" in names
    assert (out / "catatan sekretariat.txt").read_text(encoding="utf-8") == "tetap"
    assert not (out / "charts" / "usang.png").exists()  # the charts folder is the new one
    assert not [n for n in names if ".baru-" in n]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".volume")]
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_an_input_folder_that_cannot_be_listed_is_refused_and_keeps_the_last_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An input folder without read permission was walked as one entry (the folder itself,
    'diabaikan'): a report of 132 indicators not reported, no ERROR, not a DRAFT, replaced
    the last good one with exit 0. It is refused (exit 9), nothing written."""
    out = tmp_path / "keluaran"
    folder = _inputs(tmp_path, extra=False)
    assert run_report(folder, out).returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:  # what chmod 000 does (root passes it by)
        if isinstance(path, str | os.PathLike) and Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    for command in ("report", "check"):
        extra = ["--output", str(out)] if command == "report" else []
        args = [command, "--spec", str(SPEC_PATH), "--input", str(folder), *extra]
        assert cli.main(args) == cli.EXIT_INPUT, command
        err = capsys.readouterr().err
        assert "tidak dapat dibuka (izin ditolak)" in err and "Traceback" not in err, err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_run_under_a_lower_memory_limit_still_reads_every_file(tmp_path: Path) -> None:
    """Under `ulimit -v` below the readers' own cap (1.536 MB) each reader asked for more than
    the run had, stopped before its first file, and every OPD's file was refused as broken
    (exit 0, a feedback file blaming each OPD). A reader takes the lower of the two."""
    import resource

    limit = 1200 * 1024 * 1024

    def lower() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    out = tmp_path / "keluaran"
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "report", "--spec", str(SPEC_PATH), "--input",
         str(INPUT_DIR), "--output", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, preexec_fn=lower, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    issues = pd.read_csv(out / "validasi.csv", encoding="utf-8-sig")
    assert not (issues["rule"] == "berkas.pembaca_gagal").any()


def test_every_reader_stopping_at_once_is_the_systems_limit_not_the_opds_files(
    tmp_path: Path,
) -> None:
    """When the reader of every file stops at once, the cause is the system's (a memory limit
    too small to start one), not thirty OPDs' files: one sentence and exit 13, not a report
    blaming each OPD."""
    from types import SimpleNamespace

    from pipeline import isolate
    from pipeline.run import readers_died

    paths = [tmp_path / f"{n}.xlsx" for n in range(3)]
    for path in paths:
        path.write_bytes(b"PK\x03\x04")
    dead = [isolate._died(p, p.name, 1) for p in paths]
    said = readers_died(SimpleNamespace(subs=dead))  # type: ignore[arg-type]
    assert "semua 3 berkas masukan" in said and "bukan kesalahan berkas OPD" in said
    alive = isolate._died(paths[0], paths[0].name, 1)
    alive.readable, alive.issues = True, []
    assert readers_died(SimpleNamespace(subs=[*dead[:2], alive])) == ""  # type: ignore[arg-type]
    assert readers_died(SimpleNamespace(subs=dead[:1])) == ""  # type: ignore[arg-type]


def test_a_read_only_old_set_is_removed_after_the_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An output folder the secretariat made read-only (555): the new set took its mode, and
    the old set, now the staging folder, could not be emptied; each run left one more
    `.keluaran.baru-<PID>` behind. (Root may remove anything: removal is made to refuse a
    folder without write permission, as it does for anyone else.)"""
    real = shutil.rmtree

    def rmtree(path: Any, ignore_errors: bool = False, **kw: Any) -> None:
        for root, _dirs, _files in os.walk(path):
            if not os.stat(root).st_mode & stat.S_IWUSR:
                return  # what EACCES does to a user who is not root, errors ignored
        real(path, ignore_errors=ignore_errors, **kw)

    monkeypatch.setattr(atomic.shutil, "rmtree", rmtree)
    old = tmp_path / ".keluaran.baru-1"
    (old / "charts").mkdir(parents=True)
    (old / "charts" / "a.png").write_bytes(b"x")
    (old / "manifest.json").write_text("{}", encoding="utf-8")
    (old / "charts").chmod(0o555)
    old.chmod(0o555)
    atomic.remove_tree(old)
    assert not old.exists()


def test_a_system_out_of_open_files_is_not_said_to_be_the_output_folder(tmp_path: Path) -> None:
    """Under `ulimit -n 20` the run ended 'Keluaran tidak dapat ditulis … (galat sistem 24)'
    (exit 10): the output folder was fine, the system had run out of open files. It says so,
    with exit 13, and writes nothing."""
    import resource

    def few_files() -> None:  # 14, not 20: at 20 a run on a busy machine once got through
        resource.setrlimit(resource.RLIMIT_NOFILE, (14, 14))

    out = tmp_path / "keluaran"
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "report", "--spec", str(SPEC_PATH), "--input",
         str(INPUT_DIR), "--output", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, preexec_fn=few_files,
        check=False,
    )  # fmt: skip
    assert done.returncode == cli.EXIT_ENVIRONMENT, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("Sistem menolak memberi yang diperlukan proses ini"), done.stderr
    assert "tidak dapat ditulis" not in done.stderr
    assert not out.exists() or not any(out.iterdir())
