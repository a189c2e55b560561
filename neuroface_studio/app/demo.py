"""The demo project: simulated participants from every group, made once, then reused.

A marker file records whether the build finished, so a demo build that was cancelled or
killed half-way is rebuilt next time instead of being opened incomplete. Only folders
carrying that marker are ever deleted.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from neuroface_studio.app.jobs import CancelToken, ProgressFn, no_progress
from neuroface_studio.app.paths import default_demo_project
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
from neuroface_studio.domain.participants import Group
from neuroface_studio.store.errors import StoreError
from neuroface_studio.store.project_file import is_project

#: Builds in about a minute on a 2-core laptop (~2 GB), rich enough to show every group.
DEMO_REQUEST = SimulationRequest(
    participants=6, groups=(Group.HC, Group.ALS, Group.PS), tasks=("OPEN", "SPREAD", "BBP"),
    seed=2026, fps=30.0, duration_scale=0.4, annotators=2,
)
MARKER = ".neuroface-demo"


def demo_state(folder: Path) -> str | None:
    """"complete", "building" (unfinished build) or None (not a demo folder)."""
    marker = Path(folder) / MARKER
    return marker.read_text().strip() if marker.is_file() else None


def ensure_demo_project(folder: Path | None = None, rebuild: bool = False,
                        progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> Path:
    """Create the demo project at ``folder`` (default: the user data folder) unless it is complete."""
    folder = Path(folder) if folder else default_demo_project()
    state = demo_state(folder)
    if state == "complete" and not rebuild and is_project(folder):
        return folder
    if folder.exists():
        if state is None and (is_project(folder) or any(folder.iterdir())):
            raise StoreError(f"{folder} is not a demo project folder; choose another --path for the demo")
        shutil.rmtree(folder)
    session = ProjectSession.create(folder, name="NeuroFace demo (simulated participants)")
    (folder / MARKER).write_text("building\n")
    simulate_into_project(session, DEMO_REQUEST, progress=progress, cancel=cancel)
    (folder / MARKER).write_text("complete\n")
    return folder
