"""The template's Renja sheet (program and kegiatan rows, K and Rp per quarter) read against the
spec, for the Tabel E.81.

Each row is matched to the spec by its program/kegiatan code and its indicator code; a row that
matches neither, or whose locked target or pagu was changed, is an ERROR and its values are not
used. Quarters after the run's period are not read: they are neither used nor checked. The
value rules, each at file › sheet › cell:

* quarterly Rp adding up to more than the pagu: ERROR at the quarter where the sum passes the
  pagu; that program's or kegiatan's Rp is not used;
* a negative quarter of a ``kumulatif`` indicator (its cumulative K would go down), an Rp below
  0 or shown as a percent, a formula with an error or no stored result: ERROR, that quarter is
  not used (a percent-formatted K of a ``%`` indicator is read ×100, as on the Indikator sheet);
* a quarter of the period left empty while another is typed, ``kumulatif`` K that look like
  running totals, K to date above 300 % of the target, a ``%`` K outside 0–100, kegiatan
  spending more than their program, Rp of the period spent but below a thousandth of the pagu
  (typed in thousands?) and (yearly run) quarterly Rp differing from the Anggaran sheet's yearly
  realisation: WARNING;
* Rp realised in a quarter with no K reported for any of the row's indicators, and K reported in
  a quarter with no Rp: WARNING;
* in a run of TW I–III, a program or kegiatan with no Rp in any quarter of the period: WARNING
  (its yearly Anggaran cell is not due yet, see :func:`~pipeline.validate.rows.extract_anggaran`);
* a file on the template version without the Renja sheet: WARNING telling the OPD to use the
  current template (its IKU and budget rows are used as before).
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

from pipeline import fmt
from pipeline import template as tpl
from pipeline.ingest import Submission
from pipeline.issues import ERROR, WARNING, Issue
from pipeline.master import MasterSpec
from pipeline.numbers import BATAS_WAJAR, parse_number
from pipeline.renja import k_to_date, periode_label
from pipeline.validate.common import FileIssues, cell_at, show_value
from pipeline.validate.rows import (
    _formula_problem,
    _formula_reference,
    _percent_cell,
    is_persen,
)
from pipeline.validate.values import FAKTOR_SKALA_PERSEN, RUNNING_NEAR, RUNNING_SUM

TW = (1, 2, 3, 4)
K_KEYS = tuple(f"k_tw{q}" for q in TW)
RP_KEYS = tuple(f"rp_tw{q}" for q in TW)
_K_SEL = tuple(f"sel_{k}" for k in K_KEYS)  # the keys of a row's cells, made once
_RP_SEL = tuple(f"sel_{k}" for k in RP_KEYS)
ROMAWI = ("I", "II", "III", "IV")
PERSEN_WORDS = ("persen", "prosen", "persentase", "percent")
LONJAKAN_PERSEN = 300  # K to date above this share of the target: a typing slip, likely
# Rp of the period below this share of the pagu: typed in thousands (an amount within its pagu
# typed in thousands is at most a thousandth of it) or in millions
RP_SANGAT_KECIL = 0.001
# ``ditolak``: a value of the row was typed but refused by an ERROR (the E.81 says so)
RENJA_K_COLUMNS = [
    "berkas",
    "kode_opd",
    "kode_indikator",
    *K_KEYS,
    *[f"sel_{k}" for k in K_KEYS],
    "ditolak",
    "ditolak_tw",
]
RENJA_RP_COLUMNS = [
    "berkas",
    "kode_opd",
    "kode",
    *RP_KEYS,
    *[f"sel_{k}" for k in RP_KEYS],
    "ditolak",
    "ditolak_tw",
]
RENJA_TEKS_COLUMNS = ["berkas", "kode_opd", "kode", "tindak_lanjut_renja"]


class _RenjaSpec:
    """The spec's kegiatan and Renja indicators as plain rows, made once per spec (again when
    either frame is replaced): every file's rows are checked against them, and filtering and
    converting the frames again for each file cost more than the check."""

    def __init__(self, spec: MasterSpec) -> None:
        keg, ind = spec.kegiatan, spec.indikator_renja
        # the kegiatan in spec order (as ``to_dict('records')`` gives them), and their codes
        self.kegiatan: list[dict[Any, Any]] = [] if keg.empty else keg.to_dict("records")
        self.kegiatan_codes = [
            (str(rec["kode_kegiatan"]), str(rec["kode_program"])) for rec in self.kegiatan
        ]
        # each OPD's Renja indicators, in spec order
        self.indikator: dict[Any, list[dict[Any, Any]]] = {}
        for rec in [] if ind.empty else ind.to_dict("records"):
            self.indikator.setdefault(rec["kode_opd"], []).append(rec)

    @classmethod
    def of(cls, spec: MasterSpec) -> _RenjaSpec:
        return spec.derived("renja", (spec.kegiatan, spec.indikator_renja), lambda: cls(spec))


def _expected(spec: MasterSpec, kode_opd: str) -> dict[str, dict[str, Any]]:
    """The OPD's programs and kegiatan by code: pagu and the indicators under each."""
    out: dict[str, dict[str, Any]] = {}
    for code, rec in spec.program_rows(kode_opd).items():
        out[code] = {
            "pagu": float(rec["pagu"]),
            "indikator": {},
            "jenis": "program",
            "uraian": str(rec.get("uraian", "")),
        }
    renja = _RenjaSpec.of(spec)
    programs = set(out)  # a kegiatan under one of the OPD's programs (not under a kegiatan)
    for keg_rec in renja.kegiatan:
        if keg_rec["kode_program"] in programs:
            out[str(keg_rec["kode_kegiatan"])] = {
                "pagu": float(keg_rec["pagu"]),
                "indikator": {},
                "jenis": "kegiatan",
                "uraian": str(keg_rec.get("uraian", "")),
            }
    for ind_rec in renja.indikator.get(kode_opd, []):
        parent = str(ind_rec["kode_kegiatan"] or ind_rec["kode_program"])
        if parent in out:
            out[parent]["indikator"][str(ind_rec["kode_indikator"])] = ind_rec
    return out


