"""Ground-truth files (truth/<recording>.h5) of simulated recordings."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neuroface_studio.domain.truth import GroundTruth
from neuroface_studio.store.arrays_file import read_arrays, write_arrays

TRUTH_FORMAT_ID = "neuroface-studio-truth"
TRUTH_SCHEMA_VERSION = 1


def write_truth(path: Path, truth: GroundTruth) -> None:
    write_arrays(path, TRUTH_FORMAT_ID, TRUTH_SCHEMA_VERSION, {
        "landmarks_px": truth.landmarks_px.astype(np.float64),
        "landmarks_mm": truth.landmarks_mm.astype(np.float64),
        "head_pose_deg": truth.head_pose_deg.astype(np.float64),
        "turned_away": truth.turned_away.astype(bool),
        "repetitions": np.asarray(truth.repetitions, dtype=np.int64).reshape(-1, 2),
    }, truth.meta)


def read_truth(path: Path) -> GroundTruth:
    a, meta = read_arrays(path, TRUTH_FORMAT_ID, TRUTH_SCHEMA_VERSION)
    return GroundTruth(a["landmarks_px"], a["landmarks_mm"], a["head_pose_deg"], a["turned_away"].astype(bool),
                       a["repetitions"], meta)
