"""Open Analyze's kinematics tabs in a real window on a simulated study, drive them, save screenshots.

    xvfb-run -a -s "-screen 0 1500x900x24" env QT_QPA_PLATFORM=xcb .venv/bin/python \
        tools/kinematics_screenshots.py [OUT_DIR] [--participants N]

Simulates N participants (default 10: 5 HC and 5 ALS, the fewest for which z-scores and an AUC
are shown; OPEN only, 10 fps, short) into a temporary project (the simulated truth stands in for
landmarks), opens the main window on Analyze and writes into
OUT_DIR (default /tmp/kin_shots): 1_traces.png (a recording's trace, repetitions shaded and
overlaid, the cursor on the viewer's frame after a real mouse click on the plot), 2_traces_3d.png
(the same in mm from depth), 3_features.png (Compute features: z-scores against HC),
4_roc.png (Classify HC vs ALS), and the exported figures trace.png, trace.svg, roc.png, roc.svg.
With fewer than 5 per group (e.g. ``--participants 6``) the features table and the ROC page say
"not enough participants" instead (no ROC figures then). Exits non-zero when the click did not move
the viewer, or a step did not finish.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    participants = 10
    if "--participants" in argv:
        k = argv.index("--participants")
        participants = int(argv[k + 1])
        argv = argv[:k] + argv[k + 2:]
    out = Path(argv[0] if argv else "/tmp/kin_shots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NEUROFACE_HOME", tempfile.mkdtemp(prefix="nf-home-"))
    from PySide6.QtCore import QEventLoop, QPointF, QSettings, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="nf-settings-"))
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    from neuroface_studio.gui.main_window import MainWindow

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def until(cond, what: str, timeout_s: float = 180) -> None:
        t0 = time.monotonic()
        while not cond():
            if time.monotonic() - t0 > timeout_s:
                raise SystemExit(f"timed out waiting for {what}")
            wait(100)

    folder = Path(tempfile.mkdtemp(prefix="nf-kin-")) / "study"
    simulate_into_project(ProjectSession.create(folder), SimulationRequest(
        participants=participants, groups=("HC", "ALS"), tasks=("OPEN",), fps=10, duration_scale=0.3, annotators=0,
        seed=3))
    window = MainWindow()
    window.resize(1500, 900)
    window.show()
    if not window.open_project(folder):
        return 1
    window.workspace_bar.select("analyze")
    panel = window.analyze_panel
    panel.pages.setCurrentWidget(panel.traces_page)
    rid = sorted(window.session.project.recordings)[3]
    window.browser.select_recording(rid)
    wait(400)
    traces = panel.traces_page.traces
    if traces.trace is None or window.workspace_stack.current_key() != "analyze":
        print("the trace of the selected recording is not shown", file=sys.stderr)
        return 1
    s, _e = traces.trace.repetitions[1]
    vb = traces.time_plot.getPlotItem().getViewBox()
    lo, hi = vb.viewRange()[1]
    pos = traces.time_plot.mapFromScene(vb.mapViewToScene(QPointF((s + 2) / traces.trace.fps, (lo + hi) / 2)))
    QTest.mouseClick(traces.time_plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    wait(300)
    if window.viewer.frame != s + 2 or traces.cursor_frame() != s + 2:
        print(f"click at frame {s + 2}: viewer at {window.viewer.frame}, cursor {traces.cursor_frame()}",
              file=sys.stderr)
        return 1
    window.grab().save(str(out / "1_traces.png"))
    traces.export(out / "trace.png")
    panel.traces_page.space_combo.setCurrentIndex(1)  # 3D: computed on a worker
    until(lambda: traces.trace is not None and traces.trace.unit != "interocular distances", "the 3D trace")
    wait(300)
    window.grab().save(str(out / "2_traces_3d.png"))
    traces.export(out / "trace.svg")

    features = panel.features_page
    panel.pages.setCurrentWidget(features)
    features.compute_button.click()
    until(lambda: features.table is not None and not features.running, "the features")
    wait(300)
    window.grab().save(str(out / "3_features.png"))
    roc = panel.roc_page
    panel.pages.setCurrentWidget(roc)
    roc.classify_button.click()
    until(lambda: (roc.result is not None or roc.plot.not_enough) and not roc.running, "the ROC")
    wait(300)
    window.grab().save(str(out / "4_roc.png"))
    if roc.result is None:  # too few participants: the page says so, there is no curve to export
        print(f"ROC: {roc.plot.not_enough}; screenshots in {out}")
    else:
        roc.plot.export(out / "roc.png")
        roc.plot.export(out / "roc.svg")
        print(f"AUC {roc.result['auc']:.3f}; screenshots in {out}")
    window.session.undo.clear()
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
