"""Drive the Train workspace in a real window on the demo project: Start, Stop, resume, finish; screenshots.

    xvfb-run -a -s "-screen 0 1500x950x24" env QT_QPA_PLATFORM=xcb nice -n 10 .venv/bin/python \
        tools/train_screenshots.py [OUT_DIR] [--project DEMO_FOLDER] [--no-stop]

Opens the demo project (built into DEMO_FOLDER first when it is not there; default: a temporary
folder) in the main window with a private model store (a temporary NEUROFACE_HOME, so the user's
models are untouched and the base model is the shipped ``fan-demo``, or the file named by
``NEUROFACE_DEMO_FAN``), goes to Train and clicks Start with the defaults. Writes into OUT_DIR
(default /tmp/shots): train_0_ready.png (the plan before Start), train_1_running.png (curves after
the first epoch), train_2_stopped.png (after a real click on Stop), train_3_resumed.png (Start again:
it resumes from the checkpoint), train_4_done.png (the before/after table), and prints the table.
Exits non-zero when a step did not happen or the held-out NRMSE of a patient group did not fall.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?", type=Path, default=Path("/tmp/shots"))
    ap.add_argument("--project", type=Path, default=None, help="the demo project folder (built when missing)")
    ap.add_argument("--no-stop", action="store_true", help="skip Stop and resume")
    ap.add_argument("--timeout", type=float, default=900, help="seconds to wait for the whole run")
    args = ap.parse_args(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NEUROFACE_HOME", tempfile.mkdtemp(prefix="nf-home-"))
    from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="nf-settings-"))
    from neuroface_studio.app.demo import ensure_demo_project
    from neuroface_studio.gui.main_window import MainWindow

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def until(cond, what: str, timeout_s: float = args.timeout) -> None:
        t0 = time.monotonic()
        while not cond():
            if time.monotonic() - t0 > timeout_s:
                raise SystemExit(f"timed out waiting for {what}")
            wait(200)

    def shot(name: str) -> None:
        wait(400)
        window.grab().save(str(out / name))
        print(f"wrote {out / name}", flush=True)

    folder = ensure_demo_project(args.project or Path(tempfile.mkdtemp(prefix="nf-demo-")) / "demo")
    window = MainWindow()
    window.resize(1500, 950)
    window.show()
    if not window.open_project(folder):
        return 1
    window.workspace_bar.select("train")
    panel = window.train_panel
    wait(500)
    if not panel.start_button.isEnabled():
        print(f"Start is disabled: {panel.setup.plan_text}", file=sys.stderr)
        return 1
    print(f"base model: {panel.setup.base_model()}; plan: {panel.setup.plan_text}", flush=True)
    shot("train_0_ready.png")
    t0 = time.monotonic()
    QTest.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    until(lambda: len(panel.curves.epochs) >= 1 or not panel.running, "the first epoch")
    print(f"first epoch after {time.monotonic() - t0:.0f} s", flush=True)
    shot("train_1_running.png")
    if not args.no_stop and panel.running:
        epochs_before = len(panel.curves.epochs)
        QTest.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
        until(lambda: not panel.running, "the stop")
        if panel.result.isVisible():
            print("the run finished before Stop took effect; no resume to show", flush=True)
        else:
            shot("train_2_stopped.png")
            print(f"stopped: {panel.message_label.text()}", flush=True)
            QTest.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
            until(lambda: len(panel.curves.epochs) > epochs_before or not panel.running, "the first resumed epoch")
            first_step = panel.curves.steps[0] if panel.curves.steps else 0
            print(f"resumed at global step {first_step}; epochs shown {panel.curves.epochs} (the stopped run had "
                  f"{epochs_before})", flush=True)
            if first_step <= 1:
                print("the second Start did not resume from the checkpoint", file=sys.stderr)
                return 1
            shot("train_3_resumed.png")
    until(lambda: not panel.running, "the end of training")
    shot("train_4_done.png")
    if not panel.result.isVisible():
        print(f"no result: {panel.message_label.text()}", file=sys.stderr)
        return 1
    rows = panel.result.table_rows()
    for row in rows:
        print("  ".join(f"{c:>16}" for c in row))
    s = panel.result.summary
    print(f"{s.model}: {s.epochs_run} epochs (best {s.best_epoch}) in {time.monotonic() - t0:.0f} s wall", flush=True)
    worse = [g for g in s.nrmse_before if g not in ("all", "HC") and not s.nrmse_after[g] < s.nrmse_before[g]]
    window.session.undo.clear()
    window.close()
    app.processEvents()
    if worse:
        print(f"held-out NRMSE did not fall for {', '.join(worse)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
