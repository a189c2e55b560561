"""The Analyze workspace's kinematic traces of one recording, linked to the Review viewer's frame.

:func:`recording_trace` gives the task's trace of a recording (the trace the protocol names for
the task: in 2D in interocular units, as Segment shows it, or in 3D in mm from depth, as the
features measure it) from its stored landmark track, or from the simulated truth on a simulated
recording without a track. The 3D trace reads every depth frame, so it comes in two steps:
:func:`trace_request` takes what it needs from the project (cheap, GUI thread) and
:func:`trace_3d` computes it from files only, with progress and cancel (a worker thread; see
gui/analyze/traces.py). :class:`KinematicTracesWidget` draws it over time with the project's repetitions shaded (top) and each repetition overlaid, aligned
at its start (bottom). A vertical cursor marks the Review viewer's frame (:meth:`set_frame`,
connected to the viewer's ``frame_changed``); clicking the top plot, or dragging the cursor,
emits ``frame_requested`` with the frame there (the workspace moves the viewer). The two plots
export together as one PNG/SVG figure painted by QPainter (gui/analyze/figure.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from neuroface_studio.analysis.kinematics3d import landmarks_3d, to_head_frame
from neuroface_studio.analysis.traces import TRACES, compute_trace, turned_away
from neuroface_studio.app.frame_times import recording_times
from neuroface_studio.app.jobs import CancelToken, ProgressFn, no_progress
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.app.segmentation import landmark_source, task_trace_name, trace_for_recording
from neuroface_studio.domain.camera import Intrinsics
from neuroface_studio.gui.analyze.figure import Series, paint_line_chart, save_figure
from neuroface_studio.store.recording_file import RecordingReader
from neuroface_studio.store.tracks_file import read_track as read_track_file
from neuroface_studio.store.tracks_file import track_path
from neuroface_studio.store.truth_file import read_truth

TEXT = "#222222"
TRACE_COLOR = "#1f4e79"
CURSOR_COLOR = "#d62728"
REP_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")


@dataclass
class RecordingTrace:
    """The trace ``values (T,)`` of ``recording`` (interocular units), its fps and repetitions (frames)."""

    recording: str
    name: str
    values: np.ndarray
    fps: float
    repetitions: list[tuple[int, int]] = field(default_factory=list)
    source: str = ""
    participant: str = ""
    task: str = ""
    unit: str = "interocular distances"  # or mm (mm² for an area) in 3D
    times: np.ndarray | None = field(default=None, repr=False)  # (T,) s of each frame (recorded timestamps)
    clock: str = ""  # which clock the times come from (app.frame_times)

    @property
    def seconds(self) -> np.ndarray:
        """Time of each frame, s: the recorded timestamps (index / fps for old recordings)."""
        if self.times is not None and len(self.times) == len(self.values):
            return np.asarray(self.times, np.float64)
        return np.arange(len(self.values)) / self.fps

    @property
    def period(self) -> float:
        """One frame interval (median of the recorded ones), s."""
        t = self.seconds
        return float(np.median(np.diff(t))) if len(t) > 1 else 1.0 / self.fps

    def span_s(self, start: int, end: int) -> tuple[float, float]:
        """Start and end time of frames ``start..end`` (the end frame lasts one interval)."""
        t = self.seconds
        last = len(t) - 1
        return float(t[min(start, last)]), float(t[min(end, last)]) + self.period

    def frame_at(self, x_s: float) -> int:
        """The frame nearest ``x_s`` seconds."""
        t = self.seconds
        if not len(t):
            return 0
        i = int(np.clip(np.searchsorted(t, x_s), 1, max(len(t) - 1, 1))) if len(t) > 1 else 0
        return i - 1 if i > 0 and abs(t[i - 1] - x_s) <= abs(t[i] - x_s) else i


@dataclass(frozen=True)
class TraceRequest:
    """What the 3D trace of one recording needs, taken from the project on the GUI thread.

    Plain values and file paths only (no live project object), so that a worker thread can
    compute :func:`trace_3d` while the GUI thread edits the project.
    """

    recording: str
    name: str
    fps: float
    n_frames: int
    repetitions: tuple[tuple[int, int], ...]
    participant: str
    task: str
    recording_path: Path
    points_path: Path  # the landmark track file, or the simulated truth file (``from_truth``)
    from_truth: bool
    source: str
    intrinsics: Intrinsics
    depth_scale_m: float
    times: tuple[float, ...] = ()  # recorded time of each frame, s
    clock: str = ""


def trace_request(session: ProjectSession, recording_id: str) -> TraceRequest:
    """The inputs of ``recording_id``'s 3D trace (cheap: no frame is read); ValueError (saying what
    to do) without landmarks."""
    project = session.project
    rec = project.recordings[recording_id]
    source = landmark_source(session, recording_id)
    if source is None and not rec.truth_file:
        raise ValueError(f"recording {recording_id} has no landmarks yet: landmark it first "
                         "(Review → Landmark this recording)")
    points_path = (track_path(session.folder, recording_id, source) if source is not None
                   else session.folder / rec.truth_file)
    if rec.n_frames:
        with session.open_recording(recording_id) as reader:  # one frame: a video has no depth at all
            if not reader.depth(reader.n_frames // 2).any():
                raise ValueError(f"{recording_id} has no depth (a plain video): there is no 3D trace; choose 2D "
                                 "(interocular units), as its features are measured")
    reps = tuple((r.start_frame, r.end_frame) for r in project.repetitions_of(recording_id))
    times = recording_times(session, recording_id)
    return TraceRequest(recording_id, task_trace_name(session, recording_id), float(rec.fps), rec.n_frames, reps,
                        project.participant_of(recording_id).id, rec.task_code, session.recording_path(recording_id),
                        points_path, source is None, f"model {source}" if source is not None else "simulated truth",
                        rec.camera.color, rec.camera.depth_scale_m, tuple(times.t_s.tolist()), times.describe())


def trace_3d(request: TraceRequest, progress: ProgressFn = no_progress, cancel: CancelToken | None = None
             ) -> RecordingTrace:
    """The trace of ``request`` on the landmarks in mm (depth through the colour intrinsics, head
    motion removed, as the features), frames with the head turned away NaN. Reads every depth
    frame: run it on a worker thread (``progress(frame, n_frames, message)``; ``cancel`` checked
    before each frame)."""
    if request.from_truth:
        points = read_truth(request.points_path).landmarks_px.astype(np.float64)
    else:
        points = read_track_file(request.points_path).landmarks_px.astype(np.float64)
    n = len(points)
    with RecordingReader(request.recording_path) as reader:
        def depth(i: int) -> np.ndarray:
            if cancel is not None:
                cancel.raise_if_cancelled()
            progress(i, n, "reading depth")
            return reader.depth(i)

        xyz, _ = landmarks_3d(points, depth, request.intrinsics, request.depth_scale_m,
                              times=np.asarray(request.times) if len(request.times) == n else None)
    progress(n, n, "3D trace")
    seen = np.isfinite(points).all(axis=2)
    if seen.any() and not np.isfinite(xyz).all(axis=2)[seen].any():
        raise ValueError(f"recording {request.recording} has no depth at its landmarks (a plain video, or depth "
                         "lost): there is no 3D trace; choose 2D (interocular units), as the features of this "
                         "recording are measured")
    spec = TRACES[request.name]
    with np.errstate(invalid="ignore"):
        values = np.asarray(spec.function(to_head_frame(xyz)), np.float64)
    values[turned_away(points)] = np.nan
    times = np.asarray(request.times, np.float64) if len(request.times) == n else None
    return RecordingTrace(request.recording, request.name, values, request.fps, list(request.repetitions),
                          request.source + " + depth (3D, head frame)", request.participant, request.task,
                          "mm²" if spec.power == 2 else "mm", times, request.clock)


def recording_trace(session: ProjectSession, recording_id: str, use_3d: bool = False) -> RecordingTrace:
    """The task's trace of ``recording_id``; ValueError (saying what to do) without landmarks.

    2D: interocular units, as Segment shows it. ``use_3d``: :func:`trace_3d` on the calling
    thread (it reads every depth frame; the GUI runs it on a worker).
    """
    if use_3d:
        return trace_3d(trace_request(session, recording_id))
    project = session.project
    rec = project.recordings[recording_id]
    name = task_trace_name(session, recording_id)
    source = landmark_source(session, recording_id)
    if source is not None:
        values = trace_for_recording(session, recording_id, name, model=source)
        source = f"model {source}"
    else:
        truth = session.truth(recording_id)
        if truth is None:
            raise ValueError(f"recording {recording_id} has no landmarks yet: landmark it first "
                             "(Review → Landmark this recording)")
        values = compute_trace(name, truth.landmarks_px.astype(np.float64), max_gap=max(1, round(0.1 * rec.fps)),
                               turn_margin=round(0.08 * rec.fps))
        source = "simulated truth"
    reps = [(r.start_frame, r.end_frame) for r in project.repetitions_of(recording_id)]
    times = recording_times(session, recording_id, len(values))
    return RecordingTrace(recording_id, name, np.asarray(values, np.float64), float(rec.fps), reps, source,
                          project.participant_of(recording_id).id, rec.task_code, times=times.t_s,
                          clock=times.describe())


def style_plot(plot: pg.PlotWidget, left: str, bottom: str) -> None:
    plot.setMenuEnabled(False)
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setLabel("left", left, color=TEXT)
    plot.setLabel("bottom", bottom, color=TEXT)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.enableAutoSIPrefix(False)
        # pyqtgraph 0.14's enableAutoSIPrefix(False) still computes a scale from the current
        # range (x1000 on a 0..0.2 trace, ticks "200" with no unit shown): undo it
        axis.autoSIPrefixScale, axis.labelUnitPrefix = 1.0, ""
        axis.picture = None
        axis.setPen(TEXT)
        axis.setTextPen(TEXT)


class KinematicTracesWidget(QWidget):
    """Trace over time (repetitions shaded, frame cursor) and the repetitions aligned at their starts."""

    frame_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trace: RecordingTrace | None = None
        self.frame = 0
        self.info_label = QLabel("Select a recording in the project browser to see its kinematic trace.")
        self.info_label.setWordWrap(True)
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.time_plot = pg.PlotWidget(background="w")
        self.overlay_plot = pg.PlotWidget(background="w")
        for plot, bottom in ((self.time_plot, "time (s)"), (self.overlay_plot, "time from repetition start (s)")):
            style_plot(plot, "trace (interocular distances)", bottom)
        self.time_plot.setMinimumSize(QSize(320, 180))
        self.overlay_plot.setMinimumSize(QSize(320, 160))
        self.cursor = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen(CURSOR_COLOR, width=1.6),
                                      hoverPen=pg.mkPen(CURSOR_COLOR, width=3))
        self.cursor.sigPositionChangeFinished.connect(self._cursor_dragged)
        self.overlay_cursor = pg.InfiniteLine(angle=90, movable=False,
                                              pen=pg.mkPen(CURSOR_COLOR, width=1.2, style=Qt.PenStyle.DashLine))
        self.overlay_legend = self.overlay_plot.addLegend(offset=(-10, 10), labelTextColor=TEXT,
                                                          brush=pg.mkBrush(255, 255, 255, 220))
        self.time_curve: pg.PlotDataItem | None = None
        self.overlay_curves: list[pg.PlotDataItem] = []
        self.regions: list[pg.LinearRegionItem] = []
        self.time_plot.scene().sigMouseClicked.connect(self._clicked)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.time_plot)
        splitter.addWidget(self.overlay_plot)
        splitter.setSizes([320, 260])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.info_label)
        layout.addWidget(splitter, 1)
        self.show_trace(None)

    # -- content ------------------------------------------------------------------------
    def show_trace(self, trace: RecordingTrace | None, message: str = "") -> None:
        """Draw ``trace`` (None: empty plots and ``message``)."""
        self.trace = trace
        for plot in (self.time_plot, self.overlay_plot):
            plot.clear()
        self.overlay_legend.clear()
        self.time_curve, self.overlay_curves, self.regions = None, [], []
        for plot in (self.time_plot, self.overlay_plot):
            plot.setLabel("left", f"{trace.name} ({trace.unit})" if trace else "trace", color=TEXT)
        if trace is None:
            self.info_label.setText(message or "Select a recording in the project browser to see its kinematic trace.")
            self.time_plot.setTitle("")
            self.overlay_plot.setTitle("")
            return
        t = trace.seconds
        for k, (s, e) in enumerate(trace.repetitions):
            color = pg.mkColor(REP_COLORS[k % len(REP_COLORS)])
            color.setAlpha(40)
            region = pg.LinearRegionItem(trace.span_s(s, e), movable=False, brush=pg.mkBrush(color),
                                         pen=pg.mkPen(None))
            region.setZValue(-10)
            self.time_plot.addItem(region)
            self.regions.append(region)
        self.time_curve = self.time_plot.plot(t, trace.values, pen=pg.mkPen(TRACE_COLOR, width=1.8), connect="finite")
        self.time_plot.addItem(self.cursor)
        self.time_plot.setTitle(f"{trace.recording} — {TRACES[trace.name].description}", color=TEXT, size="10pt")
        for k, (s, e) in enumerate(trace.repetitions):
            seg = trace.values[s:e + 1]
            self.overlay_curves.append(self.overlay_plot.plot(
                t[s:e + 1] - t[s], seg, connect="finite", name=f"rep {k + 1}",
                pen=pg.mkPen(REP_COLORS[k % len(REP_COLORS)], width=1.8)))
        self.overlay_plot.addItem(self.overlay_cursor)
        self.overlay_plot.setTitle("Repetitions aligned at their starts" if trace.repetitions else
                                   "No repetitions: segment the recording (Segment workspace)", color=TEXT, size="10pt")
        reps = len(trace.repetitions)
        shaded = f"{reps} repetition{'s' if reps != 1 else ''} shaded" if reps else "no repetitions yet"
        clock = f"; time: {trace.clock}" if trace.clock else ""
        self.info_label.setText(f"<b>{trace.participant}</b>, task <b>{trace.task}</b>, {len(t)} frames "
                                f"({trace.fps:g} fps nominal), {shaded}; landmarks: "
                                f"{trace.source}{clock}. Click the plot (or drag the red cursor) to move the video there.")
        self.time_plot.setXRange(0, max(t[-1], trace.period) if len(t) else 1, padding=0.01)
        self.set_frame(self.frame)

    def set_frame(self, frame: int) -> None:
        """Move the cursor to ``frame`` (the overlay cursor shows when the frame is in a repetition)."""
        self.frame = int(frame)
        if self.trace is None:
            return
        self.cursor.blockSignals(True)
        t = self.trace.seconds
        last = len(t) - 1
        self.cursor.setValue(float(t[min(max(self.frame, 0), last)]) if len(t) else 0.0)
        self.cursor.blockSignals(False)
        rep = next(((s, e) for s, e in self.trace.repetitions if s <= self.frame <= e), None)
        self.overlay_cursor.setVisible(rep is not None and len(t) > 0)
        if rep is not None and len(t):
            self.overlay_cursor.setValue(float(t[min(self.frame, last)] - t[min(rep[0], last)]))

    def cursor_frame(self) -> int:
        return self.trace.frame_at(self.cursor.value()) if self.trace else 0

    def frame_at_x(self, x_s: float) -> int:
        return self.trace.frame_at(x_s)

    # -- interaction --------------------------------------------------------------------
    def _clicked(self, event) -> None:
        if self.trace is None or event.button() != Qt.MouseButton.LeftButton or not len(self.trace.values):
            return
        vb = self.time_plot.getPlotItem().getViewBox()
        pos = event.scenePos()
        if not vb.sceneBoundingRect().contains(pos):
            return
        frame = self.frame_at_x(vb.mapSceneToView(pos).x())
        self.set_frame(frame)
        self.frame_requested.emit(frame)

    def _cursor_dragged(self) -> None:
        if self.trace is None or not len(self.trace.values):
            return
        frame = self.frame_at_x(self.cursor.value())
        self.set_frame(frame)
        self.frame_requested.emit(frame)

    # -- export -------------------------------------------------------------------------
    def paint_figure(self, painter: QPainter, rect: QRectF) -> None:
        tr = self.trace
        if tr is None:
            return
        t = tr.seconds
        label = f"{tr.name} ({tr.unit})"
        finite = tr.values[np.isfinite(tr.values)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        pad = 0.05 * (hi - lo or 1.0)
        y_range = (lo - pad, hi + pad)
        top = QRectF(rect.left(), rect.top(), rect.width(), rect.height() * 0.55)
        bottom = QRectF(rect.left(), top.bottom(), rect.width(), rect.height() - top.height())
        paint_line_chart(painter, top, [Series(tr.name, t, tr.values, TRACE_COLOR, 1.6)],
                         f"{tr.recording} ({tr.participant}): {tr.name}, repetitions shaded", "time (s)", label,
                         (0.0, float(t[-1]) if len(t) > 1 else 1.0), y_range,
                         spans=[tr.span_s(s, e) for s, e in tr.repetitions], legend=False)
        series = [Series(f"rep {k + 1}", t[s:e + 1] - t[s], tr.values[s:e + 1],
                         REP_COLORS[k % len(REP_COLORS)], 1.6) for k, (s, e) in enumerate(tr.repetitions)]
        longest = max([tr.span_s(s, e)[1] - tr.span_s(s, e)[0] for s, e in tr.repetitions] or [1.0])
        paint_line_chart(painter, bottom, series, "Repetitions aligned at their starts",
                         "time from repetition start (s)", label, (0.0, longest), y_range)

    def export(self, path: Path, size: QSize = QSize(900, 820)) -> None:
        """Both plots as one PNG (2x ``size``) or SVG figure; ValueError without a trace."""
        if self.trace is None:
            raise ValueError("no trace shown")
        save_figure(Path(path), self.paint_figure, size, f"Kinematic trace of {self.trace.recording}")
