"""Every number right: a second, made-up Pemda (tests/pemda_contoh.py) and the ways clerks
really edit their files. Each test pins one class of wrong number (the issue's items 1–11).

The hand computation behind the expected values is in each test; the made-up Pemda's own
numbers are recomputed from its Indikator sheet in test_new_user_trial_numbers.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import schema
from pipeline import template as tpl
from pipeline.issues import ERROR, INFO, WARNING
from pipeline.master import MasterSpec, read_master
from pipeline.run import Run, run_pemda
from tests import pemda_contoh as contoh
from tests.conftest import read_sheet, run_cli

IND, ANG = contoh.IND, contoh.ANG


@pytest.fixture(scope="module")
def sukamaju(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return contoh.build(tmp_path_factory.mktemp("sukamaju"))


@pytest.fixture(scope="module")
def spec(sukamaju: tuple[Path, Path]) -> MasterSpec:
    loaded, issues = read_master(sukamaju[0])
    assert loaded is not None, [i.message for i in issues]
    return loaded


@pytest.fixture(scope="module")
def run(spec: MasterSpec, sukamaju: tuple[Path, Path]) -> Run:
    return run_pemda(spec, sukamaju[1])


def _ind(run: Run) -> pd.DataFrame:
    return run.results.indikator.set_index("kode_indikator")


def _rules(run: Run, rule: str) -> pd.DataFrame:
    return run.issues[run.issues["rule"] == rule]


def _no_holes(run: Run) -> None:
    """No message of the run has a placeholder left in it."""
    holes = [m for m in run.issues["message"] if re.search(r"[{}]", m)]
    assert not holes, holes


def variant(
    spec: MasterSpec,
    sukamaju: tuple[Path, Path],
    tmp_path: Path,
    kode_opd: str,
    change: Callable[[openpyxl.Workbook], None],
    after: Callable[[Path], None] | None = None,
) -> tuple[Run, Path]:
    """The Sukamaju files with one OPD's file edited as a clerk would; the run on them."""
    inbox = tmp_path / "kiriman"
    shutil.copytree(sukamaju[1], inbox)
    path = inbox / f"Capaian {kode_opd} 2024.xlsx"
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    contoh.stamp(path, contoh.SAVED)
    if after:
        after(path)
    return run_pemda(spec, inbox), path


def _cell(wb: openpyxl.Workbook, code: str, key: str, sheet: str = tpl.SHEET_INDIKATOR) -> str:
    ws = wb[sheet]
    letters = IND if sheet == tpl.SHEET_INDIKATOR else ANG
    return f"{letters[key]}{contoh.row_of(ws, code)}"


# 1. Progress to the RPJMD end target: from numbers and years, never from text.


def test_end_target_is_decided_from_numbers_and_years(run: Run) -> None:
    ind = _ind(run)
    for code in ("P3", "G3"):  # only this year's target (integer 60, decimal 35,5): no progress
        assert math.isnan(ind.loc[code, "progres_rpjmd"]), code
    k1 = ind.loc["K1"]  # end target in periode_akhir (2026)
    assert (k1["target_akhir"], k1["tahun_target_akhir"]) == (95.0, 2026)
    assert k1["progres_rpjmd"] == pytest.approx(90.5 / 95 * 100)
    k2 = ind.loc["K2"]  # no 2026 target: 2025's stands in, and says so
    assert (k2["target_akhir"], k2["tahun_target_akhir"]) == (12.0, 2025)
    assert "2025" in k2["catatan_target_akhir"] and "2026" in k2["catatan_target_akhir"]
    assert k2["progres_rpjmd"] == pytest.approx((2 * 12 - 11) / 12 * 100)  # turun
    k3 = ind.loc["K3"]  # a range end target, with thousands separators
    assert k3["target_akhir"] == "12.000 - 18.000"
    assert k3["progres_rpjmd"] == pytest.approx(100.0)
    for code in ("P3", "G3"):
        row = ind.loc[code]
        assert pd.isna(row["tahun_target_akhir"]), code
        assert row["catatan_target_akhir"] == "target akhir belum ada"


def test_end_target_cells_are_numbers_with_their_year(run: Run, tmp_path: Path) -> None:
    from pipeline import chartdata, charts
    from pipeline.outputs import write_outputs

    paths = write_outputs(run, tmp_path)
    ind = read_sheet(paths["workbook"], "Indikator").set_index("Kode Indikator")
    assert ind.loc["P2", "Target Akhir RPJMD"] == pytest.approx(13.929)  # a number, not '13.929'
    assert ind.loc["P2", "Tahun Target Akhir"] == 2026
    assert ind.loc["P2", "Target Tahun Berikutnya"] == pytest.approx(13.5)
    assert ind.loc["G3", "Catatan Target Akhir"] == "target akhir belum ada"
    label = chartdata.progres_label(run.results.indikator)
    frame = chartdata.tren_sasaran(run.results.indikator, run.results.sasaran, run.spec.settings)
    fig = charts.tren_sasaran(frame, {}, "Pemda", label)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Progres thd target akhir RPJMD (target 2025, 2026)" in legend
    charts.plt.close(fig)


# 2. Kualitatif reported in the quarterly cells only: the last TW reported.


def test_kualitatif_quarterly_only_uses_the_last_quarter(run: Run) -> None:
    g1 = _ind(run).loc["G1"]  # TW I WDP, TW IV WTP, target WTP
    assert g1["realisasi_teks"] == "WTP"
    assert g1["sumber_realisasi"] == "TW terakhir"
    assert g1["capaian_mentah"] == pytest.approx(100.0)  # not 75 (WDP 3 / WTP 4)


# 3. A percent typed in a percent-formatted cell; a value 100× off its target.


