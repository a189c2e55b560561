"""A workspace page that runs one background job at a time, and the helpers such pages share:
the message label, "save as" for exports, the skipped-recordings summary, the model and task
choices of a project."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QWidget

from neuroface_studio.app.landmarking import tracks_of
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.gui.widgets.job_progress import run_with_progress
from neuroface_studio.gui.widgets.messages import DONE_STYLE, ERROR_STYLE, INFO_STYLE, show_message

AUTOMATIC = "Automatic"  # short, so that the combo box shows it whole (issue 18); what it means is its tooltip
AUTOMATIC_TIP = "Automatic: the active model's track, else any track, else the simulated truth"


def new_message_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setVisible(False)
    return label


def ask_export(page: QWidget, session: ProjectSession | None, label: QLabel, title: str, filters: str,
               export: Callable[[Path], object], default: str) -> None:
    """Ask for a file name, run ``export(path)``; the files written (or the error) shown in ``label``."""
    start = str(session.folder / default) if session is not None else default
    path, chosen = QFileDialog.getSaveFileName(page, title, start, filters)
    if not path:
        return
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".svg" if "SVG" in chosen else Path(default).suffix)
    try:
        written = export(path)
    except (OSError, ValueError) as exc:
        show_message(label, f"Could not save {path.name}: {exc}", ERROR_STYLE)
        return
    files = written if isinstance(written, list) else [path]
    show_message(label, "Saved " + ", ".join(str(f) for f in files), DONE_STYLE)


def skip_summary(skipped: dict[str, str], shown: int = 4) -> str:
    """The recordings skipped, grouped by reason: "3 skipped (A, B, C): why." per reason."""
    by: dict[str, list[str]] = {}
    for rid, why in sorted(skipped.items()):
        by.setdefault(why, []).append(rid)
    return " ".join(f"{len(ids)} recording(s) skipped ({', '.join(ids[:shown])}{', …' if len(ids) > shown else ''}): "
                    f"{why}." for why, ids in by.items())


def fill_models(combo: QComboBox, models: list[str], first: str) -> None:
    """``first`` (data None) then ``models``; the current choice kept when still there. A long
    first item must not widen the row."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(16)
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(first, None)
    combo.setItemData(0, AUTOMATIC_TIP if first == AUTOMATIC else first, Qt.ItemDataRole.ToolTipRole)
    for name in models:
        combo.addItem(name, name)
    k = combo.findData(current)
    combo.setCurrentIndex(max(k, 0))
    combo.blockSignals(False)


def project_tracks(session: ProjectSession | None) -> list[str]:
    """Models with a landmark track on at least one recording of the project."""
    if session is None:
        return []
    return sorted({name for rid in session.project.recordings for name in tracks_of(session, rid)})


def project_tasks(session: ProjectSession | None) -> list[str]:
    return sorted({r.task_code for r in session.project.recordings.values()}) if session else []


def contrasts(session: ProjectSession | None) -> list[tuple[str, str]]:
    """HC vs each other group present, then any other pair of groups present."""
    if session is None:
        return []
    groups = sorted({p.group.value for p in session.project.participants.values()}, key=lambda g: (g != "HC", g))
    return [(a, b) for i, a in enumerate(groups) for b in groups[i + 1:]]


class JobPage(QWidget):
    """A page that runs one background job at a time (progress and Cancel in the jobs panel, tracked for close)."""

    stopped = Signal(str)  # failure or cancel message

    def __init__(self, parent: QWidget | None, track_job: Callable[[object], object] | None) -> None:
        super().__init__(parent)
        self.session: ProjectSession | None = None
        self.track_job = track_job
        self.worker = None

    @property
    def running(self) -> bool:
        return self.worker is not None and not self.worker.done

    def _update_buttons(self) -> None:  # pages enable/disable their controls
        pass

    def _start(self, title: str, what: str, job, finished) -> None:
        """Run ``job`` in the background; ``what`` names it in the cancel/failure message."""
        self.worker = run_with_progress(self, title, job, on_finished=finished,
                                        on_cancelled=lambda: self._stopped(f"{what} cancelled."),
                                        on_failed=lambda m: self._stopped(f"{what} failed: {m}", True))
        if self.track_job is not None:
            self.track_job(self.worker)
        self._update_buttons()

    def _stopped(self, text: str, error: bool = False) -> None:
        self.worker = None
        show_message(self.message_label, text, ERROR_STYLE if error else INFO_STYLE)
        self._update_buttons()
        self.stopped.emit(text)
