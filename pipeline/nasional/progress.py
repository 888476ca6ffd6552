"""One progress line on stderr while a national run works: Pemda and files done, elapsed time,
an estimate of what remains. Quiet when stderr is not a terminal (logs, pipes, tests)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from pipeline import fmt


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return (
        f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    )


class Progress:
    """``Pemda 120/542 · berkas 4.680/21.138 · 0:23 berjalan · sisa ±0:58``."""

    def __init__(
        self, pemda: int, files: int, stream: TextIO | None = None, enabled: bool | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.pemda, self.files = pemda, files
        self.pemda_done = self.files_done = 0
        self.started = time.monotonic()
        self._width = 0

    def note(self, text: str) -> None:
        """A line of its own (e.g. the Dask dashboard address), shown on a terminal only."""
        if self.enabled:
            self._clear()
            print(text, file=self.stream, flush=True)

    def advance(self, pemda: int, files: int) -> None:
        self.pemda_done += pemda
        self.files_done += files
        self.show()

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        done = self.files_done / self.files if self.files else self.pemda_done / max(1, self.pemda)
        remaining = f"sisa ±{_clock(elapsed * (1 - done) / done)}" if done > 0 else "sisa ?"
        return (
            f"Pemda {fmt.angka(self.pemda_done, 0)}/{fmt.angka(self.pemda, 0)} · berkas "
            f"{fmt.angka(self.files_done, 0)}/{fmt.angka(self.files, 0)} · "
            f"{_clock(elapsed)} berjalan · {remaining}"
        )

    def show(self) -> None:
        if not self.enabled:
            return
        text = self.line()
        print("\r" + text.ljust(self._width), end="", file=self.stream, flush=True)
        self._width = len(text)

    def _clear(self) -> None:
        if self._width:
            print("\r" + " " * self._width + "\r", end="", file=self.stream, flush=True)
            self._width = 0

    def close(self) -> None:
        if self.enabled and self._width:
            print(file=self.stream, flush=True)
            self._width = 0
