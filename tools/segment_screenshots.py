"""Open the Segment workspace in a real window on a simulated project, drive it, save screenshots.

    xvfb-run -a -s "-screen 0 1500x900x24" env QT_QPA_PLATFORM=xcb .venv/bin/python \
        tools/segment_screenshots.py [OUT_DIR] [--small]

Simulates one participant (OPEN, SPREAD, BROW; ``--small``: OPEN only, 10 fps, short) into a
temporary project, opens the main window, switches to Segment and proposes repetitions for all
recordings (dlib68 landmarks them first). Writes into OUT_DIR (default /tmp/segment_shots):
1_opened.png (no landmarks yet), 2_proposed.png (dashed proposals with confidence, error vs
truth), 3_help.png (the key list), 4_accepted_marking.png (accepted; the last repetition deleted
and being marked again with `[`, the one before it selected), 5_other_recording.png (the browser picks another recording),
6_accept_all_question.png (the screen: proposed again for all, Accept all asks about the recording
marked by hand, default "Keep theirs"), 7_accept_all_message.png (the message line says how many were
accepted and kept, one undo step), 8_kept_still_pending.png (the recording marked by hand, a BBP take:
its repetitions kept, the lips' and jaw's proposal still pending, dashed). Real key presses go through the window on the way (Right, S,
Ctrl+Z, Ctrl+Shift+Z, Space); the script exits non-zero when one of them did not do what it should.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from shot_window import make_pump, show_main_window, start_app


def main(argv: list[str]) -> int:
    small = "--small" in argv
    args = [a for a in argv if a != "--small"]
    out = Path(args[0] if args else "/tmp/segment_shots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NEUROFACE_HOME", tempfile.mkdtemp(prefix="nf-home-"))
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    app = start_app()
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project

    folder = Path(tempfile.mkdtemp(prefix="nf-segment-")) / "clinic"
    request = (SimulationRequest(participants=1, tasks=("OPEN",), fps=10, duration_scale=0.2, annotators=0) if small
               else SimulationRequest(participants=1, tasks=("OPEN", "SPREAD", "BBP"), fps=25, duration_scale=0.5,
                                      annotators=0))
    simulate_into_project(ProjectSession.create(folder), request)

    pump = make_pump(app, 0.2)

    def check(ok: bool, what: str) -> None:
        if not ok:
            raise SystemExit(f"segment_screenshots: {what}")

    window = show_main_window(folder)
    window.workspace_bar.select("segment")
    pump(0.5)
    panel, handle = window.segment_panel, window.windowHandle()
    window.grab().save(str(out / "1_opened.png"))

    before = panel.spans()
    QTest.keyClick(handle, Qt.Key.Key_End)
    QTest.keyClick(handle, Qt.Key.Key_Home)
    k = next((i for i, (a, b) in enumerate(before) if b > a), None)
    check(k is not None, "no repetition longer than one frame to split")
    for _ in range(before[k][0] + 1):
        QTest.keyClick(handle, Qt.Key.Key_Right)
    check(panel.frame == before[k][0] + 1, f"Right steps reached frame {panel.frame}")
    QTest.keyClick(handle, Qt.Key.Key_S)
    check(len(panel.spans()) == len(before) + 1, "S did not split the repetition")
    QTest.keyClick(handle, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    check(panel.spans() == before, "Ctrl+Z did not restore the repetitions")
    QTest.keyClick(handle, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    check(len(panel.spans()) == len(before) + 1, "Ctrl+Shift+Z did not redo the split")
    QTest.keyClick(handle, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(handle, Qt.Key.Key_Space)
    check(panel.playing, "Space did not start playback")
    QTest.keyClick(handle, Qt.Key.Key_Space)

    panel.propose(all_recordings=True)
    while not panel.proposals.worker.done:
        pump(0.1)
    pump(0.5)
    check(panel.proposals.current() is not None, "nothing was proposed for the recording shown")
    window.grab().save(str(out / "2_proposed.png"))
    QTest.keyClick(handle, Qt.Key.Key_F1)
    pump(0.3)
    window.grab().save(str(out / "3_help.png"))
    QTest.keyClick(handle, Qt.Key.Key_F1)
    QTest.keyClick(handle, Qt.Key.Key_A)
    check(panel.spans() == panel.timeline.spans and panel.proposals.current() is None, "A did not accept")
    spans = panel.spans()
    start, end = spans[-1]
    panel.seek(start)
    QTest.keyClick(handle, Qt.Key.Key_Delete)  # mark the last repetition again by hand
    check(panel.spans() == spans[:-1], "Delete did not remove the repetition")
    QTest.keyClick(handle, Qt.Key.Key_BracketLeft)
    for _ in range((end - start) // 2):
        QTest.keyClick(handle, Qt.Key.Key_Right)
    panel.select(len(spans) - 2)
    pump(0.3)
    window.grab().save(str(out / "4_accepted_marking.png"))
    for _ in range(end - start - (end - start) // 2):
        QTest.keyClick(handle, Qt.Key.Key_Right)
    QTest.keyClick(handle, Qt.Key.Key_BracketRight)
    check(panel.spans() == spans, f"[ and ] made {panel.spans()[-1]}, not {spans[-1]}")
    others = [r for r in window.browser.recording_ids() if r != panel.recording_id]
    if others:
        window.browser.select_recording(others[0])
        pump(0.5)
        check(panel.recording_id == others[0], "the workspace did not follow the browser")
    window.grab().save(str(out / "5_other_recording.png"))

    # issue 18: Accept all keeps the recording marked by hand above (asks; default: keep theirs), one undo step
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox
    marked = window.browser.recording_ids()[0] if not others else [r for r in window.browser.recording_ids()
                                                                    if r != others[0]][0]
    hand = [(r.start_frame, r.end_frame) for r in window.session.project.repetitions_of(marked)]
    panel.propose(all_recordings=True)
    while not panel.proposals.worker.done:
        pump(0.1)
    asked: list[str] = []

    def answer() -> None:
        box = app.activeModalWidget()
        if isinstance(box, QMessageBox) and box.objectName() == "acceptAllQuestion":
            pump(0.3)
            app.primaryScreen().grabWindow(0).save(str(out / "6_accept_all_question.png"))  # window + dialog
            asked.append(box.text())
            box.defaultButton().click()
        else:
            QTimer.singleShot(100, answer)
    QTimer.singleShot(100, answer)
    steps = len(window.session.undo._done)
    panel.proposals.bar.accept_all_button.click()
    check(bool(asked) and marked in asked[0], f"Accept all did not ask about {marked}")
    check([(r.start_frame, r.end_frame) for r in window.session.project.repetitions_of(marked)] == hand,
          "Accept all replaced the repetitions marked by hand")
    # one undo step for everything accepted; --small has one recording only, the one marked by hand: nothing to accept
    check(len(window.session.undo._done) == steps + (1 if others else 0),
          f"Accept all made {len(window.session.undo._done) - steps} undo steps")
    pump(0.5)
    window.grab().save(str(out / "7_accept_all_message.png"))
    print(panel.message_label.text())
    window.browser.select_recording(marked)
    pump(0.5)
    window.grab().save(str(out / "8_kept_still_pending.png"))
    print(f"screenshots in {out}: {', '.join(sorted(p.name for p in out.glob('*.png')))}")
    print(panel.info_label.text())
    window.session.undo.clear()  # nothing to ask on close
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
