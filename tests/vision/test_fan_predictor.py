"""FanPredictor on simulated frames with locally built FAN(1) weights (no download)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("face_alignment")

from neuroface_studio.domain.participants import Group  # noqa: E402
from neuroface_studio.domain.protocol import Task  # noqa: E402
from neuroface_studio.simulation.clinic import make_identity, plan_recording, render_frame  # noqa: E402
from neuroface_studio.vision import fan_geometry as geo  # noqa: E402
from neuroface_studio.vision.errors import NotAModelError  # noqa: E402
from neuroface_studio.vision.fan import FanPredictor, build_fan  # noqa: E402
from neuroface_studio.vision.predictor import ModelInfo, box_from_points  # noqa: E402

REST = Task(code="REST", name="Rest", instruction="", repetitions=None, segmented=False, category="rest",
            duration_s=20.0)
INFO = ModelInfo("fan-test", "1", "ab" * 32, "FAN-1", origin="built by the test")


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return build_fan(1)


@pytest.fixture(scope="module")
def frame():
    identity = make_identity("P020", Group.HC, seed=5)
    plan = plan_recording(identity, REST, fps=10.0, seed=0, duration_scale=0.1, turn_away=False)
    color, _ = render_frame(identity, plan, 0)
    return color, plan.landmarks_px[0]


class FakeDetector:
    def __init__(self, boxes):
        self.boxes, self.calls = boxes, 0

    def detect(self, image):
        self.calls += 1
        return list(self.boxes)


def test_predict_shapes_types_and_provenance(net, frame):
    color, truth = frame
    pred = FanPredictor(net.state_dict(), INFO, device="auto")
    assert pred.device.type in ("cpu", "cuda") and pred.num_modules == 1 and pred.info is INFO
    box = box_from_points(truth, 0.05)
    p = pred.predict(color, box)
    assert p.points_px.shape == (68, 2) and p.points_px.dtype == np.float64
    assert p.scores.shape == (68,) and p.scores.dtype == np.float32
    assert np.all((p.scores >= 0) & (p.scores <= 1)) and p.box == box
    # the crop square (side 200 * scale) around the box contains every decoded point
    center, scale = geo.crop_params(box)
    assert np.all(np.abs(p.points_px - center) <= 100 * scale + 1)


def test_forward_is_the_fan_last_stack(net):
    pred = FanPredictor(net, INFO, device="cpu")
    x = np.random.default_rng(0).uniform(0, 1, (1, 3, 256, 256)).astype(np.float32)
    with torch.no_grad():
        ref = net(torch.from_numpy(x))[-1].numpy()
    assert np.allclose(pred.forward(x), ref, atol=1e-5)


def test_batch_equals_single_and_detector_is_used(net, frame):
    color, truth = frame
    box = box_from_points(truth, 0.05)
    det = FakeDetector([box])
    pred = FanPredictor(net.state_dict(), INFO, device="cpu", detector=det)
    single = pred.predict(color)  # detects
    assert det.calls == 1 and single.box == box
    shifted = (box[0] + 7, box[1] - 3, box[2] + 7, box[3] - 3)
    batch = pred.predict_batch([color, color], [box, shifted], batch_size=2)
    assert np.allclose(batch[0].points_px, single.points_px, atol=1e-3)
    assert batch[1].box == shifted
    assert pred.predict(color.copy(), None) is not None
    pred_none = FanPredictor(net.state_dict(), INFO, device="cpu", detector=FakeDetector([]))
    assert pred_none.predict(color) is None


def test_flip_tta_is_mirror_equivariant(net):
    pred = FanPredictor(net.state_dict(), INFO, device="cpu", flip_tta=True)
    x = np.random.default_rng(1).uniform(0, 1, (1, 3, 256, 256)).astype(np.float32)
    hm = pred.heatmaps(x)
    hm_mirror = pred.heatmaps(np.ascontiguousarray(x[..., ::-1]))
    assert np.allclose(hm_mirror, geo.unflip_heatmaps(hm), atol=1e-4)


def test_bad_inputs(net, frame):
    with pytest.raises(NotAModelError):
        FanPredictor({"conv1.weight": torch.zeros(3)}, INFO)
    pred = FanPredictor(net.state_dict(), INFO, device="cpu")
    with pytest.raises(ValueError, match="uint8"):
        pred.predict(frame[0].astype(np.float32), (100.0, 100.0, 300.0, 300.0))
    with pytest.raises(ValueError, match="backend"):
        FanPredictor(net.state_dict(), INFO, backend="tensorrt")


def test_default_detector_is_dlib_hog(net, frame):
    pytest.importorskip("dlib")
    color, truth = frame
    pred = FanPredictor(net.state_dict(), INFO, device="cpu")
    boxes = pred.detect(color)
    assert len(boxes) == 1
    x0, y0, x1, y1 = boxes[0]
    assert x0 < truth[30, 0] < x1 and y0 < truth[30, 1] < y1

