"""`neuroface-studio record` / `import` / `project recover` with real processes and files."""

import json
import os
import signal
import subprocess
import sys
import time

import h5py
import pytest

from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.cli import main
from neuroface_studio.store.recording_file import RecordingReader


def test_record_synthetic_json_summary(handmade_project, capsys):
    rc = main(["record", str(handmade_project), "--participant", "P001", "--task", "open", "--source", "synthetic",
               "--duration", "1.0", "--fps", "30", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["recording"] == "P001-OPEN-2"  # P001-OPEN exists: a retake never overwrites
    # 1 s at 30 fps: ~30 frames on a quiet machine; 9 were written once under a load average of 14
    assert out["frames_written"] >= 5 and out["dropped"] >= 0 and out["mb_per_s"] > 0
    rec = ProjectSession.open(handmade_project).project.recordings["P001-OPEN-2"]
    assert rec.n_frames == out["frames_written"] and rec.quality["dropped"] == out["dropped"]
    with RecordingReader(handmade_project / rec.file) as r:
        assert r.complete and r.n_frames == rec.n_frames and r.participant_id == "P001"


def test_record_without_camera_says_so(handmade_project, capsys):
    rc = main(["record", str(handmade_project), "--participant", "P001", "--task", "OPEN", "--source", "realsense",
               "--duration", "1"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "No Intel RealSense camera found" in err and "Traceback" not in err
    assert "P001-OPEN-2" not in ProjectSession.open(handmade_project).project.recordings


def test_record_rejects_unknown_participant_and_task(handmade_project, capsys):
    assert main(["record", str(handmade_project), "--participant", "NOPE", "--task", "OPEN", "--duration", "1"]) == 2
    assert "unknown participant NOPE" in capsys.readouterr().err
    assert main(["record", str(handmade_project), "--participant", "P001", "--task", "DANCE", "--duration", "1"]) == 2
    assert "unknown task DANCE" in capsys.readouterr().err


def _committed(path):
    try:
        with h5py.File(path, "r", swmr=True) as f:
            return int(f["committed_frames"][0])
    except (OSError, KeyError):
        return 0


def test_sigkill_mid_recording_loses_at_most_a_second_and_recovers(handmade_project, capsys):
    """A real recorder process killed with SIGKILL: the file opens, frames up to the last
    flush are intact, and `project recover` puts the recording back in the project."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "neuroface_studio", "record", str(handmade_project),
                             "--participant", "P002", "--task", "OPEN", "--source", "synthetic",
                             "--duration", "60", "--fps", "30"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    path = handmade_project / "recordings" / "P002-OPEN-2.h5"
    deadline = time.monotonic() + 60
    while _committed(path) < 45 and time.monotonic() < deadline:  # at least 1.5 s on disk
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert _committed(path) >= 45, "the recorder never flushed"
    with RecordingReader(path) as r:
        assert not r.complete
        n = r.n_frames
        assert n >= 45
        ts = r.timestamps_s()
        assert (ts[1:] > ts[:-1]).all()
        r.color(n - 1)  # the last committed frame is readable
    assert "P002-OPEN-2" not in ProjectSession.open(handmade_project).project.recordings
    assert main(["project", "recover", str(handmade_project), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["recovered"] == ["P002-OPEN-2"] and out["problems"] == []
    rec = ProjectSession.open(handmade_project).project.recordings["P002-OPEN-2"]
    assert rec.n_frames == n and "interrupted" in rec.notes
    assert main(["project", "recover", str(handmade_project)]) == 0
    assert "nothing to recover" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["missing.db3", "notes.db3"])
def test_import_bad_files(handmade_project, tmp_path, capsys, bad):
    path = tmp_path / bad
    if bad == "notes.db3":
        path.write_text("not a recording")
    assert main(["import", str(handmade_project), str(path), "--participant", "P001", "--task", "OPEN"]) == 2
    assert "error:" in capsys.readouterr().err
