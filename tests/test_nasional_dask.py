"""``nasional --dask`` on a real Dask cluster started from the command line on loopback.

The test starts ``dask scheduler --host 127.0.0.1 --port 0`` and two ``dask worker`` processes
(one thread each, as the README shows), runs the session's root (six generated Pemda and more,
tests/national_roots.py) on it, and compares with the local run: the Parquet tables and the
national workbook must be identical (byte for byte). A file that kills its reader
must stay that file's ERROR on a worker (the reader runs in its own process there too), and
the per-file limits must be in force on the workers. Every process started here is stopped.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.conftest import ROOT, run_cli
from tests.national_roots import HUNGRY, KILLER, binjai, other_pemda, with_hungry_file

DASK = Path(sys.executable).parent / "dask"
TABLES = ("indikator", "anggaran", "validasi", "berkas", "pemda")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _scheduler(
    folder: Path, env: dict[str, str], procs: list[subprocess.Popen[bytes]], *dashboard: str
) -> str:
    """``dask scheduler`` on 127.0.0.1 (a free port), its output into ``folder``; its address."""
    info = folder / "scheduler.json"
    with (folder / "scheduler.log").open("wb") as log:
        procs.append(
            subprocess.Popen(
                [
                    *(str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0"),
                    *(dashboard or ("--no-dashboard",)),
                    *("--scheduler-file", str(info)),
                ],
                cwd=folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 60
    while not info.exists() or not info.read_text().strip():
        assert time.monotonic() < deadline, (folder / "scheduler.log").read_text()
        assert procs[-1].poll() is None, (folder / "scheduler.log").read_text()
        time.sleep(0.2)
    address = str(json.loads(info.read_text())["address"])
    assert address.startswith("tcp://127.0.0.1:")
    return address


def _worker(
    folder: Path,
    address: str,
    name: str,
    procs: list[subprocess.Popen[bytes]],
    *extra: str,
    project: Path = ROOT,
) -> subprocess.Popen[bytes]:
    """A ``dask worker`` (one thread, with its nanny, in a process group of its own) started
    from the project folder (``project``: another copy of it) with ``PYTHONPATH=.``, as the
    README starts it."""
    with (folder / f"{name}.log").open("wb") as log:
        proc = subprocess.Popen(
            [
                *(str(DASK), "worker", address, "--nthreads", "1"),
                *("--host", "127.0.0.1", "--no-dashboard"),
                *("--local-directory", str(folder / name)),
                *extra,
            ],
            cwd=project,
            env={**os.environ, "PYTHONPATH": str(project)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    procs.append(proc)
    return proc


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[int]]]:
    """A scheduler and two workers on 127.0.0.1; yields the address and the worker PIDs."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # as the README starts them
    procs: list[subprocess.Popen[bytes]] = []
    try:
        address = _scheduler(folder, env, procs, "--dashboard-address", "127.0.0.1:0")
        for i in range(2):
            _worker(folder, address, f"w{i}", procs)
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            pids = sorted(client.run(os.getpid).values())
        yield address, pids
    finally:
        for proc in reversed(procs):
            _stop(proc)
    assert all(p.poll() is not None for p in procs)


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory,
    cluster: tuple[str, list[int]],
    national: tuple[Path, Path, list[str]],
) -> tuple[Path, Path]:
    """The same root run locally (the session's ``national`` run) and on the cluster."""
    root, local, _ = national
    remote = tmp_path_factory.mktemp("nasional_dask") / "dask"
    done = run_cli("nasional", "--root", str(root), "--output", str(remote), "--dask", cluster[0])
    assert done.returncode == 0, done.stderr
    assert "Dask tcp://127.0.0.1:" in done.stdout
    return local, remote


def test_dask_run_equals_the_local_run(runs: tuple[Path, Path]) -> None:
    local, remote = runs
    for name in TABLES:
        mine, theirs = (
            pq.read_table(local / f"{name}.parquet"),
            pq.read_table(remote / f"{name}.parquet"),
        )
        assert mine.num_rows > 0
        assert mine.equals(theirs), name
        # same inputs, same bytes, whoever ran it
        assert (local / f"{name}.parquet").read_bytes() == (
            remote / f"{name}.parquet"
        ).read_bytes(), name
    book = next(local.glob("nasional_*.xlsx")).name
    sheets = pd.ExcelFile(local / book, engine="calamine").sheet_names
    assert sheets == pd.ExcelFile(remote / book, engine="calamine").sheet_names
    assert "Provinsi" in sheets
    for sheet in sheets:
        pd.testing.assert_frame_equal(
            pd.read_excel(local / book, sheet_name=sheet, engine="calamine"),
            pd.read_excel(remote / book, sheet_name=sheet, engine="calamine"),
        )
    assert (local / book).read_bytes() == (remote / book).read_bytes()


