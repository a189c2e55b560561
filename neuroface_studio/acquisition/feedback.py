"""Pose feedback rules: a PoseEstimate -> green/amber/red plus hints a participant understands.

Hints are worded from THE PARTICIPANT'S point of view, facing the camera, whatever the GUI
shows (a mirrored preview changes nothing here). The camera image is not mirrored: image
right (+x) is the participant's LEFT. With the pose convention of :mod:`.pose`:

================================  ====================================  ==============================
estimate                           what the participant did              hint
================================  ====================================  ==============================
yaw > +max (nose to image right)   turned their head to THEIR left        "Turn your head slightly to your right"
yaw < -max (nose to image left)    turned their head to THEIR right       "Turn your head slightly to your left"
pitch > +max (nose down)           chin down, looking down                "Tilt your chin up"
pitch < -max (nose up)             chin up, looking up                    "Tilt your chin down"
abs(roll) > max                    head tilted towards a shoulder         "Straighten your head"
distance < min                     too close                              "Move back a little"
distance > max                     too far                                "Move closer to the camera"
a landmark near the image border   part of the face out of the picture    "Move so your whole face is in view"
no face / no pose                  --                                     "Face not found — look at the camera"
================================  ====================================  ==============================

Levels: green = every quantity within its threshold; amber = some quantity beyond its
threshold but within threshold + margin; red = some quantity beyond threshold + margin, the
face partly out of view, or no face. Hints list red problems first, then amber ones.

One definition of the head's orientation, shared by the live feedback and every decision made
later from a stored pose (landmark tracks: segmentation, frame selection, import's and the
report's frontal fraction, Review's turned-away warning): :func:`pose_grade` /
:func:`pose_grades`. **Frontal** = |yaw|, |pitch| and |roll| all within ``max_*_deg``;
**turned away** = one of them beyond ``max_*_deg + amber_margin_deg`` (what is red in the live
view). Distance and "whole face in view" are part of the live verdict only.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from neuroface_studio.acquisition.pose import PoseEstimate

GREEN, AMBER, RED = "green", "amber", "red"
LEVELS = (GREEN, AMBER, RED)

MSG_TURN_RIGHT = "Turn your head slightly to your right"
MSG_TURN_LEFT = "Turn your head slightly to your left"
MSG_CHIN_UP = "Tilt your chin up"
MSG_CHIN_DOWN = "Tilt your chin down"
MSG_STRAIGHTEN = "Straighten your head"
MSG_CLOSER = "Move closer to the camera"
MSG_BACK = "Move back a little"
MSG_IN_VIEW = "Move so your whole face is in view"
MSG_NOT_FOUND = "Face not found — look at the camera"


@dataclass(frozen=True)
class FeedbackThresholds:
    """Limits of a good, frontal frame (degrees, mm) and the amber band beyond them."""

    max_yaw_deg: float = 10.0
    max_pitch_deg: float = 10.0
    max_roll_deg: float = 10.0
    min_distance_mm: float = 300.0
    max_distance_mm: float = 600.0
    amber_margin_deg: float = 5.0
    amber_margin_mm: float = 50.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"feedback threshold {f.name} must be a number >= 0, got {value!r}")
        if self.min_distance_mm >= self.max_distance_mm:
            raise ValueError("min_distance_mm must be smaller than max_distance_mm")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "FeedbackThresholds":
        """Build from a dict (e.g. settings); missing keys take defaults, unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown feedback threshold(s) {unknown}; known: {sorted(known)}")
        return cls(**{k: float(v) for k, v in data.items()})


@dataclass(frozen=True)
class Feedback:
    """The verdict for one frame: level, hints (most urgent first), frontal (= green)."""

    level: str
    messages: tuple[str, ...]
    frontal: bool
    face_found: bool = True


def _grade(excess: float, margin: float) -> str | None:
    """None when ``excess`` <= 0 (within threshold), amber within the margin, else red."""
    if excess <= 0:
        return None
    return AMBER if excess <= margin else RED


#: per-frame orientation grades (:func:`pose_grades`)
POSE_NONE, POSE_FRONTAL, POSE_OFF, POSE_TURNED = 0, 1, 2, 3


def pose_grades(angles_deg, thresholds: FeedbackThresholds | None = None) -> np.ndarray:
    """Grade (T,) int8 of head poses ``angles_deg (T, 3)`` (yaw, pitch, roll; NaN = no face):
    :data:`POSE_FRONTAL` (every angle within its ``max_*_deg``: green), :data:`POSE_OFF`
    (within max + ``amber_margin_deg``: amber), :data:`POSE_TURNED` (beyond: red, turned away)
    or :data:`POSE_NONE` (no face / no pose)."""
    t = thresholds or FeedbackThresholds()
    a = np.abs(np.asarray(angles_deg, np.float64).reshape(-1, 3))
    limit = np.array([t.max_yaw_deg, t.max_pitch_deg, t.max_roll_deg])
    known = np.isfinite(a).all(axis=1)
    out = np.full(len(a), POSE_NONE, np.int8)
    with np.errstate(invalid="ignore"):
        excess = np.where(known[:, None], a - limit, 0.0).max(axis=1)
    out[known & (excess <= 0)] = POSE_FRONTAL
    out[known & (excess > 0) & (excess <= t.amber_margin_deg)] = POSE_OFF
    out[known & (excess > t.amber_margin_deg)] = POSE_TURNED
    return out


