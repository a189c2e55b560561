"""The Review workspace: play a recording's colour + depth frames with a landmark overlay.

VideoViewerWidget reads frames through the open ProjectSession (one RecordingReader at a
time; opening another recording closes the previous one) and shows them in
FramePanesWidget. The overlay source is ground truth (simulated recordings) or any landmark
set source of the recording (a model or an annotator), drawn on frames where it has points,
or a model's landmark track (``model <name>``, every frame; app/landmarking.py read_track).
The "Landmark…" button asks the main window (``landmark_requested``) to run batch landmarking.
Playback runs in real time from a QTimer at the recording's fps: each tick shows the frame
that is due now, skipping frames only when drawing cannot keep up.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QSizePolicy, QSlider, QSpinBox, QStackedLayout,
                               QStyle, QToolButton, QVBoxLayout, QWidget)

from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.app.landmarking import read_track, tracks_of
from neuroface_studio.domain.frames import FRAME_NUMBERING, frame_text
from neuroface_studio.domain.truth import GroundTruth
from neuroface_studio.gui.widgets.frame_panes import FramePanesWidget
from neuroface_studio.gui.widgets.repetition_strip import RepetitionStripWidget
from neuroface_studio.gui.widgets.elided_label import ElidedLabel
from neuroface_studio.gui.widgets.messages import QUALITY_COLORS
from neuroface_studio.store.errors import StoreError

log = logging.getLogger(__name__)

TRUTH_LABEL = "Ground truth"
NO_OVERLAY = "None"
TRACK_PREFIX = "model "  # overlay label of a landmark track: "model dlib68"
TRUTH_COLOR = (60, 230, 120)  # green
SOURCE_COLOR = (255, 190, 40)  # amber: annotators and models


class VideoViewerWidget(QWidget):
    """Colour | depth viewer with frame slider, playback, overlay choice and an info line."""

    frame_changed = Signal(int)
    recording_opened = Signal(str)
    landmark_requested = Signal(str)  # recording ID

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: ProjectSession | None = None
        self.recording_id: str | None = None
        self.reader = None  # store RecordingReader from session.open_recording()
        self.times_s = np.zeros(0)  # the open recording's frame times (s from its first frame)
        self.truth: GroundTruth | None = None
        self.tracks: dict = {}  # model name -> store Track of the open recording (read on first use)
        self.head_pose: tuple | None = None  # (model, (T, 3) yaw/pitch/roll deg) from the landmarks, issue 15
        self.frame = 0
        self._play_timer = QTimer(self)
        self._play_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._play_timer.timeout.connect(self._on_play_tick)
        self._clock = QElapsedTimer()
        self._play_origin = 0
        self._build()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._set_controls_enabled(False)
        self._show_message("Select a recording in the project browser to review it.")

    # -- layout -----------------------------------------------------------------------
    def _build(self) -> None:
        self.panes = FramePanesWidget()
        self.panes.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.message_label = QLabel()
        self.message_label.setObjectName("viewerMessage")
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("QLabel#viewerMessage { background: #101216; color: #d0d4da;"
                                         " font-size: 13pt; padding: 24px; }")
        self._stack = QStackedLayout()
        self._stack.addWidget(self.panes)
        self._stack.addWidget(self.message_label)

        self.title_label = ElidedLabel()  # a long title ends in "…" (its full text is in the tooltip)
        self.title_label.setObjectName("viewerTitle")
        self.title_label.setStyleSheet("QLabel#viewerTitle { font-size: 12pt; font-weight: 600; }")
        # the title gives way; the quality word beside it and the landmark list never do
        self.quality_label = QLabel()  # the recording quality gate's word (analysis/take_quality.py)
        self.quality_label.setObjectName("viewerQuality")
        self.overlay_combo = QComboBox()
        self.overlay_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # no text cut
        self.overlay_combo.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.overlay_combo.setToolTip("Landmarks drawn on the colour image")
        self._overlay_choice: str | None = None  # the overlay the user chose (kept across recordings)
        self.overlay_combo.currentIndexChanged.connect(lambda _i: self._draw_overlay())
        self.overlay_combo.activated.connect(lambda _i: setattr(self, "_overlay_choice", self.overlay_key()))
        self.landmark_button = QToolButton()
        self.landmark_button.setText("Landmark this recording…")
        self.landmark_button.setToolTip("Landmark every frame of this recording with a model (runs in the background; "
                                        "resumes where a cancelled run stopped)")
        self.landmark_button.clicked.connect(lambda: self.recording_id and self.landmark_requested.emit(self.recording_id))
        top = QHBoxLayout()
        top.addWidget(self.title_label, 1)
        top.addWidget(self.quality_label)
        top.addWidget(self.landmark_button)
        top.addWidget(QLabel("Landmarks:"))
        top.addWidget(self.overlay_combo)

        style = self.style()
        self.back_button = self._tool_button(style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekBackward),
                                             "Previous frame (Left)", lambda: self.step(-1))
        self.play_button = self._tool_button(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay),
                                             "Play / pause (Space)", self.toggle_play)
        self.forward_button = self._tool_button(style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward),
                                                "Next frame (Right)", lambda: self.step(1))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.valueChanged.connect(self.show_frame)
        self.spin = QSpinBox()
        self.spin.setKeyboardTracking(False)
        self.spin.setToolTip(f"Frame number. {FRAME_NUMBERING}")
        self.spin.valueChanged.connect(self.show_frame)
        self.strip = RepetitionStripWidget()
        slider_col = QVBoxLayout()
        slider_col.setSpacing(1)
        slider_col.addWidget(self.strip)
        slider_col.addWidget(self.slider)
        controls = QHBoxLayout()
        for b in (self.back_button, self.play_button, self.forward_button):
            controls.addWidget(b)
        controls.addLayout(slider_col, 1)
        controls.addWidget(self.spin)

        self.info_label = QLabel()
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info_label.setToolTip(f"{FRAME_NUMBERING}\nHead: the pose from the landmarks relative to this "
                                   "recording's straight ahead (its median pitch counts as 0°; yaw and roll as "
                                   "measured). Truth: the simulator's own pose.")
        self.warning_label = QLabel("⚠ TURNED AWAY")
        self.warning_label.setStyleSheet("color: white; background: #c62828; font-weight: 700; padding: 2px 8px;"
                                         " border-radius: 3px;")
        self.warning_label.setToolTip("The head pose from the landmarks is beyond the live feedback's red "
                                      "limits on this frame (turned away); landmarks are unreliable.")
        self.warning_label.hide()
        info = QHBoxLayout()
        info.addWidget(self.info_label, 1)
        info.addWidget(self.warning_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addLayout(self._stack, 1)
        layout.addLayout(controls)
        layout.addLayout(info)

    def _tool_button(self, icon, tip: str, slot) -> QToolButton:
        b = QToolButton()
        b.setIcon(icon)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.clicked.connect(slot)
        return b

    def _set_controls_enabled(self, enabled: bool) -> None:
        for w in (self.back_button, self.play_button, self.forward_button, self.slider, self.spin,
                  self.overlay_combo, self.landmark_button):
            w.setEnabled(enabled)

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self._stack.setCurrentWidget(self.message_label)

    # -- session / recording --------------------------------------------------------------
    def set_session(self, session: ProjectSession | None) -> None:
        """Show recordings of ``session`` (closes the current recording)."""
        self.close_recording()
        self.session = session
        self._show_message("Select a recording in the project browser to review it." if session
                           else "No project open.")

    def close_recording(self) -> None:
        self.pause()
        if self.reader is not None:
            self.reader.close()
        self.reader, self.truth, self.recording_id = None, None, None
        self.tracks = {}
        self.panes.clear_frame()
        self.title_label.clear()
        self.quality_label.clear()
        self.info_label.clear()
        self.warning_label.hide()
        self.strip.set_content(0, [], [])
        self._set_controls_enabled(False)

    def open_recording(self, recording_id: str, frame: int = 0) -> bool:
        """Open ``recording_id`` of the session and show ``frame``. False (with a message shown) on failure."""
        if self.session is None:
            return False
        self.close_recording()
        project = self.session.project
        rec = project.recordings.get(recording_id)
        if rec is None:
            self._show_message(f"Recording {recording_id} is not in this project.")
            return False
        self.title_label.setText(self._title(recording_id))
        try:
            self.reader = self.session.open_recording_to_show(recording_id)
        except (StoreError, OSError) as exc:
            self.reader = None
            self._show_message(f"Cannot show recording {recording_id}.\n\n{exc}")
            return False
        try:
            self.truth = self.session.truth(recording_id)
        except (StoreError, OSError) as exc:  # frames are fine; only the overlay is lost
            log.warning("ground truth of %s unreadable: %s", recording_id, exc)
            self.truth = None
        self.recording_id = recording_id
        self._read_head_pose()
        n = self.reader.n_frames
        self.times_s = self._recording_times(n)
        for w in (self.slider, self.spin):
            w.blockSignals(True)
            w.setRange(0, n - 1)
            w.setValue(0)
            w.blockSignals(False)
        spans = [(r.start_frame, r.end_frame) for r in project.repetitions_of(recording_id)]
        self.strip.set_content(n, spans, [s.frame_index for s in project.landmark_sets_of(recording_id)])
        self._fill_overlay_combo()
        self._set_controls_enabled(True)
        self._stack.setCurrentWidget(self.panes)
        self.frame = -1
        self.show_frame(min(max(frame, 0), n - 1))
        self.recording_opened.emit(recording_id)
        return True

    def _title(self, recording_id: str) -> str:
        project = self.session.project
        rec = project.recordings[recording_id]
        p = project.participant_of(recording_id)
        task = project.protocol.task(rec.task_code).name if rec.task_code in project.protocol.codes else ""
        from neuroface_studio.analysis.take_quality import recording_verdict  # the recording quality gate
        verdict = recording_verdict(rec, project.protocol.task(rec.task_code) if task else None)
        title = f"{recording_id} — {rec.task_code}{f' ({task})' if task else ''} — {p.id} ({p.group.value})"
        self.title_label.setToolTip(title + (f"\n{verdict.headline()}" if verdict is not None else ""))
        self.quality_label.setText(f"quality: {verdict.word}" if verdict is not None else "")
        self.quality_label.setToolTip(verdict.headline() if verdict is not None else "")
        self.quality_label.setStyleSheet(
            f"QLabel#viewerQuality {{ font-size: 11pt; font-weight: 600; color: {QUALITY_COLORS[verdict.level]}; }}"
            if verdict is not None else "")
        return title

    def overlay_sources(self) -> list[str]:
        """Overlay choices (keys) for the open recording: truth, each model's landmark track (every
        frame), each landmark-set source label (annotated frames), None; the first is the default."""
        return [key for key, _text, _tip in self._overlay_items()]

    def _overlay_items(self) -> list[tuple[str, str, str]]:
        """(key, text shown, tooltip) of each overlay choice: the text says which frames it covers."""
        items = [(TRUTH_LABEL, TRUTH_LABEL, "The simulator's true landmarks")] if self.truth is not None else []
        if self.session is not None and self.recording_id is not None:
            items += [(TRACK_PREFIX + name, f"{name} (every frame)", f"The {name} model's landmark track: every "
                       "frame, as Landmark this recording… made it") for name in tracks_of(self.session,
                                                                                       self.recording_id)]
            counts: dict[str, int] = {}
            for s in self.session.project.landmark_sets_of(self.recording_id):
                counts[s.source.label] = counts.get(s.source.label, 0) + 1
            items += [(label, f"{label} ({n} frame{'' if n == 1 else 's'})", f"Landmarks of {label} on {n} "
                       "annotated frame(s) only (the bars under the slider)") for label, n in sorted(counts.items())]
        return items + [(NO_OVERLAY, NO_OVERLAY, "No landmarks drawn")]

    def overlay_key(self) -> str:
        """The chosen overlay's key (an item of :meth:`overlay_sources`), "" when there is none."""
        return self.overlay_combo.currentData() or ""

    def refresh_tracks(self) -> None:
        """Re-read the landmark tracks of the open recording (after a landmarking job) and redraw."""
        self.tracks = {}
        if self.reader is not None:
            self._read_head_pose()
            self._fill_overlay_combo()
            self._draw_overlay()

    def project_changed(self, change) -> None:
        """The session's change notification (a Change): redraw what it touched of the open recording,
        its repetition bars and annotated frames, or its landmark tracks; no reselecting needed."""
        if self.reader is None or self.recording_id is None or not change.touches(self.recording_id):
            return
        if self.recording_id not in self.session.project.recordings:  # undone away
            self.close_recording()
            return
        if change.kind in ("landmarks", "project"):
            self.refresh_tracks()
        if change.kind in ("repetitions", "annotations", "project"):
            project = self.session.project
            self.strip.set_content(self.reader.n_frames,
                                   [(r.start_frame, r.end_frame) for r in project.repetitions_of(self.recording_id)],
                                   [s.frame_index for s in project.landmark_sets_of(self.recording_id)])
            self.strip.set_current(self.frame)
            if change.kind == "annotations":
                self._fill_overlay_combo()
            self._update_info()

    def _recording_times(self, n: int) -> np.ndarray:
        """The open recording's frame times on its own clock (issue 15), read once when it opens; empty
        when it has no usable timestamps (the labels then use frame / fps)."""
        from neuroface_studio.app.frame_times import recording_times
        try:
            return recording_times(self.session, self.recording_id, n).t_s
        except Exception:  # noqa: BLE001 - the label falls back to frame / fps, nothing else depends on it
            return np.zeros(0)

    def _time_s(self, frame: int) -> float:
        """Seconds of ``frame`` from the first frame on the recording's own clock."""
        if 0 <= frame < len(self.times_s):
            return float(self.times_s[frame])
        return frame / self.reader.fps

    def _read_head_pose(self) -> None:
        """The head pose of the open recording's landmark track (computed and stored once if missing)."""
        from neuroface_studio.app.head_pose import recording_pose
        try:
            self.head_pose = recording_pose(self.session, self.recording_id) if self.recording_id else None
        except (StoreError, OSError, ValueError) as exc:
            log.warning("head pose of %s unavailable: %s", self.recording_id, exc)
            self.head_pose = None

    def _track_points(self, model: str) -> np.ndarray | None:
        if model not in self.tracks:
            try:
                self.tracks[model] = read_track(self.session, self.recording_id, model)
            except (StoreError, OSError) as exc:
                log.warning("landmark track %s of %s unreadable: %s", model, self.recording_id, exc)
                self.tracks[model] = None
        track = self.tracks[model]
        return None if track is None else track.points(self.frame)

    def _fill_overlay_combo(self) -> None:
        """The choices of the open recording; the user's own choice when it has it, else the first
        (truth, a track, annotated frames): a new take shows its landmarks once it has some."""
        self.overlay_combo.blockSignals(True)
        self.overlay_combo.clear()
        for k, (key, text, tip) in enumerate(self._overlay_items()):
            self.overlay_combo.addItem(text, key)
            self.overlay_combo.setItemData(k, tip, Qt.ItemDataRole.ToolTipRole)
        k = self.overlay_combo.findData(self._overlay_choice) if self._overlay_choice else -1
        self.overlay_combo.setCurrentIndex(max(k, 0))
        self.overlay_combo.blockSignals(False)

    def set_overlay(self, key: str) -> None:
        """Choose the overlay ``key`` (an item of :meth:`overlay_sources`), as the user would."""
        k = self.overlay_combo.findData(key)
        if k >= 0:
            self._overlay_choice = key
            self.overlay_combo.setCurrentIndex(k)

    # -- frames -----------------------------------------------------------------------
    def show_frame(self, frame: int) -> None:
        if self.reader is None:
            return
        frame = int(min(max(frame, 0), self.reader.n_frames - 1))
        if frame == self.frame:
            return
        try:
            color = self.reader.color(frame)
            depth = self.reader.depth(frame)
        except (OSError, IndexError) as exc:
            self.pause()
            self._show_message(f"Frame {frame} of {self.recording_id} cannot be read; the file may be damaged.\n\n{exc}")
            return
        self.frame = frame
        self._stack.setCurrentWidget(self.panes)  # a good frame after a damaged one shows again
        scale_mm = self.reader.camera.depth_scale_m * 1000.0
        depth_mm = depth if abs(scale_mm - 1.0) < 1e-9 else depth.astype(np.float32) * scale_mm
        self.panes.set_frame(color, depth_mm)
        for w in (self.slider, self.spin):
            if w.value() != frame:
                w.blockSignals(True)
                w.setValue(frame)
                w.blockSignals(False)
        self.strip.set_current(frame)
        self._draw_overlay()
        self._update_info()
        self.frame_changed.emit(frame)

    def step(self, delta: int) -> None:
        self.pause()
        self.show_frame(self.frame + delta)

    def overlay_points(self) -> np.ndarray | None:
        """Points ``(68, 2)`` px of the chosen overlay source on the current frame, or None."""
        label = self.overlay_key()
        if self.reader is None or label in ("", NO_OVERLAY):
            return None
        if label == TRUTH_LABEL:
            if self.truth is not None and self.frame < self.truth.n_frames:
                return self.truth.landmarks_px[self.frame]
            return None
        if label.startswith(TRACK_PREFIX):
            return self._track_points(label[len(TRACK_PREFIX):])
        for s in self.session.project.landmark_sets_of(self.recording_id, self.frame):
            if s.source.label == label:
                return s.points_px
        return None

    def _draw_overlay(self) -> None:
        self.panes.set_landmark_color(TRUTH_COLOR if self.overlay_key() == TRUTH_LABEL
                                      else SOURCE_COLOR)
        self.panes.set_landmarks(self.overlay_points())
        self._update_info()

    def _update_info(self) -> None:
        if self.reader is None or self.recording_id is None:
            return
        project = self.session.project
        rec = project.recordings[self.recording_id]
        n = self.reader.n_frames
        parts = [frame_text(self.frame, n), f"{self._time_s(self.frame):.2f} s"]
        reps = project.repetitions_of(self.recording_id)
        current = [k for k, r in enumerate(reps) if r.start_frame <= self.frame <= r.end_frame]
        if reps:
            parts.append(f"rep {current[0] + 1}/{len(reps)}" if current else f"between reps ({len(reps)})")
        p = project.participant_of(self.recording_id)
        parts.append(f"{rec.task_code} · {p.id} ({p.group.value})")
        turned = False  # issue 15: from the landmarks' head pose (live feedback's red limits), never from truth
        if self.head_pose is not None and self.frame < len(self.head_pose[1]):
            from neuroface_studio.acquisition.feedback import POSE_TURNED, pose_grades
            row = self.head_pose[1][self.frame]
            if np.isfinite(row).all():
                parts.append(f"head vs straight ahead: yaw {row[0]:+.1f}° pitch {row[1]:+.1f}° "
                             f"roll {row[2]:+.1f}° "
                             f"({self.head_pose[0]})")
                turned = bool(pose_grades(row[None])[0] == POSE_TURNED)
        if self.truth is not None and self.frame < self.truth.n_frames:
            yaw, pitch, roll = self.truth.head_pose_deg[self.frame]
            parts.append(f"truth yaw {yaw:+.1f}° pitch {pitch:+.1f}° roll {roll:+.1f}°")
        if self.overlay_key() not in ("", NO_OVERLAY) and self.overlay_points() is None:
            parts.append(f"no {self.overlay_key().removeprefix(TRACK_PREFIX)} landmarks on this frame")
        self.info_label.setText("   ·   ".join(parts))
        self.warning_label.setVisible(turned)

    # -- playback -----------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._play_timer.isActive()

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def play(self) -> None:
        if self.reader is None:
            return
        if self.frame >= self.reader.n_frames - 1:
            self.show_frame(0)
        self._play_origin = self.frame
        self._clock.start()
        self._play_timer.start(max(1, int(round(1000.0 / self.reader.fps))))
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause))

    def pause(self) -> None:
        self._play_timer.stop()
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))

    def _on_play_tick(self) -> None:
        if self.reader is None:
            self.pause()
            return
        due = self._play_origin + int(self._clock.elapsed() * self.reader.fps / 1000.0)
        last = self.reader.n_frames - 1
        if due > self.frame:
            self.show_frame(min(due, last))
        if due >= last:
            self.pause()

    # -- keyboard -----------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        key = event.key()
        if key == Qt.Key.Key_Left:
            self.step(-1)
        elif key == Qt.Key.Key_Right:
            self.step(1)
        elif key == Qt.Key.Key_Space:
            self.toggle_play()
        else:
            super().keyPressEvent(event)
