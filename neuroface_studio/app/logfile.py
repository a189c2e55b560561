"""The desktop app's log file: what the operator never sees in a terminal.

Started from the desktop entry, the app has no terminal: warnings (a camera that streams another
frame rate than asked for, an unreadable track) and the traceback of an unexpected error would be
lost. :func:`start_file_log` sends them to ``data_home()/logs/neuroface-studio.log`` (rotated at
1 MB, 3 old files kept); Help → Log file… shows where it is. Patient data stays out of it: only
pseudonymous IDs and file names appear in messages.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from neuroface_studio.store.locations import data_home

LOG_NAME = "neuroface-studio.log"
_MARK = "_neuroface_file_log"


def log_path() -> Path:
    return data_home() / "logs" / LOG_NAME


def start_file_log(path: Path | None = None, level: int = logging.INFO) -> Path | None:
    """Attach the rotating log file to the root logger once; None when it cannot be written
    (a read-only home must not stop the app)."""
    root = logging.getLogger()
    for h in root.handlers:
        if getattr(h, _MARK, False):
            return Path(h.baseFilename)
    path = Path(path) if path is not None else log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(level)
    setattr(handler, _MARK, True)
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    for noisy in ("matplotlib", "PIL", "numba", "distributed", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path


def log_uncaught_exceptions() -> None:
    """Uncaught exceptions (e.g. in a Qt slot) go to the log file too, then to the previous hook."""
    previous = sys.excepthook
    if getattr(previous, _MARK, False):
        return

    def hook(kind, value, tb):
        logging.getLogger("neuroface_studio").critical("unexpected error", exc_info=(kind, value, tb))
        previous(kind, value, tb)

    setattr(hook, _MARK, True)
    sys.excepthook = hook


def stop_file_log() -> None:
    """Detach and close the log file (tests, and before the log folder is removed)."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, _MARK, False):
            root.removeHandler(h)
            h.close()
