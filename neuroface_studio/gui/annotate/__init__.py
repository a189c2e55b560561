"""The Annotate workspace: correct the 68 landmarks on selected frames, one layer per annotator.

A workspace package may import shared widgets and dialogs, never another workspace's modules
(import contract in pyproject.toml)."""