def test_a_reader_killing_file_does_not_kill_a_worker(
    runs: tuple[Path, Path], cluster: tuple[str, list[int]]
) -> None:
    from distributed import Client

    _, remote = runs
    berkas = pq.read_table(remote / "berkas.parquet").to_pandas()
    killer = berkas[berkas["berkas"] == KILLER]
    assert killer["status"].tolist() == ["ditolak"]
    assert "berhenti mendadak" in killer["alasan"].iloc[0]
    with Client(cluster[0], timeout=30) as client:
        assert sorted(client.run(os.getpid).values()) == cluster[1]  # no worker was restarted


def test_file_limits_are_in_force_on_the_workers(
    tmp_path: Path, cluster: tuple[str, list[int]]
) -> None:
    root = tmp_path / "root"
    with_hungry_file(binjai(root / "binjai"))

    def hungry_file(*limit: str) -> pd.Series:
        out = tmp_path / f"out{len(limit)}"
        done = run_cli(
            "nasional", "--root", str(root), "--output", str(out), "--dask", cluster[0], *limit
        )
        assert done.returncode == 0, done.stderr
        berkas = pq.read_table(out / "berkas.parquet").to_pandas().set_index("berkas")
        assert (berkas.drop(index=HUNGRY)["status"] != "ditolak").all()  # the others are read
        return berkas.loc[HUNGRY]

    assert hungry_file()["status"] != "ditolak"  # read within the default 1536 MB
    capped = hungry_file("--batas-memori", "120")  # over the limit on the worker: refused
    assert capped["status"] == "ditolak"
    assert any(
        said in capped["alasan"]
        for said in ("berhenti mendadak", "kehabisan memori", "tidak dapat diproses")
    )


