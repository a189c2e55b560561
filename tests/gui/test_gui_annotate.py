"""The Annotate workspace on a tiny simulated project (offscreen): choosing frames, mouse drags that
become journaled undo steps, undo/redo through the Edit menu updating the editor, a second
annotator's layer and the agreement table, queue keys, import preview, export, and a process
killed mid-session whose edit is recovered when the project is opened again."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytestmark = pytest.mark.gui
pytest.importorskip("dlib")

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from neuroface_studio.app import annotation as ann  # noqa: E402
from neuroface_studio.app.project_service import ProjectSession  # noqa: E402
from neuroface_studio.store.journal import journal_path  # noqa: E402

L = Qt.MouseButton.LeftButton
NO = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture(autouse=True)
def model_store(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))


@pytest.fixture(autouse=True)
def discard_on_close(monkeypatch):
    """pytest-qt closes the window before the fixtures' teardown: answer its "Unsaved changes?"
    (tests that need another answer patch QMessageBox.question themselves)."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


@pytest.fixture(scope="module")
def master(tmp_path_factory):
    """1 participant, OPEN, 21 frames, two simulated annotators; 4 frames queued (dlib68 track)."""
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    root = tmp_path_factory.mktemp("annotate")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEUROFACE_HOME", str(root / "home"))
        session = ProjectSession.create(root / "proj")
        simulate_into_project(session, SimulationRequest(participants=1, tasks=("OPEN",), fps=10,
                                                         duration_scale=0.2, annotators=2))
        session = ProjectSession.open(root / "proj")
        ann.queue_frames(session, ann.propose_frames(session, per_recording=4))
        session.save()
    return root / "proj"


@pytest.fixture
def project(master, tmp_path):
    folder = tmp_path / "proj"
    shutil.copytree(master, folder)
    return folder


@pytest.fixture
def win(main_window, project, qtbot):
    assert main_window.open_project(project)
    main_window.annotate_panel.set_annotator("CC")
    main_window.workspace_bar.select("annotate")
    main_window.activateWindow()
    qtbot.waitUntil(lambda: main_window.annotate_panel.editor.isVisible(), timeout=5000)
    return main_window


def screen_of(editor, i: int) -> QPoint:
    x, y = editor.view.screen_positions(editor.points_view())[i]
    return QPoint(round(x), round(y))


def drag(editor, i: int, by: QPoint, steps: int = 5) -> None:
    vp, start = editor.view.viewport(), screen_of(editor, i)
    QTest.mousePress(vp, L, NO, start)
    for k in range(1, steps + 1):
        QTest.mouseMove(vp, start + by * k / steps)
    QTest.mouseRelease(vp, L, NO, start + by)


def test_entering_asks_for_the_annotator_and_remembers_it(main_window, project, qtbot):
    from neuroface_studio.gui.annotate.dialogs import remembered_annotators
    assert main_window.open_project(project)
    main_window.workspace_bar.select("annotate")
    panel = main_window.annotate_panel
    dialog = panel.annotator_dialog
    assert dialog is not None and dialog.isVisible()
    assert [dialog.combo.itemText(i) for i in range(dialog.combo.count())] == ["sim-A", "sim-B"]
    dialog.combo.setCurrentText("Dr. Who")  # not an ID: refused with the reason
    dialog.accept()
    assert dialog.isVisible() and "annotator ID" in dialog.error.text()
    dialog.combo.setCurrentText("CC")
    dialog.accept()
    assert panel.annotator == "CC" and "CC" in panel.annotator_label.text()
    assert remembered_annotators() == ("CC", ["CC"])
    first = panel.svc.queue()[0]
    assert panel.current == first and panel.queue_panel.table.rowCount() == 4  # opened the first queued frame


def test_choose_frames_in_background_then_queue_is_one_undo_step(win, qtbot):
    panel = win.annotate_panel
    worker = panel.choose_frames(per_recording=2)
    qtbot.waitUntil(lambda: worker.done, timeout=30000)
    assert len(win.session.project.annotation_queue) == 6 and panel.queue_panel.table.rowCount() == 6
    assert "queue 2 frame(s)" in win.undo_action.text()
    win.undo_action.trigger()
    assert panel.queue_panel.table.rowCount() == 4


