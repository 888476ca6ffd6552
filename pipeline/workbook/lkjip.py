"""Sheets in the layout of the LKjIP itself, ready to copy into the report.

* **Tabel Bab III**: one numbered table per Sasaran like the seed's Tabel 3.3–3.17 ("Realisasi
  Sasaran Pertama": No, IKU, Target, Realisasi, Persentase Capaian, Predikat) with the
  Sasaran's average below it and one line saying how that average follows from the rows. A
  Sasaran without indicators keeps its numbered table, with a note. Tables are laid out on A4
  portrait pages: a table never starts near the foot of a page, and one longer than a page
  repeats its header on the next.

The Renja evaluation form (Tabel E.81) is :mod:`pipeline.workbook.e81`.

These are print layouts, not data tables: no filters, titles in plain or merged cells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline import fmt, schema
from pipeline.config import Settings
from pipeline.layout import (
    LINE_PT,
    printable_height_pt,
    row_height,
    text_room_pt,
    text_width_pt,
)
from pipeline.master import spec_value
from pipeline.score import Results
from pipeline.workbook.base import (
    Formats,
    Status,
    as_float,
    band_format,
    fit_scale,
    is_missing,
    print_setup,
    records,
    write_banner,
)

BAB3_HEADERS = [
    "No",
    "Indikator Kinerja Utama",
    "Target",
    "Realisasi",
    "Persentase Capaian Kinerja (%)",
    "Predikat",
]
BAB3_WIDTHS = [4, 41, 13, 13, 11, 13]
BAB3_MIN_INDICATOR = 30  # the Indikator column gives the predikat column room down to this


def bab3_widths(labels: list[str]) -> list[int]:
    """Tabel Bab III's column widths: the predikat column as wide as the longest predikat
    label in bold (a spec's own labels, ``Sangat Memuaskan``, were cut to ``angat
    Memuaska``), the room taken from the Indikator column so that the page stays as wide."""
    widths = list(BAB3_WIDTHS)
    longest = max((text_width_pt(label, bold=True) for label in labels), default=0.0)
    need = next((w for w in range(widths[5], 40) if text_room_pt(w) >= longest), 40)
    extra = min(max(0, need - widths[5]), widths[1] - BAB3_MIN_INDICATOR)
    widths[1] -= extra
    widths[5] += extra
    return widths


FIRST_TABLE = 3  # the seed numbers its per-Sasaran tables from Tabel 3.3
NOTE_PT = 8.0


def _number(value: object) -> float | None:
    """A spec or result value as a finite float, else None (text targets stay text)."""
    if is_missing(value) or value == "":
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(float(value)) else None
    return spec_value(value)[0]


def indicator_decimals(ind: pd.DataFrame, settings: Settings) -> pd.Series:
    """Per indicator row, the decimals its values are shown with (its own precision).

    Targets from the spec count with every decimal they have (0,0029 → 4); values typed by the
    OPD or computed (a quarterly mean 30.102,888889) count with at most ``desimal_tampilan``,
    but never fewer than two: a realisation typed 0,68 is not shown 0,7 beside a capaian
    computed from 0,68 when one decimal is shown.
    """
    typed = ("target_nilai", "target_bawah", "target_atas", "target_tahun_depan", "target_akhir")
    made = (
        *schema.TW_COLUMNS,
        "realisasi_tahunan",
        "realisasi",
        "realisasi_tahun_lalu",
    )
    out = []
    for rec in records(ind):
        fixed = [_number(rec.get(k)) for k in typed]
        computed = [_number(rec.get(k)) for k in made]
        out.append(fmt.presisi(fixed, computed, max(settings.desimal_tampilan, 2)))
    return pd.Series(out, index=ind.index, dtype=int)


def _with_unit(number: float | None, satuan: str, places: int) -> str:
    """A target or realisation as printed in the LKjIP: ``10,39%``, ``2.000 orang``."""
    if number is None:
        return "-"
    text = fmt.angka_presisi(number, places)
    unit = str(satuan or "").strip()
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def target_text(rec: dict[str, Any], places: int) -> str:
    """The target cell of Tabel Bab III (a ladder value or range as typed in the spec)."""
    number = _number(rec.get("target_nilai"))
    if number is None:
        typed = str(rec.get("target_teks") or "")
        unit = str(rec.get("satuan") or "").strip()
        if not typed or rec.get("polaritas") != "range" or not unit:
            return typed or "-"
        return f"{typed}{unit}" if unit == "%" else f"{typed} {unit}"  # like the realisation
    return _with_unit(number, rec.get("satuan", ""), places)


def realisasi_text(rec: dict[str, Any], places: int) -> str:
    """The realisation cell of Tabel Bab III: the ladder value, the number, or ``-``."""
    if rec.get("polaritas") == "kualitatif":
        return str(rec.get("realisasi_teks") or "-")
    if rec.get("status") == schema.STATUS_BELUM_LAPOR:
        return "-"
    return _with_unit(_number(rec.get("realisasi")), rec.get("satuan", ""), places)


def average_note(rows: list[dict[str, Any]], sas: dict[str, Any], settings: Settings) -> str:
    """One line under a Sasaran's average saying how it follows from the rows above."""
    scored = int(
        as_float(sas.get("jumlah_dinilai")) if not is_missing(sas.get("jumlah_dinilai")) else 0
    )
    method = (
        "Rata-rata berbobot (kolom bobot)"
        if settings.metode_rata_rata == "bobot"
        else "Rata-rata sederhana"
    )
    parts = [f"{method} dari {scored} indikator dinilai"]
    if settings.metode_rata_rata == "bobot":  # the weights, so the average can be recomputed
        weights = [
            f"No {i} = {fmt.angka_ringkas(as_float(r.get('bobot')), 4)}"
            for i, r in enumerate(rows, start=1)
            if r["status"] == schema.STATUS_DINILAI and not is_missing(r.get("bobot"))
        ]
        if weights:
            parts.append("bobot " + ", ".join(weights))
    cap = settings.batas_capaian
    if cap is not None:
        capped = [
            f"No {i} dihitung {fmt.angka(cap, settings.desimal_tampilan)} "
            f"(capaian {fmt.angka(r['capaian_mentah'], settings.desimal_tampilan)})"
            for i, r in enumerate(rows, start=1)
            if r["status"] == schema.STATUS_DINILAI and bool(r.get("dibatasi"))
        ]
        limit = fmt.angka_ringkas(cap, 2)
        if capped:
            parts.append(
                f"capaian di atas {limit}% dibatasi {limit}% sebelum dirata-rata: "
                + "; ".join(capped)
            )
        else:
            parts.append(f"tidak ada capaian di atas batas {limit}%")
    left_out = [
        f"No {i} ({r['status']})"
        for i, r in enumerate(rows, start=1)
        if r["status"] != schema.STATUS_DINILAI
    ]
    if left_out:
        parts.append("tidak ikut rata-rata: " + ", ".join(left_out))
    return "; ".join(parts) + "."


