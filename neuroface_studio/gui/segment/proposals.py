"""The Segment workspace's proposal bar: what was proposed for the shown recording, Accept / Discard.

Proposals come from app/segmentation.py (:class:`RecordingSegmentation`, made on a worker
thread); the bar only describes them and offers the choices. The workspace does the change:
Accept applies one recording's proposal as one undoable ReplaceRepetitions
(:func:`apply_proposals`). Accept all accepts every pending recording whose repetitions are not a
person's (:func:`persons_recordings`, the rule the batch command keeps too); for those that are,
it asks (default: keep theirs) and leaves them pending. The whole bulk accept is ONE undo step.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.app.segmentation import (RecordingSegmentation, apply_proposals, log_segmentation,
                                               persons_recordings, propose_for_project, propose_for_recording)
from neuroface_studio.gui.widgets.job_progress import run_with_progress
from neuroface_studio.gui.widgets.jobs_panel import TRACKS


def describe(result: RecordingSegmentation) -> str:
    """One line (rich text) about a proposal: count, trace, model, confidence, error vs truth."""
    if result.problem and not result.spans:
        return f"<b>No proposal</b> for {result.recording_id}: {result.problem}"
    confs = [s.confidence for s in result.spans]
    text = (f"<b>Proposed {len(result.spans)} repetition(s)</b> from {result.trace} "
            f"(landmarks: {result.model or 'none'})")
    if confs:
        text += f", confidence {min(confs):.2f}–{max(confs):.2f}"
    if result.basis:  # speech tasks: from the sound or from the lips and jaw, and why
        text += f" · {result.basis}"
    be = result.boundary_error
    if be is not None:
        err = "no span matched" if be.mean_abs is None else f"<b>{be.mean_abs:.1f} frames</b> mean |boundary error|"
        text += (f" · vs simulated truth ({len(result.true_spans or [])} reps): {err}, "
                 f"{be.misses} missed, {be.extras} extra")
    return text


class ProposalBarWidget(QFrame):
    """Shown while the current recording has a pending proposal (dashed orange in the timeline)."""

    accept_requested = Signal()
    accept_all_requested = Signal()
    discard_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("proposalBar")
        self.setStyleSheet("QFrame#proposalBar { background: #fff4e5; border: 1px solid #f0a050;"
                           " border-radius: 4px; } QFrame#proposalBar QLabel { color: #4a3000; }")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.accept_button = QPushButton("Accept")
        self.accept_button.setToolTip("Replace this recording's repetitions by the proposal (one undo step; A)")
        self.accept_all_button = QPushButton("Accept all")
        self.accept_all_button.setToolTip("Accept the proposals of every recording proposed, except where a person "
                                          "made or edited the repetitions (asked; one undo step in all)")
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Forget this recording's proposal; its repetitions stay as they are")
        for button, signal in ((self.accept_button, self.accept_requested),
                               (self.accept_all_button, self.accept_all_requested),
                               (self.discard_button, self.discard_requested)):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(signal)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.accept_button)
        layout.addWidget(self.accept_all_button)
        layout.addWidget(self.discard_button)
        self.hide()

    def show_result(self, result: RecordingSegmentation | None, pending: int) -> None:
        """Describe ``result`` (None hides the bar); ``pending``: recordings with a proposal."""
        if result is None:
            self.hide()
            return
        self.label.setText(describe(result))
        self.accept_button.setEnabled(result.segmented and not result.problem)
        self.accept_all_button.setText(f"Accept all ({pending})")
        self.accept_all_button.setVisible(pending > 1)
        self.show()


class SegmentProposals(QObject):
    """The workspace's pending proposals (by recording): propose on a worker, show, accept, discard.

    ``panel`` is the SegmentWorkspacePanel (its session, recording, timeline and message line);
    ``track_job(worker)`` lets the main window stop a running job when it closes.
    """

    def __init__(self, panel, track_job: Callable[[object], object] | None = None) -> None:
        super().__init__(panel)
        self.panel = panel
        self.track_job = track_job
        self.pending: dict[str, RecordingSegmentation] = {}
        self.worker = None
        self.bar = ProposalBarWidget()
        self.bar.accept_requested.connect(self.accept)
        self.bar.accept_all_requested.connect(self.accept_all)
        self.bar.discard_requested.connect(self.discard)

    def clear(self) -> None:
        self.pending = {}
        self.show_current()

    def current(self) -> RecordingSegmentation | None:
        rid = self.panel.recording_id
        return self.pending.get(rid) if rid else None

    def show_current(self) -> None:
        """Draw the shown recording's proposal in the timeline and describe it in the bar."""
        result = self.current()
        self.panel.timeline.set_proposals([(s.start, s.end, s.confidence) for s in result.spans] if result else [])
        self.bar.show_result(result, len(self.pending))

    def propose(self, all_recordings: bool = False) -> None:
        """Propose for the shown recording (or all) in the background, with progress and cancel."""
        panel = self.panel
        session, rid = panel.session, panel.recording_id
        if session is None or (not all_recordings and rid is None):
            return
        panel.pause()

        def job(progress, cancel):
            if all_recordings:
                return propose_for_project(session, None, progress=progress, cancel=cancel).results
            return [propose_for_recording(session, rid, progress=progress, cancel=cancel)]

        self.worker = run_with_progress(panel, "Proposing repetitions", job,
                                        on_finished=lambda results: self._finished(session, results),
                                        on_cancelled=lambda: self._cancelled(session),
                                        writes=[TRACKS])  # it landmarks what has no track yet
        if self.track_job is not None:
            self.track_job(self.worker)

    def _finished(self, session: ProjectSession, results: list[RecordingSegmentation]) -> None:
        if session is not self.panel.session:
            return
        log_segmentation(session, results, [])  # landmarking it did (saved when nothing else is unsaved)
        for r in results:
            if r.segmented:
                self.pending[r.recording_id] = r
        n = sum(len(r.spans) for r in results)
        if len(results) == 1 and results[0].problem:
            self.panel.say(f"Nothing to propose: {results[0].problem}", error=True)
        else:
            problems = sum(bool(r.problem) for r in results)
            self.panel.say(f"Proposed {n} repetition(s) for {len(results)} recording(s)"
                           + (f" ({problems} with a problem, see each)" if problems else "")
                           + ": check them (dashed), then Accept (A) or Discard")
        landmarked = [r.recording_id for r in results if r.landmarked]
        if landmarked:
            self.panel.load_trace()
            session.notify("landmarks", landmarked, "landmarked to propose repetitions")  # Review offers the tracks
        self.show_current()

    def _cancelled(self, session: ProjectSession) -> None:
        if session is self.panel.session:
            self.panel.load_trace()
            self.panel.say("Proposing cancelled; frames already landmarked are kept and a new run resumes")

    def accept(self) -> None:
        """Replace the shown recording's repetitions by its proposal: one undo step."""
        result = self.current()
        if result is None:
            self.panel.say("Nothing proposed for this recording: press Propose repetitions first", error=True)
            return
        # the proposal is drawn over the repetitions it replaces, so A replaces without a question;
        # when those were a person's, the message says so and how to get them back
        theirs = persons_recordings(self.panel.session, [result])
        self._accept([result], replaced=bool(theirs))

    def accept_all(self) -> None:
        """Accept every pending proposal as ONE undo step; recordings whose repetitions are a
        person's are kept (they stay pending) unless the user chooses to replace them."""
        results = list(self.pending.values())
        theirs = persons_recordings(self.panel.session, results)
        keep = theirs if theirs and not self.ask_replace(theirs) else []
        self._accept([r for r in results if r.recording_id not in keep], kept=keep)

    def ask_replace(self, recording_ids: list[str]) -> bool:
        """Ask whether to replace repetitions a person made or edited; the default keeps them."""
        box = QMessageBox(QMessageBox.Icon.Question, "Accept all proposals",
                          f"{len(recording_ids)} recording(s) have repetitions made or edited by a person:\n\n"
                          + "\n".join(f"  {rid}" for rid in recording_ids[:15])
                          + (f"\n  … and {len(recording_ids) - 15} more" if len(recording_ids) > 15 else "")
                          + "\n\nKeep theirs (their proposals stay pending, to review one by one), "
                            "or replace them by the proposals too?", parent=self.panel)
        box.setObjectName("acceptAllQuestion")
        keep = box.addButton("Keep theirs", QMessageBox.ButtonRole.RejectRole)
        box.addButton("Replace them too", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is not None and box.clickedButton() is not keep

    def _accept(self, results: list[RecordingSegmentation], kept: list[str] | None = None,
                replaced: bool = False) -> None:
        try:
            changed = apply_proposals(self.panel.session, results)
        except ValueError as exc:
            self.panel.say(f"Cannot accept the proposal: {exc}", error=True)
            return
        for r in results:
            self.pending.pop(r.recording_id, None)
        self.show_current()
        self.panel.select(None)
        if kept is None:
            if replaced and changed:
                self.panel.say(f"Accepted the proposal of {', '.join(changed)}: it replaced repetitions a person "
                               "had marked or edited (Ctrl+Z brings them back)")
            else:
                self.panel.say(f"Accepted the proposals of {', '.join(changed) or 'no recording'} "
                               "(one undo step; Ctrl+Z undoes)")
            return
        text = (f"Accepted {len(changed)} recording(s)" + (" (one undo step; Ctrl+Z undoes)" if changed else "")
                + (f"; kept {len(kept)} with a person's repetitions ({', '.join(kept)}): their proposals stay "
                   "pending, review each and press Accept" if kept else ""))
        self.panel.say(text)

    def discard(self) -> None:
        if self.pending.pop(self.panel.recording_id, None) is not None:
            self.panel.say("Proposal discarded; the repetitions are unchanged")
        self.show_current()