def test_percent_formatted_cell_is_read_as_the_percent_shown(run: Run) -> None:
    g2 = _ind(run).loc["G2"]  # 82% typed, stored 0.82
    assert g2["realisasi"] == pytest.approx(82.0)
    assert g2["capaian_mentah"] == pytest.approx(82 / 85 * 100)
    info = _rules(run, "nilai.format_persen")
    assert list(info["severity"]) == [INFO]
    assert list(info["kode_indikator"]) == ["G2"]


def test_percent_formatted_cell_on_a_band_edge_is_read_exactly(
    spec: MasterSpec, sukamaju: tuple[Path, Path], tmp_path: Path
) -> None:
    """Excel stores 63,75 % as 0,6375; × 100 in binary floating point that is
    63.74999999999999, and against the target 85 the capaian would be 74.99999999999999."""

    def change(wb: openpyxl.Workbook) -> None:
        wb[tpl.SHEET_INDIKATOR][_cell(wb, "G2", "realisasi_tahunan")].value = 0.6375

    result, _ = variant(spec, sukamaju, tmp_path, "BKAD", change)
    g2 = _ind(result).loc["G2"]
    assert g2["realisasi"] == 63.75  # as shown in the cell
    assert g2["capaian_mentah"] == 75.0  # 63,75 / 85 × 100 by hand


def test_percent_typed_as_a_fraction_is_an_error(
    spec: MasterSpec, sukamaju: tuple[Path, Path], tmp_path: Path
) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        cell = _cell(wb, "G2", "realisasi_tahunan")
        wb[tpl.SHEET_INDIKATOR][cell].number_format = "General"  # 0,82 for 82 %

    result, _ = variant(spec, sukamaju, tmp_path, "BKAD", change)
    err = _rules(result, "nilai.skala_persen")
    assert list(err["severity"]) == [ERROR]
    assert "85" in err.iloc[0]["message"]  # the target it is compared with
    assert _ind(result).loc["G2", "status"] == schema.STATUS_TIDAK_DAPAT
    assert result.has_errors


# 4. Rows sorted without the code column, a duplicated header, a duplicated code.


def test_rows_sorted_without_their_codes_are_not_scored(
    spec: MasterSpec, sukamaju: tuple[Path, Path], tmp_path: Path
) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        ws = wb[tpl.SHEET_INDIKATOR]
        a, b = contoh.row_of(ws, "P1"), contoh.row_of(ws, "P2")
        for col in range(2, len(tpl.INDIKATOR_COLUMNS) + 1):  # every column but the code
            ws.cell(a, col).value, ws.cell(b, col).value = (
                ws.cell(b, col).value,
                ws.cell(a, col).value,
            )

    result, path = variant(spec, sukamaju, tmp_path, "DISDIK", change)
    err = _rules(result, "struktur.baris_tidak_cocok")
    assert set(err["kode_indikator"]) == {"P1", "P2"}
    assert set(err["severity"]) == {ERROR}
    ind = _ind(result)
    for code in ("P1", "P2"):
        assert ind.loc[code, "status"] == schema.STATUS_TIDAK_DAPAT, code
        assert math.isnan(ind.loc[code, "capaian_mentah"]), code
    assert ind.loc["P3", "status"] == schema.STATUS_DINILAI  # the rest of the file is used
    assert result.validated.berkas.set_index("berkas").loc[path.name, "status"] != "ditolak"


def test_a_header_typed_twice_is_an_error_naming_both_cells(
    spec: MasterSpec, sukamaju: tuple[Path, Path], tmp_path: Path
) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        ws = wb[tpl.SHEET_INDIKATOR]
        ws[f"{IND['capaian_opd']}{tpl.HEADER_ROW}"] = schema.label("realisasi_tahunan")

    result, path = variant(spec, sukamaju, tmp_path, "DISDIK", change)
    err = _rules(result, "struktur.judul_ganda")
    assert len(err) == 1 and err.iloc[0]["severity"] == ERROR
    first, second = f"{IND['realisasi_tahunan']}5", f"{IND['capaian_opd']}5"
    assert first in err.iloc[0]["message"] and second in err.iloc[0]["message"]
    assert err.iloc[0]["cell"] == second
    ind = _ind(result)
    assert set(ind.loc[["P1", "P2", "P3"], "status"]) == {schema.STATUS_BELUM_LAPOR}
    assert result.validated.berkas.set_index("berkas").loc[path.name, "status"] == "ditolak"


def test_a_code_typed_twice_uses_neither_row(
    spec: MasterSpec, sukamaju: tuple[Path, Path], tmp_path: Path
) -> None:
    cells: list[str] = []

    def change(wb: openpyxl.Workbook) -> None:
        ws = wb[tpl.SHEET_INDIKATOR]
        a, b = contoh.row_of(ws, "K1"), contoh.row_of(ws, "K2")
        for col in range(1, len(tpl.INDIKATOR_COLUMNS) + 1):
            ws.cell(b, col).value = ws.cell(a, col).value  # K1's row copied over K2's
        ws.cell(b, 11).value = 99
        cells.extend([f"A{a}", f"A{b}"])

    result, _ = variant(spec, sukamaju, tmp_path, "DINKES", change)
    err = _rules(result, "struktur.indikator_ganda")
    assert sorted(err["cell"]) == cells
    assert all(cells[0] in m and cells[1] in m for m in err["message"])
    ind = _ind(result)
    assert ind.loc["K1", "status"] == schema.STATUS_TIDAK_DAPAT  # neither 90,5 nor 99
    assert ind.loc["K2", "status"] == schema.STATUS_BELUM_LAPOR  # its row is gone


