"""Scene items of the landmark editor: the 68 points, the face's connecting lines, the hover label.

:class:`LandmarkOverlay` owns the items and updates only what changes: moving points calls
``setPos`` on those points and ``setLine`` on the segments that touch them (a one-point drag
touches one point item and at most two line items, so the repainted region stays small).
Points ignore the view transform (constant screen size at any zoom); their position is the exact
float image coordinate. Lines are cosmetic (1 screen px) and live in image coordinates.
The items take no mouse input: the editor's view picks points itself.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsLineItem, QGraphicsScene, QGraphicsSimpleTextItem

from neuroface_studio.domain.landmarks import FLIP_PERMUTATION, N_LANDMARKS, NAMES
from neuroface_studio.gui.annotate.landmark_geometry import DISPLAY_GROUPS, SEGMENTS

#: One colour per display group (bright, distinct on skin and on grey backgrounds).
GROUP_COLORS: dict[str, str] = {
    "jaw": "#4fc3f7",
    "right brow": "#ff9800",
    "left brow": "#ff9800",
    "nose bridge": "#b388ff",
    "nostrils": "#b388ff",
    "right eye": "#69f0ae",
    "left eye": "#69f0ae",
    "outer lips": "#ff5c8a",
    "inner lips": "#ffee58",
}


def _point_groups() -> list[str]:
    out = ["jaw"] * N_LANDMARKS
    for name, indices in DISPLAY_GROUPS:
        for i in indices:
            out[i] = name
    return out


POINT_GROUP: list[str] = _point_groups()
#: The facial feature a point belongs to, for placing its name off the feature: the lips are one
#: (a name under an inner-lip point must not sit on the outer lip), and so is the nose.
_FEATURE = {"outer lips": "mouth", "inner lips": "mouth", "nose bridge": "nose", "nostrils": "nose"}


def feature_points(i: int) -> list[int]:
    """The points of the feature (jaw, a brow, the nose, an eye, the mouth) that point ``i`` is on."""
    feature = _FEATURE.get(POINT_GROUP[i], POINT_GROUP[i])
    return [k for k in range(N_LANDMARKS) if _FEATURE.get(POINT_GROUP[k], POINT_GROUP[k]) == feature]

Z_IMAGE, Z_LINES, Z_POINTS, Z_SELECTED, Z_LABEL = 0, 1, 2, 3, 4


class PointItem(QGraphicsItem):
    """One landmark: a dot of constant screen size; states normal/selected/partner/hover/hidden."""

    RADIUS = 3.5
    MARGIN = 10.0  # room for the selection and partner rings

    def __init__(self, index: int, color: QColor) -> None:
        super().__init__()
        self.index = index
        self.color = color
        self.selected = False
        self.partner = False
        self.hover = False
        self.hidden = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self.setZValue(Z_POINTS)
        # Painted once per state into a pixmap: a drag of many points blits instead of re-rasterising.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._rect = QRectF(-self.MARGIN, -self.MARGIN, 2 * self.MARGIN, 2 * self.MARGIN)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        return self._rect

    def set_state(self, selected: bool, partner: bool, hover: bool, hidden: bool) -> None:
        if (selected, partner, hover, hidden) != (self.selected, self.partner, self.hover, self.hidden):
            self.selected, self.partner, self.hover, self.hidden = selected, partner, hover, hidden
            self.setZValue(Z_SELECTED if (selected or hover) else Z_POINTS)
            self.update()

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        r = self.RADIUS + (1.0 if self.hover else 0.0)
        if self.partner:
            pen = QPen(QColor(255, 255, 255), 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), r + 4.5, r + 4.5)
        if self.selected:
            painter.setPen(QPen(QColor(0, 0, 0), 4.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), r + 3.0, r + 3.0)
            painter.setPen(QPen(QColor(255, 255, 255), 2.0))
            painter.drawEllipse(QPointF(0, 0), r + 3.0, r + 3.0)
        if self.hidden:  # occluded: a hollow ring with a cross, still pickable and editable
            painter.setBrush(QBrush(QColor(0, 0, 0, 110)))
            painter.setPen(QPen(QColor(255, 255, 255), 1.2))
            painter.drawEllipse(QPointF(0, 0), r + 1.5, r + 1.5)
            painter.setPen(QPen(self.color, 1.6))
            d = r * 0.75
            painter.drawLine(QPointF(-d, -d), QPointF(d, d))
            painter.drawLine(QPointF(-d, d), QPointF(d, -d))
        else:
            painter.setPen(QPen(QColor(0, 0, 0, 200), 1.0))
            painter.setBrush(QBrush(self.color))
            painter.drawEllipse(QPointF(0, 0), r, r)


class PivotItem(QGraphicsItem):
    """The centre of a rotate/scale (the selection's centroid): a small crosshair, constant size."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(Z_LABEL)
        self.setVisible(False)

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt API)
        return QRectF(-12, -12, 24, 24)

    def paint(self, painter, option, widget=None) -> None:
        painter.setRenderHint(painter.RenderHint.Antialiasing, True)
        for color, width in ((QColor(0, 0, 0), 3.0), (QColor(255, 255, 255), 1.2)):
            painter.setPen(QPen(color, width))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), 5.0, 5.0)
            for a, b in (((-10, 0), (-5, 0)), ((5, 0), (10, 0)), ((0, -10), (0, -5)), ((0, 5), (0, 10))):
                painter.drawLine(QPointF(*a), QPointF(*b))


