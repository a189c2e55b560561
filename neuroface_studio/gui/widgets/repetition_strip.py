"""A thin strip above the frame slider: repetition spans, labelled frames and the current frame."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

SPAN_COLORS = (QColor("#4a90d9"), QColor("#2f6db3"))
MARK_COLOR = QColor("#f0b429")
CURSOR_COLOR = QColor("#e03c31")


class RepetitionStripWidget(QWidget):
    """Paints repetition spans (alternating blues), ticks for labelled frames, and the current frame."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedHeight(14)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._n_frames = 0
        self._spans: list[tuple[int, int]] = []
        self._marks: list[int] = []
        self._current = 0
        self.setToolTip("Repetitions (blue), frames with landmark sets (amber), current frame (red)")

    def set_content(self, n_frames: int, spans: list[tuple[int, int]], marks: list[int]) -> None:
        """``spans``: inclusive (start, end) frames; ``marks``: frames that have landmark sets."""
        self._n_frames, self._spans, self._marks = n_frames, list(spans), sorted(set(marks))
        self.update()

    @property
    def spans(self) -> list[tuple[int, int]]:
        """The spans drawn, inclusive (start, end) frames."""
        return list(self._spans)

    def set_current(self, frame: int) -> None:
        self._current = frame
        self.update()

    def _x(self, frame: float) -> float:
        margin = 6.0  # roughly where a slider's handle centre starts and ends
        return margin + (self.width() - 2 * margin) * frame / max(self._n_frames, 1)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#e4e7eb"))
        if self._n_frames <= 0:
            return
        h = self.height()
        for k, (start, end) in enumerate(self._spans):
            x0, x1 = self._x(start), self._x(end + 1)
            p.fillRect(QRectF(x0, 2, max(x1 - x0, 1.0), h - 4), SPAN_COLORS[k % 2])
        p.setPen(QPen(MARK_COLOR, 2))
        for m in self._marks:
            x = self._x(m + 0.5)
            p.drawLine(int(x), 0, int(x), 4)
        p.setPen(QPen(CURSOR_COLOR, 2))
        x = self._x(self._current + 0.5)
        p.drawLine(int(x), 0, int(x), h)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setPen(Qt.PenStyle.NoPen)
        p.end()
