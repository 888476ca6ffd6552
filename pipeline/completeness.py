"""Who submitted what and when: one row per OPD of the master spec (pure function)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pandas as pd

from pipeline import schema
from pipeline.issues import ERROR, WARNING

TEPAT_WAKTU = "tepat waktu"
TERLAMBAT = "terlambat"
DITOLAK = "berkas ditolak"
BELUM = "belum mengirim"
TIDAK_WAJIB = "tidak wajib"


def is_late(saved: str, deadline: str) -> bool:
    """Whether a submission time (ISO text) falls on a day after the deadline (ISO date)."""
    return bool(saved and deadline and saved[:10] > str(deadline)[:10])


def completeness(
    opd: pd.DataFrame,
    indikator_count: dict[str, int],
    program_count: dict[str, int],
    berkas: pd.DataFrame,
    issues: pd.DataFrame,
    deadline: str,
) -> pd.DataFrame:
    """Submission status per OPD: on time, late, rejected, missing.

    Lateness follows the mail server's receipt time of the file used (register column
    ``diterima``, from the submission ledger) and, for a file placed by hand, the file's own
    save time. ``berkas`` is the file register (one row per input file); ``issues`` the
    validation issues.
    """
    counts = issues.groupby(["kode_opd", "severity"]).size() if not issues.empty else pd.Series()
    by_opd: dict[str, list[dict[Hashable, Any]]] = {}  # the register rows per OPD, in order
    for file in berkas.to_dict("records"):
        by_opd.setdefault(str(file["kode_opd"]), []).append(file)
    rows = []
    for rec in opd.to_dict("records"):
        kode = rec["kode_opd"]
        files = by_opd.get(str(kode), [])
        used = [f for f in files if f["status"] in schema.BERKAS_DIPAKAI]
        superseded = [str(f["berkas"]) for f in files if f["status"] == schema.BERKAS_DIGANTIKAN]
        saved = str(used[0]["dimodifikasi"]) if used else ""
        received = str(used[0].get("diterima") or "") if used else ""
        sender = str(used[0].get("pengirim") or "") if used else ""
        work = indikator_count.get(kode, 0) + program_count.get(kode, 0)
        if used:
            status = TERLAMBAT if is_late(received or saved, deadline) else TEPAT_WAKTU
        elif files:
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
                "jumlah_error": int(counts.get((kode, ERROR), 0)),
                "jumlah_warning": int(counts.get((kode, WARNING), 0)),
            }
        )
    return pd.DataFrame(rows)
