"""Colour and depth images side by side (pyqtgraph), with the 68 landmarks on the colour image.

Both panes keep the image's aspect ratio and show row 0 at the top (y inverted), so image
pixel coordinates (x right, y down) are scene coordinates: landmark ``points_px (68, 2)``
are drawn as given. Images are updated in place with ``setImage(autoLevels=False)``; depth
uses fixed levels and a colour map, with holes (0) and anything nearer than the range black.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from neuroface_studio.domain.landmarks import CONTOURS, N_LANDMARKS

DEPTH_RANGE_MM = (250.0, 1500.0)
DEPTH_COLORMAP = "CET-L8"  # perceptually uniform, dark-to-bright
BACKGROUND = "#101216"
LANDMARK_COLOR = (60, 230, 120)  # ground truth: green; other sources pass their own colour


def _contour_index() -> np.ndarray:
    """Landmark indices along every contour, with -1 between contours (drawn as breaks)."""
    idx: list[int] = []
    for rng, closed in CONTOURS:
        idx.extend(rng)
        if closed:
            idx.append(rng[0])
        idx.append(-1)
    return np.asarray(idx, dtype=int)


def depth_lookup_table(n: int = 256) -> np.ndarray:
    """(n, 3) uint8 colour table whose first entry is black (holes, out of range)."""
    try:
        cmap = pg.colormap.get(DEPTH_COLORMAP)
    except Exception:  # noqa: BLE001 - colour map files missing: fall back to a built-in one
        cmap = pg.colormap.get("viridis")
    lut = cmap.getLookupTable(0.0, 1.0, n, alpha=False).astype(np.uint8)
    lut[0] = 0
    return lut


class FramePanesWidget(pg.GraphicsLayoutWidget):
    """Two aspect-locked image views (colour | depth) and a landmark overlay on the colour one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground(BACKGROUND)
        self.ci.layout.setContentsMargins(4, 4, 4, 4)
        self.ci.layout.setSpacing(6)
        self.color_view = self.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        self.depth_view = self.addViewBox(row=0, col=1, lockAspect=True, invertY=True, enableMenu=False)
        self.depth_view.setXLink(self.color_view)
        self.depth_view.setYLink(self.color_view)
        self.color_item = pg.ImageItem(axisOrder="row-major")
        self.depth_item = pg.ImageItem(axisOrder="row-major")
        self.depth_item.setLookupTable(depth_lookup_table())
        self.color_view.addItem(self.color_item)
        self.depth_view.addItem(self.depth_item)
        self.contour_curve = pg.PlotCurveItem(connect="finite")
        self.landmark_scatter = pg.ScatterPlotItem(size=4.5, pen=pg.mkPen((10, 40, 20), width=0.8),
                                                   brush=pg.mkBrush(*LANDMARK_COLOR))
        self._color: tuple[int, int, int] | None = None
        self.set_landmark_color(LANDMARK_COLOR)
        for item in (self.contour_curve, self.landmark_scatter):
            item.setZValue(10)
            self.color_view.addItem(item)
        self.color_title = self._caption(self.color_view, "Colour")
        self.depth_title = self._caption(
            self.depth_view, f"Depth {DEPTH_RANGE_MM[0]:.0f}–{DEPTH_RANGE_MM[1]:.0f} mm (black: no depth)")
        self._contour_idx = _contour_index()
        self._shape: tuple[int, int] | None = None

    @staticmethod
    def _caption(view: pg.ViewBox, text: str) -> pg.TextItem:
        """A label pinned to the image's top-left corner (constant size whatever the zoom)."""
        caption = pg.TextItem(text, color=(235, 238, 242), fill=pg.mkBrush(0, 0, 0, 150), anchor=(0, 0))
        caption.setPos(0, 0)
        caption.setZValue(20)
        view.addItem(caption)
        return caption

    # -- content ----------------------------------------------------------------------
    def set_frame(self, color_rgb: np.ndarray, depth_mm: np.ndarray) -> None:
        """Show ``color_rgb (H, W, 3) uint8`` and ``depth_mm (H, W)``."""
        self.color_item.setImage(color_rgb, autoLevels=False, levels=(0, 255))
        self.depth_item.setImage(depth_mm, autoLevels=False, levels=DEPTH_RANGE_MM)
        shape = color_rgb.shape[:2]
        if shape != self._shape:  # fit the view once per image size, keep the user's zoom after
            self._shape = shape
            self.color_view.setRange(xRange=(0, shape[1]), yRange=(0, shape[0]), padding=0.01)

    def set_landmark_color(self, rgb: tuple[int, int, int]) -> None:
        if rgb != self._color:
            self._color = rgb
            self.landmark_scatter.setBrush(pg.mkBrush(*rgb))
            self.contour_curve.setPen(pg.mkPen((*rgb, 150), width=1.2))

    def set_landmarks(self, points_px: np.ndarray | None) -> None:
        """Draw ``points_px (68, 2)`` (x right, y down), or hide the overlay with None."""
        if points_px is None:
            self.landmark_scatter.setData(pos=np.empty((0, 2)))
            self.contour_curve.setData(x=np.empty(0), y=np.empty(0))
            return
        pts = np.asarray(points_px, dtype=np.float64).reshape(N_LANDMARKS, 2)
        self.landmark_scatter.setData(pos=pts)
        line = np.where(self._contour_idx[:, None] >= 0, pts[np.maximum(self._contour_idx, 0)], np.nan)
        self.contour_curve.setData(x=line[:, 0], y=line[:, 1])

    def landmark_points(self) -> np.ndarray:
        """The overlay's points as (N, 2) (empty when hidden)."""
        x, y = self.landmark_scatter.getData()
        return np.column_stack([x, y]) if x is not None and len(x) else np.empty((0, 2))

    def clear_frame(self) -> None:
        """Remove the images and the overlay (``clear`` itself would empty the layout)."""
        self.color_item.clear()
        self.depth_item.clear()
        self.set_landmarks(None)
        self._shape = None
