"""Intake rules without a server: names, sizes, zips, senders, the ledger's atomicity."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from pipeline import ingest
from pipeline.isolate import Limits
from pipeline.mail import intake, ledger, message
from pipeline.master import MasterSpec
from tests.conftest import INPUT_DIR
from tests.mail_servers import make_eml

SENT = dt.datetime(2019, 1, 21, 8, 0, tzinfo=dt.UTC)
DINKES = "Dinas Kesehatan - Capaian Kinerja 2018.xlsx"
BAG_ORG = "Bagian Organisasi - Capaian Kinerja 2018.xlsx"


@pytest.mark.parametrize(
    "name",
    [
        "../evil.xlsx",
        "..\\evil.xlsx",
        "/etc/cron.d/x.xlsx",
        "C:evil.xlsx",
        "laporan\x00.xlsx",
        "laporan\n.xlsx",
        "rapor\u202exslx.exe",  # right-to-left override hides the real extension
        "laporan.pdf",
        "laporan.xls",
        "laporan",
        "",
        "..",
    ],
)
def test_unsafe_or_foreign_names_are_refused(name: str) -> None:
    assert message.name_problem(name)


@pytest.mark.parametrize("name", ["Dinas Kesehatan.xlsx", "A.XLSX", "b.xlsm", "kiriman.zip"])
def test_workbook_and_zip_names_pass(name: str) -> None:
    assert message.name_problem(name) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CON.xlsx", "_CON.xlsx"),
        ('a<b>:"c|?*.xlsx', "a_b___c___.xlsx"),
        ("laporan. . .", "laporan"),
        ("  spasi  .xlsx", "spasi.xlsx"),
    ],
)
def test_safe_names_work_on_windows_too(raw: str, expected: str) -> None:
    assert message.safe_name(raw) == expected


def test_long_names_keep_their_extension() -> None:
    name = message.safe_name("x" * 500 + ".xlsx")
    assert len(name) == message.MAX_NAME_CHARS and name.endswith("x.xlsx")


def test_long_names_fit_the_file_systems_bytes() -> None:
    """160 CJK characters are 480 bytes of UTF-8, more than ext4's 255 per name: the name is cut
    by its bytes, the extension kept, and with the time and OPD prefix it still fits."""
    name = message.safe_name("\u5831\u544a" * 80 + ".xlsx")
    assert name.endswith(".xlsx") and len(name.encode()) <= message.MAX_NAME_BYTES
    stored = message.safe_name(f"20190121-080100_DINKES_{name}")
    assert stored.endswith(".xlsx") and len(stored.encode()) <= 255


@pytest.mark.parametrize(
    ("raw", "expected"), [("....xlsx", "lampiran.xlsx"), ("..xlsx", "lampiran.xlsx")]
)
def test_a_name_of_dots_keeps_its_extension(raw: str, expected: str) -> None:
    assert message.safe_name(raw) == expected


def test_header_text_is_one_clean_line() -> None:
    raw = make_eml("a@b.example", "Laporan\u202e =cmd|' /C calc'!A0", [], SENT, "<1@b>")
    raw = raw.replace(b"Subject: ", b"Subject: =?utf-8?q?baris1=0D=0ABcc=3A_x=40y?= ", 1)
    letter = message.parse_eml(raw)
    assert "\n" not in letter.subjek and "\r" not in letter.subjek
    assert "\u202e" not in letter.subjek
    assert letter.subjek.startswith("baris1 Bcc: x@y")
    assert "=cmd|' /C calc'!A0" in letter.subjek  # kept as text, never evaluated


@pytest.mark.parametrize(
    ("header", "address"),
    [
        ('"Dinas Koperasi, UKM" <DiskopUKM@binjaikota.example>', "diskopukm@binjaikota.example"),
        ("Dinas Koperasi, UKM <diskopukm@binjaikota.example>", "diskopukm@binjaikota.example"),
        ("=?utf-8?q?Dinas_Sosial?= <dinsos@binjaikota.example>", "dinsos@binjaikota.example"),
        ("tanpa alamat", ""),
        # a display name made to look like an OPD's address: two addresses, no sender; quoted,
        # the name is only a name
        ("dinkes@binjaikota.example <evil@attacker.example>", ""),
        ('"dinkes@binjaikota.example" <evil@attacker.example>', "evil@attacker.example"),
        ("evil@attacker.example, Dinkes <dinkes@binjaikota.example>", ""),
        ("evil@attacker.example (Dinkes <dinkes@binjaikota.example>)", "evil@attacker.example"),
        ("dinkes@binjaikota.example <dinkes@binjaikota.example>", "dinkes@binjaikota.example"),
        # an address only inside an encoded word (decoded for display only) is no sender
        ("=?utf-8?b?ZGlua2VzQGJpbmphaWtvdGEuZXhhbXBsZQ==?=", ""),
        # two different mailboxes: who sent it cannot be told
        ("<a@binjaikota.example> <dinkes@binjaikota.example>", ""),
    ],
)
def test_sender_address_is_found(header: str, address: str) -> None:
    raw = make_eml("x@y.example", "s", [], SENT, "<1@y>").replace(
        b"From: x@y.example", f"From: {header}".encode(), 1
    )
    assert message.parse_eml(raw).pengirim == address


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_bombs_are_refused_with_ingests_limits() -> None:
    bomb = _zip({"a.xlsx": b"\x00" * (3 * 1024 * 1024)})  # ratio ≈ 1000 > MAX_RATIO
    (item,) = message.open_zip(message.Attachment("kiriman.zip", bomb))
    assert "zip bomb" in item.problem and item.data == bomb


def test_zip_members_are_checked_one_by_one() -> None:
    workbook = (INPUT_DIR / DINKES).read_bytes()
    data = _zip(
        {
            f"folder/{DINKES}": workbook,
            "../../keluar.xlsx": workbook,
            "dalam.zip": b"PK",
            "catatan.txt": b"x",
        }
    )
    items = message.open_zip(message.Attachment("kiriman.zip", data))
    assert [(i.name, bool(i.problem)) for i in items] == [
        (f"folder/{DINKES}", False),
        ("../../keluar.xlsx", True),
        ("dalam.zip", True),
        ("catatan.txt", True),
    ]
    assert items[0].data == workbook and items[0].from_zip == "kiriman.zip"
    # a zip with nothing in it says so (it read 'bukan berkas Excel .xlsx')
    (empty,) = message.open_zip(message.Attachment("kosong.zip", _zip({})))
    assert empty.problem == "arsip zip kosong"


def test_oversized_attachment_is_refused() -> None:
    assert message.size_problem(message.MAX_ATTACHMENT_BYTES + 1)
    assert message.size_problem(message.MAX_ATTACHMENT_BYTES) == ""


def _intake(spec: MasterSpec, folder: Path) -> intake.Intake:
    return intake.Intake(spec, folder, ledger.open_ledger(folder), Limits(), lambda _l: None)


def test_shared_address_is_resolved_by_meta(spec: MasterSpec, tmp_path: Path) -> None:
    opd = spec.opd.copy()
    opd.loc[opd["kode_opd"].isin(["SETDA", "BAG_ORG"]), "email"] = "setda@binjaikota.example"
    shared = dataclasses.replace(spec, opd=opd)
    folder = tmp_path / "masuk"
    folder.mkdir()
    (folder / "a.eml").write_bytes(
        make_eml(
            "setda@binjaikota.example",
            "Org",
            [(BAG_ORG, (INPUT_DIR / BAG_ORG).read_bytes())],
            SENT,
            "<o@x>",
        )
    )
    job = _intake(shared, folder)
    job.take_in_files()
    job.ledger.close()
    (row,) = ledger.read_ledger(folder)
    assert (row.opd_pengirim, row.opd_meta, row.kode_opd, row.cara_cocok, row.status) == (
        "SETDA;BAG_ORG",
        "BAG_ORG",
        "BAG_ORG",
        "email+_meta",
        "disimpan",
    )


def test_a_from_with_two_addresses_is_kept_aside_saying_why(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """'dinkes@… <evil@…>' (a display name made to look like an OPD's address) gives no sender:
    its file was kept aside as from 'pengirim (tanpa alamat) tidak terdaftar', which told the
    secretariat nothing of a forged sender."""
    folder = tmp_path / "masuk"
    folder.mkdir()
    raw = make_eml("x@y.example", "Capaian", [(BAG_ORG, (INPUT_DIR / BAG_ORG).read_bytes())], SENT,
                   "<f@x>")  # fmt: skip
    forged = raw.replace(
        b"From: x@y.example", b"From: dinkes@binjaikota.example <evil@attacker.example>", 1
    )
    (folder / "a.eml").write_bytes(forged)
    job = _intake(spec, folder)
    job.take_in_files()
    job.ledger.close()
    (row,) = ledger.read_ledger(folder)
    assert row.status == ledger.KARANTINA
    assert row.alasan.startswith("alamat pengirim tidak dapat ditentukan: kolom From tidak")
    assert "dipalsukan" in row.alasan


def test_a_killed_message_leaves_no_half_record_and_is_taken_again(
    spec: MasterSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "masuk"
    folder.mkdir()
    workbook = (INPUT_DIR / DINKES).read_bytes()
    other = (INPUT_DIR / BAG_ORG).read_bytes()
    (folder / "dinkes.eml").write_bytes(
        make_eml(
            "dinkes@binjaikota.example",
            "Dua berkas",
            [(DINKES, workbook), ("kedua.xlsx", other)],
            SENT,
            "<k@x>",
        )
    )
    job = _intake(spec, folder)
    calls = {"n": 0}
    real = job.ledger.add_attachment

    def dies_on_second(conn, row):  # the process "dies" after the first file was written
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        real(conn, row)

    monkeypatch.setattr(job.ledger, "add_attachment", dies_on_second)
    with pytest.raises(KeyboardInterrupt):
        job.take_in_files()
    job.ledger.close()
    assert ledger.read_ledger(folder) == [] and ledger.read_messages(folder) == []
    # the file saved before the record could be committed is removed with it: nothing the
    # ledger does not know of is left for the report to read
    assert list(folder.glob("*.xlsx")) == []
    monkeypatch.undo()
    again = _intake(spec, folder)
    again.take_in_files()
    again.ledger.close()
    rows = ledger.read_ledger(folder)
    written = sorted(p.name for p in folder.glob("*.xlsx"))
    assert len(written) == 2
    assert sorted((r.status, r.nama_simpan) for r in rows) == [("disimpan", n) for n in written]


def test_msg_without_transport_headers_uses_its_properties(tmp_path: Path) -> None:
    from tests.test_mail_balas import make_msg

    path = tmp_path / "a.msg"
    make_msg(path, ("BKD.xlsx", b"PK\x03\x04isi"), with_headers=False)
    letter = message.parse_msg(path)
    assert letter.pengirim == "bkd@binjaikota.example"
    assert letter.message_id == "<bkd-1@binjaikota.example>"
    assert letter.diterima == "2019-01-22T02:00:00Z"
    assert [(a.name, a.data) for a in letter.attachments] == [("BKD.xlsx", b"PK\x03\x04isi")]


def test_a_broken_msg_is_a_refused_message_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "rusak.msg"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    letter = message.parse_msg(path)
    assert letter.problem.startswith("berkas .msg tidak dapat dibaca")


def test_no_ledger_reads_as_empty(tmp_path: Path) -> None:
    assert ledger.read_ledger(tmp_path) == []
    assert ledger.received_files(tmp_path) == {}
    assert ledger.last_message(tmp_path, "DINKES") is None
    assert list(ledger.ledger_frame(tmp_path).columns) == ledger.RECEIPT_COLUMNS
    assert not ledger.ledger_dir(tmp_path).exists()


def test_size_refusals_say_megabytes_the_indonesian_way() -> None:
    size = int(25.5 * 1048576)
    assert "(25,5 MB; batas" in message.too_big(size)
    assert message.too_big(size, "tidak diunduh").endswith("; tidak diunduh")
    big = message.MAX_ATTACHMENT_BYTES + 1048576 * 3 // 2
    assert f"({(big / 1048576):.1f}".replace(".", ",") in message.size_problem(big)


def test_a_long_name_a_nameless_part_and_a_macos_zip_are_all_accounted_for(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """A name of 480 bytes used to stop the intake (and every run after it) with 'File name too
    long'; a workbook part with neither name nor disposition was dropped without a trace; a
    zip made by macOS Finder had its ``__MACOSX/._x.xlsx`` resource fork saved as a workbook."""
    from email.message import EmailMessage

    folder = tmp_path / "masuk"
    folder.mkdir()
    workbook = (INPUT_DIR / DINKES).read_bytes()
    (folder / "a.eml").write_bytes(
        make_eml(
            "dinkes@binjaikota.example",
            "Panjang",
            [("\u5831" * 160 + ".xlsx", workbook)],
            SENT,
            "<l@x>",
        )
    )
    nameless = EmailMessage()
    nameless["From"] = "dinkes@binjaikota.example"
    nameless["Subject"] = "Tanpa nama"
    nameless["Message-ID"] = "<n@x>"
    nameless.set_content("Terlampir.")
    nameless.add_attachment(
        workbook, maintype="application", subtype="octet-stream", disposition="inline"
    )
    for part in nameless.iter_attachments():
        del part["Content-Disposition"]
    (folder / "b.eml").write_bytes(bytes(nameless))
    macos = _zip({"Dinas Kesehatan.xlsx": workbook, "__MACOSX/._Dinas Kesehatan.xlsx": b"\0\5"})
    (folder / "c.eml").write_bytes(
        make_eml("dinkes@binjaikota.example", "Zip", [("dinkes.zip", macos)], SENT, "<z@x>")
    )
    job = _intake(spec, folder)
    job.take_in_files()
    job.ledger.close()
    rows = ledger.read_ledger(folder)
    by_message = {(r.nama_asli[:8], r.status) for r in rows}
    assert ("\u5831" * 8, "disimpan") in by_message
    assert ("", "ditolak") in by_message  # the nameless workbook: listed, refused
    zipped = [r for r in rows if r.dari_zip == "dinkes.zip"]
    assert [r.nama_asli for r in zipped] == ["Dinas Kesehatan.xlsx"]
    assert len(ledger.read_messages(folder)) == 3
    saved = [p for p in folder.glob("*.xlsx")]
    assert all(len(p.name.encode()) <= 255 for p in saved)


def _two_dinkes_mails(folder: Path) -> Path:
    """``folder`` holding two saved messages of Dinas Kesehatan, each with its workbook."""
    folder.mkdir()
    workbook = (INPUT_DIR / DINKES).read_bytes()
    for n in (1, 2):
        (folder / f"{n}.eml").write_bytes(
            make_eml(
                "dinkes@binjaikota.example", f"Ke-{n}", [(DINKES, workbook)], SENT, f"<{n}@x>"
            )
        )
    return folder


def test_a_message_that_fails_unforeseen_is_recorded_and_the_next_is_taken(
    spec: MasterSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _two_dinkes_mails(tmp_path / "masuk")
    job = _intake(spec, folder)
    real = job._decide
    calls = {"n": 0}

    def fails_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("sesuatu yang tidak terduga")
        return real(*args, **kwargs)

    monkeypatch.setattr(job, "_decide", fails_once)
    job.take_in_files()
    job.ledger.close()
    messages = ledger.read_messages(folder)
    assert sorted(m.status for m in messages) == ["diproses", "ditolak"]
    refused = next(m for m in messages if m.status == "ditolak")
    assert "tidak dapat diproses (ValueError)" in refused.alasan
    assert refused.pengirim == "dinkes@binjaikota.example"


def test_a_message_failing_after_its_first_file_leaves_no_file_behind(
    spec: MasterSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first attachment was saved, the second failed: the message is refused, and its
    saved file removed (the report read it with no sender, and the OPD's resend was then a
    'duplikat' of it, its receipt never recorded)."""
    folder = tmp_path / "masuk"
    folder.mkdir()
    workbook = (INPUT_DIR / DINKES).read_bytes()
    files = [("dinkes.xlsx", workbook), ("kedua.xlsx", (INPUT_DIR / BAG_ORG).read_bytes())]
    (folder / "1.eml").write_bytes(
        make_eml("dinkes@binjaikota.example", "Dua", files, SENT, "<d@x>")
    )
    job = _intake(spec, folder)
    real = job._decide
    calls = {"n": 0}

    def second_fails(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise ValueError("rusak")
        return real(*args, **kwargs)

    monkeypatch.setattr(job, "_decide", second_fails)
    job.take_in_files()
    assert list(folder.glob("*.xlsx")) == []
    assert job.summary.statuses.get("disimpan", 0) == 0 and job.on_disk == {}
    monkeypatch.undo()
    (folder / "2.eml").write_bytes(
        make_eml("dinkes@binjaikota.example", "Ulang", files[:1], SENT, "<e@x>")
    )
    job.take_in_files()
    job.ledger.close()
    assert [r.status for r in ledger.read_ledger(folder)] == ["disimpan"]


def test_a_file_removed_from_the_folder_is_saved_again_when_sent_again(
    spec: MasterSpec, tmp_path: Path
) -> None:
    folder = tmp_path / "masuk"
    folder.mkdir()
    workbook = (INPUT_DIR / DINKES).read_bytes()
    (folder / "1.eml").write_bytes(
        make_eml("dinkes@binjaikota.example", "Pertama", [(DINKES, workbook)], SENT, "<1@x>")
    )
    job = _intake(spec, folder)
    job.take_in_files()
    job.ledger.close()
    (first,) = folder.glob("*.xlsx")
    first.unlink()
    (folder / "2.eml").write_bytes(
        make_eml("dinkes@binjaikota.example", "Kirim ulang", [(DINKES, workbook)], SENT, "<2@x>")
    )
    again = _intake(spec, folder)
    again.take_in_files()
    again.ledger.close()
    assert [r.status for r in ledger.read_ledger(folder)] == ["disimpan", "disimpan"]
    assert len(list(folder.glob("*.xlsx"))) == 1


def test_refused_names_are_printed_written_out_not_interpreted(
    spec: MasterSpec, tmp_path: Path
) -> None:
    folder = tmp_path / "masuk"
    folder.mkdir()
    hostile = "\x1b[2J\x1b]0;SAKIP\x07laporan.xlsx"
    (folder / "a.eml").write_bytes(
        make_eml("dinkes@binjaikota.example", "x", [(hostile, b"PK")], SENT, "<e@x>")
    )
    lines: list[str] = []
    job = intake.Intake(spec, folder, ledger.open_ledger(folder), Limits(), lines.append)
    job.take_in_files()
    job.ledger.close()
    printed = "\n".join(lines)
    assert "\x1b" not in printed and "\x07" not in printed
    assert "\\x1b[2J" in printed  # written out as text


def test_a_message_too_big_to_open_still_says_who_sent_it(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = make_eml("dinkes@binjaikota.example", "Besar", [("a.xlsx", b"x" * 5000)], SENT, "<b@x>")
    monkeypatch.setattr(message, "MAX_MESSAGE_BYTES", 1000)
    letter = message.parse_eml(raw)
    assert letter.problem.startswith("surat terlalu besar")
    assert (letter.pengirim, letter.subjek, letter.message_id) == (
        "dinkes@binjaikota.example",
        "Besar",
        "<b@x>",
    )
    assert letter.attachments == []


@pytest.mark.parametrize("name", ["USER", "PASSWORD"])
def test_a_login_outside_ascii_is_one_sentence_that_never_shows_it(name: str) -> None:
    from pipeline.mail import settings

    env = {
        "SAKIP_IMAP_HOST": "imap.pemda.example",
        "SAKIP_IMAP_USER": "sakip",
        "SAKIP_IMAP_PASSWORD": "rahasia",
    }
    env[f"SAKIP_IMAP_{name}"] = "sändi-rahasia"
    with pytest.raises(settings.MailError) as caught:
        settings.load("imap", env)
    assert caught.value.code == settings.EXIT_SETTINGS
    assert "sändi" not in str(caught.value) and "ä" not in str(caught.value)
    assert f"SAKIP_IMAP_{name} memuat huruf di luar ASCII" in str(caught.value)


def test_spec_email_cells_as_clerks_paste_them(spec: MasterSpec) -> None:
    """``Nama <alamat>`` and ``mailto:alamat`` in the spec's email column: the address inside
    is the OPD's (before, mail from it was quarantined as from an unknown sender)."""
    opd = spec.opd.copy()
    opd["email"] = opd["email"].astype(object)
    opd.loc[opd["kode_opd"] == "DINKES", "email"] = "Dinas Kesehatan <Dinkes@Binjaikota.example>"
    opd.loc[opd["kode_opd"] == "DINSOS", "email"] = "mailto:dinsos@binjaikota.example; x@y.example"
    index = intake.sender_index(dataclasses.replace(spec, opd=opd))
    assert index["dinkes@binjaikota.example"] == ["DINKES"]
    assert index["dinsos@binjaikota.example"] == ["DINSOS"] and index["x@y.example"] == ["DINSOS"]
    assert not any(k.startswith(("<", "mailto", "dinas")) for k in index)


def test_a_size_just_over_the_limit_does_not_read_as_the_limit() -> None:
    over = message.size_problem(message.MAX_ATTACHMENT_BYTES + 1)
    assert "(10,000001 MB; batas 10 MB)" in over


def test_an_outlook_message_forwarded_as_an_attachment_gives_its_files(tmp_path: Path) -> None:
    """Outlook's "forward as attachment" embeds the OPD's message: its workbook is taken, as
    from an .eml forwarded the same way (it was refused as 'an embedded object')."""
    from aspose.email_foss import msg

    inner = msg.MapiMessage.create("Laporan Dinkes asli", "Terlampir.")
    inner.add_attachment(
        "Dinas Kesehatan.xlsx", b"PK\x03\x04isi", mime_type="application/octet-stream"
    )
    outer = msg.MapiMessage.create("FW: Laporan Dinkes", "Diteruskan.")
    outer.set_property(msg.PropertyId.SENDER_EMAIL_ADDRESS, "dinkes@binjaikota.example")
    outer.add_embedded_message_attachment(inner)
    path = tmp_path / "fw.msg"
    outer.save(str(path))
    letter = message.parse_msg(path)
    assert [(a.name, a.data, a.problem) for a in letter.attachments] == [
        ("Dinas Kesehatan.xlsx", b"PK\x03\x04isi", "")
    ]


def test_a_message_attached_as_a_plain_file_gives_its_files() -> None:
    """A mail attached as a file ('Setwan asli.eml', application/octet-stream) rather than as
    message/rfc822 was refused as 'jenis lampiran .eml tidak diterima', and the OPD asked to
    send again: its workbook is taken, as from a message forwarded as an attachment. One
    nested beyond the depth limit, or one that cannot be read, is that attachment's refusal."""
    at = dt.datetime(2019, 2, 3, 9, 0, tzinfo=dt.UTC)
    inner = make_eml(
        "setwan@binjaikota.example", "Capaian", [("Setwan.xlsx", b"PK\x03\x04isi")], at, "<i@u>"
    )
    outer = make_eml(
        "setwan@binjaikota.example", "FW: Capaian", [("Setwan asli.eml", inner)], at, "<o@u>"
    )
    letter = message.parse_eml(outer)
    assert [(a.name, a.data, a.problem) for a in letter.attachments] == [
        ("Setwan.xlsx", b"PK\x03\x04isi", "")
    ]
    deep = inner
    for n in range(message.MAX_EMBEDDED_DEPTH + 1):
        deep = make_eml("setwan@binjaikota.example", "FW", [(f"{n}.eml", deep)], at, f"<{n}@u>")
    names = [(a.name, a.problem) for a in message.parse_eml(deep).attachments]
    assert len(names) == 1 and names[0][0].endswith(".eml")
    assert message.name_problem(names[0][0])  # refused by its type, not opened without end


def test_a_ledger_held_by_another_program_says_so_in_indonesian(tmp_path: Path) -> None:
    """A ledger locked by another program (a database browser, another `ambil`) said only
    '(OperationalError)'."""
    import sqlite3

    folder = tmp_path / "masuk"
    folder.mkdir()
    ledger.open_ledger(folder).close()
    holder = sqlite3.connect(ledger.ledger_path(folder), isolation_level=None, timeout=0.1)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ledger.LedgerError) as caught:
            ledger.open_ledger(folder)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "sedang dipakai program lain (terkunci)" in str(caught.value)
    assert "OperationalError" not in str(caught.value)


def test_a_reply_to_an_opd_answers_its_own_message_not_its_address_mates(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """SETDA and BAG_ORG share one address: each OPD's reply answers the last message that
    brought its own file, not the last message from the shared address (BAG_ORG's reply
    answered SETDA's message, 'Re:' its subject)."""
    opd = spec.opd.copy()
    opd.loc[opd["kode_opd"].isin(["SETDA", "BAG_ORG"]), "email"] = "setda@binjaikota.example"
    shared = dataclasses.replace(spec, opd=opd)
    folder = tmp_path / "masuk"
    folder.mkdir()
    setda = "Sekretariat Daerah - Capaian Kinerja 2018.xlsx"
    for n, (name, subject) in enumerate([(BAG_ORG, "Capaian Org"), (setda, "Capaian Setda")]):
        (folder / f"{n}.eml").write_bytes(
            make_eml(
                "setda@binjaikota.example",
                subject,
                [(name, (INPUT_DIR / name).read_bytes())],
                SENT + dt.timedelta(days=n),
                f"<{n}@x>",
            )
        )
    job = _intake(shared, folder)
    job.take_in_files()
    job.ledger.close()
    found = {k: ledger.last_message(folder, k) for k in ("BAG_ORG", "SETDA", "BKD")}
    assert found["BAG_ORG"] is not None and found["SETDA"] is not None
    assert (found["BAG_ORG"].message_id, found["BAG_ORG"].subjek) == ("<0@x>", "Capaian Org")
    assert (found["SETDA"].message_id, found["SETDA"].subjek) == ("<1@x>", "Capaian Setda")
    assert found["BKD"] is None


def test_a_message_whose_refusal_fails_too_is_still_recorded(
    spec: MasterSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the message's own header text is what cannot be recorded (as raw bytes in a From:
    address or in an .eml's name were), its refusal failed the same way and ended the run with
    a traceback, leaving the message to stop every later run. It is recorded bare, as refused,
    and the next message is taken."""
    folder = _two_dinkes_mails(tmp_path / "masuk")
    job = _intake(spec, folder)
    real = job.ledger.add_message

    def refuses_its_subject(conn, surat):  # type: ignore[no-untyped-def]
        if surat.get("subjek") == "Ke-1":
            raise ValueError("teks yang tidak dapat dicatat")
        return real(conn, surat)

    monkeypatch.setattr(job.ledger, "add_message", refuses_its_subject)
    job.take_in_files()
    job.ledger.close()
    messages = sorted(ledger.read_messages(folder), key=lambda m: m.asal)
    assert [(m.asal, m.status, m.pengirim) for m in messages] == [
        ("1.eml", "ditolak", ""),
        ("2.eml", "diproses", "dinkes@binjaikota.example"),
    ]
    assert messages[0].alasan.startswith("surat tidak dapat diproses (ValueError) dan kepala")
    assert [p.name for p in folder.iterdir() if p.suffix == ".xlsx"] == [
        f"20190121-080000_DINKES_{DINKES}"
    ]


BAPPEDA = "Badan Perencanaan Pembangunan Daerah - Capaian Kinerja 2018.xlsx"


def _mailed_day_by_day(
    spec: MasterSpec, folder: Path, mails: list[tuple[str, str, bytes]]
) -> list[ledger.Receipt]:
    """``(sender, name, bytes)`` mailed a day apart into ``folder`` and taken in: the ledger."""
    for n, (sender, name, data) in enumerate(mails, start=1):
        (folder / f"{n}.eml").write_bytes(
            make_eml(
                f"{sender}@binjaikota.example",
                f"Ke-{n}",
                [(name, data)],
                SENT + dt.timedelta(days=n),
                f"<{n}@x>",
            )
        )
    job = _intake(spec, folder)
    job.take_in_files()
    job.ledger.close()
    return ledger.read_ledger(folder)


def test_a_neighbours_file_mailed_first_does_not_block_the_opds_own(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """DISDIK mails BAPPEDA's workbook by mistake (entered for DISDIK, refused by the report);
    a day later BAPPEDA mails the same bytes itself: they are BAPPEDA's submission, not a
    'duplikat' of the file entered for DISDIK (BAPPEDA could never get in)."""
    folder = tmp_path / "masuk"
    folder.mkdir()
    workbook = (INPUT_DIR / BAPPEDA).read_bytes()
    mails = [(sender, BAPPEDA, workbook) for sender in ("disdik", "bappeda", "bappeda")]
    rows = _mailed_day_by_day(spec, folder, mails)
    assert [(r.kode_opd, r.status) for r in rows] == [
        ("DISDIK", "disimpan"),
        ("BAPPEDA", "disimpan"),
        ("BAPPEDA", "duplikat"),  # its own copy sent twice is one submission
    ]
    assert rows[2].duplikat_dari == rows[1].nama_simpan
    saved = {r.kode_opd for r in ledger.received_files(folder).values()}
    assert saved == {"DISDIK", "BAPPEDA"}


def test_an_earlier_version_sent_again_after_a_newer_one_is_the_newest(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """v1, then v2, then v1 again: the OPD went back to v1 (as the feedback of a superseded
    file tells it to): v1 is saved again under the third message's time, so the report takes
    it. v1 sent again while it is already the newest stays a 'duplikat'."""
    folder = tmp_path / "masuk"
    folder.mkdir()
    v1 = (INPUT_DIR / DINKES).read_bytes()
    v2 = _zip({"x": b"versi kedua"})  # other bytes; what they hold does not matter here
    mails = [("dinkes", f"dinkes_{n}.xlsx", data) for n, data in enumerate((v1, v2, v1, v1))]
    rows = _mailed_day_by_day(spec, folder, mails)
    assert [r.status for r in rows] == ["disimpan", "disimpan", "disimpan", "duplikat"]
    assert rows[2].nama_simpan.startswith("20190124-") and rows[2].sha256 == rows[0].sha256
    assert rows[3].duplikat_dari == rows[2].nama_simpan
    # an older message of v1 found later (a saved .eml dated before v2) changes nothing
    (folder / "0.eml").write_bytes(
        make_eml("dinkes@binjaikota.example", "Lama", [("lama.xlsx", v1)], SENT, "<0@x>")
    )
    again = _intake(spec, folder)
    again.take_in_files()
    again.ledger.close()
    assert ledger.read_ledger(folder)[-1].status == "duplikat"


def test_a_locked_or_7zip_member_refuses_that_member_alone() -> None:
    """A password-locked member, or one compressed with 7-Zip's PPMd, refused the whole mail
    with an English exception name (the workbook beside it was lost): now only that member is
    refused, in Indonesian, and the workbook beside it is taken."""
    workbook = (INPUT_DIR / DINKES).read_bytes()
    data = bytearray(_zip({"terkunci.xlsx": workbook, DINKES: workbook}))
    # mark the first member encrypted (flag bit 0), in its local header and central record
    data[6] |= 0x1
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 0x1
    items = message.open_zip(message.Attachment("arsip.zip", bytes(data)))
    assert [(i.name, bool(i.problem)) for i in items] == [
        ("terkunci.xlsx", True),
        (DINKES, False),
    ]
    assert "kata sandi" in items[0].problem and items[1].data == workbook
    ppmd = bytearray(_zip({"ppmd.xlsx": workbook, DINKES: workbook}))
    ppmd[8:10] = (98).to_bytes(2, "little")  # compression method 98: PPMd
    central = ppmd.find(b"PK\x01\x02")
    ppmd[central + 10 : central + 12] = (98).to_bytes(2, "little")
    items = message.open_zip(message.Attachment("arsip.zip", bytes(ppmd)))
    assert [(i.name, bool(i.problem)) for i in items] == [("ppmd.xlsx", True), (DINKES, False)]
    assert "7-Zip" in items[0].problem


def test_a_workbook_with_a_locked_part_is_refused_in_indonesian(tmp_path: Path) -> None:
    workbook = bytearray((INPUT_DIR / DINKES).read_bytes())
    workbook[6] |= 0x1  # its first part locked with a zip password
    central = workbook.find(b"PK\x01\x02")
    workbook[central + 8] |= 0x1
    path = tmp_path / "x.xlsx"
    path.write_bytes(bytes(workbook))
    jenis, problem = ingest.sniff(path, bytes(workbook[:8]))
    assert jenis == "zip_rusak" and "kata sandi zip" in problem


def test_winmail_dat_says_what_outlook_did() -> None:
    problem = message.name_problem("winmail.dat")
    assert "Outlook" in problem and "RTF" in problem


def test_a_reply_answers_the_newest_real_message_not_one_dated_2099(
    spec: MasterSpec, tmp_path: Path
) -> None:
    folder = tmp_path / "masuk"
    folder.mkdir()
    workbook = (INPUT_DIR / DINKES).read_bytes()
    future = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    for n, sent in ((1, future), (2, SENT)):
        (folder / f"{n}.eml").write_bytes(
            make_eml(
                "dinkes@binjaikota.example", f"Ke-{n}", [(DINKES, workbook)], sent, f"<{n}@x>"
            )
        )
    job = _intake(spec, folder)
    job.take_in_files()
    job.ledger.close()
    found = ledger.last_message(folder, "DINKES")
    assert found is not None and found.message_id == "<2@x>"


def test_a_refused_attachment_without_a_name_is_named_so() -> None:
    """A part refused for having no file name read 'Lampiran  pada surel …' (a gap where the
    name goes); the unlisted sender's one is told to the secretariat, the OPD's to the OPD."""
    from pipeline.validate.kiriman import Receipts, refused_by_mail

    def message(n: int, sender: str, opd: str) -> ledger.MessageRecord:
        return ledger.MessageRecord(
            id=n, sumber="imap", asal="imap://x", message_id=f"<{n}@u>", pengirim=sender,
            nama_pengirim="", dikirim="2019-02-03T02:00:00+00:00",
            diterima="2019-02-03T02:00:00Z", subjek="Capaian", opd_pengirim=opd,
            jumlah_lampiran=1, status="diproses", alasan="", sha256=str(n),
        )  # fmt: skip

    def part(n: int, sender: str, opd: str) -> ledger.Receipt:
        return ledger.Receipt(
            id=n, surat_id=n, sumber="imap", asal="imap://x", message_id=f"<{n}@u>",
            pengirim=sender, nama_pengirim="", dikirim="", diterima="", subjek="Capaian",
            urutan=1, nama_asli="", dari_zip="", nama_simpan="", folder="", sha256="",
            ukuran=3, jenis="", opd_pengirim=opd, opd_meta="", opd_nama_berkas="",
            kode_opd="", cara_cocok="", status=ledger.DITOLAK,
            alasan="lampiran tanpa nama berkas", duplikat_dari="",
        )  # fmt: skip

    senders = [(1, "dinkes@binjaikota.example", "DINKES"), (2, "orang@luar.example", "")]
    receipts = Receipts(messages=[message(*s) for s in senders], rows=[part(*s) for s in senders])
    issues = refused_by_mail(receipts, {"DINKES"}, set(), "WIB")
    assert [(i.kode_opd, i.found) for i in issues] == [
        ("DINKES", "(tanpa nama berkas)"),
        ("", "(tanpa nama berkas)"),
    ]
    assert all("Lampiran (tanpa nama berkas) pada surel" in i.message for i in issues)


def test_a_message_too_big_is_recorded_once_when_the_server_renumbers(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """A message too big to download is known by its headers only; it was keyed by its UID,
    so when the server numbered its messages anew (its index rebuilt: a new UIDVALIDITY) it
    was recorded, and told to the OPD, a second time. It is known by what its headers and
    the server say of it, which stay."""
    from pipeline.mail import imap
    from pipeline.mail.settings import ServerSettings

    head = make_eml("dinkes@binjaikota.example", "Besar", [], SENT, "<besar@x>")
    meta = {b"INTERNALDATE": SENT, b"RFC822.SIZE": 50 << 20}
    server = ServerSettings("imap", "127.0.0.1", 993, "sekretariat", "rahasia")
    folder = tmp_path / "masuk"
    job = _intake(spec, folder)
    imap._take(server, job, 1111, 7, meta, {b"BODY[HEADER]<0>": head})
    imap._take(server, job, 2222, 3, meta, {b"BODY[HEADER]<0>": head})  # renumbered
    job.ledger.close()
    (surat,) = ledger.read_messages(folder)
    assert (surat.status, surat.pengirim) == (ledger.SURAT_DITOLAK, "dinkes@binjaikota.example")
    assert job.summary.skipped == 1
