"""Train workspace: one click fine-tunes on a background thread with live curves; Stop; no FAN installed.

A tiny simulated project (3 participants, one short task, no annotators: the data is simulated
ground truth) and a small random FAN (1 x 32 @ 64) imported as ``fan2d`` into the model store under a
temporary NEUROFACE_HOME; settings are tiny (1 truth frame per recording, batch 1) because the test
machine trains on a slow CPU. tools/train_screenshots.py runs the real thing (the demo project and
``fan-demo``) in a real window.
"""

from __future__ import annotations

import re
import shutil

import pytest

pytestmark = pytest.mark.gui
torch = pytest.importorskip("torch")
pytest.importorskip("face_alignment")

TINY = {"epochs": 1, "batch_size": 1, "augment_copies": 1, "truth_frames": 1}


@pytest.fixture(autouse=True)
def model_home(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NEUROFACE_DEMO_FAN", str(tmp_path / "no-demo-fan.pth"))  # only the models a test adds


@pytest.fixture(scope="module")
def sim_master(tmp_path_factory):
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    folder = tmp_path_factory.mktemp("simtrain") / "proj"
    simulate_into_project(ProjectSession.create(folder), SimulationRequest(
        participants=3, groups=("HC", "ALS"), tasks=("OPEN",), fps=10, duration_scale=0.2, annotators=0))
    return folder


@pytest.fixture
def session(sim_master, tmp_path):
    from neuroface_studio.app.project_service import ProjectSession
    folder = tmp_path / "proj"
    shutil.copytree(sim_master, folder)
    return ProjectSession.open(folder)


@pytest.fixture
def fan_installed(tmp_path, model_home):
    from simhelpers import import_random_fan
    import_random_fan(None, tmp_path, width=32, input_size=64)  # the default store, under NEUROFACE_HOME; small: fast


@pytest.fixture
def panel(qtbot, session):
    from neuroface_studio.gui.train.workspace import TrainWorkspacePanel
    widget = TrainWorkspacePanel()
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.set_session(session)
    widget.show()
    yield widget
    if widget.running:
        widget.worker.stop(60000)


def test_defaults_are_the_engines():
    from neuroface_studio.app.finetune import DataChoice
    from neuroface_studio.gui.train.setup import DEFAULTS, REGULARIZERS, TRUTH_FRAMES_DEFAULT
    from neuroface_studio.training.engine import FinetuneConfig
    from neuroface_studio.training.losses import REGULARIZERS as ENGINE_REGULARIZERS
    config = FinetuneConfig()
    assert {k: getattr(config, k) for k in DEFAULTS} == DEFAULTS
    assert set(REGULARIZERS) - {None} == set(ENGINE_REGULARIZERS)
    assert TRUTH_FRAMES_DEFAULT == DataChoice().truth_frames


def test_eta_from_time_per_step():
    from neuroface_studio.gui.train.curves import eta_text
    assert eta_text(3, 10, 1, 10.0, 14.0) == "about 15 s left"  # 2 s per step, 7 steps left
    assert eta_text(10, 100, 0, 0.0, 100.0) == "about 15 min left"
    assert eta_text(1, 10, 1, 5.0, 5.0) == ""  # no step timed yet
    assert eta_text(10, 10, 1, 5.0, 50.0) == "finishing"


def test_one_click_trains_live_and_registers(panel, qtbot, session, fan_installed):
    from PySide6.QtCore import QTimer

    from neuroface_studio.vision import registry
    panel.setup.refresh()  # the model was installed after the panel was built
    assert panel.setup.base_model() == "fan2d" and panel.setup.no_fan_label.isHidden()
    panel.setup.apply_settings(**TINY)
    plan = panel.setup.plan_text
    assert panel.setup.plan_ok and "3 simulated ground-truth frames" in plan and "3 participant(s)" in plan
    assert "Validation: 1 participant(s)" in plan
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(50)
    panel.start_button.click()
    assert panel.running and not panel.start_button.isEnabled() and panel.stop_button.isEnabled()
    while_running = []
    qtbot.waitUntil(lambda: panel.curves.point_counts()[0] >= 1 and not while_running.append(panel.running),
                    timeout=120000)
    assert while_running[-1]  # the loss curve got a point while the job was still running
    with qtbot.waitSignal(panel.training_finished, timeout=120000) as done:
        pass
    timer.stop()
    assert done.args == ["fan2d-ft1"] and not panel.running
    assert len(ticks) > 10  # the GUI thread kept running its event loop during training
    assert panel.curves.point_counts() == (2, 1)  # 2 steps (2 training frames, batch 1), 1 epoch
    held_out_group = next(g for g in panel.curves.base_groups if g != "all")  # every curve starts at epoch 0
    assert list(panel.curves.val_curves[held_out_group].getData()[0]) == [0.0, 1.0]
    rows = panel.result.table_rows()
    assert rows[0][0] == "all participants" and len(rows) == 2 and rows[1][0] in ("HC", "ALS")  # 1 held out
    assert all(r[1].endswith("%") for r in rows) and rows[0][2].endswith("%")
    assert "fan2d-ft1" in panel.result.title_label.text() and panel.result.isVisible()
    assert "fan2d-ft1" in [r.name for r in registry.list_models()]
    assert session.project.audit_log[-1].action == "fine-tune" and not session.dirty
    assert "fan2d-ft1" in session.project.audit_log[-1].detail
    panel.result.activate_button.click()
    assert registry.active_model() == "fan2d-ft1" and not panel.result.activate_button.isEnabled()
    panel.result.undo_button.click()
    assert "fan2d-ft1" not in [r.name for r in registry.list_models()]
    assert registry.active_model() == "dlib68"  # the model active before
    assert session.project.audit_log[-1].action == "fine-tune undone"
    assert panel.start_button.isEnabled()


def test_stop_keeps_the_checkpoint_registers_nothing_and_start_resumes(panel, qtbot, session, fan_installed):
    from neuroface_studio.vision import registry
    panel.setup.refresh()
    panel.setup.apply_settings(**{**TINY, "epochs": 3})
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.curves.point_counts()[1] >= 1, timeout=120000)  # epoch 1 done
    with qtbot.waitSignal(panel.training_stopped, timeout=120000) as stopped:
        panel.stop_button.click()
        assert panel.progress_label.text().startswith("Stopping")
    message = stopped.args[0]
    # the stop lands in epoch 2, or in epoch 3 on a loaded machine: the last finished epoch is kept
    kept = re.search(r"The checkpoint of epoch ([12]) is kept", message)
    assert kept, message
    assert "Start with the same settings resumes" in message
    assert "Nothing was registered" in message and panel.message_label.isVisible()
    assert [r.name for r in registry.list_models() if r.name.startswith("fan2d-ft")] == []
    assert list((session.folder / "training").glob("finetune-fan2d.ckpt"))
    assert not panel.result.isVisible() and panel.start_button.isEnabled()
    with qtbot.waitSignal(panel.training_finished, timeout=120000):  # Start again: resumes after the kept epoch
        panel.start_button.click()
    # 2 steps per epoch: the first new loss point is the first step after the kept epoch; the kept
    # epochs' validation points come from the checkpoint
    assert panel.curves.steps[0] == 2 * int(kept.group(1)) + 1, (kept.group(1), panel.curves.steps)
    assert panel.curves.epochs == [1, 2, 3]
    assert "fan2d-ft1" in [r.name for r in registry.list_models()]


