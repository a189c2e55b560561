"""Undoable commands on a Project (participant details, landmark edits)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from neuroface_studio.domain.annotations import LandmarkSet
from neuroface_studio.domain.participants import Group, Participant
from neuroface_studio.domain.project import Project
from neuroface_studio.edits.undo import Command


class EditParticipant(Command):
    """Change a participant's group, consent flag, notes or clinical scores."""

    EDITABLE = frozenset({"group", "consent_to_share", "notes", "clinical_scores"})

    def __init__(self, project: Project, participant_id: str, **changes) -> None:
        bad = set(changes) - self.EDITABLE
        if bad:
            raise ValueError(f"cannot edit {', '.join(sorted(bad))} of a participant; editable: "
                             + ", ".join(sorted(self.EDITABLE)))
        self.project = project
        self.pid = participant_id
        if "group" in changes:
            changes["group"] = Group.parse(changes["group"]) if not isinstance(changes["group"], Group) else changes["group"]
        self.old = project.participants[participant_id]
        self.new = replace(self.old, **changes)
        self.label = f"edit participant {participant_id}"

    def do(self) -> None:
        self.project.participants[self.pid] = self.new

    def undo(self) -> None:
        self.project.participants[self.pid] = self.old


class AddLandmarkSet(Command):
    def __init__(self, project: Project, landmark_set: LandmarkSet) -> None:
        self.project = project
        self.set = landmark_set
        self.label = f"add landmarks on frame {landmark_set.frame_index}"

    def do(self) -> None:
        self.project.add_landmark_set(self.set)

    def undo(self) -> None:
        self.project.remove_landmark_set(self.set.id)


class MoveLandmarks(Command):
    """Move some points of a landmark set. A drag pushes many of these with merge=True."""

    def __init__(self, project: Project, set_id: str, indices, new_px: np.ndarray) -> None:
        self.project = project
        self.set_id = set_id
        self.indices = np.asarray(indices, dtype=int)
        points = project.landmark_sets[set_id].points_px
        self.old = points[self.indices].copy()
        self.new = np.asarray(new_px, dtype=np.float64).reshape(len(self.indices), 2).copy()
        if not np.all(np.isfinite(self.new)):
            raise ValueError("landmark positions must be finite numbers")
        self.label = f"move {len(self.indices)} landmark(s)"

    def _set(self, values: np.ndarray) -> None:
        self.project.landmark_sets[self.set_id].points_px[self.indices] = values

    def do(self) -> None:
        self._set(self.new)

    def undo(self) -> None:
        self._set(self.old)

    def merge_with(self, newer: Command) -> bool:
        if isinstance(newer, MoveLandmarks) and newer.set_id == self.set_id and np.array_equal(newer.indices, self.indices):
            self.new = newer.new
            return True
        return False


class AddParticipant(Command):
    """Add a new participant (pseudonym, group, consent); undo removes it again.

    Undo refuses (ValueError, nothing changed) once the participant has sessions or
    recordings: those were saved with the project and are never deleted by an undo.
    """

    def __init__(self, project: Project, participant: Participant) -> None:
        if participant.id in project.participants:
            raise ValueError(f"participant {participant.id} already exists")
        self.project = project
        self.participant = participant
        self.label = f"add participant {participant.id}"

    def do(self) -> None:
        self.project.add_participant(self.participant)

    def undo(self) -> None:
        pid = self.participant.id
        if self.project.sessions_of(pid):
            raise ValueError(f"participant {pid} already has sessions or recordings; it cannot be removed by undo")
        del self.project.participants[pid]