def _erred(out: FileIssues, mark: int) -> bool:
    """Whether an ERROR was said since ``mark``, the number of the file's issues then (a row's
    values refused); issues are only added, so the ones before it are not counted again."""
    items = out.items
    # asked of every quarter of every row: most often nothing was said, and nothing to copy
    return len(items) > mark and any(i.severity == ERROR for i in items[mark:])


def _value(
    out: FileIssues,
    raw: dict[str, Any],
    key: str,
    cell: str,
    code: str,
    unit: dict[str, Any] | None = None,
) -> float:
    """One K or Rp cell as a number (NaN when empty or unusable, with the issue said).

    ``unit`` is the K indicator's ``satuan`` and target (a percent-formatted cell holds the
    fraction Excel stores, read ×100 as on the Indikator sheet); None for an Rp cell, which
    must be Rupiah: not a percent, not below 0. A formula with no stored result, or one giving
    an error value, is refused as on the Indikator sheet.
    """
    if raw.get("_rumus") and _formula_problem(out, raw, key, cell, code, tpl.SHEET_RENJA):
        return math.nan
    if raw.get("_rujukan") and key in raw["_rujukan"]:
        _formula_reference(out, raw["_rujukan"][key], key, cell, code, tpl.SHEET_RENJA)
    value = raw.get(key)
    parsed = parse_number(value)
    if parsed.kind in ("kosong", "tidak_tersedia"):
        return math.nan
    if parsed.kind == "tidak_wajar":
        out.issue(
            "nilai.tidak_wajar",
            ERROR,
            f"'{show_value(value)}' bukan angka yang wajar (tak hingga atau lebih dari "
            f"{fmt.angka_ringkas(BATAS_WAJAR)}); nilai ini tidak dipakai. Periksa digit yang "
            "diketik.",
            sheet=tpl.SHEET_RENJA,
            cell=cell,
            found=show_value(value),
            expected=f"angka antara -{fmt.angka_ringkas(BATAS_WAJAR)} dan "
            f"{fmt.angka_ringkas(BATAS_WAJAR)}",
            kode_indikator=code if unit is not None else "",
        )
        return math.nan
    if parsed.kind == "bukan_angka" or parsed.value is None:
        out.issue(
            "nilai.bukan_angka",
            ERROR,
            f"'{show_value(value)}' bukan angka; nilai ini tidak dipakai. Tulis angka saja, "
            "tanpa satuan atau keterangan (contoh: 10,39 atau 1.500.000).",
            sheet=tpl.SHEET_RENJA,
            cell=cell,
            found=show_value(value),
            expected="angka",
            kode_indikator=code if unit is not None else "",
        )
        return math.nan
    number = float(parsed.value)
    if unit is None and (
        parsed.persen if isinstance(value, str) else key in raw.get("_persen", ())
    ):
        shown = value.strip() if isinstance(value, str) else f"{fmt.angka_ringkas(number * 100)}%"
        out.issue(
            "renja.rp_format_persen",
            ERROR,
            f"Realisasi Rp '{code}' tertulis sebagai persen ('{shown}'), bukan Rupiah; nilai ini "
            "tidak dipakai. Ketik Rupiah triwulan itu (format angka, bukan persen), misalnya "
            "1.250.000.",
            sheet=tpl.SHEET_RENJA,
            cell=cell,
            found=shown,
            expected="Rupiah",
        )
        return math.nan
    if parsed.kind == "ambigu" and parsed.lain is not None:
        taken, other = parsed.cara
        out.issue(
            "nilai.angka_ambigu",
            WARNING,
            f"'{show_value(value)}' dapat dibaca dua cara; dibaca sebagai "
            f"{show_value(parsed.value)} ({taken}), bukan {show_value(parsed.lain)} ({other}). "
            "Ketik ulang sebagai angka bila salah.",
            sheet=tpl.SHEET_RENJA,
            cell=cell,
            found=f"'{show_value(value)}' (teks)",
            expected=f"angka: {show_value(parsed.value)} atau {show_value(parsed.lain)}?",
            kode_indikator=code if unit is not None else "",
        )
    elif parsed.kind != "angka":
        out.issue(
            "nilai.teks_angka",
            WARNING,
            f"Angka diketik sebagai teks ('{show_value(value)}'); dibaca sebagai "
            f"{show_value(parsed.value)}. Sebaiknya ketik sebagai angka.",
            sheet=tpl.SHEET_RENJA,
            cell=cell,
            found=f"'{show_value(value)}' (teks)",
            expected=f"angka {show_value(parsed.value)} (sel berformat Angka, bukan teks)",
            kode_indikator=code if unit is not None else "",
        )
    if unit is not None:
        read = _percent_cell(out, raw, key, number, unit, cell, code, tpl.SHEET_RENJA)
        return math.nan if read is None else read
    if number < 0:
        out.issue(
            "renja.rp_negatif",
            ERROR,
            f"Realisasi Rp '{code}' bernilai negatif ({show_value(number)}); nilai ini tidak "
            "dipakai. Isi Rupiah yang dibelanjakan pada triwulan itu (0 bila tidak ada), bukan "
            "koreksi.",
            sheet=tpl.SHEET_RENJA,
            cell=cell,
            found=show_value(number),
            expected="angka ≥ 0",
        )
        return math.nan
    return number


