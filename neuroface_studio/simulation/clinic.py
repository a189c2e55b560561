"""The simulated clinic: synthetic participants, recordings and annotators with exact truth.

This is the public face of :mod:`neuroface_studio.simulation`; the demo, the tests and the
benchmarks call only what is here::

    identity = make_identity("P001", Group.ALS, seed=7)
    plan = plan_recording(identity, protocol.task("OPEN"), fps=50.0, seed=0)
    for index, color, depth in iter_frames(identity, plan):
        ...   # color (480, 640, 3) uint8 RGB, depth (480, 640) uint16 mm
    plan.landmarks_px   # (T, 68, 2) truth

Bump :data:`SIMULATOR_VERSION` whenever the output for the same arguments changes.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from neuroface_studio.simulation.annotators import (
    ANNOTATORS, SimulatedAnnotator, annotate, choose_annotation_frames,
)
from neuroface_studio.simulation.identity import FOLLOW_UP_WEEKS, Identity, follow_up_identity, make_identity
from neuroface_studio.simulation.planning import (
    SIMULATOR_VERSION, RecordingPlan, plan_recording, simulated_camera,
)
from neuroface_studio.simulation.render import render_frame

__all__ = [
    "ANNOTATORS", "FOLLOW_UP_WEEKS", "SIMULATOR_VERSION", "Identity", "RecordingPlan", "SimulatedAnnotator", "annotate",
    "choose_annotation_frames", "follow_up_identity", "iter_frames", "make_identity", "plan_recording", "render_frame",
    "simulated_camera",
]


def iter_frames(identity: Identity, plan: RecordingPlan,
                start: int = 0, stop: int | None = None) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Yield ``(index, color (H, W, 3) uint8, depth (H, W) uint16 mm)`` for frames start..stop-1."""
    stop = plan.n_frames if stop is None else min(stop, plan.n_frames)
    for index in range(start, stop):
        color, depth = render_frame(identity, plan, index)
        yield index, color, depth
