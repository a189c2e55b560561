"""iBUG ``.pts`` landmark files (the 300-W / Multi-PIE annotation format) for 68 points.

On disk::

    version: 1
    n_points: 68
    {
    x1 y1
    ...
    x68 y68
    }

iBUG coordinates are **1-based** (the centre of the top-left pixel is (1, 1), as in Matlab);
the app is 0-based (pixel centres at integer coordinates, top-left pixel at (0, 0)). So
:func:`write_pts` writes ``x + 1, y + 1`` and :func:`read_pts` subtracts 1: a round trip
returns the same 0-based points. Points are written with 3 decimals.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from neuroface_studio.store.atomic import atomic_write_bytes
from neuroface_studio.store.errors import StoreError

N_POINTS = 68


class PtsFormatError(StoreError):
    """A .pts file is malformed or does not hold 68 points."""


def format_pts(points_px: np.ndarray) -> str:
    """The .pts text of ``points_px (68, 2)`` 0-based px (written 1-based)."""
    pts = np.asarray(points_px, dtype=np.float64)
    if pts.shape != (N_POINTS, 2):
        raise ValueError(f"a .pts file holds {N_POINTS} points (68, 2); got shape {pts.shape}")
    if not np.isfinite(pts).all():
        raise ValueError("cannot write a .pts file with missing (NaN) points")
    lines = ["version: 1", f"n_points: {N_POINTS}", "{"]
    lines += [f"{x + 1.0:.3f} {y + 1.0:.3f}" for x, y in pts]
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_pts(path: Path, points_px: np.ndarray) -> None:
    """Write ``points_px (68, 2)`` (0-based px) to ``path`` atomically, 1-based as iBUG files are."""
    atomic_write_bytes(Path(path), format_pts(points_px).encode("ascii"))


def parse_pts(text: str, source: str = ".pts text") -> np.ndarray:
    """``(68, 2)`` float64 0-based px from .pts text; :class:`PtsFormatError` says what is wrong."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    header = {}
    i = 0
    while i < len(lines) and ":" in lines[i]:
        key, _, value = lines[i].partition(":")
        header[key.strip().lower()] = value.strip()
        i += 1
    if "n_points" not in header:
        raise PtsFormatError(f"{source} is not a .pts file: no 'n_points:' line in its header")
    try:
        n = int(header["n_points"])
    except ValueError:
        raise PtsFormatError(f"{source}: n_points is {header['n_points']!r}, not a whole number") from None
    if i >= len(lines) or lines[i] != "{" or lines[-1] != "}":
        raise PtsFormatError(f"{source} is malformed: the points must be between a '{{' line and a '}}' line")
    body = lines[i + 1:-1]
    if n != N_POINTS or len(body) != N_POINTS:
        raise PtsFormatError(f"{source} holds {len(body)} points (n_points: {n}); NeuroFace Studio needs the "
                             f"{N_POINTS}-point iBUG layout")
    pts = np.empty((N_POINTS, 2))
    for k, line in enumerate(body):
        parts = re.split(r"[\s,]+", line)
        try:
            if len(parts) != 2:
                raise ValueError
            pts[k] = [float(parts[0]), float(parts[1])]
        except ValueError:
            raise PtsFormatError(f"{source}: point {k + 1} is {line!r}, not two numbers 'x y'") from None
    if not np.isfinite(pts).all():
        raise PtsFormatError(f"{source} holds non-finite coordinates (nan or inf)")
    return pts - 1.0


def read_pts(path: Path) -> np.ndarray:
    """Read a 68-point .pts file as ``(68, 2)`` float64 0-based px (1 is subtracted)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PtsFormatError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PtsFormatError(f"{path} cannot be read as a text .pts file ({exc})") from exc
    return parse_pts(text, str(path))
