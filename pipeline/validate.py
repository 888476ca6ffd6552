"""Validation: structural checks in code, value rules as great-expectations suites.

Structural rules (template version, Pemda, OPD, year, sheets, headers, locked cells) are code.
Value rules live as JSON suites in ``expectations/`` and run once over all OPDs together, with
provenance columns (berkas, sheet, baris) so every failing row maps back to a cell.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import schema
from pipeline import template as tpl
from pipeline.ingest import Submission, sniff
from pipeline.issues import ERROR, INFO, WARNING, Issue
from pipeline.master import MasterSpec
from pipeline.numbers import format_id, parse_number
from pipeline.suites import failures_to_issues, load_suite, run_suite

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


@dataclass
class Validated:
    """What validation hands to scoring: clean frames, the file register and all issues."""

    realisasi: pd.DataFrame
    anggaran: pd.DataFrame
    berkas: pd.DataFrame
    issues: list[Issue]


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return format_id(value, 4).rstrip("0").rstrip(",")
    return "" if value is None else str(value)


def check_meta(sub: Submission, spec: MasterSpec) -> bool:
    """Structural checks on the hidden ``_meta`` sheet; False when the file must be refused."""
    meta = sub.meta
    if not sub.readable or any(
        i.severity == ERROR and i.rule.startswith("struktur.sheet") and i.sheet == tpl.SHEET_META
        for i in sub.issues
    ):
        return False

    def where(key: str) -> dict[str, str]:
        return {"sheet": tpl.SHEET_META, "cell": sub.meta_cells.get(key, "")}

    ok = True
    version = meta.get("versi_templat", "")
    if version not in tpl.SUPPORTED_VERSIONS:
        sub.issue(
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
        sub.issue(
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
    known = set(spec.opd["kode_opd"])
    if kode not in known:
        resolved = spec.resolve_opd(meta.get("nama_opd", ""))
        if resolved:
            sub.issue(
                "struktur.opd_alias",
                WARNING,
                f"Kode OPD '{kode}' tidak dikenal; dikenali dari nama OPD sebagai "
                f"'{resolved}'. Gunakan templat asli OPD Anda.",
                found=kode,
                expected=resolved,
                **where("kode_opd"),
            )
            sub.meta["kode_opd"] = resolved
        else:
            sub.issue(
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
        sub.issue(
            "struktur.tahun",
            ERROR,
            f"Templat ini untuk tahun {meta.get('tahun', '')}, bukan {spec.tahun}. "
            f"Gunakan templat tahun {spec.tahun}.",
            found=meta.get("tahun", ""),
            expected=str(spec.tahun),
            **where("tahun"),
        )
        ok = False
    if meta.get("periode", "") != spec.periode:
        sub.issue(
            "struktur.periode",
            ERROR,
            f"Templat ini untuk periode '{meta.get('periode', '')}', bukan '{spec.periode}'.",
            found=meta.get("periode", ""),
            expected=spec.periode,
            **where("periode"),
        )
        ok = False
    if ok and meta.get("sidik_spec", "") != spec.fingerprint(sub.meta["kode_opd"]):
        sub.issue(
            "struktur.sidik_spec",
            WARNING,
            "Templat dibuat dari versi master spec yang berbeda (indikator, target atau "
            "pagu telah berubah). Nilai tetap dibaca dan dicocokkan dengan master spec "
            "terbaru; sebaiknya isi templat terbaru.",
            found=meta.get("sidik_spec", ""),
            expected=spec.fingerprint(sub.meta["kode_opd"]),
            **where("sidik_spec"),
        )
    return ok


def _cell(letters: dict[str, str], key: str, row: int) -> str:
    return f"{letters[key]}{row}" if key in letters else ""


def extract_realisasi(sub: Submission, spec: MasterSpec) -> list[dict[str, Any]]:
    """Parse one accepted file's indicator rows against the spec.

    Checks locked cells (target, satuan, polaritas), parses numbers and ladder values.
    """
    kode_opd = sub.meta["kode_opd"]
    expected = spec.indikator_opd(kode_opd).set_index("kode_indikator")
    sheet = tpl.SHEET_INDIKATOR
    letters = sub.indikator_cols
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for raw in sub.indikator:
        r = raw["_row"]
        code = raw["kode_indikator"]
        if not code:
            sub.issue(
                "struktur.baris_sisipan",
                WARNING,
                f"Baris {r} tidak memiliki kode indikator (baris sisipan?); isinya "
                "diabaikan. Jangan menambah baris di templat.",
                sheet=sheet,
                cell=_cell(letters, "kode_indikator", r),
                found="(kosong)",
                expected="kode indikator",
            )
            continue
        if code not in expected.index:
            sub.issue(
                "struktur.indikator_asing",
                ERROR,
                f"Kode indikator '{code}' bukan indikator OPD ini di master spec; baris "
                "diabaikan.",
                sheet=sheet,
                cell=_cell(letters, "kode_indikator", r),
                found=code,
                expected="kode dari templat",
                kode_indikator=code,
            )
            continue
        if code in seen:
            sub.issue(
                "struktur.indikator_ganda",
                ERROR,
                f"Indikator '{code}' muncul lebih dari sekali; hanya baris pertama dipakai.",
                sheet=sheet,
                cell=_cell(letters, "kode_indikator", r),
                found=code,
                expected="satu baris per indikator",
                kode_indikator=code,
            )
            continue
        seen.add(code)
        spec_row = expected.loc[code]
        _check_locked(sub, spec_row, raw, letters, code)
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
            rec[f"sel_{key}"] = _cell(letters, key, r)
            rec[key] = np.nan
            value = raw.get(key)
            if kualitatif:
                text = "" if value is None else str(value).strip()
                if not text:
                    continue
                match = next((v for v in ladder if v.lower() == text.lower()), None)
                if match is None:
                    rec["realisasi_tidak_valid"] = True
                    sub.issue(
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
            rec[key] = _number(sub, value, sheet, rec[f"sel_{key}"], code)
            parsed = parse_number(value)
            if parsed.kind == "bukan_angka":
                rec["realisasi_tidak_valid"] = True
            elif parsed.persen and "%" not in str(spec_row["satuan"]):
                sub.issue(
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
        rec["sel_capaian_opd"] = _cell(letters, "capaian_opd", r)
        rec["capaian_opd"] = _number(
            sub, raw.get("capaian_opd"), sheet, rec["sel_capaian_opd"], code
        )
        for key in TEXT_KEYS:
            value = raw.get(key)
            rec[key] = "" if value is None else str(value).strip()
        rec["sel_faktor_penghambat"] = _cell(letters, "faktor_penghambat", r)
        rows.append(rec)
    for code in expected.index:
        if code not in seen:
            sub.issue(
                "struktur.indikator_hilang",
                WARNING,
                f"Indikator '{code}' ({expected.loc[code, 'uraian']}) tidak ada di berkas "
                "(baris dihapus?); dianggap belum lapor.",
                sheet=sheet,
                found="(tidak ada)",
                expected=code,
                kode_indikator=code,
            )
    return rows


def _check_locked(
    sub: Submission, spec_row: pd.Series, raw: dict[str, Any], letters: dict[str, str], code: str
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
        sub.issue(
            "struktur.target_diubah",
            WARNING,
            f"Target diubah dari {spec_row['target_teks']} menjadi {_fmt(target)}. Target "
            "terkunci mengikuti RPJMD/PK; target master spec yang dipakai. Jangan mengubah "
            "sel abu-abu.",
            sheet=tpl.SHEET_INDIKATOR,
            cell=_cell(letters, "target", r),
            found=_fmt(target),
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
            sub.issue(
                "struktur.sel_terkunci_diubah",
                WARNING,
                f"Sel terkunci '{schema.label(key)}' diubah; nilai master spec dipakai.",
                sheet=tpl.SHEET_INDIKATOR,
                cell=_cell(letters, key, r),
                found=_fmt(raw.get(key)),
                expected=str(spec_row[spec_key]),
                kode_indikator=code,
            )


def _number(sub: Submission, value: object, sheet: str, cell: str, code: str = "") -> float:
    parsed = parse_number(value)
    if parsed.kind in ("kosong", "angka"):
        return np.nan if parsed.value is None else parsed.value
    if parsed.kind == "bukan_angka":
        sub.issue(
            "nilai.bukan_angka",
            ERROR,
            f"'{_fmt(value)}' bukan angka; nilai ini tidak dipakai. Tulis angka saja, "
            "tanpa satuan atau keterangan (contoh: 10,39).",
            sheet=sheet,
            cell=cell,
            found=_fmt(value),
            expected="angka",
            kode_indikator=code,
        )
        return np.nan
    assert parsed.value is not None
    if parsed.kind == "ambigu":
        sub.issue(
            "nilai.angka_ambigu",
            WARNING,
            f"'{value}' dapat dibaca dua cara ({parsed.catatan}); dibaca sebagai "
            f"{_fmt(parsed.value)}. Ketik ulang sebagai angka bila salah.",
            sheet=sheet,
            cell=cell,
            found=str(value),
            expected=_fmt(parsed.value),
            kode_indikator=code,
        )
    else:
        sub.issue(
            "nilai.teks_angka",
            WARNING,
            f"Angka diketik sebagai teks ('{value}'); dibaca sebagai {_fmt(parsed.value)}. "
            "Sebaiknya ketik sebagai angka tanpa tanda % atau Rp.",
            sheet=sheet,
            cell=cell,
            found=str(value),
            expected=_fmt(parsed.value),
            kode_indikator=code,
        )
    return parsed.value


def extract_anggaran(sub: Submission, spec: MasterSpec) -> list[dict[str, Any]]:
    """Parse one accepted file's budget rows against the spec's programs."""
    kode_opd = sub.meta["kode_opd"]
    expected = spec.program_opd(kode_opd).set_index("kode_program")
    sheet = tpl.SHEET_ANGGARAN
    letters = sub.anggaran_cols
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for raw in sub.anggaran:
        r = raw["_row"]
        code = raw["kode_program"]
        if not code or code not in expected.index or code in seen:
            sub.issue(
                "struktur.program_asing",
                WARNING if not code else ERROR,
                f"Baris {r} sheet Anggaran tidak cocok dengan program OPD ini di master "
                "spec (kosong, asing atau ganda); baris diabaikan.",
                sheet=sheet,
                cell=_cell(letters, "kode_program", r),
                found=code or "(kosong)",
                expected="kode program dari templat",
            )
            continue
        seen.add(code)
        pagu = parse_number(raw.get("pagu")).value
        spec_pagu = float(expected.loc[code, "pagu"])
        if pagu is None or abs(pagu - spec_pagu) > 0.005:
            sub.issue(
                "struktur.pagu_diubah",
                WARNING,
                f"Pagu diubah dari {format_id(spec_pagu)} menjadi {_fmt(raw.get('pagu'))}; "
                "pagu master spec yang dipakai.",
                sheet=sheet,
                cell=_cell(letters, "pagu", r),
                found=_fmt(raw.get("pagu")),
                expected=format_id(spec_pagu),
            )
        cell = _cell(letters, "realisasi_anggaran", r)
        rows.append(
            {
                "berkas": sub.name,
                "sheet": sheet,
                "baris": r,
                "kode_opd": kode_opd,
                "kode_program": code,
                "realisasi_anggaran": _number(sub, raw.get("realisasi_anggaran"), sheet, cell),
                "keterangan": str(raw.get("keterangan") or "").strip(),
                "sel_realisasi_anggaran": cell,
            }
        )
    for code in expected.index:
        if code not in seen:
            sub.issue(
                "struktur.program_hilang",
                WARNING,
                f"Program '{code}' tidak ada di sheet Anggaran (baris dihapus?); "
                "realisasinya dianggap belum dilaporkan.",
                sheet=sheet,
                found="(tidak ada)",
                expected=code,
            )
    return rows


def _locate(key: str) -> Callable[[pd.Series, str], dict[str, str]]:
    """Where a failing row of an OPD frame points: its file, sheet and the column's cell."""

    def locate(row: pd.Series, column: str) -> dict[str, str]:
        return {
            "file": str(row["berkas"]),
            "sheet": str(row["sheet"]),
            "cell": str(row.get(f"sel_{column}", "") or ""),
            "kode_opd": str(row["kode_opd"]),
            "kode_indikator": str(row.get(key, "") if key == "kode_indikator" else ""),
        }

    return locate


