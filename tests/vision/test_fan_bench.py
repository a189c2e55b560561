"""`bench fan` at equal work against face-alignment's own FaceAlignment, and the int8 FAN it times."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("face_alignment")
pytest.importorskip("onnxruntime")


@pytest.mark.slow
def test_bench_fan_equal_work_against_stock_face_alignment(tmp_path):
    from neuroface_studio.vision.fan_bench import bench_fan

    out = bench_fan(cache_dir=tmp_path, n_frames=1, reps=1, threads=1, flip=False, precisions=("fp32",),
                    headline="fp32")
    json.dumps(out, allow_nan=False)
    assert out["threads"] == {"torch": 1, "onnxruntime": 1} and out["flip"] is False and out["frames"] == 1
    assert out["architecture"] == "4 x 256 @ 256" and set(out["paths"]) == {"stock", "ours_fp32"}
    assert out["speedup_equal_work"] == out["paths"]["ours_fp32"]["speedup_vs_stock"] > 0
    assert out["stock_s_per_frame"] > 0 and out["ours_s_per_frame"] > 0
    # same network, same crops, same decode: the fp32 path computes what face-alignment computes
    assert out["max_landmark_diff_px"] <= 0.5


def test_bench_refuses_weights_stock_cannot_run(tmp_path):
    from neuroface_studio.vision.fan import build_fan
    from neuroface_studio.vision.fan_bench import bench_fan

    torch.manual_seed(0)
    path = tmp_path / "small.pth"
    torch.save(build_fan(2).state_dict(), path)
    with pytest.raises(ValueError, match="only FAN\\(4\\)"):
        bench_fan(path, tmp_path, n_frames=1, reps=1)


def test_int8_fan_is_close_to_fp32_and_cached(tmp_path):
    import onnxruntime as ort

    from neuroface_studio.vision.fan import _last_heatmaps, build_fan
    from neuroface_studio.vision.fan_int8 import int8_path, int8_session
    from neuroface_studio.vision.fan_onnx import export_onnx

    torch.manual_seed(0)
    net = _last_heatmaps(build_fan(1, 32, 64))
    fp32 = export_onnx(net, tmp_path / "tiny.onnx")
    rng = np.random.default_rng(0)
    calib = rng.random((2, 3, 64, 64), dtype=np.float32)
    with pytest.raises(ValueError, match="calibration crops are needed"):
        int8_session(fp32, None)
    sess = int8_session(fp32, calib, num_threads=1)
    assert int8_path(fp32).is_file()
    x = rng.random((1, 3, 64, 64), dtype=np.float32)
    ref = ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"]).run(None, {"image": x})[0]
    got = sess.run(None, {"image": x})[0]
    assert got.shape == ref.shape == (1, 68, 16, 16)
    assert np.corrcoef(got.ravel(), ref.ravel())[0, 1] > 0.99
    ops = {n.op_type for n in __import__("onnx").load(str(int8_path(fp32))).graph.node}
    assert "QuantizeLinear" in ops and "DequantizeLinear" in ops  # really quantised
    mtime = int8_path(fp32).stat().st_mtime_ns
    int8_session(fp32, None)  # reused: no calibration needed the second time
    assert int8_path(fp32).stat().st_mtime_ns == mtime
