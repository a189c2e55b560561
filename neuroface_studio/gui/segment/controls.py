"""The Segment workspace's control row (transport, speed, propose, keys) and its playback clock.

:class:`SegmentControlsWidget` only emits what was asked; the workspace does it.
:class:`PlaybackClock` plays in real time x speed (0.25x-2x), one timer tick per frame: each tick asks for the frame that is due now (``frame_due``), so playback keeps real time and
skips frames only when drawing falls behind; the timer interval is one frame at the chosen
speed. Stepping and marking use the frame that is shown, so they stay frame-accurate.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QStyle, QToolButton, QWidget

from neuroface_studio.domain.frames import FRAME_NUMBERING

SPEEDS = (0.25, 0.5, 1.0, 2.0)


class PlaybackClock(QObject):
    """Emits ``frame_due(frame)`` while playing; ``stopped`` when it stops at the last frame."""

    frame_due = Signal(int)
    stopped = Signal()

    def __init__(self, current_frame: Callable[[], int], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current_frame = current_frame
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self._clock = QElapsedTimer()
        self._origin = 0
        self.fps = 30.0
        self.speed = 1.0
        self.last_frame = 0

    @property
    def active(self) -> bool:
        return self.timer.isActive()

    def interval_ms(self) -> int:
        """Timer interval (ms) for one frame at the current speed."""
        return max(1, int(round(1000.0 / (self.fps * self.speed))))

    def start(self, frame: int, fps: float, last_frame: int) -> None:
        self.fps, self.last_frame = float(fps), int(last_frame)
        self._restart(frame)

    def _restart(self, frame: int) -> None:
        self._origin = frame
        self._clock.start()
        self.timer.start(self.interval_ms())

    def stop(self) -> None:
        self.timer.stop()

    def set_speed(self, speed: float) -> None:
        """One of SPEEDS; while playing, it goes on from the frame shown at the new speed."""
        if speed not in SPEEDS:
            raise ValueError(f"playback speed {speed} is not one of {', '.join(f'{s:g}x' for s in SPEEDS)}")
        self.speed = float(speed)
        if self.active:
            self._restart(self._current_frame())

    def _tick(self) -> None:
        due = self._origin + int(self._clock.elapsed() * self.fps * self.speed / 1000.0)
        if due > self._current_frame():
            self.frame_due.emit(min(due, self.last_frame))
        if due >= self.last_frame:
            self.stop()
            self.stopped.emit()


class SegmentControlsWidget(QWidget):
    """First / previous / play / next / last, the frame shown, speed, Propose (menu: all) and Keys."""

    first_requested = Signal()
    last_requested = Signal()
    step_requested = Signal(int)
    play_requested = Signal()
    speed_chosen = Signal(float)
    propose_requested = Signal(bool)  # True: all recordings
    help_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        px = QStyle.StandardPixmap
        self.first_button = self._button(px.SP_MediaSkipBackward, "First frame (Home)", self.first_requested.emit)
        self.back_button = self._button(px.SP_MediaSeekBackward, "Previous frame (Left; Shift: 10)",
                                        lambda: self.step_requested.emit(-1))
        self.play_button = self._button(px.SP_MediaPlay, "Play / pause (Space)", self.play_requested.emit)
        self.forward_button = self._button(px.SP_MediaSeekForward, "Next frame (Right; Shift: 10)",
                                           lambda: self.step_requested.emit(1))
        self.last_button = self._button(px.SP_MediaSkipForward, "Last frame (End)", self.last_requested.emit)
        self.frame_label = QLabel()
        self.frame_label.setMinimumWidth(130)
        self.frame_label.setToolTip(FRAME_NUMBERING)
        self.speed_combo = QComboBox()
        self.speed_combo.addItems([f"{s:g}x" for s in SPEEDS])
        self.speed_combo.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_combo.setToolTip("Playback speed (- / +)")
        self.speed_combo.currentIndexChanged.connect(lambda i: self.speed_chosen.emit(SPEEDS[i]))
        self.propose_button = QToolButton()
        self.propose_button.setText("Propose repetitions")
        self.propose_button.setToolTip("Propose repetitions of this recording from its trace (landmarks it first "
                                       "with dlib68 when it has no landmark track); the menu proposes for all")
        self.propose_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.propose_button.clicked.connect(lambda: self.propose_requested.emit(False))
        menu = QMenu(self.propose_button)
        this = QAction("Propose for this recording", menu)
        this.triggered.connect(lambda: self.propose_requested.emit(False))
        self.propose_all_action = QAction("Propose for all recordings", menu)
        self.propose_all_action.triggered.connect(lambda: self.propose_requested.emit(True))
        menu.addAction(this)
        menu.addAction(self.propose_all_action)
        self.propose_button.setMenu(menu)
        self.help_button = QToolButton()
        self.help_button.setText("Keys")
        self.help_button.setCheckable(True)
        self.help_button.setToolTip("Show / hide the list of shortcuts (F1)")
        self.help_button.toggled.connect(self.help_toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.first_button, self.back_button, self.play_button, self.forward_button, self.last_button,
                  self.frame_label, QLabel("Speed:"), self.speed_combo):
            layout.addWidget(w)
        layout.addStretch(1)
        layout.addWidget(self.propose_button)
        layout.addWidget(self.help_button)

    def _button(self, pixmap, tip: str, slot) -> QToolButton:
        b = QToolButton()
        b.setIcon(self.style().standardIcon(pixmap))
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.clicked.connect(slot)
        return b

    def set_playing(self, playing: bool) -> None:
        pixmap = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(pixmap))

    def set_speed(self, speed: float) -> None:
        """Show ``speed`` in the combo (without emitting speed_chosen)."""
        self.speed_combo.blockSignals(True)
        self.speed_combo.setCurrentIndex(SPEEDS.index(speed))
        self.speed_combo.blockSignals(False)

    def set_recording_controls_enabled(self, enabled: bool, any_recording: bool) -> None:
        for w in (self.first_button, self.back_button, self.play_button, self.forward_button, self.last_button,
                  self.speed_combo, self.propose_button):
            w.setEnabled(enabled)
        self.propose_all_action.setEnabled(any_recording)
