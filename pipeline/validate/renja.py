"""The template's Renja sheet (program and kegiatan rows, K and Rp per quarter) read against the
spec, for the Tabel E.81.

Each row is matched to the spec by its program/kegiatan code and its indicator code; a row that
matches neither, or whose locked target or pagu was changed, is an ERROR and its values are not
used. Quarters after the run's period are not read: they are neither used nor checked. The
value rules, each at file › sheet › cell:

* quarterly Rp adding up to more than the pagu: ERROR at the quarter where the sum passes the
  pagu; that program's or kegiatan's Rp is not used;
* a negative quarter of a ``kumulatif`` indicator (its cumulative K would go down): ERROR, that
  quarter is not used;
* Rp realised in a quarter with no K reported for any of the row's indicators, and K reported in
  a quarter with no Rp: WARNING;
* in a run of TW I–III, a program or kegiatan with no Rp in any quarter of the period: WARNING
  (its yearly Anggaran cell is not due yet, see :func:`~pipeline.validate.rows.extract_anggaran`);
* a file on the template version without the Renja sheet: WARNING telling the OPD to use the
  current template (its IKU and budget rows are used as before).
"""

from __future__ import annotations

import math
from typing import Any

from pipeline import fmt
from pipeline import template as tpl
from pipeline.ingest import Submission
from pipeline.issues import ERROR, WARNING, Issue
from pipeline.master import MasterSpec
from pipeline.numbers import parse_number
from pipeline.renja import periode_label
from pipeline.validate.common import FileIssues, cell_at, show_value

TW = (1, 2, 3, 4)
K_KEYS = tuple(f"k_tw{q}" for q in TW)
RP_KEYS = tuple(f"rp_tw{q}" for q in TW)
ROMAWI = ("I", "II", "III", "IV")
# ``ditolak``: a value of the row was typed but refused by an ERROR (the E.81 says so)
RENJA_K_COLUMNS = [
    "berkas",
    "kode_opd",
    "kode_indikator",
    *K_KEYS,
    *[f"sel_{k}" for k in K_KEYS],
    "ditolak",
]
RENJA_RP_COLUMNS = [
    "berkas",
    "kode_opd",
    "kode",
    *RP_KEYS,
    *[f"sel_{k}" for k in RP_KEYS],
    "ditolak",
]
RENJA_TEKS_COLUMNS = ["berkas", "kode_opd", "kode", "tindak_lanjut_renja"]


def _expected(spec: MasterSpec, kode_opd: str) -> dict[str, dict[str, Any]]:
    """The OPD's programs and kegiatan by code: pagu and the indicators under each."""
    out: dict[str, dict[str, Any]] = {}
    for code, rec in spec.program_rows(kode_opd).items():
        out[code] = {"pagu": float(rec["pagu"]), "indikator": {}, "jenis": "program"}
    keg = spec.kegiatan
    if not keg.empty:
        for keg_rec in keg[keg["kode_program"].isin(list(out))].to_dict("records"):
            out[str(keg_rec["kode_kegiatan"])] = {
                "pagu": float(keg_rec["pagu"]),
                "indikator": {},
                "jenis": "kegiatan",
            }
    ind = spec.indikator_renja
    if not ind.empty:
        for ind_rec in ind[ind["kode_opd"] == kode_opd].to_dict("records"):
            parent = str(ind_rec["kode_kegiatan"] or ind_rec["kode_program"])
            if parent in out:
                out[parent]["indikator"][str(ind_rec["kode_indikator"])] = ind_rec
    return out


def _errors(out: FileIssues) -> int:
    """How many ERRORs the file has so far (a row's values refused: the count went up)."""
    return sum(i.severity == ERROR for i in out.items)


def _value(out: FileIssues, raw: dict[str, Any], key: str, cell: str, code: str) -> float:
    """One K or Rp cell as a number (NaN when empty or unusable, with the issue said)."""
    value = raw.get(key)
    parsed = parse_number(value)
    if parsed.kind in ("kosong", "tidak_tersedia"):
        return math.nan
    if parsed.kind == "angka" and parsed.value is not None:
        return float(parsed.value)
    if parsed.kind in ("bukan_angka", "tidak_wajar") or parsed.value is None:
        out.issue(
            "nilai.bukan_angka",
            ERROR,
            f"'{show_value(value)}' bukan angka; nilai ini tidak dipakai. Tulis angka saja, "
            "tanpa satuan atau keterangan (contoh: 10,39 atau 1.500.000).",
            sheet=tpl.SHEET_RENJA,
            cell=cell,
            found=show_value(value),
            expected="angka",
            kode_indikator=code,
        )
        return math.nan
    out.issue(
        "nilai.teks_angka",
        WARNING,
        f"Angka diketik sebagai teks ('{value}'); dibaca sebagai "
        f"{show_value(parsed.value)}. Sebaiknya ketik sebagai angka.",
        sheet=tpl.SHEET_RENJA,
        cell=cell,
        found=str(value),
        expected=show_value(parsed.value),
        kode_indikator=code,
    )
    return float(parsed.value)


