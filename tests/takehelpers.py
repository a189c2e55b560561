"""A camera that loses frames, and a take recorded from it through the real LiveSession (issue 18's
recording quality gate: tests/app/test_take_quality_app.py, tests/gui/test_gui_take_quality.py)."""

from __future__ import annotations

import time

import numpy as np

from neuroface_studio.acquisition.source import Frame
from neuroface_studio.domain.camera import CameraInfo, Intrinsics

INTR = Intrinsics(64, 48, 60.0, 60.0, 32.0, 24.0)


class GappySource:
    """A camera whose device frame counter skips every other frame (what a USB 2 port or an
    overloaded machine does): 300 frame slots at 30 fps = 10 s, 150 frames delivered. Not live, so the
    capture ends with its last frame (a live source's None means "no frame yet")."""

    is_live = False

    def __init__(self, slots: int = 300, every: int = 2) -> None:
        self.camera = CameraInfo(INTR, INTR, device="gappy test camera")
        self.fps, self.slots, self.every, self._i = 30.0, slots, every, 0

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def read(self, timeout_s: float = 1.0):
        if self._i >= self.slots:
            return None
        i, self._i = self._i, self._i + self.every
        time.sleep(0.003)  # a little pacing: the writer keeps up, so the only drops are the device's
        return Frame(i, i / self.fps, np.full((48, 64, 3), i % 256, np.uint8), np.full((48, 64), i, np.uint16))


def record_take(project_folder, source, participant: str = "P001", task: str = "OPEN"):
    """Record ``source`` to its end as a take of ``task`` (LiveSession, no pose feedback); the RecordResult."""
    from neuroface_studio.app.live_session import LiveSession
    from neuroface_studio.app.project_service import ProjectSession
    live = LiveSession(ProjectSession.open(project_folder), source)
    live.start(defer_capture=True)
    try:
        live.start_recording(participant, task)
        assert live.ended.wait(30), "the source never ended"
        return live.stop_recording()
    finally:
        live.stop()
