"""Take messages in: match the sender to an OPD, check each attachment, save it, record it.

:func:`ambil` is the whole of ``python -m pipeline ambil``: new IMAP mail (when ``SAKIP_IMAP_*``
is set), then every ``.eml`` / ``.msg`` file in the input folder not taken in before. Each
message goes through :func:`take_in`:

1. The sender's address is looked up in the spec's ``email`` column (several addresses per OPD
   may be given, separated by ``;``). An address not there → every attachment goes to the
   quarantine folder beside the input folder (status ``karantina``), never into the report.
2. Each attachment is refused (``ditolak``, with the reason) when its name tries to leave the
   folder, holds control characters, has another extension than ``.xlsx``/``.xlsm``/``.zip``, or
   is larger than :data:`~pipeline.mail.message.MAX_ATTACHMENT_BYTES`; a zip is opened with
   ingest's zip-bomb limits and its workbooks are taken one by one.
3. The workbook's hidden ``_meta`` sheet is read in an isolated worker (as ingest reads it) for
   the OPD it claims; the file name gives another hint. Both are recorded. The OPD a file is
   entered for comes from the sender; only an address the spec lists for several OPDs is
   resolved by the ``_meta`` claim, then by the file name.
4. Bytes already saved for the same OPD (same SHA-256, in the ledger, or in the input folder
   by hand) are not saved again (``duplikat``), unless the OPD sent another file since: going
   back to an earlier version makes it the newest again. Otherwise the file is written
   atomically as ``<received UTC yyyymmdd-hhmmss>_<kode_opd>_<original name made safe>``
   (``disimpan``), never over a different file.

Nothing on the mail server is changed: the folder is opened read-only (``EXAMINE``) and bodies
are fetched with ``BODY.PEEK``.
"""

from __future__ import annotations

import copy
import errno
import hashlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.atomic import atomic_path
from pipeline.ingest import list_inputs as _all_inputs
from pipeline.isolate import Limits, read_files
from pipeline.mail import ledger as lg
from pipeline.mail.message import (
    ZIP_SUFFIX,
    Attachment,
    Letter,
    name_problem,
    open_zip,
    parse_eml,
    parse_msg,
    safe_name,
    size_problem,
)
from pipeline.master import MasterSpec
from pipeline.sanitize import visible

MESSAGE_SUFFIXES = {".eml": "eml", ".msg": "msg"}
_ADDRESS_SPLIT = re.compile(r"[;,\s]+")
# the address inside what a clerk may paste into the spec: ``Nama <a@b>``, ``mailto:a@b``
_ADDRESS = re.compile(r"(?:mailto:)?<?([^\s<>;,:\"'()]+@[^\s<>;,:\"'()]+?)>?[.]?$")

Echo = Callable[[str], None]


@dataclass
class Summary:
    """What one ``ambil`` run did (for the printout and the tests)."""

    messages: int = 0  # messages taken in this run
    skipped: int = 0  # message files taken in before
    statuses: dict[str, int] = field(default_factory=dict)
    refused_messages: int = 0
    seconds: float = 0.0
    imap: bool = False

    def count(self, status: str) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


def sender_index(spec: MasterSpec) -> dict[str, list[str]]:
    """Lower-case address → the OPD codes whose spec ``email`` cell lists it (spec order)."""
    index: dict[str, list[str]] = {}
    if "email" not in spec.opd.columns:
        return index
    for kode, cell in zip(spec.opd["kode_opd"], spec.opd["email"], strict=True):
        for part in _ADDRESS_SPLIT.split(str(cell or "").strip().lower()):
            found = _ADDRESS.match(part)
            addr = found.group(1) if found else ""
            if addr and kode not in index.setdefault(addr, []):
                index[addr].append(str(kode))
    return index


def opd_addresses(spec: MasterSpec, kode_opd: str) -> list[str]:
    """The addresses the spec lists for an OPD (for replies)."""
    return [addr for addr, codes in sender_index(spec).items() if kode_opd in codes]


def opd_from_name(spec: MasterSpec, name: str) -> str:
    """The OPD a file name points at: ``<kode_pemda>_<tahun>_<KODE>.xlsx`` or a name/alias."""
    stem = Path(name).stem
    codes = set(spec.opd["kode_opd"])
    prefix = f"{spec.kode_pemda}_{spec.tahun}_"
    if stem.startswith(prefix) and stem[len(prefix) :] in codes:
        return stem[len(prefix) :]
    return spec.resolve_opd(stem) or ""


