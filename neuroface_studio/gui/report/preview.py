"""A PDF preview for the Report workspace: every page rendered to an image, in a scroll area.

PySide6-Essentials has no QtPdf module (it ships with the much larger PySide6-Addons), so pages are
rendered with PDFium through ``pypdfium2`` (imported lazily) and shown as pixmaps. The document is
read from bytes held in memory and opened only while pages are drawn: no file or document stays
open. Zoom: fit width (default) or a fixed scale of the page's printed size at 96 dpi; pages are
re-rendered at the shown size, so text stays sharp. Previous/next page scroll to the page.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout,
                               QWidget)

POINTS_PER_INCH = 72.0
SCREEN_DPI = 96.0
FIT_WIDTH = 0.0  # zoom value of "Fit width"
ZOOMS = ((FIT_WIDTH, "Fit width"), (0.5, "50%"), (0.75, "75%"), (1.0, "100%"), (1.5, "150%"), (2.0, "200%"))
PAGE_GAP = 14  # px between pages
MAX_PAGE_WIDTH = 4000  # px: a bound on the rendered width, whatever the zoom and window


class PdfPages:
    """A PDF held in memory (its bytes); ``render(widths_px)`` draws its pages as QImages."""

    def __init__(self, pdf: bytes) -> None:
        self.pdf = pdf
        with self._open() as doc:  # raises PdfiumError on a damaged file
            self.sizes_pt: list[tuple[float, float]] = [tuple(doc[k].get_size()) for k in range(len(doc))]

    def _open(self):
        import pypdfium2 as pdfium
        return pdfium.PdfDocument(self.pdf)

    def __len__(self) -> int:
        return len(self.sizes_pt)

    def render(self, widths_px: list[int]) -> list[QImage]:
        """Page k drawn ``widths_px[k]`` wide (height from the page's aspect), on white."""
        with self._open() as doc:
            return [_image(doc[k], self.sizes_pt[k][0], w) for k, w in enumerate(widths_px)]


def _image(page, width_pt: float, width_px: int) -> QImage:
    scale = max(1, min(int(width_px), MAX_PAGE_WIDTH)) / width_pt
    array = page.render(scale=scale, fill_color=(255, 255, 255, 255), rev_byteorder=True).to_numpy()  # (H, W, 3) RGB
    h, w = array.shape[:2]
    channels = array.shape[2] if array.ndim == 3 else 1
    fmt = {3: QImage.Format.Format_RGB888, 4: QImage.Format.Format_RGBA8888}.get(channels,
                                                                              QImage.Format.Format_Grayscale8)
    return QImage(array.tobytes(), w, h, w * channels, fmt).copy()  # copy: own the pixels


class PdfPreviewWidget(QWidget):
    """Shows a PDF's pages stacked vertically, with page navigation and zoom.

    ``load(pdf_bytes)`` shows a document, ``clear(text)`` shows ``text`` in its place.
    ``page_changed(k, n)`` follows the page at the top of the view (0-based k).
    """

    page_changed = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pages: PdfPages | None = None
        self.page_labels: list[QLabel] = []
        self.current_page = 0
        self._rendered_width: int | None = None

        self.prev_button = QPushButton("◀ Previous")
        self.next_button = QPushButton("Next ▶")
        self.prev_button.clicked.connect(lambda: self.go_to_page(self.current_page - 1))
        self.next_button.clicked.connect(lambda: self.go_to_page(self.current_page + 1))
        self.page_label = QLabel()
        self.zoom_combo = QComboBox()
        for value, text in ZOOMS:
            self.zoom_combo.addItem(text, value)
        self.zoom_combo.currentIndexChanged.connect(lambda _i: self._render(force=True))
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 4)
        bar.addWidget(self.prev_button)
        bar.addWidget(self.next_button)
        bar.addWidget(self.page_label)
        bar.addStretch(1)
        bar.addWidget(QLabel("Zoom"))
        bar.addWidget(self.zoom_combo)

        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("QLabel { color: #5b6675; font-size: 11pt; padding: 40px; }")
        self.sheet = QWidget()
        self.sheet.setObjectName("pdfSheet")
        self.sheet.setStyleSheet("QWidget#pdfSheet { background: #8a929c; }")
        self.sheet_layout = QVBoxLayout(self.sheet)
        self.sheet_layout.setContentsMargins(PAGE_GAP, PAGE_GAP, PAGE_GAP, PAGE_GAP)
        self.sheet_layout.setSpacing(PAGE_GAP)
        self.sheet_layout.addWidget(self.placeholder)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.sheet)
        self.scroll.verticalScrollBar().valueChanged.connect(lambda _v: self._track_page())
        self.scroll.verticalScrollBar().rangeChanged.connect(self._on_range_changed)
        self._keep_where: float | None = None  # place in the document (0-1) to keep across a re-render
        self._resize_timer = QTimer(self)  # a window being resized redraws the pages once it pauses
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(120)
        self._resize_timer.timeout.connect(self._render)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.scroll, 1)
        self.clear("")

    # -- content --------------------------------------------------------------------------
    @property
    def page_count(self) -> int:
        return len(self.pages) if self.pages is not None else 0

    def load(self, pdf: bytes) -> None:
        """Show the PDF ``pdf`` (its bytes) from its first page. Raises ValueError on an unreadable file."""
        try:
            pages = PdfPages(pdf)
        except Exception as exc:  # noqa: BLE001 - pypdfium2's PdfiumError: a damaged or empty file
            raise ValueError(f"the PDF cannot be shown: {exc}") from exc
        self._drop_pages()
        self.pages = pages
        self.placeholder.setVisible(False)
        for _ in range(len(pages)):
            label = QLabel()
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            label.setStyleSheet("QLabel { background: white; }")
            self.page_labels.append(label)
            self.sheet_layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
        self.sheet_layout.addStretch(1)
        self.scroll.verticalScrollBar().setValue(0)
        self._render(force=True)
        self._set_page(0)

    def clear(self, text: str) -> None:
        """No document; ``text`` where the pages were."""
        self._drop_pages()
        self.placeholder.setText(text)
        self.placeholder.setVisible(True)
        self._set_page(0)

    def _drop_pages(self) -> None:
        for label in self.page_labels:
            self.sheet_layout.removeWidget(label)
            label.deleteLater()
        self.page_labels = []
        while self.sheet_layout.count() > 1:  # the stretch after the pages
            self.sheet_layout.takeAt(self.sheet_layout.count() - 1)
        self.pages = None
        self._rendered_width = self._keep_where = None

    def page_image(self, k: int) -> QImage:
        """The image shown for page ``k``."""
        return self.page_labels[k].pixmap().toImage()

    # -- zoom and navigation ---------------------------------------------------------------------
    def zoom(self) -> float:
        return float(self.zoom_combo.currentData())

    def set_zoom(self, value: float) -> None:
        self.zoom_combo.setCurrentIndex(max(self.zoom_combo.findData(value), 0))

    def _page_width(self, k: int) -> int:
        if self.zoom() == FIT_WIDTH:  # room left of the vertical scroll bar (long pages need it): no horizontal one
            room = self.scroll.width() - 2 * self.scroll.frameWidth() - self.scroll.verticalScrollBar().sizeHint().width()
            return max(200, room - 2 * PAGE_GAP)
        return int(round(self.pages.sizes_pt[k][0] / POINTS_PER_INCH * SCREEN_DPI * self.zoom()))

    def _render(self, force: bool = False) -> None:
        if self.pages is None:
            return
        width = self._page_width(0)
        if not force and width == self._rendered_width:
            return
        self._rendered_width = width
        bar = self.scroll.verticalScrollBar()
        where = bar.value() / bar.maximum() if bar.maximum() > 0 else 0.0  # kept: the same place in the document
        ratio = self.devicePixelRatioF()
        images = self.pages.render([int(self._page_width(k) * ratio) for k in range(len(self.pages))])
        for label, image in zip(self.page_labels, images):
            image.setDevicePixelRatio(ratio)
            label.setPixmap(QPixmap.fromImage(image))
            label.setFixedSize(QSize(image.width(), image.height()) / ratio)
        self._keep_where = where  # applied when the scroll range follows the new page sizes

    def go_to_page(self, k: int) -> None:
        if not self.page_labels:
            return
        k = max(0, min(k, len(self.page_labels) - 1))
        self.scroll.verticalScrollBar().setValue(self.page_labels[k].y() - PAGE_GAP)
        self._set_page(k)

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._keep_where is not None:
            where, self._keep_where = self._keep_where, None
            self.scroll.verticalScrollBar().setValue(round(where * maximum))
        self._track_page()

    def _track_page(self) -> None:
        if not self.page_labels:
            return
        middle = self.scroll.verticalScrollBar().value() + self.scroll.viewport().height() // 3
        k = max((i for i, label in enumerate(self.page_labels) if label.y() <= middle), default=0)
        if k != self.current_page:
            self._set_page(k)

    def _set_page(self, k: int) -> None:
        self.current_page = k
        n = self.page_count
        self.page_label.setText(f"Page {k + 1} of {n}" if n else "")
        self.prev_button.setEnabled(n > 0 and k > 0)
        self.next_button.setEnabled(n > 0 and k < n - 1)
        self.zoom_combo.setEnabled(n > 0)
        self.page_changed.emit(k, n)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self.zoom() == FIT_WIDTH and self.pages is not None:
            self._resize_timer.start()
