"""Evaluate landmark models: on a project's annotated frames, or on two folders of .pts files.

One evaluation for the whole app: the CLI (`evaluate`, `evaluate-pts`), Analyze, the study
summary (:mod:`app.study_report`) and the study export's results/landmark_accuracy.json all call
:func:`evaluate_project` (or :func:`evaluate_pts`), which score with
:func:`analysis.evaluation.nrmse` and summarise with :func:`analysis.evaluation.summarize`. So
the same frames and settings give the same figure everywhere.

Which frames: the evaluation frames of :func:`frames_for_evaluation` (the annotators'
consensus, else simulated ground truth on frames where the simulated head is not turned
away), of ``participants`` when given, else of the fine-tuned models' held-out participants
(:func:`held_out_participants`) when a model among ``models`` was fine-tuned on this project,
else of everyone.

Which predictions (``predictions``, stated in every report as ``predictions`` and in its label):

* ``"tracks"`` - the stored landmark track of each model (the tracker's own face boxes: the
  points kinematics and features use). Only frames on recordings that every model has
  landmarked completely are scored (the others are counted as ``not_landmarked``); a frame the
  track has no face on is a *missing* image (a failure to detect, never averaged in).
* ``"rerun"`` - each model is run on the frame, given a box around the ground truth (the
  papers' protocol: detection failures do not mix into landmark error).
* ``"auto"`` (the default everywhere) - ``"tracks"`` when every model has a track on every
  evaluation recording, else ``"rerun"``.

Reports give mean, median, SD, n and missing per model and group, as fractions of the
normalising distance (x100 = %), CED, failure rates and, for each model against the first,
the paired t-test, SMD and Wilcoxon with Holm-Bonferroni; plus each model's bias between
healthy controls and each patient group (SMD).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neuroface_studio.analysis import evaluation as ev
from neuroface_studio.app.jobs import CancelToken, ProgressFn, no_progress
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.store.pts import PtsFormatError, read_pts


@dataclass
class EvalSettings:
    normalizer: str = "intercanthal"
    subset: str = "nojaw"
    thresholds: tuple = (0.05, 0.08, 0.10)
    ced_max: float = 0.10

    def to_dict(self) -> dict:
        return {"normalizer": self.normalizer, "subset": self.subset, "thresholds": list(self.thresholds),
                "ced_max": self.ced_max, "units": ev.UNITS, "per_image": ev.PER_IMAGE,
                "normalizer_points": ev.NORMALIZER_TEXT.get(self.normalizer, self.normalizer),
                "subset_points": ev.subset_text(self.subset)}


PREDICTIONS = {"tracks": "stored landmark tracks (the tracker's own face boxes: the points the kinematics use)",
               "rerun": "each model re-run on a box around the ground truth (the papers' protocol)"}


def _model_report(errors: np.ndarray, groups: list[str], s: EvalSettings, keys: list[str]) -> dict:
    x, y = ev.ced(errors, s.ced_max, 51)
    return {**ev.summarize(errors),
            "groups": ev.group_table(errors, groups),
            "failure_rate": {str(k): v for k, v in ev.failure_rate(errors, s.thresholds).items()},
            "ced_auc": ev.ced_auc(errors, s.thresholds[1] if len(s.thresholds) > 1 else s.ced_max),
            "ced": {"x": x.round(5).tolist(), "y": y.round(5).tolist()},
            "per_image": {k: (None if not np.isfinite(v) else float(v)) for k, v in zip(keys, errors)}}


def _bias(errors: np.ndarray, groups: list[str], reference: str = "HC") -> dict:
    g = np.asarray(groups)
    if reference not in set(groups):
        return {}
    return {name: ev.smd(errors[g == reference], errors[g == name]) for name in sorted(set(groups)) if name != reference}


def compare(errors_by_model: dict[str, np.ndarray], groups: list[str], settings: EvalSettings,
            keys: list[str]) -> dict:
    """The report for per-image errors of several models on the same images."""
    names = list(errors_by_model)
    out = {"settings": settings.to_dict(), "images": len(keys), "models": {}, "comparisons": {},
           "label": ev.describe(settings.normalizer, settings.subset, len(keys))}
    for name in names:
        rep = _model_report(errors_by_model[name], groups, settings, keys)
        rep["bias_smd_vs_HC"] = _bias(errors_by_model[name], groups)
        out["models"][name] = rep
    ref = names[0] if names else None
    pairs = {f"{ref} vs {n}": (errors_by_model[ref], errors_by_model[n]) for n in names[1:]}
    wil = ev.wilcoxon_holm(pairs) if pairs else {}
    g = np.asarray(groups)
    for pair, (a, b) in pairs.items():
        per_group = {}
        for name in ["all", *sorted(set(groups))]:
            sel = np.ones(len(g), bool) if name == "all" else g == name
            per_group[name] = {**ev.paired_t(a[sel], b[sel]), "smd": ev.smd(a[sel], b[sel])}
        out["comparisons"][pair] = {"paired_t_by_group": per_group, "wilcoxon": wil[pair]}
    return out


# -- a project -------------------------------------------------------------------------------
@dataclass
class TestFrames:
    keys: list[str] = field(default_factory=list)  # "<recording>-f<frame>"
    recordings: list[str] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)
    truth: list[np.ndarray] = field(default_factory=list)
    visible: list[np.ndarray] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)
    source: str = ""


def held_out_participants(models: list[str], project_name: str, store_dir: Path | None = None) -> list[str] | None:
    """Validation participants of the fine-tuned models (trained on this project) among ``models``;
    None when none of them was (a model this machine's registry does not know counts as not
    fine-tuned here)."""
    from neuroface_studio.vision import registry
    held: set[str] | None = None
    for name in models:
        try:
            row = registry.get_model(name, store_dir)
        except ValueError:  # ModelRegistryError: e.g. a track made on another machine
            continue
        val = row.metrics.get("val_participants")
        if val and row.metrics.get("project") == project_name:
            held = set(val) if held is None else held & set(val)
    return sorted(held) if held is not None else None


def frames_for_evaluation(session: ProjectSession, participants: list[str] | None = None, truth_frames: int = 8,
                          data=None) -> TestFrames:
    """The ground truth to score against: ``data`` (a finetune.DataChoice: consensus, one annotator
    or simulated truth; default auto) restricted to ``participants``."""
    from neuroface_studio.app.finetune import DataChoice, collect_frames
    frames, what = collect_frames(session, data or DataChoice(truth_frames=truth_frames))
    out = TestFrames(source=what)
    for rid, f, pts, vis in frames:
        p = session.project.participant_of(rid)
        if participants is not None and p.id not in participants:
            continue
        out.keys.append(f"{rid}-f{f:05d}")
        out.recordings.append(rid)
        out.frames.append(f)
        out.truth.append(np.asarray(pts, np.float64))
        out.visible.append(np.asarray(vis, bool))
        out.groups.append(p.group.value)
        out.participants.append(p.id)
    if not out.keys:
        raise ValueError("no test frames" + (f" for participants {', '.join(participants)}" if participants else "")
                         + ": annotate frames first (or name other participants)")
    return out


def predict_frames(session: ProjectSession, model, frames: TestFrames, store_dir: Path | None = None,
                   progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> np.ndarray:
    """``(N, 68, 2)`` predictions of ``model`` (a registry name or an open predictor) on the test
    frames, given the truth's face box."""
    from neuroface_studio.vision.predictor import box_from_points
    from neuroface_studio.vision.registry import open_predictor
    predictor = open_predictor(model, store_dir) if isinstance(model, str) else model
    model = model if isinstance(model, str) else predictor.info.name
    out = np.full((len(frames.keys), 68, 2), np.nan)
    order = sorted(range(len(frames.keys)), key=lambda i: frames.recordings[i])
    reader, current = None, None
    try:
        for k, i in enumerate(order):
            if cancel is not None:
                cancel.raise_if_cancelled()
            if frames.recordings[i] != current:
                if reader is not None:
                    reader.close()
                current = frames.recordings[i]
                reader = session.open_recording(current)
            box = box_from_points(frames.truth[i], 0.1)
            pred = predictor.predict(reader.color(frames.frames[i]), box)
            if pred is not None:
                out[i] = pred.points_px
            progress(k + 1, len(order), f"{model}: {frames.keys[i]}")
    finally:
        if reader is not None:
            reader.close()
    return out