def _stamp(letter: Letter) -> str:
    when = letter.diterima or lg.iso_utc(_parse_iso(letter.dikirim))
    digits = re.sub(r"\D", "", when)[:14]
    return f"{digits[:8]}-{digits[8:14]}" if len(digits) == 14 else "00000000-000000"


def _parse_iso(text: str) -> Any:
    import datetime as dt  # noqa: PLC0415

    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


# The input folder itself cannot be written: every message after this one would fail too.
_LOCAL_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EIO}


@dataclass
class Intake:
    """The state of one run: spec, folders, ledger, the hashes of what is on disk."""

    spec: MasterSpec
    input_dir: Path
    ledger: lg.Ledger
    limits: Limits
    echo: Echo
    summary: Summary = field(default_factory=Summary)
    senders: dict[str, list[str]] = field(default_factory=dict)
    # sha256 → names in the input folder holding those bytes
    on_disk: dict[str, list[str]] = field(default_factory=dict)
    _written: list[Path] = field(default_factory=list)  # files saved for the message being taken

    def __post_init__(self) -> None:
        self.senders = sender_index(self.spec)
        for path in list_inputs(self.input_dir):
            if path.suffix.lower() in MESSAGE_SUFFIXES or path.stat().st_size > 64 << 20:
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            self.on_disk.setdefault(digest, []).append(path.relative_to(self.input_dir).as_posix())

    # -- one message -------------------------------------------------------------------------

    def take_in(self, letter: Letter, source: dict[str, Any], commit: Callable[..., None]) -> None:
        """Record one message and its attachments in one transaction.

        ``source`` holds the ``surat`` columns known to the caller (``sumber``, ``asal``,
        ``sha256``, IMAP ``uidvalidity``/``uid``); ``commit(conn)`` runs inside the same
        transaction (the IMAP position moves with the message).

        No message can stop the intake: one that fails in a way nobody foresaw is recorded as
        refused, with the error's name, and the next is taken. A folder that cannot be written
        (disk full, read-only, no permission) ends it with one sentence (exit 8), as every
        message after it would fail the same way.
        """
        before = (copy.deepcopy(self.summary), copy.deepcopy(self.on_disk))
        self._written = []
        try:
            self._take_in(letter, source, commit)
        except BaseException as exc:
            # nothing of a message that is not recorded stays: its files are removed (the
            # report would read them with no sender or receipt), the counts are as before
            for path in self._written:
                path.unlink(missing_ok=True)
            self.summary, self.on_disk = before
            if not isinstance(exc, Exception) or isinstance(exc, lg.LedgerError):
                raise
            failure: Exception = exc
        else:
            return
        finally:
            self._written = []
        if isinstance(failure, OSError) and failure.errno in _LOCAL_ERRNOS:
            from pipeline.mail.settings import EXIT_LOCAL, MailError  # noqa: PLC0415

            raise MailError(
                f"Lampiran tidak dapat disimpan di folder {self.input_dir} "
                f"({os.strerror(failure.errno or 0) or type(failure).__name__}); surat yang "
                "sudah dicatat tetap tersimpan.",
                EXIT_LOCAL,
            ) from None
        try:
            self._refuse(letter, source, commit, failure)
        except Exception as again:
            if isinstance(again, lg.LedgerError):
                raise
            # the message's own text cannot be recorded either: record where it came from and
            # that it was refused, so that it is listed and the next message is taken
            bare: dict[str, Any] = {
                k: source[k] for k in ("sumber", "uidvalidity", "uid", "sha256") if k in source
            }
            problem = (
                f"surat tidak dapat diproses ({type(failure).__name__}) dan kepala suratnya "
                "tidak dapat dicatat; minta OPD mengirim ulang lampirannya"
            )
            bare["asal"] = visible(str(source.get("asal", "")))
            self._take_in(Letter(problem=problem), bare, commit)

    def _refuse(
        self,
        letter: Letter,
        source: dict[str, Any],
        commit: Callable[..., None],
        exc: BaseException,
    ) -> None:
        """Record a message that failed while being taken in as refused (its attachments not
        saved), so that it is listed and not tried again for ever."""
        failed = Letter(
            message_id=letter.message_id,
            pengirim=letter.pengirim,
            nama_pengirim=letter.nama_pengirim,
            dikirim=letter.dikirim,
            diterima=letter.diterima,
            subjek=letter.subjek,
            problem=(
                f"surat tidak dapat diproses ({type(exc).__name__}); minta OPD mengirim ulang "
                "lampirannya"
            ),
        )
        self._take_in(failed, source, commit)

    def _take_in(
        self, letter: Letter, source: dict[str, Any], commit: Callable[..., None]
    ) -> None:
        opds = self.senders.get(letter.pengirim, [])
        items = self._expand(letter)
        metas = self._read_meta([a for a in items if not a.problem])
        with self.ledger.transaction() as conn:
            surat_id = self.ledger.add_message(
                conn,
                {
                    **source,
                    "message_id": letter.message_id,
                    "pengirim": letter.pengirim,
                    "nama_pengirim": letter.nama_pengirim,
                    "dikirim": letter.dikirim,
                    "diterima": letter.diterima,
                    "subjek": letter.subjek,
                    "opd_pengirim": ";".join(opds),
                    "jumlah_lampiran": len(items),
                    "status": lg.SURAT_DITOLAK if letter.problem else lg.SURAT_DIPROSES,
                    "alasan": letter.problem,
                },
            )
            who = letter.pengirim or "(pengirim tidak diketahui)"
            when = (letter.diterima or letter.dikirim)[:16] or "waktu tidak diketahui"
            self.echo(f"Surat {when} dari {who}: {letter.subjek or '(tanpa subjek)'}")
            if letter.problem:
                self.echo(f"  [ditolak] {letter.problem}")
                self.summary.refused_messages += 1
            elif not items:
                self.echo("  (tanpa lampiran)")
            for number, att in enumerate(items, start=1):
                row = self._decide(letter, att, opds, metas.get(id(att), ("", "")))
                row["surat_id"], row["urutan"] = surat_id, number
                self.ledger.add_attachment(conn, row)
                self.summary.count(row["status"])
                # names as sent, escape sequences and all: written out, never interpreted
                shown = visible(f"{att.from_zip} › {att.name}" if att.from_zip else att.name)
                target = f" → {visible(row['nama_simpan'])}" if row["nama_simpan"] else ""
                note = f" ({visible(row['alasan'])})" if row["alasan"] else ""
                self.echo(f"  [{row['status']}] {row['kode_opd'] or '-'} {shown}{target}{note}")
            commit(conn)
        self.summary.messages += 1

    def _expand(self, letter: Letter) -> list[Attachment]:
        out: list[Attachment] = []
        for att in letter.attachments:
            if not att.problem:
                att.problem = name_problem(att.name) or size_problem(len(att.data))
            if not att.problem and att.name.lower().endswith(ZIP_SUFFIX):
                out.extend(open_zip(att))
            else:
                out.append(att)
        return out

    def _read_meta(self, items: list[Attachment]) -> dict[int, tuple[str, str]]:
        """``id(attachment)`` → (kode_opd claimed by ``_meta``, detected type), read in
        isolated workers exactly as ingest reads files."""
        if not items:
            return {}
        with tempfile.TemporaryDirectory(prefix="sakip-lampiran-") as tmp:
            files = []
            for n, att in enumerate(items):
                path = Path(tmp) / f"{n}{Path(att.name).suffix.lower()}"
                path.write_bytes(att.data)
                files.append((path, att.name))
            subs = read_files(files, self.limits)
        return {
            id(att): (sub.meta.get("kode_opd", "")[:50], sub.jenis)
            for att, sub in zip(items, subs, strict=True)
        }

    def _decide(
        self, letter: Letter, att: Attachment, opds: list[str], meta: tuple[str, str]
    ) -> dict[str, Any]:
        base = att.name.rsplit("/", 1)[-1]
        row: dict[str, Any] = {
            "nama_asli": att.name,
            "dari_zip": att.from_zip,
            "sha256": hashlib.sha256(att.data).hexdigest() if att.data else "",
            "ukuran": len(att.data),
            "opd_pengirim": ";".join(opds),
            "opd_meta": meta[0],
            "jenis": meta[1],
            "opd_nama_berkas": opd_from_name(self.spec, base) if not att.problem else "",
            "kode_opd": "",
            "cara_cocok": "",
            "nama_simpan": "",
            "folder": "",
            "alasan": "",
            "duplikat_dari": "",
        }
        if att.problem:
            return {**row, "status": lg.DITOLAK, "alasan": att.problem}
        if len(opds) == 1:
            row["kode_opd"], row["cara_cocok"] = opds[0], "email"
        elif opds and row["opd_meta"] in opds:
            row["kode_opd"], row["cara_cocok"] = row["opd_meta"], "email+_meta"
        elif opds and row["opd_nama_berkas"] in opds:
            row["kode_opd"], row["cara_cocok"] = row["opd_nama_berkas"], "email+nama_berkas"
        if not row["kode_opd"]:
            row["alasan"] = (
                f"alamat {letter.pengirim} dipakai {len(opds)} OPD ({', '.join(opds)}) dan "
                "berkas tidak menyebut salah satunya"
                if opds
                else f"pengirim {letter.pengirim} tidak terdaftar di kolom email master spec"
                if letter.pengirim
                else "alamat pengirim tidak dapat ditentukan: kolom From tidak memuat tepat satu "
                "alamat (dua alamat berbeda dapat berarti pengirimnya dipalsukan)"
            )
            return self._store(letter, att, row, quarantine=True)
        if row["opd_meta"] and row["opd_meta"] != row["kode_opd"]:
            row["alasan"] = (
                f"_meta berkas menyebut OPD {row['opd_meta']}, pengirim terdaftar untuk "
                f"{row['kode_opd']}"
            )
        return self._store(letter, att, row, quarantine=False)

    def _store(
        self, letter: Letter, att: Attachment, row: dict[str, Any], quarantine: bool
    ) -> dict[str, Any]:
        folder = lg.quarantine_dir(self.input_dir) if quarantine else self.input_dir
        label = lg.FOLDER_QUARANTINE if quarantine else lg.FOLDER_INPUT
        status = lg.KARANTINA if quarantine else lg.DISIMPAN
        tag = row["kode_opd"] or letter.pengirim or "tanpa-pengirim"
        name = safe_name(f"{_stamp(letter)}_{tag}_{safe_name(att.name.rsplit('/', 1)[-1])}")
        digest = row["sha256"]
        target, n = folder / name, 1
        while target.exists() and _sha(target) != digest:
            n += 1
            stem, dot, suffix = name.rpartition(".")
            target = folder / (f"{stem}_{n}.{suffix}" if dot else f"{name}_{n}")
        recovered = target.exists()  # same bytes, same name: written by a run that was killed
        earlier = self.ledger.saved_with_hash(digest, label, row["kode_opd"])
        if earlier and not (folder / earlier).is_file():
            earlier = ""  # saved before, then removed from the folder: this copy is saved
        if not earlier and not quarantine and not recovered:
            # a file placed by hand, or saved for this OPD; never one entered for another OPD
            # (a neighbour that mailed this OPD's file first would block its own submission)
            earlier = next(
                (
                    name
                    for name in self.on_disk.get(digest, [])
                    if self.ledger.entered_for(name) in (None, row["kode_opd"])
                ),
                "",
            )
        if earlier and not quarantine and self._sent_back(row["kode_opd"], digest, letter):
            earlier = ""  # an older version sent again after a newer one: now the newest
        if earlier:
            return {**row, "status": lg.DUPLIKAT, "duplikat_dari": earlier}
        if not recovered:
            with atomic_path(target) as tmp:
                tmp.write_bytes(att.data)
            self._written.append(target)
        if not quarantine and target.name not in self.on_disk.setdefault(digest, []):
            self.on_disk[digest].append(target.name)
        return {**row, "status": status, "nama_simpan": target.name, "folder": label}

    def _sent_back(self, kode_opd: str, digest: str, letter: Letter) -> bool:
        """Whether these bytes, saved for ``kode_opd`` before, come after another file of that
        OPD: the OPD went back to an earlier version (the feedback of a superseded file asks
        for exactly this), and the newest file wins by receipt time. The bytes are saved again
        under this message's time, so the report takes them as the newest."""
        when = lg.receipt_time(letter.diterima, letter.dikirim)
        if not when:
            return False
        saved = [
            (time, name, sha)
            for name, sha, time in self.ledger.saved_for(kode_opd)
            if (self.input_dir / name).is_file()
        ]
        if not saved:
            return False
        newest_time, _, newest_sha = max(saved)
        return newest_sha != digest and when > newest_time

    # -- message files in the input folder ---------------------------------------------------

    def take_in_files(self) -> None:
        """Every ``.eml`` / ``.msg`` under the input folder not taken in before."""
        for path in list_inputs(self.input_dir):
            sumber = MESSAGE_SUFFIXES.get(path.suffix.lower())
            if sumber is None:
                continue
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if self.ledger.has_message(sumber, digest):
                self.summary.skipped += 1
                continue
            letter = parse_eml(data) if sumber == "eml" else parse_msg(path)
            # a name that is not UTF-8 (copied from an old USB stick) as the register shows it
            asal = visible(path.relative_to(self.input_dir).as_posix())
            self.take_in(
                letter, {"sumber": sumber, "asal": asal, "sha256": digest}, lambda conn: None
            )


