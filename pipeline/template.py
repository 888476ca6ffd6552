"""The OPD template contract: :func:`build_template` writes it, :mod:`pipeline.ingest` reads it.

Both sides use :data:`INDIKATOR_COLUMNS`, :data:`ANGGARAN_COLUMNS` and the sheet names below, and
the hidden ``_meta`` sheet carries :data:`TEMPLATE_VERSION` so a file says which definition it
was written with.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from pipeline import fmt as texts
from pipeline.layout import fit_scale, footer_pt, panels, row_height, wrapped_lines
from pipeline.numbers import BATAS_WAJAR
from pipeline.schema import label
from pipeline.xlsx_safe import SafeWorkbook

if TYPE_CHECKING:  # the reader side (ingest) must not pull pandas into its workers
    from pipeline.master import MasterSpec

TEMPLATE_VERSION = "2"  # 2: the Renja sheet (program and kegiatan K and Rp per quarter)
SUPPORTED_VERSIONS = ("1", "2")  # a version-1 file is read without its Renja rows

SHEET_PETUNJUK = "Petunjuk"
SHEET_INDIKATOR = "Indikator"
SHEET_ANGGARAN = "Anggaran"
SHEET_RENJA = "Renja"
SHEET_META = "_meta"
HEADER_ROW = 5  # 1-based row of the column headers; data starts on the next row

INPUT_FILL = "#FFF2CC"
PETUNJUK_WIDTH = 100
LOCKED_FILL = "#EDEDED"


@dataclass(frozen=True)
class Column:
    """One template column: vocabulary key, header label, whether the OPD may edit it."""

    key: str
    editable: bool
    width: float
    kind: str = "teks"  # teks | angka | rupiah

    @property
    def header(self) -> str:
        return label(self.key)

    @property
    def shown(self) -> str:
        """The header as printed: broken where a reader expects it ("Realisasi / TW III",
        "Kode / Program/ / Kegiatan") rather than where the column happens to end. The reader
        ignores blanks and line breaks in headers, so both forms are read alike."""
        text = re.sub(r" (TW [IV]+)$", r"\n\1", self.header)
        if text.startswith("Kode ") and "/" in text:
            text = text.replace("Kode ", "Kode\n", 1).replace("/", "/\n")
        return text


INDIKATOR_COLUMNS: tuple[Column, ...] = (
    Column("kode_indikator", False, 12),
    Column("kode_sasaran", False, 10),
    Column("uraian_indikator", False, 48),
    Column("satuan", False, 12),
    Column("polaritas", False, 11),
    Column("target", False, 12),
    Column("realisasi_tw1", True, 11, "angka"),
    Column("realisasi_tw2", True, 11, "angka"),
    Column("realisasi_tw3", True, 11, "angka"),
    Column("realisasi_tw4", True, 11, "angka"),
    Column("realisasi_tahunan", True, 12, "angka"),
    Column("capaian_opd", True, 12, "angka"),
    Column("faktor_pendorong", True, 32),
    Column("faktor_penghambat", True, 32),
    Column("tindak_lanjut", True, 32),
    Column("sumber_data", True, 20),
)

ANGGARAN_COLUMNS: tuple[Column, ...] = (
    Column("kode_program", False, 12),
    Column("uraian_program", False, 56),
    Column("kode_sasaran", False, 10),
    Column("pagu", False, 20, "rupiah"),
    Column("realisasi_anggaran", True, 20, "rupiah"),
    Column("keterangan", True, 32),
)

RENJA_COLUMNS: tuple[Column, ...] = (
    Column("kode_renja", False, 18),  # "Program/Kegiatan" on one line
    Column("uraian_renja", False, 34),
    Column("kode_indikator", False, 11),
    Column("uraian_indikator", False, 34),
    Column("satuan", False, 10),
    Column("target_renja", False, 10, "angka"),
    Column("pagu", False, 17, "rupiah"),
    Column("k_tw1", True, 10, "angka"),
    Column("k_tw2", True, 10, "angka"),
    Column("k_tw3", True, 10, "angka"),
    Column("k_tw4", True, 10, "angka"),
    Column("rp_tw1", True, 16, "rupiah"),
    Column("rp_tw2", True, 16, "rupiah"),
    Column("rp_tw3", True, 16, "rupiah"),
    Column("rp_tw4", True, 16, "rupiah"),
    Column("tindak_lanjut_renja", True, 32),
)

META_KEYS = (
    "versi_templat",
    "kode_pemda",
    "kode_opd",
    "nama_opd",
    "tahun",
    "periode",
    "sidik_spec",
    "jumlah_indikator",
    "jumlah_program",
)


def column_letter(columns: tuple[Column, ...], key: str) -> str:
    """Excel column letter of ``key`` in a column tuple."""
    index = [c.key for c in columns].index(key)
    return xl_col_to_name(index)


AGREGASI_TEXT = {
    "kumulatif": (
        "kumulatif",
        "isi hasil triwulan itu saja (TW II = hasil April–Juni, bukan jumlah sampai Juni); "
        "nilai tahunan = TW I + TW II + TW III + TW IV.",
    ),
    "nilai_akhir": (
        "nilai akhir",
        "isi keadaan pada akhir triwulan (TW II = posisi per 30 Juni); nilai tahunan = TW "
        "terakhir yang diisi.",
    ),
    "rata_rata": (
        "rata-rata",
        "isi nilai triwulan itu (TW II = nilai April–Juni); nilai tahunan = rata-rata TW yang "
        "diisi.",
    ),
}
ROLLUP_HEADER = "Cara Rekap TW"  # shown after the contract columns; ingest does not read it
ROLLUP_WIDTH = 16
FONT_PT = 10.0


def _polarity_lines(spec: MasterSpec) -> list[str]:
    turun = (
        "capaian = target / realisasi × 100"
        if spec.settings.rumus_turun == "T/R"
        else "capaian = (2 × target − realisasi) / target × 100, paling kecil 0"
    )
    above = (
        "(2 × batas atas − realisasi) / batas atas × 100, paling kecil 0"
        if spec.settings.rumus_range_atas == "turun"
        else "realisasi / batas atas × 100"
    )
    ladder = (
        "capaian = peringkat realisasi / peringkat target × 100"
        if spec.settings.rumus_kualitatif == "rasio_peringkat"
        else "sama atau lebih baik dari target = 100%, selain itu peringkat realisasi / "
        "peringkat target × 100"
    )
    return [
        "naik: makin tinggi realisasi makin baik; capaian = realisasi / target × 100.",
        f"turun: makin rendah makin baik (misalnya angka kematian, angka kemiskinan); {turun}.",
        "range: target berupa rentang; realisasi di dalam rentang = 100%; di bawah rentang "
        f"capaian = realisasi / batas bawah × 100; di atas rentang capaian = {above}.",
        "kualitatif: pilih nilai dari daftar (misalnya opini BPK TMP < TW < WDP < WTP); "
        f"{ladder}.",
    ]


def _petunjuk(ws: Worksheet, spec: MasterSpec, opd: dict[str, str], fmt: dict) -> None:
    ws.set_column(0, 0, 3)
    ws.set_column(1, 1, PETUNJUK_WIDTH)
    kontak = str(spec.pemda.get("kontak_sekretariat") or "").strip()
    batas = texts.tanggal(str(spec.pemda["batas_pengumpulan"]))
    lines: list[tuple[str, str]] = [
        ("title", f"Templat Capaian Kinerja Tahun {spec.tahun} ({spec.periode})"),
        ("bold", f"{opd['nama_opd']} — {spec.pemda['nama_pemda']}"),
        ("text", f"Kode OPD: {opd['kode_opd']}    Kode Pemda: {spec.kode_pemda}"),
        ("bold", f"Batas pengumpulan: {batas} pukul 24.00 {spec.zona_waktu}"),
        ("bold", f"Kirim ke: {kontak}" if kontak else "Kirim ke: sekretariat SAKIP"),
        ("text", ""),
    ]
    if opd.get("visi"):
        lines += [("bold", "Visi"), ("wrap", opd["visi"])]
    if opd.get("misi"):
        lines.append(("bold", "Misi"))
        lines += [("wrap", m.strip()) for m in opd["misi"].split("\n") if m.strip()]
    if opd.get("visi") or opd.get("misi"):
        lines.append(("text", ""))
    lines += [
        ("head", "Cara mengisi"),
        (
            "wrap",
            "1. Isi hanya sel berwarna kuning. Sel abu-abu (kode, indikator, satuan, target, "
            "pagu) terkunci dan berasal dari RPJMD/Perjanjian Kinerja; perubahan pada sel itu "
            "akan ditolak saat pemeriksaan.",
        ),
        (
            "wrap",
            "2. Sheet 'Indikator': OPD Anda tidak memegang indikator kinerja di master spec, "
            "jadi sheet ini kosong dan tidak perlu diisi.",
        )
        if spec.indikator_opd(opd["kode_opd"]).empty
        else (
            "wrap",
            "2. Sheet 'Indikator': isi Realisasi Tahunan. Jika Realisasi Tahunan kosong, nilai "
            "tahunan dihitung dari Realisasi TW I–IV menurut kolom 'Cara Rekap TW' (lihat "
            "di bawah). Tulis angka saja, tanpa satuan (contoh: 10,39 bukan '10,39%' atau "
            "0,1039). Bila datanya belum tersedia, tulis n/a dan jelaskan alasannya di Faktor "
            "Penghambat (bila muncul peringatan 'Harus angka', lanjutkan); sel yang dibiarkan "
            "kosong dianggap belum melapor.",
        ),
        (
            "wrap",
            "3. Untuk indikator kualitatif (misalnya Opini BPK), pilih nilai dari daftar pilihan "
            "di sel tersebut.",
        ),
        (
            "wrap",
            "4. Isi Faktor Pendorong, Faktor Penghambat dan Tindak Lanjut. Faktor Penghambat "
            "wajib diisi bila realisasi belum mencapai target.",
        ),
        (
            "wrap",
            "5. Kolom 'Capaian menurut OPD' boleh diisi dengan persentase capaian yang Anda "
            "hitung sendiri; sekretariat menghitung ulang dan memberi tahu bila berbeda.",
        ),
        (
            "wrap",
            "6. Sheet 'Anggaran' dan 'Renja': OPD Anda tidak memegang program di master spec, "
            "jadi kedua sheet ini kosong dan tidak perlu diisi.",
        )
        if spec.program_opd(opd["kode_opd"]).empty
        else (
            "wrap",
            "6. Sheet 'Anggaran': isi Realisasi Anggaran (Rp) setiap program dalam Rupiah "
            "penuh, angka saja tanpa 'Rp' (Rp 1,5 juta ditulis 1500000, bukan 1.500 atau 1,5). "
            "Realisasi tidak boleh melebihi pagu.",
        ),
        (
            "wrap",
            "7. Sheet 'Renja' (evaluasi Renja, Tabel E.81): untuk setiap program dan kegiatan "
            "isi Realisasi K (hasil indikator) dan Realisasi Rp (belanja) triwulan itu saja, "
            "bukan jumlah sampai triwulan itu; TW yang belum berjalan dikosongkan. Rp juga "
            "dalam Rupiah penuh.",
        ),
        (
            "wrap",
            "8. Jangan menambah, menghapus atau memindahkan baris, kolom atau sheet, dan jangan "
            "mengganti nama berkas menjadi format lain. Simpan sebagai .xlsx lalu kirim kembali "
            f"paling lambat {batas}.",
        ),
        ("text", ""),
        ("head", "Yang diisi di kolom TW (contoh TW II), menurut Cara Rekap TW indikator"),
        *[("wrap", f"• {name}: {what}") for name, what in AGREGASI_TEXT.values()],
        ("text", ""),
        ("head", "Polaritas (arah baik) indikator"),
        *[("wrap", f"• {line}") for line in _polarity_lines(spec)],
        ("text", ""),
        ("input", "Sel isian (boleh diubah)"),
        ("locked", "Sel terkunci (jangan diubah)"),
    ]
    sizes = {"title": 14.0, "head": 11.0}
    for row, (style, text) in enumerate(lines):
        size, bold = sizes.get(style, FONT_PT), style in ("title", "head", "bold")
        height = row_height((text, PETUNJUK_WIDTH), font_pt=size, unit_pt=FONT_PT, bold=bold)
        one_line = row_height(("", PETUNJUK_WIDTH), font_pt=size, unit_pt=FONT_PT, bold=bold)
        if style == "wrap" or height > one_line:
            # a long OPD and Pemda name ran past the column onto a page of its own
            ws.write_string(row, 1, text, fmt[style if style == "wrap" else f"{style}_wrap"])
            ws.set_row(row, height)
        else:
            ws.write_string(row, 1, text, fmt[style])
    ws.set_portrait()
    ws.set_paper(9)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    scale = fit_scale([3, PETUNJUK_WIDTH], landscape=False, font_pt=FONT_PT)
    ws.set_print_scale(scale)
    size = footer_pt(scale)
    ws.set_footer(
        f"&L&{size}{opd['kode_opd']}&C&{size}Petunjuk&R&{size}Halaman &P dari &N",
        {"scale_with_doc": False},
    )
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})


def _print_setup(ws: Worksheet, widths: list[float], title: str) -> None:
    """A4 landscape at a scale that keeps 10 pt text at 7 pt or more; columns too wide for
    one page go to further pages with the code and name columns repeated."""
    scale = fit_scale(widths, landscape=True, font_pt=FONT_PT)
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_print_scale(scale)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.repeat_rows(0, HEADER_ROW - 1)
    breaks = panels(widths, 3, scale, landscape=True, font_pt=FONT_PT)
    if breaks:
        ws.repeat_columns(0, 2)
        ws.set_v_pagebreaks(breaks)
        ws.print_across()
    size = footer_pt(scale)
    ws.set_footer(f"&L&{size}{title}&R&{size}Halaman &P dari &N", {"scale_with_doc": False})


def _header(ws: Worksheet, columns: tuple[Column, ...], fmt: dict, extra: str = "") -> None:
    headers = [(c.shown, c.width) for c in columns] + ([(extra, ROLLUP_WIDTH)] if extra else [])
    ws.set_row(HEADER_ROW - 1, row_height(*headers, font_pt=FONT_PT, unit_pt=FONT_PT, bold=True))
    for col, (header, width) in enumerate(headers):
        ws.write_string(HEADER_ROW - 1, col, header, fmt["header"])
        ws.set_column(col, col, width)
    ws.freeze_panes(HEADER_ROW, 3)


def _title(
    ws: Worksheet,
    title: str,
    spec: MasterSpec,
    opd: dict[str, str],
    fmt: dict,
    columns: tuple[Column, ...],
) -> None:
    """The sheet's three title rows. A line wider than the first three columns (the ones
    printed again on every further page of a wide sheet) wraps inside them: there it ran on
    under the next columns and was cut at the page's edge, the deadline with it."""
    ws.write_string(0, 0, title, fmt["title"])
    width = sum(c.width for c in columns[:3])
    lines = (
        (f"{opd['nama_opd']} ({opd['kode_opd']})", "bold", True),
        (
            f"{spec.pemda['nama_pemda']} — Tahun {spec.tahun} — batas pengumpulan "
            f"{texts.tanggal(str(spec.pemda['batas_pengumpulan']))}",
            "text",
            False,
        ),
    )
    for row, (text, style, bold) in enumerate(lines, start=1):
        if wrapped_lines(text, width, FONT_PT, FONT_PT, bold) <= 1:
            ws.write_string(row, 0, text, fmt[style])
            continue
        ws.merge_range(row, 0, row, 2, text, fmt[f"{style}_wrap"])
        ws.set_row(row, row_height((text, width), font_pt=FONT_PT, unit_pt=FONT_PT, bold=bold))


