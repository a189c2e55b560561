"""Train the small demo FAN from scratch on simulated faces, on a CPU (run by scripts/train_demo_fan.py).

The demo model lets the offline demo and CI exercise real fine-tuning when the official FAN
weights are absent. It is a FAN of the project's family (:mod:`neuroface_studio.vision.fan_arch`:
face-alignment's layout, by default 2 stacks x 128 channels @ 128 px input, 32 px heatmaps)
trained on simulated **healthy controls only** (symmetric faces), so that simulated patients
(asymmetric, reduced movement) are a real domain shift that fine-tuning can remove. It is
labelled a demo model, not for clinical use.

Sized for this project's 2-core CPU (docs/PLATFORM_FACTS "Training a FAN on this CPU"): bf16
autocast where the CPU supports it (avx512_bf16 / amx_bf16; fp32 elsewhere, and on CUDA bf16
too), and a learning rate scheduled by **steps** (linear warm-up, then cosine to 2 %), never by
wall-clock time, so a loaded machine trains the same model, only slower.

Data: ``identities`` simulated HC participants x the protocol's tasks, ``frames_per_task``
frames each (turned-away frames skipped), cropped like batch landmarking crops them, at the
model's input size; a separate set of unseen HC and ALS identities is the validation set
(dlib68 is scored on the same crops for reference). Each step draws a batch and augments it on
the fly.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np
import torch

from neuroface_studio.training.augment import AugmentParams, Sample, augment, crop_to_heatmap, make_sample
from neuroface_studio.training.engine import _nrmse_crop, evaluate, network_inputs
from neuroface_studio.training.fan_parts import SplitFan
from neuroface_studio.training.losses import adaptive_wing_loss, gaussian_heatmaps
from neuroface_studio.vision.fan import build_fan


@dataclass(frozen=True)
class DemoFanConfig:
    identities: int = 24  # x 10 tasks x 6 frames = 1,440 training crops
    val_identities: int = 6  # per group (HC and ALS)
    frames_per_task: int = 6
    num_modules: int = 2
    width: int = 128
    input_size: int = 128
    steps: int = 800
    warmup_steps: int = 30
    batch_size: int = 8
    lr: float = 1e-3
    sigma: float = 1.5  # target Gaussian, heatmap px
    seed: int = 0
    workers: int = 0  # processes rendering frames (0: all cores)
    device: str = "auto"
    precision: str = "auto"  # "auto" (bf16 where supported), "bf16", "fp32"
    eval_every: int = 200  # steps between validation checks logged (0: only at the end)
    dlib_reference: bool = True  # score dlib68 on the validation crops too

    def to_dict(self) -> dict:
        return asdict(self)


def cpu_bf16_supported() -> bool:
    """True when this CPU runs bf16 natively (avx512_bf16 or amx_bf16 in /proc/cpuinfo) and torch has oneDNN."""
    try:
        if not torch.backends.mkldnn.is_available():
            return False
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def autocast_dtype(device: torch.device, precision: str = "auto") -> torch.dtype | None:
    """bf16 for autocast, or None for fp32: "auto" uses bf16 on CUDA and on CPUs with native bf16."""
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if precision != "auto":
        raise ValueError(f"precision must be auto, bf16 or fp32, not {precision!r}")
    if device.type == "cuda":
        return torch.bfloat16
    return torch.bfloat16 if cpu_bf16_supported() else None


def lr_at(step: int, config: DemoFanConfig) -> float:
    """Learning rate of step ``step`` (0-based): linear warm-up, then cosine from ``lr`` to 2 % of it."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    span = max(1, config.steps - config.warmup_steps)
    t = min(1.0, (step - config.warmup_steps) / span)
    return config.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * t)))


