"""The page shown when no project is open: new / open / demo project, and recent projects."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

from neuroface_studio import __version__


class WelcomePanel(QWidget):
    """Start page. Emits what the user asked for; the main window does it."""

    new_requested = Signal()
    open_requested = Signal()
    demo_requested = Signal()
    recent_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("NeuroFace Studio")
        title.setStyleSheet("font-size: 24pt; font-weight: 600;")
        subtitle = QLabel("Orofacial movement from colour + depth video with 68-point facial landmarks "
                          f"— version {__version__}, research use")
        subtitle.setStyleSheet("font-size: 11pt; color: #555;")
        subtitle.setWordWrap(True)

        self.new_button = QPushButton("New project…")
        self.open_button = QPushButton("Open project…")
        self.demo_button = QPushButton("Open demo project")
        self.demo_button.setToolTip("Simulated participants (healthy controls, ALS, post-stroke) with known "
                                    "ground truth; built on first use (about a minute)")
        buttons = QHBoxLayout()
        for b, slot in ((self.new_button, self.new_requested), (self.open_button, self.open_requested),
                        (self.demo_button, self.demo_requested)):
            b.setMinimumHeight(36)
            b.setMinimumWidth(170)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)

        recent_title = QLabel("Recent projects")
        recent_title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.recent_list = QListWidget()
        self.recent_list.setFrameShape(QFrame.Shape.StyledPanel)
        self.recent_list.setMaximumWidth(760)
        self.recent_list.setMaximumHeight(320)
        self.recent_list.setStyleSheet("QListWidget { font-size: 10.5pt; } QListWidget::item { padding: 6px 4px; }")
        self.recent_list.itemActivated.connect(lambda it: self.recent_requested.emit(it.data(Qt.ItemDataRole.UserRole)))
        self.recent_empty = QLabel("No recent projects yet.")
        self.recent_empty.setStyleSheet("color: #777;")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(56, 48, 56, 48)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(24)
        layout.addLayout(buttons)
        layout.addSpacing(28)
        layout.addWidget(recent_title)
        layout.addWidget(self.recent_empty)
        layout.addWidget(self.recent_list)
        layout.addStretch(1)

    def set_recent(self, folders: list[Path]) -> None:
        self.recent_list.clear()
        for folder in folders:
            item = QListWidgetItem(f"{folder.name}    —    {folder}")
            item.setData(Qt.ItemDataRole.UserRole, str(folder))
            item.setToolTip(f"Open {folder} (double-click or Enter)")
            self.recent_list.addItem(item)
        self.recent_list.setVisible(bool(folders))
        self.recent_empty.setVisible(not folders)