def _finite(value: object) -> float | None:
    """A real finite float, or None (NaN and None from DataFrames included)."""
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def build_template(spec: MasterSpec, kode_opd: str, path: Path) -> Path:
    """Write the blank template of one OPD for the spec's year to ``path`` and return it."""
    opd = {str(k): str(v) for k, v in spec.opd.set_index("kode_opd").loc[kode_opd].items()}
    opd["kode_opd"] = kode_opd
    indikator = spec.indikator_opd(kode_opd)
    program = spec.program_opd(kode_opd)
    path.parent.mkdir(parents=True, exist_ok=True)
    base = {"font_name": "Arial", "font_size": FONT_PT, "valign": "top"}
    wb = SafeWorkbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            # the unit of column widths: the same font as the cells, alike in Excel and
            # LibreOffice (see pipeline.layout)
            "default_format_properties": {"font_name": "Arial", "font_size": FONT_PT},
        },
    )
    created = dt.datetime(spec.tahun, 1, 1)
    wb.set_properties(
        {
            "title": f"Templat capaian kinerja {opd['nama_opd']} {spec.tahun}",
            "author": str(spec.pemda["nama_pemda"]),
            "created": created,
        }
    )
    locked = {**base, "bg_color": LOCKED_FILL, "border": 1}
    fmt = {
        "title": wb.add_format({**base, "bold": True, "font_size": 14}),
        "head": wb.add_format({**base, "bold": True, "font_size": 11}),
        "bold": wb.add_format({**base, "bold": True}),
        "text": wb.add_format(base),
        "wrap": wb.add_format({**base, "text_wrap": True}),
        "title_wrap": wb.add_format({**base, "bold": True, "font_size": 14, "text_wrap": True}),
        "head_wrap": wb.add_format({**base, "bold": True, "font_size": 11, "text_wrap": True}),
        "bold_wrap": wb.add_format({**base, "bold": True, "text_wrap": True}),
        "text_wrap": wb.add_format({**base, "text_wrap": True}),
        "header": wb.add_format(
            {
                **base,
                "bold": True,
                "text_wrap": True,
                "bg_color": "#D9E1F2",
                "border": 1,
                "valign": "vcenter",
            }
        ),
        "locked": wb.add_format({**locked, "text_wrap": True}),
        "input": wb.add_format(
            {**base, "bg_color": INPUT_FILL, "border": 1, "locked": False, "text_wrap": True}
        ),
        "input_num": wb.add_format(
            {
                **base,
                "bg_color": INPUT_FILL,
                "border": 1,
                "locked": False,
                "num_format": f"{texts.LOKAL}General",
            }
        ),
        "input_rp": wb.add_format(
            {
                **base,
                "bg_color": INPUT_FILL,
                "border": 1,
                "locked": False,
                "num_format": texts.format_angka(0),
            }
        ),
    }
    number_formats: dict[int, object] = {}

    def locked_number(places: int) -> object:
        if places not in number_formats:
            number_formats[places] = wb.add_format(
                {**locked, "num_format": texts.format_angka(places)}
            )
        return number_formats[places]

    _petunjuk(wb.add_worksheet(SHEET_PETUNJUK), spec, opd, fmt)

    ws = wb.add_worksheet(SHEET_INDIKATOR)
    _title(ws, "Realisasi Indikator Kinerja", spec, opd, fmt, INDIKATOR_COLUMNS)
    _header(ws, INDIKATOR_COLUMNS, fmt, ROLLUP_HEADER)
    rollup_col = len(INDIKATOR_COLUMNS)
    for i, rec in enumerate(indikator.to_dict("records")):
        row = HEADER_ROW + i
        rollup = AGREGASI_TEXT.get(str(rec.get("agregasi_tw") or "nilai_akhir"))
        rollup_name, rollup_what = rollup if rollup else ("", "")
        ws.set_row(
            row,
            row_height(
                (str(rec["uraian"]), INDIKATOR_COLUMNS[2].width),
                (str(rec["satuan"]), INDIKATOR_COLUMNS[3].width),
                (rollup_name, ROLLUP_WIDTH),
                font_pt=FONT_PT,
                unit_pt=FONT_PT,
            ),
        )
        values = {
            "kode_indikator": rec["kode_indikator"],
            "kode_sasaran": rec["kode_sasaran"],
            "uraian_indikator": rec["uraian"],
            "satuan": rec["satuan"],
            "polaritas": rec["polaritas"],
            "target": rec["target_teks"],
        }
        ladder = spec.tangga.get(rec["tangga"]) if rec["polaritas"] == "kualitatif" else None
        for col, c in enumerate(INDIKATOR_COLUMNS):
            if not c.editable:
                value = values[c.key]
                number = _finite(rec["target_nilai"]) if c.key == "target" else None
                if number is not None:  # at its own precision: 0,0029 stays 0,0029
                    ws.write_number(row, col, number, locked_number(texts.desimal(number)))
                else:
                    ws.write_string(row, col, str(value), fmt["locked"])
                continue
            ws.write_blank(row, col, None, fmt["input_num" if c.kind == "angka" else "input"])
            if c.kind != "angka":
                continue
            if ladder and c.key.startswith("realisasi"):
                ws.data_validation(row, col, row, col, _ladder_validation(ladder))
            else:
                tw = c.key.startswith("realisasi_tw") and rollup is not None
                ws.data_validation(
                    row,
                    col,
                    row,
                    col,
                    {
                        "validate": "decimal",
                        "criteria": "between",
                        "minimum": -BATAS_WAJAR,
                        "maximum": BATAS_WAJAR,
                        "error_type": "warning",
                        "error_title": "Harus angka",
                        "error_message": "Isi dengan angka saja, tanpa satuan atau tanda %.",
                        **(
                            {
                                "input_title": f"TW: {rollup_name}"[:32],
                                "input_message": rollup_what[:255],
                            }
                            if tw
                            else {}
                        ),
                    },
                )
        ws.write_string(row, rollup_col, rollup_name, fmt["locked"])
    widths = [c.width for c in INDIKATOR_COLUMNS] + [ROLLUP_WIDTH]
    _print_setup(ws, widths, f"{opd['kode_opd']} · Indikator")
    ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True})

    ws = wb.add_worksheet(SHEET_ANGGARAN)
    _title(ws, "Realisasi Anggaran per Program", spec, opd, fmt, ANGGARAN_COLUMNS)
    _header(ws, ANGGARAN_COLUMNS, fmt)
    for i, rec in enumerate(program.to_dict("records")):
        row = HEADER_ROW + i
        ws.set_row(
            row,
            row_height(
                (str(rec["uraian"]), ANGGARAN_COLUMNS[1].width), font_pt=FONT_PT, unit_pt=FONT_PT
            ),
        )
        ws.write_string(row, 0, rec["kode_program"], fmt["locked"])
        ws.write_string(row, 1, rec["uraian"], fmt["locked"])
        ws.write_string(row, 2, rec["kode_sasaran"], fmt["locked"])
        ws.write_number(
            row, 3, rec["pagu"], locked_number(0 if texts.desimal(rec["pagu"], 2) == 0 else 2)
        )
        ws.write_blank(row, 4, None, fmt["input_rp"])
        ws.data_validation(
            row,
            4,
            row,
            4,
            {
                "validate": "decimal",
                "criteria": ">=",
                "value": 0,
                "error_type": "warning",
                "error_title": "Harus angka ≥ 0",
                "error_message": "Isi realisasi dalam Rupiah, angka saja.",
            },
        )
        ws.write_blank(row, 5, None, fmt["input"])
    _print_setup(ws, [c.width for c in ANGGARAN_COLUMNS], f"{opd['kode_opd']} · Anggaran")
    ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True})

    ws = wb.add_worksheet(SHEET_RENJA)
    _title(
        ws,
        "Realisasi Program dan Kegiatan per Triwulan (Evaluasi Renja)",
        spec,
        opd,
        fmt,
        RENJA_COLUMNS,
    )
    _header(ws, RENJA_COLUMNS, fmt)
    _renja_rows(ws, spec, kode_opd, fmt, locked_number)
    _print_setup(ws, [c.width for c in RENJA_COLUMNS], f"{opd['kode_opd']} · Renja")
    ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True})

    meta = wb.add_worksheet(SHEET_META)
    values = {
        "versi_templat": TEMPLATE_VERSION,
        "kode_pemda": spec.kode_pemda,
        "kode_opd": kode_opd,
        "nama_opd": opd["nama_opd"],
        "tahun": str(spec.tahun),
        "periode": spec.periode,
        "sidik_spec": spec.fingerprint(kode_opd),
        "jumlah_indikator": str(len(indikator)),
        "jumlah_program": str(len(program)),
    }
    meta.write_string(0, 0, "kunci")
    meta.write_string(0, 1, "nilai")
    for row, key in enumerate(META_KEYS, start=1):
        meta.write_string(row, 0, key)
        meta.write_string(row, 1, values[key])
    meta.hide()
    meta.protect("")
    wb.worksheets()[1].activate()
    wb.close()
    return path


