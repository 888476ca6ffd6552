"""Write one run's outputs: the workbook, feedback files, charts, ``validasi.csv`` and the
manifest."""

from __future__ import annotations

import json
import math
import os
import platform
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pipeline import __version__, sanitize, schema
from pipeline.atomic import atomic_path, clean_staging, staged_folder, write_text
from pipeline.completeness import (
    BELUM,
    DITOLAK,
    TANPA_REALISASI,
    TEPAT_WAKTU,
    TERLAMBAT,
    TIDAK_WAJIB,
    as_text,
    completeness,
    deadline_note,
    present_counts,
)
from pipeline.frames import records
from pipeline.perubahan import Perubahan, compare, indicator_records, read_previous
from pipeline.run import Run
from pipeline.sidecar import Helpers

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from pipeline.config import Settings
    from pipeline.score import Results
    from pipeline.workbook import RunInfo


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "sakip-pipeline": __version__}
    for lib in (
        "pandas",
        "openpyxl",
        "xlsxwriter",
        "great_expectations",
        "matplotlib",
        "python-calamine",
        "defusedxml",
    ):
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "?"
    return out


def run_info(run: Run) -> tuple[RunInfo, pd.DataFrame]:
    """The facts a report states about a run, and who submitted what (one row per OPD)."""
    from pipeline.workbook import RunInfo  # noqa: PLC0415

    spec, berkas = run.spec, run.validated.berkas
    # counted from plain lists: a pandas value_counts costs more than these few hundred values
    status = Counter(berkas["status"].tolist()) if not berkas.empty else Counter()
    accepted = schema.BERKAS_DIPAKAI
    kelengkapan = completeness(
        spec.opd,
        present_counts(c for codes in spec.indikator["kode_opd_list"].tolist() for c in codes),
        present_counts(spec.program["kode_opd"].tolist()),
        berkas,
        run.issues,
        str(spec.pemda["batas_pengumpulan"]),
        spec.zona_waktu,
        run.validated.blank,
    )
    kirim = Counter(kelengkapan["status_kirim"].tolist())
    # per file used: when it was received, else when it was saved (as text, from plain lists)
    received = berkas["diterima"].tolist() if "diterima" in berkas else [""] * len(berkas)
    used = [
        when if when != "" else as_text(saved)
        for status, when, saved in zip(
            berkas["status"].tolist(),
            ("" if pd.isna(r) else as_text(r) for r in received),
            berkas["dimodifikasi"].tolist(),
            strict=True,
        )
        if status in accepted
    ]
    info = RunInfo(
        nama_pemda=str(spec.pemda["nama_pemda"]),
        kode_pemda=spec.kode_pemda,
        tahun=spec.tahun,
        periode=spec.periode,
        spec_file=spec.path.name,
        spec_sha256=spec.sha256,
        files_found=len(berkas),
        files_accepted=sum(status.get(s, 0) for s in accepted),
        files_rejected=status.get(schema.BERKAS_DITOLAK, 0),
        files_ignored=status.get(schema.BERKAS_DIABAIKAN, 0),
        files_superseded=status.get(schema.BERKAS_DIGANTIKAN, 0),
        opd_total=len(spec.opd),
        opd_submitted=int(kirim.get(TEPAT_WAKTU, 0) + kirim.get(TERLAMBAT, 0)),
        opd_late=int(kirim.get(TERLAMBAT, 0)),
        opd_missing=int(kirim.get(BELUM, 0)),
        opd_rejected=int(kirim.get(DITOLAK, 0)),
        opd_blank=int(kirim.get(TANPA_REALISASI, 0)),
        opd_not_due=int(kirim.get(TIDAK_WAJIB, 0)),
        data_per=max((d[:10] for d in used if d), default=""),
        periode_rpjmd=f"{spec.pemda['periode_awal']}–{spec.pemda['periode_akhir']}",
        batas_catatan=deadline_note(str(spec.pemda["batas_pengumpulan"]), spec.zona_waktu),
    )
    return info, kelengkapan


def changes_since_last(run: Run, output: Path) -> Perubahan:
    """This run against the previous one whose manifest is in ``output`` (read before the
    outputs are replaced)."""
    previous, reason = read_previous(output)
    spec = run.spec
    return compare(
        previous,
        reason,
        (spec.kode_pemda, spec.tahun, spec.periode),
        run.validated.berkas,
        run.results.indikator,
        spec.settings.desimal_tampilan,
        {
            "master_spec": {"berkas": spec.path.name, "sha256": spec.sha256},
            "pengaturan": spec.settings.raw,
        },
        spec.settings.tepi,
    )


# What a helper process imports ahead for each part (see :mod:`pipeline.sidecar`).
HELPER_PARTS = {
    "charts": ("pipeline.charts", "pipeline.chartdata"),
    "feedback": ("pipeline.feedback", "pipeline.template"),
}


