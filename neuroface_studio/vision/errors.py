"""Errors raised by the landmark models of :mod:`neuroface_studio.vision`."""

from __future__ import annotations


class ModelUnavailableError(RuntimeError):
    """A landmark model cannot be used: its package or its weights file is missing.

    The message says what is missing and how to install it.
    """


class NotAModelError(ValueError):
    """A file offered as a landmark model is not one (wrong format, wrong shapes, truncated,
    or refused because loading it would run code). The message names the file and what was
    expected."""
