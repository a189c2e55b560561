""""New participant…" dialog of the Record workspace: gathers pseudonym, group and consent.

The dialog only gathers input and validates it (pseudonym rules from domain.participants,
not already in the project); the caller makes the change with the undoable
edits.project_commands.AddParticipant command.
"""

from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QVBoxLayout, QWidget)

from neuroface_studio.domain.participants import Group, Participant, validate_pseudonym
from neuroface_studio.domain.project import Project

GROUP_TITLES = {Group.HC: "HC — healthy control", Group.ALS: "ALS — amyotrophic lateral sclerosis",
                Group.PS: "PS — post-stroke", Group.PD: "PD — Parkinson's disease", Group.FP: "FP — facial palsy",
                Group.OTHER: "other"}


def suggest_pseudonym(project: Project) -> str:
    """The first free ``P001``-style ID."""
    k = 1
    while f"P{k:03d}" in project.participants:
        k += 1
    return f"P{k:03d}"


class NewParticipantDialog(QDialog):
    """Pseudonym, group and consent of a new participant. ``participant()`` after accept."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New participant")
        self.project = project
        self.id_edit = QLineEdit(suggest_pseudonym(project))
        self.id_edit.setToolTip("A pseudonym such as P007 — never the participant's name")
        self.group_combo = QComboBox()
        for group, title in GROUP_TITLES.items():
            self.group_combo.addItem(title, group.value)
        self.consent_check = QCheckBox("Consents to sharing the recordings with other researchers")
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Pseudonym:", self.id_edit)
        form.addRow("Participant's group:", self.group_combo)
        form.addRow("", self.consent_check)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.id_edit.textChanged.connect(lambda _t: self._validate())
        layout = QVBoxLayout(self)
        note = QLabel("Use a pseudonym only: names and other identifying details never go into the project.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #666;")
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._validate()

    def set_values(self, pseudonym: str, group: str, consent: bool) -> None:
        self.id_edit.setText(pseudonym)
        self.group_combo.setCurrentIndex(self.group_combo.findData(Group.parse(group).value))
        self.consent_check.setChecked(consent)

    def _validate(self) -> str:
        pid = self.id_edit.text().strip()
        problem = ""
        try:
            validate_pseudonym(pid)
        except ValueError as exc:
            problem = str(exc)
        if not problem and pid in self.project.participants:
            problem = f"{pid} is already a participant of this project"
        self.error_label.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
        return problem

    def accept(self) -> None:
        if not self._validate():
            super().accept()

    def participant(self) -> Participant:
        return Participant(self.id_edit.text().strip(), Group.parse(self.group_combo.currentData()),
                           consent_to_share=self.consent_check.isChecked())
