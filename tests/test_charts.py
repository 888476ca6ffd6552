"""Saving a chart: one draw at the final resolution gives the bytes ``savefig`` gives."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pandas as pd

from pipeline import chartdata, charts
from pipeline.charts import plt
from pipeline.config import default_settings


def _kuadran() -> charts.Figure:
    # Close points, so that labels are nudged to free sides (the layout is drawn first).
    opd = pd.DataFrame(
        {
            "kode_opd": [f"OPD{i:02d}" for i in range(12)],
            "nama_opd": [f"Dinas {i}" for i in range(12)],
            "rata_rata_capaian": [100, 99, 98.5, 98, 90, 89.5, 70, 69, 50, 120, 118, 60],
            "serapan": [80, 80.5, 81, 80.2, 83, 83.2, 95, 95.5, 60, 99, 98.5, 40],
        }
    )
    settings = default_settings()
    return charts.kuadran_opd(chartdata.efisiensi_opd(opd, settings), settings, "Kota Contoh 2030")


def _sasaran() -> charts.Figure:
    settings = default_settings()
    sasaran = pd.DataFrame(
        {
            "kode_sasaran": ["S1", "S2", "S3"],
            "uraian_sasaran": ["Meningkatnya mutu", "Menurunnya angka", "Terwujudnya tata kelola"],
            "rata_rata_capaian": [104.2, 76.5, float("nan")],
            "jumlah_indikator": [3, 2, 1],
            "jumlah_dinilai": [3, 2, 0],
            "predikat": ["", "", ""],
        }
    )
    frame = chartdata.sasaran_bars(sasaran, settings.skala)
    return charts.capaian_per_sasaran(
        frame, settings.skala, settings.batas_capaian, "Kota Contoh 2030"
    )


def test_save_png_gives_the_bytes_of_savefig() -> None:
    for build in (_kuadran, _sasaran):
        saved, drawn = io.BytesIO(), io.BytesIO()
        fig = build()
        fig.savefig(saved, dpi=charts.PNG_DPI, format="png", metadata={"Software": None})
        plt.close(fig)
        fig = build()
        charts.save_png(fig, drawn)
        plt.close(fig)
        assert drawn.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
        assert drawn.getvalue() == saved.getvalue(), build.__name__


def _texts(fig: charts.Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_a_chart_with_nothing_to_show_says_why_and_has_no_empty_legend() -> None:
    settings = default_settings()
    empty = pd.DataFrame(columns=["kode_sasaran", "seri", "nilai"])
    tren = charts.tren_sasaran(empty, {"S1": "S1 Satu"}, "Kota Contoh Tahun 2025")
    assert tren.axes[0].get_legend() is None
    assert "Belum ada Sasaran dengan indikator yang dinilai." in _texts(tren)
    opd = pd.DataFrame(columns=["kode_opd", "nama_opd", "rata_rata_capaian", "serapan"])
    kuadran = charts.kuadran_opd(chartdata.efisiensi_opd(opd, settings), settings, "Kota Contoh")
    assert "Belum ada OPD dengan rata-rata capaian dan serapan anggaran." in _texts(kuadran)
    # with something to show, neither sentence is there
    assert not {t for t in _texts(_kuadran()) if t.startswith("Belum ada")}
    for fig in (tren, kuadran):
        plt.close(fig)


def test_dollar_signs_in_a_name_are_drawn_as_written() -> None:
    """Two dollar signs in a spec's text are no formula: ``$\\frac{$`` ended the report (the
    chart could not be drawn), ``$5 dan $10`` came out in italics without its signs."""
    from pipeline.nasional import charts as national

    settings = default_settings()
    names = ["Biaya $\\frac{$ layanan", "Rp $5 dan $10"]
    sasaran = pd.DataFrame(
        {
            "kode_sasaran": ["S1", "S2"],
            "uraian_sasaran": names,
            "rata_rata_capaian": [104.2, 76.5],
            "jumlah_indikator": [3, 2],
            "jumlah_dinilai": [3, 2],
            "predikat": ["", ""],
        }
    )
    frame = chartdata.sasaran_bars(sasaran, settings.skala)
    fig = charts.capaian_per_sasaran(frame, settings.skala, None, "Kota $Contoh$")
    charts.save_png(fig, io.BytesIO())
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert sorted(s.split(" ", 1)[1] for s in shown) == sorted(names)
    assert not any(t.get_parse_math() for t in fig.axes[0].get_yticklabels())
    plt.close(fig)
    ranked = pd.DataFrame(
        {
            "kode_pemda": ["9101"],
            "nama_pemda": ["Kabupaten $\\frac{$"],
            "rata_rata_capaian": [90.0],
            "warna_predikat": ["#1A9850"],
            "predikat": ["Tinggi"],
        }
    )
    fig = national.ranking(ranked, "Peringkat $x$")
    charts.save_png(fig, io.BytesIO())
    plt.close(fig)


def test_national_ranking_labels_are_not_crossed_by_the_hundred_line() -> None:
    """A Pemda at 99,9 % had its label written across the dashed 100 % line: each label sits
    on an opaque white box drawn above that line."""
    from pipeline.nasional import charts as national

    ranked = pd.DataFrame(
        {
            "kode_pemda": ["9101", "9102"],
            "nama_pemda": ["Kabupaten A", "Kabupaten B"],
            "rata_rata_capaian": [100.4, 99.9],
            "warna_predikat": ["#1A9850", "#1A9850"],
            "predikat": ["Sangat Tinggi", "Sangat Tinggi"],
        }
    )
    fig = national.ranking(ranked, "Peringkat")
    ax = fig.axes[0]
    (line,) = [line for line in ax.get_lines() if list(line.get_xdata()) == [100, 100]]
    labels = [t for t in ax.texts if "%" in t.get_text()]
    assert len(labels) == 2
    for text in labels:
        box = text.get_bbox_patch()
        assert box is not None and box.get_facecolor() == (1.0, 1.0, 1.0, 1.0)
        assert text.get_zorder() > line.get_zorder()
    plt.close(fig)


def test_trend_chart_shows_the_specs_decimals_and_its_labels_fit() -> None:
    """tren_sasaran.png showed 88,9% where every other chart and sheet show 88,87%
    (``desimal_tampilan`` = 2); every value label stays inside the chart's axes."""
    from pipeline import fmt
    from pipeline.outputs import _figures, run_info
    from pipeline.run import load_and_run
    from tests.conftest import INPUT_DIR, SPEC_PATH

    run, issues = load_and_run(SPEC_PATH, INPUT_DIR)
    assert run is not None, issues
    settings = run.spec.settings
    assert settings.desimal_tampilan == 2
    info, kelengkapan = run_info(run)
    figures = _figures(run.results, settings, info.nama_pemda, run.spec.tahun, kelengkapan)
    frame = chartdata.tren_sasaran(run.results.indikator, run.results.sasaran, settings)
    try:
        fig = figures["chart_tren"]
        ax = fig.axes[0]
        shown = {t.get_text() for t in ax.texts}
        assert {fmt.persen(v, 2) for v in frame["nilai"].dropna()} <= shown
        assert "88,87%" in shown  # S01 this year, as on the Sasaran sheet
        fig.canvas.draw()
        edge = ax.get_window_extent().x1
        assert all(t.get_window_extent().x1 <= edge for t in ax.texts)
    finally:
        for fig in figures.values():
            plt.close(fig)
    # the longest labels the setting allows fit as well, on a long axis too (no cap: 200 %,
    # 1.500 %), beside the longest names an axis label may have
    labels = {str(k): f"{k} {'x' * 45}" for k in frame["kode_sasaran"]}
    first = frame["kode_sasaran"] == frame["kode_sasaran"].iloc[0]
    for top in (None, 200.0, 1500.0):
        data = frame if top is None else frame.assign(nilai=frame["nilai"].mask(first, top))
        for places in (2, 6):
            fig = charts.tren_sasaran(data, labels, "Kota Contoh", "", places)
            fig.canvas.draw()
            edge = fig.axes[0].get_window_extent().x1
            assert all(t.get_window_extent().x1 <= edge for t in fig.axes[0].texts), (top, places)
            plt.close(fig)
    # the axis says the cap as the spec sets it: with batas_capaian none nothing is capped
    for capped, said in ((True, "dibatasi"), (False, "tanpa batas")):
        fig = charts.tren_sasaran(frame, labels, "Kota Contoh", dibatasi=capped)
        assert said in fig.axes[0].get_xlabel()
        plt.close(fig)


