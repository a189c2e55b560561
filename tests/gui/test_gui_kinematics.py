"""Analyze workspace, kinematics: features table with z-scores against HC, ROC equal to
app.kinematics.classify, trace cursor linked to the Review viewer, CSV exports, skip reasons.

The study (10 participants, 5 HC and 5 ALS - the fewest for which z-scores and an AUC are shown,
analysis/sample_size.py - one short OPEN recording each, no annotators; landmark tracks of two
made-up models: "exact" = the simulated truth, "noisy" = truth + 4 px noise) is made once per
module and only read; a test that needs another project copies it.
"""

from __future__ import annotations

import csv
import math
import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def model_home(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NEUROFACE_DEMO_FAN", str(tmp_path / "no-demo-fan.pth"))


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    from neuroface_studio.store.tracks_file import TrackWriter, track_path
    folder = tmp_path_factory.mktemp("simkin") / "proj"
    session = ProjectSession.create(folder)
    simulate_into_project(session, SimulationRequest(
        participants=10, groups=("HC", "ALS"), tasks=("OPEN",), fps=10, duration_scale=0.3, annotators=0, seed=3))
    rng = np.random.default_rng(0)
    for rid in session.project.recordings:  # two "models": the truth itself, and the truth with 4 px noise
        truth = session.truth(rid).landmarks_px.astype(np.float32)
        for model, noise in (("exact", 0.0), ("noisy", 4.0)):
            pts = truth + rng.normal(0, noise, truth.shape).astype(np.float32)
            with TrackWriter.open(track_path(folder, rid, model), rid, len(pts), {"name": model, "sha256": model}, {},
                                  "2026-01-01T00:00:00") as writer:
                writer.write(0, pts, np.ones(pts.shape[:2], np.float32), np.ones(len(pts), bool))
    return folder


def _analyze(main_window, folder, page: str):
    assert main_window.open_project(folder)
    main_window.workspace_bar.actions_by_key["analyze"].trigger()
    panel = main_window.analyze_panel
    panel.pages.setCurrentWidget(getattr(panel, page))
    return panel


def _compute(qtbot, page):
    with qtbot.waitSignal(page.computed, timeout=60000) as blocker:
        page.compute_button.click()
    return blocker.args[0]


def _read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_features_table_shows_participants_with_z_scores_against_hc(qtbot, main_window, study, tmp_path,
                                                                      monkeypatch):
    from neuroface_studio.analysis.features import FEATURE_NAMES
    from PySide6.QtWidgets import QFileDialog
    from PySide6.QtWidgets import QPushButton
    page = _analyze(main_window, study, "features_page").features_page
    assert not page.csv_button.isEnabled()
    with qtbot.waitSignal(page.stopped, timeout=60000):  # Cancel in the jobs panel
        page.compute_button.click()
        main_window.jobs_panel.findChild(QPushButton, "jobCancel").click()
    assert page.table is None and page.message_label.text() == "Feature computation cancelled."
    assert page.compute_button.isEnabled()
    table = _compute(qtbot, page)
    assert not table.skipped and page.task() == "OPEN"
    assert set(table.sources.values()) == {"model exact + depth (3D mm)"}  # automatic: the first complete track
    grid = page.features_table
    assert grid.rowCount() == 10
    ids = [grid.item(r, 0).text() for r in range(10)]
    groups = [grid.item(r, 1).text() for r in range(10)]
    assert sorted(ids) == sorted(main_window.session.project.participants) and groups == ["HC"] * 5 + ["ALS"] * 5
    assert "z-score against the 5 healthy controls (HC mean and SD, n=5)" in page.summary_label.text()
    for f in ("range_of_motion", "peak_opening_velocity", "sparc"):  # z recomputed from the repetition rows
        means = {p: np.nanmean([r[f] for r in table.rows if r["participant"] == p]) for p in ids}
        hc = np.array([means[p] for p, g in zip(ids, groups) if g == "HC"])
        for r, p in enumerate(ids):
            assert grid.value_at(r, f) == pytest.approx(means[p])
            assert grid.z_at(r, f) == pytest.approx((means[p] - hc.mean()) / hc.std(ddof=1))
    hc_z = [grid.z_at(r, "range_of_motion") for r in range(5)]
    assert sum(hc_z) == pytest.approx(0, abs=1e-9)  # the controls centre their own scale
    als_z = [grid.z_at(r, "range_of_motion") for r in range(5, 10)]
    item = grid.item(5, 3 + FEATURE_NAMES.index("range_of_motion"))
    assert item.text().endswith(f"({als_z[0]:+.1f})" if abs(als_z[0]) >= 0.05 else "(+0.0)")
    strong = [(r, c) for r in range(10) for c in range(3, grid.columnCount())
              if math.isfinite(grid.item(r, c).data(256)[1]) and abs(grid.item(r, c).data(256)[1]) > 2]
    assert strong and all(grid.item(r, c).background().color().name() == "#f7c6c0" for r, c in strong)

    out = tmp_path / "features.csv"  # CSV through the button (the save dialog answered)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "CSV table (*.csv)"))
    assert page.csv_button.isEnabled()
    page.csv_button.click()
    rows = _read_csv(out)
    assert [r["participant"] for r in rows] == ids and {r["task"] for r in rows} == {"OPEN"}
    assert float(rows[6]["range_of_motion_mm"]) == pytest.approx(grid.value_at(6, "range_of_motion"))
    assert float(rows[6]["range_of_motion_z_vs_HC"]) == pytest.approx(grid.z_at(6, "range_of_motion"))
    assert {r["n_HC_controls"] for r in rows} == {"5"}
    assert int(rows[0]["repetitions"]) == sum(r["participant"] == ids[0] for r in table.rows)
    assert "Saved" in page.message_label.text()


def test_roc_auc_equals_classify_on_the_same_table(qtbot, main_window, study, tmp_path, monkeypatch):
    from neuroface_studio.app import kinematics
    from neuroface_studio.app.kinematics import project_features
    from neuroface_studio.gui.analyze import diagnosis as analyze_diagnosis

    def classify(*args, **kw):  # 50 trees instead of 200, in the page and here alike: 4 runs in seconds
        return kinematics.classify(*args, **{"n_estimators": 50, **kw})

    monkeypatch.setattr(analyze_diagnosis, "classify", classify)
    panel = _analyze(main_window, study, "roc_page")
    roc = panel.roc_page
    assert roc.contrast_combo.currentData() == ("HC", "ALS") and roc.task_combo.currentText() == "OPEN"
    assert not roc.csv_button.isEnabled()
    features = panel.features_page
    assert [features.landmarks_combo.itemData(i) for i in range(features.landmarks_combo.count())] == [
        None, "exact", "noisy"]
    features.landmarks_combo.setCurrentIndex(1)  # features on "exact"'s tracks, compared with "noisy"'s
    roc.compare_combo.setCurrentIndex(roc.compare_combo.findData("noisy"))
    with qtbot.waitSignal(roc.classified, timeout=90000) as blocker:  # no features yet: computed in the job
        roc.classify_button.click()
    result = blocker.args[0]
    table = features.table
    assert table is not None and features.features_table.rowCount() == 10  # shared with Features
    assert set(table.sources.values()) == {"model exact + depth (3D mm)"}
    expected = classify(table, "OPEN", ("HC", "ALS"))
    assert result["auc"] == pytest.approx(expected["auc"]) and result["auc_ci95"] == pytest.approx(expected["auc_ci95"])
    noisy = classify(project_features(main_window.session, model="noisy"), "OPEN", ("HC", "ALS"))

    def label(r):  # the AUC with its CI (or why there is none) and its n per group
        ci = f"95% CI {r['auc_ci95'][0]:.2f}–{r['auc_ci95'][1]:.2f}" if r["auc_ci95_estimable"] else "CI not estimable"
        return f"AUC {r['auc']:.2f} ({ci}; n=5 HC, 5 ALS)"

    legend = [lab.text for _sample, lab in roc.plot.legend.items]
    assert legend == [f"exact: {label(expected)}", f"noisy: {label(noisy)}"]
    assert label(expected) in roc.summary_label.text() and label(noisy) in roc.summary_label.text()
    assert list(roc.plot.curves[1].getData()[1]) == pytest.approx(noisy["roc"]["tpr"])
    x, y = roc.plot.curve.getData()
    assert list(x) == pytest.approx(expected["roc"]["fpr"]) and list(y) == pytest.approx(expected["roc"]["tpr"])
    assert roc.prob_table.rowCount() == 10
    probs = {roc.prob_table.item(r, 0).text(): roc.prob_table.item(r, 2).data(256) for r in range(10)}
    assert probs == pytest.approx({p: v["probability"] for p, v in expected["participants"].items()})
    assert roc.imp_table.rowCount() == 8
    assert roc.imp_table.item(0, 0).text() == next(iter(expected["importances"]))

    files = roc.export_csv(tmp_path / "roc.csv")
    assert [f.name for f in files] == ["roc.csv", "roc-participants.csv", "roc-importances.csv"]
    pts = _read_csv(files[0])
    assert [float(r["tpr"]) for r in pts if r["landmarks"] == "exact"] == pytest.approx(expected["roc"]["tpr"])
    assert [float(r["fpr"]) for r in pts if r["landmarks"] == "noisy"] == pytest.approx(noisy["roc"]["fpr"])
    assert float(pts[-1]["auc"]) == pytest.approx(noisy["auc"])
    people = _read_csv(files[1])
    assert {r["participant"]: float(r["probability_ALS"]) for r in people} == pytest.approx(probs)
    for suffix in (".png", ".svg"):
        roc.plot.export(tmp_path / f"roc{suffix}")
        assert (tmp_path / f"roc{suffix}").stat().st_size > 1000
    assert "<svg" in (tmp_path / "roc.svg").read_text()


def test_few_participants_show_no_z_and_no_auc_but_say_why(qtbot, main_window, study, monkeypatch):
    """3 controls and 2 ALS participants (the study's features, fewer participants): the features
    table shows values without z or colours and says "not enough participants (n=3 HC controls; ...)";
    Classify shows no curve, AUC or probabilities but "not enough participants (n=3 HC, 2 ALS; ...)"
    and never runs the classifier."""
    from neuroface_studio.app.kinematics import FeatureTable, project_features
    from neuroface_studio.gui.analyze import diagnosis as analyze_diagnosis
    panel = _analyze(main_window, study, "features_page")
    full = project_features(main_window.session, model="exact")
    people = sorted({(r["group"], r["participant"]) for r in full.rows})
    keep = [p for g, p in people if g == "HC"][:3] + [p for g, p in people if g == "ALS"][:2]
    small = FeatureTable(rows=[r for r in full.rows if r["participant"] in keep], sources=full.sources,
                         spaces=full.spaces, times=full.times)
    page = panel.features_page
    page.set_table(small, "exact")
    grid = page.features_table
    assert grid.rowCount() == 5
    why = "not enough participants (n=3 HC controls; at least 5 needed)"
    assert f"z-scores: {why}</b>, so the table shows values only, without z or colours" in page.summary_label.text()
    for r in range(5):
        for c in range(3, grid.columnCount()):
            item = grid.item(r, c)
            assert "(" not in item.text() and item.background().style() == Qt.BrushStyle.NoBrush
            assert item.data(256)[1] != item.data(256)[1]  # z is NaN
    assert f"no z: {why}" in grid.item(4, 3).toolTip()

    ran = []
    monkeypatch.setattr(analyze_diagnosis, "classify", lambda *a, **k: ran.append(a))
    roc = panel.roc_page
    panel.pages.setCurrentWidget(roc)
    roc.classify_button.click()
    qtbot.waitUntil(lambda: not roc.running and roc.message_label.isVisibleTo(panel), timeout=30000)
    why = "not enough participants (n=3 HC, 2 ALS; at least 5 per group needed)"
    assert not ran and roc.result is None and roc.plot.curve is None and roc.prob_table.rowCount() == 0
    assert roc.message_label.text() == f"No classifier: {why}."
    assert "OPEN, HC vs ALS: Not enough participants (n=3 HC, 2 ALS" in roc.summary_label.text()
    assert "AUC 1.00" not in roc.summary_label.text() and roc.plot.not_enough == why
    assert not roc.csv_button.isEnabled() and not roc.png_button.isEnabled()


def test_trace_cursor_follows_the_viewer_and_a_click_moves_it(qtbot, main_window, study, tmp_path):
    from PySide6.QtCore import QPointF, Qt
    panel = _analyze(main_window, study, "traces_page")
    rid = sorted(main_window.session.project.recordings)[1]
    main_window.browser.recording_selected.emit(rid)  # the browser's selection: Analyze stays in place
    assert main_window.workspace_stack.current_key() == "analyze"
    traces = panel.traces_page.traces
    assert traces.trace is not None and traces.trace.recording == rid and traces.trace.name == "lip_aperture"
    reps = main_window.session.project.repetitions_of(rid)
    assert len(traces.regions) == len(reps) > 0 and len(traces.overlay_curves) == len(reps)
    assert traces.regions[0].getRegion()[0] == pytest.approx(reps[0].start_frame / traces.trace.fps)
    inside = reps[0].start_frame + 3
    main_window.viewer.show_frame(inside)
    assert traces.cursor_frame() == inside and traces.overlay_cursor.isVisible()
    assert traces.overlay_cursor.value() == pytest.approx(3 / traces.trace.fps)

    target = reps[-1].start_frame + 2  # a click on the plot moves the video there
    vb = traces.time_plot.getPlotItem().getViewBox()
    ymin, ymax = vb.viewRange()[1]
    scene = vb.mapViewToScene(QPointF(target / traces.trace.fps, (ymin + ymax) / 2))
    pos = traces.time_plot.mapFromScene(scene)
    qtbot.mouseClick(traces.time_plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert main_window.viewer.frame == target and traces.cursor_frame() == target

    traces.export(tmp_path / "trace.png")
    assert (tmp_path / "trace.png").stat().st_size > 1000

    page = panel.traces_page
    with qtbot.waitSignal(page.trace_shown, timeout=30000):  # 3D from depth, in mm, as the features: a worker
        page.space_combo.setCurrentIndex(1)
        assert traces.trace is None and "Computing the 3D trace" in traces.info_label.text()
        assert not page.export_button.isEnabled()
    assert traces.trace.unit == "mm" and traces.trace.recording == rid and "depth" in traces.trace.source
    assert traces.time_plot.getAxis("left").labelText == "lip_aperture (mm)"
    assert 5 < np.nanmax(traces.trace.values) < 60  # mm, as the features' range of motion
    assert np.isfinite(traces.trace.values).mean() > 0.5 and traces.cursor_frame() == target
    traces.export(tmp_path / "trace.svg")
    assert "lip_aperture (mm)" in (tmp_path / "trace.svg").read_text()


def test_3d_trace_is_computed_off_the_gui_thread_and_a_stale_one_is_dropped(qtbot, main_window, study,
                                                                            monkeypatch):
    import threading

    from neuroface_studio.app.jobs import JobCancelled
    from neuroface_studio.gui.analyze import traces as analyze_traces
    real, gate, threads = analyze_traces.trace_3d, threading.Event(), []

    def trace_3d(request, progress, cancel):  # the first recording waits for the gate (or a cancel)
        threads.append((request.recording, threading.get_ident()))
        while request.recording == first and not gate.wait(0.005):
            if cancel.cancelled:
                raise JobCancelled("cancelled")
        return real(request, progress, None)  # no cancel check: a stale result may arrive at the end

    monkeypatch.setattr(analyze_traces, "trace_3d", trace_3d)
    panel = _analyze(main_window, study, "traces_page")
    page, traces = panel.traces_page, panel.traces_page.traces
    first, second = sorted(main_window.session.project.recordings)[:2]
    page.space_combo.setCurrentIndex(1)
    main_window.browser.recording_selected.emit(first)
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    stale = page.worker
    assert page.computing and traces.trace is None and first in traces.info_label.text()
    with qtbot.waitSignal(page.trace_shown, timeout=30000) as shown:  # another recording, mid-computation
        main_window.browser.recording_selected.emit(second)
    assert shown.args[0].recording == second and traces.trace.recording == second and traces.trace.unit == "mm"
    assert [rid for rid, _ in threads] == [first, second]
    assert all(ident != threading.get_ident() for _, ident in threads)  # never on the GUI thread
    gate.set()  # the first one ends now (cancelled): nothing changes
    qtbot.waitUntil(lambda: stale.done, timeout=30000)
    qtbot.wait(20)
    assert traces.trace.recording == second and page.export_button.isEnabled() and not page.computing

    gate.clear()  # the window closes while a 3D trace is computing: the job is cancelled, its thread waited for
    main_window.browser.recording_selected.emit(first)
    qtbot.waitUntil(lambda: page.computing, timeout=5000)
    running = page.worker
    main_window.session.undo.clear()
    main_window.close()
    assert running.done or not running.running


def test_no_repetitions_shows_the_skip_reasons(qtbot, main_window, study, tmp_path):
    from neuroface_studio.app.project_service import ProjectSession
    folder = tmp_path / "noreps"
    shutil.copytree(study, folder)
    s = ProjectSession.open(folder)
    s.project.repetitions.clear()
    s.save()
    panel = _analyze(main_window, folder, "features_page")
    table = _compute(qtbot, panel.features_page)
    assert not table.rows and len(table.skipped) == 10
    text = panel.features_page.skipped_label.text()
    assert panel.features_page.skipped_label.isVisibleTo(panel) and "no repetitions" in text
    assert all(rid in text for rid in table.skipped)
    assert not panel.features_page.features_table.isVisibleTo(panel) and not panel.features_page.csv_button.isEnabled()
    assert "Traceback" not in text

    roc = panel.roc_page
    panel.pages.setCurrentWidget(roc)
    roc.classify_button.click()
    qtbot.waitUntil(lambda: not roc.running and roc.message_label.isVisibleTo(panel), timeout=30000)
    msg = roc.message_label.text()
    assert msg.startswith("Cannot classify: no repetitions of task OPEN") and "segment the recording" in msg
    assert "10 recording(s) skipped" in msg and msg.count("segment the recording") == 1  # grouped by reason
    assert "Traceback" not in msg and roc.result is None

    rid = sorted(main_window.session.project.recordings)[0]
    main_window.browser.recording_selected.emit(rid)
    panel.pages.setCurrentWidget(panel.traces_page)
    traces = panel.traces_page.traces
    assert traces.trace is not None and not traces.regions
    assert "No repetitions" in traces.overlay_plot.getPlotItem().titleLabel.text
