"""Tabel E.81 from filled templates: the Renja sheet, a TW II and a TW IV run of the same files
against a block computed by hand, the older template read with its notice, the Renja value
rules at their cells, and one printed page per OPD block."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from pipeline import template as tpl
from pipeline.ingest import read_submission
from pipeline.master import MasterSpec, read_master
from pipeline.outputs import write_outputs
from pipeline.run import Run, load_and_run
from pipeline.validate.renja import extract_renja
from pipeline.validate.rows import extract_anggaran
from pipeline.workbook.e81 import col_of

GOLDEN = Path(__file__).parent / "golden"
SPEC = Path(__file__).resolve().parents[1] / "master" / "binjai_2018.xlsx"
COL = {c.key: i + 1 for i, c in enumerate(tpl.RENJA_COLUMNS)}
IND = {c.key: i + 1 for i, c in enumerate(tpl.INDIKATOR_COLUMNS)}

# What the BPKPAD analyst typed (TW III is typed too: a TW II run must leave it out).
TYPED = {
    "P049": {"k": (40, 65, 85), "rp": (10_000_000, 14_000_000, 12_000_000)},
    "P159": {"k": (30, 55, 80), "rp": (800_000_000, 1_200_000_000, 1_000_000_000)},
}


def _rows(ws: Any, key: str) -> dict[str, int]:
    """Sheet row of each code in a template sheet."""
    out: dict[str, int] = {}
    for row in range(tpl.HEADER_ROW + 1, ws.max_row + 1):
        code = ws.cell(row, COL[key] if key in COL else IND[key]).value
        if code and code not in out:
            out[str(code)] = row
    return out


def _filled_bpkpad(spec: MasterSpec, folder: Path) -> Path:
    path = tpl.build_template(spec, "BPKPAD", folder / "bpkpad.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[tpl.SHEET_RENJA]
    for code, row in _rows(ws, "kode_renja").items():
        for q, (k, rp) in enumerate(zip(TYPED[code]["k"], TYPED[code]["rp"], strict=True), 1):
            ws.cell(row, COL[f"k_tw{q}"], k)
            ws.cell(row, COL[f"rp_tw{q}"], rp)
        ws.cell(row, COL["tindak_lanjut_renja"], f"Tindak lanjut Renja {code}.")
    ind = wb[tpl.SHEET_INDIKATOR]
    for row in _rows(ind, "kode_indikator").values():
        ind.cell(row, IND["faktor_pendorong"], "Dukungan pimpinan.")
        ind.cell(row, IND["tindak_lanjut"], "Rapat evaluasi bulanan.")
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def runs(spec: MasterSpec, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("e81_masuk")
    _filled_bpkpad(spec, folder)
    out: dict[str, Any] = {}
    for periode in ("TW2", "Tahunan"):
        run, issues = load_and_run(SPEC, folder, periode=periode)
        assert run is not None, issues
        target = tmp_path_factory.mktemp(f"e81_{periode}")
        out[periode] = (run, write_outputs(run, target), target)
    return out


def _block(path: Path) -> list[list[Any]]:
    return [list(r) for r in openpyxl.load_workbook(path)["E.81"].iter_rows(values_only=True)]


def _number(value: object) -> float:
    return math.nan if value is None or value == "" else float(value)  # type: ignore[arg-type]


def test_template_has_the_renja_rows(spec: MasterSpec, tmp_path: Path) -> None:
    path = tpl.build_template(spec, "DINKES", tmp_path / "dinkes.xlsx")
    wb = openpyxl.load_workbook(path)
    meta = {r[0]: r[1] for r in wb[tpl.SHEET_META].iter_rows(values_only=True)}
    assert meta["versi_templat"] == tpl.TEMPLATE_VERSION == "2"
    ws = wb[tpl.SHEET_RENJA]
    header = [ws.cell(tpl.HEADER_ROW, c).value for c in range(1, len(tpl.RENJA_COLUMNS) + 1)]
    assert header == [c.shown for c in tpl.RENJA_COLUMNS]
    rows = list(ws.iter_rows(min_row=tpl.HEADER_ROW + 1, values_only=True))
    codes = [r[0] for r in rows]
    # 20 programs with one indicator each, and P021's two kegiatan right after it
    assert len(rows) == 22
    assert codes[5:8] == ["P021", "P021.01", "P021.02"]
    first = tpl.HEADER_ROW + 1
    assert ws.cell(first, COL["target_renja"]).value == 90  # locked, from the spec
    assert ws.cell(first, COL["pagu"]).value == 598_589_498
    assert ws.cell(first, COL["k_tw1"]).protection.locked is False
    assert ws.cell(first, COL["rp_tw4"]).protection.locked is False
    assert ws.cell(first, COL["pagu"]).protection.locked is not False
    assert ws.protection.sheet


def test_tw2_and_tw4_blocks_by_hand(runs: dict[str, Any]) -> None:
    """Every column of BPKPAD's block against tests/golden/e81_diperiksa_manual.csv."""
    hand = pd.read_csv(GOLDEN / "e81_diperiksa_manual.csv", dtype=str, keep_default_na=False)
    blocks = {
        "TW2": _block(runs["TW2"][2] / "e81" / "BPKPAD.xlsx"),
        "TW4": _block(runs["Tahunan"][2] / "e81" / "BPKPAD.xlsx"),
    }
    for rec in hand.to_dict("records"):
        rows = blocks[rec["periode"]]
        kolom = int(rec["kolom"])
        if rec["kode"] in ("rata-rata", "predikat"):
            label = {"rata-rata": "Rata-rata capaian kinerja (%)", "predikat": "Predikat kinerja"}
            row = next(r for r in rows if r[0] == label[rec["kode"]])
        else:
            row = next(r for r in rows if r[2] == rec["kode"])
        got = (row[col_of(kolom, "K")], row[col_of(kolom, "Rp")])
        for value, want in zip(got, (rec["K"], rec["Rp"]), strict=True):
            if rec["kode"] == "predikat":
                assert value == want, rec
            elif want == "":
                assert value is None, rec
            else:
                assert _number(value) == pytest.approx(float(want), rel=1e-8), rec
    tw2 = blocks["TW2"]
    assert any("Triwulan I s/d II" in str(r[0]) for r in tw2)  # the period in the header
    foot = {r[0]: r[5] for r in tw2 if isinstance(r[0], str)}
    assert foot["Faktor pendorong keberhasilan kinerja"] == "Dukungan pimpinan."
    assert foot["Tindak lanjut yang diperlukan dalam triwulan berikutnya"] == (
        "Rapat evaluasi bulanan."
    )
    assert foot["Tindak lanjut yang diperlukan dalam RKPD/Renja berikutnya"] == (
        "Tindak lanjut Renja P049. Tindak lanjut Renja P159."
    )


def test_the_yearly_lkjip_is_the_same_in_both_runs(runs: dict[str, Any]) -> None:
    tw2: Run = runs["TW2"][0]
    tw4: Run = runs["Tahunan"][0]
    pd.testing.assert_frame_equal(tw2.results.indikator, tw4.results.indikator)
    pd.testing.assert_series_equal(
        pd.Series(tw2.results.keseluruhan, dtype=object),
        pd.Series(tw4.results.keseluruhan, dtype=object),
    )


def test_consolidated_sheet_matches_the_opd_file(runs: dict[str, Any]) -> None:
    _, paths, folder = runs["TW2"]
    sheet = _block(paths["workbook"])
    own = _block(folder / "e81" / "BPKPAD.xlsx")
    start = next(i for i, r in enumerate(sheet) if str(r[0]).endswith("(BPKPAD)"))
    mine = next(i for i, r in enumerate(own) if str(r[0]).endswith("(BPKPAD)"))
    last = "Tindak lanjut yang diperlukan dalam RKPD/Renja berikutnya"
    length = next(i for i, r in enumerate(own) if r[0] == last) - mine + 1
    assert length > 10
    assert sheet[start : start + length] == own[mine : mine + length]


def test_a_refused_yearly_rupiah_is_said_in_keterangan(tmp_path: Path) -> None:
    """P006 of DINSOS without quarterly Rp: column 13 takes the yearly realisation of the
    Anggaran sheet. Typed above the pagu (an ERROR), it left column 13 empty with nothing in
    Keterangan, and the footer's Rp average quietly had one program less."""
    from tests.conftest import copy_inputs, input_file

    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DINSOS")
    wb = openpyxl.load_workbook(path)
    renja = wb[tpl.SHEET_RENJA]
    row = next(r for r in range(1, renja.max_row + 1) if renja.cell(r, 1).value == "P006")
    for q in (1, 2, 3, 4):
        renja.cell(row, COL[f"rp_tw{q}"]).value = None
    budget = wb[tpl.SHEET_ANGGARAN]
    row = next(r for r in range(1, budget.max_row + 1) if budget.cell(r, 1).value == "P006")
    budget.cell(row, 5).value = 914_174_510  # pagu 814.174.510
    wb.save(path)
    run, _ = load_and_run(SPEC, folder)
    assert run is not None
    p006 = run.e81.rows.set_index("kode").loc["P006"]
    assert math.isnan(p006["rp13"])
    assert "realisasi tahunan sheet Anggaran ditolak" in p006["keterangan"]
    p007 = run.e81.rows.set_index("kode").loc["P007"]  # its quarters are there: no such note
    assert "ditolak" not in p007["keterangan"]


