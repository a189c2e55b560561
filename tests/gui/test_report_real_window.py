"""The Report workspace in a real window under Xvfb: tools/report_screenshots.py must pass."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.xvfb, pytest.mark.slow]
pytest.importorskip("pypdfium2")

TOOL = Path(__file__).resolve().parents[2] / "tools" / "report_screenshots.py"


def test_report_real_window_preview_and_screenshots(tmp_path):
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed")
    from PySide6.QtGui import QImage

    out = tmp_path / "shots"
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", XDG_CONFIG_HOME=str(tmp_path / "config"),
               NEUROFACE_HOME=str(tmp_path / "home"), TMPDIR=str(tmp_path))
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1500x900x24", sys.executable, str(TOOL), str(out)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    for name in ("1_chosen", "3_preview", "5_zoom", "6_stale"):
        image = QImage(str(out / f"{name}.png"))
        assert image.width() >= 1400 and image.height() >= 850, name
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF") and "<svg" in (out / "report.html").read_text()
