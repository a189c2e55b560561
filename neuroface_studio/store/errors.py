"""Errors the store raises. Each message says what is wrong and what to do about it."""

from __future__ import annotations


class StoreError(Exception):
    """Base class: a file could not be read or written as a NeuroFace Studio file."""


class ProjectNotFoundError(StoreError):
    pass


class NotAProjectError(StoreError):
    pass


class CorruptProjectError(StoreError):
    pass


class UnsupportedVersionError(StoreError):
    pass


class RecordingFileError(StoreError):
    pass
