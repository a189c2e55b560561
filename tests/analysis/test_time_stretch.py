"""Pitch-preserving time stretch (analysis/time_stretch.py) for Segment's 0.25x-2x sound playback."""

from __future__ import annotations

import time

import numpy as np
import pytest

from neuroface_studio.analysis.time_stretch import time_stretch

RATE = 16000


def _dominant_hz(y: np.ndarray) -> float:
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return float(np.fft.rfftfreq(len(y), 1 / RATE)[np.argmax(spec)])


@pytest.mark.parametrize("speed", [0.25, 0.5, 2.0])
def test_stretch_keeps_the_pitch_and_scales_the_duration(speed):
    t = np.arange(2 * RATE) / RATE
    x = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    y = time_stretch(x, speed, RATE)
    assert len(y) == round(len(x) / speed)
    middle = y[len(y) // 4: 3 * len(y) // 4]
    assert _dominant_hz(middle) == pytest.approx(440, abs=2)  # resampling would give 440 * speed
    assert np.sqrt(np.mean(middle ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.05)  # no level change


@pytest.mark.parametrize("speed", [0.25, 0.5, 2.0])
def test_stretch_moves_syllables_in_time(speed):
    """Tone bursts (a PA train at 4 syll/s) come out at their times divided by the speed."""
    x = np.zeros(3 * RATE, np.float32)
    onsets = np.arange(0.2, 2.8, 0.25)
    t = np.arange(int(0.08 * RATE)) / RATE
    for o in onsets:
        x[int(o * RATE): int(o * RATE) + len(t)] = 0.5 * np.sin(2 * np.pi * 200 * t)
    y = time_stretch(x, speed, RATE)
    env = np.convolve(np.abs(y), np.ones(160) / 160, mode="same")
    loud = env > 0.1
    rises = (np.flatnonzero(loud[1:] & ~loud[:-1]) + 1) / RATE
    found = [r for i, r in enumerate(rises) if i == 0 or r - rises[i - 1] > 0.1 / speed]  # one per burst
    assert len(found) == len(onsets)
    err = np.abs(np.array(found) - onsets / speed)
    assert err.max() < 0.02 / speed  # 20 ms of the recording's time, as heard at that speed


def test_stream_reads_in_blocks_as_a_sound_card_does_faster_than_real_time():
    from neuroface_studio.analysis.time_stretch import Stretcher
    x = np.random.default_rng(0).standard_normal(10 * 44100).astype(np.float32) * 0.1
    whole = time_stretch(x, 0.25, 44100)
    st = Stretcher(x, 0.25, 44100)
    t0 = time.perf_counter()
    blocks = []
    while st.remaining:
        blocks.append(st.read(1024))
    took = time.perf_counter() - t0
    assert np.array_equal(np.concatenate(blocks), whole) and len(whole) == 40 * 44100
    assert st.read(1024).size == 0
    assert 40.0 / took > 2, took  # 40 s of 44.1 kHz sound made faster than it plays (here ~12x)


def test_speed_one_is_the_input_and_bad_speeds_are_refused():
    x = np.linspace(-1, 1, 100, dtype=np.float32)
    assert np.array_equal(time_stretch(x, 1.0, RATE), x)
    with pytest.raises(ValueError, match="outside"):
        time_stretch(x, 0.0, RATE)
