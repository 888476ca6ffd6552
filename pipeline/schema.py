"""The one vocabulary: column names, sheet names and display labels used everywhere.

Master spec sheets, template keys, code, expectation suites and the workbook all use these
snake_case Indonesian names. Display labels (what a person reads in a header) live in
:data:`LABELS` and nowhere else.
"""

from __future__ import annotations

import re

# A Kode Pemda names output files and, in a national run, a folder: letters, digits, '_', '-'
# and '.', never first (so never '.' or '..', which would name a folder above the output).
KODE_PEMDA = re.compile(r"[0-9A-Za-z_-][0-9A-Za-z_.-]*")
# At most this long (a Kode OPD too): a template is named '<pemda>_<tahun>_<opd>.xlsx' and a
# file name may have 255 bytes; a longer code ended the writing of its report.
KODE_MAX = 64
# Names Windows keeps for its devices, also before an extension: a file ``CON.xlsx`` or
# ``nul.1.xlsx`` cannot be made, opened or copied there.
WINDOWS_DEVICE = re.compile(r"(?:CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(?:\..*)?", re.IGNORECASE)

POLARITAS = ("naik", "turun", "range", "kualitatif")
AGREGASI_TW = ("kumulatif", "nilai_akhir", "rata_rata")
# as a reader sees them (the spec's keys are written with an underscore)
AGREGASI_TEKS = {"kumulatif": "kumulatif", "nilai_akhir": "nilai akhir", "rata_rata": "rata-rata"}
TIPE_NILAI = ("angka", "persen", "kualitatif")
TW_COLUMNS = ("realisasi_tw1", "realisasi_tw2", "realisasi_tw3", "realisasi_tw4")

# Master spec: sheet name -> required columns (the optional ones are below).
MASTER_SHEETS: dict[str, tuple[str, ...]] = {
    "pemda": (
        "kode_pemda",
        "nama_pemda",
        "periode_awal",
        "periode_akhir",
        "tahun_laporan",
        "periode",
        "batas_pengumpulan",
    ),
    "opd": ("kode_opd", "nama_opd", "alias", "jenis"),
    "misi": ("kode_misi", "uraian"),
    "tujuan": ("kode_tujuan", "kode_misi", "uraian"),
    "sasaran": ("kode_sasaran", "kode_tujuan", "uraian"),
    "indikator": (
        "kode_indikator",
        "kode_sasaran",
        "uraian",
        "satuan",
        "polaritas",
        "tipe_nilai",
        "tangga",
        "agregasi_tw",
        "bobot",
        "kode_opd",
    ),
    "program": ("kode_program", "uraian", "kode_opd", "kode_sasaran"),
    "tangga": ("tangga", "peringkat", "nilai"),
    "pengaturan": ("kunci", "nilai"),
    # Renja evaluation (Tabel E.81): kegiatan under programs and their indicators
    "kegiatan": ("kode_kegiatan", "kode_program", "uraian"),
    "indikator_renja": ("kode_indikator", "kode_program", "kode_kegiatan", "uraian", "satuan"),
}
# Master spec: the columns a sheet may have beside its required ones (and ``catatan``, for
# notes, on every sheet); ``<tahun>`` stands for a year (``target_2024``). A column titled
# otherwise is not read, and the spec is warned.
OPTIONAL_MASTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "pemda": ("zona_waktu", "visi", "kontak_sekretariat", "kode_provinsi", "nama_provinsi"),
    "opd": ("email", "visi", "misi"),
    "indikator": ("target_<tahun>", "batas_wajar_min", "batas_wajar_max"),
    "program": ("pagu_<tahun>", "pagu_renstra", "realisasi_rp_lalu", "urusan"),
    "kegiatan": ("pagu_<tahun>", "pagu_renstra", "realisasi_rp_lalu"),
    "indikator_renja": (
        "agregasi_tw",
        "target_<tahun>",
        "target_renstra",
        "realisasi_lalu",
        "polaritas",
    ),
    "skala": ("skala", "label", "batas", "aturan", "warna"),
}
OPTIONAL_MASTER_SHEETS = ("tangga", "pengaturan", "skala", "kegiatan", "indikator_renja")

# Status of a scored indicator.
STATUS_DINILAI = "dinilai"
STATUS_BELUM_LAPOR = "belum lapor"
STATUS_TIDAK_DAPAT = "tidak dapat dihitung"
STATUS_TIDAK_TERSEDIA = "data tidak tersedia"  # the OPD answered n/a: counted apart
# Every status an indicator row can have; only `dinilai` enters an average.
STATUS_SEMUA = (STATUS_DINILAI, STATUS_BELUM_LAPOR, STATUS_TIDAK_TERSEDIA, STATUS_TIDAK_DAPAT)

# Outcome of one input file.
BERKAS_DITERIMA = "diterima"
BERKAS_DITERIMA_CATATAN = "diterima dengan peringatan"
BERKAS_DITERIMA_SEBAGIAN = "diterima, sebagian ditolak"  # used, but some values hold an ERROR
BERKAS_DITOLAK = "ditolak"
BERKAS_DIGANTIKAN = "digantikan"
BERKAS_DIABAIKAN = "diabaikan"
# The statuses of a file whose values are used (the one home of that set).
BERKAS_DIPAKAI = frozenset({BERKAS_DITERIMA, BERKAS_DITERIMA_CATATAN, BERKAS_DITERIMA_SEBAGIAN})