def old_template_notice(sub: Submission, spec: MasterSpec, kode_opd: str) -> list[Issue]:
    """A file without the Renja sheet (an older template) for an OPD with programs."""
    if sub.has_renja or not spec.program_rows(kode_opd):
        return []
    out = FileIssues(sub, kode_opd)
    version = sub.meta.get("versi_templat", "")
    out.issue(
        "struktur.versi_lama",
        WARNING,
        f"Templat versi {version or '(kosong)'} tidak memuat sheet '{tpl.SHEET_RENJA}': "
        "realisasi indikator dan anggaran tetap dipakai, tetapi evaluasi Renja (Tabel E.81) "
        "tidak mendapat realisasi K dan Rp per triwulan program. Gunakan templat versi "
        f"{tpl.TEMPLATE_VERSION} dari sekretariat untuk laporan berikutnya.",
        sheet=tpl.SHEET_META,
        cell=sub.meta_cells.get("versi_templat", ""),
        found=version,
        expected=tpl.TEMPLATE_VERSION,
    )
    return out.items


def extract_renja(
    sub: Submission, spec: MasterSpec, kode_opd: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[Issue]]:
    """K per indicator, Rp per program/kegiatan and the Renja follow-up texts of one file."""
    out = FileIssues(sub, kode_opd)
    expected = _expected(spec, kode_opd)
    triwulan = spec.triwulan
    letters = sub.renja_cols
    sheet = tpl.SHEET_RENJA
    k_rows: list[dict[str, Any]] = []
    rp_rows: list[dict[str, Any]] = []
    texts: list[dict[str, Any]] = []
    seen_k: set[str] = set()
    seen_rp: set[str] = set()
    k_by_code: dict[str, list[list[float]]] = {}
    rp_cells: dict[str, dict[str, Any]] = {}
    for raw in sub.renja:
        r = raw["_row"]
        code = str(raw.get("kode_renja") or "")
        kode_ind = str(raw.get("kode_indikator") or "")
        if code not in expected:
            out.row_left_out(
                "struktur.renja_asing",
                ERROR,
                (sheet, cell_at(letters, "kode_renja", r), r),
                f": kode '{code or '(kosong)'}' bukan program atau kegiatan OPD ini di master "
                "spec",
                " Jangan menambah atau mengubah kode.",
                found=code or "(kosong)",
                expected="kode program/kegiatan dari templat",
            )
            continue
        item = expected[code]
        if kode_ind and kode_ind not in item["indikator"]:
            out.row_left_out(
                "struktur.renja_asing",
                ERROR,
                (sheet, cell_at(letters, "kode_indikator", r), r),
                f": indikator '{kode_ind}' bukan indikator '{code}' di master spec",
                found=kode_ind,
                expected=", ".join(item["indikator"]) or "(tanpa indikator)",
                kode_indikator=kode_ind,
            )
            continue
        text = str(raw.get("tindak_lanjut_renja") or "").strip()
        if text:
            texts.append(
                {
                    "berkas": sub.name,
                    "kode_opd": kode_opd,
                    "kode": code,
                    "tindak_lanjut_renja": text,
                }
            )
        if kode_ind and kode_ind not in seen_k:
            seen_k.add(kode_ind)
            spec_ind = item["indikator"][kode_ind]
            target_cell = cell_at(letters, "target_renja", r)
            shown = parse_number(raw.get("target_renja"))
            want = float(spec_ind["target"])
            if not math.isnan(want) and (
                shown.value is None or abs(float(shown.value) - want) > 1e-9 * max(1, abs(want))
            ):
                out.issue(
                    "struktur.target_diubah",
                    WARNING,
                    f"Target indikator '{kode_ind}' di sel terkunci diubah; target master spec "
                    f"({fmt.angka_ringkas(want, 6)}) yang dipakai.",
                    sheet=sheet,
                    cell=target_cell,
                    found=show_value(raw.get("target_renja")),
                    expected=fmt.angka_ringkas(want, 6),
                    kode_indikator=kode_ind,
                )
            values = []
            said = _errors(out)
            for q, key in zip(TW, K_KEYS, strict=True):
                cell = cell_at(letters, key, r)
                v = _value(out, raw, key, cell, kode_ind) if q <= triwulan else math.nan
                if spec_ind["agregasi_tw"] == "kumulatif" and v < 0:
                    out.issue(
                        "renja.k_kumulatif_turun",
                        ERROR,
                        f"Realisasi K TW {ROMAWI[q - 1]} indikator kumulatif '{kode_ind}' "
                        f"bernilai {show_value(v)}: capaian kumulatif menjadi turun. Isi hasil "
                        "triwulan itu saja (0 bila tidak ada), bukan koreksi negatif; nilai ini "
                        "tidak dipakai.",
                        sheet=sheet,
                        cell=cell,
                        found=show_value(v),
                        expected="angka ≥ 0",
                        kode_indikator=kode_ind,
                    )
                    v = math.nan
                values.append(v)
            k_rows.append(
                {
                    "berkas": sub.name,
                    "kode_opd": kode_opd,
                    "kode_indikator": kode_ind,
                    **dict(zip(K_KEYS, values, strict=True)),
                    **{f"sel_{k}": cell_at(letters, k, r) for k in K_KEYS},
                    "ditolak": _errors(out) > said,
                }
            )
            k_by_code.setdefault(code, []).append(values)
        if code in seen_rp:
            continue
        seen_rp.add(code)
        said = _errors(out)
        rp_values = [
            _value(out, raw, key, cell_at(letters, key, r), code) if q <= triwulan else math.nan
            for q, key in zip(TW, RP_KEYS, strict=True)
        ]
        pagu = item["pagu"]
        total = 0.0
        over = False
        for q, (key, v) in enumerate(zip(RP_KEYS, rp_values, strict=True)):
            if math.isnan(v):
                continue
            total += v
            if not math.isnan(pagu) and total > pagu + 0.005:
                out.issue(
                    "renja.rp_melebihi_pagu",
                    ERROR,
                    f"Realisasi Rp '{code}' s/d TW {ROMAWI[q]} berjumlah {fmt.rupiah(total)}, "
                    f"melebihi pagu {fmt.rupiah(pagu)}; realisasi Rp {item['jenis']} ini tidak "
                    "dipakai. Periksa digit yang diketik (isi Rupiah triwulan itu saja, bukan "
                    "jumlah sampai triwulan itu).",
                    sheet=sheet,
                    cell=cell_at(letters, key, r),
                    found=fmt.rupiah(total),
                    expected=f"jumlah TW ≤ {fmt.rupiah(pagu)}",
                )
                over = True
                break
        if over:  # not used, and not compared with K either
            rp_values = [math.nan] * 4
        rp_rows.append(
            {
                "berkas": sub.name,
                "kode_opd": kode_opd,
                "kode": code,
                **dict(zip(RP_KEYS, rp_values, strict=True)),
                **{f"sel_{k}": cell_at(letters, k, r) for k in RP_KEYS},
                "ditolak": _errors(out) > said,
            }
        )
        if not over:
            rp_cells[code] = {"row": r, "values": rp_values}
        if triwulan < 4 and not over and all(math.isnan(v) for v in rp_values):
            out.issue(
                "renja.rp_kosong",
                WARNING,
                f"Realisasi Rp {item['jenis']} '{code}' {periode_label(triwulan)} belum diisi; "
                "Tabel E.81 tidak mendapat Rp per triwulan untuk baris ini. Isi Rupiah tiap "
                "triwulan dalam periode (0 bila tanpa belanja).",
                sheet=sheet,
                cell=cell_at(letters, RP_KEYS[0], r),
                found="(kosong)",
                expected=f"Rp TW I–{ROMAWI[triwulan - 1]} terisi",
            )
    for code, info in rp_cells.items():
        ks = k_by_code.get(code)
        if not ks:
            continue  # no indicator under it: nothing to compare
        for q, (key, rp) in enumerate(zip(RP_KEYS, info["values"], strict=True)):
            k_any = any(not math.isnan(k[q]) for k in ks)
            if not math.isnan(rp) and rp > 0 and not k_any:
                out.issue(
                    "renja.rp_tanpa_k",
                    WARNING,
                    f"'{code}' merealisasikan Rp pada TW {ROMAWI[q]} tetapi K indikatornya "
                    "kosong. Isi realisasi K triwulan itu (0 bila memang belum ada hasil).",
                    sheet=sheet,
                    cell=cell_at(letters, key, info["row"]),
                    found=fmt.rupiah(rp),
                    expected=f"K TW {ROMAWI[q]} terisi",
                )
            if k_any and math.isnan(rp):
                out.issue(
                    "renja.k_tanpa_rp",
                    WARNING,
                    f"'{code}' melaporkan K pada TW {ROMAWI[q]} tetapi realisasi Rp-nya kosong. "
                    "Isi realisasi Rp triwulan itu (0 bila tanpa belanja).",
                    sheet=sheet,
                    cell=cell_at(letters, key, info["row"]),
                    found="(kosong)",
                    expected=f"Rp TW {ROMAWI[q]} terisi",
                )
    return k_rows, rp_rows, texts, out.items
