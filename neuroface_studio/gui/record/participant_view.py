"""The participant's window: a separate top-level window the operator drags to a second screen.

It shows what the participant needs from a metre away: the current task's instruction in
very large text, the feedback colour (green / amber / red) filling the window's frame and
the feedback message, and optionally a mirrored live image (like looking in a mirror). The
Record workspace feeds it (GUI thread only); it has no controls of its own.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFrame, QLabel, QVBoxLayout, QWidget

from neuroface_studio.domain.protocol import Task
from neuroface_studio.gui.record.live_preview import LEVEL_TITLES, level_style


class ParticipantViewWidget(QWidget):
    """Instruction in very large text, feedback colour + message, optional mirrored preview."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("NeuroFace Studio — participant view")
        self.setObjectName("participantView")
        self.resize(1024, 720)
        self.level: str | None = None
        self.status_label = QLabel()
        self.status_label.setObjectName("participantStatus")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.instruction_label = QLabel()
        self.instruction_label.setObjectName("participantInstruction")
        self.instruction_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.instruction_label.setWordWrap(True)
        self.instruction_label.setStyleSheet("QLabel#participantInstruction { color: white; font-size: 40pt;"
                                             " font-weight: 600; }")
        self.count_label = QLabel()
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.count_label.setStyleSheet("color: #9ecbff; font-size: 28pt; font-weight: 600;")
        self.feedback_label = QLabel()
        self.feedback_label.setObjectName("participantFeedback")
        self.feedback_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.feedback_label.setWordWrap(True)

        self.mirror_widget = pg.GraphicsLayoutWidget()
        self.mirror_widget.setBackground("#000000")
        self.mirror_view = self.mirror_widget.addViewBox(lockAspect=True, invertY=True, invertX=True,
                                                         enableMenu=False)
        self.mirror_view.setMouseEnabled(False, False)
        self.mirror_item = pg.ImageItem(axisOrder="row-major")
        self.mirror_view.addItem(self.mirror_item)
        self.mirror_widget.setMinimumHeight(220)
        self.mirror_widget.hide()
        self.mirror_check = QCheckBox("Show mirrored image")
        self.mirror_check.setStyleSheet("color: #8b949e;")
        self.mirror_check.toggled.connect(self.mirror_widget.setVisible)
        self._mirror_fitted = False

        self.inner = QFrame()
        self.inner.setObjectName("participantInner")
        self.inner.setStyleSheet("QFrame#participantInner { background: #0d1117; border-radius: 8px; }")
        inner = QVBoxLayout(self.inner)
        inner.setContentsMargins(36, 24, 36, 24)
        inner.addWidget(self.status_label)
        inner.addStretch(1)
        inner.addWidget(self.instruction_label)
        inner.addWidget(self.count_label)
        inner.addStretch(1)
        inner.addWidget(self.mirror_widget, 3)
        inner.addWidget(self.feedback_label)
        inner.addWidget(self.mirror_check, 0, Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 28, 28, 28)  # the coloured frame around the content
        layout.addWidget(self.inner)
        self.set_task(None)
        self.set_recording(False)
        self.set_feedback(None, ())

    def set_task(self, task: Task | None) -> None:
        if task is None:
            self.instruction_label.setText("Please wait")
            self.count_label.setText("")
            return
        self.instruction_label.setText(task.instruction or task.name)
        if task.repetitions:
            self.count_label.setText(f"{task.repetitions} times")
        elif task.duration_s:
            self.count_label.setText(f"{task.duration_s:.0f} seconds")
        else:
            self.count_label.setText("as many as you can")

    def set_recording(self, recording: bool) -> None:
        self.status_label.setText("● RECORDING" if recording else "Get ready")
        color = "#ff6b6b" if recording else "#8b949e"
        self.status_label.setStyleSheet(f"color: {color}; font-size: 20pt; font-weight: 700;")

    def set_feedback(self, level: str | None, messages) -> None:
        self.level = level
        bg, fg = level_style(level)
        messages = [m for m in messages if m]
        text = " · ".join(messages) if messages else LEVEL_TITLES.get(level, "")
        self.feedback_label.setText(text)
        self.feedback_label.setStyleSheet(f"QLabel#participantFeedback {{ background: {bg}; color: {fg};"
                                          " font-size: 30pt; font-weight: 700; padding: 14px;"
                                          " border-radius: 8px; }")
        self.feedback_label.setVisible(bool(text))
        self.setStyleSheet(f"QWidget#participantView {{ background: {bg}; }}")

    def show_frame(self, color_rgb: np.ndarray) -> None:
        """Mirrored ``color_rgb (H, W, 3) uint8`` (only drawn while the mirror is shown)."""
        if not self.mirror_widget.isVisible():
            return
        self.mirror_item.setImage(color_rgb, autoLevels=False, levels=(0, 255))
        if not self._mirror_fitted:
            self._mirror_fitted = True
            self.mirror_view.setRange(xRange=(0, color_rgb.shape[1]), yRange=(0, color_rgb.shape[0]), padding=0)
