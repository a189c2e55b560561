"""ONNX Runtime backend: exported once per weights sha256, matches torch to 1e-4."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("face_alignment")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from neuroface_studio.vision.fan import FanPredictor, build_fan  # noqa: E402
from neuroface_studio.vision.predictor import ModelInfo  # noqa: E402


def test_onnx_matches_torch_and_is_cached(tmp_path):
    torch.manual_seed(0)
    weights = tmp_path / "fan1.pth"
    torch.save(build_fan(1).state_dict(), weights)
    info = ModelInfo("fan-test", "1", "cd" * 32, "FAN-1")
    ours = FanPredictor(weights, info, device="cpu")
    onnx = FanPredictor(weights, info, backend="onnx")
    cached = list(tmp_path.glob("*.onnx"))
    assert [p.name for p in cached] == [f"fan1.pth.{'cd' * 8}.onnx"]
    x = np.random.default_rng(0).uniform(0, 1, (2, 3, 256, 256)).astype(np.float32)
    a, b = ours.forward(x), onnx.forward(x)
    assert a.shape == b.shape == (2, 68, 64, 64)
    assert np.abs(a - b).max() < 1e-4
    mtime = cached[0].stat().st_mtime_ns
    FanPredictor(weights, info, backend="onnx")  # reuses the cache file
    assert cached[0].stat().st_mtime_ns == mtime


def test_in_memory_weights_need_a_cache_dir(tmp_path):
    torch.manual_seed(0)
    state = build_fan(1).state_dict()
    info = ModelInfo("fan-test", "1", "ef" * 32, "FAN-1")
    with pytest.raises(ValueError, match="onnx_cache_dir"):
        FanPredictor(state, info, backend="onnx")
    FanPredictor(state, info, backend="onnx", onnx_cache_dir=tmp_path)
    assert len(list(tmp_path.glob("fan.*.onnx"))) == 1
