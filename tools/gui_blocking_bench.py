"""How long the GUI thread stalls: the Kinematic traces page switching to 3D, the Annotate
agreement refresh, and the whole clinic-day walk-through. A 10 ms QTimer ticks on the GUI thread;
the largest gap between two ticks while the work runs is the longest time the window could not
repaint or take input.

    python tools/gui_blocking_bench.py traces PROJECT [--page-module FILE]
    python tools/gui_blocking_bench.py agreement [--frames 1000]
    python tools/gui_blocking_bench.py walkthrough [--participants 10] [--keep DIR]
    python tools/gui_blocking_bench.py startup [--rounds 3]

``traces``: the first recording of PROJECT (e.g. made by ``neuroface-studio simulate DIR --create
--participants 1 --tasks OPEN --fps 60 --duration-scale 4``), 2D first, then 3D. ``--page-module``:
a file defining another ``TracesPage`` to compare with (e.g. an older gui/analyze/diagnosis.py
from git, whose page computed the 3D trace on the GUI thread). ``agreement``: 3 annotators on
``--frames`` frames each (made-up landmark sets), the whole computation on the GUI thread (as
before) vs :class:`AgreementUpdater` (snapshot on the GUI thread, computation on a worker).
``walkthrough``: a simulated study (``--participants``, HC and ALS, OPEN at 30 fps), then the real
main window driven step by step: review, record a take from the simulated participant, segment
(propose, accept), annotate (choose frames, open one), analyze (features), report (study summary,
participant report); one row per step with its longest stall (goal: at most 500 ms everywhere).
It first does what the app does at start-up (gui/main.py): ``startup_preload`` (dlib's models)
before the window is shown, printing how long it took, then the simulated face on a thread.
``startup``: what that preload adds to the start: seconds from starting a fresh Python process to
the main window shown, with and without ``startup_preload``, rounds interleaved.
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
    started: list[bool] = []
    QTimer.singleShot(50, lambda: (start(), started.append(True)))
    while not (started and done()):
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


def _walkthrough_steps(win, rid: str, pid: str) -> list[tuple[str, object, object]]:
    """(name, start(), done()) for each step, in order, on the main window ``win``."""
    rec, seg, ann = win.record_panel, win.segment_panel, win.annotate_panel
    ana, rep = win.analyze_panel, win.report_panel
    state: dict = {}

    def idle() -> bool:
        return all(j.done for j in win.jobs)

    def record_start() -> None:
        win.workspace_bar.select("record")
        rec.runner.select_participant(pid)
        rec.runner.select_task("OPEN")
        rec.start_preview()

    def take() -> None:
        state["take"] = rec.start_recording()

    def stop() -> None:
        state["saved"] = rec.stop_recording()
        win.browser.select_recording(state["saved"])

    def segment_open() -> None:
        win.workspace_bar.select("segment")
        seg.open_recording(state["saved"])

    def annotate_choose() -> None:
        win.workspace_bar.select("annotate")
        ann.choose_frames(per_recording=2, recording_ids=[state["saved"]], replace=True)

    def annotate_open() -> None:
        ann.show_item(ann.svc.queue()[-1])

    def features() -> None:
        win.workspace_bar.select("analyze")
        ana.pages.setCurrentWidget(ana.features_page)
        ana.features_page.compute_button.click()

    def report(kind: str):
        def start() -> None:
            win.workspace_bar.select("report")
            (rep.study_radio if kind == "study" else rep.participant_radio).setChecked(True)
            if kind != "study":
                rep.set_participant(pid)
            rep.report = None
            rep.build_button.click()
        return start

    return [
        ("review: open a recording", lambda: win.browser.select_recording(rid), lambda: win.viewer.recording_id == rid),
        ("record: start the preview", record_start, lambda: rec.preview.frames_shown >= 3),
        ("record: a 1.5 s take", take, lambda: rec.live.live_stats().frames_written >= 45),
        ("record: stop and save", stop, lambda: state["saved"] is not None),
        ("segment: open the take", segment_open, lambda: seg.recording_id == state["saved"]),
        ("segment: propose (landmarks it)", lambda: seg.propose(), lambda: idle() and seg.proposals.pending),
        ("segment: accept", lambda: seg.accept_proposals(), lambda: bool(seg.spans())),
        ("annotate: choose frames", annotate_choose, lambda: idle() and ann.svc is not None and ann.svc.queue()),
        ("annotate: open a frame", annotate_open, lambda: ann.current is not None),
        ("analyze: compute features", features, lambda: idle() and ana.features_page.table is not None),
        ("report: study summary", report("study"), lambda: idle() and rep.report is not None),
        ("report: participant report", report("participant"), lambda: idle() and rep.report is not None),
    ]


def bench_walkthrough(app: QApplication, participants: int, keep: str | None) -> None:
    import tempfile
    from pathlib import Path

    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    from neuroface_studio.app.startup import preload_simulated_face_in_background
    from neuroface_studio.gui.main import startup_preload
    from neuroface_studio.gui.main_window import MainWindow
    folder = Path(keep or tempfile.mkdtemp(prefix="walkthrough-")) / "proj"
    if not folder.exists():  # --keep: made once, the takes of each run added to it
        t0 = time.perf_counter()
        simulate_into_project(ProjectSession.create(folder), SimulationRequest(
            participants=participants, groups=("HC", "ALS"), tasks=("OPEN",), fps=30, duration_scale=0.5,
            annotators=0))
        print(f"simulated study: {participants} participants, OPEN at 30 fps, in {time.perf_counter() - t0:.1f} s")
    print(f"project: {folder}")
    t0 = time.perf_counter()
    splash = startup_preload(app)  # what gui/main.py does before the window is shown
    print(f"start-up preload (face tracker): {time.perf_counter() - t0:.2f} s")
    win = MainWindow()
    win.resize(1400, 860)
    win.show()
    splash.finish(win)
    preload_simulated_face_in_background()  # as gui/main.py does once the window is shown
    assert win.open_project(folder)
    win.annotate_panel.set_annotator("bench")
    rid = sorted(win.session.project.recordings)[0]
    pid = win.session.project.participant_of(rid).id
    rows = []
    for name, start, done in _walkthrough_steps(win, rid, pid):
        gap, took = max_gap(app, start, done, timeout_s=600)
        rows.append((name, took, gap))
        print(f"  {name:34s} {took:7.2f} s   longest stall {gap:5d} ms", flush=True)
    win.record_panel.shutdown()
    win.session.undo.clear()
    win.close()
    worst = max(rows, key=lambda r: r[2])
    print(f"\n| step | took (s) | longest GUI stall (ms) |\n|---|---:|---:|")
    for name, took, gap in rows:
        print(f"| {name} | {took:.2f} | {gap} |")
    print(f"\nlongest stall of the walk-through: {worst[2]} ms ({worst[0]}); goal at most 500 ms: "
          + ("met" if worst[2] <= 500 else "NOT met"))


def startup_once(preload: bool) -> None:
    """In a fresh process: the main window shown as gui/main.py shows it, then "shown" on stdout."""
    app = QApplication([])
    from neuroface_studio.gui.main import startup_preload
    from neuroface_studio.gui.main_window import MainWindow
    splash = startup_preload(app) if preload else None
    win = MainWindow()
    win.show()
    if splash is not None:
        splash.finish(win)
    app.processEvents()
    print("shown", flush=True)
    if preload:
        from neuroface_studio.app.startup import preload_simulated_face_in_background
        preload_simulated_face_in_background().join()
    win.close()


def bench_startup(rounds: int) -> None:
    import subprocess
    import sys
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(rounds):
        for preload in (False, True):
            t0 = time.perf_counter()
            with subprocess.Popen([sys.executable, __file__, "_startup_once"] + (["--preload"] if preload else []),
                                  stdout=subprocess.PIPE, text=True) as child:
                for line in child.stdout:
                    if line.startswith("shown"):
                        times[preload].append(time.perf_counter() - t0)
                child.wait()
    for preload, label in ((False, "without the preload"), (True, "with startup_preload")):
        print(f"process start -> main window shown, {label}: "
              + ", ".join(f"{t:.2f}" for t in times[preload]) + f" s (median {np.median(times[preload]):.2f})")
    print(f"added by the preload: {np.median(times[True]) - np.median(times[False]):+.2f} s (difference of medians)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    traces = sub.add_parser("traces")
    traces.add_argument("project")
    traces.add_argument("--page-module")
    agreement = sub.add_parser("agreement")
    agreement.add_argument("--frames", type=int, default=1000)
    walk = sub.add_parser("walkthrough")
    walk.add_argument("--participants", type=int, default=10)
    walk.add_argument("--keep", help="make the project in this folder (default: a new temporary folder)")
    sub.add_parser("startup").add_argument("--rounds", type=int, default=3)
    sub.add_parser("_startup_once").add_argument("--preload", action="store_true")
    args = parser.parse_args()
    if args.what == "startup":
        return bench_startup(args.rounds)
    if args.what == "_startup_once":
        return startup_once(args.preload)
    app = QApplication([])
    if args.what == "traces":
        bench_traces(app, args.project, args.page_module)
    elif args.what == "walkthrough":
        bench_walkthrough(app, args.participants, args.keep)
    else:
        bench_agreement(app, args.frames)


if __name__ == "__main__":
    main()
