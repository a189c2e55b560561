"""An open project: the Project, its folder, its undo stack, and file access for the GUI/CLI."""

from __future__ import annotations

import copy
import getpass
from collections.abc import Callable
from pathlib import Path

from neuroface_studio.app.paths import protocol_file
from neuroface_studio.domain.project import Project
from neuroface_studio.domain.truth import GroundTruth
from neuroface_studio.edits.undo import Command, UndoStack
from neuroface_studio.store.journal import Journal, journal_path
from neuroface_studio.store.project_file import create_project, load_project, remove_stale_temp_files, save_project
from neuroface_studio.store.protocol_file import load_protocol
from neuroface_studio.store.recording_file import RecordingReader
from neuroface_studio.store.truth_file import read_truth


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "unknown"


def _journal_has_edits(folder: Path) -> bool:
    path = journal_path(folder)
    try:
        return path.is_file() and path.stat().st_size > 0
    except OSError:
        return False


class ProjectSession:
    """One open project folder. Edits go through :meth:`apply` so they can be undone.

    The annotation journal: edits journaled by a session that did not save (a crash, a kill)
    belong to that session until someone recovers or discards them
    (:func:`~neuroface_studio.app.annotation.recover_journal` / ``discard_journal``). While such
    a journal is pending (``journal_pending``), :meth:`save` keeps it: no other command that
    saves may delete edits nobody has seen.
    """

    #: called with (folder, journal path) when a project is opened with a pending journal
    #: (the CLI prints a note; the GUI offers recovery). None: nothing is said.
    on_pending_journal: Callable[[Path, Path], None] | None = None

    def __init__(self, folder: Path, project: Project) -> None:
        self.folder = Path(folder)
        self.project = project
        self.undo = UndoStack()
        self.journal_pending = False  # a journal left by another (crashed) session, not yet recovered

    @classmethod
    def open(cls, folder: Path) -> "ProjectSession":
        """Open a project folder (or the project file inside it)."""
        folder = Path(folder)
        project = load_project(folder)
        session = cls(folder.parent if folder.is_file() else folder, project)
        remove_stale_temp_files(session.folder)  # left by saves that were killed before their rename
        session.journal_pending = _journal_has_edits(session.folder)
        if session.journal_pending and cls.on_pending_journal is not None:
            cls.on_pending_journal(session.folder, journal_path(session.folder))
        return session

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
        snap = ProjectSession(self.folder, copy.deepcopy(self.project))
        snap.journal_pending = self.journal_pending
        return snap

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
        if not self.journal_pending:
            Journal(self.folder).clear()  # the project file now holds every edit this session journaled

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
