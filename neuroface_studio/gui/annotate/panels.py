"""Side panels of the Annotate workspace: the frame queue with progress, the layer selector with the
inter-annotator agreement table, and the shortcut help.

Plain views: the workspace (gui/annotate/workspace.py) fills them from the project and listens to
their signals; they never touch the project themselves.
"""

from __future__ import annotations

import html
import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)

from neuroface_studio.analysis.agreement import AGREEMENT_GROUPS
from neuroface_studio.domain.annotations import QueueItem
from neuroface_studio.domain.frames import FRAME_NUMBERING

MINE, CONSENSUS, OTHER = "mine", "consensus", "annotator"
DONE_MARK = "✓"


def _item(text: str, tip: str = "", align_center: bool = False) -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    it.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if tip:
        it.setToolTip(tip)
    if align_center:
        it.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
    return it


def _table(columns: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    return table


class AnnotationQueuePanel(QWidget):
    """The queue of frames to annotate (✓ = done by the current annotator; "others" = how many
    other annotators did the frame), progress, and the buttons that fill the queue."""

    item_selected = Signal(object)  # QueueItem
    choose_requested = Signal()
    add_review_frame_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[QueueItem] = []
        self.table = _table(["Recording", "Frame", "Reason", "Me", "Others"])
        self.table.horizontalHeaderItem(1).setToolTip(FRAME_NUMBERING)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(self._on_current)
        self.choose_button = QPushButton("Choose frames…")
        self.choose_button.setToolTip("Pick the frames that teach the model most, per recording "
                                      "(runs in the background)")
        self.choose_button.clicked.connect(self.choose_requested)
        self.add_button = QPushButton("Add Review frame")
        self.add_button.setToolTip("Queue the frame shown in the Review workspace")
        self.add_button.clicked.connect(self.add_review_frame_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.add_button)
        self.empty_label = QLabel("The queue is empty. Choose frames to annotate, or add the frame shown in Review.")
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet("color: #666; padding: 8px;")
        self.progress_label = QLabel()
        self.progress_label.setObjectName("annotateProgress")
        self.progress_label.setWordWrap(True)
        self.progress_label.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        title = QLabel("Frames to annotate")
        title.setStyleSheet("font-weight: 600;")
        layout.addWidget(title)
        layout.addLayout(buttons)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        progress_box = QGroupBox("Progress")
        pl = QVBoxLayout(progress_box)
        pl.addWidget(self.progress_label)
        layout.addWidget(progress_box)

    def set_queue(self, items: list[QueueItem], done_by: dict, me: str | None, participants: dict,
                  current: QueueItem | None) -> None:
        """``done_by``: (recording, frame) -> set of annotators; ``participants``: recording -> participant."""
        self.items = list(items)
        self.table.blockSignals(True)
        self.table.setRowCount(len(items))
        for r, q in enumerate(items):
            who = done_by.get(q.key, set())
            others = sorted(who - {me})
            cells = [_item(q.recording_id, participants.get(q.recording_id, "")),
                     _item(str(q.frame_index), align_center=True),
                     _item(q.reason.split(" (")[0], q.reason),
                     _item(DONE_MARK if me in who else "", "you annotated this frame" if me in who else "",
                           align_center=True),
                     _item(str(len(others)) if others else "", ", ".join(others), align_center=True)]
            if me in who:
                cells[3].setForeground(QColor("#1b7f3b"))
            for c, cell in enumerate(cells):
                self.table.setItem(r, c, cell)
        self.select(current)
        self.table.blockSignals(False)
        self.empty_label.setVisible(not items)
        self._set_progress(items, done_by, me, participants)

    def _set_progress(self, items, done_by, me, participants) -> None:
        if not items:
            self.progress_label.setText("<span style='color:#666'>nothing queued</span>")
            return
        n = len(items)
        annotators = sorted(set().union(*[done_by.get(q.key, set()) for q in items]) | ({me} if me else set()))
        per_participant: dict[str, list[int]] = {}
        for q in items:
            d = per_participant.setdefault(participants.get(q.recording_id, "?"), [0, 0])
            d[1] += 1
            d[0] += me in done_by.get(q.key, set())
        rows = [f"<tr><td colspan=2><b>Per annotator</b> (of {n} queued)</td></tr>"]
        rows += [f"<tr><td>{a}{' (you)' if a == me else ''}</td><td align=right>"
                 f"{sum(a in done_by.get(q.key, set()) for q in items)}/{n}</td></tr>" for a in annotators]
        rows.append("<tr><td colspan=2><b>Per participant</b> (you)</td></tr>")
        rows += [f"<tr><td>{pid}</td><td align=right>{done}/{total}</td></tr>"
                 for pid, (done, total) in sorted(per_participant.items())]
        self.progress_label.setText("<table width=100% cellspacing=2>" + "".join(rows) + "</table>")

    def select(self, item: QueueItem | None) -> None:
        """Highlight ``item``'s row (no signal)."""
        row = self.items.index(item) if item in self.items else -1
        blocked = self.table.blockSignals(True)
        if row >= 0:
            self.table.setCurrentCell(row, 0)
            self.table.scrollToItem(self.table.item(row, 0))
        else:
            self.table.clearSelection()
            self.table.setCurrentCell(-1, -1)
        self.table.blockSignals(blocked)

    def _on_current(self, row: int, _col: int, old_row: int, _old_col: int) -> None:
        if row != old_row and 0 <= row < len(self.items):
            self.item_selected.emit(self.items[row])


class LayerPanel(QWidget):
    """Which layer the editor shows (mine: editable; consensus or another annotator: read-only),
    and the inter-annotator agreement (NRMSE %, interocular-normalised) per point group."""

    layer_changed = Signal(str, str)  # kind (mine / consensus / annotator), annotator ID ("" unless annotator)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setToolTip("Only your own layer can be edited; the others are shown read-only")
        self.combo.currentIndexChanged.connect(self._on_changed)
        self.table = _table(["Group"])
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.pair_columns: list[str] = []
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #555;")
        layer_box = QGroupBox("Layer shown")
        ll = QVBoxLayout(layer_box)
        ll.addWidget(self.combo)
        agree_box = QGroupBox("Inter-annotator agreement (NRMSE %)")
        al = QVBoxLayout(agree_box)
        al.addWidget(self.table)
        al.addWidget(self.caption)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(layer_box)
        layout.addWidget(agree_box)
        layout.addStretch(1)

    def set_layers(self, me: str | None, on_frame: list[str], everyone: list[str], keep: tuple[str, str]) -> None:
        """``on_frame``: annotators with landmarks on this frame; ``everyone``: all of the project's;
        ``keep``: the layer to keep selected when it is still offered (no signal)."""
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(f"My layer ({me}) — editable" if me else "My layer — editable", (MINE, ""))
        n = len(on_frame)
        self.combo.addItem(f"Consensus of {n} annotator{'s' if n != 1 else ''} — read-only", (CONSENSUS, ""))
        for a in everyone:
            if a != me:
                self.combo.addItem(f"{a} — read-only" + ("" if a in on_frame else " (nothing on this frame)"),
                                   (OTHER, a))
        index = next((i for i in range(self.combo.count()) if self.combo.itemData(i) == keep), 0)
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)

    def layer(self) -> tuple[str, str]:
        data = self.combo.currentData()
        return tuple(data) if data else (MINE, "")

    def select_layer(self, kind: str, annotator: str = "") -> None:
        for i in range(self.combo.count()):
            if tuple(self.combo.itemData(i)) == (kind, annotator):
                self.combo.setCurrentIndex(i)
                return
        raise ValueError(f"no layer {kind} {annotator}".strip())

    def _on_changed(self, _index: int) -> None:
        self.layer_changed.emit(*self.layer())

    def set_agreement(self, agree: dict) -> None:
        """``agree``: app.annotation.inter_annotator_agreement's result."""
        pairs = sorted(p for p, v in agree.get("pairs", {}).items() if v["frames"])  # pairs sharing frames
        self.pair_columns = pairs if len(pairs) > 1 else []  # column 2 + k: pair k ("a~b")
        columns = ["Group", "All pairs"] + self.pair_columns
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels(columns[:2] + [p.replace("~", "\n~ ") for p in self.pair_columns])
        self.table.setRowCount(len(AGREEMENT_GROUPS))
        for r, g in enumerate(AGREEMENT_GROUPS):
            values = [agree.get("nrmse", {}).get(g, math.nan)]
            values += [agree["pairs"][p]["nrmse"].get(g, math.nan) for p in columns[2:]]
            self.table.setItem(r, 0, _item(g))
            for c, v in enumerate(values, start=1):
                self.table.setItem(r, c, _item("—" if not math.isfinite(v) else f"{100 * v:.2f}",
                                               align_center=True))
        self.table.resizeRowsToContents()
        h = self.table.horizontalHeader().height() + sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        self.table.setFixedHeight(h + 2 * self.table.frameWidth())
        names = agree.get("annotators", [])
        if not pairs:
            self.caption.setText("Needs two annotators on the same frames.")
        else:
            self.caption.setText(f"{len(names)} annotators ({', '.join(names)}); % of the interocular distance, "
                                 "lower is better. Frames both annotated: "
                                 + ", ".join(f"{p} {agree['pairs'][p]['frames']}" for p in pairs))

    def agreement_value(self, group: str, column: int = 1) -> str:
        return self.table.item(list(AGREEMENT_GROUPS).index(group), column).text()


class ShortcutHelpPanel(QWidget):
    """Every shortcut of the workspace and the editor (the key in bold, what it does under it)."""

    def __init__(self, shortcuts: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)
        self.set_shortcuts(shortcuts)

    def set_shortcuts(self, shortcuts: list[tuple[str, str]]) -> None:
        self.shortcuts = list(shortcuts)
        self.browser.setHtml("".join(f"<p style='margin:0 0 6px 0'><b>{html.escape(k)}</b><br>"
                                     f"<span style='color:#444'>{html.escape(t)}</span></p>" for k, t in shortcuts))
