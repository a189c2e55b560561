"""The annotation journal: every landmark edit on disk within milliseconds, before any save.

``<project>/project.nfs.journal.jsonl`` holds one JSON line per change made since the last
save of the project file: ``{"time", "user", "op": "put" | "remove", "set": {...}}`` (``set``
in the project file's landmark-set format; ``remove`` carries only ``{"id"}``). Each line is
written with one ``write`` + ``flush`` + ``fsync``, so a crash, a kill or a power cut loses at
most the edit being written, and a torn last line is recognised and skipped on reading.

When the project is saved the journal is emptied (the project file then holds everything).
When a project is opened and the journal is not empty, the app was not closed cleanly: the
caller replays the lines onto the loaded project (:func:`read_journal`), which is then unsaved.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from neuroface_studio.domain.annotations import LandmarkSet
from neuroface_studio.store.codec import landmark_set_from_dict, landmark_set_to_dict
from neuroface_studio.store.errors import StoreError
from neuroface_studio.store import json_text

JOURNAL_FILENAME = "project.nfs.journal.jsonl"


class JournalError(StoreError):
    """The journal cannot be written (disk full, read-only folder...)."""


@dataclass
class JournalEntry:
    time: str
    user: str
    op: str  # "put" or "remove"
    set_id: str
    landmark_set: LandmarkSet | None  # None for "remove"


def journal_path(folder: Path) -> Path:
    return Path(folder) / JOURNAL_FILENAME


class Journal:
    """Appends edits to the journal of the project in ``folder``. The file is opened for each
    edit (an fsync costs far more than an open), so a journal emptied by a save in another
    object is never written through a stale descriptor."""

    def __init__(self, folder: Path) -> None:
        self.path = journal_path(folder)

    def put(self, landmark_set: LandmarkSet, time: str, user: str) -> None:
        self._append({"time": time, "user": user, "op": "put", "set": landmark_set_to_dict(landmark_set)})

    def remove(self, set_id: str, time: str, user: str) -> None:
        self._append({"time": time, "user": user, "op": "remove", "set": {"id": set_id}})

    def _append(self, record: dict) -> None:
        line = (json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            raise JournalError(f"cannot write the annotation journal {self.path}: {exc.strerror}; "
                               "check that the project folder is writable, then save the project") from exc
        try:
            written = os.write(fd, line)
            if written != len(line):
                raise OSError(28, "short write (disk full?)")
            os.fsync(fd)
        except OSError as exc:
            raise JournalError(f"the last edit could not be written to {self.path} ({exc.strerror or exc}); "
                               "free disk space, then save the project: the edit is still in memory") from exc
        finally:
            os.close(fd)

    def clear(self) -> None:
        """Empty the journal (after the project file was saved with everything in it)."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            raise JournalError(f"cannot remove the annotation journal {self.path}: {exc.strerror}") from exc


def read_journal(folder: Path) -> tuple[list[JournalEntry], int]:
    """The journal's entries in order, and how many damaged lines were skipped (a torn last
    line after a crash is the usual one). ``([], 0)`` when there is no journal."""
    path = journal_path(folder)
    if not path.exists():
        return [], 0
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise JournalError(f"cannot read the annotation journal {path}: {exc.strerror}") from exc
    entries, skipped = [], 0
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            rec = json_text.loads(line)
            op = rec["op"]
            if op == "put":
                ls = landmark_set_from_dict(rec["set"])
                entries.append(JournalEntry(rec["time"], rec["user"], op, ls.id, ls))
            elif op == "remove":
                entries.append(JournalEntry(rec["time"], rec["user"], op, str(rec["set"]["id"]), None))
            else:
                skipped += 1
        except (ValueError, KeyError, TypeError):
            skipped += 1
    return entries, skipped
