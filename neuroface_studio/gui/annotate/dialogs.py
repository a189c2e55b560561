"""Dialogs of the Annotate workspace, and the crash-recovery prompt for the annotation journal.

The dialogs only gather input (annotator ID, how many frames, export options, an import source
and its preview); the workspace (gui/annotate/workspace.py) makes the change through
app/annotation.py and app/annotation_io.py. :func:`offer_journal_recovery` and
:func:`forget_journal` are what the main window calls when a project is opened, or left
without saving.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QPushButton,
                               QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from neuroface_studio.app.annotation import check_annotator_id, discard_journal, has_journal, recover_journal
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.gui import settings as gui_settings
from neuroface_studio.store.journal import read_journal

_LAST_ANNOTATOR = "annotate/annotator"
_KNOWN_ANNOTATORS = "annotate/annotators"


# -- annotator ID, remembered in the app settings -------------------------------------------------
def remembered_annotators() -> tuple[str | None, list[str]]:
    """(last annotator ID used on this computer, every ID used here), from the app settings."""
    s = gui_settings.app_settings()
    last = s.value(_LAST_ANNOTATOR)
    known = s.value(_KNOWN_ANNOTATORS)
    known = [known] if isinstance(known, str) else [str(k) for k in (known or [])]
    return (str(last) if last else None), [k for k in known if k]


def remember_annotator(annotator_id: str) -> None:
    last, known = remembered_annotators()
    s = gui_settings.app_settings()
    s.setValue(_LAST_ANNOTATOR, annotator_id)
    s.setValue(_KNOWN_ANNOTATORS, [annotator_id] + [k for k in known if k != annotator_id][:19])


class AnnotatorDialog(QDialog):
    """Who is annotating: pick one of the project's annotators (or one used on this computer) or
    type a new ID (initials or a code)."""

    def __init__(self, project_annotators: list[str], current: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Annotator")
        last, known = remembered_annotators()
        self.combo = QComboBox()
        self.combo.setEditable(True)
        names = list(dict.fromkeys(list(project_annotators) + known))
        for name in names:
            tag = "in this project" if name in project_annotators else "used on this computer"
            self.combo.addItem(name, tag)
        self.combo.setCurrentText(current or last or "")  # never someone else's ID by default
        self.combo.lineEdit().setPlaceholderText("initials or a code, e.g. AB or rater2")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        text = QLabel("Your annotator ID. Your corrections are kept in your own layer; other annotators' "
                      "layers are never changed.<br><small>Existing annotators in this project: "
                      f"{', '.join(project_annotators) or 'none yet'}</small>")
        text.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.combo)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def annotator_id(self) -> str:
        return self.combo.currentText().strip()

    def accept(self) -> None:
        try:
            check_annotator_id(self.annotator_id())
        except ValueError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()


# -- choose frames ------------------------------------------------------------------------------
class ChooseFramesDialog(QDialog):
    """How many frames per recording, and which recordings."""

    def __init__(self, current_recording: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose frames to annotate")
        self.count = QSpinBox()
        self.count.setRange(1, 200)
        self.count.setValue(5)
        self.only_current = QCheckBox(f"Only {current_recording}" if current_recording
                                      else "Only the current recording")
        self.only_current.setEnabled(current_recording is not None)
        self.replace = QCheckBox("Replace the queue (otherwise the frames are added to it)")
        note = QLabel("Frames are spread over repetitions and expressions (shape clusters), peaks of movement, and "
                      "frames where the model is least sure. Recordings without landmarks are landmarked first.")
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Frames per recording:", self.count)
        form.addRow("", self.only_current)
        form.addRow("", self.replace)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)


# -- export ---------------------------------------------------------------------------------------
@dataclass
class ExportRequest:
    dest: Path
    fmt: str  # "pts" (a folder) or "csv" (a file)
    which: str  # "annotators", "consensus" or an annotator ID
    consented_only: bool = True


class ExportAnnotationsDialog(QDialog):
    """Format, which layer, destination; participants without consent to share are left out
    unless the box is ticked."""

    def __init__(self, annotators: list[str], default_dir: Path, parent: QWidget | None = None,
                 without_consent: list[str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export annotations")
        self.default_dir = Path(default_dir)
        self.fmt = QComboBox()
        self.fmt.addItem("iBUG .pts files (a folder, 1-based)", "pts")
        self.fmt.addItem("CSV (one file)", "csv")
        self.which = QComboBox()
        self.which.addItem("Every annotator (one folder each)", "annotators")
        self.which.addItem("Consensus (mean of the annotators)", "consensus")
        for a in annotators:
            self.which.addItem(f"Only {a}", a)
        self.dest = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.dest, 1)
        row.addWidget(browse)
        self.include_all = QCheckBox("Include participants without consent to share")
        self.include_all.setChecked(False)
        self.include_all.setToolTip("Only for use inside the lab: their annotations are left out by default")
        form = QFormLayout()
        form.addRow("Format:", self.fmt)
        form.addRow("Annotations:", self.which)
        form.addRow("Destination:", row)
        form.addRow("", self.include_all)
        if without_consent:
            note = QLabel("No consent to share (left out unless ticked): " + ", ".join(without_consent))
            note.setWordWrap(True)
            note.setStyleSheet("color: #6b4100;")
            form.addRow("", note)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.fmt.currentIndexChanged.connect(lambda _i: self._default_dest())
        self._default_dest()
        self.setMinimumWidth(560)

    def _default_dest(self) -> None:
        name = "annotations.csv" if self.fmt.currentData() == "csv" else "annotations_pts"
        current = self.dest.text().strip()
        if not current or Path(current).name in ("annotations.csv", "annotations_pts"):
            self.dest.setText(str(self.default_dir / name))

    def _browse(self) -> None:
        if self.fmt.currentData() == "csv":
            path, _ = QFileDialog.getSaveFileName(self, "Export annotations to", self.dest.text(), "CSV (*.csv)")
        else:
            path = QFileDialog.getExistingDirectory(self, "Export .pts files into", str(self.default_dir))
        if path:
            self.dest.setText(path)

    def request(self) -> ExportRequest:
        return ExportRequest(Path(self.dest.text().strip()), self.fmt.currentData(), self.which.currentData(),
                             not self.include_all.isChecked())

    def accept(self) -> None:
        if not self.dest.text().strip():
            self.error.setText("Choose a destination.")
            self.error.show()
            return
        super().accept()


# -- import ---------------------------------------------------------------------------------------
class ImportAnnotationsDialog(QDialog):
    """A folder of .pts files (or of annotator folders) or a CSV, an annotator ID, and a preview of
    what would be imported and what would be skipped, and why. Accepting imports :attr:`plan`."""

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.plan = None
        self.setWindowTitle("Import annotations")
        self.source = QLineEdit()
        self.source.setPlaceholderText("a folder of .pts files, a folder of annotator folders, or a .csv file")
        folder_button = QPushButton("Folder…")
        folder_button.clicked.connect(self._browse_folder)
        csv_button = QPushButton("CSV file…")
        csv_button.clicked.connect(self._browse_csv)
        row = QHBoxLayout()
        row.addWidget(self.source, 1)
        row.addWidget(folder_button)
        row.addWidget(csv_button)
        self.annotator = QLineEdit()
        self.annotator.setPlaceholderText("needed for a plain folder of .pts files")
        self.preview_button = QPushButton("Preview")
        self.preview_button.clicked.connect(self.preview)
        form = QFormLayout()
        form.addRow("Source:", row)
        form.addRow("Annotator ID:", self.annotator)
        form.addRow("", self.preview_button)
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setMaximumHeight(52)
        self.skipped = QTableWidget(0, 2)
        self.skipped.setHorizontalHeaderLabels(["Skipped file", "Why"])
        self.skipped.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.skipped.horizontalHeader().setStretchLastSection(True)
        self.skipped.verticalHeader().hide()
        self.skipped.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("Import")
        self.import_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.source.textChanged.connect(lambda _t: self._invalidate())
        self.annotator.textChanged.connect(lambda _t: self._invalidate())
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Preview:"))
        layout.addWidget(self.summary)
        layout.addWidget(self.skipped, 1)
        layout.addWidget(self.buttons)
        self.resize(720, 460)

    def _browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Import annotations from folder")
        if path:
            self.source.setText(path)
            self.preview()

    def _browse_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import annotations from CSV", "", "CSV (*.csv)")
        if path:
            self.source.setText(path)
            self.preview()

    def _invalidate(self) -> None:
        self.plan = None
        self.import_button.setEnabled(False)

    def set_source(self, source: Path, annotator: str = "") -> None:
        self.source.setText(str(source))
        self.annotator.setText(annotator)

    def preview(self) -> bool:
        """Read the source and show what would be imported; False (and why) when it cannot be read."""
        from neuroface_studio.app.annotation_io import plan_import
        from neuroface_studio.store.errors import StoreError
        self._invalidate()
        self.skipped.setRowCount(0)
        text = self.source.text().strip()
        if not text:
            self.summary.setPlainText("Choose a folder or a CSV file.")
            return False
        try:
            plan = plan_import(self.session, Path(text), self.annotator.text().strip() or None)
        except (ValueError, StoreError, OSError) as exc:
            self.summary.setPlainText(f"Cannot import: {exc}")
            return False
        self.plan = plan
        self.summary.setPlainText(plan.summary().splitlines()[0])
        self.skipped.setRowCount(len(plan.skipped))
        for r, (name, why) in enumerate(plan.skipped):
            self.skipped.setItem(r, 0, QTableWidgetItem(name))
            self.skipped.setItem(r, 1, QTableWidgetItem(why))
        self.import_button.setEnabled(bool(plan.items))
        return True


# -- the annotation journal (crash recovery) --------------------------------------------------------
def offer_journal_recovery(parent: QWidget | None, session: ProjectSession) -> dict | None:
    """When the project holds annotation edits that were never saved (the app was killed or
    crashed), ask whether to recover them. Returns recover_journal's result, or None."""
    if not has_journal(session):
        return None
    entries, damaged = read_journal(session.folder)
    # what the annotators did (a first edit also stores the model proposal it corrects: not counted)
    n = sum(1 for e in entries if (e.landmark_set.source.kind == "annotator" if e.op == "put"
                                   else "-model-" not in e.set_id))
    answer = QMessageBox.question(
        parent, "Unsaved annotation edits",
        f"Recover {n} unsaved annotation edit{'s' if n != 1 else ''} from the last session?\n\n"
        "NeuroFace Studio was not closed normally, and these landmark edits were not saved to the project. "
        "Recovering puts them back (the project is then unsaved); discarding deletes them for good."
        + (f"\n\n{damaged} damaged line(s) of the journal cannot be read and will be skipped." if damaged else ""),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard, QMessageBox.StandardButton.Yes)
    if answer == QMessageBox.StandardButton.Discard:  # only on an explicit Discard: losing work is worse
        discard_journal(session)
        return None
    result = recover_journal(session)
    result["annotation_edits"] = n  # what the prompt said (result["edits"] also counts stored proposals)
    return result


def forget_journal(session: ProjectSession | None) -> None:
    """The user left the project without saving (or with nothing unsaved): its journal is not
    needed any more."""
    if session is not None and has_journal(session):
        discard_journal(session)


def text_label(text: str, object_name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if object_name:
        label.setObjectName(object_name)
    return label
