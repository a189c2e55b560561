"""The Analyze workspace's result tables: NRMSE per model and group, model comparisons, per-model summary.

The rows are built from the report of :func:`neuroface_studio.app.evaluation.evaluate_project`
by plain functions (:func:`group_rows`, :func:`comparison_rows`, :func:`model_rows`) that give
the raw numbers (fractions, as in the report); the widget shows them formatted (NRMSE in %) and
keeps each raw number in the cell's ``Qt.UserRole`` data, and :func:`write_csv` writes them with
NRMSE columns in % at full precision. Empty cell = not applicable; NaN (too few images) shows "—".
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from neuroface_studio.store import csv_safe

#: Columns holding NRMSE fractions: shown and written in %.
PERCENT_COLUMNS = {"mean_pct", "sd_pct", "median_pct"}


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def pct(v, digits: int = 2) -> str:
    return "—" if _nan(v) else f"{100 * v:.{digits}f}"


def pval(p) -> str:
    if _nan(p):
        return "—"
    return "< 0.0001" if p < 1e-4 else f"{p:.2g}" if p < 0.01 else f"{p:.3f}"


def num(v, digits: int = 2) -> str:
    return "—" if _nan(v) else f"{v:.{digits}f}"


def auc_threshold(report: dict) -> float:
    s = report["settings"]
    return s["thresholds"][1] if len(s["thresholds"]) > 1 else s["ced_max"]


# -- rows (raw numbers) ---------------------------------------------------------------------
def group_rows(report: dict) -> tuple[list[str], list[list]]:
    """One row per model and group ("all" first): NRMSE mean, SD and median (fractions), n images, missing."""
    header = ["model", "group", "mean_pct", "sd_pct", "median_pct", "n", "missing"]
    rows = [[name, group, rep["groups"][group]["mean"], rep["groups"][group]["sd"],
             rep["groups"][group].get("median", float("nan")), rep["groups"][group]["n"],
             rep["groups"][group]["missing"]]
            for name, rep in report["models"].items() for group in ordered_groups(rep["groups"])]
    return header, rows


def ordered_groups(groups) -> list[str]:
    """"all", then healthy controls, then the patient groups (alphabetically)."""
    return sorted(groups, key=lambda g: (g != "all", g != "HC", g))


def comparison_rows(report: dict) -> tuple[list[str], list[list]]:
    """Per model pair and group: paired t, p, n pairs, dropped, SMD; Wilcoxon (all images) on the "all" row."""
    header = ["comparison", "group", "t", "p", "n", "dropped", "smd", "wilcoxon_p", "wilcoxon_p_holm"]
    rows = []
    for pair, c in report["comparisons"].items():
        for group in ordered_groups(c["paired_t_by_group"]):
            t = c["paired_t_by_group"][group]
            w = c["wilcoxon"] if group == "all" else {}
            rows.append([pair, group, t["t"], t["p"], t["n"], t["dropped"], t["smd"], w.get("p", ""),
                         w.get("p_holm", "")])
    return header, rows


def _patient_groups(report: dict) -> list[str]:
    return sorted({g for rep in report["models"].values() for g in rep["bias_smd_vs_HC"]})


def model_rows(report: dict) -> tuple[list[str], list[list]]:
    """Per model: images scored, missing, CED AUC, failure rates, bias (SMD) of HC vs each patient group."""
    thresholds = [str(float(t)) for t in report["settings"]["thresholds"]]
    patients = _patient_groups(report)
    header = (["model", "n", "missing", "ced_auc"] + [f"failure_rate_{t}" for t in thresholds]
              + [f"bias_smd_HC_vs_{g}" for g in patients])
    rows = [[name, rep["n"], rep["missing"], rep["ced_auc"]] + [rep["failure_rate"].get(t) for t in thresholds]
            + [rep["bias_smd_vs_HC"].get(g, float("nan")) for g in patients]
            for name, rep in report["models"].items()]
    return header, rows


def smd_n(report: dict, model: str, group: str) -> str:
    """" (n 40/38)": the images of HC and of ``group`` behind a bias SMD (no statistic without its n)."""
    groups = report["models"][model]["groups"]
    return f" (n {groups.get('HC', {}).get('n', 0)}/{groups.get(group, {}).get('n', 0)})"


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """NRMSE columns in % (full precision); NaN and not-applicable cells empty."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv_safe.writer(f)
        out.writerow(header)
        for row in rows:
            out.writerow(["" if _nan(v) or v == "" else 100 * v if h in PERCENT_COLUMNS else v
                          for h, v in zip(header, row)])


# -- the widget -----------------------------------------------------------------------------
def _table() -> QTableWidget:
    t = QTableWidget(0, 0)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.verticalHeader().hide()
    t.setAlternatingRowColors(True)
    t.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    t.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
    return t


