"""Cells of the consolidated workbook that are made from more than one column."""

from __future__ import annotations

import math
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from pipeline import fmt
from pipeline import template as tpl
from pipeline.score import RUMUS
from pipeline.workbook.base import HEADER_ROW
from pipeline.workbook.writer import realisasi_cells
from tests.conftest import SPEC_PATH, copy_inputs, input_file, read_sheet, run_cli, run_report


def test_quarterly_ladder_values_are_shown_as_typed() -> None:
    ind = pd.DataFrame(
        {
            "polaritas": ["kualitatif", "kualitatif", "naik"],
            "realisasi_tw1": [None, None, 10.5],
            "realisasi_tw2": [None, None, None],
            "realisasi_tw3": [None, None, None],
            "realisasi_tw4": [None, None, None],
            "realisasi_tahunan": [None, None, 12.0],
            "realisasi_tw1_teks": ["WDP", "", ""],
            "realisasi_tw2_teks": ["WTP", "", ""],
            "realisasi_tw3_teks": ["", "", ""],
            "realisasi_tw4_teks": ["", "", ""],
            # the first: the roll-up's ladder value; the second: typed as the annual value
            "realisasi_teks": ["WTP", "CC", ""],
            "sumber_realisasi": [
                RUMUS["nilai_akhir"],
                RUMUS["realisasi_tahunan"],
                RUMUS["realisasi_tahunan"],
            ],
        }
    )
    cells = realisasi_cells(ind)
    assert cells["realisasi_tw1"].tolist() == ["WDP", None, 10.5]
    assert cells["realisasi_tw2"].tolist() == ["WTP", None, None]
    assert cells["realisasi_tw3"].tolist() == [None, None, None]
    # an annual cell shows only what was typed as annual, never the TW roll-up's value
    assert cells["realisasi_tahunan"].tolist() == [None, "CC", 12.0]


def test_years_print_without_separator_and_weights_with_their_own_decimals(
    workbook_path: Path,
) -> None:
    ws = openpyxl.load_workbook(workbook_path)["Indikator"]
    headers = {cell.value: cell.column for cell in ws[2]}
    years = [
        ws.cell(row, headers["Tahun Target Akhir"])
        for row in range(3, ws.max_row + 1)
        if isinstance(ws.cell(row, headers["Tahun Target Akhir"]).value, int | float)
    ]
    assert years and {c.number_format for c in years} == {"0"}  # 2019, never 2.019
    weights = [ws.cell(row, headers["Bobot"]) for row in range(3, ws.max_row + 1)]
    # every weight of the demo is 1: one format, whatever the indicator's precision
    assert {c.value for c in weights} == {1}
    assert {c.number_format for c in weights} == {fmt.format_angka(0)}


def _columns(ws: Any) -> dict[str, int]:
    return {str(cell.value): cell.column for cell in ws[HEADER_ROW + 1] if cell.value}


def _row_of(ws: Any, col: int, value: str) -> int:
    return next(r for r in range(HEADER_ROW + 2, ws.max_row + 1) if ws.cell(r, col).value == value)


