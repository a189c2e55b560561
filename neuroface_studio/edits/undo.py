"""A Qt-free undo stack (after glue's CommandStack and napari's drag-as-one-step).

A :class:`Command` knows how to ``do`` and ``undo`` itself. Consecutive commands that
``merge_with`` each other (the steps of one drag) collapse into one undo step. The stack
tracks a *clean* index so the GUI can tell whether there are unsaved changes, and tells
listeners after every change (the GUI subscribes; the stack never knows the GUI).
"""

from __future__ import annotations

from typing import Callable


class Command:
    """Base class. Subclasses set ``label`` and implement ``do`` and ``undo``."""

    label: str = "edit"

    def do(self) -> None:
        raise NotImplementedError

    def undo(self) -> None:
        raise NotImplementedError

    def merge_with(self, newer: "Command") -> bool:
        """Absorb ``newer`` (already done) into self and return True, or return False."""
        return False


class CompoundCommand(Command):
    """Several commands done and undone as one undo step (a bulk accept: one Ctrl+Z restores all).

    ``do`` runs them in order and ``undo`` in reverse; if one fails, those already done are
    undone again, so the document is never left half changed.
    """

    def __init__(self, commands: list[Command], label: str) -> None:
        if not commands:
            raise ValueError("a compound edit needs at least one command")
        self.commands = list(commands)
        self.label = label

    def do(self) -> None:
        done: list[Command] = []
        try:
            for cmd in self.commands:
                cmd.do()
                done.append(cmd)
        except Exception:
            for cmd in reversed(done):
                cmd.undo()
            raise

    def undo(self) -> None:
        for cmd in reversed(self.commands):
            cmd.undo()


class UndoStack:
    def __init__(self, limit: int = 1000) -> None:
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._clean: int | None = 0  # len(self._done) at the last save; None = unreachable
        self._limit = limit
        self._listeners: list[Callable[[], None]] = []
        self._merge_open = False
        self._since_clean: list[str] = []  # what happened since the last save, for the audit log
        #: what the last change was, for listeners: ("push" | "undo" | "redo", the command) or
        #: ("clear" | "mark" | "clean", None)
        self.last_event: tuple[str, Command | None] = ("clean", None)

    # -- listeners -------------------------------------------------------------------
    def subscribe(self, fn: Callable[[], None]) -> None:
        self._listeners.append(fn)

    def _changed(self) -> None:
        for fn in list(self._listeners):
            fn()

    # -- operations ------------------------------------------------------------------
    def push(self, cmd: Command, merge: bool = False) -> None:
        """Do ``cmd`` and record it. With ``merge`` it may join the previous command."""
        cmd.do()
        self._undone.clear()
        merging = merge and self._merge_open and bool(self._done)
        if self._clean is not None and self._clean > len(self._done):
            self._clean = None
        if merging and self._done[-1].merge_with(cmd):
            if self._clean == len(self._done):
                self._clean = None
        else:
            self._since_clean.append(cmd.label)
            self._done.append(cmd)
            if len(self._done) > self._limit:
                self._done.pop(0)
                self._clean = None if self._clean in (None, 0) else self._clean - 1
        self._merge_open = merge
        self.last_event = ("push", cmd)
        self._changed()

    def end_merge(self) -> None:
        """Close the current merge run (call at the end of a drag)."""
        self._merge_open = False

    def undo(self) -> str | None:
        if not self._done:
            return None
        cmd = self._done[-1]
        cmd.undo()  # if this raises, the stack is unchanged
        self._undone.append(self._done.pop())
        self._since_clean.append(f"undo {cmd.label}")
        self._merge_open = False
        self.last_event = ("undo", cmd)
        self._changed()
        return cmd.label

    def redo(self) -> str | None:
        if not self._undone:
            return None
        cmd = self._undone[-1]
        cmd.do()  # if this raises, the stack is unchanged
        self._done.append(self._undone.pop())
        self._since_clean.append(f"redo {cmd.label}")
        self._merge_open = False
        self.last_event = ("redo", cmd)
        self._changed()
        return cmd.label

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._clean = 0
        self._since_clean.clear()
        self.last_event = ("clear", None)
        self._changed()

    def mark_changed(self, label: str) -> None:
        """The document changed outside the stack (e.g. unsaved edits replayed after a crash): it is
        now unsaved, nothing new can be undone, and ``label`` goes to the audit log with the next save."""
        self._clean = None
        self._since_clean.append(label)
        self._merge_open = False
        self.last_event = ("mark", None)
        self._changed()

    def set_clean(self) -> None:
        """Mark the current state as saved."""
        self._clean = len(self._done)
        self._since_clean.clear()
        self._merge_open = False
        self.last_event = ("clean", None)
        self._changed()

    # -- queries ---------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_label(self) -> str | None:
        return self._done[-1].label if self._done else None

    @property
    def redo_label(self) -> str | None:
        return self._undone[-1].label if self._undone else None

    def labels_since_clean(self) -> list[str]:
        """What was done, undone and redone since the last save, in order (for the audit log)."""
        return list(self._since_clean)

    @property
    def is_clean(self) -> bool:
        return self._clean == len(self._done)
