"""Benchmark: how fast recordings reach the disk, against plain file writes in the same run."""

from __future__ import annotations

import os
import tempfile
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
