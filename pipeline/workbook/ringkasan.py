"""The Ringkasan sheet: what a leader reads in 30 seconds.

Page 1 (A4 landscape): DRAFT or FINAL and why, the headline figures (average capaian in its
predikat colour, serapan, both Rupiah totals labelled, submissions), the predikat distribution
with the scale, a short *Perlu perhatian* list, and capaian per Sasaran (every Sasaran named;
one without a bar says why), on page 2 when page 1 has no room for so many. The next page:
capaian per OPD and capaian − serapan per OPD coloured by the efficiency band of the settings
(the Efisiensi sheet's rule). A chart with more bars than a page holds goes on over pages.
The charts' data sits beside the page (outside the print area) and comes from
:mod:`pipeline.chartdata`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from pipeline import chartdata, fmt, sanitize
from pipeline.completeness import BELUM, DITOLAK, TANPA_REALISASI, TERLAMBAT
from pipeline.config import Settings
from pipeline.frames import records
from pipeline.issues import ERROR
from pipeline.layout import page_room_pt
from pipeline.renja import periode_label, triwulan_of
from pipeline.score import Results
from pipeline.workbook.base import (
    DRAFT_RED,
    FINAL_GREEN,
    Formats,
    Status,
    band_format,
    is_missing,
    print_setup,
    row_height,
)


@dataclass
class RunInfo:
    """Facts about the run shown on the Ringkasan and Pengaturan sheets."""

    nama_pemda: str
    kode_pemda: str
    tahun: int
    periode: str
    spec_file: str
    spec_sha256: str
    files_found: int
    files_accepted: int
    files_rejected: int
    files_ignored: int
    files_superseded: int
    opd_total: int
    opd_submitted: int
    opd_late: int = 0
    opd_missing: int = 0
    opd_rejected: int = 0
    opd_blank: int = 0  # a file used, but no realisation in it
    opd_not_due: int = 0  # no indicator and no program in the spec, and no file: none owed
    data_per: str = ""
    periode_rpjmd: str = ""
    batas_catatan: str = ""  # the deadline on the Pemda's clock and in UTC (Kelengkapan)

    @property
    def footer(self) -> str:
        """Page footer: Pemda, sheet, year and the date of the data. Not the print date: a
        printer's date field follows the reader's locale (``12/02/2026`` for 2 December on an
        English machine), which an Indonesian reads as 12 February."""
        return self.page_footer("LKjIP")

    def page_footer(self, what: str) -> str:
        """:attr:`footer` for a page of ``what`` (``LKjIP``, ``Evaluasi Renja Triwulan I s/d
        II``: an E.81 of part of the year says which part)."""
        per = f" · data per {fmt.tanggal(self.data_per)}" if self.data_per else ""
        return (
            f"&L{sanitize.header_part(self.nama_pemda)}&C&A · {sanitize.header_part(what)} "
            f"{self.tahun}{per}&RHalaman &P dari &N"
        )


# A..G, the printed page; B holds a Rupiah total with sen (Rp 99.999.999.999.999,99)
WIDTHS = (34, 29, 35, 2, 16, 28, 16)
DATA_COL = 9  # the charts' data starts in column J, outside the print area
SCALE = 85  # 9 pt prints at 7,65 pt
MAX_LISTED = 6
OPD_CHART_PX = 620  # the least height of the two OPD charts (taller for many OPDs)
# A chart's height: its frame (title, axis) and a bar for each Sasaran or OPD; a bar never
# thinner than MIN_BAR_PX, where its 8,5 pt label (7,2 pt printed) still fits: LibreOffice
# drops the labels that would overlap, and a crowded chart lost every other name.
SASARAN_FRAME_PX, SASARAN_BAR_PX = 60, 18
OPD_FRAME_PX, OPD_BAR_PX = 90, 16
MIN_BAR_PX = 12
CHART_PAD_PX = 12  # between a chart and the page's end


def _signed_off_edges(value: Any, settings: Settings) -> str:
    """The efficiency in points as its cell shows it: ``desimal_tampilan`` decimals, more when
    so it would read as a band edge it is not (``+10`` for 10,36 under '> 10')."""
    if value is None or pd.isna(value):
        return fmt.bertanda(None)
    places = fmt.desimal_tepi(float(value), settings.desimal_tampilan, settings.tepi)
    return fmt.bertanda(float(value), places, tetap=True)


def low_bands(settings: Settings) -> list[str]:
    """The bands a leader must look at: the two lowest of the scale (Rendah, Sangat Rendah on
    the default scale; C, D on PermenPAN-RB 88/2021; the lowest alone on a scale of two)."""
    bands = [b.label for b in settings.skala.bands]
    return bands[max(1, len(bands) - 2) :]


def _listing(items: list[str]) -> str:
    if len(items) <= MAX_LISTED:
        return "; ".join(items)
    return "; ".join(items[:MAX_LISTED]) + f"; dan {len(items) - MAX_LISTED} lainnya"


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return (match.group(1) if match else text).strip()


def perlu_perhatian(
    res: Results, kelengkapan: pd.DataFrame, issues: pd.DataFrame, settings: Settings
) -> list[str]:
    """What a leader must look at, one line each, most urgent first (pure function)."""
    lines: list[str] = []
    names = dict(zip(res.opd["kode_opd"], res.opd["nama_opd"], strict=True))
    errors = issues[issues["severity"] == ERROR] if not issues.empty else issues
    if len(errors):
        holders = []
        for key, group in errors.groupby("kode_opd", sort=True):
            kode = str(key)
            first = group.iloc[0]
            where = " › ".join(p for p in (first["sheet"], first["cell"]) if p)
            what = _first_sentence(str(first["message"])).rstrip(".")
            holders.append(
                f"{kode or 'tanpa OPD'} ({names.get(kode, 'berkas tanpa OPD')}), {len(group)} "
                f"ERROR, mis. {f'{where}: ' if where else ''}{what}"
            )
        lines.append(
            f"Laporan masih DRAFT: {len(errors)} ERROR belum diperbaiki; yang harus "
            f"memperbaiki: {_listing(holders)}."
        )
    low = low_bands(settings)
    low_text = "/".join(low)

    def shown(value: float) -> str:
        return fmt.persen_tepi(float(value), settings.desimal_tampilan, settings.tepi)

    sas = res.sasaran[res.sasaran["predikat"].isin(low)]
    if len(sas):
        items = [
            f"{r['kode_sasaran']} {chartdata.singkat(r['uraian_sasaran'], 60)} "
            f"({shown(r['rata_rata_capaian'])}, {r['predikat']})"
            for r in records(sas)
        ]
        lines.append(f"Sasaran berpredikat {low_text}: {_listing(items)}")
    opd = res.opd[res.opd["predikat"].isin(low)].sort_values("rata_rata_capaian")
    if len(opd):
        items = [
            f"{r['kode_opd']} {shown(r['rata_rata_capaian'])} ({r['predikat']})"
            for r in records(opd)
        ]
        lines.append(f"OPD berpredikat {low_text}: {_listing(items)}")
    status = dict(zip(kelengkapan["kode_opd"], kelengkapan["status_kirim"], strict=True))
    for state, title in (
        (BELUM, "OPD belum mengirim berkas"),
        (DITOLAK, "OPD yang berkasnya ditolak"),
        (TANPA_REALISASI, "OPD mengirim berkas tanpa realisasi (templat kosong)"),
        (TERLAMBAT, "OPD terlambat mengirim"),
    ):
        who = [f"{k} ({names.get(k, k)})" for k, s in status.items() if s == state]
        if who:
            lines.append(f"{title}: {_listing(who)}")
    bars = chartdata.sasaran_bars(res.sasaran, settings.skala)
    gaps = bars[bars["catatan"] != ""]
    if len(gaps):
        items = [f"{r['kode_sasaran']} ({r['catatan']})" for r in records(gaps)]
        lines.append(f"Sasaran tanpa nilai: {_listing(items)}")
    k = res.keseluruhan
    missing = {
        "belum lapor": k["belum_lapor"],
        "data tidak tersedia": k.get("data_tidak_tersedia", 0),
        "tidak dapat dihitung": k["tidak_dapat_dihitung"],
    }
    if any(missing.values()):
        counted = ", ".join(f"{n} {what}" for what, n in missing.items() if n)
        lines.append(
            f"Indikator tanpa capaian: {counted}; tidak ikut rata-rata (sheet Indikator, kolom "
            "Status)"
        )
    return [line.rstrip(".") + "." for line in lines]


def write_ringkasan(
    wb: Workbook,
    ws: Worksheet,
    res: Results,
    info: RunInfo,
    settings: Settings,
    issues: pd.DataFrame,
    kelengkapan: pd.DataFrame,
    fmts: Formats,
    status: Status,
) -> None:
    """Headline figures, Perlu perhatian, predikat counts and the native charts (2 pages or
    more)."""
    k = res.keseluruhan
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    last = len(WIDTHS) - 1
    span = sum(WIDTHS)
    banner_fmt = fmts.get(
        bold=True,
        font_size=12,
        font_color="#FFFFFF",
        bg_color=DRAFT_RED if status.draft else FINAL_GREEN,
        valign="vcenter",
    )
    errors = int((issues["severity"] == ERROR).sum()) if not issues.empty else 0
    banner = (
        f"DRAFT — belum final: {errors} ERROR belum diperbaiki (lihat Perlu perhatian)"
        if status.draft
        else "FINAL — tidak ada ERROR validasi"
    )
    ws.set_row(0, 20)
    ws.merge_range(0, 0, 0, last, banner, banner_fmt)
    ws.set_row(1, 22)
    ws.merge_range(
        1,
        0,
        1,
        last,
        f"Ringkasan Capaian Kinerja {info.nama_pemda} Tahun {info.tahun}",
        fmts.title,
    )
    rpjmd = f" · RPJMD {info.periode_rpjmd}" if info.periode_rpjmd else ""
    triwulan = triwulan_of(info.periode) or 4
    # a quarter's run: the figures below are the year's so far, against the year's targets
    sejauh = (
        f" (realisasi {periode_label(triwulan)} terhadap target tahunan)" if triwulan < 4 else ""
    )
    ws.set_row(3, 6)
    ws.write_string(
        2,
        0,
        f"Periode {info.periode}{sejauh}{rpjmd} · data per {fmt.tanggal(info.data_per) or '-'} "
        "(berkas OPD terakhir disimpan)",
        fmts.plain,
    )

    label = fmts.get(bold=True, valign="vcenter")
    big = fmts.get(
        bold=True,
        font_size=16,
        num_format=fmt.format_persen(settings.desimal_tampilan),
        align="left",
        valign="vcenter",
    )
    # the three Rupiah lines alike: with sen when any of them has sen
    sen = fmt.desimal_rupiah([k["realisasi_anggaran"], k["pagu_dilaporkan"], k["pagu"]])
    rp = fmts.get(
        bold=True, font_size=11, num_format=fmt.format_rupiah(sen), align="left", valign="vcenter"
    )
    note = fmts.get(text_wrap=True, valign="vcenter", font_color="#404040")
    value = fmts.get(bold=True, font_size=11, align="left", valign="vcenter")
    eff = res.efisiensi[res.efisiensi["tingkat"] == "Keseluruhan"]
    eff_rec = eff.iloc[0].to_dict() if len(eff) else {}
    scored_line = " · ".join(
        part
        for part in (
            f"{k['belum_lapor']} belum lapor" if k["belum_lapor"] else "",
            f"{k['data_tidak_tersedia']} data tidak tersedia"
            if k.get("data_tidak_tersedia")
            else "",
            f"{k['tidak_dapat_dihitung']} tidak dapat dihitung"
            if k["tidak_dapat_dihitung"]
            else "",
            f"{k['dibatasi']} capaian dibatasi" if k["dibatasi"] else "",
        )
        if part
    )
    efisiensi_line = (
        "capaian − serapan "
        f"{_signed_off_edges(eff_rec.get('efisiensi'), settings)} "
        "poin: "
        f"{eff_rec.get('kategori_efisiensi') or '-'}"
        if eff_rec
        else ""
    )
    rows: list[tuple[str, Any, str, str]] = [
        ("Rata-rata capaian kinerja", k["rata_rata_capaian"], "big", ""),
        (
            "Indikator dinilai",
            f"{k['jumlah_dinilai']} dari {k['jumlah_indikator']}",
            "value",
            scored_line,
        ),
        ("Cara menghitung", k["metode"], "note", ""),
        ("Serapan anggaran", k["serapan"], "big", efisiensi_line),
        (
            "Realisasi anggaran",
            k["realisasi_anggaran"],
            "rp",
            f"{int(k['program_dilaporkan'])} dari {int(k['jumlah_program'])} program melaporkan",
        ),
        ("Pagu program yang melapor", k["pagu_dilaporkan"], "rp", "dasar perhitungan serapan"),
        ("Pagu seluruh program", k["pagu"], "rp", ""),
        (
            "OPD mengirim",
            f"{info.opd_submitted} dari {info.opd_total}",
            "value",
            f"{info.opd_late} terlambat · {info.opd_missing} belum mengirim · "
            f"{info.opd_rejected} ditolak"
            + (f" · {info.opd_blank} tanpa realisasi" if info.opd_blank else "")
            + (f" · {info.opd_not_due} tidak wajib" if info.opd_not_due else ""),
        ),
    ]
    row = 4
    for name, val, kind, extra in rows:
        ws.set_row(
            row,
            20
            if kind == "big"
            else row_height(
                (extra, WIDTHS[2]),
                (name, WIDTHS[0]),
                (val if kind == "note" else "", WIDTHS[1] + WIDTHS[2]),
            ),
        )
        ws.write_string(row, 0, name, label)
        no_budget = (not k["jumlah_program"] and kind == "rp") or (
            not k["jumlah_program"] and name == "Serapan anggaran"
        )
        if no_budget:
            ws.write_string(row, 1, "tidak ada data anggaran", value)
        elif kind in ("big", "rp"):
            if is_missing(val):
                ws.write_string(row, 1, "-", value)
            else:
                ws.write_number(row, 1, float(val), big if kind == "big" else rp)
        elif kind == "note":
            ws.merge_range(row, 1, row, 2, str(val), note)
        else:
            ws.write_string(row, 1, str(val), value)
        if extra:
            ws.write_string(row, 2, extra, note)
        row += 1
    predikat = str(k.get("predikat") or "")
    if predikat:
        ws.write_string(
            4,
            2,
            predikat,
            band_format(
                fmts,
                settings.skala.colour(predikat),
                bold=True,
                font_size=12,
                align="center",
                valign="vcenter",
            ),
        )
    if eff_rec.get("kategori_efisiensi"):
        colour = chartdata.WARNA_EFISIENSI.get(str(eff_rec["kategori_efisiensi"]), "#FFFFFF")
        ws.write_string(
            7,
            2,
            efisiensi_line,
            fmts.get(bg_color=colour, border=1, text_wrap=True, valign="vcenter"),
        )

    # predikat distribution with the scale's rule
    counts = chartdata.predikat_counts(res.predikat_jumlah, settings.skala)
    ws.write_string(4, 4, "Predikat", fmts.header)
    ws.write_string(4, 5, "Rentang capaian (%)", fmts.header)
    ws.write_string(4, 6, "Jumlah indikator", fmts.header)
    for i, rec in enumerate(records(counts), start=5):
        ws.write_string(i, 4, rec["predikat"], band_format(fmts, rec["warna"]))
        ws.write_string(i, 5, rec["aturan"], fmts.get(border=1))
        ws.write_number(i, 6, rec["jumlah"], fmts.number(0))
    ws.write_string(5 + len(counts), 4, f"Skala: {settings.skala.judul}", fmts.get(italic=True))

    # Perlu perhatian, under the longer of the two blocks: a scale of 7 bands (AA … D) is
    # longer than the figures beside it, and its last line fell in the thin spacing row
    row = max(row, 5 + len(counts) + 1)
    row += 1
    ws.set_row(row - 1, 6)
    ws.set_row(row, 16)
    ws.write_string(row, 0, "Perlu perhatian", fmts.subtitle)
    bullet = fmts.get(text_wrap=True, valign="top")
    for line in perlu_perhatian(res, kelengkapan, issues, settings) or ["Tidak ada."]:
        row += 1
        ws.set_row(row, row_height((f"• {line}", span)))
        ws.merge_range(row, 0, row, last, f"• {line}", bullet)

    # charts: data beside the page, charts below the text and on the pages after it
    bars = chartdata.sasaran_bars(res.sasaran, settings.skala)
    where = chartdata.judul(info.nama_pemda, info.tahun)
    data_row = _chart_data(ws, fmts, bars, res, settings)
    # Page 1 holds the Sasaran chart when it fits under the text (every Sasaran named at a
    # readable size), else it starts page 2; the OPD charts start the next page. A chart with
    # more bars than a page holds goes on over pages, a part on each. The rows are measured,
    # so no chart runs over a page break.
    page = _page_height_px()
    breaks: list[int] = []
    chart_row = row + 1
    room = page - _rows_px(ws, 0, chart_row) - CHART_PAD_PX
    n_sasaran = data_row["sasaran"][1]
    if room < SASARAN_FRAME_PX + MIN_BAR_PX * n_sasaran or room < 200:
        chart_row += 1  # the text alone on page 1
        breaks.append(chart_row)
        room = page - CHART_PAD_PX
    for i, (start, count) in enumerate(_parts(n_sasaran, room, page, SASARAN_FRAME_PX)):
        most = room if i == 0 else page - CHART_PAD_PX
        height = _chart_px(count, SASARAN_FRAME_PX, SASARAN_BAR_PX, 200, most)
        if i:
            breaks.append(chart_row)
        ws.insert_chart(
            chart_row,
            0,
            _sasaran_chart(wb, bars, settings, data_row["sasaran"], where, height, (start, count)),
            {"x_offset": 4, "y_offset": 2},
        )
        chart_row = _row_below(ws, chart_row, height + 2) + 1
    page2 = chart_row
    breaks.append(page2)
    opd_rank = chartdata.peringkat_opd(res.opd, settings.skala)
    opd_eff = chartdata.efisiensi_opd(res.opd, settings)
    ws.set_row(page2, 18)
    ws.write_string(page2, 0, "Capaian dan efisiensi per OPD", fmts.subtitle)
    words = chartdata.band_text(settings)
    rule = (
        f"Grafik kanan, capaian − serapan: hijau {words['efisien']}; kuning "
        f"{words['cukup efisien']}; merah {words['tidak efisien']} (aturan yang sama dengan "
        "sheet Efisiensi). Grafik kiri: warna = predikat."
    )
    ws.set_row(page2 + 1, row_height((rule, span)))
    ws.merge_range(
        page2 + 1, 0, page2 + 1, last, rule, fmts.get(text_wrap=True, font_color="#404040")
    )
    # the OPDs the ranking leaves out, and why, under the charts
    kirim = dict(zip(kelengkapan["kode_opd"], kelengkapan["status_kirim"], strict=True))
    none = chartdata.opd_tanpa_nilai(res.opd, kirim)
    # ranked, but without serapan: not on the right-hand chart
    off_right = sorted(set(opd_rank["kode_opd"]) - set(opd_eff["kode_opd"]))
    notes: list[str] = []
    if len(none):
        notes.append(
            "Tidak diperingkat (tanpa rata-rata capaian): "
            + "; ".join(f"{r['kode_opd']} ({r['alasan']})" for r in records(none))
            + "."
        )
    if off_right:
        notes.append(
            "Tidak ada di grafik kanan (tanpa serapan): "
            + "; ".join(f"{k} ({_no_serapan(res.program, k)})" for k in off_right)
            + "."
        )
    note = " ".join(notes)
    note_pt = row_height((note, span)) if note else 0.0
    chart_row = page2 + 2
    room = page - _rows_px(ws, page2, chart_row) - CHART_PAD_PX
    n_opd = max(data_row["peringkat"][1], data_row["efisiensi"][1])
    parts = _parts(n_opd, room, page, OPD_FRAME_PX, last_room=int(note_pt * 4 / 3))
    for i, part in enumerate(parts):
        if i:
            breaks.append(chart_row)
        own = page - CHART_PAD_PX if i else room
        if i == len(parts) - 1:
            own -= int(note_pt * 4 / 3)
        height = _chart_px(part[1], OPD_FRAME_PX, OPD_BAR_PX, OPD_CHART_PX, own)
        for chart, left in (
            (_opd_chart(wb, opd_rank, settings, data_row["peringkat"], where, height, part), 4),
            (
                _efficiency_chart(
                    wb, opd_eff, settings, data_row["efisiensi"], where, height, part
                ),
                _page_px() // 2 + 10,
            ),
        ):
            if chart is not None:
                ws.insert_chart(chart_row, 0, chart, {"x_offset": left, "y_offset": 4})
        chart_row = _row_below(ws, chart_row, height + 4) + 1
    below = chart_row
    if note:
        ws.set_row(below, note_pt)
        ws.merge_range(below, 0, below, last, note, fmts.get(text_wrap=True, font_color="#404040"))
    ws.set_h_pagebreaks(breaks)
    print_setup(ws, status, info.footer, landscape=True, scale=SCALE, repeat=None)
    ws.print_area(0, 0, below, last)
    ws.hide_gridlines(2)


def _no_serapan(program: pd.DataFrame, kode_opd: str) -> str:
    """Why an OPD has no serapan: it holds no program, its realisation was refused or not
    given, or its programs' pagu is 0."""
    mine = program[program["kode_opd"] == kode_opd] if len(program) else program
    if mine.empty:
        return "tidak memegang program"
    refused = mine.get("realisasi_anggaran_ditolak", pd.Series(False, index=mine.index))
    if refused.fillna(False).astype(bool).any():
        return "realisasi anggaran ditolak, lihat Validasi"
    if mine["realisasi_anggaran"].notna().any():  # reported, over a pagu of 0
        return "pagu programnya 0"
    return "realisasi anggaran belum diisi"


