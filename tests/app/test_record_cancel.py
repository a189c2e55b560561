"""record_task's progress and cooperative cancel (what File → Import Recording… uses): a cancel keeps
the frames written, says so in the recording's notes, and adds nothing when no frame was written."""

from __future__ import annotations

import time

import numpy as np
import pytest

from neuroface_studio.acquisition.video_file import VideoFileSource
from neuroface_studio.app.jobs import CancelToken, JobCancelled
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.app.record import record_task


class SlowVideo(VideoFileSource):
    """A video read at most every 30 ms (the first frame after ``first_s``), so a cancel lands mid-file."""

    def __init__(self, path, first_s: float = 0.0) -> None:
        super().__init__(path)
        self.first_s = first_s

    def read(self, timeout_s: float = 1.0):
        time.sleep(self.first_s or 0.03)
        self.first_s = 0.0
        return super().read(timeout_s)


@pytest.fixture
def clip(tmp_path):
    import cv2
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (64, 48))
    for i in range(100):
        writer.write(np.full((48, 64, 3), i, np.uint8))
    writer.release()
    return path


def test_cancel_keeps_the_frames_written(handmade_project, clip):
    session, token, seen = ProjectSession.open(handmade_project), CancelToken(), []

    def progress(done, total, message):
        seen.append(done)
        if done >= 5:
            token.cancel()

    result = record_task(session, "P001", "SMILE", SlowVideo(clip), pose=None, progress=progress, cancel=token)
    assert seen == sorted(seen)  # frames written so far, never going back
    rec = ProjectSession.open(handmade_project).project.recordings[result.recording_id]
    assert 5 <= rec.n_frames < 100 and rec.n_frames == result.stats.frames_written
    assert f"cancelled by the user after {rec.n_frames} frames" in rec.notes


def test_cancel_before_any_frame_adds_nothing(handmade_project, clip):
    session, token = ProjectSession.open(handmade_project), CancelToken()
    token.cancel()  # seen within 0.1 s; the first frame comes after 1 s
    with pytest.raises(JobCancelled):
        record_task(session, "P001", "SMILE", SlowVideo(clip, first_s=1.0), pose=None, cancel=token)
    assert "P001-SMILE" not in ProjectSession.open(handmade_project).project.recordings
    assert not (handmade_project / "recordings" / "P001-SMILE.h5").exists()


def test_without_progress_or_cancel_the_whole_file(handmade_project, clip):
    result = record_task(ProjectSession.open(handmade_project), "P001", "SMILE", VideoFileSource(clip), pose=None)
    assert result.stats.frames_written == 100
