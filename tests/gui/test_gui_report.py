"""Report workspace: build a participant report's preview in the background (rendered pages, not
blank), export exactly the previewed PDF/HTML, Cancel, a participant without recordings, a write
that fails, the study summary (or its absence said plainly), the participant following the browser.

The study (4 participants, HC and ALS, one short OPEN recording each at 10 fps, no annotators) is
made once per module and only read; a test that changes the project works on a copy. 2 per group
is too few for z-scores or a classifier: the preview says so (issue 18).
"""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.gui
pypdf = pytest.importorskip("pypdf")
pytest.importorskip("pypdfium2")
pytest.importorskip("reportlab")


@pytest.fixture(autouse=True)
def model_home(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NEUROFACE_DEMO_FAN", str(tmp_path / "no-demo-fan.pth"))


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    from simhelpers import simulate_project
    return simulate_project(tmp_path_factory.mktemp("simreport") / "proj", participants=4, groups=("HC", "ALS"),
                            tasks=("OPEN",), fps=10, duration_scale=0.3, annotators=0, seed=7)


def _report_panel(main_window, folder):
    assert main_window.open_project(folder)
    main_window.workspace_bar.actions_by_key["report"].trigger()
    panel = main_window.report_panel
    assert main_window.workspace_stack.currentWidget() is panel
    return panel


def _build(qtbot, panel):
    with qtbot.waitSignal(panel.built, timeout=120000) as blocker:
        panel.build_button.click()
    return blocker.args[0]


def _pixels(image):
    """(H, W, 3) uint8 RGB of a QImage."""
    rgb = image.convertToFormat(image.Format.Format_RGB888)
    rows = np.frombuffer(bytes(rgb.constBits()), np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    return rows[:, :3 * rgb.width()].reshape(rgb.height(), rgb.width(), 3)


def _patient(folder) -> str:
    from neuroface_studio.app.project_service import ProjectSession
    project = ProjectSession.open(folder).project
    return next(pid for pid, p in sorted(project.participants.items()) if p.group.value == "ALS")


def test_preview_shows_rendered_pages_and_export_writes_the_previewed_report(qtbot, main_window, study, tmp_path,
                                                                              monkeypatch):
    from PySide6.QtWidgets import QFileDialog
    panel = _report_panel(main_window, study)
    patient = _patient(study)
    main_window.browser.select_recording(f"{patient}-OPEN")  # the chooser follows the browser's participant
    assert panel.request().participant == patient and panel.participant_radio.isChecked()
    assert not panel.pdf_button.isEnabled() and not panel.html_button.isEnabled()  # nothing previewed yet
    panel.pagesize_combo.setCurrentText("Letter")
    built = _build(qtbot, panel)

    assert built.request.participant == patient and built.request.pagesize == "Letter"
    assert built.pdf.startswith(b"%PDF") and patient in built.html and "<svg" in built.html
    assert panel.preview.page_count >= 1 and len(panel.preview.page_labels) == panel.preview.page_count
    image = panel.preview.page_image(0)
    assert image.width() > 300 and image.height() > image.width()  # a portrait page at a readable size
    rgb = _pixels(image)
    assert (rgb < 128).mean() > 0.005 and (rgb > 250).mean() > 0.5  # ink on white: a page, not a blank
    assert patient in panel.title_label.text() and "Letter" in panel.title_label.text()
    assert panel.pdf_button.isEnabled() and not panel.stale_label.isVisible()

    asked = {}

    def save_name(_parent, _title, start, _filter):
        asked["start"] = start
        return str(tmp_path / "out" / "report"), ""  # no suffix: .pdf is added
    (tmp_path / "out").mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    panel.pdf_button.click()
    assert Path(asked["start"]).name.startswith(f"{patient}_report_") and asked["start"].endswith(".pdf")
    pdf = tmp_path / "out" / "report.pdf"
    assert pdf.read_bytes() == built.pdf  # the previewed file itself, not a rebuild
    reader = pypdf.PdfReader(str(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == panel.preview.page_count and f"Participant {patient}" in text
    assert float(reader.pages[0].mediabox.width) == pytest.approx(612, abs=1)  # Letter: 8.5 in
    assert not any(page.images for page in reader.pages)  # never a face image
    # issue 18: 2 HC and 2 ALS - the previewed report shows no z-score and no classifier number, but why
    flat = " ".join(text.split())
    assert "z not shown: not enough participants (n=2 HC controls; at least 5 needed)." in flat
    assert ("OPEN, HC vs ALS: no classifier: not enough participants (n=2 HC, 2 ALS; at least 5 per group "
            "needed).") in flat
    assert "Classifier AUC" not in flat and "Probability of patient group" not in flat and "1.00–1.00" not in flat
    features = built.html.split("<th>Controls mean ± SD (n)</th>")[1].split("</table>")[0]
    assert "background" not in features and features.count("<td>not enough participants</td>") >= 10  # no colour
    assert "Saved" in panel.message_label.text() and str(pdf) in panel.message_label.text()
    html = panel.export(tmp_path / "out" / "report.html", ".html")
    assert html.read_text(encoding="utf-8") == built.html

    panel.pagesize_combo.setCurrentText("A4")  # the preview is now older than the options: said so
    assert panel.stale_label.isVisible() and panel.preview.page_count >= 1
    panel.preview.set_zoom(1.0)  # 100%: the page at its printed size (96 dpi)
    assert panel.preview.page_image(0).width() == pytest.approx(8.5 * 96, abs=2)
    if panel.preview.page_count > 1:
        panel.preview.next_button.click()
        assert panel.preview.current_page == 1 and panel.preview.page_label.text().startswith("Page 2 of")


def test_cancel_then_a_participant_without_recordings_then_a_failed_write(qtbot, main_window, study, tmp_path,
                                                                          monkeypatch):
    from PySide6.QtWidgets import QPushButton
    from simhelpers import copy_project

    from neuroface_studio.domain.participants import Group, Participant
    session = copy_project(study, tmp_path)
    session.project.add_participant(Participant("NEW01", Group.ALS))
    session.save()
    panel = _report_panel(main_window, session.folder)

    with qtbot.waitSignal(panel.stopped, timeout=120000) as blocker:  # Cancel in the jobs panel
        panel.build_button.click()
        main_window.jobs_panel.findChild(QPushButton, "jobCancel").click()
    assert blocker.args[0] == "Participant report cancelled." and panel.report is None
    assert panel.build_button.isEnabled() and panel.preview.page_count == 0

    panel.set_participant("NEW01")
    assert "no recordings" in panel.participant_combo.currentText()
    with qtbot.waitSignal(panel.stopped, timeout=60000) as blocker:
        panel.build_button.click()
    assert "NEW01 has no recordings yet" in blocker.args[0] and "Traceback" not in blocker.args[0]
    assert panel.message_label.isVisible() and panel.report is None and panel.build_button.isEnabled()

    from neuroface_studio.gui.report import workspace as report_workspace

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device", "/tmp/neuroface-report-x/report.pdf")
    panel.set_participant(_patient(study))
    with monkeypatch.context() as m:  # the temporary folder's disk is full while building
        m.setattr(report_workspace, "_build_files", full)
        with qtbot.waitSignal(panel.stopped, timeout=60000) as blocker:
            panel.build_button.click()
    assert blocker.args[0] == ("Participant report failed: the disk is full (no space left on the device); free "
                               "some space or choose another drive (/tmp/neuroface-report-x/report.pdf)")
    _build(qtbot, panel)
    with monkeypatch.context() as m:  # the export's disk is full
        m.setattr(report_workspace, "atomic_write_bytes", full)
        assert panel.export(tmp_path / "x.pdf", ".pdf") is None
    assert "the disk is full" in panel.message_label.text() and not (tmp_path / "x.pdf").exists()
    assert panel.report is not None and panel.pdf_button.isEnabled()  # the preview is still there to export


def test_study_summary_preview_or_said_unavailable(qtbot, main_window, study, monkeypatch):
    from neuroface_studio.gui.report import workspace as report_workspace
    panel = _report_panel(main_window, study)
    monkeypatch.setattr(report_workspace, "study_available", lambda: False)
    panel.refresh()
    assert not panel.study_radio.isEnabled() and panel.study_note.text() == report_workspace.STUDY_MISSING
    monkeypatch.undo()
    panel.refresh()
    if not report_workspace.study_available():
        pytest.skip("this version has no study summary (app/study_report.py)")
    panel.study_radio.setChecked(True)
    assert panel.request().kind == "study" and not panel.participant_combo.isEnabled()
    built = _build(qtbot, panel)
    assert built.default_name(".pdf").startswith("proj_study_summary_")
    reader = pypdf.PdfReader(__import__("io").BytesIO(built.pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == panel.preview.page_count >= 1 and "HC" in text and "ALS" in text
