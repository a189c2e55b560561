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


def bench_fan_model(n_frames: int = 20, model: str | None = None, num_modules: int = 4,
                    store_dir: Path | None = None) -> dict:
    """``bench fan``: FAN speed (ours: torch, ONNX Runtime) vs stock face-alignment, same frames.

    Weights: the model store's ``model`` (default ``fan2d`` when installed: then NRMSE against
    the simulated truth means something), else random FAN(``num_modules``) weights (speed and
    GFLOP/s only). A named model that is missing or not a FAN is an error.
    """
    from neuroface_studio.vision import registry
    from neuroface_studio.vision.fan_bench import bench_fan

    weights, label = None, f"random FAN({num_modules}) weights (speed only; fetch or import fan2d for accuracy)"
    name = model or registry.FAN_NAME
    try:
        row = registry.get_model(name, store_dir)
    except registry.ModelRegistryError:
        if model:
            raise
        row = None
    if row is not None and row.available and row.architecture.startswith("FAN"):
        weights, label = row.file, f"{row.name} {row.version} ({row.origin}, sha256 {row.sha256[:10]})"
    elif model:
        raise ValueError(f"model {model} cannot be benchmarked as a FAN: "
                         f"{row.problem if row is not None and row.problem else row.architecture}")
    res = bench_fan(n_frames, num_modules=num_modules, weights=weights)
    return {"weights": label, **res}


def format_fan_bench(res: dict) -> str:
    """The ``bench fan`` figures as a table (one row per path)."""
    lines = [f"weights: {res['weights']}",
             f"{res['n_frames']} simulated VGA frames, FAN({res['num_modules']}), {res['gflop_per_forward']} GFLOP "
             f"per forward, {res['torch_threads']} torch threads, CPU fp32 peak ~{res['cpu_peak_gflops']:.0f} GFLOP/s",
             f"{'path':<14} {'fps':>6} {'ms/frame':>9} {'GFLOP/s':>8} {'% peak':>7} {'NRMSE %':>8}"]
    for name in ("ours_onnx", "ours_torch", "stock_flip", "stock_noflip"):
        if name in res:
            r = res[name]
            lines.append(f"{name:<14} {r['fps']:6.2f} {r['ms_per_frame']:9.0f} {r['gflops']:8.1f} "
                         f"{100 * r['peak_fraction']:6.0f}% {100 * r['nrmse_vs_truth']:8.2f}")
    for key, value in res.items():
        if key.startswith("speedup_"):
            lines.append(f"{key}: {value:.2f}x")
    d = res["points_ours_vs_stock_noflip_px"]
    lines.append(f"ours vs stock (no flip) points: median {d['median']:.2f} px, max {d['max']:.2f} px")
    if "onnx_error" in res:
        lines.append(f"ONNX Runtime skipped: {res['onnx_error']}")
    return "\n".join(lines)
