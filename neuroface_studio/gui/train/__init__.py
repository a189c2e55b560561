"""The Train workspace: fine-tune a FAN on corrected frames, with an estimate and live curves.

A workspace package may import shared widgets and dialogs, never another workspace's modules
(import contract in pyproject.toml)."""
