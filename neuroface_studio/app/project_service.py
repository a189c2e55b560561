"""An open project: the Project, its folder, its undo stack, and file access for the GUI/CLI."""

from __future__ import annotations

import copy
import getpass
from pathlib import Path

from neuroface_studio.app.paths import protocol_file
from neuroface_studio.domain.project import Project
from neuroface_studio.domain.truth import GroundTruth
from neuroface_studio.edits.undo import Command, UndoStack
from neuroface_studio.store.journal import Journal
from neuroface_studio.store.project_file import create_project, load_project, save_project
from neuroface_studio.store.protocol_file import load_protocol
from neuroface_studio.store.recording_file import RecordingReader
from neuroface_studio.store.truth_file import read_truth


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "unknown"


class ProjectSession:
    """One open project folder. Edits go through :meth:`apply` so they can be undone."""

    def __init__(self, folder: Path, project: Project) -> None:
        self.folder = Path(folder)
        self.project = project
        self.undo = UndoStack()

    @classmethod
    def open(cls, folder: Path) -> "ProjectSession":
        """Open a project folder (or the project file inside it)."""
        folder = Path(folder)
        project = load_project(folder)
        return cls(folder.parent if folder.is_file() else folder, project)

    @classmethod
    def create(cls, folder: Path, name: str | None = None, protocol_path: Path | None = None) -> "ProjectSession":
        protocol = load_protocol(protocol_path or protocol_file())
        project = Project(name=name or Path(folder).name, protocol=protocol)
        project.log(current_user(), "create project", f"protocol {protocol.name} v{protocol.version}")
        create_project(folder, project)
        return cls(folder, project)

    def snapshot(self) -> "ProjectSession":
        """A deep copy of the project in a session of its own: what a background job reads while the
        GUI thread goes on editing the original (the copy is never saved)."""
        return ProjectSession(self.folder, copy.deepcopy(self.project))

    # -- edits -----------------------------------------------------------------------
    def apply(self, command: Command, merge: bool = False) -> None:
        self.undo.push(command, merge=merge)

    @property
    def dirty(self) -> bool:
        return not self.undo.is_clean

    def save(self, action: str = "save", detail: str = "") -> None:
        """Save atomically; the audit log records who saved and which edits the save holds."""
        edits = self.undo.labels_since_clean()
        self.project.log(current_user(), action, "; ".join(([detail] if detail else []) + edits))
        try:
            save_project(self.project, self.folder)
        except BaseException:
            self.project.audit_log.pop()  # nothing was saved: no audit entry claims it was
            raise
        self.undo.set_clean()
        Journal(self.folder).clear()  # the project file now holds every journaled edit

    # -- files -----------------------------------------------------------------------
    def recording_path(self, recording_id: str) -> Path:
        return self.folder / self.project.recordings[recording_id].file

    def open_recording(self, recording_id: str) -> RecordingReader:
        return RecordingReader(self.recording_path(recording_id))

    def truth(self, recording_id: str) -> GroundTruth | None:
        rec = self.project.recordings[recording_id]
        if not rec.truth_file:
            return None
        return read_truth(self.folder / rec.truth_file)
