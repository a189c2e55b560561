"""Analyze → Features with recordings in 3D (mm) and 2D (interocular units, no depth): each
participant is compared only with controls measured the same way, and the table says which; the
minimum of controls for a z-score (analysis/sample_size.py) counts those controls only."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gui


def _rows():
    from neuroface_studio.analysis.features import FEATURE_NAMES
    rows = []
    for pid, group, space, rom in (("H1", "HC", "3d_mm", 10.0), ("H2", "HC", "3d_mm", 12.0), ("H3", "HC", "3d_mm", 14.0),
                                   ("H6", "HC", "3d_mm", 11.0), ("H7", "HC", "3d_mm", 13.0),
                                   ("H4", "HC", "2d_iod", 0.1), ("H5", "HC", "2d_iod", 0.2),
                                   ("A1", "ALS", "2d_iod", 0.3), ("A2", "ALS", "3d_mm", 8.0)):
        row = {"participant": pid, "group": group, "recording": f"{pid}-OPEN", "task": "OPEN", "repetition": 1,
               "start": 0, "end": 9, "space": space, **{f: float("nan") for f in FEATURE_NAMES}}
        row["range_of_motion"], row["duration"] = rom, 1.0
        rows.append(row)
    return rows


def test_z_scores_only_against_controls_in_the_same_space(qtbot):
    from PySide6.QtCore import Qt

    from neuroface_studio.gui.analyze.features import (
        FeaturesTableWidget, control_z_scores, feature_csv_rows, participant_means,
    )
    means = participant_means(_rows(), "OPEN")
    z = {m["participant"]: zz["range_of_motion"] for m, zz in zip(means, control_z_scores(means))}
    assert np.isnan(z["A1"])  # 2D: against H4, H5 only - 2 controls, fewer than the 5 a z needs
    assert z["A2"] == pytest.approx((8.0 - 12.0) / np.std([10, 12, 14, 11, 13], ddof=1))  # 3D: the 5 controls H1-H7
    header, rows = feature_csv_rows(means, "OPEN")
    assert header[4] == "space" and "range_of_motion" in header and "duration_s" in header  # mixed: unit in "space"
    assert {r[0]: r[4] for r in rows}["A1"] == "2d_iod"
    assert header[-1] == "n_HC_controls" and {r[0]: r[-1] for r in rows} == {**{f"H{k}": 5 for k in (1, 2, 3, 6, 7)},
                                                                               "H4": 2, "H5": 2, "A1": 2, "A2": 5}
    table = FeaturesTableWidget()
    qtbot.addWidget(table)
    table.show_means(means)
    by_id = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert table.item(by_id["A1"], 2).text() == "1 · 2D" and table.item(by_id["A2"], 2).text() == "1"
    assert "interocular" in table.item(by_id["A1"], 0).toolTip()
    assert "(mm | IOD)" in table.horizontalHeaderItem(3).text()
    assert np.isnan(table.z_at(by_id["A1"], "range_of_motion")) and table.z_at(by_id["A2"], "range_of_motion") == \
        pytest.approx(z["A2"])
    col = 3 + list(header[5::2]).index("range_of_motion")  # the table's column of the feature
    a1, a2 = table.item(by_id["A1"], col), table.item(by_id["A2"], col)
    assert a1.text() == "0.3" and "no z: not enough participants (n=2 HC controls; at least 5 needed)" in a1.toolTip()
    assert a1.background().style() == Qt.BrushStyle.NoBrush  # a value without a z is never coloured
    assert a2.text() == f"8 ({z['A2']:+.1f})" and "HC (n=5)" in a2.toolTip()
    assert a2.background().color().name() == "#f7c6c0"  # |z| > 2: red
    only_2d = [m for m in means if m["space"] == "2d_iod"]
    table.show_means(only_2d)
    assert "(IOD)" in table.horizontalHeaderItem(3).text()
    assert feature_csv_rows(only_2d, "OPEN")[0][5] == "range_of_motion_IOD"


def test_trace_plot_time_axis_is_the_recorded_clock(qtbot):
    from neuroface_studio.gui.analyze.kinematics import KinematicTracesWidget, RecordingTrace
    t = np.array([0, 1, 3, 7, 8, 10, 14, 15, 16, 20], np.float64) / 60.0  # frames lost
    values = np.sin(np.arange(len(t), dtype=float))
    trace = RecordingTrace("R-OPEN", "lip_aperture", values, 60.0, [(2, 6)], "test", "P", "OPEN", times=t,
                           clock="recorded timestamps (irregular)")
    w = KinematicTracesWidget()
    qtbot.addWidget(w)
    w.show_trace(trace)
    lo, hi = w.regions[0].getRegion()
    assert lo == pytest.approx(t[2]) and hi == pytest.approx(t[6] + np.median(np.diff(t)))
    x, _y = w.time_curve.getData()
    assert x == pytest.approx(t)
    w.set_frame(6)
    assert w.cursor.value() == pytest.approx(t[6]) and w.cursor_frame() == 6
    assert w.frame_at_x(t[3] + 0.004) == 3 and w.frame_at_x(99.0) == len(t) - 1
    ox, _ = w.overlay_curves[0].getData()
    assert ox == pytest.approx(t[2:7] - t[2])
    assert "recorded timestamps (irregular)" in w.info_label.text()
