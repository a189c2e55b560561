"""Typed field access for JSON read from disk (project file, recording attributes, indexes).

A file on disk is untrusted input: a hand-edited or damaged project file can hold a list where a
number belongs, ``NaN`` as a frame rate or ``../../x`` as a recording path. These helpers check
each value as it is read and raise ``ValueError`` naming where it is (``recordings[3].fps``) and
what was expected, so the loader can turn any damage into one clear message instead of a
``TypeError`` deep inside the app later.
"""

from __future__ import annotations

import math
from pathlib import PurePosixPath, PureWindowsPath

_MISSING = object()

#: plausible limits for what files declare (generous: a 16K sensor, 1,000 fps, 10**8 frames = 19 days at 60 fps)
MAX_PIXELS_SIDE = 16384
MAX_FPS = 1000.0
MAX_FRAMES = 10**8


def _kind_name(v) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(v), "a number" if isinstance(v, (int, float)) else type(v).__name__)


def check(value, kind, where: str, optional: bool = False, lo=None, hi=None):
    """``value`` as ``kind`` (str, int, float, bool, list or dict); ValueError says where and what.

    ``lo``/``hi``: the range a number must lie in (inclusive); every count, size and rate read from
    a file has one, so a damaged or hostile file cannot declare 10**9 frames or a 1e308 frame rate.
    """
    if value is None and optional:
        return None
    if lo is not None or hi is not None:
        number = check(value, kind, where)
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            shown = str(value) if len(str(value)) <= 40 else str(value)[:37] + "..."
            raise ValueError(f"{where} must be between {lo} and {hi}, not {shown}")
        return number
    if kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
        want = "a finite number"
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        want = "a whole number"
    elif isinstance(value, kind) and not (kind is not bool and isinstance(value, bool)):
        return value
    else:
        want = {str: "text", bool: "true or false", list: "a list", dict: "an object"}.get(kind, kind.__name__)
    raise ValueError(f"{where} must be {want}, not {_kind_name(value)} ({str(value)[:40]!r})")


def get(d, key: str, kind, where: str, default=_MISSING, optional: bool = False, lo=None, hi=None):
    """``d[key]`` checked as ``kind`` (and ``lo`` <= it <= ``hi``); ``default`` when absent (missing
    without a default raises)."""
    if not isinstance(d, dict):
        raise ValueError(f"{where} must be an object, not {_kind_name(d)}")
    if key not in d:
        if default is _MISSING:
            raise ValueError(f"{where}: missing field {key!r}")
        return default
    return check(d[key], kind, f"{where}.{key}", optional=optional, lo=lo, hi=hi)


def items(d, key: str, where: str, default=_MISSING) -> list:
    """``d[key]`` as a list; each element is later checked by the caller."""
    return get(d, key, list, where, default=default)


def relative_path(value, where: str) -> str:
    """A path inside the project folder: relative, POSIX separators, no ``..``."""
    text = check(value, str, where)
    p = PurePosixPath(text)
    if not text or p.is_absolute() or ".." in p.parts or PureWindowsPath(text).drive or "\\" in text:
        raise ValueError(f"{where} must be a path inside the project folder, not {text[:60]!r}")
    return text
