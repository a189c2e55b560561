"""Per-user GUI settings (QSettings, INI format): recent projects, window geometry, export folders.

Always INI format in the user scope, so tests can redirect every setting to a temporary
folder with ``QSettings.setPath(IniFormat, UserScope, tmp)``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "NeuroFace"
APPLICATION = "NeuroFace Studio"
MAX_RECENT = 8
_RECENT_KEY = "recent_projects"


def app_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]


def recent_projects() -> list[Path]:
    """Recent project folders, newest first; folders that no longer exist are pruned."""
    settings = app_settings()
    stored = _as_list(settings.value(_RECENT_KEY))
    existing = [p for p in stored if Path(p).is_dir()]
    if existing != stored:
        settings.setValue(_RECENT_KEY, existing)
    return [Path(p) for p in existing[:MAX_RECENT]]


def add_recent_project(folder: Path) -> list[Path]:
    """Put ``folder`` first in the recent list (at most MAX_RECENT entries)."""
    folder_s = str(Path(folder).resolve())
    items = [folder_s] + [str(p) for p in recent_projects() if str(p) != folder_s]
    app_settings().setValue(_RECENT_KEY, items[:MAX_RECENT])
    return [Path(p) for p in items[:MAX_RECENT]]


def clear_recent_projects() -> None:
    app_settings().setValue(_RECENT_KEY, [])


def export_folder(kind: str) -> Path:
    """Where a save dialog for ``kind`` (e.g. "report") starts: the folder the user last saved one
    in, else their documents folder (never the project's data folder), else their home folder."""
    from PySide6.QtCore import QStandardPaths
    remembered = app_settings().value(f"export_folder/{kind}")
    if remembered and Path(str(remembered)).is_dir():
        return Path(str(remembered))
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents and Path(documents).is_dir() else Path.home()


def remember_export_folder(kind: str, folder: Path) -> None:
    """The next save dialog for ``kind`` starts in ``folder``."""
    app_settings().setValue(f"export_folder/{kind}", str(Path(folder)))
