"""Figures of the Analyze workspace as files: PNG and SVG painted by QPainter at a fixed size.

:func:`save_figure` paints a figure (any ``paint(painter, rect)``) into a PNG (at twice the
size, so lines and text scale together) or into an SVG through QSvgGenerator. The exported CED,
ROC and kinematic trace figures are drawn by :func:`paint_line_chart` rather than through
pyqtgraph's exporters: the SVGExporter of pyqtgraph 0.14 fails on the path data Qt 6.11
writes, a scene painted into QSvgGenerator comes out with its curves misplaced, and the
ImageExporter keeps 1-px lines and screen-sized legends on a large image. The on-screen plot
stays pyqtgraph (zoom, pan); the file shows the same curves at the size of a figure in a paper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen
from PySide6.QtSvg import QSvgGenerator

TEXT = "#222222"
GRID = "#e3e6ea"


def figure_suffix(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"save figures as .png or .svg, not {suffix or 'a file without extension'}")
    return suffix


def save_figure(path: Path, paint: Callable[[QPainter, QRectF], object], size: QSize, title: str,
                png_scale: float = 2.0) -> None:
    """Paint ``paint(painter, QRectF(0, 0, w, h))`` into ``path`` (.png at ``png_scale`` x size, or .svg)."""
    rect = QRectF(0, 0, size.width(), size.height())
    painter = QPainter()
    if figure_suffix(path) == ".png":
        device = QImage(round(size.width() * png_scale), round(size.height() * png_scale),
                        QImage.Format.Format_ARGB32)
        device.fill(QColor("white"))
        if not painter.begin(device):
            raise OSError(f"could not paint {path}")
        painter.scale(png_scale, png_scale)
        paint(painter, rect)
        painter.end()
        if not device.save(str(path)):
            raise OSError(f"could not write {path}")
        return
    device = QSvgGenerator()
    device.setFileName(str(path))
    device.setSize(size)
    device.setViewBox(rect)
    device.setTitle(title)
    device.setDescription("NeuroFace Studio")
    if not painter.begin(device):
        raise OSError(f"could not write {path}")
    paint(painter, rect)
    painter.end()


@dataclass
class Series:
    """One curve: ``x`` and ``y`` in axis units, drawn with ``color``, ``width`` (px) and ``style``."""

    label: str
    x: np.ndarray
    y: np.ndarray
    color: str
    width: float = 2.0
    style: Qt.PenStyle = Qt.PenStyle.SolidLine


def nice_step(span: float, target: int = 6) -> float:
    """A 1-2-2.5-5 x 10^k tick step giving about ``target`` ticks over ``span``."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / target
    base = 10 ** math.floor(math.log10(raw))
    return next(m * base for m in (1, 2, 2.5, 5, 10) if m * base >= raw)


def _label(v: float) -> str:
    return f"{v:g}"


