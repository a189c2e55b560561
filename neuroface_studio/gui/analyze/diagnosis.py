"""The Analyze workspace's kinematics pages: features table and ROC classifier, and the message
and export helpers they share with the traces page (gui/analyze/traces.py).

:class:`FeaturesPage` runs :func:`neuroface_studio.app.kinematics.project_features` in the
background (progress and Cancel in the jobs panel, on a snapshot of the project) and shows, for the chosen
task, each participant's mean features with z-scores against the controls
(gui/analyze/features.py) and the recordings skipped with why; CSV export. :class:`RocPage`
classifies a task and contrast (HC vs each group present, or any two groups) with
:func:`neuroface_studio.app.kinematics.classify` in the background (computing the features first
when the Features page has none), and shows the ROC curve with its AUC and 95% CI, each
participant's probability and the top feature importances; CSV and PNG/SVG exports. The features
table is shared: the ROC uses the one shown on the Features page (its landmarks chosen there);
"Compare with" adds the ROC of another landmark model's tracks, or (*+ sound (DDK)*) of the same
features plus the speech task's DDK measures from the sound (app/ddk_classify.py): both AUCs shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QSplitter,
                               QVBoxLayout, QWidget)

from neuroface_studio.analysis.sample_size import NOT_ENOUGH
from neuroface_studio.app.kinematics import FeatureTable, classifier_sample, classify, project_features
from neuroface_studio.app.landmarking import tracks_of
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.gui.analyze.features import (FeaturesTableWidget, feature_csv_rows, participant_means, tasks_of,
                                                   z_sample_of)
from neuroface_studio.gui.analyze.roc import (RocPlotWidget, auc_label, fill_table, importance_rows, probability_rows,
                                              roc_rows, small_table)
from neuroface_studio.gui.analyze.tables import write_csv
from neuroface_studio.gui.widgets.job_page import (AUTOMATIC, JobPage, new_message_label, ask_export, contrasts,
                                                 fill_models, project_tasks, project_tracks, skip_summary)
from neuroface_studio.gui.widgets.messages import DONE_STYLE, ERROR_STYLE, INFO_STYLE, show_message

FIGURE_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"
TOP_IMPORTANCES = 8
WITH_SOUND = "+ sound (DDK)"  # "Compare with": the same features plus the sound's DDK measures (issue 19)
ROC_INTRO = ("Random forest on the per-repetition features, leave-one-subject-out: each participant's probability "
             "is the mean over their repetitions, predicted by a forest that never saw them.")


class FeaturesPage(JobPage):
    """Compute features (background); per-participant table with z-scores; skipped recordings; CSV."""

    computed = Signal(object)  # the FeatureTable

    def __init__(self, parent: QWidget | None = None, track_job: Callable[[object], object] | None = None) -> None:
        super().__init__(parent, track_job)
        self.table: FeatureTable | None = None
        self.table_model: str | None = None  # the landmarks the table was computed from (None: automatic)
        self.task_combo = QComboBox()
        self.task_combo.currentIndexChanged.connect(lambda _i: self._show_table())
        self.landmarks_combo = QComboBox()
        self.landmarks_combo.setToolTip("Landmarks the features are measured on; recordings without a track of "
                                        "the model chosen are skipped")
        self.compute_button = QPushButton("Compute features")
        self.compute_button.setStyleSheet("QPushButton:enabled { font-weight: 600; }")
        self.compute_button.clicked.connect(self.compute)
        self.csv_button = QPushButton("Features → CSV…")
        self.csv_button.clicked.connect(lambda: ask_export(self, self.session, self.message_label,
                                                           "Export the features table", "CSV table (*.csv)",
                                                           self.export_csv, f"features-{self.task()}.csv"))
        row = QHBoxLayout()
        row.addWidget(QLabel("Task"))
        row.addWidget(self.task_combo)
        row.addWidget(QLabel("Landmarks"))
        row.addWidget(self.landmarks_combo)
        row.addWidget(self.compute_button)
        row.addStretch(1)
        row.addWidget(self.csv_button)
        self.summary_label = QLabel("Compute the features of every segmented recording (3D from depth, head frame, "
                                    "5-point median filter; smoothness on the unfiltered signal).")
        self.summary_label.setWordWrap(True)
        self.message_label = new_message_label()
        self.features_table = FeaturesTableWidget()
        self.skipped_label = QLabel()
        self.skipped_label.setWordWrap(True)
        self.skipped_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.skipped_label.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(row)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.message_label)
        layout.addWidget(self.features_table, 1)
        layout.addWidget(self.skipped_label)
        self._update_buttons()

    def task(self) -> str:
        return self.task_combo.currentText()

    def model(self) -> str | None:
        """The landmarks chosen (a model with tracks here), None for automatic."""
        return self.landmarks_combo.currentData()

    def refresh_models(self) -> None:
        """The landmark choices: automatic, then each model with tracks in the project (choice kept)."""
        fill_models(self.landmarks_combo, project_tracks(self.session), AUTOMATIC)

    def set_session(self, session: ProjectSession | None) -> None:
        self.session = session
        self.table = None
        self.refresh_models()
        self._fill_tasks(project_tasks(session))
        show_message(self.message_label, "")
        self._show_table()

    def _fill_tasks(self, tasks: list[str]) -> None:
        current = self.task()
        self.task_combo.blockSignals(True)
        self.task_combo.clear()
        self.task_combo.addItems(tasks)
        if current in tasks:
            self.task_combo.setCurrentText(current)
        self.task_combo.blockSignals(False)

    def _update_buttons(self) -> None:
        self.compute_button.setEnabled(self.session is not None and not self.running)
        self.csv_button.setEnabled(self.table is not None and bool(self.means()))

    def compute(self) -> None:
        if self.running or self.session is None:
            return
        session, snapshot, model = self.session, self.session.snapshot(), self.model()
        show_message(self.message_label, "")

        def job(progress, cancel):  # worker thread: no widgets here
            return project_features(snapshot, model=model, progress=progress, cancel=cancel)

        def finished(table: FeatureTable) -> None:
            self.worker = None
            if session is self.session:  # not another project opened meanwhile
                self.set_table(table, model)
                self.computed.emit(table)
            self._update_buttons()

        self._start("Computing kinematic features", "Feature computation", job, finished)

    def set_table(self, table: FeatureTable | None, model: str | None = None) -> None:
        """Show ``table`` (computed from ``model``'s landmarks; None: automatic)."""
        self.table, self.table_model = table, model
        tasks = project_tasks(self.session)
        self._fill_tasks(sorted(set(tasks) | set(tasks_of(table.rows))) if table else tasks)
        self._show_table()

    def means(self) -> list[dict]:
        return participant_means(self.table.rows, self.task()) if self.table is not None else []

    def _show_table(self) -> None:
        table = self.table
        means = self.means()
        self.features_table.show_means(means)
        self.features_table.setVisible(bool(means))
        if table is not None:
            n_hc = sum(m["group"] == "HC" for m in means)
            sample = z_sample_of(n_hc)
            sources = sorted(set(table.sources.values()))
            self.summary_label.setText(
                f"<b>{self.task() or 'no task'}</b>: {len(means)} participant(s), mean over each one's repetitions; "
                + (f"in brackets the z-score against the {n_hc} healthy controls (HC mean and SD, n={n_hc}); "
                   "|z| &gt; 1 amber, |z| &gt; 2 red. " if sample.ok else
                   f"<b>z-scores: {sample.reason}</b>, so the table shows values only, without z or colours. ")
                + (f"{len(table.rows)} repetition(s) in {table.seconds:.1f} s."
                   if table.rows else "No repetition could be measured.")
                + (f" Landmarks: {'; '.join(sources)}." if sources else ""))
        skipped = table.skipped if table is not None else {}
        self.skipped_label.setText("<b>Skipped recordings</b><ul>" + "".join(
            f"<li><b>{rid}</b>: {why}</li>" for rid, why in sorted(skipped.items())) + "</ul>")
        self.skipped_label.setVisible(bool(skipped))
        self._update_buttons()

    def export_csv(self, path: Path) -> None:
        header, rows = feature_csv_rows(self.means(), self.task())
        write_csv(Path(path), header, rows)


class RocPage(JobPage):
    """Task and contrast, Classify (background): ROC with AUC and CI, probabilities, importances; exports."""

    classified = Signal(dict)

    def __init__(self, features: FeaturesPage, parent: QWidget | None = None,
                 track_job: Callable[[object], object] | None = None) -> None:
        super().__init__(parent, track_job)
        self.features = features
        self.result: dict | None = None
        self.results: list[tuple[str, dict]] = []  # (landmarks, result): the Features table's first
        self.task_combo = QComboBox()
        self.contrast_combo = QComboBox()
        self.compare_combo = QComboBox()
        self.compare_combo.setToolTip("Also classify on the features of another landmark model's tracks "
                                      "(e.g. pretrained vs fine-tuned), same task and contrast")
        self.classify_button = QPushButton("Classify")
        self.classify_button.setStyleSheet("QPushButton:enabled { font-weight: 600; }")
        self.classify_button.clicked.connect(self.classify)
        row = QHBoxLayout()
        for w in (QLabel("Task"), self.task_combo, QLabel("Contrast"), self.contrast_combo, QLabel("Compare with"),
                  self.compare_combo, self.classify_button):
            row.addWidget(w)
        row.addStretch(1)
        self.summary_label = QLabel(ROC_INTRO)
        self.summary_label.setWordWrap(True)
        self.message_label = new_message_label()
        self.plot = RocPlotWidget()
        self.prob_table = small_table(["Participant", "Group", "Probability"])
        self.imp_table = small_table(["Feature", "Importance"])
        side = QWidget()
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(0, 0, 0, 0)
        self.prob_caption = QLabel("<b>Per participant</b> (probability of the patient group)")
        self.prob_caption.setWordWrap(True)
        self.imp_caption = QLabel(f"<b>Top {TOP_IMPORTANCES} feature importances</b>")
        side_lay.addWidget(self.prob_caption)
        side_lay.addWidget(self.prob_table, 3)
        side_lay.addWidget(self.imp_caption)
        side_lay.addWidget(self.imp_table, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.plot)
        splitter.addWidget(side)
        splitter.setSizes([520, 340])
        self.csv_button = QPushButton("ROC → CSV…")
        self.csv_button.clicked.connect(lambda: ask_export(self, self.session, self.message_label,
                                                           "Export the ROC data", "CSV table (*.csv)",
                                                           self.export_csv, "roc.csv"))
        self.png_button = QPushButton("ROC → PNG/SVG…")
        self.png_button.clicked.connect(lambda: ask_export(self, self.session, self.message_label,
                                                           "Export the ROC curve", FIGURE_FILTER,
                                                           self.plot.export, "roc.png"))
        exports = QHBoxLayout()
        exports.addStretch(1)
        exports.addWidget(self.csv_button)
        exports.addWidget(self.png_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(row)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.message_label)
        layout.addWidget(splitter, 1)
        layout.addLayout(exports)
        self._update_buttons()

    def set_session(self, session: ProjectSession | None) -> None:
        self.session = session
        self.task_combo.clear()
        self.task_combo.addItems(project_tasks(session))
        self.contrast_combo.clear()
        for a, b in contrasts(session):
            self.contrast_combo.addItem(f"{a} vs {b}", (a, b))
        self.refresh_models()
        show_message(self.message_label, "")
        self.show_result(None)

    def refresh_models(self) -> None:
        sound = self.compare_combo.currentData() == WITH_SOUND
        fill_models(self.compare_combo, project_tracks(self.session), "no other model")
        self.compare_combo.addItem(WITH_SOUND, WITH_SOUND)
        self.compare_combo.setItemData(self.compare_combo.count() - 1, "The same features with and without the "
                                       "speech task's DDK measures from the sound: both AUCs",
                                       Qt.ItemDataRole.ToolTipRole)
        if sound:
            self.compare_combo.setCurrentIndex(self.compare_combo.count() - 1)

    def _update_buttons(self) -> None:
        ok = self.session is not None and self.contrast_combo.count() > 0 and self.task_combo.count() > 0
        self.classify_button.setEnabled(ok and not self.running)
        self.classify_button.setToolTip("" if ok else "Open a project with participants of two groups")
        for b in (self.csv_button, self.png_button):
            b.setEnabled(self.result is not None)

    def classify(self) -> None:
        if self.running or self.session is None or self.contrast_combo.currentData() is None:
            return
        session, task, groups = self.session, self.task_combo.currentText(), self.contrast_combo.currentData()
        table = self.features.table
        model = self.features.table_model if table is not None else self.features.model()
        compare = self.compare_combo.currentData()
        snapshot = session.snapshot()
        show_message(self.message_label, "")

        def job(progress, cancel):  # worker thread: no widgets here
            t = table if table is not None else project_features(snapshot, model=model, progress=progress,
                                                                  cancel=cancel)
            progress(0, 0, f"Classifying {task}: {groups[0]} vs {groups[1]}")
            sample = classifier_sample(t, task, groups)
            if t.rows and not sample.ok:  # issue 18: no AUC or probabilities from too few participants
                return t, None, sample.reason, None
            try:
                result = classify(t, task, groups)
            except ValueError as exc:  # no repetitions, ...
                return t, None, str(exc), None
            other = None
            if compare == WITH_SOUND:
                from neuroface_studio.app.ddk_classify import classify_with_and_without_audio
                progress(0, 0, f"Classifying {task} with the sound's DDK measures")
                try:
                    other = (WITH_SOUND, classify_with_and_without_audio(t, task, groups)["with_audio"], "")
                except ValueError as exc:
                    other = (WITH_SOUND, None, str(exc))
            elif compare is not None and compare != model:
                t2 = project_features(snapshot, model=compare, progress=progress, cancel=cancel)
                progress(0, 0, f"Classifying {task} on {compare}'s landmarks")
                try:
                    why = classifier_sample(t2, task, groups).reason
                    other = (compare, None, why) if why else (compare, classify(t2, task, groups), "")
                except ValueError as exc:
                    other = (compare, None, f"{exc}. " + skip_summary(t2.skipped))
            return t, result, "", other

        def finished(out) -> None:
            t, result, problem, other = out
            self.worker = None
            if session is self.session:
                if table is None:
                    self.features.set_table(t, model)
                name = ("without sound" if compare == WITH_SOUND else (model or "automatic")) \
                    if other is not None and other[1] is not None else ""
                self.show_result(result, name, [other[:2]] if other is not None and other[1] is not None else [])
                if result is None and problem.startswith(NOT_ENOUGH):
                    self.show_not_enough(problem, task, groups)
                elif result is None:
                    show_message(self.message_label, f"Cannot classify: {problem}. " + skip_summary(t.skipped),
                                 ERROR_STYLE)
                else:
                    if other is not None and other[1] is None:
                        show_message(self.message_label, f"No comparison with {other[0]}: {other[2]}", ERROR_STYLE)
                    self.classified.emit(result)
            self._update_buttons()

        self._start("Classifying", "Classification", job, finished)

    def show_result(self, result: dict | None, name: str = "", others: list[tuple[str, dict]] = ()) -> None:
        """``result`` (from the Features table's landmarks, ``name``) and ``others`` (other landmark
        models on the same task and contrast: curves only)."""
        self.result = result
        self.results = [(name or "features table", result), *others] if result is not None else []
        self.plot.show_result(result, name, list(others))
        if result is None:
            self.prob_table.setRowCount(0)
            self.imp_table.setRowCount(0)
            self.summary_label.setText(ROC_INTRO)
        else:
            _, rows = probability_rows(result)
            fill_table(self.prob_table, [[p, g, f"{v:.2f}"] for p, g, _lab, v in rows],
                       [[p, g, v] for p, g, _lab, v in rows])
            _, rows = importance_rows(result, TOP_IMPORTANCES)
            fill_table(self.imp_table, [[f, f"{v:.3f}"] for f, v in rows], rows)
            vs = "".join(f"; {n}: <b>{auc_label(r)}</b>" for n, r in others)
            of = f" — {name}" if name else ""
            self.prob_caption.setText(f"<b>Per participant</b>{of} (probability of {result['groups'][1]})")
            self.imp_caption.setText(f"<b>Top {TOP_IMPORTANCES} feature importances</b>{of}")
            self.summary_label.setText(
                (f"{name}: " if name else "") + f"<b>{auc_label(result)}</b>{vs} — {result['task']}, "
                f"{result['groups'][0]} vs {result['groups'][1]}: "
                f"{result['n_participants']} participants, {result['n_repetitions']} repetitions, leave-one-subject-"
                "out random forest (participant probability = mean over their repetitions; CI by bootstrap).")
        self._update_buttons()

    def show_not_enough(self, reason: str, task: str, groups: tuple[str, str]) -> None:
        """No classifier shown: ``reason`` ("not enough participants (n=...)") instead of an AUC."""
        self.show_result(None)
        self.plot.show_not_enough(f"{task}: {groups[0]} vs {groups[1]}", reason)
        self.summary_label.setText(f"<b>{task}, {groups[0]} vs {groups[1]}: {reason[0].upper() + reason[1:]}.</b> "
                                   "No AUC or probabilities are shown: with so few participants they would "
                                   f"look like a finding and mean nothing. Add participants to each group. {ROC_INTRO}")
        show_message(self.message_label, f"No classifier: {reason}.", INFO_STYLE)

    def export_csv(self, path: Path) -> list[Path]:
        """The ROC points to ``path``, probabilities and importances next to it (``-participants``,
        ``-importances``). Returns the files written."""
        path = Path(path)
        written = []
        tables = (("", roc_rows(self.results)), ("-participants", probability_rows(self.result)),
                  ("-importances", importance_rows(self.result)))
        for suffix, (header, rows) in tables:
            target = path.with_name(path.stem + suffix + ".csv")
            write_csv(target, header, rows)
            written.append(target)
        return written