def test_old_template_is_read_with_its_notice(
    spec: MasterSpec, tmp_path: Path, runs: dict[str, Any]
) -> None:
    """A version-1 file (no Renja sheet): IKU and budget used, the OPD told to update."""
    path = _filled_bpkpad(spec, tmp_path)
    wb = openpyxl.load_workbook(path)
    del wb[tpl.SHEET_RENJA]
    meta = wb[tpl.SHEET_META]
    for row in meta.iter_rows():
        if row[0].value == "versi_templat":
            row[1].value = "1"
    ang = wb[tpl.SHEET_ANGGARAN]
    for row in range(tpl.HEADER_ROW + 1, ang.max_row + 1):
        ang.cell(row, 5, 1_000_000)
    wb.save(path)
    run, _ = load_and_run(SPEC, tmp_path, periode="TW2")
    assert run is not None
    notice = run.issues[run.issues["rule"] == "struktur.versi_lama"]
    assert len(notice) == 1
    found = notice.iloc[0]
    assert (found["severity"], found["sheet"], found["cell"]) == ("WARNING", "_meta", "B2")
    assert "versi 2" in found["message"]
    berkas = run.validated.berkas.set_index("kode_opd")
    assert berkas.loc["BPKPAD", "status"] in ("diterima", "diterima dengan peringatan")
    budget = run.validated.anggaran.set_index("kode_program")
    assert budget.loc["P049", "realisasi_anggaran"] == 1_000_000  # still used
    rows = run.e81.rows.set_index("kode")
    assert rows.loc["P049", "rp13"] == 1_000_000  # yearly realisation in column 13
    assert math.isnan(rows.loc["P049", "k13"])
    assert "templat lama" in run.e81.footer.set_index("kode_opd").loc["BPKPAD", "catatan"]


