"""Landmark sets: 68 points on one frame, with provenance (which model or annotator, when)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neuroface_studio.domain.landmarks import N_LANDMARKS, validate_points


@dataclass(frozen=True)
class LandmarkSource:
    """Where a landmark set came from.

    kind: "model" (name, version, sha256 of the weights), "annotator" (annotator_id),
    or "truth" (simulated ground truth, name = simulator version).
    """

    kind: str
    name: str = ""
    version: str = ""
    sha256: str = ""
    annotator_id: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("model", "annotator", "truth"):
            raise ValueError(f"landmark source kind must be model, annotator or truth, not {self.kind!r}")
        if self.kind == "annotator" and not self.annotator_id:
            raise ValueError("an annotator landmark source needs an annotator_id")
        if self.kind == "model" and not self.name:
            raise ValueError("a model landmark source needs the model name")

    @property
    def label(self) -> str:
        if self.kind == "annotator":
            return f"annotator {self.annotator_id}"
        if self.kind == "model":
            return f"{self.name} {self.version}".strip()
        return f"truth ({self.name})" if self.name else "truth"


@dataclass
class LandmarkSet:
    """68 landmarks on one frame of one recording.

    points_px: (68, 2) float64, x right / y down, pixel centres at integer coordinates.
    visible: (68,) bool, False where the point is occluded or unknown.
    corrects: ID of the landmark set (usually a model prediction) this one corrects.
    """

    id: str
    recording_id: str
    frame_index: int
    points_px: np.ndarray
    source: LandmarkSource
    created: str
    visible: np.ndarray = field(default_factory=lambda: np.ones(N_LANDMARKS, dtype=bool))
    corrects: str | None = None

    def __post_init__(self) -> None:
        self.points_px = validate_points(self.points_px)
        vis = np.asarray(self.visible, dtype=bool)
        if vis.shape != (N_LANDMARKS,):
            raise ValueError(f"visibility must have {N_LANDMARKS} flags, got shape {vis.shape}")
        self.visible = vis
        if self.frame_index < 0:
            raise ValueError("frame_index must be >= 0")


@dataclass(frozen=True)
class QueueItem:
    """A frame waiting for annotation. ``reason``: why it was chosen ("shape cluster",
    "peak of repetition 2", "model unsure", "manual", ...)."""

    recording_id: str
    frame_index: int
    reason: str = "manual"

    @property
    def key(self) -> tuple[str, int]:
        return (self.recording_id, self.frame_index)
