"""The one interface every camera-like thing implements: live RealSense, RealSense file
playback, video files and the simulated participant.

A source is opened, read frame by frame from one thread (the capture thread), and closed.
``read`` returns None at the end of a file; a live source that fails (camera unplugged)
raises SourceError with a message that says what happened and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from neuroface_studio.domain.camera import CameraInfo


class SourceError(Exception):
    """A frame source could not be opened or stopped delivering frames."""


class NoCameraError(SourceError):
    """No RealSense camera is connected (or it is in use by another program)."""


@dataclass
class Frame:
    """One synchronized colour + depth frame.

    index: the device's frame counter (gaps mean the device dropped frames);
    timestamp_s: device time in seconds; color (H, W, 3) uint8 RGB;
    depth (H, W) uint16 in ``camera.depth_scale_m`` units, aligned to colour (0 = no depth).
    """

    index: int
    timestamp_s: float
    color: np.ndarray
    depth: np.ndarray


class FrameSource(Protocol):
    """What the recorder and the preview need from a camera."""

    #: True for cameras that deliver frames in real time (and drop them if not read).
    is_live: bool

    @property
    def camera(self) -> CameraInfo: ...

    @property
    def fps(self) -> float: ...

    def open(self) -> None: ...

    def read(self, timeout_s: float = 1.0) -> Frame | None: ...

    def close(self) -> None: ...
