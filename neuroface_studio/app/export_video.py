"""Recordings exported as colour video (mp4), optionally with the face blurred on every frame.

The face region of a frame comes from its 68 landmarks (a landmark track, else the simulated
truth) and, where a frame has none, from the dlib face detector. The region is the landmarks'
box widened to take in the forehead, hair line and ears; it is pixelated into a coarse grid and
then Gaussian-blurred, so neither a person nor a face detector can find the face in it. A frame
on which no face region can be found at all is blurred whole: a blurred export never lets a
face through because the detector missed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

#: Extra margin around the landmarks' box, as fractions of its width / height.
MARGIN_X = 0.25
MARGIN_TOP = 0.6  # landmarks stop at the eyebrows: the forehead and hair line are above
MARGIN_BOTTOM = 0.15
GRID = 6  # the face region is pixelated to about GRID x GRID cells before the blur


@dataclass
class VideoStats:
    frames: int = 0
    from_landmarks: int = 0  # frames whose face region came from landmarks
    from_detector: int = 0  # ... from the face detector
    whole_frame: int = 0  # no face region found: the whole frame was blurred

    def to_dict(self) -> dict:
        return {"frames": self.frames, "face_from_landmarks": self.from_landmarks,
                "face_from_detector": self.from_detector, "whole_frame_blurred": self.whole_frame}


def face_box(points: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """The region to blur ``(x0, y0, x1, y1)`` (exclusive ends) around 68 landmarks, or None."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) < 10:
        return None
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    w, h = max(x1 - x0, 8.0), max(y1 - y0, 8.0)
    return _clip((x0 - MARGIN_X * w, y0 - MARGIN_TOP * h, x1 + MARGIN_X * w, y1 + MARGIN_BOTTOM * h), shape)


def detector_box(box, shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """The region to blur around a detector box ``(x0, y0, x1, y1)`` (dlib's box is tight)."""
    x0, y0, x1, y1 = (float(v) for v in box)
    w, h = x1 - x0, y1 - y0
    return _clip((x0 - 0.3 * w, y0 - 0.5 * h, x1 + 0.3 * w, y1 + 0.3 * h), shape)


def _clip(box, shape) -> tuple[int, int, int, int] | None:
    height, width = shape[:2]
    x0, y0 = max(int(np.floor(box[0])), 0), max(int(np.floor(box[1])), 0)
    x1, y1 = min(int(np.ceil(box[2])), width), min(int(np.ceil(box[3])), height)
    return (x0, y0, x1, y1) if x1 - x0 >= 2 and y1 - y0 >= 2 else None


def blur_region(image: np.ndarray, box: tuple[int, int, int, int] | None) -> np.ndarray:
    """A copy of ``image`` with ``box`` pixelated then Gaussian-blurred (None: the whole image)."""
    out = np.array(image, copy=True)
    x0, y0, x1, y1 = box if box is not None else (0, 0, image.shape[1], image.shape[0])
    roi = out[y0:y1, x0:x1]
    h, w = roi.shape[:2]
    cell = max(4, int(max(h, w) / GRID))
    small = cv2.resize(roi, (max(1, w // cell), max(1, h // cell)), interpolation=cv2.INTER_AREA)
    coarse = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    k = 2 * cell + 1
    out[y0:y1, x0:x1] = cv2.GaussianBlur(coarse, (k, k), cell / 2.0)
    return out


class FaceBlurrer:
    """Blurs the face of each frame, from landmarks where there are some, else the detector."""

    def __init__(self, landmarks: np.ndarray | None, detector=None) -> None:
        self._landmarks = landmarks  # (T, 68, 2) px or None
        self._detector = detector
        self.stats = VideoStats()

    def _detector_boxes(self, frame: np.ndarray) -> list:
        if self._detector is None:
            from neuroface_studio.vision.dlib68 import Dlib68
            self._detector = Dlib68()
        return self._detector.detect(frame, upsample=1)

    def __call__(self, index: int, frame: np.ndarray) -> np.ndarray:
        box = None
        if self._landmarks is not None and index < len(self._landmarks):
            box = face_box(self._landmarks[index], frame.shape)
        if box is not None:
            self.stats.from_landmarks += 1
            return blur_region(frame, box)
        boxes = [b for b in (detector_box(b, frame.shape) for b in self._detector_boxes(frame)) if b is not None]
        if not boxes:
            self.stats.whole_frame += 1
            return blur_region(frame, None)
        self.stats.from_detector += 1
        for b in boxes:
            frame = blur_region(frame, b)
        return frame


def write_video(path: Path, frames, fps: float, size: tuple[int, int], blur: FaceBlurrer | None = None,
                cancel=None) -> VideoStats:
    """Write RGB ``frames`` (an iterable) to ``path`` as mp4 (MPEG-4 part 2, colour only)."""
    path = Path(path)
    width, height = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), float(fps), (width, height))
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write an mp4 video at {path} (no MPEG-4 encoder in this OpenCV build?)")
    stats = blur.stats if blur is not None else VideoStats()
    try:
        for i, rgb in enumerate(frames):
            if cancel is not None:
                cancel.raise_if_cancelled()
            if blur is not None:
                rgb = blur(i, rgb)
            writer.write(np.ascontiguousarray(rgb[..., ::-1]))
            stats.frames += 1
    finally:
        writer.release()
    if stats.frames and (not path.exists() or path.stat().st_size == 0):
        raise OSError(f"the video {path} was not written (disk full?)")
    return stats
