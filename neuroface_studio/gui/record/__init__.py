"""The Record workspace: capture a participant performing the protocol with live head-pose feedback.

A workspace package may import shared widgets and dialogs, never another workspace's modules
(import contract in pyproject.toml)."""
