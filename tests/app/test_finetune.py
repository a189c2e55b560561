"""One-click fine-tuning from a project: data, participant split, registry provenance, CLI."""

from __future__ import annotations

import json
import math

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("face_alignment")

from neuroface_studio.app import finetune as ft  # noqa: E402
from neuroface_studio.app.project_service import ProjectSession  # noqa: E402
from neuroface_studio.cli import main  # noqa: E402
from neuroface_studio.store.model_index import ModelIndex  # noqa: E402
from neuroface_studio.training.engine import FinetuneConfig  # noqa: E402
from neuroface_studio.vision import registry  # noqa: E402
from simhelpers import copy_project, import_random_fan, simulate_project  # noqa: E402


@pytest.fixture(scope="module")
def sim_project(tmp_path_factory):
    return simulate_project(tmp_path_factory.mktemp("sim") / "proj", participants=3, groups=("HC", "ALS"),
                            tasks=("OPEN",), fps=10, duration_scale=0.2, annotators=2)


@pytest.fixture
def session(sim_project, tmp_path):
    return copy_project(sim_project, tmp_path)


@pytest.fixture
def store(tmp_path):  # a small random FAN (1 x 32 @ 64): the plumbing, fast
    return import_random_fan(tmp_path / "models", tmp_path, width=32, input_size=64)


def test_split_is_by_participant_and_stratified():
    groups = {f"H{i}": "HC" for i in range(8)} | {f"A{i}": "ALS" for i in range(4)} | {"P0": "PS"}
    train, val = ft.split_participants(groups, 0.25, seed=1)
    assert not set(train) & set(val) and set(train) | set(val) == set(groups)
    assert sum(p.startswith("H") for p in val) == 2 and sum(p.startswith("A") for p in val) == 1
    assert "P0" in train  # a group of one cannot be split
    assert ft.split_participants({"A": "HC", "B": "HC"})[1] in (["A"], ["B"])
    assert ft.split_participants({"A": "HC", "B": "ALS"})[1] in (["A"], ["B"])


def test_data_is_the_consensus_else_truth(session):
    frames, what = ft.collect_frames(session, ft.DataChoice())
    assert "corrected frames (consensus of" in what and frames
    truth, what = ft.collect_frames(session, ft.DataChoice(source="truth", truth_frames=4))
    assert "simulated ground-truth" in what and len(truth) == 4 * len(session.project.recordings)
    with pytest.raises(ValueError, match="no corrected frames by ZZ"):
        ft.collect_frames(session, ft.DataChoice(source="annotations", annotator="ZZ"))


def test_run_registers_a_new_version_with_provenance(session, store):
    events = []
    cfg = FinetuneConfig(epochs=1, batch_size=4, augment_copies=1)
    summary = ft.run_finetune(session, data=ft.DataChoice(source="truth", truth_frames=3), config=cfg,
                              activate=True, on_event=events.append, store_dir=store)
    assert summary.model == "fan2d-ft1" and summary.base_model == "fan2d" and summary.activated
    assert not set(summary.train_participants) & set(summary.val_participants)
    assert {"all"} < set(summary.nrmse_before) and set(summary.nrmse_after) == set(summary.nrmse_before)
    entry = ModelIndex(store).get("fan2d-ft1")
    assert entry.origin.startswith("fine-tuned from fan2d") and entry.active
    assert entry.metrics["val_participants"] == summary.val_participants
    assert entry.metrics["config"]["epochs"] == 1 and entry.metrics["base_model"]["name"] == "fan2d"
    assert any(e.kind == "epoch" for e in events)
    assert not list((session.folder / "training").glob("*.ckpt"))  # the checkpoint goes once registered
    # rolling back is activating the base again (and removing the new version if wanted)
    registry.set_active("fan2d", store)
    registry.remove_model("fan2d-ft1", store)
    assert registry.active_model(store) == "fan2d"


def test_no_fan_installed_says_how_to_get_one(session, tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_DEMO_FAN", str(tmp_path / "no-demo-fan.pth"))  # as if fan-demo were not shipped
    with pytest.raises(ValueError, match="fetch or import fan2d"):
        ft.run_finetune(session, store_dir=tmp_path / "empty-store")


def test_cli_finetune_json(session, store, capsys):
    code = main(["finetune", str(session.folder), "--epochs", "1", "--source", "truth", "--truth-frames", "2",
                 "--store", str(store), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["model"] == "fan2d-ft1" and "nrmse_before" in out and "nrmse_after" in out
    groups = set(out["nrmse_before"])
    assert {"all"} < groups and set(out["nrmse_after"]) == groups
    assert all(isinstance(out[k][g], float) and math.isfinite(out[k][g]) for k in ("nrmse_before", "nrmse_after")
               for g in groups)
    assert ProjectSession.open(session.folder).project.audit_log[-1].action == "fine-tune"


def test_compare_regularizers_has_a_row_per_variant(session, tmp_path, capsys):
    store = import_random_fan(tmp_path / "small", tmp_path, width=32, input_size=64)
    code = main(["finetune", str(session.folder), "--compare-regularizers", "--epochs", "1", "--source", "truth",
                 "--truth-frames", "2", "--store", str(store), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and [r["regularizer"] for r in out["rows"]] == ["none", "SAM", "EO", "CAM", "CO"]
    assert all(r["reg_lambda"] == 0.002 for r in out["rows"][1:]) and out["rows"][0]["reg_lambda"] is None
    before = out["rows"][0]["nrmse_before"]
    assert all(r["nrmse_before"] == before for r in out["rows"])  # same base, same held-out people
    assert all(isinstance(v, float) for r in out["rows"] for v in r["nrmse_after"].values())
    assert [m.name for m in registry.list_models(store) if m.name.startswith("fan2d-ft")] == []  # nothing registered
    main(["finetune", str(session.folder), "--compare-regularizers", "--epochs", "1", "--source", "truth",
          "--truth-frames", "2", "--store", str(store)])
    table = capsys.readouterr().out
    assert "regularizer" in table and "SAM" in table and "CO" in table and "→" in table