def _chart_data(
    ws: Worksheet, fmts: Formats, bars: pd.DataFrame, res: Results, settings: Settings
) -> dict[str, tuple[int, int]]:
    """Write each chart's frame beside the printed page; return (first, last) data rows."""
    col = DATA_COL
    ws.write_string(0, col, "Data grafik (tidak dicetak)", fmts.bold)
    out: dict[str, tuple[int, int]] = {}
    frames = {
        "sasaran": (bars[["label", "rata_rata_capaian"]], "Sasaran", "Rata-rata capaian (%)"),
        "peringkat": (
            chartdata.peringkat_opd(res.opd, settings.skala)[["label_kode", "rata_rata_capaian"]],
            "OPD",
            "Rata-rata capaian (%)",
        ),
        "efisiensi": (
            chartdata.efisiensi_opd(res.opd, settings)[["kode_opd", "efisiensi"]],
            "OPD",
            "Capaian − serapan (poin)",
        ),
    }
    for key, (frame, head1, head2) in frames.items():
        ws.set_column(col, col, 40 if key == "sasaran" else 14)
        ws.set_column(col + 1, col + 1, 12)
        ws.write_string(1, col, head1, fmts.header)
        ws.write_string(1, col + 1, head2, fmts.header)
        for i, (name, number) in enumerate(frame.itertuples(index=False), start=2):
            ws.write_string(i, col, str(name), fmts.plain)
            if not is_missing(number):
                # the charts' labels take this format: more decimals at a band edge, the sign
                # of a difference (9,52 reads 9,5 beside 'cukup efisien', not 10)
                value = float(number)
                places = fmt.desimal_tepi(value, settings.desimal_tampilan, settings.tepi)
                shown = fmt.format_bertanda if key == "efisiensi" else fmt.format_angka
                ws.write_number(i, col + 1, value, fmts.get(border=1, num_format=shown(places)))
        out[key] = (col, len(frame))
        col += 3
    return out