# 5. Formula cells: an error result, no stored result, budget cells included.


def _error_result(path: Path, ref: str) -> None:
    """Give a formula cell the cached error Excel would store (#DIV/0!)."""

    def change(text: str) -> str:
        cell = re.search(rf'<c r="{ref}"[^>]*>.*?</c>', text)
        assert cell, ref
        return text.replace(cell.group(0), f'<c r="{ref}" t="e"><f>1/0</f><v>#DIV/0!</v></c>')

    contoh.rewrite(path, "xl/worksheets/sheet2.xml", change)


def test_formula_cells_say_what_they_hold(
    spec: MasterSpec, sukamaju: tuple[Path, Path], tmp_path: Path
) -> None:
    refs: dict[str, str] = {}

    def change(wb: openpyxl.Workbook) -> None:
        refs["K2"] = _cell(wb, "K2", "realisasi_tahunan")
        refs["K1"] = _cell(wb, "K1", "realisasi_tw4")
        refs["budget"] = _cell(wb, "1.02.02", "realisasi_anggaran", tpl.SHEET_ANGGARAN)
        wb[tpl.SHEET_INDIKATOR][refs["K2"]] = "=1/0"  # saved with no result (never calculated)
        wb[tpl.SHEET_INDIKATOR][refs["K1"]] = "=1/0"  # result set to #DIV/0! below
        wb[tpl.SHEET_ANGGARAN][refs["budget"]] = "=E6*2"

    result, _ = variant(
        spec, sukamaju, tmp_path, "DINKES", change, lambda p: _error_result(p, refs["K1"])
    )
    err = _rules(result, "nilai.rumus").set_index("cell")
    assert set(err["severity"]) == {ERROR}
    assert "tanpa nilai tersimpan: simpan ulang di Excel" in err.loc[refs["K2"], "message"]
    assert "menghasilkan #DIV/0!" in err.loc[refs["K1"], "message"]
    assert refs["budget"] in err.index  # a budget cell is never silently unreported
    ind = _ind(result)
    assert ind.loc["K2", "status"] == schema.STATUS_TIDAK_DAPAT  # not 'belum lapor'
    assert ind.loc["K1", "status"] == schema.STATUS_TIDAK_DAPAT  # not TW III's 70
    assert not len(_rules(result, "kelengkapan.realisasi_kosong"))
    opd = result.results.opd.set_index("kode_opd").loc["DINKES"]
    assert "1.02.02 (ditolak" in opd["program_dikecualikan"]


# 6. Every total is a sum over the same rows, the excluded ones listed.


def test_budget_totals_add_up_over_the_same_programs(
    spec: MasterSpec, sukamaju: tuple[Path, Path], tmp_path: Path
) -> None:
    from pipeline.outputs import write_outputs

    def change(wb: openpyxl.Workbook) -> None:
        ref = _cell(wb, "1.02.01", "realisasi_anggaran", tpl.SHEET_ANGGARAN)
        wb[tpl.SHEET_ANGGARAN][ref] = 125_000_000_000  # 10× its pagu: an ERROR, excluded

    result, _ = variant(spec, sukamaju, tmp_path, "DINKES", change)
    paths = write_outputs(result, tmp_path / "out")
    e81 = [list(r) for r in openpyxl.load_workbook(paths["workbook"])["E.81"].values]
    start = next(i for i, r in enumerate(e81) if str(r[0]).endswith("(DINKES)"))
    rata = next(r for r in e81[start:] if r[0] == "Rata-rata capaian kinerja (%)")
    rejected = next(r for r in e81[start:] if r[2] == "1.02.01")
    assert rejected[20] is None  # its realisation was refused: not in the Rp sums
    assert rata[22] == pytest.approx(95.0)  # Σ13 / Σ8 over the same programs: 1,9 / 2 miliar
    opd = result.results.opd.set_index("kode_opd").loc["DINKES"]
    assert opd["pagu_dilaporkan"] == 2_000_000_000
    assert opd["realisasi_anggaran"] == 1_900_000_000
    assert opd["serapan"] == pytest.approx(95.0)
    assert opd["program_dikecualikan"] == "1.02.01 (ditolak, lihat Validasi)"
    sheet = read_sheet(paths["workbook"], "OPD").set_index("Kode OPD")
    row = sheet.loc["DINKES"]
    assert row["Pagu Program Dilaporkan (Rp)"] * row["Serapan (%)"] / 100 == pytest.approx(
        row["Realisasi Anggaran (Rp)"]
    )
    assert row["Program Tidak Dihitung"] == "1.02.01 (ditolak, lihat Validasi)"


# 7. The spec in Indonesian forms: ranges, dates, Rupiah; impossible values flagged.


def test_spec_numbers_and_dates_in_indonesian_forms(spec: MasterSpec, run: Run) -> None:
    ind = spec.indikator.set_index("kode_indikator")
    assert (ind.loc["K3", "target_bawah"], ind.loc["K3", "target_atas"]) == (10_000, 15_000)
    assert ind.loc["P1", "target_nilai"] == pytest.approx(97.25)  # '97,25' typed as text
    assert spec.pemda["batas_pengumpulan"] == "2025-02-15"  # typed '15/02/2025'
    assert not len(_rules(run, "kelengkapan.terlambat"))  # saved 10 February 2025: on time
    assert _ind(run).loc["K3", "capaian_mentah"] == pytest.approx(100.0)  # 13.000 in range


def _spec_issues(tmp_path: Path, **changes: list[list[object]]) -> tuple[MasterSpec | None, list]:
    path = contoh.write_spec(tmp_path / "spec.xlsx", contoh.sheets(**changes))
    return read_master(path)


