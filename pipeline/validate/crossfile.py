"""Cross-file checks: indicators left empty, one indicator reported differently by several
OPDs, OPDs that sent nothing, files saved after the deadline."""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd
from pandas.core.dtypes.cast import maybe_box_native  # type: ignore[attr-defined]

from pipeline import fmt, schema
from pipeline.completeness import is_late, local_time
from pipeline.frames import looked_up
from pipeline.ingest import Submission
from pipeline.issues import INFO, WARNING, Issue
from pipeline.master import MasterSpec
from pipeline.numbers import digits15
from pipeline.renja import periode_label, triwulan_of
from pipeline.score import effective_values
from pipeline.validate.common import show_value
from pipeline.validate.rows import REALISASI_KEYS, TW_TEXT_KEYS


def _used(realisasi: pd.DataFrame, spec: MasterSpec | None) -> pd.Series:
    """The realisation each row will be scored with (annual, else the TW roll-up), as a
    number, or its ladder value for a kualitatif indicator."""
    if spec is None or realisasi.empty:
        return realisasi["realisasi_tahunan"].astype(float).astype(object)
    columns = ["polaritas", "tangga", "agregasi_tw"]
    frame = realisasi.assign(
        **looked_up(spec.indikator, "kode_indikator", realisasi["kode_indikator"], columns)
    )
    value, teks, _ = effective_values(frame, spec.tangga)
    return used_values(value, teks, frame["polaritas"])


def used_values(value: pd.Series, teks: pd.Series, polaritas: pd.Series) -> pd.Series:
    """What :func:`_used` gives from the rows' :func:`~pipeline.score.effective_values`
    (``value`` and ``teks``) and their indicators' ``polaritas``."""
    number = value.astype(float).round(9).astype(object)
    return number.where(polaritas != "kualitatif", teks)


_EMPTY_FIELDS = ("berkas", "sheet", "sel_realisasi_tahunan", "kode_opd", "kode_indikator")


def _missing(value: Any) -> bool:
    """What pandas counts as missing in a group key or a counted value."""
    return type(value) is not str and not isinstance(value, str) and bool(pd.isna(value))


_ROMAN = ("I", "II", "III", "IV")