def test_rupiah_with_sen_show_their_sen(workbook_path: Path) -> None:
    """RSUD's programme P032 spent 14.710.317.934,32: every Rupiah cell holding sen showed it
    whole (14.710.317.934), the totals and the Ringkasan too. A Rupiah column where any amount
    has sen shows two decimals on every row; a column of whole Rupiah shows none."""
    wb = openpyxl.load_workbook(workbook_path)
    ws = wb["Anggaran"]
    cols = _columns(ws)
    p032 = _row_of(ws, cols["Kode Program"], "P032")
    spent = ws.cell(p032, cols["Realisasi Anggaran (Rp)"])
    assert (spent.value, spent.number_format) == (14710317934.32, fmt.format_angka(2))
    assert ws.cell(p032, cols["Pagu (Rp)"]).number_format == fmt.format_angka(0)
    total = next(
        r
        for r in range(p032, ws.max_row + 1)
        if str(ws.cell(r, 2).value).startswith("Jumlah program yang melaporkan")
    )
    assert ws.cell(total, cols["Realisasi Anggaran (Rp)"]).number_format == fmt.format_angka(2)
    assert ws.cell(total, cols["Pagu (Rp)"]).number_format == fmt.format_angka(0)

    checked = 0
    for sheet in ("Anggaran", "Sasaran", "OPD", "Efisiensi"):
        ws = wb[sheet]
        for header, col in _columns(ws).items():
            if not header.endswith("(Rp)"):
                continue
            cells = [
                ws.cell(r, col)
                for r in range(HEADER_ROW + 2, ws.max_row + 1)
                if isinstance(ws.cell(r, col).value, int | float)
            ]
            sen = any(round(c.value * 100) % 100 for c in cells)
            expected = fmt.format_angka(2 if sen else 0)
            assert {c.number_format for c in cells} == {expected}, (sheet, header)
            checked += sen
    assert checked >= 5  # Anggaran, Sasaran (realisasi, sisa), OPD, Efisiensi hold sen

    ring = wb["Ringkasan"]
    line = next(r for r in range(1, 20) if ring.cell(r, 1).value == "Realisasi anggaran")
    cell = ring.cell(line, 2)
    assert round(cell.value * 100) % 100 == 32
    assert cell.number_format == fmt.format_rupiah(2)
    assert fmt.rupiah(cell.value).endswith(",32")


def test_unspent_budget_of_a_unit_without_a_scored_indicator_says_so(
    workbook_path: Path,
) -> None:
    """S09, SETDA, KEC_BJS and DISPRINDAG have no scored indicator: their unspent budget said
    'target belum tercapai', though nothing was assessed."""
    none_scored = "sisa anggaran (tidak ada indikator dinilai)"
    wb = openpyxl.load_workbook(workbook_path)
    ws = wb["Efisiensi"]
    cols = _columns(ws)
    kinds = {
        ws.cell(r, cols["Kode"]).value: ws.cell(r, cols["Jenis Sisa"]).value
        for r in range(HEADER_ROW + 2, ws.max_row + 1)
        if ws.cell(r, cols["Kode"]).value
    }
    for code in ("S09", "SETDA", "KEC_BJS", "DISPRINDAG"):
        assert kinds[code] == none_scored, code
    assert kinds["S12"] == "penghematan"
    assert kinds["S01"] == "sisa anggaran (target belum tercapai)"
    assert kinds["INSPEKTORAT"] == "sisa anggaran (target belum tercapai)"
    ws = wb["Sasaran"]
    cols = _columns(ws)
    s09 = _row_of(ws, cols["Kode Sasaran"], "S09")
    assert ws.cell(s09, cols["Indikator Dinilai"]).value in (None, 0)
    assert ws.cell(s09, cols["Jenis Sisa"]).value == none_scored


def test_an_opd_without_a_scored_indicator_shows_no_averaging_method(workbook_path: Path) -> None:
    """DISPRINDAG (1 indicator, none scored) and KESBANGPOL (not sent) have no average, yet the
    OPD sheet said 'rata-rata sederhana, capaian dibatasi 120% dari 0 indikator' beside the
    empty cell; KEC_BJS and SETDA, with no indicator at all, showed nothing there."""
    ws = openpyxl.load_workbook(workbook_path)["OPD"]
    cols = _columns(ws)
    for code in ("DISPRINDAG", "KESBANGPOL", "KEC_BJS", "SETDA"):
        row = _row_of(ws, cols["Kode OPD"], code)
        assert ws.cell(row, cols["Rata-rata Capaian (%)"]).value is None, code
        assert ws.cell(row, cols["Metode Rata-rata"]).value in (None, ""), code
    dinkes = _row_of(ws, cols["Kode OPD"], "DINKES")
    assert ws.cell(dinkes, cols["Metode Rata-rata"]).value.endswith("dari 14 indikator")


