"""Train the small demo FAN from scratch on simulated faces (reproducible; run by scripts/train_demo_fan.py).

The demo model lets the offline demo and CI exercise real fine-tuning when the official FAN
weights are absent. It is a FAN(1) (face-alignment's architecture, one hourglass) trained on
simulated **healthy controls only** (symmetric faces), so that simulated patients (asymmetric,
reduced movement) are a real domain shift that fine-tuning can remove. It is labelled a demo
model, not for clinical use.

Data: ``identities`` simulated HC participants x the protocol's tasks, ``frames_per_task``
frames each (turned-away frames skipped), cropped like batch landmarking crops them; a
separate set of HC and ALS identities is the validation set. Each step draws a batch and
augments it on the fly. Training stops after ``steps`` steps or ``minutes`` of wall time.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np
import torch

from neuroface_studio.training.augment import AugmentParams, Sample, augment, crop_to_heatmap, make_sample
from neuroface_studio.training.engine import network_inputs, evaluate
from neuroface_studio.training.fan_parts import SplitFan
from neuroface_studio.training.losses import adaptive_wing_loss, gaussian_heatmaps
from neuroface_studio.vision.fan import build_fan


@dataclass(frozen=True)
class DemoFanConfig:
    identities: int = 48
    val_identities: int = 6  # per group (HC and ALS)
    frames_per_task: int = 10
    num_modules: int = 1
    steps: int = 20000
    minutes: float = 8.0
    batch_size: int = 32
    lr: float = 1e-3
    seed: int = 0
    workers: int = 0  # processes rendering frames (0: all cores)
    device: str = "auto"

    def to_dict(self) -> dict:
        return asdict(self)


def _render_identity(args) -> list[Sample]:
    pid, group_value, seed, frames_per_task, tasks = args
    from neuroface_studio.domain.participants import Group
    from neuroface_studio.simulation import clinic

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
            out.append(make_sample(img, plan.landmarks_px[f], participant=pid, group=group.value,
                                   key=f"{pid}-{task.code}-{f}"))
    return out


def simulated_samples(specs: list[tuple[str, str, int]], tasks, frames_per_task: int,
                      workers: int = 0) -> list[Sample]:
    """Render ``[(participant, group, seed)]`` performing ``tasks`` (protocol Task objects) into
    samples, in parallel processes."""
    jobs = [(pid, g, seed, frames_per_task, list(tasks)) for pid, g, seed in specs]
    if workers == 1 or len(jobs) == 1:
        return [s for j in jobs for s in _render_identity(j)]
    import os
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
        return [s for batch in pool.map(_render_identity, jobs) for s in batch]


def train_demo_fan(tasks, config: DemoFanConfig = DemoFanConfig(), log=print) -> tuple[dict, dict]:
    """Train on simulated participants performing ``tasks`` (the protocol's); returns ``(state_dict fp32 CPU, report)`` (report: config, steps, seconds, val NRMSE)."""
    t0 = time.perf_counter()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    device = torch.device("cuda" if config.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if config.device == "auto" else config.device))
    train_specs = [(f"DEMO{i:03d}", "HC", 1000 + i) for i in range(config.identities)]
    val_specs = ([(f"VHC{i:02d}", "HC", 5000 + i) for i in range(config.val_identities)]
                 + [(f"VALS{i:02d}", "ALS", 6000 + i) for i in range(config.val_identities)])
    train = simulated_samples(train_specs, tasks, config.frames_per_task, config.workers)
    val = simulated_samples(val_specs, tasks, max(2, config.frames_per_task // 3), config.workers)
    log(f"rendered {len(train)} training and {len(val)} validation crops in {time.perf_counter() - t0:.0f} s")
    fan = build_fan(config.num_modules).train()
    net = SplitFan(fan, train_last=config.num_modules)
    for p in fan.parameters():  # from scratch: everything trains, BatchNorm too
        p.requires_grad_(True)
    fan.to(device)
    opt = torch.optim.Adam(fan.parameters(), lr=config.lr)
    amp = device.type == "cuda"
    params = AugmentParams(scale=0.15, rotation_deg=20, translation=0.08)
    deadline = t0 + 60.0 * config.minutes
    step, losses = 0, []
    while step < config.steps and time.perf_counter() < deadline:
        lr = config.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, (time.perf_counter() - t0) / (60 * config.minutes))))
        for g in opt.param_groups:
            g["lr"] = max(lr, config.lr * 0.02)
        idx = rng.integers(0, len(train), size=config.batch_size)
        batch = [augment(train[i], rng, params) for i in idx]
        target = gaussian_heatmaps(torch.from_numpy(crop_to_heatmap(np.stack([s.points for s in batch]))).float()
                                   .to(device), 64, 1.5, torch.from_numpy(np.stack([s.visible for s in batch])).to(device))
        fan.train()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            outs = fan(network_inputs(batch, device))
            loss = sum(adaptive_wing_loss(o.float(), target) for o in outs) / len(outs)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.detach().item())
        step += 1
        if step % 200 == 0 or step == 1:
            log(f"step {step}: loss {np.mean(losses[-200:]):.4f}, {time.perf_counter() - t0:.0f} s")
    fan.eval()
    val_nrmse = evaluate(net, val, device)
    report = {"config": config.to_dict(), "steps": step, "seconds": round(time.perf_counter() - t0, 1),
              "train_crops": len(train), "val_crops": len(val), "val_nrmse": val_nrmse,
              "final_loss": float(np.mean(losses[-200:])) if losses else None, "device": device.type}
    log(f"validation NRMSE: {val_nrmse}")
    return {k: v.detach().cpu() for k, v in fan.state_dict().items()}, report
