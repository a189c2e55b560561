"""Where things live: bundled resources, user data (demo project, model store)."""

from __future__ import annotations

import os
from pathlib import Path


def resources_dir() -> Path:
    """The repository's resources/ folder (protocols, reference face, demo model)."""
    return Path(__file__).resolve().parents[2] / "resources"


def data_home() -> Path:
    """Per-user data folder: $NEUROFACE_HOME, else $XDG_DATA_HOME/neuroface-studio, else ~/.local/share/..."""
    env = os.environ.get("NEUROFACE_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "neuroface-studio"


def default_demo_project() -> Path:
    return data_home() / "demo-project"


def protocol_file(name: str = "toronto_neuroface") -> Path:
    return resources_dir() / "protocols" / f"{name}.json"
