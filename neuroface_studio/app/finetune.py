"""One-click fine-tuning of a FAN on a project's corrected (or simulated-truth) frames.

:func:`run_finetune` does the whole job with defaults that work on any project with data:

1. **Data**: annotated frames (the consensus of all annotators, or one annotator), else, in a
   simulated project without annotations, frames with simulated ground truth (``truth_frames``
   evenly spread per recording, skipping turned-away frames).
2. **Split by participant, never by frame**, stratified by group: about ``val_fraction`` of each
   group's participants (at least one when the group has two or more) go to validation.
3. **Base model**: the named one, else the active model when it is a FAN, else ``fan2d``, else
   the shipped demo FAN (``fan-demo``).
4. **Train** (training/engine.py) with progress and cancel; the checkpoint lives in
   ``<project>/training/`` so a crashed or stopped run resumes.
5. **Register** the best weights as a new model version with provenance (base model, frames,
   annotators, split, hyperparameters, NRMSE before/after per group); optionally activate it.
   A cancelled or failed run registers nothing and leaves the other models untouched.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from neuroface_studio.app.jobs import CancelToken, JobCancelled, ProgressFn, no_progress
from neuroface_studio.app.project_service import ProjectSession, current_user
from neuroface_studio.domain.project import now_iso

CHECKPOINT_DIR = "training"


@dataclass
class DataChoice:
    source: str = "auto"  # "auto", "annotations", "truth"
    annotator: str | None = None  # None: consensus of all annotators
    truth_frames: int = 8  # per recording, for simulated truth
    val_fraction: float = 0.25
    seed: int = 0


@dataclass
class FinetuneSummary:
    model: str  # registry name of the new version
    base_model: str
    nrmse_before: dict
    nrmse_after: dict
    train_participants: list[str]
    val_participants: list[str]
    train_frames: int
    val_frames: int
    data: str
    epochs_run: int
    best_epoch: int
    seconds: float
    device: str
    activated: bool = False
    config: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def split_participants(groups: dict[str, str], val_fraction: float = 0.25, seed: int = 0) -> tuple[list, list]:
    """``groups``: participant -> group. Stratified by group; never puts one person on both sides."""
    rng = np.random.default_rng(seed)
    train, val = [], []
    by_group: dict[str, list[str]] = {}
    for pid, g in sorted(groups.items()):
        by_group.setdefault(g, []).append(pid)
    for g, pids in sorted(by_group.items()):
        pids = [str(p) for p in rng.permutation(pids)]
        n_val = int(round(val_fraction * len(pids))) if len(pids) > 1 else 0
        n_val = max(n_val, 1) if len(pids) > 1 else 0
        val += pids[:n_val]
        train += pids[n_val:]
    if not val and len(train) > 1:  # every group has one participant: still hold one person out
        val.append(train.pop(int(rng.integers(len(train)))))
    return sorted(train), sorted(val)


def collect_frames(session: ProjectSession, data: DataChoice) -> tuple[list[tuple], str]:
    """``[(recording_id, frame, points (68, 2), visible (68,))]`` and a description of the data."""
    from neuroface_studio.app.annotation import consensus_of
    project = session.project
    annotated = sorted({(s.recording_id, s.frame_index) for s in project.landmark_sets.values()
                        if s.source.kind == "annotator"
                        and (data.annotator is None or s.source.annotator_id == data.annotator)})
    if data.source in ("auto", "annotations") and annotated:
        frames = []
        for rid, f in annotated:
            if data.annotator is None:
                pts, vis = consensus_of(session, rid, f)
            else:
                s = project.annotation_of(rid, f, data.annotator)
                pts, vis = s.points_px, s.visible
            frames.append((rid, f, pts, vis))
        who = "consensus of " + ", ".join(project.annotators()) if data.annotator is None else data.annotator
        return frames, f"{len(frames)} corrected frames ({who})"
    if data.source == "annotations":
        raise ValueError("no corrected frames" + (f" by {data.annotator}" if data.annotator else "")
                         + ": annotate frames in the Annotate workspace first")
    frames = []
    for rid in sorted(project.recordings):
        truth = session.truth(rid)
        if truth is None:
            continue
        ok = np.flatnonzero(~truth.turned_away & np.isfinite(truth.landmarks_px).all(axis=(1, 2)))
        if not len(ok):
            continue
        pick = ok[np.linspace(0, len(ok) - 1, min(data.truth_frames, len(ok))).round().astype(int)]
        frames += [(rid, int(f), truth.landmarks_px[f], np.ones(68, bool)) for f in sorted(set(pick.tolist()))]
    if not frames:
        raise ValueError("this project has no corrected frames and no simulated ground truth: annotate some "
                         "frames in the Annotate workspace first")
    return frames, f"{len(frames)} simulated ground-truth frames"


def input_size_of(state: dict) -> int:
    """The input crop side (px) of a FAN state dict: its ``input_size`` entry (vision/fan_arch.py),
    256 (the official FAN) when absent."""
    size = state.get("input_size")
    return 256 if size is None else int(size.reshape(-1)[0].item())


def samples_for_frames(session: ProjectSession, frames: list[tuple], cancel: CancelToken | None, size: int = 256):
    """Training samples (``size`` px crops, the FAN's input size) of ``frames`` from :func:`collect_frames`."""
    from neuroface_studio.training.augment import make_sample
    project = session.project
    out = []
    by_rec: dict[str, list] = {}
    for item in frames:
        by_rec.setdefault(item[0], []).append(item)
    for rid, items in by_rec.items():
        participant = project.participant_of(rid)
        with session.open_recording(rid) as reader:
            for _, f, pts, vis in items:
                if cancel is not None and cancel.cancelled:
                    raise JobCancelled("fine-tuning cancelled before training started; nothing changed")
                out.append(make_sample(reader.color(f), pts, vis, participant.id, participant.group.value,
                                       f"{rid}-f{f:05d}", size=size))
    return out


def base_model_name(requested: str | None, store_dir: Path | None = None) -> str:
    from neuroface_studio.vision import registry
    if requested:
        return requested
    active = registry.active_model(store_dir)
    if registry.get_model(active, store_dir).architecture.startswith("FAN"):
        return active
    for name in (registry.FAN_NAME, registry.DEMO_FAN):
        rows = [r for r in registry.list_models(store_dir) if r.name == name and r.available]
        if rows:
            return rows[0].name
    raise ValueError("fine-tuning needs a FAN base model and none is installed: fetch or import fan2d "
                     "(Tools → Landmark models…, or `neuroface-studio models fetch`)")


def _new_name(base: str, store_dir: Path | None) -> str:
    from neuroface_studio.vision import registry
    stem = re.sub(r"-ft\d+$", "", base)
    taken = {r.name for r in registry.list_models(store_dir)}
    k = 1
    while f"{stem}-ft{k}" in taken:
        k += 1
    return f"{stem}-ft{k}"


def describe(summary: FinetuneSummary) -> str:
    """One line for the audit log and the status bar."""
    b, a = summary.nrmse_before["all"], summary.nrmse_after["all"]
    return (f"{summary.model} from {summary.base_model} on {summary.data}: validation NRMSE {100 * b:.2f}% -> "
            f"{100 * a:.2f}% ({', '.join(summary.val_participants)})")


@dataclass
class Prepared:
    """What a fine-tuning run reads: the base model, its weights, the frames and their split."""
    row: object  # registry ModelListing of the base model
    state: dict  # its FAN state dict
    described: str
    train_participants: list
    val_participants: list
    train: list  # training Samples
    val: list  # validation Samples (held-out participants)


def prepare(session: ProjectSession, base: str | None = None, data: DataChoice | None = None,
            store_dir: Path | None = None, progress: ProgressFn = no_progress,
            cancel: CancelToken | None = None) -> Prepared:
    """Base model, frames, participant split and crops (steps 1-3 of the module docstring)."""
    from neuroface_studio.vision import registry
    from neuroface_studio.vision.fan import load_fan_state

    data = data or DataChoice()
    base_name = base_model_name(base, store_dir)
    row = registry.get_model(base_name, store_dir)
    if not row.available or not row.architecture.startswith("FAN"):
        raise ValueError(f"{base_name} cannot be fine-tuned: only FAN models can "
                         f"({row.problem or row.architecture})")
    frames, described = collect_frames(session, data)
    project = session.project
    groups = {project.participant_of(rid).id: project.participant_of(rid).group.value for rid, *_ in frames}
    train_p, val_p = split_participants(groups, data.val_fraction, data.seed)
    if not val_p:
        raise ValueError(f"the data comes from {len(groups)} participant(s); fine-tuning needs at least 2 so that "
                         "validation uses people the model was not trained on")
    progress(0, 1, "reading frames")
    state, _ = load_fan_state(row.file)
    samples = samples_for_frames(session, frames, cancel, input_size_of(state))
    return Prepared(row, state, described, train_p, val_p, [s for s in samples if s.participant in train_p],
                    [s for s in samples if s.participant in val_p])


def run_finetune(session: ProjectSession, base: str | None = None, data: DataChoice | None = None, config=None,
                 name: str | None = None, activate: bool = False, progress: ProgressFn = no_progress,
                 cancel: CancelToken | None = None, on_event=None, store_dir: Path | None = None) -> FinetuneSummary:
    """Fine-tune and register; see the module docstring. ``on_event`` gets the engine's events."""
    from neuroface_studio.training.engine import FinetuneConfig, TrainingCancelled, finetune
    from neuroface_studio.vision import registry

    config = config or FinetuneConfig()
    prep = prepare(session, base, data, store_dir, progress, cancel)
    row, train, val, train_p, val_p, described = (prep.row, prep.train, prep.val, prep.train_participants,
                                                   prep.val_participants, prep.described)
    base_name = row.name
    project = session.project
    ckpt_dir = session.folder / CHECKPOINT_DIR
    ckpt_dir.mkdir(exist_ok=True)
    checkpoint = ckpt_dir / f"finetune-{base_name}.ckpt"

    def events(e) -> None:
        if on_event is not None:
            on_event(e)
        if e.kind == "caching":
            progress(0, 1, f"preparing features {e.step}/{e.steps}")
        elif e.kind == "step":
            done = (e.epoch - 1) * e.steps + e.step
            progress(done, config.epochs * e.steps, f"epoch {e.epoch}/{config.epochs}, loss {e.loss:.4f}")

    try:
        result = finetune(train, val, prep.state, config, events, cancel, checkpoint, row.sha256)
    except TrainingCancelled as exc:
        raise JobCancelled(str(exc)) from exc
    new_name = name or _new_name(base_name, store_dir)
    metrics = {"nrmse_before": result.nrmse_before, "nrmse_after": result.nrmse_after,
               "normaliser": "interocular (36-45), RMS over visible points, validation participants",
               "base_model": {"name": row.name, "version": row.version, "sha256": row.sha256},
               "data": described, "project": project.name, "train_participants": train_p,
               "val_participants": val_p, "train_frames": len(train), "val_frames": len(val),
               "config": config.to_dict(), "epochs_run": result.epochs_run, "best_epoch": result.best_epoch,
               "trained_by": current_user(), "trained": now_iso(), "device": result.device}
    origin = f"fine-tuned from {row.name} {row.version} on {described} of {project.name}"
    listing = registry.register_weights(result.state_dict, new_name, origin, metrics, store_dir)
    if activate:
        registry.set_active(listing.name, store_dir)
    checkpoint.unlink(missing_ok=True)
    return FinetuneSummary(listing.name, row.name, result.nrmse_before, result.nrmse_after, train_p, val_p,
                           len(train), len(val), described, result.epochs_run, result.best_epoch, result.seconds,
                           result.device, activate, config.to_dict())
