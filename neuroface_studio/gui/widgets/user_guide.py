"""Help → User guide: opens docs/USER_GUIDE.md with the system's viewer (issue 18 item 8)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

#: The guide in a source checkout or an unpacked release (docs/ beside the package).
GUIDE = Path(__file__).resolve().parents[3] / "docs" / "USER_GUIDE.md"


def open_user_guide(parent: QWidget) -> bool:
    """Open the user guide; when this installation has none, say where to find it. True when opened."""
    if GUIDE.is_file() and QDesktopServices.openUrl(QUrl.fromLocalFile(str(GUIDE))):
        return True
    QMessageBox.information(parent, "User guide",
                            f"The user guide could not be opened{'' if GUIDE.is_file() else ' (not installed)'}: "
                            f"it is docs/USER_GUIDE.md in the NeuroFace Studio source ({GUIDE}).")
    return False
