"""Project <-> plain JSON-compatible dicts (schema version ``SCHEMA_VERSION``).

The layout is documented in docs/FILE_FORMAT.md; keep the two in step.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from neuroface_studio.domain.annotations import LandmarkSet, LandmarkSource, QueueItem
from neuroface_studio.domain.camera import CameraInfo, Extrinsics, Intrinsics
from neuroface_studio.domain.participants import Group, Participant, Session
from neuroface_studio.domain.project import AuditEntry, Project
from neuroface_studio.domain.protocol import Protocol
from neuroface_studio.domain.recordings import Recording, Repetition
from neuroface_studio.store.fields import MAX_FPS, MAX_FRAMES, MAX_PIXELS_SIDE, check, get, items, relative_path

FORMAT_ID = "neuroface-studio-project"
SCHEMA_VERSION = 2  # 2: annotation_queue


def _intr_to(i: Intrinsics) -> dict:
    d = asdict(i)
    d["coeffs"] = list(i.coeffs)
    return d


def _floats(d: dict, key: str, n: int, where: str, default: tuple) -> tuple[float, ...]:
    v = get(d, key, list, where, default=list(default))
    if len(v) != n:
        raise ValueError(f"{where}.{key} must hold {n} numbers, not {len(v)}")
    return tuple(check(x, float, f"{where}.{key}[{i}]") for i, x in enumerate(v))


def _intr_from(d: dict, where: str = "camera") -> Intrinsics:
    width = get(d, "width", int, where, lo=1, hi=MAX_PIXELS_SIDE)
    height = get(d, "height", int, where, lo=1, hi=MAX_PIXELS_SIDE)
    if width <= 0 or height <= 0:
        raise ValueError(f"{where}: image size must be positive, not {width}x{height}")
    coeffs = get(d, "coeffs", list, where, default=[0.0] * 5)
    return Intrinsics(width=width, height=height, fx=get(d, "fx", float, where, lo=1e-3, hi=1e6), fy=get(d, "fy", float, where, lo=1e-3, hi=1e6),
                      cx=get(d, "cx", float, where, lo=-1e5, hi=1e5), cy=get(d, "cy", float, where, lo=-1e5, hi=1e5),
                      model=get(d, "model", str, where, default="brown_conrady"),
                      coeffs=tuple(check(x, float, f"{where}.coeffs[{i}]") for i, x in enumerate(coeffs)))


def camera_to_dict(c: CameraInfo) -> dict:
    return {
        "color": _intr_to(c.color), "depth": _intr_to(c.depth),
        "depth_to_color": {"rotation": list(c.depth_to_color.rotation),
                           "translation_m": list(c.depth_to_color.translation_m)},
        "depth_scale_m": c.depth_scale_m, "depth_aligned_to_color": c.depth_aligned_to_color,
        "device": c.device,
    }


def camera_from_dict(d: dict, where: str = "camera") -> CameraInfo:
    ext = get(d, "depth_to_color", dict, where, default={})
    return CameraInfo(
        color=_intr_from(get(d, "color", dict, where), f"{where}.color"),
        depth=_intr_from(get(d, "depth", dict, where), f"{where}.depth"),
        depth_to_color=Extrinsics(_floats(ext, "rotation", 9, f"{where}.depth_to_color", Extrinsics().rotation),
                                  _floats(ext, "translation_m", 3, f"{where}.depth_to_color", (0.0, 0.0, 0.0))),
        depth_scale_m=get(d, "depth_scale_m", float, where, default=0.001, lo=1e-9, hi=1.0),
        depth_aligned_to_color=get(d, "depth_aligned_to_color", bool, where, default=True),
        device=get(d, "device", str, where, default="unknown"),
    )


def landmark_set_to_dict(s: LandmarkSet) -> dict:
    return {
        "id": s.id, "recording": s.recording_id, "frame": s.frame_index,
        "points_px": np.round(s.points_px, 4).tolist(),
        "visible": s.visible.astype(int).tolist(),
        "source": {k: v for k, v in asdict(s.source).items() if v},
        "created": s.created, "corrects": s.corrects,
    }


def landmark_set_from_dict(d: dict, where: str = "landmark set") -> LandmarkSet:
    src = get(d, "source", dict, where)
    source = LandmarkSource(**{k: get(src, k, str, f"{where}.source") for k in src
                               if k in ("kind", "name", "version", "sha256", "annotator_id")})
    points = get(d, "points_px", list, where)
    visible = get(d, "visible", list, where)
    try:
        points_px = np.asarray(points, dtype=np.float64)
        visible_arr = np.asarray(visible, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: points_px and visible must be lists of numbers") from None
    return LandmarkSet(
        id=get(d, "id", str, where), recording_id=get(d, "recording", str, where),
        frame_index=get(d, "frame", int, where, lo=0, hi=MAX_FRAMES), points_px=points_px, source=source,
        created=get(d, "created", str, where), visible=visible_arr.astype(bool),
        corrects=get(d, "corrects", str, where, default=None, optional=True),
    )


def project_to_dict(p: Project) -> dict:
    return {
        "format": FORMAT_ID,
        "schema_version": SCHEMA_VERSION,
        "name": p.name,
        "created": p.created,
        "protocol": p.protocol.to_dict(),
        "participants": [
            {"id": x.id, "group": x.group.value, "clinical_scores": x.clinical_scores,
             "consent_to_share": x.consent_to_share, "notes": x.notes}
            for x in p.participants.values()
        ],
        "sessions": [asdict(s) for s in p.sessions.values()],
        "recordings": [
            {"id": r.id, "session": r.session_id, "task": r.task_code, "fps": r.fps, "n_frames": r.n_frames,
             "camera": camera_to_dict(r.camera), "file": r.file, "truth_file": r.truth_file,
             "created": r.created, "notes": r.notes, "quality": r.quality}
            for r in p.recordings.values()
        ],
        "repetitions": [
            {"recording": r.recording_id, "start": r.start_frame, "end": r.end_frame, "source": r.source}
            for r in p.repetitions
        ],
        "landmark_sets": [landmark_set_to_dict(s) for s in p.landmark_sets.values()],
        "annotation_queue": [{"recording": q.recording_id, "frame": q.frame_index, "reason": q.reason}
                             for q in p.annotation_queue],
        "audit_log": [asdict(e) for e in p.audit_log],
    }


def project_from_dict(d: dict) -> Project:
    """Build a Project from a current-version dict. Raises ValueError (naming the field) on bad data."""
    p = Project(name=get(d, "name", str, "project"), protocol=Protocol.from_dict(get(d, "protocol", dict, "project")),
                created=get(d, "created", str, "project"))
    for i, x in enumerate(items(d, "participants", "project")):
        w = f"participants[{i}]"
        scores = get(x, "clinical_scores", dict, w, default={})
        p.add_participant(Participant(
            id=get(x, "id", str, w), group=Group.parse(get(x, "group", str, w)),
            clinical_scores={str(k): check(v, float, f"{w}.clinical_scores.{k}") for k, v in scores.items()},
            consent_to_share=get(x, "consent_to_share", bool, w, default=False),
            notes=get(x, "notes", str, w, default="")))
    for i, x in enumerate(items(d, "sessions", "project")):
        w = f"sessions[{i}]"
        p.add_session(Session(id=get(x, "id", str, w), participant_id=get(x, "participant_id", str, w),
                              date=get(x, "date", str, w), notes=get(x, "notes", str, w, default="")))
    for i, r in enumerate(items(d, "recordings", "project")):
        w = f"recordings[{i}]"
        truth = get(r, "truth_file", str, w, default=None, optional=True)
        p.add_recording(Recording(
            id=get(r, "id", str, w), session_id=get(r, "session", str, w), task_code=get(r, "task", str, w),
            fps=get(r, "fps", float, w, lo=1e-3, hi=MAX_FPS), n_frames=get(r, "n_frames", int, w, lo=0, hi=MAX_FRAMES),
            camera=camera_from_dict(get(r, "camera", dict, w), f"{w}.camera"),
            file=relative_path(get(r, "file", str, w), f"{w}.file"),
            truth_file=None if truth is None else relative_path(truth, f"{w}.truth_file"),
            created=get(r, "created", str, w), notes=get(r, "notes", str, w, default=""),
            quality=dict(get(r, "quality", dict, w, default={}))))
    for i, r in enumerate(items(d, "repetitions", "project")):
        w = f"repetitions[{i}]"
        p.add_repetition(Repetition(get(r, "recording", str, w), get(r, "start", int, w, lo=0, hi=MAX_FRAMES),
                                    get(r, "end", int, w, lo=0, hi=MAX_FRAMES),
                                    get(r, "source", str, w, default="manual")))
    # a correction refers to the set it corrects: add sets in dependency order
    pending = [landmark_set_from_dict(s, f"landmark_sets[{i}]")
               for i, s in enumerate(items(d, "landmark_sets", "project"))]
    while pending:
        ready = [s for s in pending if s.corrects is None or s.corrects in p.landmark_sets]
        if not ready:
            raise ValueError(f"landmark set {pending[0].id} corrects unknown set {pending[0].corrects}")
        for s in ready:
            p.add_landmark_set(s)
        pending = [s for s in pending if s.id not in p.landmark_sets]
    for i, q in enumerate(items(d, "annotation_queue", "project")):
        w = f"annotation_queue[{i}]"
        rec, frame = get(q, "recording", str, w), get(q, "frame", int, w, lo=0, hi=MAX_FRAMES)
        if rec not in p.recordings:
            raise ValueError(f"annotation queue: unknown recording {rec}")
        if not 0 <= frame < p.recordings[rec].n_frames:
            raise ValueError(f"annotation queue: frame {frame} is outside recording {rec}")
        p.annotation_queue.append(QueueItem(rec, frame, get(q, "reason", str, w, default="manual")))
    p.audit_log = [AuditEntry(*(get(e, k, str, f"audit_log[{i}]", default="") for k in ("time", "user", "action", "detail")))
                   for i, e in enumerate(items(d, "audit_log", "project", default=[]))]
    return p
