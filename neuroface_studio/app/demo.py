"""The demo project: simulated participants from every group, made once, then reused."""

from __future__ import annotations

import shutil
from pathlib import Path

from neuroface_studio.app.jobs import CancelToken, ProgressFn, no_progress
from neuroface_studio.app.paths import default_demo_project
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
from neuroface_studio.domain.participants import Group
from neuroface_studio.store.project_file import is_project

#: Small enough to build in about a minute on a 2-core laptop, rich enough to show every group.
DEMO_REQUEST = SimulationRequest(
    participants=6, groups=(Group.HC, Group.ALS, Group.PS), tasks=("OPEN", "SPREAD", "BBP"),
    seed=2026, fps=30.0, duration_scale=0.4, annotators=2,
)


def ensure_demo_project(folder: Path | None = None, rebuild: bool = False,
                        progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> Path:
    """Create the demo project at ``folder`` (default: the user data folder) unless it exists."""
    folder = Path(folder) if folder else default_demo_project()
    if is_project(folder) and not rebuild:
        return folder
    if folder.exists() and rebuild and is_project(folder):
        shutil.rmtree(folder)
    session = ProjectSession.create(folder, name="NeuroFace demo (simulated participants)")
    simulate_into_project(session, DEMO_REQUEST, progress=progress, cancel=cancel)
    return folder
