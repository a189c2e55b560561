"""The Report workspace: per-participant assessment report and study summary, preview and export.

A workspace package may import shared widgets and dialogs, never another workspace's modules
(import contract in pyproject.toml)."""
