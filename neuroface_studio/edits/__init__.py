"""Qt-free undoable commands and the undo stack (every user edit goes through here)."""
