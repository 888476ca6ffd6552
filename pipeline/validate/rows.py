"""Row and cell checks of one accepted file: each indicator and budget row against the spec.

A row is matched to the spec by its code, and its locked cells (uraian, satuan, target; for a
program uraian and pagu) must agree with the spec for that code: a row that was sorted or copied
without its code column would otherwise put its value against another indicator's target. Such a
row, and every row of a code that appears twice, is an ERROR and its value is not used.

Each realisation cell is read the Indonesian way (:func:`pipeline.numbers.parse_number`), with
what the value reader cannot see taken from the cell's XML: a percent-formatted cell holds a
fraction (``65,5%`` is stored as ``0.655``), a formula may hold an error or no stored result.
``n/a``, ``-`` or ``tidak tersedia`` is an explicit answer (status *data tidak tersedia*).
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import replace
from typing import Any

import numpy as np

from pipeline import fmt, sanitize, schema
from pipeline import template as tpl
from pipeline.cells import BUKU_KERJA_LAIN
from pipeline.ingest import Submission
from pipeline.issues import ERROR, INFO, WARNING, Issue
from pipeline.master import MasterSpec, targets_agree
from pipeline.numbers import BATAS_WAJAR, UNREADABLE, digits15, parse_number
from pipeline.renja import periode_label
from pipeline.suites import rule_range
from pipeline.validate.common import FileIssues, cell_at, show_value

SpecRow = dict[str, Any]  # one spec row as plain values (see MasterSpec.indikator_rows)
REALISASI_KEYS = (*schema.TW_COLUMNS, "realisasi_tahunan")
TW_TEXT_KEYS = tuple(f"{k}_teks" for k in schema.TW_COLUMNS)
TEXT_KEYS = ("faktor_pendorong", "faktor_penghambat", "tindak_lanjut", "sumber_data")

REALISASI_COLUMNS = [
    "berkas",
    "sheet",
    "baris",
    "kode_opd",
    "kode_indikator",
    *REALISASI_KEYS,
    "realisasi_teks",
    *TW_TEXT_KEYS,
    "realisasi_tidak_valid",
    "realisasi_tidak_tersedia",
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
    "realisasi_anggaran_ditolak",
    "keterangan",
    "sel_realisasi_anggaran",
]

# Locked cells that place a row: if they disagree with the spec, the row is not that code's.
_PLACING = (("uraian_indikator", "uraian"), ("satuan", "satuan"))
# Locked cells whose edit changes nothing that is scored (the spec's value is used).
_SOFT = (("kode_sasaran", "kode_sasaran"), ("polaritas", "polaritas"))

# States of one realisation cell.
KOSONG, NILAI, TIDAK_SAH, TIDAK_TERSEDIA = "kosong", "nilai", "tidak_sah", "tidak_tersedia"


def _same_text(a: object, b: object) -> bool:
    if a == b and type(a) is str and type(b) is str:  # the common case: an untouched cell
        return True
    return " ".join(str(a or "").split()).casefold() == " ".join(str(b or "").split()).casefold()


def is_persen(spec_row: SpecRow) -> bool:
    """Whether an indicator is measured in percent (``tipe_nilai`` persen or satuan ``%``)."""
    return spec_row.get("tipe_nilai") == "persen" or "%" in str(spec_row.get("satuan", ""))


def _duplicates(
    out: FileIssues, raws: list[dict[str, Any]], key: str, sheet: str, letters: dict[str, str]
) -> set[str]:
    """Codes found on more than one row: an ERROR at each, naming every cell; none is used."""
    codes = [raw[key] for raw in raws if raw[key]]
    if len(set(codes)) == len(codes):  # each code once (nearly every file): no cell to name
        return set()
    where: dict[str, list[str]] = {}
    for raw in raws:
        if raw[key]:
            where.setdefault(raw[key], []).append(cell_at(letters, key, raw["_row"]))
    twice = {code: cells for code, cells in where.items() if len(cells) > 1}
    what = "Indikator" if key == "kode_indikator" else "Program"
    for code, cells in twice.items():
        for cell in cells:
            out.issue(
                f"struktur.{'indikator' if key == 'kode_indikator' else 'program'}_ganda",
                ERROR,
                f"{what} '{code}' muncul di lebih dari satu baris ({', '.join(cells)}); tidak "
                "jelas baris mana yang benar, sehingga tidak ada yang dipakai. Hapus baris "
                "tambahan dan kembalikan susunan templat.",
                sheet=sheet,
                cell=cell,
                found=", ".join(cells),
                expected="satu baris per kode",
                kode_indikator=code if key == "kode_indikator" else "",
            )
    return set(twice)


# Letters of other scripts that look like Latin ones (a code retyped on a phone keyboard, or
# pasted from a document): read as the letter they show.
_LOOKALIKE = str.maketrans(
    "АВЕКМНОРСТХІЈЅУаеорсхіјѕуΑΒΕΖΗΙΚΜΝΟΡΤΥΧο", "ABEKMHOPCTXIJSYaeopcxijsyABEZHIKMNOPTYXo"
)


def code_key(code: str) -> str:
    """A code as it looks: letter case, spaces, width (``１`` for ``1``), letters of other
    scripts that look like Latin ones and invisible characters left out."""
    text = unicodedata.normalize("NFKC", code).translate(_LOOKALIKE)
    return "".join(
        ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf"
    ).upper()


def _recognised(
    out: FileIssues,
    raws: list[dict[str, Any]],
    key: str,
    own: dict[str, Any],
    every: frozenset[str],
    sheet: str,
    letters: dict[str, str],
) -> list[dict[str, Any]]:
    """The rows, each whose code looks like one of the OPD's own codes but differs from it
    (case, spaces, a look-alike or invisible character) read as that code, with a WARNING that
    shows the difference. Such a row was dropped as a row added by hand, and the indicator
    reported as deleted, under messages quoting two codes that look the same."""
    present = {raw[key] for raw in raws}
    if all(code in own or code in every or not code for code in present):
        return raws  # every code is one of the spec's, or none: nothing looks alike
    by_key: dict[str, list[str]] = {}
    for code in own:
        if code not in present:  # its own row is there: a look-alike row is another row
            by_key.setdefault(code_key(code), []).append(code)
    kept = []
    for raw in raws:
        code = raw[key]
        meant = by_key.get(code_key(code), []) if code and code not in every else []
        if len(meant) == 1:
            what = "indikator" if key == "kode_indikator" else "program"
            out.issue(
                f"struktur.kode_{what}_berbeda",
                WARNING,
                f"Kode {what} '{sanitize.visible(code)}' berbeda dari kode templat "
                f"'{meant[0]}' (huruf besar/kecil, spasi, huruf yang mirip atau karakter tak "
                f"terlihat); baris ini dibaca sebagai '{meant[0]}'. Jangan mengubah kolom kode.",
                sheet=sheet,
                cell=cell_at(letters, key, raw["_row"]),
                found=sanitize.visible(code),
                expected=meant[0],
                kode_indikator=meant[0] if key == "kode_indikator" else "",
            )
            kept.append({**raw, key: meant[0]})
        else:
            kept.append(raw)
    return kept


def _outdated(sub: Submission, spec: MasterSpec, kode_opd: str) -> bool:
    """Whether the file's template was made from another version of the spec's rows."""
    made = sub.meta.get("sidik_spec", "")
    return bool(made) and made != spec.fingerprint(kode_opd)


def extract_realisasi(
    sub: Submission, spec: MasterSpec, kode_opd: str
) -> tuple[list[dict[str, Any]], list[Issue]]:
    """Parse one accepted file's indicator rows against the spec of the OPD it is counted for."""
    out = FileIssues(sub, kode_opd)
    expected = spec.indikator_rows(kode_opd)
    sheet = tpl.SHEET_INDIKATOR
    letters = sub.indikator_cols
    outdated = _outdated(sub, spec, kode_opd)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    every = spec.indikator_codes
    raws = _recognised(out, sub.indikator, "kode_indikator", expected, every, sheet, letters)
    twice = _duplicates(out, raws, "kode_indikator", sheet, letters)
    template = _record_template(sub.name, kode_opd, letters)
    cells = _record_cells(letters)
    codes_in_file = {raw["kode_indikator"] for raw in raws}
    renamed: dict[str, str] = {}  # an indicator's code: what its row's code was typed as
    for raw in raws:
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
        if code not in expected:
            if code in every:  # another OPD's indicator
                out.issue(
                    "struktur.indikator_asing",
                    ERROR,
                    f"Kode indikator '{show_value(code)}' bukan indikator OPD ini di data "
                    "sekretariat; baris diabaikan.",
                    sheet=sheet,
                    cell=cell_at(letters, "kode_indikator", r),
                    found=show_value(code),
                    expected="kode dari templat",
                    kode_indikator=code,
                )
            elif (meant := _edited_code(raw, expected, codes_in_file)) is not None:
                # the row of an indicator of this OPD, its locked uraian intact, whose code
                # was typed over (IK02.03 as IK02.3): said so, at the code cell
                renamed[meant] = code
                out.issue(
                    "struktur.kode_diubah",
                    ERROR,
                    f"Kode indikator di baris {r} diubah menjadi '{show_value(code)}'; uraiannya "
                    f"('{expected[meant]['uraian']}') adalah indikator '{meant}'. Realisasi baris "
                    f"ini tidak dipakai (dianggap belum lapor). Kembalikan kodenya menjadi "
                    f"'{meant}'.",
                    sheet=sheet,
                    cell=cell_at(letters, "kode_indikator", r),
                    found=show_value(code),
                    expected=meant,
                    kode_indikator=meant,
                )
            else:  # no indicator's code at all: a row added by hand (a total, a note)
                out.issue(
                    "struktur.baris_sisipan",
                    WARNING,
                    f"Baris {r} berisi '{show_value(code)}' di kolom kode, bukan kode indikator "
                    "(baris tambahan, mis. baris jumlah?); isinya diabaikan. Jangan menambah "
                    "baris di templat.",
                    sheet=sheet,
                    cell=cell_at(letters, "kode_indikator", r),
                    found=show_value(code),
                    expected="kode indikator dari templat",
                )
            continue
        if code in seen:
            continue
        seen.add(code)
        spec_row = expected[code]
        rec = _record_from(template, r, code, cells)
        placed = _check_locked(out, spec_row, raw, letters, code, outdated)
        if code in twice or not placed:
            rec["realisasi_tidak_valid"] = True
            rows.append(rec)
            continue
        _read_realisasi(out, rec, raw, spec_row, spec.tangga.get(spec_row["tangga"], []))
        mark = len(out.items)
        rec["capaian_opd"], _ = _number(out, raw, "capaian_opd", rec["sel_capaian_opd"], code)
        if len(out.items) > mark:  # most rows: nothing said of the cell, no list to remake
            out.items[mark:] = [_only_compared(i) for i in out.items[mark:]]
        if "capaian_opd" in raw.get("_persen", ()) and not np.isnan(rec["capaian_opd"]):
            rec["capaian_opd"] *= 100  # a capaian is a percent: 88,26% is stored as 0,8826
        for key in TEXT_KEYS:
            value = raw.get(key)
            rec[key] = "" if value is None else str(value).strip()
            if raw.get("_rumus") and raw["_rumus"].get(key):
                typed = key in raw.get("_galat_ketik", ())
                _formula_text(out, raw["_rumus"][key], cell_at(letters, key, r), code, typed)
        if rec["realisasi_tidak_tersedia"]:
            _no_data_issue(out, rec, raw, code)
        rows.append(rec)
    for code in expected:
        if code not in seen and code not in renamed:
            out.issue(
                "struktur.indikator_hilang",
                WARNING,
                f"Indikator '{code}' ({expected[code]['uraian']}) tidak ada di berkas "
                "(baris dihapus?); dianggap belum lapor.",
                sheet=sheet,
                found="(tidak ada)",
                expected=code,
                kode_indikator=code,
            )
    return rows, out.items