def test_failure_is_a_message_not_a_traceback(panel, qtbot, fan_installed, monkeypatch):
    from neuroface_studio.gui.train import workspace as train_workspace
    from neuroface_studio.training.errors import TrainingError

    def boom(*args, **kwargs):
        raise TrainingError("the loss became nan in epoch 1, step 1; lower the learning rate")

    monkeypatch.setattr(train_workspace, "run_finetune", boom)
    panel.setup.refresh()
    with qtbot.waitSignal(panel.training_stopped, timeout=60000) as failed:
        panel.start_button.click()
    assert failed.args[0] == "Fine-tuning failed: the loss became nan in epoch 1, step 1; lower the learning rate"
    assert "Traceback" not in panel.message_label.text() and "untouched" in panel.message_label.text()
    panel.setup.select_data("annotations")  # no corrected frames in this project: Start says why
    assert not panel.start_button.isEnabled() and "annotate frames" in panel.setup.plan_text


def test_no_fan_says_how_to_get_one(panel, monkeypatch):
    from neuroface_studio.gui.dialogs.models import ModelsDialog
    assert "none is installed" in panel.setup.no_fan_label.text() and panel.setup.no_fan_label.isVisible()
    assert "Landmark models" in panel.setup.no_fan_label.text()
    assert panel.setup.models_button.isVisible() and not panel.start_button.isEnabled()
    opened = []
    monkeypatch.setattr(ModelsDialog, "exec", lambda self: opened.append(self) or 0)
    panel.setup.models_button.click()
    assert len(opened) == 1


def test_stop_after_the_model_was_registered_shows_the_result(panel, qtbot, session, fan_installed, monkeypatch):
    import threading

    from neuroface_studio.app.finetune import FinetuneSummary
    from neuroface_studio.gui.train import workspace as train_workspace
    registered = threading.Event()

    def finished_as_stop_arrives(*args, cancel=None, **kwargs):  # the engine's last check has passed
        registered.wait(30)
        return FinetuneSummary("fan2d-ft7", "fan2d", {"all": 0.2, "HC": 0.2}, {"all": 0.1, "HC": 0.1}, ["A"], ["B"],
                               4, 2, "4 frames", 1, 1, 1.0, "cpu")

    monkeypatch.setattr(train_workspace, "run_finetune", finished_as_stop_arrives)
    panel.setup.refresh()
    with qtbot.waitSignal(panel.training_finished, timeout=60000) as done:
        panel.start_button.click()
        panel.stop_button.click()
        registered.set()
    assert done.args == ["fan2d-ft7"] and panel.result.table_rows()[0][1:3] == ("20.00%", "10.00%")
    assert session.project.audit_log[-1].action == "fine-tune"