def old_template_notice(sub: Submission, spec: MasterSpec, kode_opd: str) -> list[Issue]:
    """A file without the Renja sheet (an older template) for an OPD with programs."""
    if sub.has_renja or not spec.program_rows(kode_opd):
        return []
    out = FileIssues(sub, kode_opd)
    version = sub.meta.get("versi_templat", "")
    if version == tpl.TEMPLATE_VERSION:  # its template has the sheet: it was deleted
        out.issue(
            "struktur.renja_hilang",
            WARNING,
            f"Sheet '{tpl.SHEET_RENJA}' tidak ada di berkas (dihapus atau diganti nama): "
            "realisasi indikator dan anggaran tetap dipakai, tetapi evaluasi Renja (Tabel "
            "E.81) tidak mendapat realisasi K dan Rp per triwulan program. Salin sheet "
            f"'{tpl.SHEET_RENJA}' dari templat asli ke berkas Anda, isi, lalu kirim ulang.",
            found="sheet tidak ada",
            expected=f"sheet '{tpl.SHEET_RENJA}'",
        )
        return out.items
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


def _period_quarters(triwulan: int) -> str:
    """``TW I`` or ``TW I–III``: the quarters of the run's period."""
    return "TW I" if triwulan == 1 else f"TW I–{ROMAWI[triwulan - 1]}"


def _typed(raw: dict[str, Any], key: str) -> bool:
    """Whether the cell holds anything (a value, or a formula the reader marked)."""
    value = raw.get(key)
    if type(value) is float:  # a number cell (its text is never blank): the common case
        return True
    return (value is not None and str(value).strip() != "") or key in raw.get("_rumus", {})


def _gaps(
    out: FileIssues,
    raw: dict[str, Any],
    keys: tuple[str, ...],
    triwulan: int,
    where: tuple[str, dict[str, str], int],
    what: str,
    code: str,
) -> None:
    """A WARNING when some quarters of the period are filled and others left empty: column 13
    would add up (or take the last of) only the quarters typed, without a word. A quarter after
    the period that is filled is named too: a value typed one column to the right."""
    sheet, letters, r = where
    inside = [_typed(raw, k) for k in keys[:triwulan]]
    if not any(inside) or all(inside):
        return
    empty = [ROMAWI[q] for q, filled in enumerate(inside) if not filled]
    after = [ROMAWI[q] for q in range(triwulan, 4) if _typed(raw, keys[q])]
    moved = (
        f" TW {', '.join(after)} terisi padahal di luar periode ini (tidak dipakai): mungkin "
        "diketik di kolom yang salah."
        if after
        else ""
    )
    out.issue(
        "renja.tw_kosong",
        WARNING,
        f"{what} TW {', '.join(empty)} kosong sedangkan triwulan lain dalam periode diisi; "
        "kolom 13 Tabel E.81 hanya memakai triwulan yang diisi. Isi setiap triwulan "
        f"{_period_quarters(triwulan)} (0 bila memang tidak ada).{moved}",
        sheet=sheet,
        cell=cell_at(letters, keys[inside.index(False)], r),
        found="(kosong)",
        expected=f"{_period_quarters(triwulan)} terisi",
        kode_indikator=code,
    )


def _percent_scale(
    out: FileIssues,
    v: float,
    spec_ind: dict[str, Any],
    unit: dict[str, Any],
    where: tuple[str, int, str],
) -> float:
    """A quarter of a percent indicator that is not summed (each quarter a position, as the
    target is) lying 50 times or more from its target: a fraction typed for a percent (0,967
    for 96,7 %) or the reverse. An ERROR at its cell, as on the Indikator sheet
    (``nilai.skala_persen``); the value is not used (NaN returned)."""
    cell, q, code = where
    target = float(spec_ind["target"])
    if (
        spec_ind["agregasi_tw"] == "kumulatif"
        or not is_persen(unit)
        or math.isnan(v)
        or v == 0
        or math.isnan(target)
        or target == 0
    ):
        return v
    fold = max(abs(v / target), abs(target / v))
    if fold <= FAKTOR_SKALA_PERSEN:
        return v
    out.issue(
        "renja.skala_persen",
        ERROR,
        f"Realisasi K TW {ROMAWI[q - 1]} '{code}' {show_value(v)} berbeda "
        f"{fmt.angka_ringkas(fold, 1)} kali dari target {show_value(target)} "
        f"{spec_ind['satuan']}: kemungkinan persen ditulis sebagai pecahan (65,5% sebagai "
        "0,655) atau sebaliknya. Ketik persen sebagai angka persen (contoh: 65,5); nilai ini "
        "tidak dipakai sampai diperbaiki.",
        sheet=tpl.SHEET_RENJA,
        cell=cell,
        found=show_value(v),
        expected=f"realisasi dalam persen, sebesar target {show_value(target)}",
        kode_indikator=code,
    )
    return math.nan