def test_drag_is_a_journaled_edit_and_undo_redo_update_the_editor(win, qtbot):
    panel, session = win.annotate_panel, win.session
    editor, item = panel.editor, panel.current
    proposal = editor.points()
    assert "model proposal (dlib68)" in panel.frame_label.text()
    assert not journal_path(session.folder).exists() or journal_path(session.folder).stat().st_size == 0
    drag(editor, 30, QPoint(14, -8))
    dragged = editor.points()
    assert not np.array_equal(dragged[30], proposal[30])
    np.testing.assert_array_equal(np.delete(dragged, 30, 0), np.delete(proposal, 30, 0))
    stored = session.project.annotation_of(item.recording_id, item.frame_index, "CC")
    np.testing.assert_array_equal(stored.points_px, dragged)
    assert journal_path(session.folder).stat().st_size > 0 and session.dirty
    assert panel.queue_panel.table.item(0, 3).text() == "✓" and "your points" in panel.frame_label.text()
    win.undo_action.trigger()  # Edit > Undo
    np.testing.assert_array_equal(editor.points(), proposal)
    assert session.project.annotation_of(item.recording_id, item.frame_index, "CC") is None
    win.redo_action.trigger()
    np.testing.assert_array_equal(editor.points(), dragged)
    # an arrow-key burst still open is committed first, then undone as one step by Ctrl+Z
    editor.view.setFocus()
    QTest.keyClick(editor.view, Qt.Key.Key_Right, NO)
    QTest.keyClick(editor.view, Qt.Key.Key_Right, NO)
    assert not np.array_equal(editor.points(), dragged)
    QTest.keyClick(editor.view, Qt.Key.Key_Z, CTRL)
    np.testing.assert_array_equal(editor.points(), dragged)
    np.testing.assert_array_equal(
        session.project.annotation_of(item.recording_id, item.frame_index, "CC").points_px, dragged)
    # Ctrl+Z on another frame undoes the last edit where it was made, and shows that frame
    QTest.keyClick(editor.view, Qt.Key.Key_N, NO)
    assert panel.current != item
    drag(editor, 30, QPoint(5, 5))
    QTest.keyClick(editor.view, Qt.Key.Key_N, SHIFT)
    win.undo_action.trigger()  # the edit of the second frame: it is shown again, back at its proposal
    second = panel.current
    assert second != item and session.project.annotation_of(*second.key, "CC") is None
    win.undo_action.trigger()  # then the drag on the first frame
    assert panel.current == item
    np.testing.assert_array_equal(editor.points(), proposal)
    win.redo_action.trigger()
    np.testing.assert_array_equal(editor.points(), dragged)
    win.redo_action.trigger()
    assert panel.current == second and session.project.annotation_of(*second.key, "CC") is not None
    panel.show_item(item)
    # reset to the proposal removes this annotator's layer (undoable)
    QTest.keyClick(editor.view, Qt.Key.Key_Backspace, CTRL)
    np.testing.assert_array_equal(editor.points(), proposal)
    assert session.project.annotation_of(item.recording_id, item.frame_index, "CC") is None
    win.undo_action.trigger()
    np.testing.assert_array_equal(editor.points(), dragged)


def test_second_annotator_has_own_layer_and_agreement_updates(win, qtbot):
    panel, session = win.annotate_panel, win.session
    editor, item = panel.editor, panel.current
    proposal = editor.points()
    drag(editor, 48, QPoint(10, 6))
    cc_points = editor.points()
    panel.set_annotator("DD")
    np.testing.assert_array_equal(editor.points(), proposal)  # DD starts from the proposal, not CC's points
    assert panel.queue_panel.table.item(0, 3).text() == "" and panel.queue_panel.table.item(0, 4).text() == "1"
    panel.show_layer("annotator", "CC")
    np.testing.assert_array_equal(editor.points(), cc_points)
    assert not panel.editable()
    drag(editor, 48, QPoint(30, 30))  # read-only: nothing moves, nothing is stored
    np.testing.assert_array_equal(editor.points(), cc_points)
    assert session.project.annotation_of(item.recording_id, item.frame_index, "DD") is None
    panel.show_layer("mine")
    with qtbot.waitSignal(panel.agreement.updated, timeout=10000):  # 300 ms after the edit, on a worker
        drag(editor, 48, QPoint(-6, 4))
    assert "CC~DD" in panel.layer_panel.pair_columns
    col = 2 + panel.layer_panel.pair_columns.index("CC~DD")
    mouth = float(panel.layer_panel.agreement_value("mouth", col))
    assert 0 < mouth < 20 and panel.layer_panel.agreement_value("jaw", col) == "0.00"  # only a lip point moved
    agree = ann.inter_annotator_agreement(session)
    assert mouth == pytest.approx(100 * agree["pairs"]["CC~DD"]["nrmse"]["mouth"], abs=0.005)
    panel.show_layer("consensus")
    np.testing.assert_allclose(editor.points(), ann.consensus_of(session, *item.key)[0])


