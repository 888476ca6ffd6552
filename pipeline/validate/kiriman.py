"""Mailed files in the run: who sent each file and when the mail server received it.

When ``ambil`` has kept a submission ledger beside the input folder
(:mod:`pipeline.mail.ledger`), the run reads it once (:func:`load_receipts`) and, for every file
that came by mail and is still byte for byte what was received:

* its time is the server's receipt time, not the workbook's own save time
  (:func:`received_at`): lateness and which of an OPD's files is the newer follow it;
* the OPD its hidden ``_meta`` sheet claims must be an OPD of the sender's address
  (:func:`check_sender`); a file that claims another OPD is refused and replaces nothing;
* the file register shows the sender and the receipt time (:func:`with_receipts`).

A file placed in the folder by hand has no receipt and keeps its own save time. ``.eml`` /
``.msg`` files in the folder are listed with what became of their attachments
(:func:`message_files`). Everything read from the ledger is mail text: untrusted, only ever
written as text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import fmt, sanitize, schema
from pipeline import template as tpl
from pipeline.completeness import MAIL_REFUSED, local_time
from pipeline.ingest import INPUT_SUFFIXES, Submission
from pipeline.issues import ERROR, INFO, WARNING, Issue
from pipeline.mail.ledger import (
    DISIMPAN,
    DITOLAK,
    DUPLIKAT,
    FOLDER_INPUT,
    KARANTINA,
    SURAT_DITOLAK,
    LedgerError,
    MessageRecord,
    Receipt,
    iso_utc,
    ledger_path,
    read_ledger,
    read_messages,
)
from pipeline.mail.message import MAX_ATTACHMENT_BYTES
from pipeline.validate.common import FileIssues

MESSAGE_SUFFIXES = (".eml", ".msg")


@dataclass
class Receipts:
    """What the ledger says about one input folder (all empty without a ledger)."""

    saved: dict[str, Receipt] = field(default_factory=dict)  # saved name → its receipt
    messages: list[MessageRecord] = field(default_factory=list)
    rows: list[Receipt] = field(default_factory=list)  # every attachment row
    issues: list[Issue] = field(default_factory=list)  # the ledger could not be read

    def received(self, subs: list[Submission]) -> dict[str, str]:
        """File name → when it came by mail (:func:`received_at`), for the files of ``subs``
        that came by mail and are still as received."""
        out = {}
        for s in subs:
            found = receipt_of(s, self.saved)
            if found is not None and received_at(found):
                out[s.name] = received_at(found)
        return out


def received_at(receipt: Receipt) -> str:
    """When a mailed file arrived, ISO text in UTC: the mail server's receipt time (IMAP
    INTERNALDATE, the newest ``Received:`` header of a message file, a ``.msg``'s delivery
    time); for a message file without any of them, its ``Date:`` header; else ''."""
    if receipt.diterima:
        return receipt.diterima
    try:
        return iso_utc(dt.datetime.fromisoformat(receipt.dikirim)) if receipt.dikirim else ""
    except ValueError:
        return ""


def load_receipts(input_dir: Path) -> Receipts:
    """The ledger of ``input_dir``; an issue instead when it exists but cannot be read (the
    run then goes on with each file's own save time)."""
    try:
        rows = read_ledger(input_dir)
        messages = read_messages(input_dir)
    except LedgerError:
        where = ledger_path(input_dir)
        problem = Issue(
            rule="kiriman.buku_tidak_terbaca",
            severity=WARNING,
            message=f"Buku kiriman {where.parent.name}/{where.name} tidak dapat dibaca (rusak "
            "atau bukan basis data SQLite); waktu terima surel tidak dipakai: keterlambatan "
            "dan berkas terbaru mengikuti waktu simpan tiap berkas. Jalankan `make ambil` "
            "pada folder masukan yang baru bila buku ini tidak dapat dipulihkan.",
            file=where.name,
            found="buku kiriman tidak terbaca",
            expected="berkas SQLite buku kiriman yang dapat dibaca",
        )
        return Receipts(issues=[problem])
    saved = {r.nama_simpan: r for r in rows if r.status == DISIMPAN and r.folder == FOLDER_INPUT}
    return Receipts(saved, messages, rows)


def receipt_of(sub: Submission, receipts: dict[str, Receipt]) -> Receipt | None:
    """The receipt of a file, if it came by mail and its bytes are still those received."""
    found = receipts.get(sub.name)
    return found if found is not None and found.sha256 == sub.sha256 else None


def changed_after_receipt(sub: Submission, receipts: dict[str, Receipt]) -> list[Issue]:
    """An INFO when a mailed file was changed in the folder after it was received."""
    found = receipts.get(sub.name)
    if found is None or found.sha256 == sub.sha256:
        return []
    out = FileIssues(sub)
    out.issue(
        "kiriman.berkas_berubah",
        INFO,
        f"Berkas ini diterima lewat surel dari {found.pengirim} ({_shown(found.diterima)}) "
        "tetapi isinya telah diubah sesudahnya; waktu simpan berkas dipakai, bukan waktu "
        "terima surel.",
        found=f"SHA-256 {sub.sha256[:12]}…",
        expected=f"SHA-256 {found.sha256[:12]}… (seperti diterima)",
    )
    return out.items


def sender_opds(receipt: Receipt) -> list[str]:
    """The OPD codes the spec lists for the sender's address."""
    return [k for k in receipt.opd_pengirim.split(";") if k]


def check_sender(sub: Submission, kode_opd: str, receipt: Receipt | None) -> list[Issue]:
    """ERROR when the OPD of the file's ``_meta`` sheet (``kode_opd``, as resolved by the
    ``_meta`` check) is not an OPD of the address the file was mailed from.

    The issue is counted for the sender's OPD (the reply goes there). Returns [] for a file
    not received by mail, or when either side is unknown.
    """
    if receipt is None or not kode_opd or not receipt.kode_opd:
        return []
    opds = sender_opds(receipt) or [receipt.kode_opd]
    if kode_opd in opds:
        return []
    out = FileIssues(sub, receipt.kode_opd)
    out.issue(
        "kiriman.opd_pengirim",
        ERROR,
        f"Berkas ini dikirim dari alamat {receipt.pengirim}, yang terdaftar untuk OPD "
        f"{' / '.join(opds)}, tetapi sheet _meta menyebut OPD {kode_opd}. Berkas tidak dipakai "
        "dan tidak menggantikan berkas lain. Kirim templat OPD Anda sendiri; bila alamat ini "
        "memang dipakai OPD tersebut, tambahkan ke kolom email master spec.",
        sheet=tpl.SHEET_META,
        cell=sub.meta_cells.get("kode_opd", ""),
        found=f"_meta: {kode_opd}; pengirim: {receipt.pengirim}",
        expected=" atau ".join(opds),
    )
    return out.items


MAIL_NO_ATTACHMENT = "kiriman.tanpa_lampiran"


def refused_by_mail(
    receipts: Receipts, codes: set[str], submitted: set[str], zona: str
) -> list[Issue]:
    """What ``ambil`` took from the mailbox and did not bring into the input folder, told to
    the OPD of the sender's address (the only OPD the spec lists for it):

    * each attachment refused (a PDF, an ``.xls``, a file over the size limit, a zip bomb, an
      unsafe name) and each message not opened (too big, unreadable): a WARNING
      (:data:`~pipeline.completeness.MAIL_REFUSED`), or an INFO when the same message brought
      a workbook of that OPD (a PDF cover letter beside the template) or a later message did
      (the PDF was followed by the template): an earlier refusal is past, a later one is not
      (the OPD's correction did not arrive);
    * a message without any attachment (a link to a shared drive instead) from an OPD with no
      file in the input folder: a WARNING.

    Such a file never reaches the input folder: without these the OPD would read as not having
    sent anything, and a reply to its message would say there is nothing to fix. Message files
    in the input folder (``.eml``/``.msg``) are left out: the register lists what became of
    their attachments.
    """
    rows: dict[int, list[Receipt]] = {}
    for r in receipts.rows:
        rows.setdefault(r.surat_id, []).append(r)
    # per OPD, when the newest message that brought one of its workbooks came
    brought_at: dict[str, str] = {}
    for m in receipts.messages:
        for r in rows.get(m.id, []):
            if r.status in (DISIMPAN, DUPLIKAT) and r.kode_opd:
                brought_at[r.kode_opd] = max(brought_at.get(r.kode_opd, ""), _when(m))
    issues: list[Issue] = []
    bare: dict[str, tuple[str, Issue]] = {}  # OPD → its newest message without attachment
    for m in receipts.messages:
        if m.sumber != "imap":
            continue
        when = _when(m)
        shown = fmt.tanggal(local_time(when, zona)) if when else "waktu tidak diketahui"
        sender = sanitize.visible(m.pengirim) or "(pengirim tidak diketahui)"
        subject = sanitize.visible(m.subjek) or "(tanpa subjek)"
        letter = f'Surel "{subject}" dari {sender} (diterima {shown})'
        issues += _quarantined(letter, rows.get(m.id, []))
        opds = [k for k in m.opd_pengirim.split(";") if k]
        if len(opds) != 1 or opds[0] not in codes:
            issues += _unowned(letter, m, rows.get(m.id, []))
            continue
        kode, mine = opds[0], rows.get(m.id, [])
        send = (
            "Kirim templat capaian kinerja OPD Anda sebagai lampiran buku kerja "
            f"({', '.join(INPUT_SUFFIXES)}, paling besar {MAX_ATTACHMENT_BYTES // 1048576} MB; "
            "bukan tautan, PDF atau .xls) dengan membalas surel ini."
        )
        expected = f"templat OPD sebagai lampiran {' atau '.join(INPUT_SUFFIXES)}"
        if m.status == SURAT_DITOLAK:
            found = _refusals(letter, m, mine)
        elif not mine:
            newest = bare.get(kode)
            if kode not in submitted and (newest is None or when >= newest[0]):
                bare[kode] = (  # the newest such message only (replies, reminders)
                    when,
                    Issue(
                        rule=MAIL_NO_ATTACHMENT,
                        severity=WARNING,
                        message=f"{letter} tidak memuat lampiran; tautan (misalnya Google Drive) "
                        f"tidak diunduh. {send}",
                        kode_opd=kode,
                        found="surel tanpa lampiran",
                        expected=expected,
                    ),
                )
            continue
        else:
            found = _refusals(letter, m, mine)
        brought = any(r.status in (DISIMPAN, DUPLIKAT) and r.kode_opd == kode for r in mine)
        # a workbook of the OPD came later, by another message: this one is past
        later = not brought and bool(when) and brought_at.get(kode, "") > when
        for message, what in found:
            issues.append(
                Issue(
                    rule=MAIL_REFUSED,
                    severity=INFO if brought or later else WARNING,
                    message=f"{message} "
                    + (
                        "Buku kerja pada surel yang sama sudah diambil; lampiran ini hanya "
                        "dicatat."
                        if brought
                        else "Buku kerja OPD ini dari surel yang lebih baru sudah diambil; "
                        "lampiran ini hanya dicatat."
                        if later
                        else send
                    ),
                    kode_opd=kode,
                    found=what,
                    expected=expected,
                )
            )
    return issues + [issue for _, issue in bare.values()]


def _when(m: MessageRecord) -> str:
    """When a message came (the server's receipt time, else its own date): ISO text in UTC."""
    return m.diterima or m.dikirim


def _quarantined(letter: str, rows: list[Receipt]) -> list[Issue]:
    """A WARNING for the secretariat per attachment kept aside in the quarantine folder (a
    sender the spec does not list, such as an OPD's personal address): nothing in the report
    would show it otherwise."""
    return [
        Issue(
            rule="kiriman.karantina",
            severity=WARNING,
            message=f"Lampiran {name} pada {letter[0].lower()}{letter[1:]} disimpan di folder "
            f"karantina buku kiriman sebagai {r.nama_simpan} dan tidak dibaca: "
            f"{sanitize.visible(r.alasan)}. Bila "
            "berkas ini memang dari OPD, salin berkasnya ke folder masukan lalu jalankan ulang, "
            "dan tambahkan alamat pengirim ke kolom email master spec agar kiriman berikutnya "
            "diterima.",
            found=name,
            expected="pengirim yang terdaftar di kolom email master spec",
        )
        for r in rows
        if r.status == KARANTINA
        for name in [_name(r)]
    ]


def _unowned(letter: str, m: MessageRecord, rows: list[Receipt]) -> list[Issue]:
    """A WARNING for the secretariat per attachment refused (and per message not opened) from
    a sender that is not exactly one OPD of the spec (an OPD's personal address, an address
    two OPDs share): no OPD is told of it, and nothing else in the report would show it."""
    return [
        Issue(
            rule=MAIL_REFUSED,
            severity=WARNING,
            message=f"{message} Pengirimnya tidak tercatat sebagai alamat satu OPD di kolom "
            "email master spec, jadi tidak ada OPD yang diberi tahu: bila surel ini dari OPD, "
            "mintalah OPD itu mengirim ulang templatnya dari alamat yang terdaftar, atau "
            "tambahkan alamatnya ke master spec.",
            found=what,
            expected="pengirim yang terdaftar di kolom email master spec",
        )
        for message, what in _refusals(letter, m, rows)
    ]


def _refusals(letter: str, m: MessageRecord, rows: list[Receipt]) -> list[tuple[str, str]]:
    """What of a message was not taken in, each said and named: the message itself when it
    was not opened, else each attachment refused."""
    if m.status == SURAT_DITOLAK:
        return [(f"{letter} tidak dibuka: {sanitize.visible(m.alasan)}.", "surel tidak dibuka")]
    return [
        (
            f"Lampiran {name} pada {letter[0].lower()}{letter[1:]} tidak diambil: "
            f"{sanitize.visible(r.alasan)}.",
            name,
        )
        for r in rows
        if r.status == DITOLAK
        for name in [_name(r)]
    ]


def with_receipts(
    berkas: pd.DataFrame,
    receipts: dict[str, Receipt],
    sha: dict[str, str],
) -> pd.DataFrame:
    """The register with the sender, the time the file came by mail (:func:`received_at`)
    and the message's own ``Date:`` of each mailed file (``''`` for a file placed by hand, or
    changed since it was received)."""
    found = [
        receipts.get(name)
        if receipts.get(name) and receipts[name].sha256 == sha.get(name)
        else None
        for name in berkas["berkas"]
    ]
    return berkas.assign(
        pengirim=[sanitize.visible(r.pengirim) if r else "" for r in found],
        diterima=[received_at(r) if r else "" for r in found],
        dikirim=[r.dikirim if r else "" for r in found],
    )


def message_files(
    berkas: pd.DataFrame, messages: list[MessageRecord], rows: list[Receipt]
) -> tuple[pd.DataFrame, list[Issue]]:
    """``.eml`` / ``.msg`` files in the input folder: what became of their attachments, or a
    WARNING saying how to have them opened when they were not taken in yet."""
    by_hash = {m.sha256: m for m in messages if m.sumber in ("eml", "msg")}
    attachments: dict[int, list[Receipt]] = {}
    for r in rows:
        attachments.setdefault(r.surat_id, []).append(r)
    issues: list[Issue] = []
    alasan = []
    for name, status, reason, digest in zip(
        berkas["berkas"], berkas["status"], berkas["alasan"], berkas["sha256"], strict=True
    ):
        if status != schema.BERKAS_DIABAIKAN or not str(name).lower().endswith(MESSAGE_SUFFIXES):
            alasan.append(reason)
            continue
        message = by_hash.get(str(digest))  # the same file, whatever its name now
        if message is None:
            alasan.append(
                "pesan surel yang belum dibuka: jalankan `make report` atau `make ambil` agar "
                "lampirannya diambil ke folder masukan"
            )
            issues.append(
                Issue(
                    rule="kiriman.surel_belum_dibuka",
                    severity=WARNING,
                    message="Berkas pesan surel ini belum dibuka, sehingga lampirannya belum "
                    "dibaca. Jalankan `make ambil` (atau `make report`), yang mengambil "
                    "lampiran buku kerjanya ke folder masukan dan mencatatnya di buku kiriman.",
                    file=str(name),
                    found="pesan surel belum dibuka",
                    expected="lampiran diambil ke folder masukan",
                )
            )
            continue
        parts = [_attachment(a) for a in attachments.get(message.id, [])]
        alasan.append(
            f"pesan surel dari {sanitize.visible(message.pengirim) or '(tanpa alamat)'}"
            + (f" ({sanitize.visible(message.alasan)})" if message.alasan else "")
            + (f"; lampiran: {'; '.join(parts)}" if parts else "; tanpa lampiran")
        )
    return berkas.assign(alasan=alasan), issues


def _name(r: Receipt) -> str:
    """An attachment's name as the sender gave it (inside its zip), shown exactly: a line
    break, a direction change or an invisible character in it is written as ``\\uNNNN``."""
    name = sanitize.visible(r.nama_asli) or "(tanpa nama berkas)"
    return f"{sanitize.visible(r.dari_zip)} › {name}" if r.dari_zip else name


def _attachment(a: Receipt) -> str:
    name = _name(a)
    if a.folder == FOLDER_INPUT:
        return f"{name} → {a.nama_simpan}"
    if a.duplikat_dari:
        return f"{name}: duplikat dari {a.duplikat_dari}"
    return f"{name}: {a.status}" + (f" ({sanitize.visible(a.alasan)})" if a.alasan else "")


def _shown(iso: str) -> str:
    return iso[:16].replace("T", " ") + " UTC" if iso else "waktu tidak diketahui"
