"""The Record workspace: live preview with head-pose feedback and the protocol runner.

A thin GUI shell over the Qt-free app.live_session.LiveSession: the operator picks a source
(the simulated participant, or a RealSense camera), starts the preview, picks the participant
and records the protocol's tasks one by one. Threads: the LiveSession's capture thread only
drops the newest frame into a FrameMailbox (gui/record/live_preview.py), the pose worker runs on its
own thread, the recorder writes on its own; this panel (GUI thread) draws the newest frame
with the newest pose estimate and feedback, and a 4 Hz clock updates the recording counters
and notices when the stream or the recording ended (camera lost, disk full).

Stopping a recording adds it to the project and saves (LiveSession.stop_recording); the save
marks the undo stack clean, which is the main window's existing refresh path for the browser.
"""

from __future__ import annotations

import contextlib
import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMessageBox, QSplitter, QVBoxLayout, QWidget

from neuroface_studio.acquisition.source import NoCameraError, SourceError
from neuroface_studio.app.live_session import LiveSession
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.edits.project_commands import AddParticipant
from neuroface_studio.gui.record.live_preview import FrameMailbox, LivePreviewPanel
from neuroface_studio.gui.record.new_participant_dialog import NewParticipantDialog
from neuroface_studio.gui.record.participant_view import ParticipantViewWidget
from neuroface_studio.gui.record.protocol_runner import ProtocolRunnerPanel
from neuroface_studio.gui.record.source_picker import REALSENSE, SYNTHETIC, SourcePickerWidget, make_live_source, make_pose_worker

log = logging.getLogger(__name__)

MESSAGE_STYLES = {"error": "background: #fdecea; color: #8e1b1b; border: 1px solid #e57373;",
                  "warning": "background: #fff8e1; color: #6d4c00; border: 1px solid #ffb300;",
                  "info": "background: #e8f5e9; color: #1b5e20; border: 1px solid #81c784;"}


def take_message(verdict, saved: str) -> tuple[str, str]:
    """(text, message kind) after a take: the recording quality gate's verdict (analysis/take_quality.py)
    first when it is amber or red, coloured by it, then the saved line."""
    if verdict is None or verdict.level == "green":
        return saved + (" Quality: good." if verdict is not None else ""), "info"
    return f"{verdict.headline()}.\n{saved}", "error" if verdict.level == "red" else "warning"