def test_agreement_is_computed_on_a_worker_and_edits_meanwhile_coalesce(win, qtbot, monkeypatch):
    import threading

    from neuroface_studio.gui.annotate import agreement as annotate_agreement
    panel, session = win.annotate_panel, win.session
    updater, editor, item = panel.agreement, panel.editor, panel.current
    drag(editor, 50, QPoint(6, -4))  # CC's points on the frame, then DD's: a pair to compare
    panel.set_annotator("DD")
    qtbot.waitUntil(lambda: not updater.pending, timeout=10000)
    real, gate, calls = annotate_agreement.agreement, threading.Event(), []

    def agreement(snapshot):  # the first computation waits for the gate: edits arrive meanwhile
        calls.append((threading.get_ident(), snapshot))
        if len(calls) == 1:
            assert gate.wait(10)
        return real(snapshot)

    monkeypatch.setattr(annotate_agreement, "agreement", agreement)
    drag(editor, 50, QPoint(8, 3))
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)  # 300 ms after the edit, on a worker
    assert updater.running and calls[0][0] != threading.get_ident()
    drag(editor, 50, QPoint(-3, 5))  # two more edits while it computes: the GUI is not blocked
    drag(editor, 51, QPoint(4, 4))
    qtbot.waitUntil(lambda: not updater._timer.isActive(), timeout=5000)
    assert len(calls) == 1 and updater.pending  # coalesced: one more after the running one
    with qtbot.waitSignals([updater.updated, updater.updated], timeout=10000):
        gate.set()
    assert len(calls) == 2 and calls[1][0] != threading.get_ident() and not updater.pending
    latest = session.project.annotation_of(*item.key, "DD").points_px
    snapped = calls[1][1]["DD"][item.key][0]
    np.testing.assert_array_equal(snapped, latest)  # the state after the last edit...
    assert not np.shares_memory(snapped, latest)  # ...copied, never the live arrays
    assert not np.array_equal(calls[0][1]["DD"][item.key][0], latest)  # the first one saw an older state
    expected = ann.inter_annotator_agreement(session)["pairs"]["CC~DD"]["nrmse"]["mouth"]
    col = 2 + panel.layer_panel.pair_columns.index("CC~DD") if panel.layer_panel.pair_columns else 1
    assert panel.layer_panel.agreement_value("mouth", col) == f"{100 * expected:.2f}"


def test_queue_keys_move_between_frames(win, qtbot):
    panel = win.annotate_panel
    queue = panel.svc.queue()
    assert panel.current == queue[0]
    panel.editor.view.setFocus()
    QTest.keyClick(panel.editor.view, Qt.Key.Key_N, NO)
    assert panel.current == queue[1]
    QTest.keyClick(panel.editor.view, Qt.Key.Key_PageDown, NO)
    assert panel.current == queue[2]
    QTest.keyClick(panel.editor.view, Qt.Key.Key_N, SHIFT)
    assert panel.current == queue[1]
    assert panel.queue_panel.table.currentRow() == 1 and f"Frame {queue[1].frame_index} (" in panel.frame_label.text()
    panel.queue_panel.table.setCurrentCell(3, 0)  # clicking a row opens it
    assert panel.current == queue[3]


def test_add_the_review_frame_to_the_queue(win):
    panel = win.annotate_panel
    win.viewer.show_frame(3)
    panel.add_review_frame()
    rid = win.viewer.recording_id
    assert panel.current.key == (rid, 3) and panel.current.reason == "manual"
    assert panel.svc.queue()[-1].key == (rid, 3) and panel.queue_panel.table.rowCount() == 5
    assert not win.browser_dock.isVisible()  # the queue replaces the project browser here
    win.workspace_bar.select("review")
    assert win.browser_dock.isVisible()


