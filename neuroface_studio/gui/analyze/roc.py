"""The Analyze workspace's ROC figure and tables for a patient-vs-control classifier.

:class:`RocPlotWidget` draws the leave-one-subject-out ROC curve of
:func:`neuroface_studio.app.kinematics.classify` (pyqtgraph, chance diagonal dashed), with the
AUC and its bootstrap 95% CI in the legend (and, to compare landmark models, other models'
curves on the same task and contrast, dashed), and exports the same curve as a PNG/SVG figure
painted by QPainter (gui/analyze/figure.py). :func:`probability_rows` and
:func:`importance_rows` give the per-participant probabilities and the feature importances as
plain rows (shown in tables and written to CSV).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from neuroface_studio.analysis.sample_size import auc_text, classifier_sample
from neuroface_studio.gui.analyze.figure import Series, paint_line_chart, save_figure
from neuroface_studio.gui.analyze.kinematics import style_plot

TEXT = "#222222"
ROC_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
CHANCE_COLOR = "#9aa0a6"


def auc_label(result: dict) -> str:
    """"AUC 0.83 (95% CI 0.62–0.97; n=5 HC, 5 ALS)"; "CI not estimable" for a zero-width one;
    "not enough participants (n=...)" below the minimum (analysis/sample_size.py)."""
    return auc_text(result["auc"], result["auc_ci95"], classifier_sample(group_counts(result)),
                    result.get("auc_ci95_resamples"))


def group_counts(result: dict) -> dict[str, int]:
    """Participants per group of a classifier result (from its participants' labels: any LOSO result)."""
    labels = [p["label"] for p in result["participants"].values()]
    return {g: labels.count(k) for k, g in enumerate(result["groups"])}


def contrast_title(result: dict) -> str:
    a, b = result["groups"]
    return f"{result['task']}: {a} vs {b}, leave-one-subject-out"


def probability_rows(result: dict) -> tuple[list[str], list[list]]:
    """participant, group, label (1 = the second group), probability of the second group."""
    a, b = result["groups"]
    rows = [[pid, b if p["label"] else a, int(p["label"]), float(p["probability"])]
            for pid, p in sorted(result["participants"].items(), key=lambda kv: (kv[1]["label"], kv[0]))]
    return ["participant", "group", "label", f"probability_{b}"], rows


def importance_rows(result: dict, top: int | None = None) -> tuple[list[str], list[list]]:
    rows = [[name, float(v)] for name, v in result["importances"].items()]
    return ["feature", "importance"], rows[:top] if top else rows


def roc_rows(results: list[tuple[str, dict]]) -> tuple[list[str], list[list]]:
    """The ROC points of each (landmarks, result): landmarks, fpr, tpr, the curve's AUC and CI (empty
    when not estimable), and the participants per group behind them."""
    rows = [[name, f, t, res["auc"], *(res["auc_ci95"] if res["auc_ci95_estimable"] else ["", ""]),
             *group_counts(res).values()] for name, res in results
            for f, t in zip(res["roc"]["fpr"], res["roc"]["tpr"])]
    a, b = results[0][1]["groups"] if results else ("control", "patient")
    return ["landmarks", "fpr", "tpr", "auc", "auc_ci95_low", "auc_ci95_high", f"n_{a}", f"n_{b}"], rows


class RocPlotWidget(pg.PlotWidget):
    """ROC curve (false vs true positive rate) with the AUC and CI in the legend; ``curve`` is the item."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        style_plot(self, "true positive rate (sensitivity)", "false positive rate (1 − specificity)")
        self.getPlotItem().getViewBox().setLimits(xMin=-0.1, xMax=1.1, yMin=-0.1, yMax=1.1)
        self.legend = self.addLegend(offset=(-10, -10), labelTextColor=TEXT, brush=pg.mkBrush(255, 255, 255, 220))
        self.curve: pg.PlotDataItem | None = None  # the first result's curve
        self.curves: list[pg.PlotDataItem] = []
        self.series: list[Series] = []
        self.title = ""
        self.setMinimumSize(QSize(320, 300))
        self.show_result(None)

    def show_result(self, result: dict | None, name: str = "", others: list[tuple[str, dict]] = ()) -> None:
        """``result``'s curve (legend "``name``: AUC ..." when named) and the curves of ``others``
        (other landmark models on the same task and contrast), each with its AUC and CI."""
        self.clear()
        self.legend.clear()
        self.curve, self.curves, self.series = None, [], []
        chance = Series("chance", np.array([0.0, 1.0]), np.array([0.0, 1.0]), CHANCE_COLOR, 1.2, Qt.PenStyle.DashLine)
        self.plot(chance.x, chance.y, pen=pg.mkPen(CHANCE_COLOR, width=1.2, style=Qt.PenStyle.DashLine))
        if result is not None:
            self.title = contrast_title(result)
            self.setTitle(self.title, color=TEXT, size="11pt")
            for k, (label, res) in enumerate([(name, result), *others]):
                color = ROC_COLORS[k % len(ROC_COLORS)]
                fpr, tpr = np.asarray(res["roc"]["fpr"], float), np.asarray(res["roc"]["tpr"], float)
                text = f"{label}: {auc_label(res)}" if label else auc_label(res)
                style = Qt.PenStyle.SolidLine if k == 0 else Qt.PenStyle.DashLine
                width = 3.6 if k == 0 else 2.0  # a curve on top of the first leaves it visible
                self.curves.append(self.plot(fpr, tpr, pen=pg.mkPen(color, width=width, style=style), name=text,
                                             symbol="o", symbolSize=5, symbolBrush=color, symbolPen=None))
                self.series.append(Series(text, fpr, tpr, color, width, style))
            self.curve = self.curves[0]
            self.series.append(chance)
        else:
            self.title = ""
            self.setTitle("")
        self.not_enough = ""
        self.setXRange(0, 1, padding=0.03)

    def show_not_enough(self, title: str, reason: str) -> None:
        """No curve: ``reason`` ("not enough participants (n=...)") written on the empty axes."""
        self.show_result(None)
        self.title, self.not_enough = title, reason
        self.setTitle(title, color=TEXT, size="11pt")
        text = pg.TextItem(reason.replace(" (", "\n(", 1), color="#7a4b00", anchor=(0.5, 0.5))
        text.setPos(0.5, 0.78)  # above the chance diagonal
        self.addItem(text)
        self.setYRange(0, 1, padding=0.03)

    def paint_figure(self, painter: QPainter, rect: QRectF) -> None:
        paint_line_chart(painter, rect, self.series, self.title, "false positive rate (1 − specificity)",
                         "true positive rate (sensitivity)", (0.0, 1.0), (0.0, 1.0), legend_bottom_right=True)

    def export(self, path: Path, size: QSize = QSize(720, 680)) -> None:
        """The ROC curve as a PNG (2x ``size``) or SVG figure."""
        save_figure(Path(path), self.paint_figure, size, self.title or "ROC curve")


def small_table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.verticalHeader().hide()
    t.setAlternatingRowColors(True)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def fill_table(table: QTableWidget, cells: list[list[str]], raw: list[list]) -> None:
    table.setRowCount(len(cells))
    for r, (row, raw_row) in enumerate(zip(cells, raw)):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, raw_row[c])
            if isinstance(raw_row[c], float):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
