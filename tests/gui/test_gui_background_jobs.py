"""Issue 18 items 4 and 5: long work runs in the jobs panel without blocking the window (Cancel
there), jobs that write the same things never run at once, and every view hears the project
session's change notification (Review redraws after an edit in Segment)."""

from __future__ import annotations

import threading
import time

import pytest

pytestmark = pytest.mark.gui


def _slow_job(steps: int, seen: list, release: threading.Event | None = None):
    def job(progress, cancel):
        seen.append("started")
        for k in range(steps):
            cancel.raise_if_cancelled()
            if release is not None and release.is_set():
                return k
            progress(k, steps, f"step {k + 1} of {steps}")
            time.sleep(0.02)
        return steps
    return job


def test_landmark_all_runs_in_the_jobs_panel_and_the_window_stays_usable(main_window, tmp_path, qtbot):
    from tests.conftest import make_handmade_project
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from neuroface_studio.gui.widgets.jobs_panel import JobEntry

    win = main_window
    assert win.open_project(make_handmade_project(tmp_path / "proj", n_frames=150))
    win.landmark_recordings(model="dlib68")  # Tools > Landmark all recordings
    worker = win.jobs[-1]
    assert QApplication.activeModalWidget() is None  # nothing modal: the window takes input
    (entry,) = win.jobs_panel.findChildren(JobEntry)
    assert entry.title == "Landmarking" and entry.isVisibleTo(win)
    assert not win.landmark_all_action.isEnabled() and not win.landmark_action.isEnabled()
    assert win.landmark_all_action.toolTip().startswith("Landmarking is running")
    assert win.save_action.isEnabled()  # landmarking only writes tracks: editing goes on

    # another workspace can be used meanwhile: click Segment in the workspace bar, then edit there
    qtbot.mouseClick(win.workspace_bar.widgetForAction(win.workspace_bar.actions_by_key["segment"]),
                     Qt.MouseButton.LeftButton)
    assert win.workspace_stack.current_key() == "segment"
    win.segment_panel.open_recording("P001-OPEN")
    win.segment_panel.select(0)
    win.segment_panel.delete_selected()
    assert win.segment_panel.spans() == [(6, 10)] and worker.running

    win.landmark_recordings(current=False, model="dlib68")  # a second run is held back, saying why
    assert win.jobs[-1] is worker and "wait for it to end" in win.statusBar().currentMessage()

    qtbot.waitUntil(lambda: entry.bar.maximum() > 0, timeout=30000)  # progress arrives in the panel
    qtbot.mouseClick(entry.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: worker.done, timeout=30000)
    qtbot.waitUntil(lambda: not win.jobs_panel.isVisible(), timeout=5000)
    assert "Landmarking cancelled" in win.statusBar().currentMessage()
    assert win.landmark_all_action.isEnabled() and win.segment_panel.spans() == [(6, 10)]  # the edit was kept
    win.session.undo.clear()  # nothing to ask when the window closes


def test_a_job_from_a_page_shows_in_the_jobs_panel_and_cancels_there(opened_window, qtbot):
    from PySide6.QtWidgets import QApplication, QPushButton

    from neuroface_studio.gui.widgets.job_progress import run_with_progress

    win, seen, outcome = opened_window, [], []
    worker = run_with_progress(win.report_panel, "Building the study summary", _slow_job(10000, seen),
                               on_finished=outcome.append, on_cancelled=lambda: outcome.append("cancelled"))
    qtbot.waitUntil(lambda: seen == ["started"], timeout=5000)
    assert QApplication.activeModalWidget() is None and win.jobs_panel.isVisible()
    win.workspace_bar.select("review")  # the user goes on reviewing
    win.viewer.open_recording("P002-OPEN")
    assert win.viewer.recording_id == "P002-OPEN" and worker.running
    win.jobs_panel.findChild(QPushButton, "jobCancel").click()
    qtbot.waitUntil(lambda: outcome == ["cancelled"], timeout=5000)
    assert not win.jobs_panel.isVisible() and not win.jobs_panel.entries


