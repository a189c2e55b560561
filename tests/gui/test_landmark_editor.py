"""The landmark editor: mouse drags, selection, nudges, rotate/scale, visibility, mirror, reset,
copy, zoom, and undo/redo through the real UndoStack (offscreen, synthetic face, no simulator).

Mouse input goes to the view's viewport at the points' mapped screen positions (QTest), so the
checks cover the whole path from screen pixels to image pixels.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytestmark = pytest.mark.gui

from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QWheelEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from neuroface_studio.domain.landmarks import FLIP_PERMUTATION  # noqa: E402
from neuroface_studio.edits.undo import Command, UndoStack  # noqa: E402
from neuroface_studio.gui.annotate import landmark_geometry as geo  # noqa: E402
from neuroface_studio.gui.annotate.landmark_editor import LandmarkEditor  # noqa: E402

L = Qt.MouseButton.LeftButton
NO = Qt.KeyboardModifier.NoModifier


def symmetric_face() -> np.ndarray:
    """A 68-point face (from the simulator's reference points) made exactly left/right symmetric
    about x = 320, centred in a 640x480 frame."""
    import json

    from neuroface_studio.simulation.face_model import FACE_JSON

    pts = np.asarray(json.loads(FACE_JSON.read_text())["points_px"], dtype=np.float64)
    pts = (pts - pts.mean(axis=0)) * (260.0 / np.ptp(pts[:, 1])) + [320.0, 240.0]
    mirrored = pts[FLIP_PERMUTATION] * [-1.0, 1.0] + [640.0, 0.0]
    return (pts + mirrored) / 2.0


def frame() -> np.ndarray:
    img = np.zeros((480, 640, 3), np.uint8)
    img[..., 0] = (np.arange(640) // 3)[None, :]
    img[..., 1] = (np.arange(480) // 2)[:, None]
    img[..., 2] = 90
    return img


@pytest.fixture
def editor(qtbot):
    ed = LandmarkEditor()
    qtbot.addWidget(ed)
    ed.resize(900, 700)
    ed.show()
    qtbot.waitExposed(ed)
    pts = symmetric_face()
    ed.set_frame(frame(), pts, proposal=pts + 1.5)
    ed.zoom_to(2.0)
    centre_on(ed, pts.mean(axis=0))
    ed.view.setFocus()
    yield ed
    ed.close()


@pytest.fixture
def edits(editor):
    got = []
    editor.edited.connect(lambda *args: got.append(args))
    return got


def centre_on(ed, xy) -> None:
    centre = ed.view.viewport().rect().center()
    now = ed.view.screen_positions(np.asarray(xy, dtype=float)[None, :])[0]
    ed.pan_by(centre.x() - now[0], centre.y() - now[1])


def screen_of(ed, i: int) -> QPoint:
    x, y = ed.view.screen_positions(ed.points_view())[i]
    return QPoint(round(x), round(y))


def drag(ed, start: QPoint, end: QPoint, steps: int = 6, mods=NO) -> None:
    vp = ed.view.viewport()
    QTest.mousePress(vp, L, mods, start)
    for k in range(1, steps + 1):
        QTest.mouseMove(vp, start + (end - start) * k / steps)
    QTest.mouseRelease(vp, L, mods, end)


def key(ed, k, mods=NO, times: int = 1) -> None:
    for _ in range(times):
        QTest.keyClick(ed.view, k, mods)


def test_drag_one_point_by_mouse_moves_it_exactly_and_emits_once(editor, edits):
    before = editor.points()
    start = screen_of(editor, 30)
    drag(editor, start, start + QPoint(21, -13))
    after = editor.points()
    # zoom 2: 21 screen px right and 13 up are exactly 10.5 and 6.5 image px
    np.testing.assert_array_equal(after[30], before[30] + [10.5, -6.5])
    np.testing.assert_array_equal(np.delete(after, 30, axis=0), np.delete(before, 30, axis=0))
    assert len(edits) == 1
    old_p, old_v, new_p, new_v, text = edits[0]
    np.testing.assert_array_equal(old_p, before)
    np.testing.assert_array_equal(new_p, after)
    assert old_v.all() and new_v.all()
    assert text.startswith("move point 30")
    assert editor.selection() == [30]
    assert f"at ({after[30, 0]:.2f}, {after[30, 1]:.2f}) px" in editor.status.text()
    # the drawn item sits exactly on the new image position
    item = editor.overlay.items[30]
    assert (item.pos().x(), item.pos().y()) == tuple(after[30])


def test_click_without_drag_selects_and_does_not_edit(editor, edits):
    p = screen_of(editor, 8)
    QTest.mouseClick(editor.view.viewport(), L, NO, p)
    assert editor.selection() == [8]
    QTest.mouseClick(editor.view.viewport(), L, Qt.KeyboardModifier.ShiftModifier, screen_of(editor, 9))
    assert editor.selection() == [8, 9]
    QTest.mouseClick(editor.view.viewport(), L, Qt.KeyboardModifier.ControlModifier, screen_of(editor, 8))
    assert editor.selection() == [9]
    QTest.mouseDClick(editor.view.viewport(), L, NO, screen_of(editor, 12))
    assert editor.selection() == [12]
    QTest.mouseClick(editor.view.viewport(), L, NO, QPoint(5, 5))  # empty space: clear
    assert editor.selection() == []
    assert edits == []


def test_rectangle_select_then_nudge_burst_is_one_edit(editor, edits, qtbot):
    screen = editor.view.screen_positions(editor.points_view())
    eye = screen[36:42]
    lo, hi = eye.min(axis=0) - 4, eye.max(axis=0) + 4
    inside = np.flatnonzero(np.all((screen >= lo) & (screen <= hi), axis=1)).tolist()
    assert inside == list(range(36, 42))  # the box holds only the right eye
    drag(editor, QPoint(round(lo[0]), round(lo[1])), QPoint(round(hi[0]), round(hi[1])))
    assert editor.selection() == list(range(36, 42))
    assert edits == []
    before = editor.points()
    step = editor.nudge_step()
    assert step == 0.5  # zoom 2: one screen px
    with qtbot.waitSignal(editor.edited, timeout=3000):
        key(editor, Qt.Key.Key_Right, times=3)
        key(editor, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    assert len(edits) == 1
    expected = before.copy()
    expected[36:42] += [3 * step, -10 * step]
    np.testing.assert_allclose(editor.points(), expected, atol=1e-12)
    np.testing.assert_array_equal(edits[0][0], before)
    assert "nudge the right eye (4 steps)" == edits[0][4]


def test_lasso_select_with_alt_drag(editor):
    screen = editor.view.screen_positions(editor.points_view())
    mouth = screen[48:68]
    c = mouth.mean(axis=0)
    ring = [c + (p - c) * 1.4 for p in screen[48:60]]
    vp = editor.view.viewport()
    alt = Qt.KeyboardModifier.AltModifier
    QTest.mousePress(vp, L, alt, QPoint(*np.round(ring[0]).astype(int)))
    for p in ring[1:] + [ring[0]]:
        QTest.mouseMove(vp, QPoint(*np.round(p).astype(int)))
    QTest.mouseRelease(vp, L, alt, QPoint(*np.round(ring[0]).astype(int)))
    assert editor.selection() == list(range(48, 68))


def test_rotate_and_scale_selection_about_centroid(editor, edits):
    sel = list(range(48, 60))
    editor.set_selection(sel)
    before = editor.points()
    c_img = before[sel].mean(axis=0)
    c = editor.view.screen_positions(c_img[None, :])[0]
    view = editor.view
    a, b = QPoint(round(c[0] + 80), round(c[1])), QPoint(round(c[0]), round(c[1] + 80))
    QTest.keyPress(view, Qt.Key.Key_R)
    pivot = editor.overlay.pivot
    assert pivot.isVisible() and (pivot.pos().x(), pivot.pos().y()) == tuple(c_img)  # the centre, shown
    drag(editor, a, b, steps=10)
    QTest.keyRelease(view, Qt.Key.Key_R)
    assert not pivot.isVisible()
    sa, sb = view.to_scene(QPointF(a)), view.to_scene(QPointF(b))
    angle = math.atan2(sb.y() - c_img[1], sb.x() - c_img[0]) - math.atan2(sa.y() - c_img[1], sa.x() - c_img[0])
    assert abs(math.degrees(angle) - 90.0) < 1.0  # a quarter turn, clockwise on screen
    rotated = editor.points()
    np.testing.assert_allclose(rotated, geo.rotate(before, sel, angle, c_img), atol=1e-9)
    np.testing.assert_allclose(rotated[sel].mean(axis=0), c_img, atol=1e-9)
    np.testing.assert_allclose(np.hypot(*(rotated[sel] - c_img).T), np.hypot(*(before[sel] - c_img).T), atol=1e-9)
    # a quarter turn clockwise on screen: (x, y) about the centroid becomes (-y, x)
    v = before[48] - c_img
    np.testing.assert_allclose(rotated[48] - c_img, [-v[1], v[0]], atol=0.2)
    assert rotated[48, 1] < c_img[1] - 20  # the left mouth corner now sits above the centroid
    assert len(edits) == 1 and edits[0][4].startswith("rotate the outer lips by 9")

    QTest.keyPress(view, Qt.Key.Key_S)
    start, end = QPoint(round(c[0] + 40), round(c[1])), QPoint(round(c[0] + 70), round(c[1]))
    drag(editor, start, end)
    QTest.keyRelease(view, Qt.Key.Key_S)
    s0, s1 = view.to_scene(QPointF(start)), view.to_scene(QPointF(end))
    factor = math.hypot(s1.x() - c_img[0], s1.y() - c_img[1]) / math.hypot(s0.x() - c_img[0], s0.y() - c_img[1])
    assert 1.6 < factor < 1.9
    np.testing.assert_allclose(editor.points(), geo.scale(rotated, sel, factor, c_img), atol=1e-9)
    assert len(edits) == 2 and edits[1][4].startswith("scale the outer lips")


def test_keyboard_rotate_and_scale_are_bursts(editor, edits, qtbot):
    sel = list(range(36, 42))
    editor.set_selection(sel)
    before = editor.points()
    with qtbot.waitSignal(editor.edited, timeout=3000):
        key(editor, Qt.Key.Key_BracketRight, times=2)
        key(editor, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ShiftModifier)
    np.testing.assert_allclose(editor.points(), geo.rotate(before, sel, math.radians(7.0)), atol=1e-9)
    key(editor, Qt.Key.Key_Period)
    editor.commit_pending()
    np.testing.assert_allclose(editor.points(), geo.scale(geo.rotate(before, sel, math.radians(7.0)), sel, 1.01),
                               atol=1e-9)
    assert [e[4].split()[0] for e in edits] == ["rotate", "scale"]


def test_visibility_toggle_and_hidden_points_stay_editable(editor, edits):
    editor.set_selection([57])
    key(editor, Qt.Key.Key_V)
    assert not editor.visible()[57] and editor.visible().sum() == 67
    assert editor.overlay.items[57].hidden
    assert len(edits) == 1 and edits[0][4] == "hide point 57 (lower lip bottom)"
    assert edits[0][1][57] and not edits[0][3][57]
    before = editor.points()[57]
    drag(editor, screen_of(editor, 57), screen_of(editor, 57) + QPoint(0, 8))
    np.testing.assert_array_equal(editor.points()[57], before + [0.0, 4.0])
    assert not editor.visible()[57]  # moving keeps it hidden
    key(editor, Qt.Key.Key_V)
    assert editor.visible().all() and not editor.overlay.items[57].hidden
    assert len(edits) == 3 and edits[2][4].startswith("show point 57")


def test_mirror_partner_highlight_and_mirrored_edit(editor, edits):
    editor.set_selection([36])
    assert editor.overlay.items[45].partner and not editor.overlay.items[44].partner
    editor.set_selection(range(17, 22))  # the right brow
    assert [i for i, it in enumerate(editor.overlay.items) if it.partner] == list(range(22, 27))
    before = editor.points()
    editor.nudge(-2.0, -3.0)
    editor.commit_pending()
    key(editor, Qt.Key.Key_M)
    after = editor.points()
    assert len(edits) == 2 and edits[1][4] == "mirror the edit of the right brow to their partners"
    partners = FLIP_PERMUTATION[17:22]
    # the face's midline is vertical: the partners move by (+2, -3)
    np.testing.assert_allclose(after[partners], before[partners] + [2.0, -3.0], atol=1e-9)
    np.testing.assert_allclose(after[17:22], before[17:22] + [-2.0, -3.0], atol=1e-9)
    untouched = np.setdiff1d(np.arange(68), np.r_[17:27])
    np.testing.assert_array_equal(after[untouched], before[untouched])
    key(editor, Qt.Key.Key_M)  # idempotent: nothing more to do, nothing emitted
    assert len(edits) == 2


def test_mirror_follows_a_tilted_midline():
    pts = symmetric_face()
    tilt = math.radians(20.0)
    tilted = geo.rotate(pts, range(68), tilt, (320.0, 240.0))
    moved = geo.translate(tilted, [48], (-3.0, 0.0))  # mouth corner out along image x
    new, partners = geo.mirror_edit(moved, tilted, [48])
    assert partners == [54]
    axis = geo.midline_axis(tilted)
    np.testing.assert_allclose(axis, [math.sin(-tilt) * -1, -math.cos(tilt)], atol=1e-9)
    expected = tilted[54] + geo.reflect_vectors(np.array([[-3.0, 0.0]]), axis)[0]
    np.testing.assert_allclose(new[54], expected, atol=1e-9)
    # distances to the midline stay symmetric
    np.testing.assert_allclose(np.linalg.norm(new[54] - tilted[54]), 3.0)


def test_reset_to_proposal_and_copy_previous(editor, edits):
    proposal = symmetric_face() + 1.5
    previous = symmetric_face() - 2.0
    prev_vis = np.ones(68, bool)
    prev_vis[0] = False
    editor.set_previous(previous, prev_vis)
    editor.set_selection([10, 11])
    key(editor, Qt.Key.Key_Backspace)
    np.testing.assert_array_equal(editor.points()[[10, 11]], proposal[[10, 11]])
    np.testing.assert_array_equal(editor.points()[12], symmetric_face()[12])
    editor.set_selection([])
    key(editor, Qt.Key.Key_Backspace)
    np.testing.assert_array_equal(editor.points(), proposal)
    key(editor, Qt.Key.Key_P)
    np.testing.assert_array_equal(editor.points(), previous)
    np.testing.assert_array_equal(editor.visible(), prev_vis)
    assert [e[4] for e in edits] == ["reset 2 points to the proposal", "reset 68 points to the proposal",
                                     "copy 68 points from the previous frame"]


def test_zoom_and_pan_keep_points_exact_in_image_px(editor, edits):
    before = editor.points()
    vp = editor.view.viewport()
    anchor = screen_of(editor, 33)
    anchor_scene = editor.view.to_scene(QPointF(anchor))
    for delta in (120, 120, -120, 240):
        ev = QWheelEvent(QPointF(anchor), QPointF(vp.mapToGlobal(anchor)), QPoint(), QPoint(0, delta),
                         Qt.MouseButton.NoButton, NO, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(vp, ev)
    assert editor.zoom() == pytest.approx(2.0 * 1.25 ** 3)
    # the image point under the cursor stayed under it (to the scroll bars' whole pixels)
    now = editor.view.to_scene(QPointF(anchor))
    assert abs(now.x() - anchor_scene.x()) < 1 / editor.zoom() and abs(now.y() - anchor_scene.y()) < 1 / editor.zoom()
    key(editor, Qt.Key.Key_Plus)
    key(editor, Qt.Key.Key_Minus, times=3)
    key(editor, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)  # pan
    np.testing.assert_array_equal(editor.points(), before)
    for i, item in enumerate(editor.overlay.items):
        assert (item.pos().x(), item.pos().y()) == tuple(before[i])
    # a drag at this zoom moves by exactly screen px / zoom
    z = editor.zoom()
    start = screen_of(editor, 33)
    drag(editor, start, start + QPoint(10, 0))
    assert editor.points()[33, 0] == pytest.approx(before[33, 0] + 10 / z, abs=1e-9)
    assert editor.points()[33, 1] == before[33, 1]
    key(editor, Qt.Key.Key_0)
    assert editor.view.fit_mode and editor.zoom() < 2.0
    key(editor, Qt.Key.Key_1)
    assert editor.zoom() == 1.0
    assert len(edits) == 1


class EditorEdit(Command):
    """The adapter the Annotate workspace uses: one editor signal = one undoable command."""

    def __init__(self, editor, old_p, old_v, new_p, new_v, text) -> None:
        self.editor, self.old, self.new, self.label = editor, (old_p, old_v), (new_p, new_v), text

    def do(self) -> None:
        self.editor.set_landmarks(*self.new)

    def undo(self) -> None:
        self.editor.set_landmarks(*self.old)


def test_undo_redo_through_the_real_undo_stack(editor, edits):
    stack = UndoStack()
    editor.edited.connect(lambda *args: stack.push(EditorEdit(editor, *args)))
    before = editor.points()
    start = screen_of(editor, 8)
    drag(editor, start, start + QPoint(7, 19), steps=12)
    after = editor.points()
    editor.set_selection([8])
    key(editor, Qt.Key.Key_V)
    assert stack.undo_label == "hide point 8 (jaw 08)"
    assert len(edits) == 2
    assert stack.undo() == "hide point 8 (jaw 08)"
    assert editor.visible().all()
    assert stack.undo().startswith("move point 8")
    np.testing.assert_array_equal(editor.points(), before)  # exactly
    np.testing.assert_array_equal(editor.overlay.items[8].pos().toTuple(), before[8])
    assert stack.redo().startswith("move point 8")
    np.testing.assert_array_equal(editor.points(), after)
    assert stack.can_undo and stack.redo_label == "hide point 8 (jaw 08)"
    assert len(edits) == 2  # set_landmarks never emits


def test_escape_cancels_a_drag(editor, edits):
    before = editor.points()
    vp = editor.view.viewport()
    start = screen_of(editor, 30)
    QTest.mousePress(vp, L, NO, start)
    QTest.mouseMove(vp, start + QPoint(30, 30))
    assert not np.array_equal(editor.points(), before)
    key(editor, Qt.Key.Key_Escape)
    np.testing.assert_array_equal(editor.points(), before)
    QTest.mouseRelease(vp, L, NO, start + QPoint(30, 30))
    assert edits == []


def test_keyboard_selection_and_shortcut_list(editor):
    key(editor, Qt.Key.Key_Tab)
    assert editor.selection() == [0]
    key(editor, Qt.Key.Key_Tab)
    assert editor.selection() == [1]
    key(editor, Qt.Key.Key_Backtab)
    assert editor.selection() == [0]
    key(editor, Qt.Key.Key_G)
    assert editor.selection() == list(range(17))
    key(editor, Qt.Key.Key_G)
    assert editor.selection() == list(range(17, 22))
    key(editor, Qt.Key.Key_G, Qt.KeyboardModifier.ShiftModifier)
    assert editor.selection() == list(range(17))
    key(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(editor.selection()) == 68
    key(editor, Qt.Key.Key_Escape)
    assert editor.selection() == []
    key(editor, Qt.Key.Key_H)
    assert not editor.overlay.lines[0].isVisible()
    shortcuts = LandmarkEditor.shortcuts()
    keys = [k for k, _ in shortcuts]
    for needed in ("V", "M", "P", "Backspace", "Arrow keys", "R+drag", "S+drag", "0"):
        assert needed in keys
    assert all(k and d for k, d in shortcuts)


def test_nothing_is_drawn_before_landmarks_are_given(qtbot):
    ed = LandmarkEditor()
    qtbot.addWidget(ed)
    assert not any(item.isVisible() for item in ed.overlay.items)
    ed.set_landmarks(symmetric_face())
    assert all(item.isVisible() for item in ed.overlay.items)


def test_set_landmarks_and_set_frame_do_not_emit(editor, edits):
    pts = symmetric_face() + 3.0
    vis = np.ones(68, bool)
    vis[5] = False
    editor.set_landmarks(pts, vis)
    np.testing.assert_array_equal(editor.points(), pts)
    assert editor.overlay.items[5].hidden
    editor.set_frame(frame(), pts)
    with pytest.raises(ValueError, match="68"):
        editor.set_landmarks(np.zeros((67, 2)))
    assert edits == []


def test_arrows_pan_when_nothing_is_selected(editor, edits):
    before = editor.view.to_scene(QPointF(100, 100))
    key(editor, Qt.Key.Key_Right)
    after = editor.view.to_scene(QPointF(100, 100))
    assert after.x() == pytest.approx(before.x() + 60 / editor.zoom())  # the view scrolls right
    assert edits == []


@pytest.mark.xvfb
def test_screenshots_in_a_real_window(tmp_path):
    """tools/editor_screenshots.py opens the editor under Xvfb on a simulated face and saves PNGs."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from PySide6.QtGui import QImage

    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed")
    script = Path(__file__).resolve().parents[2] / "tools" / "editor_screenshots.py"
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", XDG_CONFIG_HOME=str(tmp_path / "config"))
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1500x900x24", sys.executable, str(script),
                           str(tmp_path)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "selected after lasso: [48, 49" in proc.stdout
    for name in ("fit.png", "zoom.png", "lasso.png"):
        image = QImage(str(tmp_path / name)).convertToFormat(QImage.Format.Format_RGB888)
        assert image.width() == 1200 and image.height() == 800
        w, h = image.width(), image.height()
        px = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes()).reshape(h, image.bytesPerLine())
        px = px[:, : w * 3].reshape(h, w, 3)
        # the group colours are drawn: the jaw's cyan everywhere, the eyes' green when they are in view
        for rgb in ((0x4F, 0xC3, 0xF7),) + (((0x69, 0xF0, 0xAE),) if name != "zoom.png" else ()):
            assert (np.abs(px.astype(int) - rgb).sum(axis=2) < 30).sum() > 20, (name, rgb)


