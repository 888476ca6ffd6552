"""Messages dropped as files (.eml, Outlook .msg) → ambil → report → balas to a real SMTP server.

The SMTP server is aiosmtpd, run in this process on 127.0.0.1. The .msg file is written by
aspose-email-foss (an independent MSG writer) and read by the pipeline with extract-msg.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import os
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.mail import ledger
from tests.conftest import INPUT_DIR, SPEC_PATH, run_cli, run_report
from tests.mail_servers import SmtpSink, make_eml

UTC = dt.UTC
DINKES = "Dinas Kesehatan - Capaian Kinerja 2018.xlsx"
BKD = "Badan Kepegawaian Daerah - Capaian Kinerja 2018.xlsx"
DISHUB = "Dinas Perhubungan - Capaian Kinerja 2018.xlsx"


def make_msg(path: Path, attachment: tuple[str, bytes], with_headers: bool = True) -> None:
    """An Outlook .msg as Outlook saves a received message (transport headers kept)."""
    from aspose.email_foss import msg

    m = msg.MapiMessage.create("Laporan capaian BKD 2018", "Terlampir.")
    if with_headers:
        headers = (
            "Received: from mx.binjaikota.example by imap.pemda.example; "
            "Tue, 22 Jan 2019 09:00:00 +0700\r\n"
            "From: BKD Kota <bkd@binjaikota.example>\r\n"
            "To: sakip@pemda.example\r\n"
            "Subject: Laporan capaian BKD 2018\r\n"
            "Date: Tue, 22 Jan 2019 08:55:00 +0700\r\n"
            "Message-ID: <bkd-1@binjaikota.example>\r\n\r\n"
        )
        m.set_property(msg.PropertyId.TRANSPORT_MESSAGE_HEADERS, headers)
    m.set_property(msg.PropertyId.SENDER_NAME, "BKD Kota")
    m.set_property(msg.PropertyId.SENDER_EMAIL_ADDRESS, "bkd@binjaikota.example")
    m.set_property(msg.PropertyId.INTERNET_MESSAGE_ID, "<bkd-1@binjaikota.example>")
    m.set_property(
        msg.PropertyId.MESSAGE_DELIVERY_TIME, dt.datetime(2019, 1, 22, 2, 0, tzinfo=UTC)
    )
    m.add_attachment(attachment[0], attachment[1], mime_type="application/octet-stream")
    m.save(str(path))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Three OPDs' messages dragged into the input folder, taken in, reported on."""
    root = tmp_path_factory.mktemp("balas")
    folder, output = root / "input_xlsx", root / "output"
    folder.mkdir()
    sent = dt.datetime(2019, 1, 21, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    (folder / "Laporan Dinkes.eml").write_bytes(
        make_eml(
            "Dinkes <dinkes@binjaikota.example>",
            "Laporan capaian Dinkes 2018",
            [(DINKES, (INPUT_DIR / DINKES).read_bytes())],
            sent,
            "<dinkes-1@binjaikota.example>",
        ).replace(b"From: ", b"Received: by imap.pemda.example; Mon, 21 Jan 2019 08:01:00 +0700\n"
                  b"From: ", 1)
    )  # fmt: skip
    (folder / "Dishub.eml").write_bytes(
        make_eml(
            "dishub@binjaikota.example",
            "Capaian Dishub",
            [(DISHUB, (INPUT_DIR / DISHUB).read_bytes())],
            sent,
            "<dishub-1@binjaikota.example>",
        )
    )
    make_msg(folder / "Laporan BKD.msg", (BKD, (INPUT_DIR / BKD).read_bytes()))
    first = run_cli("ambil", "--spec", str(SPEC_PATH), "--input", str(folder), env=_env())
    second = run_cli("ambil", "--spec", str(SPEC_PATH), "--input", str(folder), env=_env())
    report = run_report(folder, output)
    assert report.returncode == 0, report.stderr
    return {"folder": folder, "output": output, "ambil": (first, second)}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAKIP_")}
    env.update(extra)
    return env


def test_message_files_are_opened_with_their_own_headers(run) -> None:
    first, second = run["ambil"]
    assert first.returncode == 0, first.stderr
    assert "3 surat baru dicatat" in first.stdout
    assert "SAKIP_IMAP_HOST tidak diisi" in first.stdout
    assert "0 surat baru dicatat, 3 sudah tercatat sebelumnya" in second.stdout
    rows = {r.asal: r for r in ledger.read_ledger(run["folder"])}
    bkd = rows["Laporan BKD.msg"]
    assert (bkd.sumber, bkd.pengirim, bkd.kode_opd, bkd.status) == (
        "msg",
        "bkd@binjaikota.example",
        "BKD",
        "disimpan",
    )
    assert bkd.message_id == "<bkd-1@binjaikota.example>"
    assert bkd.dikirim == "2019-01-22T08:55:00+07:00"
    assert bkd.diterima == "2019-01-22T02:00:00Z"  # the Received header, in UTC
    assert (run["folder"] / bkd.nama_simpan).read_bytes() == (INPUT_DIR / BKD).read_bytes()
    dinkes = rows["Laporan Dinkes.eml"]
    assert (dinkes.sumber, dinkes.diterima, dinkes.opd_meta) == (
        "eml",
        "2019-01-21T01:01:00Z",
        "DINKES",
    )
    assert dinkes.nama_simpan == f"20190121-010100_DINKES_{DINKES}"
    dishub = rows["Dishub.eml"]  # no Received header: receipt unknown, named by its Date
    assert dishub.diterima == "" and dishub.nama_simpan.startswith("20190121-010000_DISHUB_")


def _balas(capsys, monkeypatch, run, *extra: str, **env: str) -> tuple[int, str, str]:
    for key in list(os.environ):
        if key.startswith("SAKIP_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    args = ["balas", "--spec", str(SPEC_PATH), "--output", str(run["output"])]
    code = main([*args, "--input", str(run["folder"]), *extra])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


def test_smtp_environment_errors(run, sink, capsys, monkeypatch) -> None:
    """Before anything was sent (otherwise no connection is needed)."""
    code, _, err = _balas(capsys, monkeypatch, run, "--kirim", **sink.env(SAKIP_SMTP_TLS="ssl"))
    assert code == 6, err
    assert sink.messages == []
    assert "TLS" in err and "Traceback" not in err
    code, _, err = _balas(capsys, monkeypatch, run, "--kirim", SAKIP_SMTP_PORT="25")
    assert code == 4
    assert "SAKIP_SMTP_HOST" in err


def test_dry_run_then_send_once_per_opd(run, sink, capsys, monkeypatch) -> None:
    manifest = json.loads((run["output"] / "manifest.json").read_text(encoding="utf-8"))
    feedback = {Path(p).stem for p in manifest["umpan_balik"]}
    assert {"DINKES", "BKD", "KESBANGPOL"} <= feedback  # KESBANGPOL: has not submitted
    # Dishub.eml has no Received: header; its Date: (21 January) is before the deadline, so the
    # file is on time although the workbook says it was saved on 20 February: no feedback, a
    # confirmation without attachment.
    assert "DISHUB" not in feedback
    replies = len(feedback) + 1
    code, out, err = _balas(capsys, monkeypatch, run, **sink.env())
    assert code == 0, err
    assert sink.messages == []
    planned = [line for line in out.splitlines() if line.startswith("[akan dikirim]")]
    assert len(planned) == replies
    assert "Uji coba: tidak ada surel yang dikirim" in out

    code, out, err = _balas(capsys, monkeypatch, run, "--kirim", **sink.env())
    assert code == 0, err
    assert f"{replies} balasan terkirim, 0 gagal." in out
    messages = [
        email.message_from_bytes(raw, policy=email.policy.default) for raw in sink.messages
    ]
    assert len(messages) == replies
    by_opd: dict[str, EmailMessage] = {}
    for msg in messages:
        if msg["To"] == "dishub@binjaikota.example":
            assert list(msg.iter_attachments()) == []
            body = msg.get_body(("plain",)).get_content()
            assert "surel diterima 21 Januari 2019)" in body
            assert "Tidak ada yang perlu diperbaiki" in body
            continue
        (att,) = list(msg.iter_attachments())
        kode = att.get_filename().removeprefix("umpan_balik_").removesuffix(".xlsx")
        assert kode not in by_opd
        by_opd[kode] = msg
        assert msg["To"] == f"{kode.lower().replace('_', '')}@binjaikota.example"
        expected = (run["output"] / "umpan_balik" / f"{kode}.xlsx").read_bytes()
        assert att.get_content() == expected
    assert set(by_opd) == feedback
    dinkes = by_opd["DINKES"]
    assert dinkes["In-Reply-To"] == "<dinkes-1@binjaikota.example>"
    assert dinkes["Subject"] == "Re: Laporan capaian Dinkes 2018"
    body = dinkes.get_body(("plain",)).get_content()
    assert "Yth. Dinas Kesehatan," in body
    assert DINKES in body  # the name it was sent under, not the saved name
    assert f"- {DINKES} (diterima dengan peringatan; surel diterima 21 Januari 2019)" in body
    assert "paling lambat 15 Februari 2019" in body
    assert by_opd["BKD"]["In-Reply-To"] == "<bkd-1@binjaikota.example>"
    assert by_opd["KESBANGPOL"]["In-Reply-To"] is None
    assert "belum kami terima" in by_opd["KESBANGPOL"].get_body(("plain",)).get_content()

    count = len(sink.messages)
    code, out, err = _balas(capsys, monkeypatch, run, "--kirim", **sink.env())
    assert code == 0, err
    assert len(sink.messages) == count  # the same feedback is never sent twice
    assert "0 balasan terkirim" in out
    assert out.count("[sudah dikirim]") == replies


def test_changed_feedback_is_sent_again(run, sink, capsys, monkeypatch, tmp_path) -> None:
    """DINKES's feedback disappears (everything fixed): it gets a confirmation, once."""
    path = run["output"] / "manifest.json"
    original = path.read_text(encoding="utf-8")
    manifest = json.loads(original)
    manifest["umpan_balik"] = [p for p in manifest["umpan_balik"] if "DINKES" not in p]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    try:
        count = len(sink.messages)
        code, _, err = _balas(capsys, monkeypatch, run, "--kirim", **sink.env())
        assert code == 0, err
        assert len(sink.messages) == count + 1
        msg = email.message_from_bytes(sink.messages[-1], policy=email.policy.default)
        assert msg["To"] == "dinkes@binjaikota.example"
        assert list(msg.iter_attachments()) == []
        assert "Tidak ada yang perlu diperbaiki" in msg.get_body(("plain",)).get_content()
    finally:
        path.write_text(original, encoding="utf-8")


def test_balas_without_a_report_says_so(tmp_path, capsys, monkeypatch) -> None:
    run = {"output": tmp_path / "kosong", "folder": tmp_path / "masuk"}
    code, _, err = _balas(capsys, monkeypatch, run)
    assert code == 8
    assert "jalankan `make report` dahulu" in err


def test_a_feedback_workbook_gone_or_broken_is_never_an_all_clear(
    run, sink, capsys, monkeypatch, tmp_path
) -> None:
    """The report wrote a feedback workbook for DINKES (it has WARNINGs); when that file is
    deleted or broken afterwards, balas skips the OPD and says why (it sent "Tidak ada yang
    perlu diperbaiki" for a missing file and stopped with a traceback on a broken one)."""
    import shutil

    output = tmp_path / "output"
    shutil.copytree(run["output"], output)
    listed = json.loads((output / "manifest.json").read_text(encoding="utf-8"))["umpan_balik"]
    assert "umpan_balik/DINKES.xlsx" in listed and "umpan_balik/BKD.xlsx" in listed
    (output / "umpan_balik" / "DINKES.xlsx").unlink()
    (output / "umpan_balik" / "BKD.xlsx").write_bytes(b"PK\x03\x04 terpotong")
    count = len(sink.messages)
    code, out, err = _balas(
        capsys, monkeypatch, {**run, "output": output}, "--kirim", **sink.env()
    )
    assert code == 0, err
    sent_to = [
        email.message_from_bytes(m, policy=email.policy.default)["To"]
        for m in sink.messages[count:]
    ]
    assert "dinkes@binjaikota.example" not in sent_to and "bkd@binjaikota.example" not in sent_to
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("[")}
    assert lines["DINKES"].startswith("[dilewati]")
    assert "umpan_balik/DINKES.xlsx tidak ada; jalankan `make report` lagi" in lines["DINKES"]
    assert lines["BKD"].startswith("[dilewati]")
    assert "umpan_balik/BKD.xlsx tidak dapat dibaca (BadZipFile)" in lines["BKD"]


def test_replies_the_server_refuses_are_said_and_sent_later(
    run, sink, capsys, monkeypatch, tmp_path
) -> None:
    """Every recipient refused (a relay that does not take the Pemda's addresses): each reply
    says in Indonesian what was refused, with the server's code, and the run exits 5 (it
    exited 0, 'ditolak server SMTP (SMTPRecipientsRefused)', as if the replies had gone). The
    next run sends them."""
    import shutil

    copy = {"folder": tmp_path / "input_xlsx", "output": tmp_path / "output"}
    shutil.copytree(run["folder"], copy["folder"])
    shutil.copytree(run["output"], copy["output"])
    count = len(sink.messages)

    def refused_with(reply: str) -> tuple[str, str, list[str]]:
        sink.refuse_recipients = reply
        try:
            code, out, err = _balas(capsys, monkeypatch, copy, "--kirim", **sink.env())
        finally:
            sink.refuse_recipients = ""
        assert code == 5, err
        assert len(sink.messages) == count
        return out, err, [line for line in out.splitlines() if line.startswith("[gagal]")]

    out, err, failed = refused_with("550 5.1.1 Mailbox unavailable")
    assert failed and all(
        "alamat penerima ditolak server SMTP (kode 550): periksa alamat surel OPD di master "
        "spec; dicoba lagi" in line
        for line in failed
    ), out
    assert "Error" not in out and "Refused" not in out
    assert f"Server SMTP menolak semua {len(failed)} balasan" in err
    # a refusal for now (greylisting, a rate limit) is said as such, not as a wrong address
    out, err, failed = refused_with("450 4.7.1 Greylisted, try again later")
    assert failed and all("ditolak sementara oleh server SMTP (kode 450)" in x for x in failed)
    assert "alamat penerima" not in out
    code, out, err = _balas(capsys, monkeypatch, copy, "--kirim", **sink.env())
    assert code == 0, err
    assert f"{len(failed)} balasan terkirim, 0 gagal." in out
