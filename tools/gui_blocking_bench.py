"""How long the GUI thread stalls: the Kinematic traces page switching to 3D, and the Annotate
agreement refresh. A 10 ms QTimer ticks on the GUI thread; the largest gap between two ticks
while the work runs is the longest time the window could not repaint or take input.

    python tools/gui_blocking_bench.py traces PROJECT [--page-module FILE]
    python tools/gui_blocking_bench.py agreement [--frames 1000]

``traces``: the first recording of PROJECT (e.g. made by ``neuroface-studio simulate DIR --create
--participants 1 --tasks OPEN --fps 60 --duration-scale 4``), 2D first, then 3D. ``--page-module``:
a file defining another ``TracesPage`` to compare with (e.g. an older gui/analyze/diagnosis.py
from git, whose page computed the 3D trace on the GUI thread). ``agreement``: 3 annotators on
``--frames`` frames each (made-up landmark sets), the whole computation on the GUI thread (as
before) vs :class:`AgreementUpdater` (snapshot on the GUI thread, computation on a worker).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time
from types import SimpleNamespace as NS

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def max_gap(app: QApplication, start, done, timeout_s: float = 300.0) -> tuple[int, float]:
    """(largest gap between 10 ms ticks in ms, seconds until ``done()``) around ``start()``."""
    clock, gaps, last = QElapsedTimer(), [], [0]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    clock.start()
    timer.start()
    t0 = time.perf_counter()
    QTimer.singleShot(50, start)
    while not done():
        app.processEvents()
        time.sleep(0.001)
        if time.perf_counter() - t0 > timeout_s:
            raise SystemExit("timed out")
    took = time.perf_counter() - t0 - 0.05
    end = clock.elapsed() + 50  # the last draw's paint too
    while clock.elapsed() < end:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    return max(gaps), took


def bench_traces(app: QApplication, folder: str, page_module: str | None) -> None:
    from neuroface_studio.app.project_service import ProjectSession
    if page_module:
        spec = importlib.util.spec_from_file_location("other_traces_page", page_module)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        page = module.TracesPage()
    else:
        from neuroface_studio.gui.analyze.traces import TracesPage
        page = TracesPage()
    session = ProjectSession.open(folder)
    rid = sorted(session.project.recordings)[0]
    page.resize(1000, 700)
    page.show()
    page.set_session(session)
    page.show_recording(rid)
    for _ in range(20):
        app.processEvents()
    gap, took = max_gap(app, lambda: page.space_combo.setCurrentIndex(1),
                        lambda: page.traces.trace is not None and page.traces.trace.unit != "interocular distances")
    n = session.project.recordings[rid].n_frames
    print(f"{page_module or 'gui/analyze/traces.py'}: {rid}, {n} frames at {session.project.recordings[rid].fps:g} "
          f"fps: 3D trace shown after {took:.2f} s; GUI thread's longest stall {gap} ms")


def bench_agreement(app: QApplication, frames: int) -> None:
    from neuroface_studio.app import annotation as ann
    from neuroface_studio.gui.annotate.agreement import AgreementUpdater
    rng = np.random.default_rng(0)
    sets = {f"{who}{f}": NS(source=NS(kind="annotator", annotator_id=who), recording_id=f"R{f // 100}",
                            frame_index=f % 100, points_px=rng.normal(300, 40, (68, 2)), visible=np.ones(68, bool))
            for who in ("A", "B", "C") for f in range(frames)}
    session = NS(project=NS(landmark_sets=sets))
    out: list = []
    gap, took = max_gap(app, lambda: out.append(ann.inter_annotator_agreement(session)), lambda: bool(out))
    print(f"agreement, 3 annotators x {frames} frames, on the GUI thread: {took:.2f} s; longest stall {gap} ms")
    updater, out = AgreementUpdater(), []
    updater.set_session(session)
    updater.updated.connect(out.append)
    gap, took = max_gap(app, updater.compute_now, lambda: bool(out))
    print(f"agreement, 3 annotators x {frames} frames, AgreementUpdater (worker): {took:.2f} s; "
          f"longest stall {gap} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    traces = sub.add_parser("traces")
    traces.add_argument("project")
    traces.add_argument("--page-module")
    agreement = sub.add_parser("agreement")
    agreement.add_argument("--frames", type=int, default=1000)
    args = parser.parse_args()
    app = QApplication([])
    if args.what == "traces":
        bench_traces(app, args.project, args.page_module)
    else:
        bench_agreement(app, args.frames)


if __name__ == "__main__":
    main()
