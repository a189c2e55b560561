"""A recording's clock: store.recording_file.read_timestamps and the durations/rates of domain/timing.py."""

from __future__ import annotations

import numpy as np
import pytest

from neuroface_studio.domain.camera import CameraInfo, Intrinsics
from neuroface_studio.domain.timing import duration_from_timestamps, effective_fps, frame_interval_s
from neuroface_studio.store.errors import RecordingFileError
from neuroface_studio.store.recording_file import RecordingWriter, read_timestamps


def _write(path, stamps):
    intr = Intrinsics(8, 6, 8.0, 8.0, 4.0, 3.0, model="none")
    cam = CameraInfo(color=intr, depth=intr, depth_aligned_to_color=True, device="test")
    with RecordingWriter(path, "R1", "OPEN", 30.0, cam, "2026-01-01T00:00:00") as w:
        for t in stamps:
            w.append(np.zeros((6, 8, 3), np.uint8), np.zeros((6, 8), np.uint16), t)
    return path


def test_read_timestamps_returns_the_stored_clock(tmp_path):
    stamps = [12.0, 12.04, 12.1, 12.13, 12.5]  # a device clock: does not start at 0, irregular
    ts = read_timestamps(_write(tmp_path / "r.h5", stamps))
    assert ts.dtype == np.float64 and np.array_equal(ts, stamps)
    with pytest.raises(RecordingFileError):
        read_timestamps(tmp_path / "missing.h5")


def test_duration_is_last_minus_first_plus_one_median_interval():
    steady = np.arange(90) / 30.0
    assert duration_from_timestamps(steady) == pytest.approx(3.0)  # n / fps for a steady clock
    assert effective_fps(steady) == pytest.approx(30.0)
    # a take with drops: 294 frames over 19.2 s of a 30 fps camera is 19.2 s long, not 9.8 s
    kept = np.sort(np.random.default_rng(0).choice(576, 294, replace=False))
    kept[0], kept[-1] = 0, 575
    gappy = kept / 30.0
    assert duration_from_timestamps(gappy) == pytest.approx(575 / 30.0 + frame_interval_s(gappy))
    assert effective_fps(gappy) == pytest.approx(294 / duration_from_timestamps(gappy))
    irregular = [0.0, 0.033, 0.066, 0.150, 0.170, 0.300]  # intervals 33,33,84,20,130 ms: median 33 ms
    assert duration_from_timestamps(irregular) == pytest.approx(0.333)
    assert duration_from_timestamps([5.0], nominal_fps=25.0) == pytest.approx(0.04)  # one frame: 1 / fps
    assert duration_from_timestamps([]) == 0.0 and effective_fps([], nominal_fps=25.0) == 25.0
    assert duration_from_timestamps([0.0, np.nan, 0.1, 0.2]) == pytest.approx(0.3)  # NaN ignored
