"""The opt-in int8 FAN in the product: ``open_predictor(..., precision="int8")``, the name
``<model>-int8`` and ``landmark --int8`` (tracks stored apart from the fp32 model's)."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime.quantization")

from neuroface_studio.cli import main  # noqa: E402
from neuroface_studio.vision import registry  # noqa: E402
from neuroface_studio.vision.fan_bench import _box, simulated_frames  # noqa: E402
from simhelpers import simulate_project  # noqa: E402


@pytest.fixture(scope="module")
def onnx_dir(tmp_path_factory):
    """The shipped model's ONNX cache (``<user models>/onnx-cache``): quantised once for the module."""
    return tmp_path_factory.mktemp("user-models") / "onnx-cache"


def test_int8_variant_of_fan_demo_is_close_to_fp32(tmp_path, onnx_dir):
    store = tmp_path / "store"
    p8 = registry.open_predictor("fan-demo-int8", store, onnx_cache_dir=onnx_dir, num_threads=1)
    p32 = registry.open_predictor("fan-demo", store, onnx_cache_dir=onnx_dir, num_threads=1)
    assert p8.precision == "int8" and p8.backend == "onnx" and p32.precision == "fp32"
    assert p8.info.name == "fan-demo-int8" and p8.info.extra == {"precision": "int8", "base_model": "fan-demo"}
    assert p8.info.sha256 == p32.info.sha256 and "int8" in p8.info.origin
    # the same as asking for the precision by keyword
    assert registry.open_predictor("fan-demo", store, precision="int8", onnx_cache_dir=onnx_dir).info.name == \
        "fan-demo-int8"
    moved, err8, err32 = [], [], []
    for color, truth in simulated_frames(3, participant="INT8T", seed=5, step=6):
        a, b = p8.predict(color, _box(truth)).points_px, p32.predict(color, _box(truth)).points_px
        moved.append(np.median(np.linalg.norm(a - b, axis=1)))
        err8.append(np.abs(a - truth).mean())
        err32.append(np.abs(b - truth).mean())
    # int8 is lossy but close: measured median 0.9-1.2 px moved, mean error 2.87 -> 2.92 px
    assert 0 < np.median(moved) < 2.5
    assert np.mean(err8) < 1.15 * np.mean(err32)


def test_int8_opens_without_building_an_fp32_session(tmp_path, onnx_dir, monkeypatch):
    """Opening the int8 model needs the fp32 export file only (to quantise from), never an fp32
    ONNX Runtime session that would be thrown away."""
    from neuroface_studio.vision import fan_onnx

    def no_fp32_session(*args, **kwargs):
        raise AssertionError("an fp32 session was built for the int8 model")

    monkeypatch.setattr(fan_onnx, "onnx_session", no_fp32_session)
    p8 = registry.open_predictor("fan-demo-int8", tmp_path / "store", onnx_cache_dir=onnx_dir, num_threads=1)
    color, truth = next(iter(simulated_frames(1, participant="INT8S", seed=6)))
    assert p8.precision == "int8" and np.isfinite(p8.predict(color, _box(truth)).points_px).all()


def test_int8_refused_where_it_cannot_run(tmp_path):
    with pytest.raises(registry.ModelRegistryError, match="FAN models only"):
        registry.open_predictor("dlib68", tmp_path / "store", precision="int8")
    with pytest.raises(ValueError, match="only on ONNX Runtime on the CPU"):
        registry.open_predictor("fan-demo", tmp_path / "store", precision="int8", backend="torch")
    with pytest.raises(ValueError, match="unknown precision"):
        registry.open_predictor("fan-demo", tmp_path / "store", precision="fp16")


def test_landmark_int8_stores_its_own_track(tmp_path, onnx_dir, capsys, monkeypatch):
    import neuroface_studio.vision.registry as reg
    monkeypatch.setattr(reg, "default_models_dir", lambda: onnx_dir.parent)  # the cache quantised above
    proj = simulate_project(tmp_path / "proj", participants=1, groups=("HC",), tasks=("OPEN",), fps=10,
                            duration_scale=0.15, annotators=0)
    assert main(["landmark", str(proj), "--model", "fan-demo", "--int8", "--store", str(tmp_path / "s"),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "fan-demo-int8"
    (res,) = out["results"]
    assert res["frames_with_face"] >= 0.8 * res["n_frames"] > 0  # a simulated take may turn away
    assert res["path"].endswith("fan-demo-int8.h5") and not list((proj / "tracks").rglob("fan-demo.h5"))


def test_bench_int8_accuracy_runs_the_product_int8_path(onnx_dir):
    """``bench fan``'s NRMSE change on simulated frames with truth comes from FanPredictor(precision="int8"),
    the same quantised file ``landmark --int8`` uses (cached above: no second quantisation)."""
    from neuroface_studio.vision.fan_bench import int8_accuracy
    acc = int8_accuracy(registry.demo_fan_file(), onnx_dir, n_frames=2)
    assert acc["architecture"] == "2 x 128 @ 128" and acc["frames"] == 4
    assert 0 < acc["median_landmark_diff_px"] < 2.5  # lossy but close (measured 1.1 px on 12 frames)
    assert abs(acc["nrmse_change_relative"]) < 0.15  # measured +0.3% and +2.8% on 12 frames
