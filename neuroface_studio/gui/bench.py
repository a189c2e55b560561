"""Benchmark: a 60 fps recording while the Record workspace's preview and pose feedback run.

Runs the real RecordWorkspacePanel offscreen (or on the current display) with the
simulated participant as the camera (pre-rendered frames: a camera delivers frames without
the simulator's render cost) and reports drops, data rate, writer CPU, pose rate, preview
rate and preview latency (capture thread hand-over -> frame drawn on the GUI thread).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def bench_record_gui(duration_s: float = 60.0, fps: float = 60.0) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import numpy as np
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from neuroface_studio.acquisition.synthetic import SyntheticSource
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.domain.participants import Group, Participant
    from neuroface_studio.gui.record.workspace import RecordWorkspacePanel

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        session = ProjectSession.create(Path(tmp) / "bench")
        session.project.add_participant(Participant("BENCH", Group.HC))
        panel = RecordWorkspacePanel()
        panel.resize(1400, 850)
        panel.set_session(session)
        panel.show()
        panel.runner.select_participant("BENCH")
        panel.runner.select_task("OPEN")
        source = SyntheticSource("BENCH", Group.HC, "OPEN", fps=fps, seed=3, prerender=int(2 * fps))
        if not panel.start_preview(source):
            raise RuntimeError(panel.message_label.text())

        def run_for(seconds: float) -> None:
            loop = QEventLoop()
            QTimer.singleShot(int(seconds * 1000), loop.quit)
            loop.exec()

        run_for(2.0)  # pose model loads, estimates arrive: then "look at the camera"
        panel.calibrate()
        panel.start_recording("OPEN")
        panel.mailbox.latencies_ms.clear()
        shown0 = panel.preview.frames_shown
        run_for(duration_s)
        shown = panel.preview.frames_shown - shown0
        lat = np.array(panel.mailbox.latencies_ms or [np.nan])
        pose_hz = panel.live.pose.rate_hz() if panel.live.pose else 0.0
        stats_obj = panel.live.live_stats()  # completed (writer CPU, final counts) by the stop
        panel.stop_recording()
        stats = stats_obj.summary()
        panel.shutdown()
        panel.close()
        app.processEvents()
    return {
        "duration_s": duration_s, "target_fps": fps,
        "frames_written": stats["frames_written"], "dropped": stats["dropped"],
        "dropped_camera": stats["dropped_camera"], "dropped_queue": stats["dropped_queue"],
        "mb_per_s": stats["mb_per_s"], "writer_cpu_percent": stats["writer_cpu_percent"],
        "pose_rate_hz": round(pose_hz, 1), "preview_fps": round(shown / duration_s, 1),
        "preview_latency_ms_median": round(float(np.median(lat)), 1),
        "preview_latency_ms_p95": round(float(np.percentile(lat, 95)), 1),
    }


def bench_editor_drag(n_moves: int = 300, zoom: float = 2.0) -> dict:
    """Drag redraw cost of the landmark editor: ms per mouse move, event to repainted viewport.

    Opens a :class:`~neuroface_studio.gui.annotate.landmark_editor.LandmarkEditor` (1400x850, offscreen
    unless a display is set) on a simulated face frame at ``zoom`` and drags one point, then the
    outer-lip selection, then all 68 points (the whole face repainted per move), ``n_moves`` mouse
    moves each, sending every move to the viewport and processing events until it is painted.
    The budget is 16 ms per move. Wall-clock times: a busy machine (see ``load_average_1min``)
    reads slower.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import time

    import numpy as np
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from neuroface_studio.app.paths import protocol_file
    from neuroface_studio.domain.participants import Group
    from neuroface_studio.gui.annotate.landmark_editor import LandmarkEditor
    from neuroface_studio.simulation.clinic import make_identity, plan_recording, render_frame
    from neuroface_studio.store.protocol_file import load_protocol

    app = QApplication.instance() or QApplication([])
    identity = make_identity("BENCH", Group.HC, seed=3)
    plan = plan_recording(identity, load_protocol(protocol_file()).task("OPEN"), fps=30.0, seed=0)
    color, _ = render_frame(identity, plan, plan.n_frames // 3)
    points = plan.landmarks_px[plan.n_frames // 3]
    editor = LandmarkEditor()
    editor.resize(1400, 850)
    editor.show()
    editor.set_frame(color, points)
    view, vp = editor.view, editor.view.viewport()
    editor.zoom_to(zoom)
    centre = vp.rect().center()
    now = view.screen_positions(points.mean(axis=0)[None, :])[0]
    editor.pan_by(centre.x() - now[0], centre.y() - now[1])
    for _ in range(5):
        app.processEvents()
    edits = []
    editor.edited.connect(lambda *a: edits.append(a[4]))

    def send(kind, pos: QPointF) -> None:
        button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
        QApplication.sendEvent(vp, QMouseEvent(kind, pos, vp.mapToGlobal(pos), button, buttons,
                                               Qt.KeyboardModifier.NoModifier))

    def drag(index: int) -> tuple[list[float], int]:
        x, y = view.screen_positions(editor.points_view())[index]
        send(QEvent.Type.MouseButtonPress, QPointF(x, y))
        app.processEvents()
        times, paints0 = [], view.paints
        for k in range(n_moves):
            a = 2 * np.pi * k / 60.0
            pos = QPointF(x + 40 * np.sin(a) + 5, y + 25 * (1 - np.cos(a)) + 5)
            t0 = time.perf_counter()
            send(QEvent.Type.MouseMove, pos)
            app.processEvents()
            times.append((time.perf_counter() - t0) * 1000.0)
        send(QEvent.Type.MouseButtonRelease, pos)
        app.processEvents()
        return times, view.paints - paints0

    res: dict = {"n_moves": n_moves, "zoom": zoom}
    paints = 0
    for name, selection, grab in (("one_point", [30], 30), ("outer_lips", range(48, 60), 51),
                                  ("all_68", range(68), 30)):
        editor.set_selection(selection)
        times, n_paints = drag(grab)
        paints += n_paints
        res[f"{name}_ms_median"] = round(float(np.median(times)), 2)
        res[f"{name}_ms_p95"] = round(float(np.percentile(times, 95)), 2)
    editor.close()
    app.processEvents()
    res.update({"edits_emitted": len(edits), "repaints_per_move": round(paints / (3 * n_moves), 2),
                "budget_ms": 16.0, "load_average_1min": round(os.getloadavg()[0], 2)})
    return res
