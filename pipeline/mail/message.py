"""One email (raw RFC 5322 bytes, an ``.eml`` or an Outlook ``.msg`` file) → a :class:`Letter`.

Everything in a message is untrusted: header text is decoded, stripped of control characters
and shortened; attachment names are kept exactly as sent (so that a name trying to leave the
folder can be refused and listed) and only :func:`safe_name` makes a name fit for disk. Zip
attachments are opened with ingest's zip-bomb limits (:func:`pipeline.ingest.sniff`).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import logging
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from pipeline import fmt
from pipeline.ingest import INPUT_SUFFIXES, sniff
from pipeline.mail.ledger import iso_utc

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # a template is ~25 KB; anything this big is refused
MAX_MESSAGE_BYTES = 40 * 1024 * 1024  # a message (or .eml/.msg file) above this is not opened
MAX_ZIP_MEMBERS = 100
ZIP_SUFFIX = ".zip"
ACCEPTED_SUFFIXES = (*INPUT_SUFFIXES, ZIP_SUFFIX)
MAX_HEADER_CHARS = 300
MAX_NAME_CHARS = 120
MAX_NAME_BYTES = 160  # UTF-8 bytes of a saved name, before the time and OPD prefix (≤ 255 in all)

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in "123456789"
}
_UNSAFE_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_DRIVE = re.compile(r"^[A-Za-z]:")

for _name in ("extract_msg", "RTFDE", "olefile"):  # their warnings are not for the secretariat
    logging.getLogger(_name).addHandler(logging.NullHandler())
    logging.getLogger(_name).propagate = False


@dataclass
class Attachment:
    """One attached file as sent. ``problem`` set means it is refused (Indonesian reason)."""

    name: str
    data: bytes
    from_zip: str = ""
    problem: str = ""


@dataclass
class Letter:
    """A message reduced to what the ledger keeps. Times are ISO text ('' when unknown)."""

    message_id: str = ""
    pengirim: str = ""
    nama_pengirim: str = ""
    dikirim: str = ""
    diterima: str = ""
    subjek: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    problem: str = ""


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: object, limit: int = MAX_HEADER_CHARS) -> str:
    """Header text as one safe line: control and format characters dropped, bytes that were
    not text (raw 8-bit in a header, kept by the parser as lone surrogates, which no UTF-8
    writer accepts) shown as U+FFFD, length capped."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = _SURROGATE.sub("\ufffd", text)
    text = "".join(
        " " if ch in "\t\r\n" else ch
        for ch in text
        if ch in "\t\r\n" or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    return " ".join(text.split())[:limit]


def name_problem(name: str) -> str:
    """Why an attachment name is refused ('' if it is acceptable)."""
    if not name.strip():
        return "lampiran tanpa nama berkas"
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        return "nama berkas memuat karakter kendali atau karakter tak terlihat"
    if "/" in name or "\\" in name or _DRIVE.match(name) or name.strip() in (".", ".."):
        return "nama berkas mencoba keluar dari folder (memuat / \\ .. atau nama drive)"
    suffix = Path(name).suffix.lower()
    if name.strip().lower() == "winmail.dat":
        return (
            "lampiran dibungkus Outlook dalam winmail.dat (surel berformat RTF), sehingga buku "
            "kerja di dalamnya tidak dapat dibuka; kirim ulang dengan format surel HTML atau "
            "Teks Biasa (Outlook: Format Teks), atau lampirkan buku kerja dalam arsip .zip"
        )
    if suffix not in ACCEPTED_SUFFIXES:
        shown = suffix or "tanpa ekstensi"
        return (
            f"jenis lampiran {shown} tidak diterima; hanya buku kerja "
            f"({', '.join(INPUT_SUFFIXES)}) atau arsip {ZIP_SUFFIX} berisi buku kerja"
        )
    return ""


def megabytes(size: int, limit: int) -> str:
    """``size`` in MB with as many decimals (up to 6) as it takes not to read as ``limit``:
    10 MB and one byte is 10,000001 MB, not 10,0 MB."""
    for places in range(1, 7):
        shown = fmt.angka(size / 1048576, places)
        if size <= limit or shown != fmt.angka(limit / 1048576, places):
            return shown
    return fmt.angka(size / 1048576, 6)


def size_problem(size: int) -> str:
    if size > MAX_ATTACHMENT_BYTES:
        return (
            f"lampiran terlalu besar ({megabytes(size, MAX_ATTACHMENT_BYTES)} MB; batas "
            f"{MAX_ATTACHMENT_BYTES // 1048576} MB)"
        )
    return ""


def _fit(text: str, chars: int, octets: int) -> str:
    """``text`` cut to at most ``chars`` characters and ``octets`` bytes of UTF-8 (a file system
    counts a name's bytes: 255 on ext4, whatever the characters)."""
    text = text[:chars]
    while len(text.encode("utf-8")) > octets:
        text = text[:-1]
    return text


def safe_name(text: str, limit: int = MAX_NAME_CHARS) -> str:
    """A file name safe on Linux and Windows: no separators, reserved or control characters,
    no trailing dots or spaces, no device names, at most ``limit`` characters and
    :data:`MAX_NAME_BYTES` bytes; the extension is kept when shortening (``....xlsx`` keeps it
    too)."""
    text = _UNSAFE_CHARS.sub("_", clean_text(text, 10 * limit)).strip(" ")
    stem, dot, suffix = text.rpartition(".")
    if not dot or not suffix.strip(" .") or " " in suffix:
        stem, suffix = text, ""
    suffix = _fit(f".{suffix}", 16, 32) if suffix else ""
    stem = stem.strip(" .")
    room = max(1, limit - len(suffix))
    stem = _fit(stem, room, MAX_NAME_BYTES - len(suffix.encode("utf-8"))).strip(" .")
    stem = stem or "lampiran"
    if stem.upper().split(".")[0] in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    return f"{stem}{suffix}"


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # a malformed header is this message's problem, not the run's
        return ""
    return clean_text(value) if value is not None else ""


_ANGLE_ADDRESS = re.compile(r"<\s*([^<>\s]+@[^<>\s]+?)\s*>")


def _raw_header(msg: Message, name: str) -> str:
    """A header as it was sent (encoded words not decoded): the address a server delivered
    from is in the raw text, and an encoded word may never stand for one."""
    try:
        values = [str(v) for k, v in msg.raw_items() if k.lower() == name.lower()]
    except Exception:
        return ""
    return clean_text(" , ".join(values), 2000)


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_COMMENT = re.compile(r"\([^()]*\)")
_BARE_ADDRESS = re.compile(r"[^\s<>,;:\"()\[\]]+@[^\s<>,;:\"()\[\]]+")


def _mailboxes(raw: str) -> list[str]:
    """Every distinct address of a raw ``From:`` value, lower case: in angle brackets or bare,
    after quoted display names and comments are taken out (an address written inside a
    comment or a quoted name is no mailbox)."""
    text = _QUOTED.sub('""', raw)
    while True:  # comments may nest
        shorter = _COMMENT.sub(" ", text)
        if shorter == text:
            break
        text = shorter
    angle = _ANGLE_ADDRESS.findall(text)
    bare = _BARE_ADDRESS.findall(_ANGLE_ADDRESS.sub(" ", text))
    return list(dict.fromkeys(a.lower() for a in [*angle, *bare]))


def _sender(msg: Message) -> tuple[str, str]:
    """The sending address of ``From:`` and its display name; none when it cannot be told.

    The header must hold exactly one address (in angle brackets or bare; a quoted display name
    or a comment holds none). Two different ones (``dinkes@… <evil@…>``: a display name made
    to look like an OPD's address), or an address only inside an encoded word
    (``=?utf-8?b?…?=``, decoded only for display), give no sender: the mail is then
    quarantined as from an unknown sender, never taken as an OPD's.
    """
    found = _mailboxes(_raw_header(msg, "From"))
    if len(found) != 1:
        return "", ""
    addr = found[0]
    display = ""
    try:  # the display name as the reader sees it (encoded words decoded)
        for a in getattr(msg.get("From"), "addresses", ()):
            if a.addr_spec.lower() == addr:
                display = a.display_name
                break
    except Exception:
        display = ""
    return clean_text(addr, 254), clean_text(display)


def parse_date(text: str) -> dt.datetime | None:
    """A header's date, or None when it cannot be read or has no UTC date (year 9999 at
    -12:00: a time no calendar holds is no time)."""
    try:
        when = email.utils.parsedate_to_datetime(text)
        if when.tzinfo is not None:
            when.astimezone(dt.UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when


def _received(values: list[str]) -> str:
    """Receipt time from the newest ``Received:`` header (its date follows the last ';')."""
    for value in values:
        when = parse_date(clean_text(value, 2000).rsplit(";", 1)[-1].strip())
        if when is not None:
            return iso_utc(when)
    return ""


def _letter_from_headers(msg: Message) -> Letter:
    pengirim, nama = _sender(msg)
    sent = parse_date(_header(msg, "Date"))
    try:
        received = [str(v) for v in msg.get_all("Received", [])]
    except Exception:
        received = []
    return Letter(
        message_id=_header(msg, "Message-ID"),
        pengirim=pengirim,
        nama_pengirim=nama,
        dikirim=sent.isoformat() if sent else "",
        diterima=_received(received),
        subjek=_header(msg, "Subject"),
    )


def letter_from_header_bytes(head: bytes) -> Letter:
    """Sender, times, subject and Message-ID from a message's header block alone (a message
    too big to open is still recorded as from whom it came)."""
    try:
        return _letter_from_headers(email.message_from_bytes(head, policy=email.policy.default))
    except Exception:
        return Letter()


def parse_eml(raw: bytes, diterima: str = "") -> Letter:
    """Parse raw message bytes. ``diterima`` (the server's receipt time) overrides the
    ``Received:`` headers when the caller knows it (IMAP INTERNALDATE)."""
    if len(raw) > MAX_MESSAGE_BYTES:
        return _headers_only(raw, diterima, too_big(len(raw)))
    try:
        return _parse_eml(raw, diterima)
    except Exception as exc:  # a message built to break the parser (MIME parts nested two
        # thousand deep): this message's refusal, with its headers; never the run's end
        return _headers_only(
            raw,
            diterima,
            f"surat tidak dapat dibaca ({type(exc).__name__}); minta OPD mengirim ulang "
            "lampirannya",
        )


def _headers_only(raw: bytes, diterima: str, problem: str) -> Letter:
    """A message not opened: the headers (the first blank line ends them) still say who
    sent it and when; ``problem`` says why it was not opened."""
    end = raw.find(b"\r\n\r\n", 0, 256 * 1024)
    end = raw.find(b"\n\n", 0, 256 * 1024) if end < 0 else end
    letter = letter_from_header_bytes(raw[: end if end >= 0 else 64 * 1024])
    if diterima:
        letter.diterima = diterima
    letter.problem = problem
    return letter


def _parse_eml(raw: bytes, diterima: str, depth: int = 0) -> Letter:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    letter = _letter_from_headers(msg)
    if diterima:
        letter.diterima = diterima
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            filename = part.get_filename()
            disposition = part.get_content_disposition()
        except Exception:
            filename, disposition = "", "attachment"
        if filename is None and disposition != "attachment" and _is_body(part):
            continue  # the body text (a part with neither name nor disposition that is not
            # text, such as a workbook sent without a name, is listed, not lost)
        try:
            data = part.get_payload(decode=True)
        except Exception:
            data = None
        name, payload = str(filename or ""), bytes(data or b"")
        if name.lower().endswith(".eml") and depth < MAX_EMBEDDED_DEPTH and payload:
            # a message attached as a file (application/octet-stream, as some clients and
            # forwarding services send it), not as message/rfc822: its files are opened as
            # those of a message forwarded as an attachment are
            try:
                letter.attachments += _parse_eml(payload, "", depth + 1).attachments
            except Exception as exc:  # this attachment's refusal, not the whole message's
                letter.attachments.append(
                    Attachment(
                        name=name,
                        data=b"",
                        problem=f"surat terlampir tidak dapat dibaca ({type(exc).__name__})",
                    )
                )
            continue
        letter.attachments.append(Attachment(name=name, data=payload))
    return letter


def _is_body(part: Message) -> bool:
    """Whether a part with no file name is the message's text (or a signature or calendar
    block of it), not a file."""
    try:
        kind = part.get_content_type()
    except Exception:
        return False
    return kind.startswith(("text/", "multipart/", "message/delivery-status")) or kind in (
        "application/pgp-signature",
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "message/disposition-notification",
    )


def too_big(size: int, then: str = "tidak dibuka") -> str:
    """Why a message over the size limit is left alone: its size, the limit and ``then``."""
    return (
        f"surat terlalu besar ({megabytes(size, MAX_MESSAGE_BYTES)} MB; batas "
        f"{MAX_MESSAGE_BYTES // 1048576} MB); {then}"
    )


def parse_msg(path: Path) -> Letter:
    """Parse an Outlook ``.msg`` file with extract-msg (headers from the stored transport
    headers when present, else from the MAPI properties)."""
    size = path.stat().st_size
    if size > MAX_MESSAGE_BYTES:
        return Letter(problem=too_big(size))
    import extract_msg  # noqa: PLC0415  (heavy; only when a .msg is there)

    try:
        msg: Any = extract_msg.openMsg(str(path), delayAttachments=False)
    except Exception as exc:
        return Letter(problem=f"berkas .msg tidak dapat dibaca ({type(exc).__name__})")
    try:
        transport = msg.getStringStream("__substg1.0_007D") or ""
        if transport.strip():
            headers = email.message_from_string(transport, policy=email.policy.default)
            letter = _letter_from_headers(headers)
        else:
            letter = Letter()
        if not letter.pengirim:
            addr = (
                msg.getStringStream("__substg1.0_5D01")
                or msg.getStringStream("__substg1.0_0C1F")
                or ""
            )
            letter.pengirim = clean_text(addr, 254).lower()
            letter.nama_pengirim = clean_text(msg.getStringStream("__substg1.0_0C1A") or "")
        if not letter.message_id:
            letter.message_id = clean_text(msg.messageId or "")
        if not letter.dikirim and msg.date is not None:
            letter.dikirim = msg.date.isoformat()
        if not letter.diterima:
            letter.diterima = iso_utc(msg.receivedTime)
        letter.subjek = clean_text(msg.subject or letter.subjek)
        _msg_files(msg, letter.attachments)
    except Exception as exc:
        return Letter(problem=f"berkas .msg tidak dapat dibaca ({type(exc).__name__})")
    finally:
        msg.close()
    return letter


MAX_EMBEDDED_DEPTH = 3  # a message forwarded as an attachment, forwarded again …


def _msg_files(msg: Any, out: list[Attachment], depth: int = 0) -> None:
    """The files of an Outlook message: its attachments, and those of a message forwarded as
    an attachment (Outlook's "forward as attachment"; an .eml forwarded that way is opened
    too), down to :data:`MAX_EMBEDDED_DEPTH`. Any other embedded object is listed, refused."""
    for att in msg.attachments:
        name = str(getattr(att, "longFilename", None) or getattr(att, "shortFilename", None) or "")
        data = getattr(att, "data", None)
        if isinstance(data, bytes):
            out.append(Attachment(name=name, data=data))
        elif depth < MAX_EMBEDDED_DEPTH and isinstance(getattr(data, "attachments", None), list):
            _msg_files(data, out, depth + 1)
        else:
            out.append(
                Attachment(
                    name=name or "(surat tersemat)",
                    data=b"",
                    problem="surat atau objek tersemat, bukan berkas; tidak dibuka",
                )
            )


def open_zip(att: Attachment) -> list[Attachment]:
    """The workbook members of a zip attachment, each checked like an attachment.

    The zip is checked with ingest's limits first (declared total size, compression ratio);
    a zip that fails them yields one refused entry for the zip itself.
    """
    if att.data.startswith(b"PK\x05\x06"):  # the end record alone: a zip with nothing in it
        return [Attachment(att.name, att.data, problem="arsip zip kosong")]
    with tempfile.TemporaryDirectory(prefix="sakip-zip-") as tmp:
        path = Path(tmp) / "lampiran.zip"
        path.write_bytes(att.data)
        jenis, problem = sniff(path, att.data[:8])
        if jenis == "zip":  # a zip within the limits that is not a workbook: open it
            problem = ""
        elif jenis in ("xlsx", "xlsm"):
            problem = "buku kerja Excel yang diberi ekstensi .zip; kirim sebagai .xlsx"
        else:
            problem = problem or "bukan arsip zip"
        if problem:
            return [Attachment(att.name, att.data, problem=f"arsip zip ditolak: {problem}")]
        out: list[Attachment] = []
        with zipfile.ZipFile(path) as zf:
            # macOS Finder's resource forks (``__MACOSX/._x.xlsx``) are no files of the sender
            members = [
                i
                for i in zf.infolist()
                if not i.is_dir()
                and not i.filename.startswith("__MACOSX/")
                and not i.filename.rsplit("/", 1)[-1].startswith("._")
            ]
            for index, info in enumerate(members):
                inner = info.filename
                base = inner.rsplit("/", 1)[-1]
                problem = ""
                if index >= MAX_ZIP_MEMBERS:
                    problem = f"arsip memuat lebih dari {MAX_ZIP_MEMBERS} berkas"
                elif inner.startswith("/") or ".." in inner.split("/") or "\\" in inner:
                    problem = "nama berkas di dalam arsip mencoba keluar dari folder"
                elif Path(base).suffix.lower() == ZIP_SUFFIX:
                    problem = "arsip di dalam arsip tidak dibuka"
                else:
                    problem = name_problem(base) or size_problem(info.file_size)
                if not problem and info.flag_bits & 0x1:
                    problem = (
                        "berkas di dalam arsip dilindungi kata sandi; kirim ulang tanpa kata "
                        "sandi (lampirkan .xlsx-nya langsung)"
                    )
                data = b""
                if not problem:
                    try:
                        data = zf.read(info)
                    except NotImplementedError:
                        problem = (
                            "berkas di dalam arsip dikompresi dengan cara yang tidak dapat "
                            "dibuka (mis. PPMd dari 7-Zip); lampirkan .xlsx-nya langsung atau "
                            "buat arsip .zip biasa"
                        )
                    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as exc:
                        problem = f"berkas di dalam arsip rusak ({type(exc).__name__})"
                out.append(Attachment(inner, data, from_zip=att.name, problem=problem))
        if not out:
            out.append(Attachment(att.name, b"", problem="arsip zip kosong"))
        return out
