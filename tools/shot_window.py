"""What the screenshot tools share: a QApplication whose settings go to a temporary folder (the
user's own are never touched), a pump that gives a real window real time to map and paint, and the
main window shown on a project.

    from shot_window import make_pump, show_main_window, start_app  # tools/ is the script's folder
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path


def start_app():
    """The QApplication, with QSettings in a fresh temporary folder."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="nf-settings-"))
    return app


def make_pump(app, default_s: float = 0.3):
    """``pump(seconds)``: process events for that long (a real window needs real time to map and paint)."""
    def pump(seconds: float = default_s) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)
    return pump


def show_main_window(folder: Path, width: int = 1500, height: int = 900):
    """The main window, shown, activated, on ``folder``; exits with a message when it does not open."""
    from neuroface_studio.gui.main_window import MainWindow
    window = MainWindow()
    window.resize(width, height)
    window.show()
    window.activateWindow()
    if not window.open_project(folder):
        raise SystemExit(f"the project {folder} did not open")
    return window