_SEL_KEYS = tuple(f"sel_{k}" for k in REALISASI_KEYS)
_RECORD_CELLS = ("capaian_opd", "faktor_penghambat", *REALISASI_KEYS)  # keys with a sel_ cell


def _edited_code(
    raw: dict[str, Any], expected: dict[str, SpecRow], codes_in_file: set[str]
) -> str | None:
    """The indicator a row with an unknown code is, when its locked uraian is exactly one of
    the OPD's indicators whose code is nowhere in the file (its code was typed over)."""
    uraian = raw.get("uraian_indikator")
    if not uraian:
        return None
    found = [
        code
        for code, row in expected.items()
        if code not in codes_in_file and _same_text(uraian, row["uraian"])
    ]
    return found[0] if len(found) == 1 else None


def _record_template(berkas: str, kode_opd: str, letters: dict[str, str]) -> dict[str, Any]:
    """What every record of one file starts as: no value read yet, every cell empty, flags
    false (the row, its code and its cells are set by :func:`_record_from`)."""
    rec: dict[str, Any] = {
        "berkas": berkas,
        "sheet": tpl.SHEET_INDIKATOR,
        "baris": 0,
        "kode_opd": kode_opd,
        "kode_indikator": "",
        "realisasi_teks": "",
        "realisasi_tidak_valid": False,
        "realisasi_tidak_tersedia": False,
        "capaian_opd": np.nan,
        **{k: "" for k in TEXT_KEYS},
        **{k: "" for k in TW_TEXT_KEYS},
        "sel_capaian_opd": "",
        "sel_faktor_penghambat": "",
    }
    for key, sel in zip(REALISASI_KEYS, _SEL_KEYS, strict=True):
        rec[key] = np.nan
        rec[sel] = ""
    return rec


