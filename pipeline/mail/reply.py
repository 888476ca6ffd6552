"""Reply to each OPD with its feedback workbook (``python -m pipeline balas``).

Reads what ``report`` wrote (``output/manifest.json``: the input files with their status and
OPD, and the ``umpan_balik`` list of feedback workbooks, one per OPD with a problem), the spec
(the OPD's ``email``, the deadline) and the ledger (the OPD's last message, for
``In-Reply-To``, and the replies already sent). One reply per OPD:

* an OPD with a feedback workbook gets it attached, with a short Indonesian body: the files
  accepted, how many ERRORs and WARNINGs to fix, and the deadline;
* an OPD whose file was accepted without any problem gets a short confirmation, no attachment;
* an OPD without an address in the spec is listed and skipped.

A dry run (the default) prints who would get what. ``--kirim`` sends through SMTP
(``SAKIP_SMTP_*``) and records each reply in the ledger *before* talking to the server; a reply
is identified by a hash of its content (the feedback's problem list and the accepted files), so
the same feedback is never sent twice, and a changed one is sent again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from pipeline import fmt, schema
from pipeline.completeness import is_late, local_time
from pipeline.issues import ERROR, INFO, WARNING
from pipeline.mail import ledger as lg
from pipeline.mail.intake import opd_addresses
from pipeline.mail.message import clean_text
from pipeline.mail.settings import (
    EXIT_LOCAL,
    EXIT_LOGIN,
    EXIT_SETTINGS,
    EXIT_TLS,
    TIMEOUT,
    MailError,
    ServerSettings,
    describe_failure,
)
from pipeline.master import MasterSpec

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
ACCEPTED = tuple(sorted(schema.BERKAS_DIPAKAI))
_MSGID = re.compile(r"^<[^<>\s]{1,250}>$")

AKAN = "akan dikirim"
SUDAH = "sudah dikirim"
DILEWATI = "dilewati"
TERKIRIM = "terkirim"
GAGAL = "gagal"


@dataclass
class Reply:
    """One planned reply. ``state`` is :data:`AKAN`, :data:`SUDAH` or :data:`DILEWATI`."""

    kode_opd: str
    nama_opd: str
    kepada: list[str]
    subjek: str
    body: str
    attachment: Path | None
    errors: int
    warnings: int
    notes: int
    in_reply_to: str
    kunci: str
    state: str = AKAN
    note: str = ""


@dataclass
class BalasSummary:
    replies: list[Reply] = field(default_factory=list)
    sent: int = 0
    failed: int = 0


def read_manifest(output: Path, spec: MasterSpec) -> dict[str, Any]:
    """``output/manifest.json`` of a report for this spec, or MailError (exit 8)."""
    path = Path(output) / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MailError(
            f"Laporan belum dibuat: {path} tidak ada; jalankan `make report` dahulu.", EXIT_LOCAL
        ) from None
    except (OSError, ValueError) as exc:
        raise MailError(
            f"{path} tidak dapat dibaca ({type(exc).__name__}); jalankan `make report` lagi.",
            EXIT_LOCAL,
        ) from None
    if not isinstance(data, dict):
        raise MailError(f"{path} bukan manifest laporan; jalankan `make report` lagi.", EXIT_LOCAL)
    kode, tahun = str(data.get("kode_pemda", "")), str(data.get("tahun", ""))
    if (kode, tahun) != (spec.kode_pemda, str(spec.tahun)):
        raise MailError(
            f"Laporan di {output} untuk Pemda {kode or '?'} tahun {tahun or '?'}, bukan untuk "
            f"master spec ini ({spec.kode_pemda}, {spec.tahun}); jalankan `make report` dahulu.",
            EXIT_LOCAL,
        )
    return data


def feedback_files(
    manifest: dict[str, Any], output: Path, codes: set[str], missing: bool = False
) -> dict[str, Path]:
    """``kode_opd`` → its feedback workbook, from the manifest's ``umpan_balik`` list; entries
    that are not a file ``umpan_balik/<kode_opd>.xlsx`` inside ``output`` are ignored
    (``missing``: those that are listed but not a file are given too)."""
    folder = (Path(output) / "umpan_balik").resolve()
    out: dict[str, Path] = {}
    listed = manifest.get("umpan_balik")
    for item in listed if isinstance(listed, list) else []:
        path = (Path(output) / str(item)).resolve()
        if path.parent == folder and path.suffix == ".xlsx" and path.stem in codes:
            if path.is_file() or missing:
                out[path.stem] = path
    return out


def _accepted(manifest: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    files = manifest.get("berkas_masukan")
    for rec in files if isinstance(files, list) else []:
        if isinstance(rec, dict) and rec.get("status") in ACCEPTED:
            out.setdefault(str(rec.get("kode_opd", "")), []).append(rec)
    return out


def _problems(path: Path) -> list[dict[str, Any]]:
    from pipeline.feedback import feedback_rows  # noqa: PLC0415  (openpyxl, only here)

    return feedback_rows(path)


def _body(
    spec: MasterSpec,
    nama_opd: str,
    accepted: list[dict[str, Any]],
    original: dict[str, str],
    counts: tuple[int, int, int],
    attachment: str,
    deadline: str,
) -> str:
    nama_pemda = str(spec.pemda["nama_pemda"])
    errors, warnings, notes = counts
    lines = [f"Yth. {nama_opd},", ""]
    if accepted:
        lines.append(f"Berkas capaian kinerja tahun {spec.tahun} yang kami terima dan pakai:")
        batas = str(spec.pemda.get("batas_pengumpulan", ""))
        for rec in accepted:
            name = str(rec.get("berkas", ""))
            shown = original.get(name, name)
            note = str(rec.get("status", ""))
            received = str(rec.get("diterima") or "")
            if received:  # it came by mail: the day the server received it
                note += f"; surel diterima {fmt.tanggal(local_time(received, spec.zona_waktu))}"
                if is_late(received, batas, spec.zona_waktu):
                    note += f", setelah batas pengumpulan {fmt.tanggal(batas)}"
            lines.append(f"- {shown} ({note})")
    else:
        lines.append(
            f"Berkas capaian kinerja tahun {spec.tahun} dari {nama_opd} belum kami terima "
            "dalam keadaan dapat dipakai."
        )
    lines.append("")
    if attachment:
        lines += [
            f"Hasil pemeriksaan: {errors} hal harus diperbaiki (ERROR: nilainya belum dipakai) "
            f"dan {warnings} hal mohon diperiksa (WARNING)"
            + (f", ditambah {notes} catatan (INFO)." if notes else "."),
            f"Rinciannya ada di lampiran {attachment}, sheet 'Umpan Balik': setiap baris "
            "menyebut sheet dan sel, apa yang ditemukan, apa yang diharapkan, dan cara "
            "memperbaikinya.",
            "",
        ]
        send_back = (
            "di berkas Anda sendiri (bukan di salinan lampiran), simpan sebagai .xlsx, lalu "
            f"kirim kembali dengan membalas surel ini paling lambat {deadline}."
        )
        if errors:
            lines.append(f"Mohon perbaiki {send_back}")
        elif warnings:
            lines.append(f"Mohon periksa; bila ada yang keliru, perbaiki {send_back}")
        else:
            lines.append("Tidak ada yang harus diperbaiki; catatan di lampiran untuk diketahui.")
    else:
        lines.append("Tidak ada yang perlu diperbaiki. Terima kasih.")
    lines += ["", "Hormat kami,", f"Sekretariat SAKIP {nama_pemda}", ""]
    return "\n".join(lines)


def plan(
    spec: MasterSpec, output: Path, input_dir: Path, deadline: str | None = None
) -> list[Reply]:
    """Every reply to send now, in spec order, from the report in ``output`` and the ledger."""
    manifest = read_manifest(output, spec)
    codes = [str(k) for k in spec.opd["kode_opd"]]
    names = dict(zip(codes, (str(n) for n in spec.opd["nama_opd"]), strict=True))
    feedback = feedback_files(manifest, output, set(codes), missing=True)
    accepted = _accepted(manifest)
    try:
        receipts = lg.received_files(input_dir)
        sent = lg.sent_replies(input_dir)
    except lg.LedgerError as exc:
        raise MailError(str(exc), EXIT_LOCAL) from None
    original = {name: r.nama_asli.rsplit("/", 1)[-1] for name, r in receipts.items()}
    when = fmt.tanggal(deadline or str(spec.pemda.get("batas_pengumpulan", "")))
    replies: list[Reply] = []
    for kode in codes:
        path = feedback.get(kode)
        mine = accepted.get(kode, [])
        if path is None and not mine:
            continue  # nothing to say: no file and nothing expected of it
        # a feedback workbook the report wrote and that is gone or broken: without it the
        # reply would say there is nothing to fix
        broken = ""
        rows: list[dict[str, Any]] = []
        if path is not None:
            try:
                rows = _problems(path) if path.is_file() else []
                broken = "" if path.is_file() else "tidak ada"
            except Exception as exc:
                broken = f"tidak dapat dibaca ({type(exc).__name__})"
        errors = sum(1 for r in rows if r.get("Tingkat") == ERROR)
        warnings = sum(1 for r in rows if r.get("Tingkat") == WARNING)
        notes = sum(1 for r in rows if r.get("Tingkat") == INFO)
        content = {
            "opd": kode,
            "umpan_balik": [[str(v) for v in r.values()] for r in rows],
            "diterima": sorted(f"{r.get('berkas')}|{r.get('sha256')}" for r in mine),
        }
        kunci = hashlib.sha256(
            json.dumps(content, ensure_ascii=False, sort_keys=True).encode()
        ).hexdigest()
        last = lg.last_message(input_dir, kode)
        in_reply_to = last.message_id if last and _MSGID.match(last.message_id) else ""
        subject = clean_text(last.subjek if last and in_reply_to else "", 200)
        if subject and not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
        subject = subject or f"Umpan balik capaian kinerja {spec.tahun}: {names[kode]}"
        attachment_name = f"umpan_balik_{kode}.xlsx" if path else ""
        reply = Reply(
            kode_opd=kode,
            nama_opd=names[kode],
            kepada=opd_addresses(spec, kode),
            subjek=subject,
            body=_body(
                spec, names[kode], mine, original, (errors, warnings, notes), attachment_name, when
            ),
            attachment=path,
            errors=errors,
            warnings=warnings,
            notes=notes,
            in_reply_to=in_reply_to,
            kunci=kunci,
        )
        if broken:
            reply.attachment = None
            reply.state, reply.note = (
                DILEWATI,
                f"berkas umpan balik umpan_balik/{kode}.xlsx {broken}; jalankan `make report` "
                "lagi",
            )
        elif not reply.kepada:
            reply.state, reply.note = DILEWATI, "tidak ada alamat email OPD di master spec"
        elif (kode, kunci) in sent:
            reply.state, reply.note = SUDAH, f"umpan balik yang sama dikirim {sent[kode, kunci]}"
        replies.append(reply)
    return replies


def build_message(reply: Reply, sender: str) -> EmailMessage:
    """The reply as an email (UTF-8 text body, the feedback workbook attached)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(reply.kepada)
    msg["Subject"] = reply.subjek
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    domain = sender.rsplit("@", 1)[-1] if "@" in sender else None
    msg["Message-ID"] = make_msgid(domain=domain)
    if reply.in_reply_to:
        msg["In-Reply-To"] = reply.in_reply_to
        msg["References"] = reply.in_reply_to
    msg.set_content(reply.body)
    if reply.attachment is not None:
        msg.add_attachment(
            reply.attachment.read_bytes(),
            maintype=XLSX_TYPE[0],
            subtype=XLSX_TYPE[1],
            filename=f"umpan_balik_{reply.kode_opd}.xlsx",
        )
    return msg


