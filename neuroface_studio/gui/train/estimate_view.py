"""The Train workspace's time estimate: how long fine-tuning will take on this PC, before Start.

A thin view over :mod:`neuroface_studio.app.train_estimate`: the figure comes from this PC's own
measurement when it has one, else from a stored benchmark figure that says so. A model whose
size is not known without reading its weights is read once on a background thread;
*Measure on this PC* runs a couple of training steps in the background and keeps the figure.
"""

from __future__ import annotations

import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from neuroface_studio.app import train_estimate as te
from neuroface_studio.gui.widgets.workers import JobWorker, start_quiet
from neuroface_studio.vision import registry

log = logging.getLogger(__name__)
READ_DELAY_MS = 700
STYLE = "QLabel { background: #eef4fb; color: #1f3a5a; padding: 6px; border-radius: 4px; }"


class TrainEstimateView(QWidget):
    """``show_for(base_model, n_train, n_val, settings)``; hidden when there is nothing to estimate."""

    def __init__(self, parent: QWidget | None = None, store_dir: Path | None = None, track_job=None) -> None:
        super().__init__(parent)
        self.store_dir = store_dir
        self._track_job = track_job
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setStyleSheet(STYLE)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.measure_button = QPushButton("Measure on this PC")
        self.measure_button.setToolTip("Run a couple of fine-tuning steps of this model's size in the background "
                                       "(about 1–4 minutes for the official FAN on 2 cores) and use that figure")
        self.measure_button.clicked.connect(self.measure)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(self.measure_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.label)
        layout.addLayout(row)
        self.worker: JobWorker | None = None
        self._read_timer = QTimer(self)  # coalesces plan changes; skipped when Start follows at once
        self._read_timer.setSingleShot(True)
        self._read_timer.setInterval(READ_DELAY_MS)
        self._read_timer.timeout.connect(self._read_spec)
        self._request: tuple | None = None
        self._spec: tuple[int, int, int] | None = None
        self.setVisible(False)

    @property
    def busy(self) -> bool:
        return self.worker is not None and not self.worker.done

    def show_for(self, base_model: str | None, n_train: int, n_val: int, settings: dict) -> None:
        """Show the estimate for fine-tuning ``base_model`` on ``n_train`` frames (``None``: hide)."""
        self._request = (base_model, int(n_train), int(n_val), dict(settings))
        if not base_model:
            self.setVisible(False)
            return
        try:
            row = registry.get_model(base_model, self.store_dir)
        except (registry.ModelRegistryError, OSError, ValueError) as exc:
            log.warning("time estimate: %s", exc)
            self.setVisible(False)
            return
        spec = te.known_spec(row)
        self.setVisible(True)
        if spec is None:  # read the weights once (torch) off the GUI thread, a moment later, then show
            self._spec = None
            self.label.setText("Time on this CPU: reading the model's size…")
            self.measure_button.setEnabled(False)
            self._read_timer.start()
            return
        self._show(spec)

    def _read_spec(self) -> None:
        """Not while the panel is disabled (training runs): the workspace refreshes the plan afterwards."""
        if self._request is None or not self._request[0] or not self.isEnabled():
            return
        name, store = self._request[0], self.store_dir
        self._run(lambda progress, cancel: te.model_spec(name, store))

    def _show(self, spec: tuple[int, int, int]) -> None:
        self._spec = spec
        _, n_train, n_val, settings = self._request
        self.label.setText(te.estimate_text(spec, n_train, n_val, settings))
        times = te.step_times(spec)
        self.measure_button.setEnabled(not self.busy)
        self.measure_button.setText("Measure again on this PC" if times is not None and times.measured_here
                                    else "Measure on this PC")

    def measure(self) -> None:
        if self._spec is None or self.busy:
            return
        spec = self._spec
        self.measure_button.setEnabled(False)
        self.label.setText(self.label.text() + "<br><i>Measuring a couple of fine-tuning steps on this PC…</i>")
        self._run(lambda progress, cancel: (te.measure_on_this_pc(spec, progress=progress, cancel=cancel), spec)[1])

    def _run(self, job) -> None:
        if self.busy:
            return
        # not a child of this view: a measurement outlives a closed panel (kept in _RUNNING, waited for at quit)
        worker = JobWorker(job, None)
        self.worker = worker
        _keep(worker)

        def ended(spec) -> None:
            _RUNNING.discard(worker)
            worker.deleteLater()
            if not shiboken6.isValid(self):
                return
            self.worker = None
            if spec is not None and self._request is not None:
                self.show_for(*self._request)  # the current choice, now with its size / this PC's figure
            else:
                self.measure_button.setEnabled(self._spec is not None)

        def failed(message: str) -> None:
            log.warning("time estimate failed: %s", message)
            if shiboken6.isValid(self):
                self.label.setText(f"Time on this CPU: could not be estimated ({message}).")
            ended(None)

        start_quiet(worker, ended, failed, self._track_job)


_RUNNING: set[JobWorker] = set()


def _keep(worker: JobWorker) -> None:
    """Hold ``worker`` until it ends; at quit, wait for it (a measurement step cannot be interrupted)."""
    if not _RUNNING:
        app = QCoreApplication.instance()
        if app is not None and not getattr(app, "_nfs_estimate_hook", False):
            app.aboutToQuit.connect(_stop_all)
            app._nfs_estimate_hook = True
    _RUNNING.add(worker)


def _stop_all() -> None:
    for worker in list(_RUNNING):
        worker.stop(120_000)