def _record_cells(letters: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The ``sel_`` keys of a file's records with the column letter of each (the keys whose
    column the file has), looked up once per file instead of once per row."""
    return tuple(
        (f"sel_{key}", letters[key]) for key in _RECORD_CELLS if letters.get(key) is not None
    )


def _record_from(
    template: dict[str, Any], r: int, code: str, cells: tuple[tuple[str, str], ...]
) -> dict[str, Any]:
    """A row's blank record: the file's template with the row, the code and the cells
    (``cells``: :func:`_record_cells` of the file)."""
    rec = template.copy()
    rec["baris"] = r
    rec["kode_indikator"] = code
    row = str(r)
    for sel, letter in cells:
        rec[sel] = letter + row
    return rec


def _read_realisasi(
    out: FileIssues,
    rec: dict[str, Any],
    raw: dict[str, Any],
    spec_row: SpecRow,
    ladder: list[str],
) -> None:
    """Fill the TW and annual realisations of ``rec`` (numbers, or ladder values as text)."""
    code = str(rec["kode_indikator"])
    states = []
    kualitatif = spec_row["polaritas"] == "kualitatif"
    # a row without formulas: a plain number cell (not percent-formatted) or an empty one is
    # read here as _number and _percent_cell read it, without a call per cell
    plain = not kualitatif and not raw.get("_rumus") and not raw.get("_rujukan")
    persen = raw.get("_persen", ())
    # an annual value typed ambiguously is judged against the target (naik and turun)
    judged_by = spec_row["target_nilai"] if spec_row["polaritas"] in ("naik", "turun") else None
    for key, sel in zip(REALISASI_KEYS, _SEL_KEYS, strict=True):
        if plain:
            value = raw.get(key)
            if type(value) is float and -BATAS_WAJAR <= value <= BATAS_WAJAR:
                if key not in persen:
                    rec[key] = value + 0.0  # -0 is 0, as parse_number reads it
                    states.append(NILAI)
                    continue
            elif value is None or value == "":
                rec[key] = np.nan
                states.append(KOSONG)
                continue
        cell = rec[sel]
        if kualitatif:
            text, state = _ladder_value(out, raw, key, cell, code, ladder)
            target = "realisasi_teks" if key == "realisasi_tahunan" else f"{key}_teks"
            rec[target] = text
        else:
            rec[key], state = _number(
                out, raw, key, cell, code, judged_by if key == "realisasi_tahunan" else None
            )
            if state == NILAI:
                read = _percent_cell(out, raw, key, rec[key], spec_row, cell, code)
                rec[key], state = (read, state) if read is not None else (np.nan, TIDAK_SAH)
        states.append(state)
    rec["realisasi_tidak_valid"] = TIDAK_SAH in states
    rec["realisasi_tidak_tersedia"] = TIDAK_TERSEDIA in states and NILAI not in states


def _formula_problem(
    out: FileIssues, raw: dict[str, Any], key: str, cell: str, code: str, sheet: str = ""
) -> bool:
    """An ERROR for a cell whose formula gives an error value or no stored result (``sheet``:
    where the cell is, when not the Indikator or Anggaran sheet its key says)."""
    problem = raw.get("_rumus", {}).get(key)
    if not problem:
        return False
    if problem == "tanpa_nilai":
        message = (
            "Sel berisi rumus tanpa nilai tersimpan: simpan ulang di Excel (atau LibreOffice) "
            "agar hasil rumusnya tersimpan, atau ketik angkanya langsung. Nilai ini belum "
            "dipakai."
        )
        found = "rumus tanpa nilai tersimpan"
    elif key in raw.get("_galat_ketik", ()):
        message = (
            f"Sel berisi nilai galat {problem} (diketik atau ditempel sebagai nilai, bukan "
            "angka); nilai ini tidak dipakai. Ketik angkanya, atau n/a bila datanya tidak "
            "tersedia."
        )
        found = problem
    else:
        message = (
            f"Sel berisi rumus yang menghasilkan {problem}; nilai ini tidak dipakai. Perbaiki "
            "rumusnya atau ketik angkanya langsung."
        )
        found = problem
    out.issue(
        "nilai.rumus",
        ERROR,
        message,
        sheet=sheet or _sheet_of(key),
        cell=cell,
        found=found,
        expected="angka",
        kode_indikator=code,
    )
    return True


def _formula_text(
    out: FileIssues, problem: str, cell: str, code: str, typed: bool = False
) -> None:
    """A WARNING for a text cell (faktor pendorong, penghambat …) whose formula gives an
    error value or no stored result: its text cannot be read, and would otherwise be lost
    without a word."""
    found = "rumus tanpa nilai tersimpan" if problem == "tanpa_nilai" else problem
    what = "nilai galat" if typed else "rumus"
    out.issue(
        "nilai.rumus_teks",
        WARNING,
        f"Sel berisi {what} ({found}); teksnya tidak terbaca dan dianggap kosong. Ketik "
        "teksnya langsung, tanpa rumus.",
        sheet=tpl.SHEET_INDIKATOR,
        cell=cell,
        found=found,
        expected="teks yang diketik",
        kode_indikator=code,
    )


def _ladder_value(
    out: FileIssues,
    raw: dict[str, Any],
    key: str,
    cell: str,
    code: str,
    ladder: list[str],
) -> tuple[str, str]:
    if _formula_problem(out, raw, key, cell, code):
        return "", TIDAK_SAH
    if raw.get("_rujukan") and key in raw["_rujukan"]:
        _formula_reference(out, raw["_rujukan"][key], key, cell, code)
    value = raw.get(key)
    text = "" if value is None else str(value).strip()
    if not text:
        return "", KOSONG
    match = next((v for v in ladder if v.lower() == text.lower()), None)
    if match is not None:
        return match, NILAI
    if parse_number(text).kind == "tidak_tersedia":
        return "", TIDAK_TERSEDIA
    alike = [v for v in ladder if code_key(v) == code_key(text)]
    if len(alike) == 1:  # 'WТP' with a Cyrillic Т, 'W T P': the value it shows
        out.issue(
            "nilai.tangga_mirip",
            WARNING,
            f"Nilai '{show_value(text)}' ditulis dengan huruf atau karakter lain dari daftar "
            "pilihan (huruf Sirilik/Yunani yang tampak sama, huruf lebar penuh, spasi atau "
            f"karakter tak terlihat); dibaca sebagai '{alike[0]}'. Pilih nilainya dari daftar "
            "pilihan di sel itu.",
            sheet=tpl.SHEET_INDIKATOR,
            cell=cell,
            found=show_value(text),
            expected=alike[0],
            kode_indikator=code,
        )
        return alike[0], NILAI
    out.issue(
        "nilai.tangga",
        ERROR,
        f"Nilai '{show_value(text)}' tidak ada pada daftar pilihan. Pilih salah satu: "
        f"{', '.join(ladder)}.",
        sheet=tpl.SHEET_INDIKATOR,
        cell=cell,
        found=show_value(text),
        expected=", ".join(ladder),
        kode_indikator=code,
    )
    return "", TIDAK_SAH


def _percent_cell(
    out: FileIssues,
    raw: dict[str, Any],
    key: str,
    value: float,
    spec_row: SpecRow,
    cell: str,
    code: str,
    sheet: str = tpl.SHEET_INDIKATOR,
) -> float | None:
    """A number in a percent-formatted cell is the fraction Excel stores: read it ×100 for an
    indicator measured in percent. For another unit the number meant cannot be told (Excel
    shows 100% for a typed 1, and 1% for a 1 typed into a cell formatted beforehand): None,
    with an ERROR, as for a Rupiah cell."""
    typed = raw.get(key)
    if isinstance(typed, str):  # text: the % sign, if any, was typed and read as such
        if parse_number(typed).persen and not is_persen(spec_row):
            _unit_warning(out, spec_row, str(typed), cell, code, sheet)
        return value
    if key not in raw.get("_persen", ()):
        return value
    shown = digits15(value * 100)  # 0.57 is 57 %, not 56.99999999999999
    if is_persen(spec_row):
        out.issue(
            "nilai.format_persen",
            INFO,
            f"Sel berformat persen: Excel menyimpan {fmt.angka_ringkas(shown)}% sebagai "
            f"{fmt.angka_ringkas(value, 6)}; dibaca sebagai {fmt.angka_ringkas(shown)} (persen, "
            f"sesuai satuan '{spec_row['satuan']}').",
            sheet=sheet,
            cell=cell,
            found=f"{fmt.angka_ringkas(shown)}%",
            expected=fmt.angka_ringkas(shown),
            kode_indikator=code,
        )
        return shown
    out.issue(
        "nilai.format_persen_satuan",
        ERROR,
        f"Sel berformat persen (tampil {fmt.angka_ringkas(shown)}%) padahal satuan indikator "
        f"'{spec_row['satuan']}': angka yang dimaksud tidak dapat dipastikan, nilai ini tidak "
        "dipakai. Ubah format sel menjadi Angka (bukan Persentase), lalu ketik ulang "
        f"realisasinya dalam satuan '{spec_row['satuan']}'.",
        sheet=sheet,
        cell=cell,
        found=f"{fmt.angka_ringkas(shown)}% (sel berformat persen)",
        expected=f"angka dalam satuan '{spec_row['satuan']}', sel berformat Angka",
        kode_indikator=code,
    )
    return None


def _unit_warning(
    out: FileIssues,
    spec_row: SpecRow,
    shown: str,
    cell: str,
    code: str,
    sheet: str = tpl.SHEET_INDIKATOR,
) -> None:
    out.issue(
        "nilai.satuan_berbeda",
        WARNING,
        f"Realisasi ditulis dalam persen ('{shown}') padahal satuan indikator "
        f"'{spec_row['satuan']}'. Periksa apakah angkanya sudah dalam satuan target "
        f"({spec_row['target_teks']} {spec_row['satuan']}); tulis tanpa tanda %.",
        sheet=sheet,
        cell=cell,
        found=shown,
        expected=f"angka dalam satuan '{spec_row['satuan']}'",
        kode_indikator=code,
    )


def _no_data_issue(out: FileIssues, rec: dict[str, Any], raw: dict[str, Any], code: str) -> None:
    """``n/a`` is an answer: recorded (with what was typed, and where), and a reason asked for
    where none is given."""
    reason = rec["faktor_penghambat"]
    typed, where = next(
        (
            (str(raw[k]).strip(), str(rec.get(f"sel_{k}") or ""))
            for k in ("realisasi_tahunan", *schema.TW_COLUMNS)
            if raw.get(k) is not None and parse_number(str(raw[k])).kind == "tidak_tersedia"
        ),
        ("n/a", str(rec.get("sel_realisasi_tahunan") or "")),
    )
    shown = f"'{typed}'" + (f" di {where}" if where else "")
    out.issue(
        "nilai.data_tidak_tersedia",
        INFO if reason else WARNING,
        f"Realisasi ditulis sebagai data tidak tersedia ({shown}); indikator ini dicatat 'data "
        "tidak tersedia' dan tidak ikut rata-rata. "
        + (
            "Alasannya ada di Faktor Penghambat."
            if reason
            else "Tuliskan alasannya di Faktor Penghambat (misalnya data BPS belum terbit)."
        ),
        sheet=tpl.SHEET_INDIKATOR,
        cell=rec["sel_faktor_penghambat"] if not reason else where or rec["sel_realisasi_tahunan"],
        found=typed,
        expected="alasan di Faktor Penghambat" if not reason else "",
        kode_indikator=code,
    )


def _unplaced_why(outdated: bool) -> str:
    """Why a row's locked cells differ, and what to do: a template made before the spec
    changed (its fingerprint says so) is no clerk's doing."""
    if outdated:
        return (
            "Templat ini dibuat sebelum data sekretariat diubah (target, uraian atau pagu kini "
            "berbeda): minta templat terbaru ke sekretariat dan salin realisasi Anda ke sana. "
            "Realisasi baris ini tidak dipakai sampai itu dilakukan."
        )
    return (
        "Baris diurutkan atau disalin tanpa kolom kode, atau sel terkunci diubah? Realisasi "
        "baris ini tidak dipakai sampai sel terkunci sama dengan templat."
    )


