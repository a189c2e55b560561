"""Ordinary video files (mp4, avi, mov, mkv, ...) as a frame source, colour only.

For importing recordings made with a plain camera. There is no depth: every frame's depth
is zeros (0 = no depth) and the camera intrinsics are a guess (focal length = image width,
principal point at the image centre), so 2D landmarks and 2D kinematics work while 3D
features are unavailable. Decoding is OpenCV's (``cv2.VideoCapture``, its bundled FFmpeg).

Timestamps are the container's presentation times (PTS) of each decoded frame, in seconds
from the start of the video stream (``CAP_PROP_POS_MSEC`` read after each frame: FFmpeg's
best-effort PTS), so a variable-frame-rate file keeps its real clock. Where the container
gives no usable time (no PTS, or one that does not advance) the frame gets the previous
timestamp + 1 / nominal fps and :attr:`VideoFileSource.timestamps_estimated` counts it.

FFmpeg's and OpenCV's own log lines (``moov atom not found``, ``can't be used to capture by
name``, ...) are silenced while a file is opened: the error the user sees is ours, one line. ``OPENCV_FFMPEG_LOGLEVEL`` must be set before OpenCV opens its first video
in the process, hence at import here (a value set by the user is kept).

Before FFmpeg sees a file, acquisition/video_probe.py checks it by content, not by name: an
empty file, an MP4/MOV without its index, a file cut short, and one that holds only sound are
refused with what is wrong and what to do, and nothing is imported.

Sound: :meth:`VideoFileSource.iter_audio` decodes the file's sound track with PyAV on this same
frame clock (acquisition/audio_file.py); the import writes it into the recording's ``/audio``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET; see the module docstring

import cv2  # noqa: E402 - after the log level, which OpenCV reads when it first opens a video
import numpy as np  # noqa: E402

from neuroface_studio.acquisition.source import Frame, SourceError  # noqa: E402
from neuroface_studio.acquisition.video_probe import (container_problem, probe_streams,  # noqa: E402
                                                      sound_only_message, stated_frame_count, unreadable_message)
from neuroface_studio.domain.camera import CameraInfo, Intrinsics  # noqa: E402

DEFAULT_FPS = 30.0
VIDEO_DEVICE = "video file (no depth)"
#: timestamp sources (stored with the import's result)
TS_CONTAINER = "container PTS"
TS_NOMINAL = "frame index / nominal fps"


def guessed_intrinsics(width: int, height: int) -> Intrinsics:
    """A plausible pinhole for an unknown camera: fx = fy = width px, centre principal point."""
    return Intrinsics(width, height, fx=float(width), fy=float(width), cx=width / 2.0, cy=height / 2.0,
                      model="none")


class VideoFileSource:
    """Frames of a video file in order; ``read`` returns None at the end.

    index: 0, 1, 2, ... (decoding order); timestamp_s: the frame's PTS in seconds from the
    stream start (see the module docstring); color (H, W, 3) uint8 RGB; depth (H, W) uint16 zeros.
    ``fps`` is the container's nominal rate (30 when it states none); ``declared_frames`` the
    frame count the container states (None when it states none; often not what decodes).
    """

    is_live = False

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._capture: Any = None
        self._pending: tuple[np.ndarray, float] | None = None  # first frame, decoded by open()
        self._camera: CameraInfo | None = None
        self._fps = DEFAULT_FPS
        self._index = 0
        self._last_ts: float | None = None
        self.declared_frames: int | None = None
        self.timestamps_estimated = 0  # frames whose container time was missing or not increasing

    @property
    def camera(self) -> CameraInfo:
        if self._camera is None:
            raise SourceError("Open the video before asking for its camera.")
        return self._camera

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def timestamp_source(self) -> str:
        """Where the timestamps came from: container PTS, or frame index / nominal fps for every frame."""
        if self._index > 1 and self.timestamps_estimated >= self._index - 1:
            return TS_NOMINAL
        if self.timestamps_estimated:
            return f"{TS_CONTAINER} ({self.timestamps_estimated} frames without one: previous + 1 / fps)"
        return TS_CONTAINER

    def open(self) -> None:
        """Open the file and decode the first frame; SourceError when it is missing or unreadable."""
        if self._capture is not None:
            return
        if not self.path.is_file():
            raise SourceError(f"Video file not found: {self.path}")
        problem = container_problem(self.path)  # by content: a cut MP4 named .avi is judged too
        if problem:
            raise SourceError(problem)
        probe = probe_streams(self.path)
        problem = sound_only_message(self.path, probe)  # OpenCV would take a cover picture for a 1-frame video
        if problem:
            raise SourceError(problem)
        ffmpeg = cv2.videoio_registry.hasBackend(cv2.CAP_FFMPEG)
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # our message says why, once
        try:
            capture = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG if ffmpeg else cv2.CAP_ANY)
            ok, bgr = capture.read() if capture.isOpened() else (False, None)
        finally:
            cv2.utils.logging.setLogLevel(level)
        if not ok or bgr is None:
            capture.release()
            raise SourceError(unreadable_message(self.path, probe))
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self._fps = fps if math.isfinite(fps) and 0 < fps <= 1000 else DEFAULT_FPS
        self.declared_frames = stated_frame_count(probe)
        height, width = bgr.shape[:2]
        intr = guessed_intrinsics(width, height)
        self._camera = CameraInfo(color=intr, depth=intr, depth_aligned_to_color=True, device=VIDEO_DEVICE)
        self._capture = capture
        self._pending = (bgr, self._position_s())
        self._index = 0
        self._last_ts = None
        self.timestamps_estimated = 0

    def _position_s(self) -> float:
        """The PTS (s) of the frame just decoded, NaN when the container gives none."""
        ms = float(self._capture.get(cv2.CAP_PROP_POS_MSEC))
        return ms / 1000.0 if math.isfinite(ms) and ms >= 0 else math.nan

    def read(self, timeout_s: float = 1.0) -> Frame | None:
        """The next frame, or None at the end of the video."""
        if self._capture is None:
            raise SourceError("Open the video before reading frames.")
        if self._pending is not None:
            (bgr, pts), self._pending = self._pending, None
        else:
            ok, bgr = self._capture.read()
            if not ok or bgr is None:
                return None
            pts = self._position_s()
        if bgr.ndim == 2:
            color = cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB)
        else:
            color = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        index = self._index
        self._index += 1
        # The first frame's PTS 0 is also what OpenCV reports when there is no PTS: it only
        # counts as container time when later frames advance from it.
        if self._last_ts is not None and not (math.isfinite(pts) and pts > self._last_ts):
            pts = self._last_ts + 1.0 / self._fps
            self.timestamps_estimated += 1
        elif self._last_ts is None and not math.isfinite(pts):
            pts = 0.0
            self.timestamps_estimated += 1
        self._last_ts = pts
        return Frame(index=index, timestamp_s=pts, color=color, depth=np.zeros(color.shape[:2], np.uint16))

    def audio_format(self) -> dict | None:
        """What the file states about its sound track (acquisition/audio_file.probe_audio), or None."""
        from neuroface_studio.acquisition.audio_file import probe_audio
        return probe_audio(self.path)

    def iter_audio(self):
        """``(head, pcm block)`` pairs of the sound track, on this source's frame clock (PyAV decodes it:
        acquisition/audio_file.py); nothing when the file has none."""
        from neuroface_studio.acquisition.audio_file import iter_audio
        return iter_audio(self.path)

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