def _k_plausible(
    out: FileIssues,
    values: list[float],
    spec_ind: dict[str, Any],
    unit: dict[str, Any],
    cells: list[str],
    code: str,
) -> None:
    """The Indikator sheet's plausibility rules on a K row: quarters that look like running
    totals of a ``kumulatif`` indicator, K far above its target, a percent outside 0–100
    (``unit``: the one :func:`_value` read the cells with, which says whether it is one)."""
    target = float(spec_ind["target"])
    agregasi = spec_ind["agregasi_tw"]
    filled = [(q, v) for q, v in enumerate(values) if not math.isnan(v)]
    if not filled:
        return
    last_q, last = filled[-1]
    to_date = k_to_date(values, agregasi)
    if agregasi == "kumulatif" and target > 0 and len(filled) >= 2:
        low, high = RUNNING_NEAR
        steps = [b - a for (_, a), (_, b) in pairwise(filled)]
        if (
            min(steps) >= 0
            and max(steps) > 0
            and low * target <= last <= high * target
            and to_date > RUNNING_SUM * target
        ):
            out.issue(
                "renja.tw_tampak_kumulatif",
                WARNING,
                f"K TW per triwulan '{code}' tampak seperti jumlah s/d triwulan (tidak pernah "
                f"turun, TW {ROMAWI[last_q]} = {show_value(last)} sudah dekat target "
                f"{show_value(target)}); dijumlahkan menjadi {show_value(to_date)}. Isi hasil "
                "triwulan itu saja, bukan jumlah sampai triwulan itu.",
                sheet=tpl.SHEET_RENJA,
                cell=cells[last_q],
                found=show_value(to_date),
                expected=f"jumlah TW sekitar target {show_value(target)}",
                kode_indikator=code,
            )
            return
    if target > 0 and to_date / target * 100 > LONJAKAN_PERSEN:
        out.issue(
            "renja.lonjakan",
            WARNING,
            f"Realisasi K '{code}' s/d TW {ROMAWI[last_q]} ({show_value(to_date)}) adalah "
            f"{fmt.angka_ringkas(to_date / target * 100, 1)}% dari target {show_value(target)} "
            f"{spec_ind['satuan']}: kemungkinan salah ketik atau salah satuan. Periksa kembali.",
            sheet=tpl.SHEET_RENJA,
            cell=cells[last_q],
            found=show_value(to_date),
            expected=f"paling tinggi {LONJAKAN_PERSEN}% dari target",
            kode_indikator=code,
        )
    if is_persen(unit):
        for q, v in filled:
            if not 0 <= v <= 100:
                out.issue(
                    "renja.persen_di_luar",
                    WARNING,
                    f"Realisasi K TW {ROMAWI[q]} '{code}' bernilai {show_value(v)} padahal "
                    f"satuannya '{spec_ind['satuan']}': persen biasanya antara 0 dan 100. "
                    "Periksa kembali.",
                    sheet=tpl.SHEET_RENJA,
                    cell=cells[q],
                    found=show_value(v),
                    expected="0–100",
                    kode_indikator=code,
                )


