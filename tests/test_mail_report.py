"""`make report` and `make check` with messages saved as files in the input folder, and with a
ledger that cannot be read."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.mail import ledger
from tests.conftest import INPUT_DIR, SPEC_PATH, read_sheet, run_cli, run_report
from tests.mail_servers import make_eml

DINKES = "Dinas Kesehatan - Capaian Kinerja 2018.xlsx"
BKD = "Badan Kepegawaian Daerah - Capaian Kinerja 2018.xlsx"
WIB = dt.timezone(dt.timedelta(hours=7))


def _eml(sender: str, name: str, sent: dt.datetime, received: str = "") -> bytes:
    raw = make_eml(
        sender,
        f"Capaian {name}",
        [(name, (INPUT_DIR / name).read_bytes())],
        sent,
        f"<{abs(hash(name))}@uji.example>",
    )
    return raw.replace(b"From: ", f"Received: by mx.pemda.example; {received}\nFrom: ".encode(),
                       1) if received else raw  # fmt: skip


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, str]:
    """A folder with one workbook saved by hand and one message dragged from a mail client;
    `report` is run on it directly (no `ambil`)."""
    root = tmp_path_factory.mktemp("eml")
    folder, output = root / "input_xlsx", root / "output"
    folder.mkdir()
    shutil.copy(INPUT_DIR / BKD, folder / BKD)
    (folder / "Surat Dinkes.eml").write_bytes(
        _eml("dinkes@binjaikota.example", DINKES, dt.datetime(2019, 2, 16, 8, 0, tzinfo=WIB),
             "Sat, 16 Feb 2019 08:01:00 +0700")
    )  # fmt: skip
    result = run_report(folder, output)
    assert result.returncode == 0, result.stderr
    return folder, output, result.stdout, result.stderr


def test_report_opens_message_files_dropped_into_the_folder(reported) -> None:
    folder, output, out, _ = reported
    assert "1 pesan surel di folder masukan dibuka; lampiran: 1 disimpan" in out
    saved = f"20190216-010100_DINKES_{DINKES}"
    assert sorted(p.name for p in folder.iterdir()) == sorted([BKD, "Surat Dinkes.eml", saved])
    (row,) = ledger.read_ledger(folder)
    assert (row.sumber, row.asal, row.nama_simpan, row.diterima) == (
        "eml",
        "Surat Dinkes.eml",
        saved,
        "2019-02-16T01:01:00Z",
    )
    workbook = output / "1275_2018_konsolidasi.xlsx"
    berkas = read_sheet(workbook, "Berkas").set_index("Berkas")
    assert berkas.loc["Surat Dinkes.eml", "Status"] == "diabaikan"
    assert berkas.loc["Surat Dinkes.eml", "Alasan"] == (
        f"pesan surel dari dinkes@binjaikota.example; lampiran: {DINKES} → {saved}"
    )
    assert berkas.loc[saved, "Status"].startswith("diterima")
    assert berkas.loc[saved, "Pengirim Surel"] == "dinkes@binjaikota.example"
    assert pd.isna(berkas.loc[BKD, "Pengirim Surel"])  # placed by hand
    kel = read_sheet(workbook, "Kelengkapan").set_index("Kode OPD")
    # received the day after the deadline (15 February) although saved in January
    assert kel.loc["DINKES", "Status Pengiriman"] == "terlambat"
    assert kel.loc["DINKES", "Diterima lewat Surel (UTC)"] == dt.datetime(2019, 2, 16, 1, 1)
    assert kel.loc["BKD", "Status Pengiriman"] == "tepat waktu"


def test_a_second_report_opens_nothing_again(reported) -> None:
    folder, output, _, _ = reported
    result = run_report(folder, output)
    assert result.returncode == 0, result.stderr
    assert "pesan surel di folder masukan dibuka" not in result.stdout
    assert len(ledger.read_ledger(folder)) == 1


def _corrected(folder: Path, realisasi: float) -> bytes:
    """The Dinas Kesehatan file with the realisation of IK07.02 (Angka Harapan Hidup) changed."""
    from pipeline import template as tpl
    from tests.broken_files import COL, _edit, _row

    path = folder / DINKES
    shutil.copy(INPUT_DIR / DINKES, path)

    def change(wb) -> str:
        ws = wb[tpl.SHEET_INDIKATOR]
        ref = f"{COL['realisasi_tahunan']}{_row(ws, 'IK07.02')}"
        ws[ref] = realisasi
        return ref

    _edit(path, change)
    return path.read_bytes()


def test_first_run_says_there_is_nothing_to_compare(reported) -> None:
    out = reported[2]
    section = out[out.index("Perubahan sejak proses sebelumnya:") : out.index("Keluaran:")]
    assert section.splitlines() == [
        "Perubahan sejak proses sebelumnya:",
        "  Belum ada proses sebelumnya di folder keluaran: ini proses pertama, tidak ada "
        "pembanding.",
    ]


def test_perubahan_lists_new_files_and_changed_indicators(reported, tmp_path) -> None:
    """A corrected file arrives by mail: the sheet and the console say what it changed."""
    folder, output = tmp_path / "input_xlsx", tmp_path / "output"
    shutil.copytree(reported[0], folder)
    shutil.copytree(ledger.ledger_dir(reported[0]), ledger.ledger_dir(folder))
    shutil.copytree(reported[1], output)
    raw = make_eml(
        "dinkes@binjaikota.example",
        "Perbaikan",
        [(DINKES, _corrected(tmp_path, 50))],
        dt.datetime(2019, 2, 17, 9, 0, tzinfo=WIB),
        "<perbaikan@uji.example>",
    )
    (folder / "Perbaikan.eml").write_bytes(raw)  # fmt: skip
    result = run_report(folder, output)
    assert result.returncode == 0, result.stderr
    first, newer = f"20190216-010100_DINKES_{DINKES}", f"20190217-020000_DINKES_{DINKES}"
    out = result.stdout
    section = out[out.index("Perubahan sejak proses sebelumnya:") : out.index("Keluaran:")]
    assert section.splitlines() == [
        "Perubahan sejak proses sebelumnya:",
        "  Berkas baru, berubah atau hilang: 2",
        "    [baru] - Perbaikan.eml (diabaikan)",
        f"    [baru] DINKES {newer} (diterima dengan peringatan; sebelumnya dipakai {first})",
        "  Indikator berubah: 1",
        "    IK07.02 (DINKES): realisasi 71,67 → 50; capaian 99,32% → 69,29%; predikat Sangat "
        "Tinggi → Sedang",
    ]
    wb = openpyxl.load_workbook(output / "1275_2018_konsolidasi.xlsx")
    ws = wb["Perubahan"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    files = rows[rows.index(next(r for r in rows if r[0] == "Perubahan")) + 1 :][:2]
    assert [[*r[:4], r[5], r[9]] for r in files] == [
        ["baru", "Perbaikan.eml", None, "diabaikan", None, None],
        ["baru", newer, "DINKES", "diterima dengan peringatan", first,
         "dinkes@binjaikota.example"],
    ]  # fmt: skip
    assert files[1][11] == dt.datetime(2019, 2, 17, 2, 0)  # a date cell
    header = next(i for i, r in enumerate(rows) if r[0] == "Kode Indikator")
    (changed,) = [r for r in rows[header + 1 :] if r[0]]
    assert changed[:4] == ["IK07.02", "Angka Harapan Hidup", "DINKES", "tahun"]
    assert changed[4:7] == [71.67, 50, pytest.approx(71.67 / 72.16 * 100)]
    assert changed[7] == pytest.approx(50 / 72.16 * 100)
    # the change of the two capaian as shown: 69,29 − 99,32 (not the unrounded −30,0305)
    assert changed[8] == pytest.approx(69.29 - 99.32, abs=1e-9)
    assert changed[9:13] == ["Sangat Tinggi", "Sedang", "dinilai", "dinilai"]
    formats = [ws.cell(header + 2, col).number_format for col in (5, 6, 7, 8, 9)]
    assert formats == ["[$-421]#,##0.00"] * 5  # numbers, the indicator's two decimals

    again = run_report(folder, output)  # nothing new since this run
    assert "  Berkas baru, berubah atau hilang: 0\n  Indikator berubah: 0" in again.stdout


def test_check_lists_an_unopened_message_file_and_writes_nothing(reported, tmp_path) -> None:
    folder = tmp_path / "input_xlsx"
    shutil.copytree(reported[0], folder)
    shutil.copytree(ledger.ledger_dir(reported[0]), ledger.ledger_dir(folder))
    (folder / "Renamed.eml").write_bytes((folder / "Surat Dinkes.eml").read_bytes())
    (folder / "Baru.eml").write_bytes(
        _eml("bkd@binjaikota.example", BKD, dt.datetime(2019, 1, 30, tzinfo=WIB))
    )
    before = sorted(p.name for p in folder.iterdir())
    result = run_cli(
        "check", "--spec", str(SPEC_PATH), "--input", str(folder), "--output", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == before
    lines = [line for line in result.stdout.splitlines() if "Baru.eml" in line]
    assert len(lines) == 1 and lines[0].startswith("[WARNING] - Baru.eml: Berkas pesan surel")
    assert "Renamed.eml" not in result.stdout  # the same message under another name: taken in
    assert len(ledger.read_ledger(folder)) == 1


def test_an_unreadable_ledger_is_a_warning_and_the_files_still_count(reported, tmp_path) -> None:
    folder = tmp_path / "input_xlsx"
    shutil.copytree(reported[0], folder)
    ledger.ledger_path(folder).parent.mkdir()
    ledger.ledger_path(folder).write_bytes(b"bukan basis data " * 100)
    result = run_report(folder, tmp_path / "output")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Pesan surel di folder masukan tidak dibuka." in result.stderr
    workbook = tmp_path / "output" / "1275_2018_konsolidasi.xlsx"
    issues = read_sheet(workbook, "Validasi")
    problem = issues[issues["Aturan"] == "kiriman.buku_tidak_terbaca"]
    assert problem["Tingkat"].tolist() == ["WARNING"]
    assert "input_xlsx_surat/buku_kiriman.sqlite tidak dapat dibaca" in problem["Pesan"].iloc[0]
    kel = read_sheet(workbook, "Kelengkapan").set_index("Kode OPD")
    assert kel.loc["DINKES", "Status Pengiriman"] == "tepat waktu"  # by its own save time


def test_a_reply_says_when_a_late_file_was_received(spec) -> None:
    from pipeline.mail.reply import _body

    accepted = [
        {"berkas": "a.xlsx", "status": "diterima", "diterima": "2019-02-20T09:18:00Z"},
        {"berkas": "b.xlsx", "status": "diterima", "diterima": ""},  # placed by hand
    ]
    body = _body(spec, "Dinas Perhubungan", accepted, {"a.xlsx": "Dishub.xlsx"}, (0, 0, 1),
                 "umpan_balik_DISHUB.xlsx", "15 Februari 2019")  # fmt: skip
    assert (
        "- Dishub.xlsx (diterima; surel diterima 20 Februari 2019, setelah batas pengumpulan "
        "15 Februari 2019)\n- b.xlsx (diterima)\n"
    ) in body


def test_a_fifo_or_link_named_like_a_message_is_never_opened(spec, tmp_path) -> None:
    """Reading a FIFO blocks for ever and a link may lead out of the folder: neither is opened
    by `report` (looking for message files) nor by `ambil`."""
    import os
    import threading

    from pipeline.mail import intake

    folder = tmp_path / "input_xlsx"
    folder.mkdir()
    os.mkfifo(folder / "surat.eml")
    outside = tmp_path / "rahasia.eml"
    outside.write_bytes(_eml("dinkes@binjaikota.example", DINKES, dt.datetime(2019, 2, 1)))
    (folder / "tautan.eml").symlink_to(outside)
    found: list[object] = []

    def work() -> None:
        found.append(intake.pending_message_files(folder))
        found.append(intake.ambil(spec, folder, env={}).messages)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(60)
    assert found == [[], 0]
    assert not ledger.read_ledger(folder)


def test_lateness_is_decided_on_the_pemdas_clock(spec) -> None:
    """Receipt and save times are kept in UTC; the deadline is a day of the Pemda's calendar."""
    from pipeline.completeness import is_late, local_time
    from pipeline.mail.reply import _body

    # 16:30 UTC on the deadline day is 23:30 WIB (in time) but 00:30 WITA the next day (late)
    assert not is_late("2019-02-15T16:30:00Z", "2019-02-15", "WIB")
    assert is_late("2019-02-15T16:30:00Z", "2019-02-15", "WITA")
    assert local_time("2019-02-15T18:00:00Z", "WIB") == "2019-02-16T01:00:00"
    assert not is_late("2019-02-15T23:59:00", "2019-02-15", "WIB")  # no offset: already local
    accepted = [{"berkas": "a.xlsx", "status": "diterima", "diterima": "2019-02-15T18:00:00Z"}]
    body = _body(spec, "Dinas Perhubungan", accepted, {}, (0, 0, 0), "u.xlsx", "15 Februari 2019")
    assert "surel diterima 16 Februari 2019, setelah batas pengumpulan 15 Februari 2019" in body


