"""The Analyze workspace: landmark accuracy, kinematic traces, features and ROC, in four tabs.

Kinematic traces (gui/analyze/traces.py; 3D computed in the background), features and ROC
(gui/analyze/diagnosis.py) are pages of their own: the trace follows the
recording selected in the project browser (the Review viewer's recording) and its cursor the
viewer's frame; a click on the trace moves the viewer. The rest of this module is the landmark
accuracy page (NRMSE per group of landmark models on the project):

Left: the models to evaluate (checkable, from the registry; models that cannot run here are
listed greyed with why), the normaliser, the landmark subset and "held-out participants only";
Evaluate runs :func:`neuroface_studio.app.evaluation.evaluate_project` in the background with its
progress and Cancel in the jobs panel (gui/widgets/job_progress.py ``run_with_progress``), on a snapshot of the
project so that edits meanwhile cannot change the data under the job. Errors (no annotated
frames, a model that will not open, ...) are shown as a message in the panel. Below, the
workspace's parts still to come, if any.

Right: the results in three tabs, the tables (gui/analyze/tables.py), the CED curves and the
per-landmark error heat map (gui/analyze/plots.py), with exports: tables to CSV, figures to PNG
or SVG, and the raw report to JSON (what ``neuroface-studio evaluate --json`` writes).
"""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from neuroface_studio.app.evaluation import EvalSettings, evaluate_project
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.gui.analyze.diagnosis import FeaturesPage, RocPage, ask_export
from neuroface_studio.gui.analyze.plots import CedPlotWidget, FaceHeatmapWidget
from neuroface_studio.gui.analyze.tables import ResultsTablesWidget, pct, write_csv
from neuroface_studio.gui.analyze.traces import TracesPage
from neuroface_studio.gui.widgets.job_progress import run_with_progress
from neuroface_studio.gui.widgets.messages import ERROR_STYLE, INFO_STYLE, show_message
from neuroface_studio.store.errors import StoreError
from neuroface_studio.vision import registry

log = logging.getLogger(__name__)

NORMALIZERS = (("intercanthal", "Intercanthal (39–42; JBHI)"),  # short enough to be shown whole (issue 18);
               ("interocular", "Interocular (36–45; 300-W)"),  # the tooltips say the rest
               ("bbox", "Truth box diagonal (SBR)"))
NORMALIZER_TIPS = {"intercanthal": "Distance between the inner eye corners (points 39 and 42), as the JBHI paper",
                   "interocular": "Distance between the outer eye corners (points 36 and 45), as 300-W",
                   "bbox": "Diagonal of the ground truth's bounding box, as SBR"}
SUBSETS = (("nojaw", "No jaw (points 17–67; JBHI)"), ("all", "All 68 points"),
           ("mouth", "Mouth (48–67)"), ("brows", "Brows (17–26)"), ("nose", "Nose (27–35)"),
           ("eyes", "Eyes (36–47)"), ("outer_lips", "Outer lips (48–59)"), ("inner_lips", "Inner lips (60–67)"),
           ("jaw", "Jaw (0–16)"))
#: Which predictions are scored (app.evaluation.PREDICTIONS); auto is the default of the CLI and the study summary too.
PREDICTION_CHOICES = (("auto", "Auto (tracks if all landmarked)"),
                      ("tracks", "Stored landmark tracks"),
                      ("rerun", "Re-run on ground-truth box"))
STILL_TO_COME: tuple[str, ...] = ()  # parts of Analyze not built yet, listed under the accuracy settings


def image_groups(report: dict, session: ProjectSession) -> dict[str, str]:
    """Participant group of each per-image key ("<recording>-f<frame>") of the report."""
    keys = next(iter(report["models"].values()))["per_image"] if report["models"] else {}
    out = {}
    for key in keys:
        rid = key[:key.rindex("-f")]
        out[key] = session.project.participant_of(rid).group.value
    return out