@dataclass
class _Pager:
    """Places rows on A4 pages: a row that would cross the foot of a page starts a new one."""

    budget: float  # usable points per page (under the repeated banner)
    used: float = 0.0
    breaks: list[int] = field(default_factory=list)

    def fits(self, height: float) -> bool:
        return self.used + height <= self.budget

    def new_page(self, row: int) -> None:
        if self.used > 0:
            self.breaks.append(row)
        self.used = 0.0

    def add(self, height: float) -> None:
        self.used += height


def _sasaran_title(n: int, ordinal: int, sas: dict[str, Any]) -> str:
    return (
        f"Tabel 3.{n} Realisasi Sasaran {fmt.urutan(ordinal)} ({sas['kode_sasaran']}): "
        f"{sas['uraian_sasaran']}"
    )


def write_bab3(
    wb: Workbook,
    ws: Worksheet,
    res: Results,
    settings: Settings,
    fmts: Formats,
    status: Status,
    footer: str,
) -> None:
    """Tabel Bab III: one numbered table per Sasaran of the spec, rows in spec order."""
    cell = {"border": 1, "text_wrap": True}
    text = fmts.get(**cell)
    center = fmts.get(**cell, align="center")
    bold = fmts.get(**cell, bold=True, bg_color="#F2F2F2")

    def pct(value: float, **props: Any) -> Format:
        """A capaian beside its predikat: more decimals when it would read as a band edge."""
        places = fmt.desimal_tepi(value, settings.desimal_tampilan, settings.tepi)
        return fmts.number(places, **props)

    title_fmt = fmts.get(bold=True, text_wrap=True, valign="bottom")
    note_fmt = fmts.get(italic=True, text_wrap=True, font_size=NOTE_PT)
    # a label longer than the widest predikat column wraps (its row is made tall enough)
    colours = {
        b.label: band_format(fmts, b.warna, align="center", text_wrap=True)
        for b in settings.skala.bands
    }
    bold_colours = {
        b.label: band_format(fmts, b.warna, align="center", text_wrap=True, bold=True)
        for b in settings.skala.bands
    }
    widths = bab3_widths([b.label for b in settings.skala.bands])
    span = sum(widths)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    banner_h = write_banner(ws, status, "Tabel Bab III", fmts, widths)
    heading = (
        f"Tabel Bab III — Realisasi Sasaran Strategis {res_pemda(status)} Tahun {status.tahun}"
    )
    intro = (
        "Target dari master spec (RPJMD/PK), realisasi dari berkas OPD. Capaian dihitung dengan "
        "aturan di sheet Pengaturan; predikat: " + settings.skala.describe() + "."
    )
    row = 1
    ws.set_row(row, row_height((heading, span), font_pt=12, bold=True))
    ws.merge_range(row, 0, row, 5, heading, fmts.get(bold=True, font_size=12, text_wrap=True))
    row += 1
    ws.set_row(row, row_height((intro, span), font_pt=NOTE_PT))
    ws.merge_range(row, 0, row, 5, intro, note_fmt)
    # the page under the banner row, which repeats on every page (2 % kept for rounding), in
    # the sheet's points: printed at ``scale`` %, a page holds 100/scale times its height (at
    # 95 % the first Sasaran's table was put on a page of its own, the first page left blank)
    scale = fit_scale(widths, False)
    pager = _Pager(budget=printable_height_pt(False) * 100 / scale * 0.98 - banner_h)
    pager.add(
        row_height((heading, span), font_pt=12, bold=True)
        + row_height((intro, span), font_pt=NOTE_PT)
    )
    row += 2
    pager.add(LINE_PT)

    # every row the averages count: an indicator several OPDs report is one row per OPD,
    # named with its OPD, so that each Sasaran's average follows from the rows printed
    ind = res.indikator
    shared = ind["kode_indikator"].duplicated(keep=False)
    if shared.any():
        ind = ind.assign(
            uraian_indikator=ind["uraian_indikator"]
            .astype(str)
            .where(
                ~shared,
                ind["uraian_indikator"].astype(str) + " (" + ind["kode_opd"].astype(str) + ")",
            )
        )
    places_all = indicator_decimals(ind, settings)
    header_h = row_height(*zip(BAB3_HEADERS, widths, strict=True), bold=True)

    def header(at: int, title: str) -> int:
        ws.set_row(at, row_height((title, span), bold=True))
        ws.merge_range(at, 0, at, 5, title, title_fmt)
        ws.set_row(at + 1, header_h)
        for col, head in enumerate(BAB3_HEADERS):
            ws.write_string(at + 1, col, head, fmts.header)
        return at + 2

    for ordinal, sas in enumerate(records(res.sasaran), start=1):
        n = FIRST_TABLE + ordinal - 1
        mine = ind[ind["kode_sasaran"] == sas["kode_sasaran"]]
        rows = records(mine)
        places = list(places_all.loc[mine.index])
        title = _sasaran_title(n, ordinal, sas)
        texts = [
            (r["uraian_indikator"], target_text(r, p), realisasi_text(r, p))
            for r, p in zip(rows, places, strict=True)
        ]
        # the predikat column holds the status instead when a row is not scored (it may wrap)
        said = [
            str(r["predikat"] or "") if r["status"] == schema.STATUS_DINILAI else str(r["status"])
            for r in rows
        ]
        body = [
            row_height(*zip((*t, s), (*widths[1:4], widths[5]), strict=True))
            for t, s in zip(texts, said, strict=True)
        ] or [LINE_PT * 2]
        note = average_note(rows, sas, settings) if rows else ""
        tail = (LINE_PT + 3) + row_height((note, span), font_pt=NOTE_PT) if rows else 0.0
        head_h = row_height((title, span), bold=True) + header_h
        whole = head_h + sum(body) + tail + LINE_PT
        # a table that fits a page never starts where it cannot end; a longer one starts on
        # a fresh page unless most of this one is still free. The first starts under the
        # sheet's heading whatever its length: moved on, it left a page of three title lines.
        if (
            ordinal > 1
            and not pager.fits(whole)
            and (whole <= pager.budget or pager.used > pager.budget * 0.4)
        ):
            pager.new_page(row)
        pager.add(head_h)
        row = header(row, title)
        if not rows:
            ws.set_row(row, LINE_PT * 2)
            ws.write_blank(row, 0, None, center)
            ws.merge_range(
                row,
                1,
                row,
                5,
                "Belum ada indikator kinerja untuk sasaran ini di master spec; tidak ada "
                "capaian yang dihitung.",
                fmts.get(border=1, italic=True, text_wrap=True),
            )
            pager.add(LINE_PT * 2)
            row += 2
            pager.add(LINE_PT)
            continue
        for i, (rec, height, shown) in enumerate(zip(rows, body, texts, strict=True), start=1):
            # the last row goes with the average and its note: never an orphaned average
            if not pager.fits(height + (tail if i == len(rows) else 0.0)):
                pager.new_page(row)
                pager.add(head_h)
                row = header(row, f"Tabel 3.{n} (lanjutan)")
            ws.set_row(row, height)
            ws.write_number(row, 0, i, center)
            ws.write_string(row, 1, str(rec["uraian_indikator"]), text)
            ws.write_string(row, 2, shown[1], center)
            ws.write_string(row, 3, shown[2], center)
            capaian = rec.get("capaian_mentah")
            if rec["status"] == schema.STATUS_DINILAI and not is_missing(capaian):
                value = as_float(capaian)
                ws.write_number(row, 4, value, pct(value))
                label = str(rec["predikat"])
                ws.write_string(row, 5, label, colours.get(label, center))
            else:
                ws.write_string(row, 4, "-", center)
                ws.write_string(row, 5, str(rec["status"]), center)
            pager.add(height)
            row += 1
        ws.set_row(row, LINE_PT + 3)
        ws.write_blank(row, 0, None, bold)
        ws.merge_range(row, 1, row, 3, f"Rata-rata capaian Sasaran {fmt.urutan(ordinal)}", bold)
        if is_missing(sas["rata_rata_capaian"]):
            ws.write_string(row, 4, "-", bold)
            ws.write_blank(row, 5, None, bold)
        else:
            value = float(sas["rata_rata_capaian"])
            ws.write_number(row, 4, value, pct(value, bold=True, bg_color="#F2F2F2"))
            label = str(sas["predikat"])
            ws.write_string(row, 5, label, bold_colours.get(label, bold))
        row += 1
        ws.set_row(row, row_height((note, span), font_pt=NOTE_PT))
        ws.merge_range(row, 0, row, 5, note, note_fmt)
        pager.add(tail)
        row += 2
        pager.add(LINE_PT)
    print_setup(ws, status, footer, landscape=False, scale=scale)
    if pager.breaks:
        ws.set_h_pagebreaks(pager.breaks)


def res_pemda(status: Status) -> str:
    return status.nama_pemda


__all__ = [
    "indicator_decimals",
    "realisasi_text",
    "target_text",
    "write_bab3",
]
