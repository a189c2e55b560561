"""Main window, project browser, video viewer and workspaces on the hand-made project (offscreen)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.gui


def _reader_frame(project_folder: Path, rec_id: str, i: int) -> np.ndarray:
    from neuroface_studio.app.project_service import ProjectSession

    with ProjectSession.open(project_folder).open_recording(rec_id) as reader:
        return reader.color(i)


def test_browser_lists_participants_with_groups(opened_window):
    rows = opened_window.browser.participant_rows()
    assert rows == [("P001", "HC"), ("P002", "ALS")]
    assert opened_window.browser.recording_ids() == ["P001-OPEN", "P002-OPEN"]
    assert "handmade" in opened_window.windowTitle()


def test_opening_shows_first_recording_frame_0(opened_window, handmade_project):
    viewer = opened_window.viewer
    assert viewer.recording_id == "P001-OPEN"
    assert viewer.frame == 0
    np.testing.assert_array_equal(viewer.panes.color_item.image, _reader_frame(handmade_project, "P001-OPEN", 0))


def test_selecting_a_recording_shows_its_frame_0(opened_window, handmade_project, qtbot):
    viewer = opened_window.viewer
    with qtbot.waitSignal(viewer.recording_opened, timeout=5000) as blocker:
        assert opened_window.browser.select_recording("P002-OPEN")
    assert blocker.args == ["P002-OPEN"]
    assert viewer.frame == 0
    np.testing.assert_array_equal(viewer.panes.color_item.image, _reader_frame(handmade_project, "P002-OPEN", 0))
    assert viewer.panes.depth_item.image.shape == (480, 640)


def test_slider_to_frame_5_shows_frame_and_truth_overlay(opened_window, handmade_project, qtbot):
    from neuroface_studio.app.project_service import ProjectSession

    viewer = opened_window.viewer
    with qtbot.waitSignal(viewer.frame_changed, timeout=5000) as blocker:
        viewer.slider.setValue(5)
    assert blocker.args == [5]
    assert viewer.spin.value() == 5
    np.testing.assert_array_equal(viewer.panes.color_item.image, _reader_frame(handmade_project, "P001-OPEN", 5))
    assert viewer.overlay_combo.currentText() == "Ground truth"
    truth = ProjectSession.open(handmade_project).truth("P001-OPEN")
    np.testing.assert_allclose(viewer.panes.landmark_points(), truth.landmarks_px[5])
    assert "Frame 5 (0–11)" in viewer.info_label.text()  # 0-based, as the spinbox and exports (issue 18)
    assert "rep 1/2" in viewer.info_label.text()


def test_annotator_overlay_on_frame_3(opened_window):
    viewer = opened_window.viewer
    assert "annotator ann1" in viewer.overlay_sources()
    viewer.set_overlay("annotator ann1")
    viewer.show_frame(3)
    expected = opened_window.session.project.landmark_sets["P001-OPEN-f00003-ann"].points_px
    np.testing.assert_allclose(viewer.panes.landmark_points(), expected)
    viewer.show_frame(4)  # no annotator set there: nothing drawn, and the info line says so
    assert viewer.panes.landmark_points().shape == (0, 2)
    assert "no annotator ann1 landmarks" in viewer.info_label.text()
    viewer.set_overlay("None")
    viewer.show_frame(3)
    assert viewer.panes.landmark_points().shape == (0, 2)


def test_keyboard_steps_and_plays(opened_window, qtbot):
    from PySide6.QtCore import Qt

    viewer = opened_window.viewer
    viewer.setFocus()
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert viewer.frame == 2
    qtbot.keyClick(viewer, Qt.Key.Key_Left)
    assert viewer.frame == 1
    qtbot.keyClick(viewer, Qt.Key.Key_Space)
    assert viewer.playing
    qtbot.keyClick(viewer, Qt.Key.Key_Space)  # at once: a slow machine may otherwise reach the end first
    assert not viewer.playing
    with qtbot.waitSignal(viewer.frame_changed, timeout=5000):  # playing advances the frame
        qtbot.keyClick(viewer, Qt.Key.Key_Space)
    if viewer.playing:
        qtbot.keyClick(viewer, Qt.Key.Key_Space)
    assert not viewer.playing


def test_playback_reaches_the_end_and_stops(opened_window, qtbot):
    viewer = opened_window.viewer
    viewer.play()
    qtbot.waitUntil(lambda: not viewer.playing, timeout=5000)  # 12 frames at 30 fps
    assert viewer.frame == 11


def test_workspace_navigation_switches_pages(opened_window):
    bar, stack = opened_window.workspace_bar, opened_window.workspace_stack
    assert stack.current_key() == "review"
    bar.actions_by_key["record"].trigger()
    assert stack.currentWidget() is opened_window.record_panel
    bar.actions_by_key["annotate"].trigger()
    assert stack.currentWidget() is opened_window.annotate_panel
    bar.actions_by_key["train"].trigger()
    assert stack.currentWidget() is opened_window.train_panel
    bar.actions_by_key["analyze"].trigger()
    assert stack.currentWidget() is opened_window.analyze_panel
    bar.actions_by_key["segment"].trigger()
    assert stack.currentWidget() is opened_window.segment_panel
    bar.actions_by_key["report"].trigger()
    assert stack.currentWidget() is opened_window.report_panel
    opened_window.browser.select_recording("P002-OPEN")  # Report follows the browser's participant in place
    assert stack.current_key() == "report" and opened_window.report_panel.request().participant == "P002"
    bar.actions_by_key["review"].trigger()
    assert stack.currentWidget() is opened_window.viewer
    opened_window.browser.select_recording("P002-OPEN")  # choosing a recording returns to Review
    bar.actions_by_key["train"].trigger()
    opened_window.browser.select_recording("P001-OPEN")
    assert stack.current_key() == "review"
    bar.actions_by_key["analyze"].trigger()  # except in Analyze, whose trace follows the selection in place
    opened_window.browser.select_recording("P002-OPEN")
    assert stack.current_key() == "analyze" and opened_window.viewer.recording_id == "P002-OPEN"


def test_recent_projects_recorded_in_settings(opened_window, handmade_project, isolated_settings):
    from neuroface_studio.gui.settings import app_settings, recent_projects

    assert recent_projects() == [handmade_project.resolve()]
    assert Path(app_settings().fileName()).is_relative_to(isolated_settings)
    opened_window._fill_recent_menu()
    texts = [a.text() for a in opened_window.recent_menu.actions()]
    assert str(handmade_project.resolve()) in texts


def test_recent_projects_prune_missing_and_cap(tmp_path):
    from neuroface_studio.gui.settings import MAX_RECENT, add_recent_project, recent_projects

    folders = []
    for k in range(MAX_RECENT + 2):
        folder = tmp_path / f"p{k}"
        folder.mkdir()
        folders.append(folder)
        add_recent_project(folder)
    assert recent_projects()[0] == folders[-1].resolve()
    assert len(recent_projects()) == MAX_RECENT
    folders[-1].rmdir()
    assert folders[-1].resolve() not in recent_projects()


def test_corrupt_project_shows_message_not_crash(main_window, handmade_project, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    (handmade_project / "project.nfs.json").write_bytes(b"\x00garbage{{{")
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a, **k: shown.append((title, text)))
    assert not main_window.open_project(handmade_project)
    assert len(shown) == 1
    title, text = shown[0]
    assert title == "Cannot open project"
    assert "project.nfs.json" in text and "Traceback" not in text
    assert main_window.session is None
    assert main_window.central.currentWidget() is main_window.welcome


def test_missing_recording_file_shows_message(opened_window, handmade_project):
    viewer = opened_window.viewer
    (handmade_project / "recordings" / "P002-OPEN.h5").unlink()
    assert not viewer.open_recording("P002-OPEN")
    assert viewer.reader is None
    assert viewer._stack.currentWidget() is viewer.message_label
    assert "missing" in viewer.message_label.text()
    assert viewer.open_recording("P001-OPEN")  # a good recording afterwards shows normally
    assert viewer._stack.currentWidget() is viewer.panes


def test_undo_redo_actions_follow_the_stack(opened_window):
    from neuroface_studio.edits.project_commands import EditParticipant

    win = opened_window
    assert not win.undo_action.isEnabled() and not win.redo_action.isEnabled()
    assert not win.isWindowModified()
    win.session.apply(EditParticipant(win.session.project, "P002", group="PD"))
    assert win.undo_action.isEnabled()
    assert win.undo_action.text() == "Undo edit participant P002"
    assert win.isWindowModified()
    assert ("P002", "PD") in win.browser.participant_rows()
    win.undo_action.trigger()
    assert ("P002", "ALS") in win.browser.participant_rows()
    assert win.redo_action.isEnabled() and win.redo_action.text() == "Redo edit participant P002"
    assert not win.undo_action.isEnabled()
    win.redo_action.trigger()
    assert win.session.project.participants["P002"].group.value == "PD"
    assert win.save()
    assert not win.isWindowModified()


def test_repetition_edits_do_not_rebuild_the_browser_but_participant_edits_do(opened_window, monkeypatch):
    """The project browser shows participants, sessions and recordings: a Segment or Annotate edit
    (every drag) leaves it alone, a participant edit, an undo of it and a save rebuild it."""
    from neuroface_studio.edits.project_commands import EditParticipant
    from neuroface_studio.edits.repetition_commands import AddRepetition
    win = opened_window
    rebuilt = []
    real = win.browser.set_project
    monkeypatch.setattr(win.browser, "set_project", lambda project: (rebuilt.append(1), real(project)))
    win.session.apply(AddRepetition(win.session.project, "P001-OPEN", 11, 11))
    win.undo_action.trigger()
    assert rebuilt == [] and win.undo_action.text() == "Undo"  # the window's edit state still followed
    win.session.apply(EditParticipant(win.session.project, "P002", group="PD"))
    assert len(rebuilt) == 1 and ("P002", "PD") in win.browser.participant_rows()
    win.undo_action.trigger()
    assert len(rebuilt) == 2 and ("P002", "ALS") in win.browser.participant_rows()
    assert win.save() and len(rebuilt) == 3


def test_dirty_project_asks_before_opening_another(opened_window, handmade_project, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from neuroface_studio.edits.project_commands import EditParticipant

    win = opened_window
    win.session.apply(EditParticipant(win.session.project, "P001", notes="x"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    before = win.session
    assert not win.open_project(handmade_project)
    assert win.session is before and win.session.dirty
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert win.open_project(handmade_project)
    assert not win.session.dirty


def test_welcome_page_when_no_project(main_window, handmade_project):
    from neuroface_studio.gui.settings import add_recent_project

    assert main_window.central.currentWidget() is main_window.welcome
    assert not main_window.save_action.isEnabled()
    add_recent_project(handmade_project)
    main_window._show_session(None)
    item = main_window.welcome.recent_list.item(0)
    main_window.welcome.recent_list.itemActivated.emit(item)
    assert main_window.session is not None and main_window.session.folder == handmade_project.resolve()


def test_run_gui_reports_unopenable_project(tmp_path, capsys):
    from neuroface_studio.gui.main import run_gui

    assert run_gui(tmp_path / "nowhere") == 2
    assert "error:" in capsys.readouterr().err


def test_opening_a_project_offers_to_recover_interrupted_recordings(handmade_project, qtbot, monkeypatch):
    """A recording file the project does not list (recorder killed) is offered back on open."""
    import shutil

    from PySide6.QtWidgets import QMessageBox

    from neuroface_studio.gui.main_window import MainWindow
    from neuroface_studio.store.project_file import load_project
    # an interrupted recording of P002: a copy of a real file under a new id, not in the project
    src = handmade_project / "recordings" / "P002-OPEN.h5"
    import h5py
    dst = handmade_project / "recordings" / "P002-OPEN-2.h5"
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        f.attrs["recording_id"] = "P002-OPEN-2"
        f.attrs["participant_id"] = "P002"
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    win = MainWindow()
    qtbot.addWidget(win)
    assert win.open_project(handmade_project)
    assert asked and "P002-OPEN-2.h5" in asked[0]
    assert "P002-OPEN-2" in load_project(handmade_project).recordings
    assert "P002-OPEN-2" in win.browser.recording_ids()


@pytest.mark.gui
def test_the_app_has_its_icon(qapp):
    from neuroface_studio.gui.main import _set_window_icon
    _set_window_icon(qapp)
    assert not qapp.windowIcon().isNull() and qapp.windowIcon().availableSizes()


@pytest.mark.gui
def test_help_says_where_the_log_file_is(main_window, monkeypatch, tmp_path):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path))
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "neuroface-studio.log").write_text("x")
    box = main_window.show_log_file()
    assert str(tmp_path / "logs" / "neuroface-studio.log") in box.text() and "problem report" in box.text()
    assert any(b.text() == "Open folder" for b in box.buttons())
    box.close()