class AnalyzeWorkspacePanel(QWidget):
    """Choose models and settings, Evaluate; tables, CED, heat map; exports."""

    evaluated = Signal(dict)  # the report
    evaluation_stopped = Signal(str)  # the message shown (failed or cancelled)

    def __init__(self, parent: QWidget | None = None, track_job: Callable[[object], object] | None = None,
                 store_dir: Path | None = None, review=None) -> None:
        super().__init__(parent)
        self.session: ProjectSession | None = None
        self.review = review  # the Review page's VideoViewerWidget (frame cursor link), or None
        self._pending_recording: str | None = None
        self.store_dir = store_dir
        self.track_job = track_job
        self.worker = None
        self.report: dict | None = None
        self.image_groups: dict[str, str] = {}
        self._trained_here: set[str] = set()  # fine-tuned models trained on this project
        self._run: dict = {}
        self._build()
        self.refresh_models()
        self._update_buttons()

    # -- layout -----------------------------------------------------------------------
    def _build(self) -> None:
        title = QLabel("Landmark accuracy")
        title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        subtitle = QLabel("NRMSE of landmark models per participant group, on this project's "
                          "annotated frames (the annotators' consensus).")
        subtitle.setWordWrap(True)
        subtitle.setStyleSheet("color: #555;")
        self.model_list = QListWidget()
        self.model_list.setMinimumHeight(90)
        self.model_list.setMaximumHeight(160)
        self.model_list.itemChanged.connect(lambda _item: self._update_buttons())
        models_hint = QLabel("Comparisons are against the first checked model. Tools → Landmark models… "
                             "installs more.")
        models_hint.setWordWrap(True)
        models_hint.setStyleSheet("color: #555; font-size: 9pt;")
        self.normalizer_combo = QComboBox()
        for key, text in NORMALIZERS:
            self.normalizer_combo.addItem(text, key)
            self.normalizer_combo.setItemData(self.normalizer_combo.count() - 1, NORMALIZER_TIPS[key],
                                              Qt.ItemDataRole.ToolTipRole)
        self.subset_combo = QComboBox()
        for key, text in SUBSETS:
            self.subset_combo.addItem(text, key)
        self.predictions_combo = QComboBox()
        for key, text in PREDICTION_CHOICES:
            self.predictions_combo.addItem(text, key)
        self.predictions_combo.setToolTip(
            "Stored tracks: the landmarks the kinematics use (the tracker's own face boxes), as the study summary "
            "scores them. Re-run: each model run on a box around the ground truth (the papers' protocol). Auto: "
            "tracks when every checked model has landmarked every evaluation recording, else re-run (the same "
            "rule as `neuroface-studio evaluate`).")
        for combo in (self.normalizer_combo, self.subset_combo, self.predictions_combo):  # must not widen the column
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.held_out_check = QCheckBox("Held-out participants only")
        self.held_out_check.setChecked(True)
        self.held_out_check.setToolTip("Score a fine-tuned model only on the participants it was validated on "
                                       "(never on frames it was trained on). Without a fine-tuned model of this "
                                       "project, every annotated participant is used.")
        form = QFormLayout()
        form.addRow("Normalise by", self.normalizer_combo)
        form.addRow("Landmarks", self.subset_combo)
        form.addRow("Predictions", self.predictions_combo)
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setDefault(True)
        self.evaluate_button.setMinimumHeight(34)
        self.evaluate_button.setStyleSheet("QPushButton:enabled { font-weight: 600; }")
        self.evaluate_button.clicked.connect(self.evaluate)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.setVisible(False)
        items = "".join(f"<li>{t}</li>" for t in STILL_TO_COME)
        to_come = QLabel(f"<p style='color:#555'><b>Still to come in Analyze:</b></p>"
                         f"<ul style='color:#555'>{items}</ul>")
        to_come.setWordWrap(True)
        to_come.setTextFormat(Qt.TextFormat.RichText)

        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(16, 12, 12, 12)
        lay.addWidget(title)
        lay.addWidget(subtitle)
        lay.addSpacing(6)
        lay.addWidget(QLabel("<b>Models</b>"))
        lay.addWidget(self.model_list)
        lay.addWidget(models_hint)
        lay.addLayout(form)
        lay.addWidget(self.held_out_check)
        lay.addWidget(self.evaluate_button)
        lay.addWidget(self.message_label)
        lay.addStretch(1)
        to_come.setVisible(bool(STILL_TO_COME))
        lay.addWidget(to_come)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(320)

        self.summary_label = QLabel("Choose models and press Evaluate.")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tables = ResultsTablesWidget()
        tables_scroll = QScrollArea()
        tables_scroll.setWidget(self.tables)
        tables_scroll.setWidgetResizable(True)
        self.ced = CedPlotWidget()
        self.per_group_check = QCheckBox("One curve per group too")
        self.per_group_check.toggled.connect(self._draw_ced)
        ced_page = QWidget()
        ced_lay = QVBoxLayout(ced_page)
        ced_lay.addWidget(self.per_group_check)
        ced_lay.addWidget(self.ced, 1)
        self.heatmap = FaceHeatmapWidget()
        self.heatmap_model_combo = QComboBox()
        self.heatmap_model_combo.currentIndexChanged.connect(self._draw_heatmap)
        heat_page = QWidget()
        heat_lay = QVBoxLayout(heat_page)
        row = QHBoxLayout()
        row.addWidget(QLabel("Model"))
        row.addWidget(self.heatmap_model_combo, 1)
        self.shared_scale_check = QCheckBox("Same colour scale for every model")
        self.shared_scale_check.setChecked(True)
        self.shared_scale_check.setToolTip("Off: the scale runs to the worst point of the model shown")
        self.shared_scale_check.toggled.connect(self._draw_heatmap)
        row.addWidget(self.shared_scale_check)
        heat_lay.addLayout(row)
        heat_lay.addWidget(self.heatmap, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(tables_scroll, "Tables")
        self.tabs.addTab(ced_page, "CED curves")
        self.tabs.addTab(heat_page, "Per-landmark heat map")

        self.csv_button = QPushButton("Tables → CSV…")
        self.csv_button.clicked.connect(lambda: self._ask_export("Export the tables", "CSV table (*.csv)",
                                                                 self.export_csv, "nrmse.csv"))
        self.ced_button = QPushButton("CED → PNG/SVG…")
        self.ced_button.clicked.connect(lambda: self._ask_export("Export the CED plot", _FIGURE_FILTER,
                                                                 self.export_ced, "ced.png"))
        self.heat_button = QPushButton("Heat map → PNG/SVG…")
        self.heat_button.clicked.connect(lambda: self._ask_export("Export the heat map", _FIGURE_FILTER,
                                                                  self.export_heatmap, "landmark-error.png"))
        self.json_button = QPushButton("Report → JSON…")
        self.json_button.clicked.connect(lambda: self._ask_export("Save the report", "JSON (*.json)",
                                                                  self.export_json, "evaluation.json"))
        exports = QHBoxLayout()
        for b in (self.csv_button, self.ced_button, self.heat_button, self.json_button):
            exports.addWidget(b)
        exports.addStretch(1)

        right = QWidget()
        right_lay = QVBoxLayout(right)
        right_lay.setContentsMargins(6, 12, 12, 12)
        right_lay.addWidget(self.summary_label)
        right_lay.addWidget(self.tabs, 1)
        right_lay.addLayout(exports)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([340, 760])
        self.traces_page = TracesPage(track_job=self.track_job)
        self.features_page = FeaturesPage(track_job=self.track_job)
        self.roc_page = RocPage(self.features_page, track_job=self.track_job)
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(splitter, "Landmark accuracy")
        self.pages.addTab(self.traces_page, "Kinematic traces")
        self.pages.addTab(self.features_page, "Features")
        self.pages.addTab(self.roc_page, "ROC")
        self.pages.currentChanged.connect(lambda _i: self._show_pending_recording())
        if self.review is not None:
            self.review.frame_changed.connect(self.traces_page.traces.set_frame)
            self.review.recording_opened.connect(self._on_recording_opened)
            self.traces_page.traces.frame_requested.connect(self.review.show_frame)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    # -- state ------------------------------------------------------------------------
    def set_session(self, session: ProjectSession | None) -> None:
        """Show ``session``; results of another project are cleared."""
        if session is not self.session:
            self.session = session
            self.show_report(None)
            self._show_message("")
            self.refresh_models()
            for page in (self.traces_page, self.features_page, self.roc_page):
                page.set_session(session)
            self._pending_recording = self.review.recording_id if self.review is not None and session else None
        self._update_buttons()

    def _on_recording_opened(self, recording_id: str) -> None:
        """The trace follows the viewer's recording (drawn when the traces tab is shown)."""
        self._pending_recording = recording_id
        self._show_pending_recording()

    def _show_pending_recording(self) -> None:
        """Draw the wanted recording's trace afresh (repetitions may have changed) when its tab is shown."""
        shown = self.isVisible() and self.pages.currentWidget() is self.traces_page
        if self._pending_recording is None or not shown:
            return
        frame = self.review.frame if self.review is not None else None
        self.traces_page.show_recording(self._pending_recording, frame)

    @property
    def running(self) -> bool:
        return self.worker is not None and not self.worker.done

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self._show_pending_recording()
        for page in (self.features_page, self.roc_page):  # tracks may have been made in Review meanwhile
            if not page.running:
                page.refresh_models()
        if not self.running:  # models may have been installed or trained elsewhere
            self.refresh_models()

    def refresh_models(self) -> None:
        """Fill the model list from the registry, keeping the checks; the active model checked at first."""
        checked = set(self.checked_models())
        first = self.model_list.count() == 0
        try:
            rows = registry.list_models(self.store_dir)
        except (StoreError, ValueError, OSError) as exc:
            rows = []
            self._show_message(f"Cannot list the landmark models: {exc}", ERROR_STYLE)
        self._trained_here = {row.name for row in rows if self.session is not None
                              and row.metrics.get("project") == self.session.project.name}
        self.model_list.blockSignals(True)
        self.model_list.clear()
        for row in rows:
            item = QListWidgetItem(row.name + ("  (active)" if row.active else ""))
            item.setData(Qt.ItemDataRole.UserRole, row.name)
            item.setToolTip(f"{row.architecture} {row.version}, {row.origin}" if row.available else row.problem)
            if row.available:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                on = row.active if first else row.name in checked
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            else:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setText(f"{row.name}  (not available)")
            self.model_list.addItem(item)
        self.model_list.blockSignals(False)
        self._update_buttons()

    def checked_models(self) -> list[str]:
        return [self.model_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.model_list.count())
                if self.model_list.item(i).checkState() == Qt.CheckState.Checked]

    def set_checked_models(self, names: list[str]) -> None:
        for i in range(self.model_list.count()):
            item = self.model_list.item(i)
            if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                on = item.data(Qt.ItemDataRole.UserRole) in names
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def settings(self) -> EvalSettings:
        return EvalSettings(normalizer=self.normalizer_combo.currentData(), subset=self.subset_combo.currentData())

    def _update_buttons(self) -> None:
        running = self.running
        ok = self.session is not None and bool(self.checked_models())
        self.evaluate_button.setEnabled(ok and not running)
        self.evaluate_button.setToolTip("" if ok else "Open a project and check a model")
        has = self.report is not None
        for b in (self.csv_button, self.ced_button, self.heat_button, self.json_button):
            b.setEnabled(has)

    def _show_message(self, text: str, style: str = INFO_STYLE) -> None:
        show_message(self.message_label, text, style)

    # -- run --------------------------------------------------------------------------
    def evaluate(self) -> None:
        """Evaluate the checked models with the settings shown (in the background)."""
        if self.running or self.session is None:
            return
        models = self.checked_models()
        if not models:
            self._show_message("Check at least one model to evaluate.", ERROR_STYLE)
            return
        session, settings, store_dir = self.session, self.settings(), self.store_dir
        snapshot = session.snapshot()  # read by the worker only
        held_out = self.held_out_check.isChecked()
        participants = None if held_out else sorted(snapshot.project.participants)
        predictions = self.predictions_combo.currentData()

        def job(progress, cancel):  # worker thread: no widgets here
            report = evaluate_project(snapshot, models, settings, participants, store_dir, progress, cancel,
                                      predictions=predictions)
            return report, image_groups(report, snapshot)

        self._show_message("")
        trained = sorted(self._trained_here & set(models)) if not held_out else []
        self._run = {"session": session, "note": (
            f"{', '.join(trained)} {'was' if len(trained) == 1 else 'were'} fine-tuned on this project: scored on "
            "every participant, {it} includes frames it was trained on. Check \"Held-out participants only\" "
            "for a fair score.".replace("{it}", "its error" if len(trained) == 1 else "their error")
            if trained else "")}
        self.worker = run_with_progress(self, "Evaluating landmark models", job, on_finished=self._on_finished,
                                        on_cancelled=self._on_cancelled, on_failed=self._on_failed)
        if self.track_job is not None:
            self.track_job(self.worker)
        self._update_buttons()

    def _on_finished(self, result) -> None:
        report, groups = result
        self.worker = None
        if self._run.get("session") is not self.session:  # another project was opened meanwhile
            self._update_buttons()
            return
        self.show_report(report, groups)
        self._show_message(self._run.get("note", ""), INFO_STYLE)
        self.tabs.setCurrentIndex(0)
        self._update_buttons()
        self.evaluated.emit(report)

    def _on_failed(self, message: str) -> None:
        self.worker = None
        text = f"Evaluation failed: {message}"
        self._show_message(text, ERROR_STYLE)
        self._update_buttons()
        self.evaluation_stopped.emit(text)

    def _on_cancelled(self) -> None:
        self.worker = None
        text = "Evaluation cancelled" + ("; the results shown are the previous ones." if self.report else ".")
        self._show_message(text, INFO_STYLE)
        self._update_buttons()
        self.evaluation_stopped.emit(text)

    # -- results ------------------------------------------------------------------------
    def show_report(self, report: dict | None, groups: dict[str, str] | None = None) -> None:
        self.report, self.image_groups = report, dict(groups or {})
        self.tables.show_report(report)
        self._draw_ced()
        self.heatmap_model_combo.blockSignals(True)
        self.heatmap_model_combo.clear()
        for name in (report or {}).get("models", {}):
            self.heatmap_model_combo.addItem(name)
        self.heatmap_model_combo.blockSignals(False)
        self._draw_heatmap()
        self.summary_label.setText(self._summary(report) if report else "Choose models and press Evaluate.")
        self._update_buttons()

    def _summary(self, report: dict) -> str:
        s = report["settings"]
        held_out = self.held_out_check.isChecked()
        who = report["participants"]
        names = ", ".join(who[:8]) + (f" and {len(who) - 8} more" if len(who) > 8 else "")
        held = (" — the participants held out from fine-tuning" if report["held_out_only"]
                else " — every annotated participant (no model here was fine-tuned on this project)"
                if held_out else " — every annotated participant, as asked (not only held-out ones)")
        best = min(report["models"].items(), key=lambda kv: kv[1]["mean"] if math.isfinite(kv[1]["mean"]) else 9e9)
        subset = re.sub(r";[^)]*", "", dict(SUBSETS).get(s["subset"], s["subset"]))
        how = "stored landmark tracks" if report.get("predictions") == "tracks" else \
            "each model re-run on a box around the ground truth"
        left = report.get("not_landmarked") or 0
        return (f"<b>NRMSE</b> = per-image RMS point error normalised by the <b>{s['normalizer']}</b> distance "
                f"over <b>{subset}</b>; mean ± SD (median) in %, "
                f"on n = {report['images']} frame(s) of {len(who)} participant(s) ({names}){held}. "
                f"Ground truth: {report['data']}. Predictions: <b>{how}</b>"
                + (f" ({left} frame(s) on recordings not landmarked by every model left out)" if left else "") + "."
                + (f" Lowest error: <b>{best[0]}</b> {pct(best[1]['mean'])} %." if len(report["models"]) > 1 else ""))

    def _draw_ced(self) -> None:
        self.ced.show_report(self.report, self.image_groups, self.per_group_check.isChecked())

    def _draw_heatmap(self) -> None:
        name = self.heatmap_model_combo.currentText()
        if self.report is None or not name:
            self.heatmap.set_values(None, title="", note="Evaluate to see each landmark's error.")
            return
        values = self.report["models"][name].get("per_landmark")
        shared = self.shared_scale_check.isChecked()
        reps = self.report["models"].values() if shared else [self.report["models"][name]]
        every = [v for rep in reps for v in (rep.get("per_landmark") or []) if v is not None and math.isfinite(v)]
        norm = self.report["settings"]["normalizer"]
        scale = "one colour scale for every model evaluated" if shared else "colour scale of this model"
        self.heatmap.set_values(values, max(every) if every else None,
                                title=f"{name}: mean point error / {norm} distance",
                                note=f"All 68 points, {scale}; dotted circle: no value")

    # -- export -------------------------------------------------------------------------
    def _ask_export(self, title: str, filters: str, export: Callable[[Path], object], default: str) -> None:
        if self.report is not None:
            ask_export(self, self.session, self.message_label, title, filters, export, default)

    def export_csv(self, path: Path) -> list[Path]:
        """The NRMSE table to ``path``, and the per-model and comparison tables next to it
        (``<stem>-models.csv``, ``<stem>-comparisons.csv``). Returns the files written."""
        path = Path(path)
        written = []
        for suffix, (header, rows) in self.tables.csv_tables(self.report).items():
            target = path.with_name(path.stem + suffix + ".csv")
            write_csv(target, header, rows)
            written.append(target)
        return written

    def export_ced(self, path: Path) -> None:
        self.ced.export(Path(path))

    def export_heatmap(self, path: Path) -> None:
        self.heatmap.export(Path(path))

    def export_json(self, path: Path) -> None:
        """The raw report (as ``neuroface-studio evaluate --json``); NaN written as null."""
        text = json.dumps(_nan_to_none(self.report), indent=1)
        Path(path).write_text(text + "\n", encoding="utf-8")


_FIGURE_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"


def _nan_to_none(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_nan_to_none(v) for v in obj]
    return obj