def _tw_rollup(frame: pd.DataFrame) -> pd.Series:
    tw = frame[list(schema.TW_COLUMNS)].astype(float)
    rolled = np.select(
        [frame["agregasi_tw"] == "kumulatif", frame["agregasi_tw"] == "rata_rata"],
        [tw.sum(axis=1, min_count=1), tw.mean(axis=1)],
        default=tw.ffill(axis=1).iloc[:, -1],
    )
    return pd.Series(rolled, index=frame.index, dtype=float)


def value_checks(
    realisasi: pd.DataFrame, anggaran: pd.DataFrame, spec: MasterSpec
) -> tuple[pd.DataFrame, pd.DataFrame, list[Issue]]:
    """Run the value suites over all OPDs at once; values failing an ERROR rule are dropped."""
    ind = spec.indikator.set_index("kode_indikator")
    frame = realisasi.assign(
        agregasi_tw=realisasi["kode_indikator"].map(ind["agregasi_tw"]),
        batas_wajar_min=realisasi["kode_indikator"].map(ind["batas_wajar_min"]).astype(float),
        batas_wajar_max=realisasi["kode_indikator"].map(ind["batas_wajar_max"]).astype(float),
    )
    target = frame["kode_indikator"].map(ind["target_nilai"]).astype(float)
    annual = frame["realisasi_tahunan"].astype(float)
    plausible = ~(annual < frame["batas_wajar_min"])  # below-minimum rows have their own rule
    ratio = (annual / target.where(target != 0) * 100).where(plausible)
    rollup = _tw_rollup(frame)
    gap: pd.Series = (annual - rollup) / annual.abs().clip(lower=1e-9)
    frame = frame.assign(
        rasio_terhadap_target=ratio, realisasi_tw_gabungan=rollup, selisih_tw_tahunan=gap
    )
    suite = load_suite("realisasi_indikator")
    issues = failures_to_issues(frame, run_suite(frame, suite), _locate("kode_indikator"))
    prog = spec.program.set_index("kode_program")
    budget = anggaran.assign(pagu=anggaran["kode_program"].map(prog["pagu"]).astype(float))
    suite = load_suite("realisasi_anggaran")
    issues += failures_to_issues(budget, run_suite(budget, suite), _locate("kode_program"))
    realisasi = _drop_errors(realisasi, issues, "realisasi_tahunan")
    anggaran = _drop_errors(anggaran, issues, "realisasi_anggaran")
    return realisasi, anggaran, issues