def _quarters_missing(realisasi: pd.DataFrame, spec: MasterSpec | None) -> list[Issue]:
    """An indicator scored from its TW cells (no annual value) with a quarter of the period
    left empty or ``n/a`` while others are filled. ``kumulatif``: its sum leaves that quarter
    out, so the realisation used may be too low. ``nilai_akhir``: the period's last quarters
    empty, an earlier quarter's value stands for the period's (a TW II position reported as
    the year's). A WARNING at the first such cell."""
    if spec is None or realisasi.empty:
        return []
    quarters = triwulan_of(spec.pemda.get("periode")) or 4
    keys = list(schema.TW_COLUMNS[:quarters])
    values = np.column_stack([realisasi[k].to_numpy(dtype=float) for k in keys])
    # a quarter's text (a ladder value) is typed when not empty (cells are stripped when read)
    # column by column: selecting the text columns first copies them into a new frame
    texts = [~_blank(realisasi[f"{k}_teks"]) for k in keys]
    filled = ~np.isnan(values) | np.column_stack(texts)
    later = _typed_after_period(realisasi, spec, quarters)
    if later:  # those rows are said there: the realisation used counts the later quarter
        told = realisasi.index.isin([at for at, _ in later])
        filled = filled[~told]
        values = values[~told]
        realisasi = realisasi[~told]
    issues = [issue for _, issue in later]
    partial = filled.any(axis=1) & ~filled.all(axis=1)
    if not partial.any():  # the usual case: every row has all its quarters or none
        return issues
    # the few columns read, of those rows only (most rows with a quarter empty say nothing:
    # taking every column of them cost more than the rest)
    rows = np.flatnonzero(partial)
    filled, values = filled[partial], values[partial]
    codes = realisasi["kode_indikator"].iloc[rows]
    how = looked_up(spec.indikator, "kode_indikator", codes, ["agregasi_tw"])["agregasi_tw"]
    # the other columns as arrays of those rows (a Series per column cost more than the test)
    annual = ~np.isnan(realisasi["realisasi_tahunan"].to_numpy(dtype=float)[rows])
    teks = realisasi["realisasi_teks"].fillna("").astype(str).to_numpy(dtype=object)[rows]
    annual |= np.array([t.strip() != "" for t in teks.tolist()], dtype=bool)
    usable = ~annual & ~realisasi["realisasi_tidak_valid"].astype(bool).to_numpy()[rows]
    summed = (how == "kumulatif").to_numpy() & usable
    last_empty = ~filled[:, -1]
    early = (how == "nilai_akhir").to_numpy() & usable & last_empty
    for at in np.flatnonzero(summed | early):
        row = realisasi.iloc[rows[at]]
        empty = [q for q in range(len(keys)) if not filled[at, q]]
        named = ", ".join(f"TW {_ROMAN[q]}" for q in empty)
        common = {
            "rule": "kelengkapan.tw_tidak_lengkap",
            "severity": WARNING,
            "file": str(row["berkas"]),
            "sheet": str(row["sheet"]),
            "kode_opd": str(row["kode_opd"]),
            "kode_indikator": str(row["kode_indikator"]),
            "found": f"{named} kosong atau n/a",
            "expected": f"TW I–{_ROMAN[quarters - 1]} terisi, atau Realisasi Tahunan",
        }
        if early[at]:
            last = max(q for q in range(len(keys)) if filled[at, q])
            shown = (
                show_value(digits15(float(values[at, last])))
                if not np.isnan(values[at, last])
                else str(row[f"{keys[last]}_teks"]).strip()
            )
            end = f"TW {_ROMAN[quarters - 1]}"
            issues.append(
                Issue(
                    cell=str(row[f"sel_{keys[-1]}"] or ""),
                    message=f"Indikator {row['kode_indikator']} memakai nilai TW terakhir yang "
                    f"terisi, TW {_ROMAN[last]} ({shown}), sebagai realisasi sampai {end}, "
                    f"tetapi {named} kosong. Bila nilai {end} sudah ada, isi {end} atau "
                    "Realisasi Tahunan; bila belum ada, tulis n/a dan jelaskan di Faktor "
                    "Penghambat.",
                    **common,
                )
            )
            continue
        total = float(np.nansum(values[at]))
        issues.append(
            Issue(
                cell=str(row[f"sel_{keys[empty[0]]}"] or ""),
                message=f"Indikator {row['kode_indikator']} dijumlah dari TW (kumulatif), "
                f"tetapi {named} kosong atau n/a sementara TW lain terisi: realisasi dipakai = "
                f"jumlah TW yang terisi ({show_value(digits15(total))}), mungkin kurang dari "
                f"yang sebenarnya. Isi {named} (0 bila memang nol) atau Realisasi Tahunan.",
                **common,
            )
        )
    return issues


