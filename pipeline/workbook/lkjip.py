"""Sheets in the layout of the LKjIP itself, ready to copy into the report.

* **Tabel Bab III**: one table per Sasaran like the seed's Tabel 3.3–3.17 (No, IKU, Target,
  Realisasi, Persentase Capaian, Predikat) with the Sasaran's average below it.
* **E.81**: an evaluation table per OPD in the shape of Permendagri 86/2017 Tabel E.81 (K =
  kinerja), with the footer rows of the form (average, predikat, budget, narrative).

These are print layouts, not data tables: no filters, titles in plain cells, no merged cells.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline import fmt, schema
from pipeline.config import Scale, Settings, build_settings
from pipeline.score import Results
from pipeline.workbook.base import (
    FONT,
    Formats,
    as_float,
    is_missing,
    print_setup,
    row_height,
)

BAB3_HEADERS = [
    "No",
    "Indikator Kinerja Utama",
    "Target",
    "Realisasi",
    "Persentase Capaian Kinerja (%)",
    "Predikat",
]
BAB3_WIDTHS = [5, 60, 16, 16, 14, 16]
FIRST_TABLE = 3  # the seed numbers its per-Sasaran tables from Tabel 3.3


def _with_unit(value: object, text: str, satuan: str) -> str:
    """Target or realisation as printed in the LKjIP: ``10,39 %``, ``WTP``, ``2.000 orang``."""
    if text:
        return text
    if is_missing(value):
        return "-"
    number = fmt.angka_ringkas(float(value), 6)  # type: ignore[arg-type]
    unit = str(satuan or "").strip()
    return f"{number} {unit}" if unit else number


def _target_text(rec: dict) -> str:
    number = rec.get("target_nilai")
    if is_missing(number):
        return str(rec.get("target_teks") or "-")
    return _with_unit(number, "", rec.get("satuan", ""))


def _realisasi_text(rec: dict) -> str:
    if rec.get("polaritas") == "kualitatif":
        return str(rec.get("realisasi_teks") or "-")
    if rec.get("status") == schema.STATUS_BELUM_LAPOR:
        return "-"
    return _with_unit(rec.get("realisasi"), "", rec.get("satuan", ""))


def _colour_formats(wb: Workbook, scale: Scale, base: dict) -> dict[str, object]:
    return {b.label: wb.add_format({**base, "bg_color": b.warna}) for b in scale.bands}


def write_bab3(
    wb: Workbook,
    ws: Worksheet,
    res: Results,
    settings: Settings,
    fmts: Formats,
    title: str,
    footer: str,
) -> None:
    """Tabel Bab III: one table per Sasaran, rows in spec order, average below."""
    cell = {**FONT, "border": 1, "text_wrap": True}
    text = wb.add_format(cell)
    center = wb.add_format({**cell, "align": "center"})
    number = fmts.kinds["pct"]
    bold = wb.add_format({**cell, "bold": True})
    bold_pct = wb.add_format({**cell, "bold": True, "num_format": fmts.pct})
    colours = _colour_formats(wb, settings.skala, {**cell, "align": "center"})
    for col, width in enumerate(BAB3_WIDTHS):
        ws.set_column(col, col, width)
    ws.write_string(0, 0, title, fmts.title)
    ws.write_string(
        1,
        0,
        f"Capaian dihitung dengan aturan di sheet Pengaturan; predikat: "
        f"{settings.skala.describe()}.",
        fmts.plain,
    )
    row = 3
    ind = res.indikator.drop_duplicates("kode_indikator")
    for n, sas in enumerate(res.sasaran.to_dict("records"), start=FIRST_TABLE):
        rows = ind[ind["kode_sasaran"] == sas["kode_sasaran"]].to_dict("records")
        if not rows:
            continue
        ws.write_string(row, 0, f"Tabel 3.{n}", fmts.bold)
        ws.write_string(
            row + 1,
            0,
            f"Realisasi Sasaran {sas['kode_sasaran']}: {sas['uraian_sasaran']}",
            fmts.bold,
        )
        row += 2
        ws.set_row(row, 30)
        for col, head in enumerate(BAB3_HEADERS):
            ws.write_string(row, col, head, fmts.header)
        for i, rec in enumerate(rows, start=1):
            row += 1
            ws.set_row(row, row_height((rec["uraian_indikator"], BAB3_WIDTHS[1])))
            ws.write_number(row, 0, i, center)
            ws.write_string(row, 1, str(rec["uraian_indikator"]), text)
            ws.write_string(row, 2, _target_text(rec), center)
            ws.write_string(row, 3, _realisasi_text(rec), center)
            capaian = rec.get("capaian_mentah")
            if rec["status"] == schema.STATUS_DINILAI and not is_missing(capaian):
                ws.write_number(row, 4, float(capaian), number)
                label = str(rec["predikat"])
                ws.write_string(row, 5, label, colours.get(label, center))
            else:
                ws.write_string(row, 4, "-", center)
                ws.write_string(row, 5, str(rec["status"]), center)
        row += 1
        ws.write_string(
            row,
            1,
            f"Rata-rata capaian Sasaran {sas['kode_sasaran']} "
            f"({int(sas['jumlah_dinilai'] or 0)} indikator dinilai)",
            bold,
        )
        for col in (0, 2, 3):
            ws.write_blank(row, col, None, bold)
        if is_missing(sas["rata_rata_capaian"]):
            ws.write_string(row, 4, "-", bold)
            ws.write_blank(row, 5, None, bold)
        else:
            ws.write_number(row, 4, float(sas["rata_rata_capaian"]), bold_pct)
            label = str(sas["predikat"])
            ws.write_string(row, 5, label, colours.get(label, bold))
        row += 3
    print_setup(ws, footer, landscape=False)
    ws.fit_to_pages(1, 0)


E81_HEADERS = [
    ("No", 5),
    ("Sasaran", 28),
    ("Kode", 9),
    ("Indikator Kinerja", 40),
    ("Satuan", 10),
    ("Target Akhir RPJMD (K)", 11),
    ("Realisasi Tahun Lalu (K)", 11),
    ("Target Tahun Berjalan (K)", 11),
    ("Realisasi TW I (K)", 9),
    ("Realisasi TW II (K)", 9),
    ("Realisasi TW III (K)", 9),
    ("Realisasi TW IV (K)", 9),
    ("Realisasi Tahun Berjalan (K)", 11),
    ("Tingkat Capaian (%) (K)", 10),
    ("Capaian thd Target Akhir RPJMD (%) (K)", 11),
    ("Predikat", 8),
    ("Keterangan", 22),
]


def _e81_scale() -> Scale:
    return build_settings({"skala_predikat": "permendagri_86_2017"})[0].skala


def _end_target_notes(indikator: pd.DataFrame) -> tuple[pd.Series, str]:
    """Per row, which year's target the 'Target Akhir RPJMD' column holds, and the most common
    case: that one is said once under the title, the others in the row's Keterangan."""
    notes = [
        str(note) if note else f"target akhir: target {int(year)}"
        for note, year in zip(
            indikator["catatan_target_akhir"].fillna(""),
            indikator["tahun_target_akhir"].fillna(0),
            strict=True,
        )
    ]
    rows = pd.Series(notes, index=indikator.index, dtype=str)
    common = rows.mode().iloc[0] if len(rows) else ""
    return rows.where(rows != common, ""), common


