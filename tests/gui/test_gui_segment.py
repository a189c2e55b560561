"""Segment workspace: timeline regions, keyboard marking, drags as one undo step, proposals (offscreen)."""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def model_store(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))


@pytest.fixture(autouse=True)
def discard_on_close(monkeypatch):
    """pytest-qt closes the window before fixtures end: answer its unsaved-changes question with Discard."""
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


@pytest.fixture(scope="module")
def sim_project_master(tmp_path_factory):
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    folder = tmp_path_factory.mktemp("simseg") / "proj"
    simulate_into_project(ProjectSession.create(folder), SimulationRequest(
        participants=1, tasks=("OPEN", "SPREAD"), fps=10, duration_scale=0.2, annotators=0))
    return folder


@pytest.fixture
def segment(opened_window, qtbot):
    """The main window on the hand-made project (12-frame recordings, reps 1..5 and 6..10), in Segment."""
    opened_window.workspace_bar.select("segment")
    panel = opened_window.segment_panel
    assert panel.recording_id == "P001-OPEN" and panel.isVisible()
    return opened_window, panel


def key(panel, k, mods=None):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    QTest.keyClick(panel, k, mods or Qt.KeyboardModifier.NoModifier)


def region_frames(panel):
    """The timeline regions as inclusive frames (they span start - 0.5 .. end + 0.5)."""
    return [(round(a + 0.5), round(b - 0.5)) for a, b in (r.getRegion() for r in panel.timeline.regions)]


def test_opens_the_browser_recording_and_follows_the_browser(segment, qtbot):
    win, panel = segment
    assert panel.spans() == [(1, 5), (6, 10)] == region_frames(panel)
    assert "no landmark track" not in panel.timeline.message.toPlainText()
    assert "No landmarks yet" in panel.timeline.message.toPlainText()  # no track: marking by hand still works
    assert panel.true_spans == [(1, 5), (6, 10)] and "vs simulated truth: 0.0 frames" in panel.info_label.text()
    with qtbot.waitSignal(panel.recording_opened, timeout=5000) as blocker:
        win.browser.select_recording("P002-OPEN")
    assert blocker.args == ["P002-OPEN"]
    assert win.workspace_stack.current_key() == "segment" and win.viewer.recording_id == "P002-OPEN"