def test_jobs_writing_the_same_thing_wait_for_each_other(opened_window, qtbot):
    from neuroface_studio.gui.widgets.job_progress import run_with_progress
    from neuroface_studio.gui.widgets.jobs_panel import TRACKS

    win, first_seen, second_seen, third_seen, outcome = opened_window, [], [], [], []
    release = threading.Event()
    first = run_with_progress(win.segment_panel, "Proposing repetitions", _slow_job(100000, first_seen, release),
                              on_finished=lambda r: outcome.append(("first", r)), writes=[TRACKS])
    second = run_with_progress(win, "Landmarking", _slow_job(3, second_seen),
                               on_finished=lambda r: outcome.append(("second", r)), writes=[TRACKS])
    third = run_with_progress(win, "Landmarking", _slow_job(3, third_seen),
                              on_finished=lambda r: outcome.append(("third", r)),
                              on_cancelled=lambda: outcome.append(("third", "cancelled")), writes=[TRACKS])
    qtbot.waitUntil(lambda: first_seen == ["started"], timeout=5000)
    qtbot.wait(200)
    assert second_seen == [] and not second.started and len(win.jobs_panel.entries) == 3
    waiting = win.jobs_panel.entries[1]
    assert waiting.waiting_for == "Proposing repetitions"
    assert "waiting for proposing repetitions" in waiting.message_label.toolTip()
    win.jobs_panel.entries[2].cancel_button.click()  # a waiting job cancelled never runs
    qtbot.waitUntil(lambda: ("third", "cancelled") in outcome, timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: second.done, timeout=10000)
    assert second_seen == ["started"] and third_seen == [] and not third.started
    assert [o[0] for o in outcome] == ["third", "first", "second"] and first.done


def test_review_shows_a_repetition_deleted_in_segment_without_reselecting(opened_window, qtbot):
    win = opened_window
    win.browser.select_recording("P001-OPEN")
    assert win.viewer.recording_id == "P001-OPEN" and win.viewer.strip.spans == [(1, 5), (6, 10)]
    assert "between reps (2)" in win.viewer.info_label.text()
    win.workspace_bar.select("segment")
    assert win.segment_panel.recording_id == "P001-OPEN"
    win.segment_panel.select(0)
    win.segment_panel.delete_selected()
    win.workspace_bar.select("review")
    assert win.viewer.recording_id == "P001-OPEN" and win.viewer.strip.spans == [(6, 10)]
    assert "between reps (1)" in win.viewer.info_label.text()
    win.undo()  # undo is an edit like any other: Review follows it too
    assert win.viewer.strip.spans == [(1, 5), (6, 10)]


def test_simulating_freezes_the_project_until_it_is_reopened(opened_window, qtbot):
    """A job that writes the project file: editing is off (an edit would be lost on the reopen)."""
    from neuroface_studio.gui.widgets.job_progress import run_with_progress
    from neuroface_studio.gui.widgets.jobs_panel import PROJECT_FILE

    win, seen, outcome = opened_window, [], []
    release = threading.Event()
    worker = run_with_progress(win, "Simulating participants", _slow_job(100000, seen, release),
                               on_finished=outcome.append, writes=[PROJECT_FILE])
    qtbot.waitUntil(lambda: seen == ["started"], timeout=5000)
    assert not win.central.isEnabled() and not win.save_action.isEnabled() and not win.undo_action.isEnabled()
    assert "Simulating participants is writing the project" in win.central.toolTip()
    assert win.jobs_panel.entries[0].cancel_button.isEnabled()  # but it can be cancelled
    release.set()
    qtbot.waitUntil(lambda: worker.done, timeout=5000)
    assert win.central.isEnabled() and win.save_action.isEnabled() and win.central.toolTip() == ""


def test_closing_the_window_stops_running_and_waiting_jobs(opened_window, qtbot):
    from neuroface_studio.gui.widgets.job_progress import run_with_progress
    from neuroface_studio.gui.widgets.jobs_panel import TRACKS

    win, seen, told = opened_window, [], []
    running = win._track(run_with_progress(win, "Landmarking", _slow_job(100000, seen), on_finished=told.append,
                                           on_cancelled=lambda: told.append("cancelled"), writes=[TRACKS]))
    waiting = win._track(run_with_progress(win.segment_panel, "Proposing repetitions", _slow_job(3, []),
                                           on_finished=told.append, writes=[TRACKS]))
    qtbot.waitUntil(lambda: seen == ["started"], timeout=5000)
    assert win.close()  # no question (nothing unsaved): the jobs are stopped, not left running
    assert not running.running and not waiting.started and not win.isVisible()
    qtbot.wait(100)
    assert told == []  # a closing window is told nothing
