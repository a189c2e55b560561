"""Schema migrations for project files: registered from-version -> to-version steps.

To change the schema: bump ``codec.SCHEMA_VERSION``, register a step here that turns a
dict of the previous version into the new one, keep a fixture file of the old version
in tests/fixtures/, and describe the change in docs/FILE_FORMAT.md's changelog.
"""

from __future__ import annotations

from typing import Callable

Migration = Callable[[dict], dict]

#: from_version -> function producing a dict of version from_version + 1
MIGRATIONS: dict[int, Migration] = {}


def register(from_version: int) -> Callable[[Migration], Migration]:
    def deco(fn: Migration) -> Migration:
        MIGRATIONS[from_version] = fn
        return fn
    return deco


def migrate(data: dict, target_version: int) -> tuple[dict, list[int]]:
    """Apply registered steps until ``data['schema_version'] == target_version``.

    Returns the migrated dict and the versions it passed through. Raises LookupError when
    a step is missing (the file is from a version this build cannot read).
    """
    version = int(data["schema_version"])
    passed = []
    while version < target_version:
        step = MIGRATIONS.get(version)
        if step is None:
            raise LookupError(f"no migration from schema version {version}")
        data = step(dict(data))
        passed.append(version)
        version += 1
        data["schema_version"] = version
    return data, passed


@register(1)
def _v1_to_v2(data: dict) -> dict:
    """Schema 2 adds the annotation queue (frames chosen for annotation); old projects have none."""
    data.setdefault("annotation_queue", [])
    return data
