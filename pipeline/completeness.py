"""Who submitted what and when: one row per OPD of the master spec (pure function)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Hashable, Iterable
from typing import Any

import pandas as pd

from pipeline import fmt, schema
from pipeline.frames import records
from pipeline.issues import ERROR, WARNING

TEPAT_WAKTU = "tepat waktu"
TERLAMBAT = "terlambat"
TANPA_REALISASI = "tanpa realisasi"  # a file used, but nothing in it filled (the blank template)
DITOLAK = "berkas ditolak"
BELUM = "belum mengirim"
TIDAK_WAJIB = "tidak wajib"
# the rule of a mailed attachment (or message) that the intake refused: the OPD sent something
MAIL_REFUSED = "kiriman.lampiran_ditolak"
MELAPOR = (TEPAT_WAKTU, TERLAMBAT)  # the OPDs that have reported (a file used, something in it)
DIKIRIM = (*MELAPOR, TANPA_REALISASI)  # the OPDs whose file is used, filled or not


# Indonesia's three time zones: hours ahead of UTC. The spec's pemda ``zona_waktu`` names the
# Pemda's; the deadline is a day of that zone's calendar.
ZONA_WAKTU = {"WIB": 7, "WITA": 8, "WIT": 9}
ZONA_BAWAAN = "WIB"


def local_time(when: str, zona: str) -> str:
    """ISO text of an instant as the Pemda's clock shows it (no offset): a mail server's
    receipt time and a workbook's save time are kept in UTC, but a file received on
    16 February at 01:00 WIB (15 February, 18:00 UTC) came the day after a 15 February
    deadline. A time without an offset, or a bare date, is already local and kept as it is."""
    try:
        moment = dt.datetime.fromisoformat(when)
    except ValueError:
        return when
    if moment.tzinfo is None:
        return when
    try:
        local = moment.astimezone(dt.timezone(dt.timedelta(hours=ZONA_WAKTU[zona])))
    except OverflowError:  # the last hours of year 9999 (a broken or hostile mail clock)
        return when
    return local.replace(tzinfo=None).isoformat()


def deadline_note(deadline: str, zona: str) -> str:
    """One sentence for the readers of save and receipt times shown in UTC: the deadline on
    the Pemda's clock and the same instant in UTC (empty without a deadline)."""
    try:
        day = dt.date.fromisoformat(str(deadline)[:10])
    except ValueError:
        return ""
    hours = ZONA_WAKTU[zona]
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    utc = end.replace(tzinfo=dt.timezone(dt.timedelta(hours=hours))).astimezone(dt.UTC)
    return (
        f"Status Pengiriman menurut jam {zona} (UTC+{hours}): batas pengumpulan "
        f"{fmt.tanggal(day)} pukul 24.00 {zona}, yaitu {fmt.waktu(utc.isoformat())}; berkas "
        "yang disimpan (atau diterima lewat surel) sesudahnya terlambat. Waktu di sheet ini "
        "dalam UTC."
    )


def is_late(saved: str, deadline: str, zona: str) -> bool:
    """Whether a submission time (ISO text) falls, on the Pemda's clock (``zona``), on a day
    after the deadline (ISO date)."""
    return bool(saved and deadline and local_time(saved, zona)[:10] > str(deadline)[:10])


def as_text(value: Any) -> Any:
    """One value as ``astype(str)`` makes it: text, a missing value kept missing."""
    return value if type(value) is str or pd.isna(value) else str(value)


def present_counts(values: Iterable[Any]) -> dict[str, int]:
    """How often each value occurs, keyed by its text, missing values left out (as
    ``Series.value_counts`` counts them), without a pandas operation for a few hundred values."""
    return dict(
        Counter(
            v if type(v) is str else str(v) for v in values if type(v) is str or not pd.isna(v)
        )
    )


def completeness(
    opd: pd.DataFrame,
    indikator_count: dict[str, int],
    program_count: dict[str, int],
    berkas: pd.DataFrame,
    issues: pd.DataFrame,
    deadline: str,
    zona: str,
    blank: set[str] | None = None,
) -> pd.DataFrame:
    """Submission status per OPD: on time, late, without any realisation, rejected, missing.

    Lateness follows the mail server's receipt time of the file used (register column
    ``diterima``, from the submission ledger) and, for a file placed by hand, the file's own
    save time, each taken on the Pemda's clock (``zona``; the times shown stay in UTC, as
    their column headers say). ``berkas`` is the file register (one row
    per input file); ``issues`` the validation issues; ``blank`` the files used that hold no
    realisation (an OPD whose file is one of them has sent, but not reported: ``tanpa
    realisasi``, on time or not).
    """
    blank = blank or set()
    # issues per (OPD, severity), as plain counts: a lookup in a grouped Series per OPD cost
    # more than the rest of the table
    counts = (
        Counter(zip(issues["kode_opd"].tolist(), issues["severity"].tolist(), strict=True))
        if not issues.empty
        else Counter[tuple[Any, Any]]()
    )
    # OPDs whose mail the intake refused (a PDF, a file too big): they sent, nothing usable
    refused_mail = (
        {
            as_text(o)
            for r, o in zip(issues["rule"].tolist(), issues["kode_opd"].tolist(), strict=True)
            if r == MAIL_REFUSED
        }
        if not issues.empty and "rule" in issues.columns
        else set()
    )
    by_opd: dict[str, list[dict[Hashable, Any]]] = {}  # the register rows per OPD, in order
    for file in records(berkas):
        by_opd.setdefault(str(file["kode_opd"]), []).append(file)
    rows = []
    for rec in records(opd):
        kode = rec["kode_opd"]
        files = by_opd.get(str(kode), [])
        used = [f for f in files if f["status"] in schema.BERKAS_DIPAKAI]
        superseded = [str(f["berkas"]) for f in files if f["status"] == schema.BERKAS_DIGANTIKAN]
        saved = str(used[0]["dimodifikasi"]) if used else ""
        received = str(used[0].get("diterima") or "") if used else ""
        sender = str(used[0].get("pengirim") or "") if used else ""
        work = indikator_count.get(kode, 0) + program_count.get(kode, 0)
        if used and work and str(used[0]["berkas"]) in blank:
            status = TANPA_REALISASI
        elif used:
            status = TERLAMBAT if is_late(received or saved, deadline, zona) else TEPAT_WAKTU
        elif files or str(kode) in refused_mail:
            status = DITOLAK
        else:
            status = BELUM if work else TIDAK_WAJIB
        rows.append(
            {
                "kode_opd": kode,
                "nama_opd": rec["nama_opd"],
                "jenis": rec.get("jenis", ""),
                "jumlah_indikator": indikator_count.get(kode, 0),
                "jumlah_program": program_count.get(kode, 0),
                "status_kirim": status,
                "berkas": str(used[0]["berkas"]) if used else "",
                "dimodifikasi": saved[:19].replace("T", " "),
                "pengirim": sender,
                "diterima": received[:19].replace("T", " "),
                "jumlah_berkas": len(files),
                "berkas_digantikan": "; ".join(superseded),
                "jumlah_error": counts[(kode, ERROR)],
                "jumlah_warning": counts[(kode, WARNING)],
            }
        )
    return pd.DataFrame(rows)
