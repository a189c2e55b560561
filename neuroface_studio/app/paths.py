"""Where things live: bundled resources, user data (demo project, model store)."""

from __future__ import annotations

from pathlib import Path

from neuroface_studio.store.locations import data_home, default_models_dir  # noqa: F401 - re-exported


def resources_dir() -> Path:
    """The repository's resources/ folder (protocols, reference face, demo model)."""
    return Path(__file__).resolve().parents[2] / "resources"


def default_demo_project() -> Path:
    return data_home() / "demo-project"


def protocol_file(name: str = "toronto_neuroface") -> Path:
    return resources_dir() / "protocols" / f"{name}.json"