def _check_locked(
    out: FileIssues,
    spec_row: SpecRow,
    raw: dict[str, Any],
    letters: dict[str, str],
    code: str,
    outdated: bool = False,
) -> bool:
    """Compare a row's locked cells with the spec for its code; False when the row is not it.

    Uraian, satuan or target that differ mean the row's value may belong to another indicator
    (rows sorted without the code column): one ERROR at the row, its value not used. An edited
    Sasaran code or polarity changes nothing scored: a WARNING, the spec's value used.
    """
    r = raw["_row"]
    wrong: list[tuple[str, str, str]] = []  # (key, found, expected)
    for key, spec_key in _PLACING:
        if not _same_text(raw.get(key), spec_row[spec_key]):
            wrong.append((key, show_value(raw.get(key)), str(spec_row[spec_key])))
    if not targets_agree(raw.get("target"), spec_row):
        wrong.append(("target", show_value(raw.get("target")), str(spec_row["target_teks"])))
    if wrong:
        detail = "; ".join(
            f"{schema.label(k)} '{found}' (seharusnya '{exp}')" for k, found, exp in wrong
        )
        out.issue(
            "struktur.baris_tidak_cocok",
            ERROR,
            f"Baris {r} tidak cocok dengan data sekretariat untuk kode '{code}': {detail}. "
            + _unplaced_why(outdated),
            sheet=tpl.SHEET_INDIKATOR,
            cell=cell_at(letters, wrong[0][0], r),
            found=wrong[0][1],
            expected=wrong[0][2],
            kode_indikator=code,
        )
    for key, spec_key in _SOFT:
        if not _same_text(raw.get(key), spec_row[spec_key]):
            out.issue(
                "struktur.sel_terkunci_diubah",
                WARNING,
                (
                    f"'{schema.label(key)}' di templat ini '{show_value(raw.get(key))}', di data "
                    f"sekretariat kini '{spec_row[spec_key]}': templat ini dibuat sebelum data "
                    "sekretariat diubah. Nilai dari data sekretariat dipakai; tidak ada yang "
                    "perlu diperbaiki (templat terbaru dapat diminta ke sekretariat)."
                    if outdated
                    else f"Sel terkunci '{schema.label(key)}' diubah; nilai dari data sekretariat "
                    "dipakai."
                ),
                sheet=tpl.SHEET_INDIKATOR,
                cell=cell_at(letters, key, r),
                found=show_value(raw.get(key)),
                expected=str(spec_row[spec_key]),
                kode_indikator=code,
            )
    return not wrong