def _indikator_with(code: str, **values: object) -> list[list[object]]:
    rows = [list(r) for r in contoh.SHEETS["indikator"]]
    header = rows[0]
    for row in rows[1:]:
        if row[0] == code:
            for key, value in values.items():
                row[header.index(key)] = value
    return rows


def test_spec_pagu_written_in_rupiah(tmp_path: Path) -> None:
    program = [list(r) for r in contoh.SHEETS["program"]]
    program[4][4] = "Rp 4.750.000.000,-"
    program[3][4] = "30.000.000.000"
    spec, issues = _spec_issues(tmp_path, program=program)
    assert spec is not None, [i.message for i in issues]
    pagu = spec.program.set_index("kode_program")["pagu"]
    assert (pagu["5.02.01"], pagu["1.01.01"]) == (4_750_000_000, 30_000_000_000)


def test_impossible_spec_values_are_flagged_where_they_are(tmp_path: Path) -> None:
    spec, issues = _spec_issues(
        tmp_path, indikator=_indikator_with("P1", target_2024=123, batas_wajar_max="")
    )
    assert spec is not None  # a WARNING, not a refusal
    hit = [i for i in issues if i.rule == "spec.target_tidak_wajar"]
    assert [(i.sheet, i.cell, i.severity) for i in hit] == [("indikator", "J5", WARNING)]
    spec, issues = _spec_issues(
        tmp_path, indikator=_indikator_with("P1", target_2024=123, batas_wajar_max=150)
    )
    assert not [i for i in issues if i.rule == "spec.target_tidak_wajar"]  # the spec allows it
    spec, issues = _spec_issues(tmp_path, indikator=_indikator_with("P2", target_2024=0))
    assert spec is not None
    zero = [i for i in issues if i.rule == "spec.target_nol"]
    assert [(i.cell, i.severity) for i in zero] == [("J6", WARNING)]
    # lower is better: a target of 0 (zero cases) is meant; a negative one is not
    for target, cells in ((0, []), (-2, ["J3"])):
        spec, issues = _spec_issues(tmp_path, indikator=_indikator_with("K2", target_2024=target))
        assert spec is not None
        zero = [i for i in issues if i.rule == "spec.target_nol"]
        assert [i.cell for i in zero] == cells


def test_a_zero_target_gets_the_edge_case_status(tmp_path: Path) -> None:
    spec, _ = _spec_issues(tmp_path, indikator=_indikator_with("P2", target_2024=0))
    assert spec is not None
    inbox = tmp_path / "kiriman"
    blank = tpl.build_template(spec, "DISDIK", tmp_path / "DISDIK.xlsx")
    contoh.fill(blank, inbox / "disdik.xlsx")
    p2 = _ind(run_pemda(spec, inbox)).loc["P2"]
    assert p2["status"] == schema.STATUS_TIDAK_DAPAT
    assert "target 0" in p2["keterangan"]


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("15/02/2025", "2025-02-15"),
        ("15-2-2025", "2025-02-15"),
        ("15 Februari 2025", "2025-02-15"),
    ],
)
def test_deadline_typed_as_text(tmp_path: Path, value: str, iso: str) -> None:
    pemda = [list(r) for r in contoh.SHEETS["pemda"]]
    pemda[1][6] = value
    spec, _ = _spec_issues(tmp_path, pemda=pemda)
    assert spec is not None and spec.pemda["batas_pengumpulan"] == iso


def test_unreadable_spec_values_refuse_the_spec_with_their_place(tmp_path: Path) -> None:
    pemda = [list(r) for r in contoh.SHEETS["pemda"]]
    pemda[1][6] = "akhir Februari"
    spec, issues = _spec_issues(
        tmp_path, pemda=pemda, indikator=_indikator_with("K3", target_2024="10.000 sampai x")
    )
    assert spec is None
    found = {(i.rule, i.sheet, i.cell) for i in issues}
    assert ("spec.tanggal", "pemda", "G2") in found
    assert ("spec.target", "indikator", "J4") in found


# 8. Messages: filled from a checked set of fields, stating the target compared with.


def test_every_suite_message_renders_without_holes(spec: MasterSpec, run: Run) -> None:
    from pipeline.master import rule_frame
    from pipeline.suites import check_message, load_suite, message_fields, render_message
    from pipeline.validate.values import anggaran_frame, hasil_frame, realisasi_frame

    frames = {
        "realisasi_indikator": realisasi_frame(run.validated.realisasi, spec),
        "realisasi_anggaran": anggaran_frame(run.validated.anggaran, spec),
        "hasil_capaian": hasil_frame(run.results.indikator),
        "master_spec": rule_frame(spec.indikator),
    }
    rendered = 0
    for name, frame in frames.items():
        row = frame.iloc[0].to_dict()
        for exp in load_suite(name)["expectations"]:
            meta = exp["meta"]
            text = render_message(meta["pesan"], row, "1", "2")
            assert not re.search(r"[{}]", text), (name, meta["rule"], text)
            rendered += 1
            if "target" in message_fields(meta["pesan"]) and name == "realisasi_indikator":
                assert str(row["target"]) in text
    assert rendered >= 19
    # a percent unit is written against its number, as everywhere else: 82,5%, not 82,5 %
    persen = {**frames["realisasi_indikator"].iloc[0].to_dict(), "target": 82.5, "satuan": "%"}
    text = render_message("Realisasi {found} dari target {target} {satuan}.", persen, "1", "2")
    assert text == "Realisasi 1 dari target 82,5%."
    with pytest.raises(ValueError, match="rasio"):  # the old hole is now a bug, not a message
        check_message(
            "Realisasi {found} adalah {rasio}% dari target", frames["realisasi_indikator"]
        )


