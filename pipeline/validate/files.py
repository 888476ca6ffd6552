"""File-level checks: the hidden ``_meta`` sheet (template version, Pemda, OPD, year, period) and
which of an OPD's files is used when it sent several."""

from __future__ import annotations

from pipeline import template as tpl
from pipeline.ingest import Submission
from pipeline.issues import ERROR, INFO, WARNING, Issue
from pipeline.master import MasterSpec
from pipeline.renja import triwulan_of
from pipeline.validate.common import FileIssues


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
            f"Versi templat '{version or '(kosong)'}' tidak dikenal. Minta templat terbaru "
            "ke sekretariat dan salin isian Anda ke sana.",
            found=version,
            expected=" atau ".join(tpl.SUPPORTED_VERSIONS),
            **where("versi_templat"),
        )
        ok = False
    if meta.get("kode_pemda", "") != spec.kode_pemda:
        out.issue(
            "struktur.pemda",
            ERROR,
            f"Templat ini untuk Pemda '{meta.get('kode_pemda', '')}', bukan "
            f"'{spec.kode_pemda}' ({spec.pemda['nama_pemda']}).",
            found=meta.get("kode_pemda", ""),
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
                f"Kode OPD '{kode}' tidak dikenal; dikenali dari nama OPD sebagai "
                f"'{resolved}'. Gunakan templat asli OPD Anda.",
                found=kode,
                expected=resolved,
                **where("kode_opd"),
            )
            kode = resolved
            out.kode_opd = resolved
        else:
            out.issue(
                "struktur.opd",
                ERROR,
                f"Kode OPD '{kode}' tidak ada di master spec. Gunakan templat yang "
                "dikirim sekretariat untuk OPD Anda.",
                found=kode,
                expected="kode OPD di master spec",
                **where("kode_opd"),
            )
            ok = False
    if meta.get("tahun", "") != str(spec.tahun):
        out.issue(
            "struktur.tahun",
            ERROR,
            f"Templat ini untuk tahun {meta.get('tahun', '')}, bukan {spec.tahun}. "
            f"Gunakan templat tahun {spec.tahun}.",
            found=meta.get("tahun", ""),
            expected=str(spec.tahun),
            **where("tahun"),
        )
        ok = False
    if triwulan_of(meta.get("periode", "")) is None:  # every period's template holds TW I-IV
        out.issue(
            "struktur.periode",
            ERROR,
            f"Periode templat '{meta.get('periode', '')}' tidak dikenal (Tahunan, TW1 … TW4).",
            found=meta.get("periode", ""),
            expected=spec.periode,
            **where("periode"),
        )
        ok = False
    if ok and meta.get("sidik_spec", "") != spec.fingerprint(kode):
        out.issue(
            "struktur.sidik_spec",
            WARNING,
            "Templat dibuat dari versi master spec yang berbeda (indikator, target atau "
            "pagu telah berubah). Nilai tetap dibaca dan dicocokkan dengan master spec "
            "terbaru; sebaiknya isi templat terbaru.",
            found=meta.get("sidik_spec", ""),
            expected=spec.fingerprint(kode),
            **where("sidik_spec"),
        )
    return ok, kode, out.items


def supersede(
    subs: list[Submission], opd_of: dict[str, str], received: dict[str, str] | None = None
) -> tuple[dict[str, str], list[Issue]]:
    """Duplicate submissions of one OPD: the newest wins, by ``received[name]`` (the mail
    server's receipt time of a mailed file) where given, else the workbook's own timestamp.

    Never merged. Returns ``{older file: newer file}`` and one INFO per superseded file.
    """
    received = received or {}
    when = {s.name: received.get(s.name) or s.dimodifikasi for s in subs}
    superseded: dict[str, str] = {}
    issues: list[Issue] = []
    by_opd: dict[str, list[Submission]] = {}
    for s in subs:
        by_opd.setdefault(opd_of[s.name], []).append(s)
    for group in by_opd.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda s: (when[s.name], s.name), reverse=True)
        newer = when[group[0].name]
        for older in group[1:]:
            superseded[older.name] = group[0].name
            out = FileIssues(older, opd_of[older.name])
            out.issue(
                "berkas.digantikan",
                INFO,
                f"Ada berkas yang lebih baru untuk OPD ini ({group[0].name}, "
                f"{_when(group[0], received, when)}); berkas ini "
                f"({_when(older, received, when)}) tidak dipakai.",
                found=when[older.name],
                expected=newer,
            )
            issues += out.items
    return superseded, issues


def _when(sub: Submission, received: dict[str, str], when: dict[str, str]) -> str:
    """How a file's time reads in a message: received by the mail server, or saved."""
    how = "diterima lewat surel" if sub.name in received else "disimpan"
    return f"{how} {when[sub.name] or '?'}"
