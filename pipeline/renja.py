"""Quarterly Renja evaluation (Permendagri 86/2017, Tabel E.81): the spec's program and kegiatan
indicators, the reporting period, and the E.81 figures per OPD.

The spec may hold, besides the IKU, a ``kegiatan`` sheet (kegiatan under a program, pagu per
year) and an ``indikator_renja`` sheet (outcome indicators of programs, output indicators of
kegiatan, with targets per year, the Renstra end target and the realisation up to last year).
Both are optional: without them the E.81 holds the programs and their budget and says that the
indicators are missing.

The reporting period (``periode`` of the spec's pemda sheet, or ``--periode``) says which
quarters are in: a ``TW2`` run evaluates TW I–II to date. Column numbers follow the form:

====  =============================================================  ===========================
col   what                                                           rule
====  =============================================================  ===========================
6     Target Renstra PD (akhir periode)                              spec
7     Realisasi Renstra s/d tahun lalu                               spec
8     Target Renja tahun berjalan                                    spec (K: target, Rp: pagu)
9–12  Realisasi TW I–IV                                              templat (only TWs in period)
13    Realisasi s/d triwulan ini                                     K: by agregasi_tw; Rp: Σ
14    Tingkat capaian Renja (%)                                      13 / 8 × 100
15    Realisasi Renstra s/d tahun ini                                7 + 13 (K not kumulatif: 13)
16    Tingkat capaian Renstra (%)                                    15 / 6 × 100
====  =============================================================  ===========================

Everything here is pure (frames in, frames out); writing is :mod:`pipeline.workbook.e81`.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline import schema
from pipeline.config import Scale, Settings, build_settings
from pipeline.frames import records
from pipeline.issues import WARNING
from pipeline.numbers import digits15
from pipeline.score import compute_capaian

# --- the reporting period ----------------------------------------------------------------------

TRIWULAN_ROMAWI = ("I", "II", "III", "IV")
_ROMAWI = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def triwulan_of(periode: object) -> int | None:
    """How many quarters a period covers: ``Tahunan`` → 4, ``TW2`` / ``TW II`` / ``Triwulan 2``
    → 2; None when the text is not a period."""
    text = re.sub(r"[^0-9a-z]+", " ", str(periode or "").lower()).strip()
    if text in ("tahunan", "tahun", "semester ii", "semester 2"):
        return 4
    if text in ("semester i", "semester 1"):
        return 2
    m = re.fullmatch(r"(?:tw|triwulan|trw)\s*([1-4]|iv|iii|ii|i)", text)
    if not m:
        return None
    part = m.group(1)
    return int(part) if part.isdigit() else _ROMAWI[part]


def periode_baku(periode: object) -> str:
    """A period in its one spelling: ``Tahunan`` for the year, ``TW1``…``TW3`` (``TW4`` is the
    year); a text that is no period is returned as it is (its check refuses it)."""
    triwulan = triwulan_of(periode)
    if triwulan is None:
        return str(periode)
    return "Tahunan" if triwulan == 4 else f"TW{triwulan}"


def periode_label(triwulan: int) -> str:
    """``Triwulan I s/d II`` (``Triwulan I`` for the first quarter)."""
    last = TRIWULAN_ROMAWI[triwulan - 1]
    return "Triwulan I" if triwulan == 1 else f"Triwulan I s/d {last}"


def e81_scale(settings: Settings) -> Scale:
    """The E.81 predikat scale: the spec's ``skala_predikat_e81`` setting (default
    Permendagri 86/2017)."""
    if settings.skala_e81 is not None:
        return settings.skala_e81
    return build_settings({"skala_predikat": settings.raw.get("skala_predikat_e81", "")})[0].skala


# --- the spec's optional sheets ---------------------------------------------------------------

KEGIATAN_COLUMNS = ("kode_kegiatan", "kode_program", "uraian")
INDIKATOR_RENJA_COLUMNS = (
    "kode_indikator",
    "kode_program",
    "kode_kegiatan",
    "uraian",
    "satuan",
)
# lower is better (``turun``) uses the spec's ``rumus_turun``, as the IKU do; an empty cell is naik
POLARITAS_RENJA = ("naik", "turun")
AddIssue = Callable[..., None]
Unique = Callable[[str, pd.DataFrame, str], None]
ValueOf = Callable[[object], tuple[float | None, str]]
TextOf = Callable[[object], str]


def _number_column(
    df: pd.DataFrame,
    sheet: str,
    column: str,
    add: AddIssue,
    value_of: ValueOf,
    text_of: TextOf,
    what: str,
    required: bool = False,
    zero_is_odd: bool = False,
) -> list[float]:
    """A column of amounts as floats (NaN when empty); a cell that is not a number ≥ 0 is an
    ERROR, an empty one an ERROR only when ``required``; 0 a WARNING when ``zero_is_odd`` (a
    year's pagu: every Rp reported would exceed it)."""
    out: list[float] = []
    cells = df[column].tolist() if column in df else [""] * len(df)
    for value, row in zip(cells, df["_row"], strict=True):
        number, problem = value_of(value)
        if number is None and not problem and not required:
            out.append(math.nan)
            continue
        if number is None or number < 0:
            add(
                sheet,
                row,
                column,
                text_of(value),
                problem or "angka ≥ 0",
                f"{what} tidak sah" if number is not None or problem else f"{what} kosong",
                "spec.renja",
            )
            out.append(math.nan)
            continue
        if number == 0 and zero_is_odd:
            add(
                sheet,
                row,
                column,
                text_of(value),
                "pagu > 0",
                f"{what} 0: realisasi Rp apa pun yang dilaporkan OPD akan melebihi pagu dan "
                "ditolak; isi pagu tahun ini, atau hapus barisnya bila tidak dianggarkan",
                "spec.pagu_nol",
                WARNING,
            )
        out.append(float(number))
    return out


def _renstra_money(
    df: pd.DataFrame, sheet: str, add: AddIssue, value_of: ValueOf, text_of: TextOf
) -> dict[str, list[float]]:
    """The Renstra budget columns of a program or kegiatan sheet: pagu over the Renstra period
    and the realisation up to last year."""
    return {
        "pagu_renstra": _number_column(
            df, sheet, "pagu_renstra", add, value_of, text_of, "Pagu Renstra"
        ),
        "realisasi_rp_lalu": _number_column(
            df,
            sheet,
            "realisasi_rp_lalu",
            add,
            value_of,
            text_of,
            "Realisasi anggaran Renstra s/d tahun lalu",
        ),
    }


def check_renja_sheets(
    frames: dict[str, pd.DataFrame],
    headers: dict[str, list[str]],
    program: pd.DataFrame,
    tahun: int,
    akhir: int,
    add: AddIssue,
    unique: Unique,
    value_of: ValueOf,
    text_of: TextOf,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The program sheet's Renja columns and the optional ``kegiatan`` and ``indikator_renja``
    sheets, read and checked.

    ``add(sheet, row, column, found, expected, message, rule, severity)`` records an issue (the
    master spec's checker), ``unique(sheet, frame, column)`` checks a code column (filled,
    unique). Returns ``(program, kegiatan, indikator_renja)``: the program frame
    with ``pagu_renstra``, ``realisasi_rp_lalu`` and ``urusan``; kegiatan with ``kode_opd``
    (its program's), ``pagu`` (this year), ``pagu_renstra`` and ``realisasi_rp_lalu``; the
    indicators with ``tingkat`` (program / kegiatan), ``kode_opd``, ``target``,
    ``target_renstra``, ``tahun_target_renstra`` and ``realisasi_lalu`` as numbers.
    """
    program = program.assign(
        **_renstra_money(program, "program", add, value_of, text_of),
        urusan=program["urusan"] if "urusan" in program else "",
    )
    if "kegiatan" not in frames and "indikator_renja" not in frames:  # most specs
        kegiatan, indikator = _without_renja_sheets()
        return program, kegiatan.copy(), indikator.copy()
    pagu_col = f"pagu_{tahun}"
    opd_of_program = dict(zip(program["kode_program"], program["kode_opd"], strict=True))

    kegiatan = frames.get("kegiatan", pd.DataFrame(columns=[*KEGIATAN_COLUMNS, "_row"]))
    if len(kegiatan) and pagu_col not in headers.get("kegiatan", []):
        add(
            "kegiatan",
            1,
            pagu_col,
            "",
            pagu_col,
            f"Kolom '{pagu_col}' (pagu kegiatan tahun laporan) tidak ada di sheet kegiatan",
            "spec.kolom_hilang",
        )
    unique("kegiatan", kegiatan, "kode_kegiatan")
    for code, parent, row in zip(
        kegiatan["kode_kegiatan"], kegiatan["kode_program"], kegiatan["_row"], strict=True
    ):
        if parent not in opd_of_program:
            add(
                "kegiatan",
                row,
                "kode_program",
                parent,
                "kode program yang ada di sheet program",
                f"Kegiatan '{code}' tanpa program: program '{parent}' tidak ada di sheet program",
                "spec.kegiatan_tanpa_program",
            )
    kegiatan = kegiatan.assign(
        kode_opd=[opd_of_program.get(p, "") for p in kegiatan["kode_program"]],
        pagu=_number_column(
            kegiatan,
            "kegiatan",
            pagu_col,
            add,
            value_of,
            text_of,
            "Pagu kegiatan",
            required=True,
            zero_is_odd=True,
        )
        if pagu_col in kegiatan
        else math.nan,
        **_renstra_money(kegiatan, "kegiatan", add, value_of, text_of),
    )
    program_of_kegiatan = dict(
        zip(kegiatan["kode_kegiatan"], kegiatan["kode_program"], strict=True)
    )

    ind = frames.get("indikator_renja", pd.DataFrame(columns=[*INDIKATOR_RENJA_COLUMNS, "_row"]))
    header = headers.get("indikator_renja", [])
    target_col = f"target_{tahun}"
    if len(ind) and target_col not in header:
        add(
            "indikator_renja",
            1,
            target_col,
            "",
            target_col,
            f"Kolom '{target_col}' (target tahun laporan) tidak ada di sheet indikator_renja",
            "spec.kolom_hilang",
        )
    years = sorted(int(h[-4:]) for h in header if re.fullmatch(r"target_\d{4}", h))
    unique("indikator_renja", ind, "kode_indikator")
    rows: list[dict[str, Any]] = []
    for rec in records(ind):
        row, code = rec["_row"], rec["kode_indikator"]
        prog, keg = rec["kode_program"], rec.get("kode_kegiatan", "")
        if keg and keg not in program_of_kegiatan:
            add(
                "indikator_renja",
                row,
                "kode_kegiatan",
                keg,
                "kode kegiatan yang ada di sheet kegiatan",
                f"Kegiatan '{keg}' indikator '{code}' tidak ada di sheet kegiatan",
                "spec.rujukan",
            )
        elif keg and program_of_kegiatan[keg] != prog:
            add(
                "indikator_renja",
                row,
                "kode_program",
                prog,
                program_of_kegiatan[keg],
                f"Indikator '{code}': kegiatan '{keg}' termasuk program "
                f"'{program_of_kegiatan[keg]}', bukan '{prog}'",
                "spec.rujukan",
            )
        if prog not in opd_of_program:
            add(
                "indikator_renja",
                row,
                "kode_program",
                prog,
                "kode program yang ada di sheet program",
                f"Program '{prog}' indikator '{code}' tidak ada di sheet program",
                "spec.rujukan",
            )
        agregasi = rec.get("agregasi_tw", "") or "nilai_akhir"
        if agregasi not in schema.AGREGASI_TW:
            add(
                "indikator_renja",
                row,
                "agregasi_tw",
                agregasi,
                " atau ".join(schema.AGREGASI_TW),
                f"Agregasi TW indikator '{code}' tidak dikenal",
                "spec.nilai",
            )
            agregasi = "nilai_akhir"
        polaritas = str(rec.get("polaritas", "") or "").strip().lower() or "naik"
        if polaritas not in POLARITAS_RENJA:
            add(
                "indikator_renja",
                row,
                "polaritas",
                text_of(rec.get("polaritas", "")),
                " atau ".join(POLARITAS_RENJA) + " (kosong = naik)",
                f"Polaritas indikator '{code}' tidak dikenal",
                "spec.nilai",
            )
            polaritas = "naik"
        targets: dict[int, float] = {}
        for year in years:
            col = f"target_{year}"
            number, problem = value_of(rec.get(col, ""))
            if number is None and not problem:
                if year == tahun:
                    add(
                        "indikator_renja",
                        row,
                        col,
                        "",
                        "target terisi",
                        f"Target {year} indikator '{code}' kosong: kolom 14 tidak dapat dihitung",
                        "spec.target",
                        WARNING,
                    )
                continue
            if number is None:
                add(
                    "indikator_renja",
                    row,
                    col,
                    text_of(rec.get(col, "")),
                    problem,
                    f"Target {year} indikator '{code}' tidak sah (indikator Renja memakai angka)",
                    "spec.target",
                )
                continue
            targets[year] = float(number)
        renstra, problem = value_of(rec.get("target_renstra", ""))
        renstra_year: int | None = None
        if problem:
            add(
                "indikator_renja",
                row,
                "target_renstra",
                text_of(rec.get("target_renstra", "")),
                problem,
                f"Target Renstra indikator '{code}' tidak sah",
                "spec.target",
            )
        if renstra is None:
            later = [y for y in targets if tahun <= y <= akhir]
            if later:
                renstra_year = max(later)
                renstra = targets[renstra_year]
        lalu, problem = value_of(rec.get("realisasi_lalu", ""))
        if problem:
            add(
                "indikator_renja",
                row,
                "realisasi_lalu",
                text_of(rec.get("realisasi_lalu", "")),
                problem,
                f"Realisasi s/d tahun lalu indikator '{code}' tidak sah",
                "spec.nilai",
            )
        target = targets.get(tahun)
        if target == 0:
            add(
                "indikator_renja",
                row,
                target_col,
                "0",
                "target lebih dari 0",
                f"Target {tahun} indikator '{code}' bernilai 0: capaian Renja (kolom 14) tidak "
                "dapat dihitung",
                "spec.target_nol",
                WARNING,
            )
        rows.append(
            {
                "kode_indikator": code,
                "tingkat": "kegiatan" if keg else "program",
                "kode_program": prog,
                "kode_kegiatan": keg,
                "kode_opd": opd_of_program.get(prog, ""),
                "uraian": rec["uraian"],
                "satuan": rec["satuan"],
                "agregasi_tw": agregasi,
                "polaritas": polaritas,
                "target": math.nan if target is None else target,
                "target_renstra": math.nan if renstra is None else float(renstra),
                "tahun_target_renstra": renstra_year,
                "realisasi_lalu": math.nan if lalu is None else float(lalu),
                "catatan": rec.get("catatan", ""),
            }
        )
    indikator = pd.DataFrame(
        rows,
        columns=[
            "kode_indikator",
            "tingkat",
            "kode_program",
            "kode_kegiatan",
            "kode_opd",
            "uraian",
            "satuan",
            "agregasi_tw",
            "polaritas",
            "target",
            "target_renstra",
            "tahun_target_renstra",
            "realisasi_lalu",
            "catatan",
        ],
    )
    keep = [c for c in kegiatan.columns if c != "_row"]
    return program, kegiatan[keep].reset_index(drop=True), indikator


@functools.cache
def _without_renja_sheets() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The kegiatan and indicator frames :func:`check_renja_sheets` makes for a spec with
    neither sheet: always the same two empty frames (made once; each spec gets copies). An
    empty sheet has no cell to tell about: nothing is added, no code is checked."""

    def told(*args: object) -> Any:
        raise AssertionError(f"lembar kosong tidak dapat bermasalah: {args}")

    program = pd.DataFrame(columns=["kode_program", "kode_opd", "_row"])
    # the kegiatan sheet given as empty, so that the sheets are read, not taken from here
    empty = {"kegiatan": pd.DataFrame(columns=[*KEGIATAN_COLUMNS, "_row"])}
    _, kegiatan, indikator = check_renja_sheets(
        empty, {}, program, 2000, 2000, told, lambda *_: None, told, told
    )
    return kegiatan, indikator


# --- the E.81 figures --------------------------------------------------------------------------

TW = (1, 2, 3, 4)
K_TW = [f"k_tw{q}" for q in TW]
RP_TW = [f"rp_tw{q}" for q in TW]

# Column keys of an E.81 row, by form column number (K and Rp).
KOLOM = {
    6: ("k6", "rp6"),
    7: ("k7", "rp7"),
    8: ("k8", "rp8"),
    9: ("k_tw1", "rp_tw1"),
    10: ("k_tw2", "rp_tw2"),
    11: ("k_tw3", "rp_tw3"),
    12: ("k_tw4", "rp_tw4"),
    13: ("k13", "rp13"),
    14: ("k14", "rp14"),
    15: ("k15", "rp15"),
    16: ("k16", "rp16"),
}
ROW_COLUMNS = [
    "kode_opd",
    "jenis",  # urusan | program | kegiatan
    "no",
    "kode_sasaran",
    "kode",
    "uraian",
    "kode_indikator",
    "indikator",
    "satuan",
    "agregasi_tw",
    *[key for pair in KOLOM.values() for key in pair],
    "k14_rata",  # column 14 (K) as the OPD's average takes it: capped at batas_capaian, ≥ 0
    "unit",
    "keterangan",
]

# How column 13 (K) is made, by agregasi_tw (the same rule as the IKU roll-up).
ATURAN_K13 = {
    "kumulatif": "13 = jumlah TW",
    "nilai_akhir": "13 = TW terakhir yang diisi",
    "rata_rata": "13 = rata-rata TW yang diisi",
}


@dataclass(frozen=True)
class E81:
    """The E.81 of every OPD with programs: rows in form order and one footer per OPD."""

    triwulan: int
    rows: pd.DataFrame
    footer: pd.DataFrame
    scale: Scale

    @property
    def periode(self) -> str:
        return periode_label(self.triwulan)

    def blocks(self) -> list[str]:
        """The OPD codes with a block, in order."""
        return list(self.footer["kode_opd"])


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in rec.items()} for rec in records(frame)]


def _ratio(part: float, whole: float) -> float:
    """part / whole × 100, NaN when either is missing or the whole is not positive."""
    if math.isnan(part) or math.isnan(whole) or whole <= 0:
        return math.nan
    return digits15(part / whole * 100)


def _quarters(frame: pd.DataFrame, key: str, code: str, columns: list[str]) -> list[float]:
    if frame.empty or code not in frame.index:
        return [math.nan] * 4
    values: list[Any] = [frame.at[code, c] for c in columns]
    return [math.nan if v is None or pd.isna(v) else float(v) for v in values]


def k_to_date(values: list[float], agregasi: str) -> float:
    """Column 13 (K): the quarters typed, summed, averaged or the last, by ``agregasi_tw``."""
    reported = [v for v in values if not math.isnan(v)]
    if not reported:
        return math.nan
    if agregasi == "kumulatif":
        return float(sum(reported))
    if agregasi == "rata_rata":
        return float(np.mean(reported))
    return reported[-1]


def _joined(values: list[object]) -> str:
    """The distinct texts of an OPD's rows as one paragraph: a sentence follows a sentence, other
    texts are parted by a semicolon (the footer row of the form is one wide cell); a text
    written as lines or a list (``- Koordinasi …``) keeps its lines, and the texts beside it
    start on lines of their own (not ``… kepentingan. - Koordinasi``)."""
    seen: list[str] = []
    for v in values:
        text = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
        if text and text not in seen:
            seen.append(text)
    out = seen[:1]
    for before, text in itertools.pairwise(seen):
        if "\n" in before or "\n" in text or text.startswith(_BULLETS):
            out.append("\n" + text)
        else:
            out.append((" " if before.endswith((".", "!", "?")) else "; ") + text)
    return "".join(out)


_BULLETS = ("-", "•", "*", "–")


def _refused(rows: pd.DataFrame, key: str) -> dict[str, str]:
    """The codes (``key``) of the Renja rows with a value typed but refused by an ERROR, with
    the quarters refused (``II``, ``I, III``; empty when not known)."""
    if rows.empty or "ditolak" not in rows:
        return {}
    hit = rows["ditolak"].fillna(False).astype(bool)
    quarters = rows["ditolak_tw"] if "ditolak_tw" in rows else pd.Series("", index=rows.index)
    return {
        str(c): "" if pd.isna(q) else str(q)
        for c, q in zip(rows.loc[hit, key], quarters[hit], strict=True)
    }


def _refused_note(what: str, quarters: str) -> str:
    """``Rp TW II yang diisi ditolak …`` for the Keterangan column."""
    where = f" TW {quarters}" if quarters else ""
    return f"{what}{where} yang diisi ditolak (ERROR, lihat sheet Validasi)"


@dataclass
class _Lookup:
    """What every row of the E.81 is looked up in."""

    in_period: list[bool]
    k_by: pd.DataFrame
    rp_by: pd.DataFrame
    annual: dict[str, float]
    ind_by_parent: dict[tuple[str, str], list[dict[str, Any]]]
    no_indicators: bool
    # codes whose K (indicators) or Rp (programs, kegiatan) was refused, with the quarters
    k_refused: dict[str, str] = field(default_factory=dict)
    rp_refused: dict[str, str] = field(default_factory=dict)
    k_figures: dict[str, dict[str, Any]] = field(default_factory=dict)  # by indicator code
    # programs whose yearly realisation on the Anggaran sheet was refused by an ERROR
    annual_refused: set[str] = field(default_factory=set)

    def masked(self, values: list[float]) -> list[float]:
        """Quarters after the period left out."""
        inside = self.in_period
        return [v if q else math.nan for v, q in zip(values, inside, strict=True)]


def _k_figures(
    indikator_renja: pd.DataFrame, look: _Lookup, settings: Settings
) -> dict[str, dict[str, Any]]:
    """Columns 9–16 (K) of every Renja indicator, by code. Columns 14 and 16 follow the IKU's
    rules (:func:`pipeline.score.compute_capaian`): R/T for naik, the spec's ``rumus_turun``
    for turun, *tidak dapat dihitung* for a target of 0; ``k14_rata`` is column 14 capped at
    ``batas_capaian`` and at least 0, the value the OPD's average takes."""
    if indikator_renja.empty:
        return {}
    codes = indikator_renja["kode_indikator"].astype(str).tolist()
    quarters = [look.masked(_quarters(look.k_by, "kode_indikator", c, K_TW)) for c in codes]
    agregasi = indikator_renja["agregasi_tw"].astype(str).tolist()
    # a quarter typed but refused by an ERROR: what is left is no realisation to date (the
    # Indikator sheet scores no indicator with a refused cell either)
    k13 = [
        math.nan if c in look.k_refused else k_to_date(q, a)
        for c, q, a in zip(codes, quarters, agregasi, strict=True)
    ]
    k7 = indikator_renja["realisasi_lalu"].astype(float).tolist()
    k15 = [
        (lalu + now if not (math.isnan(lalu) or math.isnan(now)) else math.nan)
        if a == "kumulatif"
        else now
        for lalu, now, a in zip(k7, k13, agregasi, strict=True)
    ]
    polaritas = (
        indikator_renja["polaritas"]
        if "polaritas" in indikator_renja
        else pd.Series("naik", index=indikator_renja.index)
    )

    def capaian(realisasi: list[float], target: pd.Series) -> pd.DataFrame:
        return compute_capaian(
            pd.DataFrame(
                {
                    "polaritas": polaritas.to_numpy(dtype=object),
                    "target_nilai": target.astype(float).to_numpy(),
                    "target_bawah": math.nan,
                    "target_atas": math.nan,
                    "target_teks": "",
                    "tangga": "",
                    "realisasi": realisasi,
                    "realisasi_teks": "",
                }
            ),
            settings,
            {},
        )

    renja = capaian(k13, indikator_renja["target"])
    renstra = capaian(k15, indikator_renja["target_renstra"])
    raw = renja["capaian_mentah"].to_numpy(dtype=float)
    used = renja["capaian"].to_numpy(dtype=float)
    rumus = renja["rumus"].astype(str).tolist()
    unusable = (renja["status"] == schema.STATUS_TIDAK_DAPAT).tolist()
    why = renja["keterangan"].astype(str).tolist()
    to_end = renstra["capaian_mentah"].to_numpy(dtype=float)
    out: dict[str, dict[str, Any]] = {}
    for i, code in enumerate(codes):
        out[code] = {
            **dict(zip(K_TW, quarters[i], strict=True)),
            "k13": k13[i],
            "k14": float(raw[i]),
            "k14_rata": float(used[i]),
            "k15": k15[i],
            "k16": float(to_end[i]),
            "rumus": rumus[i],
            # why column 14 is empty although K was reported (a target of 0 …)
            "catatan": f"kolom 14: {why[i]}" if unusable[i] else "",
        }
    return out


def _item_rows(
    look: _Lookup,
    opd: tuple[str, str],
    jenis: str,
    no: object,
    code: str,
    uraian: str,
    sasaran: str,
    rec: dict[str, Any],
) -> list[dict[str, Any]]:
    """The rows of one program or kegiatan: one per indicator (Rp on the first only)."""
    kode_opd, state = opd
    opd_rows: list[dict[str, Any]] = []
    notes: list[str] = []
    last = TRIWULAN_ROMAWI[max(sum(look.in_period), 1) - 1]
    period = "I" if last == "I" else f"I–{last}"
    # the OPD's Renja sheet was read, but holds no row of this code: its code was changed or
    # its row deleted (the Validasi sheet says where), which is not 'nothing typed'
    absent = state == "renja" and not look.rp_by.empty and code not in look.rp_by.index
    gone = (
        f"baris {jenis} ini tidak ada di sheet Renja (kodenya diubah atau barisnya dihapus; "
        "lihat sheet Validasi)"
    )
    rp_q = look.masked(_quarters(look.rp_by, "kode", code, RP_TW))
    rp13 = (
        float(sum(v for v in rp_q if not math.isnan(v)))
        if any(not math.isnan(v) for v in rp_q) and code not in look.rp_refused
        else math.nan
    )
    # the yearly cell of the Anggaran sheet is the year's realisation: it stands in for the
    # quarters only in a run of the whole year (or for an old template, which has no quarters)
    whole_year = all(look.in_period) or state == "lama"
    if jenis == "program" and math.isnan(rp13) and state and code in look.annual and whole_year:
        # no quarter of Rp: the yearly realisation of the Anggaran sheet (for an old template
        # the block's note says so once)
        rp13 = look.annual[code]
        if state != "lama":
            why = (
                "Rp per triwulan ditolak"
                if code in look.rp_refused
                else "baris program ini tidak ada di sheet Renja; lihat sheet Validasi"
                if absent
                else "Rp per triwulan kosong"
            )
            notes.append(f"13 Rp = realisasi tahunan sheet Anggaran ({why})")
    elif (
        jenis == "program"
        and math.isnan(rp13)
        and state in ("renja", "lama")  # a sheet refused or deleted: said once, per OPD
        and not whole_year
        and code not in look.rp_refused  # its refused quarters are said below
    ):
        notes.append(
            f"{gone if absent else f'Rp TW {period} belum diisi'}; tidak ikut rata-rata Rp"
        )
    elif (
        jenis == "program"
        and math.isnan(rp13)
        and state
        and code in look.annual_refused
        and code not in look.rp_refused  # its refused quarters are said below
    ):
        notes.append(
            "13 Rp: realisasi tahunan sheet Anggaran ditolak (ERROR, lihat sheet Validasi); "
            "tidak ikut rata-rata Rp"
        )
    elif jenis != "program" and absent:
        notes.append(gone)
    if code in look.rp_refused:  # the form would show an empty Rp as if none was spent
        notes.append(
            _refused_note("Rp", look.rp_refused[code])
            # only programs enter the Rp average; a kegiatan's row is never in it
            + ("; tidak ikut rata-rata Rp" if math.isnan(rp13) and jenis == "program" else "")
        )
    rp6, rp7, rp8 = (
        float(rec.get("pagu_renstra", math.nan)),
        float(rec.get("realisasi_rp_lalu", math.nan)),
        float(rec.get("pagu", math.nan)),
    )
    rp15 = rp7 + rp13 if not (math.isnan(rp7) or math.isnan(rp13)) else math.nan
    money = {
        "rp6": rp6,
        "rp7": rp7,
        "rp8": rp8,
        **dict(zip(RP_TW, rp_q, strict=True)),
        "rp13": rp13,
        "rp14": _ratio(rp13, rp8),
        "rp15": rp15,
        "rp16": _ratio(rp15, rp6),
    }
    indicators = look.ind_by_parent.get((jenis, code), [])
    if not indicators:
        if not look.no_indicators:  # none at all: said once in the block's note
            notes.append(f"indikator {jenis} belum ada di master spec")
        indicators = [{}]
    for i, ind in enumerate(indicators):
        row: dict[str, Any] = {
            "kode_opd": kode_opd,
            "jenis": jenis,
            "no": no if i == 0 else None,
            "kode_sasaran": sasaran if i == 0 else "",
            "kode": code if i == 0 else "",
            "uraian": uraian if i == 0 else "",
            "unit": kode_opd if i == 0 else "",
        }
        row.update(money if i == 0 else dict.fromkeys(money, math.nan))
        row_notes = list(notes) if i == 0 else []
        if ind:
            code_k = ind["kode_indikator"]
            fig = look.k_figures[code_k]
            if code_k in look.k_refused:
                row_notes.append(
                    _refused_note("K", look.k_refused[code_k]) + "; tidak ikut rata-rata K"
                )
            elif state == "renja" and math.isnan(float(fig["k13"])):
                row_notes.append(
                    (
                        "baris indikator ini tidak ada di sheet Renja (kodenya diubah atau "
                        "barisnya dihapus; lihat sheet Validasi)"
                        if not look.k_by.empty and code_k not in look.k_by.index
                        else f"K TW {period} belum diisi"
                    )
                    + "; tidak ikut rata-rata K"
                )
            agregasi = str(ind["agregasi_tw"])
            if agregasi != "kumulatif":
                row_notes.append(f"K {schema.AGREGASI_TEKS.get(agregasi, agregasi)}")
            if ind.get("polaritas") == "turun":
                row_notes.append(f"K turun (makin kecil makin baik): {fig['rumus']}")
            if fig["catatan"]:
                row_notes.append(fig["catatan"])
            year = ind.get("tahun_target_renstra")
            if year is not None and not pd.isna(year):
                row_notes.append(f"target Renstra: target {int(year)}")
            row.update(
                {
                    "kode_indikator": ind["kode_indikator"],
                    "indikator": ind["uraian"],
                    "satuan": ind["satuan"],
                    "agregasi_tw": agregasi,
                    "k6": float(ind["target_renstra"]),
                    "k7": float(ind["realisasi_lalu"]),
                    "k8": float(ind["target"]),
                    **{k: fig[k] for k in (*K_TW, "k13", "k14", "k15", "k16", "k14_rata")},
                }
            )
        else:
            row.update(
                {
                    "kode_indikator": "",
                    "indikator": "",
                    "satuan": "",
                    "agregasi_tw": "",
                    **{k: math.nan for k, _ in KOLOM.values()},
                }
            )
        row["keterangan"] = "; ".join(row_notes)
        opd_rows.append(row)
    return opd_rows


def build_e81(
    spec_opd: pd.DataFrame,
    spec_sasaran: pd.DataFrame,
    spec_indikator: pd.DataFrame,
    program: pd.DataFrame,
    kegiatan: pd.DataFrame,
    indikator_renja: pd.DataFrame,
    triwulan: int,
    renja_k: pd.DataFrame,
    renja_rp: pd.DataFrame,
    anggaran: pd.DataFrame,
    narasi: pd.DataFrame,
    submitted: dict[str, str],
    scale: Scale,
    settings: Settings | None = None,
    ditolak: frozenset[str] = frozenset(),
) -> E81:
    """The E.81 figures of every OPD with at least one program.

    ``renja_k`` holds ``kode_indikator``, ``k_tw1``…``k_tw4`` (quarterly K of program and
    kegiatan indicators); ``renja_rp`` holds ``kode`` (program or kegiatan), ``rp_tw1``…
    ``rp_tw4``; ``anggaran`` the yearly ``realisasi_anggaran`` per ``kode_program`` of the
    templates without quarterly Rp; ``narasi`` per ``kode_opd`` the texts ``faktor_pendorong``,
    ``faktor_penghambat``, ``tindak_lanjut`` (next quarter) and ``tindak_lanjut_renja`` (next
    RKPD/Renja). ``submitted`` maps each OPD with an accepted file to what its file holds:
    ``renja`` (quarterly K and Rp) or ``lama`` (a template without them); ``ditolak`` holds
    the OPDs whose every file was refused (their form says so, not 'not yet received').
    Quarters after ``triwulan`` are left out of every sum.
    """
    in_period = [q <= triwulan for q in TW]
    k_by = renja_k.set_index("kode_indikator") if not renja_k.empty else pd.DataFrame()
    rp_by = renja_rp.set_index("kode") if not renja_rp.empty else pd.DataFrame()
    refused = (
        anggaran["realisasi_anggaran_ditolak"].fillna(False).astype(bool)
        if "realisasi_anggaran_ditolak" in anggaran
        else pd.Series(False, index=anggaran.index)
    )
    annual = (
        anggaran[~refused]
        .groupby("kode_program", sort=False)["realisasi_anggaran"]
        .sum(min_count=1)
        if not anggaran.empty
        else pd.Series(dtype=float)
    )
    names = dict(zip(spec_opd["kode_opd"], spec_opd["nama_opd"], strict=True))
    sasaran_names = dict(zip(spec_sasaran["kode_sasaran"], spec_sasaran["uraian"], strict=True))
    rows: list[dict[str, Any]] = []
    footers: list[dict[str, Any]] = []
    ind_by_parent: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rec in _rows(indikator_renja):
        parent = (
            ("kegiatan", rec["kode_kegiatan"])
            if rec["tingkat"] == "kegiatan"
            else (
                "program",
                rec["kode_program"],
            )
        )
        ind_by_parent.setdefault(parent, []).append(rec)
    keg_by_program: dict[str, list[dict[str, Any]]] = {}
    for rec in _rows(kegiatan):
        keg_by_program.setdefault(rec["kode_program"], []).append(rec)

    look = _Lookup(
        in_period,
        k_by,
        rp_by,
        {str(k): float(v) for k, v in annual.items() if not pd.isna(v)},
        ind_by_parent,
        indikator_renja.empty,
        _refused(renja_k, "kode_indikator"),
        _refused(renja_rp, "kode"),
        annual_refused=set(anggaran.loc[refused, "kode_program"].astype(str))
        if refused.any()
        else set(),
    )
    settings = settings or build_settings({})[0]
    look.k_figures = _k_figures(indikator_renja, look, settings)
    for kode_opd in spec_opd["kode_opd"]:
        progs = program[program["kode_opd"] == kode_opd]
        if progs.empty:
            continue
        state = submitted.get(kode_opd, "")
        unit = names.get(kode_opd, kode_opd)
        opd_rows: list[dict[str, Any]] = []

        urusan_seen: set[str] = set()
        for n, rec in enumerate(_rows(progs), start=1):
            urusan = str(rec.get("urusan") or "").strip()
            if urusan and urusan not in urusan_seen:
                urusan_seen.add(urusan)
                opd_rows.append(
                    {
                        **dict.fromkeys(ROW_COLUMNS, ""),
                        **{k: math.nan for pair in KOLOM.values() for k in pair},
                        "k14_rata": math.nan,
                        "kode_opd": kode_opd,
                        "jenis": "urusan",
                        "no": None,
                        "uraian": urusan,
                    }
                )
            opd_rows += _item_rows(
                look,
                (kode_opd, state),
                "program",
                n,
                rec["kode_program"],
                rec["uraian"],
                rec["kode_sasaran"],
                rec,
            )
            for keg in keg_by_program.get(rec["kode_program"], []):
                opd_rows += _item_rows(
                    look,
                    (kode_opd, state),
                    "kegiatan",
                    None,
                    keg["kode_kegiatan"],
                    keg["uraian"],
                    "",
                    keg,
                )
        rows.extend(opd_rows)

        block = pd.DataFrame(opd_rows, columns=ROW_COLUMNS)
        k14 = block["k14_rata"].astype(float)  # column 14 capped at batas_capaian
        capped = int((block["k14"].astype(float) > k14).sum())
        k14 = k14[k14.notna()]
        prog_rows = block[(block["jenis"] == "program") & block["rp13"].astype(float).notna()]
        rp_real = float(prog_rows["rp13"].astype(float).sum())
        rp_pagu = float(prog_rows["rp8"].astype(float).sum())
        rata_k = float(k14.mean()) if len(k14) else math.nan
        rata_rp = _ratio(rp_real, rp_pagu) if len(prog_rows) else math.nan
        texts = narasi[narasi["kode_opd"] == kode_opd] if not narasi.empty else narasi
        sasaran_codes = list(
            dict.fromkeys(
                [str(s) for s in progs["kode_sasaran"] if s]
                + [
                    str(s)
                    for s, opds in zip(
                        spec_indikator["kode_sasaran"],
                        spec_indikator["kode_opd_list"],
                        strict=True,
                    )
                    if kode_opd in opds
                ]
            )
        )
        catatan = []
        if not state and kode_opd in ditolak:
            catatan.append(
                "Berkas OPD ditolak (ERROR, lihat sheet Validasi dan umpan balik OPD): kolom "
                "9–16 kosong."
            )
        elif not state:
            catatan.append("Berkas OPD belum diterima: kolom 9–16 kosong.")
        elif state == "renja_ditolak":
            catatan.append(
                "Sheet Renja berkas OPD ditolak karena susunannya diubah (ERROR, lihat sheet "
                "Validasi): tidak satu pun K dan Rp per triwulannya dibaca, kolom 9–16 dari "
                "sheet itu kosong."
            )
        elif state == "renja_hilang":
            catatan.append(
                "Berkas OPD tidak memuat sheet Renja templatnya (dihapus atau diganti nama): K "
                "dan Rp per triwulan kosong."
            )
        elif state == "lama":
            catatan.append(
                "Berkas OPD memakai templat lama tanpa baris program per triwulan: K per "
                "triwulan kosong; kolom 13 (Rp) = realisasi anggaran yang dilaporkan."
            )
        if any(r["agregasi_tw"] not in ("", "kumulatif") for r in opd_rows):
            catatan.append(
                "K nilai akhir: 13 = TW terakhir yang diisi; K rata-rata: 13 = rata-rata TW "
                "yang diisi; untuk keduanya 15 = 13 (bukan 7 + 13)."
            )
        if look.no_indicators:
            catatan.append(
                "Master spec belum memuat indikator program/kegiatan (sheet indikator_renja): "
                "kolom 5 dan K kosong."
            )
        footers.append(
            {
                "kode_opd": kode_opd,
                "catatan": " ".join(catatan),
                "nama_opd": unit,
                "status": state,
                "sasaran": "; ".join(
                    f"{s} {sasaran_names.get(s, '')}".strip() for s in sorted(sasaran_codes)
                ),
                "rata_k": rata_k,
                "jumlah_k": len(k14),
                "dibatasi_k": capped,
                "batas_capaian": settings.batas_capaian,
                "rata_rp": rata_rp,
                "jumlah_rp": len(prog_rows),
                "realisasi_rp": rp_real if len(prog_rows) else math.nan,
                "pagu_rp": rp_pagu if len(prog_rows) else math.nan,
                "predikat_k": scale.classify(None if math.isnan(rata_k) else rata_k),
                "predikat_rp": scale.classify(None if math.isnan(rata_rp) else rata_rp),
                "faktor_pendorong": _joined(list(texts.get("faktor_pendorong", []))),
                "faktor_penghambat": _joined(list(texts.get("faktor_penghambat", []))),
                "tindak_lanjut": _joined(list(texts.get("tindak_lanjut", []))),
                "tindak_lanjut_renja": _joined(list(texts.get("tindak_lanjut_renja", []))),
            }
        )
    return E81(
        triwulan,
        pd.DataFrame(rows, columns=ROW_COLUMNS),
        pd.DataFrame(
            footers,
            columns=[
                "kode_opd",
                "catatan",
                "nama_opd",
                "status",
                "sasaran",
                "rata_k",
                "jumlah_k",
                "dibatasi_k",
                "batas_capaian",
                "rata_rp",
                "jumlah_rp",
                "realisasi_rp",
                "pagu_rp",
                "predikat_k",
                "predikat_rp",
                "faktor_pendorong",
                "faktor_penghambat",
                "tindak_lanjut",
                "tindak_lanjut_renja",
            ],
        ),
        scale,
    )


__all__ = ["E81", "build_e81", "check_renja_sheets", "e81_scale", "triwulan_of"]