def test_e81_footer_of_an_opd_without_a_file_counts_nothing(workbook_path: Path) -> None:
    """KESBANGPOL sent nothing: its E.81 footer read 'K: rata-rata kolom 14 (K) dari 0
    indikator; Rp: … dari 0 program' above three listed programmes, beside '-'."""
    ws = openpyxl.load_workbook(workbook_path)["E.81"]
    notes = [str(c.value) for row in ws.iter_rows() for c in row if str(c.value).startswith("K: ")]
    assert notes and not [n for n in notes if "dari 0 " in n]
    assert "K: tidak dihitung, kolom 14 (K) kosong; Rp: tidak dihitung, kolom 13 (Rp) kosong" in (
        notes
    )
    assert sum(n.startswith("K: rata-rata kolom 14 (K) dari ") for n in notes) == len(notes) - 1


@pytest.fixture(scope="module")
def other_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with one decimal shown, no cap on capaian (S05 averages 200 %) and DLH's
    file refused (its Indikator sheet deleted)."""
    base = tmp_path_factory.mktemp("lain")
    wb = openpyxl.load_workbook(SPEC_PATH)
    rows = {r[0].value: r for r in wb["pengaturan"].iter_rows(min_row=2)}
    for key, value in {"desimal_tampilan": "1", "batas_capaian": "none"}.items():
        if key in rows:
            rows[key][1].value = value
        else:
            wb["pengaturan"].append([key, value])
    spec = base / "spec.xlsx"
    wb.save(spec)
    folder = copy_inputs(base)
    dlh = input_file(folder, "DLH")
    wb = openpyxl.load_workbook(dlh)
    del wb[tpl.SHEET_INDIKATOR]
    wb.save(dlh)
    result = run_report(folder, base / "out", spec=spec)
    assert result.returncode == 0, result.stderr
    return base / "out" / "1275_2018_konsolidasi.xlsx"


def _chart_axes(path: Path) -> dict[str, tuple[float, list[float]]]:
    """Per native chart of the Ringkasan (by title): its value axis maximum and the values
    its bars draw (read from the cells the series points at)."""
    ws = openpyxl.load_workbook(path)["Ringkasan"]
    out = {}
    with zipfile.ZipFile(path) as zf:
        for name in sorted(
            n for n in zf.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)
        ):
            xml = zf.read(name).decode("utf-8")
            title = "".join(re.findall(r"<a:t>(.*?)</a:t>", xml))
            top = re.search(r"<c:valAx>.*?<c:max val=\"([\d.]+)\"", xml, re.S)
            ref = re.search(r"<c:val><c:numRef><c:f>Ringkasan!\$(\w+)\$(\d+):\$\w+\$(\d+)", xml)
            assert ref, name
            col, first, last = ref.group(1), int(ref.group(2)), int(ref.group(3))
            values = [ws[f"{col}{r}"].value for r in range(first, last + 1)]
            out[title] = (
                float(top.group(1)) if top else math.inf,
                [float(v) for v in values if isinstance(v, int | float)],
            )
    return out


def test_native_capaian_charts_never_cut_a_bar(workbook_path: Path, other_report: Path) -> None:
    """The Ringkasan's capaian charts ended at 140 %: without a cap S05's 200 % ran off the
    edge. The axis follows the highest bar (plus room for its label), as the PNG charts do."""
    for path in (workbook_path, other_report):
        charts = {t: v for t, v in _chart_axes(path).items() if t.startswith("Rata-rata capaian")}
        assert len(charts) == 2, charts.keys()  # per Sasaran, per OPD
        for title, (top, values) in charts.items():
            assert values, title
            assert top >= max(140.0, max(values) + 30), (path.name, title, top, max(values))
    uncapped = _chart_axes(other_report)
    sasaran = next(v for t, v in uncapped.items() if t.startswith("Rata-rata capaian per Sasaran"))
    assert max(sasaran[1]) == pytest.approx(200.0)


def test_efficiency_line_of_the_summary_has_the_specs_decimals(other_report: Path) -> None:
    """With desimal_tampilan 1 the Ringkasan's efficiency line (C8) still showed two
    decimals, beside one on the Efisiensi sheet."""
    wb = openpyxl.load_workbook(other_report)
    ws = wb["Efisiensi"]
    cols = _columns(ws)
    overall = _row_of(ws, cols["Tingkat"], "Keseluruhan")
    points = ws.cell(overall, cols["Capaian − Serapan (poin)"]).value
    # the sheet shows it with one decimal
    assert ws.cell(overall, cols["Capaian − Serapan (poin)"]).number_format == fmt.format_angka(1)
    assert fmt.angka_ringkas(points, 2) != fmt.angka_ringkas(points, 1)  # the test can tell
    line = wb["Ringkasan"]["C8"].value
    assert line.startswith(f"capaian − serapan {fmt.bertanda(points, 1)} poin: "), line


def test_programmes_of_a_refused_file_say_it_was_refused(other_report: Path) -> None:
    """DLH sent its file and it was refused (berkas ditolak): its programmes said 'OPD belum
    mengirim berkas'."""
    kelengkapan = read_sheet(other_report, "Kelengkapan").set_index("Kode OPD")
    assert kelengkapan.loc["DLH", "Status Pengiriman"] == "berkas ditolak"
    assert kelengkapan.loc["KESBANGPOL", "Status Pengiriman"] == "belum mengirim"
    anggaran = read_sheet(other_report, "Anggaran")
    notes = anggaran.groupby("Kode OPD")["Keterangan Perhitungan"].agg(set)
    assert notes["DLH"] == {"berkas OPD ditolak: tidak ikut jumlah serapan"}
    assert notes["KESBANGPOL"] == {"OPD belum mengirim berkas: tidak ikut jumlah serapan"}