def paint_line_chart(painter: QPainter, rect: QRectF, series: list[Series], title: str, x_label: str,
                     y_label: str, x_range: tuple[float, float], y_range: tuple[float, float],
                     spans: list[tuple[float, float]] = (), span_color: str = "#261f77b4",
                     legend: bool = True, legend_bottom_right: bool = False) -> None:
    """A plain line chart: title, grid, ticks, axis labels, clipped curves, legend (top left);
    ``spans`` (x from, x to) shaded under the curves (e.g. repetitions; ``span_color`` #AARRGGBB)."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillRect(rect, QColor("white"))
    font = QFont(painter.font())
    font.setPixelSize(max(10, round(rect.height() / 48)))
    painter.setFont(font)
    fm = painter.fontMetrics()
    line = fm.height()
    left = rect.left() + line * 1.6 + fm.horizontalAdvance("100") + 10
    plot = QRectF(left, rect.top() + line * 2.2, rect.right() - 16 - left, rect.height() - line * 4.8)
    (x0, x1), (y0, y1) = x_range, y_range

    def to_px(x: float, y: float) -> QPointF:
        return QPointF(plot.left() + (x - x0) / (x1 - x0) * plot.width(),
                       plot.bottom() - (y - y0) / (y1 - y0) * plot.height())

    bold = QFont(font)
    bold.setBold(True)
    painter.setFont(bold)
    painter.setPen(QColor(TEXT))
    painter.drawText(QRectF(rect.left(), rect.top() + 4, rect.width(), line * 1.6), Qt.AlignmentFlag.AlignHCenter,
                     title)
    painter.setFont(font)
    for axis, (lo, hi) in (("x", x_range), ("y", y_range)):
        step = nice_step(hi - lo)
        v = math.ceil(lo / step - 1e-9) * step
        while v <= hi + 1e-9:
            a, b = (to_px(v, y0), to_px(v, y1)) if axis == "x" else (to_px(x0, v), to_px(x1, v))
            painter.setPen(QPen(QColor(GRID), 1))
            painter.drawLine(a, b)
            painter.setPen(QColor(TEXT))
            if axis == "x":
                painter.drawText(QRectF(a.x() - 40, plot.bottom() + 4, 80, line), Qt.AlignmentFlag.AlignHCenter,
                                 _label(v))
            else:
                painter.drawText(QRectF(plot.left() - 86, a.y() - line / 2, 80, line),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, _label(v))
            v += step
    painter.setPen(QPen(QColor(TEXT), 1.2))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(plot)
    painter.drawText(QRectF(plot.left(), plot.bottom() + line * 1.4, plot.width(), line * 1.4),
                     Qt.AlignmentFlag.AlignHCenter, x_label)
    painter.save()
    painter.translate(rect.left() + 4, plot.center().y())
    painter.rotate(-90)
    painter.drawText(QRectF(-plot.height() / 2, 0, plot.height(), line * 1.4), Qt.AlignmentFlag.AlignHCenter, y_label)
    painter.restore()

    painter.save()
    painter.setClipRect(plot.adjusted(-2, -2, 2, 2))
    for a, b in spans:
        painter.fillRect(QRectF(to_px(a, y1), to_px(b, y0)).normalized(), QColor(span_color))
    for s in series:
        path, pen_down = QPainterPath(), False
        for x, y in zip(s.x, s.y):  # a missing value (NaN) breaks the line, as on screen
            if not (math.isfinite(x) and math.isfinite(y)):
                pen_down = False
                continue
            p = to_px(float(x), float(y))
            if pen_down:
                path.lineTo(p)
            else:
                path.moveTo(p)
            pen_down = True
        painter.setPen(QPen(QColor(s.color), s.width, s.style, Qt.PenCapStyle.FlatCap, Qt.PenJoinStyle.RoundJoin))
        painter.drawPath(path)
    painter.restore()

    if series and legend:  # legend, top left inside the plot (a CED is empty there)
        sample = line * 2.2
        width = sample + 14 + max(fm.horizontalAdvance(s.label) for s in series) + 12
        box = QRectF(plot.left() + 10, plot.top() + 10, width, line * 1.25 * len(series) + 10)
        if legend_bottom_right:  # e.g. a ROC curve, which keeps to the top left
            box.moveBottomRight(plot.bottomRight() - QPointF(10, 10))
        painter.setPen(QPen(QColor("#c8ccd2"), 1))
        painter.setBrush(QColor(255, 255, 255, 235))
        painter.drawRect(box)
        for k, s in enumerate(series):
            y = box.top() + 5 + line * 1.25 * (k + 0.5)
            painter.setPen(QPen(QColor(s.color), s.width, s.style, Qt.PenCapStyle.FlatCap))
            painter.drawLine(QPointF(box.left() + 8, y), QPointF(box.left() + 8 + sample, y))
            painter.setPen(QColor(TEXT))
            painter.drawText(QPointF(box.left() + 14 + sample, y + fm.ascent() / 2 - 1), s.label)
