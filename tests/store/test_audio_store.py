"""The optional /audio group of a recording file: round trip, plain-h5py layout, old files, kills."""

import subprocess
import sys
import textwrap

import h5py
import hdf5plugin  # noqa: F401  (registers the Blosc filter for plain h5py reads)
import numpy as np
import pytest

from neuroface_studio.domain.audio import AudioTrack, float_to_pcm16
from neuroface_studio.domain.camera import CameraInfo, Intrinsics
from neuroface_studio.store.recording_file import RecordingReader, RecordingWriter

INTR = Intrinsics(64, 48, 60.0, 60.0, 32.0, 24.0)
CAM = CameraInfo(INTR, INTR, device="test")
RATE = 16000


def _tone(seconds, hz=440.0, channels=2):
    t = np.arange(int(seconds * RATE)) / RATE
    mono = float_to_pcm16(0.5 * np.sin(2 * np.pi * hz * t))
    return np.repeat(mono[:, None], channels, axis=1)


def test_sound_round_trip_on_the_frame_clock(tmp_path):
    path = tmp_path / "r.h5"
    pcm = _tone(1.0)
    with RecordingWriter(path, "R1", "PA", 50.0, CAM, "now", audio=(RATE, 2, "test tone")) as w:
        w.append_audio(pcm[:5000], start_s=10.25, offset_s=0.25)
        for i in range(20):
            w.append(np.zeros((48, 64, 3), np.uint8), np.zeros((48, 64), np.uint16), 10.0 + i / 50.0)
        w.append_audio(pcm[5000:])
    with RecordingReader(path) as r:
        info = r.audio_info()
        assert info["sample_rate"] == RATE and info["channels"] == 2 and info["n_samples"] == RATE
        assert info["duration_s"] == 1.0 and info["start_s"] == 10.25 and info["offset_s"] == 0.25
        track = r.audio()
        assert np.array_equal(track.pcm, pcm)
        part = r.audio(10.5, 10.75)  # a window of the frame clock
        assert part.start_s == pytest.approx(10.5) and part.n_samples == RATE // 4
        assert np.array_equal(part.pcm, pcm[RATE // 4: RATE // 2])
    with h5py.File(path, "r") as f:  # another lab's plain reader
        assert f["audio/pcm"].dtype == np.int16 and f["audio/pcm"].chunks == (4096, 2)
        assert f["audio"].attrs["sample_rate"] == RATE and list(f["audio/clock"][:]) == [10.25, 0.25]


def test_files_without_sound_and_writers_without_audio(tmp_path):
    path = tmp_path / "silent.h5"
    with RecordingWriter(path, "R1", "OPEN", 50.0, CAM, "now") as w:  # as every file before /audio existed
        w.append(np.zeros((48, 64, 3), np.uint8), np.zeros((48, 64), np.uint16), 0.0)
        with pytest.raises(ValueError, match="without a sound track"):
            w.append_audio(_tone(0.1))
    with RecordingReader(path) as r:
        assert r.audio_info() is None and r.audio() is None
    with pytest.raises(ValueError, match="int16"):
        AudioTrack(np.zeros((10, 1), np.float32), RATE)


def test_killed_writer_keeps_the_flushed_sound(tmp_path):
    path = tmp_path / "killed.h5"
    code = textwrap.dedent(f"""
        import os, time, numpy as np
        from neuroface_studio.domain.camera import CameraInfo, Intrinsics
        from neuroface_studio.store.recording_file import RecordingWriter
        i = Intrinsics(64, 48, 60.0, 60.0, 32.0, 24.0)
        w = RecordingWriter({str(path)!r}, "R1", "PA", 10.0, CameraInfo(i, i), "now", audio=({RATE}, 1, "mic"))
        for k in range(12):
            if k == 10:
                time.sleep(0.4)  # past the flush deadline: the append of frame 10 flushes
            w.append_audio(np.full((1600, 1), k, np.int16), start_s=0.0 if k == 0 else None)
            w.append(np.full((48, 64, 3), k, np.uint8), np.zeros((48, 64), np.uint16), k / 10.0)
        os._exit(9)
    """)
    subprocess.run([sys.executable, "-c", code], check=False, timeout=60)
    with RecordingReader(path) as r:
        info = r.audio_info()
        assert not r.complete and r.n_frames >= 11
        assert info["n_samples"] >= 11 * 1600 and info["n_samples"] % 1600 == 0
        pcm = r.audio().pcm
        assert pcm[0, 0] == 0 and pcm[10 * 1600, 0] == 10
