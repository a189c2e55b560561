"""GUI test fixtures: per-test QSettings, a main window on the hand-made project."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path):
    """Every QSettings of the app (INI, user scope) lives in this test's temporary folder."""
    from PySide6.QtCore import QSettings

    folder = tmp_path / "settings"
    folder.mkdir()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture
def main_window(qtbot):
    from neuroface_studio.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    yield window
    if window.session is not None:
        window.session.undo.clear()  # nothing to confirm when the test closes the window
    window.close()


@pytest.fixture
def opened_window(main_window, handmade_project):
    assert main_window.open_project(handmade_project)
    return main_window
