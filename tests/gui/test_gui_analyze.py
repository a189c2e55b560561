"""Analyze workspace: evaluate dlib68 on a tiny simulated project in the main window; tables equal
to the report, CED curves, the 68-point heat map, CSV/PNG/SVG/JSON exports; a failing evaluation
shows a message; the comparison and bias tables of a two-model report.

The project (2 participants, HC and ALS, one short OPEN recording each, 2 simulated annotators)
is made once per module and only read; dlib68 scores it in a few seconds.
"""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

pytestmark = pytest.mark.gui
pytest.importorskip("dlib")


@pytest.fixture(autouse=True)
def model_home(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NEUROFACE_DEMO_FAN", str(tmp_path / "no-demo-fan.pth"))  # dlib68 only, no torch


@pytest.fixture(scope="module")
def sim_project(tmp_path_factory):
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    folder = tmp_path_factory.mktemp("simanalyze") / "proj"
    simulate_into_project(ProjectSession.create(folder), SimulationRequest(
        participants=2, groups=("HC", "ALS"), tasks=("OPEN",), fps=10, duration_scale=0.2, annotators=2))
    return folder


def _evaluate(qtbot, panel):
    with qtbot.waitSignal(panel.evaluated, timeout=60000) as blocker:
        panel.evaluate_button.click()
    return blocker.args[0]


def _read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_evaluate_dlib68_shows_tables_ced_heatmap_and_exports(qtbot, main_window, sim_project, tmp_path):
    from PySide6.QtWidgets import QPushButton
    assert main_window.open_project(sim_project)
    main_window.workspace_bar.actions_by_key["analyze"].trigger()
    panel = main_window.analyze_panel
    assert main_window.workspace_stack.currentWidget() is panel
    assert panel.checked_models() == ["dlib68"]  # the active model, checked at first
    assert not panel.csv_button.isEnabled()  # nothing to export yet
    assert panel.held_out_check.isChecked()
    with qtbot.waitSignal(panel.evaluation_stopped, timeout=60000) as blocker:  # Cancel in the jobs panel
        panel.evaluate_button.click()
        main_window.jobs_panel.findChild(QPushButton, "jobCancel").click()
    assert blocker.args[0] == "Evaluation cancelled." and panel.report is None
    panel.normalizer_combo.setCurrentIndex(panel.normalizer_combo.findData("interocular"))
    report = _evaluate(qtbot, panel)

    m = report["models"]["dlib68"]
    assert report["settings"]["normalizer"] == "interocular" and report["settings"]["subset"] == "nojaw"
    assert set(m["groups"]) == {"all", "HC", "ALS"}
    table = panel.tables.groups_table
    rows = {table.item(r, 1).text(): r for r in range(table.rowCount())}
    assert set(rows) == {"all", "HC", "ALS"} and all(table.item(r, 0).text() == "dlib68" for r in rows.values())
    for group, r in rows.items():
        g = m["groups"][group]
        mean, sd = table.item(r, 2).data(256)  # Qt.UserRole: the raw numbers
        assert (mean, sd) == (g["mean"], g["sd"])
        assert table.item(r, 2).text() == f"{100 * g['mean']:.2f} ± {100 * g['sd']:.2f}"
        assert table.item(r, 3).text() == f"{100 * g['median']:.2f}" and table.item(r, 3).data(256) == g["median"]
        assert table.item(r, 4).text() == str(g["n"]) and table.item(r, 5).text() == str(g["missing"])
    summary = panel.summary_label.text()
    assert "<b>interocular</b>" in summary and "No jaw (points 17–67)" in summary
    assert "per-image RMS" in summary and f"n = {report['images']}" in summary and "Predictions: <b>" in summary
    assert panel.predictions_combo.currentData() == "auto"  # the CLI's and the study summary's rule

    x, y = panel.ced.curves["dlib68"].getData()
    assert len(x) == len(m["ced"]["x"]) and np.allclose(y, 100 * np.asarray(m["ced"]["y"])) and y.max() > 0
    panel.per_group_check.setChecked(True)
    assert {"dlib68 · HC", "dlib68 · ALS"} <= set(panel.ced.curves)

    assert panel.heatmap_model_combo.currentText() == "dlib68"
    colored = [c for c in panel.heatmap.colors if c is not None]
    assert len(panel.heatmap.colors) == 68 and len(colored) == 68 and len({c.name() for c in colored}) > 5
    k = int(np.nanargmax(np.array(m["per_landmark"], float)))
    assert panel.heatmap.colors[k].name() == panel.heatmap.cmap.map(1.0, mode="qcolor").name()

    written = panel.export_csv(tmp_path / "nrmse.csv")
    assert [p.name for p in written] == ["nrmse.csv", "nrmse-models.csv"]  # one model: nothing to compare
    out = {row["group"]: row for row in _read_csv(tmp_path / "nrmse.csv")}
    assert float(out["HC"]["mean_pct"]) == pytest.approx(100 * m["groups"]["HC"]["mean"], rel=1e-12)
    assert float(out["HC"]["median_pct"]) == pytest.approx(100 * m["groups"]["HC"]["median"], rel=1e-12)
    assert int(out["ALS"]["n"]) == m["groups"]["ALS"]["n"]
    models = _read_csv(tmp_path / "nrmse-models.csv")[0]
    assert float(models["ced_auc"]) == pytest.approx(m["ced_auc"])
    assert float(models["bias_smd_HC_vs_ALS"]) == pytest.approx(m["bias_smd_vs_HC"]["ALS"])
    for name in ("ced.png", "ced.svg", "heat.png", "heat.svg"):
        (panel.export_ced if name.startswith("ced") else panel.export_heatmap)(tmp_path / name)
    for name in ("ced.png", "heat.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (tmp_path / "ced.svg").read_text() and "NRMSE" in (tmp_path / "ced.svg").read_text()
    svg = (tmp_path / "heat.svg").read_text()
    assert "<svg" in svg and svg.count("<ellipse") + svg.count("<circle") >= 68
    with pytest.raises(ValueError, match=".png or .svg"):
        panel.export_ced(tmp_path / "ced.jpg")
    panel._trained_here = {"dlib68"}  # as if fine-tuned on this project: scoring everyone warns
    panel.held_out_check.setChecked(False)
    panel.subset_combo.setCurrentIndex(panel.subset_combo.findData("mouth"))
    again = _evaluate(qtbot, panel)
    assert again["held_out_only"] is False and again["settings"]["subset"] == "mouth"
    assert "includes frames it was trained on" in panel.message_label.text()
    assert panel.report == again and "every annotated participant, as asked" in panel.summary_label.text()
    panel.export_json(tmp_path / "report.json")
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved["models"]["dlib68"]["mean"] == pytest.approx(again["models"]["dlib68"]["mean"])
    assert saved["participants"] == again["participants"] and saved["settings"] == again["settings"]


def test_failing_evaluation_shows_a_message(qtbot, main_window, tmp_path):
    """A new project has no annotated frames (nor simulated truth): nothing to score."""
    from neuroface_studio.app.project_service import ProjectSession
    ProjectSession.create(tmp_path / "empty")
    assert main_window.open_project(tmp_path / "empty")
    main_window.workspace_bar.actions_by_key["analyze"].trigger()
    panel = main_window.analyze_panel
    with qtbot.waitSignal(panel.evaluation_stopped, timeout=30000) as blocker:
        panel.evaluate_button.click()
    text = panel.message_label.text()
    assert blocker.args[0] == text and text.startswith("Evaluation failed: this project has no corrected frames")
    assert "Traceback" not in text and panel.message_label.isVisible()
    assert panel.report is None and not panel.json_button.isEnabled() and panel.evaluate_button.isEnabled()
    panel.set_checked_models([])
    assert not panel.evaluate_button.isEnabled()


def test_two_model_report_fills_comparisons_and_bias(qtbot, tmp_path):
    from neuroface_studio.app.evaluation import EvalSettings, compare
    from neuroface_studio.gui.analyze.workspace import AnalyzeWorkspacePanel

    rng = np.random.default_rng(0)
    a = rng.uniform(0.06, 0.08, 12)
    b = a - 0.02 + rng.normal(0, 0.002, 12)
    b[3] = np.nan  # model B missed one image
    groups = ["HC"] * 6 + ["ALS"] * 6
    keys = [f"P00{1 + k // 6}-OPEN-f{k:05d}" for k in range(12)]
    report = compare({"A": a, "B": b}, groups, EvalSettings(), keys)
    report["models"]["A"]["per_landmark"] = [0.05] * 68
    report["models"]["B"]["per_landmark"] = [None] * 17 + [0.02] * 51
    report.update({"participants": ["P001", "P002"], "held_out_only": True, "data": "consensus"})
    panel = AnalyzeWorkspacePanel()
    qtbot.addWidget(panel)
    panel.show_report(report, dict(zip(keys, groups)))

    t = panel.tables.comparisons_table
    assert t.isVisibleTo(panel) and t.rowCount() == 3  # all, ALS, HC
    row = next(r for r in range(t.rowCount()) if t.item(r, 1).text() == "all")
    c = report["comparisons"]["A vs B"]
    assert t.item(row, 0).text() == "A vs B" and t.item(row, 2).data(256) == c["paired_t_by_group"]["all"]["t"]
    assert t.item(row, 4).text() == "11 (1 dropped)" and t.item(row, 6).data(256) == c["wilcoxon"]["p_holm"]
    mt = panel.tables.models_table
    headers = [mt.horizontalHeaderItem(k).text() for k in range(mt.columnCount())]
    assert "bias HC\nvs ALS (SMD)" in headers
    bias = mt.item(1, headers.index("bias HC\nvs ALS (SMD)")).data(256)
    assert bias == report["models"]["B"]["bias_smd_vs_HC"]["ALS"]

    panel.heatmap_model_combo.setCurrentText("B")  # one colour scale for both models: B's 2% is darker than A's 5%
    assert panel.heatmap.colors[:17] == [None] * 17 and all(c is not None for c in panel.heatmap.colors[17:])
    assert panel.heatmap.vmax == pytest.approx(0.05)
    panel.shared_scale_check.setChecked(False)  # B's own scale: its worst point is the top colour
    assert panel.heatmap.vmax == pytest.approx(0.02) and "this model" in panel.heatmap.note
    written = panel.export_csv(tmp_path / "t.csv")
    assert [p.name for p in written] == ["t.csv", "t-models.csv", "t-comparisons.csv"]
    comp = {r["group"]: r for r in _read_csv(tmp_path / "t-comparisons.csv")}
    assert float(comp["all"]["wilcoxon_p_holm"]) == pytest.approx(c["wilcoxon"]["p_holm"])
    assert comp["HC"]["wilcoxon_p_holm"] == "" and int(comp["HC"]["dropped"]) == 1
    assert math.isclose(float(comp["ALS"]["smd"]), c["paired_t_by_group"]["ALS"]["smd"])
