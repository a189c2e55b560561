"""Live training curves for the Train workspace: loss per step, validation NRMSE per group per epoch.

The workspace feeds the engine's events (``FinetuneEvent``, forwarded to the GUI thread by a
Qt signal) into :meth:`TrainingCurvesWidget.add_step` / :meth:`add_epoch`. Points are kept in
lists and the curves are redrawn at most every ``REDRAW_MS`` (a single-shot timer started by
new data, never a polling loop), so a fast GPU run does not flood the GUI thread.

:func:`eta_text` turns elapsed time per step into a time estimate.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

REDRAW_MS = 100
BACKGROUND = "#1e242c"
AXIS_COLOR = "#aab4c0"
GROUP_COLORS = {"all": "#f0f3f6", "HC": "#58a6ff", "ALS": "#ff9b50", "PS": "#7ee787", "PD": "#d2a8ff"}
OTHER_COLORS = ("#ffd866", "#ff7b72", "#39c5cf", "#e3b341")


def _plot(title: str, left: str, bottom: str) -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setBackground(BACKGROUND)
    plot.setTitle(title, color=AXIS_COLOR, size="10pt")
    plot.setLabel("left", left, color=AXIS_COLOR)
    plot.setLabel("bottom", bottom, color=AXIS_COLOR)
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setMenuEnabled(False)
    plot.setMinimumHeight(150)
    for name in ("left", "bottom"):
        plot.getAxis(name).enableAutoSIPrefix(False)
        plot.getAxis(name).setPen(AXIS_COLOR)
        plot.getAxis(name).setTextPen(AXIS_COLOR)
    return plot


class TrainingCurvesWidget(QWidget):
    """Two plots: training loss per step (and its epoch mean) and validation NRMSE (%) per group."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = _plot("Training loss", "adaptive wing loss", "step")
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen("#58a6ff", width=1.2), name="per step")
        self.loss_mean_curve = self.loss_plot.plot(pen=pg.mkPen("#ffd866", width=2.2), symbol="o", symbolSize=6,
                                                   symbolBrush="#ffd866", symbolPen=None, name="epoch mean")
        legend = self.loss_plot.addLegend(offset=(-10, 10), labelTextColor=AXIS_COLOR)
        legend.addItem(self.loss_curve, "per step")
        legend.addItem(self.loss_mean_curve, "epoch mean")
        self.val_plot = _plot("Validation NRMSE (held-out participants)", "NRMSE (%)", "epoch")
        self.val_legend = self.val_plot.addLegend(offset=(-10, 10), labelTextColor=AXIS_COLOR)
        self.best_line = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen("#f0f3f6", width=1,
                                                                             style=Qt.PenStyle.DashLine),
                                         label="best so far {value:.2f}%",
                                         labelOpts={"position": 0.12, "color": AXIS_COLOR, "anchors": [(0, 1), (0, 1)]})
        self.val_plot.addItem(self.best_line)
        self.message = pg.TextItem("", color=AXIS_COLOR, anchor=(0.5, 0.5))
        self.loss_plot.addItem(self.message)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        self.val_curves: dict[str, pg.PlotDataItem] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_plot, 1)
        layout.addWidget(self.val_plot, 1)
        self.clear("Press Start: the curves fill in while the model trains.")

    # -- data -------------------------------------------------------------------------
    def clear(self, message: str = "") -> None:
        self.steps: list[float] = []  # global step numbers (1-based over the run, resumed epochs included)
        self.losses: list[float] = []
        self.epoch_steps: list[float] = []
        self.epoch_losses: list[float] = []
        self.epochs: list[int] = []
        self.val: dict[str, list[float]] = {}
        self.base = math.nan  # the base model's validation NRMSE (all participants), drawn at epoch 0
        self.base_groups: dict[str, float] = {}  # the base model's per group, also drawn at epoch 0
        self.best = math.nan
        for curve in self.val_curves.values():
            self.val_plot.removeItem(curve)
            self.val_legend.removeItem(curve)
        self.val_curves.clear()
        self.best_line.setVisible(False)
        self.message.setText(message)
        self.message.setVisible(bool(message))
        self.loss_plot.setXRange(0, 10)
        self.loss_plot.setYRange(0, 1)
        self.message.setPos(5, 0.5)
        self.val_plot.setXRange(0, 5)
        self.redraw()

    def add_step(self, global_step: int, loss: float, best: float = math.nan) -> None:
        self.steps.append(float(global_step))
        self.losses.append(float(loss))
        if math.isfinite(best):
            self.best = best
        self._schedule()

    def add_base(self, nrmse: float) -> None:
        """The base model's validation NRMSE (all participants): the "all" curve starts there at epoch 0."""
        self.base = float(nrmse)
        self._schedule()

    def add_base_groups(self, before: dict) -> None:
        """The base model's validation NRMSE per group (the engine's "before" event): every group's curve
        starts at epoch 0, so the fall per group is visible from the first epoch."""
        self.base_groups = {g: float(v) for g, v in before.items() if v is not None and math.isfinite(v)}
        if "all" in self.base_groups:
            self.base = self.base_groups["all"]
        self._schedule()

    def add_epoch(self, epoch: int, steps_per_epoch: int, mean_loss: float, val_nrmse: dict, best: float) -> None:
        self.epochs.append(int(epoch))
        self.epoch_steps.append(float(epoch * steps_per_epoch))
        self.epoch_losses.append(float(mean_loss))
        for group, value in val_nrmse.items():
            series = self.val.setdefault(group, [math.nan] * (len(self.epochs) - 1))
            series.append(100.0 * float(value))
        for series in self.val.values():  # a group missing from this epoch keeps its length
            series += [math.nan] * (len(self.epochs) - len(series))
        if math.isfinite(best):
            self.best = best
        self._schedule()

    def point_counts(self) -> tuple[int, int]:
        """(loss points, validation epochs) drawn so far."""
        x = self.loss_curve.getData()[0]
        vx = self.val_curves["all"].getData()[0] if "all" in self.val_curves else None
        return (0 if x is None else len(x)), (0 if vx is None else int((vx > 0).sum()))

    # -- drawing ----------------------------------------------------------------------
    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def redraw(self) -> None:
        if self.steps:
            self.message.setVisible(False)
            self.loss_plot.enableAutoRange()
            self.val_plot.enableAutoRange()
        self.loss_curve.setData(np.asarray(self.steps), np.asarray(self.losses))
        self.loss_mean_curve.setData(np.asarray(self.epoch_steps), np.asarray(self.epoch_losses))
        val = dict(self.val)
        if math.isfinite(self.base):
            val.setdefault("all", [])
        for group in self.base_groups:
            val.setdefault(group, [])
        for k, (group, series) in enumerate(sorted(val.items(), key=lambda kv: (kv[0] != "all", kv[0]))):
            curve = self.val_curves.get(group)
            if curve is None:
                color = GROUP_COLORS.get(group, OTHER_COLORS[k % len(OTHER_COLORS)])
                width = 2.6 if group == "all" else 1.8
                curve = self.val_plot.plot(pen=pg.mkPen(color, width=width), symbol="o", symbolSize=6,
                                           symbolBrush=color, symbolPen=None, connect="finite")
                self.val_legend.addItem(curve, "all participants" if group == "all" else group)
                self.val_curves[group] = curve
            x, y = list(self.epochs), list(series)
            base = self.base if group == "all" else self.base_groups.get(group, math.nan)
            if math.isfinite(base):
                x, y = [0] + x, [100.0 * base] + y
            curve.setData(np.asarray(x, float), np.asarray(y, float))
        last = max(self.epochs, default=1)
        if last <= 12:  # whole epochs only
            self.val_plot.getAxis("bottom").setTickSpacing(1, 1)
        else:
            self.val_plot.getAxis("bottom").setTickSpacing()
        if math.isfinite(self.best):
            self.best_line.setValue(100.0 * self.best)
            self.best_line.setVisible(True)


def eta_text(done: int, total: int, first_done: int, first_s: float, now_s: float) -> str:
    """"about 3 min left" from the time per step since the first step of this run.

    ``done``/``total``: steps; ``first_done``/``first_s``: the step count and engine time (s)
    at the first step seen in this run; ``now_s``: engine time now.
    """
    if done <= first_done or total <= done:
        return "" if total > done else "finishing"
    per_step = (now_s - first_s) / (done - first_done)
    left = per_step * (total - done)
    if left < 60:
        return f"about {max(5, int(round(left / 5.0)) * 5)} s left"
    if left < 3600:
        return f"about {int(round(left / 60.0))} min left"
    return f"about {left / 3600.0:.1f} h left"
