"""Errors raised by the landmark models of :mod:`neuroface_studio.vision`."""

from __future__ import annotations


class ModelUnavailableError(RuntimeError):
    """A landmark model cannot be used: its package or its weights file is missing.

    The message says what is missing and how to install it.
    """
