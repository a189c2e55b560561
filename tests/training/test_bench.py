"""`bench finetune`: cached trunk vs naive frozen trunk per FAN size, and the extrapolated wall time."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")


def test_bench_finetune_reports_both_paths_per_size():
    from neuroface_studio.training.bench import bench_finetune
    res = bench_finetune({"tiny": (2, 16, 64)}, batch=2, steps=1)
    json.dumps(res, allow_nan=False)
    row = res["sizes"]["tiny"]
    assert (row["stacks"], row["width"], row["input"]) == (2, 16, 64)
    assert row["cached_s_per_step"] > 0 and row["naive_s_per_step"] > 0 and row["trunk_s_per_batch"] > 0
    # the ratio comes from the unrounded times; the s/step shown are rounded to 1 ms (a tiny model's
    # step is a few ms, so allow for that rounding)
    slack = 0.01 + 0.001 / row["naive_s_per_step"] * (1 + row["cached_vs_naive_per_image"])
    assert row["cached_vs_naive_per_image"] == pytest.approx(row["cached_s_per_step"] / row["naive_s_per_step"],
                                                             abs=slack)


def test_cli_bench_finetune_adds_the_train_workspace_estimate(monkeypatch, tmp_path, capsys):
    from neuroface_studio.app import bench
    from neuroface_studio.cli import main
    monkeypatch.setattr(bench, "finetune_sizes", lambda store_dir=None: {"tiny": (1, 16, 64)})
    assert main(["bench", "finetune", "--frames", "1", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    row = res["sizes"]["tiny"]
    assert res["images"] == 320 and res["epochs"] == 6 and res["augment_copies"] == 2
    assert row["estimate_320_images_cached_min"] > 0 and row["estimate_320_images_naive_min"] > 0
    assert "extrapolated" in res["estimate_note"] and res["threads"] == 1


def test_cli_sizes_include_the_shipped_demo_model(tmp_path, monkeypatch):
    import torch

    from neuroface_studio.app.bench import finetune_sizes
    from neuroface_studio.vision.fan import build_fan
    monkeypatch.setenv("NEUROFACE_DEMO_FAN", str(tmp_path / "none.pth"))
    assert finetune_sizes() == {"4 x 256 @ 256 (official fan2d)": (4, 256, 256)}
    torch.save(build_fan(2, 32, 128).state_dict(), tmp_path / "demo.pth")
    monkeypatch.setenv("NEUROFACE_DEMO_FAN", str(tmp_path / "demo.pth"))
    sizes = finetune_sizes()
    assert sizes["fan-demo (2 x 32 @ 128)"] == (2, 32, 128) and len(sizes) == 2
