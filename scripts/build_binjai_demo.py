"""Build the embedded Kota Binjai 2018 demo: the master spec and the filled OPD files.

Run once (``make demo``); its outputs are committed: ``master/binjai_2018.xlsx`` (what a Bappeda
analyst would maintain) and ``input_xlsx/*.xlsx`` (what OPDs would email back). Sources are the
CSVs extracted from the LKjIP Kota Binjai 2018 in ``scripts/seed_data/`` (see its README).

Every judgement call on the seed is written into a ``catatan`` column of the spec, so the
spec explains itself; the list of the main ones is in ``scripts/seed_data/README.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import xlsxwriter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.master import normalise_name, read_master  # noqa: E402
from pipeline.template import (  # noqa: E402
    ANGGARAN_COLUMNS,
    HEADER_ROW,
    INDIKATOR_COLUMNS,
    RENJA_COLUMNS,
    SHEET_ANGGARAN,
    SHEET_INDIKATOR,
    SHEET_RENJA,
    build_template,
)

SEED = ROOT / "scripts" / "seed_data"
MASTER = ROOT / "master" / "binjai_2018.xlsx"
INPUT = ROOT / "input_xlsx"
TAHUN = 2018
NOT_SUBMITTING = "KESBANGPOL"  # realistic: one OPD has not sent its file
LATE = "DISHUB"  # and one sends it after the deadline

PEMDA = {
    "kode_pemda": "1275",
    "nama_pemda": "Pemerintah Kota Binjai",
    "periode_awal": 2016,
    "periode_akhir": 2021,
    "tahun_laporan": TAHUN,
    "periode": "Tahunan",
    "batas_pengumpulan": "2019-02-15",
    "kontak_sekretariat": (
        "Bagian Organisasi Sekretariat Daerah Kota Binjai, surel organisasi@binjaikota.example"
    ),
    "visi": (
        "Terwujudnya Kota Cerdas yang Layak Huni, Berdaya Saing dan Berwawasan Lingkungan "
        "Menuju Binjai Yang Sejahtera"
    ),
    "catatan": (
        "Kode Pemda 1275 = kode wilayah Kemendagri 12.75. Batas pengumpulan tidak tercantum di "
        "LKjIP; 15 Februari 2019 dipilih agar LKjIP dapat disampaikan sebelum 31 Maret. "
        "Kontak sekretariat tidak tercantum di LKjIP: unit dan alamat surel disusun seperti "
        "alamat OPD (contoh)."
    ),
}

# kode, nama, aliases, jenis, catatan
OPD = [
    (
        "SETDA",
        "Sekretariat Daerah",
        "Setdakot; Sekretariat Daerah Kota Binjai",
        "Sekretariat",
        "Menampung program rutin gabungan Tabel 3.18 baris 1–5 (jumlah seluruh OPD).",
    ),
    (
        "BAG_PEM",
        "Bagian Administrasi Pemerintahan dan Kerjasama",
        "Bagian Administrasi Pemerintahan dan Kerjasama (Setdakot); Bagian Tata Pemerintahan",
        "Bagian",
        "",
    ),
    ("BAG_KESRA", "Bagian Kesejahteraan Rakyat", "Bagian Kesra", "Bagian", ""),
    ("BAG_ORG", "Bagian Organisasi", "Bagian Organisasi Setdakota", "Bagian", ""),
    ("BAG_EKO", "Bagian Perekonomian", "Bagian Ekonomi", "Bagian", ""),
    (
        "SETWAN",
        "Sekretariat DPRD",
        "Setwan",
        "Sekretariat",
        "Indikator Perda inisiatif DPRD juga menyebut Bagian Hukum; Sekretariat DPRD dipilih.",
    ),
    (
        "INSPEKTORAT",
        "Inspektorat Kota Binjai",
        "Inspektorat; Inspektorat Daerah",
        "Inspektorat",
        "",
    ),
    (
        "BAPPEDA",
        "Badan Perencanaan Pembangunan Daerah",
        "BAPPEDA; Bappeda Kota Binjai",
        "Badan",
        "",
    ),
    (
        "BPKPAD",
        "Badan Pengelolaan Keuangan, Pendapatan dan Aset Daerah",
        "BPKPAD; Keuangan",
        "Badan",
        "",
    ),
    ("BKD", "Badan Kepegawaian Daerah", "BKD; Badan Kepegawaian Daerah (BKD)", "Badan", ""),
    (
        "KESBANGPOL",
        "Badan Kesatuan Bangsa dan Politik",
        "Badan Kesbang dan Politik; Kesbangpol",
        "Badan",
        "Dalam data contoh OPD ini belum mengirim berkas.",
    ),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", "BPBD", "Badan", ""),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", "Sat Pol PP; Satpol PP", "Satuan", ""),
    (
        "DISDIK",
        "Dinas Pendidikan",
        "Disdik",
        "Dinas",
        "Program perpustakaan dan kearsipan (Tabel 3.18 baris 124–125) dititipkan ke sini.",
    ),
    ("DINKES", "Dinas Kesehatan", "Dinkes", "Dinas", ""),
    ("RSUD", "RSUD dr. Djoelham Binjai", "Rumah Sakit; Rumah Sakit Umum; RSUD", "RSUD", ""),
    (
        "DPUPR",
        "Dinas Pekerjaan Umum dan Penataan Ruang",
        "Dinas PU dan PR; Dinas PUPR",
        "Dinas",
        "Indikator jalan akses tol (tanpa sumber data di LKjIP) ditugaskan ke sini.",
    ),
    ("DISPERKIM", "Dinas Perumahan dan Kawasan Permukiman", "Dinas Perkim", "Dinas", ""),
    (
        "DISNAKER",
        "Dinas Tenaga Kerja dan Perindustrian Perdagangan",
        "Dinas Tenaga Kerja dan Perdagangan Perindustrian; Disnaker",
        "Dinas",
        "",
    ),
    (
        "DISPRINDAG",
        "Dinas Perindustrian, Perdagangan dan Pasar",
        "Dinas Prindag dan Pasar",
        "Dinas",
        "LKjIP menyebut 'Dinas Prindag dan Pasar' dan mencetak dua blok program perdagangan; "
        "blok kedua (gaya angka Inggris) dianggap milik dinas ini.",
    ),
    (
        "DP3M",
        "Dinas Pemberdayaan Perempuan, Perlindungan Anak dan Masyarakat",
        "Dinas P3M",
        "Dinas",
        "",
    ),
    (
        "DPPKB",
        "Dinas Pengendalian Penduduk dan Keluarga Berencana",
        "Dinas Pengendalian Penduduk dan KB",
        "Dinas",
        "",
    ),
    (
        "DKPP",
        "Dinas Ketahanan Pangan dan Pertanian",
        "Dinas Pertanian dan Peternakan",
        "Dinas",
        "",
    ),
    ("DLH", "Dinas Lingkungan Hidup", "DLH", "Dinas", ""),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil", "Dinas", ""),
    ("DISHUB", "Dinas Perhubungan", "Dishub", "Dinas", ""),
    (
        "DISKOMINFO",
        "Dinas Komunikasi dan Informatika",
        "Kominfo; Dinas Infokom; Dinas Informatika dan Komunikasi",
        "Dinas",
        "",
    ),
    (
        "DISKOPUKM",
        "Dinas Koperasi, Usaha Kecil dan Menengah",
        "Dinas Koperasi, Usaha Kecil, dan Menengah",
        "Dinas",
        "",
    ),
    (
        "DPMPTSP",
        "Dinas Penanaman Modal dan Pelayanan Perizinan Terpadu Satu Pintu",
        "DPMPTSP; PMPPTSP; Dinas PM dan PPTSP; "
        "Dinas Pelayanan Modal dan Pelayanan Perijinan Terpadu satu Pintu",
        "Dinas",
        "",
    ),
    (
        "DISPORA",
        "Dinas Kepemudaan dan Olahraga",
        "Dispora",
        "Dinas",
        "Program pariwisata dan budaya (Tabel 3.18 baris 126–128) dititipkan ke sini.",
    ),
    ("DINSOS", "Dinas Sosial", "Dinsos", "Dinas", ""),
    (
        "KEC_BJS",
        "Kecamatan Binjai Selatan",
        "Camat Binjai Selatan",
        "Kecamatan",
        "Program kelurahan blok kedua Tabel 3.18 (baris 86, 87, 89, 141) diduga dilaksanakan "
        "kecamatan; LKjIP tidak menyebut kecamatannya.",
    ),
]

MISI = [
    (
        "M1",
        "Mewujudkan pemerintah yang cerdas (Smart Governance) melalui birokrasi yang "
        "berkesinambungan guna mewujudkan tata kelola pemerintahan kota yang bersih, efektif, "
        "demokratis dan terpercaya",
    ),
    (
        "M2",
        "Membangun sumber daya manusia berkualitas (Smart People) dengan kualifikasi Pintar, "
        "Sehat, Produktif dan Sejahtera",
    ),
    (
        "M3",
        "Mengoptimalkan produktifitas pergerakan masyarakat (Smart Mobility) melalui kualitas "
        "infrastruktur daerah yang mampu meningkatkan fungsi ekonomi, sosial dan budaya "
        "masyarakat",
    ),
    (
        "M4",
        "Meningkatkan perekonomian kota melalui pengelolaan SDA berkelanjutan dan "
        "pengembangan SDM yang trampil, Inovatif, Kreatif dan Produktif (Smart Economy dan Smart "
        "Environment)",
    ),
    (
        "M5",
        "Meningkatkan kualitas standar hidup (Smart Living) dalam aspek kelayakan, "
        "kesejahteraan, keadilan dan kenyamanan",
    ),
]
TUJUAN = [
    (
        "T1",
        "M1",
        "Menciptakan tata kelola kepemimpinan yang bersih, efektif, demokratis dan terpercaya",
    ),
    ("T2", "M1", "Meningkatkan kapasitas pemerintahan dan pemberdayaan masyarakat"),
    (
        "T3",
        "M1",
        "Meningkatkan kualitas keimanan dan ketaqwaan kepada Tuhan Yang Maha Esa, serta "
        "kerukunan hidup antar umat beragama, peran pemuda, olahraga dan seni budaya",
    ),
    ("T4", "M2", "Menciptakan masyarakat maju, mandiri dan berdaya saing"),
    (
        "T5",
        "M3",
        "Meningkatkan kualitas dan fungsi ekonomi, sosial dan budaya masyarakat kota "
        "melalui efektifitas pembangunan infrastruktur",
    ),
    (
        "T6",
        "M4",
        "Meningkatkan perekonomian kota melalui pengelolaan potensi SDA dan kualitas "
        "serta produktifitas SDM",
    ),
    (
        "T7",
        "M5",
        "Mewujudkan peningkatan kualitas standar hidup layak masyarakat yang sejahtera "
        "berkeadilan",
    ),
]

POLARITY = {
    "higher_better": "naik",
    "lower_better": "turun",
    "binary": "naik",
    "qualitative_ordinal": "kualitatif",
}
LADDERS = {
    "opini_bpk": ["TMP", "TW", "WDP", "WTP"],
    "predikat_sakip": ["D", "C", "CC", "B", "BB", "A", "AA"],
}

# (sasaran_no, indikator_no) -> target 2018 from PK 2018 (Tabel 2.2), the authoritative table.
PK2018_TARGET = {
    (1, 1): ("WTP", "Tabel 3.2/3.3 mencetak WDP; PK 2018 dan RPJMD 2018: WTP (dipakai)."),
    (4, 1): ("94", "Tabel 3.6 mencetak 11 (indikator diganti nama); PK 2018: 94 (dipakai)."),
    (4, 2): ("36", "Tabel 3.6 mencetak 4; PK 2018: 36 (dipakai)."),
    (6, 1): ("66", "Tabel 3.8 mencetak 64 (nilai 2017); PK 2018: 66 (dipakai)."),
    (7, 8): ("101.11", "Tabel 3.9 mencetak 100,11; PK 2018: 101,11 (dipakai)."),
    (7, 13): ("99.32", "Tabel 3.9 mencetak 99,37; PK 2018: 99,32 (dipakai)."),
    (7, 15): ("0.0005", "Tabel 3.9 mencetak 0,0006 (nilai 2017); PK 2018: 0,0005 (dipakai)."),
    (7, 24): (
        "267352",
        "Rasio 1:N, N = penduduk per RS. HT mencetak 1:264.935 (nilai 2016); "
        "PK 2018: 1:267.352 (dipakai).",
    ),
    (7, 25): ("720", "HT mencetak 1:267,35; PK 2018 dan Tabel 3.2: 1:720 (dipakai)."),
    (8, 12): ("5", "Tabel 3.2 mencetak 1; PK 2018 dan RPJMD: 5 unit (dipakai)."),
    (10, 3): ("7.985", "Tabel 3.12 mencetak 7,462 (nilai 2017); PK 2018: 7,985 (dipakai)."),
    (10, 6): (
        "0.0391",
        "PK 2018 mencetak 0,2284 (bergeser satu baris dari Gini); nilai 2018 "
        "Tabel 3.2 0,0391 dipakai.",
    ),
    (10, 7): ("1.096", "Tabel 3.12 mencetak 1,026 (nilai 2017); PK 2018: 1,096 (dipakai)."),
    (10, 8): ("3.00", "Tabel 3.12 mencetak 3,25 (nilai 2017); PK 2018: 3,00 (dipakai)."),
    (10, 10): ("20.95", "Tabel 3.12 mencetak 20,55 (nilai 2017); PK 2018: 20,95 (dipakai)."),
    (10, 11): (
        "20000",
        "Tabel 3.13 mencetak 20.500 (nilai RPJMD 2019); PK 2018: 20.000 (dipakai).",
    ),
    (10, 14): ("26.69", "Tabel 3.13 mencetak 29,69; PK 2018: 26,69 (dipakai)."),
    (10, 22): ("2.83", "Tabel 3.12 mencetak 2,85; PK 2018: 2,83 (dipakai)."),
    (10, 23): (
        "2",
        "PK 2018 mencetak 0,025 (nilai indikator HP/Telepon, bergeser); RPJMD dan "
        "Tabel 3.2: 2 unit (dipakai).",
    ),
    (11, 1): ("62", "Tabel 3.14 mencetak 59,96 (nilai 2017); PK 2018: 62 (dipakai)."),
    (12, 1): ("1", "Tabel 3.15 mencetak '-'; PK 2018 dan Tabel 3.2: 1 unit (dipakai)."),
    (12, 2): ("2", "PK 2018 mencetak '-'; Tabel 3.2: 2 unit (dipakai, satu-satunya angka)."),
    (13, 2): ("84", "Tabel 3.16 mencetak 82 (nilai 2017); PK 2018: 84 (dipakai)."),
}
# Indicators left out of the spec, with the reason.
EXCLUDED = {
    (9, 1): "Revisi RTRW: tidak ada target 2018 di tabel mana pun ('-'); tidak dapat dinilai.",
    (14, 16): "Duplikat baris 14.9 (Tabel 3.2 mencetak ulang indikator yang sama).",
}
POLARITY_OVERRIDE = {
    (1, 2): (
        "turun",
        "Polaritas ambigu di LKjIP (tabel T/R = 55%, narasi R/T = 180%). "
        "Diputuskan: semakin sedikit kasus semakin baik (turun).",
    ),
}
OPD_OVERRIDE = {
    (8, 15): ("DPUPR", "LKjIP tidak menyebut sumber data; jalan akses tol ditugaskan ke DPUPR."),
    (14, 8): ("DINKES", "Lampiran IKU: Dinas Sosial; PK 2018 (berwenang): Dinas Kesehatan."),
    (14, 10): ("DINKES", "Lampiran IKU: Dinas Sosial; PK 2018 (berwenang): Dinas Kesehatan."),
}
# Realisations the OPD would type differently from the seed print.
REALISASI_OVERRIDE = {
    (10, 7): (
        "0.914618290540",
        "LKjIP mencetak Rp 914.618.290.540 untuk target dalam Triliun; "
        "berkas contoh memakai satuan target (0,9146 Triliun).",
    ),
}

# Program → (OPD, Sasaran): first matching rule wins. `second_run` marks Tabel 3.18's second
# block (English number style), which repeats program names for other units.
PROGRAM_RULES: list[tuple[str, str, str]] = [
    (
        r"^Pelayanan Administrasi Perkantoran|^Peningkatan Disiplin Aparatur|"
        r"^Peningkatan Kapasitas Sumber Daya Aparatur|Pelaporan Capaian Kinerja",
        "SETDA",
        "S01",
    ),
    (
        r"Fakir Miskin|Rehabilitasi Kesejahteraan Sosial|Anak Terlantar|Difabel|"
        r"Eks Penyandang|Kelembagaan Kesejahteraan Sosial",
        "DINSOS",
        "S14",
    ),
    (
        r"Anak Usia Dini|Wajib Belajar|Non Formal|Mutu Pendidik|Perpustakaan|Kearsipan",
        "DISDIK",
        "S07",
    ),
    (r"Rumah Sakit|BLUD", "RSUD", "S14"),
    (
        r"Penyakit|Sanitasi|Kesehatan|SDM Kesehatan|Obat|Gizi|Puskesmas|Puskemas|"
        r"Ibu Melahirkan|Lansia|Pengawasan Obat",
        "DINKES",
        "S07",
    ),
    (r"Drainase|Banjir|Perumahan|Bangunan", "DISPERKIM", "S08"),
    (r"Jalan dan Jembatan|Talud|Air Minum", "DPUPR", "S08"),
    (r"Tata Ruang", "DPUPR", "S09"),
    (r"Kantrantibmas|Ketertiban dan Keamanan|Pekat", "SATPOLPP", "S14"),
    (r"Pendidikan Politik|Wawasan Kebangsaan", "KESBANGPOL", "S03"),
    (r"^Peningkatan dan Pengembangan Pengelolaan Keuangan Daerah", "BPKPAD", "S01"),
    (r"Bencana", "BPBD", "S13"),
    (r"Kesempatan Kerja|Ketenagakerjaan", "DISNAKER", "S14"),
    (r"Industri Kecil|Promosi UKM|Perdagangan|Pasar|Metrologi", "DISNAKER", "S10"),
    (r"Kewirausahaan|Usaha Mikro|Koperasi", "DISKOPUKM", "S11"),
    (r"Gender|Perempuan", "DP3M", "S02"),
    (r"Persampahan|Pencemaran|Konservasi|Sumber Daya Alam dan Lingkungan|Adiwiyata", "DLH", "S12"),
    (r"Kebersihan Lingkungan", "KEC_BJS", "S12"),
    (r"Administrasi Kependudukan", "DISDUKCAPIL", "S02"),
    (r"Masyarakat Desa|Perdesaan|Kelurahan", "DP3M", "S04"),
    (r"Keluarga Berencana|Reproduksi|Kontrasepsi|KB/KR|Bina Keluarga", "DPPKB", "S02"),
    (r"LLAJ|Perhubungan|Angkutan|Lalu Lintas", "DISHUB", "S08"),
    (r"^Peningkatan Sarana dan Prasarana Aparatur", "SETDA", "S01"),
    (r"Komunikasi|Informasi dan|Teknologi Informasi|Tekhnologi Informasi", "DISKOMINFO", "S10"),
    (r"Investasi|Perijinan|Perizinan", "DPMPTSP", "S10"),
    (r"Perencanaan|Data/Informasi", "BAPPEDA", "S03"),
    (r"Pemuda|Kepemudaan|Olah Raga|Pariwisata|Budaya", "DISPORA", "S06"),
    (r"Petani|Pertanian|Perkebunan|Perikanan|Ternak|Peternakan", "DKPP", "S10"),
    (r"Kapasitas Lembaga", "SETWAN", "S03"),
    (r"Aparatur Pengawasan", "INSPEKTORAT", "S01"),
    (r"Pembinaan dan Pengembangan Aparatur", "BKD", "S04"),
]
SECOND_RUN_RULES: list[tuple[str, str, str]] = [
    (r"Industri Kecil|Promosi UKM|Perdagangan|Pasar|Metrologi", "DISPRINDAG", "S10"),
    (
        r"Keberdayaan Masyarakat Perdesaan|Lembaga Ekonomi Kelurahan|Membangun Kelurahan",
        "KEC_BJS",
        "S04",
    ),
    (r"^Peningkatan Sarana dan Prasarana Aparatur", "DISKOMINFO", "S10"),
    (r"Optimalisasi Pemanfaatan Tekhnologi Informasi", "DPMPTSP", "S10"),
]

# Program outcome indicators for the Renja evaluation (Tabel E.81). The LKjIP prints none: each
# is built from the program's name by the first matching rule (uraian, satuan, agregasi_tw,
# target 2018, target 2019, target Renstra 2021, realisation up to 2017). The figures are
# illustrative; the spec's catatan says so on every row.
PROGRAM_INDICATOR_RULES: list[tuple[str, tuple[str, str, str, float, float, float, float]]] = [
    (
        r"Administrasi Perkantoran",
        (
            "Persentase layanan administrasi perkantoran terpenuhi",
            "%",
            "nilai_akhir",
            100,
            100,
            100,
            95,
        ),
    ),
    (
        r"Sarana dan Prasarana Aparatur|Sarana dan Prasarana Puskesmas|Rumah Sakit/",
        ("Persentase sarana dan prasarana dalam kondisi baik", "%", "nilai_akhir", 85, 88, 95, 80),
    ),
    (
        r"Disiplin Aparatur|Kapasitas Sumber Daya Aparatur|Aparatur",
        (
            "Persentase aparatur yang memenuhi standar kompetensi dan disiplin",
            "%",
            "nilai_akhir",
            80,
            85,
            95,
            75,
        ),
    ),
    (
        r"Pelaporan|Perencanaan|Data/Informasi",
        (
            "Jumlah dokumen perencanaan dan pelaporan yang diselesaikan tepat waktu",
            "dokumen",
            "kumulatif",
            8,
            8,
            48,
            16,
        ),
    ),
    (
        r"Penyakit|Sanitasi|Lingkungan Sehat",
        (
            "Persentase kasus penyakit yang ditangani sesuai standar",
            "%",
            "nilai_akhir",
            90,
            92,
            100,
            86,
        ),
    ),
    (
        r"Kesehatan|Gizi|Obat|Ibu Melahirkan|Lansia",
        (
            "Persentase sasaran pelayanan kesehatan yang terlayani",
            "%",
            "nilai_akhir",
            85,
            88,
            95,
            80,
        ),
    ),
    (
        r"Pendidikan|Belajar|Pendidik",
        (
            "Persentase peserta didik dan pendidik yang menerima layanan program",
            "%",
            "nilai_akhir",
            90,
            92,
            100,
            85,
        ),
    ),
    (
        r"Jalan|Jembatan|Drainase|Talud|Banjir|Air Minum",
        ("Panjang jaringan yang dibangun atau direhabilitasi", "km", "kumulatif", 12, 12, 70, 22),
    ),
    (
        r"Sosial|Miskin|Anak Terlantar|Difabel|Penyandang",
        (
            "Jumlah penyandang masalah kesejahteraan sosial yang dilayani",
            "orang",
            "kumulatif",
            400,
            420,
            2400,
            760,
        ),
    ),
    (
        r"Keluarga Berencana|Kontrasepsi|KB/KR|Reproduksi|Bina Keluarga",
        (
            "Persentase peserta KB aktif terhadap pasangan usia subur",
            "%",
            "nilai_akhir",
            72,
            74,
            78,
            70,
        ),
    ),
    (
        r"Perdagangan|Industri|UKM|Usaha|Koperasi|Pasar|Metrologi",
        ("Jumlah pelaku usaha yang dibina", "unit usaha", "kumulatif", 120, 130, 720, 220),
    ),
    (
        r"Pertanian|Petani|Ternak|Perikanan|Pangan|Perkebunan",
        ("Jumlah kelompok tani/ternak yang dibina", "kelompok", "kumulatif", 40, 42, 240, 76),
    ),
    (
        r"Persampahan|Pencemaran|Konservasi|Lingkungan Hidup|Adiwiyata|Kebersihan",
        ("Persentase sampah dan pencemaran yang tertangani", "%", "nilai_akhir", 80, 83, 90, 76),
    ),
]
PROGRAM_INDICATOR_DEFAULT = (
    "Persentase kegiatan program yang terlaksana sesuai rencana",
    "%",
    "nilai_akhir",
    100,
    100,
    100,
    92,
)
# Two kegiatan of one program, to show kegiatan rows and their output indicators.
KEGIATAN = [
    # kode_kegiatan, program name pattern, uraian, share of the program's pagu, indicator
    (
        "01",
        r"^Upaya Kesehatan Masyarakat",
        "Pelayanan kesehatan dasar di Puskesmas",
        0.6,
        (
            "Jumlah kunjungan pelayanan kesehatan dasar",
            "kunjungan",
            "kumulatif",
            60000,
            62000,
            370000,
            115000,
        ),
    ),
    (
        "02",
        r"^Upaya Kesehatan Masyarakat",
        "Pembinaan Upaya Kesehatan Bersumberdaya Masyarakat (Posyandu)",
        0.2,
        ("Persentase Posyandu aktif", "%", "nilai_akhir", 75, 78, 85, 72),
    ),
]
RENJA_NOTE = (
    "Contoh: LKjIP 2018 tidak memuat indikator program; indikator disusun dari nama program "
    "(aturan di scripts/build_binjai_demo.py), angka target dan realisasi s/d 2017 ilustratif."
)
RENSTRA_YEARS = 6  # RPJMD/Renstra 2016–2021


def read_csv(name: str) -> list[dict[str, str]]:
    with open(SEED / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def kecamatan_visi_misi() -> tuple[str, str]:
    text = (SEED / "kecamatan_binjai_selatan_visi_misi.md").read_text(encoding="utf-8")
    visi = re.findall(r"\*\*“(.+?)”\*\*", text)[-1]
    misi_block = text.split("Kecamatan Binjai Selatan mempunyai misi")[1]
    misi = [m.strip() for m in re.findall(r"^\d+\.\s*(.+)$", misi_block, re.M)]
    return visi, "\n".join(f"{i}. {m}" for i, m in enumerate(misi, 1))


def tipe_nilai(satuan: str, polaritas: str) -> str:
    if polaritas == "kualitatif":
        return "kualitatif"
    return "persen" if satuan.strip().startswith("%") else "angka"


def agregasi(satuan: str) -> str:
    s = satuan.lower()
    return "kumulatif" if "/tahun" in s or s.startswith("keg") else "nilai_akhir"


def match_pk2019(rows2019: list[dict[str, str]], sasaran: int, name: str) -> dict[str, str] | None:
    candidates = [
        r
        for r in rows2019
        if r["record_type"] == "indicator_target" and r["sasaran_no"] == str(sasaran)
    ]
    best, score = None, 0.0
    for r in candidates:
        ratio = difflib.SequenceMatcher(
            None, normalise_name(name), normalise_name(r["name"])
        ).ratio()
        if ratio > score:
            best, score = r, ratio
    return best if score >= 0.75 else None


def build_rows() -> dict[str, list[list[object]]]:
    """All sheets of the master spec as header + rows."""
    iku = read_csv("binjai2018_iku.csv")
    budget = read_csv("binjai2018_program_budget.csv")
    pk2019 = read_csv("binjai_pk2019.csv")
    visi_kec, misi_kec = kecamatan_visi_misi()

    opd_rows = [["kode_opd", "nama_opd", "alias", "jenis", "email", "visi", "misi", "catatan"]]
    for kode, nama, alias, jenis, catatan in OPD:
        visi, misi = (visi_kec, misi_kec) if kode == "KEC_BJS" else ("", "")
        # Made-up addresses on a reserved domain (RFC 2606): the demo's replies reach nobody.
        email = f"{kode.lower().replace('_', '')}@binjaikota.example"
        opd_rows.append([kode, nama, alias, jenis, email, visi, misi, catatan])

    # Resolve responsible OPDs with the same alias logic the pipeline uses.
    resolver = _Resolver()

    sas_rows = [["kode_sasaran", "kode_tujuan", "uraian", "catatan"]]
    seen_sas: set[str] = set()
    ind_rows = [
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
            "target_2018",
            "target_2019",
            "kode_opd",
            "batas_wajar_min",
            "batas_wajar_max",
            "catatan",
        ]
    ]
    realisasi: dict[str, dict[str, str]] = {}
    for r in iku:
        s, i = int(r["sasaran_no"]), int(r["indikator_no"])
        kode_sas = f"S{s:02d}"
        if kode_sas not in seen_sas:
            seen_sas.add(kode_sas)
            sas_rows.append([kode_sas, f"T{r['tujuan_no']}", r["sasaran"], ""])
        if (s, i) in EXCLUDED:
            continue
        notes = []
        polaritas = POLARITY[r["polarity"]]
        if (s, i) in POLARITY_OVERRIDE:
            polaritas, note = POLARITY_OVERRIDE[(s, i)]
            notes.append(note)
        if r["polarity"] == "binary":
            notes.append("Indikator ya/tidak: 1 = ada/terlaksana.")
        satuan = r["satuan"] or ("unit" if r["polarity"] == "binary" else "")
        tangga = ""
        if polaritas == "kualitatif":
            tangga = "opini_bpk" if "opini" in r["indikator"].lower() else "predikat_sakip"
            target = r["target_raw"]
        else:
            target = r["target_num"]
        if (s, i) in PK2018_TARGET:
            target, note = PK2018_TARGET[(s, i)]
            notes.append(note)
        if (s, i) in OPD_OVERRIDE:
            kode_opd, note = OPD_OVERRIDE[(s, i)]
            notes.append(note)
        else:
            kode_opd = resolver.resolve(r["sumber_data_opd"])
        if not kode_opd:
            raise SystemExit(f"no OPD for {s}.{i}: {r['sumber_data_opd']!r}")
        pk = match_pk2019(pk2019, s, r["indikator"])
        target_2019 = ""
        if pk:
            target_2019 = pk["target_raw"] if polaritas == "kualitatif" else pk["target_num"]
        kode = f"IK{s:02d}.{i:02d}"
        # A share cannot pass 100 %; enrolment ratios (APK/APM) legitimately can, so their
        # plausible maximum is stated (a percent indicator without one is checked against 100).
        share = re.match(r"(Persentase|Cakupan|Proporsi)\b", r["indikator"])
        enrolment = re.match(r"(APK|APM)\b", r["indikator"])
        batas_max = "100" if share and satuan.strip() == "%" else ""
        batas_max = "150" if enrolment and satuan.strip() == "%" else batas_max
        ind_rows.append(
            [
                kode,
                kode_sas,
                r["indikator"],
                satuan,
                polaritas,
                tipe_nilai(satuan, polaritas),
                tangga,
                agregasi(satuan),
                1,
                target,
                target_2019,
                kode_opd,
                "0" if polaritas != "kualitatif" else "",
                batas_max,
                " ".join(notes),
            ]
        )
        value = r["realisasi_raw"] if polaritas == "kualitatif" else r["realisasi_num"]
        if (s, i) in REALISASI_OVERRIDE:
            value = REALISASI_OVERRIDE[(s, i)][0]
        realisasi[kode] = {
            "value": value,
            "capaian_reported": r["capaian_reported"],
            "kode_opd": kode_opd,
            "target": target,
        }

    prog_rows = [
        [
            "kode_program",
            "uraian",
            "kode_opd",
            "kode_sasaran",
            "pagu_2018",
            "pagu_renstra",
            "realisasi_rp_lalu",
            "catatan",
        ]
    ]
    renja_rows = [
        [
            "kode_indikator",
            "kode_program",
            "kode_kegiatan",
            "uraian",
            "satuan",
            "agregasi_tw",
            "target_2018",
            "target_2019",
            "target_renstra",
            "realisasi_lalu",
            "catatan",
        ]
    ]
    keg_rows = [
        [
            "kode_kegiatan",
            "kode_program",
            "uraian",
            "pagu_2018",
            "pagu_renstra",
            "realisasi_rp_lalu",
            "catatan",
        ]
    ]
    anggaran: dict[str, str] = {}
    second_run = False
    n = 0
    for r in budget:
        if r["program"] == "Jumlah":
            continue
        if r["notes"].startswith("Start of a second run"):
            second_run = True
        name = r["program"].replace("Sist1m", "Sistem").rstrip(". ")
        rules = (SECOND_RUN_RULES + PROGRAM_RULES) if second_run else PROGRAM_RULES
        hit = next(((o, ss) for pat, o, ss in rules if re.search(pat, name)), None)
        if hit is None:
            raise SystemExit(f"no OPD rule for program {name!r}")
        n += 1
        kode = f"P{n:03d}"
        note = (
            f"Tabel 3.18 baris {r['no']}; OPD dan sasaran ditetapkan dari nama program. "
            f"Pagu Renstra = {RENSTRA_YEARS} × pagu 2018 dan realisasi s/d 2017 = 2 × "
            "realisasi 2018 (contoh: LKjIP hanya memuat tahun 2018)."
        )
        pagu, real = float(r["anggaran_num"]), float(r["realisasi_num"])
        # Realisasi above pagu (Tabel 3.18 row 43) is not carried into the earlier years.
        lalu = 2 * min(real, pagu)
        prog_rows.append(
            [kode, name, hit[0], hit[1], r["anggaran_num"], RENSTRA_YEARS * pagu, lalu, note]
        )
        anggaran[kode] = r["realisasi_num"]
        ind = next(
            (v for pat, v in PROGRAM_INDICATOR_RULES if re.search(pat, name)),
            PROGRAM_INDICATOR_DEFAULT,
        )
        renja_rows.append([f"I{kode}", kode, "", *ind, RENJA_NOTE])
        for code, pattern, uraian, share, kind in KEGIATAN:
            if re.search(pattern, name):
                keg = f"{kode}.{code}"
                keg_rows.append(
                    [
                        keg,
                        kode,
                        uraian,
                        round(share * pagu),
                        round(share * pagu) * RENSTRA_YEARS,
                        round(2 * share * min(real, pagu)),
                        f"Contoh: {share:.0%} pagu program {kode}.",
                    ]
                )
                renja_rows.append([f"I{keg}", kode, keg, *kind, RENJA_NOTE])

    tangga_rows = [["tangga", "peringkat", "nilai", "catatan"]]
    for name, values in LADDERS.items():
        for rank, value in enumerate(values, 1):
            tangga_rows.append([name, rank, value, "urutan: makin besar makin baik"])

    return {
        "pemda": [list(PEMDA), list(PEMDA.values())],
        "opd": opd_rows,
        "misi": [["kode_misi", "uraian"], *[list(m) for m in MISI]],
        "tujuan": [["kode_tujuan", "kode_misi", "uraian"], *[list(t) for t in TUJUAN]],
        "sasaran": sas_rows,
        "indikator": ind_rows,
        "program": prog_rows,
        "kegiatan": keg_rows,
        "indikator_renja": renja_rows,
        "tangga": tangga_rows,
        "pengaturan": [
            ["kunci", "nilai", "catatan"],
            ["skala_predikat", "permendagri_54_2010", "Tabel 3.1 LKjIP"],
            ["rumus_turun", "2T-R", "(2T − R)/T × 100, minimum 0"],
            ["batas_capaian", "120", "batas atas capaian untuk rata-rata (%)"],
            ["metode_rata_rata", "rata_rata", "rata-rata sederhana"],
        ],
        "catatan": [
            ["topik", "keputusan"],
            *[[f"Indikator {s}.{i} tidak dimasukkan", why] for (s, i), why in EXCLUDED.items()],
            [
                "Target",
                "Bila tabel LKjIP berbeda, target PK 2018 (Tabel 2.2) dipakai; "
                "setiap perbedaan dicatat di kolom catatan sheet indikator.",
            ],
            [
                "Program",
                "LKjIP tidak menautkan program ke OPD maupun sasaran; keduanya "
                "ditetapkan dari nama program (aturan di scripts/build_binjai_demo.py).",
            ],
            [
                "Indikator program dan kegiatan (Tabel E.81)",
                "LKjIP 2018 tidak memuat indikator program maupun kegiatan. Setiap program "
                "diberi satu indikator hasil dari namanya (aturan di "
                "scripts/build_binjai_demo.py); program Upaya Kesehatan Masyarakat diberi dua "
                "kegiatan contoh. Target, target Renstra 2021, realisasi s/d 2017, pagu "
                f"Renstra ({RENSTRA_YEARS} × pagu 2018) dan realisasi anggaran s/d 2017 "
                "(2 × realisasi 2018) adalah angka contoh.",
            ],
            [
                "Target 2019",
                "Dari Lampiran PK 2019, dicocokkan dengan nama indikator "
                "dalam sasaran yang sama; indikator baru 2019 belum dimasukkan.",
            ],
        ],
        "_realisasi": [
            [k, v["value"], v["capaian_reported"], v["kode_opd"]] for k, v in realisasi.items()
        ],
        "_anggaran": [[k, v] for k, v in anggaran.items()],
    }


class _Resolver:
    """Alias resolution over the OPD table above (same rules as MasterSpec.resolve_opd)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        for kode, nama, alias, _, _ in OPD:
            for n in [kode, nama, *alias.split(";")]:
                self.names.setdefault(normalise_name(n), kode)

    def resolve(self, text: str) -> str | None:
        if "(Tabel 2.2)" in text:  # PK 2018 is authoritative where the sources disagree
            text = text.rsplit("/", maxsplit=1)[-1]
        key = normalise_name(text)
        if key in self.names:
            return self.names[key]
        prefixes = [n for n in self.names if key.startswith(n + " ")]
        return self.names[max(prefixes, key=len)] if prefixes else None


