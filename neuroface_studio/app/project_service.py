"""An open project: the Project, its folder, its undo stack, and file access for the GUI/CLI.

Every view of a project listens to one change notification: :meth:`ProjectSession.subscribe`
registers ``fn(change)``; a :class:`Change` says what changed (``kind``) and where
(``recording_ids``). Edits through the undo stack (do, undo, redo) are announced by the session
itself; work outside it (a landmarking job wrote tracks, a recording was added) calls
:meth:`ProjectSession.notify`. Plain callbacks: no Qt here (the GUI bridges them to a signal once).
"""

from __future__ import annotations

import copy
import getpass
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from neuroface_studio.app.paths import protocol_file
from neuroface_studio.domain.project import Project
from neuroface_studio.domain.truth import GroundTruth
from neuroface_studio.edits.undo import Command, UndoStack
from neuroface_studio.store.errors import StoreError
from neuroface_studio.store.journal import Journal, journal_path
from neuroface_studio.store.project_file import create_project, load_project, remove_stale_temp_files, save_project
from neuroface_studio.store.protocol_file import load_protocol
from neuroface_studio.store.recording_file import RecordingReader
from neuroface_studio.store.truth_file import read_truth


log = logging.getLogger(__name__)

#: what a :class:`Change` can be about
CHANGE_KINDS = ("repetitions", "landmarks", "annotations", "participants", "recordings", "project")


@dataclass(frozen=True)
class Change:
    """One change of an open project: ``kind`` (one of CHANGE_KINDS) on ``recording_ids`` (empty:
    any or all recordings); ``label`` says what was done (an undo label, a job's summary)."""

    kind: str
    recording_ids: frozenset[str] = frozenset()
    label: str = ""

    def touches(self, recording_id: str | None) -> bool:
        """True when the change may concern ``recording_id``."""
        return not self.recording_ids or recording_id in self.recording_ids


def change_of(command: object) -> Change:
    """What an undo-stack command changes, from what it declares (``change_kind``,
    ``recording_ids``) or, failing that, from its type and ``recording_id``. A compound edit (its
    ``commands``) changes what its parts change: their kind when they agree (else "project") on
    the union of their recordings."""
    kind = getattr(command, "change_kind", None)
    parts = getattr(command, "commands", None)
    if kind is None and parts:
        changes = [change_of(c) for c in parts]
        kinds = {c.kind for c in changes}
        everywhere = any(not c.recording_ids for c in changes)
        return Change(kinds.pop() if len(kinds) == 1 else "project",
                      frozenset() if everywhere else frozenset().union(*(c.recording_ids for c in changes)),
                      getattr(command, "label", ""))
    if kind is None:
        name = type(command).__name__
        kind = ("repetitions" if "Repetition" in name or type(command).__module__.endswith("repetition_commands")
                else "annotations" if "Landmark" in name
                else "participants" if "Participant" in name else "project")
    ids = getattr(command, "recording_ids", None)
    if ids is None:
        one = getattr(command, "recording_id", None)
        if one is None:  # a landmark-set command: the set's recording
            lset = getattr(command, "set", None)
            set_id, project = getattr(command, "set_id", None), getattr(command, "project", None)
            if lset is None and set_id is not None and project is not None:
                lset = project.landmark_sets.get(set_id)
            one = getattr(lset, "recording_id", None)
        ids = () if one is None else (one,)
    return Change(kind, frozenset(ids), getattr(command, "label", ""))


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
        self._listeners: list[Callable[[Change], None]] = []
        self.undo.subscribe(self._undo_changed)

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

    # -- change notification ---------------------------------------------------------
    def subscribe(self, fn: Callable[[Change], None]) -> Callable[[], None]:
        """Call ``fn(change)`` after every change of the project; returns the function that unsubscribes."""
        self._listeners.append(fn)
        return lambda: self._listeners.remove(fn) if fn in self._listeners else None

    def notify(self, kind: str, recording_ids: Iterable[str] = (), label: str = "") -> None:
        """Announce a change made outside the undo stack (tracks written by a job, a recording added)."""
        if kind not in CHANGE_KINDS:
            raise ValueError(f"unknown change kind {kind!r}; use one of {', '.join(CHANGE_KINDS)}")
        self._announce(Change(kind, frozenset(recording_ids), label))

    def _announce(self, change: Change) -> None:
        for fn in list(self._listeners):
            try:
                fn(change)
            except Exception:  # noqa: BLE001 - one broken view must not stop the others from hearing it
                log.exception("a listener of %s failed", change)

    def _undo_changed(self) -> None:
        event, command = self.undo.last_event
        if event in ("push", "undo", "redo") and command is not None:
            self._announce(change_of(command))
        elif event in ("clear", "mark"):  # unknown extent: everything may have changed
            self._announce(Change("project", frozenset(), event))

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

    def open_recording_to_show(self, recording_id: str) -> RecordingReader:
        """:meth:`open_recording` for a view that shows frames: a file with no frame is a StoreError
        (the reader closed), like a file that cannot be read."""
        reader = self.open_recording(recording_id)
        if reader.n_frames == 0:
            reader.close()
            raise StoreError(f"{reader.path.name} holds no frames")
        return reader

    def truth(self, recording_id: str) -> GroundTruth | None:
        rec = self.project.recordings[recording_id]
        if not rec.truth_file:
            return None
        return read_truth(self.folder / rec.truth_file)
