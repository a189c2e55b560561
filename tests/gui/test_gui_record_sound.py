"""Record workspace with sound: a WAV chosen as the microphone, the level meter during the take,
the clipping warning, the sound in the saved recording; no sound: video only, said (offscreen)."""

from __future__ import annotations

import wave

import numpy as np
import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def record(opened_window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox  # a failed test must not leave a modal question open
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    opened_window.workspace_bar.select("record")
    panel = opened_window.record_panel
    yield panel
    if panel.recording:  # a failed test must not leave a take running (it filled the disk once: 11 GB)
        panel.stop_recording()
    panel.shutdown()


def _wav(path, seconds=3.0, rate=16000, amplitude=0.3):
    t = np.arange(int(seconds * rate)) / rate
    x = (amplitude * 32767 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)
    x[int(0.5 * rate): int(0.6 * rate)] = 32767  # one burst at full scale: clipping
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(x.tobytes())
    return path


def test_take_with_a_sound_file_meters_warns_and_keeps_the_sound(record, opened_window, qtbot, tmp_path):
    from neuroface_studio.app.project_service import ProjectSession
    record.sound_bar.set_file(_wav(tmp_path / "mic.wav"))
    record.runner.select_participant("P001")
    record.runner.select_task("OPEN")
    assert record.start_preview(), record.message_label.text()
    rec_id = record.start_recording()
    qtbot.waitUntil(lambda: record.live.audio.blocks_sent > 40, timeout=10000)  # 0.8 s of sound
    record._on_clock()
    assert record.sound_bar.meter.value() > -20  # a -10 dBFS tone (the burst may be the newest block)
    assert "CLIPPING" in record.sound_bar.status.text()  # the burst at 0.5 s reached full scale
    assert record.stop_recording() == rec_id
    assert "Sound:" in record.message_label.text() and "offset" in record.message_label.text()
    with ProjectSession.open(opened_window.session.folder).open_recording(rec_id) as reader:
        info = reader.audio_info()
    assert info["sample_rate"] == 16000 and info["duration_s"] > 0.7
    assert opened_window.session.project.recordings[rec_id].quality["audio"]["recorded"]


def test_take_without_sound_says_video_only(record, qtbot):
    record.runner.select_participant("P001")
    record.runner.select_task("OPEN")
    assert record.start_preview(), record.message_label.text()
    rec_id = record.start_recording()
    qtbot.waitUntil(lambda: record.live.live_stats().frames_written >= 10, timeout=10000)
    record._on_clock()
    assert "video only" in record.sound_bar.status.text()
    assert record.stop_recording() == rec_id and "No sound (video only)" in record.message_label.text()


def test_microphone_choice_lists_portaudio_and_says_when_there_is_none(record, qtbot):
    """PortAudio runs for real here and reports no input devices: the choice holds none, one line
    says so, and a take records video only. (With a microphone it is listed as "Microphone: NAME".)"""
    from neuroface_studio.acquisition.audio_device import NoAudioDevice, input_devices
    from neuroface_studio.gui.record.sound import FILE, MIC, NONE
    bar = record.sound_bar
    items = [bar.combo.itemText(i) for i in range(bar.combo.count())]
    try:
        devices = input_devices()
    except NoAudioDevice as exc:
        assert items == [NONE, FILE]
        assert bar.no_mic == f"no microphone ({exc}): takes record video only"
        assert bar.status.text() == bar.no_mic and "\n" not in bar.no_mic
    else:
        assert items[0] == NONE and items[-1] == FILE and len(items) == len(devices) + 2
        assert all(t.startswith(MIC) for t in items[1:-1])
        pytest.skip("this machine has microphones: the no-microphone path cannot be shown")
    bar.refresh_button.click()  # listing again keeps the choice and the note
    assert bar.combo.currentText() == NONE and bar.status.text() == bar.no_mic
    record.runner.select_participant("P001")
    record.runner.select_task("OPEN")
    assert record.start_preview(), record.message_label.text()
    assert record.live.audio is None
    assert not bar.combo.isEnabled() and not bar.refresh_button.isEnabled()  # fixed while the preview runs
    rec_id = record.start_recording()
    qtbot.waitUntil(lambda: record.live.live_stats().frames_written >= 10, timeout=10000)
    record._on_clock()
    assert bar.status.text() == bar.no_mic
    assert record.stop_recording() == rec_id and "No sound (video only)" in record.message_label.text()
