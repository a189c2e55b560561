"""Record, Review, Segment, Analyze and Report in a real window, for issue 18 items 6-8 (frame
numbers, no layout shifts, labels). Saves screenshots for a person to look at.

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python \
        tools/consistency_screenshots.py [OUT_DIR]

Simulates one participant (OPEN, 10 fps, short) into a temporary project and landmarks it with
dlib68. Writes into OUT_DIR (default /tmp/consistency_shots): review.png (frame label next to the
spinbox, overlay list, head pose vs straight ahead), review_overlays.png (the overlay list open),
segment_keys.png (the key list open: the title whole), segment_undo.png (the message line after
Ctrl+Z), record_before.png / record_banner.png (the participant list before and after the
straight-ahead message), report_participant.png / report_study.png (Build preview in place),
analyze.png (the accuracy settings' combo boxes) and annotate.png (the queue and a hovered point's
name). Prints the measured positions; exits non-zero when one moved.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from shot_window import make_pump, show_main_window, start_app


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "/tmp/consistency_shots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NEUROFACE_HOME", tempfile.mkdtemp(prefix="nf-home-"))
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    app = start_app()
    from neuroface_studio.app.landmarking import landmark_recording
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project

    folder = Path(tempfile.mkdtemp(prefix="nf-consistency-")) / "clinic"
    session = ProjectSession.create(folder)
    simulate_into_project(session, SimulationRequest(participants=1, tasks=("OPEN",), fps=10, duration_scale=0.3,
                                                     annotators=1))
    for rid in session.project.recordings:
        landmark_recording(session, rid, "dlib68")

    pump = make_pump(app, 0.3)

    def y(widget) -> int:
        return widget.mapTo(window, QPoint(0, 0)).y()

    moved = []
    window = show_main_window(folder)
    pump(0.5)
    viewer = window.viewer
    viewer.spin.setValue(12)
    pump()
    window.grab().save(str(out / "review.png"))
    print("review:", viewer.spin.value(), "|", viewer.info_label.text())
    viewer.overlay_combo.showPopup()
    pump()
    viewer.overlay_combo.view().window().grab().save(str(out / "review_overlays.png"))  # the popup's own window
    viewer.overlay_combo.hidePopup()

    window.workspace_bar.select("segment")
    pump(0.5)
    seg, handle = window.segment_panel, window.windowHandle()
    QTest.keyClick(handle, Qt.Key.Key_F1)
    pump()
    window.grab().save(str(out / "segment_keys.png"))
    QTest.keyClick(handle, Qt.Key.Key_F1)
    spans = seg.spans()
    if spans:
        seg.seek(spans[0][0])
        QTest.keyClick(handle, Qt.Key.Key_Delete)
        print("segment after delete:", seg.message_label.text())
        QTest.keyClick(handle, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        pump()
        print("segment after undo:", seg.message_label.text(), "| status bar:", window.statusBar().currentMessage())
    window.grab().save(str(out / "segment_undo.png"))
    print("segment:", seg.frame_label.text(), "| title:", seg.title_label.text())

    window.workspace_bar.select("record")
    pump(0.5)
    rec = window.record_panel
    before = y(rec.runner.participant_combo)
    window.grab().save(str(out / "record_before.png"))
    rec.source_bar.set_kind("synthetic")
    rec.show_message("Straight ahead set (reference yaw +1.2°, pitch -3.4°, roll +0.5°).", "info")
    pump()
    window.grab().save(str(out / "record_banner.png"))
    print("record: participant list y", before, "->", y(rec.runner.participant_combo))
    if y(rec.runner.participant_combo) != before:
        moved.append("Record's participant list")

    window.workspace_bar.select("report")
    pump(0.5)
    rep = window.report_panel
    before = y(rep.build_button)
    window.grab().save(str(out / "report_participant.png"))
    if rep.study_radio.isEnabled():
        rep.study_radio.setChecked(True)
        pump()
    window.grab().save(str(out / "report_study.png"))
    print("report: Build preview y", before, "->", y(rep.build_button))
    if y(rep.build_button) != before:
        moved.append("Report's Build preview")

    window.workspace_bar.select("analyze")
    pump(0.5)
    window.grab().save(str(out / "analyze.png"))

    window.annotate_panel.set_annotator("A1")
    window.workspace_bar.select("review")
    viewer.show_frame(12)
    window.workspace_bar.select("annotate")
    pump(0.5)
    window.annotate_panel.add_review_frame()
    pump(0.8)
    editor = window.annotate_panel.editor
    editor.set_hover(57)  # a lower-lip point: its name must sit beside it, off the lips
    pump()
    print("annotate:", window.annotate_panel.frame_label.text())
    window.grab().save(str(out / "annotate.png"))

    print(f"screenshots in {out}: {', '.join(sorted(p.name for p in out.glob('*.png')))}")
    window.session.undo.clear()
    window.close()
    if moved:
        print("MOVED:", ", ".join(moved))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
