"""Who runs the batches: a local process pool, or a running Dask distributed cluster.

Both take the same plain function and arguments (:func:`pipeline.nasional.work.run_batch`);
nothing else in the run knows which one it has. Without ``--dask`` no cluster is started (a
local Dask cluster costs seconds to start and is slower than a process pool on one machine).
"""

from __future__ import annotations

import concurrent.futures as cf
import errno
import functools
import hashlib
import multiprocessing as mp
import os
import platform
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from pipeline.sanitize import visible


class EnvironmentProblem(Exception):
    """The executor cannot be used (no scheduler, workers without the package …): one
    Indonesian sentence for the user."""


class Executor(Protocol):
    """Submit a function call, wait for the first of several to finish, read its result."""

    description: str
    dashboard: str
    workers: int

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any: ...

    def first_done(self, futures: list[Any]) -> Any: ...

    def result(self, future: Any) -> Any: ...

    def close(self) -> None: ...

    def worker_died(self, exc: BaseException) -> str:
        """When ``exc`` says that the task stopped the worker running it, as often as the
        executor tries it: the sentence for a run in which every Pemda does so; else ``''``."""
        ...


def cores() -> int:
    """Processors this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pool_context() -> Any:
    """``forkserver`` preloaded with the pipeline, its server started with Ctrl-C held back
    (:func:`~pipeline.isolate.server_started`); ``fork`` for a plain script's caller (a
    forkserver child would run the script again), as :mod:`pipeline.isolate` chooses."""
    from pipeline.isolate import server_started  # noqa: PLC0415

    main = sys.modules.get("__main__")
    plain_script = getattr(main, "__file__", None) and getattr(main, "__spec__", None) is None
    if plain_script:
        return mp.get_context("fork")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["pipeline.nasional.work"])
    return server_started(ctx)


def owner() -> tuple[int, float]:
    """This process as a pool's workers watch it (:func:`watch_owner`): pid and start time."""
    import psutil  # noqa: PLC0415

    return os.getpid(), psutil.Process().create_time()


def watch_owner(pid: int, started: float, every: float = 1.0) -> None:
    """End this process once the process that started its pool is gone.

    A pool worker waits on its task queue, whose other end it holds itself, so it would wait
    for ever, with the pipeline in memory, when the command is killed before it could stop
    its workers (``kill -9``, the OOM killer). The pid is checked with its start time, so a
    new process given the same pid is not taken for the owner.
    """
    import psutil  # noqa: PLC0415

    def gone() -> bool:
        try:
            proc = psutil.Process(pid)
            return proc.create_time() != started or proc.status() == psutil.STATUS_ZOMBIE
        except psutil.Error:
            return True

    def watch() -> None:
        while not gone():
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="awasi-pemilik", daemon=True).start()


def _started() -> None:
    """Nothing: a task that makes the pool start a worker process."""


class LocalExecutor:
    """N worker processes on this machine (``concurrent.futures``), started from a forkserver
    preloaded with the pipeline, so each starts in milliseconds.

    The workers are started at once (a pool starts one per task submitted, when the first tasks
    come): they set themselves up (great-expectations, about two seconds) while the caller
    still looks for the work to give them.
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self.description = f"lokal, {self.workers} proses"
        self.dashboard = ""
        self._pool = self._new_pool()
        for _ in range(self.workers):
            self.submit(_started)

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        from pipeline.nasional.work import start_worker  # noqa: PLC0415

        return cf.ProcessPoolExecutor(
            self.workers, mp_context=pool_context(), initializer=start_worker, initargs=owner()
        )

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Queue a call; the pool starts a worker meanwhile when it has fewer than it may
        (with Ctrl-C held: :func:`~pipeline.isolate.interrupt_deferred`)."""
        from pipeline.isolate import interrupt_deferred  # noqa: PLC0415

        with interrupt_deferred():
            try:
                return self._pool.submit(fn, *args)
            except cf.BrokenExecutor:  # a worker died: the pool is unusable, start a new one
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                return self._pool.submit(fn, *args)

    def first_done(self, futures: list[Any]) -> Any:
        done, _ = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
        return next(f for f in futures if f in done)

    def result(self, future: Any) -> Any:
        return future.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def worker_died(self, exc: BaseException) -> str:
        """A broken pool: one of its workers died. It fails every task it holds, the others'
        too, so it says which Pemda stopped it only of a task run with nothing else running
        (:func:`~pipeline.nasional.run.run_nasional` runs them so)."""
        if not isinstance(exc, cf.BrokenExecutor):
            return ""
        return (
            "Setiap Pemda yang dijalankan menghentikan proses worker yang menjalankannya, juga "
            "saat dijalankan sendiri: memori mesin ini kemungkinan tidak cukup; keluaran "
            "sebelumnya tidak diubah. Tutup program lain atau jalankan dengan --workers 1, lalu "
            "ulangi."
        )


