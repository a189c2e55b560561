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
    from neuroface_studio.gui.record_workspace import RecordWorkspacePanel

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
