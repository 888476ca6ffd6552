"""Read the input files in a pool of worker processes, with a time and a memory limit per file.

A hostile workbook can do more than raise: a sheet whose cells span A1:XFD1048576 makes the
Rust reader try to allocate hundreds of gigabytes and abort the whole process. So files are read
by :func:`pipeline.ingest.read_submission` in worker processes (forked from a clean
``forkserver``, never from this possibly threaded process) whose address space is capped, while
the parent watches the clock.

The workers are kept warm: each reads a batch of files, sending one result per file, then asks
for the next batch, so a run pays a few process starts instead of one per file. The limits stay
per file: the parent knows which file a worker is on (results come in batch order) and since
when, and kills a worker whose file runs past the time limit; that file alone is rejected and
the rest of its batch is read again. A worker that dies (an abort, the memory cap) takes no file
down with it by guesswork: the files of its batch that had no result yet are read again one at a
time, each in a fresh worker, so only the file that kills a worker on its own is rejected and
its neighbours are read normally.

:func:`start_reading` returns at once and reads in the background (the caller can meanwhile
import great-expectations and read the master spec); :meth:`Reading.result` waits for the files.
"""

from __future__ import annotations

import gc
import math
import multiprocessing as mp
import os
import resource
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from pipeline.ingest import Submission, file_digest, read_submission, sniff
from pipeline.issues import ERROR

Reader = Callable[[Path, str], Submission]
Progress = Callable[[int, int], None]
READY = "siap"
STARTUP_SECONDS = 120.0  # a worker that cannot even start within this is treated as dead
# A reader's garbage collector: the youngest generation collected after this many new objects
# instead of 700. Reading a file makes and drops tens of thousands of small objects (cells,
# rows) and keeps next to none: the default collections walk them again and again for nothing.
GC_THRESHOLD = (20_000, 20, 20)
# How much a reader yields the processor to the process its files go to (``nice``). That
# process is the run's critical path: it reads the master spec, checks each file as it comes
# and then scores, while the readers' work can wait for any free moment. At equal priority on
# two cores the two readers and it shared the cores three ways and it got about 0.7 of one.
# Measured at 5,000 files: wall time per busy CPU second 0.60-0.62 at 0, 0.57-0.58 at 4 and
# at 10. At 5 a reader still gets a third of a core against any process of normal priority,
# so a file does not reach its time limit by waiting.
READER_NICE = 5


def default_workers() -> int:
    """Worker processes to use: the processors this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Limits:
    """Per-file limits (wall-clock seconds, address space in MiB) and the pool's size.

    ``batch`` is how many files a worker is handed at once (0: chosen from the number of files
    and workers, between 1 and 64).
    """

    seconds: float = 60.0
    memory_mb: int = 1536
    workers: int = field(default_factory=default_workers)
    batch: int = 0


def _read(reader: Reader, path: str, name: str) -> tuple[Submission, bool]:
    """One file in a worker; an exception becomes the file's issue. True: the worker must stop."""
    try:
        return reader(Path(path), name), False
    except BaseException as exc:  # MemoryError included; the parent gets a clear record
        failed = Submission(path=Path(path), name=name, size=0, sha256="")
        if isinstance(exc, MemoryError):  # a part that inflates far beyond what it declares
            message = (
                "Pembaca berkas kehabisan memori: isi berkas jauh lebih besar dari yang wajar "
                "untuk templat (bagian yang mengembang tidak wajar atau rusak). Berkas ditolak; "
                "simpan ulang dari templat asli lalu kirim kembali."
            )
            found = "kehabisan memori"
        else:  # the library's own words are English: its name only, beside our sentence
            message = (
                f"Berkas tidak dapat diproses ({type(exc).__name__}). Berkas ditolak; simpan "
                "ulang dari templat asli lalu kirim kembali."
            )
            found = type(exc).__name__
        failed.issue("berkas.tidak_terbaca", ERROR, message, found=found, expected="templat .xlsx")
        # After running out of memory (or an interrupt) this process is not trusted further.
        return failed, not isinstance(exc, Exception) or isinstance(exc, MemoryError)


def ignore_interrupt() -> None:
    """In a helper process: leave Ctrl-C to the command that started it. The command says in
    one sentence that it was stopped and ends its helpers; without this each of them printed
    a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _quiet() -> None:
    """In a reader process: its standard error goes nowhere. What a file does to the reader
    is told by the parent as that file's issue; the reader library's own last words (a Rust
    allocation failure, with RUST_BACKTRACE set a 139-line backtrace) would otherwise land on
    the clerk's terminal."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    os.dup2(null, 2)
    os.close(null)


