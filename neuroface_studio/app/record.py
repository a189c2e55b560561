"""Record one task for a participant (or import a file) into the project, headless.

Sources: "synthetic" (the simulated participant as a live camera), "realsense" (a live
camera), or a file: RealSense .bag/.db3 playback, or an ordinary video (colour only).
Live sources are recorded (LiveSession, with drop accounting); files are imported frame by
frame at their own pace (app/file_import.py), never through the live drop queue.
"""

from __future__ import annotations

import time
from pathlib import Path

from neuroface_studio.acquisition.source import FrameSource, SourceError
from neuroface_studio.app.jobs import CancelToken, JobCancelled, ProgressFn
from neuroface_studio.app.live_session import LiveSession, RecordResult, default_pose_worker
from neuroface_studio.app.project_service import ProjectSession

REALSENSE_FILES = (".bag", ".db3")


def make_source(spec: str, fps: float = 60.0, participant_group: str = "HC", task: str = "OPEN",
                seed: int = 0, image_fps: float | None = None) -> FrameSource:
    """Build a frame source from a CLI/GUI spec: "synthetic", "realsense", a file or a folder of images.

    image_fps: the rate a folder of images (an image sequence) was taken at (default 30).
    """
    if spec == "synthetic":
        from neuroface_studio.acquisition.synthetic import SyntheticSource
        from neuroface_studio.domain.participants import Group
        return SyntheticSource(participant_id="LIVE", group=Group.parse(participant_group), task_code=task,
                               fps=fps, seed=seed, realtime=True)
    if spec == "realsense":
        from neuroface_studio.acquisition.realsense_live import RealSenseSource
        return RealSenseSource(fps=int(round(fps)))
    path = Path(spec)
    if not path.exists():
        raise SourceError(f"{path} does not exist; give 'synthetic', 'realsense' or an existing file")
    if path.is_dir():
        from neuroface_studio.acquisition.image_folder import ImageFolderSource
        return ImageFolderSource(path, fps=image_fps)
    if path.suffix.lower() in REALSENSE_FILES:
        from neuroface_studio.acquisition.realsense_file import RealSenseFileSource
        return RealSenseFileSource(path)
    from neuroface_studio.acquisition.video_file import VideoFileSource
    return VideoFileSource(path)


def record_task(session: ProjectSession, participant_id: str, task: str, source: FrameSource,
                duration_s: float | None = None, pose=default_pose_worker, progress: ProgressFn | None = None,
                cancel: CancelToken | None = None, audio=None) -> RecordResult:
    """Record until ``duration_s`` (live sources), the end of a file, a failure, or ``cancel``.

    A file (``source.is_live`` False) is imported, not recorded: every frame it holds is written
    with its own timestamp through a blocking path (app/file_import.py; the result is an
    ImportResult with ``frames_read`` = ``frames_written``); ``duration_s`` then limits the
    frames to ``duration_s * source.fps``. A live source goes through LiveSession's capture
    thread and drop-counting queue.

    The recording is added to the project and the project saved, also when it ended early
    (camera lost, disk full, cancelled): whatever reached the disk is kept and the reason reported.
    ``pose``: see LiveSession (live pose feedback gives the recording's frontal fraction);
    ``audio``: a live sound source recorded with the take (acquisition/audio_source.py), or None.
    ``progress(frames_written, 0, message)`` about every 0.1 s (the total is not known ahead);
    a cancel keeps the frames written so far (the recording's notes say so) and raises
    JobCancelled only when no frame was written yet.
    """
    if not source.is_live:
        from neuroface_studio.app.file_import import import_recording
        max_frames = None
        if duration_s is not None:
            source.open()  # the file's rate gives the frame limit
            max_frames = max(2, int(round(duration_s * source.fps)))
        return import_recording(session, participant_id, task, source, pose=pose, progress=progress,
                                cancel=cancel, max_frames=max_frames)
    live = LiveSession(session, source, pose=pose, audio=audio)
    live.start()
    result = None
    try:
        live.start_recording(participant_id, task)
        if progress is None and cancel is None:
            live.ended.wait(duration_s)
        elif _wait(live, duration_s, progress, cancel):
            stats = live.live_stats()
            written = stats.frames_written if stats else 0
            try:
                result = live.stop_recording(notes=f"cancelled by the user after {written} frames")
            except SourceError as exc:  # nothing reached the disk: nothing was added
                raise JobCancelled("cancelled before any frame was written") from exc
    finally:
        stopped = live.stop()
    return result or stopped


def _wait(live: LiveSession, duration_s: float | None, progress: ProgressFn | None,
          cancel: CancelToken | None) -> bool:
    """Wait for the end (or ``duration_s``) reporting progress; True when cancelled."""
    deadline = None if duration_s is None else time.monotonic() + duration_s
    while not live.ended.wait(0.1):
        if cancel is not None and cancel.cancelled:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        if progress is not None:
            stats = live.live_stats()
            written = stats.frames_written if stats else 0
            progress(written, 0, f"{written} frames written")
    return False
