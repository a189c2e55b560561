"""Landmark models dialog; landmarking a recording from Review and showing its track."""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.gui
pytest.importorskip("dlib")


@pytest.fixture(autouse=True)
def model_store(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def sim_project_master(tmp_path_factory):
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    folder = tmp_path_factory.mktemp("simgui") / "proj"
    simulate_into_project(ProjectSession.create(folder), SimulationRequest(
        participants=1, tasks=("OPEN",), fps=10, duration_scale=0.2, annotators=0))
    return folder


def test_models_dialog_lists_dlib68_and_how_to_get_fan(qtbot):
    from neuroface_studio.gui.dialogs.models import ModelsDialog
    dialog = ModelsDialog()
    qtbot.addWidget(dialog)
    assert dialog.model_names()[:3] == ["dlib68", "fan-demo", "fan2d"]  # fan-demo: shipped in resources/models
    assert dialog.table.item(0, 5).text() == "yes" and dialog.table.item(0, 6).text() == "✔"
    assert dialog.table.item(1, 5).text() == "yes" and dialog.table.item(2, 5).text() == "no"
    assert "2DFAN4-11f355bf06.pth.tar" in dialog.hint_label.text() and not dialog.hint_label.isHidden()
    dialog.select("dlib68")
    assert not dialog.remove_button.isEnabled()  # built in


def test_import_non_model_shows_message(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from neuroface_studio.gui.dialogs.models import ModelsDialog
    from neuroface_studio.vision import registry
    if not registry.fan_supported():
        pytest.skip("the FAN module is not in this build")
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    dialog = ModelsDialog()
    qtbot.addWidget(dialog)
    assert not dialog.import_file(bad)
    assert "is not a FAN" in shown[0]


def test_landmark_recording_then_overlay_offers_model_track(main_window, qtbot, sim_project_master, tmp_path):
    folder = tmp_path / "proj"
    shutil.copytree(sim_project_master, folder)
    win = main_window
    assert win.open_project(folder)
    rid = win.viewer.recording_id
    assert "model dlib68" not in win.viewer.overlay_sources()
    win.viewer.landmark_button.click()
    worker = win.jobs[-1]
    qtbot.waitUntil(lambda: worker.done, timeout=60000)
    assert "model dlib68" in win.viewer.overlay_sources()
    assert win.viewer.overlay_key() == "model dlib68"
    win.viewer.show_frame(3)
    pts = win.viewer.overlay_points()
    truth = win.viewer.truth.landmarks_px[3]
    assert pts is not None and abs(pts - truth).mean() < 6.0
    assert win.session.project.audit_log[-1].action == "landmark" and not win.session.dirty
    assert (folder / "tracks" / rid / "dlib68.h5").is_file()
