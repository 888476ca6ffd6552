"""Shared fixtures: the shipped Binjai demo, a report run once per session, small helpers."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

from pipeline.master import MasterSpec, read_master
from pipeline.workbook.base import HEADER_ROW

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "master" / "binjai_2018.xlsx"
INPUT_DIR = ROOT / "input_xlsx"

# Property tests check rules, not speed: on a loaded 2-core machine one example can take longer
# than Hypothesis's default 200 ms deadline, which would fail a correct rule.
settings.register_profile(
    "sakip", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.load_profile("sakip")

# A test run started in the background by a script (`make test &`) inherits Ctrl-C ignored, as
# a shell gives its background jobs, and passes that on to every command it starts: the tests
# that press Ctrl-C would then see it ignored. The commands are tested as a terminal starts them.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def run_cli(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pipeline`` for real, as `make report` does."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def run_limited(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a child Python with a 2 GB address-space limit (from the project
    folder): what could end a process is tried there, so it fails a test, not the session."""
    limited = "import resource\nresource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
    return subprocess.run(
        [sys.executable, "-c", limited + code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_report(
    input_dir: Path,
    output: Path,
    *extra: str,
    spec: Path = SPEC_PATH,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m pipeline report`` on a folder of OPD files, as `make report` runs it."""
    return run_cli(
        "report",
        "--spec",
        str(spec),
        "--input",
        str(input_dir),
        "--output",
        str(output),
        *extra,
        env=env,
    )


@pytest.fixture(scope="session")
def spec() -> MasterSpec:
    loaded, issues = read_master(SPEC_PATH)
    assert loaded is not None, [i.message for i in issues]
    return loaded


@pytest.fixture(scope="session")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped inputs run through the real CLI once; tests read what it wrote."""
    out = tmp_path_factory.mktemp("report")
    result = run_report(INPUT_DIR, out)
    assert result.returncode == 0, result.stderr
    (out / "stdout.txt").write_text(result.stdout, encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def workbook_path(report_dir: Path) -> Path:
    return report_dir / "1275_2018_konsolidasi.xlsx"


def read_sheet(path: Path, sheet: str) -> pd.DataFrame:
    """A data sheet of the consolidated workbook as a frame: the header row under the banner,
    the rows down to the first empty one (totals and notes below it are not data)."""
    frame = pd.read_excel(path, sheet_name=sheet, engine="calamine", header=HEADER_ROW)
    empty = frame.isna().all(axis=1).to_numpy()
    return frame.iloc[: int(empty.argmax())] if empty.any() else frame


def copy_inputs(dest: Path) -> Path:
    """A private copy of the shipped input folder to break files in."""
    target = dest / "input_xlsx"
    shutil.copytree(INPUT_DIR, target)
    return target


def input_file(folder: Path, kode_opd: str) -> Path:
    """The input file of an OPD (found by its hidden _meta sheet, as the pipeline does)."""
    for path in sorted(folder.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            meta = {r[0]: r[1] for r in wb["_meta"].iter_rows(values_only=True)}
        finally:
            wb.close()
        if meta.get("kode_opd") == kode_opd:
            return path
    raise LookupError(kode_opd)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/*.csv from the current output instead of comparing",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def national(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    """A root of Pemda folders (tests/national_roots.py) run once through the real
    ``python -m pipeline nasional --per-pemda`` on a local pool: (root, output, generated)."""
    from tests.national_roots import build_root

    base = tmp_path_factory.mktemp("nasional")
    root, generated = build_root(base / "root")
    out = base / "out"
    result = run_cli(
        "nasional", "--root", str(root), "--output", str(out), "--workers", "2", "--per-pemda"
    )
    assert result.returncode == 0, result.stderr
    # not a terminal: no progress line (an aborting reader may leave its own last words)
    assert "Pemda 9/9" not in result.stderr and "Traceback" not in result.stderr
    assert "Konsolidasi tahun 2018 — 9 Pemda" in result.stdout
    return root, out, generated