def per_landmark_error(pred: np.ndarray, truth: np.ndarray, visible: np.ndarray, norm: np.ndarray) -> list:
    """Per landmark, the mean normalised point error over images where it is visible and predicted
    (68 values, None where never available): the face-diagram heat map."""
    err = ev.point_errors(pred, truth) / norm[:, None]
    ok = visible & np.isfinite(err)
    out = []
    for k in range(68):
        v = err[ok[:, k], k]
        out.append(float(v.mean()) if v.size else None)
    return out


def track_predictions(session: ProjectSession, model: str, frames: TestFrames) -> np.ndarray:
    """``(N, 68, 2)`` points of ``model``'s stored tracks on the test frames (NaN: no face there,
    or the track does not reach that frame)."""
    from neuroface_studio.app.landmarking import read_track
    out = np.full((len(frames.keys), 68, 2), np.nan)
    tracks = {}
    for i, (rid, f) in enumerate(zip(frames.recordings, frames.frames)):
        if rid not in tracks:
            tracks[rid] = read_track(session, rid, model)
        p = tracks[rid].points(f)
        if p is not None:
            out[i] = p
    return out


def _subset(frames: TestFrames, keep: list[int]) -> TestFrames:
    return TestFrames(*([getattr(frames, n)[i] for i in keep] for n in
                        ("keys", "recordings", "frames", "truth", "visible", "groups", "participants")),
                      source=frames.source)


