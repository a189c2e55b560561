"""The Analyze workspace's features table: per participant, each feature against the controls.

The numbers come from analysis/control_reference.py (shared with the participant report):
:func:`participant_means` averages each participant's repetitions of one task and
:func:`control_z_scores` gives each value's z-score against the control group's (HC) mean and SD
(sample SD of the controls' participant means; no z with fewer controls than
analysis/sample_size.MIN_CONTROLS_FOR_Z, or when the controls do not vary). :class:`FeaturesTableWidget`
shows them, one row per participant (controls first), cells "value (z)" coloured by |z| (1-2 amber,
over 2 red) - with too few controls the value alone, uncoloured, and the tooltip says "not enough
participants (n=...)" - the raw value and z in the cell's ``Qt.UserRole`` data;
:func:`feature_csv_rows` gives the same table for CSV (with the controls' n). Recordings
without depth are measured in 2D (interocular units, "· 2D" after the repetition count); a
participant is compared only with controls measured the same way. A speech task whose recordings
have sound adds the DDK measures (analysis/ddk.DDK_NAMES: syllables, rate, interval mean and CV,
speech duration, lip-to-voice delay, the train's rate and CV) as further columns, compared the same
way; without sound there are no DDK columns (:func:`feature_names`).
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from neuroface_studio.analysis.control_reference import (CONTROL, control_stats, control_z_scores, controls_in_space,
                                                        feature_names, participant_means, space_of, tasks_of,
                                                        z_sample_of)
from neuroface_studio.analysis.ddk import DDK_UNITS
from neuroface_studio.analysis.features import FEATURE_NAMES, SPACE_2D, SPACE_3D, units_of

__all__ = ["CONTROL", "FeaturesTableWidget", "control_stats", "control_z_scores", "controls_in_space", "feature_csv_rows",
           "feature_names", "participant_means", "space_of", "table_units", "tasks_of", "z_sample_of"]

#: How each feature space is described to the user.
SPACE_TEXT = {SPACE_3D: "3D from depth, lengths in mm",
              SPACE_2D: "2D (no depth): lengths in fractions of the interocular distance (IOD)"}
Z_AMBER, Z_RED = 1.0, 2.0  # |z| thresholds of the cell colours
AMBER, RED = QColor("#fff0c2"), QColor("#f7c6c0")

#: Short column titles (two lines) for the table's header.
SHORT = {"range_of_motion": "range of\nmotion", "peak_opening_velocity": "peak open\nvelocity",
         "mean_opening_velocity": "mean open\nvelocity", "peak_closing_velocity": "peak close\nvelocity",
         "mean_closing_velocity": "mean close\nvelocity", "duration": "duration", "width_range": "width\nrange",
         "corner_asymmetry": "corner\nasymmetry", "brow_asymmetry": "brow\nasymmetry",
         "lower_lip_path": "lower-lip\npath", "jaw_range": "jaw\nrange", "roundness": "roundness",
         "sparc": "SPARC", "ldj": "LDJ",
         "ddk_n_syllables": "DDK\nsyllables", "ddk_rate_syll_s": "DDK\nrate", "ddk_isi_mean_s": "DDK\ninterval",
         "ddk_isi_cv": "DDK\ninterval CV", "ddk_speech_duration_s": "DDK speech\nduration",
         "ddk_lip_voice_delay_s": "lip-voice\ndelay", "ddk_task_rate_syll_s": "DDK task\nrate",
         "ddk_task_isi_cv": "DDK task\ninterval CV"}


def _units(space: str) -> dict[str, str]:
    return {**units_of(space), **DDK_UNITS}


def table_units(means: list[dict]) -> dict[str, str]:
    """Units for the table's header: the participants' space's, or "mm | IOD" per feature when mixed."""
    spaces = sorted({space_of(m) for m in means}, key=lambda s: (s != SPACE_3D, s)) or [SPACE_3D]
    if len(spaces) == 1:
        return _units(spaces[0])
    return {f: " | ".join(dict.fromkeys(_units(s)[f] for s in spaces)) for f in feature_names(means)}