def test_image_pixel_centres_are_at_integer_coordinates(qtbot):
    """A point at (100, 50) is drawn on the centre of image pixel (row 50, column 100)."""
    img = np.zeros((120, 160, 3), np.uint8)
    img[50, 100] = 255
    ed = LandmarkEditor()
    qtbot.addWidget(ed)
    ed.resize(500, 400)
    ed.show()
    qtbot.waitExposed(ed)
    pts = symmetric_face() * 0.2
    pts[30] = (100.0, 50.0)
    ed.set_frame(img, pts)
    ed.set_lines_visible(False)
    ed.overlay.set_shown(False)  # look at the image alone
    ed.zoom_to(16.0)
    centre_on(ed, (100.0, 50.0))
    QApplication.processEvents()
    x, y = ed.view.screen_positions(np.array([[100.0, 50.0]]))[0]
    shot = ed.view.viewport().grab().toImage()
    dpr = shot.devicePixelRatio()

    def white(dx, dy) -> bool:
        return shot.pixelColor(round((x + dx) * dpr), round((y + dy) * dpr)).red() > 200

    assert white(0, 0) and white(-6, -6) and white(6, 6) and white(-6, 6)  # the 16x16 block around it
    assert not white(-10, 0) and not white(10, 0) and not white(0, -10) and not white(0, 10)


def test_editor_keys_win_over_window_shortcuts(qtbot):
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QMainWindow

    window = QMainWindow()
    qtbot.addWidget(window)
    ed = LandmarkEditor()
    window.setCentralWidget(ed)
    fired = []
    action = QAction("window V", window)
    action.setShortcut(QKeySequence("V"))
    action.triggered.connect(lambda: fired.append(1))
    window.addAction(action)
    window.resize(700, 500)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    ed.set_frame(frame(), symmetric_face())
    ed.view.setFocus()
    qtbot.waitUntil(ed.view.hasFocus)
    ed.set_selection([3])
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_V)
    assert not ed.visible()[3]
    assert fired == []
    ed.view.clearFocus()
    window.setFocus()
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_V)
    assert fired == [1]  # without the editor focused, the window's shortcut runs


def test_drag_benchmark_runs(qtbot):
    """`neuroface-studio bench editor` in small: every move repaints, each drag is one edit."""
    from neuroface_studio.gui.bench import bench_editor_drag

    res = bench_editor_drag(n_moves=8)
    assert res["edits_emitted"] == 3
    assert res["repaints_per_move"] >= 1.0
    assert all(res[f"{name}_ms_median"] > 0 for name in ("one_point", "outer_lips", "all_68"))
