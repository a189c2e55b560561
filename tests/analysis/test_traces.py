"""Kinematic traces on hand-made landmark arrays with known distances."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neuroface_studio.analysis.traces import (
    TRACES, align_to_face, compute_trace, compute_traces, fill_short_gaps, head_turn_index, rigid_shape_deviation,
    trace_names, turned_away,
)
from neuroface_studio.app.paths import protocol_file


def face(n: int = 20, scale: float = 1.0) -> np.ndarray:
    """(n, 68, 2) frontal face: interocular 100 px * scale, mouth closed, brows 30 px above the eyes."""
    p = np.zeros((68, 2))
    p[:, 0] = 300.0
    p[:, 1] = 200.0
    p[36], p[45] = [250, 200], [350, 200]  # outer eye corners
    p[39], p[42] = [285, 200], [315, 200]  # inner eye corners
    p[37:39], p[40:42] = [[262, 195], [275, 195]], [[275, 205], [262, 205]]
    p[43:45], p[46:48] = [[325, 195], [338, 195]], [[338, 205], [325, 205]]
    p[17:22] = np.column_stack([np.linspace(245, 290, 5), np.full(5, 170.0)])  # right brow
    p[22:27] = np.column_stack([np.linspace(310, 355, 5), np.full(5, 170.0)])  # left brow
    p[27:31] = np.column_stack([np.full(4, 300.0), np.linspace(205, 245, 4)])  # nose bridge
    p[31:36] = np.column_stack([np.linspace(285, 315, 5), np.full(5, 255.0)])  # nostrils
    p[33] = [300, 258]
    p[48], p[54] = [270, 290], [330, 290]  # mouth corners: width 60 px
    p[60], p[64] = [275, 290], [325, 290]
    for u, lo, x in ((61, 67, 290), (62, 66, 300), (63, 65, 310)):
        p[u] = p[lo] = [x, 290]
    p[49:54] = np.column_stack([np.linspace(280, 320, 5), np.full(5, 285.0)])
    p[55:60] = np.column_stack([np.linspace(320, 280, 5), np.full(5, 296.0)])
    p[57] = [300, 296]
    p[8] = [300, 350]
    center = np.array([300.0, 250.0])
    return np.repeat(((p - center) * scale + center)[None], n, axis=0)


def test_known_distances_in_interocular_units():
    pts = face()
    pts[:, [66, 65, 67], 1] += 20.0  # lower inner lip down 20 px: aperture 0.2 interocular
    assert compute_trace("lip_aperture", pts) == pytest.approx(np.full(20, 0.2))
    assert compute_trace("mouth_width", pts) == pytest.approx(np.full(20, 0.6))
    assert compute_trace("brow_height", pts) == pytest.approx(np.full(20, 0.3), abs=1e-3)  # brow centre vs eye centre
    assert compute_trace("jaw_opening", pts) == pytest.approx(np.full(20, 0.92))
    assert compute_trace("mouth_width", pts, normalise=False) == pytest.approx(np.full(20, 60.0))


def test_traces_do_not_depend_on_face_size_or_position():
    small = face(scale=0.5)
    big = face(scale=2.0) + [40.0, -30.0]
    for name in trace_names():
        np.testing.assert_allclose(compute_trace(name, small), compute_trace(name, big), atol=1e-9, err_msg=name)


def test_movement_shows_in_the_trace_while_the_head_moves_and_rolls():
    n = 30
    pts = face(n)
    opening = 30.0 * np.sin(np.linspace(0, np.pi, n))
    pts[:, [65, 66, 67], 1] += opening[:, None]
    # camera distance changes (scale) and the head rolls: the trace must not change
    theta = np.deg2rad(np.linspace(-8, 8, n))
    scale = np.linspace(0.8, 1.2, n)
    c = np.array([300.0, 250.0])
    rot = np.stack([np.stack([np.cos(theta), -np.sin(theta)], 1), np.stack([np.sin(theta), np.cos(theta)], 1)], 1)
    moved = np.einsum("tij,tnj->tni", rot, (pts - c) * scale[:, None, None]) + c
    np.testing.assert_allclose(compute_trace("lip_aperture", moved), opening / 100.0, rtol=1e-3, atol=1e-9)


def test_short_gaps_interpolated_long_gaps_and_ends_stay_nan():
    v = np.arange(20, dtype=float)
    v[[0, 5, 6, 10, 11, 12, 13, 14, 15, 19]] = np.nan
    out = fill_short_gaps(v, max_gap=3)
    assert np.isnan(out[[0, 19]]).all()  # ends
    assert out[5] == 5 and out[6] == 6  # 2-frame gap filled
    assert np.isnan(out[10:16]).all()  # 6-frame gap kept
    pts = face(12)
    pts[3:5] = np.nan  # no face on frames 3-4
    pts[7, 62] = np.nan  # one point missing on frame 7
    tr = compute_trace("lip_aperture", pts, max_gap=2)
    assert np.isfinite(tr).all()
    assert np.isnan(compute_trace("lip_aperture", pts, max_gap=1)[3:5]).all()


def test_turned_away_frames_are_missing():
    pts = face(40)
    pts[15:25, 30, 0] += 35.0  # nose tip far to the side: the head is turned
    assert head_turn_index(pts)[0] == pytest.approx(0.0)
    assert head_turn_index(pts)[20] == pytest.approx(0.35)
    assert turned_away(pts)[15:25].all() and not turned_away(pts)[:15].any()
    assert np.isnan(compute_trace("mouth_width", pts)[15:25]).all()
    assert np.isfinite(compute_trace("mouth_width", pts, drop_turned=False)).all()
    wide = compute_trace("mouth_width", pts, turn_margin=2, max_gap=0)
    assert np.isnan(wide[13:27]).all() and np.isfinite(wide[:13]).all() and np.isfinite(wide[27:]).all()


def test_a_lost_track_is_missing():
    pts = face(40)
    pts[10:14] = pts[10:14][:, ::-1]  # the tracker fitted nonsense: points shuffled
    dev = rigid_shape_deviation(pts)
    assert dev[0] == pytest.approx(0.0, abs=1e-9) and (dev[10:14] > 0.5).all()
    assert turned_away(pts)[10:14].all() and turned_away(pts).sum() == 4
    theta = np.deg2rad(20.0)  # a rolled head is not implausible
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    rolled = face(40)
    rolled[20:] = (rolled[20:] - 300.0) @ rot.T + 300.0
    assert rigid_shape_deviation(rolled).max() < 1e-9 and not turned_away(rolled).any()


def test_every_protocol_trace_exists_and_errors_are_clear():
    protocol = json.loads(protocol_file().read_text())
    for task in protocol["tasks"]:
        assert task.get("trace", "lip_aperture") in TRACES
    with pytest.raises(ValueError, match="unknown trace 'smile_size'; known traces: .*lip_aperture"):
        compute_trace("smile_size", face())
    with pytest.raises(ValueError, match=r"\(frames, 68, 2\)"):
        compute_trace("lip_aperture", np.zeros((5, 20, 2)))
    assert np.isnan(compute_trace("mouth_width", np.full((4, 68, 2), np.nan))).all()
    assert set(compute_traces(face(3))) == set(TRACES)
    aligned, size = align_to_face(face(3))
    assert size == pytest.approx(100.0) and aligned.shape == (3, 68, 2)
