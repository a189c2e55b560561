"""Workspaces (Review, Record, Segment, ...): the left navigation bar and the pages it switches.

Review is the working video viewer, Record the capture workspace (gui/record/workspace.py),
Segment the repetition timeline (gui/segment/workspace.py), Annotate the landmark correction
workspace (gui/annotate/workspace.py) and Analyze the landmark accuracy, kinematic traces, features
and ROC (gui/analyze/workspace.py, which lists its parts still to come), Report the assessment
report and study summary with their preview (gui/report/workspace.py).
A workspace still planned shows an honest page saying it is not available yet and what it will
hold, with no controls that pretend to work.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QStackedWidget, QToolBar, QVBoxLayout, QWidget


@dataclass(frozen=True)
class Workspace:
    key: str
    title: str
    summary: str
    planned: tuple[str, ...] = ()  # what the page will hold (empty: available now)


WORKSPACES: tuple[Workspace, ...] = (
    Workspace("review", "Review", "Play recordings: colour, depth and landmarks."),
    Workspace("record", "Record", "Capture a participant performing the protocol, with live head-pose feedback."),
    Workspace("segment", "Segment", "Split each task recording into repetitions on its kinematic trace."),
    Workspace("annotate", "Annotate", "Correct the 68 landmarks on selected frames, one layer per annotator."),
    Workspace("train", "Train", "Fine-tune the FAN landmark model on corrected frames, with live curves."),
    Workspace("analyze", "Analyze", "Landmark error (NRMSE) per group; kinematic traces, features vs controls, ROC."),
    Workspace("report", "Report", "Per-patient assessment report and study summary: preview, then export PDF/HTML."),
)


class PlannedWorkspacePanel(QWidget):
    """Page of a workspace that is not available yet: its title and what it will hold."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel(f"{workspace.title} — not available yet")
        title.setObjectName("plannedTitle")
        title.setStyleSheet("QLabel#plannedTitle { font-size: 18pt; font-weight: 600; }")
        self.title_text = title.text()
        summary = QLabel(workspace.summary)
        summary.setStyleSheet("font-size: 11pt; color: #555;")
        items = "".join(f"<li style='margin-bottom:6px'>{item}</li>" for item in workspace.planned)
        planned = QLabel(f"<p>This workspace will hold:</p><ul>{items}</ul>"
                         "<p style='color:#777'>Until then, the command line (<code>neuroface-studio --help</code>) "
                         "lists what runs today.</p>")
        planned.setWordWrap(True)
        planned.setTextFormat(Qt.TextFormat.RichText)
        planned.setStyleSheet("font-size: 11pt;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 40, 48, 40)
        layout.addWidget(title)
        layout.addWidget(summary)
        layout.addSpacing(12)
        layout.addWidget(planned)
        layout.addStretch(1)


class WorkspaceNavigationPanel(QToolBar):
    """Vertical bar of checkable workspace actions (exactly one checked)."""

    workspace_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Workspaces", parent)
        self.setObjectName("workspaceBar")
        self.setOrientation(Qt.Orientation.Vertical)
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setIconSize(QSize(0, 0))
        self.setStyleSheet(
            "QToolBar#workspaceBar { background: #1f2630; border: none; padding: 6px 0; spacing: 2px; }"
            "QToolBar#workspaceBar QToolButton { color: #c9d1d9; padding: 10px 14px; border: none;"
            " min-width: 76px; font-size: 10pt; text-align: left; }"
            "QToolBar#workspaceBar QToolButton:checked { background: #33415a; color: white;"
            " border-left: 3px solid #58a6ff; font-weight: 600; }"
            "QToolBar#workspaceBar QToolButton:hover:!checked { background: #2a3340; }")
        self._group = QActionGroup(self)
        self._group.setExclusive(True)
        self.actions_by_key: dict[str, QAction] = {}
        for k, ws in enumerate(WORKSPACES):
            action = QAction(ws.title, self)
            action.setCheckable(True)
            action.setData(ws.key)
            action.setToolTip(ws.summary + ("" if not ws.planned else " (not available yet)"))
            action.setShortcut(f"Ctrl+{k + 1}")
            self._group.addAction(action)
            self.addAction(action)
            self.actions_by_key[ws.key] = action
        self.actions_by_key["review"].setChecked(True)
        self._group.triggered.connect(lambda a: self.workspace_changed.emit(a.data()))

    def select(self, key: str) -> None:
        self.actions_by_key[key].trigger()


class WorkspaceStackWidget(QStackedWidget):
    """One page per workspace; ``show_workspace(key)`` switches.

    ``pages`` gives the working pages by key (e.g. {"record": RecordWorkspacePanel}); the
    others show their PlannedWorkspacePanel.
    """

    def __init__(self, review_page: QWidget, parent: QWidget | None = None,
                 pages: dict[str, QWidget] | None = None) -> None:
        super().__init__(parent)
        self.pages: dict[str, QWidget] = {}
        working = {"review": review_page, **(pages or {})}
        for ws in WORKSPACES:
            page = working.get(ws.key) or PlannedWorkspacePanel(ws)
            self.pages[ws.key] = page
            self.addWidget(page)

    def show_workspace(self, key: str) -> None:
        self.setCurrentWidget(self.pages[key])

    def current_key(self) -> str:
        current = self.currentWidget()
        return next(k for k, w in self.pages.items() if w is current)
