"""Text attributes of our HDF5 files, stored as fixed-length UTF-8 bytes.

h5py stores a Python ``str`` attribute as a variable-length string, whose bytes live in the file's
global heap. Parsing a damaged global heap can loop for ever inside the HDF5 library (found by the
robustness sweep, tests/test_robustness.py): no timeout or exception reaches Python, the app just
hangs. A fixed-length string is stored inside the object header instead, which HDF5 checks with
its checksum. Readers accept both, so files written before this change still open.
"""

from __future__ import annotations

import numpy as np


def text(value: str) -> np.bytes_:
    """``value`` as a fixed-length UTF-8 attribute value."""
    return np.bytes_(str(value).encode("utf-8"))


def read_text(attrs, key: str, default: str | None = None) -> str | None:
    """Attribute ``key`` as ``str`` (fixed-length bytes or an older variable-length string)."""
    value = attrs.get(key, default)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"attribute {key!r} should be text, not {type(value).__name__}")
