"""The minimum-sample rule (analysis/sample_size.py) and the classifier's n and CI estimability (issue 18)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neuroface_studio.analysis import sample_size as ss
from neuroface_studio.analysis.classify import loso_random_forest


def test_minimums_are_stated_once_and_the_text_says_n_and_what_is_needed():
    assert (ss.MIN_CONTROLS_FOR_Z, ss.MIN_PER_GROUP_FOR_CLASSIFIER) == (5, 5)
    two = ss.z_sample(2)
    assert not two.ok and two.reason == "not enough participants (n=2 controls; at least 5 needed)"
    assert ss.z_sample(4, "HC").reason == "not enough participants (n=4 HC controls; at least 5 needed)"
    assert ss.z_sample(5, "HC").ok and ss.z_sample(5, "HC").reason == ""
    clf = ss.classifier_sample({"HC": 5, "ALS": 4})
    assert not clf.ok and clf.reason == "not enough participants (n=5 HC, 4 ALS; at least 5 per group needed)"
    assert ss.classifier_sample({"HC": 5, "ALS": 5}).ok and not ss.classifier_sample({}).ok
    assert json.loads(json.dumps(clf.to_dict())) == {"n": {"HC": 5, "ALS": 4}, "minimum": 5, "per_group": True,
                                                      "not_enough": clf.reason}


def test_a_ci_without_width_or_resamples_is_not_estimable_and_never_printed_as_a_point():
    n = "n=5 HC, 5 ALS"
    assert ss.ci_text((0.62, 0.91), n) == "0.62–0.91"
    for ci, resamples in (((1.0, 1.0), 1000), ((float("nan"),) * 2, 0), ((0.5, 0.9), 0), (None, None)):
        assert ss.ci_text(ci, n, resamples) == "CI not estimable (n=5 HC, 5 ALS)"
    enough = ss.classifier_sample({"HC": 5, "ALS": 5})
    assert ss.auc_text(0.834, (0.62, 0.97), enough) == "AUC 0.83 (95% CI 0.62–0.97; n=5 HC, 5 ALS)"
    assert ss.auc_text(1.0, (1.0, 1.0), enough) == "AUC 1.00 (CI not estimable; n=5 HC, 5 ALS)"
    few = ss.classifier_sample({"HC": 2, "ALS": 2})
    assert ss.auc_text(1.0, (1.0, 1.0), few) == "not enough participants (n=2 HC, 2 ALS; at least 5 per group needed)"


def _samples(n_per_group: int, effect: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    X, y, parts = [], [], []
    for label in (0, 1):
        for k in range(n_per_group):
            for _ in range(3):  # three repetitions per participant
                X.append(rng.normal(effect * label, 1.0, 4))
                y.append(label)
                parts.append(f"{label}-{k}")
    return np.array(X), np.array(y), parts


def test_classifier_result_carries_its_n_and_whether_its_ci_is_estimable():
    X, y, parts = _samples(5, effect=20.0)  # perfectly separated: every resample gives AUC 1
    res = loso_random_forest(X, y, parts, n_estimators=20, n_boot=200)
    assert res["auc"] == 1.0 and res["auc_ci95"] == [1.0, 1.0]
    assert res["n_per_label"] == {0: 5, 1: 5} and 190 <= res["auc_ci95_resamples"] <= 200  # one-class ones dropped
    assert res["auc_ci95_estimable"] is False  # 1.00 (1.00–1.00) is not an interval
    X, y, parts = _samples(6, effect=0.7, seed=1)  # overlapping groups: a real interval
    res = loso_random_forest(X, y, parts, n_estimators=20, n_boot=200)
    assert res["n_per_label"] == {0: 6, 1: 6} and res["auc_ci95_estimable"] is True
    assert res["auc_ci95"][0] < res["auc_ci95"][1]
