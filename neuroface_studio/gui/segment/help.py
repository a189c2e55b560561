"""The Segment workspace's help panel: every shortcut and mouse gesture (gui/segment/keys.py) and a legend."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

from neuroface_studio.gui.segment.keys import SHORTCUTS

LEGEND = (
    ("#4a90d9", "repetitions (drag the edges or the body)"),
    ("#ffc400", "selected repetition"),
    ("#ff8c28", "proposals, with confidence (dashed, lower band)"),
    ("#3cc86e", "simulated true repetitions (bottom band)"),
    ("#ff4d4d", "current frame"),
    ("#7ee787", "start marked with [ (shaded: the span ] would add)"),
)


def help_html() -> str:
    rows = "".join(f"<tr><td style='padding:2px 8px 2px 0'><b>{escape(k)}</b></td><td>{escape(d)}</td></tr>"
                   for k, d in SHORTCUTS)
    legend = "".join(f"<tr><td><span style='color:{c}; font-size:14pt'>■</span></td><td>{escape(t)}</td></tr>"
                     for c, t in LEGEND)
    return (f"<h3 style='margin:0'>Segment: keys</h3><table>{rows}</table>"
            f"<h3 style='margin-bottom:0'>Timeline</h3><table>{legend}</table>")


class SegmentHelpPanel(QScrollArea):
    """A narrow, scrollable list of the workspace's shortcuts (shown with F1 or the Keys button)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(help_html())
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setContentsMargins(8, 8, 8, 8)
        self.setWidget(self.label)
        self.setWidgetResizable(True)
        self.setFixedWidth(300)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