SET_FILES = ("validasi.csv", "manifest.json", "charts", "umpan_balik", "e81")


def output_names(run: Run) -> set[str]:
    """The entries of the output folder that make one run's set (replaced together)."""
    return {*SET_FILES, f"{run.spec.kode_pemda}_{run.spec.tahun}_konsolidasi.xlsx"}


def write_outputs(
    run: Run,
    output: Path,
    perubahan: Perubahan | None = None,
    helpers: Helpers | None = None,
) -> dict[str, Path]:
    """Write the whole set (workbook, ``validasi.csv``, ``manifest.json``, charts,
    ``umpan_balik/``) into a staging folder, then put it in place of ``output`` in one step.

    Whatever else the output folder holds (templates, other years' workbooks) is kept. A run
    killed at any moment leaves the previous set or the new one, never a mix; the staging
    folder a killed run leaves is removed by the next run. ``perubahan`` (what changed since
    the previous run in ``output``) is computed here when not given. With ``helpers``
    (started with :data:`HELPER_PARTS`), the feedback files and the charts are written by those
    processes while this one writes the workbook; the files are the same.
    """
    output = Path(output)
    if perubahan is None:
        perubahan = changes_since_last(run, output)
    clean_staging(output)
    names = output_names(run)
    with staged_folder(output, keep=lambda name: name not in names) as staging:
        try:
            paths = _write_set(run, staging, output, perubahan, helpers)
        except BaseException:
            # stopped first: a helper still writing (it ignores Ctrl-C) would make the
            # staging folder again once it is removed
            if helpers is not None:
                helpers.close()
            raise
    return {k: output / v.relative_to(staging) for k, v in paths.items()}


def errors_per_opd(issues: pd.DataFrame) -> dict[str, int]:
    """How many ERRORs each OPD has (an OPD's own E.81 form is a DRAFT while it has one)."""
    if issues.empty:
        return {}
    found = issues[issues["severity"] == "ERROR"].groupby("kode_opd").size()
    return {str(k): int(v) for k, v in found.items()}


def _write_set(
    run: Run, staging: Path, final: Path, perubahan: Perubahan, helpers: Helpers | None
) -> dict[str, Path]:
    # Deferred: matplotlib costs ~0.5 s to import and `check` never draws.
    from pipeline.workbook import write_workbook  # noqa: PLC0415
    from pipeline.workbook.e81 import Place, write_e81_files  # noqa: PLC0415

    output = staging
    spec, res, berkas = run.spec, run.results, run.validated.berkas
    info, kelengkapan = run_info(run)
    paths = {
        "workbook": output / f"{spec.kode_pemda}_{spec.tahun}_konsolidasi.xlsx",
        "validasi": output / "validasi.csv",
        "manifest": output / "manifest.json",
        "chart_sasaran": output / "charts" / "capaian_per_sasaran.png",
        "chart_predikat": output / "charts" / "distribusi_predikat.png",
        "chart_kuadran": output / "charts" / "kuadran_capaian_serapan_opd.png",
        "chart_peringkat": output / "charts" / "peringkat_opd.png",
        "chart_tren": output / "charts" / "tren_sasaran.png",
    }
    source_base = Path(os.path.relpath(run.input_dir.resolve(), final.resolve())).as_posix()
    helpers = helpers or Helpers({})
    # The Results compute the averages per Sasaran, Tujuan, Misi and OPD when first read: read
    # here, once, so that the run the charts helper is sent carries them (the workbook reads
    # them all anyway).
    for table in ("sasaran", "tujuan", "misi", "opd", "efisiensi"):
        getattr(res, table)
    # The charts take longest: their helper is handed its part first.
    charts_job = helpers.job("charts", write_charts, run, paths)
    feedback_job = helpers.job("feedback", write_run_feedback, run, output)
    write_workbook(
        paths["workbook"],
        res,
        run.issues,
        berkas,
        spec.settings,
        info,
        kelengkapan,
        source_base,
        perubahan,
        run.e81,
        int(spec.pemda["periode_akhir"]),
    )
    e81_files = write_e81_files(
        output / "e81",
        run.e81,
        errors_per_opd(run.issues),
        info.page_footer(f"Evaluasi Renja {run.e81.periode}"),
        Place(info.nama_pemda, spec.tahun, int(spec.pemda["periode_akhir"])),
        spec.settings.desimal_tampilan,
    )
    # A part whose helper has not started it yet (still importing on a busy machine) is
    # written here now rather than waited for.
    charts_job.claim()
    feedback_job.claim()
    feedback: list[Path] = feedback_job.result()
    with atomic_path(paths["validasi"]) as tmp:
        run.issues.map(sanitize.csv_cell).to_csv(tmp, index=False, encoding="utf-8")
    # The manifest names the charts' paths, not their contents: it is written while the charts
    # helper is still drawing (the set is put in place only once every part is there).
    manifest = {
        "pipeline": __version__,
        "kode_pemda": spec.kode_pemda,
        "tahun": spec.tahun,
        "periode": spec.periode,
        "master_spec": {"berkas": spec.path.name, "sha256": spec.sha256},
        # last year's workbook the comparison was made with (PREV=); {} without one
        "tahun_lalu": dict(run.tahun_lalu),
        "pengaturan": spec.settings.raw,
        "versi_pustaka": _versions(),
        "berkas_masukan": records(berkas),
        # each indicator row at full precision: the next run's Perubahan compares with it
        "indikator": indicator_records(res.indikator),
        "keluaran": {k: str(v.relative_to(output)) for k, v in paths.items() if k != "manifest"},
        "umpan_balik": [str(p.relative_to(output)) for p in feedback],
        "e81": {
            "periode": run.e81.periode,
            "berkas": [str(p.relative_to(output)) for p in e81_files],
        },
        "ringkasan": {
            "indikator": int(res.keseluruhan["jumlah_indikator"]),
            "indikator_dinilai": int(res.keseluruhan["jumlah_dinilai"]),
            "status_indikator": {
                st: int((res.indikator["status"] == st).sum()) for st in schema.STATUS_SEMUA
            },
            "rata_rata_capaian": _json_number(res.keseluruhan["rata_rata_capaian"]),
            "serapan": _json_number(res.keseluruhan["serapan"]),
            "masalah": run.issues["severity"].value_counts().to_dict()
            if not run.issues.empty
            else {},
        },
    }
    safe = sanitize.json_value(json.loads(json.dumps(manifest, default=str)))
    write_text(paths["manifest"], json.dumps(safe, ensure_ascii=False, indent=2) + "\n")
    charts_job.result()
    paths["umpan_balik"] = output / "umpan_balik"
    paths["e81"] = output / "e81"
    return paths


