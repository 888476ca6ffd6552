"""`ambil` against a real Dovecot IMAP server on 127.0.0.1 (started and stopped here)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import socket
import sqlite3
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import template as tpl
from pipeline.cli import main
from pipeline.mail import intake, ledger
from tests.broken_files import COL, _edit, _row, _stamp
from tests.conftest import INPUT_DIR, SPEC_PATH, read_sheet, run_cli, run_report
from tests.mail_servers import Dovecot, dovecot_available, free_port, make_eml

pytestmark = pytest.mark.skipif(
    not dovecot_available(),
    reason="dovecot is not installed (Debian package dovecot-imapd; .ci/run installs it)",
)

UTC = dt.UTC
PASSWORD = "rahasia-Sekali-123"
DINKES = "Dinas Kesehatan - Capaian Kinerja 2018.xlsx"
BKD = "Badan Kepegawaian Daerah - Capaian Kinerja 2018.xlsx"
DISHUB = "Dinas Perhubungan - Capaian Kinerja 2018.xlsx"
BPBD = "Badan Penanggulangan Bencana Daerah - Capaian Kinerja 2018.xlsx"
DLH = "Dinas Lingkungan Hidup - Capaian Kinerja 2018.xlsx"


def _file(name: str) -> bytes:
    return (INPUT_DIR / name).read_bytes()


def _at(day: int, month: int = 1, hour: int = 3) -> dt.datetime:
    return dt.datetime(2019, month, day, hour, 0, tzinfo=UTC)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def server() -> Iterator[Dovecot]:
    with Dovecot(password=PASSWORD) as dovecot:
        mails = [
            ("Dinkes <dinkes@binjaikota.example>", [(DINKES, _file(DINKES))], _at(21)),
            ("bkd@binjaikota.example", [(BKD, _file(BKD))], _at(22, hour=2)),
            # After the spec's deadline (2019-02-15): late by the server's receipt time.
            ("DISHUB@BinjaiKota.example", [(DISHUB, _file(DISHUB))], _at(20, 2, 1)),
            ("Orang Luar <orang@luar.example>", [(DLH, _file(DLH))], _at(23)),
            (
                "bpbd@binjaikota.example",
                [("kiriman.zip", _zip({BPBD: _file(BPBD), "catatan.txt": b"halo"}))],
                _at(24),
            ),
            (
                "dlh@binjaikota.example",
                [("../evil.xlsx", _file(DLH)), ("surat.pdf", b"%PDF-1.4 x")],
                _at(25),
            ),
            ("dinkes@binjaikota.example", [(DINKES, _file(DINKES))], _at(26)),  # same bytes
        ]
        for n, (sender, files, when) in enumerate(mails, start=1):
            sent = when - dt.timedelta(minutes=5)
            raw = make_eml(sender, f"Capaian kinerja {n}", files, sent, f"<m{n}@uji.example>")
            dovecot.deliver(raw, when)
        yield dovecot


@pytest.fixture(scope="module")
def first_runs(
    server: Dovecot, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[tuple[int, str, str]], list[str], list[str]]:
    """`python -m pipeline ambil` twice, as `make ambil` runs it."""
    folder = tmp_path_factory.mktemp("ambil") / "input_xlsx"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAKIP_")}
    env.update(server.env())
    before = sorted(p.relative_to(server.maildir).as_posix() for p in server.maildir.rglob("*"))
    runs = []
    for _ in range(2):
        result = run_cli("ambil", "--spec", str(SPEC_PATH), "--input", str(folder), env=env)
        runs.append((result.returncode, result.stdout, result.stderr))
    after = sorted(p.relative_to(server.maildir).as_posix() for p in server.maildir.rglob("*"))
    return folder, runs, before, after


def test_first_run_saves_known_senders_files_and_lists_the_rest(first_runs) -> None:
    folder, runs, _, _ = first_runs
    code, out, err = runs[0]
    assert code == 0, err
    assert "7 surat baru" in out
    assert "4 disimpan, 1 duplikat, 3 ditolak, 1 karantina" in out, out
    assert sorted(p.name for p in folder.iterdir()) == [
        f"20190121-030000_DINKES_{DINKES}",
        f"20190122-020000_BKD_{BKD}",
        f"20190124-030000_BPBD_{BPBD}",
        f"20190220-010000_DISHUB_{DISHUB}",
    ]
    for saved, original in [(f"20190121-030000_DINKES_{DINKES}", DINKES)]:
        assert (folder / saved).read_bytes() == _file(original)
    quarantine = ledger.quarantine_dir(folder)
    assert [p.name for p in quarantine.iterdir()] == [f"20190123-030000_orang@luar.example_{DLH}"]


def test_ledger_holds_one_row_per_attachment(first_runs) -> None:
    folder, _, _, _ = first_runs
    rows = [
        (
            r.pengirim,
            r.nama_asli,
            r.dari_zip,
            r.status,
            r.kode_opd,
            r.cara_cocok,
            r.opd_meta,
            r.opd_nama_berkas,
            r.diterima,
            r.folder,
            r.duplikat_dari,
        )
        for r in ledger.read_ledger(folder)
    ]
    dinkes_saved = f"20190121-030000_DINKES_{DINKES}"
    assert rows == [
        ("dinkes@binjaikota.example", DINKES, "", "disimpan", "DINKES", "email", "DINKES",
         "DINKES", "2019-01-21T03:00:00Z", "masukan", ""),
        ("bkd@binjaikota.example", BKD, "", "disimpan", "BKD", "email", "BKD", "BKD",
         "2019-01-22T02:00:00Z", "masukan", ""),
        ("orang@luar.example", DLH, "", "karantina", "", "", "DLH", "DLH",
         "2019-01-23T03:00:00Z", "karantina", ""),
        ("bpbd@binjaikota.example", BPBD, "kiriman.zip", "disimpan", "BPBD", "email", "BPBD",
         "BPBD", "2019-01-24T03:00:00Z", "masukan", ""),
        ("bpbd@binjaikota.example", "catatan.txt", "kiriman.zip", "ditolak", "", "", "", "",
         "2019-01-24T03:00:00Z", "", ""),
        ("dlh@binjaikota.example", "../evil.xlsx", "", "ditolak", "", "", "", "",
         "2019-01-25T03:00:00Z", "", ""),
        ("dlh@binjaikota.example", "surat.pdf", "", "ditolak", "", "", "", "",
         "2019-01-25T03:00:00Z", "", ""),
        ("dinkes@binjaikota.example", DINKES, "", "duplikat", "DINKES", "email", "DINKES",
         "DINKES", "2019-01-26T03:00:00Z", "", dinkes_saved),
        ("dishub@binjaikota.example", DISHUB, "", "disimpan", "DISHUB", "email", "DISHUB",
         "DISHUB", "2019-02-20T01:00:00Z", "masukan", ""),
    ]  # fmt: skip
    receipts = ledger.read_ledger(folder)
    assert "keluar dari folder" in receipts[5].alasan
    assert "tidak terdaftar" in receipts[2].alasan
    assert receipts[0].message_id == "<m1@uji.example>"
    assert receipts[0].dikirim == "2019-01-21T02:55:00+00:00"
    assert receipts[0].sha256 == receipts[7].sha256
    by_file = ledger.received_files(folder)
    assert sorted(by_file) == sorted(p.name for p in folder.iterdir())
    assert by_file[f"20190220-010000_DISHUB_{DISHUB}"].diterima == "2019-02-20T01:00:00Z"
    last = ledger.last_message(folder, "DINKES")
    assert last is not None and last.message_id == "<m7@uji.example>"


def test_second_run_fetches_nothing_and_changes_nothing(first_runs) -> None:
    folder, runs, before, after = first_runs
    code, out, err = runs[1]
    assert code == 0, err
    assert "Tidak ada surat baru" in out
    assert "0 surat baru dicatat" in out
    assert len(ledger.read_ledger(folder)) == 9
    assert len(list(folder.iterdir())) == 4
    # Read-only: every message is still unread in new/, nothing was moved, flagged or deleted.
    assert [p for p in before if p.startswith(("new/", "cur/"))] == [
        p for p in after if p.startswith(("new/", "cur/"))
    ]


def test_a_new_message_alone_is_fetched_later(server: Dovecot, first_runs) -> None:
    folder, _, _, _ = first_runs
    other = _file(BKD)  # BPBD sends, by mistake, the file of another OPD
    server.deliver(
        make_eml("bpbd@binjaikota.example", "Perbaikan", [(BPBD, other)], _at(1, 3), "<m8@u>"),
        _at(1, 3),
    )
    done = intake.ambil(_spec(), folder, env=server.env())
    # the bytes BKD sent are saved again for BPBD, not a 'duplikat' of BKD's file: the report
    # tells BPBD it sent another OPD's file, and its own file is never taken for BKD's copy
    assert done.messages == 1 and done.statuses == {"disimpan": 1}
    newest = ledger.read_ledger(folder)[-1]
    assert (newest.kode_opd, newest.opd_meta, newest.opd_nama_berkas) == ("BPBD", "BKD", "BPBD")
    assert (newest.duplikat_dari, newest.sha256) == ("", hashlib.sha256(other).hexdigest())
    assert newest.alasan == "_meta berkas menyebut OPD BKD, pengirim terdaftar untuk BPBD"
    server.deliver(
        make_eml("bpbd@binjaikota.example", "Lagi", [(BPBD, other + b"\n")], _at(2, 3), "<m9@u>"),
        _at(2, 3),
    )
    done = intake.ambil(_spec(), folder, env=server.env())
    assert done.messages == 1 and done.statuses == {"disimpan": 1}
    newest = ledger.read_ledger(folder)[-1]
    assert newest.nama_simpan == f"20190302-030000_BPBD_{BPBD}"
    assert newest.alasan == "_meta berkas menyebut OPD BKD, pengirim terdaftar untuk BPBD"
    assert (folder / newest.nama_simpan).read_bytes() == other + b"\n"


def _corrected_dinkes(folder: Path, realisasi: float, saved: str) -> bytes:
    """The Dinas Kesehatan file with one realisation changed and its own save time set."""
    path = folder / DINKES
    path.write_bytes(_file(DINKES))

    def change(wb) -> str:
        ws = wb[tpl.SHEET_INDIKATOR]
        ref = f"{COL['realisasi_tahunan']}{_row(ws, 'IK07.02')}"
        ws[ref] = realisasi
        return ref

    _edit(path, change)
    _stamp(path, saved)
    return path.read_bytes()


def test_report_follows_the_ledger(server: Dovecot, first_runs, tmp_path: Path) -> None:
    """Lateness and the newer file by the server's receipt time; a file whose _meta OPD is not
    its sender's is refused and replaces nothing; Kelengkapan and Berkas show the sender."""
    folder = first_runs[0]
    # Dinas Kesehatan corrects its file after the deadline, in an Excel whose clock says the
    # file was saved on 10 January: by its own save time it is older than the first file and
    # on time; by the server's receipt time it is the newer one, and late.
    corrected = _corrected_dinkes(tmp_path, 50, "2019-01-10T08:00:00Z")
    server.deliver(
        make_eml("dinkes@binjaikota.example", "Perbaikan", [(DINKES, corrected)], _at(27, 2),
                 "<m10@u>"),
        _at(27, 2),
    )  # fmt: skip
    done = intake.ambil(_spec(), folder, env=server.env())
    assert done.statuses == {"disimpan": 1}
    out = tmp_path / "output"
    result = run_report(folder, out)
    assert result.returncode == 0, result.stderr
    workbook = out / "1275_2018_konsolidasi.xlsx"

    first, newer = f"20190121-030000_DINKES_{DINKES}", f"20190227-030000_DINKES_{DINKES}"
    # BPBD mailed the file of BKD, then a copy of it changed (earlier test): both its own
    wrong_same, wrong = f"20190301-030000_BPBD_{BPBD}", f"20190302-030000_BPBD_{BPBD}"
    kel = read_sheet(workbook, "Kelengkapan").set_index("Kode OPD")
    dinkes = kel.loc["DINKES"]
    assert dinkes["Status Pengiriman"] == "terlambat"
    assert dinkes["Berkas Dipakai"] == newer
    assert dinkes["Berkas Digantikan"] == first
    assert dinkes["Pengirim Surel"] == "dinkes@binjaikota.example"
    assert dinkes["Diterima lewat Surel (UTC)"] == dt.datetime(2019, 2, 27, 3)
    assert dinkes["Disimpan (menurut berkas, UTC)"] == dt.datetime(2019, 1, 10, 8)
    assert kel.loc["BKD", "Status Pengiriman"] == "tepat waktu"  # received 22 January
    assert kel.loc["BKD", "Berkas Dipakai"] == f"20190122-020000_BKD_{BKD}"  # not replaced
    assert kel.loc["BPBD", "Berkas Dipakai"] == f"20190124-030000_BPBD_{BPBD}"
    assert kel.loc["DISHUB", "Status Pengiriman"] == "terlambat"

    berkas = read_sheet(workbook, "Berkas").set_index("Berkas")
    assert berkas.loc[wrong, "Status"] == "ditolak"
    assert berkas.loc[wrong, "Kode OPD"] == "BPBD"
    assert "sheet _meta menyebut OPD BKD" in berkas.loc[wrong, "Alasan"]
    assert berkas.loc[first, "Status"] == "digantikan"
    assert berkas.loc[newer, "Pengirim Surel"] == "dinkes@binjaikota.example"
    assert berkas.loc[first, "Diterima lewat Surel (UTC)"] == dt.datetime(2019, 1, 21, 3)

    issues = read_sheet(workbook, "Validasi")
    sender = issues[issues["Aturan"] == "kiriman.opd_pengirim"]
    assert sender[["Tingkat", "Kode OPD", "Berkas", "Sheet", "Sel"]].values.tolist() == [
        ["ERROR", "BPBD", wrong_same, "_meta", "B4"],
        ["ERROR", "BPBD", wrong, "_meta", "B4"],
    ]
    assert sender["Ditemukan"].tolist() == ["_meta: BKD; pengirim: bpbd@binjaikota.example"] * 2
    late = issues[(issues["Aturan"] == "kelengkapan.terlambat") & (issues["Kode OPD"] == "DINKES")]
    assert late["Pesan"].tolist() == [
        "Berkas diterima lewat surel 27 Februari 2019, setelah batas pengumpulan 15 Februari 2019."
    ]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rows = {r["berkas"]: r for r in manifest["berkas_masukan"]}
    assert (rows[newer]["pengirim"], rows[newer]["diterima"]) == (
        "dinkes@binjaikota.example",
        "2019-02-27T03:00:00Z",
    )


