"""Long work as plain functions: a progress callback and a cooperative cancel token.

The GUI adapts these to a QThread at its edge (gui/widgets/workers.py); the CLI prints progress.
"""

from __future__ import annotations

import threading
from typing import Protocol


class JobCancelled(Exception):
    """Raised inside a job when its cancel token was set; the job has cleaned up after itself."""


class CancelToken:
    """Thread-safe flag a job checks between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise JobCancelled("cancelled by the user")


class ProgressFn(Protocol):
    def __call__(self, done: int, total: int, message: str) -> None: ...


def no_progress(done: int, total: int, message: str) -> None:
    """A progress callback that ignores progress."""

