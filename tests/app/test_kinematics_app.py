"""Features and LOSO classification on simulated studies: a real effect is found, no effect is not."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neuroface_studio.app import kinematics
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
from neuroface_studio.cli import main


def _study(folder, no_effect: bool):
    s = ProjectSession.create(folder)
    simulate_into_project(s, SimulationRequest(participants=10, groups=("HC", "ALS"), tasks=("OPEN",), fps=15,
                                               duration_scale=0.4, annotators=0, no_effect=no_effect, seed=3))
    return s


@pytest.fixture(scope="module")
def effect(tmp_path_factory):
    return _study(tmp_path_factory.mktemp("fx") / "effect", False)


@pytest.fixture(scope="module")
def null(tmp_path_factory):
    return _study(tmp_path_factory.mktemp("nx") / "null", True)


def test_features_in_3d_from_depth_on_simulated_truth(effect):
    table = kinematics.project_features(effect)
    assert not table.skipped and len(table.sources) == 10
    assert all("simulated truth + depth (3D mm)" == v for v in table.sources.values())
    rom = {g: np.nanmean([r["range_of_motion"] for r in table.rows if r["group"] == g]) for g in ("HC", "ALS")}
    assert 5 < rom["HC"] < 60 and rom["ALS"] < rom["HC"]  # mm; ALS opens less in the simulator
    assert np.mean([np.isfinite(r["sparc"]) for r in table.rows]) > 0.8  # NaN: repetition mostly turned away


def test_classifier_finds_the_effect_and_not_the_null(effect, null):
    real = kinematics.classify(kinematics.project_features(effect), "OPEN", ("HC", "ALS"), n_estimators=100)
    none = kinematics.classify(kinematics.project_features(null), "OPEN", ("HC", "ALS"), n_estimators=100)
    assert real["auc"] >= 0.8, real["auc"]
    # leakage would show as a high AUC; with 10 participants LOSO's own small-sample variance (and
    # its known downward bias, see tests/analysis/test_kinematics.py) make "about 0.5" too strict
    assert none["auc"] < 0.8 and none["auc_ci95"][0] <= 0.5, none["auc"]
    assert set(real["participants"]) == {p for p in effect.project.participants}


def test_cli_features_csv_and_classify_json(effect, tmp_path, capsys):
    out = tmp_path / "f.csv"
    assert main(["features", str(effect.folder), "--csv", str(out)]) == 0
    header = out.read_text().splitlines()[0]
    assert header.startswith("participant,group,recording,task,repetition,start,end,range_of_motion")
    capsys.readouterr()
    assert main(["classify", str(effect.folder), "--task", "OPEN", "--groups", "HC,ALS", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert {"auc", "auc_ci95", "participants"} <= set(res)
    assert res["n_per_group"] == {"HC": 5, "ALS": 5} and res["not_enough"] == "" and res["minimum_per_group"] == 5
    assert res["auc_ci95_estimable"] == (res["auc_ci95"][1] > res["auc_ci95"][0])
    assert main(["classify", str(effect.folder), "--task", "OPEN", "--groups", "HC,ALS"]) == 0
    text = capsys.readouterr().out
    ci = (f"95% CI {res['auc_ci95'][0]:.2f}–{res['auc_ci95'][1]:.2f}" if res["auc_ci95_estimable"]
          else "CI not estimable")
    assert text.startswith(f"OPEN, HC vs ALS: AUC {res['auc']:.2f} ({ci}; n=5 HC, 5 ALS)")
    assert main(["classify", str(effect.folder), "--task", "OPEN", "--groups", "HC"]) == 2


def test_cli_small_study_flags_not_enough_participants_with_the_n(tmp_path, capsys):
    """2 HC + 2 ALS: `classify --json` keeps the numbers but flags them (``not_enough``, n per group);
    the text prints no AUC or probabilities; `features --json` says per task whether z-scores and
    classifiers have enough participants."""
    s = ProjectSession.create(tmp_path / "small")
    simulate_into_project(s, SimulationRequest(participants=4, groups=("HC", "ALS"), tasks=("OPEN",), fps=8,
                                               duration_scale=0.2, annotators=0, seed=1))
    assert main(["classify", str(s.folder), "--task", "OPEN", "--json", "--trees", "20"]) == 0
    res = json.loads(capsys.readouterr().out)
    why = "not enough participants (n=2 HC, 2 ALS; at least 5 per group needed)"
    assert res["n_per_group"] == {"HC": 2, "ALS": 2} and res["not_enough"] == why and "auc" in res
    assert main(["classify", str(s.folder), "--task", "OPEN", "--trees", "20"]) == 0
    text = capsys.readouterr().out.strip()
    assert text.startswith(f"OPEN, HC vs ALS: no AUC shown, {why}") and "AUC 1.00" not in text
    assert "\n" not in text  # no per-participant probabilities
    assert main(["features", str(s.folder), "--json"]) == 0
    size = json.loads(capsys.readouterr().out)["sample_size"]["OPEN"]
    assert size["participants"] == {"HC": 2, "ALS": 2}
    assert size["z_scores"] == {"n": {"HC controls": 2}, "minimum": 5, "per_group": False,
                                "not_enough": "not enough participants (n=2 HC controls; at least 5 needed)"}
    assert size["classifiers"]["HC vs ALS"]["not_enough"] == why
    assert main(["features", str(s.folder)]) == 0
    assert "OPEN: 2 HC, 2 ALS participant(s); z-scores against HC: not enough participants" in capsys.readouterr().out