def extract_renja(
    sub: Submission,
    spec: MasterSpec,
    kode_opd: str,
    anggaran: list[dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[Issue]]:
    """K per indicator, Rp per program/kegiatan and the Renja follow-up texts of one file.

    ``anggaran`` (the file's rows of the Anggaran sheet, as
    :func:`~pipeline.validate.rows.extract_anggaran` gives them) lets a yearly run compare each
    program's quarterly Rp with its yearly realisation.
    """
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
    present: set[str] = set()  # codes with a row on the sheet
    stray_k: set[str] = set()  # codes with a row whose indicator code is not theirs (an ERROR)
    twice = _duplicates(out, sub.renja, expected, letters)
    rp_row_of: dict[str, int] = {}  # the row whose Rp cells hold each code's Rp
    k_refused_q: dict[str, set[int]] = {}  # per code, quarters with a K cell refused
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
        present.add(code)
        if (code, kode_ind) in twice:  # neither row is used: the E.81 row says it was refused
            refused_row = {"berkas": sub.name, "kode_opd": kode_opd, "ditolak": True}
            if kode_ind and kode_ind not in seen_k:
                seen_k.add(kode_ind)
                k_rows.append(
                    _nothing(refused_row, "kode_indikator", kode_ind, K_KEYS, letters, r)
                )
            if code not in seen_rp:
                seen_rp.add(code)
                rp_rows.append(_nothing(refused_row, "kode", code, RP_KEYS, letters, r))
            continue
        if kode_ind and kode_ind not in item["indikator"]:
            stray_k.add(code)
            out.row_left_out(
                "struktur.renja_asing",
                ERROR,
                (sheet, cell_at(letters, "kode_indikator", r), r),
                f": indikator '{kode_ind}' bukan indikator '{code}' di data sekretariat",
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
                    f"Target indikator '{kode_ind}' di sel terkunci diubah; target dari data "
                    f"sekretariat ({fmt.angka_ringkas(want, 6)}) yang dipakai.",
                    sheet=sheet,
                    cell=target_cell,
                    found=show_value(raw.get("target_renja")),
                    expected=fmt.angka_ringkas(want, 6),
                    kode_indikator=kode_ind,
                )
            unit = {
                "satuan": spec_ind["satuan"],
                # a unit written as a word ('persen') is a percent as '%' is
                "tipe_nilai": "persen"
                if str(spec_ind["satuan"]).strip().lower() in PERSEN_WORDS
                else "",
                "target_teks": "" if math.isnan(want) else fmt.angka_ringkas(want, 6),
            }
            values = []
            refused = []
            said = len(out.items)
            cells = [cell_at(letters, key, r) for key in K_KEYS]
            for q, key in zip(TW, K_KEYS, strict=True):
                before = len(out.items)
                v = (
                    _value(out, raw, key, cells[q - 1], kode_ind, unit)
                    if q <= triwulan
                    else math.nan
                )
                if spec_ind["agregasi_tw"] == "kumulatif" and v < 0:
                    out.issue(
                        "renja.k_kumulatif_turun",
                        ERROR,
                        f"Realisasi K TW {ROMAWI[q - 1]} indikator kumulatif '{kode_ind}' "
                        f"bernilai {show_value(v)}: capaian kumulatif menjadi turun. Isi hasil "
                        "triwulan itu saja (0 bila tidak ada), bukan koreksi negatif; nilai ini "
                        "tidak dipakai.",
                        sheet=sheet,
                        cell=cells[q - 1],
                        found=show_value(v),
                        expected="angka ≥ 0",
                        kode_indikator=kode_ind,
                    )
                    v = math.nan
                elif v < 0:  # kept (a growth or inflation can fall below 0), but said
                    out.issue(
                        "renja.k_negatif",
                        WARNING,
                        f"Realisasi K TW {ROMAWI[q - 1]} indikator '{kode_ind}' bernilai "
                        f"{show_value(v)} ({spec_ind['satuan']}): jumlah dan sebagian besar "
                        "ukuran tidak dapat negatif"
                        + (
                            ", dan pada indikator turun nilai negatif menaikkan capaian di "
                            "atas 200%"
                            if spec_ind.get("polaritas") == "turun"
                            else ""
                        )
                        + ". Periksa tanda minusnya; bila memang negatif, biarkan.",
                        sheet=sheet,
                        cell=cells[q - 1],
                        found=show_value(v),
                        expected="angka ≥ 0, kecuali ukuran yang memang dapat negatif",
                        kode_indikator=kode_ind,
                    )
                v = _percent_scale(out, v, spec_ind, unit, (cells[q - 1], q, kode_ind))
                if _erred(out, before):
                    refused.append(ROMAWI[q - 1])
                    k_refused_q.setdefault(code, set()).add(q - 1)
                values.append(v)
            _gaps(
                out,
                raw,
                K_KEYS,
                triwulan,
                (sheet, letters, r),
                f"Realisasi K '{kode_ind}'",
                kode_ind,
            )
            _k_plausible(out, values, spec_ind, unit, cells, kode_ind)
            if not refused and not any(_typed(raw, k) for k in K_KEYS[:triwulan]):
                out.issue(
                    "renja.k_kosong",
                    WARNING,
                    f"Realisasi K indikator '{kode_ind}' {periode_label(triwulan)} belum "
                    "diisi; Tabel E.81 tidak mendapat capaian K untuk indikator ini. Isi K tiap "
                    "triwulan dalam periode (0 bila memang tidak ada)."
                    + (
                        " TW di luar periode ini terisi: mungkin diketik di kolom yang salah."
                        if any(_typed(raw, k) for k in K_KEYS[triwulan:])
                        else ""
                    ),
                    sheet=sheet,
                    cell=cells[0],
                    found="(kosong)",
                    expected=f"K {_period_quarters(triwulan)} terisi",
                    kode_indikator=kode_ind,
                )
            k_rows.append(
                {
                    "berkas": sub.name,
                    "kode_opd": kode_opd,
                    "kode_indikator": kode_ind,
                    **dict(zip(K_KEYS, values, strict=True)),
                    **dict(zip(_K_SEL, cells, strict=True)),
                    "ditolak": _erred(out, said),
                    "ditolak_tw": ", ".join(refused),
                }
            )
            k_by_code.setdefault(code, []).append(values)
        if code in seen_rp:
            _rp_elsewhere(out, raw, (code, kode_ind, item), rp_row_of.get(code), letters, triwulan)
            continue
        seen_rp.add(code)
        rp_row_of[code] = r
        _pagu_edited(out, raw, code, item, cell_at(letters, "pagu", r))
        said = len(out.items)
        rp_at = [cell_at(letters, key, r) for key in RP_KEYS]
        rp_values = []
        refused = []
        rp_refused_q: set[int] = set()  # quarters whose Rp cell was refused by an ERROR
        for q, key in zip(TW, RP_KEYS, strict=True):
            before = len(out.items)
            rp_values.append(
                _value(out, raw, key, rp_at[q - 1], code) if q <= triwulan else math.nan
            )
            if _erred(out, before):
                refused.append(ROMAWI[q - 1])
                rp_refused_q.add(q - 1)
        pagu = item["pagu"]
        total = 0.0
        over = False
        for q, v in enumerate(rp_values):
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
                    cell=rp_at[q],
                    found=fmt.rupiah(total),
                    expected=f"jumlah TW ≤ {fmt.rupiah(pagu)}",
                )
                over = True
                break
        if over:  # not used, and not compared with K either
            rp_values = [math.nan] * 4
            refused = [_period_quarters(triwulan).removeprefix("TW ")]
        else:
            _gaps(out, raw, RP_KEYS, triwulan, (sheet, letters, r), f"Realisasi Rp '{code}'", "")
        rp_rows.append(
            {
                "berkas": sub.name,
                "kode_opd": kode_opd,
                "kode": code,
                **dict(zip(RP_KEYS, rp_values, strict=True)),
                **dict(zip(_RP_SEL, rp_at, strict=True)),
                "ditolak": _erred(out, said),
                "ditolak_tw": ", ".join(refused),
            }
        )
        if not over:
            rp_cells[code] = {
                "row": r,
                "values": rp_values,
                "jenis": item["jenis"],
                "pagu": item["pagu"],
                "refused": rp_refused_q,
            }
        if not over:
            _rp_tiny(out, rp_values, (code, item), letters, r, triwulan)
        if triwulan < 4 and not over and all(math.isnan(v) for v in rp_values) and not refused:
            out.issue(
                "renja.rp_kosong",
                WARNING,
                f"Realisasi Rp {item['jenis']} '{code}' {periode_label(triwulan)} belum diisi; "
                "Tabel E.81 tidak mendapat Rp per triwulan untuk baris ini. Isi Rupiah tiap "
                "triwulan dalam periode (0 bila tanpa belanja).",
                sheet=sheet,
                cell=cell_at(letters, RP_KEYS[0], r),
                found="(kosong)",
                expected=f"Rp {_period_quarters(triwulan)} terisi",
            )
    unread = any(i.sheet == sheet and i.rule in UNREAD for i in sub.issues)
    if not unread:  # a sheet not read for its headers is said by their ERROR
        _rows_missing(out, expected, present, seen_k, stray_k)
    _k_and_rp(out, rp_cells, (k_by_code, k_refused_q), letters)
    _kegiatan_within_program(out, rp_cells, spec, letters)
    if triwulan == 4 and anggaran:
        _quarters_and_year(out, rp_cells, anggaran, letters)
    return k_rows, rp_rows, texts, out.items


