"""The 68-point landmark editor: a frame, its points and every way to correct them.

A standalone, reusable widget (the Annotate workspace embeds it; the annotation storage and the
frame queue live there). It shows an RGB frame with the 68 iBUG points coloured by group, the
face's connecting lines, and the mirrored left/right partner of each selected point. Points are
exact float image px (pixel centres at integer coordinates) at any zoom.

The editor does not own an undo stack. Each completed edit (one drag, one rotate, one burst of
arrow-key nudges, one visibility toggle...) emits **one** :attr:`LandmarkEditor.edited` signal
with the state before and after; the caller wraps it into an undoable command and applies undo
and redo with :meth:`LandmarkEditor.set_landmarks`, which never emits::

    class EditorEdit(Command):            # neuroface_studio.edits.undo.Command
        def do(self):   editor.set_landmarks(self.new_points, self.new_visible)
        def undo(self): editor.set_landmarks(self.old_points, self.old_visible)

    editor.edited.connect(lambda op, ov, np_, nv, text: stack.push(EditorEdit(op, ov, np_, nv, text)))

Keyboard bursts (nudges, keyboard rotate/scale, Shift+wheel scale) close 0.5 s after the last
step; call :meth:`commit_pending` before undo, redo, save or a frame change so that a burst in
progress is emitted first (:meth:`set_frame` does this itself). Mouse gestures live in
:mod:`neuroface_studio.gui.annotate.landmark_view`, the items in :mod:`neuroface_studio.gui.annotate.landmark_items`,
the Qt-free geometry in :mod:`neuroface_studio.gui.annotate.landmark_geometry`.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QLabel, QVBoxLayout, QWidget

from neuroface_studio.domain.landmarks import N_LANDMARKS, NAMES, validate_points
from neuroface_studio.gui.annotate import landmark_geometry as geo
from neuroface_studio.gui.annotate.landmark_items import Z_IMAGE, LandmarkOverlay
from neuroface_studio.gui.annotate.landmark_keys import SHORTCUTS, key_action
from neuroface_studio.gui.annotate.landmark_view import LandmarkView

BURST_MS = 500

_GROUP_CYCLE = geo.DISPLAY_GROUPS


class LandmarkEditor(QWidget):
    """Edit 68 landmarks on one frame. See the module docstring for the undo contract.

    Signals:
        edited(old_points (68, 2), old_visible (68,), new_points, new_visible, description):
            one per completed edit; arrays are fresh copies (float64 image px, bool).
        selection_changed(list[int]): the selected point indices, sorted.
        zoom_changed(float): screen px per image px.
    """

    edited = Signal(object, object, object, object, str)
    selection_changed = Signal(list)
    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scene = QGraphicsScene(self)
        self.pixmap_item = QGraphicsPixmapItem()
        self.pixmap_item.setOffset(-0.5, -0.5)  # pixel (i, j) covers [i-0.5, i+0.5]: centres at integers
        self.pixmap_item.setZValue(Z_IMAGE)
        self.pixmap_item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.scene.addItem(self.pixmap_item)
        self.overlay = LandmarkOverlay(self.scene)
        self.view = LandmarkView(self, self.scene)
        self.status = QLabel()
        self.status.setObjectName("landmarkEditorStatus")
        self.status.setStyleSheet("QLabel { color: #ccc; background: #26262a; padding: 2px 6px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        self.setFocusProxy(self.view)

        self._points = np.zeros((N_LANDMARKS, 2))
        self._visible = np.ones(N_LANDMARKS, dtype=bool)
        self._baseline = self._points.copy()  # the state the frame was loaded with (for mirror)
        self._proposal: np.ndarray | None = None
        self._previous: tuple[np.ndarray, np.ndarray] | None = None
        self._selection: set[int] = set()
        self._hover: int | None = None
        self._group_index = -1
        self._gesture_old: tuple[np.ndarray, np.ndarray] | None = None
        self._gesture_kind = ""
        self._gesture_center = np.zeros(2)
        self._gesture_value = 0.0
        self._burst: dict | None = None
        self._burst_timer = QTimer(self)
        self._burst_timer.setSingleShot(True)
        self._burst_timer.setInterval(BURST_MS)
        self._burst_timer.timeout.connect(self.commit_pending)
        self.overlay.set_all(self._points, self._visible)
        self.overlay.set_shown(False)  # nothing to show until landmarks are given
        self._update_status()

    # == state from outside ===================================================================
    def set_frame(self, image_rgb: np.ndarray, points_px, visible=None, proposal=None,
                  previous=None, previous_visible=None, keep_view: bool = True) -> None:
        """Show a new frame (H, W, 3) uint8 RGB with its points (68, 2) px and visibility (68,).

        ``proposal``: the model's points for reset (default: ``points_px``); ``previous``: the
        previous annotated frame's points for copy. The view keeps its zoom when the frame size
        is unchanged and ``keep_view``; otherwise it fits the frame. Emits nothing (a burst in
        progress on the old frame is committed first).
        """
        pts = validate_points(points_px)  # check everything before changing anything
        vis = geo.check_visible(visible)
        proposal = pts if proposal is None else validate_points(proposal)
        self.commit_pending()
        self.view.cancel_gesture()
        self.set_image(image_rgb, keep_view=keep_view)
        self.set_proposal(proposal)
        self.set_previous(previous, previous_visible)
        self.set_landmarks(pts, vis)
        self._baseline = pts.copy()
        self.set_selection([])

    def set_image(self, image_rgb: np.ndarray, keep_view: bool = True) -> None:
        """Show an (H, W, 3) uint8 RGB frame; the points stay as they are."""
        img = np.asarray(image_rgb)
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {img.dtype} of shape {img.shape}")
        img = np.ascontiguousarray(img)
        h, w = img.shape[:2]
        qimage = QImage(img.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self.pixmap_item.setPixmap(QPixmap.fromImage(qimage))
        self.view.set_image_rect(QRectF(-0.5, -0.5, w, h), keep_view)

    def set_landmarks(self, points_px, visible=None) -> None:
        """Apply a state from outside (undo/redo, autosave restore); emits nothing.

        A gesture or keyboard burst in progress is dropped: the state given wins.
        """
        pts = validate_points(points_px)
        vis = geo.check_visible(visible)
        self._burst_timer.stop()
        self._burst = None
        if self._gesture_old is not None:
            self._gesture_old = None
            self.overlay.show_pivot(None)
            self.view.cancel_gesture()  # stops the view's gesture; the points are replaced below
        moved = np.flatnonzero(np.any(pts != self._points, axis=1))
        self._points = pts
        self.overlay.move(moved.tolist(), pts)
        self._visible = vis
        self.overlay.set_visible(vis)
        if not self.overlay.shown:
            self.overlay.set_shown(True)
        self._update_status()

    def set_proposal(self, proposal_px) -> None:
        self._proposal = None if proposal_px is None else validate_points(proposal_px)

    def set_previous(self, previous_px, previous_visible=None) -> None:
        """The previous annotated frame's points (and visibility), for :meth:`copy_previous`."""
        if previous_px is None:
            self._previous = None
        else:
            self._previous = (validate_points(previous_px), geo.check_visible(previous_visible))

    # == queries ==============================================================================
    def points(self) -> np.ndarray:
        """(68, 2) float64 image px, a copy."""
        return self._points.copy()

    def points_view(self) -> np.ndarray:
        """The live (68, 2) array (read only; for the view's picking)."""
        return self._points

    def visible(self) -> np.ndarray:
        return self._visible.copy()

    def selection(self) -> list[int]:
        return sorted(self._selection)

    def zoom(self) -> float:
        return self.view.zoom

    @staticmethod
    def shortcuts() -> list[tuple[str, str]]:
        return list(SHORTCUTS)

    # == selection ============================================================================
    def set_selection(self, indices) -> None:
        new = {int(i) for i in indices if 0 <= int(i) < N_LANDMARKS}
        if new != self._selection:
            self._selection = new
            self.overlay.refresh_states(self._selection, self._hover)
            self.selection_changed.emit(self.selection())
            self._update_status()

    def toggle_selected(self, index: int) -> None:
        self.set_selection(self._selection ^ {int(index)})

    def select_rect(self, a: QPointF, b: QPointF, add: bool = False) -> None:
        inside = geo.points_in_rect(self._points, a.x(), a.y(), b.x(), b.y())
        self.set_selection((self._selection if add else set()) | set(inside))

    def select_polygon(self, polygon_px, add: bool = False) -> None:
        inside = geo.points_in_polygon(self._points, np.asarray(polygon_px, dtype=np.float64))
        self.set_selection((self._selection if add else set()) | set(inside))

    def set_hover(self, index: int | None) -> None:
        if index != self._hover:
            self._hover = index
            self.overlay.refresh_states(self._selection, index)

    def step_point(self, step: int) -> None:
        sel = self.selection()
        start = sel[-1] if step > 0 and sel else (sel[0] if sel else (-1 if step > 0 else 0))
        self.set_selection([(start + step) % N_LANDMARKS])

    def step_group(self, step: int) -> None:
        n = len(_GROUP_CYCLE)
        self._group_index = (self._group_index + step) % n if self._group_index >= 0 else (0 if step > 0 else n - 1)
        self.set_selection(_GROUP_CYCLE[self._group_index][1])

    # == mouse gestures (called by the view) ====================================================
    def begin_gesture(self, kind: str) -> None:
        self.commit_pending()
        self._gesture_old = (self._points.copy(), self._visible.copy())
        self._gesture_kind = kind
        self._gesture_center = geo.centroid(self._points, self.selection()) if self._selection else np.zeros(2)
        self._gesture_value = 0.0 if kind != "scale" else 1.0
        self.overlay.show_pivot(self._gesture_center if kind in ("rotate", "scale") else None)

    def preview_pivot(self, on: bool) -> None:
        """Show the selection's centroid while R or S is held (the centre of the coming rotate/scale)."""
        if self._gesture_old is None:
            on = on and bool(self._selection)
            self.overlay.show_pivot(geo.centroid(self._points, self.selection()) if on else None)

    def gesture_center(self) -> np.ndarray:
        return self._gesture_center

    def _apply_from_gesture_start(self, new_points: np.ndarray) -> None:
        sel = self.selection()
        self._points[sel] = new_points[sel]
        self.overlay.move(sel, self._points)

    def update_gesture_move(self, dx: float, dy: float) -> None:
        if self._gesture_old is not None:
            self._gesture_value = (dx, dy)
            self._apply_from_gesture_start(geo.translate(self._gesture_old[0], self.selection(), (dx, dy)))

    def update_gesture_rotate(self, angle_rad: float) -> None:
        if self._gesture_old is not None:
            self._gesture_value = angle_rad
            self._apply_from_gesture_start(
                geo.rotate(self._gesture_old[0], self.selection(), angle_rad, self._gesture_center))

    def update_gesture_scale(self, factor: float) -> None:
        if self._gesture_old is not None:
            self._gesture_value = factor
            self._apply_from_gesture_start(
                geo.scale(self._gesture_old[0], self.selection(), factor, self._gesture_center))

    def end_gesture(self) -> None:
        if self._gesture_old is None:
            return
        old, self._gesture_old = self._gesture_old, None
        self.overlay.show_pivot(None)
        n = len(self._selection)
        if self._gesture_kind == "rotate":
            text = f"rotate {self._describe_points()} by {math.degrees(self._gesture_value):.1f}°"
        elif self._gesture_kind == "scale":
            text = f"scale {self._describe_points()} ×{self._gesture_value:.3f}"
        else:
            text = f"move {self._describe_points()}" if n else "move"
        self._emit_if_changed(old, text)

    def cancel_gesture(self) -> None:
        if self._gesture_old is not None:
            old, self._gesture_old = self._gesture_old, None
            self.overlay.show_pivot(None)
            self.set_landmarks(*old)

    # == actions ==============================================================================
    def nudge(self, dx_px: float, dy_px: float) -> None:
        """Move the selection by (dx, dy) image px; consecutive nudges form one edit."""
        if self._selection:
            self._burst_step("nudge", geo.translate(self._points, self.selection(), (dx_px, dy_px)))

    def rotate_selection(self, degrees: float, burst: str = "rotate") -> None:
        if len(self._selection) > 1:
            self._burst_step(burst, geo.rotate(self._points, self.selection(), math.radians(degrees)))

    def scale_selection(self, factor: float, burst: str = "scale") -> None:
        if len(self._selection) > 1:
            self._burst_step(burst, geo.scale(self._points, self.selection(), factor))

    def toggle_visibility(self) -> None:
        """Hide the selected points (occluded) or, if all are hidden already, show them again."""
        sel = self.selection()
        if not sel:
            return
        self.commit_pending()
        old = (self._points.copy(), self._visible.copy())
        show = not self._visible[sel].any()
        self._visible[sel] = show
        self.overlay.set_visible(self._visible)
        self._emit_if_changed(old, f"{'show' if show else 'hide'} {self._describe_points()}")
        self._update_status()

    def mirror_selection(self) -> None:
        """Give the selected points' left/right partners the same edit, mirrored about the midline."""
        if not self._selection:
            return
        new, partners = geo.mirror_edit(self._points, self._baseline, self.selection())
        if partners:
            self._apply_edit(new, self._visible, f"mirror the edit of {self._describe_points()} to their partners")

    def reset_to_proposal(self) -> None:
        """The selected points (or all, with no selection) back to the model proposal, visible."""
        if self._proposal is None:
            return
        idx = self.selection() or list(range(N_LANDMARKS))
        pts, vis = self._points.copy(), self._visible.copy()
        pts[idx], vis[idx] = self._proposal[idx], True
        self._apply_edit(pts, vis, f"reset {self._describe_points(idx)} to the proposal")

    def copy_previous(self) -> None:
        """The selected points (or all) from the previous annotated frame (see :meth:`set_previous`)."""
        if self._previous is None:
            return
        idx = self.selection() or list(range(N_LANDMARKS))
        pts, vis = self._points.copy(), self._visible.copy()
        pts[idx], vis[idx] = self._previous[0][idx], self._previous[1][idx]
        self._apply_edit(pts, vis, f"copy {self._describe_points(idx)} from the previous frame")

    def nudge_step(self) -> float:
        """Arrow-key step in image px at the current zoom (about one screen px)."""
        return geo.nudge_step_px(self.view.zoom)

    # zoom and pan (also reachable from the workspace's menus)
    def zoom_fit(self) -> None:
        self.view.zoom_fit()

    def zoom_to(self, zoom: float) -> None:
        self.view.zoom_to(zoom)

    def zoom_by(self, factor: float) -> None:
        self.view.zoom_by(factor)

    def pan_by(self, dx_screen: float, dy_screen: float) -> None:
        self.view.pan_by(dx_screen, dy_screen)

    def set_lines_visible(self, on: bool) -> None:
        self.overlay.set_lines_visible(on)

    def view_zoomed(self) -> None:
        self.zoom_changed.emit(self.view.zoom)
        self._update_status()

    # == edits and bursts ======================================================================
    def commit_pending(self) -> None:
        """Emit the keyboard burst in progress (if any) as one edit now."""
        self._burst_timer.stop()
        burst, self._burst = self._burst, None
        if burst is not None:
            text = f"{burst['kind']} {self._describe_points(burst['indices'])}"
            if burst["steps"] > 1:
                text += f" ({burst['steps']} steps)"
            self._emit_if_changed(burst["old"], text)

    def _burst_step(self, kind: str, new_points: np.ndarray) -> None:
        if self._gesture_old is not None:
            return
        if self._burst is not None and (self._burst["kind"] != kind or self._burst["indices"] != self.selection()):
            self.commit_pending()
        if self._burst is None:
            self._burst = {"kind": kind, "indices": self.selection(), "steps": 0,
                           "old": (self._points.copy(), self._visible.copy())}
        self._burst["steps"] += 1
        sel = self.selection()
        self._points[sel] = new_points[sel]
        self.overlay.move(sel, self._points)
        self._burst_timer.start()

    def _apply_edit(self, new_points: np.ndarray, new_visible: np.ndarray, text: str) -> None:
        self.commit_pending()
        old = (self._points.copy(), self._visible.copy())
        moved = np.flatnonzero(np.any(new_points != self._points, axis=1)).tolist()
        self._points = np.array(new_points, dtype=np.float64, copy=True)
        self.overlay.move(moved, self._points)
        self._visible = np.array(new_visible, dtype=bool, copy=True)
        self.overlay.set_visible(self._visible)
        self._emit_if_changed(old, text)

    def _emit_if_changed(self, old: tuple[np.ndarray, np.ndarray], text: str) -> None:
        self._update_status()
        if np.array_equal(old[0], self._points) and np.array_equal(old[1], self._visible):
            return
        self.edited.emit(old[0].copy(), old[1].copy(), self._points.copy(), self._visible.copy(), text)

    def _describe_points(self, indices=None) -> str:
        idx = self.selection() if indices is None else sorted(indices)
        if len(idx) == 1:
            return f"point {idx[0]} ({NAMES[idx[0]].replace('_', ' ')})"
        for name, members in geo.DISPLAY_GROUPS:
            if list(members) == idx:
                return f"the {name}"
        return f"{len(idx)} points"

    # == keys ==================================================================================
    def handle_key(self, event) -> bool:
        """Run the shortcut for a key press from the view; False when the key is not ours."""
        action = key_action(self, event)
        if action is None:
            return False
        action()
        return True

    def toggle_lasso_mode(self) -> None:
        self.view.lasso_mode = not self.view.lasso_mode
        self._update_status()

    def escape(self) -> None:
        """Esc: cancel the drag in progress, else clear the selection."""
        if not self.view.cancel_gesture():
            self.commit_pending()
            self.set_selection([])

    def _update_status(self) -> None:
        sel = self.selection()
        parts = [f"zoom {self.view.zoom * 100:.0f}%", f"step {self.nudge_step():g} px"]
        if len(sel) == 1:
            x, y = self._points[sel[0]]
            parts.insert(0, f"selected: {self._describe_points()} at ({x:.2f}, {y:.2f}) px")
        elif sel:
            parts.insert(0, f"selected: {self._describe_points()}")
        if self.view.lasso_mode:
            parts.append("lasso mode (L)")
        hidden = int((~self._visible).sum())
        if hidden:
            parts.append(f"{hidden} hidden")
        self.status.setText("   ·   ".join(parts))