def _typed_after_period(
    realisasi: pd.DataFrame, spec: MasterSpec, quarters: int
) -> list[tuple[Any, Issue]]:
    """A quarterly run: an indicator scored from its TW cells (no annual value) with a quarter
    of the period empty and a quarter after it typed (a TW II value typed one column too far).
    The Indikator sheet's realisation counts every quarter typed (the yearly LKjIP does not
    change with the period), so that value is used. A WARNING at the first such cell, naming
    the period's quarters left empty and the realisation used (index of the row, issue)."""
    if quarters >= 4:
        return []
    after = list(schema.TW_COLUMNS[quarters:])
    values = realisasi[after].to_numpy(dtype=float)
    texts = realisasi[[f"{k}_teks" for k in after]].fillna("").to_numpy(dtype=object)
    typed = ~np.isnan(values) | (texts != "")
    annual = realisasi["realisasi_tahunan"].astype(float).notna()
    annual |= realisasi["realisasi_teks"].fillna("").astype(str).str.strip() != ""
    usable = (~annual & ~realisasi["realisasi_tidak_valid"].astype(bool)).to_numpy()
    inside = list(schema.TW_COLUMNS[:quarters])
    own = ~np.isnan(realisasi[inside].to_numpy(dtype=float))
    own |= realisasi[[f"{k}_teks" for k in inside]].fillna("").to_numpy(dtype=object) != ""
    # every quarter of the period typed: the yearly sheet filled ahead of time, nothing to say
    rows = np.flatnonzero(typed.any(axis=1) & usable & ~own.all(axis=1))
    if not len(rows):
        return []
    used = _used(realisasi.iloc[rows], spec)
    period = f"TW I–{_ROMAN[quarters - 1]}"
    out = []
    for n, at in enumerate(rows):
        row = realisasi.iloc[at]
        first = int(np.flatnonzero(typed[at])[0])
        key = after[first]
        shown = (
            show_value(digits15(float(values[at, first])))
            if not np.isnan(values[at, first])
            else str(row[f"{key}_teks"]).strip()
        )
        name = f"TW {_ROMAN[quarters + first]}"
        empty = [
            f"TW {_ROMAN[q]}"
            for q, k in enumerate(schema.TW_COLUMNS[:quarters])
            if pd.isna(row[k]) and not (isinstance(t := row[f"{k}_teks"], str) and t.strip())
        ]
        gap = f" {', '.join(empty)} kosong." if empty else ""
        value = used.iloc[n]
        if isinstance(value, float):
            used_text = "-" if math.isnan(value) else show_value(digits15(value))
        else:
            used_text = str(value)
        issue = Issue(
            rule="kelengkapan.tw_di_luar_periode",
            severity=WARNING,
            file=str(row["berkas"]),
            sheet=str(row["sheet"]),
            cell=str(row[f"sel_{key}"] or ""),
            kode_opd=str(row["kode_opd"]),
            kode_indikator=str(row["kode_indikator"]),
            message=f"Indikator {row['kode_indikator']}: {name} terisi ({shown}) padahal "
            f"laporan ini untuk {periode_label(quarters)}.{gap} Nilai {name} ikut dipakai "
            f"(realisasi yang dipakai: {used_text}). Bila angka itu milik triwulan lain "
            "(diketik satu kolom terlalu ke kanan?), pindahkan ke kolom triwulannya; bila "
            "belum waktunya, kosongkan.",
            found=f"{name}: {shown}",
            expected=f"{period} terisi",
        )
        out.append((realisasi.index[int(at)], issue))
    return out


def unanswered(realisasi: pd.DataFrame) -> pd.Series:
    """The indicator rows an OPD left empty: no annual or TW value or text, nothing refused
    (a refused value was typed) and no ``n/a`` (an answer).

    Column by column: selecting the columns first copies them into a new frame, which cost
    more than the test itself on a Pemda's few hundred rows."""
    empty = np.ones(len(realisasi), dtype=bool)
    for key in REALISASI_KEYS:
        empty &= np.isnan(realisasi[key].to_numpy(dtype=float))
    for key in ("realisasi_teks", *TW_TEXT_KEYS):
        empty &= _blank(realisasi[key])
    empty &= ~realisasi["realisasi_tidak_valid"].to_numpy(dtype=bool)
    empty &= ~realisasi["realisasi_tidak_tersedia"].to_numpy(dtype=bool)
    return pd.Series(empty, index=realisasi.index, dtype=bool)


def _blank(column: pd.Series) -> np.ndarray:
    """``column.fillna("") == ""`` as an array: missing or empty. From the column's values as
    objects: ``fillna`` makes a new Series of text, and cost most of the test."""
    values = column.to_numpy(dtype=object)
    return np.asarray(np.where(pd.isna(values), "", values) == "", dtype=bool)


