"""Read protocol files (JSON, see resources/protocols/)."""

from __future__ import annotations

import json
from pathlib import Path

from neuroface_studio.domain.protocol import Protocol
from neuroface_studio.store.errors import StoreError
from neuroface_studio.store import json_text


def load_protocol(path: Path) -> Protocol:
    path = Path(path)
    try:
        data = json_text.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(f"protocol file {path} not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(f"protocol file {path} is not valid JSON: {exc}") from exc
    try:
        return Protocol.from_dict(data)
    except ValueError as exc:
        raise StoreError(f"protocol file {path}: {exc}") from exc
