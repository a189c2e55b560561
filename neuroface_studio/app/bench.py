"""Benchmark: how fast recordings reach the disk (Blosc-LZ4 vs uncompressed, same run)."""

from __future__ import annotations

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
    return {
        "frames": n_frames,
        "write_fps_blosc_lz4": round(n_frames / dt, 1),
        "size_vs_raw_percent": round(100 * size / raw_bytes, 1),
        "realtime_margin_at_60fps": round(n_frames / dt / 60.0, 2),
    }


def _open_task():
    from neuroface_studio.app.paths import protocol_file
    from neuroface_studio.store.protocol_file import load_protocol
    return load_protocol(protocol_file()).task("OPEN")
