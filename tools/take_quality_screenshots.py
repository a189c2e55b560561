"""The recording quality gate (issue 18) in a real window: Record after a red take, Review's listing.

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python \
        tools/take_quality_screenshots.py [OUT_DIR]

Makes a hand-made project (P001, P002 with a short OPEN each), records into it a take from a camera
that loses every other frame (red: half the frames dropped; tests/takehelpers.py), opens the main
window on Record, previews the simulated participant and records a take of OPEN well under its
5 s (red: too short), and writes into OUT_DIR (default /tmp/take_quality_shots): 1_record_red.png
(the red "Retake: …" message and the task list's "quality: retake") and 2_review_list.png (Review
with the project browser's Details saying good / check / retake per recording, the red take open).
Exits non-zero when a step did not finish.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "/tmp/take_quality_shots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NEUROFACE_HOME", tempfile.mkdtemp(prefix="nf-home-"))
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import make_handmade_project
    from takehelpers import GappySource, record_take
    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="nf-settings-"))
    from neuroface_studio.gui.main_window import MainWindow
    wait = QTest.qWait  # runs the event loop meanwhile

    def until(cond, what: str, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while not cond():
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for {what}")
            wait(50)

    folder = make_handmade_project(Path(tempfile.mkdtemp(prefix="nf-quality-")) / "clinic")
    gappy = record_take(folder, GappySource(), participant="P002", task="BLOW")
    print("gappy take:", gappy.recording_id, gappy.verdict.headline())
    window = MainWindow()
    window.resize(1500, 900)
    window.show()
    try:
        assert window.open_project(folder)
        window.workspace_bar.select("record")
        record = window.record_panel
        record.runner.select_participant("P001")
        record.runner.select_task("OPEN")
        if not record.start_preview():
            raise SystemExit(f"no preview: {record.message_label.text()}")
        until(lambda: record.preview.frames_shown >= 10, "the preview")
        rec_id = record.start_recording()
        until(lambda: record.live.live_stats().frames_written >= 30, "30 frames written")
        record.stop_recording()
        record.runner.select_task("OPEN")
        print("record message:", record.message_label.text())
        wait(500)
        window.grab().save(str(out / "1_record_red.png"))
        record.stop_preview()
        window.workspace_bar.select("review")
        window.browser.select_recording(rec_id)
        until(lambda: window.viewer.recording_id == rec_id, "the take in Review")
        wait(500)
        window.grab().save(str(out / "2_review_list.png"))
        print("browser:", window.browser.recording_quality())
    finally:
        record = window.record_panel
        record.shutdown()
        if window.session is not None:
            window.session.undo.clear()
        window.close()
        app.processEvents()
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
