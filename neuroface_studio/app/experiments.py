"""The papers' experiments, one call each, on any project (issue 7).

* :func:`learning_curve` - fine-tune on 1, 2, 5, ... training participants and score every
  model on the same held-out participants (the small-dataset paper's question: how many
  people are enough?).
* :func:`annotator_bias` - fine-tune on each annotator's labels and on their consensus, and
  score every model against each annotator and the consensus on held-out participants (the
  bias of a model towards the annotator it learnt from, and its reduction with averaged labels).
* :func:`compare_regularizers` - plain fine-tuning and the four regularized variants of
  regularized transfer learning (SAM, EO, CAM, CO at lambda 0.002; SCIENCE.md) on the same data,
  split and settings as one-click fine-tuning: one row per variant with the held-out per-group
  NRMSE before and after (the same validation participants ``finetune`` reports on).

Models trained here are experiments: they are scored in memory and not registered. The
held-out participants never train any model; each model is trained for a fixed number of
epochs and its last weights are scored (no model selection on the test participants).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from neuroface_studio.analysis import evaluation as ev
from neuroface_studio.app.evaluation import EvalSettings, compare, frames_for_evaluation, predict_frames
from neuroface_studio.app.finetune import (
    DataChoice, base_model_name, collect_frames, input_size_of, prepare, samples_for_frames, split_participants,
)
from neuroface_studio.app.jobs import CancelToken, JobCancelled, ProgressFn, no_progress
from neuroface_studio.app.project_service import ProjectSession


def _setup(session: ProjectSession, base: str | None, config, store_dir):
    from neuroface_studio.training.engine import FinetuneConfig
    from neuroface_studio.vision import registry
    from neuroface_studio.vision.fan import load_fan_state
    name = base_model_name(base, store_dir)
    row = registry.get_model(name, store_dir)
    if not row.available or not row.architecture.startswith("FAN"):
        raise ValueError(f"{name} cannot be fine-tuned: only FAN models can ({row.problem or row.architecture})")
    state, _ = load_fan_state(row.file)
    config = replace(config or FinetuneConfig(epochs=5), select_best=False)
    return row, state, config


def _train(samples, test_samples, state, config, row, cancel):
    from neuroface_studio.training.engine import finetune
    from neuroface_studio.training.errors import TrainingCancelled
    try:
        return finetune(samples, test_samples, state, config, None, cancel, None, row.sha256)
    except TrainingCancelled as exc:
        raise JobCancelled(str(exc)) from exc


def _predictor(state_dict, row, label: str):
    from neuroface_studio.vision.fan import FanPredictor
    from neuroface_studio.vision.predictor import ModelInfo
    info = ModelInfo(label, "experiment", row.sha256, row.architecture, origin=f"experiment from {row.name}")
    return FanPredictor(state_dict, info, device="auto", backend="torch")


def _score(session, predictor, frames, settings, cancel) -> np.ndarray:
    pred = predict_frames(session, predictor, frames, cancel=cancel)
    errors, _ = ev.nrmse(pred, np.stack(frames.truth), settings.normalizer, settings.subset, np.stack(frames.visible))
    return errors


def learning_curve(session: ProjectSession, sizes=(1, 2, 5, 10), base: str | None = None, config=None,
                   settings: EvalSettings = EvalSettings(), data: DataChoice | None = None, seed: int = 0,
                   store_dir: Path | None = None, progress: ProgressFn = no_progress,
                   cancel: CancelToken | None = None) -> dict:
    """NRMSE on held-out participants after fine-tuning on ``n`` participants, for each size."""
    data = data or DataChoice(seed=seed)
    row, state, config = _setup(session, base, config, store_dir)
    frames, described = collect_frames(session, data)
    project = session.project
    groups = {project.participant_of(rid).id: project.participant_of(rid).group.value for rid, *_ in frames}
    pool, test_p = split_participants(groups, data.val_fraction, seed)
    if not test_p or not pool:
        raise ValueError("a learning curve needs at least 2 participants with data (training and test)")
    order = list(np.random.default_rng(seed).permutation(pool))
    requested = sorted({int(n) for n in sizes if int(n) >= 1})
    sizes = sorted({min(n, len(pool)) for n in requested})
    test = frames_for_evaluation(session, test_p, data=data)
    size = input_size_of(state)
    test_samples = samples_for_frames(session, [f for f in frames if project.participant_of(f[0]).id in test_p],
                                      cancel, size)
    points = []
    base_errors = _score(session, _predictor(state, row, row.name), test, settings, cancel)
    errors = {f"{row.name} (no fine-tuning)": base_errors}
    for k, n in enumerate(sizes):
        train_p = set(order[:n])
        samples = samples_for_frames(session, [f for f in frames if project.participant_of(f[0]).id in train_p], cancel,
                                     size)
        progress(k, len(sizes), f"fine-tuning on {n} participant(s) ({len(samples)} frames)")
        result = _train(samples, test_samples, state, config, row, cancel)
        e = _score(session, _predictor(result.state_dict, row, f"ft-{n}"), test, settings, cancel)
        errors[f"fine-tuned on {n}"] = e
        ok = e[np.isfinite(e)]
        points.append({"participants": n, "frames": len(samples), "train_participants": sorted(train_p),
                       "mean": float(ok.mean()) if ok.size else None,
                       "sd": float(ok.std(ddof=1)) if ok.size > 1 else None})
    progress(len(sizes), len(sizes), "done")
    report = compare(errors, test.groups, settings, test.keys)
    ok = base_errors[np.isfinite(base_errors)]
    return {"base_model": row.name, "data": described, "test_participants": test_p, "settings": settings.to_dict(),
            "config": config.to_dict(), "baseline": {"mean": float(ok.mean()) if ok.size else None},
            "curve": points, "report": report, "requested_sizes": requested, "pool_size": len(pool),
            "capped": [n for n in requested if n > len(pool)]}


def annotator_bias(session: ProjectSession, base: str | None = None, config=None,
                   settings: EvalSettings = EvalSettings(), seed: int = 0, store_dir: Path | None = None,
                   progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> dict:
    """A model per annotator and one on the consensus, each scored against every annotator and the
    consensus on the same held-out participants: ``matrix[trained_on][scored_against]`` = mean NRMSE."""
    annotators = session.project.annotators()
    if len(annotators) < 2:
        raise ValueError(f"annotator bias needs at least two annotators; this project has "
                         f"{len(annotators)} ({', '.join(annotators) or 'none'})")
    row, state, config = _setup(session, base, config, store_dir)
    consensus_frames, _ = collect_frames(session, DataChoice(source="annotations"))
    project = session.project
    groups = {project.participant_of(rid).id: project.participant_of(rid).group.value
              for rid, *_ in consensus_frames}
    train_p, test_p = split_participants(groups, 0.25, seed)
    if not test_p or not train_p:
        raise ValueError("annotator bias needs at least 2 annotated participants (training and test)")
    labels = {a: DataChoice(source="annotations", annotator=a) for a in annotators}
    labels["consensus"] = DataChoice(source="annotations")
    tests = {name: frames_for_evaluation(session, test_p, data=d) for name, d in labels.items()}
    matrix, trained = {}, 0
    for name, d in labels.items():
        frames, _ = collect_frames(session, d)
        size = input_size_of(state)
        samples = samples_for_frames(session, [f for f in frames if project.participant_of(f[0]).id in train_p], cancel,
                                     size)
        if not samples:
            continue
        progress(trained, len(labels), f"fine-tuning on {name}'s labels ({len(samples)} frames)")
        held = samples_for_frames(session, [f for f in frames if project.participant_of(f[0]).id in test_p], cancel, size)
        result = _train(samples, held or samples[:1], state, config, row, cancel)
        predictor = _predictor(result.state_dict, row, f"ft-{name}")
        matrix[name] = {}
        for against, frames_t in tests.items():
            e = _score(session, predictor, frames_t, settings, cancel)
            ok = e[np.isfinite(e)]
            matrix[name][against] = float(ok.mean()) if ok.size else None
        trained += 1
    progress(len(labels), len(labels), "done")
    own = {a: matrix[a][a] for a in annotators if a in matrix}
    other = {a: float(np.mean([matrix[a][b] for b in annotators if b != a and matrix[a][b] is not None]))
             for a in annotators if a in matrix}
    return {"base_model": row.name, "annotators": annotators, "train_participants": train_p,
            "test_participants": test_p, "settings": settings.to_dict(), "config": config.to_dict(),
            "matrix": matrix, "bias": {a: other[a] - own[a] for a in own if own[a] is not None}}


REGULARIZER_ROWS = (None, "sam", "eo", "cam", "co")  #: the comparison's rows: plain, then the four regularizers


def compare_regularizers(session: ProjectSession, base: str | None = None, data: DataChoice | None = None,
                         config=None, regularizers=REGULARIZER_ROWS, reg_lambda: float = 0.002,
                         store_dir: Path | None = None, progress: ProgressFn = no_progress,
                         cancel: CancelToken | None = None) -> dict:
    """Fine-tune once per regularizer (``None`` = plain) on the same frames, split and settings as
    :func:`~neuroface_studio.app.finetune.run_finetune`; nothing is registered. Each row: the
    validation (held-out participants) NRMSE per group before and after, the best epoch and the
    wall time. The base model's "before" is the same for every row."""
    from neuroface_studio.training.engine import FinetuneConfig, finetune
    from neuroface_studio.training.errors import TrainingCancelled
    config = config or FinetuneConfig()
    prep = prepare(session, base, data, store_dir, progress, cancel)
    rows = []
    for k, reg in enumerate(regularizers):
        label = "none" if reg is None else reg.upper()
        cfg = replace(config, regularizer=reg, reg_lambda=reg_lambda)

        def events(e, k=k, label=label) -> None:
            if e.kind == "epoch":
                progress(k, len(regularizers), f"{label}: epoch {e.epoch}/{cfg.epochs}, validation NRMSE "
                                               f"{100 * e.val_nrmse.get('all', float('nan')):.2f}%")

        progress(k, len(regularizers), f"fine-tuning with regularizer {label}")
        try:
            res = finetune(prep.train, prep.val, prep.state, cfg, events, cancel, None, prep.row.sha256)
        except TrainingCancelled as exc:
            raise JobCancelled(str(exc)) from exc
        rows.append({"regularizer": label, "reg_lambda": None if reg is None else reg_lambda,
                     "nrmse_before": res.nrmse_before, "nrmse_after": res.nrmse_after,
                     "epochs_run": res.epochs_run, "best_epoch": res.best_epoch,
                     "seconds": round(res.seconds, 1)})
    progress(len(regularizers), len(regularizers), "done")
    return {"base_model": prep.row.name, "data": prep.described, "train_participants": prep.train_participants,
            "val_participants": prep.val_participants, "train_frames": len(prep.train),
            "val_frames": len(prep.val), "config": replace(config, regularizer=None).to_dict(),
            "normaliser": "interocular (36-45), RMS over visible points, validation participants",
            "rows": rows}
