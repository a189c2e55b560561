"""Head pose on every frame of a landmark track: the pose the product decides with (issue 15).

A recording's "is the participant facing the camera?" comes from its landmarks, for every
recording alike (a live capture, an imported video, a simulated one): the same PnP solve
against the frontal-frame mean face as the live feedback (:class:`~.pose.PoseEstimator`,
angles seen along the line of sight), frame by frame, from the landmarks stored in the track.
The simulator's truth is used only to evaluate this (``pose_bench``), never to decide.

"Frontal" and "turned away" are :func:`~.feedback.pose_grades`' (the live feedback's
thresholds). The result is stored with the track (``head_pose_deg``,
:func:`~neuroface_studio.store.tracks_file.write_pose`) with :data:`POSE_INFO`, so a track whose
pose was computed by an older method is computed again.
"""

from __future__ import annotations

import numpy as np

from neuroface_studio.acquisition.pose import FRONTAL_FRAME_TILT_DEG, PoseEstimator
from neuroface_studio.domain.camera import CameraInfo

#: What ``head_pose_deg`` in a track was computed with; a different value = compute again.
POSE_INFO = {"method": "pnp", "points": "27-35,36,39,42,45", "reference": "openface-68-mean-face",
             "frontal_tilt_deg": FRONTAL_FRAME_TILT_DEG, "angles": "line-of-sight", "version": 2}


def pose_is_current(info: dict) -> bool:
    """True when a stored pose was computed by this version's method (:data:`POSE_INFO`)."""
    return {k: info.get(k) for k in POSE_INFO} == POSE_INFO


def head_pose_track(landmarks_px: np.ndarray, camera: CameraInfo) -> np.ndarray:
    """Yaw, pitch, roll (T, 3) float32 degrees of ``landmarks_px (T, 68, 2)`` px (NaN rows = no
    face: NaN pose) seen through ``camera`` (colour intrinsics; a video file's are a guess, which
    the line-of-sight angles barely depend on: single_face.mp4's median yaw/pitch move < 1 deg
    between focal lengths of 0.7 and 2.5 image widths). Depth is not used for the angles."""
    pts = np.asarray(landmarks_px, np.float64)
    if pts.ndim != 3 or pts.shape[1:] != (68, 2):
        raise ValueError(f"landmarks must be (frames, 68, 2), got {pts.shape}")
    estimator = PoseEstimator(camera)
    out = np.full((len(pts), 3), np.nan, np.float32)
    for t in np.flatnonzero(np.isfinite(pts).all(axis=(1, 2))):
        est = estimator.from_landmarks(int(t), pts[t])
        out[t] = (est.yaw_deg, est.pitch_deg, est.roll_deg)
    return out
