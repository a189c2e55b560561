"""The protocol runner of the Record workspace: participant, task list, instruction, record controls.

A view only: it shows the protocol's tasks with their status for the chosen participant
(computed from the project's recordings by :func:`task_statuses`, plus the tasks skipped in
this sitting), the current task's instruction in large text, the record buttons, the notes
field and the live counters. The buttons emit signals; the Record workspace
(gui/record/workspace.py) drives the LiveSession and calls back :meth:`refresh`.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from neuroface_studio.analysis.take_quality import recording_verdict
from neuroface_studio.domain.project import Project
from neuroface_studio.domain.protocol import Task

NEW_PARTICIPANT = "New participant…"
STATUS_COLORS = {"todo": "#8b949e", "recorded": "#2e7d32", "retaken": "#1565c0", "skipped": "#b26a00"}


@dataclass(frozen=True)
class TaskStatus:
    kind: str  # "todo" | "recorded" | "retaken" | "skipped"
    text: str
    recordings: tuple[str, ...] = ()


def task_statuses(project: Project, participant_id: str | None, skipped: set[str] = frozenset()) -> dict[str, TaskStatus]:
    """Status of every protocol task for ``participant_id`` from the project's recordings."""
    takes: dict[str, list] = {t.code: [] for t in project.protocol.tasks}
    if participant_id:
        for session in project.sessions_of(participant_id):
            for rec in project.recordings_of(session.id):
                takes.setdefault(rec.task_code, []).append(rec)
    out = {}
    for task in project.protocol.tasks:
        recs = sorted(takes.get(task.code, []), key=lambda r: (r.created, r.id))
        ids = tuple(r.id for r in recs)
        if recs:
            last = recs[-1]
            frontal = last.quality.get("frontal_fraction") if last.quality else None
            detail = f"{last.n_frames} frames" + (f", {frontal:.0%} frontal" if frontal is not None else "")
            if last.quality and last.quality.get("stop_reason"):
                detail += ", stopped early"
            verdict = recording_verdict(last, task)  # the recording quality gate (analysis/take_quality.py)
            quality = f", quality: {verdict.word}" if verdict is not None else ""  # first: a narrow list cuts the end
            if len(recs) == 1:
                out[task.code] = TaskStatus("recorded", f"recorded{quality} ({detail})", ids)
            else:
                out[task.code] = TaskStatus("retaken", f"retaken{quality} — recorded {len(recs)}× (last {last.id}: "
                                            f"{detail})", ids)
        elif task.code in skipped:
            out[task.code] = TaskStatus("skipped", "skipped")
        else:
            out[task.code] = TaskStatus("todo", "to do")
    return out


def instruction_html(task: Task) -> str:
    """The task's instruction with its repetition count, for the large instruction label."""
    if task.repetitions:
        count = f"{task.repetitions} repetitions"
    elif task.duration_s:
        count = f"{task.duration_s:.0f} seconds"
    else:
        count = "as many as you can"
    return (f"<div style='font-size:11pt;color:#8b949e'>{task.code} · {task.name}</div>"
            f"<div style='font-size:17pt;font-weight:600'>{task.instruction or task.name}</div>"
            f"<div style='font-size:15pt;color:#58a6ff;font-weight:600'>{count}</div>")


