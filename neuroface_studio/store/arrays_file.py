"""Small HDF5 files of named arrays + JSON-able attributes (ground truth, landmark tracks).

Written atomically (temp file + fsync + rename) because they are written whole.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

from neuroface_studio.store.atomic import atomic_write
from neuroface_studio.store.errors import RecordingFileError, UnsupportedVersionError
from neuroface_studio.store.h5text import read_text, text


#: arrays smaller than this are stored uncompressed (compression only costs there)
_COMPRESS_MIN_ELEMENTS = 64


def write_arrays(path: Path, format_id: str, schema_version: int, arrays: dict[str, np.ndarray],
                 attrs: dict) -> None:
    """Write ``arrays`` (gzip-compressed) and ``attrs`` (stored as one JSON string) atomically."""
    def write(tmp: Path) -> None:
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = text(format_id)
            f.attrs["schema_version"] = schema_version
            f.attrs["meta"] = text(json.dumps(attrs))
            for name, arr in arrays.items():
                arr = np.asarray(arr)
                kw = dict(compression="gzip", compression_opts=4) if arr.size >= _COMPRESS_MIN_ELEMENTS else {}
                f.create_dataset(name, data=arr, **kw)

    atomic_write(Path(path), write)


def read_arrays(path: Path, format_id: str, max_version: int) -> tuple[dict[str, np.ndarray], dict]:
    """Read a file written by :func:`write_arrays`; checks format id and version."""
    path = Path(path)
    if not path.exists():
        raise RecordingFileError(f"{path} is missing")
    try:
        with h5py.File(path, "r") as f:
            if read_text(f.attrs, "format") != format_id:
                raise RecordingFileError(f"{path} is not a {format_id} file")
            if int(f.attrs.get("schema_version", 0)) > max_version:
                raise UnsupportedVersionError(f"{path} was written by a newer NeuroFace Studio; update to read it")
            meta = json.loads(read_text(f.attrs, "meta", "{}"))
            arrays = {k: f[k][()] for k in f.keys()}
    except (KeyError, ValueError, TypeError, AttributeError) as exc:  # also a dataset damaged into a group
        raise RecordingFileError(f"{path} is damaged ({exc}); restore it from your backup") from exc
    except (OSError, RuntimeError) as exc:  # h5py raises either for a damaged file
        raise RecordingFileError(f"{path} is not a readable HDF5 file ({exc})") from exc
    return arrays, meta
