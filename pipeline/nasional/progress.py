"""One progress line on stderr while a national run works: what it is doing, Pemda and files
done, elapsed time, an estimate of what remains. Quiet when stderr is not a terminal (logs,
pipes, tests).

The line is shown from the start (while the Pemda folders are looked through) to the end (while
the national outputs are written), and its clock moves every second even while no batch comes
back: a batch of a large province can take a minute on a slow worker, and a line that stands
still that long looks like a run that hangs.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from pipeline import fmt

LOOKING = "Memeriksa folder Pemda"
WRITING = "Menulis keluaran nasional"


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return (
        f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    )


class Progress:
    """``Pemda 120/542 · berkas 4.680/21.138 · 0:23 berjalan · sisa ±0:58``, or a stage
    (``Memeriksa folder Pemda · 0:02 berjalan``) before the first and after the last Pemda.

    ``tick`` (seconds) redraws the line from a thread of its own while nothing else does
    (0: only when told); ``clock`` is the time source.
    """

    def __init__(
        self,
        pemda: int,
        files: int,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        tick: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.pemda, self.files = pemda, files
        self.pemda_done = self.files_done = 0
        self.clock = clock
        self.started = clock()
        self.stage = ""
        self._finish_at: float | None = None  # the estimated end, as of the last advance
        self._width = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if self.enabled and tick > 0:
            self._ticker = threading.Thread(
                target=self._tick, args=(tick,), name="kemajuan", daemon=True
            )
            self._ticker.start()

    def _tick(self, every: float) -> None:
        while not self._stop.wait(every):
            self.show()

    def begin(self, pemda: int, files: int) -> None:
        """The totals, once the Pemda folders are known: from now on the counts are shown."""
        with self._lock:
            self.pemda, self.files, self.stage = pemda, files, ""
        self.show()

    def set_stage(self, text: str) -> None:
        """Show ``text`` instead of the counts (``''``: the counts again)."""
        with self._lock:
            self.stage = text
        self.show()

    def note(self, text: str) -> None:
        """A line of its own (e.g. the Dask dashboard address), shown on a terminal only."""
        if self.enabled:
            with self._lock:
                self._clear()
                print(text, file=self.stream, flush=True)
            self.show()

    def advance(self, pemda: int, files: int) -> None:
        with self._lock:
            self.pemda_done += pemda
            self.files_done += files
            now = self.clock()
            done = self._share()
            self._finish_at = now + (now - self.started) * (1 - done) / done if done > 0 else None
        self.show()

    def _share(self) -> float:
        if self.files:
            return self.files_done / self.files
        return self.pemda_done / max(1, self.pemda)

    def line(self) -> str:
        now = self.clock()
        elapsed = _clock(now - self.started)
        if self.stage:
            return f"{self.stage} · {elapsed} berjalan"
        remaining = (
            f"sisa ±{_clock(max(0.0, self._finish_at - now))}"
            if self._finish_at is not None
            else "sisa ?"
        )
        return (
            f"Pemda {fmt.angka(self.pemda_done, 0)}/{fmt.angka(self.pemda, 0)} · berkas "
            f"{fmt.angka(self.files_done, 0)}/{fmt.angka(self.files, 0)} · "
            f"{elapsed} berjalan · {remaining}"
        )

    def show(self) -> None:
        if not self.enabled:
            return
        with self._lock:
            if self._stop.is_set():
                return
            text = self.line()
            print("\r" + text.ljust(self._width), end="", file=self.stream, flush=True)
            self._width = len(text)

    def _clear(self) -> None:
        if self._width:
            print("\r" + " " * self._width + "\r", end="", file=self.stream, flush=True)
            self._width = 0

    def close(self) -> None:
        """Stop the clock and wipe the line (the run prints its summary next)."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self.enabled:
            with self._lock:
                self._clear()