def test_predikat_chart_counts_whole_indicators_in_indonesian(tmp_path: Path) -> None:
    """A Pemda with few indicators scored (here Sukamaju's first three) got a count axis of
    matplotlib's own ticks: 0.0, 0.5, 1.0 … half indicators, with decimal points (19 in one
    band gave 0.0, 2.5, 5.0 …). The axis of indicator counts shows whole numbers only, written
    by the formatter."""
    from pipeline import fmt
    from pipeline.outputs import _figures, run_info
    from pipeline.run import load_and_run
    from tests import pemda_contoh

    three = [pemda_contoh._INDIKATOR_HEADER, *pemda_contoh._INDIKATOR_ROWS[:3]]
    spec_path, inbox = pemda_contoh.build(tmp_path, pemda_contoh.sheets(indikator=three))
    run, issues = load_and_run(spec_path, inbox)
    assert run is not None, issues
    info, kelengkapan = run_info(run)
    figures = _figures(
        run.results, run.spec.settings, info.nama_pemda, run.spec.tahun, kelengkapan
    )
    try:
        fig = figures["chart_predikat"]
        fig.canvas.draw()
        ax = fig.axes[0]
        low, high = ax.get_ylim()
        ticks = [t.get_position()[1] for t in ax.get_yticklabels()]
        shown = [t.get_text() for t in ax.get_yticklabels()]
        shown = [s for s, v in zip(shown, ticks, strict=True) if low <= v <= high]
        ticks = [v for v in ticks if low <= v <= high]
        assert len(ticks) >= 2
        assert all(float(v).is_integer() for v in ticks), ticks
        assert shown == [fmt.angka(v, 0) for v in ticks], shown
    finally:
        for fig in figures.values():
            plt.close(fig)


