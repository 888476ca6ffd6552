"""What changed since the previous run: the comparison itself (pure, no files)."""

from __future__ import annotations

import json
import math

import pandas as pd

from pipeline import sanitize
from pipeline.perubahan import _indicator_changes, compare, indicator_records, summary_lines

IDENTITY = ("1275", 2018, "tahunan")


def _berkas(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"berkas": b, "sha256": h, "kode_opd": k, "status": s, "pengirim": "", "diterima": ""}
            for b, h, k, s in rows
        ]
    )


def _indikator(*rows: tuple[str, str, str, object, str, float | None, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "kode_indikator": kode,
                "uraian_indikator": f"Indikator {kode}",
                "kode_opd": opd,
                "satuan": "%",
                "polaritas": pol,
                "realisasi": real,
                "realisasi_teks": teks,
                "capaian_mentah": cap,
                "predikat": pred,
                "status": status,
                "berkas": f"{opd}.xlsx",
            }
            for kode, opd, pol, real, teks, cap, pred, status in rows
        ]
    )


def _manifest(berkas: pd.DataFrame, indikator: pd.DataFrame, **extra: object) -> dict:
    """A previous run's manifest as outputs.write_outputs keeps it (through the sanitiser)."""
    manifest = {
        "kode_pemda": "1275",
        "tahun": 2018,
        "periode": "tahunan",
        "berkas_masukan": berkas.to_dict("records"),
        "indikator": indicator_records(indikator),
        **extra,
    }
    return sanitize.json_value(json.loads(json.dumps(manifest, default=str)))  # type: ignore[return-value]


BEFORE_FILES = _berkas(
    ("a.xlsx", "h1", "DINKES", "diterima"),
    ("-draf.xlsx", "h2", "BKD", "diterima"),  # a name the sanitiser changes in the manifest
    ("lama.xlsx", "h3", "DLH", "diterima"),
)
BEFORE = _indikator(
    ("I1", "DINKES", "naik", 71.67, "", 99.32, "Sangat Tinggi", "dinilai"),
    ("I2", "BKD", "kualitatif", 3.0, "WDP", 75.0, "Tinggi", "dinilai"),
    ("I3", "DLH", "naik", 10.0, "", 100.0, "Sangat Tinggi", "dinilai"),
    ("I4", "DLH", "naik", None, "", None, "", "belum lapor"),
)


def test_the_same_run_twice_changes_nothing() -> None:
    p = compare(_manifest(BEFORE_FILES, BEFORE), "", IDENTITY, BEFORE_FILES, BEFORE)
    assert p.compared
    assert p.berkas.empty and p.indikator.empty
    assert "0 berkas baru, berubah atau hilang; 0 baris indikator berubah" in p.catatan


def test_new_changed_and_gone_files_and_every_changed_indicator() -> None:
    files = _berkas(
        ("a.xlsx", "h1-baru", "DINKES", "diterima dengan peringatan"),
        ("-draf.xlsx", "h2", "BKD", "diterima"),
        ("baru.xlsx", "h4", "DLH", "diterima"),
    )
    now = _indikator(
        ("I1", "DINKES", "naik", 50.0, "", 69.29, "Sedang", "dinilai"),
        ("I2", "BKD", "kualitatif", 4.0, "WTP", 100.0, "Sangat Tinggi", "dinilai"),
        ("I3", "DLH", "naik", 10.0 + 1e-12, "", 100.0, "Sangat Tinggi", "dinilai"),  # same
        ("I4", "DLH", "naik", 5.0, "", 50.0, "Sangat Rendah", "dinilai"),
        ("I5", "DINKES", "naik", 1.0, "", 100.0, "Sangat Tinggi", "dinilai"),
    )
    p = compare(_manifest(BEFORE_FILES, BEFORE), "", IDENTITY, files, now)
    assert p.berkas[["perubahan", "kode_opd", "berkas", "berkas_sebelumnya"]].values.tolist() == [
        ["isi berubah", "DINKES", "a.xlsx", ""],
        ["baru", "DLH", "baru.xlsx", "lama.xlsx"],
        ["tidak ada lagi", "DLH", "lama.xlsx", "lama.xlsx"],
    ]
    rows = p.indikator.set_index("kode_indikator")
    assert list(rows.index) == ["I1", "I2", "I4", "I5"]
    assert rows.loc["I1", "realisasi_sebelumnya"] == 71.67
    assert rows.loc["I1", "realisasi_sekarang"] == 50.0
    assert math.isclose(rows.loc["I1", "selisih_capaian"], 69.29 - 99.32)
    # a change is made of the two capaian as shown: 12,77 − 11,70 = 1,07 (unrounded: 1,0605)
    shown = _indicator_changes(
        [{"kode_indikator": "I9", "kode_opd": "BKD", "realisasi": 1.0, "capaian_mentah": 11.7049}],
        [{"kode_indikator": "I9", "kode_opd": "BKD", "realisasi": 2.0, "capaian_mentah": 12.7654}],
        2,
    )
    assert shown["selisih_capaian"].tolist() == [1.07]
    assert (rows.loc["I2", "realisasi_sebelumnya"], rows.loc["I2", "realisasi_sekarang"]) == (
        "WDP",
        "WTP",
    )  # a kualitatif indicator shows its ladder value, not its rank
    assert rows.loc["I4", "realisasi_sebelumnya"] is None
    assert (rows.loc["I4", "status_sebelumnya"], rows.loc["I4", "status_sekarang"]) == (
        "belum lapor",
        "dinilai",
    )
    assert rows.loc["I5", "status_sebelumnya"] == "(tidak ada)"
    lines = summary_lines(p)
    assert (
        "    I1 (DINKES): realisasi 71,67 → 50; capaian 99,32% → 69,29%; predikat Sangat "
        "Tinggi → Sedang"
    ) in lines
    assert (
        "    I2 (BKD): realisasi WDP → WTP; capaian 75,00% → 100,00%; predikat Tinggi → "
        "Sangat Tinggi"
    ) in lines


