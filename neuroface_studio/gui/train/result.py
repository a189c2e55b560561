"""The end of a fine-tuning run: before/after NRMSE per group, activate it, or undo it.

Shown by the Train workspace when ``run_finetune`` returns a ``FinetuneSummary``. The table
gives the validation NRMSE (held-out participants) of the base model and of the new version,
overall and per group. "Make it the active model" is ``registry.set_active``; "Undo (remove this
version)" gives back the previously active model when the new one was active, then
``registry.remove_model``. Registry errors are shown in the panel, never as a traceback.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from neuroface_studio.store.errors import StoreError
from neuroface_studio.vision import registry

BETTER, WORSE = QColor("#1a7f37"), QColor("#b42318")
_ERRORS = (StoreError, ValueError, OSError)


def _pct(value: float | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{100 * value:.2f}%"


class TrainResultPanel(QFrame):
    """Before/after table and the two actions for the newly registered version."""

    model_activated = Signal(str)
    model_removed = Signal(str)

    def __init__(self, parent: QWidget | None = None, store_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.store_dir = store_dir
        self.summary = None
        self.previous_active: str | None = None
        self.setObjectName("trainResult")
        self.setStyleSheet("QFrame#trainResult { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; }")
        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_label = QLabel()
        self.details_label.setWordWrap(True)
        self.details_label.setStyleSheet("color: #444;")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(("Group", "Before", "After", "Change"))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Validation NRMSE (RMS point error / interocular distance) on participants the model "
                              "was not trained on")
        self.activate_button = QPushButton("Make it the active model")
        self.activate_button.setToolTip("Use the new version when landmarking (Tools → Landmark models…)")
        self.activate_button.clicked.connect(self.activate)
        self.undo_button = QPushButton("Undo (remove this version)")
        self.undo_button.setToolTip("Delete the new version from the model store; the base model is untouched")
        self.undo_button.clicked.connect(self.undo)
        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.activate_button)
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.details_label)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.state_label)

    def show_summary(self, summary) -> None:
        """Fill in from a ``FinetuneSummary``."""
        self.summary = summary
        try:
            self.previous_active = registry.active_model(self.store_dir)
        except _ERRORS:
            self.previous_active = None
        b_all, a_all = summary.nrmse_before.get("all"), summary.nrmse_after.get("all")
        verdict = ("better" if a_all < b_all else "not better") if b_all is not None and a_all is not None else ""
        self.title_label.setText(f"New model version: {summary.model}  ({verdict} than {summary.base_model})")
        self.details_label.setText(
            f"Trained on {summary.train_frames} frames of {len(summary.train_participants)} participant(s), "
            f"validated on {summary.val_frames} frames of {', '.join(summary.val_participants)}; "
            f"{summary.data}. {summary.epochs_run} epoch(s), best {summary.best_epoch}, "
            f"{summary.seconds:.0f} s on {summary.device}.")
        groups = ["all"] + sorted(k for k in summary.nrmse_before if k != "all")
        self.table.setRowCount(len(groups))
        for row, g in enumerate(groups):
            before, after = summary.nrmse_before.get(g), summary.nrmse_after.get(g)
            change = ""
            if before is not None and after is not None and math.isfinite(before) and math.isfinite(after) and before:
                change = f"{100 * (after - before) / before:+.1f}%"
            cells = ("all participants" if g == "all" else g, _pct(before), _pct(after), change)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if col == 3 and change:
                    item.setForeground(QBrush(BETTER if after < before else WORSE))
                if g == "all":
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, col, item)
        header = self.table.horizontalHeader().height()
        self.table.setFixedHeight(header + sum(self.table.rowHeight(r) for r in range(len(groups))) + 4)
        self.activate_button.setEnabled(True)
        self.undo_button.setEnabled(True)
        self.state_label.setText(f"Registered in the model store as <b>{summary.model}</b>; the active model is "
                                 f"still {self.previous_active or 'unchanged'}.")
        self.setVisible(True)

    def table_rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.table.item(r, c).text() for c in range(self.table.columnCount()))
                for r in range(self.table.rowCount())]

    # -- actions ----------------------------------------------------------------------
    def activate(self) -> None:
        if self.summary is None:
            return
        try:
            registry.set_active(self.summary.model, self.store_dir)
        except _ERRORS as exc:
            self.state_label.setText(f"<span style='color:#b42318'>Could not activate it: {exc}</span>")
            return
        self.activate_button.setEnabled(False)
        self.state_label.setText(f"<b>{self.summary.model}</b> is now the active model (used when landmarking).")
        self.model_activated.emit(self.summary.model)

    def undo(self) -> None:
        if self.summary is None:
            return
        name = self.summary.model
        try:
            if registry.active_model(self.store_dir) == name:
                back = self.previous_active if self.previous_active not in (None, name) else registry.BUILTIN
                registry.set_active(back, self.store_dir)
            registry.remove_model(name, self.store_dir)
            active = registry.active_model(self.store_dir)
        except _ERRORS as exc:
            self.state_label.setText(f"<span style='color:#b42318'>Could not remove it: {exc}</span>")
            return
        self.activate_button.setEnabled(False)
        self.undo_button.setEnabled(False)
        self.state_label.setText(f"{name} was removed from the model store; the active model is {active}.")
        self.model_removed.emit(name)