def _sheet_of(key: str) -> str:
    """The template sheet of a value key of the Indikator or Anggaran sheet."""
    return tpl.SHEET_INDIKATOR if key in (*REALISASI_KEYS, "capaian_opd") else tpl.SHEET_ANGGARAN


def _formula_reference(
    out: FileIssues, refers: str, key: str, cell: str, code: str, sheet: str = ""
) -> None:
    """A WARNING for a value whose formula refers beyond the file: the value read is the
    result the file last stored, which another workbook (not sent) or a random or clock
    function may no longer give."""
    if refers == BUKU_KERJA_LAIN:
        why = (
            "merujuk ke buku kerja lain yang tidak ikut dikirim; nilai yang terbaca adalah hasil "
            "terakhir yang tersimpan di berkas ini, yang bisa sudah berbeda dari buku kerja "
            "sumbernya"
        )
    else:
        why = (
            "memakai fungsi yang hasilnya berubah setiap kali dihitung (RAND, NOW, TODAY …); "
            "nilai yang terbaca adalah hasilnya saat berkas terakhir disimpan"
        )
    out.issue(
        "nilai.rumus_rujukan",
        WARNING,
        f"Sel berisi rumus yang {why}. Ketik nilainya langsung (salin, lalu Tempel Spesial › "
        "Nilai).",
        sheet=sheet or _sheet_of(key),
        cell=cell,
        found=f"rumus: {refers}",
        expected="nilai yang diketik",
        kode_indikator=code,
    )