def _render_identity(args) -> list[tuple[Sample, np.ndarray | None]]:
    pid, group_value, seed, frames_per_task, tasks, size, dlib_ref = args
    from neuroface_studio.domain.participants import Group
    from neuroface_studio.simulation import clinic
    from neuroface_studio.vision import fan_geometry as geo
    from neuroface_studio.vision.predictor import box_from_points

    dlib = None
    if dlib_ref:
        try:
            from neuroface_studio.vision.dlib_predictor import Dlib68Predictor
            dlib = Dlib68Predictor()
        except Exception:  # noqa: BLE001 - the reference is optional
            dlib = None
    group = Group.parse(group_value)
    ident = clinic.make_identity(pid, group, seed=seed)
    out = []
    for k, task in enumerate(tasks):
        plan = clinic.plan_recording(ident, task, fps=10.0, seed=seed * 100 + k, duration_scale=0.5)
        ok = np.flatnonzero(~np.asarray(plan.turned_away))
        if not len(ok):
            continue
        pick = ok[np.linspace(0, len(ok) - 1, min(frames_per_task, len(ok))).round().astype(int)]
        for f in sorted(set(int(v) for v in pick)):
            img, _ = clinic.render_frame(ident, plan, f)
            truth = plan.landmarks_px[f]
            sample = make_sample(img, truth, participant=pid, group=group.value, key=f"{pid}-{task.code}-{f}",
                                 size=size)
            ref = None
            if dlib is not None:  # dlib68 on the same face, mapped into the same crop
                pred = dlib.predict(img, dlib.box_from_landmarks(np.asarray(truth, np.float64)))
                center, scale = geo.crop_params(box_from_points(np.asarray(truth, np.float64), 0.1))
                ref = geo.apply_affine(geo.crop_affine(center, scale, size), pred.points_px) if pred else None
            out.append((sample, ref))
    return out


def simulated_samples(specs: list[tuple[str, str, int]], tasks, frames_per_task: int, workers: int = 0,
                      size: int = 256, dlib_reference: bool = False) -> tuple[list[Sample], list]:
    """Render ``[(participant, group, seed)]`` performing ``tasks`` (protocol Task objects) into
    ``size`` px samples, in parallel processes; returns ``(samples, dlib68 crop points or None each)``."""
    jobs = [(pid, g, seed, frames_per_task, list(tasks), int(size), dlib_reference) for pid, g, seed in specs]
    if workers == 1 or len(jobs) == 1:
        pairs = [p for j in jobs for p in _render_identity(j)]
    else:
        import os
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
            pairs = [p for batch in pool.map(_render_identity, jobs) for p in batch]
    return [s for s, _ in pairs], [r for _, r in pairs]


def _reference_nrmse(val: list[Sample], refs: list) -> dict:
    per = [(s.group, _nrmse_crop(r, s.points, s.visible)) for s, r in zip(val, refs) if r is not None]
    if not per:
        return {}
    out = {"all": float(np.nanmean([v for _, v in per])), "frames": len(per)}
    for g in sorted({g for g, _ in per if g}):
        out[g] = float(np.nanmean([v for gg, v in per if gg == g]))
    return out


def _machine() -> dict:
    import os
    import platform
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cpu": cpu or platform.processor(), "cores": os.cpu_count(), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "load_average_at_end": [round(v, 2) for v in load] if load else None}