def _renja_issues(spec: MasterSpec, tmp_path: Path, edit: dict[tuple[str, str], object]) -> Any:
    path = tpl.build_template(spec, "DINKES", tmp_path / "dinkes.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[tpl.SHEET_RENJA]
    rows = _rows(ws, "kode_renja")
    for (code, key), value in edit.items():
        ws.cell(rows[code], COL[key], value)
    wb.save(path)
    sub = read_submission(path)
    k, rp, texts, issues = extract_renja(sub, spec, "DINKES")
    edited = {rows[code] for code, _ in edit}
    # only the rows edited (in a quarterly run, every untouched program has no Rp yet)
    mine = [i for i in issues if int("".join(ch for ch in i.cell if ch.isdigit())) in edited]
    return (k, rp, texts, mine), rows


def _typed_over(
    tmp_path: Path, kode: str, cells: dict[tuple[str, str], object], periode: str = "TW2"
) -> tuple[Run, dict[str, int]]:
    """The demo's inputs with cells of ``kode``'s Renja sheet typed over (``(code, column):
    value``), run for ``periode``; returns the run and the sheet's row of each code."""
    from tests.conftest import copy_inputs, input_file

    folder = copy_inputs(tmp_path)
    path = input_file(folder, kode)
    wb = openpyxl.load_workbook(path)
    renja = wb[tpl.SHEET_RENJA]
    rows = _rows(renja, "kode_renja")
    for (code, key), value in cells.items():
        renja.cell(rows[code], COL[key]).value = value
    wb.save(path)
    run, _ = load_and_run(SPEC, folder, periode=periode)
    assert run is not None
    return run, rows


def _cell(rows: dict[str, int], code: str, key: str) -> str:
    return f"{openpyxl.utils.get_column_letter(COL[key])}{rows[code]}"


def test_rp_above_pagu_at_the_quarter_that_passes_it(spec: MasterSpec, tmp_path: Path) -> None:
    # P018: pagu 23.798.619; 10 + 10 + 5 million pass it in TW III
    edit = {
        ("P018", "rp_tw1"): 10_000_000,
        ("P018", "rp_tw2"): 10_000_000,
        ("P018", "rp_tw3"): 5_000_000,
        ("P018", "k_tw1"): 50,
        ("P018", "k_tw2"): 60,
        ("P018", "k_tw3"): 70,
    }
    (_, rp, _, issues), rows = _renja_issues(spec.with_periode("TW3"), tmp_path, edit)
    found = [i for i in issues if i.rule == "renja.rp_melebihi_pagu"]
    assert len(found) == 1 and found[0].cell == _cell(rows, "P018", "rp_tw3")
    assert found[0].severity == "ERROR" and found[0].sheet == "Renja"
    p018 = next(r for r in rp if r["kode"] == "P018")
    assert all(math.isnan(p018[f"rp_tw{q}"]) for q in (1, 2, 3, 4))  # not used
    assert p018["ditolak"] and not any(r["ditolak"] for r in rp if r["kode"] != "P018")
    assert not [i for i in issues if i.rule != "renja.rp_melebihi_pagu"]


def test_negative_quarter_of_a_kumulatif_indicator(spec: MasterSpec, tmp_path: Path) -> None:
    edit = {
        ("P021.01", "k_tw1"): 15_000,
        ("P021.01", "k_tw2"): -2_000,
        ("P021.01", "rp_tw1"): 1_000_000,
        ("P021.01", "rp_tw2"): 1_000_000,
    }
    (k, _, _, issues), rows = _renja_issues(spec, tmp_path, edit)
    found = [i for i in issues if i.rule == "renja.k_kumulatif_turun"]
    assert len(found) == 1 and found[0].cell == _cell(rows, "P021.01", "k_tw2")
    assert found[0].kode_indikator == "IP021.01"
    row = next(r for r in k if r["kode_indikator"] == "IP021.01")
    assert row["k_tw1"] == 15_000 and math.isnan(row["k_tw2"])
    assert row["ditolak"] and not any(r["ditolak"] for r in k if r is not row)


def test_negative_quarter_of_another_indicator_is_kept_and_said(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """Not kumulatif: a negative K can be meant (a growth, an inflation), so it is used, but
    said at its cell (it was accepted without a word, and a turun one scores above 200 %)."""
    edit = {("P021.02", "k_tw1"): -5, ("P021.02", "rp_tw1"): 1_000_000}
    (k, _, _, issues), rows = _renja_issues(spec.with_periode("TW1"), tmp_path, edit)
    found = [i for i in issues if i.rule == "renja.k_negatif"]
    assert [(i.cell, i.severity, i.found) for i in found] == [
        (_cell(rows, "P021.02", "k_tw1"), "WARNING", "-5")
    ]
    row = next(r for r in k if r["kode_indikator"] == "IP021.02")
    assert row["k_tw1"] == -5 and not row["ditolak"]


def test_renja_numbers_typed_as_text_say_what_was_typed_and_both_readings(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """'2,000' read as 2 was said as plain text read as 2 (the Indikator sheet names both
    readings); '95,5' showed found 95,5, expected 95,5; 10^16 was 'bukan angka'."""
    edit = {
        ("P021.02", "k_tw1"): "2,000",
        ("P021.02", "k_tw2"): "95,5",
        ("P021.01", "k_tw1"): 1e16,
    }
    (_, _, _, issues), rows = _renja_issues(spec.with_periode("TW2"), tmp_path, edit)
    by_cell = {i.cell: i for i in issues if i.rule.startswith("nilai.")}
    ambiguous = by_cell[_cell(rows, "P021.02", "k_tw1")]
    assert (ambiguous.rule, ambiguous.severity) == ("nilai.angka_ambigu", "WARNING")
    assert (
        "dibaca sebagai 2 (koma sebagai desimal), bukan 2.000 (koma sebagai pemisah ribuan)"
        in (ambiguous.message)
    )
    text = by_cell[_cell(rows, "P021.02", "k_tw2")]
    assert (text.rule, text.found) == ("nilai.teks_angka", "'95,5' (teks)")
    assert text.expected == "angka 95,5 (sel berformat Angka, bukan teks)"
    huge = by_cell[_cell(rows, "P021.01", "k_tw1")]
    assert (huge.rule, huge.severity) == ("nilai.tidak_wajar", "ERROR")


def test_k_left_empty_for_the_whole_period_is_said(spec: MasterSpec, tmp_path: Path) -> None:
    """An indicator whose K were all left empty got no word (in a TW4 run none at all); its
    E.81 row was blank. Now a WARNING at its first quarter, also when the K were typed in the
    quarters after the period (one column too far)."""
    for periode, edit in (
        ("TW4", {("P021.02", f"k_tw{q}"): None for q in (1, 2, 3, 4)}),
        ("TW2", {("P021.02", "k_tw1"): None, ("P021.02", "k_tw2"): None, ("P021.02", "k_tw3"): 5}),
    ):
        (_, _, _, issues), rows = _renja_issues(spec.with_periode(periode), tmp_path, edit)
        found = [i for i in issues if i.rule == "renja.k_kosong"]
        assert [(i.cell, i.severity) for i in found] == [
            (_cell(rows, "P021.02", "k_tw1"), "WARNING")
        ], periode
        assert ("kolom yang salah" in found[0].message) == (periode == "TW2")


def test_rp_without_k_and_k_without_rp(spec: MasterSpec, tmp_path: Path) -> None:
    edit = {
        ("P016", "rp_tw1"): 1_000_000,  # Rp, no K in TW I
        ("P016", "k_tw2"): 88,  # K, no Rp in TW II
    }
    (_, _, _, issues), rows = _renja_issues(spec.with_periode("TW2"), tmp_path, edit)
    assert [(i.rule, i.cell, i.severity) for i in issues] == [
        # each row also has a quarter of the period left empty
        ("renja.tw_kosong", _cell(rows, "P016", "k_tw1"), "WARNING"),
        ("renja.tw_kosong", _cell(rows, "P016", "rp_tw2"), "WARNING"),
        ("renja.rp_tanpa_k", _cell(rows, "P016", "rp_tw1"), "WARNING"),
        ("renja.k_tanpa_rp", _cell(rows, "P016", "rp_tw2"), "WARNING"),
    ]


def test_clean_renja_sheet_gives_no_issue(spec: MasterSpec, tmp_path: Path) -> None:
    edit = {("P016", "rp_tw1"): 1_000_000, ("P016", "k_tw1"): 87}
    (k, rp, _, issues), _ = _renja_issues(spec.with_periode("TW1"), tmp_path, edit)
    assert issues == []
    assert next(r for r in k if r["kode_indikator"] == "IP016")["k_tw1"] == 87
    assert next(r for r in rp if r["kode"] == "P016")["rp_tw1"] == 1_000_000


def test_a_quarterly_run_asks_only_for_the_quarters_of_its_period(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """TW II run of a DINKES file with TW I–II typed on the Renja sheet and the yearly Anggaran
    cells empty (not due before year end): no WARNING per program for the yearly cells (one
    INFO), a WARNING for the one program with no Rp in TW I–II, and a TW III K typed without
    Rp is not checked (outside the period). The Tahunan run of the same file asks for all."""
    path = tpl.build_template(spec, "DINKES", tmp_path / "dinkes.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[tpl.SHEET_RENJA]
    rows = _rows(ws, "kode_renja")
    for code, row in rows.items():
        if code == "P017":
            continue  # nothing for TW I–II
        for q in (1, 2):
            ws.cell(row, COL[f"k_tw{q}"], 50 * q)
            # a kegiatan spends part of its program's Rp; amounts in full Rupiah (a share of
            # the pagu: a thousandth or less would be renja.rp_sangat_kecil)
            pagu = ws.cell(row, COL["pagu"]).value
            ws.cell(row, COL[f"rp_tw{q}"], round(pagu * (0.05 if "." in code else 0.1) * q))
    ws.cell(rows["P016"], COL["k_tw3"], 90)  # TW III K, no Rp: outside a TW II run
    wb.save(path)
    sub = read_submission(path)
    programs = len(spec.program_rows("DINKES"))

    tw2 = spec.with_periode("TW2")
    _, budget = extract_anggaran(sub, tw2, "DINKES")
    assert [(i.rule, i.severity, i.sheet) for i in budget] == [
        ("anggaran.realisasi_tahunan_belum", "INFO", "Anggaran")
    ]
    assert f"Triwulan I s/d II: realisasi anggaran tahunan belum wajib diisi. {programs} " in (
        budget[0].message
    )
    *_, renja = extract_renja(sub, tw2, "DINKES")
    assert [(i.rule, i.severity, i.cell) for i in renja] == [
        # nothing for TW I–II: neither its indicator's K nor its Rp
        ("renja.k_kosong", "WARNING", _cell(rows, "P017", "k_tw1")),
        ("renja.rp_kosong", "WARNING", _cell(rows, "P017", "rp_tw1")),
    ]
    assert "Realisasi Rp program 'P017' Triwulan I s/d II belum diisi" in renja[1].message

    _, budget = extract_anggaran(sub, spec.with_periode("Tahunan"), "DINKES")
    assert [i.rule for i in budget] == ["anggaran.realisasi_kosong"] * programs
    *_, renja = extract_renja(sub, spec.with_periode("Tahunan"), "DINKES")
    assert [(i.rule, i.cell) for i in renja if i.rule != "renja.tw_kosong"] == [
        ("renja.k_kosong", _cell(rows, "P017", "k_tw1")),  # no K in the whole year either
        ("renja.k_tanpa_rp", _cell(rows, "P016", "rp_tw3")),
    ]
    # a year's run asks for TW III–IV of each row typed up to TW II (P017: nothing typed)
    gaps = {i.cell for i in renja if i.rule == "renja.tw_kosong"}
    filled = [code for code in rows if code != "P017"]
    assert {_cell(rows, code, "rp_tw3") for code in filled} <= gaps
    assert _cell(rows, "P016", "k_tw4") in gaps  # its TW III K is typed
    assert not {_cell(rows, code, key) for code in rows for key in ("k_tw1", "rp_tw1")} & gaps


def _to_pdf(folder: Path, files: list[Path]) -> None:
    """LibreOffice prints ``files`` to PDF in ``folder`` (its own profile there)."""
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{folder / 'profil'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *map(str, files),
        ],
        capture_output=True,
        check=True,
        timeout=600,
    )


def _pdf_pages(path: Path) -> list[str]:
    """The text of each page of a PDF."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


def _sheet_pdf(e81: Any, folder: Path) -> tuple[Any, list[str]]:
    """The E.81 sheet alone for ``e81``, printed by LibreOffice: the pages as laid out, and
    the text of each printed page."""
    from pipeline.workbook.base import WORKBOOK_OPTIONS, Formats, Status
    from pipeline.workbook.e81 import Place, write_e81_sheet
    from pipeline.xlsx_safe import SafeWorkbook

    path = folder / "e81.xlsx"
    wb = SafeWorkbook(str(path), WORKBOOK_OPTIONS)
    laid_out = write_e81_sheet(
        wb.add_worksheet("E.81"),
        e81,
        Formats(wb, 2),
        Status(0, "Pemerintah Kota Binjai", 2018),
        "&RHalaman &P dari &N",
        Place("Pemerintah Kota Binjai", 2018, 2021),
    )
    wb.close()
    _to_pdf(folder, [path])
    return laid_out, _pdf_pages(folder / "e81.pdf")


TITLE = "EVALUASI TERHADAP HASIL RENJA"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_each_opd_file_is_one_page_with_its_signature(
    runs: dict[str, Any], tmp_path: Path
) -> None:
    """The OPD's own E.81 file is one A3 page with the place to sign under the footer: the
    OPD with the most rows (DINKES, 20 programs and 2 kegiatan) and three small ones."""
    folder = runs["TW2"][2] / "e81"
    names = ["DINKES", "BPKPAD", "BPBD", "INSPEKTORAT"]
    files = []
    for name in names:
        copy = tmp_path / f"{name}.xlsx"
        shutil.copyfile(folder / f"{name}.xlsx", copy)
        files.append(copy)
    _to_pdf(tmp_path, files)
    for name in names:
        info = subprocess.run(
            ["pdfinfo", str(tmp_path / f"{name}.pdf")], capture_output=True, text=True, check=True
        ).stdout
        assert "Pages:           1" in info, (name, info)
        assert "1190.55 x 841.89" in info or "1191 x 842" in info  # A3 landscape
        (page,) = _pdf_pages(tmp_path / f"{name}.pdf")
        footer = page.index("Tindak lanjut yang diperlukan dalam RKPD/Renja berikutnya")
        assert (
            footer
            < page.index("Inspektur" if name == "INSPEKTORAT" else "Kepala ")
            < page.index("NIP.")
        )


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_sheet_prints_each_block_on_one_page(runs: dict[str, Any], tmp_path: Path) -> None:
    """The E.81 sheet alone: one printed page per OPD block (28), each page one block whole,
    from its title to its last footer row; the pages LibreOffice prints are the pages the
    writer laid out."""
    run: Run = runs["TW2"][0]
    laid_out, pages = _sheet_pdf(run.e81, tmp_path)
    blocks = run.e81.blocks()
    assert len(blocks) == 28
    assert len(pages) == len(blocks) == laid_out.count
    for page, kode in zip(pages, blocks, strict=True):
        assert page.count(TITLE) == 1 and f"({kode})" in page
        assert "Tindak lanjut yang diperlukan dalam RKPD/Renja berikutnya" in page


def _generated(programs: int, scale: float = 1.0) -> Any:
    """The E.81 of one OPD with ``programs`` programs (long names and indicators, each with a
    kegiatan every fifth program), TW I–II reported; ``scale`` multiplies every K and Rp."""
    from pipeline.config import build_settings
    from pipeline.renja import build_e81, e81_scale

    codes = [f"P{n:03d}" for n in range(1, programs + 1)]
    kegiatan = [f"{c}.01" for c in codes[::5]]
    names = [
        f"Program Peningkatan Pelayanan dan Pengelolaan Urusan Daerah Bidang {n}"
        for n in range(1, programs + 1)
    ]
    ind_codes = [f"I{c}" for c in codes + kegiatan]
    program = pd.DataFrame(
        {
            "kode_program": codes,
            "uraian": names,
            "kode_opd": "D1",
            "kode_sasaran": "S1",
            "pagu": 1_250_000_000.0 * scale,
            "pagu_renstra": 6_500_000_000.0 * scale,
            "realisasi_rp_lalu": 2_400_000_000.0 * scale,
            "urusan": "",
        }
    )
    ind = pd.DataFrame(
        {
            "kode_indikator": ind_codes,
            "tingkat": ["program"] * programs + ["kegiatan"] * len(kegiatan),
            "kode_program": codes + [k[:4] for k in kegiatan],
            "kode_kegiatan": [""] * programs + kegiatan,
            "kode_opd": "D1",
            "uraian": "Persentase sasaran pelayanan yang terlayani sesuai standar",
            "satuan": "%",
            "agregasi_tw": "nilai_akhir",
            "target": 85.0 * scale,
            "target_renstra": 95.0 * scale,
            "tahun_target_renstra": None,
            "realisasi_lalu": 80.0 * scale,
            "catatan": "",
        }
    )
    return build_e81(
        pd.DataFrame({"kode_opd": ["D1"], "nama_opd": ["Dinas Contoh dengan Banyak Program"]}),
        pd.DataFrame({"kode_sasaran": ["S1"], "uraian": ["Sasaran satu"]}),
        pd.DataFrame({"kode_sasaran": ["S1"], "kode_opd_list": [("D1",)]}),
        program,
        pd.DataFrame(
            {
                "kode_kegiatan": kegiatan,
                "kode_program": [k[:4] for k in kegiatan],
                "uraian": "Kegiatan Penyediaan Jasa Pelayanan Umum Perangkat Daerah",
                "kode_opd": "D1",
                "pagu": 250_000_000.0,
                "pagu_renstra": 1_300_000_000.0,
                "realisasi_rp_lalu": 500_000_000.0,
            }
        ),
        ind,
        2,
        pd.DataFrame(
            {"kode_indikator": ind_codes, "k_tw1": 70.0 * scale, "k_tw2": 78.5 * scale}
        ).assign(k_tw3=math.nan, k_tw4=math.nan),
        pd.DataFrame(
            {"kode": codes + kegiatan, "rp_tw1": 1e8 * scale, "rp_tw2": 2.125e8 * scale}
        ).assign(rp_tw3=math.nan, rp_tw4=math.nan),
        pd.DataFrame(),
        pd.DataFrame(),
        {"D1": "renja"},
        e81_scale(build_settings()[0]),
    )


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_many_programs_fit_one_page_and_more_continue_under_the_headers(
    tmp_path: Path,
) -> None:
    """An OPD with 21 programs and 5 kegiatan (26 rows, 4 more than the demo's largest block)
    still prints on one page. One with 60 programs and 12 kegiatan cannot at 7 pt: it breaks
    between rows, each next page starts with a line naming the OPD and the column headers
    again, and the footer is kept whole."""
    e81 = _generated(21)
    assert len(e81.rows) == 26
    laid_out, pages = _sheet_pdf(e81, tmp_path)
    assert len(pages) == len(e81.blocks()) == laid_out.count == 1

    long = tmp_path / "panjang"
    long.mkdir()
    laid_out, pages = _sheet_pdf(_generated(60), long)
    assert laid_out.count == len(pages) >= 3
    assert pages[0].count(TITLE) == 1
    for page in pages[1:]:
        assert TITLE not in page
        assert "(D1) (lanjutan)" in page
        assert "Realisasi Kinerja pada Triwulan" in page and "13 = 9+10+11+12" in page
    assert "Tindak lanjut yang diperlukan dalam RKPD/Renja berikutnya" in pages[-1]
    assert "Rata-rata capaian kinerja (%)" in pages[-1]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_large_figures_print_whole(tmp_path: Path) -> None:
    """A province-sized OPD: Renstra pagu Rp 6,5 trillion (6.500.000,00 juta) and K in the
    millions. Each number column is as wide as its widest figure: nothing prints as ###."""
    e81 = _generated(3, scale=1000.0)
    _, (page,) = _sheet_pdf(e81, tmp_path)
    assert "###" not in page
    for shown in ("6.500.000,00", "2.400.000,00", "2.712.500,00", "95.000", "78.500"):
        assert shown in page, shown


def test_an_opd_form_is_a_draft_only_for_its_own_errors(report_dir: Path) -> None:
    """The demo's two ERRORs are Dinas Perumahan's (DISPERKIM): its form carries the red DRAFT
    header; the forms of OPDs with clean files do not, since no other OPD's figure is on them."""
    files = report_dir / "e81"

    def header(kode: str) -> str:
        return str(openpyxl.load_workbook(files / f"{kode}.xlsx")["E.81"].oddHeader.center.text)

    assert "DRAFT" in header("DISPERKIM")
    for kode in ("BPKPAD", "DINKES", "SETDA"):
        assert "DRAFT" not in header(kode), kode


def test_a_refused_rp_is_said_on_the_form(spec: MasterSpec) -> None:
    """DISPERKIM's P043 Rp adds up past its pagu (an ERROR): the E.81 row showed empty Rp
    cells, read as nothing spent. Its Keterangan says the Rp typed was refused."""
    from tests.conftest import INPUT_DIR

    run, issues = load_and_run(SPEC, INPUT_DIR, periode="TW2")
    assert run is not None, issues
    rows = run.e81.rows
    p043 = rows[(rows["kode_opd"] == "DISPERKIM") & (rows["kode"] == "P043")]
    assert len(p043) == 1
    assert math.isnan(p043.iloc[0]["rp13"])
    assert "Rp TW I–II yang diisi ditolak (ERROR" in p043.iloc[0]["keterangan"]
    assert "tidak ikut rata-rata Rp" in p043.iloc[0]["keterangan"]
    others = rows[(rows["kode"] != "P043") & (rows["kode"] != "")]
    assert not others["keterangan"].str.contains("ditolak").any()


def test_a_quarterly_run_does_not_ask_each_indicator_for_its_yearly_value(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """A TW II run where DINKES filled only its Renja sheet (TW I–II): every empty yearly
    indicator cell was a WARNING asking for 'Realisasi Tahunan'; it is one INFO for the file,
    as for its budget cells. The Tahunan run of the same file still asks per indicator."""
    from tests.conftest import copy_inputs, input_file

    folder = copy_inputs(tmp_path)
    input_file(folder, "DINKES").unlink()
    path = tpl.build_template(spec, "DINKES", folder / "dinkes_tw2.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[tpl.SHEET_RENJA]
    for code, row in _rows(ws, "kode_renja").items():
        for q in (1, 2):
            ws.cell(row, COL[f"k_tw{q}"], 50 * q)
            # a kegiatan spends part of its program's Rp
            ws.cell(row, COL[f"rp_tw{q}"], (100 if "." in code else 1_000) * q)
    wb.save(path)
    mine = spec.indikator["kode_opd_list"].map(lambda c: "DINKES" in c).sum()

    def dinkes(periode: str) -> pd.DataFrame:
        run, issues = load_and_run(SPEC, folder, periode=periode)
        assert run is not None, issues
        return run.issues[run.issues["file"] == path.name]

    tw2 = dinkes("TW2")
    assert not (tw2["rule"] == "kelengkapan.realisasi_kosong").any()
    once = tw2[tw2["rule"] == "kelengkapan.realisasi_tahunan_belum"]
    assert list(once["severity"]) == ["INFO"] and f" {mine} indikator " in once.iloc[0]["message"]
    yearly = dinkes("Tahunan")
    assert (yearly["rule"] == "kelengkapan.realisasi_kosong").sum() == mine
    assert not (yearly["rule"] == "kelengkapan.realisasi_tahunan_belum").any()


def test_pages_of_a_quarterly_run_say_which_part_of_the_year(runs: dict[str, Any]) -> None:
    """A TW II E.81 printed 'E.81 · LKjIP 2018' and the feedback files 'tahun 2018': both now
    name the period; the yearly LKjIP sheets keep 'LKjIP 2018'."""
    for periode, part in (("TW2", "Triwulan I s/d II"), ("Tahunan", "Triwulan I s/d IV")):
        _, paths, target = runs[periode]
        book = openpyxl.load_workbook(paths["workbook"])
        assert f"Evaluasi Renja {part} 2018" in book["E.81"].oddFooter.center.text
        assert "&A · LKjIP 2018" in book["Indikator"].oddFooter.center.text
        own = openpyxl.load_workbook(target / "e81" / "BPKPAD.xlsx")["E.81"]
        assert f"Evaluasi Renja {part} 2018" in own.oddFooter.center.text
        feedback = sorted((target / "umpan_balik").glob("*.xlsx"))
        assert feedback
        title = str(openpyxl.load_workbook(feedback[0]).worksheets[0]["A1"].value)
        assert title.endswith(", Triwulan I s/d II") == (periode == "TW2"), title
        # the Ringkasan's figures of a quarter's run are the year's so far: it says so
        line = str(book["Ringkasan"]["A3"].value)
        said = "Periode TW2 (realisasi Triwulan I s/d II terhadap target tahunan)"
        assert line.startswith(said if periode == "TW2" else "Periode Tahunan · RPJMD"), line


# --- BPKPAD with small Renja indicators, each a hand-checkable case -----------------------------
# P049 (pagu 48.000.000) and P159 (pagu 4.069.320.000) keep their budgets; their indicators are:
#   IP049  kumulatif, naik,  target 20, Renstra 100, realised up to last year 30
#   IP049T kumulatif, turun, target 10, Renstra 5, last year 12 (fewer audit findings is better)
#   IP159  nilai_akhir, %,   target 80, Renstra 90, last year 70
#   IP159R rata_rata, naik,  target 50, Renstra 60, last year 40
#   IP159Z kumulatif, naik,  target 0 (cannot be scored), Renstra 10, last year 2
SMALL_RENJA = [
    (
        "IP049",
        "P049",
        "",
        "Dokumen keuangan diselesaikan",
        "dokumen",
        "kumulatif",
        20,
        100,
        30,
        "",
    ),
    ("IP049T", "P049", "", "Temuan audit keuangan", "temuan", "kumulatif", 10, 5, 12, "turun"),
    ("IP159", "P159", "", "SKPD tertib laporan", "%", "nilai_akhir", 80, 90, 70, ""),
    ("IP159R", "P159", "", "Hari penyelesaian SP2D", "hari", "rata_rata", 50, 60, 40, ""),
    ("IP159Z", "P159", "", "Sengketa pajak diselesaikan", "kasus", "kumulatif", 0, 10, 2, ""),
]


def _small_renja_spec(folder: Path) -> Path:
    path = folder / "spec_renja.xlsx"
    wb = openpyxl.load_workbook(SPEC)
    ws = wb["indikator_renja"]
    header = [c.value for c in ws[1]]
    ws.cell(1, len(header) + 1, "polaritas")
    for r in range(ws.max_row, 1, -1):
        if ws.cell(r, 2).value in ("P049", "P159"):
            ws.delete_rows(r)
    at = {h: i + 1 for i, h in enumerate([*header, "polaritas"])}
    for code, prog, keg, uraian, satuan, agregasi, target, renstra, lalu, pol in SMALL_RENJA:
        r = ws.max_row + 1
        values = {
            "kode_indikator": code,
            "kode_program": prog,
            "kode_kegiatan": keg,
            "uraian": uraian,
            "satuan": satuan,
            "agregasi_tw": agregasi,
            "target_2018": target,
            "target_2019": target,
            "target_renstra": renstra,
            "realisasi_lalu": lalu,
            "polaritas": pol,
        }
        for key, value in values.items():
            ws.cell(r, at[key], value)
    wb.save(path)
    return path


def _bpkpad_renja(
    spec: MasterSpec,
    folder: Path,
    k: dict[str, dict[int, object]],
    rp: dict[str, dict[int, object]],
    edit: Any = None,
) -> Path:
    path = tpl.build_template(spec, "BPKPAD", folder / "bpkpad.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[tpl.SHEET_RENJA]
    rows: dict[str, int] = {}
    for row in range(tpl.HEADER_ROW + 1, ws.max_row + 1):
        for key in ("kode_indikator", "kode_renja"):
            code = ws.cell(row, COL[key]).value
            if code and str(code) not in rows:
                rows[str(code)] = row
    for code, quarters in k.items():
        for q, value in quarters.items():
            ws.cell(rows[code], COL[f"k_tw{q}"], value)
    for code, quarters in rp.items():
        for q, value in quarters.items():
            ws.cell(rows[code], COL[f"rp_tw{q}"], value)
    if edit is not None:
        edit(ws, rows)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def small_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _small_renja_spec(tmp_path_factory.mktemp("spec_renja"))


def _renja_run(spec_path: Path, folder: Path, periode: str) -> Run:
    from tests.conftest import copy_inputs, input_file

    inbox = copy_inputs(folder / "masuk")
    input_file(inbox, "BPKPAD").unlink()
    for f in folder.glob("bpkpad.xlsx"):
        shutil.copy(f, inbox / f.name)
    run, issues = load_and_run(spec_path, inbox, periode=periode)
    assert run is not None, issues
    return run


def test_renja_turun_zero_target_and_the_capped_average_by_hand(
    small_spec: Path, tmp_path: Path
) -> None:
    """Column 14 follows the IKU rules: IP049T is lower-is-better, (2T − R) / T × 100 =
    (20 − 7) / 10 × 100 = 130; a target of 0 cannot be scored (said on the row and in the
    spec); the OPD's K average takes each column 14 capped at batas_capaian (120)."""
    from pipeline.master import read_master

    spec, spec_issues = read_master(small_spec)
    assert spec is not None
    zero = [i for i in spec_issues if i.rule == "spec.target_nol" and i.sheet == "indikator_renja"]
    assert len(zero) == 1 and "IP159Z" in zero[0].message
    _bpkpad_renja(
        spec,
        tmp_path,
        k={
            "IP049": {1: 5, 2: 6},  # 11 / 20 = 55 %
            "IP049T": {1: 3, 2: 4},  # 7 findings against 10: 130 %
            "IP159": {1: 60, 2: 72},  # nilai akhir 72 / 80 = 90 %
            "IP159R": {1: 40, 2: 4000.246},  # rata-rata 2020,123 / 50 = 4040,246 %, capped at 120
            "IP159Z": {1: 1, 2: 0},  # target 0
        },
        rp={"P049": {1: 10_000_000, 2: 12_500_000}, "P159": {1: 800_000_000, 2: 1_000_000_000}},
    )
    run = _renja_run(small_spec, tmp_path, "TW2")
    rows = run.e81.rows.set_index("kode_indikator")
    assert rows.loc["IP049", "k14"] == 55.0
    assert rows.loc["IP049T", "k13"] == 7 and rows.loc["IP049T", "k14"] == 130.0
    # Renstra: 12 + 7 = 19 findings against 5: (2 × 5 − 19) / 5 < 0 → 0
    assert rows.loc["IP049T", "k15"] == 19 and rows.loc["IP049T", "k16"] == 0.0
    assert "K turun" in rows.loc["IP049T", "keterangan"]
    assert rows.loc["IP159", "k14"] == 90.0
    assert rows.loc["IP159R", "k13"] == pytest.approx(2020.123)
    assert rows.loc["IP159R", "k14"] == pytest.approx(4040.246)
    assert math.isnan(rows.loc["IP159Z", "k14"])
    assert (
        "kolom 14: target 0: capaian naik tidak dapat dihitung" in rows.loc["IP159Z", "keterangan"]
    )
    foot = run.e81.footer.set_index("kode_opd").loc["BPKPAD"]
    # (55 + 130 + 90 + 120) / 4, IP159Z left out
    assert foot["jumlah_k"] == 4 and foot["dibatasi_k"] == 2
    assert foot["rata_k"] == pytest.approx((55 + 120 + 90 + 120) / 4)
    issues = run.issues[run.issues["sheet"] == "Renja"]
    (jump,) = issues.loc[issues["rule"] == "renja.lonjakan", "message"]  # 2020,123 against 50
    assert "(2.020,123) adalah 4.040,2% dari target 50" in jump  # not 4.040,246%


def test_renja_percent_cells_formulas_and_negative_rupiah(
    small_spec: Path, tmp_path: Path
) -> None:
    """The Renja sheet reads cells as the Indikator sheet does: a percent-formatted K of a %
    indicator is read ×100 (Excel stores 72% as 0,72), a formula with no stored result is an
    ERROR and not a blank, an Rp typed as a percent or below 0 is refused at its cell."""
    from pipeline.master import read_master

    spec, _ = read_master(small_spec)
    assert spec is not None

    def edit(ws: Any, rows: dict[str, int]) -> None:
        ws.cell(rows["IP159"], COL["k_tw2"]).number_format = "0%"
        ws.cell(rows["IP049"], COL["k_tw2"], "=3+4")  # openpyxl stores no result
        ws.cell(rows["P159"], COL["rp_tw2"]).number_format = "0%"

    _bpkpad_renja(
        spec,
        tmp_path,
        k={"IP049": {1: 5}, "IP049T": {1: 1, 2: 1}, "IP159": {1: 0.6, 2: 0.72}},
        rp={"P049": {1: 10_000_000, 2: -15_000_000}, "P159": {1: 800_000_000, 2: 0.5}},
        edit=edit,
    )
    sub = read_submission(tmp_path / "bpkpad.xlsx")
    k, rp, _, issues = extract_renja(sub, spec.with_periode("TW2"), "BPKPAD")
    by_rule = {(i.rule, i.cell): i for i in issues}
    k_rows = {r["kode_indikator"]: r for r in k}
    assert k_rows["IP159"]["k_tw2"] == 72.0
    # not percent-formatted: 0,6 against a target of 80 % is a fraction typed for a percent
    assert math.isnan(k_rows["IP159"]["k_tw1"]) and k_rows["IP159"]["ditolak_tw"] == "I"
    assert ("renja.skala_persen", "ERROR") in {(i.rule, i.severity) for i in issues}
    assert math.isnan(k_rows["IP049"]["k_tw2"]) and k_rows["IP049"]["ditolak_tw"] == "II"
    rp_rows = {r["kode"]: r for r in rp}
    assert math.isnan(rp_rows["P049"]["rp_tw2"]) and rp_rows["P049"]["rp_tw1"] == 10_000_000
    assert math.isnan(rp_rows["P159"]["rp_tw2"]) and rp_rows["P159"]["ditolak_tw"] == "II"
    rules = {(i.rule, i.severity) for i in issues}
    assert ("nilai.format_persen", "INFO") in rules
    assert ("nilai.rumus", "ERROR") in rules
    assert ("renja.rp_negatif", "ERROR") in rules
    assert ("renja.rp_format_persen", "ERROR") in rules
    assert all(i.sheet == "Renja" for i in issues)
    assert any(
        rule == "nilai.rumus" and i.found == "rumus tanpa nilai tersimpan"
        for (rule, _), i in by_rule.items()
    )


def test_renja_quarters_left_empty_running_totals_and_money_told_twice(
    small_spec: Path, tmp_path: Path
) -> None:
    """A quarter of the period left empty while another is typed, a quarter typed one column
    too far, kumulatif K typed as running totals, kegiatan spending more than their program
    and, in a yearly run, quarterly Rp that differ from the Anggaran sheet: each a WARNING at
    its cell (column 13 would otherwise sum only what was typed, without a word)."""
    from pipeline.master import read_master

    spec, _ = read_master(small_spec)
    assert spec is not None
    _bpkpad_renja(
        spec,
        tmp_path,
        k={
            "IP049": {1: 5, 2: 10, 3: 15, 4: 20},  # running totals against 20
            "IP049T": {1: 1, 3: 2, 4: 1},  # TW II empty
            "IP159": {1: 60, 2: 70, 3: 75, 4: 80},
            "IP159R": {1: 40, 2: 45, 3: 50, 4: 50},
            "IP159Z": {1: 0, 2: 0, 3: 0, 4: 0},
        },
        rp={
            "P049": {1: 10_000_000, 2: 10_000_000, 3: 10_000_000, 4: 10_000_000},
            "P159": {1: 8e8, 2: 8e8, 4: 8e8},  # TW III typed nowhere
        },
    )
    sub = read_submission(tmp_path / "bpkpad.xlsx")
    yearly = spec.with_periode("Tahunan")
    anggaran, _ = extract_anggaran(sub, yearly, "BPKPAD")
    for row in anggaran:  # the yearly realisation as typed on the Anggaran sheet
        row["realisasi_anggaran"] = 30_000_000.0 if row["kode_program"] == "P049" else 2.4e9
    *_, issues = extract_renja(sub, yearly, "BPKPAD", anggaran)
    rules = [(i.rule, i.kode_indikator or "") for i in issues]
    assert ("renja.tw_tampak_kumulatif", "IP049") in rules
    assert ("renja.tw_kosong", "IP049T") in rules
    assert [i.rule for i in issues if i.rule == "renja.tw_kosong"] == ["renja.tw_kosong"] * 2
    differ = [i for i in issues if i.rule == "renja.rp_beda_anggaran"]
    assert len(differ) == 1 and "P049" in differ[0].message  # P159: 3 × 8e8 = 2,4e9 agrees
    assert differ[0].found == "Rp 40.000.000" and differ[0].expected == "Rp 30.000.000"

    # TW II run: a TW II value typed in the TW III column is named as such
    tw2 = spec.with_periode("TW2")
    *_, issues = extract_renja(sub, tw2, "BPKPAD")
    gap = next(i for i in issues if i.rule == "renja.tw_kosong" and i.kode_indikator == "IP049T")
    assert "TW II kosong" in gap.message and "TW III, IV terisi padahal di luar periode" in (
        gap.message
    )
    assert "Isi setiap triwulan TW I–II (0 bila" in gap.message  # not 'triwulan Triwulan I …'


def test_quarters_with_a_refused_rp_are_not_compared_with_the_yearly_realisation(
    small_spec: Path, tmp_path: Path
) -> None:
    """TW II's Rp of P049 is refused (an ERROR at its cell); the E.81 then takes the Anggaran
    sheet's yearly figure. A WARNING that the quarters typed (TW I, III, IV) sum to less than
    the year, 'the E.81 takes the quarters: make them agree', told the clerk to change the
    wrong cell: the refusal's ERROR alone says what to fix."""
    from pipeline.master import read_master

    spec, _ = read_master(small_spec)
    assert spec is not None
    _bpkpad_renja(
        spec,
        tmp_path,
        k={"IP049": {1: 5, 2: 5, 3: 5, 4: 5}},
        rp={"P049": {1: 10_000_000, 2: "sepuluh juta", 3: 10_000_000, 4: 10_000_000}},
    )
    sub = read_submission(tmp_path / "bpkpad.xlsx")
    yearly = spec.with_periode("Tahunan")
    anggaran, _ = extract_anggaran(sub, yearly, "BPKPAD")
    for row in anggaran:
        row["realisasi_anggaran"] = 40_000_000.0 if row["kode_program"] == "P049" else math.nan
    *_, issues = extract_renja(sub, yearly, "BPKPAD", anggaran)
    refused = [i for i in issues if i.severity == "ERROR" and "sepuluh juta" in i.found]
    assert len(refused) == 1
    assert not [i for i in issues if i.rule == "renja.rp_beda_anggaran"]


def test_kegiatan_spending_more_than_their_program(spec: MasterSpec, tmp_path: Path) -> None:
    """P021's kegiatan report Rp 10.000.000 + 4.000.000 while P021 itself reports 2.000.000:
    a WARNING at the program's Rp (the kegiatan's spending is part of the program's)."""
    kegiatan = spec.kegiatan[spec.kegiatan["kode_program"] == "P021"]["kode_kegiatan"].tolist()
    assert len(kegiatan) >= 2
    edit = {
        ("P021", "rp_tw1"): 2_000_000,
        (kegiatan[0], "rp_tw1"): 10_000_000,
        (kegiatan[1], "rp_tw1"): 4_000_000,
    }
    (_, _, _, issues), rows = _renja_issues(spec.with_periode("TW1"), tmp_path, edit)
    found = [i for i in issues if i.rule == "renja.rp_kegiatan_melebihi_program"]
    assert [(i.cell, i.found, i.expected) for i in found] == [
        (_cell(rows, "P021", "rp_tw1"), "Rp 2.000.000", "paling sedikit Rp 14.000.000")
    ]


def test_a_renja_unit_written_persen_is_a_percent(tmp_path: Path) -> None:
    """'persen' as the unit word is '%': a percent-formatted K is read ×100 with an INFO (not
    a WARNING that the unit differs), and a K above 100 is flagged."""
    from pipeline.master import read_master

    path = _small_renja_spec(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["indikator_renja"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "IP159":
            row[4].value = "persen"
    wb.save(path)
    spec, _ = read_master(path)
    assert spec is not None

    def edit(ws: Any, rows: dict[str, int]) -> None:
        ws.cell(rows["IP159"], COL["k_tw1"]).number_format = "0%"

    _bpkpad_renja(spec, tmp_path, k={"IP159": {1: 0.72, 2: 130}}, rp={}, edit=edit)
    sub = read_submission(tmp_path / "bpkpad.xlsx")
    k, _, _, issues = extract_renja(sub, spec.with_periode("TW2"), "BPKPAD")
    row = next(r for r in k if r["kode_indikator"] == "IP159")
    assert row["k_tw1"] == 72.0
    rules = [(i.rule, i.severity) for i in issues if i.kode_indikator == "IP159"]
    assert ("nilai.format_persen", "INFO") in rules
    assert ("nilai.satuan_berbeda", "WARNING") not in rules
    assert ("renja.persen_di_luar", "WARNING") in rules


def test_a_quarterly_run_never_takes_the_yearly_rupiah_for_the_quarters(tmp_path: Path) -> None:
    """DISNAKER's Renja sheet in a TW II run: P057's TW I-II Rp above its pagu (an ERROR) and
    P058's left empty. Column 13 took the Anggaran sheet's yearly realisation instead (P057: Rp
    410.297.300, 99,17 % of the pagu, for TW I-II), so the typing error raised the OPD's Rp
    average from 38,66 to 61,12 % and its predikat from SR to R, with 'Rp per triwulan kosong'
    said of quarters that were typed. The yearly cell is no realisation to TW II: the rows stay
    empty and out of the Rp average; in the TW IV run the yearly cell stands in, said as it is."""
    from tests.conftest import copy_inputs, input_file

    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DISNAKER")
    wb = openpyxl.load_workbook(path)
    renja = wb[tpl.SHEET_RENJA]
    rows = _rows(renja, "kode_renja")
    renja.cell(rows["P057"], COL["rp_tw2"]).value = 413_730_105  # TW I already 61.544.595
    for q in (1, 2, 3, 4):
        renja.cell(rows["P058"], COL["rp_tw" + str(q)]).value = None
    wb.save(path)

    tw2, _ = load_and_run(SPEC, folder, periode="TW2")
    assert tw2 is not None
    got = tw2.e81.rows.set_index("kode")
    for code in ("P057", "P058"):
        assert math.isnan(got.loc[code, "rp13"]), code
        assert math.isnan(got.loc[code, "rp14"]), code
        assert "realisasi tahunan" not in got.loc[code, "keterangan"], code
        assert "tidak ikut rata-rata Rp" in got.loc[code, "keterangan"], code
    assert "ditolak" in got.loc["P057", "keterangan"]
    assert "belum diisi" in got.loc["P058", "keterangan"]
    # by hand: the other eight programs of DISNAKER, TW I + TW II of the file over their pagu
    others = {
        "P055": (26_575_000 + 44_291_667, 181_058_385),
        "P056": (9_475_844 + 15_793_074, 65_996_982),
        "P059": (23_243_618 + 38_739_364, 170_000_000),
        "P060": (14_679_849 + 24_466_415, 100_000_000),
        "P061": (4_231_725 + 7_052_875, 29_995_550),
        "P062": (27_936_525 + 46_560_875, 199_998_880),
        "P063": (13_809_138 + 23_015_230, 94_990_570),
        "P083": (17_217_747 + 28_696_245, 118_086_000),
    }
    expected = sum(r for r, _ in others.values()) / sum(p for _, p in others.values()) * 100
    foot = tw2.e81.footer.set_index("kode_opd").loc["DISNAKER"]
    assert foot["jumlah_rp"] == 8
    assert math.isclose(foot["rata_rp"], expected, rel_tol=1e-12)  # 38,58 %
    assert foot["predikat_rp"] == "SR"

    tw4, _ = load_and_run(SPEC, folder, periode="Tahunan")
    assert tw4 is not None
    year = tw4.e81.rows.set_index("kode")
    budget = tw4.validated.anggaran.set_index("kode_program")["realisasi_anggaran"]
    for code, why in (("P057", "ditolak"), ("P058", "kosong")):
        assert year.loc[code, "rp13"] == budget[code], code
        note = f"13 Rp = realisasi tahunan sheet Anggaran (Rp per triwulan {why})"
        assert note in year.loc[code, "keterangan"], code


def test_a_renja_row_deleted_or_its_code_mistyped_is_said(tmp_path: Path) -> None:
    """DISNAKER deletes the row of program P057 from its Renja sheet; DINKES types its kegiatan
    P021.01 as 'P021.1'. Nothing said P057 was gone (its E.81 row was simply empty, as if
    nothing was done or spent), and for P021.1 only the stray code was named, not the kegiatan
    it left without figures. The Indikator and Anggaran sheets say a missing row; so does the
    Renja sheet now, naming the code the template had."""
    from tests.conftest import copy_inputs, input_file

    folder = copy_inputs(tmp_path)
    disnaker = input_file(folder, "DISNAKER")
    wb = openpyxl.load_workbook(disnaker)
    renja = wb[tpl.SHEET_RENJA]
    renja.delete_rows(_rows(renja, "kode_renja")["P057"])
    wb.save(disnaker)
    dinkes = input_file(folder, "DINKES")
    wb = openpyxl.load_workbook(dinkes)
    renja = wb[tpl.SHEET_RENJA]
    typo = _rows(renja, "kode_renja")["P021.01"]
    renja.cell(typo, COL["kode_renja"]).value = "P021.1"
    wb.save(dinkes)

    run, _ = load_and_run(SPEC, folder, periode="TW2")
    assert run is not None
    gone = run.issues[run.issues["rule"] == "struktur.renja_baris_hilang"]
    assert sorted(gone["expected"]) == ["P021.01", "P057"]
    by = gone.set_index("expected")
    p057 = by.loc["P057"]
    assert (p057["severity"], p057["sheet"], p057["kode_opd"]) == ("WARNING", "Renja", "DISNAKER")
    assert p057["file"] == disnaker.name
    assert "Program 'P057' (Pengembangan Industri Kecil Dan Menengah)" in p057["message"]
    assert "tidak ada di sheet Renja" in p057["message"]
    assert "Kegiatan 'P021.01'" in by.loc["P021.01", "message"]
    stray = run.issues[run.issues["rule"] == "struktur.renja_asing"]
    assert list(stray["cell"]) == [f"A{typo}"]
    # nothing else of either OPD went missing: the other rows are still read
    rows = run.e81.rows.set_index("kode")
    assert rows.loc["P058", "rp13"] == 25_131_750 + 41_886_250
    assert rows.loc["P021.02", "rp13"] == 323_358_060 + 538_930_100
    # the E.81 rows of the missing codes said 'Rp TW I–II belum diisi' (nothing typed) and
    # nothing of their empty K: they say the row is not on the sheet, for Rp and for K
    for code in ("P057", "P021.01"):
        note = rows.loc[code, "keterangan"]
        note = note if isinstance(note, str) else note.iloc[0]
        assert "ini tidak ada di sheet Renja (kodenya diubah atau barisnya dihapus" in note
        assert "belum diisi" not in note, note
    p057 = rows.loc["P057", "keterangan"]
    assert "baris program ini tidak ada di sheet Renja" in p057
    assert "tidak ikut rata-rata Rp" in p057 and "tidak ikut rata-rata K" in p057
    # in the yearly run the Anggaran sheet's figure stands in, said with why
    year, _ = load_and_run(SPEC, folder, periode="Tahunan")
    assert year is not None
    assert (
        "13 Rp = realisasi tahunan sheet Anggaran (baris program ini tidak ada di sheet Renja"
        in year.e81.rows.set_index("kode").loc["P057", "keterangan"]
    )


def test_an_indicator_left_empty_for_the_period_says_so_in_the_e81(tmp_path: Path) -> None:
    """DISNAKER leaves P058's K empty for TW I–II: its Rp row said 'belum diisi', its K row
    nothing (an empty column 13 K, out of the average without a word)."""
    edits = {("P058", "k_tw1"): None, ("P058", "k_tw2"): None}
    run, _ = _typed_over(tmp_path, "DISNAKER", edits)
    got = run.e81.rows.set_index("kode")
    assert math.isnan(got.loc["P058", "k13"])
    assert "K TW I–II belum diisi; tidak ikut rata-rata K" in got.loc["P058", "keterangan"]
    assert "belum diisi" not in got.loc["P055", "keterangan"]  # typed: nothing said


def test_a_refused_quarter_leaves_column_13_empty_as_on_the_lkjip(tmp_path: Path) -> None:
    """DISNAKER, TW II run: P057's K TW II typed -5 and its Rp TW II -1.000.000 (ERRORs, the
    values not used), P058's K TW II typed '30 unit' (an ERROR). Column 13 added up what was
    left: P057 K 18 of 120 (15 %), Rp 61.544.595 (14,88 %), P058 K 18 (15 %), all in the
    averages: the OPD's K average read 50,83 % (with the two rows at 15 %) for 55,83 % of the
    file as typed correctly.
    The Indikator sheet scores no indicator with a refused cell; the E.81 does the same: column
    13 empty, out of the averages, and said on the row."""
    edits = {("P057", "k_tw2"): -5, ("P057", "rp_tw2"): -1_000_000, ("P058", "k_tw2"): "30 unit"}
    run, _ = _typed_over(tmp_path, "DISNAKER", edits)
    got = run.e81.rows.set_index("kode")
    for code in ("P057", "P058"):
        for key in ("k13", "k14", "k15", "k16", "k14_rata"):
            assert math.isnan(got.loc[code, key]), (code, key)
        assert got.loc[code, "k_tw1"] == 18  # the quarter that was right is still shown
        assert (
            "K TW II yang diisi ditolak (ERROR, lihat sheet Validasi); tidak ikut rata-rata K"
            in (got.loc[code, "keterangan"])
        )
    assert math.isnan(got.loc["P057", "rp13"]) and math.isnan(got.loc["P057", "rp14"])
    assert got.loc["P057", "rp_tw1"] == 61_544_595
    assert (
        "Rp TW II yang diisi ditolak (ERROR, lihat sheet Validasi); tidak ikut rata-rata Rp"
        in (got.loc["P057", "keterangan"])
    )
    assert got.loc["P058", "rp13"] == 25_131_750 + 41_886_250  # its Rp was right
    # by hand, the eight other indicators (column 14 K of the TW II run, none above 120):
    # P055 96,7/100; P056 96,59/100; P059 (16+27)/120; P060 (18+29)/120; P061 (17+28)/120;
    # P062 (17+28)/120; P063 (17+29)/120; P083 96,67/100
    k14 = [96.7, 96.59, 43 / 1.2, 47 / 1.2, 45 / 1.2, 45 / 1.2, 46 / 1.2, 96.67]
    foot = run.e81.footer.set_index("kode_opd").loc["DISNAKER"]
    assert foot["jumlah_k"] == 8
    assert math.isclose(foot["rata_k"], sum(k14) / 8, rel_tol=1e-12)  # 59,79 %
    assert foot["predikat_k"] == "R"
    assert foot["jumlah_rp"] == 9


def test_a_fraction_typed_for_a_percent_on_the_renja_sheet(tmp_path: Path) -> None:
    """DISNAKER types P055's K TW II (%, nilai akhir, target 100) as 0,967 for 96,7 %. Nothing
    was said: column 13 read 0,967, column 14 0,97 %, and the OPD's K average fell from 55,83
    to 46,26 %. The Indikator sheet refuses a percent 50 times away from its target (a
    fraction typed for a percent, nilai.skala_persen); the Renja sheet now does so at the
    cell, and the row leaves the averages."""
    run, rows = _typed_over(tmp_path, "DISNAKER", {("P055", "k_tw2"): 0.967})
    row = rows["P055"]
    (found,) = run.issues[run.issues["rule"] == "renja.skala_persen"].itertuples()
    letter = openpyxl.utils.get_column_letter(COL["k_tw2"])
    assert (found.severity, found.sheet, found.cell) == ("ERROR", "Renja", f"{letter}{row}")
    assert found.kode_indikator == "IP055" and found.found == "0,967"
    assert "berbeda 103,4 kali dari target 100 %" in found.message
    assert "persen ditulis sebagai pecahan" in found.message
    p055 = run.e81.rows.set_index("kode").loc["P055"]
    assert math.isnan(p055["k13"]) and math.isnan(p055["k14"])
    assert "K TW II yang diisi ditolak" in p055["keterangan"]
    # the other nine: the TW II run's column 14 K of DISNAKER without P055 (by hand, as in
    # test_a_refused_quarter_leaves_column_13_empty_as_on_the_lkjip)
    k14 = [96.59, 48 / 1.2, 48 / 1.2, 43 / 1.2, 47 / 1.2, 45 / 1.2, 45 / 1.2, 46 / 1.2, 96.67]
    foot = run.e81.footer.set_index("kode_opd").loc["DISNAKER"]
    assert foot["jumlah_k"] == 9
    assert math.isclose(foot["rata_k"], sum(k14) / 9, rel_tol=1e-12)


def test_a_renja_row_typed_twice_is_refused_at_both_rows(tmp_path: Path) -> None:
    """DISNAKER copies P057's Renja row and types other TW II figures in the copy (K 12,
    Rp 50.000.000). The copy was skipped without a word and the first row used: which of the
    two is right cannot be told. As on the Indikator and Anggaran sheets, both rows are named
    in an ERROR and neither is used; the E.81 row says so."""
    from tests.conftest import copy_inputs, input_file

    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DISNAKER")
    wb = openpyxl.load_workbook(path)
    renja = wb[tpl.SHEET_RENJA]
    row = _rows(renja, "kode_renja")["P057"]
    renja.insert_rows(row + 1)
    for col in range(1, renja.max_column + 1):
        renja.cell(row + 1, col).value = renja.cell(row, col).value
    renja.cell(row + 1, COL["k_tw2"]).value = 12
    renja.cell(row + 1, COL["rp_tw2"]).value = 50_000_000
    wb.save(path)

    run, _ = load_and_run(SPEC, folder, periode="TW2")
    assert run is not None
    twice = run.issues[run.issues["rule"] == "struktur.renja_ganda"]
    letter = openpyxl.utils.get_column_letter(COL["kode_renja"])
    assert sorted(twice["cell"]) == [f"{letter}{row}", f"{letter}{row + 1}"]
    assert set(twice["severity"]) == {"ERROR"} and set(twice["kode_opd"]) == {"DISNAKER"}
    assert "'P057' (indikator 'IP057') muncul di lebih dari satu baris" in twice.iloc[0]["message"]
    p057 = run.e81.rows.set_index("kode").loc["P057"]
    assert math.isnan(p057["k13"]) and math.isnan(p057["rp13"])
    assert math.isnan(p057["k_tw1"]) and math.isnan(p057["rp_tw1"])
    assert "K yang diisi ditolak" in p057["keterangan"]
    assert "Rp yang diisi ditolak" in p057["keterangan"]
    gone = run.issues[run.issues["rule"] == "struktur.renja_baris_hilang"]
    assert gone.empty, list(gone["message"])  # the rows are there, twice


def test_an_unread_renja_sheet_does_not_call_each_row_missing(tmp_path: Path) -> None:
    """DINKES retitles the Renja column 'Realisasi K TW II' as 'Realisasi K TW 2': the sheet
    is not read (an ERROR at the title). Its 22 rows are all there; they must not each get a
    WARNING that they were deleted."""
    from tests.conftest import copy_inputs, input_file

    folder = copy_inputs(tmp_path)
    dinkes = input_file(folder, "DINKES")
    wb = openpyxl.load_workbook(dinkes)
    wb[tpl.SHEET_RENJA].cell(tpl.HEADER_ROW, COL["k_tw2"]).value = "Realisasi K TW 2"
    wb.save(dinkes)

    run, _ = load_and_run(SPEC, folder, periode="TW2")
    assert run is not None
    unread = run.issues[run.issues["rule"] == "struktur.kolom_hilang"]
    assert list(unread["kode_opd"]) == ["DINKES"] and list(unread["sheet"]) == ["Renja"]
    gone = run.issues[run.issues["rule"] == "struktur.renja_baris_hilang"]
    assert gone.empty, list(gone["message"])
    # the E.81 says the sheet was refused, once; its rows are not 'belum diisi' one by one
    assert run.e81 is not None
    foot = run.e81.footer.set_index("kode_opd").loc["DINKES"]
    assert "Sheet Renja berkas OPD ditolak" in foot["catatan"]
    rows = run.e81.rows[run.e81.rows["kode_opd"] == "DINKES"]
    assert not rows["keterangan"].astype(str).str.contains("belum diisi").any()


def test_rp_typed_on_a_programs_second_indicator_row_is_said(
    small_spec: Path, tmp_path: Path
) -> None:
    """P049 has two indicators (IP049, IP049T): its Rp belongs on its first row; the second
    row's Rp cells are grey. Rp typed there (the sheet unprotected) vanished without a word:
    only the first row's Rp went into column 13. It is now a WARNING at the cell typed, saying
    the value is not used and where it belongs."""
    from pipeline.master import read_master

    spec, _ = read_master(small_spec)
    assert spec is not None

    def edit(ws: Any, rows: dict[str, int]) -> None:
        ws.cell(rows["IP049T"], COL["rp_tw2"], 4_000_000)

    _bpkpad_renja(
        spec,
        tmp_path,
        k={"IP049": {1: 5, 2: 6}, "IP049T": {1: 1, 2: 1}},
        rp={"P049": {1: 10_000_000, 2: 15_000_000}},
        edit=edit,
    )
    sub = read_submission(tmp_path / "bpkpad.xlsx")
    _, rp, _, issues = extract_renja(sub, spec.with_periode("TW2"), "BPKPAD")
    (said,) = [i for i in issues if i.rule == "renja.rp_baris_lain"]
    ws = openpyxl.load_workbook(tmp_path / "bpkpad.xlsx")[tpl.SHEET_RENJA]
    second = next(
        r for r in range(1, ws.max_row + 1) if ws.cell(r, COL["kode_indikator"]).value == "IP049T"
    )
    first = next(
        r for r in range(1, ws.max_row + 1) if ws.cell(r, COL["kode_indikator"]).value == "IP049"
    )
    letter = openpyxl.utils.get_column_letter(COL["rp_tw2"])
    assert (said.severity, said.sheet, said.cell) == ("WARNING", "Renja", f"{letter}{second}")
    assert said.found == "4.000.000"
    assert f"baris {first}" in said.message and "tidak dipakai" in said.message
    p049 = next(r for r in rp if r["kode"] == "P049")
    assert p049["rp_tw2"] == 15_000_000  # the first row's, as before


def test_a_refused_cell_is_not_called_empty(small_spec: Path, tmp_path: Path) -> None:
    """P159's K TW II typed as a date (4 Maret 2018) and P049's Rp TW II typed TRUE: each is
    an ERROR at its cell. The WARNINGs comparing K with Rp then said the other cell was
    'kosong' ('K indikatornya kosong', found '(kosong)') of cells that hold a date and TRUE.
    The refused cell is said once, by its ERROR."""
    import datetime

    from pipeline.master import read_master

    spec, _ = read_master(small_spec)
    assert spec is not None

    def edit(ws: Any, rows: dict[str, int]) -> None:
        ws.cell(rows["IP159"], COL["k_tw2"], datetime.datetime(2018, 3, 4))
        ws.cell(rows["IP159R"], COL["k_tw2"], None)
        ws.cell(rows["P049"], COL["rp_tw2"], True)

    _bpkpad_renja(
        spec,
        tmp_path,
        k={"IP049": {1: 5, 2: 6}, "IP049T": {1: 1, 2: 1}, "IP159": {1: 60}, "IP159R": {1: 5}},
        rp={"P049": {1: 10_000_000}, "P159": {1: 800_000_000, 2: 900_000_000}},
        edit=edit,
    )
    sub = read_submission(tmp_path / "bpkpad.xlsx")
    _, _, _, issues = extract_renja(sub, spec.with_periode("TW2"), "BPKPAD")
    rules = [(i.rule, i.severity) for i in issues]
    assert rules.count(("nilai.bukan_angka", "ERROR")) == 2
    assert ("renja.rp_tanpa_k", "WARNING") not in rules, [i.message for i in issues]
    assert ("renja.k_tanpa_rp", "WARNING") not in rules, [i.message for i in issues]


def test_an_edited_pagu_on_the_renja_sheet_is_said(tmp_path: Path) -> None:
    """DISNAKER overtypes P057's locked Pagu (Rp) 413.730.105 with 500.000.000 (a changed
    budget after the APBD Perubahan, say). An edited target got a WARNING and the spec's target
    was used; an edited pagu was used from the spec without a word, so the OPD never learned
    that column 8 and column 14 (Rp) kept the old pagu. It gets the same WARNING now."""
    run, rows = _typed_over(tmp_path, "DISNAKER", {("P057", "pagu"): 500_000_000})
    row = rows["P057"]
    (said,) = run.issues[run.issues["rule"] == "struktur.pagu_diubah"].itertuples()
    letter = openpyxl.utils.get_column_letter(COL["pagu"])
    assert (said.severity, said.sheet, said.cell) == ("WARNING", "Renja", f"{letter}{row}")
    assert (said.found, said.expected) == ("500.000.000", "Rp 413.730.105")
    assert "Pagu 'P057' di sel terkunci diubah" in said.message
    assert "Rp 413.730.105" in said.message
    assert run.e81.rows.set_index("kode").loc["P057", "rp8"] == 413_730_105


def test_renja_rp_typed_in_thousands_is_said(tmp_path: Path) -> None:
    """DISNAKER types P057's quarterly Rp in thousands (61.545 for Rp 61.544.595). The
    Anggaran sheet's yearly cell had anggaran.sangat_kecil for this; the Renja quarters had
    nothing, so a TW II run took Rp 164.119 against a pagu of 413.730.105 without a word (and
    a yearly run only said the quarters differ from the Anggaran sheet). A WARNING at the first
    Rp cell now asks whether it was typed in thousands and says the amount is used as typed."""
    from tests.conftest import copy_inputs, input_file

    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DISNAKER")
    wb = openpyxl.load_workbook(path)
    renja = wb[tpl.SHEET_RENJA]
    row = _rows(renja, "kode_renja")["P057"]
    for q in (1, 2, 3, 4):
        cell = renja.cell(row, COL[f"rp_tw{q}"])
        cell.value = round(cell.value / 1000)
    wb.save(path)

    letter = openpyxl.utils.get_column_letter(COL["rp_tw1"])
    for periode, total in (("TW2", "Rp 164.119"), ("Tahunan", "Rp 410.297")):
        run, _ = load_and_run(SPEC, folder, periode=periode)
        assert run is not None
        tiny = run.issues[run.issues["rule"] == "renja.rp_sangat_kecil"]
        (said,) = tiny[tiny["kode_opd"] == "DISNAKER"].itertuples()
        assert (said.severity, said.sheet, said.cell) == ("WARNING", "Renja", f"{letter}{row}")
        assert (said.found, said.expected) == (total, "Rupiah penuh")
        assert "'P057'" in said.message and "pagu Rp 413.730.105" in said.message
        assert "ribuan" in said.message and "dipakai apa adanya" in said.message
    # the shipped files hold one such row: DISPERKIM's P046, split from the seed's own
    # Anggaran slip (14.324.706 against 15.104.480.201)
    others = run.issues[
        (run.issues["rule"] == "renja.rp_sangat_kecil") & (run.issues["kode_opd"] != "DISNAKER")
    ]
    assert list(others["kode_opd"]) == ["DISPERKIM"]


def test_a_refused_kegiatan_rp_is_not_said_to_leave_the_rp_average(tmp_path: Path) -> None:
    """Only programs enter the Rp average: a kegiatan's refused Rp says it was refused, not
    that it leaves an average it was never in (its program's row does)."""
    run, _ = _typed_over(tmp_path, "DINKES", {("P021.01", "rp_tw2"): -1_000_000})
    note = run.e81.rows.set_index("kode").loc["P021.01", "keterangan"]
    assert "Rp TW II yang diisi ditolak (ERROR, lihat sheet Validasi)" in note
    assert "rata-rata Rp" not in note


def test_a_kegiatan_with_pagu_0_is_said_in_the_spec(tmp_path: Path) -> None:
    """A kegiatan's pagu of 0 was accepted without a word; every Rp its OPD then reported was
    'melebihi pagu Rp 0' and refused: the fault is the spec's, said at its cell."""
    path = tmp_path / "spec.xlsx"
    wb = openpyxl.load_workbook(SPEC)
    ws = wb["kegiatan"]
    header = [c.value for c in ws[1]]
    column = header.index("pagu_2018") + 1
    ws.cell(2, column, 0)
    wb.save(path)
    spec, issues = read_master(path)
    assert spec is not None  # a WARNING
    found = [i for i in issues if i.rule == "spec.pagu_nol"]
    letter = openpyxl.utils.get_column_letter(column)
    assert [(i.sheet, i.cell, i.severity) for i in found] == [
        ("kegiatan", f"{letter}2", "WARNING")
    ]


def test_an_opd_whose_file_was_refused_is_not_said_to_have_sent_nothing(tmp_path: Path) -> None:
    """DISNAKER sent a broken file: its E.81 said 'Berkas OPD belum diterima' (not received),
    while the Anggaran and Ringkasan sheets said the file was refused."""
    from tests.conftest import copy_inputs, input_file

    folder = copy_inputs(tmp_path)
    input_file(folder, "DISNAKER").write_bytes(b"PK\x03\x04 bukan buku kerja")
    input_file(folder, "DLH").unlink()  # DLH sent nothing at all
    run, _ = load_and_run(SPEC, folder, periode="TW2")
    assert run is not None
    foot = run.e81.footer.set_index("kode_opd")
    assert foot.loc["DISNAKER", "catatan"].startswith(
        "Berkas OPD ditolak (ERROR, lihat sheet Validasi dan umpan balik OPD): kolom 9–16 kosong."
    )
    assert "belum diterima" not in foot.loc["DISNAKER", "catatan"]
    assert foot.loc["DLH", "catatan"].startswith("Berkas OPD belum diterima")
