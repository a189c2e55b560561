"""FAN benchmark and the stock face-alignment 1.5.0 pipeline it is compared with.

:func:`stock_crop` / :func:`stock_decode` reproduce ``FaceAlignment.get_landmarks_from_image``
for a given box without constructing ``FaceAlignment`` (that downloads weights): the same
``face_alignment.utils.crop``, the same network, ``get_preds_fromhm`` (its numba functions run
as plain Python through ``.py_func``, which gives identical numbers and skips ~9 s of JIT).
``FaceAlignment`` runs its flip pass by default (``flip_input=True``) and *sums* the two
heatmaps; :func:`stock_landmarks` does the same when ``flip=True``.

:func:`bench_fan` times both on the same simulated frames with the same weights.
"""

from __future__ import annotations

import time

import numpy as np

from neuroface_studio.domain.participants import Group
from neuroface_studio.domain.protocol import Task
from neuroface_studio.vision import fan_geometry as geo

FAN4_GFLOP = 50.5  #: multiply-adds x 2 per FAN(4) forward on a 256 px crop (PLATFORM_FACTS)
FAN_GFLOP = {1: 16.5, 2: 27.8, 4: 50.5}
CPU_PEAK_GFLOPS = 190.0  #: ~fp32 peak of 2 AVX2 cores here (160-220, PLATFORM_FACTS)
_OPEN = Task(code="OPEN", name="Open", instruction="", repetitions=5, segmented=True, category="nonspeech")


def stock_crop(image_rgb: np.ndarray, box) -> tuple[np.ndarray, np.ndarray, float]:
    """face-alignment's crop: ``(crop (256, 256, 3) uint8, center (2,), scale)`` for ``box``."""
    from face_alignment.utils import crop

    d = [float(v) for v in box]
    center = np.array([d[2] - (d[2] - d[0]) / 2.0, d[3] - (d[3] - d[1]) / 2.0])
    center[1] = center[1] - (d[3] - d[1]) * geo.CENTER_Y_OFFSET
    scale = (d[2] - d[0] + d[3] - d[1]) / geo.REFERENCE_SCALE
    return crop(image_rgb, center, scale), center, scale


