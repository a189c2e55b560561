"""Microphones through PortAudio (acquisition/audio_device.py).

The "no microphone" path runs for real: this machine's PortAudio (libportaudio2, installed) reports
no input devices, and a take asked for a microphone records video only and says so in one line.
Where a machine does have a microphone those tests skip (they cannot make it disappear).

The recording path of a microphone (PortAudio's callback -> the source's thread -> the recorder's
``offer_audio`` -> ``AudioSync`` -> ``/audio`` on the frames' clock) is tested with a stand-in for
``sounddevice.InputStream`` only: a sound card is the one thing that cannot run here. The stand-in
calls the callback the way PortAudio does (int16 blocks, ``inputBufferAdcTime``/``currentTime`` on
its stream clock, callbacks arriving late by a random few ms, an input-overflow flag); everything
above it is the real code.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from neuroface_studio.acquisition.audio_device import (MicrophoneSource, NoAudioDevice, input_devices,
                                                       open_microphone)
from neuroface_studio.acquisition.recorder import CaptureSession
from neuroface_studio.acquisition.synthetic import SyntheticSource
from neuroface_studio.store.recording_file import RecordingReader

RATE = 16000


def _no_microphone_here() -> str:
    try:
        devices = input_devices()
    except NoAudioDevice as exc:
        return str(exc)
    pytest.skip(f"this machine has microphones ({devices[0]['name']}): the no-microphone path cannot be shown")


def test_no_microphone_is_one_line_and_video_only():
    why = _no_microphone_here()
    assert "PortAudio" in why and "\n" not in why
    source, note = open_microphone()
    assert source is None
    assert note.startswith("no microphone (") and note.endswith("the take records video only") and "\n" not in note
    with pytest.raises(NoAudioDevice, match="PortAudio"):
        MicrophoneSource()


def test_cli_record_with_microphone_and_none_records_video_only(tmp_path):
    _no_microphone_here()
    run = [sys.executable, "-m", "neuroface_studio"]
    subprocess.run(run + ["project", "create", str(tmp_path / "p")], check=True, capture_output=True, timeout=60)
    subprocess.run(run + ["participant", "add", str(tmp_path / "p"), "--id", "P1", "--group", "HC"], check=True,
                   capture_output=True, timeout=60)
    base = run + ["record", str(tmp_path / "p"), "--participant", "P1", "--task", "PA", "--duration", "0.5",
                  "--microphone"]
    out = subprocess.run(base, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = [x for x in out.stdout.splitlines() if x.startswith("audio:")]
    assert lines == ["audio: no microphone (PortAudio reports no input devices): the take records video only"]
    assert "frames" in out.stdout
    js = subprocess.run(base + ["--json"], capture_output=True, text=True, timeout=120)
    summary = json.loads(js.stdout)
    assert summary["frames_written"] > 0 and summary["audio"]["recorded"] is False
    with RecordingReader(tmp_path / "p" / "recordings" / f"{summary['recording']}.h5") as r:
        assert r.audio_info() is None


class FakeInputStream:
    """Stand-in for ``sounddevice.InputStream`` (no sound card here): plays ``signal`` as captured input.

    Its stream clock is ``time.perf_counter``; block k's first sample hits the converter at
    ``t0 + k * blocksize / rate`` and the callback runs 0..``jitter_s`` after the block is complete.
    ``overflow_block``: that block is lost inside "PortAudio" and the next is flagged input_overflow.
    """

    signal = np.zeros((0, 1), np.int16)
    jitter_s = 0.004
    overflow_block: int | None = None
    opened: list = []

    def __init__(self, samplerate, blocksize, device, channels, dtype, callback) -> None:
        assert dtype == "int16" and channels == 1
        self.rate, self.block, self.callback = samplerate, blocksize, callback
        self.t0: float | None = None
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.closed = False
        FakeInputStream.opened.append(self)

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self._thread.start()

    def stop(self) -> None:
        self._halt.set()
        self._thread.join(2)

    def close(self) -> None:
        self.closed = True

    def _run(self) -> None:
        rng = np.random.default_rng(0)
        k, lost = 0, False
        while not self._halt.is_set():
            adc = self.t0 + k * self.block / self.rate
            wait = adc + self.block / self.rate + rng.uniform(0, self.jitter_s) - time.perf_counter()
            if wait > 0 and self._halt.wait(wait):
                return
            if k == self.overflow_block:
                k, lost = k + 1, True
                continue
            i = (k * self.block) % len(self.signal)
            block = np.resize(self.signal[i: i + self.block], (self.block, 1))
            self.callback(block, self.block, SimpleNamespace(inputBufferAdcTime=adc, currentTime=time.perf_counter()),
                          SimpleNamespace(input_overflow=lost))
            k, lost = k + 1, False


def _clicks(seconds=4.0, every_s=0.25, first_s=0.1):
    x = np.zeros((int(seconds * RATE), 1), np.int16)
    for t in np.arange(first_s, seconds, every_s):
        x[int(t * RATE): int(t * RATE) + 40] = 20000
    return x


def _take(tmp_path, seconds=1.2):
    source = SyntheticSource(fps=30, realtime=True, prerender=30, seed=1)
    source.open()
    camera_t0 = source._t0
    capture = CaptureSession(source)
    capture.start()
    time.sleep(0.15)
    mic = MicrophoneSource(block_s=0.02, stream_factory=FakeInputStream,
                           device_info={"index": 3, "name": "Fake USB mic", "channels": 1, "sample_rate": RATE})
    capture.start_recording(tmp_path / "take.h5", "R1", "PA", "now", audio=mic)
    time.sleep(seconds)
    stats = capture.stop_recording()
    capture.stop()
    source.close()
    with RecordingReader(tmp_path / "take.h5") as r:
        info, track, ts = r.audio_info(), r.audio(), r.timestamps_s()
    return mic, stats, FakeInputStream.opened[-1].t0 - camera_t0, info, track, ts


def _rises(track):
    return np.flatnonzero((track.pcm[1:, 0] > 10000) & (track.pcm[:-1, 0] <= 10000)) + 1


def test_microphone_blocks_reach_the_file_on_the_frame_clock(tmp_path, monkeypatch):
    monkeypatch.setattr(FakeInputStream, "signal", _clicks())
    monkeypatch.setattr(FakeInputStream, "overflow_block", None)
    mic, stats, true_start, info, track, ts = _take(tmp_path)
    assert FakeInputStream.opened[-1].closed  # stop() stopped and closed the stream
    assert stats.frames_written > 20 and stats.audio["recorded"], stats.audio
    assert stats.audio["source"] == "microphone Fake USB mic" and info["sample_rate"] == RATE
    assert abs(info["start_s"] - true_start) <= 0.010, (info, true_start)
    assert info["offset_s"] == pytest.approx(info["start_s"] - ts[0], abs=1e-6)
    # the callbacks' jitter neither gaps nor trims the sound: sample k is at start_s + k / rate
    assert stats.audio["gap_s"] == 0 and stats.audio["dropped_blocks"] == 0 and mic.overflows == 0
    assert np.allclose(_rises(track)[:4] / RATE, [0.1, 0.35, 0.6, 0.85], atol=1e-3)
    assert stats.audio["peak_dbfs"] == pytest.approx(20 * np.log10(20000 / 32768), abs=0.1)  # the clicks' level
    assert mic.peak_dbfs in (pytest.approx(-4.3, abs=0.1), pytest.approx(-90.3, abs=0.1))  # newest: click or zeros


def test_lost_microphone_block_becomes_silence_and_later_sound_keeps_its_time(tmp_path, monkeypatch):
    monkeypatch.setattr(FakeInputStream, "signal", _clicks())
    monkeypatch.setattr(FakeInputStream, "overflow_block", 20)  # the 0.40..0.42 s block never arrives
    monkeypatch.setattr(FakeInputStream, "jitter_s", 0.0)
    mic, stats, _, info, track, _ = _take(tmp_path)
    assert mic.overflows == 1
    assert stats.audio["gap_s"] == pytest.approx(0.02, abs=1 / RATE)
    assert np.allclose(_rises(track)[:4] / RATE, [0.1, 0.35, 0.6, 0.85], atol=1e-3)


class RefusingInputStream:
    """Stand-in for ``sounddevice.InputStream`` when PortAudio refuses the device (unplugged since listed)."""

    def __init__(self, **_kw) -> None:
        raise RuntimeError("Error opening InputStream: Device unavailable [PaErrorCode -9985]")


def test_microphone_that_cannot_open_leaves_a_video_only_take_that_says_why(tmp_path):
    source = SyntheticSource(fps=30, realtime=True, prerender=10, seed=1)
    source.open()
    capture = CaptureSession(source)
    capture.start()
    mic = MicrophoneSource(stream_factory=RefusingInputStream,
                           device_info={"index": 3, "name": "Fake USB mic", "channels": 1, "sample_rate": RATE})
    capture.start_recording(tmp_path / "take.h5", "R1", "PA", "now", audio=mic)
    time.sleep(0.4)
    stats = capture.stop_recording()
    capture.stop()
    source.close()
    assert stats.frames_written > 5 and stats.audio["recorded"] is False
    assert stats.audio["why"].startswith("the sound source could not start (microphone Fake USB mic could not be "
                                         "opened: Error opening InputStream: Device unavailable")
    assert stats.audio["why"].endswith("video only") and "\n" not in stats.audio["why"]
    assert not any(t.name == "audio-microphone" for t in threading.enumerate())  # its thread ended
    with RecordingReader(tmp_path / "take.h5") as r:
        assert r.audio_info() is None and r.n_frames == stats.frames_written
