"""Synthetic Pemda of any size: a master spec and filled OPD files, seeded and deterministic.

Two steps, usable from code (``scripts.synthetic``) and from the command line:

- :func:`make_spec` writes a master spec of a given size (OPDs, indicators and programs per OPD,
  polarity mix, qualitative ladders, programs linked to Sasaran) that ``read_master`` accepts.
- :func:`fill` writes N filled OPD files for ANY master spec. Each file is a real template made
  by ``pipeline.template.build_template`` (one per OPD), filled by patching the cell values into
  the template's sheet XML, so thousands of files take seconds, not minutes. Values are
  realistic: numbers near their target with spread, some OPDs reporting quarterly values only,
  ladder values for qualitative indicators, numbers typed as text with a decimal comma, narrative
  text, budget realisations, the OPD's own capaian, a few empty cells; on request a few broken,
  late and duplicate (older, superseded) files.

Same arguments and seed, same bytes. Nothing generated is meant to be committed.

    .venv/bin/python scripts/synthetic.py spec /tmp/pemda.xlsx --opd 200 --indikator 12
    .venv/bin/python scripts/synthetic.py fill --spec /tmp/pemda.xlsx --output /tmp/masuk \\
        --files 200 --broken 2 --late 3 --duplicates 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import xlsxwriter  # noqa: E402

from pipeline import template as tpl  # noqa: E402
from pipeline.master import MasterSpec, read_master  # noqa: E402
from scripts import xlsx_fill  # noqa: E402

POLARITY_MIX = (("naik", 0.6), ("turun", 0.2), ("range", 0.1), ("kualitatif", 0.1))
LADDERS = {
    "opini_bpk": ["TMP", "TW", "WDP", "WTP"],
    "nilai_sakip": ["D", "C", "CC", "B", "BB", "A", "AA"],
}
BROKEN_KINDS = ("terpotong", "bukan_angka", "pdf", "tahun_salah")

_OPD_NAMES = [
    ("Dinas Pendidikan", "Disdik", "Dinas"),
    ("Dinas Kesehatan", "Dinkes", "Dinas"),
    ("Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PUPR", "Dinas"),
    ("Dinas Perumahan Rakyat dan Kawasan Permukiman", "Disperkim", "Dinas"),
    ("Dinas Sosial", "Dinsos", "Dinas"),
    ("Dinas Tenaga Kerja", "Disnaker", "Dinas"),
    ("Dinas Lingkungan Hidup", "DLH", "Dinas"),
    ("Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil", "Dinas"),
    ("Dinas Perhubungan", "Dishub", "Dinas"),
    ("Dinas Komunikasi dan Informatika", "Diskominfo", "Dinas"),
    ("Dinas Koperasi dan Usaha Mikro", "Diskop UM", "Dinas"),
    ("Dinas Pemuda dan Olahraga", "Dispora", "Dinas"),
    ("Dinas Pariwisata dan Kebudayaan", "Disparbud", "Dinas"),
    ("Dinas Pertanian dan Ketahanan Pangan", "Distan", "Dinas"),
    ("Dinas Perdagangan dan Perindustrian", "Disperindag", "Dinas"),
    ("Badan Perencanaan Pembangunan Daerah", "Bappeda", "Badan"),
    ("Badan Keuangan dan Aset Daerah", "BKAD", "Badan"),
    ("Badan Kepegawaian dan Pengembangan SDM", "BKPSDM", "Badan"),
    ("Badan Penanggulangan Bencana Daerah", "BPBD", "Badan"),
    ("Inspektorat Daerah", "Inspektorat", "Inspektorat"),
    ("Sekretariat Daerah", "Setda", "Sekretariat"),
    ("Sekretariat DPRD", "Setwan", "Sekretariat"),
    ("Satuan Polisi Pamong Praja", "Satpol PP", "Satuan"),
]
_KECAMATAN = ["Utara", "Selatan", "Timur", "Barat", "Tengah", "Kota", "Pesisir", "Hulu", "Hilir"]

_INDICATORS = {
    "persen": [
        "Persentase penduduk yang memiliki jaminan kesehatan",
        "Angka partisipasi murni SD/MI",
        "Persentase jalan dalam kondisi mantap",
        "Cakupan layanan air minum layak",
        "Persentase rumah tangga dengan sanitasi layak",
        "Tingkat penyelesaian pengaduan masyarakat",
        "Persentase ASN yang mengikuti pengembangan kompetensi",
        "Realisasi pendapatan asli daerah terhadap target",
    ],
    "persen_turun": [
        "Persentase penduduk miskin",
        "Tingkat pengangguran terbuka",
        "Prevalensi balita stunting",
        "Persentase rumah tidak layak huni",
        "Angka putus sekolah SMP",
    ],
    "angka": [
        ("Jumlah wirausaha baru", "orang"),
        ("Jumlah kunjungan wisatawan", "orang"),
        ("Jumlah UMKM yang dibina", "unit"),
        ("Panjang jalan yang ditingkatkan", "km"),
        ("Jumlah dokumen perencanaan yang ditetapkan", "dokumen"),
        ("Jumlah desa/kelurahan tangguh bencana", "kelurahan"),
    ],
    "angka_turun": [
        ("Angka kematian bayi", "per 1000 KH"),
        ("Rata-rata waktu layanan perizinan", "hari"),
        ("Jumlah kejadian kebakaran", "kejadian"),
    ],
    "range": [
        ("Rasio guru terhadap murid", "rasio"),
        ("Laju inflasi daerah", "%"),
        ("Rasio dokter per 1000 penduduk", "per 1000"),
    ],
    "kualitatif": [
        ("Opini BPK atas laporan keuangan", "opini", "opini_bpk"),
        ("Nilai SAKIP perangkat daerah", "predikat", "nilai_sakip"),
    ],
}
_PENDORONG = [
    "Dukungan pimpinan dan koordinasi yang baik dengan OPD terkait.",
    "Ketersediaan anggaran dan sumber daya manusia yang memadai.",
    "Partisipasi aktif masyarakat dan dukungan pemangku kepentingan.",
    "- Pemanfaatan aplikasi pelaporan daring\n- Pendampingan teknis dari provinsi",
]
_PENGHAMBAT = [
    "Keterbatasan anggaran sehingga sebagian kegiatan ditunda.",
    "- Koordinasi lintas OPD belum optimal\n- Data pendukung terlambat diterima",
    "Jumlah tenaga teknis terbatas dibandingkan beban kerja.",
    "Pengadaan barang dan jasa mundur dari jadwal.",
]
_TINDAK_LANJUT = [
    "Meningkatkan koordinasi dan evaluasi berkala setiap triwulan.",
    "Mengusulkan tambahan anggaran pada perubahan APBD tahun berikutnya.",
    "Menyusun rencana aksi percepatan bersama OPD terkait.",
]
_KETERANGAN = ["", "", "", "Sisa tender", "Efisiensi belanja", "Kegiatan fisik selesai"]


# --- the master spec ----------------------------------------------------------------------


def _pick(rng: random.Random, mix: tuple[tuple[str, float], ...]) -> str:
    x, acc = rng.random() * sum(w for _, w in mix), 0.0
    for name, weight in mix:
        acc += weight
        if x < acc:
            return name
    return mix[-1][0]


def _opd_rows(count: int) -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(count):
        if i < len(_OPD_NAMES):
            nama, alias, jenis = _OPD_NAMES[i]
        else:
            n = i - len(_OPD_NAMES)
            nama = f"Kecamatan {_KECAMATAN[n % len(_KECAMATAN)]} {n // len(_KECAMATAN) + 1}"
            alias = f"Kec. {nama.removeprefix('Kecamatan ')}"
            jenis = "Kecamatan"
        rows.append([f"OPD{i + 1:04d}", nama, alias, jenis, "", "", ""])
    return rows


def _indicator(
    rng: random.Random, polaritas: str, tahun: int, years: list[int]
) -> dict[str, object]:
    """One indicator's description, unit, type, ladder, roll-up and its yearly targets."""
    targets: dict[int, object] = {}
    if polaritas == "kualitatif":
        uraian, satuan, tangga = rng.choice(_INDICATORS["kualitatif"])
        ladder = LADDERS[tangga]
        top = rng.randrange(len(ladder) // 2, len(ladder))
        for y in years:
            targets[y] = ladder[min(len(ladder) - 1, top + (y > tahun))]
        return {
            "uraian": uraian,
            "satuan": satuan,
            "tipe_nilai": "kualitatif",
            "tangga": tangga,
            "agregasi_tw": "nilai_akhir",
            "targets": targets,
        }
    if polaritas == "range":
        uraian, satuan = rng.choice(_INDICATORS["range"])
        low = rng.choice([1, 2, 3, 20, 60, 80])
        width = max(1, round(low * rng.uniform(0.1, 0.4)))
        for y in years:
            targets[y] = f"{low} - {low + width}"
        return {
            "uraian": uraian,
            "satuan": satuan,
            "tipe_nilai": "angka",
            "tangga": "",
            "agregasi_tw": "rata_rata",
            "targets": targets,
        }
    persen = rng.random() < 0.55
    if persen:
        uraian = rng.choice(_INDICATORS["persen" if polaritas == "naik" else "persen_turun"])
        satuan = "%"
        base = rng.uniform(55, 95) if polaritas == "naik" else rng.uniform(2, 25)
        step = rng.uniform(0.5, 2.0) * (1 if polaritas == "naik" else -0.3)
        for y in years:
            targets[y] = round(min(99.5, max(0.1, base + step * (y - years[0]))), 2)
        agregasi = "nilai_akhir"
    else:
        uraian, satuan = rng.choice(_INDICATORS["angka" if polaritas == "naik" else "angka_turun"])
        base = rng.choice([12, 25, 40, 150, 480, 1200, 5000])
        step = max(1, round(base * rng.uniform(0.02, 0.08)))
        for y in years:
            delta = step * (y - years[0])
            targets[y] = base + delta if polaritas == "naik" else max(1, base - delta)
        agregasi = "kumulatif" if polaritas == "naik" else rng.choice(["nilai_akhir", "rata_rata"])
    return {
        "uraian": uraian,
        "satuan": satuan,
        "tipe_nilai": "persen" if persen else "angka",
        "tangga": "",
        "agregasi_tw": agregasi,
        "targets": targets,
    }


def spec_rows(
    opd: int = 40,
    indikator: int = 12,
    program: int = 5,
    seed: int = 0,
    tahun: int = 2024,
    kode_pemda: str = "9901",
    polarity_mix: tuple[tuple[str, float], ...] = POLARITY_MIX,
) -> dict[str, list[list[object]]]:
    """The sheets of a synthetic master spec as rows (first row = column names)."""
    rng = random.Random(f"spec/{seed}/{opd}/{indikator}/{program}")
    awal, akhir = tahun - 3, tahun + 2
    years = list(range(tahun, akhir + 1))
    n_misi = max(3, min(9, opd // 8 + 3))
    n_tujuan = n_misi * 2
    n_sasaran = max(4, round(opd * 0.8))
    opd_rows = _opd_rows(opd)
    sheets: dict[str, list[list[object]]] = {
        "pemda": [
            [
                "kode_pemda",
                "nama_pemda",
                "periode_awal",
                "periode_akhir",
                "tahun_laporan",
                "periode",
                "batas_pengumpulan",
                "visi",
            ],
            [
                kode_pemda,
                "Pemerintah Kabupaten Sintetis",
                awal,
                akhir,
                tahun,
                "Tahunan",
                f"{tahun + 1}-01-31",
                "Kabupaten Sintetis yang maju, sejahtera dan berkelanjutan",
            ],
        ],
        "opd": [["kode_opd", "nama_opd", "alias", "jenis", "email", "visi", "misi"], *opd_rows],
        "misi": [["kode_misi", "uraian"]]
        + [[f"M{m + 1}", f"Misi pembangunan ke-{m + 1}"] for m in range(n_misi)],
        "tujuan": [["kode_tujuan", "kode_misi", "uraian"]]
        + [
            [f"T{t + 1}", f"M{t % n_misi + 1}", f"Tujuan pembangunan ke-{t + 1}"]
            for t in range(n_tujuan)
        ],
        "sasaran": [["kode_sasaran", "kode_tujuan", "uraian"]]
        + [
            [f"S{s + 1}", f"T{s % n_tujuan + 1}", f"Meningkatnya kinerja urusan ke-{s + 1}"]
            for s in range(n_sasaran)
        ],
    }
    ind_rows: list[list[object]] = [
        [
            "kode_indikator",
            "kode_sasaran",
            "uraian",
            "satuan",
            "polaritas",
            "tipe_nilai",
            "tangga",
            "agregasi_tw",
            "bobot",
            *[f"target_{y}" for y in years],
            "kode_opd",
            "batas_wajar_min",
            "batas_wajar_max",
        ]
    ]
    prog_rows: list[list[object]] = [
        ["kode_program", "uraian", "kode_opd", "kode_sasaran", f"pagu_{tahun}"]
    ]
    codes = [str(r[0]) for r in opd_rows]
    for i, kode in enumerate(codes):
        home = f"S{i % n_sasaran + 1}"
        other = f"S{(i * 7 + 3) % n_sasaran + 1}"
        count = max(1, indikator + rng.randint(-max(1, indikator // 4), max(1, indikator // 4)))
        for j in range(count):
            polaritas = _pick(rng, polarity_mix)
            ind = _indicator(rng, polaritas, tahun, years)
            owner = kode
            if i + 1 < len(codes) and rng.random() < 0.02:  # reported by two OPDs together
                owner = f"{kode}; {codes[i + 1]}"
            plausible = ind["tipe_nilai"] == "persen" and rng.random() < 0.5
            targets: dict[int, object] = ind["targets"]  # type: ignore[assignment]
            ind_rows.append(
                [
                    f"IK{i + 1:04d}.{j + 1:02d}",
                    home if j % 3 else other,
                    f"{ind['uraian']} ({kode} #{j + 1})",
                    ind["satuan"],
                    polaritas,
                    ind["tipe_nilai"],
                    ind["tangga"],
                    ind["agregasi_tw"],
                    rng.choice([1, 1, 1, 2, 3]),
                    *[targets[y] for y in years],
                    owner,
                    0 if plausible else "",
                    100 if plausible else "",
                ]
            )
        for k in range(max(1, program + rng.randint(-1, 1))):
            prog_rows.append(
                [
                    f"P{i + 1:04d}.{k + 1:02d}",
                    "Program penunjang urusan pemerintahan daerah"
                    if k == 0
                    else f"Program peningkatan layanan urusan ke-{i + 1}.{k + 1}",
                    kode,
                    "" if k == 0 else (home if k % 2 else other),
                    rng.randrange(50, 5000) * 1_000_000,
                ]
            )
    sheets["indikator"] = ind_rows
    sheets["program"] = prog_rows
    sheets["tangga"] = [["tangga", "peringkat", "nilai"]] + [
        [name, rank, value]
        for name, ladder in LADDERS.items()
        for rank, value in enumerate(ladder, start=1)
    ]
    return sheets


def make_spec(path: Path, **size: Any) -> Path:
    """Write a synthetic master spec (sizes and seed as in :func:`spec_rows`) to ``path``."""
    return write_spec(path, spec_rows(**size))


def write_spec(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """Write spec sheets given as rows (first row = column names) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "constant_memory": True},
    )
    wb.set_properties({"title": "Master spec sintetis", "created": dt.datetime(2024, 1, 1)})
    head = wb.add_format({"bold": True})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if r == 0:
                    ws.write_string(r, c, str(value), head)
                elif isinstance(value, int | float):
                    ws.write_number(r, c, value)
                elif value != "":
                    ws.write_string(r, c, str(value))
    wb.close()
    return path


# --- filled files -------------------------------------------------------------------------


@dataclass
class FilePlan:
    """One file to write: whose template, its name, save time and what is special about it."""

    kode_opd: str
    name: str
    modified: str
    variant: str = ""  # '' | 'lama' (an older, superseded version)
    broken: str = ""  # one of BROKEN_KINDS, or ''


def _sub_spec(spec: MasterSpec, kode: str, ind_pos: list[int], prog_pos: list[int]) -> MasterSpec:
    """The spec cut down to one OPD's rows: the same template, built without whole-spec scans."""
    return replace(
        spec,
        opd=spec.opd[spec.opd["kode_opd"] == kode],
        misi=spec.misi.head(0),  # not used by a template; keeps each task small to send
        tujuan=spec.tujuan.head(0),
        sasaran=spec.sasaran.head(0),
        indikator=spec.indikator.iloc[ind_pos],
        program=spec.program.iloc[prog_pos],
        issues=[],
    )


def _positions(spec: MasterSpec) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    ind: dict[str, list[int]] = {}
    for pos, codes in enumerate(spec.indikator["kode_opd_list"]):
        for code in codes:
            ind.setdefault(code, []).append(pos)
    prog: dict[str, list[int]] = {}
    for pos, code in enumerate(spec.program["kode_opd"]):
        prog.setdefault(code, []).append(pos)
    return ind, prog


def _number_text(value: float) -> str:
    """A number as an OPD types it into a text cell: decimal comma, no thousands dots."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _round(value: float, like: float) -> float | int:
    if float(like).is_integer() and abs(like) >= 10:
        return round(value)
    return round(value, 2)


def _indicator_values(
    rng: random.Random,
    rec: dict[str, Any],
    quarterly: bool,
    own_capaian: bool,
    kinerja: float = 1.0,
) -> tuple[dict[str, object], bool]:
    """Cell values of one indicator row (by column key) and whether it fell short.

    ``kinerja`` is how well the Pemda performs: its realisations lie around that share of
    their targets (1.0: around the target; the other direction for lower-is-better ones)."""
    out: dict[str, object] = {}
    if rng.random() < 0.03:  # not reported yet
        return out, True
    polaritas = rec["polaritas"]
    short = False
    if polaritas == "kualitatif":
        ladder = LADDERS.get(rec["tangga"]) or [rec["target_teks"]]
        top = ladder.index(rec["target_teks"]) if rec["target_teks"] in ladder else 0
        worse = 70 * max(0.0, 1.0 - kinerja) * 3  # a weaker Pemda falls a rung more often
        step = rng.choices([0, -1, 1], weights=[max(0.0, 70 - worse), 25 + worse, 5])[0]
        value: object = ladder[max(0, min(len(ladder) - 1, top + step))]
        short = step < 0
        out["realisasi_tw4" if quarterly else "realisasi_tahunan"] = value
        return out, short
    if polaritas == "range":
        low, high = float(rec["target_bawah"]), float(rec["target_atas"])
        width = high - low
        number = rng.uniform(low - 0.15 * width, high + 0.15 * width)
        like = low
        short = not low <= number <= high
    else:
        target = float(rec["target_nilai"])
        centre = kinerja if polaritas == "naik" else 2.0 - kinerja
        factor = max(0.0, rng.gauss(centre, 0.12))
        number = target * factor
        if rec["tipe_nilai"] == "persen":
            number = min(number, 100.0)
        like = target
        short = factor < 1 if polaritas == "naik" else factor > 1
    value = _round(number, like)
    if quarterly:
        numbers = _quarters(rng, float(value), rec["agregasi_tw"])
        for q, part in enumerate(numbers, start=1):
            out[f"realisasi_tw{q}"] = _round(part, like)
    elif rng.random() < 0.03:  # typed as text with a decimal comma, as OPDs often do
        out["realisasi_tahunan"] = _number_text(float(value))
    else:
        out["realisasi_tahunan"] = value
    typed = out.get("realisasi_tahunan")
    if own_capaian and polaritas == "naik" and float(rec["target_nilai"]) and typed == value:
        capaian = round(float(value) / float(rec["target_nilai"]) * 100, 2)
        out["capaian_opd"] = capaian
        if rng.random() < 0.2:  # some OPDs type a formula; the reader sees its cached value
            out["capaian_opd"] = ("{realisasi_tahunan}/{target}*100", capaian)
    return out, short


def _quarters(rng: random.Random, total: float, agregasi: str) -> list[float]:
    if agregasi == "kumulatif":
        weights = [rng.uniform(0.15, 0.35) for _ in range(4)]
        parts = [total * w / sum(weights) for w in weights]
        return parts
    if agregasi == "rata_rata":
        deltas = [rng.uniform(-0.05, 0.05) for _ in range(4)]
        mean = sum(deltas) / 4
        return [total * (1 + d - mean) for d in deltas]
    return [total * f for f in (0.4, 0.6, 0.85, 1.0)]


def _file_values(
    spec: MasterSpec,
    kode: str,
    t: xlsx_fill.Template,
    rng: random.Random,
    plan: FilePlan,
    quarterly: float,
    kinerja: float = 1.0,
) -> dict[str, dict[str, object]]:
    """Every filled cell of one OPD file, by sheet name (``kinerja``: see
    :func:`_indicator_values`)."""
    letter = {
        c.key: tpl.column_letter(tpl.INDIKATOR_COLUMNS, c.key) for c in tpl.INDIKATOR_COLUMNS
    }
    budget = {c.key: tpl.column_letter(tpl.ANGGARAN_COLUMNS, c.key) for c in tpl.ANGGARAN_COLUMNS}
    only_quarters = rng.random() < quarterly
    own = rng.random() < 0.3
    nama = str(spec.opd.loc[spec.opd["kode_opd"] == kode, "nama_opd"].iloc[0])
    ind: dict[str, object] = {}
    for rec in spec.indikator_opd(kode).to_dict("records"):
        row = t.rows_indikator.get(str(rec["kode_indikator"]))
        if row is None:
            continue
        values, short = _indicator_values(rng, rec, only_quarters, own, kinerja)
        if not values:
            if rng.random() < 0.5:
                ind[f"{letter['faktor_penghambat']}{row}"] = "Data belum tersedia dari BPS."
            continue
        refs = {k: f"{letter[k]}{row}" for k in ("realisasi_tahunan", "target")}
        for key, value in values.items():
            formula = isinstance(value, tuple)  # a formula over this row's cells
            ind[f"{letter[key]}{row}"] = (value[0].format(**refs), value[1]) if formula else value
        ind[f"{letter['faktor_pendorong']}{row}"] = rng.choice(_PENDORONG)
        if short:
            ind[f"{letter['faktor_penghambat']}{row}"] = rng.choice(_PENGHAMBAT)
        ind[f"{letter['tindak_lanjut']}{row}"] = rng.choice(_TINDAK_LANJUT)
        ind[f"{letter['sumber_data']}{row}"] = nama
    ang: dict[str, object] = {}
    for rec in spec.program_opd(kode).to_dict("records"):
        row = t.rows_program.get(str(rec["kode_program"]))
        if row is None or rng.random() < 0.03:
            continue
        share = rng.uniform(0.55, 0.99) if rng.random() > 0.005 else rng.uniform(1.01, 1.2)
        ang[f"{budget['realisasi_anggaran']}{row}"] = round(float(rec["pagu"]) * share, -3)
        note = rng.choice(_KETERANGAN)
        if note:
            ang[f"{budget['keterangan']}{row}"] = note
    meta: dict[str, object] = {}
    if plan.broken == "bukan_angka" and t.rows_indikator:
        first = min(t.rows_indikator.values())
        ind[f"{letter['realisasi_tahunan']}{first}"] = "sekitar 80 persen"
    if plan.broken == "tahun_salah" and "tahun" in t.meta_rows:
        meta[f"B{t.meta_rows['tahun']}"] = str(spec.tahun - 1)
    return {tpl.SHEET_INDIKATOR: ind, tpl.SHEET_ANGGARAN: ang, tpl.SHEET_META: meta}


def _write_file(
    t: xlsx_fill.Template, cells: dict[str, dict[str, object]], plan: FilePlan, path: Path
) -> None:
    xlsx_fill.write(t, cells, path, plan.modified)
    if plan.broken == "terpotong":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) * 3 // 5])
    elif plan.broken == "pdf":
        path.write_bytes(
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
        )


def _write_opd(
    job: tuple[MasterSpec, str, list[FilePlan], str, int, float, float],
) -> list[str]:
    """Build one OPD's template and write its planned files (a worker task)."""
    spec, kode, plans, folder, seed, quarterly, kinerja = job
    with tempfile.TemporaryDirectory(prefix="sintetis-") as tmp:
        t = xlsx_fill.build(spec, kode, Path(tmp) / "templat.xlsx")
    written = []
    for plan in plans:
        rng = random.Random(f"fill/{seed}/{kode}/{plan.variant}")
        cells = _file_values(spec, kode, t, rng, plan, quarterly, kinerja)
        path = Path(folder) / plan.name
        _write_file(t, cells, plan, path)
        written.append(str(path))
    return written


def _stamp(deadline: dt.date, rng: random.Random, days: int) -> str:
    day = deadline + dt.timedelta(days=days)
    return f"{day.isoformat()}T{rng.randrange(7, 17):02d}:{rng.randrange(60):02d}:00Z"


def plan_files(
    spec: MasterSpec,
    files: int | None = None,
    seed: int = 0,
    broken: int = 0,
    late: int = 0,
    duplicates: int = 0,
) -> list[FilePlan]:
    """Which files to write: ``files`` in all (default: one per OPD).

    ``duplicates`` of them are older versions of another file of the same OPD (superseded by
    save time); the others go to distinct OPDs in spec order, so OPDs beyond that count have not
    submitted. When ``files`` exceeds the OPD count, the rest are duplicates too. ``broken`` of
    the OPD files are damaged (cycling through :data:`BROKEN_KINDS`), ``late`` are saved after
    the deadline.
    """
    rng = random.Random(f"plan/{seed}")
    codes = [str(k) for k in spec.opd["kode_opd"]]
    names = dict(zip(codes, (str(n) for n in spec.opd["nama_opd"]), strict=True))
    total = len(codes) if files is None else files
    duplicates = max(duplicates, total - len(codes))
    primary = max(0, total - duplicates)
    deadline = dt.date.fromisoformat(str(spec.pemda["batas_pengumpulan"])[:10])
    chosen = codes[:primary]
    broken_at = set(rng.sample(range(len(chosen)), min(broken, len(chosen))))
    late_at = set(rng.sample(range(len(chosen)), min(late, len(chosen))))
    used: set[str] = set()
    plans = []

    def unique(name: str) -> str:
        stem, n = name[: -len(".xlsx")], 2
        while name.lower() in used:
            name, n = f"{stem} ({n}).xlsx", n + 1
        used.add(name.lower())
        return name

    for i, kode in enumerate(chosen):
        when = _stamp(deadline, rng, rng.randint(1, 10) if i in late_at else -rng.randint(1, 25))
        title = re.sub(r'[\\/:*?"<>|]', "-", names[kode])
        kind = (
            BROKEN_KINDS[sorted(broken_at).index(i) % len(BROKEN_KINDS)] if i in broken_at else ""
        )
        plans.append(
            FilePlan(kode, unique(f"{title} - Capaian Kinerja {spec.tahun}.xlsx"), when, "", kind)
        )
    intact = [k for i, k in enumerate(chosen) if i not in broken_at] or chosen
    for d in range(duplicates):
        if not intact:
            break
        kode = intact[(d * 7919) % len(intact)]
        when = _stamp(deadline, rng, -rng.randint(30, 40))
        title = re.sub(r'[\\/:*?"<>|]', "-", names[kode])
        plans.append(FilePlan(kode, unique(f"{title} - draf {d + 1}.xlsx"), when, f"lama{d}"))
    return plans


def fill(
    spec: MasterSpec | Path,
    folder: Path,
    files: int | None = None,
    seed: int = 0,
    broken: int = 0,
    late: int = 0,
    duplicates: int = 0,
    quarterly: float = 0.1,
    jobs: int = 1,
    kinerja: float = 1.0,
) -> list[Path]:
    """Write filled OPD files for ``spec`` into ``folder`` (see :func:`plan_files`).

    ``quarterly`` is the share of OPDs that leave the annual cell empty and report TW I–IV only;
    ``kinerja`` how well the Pemda performs (realisations around that share of the targets).
    ``jobs`` > 1 builds the templates in that many processes (for large Pemdas).
    """
    if not isinstance(spec, MasterSpec):
        loaded, issues = read_master(Path(spec))
        if loaded is None:
            raise SystemExit("\n".join(f"{i.location}: {i.message}" for i in issues))
        spec = loaded
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    plans = plan_files(spec, files, seed, broken, late, duplicates)
    by_opd: dict[str, list[FilePlan]] = {}
    for p in plans:
        by_opd.setdefault(p.kode_opd, []).append(p)
    ind_pos, prog_pos = _positions(spec)
    tasks = [
        (
            _sub_spec(spec, k, ind_pos.get(k, []), prog_pos.get(k, [])),
            k,
            ps,
            str(folder),
            seed,
            quarterly,
            kinerja,
        )
        for k, ps in by_opd.items()
    ]
    if jobs > 1 and len(tasks) >= 32:
        with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
            written = [p for paths in pool.map(_write_opd, tasks, chunksize=16) for p in paths]
    else:
        written = [p for task in tasks for p in _write_opd(task)]
    return [Path(p) for p in written]


def _iter_cli(argv: list[str] | None) -> Iterator[str]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("spec", help="write a synthetic master spec")
    s.add_argument("path", type=Path)
    s.add_argument("--opd", type=int, default=40, help="number of OPDs (default 40)")
    s.add_argument("--indikator", type=int, default=12, help="indicators per OPD (about)")
    s.add_argument("--program", type=int, default=5, help="programs per OPD (about)")
    s.add_argument("--tahun", type=int, default=2024, help="reporting year")
    s.add_argument("--seed", type=int, default=0)
    f = sub.add_parser("fill", help="write filled OPD files for any master spec")
    f.add_argument("--spec", type=Path, required=True)
    f.add_argument("--output", type=Path, required=True)
    f.add_argument("--files", type=int, default=None, help="files in all (default: one per OPD)")
    f.add_argument("--broken", type=int, default=0, help="damaged files among them")
    f.add_argument("--late", type=int, default=0, help="files saved after the deadline")
    f.add_argument("--duplicates", type=int, default=0, help="older, superseded versions")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.command == "spec":
        make_spec(
            args.path,
            opd=args.opd,
            indikator=args.indikator,
            program=args.program,
            tahun=args.tahun,
            seed=args.seed,
        )
        yield f"{args.path} ({time.perf_counter() - started:.1f} s)"
        return
    written = fill(
        args.spec,
        args.output,
        files=args.files,
        seed=args.seed,
        broken=args.broken,
        late=args.late,
        duplicates=args.duplicates,
        jobs=args.jobs,
    )
    yield f"{len(written)} files in {args.output} ({time.perf_counter() - started:.1f} s)"


def main(argv: list[str] | None = None) -> None:
    for line in _iter_cli(argv):
        print(line)


if __name__ == "__main__":
    main()