def test_why_an_opd_has_no_serapan_is_said_per_opd() -> None:
    """Under the Ringkasan charts an OPD off the efficiency chart was always 'tanpa realisasi
    anggaran', also when its realisation was refused or it holds no program."""
    from pipeline.workbook.ringkasan import _no_serapan

    program = pd.DataFrame(
        {
            "kode_opd": ["A", "B", "C"],
            "realisasi_anggaran": [float("nan"), float("nan"), 5.0],
            "realisasi_anggaran_ditolak": [True, False, False],
        }
    )
    assert _no_serapan(program, "A") == "realisasi anggaran ditolak, lihat Validasi"
    assert _no_serapan(program, "B") == "realisasi anggaran belum diisi"
    assert _no_serapan(program, "C") == "pagu programnya 0"
    assert _no_serapan(program, "D") == "tidak memegang program"


def test_a_typed_realisation_keeps_two_decimals_when_one_is_shown() -> None:
    """With ``desimal_tampilan`` 1 a realisation typed 0,68 showed 0,7 beside a capaian of
    86,7 computed from 0,68 (0,7 gives 83,3). Typed and computed values keep at least two
    decimals; a mean with many (30.102,888889) still shows no more than that."""
    from pipeline.config import build_settings
    from pipeline.workbook.lkjip import indicator_decimals

    settings, issues = build_settings({"desimal_tampilan": 1})
    assert not [i for i in issues if i.severity == "ERROR"]
    rows = pd.DataFrame(
        {
            "target_nilai": [0.6, 267352.0, 5.0],
            "realisasi_tahunan": [0.68, 30102.888889, 4.0],
            "realisasi": [0.68, 30102.888889, 4.0],
        }
    )
    assert indicator_decimals(rows, settings).tolist() == [2, 2, 0]
    assert fmt.angka_presisi(0.68, 2) == "0,68"


