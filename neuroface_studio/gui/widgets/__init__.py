"""Widgets and helpers shared by every workspace: frame panes, background jobs and their progress, messages, the repetition strip, job pages."""
