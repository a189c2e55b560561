"""The LOSO classifier with and without the sound's DDK measures (``classify --audio``).

Runs :func:`app.kinematics.classify` (lip/jaw kinematics only) and the same leave-one-subject-out
random forest on the kinematic features plus the DDK measures of the speech task's sound
(analysis/ddk.DDK_NAMES present in the rows), on the same repetitions, and reports both AUCs.
"""

from __future__ import annotations

import math

import numpy as np

from neuroface_studio.analysis.ddk import DDK_NAMES
from neuroface_studio.analysis.features import FEATURE_NAMES
from neuroface_studio.app.kinematics import FeatureTable, classify


def classify_with_and_without_audio(table: FeatureTable, task: str, groups: tuple[str, str] = ("HC", "ALS"),
                                    seed: int = 0, n_estimators: int = 200) -> dict:
    """``{"video_only": classify(...), "with_audio": ..., "audio_features": [...], "auc_gain": ...}``."""
    from neuroface_studio.analysis.classify import loso_random_forest
    video = classify(table, task, groups, seed=seed, n_estimators=n_estimators)
    rows = [r for r in table.rows if r["task"] == task and r["group"] in groups and r.get("space") == video["space"]]
    audio = [f for f in DDK_NAMES if any(isinstance(r.get(f), float) and math.isfinite(r[f]) for r in rows)]
    if not audio:
        raise ValueError(f"no DDK measures from sound for task {task}: it needs a speech task (BBP, PA, PATAKA) whose "
                         "recordings have a sound track (an imported video's, or `simulate --speech`)")
    names = list(FEATURE_NAMES) + audio
    X = np.array([[r.get(f, math.nan) for f in names] for r in rows], np.float64)
    y = np.array([int(r["group"] == groups[1]) for r in rows])
    res = loso_random_forest(X, y, [r["participant"] for r in rows], n_estimators=n_estimators, seed=seed,
                             feature_names=names)
    with_audio = {**video, **res}  # the same rows: task, space and the n per group carry over
    return {"task": task, "groups": list(groups), "video_only": video, "with_audio": with_audio,
            "audio_features": audio, "auc_gain": round(with_audio["auc"] - video["auc"], 4)}
