"""JobWorker: background jobs with throttled progress, results, failures and cancellation."""

from __future__ import annotations

import threading

import pytest

pytestmark = pytest.mark.gui


def test_job_runs_with_progress_and_result(qtbot):
    from neuroface_studio.gui.widgets.workers import JobWorker

    main_thread = threading.get_ident()
    seen_threads = []

    def job(progress, cancel):
        seen_threads.append(threading.get_ident())
        for i in range(5):
            cancel.raise_if_cancelled()
            progress(i + 1, 5, f"step {i + 1}")
        return 42

    worker = JobWorker(job, min_interval_s=0.0)
    steps = []
    worker.progressed.connect(lambda d, t, m: steps.append((d, t, m)))
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        worker.start()
    assert blocker.args == [42]
    assert steps[-1] == (5, 5, "step 5")
    assert seen_threads and seen_threads[0] != main_thread
    assert worker.done and not worker.running


def test_progress_is_throttled_but_last_step_reported(qtbot):
    from neuroface_studio.gui.widgets.workers import JobWorker

    def job(progress, cancel):
        for i in range(2000):
            progress(i + 1, 2000, "")

    worker = JobWorker(job, min_interval_s=10.0)
    steps = []
    worker.progressed.connect(lambda d, t, m: steps.append(d))
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    assert steps[-1] == 2000 and len(steps) <= 3


def test_job_can_be_cancelled(qtbot):
    from neuroface_studio.gui.widgets.workers import JobWorker

    started = threading.Event()

    def job(progress, cancel):
        started.set()
        while True:
            cancel.raise_if_cancelled()
            progress(0, 1, "waiting")
            cancel._event.wait(0.01)

    worker = JobWorker(job)
    finished = []
    worker.finished.connect(finished.append)
    with qtbot.waitSignal(worker.progressed, timeout=5000):
        worker.start()
    assert started.is_set()
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        worker.cancel()
    assert finished == [] and worker.token.cancelled and worker.done


def test_failure_becomes_a_message(qtbot):
    from neuroface_studio.gui.widgets.workers import JobWorker

    def job(progress, cancel):
        raise ValueError("fps must be between 1 and 120")

    worker = JobWorker(job)
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.start()
    assert blocker.args == ["fps must be between 1 and 120"]


def test_stop_waits_for_the_thread(qtbot):
    from neuroface_studio.gui.widgets.workers import JobWorker

    def job(progress, cancel):
        while not cancel.cancelled:
            progress(0, 1, "")
            cancel._event.wait(0.01)
        return None  # a job that notices the flag itself still counts as cancelled

    worker = JobWorker(job)
    with qtbot.waitSignal(worker.progressed, timeout=5000):
        worker.start()
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        assert worker.stop(5000)
    assert not worker.running


def test_progress_dialog_runs_job_and_reports(qtbot):
    from PySide6.QtWidgets import QWidget

    from neuroface_studio.gui.widgets.job_progress import run_with_progress

    parent = QWidget()
    qtbot.addWidget(parent)
    results = []
    worker = run_with_progress(parent, "Counting", lambda progress, cancel: (progress(1, 1, "done"), 7)[1],
                               on_finished=results.append)
    qtbot.waitUntil(lambda: results == [7], timeout=5000)
    assert worker.done


def test_a_failed_job_without_a_handler_says_so_in_a_non_modal_notice(qtbot):
    """The default for a failure is a notice that leaves the window usable (a modal box would lock it,
    and hang an unattended run), with the message escaped as text."""
    from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

    from neuroface_studio.gui.widgets.job_progress import run_with_progress

    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()

    def job(progress, cancel):
        raise OSError("disk full <b>not bold</b>")

    worker = run_with_progress(parent, "Writing", job, on_finished=lambda r: None)
    qtbot.waitUntil(lambda: worker.done, timeout=5000)

    def notices():
        return [b for b in parent.findChildren(QMessageBox) if b.objectName() == "jobNotice" and b.isVisible()]

    qtbot.waitUntil(lambda: bool(notices()), timeout=5000)
    box = notices()[0]
    assert QApplication.activeModalWidget() is None
    assert "Writing failed" in box.text() and "disk full &lt;b&gt;not bold&lt;/b&gt;" in box.text()
    box.close()
