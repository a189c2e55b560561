"""`neuroface-studio import` of real RealSense (.db3) and video files into a project."""

import json

import cv2
import numpy as np

from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.cli import main
from neuroface_studio.store.recording_file import RecordingReader


def test_import_realsense_file_frame_exact(handmade_project, rs_file, capsys):
    assert main(["import", str(handmade_project), str(rs_file), "--participant", "P002", "--task", "KISS",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["recording"] == "P002-KISS" and out["frames_written"] == 20 and out["dropped"] == 0
    rec = ProjectSession.open(handmade_project).project.recordings["P002-KISS"]
    with RecordingReader(handmade_project / rec.file) as r:
        assert r.n_frames == 20 and np.array_equal(r.frame_numbers(), np.arange(20))


def test_import_video_colour_only(handmade_project, tmp_path, capsys):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (160, 120))
    for i in range(15):
        writer.write(np.full((120, 160, 3), i * 10, np.uint8))
    writer.release()
    assert main(["import", str(handmade_project), str(path), "--participant", "P001", "--task", "SMILE",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["frames_written"] == 15
    rec = ProjectSession.open(handmade_project).project.recordings["P001-SMILE"]
    assert rec.fps == 25.0 and "no depth" in rec.camera.device
