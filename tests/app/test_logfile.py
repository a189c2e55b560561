"""The desktop app's log file (app/logfile.py)."""

from __future__ import annotations

import logging
import sys

import pytest

from neuroface_studio.app import logfile


@pytest.fixture
def clean_root():
    root = logging.getLogger()
    level, hook = root.level, sys.excepthook
    yield root
    logfile.stop_file_log()
    root.setLevel(level)
    sys.excepthook = hook


def test_warnings_and_uncaught_errors_reach_the_file_once(tmp_path, clean_root):
    path = tmp_path / "logs" / "app.log"
    assert logfile.start_file_log(path) == path
    assert logfile.start_file_log(tmp_path / "other.log") == path  # attached once, whatever is asked later
    logging.getLogger("neuroface_studio.acquisition.realsense_live").warning("recording at 30 fps instead")
    seen = []
    sys.excepthook = lambda *a: seen.append(a)  # stands for Python's default hook
    logfile.log_uncaught_exceptions()
    logfile.log_uncaught_exceptions()  # wrapped once, not twice
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError:
        kind, value, tb = sys.exc_info()
    sys.excepthook(kind, value, tb)
    for h in logging.getLogger().handlers:
        h.flush()
    text = path.read_text()
    assert "WARNING neuroface_studio.acquisition.realsense_live: recording at 30 fps instead" in text
    assert "CRITICAL neuroface_studio: unexpected error" in text and "RuntimeError: boom in a slot" in text
    assert len(seen) == 1 and seen[0][1] is value  # the previous hook still runs, once
    assert text.count("recording at 30 fps") == 1 and text.count("RuntimeError: boom in a slot") == 1


def test_an_unwritable_log_folder_does_not_stop_the_app(tmp_path, clean_root):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert logfile.start_file_log(blocker / "logs" / "app.log") is None


def test_default_place_is_the_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path))
    assert logfile.log_path() == tmp_path / "logs" / "neuroface-studio.log"