def write_master(sheets: dict[str, list[list[object]]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False}
    )
    wb.set_properties(
        {"title": "Master spec SAKIP Kota Binjai 2018", "created": dt.datetime(2018, 1, 1)}
    )
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    for name, rows in sheets.items():
        if name.startswith("_"):
            continue
        ws = wb.add_worksheet(name)
        for c, h in enumerate(rows[0]):
            ws.write_string(0, c, str(h), head)
            width = 60 if h in ("uraian", "catatan", "keputusan", "misi", "visi") else 16
            ws.set_column(c, c, width, wrap if width == 60 else None)
        numeric = [
            str(h).startswith(("target_", "pagu_", "bobot", "batas_", "realisasi_"))
            for h in rows[0]
        ]
        for r, row in enumerate(rows[1:], start=1):
            for c, cell in enumerate(row):
                value = cell
                if numeric[c] and isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
                    value = float(value)
                if isinstance(value, int | float):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(1, len(rows) - 1), len(rows[0]) - 1)
    wb.close()


# --- filled inputs -------------------------------------------------------------------------

PENDORONG = [
    "Dukungan pimpinan dan koordinasi yang baik dengan OPD terkait.",
    "Ketersediaan anggaran dan sumber daya manusia yang memadai.",
    "Partisipasi aktif masyarakat dan dukungan pemangku kepentingan.",
]
PENGHAMBAT = [
    "Keterbatasan anggaran sehingga sebagian kegiatan ditunda.",
    "- Koordinasi lintas OPD belum optimal\n- Data pendukung terlambat diterima",
    "Jumlah tenaga teknis terbatas dibandingkan beban kerja.",
]
TINDAK_LANJUT = [
    "Meningkatkan koordinasi dan evaluasi berkala setiap triwulan.",
    "Mengusulkan tambahan anggaran pada perubahan APBD tahun berikutnya.",
]


