"""The live preview of the Record workspace: newest colour + depth frame, landmarks, pose feedback.

Frames arrive on the capture thread (app.live_session.LiveSession's frame listener). That
thread only drops the frame into a :class:`FrameMailbox` (one slot, newest wins, under a
lock) and emits ``frame_ready`` once per batch; the GUI thread takes the newest frame when it
gets to it, so intermediate frames are dropped and the capture thread never waits for drawing.

:class:`LivePreviewPanel` draws the frame (colour large, depth small beside it), the latest
pose estimate's 68 landmarks, a thick border and a banner coloured by the feedback level
(green / amber / red) with the feedback messages in large text, and a readout of yaw, pitch,
roll, distance and the pose update rate.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from neuroface_studio.gui.widgets.frame_panes import BACKGROUND, DEPTH_RANGE_MM, _contour_index, depth_lookup_table

#: feedback level -> (background, text colour) of the banner and the preview border
LEVEL_COLORS = {
    "green": ("#2e7d32", "#ffffff"),
    "amber": ("#f6a800", "#1b1b1b"),
    "red": ("#c62828", "#ffffff"),
    None: ("#3b4452", "#e6e9ee"),  # no feedback (no pose worker, no estimate yet, idle)
}
LEVEL_TITLES = {"green": "Good position", "amber": "Adjust position", "red": "Face the camera"}


def level_style(level: str | None) -> tuple[str, str]:
    return LEVEL_COLORS.get(level, LEVEL_COLORS[None])


class FrameMailbox(QObject):
    """One-slot mailbox between the capture thread and the GUI thread (newest frame wins).

    :meth:`put` runs on the capture thread: it stores the frame and emits ``frame_ready``
    only when the GUI has taken the previous one, so the event queue never fills up.
    :meth:`take` runs on the GUI thread.
    """

    frame_ready = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._frame = None
        self._put_at = 0.0
        self._pending = False
        self.received = 0  # frames handed in by the capture thread
        self.latencies_ms: list[float] = []  # capture-thread hand-over -> drawn, per shown frame

    def put(self, frame) -> None:
        with self._lock:
            self._frame = frame
            self._put_at = time.perf_counter()
            self.received += 1
            notify = not self._pending
            self._pending = True
        if notify:
            self.frame_ready.emit()

    def take(self):
        """The newest frame not shown yet, or None."""
        with self._lock:
            frame, self._frame = self._frame, None
            self._pending = False
            self._taken_put_at = self._put_at
        return frame

    def shown(self) -> None:
        """Call after drawing the frame from :meth:`take`: records the preview latency."""
        if len(self.latencies_ms) < 100_000:
            self.latencies_ms.append(1000.0 * (time.perf_counter() - self._taken_put_at))


class LivePreviewPanel(QWidget):
    """Feedback banner, bordered colour view with landmarks, small depth view and pose readout."""

    BORDER_PX = 10

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level: str | None = None
        self.frames_shown = 0
        self._fps_window: list[float] = []
        self._contour_idx = _contour_index()
        self._fitted_shape: tuple[int, int] | None = None

        self.banner = QLabel()
        self.banner.setObjectName("feedbackBanner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setWordWrap(True)
        self.banner.setMinimumHeight(76)

        self.color_widget = pg.GraphicsLayoutWidget()
        self.color_widget.setBackground(BACKGROUND)
        self.color_widget.ci.layout.setContentsMargins(0, 0, 0, 0)
        self.color_view = self.color_widget.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.color_view.setMouseEnabled(False, False)
        self.color_item = pg.ImageItem(axisOrder="row-major")
        self.color_view.addItem(self.color_item)
        self.contour_curve = pg.PlotCurveItem(connect="finite", pen=pg.mkPen((120, 255, 170, 170), width=1.5))
        self.landmark_scatter = pg.ScatterPlotItem(size=5, pen=pg.mkPen((10, 40, 20), width=0.8),
                                                   brush=pg.mkBrush(120, 255, 170))
        for item in (self.contour_curve, self.landmark_scatter):
            item.setZValue(10)
            self.color_view.addItem(item)
        self.frame_box = QFrame()
        self.frame_box.setObjectName("previewBorder")
        box = QVBoxLayout(self.frame_box)
        box.setContentsMargins(self.BORDER_PX, self.BORDER_PX, self.BORDER_PX, self.BORDER_PX)
        box.addWidget(self.color_widget)

        self.depth_widget = pg.GraphicsLayoutWidget()
        self.depth_widget.setBackground(BACKGROUND)
        self.depth_widget.setFixedSize(176, 132)
        self.depth_widget.ci.layout.setContentsMargins(0, 0, 0, 0)
        self.depth_widget.setToolTip(f"Depth, {DEPTH_RANGE_MM[0]:.0f}–{DEPTH_RANGE_MM[1]:.0f} mm (black: no depth)")
        self.depth_view = self.depth_widget.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.depth_view.setMouseEnabled(False, False)
        self.depth_item = pg.ImageItem(axisOrder="row-major")
        self.depth_item.setLookupTable(depth_lookup_table())
        self.depth_view.addItem(self.depth_item)
        depth_caption = QLabel(f"Depth {DEPTH_RANGE_MM[0]:.0f}–{DEPTH_RANGE_MM[1]:.0f} mm")
        depth_caption.setStyleSheet("color: #8b949e; font-size: 9pt;")
        depth_col = QVBoxLayout()
        depth_col.setSpacing(2)
        depth_col.addWidget(self.depth_widget)
        depth_col.addWidget(depth_caption)

        self.readout: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setVerticalSpacing(6)
        grid.setHorizontalSpacing(10)
        rows = (("yaw", "Yaw"), ("pitch", "Pitch"), ("roll", "Roll"), ("distance", "Distance"),
                ("pose_rate", "Pose updates"), ("display_rate", "Preview"))
        for k, (key, title) in enumerate(rows):
            name = QLabel(title)
            name.setStyleSheet("color: #8b949e; font-size: 10pt;")
            value = QLabel("—")
            value.setObjectName(f"readout_{key}")
            value.setMinimumWidth(96)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setStyleSheet("color: #e6e9ee; font-size: 14pt; font-weight: 600;"
                                " font-family: 'DejaVu Sans Mono', monospace;")
            row, col = k % 3, 2 * (k // 3)
            grid.addWidget(name, row, col)
            grid.addWidget(value, row, col + 1)
            self.readout[key] = value
        grid.setColumnMinimumWidth(2, 120)
        strip = QWidget()
        strip.setObjectName("previewStrip")
        strip.setStyleSheet(f"QWidget#previewStrip {{ background: {BACKGROUND}; border-radius: 6px; }}")
        strip_layout = QHBoxLayout(strip)
        strip_layout.setContentsMargins(8, 8, 12, 8)
        strip_layout.setSpacing(16)
        strip_layout.addLayout(depth_col)
        strip_layout.addLayout(grid, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.banner)
        layout.addWidget(self.frame_box, 1)
        layout.addWidget(strip)
        self.set_idle("Start the preview to see the camera.")

    # -- frames ------------------------------------------------------------------------
    def show_frame(self, frame) -> None:
        """Draw ``frame.color (H, W, 3) uint8 RGB`` and ``frame.depth (H, W)`` (GUI thread)."""
        self.color_item.setImage(frame.color, autoLevels=False, levels=(0, 255))
        self.depth_item.setImage(frame.depth, autoLevels=False, levels=DEPTH_RANGE_MM)
        shape = frame.color.shape[:2]
        if shape != self._fitted_shape:
            self._fitted_shape = shape
            for view in (self.color_view, self.depth_view):
                view.setRange(xRange=(0, shape[1]), yRange=(0, shape[0]), padding=0.0)
        self.frames_shown += 1
        now = time.perf_counter()
        self._fps_window = [t for t in self._fps_window if now - t < 1.0] + [now]
        self.readout["display_rate"].setText(f"{len(self._fps_window)} fps")

    def set_landmarks(self, points_px: np.ndarray | None) -> None:
        """Overlay ``points_px (68, 2)`` (image pixels, x right, y down), or hide with None."""
        if points_px is None:
            self.landmark_scatter.setData(pos=np.empty((0, 2)))
            self.contour_curve.setData(x=np.empty(0), y=np.empty(0))
            return
        pts = np.asarray(points_px, dtype=np.float64).reshape(-1, 2)
        self.landmark_scatter.setData(pos=pts)
        if len(pts) == 68:
            idx = self._contour_idx
            line = np.where(idx[:, None] >= 0, pts[np.maximum(idx, 0)], np.nan)
            self.contour_curve.setData(x=line[:, 0], y=line[:, 1])

    def landmark_points(self) -> np.ndarray:
        x, y = self.landmark_scatter.getData()
        return np.column_stack([x, y]) if x is not None and len(x) else np.empty((0, 2))

    # -- feedback ----------------------------------------------------------------------
    def show_feedback(self, estimate, feedback, pose_rate_hz: float | None = None) -> None:
        """Banner, border, landmarks and readout from a PoseEstimate and its Feedback (either may be None)."""
        if feedback is None:
            self._set_level(None, "Waiting for the face…" if pose_rate_hz is not None else
                            "Pose feedback is off")
        else:
            messages = [m for m in feedback.messages if m]
            text = " · ".join(messages) if messages else LEVEL_TITLES.get(feedback.level, "")
            self._set_level(feedback.level, text)
        found = estimate is not None and getattr(estimate, "face_found", False)
        self.set_landmarks(estimate.landmarks_px if found and estimate.landmarks_px is not None else None)
        r = self.readout
        if found:
            r["yaw"].setText(f"{estimate.yaw_deg:+.1f}°")
            r["pitch"].setText(f"{estimate.pitch_deg:+.1f}°")
            r["roll"].setText(f"{estimate.roll_deg:+.1f}°")
            dist = estimate.distance_mm
            r["distance"].setText(f"{dist:.0f} mm" if dist is not None and np.isfinite(dist) else "—")
        else:
            for key in ("yaw", "pitch", "roll", "distance"):
                r[key].setText("—")
        r["pose_rate"].setText("off" if pose_rate_hz is None else f"{pose_rate_hz:.1f} Hz")

    def _set_level(self, level: str | None, text: str) -> None:
        self.level = level
        bg, fg = level_style(level)
        self.banner.setText(text)
        self.banner.setStyleSheet(f"QLabel#feedbackBanner {{ background: {bg}; color: {fg}; font-size: 22pt;"
                                  " font-weight: 700; padding: 10px 16px; border-radius: 6px; }")
        self.frame_box.setStyleSheet(f"QFrame#previewBorder {{ background: {bg}; border-radius: 6px; }}")

    def set_idle(self, message: str) -> None:
        """No stream: clear the images and the overlay, grey banner with ``message``."""
        self.color_item.clear()
        self.depth_item.clear()
        self.set_landmarks(None)
        self._fitted_shape = None
        self._fps_window = []
        for value in self.readout.values():
            value.setText("—")
        self._set_level(None, message)
