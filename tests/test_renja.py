"""Renja evaluation (Tabel E.81): the reporting period, the spec's program and kegiatan
indicators, and every column of one OPD's block computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.config import build_settings
from pipeline.renja import build_e81, e81_scale, periode_label, triwulan_of

SCALE = e81_scale(build_settings()[0])


@pytest.mark.parametrize(
    ("text", "quarters"),
    [
        ("Tahunan", 4),
        ("TW1", 1),
        ("TW 2", 2),
        ("TW II", 2),
        ("Triwulan III", 3),
        ("tw4", 4),
        ("Semester I", 2),
        ("TW5", None),
        ("", None),
        ("Bulanan", None),
    ],
)
def test_periode(text: str, quarters: int | None) -> None:
    assert triwulan_of(text) == quarters


def test_periode_label() -> None:
    assert periode_label(1) == "Triwulan I"
    assert periode_label(2) == "Triwulan I s/d II"


def _spec_frames() -> dict[str, pd.DataFrame]:
    opd = pd.DataFrame({"kode_opd": ["D1"], "nama_opd": ["Dinas Satu"]})
    sasaran = pd.DataFrame({"kode_sasaran": ["S1"], "uraian": ["Sasaran satu"]})
    indikator = pd.DataFrame({"kode_sasaran": ["S1"], "kode_opd_list": [("D1",)]})
    program = pd.DataFrame(
        {
            "kode_program": ["P1"],
            "uraian": ["Program satu"],
            "kode_opd": ["D1"],
            "kode_sasaran": ["S1"],
            "pagu": [1_000_000.0],
            "pagu_renstra": [5_000_000.0],
            "realisasi_rp_lalu": [2_000_000.0],
            "urusan": [""],
        }
    )
    kegiatan = pd.DataFrame(
        {
            "kode_kegiatan": ["P1.01"],
            "kode_program": ["P1"],
            "uraian": ["Kegiatan satu"],
            "kode_opd": ["D1"],
            "pagu": [400_000.0],
            "pagu_renstra": [2_000_000.0],
            "realisasi_rp_lalu": [800_000.0],
        }
    )
    ind = pd.DataFrame(
        {
            "kode_indikator": ["IP1", "IK1"],
            "tingkat": ["program", "kegiatan"],
            "kode_program": ["P1", "P1"],
            "kode_kegiatan": ["", "P1.01"],
            "kode_opd": ["D1", "D1"],
            "uraian": ["Cakupan layanan", "Jumlah pelatihan"],
            "satuan": ["%", "kali"],
            "agregasi_tw": ["nilai_akhir", "kumulatif"],
            "target": [80.0, 12.0],
            "target_renstra": [90.0, 60.0],
            "tahun_target_renstra": [None, None],
            "realisasi_lalu": [75.0, 24.0],
            "catatan": ["", ""],
        }
    )
    return {
        "opd": opd,
        "sasaran": sasaran,
        "indikator": indikator,
        "program": program,
        "kegiatan": kegiatan,
        "ind": ind,
    }


K = pd.DataFrame(
    {
        "kode_indikator": ["IP1", "IK1"],
        "k_tw1": [70.0, 2.0],
        "k_tw2": [78.0, 4.0],
        "k_tw3": [82.0, 3.0],
        "k_tw4": [84.0, 5.0],
    }
)
RP = pd.DataFrame(
    {
        "kode": ["P1", "P1.01"],
        "rp_tw1": [100_000.0, 50_000.0],
        "rp_tw2": [200_000.0, 60_000.0],
        "rp_tw3": [300_000.0, 70_000.0],
        "rp_tw4": [250_000.0, 80_000.0],
    }
)


def _build(  # type: ignore[no-untyped-def]
    triwulan: int,
    files: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame],
    submitted: dict[str, str],
    without: tuple[str, ...] = (),
):
    """The E.81 of the test spec from ``files`` = (K, Rp, yearly Anggaran, narrative);
    ``without`` names spec sheets left empty (``kegiatan``, ``ind``)."""
    f = _spec_frames()
    for name in without:
        f[name] = f[name].iloc[0:0]
    return build_e81(
        f["opd"],
        f["sasaran"],
        f["indikator"],
        f["program"],
        f["kegiatan"],
        f["ind"],
        triwulan,
        *files,
        submitted,
        SCALE,
    )


def _e81(triwulan: int):  # type: ignore[no-untyped-def]
    narasi = pd.DataFrame(
        {
            "kode_opd": ["D1", "D1"],
            "faktor_pendorong": ["A", "A"],
            "faktor_penghambat": ["B", ""],
            "tindak_lanjut": ["C", "D"],
            "tindak_lanjut_renja": ["E", ""],
        }
    )
    return _build(triwulan, (K, RP, pd.DataFrame(), narasi), {"D1": "renja"})


def _row(e81, code: str) -> dict:  # type: ignore[no-untyped-def]
    rows = e81.rows.set_index("kode_indikator")
    return rows.loc[code].to_dict()


def _same(got: float, want: float) -> bool:
    return math.isclose(got, want, rel_tol=1e-12) if not math.isnan(want) else math.isnan(got)


def test_tw2_program_row_by_hand() -> None:
    """TW II run: quarters III and IV are left out of every sum."""
    p = _row(_e81(2), "IP1")
    want = {
        # K: nilai akhir → 13 = TW II = 78; 14 = 78/80×100 = 97,5; 15 = 13 = 78;
        # 16 = 78/90×100 = 86,666…
        "k6": 90.0,
        "k7": 75.0,
        "k8": 80.0,
        "k_tw1": 70.0,
        "k_tw2": 78.0,
        "k_tw3": math.nan,
        "k_tw4": math.nan,
        "k13": 78.0,
        "k14": 97.5,
        "k15": 78.0,
        "k16": 78 / 90 * 100,
        # Rp: 13 = 100.000 + 200.000 = 300.000; 14 = 300.000/1.000.000×100 = 30;
        # 15 = 2.000.000 + 300.000 = 2.300.000; 16 = 2.300.000/5.000.000×100 = 46
        "rp6": 5_000_000.0,
        "rp7": 2_000_000.0,
        "rp8": 1_000_000.0,
        "rp_tw1": 100_000.0,
        "rp_tw2": 200_000.0,
        "rp_tw3": math.nan,
        "rp_tw4": math.nan,
        "rp13": 300_000.0,
        "rp14": 30.0,
        "rp15": 2_300_000.0,
        "rp16": 46.0,
    }
    for key, value in want.items():
        assert _same(float(p[key]), value), (key, p[key], value)


def test_ratios_are_exact_to_the_digits_of_their_inputs() -> None:
    """0,63 / 90 × 100 is 0.7000000000000001 in binary floating point; by hand it is 0,7."""
    k = K.assign(k_tw1=[0.63, 2.0])
    narasi = pd.DataFrame(columns=["kode_opd", "faktor_pendorong", "faktor_penghambat"])
    p = _row(_build(1, (k, RP, pd.DataFrame(), narasi), {"D1": "renja"}), "IP1")
    assert p["k13"] == 0.63  # nilai akhir: TW I
    assert p["k16"] == 0.7  # 0,63 / 90 (target Renstra) × 100


def test_tw2_kegiatan_row_by_hand() -> None:
    """Kumulatif K: 13 = 9 + 10 = 2 + 4 = 6; 14 = 6/12×100 = 50; 15 = 7 + 13 = 24 + 6 = 30;
    16 = 30/60×100 = 50. Rp: 13 = 110.000; 14 = 110.000/400.000×100 = 27,5;
    15 = 800.000 + 110.000 = 910.000; 16 = 910.000/2.000.000×100 = 45,5."""
    k = _row(_e81(2), "IK1")
    want = {
        "k13": 6.0,
        "k14": 50.0,
        "k15": 30.0,
        "k16": 50.0,
        "rp13": 110_000.0,
        "rp14": 27.5,
        "rp15": 910_000.0,
        "rp16": 45.5,
    }
    for key, value in want.items():
        assert _same(float(k[key]), value), (key, k[key], value)


def test_tw4_same_files_by_hand() -> None:
    """TW IV run of the same data: every quarter counts."""
    e81 = _e81(4)
    p, k = _row(e81, "IP1"), _row(e81, "IK1")
    assert p["k13"] == 84.0 and p["k14"] == 105.0  # last TW; 84/80×100
    assert p["rp13"] == 850_000.0 and p["rp14"] == 85.0  # 100+200+300+250 (ribu)
    assert k["k13"] == 14.0 and k["k15"] == 38.0  # 2+4+3+5; 24 + 14
    assert k["rp13"] == 260_000.0 and k["rp14"] == 65.0


def test_footer_by_hand() -> None:
    """Rata-rata K = mean of column 14 (K) = (97,5 + 50)/2 = 73,75 → S (> 65, ≤ 75);
    Rata-rata Rp over programs = Σ13/Σ8 = 300.000/1.000.000 = 30 → SR (≤ 50)."""
    foot = _e81(2).footer.iloc[0]
    assert foot["rata_k"] == 73.75 and foot["jumlah_k"] == 2
    assert foot["predikat_k"] == "S"
    assert foot["rata_rp"] == 30.0 and foot["jumlah_rp"] == 1
    assert foot["predikat_rp"] == "SR"
    assert foot["faktor_pendorong"] == "A"
    assert foot["faktor_penghambat"] == "B"
    assert foot["tindak_lanjut"] == "C; D"  # one paragraph: the footer row is one wide cell
    assert foot["tindak_lanjut_renja"] == "E"
    assert foot["sasaran"] == "S1 Sasaran satu"


def test_predikat_k_and_rp_are_separate() -> None:
    """A peer computed the anggaran predikat from the kinerja average: here they differ."""
    foot = _e81(4).footer.iloc[0]
    # K: (105 + 14/12×100)/2 = (105 + 116,67)/2 = 110,83 → ST; Rp: 850.000/1.000.000 = 85 → T
    assert foot["predikat_k"] == "ST"
    assert foot["predikat_rp"] == "T"


def test_old_template_uses_the_yearly_budget() -> None:
    yearly = pd.DataFrame({"kode_program": ["P1"], "realisasi_anggaran": [640_000.0]})
    e81 = _build(4, (pd.DataFrame(), pd.DataFrame(), yearly, pd.DataFrame()), {"D1": "lama"})
    p = _row(e81, "IP1")
    assert p["rp13"] == 640_000.0 and p["rp14"] == 64.0
    assert math.isnan(p["k13"])
    assert "templat lama" in e81.footer.iloc[0]["catatan"]


def test_without_indicator_sheet_the_block_says_so() -> None:
    files = (pd.DataFrame(), RP, pd.DataFrame(), pd.DataFrame())
    e81 = _build(2, files, {}, without=("kegiatan", "ind"))
    assert list(e81.rows["kode"]) == ["P1"]
    assert e81.rows.iloc[0]["rp13"] == 300_000.0
    assert "belum memuat indikator program" in e81.footer.iloc[0]["catatan"]
    assert "belum diterima" in e81.footer.iloc[0]["catatan"]


def test_no_quarterly_rp_falls_back_to_the_yearly_budget_with_a_note() -> None:
    yearly = pd.DataFrame({"kode_program": ["P1"], "realisasi_anggaran": [500_000.0]})
    e81 = _build(4, (K, pd.DataFrame(), yearly, pd.DataFrame()), {"D1": "renja"})
    p = _row(e81, "IP1")
    assert p["rp13"] == 500_000.0 and p["rp14"] == 50.0
    assert "realisasi tahunan sheet Anggaran" in p["keterangan"]
    assert math.isnan(_row(e81, "IK1")["rp13"])  # kegiatan: no yearly figure to fall back on


def test_a_quarterly_run_leaves_the_yearly_budget_out() -> None:
    """TW II: the yearly cell is the year's realisation, not TW I-II's; the row says so."""
    yearly = pd.DataFrame({"kode_program": ["P1"], "realisasi_anggaran": [500_000.0]})
    e81 = _build(2, (K, pd.DataFrame(), yearly, pd.DataFrame()), {"D1": "renja"})
    p = _row(e81, "IP1")
    assert math.isnan(p["rp13"]) and math.isnan(p["rp14"])
    assert p["keterangan"].startswith("Rp TW I–II belum diisi; tidak ikut rata-rata Rp")
    assert math.isnan(e81.footer.iloc[0]["rata_rp"])


def test_the_footers_texts_keep_their_lines() -> None:
    """One OPD's texts in the E.81 footer: sentences follow sentences, other texts are parted
    by a semicolon, and a text written as a list starts on a line of its own (it read
    '… kepentingan. - Pemanfaatan …')."""
    from pipeline.renja import _joined

    assert _joined(["Dukungan pimpinan.", "SDM terbatas", "SDM terbatas", "Dana kurang"]) == (
        "Dukungan pimpinan. SDM terbatas; Dana kurang"
    )
    listed = "- Koordinasi belum optimal\n- Data terlambat"
    assert _joined(["Partisipasi aktif.", listed, "Dana kurang"]) == (
        f"Partisipasi aktif.\n{listed}\nDana kurang"
    )
    assert _joined(["Partisipasi aktif.", "- Pemanfaatan teknologi"]) == (
        "Partisipasi aktif.\n- Pemanfaatan teknologi"
    )
