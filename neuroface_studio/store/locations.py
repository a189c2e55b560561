"""Per-user data locations shared by every layer (the store needs them for the model store).

:func:`data_home` lives here, below ``app/``, so that ``store/`` and ``vision/`` can find the
default model store without importing the application layer; ``app/paths.py`` re-exports it.
"""

from __future__ import annotations

import os
from pathlib import Path


def data_home() -> Path:
    """Per-user data folder: $NEUROFACE_HOME, else $XDG_DATA_HOME/neuroface-studio, else ~/.local/share/..."""
    env = os.environ.get("NEUROFACE_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "neuroface-studio"


def default_models_dir() -> Path:
    """The local model store: ``data_home()/models``."""
    return data_home() / "models"