def _ladder_validation(ladder: list[str]) -> dict[str, Any]:
    """The dropdown of a kualitatif cell. Excel keeps 255 characters of a list, a prompt and
    an error message, and the writer drops a validation past any of them: the messages are
    shortened to fit, and a list too long for a dropdown (a WARNING of the spec,
    ``spec.tangga_panjang``) becomes a prompt naming the values, to be typed."""
    # 'n/a' (data not available, its reason in Faktor Penghambat, as the Petunjuk says) is
    # one of the choices: a list allows nothing else to be typed
    choices = [*ladder, *(["n/a"] if "n/a" not in [v.lower() for v in ladder] else [])]
    listed = ", ".join(choices)

    def fit(text: str, short: str) -> str:
        return text if len(text) <= 255 else short

    if len(",".join(choices)) > 255:
        return {
            "validate": "any",
            "input_title": "Ketik nilai",
            "input_message": fit(
                "Ketik salah satu: " + listed,
                "Ketik salah satu nilai tangga indikator ini (lihat master spec).",
            ),
        }
    return {
        "validate": "list",
        "source": choices,
        "input_title": "Pilih nilai",
        "input_message": fit("Pilih dari daftar: " + listed, "Pilih dari daftar."),
        "error_title": "Nilai tidak dikenal",
        "error_message": fit("Pilih salah satu: " + listed, "Pilih salah satu nilai daftar."),
    }