def feature_csv_rows(means: list[dict], task: str) -> tuple[list[str], list[list]]:
    """Header and rows: participant, group, task, repetitions, then each feature and its z (empty
    with too few controls), and last the number of controls measured the same way."""
    units = table_units(means)
    header = ["participant", "group", "task", "repetitions", "space"]
    names = feature_names(means)
    for f in names:
        unit = units[f]
        named = unit not in ("1",) and "|" not in unit  # mixed spaces: the space column says the unit
        header += [f"{f}_{unit}".replace("/", "_per_") if named else f, f"{f}_z_vs_{CONTROL}"]
    rows = []
    for m, z in zip(means, control_z_scores(means)):
        row = [m["participant"], m["group"], task, m["repetitions"], space_of(m)]
        for f in names:
            row += [m.get(f, math.nan), z[f]]
        rows.append(row + [controls_in_space(means, space_of(m))])
    return header + [f"n_{CONTROL}_controls"], rows


def fmt(v: float) -> str:
    if not math.isfinite(v):
        return "—"
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def z_text(z: float) -> str:
    """" (+1.2)" ("" without a z); a z that rounds to zero shows +0.0, never -0.0."""
    if not math.isfinite(z):
        return ""
    return f" ({(z if abs(z) >= 0.05 else 0.0):+.1f})"


def z_color(z: float) -> QColor | None:
    if not math.isfinite(z):
        return None
    return RED if abs(z) > Z_RED else AMBER if abs(z) > Z_AMBER else None


class FeaturesTableWidget(QTableWidget):
    """Participants × features, "value (z)"; ``z_at(row, feature)`` and ``value_at`` read the numbers."""

    def __init__(self, parent=None) -> None:
        super().__init__(0, 0, parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.means: list[dict] = []
        self.names: tuple[str, ...] = tuple(FEATURE_NAMES)

    def show_means(self, means: list[dict]) -> None:
        self.means = means
        self.names = feature_names(means)
        self.clear()
        units = table_units(means)
        headers = ["Participant", "Group", "reps"] + [f"{SHORT[f]}\n({units[f]})" if units[f] != "1" else SHORT[f]
                                                      for f in self.names]
        self.setColumnCount(len(headers))
        self.setHorizontalHeaderLabels(headers)
        for c, f in enumerate(self.names, start=3):
            self.horizontalHeaderItem(c).setToolTip(f"{f} ({units[f]}; IOD = fraction of the interocular distance, "
                                                    f"2D without depth): value (z-score against the {CONTROL} "
                                                    "group measured the same way)")
        self.setRowCount(len(means))
        stats = {s: control_stats(means, s) for s in {space_of(m) for m in means}}
        for r, (m, z) in enumerate(zip(means, control_z_scores(means))):
            two_d = space_of(m) == SPACE_2D
            for c, text in enumerate((m["participant"], m["group"], str(m["repetitions"]) + (" · 2D" if two_d else ""))):
                item = QTableWidgetItem(text)
                item.setToolTip(SPACE_TEXT[space_of(m)])
                self.setItem(r, c, item)
            unit_of = _units(space_of(m))
            for c, f in enumerate(self.names, start=3):
                zf, v = z[f], m.get(f, math.nan)
                item = QTableWidgetItem(fmt(v) + z_text(zf))
                item.setData(Qt.ItemDataRole.UserRole, (v, zf))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                mu, sd, n = stats[space_of(m)][f]
                why = z_sample_of(n).reason or "the controls do not vary"
                item.setToolTip(f"{f} = {fmt(v)} {unit_of[f]}; {CONTROL} (n={n}): {fmt(mu)} ± {fmt(sd)}"
                                + (f"; z = {zf:+.2f}" if math.isfinite(zf) else f"; no z: {why}"))
                color = z_color(zf)
                if color is not None:
                    item.setBackground(QBrush(color))
                self.setItem(r, c, item)
        self.resizeColumnsToContents()

    def value_at(self, row: int, feature: str) -> float:
        return self.item(row, 3 + self.names.index(feature)).data(Qt.ItemDataRole.UserRole)[0]

    def z_at(self, row: int, feature: str) -> float:
        return self.item(row, 3 + self.names.index(feature)).data(Qt.ItemDataRole.UserRole)[1]