def list_inputs(folder: Path) -> list[Path]:
    """The regular files under ``folder``: a link (it may lead out of the folder), a FIFO
    (reading it would block) or a device is never opened here; the report lists them."""
    out = []
    for path in _all_inputs(folder):
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                out.append(path)
        except OSError:
            continue
    return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pending_message_files(input_dir: Path) -> list[Path]:
    """The ``.eml`` / ``.msg`` files under ``input_dir`` not taken into the ledger yet
    (read-only: nothing is written, no ledger is created)."""
    files = [p for p in list_inputs(Path(input_dir)) if p.suffix.lower() in MESSAGE_SUFFIXES]
    if not files:
        return []
    known = {(m.sumber, m.sha256) for m in lg.read_messages(input_dir)}
    return [p for p in files if (MESSAGE_SUFFIXES[p.suffix.lower()], _sha(p)) not in known]


def open_message_files(
    spec: MasterSpec, input_dir: Path, limits: Limits | None = None, echo: Echo = lambda _: None
) -> Summary:
    """Only the ``.eml`` / ``.msg`` files in ``input_dir`` (never the mail server): what
    ``make report`` does before reading the folder, so that a message dragged into it counts.

    Raises :class:`~pipeline.mail.ledger.LedgerError` when the ledger cannot be written.
    """
    started = time.perf_counter()
    ledger = lg.open_ledger(input_dir)
    try:
        intake = Intake(spec, Path(input_dir), ledger, limits or Limits(), echo)
        intake.take_in_files()
    finally:
        ledger.close()
    intake.summary.seconds = time.perf_counter() - started
    return intake.summary


