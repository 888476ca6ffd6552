"""The submission ledger (*buku kiriman*): what came by mail, from whom, when, what became of it.

One SQLite file, ``<input>_surat/buku_kiriman.sqlite``, **beside** the input folder (ingest
lists every file under the input folder, so the ledger and the quarantine stay out of it):

    input_xlsx/                     the workbooks the report reads (saved attachments land here)
    input_xlsx_surat/
        buku_kiriman.sqlite         this ledger
        karantina/                  attachments from senders not in the spec (never read)

Tables (all text columns hold untrusted mail text as plain text; times are ISO 8601 text):

``surat``: one row per message taken in (IMAP, or an ``.eml`` / ``.msg`` file in the folder)
    ``id``, ``sumber`` (``imap`` | ``eml`` | ``msg``), ``asal`` (``imap://user@host:port/folder``
    or the message file's name in the input folder), ``uidvalidity``, ``uid`` (IMAP only),
    ``sha256`` (of the raw message or message file), ``message_id``, ``pengirim`` (address,
    lower case), ``nama_pengirim``, ``dikirim`` (the ``Date`` header, sender's offset kept),
    ``diterima`` (receipt by the server in UTC, ``…Z``: IMAP INTERNALDATE; for a message file
    the newest ``Received:`` header, or the ``.msg`` delivery time; ``''`` when unknown),
    ``subjek``, ``opd_pengirim`` (as below), ``jumlah_lampiran``, ``status`` (``diproses`` |
    ``ditolak``), ``alasan``, ``dicatat`` (when this run recorded it, UTC).
``lampiran``: one row per attachment (zip members get their own row, ``dari_zip`` = the zip)
    ``id``, ``surat_id``, ``urutan``, ``nama_asli``, ``dari_zip``, ``nama_simpan``, ``folder``
    (``masukan`` = the input folder, ``karantina``, or ``''`` when nothing was written),
    ``sha256``, ``ukuran``, ``jenis`` (detected from the bytes, as ingest does),
    ``opd_pengirim`` (OPD code(s) whose spec ``email`` lists the sender, ``;``-joined),
    ``opd_meta`` (the ``kode_opd`` the workbook's hidden ``_meta`` sheet claims),
    ``opd_nama_berkas`` (the OPD the file name gives: template name or a name/alias),
    ``kode_opd`` (the OPD the file was entered for; ``''`` unless the sender is known),
    ``cara_cocok`` (``email`` | ``email+_meta`` | ``email+nama_berkas`` | ``''``),
    ``status`` (:data:`DISIMPAN` | :data:`DUPLIKAT` | :data:`DITOLAK` | :data:`KARANTINA`),
    ``alasan`` (Indonesian), ``duplikat_dari`` (the saved name holding the same bytes).
``kiriman`` (a view): ``lampiran`` joined with its ``surat``: one row per received attachment.
``imap_posisi``: ``akun``, ``uidvalidity``, ``uid_terakhir``: what was fetched already.
``balasan``: one row per reply ``balas --kirim`` tried: ``kode_opd``, ``kepada``,
    ``message_id``, ``in_reply_to``, ``subjek``, ``lampiran``, ``kunci`` (hash of the feedback's
    content: the same feedback is never sent twice), ``status`` (``mengirim`` | ``terkirim`` |
    ``gagal``), ``alasan``, ``waktu``.

**Atomic writes.** Each message is one SQLite transaction (its ``surat`` row, its ``lampiran``
rows and the advanced IMAP position together); SQLite's rollback journal makes a commit all or
nothing, so a killed run leaves the ledger as it was after the last whole message, never half a
message. Files are written to the input folder *before* their transaction (each by an atomic
rename) under a deterministic name: after a kill, the next run fetches the same message again,
computes the same name, finds the same bytes there and records them; nothing is lost or doubled.
A copy-and-replace of the whole database was rejected: a long IMAP run would then lose every
message of the run when killed, and two programs reading the ledger would see the file vanish.

**Reading it (for the report).** :func:`read_ledger` gives every received attachment;
:func:`received_files` maps a file name in the input folder (as ingest names it) to its
:class:`Receipt` (receipt time, sender, OPD by sender, ``_meta`` OPD …); :func:`last_message`
gives the newest message of an OPD (for ``In-Reply-To``). None of them writes anything, and all
return empty results when there is no ledger. Every text column comes from a mail and is
untrusted: write it as text through :mod:`pipeline.sanitize` (``csv_cell`` for CSV), never as a
formula.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

LEDGER_NAME = "buku_kiriman.sqlite"
QUARANTINE = "karantina"
FOLDER_INPUT = "masukan"
FOLDER_QUARANTINE = "karantina"
SCHEMA_VERSION = 1

DISIMPAN = "disimpan"  # saved into the input folder: the report reads it
DUPLIKAT = "duplikat"  # the same bytes were saved before (see duplikat_dari); not saved again
DITOLAK = "ditolak"  # refused (size, extension, unsafe name, zip limits); see alasan
KARANTINA = "karantina"  # sender not in the spec: kept aside in karantina/, never read
STATUSES = (DISIMPAN, DUPLIKAT, DITOLAK, KARANTINA)

SURAT_DIPROSES = "diproses"
SURAT_DITOLAK = "ditolak"

BALASAN_MENGIRIM = "mengirim"  # recorded before sending: a killed run never sends it again
BALASAN_TERKIRIM = "terkirim"
BALASAN_GAGAL = "gagal"  # the server refused it: tried again on the next run

_SCHEMA = """
CREATE TABLE IF NOT EXISTS info (kunci TEXT PRIMARY KEY, nilai TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS surat (
    id INTEGER PRIMARY KEY,
    sumber TEXT NOT NULL,
    asal TEXT NOT NULL,
    uidvalidity INTEGER,
    uid INTEGER,
    sha256 TEXT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    pengirim TEXT NOT NULL DEFAULT '',
    nama_pengirim TEXT NOT NULL DEFAULT '',
    dikirim TEXT NOT NULL DEFAULT '',
    diterima TEXT NOT NULL DEFAULT '',
    subjek TEXT NOT NULL DEFAULT '',
    opd_pengirim TEXT NOT NULL DEFAULT '',
    jumlah_lampiran INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    alasan TEXT NOT NULL DEFAULT '',
    dicatat TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS surat_sha ON surat (sumber, sha256);
CREATE TABLE IF NOT EXISTS lampiran (
    id INTEGER PRIMARY KEY,
    surat_id INTEGER NOT NULL REFERENCES surat (id),
    urutan INTEGER NOT NULL,
    nama_asli TEXT NOT NULL,
    dari_zip TEXT NOT NULL DEFAULT '',
    nama_simpan TEXT NOT NULL DEFAULT '',
    folder TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL DEFAULT '',
    ukuran INTEGER NOT NULL DEFAULT 0,
    jenis TEXT NOT NULL DEFAULT '',
    opd_pengirim TEXT NOT NULL DEFAULT '',
    opd_meta TEXT NOT NULL DEFAULT '',
    opd_nama_berkas TEXT NOT NULL DEFAULT '',
    kode_opd TEXT NOT NULL DEFAULT '',
    cara_cocok TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    alasan TEXT NOT NULL DEFAULT '',
    duplikat_dari TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS lampiran_sha ON lampiran (sha256, folder);
CREATE VIEW IF NOT EXISTS kiriman AS
    SELECT l.id AS id, s.id AS surat_id, s.sumber, s.asal, s.message_id, s.pengirim,
           s.nama_pengirim, s.dikirim, s.diterima, s.subjek, l.urutan, l.nama_asli,
           l.dari_zip, l.nama_simpan, l.folder, l.sha256, l.ukuran, l.jenis, l.opd_pengirim,
           l.opd_meta, l.opd_nama_berkas, l.kode_opd, l.cara_cocok, l.status, l.alasan,
           l.duplikat_dari
    FROM lampiran AS l JOIN surat AS s ON s.id = l.surat_id;
CREATE TABLE IF NOT EXISTS imap_posisi (
    akun TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid_terakhir INTEGER NOT NULL,
    PRIMARY KEY (akun, uidvalidity)
);
CREATE TABLE IF NOT EXISTS balasan (
    id INTEGER PRIMARY KEY,
    kode_opd TEXT NOT NULL,
    kepada TEXT NOT NULL,
    message_id TEXT NOT NULL,
    in_reply_to TEXT NOT NULL DEFAULT '',
    subjek TEXT NOT NULL,
    lampiran TEXT NOT NULL DEFAULT '',
    kunci TEXT NOT NULL,
    status TEXT NOT NULL,
    alasan TEXT NOT NULL DEFAULT '',
    waktu TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS balasan_kunci ON balasan (kode_opd, kunci);
"""


class LedgerError(Exception):
    """The ledger cannot be opened or written (an environment problem, Indonesian text)."""


@dataclass(frozen=True)
class Receipt:
    """One received attachment with its message (a row of the ``kiriman`` view)."""

    id: int
    surat_id: int
    sumber: str
    asal: str
    message_id: str
    pengirim: str
    nama_pengirim: str
    dikirim: str
    diterima: str
    subjek: str
    urutan: int
    nama_asli: str
    dari_zip: str
    nama_simpan: str
    folder: str
    sha256: str
    ukuran: int
    jenis: str
    opd_pengirim: str
    opd_meta: str
    opd_nama_berkas: str
    kode_opd: str
    cara_cocok: str
    status: str
    alasan: str
    duplikat_dari: str


RECEIPT_COLUMNS = [f.name for f in fields(Receipt)]


@dataclass(frozen=True)
class MessageRecord:
    """One message taken in (a row of ``surat``)."""

    id: int
    sumber: str
    asal: str
    message_id: str
    pengirim: str
    nama_pengirim: str
    dikirim: str
    diterima: str
    subjek: str
    opd_pengirim: str
    jumlah_lampiran: int
    status: str
    alasan: str
    sha256: str  # of the raw message (IMAP) or of the message file


MESSAGE_COLUMNS = [f.name for f in fields(MessageRecord)]


def ledger_dir(input_dir: Path) -> Path:
    """The folder beside ``input_dir`` holding the ledger and the quarantine."""
    folder = Path(input_dir).resolve()
    return folder.parent / f"{folder.name}_surat"


def ledger_path(input_dir: Path) -> Path:
    """Where the ledger of ``input_dir`` lives (it may not exist)."""
    return ledger_dir(input_dir) / LEDGER_NAME


def quarantine_dir(input_dir: Path) -> Path:
    """Where attachments from unknown senders are kept aside."""
    return ledger_dir(input_dir) / QUARANTINE


def now_utc() -> str:
    """The current time as ISO text in UTC (``2019-01-20T08:15:00Z``)."""
    return iso_utc(dt.datetime.now(dt.UTC))


def iso_utc(moment: dt.datetime | None) -> str:
    """A datetime as ISO text in UTC with ``Z``; naive datetimes are taken as UTC. A time that
    has no UTC date (31 December 9999 at 23.00 at -12:00, sent by a broken or hostile
    client) is unknown: ''."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        utc = moment.astimezone(dt.UTC)
    except OverflowError:
        return ""
    return utc.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


class Ledger:
    """An open ledger for writing (``ambil``, ``balas``). Use :func:`open_ledger`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One all-or-nothing unit of work (commit on success, roll back on any exception)."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    # -- messages and attachments ------------------------------------------------------------

    def has_message(self, sumber: str, sha256: str) -> bool:
        """Whether this exact message (or message file) was taken in before."""
        row = self.conn.execute(
            "SELECT 1 FROM surat WHERE sumber = ? AND sha256 = ?", (sumber, sha256)
        ).fetchone()
        return row is not None

    def saved_with_hash(self, sha256: str, folder: str, kode_opd: str) -> str:
        """The saved name of an earlier attachment with these bytes in ``folder`` entered for
        ``kode_opd`` ('' in quarantine), or ''. The same bytes entered for another OPD (an OPD
        that mailed a neighbour's file, refused for it) are no earlier copy of this OPD's."""
        row = self.conn.execute(
            "SELECT nama_simpan FROM lampiran WHERE sha256 = ? AND folder = ? "
            "AND kode_opd = ? AND status IN (?, ?) ORDER BY id DESC LIMIT 1",
            (sha256, folder, kode_opd, DISIMPAN, KARANTINA),
        ).fetchone()
        return str(row[0]) if row else ""

    def entered_for(self, nama_simpan: str) -> str | None:
        """The OPD a file saved into the input folder was entered for; None for a file the
        ledger did not save (placed there by hand)."""
        row = self.conn.execute(
            "SELECT kode_opd FROM lampiran WHERE nama_simpan = ? AND folder = ? AND status = ? "
            "ORDER BY id DESC LIMIT 1",
            (nama_simpan, FOLDER_INPUT, DISIMPAN),
        ).fetchone()
        return str(row[0]) if row else None

    def saved_for(self, kode_opd: str) -> list[tuple[str, str, str]]:
        """``(nama_simpan, sha256, receipt time)`` of every file saved into the input folder
        for ``kode_opd`` (receipt time as :func:`receipt_time` gives it)."""
        rows = self.conn.execute(
            "SELECT l.nama_simpan, l.sha256, s.diterima, s.dikirim FROM lampiran AS l "
            "JOIN surat AS s ON s.id = l.surat_id WHERE l.kode_opd = ? AND l.folder = ? "
            "AND l.status = ? ORDER BY l.id",
            (kode_opd, FOLDER_INPUT, DISIMPAN),
        ).fetchall()
        return [(str(n), str(h), receipt_time(str(d), str(k))) for n, h, d, k in rows]

    def add_message(self, conn: sqlite3.Connection, surat: dict[str, Any]) -> int:
        """Insert a ``surat`` row inside an open transaction; returns its id."""
        cols = [
            "sumber",
            "asal",
            "uidvalidity",
            "uid",
            "sha256",
            "message_id",
            "pengirim",
            "nama_pengirim",
            "dikirim",
            "diterima",
            "subjek",
            "opd_pengirim",
            "jumlah_lampiran",
            "status",
            "alasan",
        ]
        values = [surat.get(c, "" if c not in ("uidvalidity", "uid") else None) for c in cols]
        cur = conn.execute(
            f"INSERT INTO surat ({', '.join(cols)}, dicatat) "
            f"VALUES ({', '.join('?' * len(cols))}, ?)",
            [*values, now_utc()],
        )
        return int(cur.lastrowid or 0)

    def add_attachment(self, conn: sqlite3.Connection, row: dict[str, Any]) -> None:
        """Insert a ``lampiran`` row inside an open transaction."""
        cols = [
            "surat_id",
            "urutan",
            "nama_asli",
            "dari_zip",
            "nama_simpan",
            "folder",
            "sha256",
            "ukuran",
            "jenis",
            "opd_pengirim",
            "opd_meta",
            "opd_nama_berkas",
            "kode_opd",
            "cara_cocok",
            "status",
            "alasan",
            "duplikat_dari",
        ]
        conn.execute(
            f"INSERT INTO lampiran ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [row.get(c, "") for c in cols],
        )

    # -- IMAP position -----------------------------------------------------------------------

    def last_uid(self, akun: str, uidvalidity: int) -> int:
        """The highest UID fetched from this account and folder under this UIDVALIDITY."""
        row = self.conn.execute(
            "SELECT uid_terakhir FROM imap_posisi WHERE akun = ? AND uidvalidity = ?",
            (akun, uidvalidity),
        ).fetchone()
        return int(row[0]) if row else 0

    def set_last_uid(
        self, conn: sqlite3.Connection, akun: str, uidvalidity: int, uid: int
    ) -> None:
        conn.execute(
            "INSERT INTO imap_posisi (akun, uidvalidity, uid_terakhir) VALUES (?, ?, ?) "
            "ON CONFLICT (akun, uidvalidity) DO UPDATE SET uid_terakhir = "
            "max(uid_terakhir, excluded.uid_terakhir)",
            (akun, uidvalidity, uid),
        )

    # -- replies -----------------------------------------------------------------------------

    def reply_sent(self, kode_opd: str, kunci: str) -> dict[str, Any] | None:
        """The reply already sent (or being sent when a run was killed) with this content."""
        row = self.conn.execute(
            "SELECT status, waktu, message_id FROM balasan WHERE kode_opd = ? AND kunci = ? "
            "AND status IN (?, ?) ORDER BY id DESC LIMIT 1",
            (kode_opd, kunci, BALASAN_MENGIRIM, BALASAN_TERKIRIM),
        ).fetchone()
        return {"status": row[0], "waktu": row[1], "message_id": row[2]} if row else None

    def start_reply(self, row: dict[str, Any]) -> int:
        """Record a reply as being sent (committed before the SMTP conversation)."""
        cols = ["kode_opd", "kepada", "message_id", "in_reply_to", "subjek", "lampiran", "kunci"]
        with self.transaction() as conn:
            cur = conn.execute(
                f"INSERT INTO balasan ({', '.join(cols)}, status, waktu) "
                f"VALUES ({', '.join('?' * len(cols))}, ?, ?)",
                [*(row.get(c, "") for c in cols), BALASAN_MENGIRIM, now_utc()],
            )
            return int(cur.lastrowid or 0)

    def finish_reply(self, reply_id: int, status: str, alasan: str = "") -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE balasan SET status = ?, alasan = ?, waktu = ? WHERE id = ?",
                (status, alasan, now_utc(), reply_id),
            )

    def close(self) -> None:
        self.conn.close()


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    else:
        conn = sqlite3.connect(path, isolation_level=None)  # transactions are explicit
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def open_ledger(input_dir: Path) -> Ledger:
    """Open (creating when absent) the ledger of ``input_dir`` for writing.

    Raises :class:`LedgerError` with an Indonesian sentence when it cannot be opened.
    """
    path = ledger_path(input_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(path, readonly=False)
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = FULL")
        conn.executescript(_SCHEMA)
        conn.execute(
            "INSERT OR IGNORE INTO info (kunci, nilai) VALUES ('versi_skema', ?)",
            (str(SCHEMA_VERSION),),
        )
        version = conn.execute("SELECT nilai FROM info WHERE kunci = 'versi_skema'").fetchone()
    except (OSError, sqlite3.Error) as exc:
        raise LedgerError(f"Buku kiriman {path} {_why(exc)}.") from exc
    if version is None or int(version[0]) > SCHEMA_VERSION:
        conn.close()
        raise LedgerError(f"Buku kiriman {path} dibuat oleh versi program yang lebih baru.")
    return Ledger(conn, path)


def _why(exc: BaseException) -> str:
    """Why the ledger cannot be used, in Indonesian (SQLite's own text is English)."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return (
            "sedang dipakai program lain (terkunci); tutup program yang membukanya (DB Browser, "
            "proses ambil lain), lalu jalankan ulang"
        )
    if isinstance(exc, OSError) or "unable to open" in text or "readonly" in text:
        return "tidak dapat dibuka atau ditulis (periksa izin dan ruang disk foldernya)"
    if "not a database" in text or "malformed" in text:
        return "rusak atau bukan berkas buku kiriman"
    return f"tidak dapat dibuka atau ditulis ({type(exc).__name__})"


@contextlib.contextmanager
def _reader(input_dir: Path) -> Iterator[sqlite3.Connection | None]:
    path = ledger_path(input_dir)
    if not path.is_file():
        yield None
        return
    try:
        conn = _connect(path, readonly=True)
    except sqlite3.Error as exc:
        raise LedgerError(f"Buku kiriman {path} {_why(exc)}.") from exc
    try:
        yield conn
    finally:
        conn.close()


def read_ledger(input_dir: Path) -> list[Receipt]:
    """Every received attachment (the ``kiriman`` view), oldest first; [] without a ledger."""
    return [Receipt(*row) for row in _select(input_dir, RECEIPT_COLUMNS, "kiriman")]


def _select(input_dir: Path, columns: list[str], table: str) -> list[tuple[Any, ...]]:
    """Every row of ``table`` (a view or table of the ledger) in the order written; [] when
    there is no ledger; a damaged ledger is a :class:`LedgerError`."""
    with _reader(input_dir) as conn:
        if conn is None:
            return []
        try:
            return conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id").fetchall()
        except sqlite3.Error as exc:
            raise LedgerError(
                f"Buku kiriman {ledger_path(input_dir)} rusak ({type(exc).__name__})."
            ) from exc


def received_files(input_dir: Path) -> dict[str, Receipt]:
    """File name in the input folder → the receipt that saved it (status ``disimpan``).

    Keys are names relative to ``input_dir`` in POSIX form, as ingest names files, so the
    report can look up each file it reads. Files placed there by hand are absent: fall back to
    the workbook's own save time for them. A later ``duplikat`` of the same bytes does not
    move the receipt time (the first receipt of those bytes is the submission).
    """
    return {
        r.nama_simpan: r
        for r in read_ledger(input_dir)
        if r.status == DISIMPAN and r.folder == FOLDER_INPUT
    }


def read_messages(input_dir: Path) -> list[MessageRecord]:
    """Every message taken in (the ``surat`` table), oldest record first; [] without one."""
    return [MessageRecord(*row) for row in _select(input_dir, MESSAGE_COLUMNS, "surat")]


def last_message(input_dir: Path, kode_opd: str) -> MessageRecord | None:
    """The newest message (by server receipt, else by its Date) of ``kode_opd``: from an
    address the spec lists for that OPD alone (with or without a usable attachment), or one
    that brought a file entered for it. A message from an address several OPDs share that
    brought nothing for this OPD is another OPD's thread, not its. None if it never wrote."""
    entered = {r.surat_id for r in read_ledger(input_dir) if r.kode_opd == kode_opd}
    mine = [
        m
        for m in read_messages(input_dir)
        if m.message_id and (m.id in entered or m.opd_pengirim.split(";") == [kode_opd])
    ]
    now = dt.datetime.now(dt.UTC)
    mine.sort(key=lambda m: (receipt_time(m.diterima, m.dikirim, now), m.id))
    return mine[-1] if mine else None


FUTURE_SLACK = dt.timedelta(days=1)  # time zones: a time up to a day ahead is not "future"


def receipt_time(diterima: str, dikirim: str, now: dt.datetime | None = None) -> str:
    """When a message arrived, ISO text in UTC: the server's receipt time, else its ``Date:``;
    '' when neither is known or it lies more than a day after ``now`` (a sender's clock set to
    2099 does not make its message the newest, as the report does not rank such a file
    newest either). Texts of one form: they sort in time order."""
    try:
        when = diterima or (iso_utc(dt.datetime.fromisoformat(dikirim)) if dikirim else "")
    except ValueError:
        return ""
    limit = iso_utc((now or dt.datetime.now(dt.UTC)) + FUTURE_SLACK)
    return when if when and when <= limit else ""


def sent_replies(input_dir: Path) -> dict[tuple[str, str], str]:
    """``(kode_opd, kunci)`` → time of every reply sent or being sent (read-only)."""
    with _reader(input_dir) as conn:
        if conn is None:
            return {}
        rows = conn.execute(
            "SELECT kode_opd, kunci, waktu FROM balasan WHERE status IN (?, ?) ORDER BY id",
            (BALASAN_MENGIRIM, BALASAN_TERKIRIM),
        ).fetchall()
    return {(str(k), str(c)): str(w) for k, c, w in rows}


def ledger_frame(input_dir: Path) -> pd.DataFrame:
    """:func:`read_ledger` as a DataFrame (columns :data:`RECEIPT_COLUMNS`, all kept as text
    except ``id``, ``surat_id``, ``urutan`` and ``ukuran``)."""
    import pandas as pd  # noqa: PLC0415

    return pd.DataFrame([r.__dict__ for r in read_ledger(input_dir)], columns=RECEIPT_COLUMNS)
