"""What changed since the previous run: files new, changed or gone, and every indicator whose
realisation, capaian, predikat or status moved (pure functions; the workbook's ``Perubahan``
sheet and the console summary show the result).

The previous run is whatever ``manifest.json`` the output folder holds when a new report is
written: its ``berkas_masukan`` (every input file with its SHA-256, OPD and status) and its
``indikator`` (each indicator × reporting OPD with its realisation, capaian, predikat and status
at full precision; :func:`indicator_records` writes them). A manifest of another Pemda, year or
period, or one written before the ``indikator`` list existed, is not compared (the sheet says
why). Nothing here reads the clock: the same two runs give the same comparison.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import fmt, sanitize, schema
from pipeline.frames import records

BARU = "baru"
BERUBAH = "isi berubah"
HILANG = "tidak ada lagi"

BERKAS_COLUMNS = [
    "perubahan",
    "kode_opd",
    "berkas",
    "status",
    "berkas_sebelumnya",
    "pengirim",
    "diterima",
]
INDIKATOR_COLUMNS = [
    "kode_indikator",
    "uraian_indikator",
    "kode_opd",
    "satuan",
    "realisasi_sebelumnya",
    "realisasi_sekarang",
    "capaian_sebelumnya",
    "capaian_sekarang",
    "selisih_capaian",
    "predikat_sebelumnya",
    "predikat_sekarang",
    "status_sebelumnya",
    "status_sekarang",
    "berkas",
]
RECORD_KEYS = (
    "kode_indikator",
    "uraian_indikator",
    "kode_opd",
    "satuan",
    "polaritas",
    "realisasi",
    "realisasi_teks",
    "capaian_mentah",
    "predikat",
    "status",
    "berkas",
)


@dataclass
class Perubahan:
    """The comparison with the previous run (empty frames when there is nothing to compare)."""

    compared: bool  # a previous run of the same Pemda, year and period was found
    catatan: str  # one sentence: compared with what, or why not
    berkas: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BERKAS_COLUMNS))
    indikator: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=INDIKATOR_COLUMNS)
    )


def _number(value: Any) -> float | None:
    """A finite number, or None (missing, text, NaN)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def indicator_records(indikator: pd.DataFrame) -> list[dict[str, Any]]:
    """Each indicator row of a run as plain JSON values (for the manifest), in row order."""
    out = []
    for rec in records(indikator):
        row: dict[str, Any] = {}
        for key in RECORD_KEYS:
            value = rec.get(key)
            row[key] = _number(value) if key in ("realisasi", "capaian_mentah") else _text(value)
        out.append(row)
    return out


