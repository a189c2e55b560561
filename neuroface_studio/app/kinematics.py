"""Features of a whole project and patient-vs-control classification (issue 8; CLI `features`, `classify`).

Landmarks per recording: the named model's track, else the active model's track, else any
track; on a simulated project without tracks, the simulated truth (so `features` works on a
fresh simulated study); a recording with none of these is reported and skipped. 3D comes from
the recording's depth (aligned to colour) through its colour intrinsics; a recording without
(enough) depth, and ``use_3d=False``, gives 2D features in fractions of the interocular distance
(each row's ``space``: "3d_mm" or "2d_iod"). Times come from the recorded frame timestamps.
Repetitions are the project's (Segment); recordings without repetitions are skipped with a
reason that says what state the recording is in and what to do.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from neuroface_studio.analysis.features import (
    FEATURE_NAMES, SPACE_2D, SPACE_3D, UNITS, repetition_features_explained, units_of,
)
from neuroface_studio.analysis import sample_size
from neuroface_studio.analysis.kinematics3d import landmarks_3d, to_head_frame
from neuroface_studio.analysis.sample_size import SampleSize
from neuroface_studio.app.jobs import CancelToken, ProgressFn, no_progress
from neuroface_studio.app.project_service import ProjectSession


#: Features are 3D when at least this fraction of the repetitions' landmarks (those found in 2D) have depth.
MIN_DEPTH_FRACTION = 0.9


@dataclass
class FeatureTable:
    rows: list[dict] = field(default_factory=list)  # one per repetition: ids + space + FEATURE_NAMES (NaN: none)
    skipped: dict[str, str] = field(default_factory=dict)  # recording -> why
    sources: dict[str, str] = field(default_factory=dict)  # recording -> landmark source, space and why
    spaces: dict[str, str] = field(default_factory=dict)  # recording -> SPACE_3D ("3d_mm") or SPACE_2D ("2d_iod")
    times: dict[str, str] = field(default_factory=dict)  # recording -> which clock (recorded timestamps or index/fps)
    reasons: list[dict[str, str]] = field(default_factory=list)  # per row: feature -> why it is NaN
    seconds: float = 0.0

    def units_of_row(self, row: dict) -> dict[str, str]:
        return units_of(row.get("space", SPACE_3D))

    def to_dict(self) -> dict:
        """JSON-ready (no NaN): a missing feature is null and the row's ``why_null`` says why."""
        rows = []
        for k, r in enumerate(self.rows):
            why = self.reasons[k] if k < len(self.reasons) else {}
            out, nulls = {}, {}
            for key, v in r.items():
                if isinstance(v, float) and not math.isfinite(v):
                    out[key] = None
                    nulls[key] = why.get(key, "not computable")
                else:
                    out[key] = v
            out["why_null"] = nulls
            rows.append(out)
        spaces = set(self.spaces.values())
        # "units": those of every row when all share a space (else 3D's; each row's "space" and
        # "units_by_space" say which apply to it)
        return {"features": list(FEATURE_NAMES), "units": units_of(SPACE_2D) if spaces == {SPACE_2D} else UNITS,
                "units_by_space": {s: units_of(s) for s in (SPACE_3D, SPACE_2D)}, "rows": rows,
                "skipped": self.skipped, "sources": self.sources, "spaces": self.spaces, "times": self.times,
                "seconds": round(self.seconds, 2), "sample_size": self.sample_sizes()}

    def sample_sizes(self, control: str = "HC") -> dict[str, dict]:
        """Per task: participants per group, and whether z-scores against the ``control`` group and
        a classifier of each other group against it have enough participants (analysis/sample_size.py;
        ``not_enough`` is the reason, "" when there are enough)."""
        out = {}
        for task in sorted({r["task"] for r in self.rows}):
            people: dict[str, set] = {}
            for r in self.rows:
                if r["task"] == task:
                    people.setdefault(r["group"], set()).add(r["participant"])
            counts = {g: len(p) for g, p in sorted(people.items(), key=lambda kv: (kv[0] != control, kv[0]))}
            out[task] = {"participants": counts,
                         "z_scores": sample_size.z_sample(counts.get(control, 0), control).to_dict(),
                         "classifiers": {f"{control} vs {g}": classifier_sample(self, task, (control, g)).to_dict()
                                         for g in counts if g != control}}
        return out


