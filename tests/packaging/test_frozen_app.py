"""The built app folder (PyInstaller, packaging/build_linux.sh) runs the same CLI and GUI.

Building takes minutes, so these run only when ``NEUROFACE_TEST_FROZEN`` names a built folder:

    packaging/build_linux.sh
    NEUROFACE_TEST_FROZEN=dist/NeuroFace-Studio .venv/bin/python -m pytest tests/packaging -m slow

Every command runs the frozen executable in a scratch HOME (its own user data, model store and
settings), so nothing from the build machine's venv or user folders can mask a missing file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

FROZEN = os.environ.get("NEUROFACE_TEST_FROZEN")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not FROZEN, reason="set NEUROFACE_TEST_FROZEN=dist/NeuroFace-Studio (a built app folder)"),
]


@pytest.fixture(scope="module")
def exe() -> Path:
    path = Path(FROZEN).resolve() / "neuroface-studio"
    assert path.is_file() and os.access(path, os.X_OK), f"no executable at {path}"
    return path


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("frozen-home")


def _env(home: Path, **extra) -> dict:
    # No PYTHONPATH / venv leaking into the frozen app; a clean HOME and data folders.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "NEUROFACE_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"),
               NEUROFACE_HOME=str(home / "neuroface"), QT_QPA_PLATFORM="offscreen")
    env.update(extra)
    return env


def run(exe: Path, home: Path, *args, timeout=300, **env) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(exe), *map(str, args)], env=_env(home, **env), capture_output=True, text=True,
                          timeout=timeout, cwd=home)
    assert proc.returncode == 0, f"{args}: rc {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def project(exe, home) -> Path:
    """Two simulated participants (HC, ALS), one short task each, made by the frozen app."""
    folder = home / "pkgproj"
    out = run(exe, home, "simulate", folder, "--create", "--participants", "2", "--groups", "HC,ALS",
              "--tasks", "OPEN", "--duration-scale", "0.25", "--annotators", "1", "--json")
    data = json.loads(out.stdout)
    assert len(data["participants"]) == 2
    return folder


def test_help_and_version(exe, home):
    out = run(exe, home, "--help").stdout
    for command in ("simulate", "gui", "features", "report", "landmark", "models"):
        assert command in out
    assert run(exe, home, "--version").stdout.strip()


def test_project_info_of_simulated_project(exe, home, project):
    info = json.loads(run(exe, home, "project", "info", project, "--json").stdout)
    assert json.dumps(info).count("OPEN") >= 1
    assert (project / "recordings").is_dir() and len(list((project / "recordings").glob("*.h5"))) == 2


def test_dlib_landmarks_from_the_bundled_predictor(exe, home, project):
    """dlib + the 68-point predictor file + reading Blosc-compressed HDF5 frames (hdf5plugin)."""
    models = run(exe, home, "models", "list").stdout
    assert "dlib68" in models
    run(exe, home, "landmark", project, "--model", "dlib68", "--json", timeout=600)


def test_batch_on_spawned_worker_processes(exe, home):
    """`batch` runs its steps in a spawn process pool: each worker re-runs the frozen executable,
    which must become a worker (freeze_support in the entry script), not a second CLI."""
    if "batch" not in run(exe, home, "--help").stdout:
        pytest.skip("this build has no batch command")
    folder = home / "batchproj"
    run(exe, home, "simulate", folder, "--create", "--participants", "2", "--groups", "HC,ALS", "--tasks", "OPEN",
        "--duration-scale", "0.25", "--annotators", "0", "--json")
    out = run(exe, home, "batch", folder, "--steps", "landmarks,features", "--model", "dlib68", "--workers", "2",
              "--json", timeout=600)
    report = json.loads(out.stdout)
    assert report["counts"]["failed"] == 0 and report["counts"]["done"] >= 2, report
    assert "process" in report["executor"].lower(), report["executor"]


def test_features_and_report(exe, home, project, tmp_path):
    csv = tmp_path / "features.csv"
    data = json.loads(run(exe, home, "features", project, "--csv", csv, "--json").stdout)
    assert csv.read_text().startswith("participant,")
    assert data
    info = json.loads(run(exe, home, "project", "info", project, "--json").stdout)
    pid = sorted(p["id"] if isinstance(p, dict) else p for p in _participants(info))[0]
    pdf = tmp_path / "report.pdf"
    run(exe, home, "report", project, "--participant", pid, "--out", pdf, "--html", tmp_path / "report.html")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5000
    assert "<html" in (tmp_path / "report.html").read_text().lower()


def _participants(info: dict):
    for key in ("participants", "participant_ids"):
        if key in info:
            value = info[key]
            return list(value.keys()) if isinstance(value, dict) else value
    raise AssertionError(f"no participants in project info: {sorted(info)}")


def test_fan_torch_onnxruntime_and_numba(exe, home):
    """Random-weight FAN through torch, an ONNX export run by ONNX Runtime, and face-alignment's
    numba decoding (the stock pipeline) -- the heavy native libraries of the bundle."""
    out = run(exe, home, "bench", "fan", "--frames", "1", "--json", timeout=900)
    assert json.loads(out.stdout)


@pytest.mark.gui
@pytest.mark.xvfb
def test_gui_screenshot_under_xvfb(exe, home, project, tmp_path):
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed")
    shot = tmp_path / "gui.png"
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1500x900x24", str(exe), "gui", str(project),
                           "--screenshot", str(shot)], env=_env(home, QT_QPA_PLATFORM="xcb"),
                          capture_output=True, text=True, timeout=180, cwd=home)
    assert proc.returncode == 0, proc.stderr[-3000:]
    width, height, pixels = _read_png_rgb(shot)
    assert width >= 800 and height >= 500
    assert pixels.std() > 20, "the screenshot is blank"
    band = pixels[int(height * 0.3): int(height * 0.7), int(width * 0.4): int(width * 0.6)]
    assert band.std() > 10, "the colour image region is uniform: no frame was drawn"


def _read_png_rgb(path: Path):
    import numpy as np
    from PIL import Image  # Pillow comes with scikit-image; no Qt needed in the test process

    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=float)
    return pixels.shape[1], pixels.shape[0], pixels
