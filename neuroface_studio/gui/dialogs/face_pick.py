"""Pick the face to landmark when a frame holds several (Review → Landmark this recording…).

Shown only when the detector finds more than one face on the first frame to landmark. The frame
is drawn with every face box numbered in :func:`neuroface_studio.vision.face_choice.order_faces`
order (face 1, the default choice, is the largest and most central); a click on a box selects
that face (drawn green); OK landmarks the recording following it, Cancel landmarks nothing. The
dialog only gathers the choice: the caller passes :meth:`FacePickDialog.chosen_box` to
:func:`neuroface_studio.app.landmarking.landmark_recording` as ``start_box``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from neuroface_studio.vision.face_choice import face_at

CHOSEN = QColor("#2e9d46")
OTHER = QColor("#f0a020")


class FacePickView(QWidget):
    """The frame scaled to fit, face boxes numbered; a click on a box emits ``face_picked(index)``."""

    face_picked = Signal(int)

    def __init__(self, image_rgb: np.ndarray, boxes: list, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rgb = np.ascontiguousarray(image_rgb[..., :3], dtype=np.uint8)
        h, w = self._rgb.shape[:2]
        self._image = QImage(self._rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        self.boxes = [tuple(float(v) for v in b) for b in boxes]
        self.chosen = 0
        self.setMinimumSize(320, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        w, h = self._image.width(), self._image.height()
        scale = min(1.0, 760 / w, 520 / h)
        return QSize(int(w * scale), int(h * scale))

    def _target(self) -> QRectF:
        w, h = self._image.width(), self._image.height()
        scale = min(self.width() / w, self.height() / h)
        return QRectF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2, w * scale, h * scale)

    def to_image(self, pos: QPointF) -> tuple[float, float]:
        """Widget position -> image pixel coordinates."""
        t = self._target()
        return ((pos.x() - t.x()) * self._image.width() / t.width(),
                (pos.y() - t.y()) * self._image.height() / t.height())

    def to_widget(self, x: float, y: float) -> QPointF:
        t = self._target()
        return QPointF(t.x() + x * t.width() / self._image.width(), t.y() + y * t.height() / self._image.height())

    def set_chosen(self, index: int) -> None:
        if 0 <= index < len(self.boxes) and index != self.chosen:
            self.chosen = index
            self.update()
            self.face_picked.emit(index)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        k = face_at(self.boxes, *self.to_image(event.position()))
        if k is not None:
            self.set_chosen(k)
        event.accept()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.fillRect(self.rect(), QColor("#202020"))
        p.drawImage(self._target(), self._image)
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(max(9.0, font.pointSizeF() * 1.2))
        p.setFont(font)
        for k, (x0, y0, x1, y1) in enumerate(self.boxes):
            color = CHOSEN if k == self.chosen else OTHER
            p.setPen(QPen(color, 4 if k == self.chosen else 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(self.to_widget(x0, y0), self.to_widget(x1, y1)))
            label = f" {k + 1} " + ("✓ " if k == self.chosen else "")
            corner = self.to_widget(x0, y0)
            rect = p.fontMetrics().boundingRect(label)
            tag = QRectF(corner.x(), corner.y() - rect.height() - 2, rect.width() + 6, rect.height() + 2)
            p.fillRect(tag, color)
            p.setPen(QColor("white"))
            p.drawText(tag, Qt.AlignmentFlag.AlignCenter, label)
        p.end()


class FacePickDialog(QDialog):
    """"N faces found: click the face to landmark" over the frame; :meth:`chosen_box` after accept."""

    def __init__(self, image_rgb: np.ndarray, boxes: list, frame: int, recording: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Which face?")
        self.view = FacePickView(image_rgb, boxes, self)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.view.face_picked.connect(lambda _k: self._say())
        self._intro = (f"<b>{len(boxes)} faces</b> were found on frame {frame + 1} of {recording}. Click the face "
                       "to landmark; the track follows it through the recording.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Landmark this face")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self._say()

    def _say(self) -> None:
        k = self.view.chosen
        self.label.setText(f"{self._intro}<br>Chosen: <b>face {k + 1}</b>"
                           + (" (the default: the largest, most central face)." if k == 0 else "."))

    def chosen_index(self) -> int:
        return self.view.chosen

    def chosen_box(self) -> tuple[float, float, float, float]:
        return self.view.boxes[self.view.chosen]  # type: ignore[return-value]
