"""The project aggregate: everything a study folder knows, except the frames themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from neuroface_studio.domain.annotations import LandmarkSet, QueueItem
from neuroface_studio.domain.participants import Participant, Session
from neuroface_studio.domain.protocol import Protocol
from neuroface_studio.domain.recordings import Recording, Repetition


def now_iso() -> str:
    """Current UTC time as an ISO 8601 string with seconds."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class AuditEntry:
    time: str
    user: str
    action: str
    detail: str = ""


@dataclass
class Project:
    """Participants, sessions, recordings, repetitions, landmark sets, audit log."""

    name: str
    protocol: Protocol
    created: str = field(default_factory=now_iso)
    participants: dict[str, Participant] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    recordings: dict[str, Recording] = field(default_factory=dict)
    repetitions: list[Repetition] = field(default_factory=list)
    landmark_sets: dict[str, LandmarkSet] = field(default_factory=dict)
    annotation_queue: list[QueueItem] = field(default_factory=list)  # frames to annotate, in order
    audit_log: list[AuditEntry] = field(default_factory=list)

    # -- changes (each validates references, each is logged) ------------------------
    def log(self, user: str, action: str, detail: str = "") -> None:
        self.audit_log.append(AuditEntry(now_iso(), user, action, detail))

    def add_participant(self, participant: Participant) -> None:
        if participant.id in self.participants:
            raise ValueError(f"participant {participant.id} already exists")
        self.participants[participant.id] = participant

    def add_session(self, session: Session) -> None:
        if session.participant_id not in self.participants:
            raise ValueError(f"session {session.id}: unknown participant {session.participant_id}")
        if session.id in self.sessions:
            raise ValueError(f"session {session.id} already exists")
        self.sessions[session.id] = session

    def add_recording(self, recording: Recording) -> None:
        if recording.session_id not in self.sessions:
            raise ValueError(f"recording {recording.id}: unknown session {recording.session_id}")
        if recording.id in self.recordings:
            raise ValueError(f"recording {recording.id} already exists")
        self.recordings[recording.id] = recording

    def add_repetition(self, rep: Repetition) -> None:
        rec = self.recordings.get(rep.recording_id)
        if rec is None:
            raise ValueError(f"repetition: unknown recording {rep.recording_id}")
        if rep.end_frame >= rec.n_frames:
            raise ValueError(f"repetition ends at frame {rep.end_frame} but {rec.id} has {rec.n_frames} frames")
        self.repetitions.append(rep)

    def add_landmark_set(self, ls: LandmarkSet) -> None:
        rec = self.recordings.get(ls.recording_id)
        if rec is None:
            raise ValueError(f"landmark set {ls.id}: unknown recording {ls.recording_id}")
        if ls.frame_index >= rec.n_frames:
            raise ValueError(f"landmark set {ls.id}: frame {ls.frame_index} beyond {rec.n_frames} frames")
        if ls.id in self.landmark_sets:
            raise ValueError(f"landmark set {ls.id} already exists")
        if ls.corrects is not None and ls.corrects not in self.landmark_sets:
            raise ValueError(f"landmark set {ls.id} corrects unknown set {ls.corrects}")
        self.landmark_sets[ls.id] = ls

    def remove_landmark_set(self, set_id: str) -> LandmarkSet:
        users = [s.id for s in self.landmark_sets.values() if s.corrects == set_id]
        if users:
            raise ValueError(f"landmark set {set_id} is corrected by {', '.join(users)}; remove those first")
        return self.landmark_sets.pop(set_id)

    # -- queries ---------------------------------------------------------------------
    def sessions_of(self, participant_id: str) -> list[Session]:
        return sorted((s for s in self.sessions.values() if s.participant_id == participant_id), key=lambda s: s.date)

    def recordings_of(self, session_id: str) -> list[Recording]:
        return sorted((r for r in self.recordings.values() if r.session_id == session_id), key=lambda r: r.id)

    def participant_of(self, recording_id: str) -> Participant:
        rec = self.recordings[recording_id]
        return self.participants[self.sessions[rec.session_id].participant_id]

    def repetitions_of(self, recording_id: str) -> list[Repetition]:
        return sorted((r for r in self.repetitions if r.recording_id == recording_id), key=lambda r: r.start_frame)

    def annotation_of(self, recording_id: str, frame_index: int, annotator_id: str) -> LandmarkSet | None:
        """The (latest) landmark set of ``annotator_id`` on that frame, or None."""
        found = [s for s in self.landmark_sets_of(recording_id, frame_index)
                 if s.source.kind == "annotator" and s.source.annotator_id == annotator_id]
        return max(found, key=lambda s: s.created) if found else None

    def annotators(self) -> list[str]:
        """IDs of everyone who has annotated a frame in this project (sorted)."""
        return sorted({s.source.annotator_id for s in self.landmark_sets.values() if s.source.kind == "annotator"})

    def landmark_sets_of(self, recording_id: str, frame_index: int | None = None) -> list[LandmarkSet]:
        return [s for s in self.landmark_sets.values()
                if s.recording_id == recording_id and (frame_index is None or s.frame_index == frame_index)]
