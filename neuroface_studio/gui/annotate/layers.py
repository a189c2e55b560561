"""Layers of the Annotate workspace: which points the editor shows, and keeping read-only layers
read-only.

:func:`layer_points` decides what the editor shows on a frame for the layer chosen: the
annotator's own points, else the model proposal, else (no face found) a start to drag into place;
another annotator's points or the consensus, read-only. :class:`ReadOnlyFilter` swallows the
edit gestures and keys on the editor while a read-only layer is shown (zoom and pan still work).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt

from neuroface_studio.app import annotation as ann
from neuroface_studio.gui.annotate.panels import CONSENSUS, MINE, OTHER

# keys that only look (zoom, pan, lines): allowed on a read-only layer
_VIEW_KEYS = {Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus, Qt.Key.Key_0, Qt.Key.Key_1, Qt.Key.Key_H,
              Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Escape, Qt.Key.Key_Space}
_MOUSE_EDIT = {QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick}


class ReadOnlyFilter(QObject):
    """Swallows edit gestures (left button) and editing keys while a read-only layer is shown."""

    def __init__(self, parent: QObject, editable) -> None:
        super().__init__(parent)
        self.editable = editable  # () -> bool: whether the layer shown may be edited

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if self.editable():
            return False
        t = event.type()
        if t in _MOUSE_EDIT and event.button() == Qt.MouseButton.LeftButton:
            return True
        return t == QEvent.Type.KeyPress and event.key() not in _VIEW_KEYS


def generic_face(image_shape) -> np.ndarray:
    """A neutral 68-point face centred in the image (45% of its height): the start when the model
    finds no face and nothing else is known about the frame."""
    import json

    from neuroface_studio.simulation.face_model import FACE_JSON
    pts = np.asarray(json.loads(FACE_JSON.read_text())["points_px"], dtype=np.float64)
    h, w = image_shape[:2]
    pts = (pts - pts.mean(axis=0)) * (0.45 * h / np.ptp(pts[:, 1]))
    return pts + [w / 2.0, h / 2.0]


def layer_points(svc, layer: tuple[str, str], key: tuple[str, int], prop, image_shape):
    """What the editor shows for ``layer`` ((kind, annotator)) on frame ``key``: ``(points (68, 2),
    visible (68,), what they are, the proposal points for reset, a message for the annotator)``.
    ``prop``: the model's Proposal or None (no face found); points are None when there is nothing
    to show on a read-only layer."""
    rid, frame = key
    kind, other = layer
    if kind == CONSENSUS:
        cons = ann.consensus_of(svc.session, rid, frame)
        if cons is not None:
            return cons[0], cons[1], "the consensus (read-only)", None, ""
        msg = "Nobody has annotated this frame yet: showing the model proposal (read-only)."
    elif kind == OTHER:
        ls = svc.annotation(rid, frame, other)
        if ls is not None:
            return ls.points_px, ls.visible, f"{other}'s points (read-only)", None, ""
        msg = f"{other} has not annotated this frame: showing the model proposal (read-only)."
    else:
        msg = ""
        own = svc.annotation(rid, frame)
        if own is not None:
            return own.points_px, own.visible, "your points", None if prop is None else prop.points_px, ""
    if prop is not None:
        return prop.points_px, prop.visible, f"the model proposal ({prop.source.name})", prop.points_px, msg
    if kind != MINE:
        return None, None, "", None, msg.replace("the model proposal", "nothing (no face found)")
    prev = svc.copy_from_previous(rid, frame)
    cons = ann.consensus_of(svc.session, rid, frame)
    if prev is not None:
        pts, vis, start = prev.points_px, prev.visible, f"your frame {prev.frame_index}"
    elif cons is not None:
        pts, vis, start = cons[0], cons[1], "the other annotators' consensus"
    else:
        pts, vis, start = generic_face(image_shape), np.ones(68, bool), "a generic face"
    return (pts, vis, f"start points from {start}", pts,
            f"The model found no face on this frame. The points start from {start}: drag them onto the face "
            "(select all with Ctrl+A to move, rotate and scale them together). Your first edit saves them.")

