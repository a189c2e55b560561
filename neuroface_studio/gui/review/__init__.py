"""The Review workspace: play a recording's colour, depth and landmark tracks.

A workspace package may import shared widgets and dialogs, never another workspace's modules
(import contract in pyproject.toml)."""