LABELS: dict[str, str] = {
    "kode_pemda": "Kode Pemda",
    "nama_pemda": "Nama Pemda",
    "kode_opd": "Kode OPD",
    "nama_opd": "Nama OPD",
    "kode_misi": "Kode Misi",
    "kode_tujuan": "Kode Tujuan",
    "kode_sasaran": "Kode Sasaran",
    "uraian_sasaran": "Sasaran Strategis",
    "uraian_misi": "Misi",
    "uraian_tujuan": "Tujuan",
    "kode_indikator": "Kode Indikator",
    "uraian_indikator": "Indikator Kinerja",
    "satuan": "Satuan",
    "polaritas": "Polaritas",
    "tipe_nilai": "Tipe Nilai",
    "agregasi_tw": "Agregasi TW",
    "bobot": "Bobot",
    "target": "Target",
    "target_akhir": "Target Akhir RPJMD",
    "tahun_target_akhir": "Tahun Target Akhir",
    "catatan_target_akhir": "Catatan Target Akhir",
    "target_tahun_depan": "Target Tahun Berikutnya",
    "realisasi_tw1": "Realisasi TW I",
    "realisasi_tw2": "Realisasi TW II",
    "realisasi_tw3": "Realisasi TW III",
    "realisasi_tw4": "Realisasi TW IV",
    "realisasi_tahunan": "Realisasi Tahunan",
    "realisasi": "Realisasi",
    "sumber_realisasi": "Sumber Nilai Realisasi",
    "capaian_opd": "Capaian menurut OPD (%)",
    "capaian_mentah": "Capaian (%)",
    "capaian": "Capaian untuk Rata-rata (%)",
    "dibatasi": "Capaian Dibatasi?",
    "rumus": "Rumus",
    "predikat": "Predikat",
    "status": "Status",
    "keterangan": "Keterangan",
    "faktor_pendorong": "Faktor Pendorong",
    "faktor_penghambat": "Faktor Penghambat",
    "tindak_lanjut": "Tindak Lanjut",
    "sumber_data": "Sumber Data",
    "berkas": "Berkas",
    "sel_realisasi": "Sel Sumber",
    "kode_program": "Kode Program",
    "uraian_program": "Program",
    "pagu": "Pagu (Rp)",
    "realisasi_anggaran": "Realisasi Anggaran (Rp)",
    "serapan": "Serapan (%)",
    "jumlah_indikator": "Jumlah Indikator",
    "jumlah_dinilai": "Indikator Dinilai",
    "rata_rata_capaian": "Rata-rata Capaian (%)",
    "metode": "Metode Rata-rata",
    "min_capaian": "Capaian Terendah untuk Rata-rata (%)",
    "max_capaian": "Capaian Tertinggi untuk Rata-rata (%)",
    "efisiensi": "Capaian − Serapan (poin)",
    "kategori_efisiensi": "Kategori Efisiensi",
    "rasio_efisiensi": "Rasio Capaian / Serapan",
    "sisa_anggaran": "Sisa Anggaran (Rp)",
    "jenis_sisa": "Jenis Sisa",
    "progres_rpjmd": "Progres thd Target Akhir RPJMD (%)",
    "realisasi_tahun_lalu": "Realisasi Tahun Lalu",
    "capaian_tahun_lalu": "Capaian Tahun Lalu (%)",
    "perubahan_capaian": "Perubahan Capaian (poin)",
    "tingkat": "Tingkat",
    "status_kirim": "Status Pengiriman",
    "jumlah_program": "Jumlah Program",
    "pagu_dilaporkan": "Pagu Program Dilaporkan (Rp)",
    "program_dikecualikan": "Program Tidak Dihitung",
    "jumlah_berkas": "Jumlah Berkas",
    "berkas_digantikan": "Berkas Digantikan",
    "jumlah_error": "ERROR",
    "jumlah_warning": "WARNING",
    "dimodifikasi": "Disimpan (menurut berkas)",
    "kode": "Kode",
    # the template's Renja sheet (Tabel E.81 inputs)
    "kode_renja": "Kode Program/Kegiatan",
    "uraian_renja": "Program/Kegiatan",
    "target_renja": "Target K Tahun Ini",
    "k_tw1": "Realisasi K TW I",
    "k_tw2": "Realisasi K TW II",
    "k_tw3": "Realisasi K TW III",
    "k_tw4": "Realisasi K TW IV",
    "rp_tw1": "Realisasi Rp TW I",
    "rp_tw2": "Realisasi Rp TW II",
    "rp_tw3": "Realisasi Rp TW III",
    "rp_tw4": "Realisasi Rp TW IV",
    "tindak_lanjut_renja": "Tindak Lanjut untuk Renja/RKPD Berikutnya",
    "uraian": "Uraian",
    "jenis": "Jenis",
    "alasan": "Alasan",
    # national (province) consolidation
    "kode_provinsi": "Kode Provinsi",
    "nama_provinsi": "Provinsi",
    "opd_total": "OPD",
    "opd_kirim": "OPD Mengirim",
    "opd_terlambat": "OPD Terlambat",
    "opd_belum": "OPD Belum Mengirim",
    "opd_ditolak": "OPD Berkas Ditolak",
    "opd_tanpa_realisasi": "OPD Tanpa Realisasi",
    "berkas_ditemukan": "Berkas Ditemukan",
    "berkas_diterima": "Berkas Diterima",
    "berkas_ditolak": "Berkas Ditolak",
    "berkas_diabaikan": "Berkas Diabaikan",
    "spec_file": "Master Spec",
    "spec_sha256": "SHA-256 Master Spec",
    "jumlah_pemda": "Jumlah Pemda",
    "pemda_dinilai": "Pemda Dinilai",
    "persen_opd_kirim": "OPD Mengirim (%)",
    "pemda_draft": "Pemda DRAFT",
    "pemda_tidak_diolah": "Pemda Tidak Diolah",
}


def label(key: str) -> str:
    """Display label for a column key (the key itself when no label is defined)."""
    return LABELS.get(key, key)
