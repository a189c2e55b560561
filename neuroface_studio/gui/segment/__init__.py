"""The Segment workspace: cut each task recording into repetitions on its kinematic trace and sound.

A workspace package may import shared widgets and dialogs, never another workspace's modules
(import contract in pyproject.toml)."""