def smtp_connect(server: ServerSettings) -> smtplib.SMTP:
    """Connect, secure and log in (when a user is set); environment errors → MailError."""
    try:
        if server.tls == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=TIMEOUT, context=server.context()
            )
        else:
            conn = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
    except MailError:
        raise
    except Exception as exc:
        raise describe_failure(server, exc) from None
    try:
        conn.ehlo()
        if server.tls == "starttls":
            if not conn.has_extn("starttls"):
                raise MailError(
                    f"Server SMTP {server.host}:{server.port} tidak menawarkan STARTTLS; pakai "
                    "SAKIP_SMTP_TLS=ssl (port 465).",
                    EXIT_TLS,
                )
            conn.starttls(context=server.context())
            conn.ehlo()
        if server.user:
            conn.login(server.user, server.password)
    except MailError:
        _quit(conn)
        raise
    except smtplib.SMTPAuthenticationError:
        _quit(conn)
        raise MailError(
            f"Server SMTP {server.host} menolak nama pengguna atau kata sandi untuk "
            f"{server.user}; periksa SAKIP_SMTP_USER dan SAKIP_SMTP_PASSWORD.",
            EXIT_LOGIN,
        ) from None
    except smtplib.SMTPNotSupportedError:
        _quit(conn)
        raise MailError(
            f"Server SMTP {server.host} tidak menerima login; kosongkan SAKIP_SMTP_USER atau "
            "pakai SAKIP_SMTP_TLS=ssl/starttls.",
            EXIT_SETTINGS,
        ) from None
    except (ssl.SSLError, OSError, smtplib.SMTPException) as exc:
        _quit(conn)
        raise describe_failure(server, exc) from None
    return conn


