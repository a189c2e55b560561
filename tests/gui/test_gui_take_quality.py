"""The recording quality gate in the window (issue 18): Record says a bad take is bad (red, with the
suggestion), not a green "Saved"; Review's recording list and title show each recording's quality."""

from __future__ import annotations

import pytest

from takehelpers import GappySource, record_take

pytestmark = pytest.mark.gui


@pytest.fixture
def record(opened_window):
    opened_window.workspace_bar.select("record")
    panel = opened_window.record_panel
    yield panel
    panel.shutdown()  # stops the preview and any take still running


def test_a_short_take_is_a_red_retake_message_not_a_green_success(record, opened_window, qtbot):
    record.runner.select_participant("P001")
    record.runner.select_task("OPEN")
    assert record.start_preview(), record.message_label.text()
    qtbot.waitUntil(lambda: record.preview.frames_shown >= 3, timeout=10000)
    rec_id = record.start_recording()
    assert rec_id == "P001-OPEN-2", record.message_label.text()
    qtbot.waitUntil(lambda: record.live.live_stats().frames_written >= 5, timeout=10000)
    assert record.stop_recording() == rec_id  # well under a second of OPEN, which needs at least 5 s
    text = record.message_label.text()
    verdict = opened_window.session.project.recordings[rec_id].quality["verdict"]
    assert verdict["level"] == "red"
    assert text.startswith("Retake: ") and f"Saved {rec_id}" in text and verdict["suggestion"] in text
    assert text.startswith(f"Retake: {verdict['reasons'][0]}")  # too short; on a busy machine drops may come first
    assert any(r.startswith("the take lasted ") for r in verdict["reasons"]) or verdict["measures"]["dropped"] > 0
    assert "#fdecea" in record.message_label.styleSheet()  # the red message, not the green "info" one
    assert "#e8f5e9" not in record.message_label.styleSheet()
    assert "quality: retake" in record.runner.statuses["OPEN"].text  # the task list says it too
    assert opened_window.browser.recording_quality()[rec_id] == "red"


def test_take_message_levels():
    from neuroface_studio.analysis.take_quality import TakeMeasures, assess_take
    from neuroface_studio.gui.record.workspace import take_message

    good = assess_take(TakeMeasures(300, 0, 1.0, 1.0, 10.0, 5.0, "OPEN"))
    assert take_message(good, "Saved X.") == ("Saved X. Quality: good.", "info")
    amber = assess_take(TakeMeasures(930, 70, 1.0, 1.0, 10.0, 5.0, "OPEN"))
    text, kind = take_message(amber, "Saved X.")
    assert kind == "warning" and text.startswith("Usable, but check: 7% of frames were dropped") and "Saved X." in text
    assert take_message(None, "Saved X.") == ("Saved X.", "info")  # no verdict: nothing claimed


def test_review_lists_each_recordings_quality(main_window, handmade_project, qtbot):
    from PySide6.QtGui import QColor

    red = record_take(handmade_project, GappySource())  # half the frames dropped
    assert red.verdict.level == "red"
    assert main_window.open_project(handmade_project)
    browser = main_window.browser
    quality = browser.recording_quality()
    assert quality[red.recording_id] == "red"
    assert quality["P001-OPEN"] is None  # the hand-made recording: nothing known of its capture
    item = next(it for it in browser._items() if it.text(0) == red.recording_id)
    assert item.text(2).startswith("retake · 150 fr") and item.foreground(2).color() == QColor("#c62828")
    assert "dropped" in item.toolTip(2) and "close other programs" in item.toolTip(2)
    main_window.workspace_bar.select("review")
    assert browser.select_recording(red.recording_id)
    viewer = main_window.viewer
    qtbot.waitUntil(lambda: viewer.recording_id == red.recording_id, timeout=5000)
    assert viewer.quality_label.text() == "quality: retake" and "#c62828" in viewer.quality_label.styleSheet()
    assert viewer.quality_label.toolTip() == red.verdict.headline()
    assert viewer.title_label.toolTip() == viewer.title_label.text() + "\n" + red.verdict.headline()
    assert red.verdict.headline().startswith("Retake: 5")  # 50 % (51 % should the queue drop one too)
    assert "% of frames were dropped" in red.verdict.headline()


def test_a_long_title_ends_in_an_ellipsis_and_its_neighbours_keep_their_room(qtbot):
    """Review's title row in a narrow window: the title (an ElidedLabel) gives way and is painted
    with "…", the quality word and the landmark list keep their whole width; ``text()`` stays whole."""
    from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

    from neuroface_studio.gui.widgets.elided_label import ElidedLabel
    row = QWidget()
    qtbot.addWidget(row)
    title = ElidedLabel("P007-OPEN-2 — OPEN (Open the mouth as wide as you can) — P007 (ALS)")
    quality = QLabel("quality: retake")
    combo = QComboBox()
    combo.addItem("dlib68 (every frame)")
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    combo.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
    layout = QHBoxLayout(row)
    layout.addWidget(title, 1)
    layout.addWidget(quality)
    layout.addWidget(combo)
    row.resize(420, 40)
    row.show()
    qtbot.waitExposed(row)
    assert title.width() < title.fontMetrics().horizontalAdvance(title.text())  # it does not fit ...
    assert quality.width() >= quality.sizeHint().width() and combo.width() >= combo.sizeHint().width()
    assert title.text().startswith("P007-OPEN-2") and title.text().endswith("(ALS)")  # ... but is kept whole
    title.grab()  # paints the elided text without error
