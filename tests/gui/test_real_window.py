"""Open the real window under Xvfb (xcb platform) and check its screenshot shows a frame."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

pytestmark = [pytest.mark.gui, pytest.mark.xvfb]


def test_screenshot_under_xvfb(handmade_project, tmp_path):
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed")
    from PySide6.QtGui import QImage

    shot = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", XDG_CONFIG_HOME=str(tmp_path / "config"),
               NEUROFACE_HOME=str(tmp_path / "home"))
    proc = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1440x900x24", sys.executable, "-m", "neuroface_studio", "gui",
         str(handmade_project), "--screenshot", str(shot)],
        env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.is_file()
    image = QImage(str(shot)).convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    assert w >= 800 and h >= 500
    pixels = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes()).reshape(h, image.bytesPerLine())
    pixels = pixels[:, : w * 3].reshape(h, w, 3).astype(float)
    assert pixels.std() > 20
    # the colour image sits in the middle band of the window, right of the browser dock
    band = pixels[int(h * 0.3): int(h * 0.7), int(w * 0.4): int(w * 0.6)]
    assert band.std() > 10, "the colour image region is uniform: no frame was drawn"
    assert len(np.unique(band.reshape(-1, 3), axis=0)) > 50
