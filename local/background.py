"""A daemon thread that polls until stopped: what the queue pump and the stream pump share."""

from __future__ import annotations

import logging
import threading
from typing import Self

log = logging.getLogger("local.background")


class BackgroundPoller:
    """Mixin: `start()`/`stop()` a thread calling `poll_once()`; it idles `poll_interval` when nothing came.

    Subclasses set `poll_interval`, `thread_name`, `_stop` (an Event, also read by their own waits)
    and `_thread` in `__init__`, and implement `poll_once() -> bool` (True when it did some work).
    """

    thread_name = "local-poller"
    poll_interval: float
    _stop: threading.Event
    _thread: threading.Thread | None

    def poll_once(self) -> bool:
        raise NotImplementedError

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.poll_once()
            except Exception:  # keep polling: one bad pass must not stop every consumer
                log.exception("%s pass failed", self.thread_name)
                busy = False
            if not busy:
                self._stop.wait(self.poll_interval)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