def _quit(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except Exception:
        conn.close()


def refusal(exc: smtplib.SMTPException, sender: str) -> str:
    """What the SMTP server refused, in Indonesian, with its reply code (its own words are
    usually English and are not repeated)."""
    if isinstance(exc, smtplib.SMTPSenderRefused):
        what, hint = f"alamat pengirim {sender}", "periksa SAKIP_SMTP_FROM"
        code = exc.smtp_code
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        what, hint = "alamat penerima", "periksa alamat surel OPD di master spec"
        code = min((c for c, _ in exc.recipients.values()), default=0)
    else:
        what, hint = "isi surel", "mungkin lampirannya melebihi batas ukuran server"
        code = getattr(exc, "smtp_code", 0)
    said = f" (kode {code})" if code else ""
    if 400 <= code < 500:  # the server's own 'later': a rate limit, greylisting, a full queue
        return (
            f"ditolak sementara oleh server SMTP{said}: server meminta dicoba lagi nanti; "
            "dicoba lagi pada pengiriman berikutnya"
        )
    return f"{what} ditolak server SMTP{said}: {hint}; dicoba lagi pada pengiriman berikutnya"


def send(replies: list[Reply], server: ServerSettings, input_dir: Path) -> BalasSummary:
    """Send every reply in state :data:`AKAN`; each is in the ledger before it is sent."""
    summary = BalasSummary(replies=replies)
    todo = [r for r in replies if r.state == AKAN]
    if not todo:
        return summary
    try:
        ledger = lg.open_ledger(input_dir)
    except lg.LedgerError as exc:
        raise MailError(str(exc), EXIT_LOCAL) from None
    try:
        conn = smtp_connect(server)
        try:
            for reply in todo:
                msg = build_message(reply, server.sender)
                reply_id = ledger.start_reply(
                    {
                        "kode_opd": reply.kode_opd,
                        "kepada": msg["To"],
                        "message_id": msg["Message-ID"],
                        "in_reply_to": reply.in_reply_to,
                        "subjek": reply.subjek,
                        "lampiran": reply.attachment.name if reply.attachment else "",
                        "kunci": reply.kunci,
                    }
                )
                try:
                    conn.send_message(msg)
                except (
                    smtplib.SMTPRecipientsRefused,
                    smtplib.SMTPSenderRefused,
                    smtplib.SMTPDataError,
                ) as exc:
                    ledger.finish_reply(reply_id, lg.BALASAN_GAGAL, type(exc).__name__)
                    reply.state, reply.note = GAGAL, refusal(exc, server.sender)
                    summary.failed += 1
                    continue
                except (OSError, smtplib.SMTPException) as exc:
                    ledger.finish_reply(reply_id, lg.BALASAN_GAGAL, type(exc).__name__)
                    raise describe_failure(server, exc) from None
                ledger.finish_reply(reply_id, lg.BALASAN_TERKIRIM)
                reply.state = TERKIRIM
                summary.sent += 1
        finally:
            _quit(conn)
    finally:
        ledger.close()
    return summary