def test_another_pemda_or_an_old_manifest_is_not_compared() -> None:
    other = _manifest(BEFORE_FILES, BEFORE, kode_pemda="1271")
    p = compare(other, "", IDENTITY, BEFORE_FILES, BEFORE)
    assert not p.compared and p.berkas.empty
    assert p.catatan.startswith("Proses sebelumnya di folder keluaran untuk Pemda 1271 tahun")
    old = _manifest(BEFORE_FILES, BEFORE)
    del old["indikator"]
    files = _berkas(("a.xlsx", "h9", "DINKES", "diterima"))
    p = compare(old, "", IDENTITY, files, BEFORE)
    assert not p.compared and len(p.berkas) == 3  # files still compared
    assert p.indikator.empty
    assert "hanya berkas yang dibandingkan" in summary_lines(p)[1]
    p = compare(None, "Belum ada proses sebelumnya.", IDENTITY, files, BEFORE)
    assert summary_lines(p) == [
        "Perubahan sejak proses sebelumnya:",
        "  Belum ada proses sebelumnya.",
    ]


def test_a_file_gone_is_one_clean_console_line() -> None:
    """A file that is gone has no status now and was itself the file used before: the line
    read '(; sebelumnya dipakai <the same file>)'."""
    from pipeline.perubahan import BERKAS_COLUMNS, Perubahan

    gone = {c: "" for c in BERKAS_COLUMNS}
    gone.update(perubahan="tidak ada lagi", kode_opd="KEC_X", berkas="kec.xlsx")
    gone["berkas_sebelumnya"] = "kec.xlsx"
    other = dict(gone, perubahan="baru", berkas="b.xlsx", status="diterima")
    other["berkas_sebelumnya"] = "a.xlsx"
    p = Perubahan(True, "dibandingkan", berkas=pd.DataFrame([gone, other]))
    lines = summary_lines(p)
    assert "    [tidak ada lagi] KEC_X kec.xlsx" in lines
    assert "    [baru] KEC_X b.xlsx (diterima; sebelumnya dipakai a.xlsx)" in lines


def test_a_spec_or_setting_changed_since_the_previous_run_is_said() -> None:
    """batas_capaian 120 → 100 moved the average and a predikat; Perubahan said '0 berkas, 0
    indikator berubah'. A target changed in the spec showed only as a status change."""
    before = _manifest(
        BEFORE_FILES,
        BEFORE,
        master_spec={"berkas": "binjai.xlsx", "sha256": "a" * 64},
        pengaturan={"batas_capaian": "120", "desimal_tampilan": "2"},
    )
    now = {
        "master_spec": {"berkas": "binjai.xlsx", "sha256": "b" * 64},
        "pengaturan": {"batas_capaian": "100", "rumus_turun": "T/R", "desimal_tampilan": "2"},
    }
    p = compare(before, "", IDENTITY, BEFORE_FILES, BEFORE, 2, now)
    assert p.catatan.endswith(
        " Sejak proses sebelumnya: master spec diganti (binjai.xlsx, sidik aaaaaaaaaaaa → "
        "binjai.xlsx, sidik bbbbbbbbbbbb): target, indikator atau pagu mungkin berubah; "
        "pengaturan diubah: batas_capaian 120 → 100, rumus_turun (bawaan) → T/R."
    ), p.catatan
    same = {"master_spec": {"berkas": "binjai.xlsx", "sha256": "a" * 64}}
    same["pengaturan"] = {"batas_capaian": "120", "desimal_tampilan": "2"}
    unchanged = compare(before, "", IDENTITY, BEFORE_FILES, BEFORE, 2, same)
    assert "Sejak proses sebelumnya" not in unchanged.catatan