def ambil(
    spec: MasterSpec,
    input_dir: Path,
    env: dict[str, str] | None = None,
    limits: Limits | None = None,
    echo: Echo = lambda _line: None,
) -> Summary:
    """Fetch new IMAP mail (if configured) and open the message files in ``input_dir``.

    Raises :class:`~pipeline.mail.settings.MailError` for environment problems (settings,
    server, TLS, login) and :class:`~pipeline.mail.ledger.LedgerError` for the ledger; every
    message fully handled before such an error stays recorded.
    """
    from pipeline.mail import imap, settings  # noqa: PLC0415

    started = time.perf_counter()
    input_dir = Path(input_dir)
    try:
        input_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise settings.MailError(
            f"Folder masukan {input_dir} tidak dapat dibuat ({type(exc).__name__}).",
            settings.EXIT_LOCAL,
        ) from exc
    ledger = lg.open_ledger(input_dir)
    try:
        intake = Intake(spec, input_dir, ledger, limits or Limits(), echo)
        if settings.configured("imap", env):
            server = settings.load("imap", env)
            intake.summary.imap = True
            imap.fetch_into(server, intake)
        else:
            echo(
                "SAKIP_IMAP_HOST tidak diisi: kotak surat tidak dibaca, hanya berkas .eml/.msg "
                "di folder masukan."
            )
        intake.take_in_files()
    finally:
        ledger.close()
    intake.summary.seconds = time.perf_counter() - started
    return intake.summary