def test_value_messages_name_the_target(report_dir: Path) -> None:
    issues = pd.read_csv(report_dir / "validasi.csv", dtype=str, keep_default_na=False)
    assert not issues["message"].str.contains("[{}]").any()
    jump = issues[issues["rule"] == "nilai.lonjakan"]  # the Binjai demo printed '{rasio}' 5×
    assert len(jump) == 5
    for message in jump["message"]:
        assert "{" not in message
        assert re.search(r"adalah [\d.,]+% dari target [\d.,]+", message), message


def test_no_message_of_a_broken_run_has_a_hole(
    spec: MasterSpec, sukamaju: tuple[Path, Path], tmp_path: Path
) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        ws = wb[tpl.SHEET_INDIKATOR]
        contoh.put(ws, _cell(wb, "K2", "realisasi_tahunan"), "delapan")
        ws[_cell(wb, "K1", "realisasi_tw4")] = 0.905  # a fraction for a percent
        ws[_cell(wb, "K1", "realisasi_tahunan")] = 9_050  # and an annual 100× too big
        contoh.put(ws, _cell(wb, "K3", "target"), "1 - 2")
        contoh.put(ws, _cell(wb, "K1", "capaian_opd"), "12,345")
        wb[tpl.SHEET_ANGGARAN][_cell(wb, "1.02.01", "realisasi_anggaran", tpl.SHEET_ANGGARAN)] = -5

    result, _ = variant(spec, sukamaju, tmp_path, "DINKES", change)
    assert len(result.issues) >= 6
    _no_holes(result)
    _no_holes(run_pemda(spec, sukamaju[1]))


@pytest.mark.parametrize(("disdik", "flagged"), [(90.5, False), (91, True)])
def test_shared_indicator_compared_as_scored(tmp_path: Path, disdik: float, flagged: bool) -> None:
    """K1 is DINKES's and DISDIK's: DINKES reports TW I-IV (last 90,5), DISDIK an annual value.
    The same figure is not a disagreement because it was typed in another column."""
    spec, _ = _spec_issues(tmp_path, indikator=_indikator_with("K1", kode_opd="DINKES;DISDIK"))
    assert spec is not None
    inbox = tmp_path / "kiriman"
    for kode in ("DINKES", "DISDIK"):
        values = (
            {**contoh.REALISASI, "K1": {"realisasi_tahunan": disdik}} if kode == "DISDIK" else None
        )
        blank = tpl.build_template(spec, kode, tmp_path / f"{kode}.xlsx")
        contoh.fill(blank, inbox / f"{kode}.xlsx", values)
    hit = _rules(run_pemda(spec, inbox), "lintas_berkas.nilai_berbeda")
    assert len(hit) == (2 if flagged else 0)
    if flagged:
        assert "DINKES: 90,5; DISDIK: 91" in hit.iloc[0]["message"]


def test_shared_indicator_is_one_bab3_row_per_opd(tmp_path: Path) -> None:
    """K1 (S1) is DINKES's and DISDIK's, two rows in the averages: Tabel Bab III printed only
    DINKES's, so S1's average (of 4 rows) could not be had from its 3 printed rows. Each OPD
    now has its row, named with its code, and the average follows from the rows printed."""
    from pipeline.outputs import write_outputs

    spec, _ = _spec_issues(tmp_path, indikator=_indikator_with("K1", kode_opd="DINKES;DISDIK"))
    assert spec is not None
    inbox = tmp_path / "kiriman"
    for kode in ("DINKES", "DISDIK"):
        values = (
            {**contoh.REALISASI, "K1": {"realisasi_tahunan": 80}} if kode == "DISDIK" else None
        )
        blank = tpl.build_template(spec, kode, tmp_path / f"{kode}.xlsx")
        contoh.fill(blank, inbox / f"{kode}.xlsx", values)
    run = run_pemda(spec, inbox)
    paths = write_outputs(run, tmp_path / "out")
    wb = openpyxl.load_workbook(paths["workbook"], read_only=True)
    rows = [list(r) for r in wb["Tabel Bab III"].iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if str(r[0]).startswith("Tabel 3.3 "))
    end = next(i for i, r in enumerate(rows) if i > start and str(r[1]).startswith("Rata-rata"))
    body = [r for r in rows[start + 2 : end] if isinstance(r[0], int)]
    names = [str(r[1]) for r in body]
    uraian = "Cakupan imunisasi dasar lengkap"
    assert names.count(f"{uraian} (DINKES)") == names.count(f"{uraian} (DISDIK)") == 1
    assert len(body) == 4
    ind = run.results.indikator
    mine = ind[ind["kode_sasaran"] == "S1"]
    assert sorted(float(r[4]) for r in body) == pytest.approx(sorted(mine["capaian_mentah"]))
    capped = [min(float(r[4]), 120.0) for r in body]
    assert rows[end][4] == pytest.approx(sum(capped) / len(capped))


# 9. Values that are too big.


def test_absurd_numbers_are_errors_quoting_what_was_typed(
    spec: MasterSpec, sukamaju: tuple[Path, Path], tmp_path: Path
) -> None:
    refs: dict[str, str] = {}

    def change(wb: openpyxl.Workbook) -> None:
        refs["budget"] = _cell(wb, "1.02.01", "realisasi_anggaran", tpl.SHEET_ANGGARAN)
        refs["K2"] = _cell(wb, "K2", "realisasi_tahunan")
        contoh.put(wb[tpl.SHEET_ANGGARAN], refs["budget"], "1" * 400)
        wb[tpl.SHEET_INDIKATOR][refs["K2"]] = 1e300

    result, _ = variant(spec, sukamaju, tmp_path, "DINKES", change)
    err = _rules(result, "nilai.tidak_wajar").set_index("cell")
    assert set(err["severity"]) == {ERROR}
    # the typed text, quoted: its first 120 characters
    assert err.loc[refs["budget"], "found"] == "1" * 119 + "…"
    assert "1E+300" in err.loc[refs["K2"], "message"]
    assert not len(_rules(result, "anggaran.melebihi_pagu"))  # no 'inf melebihi pagu'
    assert _ind(result).loc["K2", "status"] == schema.STATUS_TIDAK_DAPAT
    assert not any("inf" in m for m in result.issues["message"])


