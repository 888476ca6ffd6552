"""Read the secretariat's IMAP mailbox, read-only, and hand each new message to the intake.

The folder is opened with ``EXAMINE`` (read-only: no flag, no move, no delete) and bodies are
fetched with ``BODY.PEEK[]`` (which does not set ``\\Seen``). What was fetched is remembered in
the ledger as the highest UID per account, folder and ``UIDVALIDITY``; a new ``UIDVALIDITY``
(the server renumbered the folder) starts from the beginning, and messages already recorded
(same raw bytes) are then skipped. A message larger than
:data:`~pipeline.mail.message.MAX_MESSAGE_BYTES` is recorded as refused without downloading it.
"""

from __future__ import annotations

import hashlib
import logging
import ssl
from typing import TYPE_CHECKING, Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from pipeline.mail import ledger as lg
from pipeline.mail.message import (
    MAX_MESSAGE_BYTES,
    Letter,
    letter_from_header_bytes,
    parse_eml,
    too_big,
)
from pipeline.mail.settings import (
    EXIT_LOGIN,
    EXIT_SETTINGS,
    EXIT_TLS,
    TIMEOUT,
    MailError,
    ServerSettings,
    describe_failure,
)

if TYPE_CHECKING:
    from pipeline.mail.intake import Intake

BATCH = 20  # messages per FETCH of bodies
# and at most this many bytes of them: a FETCH's answer is held in memory whole, and twenty
# messages just under the size limit (scanned PDFs) took 2,5 GB
BATCH_BYTES = 64 * 1024 * 1024

logging.getLogger("imapclient").addHandler(logging.NullHandler())
logging.getLogger("imapclient").propagate = False


HEADER_BYTES = 64 * 1024  # of a message too big to download, this much of its header is read


def connect(server: ServerSettings) -> IMAPClient:
    """Connect, secure (``ssl`` / ``starttls``) and log in; environment errors → MailError."""
    try:
        client = IMAPClient(
            server.host,
            port=server.port,
            ssl=server.tls == "ssl",
            ssl_context=server.context() if server.tls == "ssl" else None,
            timeout=TIMEOUT,
        )
    except MailError:
        raise
    except Exception as exc:
        raise describe_failure(server, exc) from None
    client.normalise_times = False  # INTERNALDATE with its offset, not local naive time
    try:
        if server.tls == "starttls":
            if b"STARTTLS" not in client.capabilities():
                raise MailError(
                    f"Server IMAP {server.host}:{server.port} tidak menawarkan STARTTLS; "
                    "pakai SAKIP_IMAP_TLS=ssl (port 993).",
                    EXIT_TLS,
                )
            client.starttls(server.context())
        client.login(server.user, server.password)
    except MailError:
        _close(client)
        raise
    except LoginError:
        _close(client)
        raise MailError(
            f"Server IMAP {server.host} menolak nama pengguna atau kata sandi untuk "
            f"{server.user}; periksa SAKIP_IMAP_USER dan SAKIP_IMAP_PASSWORD.",
            EXIT_LOGIN,
        ) from None
    except (ssl.SSLError, OSError, IMAPClientError) as exc:
        _close(client)
        raise describe_failure(server, exc) from None
    return client


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:
            pass