def blank_files(
    active: list[Submission],
    opd_of: dict[str, str],
    realisasi: pd.DataFrame,
    anggaran: pd.DataFrame,
    blank_ones: Collection[str],
) -> tuple[set[str], list[Issue]]:
    """The files used that hold no realisation at all (``blank_ones``: every file staged so,
    the blank template sent back). Such an OPD has not reported, whatever the file's date:
    :func:`~pipeline.completeness.completeness` says so. One WARNING per file, at its first
    realisation cell."""
    blank, issues = set(), []
    for s in active:
        if s.name not in blank_ones:
            continue
        blank.add(s.name)
        rows = realisasi[realisasi["berkas"] == s.name]
        where = (
            (rows, "sel_realisasi_tahunan")
            if len(rows)
            else (anggaran[anggaran["berkas"] == s.name], "sel_realisasi_anggaran")
        )
        first = where[0].iloc[0]
        issues.append(
            Issue(
                rule="kelengkapan.berkas_kosong",
                severity=WARNING,
                file=s.name,
                sheet=str(first["sheet"]),
                cell=str(first[where[1]] or ""),
                kode_opd=opd_of.get(s.name, ""),
                found="tidak satu pun realisasi terisi",
                expected="realisasi indikator (Tahunan, TW, atau n/a) dan realisasi anggaran",
                message="Berkas ini diterima tetapi belum berisi realisasi apa pun: semua "
                "realisasi indikator dan anggaran masih kosong. OPD ini tercatat 'tanpa "
                "realisasi' di Kelengkapan, bukan sudah melapor. Isi templat ini, lalu kirim "
                "ulang.",
            )
        )
    return blank, issues


def _not_due_yet(left: pd.DataFrame, spec: MasterSpec | None) -> list[Issue]:
    """One INFO per file for its indicators left empty while their yearly value is not due."""
    period = periode_label(spec.triwulan if spec is not None else 4)
    issues = []
    for berkas, rows in left.groupby("berkas", sort=True):
        first = rows.iloc[0]
        issues.append(
            Issue(
                rule="kelengkapan.realisasi_tahunan_belum",
                severity=INFO,
                file=str(berkas),
                sheet=str(first["sheet"]),
                cell=str(first["sel_realisasi_tahunan"] or ""),
                kode_opd=str(first["kode_opd"]),
                found=f"{len(rows)} indikator kosong",
                expected="realisasi tahunan (akhir tahun)",
                message=f"Periode proses {period}: realisasi indikator "
                f"tahunan di sheet Indikator belum wajib diisi. {len(rows)} indikator tanpa "
                "realisasi dicatat belum lapor di laporan tahunan; Tabel E.81 memakai realisasi "
                "K per triwulan di sheet Renja.",
            )
        )
    return issues


