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

FORMAT_ID = "neuroface-studio-project"
SCHEMA_VERSION = 2  # 2: annotation_queue


def _intr_to(i: Intrinsics) -> dict:
    d = asdict(i)
    d["coeffs"] = list(i.coeffs)
    return d


def _intr_from(d: dict) -> Intrinsics:
    return Intrinsics(**{**d, "coeffs": tuple(d.get("coeffs", (0.0,) * 5))})


def camera_to_dict(c: CameraInfo) -> dict:
    return {
        "color": _intr_to(c.color), "depth": _intr_to(c.depth),
        "depth_to_color": {"rotation": list(c.depth_to_color.rotation),
                           "translation_m": list(c.depth_to_color.translation_m)},
        "depth_scale_m": c.depth_scale_m, "depth_aligned_to_color": c.depth_aligned_to_color,
        "device": c.device,
    }


def camera_from_dict(d: dict) -> CameraInfo:
    ext = d.get("depth_to_color", {})
    return CameraInfo(
        color=_intr_from(d["color"]), depth=_intr_from(d["depth"]),
        depth_to_color=Extrinsics(tuple(ext.get("rotation", Extrinsics().rotation)),
                                  tuple(ext.get("translation_m", (0.0, 0.0, 0.0)))),
        depth_scale_m=float(d.get("depth_scale_m", 0.001)),
        depth_aligned_to_color=bool(d.get("depth_aligned_to_color", True)),
        device=str(d.get("device", "unknown")),
    )


def landmark_set_to_dict(s: LandmarkSet) -> dict:
    return {
        "id": s.id, "recording": s.recording_id, "frame": s.frame_index,
        "points_px": np.round(s.points_px, 4).tolist(),
        "visible": s.visible.astype(int).tolist(),
        "source": {k: v for k, v in asdict(s.source).items() if v},
        "created": s.created, "corrects": s.corrects,
    }


def landmark_set_from_dict(d: dict) -> LandmarkSet:
    return LandmarkSet(
        id=d["id"], recording_id=d["recording"], frame_index=int(d["frame"]),
        points_px=np.asarray(d["points_px"], dtype=np.float64), source=LandmarkSource(**d["source"]),
        created=d["created"], visible=np.asarray(d["visible"], dtype=bool), corrects=d.get("corrects"),
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
    """Build a Project from a current-version dict. Raises KeyError/ValueError/TypeError on bad data."""
    p = Project(name=d["name"], protocol=Protocol.from_dict(d["protocol"]), created=d["created"])
    for x in d["participants"]:
        p.add_participant(Participant(
            id=x["id"], group=Group.parse(x["group"]),
            clinical_scores={k: float(v) for k, v in x.get("clinical_scores", {}).items()},
            consent_to_share=bool(x.get("consent_to_share", False)), notes=x.get("notes", "")))
    for s in d["sessions"]:
        p.add_session(Session(**s))
    for r in d["recordings"]:
        p.add_recording(Recording(
            id=r["id"], session_id=r["session"], task_code=r["task"], fps=float(r["fps"]),
            n_frames=int(r["n_frames"]), camera=camera_from_dict(r["camera"]), file=r["file"],
            truth_file=r.get("truth_file"), created=r["created"], notes=r.get("notes", ""),
            quality=dict(r.get("quality", {}))))
    for r in d["repetitions"]:
        p.add_repetition(Repetition(r["recording"], int(r["start"]), int(r["end"]), r.get("source", "manual")))
    # a correction refers to the set it corrects: add sets in dependency order
    pending = [landmark_set_from_dict(s) for s in d["landmark_sets"]]
    while pending:
        ready = [s for s in pending if s.corrects is None or s.corrects in p.landmark_sets]
        if not ready:
            raise ValueError(f"landmark set {pending[0].id} corrects unknown set {pending[0].corrects}")
        for s in ready:
            p.add_landmark_set(s)
        pending = [s for s in pending if s.id not in p.landmark_sets]
    for q in d["annotation_queue"]:
        if q["recording"] not in p.recordings:
            raise ValueError(f"annotation queue: unknown recording {q['recording']}")
        p.annotation_queue.append(QueueItem(q["recording"], int(q["frame"]), str(q.get("reason", "manual"))))
    p.audit_log = [AuditEntry(**e) for e in d.get("audit_log", [])]
    return p
