"""PySide6 + pyqtgraph views, widgets and QThread adapters (the only layer that imports Qt)."""