def test_a_long_pemda_name_in_a_title_is_wrapped_inside_the_picture() -> None:
    """'Pemerintah Kabupaten Kepulauan Siau Tagulandang Biaro': the title of the OPD ranking
    (its axes start half way across, after the OPD names) ran off the right edge, its year
    cut off. Every title now stays inside the picture, the year shown."""
    from pipeline.outputs import _figures, run_info
    from pipeline.run import load_and_run
    from tests.conftest import INPUT_DIR, SPEC_PATH

    run, issues = load_and_run(SPEC_PATH, INPUT_DIR)
    assert run is not None, issues
    _, kelengkapan = run_info(run)
    name = "Pemerintah Kabupaten Kepulauan Siau Tagulandang Biaro"
    figures = _figures(run.results, run.spec.settings, name, run.spec.tahun, kelengkapan)
    try:
        for key, fig in figures.items():
            fig.canvas.draw()
            width = fig.bbox.x1
            for ax in fig.axes:
                title = ax.title if ax.title.get_text() else ax._left_title
                if not title.get_text():
                    continue
                assert title.get_window_extent().x1 <= width, key
                assert "Biaro" in title.get_text() and "2018" in title.get_text(), key
    finally:
        for fig in figures.values():
            plt.close(fig)


def _overlapping(texts: list) -> int:
    """How many of the texts' boxes overlap the next one's (ordered top to bottom)."""
    boxes = sorted((t.get_window_extent() for t in texts), key=lambda b: -b.y1)
    return sum(1 for a, b in itertools.pairwise(boxes) if b.y1 > a.y0 + 0.5)


def test_sixty_sasaran_keep_their_labels_apart() -> None:
    """60 Sasaran on one A4 page: the two value labels of each Sasaran sat on top of each
    other in tren_sasaran.png, and the names touched in capaian_per_sasaran.png. The picture
    grows taller with its bars; a Pemda of a dozen Sasaran keeps its A4 page."""
    settings = default_settings()
    codes = [f"S{i}" for i in range(1, 61)]
    frame = pd.DataFrame(
        {
            "kode_sasaran": codes * 2,
            "seri": [chartdata.SERI_TAHUN_INI] * 60 + [chartdata.SERI_PROGRES] * 60,
            "nilai": [90.0 + i % 7 for i in range(60)] + [80.0 + i % 5 for i in range(60)],
        }
    )
    labels = {c: f"{c} Meningkatnya kinerja urusan" for c in codes}
    fig = charts.tren_sasaran(frame, labels, "Kabupaten Contoh Tahun 2024")
    fig.canvas.draw()
    assert _overlapping(fig.axes[0].texts) == 0
    plt.close(fig)
    sasaran = pd.DataFrame(
        {
            "kode_sasaran": codes,
            "uraian_sasaran": [labels[c] for c in codes],
            "rata_rata_capaian": [90.0 + i % 7 for i in range(60)],
            "jumlah_indikator": [3] * 60,
            "jumlah_dinilai": [3] * 60,
            "predikat": [""] * 60,
        }
    )
    bars = chartdata.sasaran_bars(sasaran, settings.skala)
    fig = charts.capaian_per_sasaran(bars, settings.skala, None, "Kabupaten Contoh Tahun 2024")
    fig.canvas.draw()
    assert _overlapping(fig.axes[0].get_yticklabels()) == 0
    plt.close(fig)
    few = charts.tren_sasaran(frame[frame["kode_sasaran"].isin(codes[:12])], labels, "Kota")
    assert tuple(few.get_size_inches()) == charts.A4_LANDSCAPE
    plt.close(few)
