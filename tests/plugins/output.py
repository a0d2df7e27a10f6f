"""Capturing what invocations running at once on threads print (log lines, EMF metric blobs)."""

from __future__ import annotations

import io
import threading


class LinesPerThread(io.TextIOBase):
    """A stdout for many threads at once: `print` writes a line and its newline in two calls, so two threads
    printing together could splice their lines; here each thread's text is assembled into lines of its own."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._partial: dict[int, str] = {}
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            pending = self._partial.get(threading.get_ident(), "") + text
            *complete, self._partial[threading.get_ident()] = pending.split("\n")
            self.lines.extend(line for line in complete if line.strip())
        return len(text)
