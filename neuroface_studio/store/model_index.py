"""The local model store: a folder of landmark-model weight files and ``index.json`` listing them.

Layout (default ``data_home()/models``, overridable per call)::

    models/
      index.json                    {format, schema_version, models: [entry, ...]}
      files/<sha256><suffix>        weights, named by their content hash

An entry is ``{name, architecture, version, sha256, file, origin, metrics, created, active}``:
``file`` is relative to the store folder (POSIX), ``origin`` says where the weights came from
("official", "imported from FILE", "fine-tuned from X on data Y"), ``metrics`` holds
evaluation figures (e.g. NRMSE) and ``active`` marks the model used by default (at most one).

The index is rewritten atomically on every change (:func:`~neuroface_studio.store.atomic.atomic_write_bytes`).
A damaged index is never overwritten: every operation raises :class:`ModelIndexError` saying
what to do. The built-in dlib model is not in the index (see ``vision/registry.py``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from neuroface_studio.store.atomic import atomic_write_bytes
from neuroface_studio.store.errors import StoreError, UnsupportedVersionError
from neuroface_studio.store.locations import default_models_dir
from neuroface_studio.store import json_text

INDEX_FILENAME = "index.json"
FILES_DIR = "files"
FORMAT_ID = "neuroface-studio-model-index"
SCHEMA_VERSION = 1


class ModelIndexError(StoreError):
    """The model index cannot be read or the requested change is impossible."""


@dataclass(frozen=True)
class ModelEntry:
    name: str
    architecture: str
    version: str
    sha256: str
    file: str  # relative to the store folder, POSIX
    origin: str
    created: str
    metrics: dict = field(default_factory=dict)
    active: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelEntry":
        return cls(name=str(d["name"]), architecture=str(d["architecture"]), version=str(d["version"]),
                   sha256=str(d["sha256"]), file=str(d["file"]), origin=str(d.get("origin", "")),
                   created=str(d.get("created", "")), metrics=dict(d.get("metrics") or {}),
                   active=bool(d.get("active", False)))


class ModelIndex:
    """``index.json`` of a model store folder. Every method reads the file afresh (no stale cache
    when the CLI and the GUI change the store at the same time) and writes it atomically."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_models_dir()

    @property
    def path(self) -> Path:
        return self.folder / INDEX_FILENAME

    def file_path(self, entry: ModelEntry) -> Path:
        return self.folder / entry.file

    # -- read ---------------------------------------------------------------------------
    def list(self) -> list[ModelEntry]:
        """Entries in the order they were added; [] when the store does not exist yet."""
        data = self._read()
        try:
            return [ModelEntry.from_dict(d) for d in data.get("models", [])]
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ModelIndexError(self._damaged(f"bad entry: {exc!r}")) from exc

    def active_builtin(self) -> str | None:
        """The built-in model chosen as active (None: the default built-in, or an entry is active)."""
        value = self._read().get("active_builtin")
        return str(value) if value else None

    def _read(self) -> dict:
        if not self.path.exists():
            return {}
        try:
            data = json_text.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ModelIndexError(self._damaged(exc)) from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT_ID:
            raise ModelIndexError(self._damaged("not a model index"))
        version = data.get("schema_version", 0)
        if not isinstance(version, int) or isinstance(version, bool):
            raise ModelIndexError(self._damaged(f"schema_version is {version!r}, not a whole number"))
        if version > SCHEMA_VERSION:
            raise UnsupportedVersionError(
                f"the model index {self.path} was written by a newer NeuroFace Studio; update to use it")
        return data

    def get(self, name: str) -> ModelEntry:
        for e in self.list():
            if e.name == name:
                return e
        raise ModelIndexError(f"no model named {name!r} in the model store {self.folder}")

    def find(self, name: str) -> ModelEntry | None:
        return next((e for e in self.list() if e.name == name), None)

    def active(self) -> ModelEntry | None:
        return next((e for e in self.list() if e.active), None)

    # -- write --------------------------------------------------------------------------
    def add(self, entry: ModelEntry, replace_existing: bool = False) -> ModelEntry:
        """Add ``entry`` (its file must already be in the store). An entry of the same name is an
        error unless ``replace_existing`` (then the new entry takes its place, keeping ``active``)."""
        entries = self.list()
        old = next((e for e in entries if e.name == entry.name), None)
        if old is not None and not replace_existing:
            raise ModelIndexError(f"a model named {entry.name!r} is already in the store; remove it first "
                                  "or choose another name")
        if old is not None:
            entry = replace(entry, active=old.active or entry.active)
            entries = [entry if e.name == entry.name else e for e in entries]
        else:
            entries.append(entry)
        if entry.active:
            entries = [replace(e, active=e.name == entry.name) for e in entries]
        self._write(entries)
        return entry

    def remove(self, name: str) -> ModelEntry:
        """Remove the entry; returns it (the caller deletes its file if no other entry uses it)."""
        entries = self.list()
        entry = next((e for e in entries if e.name == name), None)
        if entry is None:
            raise ModelIndexError(f"no model named {name!r} in the model store {self.folder}")
        self._write([e for e in entries if e.name != name])
        return entry

    def set_active(self, name: str | None, builtin: str | None = None) -> None:
        """Make ``name`` the active model (None: no index entry is active; then ``builtin``, a
        built-in model's name, is recorded as the active one, None meaning the default)."""
        entries = self.list()
        if name is not None and all(e.name != name for e in entries):
            raise ModelIndexError(f"no model named {name!r} in the model store {self.folder}")
        self._write([replace(e, active=e.name == name) for e in entries], builtin if name is None else None)

    def update_metrics(self, name: str, metrics: dict) -> ModelEntry:
        entries = self.list()
        if all(e.name != name for e in entries):
            raise ModelIndexError(f"no model named {name!r} in the model store {self.folder}")
        entries = [replace(e, metrics={**e.metrics, **metrics}) if e.name == name else e for e in entries]
        self._write(entries)
        return next(e for e in entries if e.name == name)

    def _write(self, entries: list[ModelEntry], active_builtin: str | None | bool = False) -> None:
        """``active_builtin`` False keeps the recorded one (cleared when an entry is active)."""
        if active_builtin is False:
            active_builtin = self.active_builtin() if self.path.exists() else None
        if any(e.active for e in entries):
            active_builtin = None
        data = {"format": FORMAT_ID, "schema_version": SCHEMA_VERSION, "models": [e.to_dict() for e in entries]}
        if active_builtin:
            data["active_builtin"] = active_builtin
        text = json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self.path, text.encode("utf-8"))
        except OSError as exc:
            raise ModelIndexError(f"cannot write the model index {self.path}: {exc.strerror or exc}") from exc

    def _damaged(self, why) -> str:
        return (f"the model index {self.path} is damaged ({why}); the weight files in {self.folder / FILES_DIR} "
                "are untouched: move index.json aside and import the models again")
