"""The demo-FAN training script runs end to end at toy size (the real run: 2 x 128 @ 128 on this CPU)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("face_alignment")

ROOT = Path(__file__).resolve().parents[2]


def test_learning_rate_is_scheduled_by_steps_not_wall_clock():
    from neuroface_studio.training.demo_fan import DemoFanConfig, lr_at
    c = DemoFanConfig(steps=100, warmup_steps=10, lr=1e-3)
    lrs = [lr_at(s, c) for s in range(100)]
    assert lrs[0] == pytest.approx(1e-4) and lrs[9] == pytest.approx(1e-3)  # linear warm-up
    assert all(a >= b for a, b in zip(lrs[9:], lrs[10:]))  # then only decays
    assert lrs[-1] == pytest.approx(1e-3 * 0.02, rel=0.05)  # to 2 % at the last step
    assert lr_at(50, c) == lr_at(50, c)  # a function of the step only


def test_autocast_is_bf16_only_where_the_cpu_supports_it():
    from neuroface_studio.training.demo_fan import autocast_dtype, cpu_bf16_supported
    cpu = torch.device("cpu")
    assert autocast_dtype(cpu, "fp32") is None and autocast_dtype(cpu, "bf16") is torch.bfloat16
    assert autocast_dtype(cpu, "auto") is (torch.bfloat16 if cpu_bf16_supported() else None)
    with pytest.raises(ValueError):
        autocast_dtype(cpu, "fp8")


def test_script_writes_loadable_fp16_weights_and_a_report(tmp_path):
    out = tmp_path / "fan-demo.pth"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_demo_fan.py"), "--steps", "2",
                           "--warmup-steps", "1", "--eval-every", "1", "--snapshot-dir", str(tmp_path / "snap"),
                           "--num-modules", "1", "--width", "32", "--input-size", "128",
                           "--identities", "1", "--val-identities", "1", "--frames-per-task", "1",
                           "--batch-size", "2", "--workers", "1", "--device", "cpu", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, env={"NEUROFACE_BLOCK_QT": "1",
                                                                            "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    from neuroface_studio.vision.fan import fan_spec, load_fan_state
    state, modules = load_fan_state(out)
    assert modules == 1 and state["conv1.weight"].dtype == torch.float16 and state["input_size"].dtype == torch.int64
    assert (fan_spec(state).width, fan_spec(state).input_size) == (32, 128)
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["steps"] == 2 and set(report["val_nrmse"]) == {"all", "HC", "ALS"}
    assert report["input_size"] == 128 and report["heatmap_size"] == 32 and report["precision"]
    assert [c["step"] for c in report["curve"]] == [1, 2] and report["machine"]["cores"]
    assert (tmp_path / "snap" / "fan-demo.step1.pth").is_file()  # the early snapshot, loadable too
    load_fan_state(tmp_path / "snap" / "fan-demo.step1.pth")