def fetch_into(server: ServerSettings, intake: Intake) -> None:
    """Every message above the remembered UID → :meth:`Intake.take_in`, one at a time; the
    remembered UID moves in the same transaction as the message's ledger rows."""
    client = connect(server)
    try:
        try:
            info = client.select_folder(server.folder, readonly=True)
        except IMAPClientError:
            raise MailError(
                f"Folder '{server.folder}' tidak ada di kotak surat {server.user}; periksa "
                "SAKIP_IMAP_FOLDER.",
                EXIT_SETTINGS,
            ) from None
        uidvalidity = int(info[b"UIDVALIDITY"])
        last = intake.ledger.last_uid(server.account, uidvalidity)
        uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
        if not uids:
            intake.echo(f"Tidak ada surat baru di {server.account}.")
            return
        intake.echo(f"{len(uids)} surat baru di {server.account}.")
        sizes = client.fetch(uids, ["RFC822.SIZE", "INTERNALDATE"])
        # a message moved or deleted by another mail program meanwhile is no longer there
        uids = [u for u in uids if u in sizes]
        for batch in _batches(uids, sizes):
            small = [u for u in batch if int(sizes[u].get(b"RFC822.SIZE", 0)) <= MAX_MESSAGE_BYTES]
            bodies = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
            # their headers (the first 64 KiB, whatever the server holds) say who sent them
            big = [u for u in batch if u not in small]
            heads = client.fetch(big, [f"BODY.PEEK[HEADER]<0.{HEADER_BYTES}>"]) if big else {}
            for uid in batch:
                body = bodies.get(uid) or heads.get(uid)
                if not body:  # gone since its size was asked (moved or deleted meanwhile)
                    intake.echo(
                        f"Surat UID {uid} hilang dari kotak surat sebelum diunduh (dipindah "
                        "atau dihapus program surel lain); dilewati."
                    )
                    continue
                _take(server, intake, uidvalidity, uid, sizes[uid], body)
    except MailError:
        raise
    except (ssl.SSLError, OSError, IMAPClientError) as exc:
        raise describe_failure(server, exc) from None
    finally:
        _close(client)


def _batches(uids: list[int], sizes: dict[int, dict[bytes, Any]]) -> list[list[int]]:
    """``uids`` in order, cut into FETCHes of at most :data:`BATCH` messages and
    :data:`BATCH_BYTES` bytes (a message larger than that alone; one too big to download
    counts for its header only)."""
    out: list[list[int]] = []
    total = 0
    for uid in uids:
        size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
        size = size if size <= MAX_MESSAGE_BYTES else HEADER_BYTES
        if not out or len(out[-1]) >= BATCH or (total + size > BATCH_BYTES and out[-1]):
            out.append([])
            total = 0
        out[-1].append(uid)
        total += size
    return out


def _take(
    server: ServerSettings,
    intake: Intake,
    uidvalidity: int,
    uid: int,
    meta: dict[bytes, Any],
    body: dict[bytes, Any] | None,
) -> None:
    received = lg.iso_utc(meta.get(b"INTERNALDATE"))
    raw = (body or {}).get(b"BODY[]")
    source: dict[str, Any] = {
        "sumber": "imap",
        "asal": server.account,
        "uidvalidity": uidvalidity,
        "uid": uid,
    }

    def advance(conn: Any) -> None:
        intake.ledger.set_last_uid(conn, server.account, uidvalidity, uid)

    if raw is None:
        size = int(meta.get(b"RFC822.SIZE", 0))
        head = next(  # the server names a partial fetch BODY[HEADER]<0>
            (v for k, v in (body or {}).items() if bytes(k).startswith(b"BODY[HEADER]")), None
        )
        letter = (
            letter_from_header_bytes(bytes(head))
            if isinstance(head, bytes | bytearray)
            else Letter()
        )
        letter.diterima = received
        letter.problem = too_big(size, "tidak diunduh")
        # not downloaded, so not known by its bytes: by what the server and its headers say
        # of it, which stays when the server numbers its messages anew (a new UIDVALIDITY)
        said = "\n".join((letter.message_id, letter.pengirim, letter.dikirim, received, str(size)))
        source["sha256"] = "kepala:" + hashlib.sha256(said.encode()).hexdigest()
        if intake.ledger.has_message("imap", str(source["sha256"])):
            intake.summary.skipped += 1
            with intake.ledger.transaction() as conn:
                advance(conn)
            return
        intake.take_in(letter, source, advance)
        return
    raw = bytes(raw)
    source["sha256"] = hashlib.sha256(raw).hexdigest()
    if intake.ledger.has_message("imap", str(source["sha256"])):
        intake.summary.skipped += 1
        with intake.ledger.transaction() as conn:
            advance(conn)
        return
    intake.take_in(parse_eml(raw, diterima=received), source, advance)
