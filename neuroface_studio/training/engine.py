"""Fine-tune a FAN's last hourglass(es) on corrected frames: the training loop.

:func:`finetune` takes training and validation :class:`~.augment.Sample` lists (split by
participant by the caller), the base FAN weights and a :class:`FinetuneConfig`; it reports
progress through ``on_event`` (a :class:`FinetuneEvent` per step and per epoch), stops
cooperatively on ``cancel`` (raising ``JobCancelled``-like :class:`TrainingCancelled`), writes
an atomic checkpoint after every epoch and resumes from it, stops early when validation
NRMSE has not improved for ``patience`` epochs, and stops with :class:`TrainingError` when
the loss becomes NaN or infinite. It never touches the model store: the caller registers
the returned weights.

Speed: with ``cache_features`` the frozen trunk runs once per (augmented) image and its
output is kept in memory (float16, 2 MB per image): each step then runs only the trained
hourglass (about half the step time on a CPU). ``augment_copies`` augmented versions of every
training image are cached (copy 0 is the image itself). The validation images' trunk outputs are
cached too, so the validation after every epoch runs only the trained hourglass (on a CPU it
otherwise cost as much as a whole epoch of a small data set).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from neuroface_studio.training.augment import (AugmentParams, Sample, augment, crop_to_heatmap, heatmap_to_crop,
                                               resize_sample)
from neuroface_studio.training.errors import TrainingCancelled, TrainingError
from neuroface_studio.training.fan_parts import SplitFan
from neuroface_studio.training.losses import REGULARIZERS, adaptive_wing_loss, gaussian_heatmaps
from neuroface_studio.vision import fan_geometry as geo
from neuroface_studio.vision.fan import fan_from_state, validate_fan_state


@dataclass(frozen=True)
class FinetuneConfig:
    # defaults sized so that one click on the demo project (fan-demo, ~120 training frames) takes a few
    # minutes on a 2-core CPU: 6 epochs x 2 copies; lr 1e-3 wrecked fan-demo in one epoch, 1e-4 improves it
    epochs: int = 6
    batch_size: int = 8
    lr: float = 1e-4
    train_last: int = 1  # hourglasses trained (the rest frozen)
    sigma: float = 1.5  # target Gaussian, heatmap px
    regularizer: str | None = None  # "sam", "cam", "eo", "co" (regularized transfer learning)
    reg_lambda: float = 0.002
    augment: bool = True
    augment_copies: int = 2  # with cache_features
    cache_features: bool = True
    patience: int = 3  # epochs without validation improvement before stopping
    select_best: bool = True  # False: keep the last epoch (validation then only reports, e.g. a test set)
    seed: int = 0
    device: str = "auto"
    mixed_precision: bool = True  # on CUDA only

    def to_dict(self) -> dict:
        return asdict(self)

    def check(self) -> None:
        if self.regularizer is not None and self.regularizer not in REGULARIZERS:
            raise TrainingError(f"unknown regularizer {self.regularizer!r}: use one of {', '.join(REGULARIZERS)}")
        if self.epochs < 1 or self.batch_size < 1 or not self.lr > 0:
            raise TrainingError("epochs, batch size and learning rate must be positive")


@dataclass
class FinetuneEvent:
    kind: str  # "caching", "before" (val_nrmse: the base model's), "history" (a resumed run's past epochs), "step", "epoch"
    epoch: int
    step: int = 0
    steps: int = 0
    loss: float = float("nan")
    val_nrmse: dict = field(default_factory=dict)  # {"all": x, "HC": y, ...} (epoch events)
    best: float = float("nan")
    seconds: float = 0.0


@dataclass
class FinetuneResult:
    state_dict: dict  # best weights (full FAN state dict, CPU)
    num_modules: int
    nrmse_before: dict
    nrmse_after: dict
    epochs_run: int
    best_epoch: int
    stopped_early: bool
    history: list = field(default_factory=list)  # [{"epoch", "loss", "val_nrmse"}]
    seconds: float = 0.0
    device: str = "cpu"


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def network_inputs(samples: list[Sample], device) -> torch.Tensor:
    return torch.from_numpy(geo.to_network_input(np.stack([s.crop for s in samples]))).to(device)


def _nrmse_crop(pred: np.ndarray, truth: np.ndarray, visible: np.ndarray) -> float:
    """RMS point error over visible points / interocular distance (36-45), crop px: the app's one
    NRMSE (:func:`neuroface_studio.analysis.evaluation.nrmse`)."""
    from neuroface_studio.analysis.evaluation import nrmse
    return float(nrmse(pred, truth, "interocular", "all", visible)[0][0])


def trunk_features(net: SplitFan, samples: list[Sample], device, batch_size: int = 8, on_batch=None) -> list:
    """The frozen trunk's output of every sample (float16, CPU): what :func:`evaluate` and the training
    steps feed the trained hourglass. ``on_batch(done)`` after each batch; returning True stops."""
    out: list[torch.Tensor] = []
    with torch.inference_mode():
        for i in range(0, len(samples), batch_size):
            out += list(net.trunk(network_inputs(samples[i:i + batch_size], device)).to(torch.float16).cpu())
            if on_batch is not None and on_batch(len(out)):
                break
    return out


def evaluate(net: SplitFan, samples: list[Sample], device, batch_size: int = 8, features: list | None = None) -> dict:
    """Validation NRMSE: mean over samples, overall ("all") and per group. ``features``: the samples'
    :func:`trunk_features` (then only the trained hourglass runs)."""
    per: list[tuple[str, float]] = []
    with torch.inference_mode():
        for i in range(0, len(samples), batch_size):
            batch = samples[i:i + batch_size]
            if features is None:
                hm = net(network_inputs(batch, device))
            else:
                hm = net.head(torch.stack(features[i:i + batch_size]).to(device).float())[0]
            hm = hm.float().cpu().numpy()
            pts, _ = geo.decode_heatmaps(hm)
            for s, p in zip(batch, pts):
                per.append((s.group, _nrmse_crop(heatmap_to_crop(p), s.points, s.visible)))
    out = {"all": float(np.nanmean([v for _, v in per])) if per else float("nan")}
    for g in sorted({g for g, _ in per if g}):
        out[g] = float(np.nanmean([v for gg, v in per if gg == g]))
    return out


def _config_hash(config: FinetuneConfig, base_sha: str, keys: list[str]) -> str:
    blob = json.dumps({"config": config.to_dict(), "base": base_sha, "train": sorted(keys)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _save_checkpoint(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(data, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def finetune(train: list[Sample], val: list[Sample], base_state: dict, config: FinetuneConfig = FinetuneConfig(),
             on_event: Callable[[FinetuneEvent], None] | None = None, cancel=None,
             checkpoint: Path | None = None, base_sha256: str = "") -> FinetuneResult:
    """Fine-tune; see the module docstring. ``cancel``: anything with a ``cancelled`` attribute."""
    config.check()
    if not train:
        raise TrainingError("no training frames: correct some frames (Annotate) or use a project with simulated truth")
    if not val:
        raise TrainingError("no validation frames: the data needs at least two participants (split by participant)")
    emit = on_event or (lambda e: None)
    t_start = time.perf_counter()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    device = _device(config.device)
    state, num_modules = validate_fan_state(base_state, "the base model")
    fan = fan_from_state(state)  # the base model's size (stacks, width, input px; vision/fan_arch.py)
    train = [resize_sample(s, fan.spec.input_size) for s in train]  # crops at the model's input size
    val = [resize_sample(s, fan.spec.input_size) for s in val]
    net = SplitFan(fan, config.train_last).to(device)
    source = None
    if config.regularizer:
        src_fan = fan_from_state(state)
        source = SplitFan(src_fan, config.train_last).to(device)
        for p in source.parameters():
            p.requires_grad_(False)
    opt = torch.optim.Adam(net.head_parameters(), lr=config.lr)
    amp = config.mixed_precision and device.type == "cuda"

    tag = _config_hash(config, base_sha256, [s.key for s in train])
    start_epoch, history, best, best_state, best_epoch, bad_epochs = 0, [], math.inf, None, 0, 0
    nrmse_before = None
    if checkpoint is not None and Path(checkpoint).is_file():
        ck = torch.load(checkpoint, map_location="cpu", weights_only=True)
        if ck.get("tag") == tag:
            fan.load_state_dict(ck["state"])
            opt.load_state_dict(ck["optimizer"])
            start_epoch, history = int(ck["epoch"]), json.loads(ck["history"])
            best, best_epoch, bad_epochs = float(ck["best"]), int(ck["best_epoch"]), int(ck["bad_epochs"])
            best_state = ck["best_state"]
            nrmse_before = json.loads(ck["nrmse_before"])
    def cancelled() -> bool:
        return cancel is not None and bool(getattr(cancel, "cancelled", False))

    val_features = None
    if config.cache_features:
        val_features = trunk_features(net, val, device, config.batch_size, lambda done: (
            emit(FinetuneEvent("caching", start_epoch, done, len(val))) or cancelled()))
        if cancelled():
            raise TrainingCancelled("training stopped while preparing the data; nothing was changed")
    if nrmse_before is None:
        nrmse_before = evaluate(net, val, device, features=val_features)
    if best_state is None:
        best, best_state = nrmse_before["all"], {k: v.detach().cpu().clone() for k, v in fan.state_dict().items()}
    emit(FinetuneEvent("before", start_epoch, val_nrmse=dict(nrmse_before), best=best))

    # the training set: cached trunk outputs of augmented copies, or images augmented per step
    def augmented(s: Sample, copy: int) -> Sample:
        return s if copy == 0 or not config.augment else augment(s, rng, AugmentParams())

    cached: list[tuple[torch.Tensor, np.ndarray, np.ndarray]] = []
    if config.cache_features:
        copies = config.augment_copies if config.augment else 1
        items = [augmented(s, c) for c in range(copies) for s in train]
        with torch.inference_mode():
            for i in range(0, len(items), config.batch_size):
                if cancelled():
                    raise TrainingCancelled("training stopped while preparing the data; nothing was changed")
                batch = items[i:i + config.batch_size]
                feats = net.trunk(network_inputs(batch, device)).to(torch.float16).cpu()
                cached += [(f, s.points, s.visible) for f, s in zip(feats, batch)]
                emit(FinetuneEvent("caching", start_epoch, i + len(batch), len(items)))
    n_items = len(cached) if config.cache_features else len(train)
    heatmap_size = train[0].crop.shape[0] // 4  # stride 4 at any input size (vision/fan_arch.py)
    steps = max(1, math.ceil(n_items / config.batch_size))
    for h in history:  # a resumed run: the epochs done before, so that curves show the whole run
        emit(FinetuneEvent("history", int(h["epoch"]), steps, steps, float(h["loss"]), dict(h["val_nrmse"]), best))
    stopped_early = False
    epoch = start_epoch
    for epoch in range(start_epoch + 1, config.epochs + 1):
        order = rng.permutation(n_items)
        losses = []
        for step in range(steps):
            if cancelled():
                raise TrainingCancelled(f"training stopped in epoch {epoch}; the checkpoint of epoch {epoch - 1} "
                                        "is kept and the next run resumes from it")
            idx = order[step * config.batch_size:(step + 1) * config.batch_size]
            if config.cache_features:
                feats = torch.stack([cached[i][0] for i in idx]).to(device).float()
                pts = np.stack([cached[i][1] for i in idx])
                vis = np.stack([cached[i][2] for i in idx])
            else:
                batch = [augmented(train[i], 1) for i in idx]
                with torch.no_grad():
                    feats = net.trunk(network_inputs(batch, device))
                pts, vis = np.stack([s.points for s in batch]), np.stack([s.visible for s in batch])
            target = gaussian_heatmaps(torch.from_numpy(crop_to_heatmap(pts)).float().to(device), heatmap_size,
                                       config.sigma, torch.from_numpy(vis).to(device))
            with torch.autocast(device.type, enabled=amp):
                pred, features = net.head(feats)
                loss = adaptive_wing_loss(pred.float(), target)
                if source is not None:
                    with torch.no_grad():
                        src_pred, src_features = source.head(feats)
                    if config.regularizer == "co":
                        reg = REGULARIZERS["co"](pred.float(), src_pred.float())
                    else:
                        reg = REGULARIZERS[config.regularizer](features.float(), src_features.float())
                    loss = loss + config.reg_lambda * reg
            value = loss.detach().item()
            if not math.isfinite(value):
                raise TrainingError(f"the loss became {value} in epoch {epoch}, step {step + 1}; the previous "
                                    "models are untouched. Lower the learning rate or check the annotations")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(value)
            emit(FinetuneEvent("step", epoch, step + 1, steps, losses[-1], best=best,
                               seconds=time.perf_counter() - t_start))
        val_nrmse = evaluate(net, val, device, features=val_features)
        history.append({"epoch": epoch, "loss": float(np.mean(losses)), "val_nrmse": val_nrmse})
        if val_nrmse["all"] < best or not config.select_best:
            best, best_epoch, bad_epochs = val_nrmse["all"], epoch, 0
            best_state = {k: v.detach().cpu().clone() for k, v in fan.state_dict().items()}
        else:
            bad_epochs += 1
        emit(FinetuneEvent("epoch", epoch, steps, steps, float(np.mean(losses)), val_nrmse, best,
                           time.perf_counter() - t_start))
        if checkpoint is not None:
            _save_checkpoint(Path(checkpoint), {
                "tag": tag, "epoch": epoch, "state": {k: v.cpu() for k, v in fan.state_dict().items()},
                "optimizer": opt.state_dict(), "history": json.dumps(history), "best": best,
                "best_epoch": best_epoch, "bad_epochs": bad_epochs, "best_state": best_state,
                "nrmse_before": json.dumps(nrmse_before)})
        if config.select_best and bad_epochs >= config.patience:
            stopped_early = True
            break
    fan.load_state_dict(best_state)
    nrmse_after = evaluate(net, val, device, features=val_features) if best_epoch else dict(nrmse_before)
    return FinetuneResult(best_state, num_modules, nrmse_before, nrmse_after, epoch, best_epoch, stopped_early,
                          history, time.perf_counter() - t_start, device.type)
