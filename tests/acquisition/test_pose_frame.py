"""Issue 15: the reference face's frame, line-of-sight angles, one frontal definition, pose in tracks.

The pitch bias (every frontal face read ~12 deg chin-down) came from the PnP mean face's own
frame; these tests pin the cause and the fix without a landmark model (fast), on the
simulator's exact geometry. Real faces: test_pose_real.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from neuroface_studio.acquisition import feedback as fb
from neuroface_studio.acquisition.pose import (FRONTAL_FRAME_TILT_DEG, MEAN_FACE_OWN_FRAME_MM, MODEL_INDICES,
                                               MODEL_POINTS_MM, RIGID_INDICES, PoseEstimate, PoseEstimator,
                                               line_of_sight_rotation, pose_seen_from_camera, rotation_from_euler)
from neuroface_studio.domain.participants import Group
from neuroface_studio.domain.protocol import Task

_OPEN = Task(code="OPEN", name="Open", instruction="", repetitions=5, segmented=True, category="nonspeech")


def _rows(indices) -> list[int]:
    return [list(MODEL_INDICES).index(i) for i in indices]


def frontal_tilt(model_mm: np.ndarray, frontal_2d: np.ndarray) -> float:
    """Rotation about x (deg) at which ``model_mm``'s rigid points, seen from the front, best match
    the frontal 2D face ``frontal_2d (68, 2)`` (similarity Procrustes)."""
    best = (np.inf, 0.0)
    y = frontal_2d[RIGID_INDICES] - frontal_2d[RIGID_INDICES].mean(0)
    yc = y[:, 0] + 1j * y[:, 1]
    for ang in np.arange(-30.0, 30.001, 0.1):
        a = np.radians(ang)
        rot = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
        x = (model_mm[_rows(RIGID_INDICES)] @ rot.T)[:, :2]
        x = x - x.mean(0)
        xc = x[:, 0] + 1j * x[:, 1]
        s = (np.conj(xc) @ yc) / (np.conj(xc) @ xc)
        r = float(np.sqrt(np.mean(np.abs(s * xc - yc) ** 2)) / abs(s))
        best = min(best, (r, float(ang)))
    return best[1]


def test_the_mean_face_needs_the_frontal_tilt_against_the_simulators_photo_face():
    """The cause: the mean face's own frame is ~10-12 deg off a frontal face (here: the
    simulator's template, a frontal portrait); the solver's model is in the frontal frame."""
    from neuroface_studio.simulation.face_model import reference_face
    frontal = reference_face().template_mm[:68, :2]
    own = frontal_tilt(MEAN_FACE_OWN_FRAME_MM, frontal)
    assert abs(own - FRONTAL_FRAME_TILT_DEG) < 2.5 and own > 8.0, own
    assert abs(frontal_tilt(MODEL_POINTS_MM, frontal)) < 2.5  # the fixed model needs no more


@pytest.fixture(scope="module")
def plan():
    from neuroface_studio.simulation.clinic import make_identity, plan_recording
    identity = make_identity("BENCH01", Group.HC, seed=0)
    return plan_recording(identity, _OPEN, fps=15.0, seed=0, turn_away=True, duration_scale=0.5)


def test_pose_from_the_true_landmarks_has_no_bias(plan):
    """A few simulated frames, exact landmarks: the estimate matches the truth (seen along the line
    of sight) with |bias| < 2 deg on every angle (it was 11 deg of pitch before issue 15)."""
    est = PoseEstimator(plan.camera)
    frames = [t for t in range(0, plan.n_frames, 4) if abs(plan.head_pose_deg[t, 0]) <= 20][:15]
    assert len(frames) >= 10
    err = np.array([np.subtract((e.yaw_deg, e.pitch_deg, e.roll_deg),
                                pose_seen_from_camera(plan.head_pose_deg[t], plan.landmarks_mm[t, 30]))
                    for t in frames for e in [est.from_landmarks(t, plan.landmarks_px[t])]])
    assert np.isfinite(err).all()
    assert (np.abs(err.mean(axis=0)) < 2.0).all(), err.mean(axis=0)


@pytest.mark.parametrize("offset_mm", [(0.0, 0.0), (150.0, 0.0), (0.0, -120.0), (-120.0, 90.0)])
def test_a_face_looking_into_the_lens_reads_zero_wherever_it_is(offset_mm):
    """Line-of-sight angles: a face off the optical axis that looks at the camera is frontal
    (in the camera frame it reads the angle off the axis: up to 17 deg here)."""
    from neuroface_studio.simulation.planning import simulated_camera
    cam = simulated_camera()
    nose_at = np.array([offset_mm[0], offset_mm[1], 500.0])
    rot = line_of_sight_rotation(nose_at)
    from neuroface_studio.acquisition.pose import NOSE_TIP_MM
    pts3 = (MODEL_POINTS_MM - NOSE_TIP_MM) @ rot.T + nose_at
    full = np.full((68, 3), np.nan)
    full[MODEL_INDICES] = pts3
    full[np.isnan(full[:, 0])] = nose_at  # unused points: anywhere finite
    px = cam.color.project(full)
    e = PoseEstimator(cam).from_landmarks(0, px)
    assert max(abs(e.yaw_deg), abs(e.pitch_deg), abs(e.roll_deg)) < 0.5, (e.yaw_deg, e.pitch_deg, e.roll_deg)
    assert abs(e.distance_mm - 500.0) < 5.0


def test_rotation_helpers_invert_each_other():
    from neuroface_studio.acquisition.pose import euler_from_rotation
    for angles in [(10.0, -5.0, 3.0), (-40.0, 12.0, -8.0)]:
        np.testing.assert_allclose(euler_from_rotation(rotation_from_euler(*angles)), angles, atol=1e-9)
    np.testing.assert_allclose(pose_seen_from_camera((5.0, 4.0, 3.0), (0.0, 0.0, 600.0)), (5.0, 4.0, 3.0),
                               atol=1e-9)


def _estimate(yaw, pitch, roll) -> PoseEstimate:
    return PoseEstimate(0, yaw, pitch, roll, 450.0, True, True, None, 1.0)


def test_one_frontal_definition_for_live_feedback_and_stored_poses():
    """pose_grades (stored poses) and evaluate (live) agree on every pose, default and custom limits."""
    rng = np.random.default_rng(0)
    angles = np.vstack([rng.uniform(-25, 25, (400, 3)), [[10, 0, 0], [0, -15, 0], [0, 0, 15.01]]])
    level_code = {fb.GREEN: fb.POSE_FRONTAL, fb.AMBER: fb.POSE_OFF, fb.RED: fb.POSE_TURNED}
    for t in (fb.FeedbackThresholds(), fb.FeedbackThresholds(max_yaw_deg=5, max_pitch_deg=8, amber_margin_deg=3)):
        grades = fb.pose_grades(angles, t)
        live = [level_code[fb.evaluate(_estimate(*a), t).level] for a in angles]
        np.testing.assert_array_equal(grades, live)
        np.testing.assert_array_equal(fb.frontal_mask(angles, t), [fb.evaluate(_estimate(*a), t).frontal
                                                                   for a in angles])
    none = fb.pose_grades([[np.nan, np.nan, np.nan], [0, 0, 0]])
    assert list(none) == [fb.POSE_NONE, fb.POSE_FRONTAL]
    assert fb.frontal_fraction([[np.nan] * 3, [0, 0, 0], [30, 0, 0], [0, 1, 2]]) == 0.5  # no face = not frontal
    assert fb.frontal_fraction(np.zeros((0, 3))) is None
    assert list(fb.turned_away_mask([[16, 0, 0], [14, 0, 0], [np.nan] * 3])) == [True, False, False]
