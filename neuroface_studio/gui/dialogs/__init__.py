"""Dialogs opened from the main window's menus (import, export, batch, models, simulate, audit, which face)."""
