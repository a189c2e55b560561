"""The Train workspace: one-click fine-tuning of a FAN on the project's corrected frames.

Left: what to train (gui/train/setup.py: base model, data and its plan, Advanced settings),
Start / Stop, a progress bar with a time estimate, and messages. Right: the live curves
(gui/train/curves.py) and, at the end, the before/after table with "Make it the active model"
and "Undo (remove this version)" (gui/train/result.py).

Start runs :func:`neuroface_studio.app.finetune.run_finetune` on a worker thread
(gui/widgets/workers.py ``JobWorker``) on a snapshot of the project, so annotating meanwhile cannot
change the data under the job. The engine's events are forwarded to the GUI thread by a Qt
signal (:class:`_EventBridge`); only the GUI thread touches widgets. Stop sets the job's
cancel token: the engine stops at its next step, keeps its last checkpoint (a new Start with
the same settings resumes from it) and registers nothing. Errors (no data, NaN loss, missing
model, ...) are shown as a message in the panel. The result is written to the project's audit
log as the CLI does (saved at once when nothing else is unsaved).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QProgressBar, QPushButton, QScrollArea, QSplitter, QVBoxLayout,
                               QWidget)

from neuroface_studio.app.finetune import CHECKPOINT_DIR, describe, run_finetune
from neuroface_studio.app.jobs import JobCancelled
from neuroface_studio.app.project_service import ProjectSession, current_user
from neuroface_studio.gui.widgets.messages import DONE_STYLE, ERROR_STYLE, INFO_STYLE
from neuroface_studio.gui.train.curves import TrainingCurvesWidget, eta_text
from neuroface_studio.gui.train.result import TrainResultPanel
from neuroface_studio.gui.train.setup import TrainSetupPanel
from neuroface_studio.gui.widgets.workers import JobWorker
from neuroface_studio.store.errors import StoreError

log = logging.getLogger(__name__)


class _EventBridge(QObject):
    """Lives in the GUI thread; ``event_arrived.emit`` from the worker thread is queued to it."""

    event_arrived = Signal(object)


class TrainWorkspacePanel(QWidget):
    """Pick, Start, watch, Stop; then compare, activate or undo."""

    training_finished = Signal(str)  # the new model's registry name
    training_stopped = Signal(str)  # the message shown (cancelled or failed)

    def __init__(self, parent: QWidget | None = None, track_job: Callable[[object], object] | None = None,
                 store_dir: Path | None = None) -> None:
        """``track_job(worker)`` hands the job to the main window (stopped when it closes)."""
        super().__init__(parent)
        self.session: ProjectSession | None = None
        self.store_dir = store_dir
        self.track_job = track_job
        self.worker: JobWorker | None = None
        self._run: dict = {}
        self._build()
        self._update_buttons()

    # -- layout -----------------------------------------------------------------------
    def _build(self) -> None:
        title = QLabel("Train")
        title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        subtitle = QLabel("Fine-tune the FAN landmark model on this project's corrected frames.")
        subtitle.setWordWrap(True)
        subtitle.setStyleSheet("color: #555;")
        self.setup = TrainSetupPanel(store_dir=self.store_dir)
        self.setup.changed.connect(self._update_buttons)
        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.start_button.setMinimumHeight(34)
        self.start_button.setStyleSheet("QPushButton:enabled { font-weight: 600; }")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setMinimumHeight(34)
        self.stop_button.setToolTip("Stop after the current step; the last finished epoch is kept and Start resumes")
        self.stop_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button, 2)
        buttons.addWidget(self.stop_button, 1)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_label = QLabel("")
        self.progress_label.setWordWrap(True)
        self.eta_label = QLabel("")
        self.eta_label.setStyleSheet("color: #555;")
        self.eta_label.setVisible(False)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.setVisible(False)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(16, 12, 12, 12)
        for w in (title, subtitle, self.setup):
            left_layout.addWidget(w)
        left_layout.addLayout(buttons)
        for w in (self.progress_bar, self.progress_label, self.eta_label, self.message_label):
            left_layout.addWidget(w)
        left_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setMinimumWidth(330)

        self.curves = TrainingCurvesWidget()
        self.result = TrainResultPanel(store_dir=self.store_dir)
        self.result.setVisible(False)
        self.result.model_activated.connect(self._on_activated)
        self.result.model_removed.connect(self._on_removed)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 12, 12, 12)
        right_layout.addWidget(self.curves, 1)
        right_layout.addWidget(self.result)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 640])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    # -- state ------------------------------------------------------------------------
    def set_session(self, session: ProjectSession | None) -> None:
        """Show ``session``'s data. A running job goes on (its audit entry goes to its own project)."""
        self.session = session
        if not self.running:
            self.result.setVisible(False)
            self.curves.clear("Press Start: the curves fill in while the model trains.")
            self._show_message("")
        self.setup.set_session(session)

    @property
    def running(self) -> bool:
        return self.worker is not None and not self.worker.done

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self.running:  # annotations or models may have changed elsewhere
            self.setup.refresh()

    def _update_buttons(self) -> None:
        running = self.running
        has_base = self.setup.base_model() is not None
        self.start_button.setEnabled(not running and has_base and self.setup.plan_ok)
        self.start_button.setToolTip("" if self.start_button.isEnabled() or running else
                                     "Install a FAN model first" if not has_base else self.setup.plan_text)
        self.stop_button.setEnabled(running and not self._run.get("stopping", False))
        self.setup.setEnabled(not running)

    def _show_message(self, text: str, style: str = INFO_STYLE) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(style)
        self.message_label.setVisible(bool(text))

    # -- run --------------------------------------------------------------------------
    def start(self) -> None:
        """Start (or resume) fine-tuning with the choices shown."""
        if self.running or self.session is None:
            return
        self.setup.update_plan()
        base = self.setup.base_model()
        if base is None or not self.setup.plan_ok:
            self._show_message(self.setup.plan_text if base else "Install a FAN model first.", ERROR_STYLE)
            return
        session, choice, settings = self.session, self.setup.data_choice(), self.setup.settings()
        snapshot = session.snapshot()  # read by the worker only
        store_dir = self.store_dir
        if self._run.get("bridge") is not None:
            self._run["bridge"].deleteLater()  # late events of the last run are dropped with it
        bridge = _EventBridge(self)
        bridge.event_arrived.connect(self._on_event)
        self._run = {"folder": session.folder, "base": base, "epochs": settings["epochs"], "bridge": bridge,
                     "first": None}
        outcome = self._run

        def job(progress, cancel):  # worker thread: no widgets here
            from neuroface_studio.training.engine import FinetuneConfig
            try:
                summary = run_finetune(snapshot, base, choice, FinetuneConfig(**settings), progress=progress,
                                       cancel=cancel, on_event=bridge.event_arrived.emit, store_dir=store_dir)
            except JobCancelled as exc:
                outcome["cancel_message"] = str(exc)
                raise
            outcome["summary"] = summary  # Stop pressed after the last check still reports a registered model
            return summary

        self.result.setVisible(False)
        self.curves.clear("Reading frames…")
        self._show_message("")
        self.progress_bar.setRange(0, 0)
        self.progress_label.setText("Reading frames…")
        self.eta_label.setText("")
        worker = JobWorker(job, self)
        worker.progressed.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self.worker = worker
        if self.track_job is not None:
            self.track_job(worker)
        worker.start()
        self._update_buttons()

    def stop(self) -> None:
        if not self.running:
            return
        self._run["stopping"] = True
        self.worker.cancel()
        self.progress_label.setText("Stopping after the current step…")
        self._update_buttons()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if not self._run.get("seen_event") and not self._run.get("stopping"):  # before the engine's events
            self.progress_label.setText(message[:1].upper() + message[1:] + "…")

    def _on_event(self, e) -> None:
        run = self._run
        if self.sender() is not run.get("bridge"):  # a late event of an earlier run
            return
        run["seen_event"] = True
        if e.kind == "before":  # the base model per group: the curves start at epoch 0
            self.curves.add_base_groups(e.val_nrmse)
            return
        if e.kind == "history":  # a resumed run: its epochs before the stop
            self.curves.add_epoch(e.epoch, e.steps, e.loss, e.val_nrmse, e.best)
            return
        quiet = run.get("stopping", False)  # keep "Stopping…" shown; the curves still get the data
        if e.kind == "caching":
            if quiet:
                return
            self.progress_bar.setRange(0, max(e.steps, 1))
            self.progress_bar.setValue(e.step)
            self.progress_label.setText(f"Preparing the frozen layers' features of the images: {e.step}/{e.steps}")
            self.curves.message.setText("Preparing the training images…")
            return
        total = run["epochs"] * e.steps
        done = (e.epoch - 1) * e.steps + e.step
        if e.kind == "step":
            if run["first"] is None:
                run["first"] = (done, e.seconds)
                if e.epoch == 1:  # a new run: "best" is still the base model's validation NRMSE
                    self.curves.add_base(e.best)
            self.curves.add_step(done, e.loss, e.best)
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)
            if quiet:
                return
            self.progress_label.setText(f"Epoch {e.epoch}/{run['epochs']}, step {e.step}/{e.steps}: "
                                        f"loss {e.loss:.4f}")
            first_done, first_s = run["first"]
            eta = eta_text(done, total, first_done, first_s, e.seconds)
            self.eta_label.setText(eta)
            self.eta_label.setVisible(bool(eta))
        elif e.kind == "epoch":
            self.curves.add_epoch(e.epoch, e.steps, e.loss, e.val_nrmse, e.best)
            run["last_epoch"] = e.epoch
            if quiet:
                return
            if e.epoch == run["epochs"]:
                self.eta_label.setText("Measuring the best epoch and registering the new version…")
                self.eta_label.setVisible(True)
            groups = ", ".join(f"{g} {100 * v:.2f}%" for g, v in sorted(e.val_nrmse.items()) if g != "all")
            self.progress_label.setText(f"Epoch {e.epoch}/{run['epochs']} done: validation NRMSE "
                                        f"{100 * e.val_nrmse.get('all', float('nan')):.2f}%"
                                        + (f" ({groups})" if groups else "") + f"; best {100 * e.best:.2f}%")

    def _finish_run(self) -> None:
        self.progress_bar.setRange(0, 1)
        self.eta_label.setText("")
        self.eta_label.setVisible(False)
        self.worker.deleteLater()
        self.worker = None
        self._update_buttons()

    def _on_finished(self, summary) -> None:
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1)
        self.curves.redraw()
        self._finish_run()
        self.progress_label.setText(f"Done in {summary.seconds:.0f} s on {summary.device}.")
        self._audit("fine-tune", describe(summary))
        self.result.show_summary(summary)
        self._show_message(f"Registered the new version <b>{summary.model}</b>. Make it the active model to use "
                           "it when landmarking.", DONE_STYLE)
        self.setup.refresh()
        self.training_finished.emit(summary.model)

    def _on_failed(self, message: str) -> None:
        self._finish_run()
        self.progress_bar.setValue(0)
        self.progress_label.setText("")
        text = f"Fine-tuning failed: {message}"
        self._show_message(text + "<br>No model was registered; the existing models are untouched.", ERROR_STYLE)
        self.training_stopped.emit(text)

    def _on_cancelled(self) -> None:
        if self._run.get("summary") is not None:  # Stop came after the model was registered
            self._on_finished(self._run["summary"])
            return
        self._finish_run()
        self.progress_label.setText("")
        run = self._run
        checkpoint = Path(run["folder"]) / CHECKPOINT_DIR / f"finetune-{run['base']}.ckpt"
        if checkpoint.is_file():
            epoch = run.get("last_epoch")
            text = ("Stopped" + (f" in epoch {epoch + 1}" if epoch else "") + ". Nothing was registered.<br>"
                    + (f"The checkpoint of epoch {epoch}" if epoch else "The checkpoint")
                    + " is kept: Start with the same settings resumes from it.")
        else:
            said = run.get("cancel_message", "training stopped")
            text = f"Stopped: {said}.<br>Nothing was registered and no checkpoint was written yet."
        self._show_message(text, INFO_STYLE)
        self.training_stopped.emit(text)

    # -- results ----------------------------------------------------------------------
    def _on_activated(self, name: str) -> None:
        self.setup.refresh()

    def _on_removed(self, name: str) -> None:
        self._audit("fine-tune undone", f"{name} removed from the model store")
        self._show_message(f"{name} was removed.", INFO_STYLE)
        self.setup.refresh()

    def _audit(self, action: str, detail: str) -> None:
        """Log to the trained project: saved at once when nothing else is unsaved (as the CLI does)."""
        folder = Path(self._run.get("folder", self.session.folder if self.session else "."))
        session = self.session if self.session is not None and self.session.folder == folder else None
        try:
            if session is None:  # another project is open now: write to the trained one's file
                session = ProjectSession.open(folder)
            if not session.dirty:
                session.save(action, detail)
            else:
                session.project.log(current_user(), action, detail)
        except StoreError as exc:
            log.warning("could not write the audit entry to %s: %s", folder, exc)
            self._show_message(f"The model is registered, but the project's audit log could not be saved: {exc}",
                               ERROR_STYLE)