def test_import_preview_lists_skipped_files_then_imports(win, tmp_path, qtbot):
    from neuroface_studio.gui.annotate.dialogs import ImportAnnotationsDialog
    from neuroface_studio.store.pts import write_pts
    session, panel = win.session, win.annotate_panel
    rid = sorted(session.project.recordings)[0]
    folder = tmp_path / "other_tool"
    folder.mkdir()
    good = session.truth(rid).landmarks_px[5]
    write_pts(folder / f"{rid}_f00005.pts", good)
    write_pts(folder / "NOPE-OPEN_f00001.pts", good)
    write_pts(folder / "holiday.pts", good)
    dialog = ImportAnnotationsDialog(session, panel)
    qtbot.addWidget(dialog)
    dialog.set_source(folder, "")
    assert not dialog.preview() and "--annotator" in dialog.summary.toPlainText()  # a plain folder needs an ID
    dialog.annotator.setText("EE")
    assert dialog.preview() and dialog.import_button.isEnabled()
    assert dialog.summary.toPlainText().startswith("1 annotation(s) to import")
    skipped = {dialog.skipped.item(r, 0).text(): dialog.skipped.item(r, 1).text()
               for r in range(dialog.skipped.rowCount())}
    assert set(skipped) == {"NOPE-OPEN_f00001.pts", "holiday.pts"} and "no recording" in skipped["NOPE-OPEN_f00001.pts"]
    assert panel.apply_import(dialog.plan, str(folder)) == 1
    assert session.project.annotation_of(rid, 5, "EE") is not None
    win.undo_action.trigger()
    assert session.project.annotation_of(rid, 5, "EE") is None


def test_export_writes_pts_and_says_who_was_left_out(win, tmp_path, monkeypatch):
    from neuroface_studio.gui.annotate.dialogs import ExportAnnotationsDialog
    from neuroface_studio.store.pts import read_pts
    panel, session = win.annotate_panel, win.session
    drag(panel.editor, 30, QPoint(8, 8))
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    dialog = ExportAnnotationsDialog(session.project.annotators(), tmp_path, panel)
    assert not dialog.include_all.isChecked() and dialog.request().consented_only
    pid = session.project.participant_of(panel.current.recording_id).id
    session.project.participants[pid].consent_to_share = False
    res = panel.export_annotations(dialog.request())
    assert res.written == 0 and res.left_out_participants == [pid] and f"no consent to share): {pid}" in shown[-1]
    dialog.include_all.setChecked(True)
    res = panel.export_annotations(dialog.request())
    rid, frame = panel.current.key
    path = tmp_path / "annotations_pts" / "CC" / f"{rid}_f{frame:05d}.pts"
    assert str(path) in res.paths and "Left out" not in shown[-1]
    np.testing.assert_allclose(read_pts(path), panel.editor.points(), atol=1e-3)


def test_no_face_starts_from_a_generic_face_and_first_edit_stores_it(win, monkeypatch):
    panel = win.annotate_panel
    monkeypatch.setattr(panel.svc, "proposal", lambda rid, frame: None)
    panel._proposals.clear()
    item = panel.svc.queue()[1]
    panel.show_item(item)
    assert panel.message.isVisible() and "found no face" in panel.message.text()
    drag(panel.editor, 8, QPoint(5, 5))
    assert win.session.project.annotation_of(*item.key, "CC") is not None


def test_discarding_unsaved_changes_discards_the_journal(win, qtbot, monkeypatch):
    panel, session = win.annotate_panel, win.session
    drag(panel.editor, 30, QPoint(8, 8))
    assert ann.has_journal(session)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    folder, key = session.folder, panel.current.key
    assert win.open_project(folder)  # discard, then open the same project again: nothing to recover
    assert not ann.has_journal(win.session) and win.session.project.annotation_of(*key, "CC") is None


