"""The Segment workspace's keyboard: the shortcut list for its help panel and the key -> action map.

:data:`SHORTCUTS` is what the help panel lists (mouse gestures included). :func:`key_action`
maps one key press to a call on the :class:`SegmentWorkspacePanel`, or None when the key is
not the workspace's (Ctrl+Z, Ctrl+S, Ctrl+1... go on to the main window). The panel also
claims these keys on ``ShortcutOverride``, so single-key window shortcuts cannot steal them
while the workspace has the keyboard focus.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt

#: (key, description) for the help panel, in the order shown there.
SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Space", "play / pause"),
    ("Left / Right", "previous / next frame (Shift: 10 frames)"),
    ("Home / End", "first / last frame"),
    ("- / +", "playback slower / faster (0.25x, 0.5x, 1x, 2x)"),
    ("[", "mark a repetition start at the current frame (also while playing)"),
    ("]", "close the repetition at the current frame: adds the span from the marked start"),
    ("Esc", "forget the marked start"),
    ("Tab / Shift+Tab", "select the next / previous repetition and go to its start"),
    ("Delete / Backspace", "delete the selected repetition"),
    ("S", "split the selected repetition at the current frame (the current frame starts the second part)"),
    ("M", "merge the selected repetition with the next one"),
    ("A", "accept the proposed repetitions of this recording (one undo step)"),
    ("Ctrl+Z / Ctrl+Shift+Z", "undo / redo (Edit menu)"),
    ("Click / drag on the timeline", "go to that frame"),
    ("Click a repetition", "select it (and go to the clicked frame)"),
    ("Drag a repetition's edge or body", "resize or move it (one undo step per drag)"),
    ("Wheel on the timeline", "zoom the time axis (the small A button in its corner fits it again)"),
    ("F1 or ?", "show / hide this list"),
)

K = Qt.Key


#: Keys typed with AltGr on some layouts ([ ] on a German keyboard), which Windows reports as Ctrl+Alt.
_CHARACTER_KEYS = (K.Key_BracketLeft, K.Key_BracketRight, K.Key_Question, K.Key_Plus, K.Key_Minus, K.Key_Equal)


def key_action(panel, event) -> Callable[[], None] | None:
    """The panel call for a key press, or None when the key is not the workspace's."""
    key, mods = event.key(), event.modifiers()
    mod = Qt.KeyboardModifier
    altgr = bool(mods & mod.ControlModifier) and bool(mods & mod.AltModifier)
    if mods & (mod.ControlModifier | mod.AltModifier | mod.MetaModifier) and not (altgr and key in _CHARACTER_KEYS):
        return None
    shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
    step = 10 if shift else 1
    actions = {
        K.Key_Space: panel.toggle_play,
        K.Key_Left: lambda: panel.step(-step),
        K.Key_Right: lambda: panel.step(step),
        K.Key_Home: lambda: panel.seek(0, pause=True),
        K.Key_End: lambda: panel.seek(panel.n_frames - 1, pause=True),
        K.Key_Minus: lambda: panel.change_speed(-1),
        K.Key_Plus: lambda: panel.change_speed(1),
        K.Key_Equal: lambda: panel.change_speed(1),
        K.Key_BracketLeft: panel.mark_start,
        K.Key_BracketRight: panel.mark_end,
        K.Key_Escape: panel.clear_mark,
        K.Key_Tab: lambda: panel.select_neighbour(1),
        K.Key_Backtab: lambda: panel.select_neighbour(-1),
        K.Key_Delete: panel.delete_selected,
        K.Key_Backspace: panel.delete_selected,
        K.Key_S: panel.split_selected,
        K.Key_M: panel.merge_selected,
        K.Key_A: panel.accept_proposals,
        K.Key_F1: panel.toggle_help,
        K.Key_Question: panel.toggle_help,
    }
    return actions.get(key)
