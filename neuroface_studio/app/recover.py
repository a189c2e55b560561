"""Find recording files the project does not list (a recorder that was killed before it
could update the project file) and add them back, so no recording is ever lost."""

from __future__ import annotations

from pathlib import Path

from neuroface_studio.app.live_session import session_for_today
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.domain.recordings import Recording
from neuroface_studio.store.errors import StoreError
from neuroface_studio.store.project_file import RECORDINGS_DIR, relative
from neuroface_studio.store.recording_file import RecordingReader


def find_orphans(session: ProjectSession) -> list[Path]:
    """Recording files in recordings/ that no Recording of the project points to."""
    listed = {(session.folder / r.file).resolve() for r in session.project.recordings.values()}
    folder = session.folder / RECORDINGS_DIR
    return sorted(p for p in folder.glob("*.h5") if p.resolve() not in listed) if folder.is_dir() else []


def recover_orphans(session: ProjectSession) -> tuple[list[str], list[str]]:
    """Add every readable orphan to the project (and save). Returns (recovered ids, problems)."""
    recovered, problems = [], []
    project = session.project
    for path in find_orphans(session):
        try:
            with RecordingReader(path) as r:
                rid, pid, n, complete = r.recording_id, r.participant_id, r.n_frames, r.complete
                task, fps, camera, created = r.task, r.fps, r.camera, r.created
        except StoreError as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        if rid in project.recordings:
            problems.append(f"{path.name}: the project already has a recording {rid}; rename the file to keep both")
            continue
        if pid not in project.participants:
            problems.append(f"{path.name}: participant {pid or '(not stored)'} is not in the project; add them first")
            continue
        if n == 0:
            problems.append(f"{path.name}: no frame reached the disk before the recorder stopped")
            continue
        project.add_recording(Recording(
            id=rid, session_id=session_for_today(session, pid, created[:10] if created else None), task_code=task, fps=fps, n_frames=n, camera=camera,
            file=relative(session.folder, path), created=created or "unknown",
            notes="recovered after an interrupted recording" + ("" if complete else f" ({n} frames up to the last flush)"),
            quality={"stop_reason": "" if complete else "interrupted"}))
        recovered.append(rid)
    if recovered:
        session.save("recover recordings", ", ".join(recovered))
    return recovered, problems
