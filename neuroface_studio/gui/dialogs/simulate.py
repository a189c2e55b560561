"""Dialog that gathers a SimulationRequest (simulated participants to add to the open project).

It only gathers and validates input; the main window runs app.simulate on a background
thread with the request it returns.
"""

from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QGridLayout,
                               QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget)

from neuroface_studio.domain.participants import Group
from neuroface_studio.domain.protocol import Protocol

GROUP_CHOICES = (Group.HC, Group.ALS, Group.PS, Group.PD)
GROUP_NAMES = {Group.HC: "healthy control", Group.ALS: "ALS", Group.PS: "post-stroke", Group.PD: "Parkinson's"}


class SimulateDialog(QDialog):
    """Participants, groups, tasks, seed, no-effect, fps, duration scale, annotators, sessions."""

    def __init__(self, protocol: Protocol, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Simulate participants")
        self._request = None
        self.participants = QSpinBox()
        self.participants.setRange(1, 200)
        self.participants.setValue(3)
        self.group_boxes: dict[Group, QCheckBox] = {}
        groups = QHBoxLayout()
        for g in GROUP_CHOICES:
            box = QCheckBox(g.value)
            box.setToolTip(GROUP_NAMES[g])
            box.setChecked(g in (Group.HC, Group.ALS, Group.PS))
            self.group_boxes[g] = box
            groups.addWidget(box)
        groups.addStretch(1)
        self.task_boxes: dict[str, QCheckBox] = {}
        tasks = QGridLayout()
        for k, task in enumerate(protocol.tasks):
            box = QCheckBox(task.code)
            box.setToolTip(f"{task.name}: {task.instruction}")
            box.setChecked(task.code in ("OPEN", "SPREAD"))
            self.task_boxes[task.code] = box
            tasks.addWidget(box, k // 5, k % 5)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.no_effect = QCheckBox("No group effect (every group moves like controls; a null control)")
        self.fps = QDoubleSpinBox()
        self.fps.setRange(1, 120)
        self.fps.setValue(30)
        self.fps.setSuffix(" fps")
        self.duration = QDoubleSpinBox()
        self.duration.setRange(0.05, 4)
        self.duration.setSingleStep(0.1)
        self.duration.setValue(0.5)
        self.duration.setSuffix(" ×")
        self.duration.setToolTip("Below 1 shortens every task (quick demos)")
        self.annotators = QSpinBox()
        self.annotators.setRange(0, 3)
        self.annotators.setValue(1)
        self.annotators.setToolTip("Simulated annotators who label selected frames")
        self.sessions = QSpinBox()
        self.sessions.setRange(1, 6)  # app.simulate.MAX_SESSIONS (imported late, with the simulator)
        self.sessions.setValue(1)
        self.sessions.setToolTip("Visits per participant, 8 weeks apart: patients progress (ALS, PD) or partly "
                                 "recover (stroke); controls stay the same")

        form = QFormLayout()
        form.addRow("Participants:", self.participants)
        form.addRow("Groups:", groups)
        form.addRow("Tasks:", tasks)
        form.addRow("Seed:", self.seed)
        form.addRow("", self.no_effect)
        form.addRow("Frame rate:", self.fps)
        form.addRow("Duration scale:", self.duration)
        form.addRow("Annotators:", self.annotators)
        form.addRow("Sessions per participant:", self.sessions)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        note = QLabel("The project is saved when the simulation finishes (or is cancelled: completed "
                      "recordings are kept).")
        note.setWordWrap(True)
        note.setStyleSheet("color: #666;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Simulate")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def build_request(self):
        """The SimulationRequest for the current input; raises ValueError saying what is wrong."""
        from neuroface_studio.app.simulate import SimulationRequest  # needs the simulator: import late

        groups = tuple(g for g, box in self.group_boxes.items() if box.isChecked())
        tasks = tuple(code for code, box in self.task_boxes.items() if box.isChecked())
        if not tasks:
            raise ValueError("choose at least one task")
        return SimulationRequest(participants=self.participants.value(), groups=groups, tasks=tasks,
                                 seed=self.seed.value(), no_effect=self.no_effect.isChecked(),
                                 fps=self.fps.value(), duration_scale=self.duration.value(),
                                 annotators=self.annotators.value(), sessions=self.sessions.value())

    def accept(self) -> None:
        try:
            self._request = self.build_request()
        except (ValueError, ImportError) as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        super().accept()

    def request(self):
        """The accepted request (None until the dialog was accepted)."""
        return self._request
