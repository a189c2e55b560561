"""Training errors (no torch import, so the CLI can catch them cheaply)."""

from __future__ import annotations


class TrainingError(RuntimeError):
    """Training cannot go on (NaN loss, no data, bad settings); the message says what to do."""


class TrainingCancelled(Exception):
    """The user stopped training; the last checkpoint is kept so a new run can resume."""
