"""Helper processes that load their libraries early and later write one part of the outputs.

Once a city report is scored, most of what is left is writing: the workbook, one feedback
workbook per OPD (openpyxl) and five PNG charts (matplotlib, which alone takes about half a
second to import). The parts do not depend on each other. ``report`` therefore starts a helper
per part first thing: each imports what its part needs while this process imports
great-expectations and the files are read; once the run is scored, each helper is sent the run
and writes its part while this process writes the workbook. On two cores that overlaps the
import and the writing; the files written are the same either way.

The helpers are started from a background thread: starting the first one waits for the
process server to load its modules (pandas, about half a second), time this process spends on
its own imports instead.

A helper that is not there, died, or cannot be sent the run leaves its part to this process,
written as before; an error raised while writing (a full disk) is raised here as it would be
without a helper.
"""

from __future__ import annotations

import importlib
import os
import tempfile
import threading
import traceback
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any

from pipeline.isolate import _context, server_started

READY = "siap"


class HelperError(RuntimeError):
    """An error raised by a part written in a helper, with the helper's traceback."""


def _serve(conn: Connection, modules: tuple[str, ...]) -> None:
    """Helper process: import ``modules``, then run one call sent by the parent.

    Temporary files (openpyxl writes each sheet to one before zipping) go to a folder in
    memory when the system has one: on a disk each costs milliseconds to create and remove.
    """
    from pipeline.isolate import ignore_interrupt  # noqa: PLC0415
    from pipeline.xlsx_safe import memory_tempdir  # noqa: PLC0415

    ignore_interrupt()
    tempfile.tempdir = memory_tempdir() or tempfile.tempdir
    try:
        _import_in_background(modules)
        conn.send(READY)
        try:
            call = conn.recv()
        except (EOFError, OSError):
            return
        if call is None:
            return
        func, args = call
        try:
            conn.send(("ok", func(*args)))
        except (BrokenPipeError, ConnectionResetError, EOFError):
            return  # the parent is gone (killed): nobody to tell
        except BaseException as exc:  # everything reaches the parent, which decides
            try:
                conn.send(("error", exc))
            except (BrokenPipeError, ConnectionResetError, EOFError):
                return
            except Exception:  # an exception that cannot be pickled: its text
                conn.send(("error", HelperError(traceback.format_exc())))
    except (BrokenPipeError, ConnectionResetError, EOFError):
        return  # the parent died while this helper started: end quietly
    finally:
        conn.close()


IMPORT_NICE = 10  # how much lower the importing thread's priority is than the process's


def _import_in_background(modules: tuple[str, ...]) -> None:
    """Import ``modules`` in a thread of lower priority, then return (in this thread).

    The imports run while the main process imports great-expectations and reads the spec, the
    slowest stretch of a small run: on two cores, a helper importing at full priority takes
    time from it. On Linux the priority is the thread's own, so the part itself is later
    written at the process's normal priority. An import error is raised here.
    """
    failed: list[BaseException] = []

    def work() -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, IMPORT_NICE)  # this thread only, on Linux
        except (OSError, AttributeError):  # not allowed or not there: import all the same
            pass
        try:
            for name in modules:
                importlib.import_module(name)
        except BaseException as exc:
            failed.append(exc)

    thread = threading.Thread(target=work, name="penulis-impor", daemon=True)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