def _drop_errors(df: pd.DataFrame, issues: list[Issue], column: str) -> pd.DataFrame:
    """Blank the value of every row that an ERROR issue points at (value excluded)."""
    bad = {(i.file, i.cell) for i in issues if i.severity == ERROR and i.cell}
    if df.empty or not bad:
        return df
    mask = pd.Series(
        [(b, c) in bad for b, c in zip(df["berkas"], df[f"sel_{column}"], strict=True)],
        index=df.index,
    )
    out = df.assign(**{column: df[column].mask(mask)})
    if "realisasi_tidak_valid" in out:
        out = out.assign(realisasi_tidak_valid=out["realisasi_tidak_valid"] | mask)
    return out


def register(
    subs: list[Submission],
    ignored: list[tuple[Path, str, str]],
    accepted: set[str],
    superseded: dict[str, str],
    issues: list[Issue],
) -> pd.DataFrame:
    """One row per input file: what it is, which OPD it claims and what happened to it.

    ``issues`` is every issue known so far, whichever stage raised it, so the status of an
    accepted file counts its value and cross-file problems too.
    """
    by_file: dict[str, list[Issue]] = {}
    for issue in issues:
        by_file.setdefault(issue.file, []).append(issue)
    rows = []
    for sub in subs:
        mine = by_file.get(sub.name, [])
        errors = [i for i in mine if i.severity == ERROR]
        warnings = [i for i in mine if i.severity == WARNING]
        if sub.name in superseded:
            status, alasan = schema.BERKAS_DIGANTIKAN, f"digantikan oleh {superseded[sub.name]}"
        elif sub.name in accepted:
            status = (
                schema.BERKAS_DITERIMA_CATATAN if errors or warnings else schema.BERKAS_DITERIMA
            )
            alasan = f"{len(errors)} ERROR, {len(warnings)} WARNING" if errors or warnings else ""
        else:
            status = schema.BERKAS_DITOLAK
            alasan = errors[0].message if errors else "tidak dapat diproses"
        rows.append(
            {
                "berkas": sub.name,
                "ukuran": sub.size,
                "sha256": sub.sha256,
                "jenis": sub.jenis,
                "kode_opd": sub.meta.get("kode_opd", ""),
                "dimodifikasi": sub.dimodifikasi,
                "status": status,
                "alasan": alasan,
            }
        )
    for path, name, reason in ignored:
        data = path.read_bytes() if path.is_file() else b""
        rows.append(
            {
                "berkas": name,
                "ukuran": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "jenis": _detected(path),
                "kode_opd": "",
                "dimodifikasi": "",
                "status": schema.BERKAS_DIABAIKAN,
                "alasan": reason,
            }
        )
    return pd.DataFrame(rows).sort_values("berkas", kind="stable").reset_index(drop=True)


