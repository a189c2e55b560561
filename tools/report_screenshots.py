"""Open the Report workspace in a real window on a simulated study, build previews, save screenshots.

    xvfb-run -a -s "-screen 0 1500x900x24" env QT_QPA_PLATFORM=xcb .venv/bin/python \
        tools/report_screenshots.py [OUT_DIR]

Simulates 4 participants (HC and ALS, OPEN and SPREAD, 10 fps, short) into a temporary project
(the simulated truth stands in for landmarks), opens the main window on Report, picks an ALS
participant in the project browser and writes into OUT_DIR (default /tmp/report_shots):
1_chosen.png (the participant chosen, nothing built yet), 2_building.png (the whole screen while
the preview is built: the progress dialog), 3_preview.png (a real mouse click on "Build preview":
the report's first page), 4_page2.png (a click on "Next"), 5_zoom.png (50%), 6_stale.png (page
size changed after the build: the preview says it is older than the options), 7_study.png (the
study summary, when this version has it) and the exported report.pdf / report.html.
Exits non-zero when a step did not finish or the preview shows no page.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "/tmp/report_shots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NEUROFACE_HOME", tempfile.mkdtemp(prefix="nf-home-"))
    from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="nf-settings-"))
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    from neuroface_studio.gui.main_window import MainWindow
    from neuroface_studio.gui.report.workspace import study_available

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def until(cond, what: str, timeout_s: float = 240) -> None:
        t0 = time.monotonic()
        while not cond():
            if time.monotonic() - t0 > timeout_s:
                raise SystemExit(f"timed out waiting for {what}")
            wait(100)

    def shot(name: str) -> None:
        wait(300)
        window.grab().save(str(out / name))

    folder = Path(tempfile.mkdtemp(prefix="nf-report-")) / "study"
    simulate_into_project(ProjectSession.create(folder), SimulationRequest(
        participants=4, groups=("HC", "ALS"), tasks=("OPEN", "SPREAD"), fps=10, duration_scale=0.3, annotators=0,
        seed=5))
    window = MainWindow()
    window.resize(1500, 900)
    window.show()
    if not window.open_project(folder):
        return 1
    window.workspace_bar.select("report")
    panel = window.report_panel
    project = window.session.project
    patient = next(pid for pid, p in sorted(project.participants.items()) if p.group.value == "ALS")
    window.browser.select_recording(f"{patient}-SPREAD")
    if panel.request().participant != patient or window.workspace_stack.current_key() != "report":
        print(f"the report does not follow the browser's participant {patient}", file=sys.stderr)
        return 1
    shot("1_chosen.png")

    QTest.mouseClick(panel.build_button, Qt.MouseButton.LeftButton)
    wait(400)
    app.primaryScreen().grabWindow(0).save(str(out / "2_building.png"))
    until(lambda: not panel.running, "the participant report")
    if panel.report is None or panel.preview.page_count < 1:
        print(f"no preview: {panel.message_label.text()}", file=sys.stderr)
        return 1
    shot("3_preview.png")
    if panel.preview.page_count > 1:
        QTest.mouseClick(panel.preview.next_button, Qt.MouseButton.LeftButton)
        shot("4_page2.png")
    panel.preview.set_zoom(0.5)
    shot("5_zoom.png")
    panel.preview.set_zoom(0.0)
    panel.pagesize_combo.setCurrentText("Letter")
    if not panel.stale_label.isVisible():
        print("the preview does not say it is older than the options", file=sys.stderr)
        return 1
    shot("6_stale.png")
    if panel.export(out / "report.pdf", ".pdf") is None or panel.export(out / "report.html", ".html") is None:
        print(panel.message_label.text(), file=sys.stderr)
        return 1

    if study_available():
        panel.study_radio.setChecked(True)
        previous = panel.report
        QTest.mouseClick(panel.build_button, Qt.MouseButton.LeftButton)
        until(lambda: not panel.running, "the study summary")
        if panel.report is previous:
            print(f"no study summary: {panel.message_label.text()}", file=sys.stderr)
            return 1
        shot("7_study.png")
    print(f"{panel.preview.page_count} page(s) previewed; screenshots in {out}")
    window.session.undo.clear()
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
