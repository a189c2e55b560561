"""The Analyze workspace's figures: CED curves (pyqtgraph) and the per-landmark error heat map.

:class:`CedPlotWidget` draws the cumulative error distribution of each model (share of images
whose NRMSE is at most x), optionally one curve per participant group (computed from the
report's per-image errors with :func:`neuroface_studio.analysis.evaluation.ced`).
:class:`FaceHeatmapWidget` draws the 68 points of a reference face (the simulated clinic's
reference photo, resources/faces/astronaut.json) with the face contours, each point coloured by
the model's mean normalised error there (viridis, one scale for every model of the report so
that they compare), and a colour bar. Both are light-themed, as figures for a paper, and export
to PNG and SVG by QPainter (gui/analyze/figure.py): the heat map paints the same drawing as on
screen, the CED the same curves as a plain line chart.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from neuroface_studio.analysis.evaluation import ced
from neuroface_studio.domain.landmarks import CONTOURS, N_LANDMARKS, NAMES, OUTER_EYE_CORNERS
from neuroface_studio.gui.analyze.figure import Series, paint_line_chart, save_figure

MODEL_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
GROUP_STYLES = (Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine, Qt.PenStyle.DashDotDotLine)
TEXT = "#222222"
COLORMAP = "viridis"


class CedPlotWidget(pg.PlotWidget):
    """CED per model (solid), and per group (dashed/dotted) when ``per_group``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setMenuEnabled(False)
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setLabel("left", "images with NRMSE ≤ x (%)", color=TEXT)
        self.setLabel("bottom", "NRMSE x (%)", color=TEXT)
        for name in ("left", "bottom"):
            axis = self.getAxis(name)
            axis.enableAutoSIPrefix(False)
            axis.setPen(TEXT)
            axis.setTextPen(TEXT)
        self.legend = self.addLegend(offset=(10, 10), labelTextColor=TEXT, brush=pg.mkBrush(255, 255, 255, 220))
        self.curves: dict[str, pg.PlotDataItem] = {}  # "model" or "model · group"
        self.series: list[Series] = []  # the same curves, for the exported figure
        self.x_max = 10.0
        self.setMinimumSize(QSize(360, 260))

    def show_report(self, report: dict | None, image_groups: dict[str, str] | None = None,
                    per_group: bool = False) -> None:
        """``image_groups``: per-image key → participant group (for the per-group curves)."""
        self.clear()
        self.legend.clear()
        self.curves, self.series = {}, []
        if report is None:
            self.setTitle("")
            return
        s = report["settings"]
        self.title = f"Cumulative error distribution ({s['normalizer']}, {s['subset']})"
        self.setTitle(self.title, color=TEXT, size="11pt")
        self.x_max = 100 * s["ced_max"]
        groups = sorted(set((image_groups or {}).values())) if per_group else []
        for k, (name, rep) in enumerate(report["models"].items()):
            color = MODEL_COLORS[k % len(MODEL_COLORS)]
            x, y = np.asarray(rep["ced"]["x"]), np.asarray(rep["ced"]["y"])
            self._curve(name, x, y, color, 2.4, Qt.PenStyle.SolidLine)
            errors = {key: (np.nan if v is None else v) for key, v in rep["per_image"].items()}
            for j, group in enumerate(groups):
                e = np.array([v for key, v in errors.items() if image_groups.get(key) == group], np.float64)
                gx, gy = ced(e, s["ced_max"], len(x))
                self._curve(f"{name} · {group}", gx, gy, color, 1.6, GROUP_STYLES[j % len(GROUP_STYLES)])
        self.setXRange(0, self.x_max, padding=0.02)
        self.setYRange(0, 100, padding=0.02)

    def _curve(self, label: str, x: np.ndarray, y: np.ndarray, color: str, width: float, style) -> None:
        x, y = 100 * np.asarray(x, float), 100 * np.asarray(y, float)
        self.curves[label] = self.plot(x, y, pen=pg.mkPen(color, width=width, style=style), name=label)
        self.series.append(Series(label, x, y, color, width, style))

    def paint_figure(self, painter: QPainter, rect: QRectF) -> None:
        paint_line_chart(painter, rect, self.series, getattr(self, "title", ""), "NRMSE x (%)",
                         "images with NRMSE ≤ x (%)", (0.0, self.x_max), (0.0, 100.0))

    def export(self, path: Path, size: QSize = QSize(900, 640)) -> None:
        """Write the curves as a PNG (2x ``size`` px) or SVG figure (see gui/analyze/figure.py)."""
        save_figure(Path(path), self.paint_figure, size, "Cumulative error distribution")