def write_run_feedback(run: Run, output: Path) -> list[Path]:
    """The feedback workbooks of ``run`` under ``output/umpan_balik``."""
    from pipeline.feedback import write_feedback  # noqa: PLC0415

    return write_feedback(
        output / "umpan_balik", run.issues, run.validated.berkas, run.subs, run.spec
    )


def write_charts(run: Run, paths: dict[str, Path]) -> None:
    """Every PNG chart of ``run`` at its path in ``paths``."""
    from pipeline.charts import plt, save_png  # noqa: PLC0415

    spec = run.spec
    info, kelengkapan = run_info(run)
    figures = _figures(run.results, spec.settings, info.nama_pemda, spec.tahun, kelengkapan)
    for key, fig in figures.items():
        with atomic_path(paths[key]) as tmp:
            save_png(fig, tmp)
        plt.close(fig)


def _figures(
    res: Results, settings: Settings, nama_pemda: str, tahun: int, kelengkapan: pd.DataFrame
) -> dict[str, Figure]:
    """Every PNG chart, each drawn from its :mod:`pipeline.chartdata` frame."""
    from pipeline import chartdata, charts  # noqa: PLC0415

    pemda = chartdata.judul(nama_pemda, tahun)
    status = dict(zip(kelengkapan["kode_opd"], kelengkapan["status_kirim"], strict=True))
    labels = {
        str(k): f"{k} {chartdata.singkat(u, 45)}"
        for k, u in zip(res.sasaran["kode_sasaran"], res.sasaran["uraian_sasaran"], strict=True)
    }
    return {
        "chart_sasaran": charts.capaian_per_sasaran(
            chartdata.sasaran_bars(
                res.sasaran, settings.skala, settings.desimal_tampilan, settings.tepi
            ),
            settings.skala,
            settings.batas_capaian,
            pemda,
        ),
        "chart_predikat": charts.distribusi_predikat(
            chartdata.predikat_counts(res.predikat_jumlah, settings.skala), pemda
        ),
        "chart_kuadran": charts.kuadran_opd(
            chartdata.efisiensi_opd(res.opd, settings), settings, pemda
        ),
        "chart_peringkat": charts.peringkat_opd(
            chartdata.peringkat_opd(res.opd, settings.skala),
            chartdata.opd_tanpa_nilai(res.opd, status),
            settings.skala,
            pemda,
            settings.desimal_tampilan,
            settings.tepi,
        ),
        "chart_tren": charts.tren_sasaran(
            chartdata.tren_sasaran(res.indikator, res.sasaran, settings),
            labels,
            pemda,
            chartdata.progres_label(res.indikator),
            settings.desimal_tampilan,
            settings.tepi,
            dibatasi=settings.batas_capaian is not None,
        ),
    }


def _json_number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]  # any object, caught below
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
