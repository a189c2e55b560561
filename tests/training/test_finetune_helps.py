"""Fine-tuning must help: ``finetune PROJECT --json`` with its defaults (the CLI and app path one
click runs) on simulated patients lowers the held-out patients' NRMSE of the shipped ``fan-demo``.

fan-demo was trained on simulated controls only; its last hourglass is fine-tuned here on one
participant per group (8 simulated-truth frames of OPEN each, 2 augmented copies, 6 epochs,
cached trunk features) and scored on the other, unseen participant of each group. Fixed seeds
(simulation, split, augmentation, shuffling) and one torch thread make the run deterministic
(the same numbers with 2 threads). Measured on this project with training seeds 0-3 (held-out
NRMSE, interocular, before -> after): ALS 3.67% -> 3.15/3.20/3.25/3.17, PS 3.91% ->
3.63/3.63/3.71/3.70, all 3.99% -> 3.64/3.65/3.70/3.67 (seed 0 is the test's). The margins below
are about half the smallest fall over those seeds and 2-3 times the seeds' SD (0.03-0.05 point),
so a fine-tune that stopped learning (after == before, e.g. lr 3e-4 here: every epoch got worse
and the base weights were kept) or got worse fails. ~22 s of CPU (plus ~5 s simulating): 27 s
wall at load average ~1, 6 min at 11.
"""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from neuroface_studio.cli import main  # noqa: E402
from neuroface_studio.vision import registry  # noqa: E402
from simhelpers import simulate_project  # noqa: E402

MARGINS = {"ALS": 0.002, "PS": 0.001, "all": 0.0015}  # NRMSE (fraction): 0.2, 0.1, 0.15 point


def test_finetune_lowers_the_held_out_patients_nrmse(tmp_path, capsys, one_thread):
    proj = simulate_project(tmp_path / "proj", participants=6, groups=("HC", "ALS", "PS"), tasks=("OPEN",),
                            seed=7, fps=15, duration_scale=0.2, annotators=0)
    store = tmp_path / "store"
    assert main(["finetune", str(proj), "--base", "fan-demo", "--source", "truth", "--store", str(store),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    before, after = out["nrmse_before"], out["nrmse_after"]
    assert out["base_model"] == "fan-demo" and out["best_epoch"] >= 1
    assert out["train_frames"] == out["val_frames"] == 24 and len(out["val_participants"]) == 3
    assert not set(out["val_participants"]) & set(out["train_participants"])
    for group, margin in MARGINS.items():
        assert after[group] < before[group] - margin, (group, before, after)
    new = registry.get_model(out["model"], store)  # registered, with the held-out numbers as provenance
    assert new.metrics["nrmse_after"] == after and new.metrics["base_model"]["name"] == "fan-demo"