# 10. A spec without programs, an empty optional sheet: report and check end to end.


def test_spec_without_programs_runs_end_to_end(tmp_path: Path) -> None:
    content = contoh.sheets(
        program=[["kode_program", "uraian", "kode_opd", "kode_sasaran"]],
        pengaturan=[["kunci", "nilai"]],
        skala=[[]],  # a sheet left completely empty
    )
    spec_path = contoh.write_spec(tmp_path / "tanpa_program.xlsx", content)
    spec, issues = read_master(spec_path)
    assert spec is not None, [i.message for i in issues]
    inbox = tmp_path / "kiriman"
    for kode in spec.opd["kode_opd"]:
        blank = tpl.build_template(spec, kode, tmp_path / "templat" / f"{kode}.xlsx")
        contoh.fill(blank, inbox / f"{kode}.xlsx")
    out = tmp_path / "out"
    report = run_cli(
        "report", "--spec", str(spec_path), "--input", str(inbox), "--output", str(out)
    )
    assert report.returncode == 0, report.stderr
    assert "Traceback" not in report.stderr
    assert "Serapan anggaran  : tidak ada data anggaran" in report.stdout
    check = run_cli("check", "--spec", str(spec_path), "--input", str(inbox), "--output", str(out))
    assert check.returncode == 0, check.stderr
    wb = openpyxl.load_workbook(out / "9901_2024_konsolidasi.xlsx", read_only=True)
    ring = {r[0]: r[1] for r in wb["Ringkasan"].iter_rows(min_row=5, max_row=18, values_only=True)}
    assert ring["Serapan anggaran"] == "tidak ada data anggaran"
    e81 = [r[0] for r in wb["E.81"].iter_rows(values_only=True) if r[0]]
    assert "Tidak ada program di master spec: Tabel E.81 tidak dapat disusun." in e81


# 11. n/a is an answer: data tidak tersedia, counted apart, not an ERROR.


@pytest.mark.parametrize("typed", ["n/a", "-", "tidak tersedia"])
def test_no_data_is_an_answer_not_an_error(
    spec: MasterSpec, sukamaju: tuple[Path, Path], tmp_path: Path, typed: str
) -> None:
    typed_at: list[str] = []

    def change(wb: openpyxl.Workbook) -> None:
        ws = wb[tpl.SHEET_INDIKATOR]
        row = contoh.row_of(ws, "K1")
        for key in (*schema.TW_COLUMNS, "faktor_penghambat"):
            ws[f"{IND[key]}{row}"] = None
        typed_at.append(f"{IND['realisasi_tahunan']}{row}")
        contoh.put(ws, typed_at[0], typed)

    result, _ = variant(spec, sukamaju, tmp_path, "DINKES", change)
    assert not result.has_errors  # not a DRAFT because of it
    k1 = _ind(result).loc["K1"]
    assert k1["status"] == schema.STATUS_TIDAK_TERSEDIA
    warn = _rules(result, "nilai.data_tidak_tersedia")
    assert list(warn["severity"]) == [WARNING]
    assert "Faktor Penghambat" in warn.iloc[0]["message"]
    # what the clerk typed, and where, is quoted (it said only 'data tidak tersedia')
    assert warn.iloc[0]["found"] == typed
    assert f"('{typed}' di {typed_at[0]})" in warn.iloc[0]["message"]
    assert result.results.keseluruhan["data_tidak_tersedia"] == 1
    assert result.results.keseluruhan["belum_lapor"] == 0
    s1 = result.results.sasaran.set_index("kode_sasaran").loc["S1"]
    assert s1["jumlah_dinilai"] == 2  # K1 left out of the average
    assert s1["rata_rata_capaian"] == pytest.approx((112.0 + 100.0) / 2)


def test_no_data_is_counted_in_every_output(
    spec: MasterSpec, sukamaju: tuple[Path, Path], tmp_path: Path
) -> None:
    from pipeline.outputs import write_outputs

    def change(wb: openpyxl.Workbook) -> None:
        ws = wb[tpl.SHEET_INDIKATOR]
        contoh.put(ws, f"{IND['realisasi_tahunan']}{contoh.row_of(ws, 'K2')}", "n/a")

    result, _ = variant(spec, sukamaju, tmp_path, "DINKES", change)
    assert not result.has_errors
    paths = write_outputs(result, tmp_path / "out")
    manifest = json.loads(paths["manifest"].read_text(encoding="utf-8"))
    assert manifest["ringkasan"]["status_indikator"]["data tidak tersedia"] == 1
    ring = openpyxl.load_workbook(paths["workbook"], read_only=True)["Ringkasan"]
    notes = {r[0]: r[2] for r in ring.iter_rows(min_row=5, max_row=18, values_only=True)}
    assert "1 data tidak tersedia" in notes["Indikator dinilai"]
    assert "belum lapor" not in notes["Indikator dinilai"]  # none, so not said


# The made-up Pemda as a new user would run it: recompute by hand from the Indikator sheet.