def _fill(table: QTableWidget, headers: list[str], cells: list[list[str]], raw: list[list]) -> None:
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(cells))
    for r, (row, raw_row) in enumerate(zip(cells, raw)):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            raw_value = raw_row[c] if c < len(raw_row) else None
            item.setData(Qt.ItemDataRole.UserRole, raw_value)
            if isinstance(raw_value, (int, float, tuple)):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    height = table.horizontalHeader().sizeHint().height() + sum(table.rowHeight(r) for r in range(len(cells)))
    width = sum(table.columnWidth(c) for c in range(len(headers)))
    table.setFixedSize(width + 2 * table.frameWidth() + 2, height + 2 * table.frameWidth() + 2)


class ResultsTablesWidget(QWidget):
    """The three tables, one under the other, each with a caption."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.groups_table, self.comparisons_table, self.models_table = _table(), _table(), _table()
        self.groups_caption = QLabel("<b>NRMSE per model and group</b> (per-image RMS point error / the "
                                     "normaliser, in %; n = images with a prediction, missing = no face found)")
        self.groups_caption.setWordWrap(True)
        self.comparisons_caption = QLabel()
        self.comparisons_caption.setWordWrap(True)
        self.models_caption = QLabel()
        self.models_caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        for w in (self.groups_caption, self.groups_table, self.comparisons_caption, self.comparisons_table,
                  self.models_caption, self.models_table):
            layout.addWidget(w, 0, Qt.AlignmentFlag.AlignLeft if isinstance(w, QTableWidget) else Qt.AlignmentFlag(0))
            layout.addSpacing(2)
        layout.addStretch(1)
        self.show_report(None)

    def show_report(self, report: dict | None) -> None:
        has = report is not None
        for w in (self.groups_table, self.comparisons_table, self.models_table, self.comparisons_caption,
                  self.models_caption, self.groups_caption):
            w.setVisible(has)
        if not has:
            return
        _, rows = group_rows(report)
        _fill(self.groups_table, ["Model", "Group", "NRMSE %\n(mean ± SD)", "median\n%", "n images", "missing"],
              [[m, g, f"{pct(mean)} ± {pct(sd)}", pct(med), str(n), str(miss)]
               for m, g, mean, sd, med, n, miss in rows],
              [[m, g, (mean, sd), med, n, miss] for m, g, mean, sd, med, n, miss in rows])

        _, rows = comparison_rows(report)
        names = list(report["models"])
        self.comparisons_caption.setText(
            "<b>Comparisons</b> against the first model (paired t-test per group on the same images, SMD; "
            "Wilcoxon signed-rank over all images, Holm–Bonferroni across pairs; p &lt; 0.01 significant)"
            if rows else f"<b>Comparisons</b>: check two or more models to compare them with {names[0]}.")
        self.comparisons_table.setVisible(bool(rows))
        _fill(self.comparisons_table, ["Comparison", "Group", "paired t", "p", "n pairs", "SMD", "Wilcoxon p\n(Holm)"],
              [[pair, g, num(t), pval(p), str(n) + (f" ({d} dropped)" if d else ""), num(smd),
                "" if wp == "" else f"{pval(wph)} (raw {pval(wp)})"]
               for pair, g, t, p, n, d, smd, wp, wph in rows],
              [[pair, g, t, p, n, smd, wph] for pair, g, t, p, n, d, smd, wp, wph in rows])

        _, rows = model_rows(report)
        thresholds = report["settings"]["thresholds"]
        patients = _patient_groups(report)
        self.models_caption.setText(
            f"<b>Per model</b>: CED area up to {100 * auc_threshold(report):g}% (1 = every image perfect), "
            "share of images above each error threshold (missing images count as failures), and the bias between "
            "healthy controls and each patient group (SMD of NRMSE; small &lt; 0.5 ≤ medium &lt; 0.8 ≤ large)"
            + ("" if patients else " — no HC and patient groups among the test frames"))
        k = 4 + len(thresholds)
        _fill(self.models_table, ["Model", "n\nimages", "missing", "CED\nAUC"]
              + [f"fail\n> {100 * t:g}%" for t in thresholds] + [f"bias HC\nvs {g} (SMD)" for g in patients],
              [[r[0], str(r[1]), str(r[2]), num(r[3], 3)] + [pct(v, 1) + " %" if not _nan(v) else "—" for v in r[4:k]]
               + [num(v) + smd_n(report, r[0], g) for v, g in zip(r[k:], patients)] for r in rows],
              rows)

    def csv_tables(self, report: dict) -> dict[str, tuple[list[str], list[list]]]:
        """The tables to export, by file-name suffix ("" = the main NRMSE table)."""
        out = {"": group_rows(report), "-models": model_rows(report)}
        if report["comparisons"]:
            out["-comparisons"] = comparison_rows(report)
        return out
