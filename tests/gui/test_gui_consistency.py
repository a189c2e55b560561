"""Issue 18 items 6–8: one frame numbering everywhere, no layout shifts under the pointer, clear labels."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def discard_on_close(monkeypatch):
    """pytest-qt closes the window before fixtures end: answer its unsaved-changes question with Discard."""
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


# -- item 6: frame numbers ----------------------------------------------------------------------------
def test_review_label_and_spinbox_show_the_same_frame_number(opened_window, qtbot):
    from neuroface_studio.domain.frames import frame_text
    viewer = opened_window.viewer
    viewer.spin.setValue(5)
    assert viewer.frame == 5 and viewer.spin.value() == 5
    assert viewer.info_label.text().startswith(f"Frame {viewer.spin.value()} (0–11)")
    assert frame_text(5, 12) in viewer.info_label.text()
    viewer.show_frame(0)  # the first frame is frame 0 in the spinbox, the label and the exported CSV
    assert viewer.spin.value() == 0 and viewer.info_label.text().startswith("Frame 0 (0–11)")


def test_segment_and_annotate_queue_number_frames_as_review_does(opened_window, qtbot):
    from neuroface_studio.domain.frames import frame_text
    win = opened_window
    win.viewer.show_frame(3)
    review = win.viewer.info_label.text()
    win.workspace_bar.select("segment")
    seg = win.segment_panel
    seg.seek(3, pause=True)
    assert seg.frame_label.text().startswith(frame_text(3, 12)) and review.startswith(frame_text(3, 12))
    win.annotate_panel.set_annotator("CC")
    win.workspace_bar.select("annotate")
    panel = win.annotate_panel
    panel.add_review_frame()  # the frame shown in Review (3) joins the queue
    row = panel.queue_panel.items.index(panel.current)
    assert panel.queue_panel.table.item(row, 1).text() == "3"
    assert frame_text(3, 12) in panel.frame_label.text()


# -- item 7: nothing moves under the pointer ------------------------------------------------------------
def _y(widget, window) -> int:
    from PySide6.QtCore import QPoint
    return widget.mapTo(window, QPoint(0, 0)).y()


def test_record_message_does_not_push_the_participant_list_down(opened_window, qtbot):
    win = opened_window
    win.workspace_bar.select("record")
    panel = win.record_panel
    qtbot.waitUntil(lambda: panel.runner.participant_combo.isVisible(), timeout=5000)
    qtbot.wait(50)
    before = (_y(panel.runner.participant_combo, win), _y(panel.runner.task_list, win))
    panel.show_message("Straight ahead set (reference yaw +1.0°, pitch -2.0°, roll +0.5°).", "info")
    qtbot.wait(50)
    assert (_y(panel.runner.participant_combo, win), _y(panel.runner.task_list, win)) == before
    panel.show_message("")
    qtbot.wait(50)
    assert (_y(panel.runner.participant_combo, win), _y(panel.runner.task_list, win)) == before


def test_report_kind_choice_does_not_move_build_preview(opened_window, qtbot):
    win = opened_window
    win.workspace_bar.select("report")
    panel = win.report_panel
    qtbot.waitUntil(lambda: panel.build_button.isVisible(), timeout=5000)
    if not panel.study_radio.isEnabled():
        pytest.skip("this version has no study summary")
    qtbot.wait(50)
    before = _y(panel.build_button, win)
    panel.study_radio.setChecked(True)
    qtbot.wait(50)
    assert _y(panel.build_button, win) == before
    panel.participant_radio.setChecked(True)
    qtbot.wait(50)
    assert _y(panel.build_button, win) == before


# -- item 8: labels ---------------------------------------------------------------------------------------
def test_record_tells_the_simulated_movement_from_the_participants_group(opened_window, qtbot, monkeypatch):
    from PySide6.QtWidgets import QDialog, QFormLayout, QLabel

    from neuroface_studio.gui.record.new_participant_dialog import NewParticipantDialog
    win = opened_window
    win.workspace_bar.select("record")
    bar = win.record_panel.source_bar
    bar.set_kind("synthetic")
    assert bar.group_combo.isVisible()
    dialog = NewParticipantDialog(win.session.project, win)
    qtbot.addWidget(dialog)
    form = dialog.findChild(QFormLayout)
    dialog_label = form.labelForField(dialog.group_combo).text()
    assert bar.group_label.text() != dialog_label and "Group:" not in (bar.group_label.text(), dialog_label)
    assert "simulat" in bar.group_label.text().lower() and "participant" in dialog_label.lower()
    assert "participant" in bar.group_combo.toolTip().lower()  # where the participant's own group is set
    labels = [w.text() for w in win.record_panel.findChildren(QLabel) if w.isVisible() and w.text().endswith(":")]
    assert len(labels) == len(set(labels))  # no two visible selectors share a label
    dialog.reject()
    assert isinstance(dialog, QDialog)


def _write_track(folder, rid: str, model: str = "dlib68", face: bool = False) -> None:
    """A finished landmark track of ``rid``: the truth points, as a perfect tracker would give, or
    (``face``) the mean face 500 mm in front of the camera, so that a head pose can be read off it."""
    import numpy as np

    from neuroface_studio.store.tracks_file import TrackWriter, track_path
    from neuroface_studio.store.truth_file import read_truth
    pts = read_truth(folder / f"truth/{rid}.h5").landmarks_px.astype(np.float32)
    if face:
        from neuroface_studio.acquisition.pose import MODEL_INDICES, MODEL_POINTS_MM
        xyz = MODEL_POINTS_MM + [0, 0, 500]  # x right, y down, z away from the camera
        pts[:, MODEL_INDICES] = (615.0 * xyz[:, :2] / xyz[:, 2:] + [320.0, 240.0]).astype(np.float32)
    with TrackWriter.open(track_path(folder, rid, model), rid, len(pts), {"name": model, "version": "test",
                          "sha256": "test"}, {}, "2026-01-05T12:00:00") as w:
        w.write(0, pts, np.ones(pts.shape[:2], np.float32), np.ones(len(pts), bool))


def _take_without_truth(folder, rid: str) -> None:
    """``rid`` as a camera take: no simulated truth."""
    from neuroface_studio.app.project_service import ProjectSession
    s = ProjectSession.open(folder)
    s.project.recordings[rid].truth_file = None
    for set_id in [k for k, v in s.project.landmark_sets.items() if v.recording_id == rid]:
        del s.project.landmark_sets[set_id]
    s.save("as a camera take")


def test_review_overlay_choices_say_what_they_are(main_window, handmade_project, qtbot):
    from neuroface_studio.gui.review.video_viewer import NO_OVERLAY, TRACK_PREFIX, TRUTH_LABEL
    _write_track(handmade_project, "P001-OPEN")
    assert main_window.open_project(handmade_project)
    viewer = main_window.viewer
    combo = viewer.overlay_combo
    texts = [combo.itemText(k) for k in range(combo.count())]
    keys = [combo.itemData(k) for k in range(combo.count())]
    assert keys == viewer.overlay_sources() == [TRUTH_LABEL, TRACK_PREFIX + "dlib68", "annotator ann1", NO_OVERLAY]
    assert texts[1] == "dlib68 (every frame)" and texts[2] == "annotator ann1 (1 frame)"
    assert all(combo.itemData(k, 3) for k in range(combo.count() - 1))  # each has a tooltip (Qt.ToolTipRole)
    viewer.set_overlay(TRACK_PREFIX + "dlib68")
    assert viewer.overlay_key() == TRACK_PREFIX + "dlib68" and combo.currentText() == "dlib68 (every frame)"


def test_review_overlay_of_a_new_take_is_its_landmarks_once_they_exist(main_window, handmade_project, qtbot):
    from neuroface_studio.gui.review.video_viewer import NO_OVERLAY, TRACK_PREFIX
    _take_without_truth(handmade_project, "P002-OPEN")
    assert main_window.open_project(handmade_project)
    viewer = main_window.viewer
    assert viewer.open_recording("P002-OPEN")
    assert viewer.overlay_sources() == [NO_OVERLAY] and viewer.overlay_key() == NO_OVERLAY  # nothing yet
    _write_track(handmade_project, "P002-OPEN")  # landmarked meanwhile
    viewer.refresh_tracks()
    assert viewer.overlay_key() == TRACK_PREFIX + "dlib68" and len(viewer.panes.landmark_points()) == 68
    viewer.set_overlay(NO_OVERLAY)  # the user's own choice of None is kept
    viewer.refresh_tracks()
    assert viewer.overlay_key() == NO_OVERLAY
    assert viewer.open_recording("P001-OPEN") and viewer.overlay_key() == NO_OVERLAY


def test_review_head_pose_says_it_is_relative_to_straight_ahead(main_window, handmade_project, qtbot):
    _write_track(handmade_project, "P001-OPEN", face=True)
    assert main_window.open_project(handmade_project)
    viewer = main_window.viewer
    assert viewer.head_pose is not None
    viewer.show_frame(4)
    info = viewer.info_label.text()
    assert "head vs straight ahead: yaw" in info and "(dlib68)" in info
    assert "straight ahead" in viewer.info_label.toolTip() and "median pitch" in viewer.info_label.toolTip()


def test_help_menu_opens_the_user_guide(main_window, monkeypatch):
    from pathlib import Path

    from PySide6.QtGui import QDesktopServices
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    help_menu = next(a.menu() for a in main_window.menuBar().actions() if a.text() == "&Help")
    guide = next(a for a in help_menu.actions() if "user guide" in a.text().lower())
    guide.trigger()
    assert len(opened) == 1 and opened[0].isLocalFile()
    path = opened[0].toLocalFile()
    assert path.endswith("docs/USER_GUIDE.md") and "# NeuroFace Studio" in Path(path).read_text(encoding="utf-8")


def test_report_is_saved_to_documents_first_then_where_the_user_saved(opened_window, tmp_path, monkeypatch):
    from datetime import datetime
    from pathlib import Path

    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QFileDialog

    from neuroface_studio.gui.report.workspace import PARTICIPANT, BuiltReport, ReportRequest
    from neuroface_studio.gui.settings import app_settings
    panel = opened_window.report_panel
    panel.report = BuiltReport(ReportRequest(PARTICIPANT, "P001"), "handmade", b"%PDF-1.4\n%%EOF\n",
                               "<html></html>", datetime(2026, 1, 5))
    asked, chosen = [], tmp_path / "clinic reports"
    chosen.mkdir()

    def save_name(parent, caption, start, kinds):
        asked.append(Path(start))
        return str(chosen / Path(start).name), kinds
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    panel.ask_export(".pdf")
    documents = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation))
    documents = documents if documents.is_dir() else Path.home()  # a user without a documents folder
    assert asked[0] == documents / "P001_report_2026-01-05.pdf"  # not the project's data folder
    assert (chosen / "P001_report_2026-01-05.pdf").read_bytes().startswith(b"%PDF")
    panel.ask_export(".html")  # the folder is remembered, in this run and in the settings
    assert asked[1] == chosen / "P001_report_2026-01-05.html"
    assert Path(app_settings().value("export_folder/report")) == chosen


def _cut_texts(root) -> list[str]:
    """Texts of ``root``'s visible combo boxes (every item) that do not fit in the box's text field."""
    from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox
    cut = []
    for combo in root.findChildren(QComboBox):
        if not combo.isVisible():
            continue
        opt = QStyleOptionComboBox()
        combo.initStyleOption(opt)
        field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                             QStyle.SubControl.SC_ComboBoxEditField, combo).width()
        cut += [combo.itemText(k) for k in range(combo.count())
                if combo.fontMetrics().horizontalAdvance(combo.itemText(k)) > field]
    return cut


@pytest.mark.parametrize("workspace", ["review", "record", "segment", "train", "analyze", "report"])
def test_combo_box_texts_are_not_cut(opened_window, qtbot, workspace):
    opened_window.workspace_bar.select(workspace)
    qtbot.wait(100)
    assert _cut_texts(opened_window) == []


def test_segment_title_stays_whole_with_the_key_list_open(opened_window, qtbot):
    win = opened_window
    win.resize(1100, 760)
    win.workspace_bar.select("segment")
    seg = win.segment_panel
    seg.help_button.setChecked(True)
    qtbot.waitUntil(lambda: seg.help_panel.isVisible(), timeout=5000)
    qtbot.wait(100)
    title = seg.title_label
    assert title.text() and title.fontMetrics().horizontalAdvance(title.text()) <= title.contentsRect().width()


def test_segment_trace_axis_label_fits_the_axis(opened_window, qtbot):
    win = opened_window
    win.workspace_bar.select("segment")
    timeline = win.segment_panel.timeline
    axis = timeline.getPlotItem().getAxis("left")

    def inside() -> bool:  # the (rotated) label lies within the axis, top to bottom
        r = axis.label.mapRectToParent(axis.label.boundingRect())
        return r.top() >= -1 and r.bottom() <= axis.size().height() + 1
    timeline.set_recording(12, __import__("numpy").linspace(0.0, 1.0, 12), "lip_aperture (interocular)")
    qtbot.wait(100)
    assert "(interocular)" in axis.label.toPlainText() and inside()  # room enough: whole, and centred
    timeline.resize(600, 160)  # a short timeline: the whole label would be cut
    qtbot.wait(100)
    assert inside()
    from PySide6.QtGui import QFontMetricsF
    assert QFontMetricsF(axis.label.font()).horizontalAdvance(axis.toolTip()) > axis.geometry().height()  # too long
    assert axis.label.boundingRect().width() <= axis.geometry().height() + 1
    assert "lip_aperture" in axis.label.toPlainText() and axis.toolTip() == "lip_aperture (interocular)"


def test_status_lines_follow_undo(opened_window, qtbot):
    win = opened_window
    win.workspace_bar.select("segment")
    seg = win.segment_panel
    seg.select(0)
    seg.delete_selected()
    assert seg.spans() == [(6, 10)] and "Deleted" in seg.message_label.text()
    win.undo()
    assert seg.spans() == [(1, 5), (6, 10)]
    assert seg.message_label.text().startswith("Undone: ") and "Deleted" not in seg.message_label.text()
    assert win.statusBar().currentMessage().startswith("Undone: ")
    win.redo()
    assert seg.spans() == [(6, 10)] and seg.message_label.text().startswith("Redone: ")


@pytest.mark.parametrize("point", [57, 66, 8, 36])
def test_landmark_name_sits_beside_its_point_off_its_feature(qtbot, point):
    """The hover name of a lip point is drawn under the mouth, not over the lips; of a jaw or eye
    point outside the jaw or the eye; and always near its point."""
    import numpy as np
    from PySide6.QtCore import QRectF

    from neuroface_studio.gui.annotate.landmark_editor import LandmarkEditor
    from neuroface_studio.gui.annotate.landmark_items import feature_points
    sys_face = _mean_face_px()
    editor = LandmarkEditor()
    qtbot.addWidget(editor)
    editor.resize(900, 700)
    editor.show()
    editor.set_frame(np.full((480, 640, 3), 90, np.uint8), sys_face)
    qtbot.wait(100)
    editor.set_hover(point)
    view, label = editor.view, editor.overlay._label_text
    assert label.isVisible()
    text_rect = label.deviceTransform(view.viewportTransform()).mapRect(label.boundingRect())
    feature = view.mapFromScene(QRectF(*sys_face[feature_points(point)].min(axis=0),
                                       *np.ptp(sys_face[feature_points(point)], axis=0))).boundingRect()
    assert not text_rect.intersects(feature.toRectF())
    at = view.mapFromScene(*sys_face[point])
    distance = max(abs(text_rect.center().x() - at.x()) - text_rect.width() / 2,
                   abs(text_rect.center().y() - at.y()) - text_rect.height() / 2)
    assert distance < 60  # screen px: beside its point


def _mean_face_px():
    """A 68-point face from the simulator's template, in image px (a real face's proportions)."""
    import numpy as np

    from neuroface_studio.app.paths import protocol_file
    from neuroface_studio.domain.participants import Group
    from neuroface_studio.simulation.clinic import make_identity, plan_recording
    from neuroface_studio.store.protocol_file import load_protocol
    identity = make_identity("P001", Group.HC, seed=7)
    plan = plan_recording(identity, load_protocol(protocol_file()).task("OPEN"), fps=30.0, seed=0)
    return np.asarray(plan.landmarks_px[plan.n_frames // 3], np.float64)
