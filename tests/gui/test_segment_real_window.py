"""The Segment workspace in a real window under Xvfb: tools/segment_screenshots.py --small must pass."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.xvfb, pytest.mark.slow]

TOOL = Path(__file__).resolve().parents[2] / "tools" / "segment_screenshots.py"


def test_segment_real_window_keys_and_screenshots(tmp_path):
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed")
    pytest.importorskip("dlib")
    from PySide6.QtGui import QImage

    out = tmp_path / "shots"
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", XDG_CONFIG_HOME=str(tmp_path / "config"),
               NEUROFACE_HOME=str(tmp_path / "home"), TMPDIR=str(tmp_path))
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1500x900x24", sys.executable, str(TOOL), str(out),
                           "--small"], env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    names = ["1_opened", "2_proposed", "3_help", "4_accepted_marking", "5_other_recording"]
    for name in names:
        image = QImage(str(out / f"{name}.png"))
        assert image.width() >= 1400 and image.height() >= 850, name