def frontal_mask(angles_deg, thresholds: FeedbackThresholds | None = None) -> np.ndarray:
    """Frames (T,) bool whose pose is frontal (:func:`pose_grades`; no face = not frontal)."""
    return pose_grades(angles_deg, thresholds) == POSE_FRONTAL


def turned_away_mask(angles_deg, thresholds: FeedbackThresholds | None = None) -> np.ndarray:
    """Frames (T,) bool with the head turned away (red in the live view); no face = False."""
    return pose_grades(angles_deg, thresholds) == POSE_TURNED


#: the most a recording's own "straight ahead" pitch may differ from the camera axis (a camera above or
#: below eye level, a nose longer or shorter than the generic face's); beyond it the head is tilted
MAX_STRAIGHT_AHEAD_PITCH_DEG = 15.0


def straight_ahead(angles_deg) -> np.ndarray:
    """Head poses ``(T, 3)`` of one recording relative to its own straight ahead: what the operator's
    "Set straight ahead" does live, done for a recording that had none.

    Pitch is the angle a generic face reads worst (±3-5 deg by nose shape) and the one a camera
    set above or below eye level shifts for the whole take (a laptop camera below the face reads
    every frame chin-up). So the median pitch of the frames with a face, limited to
    ±:data:`MAX_STRAIGHT_AHEAD_PITCH_DEG`, becomes zero; yaw and roll stay as measured (a generic
    face reads them well, and a participant turned sideways all take long must show as turned).
    """
    a = np.array(angles_deg, np.float64).reshape(-1, 3)
    faces = np.isfinite(a).all(axis=1)
    if faces.any():
        neutral = float(np.clip(np.median(a[faces, 1]), -MAX_STRAIGHT_AHEAD_PITCH_DEG, MAX_STRAIGHT_AHEAD_PITCH_DEG))
        a[:, 1] -= neutral
    return a


def frontal_fraction(angles_deg, thresholds: FeedbackThresholds | None = None) -> float | None:
    """Share of ALL frames (no face counts as not frontal) that are frontal; None for no frames."""
    g = pose_grades(angles_deg, thresholds)
    return float(np.mean(g == POSE_FRONTAL)) if g.size else None


def evaluate(estimate: PoseEstimate | None, thresholds: FeedbackThresholds | None = None) -> Feedback:
    """Feedback for ``estimate`` (None: nothing estimated yet, treated as no face)."""
    t = thresholds or FeedbackThresholds()
    angles = (estimate.yaw_deg, estimate.pitch_deg, estimate.roll_deg) if estimate is not None else ()
    if estimate is None or not estimate.face_found or not all(math.isfinite(a) for a in angles):
        return Feedback(RED, (MSG_NOT_FOUND,), False, face_found=False)
    yaw, pitch, roll = angles
    problems: list[tuple[str, str]] = []  # (level, message)
    if not estimate.face_in_view:
        problems.append((RED, MSG_IN_VIEW))
    # the same rule as pose_grades, angle by angle (to word the hint)
    grade = _grade(abs(yaw) - t.max_yaw_deg, t.amber_margin_deg)
    if grade:  # +yaw: nose to image right = the participant turned to their left
        problems.append((grade, MSG_TURN_RIGHT if yaw > 0 else MSG_TURN_LEFT))
    grade = _grade(abs(pitch) - t.max_pitch_deg, t.amber_margin_deg)
    if grade:  # +pitch: nose down = chin down
        problems.append((grade, MSG_CHIN_UP if pitch > 0 else MSG_CHIN_DOWN))
    grade = _grade(abs(roll) - t.max_roll_deg, t.amber_margin_deg)
    if grade:
        problems.append((grade, MSG_STRAIGHTEN))
    d = estimate.distance_mm
    if math.isfinite(d):
        grade = _grade(t.min_distance_mm - d, t.amber_margin_mm)
        if grade:
            problems.append((grade, MSG_BACK))
        grade = _grade(d - t.max_distance_mm, t.amber_margin_mm)
        if grade:
            problems.append((grade, MSG_CLOSER))
    if not problems:
        return Feedback(GREEN, (), True)
    level = RED if any(lv == RED for lv, _ in problems) else AMBER
    ordered = [m for lv, m in problems if lv == RED] + [m for lv, m in problems if lv == AMBER]
    return Feedback(level, tuple(ordered), False)


class FrontalSummary:
    """Accumulates per-frame feedback into a recording's pose-quality summary."""

    def __init__(self) -> None:
        self.counts = {level: 0 for level in LEVELS}
        self.not_found = 0

    def add(self, feedback: Feedback) -> None:
        self.counts[feedback.level] += 1
        self.not_found += not feedback.face_found

    @property
    def n_frames(self) -> int:
        return sum(self.counts.values())

    @property
    def frontal_fraction(self) -> float:
        """Fraction of frames that were frontal (green); NaN before any frame."""
        n = self.n_frames
        return self.counts[GREEN] / n if n else float("nan")

    def to_dict(self) -> dict:
        return {"n_frames": self.n_frames, "frontal_fraction": self.frontal_fraction,
                "counts": dict(self.counts), "face_not_found": self.not_found}
