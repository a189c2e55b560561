"""A recording's frame times, read from its file (features, segmentation, traces, reports, exports).

:func:`recording_times` reads ``/timestamps_s`` of ``recordings/<id>.h5`` and checks it
(:func:`neuroface_studio.analysis.timebase.frame_times`); a file that cannot be read, or whose
timestamps are missing or not increasing (old or damaged recordings), gives ``index / fps`` with a
note saying why, so every caller can state which clock its numbers use.
"""

from __future__ import annotations

from neuroface_studio.analysis.timebase import FrameTimes, frame_times, index_times
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.store.errors import StoreError


def recording_times(session: ProjectSession, recording_id: str, n_frames: int | None = None) -> FrameTimes:
    """Checked frame times of ``recording_id`` for ``n_frames`` frames (default: the recording's).

    ``n_frames`` lets a caller ask for as many times as its landmark track has frames.
    """
    rec = session.project.recordings[recording_id]
    n = rec.n_frames if n_frames is None else int(n_frames)
    try:
        with session.open_recording(recording_id) as reader:
            stamps = reader.timestamps_s()
    except (StoreError, OSError) as exc:
        return index_times(n, rec.fps, f"the recording's timestamps could not be read ({exc})")
    if len(stamps) < n:  # a track longer than the file (should not happen): times of the file, then index/fps
        return index_times(n, rec.fps, f"the recording holds {len(stamps)} timestamps for {n} frames")
    return frame_times(stamps, n, rec.fps)
