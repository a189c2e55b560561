"""Small HDF5 files of named arrays + JSON-able attributes (ground truth, landmark tracks).

Written atomically (temp file + fsync + rename) because they are written whole.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import h5py
import numpy as np

from neuroface_studio.store.atomic import _fsync_dir
from neuroface_studio.store.errors import RecordingFileError, UnsupportedVersionError


def write_arrays(path: Path, format_id: str, schema_version: int, arrays: dict[str, np.ndarray],
                 attrs: dict) -> None:
    """Write ``arrays`` (gzip-compressed) and ``attrs`` (stored as one JSON string) atomically."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = format_id
            f.attrs["schema_version"] = schema_version
            f.attrs["meta"] = json.dumps(attrs)
            for name, arr in arrays.items():
                arr = np.asarray(arr)
                kw = dict(compression="gzip", compression_opts=4) if arr.size > 64 else {}
                f.create_dataset(name, data=arr, **kw)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_arrays(path: Path, format_id: str, max_version: int) -> tuple[dict[str, np.ndarray], dict]:
    """Read a file written by :func:`write_arrays`; checks format id and version."""
    path = Path(path)
    if not path.exists():
        raise RecordingFileError(f"{path} is missing")
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != format_id:
                raise RecordingFileError(f"{path} is not a {format_id} file")
            if int(f.attrs.get("schema_version", 0)) > max_version:
                raise UnsupportedVersionError(f"{path} was written by a newer NeuroFace Studio; update to read it")
            meta = json.loads(f.attrs.get("meta", "{}"))
            arrays = {k: f[k][()] for k in f.keys()}
    except OSError as exc:
        raise RecordingFileError(f"{path} is not a readable HDF5 file ({exc})") from exc
    return arrays, meta
