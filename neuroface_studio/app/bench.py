"""Benchmark: how fast recordings reach the disk, against plain file writes in the same run."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

from neuroface_studio.domain.participants import Group
from neuroface_studio.simulation import clinic
from neuroface_studio.store.recording_file import RecordingWriter


def bench_store(n_frames: int = 120) -> dict:
    """Write ``n_frames`` simulated VGA colour+depth frames; report fps and size ratio."""
    identity = clinic.make_identity("BENCH", Group.HC, 1)
    protocol_task = _open_task()
    plan = clinic.plan_recording(identity, protocol_task, fps=60.0, seed=1, duration_scale=0.5)
    frames = [clinic.render_frame(identity, plan, i % plan.n_frames) for i in range(min(30, plan.n_frames))]
    raw_bytes = sum(c.nbytes + d.nbytes for c, d in frames) / len(frames) * n_frames
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.h5"
        t0 = time.perf_counter()
        with RecordingWriter(path, "BENCH", "OPEN", 60.0, plan.camera, "now") as w:
            for i in range(n_frames):
                c, d = frames[i % len(frames)]
                w.append(c, d, i / 60.0)
        dt = time.perf_counter() - t0
        size = path.stat().st_size
        raw_dt = _raw_write_seconds(Path(tmp) / "raw.bin", frames, n_frames)
    return {
        "frames": n_frames,
        "write_fps_hdf5_blosc_lz4": round(n_frames / dt, 1),
        "write_fps_plain_file_uncompressed": round(n_frames / raw_dt, 1),
        "hdf5_speed_vs_plain_file": round(raw_dt / dt, 2),
        "size_vs_raw_percent": round(100 * size / raw_bytes, 1),
        "realtime_margin_at_60fps": round(n_frames / dt / 60.0, 2),
    }


def _raw_write_seconds(path: Path, frames, n_frames: int) -> float:
    """The same bytes written to a plain file with one fsync at the end (the disk's own pace)."""
    t0 = time.perf_counter()
    with open(path, "wb") as fh:
        for i in range(n_frames):
            c, d = frames[i % len(frames)]
            fh.write(c.tobytes())
            fh.write(d.tobytes())
        fh.flush()
        os.fsync(fh.fileno())
    return time.perf_counter() - t0


def _open_task():
    from neuroface_studio.app.paths import protocol_file
    from neuroface_studio.store.protocol_file import load_protocol
    return load_protocol(protocol_file()).task("OPEN")


def bench_random_access(n_frames: int = 300, n_reads: int = 100) -> dict:
    """Random frame access in a recording file (scrubbing): ms per colour+depth read."""
    import numpy as np

    from neuroface_studio.store.recording_file import RecordingReader
    identity = clinic.make_identity("BENCH", Group.HC, 1)
    plan = clinic.plan_recording(identity, _open_task(), fps=60.0, seed=1, duration_scale=0.5)
    frames = [clinic.render_frame(identity, plan, i % plan.n_frames) for i in range(min(30, plan.n_frames))]
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.h5"
        with RecordingWriter(path, "BENCH", "OPEN", 60.0, plan.camera, "now") as w:
            for i in range(n_frames):
                c, d = frames[i % len(frames)]
                w.append(c, d, i / 60.0)
        times = []
        with RecordingReader(path) as r:
            for i in rng.integers(0, n_frames, n_reads):
                t0 = time.perf_counter()
                r.color(int(i))
                r.depth(int(i))
                times.append(1000 * (time.perf_counter() - t0))
    times.sort()
    return {"reads": n_reads, "ms_per_random_frame_median": round(times[len(times) // 2], 2),
            "ms_per_random_frame_p95": round(times[int(0.95 * len(times))], 2), "goal_ms": 20}


def bench_record(duration_s: float = 60.0, fps: float = 60.0, pose: bool = True) -> dict:
    """Record the simulated participant live at ``fps`` for ``duration_s`` with pose feedback
    running (as the Record workspace does, minus drawing); report drops, MB/s, writer CPU, pose rate."""
    from neuroface_studio.acquisition.synthetic import SyntheticSource
    from neuroface_studio.app.live_session import LiveSession, default_pose_worker
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.domain.participants import Participant

    with tempfile.TemporaryDirectory() as tmp:
        session = ProjectSession.create(Path(tmp) / "bench")
        session.project.add_participant(Participant("BENCH", Group.HC))
        # pre-rendered frames: a real camera delivers frames without the simulator's render cost
        source = SyntheticSource(participant_id="BENCH", group=Group.HC, task_code="OPEN", fps=fps, seed=3,
                                 prerender=int(2 * fps))
        latest = {}
        live = LiveSession(session, source, pose=default_pose_worker if pose else None)
        live.start()
        live.add_frame_listener(lambda f: latest.__setitem__("frame", f))  # what the preview keeps
        if pose:  # as the operator does: "look at the camera", then Set straight ahead
            waited = threading.Event()
            for _ in range(100):
                if live.n_recent_estimates >= 20 or waited.wait(0.1):
                    break
            live.calibrate_straight_ahead()
        live.start_recording("BENCH", "OPEN")
        live.ended.wait(duration_s)
        rate = live.pose.rate_hz() if live.pose else 0.0
        result = live.stop()
    out = result.summary()
    keep = ("frames_written", "dropped", "dropped_camera", "dropped_queue", "fps_written", "mb_per_s",
            "writer_cpu_percent", "frontal_fraction")
    return {"duration_s": duration_s, "target_fps": fps, **{k: out[k] for k in keep},
            "pose_rate_hz": round(rate, 1)}



def bench_dlib(n_frames: int = 60, fps: float = 25.0, seed: int = 1) -> dict:
    """dlib68 through the batch-landmarking tracker on simulated OPEN frames: speed and error.

    Frames are rendered first (not timed); ``fps_tracking`` is frames per second of the tracking
    path (detector on the first frame / when lost, box from the previous landmarks otherwise),
    ``fps_detect_every_frame`` the same frames with the HOG detector on every frame. NRMSE is
    normalised by the interocular distance (outer eye corners 36-45), mean over frames with a
    face, in percent, for all 68 points and for the 51 without the jaw.
    """
    import numpy as np

    from neuroface_studio.analysis.landmark_error import nrmse
    from neuroface_studio.domain.landmarks import NO_JAW
    from neuroface_studio.vision.dlib_predictor import Dlib68Predictor
    from neuroface_studio.vision.tracking import VideoTracker

    identity = clinic.make_identity("BENCH", Group.HC, seed=seed)
    plan = clinic.plan_recording(identity, _open_task(), fps=fps, seed=seed)
    n = min(int(n_frames), plan.n_frames)
    frames = [clinic.render_frame(identity, plan, i)[0] for i in range(n)]
    truth = plan.landmarks_px[:n]
    predictor = Dlib68Predictor()
    predictor.predict(frames[0])  # warm up
    tracker = VideoTracker(predictor)
    points = np.full((n, 68, 2), np.nan)
    detector_runs = 0
    t0 = time.perf_counter()
    for i, frame in enumerate(frames):
        step = tracker.step(frame, i)
        detector_runs += step.detected
        if step.points_px is not None:
            points[i] = step.points_px
    track_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for frame in frames:
        predictor.predict(frame)
    detect_s = time.perf_counter() - t0
    err, err_nj = nrmse(points, truth), nrmse(points, truth, NO_JAW)
    found = ~np.isnan(err)
    return {"frames": n, "fps_tracking": n / track_s, "fps_detect_every_frame": n / detect_s,
            "ms_per_frame_tracking": 1e3 * track_s / n, "detector_runs": int(detector_runs),
            "frames_with_face": int(found.sum()), "nrmse_pct": 100 * float(np.mean(err[found])),
            "nrmse_no_jaw_pct": 100 * float(np.mean(err_nj[found])), "model": predictor.info.version}


def bench_fan_model(n_frames: int = 8, model: str | None = None, store_dir: Path | None = None, reps: int = 5,
                    threads: int = 1, flip: bool = False, batch: int = 4, int8: bool = True,
                    accuracy: bool = True) -> dict:
    """``bench fan``: our FAN inference vs stock face-alignment 1.5.0 at equal work (same frames, boxes,
    flip setting and threads), see :func:`neuroface_studio.vision.fan_bench.bench_fan`.

    Weights for the speed race: the model store's ``model`` (default ``fan2d`` when installed) if it
    is a FAN(4) of the official layout, else random FAN(4) weights (seeded; speed only). ``int8``
    adds the opt-in int8 path beside the default fp32 one (the headline). ``accuracy``: the int8 NRMSE change on simulated
    frames with truth, with trained weights (``fan2d`` when installed, else the shipped
    ``fan-demo``); skipped with a reason when there are none.
    """
    from neuroface_studio.store.locations import data_home
    from neuroface_studio.vision import registry
    from neuroface_studio.vision.fan_bench import bench_fan, int8_accuracy

    cache = data_home() / "cache" / "bench-fan"
    rows = {}
    for name in ([model] if model else []) + [registry.FAN_NAME, registry.DEMO_FAN]:
        try:
            row = registry.get_model(name, store_dir)
        except registry.ModelRegistryError:
            if name == model:
                raise
            continue
        if row.available and row.architecture.startswith("FAN"):
            rows[name] = row
        elif name == model:
            raise ValueError(f"model {model} cannot be benchmarked as a FAN: {row.problem or row.architecture}")
    speed_row = rows.get(model or registry.FAN_NAME)
    precisions = ("fp32", "int8") if int8 else ("fp32",)
    kwargs = dict(n_frames=n_frames, reps=reps, threads=threads, flip=flip, batch=batch, precisions=precisions,
                  headline="fp32")  # the app's default path; int8 is opt-in (lossy), reported beside it
    label = "random FAN(4) weights, seeded (speed only)"
    res = None
    if speed_row is not None:
        try:
            res = bench_fan(speed_row.file, cache, **kwargs)
            label = f"{speed_row.name} {speed_row.version} (sha256 {speed_row.sha256[:10]})"
        except ValueError as exc:  # not face-alignment's FAN(4): stock cannot run it
            if model:
                raise
            label += f"; {speed_row.name} not used: {exc}"
    if res is None:
        res = bench_fan(None, cache, **kwargs)
    res["weights"] = label
    if int8 and accuracy:
        acc_row = rows.get(model) or rows.get(registry.FAN_NAME) or rows.get(registry.DEMO_FAN)
        if acc_row is None:
            res["int8_accuracy"] = {"skipped": "no trained FAN installed (fan2d) or shipped (fan-demo)"}
        else:
            res["int8_accuracy"] = {"weights": f"{acc_row.name} {acc_row.version}",
                                    **int8_accuracy(acc_row.file, cache, threads=threads)}
    return res


def format_fan_bench(res: dict) -> str:
    """The ``bench fan`` figures as a table (one row per path)."""
    lines = [f"weights: {res['weights']} ({res['architecture']})",
             f"{res['frames']} simulated VGA frames x {res['reps']} interleaved runs (medians), flip "
             f"{'on' if res['flip'] else 'off'} on both sides, threads torch {res['threads']['torch']} = "
             f"ONNX Runtime {res['threads']['onnxruntime']}, ours {res['batch']} crops per call",
             f"{'path':<10} {'s/frame':>8} {'GFLOP/s':>8} {'speed-up':>9} {'max diff px':>12}"]
    for name, r in res["paths"].items():
        lines.append(f"{name:<10} {r['s_per_frame']:8.3f} {r['gflops']:8.1f} {r['speedup_vs_stock']:8.2f}x "
                     f"{r['max_landmark_diff_px']:12.2f}")
    for p in ("fp32", "int8"):
        if f"speedup_equal_work_{p}" in res:
            lines.append(f"speedup_equal_work_{p}{' (the default path)' if p == res['headline'] else ''}: "
                         f"{res[f'speedup_equal_work_{p}']:.2f}x (median of per-run ratios), max_landmark_diff_px "
                         f"{res[f'max_landmark_diff_px_{p}']:.2f}")
    acc = res.get("int8_accuracy")
    if acc and "skipped" in acc:
        lines.append(f"int8 accuracy: skipped ({acc['skipped']})")
    elif acc:
        lines.append(f"int8 accuracy ({acc['weights']}, {acc['architecture']}, {acc['frames']} simulated frames "
                     f"with truth): NRMSE fp32 {acc['nrmse_fp32']:.4f}, int8 {acc['nrmse_int8']:.4f} "
                     f"(change {acc['nrmse_change']:+.4f}); int8 vs fp32 landmarks: median "
                     f"{acc['median_landmark_diff_px']:.2f} px, p95 {acc['p95_landmark_diff_px']:.2f} px, "
                     f"max {acc['max_landmark_diff_px']:.2f} px")
    if "int8" in str(res.get("paths", {})):
        lines.append("random weights: heatmaps have no clear peak, so int8's landmark difference to stock is "
                     "meaningless there; judge int8 by the accuracy line (trained weights)")
    return "\n".join(lines)


def finetune_sizes(store_dir: Path | None = None) -> dict[str, tuple[int, int, int]]:
    """FAN sizes ``bench finetune`` measures: the shipped ``fan-demo`` (when present) and the official
    4 x 256 @ 256 architecture (what ``fan2d``, the official weights, has)."""
    from neuroface_studio.vision import registry

    sizes = {}
    demo = registry.demo_fan_file()
    if demo.is_file():
        try:
            from neuroface_studio.vision.fan import fan_spec, load_fan_state
            spec = fan_spec(load_fan_state(demo)[0])
            sizes[f"fan-demo ({spec.label()})"] = (spec.num_modules, spec.width, spec.input_size)
        except (ImportError, ValueError, OSError) as exc:  # an unreadable demo file: measure the official size only
            sizes[f"fan-demo unreadable: {exc}"[:80]] = None
    sizes["4 x 256 @ 256 (official fan2d)"] = (4, 256, 256)
    return {k: v for k, v in sizes.items() if v is not None}


def bench_finetune_model(steps: int = 2, threads: int = 1, images: int = 320, store_dir: Path | None = None,
                         epochs: int = 6, copies: int = 2) -> dict:
    """``bench finetune``: last-hourglass step time cached vs naive for fan-demo and the official size
    (training/bench.py), and the wall time of an ``images``-image fine-tune extrapolated from them
    (app/train_estimate.py: the Train workspace's figure) for ``epochs`` and ``copies`` (the engine's
    defaults), validating on a quarter as many held-out images."""
    from neuroface_studio.app.train_estimate import StepTimes, estimate_seconds
    from neuroface_studio.training.bench import bench_finetune
    res = bench_finetune(finetune_sizes(store_dir), steps=steps, threads=threads)
    n_val = images // 4
    res.update({"images": images, "val_images": n_val, "epochs": epochs, "augment_copies": copies,
                "estimate_note": f"extrapolated from the measured s/step (not a measured fine-tune): {images} training "
                                 f"and {n_val} validation images, {epochs} epochs (upper bound: early stopping can "
                                 f"end sooner), {copies} cached augmented copies per image; naive = the same epochs "
                                 "with the trunk in every step (one augmented copy per epoch)"})
    for row in res["sizes"].values():
        t = StepTimes(row["cached_s_per_step"], row["naive_s_per_step"], row["trunk_s_per_batch"], res["batch"], "")
        row[f"estimate_{images}_images_cached_min"] = round(
            estimate_seconds(images, n_val, t, epochs, augment_copies=copies).seconds / 60, 1)
        row[f"estimate_{images}_images_naive_min"] = round(
            estimate_seconds(images, n_val, t, epochs, augment_copies=copies, cache_features=False).seconds / 60, 1)
    return res
