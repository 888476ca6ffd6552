"""Deliver the demo's OPD files as emails into a Maildir, to try `make ambil` on a local IMAP.

Each workbook of the input folder becomes one message from its OPD's address in the master
spec (the OPD is read from the workbook's hidden ``_meta`` sheet), sent one minute after the
workbook was saved and received by the server two minutes later (the file's modification time
in the Maildir is what IMAP reports as the receipt time). Message-IDs are fixed, so running it
twice on an empty Maildir writes the same messages.

    .venv/bin/python scripts/kirim_demo_ke_maildir.py /tmp/imap-uji/mail/sekretariat

Running as root, the files are given to the owner of the Maildir folder (Dovecot never reads
mail as root).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.ingest import read_submission  # noqa: E402
from pipeline.mail.intake import opd_addresses  # noqa: E402
from pipeline.master import read_master  # noqa: E402

WIB = dt.timezone(dt.timedelta(hours=7))
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("maildir", type=Path, help="the Maildir of the secretariat's mailbox")
    parser.add_argument("--spec", type=Path, default=ROOT / "master" / "binjai_2018.xlsx")
    parser.add_argument("--input", type=Path, default=ROOT / "input_xlsx")
    parser.add_argument("--kepada", default="sakip@binjaikota.example", help="To: address")
    args = parser.parse_args()
    spec, issues = read_master(args.spec)
    if spec is None:
        raise SystemExit("\n".join(i.message for i in issues))
    names = dict(zip(spec.opd["kode_opd"], spec.opd["nama_opd"], strict=True))
    args.maildir.mkdir(parents=True, exist_ok=True)
    owner = args.maildir.stat()
    for sub in ("cur", "new", "tmp"):
        (args.maildir / sub).mkdir(exist_ok=True)
        if os.geteuid() == 0:
            os.chown(args.maildir / sub, owner.st_uid, owner.st_gid)
    written = 0
    for number, path in enumerate(sorted(args.input.glob("*.xlsx")), start=1):
        sub = read_submission(path)
        kode = sub.meta.get("kode_opd", "")
        addresses = opd_addresses(spec, kode)
        if not addresses:
            print(f"dilewati (OPD tanpa alamat di master spec): {path.name}")
            continue
        saved = dt.datetime.fromisoformat(sub.dimodifikasi.replace("Z", "+00:00"))
        sent, received = saved + dt.timedelta(minutes=1), saved + dt.timedelta(minutes=3)
        msg = EmailMessage()
        msg["From"] = formataddr((names[kode], addresses[0]))
        msg["To"] = args.kepada
        msg["Subject"] = f"Capaian kinerja {spec.tahun}: {names[kode]}"
        msg["Date"] = format_datetime(sent.astimezone(WIB))
        msg["Message-ID"] = f"<{kode.lower()}.{spec.tahun}.{number}@{addresses[0].split('@')[1]}>"
        msg.set_content(
            f"Yth. Sekretariat SAKIP,\n\nTerlampir berkas capaian kinerja {names[kode]} "
            f"tahun {spec.tahun}.\n\nSalam,\n{names[kode]}\n"
        )
        msg.add_attachment(
            path.read_bytes(), maintype=XLSX[0], subtype=XLSX[1], filename=path.name
        )
        stamp = int(received.timestamp())
        target = args.maildir / "new" / f"{stamp}.M{number}P1.demo"
        target.write_bytes(bytes(msg))
        os.utime(target, (stamp, stamp))
        if os.geteuid() == 0:
            os.chown(target, owner.st_uid, owner.st_gid)
        written += 1
    print(f"{written} surat ditulis ke {args.maildir / 'new'}")


if __name__ == "__main__":
    main()