def _rp_tiny(
    out: FileIssues,
    rp_values: list[float],
    what: tuple[str, dict[str, Any]],
    letters: dict[str, str],
    r: int,
    triwulan: int,
) -> None:
    """Rp of the period spent but below a thousandth of the pagu: typed in thousands or
    millions of Rupiah? A WARNING at the first Rp typed (the Anggaran sheet's
    anggaran.sangat_kecil for the quarters); the amount is used as typed."""
    code, item = what
    pagu = item["pagu"]
    total = _period_sum(rp_values)
    if math.isnan(total) or total <= 0 or math.isnan(pagu) or total >= pagu * RP_SANGAT_KECIL:
        return
    first = next(q for q, v in enumerate(rp_values) if not math.isnan(v))
    out.issue(
        "renja.rp_sangat_kecil",
        WARNING,
        f"Realisasi Rp {item['jenis']} '{code}' {_period_quarters(triwulan)} berjumlah "
        f"{fmt.rupiah(total)}, kurang dari 0,1% pagu {fmt.rupiah(pagu)}: diketik dalam ribuan "
        "atau jutaan Rupiah? Isi realisasi setiap triwulan dalam Rupiah penuh (satu juta ditulis "
        "1000000, bukan 1000 atau 1). Sampai diperbaiki, angka ini dipakai apa adanya di "
        "Tabel E.81.",
        sheet=tpl.SHEET_RENJA,
        cell=cell_at(letters, RP_KEYS[first], r),
        found=fmt.rupiah(total),
        expected="Rupiah penuh",
    )


def _pagu_edited(
    out: FileIssues, raw: dict[str, Any], code: str, item: dict[str, Any], cell: str
) -> None:
    """The locked Pagu (Rp) cell overtyped: the spec's pagu is what column 8 takes, as an
    edited target is (a WARNING, so that the OPD knows its figure was not used)."""
    want = float(item["pagu"])
    shown = parse_number(raw.get("pagu"))
    if math.isnan(want) or (shown.value is not None and abs(float(shown.value) - want) < 0.005):
        return
    out.issue(
        "struktur.pagu_diubah",
        WARNING,
        f"Pagu '{code}' di sel terkunci diubah; pagu dari data sekretariat "
        f"({fmt.rupiah(want)}) yang dipakai. Bila pagu berubah (APBD Perubahan), minta "
        "sekretariat memperbarui data dan templatnya.",
        sheet=tpl.SHEET_RENJA,
        cell=cell,
        found=show_value(raw.get("pagu")),
        expected=fmt.rupiah(want),
    )