def test_a_predikat_label_with_a_quote_stays_text_in_the_colour_rules(tmp_path: Path) -> None:
    """The predikat colours compare each cell with its band's label as a quoted text: a label
    of the spec holding ``"`` (``label_predikat`` = ``X"&WEBSERVICE("http://…")&";…``) closed
    that text, and every predikat column of the workbook carried a formula Excel computes on
    opening, calling that address. Each compared text is now one quoted text."""
    spec = tmp_path / "spec.xlsx"
    wb = openpyxl.load_workbook(SPEC_PATH)
    ws = wb["pengaturan"]
    ws.append(
        [
            "label_predikat",
            'X"&WEBSERVICE("http://contoh.invalid/")&";Tinggi;Sedang;Rendah;Sangat Rendah',
        ]
    )
    ws.cell(ws.max_row, 2).data_type = "s"
    wb.save(spec)
    out = tmp_path / "out"
    result = run_report(copy_inputs(tmp_path), out, spec=spec)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(next(out.glob("*_konsolidasi.xlsx"))) as zf:
        formulas = [
            f.replace("&amp;", "&").replace("&quot;", '"')
            for name in zf.namelist()
            if name.startswith("xl/worksheets/sheet")
            for f in re.findall(r"<formula>([^<]*)</formula>", zf.read(name).decode())
        ]
    assert any("contoh.invalid" in f for f in formulas)
    for formula in formulas:
        assert re.fullmatch(r'"(?:[^"]|"")*"', formula), formula


def test_a_source_link_never_leads_out_of_the_input_folder(tmp_path: Path) -> None:
    """A file name may hold a backslash where it was saved; Excel on Windows reads it as a
    folder step, so the Indikator sheet's link into ``a\\..\\..\\..\\dinsos.xlsx`` led to
    ``dinsos.xlsx`` three folders above the input folder. Such a file's cells keep their text
    without a link; every other link stays inside the input folder."""
    import posixpath

    folder = copy_inputs(tmp_path)
    path = input_file(folder, "DINSOS")
    path.rename(folder / "a\\..\\..\\..\\dinsos.xlsx")
    out = tmp_path / "out"
    result = run_report(folder, out)
    assert result.returncode == 0, result.stderr
    ws = openpyxl.load_workbook(next(out.glob("*_konsolidasi.xlsx")))["Indikator"]
    assert any(c.value == "a\\..\\..\\..\\dinsos.xlsx" for row in ws.iter_rows() for c in row)
    targets = [c.hyperlink.target for row in ws.iter_rows() for c in row if c.hyperlink]
    assert targets
    for target in targets:
        steps = posixpath.normpath("output/" + target.replace("\\", "/"))
        assert steps.startswith("input_xlsx/"), target


def _ringkasan_layout(path: Path) -> dict[str, Any]:
    """The printed layout of a workbook's Ringkasan (its first sheet) as the file says it:
    row heights (px), page breaks (the first row of each new page), the print area's last
    row, and each chart's title, top and bottom (row, px into it) and category rows."""
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        drawing = z.read("xl/drawings/drawing1.xml").decode()
        rels = z.read("xl/drawings/_rels/drawing1.xml.rels").decode()
        book = z.read("xl/workbook.xml").decode()
        targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="\.\./charts/(chart\d+\.xml)"', rels))
        charts = []
        for anchor in re.findall(r"<xdr:twoCellAnchor.*?</xdr:twoCellAnchor>", drawing, re.S):
            ((top, top_off),) = re.findall(
                r"<xdr:from>.*?<xdr:row>(\d+)</xdr:row><xdr:rowOff>(\d+)</xdr:rowOff>", anchor
            )
            ((end, end_off),) = re.findall(
                r"<xdr:to>.*?<xdr:row>(\d+)</xdr:row><xdr:rowOff>(\d+)</xdr:rowOff>", anchor
            )
            (rid,) = re.findall(r'r:id="(rId\d+)"', anchor)
            chart = z.read(f"xl/charts/{targets[rid]}").decode()
            first, last = map(
                int, re.findall(r"<c:cat>.*?\$(\d+):\$\w+\$(\d+)</c:f>", chart, re.S)[0]
            )
            title = "".join(re.findall(r"<a:t>(.*?)</a:t>", chart))
            charts.append(
                {
                    "title": title,
                    "top": (int(top), int(top_off) / 9525),
                    "end": (int(end), int(end_off) / 9525),
                    "rows": range(first, last + 1),
                }
            )
    default = float(re.search(r'defaultRowHeight="([\d.]+)"', sheet)[1])  # type: ignore[index]
    heights = {
        int(r) - 1: float(h) for r, h in re.findall(r'<row r="(\d+)"[^>]*ht="([\d.]+)"', sheet)
    }
    breaks = [int(b) for b in re.findall(r'<brk id="(\d+)"', sheet)]
    (area_end,) = re.findall(r"Print_Area[^>]*>Ringkasan!\$A\$1:\$G\$(\d+)<", book)
    return {
        "px": lambda row: int(heights.get(row, default) * 4 / 3 + 0.5),
        "breaks": breaks,
        "last_row": int(area_end) - 1,
        "charts": charts,
    }


