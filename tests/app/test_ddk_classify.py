"""classify --audio: the same LOSO forest without and with the sound's DDK measures."""

from __future__ import annotations

import numpy as np
import pytest

from neuroface_studio.analysis.features import FEATURE_NAMES
from neuroface_studio.app.ddk_classify import classify_with_and_without_audio
from neuroface_studio.app.kinematics import FeatureTable


def _table(with_ddk: bool) -> FeatureTable:
    rng = np.random.default_rng(0)
    table = FeatureTable()
    for k in range(12):
        group = "HC" if k % 2 == 0 else "ALS"
        for rep in range(4):
            row = {"participant": f"S{k:02d}", "group": group, "recording": f"S{k:02d}-PA", "task": "PA",
                   "repetition": rep + 1, "start": rep * 10, "end": rep * 10 + 9, "space": "3d_mm",
                   **{f: float(rng.normal()) for f in FEATURE_NAMES}}  # the lips say nothing about the group here
            if with_ddk:  # ALS speaks slower: the sound tells the groups apart
                row["ddk_task_rate_syll_s"] = float(rng.normal(5.6 if group == "HC" else 4.4, 0.2))
            table.rows.append(row)
    return table


def test_audio_measures_raise_the_auc_when_they_carry_the_group():
    res = classify_with_and_without_audio(_table(True), "PA", ("HC", "ALS"), n_estimators=60)
    assert res["audio_features"] == ["ddk_task_rate_syll_s"]
    assert res["with_audio"]["auc"] > 0.9 and res["video_only"]["auc"] < 0.8 and res["auc_gain"] > 0.2
    assert res["with_audio"]["n_participants"] == res["video_only"]["n_participants"] == 12


def test_no_sound_measures_is_a_clear_error():
    with pytest.raises(ValueError, match="no DDK measures from sound for task PA"):
        classify_with_and_without_audio(_table(False), "PA", ("HC", "ALS"), n_estimators=20)