def validate_all(
    subs: list[Submission], spec: MasterSpec, ignored: list[tuple[Path, str, str]] | None = None
) -> Validated:
    """Structural checks per file, duplicates, value suites over all files, cross-file checks."""
    ignored = ignored or []
    ok = [s for s in subs if check_meta(s, spec)]
    ok = [
        s
        for s in ok
        if not any(
            i.severity == ERROR
            and i.rule.startswith("struktur.")
            and i.sheet == tpl.SHEET_INDIKATOR
            and not i.kode_indikator
            for i in s.issues
        )
    ]
    # Duplicate submissions: newest by the workbook's own timestamp wins, never merged.
    superseded: dict[str, str] = {}
    by_opd: dict[str, list[Submission]] = {}
    for s in ok:
        by_opd.setdefault(s.meta["kode_opd"], []).append(s)
    for group in by_opd.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda s: (s.dimodifikasi, s.name), reverse=True)
        for older in group[1:]:
            superseded[older.name] = group[0].name
            older.issue(
                "berkas.digantikan",
                INFO,
                f"Ada berkas yang lebih baru untuk OPD ini ({group[0].name}, disimpan "
                f"{group[0].dimodifikasi or '?'}); berkas ini ({older.dimodifikasi or '?'}) "
                "tidak dipakai.",
                found=older.dimodifikasi,
                expected=group[0].dimodifikasi,
            )
    active = [s for s in ok if s.name not in superseded]
    real_rows, budget_rows = [], []
    for s in active:
        real_rows += extract_realisasi(s, spec)
        budget_rows += extract_anggaran(s, spec)
    realisasi = pd.DataFrame(real_rows, columns=REALISASI_COLUMNS)
    anggaran = pd.DataFrame(budget_rows, columns=ANGGARAN_COLUMNS)
    realisasi, anggaran, value_issues = value_checks(realisasi, anggaran, spec)
    issues = [i for s in subs for i in s.issues] + value_issues
    submitted = {s.meta.get("kode_opd", "") for s in subs}  # any file that claims the OPD
    issues += cross_file_checks(realisasi)
    for rec in spec.opd.to_dict("records"):
        has_work = len(spec.indikator_opd(rec["kode_opd"])) or len(
            spec.program_opd(rec["kode_opd"])
        )
        if rec["kode_opd"] not in submitted and has_work:
            issues.append(
                Issue(
                    rule="kelengkapan.belum_kirim",
                    severity=WARNING,
                    kode_opd=rec["kode_opd"],
                    message=f"{rec['nama_opd']} belum mengirim berkas (batas pengumpulan "
                    f"{spec.pemda['batas_pengumpulan']}). Indikatornya dihitung sebagai "
                    "belum lapor.",
                    found="(tidak ada berkas)",
                    expected="1 berkas templat",
                )
            )
    deadline = str(spec.pemda["batas_pengumpulan"])
    for s in active:
        if s.dimodifikasi and deadline and s.dimodifikasi[:10] > deadline[:10]:
            s_issue = Issue(
                rule="kelengkapan.terlambat",
                severity=INFO,
                file=s.name,
                kode_opd=s.meta["kode_opd"],
                message=f"Berkas disimpan {s.dimodifikasi[:10]}, setelah batas "
                f"pengumpulan {deadline[:10]}.",
                found=s.dimodifikasi[:10],
                expected=f"≤ {deadline[:10]}",
            )
            issues.append(s_issue)
    berkas = register(subs, ignored, {s.name for s in active}, superseded, issues)
    return Validated(realisasi=realisasi, anggaran=anggaran, berkas=berkas, issues=issues)