def test_marking_with_brackets_at_frames_reached_by_right_steps(segment):
    from PySide6.QtCore import Qt
    win, panel = segment
    key(panel, Qt.Key.Key_Delete)  # frame 0 is outside both: nothing selected, nothing deleted
    assert panel.spans() == [(1, 5), (6, 10)]
    key(panel, Qt.Key.Key_End)
    assert panel.frame == 11
    key(panel, Qt.Key.Key_Home)
    key(panel, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert panel.frame == 10
    key(panel, Qt.Key.Key_Left)
    assert panel.frame == 9 and panel.selected == 1
    key(panel, Qt.Key.Key_Delete)
    assert panel.spans() == [(1, 5)] == region_frames(panel)
    key(panel, Qt.Key.Key_Home)
    for _ in range(7):
        key(panel, Qt.Key.Key_Right)
    key(panel, Qt.Key.Key_BracketLeft)
    assert panel.mark == 7 and panel.timeline.mark_visible
    for _ in range(3):
        key(panel, Qt.Key.Key_Right)
    assert panel.timeline.pending.isVisible() and panel.timeline.pending.getRegion() == (6.5, 10.5)
    steps = len(win.session.undo._done)
    key(panel, Qt.Key.Key_BracketRight)
    assert panel.spans() == [(1, 5), (7, 10)] == region_frames(panel)
    assert len(win.session.undo._done) == steps + 1 and win.session.undo.undo_label == "add repetition 7..10"
    assert panel.mark is None and not panel.timeline.mark_visible and panel.selected == 1
    assert not panel.timeline.pending.isVisible()
    key(panel, Qt.Key.Key_BracketRight)  # no start marked: a message, no change
    assert "Press [" in panel.message_label.text() and panel.spans() == [(1, 5), (7, 10)]
    key(panel, Qt.Key.Key_Home)
    key(panel, Qt.Key.Key_BracketLeft)
    key(panel, Qt.Key.Key_End)
    key(panel, Qt.Key.Key_BracketRight)  # 0..11 overlaps both: refused with the reason
    assert "overlap" in panel.message_label.text() and panel.spans() == [(1, 5), (7, 10)]
    key(panel, Qt.Key.Key_Escape)
    assert panel.mark is None


def test_split_merge_delete_keys_one_undo_step_each_and_edit_menu_undo(segment):
    from PySide6.QtCore import Qt
    win, panel = segment
    undo = win.session.undo
    panel.seek(3)
    assert panel.selected == 0
    key(panel, Qt.Key.Key_S)
    assert panel.spans() == [(1, 2), (3, 5), (6, 10)] == region_frames(panel)
    assert undo.undo_label == "split repetition 1..5 at 3" and panel.selected == 1
    key(panel, Qt.Key.Key_M)  # 3..5 with the next, 6..10
    assert panel.spans() == [(1, 2), (3, 10)] and undo.undo_label == "merge repetitions into 3..10"
    key(panel, Qt.Key.Key_M)  # the last one has no next
    assert "last one" in panel.message_label.text()
    key(panel, Qt.Key.Key_Tab)
    assert panel.selected == 0 and panel.frame == 1
    key(panel, Qt.Key.Key_Delete)
    assert panel.spans() == [(3, 10)] == region_frames(panel)
    for expected in ([(1, 2), (3, 10)], [(1, 2), (3, 5), (6, 10)], [(1, 5), (6, 10)]):
        win.undo_action.trigger()
        assert panel.spans() == expected == region_frames(panel)
    win.redo_action.trigger()
    assert region_frames(panel) == [(1, 2), (3, 5), (6, 10)]


def _drag(widget, points):
    """A real left-button drag through ``points`` (widget coordinates) on the plot's viewport."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    mods = Qt.KeyboardModifier.NoModifier

    def send(kind, p, button, buttons):
        pos = QPointF(p)
        event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, mods)
        QApplication.sendEvent(widget, event)

    import time

    import pyqtgraph as pg
    # pyqtgraph drops move events closer together than 1/mouseRateLimit s (10 ms): a drag sent
    # faster than that, or started right after the previous one, arrives as a click (flaky under load)
    gap_s = 1.5 / max(pg.getConfigOption("mouseRateLimit"), 1)
    time.sleep(gap_s)
    send(QEvent.Type.MouseButtonPress, points[0], left, left)
    for p in points[1:]:
        time.sleep(gap_s)
        send(QEvent.Type.MouseMove, p, none, left)
    send(QEvent.Type.MouseButtonRelease, points[-1], left, none)


def _to_widget(timeline, x_frames, y_frac=0.7):
    from PySide6.QtCore import QPointF
    (_x0, _x1), (y0, y1) = timeline.view_box.viewRange()
    scene = timeline.view_box.mapViewToScene(QPointF(x_frames, y0 + y_frac * (y1 - y0)))
    return timeline.mapFromScene(scene)


def test_dragging_a_region_edge_or_body_is_one_undo_step(segment, qtbot):
    win, panel = segment
    timeline, undo = panel.timeline, win.session.undo
    panel.resize(1000, 700)
    qtbot.waitUntil(lambda: timeline.width() > 300)
    steps = len(undo._done)
    # the end edge of repetition 2 (6..10, drawn to 10.5) dragged to 11.5 in several moves
    _drag(timeline.viewport(), [_to_widget(timeline, x) for x in (10.5, 10.7, 11.0, 11.3, 11.5)])
    assert panel.spans() == [(1, 5), (6, 11)] == region_frames(panel)
    assert len(undo._done) == steps + 1 and undo.undo_label == "set repetition 6..10 to 6..11"
    # the body of repetition 1 (1..5) moved left by one frame
    _drag(timeline.viewport(), [_to_widget(timeline, x) for x in (3.0, 2.6, 2.2, 2.0)])
    assert panel.spans() == [(0, 4), (6, 11)] == region_frames(panel)
    assert len(undo._done) == steps + 2
    win.undo_action.trigger()
    win.undo_action.trigger()
    assert panel.spans() == [(1, 5), (6, 10)] == region_frames(panel)
    # setRegion (what a drag ends with) + its finished signal: one step; an overlap is refused
    timeline.regions[0].setRegion((0.5, 7.5))
    assert "overlap" in panel.message_label.text() and region_frames(panel) == [(1, 5), (6, 10)]
    timeline.regions[0].setRegion((1.5, 4.5))
    assert panel.spans() == [(2, 4), (6, 10)] and len(undo._done) == steps + 1


def test_click_on_timeline_seeks_and_click_on_region_selects(segment, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    win, panel = segment
    timeline = panel.timeline
    panel.resize(1000, 700)
    qtbot.waitUntil(lambda: timeline.width() > 300)
    QTest.mouseClick(timeline.viewport(), Qt.MouseButton.LeftButton, pos=_to_widget(timeline, 11.0))
    assert panel.frame == 11 and panel.selected is None
    QTest.mouseClick(timeline.viewport(), Qt.MouseButton.LeftButton, pos=_to_widget(timeline, 3.0))
    assert panel.frame == 3 and panel.selected == 0


def test_playback_speed_changes_the_timer_interval(segment, qtbot):
    from PySide6.QtCore import Qt
    win, panel = segment  # 30 fps
    key(panel, Qt.Key.Key_Space)
    assert panel.playing and panel.play_timer.interval() == 33
    key(panel, Qt.Key.Key_Minus)
    assert panel.speed == 0.5 and panel.play_timer.interval() == 67 and panel.speed_combo.currentText() == "0.5x"
    key(panel, Qt.Key.Key_Minus)
    key(panel, Qt.Key.Key_Minus)  # stays at the slowest
    assert panel.speed == 0.25 and panel.play_timer.interval() == 133
    panel.speed_combo.setCurrentIndex(3)
    assert panel.speed == 2.0 and panel.play_timer.interval() == 17
    key(panel, Qt.Key.Key_Plus)
    assert panel.speed == 2.0
    qtbot.waitUntil(lambda: not panel.playing, timeout=3000)  # 12 frames at 60 fps: stops at the end
    assert panel.frame == 11
    key(panel, Qt.Key.Key_Space)  # from the end it restarts at 0
    assert panel.playing
    key(panel, Qt.Key.Key_Space)
    assert not panel.playing


def test_help_panel_lists_every_shortcut(segment):
    from html import escape

    from PySide6.QtCore import Qt

    from neuroface_studio.gui.segment.keys import SHORTCUTS
    win, panel = segment
    assert panel.help_panel.isHidden()
    key(panel, Qt.Key.Key_F1)
    assert panel.help_panel.isVisible() and panel.help_button.isChecked()
    text = panel.help_panel.label.text()
    for k, description in SHORTCUTS:
        assert escape(k) in text and escape(description) in text
    for k in ("[", "]", "Delete / Backspace", "S", "M", "Space", "Home / End", "Left / Right", "- / +"):
        assert any(k == s for s, _ in SHORTCUTS)


def test_propose_accept_is_one_step_and_undo_restores_project_and_regions(main_window, qtbot, sim_project_master,
                                                                          tmp_path):
    pytest.importorskip("dlib")
    from PySide6.QtCore import Qt
    folder = tmp_path / "proj"
    shutil.copytree(sim_project_master, folder)
    win = main_window
    assert win.open_project(folder)
    win.workspace_bar.select("segment")
    panel = win.segment_panel
    rid = panel.recording_id
    before = panel.spans()
    assert before and "No landmarks yet" in panel.timeline.message.toPlainText()
    panel.propose(all_recordings=True)  # cancelled at once: nothing pending, the message says so
    worker = panel.proposals.worker
    worker.cancel()
    qtbot.waitUntil(lambda: worker.done, timeout=60000)
    assert "cancelled" in panel.message_label.text() and not panel.proposals.pending
    panel.propose_button.click()
    worker = panel.proposals.worker
    qtbot.waitUntil(lambda: worker.done, timeout=60000)
    result = panel.proposals.current()
    assert result is not None and result.recording_id == rid and result.frames
    assert panel.timeline.proposal_count == len(result.frames) and panel.proposals.bar.isVisible()
    assert "vs simulated truth" in panel.proposals.bar.label.text()
    assert panel.timeline.curve.getData()[1] is not None  # the trace, now that dlib68 landmarked it
    assert panel.spans() == before and not win.session.dirty  # proposing changes nothing (the landmarking is saved)
    lips = panel.timeline.curve.getData()[1].copy()
    panel.trace_combo.setCurrentText("mouth_width")
    assert "mouth_width" in panel.timeline.getPlotItem().getAxis("left").labelText
    width = panel.timeline.curve.getData()[1]
    assert width.shape == lips.shape and not (width == lips).all()
    steps = len(win.session.undo._done)
    key(panel, Qt.Key.Key_A)  # Accept
    assert panel.spans() == result.frames == region_frames(panel)
    assert {r.source for r in win.session.project.repetitions_of(rid)} == {"proposed"}
    assert len(win.session.undo._done) == steps + 1 and panel.timeline.proposal_count == 0
    assert not panel.proposals.bar.isVisible()
    win.undo_action.trigger()
    assert panel.spans() == before == region_frames(panel)
    assert [(r.start_frame, r.end_frame) for r in win.session.project.repetitions_of(rid)] == before
    # all recordings: one pending proposal each; Accept all = one step per recording; Discard keeps them
    panel.propose(all_recordings=True)
    worker = panel.proposals.worker
    qtbot.waitUntil(lambda: worker.done, timeout=60000)
    assert sorted(panel.proposals.pending) == sorted(win.session.project.recordings)
    assert panel.proposals.bar.accept_all_button.isVisible()
    panel.discard_proposals()
    assert panel.proposals.current() is None and panel.spans() == before and panel.timeline.proposal_count == 0
    steps = len(win.session.undo._done)
    panel.accept_all_proposals()
    assert len(win.session.undo._done) == steps + 1  # only the other recording was still pending
    assert not panel.proposals.pending


def _answer_accept_all_question(button_text, seen, tries=300):
    """Click ``button_text`` in the Accept-all question once it is open (retry every 100 ms, 30 s at most)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox
    box = QApplication.activeModalWidget()
    if isinstance(box, QMessageBox) and box.objectName() == "acceptAllQuestion":
        seen.append((box.text(), box.defaultButton().text()))
        next(b for b in box.buttons() if b.text() == button_text).click()
    elif tries > 0:
        QTimer.singleShot(100, lambda: _answer_accept_all_question(button_text, seen, tries - 1))


def test_accept_all_keeps_a_hand_adjusted_recording_and_one_undo_restores_all(main_window, qtbot, sim_project_master,
                                                                              tmp_path):
    """Issue 18: Accept all never replaces a person's repetitions without asking (default: keep theirs),
    the bulk accept is ONE undo step, and the message line says how many were accepted and kept."""
    pytest.importorskip("dlib")
    from PySide6.QtCore import QTimer
    folder = tmp_path / "proj"
    shutil.copytree(sim_project_master, folder)
    win = main_window
    assert win.open_project(folder)
    win.workspace_bar.select("segment")
    panel, project, undo = win.segment_panel, win.session.project, win.session.undo
    mine = panel.recording_id
    other = [r for r in sorted(project.recordings) if r != mine][0]
    a, b = panel.spans()[0]
    panel.timeline.regions[0].setRegion((a - 0.5, b - 1 + 0.5))  # a hand-adjusted edge (what a drag ends with)
    assert panel.spans()[0] == (a, b - 1)
    hand = [(r.start_frame, r.end_frame, r.source) for r in project.repetitions_of(mine)]
    before = sorted((r.recording_id, r.start_frame, r.end_frame, r.source) for r in project.repetitions)
    panel.propose(all_recordings=True)
    worker = panel.proposals.worker
    qtbot.waitUntil(lambda: worker.done, timeout=60000)
    proposed = {rid: r.frames for rid, r in panel.proposals.pending.items()}
    assert sorted(proposed) == sorted(project.recordings) and proposed[mine] != [x[:2] for x in hand]
    assert panel.proposals.bar.accept_all_button.text() == "Accept all (2)"
    steps, seen = len(undo._done), []
    QTimer.singleShot(100, lambda: _answer_accept_all_question("Keep theirs", seen))
    panel.proposals.bar.accept_all_button.click()
    assert seen and mine in seen[0][0] and other not in seen[0][0] and seen[0][1] == "Keep theirs"
    assert [(r.start_frame, r.end_frame, r.source) for r in project.repetitions_of(mine)] == hand  # kept
    assert [(r.start_frame, r.end_frame) for r in project.repetitions_of(other)] == proposed[other]
    assert len(undo._done) == steps + 1
    text = panel.message_label.text()
    assert "Accepted 1 recording(s)" in text and f"kept 1 with a person's repetitions ({mine})" in text
    assert list(panel.proposals.pending) == [mine]  # still pending: to review and Accept one by one
    # Accept (A) on that recording, where the proposal is drawn over them, replaces the person's
    # repetitions without a question and says so, with the way back
    pending = panel.proposals.pending[mine]
    panel.accept_proposals()
    assert [(r.start_frame, r.end_frame) for r in project.repetitions_of(mine)] == proposed[mine]
    assert "replaced repetitions a person had marked or edited (Ctrl+Z brings them back)" in \
        panel.message_label.text()
    win.undo_action.trigger()
    assert [(r.start_frame, r.end_frame, r.source) for r in project.repetitions_of(mine)] == hand
    panel.proposals.pending[mine] = pending  # (pending again, as before that Accept, for the rest of the test)
    win.undo_action.trigger()  # one Ctrl+Z restores every recording
    assert sorted((r.recording_id, r.start_frame, r.end_frame, r.source) for r in project.repetitions) == before
    # asked again, "Replace them too" replaces the person's repetitions as well (one step)
    seen.clear()
    QTimer.singleShot(100, lambda: _answer_accept_all_question("Replace them too", seen))
    panel.accept_all_proposals()
    assert seen and [(r.start_frame, r.end_frame) for r in project.repetitions_of(mine)] == proposed[mine]
    assert len(undo._done) == steps + 1 and not panel.proposals.pending
    assert panel.spans() == proposed[mine] == region_frames(panel)


def test_single_keys_are_claimed_before_window_shortcuts_but_ctrl_z_is_not(segment):
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    win, panel = segment

    def claimed(k, mods=Qt.KeyboardModifier.NoModifier):
        event = QKeyEvent(QEvent.Type.ShortcutOverride, k, mods)
        event.ignore()
        panel.event(event)
        return event.isAccepted()

    assert all(claimed(k) for k in (Qt.Key.Key_S, Qt.Key.Key_M, Qt.Key.Key_Delete, Qt.Key.Key_BracketLeft,
                                    Qt.Key.Key_Space, Qt.Key.Key_Left))
    assert not claimed(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not claimed(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not claimed(Qt.Key.Key_BracketLeft, Qt.KeyboardModifier.ControlModifier)
    altgr = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier  # Windows' AltGr
    assert claimed(Qt.Key.Key_BracketLeft, altgr) and not claimed(Qt.Key.Key_S, altgr)


def test_a_recording_whose_truth_is_unreadable_still_opens(segment):
    win, panel = segment
    (win.session.folder / "truth" / "P002-OPEN.h5").write_bytes(b"not hdf5")
    win.browser.select_recording("P002-OPEN")
    assert panel.recording_id == "P002-OPEN" and panel.true_spans == [] and panel.spans() == [(1, 5), (6, 10)]
    assert "vs simulated truth" not in panel.info_label.text()