def _rp_elsewhere(
    out: FileIssues,
    raw: dict[str, Any],
    item: tuple[str, str, dict[str, Any]],
    first: int | None,
    letters: dict[str, str],
    triwulan: int,
) -> None:
    """Rp typed on a program's or kegiatan's second (or later) indicator row, whose Rp cells
    are not read (the Rp is on its first row): a WARNING at the first such cell."""
    code, kode_ind, spec_item = item
    typed = [k for k in RP_KEYS[:triwulan] if _typed(raw, k)]
    if not typed or first is None:
        return
    jenis = spec_item["jenis"]
    out.issue(
        "renja.rp_baris_lain",
        WARNING,
        f"Realisasi Rp {jenis} '{code}' diketik di baris indikator '{kode_ind}' (baris "
        f"{raw['_row']}); Rp {jenis} diisi di baris pertamanya (baris {first}), sehingga nilai "
        f"ini tidak dipakai. Pindahkan Rupiah triwulan itu ke baris {first} (jumlahkan dengan "
        "yang sudah ada di sana bila keduanya belanja program ini).",
        sheet=tpl.SHEET_RENJA,
        cell=cell_at(letters, typed[0], raw["_row"]),
        found=show_value(raw[typed[0]]),
        expected=f"Rp di baris {first}",
        kode_indikator=kode_ind,
    )


def _nothing(
    base: dict[str, Any],
    key: str,
    code: str,
    keys: tuple[str, ...],
    letters: dict[str, str],
    r: int,
) -> dict[str, Any]:
    """A K or Rp row of the sheet with no quarter used (``base`` says whose and why)."""
    return {
        **base,
        key: code,
        **dict.fromkeys(keys, math.nan),
        **{f"sel_{k}": cell_at(letters, k, r) for k in keys},
        "ditolak_tw": "",
    }


# header problems for which the reader leaves a sheet unread
UNREAD = ("struktur.judul_hilang", "struktur.judul_ganda", "struktur.kolom_hilang")


def _duplicates(
    out: FileIssues,
    raws: list[dict[str, Any]],
    expected: dict[str, dict[str, Any]],
    letters: dict[str, str],
) -> set[tuple[str, str]]:
    """A program or kegiatan row (with its indicator) found on more than one row: an ERROR at
    each, naming every row, as on the Indikator and Anggaran sheets; none of them is used."""
    found: list[tuple[tuple[str, str], int]] = []
    for raw in raws:
        key = (str(raw.get("kode_renja") or ""), str(raw.get("kode_indikator") or ""))
        if key[0] in expected:
            found.append((key, raw["_row"]))
    if len({key for key, _ in found}) == len(found):  # each row once (nearly every file)
        return set()
    where: dict[tuple[str, str], list[str]] = {}
    for key, r in found:
        where.setdefault(key, []).append(cell_at(letters, "kode_renja", r))
    twice = {key: cells for key, cells in where.items() if len(cells) > 1}
    for (code, kode_ind), cells in twice.items():
        what = f"'{code}'" + (f" (indikator '{kode_ind}')" if kode_ind else "")
        for cell in cells:
            out.issue(
                "struktur.renja_ganda",
                ERROR,
                f"Baris {what} muncul di lebih dari satu baris sheet {tpl.SHEET_RENJA} "
                f"({', '.join(cells)}); tidak jelas baris mana yang benar, sehingga tidak ada "
                "yang dipakai. Hapus baris tambahan dan kembalikan susunan templat.",
                sheet=tpl.SHEET_RENJA,
                cell=cell,
                found=", ".join(cells),
                expected="satu baris per kode",
                kode_indikator=kode_ind,
            )
    return set(twice)


def _rows_missing(
    out: FileIssues,
    expected: dict[str, dict[str, Any]],
    present: set[str],
    seen_k: set[str],
    stray_k: set[str],
) -> None:
    """A WARNING for each program or kegiatan of the template with no row on the Renja sheet
    (deleted, or its code typed otherwise), and for each indicator row gone from a code that
    still has its rows: the E.81 would show it empty without a word."""
    advice = " Salin barisnya dari templat asli, isi, lalu kirim ulang."
    for code, item in expected.items():
        jenis = str(item["jenis"])
        if code not in present:
            out.issue(
                "struktur.renja_baris_hilang",
                WARNING,
                f"{jenis.capitalize()} '{code}' ({item['uraian']}) tidak ada di sheet "
                f"{tpl.SHEET_RENJA} (baris dihapus atau kodenya diubah?): Tabel E.81 tidak "
                f"mendapat realisasi K dan Rp per triwulan {jenis} ini.{advice}",
                sheet=tpl.SHEET_RENJA,
                found="(tidak ada)",
                expected=code,
            )
            continue
        if code in stray_k:  # its row with another indicator code is said by its ERROR
            continue
        for kode_ind, ind in item["indikator"].items():
            if kode_ind not in seen_k:
                out.issue(
                    "struktur.renja_baris_hilang",
                    WARNING,
                    f"Indikator '{kode_ind}' ({ind['uraian']}) {jenis} '{code}' tidak ada di "
                    f"sheet {tpl.SHEET_RENJA} (baris dihapus?): Tabel E.81 tidak mendapat "
                    f"realisasi K per triwulan indikator ini.{advice}",
                    sheet=tpl.SHEET_RENJA,
                    found="(tidak ada)",
                    expected=kode_ind,
                    kode_indikator=kode_ind,
                )


