"""The Train setup's time estimate before Start: official weights (stored figure, labelled), another size
(read in the background, then measured on this PC with a click)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui
torch = pytest.importorskip("torch")
pytest.importorskip("face_alignment")


@pytest.fixture(autouse=True)
def model_home(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NEUROFACE_DEMO_FAN", str(tmp_path / "no-demo-fan.pth"))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    folder = tmp_path_factory.mktemp("simestimate") / "proj"
    simulate_into_project(ProjectSession.create(folder), SimulationRequest(
        participants=3, groups=("HC", "ALS"), tasks=("OPEN",), fps=10, duration_scale=0.2, annotators=0))
    return folder


def _setup(qtbot, project):
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.gui.train.setup import TrainSetupPanel
    panel = TrainSetupPanel()
    qtbot.addWidget(panel)
    panel.set_session(ProjectSession.open(project))
    panel.show()
    return panel


def test_official_fan_shows_a_labelled_estimate_at_once(qtbot, project):
    from neuroface_studio.vision import registry
    from neuroface_studio.vision.fan import build_fan

    def downloader(url, dest, progress):  # face-alignment's FAN(4) layout: what the official file holds
        torch.manual_seed(0)
        torch.save(build_fan(4).state_dict(), dest)

    registry.fetch_model(downloader=downloader, sha256_prefix=None)
    panel = _setup(qtbot, project)
    view = panel.estimate_view
    assert panel.plan_ok and view.isVisible() and not view.busy  # the official size needs no reading
    n_train = panel._counts[0]
    text = view.label.text()
    assert "4 x 256 @ 256" in text and f"on {n_train} frames" in text and "at most" in text
    assert "stored benchmark figure" in text and "not measured on this PC" in text
    panel.apply_settings(epochs=5)
    assert view.label.text() != text  # fewer epochs, shorter


def test_other_size_is_read_in_the_background_then_measured_here(qtbot, project, tmp_path):
    from simhelpers import import_random_fan
    import_random_fan(None, tmp_path, num_modules=1, width=16, input_size=64)
    panel = _setup(qtbot, project)
    view = panel.estimate_view
    qtbot.waitUntil(lambda: "not known yet" in view.label.text(), timeout=30_000)
    assert "1 x 16 @ 64" in view.label.text() and view.measure_button.isEnabled()
    qtbot.mouseClick(view.measure_button, pytest.importorskip("PySide6.QtCore").Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "measured on this PC" in view.label.text(), timeout=60_000)
    assert "at most" in view.label.text() and view.measure_button.text() == "Measure again on this PC"
