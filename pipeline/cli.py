"""Command line: ``python -m pipeline {report,check,templates}``.

The only module that sequences the stages; everything else is the library.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

from pipeline import __version__, schema
from pipeline.atomic import atomic_path, write_text
from pipeline.completeness import BELUM, DITOLAK, TEPAT_WAKTU, TERLAMBAT, completeness
from pipeline.ingest import Submission, is_candidate, list_inputs
from pipeline.isolate import Limits, read_files
from pipeline.issues import ERROR, INFO, WARNING, Issue, issues_frame
from pipeline.master import MasterSpec, read_master
from pipeline.numbers import format_id
from pipeline.score import Results, build_results
from pipeline.template import build_template, template_filename
from pipeline.validate import Validated, check_scored, finalize_register, validate_all

STARTED = time.perf_counter()
EXIT_OK = 0
EXIT_SPEC = 2
EXIT_STRICT = 3


@dataclass
class Run:
    """Everything one run produced, before anything is written."""

    spec: MasterSpec
    input_dir: Path
    subs: list[Submission]
    validated: Validated
    results: Results
    issues: pd.DataFrame


def _load_spec(path: Path) -> MasterSpec | None:
    spec, issues = read_master(path)
    for issue in issues:
        print(f"[{issue.severity}] {issue.location}: {issue.message}", file=sys.stderr)
    if spec is None:
        print(f"Master spec ditolak: {path}", file=sys.stderr)
    return spec


def _ingest(
    folder: Path, limits: Limits | None
) -> tuple[list[Submission], list[tuple[Path, str, str]]]:
    """Every file under ``folder``: templates read in isolated workers, the rest listed."""
    candidates: list[tuple[Path, str]] = []
    ignored: list[tuple[Path, str, str]] = []
    for path in list_inputs(folder):
        name = path.relative_to(folder).as_posix()
        ok, reason = is_candidate(path)
        if ok:
            candidates.append((path, name))
        else:
            ignored.append((path, name, reason))
    return read_files(candidates, limits), ignored


def run_pipeline(
    spec: MasterSpec,
    input_dir: Path,
    previous: pd.DataFrame | None = None,
    limits: Limits | None = None,
) -> Run:
    """Ingest → validate → join → score, all in memory (files read in isolated workers)."""
    subs, ignored = _ingest(input_dir, limits)
    validated = validate_all(subs, spec, ignored)
    results = build_results(
        spec.indikator,
        spec.sasaran,
        spec.tujuan,
        spec.misi,
        spec.opd,
        spec.program,
        validated.realisasi,
        validated.anggaran,
        spec.settings,
        spec.tangga,
        previous,
    )
    all_issues: list[Issue] = spec.issues + validated.issues + check_scored(results.indikator)
    issues = issues_frame(all_issues)
    validated.berkas = finalize_register(validated.berkas, issues)
    return Run(spec, input_dir, subs, validated, results, issues)


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


def _write_outputs(run: Run, output: Path) -> dict[str, Path]:
    # Deferred: matplotlib costs ~0.5 s to import and `check` never draws.
    from pipeline import charts  # noqa: PLC0415
    from pipeline.feedback import write_feedback  # noqa: PLC0415
    from pipeline.workbook import RunInfo, write_workbook  # noqa: PLC0415

    spec, res, berkas = run.spec, run.results, run.validated.berkas
    status = berkas["status"].value_counts().to_dict() if not berkas.empty else {}
    accepted = {schema.BERKAS_DITERIMA, schema.BERKAS_DITERIMA_CATATAN}
    kelengkapan = completeness(
        spec.opd,
        {
            str(k): int(v)
            for k, v in spec.indikator["kode_opd_list"].explode().value_counts().items()
        },
        {str(k): int(v) for k, v in spec.program["kode_opd"].value_counts().items()},
        berkas,
        run.issues,
        str(spec.pemda["batas_pengumpulan"]),
    )
    kirim = kelengkapan["status_kirim"].value_counts()
    used = berkas.loc[berkas["status"].isin(accepted), "dimodifikasi"].astype(str)
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
        data_per=max((d[:10] for d in used if d), default=""),
    )
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
    source_base = Path(os.path.relpath(run.input_dir.resolve(), output.resolve())).as_posix()
    write_workbook(
        paths["workbook"], res, run.issues, berkas, spec.settings, info, kelengkapan, source_base
    )
    feedback = write_feedback(
        output / "umpan_balik", run.issues, berkas, run.subs, spec.opd, info.nama_pemda, spec.tahun
    )
    with atomic_path(paths["validasi"]) as tmp:
        run.issues.to_csv(tmp, index=False, encoding="utf-8")
    figures = {
        "chart_sasaran": charts.capaian_per_sasaran(
            res.sasaran, spec.settings.skala, spec.settings.batas_capaian
        ),
        "chart_predikat": charts.distribusi_predikat(res.predikat_jumlah, spec.settings.skala),
        "chart_kuadran": charts.kuadran_opd(res.opd, spec.settings.skala),
        "chart_peringkat": charts.peringkat_opd(res.opd, spec.settings.skala),
        "chart_tren": charts.tren_sasaran(res.indikator, res.sasaran),
    }
    for key, fig in figures.items():
        with atomic_path(paths[key]) as tmp:
            fig.savefig(tmp, dpi=110, format="png", metadata={"Software": None})
        charts.plt.close(fig)
    manifest = {
        "pipeline": __version__,
        "kode_pemda": spec.kode_pemda,
        "tahun": spec.tahun,
        "periode": spec.periode,
        "master_spec": {"berkas": spec.path.name, "sha256": spec.sha256},
        "pengaturan": spec.settings.raw,
        "versi_pustaka": _versions(),
        "berkas_masukan": berkas.to_dict("records"),
        "keluaran": {k: str(v.relative_to(output)) for k, v in paths.items() if k != "manifest"},
        "umpan_balik": [str(p.relative_to(output)) for p in feedback],
        "ringkasan": {
            "indikator": int(res.keseluruhan["jumlah_indikator"]),
            "indikator_dinilai": int(res.keseluruhan["jumlah_dinilai"]),
            "rata_rata_capaian": _json_number(res.keseluruhan["rata_rata_capaian"]),
            "serapan": _json_number(res.keseluruhan["serapan"]),
            "masalah": run.issues["severity"].value_counts().to_dict()
            if not run.issues.empty
            else {},
        },
    }
    write_text(
        paths["manifest"], json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n"
    )
    paths["umpan_balik"] = output / "umpan_balik"
    return paths


def _json_number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]  # any object, caught below
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _summary(run: Run, paths: dict[str, Path] | None) -> str:
    berkas, k = run.validated.berkas, run.results.keseluruhan
    counts = berkas["status"].value_counts().to_dict() if not berkas.empty else {}
    sev = run.issues["severity"].value_counts().to_dict() if not run.issues.empty else {}
    avg = k["rata_rata_capaian"]
    lines = [
        f"{run.spec.pemda['nama_pemda']} — tahun {run.spec.tahun}",
        f"Berkas ditemukan  : {len(berkas)}",
        f"  diterima        : {counts.get(schema.BERKAS_DITERIMA, 0)} "
        f"(+{counts.get(schema.BERKAS_DITERIMA_CATATAN, 0)} dengan peringatan)",
        f"  ditolak         : {counts.get(schema.BERKAS_DITOLAK, 0)}",
        f"  digantikan      : {counts.get(schema.BERKAS_DIGANTIKAN, 0)}",
        f"  diabaikan       : {counts.get(schema.BERKAS_DIABAIKAN, 0)}",
        f"Indikator dinilai : {k['jumlah_dinilai']} dari {k['jumlah_indikator']} "
        f"({k['belum_lapor']} belum lapor, {k['tidak_dapat_dihitung']} tidak dapat dihitung)",
        f"Rata-rata capaian : {format_id(avg) if isinstance(avg, float) else '-'}% "
        f"({k['predikat']}; {k['metode']})",
        f"Serapan anggaran  : "
        f"{format_id(k['serapan']) if isinstance(k['serapan'], float) else '-'}%",
        f"Masalah validasi  : {sev.get(ERROR, 0)} ERROR, {sev.get(WARNING, 0)} WARNING, "
        f"{sev.get(INFO, 0)} INFO",
        f"Waktu proses      : {time.perf_counter() - STARTED:.1f} detik",
    ]
    if paths:
        lines.append("Keluaran:")
        lines += [f"  {p}" for p in paths.values()]
    return "\n".join(lines)


def _previous(path: Path | None) -> pd.DataFrame | None:
    if path is None:
        return None
    from pipeline.workbook import read_previous_report  # noqa: PLC0415

    try:
        return read_previous_report(path)
    except Exception as exc:  # a bad comparison file must not stop this year's report
        print(f"[WARNING] Laporan tahun lalu tidak dapat dibaca ({path}): {exc}", file=sys.stderr)
        return None


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(seconds=args.batas_waktu, memory_mb=args.batas_memori)


def cmd_report(args: argparse.Namespace) -> int:
    spec = _load_spec(args.spec)
    if spec is None:
        return EXIT_SPEC
    run = run_pipeline(spec, args.input, _previous(args.tahun_lalu), _limits(args))
    paths = _write_outputs(run, args.output)
    print(_summary(run, paths))
    has_errors = not run.issues.empty and (run.issues["severity"] == ERROR).any()
    if has_errors:
        print("Laporan ditandai DRAFT: masih ada ERROR (lihat sheet Validasi / validasi.csv).")
    return EXIT_STRICT if has_errors and spec.settings.mode_ketat else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    spec = _load_spec(args.spec)
    if spec is None:
        return EXIT_SPEC
    run = run_pipeline(spec, args.input, limits=_limits(args))
    for rec in run.issues.to_dict("records"):
        where = " › ".join(p for p in (rec["file"], rec["sheet"], rec["cell"]) if p)
        print(f"[{rec['severity']}] {rec['kode_opd'] or '-'} {where}: {rec['message']}")
    print(_summary(run, None))
    has_errors = not run.issues.empty and (run.issues["severity"] == ERROR).any()
    return EXIT_STRICT if has_errors and spec.settings.mode_ketat else EXIT_OK


def cmd_templates(args: argparse.Namespace) -> int:
    spec = _load_spec(args.spec)
    if spec is None:
        return EXIT_SPEC
    for kode in spec.opd["kode_opd"]:
        target = args.output / template_filename(spec, kode)
        with atomic_path(target) as tmp:
            build_template(spec, kode, tmp)
        print(target)
    print(f"{len(spec.opd)} templat ditulis ke {args.output}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, text in (
        ("report", cmd_report, "ingest, validate, score and write the consolidated report"),
        ("check", cmd_check, "validate the input files and print the issues; write nothing"),
        ("templates", cmd_templates, "write one blank template per OPD"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("--spec", type=Path, required=True, help="master spec workbook (.xlsx)")
        if name != "templates":
            p.add_argument("--input", type=Path, required=True, help="folder of OPD files")
        if name != "templates":
            p.add_argument(
                "--batas-waktu",
                type=float,
                default=Limits.seconds,
                metavar="DETIK",
                help="time limit for reading one file (default %(default)s s)",
            )
            p.add_argument(
                "--batas-memori",
                type=int,
                default=Limits.memory_mb,
                metavar="MB",
                help="memory limit for reading one file (default %(default)s MB)",
            )
        if name == "report":
            p.add_argument(
                "--tahun-lalu",
                type=Path,
                default=None,
                help="last year's consolidated workbook, for the year-on-year change",
            )
        p.add_argument("--output", type=Path, required=True, help="output folder")
        p.set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))