@pytest.fixture(scope="module")
def crowded_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated Pemda with 80 OPDs (a kabupaten counting its kecamatan) and as many
    Sasaran as they bring, through the real ``report``: its consolidated workbook."""
    from scripts import build_national_demo  # scripts/ is not a package dependency

    base = tmp_path_factory.mktemp("ramai")
    build_national_demo.build(1, 5, base / "root", jobs=1, opd=(80, 80), tahun=2024)
    (folder,) = (base / "root").iterdir()
    (spec,) = (folder / "master").iterdir()
    result = run_cli(
        "report",
        "--spec",
        str(spec),
        "--input",
        str(folder / "input_xlsx"),
        "--output",
        str(base / "out"),
    )
    assert result.returncode == 0, result.stderr
    (path,) = (base / "out").glob("*_konsolidasi.xlsx")
    return path


def test_ringkasan_charts_name_every_bar_and_never_cross_a_page(
    national: tuple[Path, Path, list[str]], workbook_path: Path, crowded_report: Path
) -> None:
    """A Pemda with more Sasaran and OPDs than the demo (30 and more) had its Sasaran chart
    cut by the fixed page break and lying under the OPD charts, and half of its OPD bars
    without a name (LibreOffice drops labels that would overlap). Every Ringkasan now: no
    chart crosses a page break, no page holds more than a page, each bar has at least
    MIN_BAR_PX for its label, and each chart family shows every Sasaran or OPD once."""
    from pipeline.layout import printable_height_pt
    from pipeline.workbook import ringkasan as rk

    page = printable_height_pt(landscape=True) * 4 / 3 / (rk.SCALE / 100)
    _, out, _ = national
    paths = [workbook_path, crowded_report, *sorted(out.glob("*/*_konsolidasi.xlsx"))]
    assert len(paths) >= 7
    first_page: dict[Path, int] = {}
    pieces: dict[Path, list[int]] = {}
    for path in paths:
        layout = _ringkasan_layout(path)
        px, breaks = layout["px"], layout["breaks"]
        starts = [0, *breaks]

        def page_of(row: int, starts: list[int] = starts) -> int:
            return max(i for i, s in enumerate(starts) if s <= row)

        def bottom(at: tuple[int, float], px: Any = px, starts: list[int] = starts) -> float:
            """Pixels from the top of its page to a point (row, px into it)."""
            row, off = at
            return sum(px(r) for r in range(starts[page_of(row)], row)) + off

        families: dict[str, list[range]] = {}
        for chart in layout["charts"]:
            where = f"{path.name}: {chart['title'][:60]}"
            assert page_of(chart["top"][0]) == page_of(chart["end"][0]), where
            assert bottom(chart["end"]) <= page, where
            height = bottom(chart["end"]) - bottom(chart["top"])
            frame = rk.SASARAN_FRAME_PX if "per Sasaran" in chart["title"] else rk.OPD_FRAME_PX
            assert (height - frame) / len(chart["rows"]) >= rk.MIN_BAR_PX, where
            families.setdefault(chart["title"].split(",")[0], []).append(chart["rows"])
        assert bottom((layout["last_row"], px(layout["last_row"]))) <= page, path.name
        assert len(families) == 3, path.name
        for name, parts in families.items():  # consecutive, from the first data row, no gap
            rows = [r for part in parts for r in part]
            assert rows == list(range(3, 3 + len(rows))), (path.name, name)
        sasaran = families["Rata-rata capaian per Sasaran (%)"]
        wb = openpyxl.load_workbook(path, read_only=True)
        names = [
            r[0]
            for r in wb["Ringkasan"].iter_rows(min_row=3, min_col=10, max_col=10, values_only=True)
        ]
        wb.close()
        assert sum(len(p) for p in sasaran) == len([n for n in names if n]), path.name
        first_page[path] = page_of(min(c["top"][0] for c in layout["charts"]))
        pieces[path] = [len(p) for p in families.values()]
    # the demo's Sasaran chart stays on page 1 and each chart is one; the crowded Pemda's
    # starts page 2, and each of its charts goes on over pages
    assert first_page[workbook_path] == 0 and pieces[workbook_path] == [1, 1, 1]
    assert first_page[crowded_report] == 1 and min(pieces[crowded_report]) >= 2


def test_indicators_follow_the_spec_order_not_the_text_order(crowded_report: Path) -> None:
    """The Indikator sheet sorted its codes as text: S1, S10, S11 … S19, S2, S20 (the
    Sasaran, Efisiensi and Tabel Bab III sheets follow the spec). Every table of indicators
    and programs now lists them in the spec's order."""
    (spec_path,) = (crowded_report.parent.parent / "root").glob("*/master/*.xlsx")
    spec = openpyxl.load_workbook(spec_path, read_only=True)
    listed = {
        name: [r[0] for r in spec[name].iter_rows(min_row=2, values_only=True) if r[0]]
        for name in ("misi", "tujuan", "sasaran", "indikator", "program")
    }
    spec.close()
    assert "S10" in listed["sasaran"]  # codes whose text order is not the spec's
    levels = read_sheet(crowded_report, "Misi & Tujuan")
    for level in ("Misi", "Tujuan"):  # Misi & Tujuan listed T1, T10 … T2
        codes = levels[levels["Tingkat"] == level]["Kode"].tolist()
        assert len(codes) > 1 and codes == [c for c in listed[level.lower()] if c in set(codes)]
    indikator = read_sheet(crowded_report, "Indikator")
    sasaran = list(dict.fromkeys(indikator["Kode Sasaran"]))
    assert sasaran == [s for s in listed["sasaran"] if s in set(sasaran)]
    for kode, rows in indikator.groupby("Kode Sasaran", sort=False):  # within a Sasaran
        codes = list(dict.fromkeys(rows["Kode Indikator"]))
        assert codes == [c for c in listed["indikator"] if c in set(codes)], kode
    programs = list(dict.fromkeys(read_sheet(crowded_report, "Anggaran")["Kode Program"]))
    assert programs == [p for p in listed["program"] if p in set(programs)]


