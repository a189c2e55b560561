"""``bench finetune``: step time of last-hourglass fine-tuning, cached trunk vs naive frozen trunk.

Random FAN weights and random crops (speed does not depend on the values). Per FAN size:
seconds per step (batch ``batch``) of

* ``cached``: the engine's default — the frozen trunk's output was computed once per
  augmented copy (float16 in memory) and each step runs only the last hourglass forward and
  backward;
* ``naive``: the frozen trunk runs (no grad) inside every step, then the same head step;
* ``trunk``: one trunk forward of a batch (what caching costs, once per image copy);

measured over ``steps`` steps after one warm-up step each, interleaved in one run so the ratios
are fair on a shared machine (medians). The wall time of a whole fine-tune is extrapolated from
them by :func:`neuroface_studio.app.train_estimate.estimate_seconds` (``bench finetune``; the
Train workspace shows the same figure).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from neuroface_studio.training.fan_parts import SplitFan
from neuroface_studio.training.losses import adaptive_wing_loss
from neuroface_studio.vision.fan import build_fan

BATCH = 8  #: training/engine.py FinetuneConfig's batch


def measure_steps(num_modules: int = 4, width: int = 256, input_size: int = 256, batch: int = BATCH, steps: int = 2,
                  train_last: int = 1, device: str = "cpu", bf16: bool = False, seed: int = 0) -> dict:
    """Median seconds per cached step, naive step and trunk batch forward for one FAN size."""
    dev = torch.device("cuda" if device == "auto" and torch.cuda.is_available() else
                       ("cpu" if device == "auto" else device))
    torch.manual_seed(seed)
    fan = build_fan(num_modules) if (width, input_size) == (256, 256) else build_fan(num_modules, width, input_size)
    net = SplitFan(fan, train_last=train_last).to(dev)
    opt = torch.optim.Adam(net.head_parameters(), lr=1e-4)
    hm = input_size // 4
    x = torch.rand(batch, 3, input_size, input_size, device=dev)
    target = torch.rand(batch, 68, hm, hm, device=dev) * 0.1
    amp = bf16 or dev.type == "cuda"
    with torch.inference_mode():
        cached = net.trunk(x).to(torch.float16)

    def sync() -> None:
        if dev.type == "cuda":
            torch.cuda.synchronize()

    def step(use_cache: bool) -> None:
        if use_cache:
            feats = cached.clone().float()
        else:
            with torch.no_grad():
                feats = net.trunk(x)
        with torch.autocast(dev.type, dtype=torch.bfloat16 if dev.type == "cpu" else torch.float16, enabled=amp):
            pred, _ = net.head(feats)
            loss = adaptive_wing_loss(pred.float(), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def trunk_only() -> None:
        with torch.inference_mode():
            net.trunk(x)

    fns = {"cached": lambda: step(True), "naive": lambda: step(False), "trunk": trunk_only}
    times: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():
        fn()  # warm-up
    for i in range(max(1, int(steps))):
        for name in (list(fns) if i % 2 == 0 else list(fns)[::-1]):
            sync()
            t0 = time.perf_counter()
            fns[name]()
            sync()
            times[name].append(time.perf_counter() - t0)
    return {**{name: float(np.median(t)) for name, t in times.items()}, "threads": torch.get_num_threads()}


def bench_finetune(sizes: dict[str, tuple[int, int, int]] | None = None, batch: int = BATCH, steps: int = 2,
                   device: str = "cpu", bf16: bool = False, seed: int = 0, threads: int | None = None) -> dict:
    """Per FAN size (``{label: (stacks, width, input px)}``, default the official 4 x 256 @ 256):
    s/step cached vs naive and the per-image ratio. ``threads``: torch's thread count (default: as is).
    (``bench finetune`` adds the extrapolated wall time: app/train_estimate.py.)"""
    if threads:
        torch.set_num_threads(max(1, int(threads)))
    sizes = sizes or {"4 x 256 @ 256 (official)": (4, 256, 256)}
    out: dict = {"device": device, "threads": torch.get_num_threads(), "batch": batch, "steps_measured": steps,
                 "precision": "bf16 autocast" if bf16 else "fp32", "sizes": {}}
    for label, (stacks, width, size) in sizes.items():
        t = measure_steps(stacks, width, size, batch, steps, device=device, bf16=bf16, seed=seed)
        out["sizes"][label] = {
            "stacks": stacks, "width": width, "input": size,
            "cached_s_per_step": round(t["cached"], 3), "naive_s_per_step": round(t["naive"], 3),
            "trunk_s_per_batch": round(t["trunk"], 3),
            "cached_s_per_image": round(t["cached"] / batch, 4), "naive_s_per_image": round(t["naive"] / batch, 4),
            "cached_vs_naive_per_image": round(t["cached"] / t["naive"], 3),
        }
    return out
