"""Features of a whole project and patient-vs-control classification (issue 8; CLI `features`, `classify`).

Landmarks per recording: the named model's track, else the active model's track, else any
track; on a simulated project without tracks, the simulated truth (so `features` works on a
fresh simulated study); a recording with none of these is reported and skipped. 3D comes from
the recording's depth (aligned to colour) through its colour intrinsics; ``use_3d=False`` uses
2D px. Repetitions are the project's (Segment); recordings without repetitions are skipped with
the reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from neuroface_studio.analysis.features import FEATURE_NAMES, UNITS, recording_features
from neuroface_studio.analysis.kinematics3d import landmarks_3d, to_head_frame
from neuroface_studio.app.jobs import CancelToken, ProgressFn, no_progress
from neuroface_studio.app.project_service import ProjectSession


@dataclass
class FeatureTable:
    rows: list[dict] = field(default_factory=list)  # one per repetition: ids + FEATURE_NAMES
    skipped: dict[str, str] = field(default_factory=dict)  # recording -> why
    sources: dict[str, str] = field(default_factory=dict)  # recording -> landmark source
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {"features": list(FEATURE_NAMES), "units": UNITS, "rows": self.rows, "skipped": self.skipped,
                "sources": self.sources, "seconds": round(self.seconds, 2)}


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


def project_features(session: ProjectSession, recording_ids: list[str] | None = None, model: str | None = None,
                     use_3d: bool = True, head_frame: bool = True, median: int = 5, window_s: float = 5.0,
                     progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> FeatureTable:
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
            table.skipped[rid] = "no repetitions: segment the recording first (Segment workspace or `segment --apply`)"
            continue
        pts, source = _landmarks(session, rid, model)
        if pts is None:
            table.skipped[rid] = source
            continue
        if use_3d:
            with session.open_recording(rid) as reader:
                wanted = sorted({f for s, e in reps for f in range(s, e + 1)})
                depth = {f: reader.depth(f) for f in wanted}
            sel = np.full_like(pts, np.nan)
            sel[wanted] = pts[wanted]
            xyz, _ = landmarks_3d(sel, lambda i: depth.get(i, np.zeros((1, 1), np.uint16)), rec.camera.color,
                                  rec.camera.depth_scale_m)
            pts = xyz
        if head_frame:
            pts = to_head_frame(pts)
        participant = project.participant_of(rid)
        for n, ((s, e), feats) in enumerate(zip(reps, recording_features(pts, rec.fps, reps, median=median,
                                                                           window_s=window_s))):
            table.rows.append({"participant": participant.id, "group": participant.group.value,
                               "recording": rid, "task": rec.task_code, "repetition": n + 1, "start": s, "end": e,
                               **feats})
        table.sources[rid] = source + (" + depth (3D mm)" if use_3d else " (2D px)")
        progress(k + 1, len(ids), f"{rid}: {len(reps)} repetition(s)")
    table.seconds = time.perf_counter() - t0
    return table


def classify(table: FeatureTable, task: str, groups: tuple[str, str] = ("HC", "ALS"), seed: int = 0,
             n_estimators: int = 200) -> dict:
    """LOSO random forest for ``groups[0]`` (label 0, controls) vs ``groups[1]`` (label 1) on ``task``."""
    from neuroface_studio.analysis.classify import loso_random_forest
    rows = [r for r in table.rows if r["task"] == task and r["group"] in groups]
    if not rows:
        raise ValueError(f"no repetitions of task {task} for groups {', '.join(groups)}")
    X = np.array([[r[f] for f in FEATURE_NAMES] for r in rows], np.float64)
    y = np.array([int(r["group"] == groups[1]) for r in rows])
    res = loso_random_forest(X, y, [r["participant"] for r in rows], n_estimators=n_estimators, seed=seed,
                             feature_names=list(FEATURE_NAMES))
    return {"task": task, "groups": list(groups), **res}
