"""Ground truth of a simulated recording, kept apart from predictions and annotations."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class GroundTruth:
    """landmarks_px (T, 68, 2) float px; landmarks_mm (T, 68, 3) camera frame mm;
    head_pose_deg (T, 3) yaw/pitch/roll; turned_away (T,) bool; repetitions (R, 2) inclusive frames."""

    landmarks_px: np.ndarray
    landmarks_mm: np.ndarray
    head_pose_deg: np.ndarray
    turned_away: np.ndarray
    repetitions: np.ndarray
    meta: dict = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        return int(self.landmarks_px.shape[0])