class RecordWorkspacePanel(QWidget):
    """Source bar, message line, live preview (left) and protocol runner (right)."""

    recording_saved = Signal(str)  # recording id, after it was added to the project and saved

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: ProjectSession | None = None
        self.live: LiveSession | None = None
        self.mailbox: FrameMailbox | None = None
        self.source_kind: str | None = None
        self.source_task: str | None = None  # the task the simulated participant performs
        self.skipped: dict[str, set[str]] = {}  # participant -> tasks skipped in this sitting
        self.last_recorded: str | None = None  # task of the last recording made here
        self.recording_task: str | None = None
        self._pose = None  # last PoseWorker (its face tracker is reused: loading dlib takes ~1 s)
        self.participant_window: ParticipantViewWidget | None = None
        self._clock = QTimer(self)
        self._clock.setInterval(250)
        self._clock.timeout.connect(self._on_clock)
        self._build()
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self.toggle_recording,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._update_controls()

    def _build(self) -> None:
        self.source_bar = SourcePickerWidget()
        self.source_bar.preview_toggled.connect(self.toggle_preview)
        self.source_bar.participant_view_requested.connect(self.show_participant_view)
        self.source_bar.calibrate_requested.connect(self.calibrate)
        from neuroface_studio.gui.record.sound import SoundBarWidget
        self.sound_bar = SoundBarWidget()  # the take's sound: none, or a file as the microphone (issue 19)

        self.message_label = QLabel()
        self.message_label.setObjectName("recordMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.show_message("X", "info")  # the line's room is kept while empty: a message must not move the
        self.message_label.setMinimumHeight(self.message_label.sizeHint().height())  # list under the pointer
        self.show_message("")

        self.preview = LivePreviewPanel()
        self.runner = ProtocolRunnerPanel()
        self.runner.setMinimumWidth(330)
        self.runner.participant_changed.connect(lambda _p: self._refresh())
        self.runner.new_participant_requested.connect(self.new_participant)
        self.runner.task_changed.connect(self._on_task_changed)
        self.runner.record_toggled.connect(self.toggle_recording)
        self.runner.retake_requested.connect(self.retake)
        self.runner.skip_requested.connect(self.skip)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.preview)
        splitter.addWidget(self.runner)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.source_bar)
        layout.addWidget(self.sound_bar)
        layout.addWidget(self.message_label)
        layout.addWidget(splitter, 1)

    # -- project -----------------------------------------------------------------------
    def set_session(self, session: ProjectSession | None) -> None:
        """Show ``session``'s participants and protocol (stops any preview first)."""
        self.shutdown()
        self.session = session
        self.skipped, self.last_recorded = {}, None
        self.runner.set_project(session.project if session else None)
        self._refresh()

    def project_changed(self) -> None:
        """The project changed (an edit, an undo, a save): refresh participants and statuses."""
        if self.session is not None:
            self.runner.set_project(self.session.project, self.runner.participant_id())
            self._refresh()

    def _refresh(self) -> None:
        self.runner.refresh(self.skipped.get(self.runner.participant_id() or "", set()))
        self._update_controls()

    def new_participant(self) -> None:
        """Ask for pseudonym, group and consent; add through the undoable AddParticipant command."""
        if self.session is None:
            return
        dialog = NewParticipantDialog(self.session.project, self)
        if dialog.exec() == NewParticipantDialog.DialogCode.Accepted:
            self.add_participant(dialog.participant())
        else:
            self.project_changed()  # put the combo back on a real participant

    def add_participant(self, participant) -> None:
        self.session.apply(AddParticipant(self.session.project, participant))
        self.runner.set_project(self.session.project, participant.id)
        self._refresh()

    # -- preview -----------------------------------------------------------------------
    @property
    def previewing(self) -> bool:
        return self.live is not None

    @property
    def recording(self) -> bool:
        return self.recording_task is not None

    def toggle_preview(self) -> None:
        if self.previewing:
            self.stop_preview()
        else:
            self.start_preview()

    def start_preview(self, source=None) -> bool:
        """Open the chosen source (or ``source``, e.g. for benchmarks) and start capturing; a failure
        is shown in the panel. True if started."""
        if self.session is None or self.previewing:
            return self.previewing
        kind = self.source_bar.kind()
        task = self.runner.current_task() or "OPEN"
        self.preview.set_idle("Opening the camera…" if kind == REALSENSE else "Starting the simulated participant…")
        live = None
        try:
            source = source or make_live_source(kind, task, self.source_bar.group())
            previous = self._pose  # the camera is known once the source is open: LiveSession calls the factory
            live = LiveSession(self.session, source, pose=lambda camera: make_pose_worker(camera, previous),
                               audio=self.sound_bar.make_source())
            live.start()
            self._pose = live.pose
        except SourceError as exc:  # NoCameraError included: the message says what to do
            self.preview.set_idle("No preview")
            hint = " (In this app: choose “Simulated participant” as the source.)" if isinstance(exc, NoCameraError) else ""
            self.show_message(str(exc) + hint)
            return False
        except Exception as exc:  # noqa: BLE001 - never a traceback in the operator's face
            log.exception("could not start the preview")
            if live is not None:
                with contextlib.suppress(Exception):
                    live.stop()  # close a source that did open
            self.preview.set_idle("No preview")
            self.show_message(f"Could not start the preview: {exc}")
            return False
        self.live, self.source_kind, self.source_task = live, kind, task
        self.mailbox = FrameMailbox()
        self.mailbox.frame_ready.connect(self._on_frame_ready)
        live.add_frame_listener(self.mailbox.put)
        note = getattr(source, "note", "")  # e.g. another frame rate than asked for, or a USB 2 link
        self.show_message(note, "warning" if note else "error")
        self.preview.show_feedback(None, None, 0.0 if live.pose is not None else None)
        self._clock.start()
        self._update_controls()
        return True

    def calibrate(self) -> None:
        """The participant's current head pose becomes "straight ahead" for the feedback."""
        if self.live is None:
            return
        try:
            yaw, pitch, roll = self.live.calibrate_straight_ahead()
        except (RuntimeError, ValueError) as exc:
            self.show_message(f"Cannot set straight ahead: {exc}. Make sure the face is visible.", "error")
            return
        self.show_message(f"Straight ahead set (reference yaw {yaw:+.1f}°, pitch {pitch:+.1f}°, roll {roll:+.1f}°).",
                          "info")

    def stop_preview(self, message: str = "Preview stopped.") -> None:
        """Stop capturing (a running recording is stopped and kept first)."""
        if self.recording:
            self.stop_recording()
        live, self.live = self.live, None
        self._clock.stop()
        if self.mailbox is not None:
            self.mailbox.frame_ready.disconnect(self._on_frame_ready)
            self.mailbox = None
        if live is not None:
            try:
                live.stop()
            except Exception:  # noqa: BLE001 - closing a failed camera must not stop the shutdown
                log.exception("stopping the live session failed")
        self.preview.set_idle(message)
        if self.participant_window is not None:
            self.participant_window.set_feedback(None, ())
        self._update_controls()

    def _on_frame_ready(self) -> None:
        if self.mailbox is None or self.live is None:
            return
        frame = self.mailbox.take()
        if frame is None:
            return
        self.preview.show_frame(frame)
        self.mailbox.shown()
        est, fb = self.feedback()
        pose = self.live.pose
        self.preview.show_feedback(est, fb, pose.rate_hz() if pose is not None else None)
        if self.participant_window is not None and self.participant_window.isVisible():
            self.participant_window.set_feedback(fb.level if fb else None, fb.messages if fb else ())
            self.participant_window.show_frame(frame.color)

    def feedback(self):
        """(PoseEstimate | None, Feedback | None) of the live session (no rules module: no feedback)."""
        if self.live is None:
            return None, None
        pose = self.live.pose
        if pose is None or pose.latest() is None:  # nothing estimated yet: no verdict either
            return None, None
        try:
            return self.live.feedback()
        except ImportError:
            return pose.latest(), None

    def _on_clock(self) -> None:
        """4 Hz: recording counters, fixed-duration tasks, and the end of the stream / recording."""
        live = self.live
        if live is None:
            return
        self.sound_bar.update_level(live.audio, self.recording)
        if self.recording:
            stats = live.live_stats()
            self.runner.show_counters(stats)
            duration = self.session.project.protocol.task(self.recording_task).duration_s
            if duration and stats is not None and stats.elapsed_s >= duration:
                self.stop_recording()
        if live.ended.is_set():
            error = live.error
            if self.recording:
                self.stop_recording()
            self.stop_preview("The preview stopped.")
            if error:
                self.show_message(error + ("" if "kept" in error else " What was recorded has been kept."))

    # -- recording ---------------------------------------------------------------------
    def toggle_recording(self) -> None:
        if self.recording:
            self.stop_recording()
        elif self.previewing:
            self.start_recording()

    def start_recording(self, task: str | None = None) -> str | None:
        """Record ``task`` (default: the current one) for the chosen participant; the new recording's id."""
        pid, task = self.runner.participant_id(), task or self.runner.current_task()
        if not self.previewing or self.recording or not pid or not task:
            return None
        self.runner.select_task(task)
        if self.source_kind == SYNTHETIC and self.source_task != task:
            self.stop_preview()  # the simulated participant performs the task being recorded
            if not self.start_preview():
                return None
        try:
            rec_id = self.live.start_recording(pid, task)
        except (ValueError, KeyError, RuntimeError, OSError) as exc:
            self.show_message(f"Could not start recording: {exc}")
            return None
        self.recording_task = task
        self.show_message("")
        self.runner.show_counters(None)
        if self.participant_window is not None:
            self.participant_window.set_recording(True)
        self._update_controls()
        return rec_id

    def stop_recording(self) -> str | None:
        """Stop, add the recording to the project and save; move to the next task. The id, or None."""
        if not self.recording or self.live is None:
            return None
        task, self.recording_task = self.recording_task, None
        stats = self.live.live_stats()
        if stats is not None:
            self.runner.show_counters(stats)
        notes = self.runner.notes_edit.text().strip()
        result = None
        try:
            result = self.live.stop_recording(notes)
        except SourceError as exc:
            self.show_message(f"Nothing was recorded: {exc}")
        except Exception as exc:  # noqa: BLE001 - the file stays in recordings/ (``recover`` adds it)
            log.exception("adding the recording to the project failed")
            self.show_message(f"The recording could not be added to the project: {exc}. Its file is kept in "
                              "the project's recordings folder.")
        if self.participant_window is not None:
            self.participant_window.set_recording(False)
        if result is not None:
            self.last_recorded = task
            self.runner.notes_edit.clear()
            if result.stats.error:  # stopped early: what stopped it, then what the gate says of what was kept
                verdict = result.verdict
                self.show_message(result.stats.error + (f"\n{verdict.headline()}." if verdict is not None
                                                        and verdict.level != "green" else ""))
            else:
                frontal = "" if result.frontal_fraction is None else f", {result.frontal_fraction:.0%} frontal"
                a = result.stats.audio
                sound = (f" Sound: {a['duration_s']:.1f} s, audio-video offset {a['offset_s'] * 1000:+.0f} ms."
                         if a and a.get("recorded") else f" No sound: {self.sound_bar.no_mic}."
                         if a is None and self.sound_bar.no_mic and self.sound_bar.microphone() is not None
                         else " No sound (video only)." if a is None
                         else f" No sound: {a['why']}.")
                self.show_message(*take_message(result.verdict, f"Saved {result.recording_id}: "
                                                f"{result.stats.frames_written} frames, {result.stats.dropped} "
                                                f"dropped{frontal}.{sound}"))
            self._refresh()
            self.runner.select_task(self.runner.next_task_after(task) or task)
            self.recording_saved.emit(result.recording_id)
        self._update_controls()
        return result.recording_id if result else None

    def retake(self) -> str | None:
        """Record the last recorded task again, as a new recording (never overwriting)."""
        return self.start_recording(self.last_recorded) if self.last_recorded else None

    def skip(self) -> None:
        pid, task = self.runner.participant_id(), self.runner.current_task()
        if not pid or not task or self.recording:
            return
        self.skipped.setdefault(pid, set()).add(task)
        self._refresh()
        self.runner.select_task(self.runner.next_task_after(task) or task)

    # -- state, messages, participant window ---------------------------------------------
    def _on_task_changed(self, code: str) -> None:
        if self.participant_window is not None and self.session is not None:
            self.participant_window.set_task(self.session.project.protocol.task(code))

    def _update_controls(self) -> None:
        self.source_bar.set_state(self.previewing, self.session is not None)
        self.sound_bar.set_choosing(not self.previewing)  # the sound source is opened with the preview
        can_record = self.previewing and bool(self.runner.participant_id())
        self.runner.set_recording(self.recording, can_record, self.last_recorded,
                                  self.live.recording_id if self.live is not None else None)

    def show_message(self, text: str, kind: str = "error") -> None:
        """A message line above the preview (empty text: an empty line of the same height, issue 18)."""
        self.message_label.setText(text)
        look = MESSAGE_STYLES[kind] if text else "background: transparent; border: 1px solid transparent;"
        self.message_label.setStyleSheet(f"QLabel#recordMessage {{ {look} font-size: 11pt;"
                                         " padding: 8px 10px; border-radius: 4px; }")

    def show_participant_view(self) -> ParticipantViewWidget:
        if self.participant_window is None:
            self.participant_window = ParticipantViewWidget(self)
        code = self.runner.current_task()
        self.participant_window.set_task(self.session.project.protocol.task(code) if self.session and code else None)
        self.participant_window.set_recording(self.recording)
        self.participant_window.show()
        self.participant_window.raise_()
        return self.participant_window

    # -- shutdown ------------------------------------------------------------------------
    def confirm_stop_recording(self, doing: str) -> bool:
        """While recording, ask whether to stop (the recording is kept). True when it is fine to go on."""
        if not self.recording:
            return True
        answer = QMessageBox.question(
            self, "Recording in progress",
            f"A recording of {self.recording_task} is running. Stop it (what was recorded is kept) before {doing}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.stop_recording()
        return True

    def shutdown(self) -> None:
        """Stop the preview (keeping any recording) and close the participant window."""
        if self.previewing:
            self.stop_preview()
        if self.participant_window is not None:
            self.participant_window.close()
