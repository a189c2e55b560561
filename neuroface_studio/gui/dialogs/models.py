"""The "Landmark models" dialog: what models this PC has, and getting, removing or activating them.

A thin view over :mod:`neuroface_studio.vision.registry` (the same functions as
``neuroface-studio models ...``). Fetching the FAN weights runs in the background with its
progress and Cancel in a jobs panel (gui/widgets/job_progress.py); failures (offline PCs) show the registry's message,
which says how to import the file copied by hand instead.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel,
                               QMessageBox, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from neuroface_studio.gui.widgets.job_progress import run_with_progress
from neuroface_studio.store.errors import StoreError
from neuroface_studio.vision import registry
from neuroface_studio.vision.errors import ModelUnavailableError

COLUMNS = ("Name", "Architecture", "Version", "Origin", "sha256", "Available", "Active")
_ERRORS = (StoreError, ValueError, ModelUnavailableError, OSError)


class ModelsDialog(QDialog):
    """Lists the landmark models; Import…, Fetch FAN, Remove, Set active."""

    def __init__(self, parent: QWidget | None = None, store_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.store_dir = store_dir
        self.rows: list[registry.ModelListing] = []
        self.job = None
        self.setWindowTitle("Landmark models")
        self.resize(980, 420)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.hint_label = QLabel()
        self.hint_label.setWordWrap(True)
        self.hint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint_label.setStyleSheet("QLabel { background: #fff8e1; color: #5d4037; padding: 8px; border-radius: 4px; }")

        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("Add FAN weights from a file (e.g. copied by hand onto an offline PC)")
        self.import_button.clicked.connect(self.choose_import)
        self.fetch_button = QPushButton("Fetch FAN")
        self.fetch_button.setToolTip("Download the official FAN weights once (needs the internet)")
        self.fetch_button.clicked.connect(self.fetch_fan)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.active_button = QPushButton("Set active")
        self.active_button.setToolTip("Use this model when landmarking")
        self.active_button.clicked.connect(self.activate_selected)
        buttons = QHBoxLayout()
        for b in (self.import_button, self.fetch_button, self.remove_button, self.active_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint_label)
        layout.addLayout(buttons)
        self.refresh()

    # -- view ---------------------------------------------------------------------------
    def refresh(self) -> None:
        try:
            self.rows = registry.list_models(self.store_dir)
        except _ERRORS as exc:
            self.rows = []
            QMessageBox.warning(self, "Landmark models", str(exc))
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            values = (row.name, row.architecture, row.version, row.origin, row.sha256[:12],
                      "yes" if row.available else "no", "✔" if row.active else "")
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                tip = row.problem or (f"sha256 {row.sha256}\n{row.file}" if row.sha256 else row.file)
                item.setToolTip(tip)
                if not row.available:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        missing = [row for row in self.rows if row.name == registry.FAN_NAME and not row.available]
        self.hint_label.setText(
            f"<b>FAN is not installed.</b> Click <i>Fetch FAN</i> to download it (needs the internet), or copy "
            f"<code>{registry.FAN_OFFICIAL_FILE}</code> (from {registry.FAN_OFFICIAL_URL}) onto this PC and "
            "click <i>Import…</i>." if missing else "")
        self.hint_label.setVisible(bool(missing))
        self._update_buttons()

    def model_names(self) -> list[str]:
        return [row.name for row in self.rows]

    def selected(self) -> registry.ModelListing | None:
        r = self.table.currentRow()
        return self.rows[r] if 0 <= r < len(self.rows) and self.table.selectedItems() else None

    def select(self, name: str) -> None:
        if name in self.model_names():
            self.table.selectRow(self.model_names().index(name))

    def _update_buttons(self) -> None:
        row = self.selected()
        self.remove_button.setEnabled(bool(row and not row.builtin and row.sha256))
        self.active_button.setEnabled(bool(row and row.available and not row.active))
        self.fetch_button.setEnabled(self.job is None or self.job.done)

    # -- actions ------------------------------------------------------------------------
    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import FAN weights", "",
                                              "FAN weights (*.pth *.pth.tar *.pt *.tar);;All files (*)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path, name: str = registry.FAN_NAME) -> bool:
        try:
            registry.import_model(path, name, self.store_dir)
        except _ERRORS as exc:
            QMessageBox.warning(self, "Import model", f"{path.name} was not imported:\n\n{exc}")
            return False
        self.refresh()
        self.select(name)
        return True

    def fetch_fan(self) -> None:
        store = self.store_dir

        def job(progress, cancel):
            def bytes_progress(done, total):
                cancel.raise_if_cancelled()
                progress(done, total or 0, f"{done / 1e6:.1f} MB" + (f" of {total / 1e6:.1f} MB" if total else ""))
            return registry.fetch_model(registry.FAN_NAME, store_dir=store, progress=bytes_progress)

        def failed(message: str) -> None:
            self.refresh()
            QMessageBox.warning(self, "Fetch FAN", f"The FAN weights could not be fetched:\n\n{message}")

        self.job = run_with_progress(self, "Fetching the FAN weights", job,
                                     on_finished=lambda _row: self.refresh(), on_failed=failed,
                                     on_cancelled=self.refresh)
        self._update_buttons()

    def remove_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        answer = QMessageBox.question(self, "Remove model", f"Remove {row.name} and delete its weights file?")
        if answer == QMessageBox.StandardButton.Yes:
            self.remove(row.name)

    def remove(self, name: str) -> bool:
        try:
            registry.remove_model(name, self.store_dir)
        except _ERRORS as exc:
            QMessageBox.warning(self, "Remove model", str(exc))
            return False
        self.refresh()
        return True

    def activate_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.activate(row.name)

    def activate(self, name: str) -> bool:
        try:
            registry.set_active(name, self.store_dir)
        except _ERRORS as exc:
            QMessageBox.warning(self, "Set active model", str(exc))
            return False
        self.refresh()
        self.select(name)
        return True