class LandmarkOverlay:
    """The point and line items of one scene, kept in sync with a (68, 2) array."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self.scene = scene
        self._selection: set[int] = set()
        self._hover: int | None = None
        self.points = np.zeros((N_LANDMARKS, 2))
        self.visible = np.ones(N_LANDMARKS, dtype=bool)
        self.items: list[PointItem] = []
        for i in range(N_LANDMARKS):
            item = PointItem(i, QColor(GROUP_COLORS[POINT_GROUP[i]]))
            scene.addItem(item)
            self.items.append(item)
        self.lines: list[QGraphicsLineItem] = []
        self._segments_of: list[list[int]] = [[] for _ in range(N_LANDMARKS)]
        for k, (a, b) in enumerate(SEGMENTS):
            line = QGraphicsLineItem()
            line.setZValue(Z_LINES)
            line.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            line.setPen(self._line_pen(a, hidden=False))
            scene.addItem(line)
            self.lines.append(line)
            self._segments_of[a].append(k)
            self._segments_of[b].append(k)
        self.label = QGraphicsSimpleTextItem()
        self.label.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.label.setBrush(QBrush(QColor(255, 255, 255)))
        self.label.setPen(QPen(QColor(0, 0, 0), 2.5))  # outlined text, readable on any background
        self.label.setZValue(Z_LABEL)
        self.label.setVisible(False)
        scene.addItem(self.label)
        self._label_text = QGraphicsSimpleTextItem()
        self._label_text.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self._label_text.setBrush(QBrush(QColor(255, 255, 255)))
        self._label_text.setZValue(Z_LABEL + 1)
        self._label_text.setVisible(False)
        scene.addItem(self._label_text)
        self.lines_visible = True
        self.pivot = PivotItem()
        scene.addItem(self.pivot)
        self.shown = True

    @staticmethod
    def _line_pen(a: int, hidden: bool) -> QPen:
        color = QColor(GROUP_COLORS[POINT_GROUP[a]])
        color.setAlpha(110 if hidden else 170)
        # 1 px: the raster engine's fast cosmetic-line path (1.25 px costs ~30% more per redraw)
        pen = QPen(color, 1.0, Qt.PenStyle.DashLine if hidden else Qt.PenStyle.SolidLine)
        pen.setCosmetic(True)
        return pen

    # -- updates -------------------------------------------------------------------------
    def set_all(self, points_px: np.ndarray, visible: np.ndarray) -> None:
        self.points = np.array(points_px, dtype=np.float64, copy=True)
        for i, item in enumerate(self.items):
            item.setPos(float(self.points[i, 0]), float(self.points[i, 1]))
        for k in range(len(SEGMENTS)):
            self._update_line(k)
        self.set_visible(visible)

    def move(self, indices, points_px: np.ndarray) -> None:
        """Move only ``indices`` to their positions in ``points_px`` and the lines touching them."""
        touched: set[int] = set()
        for i in indices:
            x, y = float(points_px[i, 0]), float(points_px[i, 1])
            self.points[i] = (x, y)
            self.items[i].setPos(x, y)
            touched.update(self._segments_of[i])
        for k in touched:
            self._update_line(k)
        if self._hover is not None and self.label.isVisible() and self._hover in indices:
            self.show_label(self._hover)  # the name follows its point

    def _update_line(self, k: int) -> None:
        a, b = SEGMENTS[k]
        pa, pb = self.points[a], self.points[b]
        self.lines[k].setLine(QLineF(float(pa[0]), float(pa[1]), float(pb[0]), float(pb[1])))

    def set_visible(self, visible: np.ndarray) -> None:
        changed = np.flatnonzero(np.asarray(visible, dtype=bool) != self.visible)
        self.visible = np.array(visible, dtype=bool, copy=True)
        touched: set[int] = set()
        for i in changed:
            touched.update(self._segments_of[int(i)])
        for k in touched:
            a, b = SEGMENTS[k]
            self.lines[k].setPen(self._line_pen(a, hidden=not (self.visible[a] and self.visible[b])))
        self.refresh_states(self._selection, self._hover)

    def refresh_states(self, selection: set[int], hover: int | None) -> None:
        """Redraw the items whose selected/partner/hover/hidden state changed."""
        self._selection, self._hover = set(selection), hover
        partners = {int(FLIP_PERMUTATION[i]) for i in selection} - set(selection)
        for i, item in enumerate(self.items):
            item.set_state(i in selection, i in partners, i == hover, not bool(self.visible[i]))
        if hover is None:
            self.label.setVisible(False)
            self._label_text.setVisible(False)
        else:
            self.show_label(hover)

    def show_label(self, i: int) -> None:
        """The point's number and name beside it, just off its feature (issue 18: a lip point's name
        was drawn on the lips): on the side of the feature the point faces, level with the point."""
        text = f"{i}  {NAMES[i].replace('_', ' ')}" + ("" if self.visible[i] else "  (hidden)")
        feature = self.points[feature_points(i)]
        feature = feature[np.isfinite(feature).all(axis=1)]
        x, y = float(self.points[i, 0]), float(self.points[i, 1])
        dx, dy = (x, y) - (feature.mean(axis=0) if len(feature) else np.array([x, y]))
        for item in (self.label, self._label_text):
            item.setText(text)
            w, h = item.boundingRect().width(), item.boundingRect().height()
            gap = 6.0  # screen px between the feature's edge and the text
            if len(feature) == 0:
                item.setPos(x, y)
                item.setTransform(QTransform.fromTranslate(10, -22))
            elif abs(dy) >= abs(dx):  # above or below the feature, centred on the point
                item.setPos(x, float(feature[:, 1].max() if dy > 0 else feature[:, 1].min()))
                item.setTransform(QTransform.fromTranslate(-w / 2, gap if dy > 0 else -h - gap))
            else:  # left or right of the feature, level with the point
                item.setPos(float(feature[:, 0].max() if dx > 0 else feature[:, 0].min()), y)
                item.setTransform(QTransform.fromTranslate(gap if dx > 0 else -w - gap, -h / 2))
            item.setVisible(True)

    def set_shown(self, on: bool) -> None:
        """Show or hide every point and line (hidden while the editor has no landmarks)."""
        self.shown = on
        for item in self.items:
            item.setVisible(on)
        for line in self.lines:
            line.setVisible(on and self.lines_visible)
        if not on:
            self.label.setVisible(False)
            self._label_text.setVisible(False)

    def show_pivot(self, xy) -> None:
        """Show the rotate/scale centre at image px ``xy``, or hide it with None."""
        if xy is None:
            self.pivot.setVisible(False)
        else:
            self.pivot.setPos(float(xy[0]), float(xy[1]))
            self.pivot.setVisible(True)

    def set_lines_visible(self, on: bool) -> None:
        self.lines_visible = on
        for line in self.lines:
            line.setVisible(on and self.shown)