def _only_compared(issue: Issue) -> Issue:
    """An ERROR about the OPD's own capaian (column 'Capaian menurut OPD') as a WARNING: the
    column is only compared with the capaian computed from the realisation, which is used
    whatever it holds; leaving a comparison out must not hold the report as a DRAFT."""
    if issue.severity != ERROR:
        return issue
    message = issue.message.replace("nilai ini tidak dipakai", "tidak dipakai sebagai pembanding")
    return replace(
        issue,
        severity=WARNING,
        message=f"{message} Capaian indikator ini tetap dihitung dari realisasinya.",
    )


def _number(
    out: FileIssues,
    raw: dict[str, Any],
    key: str,
    cell: str,
    code: str = "",
    target: float | None = None,
) -> tuple[float, str]:
    """One numeric cell: its value (NaN when none is usable) and its state. ``target``: the
    indicator's, for an annual realisation (an ambiguous text is judged against it)."""
    if raw.get("_rumus") and _formula_problem(out, raw, key, cell, code):
        return np.nan, TIDAK_SAH
    if raw.get("_rujukan") and key in raw["_rujukan"]:
        _formula_reference(out, raw["_rujukan"][key], key, cell, code)
    value = raw.get(key)
    if type(value) is float and -BATAS_WAJAR <= value <= BATAS_WAJAR:  # NaN and ∞ fail this
        return value + 0.0, NILAI  # what parse_number says of a plain number cell (-0 is 0)
    if value is None or value == "":
        return np.nan, KOSONG
    parsed = parse_number(value)
    if parsed.kind == "kosong":
        return np.nan, KOSONG
    if parsed.kind == "tidak_tersedia":
        return np.nan, TIDAK_TERSEDIA
    if parsed.kind == "angka":
        assert parsed.value is not None
        return parsed.value, NILAI
    sheet = tpl.SHEET_INDIKATOR if code else tpl.SHEET_ANGGARAN
    if parsed.kind == "tidak_wajar":
        shown = show_value(value)
        out.issue(
            "nilai.tidak_wajar",
            ERROR,
            f"'{shown}' bukan angka yang wajar (tak hingga atau lebih dari "
            f"{fmt.angka_ringkas(BATAS_WAJAR)}); nilai ini tidak dipakai. Periksa digit yang "
            "diketik.",
            sheet=sheet,
            cell=cell,
            found=shown,
            expected=f"angka antara -{fmt.angka_ringkas(BATAS_WAJAR)} dan "
            f"{fmt.angka_ringkas(BATAS_WAJAR)}",
            kode_indikator=code,
        )
        return np.nan, TIDAK_SAH
    if parsed.kind == "bukan_angka":
        out.issue(
            "nilai.bukan_angka",
            ERROR,
            (
                f"Sel berisi tanggal ({show_value(value)}), bukan angka: Excel mengubah angka "
                "yang diketik (mis. 6.5 atau 6/5) menjadi tanggal. Nilai ini tidak dipakai. "
                "Ubah format sel menjadi Angka, lalu ketik ulang angkanya (contoh: 6,5)."
                if isinstance(value, dt.date)
                else f"'{show_value(value)}' bukan angka{_why(parsed.catatan)}; nilai ini tidak "
                "dipakai. Tulis angka "
                + (
                    "saja, tanpa satuan atau keterangan (contoh: 10,39). Bila datanya belum "
                    "ada, tulis n/a dan jelaskan di Faktor Penghambat."
                    if code
                    else "Rupiah saja, tanpa huruf atau singkatan (contoh: 1.250.000, bukan "
                    "1,25 juta)."
                )
            ),
            sheet=sheet,
            cell=cell,
            found=show_value(value),
            expected="angka",
            kode_indikator=code,
        )
        return np.nan, TIDAK_SAH
    assert parsed.value is not None
    if parsed.kind == "ambigu":
        read, other = parsed.cara
        alt = parsed.lain
        assert alt is not None
        if _wrong_reading(parsed.value, alt, target):
            assert target is not None
            out.issue(
                "nilai.angka_ambigu",
                ERROR,
                f"'{show_value(value)}' dapat dibaca dua cara: {show_value(parsed.value)} "
                f"({read}) atau "
                f"{show_value(alt)} ({other}). Dibaca {show_value(parsed.value)}, realisasi "
                f"menjadi {fmt.persen(parsed.value / target * 100)} dari target "
                f"{show_value(target)}, jauh di luar kewajaran; dibaca {show_value(alt)}, "
                f"{fmt.persen(alt / target * 100)}. Nilai ini tidak dipakai. Ketik ulang "
                "sebagai angka (sel berformat Angka, koma sebagai desimal).",
                sheet=sheet,
                cell=cell,
                found=show_value(value),
                expected=f"angka yang tidak dapat dibaca dua cara (mis. {show_value(alt)})",
                kode_indikator=code,
            )
            return np.nan, TIDAK_SAH
        out.issue(
            "nilai.angka_ambigu",
            WARNING,
            f"'{show_value(value)}' dapat dibaca dua cara; dibaca sebagai "
            f"{show_value(parsed.value)} ({read}), bukan {show_value(alt)} ({other}). Ketik ulang "
            "sebagai angka bila salah.",
            sheet=sheet,
            cell=cell,
            found=f"'{show_value(value)}' (teks)",
            expected=f"angka: {show_value(parsed.value)} atau {show_value(alt)}?",
            kode_indikator=code,
        )
    else:
        out.issue(
            "nilai.teks_angka",
            WARNING,
            f"Angka diketik sebagai teks ('{show_value(value)}'); dibaca sebagai "
            f"{show_value(parsed.value)}. "
            "Sebaiknya ketik sebagai angka tanpa tanda % atau Rp.",
            sheet=sheet,
            cell=cell,
            found=f"'{show_value(value)}' (teks)",
            expected=f"angka {show_value(parsed.value)} (sel berformat Angka, bukan teks)",
            kode_indikator=code,
        )
    return parsed.value, NILAI


