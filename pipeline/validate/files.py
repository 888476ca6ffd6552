"""File-level checks: the hidden ``_meta`` sheet (template version, Pemda, OPD, year, period) and
which of an OPD's files is used when it sent several."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from pipeline import fmt
from pipeline import template as tpl
from pipeline.ingest import Submission
from pipeline.issues import ERROR, INFO, WARNING, Issue
from pipeline.master import MasterSpec
from pipeline.renja import periode_label, triwulan_of
from pipeline.validate.common import FileIssues, show_value


def check_meta(sub: Submission, spec: MasterSpec) -> tuple[bool, str, list[Issue]]:
    """Structural checks on the hidden ``_meta`` sheet.

    Returns whether the file may be used, the OPD it is counted for and the issues found.
    """
    meta = sub.meta
    out = FileIssues(sub)
    if not sub.readable or any(
        i.severity == ERROR and i.rule.startswith("struktur.sheet") and i.sheet == tpl.SHEET_META
        for i in sub.issues
    ):
        return False, meta.get("kode_opd", ""), []

    def where(key: str) -> dict[str, str]:
        return {"sheet": tpl.SHEET_META, "cell": sub.meta_cells.get(key, "")}

    ok = True
    version = meta.get("versi_templat", "")
    if version not in tpl.SUPPORTED_VERSIONS:
        out.issue(
            "struktur.versi",
            ERROR,
            f"Versi templat '{show_value(version) or '(kosong)'}' tidak dikenal. Minta templat "
            "terbaru ke sekretariat dan salin isian Anda ke sana.",
            found=show_value(version),
            expected=" atau ".join(tpl.SUPPORTED_VERSIONS),
            **where("versi_templat"),
        )
        ok = False
    if meta.get("kode_pemda", "") != spec.kode_pemda:
        out.issue(
            "struktur.pemda",
            ERROR,
            f"Templat ini untuk Pemda '{show_value(meta.get('kode_pemda', ''))}', bukan "
            f"'{spec.kode_pemda}' ({spec.pemda['nama_pemda']}).",
            found=show_value(meta.get("kode_pemda", "")),
            expected=spec.kode_pemda,
            **where("kode_pemda"),
        )
        ok = False
    kode = meta.get("kode_opd", "")
    if kode not in spec.opd_codes:
        resolved = spec.resolve_opd(meta.get("nama_opd", ""))
        if resolved:
            out.issue(
                "struktur.opd_alias",
                WARNING,
                f"Kode OPD '{show_value(kode)}' tidak dikenal; dikenali dari nama OPD sebagai "
                f"'{resolved}'. Gunakan templat asli OPD Anda.",
                found=show_value(kode),
                expected=resolved,
                **where("kode_opd"),
            )
            kode = resolved
            out.kode_opd = resolved
        else:
            out.issue(
                "struktur.opd",
                ERROR,
                f"Kode OPD '{show_value(kode)}' tidak ada di data sekretariat. Gunakan templat "
                "yang dikirim sekretariat untuk OPD Anda.",
                found=show_value(kode),
                expected="kode OPD di data sekretariat",
                **where("kode_opd"),
            )
            ok = False
    if meta.get("tahun", "") != str(spec.tahun):
        out.issue(
            "struktur.tahun",
            ERROR,
            f"Templat ini untuk tahun {show_value(meta.get('tahun', ''))}, bukan {spec.tahun}. "
            f"Gunakan templat tahun {spec.tahun}.",
            found=show_value(meta.get("tahun", "")),
            expected=str(spec.tahun),
            **where("tahun"),
        )
        ok = False
    quarters = triwulan_of(meta.get("periode", ""))
    if quarters is None:  # every period's template holds TW I-IV
        out.issue(
            "struktur.periode",
            ERROR,
            f"Periode templat '{show_value(meta.get('periode', ''))}' tidak dikenal (Tahunan, "
            "TW1 … TW4).",
            found=show_value(meta.get("periode", "")),
            expected=spec.periode,
            **where("periode"),
        )
        ok = False
    if quarters is not None and quarters < spec.triwulan:
        out.issue(
            "struktur.periode_lain",
            WARNING,
            f"Templat ini untuk periode {meta.get('periode', '')} ({periode_label(quarters)}), "
            f"sedangkan laporan ini {spec.periode} ({periode_label(spec.triwulan)}): "
            "triwulan sesudahnya mungkin belum diisi. Berkas ini hanya dipakai bila OPD tidak "
            f"mengirim berkas periode {spec.periode}.",
            found=meta.get("periode", ""),
            expected=spec.periode,
            **where("periode"),
        )
    if ok and meta.get("sidik_spec", "") != spec.fingerprint(kode):
        out.issue(
            "struktur.sidik_spec",
            WARNING,
            "Templat dibuat dari versi data sekretariat yang berbeda (indikator, target atau "
            "pagu telah berubah). Nilai tetap dibaca dan dicocokkan dengan data sekretariat "
            "terbaru; sebaiknya isi templat terbaru.",
            found=meta.get("sidik_spec", ""),
            expected=spec.fingerprint(kode),
            **where("sidik_spec"),
        )
    return ok, kode, out.items


FUTURE_SLACK = dt.timedelta(days=1)  # time zones: a save time up to a day ahead is not "future"


def _when(text: str, now: dt.datetime) -> dt.datetime | None:
    """A save or receipt time as an aware datetime; None when missing, unreadable or future."""
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when if when <= now + FUTURE_SLACK else None


def supersede(
    subs: list[Submission],
    opd_of: dict[str, str],
    received: dict[str, str] | None = None,
    now: dt.datetime | None = None,
    earlier: dict[str, str] | None = None,
    blank: Collection[str] = (),
) -> tuple[dict[str, tuple[str, str]], list[Issue]]:
    """Duplicate submissions of one OPD: the newest wins, never merged.

    Newest by the server's receipt time for files the intake ledger saved (``received``), else
    by the workbook's own save time. A file whose save time is missing or in the future gets a
    WARNING and ranks below every file with a real time, so it can never pin itself above a
    later correction. A file of an earlier period than the run's (``earlier``: its period
    by name; a TW II report sent again in January) ranks below every file of the run's period,
    whatever its time. A file that holds no realisation at all (``blank``: the blank template
    attached again) ranks below every file that holds one, whatever its time or period: it is
    named in a WARNING, not used. Returns ``{older file: (newer file, why)}`` and the issues.
    """
    received = received or {}
    earlier = earlier or {}
    now = now or dt.datetime.now(dt.UTC)
    superseded: dict[str, tuple[str, str]] = {}
    issues: list[Issue] = []
    by_opd: dict[str, list[Submission]] = {}
    stamps: dict[str, tuple[str, dt.datetime | None, str]] = {}
    for s in subs:
        by_opd.setdefault(opd_of[s.name], []).append(s)
        if s.name in received:
            stamps[s.name] = ("diterima", _when(received[s.name], now), received[s.name])
        else:
            stamps[s.name] = ("disimpan", _when(s.dimodifikasi, now), s.dimodifikasi)
            if stamps[s.name][1] is None:
                out = FileIssues(s, opd_of[s.name])
                what = "di masa depan" if s.dimodifikasi else "tidak ada"
                out.issue(
                    "berkas.waktu_simpan",
                    WARNING,
                    f"Waktu simpan berkas {what} ({s.dimodifikasi or 'kosong'}), sehingga tidak "
                    "dapat dibandingkan dengan berkas lain OPD ini: berkas ini hanya dipakai bila "
                    "tidak ada berkas lain yang waktunya sah. Simpan ulang di Excel dengan jam "
                    "komputer yang benar.",
                    found=s.dimodifikasi,
                    expected="waktu simpan yang sudah lewat",
                )
                issues += out.items

    def rank(s: Submission) -> tuple[bool, bool, bool, dt.datetime, str, str]:
        when = stamps[s.name][1]
        never = dt.datetime.min.replace(tzinfo=dt.UTC)
        return (
            s.name not in blank,
            s.name not in earlier,
            when is not None,
            when or never,
            s.name.casefold(),  # a tie: the name last in the alphabet as people read it
            s.name,
        )

    for group in by_opd.values():
        if len(group) < 2:
            continue
        group.sort(key=rank, reverse=True)
        newest = group[0]
        how, _, stamp = stamps[newest.name]
        shown = fmt.waktu(stamp)
        for older in group[1:]:
            o_how, o_when, o_stamp = stamps[older.name]
            o_shown = fmt.waktu(o_stamp)
            tie = o_when is not None and rank(older)[:4] == rank(newest)[:4]
            # neither has a time to go by: the one picked is the last by name, not a newer one
            untimed = o_when is None and stamps[newest.name][1] is None
            emptied = older.name in blank and newest.name not in blank
            if emptied:
                why = "berkas ini belum berisi realisasi apa pun, berkas itu berisi realisasi"
            elif older.name in earlier and newest.name not in earlier:
                why = (
                    f"berkas ini templat periode {earlier[older.name]}, berkas itu periode "
                    "laporan ini"
                )
            elif untimed:
                why = (
                    "kedua berkas tanpa waktu simpan yang sah; dipakai berkas yang namanya "
                    "terakhir menurut abjad"
                )
            elif o_when is None:
                why = f"berkas ini tanpa waktu yang sah ({o_shown or 'kosong'})"
            elif tie:
                why = f"waktu sama ({shown}); dipakai berkas yang namanya terakhir menurut abjad"
            else:
                why = f"{how} {shown}, lebih baru dari berkas ini ({o_how} {o_shown})"
            superseded[older.name] = (newest.name, why)
            out = FileIssues(older, opd_of[older.name])
            if emptied:
                out.issue(
                    "berkas.kosong_tidak_menggantikan",
                    WARNING,
                    "Berkas ini belum berisi realisasi apa pun (templat kosong?), sedangkan "
                    f"berkas lain OPD ini, {newest.name}, berisi realisasi: berkas itu yang "
                    "dipakai, walaupun berkas ini lebih baru. Bila berkas ini terkirim keliru, "
                    "tidak perlu berbuat apa-apa; bila realisasinya memang belum diisi, isi "
                    "lalu kirim ulang.",
                    found="tidak satu pun realisasi terisi",
                    expected=f"realisasi, seperti di {newest.name}",
                )
                issues += out.items
                continue
            if tie and older.sha256 != newest.sha256:  # which was meant cannot be told
                out.issue(
                    "berkas.waktu_sama",
                    WARNING,
                    f"Berkas ini dan {newest.name} tersimpan pada waktu yang sama ({shown}) "
                    f"tetapi isinya berbeda: {newest.name} yang dipakai (namanya terakhir "
                    "menurut abjad), berkas ini tidak. Bila berkas ini yang benar, simpan ulang "
                    "di Excel lalu kirim lagi; bila tidak, tidak perlu berbuat apa-apa.",
                    found=o_shown,
                    expected=f"waktu simpan berbeda dari {newest.name}",
                )
                issues += out.items
                continue
            which = (
                "berkas lain dengan waktu yang sama"
                if tie
                else "berkas lain"
                if untimed
                else "berkas yang lebih baru"
            )
            out.issue(
                "berkas.digantikan",
                INFO,
                f"Ada {which} untuk OPD ini: {newest.name} ({why}). Berkas ini tidak dipakai; "
                "bila isinya yang benar, kirim ulang berkas ini saja.",
                found=o_shown,
                expected=shown,
            )
            issues += out.items
    return superseded, issues
