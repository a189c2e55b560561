"""The Segment workspace: split a task recording into repetitions on a timeline under the video.

The recording shown follows the project browser (the main window calls :meth:`open_recording`).
On top the colour | depth frames (FramePanesWidget, with the landmark track used for the trace);
under them the timeline (gui/segment/timeline.py): the task's kinematic trace
(app/segmentation.py ``trace_for_recording``, another trace can be chosen), the current frame,
and the repetitions as draggable regions. Every change goes through the undoable repetition
commands (edits/repetition_commands.py) on ``session.undo``; the panel hears every change through
the session's one change notification (:meth:`SegmentWorkspacePanel.project_changed`), so undo/redo
from the Edit menu redraw the regions and tracks written by a job bring the trace. Keys (gui/segment/keys.py) mark spans while
playing, split, merge, delete and step frame by frame; a help panel lists them.

"Propose repetitions" runs app/segmentation.py's proposals on a worker thread (this recording or
all of them, with progress and cancel); the proposals are shown dashed in the timeline until
accepted (Accept all: one undo step in all, keeping recordings whose repetitions a person made or
edited unless the user says otherwise) or discarded (gui/segment/proposals.py).
"""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from neuroface_studio.analysis.segmentation import boundary_error_frames
from neuroface_studio.analysis.traces import trace_names
from neuroface_studio.app.landmarking import read_track
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.app.segmentation import landmark_source, task_trace_name, trace_for_recording
from neuroface_studio.domain.frames import frame_text
from neuroface_studio.edits.repetition_commands import (AddRepetition, DeleteRepetition, MergeRepetitions,
                                                        SetRepetitionSpan, SplitRepetition)
from neuroface_studio.gui.widgets.frame_panes import FramePanesWidget
from neuroface_studio.gui.segment.help import SegmentHelpPanel
from neuroface_studio.gui.segment.keys import key_action
from neuroface_studio.gui.segment.controls import SPEEDS, PlaybackClock, SegmentControlsWidget
from neuroface_studio.gui.segment.proposals import SegmentProposals
from neuroface_studio.gui.segment.timeline import SegmentTimelineWidget
from neuroface_studio.gui.segment.audio import SegmentAudioView
from neuroface_studio.store.errors import StoreError

log = logging.getLogger(__name__)

TRACK_COLOR = (255, 190, 40)


