"""``bench landmark`` on a real clip through the CLI: valid JSON, every frame, a face on each."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.real, pytest.mark.slow]


def test_bench_landmark_on_single_face(real_faces, tmp_path):
    env = dict(os.environ, NEUROFACE_HOME=str(tmp_path / "home"), TMPDIR=str(tmp_path))
    env.pop("NEUROFACE_BLOCK_QT", None)
    proc = subprocess.run([sys.executable, "-m", "neuroface_studio", "bench", "landmark", "--clip",
                           str(real_faces / "single_face.mp4"), "--json"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads(proc.stdout, parse_constant=lambda c: pytest.fail(f"bare {c} in JSON"))
    (row,) = res["videos"]
    assert (row["video"], row["width"], row["height"], row["frames"]) == ("single_face.mp4", 640, 360, 72)
    assert row["frames_with_face"] == 72
    for key in ("fps_landmark", "fps_landmark_cpu", "fps_tracker", "fps_tracker_cpu"):
        assert row[key] > 0, row
    assert "dlib68" in res["model"]
