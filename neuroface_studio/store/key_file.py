"""The pseudonym key: which real person each participant pseudonym stands for.

Kept apart from everything else a project holds: by default ``<project>/private/pseudonym_key.json``
(folder mode 0700, file mode 0600: readable by its owner only), or any path the lab chooses
(e.g. an encrypted drive). The project file never holds identities, and no export, report or
analysis code reads this file: only ``neuroface-studio key add/show`` do.

``{format: "neuroface-studio-pseudonym-key", schema_version: 1,
   entries: {<pseudonym>: {identity, added, by}}}``, UTF-8 JSON, written atomically.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from neuroface_studio.store.atomic import atomic_write_bytes
from neuroface_studio.store.errors import StoreError
from neuroface_studio.store import json_text

KEY_DIR = "private"
KEY_FILE = "pseudonym_key.json"
FORMAT_ID = "neuroface-studio-pseudonym-key"
SCHEMA_VERSION = 1


def default_key_path(project_folder: Path) -> Path:
    """``<project>/private/pseudonym_key.json``."""
    return Path(project_folder) / KEY_DIR / KEY_FILE


def read_key(path: Path) -> dict[str, dict]:
    """The entries ``{pseudonym: {identity, added, by}}``; {} when the file does not exist yet."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        data = json_text.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"the pseudonym key {path} cannot be read ({exc}); restore it from your backup") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT_ID or not isinstance(data.get("entries"), dict):
        raise StoreError(f"{path} is not a NeuroFace Studio pseudonym key file")
    if int(data.get("schema_version", 0)) > SCHEMA_VERSION:
        raise StoreError(f"{path} was written by a newer NeuroFace Studio; update to read it")
    return data["entries"]


def write_key(path: Path, entries: dict[str, dict]) -> None:
    """Write the key atomically, owner-only (0600; its folder 0700 when this creates it)."""
    path = Path(path)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    data = {"format": FORMAT_ID, "schema_version": SCHEMA_VERSION, "entries": entries}
    atomic_write_bytes(path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    os.chmod(path, 0o600)  # the temp file already was (mkstemp); say so explicitly


def others_can_read(path: Path) -> bool:
    """True when the group or others may read the key file (POSIX permissions)."""
    try:
        return bool(Path(path).stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False
