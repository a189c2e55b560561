"""The project browser: participants -> sessions -> recordings, in a dock on the left.

A read-only view of the open Project. It emits ``recording_selected(recording_id)`` when
the user picks a recording, and ``participant_selected(participant_id)`` with the participant of
any row picked (participant, session or recording); it never changes the project. Each
recording row's Details say its quality (good / check / retake, coloured; the tooltip gives the
reasons): the recording quality gate's verdict stored with the take (analysis/take_quality.py).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from neuroface_studio.analysis.take_quality import recording_verdict
from neuroface_studio.domain.project import Project
from neuroface_studio.gui.widgets.messages import QUALITY_COLORS

_ROLE_KIND = Qt.ItemDataRole.UserRole
_ROLE_ID = Qt.ItemDataRole.UserRole + 1

GROUP_COLORS = {"HC": "#3c8d5a", "ALS": "#b5542c", "PS": "#4a6fb5", "PD": "#8a5ab5", "FP": "#b59a2c"}
_ROLE_QUALITY = Qt.ItemDataRole.UserRole + 2


def quality_tooltip(verdict) -> str:
    """The verdict in words: headline, every reason, what was not measured."""
    lines = [f"Recording quality: {verdict.level} ({verdict.word}). {verdict.headline()}."]
    lines += [f"• {r}" for r in verdict.reasons[1:]]
    if verdict.not_judged:
        lines.append("Not measured: " + ", ".join(verdict.not_judged) + ".")
    return "\n".join(lines)


class ProjectBrowserPanel(QWidget):
    """Tree of the project's participants (ID, group, consent), sessions and recordings."""

    recording_selected = Signal(str)
    participant_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._summary = QLabel("No project open")
        self._summary.setObjectName("browserSummary")
        self._summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["ID", "Group · date · task", "Details"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.tree.currentItemChanged.connect(self._on_current_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._summary)
        layout.addWidget(self.tree)

    # -- content ----------------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        """Show ``project`` (or nothing). The current recording stays selected if it still exists."""
        current = self.current_recording()
        self.tree.blockSignals(True)
        try:
            self.tree.clear()
            if project is None:
                self._summary.setText("No project open")
                return
            n_rec = len(project.recordings)
            self._summary.setText(
                f"<b>{project.name}</b><br>{len(project.participants)} participant(s) · "
                f"{n_rec} recording(s) · protocol {project.protocol.name}")
            for p in sorted(project.participants.values(), key=lambda p: p.id):
                consent = "consent to share" if p.consent_to_share else "no consent to share"
                item = QTreeWidgetItem([p.id, p.group.value, "✓ consent" if p.consent_to_share else "✗ no consent"])
                item.setData(0, _ROLE_KIND, "participant")
                item.setData(0, _ROLE_ID, p.id)
                color = GROUP_COLORS.get(p.group.value)
                if color:
                    item.setForeground(1, QBrush(QColor(color)))
                scores = ", ".join(f"{k} {v:g}" for k, v in p.clinical_scores.items())
                item.setToolTip(0, f"{p.id} ({p.group.value}); {consent}" + (f"\n{scores}" if scores else "")
                                + (f"\n{p.notes}" if p.notes else ""))
                self.tree.addTopLevelItem(item)
                for s in project.sessions_of(p.id):
                    recs = project.recordings_of(s.id)
                    s_item = QTreeWidgetItem([s.id, s.date, f"{len(recs)} rec."])
                    s_item.setData(0, _ROLE_KIND, "session")
                    s_item.setData(0, _ROLE_ID, s.id)
                    item.addChild(s_item)
                    for r in recs:
                        task = project.protocol.task(r.task_code) if r.task_code in project.protocol.codes else None
                        verdict = recording_verdict(r, task)
                        word = f"{verdict.word} · " if verdict is not None else ""  # first: a narrow dock cuts the end
                        r_item = QTreeWidgetItem([r.id, r.task_code, f"{word}{r.n_frames} fr · {r.duration_s:.1f} s"])
                        r_item.setData(0, _ROLE_KIND, "recording")
                        r_item.setData(0, _ROLE_ID, r.id)
                        r_item.setData(0, _ROLE_QUALITY, verdict.level if verdict is not None else None)
                        task_name = task.name if task is not None else r.task_code
                        r_item.setToolTip(0, f"{r.id}: {task_name}, {r.fps:g} fps" + (f"\n{r.notes}" if r.notes else ""))
                        if verdict is not None:
                            r_item.setForeground(2, QBrush(QColor(QUALITY_COLORS[verdict.level])))
                            r_item.setToolTip(2, quality_tooltip(verdict))
                        s_item.addChild(r_item)
            self.tree.expandAll()
            if current:
                self._select(current)
        finally:
            self.tree.blockSignals(False)

    def _items(self):
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop(0)
            yield item
            stack.extend(item.child(i) for i in range(item.childCount()))

    def participant_rows(self) -> list[tuple[str, str]]:
        """(participant ID, group) of each participant row, in display order."""
        return [(self.tree.topLevelItem(i).text(0), self.tree.topLevelItem(i).text(1))
                for i in range(self.tree.topLevelItemCount())]

    def recording_quality(self) -> dict[str, str | None]:
        """Recording id -> quality level shown ("green", "amber", "red"; None: not known)."""
        return {it.data(0, _ROLE_ID): it.data(0, _ROLE_QUALITY) for it in self._items()
                if it.data(0, _ROLE_KIND) == "recording"}

    def recording_ids(self) -> list[str]:
        return [it.data(0, _ROLE_ID) for it in self._items() if it.data(0, _ROLE_KIND) == "recording"]

    def current_recording(self) -> str | None:
        item = self.tree.currentItem()
        if item is not None and item.data(0, _ROLE_KIND) == "recording":
            return item.data(0, _ROLE_ID)
        return None

    def _select(self, recording_id: str) -> bool:
        for it in self._items():
            if it.data(0, _ROLE_KIND) == "recording" and it.data(0, _ROLE_ID) == recording_id:
                self.tree.setCurrentItem(it)
                self.tree.scrollToItem(it)
                return True
        return False

    def select_recording(self, recording_id: str) -> bool:
        """Make ``recording_id`` current (emits recording_selected if it changed). False if absent."""
        return self._select(recording_id)

    def selected_recordings(self) -> list[str]:
        """The recordings under the current row: that recording, or a session's or participant's."""
        item, out = self.tree.currentItem(), []
        stack = [item] if item is not None else []
        while stack:
            it = stack.pop(0)
            if it.data(0, _ROLE_KIND) == "recording":
                out.append(it.data(0, _ROLE_ID))
            stack.extend(it.child(i) for i in range(it.childCount()))
        return out

    def current_participant(self) -> str | None:
        """The participant of the current row (participant, session or recording), None if none."""
        item = self.tree.currentItem()
        while item is not None and item.parent() is not None:
            item = item.parent()
        return item.data(0, _ROLE_ID) if item is not None else None

    def _on_current_changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        if current is not None and current.data(0, _ROLE_KIND) == "recording":
            self.recording_selected.emit(current.data(0, _ROLE_ID))
        participant = self.current_participant()
        if participant is not None:
            self.participant_selected.emit(participant)