def test_a_mailed_file_without_meta_never_speaks_for_the_opd_its_name_names(
    spec, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """DINKES's mailbox sends Dinas Pendidikan's workbook, named for it, with its _meta sheet
    deleted: the refused file is DINKES's (the mailbox it came from), not DISDIK's, whose
    feedback would otherwise say it sent a file that could not be used."""
    from pipeline.mail import intake
    from pipeline.run import load_and_run

    folder = tmp_path / "masuk"
    shutil.copytree(INPUT_DIR, folder)
    (folder / "Dinas Pendidikan - Capaian Kinerja 2018.xlsx").unlink()
    bare = tmp_path / "bare.xlsx"  # DISDIK's own workbook, mailed from DINKES's address
    wb = openpyxl.load_workbook(INPUT_DIR / "Dinas Pendidikan - Capaian Kinerja 2018.xlsx")
    del wb["_meta"]
    wb.save(bare)
    name = "Dinas Pendidikan - Capaian Kinerja 2018.xlsx"
    sent = dt.datetime(2019, 1, 21, 8, 1, tzinfo=WIB)
    (folder / "kiriman.eml").write_bytes(
        make_eml(
            "dinkes@binjaikota.example", "Laporan", [(name, bare.read_bytes())], sent, "<m@x>"
        )
    )
    intake.open_message_files(spec, folder)
    run, issues = load_and_run(SPEC_PATH, folder)
    assert run is not None, issues
    berkas = run.validated.berkas.set_index("berkas")
    saved = next(b for b in berkas.index if b.endswith(name))
    assert berkas.loc[saved, "kode_opd"] == "DINKES"
    assert "DISDIK" not in set(berkas["kode_opd"])  # DISDIK has sent nothing


def test_a_date_no_calendar_holds_neither_stops_the_report_nor_loses_the_file(
    tmp_path: Path,
) -> None:
    """A message whose clock says the last hour of year 9999 (at UTC, or at -12:00: no UTC
    date at all) is taken in like any other; the report runs."""
    folder, output = tmp_path / "input_xlsx", tmp_path / "output"
    folder.mkdir()
    shutil.copy(INPUT_DIR / BKD, folder / BKD)
    sent = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)
    (folder / "Dinkes.eml").write_bytes(_eml("dinkes@binjaikota.example", DINKES, sent))
    (folder / "Dinkes lagi.eml").write_bytes(
        _eml("dinkes@binjaikota.example", DINKES, sent, "Fri, 31 Dec 9999 23:00:00 -1200")
    )
    result = run_report(folder, output)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    saved = [r for r in ledger.read_ledger(folder) if r.status == ledger.DISIMPAN]
    assert [r.kode_opd for r in saved] == ["DINKES"]
    kel = read_sheet(output / "1275_2018_konsolidasi.xlsx", "Kelengkapan").set_index("Kode OPD")
    assert kel.loc["DINKES", "Berkas Dipakai"] == saved[0].nama_simpan


def test_a_message_file_whose_name_is_not_utf8_is_opened(tmp_path: Path) -> None:
    """An .eml whose name holds a byte that is not UTF-8 (copied from an old USB stick)
    stopped `report` and `ambil` with a traceback (SQLite refused the name); it is opened and
    recorded with its name written out."""
    folder, output = tmp_path / "input_xlsx", tmp_path / "output"
    folder.mkdir()
    shutil.copy(INPUT_DIR / BKD, folder / BKD)
    raw = _eml("dinkes@binjaikota.example", DINKES, dt.datetime(2019, 2, 1, 9, tzinfo=WIB))
    (Path(os.fsdecode(bytes(folder) + b"/Surat Dinkes \xe9.eml"))).write_bytes(raw)
    result = run_report(folder, output)
    assert result.returncode == 0, result.stderr
    assert [m.asal for m in ledger.read_messages(folder)] == ["Surat Dinkes \\xe9.eml"]
    kel = read_sheet(output / "1275_2018_konsolidasi.xlsx", "Kelengkapan").set_index("Kode OPD")
    assert kel.loc["DINKES", "Pengirim Surel"] == "dinkes@binjaikota.example"
