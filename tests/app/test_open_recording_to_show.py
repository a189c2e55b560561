"""A view opens a recording to show its frames: a file with no frame is refused with a StoreError that
names the file, and the reader is closed (Review and Segment share this)."""

from __future__ import annotations

import pytest

from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.domain.camera import CameraInfo, Intrinsics
from neuroface_studio.store.errors import StoreError
from neuroface_studio.store.recording_file import RecordingWriter

INTR = Intrinsics(64, 48, 60.0, 60.0, 32.0, 24.0)


def test_a_recording_without_frames_is_refused_and_one_with_frames_opens(handmade_project):
    session = ProjectSession.open(handmade_project)
    with session.open_recording_to_show("P001-OPEN") as reader:
        assert reader.n_frames == 12
    path = session.recording_path("P002-OPEN")
    path.unlink()
    with RecordingWriter(path, "P002-OPEN", "OPEN", 30.0, CameraInfo(INTR, INTR, device="test"), "now"):
        pass  # sealed with no frame
    with pytest.raises(StoreError, match="holds no frames"):
        session.open_recording_to_show("P002-OPEN")
