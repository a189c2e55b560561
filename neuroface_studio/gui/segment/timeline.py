"""The Segment workspace's timeline: a kinematic trace with repetition spans as draggable regions.

x is the frame number. A span ``start .. end`` (inclusive) is drawn from ``start - 0.5`` to
``end + 0.5``, so the frame-``f`` cursor line at ``x = f`` lies inside exactly the spans that
hold frame ``f``. The widget only shows and reports; it never changes the project:

- ``seek_requested(frame)``: a left click or drag on the plot background (or the cursor line).
- ``span_clicked(index, frame)``: a left click on repetition ``index``.
- ``span_edited(index, start, end)``: the end of a drag of a region's edge or body (once per
  drag, never per mouse move); the workspace turns it into one undoable command and then
  calls :meth:`set_spans` with the project's spans, which snaps the region to whole frames.

Proposals (dashed orange, lower band, with confidence), simulated true spans (thin green band
at the bottom) and, after `[`, the span `]` would add (faint green) are drawn read-only.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QWidget

BACKGROUND = "#15191f"
TRACE_PEN = pg.mkPen("#d8dee9", width=1.6)
CURSOR_PEN = pg.mkPen("#ff4d4d", width=2)
MARK_PEN = pg.mkPen("#7ee787", width=2, style=Qt.PenStyle.DashLine)
REP_BRUSHES = ((74, 144, 217, 70), (47, 109, 179, 85))  # alternating blues
REP_PEN = pg.mkPen((110, 170, 240), width=1.5)
REP_HOVER_PEN = pg.mkPen((255, 255, 255), width=3)
SELECTED_BRUSH = (255, 196, 0, 80)
SELECTED_PEN = pg.mkPen((255, 196, 0), width=2.5)
PROPOSAL_BRUSH = (255, 140, 40, 60)
PROPOSAL_PEN = pg.mkPen((255, 150, 60), width=1.6, style=Qt.PenStyle.DashLine)
TRUTH_BRUSH = (60, 200, 110, 150)
PENDING_BRUSH = (126, 231, 135, 45)
REP_BAND, PROPOSAL_BAND, TRUTH_BAND = (0.0, 1.0), (0.0, 0.42), (0.0, 0.06)
REP_BAND_WITH_PROPOSALS = (0.45, 1.0)


class _TimelineViewBox(pg.ViewBox):
    """A ViewBox whose left click / left drag asks to seek; wheel zooms the time axis only."""

    def __init__(self, timeline: "SegmentTimelineWidget") -> None:
        super().__init__(enableMenu=False)
        self._timeline = timeline
        self.setMouseEnabled(x=True, y=False)

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph API
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._timeline.seek_to_x(self.mapSceneToView(ev.scenePos()).x())
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph API
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._timeline.seek_to_x(self.mapSceneToView(ev.scenePos()).x())
        else:
            super().mouseDragEvent(ev, axis)


class RepetitionRegionItem(pg.LinearRegionItem):
    """One repetition: movable edges and body, a number label, and a left-click signal."""

    clicked = Signal(object, float)  # (self, x in frames)

    def __init__(self, index: int) -> None:
        super().__init__(values=(0, 1), orientation="vertical", pen=REP_PEN, hoverPen=REP_HOVER_PEN,
                         swapMode="block")
        self.index = index
        self.label = pg.InfLineLabel(self.lines[0], text=str(index + 1), position=0.93, anchors=[(0, 0), (0, 0)],
                                     color=(235, 240, 248), fill=pg.mkBrush(20, 24, 30, 190))
        self.setZValue(10)

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph API
        if ev.button() == Qt.MouseButton.LeftButton and not self.moving:
            ev.accept()
            self.clicked.emit(self, self.mapToView(ev.pos()).x())
        else:
            super().mouseClickEvent(ev)


class SegmentTimelineWidget(pg.PlotWidget):
    """Trace + cursor + repetition regions (+ proposals and true spans) over frame numbers."""

    seek_requested = Signal(int)
    span_clicked = Signal(int, int)
    span_edited = Signal(int, int, int)  # index, start, end (inclusive frames), at the end of a drag
    span_dragging = Signal(int, int, int)  # the same while the drag goes on (for a live status line)

    def __init__(self, parent: QWidget | None = None) -> None:
        self.view_box = _TimelineViewBox(self)
        super().__init__(parent, viewBox=self.view_box, background=BACKGROUND)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.n_frames = 0
        self.spans: list[tuple[int, int]] = []
        self.selected: int | None = None
        self.regions: list[RepetitionRegionItem] = []
        self._proposal_items: list[pg.LinearRegionItem] = []
        self._truth_items: list[pg.LinearRegionItem] = []
        self._updating = False
        plot = self.getPlotItem()
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setLabel("bottom", "frame")
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.getAxis("left").enableAutoSIPrefix(False)
        self._trace_label = ""  # the whole y-axis label; the axis shows what fits its height
        self.view_box.sigResized.connect(lambda _vb: self._fit_axis_label())
        self.curve = pg.PlotDataItem(pen=TRACE_PEN, connect="finite")
        self.curve.setZValue(5)
        plot.addItem(self.curve)
        self.cursor = pg.InfiniteLine(0, angle=90, movable=True, pen=CURSOR_PEN, hoverPen=pg.mkPen("#ff9090", width=3))
        self.cursor.setZValue(30)
        self.cursor.sigDragged.connect(lambda line: self.seek_to_x(line.value()))
        plot.addItem(self.cursor)
        self.mark_line = pg.InfiniteLine(0, angle=90, movable=False, pen=MARK_PEN,
                                         label="start [", labelOpts={"position": 0.8, "color": "#7ee787"})
        self.mark_line.setZValue(25)
        self.mark_line.hide()
        plot.addItem(self.mark_line)
        self.pending = pg.LinearRegionItem((0, 0), movable=False, brush=PENDING_BRUSH, pen=pg.mkPen(None))
        self.pending.setZValue(2)  # the span `]` would add: from the marked start to the cursor
        self.pending.hide()
        plot.addItem(self.pending)
        self.message = pg.TextItem("", color=(200, 205, 212), anchor=(0.5, 0.5))
        self.message.setZValue(40)
        plot.addItem(self.message, ignoreBounds=True)

    # -- content ----------------------------------------------------------------------
    def set_recording(self, n_frames: int, trace: np.ndarray | None, trace_label: str, message: str = "") -> None:
        """Show a new recording's trace ``(n_frames,)`` (NaN gaps; None: no trace, ``message`` says why)."""
        self.n_frames = int(n_frames)
        self.set_trace(trace, trace_label, message)
        self.clear_mark()
        self.set_proposals([])
        self.set_truth([])
        self.fit()

    def set_trace(self, trace: np.ndarray | None, trace_label: str, message: str = "") -> None:
        plot = self.getPlotItem()
        if trace is None or not np.isfinite(trace).any():
            self.curve.setData(x=np.empty(0), y=np.empty(0))
            self.view_box.setYRange(0.0, 1.0, padding=0)
            self._trace_label = ""
            self.message.setText(message or "no trace")
        else:
            y = np.asarray(trace, dtype=np.float64)
            self.curve.setData(x=np.arange(len(y), dtype=np.float64), y=y)
            lo, hi = float(np.nanmin(y)), float(np.nanmax(y))
            pad = 0.08 * (hi - lo) if hi > lo else 0.5
            self.view_box.setYRange(lo - pad, hi + pad, padding=0)
            self._trace_label = trace_label
            self.message.setText(message)
        self._fit_axis_label()
        self._place_message()

    def _fit_axis_label(self) -> None:
        """The trace's label on the left axis, shortened to the axis' height (the name without its
        units, then elided) rather than cut mid-word (issue 18); the whole label is the axis' tooltip."""
        axis = self.getPlotItem().getAxis("left")
        axis.setToolTip(self._trace_label)
        room = axis.geometry().height()
        shown = self._trace_label
        if shown and room > 0:
            fm = QFontMetricsF(axis.label.font())
            margin = axis.label.boundingRect().width() - fm.horizontalAdvance(axis.label.toPlainText())
            room -= max(margin, 0.0)  # the label's own document margins
            if fm.horizontalAdvance(shown) > room:
                shown = shown.split(" (")[0]
            if fm.horizontalAdvance(shown) > room:
                shown = fm.elidedText(shown, Qt.TextElideMode.ElideRight, room)
        if axis.labelText != shown:
            self.getPlotItem().setLabel("left", shown)
            axis.resizeEvent()  # pyqtgraph centres the label only on a resize: a new text stayed off-centre, cut

    def fit(self) -> None:
        """Show the whole recording on the time axis."""
        if self.n_frames > 0:
            self.view_box.setLimits(xMin=-1.0, xMax=self.n_frames)
            self.view_box.setXRange(-0.5, self.n_frames - 0.5, padding=0.01)
        self._place_message()

    def _place_message(self) -> None:
        (_x0, _x1), (y0, y1) = self.view_box.viewRange()
        self.message.setPos(max(self.n_frames - 1, 1) / 2.0, (y0 + y1) / 2.0)

    def set_current(self, frame: int) -> None:
        self.cursor.blockSignals(True)
        self.cursor.setValue(frame)
        self.cursor.blockSignals(False)
        self._update_pending()

    def set_mark(self, frame: int) -> None:
        self.mark_line.setValue(frame)
        self.mark_line.show()
        self._update_pending()

    def clear_mark(self) -> None:
        self.mark_line.hide()
        self.pending.hide()

    def _update_pending(self) -> None:
        if self.mark_line.isVisible():
            a, b = sorted((self.mark_line.value(), self.cursor.value()))
            self.pending.setRegion((a - 0.5, b + 0.5))
            self.pending.show()

    @property
    def mark_visible(self) -> bool:
        return self.mark_line.isVisible()

    def seek_to_x(self, x: float) -> None:
        if self.n_frames > 0:
            self.seek_requested.emit(int(min(max(round(x), 0), self.n_frames - 1)))

    # -- repetitions ------------------------------------------------------------------
    def set_spans(self, spans: list[tuple[int, int]], selected: int | None = None) -> None:
        """Show ``spans`` (inclusive frames, sorted) as regions, reusing the region items."""
        self.spans = [(int(a), int(b)) for a, b in spans]
        self.selected = selected if selected is not None and 0 <= selected < len(self.spans) else None
        plot = self.getPlotItem()
        self._updating = True
        try:
            while len(self.regions) < len(self.spans):
                region = RepetitionRegionItem(len(self.regions))
                region.sigRegionChangeFinished.connect(self._on_region_finished)
                region.sigRegionChanged.connect(self._on_region_changed)
                region.clicked.connect(lambda r, x: self.span_clicked.emit(r.index, self._frame_at(x)))
                plot.addItem(region)
                self.regions.append(region)
            while len(self.regions) > len(self.spans):
                plot.removeItem(self.regions.pop())
            for k, (a, b) in enumerate(self.spans):
                region = self.regions[k]
                region.setBounds((-0.5, self.n_frames - 0.5))
                region.setRegion((a - 0.5, b + 0.5))
                self._style_region(region, k == self.selected)
        finally:
            self._updating = False

    def _style_region(self, region: RepetitionRegionItem, selected: bool) -> None:
        k = region.index
        region.setBrush(SELECTED_BRUSH if selected else REP_BRUSHES[k % 2])
        region.setHoverBrush((*(SELECTED_BRUSH if selected else REP_BRUSHES[k % 2])[:3], 130))
        for line in region.lines:
            line.setPen(SELECTED_PEN if selected else REP_PEN)
        a, b = self.spans[k]
        region.label.setFormat(f"{k + 1}")
        region.setToolTip(f"Repetition {k + 1}: frames {a}..{b} ({b - a + 1} frames). Drag an edge to resize, "
                          "the body to move; click to select")
        region.update()

    def set_selected(self, index: int | None) -> None:
        self.selected = index if index is not None and 0 <= index < len(self.spans) else None
        for region in self.regions:
            self._style_region(region, region.index == self.selected)

    def _span_of_region(self, region: RepetitionRegionItem) -> tuple[int, int]:
        x0, x1 = region.getRegion()
        a = int(round(x0 + 0.5))
        b = max(a, int(round(x1 - 0.5)))
        return a, b

    def _on_region_changed(self, region: RepetitionRegionItem) -> None:
        if not self._updating:
            self.span_dragging.emit(region.index, *self._span_of_region(region))

    def _on_region_finished(self, region: RepetitionRegionItem) -> None:
        if self._updating or region.index >= len(self.spans):
            return
        span = self._span_of_region(region)
        if span == self.spans[region.index]:
            self.set_spans(self.spans, self.selected)  # snap back to whole frames
            return
        self.span_edited.emit(region.index, *span)

    def _frame_at(self, x: float) -> int:
        return int(min(max(round(x), 0), max(self.n_frames - 1, 0)))

    # -- proposals and truth ----------------------------------------------------------
    def set_proposals(self, spans: list[tuple[int, int, float]]) -> None:
        """Show proposals ``(start, end, confidence)`` read-only in the lower band (empty: none)."""
        plot = self.getPlotItem()
        for item in self._proposal_items:
            plot.removeItem(item)
        self._proposal_items = []
        for k, (a, b, conf) in enumerate(spans):
            item = pg.LinearRegionItem((a - 0.5, b + 0.5), movable=False, brush=PROPOSAL_BRUSH, pen=PROPOSAL_PEN,
                                       span=PROPOSAL_BAND)
            item.setZValue(4)
            pg.InfLineLabel(item.lines[0], text=f"P{k + 1} {conf:.2f}", position=0.3, anchors=[(0, 0), (0, 0)],
                            color=(255, 190, 130))
            item.setToolTip(f"Proposal {k + 1}: frames {a}..{b}, confidence {conf:.2f}")
            plot.addItem(item)
            self._proposal_items.append(item)
        band = REP_BAND_WITH_PROPOSALS if spans else REP_BAND
        for region in self.regions:
            region.setSpan(*band)

    def set_truth(self, spans: list[tuple[int, int]]) -> None:
        """Show simulated true spans as a thin band at the bottom (empty: none)."""
        plot = self.getPlotItem()
        for item in self._truth_items:
            plot.removeItem(item)
        self._truth_items = []
        for a, b in spans:
            item = pg.LinearRegionItem((a - 0.5, b + 0.5), movable=False, brush=TRUTH_BRUSH,
                                       pen=pg.mkPen(None), span=TRUTH_BAND)
            item.setZValue(3)
            item.setToolTip(f"Simulated true repetition: frames {a}..{b}")
            plot.addItem(item)
            self._truth_items.append(item)

    @property
    def proposal_count(self) -> int:
        return len(self._proposal_items)
