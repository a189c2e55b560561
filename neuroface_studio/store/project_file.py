"""A project is a folder: ``project.nfs.json`` + ``recordings/*.h5`` (+ ``truth/*.h5``).

Saving is atomic (see atomic.py); the previous file is kept as ``project.nfs.json.bak``.
Loading checks the format id and schema version, migrates old versions, and turns every
failure into a StoreError whose message says what is wrong and what to do.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from neuroface_studio.domain.project import Project
from neuroface_studio.store.atomic import atomic_write_bytes
from neuroface_studio.store.codec import FORMAT_ID, SCHEMA_VERSION, project_from_dict, project_to_dict
from neuroface_studio.store.errors import (
    CorruptProjectError,
    NotAProjectError,
    ProjectNotFoundError,
    StoreError,
    UnsupportedVersionError,
)
from neuroface_studio.store.migrations import migrate
from neuroface_studio.store import json_text

PROJECT_FILENAME = "project.nfs.json"
RECORDINGS_DIR = "recordings"
TRUTH_DIR = "truth"


def project_file(folder: Path) -> Path:
    return Path(folder) / PROJECT_FILENAME


def is_project(folder: Path) -> bool:
    return project_file(folder).is_file()


def create_project(folder: Path, project: Project) -> Path:
    """Create a new project folder (must be absent or empty) and save ``project`` in it."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"{folder} is a file; choose a folder for the new project")
    if folder.is_dir() and any(folder.iterdir()):
        if is_project(folder):
            raise StoreError(f"{folder} already holds a project; open it instead of creating one")
        raise StoreError(f"{folder} is not empty; choose a new or empty folder for the project")
    try:
        (folder / RECORDINGS_DIR).mkdir(parents=True, exist_ok=True)
        (folder / TRUTH_DIR).mkdir(exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create project folder {folder}: {exc.strerror}") from exc
    save_project(project, folder)
    return folder


def save_project(project: Project, folder: Path) -> None:
    """Atomically write the project file, keeping the previous version as ``.bak``."""
    path = project_file(folder)
    as_dict = project_to_dict(project)
    try:  # never write a project file that the loader would refuse: check before the atomic rename
        project_from_dict(json.loads(json.dumps(as_dict, allow_nan=False)))
    except (KeyError, ValueError, TypeError) as exc:
        what = f"missing field {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)
        raise StoreError(f"not saved: the project in memory is inconsistent ({what}); {path.name} on disk is "
                         "unchanged. Undo the last change or report this problem with the log file.") from exc
    data = (json.dumps(as_dict, indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
    try:
        if path.exists():
            shutil.copy2(path, path.with_name(PROJECT_FILENAME + ".bak"))
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise StoreError(
            f"could not save {path}: {exc.strerror or exc}. Nothing was lost: the previous project file is "
            "unchanged. Free disk space or check permissions, then save again."
        ) from exc


def recordings_dir(folder: Path) -> Path:
    """The project's recordings/ folder (created when missing), refused when it is a link or
    otherwise leads outside the project: recordings are written only inside the project folder."""
    folder = Path(folder)
    path = folder / RECORDINGS_DIR
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise StoreError(f"{path} is a link or a file, not the project's own folder: recordings are only written "
                         f"inside the project. Replace it with a plain folder named {RECORDINGS_DIR}")
    path.mkdir(parents=True, exist_ok=True)
    real, root = path.resolve(), folder.resolve()
    if real.parent != root:
        raise StoreError(f"{path} leads to {real}, outside the project folder {root}; recordings are only "
                         "written inside the project")
    return path


def remove_stale_temp_files(folder: Path, min_age_s: float = 120.0) -> list[Path]:
    """Delete the temp files of saves that were killed before their rename
    (``.project.nfs.json.*.tmp``, each a whole project file); return those removed.

    Only files older than ``min_age_s`` go: a younger one may belong to a save running now.
    """
    import time
    removed = []
    now = time.time()
    for tmp in Path(folder).glob(f".{PROJECT_FILENAME}.*.tmp"):
        try:
            if tmp.is_file() and not tmp.is_symlink() and now - tmp.stat().st_mtime >= min_age_s:
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue  # read-only folder or raced with another process: harmless, try next time
    return removed


def load_project(folder: Path) -> Project:
    """Load a project folder, migrating an older schema in memory (saved on next save)."""
    folder = Path(folder)
    if not folder.exists():
        raise ProjectNotFoundError(f"no project at {folder}: the folder does not exist")
    if folder.is_file():
        if folder.name == PROJECT_FILENAME:
            folder = folder.parent
        else:
            raise NotAProjectError(f"{folder} is a file; open the project folder that contains {PROJECT_FILENAME}")
    path = project_file(folder)
    if not path.exists():
        raise NotAProjectError(
            f"{folder} is not a NeuroFace Studio project (no {PROJECT_FILENAME}); "
            "create one with 'neuroface-studio project create' or choose another folder"
        )
    data = _read_json(path)
    if not isinstance(data, dict) or data.get("format") != FORMAT_ID:
        raise NotAProjectError(f"{path} is JSON but not a NeuroFace Studio project file (format id missing)")
    version = data.get("schema_version")
    if not isinstance(version, int):
        raise CorruptProjectError(f"{path} has no valid schema_version; {_restore_hint(path)}")
    if version > SCHEMA_VERSION:
        raise UnsupportedVersionError(
            f"{path} was written by a newer NeuroFace Studio (schema {version}; this build reads up to "
            f"{SCHEMA_VERSION}). Update NeuroFace Studio to open it; the file was not changed."
        )
    try:
        data, _ = migrate(data, SCHEMA_VERSION)
    except LookupError as exc:
        raise UnsupportedVersionError(f"{path}: {exc}; this build cannot read schema version {version}") from exc
    try:
        return project_from_dict(data)
    except (KeyError, ValueError, TypeError) as exc:
        what = f"missing field {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)
        raise CorruptProjectError(f"{path} is damaged ({what}); {_restore_hint(path)}") from exc


def _read_json(path: Path) -> object:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return json_text.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptProjectError(f"{path} is not valid JSON ({exc}); {_restore_hint(path)}") from exc


def _restore_hint(path: Path) -> str:
    bak = path.with_name(PROJECT_FILENAME + ".bak")
    if bak.exists():
        return f"the previous save is in {bak.name}: copy it over {path.name} to restore it"
    return "restore it from your backup"


def relative(folder: Path, path: Path) -> str:
    """Path of ``path`` relative to the project folder, with POSIX separators."""
    return Path(os.path.relpath(path, folder)).as_posix()