def _landmarks(session: ProjectSession, rid: str, model: str | None) -> tuple[np.ndarray | None, str]:
    from neuroface_studio.app.landmarking import read_track, tracks_of
    from neuroface_studio.vision.registry import active_model
    names = tracks_of(session, rid)
    for name in ([model] if model else []) + [active_model()] + names:
        if name in names:
            track = read_track(session, rid, name)
            return track.landmarks_px.astype(np.float64), f"model {name}"
    if model:
        return None, f"no landmark track of {model}: run `neuroface-studio landmark --model {model}` first"
    truth = session.truth(rid)
    if truth is not None:
        return truth.landmarks_px.astype(np.float64), "simulated truth"
    return None, "no landmarks: landmark the recording first (Review → Landmark this recording)"


def _why_no_repetitions(session: ProjectSession, rid: str, model: str | None) -> str:
    """A true, actionable reason why ``rid`` has no repetitions (what state it is in, what to do)."""
    project = session.project
    rec = project.recordings[rid]
    task = project.protocol.task(rec.task_code) if rec.task_code in project.protocol.codes else None
    if task is not None and not task.segmented:
        return (f"task {rec.task_code} is not divided into repetitions, and features are measured per "
                "repetition: nothing to compute (mark spans by hand in Segment if you want them)")
    pts, source = _landmarks(session, rid, model)
    if pts is None:
        return f"no repetitions and {source}; then segment it (`segment --apply` or the Segment workspace)"
    seen = np.isfinite(pts).all(axis=2).any(axis=1)
    if not seen.any():
        return (f"no repetitions: no face was found on any frame ({source}), so segmentation cannot propose any; "
                "landmark it with another model or mark repetitions by hand in Segment")
    applied = [e for e in project.audit_log if e.action == "segment" and f"{rid}: " in e.detail]
    if applied and f"{rid}: 0 from" in applied[-1].detail:
        return ("no repetitions: `segment --apply` found none in this recording's trace (a face on "
                f"{seen.mean():.0%} of frames, {source}); mark them by hand in the Segment workspace")
    return "no repetitions yet: segment the recording (`neuroface-studio segment PROJECT --apply`, or the Segment workspace)"


def _to_3d(session: ProjectSession, rid: str, pts: np.ndarray, reps, times) -> tuple[np.ndarray, float]:
    """``(points_mm (T, 68, 3), fraction of the repetitions' 2D landmarks that have depth)``."""
    rec = session.project.recordings[rid]
    wanted = sorted({f for s, e in reps for f in range(s, min(e, len(pts) - 1) + 1)})
    with session.open_recording(rid) as reader:
        depth = {f: reader.depth(f) for f in wanted if f < reader.n_frames}
    sel = np.full_like(pts, np.nan)
    sel[wanted] = pts[wanted]
    xyz, flags = landmarks_3d(sel, lambda i: depth.get(i, np.zeros((1, 1), np.uint16)), rec.camera.color,
                              rec.camera.depth_scale_m, times=times.t_s)
    seen = np.isfinite(sel).all(axis=2)
    with_depth = np.isfinite(xyz).all(axis=2) & ~flags & seen
    fraction = float(with_depth.sum() / seen.sum()) if seen.any() else 0.0
    return xyz, fraction


def to_interocular_units(points_px: np.ndarray) -> tuple[np.ndarray, float]:
    """2D landmarks (head frame, px) divided by their median interocular distance (36-45):
    ``(points (T, 68, 2) in IOD, the distance in px)``; NaN when no frame has both eye corners."""
    iod = np.linalg.norm(points_px[:, 36] - points_px[:, 45], axis=1)
    iod = iod[np.isfinite(iod) & (iod > 0)]
    if not iod.size:
        return np.full_like(points_px, np.nan), float("nan")
    size = float(np.median(iod))
    return points_px / size, size