def test_ringkasan_shares_the_bars_of_a_long_chart_evenly_over_pages() -> None:
    """:func:`_parts` by hand: room 735 px a page, frame 60 px, 12 px a bar: 56 bars a page."""
    from pipeline.workbook.ringkasan import _parts

    assert _parts(30, 735, 747, 60) == [(0, 30)]
    assert _parts(56, 735, 747, 60) == [(0, 56)]
    assert _parts(72, 735, 747, 60) == [(0, 36), (36, 36)]  # not 56 and a last 16
    # a first page with less room (under the text): 20 bars there, the rest shared
    assert _parts(80, 300, 747, 60) == [(0, 20), (20, 30), (50, 30)]
    # room kept for notes on the last page: 56 bars no longer fit on one
    assert _parts(56, 735, 747, 60, last_room=40) == [(0, 28), (28, 28)]
    assert _parts(0, 735, 747, 90) == [(0, 0)]


def _shown_decimals(number_format: str) -> int:
    found = re.search(r"\.(0+)", number_format)
    return len(found.group(1)) if found else 0


def test_no_figure_beside_a_predikat_reads_as_a_band_edge_it_is_not(tmp_path: Path) -> None:
    """At ``desimal_tampilan`` 0 a Sasaran average of 79,78 printed '80' beside 'Tinggi' on
    Tabel Bab III and in the Ringkasan's chart labels (the rule is '> 80'), and 90,32 printed
    '90' beside 'ST' in the E.81 (ST is '> 90'): only the data sheets took the decimals a
    figure at a band edge needs. Every percent cell of those sheets does now: none reads as
    an edge it is not."""
    spec = tmp_path / "spec.xlsx"
    wb = openpyxl.load_workbook(SPEC_PATH)
    ws = wb["pengaturan"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "desimal_tampilan":
            row[1].value = "0"
            break
    else:
        ws.append(["desimal_tampilan", "0"])
    wb.save(spec)
    out = tmp_path / "out"
    result = run_report(copy_inputs(tmp_path), out, spec=spec)
    assert result.returncode == 0, result.stderr
    edges = (50.0, 65.0, 75.0, 90.0, -5.0, 5.0, 120.0)  # both scales, efficiency, the cap
    book = openpyxl.load_workbook(next(out.glob("*_konsolidasi.xlsx")))
    near: dict[str, int] = {}
    for sheet in ("Tabel Bab III", "Ringkasan", "E.81"):
        for row in book[sheet].iter_rows():
            for cell in row:
                if not isinstance(cell.value, int | float) or isinstance(cell.value, bool):
                    continue
                if "Rp" in cell.number_format or '"' in cell.number_format.split("]")[-1]:
                    continue  # amounts, and the headline's own '%' line
                value = float(cell.value)
                step = Decimal(1).scaleb(-_shown_decimals(cell.number_format))
                shown = float(Decimal(repr(value)).quantize(step, ROUND_HALF_UP))  # as Excel
                for edge in edges:
                    if abs(value - edge) < 0.5 and value != edge:
                        near[sheet] = near.get(sheet, 0) + 1
                        assert shown != edge, (sheet, cell.coordinate, value, cell.number_format)
    # the demo holds such figures on each of these sheets (else this test would prove nothing)
    assert set(near) == {"Tabel Bab III", "Ringkasan", "E.81"}, near


def test_the_opd_count_on_the_ringkasan_adds_up_with_an_opd_owing_nothing(
    tmp_path: Path,
) -> None:
    """An OPD of the spec with no indicator and no program sends nothing, and owes nothing:
    the Ringkasan read 'OPD mengirim 31 dari 33 · 1 belum mengirim', two short with one
    named. It says the OPD that owes nothing too."""
    spec = tmp_path / "spec.xlsx"
    wb = openpyxl.load_workbook(SPEC_PATH)
    wb["opd"].append(["KEC_BARU", "Kecamatan Baru", "", "Kecamatan", "", "", "", ""])
    wb.save(spec)
    out = tmp_path / "out"
    result = run_report(copy_inputs(tmp_path), out, spec=spec)
    assert result.returncode == 0, result.stderr
    ws = openpyxl.load_workbook(next(out.glob("*_konsolidasi.xlsx")))["Ringkasan"]
    row = next(r for r in ws.iter_rows(values_only=True) if r[0] == "OPD mengirim")
    sent, total = (int(n) for n in re.findall(r"\d+", str(row[1])))
    said = dict((what, int(n)) for n, what in re.findall(r"(\d+) ([a-z ]+?)(?= ·|$)", str(row[2])))
    assert total == 33 and said["tidak wajib"] == 1
    assert sent + said["belum mengirim"] + said["ditolak"] + said["tidak wajib"] == total, row
