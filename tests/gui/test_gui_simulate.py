"""Simulate Participants: the dialog gathers a request; the window runs it in the background."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


def test_dialog_builds_request_and_rejects_bad_input(opened_window, qtbot):
    pytest.importorskip("neuroface_studio.simulation.clinic")
    from neuroface_studio.domain.participants import Group
    from neuroface_studio.gui.dialogs.simulate import SimulateDialog

    dialog = SimulateDialog(opened_window.session.project.protocol)
    qtbot.addWidget(dialog)
    dialog.participants.setValue(2)
    dialog.group_boxes[Group.PD].setChecked(True)
    dialog.no_effect.setChecked(True)
    req = dialog.build_request()
    assert req.participants == 2 and req.groups == (Group.HC, Group.ALS, Group.PS, Group.PD)
    assert set(req.tasks) == {"OPEN", "SPREAD"} and req.no_effect
    for box in dialog.group_boxes.values():
        box.setChecked(False)
    dialog.accept()  # invalid: stays open and says why
    assert dialog.request() is None
    assert "group" in dialog.error_label.text()


def test_simulate_participants_in_background_refreshes_browser(opened_window, qtbot, monkeypatch):
    pytest.importorskip("neuroface_studio.simulation.clinic")
    from neuroface_studio.gui.dialogs.simulate import SimulateDialog

    def fake_exec(dialog):
        dialog.participants.setValue(1)
        dialog.task_boxes["SPREAD"].setChecked(False)
        dialog.fps.setValue(10)
        dialog.duration.setValue(0.1)
        dialog.accept()
        return SimulateDialog.DialogCode.Accepted

    monkeypatch.setattr(SimulateDialog, "exec", fake_exec)
    win = opened_window
    win.simulate_action.trigger()
    worker = win.jobs[-1]
    qtbot.waitUntil(lambda: worker.done, timeout=60000)
    qtbot.waitUntil(lambda: "SIM001-OPEN" in win.browser.recording_ids(), timeout=10000)
    assert ("SIM001", "HC") in win.browser.participant_rows()
    assert win.viewer.recording_id == "P001-OPEN"  # the recording shown before stays shown
    assert not win.session.dirty


def test_failed_simulation_reloads_what_the_job_saved(opened_window, qtbot, monkeypatch):
    """The job saves its completed recordings even when it fails later; the window must show
    that project, so a later Save cannot overwrite it with a stale copy."""
    from neuroface_studio.app import simulate
    from neuroface_studio.gui.dialogs.simulate import SimulateDialog
    from PySide6.QtWidgets import QMessageBox

    def fake_exec(dialog):
        dialog.participants.setValue(2)
        dialog.task_boxes["SPREAD"].setChecked(False)
        dialog.fps.setValue(10)
        dialog.duration.setValue(0.1)
        dialog.accept()
        return SimulateDialog.DialogCode.Accepted

    real_write = simulate._write_recording

    def second_fails(session, rec_id, *a, **k):
        if rec_id.startswith("SIM002"):
            raise RuntimeError("renderer crashed")
        return real_write(session, rec_id, *a, **k)

    warnings = []
    monkeypatch.setattr(SimulateDialog, "exec", fake_exec)
    monkeypatch.setattr(simulate, "_write_recording", second_fails)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    win = opened_window
    win.simulate_action.trigger()
    worker = win.jobs[-1]
    qtbot.waitUntil(lambda: worker.done, timeout=60000)
    qtbot.waitUntil(lambda: "SIM001-OPEN" in win.browser.recording_ids(), timeout=10000)
    assert "SIM001" in win.session.project.participants and "SIM002" not in win.session.project.participants
    assert warnings and "renderer crashed" in warnings[0]
    win.save()
    from neuroface_studio.store.project_file import load_project
    assert "SIM001-OPEN" in load_project(win.session.folder).recordings
