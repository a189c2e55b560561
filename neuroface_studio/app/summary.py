"""Plain-dict summaries of a project for `project info --json` and the GUI."""

from __future__ import annotations

from collections import Counter

from neuroface_studio.domain.project import Project


def project_summary(project: Project) -> dict:
    """JSON-compatible overview: participants (id, group, consent, sessions, recordings), counts."""
    participants = []
    for p in sorted(project.participants.values(), key=lambda p: p.id):
        sessions = project.sessions_of(p.id)
        recs = [r for s in sessions for r in project.recordings_of(s.id)]
        participants.append({
            "id": p.id, "group": p.group.value, "consent_to_share": p.consent_to_share,
            "clinical_scores": p.clinical_scores, "sessions": [s.id for s in sessions],
            "recordings": [{"id": r.id, "task": r.task_code, "n_frames": r.n_frames, "fps": r.fps} for r in recs],
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
        tasks = ", ".join(r["task"] for r in p["recordings"]) or "no recordings"
        consent = "consented" if p["consent_to_share"] else "no consent to share"
        lines.append(f"  {p['id']:<10} {p['group']:<6} {consent:<20} {tasks}")
    return "\n".join(lines)
