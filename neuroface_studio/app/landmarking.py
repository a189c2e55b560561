"""Batch video landmarking: one model's 68 points on every frame of a recording (or of many).

``landmark_recording`` follows the face with :class:`~neuroface_studio.vision.tracking.VideoTracker`
(the detector only on the first frame and when the track is lost) and writes
``tracks/<recording>/<model>.h5`` (:mod:`neuroface_studio.store.tracks_file`) in chunks of
:data:`CHUNK_FRAMES` frames. A cancel (or a crash) keeps every finished chunk; running it
again resumes at the first frame not done and gives the same result as an uninterrupted run.
Each model has its own file, so tracks of several models live side by side.

The project file gets nothing but an audit entry (:func:`log_landmarking`, called by the CLI
or the GUI once the job is over): tracks are found by their path.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from neuroface_studio.app.jobs import CancelToken, JobCancelled, ProgressFn, no_progress
from neuroface_studio.app.project_service import ProjectSession, current_user
from neuroface_studio.domain.project import now_iso
from neuroface_studio.store.tracks_file import Track, TrackWriter, list_tracks, track_path
from neuroface_studio.store.tracks_file import read_track as _read_track_file
from neuroface_studio.vision.registry import open_predictor
from neuroface_studio.vision.tracking import TrackingParams, VideoTracker

CHUNK_FRAMES = 25


@dataclass
class LandmarkingResult:
    recording_id: str
    model: str
    n_frames: int
    frames_with_face: int
    detector_runs: int  # in this run
    resumed_from: int  # first frame computed in this run (0: from scratch)
    seconds: float
    path: str
    frontal_fraction: float | None = None  # from the landmarks' head pose (issue 15; app/head_pose.py)

    def to_dict(self) -> dict:
        return asdict(self)


def _info_dict(predictor) -> dict:
    info = predictor.info
    return {"name": info.name, "version": info.version, "sha256": info.sha256,
            "architecture": info.architecture, "origin": info.origin, "licence": info.licence,
            "extra": dict(info.extra)}


def landmark_recording(session: ProjectSession, recording_id: str, model_name: str | None = None,
                       progress: ProgressFn = no_progress, cancel: CancelToken | None = None,
                       store_dir: Path | None = None, predictor=None,
                       params: TrackingParams | None = None, start_box=None) -> LandmarkingResult:
    """Landmark every frame of ``recording_id`` with ``model_name`` (None: the active model).

    ``predictor`` (already open) saves loading the model again for each recording. Raises
    JobCancelled when cancelled (the frames done so far stay in the track file). ``start_box``
    ``(x0, y0, x1, y1)``: the face to follow, on the first frame computed (e.g. clicked in
    Review among several); None: the detector's choice (:mod:`vision.face_choice`).
    """
    if recording_id not in session.project.recordings:
        raise ValueError(f"unknown recording {recording_id}")
    predictor = predictor if predictor is not None else open_predictor(model_name, store_dir)
    params = params or TrackingParams()
    name = predictor.info.name
    path = track_path(session.folder, recording_id, name)
    t0 = time.perf_counter()
    with session.open_recording(recording_id) as reader:
        n = reader.n_frames
        with TrackWriter.open(path, recording_id, n, _info_dict(predictor), params.to_dict(), now_iso()) as writer:
            start = writer.frames_done
            tracker = VideoTracker(predictor, params, previous=writer.last_points())
            if start_box is not None and tracker.previous is None and start < n:  # the face picked: seed the track
                first = predictor.predict(reader.color(start), tuple(float(v) for v in start_box))
                tracker.previous = None if first is None else tracker._state(first.points_px)
            detector_runs = 0
            buf_pts, buf_scores, buf_det = [], [], []
            chunk_start = start
            try:
                for i in range(start, n):
                    if cancel is not None and cancel.cancelled:
                        raise JobCancelled("landmarking cancelled; the frames done so far are kept")
                    step = tracker.step(reader.color(i), i)
                    detector_runs += step.detected
                    if step.points_px is None:
                        buf_pts.append(np.full((68, 2), np.nan, np.float32))
                        buf_scores.append(np.zeros(68, np.float32))
                    else:
                        buf_pts.append(step.points_px)
                        buf_scores.append(step.scores)
                    buf_det.append(step.detected)
                    if len(buf_pts) == CHUNK_FRAMES or i == n - 1:
                        writer.write(chunk_start, np.stack(buf_pts), np.stack(buf_scores), np.array(buf_det))
                        chunk_start += len(buf_pts)
                        buf_pts, buf_scores, buf_det = [], [], []
                    progress(i + 1, n, f"{recording_id}: frame {i + 1}/{n} ({name})")
            finally:  # cancel or error: keep the frames finished in this chunk too
                if buf_pts:
                    writer.write(chunk_start, np.stack(buf_pts), np.stack(buf_scores), np.array(buf_det))
    track = _read_track_file(path)
    faces = int((~np.isnan(track.landmarks_px[:, 0, 0])).sum())
    # the head pose of every frame, from these landmarks, stored with the track (issue 15)
    from neuroface_studio.acquisition.feedback import frontal_fraction, straight_ahead
    from neuroface_studio.app.head_pose import track_head_pose
    frontal = frontal_fraction(straight_ahead(track_head_pose(session, recording_id, name, track=track)))
    return LandmarkingResult(recording_id, name, n, faces, detector_runs, start, time.perf_counter() - t0, str(path),
                             frontal)


def landmark_project(session: ProjectSession, recording_ids: list[str] | None = None, model_name: str | None = None,
                     progress: ProgressFn = no_progress, cancel: CancelToken | None = None,
                     store_dir: Path | None = None) -> list[LandmarkingResult]:
    """Landmark the given recordings (None: all of the project), the model loaded once."""
    ids = list(recording_ids) if recording_ids else sorted(session.project.recordings)
    unknown = [r for r in ids if r not in session.project.recordings]
    if unknown:
        raise ValueError(f"unknown recording(s) {', '.join(unknown)}")
    predictor = open_predictor(model_name, store_dir)
    total = sum(session.project.recordings[r].n_frames for r in ids) or 1
    results, base = [], 0
    for rid in ids:
        def sub(done: int, n: int, message: str, base=base) -> None:
            progress(base + done, total, message)
        results.append(landmark_recording(session, rid, progress=sub, cancel=cancel, predictor=predictor))
        base += session.project.recordings[rid].n_frames
    return results


def log_landmarking(session: ProjectSession, results: list[LandmarkingResult], save: bool = True) -> None:
    """Record the job in the project's audit log (and save, when ``save`` and nothing else is unsaved)."""
    if not results:
        return
    detail = "; ".join(f"{r.recording_id} with {r.model} ({r.frames_with_face}/{r.n_frames} frames with a face"
                       + (f", resumed at {r.resumed_from}" if r.resumed_from else "") + ")" for r in results)
    if save and not session.dirty:
        session.save("landmark", detail)
    else:  # saved with the user's next save
        session.project.log(current_user(), "landmark", detail)


def read_track(session: ProjectSession, recording_id: str, model: str) -> Track:
    """The track of ``model`` on ``recording_id`` (StoreError when there is none)."""
    return _read_track_file(track_path(session.folder, recording_id, model))


def tracks_of(session: ProjectSession, recording_id: str) -> list[str]:
    """Names of the models with a track for ``recording_id``."""
    return list_tracks(session.folder, recording_id)