def _join_unique(values: pd.Series) -> str:
    seen: list[str] = []
    for v in values:
        text = str(v or "").strip()
        if text and text not in seen:
            seen.append(text)
    return " | ".join(seen) if seen else "-"


def write_e81(
    wb: Workbook, ws: Worksheet, res: Results, fmts: Formats, title: str, footer: str
) -> None:
    """E.81-style evaluation: per OPD, its indicators (K) and footer rows incl. budget (Rp)."""
    scale = _e81_scale()
    end_notes, common = _end_target_notes(res.indikator)
    cell = {**FONT, "border": 1, "text_wrap": True}
    text = wb.add_format(cell)
    num = wb.add_format({**cell, "num_format": fmts.num})
    pct = wb.add_format({**cell, "num_format": fmts.pct})
    rp = wb.add_format({**cell, "num_format": fmts.rp})
    bold = wb.add_format({**cell, "bold": True})
    section = wb.add_format(
        {**FONT, "bold": True, "font_size": 10, "bg_color": "#EDEDED", "border": 1}
    )
    colours = _colour_formats(wb, scale, {**cell, "align": "center"})
    for col, (_, width) in enumerate(E81_HEADERS):
        ws.set_column(col, col, width)
    ws.write_string(0, 0, title, fmts.title)
    ws.write_string(
        1,
        0,
        "Bentuk mengikuti Tabel E.81 Permendagri 86/2017 (K = kinerja, Rp = "
        f"anggaran); predikat E.81: {scale.describe()}. Kolom Target Akhir RPJMD: {common} "
        "(selain itu disebut di Keterangan).",
        fmts.plain,
    )
    ws.set_row(3, 42)
    for col, (head, _) in enumerate(E81_HEADERS):
        ws.write_string(3, col, head, fmts.header)
    for col in range(len(E81_HEADERS)):
        ws.write_string(4, col, str(col + 1), fmts.header)
    row = 4
    sasaran_names = dict(
        zip(res.sasaran["kode_sasaran"], res.sasaran["uraian_sasaran"], strict=True)
    )
    opd = res.opd.set_index("kode_opd")
    for key, group in res.indikator.groupby("kode_opd", sort=True):
        kode = str(key)
        info: Any = opd.loc[kode] if kode in opd.index else None
        row += 1
        name = info["nama_opd"] if info is not None else kode
        ws.write_string(row, 0, f"Perangkat Daerah: {name} ({kode})", section)
        for col in range(1, len(E81_HEADERS)):
            ws.write_blank(row, col, None, section)
        records = zip(group.index, group.to_dict("records"), strict=True)
        for i, (index, rec) in enumerate(records, start=1):
            row += 1
            ws.set_row(
                row,
                row_height(
                    (sasaran_names.get(rec["kode_sasaran"], ""), E81_HEADERS[1][1]),
                    (rec["uraian_indikator"], E81_HEADERS[3][1]),
                ),
            )
            values = [
                i,
                sasaran_names.get(rec["kode_sasaran"], ""),
                rec["kode_indikator"],
                rec["uraian_indikator"],
                rec["satuan"],
                rec.get("target_akhir"),
                rec.get("realisasi_tahun_lalu"),
                rec["target_teks"] if is_missing(rec.get("target_nilai")) else rec["target_nilai"],
                rec.get("realisasi_tw1"),
                rec.get("realisasi_tw2"),
                rec.get("realisasi_tw3"),
                rec.get("realisasi_tw4"),
                _realisasi_text(rec),
            ]
            for col, value in enumerate(values):
                if is_missing(value):
                    ws.write_blank(row, col, None, text)
                elif isinstance(value, str):
                    ws.write_string(row, col, value, text)
                else:
                    ws.write_number(row, col, float(value), num)
            capaian = rec.get("capaian_mentah")
            scored = rec["status"] == schema.STATUS_DINILAI and not is_missing(capaian)
            if scored:
                ws.write_number(row, 13, as_float(capaian), pct)
            else:
                ws.write_string(row, 13, "-", text)
            progres = rec.get("progres_rpjmd")
            if is_missing(progres):
                ws.write_blank(row, 14, None, text)
            else:
                ws.write_number(row, 14, as_float(progres), pct)
            label = scale.classify(as_float(capaian)) if scored else ""
            ws.write_string(row, 15, label, colours.get(label, text))
            notes = [] if scored else [str(rec["status"])]
            if end_notes[index]:
                notes.append(end_notes[index])
            ws.write_string(row, 16, "; ".join(notes), text)
        row = _e81_footer(
            ws,
            row,
            info,
            group,
            scale,
            {"text": text, "bold": bold, "pct": pct, "rp": rp},
            colours,
        )
    print_setup(ws, footer)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(3, 4)
    ws.freeze_panes(5, 4)


