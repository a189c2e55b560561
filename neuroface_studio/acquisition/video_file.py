"""Ordinary video files (mp4, avi, mov, ...) as a frame source, colour only.

For importing recordings made with a plain camera. There is no depth: every frame's depth
is zeros (0 = no depth) and the camera intrinsics are a guess (focal length = image width,
principal point at the image centre), so 2D landmarks and 2D kinematics work while 3D
features are unavailable. Decoding is OpenCV's (``cv2.VideoCapture``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from neuroface_studio.acquisition.source import Frame, SourceError
from neuroface_studio.domain.camera import CameraInfo, Intrinsics

DEFAULT_FPS = 30.0
VIDEO_DEVICE = "video file (no depth)"


def guessed_intrinsics(width: int, height: int) -> Intrinsics:
    """A plausible pinhole for an unknown camera: fx = fy = width px, centre principal point."""
    return Intrinsics(width, height, fx=float(width), fy=float(width), cx=width / 2.0, cy=height / 2.0,
                      model="none")


class VideoFileSource:
    """Frames of a video file in order; ``read`` returns None at the end.

    index: 0, 1, 2, ... (decoding order); timestamp_s = index / fps; color (H, W, 3) uint8 RGB;
    depth (H, W) uint16 zeros.
    """

    is_live = False

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._capture: Any = None
        self._pending: np.ndarray | None = None  # first frame, decoded by open() to learn the size
        self._camera: CameraInfo | None = None
        self._fps = DEFAULT_FPS
        self._index = 0

    @property
    def camera(self) -> CameraInfo:
        if self._camera is None:
            raise SourceError("Open the video before asking for its camera.")
        return self._camera

    @property
    def fps(self) -> float:
        return self._fps

    def open(self) -> None:
        """Open the file and decode the first frame; SourceError when it is missing or unreadable."""
        if self._capture is not None:
            return
        if not self.path.is_file():
            raise SourceError(f"Video file not found: {self.path}")
        capture = cv2.VideoCapture(str(self.path))
        ok, bgr = capture.read() if capture.isOpened() else (False, None)
        if not ok or bgr is None:
            capture.release()
            raise SourceError(f"{self.path.name} could not be read as a video (unknown format or damaged file).")
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self._fps = fps if math.isfinite(fps) and 0 < fps <= 1000 else DEFAULT_FPS
        height, width = bgr.shape[:2]
        intr = guessed_intrinsics(width, height)
        self._camera = CameraInfo(color=intr, depth=intr, depth_aligned_to_color=True, device=VIDEO_DEVICE)
        self._pending = bgr
        self._capture = capture
        self._index = 0

    def read(self, timeout_s: float = 1.0) -> Frame | None:
        """The next frame, or None at the end of the video."""
        if self._capture is None:
            raise SourceError("Open the video before reading frames.")
        if self._pending is not None:
            bgr, self._pending = self._pending, None
        else:
            ok, bgr = self._capture.read()
            if not ok or bgr is None:
                return None
        if bgr.ndim == 2:
            color = cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB)
        else:
            color = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        index = self._index
        self._index += 1
        return Frame(index=index, timestamp_s=index / self._fps, color=color,
                     depth=np.zeros(color.shape[:2], np.uint16))

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
        self._pending = None

    def __enter__(self) -> "VideoFileSource":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
