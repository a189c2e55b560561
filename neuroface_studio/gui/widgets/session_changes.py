"""The project session's change notification as a Qt signal: bridged once, for every view.

:class:`~neuroface_studio.app.project_service.ProjectSession` tells plain callbacks what changed
(a :class:`~neuroface_studio.app.project_service.Change`); :class:`SessionChanges` subscribes to the
open session and re-emits each change as ``changed(change)``. A change announced on another thread
reaches the views on the GUI thread (queued); a closed session's listener is removed.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from neuroface_studio.app.project_service import Change, ProjectSession


class SessionChanges(QObject):
    changed = Signal(object)  # a Change

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = None

    def set_session(self, session: ProjectSession | None) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if session is not None:
            self._unsubscribe = session.subscribe(self._relay)

    def _relay(self, change: Change) -> None:
        self.changed.emit(change)