def test_password_is_written_nowhere(first_runs) -> None:
    folder, runs, _, _ = first_runs
    for _code, out, err in runs:
        assert PASSWORD not in out and PASSWORD not in err
    for path in ledger.ledger_dir(folder).rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    db = sqlite3.connect(ledger.ledger_path(folder))
    dump = "\n".join(db.iterdump())
    assert PASSWORD not in dump and "imap://sekretariat@127.0.0.1" in dump


def _spec():
    from pipeline.master import read_master

    spec, _ = read_master(SPEC_PATH)
    assert spec is not None
    return spec


def _ambil(tmp_path: Path, monkeypatch, capsys, **env: str) -> tuple[int, str, str]:
    for key in list(os.environ):
        if key.startswith("SAKIP_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code = main(["ambil", "--spec", str(SPEC_PATH), "--input", str(tmp_path / "masuk")])
    out, err = capsys.readouterr()
    return code, out, err


def _one_sentence(err: str) -> str:
    lines = [line for line in err.splitlines() if line and not line.startswith("[WARNING]")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_tls_certificate_is_checked(server: Dovecot, tmp_path, monkeypatch, capsys) -> None:
    ssl_env = server.env(SAKIP_IMAP_TLS="ssl", SAKIP_IMAP_PORT=str(server.ssl_port))
    code, _, err = _ambil(tmp_path, monkeypatch, capsys, **ssl_env)
    assert code == 6
    assert "Sertifikat TLS" in _one_sentence(err)
    code, out, err = _ambil(
        tmp_path, monkeypatch, capsys, **ssl_env, SAKIP_IMAP_CAFILE=str(server.cert)
    )
    assert code == 0, err
    assert "surat baru" in out
    starttls = server.env(SAKIP_IMAP_TLS="starttls")
    code, _, err = _ambil(tmp_path / "b", monkeypatch, capsys, **starttls)
    assert code == 6, err
    code, out, err = _ambil(
        tmp_path / "b", monkeypatch, capsys, **starttls, SAKIP_IMAP_VERIFIKASI="tidak"
    )
    assert code == 0, err
    assert "surat baru" in out


def test_environment_errors_are_one_sentence_and_an_exit_code(
    server: Dovecot, tmp_path, monkeypatch, capsys
) -> None:
    wrong = "salah-Sandi-999"
    code, out, err = _ambil(tmp_path, monkeypatch, capsys, **server.env(SAKIP_IMAP_PASSWORD=wrong))
    assert code == 7
    assert "menolak nama pengguna atau kata sandi" in _one_sentence(err)
    assert wrong not in out + err
    closed = str(free_port())
    code, _, err = _ambil(tmp_path, monkeypatch, capsys, **server.env(SAKIP_IMAP_PORT=closed))
    assert code == 5
    assert "tidak dapat dihubungi" in _one_sentence(err)
    env = server.env()
    del env["SAKIP_IMAP_PASSWORD"]
    code, _, err = _ambil(tmp_path, monkeypatch, capsys, **env)
    assert code == 4
    assert "SAKIP_IMAP_PASSWORD" in _one_sentence(err)
    code, _, err = _ambil(tmp_path, monkeypatch, capsys, **server.env(SAKIP_IMAP_TLS="ya"))
    assert code == 4
    code, _, err = _ambil(
        tmp_path, monkeypatch, capsys, **server.env(SAKIP_IMAP_FOLDER="TidakAda")
    )
    assert code == 4
    assert "TidakAda" in _one_sentence(err)
    # a server that greets, then hangs up at the first command: one sentence that says what
    # happened and that a new run goes on, exit 5 (it named only Python's 'abort')
    with _hangs_up_after_greeting() as port:
        code, _, err = _ambil(tmp_path, monkeypatch, capsys, **server.env(SAKIP_IMAP_PORT=port))
    assert code == 5
    sentence = _one_sentence(err)
    assert "terputus" in sentence and "jalankan perintah yang sama lagi" in sentence


@contextlib.contextmanager
def _hangs_up_after_greeting() -> Iterator[str]:
    """A loopback IMAP server that greets each client and closes at its first command."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def serve() -> None:
        try:
            while True:
                conn, _ = listener.accept()
                with conn:
                    conn.sendall(b"* OK IMAP4rev1 siap\r\n")
                    conn.recv(1024)
        except OSError:
            return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield str(listener.getsockname()[1])
    finally:
        listener.close()
        thread.join(5)


def test_a_message_too_big_to_download_is_recorded_with_its_sender(tmp_path, monkeypatch) -> None:
    """Only the first bytes of its header are fetched: the refusal still says who sent it."""
    from pipeline.mail import imap, intake

    with Dovecot(password=PASSWORD) as dovecot:
        raw = make_eml(
            "dinkes@binjaikota.example",
            "Laporan besar",
            [(DINKES, _file(DINKES))],
            _at(21),
            "<besar@uji.example>",
        )
        dovecot.deliver(raw, _at(21))
        monkeypatch.setattr(imap, "MAX_MESSAGE_BYTES", 2000)
        folder = tmp_path / "masuk"
        intake.ambil(_spec(), folder, env=dovecot.env())
    (surat,) = ledger.read_messages(folder)
    assert (surat.status, surat.pengirim, surat.subjek) == (
        "ditolak",
        "dinkes@binjaikota.example",
        "Laporan besar",
    )
    assert surat.alasan.startswith("surat terlalu besar") and "tidak diunduh" in surat.alasan
    assert list(folder.glob("*.xlsx")) == []


DINSOS = "Dinas Sosial - Capaian Kinerja 2018.xlsx"
DPPKB = "Dinas Pengendalian Penduduk dan Keluarga Berencana - Capaian Kinerja 2018.xlsx"
KEC_BJS = "Kecamatan Binjai Selatan - Capaian Kinerja 2018.xlsx"
DISHUB = "Dinas Perhubungan - Capaian Kinerja 2018.xlsx"


def test_what_the_intake_refused_is_told_to_the_opd_that_mailed_it(tmp_path: Path) -> None:
    """An attachment refused by `ambil` never reaches the input folder: the report still says
    so to its OPD (never "belum mengirim"), and the reply to that message is not "nothing to
    fix"."""
    from pipeline.feedback import feedback_rows
    from pipeline.mail import reply

    folder = tmp_path / "input_xlsx"
    folder.mkdir()
    for path in INPUT_DIR.glob("*.xlsx"):  # every OPD's file by hand, but these two
        if path.name not in (DINSOS, KEC_BJS, DISHUB):
            (folder / path.name).write_bytes(path.read_bytes())
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
    mails = [
        # Dinas Sosial sends a PDF only
        ("dinsos@binjaikota.example", [("Capaian Dinsos.pdf", b"%PDF-1.4\n%%EOF\n")], _at(3, 2)),
        # Dinas PPKB sends its correction as .xls: its earlier file stays the one used
        ("dppkb@binjaikota.example", [("Perbaikan DPPKB.xls", legacy)], _at(4, 2)),
        # Dinas LH sends its workbook with a cover letter: the letter is only noted
        ("dlh@binjaikota.example", [(DLH, _file(DLH)), ("Surat.pdf", b"%PDF-1.4 x")], _at(5, 2)),
        # Kecamatan Binjai Selatan sends a link, no attachment (and, earlier, a question)
        ("kecbjs@binjaikota.example", [], _at(6, 2)),
        ("kecbjs@binjaikota.example", [], _at(2, 2)),
        # Dinas Perhubungan sends a PDF, then its workbook: the PDF is past, only noted
        ("dishub@binjaikota.example", [("Capaian Dishub.pdf", b"%PDF-1.4 y")], _at(1, 2)),
        ("dishub@binjaikota.example", [(DISHUB, _file(DISHUB))], _at(2, 2)),
    ]
    with Dovecot(password=PASSWORD, tls=False) as server:
        for n, (sender, files, when) in enumerate(mails, start=1):
            raw = make_eml(sender, f"Capaian {n}", files, when, f"<tolak{n}@uji.example>")
            server.deliver(raw, when)
        done = intake.ambil(_spec(), folder, env=server.env())
    assert done.statuses == {"ditolak": 4, "duplikat": 1, "disimpan": 1}
    out = tmp_path / "output"
    result = run_report(folder, out)
    assert result.returncode == 0, result.stderr
    workbook = out / "1275_2018_konsolidasi.xlsx"
    issues = read_sheet(workbook, "Validasi")
    mailed = issues[issues["Aturan"].str.startswith("kiriman.")]
    rows = sorted(mailed[["Kode OPD", "Tingkat", "Aturan", "Ditemukan"]].values.tolist())
    assert rows == [
        ["DINSOS", "WARNING", "kiriman.lampiran_ditolak", "Capaian Dinsos.pdf"],
        ["DISHUB", "INFO", "kiriman.lampiran_ditolak", "Capaian Dishub.pdf"],
        ["DLH", "INFO", "kiriman.lampiran_ditolak", "Surat.pdf"],
        ["DPPKB", "WARNING", "kiriman.lampiran_ditolak", "Perbaikan DPPKB.xls"],
        ["KEC_BJS", "WARNING", "kiriman.tanpa_lampiran", "surel tanpa lampiran"],
    ]
    dinsos = mailed[mailed["Kode OPD"] == "DINSOS"]["Pesan"].iloc[0]
    assert dinsos.startswith(
        'Lampiran Capaian Dinsos.pdf pada surel "Capaian 1" dari dinsos@binjaikota.example '
        "(diterima 3 Februari 2019) tidak diambil: jenis lampiran .pdf tidak diterima"
    )
    assert "Kirim templat capaian kinerja OPD Anda sebagai lampiran buku kerja" in dinsos
    dishub = mailed[mailed["Kode OPD"] == "DISHUB"]["Pesan"].iloc[0]
    assert dishub.endswith(
        "Buku kerja OPD ini dari surel yang lebih baru sudah diambil; lampiran ini hanya dicatat."
    )
    link = mailed[mailed["Kode OPD"] == "KEC_BJS"]["Pesan"].iloc[0]  # the newest message only
    assert link.startswith('Surel "Capaian 4" dari kecbjs@binjaikota.example (diterima 6 Februari')
    missing = issues[issues["Aturan"] == "kelengkapan.belum_kirim"]["Kode OPD"].tolist()
    assert "DINSOS" not in missing and "KEC_BJS" in missing  # a link is no file
    kel = read_sheet(workbook, "Kelengkapan").set_index("Kode OPD")
    assert kel.loc["DINSOS", "Status Pengiriman"] == "berkas ditolak"
    assert kel.loc["KEC_BJS", "Status Pengiriman"] == "belum mengirim"
    assert kel.loc["DLH", "Status Pengiriman"] == "tepat waktu"

    replies = {r.kode_opd: r for r in reply.plan(_spec(), out, folder)}
    dppkb = replies["DPPKB"]  # it answers the .xls message: not "nothing to fix"
    assert dppkb.in_reply_to == "<tolak2@uji.example>"
    assert dppkb.attachment is not None and dppkb.warnings == 1
    assert "Tidak ada yang perlu diperbaiki" not in dppkb.body
    found = [r["Ditemukan"] for r in feedback_rows(dppkb.attachment)]
    assert "Perbaikan DPPKB.xls" in found
    assert replies["DINSOS"].attachment is not None
    assert "belum kami terima dalam keadaan dapat dipakai" in replies["DINSOS"].body


def test_bodies_are_fetched_a_few_megabytes_at_a_time(tmp_path: Path, monkeypatch) -> None:
    """A FETCH's answer is held in memory whole: big messages (scanned PDFs just under the
    size limit) are fetched a few at a time, not twenty at once."""
    from imapclient import IMAPClient

    from pipeline.mail import imap

    budget = 8 * 1024 * 1024
    monkeypatch.setattr(imap, "BATCH_BYTES", budget, raising=False)
    fetched: list[int] = []
    real_fetch = IMAPClient.fetch

    def fetch(self, messages, data, modifiers=None):
        answer = real_fetch(self, messages, data, modifiers)
        fetched.append(sum(len(v.get(b"BODY[]", b"")) for v in answer.values()))
        return answer

    monkeypatch.setattr(IMAPClient, "fetch", fetch)
    scan = os.urandom(3 * 1024 * 1024)  # about 4 MB once encoded
    with Dovecot(password=PASSWORD, tls=False) as server:
        for n in range(6):
            raw = make_eml(
                "dinkes@binjaikota.example",
                f"Pindaian {n}",
                [("LKjIP.pdf", scan + bytes([n]))],
                _at(3 + n, 2),
                f"<pindaian{n}@uji.example>",
            )
            server.deliver(raw, _at(3 + n, 2))
        done = intake.ambil(_spec(), tmp_path / "input_xlsx", env=server.env())
    assert done.messages == 6 and done.statuses == {"ditolak": 6}
    assert sum(fetched) > 6 * len(scan)  # every body was fetched …
    assert max(fetched) <= budget  # … never more than the budget at once


def _ambil_broken_then_bkd(broken: bytes, folder: Path) -> None:
    """``broken`` delivered on 3 February, BKD's good mail on the 4th, then `python -m pipeline
    ambil` as `make ambil` runs it: it must end well (and go on past the broken message)."""
    later = make_eml("bkd@binjaikota.example", "Capaian", [(BKD, _file(BKD))], _at(4, 2), "<l@u>")
    with Dovecot(password=PASSWORD, tls=False) as server:
        server.deliver(broken, _at(3, 2))
        server.deliver(later, _at(4, 2))
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAKIP_")}
        result = run_cli(
            "ambil", "--spec", str(SPEC_PATH), "--input", str(folder), env={**env, **server.env()}
        )
    assert result.returncode == 0, result.stderr


def test_a_message_dated_in_no_calendar_does_not_stop_the_mailbox(tmp_path: Path) -> None:
    """A Received: header at 31 December 9999, 23.00 at -12:00 (no UTC date) made every
    `ambil` stop with a traceback on that message, so no later mail was ever taken in."""
    folder = tmp_path / "input_xlsx"
    broken = make_eml(
        "dinkes@binjaikota.example",
        "Capaian",
        [(DINKES, _file(DINKES))],
        _at(3, 2),
        "<jam-rusak@uji.example>",
    ).replace(b"From: ", b"Received: from pc by mx; Fri, 31 Dec 9999 23:00:00 -1200\nFrom: ", 1)
    _ambil_broken_then_bkd(broken, folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        f"20190203-030000_DINKES_{DINKES}",
        f"20190204-030000_BKD_{BKD}",
    ]


def test_a_message_built_to_break_the_parser_does_not_stop_the_mailbox(tmp_path: Path) -> None:
    """MIME parts nested two thousand deep made the parser overflow its stack: every `ambil`
    stopped with a traceback on that message, so no later mail was ever taken in. It is now
    that message's refusal, recorded with its sender."""
    folder = tmp_path / "input_xlsx"
    nested = b"isi"
    for _ in range(2000):
        nested = b"Content-Type: message/rfc822\r\n\r\n" + nested
    broken = (
        b"From: dinkes@binjaikota.example\r\nSubject: Capaian\r\n"
        b"Message-ID: <bersarang@uji.example>\r\nDate: Sun, 3 Feb 2019 09:00:00 +0700\r\n" + nested
    )
    _ambil_broken_then_bkd(broken, folder)
    assert [p.name for p in folder.iterdir()] == [f"20190204-030000_BKD_{BKD}"]
    refused = [m for m in ledger.read_messages(folder) if m.status == ledger.SURAT_DITOLAK]
    assert [(m.pengirim, m.message_id) for m in refused] == [
        ("dinkes@binjaikota.example", "<bersarang@uji.example>")
    ]
    assert refused[0].alasan.startswith("surat tidak dapat dibaca (RecursionError)")


def test_raw_bytes_in_the_sender_address_do_not_stop_the_mailbox(tmp_path: Path) -> None:
    """A From: address holding raw 8-bit bytes (not UTF-8) reached the ledger as lone
    surrogates, which SQLite refuses: every `ambil` stopped with a traceback on that message.
    The bytes are now shown as U+FFFD; the sender is unknown and its file kept aside."""
    folder = tmp_path / "input_xlsx"
    broken = make_eml(
        "dinkes@binjaikota.example", "Capaian", [(DINKES, _file(DINKES))], _at(3, 2), "<b@u>"
    ).replace(b"From: dinkes@binjaikota.example", b"From: Dinkes <dink\xe9s@binjaikota.example>")
    _ambil_broken_then_bkd(broken, folder)
    assert [p.name for p in folder.iterdir()] == [f"20190204-030000_BKD_{BKD}"]
    kept = ledger.read_ledger(folder)[0]
    assert (kept.pengirim, kept.status) == ("dink\ufffds@binjaikota.example", ledger.KARANTINA)


def test_a_file_kept_aside_in_quarantine_is_shown_in_the_report(tmp_path: Path) -> None:
    """Dinas Kesehatan mails its file from a personal address the spec does not list: the file
    is kept aside, and the report (not only ambil's printout) says so, for the secretariat."""
    folder = tmp_path / "input_xlsx"
    folder.mkdir()
    for path in INPUT_DIR.glob("*.xlsx"):
        if path.name != DINKES:
            (folder / path.name).write_bytes(path.read_bytes())
    raw = make_eml(
        "Dinkes Binjai <dinkes.binjai@gmail.example>",
        "Capaian Dinkes",
        [(DINKES, _file(DINKES))],
        _at(3, 2),
        "<pribadi@uji.example>",
    )
    with Dovecot(password=PASSWORD, tls=False) as server:
        server.deliver(raw, _at(3, 2))
        done = intake.ambil(_spec(), folder, env=server.env())
    assert done.statuses == {"karantina": 1}
    out = tmp_path / "output"
    result = run_report(folder, out)
    assert result.returncode == 0, result.stderr
    issues = read_sheet(out / "1275_2018_konsolidasi.xlsx", "Validasi")
    kept = issues[issues["Aturan"] == "kiriman.karantina"]
    assert kept[["Tingkat", "Ditemukan"]].values.tolist() == [["WARNING", DINKES]]
    assert kept["Kode OPD"].isna().all()
    assert (
        f"disimpan di folder karantina buku kiriman sebagai "
        f"20190203-030000_dinkes.binjai@gmail.example_{DINKES} dan tidak dibaca: pengirim "
        "dinkes.binjai@gmail.example tidak terdaftar di kolom email master spec"
    ) in kept["Pesan"].iloc[0]


def test_refusals_from_an_unlisted_sender_and_odd_names_are_shown_in_the_report(
    tmp_path: Path,
) -> None:
    """A PDF from an address the spec does not list was refused by `ambil` and then seen
    nowhere in the report (no OPD to tell, no quarantine); it is a WARNING for the
    secretariat now. An attachment name with a right-to-left override was written as it came
    into the Validasi sheet (and the OPD's feedback file), turned around on screen: shown
    escaped now, as `ambil` shows it."""
    folder = tmp_path / "input_xlsx"
    folder.mkdir()
    for path in INPUT_DIR.glob("*.xlsx"):
        (folder / path.name).write_bytes(path.read_bytes())
    stranger = make_eml(
        "Dinkes Binjai <dinkes.binjai@gmail.example>",
        "Capaian Dinkes",
        [("Capaian Dinkes.pdf", b"%PDF-1.4 x")],
        _at(3, 2),
        "<pdf@uji.example>",
    )
    odd = make_eml(
        "dlh@binjaikota.example",
        "Capaian DLH",
        [("DLH \u202exslx.pdf", b"%PDF-1.4 y")],
        _at(4, 2),
        "<rtl@uji.example>",
    )
    with Dovecot(password=PASSWORD, tls=False) as server:
        server.deliver(stranger, _at(3, 2))
        server.deliver(odd, _at(4, 2))
        intake.ambil(_spec(), folder, env=server.env())
    out = tmp_path / "output"
    result = run_report(folder, out)
    assert result.returncode == 0, result.stderr
    issues = read_sheet(out / "1275_2018_konsolidasi.xlsx", "Validasi")
    refused = issues[issues["Aturan"] == "kiriman.lampiran_ditolak"]
    unlisted = refused[refused["Kode OPD"].isna()]
    assert unlisted[["Tingkat", "Ditemukan"]].values.tolist() == [
        ["WARNING", "Capaian Dinkes.pdf"]
    ]
    assert "dari dinkes.binjai@gmail.example" in unlisted["Pesan"].iloc[0]
    assert "tidak tercatat sebagai alamat satu OPD" in unlisted["Pesan"].iloc[0]
    dlh = refused[refused["Kode OPD"] == "DLH"]
    assert dlh["Ditemukan"].tolist() == ["DLH \\u202exslx.pdf"]
    shown = " ".join([*issues["Pesan"], *issues["Ditemukan"].fillna("")])
    assert "\u202e" not in shown
    import openpyxl

    feedback = openpyxl.load_workbook(out / "umpan_balik" / "DLH.xlsx")
    cells = [str(c.value) for ws in feedback for row in ws.iter_rows() for c in row if c.value]
    assert any("DLH \\u202exslx.pdf" in c for c in cells)
    assert not any("\u202e" in c for c in cells)
    csv = (out / "validasi.csv").read_text(encoding="utf-8-sig")
    assert "\u202e" not in csv and "DLH \\u202exslx.pdf" in csv


def test_a_message_another_mail_program_removes_meanwhile_is_skipped(
    tmp_path: Path, monkeypatch
) -> None:
    """Another program (a colleague's mail client, Gmail's web page) deletes or moves a
    message while `ambil` runs: the server no longer gives its body, and it was recorded as a
    message refused as 'too big' (0,0 MB) from nobody. It is skipped, and said so."""
    from imapclient import IMAPClient

    folder = tmp_path / "input_xlsx"
    files = [DINKES, BKD, DISHUB]
    with Dovecot(password=PASSWORD, tls=False) as server:
        for n, (name, who) in enumerate(
            zip(files, ["dinkes", "bkd", "dishub"], strict=True), start=1
        ):
            sender = f"{who}@binjaikota.example"
            raw = make_eml(sender, f"Capaian {n}", [(name, _file(name))], _at(n, 2), f"<r{n}@u>")
            server.deliver(raw, _at(n, 2))
        real_search = IMAPClient.search

        def search(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            found = real_search(self, *args, **kwargs)
            other = IMAPClient("127.0.0.1", port=server.port, ssl=False)  # another program
            other.login(server.user, server.password)
            other.select_folder("INBOX")
            other.delete_messages([2])
            other.expunge()
            other.logout()
            return found

        monkeypatch.setattr(IMAPClient, "search", search)
        lines: list[str] = []
        done = intake.ambil(_spec(), folder, env=server.env(), echo=lines.append)
    assert done.refused_messages == 0
    assert done.messages == 2 and done.statuses == {"disimpan": 2}
    assert sorted(m.message_id for m in ledger.read_messages(folder)) == ["<r1@u>", "<r3@u>"]
    assert any("Surat UID 2 hilang dari kotak surat sebelum diunduh" in line for line in lines)
