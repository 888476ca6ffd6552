"""Read every input file in its own worker process, with a time and a memory limit.

A hostile workbook can do more than raise: a sheet whose cells span A1:XFD1048576 makes the
Rust reader try to allocate hundreds of gigabytes and abort the whole process. So each file is
read by :func:`pipeline.ingest.read_submission` in a child process (forked from a clean
``forkserver``, never from this possibly threaded process) whose address space is capped; the
parent waits with a deadline. A child that dies, is killed or runs out of time becomes one ERROR
issue for its file, and the run goes on with the others.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import resource
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from pipeline.ingest import Submission, read_submission, sniff
from pipeline.issues import ERROR


@dataclass(frozen=True)
class Limits:
    """Per-file limits: wall-clock seconds, address space (MiB), parallel workers."""

    seconds: float = 60.0
    memory_mb: int = 1536
    workers: int = 2


def _work(conn: Connection, path: str, name: str, memory_mb: int) -> None:
    """Child process: cap memory, read one file, send the Submission back."""
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send(read_submission(Path(path), display_name=name))
    except BaseException as exc:  # MemoryError included; the parent gets a clear record
        failed = Submission(path=Path(path), name=name, size=0, sha256="")
        failed.issue(
            "berkas.tidak_terbaca",
            ERROR,
            f"Berkas tidak dapat diproses ({type(exc).__name__}).",
            found=str(exc)[:200],
            expected="templat .xlsx",
        )
        conn.send(failed)
    finally:
        conn.close()


def _failure(path: Path, name: str, reason: str, found: str) -> Submission:
    sub = Submission(
        path=path, name=name, size=path.stat().st_size if path.exists() else 0, sha256=""
    )
    try:
        data = path.read_bytes()
        sub.sha256 = hashlib.sha256(data).hexdigest()
        sub.jenis = sniff(path, data[:8])[0]
    except OSError:
        pass
    sub.issue(
        "berkas.pembaca_gagal", ERROR, reason, found=found, expected="templat .xlsx yang wajar"
    )
    return sub


def _context() -> Any:
    """``forkserver``: workers start from a clean process preloaded with the reader.

    A forkserver worker re-imports the caller's ``__main__`` when it is a plain script (or
    fails to, when the program came from stdin); a script without an ``if __name__ ==
    "__main__"`` guard would then run again in every worker. For such callers use ``fork``,
    unless the caller is a daemonic process: a Dask worker is one, started by the (guarded)
    ``dask`` script, and runs threads that a fork could copy while they hold a lock.
    ``python -m pipeline``, pytest and notebooks take the forkserver path.
    """
    main = sys.modules.get("__main__")
    plain_script = getattr(main, "__file__", None) and getattr(main, "__spec__", None) is None
    if plain_script and not mp.current_process().daemon:
        return mp.get_context("fork")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["pipeline.ingest"])
    return ctx


_DAEMON_FLAG = threading.Lock()


@contextmanager
def _may_start_children() -> Iterator[None]:
    """Let a daemonic process (a Dask worker runs tasks in one) start reader processes.

    multiprocessing refuses children to a daemonic process because it may be ended without
    cleaning up; the readers are daemonic themselves, joined or killed before
    :func:`read_files` returns, so the flag is lifted just while one starts.
    """
    with _DAEMON_FLAG:
        me = mp.current_process()
        daemonic = me.daemon
        if daemonic:
            me.daemon = False
        try:
            yield
        finally:
            if daemonic:
                me.daemon = True


def read_files(
    files: list[tuple[Path, str]],
    limits: Limits | None = None,
    target: Callable[..., None] | None = None,
) -> list[Submission]:
    """Read ``(path, display name)`` pairs in isolated workers; results in input order.

    ``target`` replaces the worker function (tests use it to simulate a hang or a crash).
    """
    limits = limits or Limits()
    if not files:
        return []
    ctx = _context()
    work = target or _work
    results: list[Submission | None] = [None] * len(files)
    pending = list(enumerate(files))
    running: dict[Any, tuple[int, Any, float]] = {}
    while pending or running:
        while pending and len(running) < max(1, limits.workers):
            index, (path, name) = pending.pop(0)
            receive, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=work, args=(send, str(path), name, limits.memory_mb), daemon=True
            )
            with _may_start_children():
                proc.start()
            send.close()
            running[receive] = (index, proc, time.monotonic())
        for ready in wait(list(running), timeout=0.05):
            conn: Connection = ready  # type: ignore[assignment]
            index, proc, _ = running.pop(conn)
            path, name = files[index]
            try:
                results[index] = conn.recv()
            except (EOFError, OSError):
                proc.join(timeout=5)
                results[index] = _failure(
                    path,
                    name,
                    "Pembaca berkas berhenti mendadak (misalnya kehabisan memori karena ukuran "
                    "sheet tidak wajar). Berkas ditolak; simpan ulang dari templat asli tanpa "
                    "menambah baris atau kolom.",
                    f"kode keluar {proc.exitcode}",
                )
            finally:
                conn.close()
                proc.join(timeout=5)
        now = time.monotonic()
        for conn, (index, proc, started) in list(running.items()):
            if now - started > limits.seconds:
                proc.kill()
                proc.join(timeout=5)
                conn.close()
                del running[conn]
                path, name = files[index]
                results[index] = _failure(
                    path,
                    name,
                    f"Membaca berkas melebihi batas waktu {limits.seconds:g} detik; berkas "
                    "ditolak. Simpan ulang dari templat asli.",
                    f"> {limits.seconds:g} detik",
                )
    return [r for r in results if r is not None]