HAND = {  # kode: (realisasi used, capaian %) computed by hand from the README's rules
    "K1": (90.5, 90.5 / 92.5 * 100),  # naik, TW IV (nilai_akhir) = 97,8378
    "K2": (11.0, (2 * 12.5 - 11) / 12.5 * 100),  # turun (2T−R)/T = 112
    "K3": (13_000.0, 100.0),  # range, kumulatif 3.000+3.500+4.000+2.500 in [10.000, 15.000]
    "P1": (97.8, 97.8 / 97.25 * 100),  # '97,8' typed as text = 100,5656
    "G3": (36.0, (2 * 35.5 - 36) / 35.5 * 100),  # turun = 98,5915
}


def _check_hand_numbers(indikator: pd.DataFrame, sasaran: pd.DataFrame) -> None:
    ind = indikator.set_index("Kode Indikator")
    for code, (realisasi, capaian) in HAND.items():
        assert ind.loc[code, "Realisasi Dipakai (angka/peringkat)"] == pytest.approx(realisasi)
        assert ind.loc[code, "Capaian (%)"] == pytest.approx(capaian), code
    s1 = sasaran.set_index("Kode Sasaran").loc["S1", "Rata-rata Capaian (%)"]
    assert s1 == pytest.approx((90.5 / 92.5 * 100 + 112.0 + 100.0) / 3)  # 103,2793


def test_new_user_trial_numbers(run: Run, tmp_path: Path) -> None:
    from pipeline.outputs import write_outputs

    paths = write_outputs(run, tmp_path)
    _check_hand_numbers(
        read_sheet(paths["workbook"], "Indikator"), read_sheet(paths["workbook"], "Sasaran")
    )
    assert not run.has_errors


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_new_user_trial_with_files_saved_by_libreoffice(
    spec: MasterSpec, sukamaju: tuple[Path, Path], tmp_path: Path
) -> None:
    from pipeline.outputs import write_outputs

    inbox = tmp_path / "kiriman"
    shutil.copytree(sukamaju[1], inbox)
    contoh.libreoffice_resave(inbox)
    result = run_pemda(spec, inbox)
    assert not result.has_errors, result.issues[result.issues["severity"] == ERROR]
    paths = write_outputs(result, tmp_path / "out")
    _check_hand_numbers(
        read_sheet(paths["workbook"], "Indikator"), read_sheet(paths["workbook"], "Sasaran")
    )
    ind = _ind(result)
    assert ind.loc["G2", "capaian_mentah"] == pytest.approx(82 / 85 * 100)  # % cell kept
    assert ind.loc["G1", "capaian_mentah"] == pytest.approx(100.0)


def test_bab3_target_and_realisation_carry_the_same_unit(run: Run) -> None:
    """K3 (range, kunjungan): the Tabel Bab III target read '10.000 - 15.000' beside a
    realisation '13.000 kunjungan'; both carry the unit, a percent without a space."""
    from pipeline.workbook.lkjip import realisasi_text, target_text

    ind = run.results.indikator.set_index("kode_indikator")
    k3 = {"kode_indikator": "K3", **ind.loc["K3"].to_dict()}
    assert target_text(k3, 0) == "10.000 - 15.000 kunjungan"
    assert realisasi_text(k3, 0).endswith(" kunjungan")
    percent = {**k3, "satuan": "%", "target_teks": "80 - 90"}
    assert target_text(percent, 0) == "80 - 90%"
    ladder = {**k3, "polaritas": "kualitatif", "target_nilai": None, "target_teks": "WTP"}
    assert target_text(ladder, 0) == "WTP"


def test_a_shared_indicator_answered_n_a_is_shown_as_n_a(tmp_path: Path) -> None:
    """DINKES answers K1 with n/a, DISDIK with 91: the disagreement read 'DINKES: -', as if
    DINKES had typed a dash."""
    spec, _ = _spec_issues(tmp_path, indikator=_indikator_with("K1", kode_opd="DINKES;DISDIK"))
    assert spec is not None
    inbox = tmp_path / "kiriman"
    for kode, value in (("DINKES", "n/a"), ("DISDIK", 91)):
        values = {**contoh.REALISASI, "K1": {"realisasi_tahunan": value}}
        blank = tpl.build_template(spec, kode, tmp_path / f"{kode}.xlsx")
        contoh.fill(blank, inbox / f"{kode}.xlsx", values)
    hit = _rules(run_pemda(spec, inbox), "lintas_berkas.nilai_berbeda")
    assert len(hit) == 2
    assert "DINKES: n/a; DISDIK: 91" in hit.iloc[0]["message"]


def test_an_alias_two_opds_share_names_neither(tmp_path: Path) -> None:
    """'Dinas' as an alias of two OPDs was accepted without a word; a third OPD's file named
    'Dinas PU …' was then refused as the first one's. Now: a WARNING at each alias cell, and
    the shared alias recognises no file."""
    opd = [list(r) for r in contoh.SHEETS["opd"]]
    opd[1][2], opd[2][2] = "Dinkes; Dinas", "Disdik;Dinas"
    opd[3][1] = "Dinas Kesehatan"  # and a name used twice
    spec, issues = _spec_issues(tmp_path, opd=opd)
    assert spec is not None  # WARNINGs: the spec is used
    said = [(i.rule, i.cell, i.severity) for i in issues if i.sheet == "opd"]
    assert ("spec.alias_ganda", "C2", WARNING) in said
    assert ("spec.alias_ganda", "C3", WARNING) in said
    assert ("spec.nama_ganda", "B4", WARNING) in said
    assert spec.opd["alias"].tolist()[:2] == ["Dinkes", "Disdik"]
    assert spec.resolve_opd("Dinas") is None and spec.resolve_opd("Disdik") == "DISDIK"
    from pipeline.validate.identity import Directory

    assert Directory.of(spec).named("Dinas PU - capaian 2024.xlsx") == frozenset()