def project_features(session: ProjectSession, recording_ids: list[str] | None = None, model: str | None = None,
                     use_3d: bool = True, head_frame: bool = True, median: int = 5, window_s: float = 5.0,
                     progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> FeatureTable:
    """Per-repetition features of the recordings (all when None).

    Space per recording: 3D mm from depth (``use_3d``) when at least :data:`MIN_DEPTH_FRACTION` of
    the repetitions' landmarks have depth; otherwise (and with ``use_3d=False``) 2D, in fractions
    of the interocular distance (``space`` "2d_iod"; ``sources`` says why). Time: the recording's
    frame times (:func:`app.frame_times.recording_times`; ``times`` says which clock).
    """
    from neuroface_studio.app.frame_times import recording_times
    t0 = time.perf_counter()
    project = session.project
    ids = list(recording_ids) if recording_ids else sorted(project.recordings)
    table = FeatureTable()
    for k, rid in enumerate(ids):
        if cancel is not None:
            cancel.raise_if_cancelled()
        rec = project.recordings[rid]
        reps = [(r.start_frame, r.end_frame) for r in project.repetitions_of(rid)]
        if not reps:
            table.skipped[rid] = _why_no_repetitions(session, rid, model)
            continue
        pts, source = _landmarks(session, rid, model)
        if pts is None:
            table.skipped[rid] = source
            continue
        outside = [(s, e) for s, e in reps if e >= len(pts)]
        if outside:
            table.skipped[rid] = (f"repetition {outside[0][0]}-{outside[0][1]} ends after the landmarks' last frame "
                                  f"({len(pts) - 1}); landmark the whole recording again, or fix it in Segment")
            continue
        times = recording_times(session, rid, len(pts))
        space, why_space = SPACE_2D, "2D requested (--2d)"
        if use_3d:
            xyz, fraction = _to_3d(session, rid, pts, reps, times)
            if fraction >= MIN_DEPTH_FRACTION:
                space, pts = SPACE_3D, xyz
            else:
                why_space = (f"no depth: {fraction:.0%} of the landmarks have depth (3D needs "
                             f"{MIN_DEPTH_FRACTION:.0%})" if fraction > 0 else "no depth in this recording")
        if head_frame:
            pts = to_head_frame(pts)
        if space == SPACE_2D:
            pts, _ = to_interocular_units(pts)
            if not np.isfinite(pts).any():
                why_space += "; no frame has both outer eye corners"
        participant = project.participant_of(rid)
        for n, (s, e) in enumerate(reps):
            feats, why = repetition_features_explained(pts, rec.fps, s, e, median=median, window_s=window_s,
                                                       times=times)
            table.rows.append({"participant": participant.id, "group": participant.group.value,
                               "recording": rid, "task": rec.task_code, "repetition": n + 1, "start": s, "end": e,
                               "space": space, **feats})
            table.reasons.append(why)
        from neuroface_studio.app.ddk_features import add_speech_measures  # issue 19: DDK from the sound
        add_speech_measures(session, rid, table.rows[-len(reps):], table.reasons[-len(reps):], pts)
        table.spaces[rid] = space
        table.sources[rid] = source + (" + depth (3D mm)" if space == SPACE_3D
                                       else f", 2D in interocular distances ({why_space})")
        table.times[rid] = times.describe()
        progress(k + 1, len(ids), f"{rid}: {len(reps)} repetition(s)")
    table.seconds = time.perf_counter() - t0
    return table


def _classifier_rows(table: FeatureTable, task: str, groups: tuple[str, str]) -> tuple[list[dict], str]:
    """The repetitions ``classify`` uses: ``task``, the two groups, the space of most of them."""
    rows = [r for r in table.rows if r["task"] == task and r["group"] in groups]
    if not rows:
        raise ValueError(f"no repetitions of task {task} for groups {', '.join(groups)}")
    spaces = [r.get("space", SPACE_3D) for r in rows]
    space = max(sorted(set(spaces)), key=spaces.count)  # never mix mm with interocular units
    return [r for r, s in zip(rows, spaces) if s == space], space


def classifier_sample(table: FeatureTable, task: str, groups: tuple[str, str] = ("HC", "ALS")) -> SampleSize:
    """The participants per group ``classify`` would use, against the minimum
    (analysis/sample_size.py): check ``.ok`` before showing an AUC or a probability."""
    try:
        rows, _ = _classifier_rows(table, task, groups)
    except ValueError:
        rows = []
    return _sample_of(rows, groups)


def _sample_of(rows: list[dict], groups: tuple[str, str]) -> SampleSize:
    return sample_size.classifier_sample({g: len({r["participant"] for r in rows if r["group"] == g})
                                         for g in groups})


def classify(table: FeatureTable, task: str, groups: tuple[str, str] = ("HC", "ALS"), seed: int = 0,
             n_estimators: int = 200) -> dict:
    """LOSO random forest for ``groups[0]`` (label 0, controls) vs ``groups[1]`` (label 1) on ``task``.

    Computed whenever leave-one-subject-out can run (2 per group); ``n_per_group`` and
    ``not_enough`` (the reason, "" when there are enough participants to show the AUC: see
    :func:`classifier_sample`) say whether the numbers may be shown as a finding."""
    from neuroface_studio.analysis.classify import loso_random_forest
    rows, space = _classifier_rows(table, task, groups)
    X = np.array([[r[f] for f in FEATURE_NAMES] for r in rows], np.float64)
    y = np.array([int(r["group"] == groups[1]) for r in rows])
    res = loso_random_forest(X, y, [r["participant"] for r in rows], n_estimators=n_estimators, seed=seed,
                             feature_names=list(FEATURE_NAMES))
    sample = _sample_of(rows, groups)
    return {"task": task, "groups": list(groups), "space": space, **res,
            "n_per_group": dict(sample.counts), "not_enough": sample.reason,
            "minimum_per_group": sample.minimum}
