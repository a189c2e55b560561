"""The papers' experiments end to end on a tiny simulated project (random FAN(1) base, 1 epoch)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("face_alignment")

from neuroface_studio.app import experiments  # noqa: E402
from neuroface_studio.app.project_service import ProjectSession  # noqa: E402
from neuroface_studio.cli import main  # noqa: E402
from neuroface_studio.training.engine import FinetuneConfig  # noqa: E402
from neuroface_studio.vision import registry  # noqa: E402
from simhelpers import copy_project, import_random_fan, simulate_project  # noqa: E402

TINY = FinetuneConfig(epochs=1, batch_size=4, augment_copies=1)


@pytest.fixture(scope="module")
def sim_project(tmp_path_factory):
    return simulate_project(tmp_path_factory.mktemp("sim") / "proj", participants=3, groups=("HC", "ALS"),
                            tasks=("OPEN",), fps=10, duration_scale=0.15, annotators=2, frames_per_repetition=1)


@pytest.fixture
def session(sim_project, tmp_path):
    return copy_project(sim_project, tmp_path)


@pytest.fixture
def store(tmp_path):  # a small random FAN (1 x 32 @ 64): the plumbing, fast
    return import_random_fan(tmp_path / "models", tmp_path, width=32, input_size=64)


def test_learning_curve_trains_on_growing_sets_and_scores_the_same_held_out_people(session, store):
    res = experiments.learning_curve(session, (1, 2, 9), config=TINY, store_dir=store)
    assert [p["participants"] for p in res["curve"]] == [1, 2]  # 9 is capped at the training pool
    held = set(res["test_participants"])
    assert held and all(not held & set(p["train_participants"]) for p in res["curve"])
    assert res["curve"][0]["frames"] < res["curve"][1]["frames"]
    assert set(res["report"]["models"]) == {"fan2d (no fine-tuning)", "fine-tuned on 1", "fine-tuned on 2"}
    assert registry.list_models(store)[-1].name == "fan2d"  # experiments register nothing


def test_annotator_bias_matrix(session, store):
    res = experiments.annotator_bias(session, config=TINY, store_dir=store)
    anns = res["annotators"]
    assert len(anns) == 2 and set(res["matrix"]) == {*anns, "consensus"}
    assert all(set(row) == {*anns, "consensus"} for row in res["matrix"].values())
    assert set(res["bias"]) == set(anns)


def test_annotator_bias_needs_two_annotators(tmp_path, store, capsys):
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    s = ProjectSession.create(tmp_path / "one")
    simulate_into_project(s, SimulationRequest(participants=2, tasks=("OPEN",), fps=10, duration_scale=0.1,
                                               annotators=1))
    with pytest.raises(ValueError, match="at least two annotators"):
        experiments.annotator_bias(s, config=TINY, store_dir=store)
    assert main(["experiment", "annotator-bias", str(s.folder), "--store", str(store)]) == 2
    assert "at least two annotators" in capsys.readouterr().err