# the libraries whose versions change a Pemda's numbers or what its files read as
CODE_LIBRARIES: tuple[str, ...] = ("pandas", "numpy", "pyarrow", "great_expectations")
CODE_LIBRARIES += ("python-calamine", "openpyxl")


@functools.cache
def code_version() -> str:
    """``<version>+<digest>``: this package's version and a digest of what computes a Pemda's
    numbers here: the package's own files (source, settings), the suites beside it
    (``expectations/``), Python's and the main libraries' versions. The version number alone
    stays the same across many changes: a worker started from an older copy of the project
    carried it too, and computed its Pemda with that copy's code."""
    from importlib import metadata  # noqa: PLC0415

    from pipeline import __version__  # noqa: PLC0415

    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(platform.python_version().encode())
    for lib in CODE_LIBRARIES:
        try:
            digest.update(f"\n{lib}={metadata.version(lib)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"\n{lib}=-".encode())
    files = [p for p in package.rglob("*") if p.suffix in (".py", ".toml", ".json")]
    files += list((package.parent / "expectations").glob("*.json"))
    for path in sorted(files, key=lambda p: p.relative_to(package.parent).as_posix()):
        if "__pycache__" in path.parts:
            continue
        digest.update(f"\n{path.relative_to(package.parent).as_posix()}\n".encode())
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


# Taken when this code is loaded, not when first asked: a worker started before the project's
# files changed (a git pull) runs the code it loaded then, and must not read the new files as
# its own.
code_version()


def _probe() -> str:
    """Runs on each Dask worker: the package must be importable there, with the same code."""
    return code_version()


class OtherCode(EnvironmentProblem):
    """A Dask worker that joined after the run started runs other code than the command."""


def _checked(expected: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Runs a task on a Dask worker once its code is the command's (:func:`code_version`):
    a worker that joins the cluster after the run was checked is checked here."""
    if code_version() != expected:
        from distributed import get_worker  # noqa: PLC0415

        raise OtherCode(
            f"Worker Dask {visible(get_worker().address)} menjalankan kode pipeline lain "
            f"({code_version()}, bukan {expected}); keluaran sebelumnya tidak diubah. "
            "Hentikan worker itu dan jalankan worker dari folder proyek yang sama dengan "
            "lingkungan Python yang sama."
        )
    return fn(*args)


HANDSHAKE_SECONDS = 5.0  # a Dask scheduler greets a new connection at once
# How long a run waits, once started, while the scheduler has no worker at all (every worker
# stopped or killed): a worker its nanny restarts is back within seconds.
NO_WORKER_SECONDS = 60.0
CHECK_SECONDS = 1.0  # how often a waiting run looks at the scheduler's workers
_ADDRESS = re.compile(r"(?:tcp://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})/?")


def _scheduler_address(address: str) -> tuple[str, int]:
    """``host`` and ``port`` of ``tcp://host:port`` (or ``host:port``); another scheme (tls,
    ucx, inproc: not set up here) or a malformed address is one sentence."""
    match = _ADDRESS.fullmatch(address.strip())
    port = int(match.group(2)) if match else 0
    if match is None or not 0 < port < 65536:
        raise EnvironmentProblem(
            f"Alamat penjadwal Dask '{visible(address)}' tidak dapat dipakai: tulis "
            "tcp://<host>:<port>, misalnya tcp://127.0.0.1:8786 (alamat yang dicetak "
            "`dask scheduler` pada baris 'Scheduler at')."
        )
    return match.group(1).strip("[]"), port


def _net_reason(exc: BaseException) -> str:
    """Why a connection failed, in words."""
    if isinstance(exc, TimeoutError | socket.timeout):
        return "tidak ada jawaban"
    reasons = {
        errno.ECONNREFUSED: "koneksi ditolak: tidak ada yang mendengarkan di port itu",
        errno.EHOSTUNREACH: "host tidak dapat dicapai",
        errno.ENETUNREACH: "jaringan tidak dapat dicapai",
        errno.ETIMEDOUT: "tidak ada jawaban",
    }
    if isinstance(exc, socket.gaierror):
        return "nama host tidak dikenal"
    code = getattr(exc, "errno", None)
    return reasons.get(code or 0, f"galat jaringan {code or type(exc).__name__}")


def _answers_as_dask(address: str, host: str, port: int, timeout: float) -> None:
    """Refuse, in one sentence, an address where nothing listens or where something other
    than a Dask scheduler does (its dashboard, a web server, a silent socket): a Dask
    scheduler greets each connection at once, and the client would wait for that greeting
    without end."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            greeting = conn.recv(1)
    except OSError as exc:
        if isinstance(exc, TimeoutError | socket.timeout):
            greeting = b""
        else:
            raise EnvironmentProblem(
                f"Tidak dapat terhubung ke penjadwal Dask {visible(address)} "
                f"({_net_reason(exc)}); periksa alamatnya dan bahwa `dask scheduler` sedang "
                "berjalan."
            ) from None
    if not greeting:
        raise EnvironmentProblem(
            f"{visible(address)} tidak menjawab sebagai penjadwal Dask dalam {timeout:g} detik "
            "(alamat dasbor, atau layanan lain?); pakai alamat penjadwal, yang dicetak "
            "`dask scheduler` pada baris 'Scheduler at' (biasanya port 8786)."
        )


def _dashboard(link: str) -> str:
    """``link`` when a dashboard answers there, else ``''``: a scheduler started with
    ``--no-dashboard`` still names the port of its HTTP server, where ``/status`` is not found.
    Asked directly (no proxy of the environment), for at most :data:`HANDSHAKE_SECONDS`."""
    import http.client  # noqa: PLC0415
    from urllib.parse import urlsplit  # noqa: PLC0415

    try:
        parts = urlsplit(link)
        if parts.scheme != "http" or not parts.hostname:
            return ""
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=HANDSHAKE_SECONDS)
        try:
            conn.request("GET", parts.path or "/")
            status = conn.getresponse().status
        finally:
            conn.close()
    except (OSError, ValueError, http.client.HTTPException):
        return ""
    return link if status == 200 else ""