def _why(note: str) -> str:
    """A parser's reason beside "bukan angka", when it says more than that."""
    return f" ({note})" if note and note != UNREADABLE else ""


def _wrong_reading(value: float, other: float, target: float | None) -> bool:
    """Whether an ambiguous text's reading is implausible against the target and its other
    reading is not (``nilai.lonjakan``'s range, in percent of the target): which one the OPD
    meant cannot be told, and the reading taken would be scored far off."""
    if target is None or not math.isfinite(target) or target == 0:
        return False
    low, high = rule_range("realisasi_indikator", "nilai.lonjakan")

    def plausible(x: float) -> bool:
        return low <= x / target * 100 <= high

    return not plausible(value) and plausible(other)


def _rupiah_as_percent(
    out: FileIssues, raw: dict[str, Any], value: float, cell: str, code: str
) -> bool:
    """A budget realisation shown as a percent (a percent-formatted cell, whose 85% is stored
    as 0,85, or a typed ``85%``) is no Rupiah amount: an ERROR, and the value is not used (as
    it was, Rp 0,85 entered the serapan without a word)."""
    typed = raw.get("realisasi_anggaran")
    if isinstance(typed, str):
        if not parse_number(typed).persen:
            return False
        shown = typed.strip()
    elif "realisasi_anggaran" in raw.get("_persen", ()):
        shown = f"{fmt.angka_ringkas(digits15(value * 100))}%"
    else:
        return False
    out.issue(
        "anggaran.format_persen",
        ERROR,
        f"Realisasi anggaran program '{code}' tertulis sebagai persen ('{shown}'), bukan "
        "Rupiah; nilai ini tidak dipakai sampai diperbaiki. Ketik realisasi dalam Rupiah "
        "(format angka, bukan persen), misalnya 1.250.000.000.",
        sheet=tpl.SHEET_ANGGARAN,
        cell=cell,
        found=shown,
        expected="realisasi dalam Rupiah",
    )
    return True