class SegmentWorkspacePanel(QWidget):
    """Frames on top, the repetition timeline under them, proposals and a shortcut help panel."""

    frame_changed = Signal(int)
    recording_opened = Signal(str)

    def __init__(self, parent: QWidget | None = None, track_job: Callable[[object], object] | None = None) -> None:
        """``track_job(worker)`` hands background jobs to the main window (stopped when it closes)."""
        super().__init__(parent)
        self.session: ProjectSession | None = None
        self.recording_id: str | None = None
        self.reader = None
        self.track = None  # the store Track whose landmarks give the trace (overlay), or None
        self.frame = 0
        self.n_frames = 0
        self.fps = 30.0
        self.times_s = np.zeros(0)  # frame times from the recording's timestamps (s from its first frame)
        self.selected: int | None = None
        self.mark: int | None = None  # frame marked by `[`, waiting for `]`
        self.true_spans: list[tuple[int, int]] = []
        self.proposals = SegmentProposals(self, track_job)
        self.playback = PlaybackClock(lambda: self.frame, self)
        self.playback.frame_due.connect(self.seek)
        self.playback.stopped.connect(self.pause)
        self.play_timer = self.playback.timer
        self._build()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._set_enabled(False)

    # -- layout -----------------------------------------------------------------------
    def _build(self) -> None:
        self.title_label = QLabel("Select a recording in the project browser to segment it.")
        self.title_label.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.title_label.setMinimumWidth(100)  # a long title must not widen the window
        self.trace_combo = QComboBox()
        self.trace_combo.addItems(trace_names())
        self.trace_combo.setToolTip("Kinematic trace drawn in the timeline (interocular units); "
                                    "the task's own trace is chosen when a recording opens")
        self.trace_combo.currentTextChanged.connect(lambda _t: self.load_trace())
        self.landmarks_check = QCheckBox("Landmarks")
        self.landmarks_check.setChecked(True)
        self.landmarks_check.setToolTip("Draw the landmark track the trace comes from")
        self.landmarks_check.toggled.connect(lambda _on: self._draw_landmarks())
        top = QHBoxLayout()
        top.addWidget(self.title_label, 1)
        top.addWidget(QLabel("Trace:"))
        top.addWidget(self.trace_combo)
        top.addWidget(self.landmarks_check)

        self.panes = FramePanesWidget()
        self.timeline = SegmentTimelineWidget()
        self.timeline.seek_requested.connect(lambda f: self.seek(f, pause=True))
        self.timeline.span_clicked.connect(self._on_span_clicked)
        self.timeline.span_edited.connect(self._on_span_edited)
        self.timeline.span_dragging.connect(
            lambda k, a, b: self.say(f"Repetition {k + 1}: frames {a}..{b} (release to apply)"))
        self.audio_view = SegmentAudioView(self.timeline)  # sound under the trace (gui/segment/audio.py)
        self.audio_view.seek_requested.connect(lambda f: self.seek(f, pause=True))
        self.audio_view.span_clicked.connect(self._on_span_clicked)
        self.audio_view.span_edited.connect(self._on_span_edited)
        self.audio_view.span_dragging.connect(
            lambda k, a, b: self.say(f"Repetition {k + 1}: frames {a}..{b} (release to apply)"))
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.panes)
        self.splitter.addWidget(self.timeline)
        self.splitter.addWidget(self.audio_view)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setStretchFactor(2, 2)

        self.controls = SegmentControlsWidget()
        self.controls.first_requested.connect(lambda: self.seek(0, pause=True))
        self.controls.last_requested.connect(lambda: self.seek(self.n_frames - 1, pause=True))
        self.controls.step_requested.connect(self.step)
        self.controls.play_requested.connect(self.toggle_play)
        self.controls.speed_chosen.connect(self.set_speed)
        self.controls.propose_requested.connect(self.propose)
        self.controls.help_toggled.connect(lambda on: self.help_panel.setVisible(on))
        c = self.controls
        self.play_button, self.speed_combo, self.frame_label = c.play_button, c.speed_combo, c.frame_label
        self.propose_button, self.help_button = c.propose_button, c.help_button

        self.info_label = QLabel()
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info_label.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setStyleSheet("color: #1f5fa8;")
        self.message_label.setWordWrap(True)

        main = QVBoxLayout()
        main.setContentsMargins(0, 0, 0, 0)
        main.addWidget(self.splitter, 1)
        main.addWidget(self.controls)
        main.addWidget(self.proposals.bar)
        main.addWidget(self.info_label)
        main.addWidget(self.message_label)
        self.help_panel = SegmentHelpPanel()
        self.help_panel.hide()
        body = QHBoxLayout()  # the key list opens beside the frames, under the title row: the title stays whole
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(main, 1)
        body.addWidget(self.help_panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        for w in (self.panes, self.timeline, self.trace_combo, self.landmarks_check, self.speed_combo,
                  self.propose_button, self.help_button):
            w.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            w.setFocusProxy(self)  # a click anywhere in the workspace gives the keys to the workspace

    def _set_enabled(self, enabled: bool) -> None:
        for w in (self.trace_combo, self.landmarks_check):
            w.setEnabled(enabled)
        self.controls.set_recording_controls_enabled(
            enabled, self.session is not None and bool(self.session.project.recordings))

    def say(self, text: str, error: bool = False) -> None:
        self.message_label.setStyleSheet(f"color: {'#b3261e' if error else '#1f5fa8'};")
        self.message_label.setText(text)

    # -- session / recording ------------------------------------------------------------
    def set_session(self, session: ProjectSession | None) -> None:
        """Segment recordings of ``session`` (None: no project)."""
        self.close_recording()
        self.session = session
        self.proposals.clear()
        self.title_label.setText("Select a recording in the project browser to segment it." if session
                                 else "No project open.")
        self._set_enabled(False)

    def entered(self, recording_id: str | None) -> None:
        """The workspace was switched to: show ``recording_id`` (the browser's) and take the keys."""
        if recording_id and self.session is not None:
            if recording_id == self.recording_id and self.track is None:
                self.load_trace()  # it may have been landmarked meanwhile (Tools > Landmark)
            self.open_recording(recording_id)
        self.setFocus()

    def close_recording(self) -> None:
        self.pause()
        if self.reader is not None:
            self.reader.close()
        self.reader, self.track, self.recording_id = None, None, None
        self.n_frames, self.frame, self.selected, self.mark = 0, 0, None, None
        self.true_spans = []
        self.panes.clear_frame()
        self.timeline.set_recording(0, None, "", "")
        self.timeline.set_spans([])
        self.audio_view.clear()
        self.proposals.bar.show_result(None, 0)
        self.info_label.clear()
        self.frame_label.clear()
        self._set_enabled(False)

    def open_recording(self, recording_id: str, frame: int = 0) -> bool:
        """Show ``recording_id`` at ``frame``; False (with a message) when it cannot be shown."""
        if self.session is None:
            return False
        if recording_id == self.recording_id:
            return True
        self.close_recording()
        project = self.session.project
        rec = project.recordings.get(recording_id)
        if rec is None:
            self.say(f"Recording {recording_id} is not in this project.", error=True)
            return False
        try:
            self.reader = self.session.open_recording_to_show(recording_id)
        except (StoreError, OSError) as exc:
            self.reader = None
            self.say(f"Cannot show recording {recording_id}: {exc}", error=True)
            return False
        try:
            truth = self.session.truth(recording_id)
        except (StoreError, OSError) as exc:  # the frames are fine; only the comparison with truth is lost
            log.warning("ground truth of %s unreadable: %s", recording_id, exc)
            truth = None
        self.recording_id, self.n_frames, self.fps = recording_id, self.reader.n_frames, self.reader.fps
        from neuroface_studio.app.frame_times import recording_times
        self.times_s = recording_times(self.session, recording_id, self.n_frames).t_s  # the recorded clock
        if truth is not None:
            self.true_spans = [(int(a), int(b)) for a, b in np.asarray(truth.repetitions).reshape(-1, 2)]
        p = project.participant_of(recording_id)
        task = project.protocol.task(rec.task_code).name if rec.task_code in project.protocol.codes else ""
        self.title_label.setText(f"{recording_id} — {rec.task_code}{f' ({task})' if task else ''} — "
                                 f"{p.id} ({p.group.value})")
        self.trace_combo.blockSignals(True)
        self.trace_combo.setCurrentText(task_trace_name(self.session, recording_id))
        self.trace_combo.blockSignals(False)
        self._set_enabled(True)
        self.load_trace(fit=True)
        self._show_audio()
        self._refresh_spans()
        self.proposals.show_current()
        self.say("")
        self.frame = -1
        self.seek(frame)
        self.recording_opened.emit(recording_id)
        return True

    def _show_audio(self) -> None:
        """The recording's sound track under the trace (hidden when it has none)."""
        was_shown = self.audio_view.isVisibleTo(self)
        try:
            if self.audio_view.set_audio(self.reader.audio(), self.reader.timestamps_s(), self.n_frames) \
                    and not was_shown:  # frames 42 %, trace 24 %, sound 34 % of the height
                total = sum(self.splitter.sizes()) or 800
                self.splitter.setSizes([int(total * 0.42), int(total * 0.24), int(total * 0.34)])
        except (StoreError, OSError) as exc:  # the frames are fine; only the sound is lost
            self.audio_view.clear()
            self.say(f"The sound track of {self.recording_id} cannot be shown: {exc}", error=True)

    def load_trace(self, fit: bool = False) -> None:
        """(Re)compute the chosen trace from the recording's landmark track and draw it."""
        if self.session is None or self.recording_id is None:
            return
        name, message, values = self.trace_combo.currentText(), "", None
        try:
            source = landmark_source(self.session, self.recording_id)
            self.track = read_track(self.session, self.recording_id, source) if source else None
            values = trace_for_recording(self.session, self.recording_id, name, source)
        except (ValueError, StoreError, OSError) as exc:
            self.track = None
            message = ("No landmarks yet.\n“Propose repetitions” landmarks the recording first (dlib68),\n"
                       "or use Tools ▸ Landmark. You can still mark repetitions by hand."
                       if "no landmark track" in str(exc) else f"No trace: {exc}")
        label = f"{name} (interocular)"
        if fit:
            self.timeline.set_recording(self.n_frames, values, label, message)
            self.timeline.set_truth(self.true_spans)
        else:
            self.timeline.set_trace(values, label, message)
        self._draw_landmarks()

    # -- frames and playback ----------------------------------------------------------------
    def seek(self, frame: int, pause: bool = False) -> None:
        """Show ``frame`` (clamped); a frame inside a repetition selects that repetition."""
        if pause:
            self.pause()
        if self.reader is None:
            return
        frame = int(min(max(frame, 0), self.n_frames - 1))
        if frame == self.frame:
            return
        try:
            color, depth = self.reader.color(frame), self.reader.depth(frame)
        except (OSError, IndexError) as exc:
            self.pause()
            self.say(f"Frame {frame} cannot be read; the file may be damaged: {exc}", error=True)
            return
        self.frame = frame
        scale_mm = self.reader.camera.depth_scale_m * 1000.0
        self.panes.set_frame(color, depth if abs(scale_mm - 1.0) < 1e-9 else depth.astype(np.float32) * scale_mm)
        self._draw_landmarks()
        self.timeline.set_current(frame)
        self.audio_view.set_current(frame)
        inside = self._span_at(frame)
        if inside is not None and inside != self.selected:
            self.select(inside)
        self._update_info()
        self.frame_changed.emit(frame)

    def _draw_landmarks(self) -> None:
        pts = None
        if self.track is not None and self.landmarks_check.isChecked():
            pts = self.track.points(self.frame)
        self.panes.set_landmark_color(TRACK_COLOR)
        self.panes.set_landmarks(pts)

    def step(self, delta: int) -> None:
        self.seek(self.frame + delta, pause=True)

    @property
    def playing(self) -> bool:
        return self.playback.active

    @property
    def speed(self) -> float:
        return self.playback.speed

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def play(self) -> None:
        """Play from the frame shown (from 0 at the end), in real time x speed."""
        if self.reader is None:
            return
        if self.frame >= self.n_frames - 1:
            self.seek(0)
        self.playback.start(self.frame, self.fps, self.n_frames - 1)
        self.audio_view.play_sound(self.frame, self.speed)  # with the sound, when it has one (issue 19)
        self.controls.set_playing(True)

    def pause(self) -> None:
        self.playback.stop()
        self.audio_view.stop_sound()
        self.controls.set_playing(False)

    def set_speed(self, speed: float) -> None:
        """Playback speed (one of SPEEDS); while playing it goes on from the current frame."""
        self.playback.set_speed(speed)
        if self.playing:
            self.audio_view.play_sound(self.frame, self.speed)
        self.controls.set_speed(self.speed)
        self._update_info()

    def change_speed(self, direction: int) -> None:
        k = min(max(SPEEDS.index(self.speed) + direction, 0), len(SPEEDS) - 1)
        self.set_speed(SPEEDS[k])

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt API: leaving the workspace stops playback
        self.pause()
        super().hideEvent(event)

    # -- repetitions ---------------------------------------------------------------------
    def repetitions(self):
        if self.session is None or self.recording_id is None:
            return []
        return self.session.project.repetitions_of(self.recording_id)

    def spans(self) -> list[tuple[int, int]]:
        """The shown recording's repetitions as inclusive ``(start, end)`` frames, sorted."""
        return [(r.start_frame, r.end_frame) for r in self.repetitions()]

    def _span_at(self, frame: int) -> int | None:
        return next((k for k, (a, b) in enumerate(self.spans()) if a <= frame <= b), None)

    def select(self, index: int | None) -> None:
        n = len(self.timeline.spans)
        self.selected = index if index is not None and 0 <= index < n else None
        self.timeline.set_selected(self.selected)
        self.audio_view.set_selected(self.selected)
        self._update_info()

    def _refresh_spans(self) -> None:
        spans = self.spans()
        if self.selected is not None and self.selected >= len(spans):
            self.selected = len(spans) - 1 if spans else None
        self.timeline.set_spans(spans, self.selected)
        self.audio_view.set_spans(spans, self.selected)
        self._update_info()

    def project_changed(self, change) -> None:
        """One change of the open project (the session's notification, connected by the main window):
        an edit, undo or redo here or in another view, tracks written by a job. The spans are re-read;
        a trace appears once the recording has a track; an undone recording is closed."""
        session = self.session
        if session is None or self.recording_id is None:
            return
        if self.recording_id not in session.project.recordings:  # undone away
            self.close_recording()
            return
        if change.kind == "landmarks" and self.track is None and change.touches(self.recording_id):
            self.load_trace()  # landmarked meanwhile (a proposal job, Tools > Landmark)
        event, command = session.undo.last_event
        if event in ("undo", "redo") and command is not None and command.label == change.label:
            self.say(f"{'Undone' if event == 'undo' else 'Redone'}: {command.label}")  # the line said what it did
        self._refresh_spans()

    def _apply(self, command_factory, done: str) -> bool:
        """Build and apply one command; a ValueError (overlap, out of range...) is shown, nothing changes."""
        try:
            command = command_factory()
            self.session.apply(command)
        except ValueError as exc:
            self.say(str(exc), error=True)
            self._refresh_spans()  # a rejected drag snaps back
            return False
        self.say(done)
        return True

    def _selected_repetition(self, what: str):
        reps = self.repetitions()
        k = self.selected if self.selected is not None else self._span_at(self.frame)
        if k is None or k >= len(reps):
            self.say(f"Select a repetition to {what} (click it, or Tab)", error=True)
            return None, None
        return k, reps[k]

    def _select_span_with(self, frame: int) -> None:
        self.select(self._span_at(frame))

    def mark_start(self) -> None:
        if self.recording_id is None:
            return
        self.mark = self.frame
        self.timeline.set_mark(self.frame)
        self.say(f"Start marked at frame {self.frame}; press ] at the last frame of the repetition (Esc forgets it)")
        self._update_info()

    def mark_end(self) -> None:
        if self.recording_id is None:
            return
        if self.mark is None:
            self.say("Press [ at the first frame of the repetition first", error=True)
            return
        a, b = sorted((self.mark, self.frame))
        if self._apply(lambda: AddRepetition(self.session.project, self.recording_id, a, b),
                       f"Added repetition {a}..{b}"):
            self.clear_mark(quiet=True)
            self._select_span_with(a)

    def clear_mark(self, quiet: bool = False) -> None:
        self.mark = None
        self.timeline.clear_mark()
        if not quiet:
            self.say("")
        self._update_info()

    def delete_selected(self) -> None:
        k, rep = self._selected_repetition("delete")
        if rep is not None and self._apply(lambda: DeleteRepetition(self.session.project, rep),
                                           f"Deleted repetition {rep.start_frame}..{rep.end_frame}"):
            self.select(None)

    def split_selected(self) -> None:
        k, rep = self._selected_repetition("split")
        if rep is not None and self._apply(lambda: SplitRepetition(self.session.project, rep, self.frame),
                                           f"Split repetition {rep.start_frame}..{rep.end_frame} at {self.frame}"):
            self._select_span_with(self.frame)

    def merge_selected(self) -> None:
        k, rep = self._selected_repetition("merge")
        if rep is None:
            return
        reps = self.repetitions()
        if k + 1 >= len(reps):
            self.say(f"Repetition {k + 1} is the last one: select the first of the two to merge", error=True)
            return
        nxt = reps[k + 1]
        if self._apply(lambda: MergeRepetitions(self.session.project, rep, nxt),
                       f"Merged repetitions {k + 1} and {k + 2} into {rep.start_frame}..{nxt.end_frame}"):
            self._select_span_with(rep.start_frame)

    def select_neighbour(self, direction: int) -> None:
        spans = self.spans()
        if not spans:
            return
        if self.selected is None:
            k = 0 if direction > 0 else len(spans) - 1
        else:
            k = (self.selected + direction) % len(spans)
        self.select(k)
        self.seek(spans[k][0], pause=True)

    def _on_span_clicked(self, index: int, frame: int) -> None:
        self.setFocus()
        self.select(index)
        self.seek(frame, pause=True)

    def _on_span_edited(self, index: int, start: int, end: int) -> None:
        """The end of a drag of region ``index``: one SetRepetitionSpan (one undo step)."""
        reps = self.repetitions()
        if index >= len(reps):
            self._refresh_spans()
            return
        rep = reps[index]
        if self._apply(lambda: SetRepetitionSpan(self.session.project, rep, start, end),
                       f"Repetition {index + 1}: {rep.start_frame}..{rep.end_frame} → {start}..{end}"):
            self._select_span_with(start)

    # -- proposals (gui/segment/proposals.py) -------------------------------------------------
    def propose(self, all_recordings: bool = False) -> None:
        """Propose repetitions in the background (this recording, or all), with progress and cancel."""
        self.proposals.propose(all_recordings)

    def accept_proposals(self) -> None:
        """Replace this recording's repetitions by its proposal: one undo step."""
        self.proposals.accept()

    def accept_all_proposals(self) -> None:
        self.proposals.accept_all()

    def discard_proposals(self) -> None:
        self.proposals.discard()

    # -- info, help, keys ------------------------------------------------------------------
    def _time_s(self, frame: int) -> float:
        """Seconds of ``frame`` from the first frame, on the recorded clock (frame / fps without one)."""
        if 0 <= frame < len(self.times_s):
            return float(self.times_s[frame])
        return frame / self.fps

    def _update_info(self) -> None:
        if self.recording_id is None:
            return
        spans = self.spans()
        self.frame_label.setText(f"{frame_text(self.frame, self.n_frames)} · {self._time_s(self.frame):.2f} s")
        parts = [f"{len(spans)} repetition(s)"]
        k = self._span_at(self.frame)
        parts.append(f"in rep {k + 1} ({spans[k][0]}..{spans[k][1]})" if k is not None else "between repetitions")
        if self.selected is not None and self.selected < len(spans):
            a, b = spans[self.selected]
            parts.append(f"selected: rep {self.selected + 1} ({a}..{b}, {b - a + 1} frames)")
        if self.mark is not None:
            parts.append(f"start marked at {self.mark}")
        parts.append(f"speed {self.speed:g}x")
        if self.true_spans:
            be = boundary_error_frames(spans, self.true_spans)
            err = "—" if be.mean_abs is None else f"{be.mean_abs:.1f} frames"
            parts.append(f"vs simulated truth: {err} ({be.misses} missed, {be.extras} extra)")
        self.info_label.setText("   ·   ".join(parts))

    def toggle_help(self) -> None:
        self.help_button.setChecked(not self.help_button.isChecked())

    def event(self, event) -> bool:  # noqa: D401 - Qt API: claim our single keys before window shortcuts
        if event.type() == QEvent.Type.ShortcutOverride and key_action(self, event) is not None:
            event.accept()
            return True
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            self.keyPressEvent(event)  # Tab selects repetitions here instead of moving the focus
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        action = key_action(self, event)
        if action is None:
            super().keyPressEvent(event)
            return
        event.accept()
        action()