def cross_file_checks(
    realisasi: pd.DataFrame,
    spec: MasterSpec | None = None,
    not_due: frozenset[str] = frozenset(),
    empty: pd.Series | None = None,
    used: pd.Series | None = None,
) -> list[Issue]:
    """Indicators left empty in a submitted file; one indicator reported differently by OPDs.

    The values compared are those that will be scored (numbers, not their text), so a value
    reported in the TW cells by one OPD and annually by another is compared as it is used.
    ``not_due``: the files whose yearly realisations are not due yet (a run of TW I–III, a
    template with the Renja sheet): their empty indicators are said once per file, as INFO,
    as their empty budget cells are. ``empty``: :func:`unanswered` of ``realisasi``, when known;
    ``used``: :func:`_used` of ``realisasi``, when known (the value rules find it first:
    :func:`~pipeline.validate.values.value_checks_and_used_many`).
    """
    issues = []
    empty = unanswered(realisasi) if empty is None else empty
    left = empty.to_numpy(dtype=bool)
    waiting = realisasi["berkas"].isin(not_due).to_numpy() if not_due else np.zeros_like(left)
    if (left & waiting).any():  # none is the usual case: no frame of no rows to group
        issues += _not_due_yet(realisasi.loc[left & waiting, list(_EMPTY_FIELDS)], spec)
    # the few fields of the rows left empty, from their columns (as ``records`` of those rows
    # gives them): taking the rows out of the frame first cost several times more
    at = np.flatnonzero(left & ~waiting)
    fields = [
        [maybe_box_native(v) for v in realisasi[c].to_numpy(dtype=object)[at].tolist()]
        for c in _EMPTY_FIELDS
    ]
    for berkas, sheet, cell, kode_opd, kode_indikator in zip(*fields, strict=True):
        issues.append(
            Issue(
                rule="kelengkapan.realisasi_kosong",
                severity=WARNING,
                file=berkas,
                sheet=sheet,
                cell=cell,
                kode_opd=kode_opd,
                kode_indikator=kode_indikator,
                found="(kosong)",
                expected="realisasi tahunan atau TW",
                message="Realisasi indikator ini belum diisi; dihitung sebagai belum lapor. Isi "
                "Realisasi Tahunan (atau TW I–IV), atau jelaskan di Faktor Penghambat bila data "
                "belum tersedia.",
            )
        )
    issues += _quarters_missing(realisasi, spec)
    # The values of the rows not left empty, counted per indicator (distinct OPDs, distinct
    # values; as a pandas groupby's nunique: missing codes and OPDs not counted) from plain
    # column lists; only the indicators reported differently by several OPDs are gathered.
    columns = ("kode_indikator", "kode_opd", "berkas", "sheet", "sel_realisasi_tahunan")
    # a row without a value says why: n/a (an answer), or a value refused
    said = np.where(
        realisasi["realisasi_tidak_tersedia"].astype(bool).to_numpy(),
        "n/a",
        np.where(realisasi["realisasi_tidak_valid"].astype(bool).to_numpy(), "(tidak sah)", ""),
    )
    kept = zip(
        (~empty).tolist(),
        (_used(realisasi, spec) if used is None else used).tolist(),
        said.tolist(),
        *(realisasi[c].tolist() for c in columns),
        strict=True,
    )
    shown: list[tuple[Any, ...]] = []
    opds: dict[Any, set[Any]] = {}
    distinct: dict[Any, set[Any]] = {}
    for keep, cell_used, why, code, kode_opd, berkas, sheet, cell in kept:
        if not keep:
            continue
        if type(cell_used) is float:  # most values: a number, or NaN for none
            value = why if math.isnan(cell_used) else cell_used
        else:
            value = cell_used if type(cell_used) is str or not pd.isna(cell_used) else why
        shown.append((code, kode_opd, value, berkas, sheet, cell))
        if _missing(code):
            continue
        opds.setdefault(code, set())
        distinct.setdefault(code, set()).add(value)
        if not _missing(kode_opd):
            opds[code].add(kode_opd)
    differ = {code for code in opds if len(opds[code]) > 1 and len(distinct[code]) > 1}
    groups: dict[str, list[tuple[Any, ...]]] = {}
    for row in shown:
        if not _missing(row[0]) and row[0] in differ:
            groups.setdefault(str(row[0]), []).append(row)
    for code in sorted(groups):
        group = groups[code]
        reported = "; ".join(f"{o}: {show_value(v) or '-'}" for _, o, v, *_ in group)
        for _, kode_opd, _, berkas, sheet, cell in group:
            issues.append(
                Issue(
                    rule="lintas_berkas.nilai_berbeda",
                    severity=WARNING,
                    file=berkas,
                    sheet=sheet,
                    cell=cell,
                    kode_opd=kode_opd,
                    kode_indikator=code,
                    found=reported,
                    expected="nilai yang sama dari semua OPD penanggung jawab",
                    message=f"Indikator {code} dilaporkan berbeda oleh beberapa OPD "
                    f"({reported}). Sepakati satu angka dengan OPD lain.",
                )
            )
    return issues