def cross_file_checks(realisasi: pd.DataFrame) -> list[Issue]:
    """Indicators left empty in a submitted file; one indicator reported differently by OPDs."""
    issues = []
    values = realisasi[list(REALISASI_KEYS)].astype(float)
    empty = values.isna().all(axis=1) & (realisasi["realisasi_teks"] == "")
    empty &= ~realisasi["realisasi_tidak_valid"].astype(bool)
    for rec in realisasi[empty].to_dict("records"):
        issues.append(
            Issue(
                rule="kelengkapan.realisasi_kosong",
                severity=WARNING,
                file=rec["berkas"],
                sheet=rec["sheet"],
                cell=rec["sel_realisasi_tahunan"],
                kode_opd=rec["kode_opd"],
                kode_indikator=rec["kode_indikator"],
                found="(kosong)",
                expected="realisasi tahunan atau TW",
                message="Realisasi indikator ini belum diisi; dihitung sebagai belum lapor. Isi "
                "Realisasi Tahunan (atau TW I–IV), atau jelaskan di Faktor Penghambat bila data "
                "belum tersedia.",
            )
        )
    shown = realisasi.assign(
        _nilai=realisasi["realisasi_tahunan"].astype(str) + "|" + realisasi["realisasi_teks"]
    )
    for code, group in shown[~empty].groupby("kode_indikator", sort=True):
        if group["kode_opd"].nunique() > 1 and group["_nilai"].nunique() > 1:
            reported = "; ".join(
                f"{o}: {t or _fmt(v)}"
                for o, v, t in zip(
                    group["kode_opd"],
                    group["realisasi_tahunan"],
                    group["realisasi_teks"],
                    strict=True,
                )
            )
            for rec in group.to_dict("records"):
                issues.append(
                    Issue(
                        rule="lintas_berkas.nilai_berbeda",
                        severity=WARNING,
                        file=rec["berkas"],
                        sheet=rec["sheet"],
                        cell=rec["sel_realisasi_tahunan"],
                        kode_opd=rec["kode_opd"],
                        kode_indikator=str(code),
                        found=reported,
                        expected="nilai yang sama dari semua OPD penanggung jawab",
                        message=f"Indikator {code} dilaporkan berbeda oleh beberapa OPD "
                        f"({reported}). Sepakati satu angka dengan OPD lain.",
                    )
                )
    return issues


