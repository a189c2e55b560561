"""The shipped model's folder belongs to the installation: its ONNX Runtime cache goes to the
user's model store, never beside the weights in resources/ (a packaged app's folder is read-only)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neuroface_studio.vision import registry


def test_demo_fan_onnx_cache_is_written_to_the_user_store(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    from neuroface_studio.vision.fan import build_fan
    install = tmp_path / "install" / "resources" / "models"
    install.mkdir(parents=True)
    demo = install / "fan-demo.pth"
    torch.manual_seed(0)
    torch.save({k: v.half() if v.is_floating_point() else v
                for k, v in build_fan(1, width=32, input_size=64).state_dict().items()}, demo)
    demo.with_suffix(".json").write_text(json.dumps({"val_nrmse": {"all": 0.05}}))
    monkeypatch.setenv("NEUROFACE_DEMO_FAN", str(demo))
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))
    predictor = registry.open_predictor("fan-demo", None, device="cpu", backend="onnx")
    img = np.zeros((96, 96, 3), np.uint8)
    predictor.predict(img, (20.0, 20.0, 76.0, 76.0))  # the ONNX session is made (and cached) by now
    assert not list(install.glob("*.onnx"))
    assert list((tmp_path / "home" / "models" / "onnx-cache").glob("fan-demo.pth.*.onnx"))