def missing_opds(spec: MasterSpec, submitted: set[str]) -> list[Issue]:
    """One WARNING per OPD with indicators or programs that no file claims."""
    issues = []
    # the two columns as lists: ``to_dict("records")`` of the whole sheet cost most of the call
    opd = spec.opd
    for kode, nama in zip(opd["kode_opd"].tolist(), opd["nama_opd"].tolist(), strict=True):
        has_work = any(spec.workload(kode))
        if kode not in submitted and has_work:
            issues.append(
                Issue(
                    rule="kelengkapan.belum_kirim",
                    severity=WARNING,
                    kode_opd=kode,
                    message=f"{nama} belum mengirim berkas (batas pengumpulan "
                    f"{fmt.tanggal(str(spec.pemda['batas_pengumpulan']))}). Indikatornya "
                    "dihitung sebagai "
                    "belum lapor.",
                    found="(tidak ada berkas)",
                    expected="1 berkas templat",
                )
            )
    return issues


def late_files(
    active: list[Submission],
    opd_of: dict[str, str],
    deadline: str,
    zona: str,
    received: dict[str, str] | None = None,
) -> list[Issue]:
    """One INFO per used file submitted after the deadline: by ``received[name]`` (the mail
    server's receipt time of a mailed file), else by the workbook's own save time, each
    taken on the Pemda's clock (``zona``)."""
    received = received or {}
    issues = []
    for s in active:
        when = received.get(s.name) or s.dimodifikasi
        if not is_late(when, deadline, zona):
            continue
        when = local_time(when, zona)
        how = "diterima lewat surel" if s.name in received else "disimpan"
        issues.append(
            Issue(
                rule="kelengkapan.terlambat",
                severity=INFO,
                file=s.name,
                kode_opd=opd_of[s.name],
                message=f"Berkas {how} {fmt.tanggal(when)}, setelah batas pengumpulan "
                f"{fmt.tanggal(deadline)}.",
                found=fmt.tanggal(when),
                expected=f"≤ {fmt.tanggal(deadline)}",
            )
        )
    return issues


def rejected_opds(spec: MasterSpec, berkas: pd.DataFrame, used: set[str]) -> list[Issue]:
    """One WARNING per OPD that sent files of which none is used: each file and why, never
    "belum mengirim"."""
    issues = []
    names = dict(zip(spec.opd["kode_opd"], spec.opd["nama_opd"], strict=True))
    by_opd: dict[str, list[tuple[Any, Any]]] = {}  # plain lists: pandas per OPD costs ms
    for kode, name, why in zip(
        berkas["kode_opd"], berkas["berkas"], berkas["alasan"], strict=True
    ):
        if kode in names:
            by_opd.setdefault(kode, []).append((name, why))
    for kode in sorted(by_opd):
        files = by_opd[kode]
        if used & {name for name, _ in files}:
            continue
        reasons = "; ".join(f"{name}: {str(why).rstrip('.')}" for name, why in files)
        issues.append(
            Issue(
                rule="kelengkapan.berkas_ditolak",
                severity=WARNING,
                kode_opd=str(kode),
                message=f"{names[kode]} mengirim {len(files)} berkas, tetapi tidak ada yang dapat "
                f"dipakai: berkas Anda ditolak atau diabaikan karena {reasons}. Simpan sebagai "
                ".xlsx dari templat OPD Anda lalu kirim ulang; sampai itu indikatornya dihitung "
                "belum lapor.",
                found=f"{len(files)} berkas, 0 dipakai",
                expected="1 berkas templat .xlsx yang dapat dipakai",
            )
        )
    return issues