def test_killed_mid_session_then_recovered_on_open(main_window, project, qtbot, monkeypatch, tmp_path):
    """A GUI process makes an edit with the mouse and is SIGKILLed; opening the project offers the
    recovery and the edit is back."""
    script = textwrap.dedent(f"""
        import json, os, signal
        from pathlib import Path
        from PySide6.QtCore import QPoint, QSettings, Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, {str(tmp_path / "kill_settings")!r})
        app = QApplication([])
        from neuroface_studio.gui.main_window import MainWindow
        w = MainWindow()
        w.show()
        assert w.open_project(Path({str(project)!r}))
        p = w.annotate_panel
        p.set_annotator("KK")
        w.workspace_bar.select("annotate")
        QTest.qWaitForWindowExposed(w)
        QTest.qWait(100)  # the layout settles and the face is framed
        ed = p.editor
        x, y = ed.view.screen_positions(ed.points_view())[30]
        start = QPoint(round(x), round(y))
        QTest.mousePress(ed.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
        QTest.mouseMove(ed.view.viewport(), start + QPoint(12, 9))
        QTest.mouseRelease(ed.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           start + QPoint(12, 9))
        stored = w.session.project.annotation_of(*p.current.key, "KK")
        assert stored is not None, "the drag made no edit"
        print(json.dumps({{"key": list(p.current.key), "points": ed.points().tolist()}}), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    rid, frame = out["key"]
    asked = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    assert main_window.open_project(project)
    assert any(t.startswith("Recover 1 unsaved annotation edit from the last session?") for t in asked), asked
    session = main_window.session
    assert session.dirty and "Recovered 1 annotation edit(s)" in main_window.statusBar().currentMessage()
    # the journal keeps 1e-4 px, like the project file
    np.testing.assert_allclose(session.project.annotation_of(rid, frame, "KK").points_px, out["points"], atol=1e-4)
    panel = main_window.annotate_panel
    panel.set_annotator("KK")
    main_window.workspace_bar.select("annotate")
    assert panel.current.key != (rid, frame)  # KK's next frame to do
    panel.show_item(next(q for q in panel.svc.queue() if q.key == (rid, frame)))
    np.testing.assert_allclose(panel.editor.points(), out["points"], atol=1e-4)


def test_a_track_written_by_a_landmark_job_shows_in_annotate_without_reselecting(main_window, project, qtbot):
    """Annotate listens to the session's one change notification: Tools > Landmark (a background
    job, here with fan-demo) announces its new track and the frame shown takes its proposal."""
    shutil.rmtree(project / "tracks", ignore_errors=True)  # the proposal is the live dlib68 run first
    assert main_window.open_project(project)
    panel = main_window.annotate_panel
    panel.set_annotator("CC")
    main_window.workspace_bar.select("annotate")
    qtbot.waitUntil(lambda: panel.editor.isVisible(), timeout=5000)
    item = panel.current
    assert "model proposal (dlib68)" in panel.frame_label.text()
    before = panel.editor.points()
    assert main_window.browser.select_recording(item.recording_id)
    main_window.landmark_recordings(current=True, model="fan-demo")
    qtbot.waitUntil(lambda: main_window.jobs and all(j.done for j in main_window.jobs), timeout=120000)
    assert panel.current == item  # nothing reselected
    qtbot.waitUntil(lambda: "model proposal (fan-demo)" in panel.frame_label.text(), timeout=5000)
    assert not np.array_equal(panel.editor.points(), before)
    np.testing.assert_allclose(panel.editor.points(), panel._proposal.points_px)


def test_the_model_opens_in_the_background_for_queued_frames_without_a_track(main_window, project, qtbot):
    """Issue 18 (no work on the GUI thread): a queued frame without a track or stored proposal runs
    the landmark model when shown; opening the model file takes ~1 s, so it is opened on a worker
    when the project opens, and showing the frame then costs milliseconds. With tracks, nothing runs."""
    panel = main_window.annotate_panel
    panel.set_annotator("CC")  # remembered before the project opens, as on a lab PC
    assert main_window.open_project(project)
    assert panel._warming is None and not panel.svc.needs_model()  # every queued frame has its track
    untracked = project.parent / "untracked"
    shutil.copytree(project, untracked)
    shutil.rmtree(untracked / "tracks", ignore_errors=True)
    assert main_window.open_project(untracked)
    svc = panel.svc
    assert panel._warming is not None or svc._predictor is not None  # started with the project
    qtbot.waitUntil(lambda: panel._warming is None, timeout=60000)
    assert svc._predictor is not None and not svc.needs_model()
    main_window.workspace_bar.select("annotate")
    qtbot.waitUntil(lambda: panel.editor.isVisible(), timeout=5000)
    assert "model proposal (dlib68)" in panel.frame_label.text()
