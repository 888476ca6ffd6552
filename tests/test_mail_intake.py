"""Intake rules without a server: names, sizes, zips, senders, the ledger's atomicity."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

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
    written = sorted(p.name for p in folder.glob("*.xlsx"))
    assert len(written) == 2  # both files were saved before their record was committed
    monkeypatch.undo()
    again = _intake(spec, folder)
    again.take_in_files()
    again.ledger.close()
    rows = ledger.read_ledger(folder)
    assert [(r.status, r.nama_simpan) for r in rows] == [("disimpan", n) for n in written]
    assert sorted(p.name for p in folder.glob("*.xlsx")) == written  # nothing doubled


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
