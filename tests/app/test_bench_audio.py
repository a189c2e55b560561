"""bench record-audio / import-audio (app/bench_audio.py): short real runs; the figures are consistent."""

from __future__ import annotations

import pytest

from neuroface_studio.app.bench_audio import (bench_import_audio, bench_record_audio, format_import_audio,
                                              format_record_audio)


def test_record_audio_bench_records_both_streams_and_measures_the_sound_thread():
    res = bench_record_audio(duration_s=1.5, fps=30, rounds=1)
    plain, sound = res["without_sound"][0], res["with_sound"][0]
    assert plain["frames_written"] >= 30 and "sound_recorded_s" not in plain
    assert sound["sound_rate_hz"] == 48000 and sound["sound_channels"] == 2
    assert sound["sound_recorded_s"] == pytest.approx(1.5, abs=0.3)
    assert 0 <= sound["sound_thread_cpu_percent"] < 50  # 10 ms ticks: a short run may read 0
    assert abs(sound["audio_video_offset_ms"]) < 100
    assert res["sound_cost_cpu_points"] == pytest.approx(
        res["median_process_cpu_percent"]["with_sound"] - res["median_process_cpu_percent"]["without_sound"], abs=0.1)
    assert "sound costs" in format_record_audio(res)


@pytest.mark.real
def test_import_audio_bench_strips_only_the_sound(real_faces):
    res = bench_import_audio([real_faces / "single_face.mp4"], rounds=1)
    row = res["clips"][0]
    assert row["frames"] == row["frames_without_sound"] == 72  # the same video packets
    assert row["sound"] == pytest.approx(2.418, abs=0.01) and row["sound_without"] is None
    assert row["fps_with_sound"] > 0 and "single_face.mp4" in format_import_audio(res)
