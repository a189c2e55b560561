"""Head pose and frontal-ness of a recording, from its landmark track (issue 15).

Everything the product decides about "is the participant facing the camera?" - segmentation's
turned-away frames, frame selection, the frontal fraction of ``import`` and of the participant
report, Review's turned-away warning - comes from here: the pose computed from the stored
landmarks (:func:`~neuroface_studio.acquisition.pose_track.head_pose_track`), graded with the live
feedback's thresholds (:func:`~neuroface_studio.acquisition.feedback.pose_grades`). A simulated
recording's truth is never used for it (only to evaluate it).

The pose is stored in the track file the first time it is needed (or when the track is made,
:func:`~neuroface_studio.app.landmarking.landmark_recording`), so old tracks gain it on load;
``neuroface-studio landmark PROJECT`` on an already landmarked recording adds it too.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np

from neuroface_studio.acquisition.feedback import (POSE_FRONTAL, POSE_TURNED, FeedbackThresholds,
                                                   pose_grades, straight_ahead)
from neuroface_studio.acquisition.pose_track import POSE_INFO, head_pose_track, pose_is_current
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.store.errors import StoreError
from neuroface_studio.store.tracks_file import Track, list_tracks, read_track, track_path, write_pose

log = logging.getLogger(__name__)


def track_head_pose(session: ProjectSession, recording_id: str, model: str, track: Track | None = None,
                    store: bool = True) -> np.ndarray:
    """Yaw, pitch, roll (T, 3) deg of ``model``'s track on ``recording_id`` (NaN: no face).

    Read from the track file when it holds a pose computed by the current method; else computed
    from the landmarks (~0.2 ms a frame) and, with ``store``, written into the track file (a
    read-only file only logs a warning). StoreError when there is no track.
    """
    path = track_path(session.folder, recording_id, model)
    track = track if track is not None else read_track(path)
    if track.head_pose_deg is not None and pose_is_current(track.pose_info):
        return track.head_pose_deg.astype(np.float64)
    pose = head_pose_track(track.landmarks_px, session.project.recordings[recording_id].camera)
    if store:
        try:
            write_pose(path, pose, POSE_INFO)
        except StoreError as exc:
            log.warning("head pose of %s (%s) not stored: %s", recording_id, model, exc)
    return pose.astype(np.float64)


def _default_model(session: ProjectSession, recording_id: str) -> str | None:
    from neuroface_studio.app.segmentation import landmark_source  # the track segmentation uses too
    try:
        return landmark_source(session, recording_id)
    except (ValueError, StoreError):
        names = list_tracks(session.folder, recording_id)
        return names[0] if names else None


@dataclass
class PoseSummary:
    """Frontal-ness of one recording from its landmarks. Fractions are of ALL frames."""

    recording_id: str
    model: str
    n_frames: int
    frames_with_face: int
    frontal_fraction: float | None  # frames frontal / all frames (None: no frames)
    turned_away_frames: int  # red: beyond the live feedback's threshold + margin
    median_abs_deg: tuple[float | None, float | None, float | None]  # |yaw|, |pitch|, |roll| over faces

    def to_dict(self) -> dict:
        return asdict(self)


def recording_pose(session: ProjectSession, recording_id: str, model: str | None = None,
                   store: bool = True) -> tuple[str, np.ndarray] | None:
    """(model, head pose (T, 3)) of the recording's landmark track (``model`` None: the track
    segmentation uses), relative to the recording's own straight ahead
    (:func:`~neuroface_studio.acquisition.feedback.straight_ahead`: its median pitch, within ±15 deg,
    is zero); None when the recording has no track."""
    model = model or _default_model(session, recording_id)
    if model is None:
        return None
    try:
        return model, straight_ahead(track_head_pose(session, recording_id, model, store=store))
    except StoreError:
        return None


def frontal_summary(session: ProjectSession, recording_id: str, model: str | None = None,
                    thresholds: FeedbackThresholds | None = None) -> PoseSummary | None:
    """How much of the recording faces the camera (None: no landmark track yet)."""
    got = recording_pose(session, recording_id, model)
    if got is None:
        return None
    name, pose = got
    grades = pose_grades(pose, thresholds)
    faces = np.isfinite(pose).all(axis=1)
    med = tuple(float(np.median(np.abs(pose[faces, k]))) if faces.any() else None for k in range(3))
    return PoseSummary(recording_id, name, int(len(pose)), int(faces.sum()),
                          float(np.mean(grades == POSE_FRONTAL)) if len(pose) else None,
                          int((grades == POSE_TURNED).sum()), med)


def turned_away_frames(session: ProjectSession, recording_id: str, n_frames: int, model: str | None = None,
                       thresholds: FeedbackThresholds | None = None) -> np.ndarray:
    """Frames (n_frames,) bool with the head turned away according to the landmark pose (red
    in the live view); all False when the recording has no track."""
    out = np.zeros(int(n_frames), bool)
    got = recording_pose(session, recording_id, model)
    if got is not None:
        red = pose_grades(got[1], thresholds) == POSE_TURNED
        k = min(len(out), len(red))
        out[:k] = red[:k]
    return out