def stock_decode(hm: np.ndarray, center: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """face-alignment's ``get_preds_fromhm`` for one face: ``(points (68, 2) image px, scores (68,))``.

    The points are whole pixels (truncated), as face-alignment returns them.
    """
    import face_alignment.utils as fau

    hm = np.ascontiguousarray(hm[None] if hm.ndim == 3 else hm, dtype=np.float32)
    b, c, h, w = hm.shape
    flat = hm.reshape(b, c, h * w)
    idx = np.argmax(flat, axis=-1)
    scores = np.take_along_axis(flat, idx[..., None], axis=-1)[..., 0]
    jit_transform = fau.transform_np
    fau.transform_np = getattr(jit_transform, "py_func", jit_transform)  # plain Python, same numbers
    try:
        decode = getattr(fau._get_preds_fromhm, "py_func", fau._get_preds_fromhm)
        _, pts_img = decode(hm, idx, np.asarray(center, dtype=np.float64), float(scale))
    finally:
        fau.transform_np = jit_transform
    return pts_img[0].astype(np.float64), scores[0]


def stock_landmarks(forward, image_rgb: np.ndarray, box, flip: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """face-alignment 1.5.0's landmarks for ``box`` with ``forward((1,3,256,256)) -> (1,68,64,64)``."""
    import torch
    from face_alignment.utils import flip as fa_flip

    crop, center, scale = stock_crop(image_rgb, box)
    inp = crop.transpose(2, 0, 1)[None].astype(np.float32) / 255.0
    hm = forward(inp)
    if flip:
        hm = hm + fa_flip(torch.from_numpy(forward(np.ascontiguousarray(inp[..., ::-1]))), is_label=True).numpy()
    return stock_decode(hm[0], center, scale)


def _frames(n_frames: int):
    from neuroface_studio.simulation.clinic import make_identity, plan_recording, render_frame

    identity = make_identity("BENCH01", Group.HC, seed=0)
    plan = plan_recording(identity, _OPEN, fps=50.0, seed=0, turn_away=False)
    for i in range(n_frames):
        index = (3 * i) % plan.n_frames
        color, _ = render_frame(identity, plan, index)
        yield color, plan.landmarks_px[index]


def _nrmse(points: np.ndarray, truth: np.ndarray) -> float:
    """RMS point error / inter-ocular distance (outer eye corners 36, 45): analysis.landmark_error."""
    from neuroface_studio.analysis.landmark_error import nrmse
    return float(nrmse(points, truth))


def bench_fan(n_frames: int = 20, num_modules: int = 4, weights=None, onnx: bool = True, seed: int = 0) -> dict:
    """Time FanPredictor (torch, ONNX Runtime) against the stock face-alignment path.

    Same simulated VGA frames, same boxes (tight box around the truth, 5% margin), same
    weights (``weights``: a file or state dict; default random FAN(``num_modules``) weights,
    seeded). Returns per path ``{"fps", "ms_per_frame", "gflops", "peak_fraction",
    "nrmse_vs_truth"}`` (GFLOP/s counts every forward, flip passes included) plus ratios and
    the mean/max distance between our points and face-alignment's. NRMSE against the
    simulated truth means something only with real (pretrained or fine-tuned) weights.
    """
    import torch

    from neuroface_studio.vision.fan import FanPredictor, build_fan
    from neuroface_studio.vision.predictor import ModelInfo, box_from_points

    if weights is None:
        torch.manual_seed(seed)
        weights = build_fan(num_modules).state_dict()
    info = ModelInfo("bench-fan", "0", "0" * 64, f"FAN-{num_modules}", origin="benchmark")
    frames = list(_frames(max(int(n_frames), 1)))
    boxes = [box_from_points(t, 0.05) for _, t in frames]
    paths = {"ours_torch": FanPredictor(weights, info, device="cpu")}
    gflop = FAN_GFLOP.get(paths["ours_torch"].num_modules, FAN4_GFLOP)
    if onnx:
        try:
            import tempfile

            cache = tempfile.mkdtemp(prefix="fan-onnx-")
            paths["ours_onnx"] = FanPredictor(weights, info, device="cpu", backend="onnx", onnx_cache_dir=cache)
        except Exception as exc:  # noqa: BLE001 - ONNX is optional: report why it was skipped
            onnx_error = f"{type(exc).__name__}: {exc}"
        else:
            onnx_error = None
    out: dict = {"n_frames": len(frames), "num_modules": paths["ours_torch"].num_modules,
                 "gflop_per_forward": gflop, "cpu_peak_gflops": CPU_PEAK_GFLOPS,
                 "torch_threads": torch.get_num_threads(),
                 "note": "nrmse_vs_truth is only meaningful with real weights (random weights by default)"}
    if onnx and onnx_error:
        out["onnx_error"] = onnx_error
    torch_fwd = paths["ours_torch"].forward
    runs = {name: (lambda img, box, p=p: p.predict(img, box).points_px) for name, p in paths.items()}
    runs["stock_flip"] = lambda img, box: stock_landmarks(torch_fwd, img, box, flip=True)[0]
    runs["stock_noflip"] = lambda img, box: stock_landmarks(torch_fwd, img, box, flip=False)[0]
    forwards = {"stock_flip": 2}
    for run in runs.values():
        run(frames[0][0], boxes[0])  # warm-up (allocations, ONNX session)
    seconds = {name: 0.0 for name in runs}
    results = {name: [] for name in runs}
    for (img, _), box in zip(frames, boxes):  # interleaved: machine noise hits every path alike
        for name, run in runs.items():
            t0 = time.perf_counter()
            results[name].append(run(img, box))
            seconds[name] += time.perf_counter() - t0
    for name in runs:
        dt = seconds[name] / len(frames)
        gflops = forwards.get(name, 1) * gflop / dt
        out[name] = {"fps": 1.0 / dt, "ms_per_frame": dt * 1e3, "gflops": gflops,
                     "peak_fraction": gflops / CPU_PEAK_GFLOPS,
                     "nrmse_vs_truth": float(np.mean([_nrmse(p, t) for p, (_, t) in zip(results[name], frames)]))}
    for name in ("ours_torch", "ours_onnx"):
        if name in out:
            out[f"speedup_{name}_vs_stock_flip"] = out[name]["fps"] / out["stock_flip"]["fps"]
            out[f"speedup_{name}_vs_stock_noflip"] = out[name]["fps"] / out["stock_noflip"]["fps"]
    d = np.linalg.norm(np.stack(results["ours_torch"]) - np.stack(results["stock_noflip"]), axis=-1)
    out["points_ours_vs_stock_noflip_px"] = {  # random weights: arbitrary argmaxes, see FAN_GEOMETRY.md
        "median": float(np.median(d)), "mean": float(d.mean()), "max": float(d.max())}
    return out