class DaskExecutor:
    """A running Dask distributed scheduler (``tcp://host:8786``); its workers run the batches.

    The workers must see the root and output folders at the same paths (one machine, or a
    shared file system), and the scheduler and the workers must import this package (it
    unpickles each task too): start both from the project folder with ``PYTHONPATH=.``.
    """

    def __init__(self, address: str, timeout: float = 20.0) -> None:
        from distributed import Client  # noqa: PLC0415

        host, port = _scheduler_address(address)
        _answers_as_dask(address, host, port, min(timeout, HANDSHAKE_SECONDS))
        try:
            self._client = Client(f"tcp://{host}:{port}", timeout=timeout)
        except (ValueError, TypeError) as exc:  # what the address check above let through
            raise EnvironmentProblem(
                f"Alamat penjadwal Dask '{address}' tidak dapat dipakai; tulis seperti "
                "tcp://127.0.0.1:8786."
            ) from exc
        except (OSError, TimeoutError) as exc:
            raise EnvironmentProblem(
                f"Tidak dapat terhubung ke penjadwal Dask {address} ({_net_reason(exc)}); "
                "periksa alamatnya dan bahwa `dask scheduler` sedang berjalan."
            ) from exc
        try:
            self._client.wait_for_workers(1, timeout=timeout)
            versions = self._client.run(_probe)
        except (OSError, TimeoutError) as exc:
            self._client.close()
            raise EnvironmentProblem(
                f"Penjadwal Dask {address} tidak memiliki worker yang siap dalam "
                f"{timeout:g} detik; jalankan `dask worker {address}`."
            ) from exc
        except Exception as exc:  # the worker could not unpickle the probe: no package there
            self._client.close()
            raise EnvironmentProblem(
                "Worker Dask tidak dapat memuat paket pipeline; jalankan worker dari folder "
                "proyek dengan PYTHONPATH=. dan lingkungan Python yang sama."
            ) from exc
        try:  # the scheduler unpickles every task too, so it must import the package as well
            self._client.run_on_scheduler(_probe)
        except Exception as exc:
            self._client.close()
            raise EnvironmentProblem(
                f"Penjadwal Dask {address} tidak dapat memuat paket pipeline; jalankan "
                "`dask scheduler` dari folder proyek dengan PYTHONPATH=. dan lingkungan Python "
                "yang sama."
            ) from exc
        self._code = code_version()
        other = sorted({str(v) for v in versions.values() if v != self._code})
        if other:
            self._client.close()
            raise EnvironmentProblem(
                f"Worker Dask memakai kode pipeline lain ({', '.join(other)}, bukan "
                f"{self._code}); jalankan ulang worker dari folder proyek yang sama dengan "
                "lingkungan Python yang sama."
            )
        self.address = address
        self.workers = max(1, sum(self._client.nthreads().values()))
        self.description = f"Dask {address}, {len(versions)} worker"
        self.dashboard = _dashboard(str(self._client.dashboard_link or ""))

    def _lost(self) -> EnvironmentProblem:
        """The scheduler went away mid-run (stopped, killed, its machine gone): the client's
        futures are cancelled and none of the work can come back."""
        return EnvironmentProblem(
            f"Koneksi ke penjadwal Dask {visible(self.address)} terputus di tengah proses "
            "(penjadwal dihentikan?); keluaran sebelumnya tidak diubah. Jalankan lagi `dask "
            "scheduler` dan worker-nya, lalu ulangi perintah ini."
        )

    def _connected(self) -> bool:
        return bool(self._client.status == "running")

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        if not self._connected():
            raise self._lost()
        return self._client.submit(_checked, self._code, fn, *args, pure=False)

    def first_done(self, futures: list[Any]) -> Any:
        """The first of ``futures`` done; an :class:`EnvironmentProblem` when the scheduler
        is gone, or has had no worker for :data:`NO_WORKER_SECONDS` (its tasks would wait for
        one for ever, the progress line counting on)."""
        from distributed import wait  # noqa: PLC0415

        alone_since: float | None = None
        while True:
            try:
                done, _ = wait(futures, timeout=CHECK_SECONDS, return_when="FIRST_COMPLETED")
                return next(f for f in futures if f in done)
            except TimeoutError:
                pass
            except Exception:
                if not self._connected():  # every future was cancelled with the connection
                    raise self._lost() from None
                raise
            if not self._connected():
                raise self._lost()
            if self._has_workers():
                alone_since = None
                continue
            now = time.monotonic()
            alone_since = now if alone_since is None else alone_since
            if now - alone_since >= NO_WORKER_SECONDS:
                raise EnvironmentProblem(
                    f"Penjadwal Dask {visible(self.address)} tidak lagi memiliki worker selama "
                    f"{NO_WORKER_SECONDS:g} detik (worker dihentikan?); keluaran sebelumnya tidak "
                    f"diubah. Jalankan `dask worker {visible(self.address)}`, lalu ulangi "
                    "perintah ini."
                )

    def _has_workers(self) -> bool:
        try:
            return bool(self._client.nthreads())
        except Exception:  # the scheduler did not answer: the connection check says why
            return True

    def result(self, future: Any) -> Any:
        try:
            return future.result()
        except Exception:
            if not self._connected():
                raise self._lost() from None
            raise
        finally:
            if self._connected():
                future.release()

    def close(self) -> None:
        self._client.close()

    def worker_died(self, exc: BaseException) -> str:
        """A task given up on by the scheduler (``KilledWorker``): each worker that ran it died
        (its nanny restarted it, e.g. past its memory limit), as many times as Dask allows."""
        if type(exc).__name__ != "KilledWorker":
            return ""
        return (
            "Setiap Pemda yang dijalankan menghentikan worker Dask yang menjalankannya, juga "
            "saat diulang sendiri: batas memori worker (opsi --memory-limit `dask worker`) "
            "kemungkinan terlalu kecil; keluaran sebelumnya tidak diubah. Jalankan worker "
            "dengan batas memori yang lebih besar, lalu ulangi."
        )