def _k_and_rp(
    out: FileIssues,
    rp_cells: dict[str, dict[str, Any]],
    k_info: tuple[dict[str, list[list[float]]], dict[str, set[int]]],
    letters: dict[str, str],
) -> None:
    """Rp realised in a quarter with no K, and K reported in a quarter with no Rp: WARNING.
    ``k_info`` holds the K quarters of each code and the quarters whose K cell was refused: a cell
    refused by an ERROR is not empty, and that ERROR says it."""
    k_by_code, k_refused = k_info
    for code, info in rp_cells.items():
        ks = k_by_code.get(code)
        if not ks:
            continue  # no indicator under it: nothing to compare
        for q, (key, rp) in enumerate(zip(RP_KEYS, info["values"], strict=True)):
            k_any = any(not math.isnan(k[q]) for k in ks) or q in k_refused.get(code, ())
            if q in info.get("refused", ()):
                continue  # the Rp cell was refused: its ERROR says so
            if not math.isnan(rp) and rp > 0 and not k_any:
                out.issue(
                    "renja.rp_tanpa_k",
                    WARNING,
                    f"'{code}' merealisasikan Rp pada TW {ROMAWI[q]} tetapi K indikatornya "
                    "kosong. Isi realisasi K triwulan itu (0 bila memang belum ada hasil).",
                    sheet=tpl.SHEET_RENJA,
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
                    sheet=tpl.SHEET_RENJA,
                    cell=cell_at(letters, key, info["row"]),
                    found="(kosong)",
                    expected=f"Rp TW {ROMAWI[q]} terisi",
                )


def _period_sum(values: list[float]) -> float:
    """The Rp of the quarters typed (NaN when none is)."""
    typed = [v for v in values if not math.isnan(v)]
    return float(sum(typed)) if typed else math.nan


def _last_rp_cell(info: dict[str, Any], letters: dict[str, str]) -> str:
    """The cell of a row's last quarter with an Rp (where a sum of its quarters is said)."""
    filled = [q for q, v in enumerate(info["values"]) if not math.isnan(v)]
    return cell_at(letters, RP_KEYS[filled[-1] if filled else 0], info["row"])


def _kegiatan_within_program(
    out: FileIssues, rp_cells: dict[str, dict[str, Any]], spec: MasterSpec, letters: dict[str, str]
) -> None:
    """A program's kegiatan cannot spend more than the program: a WARNING at the program's Rp
    when its kegiatan's Rp of the period add up to more (one of the two was mistyped)."""
    under: dict[str, list[str]] = {}
    for kode_keg, kode_prog in _RenjaSpec.of(spec).kegiatan_codes:
        if kode_keg in rp_cells:
            under.setdefault(kode_prog, []).append(kode_keg)
    for program, kegiatan in under.items():
        info = rp_cells.get(program)
        if info is None:
            continue
        own = _period_sum(info["values"])
        parts = [_period_sum(rp_cells[k]["values"]) for k in kegiatan]
        total = float(sum(p for p in parts if not math.isnan(p)))
        if math.isnan(own) or total <= own + 0.5:
            continue
        out.issue(
            "renja.rp_kegiatan_melebihi_program",
            WARNING,
            f"Realisasi Rp kegiatan program '{program}' ({', '.join(kegiatan)}) berjumlah "
            f"{fmt.rupiah(total)}, lebih besar dari realisasi Rp programnya "
            f"({fmt.rupiah(own)}); belanja kegiatan termasuk dalam belanja program. Periksa "
            "digit yang diketik.",
            sheet=tpl.SHEET_RENJA,
            cell=_last_rp_cell(info, letters),
            found=fmt.rupiah(own),
            expected=f"paling sedikit {fmt.rupiah(total)}",
        )


def _quarters_and_year(
    out: FileIssues,
    rp_cells: dict[str, dict[str, Any]],
    anggaran: list[dict[str, Any]],
    letters: dict[str, str],
) -> None:
    """In a yearly run, a program's Rp of TW I–IV and its yearly realisation on the Anggaran
    sheet are one amount told twice: a WARNING when they differ (the E.81 takes the quarters,
    serapan the Anggaran sheet)."""
    for row in anggaran:
        code = str(row.get("kode_program", ""))
        info = rp_cells.get(code)
        year = float(row.get("realisasi_anggaran", math.nan))
        if info is None or info["jenis"] != "program" or math.isnan(year):
            continue
        if info["refused"]:  # its ERROR says so; the E.81 then takes the yearly figure
            continue
        if year < 0 or (not math.isnan(info["pagu"]) and year > info["pagu"] + 0.005):
            continue  # the yearly cell breaks its own rule (an ERROR there says so)
        quarters = _period_sum(info["values"])
        if math.isnan(quarters) or abs(quarters - year) <= 0.5:
            continue
        out.issue(
            "renja.rp_beda_anggaran",
            WARNING,
            f"Realisasi Rp program '{code}' TW I–IV berjumlah {fmt.rupiah(quarters)}, sedangkan "
            f"realisasi tahunannya di sheet {tpl.SHEET_ANGGARAN} (sel "
            f"{row.get('sel_realisasi_anggaran', '')}) {fmt.rupiah(year)}: Tabel E.81 memakai "
            "jumlah triwulan, serapan memakai sheet Anggaran. Samakan keduanya.",
            sheet=tpl.SHEET_RENJA,
            cell=_last_rp_cell(info, letters),
            found=fmt.rupiah(quarters),
            expected=fmt.rupiah(year),
        )
