"""Row and cell checks of one accepted file: each indicator and budget row against the spec.

Locked cells (code, uraian, satuan, target, pagu) are compared with the master spec, numbers are
parsed the Indonesian way and ladder values matched. Returns rows for scoring and the issues.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline import fmt, schema
from pipeline import template as tpl
from pipeline.ingest import Submission
from pipeline.issues import ERROR, WARNING, Issue
from pipeline.master import MasterSpec
from pipeline.numbers import parse_number
from pipeline.validate.common import FileIssues, cell_at, show_value

REALISASI_KEYS = (*schema.TW_COLUMNS, "realisasi_tahunan")
TEXT_KEYS = ("faktor_pendorong", "faktor_penghambat", "tindak_lanjut", "sumber_data")

REALISASI_COLUMNS = [
    "berkas",
    "sheet",
    "baris",
    "kode_opd",
    "kode_indikator",
    *REALISASI_KEYS,
    "realisasi_teks",
    "realisasi_tidak_valid",
    "capaian_opd",
    *TEXT_KEYS,
    *[f"sel_{k}" for k in REALISASI_KEYS],
    "sel_capaian_opd",
    "sel_faktor_penghambat",
]
ANGGARAN_COLUMNS = [
    "berkas",
    "sheet",
    "baris",
    "kode_opd",
    "kode_program",
    "realisasi_anggaran",
    "keterangan",
    "sel_realisasi_anggaran",
]


def extract_realisasi(
    sub: Submission, spec: MasterSpec, kode_opd: str
) -> tuple[list[dict[str, Any]], list[Issue]]:
    """Parse one accepted file's indicator rows against the spec of the OPD it is counted for.

    Checks locked cells (target, satuan, polaritas), parses numbers and ladder values.
    """
    out = FileIssues(sub, kode_opd)
    expected = spec.indikator_opd(kode_opd).set_index("kode_indikator")
    sheet = tpl.SHEET_INDIKATOR
    letters = sub.indikator_cols
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for raw in sub.indikator:
        r = raw["_row"]
        code = raw["kode_indikator"]
        if not code:
            out.issue(
                "struktur.baris_sisipan",
                WARNING,
                f"Baris {r} tidak memiliki kode indikator (baris sisipan?); isinya "
                "diabaikan. Jangan menambah baris di templat.",
                sheet=sheet,
                cell=cell_at(letters, "kode_indikator", r),
                found="(kosong)",
                expected="kode indikator",
            )
            continue
        if code not in expected.index:
            out.issue(
                "struktur.indikator_asing",
                ERROR,
                f"Kode indikator '{code}' bukan indikator OPD ini di master spec; baris "
                "diabaikan.",
                sheet=sheet,
                cell=cell_at(letters, "kode_indikator", r),
                found=code,
                expected="kode dari templat",
                kode_indikator=code,
            )
            continue
        if code in seen:
            out.issue(
                "struktur.indikator_ganda",
                ERROR,
                f"Indikator '{code}' muncul lebih dari sekali; hanya baris pertama dipakai.",
                sheet=sheet,
                cell=cell_at(letters, "kode_indikator", r),
                found=code,
                expected="satu baris per indikator",
                kode_indikator=code,
            )
            continue
        seen.add(code)
        spec_row = expected.loc[code]
        _check_locked(out, spec_row, raw, letters, code)
        rec: dict[str, Any] = {
            "berkas": sub.name,
            "sheet": sheet,
            "baris": r,
            "kode_opd": kode_opd,
            "kode_indikator": code,
            "realisasi_teks": "",
            "realisasi_tidak_valid": False,
        }
        kualitatif = spec_row["polaritas"] == "kualitatif"
        ladder = spec.tangga.get(spec_row["tangga"], [])
        for key in REALISASI_KEYS:
            rec[f"sel_{key}"] = cell_at(letters, key, r)
            rec[key] = np.nan
            value = raw.get(key)
            if kualitatif:
                text = "" if value is None else str(value).strip()
                if not text:
                    continue
                match = next((v for v in ladder if v.lower() == text.lower()), None)
                if match is None:
                    rec["realisasi_tidak_valid"] = True
                    out.issue(
                        "nilai.tangga",
                        ERROR,
                        f"Nilai '{text}' tidak ada pada daftar pilihan. Pilih salah satu: "
                        f"{', '.join(ladder)}.",
                        sheet=sheet,
                        cell=rec[f"sel_{key}"],
                        found=text,
                        expected=", ".join(ladder),
                        kode_indikator=code,
                    )
                elif key == "realisasi_tahunan" or not rec["realisasi_teks"]:
                    rec["realisasi_teks"] = match
                continue
            rec[key] = _number(out, value, sheet, rec[f"sel_{key}"], code)
            parsed = parse_number(value)
            if parsed.kind == "bukan_angka":
                rec["realisasi_tidak_valid"] = True
            elif parsed.persen and "%" not in str(spec_row["satuan"]):
                out.issue(
                    "nilai.satuan_berbeda",
                    WARNING,
                    f"Realisasi ditulis dalam persen ('{value}') padahal satuan indikator "
                    f"'{spec_row['satuan']}'. Periksa apakah angkanya sudah dalam satuan target; "
                    "tulis tanpa tanda %.",
                    sheet=sheet,
                    cell=rec[f"sel_{key}"],
                    found=str(value),
                    expected=f"angka dalam satuan '{spec_row['satuan']}'",
                    kode_indikator=code,
                )
        rec["sel_capaian_opd"] = cell_at(letters, "capaian_opd", r)
        rec["capaian_opd"] = _number(
            out, raw.get("capaian_opd"), sheet, rec["sel_capaian_opd"], code
        )
        for key in TEXT_KEYS:
            value = raw.get(key)
            rec[key] = "" if value is None else str(value).strip()
        rec["sel_faktor_penghambat"] = cell_at(letters, "faktor_penghambat", r)
        rows.append(rec)
    for code in expected.index:
        if code not in seen:
            out.issue(
                "struktur.indikator_hilang",
                WARNING,
                f"Indikator '{code}' ({expected.loc[code, 'uraian']}) tidak ada di berkas "
                "(baris dihapus?); dianggap belum lapor.",
                sheet=sheet,
                found="(tidak ada)",
                expected=code,
                kode_indikator=code,
            )
    return rows, out.items


def _check_locked(
    out: FileIssues, spec_row: pd.Series, raw: dict[str, Any], letters: dict[str, str], code: str
) -> None:
    r = raw["_row"]
    target = raw.get("target")
    parsed = parse_number(target).value
    spec_number = spec_row["target_nilai"]
    if pd.notna(spec_number):
        same = parsed is not None and abs(parsed - float(spec_number)) <= 1e-9 * max(
            1.0, abs(float(spec_number))
        )
    else:
        same = str(target or "").strip() == str(spec_row["target_teks"])
    if not same:
        out.issue(
            "struktur.target_diubah",
            WARNING,
            f"Target diubah dari {spec_row['target_teks']} menjadi {show_value(target)}. Target "
            "terkunci mengikuti RPJMD/PK; target master spec yang dipakai. Jangan mengubah "
            "sel abu-abu.",
            sheet=tpl.SHEET_INDIKATOR,
            cell=cell_at(letters, "target", r),
            found=show_value(target),
            expected=str(spec_row["target_teks"]),
            kode_indikator=code,
        )
    locked = (
        ("uraian_indikator", "uraian"),
        ("kode_sasaran", "kode_sasaran"),
        ("satuan", "satuan"),
        ("polaritas", "polaritas"),
    )
    for key, spec_key in locked:
        if " ".join(str(raw.get(key) or "").split()) != " ".join(str(spec_row[spec_key]).split()):
            out.issue(
                "struktur.sel_terkunci_diubah",
                WARNING,
                f"Sel terkunci '{schema.label(key)}' diubah; nilai master spec dipakai.",
                sheet=tpl.SHEET_INDIKATOR,
                cell=cell_at(letters, key, r),
                found=show_value(raw.get(key)),
                expected=str(spec_row[spec_key]),
                kode_indikator=code,
            )


def _number(out: FileIssues, value: object, sheet: str, cell: str, code: str = "") -> float:
    parsed = parse_number(value)
    if parsed.kind in ("kosong", "angka"):
        return np.nan if parsed.value is None else parsed.value
    if parsed.kind == "bukan_angka":
        out.issue(
            "nilai.bukan_angka",
            ERROR,
            f"'{show_value(value)}' bukan angka; nilai ini tidak dipakai. Tulis angka saja, "
            "tanpa satuan atau keterangan (contoh: 10,39).",
            sheet=sheet,
            cell=cell,
            found=show_value(value),
            expected="angka",
            kode_indikator=code,
        )
        return np.nan
    assert parsed.value is not None
    if parsed.kind == "ambigu":
        out.issue(
            "nilai.angka_ambigu",
            WARNING,
            f"'{value}' dapat dibaca dua cara ({parsed.catatan}); dibaca sebagai "
            f"{show_value(parsed.value)}. Ketik ulang sebagai angka bila salah.",
            sheet=sheet,
            cell=cell,
            found=str(value),
            expected=show_value(parsed.value),
            kode_indikator=code,
        )
    else:
        out.issue(
            "nilai.teks_angka",
            WARNING,
            f"Angka diketik sebagai teks ('{value}'); dibaca sebagai {show_value(parsed.value)}. "
            "Sebaiknya ketik sebagai angka tanpa tanda % atau Rp.",
            sheet=sheet,
            cell=cell,
            found=str(value),
            expected=show_value(parsed.value),
            kode_indikator=code,
        )
    return parsed.value


def extract_anggaran(
    sub: Submission, spec: MasterSpec, kode_opd: str
) -> tuple[list[dict[str, Any]], list[Issue]]:
    """Parse one accepted file's budget rows against the programs of the OPD it is counted for."""
    out = FileIssues(sub, kode_opd)
    expected = spec.program_opd(kode_opd).set_index("kode_program")
    sheet = tpl.SHEET_ANGGARAN
    letters = sub.anggaran_cols
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for raw in sub.anggaran:
        r = raw["_row"]
        code = raw["kode_program"]
        if not code or code not in expected.index or code in seen:
            out.issue(
                "struktur.program_asing",
                WARNING if not code else ERROR,
                f"Baris {r} sheet Anggaran tidak cocok dengan program OPD ini di master "
                "spec (kosong, asing atau ganda); baris diabaikan.",
                sheet=sheet,
                cell=cell_at(letters, "kode_program", r),
                found=code or "(kosong)",
                expected="kode program dari templat",
            )
            continue
        seen.add(code)
        pagu = parse_number(raw.get("pagu")).value
        spec_pagu = float(expected.loc[code, "pagu"])
        if pagu is None or abs(pagu - spec_pagu) > 0.005:
            out.issue(
                "struktur.pagu_diubah",
                WARNING,
                f"Pagu diubah dari {fmt.angka(spec_pagu)} menjadi {show_value(raw.get('pagu'))}; "
                "pagu master spec yang dipakai.",
                sheet=sheet,
                cell=cell_at(letters, "pagu", r),
                found=show_value(raw.get("pagu")),
                expected=fmt.angka(spec_pagu),
            )
        cell = cell_at(letters, "realisasi_anggaran", r)
        rows.append(
            {
                "berkas": sub.name,
                "sheet": sheet,
                "baris": r,
                "kode_opd": kode_opd,
                "kode_program": code,
                "realisasi_anggaran": _number(out, raw.get("realisasi_anggaran"), sheet, cell),
                "keterangan": str(raw.get("keterangan") or "").strip(),
                "sel_realisasi_anggaran": cell,
            }
        )
    for code in expected.index:
        if code not in seen:
            out.issue(
                "struktur.program_hilang",
                WARNING,
                f"Program '{code}' tidak ada di sheet Anggaran (baris dihapus?); "
                "realisasinya dianggap belum dilaporkan.",
                sheet=sheet,
                found="(tidak ada)",
                expected=code,
            )
    return rows, out.items
