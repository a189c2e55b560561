"""The rendered frames agree with the plan's ground truth (warp, depth, an independent detector)."""

from __future__ import annotations

import numpy as np
import pytest

from neuroface_studio.domain.participants import Group
from neuroface_studio.simulation.clinic import make_identity, plan_recording, render_frame
from neuroface_studio.simulation.face_model import reference_face
from neuroface_studio.simulation.render import warp_fields, warp_image

from sim_helpers import TASKS, lip_aperture_mm, with_pose, zoomed


@pytest.fixture(scope="module")
def hc():
    return make_identity("T001", Group.HC, seed=3)


@pytest.fixture(scope="module")
def open_plan(hc):
    return plan_recording(hc, TASKS["OPEN"], fps=30.0, duration_scale=0.3, turn_away=False)


def _dot_peaks(identity, plan, index, zoom=4):
    """Warp a Gaussian dot at each reference landmark; return the warped peaks (68, 2) in
    the original frame's px. The brightest pixel is the one whose source position is nearest
    the dot; rendering ``zoom`` x finer makes that a sub-pixel measurement (no interpolation,
    which is biased where the warp is strongly sheared, e.g. at a closed mouth)."""
    z = zoomed(plan, index, zoom)
    fields = warp_fields(identity, z, index)
    yy, xx = np.mgrid[0:512, 0:512].astype(np.float32)
    peaks = []
    for j, (sx, sy) in enumerate(reference_face().src_px[:68]):
        dot = np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / 2.0).astype(np.float32)
        warped = warp_image(dot, fields)
        gx, gy = np.round(z.landmarks_px[index, j]).astype(int)
        r = 3 * zoom
        win = warped[gy - r:gy + r + 1, gx - r:gx + r + 1]
        iy, ix = np.unravel_index(int(np.argmax(win)), win.shape)
        peaks.append([gx - r + ix, gy - r + iy])
    peaks = np.asarray(peaks)
    offset = np.array([z.camera.color.cx / zoom - plan.camera.color.cx, z.camera.color.cy / zoom - plan.camera.color.cy])
    return peaks / zoom - offset


@pytest.mark.parametrize("case", ["neutral", "open_peak_yaw15"])
def test_warp_puts_each_reference_landmark_on_the_truth(hc, open_plan, case):
    if case == "neutral":
        plan, index = open_plan, 0
    else:
        index = int(np.argmax(lip_aperture_mm(open_plan)))
        assert lip_aperture_mm(open_plan)[index] > 15.0
        plan = with_pose(open_plan, index, (15.0, 0.0, 0.0))
    peaks = _dot_peaks(hc, plan, index)
    err = np.linalg.norm(peaks - plan.landmarks_px[index], axis=1)
    assert err.max() < 0.75, f"worst landmark {int(err.argmax())}: {err.max():.2f} px"


def test_depth_at_landmarks_deprojects_to_truth(hc):
    plan = plan_recording(hc, TASKS["REST"], fps=30.0, duration_scale=0.05, turn_away=False)
    _, depth = render_frame(hc, plan, 0)
    intr = plan.camera.color
    errors = []
    for j in list(range(27, 36)) + list(range(48, 68)):
        x, y = np.round(plan.landmarks_px[0, j]).astype(int)
        patch = depth[y - 1:y + 2, x - 1:x + 2].astype(float)
        if not np.any(patch > 0):
            continue
        z = float(np.median(patch[patch > 0]))
        errors.append(np.linalg.norm(intr.deproject(plan.landmarks_px[0, j], z) - plan.landmarks_mm[0, j]))
    assert len(errors) >= 20
    assert max(errors) < 10.0 and np.median(errors) < 3.0


def test_dlib_finds_the_face_and_its_landmarks_on_neutral_frames():
    dlib = pytest.importorskip("dlib")
    frm = pytest.importorskip("face_recognition_models")
    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(frm.pose_predictor_model_location())
    for pid, group in (("D001", Group.HC), ("D002", Group.ALS), ("D003", Group.PS)):
        identity = make_identity(pid, group, seed=11)
        plan = plan_recording(identity, TASKS["REST"], fps=30.0, duration_scale=0.05, turn_away=False)
        color, _ = render_frame(identity, plan, 0)
        faces = detector(color, 0)
        assert len(faces) == 1, pid
        shape = predictor(color, faces[0])
        found = np.array([[p.x, p.y] for p in shape.parts()], float)
        truth = plan.landmarks_px[0]
        interocular = np.linalg.norm(truth[36] - truth[45])
        nme = np.linalg.norm(found - truth, axis=1).mean() / interocular
        assert nme < 0.06, f"{pid}: dlib error {nme:.3f} of the interocular distance"