def _serve(conn: Connection, memory_mb: int, reader: Reader) -> None:
    """Worker process: cap the address space, then read batches until told to stop."""
    ignore_interrupt()
    _quiet()
    limit = memory_mb * 1024 * 1024
    try:
        os.nice(READER_NICE)
    except OSError:  # not allowed here: read at the caller's priority
        pass
    # never above the limit the run itself was given (``ulimit -v``): asking for more fails,
    # and the reader would stop before its first file
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # What the worker started with (the reader's libraries) lives as long as it does: left out
    # of collections, which also run less often (:data:`GC_THRESHOLD`).
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        conn.send(READY)  # the clock of the first file starts now, not at the process start
        while True:
            try:
                job = conn.recv()
            except (EOFError, OSError):
                return
            if job is None:
                return
            for index, path, name in job:
                sub, stop = _read(reader, path, name)
                conn.send((index, sub))
                if stop:
                    return
    finally:
        conn.close()


def _failure(path: Path, name: str, reason: str, found: str) -> Submission:
    sub = Submission(
        path=path, name=name, size=path.stat().st_size if path.exists() else 0, sha256=""
    )
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
        sub.sha256 = file_digest(path, sub.size)
        sub.jenis = sniff(path, head)[0]
    except OSError:
        pass
    sub.issue(
        "berkas.pembaca_gagal", ERROR, reason, found=found, expected="templat .xlsx yang wajar"
    )
    return sub


def _died(path: Path, name: str, exitcode: int | None) -> Submission:
    return _failure(
        path,
        name,
        "Pembaca berkas berhenti mendadak (misalnya kehabisan memori karena ukuran sheet tidak "
        "wajar). Berkas ditolak; simpan ulang dari templat asli tanpa menambah baris atau "
        "kolom.",
        f"kode keluar {exitcode}",
    )


def _timed_out(path: Path, name: str, seconds: float) -> Submission:
    return _failure(
        path,
        name,
        f"Membaca berkas melebihi batas waktu {seconds:g} detik; berkas ditolak. Simpan ulang "
        "dari templat asli.",
        f"> {seconds:g} detik",
    )


_PRELOAD = ["pipeline.ingest"]  # what the server imports before it forks anyone


def _context(*preload: str) -> Any:
    """``forkserver``: workers start from a clean process preloaded with the reader (and with
    ``preload``, for processes that will all need it: the report's helpers need pandas, the
    readers do not; it counts only before the server has started).

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
    _PRELOAD.extend(name for name in preload if name not in _PRELOAD)
    ctx.set_forkserver_preload(list(_PRELOAD))
    return ctx


def start_server() -> None:
    """Start the server the reader processes are forked from (it imports the reader) now, in
    the background, rather than when the first file is read: a process that will read files
    calls this before its own set-up, so that the two overlap."""
    with _may_start_children():
        server_started(_context())


def server_started(ctx: Any) -> Any:
    """``ctx``, with its server started when it uses one (``forkserver``) and it is not running.

    Ctrl-C at a terminal reaches every process of the command; the server ignores it only once
    it has imported what it preloads (about a second), and before that it printed a traceback
    of its own under the command's one sentence. So the server starts with SIGINT blocked, as
    Python's own resource tracker does: a Ctrl-C meanwhile waits for this process (the command
    still stops) and is dropped by the server once it ignores it. The processes forked from the
    server inherit the block; each of them leaves Ctrl-C to the command anyway
    (:func:`ignore_interrupt`).
    """
    if ctx.get_start_method() != "forkserver":
        return ctx
    from multiprocessing import forkserver, resource_tracker  # noqa: PLC0415

    # The server starts the resource tracker first, and that start unblocks SIGINT when done
    # (its own protection, the same): so the tracker is started before, outside the block.
    resource_tracker.ensure_running()
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    return ctx


@contextmanager
def interrupt_deferred() -> Iterator[None]:
    """Ctrl-C held until the block is done: for starting processes from the main thread.

    Python raises Ctrl-C in the main thread at any point, so also halfway through starting a
    process: after asking the helper server for it, before the pool recorded it. That process
    was then started for a command that had stopped, and failed on its removed semaphores
    with a traceback. Held, the Ctrl-C is raised right after the block (at most the server's
    start, about a second, later). Other threads never see Ctrl-C: nothing changes there.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: pressed.append(signum))
    try:
        yield
    finally:
        # a handler set outside Python reads as None: the default is what can be restored
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
        if pressed and callable(previous):
            previous(signal.SIGINT, None)
        elif pressed and previous in (None, signal.SIG_DFL):
            signal.raise_signal(signal.SIGINT)


_DAEMON_FLAG = threading.Lock()


