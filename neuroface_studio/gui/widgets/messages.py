"""The message line that workspaces and dialogs show under their controls: one look everywhere."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

INFO_STYLE = "QLabel { padding: 8px; border-radius: 4px; background: #eef4fb; color: #1f3b57; }"
ERROR_STYLE = "QLabel { padding: 8px; border-radius: 4px; background: #fdecea; color: #8a1c12; }"
WARN_STYLE = "QLabel { padding: 8px; border-radius: 4px; background: #fff8e1; color: #6d4c00; }"
DONE_STYLE = "QLabel { padding: 8px; border-radius: 4px; background: #e8f5e9; color: #1b5e20; }"
#: the recording quality gate's levels (analysis/take_quality.py): the browser's Details, Review's title
QUALITY_COLORS = {"green": "#2e7d32", "amber": "#b26a00", "red": "#c62828"}


def show_message(label: QLabel, text: str, style: str = INFO_STYLE) -> None:
    """``text`` in ``label`` with ``style``; an empty text hides the label."""
    label.setText(text)
    label.setStyleSheet(style)
    label.setVisible(bool(text))