class Helper:
    """One helper process, started at once; it imports ``modules`` in the background."""

    def __init__(self, modules: tuple[str, ...]) -> None:
        # Every part's writer needs pandas: loaded once by the server the helpers are forked
        # from (when they start it, as a report does first thing), not once by each helper.
        ctx = server_started(_context("pandas"))
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(
            target=_serve, args=(child, modules), daemon=True, name="penulis-keluaran"
        )
        self.proc.start()
        child.close()
        self.busy = False
        self.dead = False
        self._lock = threading.Lock()
        self._sent = False
        self._taken_back = False
        self._sender: threading.Thread | None = None

    def submit(self, func: Callable[..., Any], args: tuple[Any, ...]) -> bool:
        """Hand one call (module-level ``func``) to the helper; False when it cannot take it.

        The call is pickled here, at once (nothing else touches its arguments meanwhile), and
        sent by a background thread as soon as the helper has its libraries: this process goes
        on with its own part instead of waiting for the helper's imports, which on a busy
        machine, at their lower priority, can take seconds. Until it is sent, the call can be
        taken back (:meth:`take_back`).
        """
        if self.busy or self.dead or not self.proc.is_alive():
            return False
        try:
            payload = ForkingPickler.dumps((func, args))
        except Exception:  # an argument that cannot be pickled: written here instead
            return False
        self.busy = True
        self._sent = False
        self._taken_back = False
        self._sender = threading.Thread(
            target=self._send, args=(payload,), name="penulis-kirim", daemon=True
        )
        self._sender.start()
        return True

    def _send(self, payload: Any) -> None:
        try:
            ready = self.conn.recv() == READY  # waits for the imports to finish
        except (EOFError, OSError, ValueError):
            return
        with self._lock:
            if not ready or self._taken_back:
                return
            try:
                self.conn.send_bytes(payload)
            except (OSError, ValueError):
                return
            self._sent = True

    def take_back(self) -> bool:
        """True when the call was not sent yet: it is no longer sent (the caller writes it)."""
        with self._lock:
            if self._sent:
                return False
            self._taken_back = True
            return True

    def result(self) -> tuple[bool, Any]:
        """``(True, value)`` of the call (waiting for the helper's imports, then for the call),
        or ``(False, None)`` when the helper died or the call was taken back."""
        if self._sender is not None:
            self._sender.join()
        if not self._sent:
            self.busy = False
            return False, None
        try:
            status, value = self.conn.recv()
        except (EOFError, OSError):
            self.dead = True
            return False, None
        finally:
            self.busy = False
        if status == "error":
            raise value
        return True, value

    def close(self) -> None:
        """Stop the helper; one still importing or writing (a run that ended early) is killed."""
        self.take_back()  # a call not sent yet is not sent now
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.proc.join(timeout=0.5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=5)
        if self._sender is not None:  # it sees the helper's end closed and stops
            self._sender.join(timeout=5)
        self.conn.close()


class Job:
    """One part of the outputs: in a helper when one took it, else written here on demand."""

    def __init__(
        self, helper: Helper | None, func: Callable[..., Any], args: tuple[Any, ...]
    ) -> None:
        self.func, self.args = func, args
        self.helper = helper if helper is not None and helper.submit(func, args) else None
        self._written = False
        self._value: Any = None

    def claim(self) -> None:
        """Write the part here now unless a helper has started it (one still importing, on a
        busy machine, is not waited for); :meth:`result` then returns what was written."""
        if self._written or (self.helper is not None and not self.helper.take_back()):
            return
        self.helper = None  # it gets nothing more; it is stopped with the others
        self._value, self._written = self.func(*self.args), True

    def result(self) -> Any:
        if self._written:
            return self._value
        if self.helper is not None:
            done, value = self.helper.result()
            if done:
                return value
        return self.func(*self.args)


class Helpers:
    """Named helpers (``{"charts": modules, ...}``), started together; a context manager.

    They are started by a background thread (when the process server is used: a ``fork`` is
    never made while this process may hold an import lock in another thread), so creating
    :class:`Helpers` returns at once; :meth:`job` and :meth:`close` wait for the starting to end.
    """

    def __init__(self, parts: Mapping[str, tuple[str, ...]]) -> None:
        self._parts = dict(parts)
        self._helpers: dict[str, Helper] = {}
        self._starting: threading.Thread | None = None
        if self._parts and _context().get_start_method() != "fork":
            self._starting = threading.Thread(
                target=self._start, name="penulis-mulai", daemon=True
            )
            self._starting.start()
        else:
            self._start()

    def _start(self) -> None:
        try:
            for name, modules in self._parts.items():
                self._helpers[name] = Helper(modules)
        except Exception:  # no helper at all is a slower run, not a failed one
            for helper in self._helpers.values():
                helper.close()
            self._helpers = {}

    @property
    def helpers(self) -> dict[str, Helper]:
        """The helpers started (after waiting for the starting to end)."""
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        return self._helpers

    def job(self, name: str, func: Callable[..., Any], *args: Any) -> Job:
        """Start ``func(*args)`` in the helper named ``name`` (or later, here)."""
        return Job(self.helpers.get(name), func, args)

    def close(self) -> None:
        for helper in self.helpers.values():
            helper.close()
        self._helpers = {}

    def __enter__(self) -> Helpers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
