"""Parse JSON from a file a person or another program wrote, with messages a person can act on.

Python's own parser has two failure modes that escape the usual ``json.JSONDecodeError``:
deep nesting raises ``RecursionError`` (a notes field nested 100,000 deep), and an integer of
more than 4,300 digits raises a ``ValueError`` that advises ``sys.set_int_max_str_digits()``.
:func:`loads` turns both into a ``json.JSONDecodeError`` that says what is wrong in the file,
so every caller that already handles damaged JSON handles these too.
"""

from __future__ import annotations

import json
import sys

MAX_DEPTH = 200  #: no file of ours nests deeper than ~10; anything beyond this is damage or an attack


def _depth_ok(text: str) -> int:
    """Index where brackets nest deeper than MAX_DEPTH (ignoring strings), or -1."""
    depth, in_str, esc = 0, False, False
    for i, ch in enumerate(text):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return i
        elif ch in "]}":
            depth -= 1
    return -1


def loads(data: str | bytes):
    """``json.loads`` that raises only ``json.JSONDecodeError`` (a ValueError) for bad input."""
    text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    if text.count("[") + text.count("{") > MAX_DEPTH:  # cheap pre-check; exact scan only when it could matter
        pos = _depth_ok(text)
        if pos >= 0:
            raise json.JSONDecodeError(f"values nested more than {MAX_DEPTH} levels deep (damaged or hostile file)",
                                       text, pos)
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("values nested too deeply (damaged or hostile file)", text, 0) from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:
        if "digits" in str(exc):
            raise json.JSONDecodeError(
                f"a number with more than {sys.get_int_max_str_digits()} digits (damaged or hostile file)",
                text, 0) from None
        raise json.JSONDecodeError(str(exc), text, 0) from None