def test_ladder_values_the_templates_dropdown_can_hold(tmp_path: Path) -> None:
    """A ladder value with a comma (Excel's dropdown cut it into pieces) is refused at its
    cell; a value twice is named at its second cell; a ladder too long for a dropdown is a
    WARNING, and its template cell prompts for the value instead of losing its validation."""
    base = [list(r) for r in contoh.SHEETS["tangga"]]
    _, issues = _spec_issues(
        tmp_path, tangga=[*base, ["opini_bpk", 5, "WTP, dengan paragraf"], ["opini_bpk", 6, "wtp"]]
    )
    said = [(i.rule, i.cell, i.severity, i.found) for i in issues if i.sheet == "tangga"]
    assert said == [
        ("spec.tangga", "C6", ERROR, "WTP, dengan paragraf"),
        ("spec.tangga", "C7", ERROR, "wtp"),  # WTP, row 5, in other letters
    ]
    assert "baris 5" in next(i.message for i in issues if i.cell == "C7")
    long = [["tangga", "peringkat", "nilai"]] + [
        [
            "opini_bpk",
            n,
            f"{name} atas laporan keuangan pemerintah daerah pada tahun anggaran berjalan",
        ]
        for n, name in enumerate(["TMP", "TW", "WDP", "WTP"], start=1)
    ]
    g1 = _indikator_with("G1", target_2024=long[4][2], target_2025="", target_2026="")
    spec, issues = _spec_issues(tmp_path, tangga=long, indikator=g1)
    assert spec is not None
    assert [(i.rule, i.cell) for i in issues if i.sheet == "tangga"] == [
        ("spec.tangga_panjang", "C2")
    ]
    path = tpl.build_template(spec, "BKAD", tmp_path / "BKAD.xlsx")
    ws = openpyxl.load_workbook(path)[tpl.SHEET_INDIKATOR]
    kinds = {dv.type for dv in ws.data_validations.dataValidation if dv.promptTitle}
    prompts = [
        dv.prompt for dv in ws.data_validations.dataValidation if dv.promptTitle == "Ketik nilai"
    ]
    assert "list" not in kinds and prompts  # it had no validation at all, silently
    assert all(p.startswith("Ketik salah satu") for p in prompts)


def test_a_spec_without_its_tangga_sheet_says_so_once_per_indicator(tmp_path: Path) -> None:
    spec, issues = _spec_issues(tmp_path, tangga=None)
    assert spec is None
    said = [i for i in issues if i.rule == "spec.tangga"]
    assert [i.cell for i in said] == ["G8"]  # G1's tangga cell; none at its targets
    assert "tidak memiliki sheet 'tangga'" in said[0].message
    assert not [i for i in issues if "nilai pada tangga" in i.expected]


def test_names_left_empty_in_the_spec(tmp_path: Path) -> None:
    """An empty nama_pemda gave a report titled 'Ringkasan Capaian Kinerja  Tahun 2024', marked
    FINAL; an empty OPD name or indicator uraian gave a template row without a name. Now the
    first refuses the spec at its cell, the others are WARNINGs at theirs."""
    pemda = [list(r) for r in contoh.SHEETS["pemda"]]
    pemda[1][pemda[0].index("nama_pemda")] = "  "
    spec, issues = _spec_issues(tmp_path, pemda=pemda)
    assert spec is None
    assert [(i.rule, i.cell) for i in issues if i.sheet == "pemda"] == [("spec.wajib", "B2")]
    opd = [list(r) for r in contoh.SHEETS["opd"]]
    opd[2][1] = ""
    spec, issues = _spec_issues(tmp_path, opd=opd, indikator=_indikator_with("K2", uraian=None))
    assert spec is not None
    said = [(i.sheet, i.cell, i.severity) for i in issues if i.rule == "spec.teks_kosong"]
    assert said == [("opd", "B3", WARNING), ("indikator", "C3", WARNING)]


def test_an_unknown_parent_code_says_what_was_likely_meant(tmp_path: Path) -> None:
    """'Kode 's1' tidak dikenal', expected 'kode yang ada di sheet induk': now the sheet is
    named, with the code in its letters, or the ';' that separates several OPDs."""
    ind = _indikator_with("K1", kode_sasaran="s1")
    ind = [r if r[0] != "K2" else [*r[:12], "DINKES, DISDIK", *r[13:]] for r in ind]
    spec, issues = _spec_issues(tmp_path, indikator=ind)
    assert spec is None
    said = {i.cell: i for i in issues if i.rule == "spec.rujukan"}
    assert "di sheet sasaran; maksudnya 'S1'?" in said["B2"].message
    assert said["B2"].expected == "kode yang ada di sheet sasaran"
    assert "dipisah dengan ';', misalnya 'DINKES; DISDIK'" in said["M3"].message


def test_a_target_typed_with_percent_for_another_unit_is_said(tmp_path: Path) -> None:
    """'3%' typed as text for a target in 'per 1.000 KH' was read as 3 without a word, while
    the same 3 % in a percent-formatted cell was a WARNING."""
    spec, issues = _spec_issues(tmp_path, indikator=_indikator_with("K2", target_2024="3%"))
    assert spec is not None
    said = [(i.cell, i.severity) for i in issues if i.rule == "spec.format_persen"]
    assert said == [("J3", WARNING)]
    assert spec.indikator.set_index("kode_indikator").loc["K2", "target_nilai"] == 3
    # on a percent indicator it is what the unit says: no word
    _, issues = _spec_issues(tmp_path, indikator=_indikator_with("K1", target_2024="95%"))
    assert not [i for i in issues if i.rule == "spec.format_persen"]
