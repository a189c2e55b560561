"""The landmark editor's keyboard: the shortcut list for the help panel and the key -> action map.

:data:`SHORTCUTS` is what :meth:`LandmarkEditor.shortcuts` returns (mouse gestures included, so the
help panel shows everything). :func:`key_action` maps one key press to a call on the editor, or to
None when the key is not the editor's (Ctrl+Z, Ctrl+S... go on to the workspace). The view also
claims these keys on ``ShortcutOverride``, so window-wide single-key shortcuts cannot steal them
while the editor has the keyboard focus.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt

from neuroface_studio.domain.landmarks import N_LANDMARKS

#: (key, description) for the help panel, in the order shown there.
SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Drag a point", "move the point (or the whole selection if the point is selected)"),
    ("Drag on empty space", "rectangle select (Shift/Ctrl: add to the selection)"),
    ("Alt+drag, or L then drag", "lasso select (L toggles lasso mode)"),
    ("Shift/Ctrl+click", "add or remove a point from the selection"),
    ("Ctrl+A", "select all points"),
    ("Esc", "cancel the drag in progress, else clear the selection"),
    ("Tab / Shift+Tab", "select the next / previous point"),
    ("G / Shift+G", "select the next / previous group (jaw, brows, nose, eyes, lips)"),
    ("Arrow keys", "nudge the selection by about one screen pixel (Shift: 10x); presses less than 0.5 s apart "
                   "are one undo step; with nothing selected: pan"),
    ("R+drag", "rotate the selection about its centroid"),
    ("[ / ]", "rotate the selection by -1 / +1 degree (Shift: 5 degrees)"),
    ("S+drag", "scale the selection about its centroid"),
    (", / .", "shrink / grow the selection by 1% (Shift: 5%)"),
    ("Shift+wheel", "scale the selection"),
    ("V", "toggle visibility (occluded) of the selected points"),
    ("M", "mirror: the left/right partners of the selected points get the same edit (since the frame "
          "was opened), mirrored about the face's midline"),
    ("Backspace", "reset the selection (or all points) to the model proposal"),
    ("P", "copy the selection (or all points) from the previous annotated frame"),
    ("Wheel / + / -", "zoom in / out (about the cursor / the centre)"),
    ("0", "fit the frame in the window"),
    ("1", "zoom to 100% (one screen pixel per image pixel)"),
    ("Middle drag, Space+drag", "pan"),
    ("Ctrl+arrow keys", "pan"),
    ("H", "hide / show the connecting lines"),
)

K = Qt.Key
_ARROWS = {K.Key_Left: (-1, 0), K.Key_Right: (1, 0), K.Key_Up: (0, -1), K.Key_Down: (0, 1)}
_SHIFTED = {K.Key_BracketLeft: K.Key_BraceLeft, K.Key_BracketRight: K.Key_BraceRight,
            K.Key_Comma: K.Key_Less, K.Key_Period: K.Key_Greater}


def key_action(editor, event) -> Callable[[], None] | None:
    """The editor call for a key press, or None when the key is not one of the editor's."""
    key, mods = event.key(), event.modifiers()
    if mods & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier):
        return None
    ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
    shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
    if key in _ARROWS:
        dx, dy = _ARROWS[key]
        if ctrl or not editor.selection():
            return lambda: editor.pan_by(-dx * 60, -dy * 60)
        step = editor.nudge_step() * (10 if shift else 1)
        return lambda: editor.nudge(dx * step, dy * step)
    if ctrl:
        return (lambda: editor.set_selection(range(N_LANDMARKS))) if key == K.Key_A else None
    if shift:
        key = _SHIFTED.get(key, key)
    actions = {
        K.Key_BracketLeft: lambda: editor.rotate_selection(-1.0),
        K.Key_BracketRight: lambda: editor.rotate_selection(1.0),
        K.Key_BraceLeft: lambda: editor.rotate_selection(-5.0),
        K.Key_BraceRight: lambda: editor.rotate_selection(5.0),
        K.Key_Comma: lambda: editor.scale_selection(1 / 1.01),
        K.Key_Period: lambda: editor.scale_selection(1.01),
        K.Key_Less: lambda: editor.scale_selection(1 / 1.05),
        K.Key_Greater: lambda: editor.scale_selection(1.05),
        K.Key_V: editor.toggle_visibility,
        K.Key_M: editor.mirror_selection,
        K.Key_Backspace: editor.reset_to_proposal,
        K.Key_P: editor.copy_previous,
        K.Key_Plus: lambda: editor.zoom_by(1.25),
        K.Key_Equal: lambda: editor.zoom_by(1.25),
        K.Key_Minus: lambda: editor.zoom_by(0.8),
        K.Key_0: editor.zoom_fit,
        K.Key_1: lambda: editor.zoom_to(1.0),
        K.Key_H: lambda: editor.set_lines_visible(not editor.overlay.lines_visible),
        K.Key_L: editor.toggle_lasso_mode,
        K.Key_Tab: lambda: editor.step_point(1),
        K.Key_Backtab: lambda: editor.step_point(-1),
        K.Key_G: lambda: editor.step_group(-1 if shift else 1),
        K.Key_Escape: editor.escape,
    }
    return actions.get(key)


def claims_key(editor, event) -> bool:
    """Whether the editor handles this key (also the held keys R, S and Space). No side effects."""
    held = event.key() in (K.Key_R, K.Key_S, K.Key_Space)
    if held and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
        return True
    return key_action(editor, event) is not None