def test_a_scheduler_that_cannot_import_the_package_is_one_sentence(tmp_path: Path) -> None:
    """Started without ``PYTHONPATH=.``, the scheduler cannot unpickle the tasks: every Pemda
    would fail. The run stops first with exit code 5 and says how to start it."""
    info = tmp_path / "scheduler.json"
    bare = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    procs = []
    try:
        with (tmp_path / "scheduler.log").open("wb") as log:
            procs.append(
                subprocess.Popen(
                    [
                        *(str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0"),
                        *("--no-dashboard", "--scheduler-file", str(info)),
                    ],
                    cwd=tmp_path,
                    env=bare,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        deadline = time.monotonic() + 60
        while not info.exists() or not info.read_text().strip():
            assert time.monotonic() < deadline and procs[0].poll() is None
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        with (tmp_path / "worker.log").open("wb") as log:
            procs.append(
                subprocess.Popen(
                    [str(DASK), "worker", address, "--nthreads", "1", "--no-dashboard"],
                    cwd=ROOT,
                    env={**bare, "PYTHONPATH": str(ROOT)},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(1, timeout=120)
        root = tmp_path / "akar"
        binjai(root / "binjai")
        done = run_cli(
            "nasional", "--root", str(root), "--output", str(tmp_path / "o"), "--dask", address
        )
        assert done.returncode == 5, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert "Penjadwal Dask" in done.stderr and "PYTHONPATH=." in done.stderr
        # one Indonesian sentence: not Python's name for the error ("(ModuleNotFoundError)")
        assert "Error" not in done.stderr and "Exception" not in done.stderr
        assert not (tmp_path / "o" / "pemda.parquet").exists()
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _when_running(address: str, run: subprocess.Popen[str]) -> None:
    """Return once a batch of ``run`` is being processed by a worker."""
    from distributed import Client

    with Client(address, timeout=30) as client:
        deadline = time.monotonic() + 120
        while not any(client.processing().values()):
            assert run.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)


def _binjai_with_old_outputs(tmp_path: Path) -> tuple[Path, Path]:
    """A root holding the Binjai demo, and an output folder holding a last complete set
    (its ``pemda.parquet`` a known text) that a failed run must leave as it is."""
    root = tmp_path / "akar"
    binjai(root / "binjai")
    out = tmp_path / "o"
    out.mkdir()
    (out / "pemda.parquet").write_bytes(b"keluaran lama")
    return root, out


def test_a_scheduler_that_dies_mid_run_is_one_sentence(tmp_path: Path) -> None:
    """The scheduler killed while batches run: one sentence, exit code 5, no traceback and
    no log lines of the Dask client; the last complete outputs stay."""
    root, out = _binjai_with_old_outputs(tmp_path)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        address = _scheduler(tmp_path, {**os.environ, "PYTHONPATH": str(ROOT)}, procs)
        _worker(tmp_path, address, "w", procs)
        run = subprocess.Popen(
            [
                *(sys.executable, "-m", "pipeline", "nasional", "--root", str(root)),
                *("--output", str(out), "--dask", address),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _when_running(address, run)
        procs[0].kill()
        stdout, stderr = run.communicate(timeout=120)
    finally:
        for proc in reversed(procs):
            _stop(proc)
    assert run.returncode == 5, stdout + stderr
    assert "Traceback" not in stderr and "ERROR" not in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert f"Koneksi ke penjadwal Dask {address} terputus" in stderr
    assert (out / "pemda.parquet").read_bytes() == b"keluaran lama"
    assert [p.name for p in tmp_path.iterdir() if ".o.baru" in p.name] == []


def test_a_cluster_whose_workers_all_die_mid_run_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Every worker killed while batches run (the scheduler lives on, with none): the run
    does not wait for ever; once the scheduler has had no worker for a while it says so in one
    sentence, exit code 5, and the last complete outputs stay."""
    import threading

    from pipeline import cli
    from pipeline.nasional import executor

    monkeypatch.setattr(executor, "NO_WORKER_SECONDS", 2.0)
    root, out = _binjai_with_old_outputs(tmp_path)
    procs: list[subprocess.Popen[bytes]] = []
    codes: list[int] = []
    try:
        address = _scheduler(tmp_path, {**os.environ, "PYTHONPATH": str(ROOT)}, procs)
        worker = _worker(tmp_path, address, "w", procs)
        args = ["nasional", "--root", str(root), "--output", str(out), "--dask", address]
        run = threading.Thread(target=lambda: codes.append(cli.main(args)), daemon=True)
        run.start()
        from distributed import Client

        with Client(address, timeout=30) as client:
            deadline = time.monotonic() + 120
            while not any(client.processing().values()):
                assert run.is_alive() and time.monotonic() < deadline
                time.sleep(0.1)
        os.killpg(worker.pid, signal.SIGKILL)  # the nanny, its worker and their readers
        worker.wait(timeout=10)
        run.join(timeout=60)
        assert not run.is_alive(), "the run still waits for a worker"
    finally:
        for proc in reversed(procs):
            _stop(proc)
        run.join(timeout=60)
    assert codes == [5]
    stderr = capfd.readouterr().err
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert f"Penjadwal Dask {address} tidak lagi memiliki worker" in stderr
    assert (out / "pemda.parquet").read_bytes() == b"keluaran lama"


def test_a_worker_running_other_code_is_refused(tmp_path: Path) -> None:
    """A worker started from another copy of the project, of the same version number but
    other code (an older checkout), would compute other numbers: refused with exit code 5,
    whether it is there when the run starts or joins while it runs."""
    import shutil

    from distributed import Client

    other = tmp_path / "lain"
    shutil.copytree(ROOT / "pipeline", other / "pipeline", ignore=shutil.ignore_patterns("__py*"))
    shutil.copytree(ROOT / "expectations", other / "expectations")
    with (other / "pipeline" / "nasional" / "work.py").open("a") as changed:
        changed.write("# a later or earlier change: the same __version__, other code\n")
    root = tmp_path / "akar"
    binjai(root / "binjai")
    out = tmp_path / "o"
    procs: list[subprocess.Popen[bytes]] = []

    def other_worker(name: str) -> subprocess.Popen[bytes]:
        return _worker(tmp_path, address, name, procs, project=other)

    args = ("nasional", "--root", str(root), "--output", str(out))
    try:
        address = _scheduler(tmp_path, {**os.environ, "PYTHONPATH": str(ROOT)}, procs)
        first = other_worker("lain1")
        with Client(address, timeout=30) as client:
            client.wait_for_workers(1, timeout=120)
        done = run_cli(*args, "--dask", address)
        assert done.returncode == 5, done.stdout + done.stderr
        assert "Worker Dask" in done.stderr and "Traceback" not in done.stderr
        assert not out.exists()
        _stop(first)
        good = _worker(tmp_path, address, "w", procs)
        run = subprocess.Popen(
            [sys.executable, "-m", "pipeline", *args, "--dask", address],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _when_running(address, run)
        os.killpg(good.pid, signal.SIGKILL)  # its batch goes to the next worker: other code
        good.wait(timeout=10)
        other_worker("lain2")
        stdout, stderr = run.communicate(timeout=120)
    finally:
        for proc in reversed(procs):
            _stop(proc)
    assert run.returncode == 5, stdout + stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert "Worker Dask tcp://127.0.0.1:" in stderr and "kode pipeline lain" in stderr
    assert not out.exists()


def test_workers_killed_by_their_memory_limit_are_one_sentence(tmp_path: Path) -> None:
    """A worker whose memory limit (``--memory-limit``) is below what a run needs is restarted
    by its nanny on every batch: every Pemda would be *gagal diproses*, each said to fail on
    its own, and that set would replace the last good one. Once no Pemda came back and the
    Pemda retried alone all stopped their worker, the run stops: one sentence about the
    workers' memory, exit code 5, the previous outputs kept."""
    root, out = _binjai_with_old_outputs(tmp_path)
    other_pemda(root / "lain", "9901", "Kota Lain")
    procs: list[subprocess.Popen[bytes]] = []
    # a task is given up on at the first worker it kills (Dask's default retries it three times)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0",
    }
    try:
        address = _scheduler(tmp_path, env, procs)
        _worker(tmp_path, address, "w", procs, "--memory-limit", "150MB")
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(1, timeout=120)
        done = run_cli("nasional", "--root", str(root), "--output", str(out), "--dask", address)
    finally:
        for proc in reversed(procs):
            _stop(proc)
    assert done.returncode == 5, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "batas memori" in done.stderr and "--memory-limit" in done.stderr, done.stderr
    assert (out / "pemda.parquet").read_bytes() == b"keluaran lama"


def test_a_batch_left_running_by_ctrl_c_writes_nothing(
    tmp_path: Path, cluster: tuple[str, list[int]]
) -> None:
    """Ctrl-C ends the command (exit code 130, one sentence, the previous outputs kept), but
    a batch a worker is running goes on to its end. With ``--per-pemda`` it wrote each Pemda's
    report into the command's staging folder, which the command had removed, and so made it
    again beside the output. Now it writes nothing, and the cluster runs the next command."""
    from distributed import Client

    root, out = _binjai_with_old_outputs(tmp_path)
    other_pemda(root / "lain", "9901", "Kota Lain")
    args = ("nasional", "--root", str(root), "--output", str(out), "--dask", cluster[0])
    run = subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args, "--per-pemda"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # the tasks a worker is running (also one its client gave up on); by value: the workers
    # cannot import this test module
    executing = lambda dask_worker: len(dask_worker.state.executing)  # noqa: E731
    with Client(cluster[0], timeout=30) as client:  # a worker runs the batch (not queued)
        deadline = time.monotonic() + 120
        while not any(client.run(executing).values()):
            assert run.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 130, stderr
    assert len(stderr.strip().splitlines()) == 1 and "Ctrl-C" in stderr, stderr
    with Client(cluster[0], timeout=30) as client:  # the batch left running ends
        deadline = time.monotonic() + 120
        while any(client.run(executing).values()):
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".o.kunci", "akar", "o"]
    assert (out / "pemda.parquet").read_bytes() == b"keluaran lama"
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr


def test_the_dashboard_address_is_shown_only_when_there_is_one(
    tmp_path: Path, cluster: tuple[str, list[int]]
) -> None:
    """A scheduler started with ``--no-dashboard`` still names a dashboard port (its HTTP
    server's, where ``/status`` is not found): no address is shown then. The module's cluster
    has a dashboard, and its address answers."""
    import urllib.request

    from distributed import Client

    root = tmp_path / "akar"
    other_pemda(root / "lain", "9901", "Kota Lain")
    with Client(cluster[0], timeout=30) as client:
        link = client.dashboard_link
    done = run_cli(
        "nasional", "--root", str(root), "--output", str(tmp_path / "a"), "--dask", cluster[0]
    )
    assert done.returncode == 0, done.stderr
    assert f"Dasbor Dask          : {link}" in done.stdout
    with urllib.request.urlopen(link, timeout=10) as page:
        assert page.status == 200
    procs: list[subprocess.Popen[bytes]] = []
    try:
        address = _scheduler(tmp_path, {**os.environ, "PYTHONPATH": str(ROOT)}, procs)
        _worker(tmp_path, address, "w", procs)
        with Client(address, timeout=30) as client:
            client.wait_for_workers(1, timeout=120)
        done = run_cli(
            "nasional", "--root", str(root), "--output", str(tmp_path / "b"), "--dask", address
        )
    finally:
        for proc in reversed(procs):
            _stop(proc)
    assert done.returncode == 0, done.stderr
    assert "Dasbor" not in done.stdout
