"""The Record workspace's source bar: which camera (simulated participant or RealSense), the
simulated participant's group, Start/Stop preview and the participant window button.

Also builds the chosen source (:func:`make_live_source`) and the pose worker
(:func:`make_pose_worker`) for app.live_session.LiveSession.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from neuroface_studio.domain.participants import Group

log = logging.getLogger(__name__)

SYNTHETIC, REALSENSE = "synthetic", "realsense"
SOURCE_TITLES = {SYNTHETIC: "Simulated participant (no camera needed)", REALSENSE: "RealSense camera"}
SIMULATED_FPS = 30.0  # the simulated camera renders on the CPU: 30 fps leaves room for the rest
CAMERA_FPS = 60.0


def make_live_source(kind: str, task: str, group: str = "HC"):
    """A FrameSource: the RealSense camera, or the simulated participant performing ``task``."""
    if kind == REALSENSE:
        from neuroface_studio.app.record import make_source
        return make_source("realsense", fps=CAMERA_FPS)
    from neuroface_studio.acquisition.synthetic import SyntheticSource
    try:
        return SyntheticSource("LIVE", group, task, fps=SIMULATED_FPS, seed=0, realtime=True)
    except ValueError:  # a protocol task the simulator cannot perform
        return SyntheticSource("LIVE", group, "OPEN", fps=SIMULATED_FPS, seed=0, realtime=True)


def make_pose_worker(camera, previous=None):
    """A PoseWorker for ``camera``, or None when pose estimation is not installed.

    The face model loads on the worker thread at its first frame (~1 s), never on the GUI
    thread; a cleanly stopped ``previous`` worker hands over its loaded tracker.
    """
    try:
        from neuroface_studio.acquisition.pose import PoseEstimator, PoseWorker
    except ImportError as exc:
        log.warning("pose feedback unavailable: %s", exc)
        return None
    tracker = None
    if previous is not None and getattr(previous, "_thread", None) is None:
        tracker = previous.estimator.tracker
        if tracker is not None:
            tracker.reset()
    worker = PoseWorker(PoseEstimator(camera, tracker=tracker))
    if previous is not None:  # keep the participant's "straight ahead" across preview restarts
        worker.estimator.neutral_deg = previous.estimator.neutral_deg
    return worker


class SourcePickerWidget(QWidget):
    """Source + group choice, Start/Stop preview, Participant view."""

    preview_toggled = Signal()
    participant_view_requested = Signal()
    calibrate_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source_combo = QComboBox()
        for key, title in SOURCE_TITLES.items():
            self.source_combo.addItem(title, key)
        self.source_combo.currentIndexChanged.connect(lambda _i: self.set_state(self._previewing, self._enabled))
        self.group_label = QLabel("Simulated movement:")
        self.group_combo = QComboBox()
        for g in Group:
            self.group_combo.addItem(g.value, g.value)
        self.group_combo.setToolTip("How the simulated face moves: typical of this diagnostic group. It does not "
                                    "change the participant's own group (chosen with New participant…)")
        self.preview_button = QPushButton("▶ Start preview")
        self.preview_button.setMinimumWidth(130)
        self.preview_button.clicked.connect(self.preview_toggled)
        self.calibrate_button = QPushButton("Set straight ahead")
        self.calibrate_button.setToolTip("Ask the participant to look straight at the camera, then click: "
                                         "their current head pose becomes the frontal reference")
        self.calibrate_button.clicked.connect(self.calibrate_requested)
        self.participant_view_button = QPushButton("Participant view…")
        self.participant_view_button.setToolTip("A window for the participant (drag it to a second screen)")
        self.participant_view_button.clicked.connect(self.participant_view_requested)
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel("Source:"))
        bar.addWidget(self.source_combo)
        bar.addWidget(self.group_label)
        bar.addWidget(self.group_combo)
        bar.addWidget(self.preview_button)
        bar.addWidget(self.calibrate_button)
        bar.addStretch(1)
        bar.addWidget(self.participant_view_button)
        self._previewing, self._enabled = False, False
        self.set_state(False, False)

    def kind(self) -> str:
        return self.source_combo.currentData()

    def set_kind(self, kind: str) -> None:
        self.source_combo.setCurrentIndex(self.source_combo.findData(kind))

    def group(self) -> str:
        return self.group_combo.currentData()

    def set_state(self, previewing: bool, enabled: bool) -> None:
        """``enabled``: a project is open."""
        self._previewing, self._enabled = previewing, enabled
        synthetic = self.kind() == SYNTHETIC
        self.group_label.setVisible(synthetic)
        self.group_combo.setVisible(synthetic)
        for w in (self.source_combo, self.group_combo):
            w.setEnabled(not previewing)
        self.preview_button.setText("■ Stop preview" if previewing else "▶ Start preview")
        self.preview_button.setEnabled(enabled)
        self.calibrate_button.setEnabled(previewing)
