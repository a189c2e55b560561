"""Open the landmark editor in a real window on a simulated face and save screenshots.

    xvfb-run -a -s "-screen 0 1500x900x24" env QT_QPA_PLATFORM=xcb .venv/bin/python \
        tools/editor_screenshots.py [OUT_DIR]

Writes fit.png (whole frame, the right eye selected, its partners ringed, one point hidden),
zoom.png (zoomed on the mouth after a rotate of the outer lips), rotate.png (R+drag in progress,
the pivot at the centroid) and lasso.png (a lasso in progress)
into OUT_DIR (default /tmp/editor_shots) for a person to look at.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication


def simulated_frame(seed: int = 7):
    from neuroface_studio.app.paths import protocol_file
    from neuroface_studio.domain.participants import Group
    from neuroface_studio.simulation.clinic import make_identity, plan_recording, render_frame
    from neuroface_studio.store.protocol_file import load_protocol

    identity = make_identity("P001", Group.HC, seed=seed)
    plan = plan_recording(identity, load_protocol(protocol_file()).task("OPEN"), fps=30.0, seed=0)
    index = plan.n_frames // 3
    color, _ = render_frame(identity, plan, index)
    truth = plan.landmarks_px[index]
    proposal = truth + np.random.default_rng(seed).normal(0.0, 2.0, truth.shape)
    return color, truth, proposal


def _mouse(view, kind: str, pos: QPointF, buttons=None, mods=Qt.KeyboardModifier.NoModifier) -> None:
    """Send a left-button press/move/release to the view's viewport at ``pos`` (viewport px)."""
    types = {"press": QEvent.Type.MouseButtonPress, "move": QEvent.Type.MouseMove,
             "release": QEvent.Type.MouseButtonRelease}
    left = Qt.MouseButton.LeftButton
    if buttons is None:
        buttons = Qt.MouseButton.NoButton if kind == "release" else left
    button = Qt.MouseButton.NoButton if kind == "move" else left
    ev = QMouseEvent(types[kind], pos, view.viewport().mapToGlobal(pos), button, buttons, mods)
    QApplication.sendEvent(view.viewport(), ev)


def main(out_dir: str = "/tmp/editor_shots") -> int:
    from neuroface_studio.gui.annotate.landmark_editor import LandmarkEditor

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    color, truth, proposal = simulated_frame()
    editor = LandmarkEditor()
    editor.resize(1200, 800)
    editor.show()
    editor.set_frame(color, proposal, proposal=proposal)
    app.processEvents()
    editor.zoom_fit()
    app.processEvents()
    editor.set_selection(range(36, 42))
    editor.nudge(0.0, -3.0)
    editor.commit_pending()
    editor.set_selection([57])
    editor.toggle_visibility()
    editor.set_selection(range(36, 42))
    view = editor.view
    hover_at = view.screen_positions(editor.points_view())[30]
    _mouse(view, "move", QPointF(*hover_at), buttons=Qt.MouseButton.NoButton)
    app.processEvents()
    editor.grab().save(str(out / "fit.png"))

    editor.set_selection(range(48, 60))
    editor.rotate_selection(8.0)
    editor.commit_pending()
    editor.set_hover(None)
    mouth = editor.points()[48:68].mean(axis=0)
    editor.zoom_to(4.0)
    centre = view.viewport().rect().center()
    now = view.screen_positions(mouth[None, :])[0]
    editor.pan_by(centre.x() - now[0], centre.y() - now[1])
    app.processEvents()
    editor.grab().save(str(out / "zoom.png"))

    # rotate.png: R held, the outer lips half-way through a rotate about their centroid
    from PySide6.QtTest import QTest
    editor.zoom_to(2.5)
    now = view.screen_positions(mouth[None, :])[0]
    editor.pan_by(centre.x() - now[0], centre.y() - now[1])
    app.processEvents()
    c = view.screen_positions(editor.points()[48:60].mean(axis=0)[None, :])[0]
    QTest.keyPress(view, Qt.Key.Key_R)
    _mouse(view, "press", QPointF(c[0] + 120, c[1]))
    for k in range(1, 6):
        a = -0.05 * k
        _mouse(view, "move", QPointF(c[0] + 120 * np.cos(a), c[1] + 120 * np.sin(a)), buttons=Qt.MouseButton.LeftButton)
    app.processEvents()
    editor.grab().save(str(out / "rotate.png"))
    _mouse(view, "release", QPointF(c[0] + 120 * np.cos(a), c[1] + 120 * np.sin(a)))
    QTest.keyRelease(view, Qt.Key.Key_R)

    editor.zoom_fit()
    editor.set_selection([])
    app.processEvents()
    pts = view.screen_positions(editor.points_view())
    ring = [pts[i] + (pts[i] - pts[48:68].mean(axis=0)) * 0.3 for i in range(48, 60)]
    _mouse(view, "press", QPointF(*ring[0]), mods=Qt.KeyboardModifier.AltModifier)
    for p in ring[1:] + [ring[0] + (2, 0)]:
        _mouse(view, "move", QPointF(*p), buttons=Qt.MouseButton.LeftButton)
    app.processEvents()
    editor.grab().save(str(out / "lasso.png"))
    _mouse(view, "release", QPointF(*ring[0]))
    print("selected after lasso:", editor.selection())
    print("wrote", sorted(str(p) for p in out.glob("*.png")))
    editor.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
