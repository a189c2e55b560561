"""The demo-FAN training script runs end to end at toy size (the real run needs a GPU session)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("face_alignment")

ROOT = Path(__file__).resolve().parents[2]


def test_script_writes_loadable_fp16_weights_and_a_report(tmp_path):
    out = tmp_path / "fan-demo.pth"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_demo_fan.py"), "--steps", "1",
                           "--identities", "1", "--val-identities", "1", "--frames-per-task", "1",
                           "--batch-size", "2", "--workers", "1", "--device", "cpu", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, env={"NEUROFACE_BLOCK_QT": "1",
                                                                            "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    from neuroface_studio.vision.fan import load_fan_state
    state, modules = load_fan_state(out)
    assert modules == 1 and next(iter(state.values())).dtype == torch.float16
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["steps"] == 1 and set(report["val_nrmse"]) == {"all", "HC", "ALS"}