def renja_items(spec: MasterSpec, kode_opd: str) -> list[tuple[str, str, float, list[dict]]]:
    """The OPD's programs, each followed by its kegiatan: (code, uraian, pagu, indicators)."""
    ind = spec.indikator_renja
    by_parent: dict[str, list[dict]] = {}
    for rec in ind.to_dict("records") if not ind.empty else []:
        by_parent.setdefault(str(rec["kode_kegiatan"] or rec["kode_program"]), []).append(rec)
    keg = spec.kegiatan
    items = []
    for rec in spec.program_opd(kode_opd).to_dict("records"):
        code = str(rec["kode_program"])
        items.append((code, str(rec["uraian"]), float(rec["pagu"]), by_parent.get(code, [])))
        if not keg.empty:
            for k in keg[keg["kode_program"] == code].to_dict("records"):
                kk = str(k["kode_kegiatan"])
                items.append((kk, str(k["uraian"]), float(k["pagu"]), by_parent.get(kk, [])))
    return items


def _renja_rows(
    ws: Worksheet,
    spec: MasterSpec,
    kode_opd: str,
    fmt: dict,
    locked_number: Callable[[int], object],
) -> int:
    """One row per indicator of each program and kegiatan (one row when it has none): K inputs
    on indicator rows, Rp inputs and the follow-up text on the first row of each item."""
    row = HEADER_ROW
    k_cols = [i for i, c in enumerate(RENJA_COLUMNS) if c.key.startswith("k_tw")]
    rp_cols = [i for i, c in enumerate(RENJA_COLUMNS) if c.key.startswith("rp_tw")]
    text_col = len(RENJA_COLUMNS) - 1
    number_rule = {
        "validate": "decimal",
        "criteria": "between",
        "minimum": -1e15,
        "maximum": 1e15,
        "error_type": "warning",
        "error_title": "Harus angka",
        "error_message": "Isi dengan angka saja, tanpa satuan atau tanda %.",
    }
    rp_rule = {
        "validate": "decimal",
        "criteria": ">=",
        "value": 0,
        "error_type": "warning",
        "error_title": "Harus angka ≥ 0",
        "error_message": "Isi realisasi triwulan itu dalam Rupiah, angka saja.",
    }
    for code, uraian, pagu, indicators in renja_items(spec, kode_opd):
        rows: list[dict | None] = list(indicators) or [None]
        for i, ind in enumerate(rows):
            first = i == 0
            texts = [
                (uraian if first else "", RENJA_COLUMNS[1].width),
                (str(ind["uraian"]) if ind else "", RENJA_COLUMNS[3].width),
            ]
            ws.set_row(row, row_height(*texts, font_pt=FONT_PT, unit_pt=FONT_PT))
            ws.write_string(row, 0, code, fmt["locked"])
            ws.write_string(row, 1, uraian if first else "", fmt["locked"])
            ws.write_string(row, 2, str(ind["kode_indikator"]) if ind else "", fmt["locked"])
            ws.write_string(row, 3, str(ind["uraian"]) if ind else "", fmt["locked"])
            ws.write_string(row, 4, str(ind["satuan"]) if ind else "", fmt["locked"])
            target = _finite(ind["target"]) if ind else None
            if target is not None:
                ws.write_number(row, 5, target, locked_number(texts_desimal(target)))
            else:
                ws.write_blank(row, 5, None, fmt["locked"])
            if first:
                ws.write_number(
                    row, 6, pagu, locked_number(0 if texts_desimal(pagu, 2) == 0 else 2)
                )
            else:
                ws.write_blank(row, 6, None, fmt["locked"])
            for col in k_cols:
                if ind:
                    ws.write_blank(row, col, None, fmt["input_num"])
                    ws.data_validation(row, col, row, col, number_rule)
                else:
                    ws.write_blank(row, col, None, fmt["locked"])
            for col in rp_cols:
                if first:
                    ws.write_blank(row, col, None, fmt["input_rp"])
                    ws.data_validation(row, col, row, col, rp_rule)
                else:
                    ws.write_blank(row, col, None, fmt["locked"])
            ws.write_blank(row, text_col, None, fmt["input"] if first else fmt["locked"])
            row += 1
    return row


def texts_desimal(value: float, maks: int = 6) -> int:
    return texts.desimal(value, maks)


def template_filename(spec: MasterSpec, kode_opd: str) -> str:
    """Conventional file name of an OPD's template, e.g. ``1275_2018_DINKES.xlsx``."""
    return f"{spec.kode_pemda}_{spec.tahun}_{kode_opd}.xlsx"
