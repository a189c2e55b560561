"""CSV cells that a spreadsheet will not run as formulas (OWASP "CSV injection").

Every CSV the app writes goes through :func:`writer` / :func:`dict_writer`: a text cell that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single
quote, so Excel/LibreOffice show it as text instead of evaluating it (``=HYPERLINK(...)``,
``@SUM(1+1)*cmd|' /C calc'!A0``). Numbers are left alone: a real number (``-3.2``, ``-1e-05``,
``-inf``) written as a number or as its plain text is data, not a formula.
"""

from __future__ import annotations

import csv
import numbers

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def _is_plain_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and "_" not in text


def neutralise(value):
    """``value`` unchanged, or (a text beginning with a formula character) prefixed with ``'``."""
    if value is None or isinstance(value, (bool, numbers.Number)):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(DANGEROUS_FIRST) and not _is_plain_number(text):
        return "'" + text
    return value


def safe_row(row):
    return [neutralise(v) for v in row]


class _SafeWriter:
    def __init__(self, inner) -> None:
        self._inner = inner

    def writerow(self, row):
        return self._inner.writerow(safe_row(row))

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


class _SafeDictWriter:
    def __init__(self, inner: csv.DictWriter) -> None:
        self._inner = inner
        self.fieldnames = inner.fieldnames

    def writeheader(self):
        return self._inner.writerow({k: neutralise(k) for k in self._inner.fieldnames})

    def writerow(self, row: dict):
        return self._inner.writerow({k: neutralise(v) for k, v in row.items()})

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(f, **kwargs) -> _SafeWriter:
    """``csv.writer(f, **kwargs)`` whose rows are neutralised."""
    return _SafeWriter(csv.writer(f, **kwargs))


def dict_writer(f, fieldnames, **kwargs) -> _SafeDictWriter:
    """``csv.DictWriter(f, fieldnames, **kwargs)`` whose header and rows are neutralised."""
    return _SafeDictWriter(csv.DictWriter(f, fieldnames, **kwargs))


__all__ = ["neutralise", "safe_row", "writer", "dict_writer", "DANGEROUS_FIRST"]