def choose_predictions(session: ProjectSession, models: list[str], frames: TestFrames,
                       predictions: str = "auto") -> tuple[str, TestFrames, int]:
    """``(mode, frames scored, frames left out)`` for ``predictions`` ("auto", "tracks", "rerun"):
    in "tracks" mode only the frames on recordings every model has a track on are scored."""
    from neuroface_studio.app.landmarking import read_track, tracks_of
    from neuroface_studio.store.errors import StoreError
    if predictions not in ("auto", *PREDICTIONS):
        raise ValueError(f"predictions {predictions!r}: use auto, tracks or rerun")
    if predictions == "rerun":
        return "rerun", frames, 0

    def complete(rid: str, model: str) -> bool:  # a cancelled run's half track does not count
        try:
            return read_track(session, rid, model).complete
        except (StoreError, OSError):
            return False
    tracked = {rid: {m for m in tracks_of(session, rid) if m in models and complete(rid, m)}
               for rid in set(frames.recordings)}
    keep = [i for i, rid in enumerate(frames.recordings) if set(models) <= tracked[rid]]
    if predictions == "auto":
        return ("tracks", frames, 0) if len(keep) == len(frames.keys) else ("rerun", frames, 0)
    if not keep:
        missing = sorted(m for m in models if not any(m in t for t in tracked.values()))
        raise ValueError("no evaluation frame is on a recording landmarked by every model"
                         + (f" ({', '.join(missing)} has no track)" if missing else "")
                         + ": landmark the recordings first (`neuroface-studio landmark PROJECT --model NAME`, "
                           "or Review → Landmark), or score with predictions re-run on the ground-truth box")
    return "tracks", _subset(frames, keep), len(frames.keys) - len(keep)