def train_demo_fan(tasks, config: DemoFanConfig = DemoFanConfig(), log=print,
                   on_snapshot=None) -> tuple[dict, dict]:
    """Train on simulated participants performing ``tasks`` (the protocol's); returns ``(state_dict fp32 CPU,
    report)`` (report: config, steps, seconds, precision, machine, val NRMSE per group, dlib68 on the same crops,
    the validation curve). ``on_snapshot(step, state_dict, val_nrmse)`` is called at every intermediate
    validation (``eval_every``), e.g. to keep a usable early model while a long run goes on."""
    t0 = time.perf_counter()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    device = torch.device("cuda" if config.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if config.device == "auto" else config.device))
    size = config.input_size
    train_specs = [(f"DEMO{i:03d}", "HC", 1000 + i) for i in range(config.identities)]
    val_specs = ([(f"VHC{i:02d}", "HC", 5000 + i) for i in range(config.val_identities)]
                 + [(f"VALS{i:02d}", "ALS", 6000 + i) for i in range(config.val_identities)])
    train, _ = simulated_samples(train_specs, tasks, config.frames_per_task, config.workers, size)
    val, refs = simulated_samples(val_specs, tasks, max(2, config.frames_per_task // 3), config.workers, size,
                                  config.dlib_reference)
    render_s = time.perf_counter() - t0
    log(f"rendered {len(train)} training and {len(val)} validation crops ({size} px) in {render_s:.0f} s")
    fan = build_fan(config.num_modules, config.width, config.input_size).train()
    net = SplitFan(fan, train_last=config.num_modules)
    for p in fan.parameters():  # from scratch: everything trains, BatchNorm too
        p.requires_grad_(True)
    fan.to(device)
    opt = torch.optim.Adam(fan.parameters(), lr=config.lr)
    amp_dtype = autocast_dtype(device, config.precision)
    precision = "bf16 autocast" if amp_dtype is not None else "fp32"
    log(f"FAN {fan.spec.label()} ({sum(p.numel() for p in fan.parameters()) / 1e6:.2f} M parameters), {precision}, "
        f"{config.steps} steps x {config.batch_size} images, {torch.get_num_threads()} threads")
    params = AugmentParams(scale=0.15, rotation_deg=20, translation=0.08)
    hm_size = fan.spec.heatmap_size
    t_train = time.perf_counter()
    losses, curve = [], []
    step = 0
    for step in range(config.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, config)
        idx = rng.integers(0, len(train), size=config.batch_size)
        batch = [augment(train[i], rng, params) for i in idx]
        target = gaussian_heatmaps(torch.from_numpy(crop_to_heatmap(np.stack([s.points for s in batch]))).float()
                                   .to(device), hm_size, config.sigma,
                                   torch.from_numpy(np.stack([s.visible for s in batch])).to(device))
        fan.train()
        with torch.autocast(device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
            outs = fan(network_inputs(batch, device))
            loss = sum(adaptive_wing_loss(o.float(), target) for o in outs) / len(outs)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.detach().item())
        if not math.isfinite(losses[-1]):
            raise RuntimeError(f"the loss became {losses[-1]} at step {step + 1}; lower the learning rate")
        done = step + 1
        if done % 50 == 0 or done == 1:
            el = time.perf_counter() - t_train
            log(f"step {done}/{config.steps}: loss {np.mean(losses[-50:]):.4f}, lr {lr_at(step, config):.2e}, "
                f"{el:.0f} s ({el / done:.2f} s/step)")
        if config.eval_every and done % config.eval_every == 0 and done < config.steps:
            fan.eval()
            v = evaluate(net, val, device)
            curve.append({"step": done, "seconds": round(time.perf_counter() - t_train, 1), "val_nrmse": v})
            log(f"step {done}: validation NRMSE {({k: round(x, 4) for k, x in v.items()})}")
            if on_snapshot is not None:
                on_snapshot(done, {k: t.detach().cpu().clone() for k, t in fan.state_dict().items()}, v)
    train_s = time.perf_counter() - t_train
    fan.eval()
    val_nrmse = evaluate(net, val, device)
    ref = _reference_nrmse(val, refs)
    curve.append({"step": config.steps, "seconds": round(train_s, 1), "val_nrmse": val_nrmse})
    report = {"model": "fan-demo", "architecture": fan.spec.label(), "num_modules": config.num_modules,
              "width": config.width, "input_size": config.input_size, "heatmap_size": hm_size,
              "parameters": int(sum(p.numel() for p in fan.parameters())),
              "config": config.to_dict(), "steps": config.steps, "seconds": round(time.perf_counter() - t0, 1),
              "render_seconds": round(render_s, 1), "train_seconds": round(train_s, 1),
              "seconds_per_step": round(train_s / max(1, config.steps), 3), "precision": precision,
              "device": device.type, "machine": _machine(), "train_crops": len(train), "val_crops": len(val),
              "train_data": f"simulated healthy controls only ({config.identities} identities)",
              "val_data": f"unseen simulated identities: {config.val_identities} HC and {config.val_identities} ALS",
              "nrmse": "RMS point error / interocular distance (outer eye corners), crop px, mean over crops",
              "val_nrmse": val_nrmse, "dlib68_val_nrmse": ref, "curve": curve,
              "final_loss": float(np.mean(losses[-50:])) if losses else None,
              "note": "demo model, not for clinical use"}
    log(f"validation NRMSE: {val_nrmse}; dlib68 on the same crops: {ref}")
    return {k: v.detach().cpu() for k, v in fan.state_dict().items()}, report