class ProtocolRunnerPanel(QWidget):
    """Participant picker, task list with status, instruction, record buttons, notes and counters."""

    participant_changed = Signal(str)
    new_participant_requested = Signal()
    task_changed = Signal(str)
    record_toggled = Signal()
    retake_requested = Signal()
    skip_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.statuses: dict[str, TaskStatus] = {}

        self.participant_combo = QComboBox()
        self.participant_combo.setMinimumContentsLength(14)
        self.participant_combo.activated.connect(self._on_participant_activated)
        prow = QHBoxLayout()
        prow.addWidget(QLabel("Participant:"))
        prow.addWidget(self.participant_combo, 1)

        self.task_list = QListWidget()
        self.task_list.setObjectName("taskList")
        self.task_list.setStyleSheet("QListWidget#taskList { font-size: 10pt; }"
                                     "QListWidget#taskList::item { padding: 3px 2px; }")
        self.task_list.currentRowChanged.connect(self._on_row_changed)

        self.instruction_label = QLabel()
        self.instruction_label.setObjectName("instructionLabel")
        self.instruction_label.setWordWrap(True)
        self.instruction_label.setTextFormat(Qt.TextFormat.RichText)
        self.instruction_label.setMinimumHeight(170)
        self.instruction_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.instruction_label.setStyleSheet("QLabel#instructionLabel { background: #161b22; color: #f0f3f6;"
                                             " border-radius: 6px; padding: 10px; }")

        self.record_button = QPushButton("● Start recording")
        self.record_button.setObjectName("recordButton")
        self.record_button.setToolTip("Start / stop recording the current task (Space)")
        self.record_button.setMinimumHeight(44)
        self.record_button.clicked.connect(self.record_toggled)
        self.retake_button = QPushButton("Retake")
        self.retake_button.setToolTip("Record the last recorded task again as a new recording (nothing is overwritten)")
        self.retake_button.clicked.connect(self.retake_requested)
        self.skip_button = QPushButton("Skip")
        self.skip_button.setToolTip("Mark the current task skipped and go to the next one")
        self.skip_button.clicked.connect(self.skip_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retake_button, 1)
        buttons.addWidget(self.skip_button, 1)

        self.notes_edit = QLineEdit()
        self.notes_edit.setPlaceholderText("Notes saved with the recording (e.g. participant coughed at rep 3)")

        self.counters_box = counters = QGroupBox("Not recording")
        counters.setObjectName("countersBox")
        grid = QGridLayout(counters)
        self.counter_labels: dict[str, QLabel] = {}
        for k, (key, title) in enumerate((("elapsed", "Elapsed"), ("frames", "Frames written"),
                                          ("dropped", "Dropped (camera / queue)"), ("rate", "Data rate (raw)"))):
            value = QLabel("—")
            value.setStyleSheet("font-size: 12pt; font-weight: 600; font-family: 'DejaVu Sans Mono', monospace;")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(QLabel(title), k, 0)
            grid.addWidget(value, k, 1)
            self.counter_labels[key] = value

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(prow)
        layout.addWidget(self.task_list, 1)
        layout.addWidget(self.instruction_label)
        layout.addWidget(self.record_button)
        layout.addLayout(buttons)
        layout.addWidget(self.notes_edit)
        layout.addWidget(counters)
        self.set_recording(False, can_record=False)

    # -- content -----------------------------------------------------------------------
    def set_project(self, project: Project | None, participant_id: str | None = None) -> None:
        self.project = project
        self.participant_combo.blockSignals(True)
        self.participant_combo.clear()
        if project is not None:
            for p in sorted(project.participants.values(), key=lambda p: p.id):
                self.participant_combo.addItem(f"{p.id}  ({p.group.value})", p.id)
            self.participant_combo.insertSeparator(self.participant_combo.count())
            self.participant_combo.addItem(NEW_PARTICIPANT, None)
            index = self.participant_combo.findData(participant_id) if participant_id else 0
            self.participant_combo.setCurrentIndex(max(index, 0))
        self.participant_combo.blockSignals(False)
        current = self.current_task()
        self.task_list.blockSignals(True)
        self.task_list.clear()
        if project is not None:
            for task in project.protocol.tasks:
                item = QListWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, task.code)
                self.task_list.addItem(item)
        self.task_list.blockSignals(False)
        codes = project.protocol.codes if project else ()
        self.select_task(current if current in codes else (codes[0] if codes else None))

    def participant_id(self) -> str | None:
        return self.participant_combo.currentData()

    def select_participant(self, participant_id: str) -> None:
        index = self.participant_combo.findData(participant_id)
        if index >= 0:
            self.participant_combo.setCurrentIndex(index)

    def _on_participant_activated(self, _index: int) -> None:
        if self.participant_combo.currentText() == NEW_PARTICIPANT:
            self.new_participant_requested.emit()
        else:
            self.participant_changed.emit(self.participant_id() or "")

    def refresh(self, skipped: set[str]) -> None:
        """Recompute and show every task's status for the chosen participant."""
        if self.project is None:
            return
        self.statuses = task_statuses(self.project, self.participant_id(), skipped)
        for row in range(self.task_list.count()):
            item = self.task_list.item(row)
            code = item.data(Qt.ItemDataRole.UserRole)
            task = self.project.protocol.task(code)
            status = self.statuses[code]
            item.setText(f"{code:<7} {task.name}\n        {status.text}")
            item.setForeground(QBrush(QColor(STATUS_COLORS[status.kind]) if status.kind != "todo" else QBrush()))
            item.setToolTip(", ".join(status.recordings) or status.text)

    # -- tasks -------------------------------------------------------------------------
    def current_task(self) -> str | None:
        item = self.task_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def select_task(self, code: str | None) -> None:
        for row in range(self.task_list.count()):
            if self.task_list.item(row).data(Qt.ItemDataRole.UserRole) == code:
                self.task_list.setCurrentRow(row)
                break
        self._show_instruction()

    def next_task_after(self, code: str) -> str | None:
        """The next task still to do after ``code`` (wrapping round), else None."""
        codes = list(self.project.protocol.codes) if self.project else []
        if code not in codes:
            return codes[0] if codes else None
        k = codes.index(code)
        for c in codes[k + 1:] + codes[:k]:
            if self.statuses.get(c, TaskStatus("todo", "")).kind == "todo":
                return c
        return None

    def _on_row_changed(self, _row: int) -> None:
        self._show_instruction()
        code = self.current_task()
        if code:
            self.task_changed.emit(code)

    def _show_instruction(self) -> None:
        code = self.current_task()
        if self.project is None or code is None:
            self.instruction_label.setText("")
            return
        self.instruction_label.setText(instruction_html(self.project.protocol.task(code)))

    # -- state -------------------------------------------------------------------------
    def set_recording(self, recording: bool, can_record: bool = True, retake_task: str | None = None,
                      recording_id: str | None = None) -> None:
        """Enable the controls for 'recording' / 'ready' (``can_record``: preview running, participant chosen)."""
        self.counters_box.setTitle(f"● Recording {recording_id or ''}" if recording else "Last recording")
        self.counters_box.setStyleSheet("QGroupBox#countersBox { font-weight: 700; color: %s; }"
                                        % ("#c62828" if recording else "palette(text)"))
        self.record_button.setText("■ Stop recording" if recording else "● Start recording")
        color = "#c62828" if recording else "#2e7d32"
        self.record_button.setStyleSheet(f"QPushButton#recordButton {{ background: {color}; color: white;"
                                         " font-size: 13pt; font-weight: 700; border-radius: 5px; }"
                                         "QPushButton#recordButton:disabled { background: #6e7681; color: #d0d4da; }")
        self.record_button.setEnabled(recording or can_record)
        self.retake_button.setEnabled(not recording and can_record and retake_task is not None)
        self.retake_button.setText(f"Retake {retake_task}" if retake_task else "Retake")
        self.skip_button.setEnabled(not recording and self.project is not None)
        for w in (self.participant_combo, self.task_list):
            w.setEnabled(not recording)

    def show_counters(self, stats) -> None:
        """Live counters from a RecordingStats (or dashes with None)."""
        c = self.counter_labels
        if stats is None:
            for value in c.values():
                value.setText("—")
            return
        elapsed = max(stats.elapsed_s, 1e-9)
        minutes, seconds = divmod(elapsed, 60)
        c["elapsed"].setText(f"{int(minutes):02d}:{seconds:04.1f}")
        c["frames"].setText(str(stats.frames_written))
        c["dropped"].setText(f"{stats.dropped_camera} / {stats.dropped_queue}")
        c["rate"].setText(f"{stats.bytes_written / elapsed / 1e6:.1f} MB/s")