def extract_anggaran(
    sub: Submission, spec: MasterSpec, kode_opd: str
) -> tuple[list[dict[str, Any]], list[Issue]]:
    """Parse one accepted file's budget rows against the programs of the OPD it is counted for.

    A row whose uraian or pagu differs from the spec, or whose code appears twice, is an ERROR
    and its realisation is not used; it is listed as excluded (``realisasi_anggaran_ditolak``).
    An empty budget cell is a WARNING: a program is never silently left out of serapan. In a
    run of TW I–III the yearly realisation is not due yet for a file with the Renja sheet (its
    quarterly Rp is the period's budget): the empty cells are said once, as INFO.
    """
    out = FileIssues(sub, kode_opd)
    expected = spec.program_rows(kode_opd)
    outdated = _outdated(sub, spec, kode_opd)
    sheet = tpl.SHEET_ANGGARAN
    letters = sub.anggaran_cols
    not_due = spec.triwulan < 4 and sub.has_renja
    empty: list[str] = []
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    every = spec.program_codes
    raws = _recognised(out, sub.anggaran, "kode_program", expected, every, sheet, letters)
    twice = _duplicates(out, raws, "kode_program", sheet, letters)
    for raw in raws:
        r = raw["_row"]
        code = raw["kode_program"]
        if not code or code not in expected:
            out.row_left_out(
                "struktur.program_asing",
                WARNING if not code else ERROR,
                (sheet, cell_at(letters, "kode_program", r), r),
                " tidak cocok dengan program OPD ini di data sekretariat (kode kosong atau asing)",
                found=code or "(kosong)",
                expected="kode program dari templat",
            )
            continue
        if code in seen:
            continue
        seen.add(code)
        cell = cell_at(letters, "realisasi_anggaran", r)
        rec = {
            "berkas": sub.name,
            "sheet": sheet,
            "baris": r,
            "kode_opd": kode_opd,
            "kode_program": code,
            "realisasi_anggaran": np.nan,
            "realisasi_anggaran_ditolak": True,
            "keterangan": str(raw.get("keterangan") or "").strip(),
            "sel_realisasi_anggaran": cell,
        }
        rows.append(rec)
        if code in twice or not _program_placed(out, expected[code], raw, letters, code, outdated):
            continue
        mark = len(out.items)
        value, state = _number(out, raw, "realisasi_anggaran", cell)
        if state == NILAI and _rupiah_as_percent(out, raw, value, cell, code):
            value, state = np.nan, TIDAK_SAH
            # the cell is refused: no "typed as text, read as 91,4" beside it
            out.items[mark:] = [
                i for i in out.items[mark:] if not (i.cell == cell and i.severity == WARNING)
            ]
        rec["realisasi_anggaran"] = value
        rec["realisasi_anggaran_ditolak"] = state == TIDAK_SAH
        if state in (KOSONG, TIDAK_TERSEDIA) and not_due:
            empty.append(cell)
        elif state in (KOSONG, TIDAK_TERSEDIA):
            out.issue(
                "anggaran.realisasi_kosong",
                WARNING,
                f"Realisasi anggaran program '{code}' (pagu "
                f"{fmt.rupiah(float(expected[code]['pagu']))}) belum diisi; program ini "
                "tidak ikut dihitung dalam serapan. Isi realisasinya dalam Rupiah (0 bila "
                "tidak ada belanja).",
                sheet=sheet,
                cell=cell,
                found=show_value(raw.get("realisasi_anggaran")) or "(kosong)",
                expected="realisasi dalam Rupiah",
            )
    if empty:
        out.issue(
            "anggaran.realisasi_tahunan_belum",
            INFO,
            f"Periode proses {periode_label(spec.triwulan)}: realisasi anggaran tahunan belum "
            f"wajib diisi. {len(empty)} program tanpa realisasi tahunan tidak ikut serapan "
            "tahunan; Tabel E.81 memakai realisasi Rp per triwulan di sheet "
            f"{tpl.SHEET_RENJA}.",
            sheet=sheet,
            cell=empty[0],
            found=f"{len(empty)} sel kosong",
            expected="realisasi tahunan (akhir tahun)",
        )
    gone = any(i.rule == "struktur.sheet_hilang" and i.sheet == sheet for i in sub.issues)
    for code in expected if not gone else ():  # a sheet deleted is said once, by its ERROR
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


def _program_placed(
    out: FileIssues,
    spec_row: SpecRow,
    raw: dict[str, Any],
    letters: dict[str, str],
    code: str,
    outdated: bool = False,
) -> bool:
    """A budget row whose uraian or pagu differs from the spec is not that program's row."""
    r = raw["_row"]
    wrong = []
    if not _same_text(raw.get("uraian_program"), spec_row["uraian"]):
        wrong.append(("uraian_program", show_value(raw.get("uraian_program")), spec_row["uraian"]))
    pagu = parse_number(raw.get("pagu")).value
    spec_pagu = float(spec_row["pagu"])
    if pagu is None or abs(pagu - spec_pagu) > 0.005:
        wrong.append(("pagu", show_value(raw.get("pagu")), show_value(spec_pagu)))
    if not wrong:
        return True
    detail = "; ".join(f"{schema.label(k)} '{f}' (seharusnya '{e}')" for k, f, e in wrong)
    out.issue(
        "struktur.baris_tidak_cocok",
        ERROR,
        f"Baris {r} sheet Anggaran tidak cocok dengan data sekretariat untuk program "
        f"'{code}': {detail}. " + _unplaced_why(outdated),
        sheet=tpl.SHEET_ANGGARAN,
        cell=cell_at(letters, wrong[0][0], r),
        found=wrong[0][1],
        expected=str(wrong[0][2]),
    )
    return False
