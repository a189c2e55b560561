"""``bench finetune``: step time of last-hourglass fine-tuning, with and without cached trunk features.

Random FAN weights and random crops (speed does not depend on the values). Per configuration:
seconds per step (batch ``batch``) and images per second, measured over ``steps`` steps after
one warm-up step, in one run so the ratio is fair. The wall time of a 320-image fine-tune is
estimated from those figures for the engine's defaults (4 cached augmented copies, 20 epochs,
validation on 80 images per epoch), and labelled an estimate.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from neuroface_studio.training.fan_parts import SplitFan
from neuroface_studio.training.losses import adaptive_wing_loss
from neuroface_studio.vision.fan import build_fan


def bench_finetune(num_modules: int = 4, batch: int = 8, steps: int = 3, device: str = "auto", seed: int = 0) -> dict:
    dev = torch.device("cuda" if device == "auto" and torch.cuda.is_available() else
                       ("cpu" if device == "auto" else device))
    torch.manual_seed(seed)
    net = SplitFan(build_fan(num_modules), train_last=1).to(dev)
    opt = torch.optim.Adam(net.head_parameters(), lr=1e-4)
    x = torch.rand(batch, 3, 256, 256, device=dev)
    target = torch.rand(batch, 68, 64, 64, device=dev) * 0.1
    with torch.inference_mode():
        cached = net.trunk(x).to(torch.float16)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    def step(use_cache: bool) -> None:
        if use_cache:
            feats = cached.float()
        else:
            with torch.no_grad():
                feats = net.trunk(x)
        pred, _ = net.head(feats)
        loss = adaptive_wing_loss(pred, target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def trunk_only() -> None:
        with torch.inference_mode():
            net.trunk(x)

    out: dict = {"device": dev.type, "num_modules": num_modules, "batch": batch, "steps": steps,
                 "threads": torch.get_num_threads()}
    timings = {}
    for name, fn in (("cached", lambda: step(True)), ("uncached", lambda: step(False)), ("trunk", trunk_only)):
        fn()  # warm-up
        sync()
        t0 = time.perf_counter()
        for _ in range(steps):
            fn()
        sync()
        timings[name] = (time.perf_counter() - t0) / steps
    for name in ("cached", "uncached"):
        out[f"{name}_s_per_step"] = round(timings[name], 3)
        out[f"{name}_images_per_s"] = round(batch / timings[name], 2)
    out["cached_speedup"] = round(timings["uncached"] / timings["cached"], 2)
    per_image_trunk = timings["trunk"] / batch
    images, copies, epochs, val = 320, 4, 20, 80
    caching = images * copies * per_image_trunk
    train = epochs * images * copies / batch * timings["cached"]
    validation = epochs * val * (timings["trunk"] + timings["cached"] / 3) / batch  # forward only ~1/3 of a step
    out["estimate_320_images_min"] = round((caching + train + validation) / 60, 1)
    out["estimate_note"] = (f"estimate from the measured step times: {images} images x {copies} cached copies, "
                            f"{epochs} epochs, {val} validation images per epoch")
    return out
