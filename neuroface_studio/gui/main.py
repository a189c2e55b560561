"""Start the desktop application (``neuroface-studio gui`` and ``demo`` call :func:`run_gui`).

With ``screenshot`` the window is shown, its first frame drawn, saved as PNG, and the
application quits with status 0 (used for documentation and the Xvfb test).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

SCREENSHOT_DELAY_MS = 800  # lets the window manager map the window and the first paint happen


def display_problem(environ=None) -> str:
    """Why no window can open here ("" when one can): on Linux without DISPLAY or WAYLAND_DISPLAY
    Qt would abort the process with a message about xcb plugins that misleads more than it helps."""
    import os
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux") or env.get("QT_QPA_PLATFORM", "").split(":")[0] in (
            "offscreen", "minimal", "vnc", "eglfs", "linuxfb"):
        return ""
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return ""
    return ("no display: the desktop application needs a graphical session (DISPLAY or WAYLAND_DISPLAY is not "
            "set). Start it from the desktop, over ssh use 'ssh -X', or run a command-line command instead "
            "(neuroface-studio --help)")


def _set_window_icon(app) -> None:
    """The app's icon on every window (title bar, task switcher); drawn by packaging/make_icons.py."""
    from PySide6.QtGui import QIcon

    from neuroface_studio.app.paths import resources_dir
    path = resources_dir() / "icons" / "neuroface-studio.png"
    if path.is_file():
        app.setWindowIcon(QIcon(str(path)))


def startup_preload(app):
    """Load what the first click would otherwise freeze the window for (app/startup.py: dlib's
    face tracker, ~1.5 s holding the GIL) while a splash says so; called before the main window is
    shown (not in MainWindow, so tests that build windows do not pay it) and by
    tools/gui_blocking_bench.py. Returns the splash; ``splash.finish(window)`` closes it. Once the
    window is shown, :func:`~neuroface_studio.app.startup.preload_simulated_face_in_background`."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPixmap
    from PySide6.QtWidgets import QSplashScreen

    from neuroface_studio.app.paths import resources_dir
    from neuroface_studio.app.startup import preload_face_tracker
    icon = QPixmap(str(resources_dir() / "icons" / "neuroface-studio.png"))
    pixmap = QPixmap(420, 200)
    pixmap.fill(Qt.GlobalColor.white)
    if not icon.isNull():
        from PySide6.QtGui import QPainter
        painter = QPainter(pixmap)
        painter.drawPixmap(170, 30, icon.scaled(80, 80, Qt.AspectRatioMode.KeepAspectRatio,
                                                Qt.TransformationMode.SmoothTransformation))
        painter.end()
    splash = QSplashScreen(pixmap)
    align = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom
    splash.showMessage("NeuroFace Studio\nLoading the face tracker…", align)
    splash.show()
    app.processEvents()  # paint the message before the load holds the GIL
    preload_face_tracker()
    return splash


def run_gui(project: Path | None = None, screenshot: Path | None = None, recording: str | None = None,
            frame: int | None = None) -> int:
    """Open the main window (with ``project`` if given). Returns the process exit status.

    A project that cannot be opened prints the reason and returns 2 before any window opens.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from neuroface_studio import __version__
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.gui.settings import APPLICATION, ORGANIZATION
    from neuroface_studio.store.errors import StoreError

    session = None
    if project is not None:
        try:
            session = ProjectSession.open(Path(project))
        except StoreError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    problem = display_problem()
    if problem and QApplication.instance() is None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from neuroface_studio.app.logfile import log_uncaught_exceptions, start_file_log
    if start_file_log() is not None:
        log_uncaught_exceptions()
        logging.getLogger(__name__).info("NeuroFace Studio %s started (project: %s)", __version__, project or "none")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    _set_window_icon(app)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    app.setStyle("Fusion")

    from neuroface_studio.gui.main_window import MainWindow  # after QApplication: pyqtgraph needs it
    splash = startup_preload(app)
    window = MainWindow()
    if session is not None:
        window.set_session(session, recording, frame)
    window.show()
    splash.finish(window)
    from neuroface_studio.app.startup import preload_simulated_face_in_background
    preload_simulated_face_in_background()

    if screenshot is not None:
        out = Path(screenshot)

        def grab_and_quit() -> None:
            ok = window.grab().save(str(out))
            if not ok:
                print(f"error: could not write screenshot {out}", file=sys.stderr)
            window.session = None  # nothing to confirm: a screenshot run never edits
            window.close()
            app.exit(0 if ok else 2)

        QTimer.singleShot(SCREENSHOT_DELAY_MS, grab_and_quit)
    return int(app.exec())
