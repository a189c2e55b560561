"""Plain-dict summaries of a project for `project info --json` and the GUI."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from neuroface_studio.domain.project import Project
from neuroface_studio.domain.recordings import Recording


def file_timing(path: Path, fps: float, n_frames: int) -> dict:
    """``duration_s``, ``fps_effective`` and ``duration_from`` of the recording file at ``path`` from
    its stored per-frame timestamps, else ("n_frames / fps") from its frame count and nominal rate."""
    from neuroface_studio.domain.timing import duration_from_timestamps, effective_fps
    from neuroface_studio.store.errors import StoreError
    from neuroface_studio.store.recording_file import read_timestamps
    try:
        ts = read_timestamps(Path(path))
    except (StoreError, OSError):
        ts = None
    if ts is not None and len(ts):
        return {"duration_s": round(duration_from_timestamps(ts, fps), 6),
                "fps_effective": round(effective_fps(ts, fps), 6), "duration_from": "timestamps"}
    return _nominal_timing(fps, n_frames)


def _nominal_timing(fps: float, n_frames: int) -> dict:
    return {"duration_s": round(n_frames / fps, 6), "fps_effective": round(fps, 6), "duration_from": "n_frames / fps"}


def recording_timing(recording: Recording, folder: Path | None) -> dict:
    """``duration_s`` and ``fps_effective`` of a recording from its stored per-frame timestamps.

    duration_s = last - first + one median frame interval (domain/timing.py), so a 30 fps clip
    of 90 frames lasts 3.0 s and a variable-rate or gappy one its real length; fps_effective =
    n_frames / duration_s. ``duration_from`` says which: "timestamps", or "n_frames / fps" when
    the recording file cannot be read (missing, damaged) or no folder is given.
    """
    if folder is not None:
        return file_timing(Path(folder) / recording.file, recording.fps, recording.n_frames)
    return _nominal_timing(recording.fps, recording.n_frames)


def recording_audio(recording: Recording, folder: Path | None) -> dict:
    """``{"audio": {sample_rate, channels, duration_s, start_s, offset_s, ...} or None}`` from the
    recording file's ``/audio`` (store/audio_store.py); empty when no folder is given or the file
    cannot be read (recording_timing already says so)."""
    if folder is None:
        return {}
    from neuroface_studio.store.errors import StoreError
    from neuroface_studio.store.recording_file import RecordingReader
    try:
        with RecordingReader(Path(folder) / recording.file) as reader:
            return {"audio": reader.audio_info()}
    except (StoreError, OSError):
        return {}


def recording_quality(project: Project, recording: Recording) -> dict:
    """``{"quality": verdict dict or None}``: the recording quality gate's verdict stored with the
    take (analysis/take_quality.py), or judged from its capture summary for a take recorded before
    the gate; None for a recording nothing is known of (simulated, recovered)."""
    from neuroface_studio.analysis.take_quality import recording_verdict
    task = project.protocol.task(recording.task_code) if recording.task_code in project.protocol.codes else None
    verdict = recording_verdict(recording, task)
    return {"quality": verdict.to_dict() if verdict is not None else None}


def project_summary(project: Project, folder: Path | None = None) -> dict:
    """JSON-compatible overview: participants (id, group, consent, sessions, recordings), counts.

    Each recording: ``n_frames``, ``fps`` (as stored: the camera's nominal rate for a live take,
    the effective rate n_frames / duration for an imported file), and, from its timestamps when
    ``folder`` (the project folder) is given, ``duration_s`` and ``fps_effective``
    (:func:`recording_timing`); ``quality``: the take's quality verdict (:func:`recording_quality`).
    """
    participants = []
    for p in sorted(project.participants.values(), key=lambda p: p.id):
        sessions = project.sessions_of(p.id)
        recs = [r for s in sessions for r in project.recordings_of(s.id)]
        participants.append({
            "id": p.id, "group": p.group.value, "consent_to_share": p.consent_to_share,
            "clinical_scores": p.clinical_scores, "sessions": [s.id for s in sessions],
            "recordings": [{"id": r.id, "task": r.task_code, "n_frames": r.n_frames, "fps": r.fps,
                            **recording_timing(r, folder), **recording_audio(r, folder),
                            **recording_quality(project, r)} for r in recs],
        })
    sources = Counter(s.source.label for s in project.landmark_sets.values())
    return {
        "name": project.name,
        "created": project.created,
        "protocol": {"name": project.protocol.name, "version": project.protocol.version,
                     "tasks": list(project.protocol.codes)},
        "groups": dict(Counter(p.group.value for p in project.participants.values())),
        "participants": participants,
        "n_recordings": len(project.recordings),
        "n_frames": sum(r.n_frames for r in project.recordings.values()),
        "n_repetitions": len(project.repetitions),
        "landmark_sets": dict(sources),
        "audit_entries": len(project.audit_log),
    }


def _audio_words(r: dict) -> str:
    a = r.get("audio")
    if not a:
        return ""
    return (f", audio {a['sample_rate'] / 1000:g} kHz {a['duration_s']:.2f} s"
            + (f" from {a['start_s']:.2f} s" if abs(a['start_s']) >= 0.0005 else ""))


def _quality_words(r: dict) -> str:
    q = r.get("quality")
    if not q:
        return ""
    from neuroface_studio.analysis.take_quality import LEVEL_WORDS
    return f", quality {q['level']}" + (f": {LEVEL_WORDS[q['level']]}" if q["level"] != "green" else "")


def format_summary(summary: dict) -> str:
    """Human-readable text of :func:`project_summary`."""
    lines = [f"Project: {summary['name']}  (created {summary['created']})",
             f"Protocol: {summary['protocol']['name']} v{summary['protocol']['version']}: "
             + ", ".join(summary["protocol"]["tasks"]),
             f"Participants: {len(summary['participants'])}  "
             + "  ".join(f"{g}={n}" for g, n in sorted(summary["groups"].items())),
             f"Recordings: {summary['n_recordings']}  frames: {summary['n_frames']}  "
             f"repetitions: {summary['n_repetitions']}"]
    for label, n in sorted(summary["landmark_sets"].items()):
        lines.append(f"Landmark sets by {label}: {n}")
    for p in summary["participants"]:
        tasks = ", ".join(f"{r['task']} ({r['n_frames']} fr, {r['duration_s']:.1f} s{_audio_words(r)}{_quality_words(r)})"
                          if "duration_s" in r else r["task"] for r in p["recordings"]) or "no recordings"
        consent = "consented" if p["consent_to_share"] else "no consent to share"
        lines.append(f"  {p['id']:<10} {p['group']:<6} {consent:<20} {tasks}")
    return "\n".join(lines)
