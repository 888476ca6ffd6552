"""A progress line on stderr for long runs: files read out of the total, time spent, time left.

It stays quiet when stderr is not a terminal (logs, pipes, scheduled jobs, tests) and during the
first second, so short runs print nothing extra. The line is rewritten in place and wiped when
the files are read.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from pipeline import fmt


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} dtk"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} mnt {rest:02d} dtk"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} jam {minutes:02d} mnt"


def progress_text(done: int, total: int, elapsed: float) -> str:
    """``Membaca berkas 1.234/5.000 (25%) · 4 dtk berjalan · sisa ± 12 dtk``."""
    share = done / total * 100 if total else 100.0
    text = (
        f"Membaca berkas {fmt.angka(done, 0)}/{fmt.angka(total, 0)} ({share:.0f}%) · "
        f"{_duration(elapsed)} berjalan"
    )
    if 0 < done < total:
        text += f" · sisa ± {_duration(elapsed / done * (total - done))}"
    return text


class ProgressLine:
    """Callable as ``progress(done, total)`` from any thread; :meth:`close` wipes the line."""

    def __init__(
        self, stream: TextIO | None = None, delay: float = 1.0, interval: float = 0.25
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.delay = delay
        self.interval = interval
        self.started = time.monotonic()
        self._last = 0.0
        self._width = 0
        self._lock = threading.Lock()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < self.delay or (now - self._last < self.interval and done < total):
            return
        with self._lock:
            self._last = now
            text = progress_text(done, total, now - self.started)
            pad = max(0, self._width - len(text))
            self.stream.write("\r" + text + " " * pad)
            self.stream.flush()
            self._width = len(text)

    def close(self) -> None:
        """Wipe the line (when one was shown)."""
        with self._lock:
            if self.enabled and self._width:
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()
                self._width = 0