def _e81_footer(
    ws: Worksheet,
    row: int,
    opd: pd.Series | None,
    group: pd.DataFrame,
    scale: Scale,
    f: dict[str, object],
    colours: dict[str, object],
) -> int:
    def line(label: str, value: object, kind: str = "text") -> None:
        nonlocal row
        row += 1
        ws.write_string(row, 1, label, f["bold"])
        ws.write_blank(row, 2, None, f["bold"])
        if isinstance(value, float) and not math.isnan(value):
            ws.write_number(row, 3, value, f[kind])
        else:
            shown = str(value if not is_missing(value) else "-")
            ws.set_row(row, row_height((shown, E81_HEADERS[3][1]), (label, E81_HEADERS[1][1])))
            ws.write_string(row, 3, shown, f["text"])

    def number(key: str) -> float:
        value = None if opd is None else opd.get(key)
        return float("nan") if is_missing(value) else float(value)  # type: ignore[arg-type]

    avg, serapan = number("rata_rata_capaian"), number("serapan")
    line("Rata-rata capaian kinerja (%) (K)", avg, "pct")
    line("Predikat kinerja (K)", scale.classify(None if math.isnan(avg) else avg))
    programs = 0 if opd is None or is_missing(opd.get("jumlah_program")) else opd["jumlah_program"]
    if not programs:
        line("Anggaran (Rp)", "tidak ada data anggaran")
    else:
        # pagu, realisasi and % are sums over the same programs; the others are listed
        line("Pagu program dilaporkan (Rp)", number("pagu_dilaporkan"), "rp")
        line("Realisasi anggaran (Rp)", number("realisasi_anggaran"), "rp")
        line("Realisasi anggaran (%) (Rp)", serapan, "pct")
        line("Predikat anggaran (Rp)", scale.classify(None if math.isnan(serapan) else serapan))
        excluded = "" if opd is None else str(opd.get("program_dikecualikan") or "")
        if excluded:
            line("Program tidak dihitung", excluded)
    line("Faktor pendorong keberhasilan kinerja", _join_unique(group["faktor_pendorong"]))
    line("Faktor penghambat pencapaian kinerja", _join_unique(group["faktor_penghambat"]))
    line("Tindak lanjut yang diperlukan", _join_unique(group["tindak_lanjut"]))
    return row + 1