def evaluate_project(session: ProjectSession, models: list[str], settings: EvalSettings = EvalSettings(),
                     participants: list[str] | None = None, store_dir: Path | None = None,
                     progress: ProgressFn = no_progress, cancel: CancelToken | None = None, *,
                     predictions: str = "auto", held_out: bool | None = None) -> dict:
    """Score ``models`` on the project's evaluation frames (see the module docstring).

    ``participants``: only these; ``held_out`` (default: when ``participants`` is None): keep
    only the participants the fine-tuned models among ``models`` were validated on.
    """
    if not models:
        raise ValueError("name at least one model (see `neuroface-studio models list`)")
    held_out = participants is None if held_out is None else held_out
    held = held_out_participants(models, session.project.name, store_dir) if held_out else None
    if held is not None:
        participants = held if participants is None else sorted(set(participants) & set(held))
    frames = frames_for_evaluation(session, participants)
    mode, frames, left_out = choose_predictions(session, models, frames, predictions)
    truth, vis = np.stack(frames.truth), np.stack(frames.visible)
    errors, per_landmark = {}, {}
    norm = ev.normaliser(truth, settings.normalizer)
    for m, name in enumerate(models):
        if cancel is not None:
            cancel.raise_if_cancelled()
        if mode == "tracks":
            pred = track_predictions(session, name, frames)
            progress(m + 1, len(models), f"{name}: stored tracks")
        else:
            def sub(done, total, msg, m=m):
                progress(m * total + done, len(models) * total, msg)
            pred = predict_frames(session, name, frames, store_dir, sub, cancel)
        errors[name], _ = ev.nrmse(pred, truth, settings.normalizer, settings.subset, vis)
        per_landmark[name] = per_landmark_error(pred, truth, vis, norm)
    report = compare(errors, frames.groups, settings, frames.keys)
    for name in models:
        report["models"][name]["per_landmark"] = per_landmark[name]
    n_part = len(set(frames.participants))
    report.update({"data": frames.source, "participants": sorted(set(frames.participants)),
                   "held_out_only": held is not None, "predictions": mode,
                   "predictions_text": PREDICTIONS[mode], "not_landmarked": left_out,
                   "label": ev.describe(settings.normalizer, settings.subset, len(frames.keys),
                                        predictions=PREDICTIONS[mode]),
                   "frames_text": (f"{len(frames.keys)} frames of {n_part} participant(s), ground truth: "
                                   f"{frames.source}"
                                   + ("; held-out participants of the fine-tuned model only" if held is not None
                                      else "")
                                   + (f"; {left_out} frame(s) on recordings not landmarked by every model left out"
                                      if left_out else ""))})
    return report


# -- two folders of .pts -------------------------------------------------------------------------
def evaluate_pts(gt_dir: Path, pred_dir: Path, settings: EvalSettings = EvalSettings()) -> dict:
    """Score ``pred_dir/<name>.pts`` against ``gt_dir/<name>.pts``. A prediction that is missing or
    unreadable counts as a missing image (NaN, a failure), listed with why; ground-truth files
    that cannot be read are skipped and listed."""
    gt_dir, pred_dir = Path(gt_dir), Path(pred_dir)
    for d in (gt_dir, pred_dir):
        if not d.is_dir():
            raise ValueError(f"{d} is not a folder of .pts files")
    gts = sorted(gt_dir.glob("*.pts"))
    if not gts:
        raise ValueError(f"{gt_dir} holds no .pts files")
    keys, truth, preds, problems = [], [], [], []
    for g in gts:
        try:
            t = read_pts(g)
        except PtsFormatError as exc:
            problems.append({"file": g.name, "side": "truth", "why": str(exc)})
            continue
        p = np.full((68, 2), np.nan)
        pf = pred_dir / g.name
        if not pf.is_file():
            problems.append({"file": g.name, "side": "prediction", "why": "no prediction file"})
        else:
            try:
                p = read_pts(pf)
            except PtsFormatError as exc:
                problems.append({"file": g.name, "side": "prediction", "why": str(exc)})
        keys.append(g.stem)
        truth.append(t)
        preds.append(p)
    if not keys:
        raise ValueError(f"no readable ground-truth .pts file in {gt_dir}")
    errors, _ = ev.nrmse(np.stack(preds), np.stack(truth), settings.normalizer, settings.subset)
    px = ev.summarize(ev.mean_error_px(np.stack(preds), np.stack(truth), settings.subset))
    report = compare({"prediction": errors}, ["all"] * len(keys), settings, keys)
    rep = report["models"]["prediction"]
    return {"settings": settings.to_dict(), "label": ev.describe(settings.normalizer, settings.subset, rep["n"]),
            "mean": rep["mean"], "median": rep["median"], "sd": rep["sd"], "n": rep["n"],
            "missing": rep["missing"], "failure_rate": rep["failure_rate"], "ced_auc": rep["ced_auc"],
            "per_image": rep["per_image"], "problems": problems,
            "mean_error_px": px["mean"] if px["n"] else None,
            "mean_error_px_note": "mean over images of the per-image mean (not RMS) point error, pixels"}
