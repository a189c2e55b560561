"""The Analyze workspace: landmark error per group, kinematic traces, features against controls, ROC.

A workspace package may import shared widgets and dialogs, never another workspace's modules
(import contract in pyproject.toml)."""
