"""Project → Audit log…: who changed what, when (read-only), with a filter box.

A thin view over :func:`neuroface_studio.app.audit.audit_rows` (the same rows as
``neuroface-studio project audit``). Edits not saved yet are not in the log: a save records them.
"""

from __future__ import annotations

from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from neuroface_studio.app.audit import COLUMNS, audit_rows
from neuroface_studio.domain.project import Project


class AuditLogDialog(QDialog):
    """The project's audit log in a table (time, user, action, detail); typing filters the rows."""

    def __init__(self, project: Project, parent: QWidget | None = None, unsaved: bool = False) -> None:
        super().__init__(parent)
        self.project = project
        self.setWindowTitle(f"Audit log — {project.name}")
        self.resize(900, 460)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter: user, action, date or any text")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.refresh)
        self.count_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.count_label)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([c.capitalize() for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        note = QLabel("Every save records who saved and what was changed. Edits not saved yet appear after "
                      "the next save." if unsaved else "Every save records who saved and what was changed.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        rows = audit_rows(self.project, self.filter_edit.text())
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, col in enumerate(COLUMNS):
                item = QTableWidgetItem(str(row[col]))
                item.setToolTip(str(row[col]))
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        total = len(self.project.audit_log)
        self.count_label.setText(f"{len(rows)} of {total} entries" if len(rows) != total else f"{total} entries")
        if rows:
            self.table.scrollToBottom()