def read_previous(output: Path) -> tuple[dict[str, Any] | None, str]:
    """The previous run's manifest in ``output``, or None and the reason (Indonesian)."""
    path = Path(output) / "manifest.json"
    if not path.is_file():
        return (
            None,
            "Belum ada proses sebelumnya di folder keluaran: ini proses pertama, tidak ada "
            "pembanding.",
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, (
            f"manifest.json proses sebelumnya tidak dapat dibaca ({type(exc).__name__}): "
            "tidak ada pembanding."
        )
    if not isinstance(manifest, dict):
        return (
            None,
            "manifest.json proses sebelumnya tidak berisi data proses: tidak ada pembanding.",
        )
    return manifest, ""


def compare(
    previous: dict[str, Any] | None,
    reason: str,
    identity: tuple[str, int, str],
    berkas: pd.DataFrame,
    indikator: pd.DataFrame,
    desimal: int = 2,
    spec_now: dict[str, Any] | None = None,
    tepi: tuple[float, ...] = (),
) -> Perubahan:
    """This run (``berkas`` register, ``indikator`` results) against the previous manifest.

    ``identity`` is (kode_pemda, tahun, periode) of this run; a manifest of another is not
    compared. A change of capaian is that of the two capaian as shown with ``desimal``
    decimals (more at a band edge of ``tepi``). ``spec_now`` (``master_spec`` and
    ``pengaturan`` as the manifest keeps them): a spec or a setting changed since is said,
    since the figures follow from them too.
    """
    if previous is None:
        return Perubahan(False, reason)
    kode, tahun, periode = identity
    theirs = (
        str(previous.get("kode_pemda", "")),
        str(previous.get("tahun", "")),
        str(previous.get("periode", "")),
    )
    if theirs != (kode, str(tahun), periode):
        return Perubahan(
            False,
            f"Proses sebelumnya di folder keluaran untuk Pemda {theirs[0] or '?'} tahun "
            f"{theirs[1] or '?'} periode {theirs[2] or '?'}, bukan {kode} tahun {tahun} "
            f"periode {periode}: tidak dibandingkan.",
        )
    before_files = _dicts(previous.get("berkas_masukan"))
    # compared as the manifest keeps them (every text through the sanitiser), so a name the
    # sanitiser changes is the same name in both runs
    now_files = _dicts(sanitize.json_value(json.loads(json.dumps(records(berkas), default=str))))
    files = _file_changes(before_files, now_files)
    if not isinstance(previous.get("indikator"), list):
        return Perubahan(
            False,
            "Proses sebelumnya tidak menyimpan hasil per indikator (dibuat versi program yang "
            "lebih lama): hanya berkas yang dibandingkan.",
            files,
        )
    now = _dicts(sanitize.json_value(indicator_records(indikator)))
    rows = _indicator_changes(_dicts(previous["indikator"]), now, desimal, tepi)
    return Perubahan(
        True,
        f"Dibandingkan dengan proses sebelumnya di folder keluaran ({len(before_files)} "
        f"berkas, {len(previous['indikator'])} baris indikator): {len(files)} berkas baru, "
        f"berubah atau hilang; {len(rows)} baris indikator berubah."
        + _spec_changes(previous, spec_now),
        files,
        rows,
    )


def _spec_changes(previous: dict[str, Any], now: dict[str, Any] | None) -> str:
    """' Master spec diganti …; pengaturan diubah: batas_capaian 120 → 100.' ('' when neither
    changed): the figures follow from the spec and its settings as much as from the files."""
    if now is None:
        return ""
    kept_now = sanitize.json_value(now)  # as the manifest keeps it
    now = kept_now if isinstance(kept_now, dict) else {}
    said = []
    before_spec, now_spec = previous.get("master_spec") or {}, now.get("master_spec") or {}
    if isinstance(before_spec, dict) and before_spec.get("sha256") != now_spec.get("sha256"):
        said.append(
            f"master spec diganti ({_text(before_spec.get('berkas')) or '?'}, sidik "
            f"{_text(before_spec.get('sha256'))[:12] or '?'} → {_text(now_spec.get('berkas'))}, "
            f"sidik {_text(now_spec.get('sha256'))[:12]}): target, indikator atau pagu mungkin "
            "berubah"
        )
    kept = previous.get("pengaturan")
    before_set: dict[str, Any] = kept if isinstance(kept, dict) else {}
    now_set: dict[str, Any] = now.get("pengaturan") or {}
    keys = sorted(set(before_set) | set(now_set))
    changed = [
        f"{k} {_text(before_set.get(k)) or '(bawaan)'} → {_text(now_set.get(k)) or '(bawaan)'}"
        for k in keys
        if _text(before_set.get(k)) != _text(now_set.get(k))
    ]
    if changed:
        said.append("pengaturan diubah: " + ", ".join(changed))
    return f" Sejak proses sebelumnya: {'; '.join(said)}." if said else ""


def _used_by_opd(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {
        str(r.get("kode_opd", "")): str(r.get("berkas", ""))
        for r in rows
        if r.get("status") in schema.BERKAS_DIPAKAI and r.get("kode_opd")
    }


def _dicts(value: object) -> list[dict[str, Any]]:
    """The records of a JSON list (anything else in it left out)."""
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def _file_changes(before: list[dict[str, Any]], now: list[dict[str, Any]]) -> pd.DataFrame:
    old = {str(r.get("berkas", "")): r for r in before}
    used_before = _used_by_opd(before)
    out = []
    for rec in now:
        name = str(rec["berkas"])
        prior = old.get(name)
        if prior is not None and prior.get("sha256") == rec.get("sha256"):
            continue
        kode = _text(rec.get("kode_opd"))
        previous_file = used_before.get(kode, "") if kode else ""
        out.append(
            {
                "perubahan": BARU if prior is None else BERUBAH,
                "kode_opd": kode,
                "berkas": name,
                "status": _text(rec.get("status")),
                "berkas_sebelumnya": previous_file if previous_file != name else "",
                "pengirim": _text(rec.get("pengirim")),
                "diterima": _text(rec.get("diterima")),
            }
        )
    names = {str(r["berkas"]) for r in now}
    for name, prior in old.items():
        if name not in names:
            out.append(
                {
                    "perubahan": HILANG,
                    "kode_opd": _text(prior.get("kode_opd")),
                    "berkas": name,
                    "status": "",
                    "berkas_sebelumnya": name
                    if prior.get("status") in schema.BERKAS_DIPAKAI
                    else "",
                    "pengirim": _text(prior.get("pengirim")),
                    "diterima": _text(prior.get("diterima")),
                }
            )
    frame = pd.DataFrame(out, columns=BERKAS_COLUMNS)
    return frame.sort_values(["kode_opd", "berkas"], kind="stable").reset_index(drop=True)


def _same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _shown_realisasi(rec: dict[str, Any] | None) -> float | str | None:
    """The realisation as a reader knows it: the ladder value of a kualitatif indicator,
    else the number."""
    if rec is None:
        return None
    if rec.get("polaritas") == "kualitatif" or (
        rec.get("realisasi") is None and rec.get("realisasi_teks")
    ):
        return rec.get("realisasi_teks") or None
    return _number(rec.get("realisasi"))


def _indicator_changes(
    before: list[dict[str, Any]],
    now: list[dict[str, Any]],
    desimal: int = 2,
    tepi: tuple[float, ...] = (),
) -> pd.DataFrame:
    key = ("kode_indikator", "kode_opd")
    old = {tuple(_text(r.get(k)) for k in key): r for r in _dicts(before)}
    new = {tuple(_text(r.get(k)) for k in key): r for r in now}
    out = []
    order = list(new) + [k for k in old if k not in new]
    for k in order:
        a, b = old.get(k), new.get(k)
        if a is not None and b is not None and _unchanged(a, b):
            continue
        ref = b if b is not None else a
        assert ref is not None
        cap_a = _number(a.get("capaian_mentah")) if a else None
        cap_b = _number(b.get("capaian_mentah")) if b else None
        out.append(
            {
                "kode_indikator": k[0],
                "uraian_indikator": _text(ref.get("uraian_indikator")),
                "kode_opd": k[1],
                "satuan": _text(ref.get("satuan")),
                "realisasi_sebelumnya": _shown_realisasi(a),
                "realisasi_sekarang": _shown_realisasi(b),
                "capaian_sebelumnya": cap_a,
                "capaian_sekarang": cap_b,
                "selisih_capaian": fmt.selisih(cap_b, cap_a, desimal, tepi)
                if cap_a is not None and cap_b is not None
                else None,
                "predikat_sebelumnya": _text(a.get("predikat")) if a else "",
                "predikat_sekarang": _text(b.get("predikat")) if b else "",
                "status_sebelumnya": _text(a.get("status")) if a else "(tidak ada)",
                "status_sekarang": _text(b.get("status")) if b else "(tidak ada)",
                "berkas": _text(ref.get("berkas")),
            }
        )
    frame = pd.DataFrame(out, columns=INDIKATOR_COLUMNS)
    return frame.sort_values(["kode_indikator", "kode_opd"], kind="stable").reset_index(drop=True)


def _unchanged(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        _same_number(_number(a.get("realisasi")), _number(b.get("realisasi")))
        and _text(a.get("realisasi_teks")) == _text(b.get("realisasi_teks"))
        and _same_number(_number(a.get("capaian_mentah")), _number(b.get("capaian_mentah")))
        and _text(a.get("predikat")) == _text(b.get("predikat"))
        and _text(a.get("status")) == _text(b.get("status"))
    )


def _value(value: Any) -> str:
    if isinstance(value, float):
        return fmt.angka_ringkas(value, 4, kosong="-")
    return str(value) if value not in (None, "") else "-"


def summary_lines(p: Perubahan, limit: int = 15) -> list[str]:
    """The console section (Indonesian, numbers formatted by :mod:`pipeline.fmt`)."""
    lines = ["Perubahan sejak proses sebelumnya:"]
    if not p.compared and p.berkas.empty:
        return [*lines, f"  {p.catatan}"]
    if not p.compared:
        lines.append(f"  {p.catatan}")
    lines.append(f"  Berkas baru, berubah atau hilang: {len(p.berkas)}")
    for rec in records(p.berkas)[:limit]:
        before = rec["berkas_sebelumnya"]
        said = [
            str(rec["status"] or ""),
            # the file used before, when another one (a file gone is its own "before")
            f"sebelumnya dipakai {before}" if before and before != rec["berkas"] else "",
        ]
        inner = "; ".join(p for p in said if p)
        status = f" ({inner})" if inner else ""
        lines.append(f"    [{rec['perubahan']}] {rec['kode_opd'] or '-'} {rec['berkas']}{status}")
    if len(p.berkas) > limit:
        lines.append(f"    … dan {len(p.berkas) - limit} berkas lain (sheet Perubahan)")
    if p.compared:
        lines.append(f"  Indikator berubah: {len(p.indikator)}")
        for rec in records(p.indikator)[:limit]:
            parts = []
            if _value(rec["realisasi_sebelumnya"]) != _value(rec["realisasi_sekarang"]):
                parts.append(
                    f"realisasi {_value(rec['realisasi_sebelumnya'])} → "
                    f"{_value(rec['realisasi_sekarang'])}"
                )
            cap = (
                fmt.persen(rec["capaian_sebelumnya"]),
                fmt.persen(rec["capaian_sekarang"]),
            )
            if cap[0] != cap[1]:
                parts.append(f"capaian {cap[0]} → {cap[1]}")
            if rec["predikat_sebelumnya"] != rec["predikat_sekarang"]:
                parts.append(
                    f"predikat {rec['predikat_sebelumnya'] or '-'} → "
                    f"{rec['predikat_sekarang'] or '-'}"
                )
            if rec["status_sebelumnya"] != rec["status_sekarang"]:
                parts.append(f"status {rec['status_sebelumnya']} → {rec['status_sekarang']}")
            lines.append(
                f"    {rec['kode_indikator']} ({rec['kode_opd'] or '-'}): "
                + ("; ".join(parts) or "perubahan kecil di bawah presisi tampilan")
            )
        if len(p.indikator) > limit:
            lines.append(f"    … dan {len(p.indikator) - limit} indikator lain (sheet Perubahan)")
    return lines
