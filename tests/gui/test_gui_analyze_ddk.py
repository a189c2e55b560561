"""Analyze with sound (issue 19): the Features table adds the speech task's DDK measures (compared
with the controls like the kinematics), and the ROC page compares the LOSO classifier without and
with them ("Compare with: + sound (DDK)"), both AUCs shown. Simulated speech (espeak-ng), 5 HC and
5 ALS speaking PA, made once per module."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest

pytestmark = [pytest.mark.gui, pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                                  reason="needs espeak-ng (scripts/run.sh installs it)")]


@pytest.fixture(autouse=True)
def model_home(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NEUROFACE_DEMO_FAN", str(tmp_path / "no-demo-fan.pth"))


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    folder = tmp_path_factory.mktemp("ddk") / "proj"
    simulate_into_project(ProjectSession.create(folder), SimulationRequest(
        participants=10, groups=("HC", "ALS"), tasks=("PA",), fps=15, duration_scale=0.25, annotators=0, seed=5,
        speech=True))
    return folder


def _analyze(main_window, folder, page: str):
    assert main_window.open_project(folder)
    main_window.workspace_bar.actions_by_key["analyze"].trigger()
    panel = main_window.analyze_panel
    panel.pages.setCurrentWidget(getattr(panel, page))
    return panel


def test_features_table_adds_ddk_columns_with_z_against_the_controls(qtbot, main_window, spoken):
    from neuroface_studio.gui.analyze.features import feature_csv_rows
    page = _analyze(main_window, spoken, "features_page").features_page
    with qtbot.waitSignal(page.computed, timeout=90000):
        page.compute_button.click()
    table = page.features_table
    assert page.task() == "PA" and table.rowCount() == 10
    assert "ddk_task_rate_syll_s" in table.names and "ddk_lip_voice_delay_s" in table.names
    col = 3 + table.names.index("ddk_task_rate_syll_s")
    assert table.horizontalHeaderItem(col).text() == "DDK task\nrate\n(syll/s)"
    rows = [r for r in page.table.rows if r["task"] == "PA"]
    pid = table.item(table.rowCount() - 1, 0).text()  # an ALS participant (controls first)
    mine = [r["ddk_task_rate_syll_s"] for r in rows if r["participant"] == pid]
    assert table.value_at(table.rowCount() - 1, "ddk_task_rate_syll_s") == pytest.approx(np.nanmean(mine))
    assert math.isfinite(table.z_at(table.rowCount() - 1, "ddk_task_rate_syll_s"))  # 5 controls: a z
    assert "HC (n=5)" in table.item(table.rowCount() - 1, col).toolTip()
    header, _ = feature_csv_rows(page.means(), "PA")
    assert "ddk_task_rate_syll_s_syll_per_s" in header and "ddk_task_rate_syll_s_z_vs_HC" in header


def test_roc_compares_the_classifier_without_and_with_the_sound(qtbot, main_window, spoken, monkeypatch):
    from PySide6.QtCore import Qt

    from neuroface_studio.app import ddk_classify, kinematics
    from neuroface_studio.gui.analyze import diagnosis
    from neuroface_studio.gui.analyze.roc import auc_label

    def fast(*a, **kw):  # 50 trees, in the page and here alike
        return kinematics.classify(*a, **{"n_estimators": 50, **kw})

    original = ddk_classify.classify_with_and_without_audio
    monkeypatch.setattr(diagnosis, "classify", fast)
    monkeypatch.setattr(ddk_classify, "classify_with_and_without_audio",
                        lambda *a, **kw: original(*a, **{"n_estimators": 50, **kw}))
    roc = _analyze(main_window, spoken, "roc_page").roc_page
    k = roc.compare_combo.findData(diagnosis.WITH_SOUND)
    assert k > 0 and roc.compare_combo.itemText(k) == "+ sound (DDK)"
    assert "with and without" in roc.compare_combo.itemData(k, Qt.ItemDataRole.ToolTipRole)
    roc.compare_combo.setCurrentIndex(k)
    with qtbot.waitSignal(roc.classified, timeout=120000):
        roc.classify_button.click()
    both = original(roc.features.table, "PA", ("HC", "ALS"), n_estimators=50)
    legend = [lab.text for _s, lab in roc.plot.legend.items]
    assert legend == [f"without sound: {auc_label(both['video_only'])}",
                      f"{diagnosis.WITH_SOUND}: {auc_label(both['with_audio'])}"]
    assert auc_label(both["with_audio"]) in roc.summary_label.text()
    assert "ddk_task_rate_syll_s" in both["audio_features"]