#: Vertical nudges (source px, + = down) that give the reference face's thin, smiling lips some
#: height on the diagram, so that neighbouring lip points do not overlap.
_LIP_NUDGE_PX = {49: -1.5, 50: -2.5, 51: -2.5, 52: -2.5, 53: -1.5, 55: 1.0, 56: 2.0, 57: 2.0, 58: 2.0, 59: 1.0,
                 65: 1.0, 66: 1.0, 67: 1.0, 6: 1.0, 7: 2.0, 8: 2.0, 9: 2.0, 10: 1.0}


def reference_face_points() -> np.ndarray:
    """``(68, 2)`` px points of the diagram's face (y down): the simulated clinic's reference face
    (resources/faces/astronaut.json), levelled (eye line horizontal), lips a little taller."""
    from neuroface_studio.simulation.face_model import FACE_JSON
    p = np.asarray(json.loads(FACE_JSON.read_text())["points_px"], dtype=np.float64)
    for k, dy in _LIP_NUDGE_PX.items():
        p[k, 1] += dy
    a, b = OUTER_EYE_CORNERS
    dx, dy = p[b] - p[a]
    angle = -math.atan2(dy, dx)
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    centre = p.mean(axis=0)
    return (p - centre) @ rot.T + centre


class FaceHeatmapWidget(QWidget):
    """68 points on a reference face coloured by a per-landmark error; ``colors`` holds the 68
    QColors drawn (None where the model has no value)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points = reference_face_points()
        self.cmap = pg.colormap.get(COLORMAP)
        self.values: list[float | None] = [None] * N_LANDMARKS
        self.colors: list[QColor | None] = [None] * N_LANDMARKS
        self.vmax = 0.0
        self.title = ""
        self.note = ""
        self._screen: list[QPointF] = []
        self.setMouseTracking(True)
        self.setMinimumSize(QSize(360, 300))
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(self.backgroundRole(), QColor("white"))
        self.setPalette(pal)

    def set_values(self, values: list | None, vmax: float | None = None, title: str = "", note: str = "") -> None:
        """``values`` (68, fractions or None): mean normalised error per point; colours run 0..``vmax``."""
        self.values = list(values) if values is not None else [None] * N_LANDMARKS
        finite = [v for v in self.values if v is not None and math.isfinite(v)]
        self.vmax = float(vmax if vmax else (max(finite) if finite else 0.0)) or 1e-6
        self.colors = [None if v is None or not math.isfinite(v) else
                       self.cmap.map(min(v / self.vmax, 1.0), mode="qcolor") for v in self.values]
        self.title, self.note = title, note
        self.update()

    # -- drawing ------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        self._screen = self.paint_figure(painter, QRectF(self.rect()))
        painter.end()

    def paint_figure(self, painter: QPainter, rect: QRectF) -> list[QPointF]:
        """Draw the figure into ``rect``; returns where the 68 points were drawn."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(rect, QColor("white"))
        font = QFont(painter.font())
        font.setPixelSize(max(10, min(18, round(rect.height() / 45))))
        painter.setFont(font)
        line = painter.fontMetrics().height()
        painter.setPen(QColor(TEXT))
        top = rect.top() + 8
        if self.title:
            bold = QFont(font)
            bold.setBold(True)
            painter.setFont(bold)
            painter.drawText(QRectF(rect.left() + 8, top, rect.width() - 16, line * 1.3),
                             Qt.AlignmentFlag.AlignHCenter, self.title)
            painter.setFont(font)
            top += line * 1.4
        bottom = rect.bottom() - 8
        if self.note:
            flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextWordWrap
            box = QRectF(rect.left() + 8, top, rect.width() - 16, bottom - top)
            used = painter.boundingRect(box, flags, self.note)
            painter.setPen(QColor("#555555"))
            painter.drawText(box, flags, self.note)
            bottom = used.top() - 4
            painter.setPen(QColor(TEXT))
        bar_w = 16 + painter.fontMetrics().horizontalAdvance("10.0 %") + 24
        face = QRectF(rect.left() + 16, top + 8, rect.width() - 32 - bar_w, bottom - top - 16)
        pts = self._fit(face)
        self._draw_contours(painter, pts)
        self._draw_points(painter, pts, face)
        self._draw_colorbar(painter, QRectF(face.right() + 12, face.top() + face.height() * 0.1, 16,
                                            face.height() * 0.8))
        return pts

    def _fit(self, face: QRectF) -> list[QPointF]:
        p = self.points
        lo, hi = p.min(axis=0), p.max(axis=0)
        span = np.maximum(hi - lo, 1e-6)
        margin = 0.08
        scale = min(face.width() / (span[0] * (1 + 2 * margin)), face.height() / (span[1] * (1 + 2 * margin)))
        centre = (lo + hi) / 2
        cx, cy = face.center().x(), face.center().y()
        return [QPointF(cx + (x - centre[0]) * scale, cy + (y - centre[1]) * scale) for x, y in p]

    def _draw_contours(self, painter: QPainter, pts: list[QPointF]) -> None:
        painter.setPen(QPen(QColor("#b8bec6"), 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for indices, closed in CONTOURS:
            idx = list(indices) + ([indices[0]] if closed else [])
            path = QPainterPath(pts[idx[0]])
            for i in idx[1:]:
                path.lineTo(pts[i])
            painter.drawPath(path)

    def _draw_points(self, painter: QPainter, pts: list[QPointF], face: QRectF) -> None:
        r = max(3.0, min(9.0, min(face.width(), face.height()) / 55))
        for pt, color in zip(pts, self.colors):
            if color is None:
                painter.setPen(QPen(QColor("#888888"), 1.2, Qt.PenStyle.DotLine))
                painter.setBrush(QColor("white"))
            else:
                painter.setPen(QPen(QColor("#333333"), 0.8))
                painter.setBrush(color)
            painter.drawEllipse(pt, r, r)

    def _draw_colorbar(self, painter: QPainter, bar: QRectF) -> None:
        grad = QLinearGradient(bar.bottomLeft(), bar.topLeft())
        for k in range(11):
            grad.setColorAt(k / 10, self.cmap.map(k / 10, mode="qcolor"))
        painter.setPen(QPen(QColor("#333333"), 0.8))
        painter.setBrush(grad)
        painter.drawRect(bar)
        painter.setPen(QColor(TEXT))
        fm = painter.fontMetrics()
        for k in range(5):
            y = bar.bottom() - k / 4 * bar.height()
            painter.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 4, y))
            painter.drawText(QPointF(bar.right() + 7, y + fm.ascent() / 2 - 1), f"{100 * self.vmax * k / 4:.1f} %")

    # -- interaction and export ---------------------------------------------------------
    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt API
        pos = event.position()
        if self._screen:
            d = [(p.x() - pos.x()) ** 2 + (p.y() - pos.y()) ** 2 for p in self._screen]
            k = int(np.argmin(d))
            if d[k] < 144:
                v = self.values[k]
                QToolTip.showText(event.globalPosition().toPoint(),
                                  f"{k}: {NAMES[k]}\n" + ("no value" if v is None else f"{100 * v:.2f} %"), self)
                return
        QToolTip.hideText()

    def export(self, path: Path, size: QSize = QSize(800, 680)) -> None:
        """Write the figure as a PNG (2x ``size`` px) or SVG (see gui/analyze/figure.py)."""
        save_figure(Path(path), self.paint_figure, size, self.title or "Per-landmark error")