# Renja sheet of the demo files: the yearly budget realisation split over the quarters, and K
# figures that follow the budget (illustrative, like the program indicators themselves).
RP_SPLIT = (0.15, 0.25, 0.25, 0.35)
K_PATH = (0.4, 0.6, 0.8, 1.0)  # share of the way from last year's position to the target
TINDAK_LANJUT_RENJA = [
    "Menyesuaikan jadwal kegiatan agar realisasi tidak menumpuk di triwulan IV.",
    "Mengusulkan penyesuaian target dan pagu pada Renja tahun berikutnya.",
    "Memperkuat pendataan hasil kegiatan sejak triwulan I.",
]


def _split(total: float) -> list[float]:
    parts = [round(total * s) for s in RP_SPLIT[:-1]]
    return [*parts, round(total) - sum(parts)]


def fill_renja(ws: object, spec: object, anggaran: dict[str, str], seed: int) -> None:
    """Quarterly K and Rp of each program and kegiatan of one demo file."""
    col = {c.key: i + 1 for i, c in enumerate(RENJA_COLUMNS)}
    ind = spec.indikator_renja.set_index("kode_indikator")  # type: ignore[attr-defined]
    keg = spec.kegiatan.set_index("kode_kegiatan")  # type: ignore[attr-defined]
    prog = spec.program.set_index("kode_program")  # type: ignore[attr-defined]
    done: set[str] = set()
    for row in range(HEADER_ROW + 1, ws.max_row + 1):  # type: ignore[attr-defined]
        code = ws.cell(row, col["kode_renja"]).value  # type: ignore[attr-defined]
        if not code:
            continue
        program = keg.loc[code, "kode_program"] if code in keg.index else code
        real = anggaran.get(program)
        if real in ("", None):
            continue
        pagu = float(prog.loc[program, "pagu"])
        ratio = min(float(real) / pagu, 1.1) if pagu else 0.0
        if code not in done:
            done.add(code)
            share = float(keg.loc[code, "pagu"]) / pagu if code in keg.index else 1.0
            for q, part in enumerate(_split(float(real) * share), 1):
                ws.cell(row, col[f"rp_tw{q}"], float(part))  # type: ignore[attr-defined]
            text = TINDAK_LANJUT_RENJA[(seed + row) % len(TINDAK_LANJUT_RENJA)]
            ws.cell(row, col["tindak_lanjut_renja"], text)  # type: ignore[attr-defined]
        kode_ind = ws.cell(row, col["kode_indikator"]).value  # type: ignore[attr-defined]
        if not kode_ind:
            continue
        rec = ind.loc[kode_ind]
        whole = rec["satuan"] != "%"
        for q in range(4):
            if rec["agregasi_tw"] == "kumulatif":
                value = rec["target"] * ratio * RP_SPLIT[q]
            else:
                value = rec["realisasi_lalu"] + (rec["target"] - rec["realisasi_lalu"]) * (
                    ratio * K_PATH[q]
                )
            value = float(round(value)) if whole else round(float(value), 2)
            ws.cell(row, col[f"k_tw{q + 1}"], value)  # type: ignore[attr-defined]


