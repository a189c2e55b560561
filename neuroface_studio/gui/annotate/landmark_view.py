"""The graphics view of the landmark editor: zoom, pan and the mouse gestures.

The view turns mouse input into calls on its :class:`~neuroface_studio.gui.annotate.landmark_editor.
LandmarkEditor` (pick, move/rotate/scale the selection, rectangle and lasso select); the editor
owns the points and emits the edits. Positions are mapped with the float viewport transform, so a
drag of ``d`` screen px moves a point by exactly ``d / zoom`` image px.

Gestures (left button): on a point: drag it (or the selection it belongs to); Shift/Ctrl-click:
add/remove a point; on empty space: rectangle select (Shift/Ctrl: add), with Alt or in lasso mode:
lasso select; with R held: rotate the selection about its centroid; with S held: scale it.
Middle button, or Space + left button: pan. Wheel: zoom about the cursor; Shift+wheel: scale the
selection.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QFrame, QGraphicsPathItem, QGraphicsRectItem, QGraphicsView

from neuroface_studio.gui.annotate.landmark_geometry import nearest_point
from neuroface_studio.gui.annotate.landmark_keys import claims_key

PICK_RADIUS = 9.0  # screen px
DRAG_THRESHOLD = 3.0  # screen px (Manhattan) before a press becomes a drag
MIN_ZOOM, MAX_ZOOM = 0.05, 64.0


class LandmarkView(QGraphicsView):
    def __init__(self, editor, scene) -> None:
        super().__init__(scene)
        self.editor = editor
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QColor(38, 38, 42))
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.image_rect = QRectF()
        self.fit_mode = True
        self.lasso_mode = False
        self.held: set[int] = set()  # keys held down (R, S, Space)
        self.paints = 0  # paint events of the viewport (benchmark checks that drags repaint)
        self._gesture: str | None = None
        self._press_view = QPointF()
        self._press_scene = QPointF()
        self._last_view = QPointF()
        self._started = False
        self._button = Qt.MouseButton.NoButton
        self._press_hit: int | None = None
        self._lasso: list[QPointF] = []
        pen = QPen(QColor(255, 255, 255), 1.0, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self.band = QGraphicsRectItem()
        self.band.setPen(pen)
        self.band.setBrush(QColor(255, 255, 255, 30))
        self.band.setZValue(10)
        self.band.setVisible(False)
        scene.addItem(self.band)
        self.lasso_item = QGraphicsPathItem()
        self.lasso_item.setPen(pen)
        self.lasso_item.setBrush(QColor(255, 255, 255, 30))
        self.lasso_item.setZValue(10)
        self.lasso_item.setVisible(False)
        scene.addItem(self.lasso_item)

    # -- coordinates -----------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return float(self.transform().m11())

    def to_scene(self, view_pos: QPointF) -> QPointF:
        inv, _ = self.viewportTransform().inverted()
        return inv.map(QPointF(view_pos))

    def screen_positions(self, points_px: np.ndarray) -> np.ndarray:
        t = self.viewportTransform()
        x, y = points_px[:, 0], points_px[:, 1]
        return np.column_stack([t.m11() * x + t.m21() * y + t.dx(), t.m12() * x + t.m22() * y + t.dy()])

    def pick(self, view_pos: QPointF) -> int | None:
        screen = self.screen_positions(self.editor.points_view())
        return nearest_point(screen, (view_pos.x(), view_pos.y()), PICK_RADIUS)

    # -- zoom and pan ----------------------------------------------------------------------
    def set_image_rect(self, rect: QRectF, keep_view: bool) -> None:
        same = rect == self.image_rect
        self.image_rect = QRectF(rect)
        m = max(rect.width(), rect.height())
        self.setSceneRect(rect.adjusted(-m, -m, m, m))
        if not (keep_view and same) or self.fit_mode:
            self.zoom_fit()

    def zoom_fit(self) -> None:
        if self.image_rect.isEmpty():
            return
        self.fit_mode = True
        vp = self.viewport().rect()
        s = min((vp.width() - 8) / self.image_rect.width(), (vp.height() - 8) / self.image_rect.height())
        self.setTransform(QTransform.fromScale(max(s, MIN_ZOOM), max(s, MIN_ZOOM)))
        self.centerOn(self.image_rect.center())
        self._after_zoom()

    def zoom_to(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Set the zoom (screen px per image px), keeping the image point under ``anchor`` fixed."""
        zoom = float(min(max(zoom, MIN_ZOOM), MAX_ZOOM))
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        fixed = self.to_scene(anchor)
        self.fit_mode = False
        self.setTransform(QTransform.fromScale(zoom, zoom))
        now = self.viewportTransform().map(fixed)
        self.pan_by(anchor.x() - now.x(), anchor.y() - now.y())
        self._after_zoom()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.zoom_to(self.zoom * factor, anchor)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the image by (dx, dy) screen px."""
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() - round(dx))
        v.setValue(v.value() - round(dy))

    def _after_zoom(self) -> None:
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.zoom < 2.0)
        self.editor.view_zoomed()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.fit_mode and not self.image_rect.isEmpty():
            QTimer.singleShot(0, self.zoom_fit)  # after the layout settles

    def paintEvent(self, event) -> None:  # noqa: N802
        self.paints += 1
        super().paintEvent(event)

    # -- mouse ---------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        button, mods = event.button(), event.modifiers()
        if self._gesture is not None:
            if event.buttons() & ~button:  # a second button during a gesture: ignore it
                event.accept()
                return
            self._finish(self._last_view, mods)  # the gesture's release got lost: end it here
        self._press_view, self._last_view = QPointF(pos), QPointF(pos)
        self._press_scene = self.to_scene(pos)
        self._started = False
        self._button = button
        if button == Qt.MouseButton.MiddleButton or (
                button == Qt.MouseButton.LeftButton and Qt.Key.Key_Space in self.held):
            self._gesture = "pan"
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        elif button != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        elif Qt.Key.Key_R in self.held and self.editor.selection():
            self._gesture = "rotate"
            self.editor.begin_gesture("rotate")
        elif Qt.Key.Key_S in self.held and self.editor.selection():
            self._gesture = "scale"
            self.editor.begin_gesture("scale")
        else:
            hit = self.pick(pos)
            additive = bool(mods & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier))
            self._press_hit = hit
            if hit is not None:
                if additive:
                    self.editor.toggle_selected(hit)
                elif hit not in self.editor.selection():
                    self.editor.set_selection([hit])
                self._gesture = "move" if hit in self.editor.selection() else None
                if self._gesture:
                    self.editor.begin_gesture("move")
            elif self.lasso_mode or mods & Qt.KeyboardModifier.AltModifier:
                self._gesture = "lasso_add" if additive else "lasso"
                self._lasso = [self._press_scene]
            else:
                self._gesture = "rect_add" if additive else "rect"
        event.accept()

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        self.mousePressEvent(event)  # a quick second click is a click like any other

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        pos = event.position()
        g = self._gesture
        if g is None:
            if not event.buttons():
                self.editor.set_hover(self.pick(pos))
            return
        if not self._started:
            if abs(pos.x() - self._press_view.x()) + abs(pos.y() - self._press_view.y()) < DRAG_THRESHOLD:
                return
            self._started = True
            self.editor.set_hover(None)
        scene = self.to_scene(pos)
        if g == "pan":
            self.pan_by(pos.x() - self._last_view.x(), pos.y() - self._last_view.y())
        elif g == "move":
            self.editor.update_gesture_move(scene.x() - self._press_scene.x(), scene.y() - self._press_scene.y())
        elif g == "rotate":
            c = self.editor.gesture_center()
            a0 = math.atan2(self._press_scene.y() - c[1], self._press_scene.x() - c[0])
            a1 = math.atan2(scene.y() - c[1], scene.x() - c[0])
            self.editor.update_gesture_rotate(math.remainder(a1 - a0, 2 * math.pi))  # in [-pi, pi]
        elif g == "scale":
            c = self.editor.gesture_center()
            r0 = math.hypot(self._press_scene.x() - c[0], self._press_scene.y() - c[1])
            r1 = math.hypot(scene.x() - c[0], scene.y() - c[1])
            if r0 * self.zoom < 5.0:  # pressed on the centroid: scale by vertical motion instead
                factor = math.exp(-(pos.y() - self._press_view.y()) / 150.0)
            else:
                factor = r1 / r0
            self.editor.update_gesture_scale(factor)
        elif g.startswith("rect"):
            self.band.setRect(QRectF(self._press_scene, scene).normalized())
            self.band.setVisible(True)
        elif g.startswith("lasso"):
            self._lasso.append(scene)
            path = QPainterPath(self._lasso[0])
            for p in self._lasso[1:]:
                path.lineTo(p)
            path.closeSubpath()
            self.lasso_item.setPath(path)
            self.lasso_item.setVisible(True)
        self._last_view = QPointF(pos)
        event.accept()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._gesture is not None and event.button() == self._button:
            self._finish(event.position(), event.modifiers())
        event.accept()

    def _finish(self, pos: QPointF, modifiers) -> None:
        g, self._gesture = self._gesture, None
        if g == "pan":
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if Qt.Key.Key_Space in self.held
                                      else Qt.CursorShape.ArrowCursor)
        elif g in ("move", "rotate", "scale"):
            self.editor.end_gesture()
            no_mods = not (modifiers & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier))
            if g == "move" and not self._started and no_mods and self._press_hit is not None:
                self.editor.set_selection([self._press_hit])  # a click on a selected point
        elif g.startswith("rect"):
            self.band.setVisible(False)
            if self._started:
                end = self.to_scene(pos)
                self.editor.select_rect(self._press_scene, end, add=g == "rect_add")
            elif g == "rect":
                self.editor.set_selection([])
        elif g.startswith("lasso"):
            self.lasso_item.setVisible(False)
            if self._started and len(self._lasso) >= 3:
                self.editor.select_polygon([(p.x(), p.y()) for p in self._lasso], add=g == "lasso_add")
            elif g == "lasso":
                self.editor.set_selection([])
            self._lasso = []
        self.editor.set_hover(self.pick(pos))

    def cancel_gesture(self) -> bool:
        """Esc during a gesture: drop it (points go back). Returns whether one was running."""
        g, self._gesture = self._gesture, None
        if g is None:
            return False
        self.band.setVisible(False)
        self.lasso_item.setVisible(False)
        self._lasso = []
        if g in ("move", "rotate", "scale"):
            self.editor.cancel_gesture()
        return True

    def wheelEvent(self, event) -> None:  # noqa: N802
        delta = event.angleDelta().y() or event.angleDelta().x()
        if not delta:
            return
        steps = delta / 120.0
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier and self.editor.selection():
            self.editor.scale_selection(1.02 ** steps, burst="wheel")
        else:
            self.zoom_by(1.25 ** steps, event.position())
        event.accept()

    # -- keys ------------------------------------------------------------------------------
    def event(self, event) -> bool:  # noqa: A003
        # Tab / Shift+Tab walk the points instead of moving the keyboard focus.
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            self.keyPressEvent(event)
            return True
        # The editor's keys win over window-wide shortcuts while the view has the focus.
        if event.type() == QEvent.Type.ShortcutOverride and claims_key(self.editor, event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key = event.key()
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if key in (Qt.Key.Key_R, Qt.Key.Key_S, Qt.Key.Key_Space) and plain:
            if not event.isAutoRepeat():
                self.held.add(key)
                if key == Qt.Key.Key_Space and self._gesture is None:
                    self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
                elif key != Qt.Key.Key_Space:
                    self.editor.preview_pivot(True)
            event.accept()
            return
        if self.editor.handle_key(event):
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802
        if event.isAutoRepeat():
            return
        key = event.key()
        if key in self.held:
            self.held.discard(key)
            if key == Qt.Key.Key_Space and self._gesture != "pan":
                self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            elif key != Qt.Key.Key_Space and not (self.held & {Qt.Key.Key_R, Qt.Key.Key_S}):
                self.editor.preview_pivot(False)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        self.held.clear()
        self.editor.commit_pending()
        super().focusOutEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802
        if self._gesture is None:
            self.editor.set_hover(None)
        super().leaveEvent(event)