@contextmanager
def _may_start_children() -> Iterator[None]:
    """Let a daemonic process (a Dask worker runs tasks in one) start reader processes.

    multiprocessing refuses children to a daemonic process because it may be ended without
    cleaning up; the readers are daemonic themselves, stopped or killed before the reading
    ends, so the flag is lifted just while one starts.
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


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    solo: bool  # reads one file, then stops (a file read again on its own)
    started: float = field(default_factory=time.monotonic)
    ready: bool = False  # set up and reading (the time limit applies from then on)
    batch: deque[int] = field(default_factory=deque)
    since: float = 0.0  # when the file at the head of the batch started


def batch_size(files: int, workers: int) -> int:
    """Files per batch: about eight batches per worker, between 1 and 64 files."""
    return max(1, min(64, math.ceil(files / (max(1, workers) * 8))))


class Reading:
    """Files being read by a worker pool; :meth:`result` waits and returns them in order.

    With the ``forkserver`` start method the pool is driven by a background thread, so the
    caller's thread is free meanwhile; with ``fork`` (plain-script callers) nothing may fork
    while another thread runs, so the pool is driven by :meth:`result` itself.
    """

    def __init__(
        self,
        files: list[tuple[Path, str]],
        limits: Limits | None = None,
        reader: Reader | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.files = files
        self.limits = limits or Limits()
        self.reader: Reader = reader or read_submission
        self.progress = progress
        self._results: list[Submission | None] = [None] * len(files)
        self._count = 0
        self._error: BaseException | None = None
        self._cancelled = threading.Event()
        self._done = threading.Event()
        self._arrived = threading.Condition()  # notified at each file read and at the end
        self._ctx: Any = _context()
        self._thread: threading.Thread | None = None
        if files and self._ctx.get_start_method() != "fork":
            self._thread = threading.Thread(target=self._drive, name="pembaca", daemon=True)
            self._thread.start()

    def result(self) -> list[Submission]:
        """Wait for every file; the Submissions come in the order the files were given."""
        if self._thread is not None:
            self._thread.join()
        elif not self._done.is_set():
            self._drive()
        if self._error is not None:
            raise self._error
        return [r for r in self._results if r is not None]

    def arrived(self, start: int = 0, stop: int | None = None) -> Iterator[Submission]:
        """The Submissions in file order, each as soon as it and the files before it are read
        (the caller can check a file while the next are read); without a background thread
        (the ``fork`` start method), all of them once every file is read. ``start`` and
        ``stop``: only the files in that range of positions."""
        stop = len(self.files) if stop is None else stop
        if self._thread is None:
            self.result()
            yield from (r for r in self._results[start:stop] if r is not None)
            return
        for index in range(start, stop):
            with self._arrived:
                self._arrived.wait_for(
                    lambda: self._done.is_set() or self._results[index] is not None  # noqa: B023
                )
            if self._error is not None:
                raise self._error
            sub = self._results[index]
            if sub is not None:
                yield sub

    def cancel(self) -> None:
        """Stop reading (the workers are stopped; :meth:`result` returns what was read)."""
        self._cancelled.set()
        if self._thread is not None:
            self._thread.join()

    # -- the pool -------------------------------------------------------------------------

    def _drive(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # a bug in the pool must reach the caller's thread
            self._error = exc
        finally:
            with self._arrived:
                self._done.set()
                self._arrived.notify_all()

    def _start(self, solo: bool) -> _Worker:
        receive, send = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(
            target=_serve,
            args=(send, self.limits.memory_mb, self.reader),
            daemon=True,
            name="pembaca-berkas",
        )
        with _may_start_children():
            server_started(self._ctx)
            proc.start()
        send.close()
        return _Worker(proc, receive, solo)

    def _assign(self, worker: _Worker, indexes: list[int]) -> None:
        worker.batch = deque(indexes)
        worker.since = time.monotonic()  # a ready worker starts on the batch now
        job = [(i, str(self.files[i][0]), self.files[i][1]) for i in indexes]
        try:
            worker.conn.send(job)
        except OSError:
            pass  # a worker that died already: seen as an EOF by the loop

    def _stop(self, worker: _Worker, kill: bool = False) -> None:
        if kill:
            worker.proc.kill()
        else:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        worker.proc.join(timeout=5)
        if worker.proc.is_alive():
            worker.proc.kill()
            worker.proc.join(timeout=5)
        worker.conn.close()

    def _record(self, index: int, sub: Submission) -> None:
        with self._arrived:
            self._results[index] = sub
            self._arrived.notify_all()
        self._count += 1
        if self.progress is not None:
            self.progress(self._count, len(self.files))

    def _loop(self) -> None:
        limits = self.limits
        size = limits.batch or batch_size(len(self.files), limits.workers)
        order = list(range(len(self.files)))
        queue: deque[list[int]] = deque(order[i : i + size] for i in range(0, len(order), size))
        singles: deque[int] = deque()  # files to read again, each alone in a fresh worker
        live: list[_Worker] = []
        idle: list[_Worker] = []
        slots = max(1, limits.workers)
        try:
            while queue or singles or len(idle) < len(live):
                if self._cancelled.is_set():
                    return
                for worker in list(idle):  # idle pooled workers take the next batch, or stop
                    idle.remove(worker)
                    if queue and worker.proc.is_alive():
                        self._assign(worker, queue.popleft())
                    else:
                        live.remove(worker)
                        self._stop(worker)
                while len(live) < slots and (queue or singles):
                    if queue:
                        worker = self._start(solo=False)
                        self._assign(worker, queue.popleft())
                    else:
                        worker = self._start(solo=True)
                        self._assign(worker, [singles.popleft()])
                    live.append(worker)
                busy = [w for w in live if w.batch]
                now = time.monotonic()
                deadline = min((self._deadline(w) for w in busy), default=now + 0.1)
                timeout = max(0.0, min(0.1, deadline - now))
                ready = wait([w.conn for w in busy], timeout=timeout)
                for worker in busy:
                    if worker.conn not in ready:
                        continue
                    try:
                        message = worker.conn.recv()
                    except (EOFError, OSError):
                        self._on_death(worker, live, singles)
                        continue
                    if message == READY:
                        worker.ready = True
                        worker.since = time.monotonic()
                        continue
                    index, sub = message
                    worker.batch.popleft()
                    worker.since = time.monotonic()
                    self._record(index, sub)
                    if not worker.batch:
                        if worker.solo:
                            live.remove(worker)
                            self._stop(worker)
                        else:
                            idle.append(worker)
                now = time.monotonic()
                for worker in [w for w in live if w.batch]:
                    if now <= self._deadline(worker):
                        continue
                    if worker.ready:
                        self._on_timeout(worker, live, queue)
                    else:
                        worker.proc.kill()
                        self._on_death(worker, live, singles)
        finally:
            for worker in live:
                self._stop(worker, kill=bool(worker.batch) or self._cancelled.is_set())

    def _deadline(self, worker: _Worker) -> float:
        if worker.ready:
            return worker.since + self.limits.seconds
        return worker.started + max(STARTUP_SECONDS, self.limits.seconds)

    def _on_death(self, worker: _Worker, live: list[_Worker], singles: deque[int]) -> None:
        """A worker died: alone, its file is guilty; in a batch, the unread files go solo."""
        live.remove(worker)
        worker.proc.join(timeout=5)
        exitcode = worker.proc.exitcode
        worker.conn.close()
        if worker.solo:
            index = worker.batch[0]
            path, name = self.files[index]
            self._record(index, _died(path, name, exitcode))
        else:
            singles.extend(worker.batch)
        worker.batch.clear()

    def _on_timeout(self, worker: _Worker, live: list[_Worker], queue: deque[list[int]]) -> None:
        """The file at the head of the batch ran out of time: it alone is rejected."""
        live.remove(worker)
        index = worker.batch.popleft()
        rest = list(worker.batch)
        worker.batch.clear()
        self._stop(worker, kill=True)
        path, name = self.files[index]
        self._record(index, _timed_out(path, name, self.limits.seconds))
        if rest:
            queue.appendleft(rest)


class ReadingPart:
    """The files ``start:stop`` of a reading that other parts share: a national batch reads
    the files of all its Pemda with one reader process (starting one per Pemda cost more than
    reading a Pemda's files), and each Pemda waits only for its own. The limits are the
    reading's, per file, as always."""

    def __init__(self, reading: Reading, start: int, stop: int) -> None:
        self.reading, self.start, self.stop = reading, start, stop

    def result(self) -> list[Submission]:
        """Wait for the files of this part; their Submissions in file order."""
        return list(self.arrived())

    def arrived(self) -> Iterator[Submission]:
        """The Submissions of this part in file order, each as soon as it is read."""
        return self.reading.arrived(self.start, self.stop)

    def cancel(self) -> None:
        """Nothing here: the reading goes on for the other parts and is stopped as a whole."""


def start_reading(
    files: list[tuple[Path, str]],
    limits: Limits | None = None,
    reader: Reader | None = None,
    progress: Progress | None = None,
) -> Reading:
    """Start reading ``(path, display name)`` pairs in the background (see :class:`Reading`)."""
    return Reading(files, limits, reader, progress)


def read_files(
    files: list[tuple[Path, str]],
    limits: Limits | None = None,
    reader: Reader | None = None,
    progress: Progress | None = None,
) -> list[Submission]:
    """Read ``(path, display name)`` pairs in isolated workers; results in input order.

    ``reader`` replaces :func:`~pipeline.ingest.read_submission` in the workers (a module-level
    function; tests use it to simulate a hang or a crash).
    """
    return Reading(files, limits, reader, progress).result()
