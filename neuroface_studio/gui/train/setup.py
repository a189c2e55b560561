"""The Train workspace's left column: which base model, which data, and a few settings.

A thin view over app/finetune.py: the base models are the registry's available FAN models
(default: :func:`~neuroface_studio.app.finetune.base_model_name`), the data choices map to a
:class:`~neuroface_studio.app.finetune.DataChoice`, and the plan shown under them comes from
the same :func:`collect_frames` and :func:`split_participants` that training uses, so what the
panel says is what will run. Settings live under an "Advanced" expander; their defaults are
the engine's (``FinetuneConfig``, checked by tests/gui/test_gui_train.py), so one click on
Start works. When no FAN is installed the panel says so and offers the Landmark models dialog.

No torch here: the settings are a plain dict, turned into a ``FinetuneConfig`` on the worker
thread (gui/train/workspace.py).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QPushButton, QSpinBox,
                               QToolButton, QVBoxLayout, QWidget)

from neuroface_studio.app.finetune import DataChoice, base_model_name, collect_frames, split_participants
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.gui.train.estimate_view import TrainEstimateView
from neuroface_studio.store.errors import StoreError
from neuroface_studio.vision import registry
from neuroface_studio.vision.errors import ModelUnavailableError

# FinetuneConfig's defaults (training/engine.py imports torch, so they are repeated here; a test checks)
DEFAULTS = {"epochs": 6, "lr": 1e-4, "batch_size": 8, "regularizer": None, "reg_lambda": 0.002,
            "augment_copies": 2}
TRUTH_FRAMES_DEFAULT = DataChoice().truth_frames
LEARNING_RATES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3)
REGULARIZERS = {  # training/losses.py REGULARIZERS (SCIENCE.md: regularized transfer learning)
    None: ("None", "Plain fine-tuning of the last hourglass"),
    "sam": ("SAM", "Spatial attention maps kept close to the original model's"),
    "cam": ("CAM", "Channel attention kept close to the original model's"),
    "eo": ("EO", "Encoder output kept close to the original model's"),
    "co": ("CO", "Heatmaps (classifier output) kept close to the original model's"),
}
_ERRORS = (StoreError, ValueError, ModelUnavailableError, OSError)
NOTE_STYLE = "QLabel { background: #fff8e1; color: #5d4037; padding: 8px; border-radius: 4px; }"


class TrainSetupPanel(QWidget):
    """Base model, data and settings; :meth:`plan_ok` says whether Start can run."""

    changed = Signal()  # the choice or the plan changed

    def __init__(self, parent: QWidget | None = None, store_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.store_dir = store_dir
        self.session: ProjectSession | None = None
        self.plan_ok = False
        self.plan_text = ""
        self._build()

    # -- layout -----------------------------------------------------------------------
    def _build(self) -> None:
        self.base_combo = QComboBox()
        self.base_combo.setToolTip("The FAN model to start from (Tools → Landmark models… lists them all)")
        self.base_combo.currentIndexChanged.connect(lambda _i: (self.changed.emit(), self._update_estimate()))
        self.no_fan_label = QLabel()
        self.no_fan_label.setWordWrap(True)
        self.no_fan_label.setStyleSheet(NOTE_STYLE)
        self.no_fan_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.models_button = QPushButton("Landmark models…")
        self.models_button.setToolTip("Fetch or import the FAN weights (same as Tools → Landmark models…)")
        self.models_button.clicked.connect(self.show_models)
        base_box = QGroupBox("Base model")
        base_layout = QVBoxLayout(base_box)
        for w in (self.base_combo, self.no_fan_label, self.models_button):
            base_layout.addWidget(w)

        self.data_combo = QComboBox()
        self.data_combo.currentIndexChanged.connect(lambda _i: self.update_plan())
        self.plan_label = QLabel()
        self.plan_label.setWordWrap(True)
        self.plan_label.setTextFormat(Qt.TextFormat.RichText)
        self.plan_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        data_box = QGroupBox("Data")
        data_layout = QVBoxLayout(data_box)
        data_layout.addWidget(self.data_combo)
        data_layout.addWidget(self.plan_label)
        self.estimate_view = TrainEstimateView(self, self.store_dir)  # time on this PC, before Start
        data_layout.addWidget(self.estimate_view)
        self._counts: tuple[int, int] | None = None

        self.advanced_button = QToolButton()
        self.advanced_button.setText("Advanced")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_button.setStyleSheet("QToolButton { border: none; font-weight: 600; }")
        self.advanced_button.toggled.connect(self._toggle_advanced)
        self.advanced = QWidget()
        form = QFormLayout(self.advanced)
        form.setContentsMargins(16, 0, 0, 0)
        self.epochs_spin = _spin(1, 500, DEFAULTS["epochs"], "Passes over the training frames (it stops earlier when "
                                 "validation NRMSE has not improved for 3 epochs)")
        self.lr_combo = QComboBox()
        for lr in LEARNING_RATES:
            self.lr_combo.addItem(f"{lr:g}", lr)
        self.lr_combo.setCurrentIndex(LEARNING_RATES.index(DEFAULTS["lr"]))
        self.lr_combo.setToolTip("Adam learning rate; lower it if the loss becomes NaN")
        self.batch_spin = _spin(1, 64, DEFAULTS["batch_size"], "Images per step")
        self.reg_combo = QComboBox()
        for key, (text, tip) in REGULARIZERS.items():
            self.reg_combo.addItem(text, key)
            self.reg_combo.setItemData(self.reg_combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.reg_combo.setToolTip("Regularized transfer learning: keep the model close to the original one")
        self.lambda_spin = QDoubleSpinBox()
        self.lambda_spin.setDecimals(4)
        self.lambda_spin.setRange(0.0001, 1.0)
        self.lambda_spin.setSingleStep(0.001)
        self.lambda_spin.setValue(DEFAULTS["reg_lambda"])
        self.lambda_spin.setToolTip("Weight of the regularizer")
        self.reg_combo.currentIndexChanged.connect(lambda _i: self.lambda_spin.setEnabled(self.reg_combo.currentData()
                                                                                          is not None))
        self.lambda_spin.setEnabled(False)
        self.copies_spin = _spin(1, 16, DEFAULTS["augment_copies"], "Augmented versions of every training image "
                                 "(scale, rotation, shift, colour, mirror), the first being the image itself")
        self.truth_spin = _spin(1, 200, TRUTH_FRAMES_DEFAULT, "Frames per recording when training on simulated "
                                "ground truth")
        self.truth_spin.valueChanged.connect(lambda _v: self.update_plan())
        for spin in (self.epochs_spin, self.batch_spin, self.copies_spin):
            spin.valueChanged.connect(lambda _v: self._update_estimate())
        form.addRow("Epochs (at most)", self.epochs_spin)
        form.addRow("Learning rate", self.lr_combo)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Regularizer", self.reg_combo)
        form.addRow("λ", self.lambda_spin)
        form.addRow("Augmented copies", self.copies_spin)
        form.addRow("Truth frames / recording", self.truth_spin)
        self.advanced.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(base_box)
        layout.addWidget(data_box)
        layout.addWidget(self.advanced_button)
        layout.addWidget(self.advanced)

    def _toggle_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    # -- state ------------------------------------------------------------------------
    def set_session(self, session: ProjectSession | None) -> None:
        self.session = session
        self.refresh()

    def refresh(self) -> None:
        """Re-read the registry and the project (models or annotations may have changed)."""
        self._fill_models()
        self._fill_data()
        self.update_plan()

    def _fill_models(self) -> None:
        current = self.base_combo.currentData()
        self.base_combo.blockSignals(True)
        self.base_combo.clear()
        problem = ""
        try:
            rows = [r for r in registry.list_models(self.store_dir) if r.architecture.startswith("FAN")]
            default = base_model_name(None, self.store_dir) if any(r.available for r in rows) else None
        except _ERRORS as exc:
            rows, default, problem = [], None, str(exc)
        for r in rows:
            if r.available:
                tags = [r.architecture] + (["active"] if r.active else [])
                self.base_combo.addItem(f"{r.name}  ({', '.join(tags)})", r.name)
        names = [self.base_combo.itemData(i) for i in range(self.base_combo.count())]
        pick = current if current in names else default
        if pick in names:
            self.base_combo.setCurrentIndex(names.index(pick))
        self.base_combo.blockSignals(False)
        has_fan = bool(names)
        if not has_fan:
            fan = next((r for r in rows if r.name == registry.FAN_NAME), None)
            if not registry.fan_supported():
                problem = problem or "this installation cannot train FAN models (torch is missing)"
            self.no_fan_label.setText(
                "<b>Fine-tuning needs a FAN model, and none is installed.</b><br>Open <i>Landmark models…</i> "
                "(also in Tools) to fetch the official FAN weights, or import the file copied onto this PC."
                + (f"<br><br>{problem}" if problem else "")
                + (f"<br><br><small>{fan.problem}</small>" if fan is not None and fan.problem else ""))
        self.base_combo.setVisible(has_fan)
        self.no_fan_label.setVisible(not has_fan)
        self.models_button.setVisible(not has_fan)

    def _fill_data(self) -> None:
        current = self.data_combo.currentData()
        self.data_combo.blockSignals(True)
        self.data_combo.clear()
        self.data_combo.addItem("Automatic (corrected frames first)", ("auto", None))
        self.data_combo.setItemData(0, "The corrected frames (consensus of all annotators); in a simulated project "
                                    "without corrections, frames with simulated ground truth",
                                    Qt.ItemDataRole.ToolTipRole)
        project = self.session.project if self.session else None
        if project is not None:
            counts: dict[str, set] = {}
            for s in project.landmark_sets.values():
                if s.source.kind == "annotator":
                    counts.setdefault(s.source.annotator_id, set()).add((s.recording_id, s.frame_index))
            frames = set().union(*counts.values()) if counts else set()
            self.data_combo.addItem(f"Corrected frames, consensus ({len(frames)})", ("annotations", None))
            self.data_combo.setItemData(self.data_combo.count() - 1, "The consensus of all annotators on each "
                                        "corrected frame", Qt.ItemDataRole.ToolTipRole)
            for who in sorted(counts):
                self.data_combo.addItem(f"Corrected frames of {who} ({len(counts[who])})", ("annotations", who))
            if any(r.truth_file for r in project.recordings.values()):
                self.data_combo.addItem("Simulated ground truth", ("truth", None))
        choices = [self.data_combo.itemData(i) for i in range(self.data_combo.count())]
        self.data_combo.setCurrentIndex(choices.index(current) if current in choices else 0)
        self.data_combo.blockSignals(False)

    # -- what Start runs ----------------------------------------------------------------
    def base_model(self) -> str | None:
        return self.base_combo.currentData() if self.base_combo.count() else None

    def data_choice(self) -> DataChoice:
        source, annotator = self.data_combo.currentData() or ("auto", None)
        return DataChoice(source=source, annotator=annotator, truth_frames=self.truth_spin.value())

    def settings(self) -> dict:
        """Keyword arguments for ``FinetuneConfig``."""
        return {"epochs": self.epochs_spin.value(), "lr": float(self.lr_combo.currentData()),
                "batch_size": self.batch_spin.value(), "regularizer": self.reg_combo.currentData(),
                "reg_lambda": self.lambda_spin.value(), "augment_copies": self.copies_spin.value()}

    def apply_settings(self, **settings) -> None:
        """Set the Advanced fields (``truth_frames`` too); for scripts and tests."""
        spins = {"epochs": self.epochs_spin, "batch_size": self.batch_spin, "reg_lambda": self.lambda_spin,
                 "augment_copies": self.copies_spin, "truth_frames": self.truth_spin}
        for key, value in settings.items():
            if key in spins:
                spins[key].setValue(value)
            elif key == "lr":
                self.lr_combo.setCurrentIndex(self.lr_combo.findData(value))
            elif key == "regularizer":
                self.reg_combo.setCurrentIndex(self.reg_combo.findData(value))
            else:
                raise KeyError(f"no setting {key!r}")

    def select_data(self, source: str, annotator: str | None = None) -> None:
        for i in range(self.data_combo.count()):
            if self.data_combo.itemData(i) == (source, annotator):
                self.data_combo.setCurrentIndex(i)
                return
        raise KeyError(f"no data choice {(source, annotator)}")

    def update_plan(self) -> None:
        """Describe the frames, participants and groups Start would use (or why it cannot start)."""
        self.plan_ok, self.plan_text = self._plan()
        color = "#333" if self.plan_ok else "#a33"
        self.plan_label.setText(f"<span style='color:{color}'>{self.plan_text}</span>")
        self._update_estimate()
        self.changed.emit()

    def _update_estimate(self) -> None:
        """The fine-tune's time on this PC for the chosen model, data size and settings (app/train_estimate.py)."""
        n_train, n_val = self._counts or (0, 0)
        self.estimate_view.show_for(self.base_model() if self.plan_ok and self._counts else None, n_train, n_val,
                                    self.settings())

    def _plan(self) -> tuple[bool, str]:
        self._counts = None
        if self.session is None:
            return False, "Open a project first."
        choice = self.data_choice()
        try:
            frames, described = collect_frames(self.session, choice)
        except _ERRORS as exc:
            return False, _capital(str(exc)) + "."
        project = self.session.project
        groups = {}
        frames_of: dict[str, int] = {}
        for rid, *_ in frames:
            p = project.participant_of(rid)
            groups[p.id] = p.group.value
            frames_of[p.id] = frames_of.get(p.id, 0) + 1
        train, val = split_participants(groups, choice.val_fraction, choice.seed)
        per_group = ", ".join(f"{g} {n}" for g, n in _count(groups.values()))
        head = f"<b>{_capital(described)}</b> of {len(groups)} participant(s) ({per_group})."
        if not val:
            return False, head + "<br>Fine-tuning needs at least 2 participants, so that validation uses people " \
                                 "the model was not trained on."
        n_train, n_val = sum(frames_of[p] for p in train), sum(frames_of[p] for p in val)
        self._counts = (n_train, n_val)
        return True, (head + f"<br>Training: {len(train)} participant(s), {n_train} frames."
                      f"<br>Validation: {len(val)} participant(s), {n_val} frames ({', '.join(val)}).")

    # -- models dialog ------------------------------------------------------------------
    def show_models(self) -> None:
        from neuroface_studio.gui.dialogs.models import ModelsDialog
        dialog = ModelsDialog(self, self.store_dir)
        dialog.exec()
        self.refresh()


def _spin(lo: int, hi: int, value: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(lo, hi)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _count(values) -> list[tuple[str, int]]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return sorted(out.items())
