"""Rendering benchmark for the simulated clinic (wired to the CLI as a benchmark command)."""

from __future__ import annotations

import time

import numpy as np

from neuroface_studio.domain.participants import Group
from neuroface_studio.domain.protocol import Task
from neuroface_studio.simulation.clinic import make_identity, plan_recording, render_frame

_OPEN = Task(code="OPEN", name="Open", instruction="", repetitions=5, segmented=True, category="nonspeech")


def bench_render(n_frames: int = 60) -> dict:
    """Render ``n_frames`` colour+depth frames of an OPEN recording; report the speed.

    Returns ``{"n_frames", "ms_per_frame" (median), "ms_per_frame_mean", "ms_per_frame_p95",
    "fps", "plan_ms", "first_frame_ms"}``; the first frame (which builds caches) is timed apart.
    """
    identity = make_identity("BENCH01", Group.HC, seed=0)
    t0 = time.perf_counter()
    plan = plan_recording(identity, _OPEN, fps=50.0, seed=0, turn_away=False)
    plan_ms = (time.perf_counter() - t0) * 1e3
    t0 = time.perf_counter()
    render_frame(identity, plan, 0)
    first_ms = (time.perf_counter() - t0) * 1e3
    times = []
    for i in range(max(int(n_frames), 1)):
        t0 = time.perf_counter()
        render_frame(identity, plan, (1 + 7 * i) % plan.n_frames)
        times.append((time.perf_counter() - t0) * 1e3)
    ms = np.asarray(times)
    median = float(np.median(ms))
    return {
        "n_frames": int(ms.size), "ms_per_frame": median, "ms_per_frame_mean": float(ms.mean()),
        "ms_per_frame_p95": float(np.percentile(ms, 95)), "fps": 1e3 / median,
        "plan_ms": plan_ms, "first_frame_ms": first_ms,
    }
