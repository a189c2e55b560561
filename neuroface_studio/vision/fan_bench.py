"""FAN benchmark and the stock face-alignment 1.5.0 pipeline it is compared with.

:func:`stock_crop` / :func:`stock_decode` reproduce ``FaceAlignment.get_landmarks_from_image``
for a given box without constructing ``FaceAlignment`` (that downloads weights): the same
``face_alignment.utils.crop``, the same network, ``get_preds_fromhm`` (its numba functions run
as plain Python through ``.py_func``, which gives identical numbers and skips ~9 s of JIT).
``FaceAlignment`` runs its flip pass by default (``flip_input=True``) and *sums* the two
heatmaps; :func:`stock_landmarks` does the same when ``flip=True``.

:func:`bench_fan` times the app's inference path (:class:`~.fan.FanPredictor` on ONNX Runtime,
fp32 and int8) against face-alignment 1.5.0's own ``FaceAlignment`` (built offline on the same
weights file) at equal work: same frames, same face boxes, same flip setting, same thread
count for torch and ONNX Runtime; repetitions interleaved (the machine is shared), medians
reported, with the largest landmark difference next to every speed ratio.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from neuroface_studio.domain.participants import Group
from neuroface_studio.domain.protocol import Task
from neuroface_studio.vision import fan_geometry as geo

FAN4_GFLOP = 50.5  #: multiply-adds x 2 per FAN(4) forward on a 256 px crop (PLATFORM_FACTS)
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


def simulated_frames(n_frames: int, participant: str = "BENCH01", group: Group = Group.HC, seed: int = 0,
                     step: int = 3) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n_frames`` simulated VGA frames of one OPEN recording: ``[(color (480, 640, 3) uint8, truth (68, 2))]``."""
    from neuroface_studio.simulation.clinic import make_identity, plan_recording, render_frame

    identity = make_identity(participant, group, seed=seed)
    plan = plan_recording(identity, _OPEN, fps=50.0, seed=seed, turn_away=False)
    out = []
    for i in range(int(n_frames)):
        index = (step * i) % plan.n_frames
        out.append((render_frame(identity, plan, index)[0], plan.landmarks_px[index]))
    return out


def _box(truth: np.ndarray):
    from neuroface_studio.vision.predictor import box_from_points
    return box_from_points(truth, 0.05)


def stock_face_alignment(weights_file: Path, flip: bool, hub_dir: Path):
    """face-alignment 1.5.0's own ``FaceAlignment`` (2D, FAN(4), CPU, eager, its flip setting) on
    ``weights_file``, built offline: the file is placed where its ``load_file_from_url`` looks
    (``<hub_dir>/checkpoints/2DFAN4-11f355bf06.pth.tar``) so nothing is downloaded. Its
    detector (dlib HOG, no weights) is never used: boxes are given."""
    import warnings

    import torch
    from face_alignment import FaceAlignment, LandmarksType
    from face_alignment.api import models_urls

    ckpt = Path(hub_dir) / "checkpoints" / models_urls["2DFAN-4"].rsplit("/", 1)[-1]
    ckpt.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(weights_file, ckpt)
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(hub_dir))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "this detector is deprecated"
            return FaceAlignment(LandmarksType.TWO_D, device="cpu", flip_input=bool(flip), face_detector="dlib",
                                 compile=False)
    finally:
        torch.hub.set_dir(old)


def calibration_crops(input_size: int, n: int = 2) -> np.ndarray:
    """Network inputs for int8 calibration: simulated faces of identities not used for timing or scoring."""
    crops = []
    for i, (color, truth) in enumerate(simulated_frames(n, participant="CALIB01", group=Group.ALS, seed=11, step=7)):
        crops.append(geo.crop_face(color, _box(truth), input_size)[0])
    return geo.to_network_input(np.stack(crops))


def _predictor(weights_file: Path, info, threads: int, flip: bool, cache_dir: Path, precision: str,
               decode: str = "quarter"):
    from neuroface_studio.vision.fan import FanPredictor

    # the product's own paths: fp32 ONNX Runtime (the default) and the opt-in int8 (``landmark --int8``)
    return FanPredictor(weights_file, info, device="cpu", backend="onnx", flip_tta=flip, decode=decode,
                        num_threads=threads, onnx_cache_dir=cache_dir, precision=precision)


