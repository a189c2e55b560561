"""How long a fine-tune will take on this PC, before Start (the Train workspace shows it).

The wall time of fine-tuning the last hourglass is extrapolated from seconds per training step
of the base model's size (stacks x width @ input px):

* measured on this PC (:func:`measure_on_this_pc`: a couple of steps with random weights,
  cached trunk and naive frozen trunk, in the background; the figure is kept in
  ``data_home()/cache/finetune-speed.json`` per size and machine), or else
* a stored benchmark figure (:data:`STORED`, ``bench finetune`` on the development machine,
  2 cores, busy), labelled as such wherever it is shown.

The arithmetic (:func:`estimate_seconds`) follows training/engine.py: cached trunk outputs of
``augment_copies`` augmented copies per image (and of the validation images) are computed once,
then every epoch runs ``ceil(images x copies / batch)`` cached steps and a validation pass;
early stopping can end sooner, so the figure is an upper bound. Qt-free; torch is
imported only to measure or to read a model's size.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from neuroface_studio.store.locations import data_home

OFFICIAL = (4, 256, 256)
CACHE_NAME = "finetune-speed.json"


@dataclass(frozen=True)
class StepTimes:
    """Seconds per training step (batch ``batch``) with cached trunk outputs and with the frozen trunk
    run in every step, and per trunk forward of a batch; ``source`` says where they come from."""

    cached_s: float
    naive_s: float
    trunk_s: float
    batch: int
    source: str
    measured_here: bool = False


#: ``bench finetune --json`` on the development machine (2 cores shared with other jobs, load average ~8-11,
#: torch 2.13 CPU, fp32, 1 thread, batch 8, 2026-12-06). A quiet PC is faster (PLATFORM_FACTS: 4.2 s per cached
#: step of the official size). Only used until this PC has measured its own.
_STORED_SOURCE = "stored benchmark figure of a busy 2-core development PC, not measured on this PC"
STORED: dict[tuple[int, int, int], StepTimes] = {
    (4, 256, 256): StepTimes(14.07, 28.92, 12.87, 8, _STORED_SOURCE),
    (2, 128, 128): StepTimes(2.24, 3.44, 1.14, 8, _STORED_SOURCE),  # fan-demo's size
}


@dataclass(frozen=True)
class Estimate:
    seconds: float  #: the whole fine-tune, upper bound (all epochs)
    caching_s: float
    per_epoch_s: float
    steps_per_epoch: int
    times: StepTimes

    def text(self) -> str:
        t = self.times
        where = t.source  # "measured on this PC <date>, <n> threads" or the stored figure's label
        return (f"<b>about {format_duration(self.seconds)} at most</b> on this CPU: "
                f"{format_duration(self.caching_s)} preparing, then {format_duration(self.per_epoch_s)} per epoch "
                f"(early stopping can end sooner). From {t.cached_s:.1f} s per step of {t.batch} images with cached "
                f"trunk outputs ({t.naive_s:.1f} s with the frozen trunk run every step); {where}.")


def format_duration(seconds: float) -> str:
    seconds = max(0.0, float(seconds))
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f} min"
    return f"{int(minutes // 60)} h {int(round(minutes % 60)):02d} min"


def estimate_seconds(n_train: int, n_val: int, times: StepTimes, epochs: int = 6, batch_size: int | None = None,
                     augment_copies: int = 2, cache_features: bool = True) -> Estimate:
    """Wall time of a fine-tune on ``n_train`` training and ``n_val`` validation images (upper bound: every epoch
    runs; the defaults are training/engine.py ``FinetuneConfig``'s).

    Cached (the engine's default): the trunk runs once over the validation images and the ``augment_copies``
    augmented copies of every training image, then each epoch runs ``ceil(n_train x copies / batch)``
    cached steps and validates on the cached validation features (a head forward, counted as a third
    of a step); validation also runs once before the first epoch and once at the end. Naive: each
    epoch runs ``ceil(n_train / batch)`` steps with the trunk inside and validates trunk + head.
    Step times scale linearly with the batch when ``batch_size`` differs from the measured batch."""
    batch = int(batch_size or times.batch)
    scale = batch / times.batch
    cached, naive, trunk = times.cached_s * scale, times.naive_s * scale, times.trunk_s * scale
    copies = max(1, int(augment_copies))
    val_batches = math.ceil(max(0, n_val) / batch)
    if cache_features:
        items = max(0, n_train) * copies
        steps = math.ceil(items / batch)
        val = val_batches * cached / 3
        caching = (math.ceil(items / batch) + val_batches) * trunk + 2 * val
        per_epoch = steps * cached + val
    else:
        steps = math.ceil(max(0, n_train) / batch)
        val = val_batches * (trunk + cached / 3)
        caching = 2 * val
        per_epoch = steps * naive + val
    return Estimate(caching + epochs * per_epoch, caching, per_epoch, steps, times)


# -- the figures ------------------------------------------------------------------------------
def _cache_file() -> Path:
    return data_home() / "cache" / CACHE_NAME


def _key(spec: tuple[int, int, int]) -> str:
    return f"{spec[0]}x{spec[1]}@{spec[2]}/{platform.machine()}/{os.cpu_count()}cpu"


def _read_cache() -> dict:
    try:
        data = json.loads(_cache_file().read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_cache(data: dict) -> None:
    path = _cache_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def step_times(spec: tuple[int, int, int]) -> StepTimes | None:
    """This PC's measured figure for ``spec`` when there is one, else the stored benchmark figure (or None)."""
    row = _read_cache().get(_key(tuple(spec)))
    if isinstance(row, dict):
        try:
            return StepTimes(float(row["cached_s"]), float(row["naive_s"]), float(row["trunk_s"]), int(row["batch"]),
                             str(row.get("source", "measured on this PC")), True)
        except (KeyError, TypeError, ValueError):
            pass
    return STORED.get(tuple(spec))


def measure_on_this_pc(spec: tuple[int, int, int], steps: int = 1, progress=None, cancel=None) -> StepTimes:
    """Measure a couple of steps of ``spec`` here (random weights; ~1-4 min for 4 x 256 @ 256 on 2 cores)
    and keep the figure for :func:`step_times`. ``progress(done, total, message)``; ``cancel`` is checked
    before measuring."""
    import datetime

    from neuroface_studio.app.jobs import JobCancelled
    from neuroface_studio.training.bench import measure_steps

    if cancel is not None and getattr(cancel, "cancelled", False):
        raise JobCancelled()
    if progress:
        progress(0, 1, f"measuring fine-tuning steps of a {spec[0]} x {spec[1]} @ {spec[2]} FAN on this PC")
    t = measure_steps(*spec, steps=steps, device="cpu")
    day = datetime.date.today().isoformat()
    times = StepTimes(t["cached"], t["naive"], t["trunk"], 8,
                      f"measured on this PC {day}, {t['threads']} threads", True)
    data = _read_cache()
    data[_key(tuple(spec))] = asdict(times)
    _write_cache(data)
    if progress:
        progress(1, 1, "measured")
    return times


def known_spec(row) -> tuple[int, int, int] | None:
    """A registry row's size without reading its weights: the official weights are 4 x 256 @ 256, the demo
    model's report says its size, a model read before is remembered (by sha256); else None."""
    config = (row.metrics or {}).get("config") if isinstance(getattr(row, "metrics", None), dict) else None
    if isinstance(config, dict) and {"num_modules", "width", "input_size"} <= set(config):
        return int(config["num_modules"]), int(config["width"]), int(config["input_size"])
    if row.origin == "official" and row.architecture == "FAN-4":
        return OFFICIAL
    spec = _read_cache().get("spec/" + str(row.sha256))
    return tuple(int(v) for v in spec) if isinstance(spec, list) and len(spec) == 3 else None


def model_spec(name: str, store_dir: Path | None = None) -> tuple[int, int, int]:
    """``(stacks, width, input px)`` of a registered FAN; reads its weights (torch) unless :func:`known_spec`
    knows it, and remembers it by sha256."""
    from neuroface_studio.vision import registry

    row = registry.get_model(name, store_dir)
    if not row.available:
        raise ValueError(f"model {name} is not available: {row.problem}")
    spec = known_spec(row)
    if spec is not None:
        return spec
    from neuroface_studio.vision.fan import load_fan_state

    state, stacks = load_fan_state(row.file)
    try:
        from neuroface_studio.vision.fan import fan_spec
        s = fan_spec(state)
        spec = int(s.num_modules), int(s.width), int(s.input_size)
    except ImportError:
        spec = int(stacks), 256, 256
    data = _read_cache()
    data["spec/" + str(row.sha256)] = list(spec)
    _write_cache(data)
    return spec


def estimate_text(spec: tuple[int, int, int], n_train: int, n_val: int, settings: dict | None = None) -> str:
    """The Train workspace's line for a base model of size ``spec`` (no torch: figures from the cache or
    :data:`STORED`)."""
    settings = dict(settings or {})
    label = f"{spec[0]} x {spec[1]} @ {spec[2]}"
    torch = sys.modules.get("torch")  # never imported here; when the app has it, a GPU changes everything
    if torch is not None and torch.cuda.is_available():
        return f"Fine-tuning runs on the GPU here; the CPU estimate for this {label} FAN does not apply."
    times = step_times(spec)
    if times is None:
        return (f"Time on this CPU: not known yet for a {label} FAN; <i>Measure on this PC</i> runs a couple of "
                "training steps in the background.")
    est = estimate_seconds(n_train, n_val, times, epochs=int(settings.get("epochs", 6)),
                           batch_size=settings.get("batch_size"), augment_copies=int(settings.get("augment_copies", 2)))
    return f"Fine-tuning the last hourglass of this {label} FAN on {n_train} frames: {est.text()}"
