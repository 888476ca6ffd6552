"""Column definitions of the consolidated workbook's data sheets (one place, reader included).

The first columns of each list are its key columns: they are frozen on screen and repeated on
every printed panel. Kinds: ``text``, ``num`` (the indicator's own precision), ``nilai`` (a
number with its own decimals, e.g. a weight), ``pct`` (``desimal_tampilan`` decimals), ``rp``
(whole Rupiah, sen when present), ``int``, ``tahun`` (a year, no separator), ``bool``, ``date``.
"""

from __future__ import annotations

from pipeline.workbook.base import Col

INDIKATOR_KEYS = 3
INDIKATOR_COLS = [
    Col("kode_sasaran", width=8),
    Col("kode_indikator", width=10),
    Col("uraian_indikator", width=40),
    # what a reader needs first: target, realisation, capaian, predikat, status
    Col("kode_opd", width=14),
    Col("satuan", width=10),
    Col("polaritas", width=9),
    Col("target", "num", 11, "Target"),
    Col("realisasi", "num", 11, "Realisasi Dipakai (angka/peringkat)"),
    Col("realisasi_teks", width=9, header="Realisasi (kualitatif)"),
    Col("capaian_mentah", "pct", 10),
    Col("dibatasi", "bool", 8),
    Col("capaian", "pct", 10),
    Col("predikat", width=12),
    Col("status", width=12),
    Col("keterangan", width=22),
    # how the realisation was made and checked
    Col("agregasi_tw", width=10),
    Col("bobot", "nilai", 7),
    Col("realisasi_tw1", "num", 10),
    Col("realisasi_tw2", "num", 10),
    Col("realisasi_tw3", "num", 10),
    Col("realisasi_tw4", "num", 10),
    Col("realisasi_tahunan", "num", 10),
    Col("sumber_realisasi", width=11),
    Col("rumus", width=24),
    Col("capaian_opd", "pct", 10),
    Col("validasi", width=14, header="Validasi"),
    Col("sel_realisasi", width=9),
    # the RPJMD and last year
    Col("target_tahun_depan", "num", 11),
    Col("target_akhir", "num", 11),
    Col("tahun_target_akhir", "tahun", 8),
    Col("catatan_target_akhir", width=20),
    Col("progres_rpjmd", "pct", 11),
    Col("realisasi_tahun_lalu", "num", 11),
    Col("capaian_tahun_lalu", "pct", 10),
    Col("perubahan_capaian", "pct", 10),
    # the OPD's narrative and its file
    Col("faktor_pendorong", width=55),
    Col("faktor_penghambat", width=55),
    Col("tindak_lanjut", width=55),
    Col("berkas", width=56),
]
SASARAN_KEYS = 4
SASARAN_COLS = [
    Col("kode_misi", width=7),
    Col("kode_tujuan", width=7),
    Col("kode_sasaran", width=8),
    Col("uraian_sasaran", width=40),
    Col("jumlah_indikator", "int", 9),
    Col("jumlah_dinilai", "int", 9),
    Col("rata_rata_capaian", "pct", 11),
    Col("min_capaian", "pct", 10),
    Col("max_capaian", "pct", 10),
    Col("predikat", width=12),
    Col("metode", width=24),
    Col("jumlah_program", "int", 9, "Jumlah Program"),
    Col("pagu_dilaporkan", "rp", 17, "Pagu Program Dilaporkan (Rp)"),
    Col("realisasi_anggaran", "rp", 17),
    Col("serapan", "pct", 10),
    Col("efisiensi", "pct", 11),
    Col("kategori_efisiensi", width=13),
    Col("sisa_anggaran", "rp", 17, "Sisa Anggaran (Rp)"),
    Col("jenis_sisa", width=22, header="Jenis Sisa"),
]
OPD_KEYS = 2
OPD_COLS = [
    Col("kode_opd", width=14),
    Col("nama_opd", width=38),
    Col("jenis", width=10),
    Col("status_kirim", width=13, header="Status Pengiriman"),
    Col("jumlah_indikator", "int", 9),
    Col("jumlah_dinilai", "int", 9),
    Col("rata_rata_capaian", "pct", 11),
    Col("predikat", width=12),
    Col("peringkat", "int", 9, "Peringkat"),
    Col("metode", width=28),
    Col("pagu_dilaporkan", "rp", 17),
    Col("realisasi_anggaran", "rp", 17),
    Col("serapan", "pct", 10),
    Col("program_dikecualikan", width=26),
    Col("efisiensi", "pct", 11),
    Col("kategori_efisiensi", width=13),
]
ANGGARAN_KEYS = 2
ANGGARAN_COLS = [
    Col("kode_program", width=9),
    Col("uraian_program", width=46),
    Col("kode_opd", width=14),
    Col("kode_sasaran", width=8),
    Col("pagu", "rp", 18),
    Col("realisasi_anggaran", "rp", 18),
    Col("serapan", "pct", 10),
    Col("predikat_serapan", width=12, header="Predikat Serapan"),
    Col("catatan_hitung", width=34, header="Keterangan Perhitungan"),
    Col("keterangan", width=30, header="Keterangan OPD"),
    Col("berkas", width=56),
    Col("sel_realisasi_anggaran", width=9, header="Sel Sumber"),
]
BERKAS_KEYS = 1
BERKAS_COLS = [
    Col("berkas", width=44),
    Col("kode_opd", width=14),
    Col("status", width=16),
    Col("alasan", width=56),
    Col("jenis", width=8, header="Jenis Berkas"),
    Col("ukuran", "int", 10, "Ukuran (byte)"),
    Col("dimodifikasi", "date", 23, "Disimpan (menurut berkas, UTC)"),
    Col("pengirim", width=28, header="Pengirim Surel"),
    Col("diterima", "date", 23, "Diterima lewat Surel (UTC)"),
    Col("sha256", width=34, header="SHA-256"),  # 64 hex digits on two lines
]
MISI_TUJUAN_KEYS = 2
MISI_TUJUAN_COLS = [
    Col("tingkat", width=9),
    Col("kode", width=8),
    Col("uraian", width=60),
    Col("jumlah_indikator", "int", 9),
    Col("jumlah_dinilai", "int", 9),
    Col("rata_rata_capaian", "pct", 11),
    Col("min_capaian", "pct", 10),
    Col("max_capaian", "pct", 10),
    Col("predikat", width=12),
    Col("metode", width=34),
]
EFISIENSI_KEYS = 3
EFISIENSI_COLS = [
    Col("tingkat", width=11),
    Col("kode", width=12),
    Col("uraian", width=42),
    Col("jumlah_dinilai", "int", 9),
    Col("rata_rata_capaian", "pct", 11),
    Col("min_capaian", "pct", 10),
    Col("pagu_dilaporkan", "rp", 17, "Pagu Dilaporkan (Rp)"),
    Col("realisasi_anggaran", "rp", 17),
    Col("serapan", "pct", 10),
    Col("efisiensi", "pct", 11),
    Col("rasio_efisiensi", "rasio", 10),
    Col("kategori_efisiensi", width=13),
    Col("sisa_anggaran", "rp", 17),
    Col("jenis_sisa", width=24),
]
KELENGKAPAN_KEYS = 2
KELENGKAPAN_COLS = [
    Col("kode_opd", width=14),
    Col("nama_opd", width=38),
    Col("jenis", width=10),
    Col("jumlah_indikator", "int", 9),
    Col("jumlah_program", "int", 9),
    Col("status_kirim", width=13),
    Col("dimodifikasi", "date", 23, "Disimpan (menurut berkas, UTC)"),
    Col("diterima", "date", 23, "Diterima lewat Surel (UTC)"),
    Col("pengirim", width=28, header="Pengirim Surel"),
    Col("berkas", width=40, header="Berkas Dipakai"),
    Col("jumlah_berkas", "int", 8),
    Col("berkas_digantikan", width=28),
    Col("jumlah_error", "int", 8),
    Col("jumlah_warning", "int", 9),
]
VALIDASI_KEYS = 3
VALIDASI_COLS = [
    Col("severity", width=9, header="Tingkat"),
    Col("kode_opd", width=14),
    Col("file", width=22, header="Berkas"),
    Col("sheet", width=10, header="Sheet"),
    Col("cell", width=6, header="Sel"),
    Col("kode_indikator", width=10),
    Col("rule", width=25, header="Aturan"),
    Col("found", width=14, header="Ditemukan"),
    Col("expected", width=16, header="Diharapkan"),
    Col("message", width=48, header="Pesan"),
]
