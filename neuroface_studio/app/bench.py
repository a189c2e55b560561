"""Benchmark: how fast recordings reach the disk, against plain file writes in the same run."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

from neuroface_studio.domain.participants import Group
from neuroface_studio.simulation import clinic
from neuroface_studio.store.recording_file import RecordingWriter


def bench_store(n_frames: int = 120) -> dict:
    """Write ``n_frames`` simulated VGA colour+depth frames; report fps and size ratio."""
    identity = clinic.make_identity("BENCH", Group.HC, 1)
    protocol_task = _open_task()
    plan = clinic.plan_recording(identity, protocol_task, fps=60.0, seed=1, duration_scale=0.5)
    frames = [clinic.render_frame(identity, plan, i % plan.n_frames) for i in range(min(30, plan.n_frames))]
    raw_bytes = sum(c.nbytes + d.nbytes for c, d in frames) / len(frames) * n_frames
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.h5"
        t0 = time.perf_counter()
        with RecordingWriter(path, "BENCH", "OPEN", 60.0, plan.camera, "now") as w:
            for i in range(n_frames):
                c, d = frames[i % len(frames)]
                w.append(c, d, i / 60.0)
        dt = time.perf_counter() - t0
        size = path.stat().st_size
        raw_dt = _raw_write_seconds(Path(tmp) / "raw.bin", frames, n_frames)
    return {
        "frames": n_frames,
        "write_fps_hdf5_blosc_lz4": round(n_frames / dt, 1),
        "write_fps_plain_file_uncompressed": round(n_frames / raw_dt, 1),
        "hdf5_speed_vs_plain_file": round(raw_dt / dt, 2),
        "size_vs_raw_percent": round(100 * size / raw_bytes, 1),
        "realtime_margin_at_60fps": round(n_frames / dt / 60.0, 2),
    }


def _raw_write_seconds(path: Path, frames, n_frames: int) -> float:
    """The same bytes written to a plain file with one fsync at the end (the disk's own pace)."""
    t0 = time.perf_counter()
    with open(path, "wb") as fh:
        for i in range(n_frames):
            c, d = frames[i % len(frames)]
            fh.write(c.tobytes())
            fh.write(d.tobytes())
        fh.flush()
        os.fsync(fh.fileno())
    return time.perf_counter() - t0


def _open_task():
    from neuroface_studio.app.paths import protocol_file
    from neuroface_studio.store.protocol_file import load_protocol
    return load_protocol(protocol_file()).task("OPEN")


def bench_random_access(n_frames: int = 300, n_reads: int = 100) -> dict:
    """Random frame access in a recording file (scrubbing): ms per colour+depth read."""
    import numpy as np

    from neuroface_studio.store.recording_file import RecordingReader
    identity = clinic.make_identity("BENCH", Group.HC, 1)
    plan = clinic.plan_recording(identity, _open_task(), fps=60.0, seed=1, duration_scale=0.5)
    frames = [clinic.render_frame(identity, plan, i % plan.n_frames) for i in range(min(30, plan.n_frames))]
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.h5"
        with RecordingWriter(path, "BENCH", "OPEN", 60.0, plan.camera, "now") as w:
            for i in range(n_frames):
                c, d = frames[i % len(frames)]
                w.append(c, d, i / 60.0)
        times = []
        with RecordingReader(path) as r:
            for i in rng.integers(0, n_frames, n_reads):
                t0 = time.perf_counter()
                r.color(int(i))
                r.depth(int(i))
                times.append(1000 * (time.perf_counter() - t0))
    times.sort()
    return {"reads": n_reads, "ms_per_random_frame_median": round(times[len(times) // 2], 2),
            "ms_per_random_frame_p95": round(times[int(0.95 * len(times))], 2), "goal_ms": 20}


def bench_record(duration_s: float = 60.0, fps: float = 60.0, pose: bool = True) -> dict:
    """Record the simulated participant live at ``fps`` for ``duration_s`` with pose feedback
    running (as the Record workspace does, minus drawing); report drops, MB/s, writer CPU, pose rate."""
    from neuroface_studio.acquisition.synthetic import SyntheticSource
    from neuroface_studio.app.live_session import LiveSession, default_pose_worker
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.domain.participants import Participant

    with tempfile.TemporaryDirectory() as tmp:
        session = ProjectSession.create(Path(tmp) / "bench")
        session.project.add_participant(Participant("BENCH", Group.HC))
        # pre-rendered frames: a real camera delivers frames without the simulator's render cost
        source = SyntheticSource(participant_id="BENCH", group=Group.HC, task_code="OPEN", fps=fps, seed=3,
                                 prerender=int(2 * fps))
        latest = {}
        live = LiveSession(session, source, pose=default_pose_worker if pose else None)
        live.start()
        live.add_frame_listener(lambda f: latest.__setitem__("frame", f))  # what the preview keeps
        if pose:  # as the operator does: "look at the camera", then Set straight ahead
            waited = threading.Event()
            for _ in range(100):
                if live.n_recent_estimates >= 20 or waited.wait(0.1):
                    break
            live.calibrate_straight_ahead()
        live.start_recording("BENCH", "OPEN")
        live.ended.wait(duration_s)
        rate = live.pose.rate_hz() if live.pose else 0.0
        result = live.stop()
    out = result.summary()
    keep = ("frames_written", "dropped", "dropped_camera", "dropped_queue", "fps_written", "mb_per_s",
            "writer_cpu_percent", "frontal_fraction")
    return {"duration_s": duration_s, "target_fps": fps, **{k: out[k] for k in keep},
            "pose_rate_hz": round(rate, 1)}