def _detected(path: Path) -> str:
    """What an ignored file really is, from its first bytes (not its name)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
        return sniff(path, head)[0]
    except OSError:
        return "tidak_terbaca"


def finalize_register(berkas: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """Recount the accepted files' problems once every stage (scoring included) has run."""
    accepted = berkas["status"].isin([schema.BERKAS_DITERIMA, schema.BERKAS_DITERIMA_CATATAN])
    counts = issues.groupby(["file", "severity"]).size() if not issues.empty else pd.Series()
    status, alasan = [], []
    for name, ok, old_status, old_reason in zip(
        berkas["berkas"], accepted, berkas["status"], berkas["alasan"], strict=True
    ):
        if not ok:
            status.append(old_status)
            alasan.append(old_reason)
            continue
        errors = int(counts.get((name, ERROR), 0))
        warnings = int(counts.get((name, WARNING), 0))
        flagged = errors or warnings
        status.append(schema.BERKAS_DITERIMA_CATATAN if flagged else schema.BERKAS_DITERIMA)
        alasan.append(f"{errors} ERROR, {warnings} WARNING" if flagged else "")
    return berkas.assign(status=status, alasan=alasan)


def check_scored(scored: pd.DataFrame) -> list[Issue]:
    """The computed-results suite: faktor penghambat where capaian < 100, the OPD's own figure."""
    rows = scored[(scored["berkas"] != "") & (scored["status"] == schema.STATUS_DINILAI)]
    if rows.empty:
        return []
    frame = rows.assign(
        sheet=tpl.SHEET_INDIKATOR,
        selisih_capaian_opd=rows["capaian_opd"].astype(float) - rows["capaian_mentah"],
    )
    suite = load_suite("hasil_capaian")
    return failures_to_issues(frame, run_suite(frame, suite), _locate("kode_indikator"))
