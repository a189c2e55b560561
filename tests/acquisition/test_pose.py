"""Live pose estimation and feedback, checked against the simulator's exact truth."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from neuroface_studio.acquisition import feedback as fb
from neuroface_studio.acquisition.pose import PoseEstimate, PoseEstimator, PoseWorker, neutral_pose
from neuroface_studio.acquisition.source import Frame
from neuroface_studio.domain.participants import Group
from neuroface_studio.domain.protocol import Task
from neuroface_studio.simulation.clinic import make_identity, plan_recording, render_frame
from neuroface_studio.simulation.planning import PIVOT_MM, head_to_camera, rotation_matrix

pytest.importorskip("dlib")
from neuroface_studio.acquisition.pose import FaceTracker  # noqa: E402
from neuroface_studio.vision.dlib68 import Dlib68  # noqa: E402

REST = Task(code="REST", name="Rest", instruction="", repetitions=None, segmented=False, category="rest",
            duration_s=20.0)


@pytest.fixture(scope="module")
def model() -> Dlib68:
    return Dlib68()


@pytest.fixture(scope="module")
def scene():
    identity = make_identity("P020", Group.HC, seed=5)
    plan = plan_recording(identity, REST, fps=10.0, seed=0, duration_scale=0.1, turn_away=False)
    return identity, plan


def posed_frame(identity, plan, pose_deg, index=0) -> Frame:
    """Frame ``index`` re-rendered with head pose ``pose_deg`` (yaw, pitch, roll) exactly."""
    rot = rotation_matrix(*plan.head_pose_deg[index])
    trans = plan.head_translation_mm[index]
    head = (plan.landmarks_mm[index] - PIVOT_MM - trans) @ rot + PIVOT_MM
    mm, px, pose = plan.landmarks_mm.copy(), plan.landmarks_px.copy(), plan.head_pose_deg.copy()
    mm[index] = head_to_camera(head, np.asarray(pose_deg, float), trans)
    px[index] = plan.camera.color.project(mm[index])
    pose[index] = pose_deg
    posed = dataclasses.replace(plan, landmarks_mm=mm, landmarks_px=px, head_pose_deg=pose)
    color, depth = render_frame(identity, posed, index)
    return Frame(index, 0.0, color, depth), posed


def test_bench_accuracy_and_speed_against_truth(model):
    from neuroface_studio.acquisition.pose_bench import bench_pose

    r = bench_pose(n_frames=40, model=model)  # includes a head turn to about -39 deg yaw
    assert r["frames_scored"] >= 25
    assert r["yaw_mae_deg"] < 5.0 and r["roll_mae_deg"] < 5.0
    # issue 15: the reference face in the frontal frame (it read every frontal face ~12 deg
    # chin-down); solving from nose + eye corners only keeps it steady while mouth and brows move
    assert abs(r["pitch_bias_deg"]) < 2.0 and r["pitch_mae_deg"] < 3.0 and r["pitch_mae_after_bias_deg"] < 3.0
    assert abs(r["yaw_bias_deg"]) < 2.0 and abs(r["roll_bias_deg"]) < 2.0
    assert r["distance_mae_mm"] < 30.0
    assert r["big_yaw_frames"] >= 1 and r["big_yaw_sign_correct"] >= 0.8
    assert r["achievable_hz"] > 15.0


@pytest.mark.parametrize("pose, expected, message", [
    ((15.0, 0.0, 0.0), 0, fb.MSG_TURN_RIGHT),    # nose to image right = turned to their left
    ((-15.0, 0.0, 0.0), 0, fb.MSG_TURN_LEFT),
    ((0.0, 15.0, 0.0), 1, fb.MSG_CHIN_UP),       # nose down = chin down
    ((0.0, -15.0, 0.0), 1, fb.MSG_CHIN_DOWN),
    ((0.0, 0.0, 15.0), 2, fb.MSG_STRAIGHTEN),
])
def test_posed_participant_gets_the_right_direction(model, scene, pose, expected, message):
    identity, plan = scene
    straight, _ = posed_frame(identity, plan, (0.0, 0.0, 0.0))
    calib = PoseEstimator(plan.camera, FaceTracker(model))
    neutral = neutral_pose([calib.estimate(straight)])
    # Absolute pitch of a straight face varies by identity (generic model): a few degrees.
    assert abs(neutral[0]) < 5 and abs(neutral[2]) < 5 and abs(neutral[1]) < 8
    estimator = PoseEstimator(plan.camera, FaceTracker(model), neutral_deg=neutral)
    frame, posed = posed_frame(identity, plan, pose)
    est = estimator.estimate(frame)
    assert est.face_found and est.face_in_view
    angles = np.array([est.yaw_deg, est.pitch_deg, est.roll_deg])
    # Direction is what feedback needs. Magnitude: the generic face under-reads +-15 deg yaw on
    # the (shallow) simulated faces as 4-12 deg even from TRUE landmarks (see the report), so
    # the bound is loose and the hint is checked with 5 deg thresholds.
    assert abs(angles[expected] - pose[expected]) < 11.0
    assert np.sign(angles[expected]) == np.sign(pose[expected]) and abs(angles[expected]) > 3.0
    assert abs(est.distance_mm - posed.landmarks_mm[0, 30, 2]) < 30.0 and est.distance_source == "depth"
    verdict = fb.evaluate(est, fb.FeedbackThresholds(max_yaw_deg=3, max_pitch_deg=5, max_roll_deg=5))
    assert verdict.level in (fb.AMBER, fb.RED) and message in verdict.messages and not verdict.frontal


def test_distance_falls_back_to_pnp_without_depth(model, scene):
    identity, plan = scene
    color, _ = render_frame(identity, plan, 0)
    est = PoseEstimator(plan.camera, FaceTracker(model)).estimate(Frame(0, 0.0, color, np.zeros((480, 640), np.uint16)))
    assert est.distance_source == "pnp"
    assert abs(est.distance_mm - plan.landmarks_mm[0, 30, 2]) < 0.15 * plan.landmarks_mm[0, 30, 2]


def test_blank_frame_is_red_face_not_found(model, scene):
    _, plan = scene
    blank = Frame(3, 0.1, np.zeros((480, 640, 3), np.uint8), np.zeros((480, 640), np.uint16))
    est = PoseEstimator(plan.camera, FaceTracker(model)).estimate(blank)
    assert not est.face_found and est.landmarks_px is None and np.isnan(est.yaw_deg)
    verdict = fb.evaluate(est)
    assert verdict == fb.Feedback(fb.RED, (fb.MSG_NOT_FOUND,), False, face_found=False)


def test_track_is_dropped_when_the_face_disappears(model, scene):
    identity, plan = scene
    estimator = PoseEstimator(plan.camera, FaceTracker(model))
    color, depth = render_frame(identity, plan, 0)
    assert estimator.estimate(Frame(0, 0.0, color, depth)).face_found
    blank = Frame(1, 0.1, np.zeros_like(color), np.zeros_like(depth))
    assert not estimator.estimate(blank).face_found


def estimate(yaw=0.0, pitch=0.0, roll=0.0, distance=450.0, found=True, in_view=True) -> PoseEstimate:
    return PoseEstimate(0, yaw, pitch, roll, distance, found, in_view, None, 1.0)


@pytest.mark.parametrize("kwargs, level, messages", [
    ({}, fb.GREEN, ()),
    ({"yaw": 9.9, "pitch": -9.9, "roll": 9.9, "distance": 301}, fb.GREEN, ()),
    ({"yaw": 12.0}, fb.AMBER, (fb.MSG_TURN_RIGHT,)),
    ({"yaw": -12.0}, fb.AMBER, (fb.MSG_TURN_LEFT,)),
    ({"yaw": 16.0}, fb.RED, (fb.MSG_TURN_RIGHT,)),
    ({"yaw": -30.0}, fb.RED, (fb.MSG_TURN_LEFT,)),
    ({"pitch": 12.0}, fb.AMBER, (fb.MSG_CHIN_UP,)),
    ({"pitch": -20.0}, fb.RED, (fb.MSG_CHIN_DOWN,)),
    ({"roll": -14.0}, fb.AMBER, (fb.MSG_STRAIGHTEN,)),
    ({"roll": 25.0}, fb.RED, (fb.MSG_STRAIGHTEN,)),
    ({"distance": 280.0}, fb.AMBER, (fb.MSG_BACK,)),
    ({"distance": 200.0}, fb.RED, (fb.MSG_BACK,)),
    ({"distance": 640.0}, fb.AMBER, (fb.MSG_CLOSER,)),
    ({"distance": 900.0}, fb.RED, (fb.MSG_CLOSER,)),
    ({"distance": float("nan")}, fb.GREEN, ()),
    ({"in_view": False}, fb.RED, (fb.MSG_IN_VIEW,)),
    ({"found": False}, fb.RED, (fb.MSG_NOT_FOUND,)),
    ({"yaw": float("nan")}, fb.RED, (fb.MSG_NOT_FOUND,)),
    ({"yaw": 12.0, "distance": 900.0}, fb.RED, (fb.MSG_CLOSER, fb.MSG_TURN_RIGHT)),  # red first
])
def test_feedback_rules(kwargs, level, messages):
    verdict = fb.evaluate(estimate(**kwargs))
    assert (verdict.level, verdict.messages, verdict.frontal) == (level, messages, level == fb.GREEN)


def test_no_estimate_yet_is_not_found():
    assert fb.evaluate(None).messages == (fb.MSG_NOT_FOUND,)


def test_thresholds_round_trip_and_validation():
    t = fb.FeedbackThresholds(max_yaw_deg=8, min_distance_mm=350)
    assert fb.FeedbackThresholds.from_dict(t.to_dict()) == t
    assert fb.evaluate(estimate(yaw=9.0), t).level == fb.AMBER
    with pytest.raises(ValueError, match="unknown"):
        fb.FeedbackThresholds.from_dict({"max_yaw": 5})
    with pytest.raises(ValueError):
        fb.FeedbackThresholds(min_distance_mm=700)


def test_frontal_summary():
    s = fb.FrontalSummary()
    for e in [estimate(), estimate(), estimate(yaw=12), estimate(found=False)]:
        s.add(fb.evaluate(e))
    d = s.to_dict()
    assert d["n_frames"] == 4 and d["frontal_fraction"] == 0.5
    assert d["counts"] == {"green": 2, "amber": 1, "red": 1} and d["face_not_found"] == 1


def test_worker_processes_only_the_newest_frame(model, scene):
    identity, plan = scene
    color, depth = render_frame(identity, plan, 0)
    done = threading.Event()
    seen = []

    def on_estimate(est):
        seen.append(est.frame_index)
        if est.frame_index == 49:
            done.set()

    worker = PoseWorker(PoseEstimator(plan.camera, FaceTracker(model)), on_estimate)
    worker.start()
    for i in range(50):
        worker.submit(Frame(i, i / 60.0, color, depth))
    assert done.wait(10.0)
    assert worker.processed < 50 and worker.replaced > 0 and len(seen) == worker.processed
    assert seen == sorted(seen) and worker.latest().frame_index == 49 and worker.latest().face_found
    assert worker.rate_hz() > 0
    assert worker.stop(timeout=5.0)
    assert worker.last_error is None