def _capaian_guess(value: str, target: str) -> float | None:
    try:
        return float(value) / float(target) * 100
    except (ValueError, ZeroDivisionError):
        return None


def stamp_modified(path: Path, when: str) -> None:
    """Set docProps/core.xml's modified time (openpyxl always writes 'now' on save)."""
    with zipfile.ZipFile(path) as zin:
        items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, original in items:
            data = original
            info.date_time = (TAHUN + 1, 1, 1, 0, 0, 0)  # reproducible bytes
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(<)",
                    rb"\g<1>" + when.encode() + rb"\g<2>",
                    data,
                )
                data = re.sub(
                    rb"(<dcterms:created[^>]*>)[^<]*(<)",
                    rb"\g<1>" + f"{TAHUN}-01-01T00:00:00Z".encode() + rb"\g<2>",
                    data,
                )
            zout.writestr(info, data)


def fill_inputs(spec_path: Path, sheets: dict[str, list[list[object]]]) -> list[Path]:
    """Write one filled template per OPD (except the one that has not submitted)."""
    spec, issues = read_master(spec_path)
    if spec is None:
        raise SystemExit("\n".join(i.message for i in issues))
    realisasi = {row[0]: row for row in sheets["_realisasi"]}
    anggaran = dict(sheets["_anggaran"])
    shutil.rmtree(INPUT, ignore_errors=True)
    INPUT.mkdir()
    written = []
    ind_col = {c.key: i + 1 for i, c in enumerate(INDIKATOR_COLUMNS)}
    ang_col = {c.key: i + 1 for i, c in enumerate(ANGGARAN_COLUMNS)}
    with tempfile.TemporaryDirectory() as tmp:
        for n, rec in enumerate(spec.opd.to_dict("records")):
            kode = rec["kode_opd"]
            if kode == NOT_SUBMITTING:
                continue
            blank = build_template(spec, kode, Path(tmp) / f"{kode}.xlsx")
            wb = openpyxl.load_workbook(blank)
            ws = wb[SHEET_INDIKATOR]
            for row in range(HEADER_ROW + 1, ws.max_row + 1):
                code = ws.cell(row, ind_col["kode_indikator"]).value
                if not code or code not in realisasi:
                    continue
                _, value, reported, _ = realisasi[code]
                target = str(ws.cell(row, ind_col["target"]).value)
                ind = spec.indikator.set_index("kode_indikator").loc[code]
                if value not in ("", None):
                    if ind["agregasi_tw"] == "kumulatif" and kode == "DISPORA":
                        # This OPD reports quarterly counts and leaves the annual cell empty.
                        total = int(float(value))
                        parts = [total // 4] * 4
                        parts[-1] += total - sum(parts)
                        for q, part in enumerate(parts, 1):
                            ws.cell(row, ind_col[f"realisasi_tw{q}"], part)
                    elif code == "IK01.09":
                        # Typed as text with a decimal comma, as OPDs often do.
                        ws.cell(row, ind_col["realisasi_tahunan"], "9,17")
                    else:
                        cell_value: object = value
                        if ind["polaritas"] != "kualitatif":
                            cell_value = float(value)
                        ws.cell(row, ind_col["realisasi_tahunan"], cell_value)
                rep = re.sub(r"[^\d,.]", "", reported or "").replace(",", ".").rstrip(".")
                if rep and rep.count(".") <= 1 and kode in ("BPKPAD", "DINKES", "DISDIK"):
                    ws.cell(row, ind_col["capaian_opd"], float(rep))
                guess = _capaian_guess(str(value), target)
                k = row + n
                ws.cell(row, ind_col["faktor_pendorong"], PENDORONG[k % len(PENDORONG)])
                if guess is not None and guess < 100:
                    ws.cell(row, ind_col["faktor_penghambat"], PENGHAMBAT[k % len(PENGHAMBAT)])
                ws.cell(row, ind_col["tindak_lanjut"], TINDAK_LANJUT[k % len(TINDAK_LANJUT)])
                ws.cell(row, ind_col["sumber_data"], rec["nama_opd"])
            ws = wb[SHEET_ANGGARAN]
            for row in range(HEADER_ROW + 1, ws.max_row + 1):
                code = ws.cell(row, ang_col["kode_program"]).value
                if code in anggaran:
                    ws.cell(row, ang_col["realisasi_anggaran"], float(anggaran[code]))
            fill_renja(wb[SHEET_RENJA], spec, anggaran, n)
            name = f"{rec['nama_opd']} - Capaian Kinerja {TAHUN}.xlsx".replace("/", "-")
            target_path = INPUT / name
            wb.save(target_path)
            # Saved on a working day before the deadline; one OPD sends its file late.
            day = 20 + n % 9 if kode != LATE else 20
            month = 1 if kode != LATE else 2
            stamp_modified(
                target_path, f"{TAHUN + 1}-{month:02d}-{day:02d}T{8 + n % 8:02d}:15:00Z"
            )
            written.append(target_path)
    return written


def main() -> None:
    sheets = build_rows()
    write_master(sheets, MASTER)
    written = fill_inputs(MASTER, sheets)
    print(f"master spec: {MASTER.relative_to(ROOT)}")
    print(f"input files: {len(written)} in {INPUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
