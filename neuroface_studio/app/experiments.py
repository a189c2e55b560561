"""The papers' experiments, one call each, on any project (issue 7).

* :func:`learning_curve` - fine-tune on 1, 2, 5, ... training participants and score every
  model on the same held-out participants (the small-dataset paper's question: how many
  people are enough?).
* :func:`annotator_bias` - fine-tune on each annotator's labels and on their consensus, and
  score every model against each annotator and the consensus on held-out participants (the
  bias of a model towards the annotator it learnt from, and its reduction with averaged labels).

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
    DataChoice, base_model_name, collect_frames, samples_for_frames, split_participants,
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
    sizes = sorted({min(int(n), len(pool)) for n in sizes if int(n) >= 1})
    test = frames_for_evaluation(session, test_p, data=data)
    test_samples = samples_for_frames(session, [f for f in frames if project.participant_of(f[0]).id in test_p],
                                      cancel)
    points = []
    base_errors = _score(session, _predictor(state, row, row.name), test, settings, cancel)
    errors = {f"{row.name} (no fine-tuning)": base_errors}
    for k, n in enumerate(sizes):
        train_p = set(order[:n])
        samples = samples_for_frames(session, [f for f in frames if project.participant_of(f[0]).id in train_p], cancel)
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
            "curve": points, "report": report}


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
        samples = samples_for_frames(session, [f for f in frames if project.participant_of(f[0]).id in train_p], cancel)
        if not samples:
            continue
        progress(trained, len(labels), f"fine-tuning on {name}'s labels ({len(samples)} frames)")
        result = _train(samples, samples_for_frames(session, [f for f in frames if project.participant_of(f[0]).id in test_p],
                                          cancel) or samples[:1], state, config, row, cancel)
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