def _font_9() -> dict[str, Any]:
    return {"name": "Arial", "size": 9}


def _page_height_px() -> int:
    """The height of one printed A4 landscape page of this sheet, in its pixels (the unit of
    row heights and chart sizes), a little less for the difference of applications."""
    return int(page_room_pt(SCALE) * 4 / 3)


def _rows_px(ws: Worksheet, start: int, stop: int) -> int:
    """Pixels of rows ``start`` to ``stop - 1`` as set (xlsxwriter keeps what it was given)."""
    sizes = ws.row_sizes
    return sum(sizes[r][0] if r in sizes else ws.default_row_height for r in range(start, stop))


def _row_below(ws: Worksheet, start: int, px: int) -> int:
    """The row in which something ``px`` high placed at the top of row ``start`` ends."""
    row, total = start, 0
    while True:
        total += _rows_px(ws, row, row + 1)
        if total >= px:
            return row
        row += 1


def _chart_px(bars: int, frame: int, per_bar: int, least: int, most: float) -> int:
    """A chart's height: its frame and ``per_bar`` for each bar, ``least`` to ``most``."""
    return int(min(max(least, frame + per_bar * bars), most))


def _parts(
    bars: int, first: float, page: float, frame: int, last_room: int = 0
) -> list[tuple[int, int]]:
    """The bars of a chart over pages: (first bar, how many) on each, at least
    :data:`MIN_BAR_PX` a bar; ``first`` is the room on the page it starts on, ``page`` on the
    next ones, and the last page keeps ``last_room`` free (for notes). The bars are shared
    evenly, so that no page holds a last few alone."""

    def holds(room: float) -> int:
        return max(1, int((room - frame) // MIN_BAR_PX))

    rooms = [first]
    while True:
        caps = [holds(r) for r in rooms[:-1]] + [holds(rooms[-1] - last_room)]
        if sum(caps) >= bars:
            break
        rooms.append(page - CHART_PAD_PX)
    out, start = [], 0
    for i, cap in enumerate(caps):
        count = min(cap, -(-(bars - start) // (len(caps) - i)))
        out.append((start, count))
        start += count
    return out


def _gridlines() -> dict[str, Any]:
    return {"visible": True, "line": {"color": "#D9D9D9"}}


def _bar_chart(
    wb: Workbook,
    data: tuple[int, int],
    part: tuple[int, int],
    *,
    series: str,
    colours: pd.Series,
    gap: int,
    title: str,
    y_axis: dict[str, Any],
    x_axis: dict[str, Any],
    size: dict[str, int],
    frame: int,
) -> Any:
    """One horizontal bar chart of the Ringkasan: the bars ``part`` (first, how many) of the
    helper columns ``data`` (column, rows), each in its own colour, labelled as the data cells
    show them; the labels in Arial 9, or 8,5 when the bars are thin (the
    smallest that prints at 7 pt at the sheet's scale)."""
    col, _ = data
    start, count = part
    per_bar = (size["height"] - frame) / max(1, count)
    font = {"name": "Arial", "size": 9 if per_bar >= 15 else 8.5}
    chart = wb.add_chart({"type": "bar"})
    chart.add_series(
        {
            "name": series,
            "categories": ["Ringkasan", 2 + start, col, 1 + start + count, col],
            "values": ["Ringkasan", 2 + start, col + 1, 1 + start + count, col + 1],
            "points": [
                {"fill": {"color": c}, "border": {"color": "#404040"}}
                for c in colours.iloc[start : start + count]
            ],
            # each label as its data cell shows it (no num_format: linked to the source)
            "data_labels": {"value": True, "font": font},
            "gap": gap,
        }
    )
    chart.set_title({"name": title, "name_font": {"name": "Arial", "size": 10, "bold": True}})
    chart.set_legend({"none": True})
    # every bar named: without interval_unit LibreOffice drops every other crowded label
    chart.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": font, **y_axis})
    chart.set_x_axis(x_axis)
    chart.set_size(size)
    return chart


def _part_of(part: tuple[int, int], total: int, what: str) -> str:
    """`` (OPD 41–80 dari 80)`` for a chart that shows a part of the bars, else ''."""
    start, count = part
    if count >= total:
        return ""
    return f" ({what} {start + 1}–{start + count} dari {total})"


def _clip(part: tuple[int, int], total: int) -> tuple[int, int] | None:
    """``part`` within ``total`` bars; None when it holds none of them (the empty chart of
    no bars at all is kept: it says so)."""
    start, count = part
    count = min(count, total - start)
    return (start, count) if count > 0 or start == 0 else None


def _capaian_axis(values: pd.Series) -> dict[str, Any]:
    """The x axis of a capaian chart, long enough for its highest bar and label."""
    top, step = chartdata.sumbu_capaian(values)
    return {
        "min": 0,
        "max": top,
        "major_unit": step,
        "major_gridlines": _gridlines(),
        "num_format": fmt.format_angka(0),
        "num_font": _font_9(),
    }


def _sasaran_chart(
    wb: Workbook,
    bars: pd.DataFrame,
    settings: Settings,
    data: tuple[int, int],
    where: str,
    height: int,
    part: tuple[int, int],
) -> Any:
    cap = settings.batas_capaian
    return _bar_chart(
        wb,
        data,
        part,
        series="Rata-rata capaian (%)",
        colours=bars["warna"],
        gap=40,
        title=f"Rata-rata capaian per Sasaran (%), {where}"
        + (f"; capaian tiap indikator dibatasi {fmt.angka_ringkas(cap, 2)}%" if cap else "")
        + _part_of(part, data[1], "Sasaran"),
        y_axis={},
        x_axis=_capaian_axis(bars["rata_rata_capaian"]),
        size={"width": _page_px(), "height": height},
        frame=SASARAN_FRAME_PX,
    )


def _opd_chart(
    wb: Workbook,
    rank: pd.DataFrame,
    settings: Settings,
    data: tuple[int, int],
    where: str,
    height: int,
    part: tuple[int, int],
) -> Any:
    """The OPD ranking's bars of ``part``, or None when it holds none."""
    own = _clip(part, data[1])
    if own is None:
        return None
    return _bar_chart(
        wb,
        data,
        own,
        series="Rata-rata capaian (%)",
        colours=rank["warna"],
        gap=30,
        title=f"Rata-rata capaian per OPD (%), warna = predikat; {where}"
        + _part_of(own, data[1], "peringkat"),
        y_axis={},
        x_axis=_capaian_axis(rank["rata_rata_capaian"]),
        size={"width": _page_px() // 2 - 10, "height": height},
        frame=OPD_FRAME_PX,
    )


def _page_px() -> int:
    """Width of the printed columns in xlsxwriter's pixels (charts are sized in pixels)."""
    return sum(int(w * 7 + 0.5) + 5 for w in WIDTHS) - 10


def _efficiency_chart(
    wb: Workbook,
    eff: pd.DataFrame,
    settings: Settings,
    data: tuple[int, int],
    where: str,
    height: int,
    part: tuple[int, int],
) -> Any:
    """The efficiency bars of ``part``, or None when it holds none."""
    own = _clip(part, data[1])
    if own is None:
        return None
    low = float(eff["efisiensi"].min()) if len(eff) else 0.0
    return _bar_chart(
        wb,
        data,
        own,
        series="Capaian − serapan (poin)",
        colours=eff["warna"],
        gap=30,
        title=f"Capaian − serapan per OPD (poin), warna = kategori efisiensi; {where}"
        + _part_of(own, data[1], "OPD"),
        y_axis={"label_position": "low"},
        x_axis={
            # room on the left for the labels of negative bars
            "min": min(0.0, (low // 20 - 1) * 20),
            "major_gridlines": _gridlines(),
            "num_format": fmt.format_bertanda(0),
            "num_font": _font_9(),
        },
        size={"width": _page_px() // 2 - 10, "height": height},
        frame=OPD_FRAME_PX,
    )