def _spec_of(weights_file: Path):
    from neuroface_studio.vision.fan import load_fan_state
    state, stacks = load_fan_state(weights_file)
    try:
        from neuroface_studio.vision.fan import fan_spec
        spec = fan_spec(state)
        return stacks, int(spec.width), int(spec.input_size)
    except ImportError:  # before the size-parametric FAN: every FAN is n x 256 @ 256
        return stacks, 256, 256


def random_fan4_file(cache_dir: Path, seed: int = 0) -> Path:
    """A FAN(4) (official layout) with random weights seeded by ``seed``, saved once in ``cache_dir``."""
    import torch

    from neuroface_studio.vision.fan import build_fan
    path = Path(cache_dir) / f"fan4-random-seed{seed}.pth"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(seed)
        tmp = path.with_name(path.name + ".tmp")
        torch.save(build_fan(4).state_dict(), tmp)
        os.replace(tmp, path)
    return path


def bench_fan(weights_file: Path | None = None, cache_dir: Path | None = None, n_frames: int = 8, reps: int = 5,
              threads: int = 1, flip: bool = False, batch: int = 4, precisions=("fp32", "int8"),
              headline: str = "fp32", seed: int = 0) -> dict:
    """Our FAN inference vs stock face-alignment at equal work; see the module docstring.

    ``weights_file``: FAN(4) weights of the official layout (default: random FAN(4) weights,
    seeded, saved in ``cache_dir``; random weights are fine for speed). ``precisions`` of our
    path: "fp32" (ONNX Runtime, the app's default) and "int8" (:mod:`.fan_int8`, lossy, opt-in);
    ``headline`` names the one ``speedup_equal_work`` and ``max_landmark_diff_px`` are about (the
    app's default path); every precision also has ``speedup_equal_work_<p>`` and
    ``max_landmark_diff_px_<p>``.
    Ours runs ``batch`` crops per ONNX Runtime call (its own float crop geometry and decode, as in
    the app). ``max_landmark_diff_px``: stock's landmarks vs stock's crop and decode on *our*
    network's heatmaps (ONNX Runtime, the precision timed), i.e. what our network changes; with
    random weights the heatmaps have no clear peak, so any numeric change (int8) can move an
    argmax far: judge int8 by :func:`int8_accuracy` on trained weights.
    """
    import torch

    from neuroface_studio.vision.fan_fetch import sha256_of
    from neuroface_studio.vision.predictor import ModelInfo

    cache_dir = Path(cache_dir) if cache_dir is not None else Path(tempfile.mkdtemp(prefix="bench-fan-"))
    weights_file = Path(weights_file) if weights_file is not None else random_fan4_file(cache_dir, seed)
    stacks, width, size = _spec_of(weights_file)
    if (width, size) != (256, 256):
        raise ValueError(f"stock face-alignment runs only its own FAN layout (n x 256 @ 256); {weights_file.name} "
                         f"is {stacks} x {width} @ {size}")
    if stacks != 4:
        raise ValueError(f"stock face-alignment 1.5.0 runs only FAN(4) (2DFAN-4); {weights_file.name} has {stacks} stacks")
    if headline not in precisions:
        raise ValueError(f"headline {headline!r} is not among the precisions {precisions}")
    threads, batch = max(1, int(threads)), max(1, int(batch))
    torch.set_num_threads(threads)
    sha = sha256_of(weights_file)
    info = ModelInfo("bench-fan", sha[:10], sha, "FAN-4", origin="benchmark")
    frames = simulated_frames(max(int(n_frames), 1))
    images, boxes = [f for f, _ in frames], [_box(t) for _, t in frames]
    stock = stock_face_alignment(weights_file, flip, cache_dir / "hub")
    runs = {"stock": lambda: [stock.get_landmarks_from_image(img, detected_faces=[np.asarray(b)])[0].astype(float)
                              for img, b in zip(images, boxes)]}
    preds = {}
    for p in precisions:
        pred = preds[p] = _predictor(weights_file, info, threads, flip, cache_dir, p)
        runs[f"ours_{p}"] = lambda pred=pred: [r.points_px for r in pred.predict_batch(images, boxes, batch_size=batch)]
    for run in runs.values():
        run()  # warm-up: numba JIT, ONNX Runtime sessions, allocations
    # the landmark difference: our network (as timed: ONNX Runtime, its precision) on stock's own crops and
    # decode, so it measures the network alone (our float crop geometry moves points on purpose; with random
    # weights any input change moves argmaxes arbitrarily)
    points = {"stock": runs["stock"]()}
    for p in precisions:
        fwd = preds[p].forward
        points[f"ours_{p}"] = [stock_landmarks(fwd, img, b, flip)[0] for img, b in zip(images, boxes)]
    times: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for r in range(max(int(reps), 1)):  # interleaved, order alternating: load hits every path alike
        for name in (names if r % 2 == 0 else names[::-1]):
            t0 = time.perf_counter()
            runs[name]()
            times[name].append((time.perf_counter() - t0) / len(frames))
    out: dict = {"weights": str(weights_file.name), "architecture": f"{stacks} x {width} @ {size}",
                 "threads": {"torch": torch.get_num_threads(), "onnxruntime": threads}, "flip": bool(flip),
                 "frames": len(frames), "reps": len(times["stock"]), "batch": batch, "decode": "quarter (both)",
                 "headline": headline, "paths": {}}
    stock_s = float(np.median(times["stock"]))
    for name in names:
        med = float(np.median(times[name]))
        diff = float(np.linalg.norm(np.stack(points[name]) - np.stack(points["stock"]), axis=-1).max())
        paired = np.median(np.array(times["stock"]) / np.array(times[name]))  # per run: the same load on both
        out["paths"][name] = {"s_per_frame": round(med, 4), "s_per_frame_runs": [round(t, 4) for t in times[name]],
                              "gflops": round(FAN4_GFLOP * (2 if flip else 1) / med, 1),
                              "speedup_vs_stock": round(float(paired), 3),
                              "speedup_ratio_of_medians": round(stock_s / med, 3),
                              "max_landmark_diff_px": round(diff, 3)}
    best = out["paths"][f"ours_{headline}"]
    out.update({"stock_s_per_frame": out["paths"]["stock"]["s_per_frame"], "ours_s_per_frame": best["s_per_frame"],
                "speedup_equal_work": best["speedup_vs_stock"], "max_landmark_diff_px": best["max_landmark_diff_px"]})
    for p in precisions:
        out[f"speedup_equal_work_{p}"] = out["paths"][f"ours_{p}"]["speedup_vs_stock"]
        out[f"max_landmark_diff_px_{p}"] = out["paths"][f"ours_{p}"]["max_landmark_diff_px"]
    return out


def int8_accuracy(weights_file: Path, cache_dir: Path, n_frames: int = 6, threads: int = 1) -> dict:
    """NRMSE (interocular) of a *trained* FAN on simulated frames with truth, fp32 vs int8 ONNX Runtime
    (the app's sub-pixel decode).

    Frames: one HC and one ALS participant (``n_frames`` each, OPEN task), boxes from the truth;
    int8 calibrated on a third identity. Returns both NRMSEs, their difference and the largest
    landmark difference between the two.
    """
    from neuroface_studio.analysis.landmark_error import nrmse
    from neuroface_studio.vision.fan_fetch import sha256_of
    from neuroface_studio.vision.predictor import ModelInfo

    weights_file = Path(weights_file)
    stacks, width, size = _spec_of(weights_file)
    sha = sha256_of(weights_file)
    info = ModelInfo("accuracy", sha[:10], sha, f"FAN-{stacks}", origin="benchmark")
    frames = (simulated_frames(n_frames, "ACC_HC", Group.HC, seed=21, step=5)
              + simulated_frames(n_frames, "ACC_ALS", Group.ALS, seed=22, step=5))
    images, truth = [f for f, _ in frames], np.stack([t for _, t in frames])
    boxes = [_box(t) for t in truth]
    res = {}
    for p in ("fp32", "int8"):
        pred = _predictor(weights_file, info, threads, False, Path(cache_dir), p, decode="subpixel")  # the app's
        pts = np.stack([r.points_px for r in pred.predict_batch(images, boxes, batch_size=4)])
        res[p] = pts
    e32, e8 = (float(np.nanmean(nrmse(res[p], truth))) for p in ("fp32", "int8"))
    d = np.linalg.norm(res["int8"] - res["fp32"], axis=-1)
    return {"model": weights_file.name, "architecture": f"{stacks} x {width} @ {size}", "frames": len(frames),
            "nrmse_fp32": round(e32, 5), "nrmse_int8": round(e8, 5), "nrmse_change": round(e8 - e32, 5),
            "nrmse_change_relative": round((e8 - e32) / e32, 4) if e32 else None,
            "max_landmark_diff_px": round(float(d.max()), 3), "median_landmark_diff_px": round(float(np.median(d)), 3),
            "p95_landmark_diff_px": round(float(np.percentile(d, 95)), 3)}
