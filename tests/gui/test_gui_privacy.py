"""Project → Audit log… (read-only table with a filter) and the GUI under the no-network guard."""

from __future__ import annotations

import pytest
from netguard import NetworkGuard
from PySide6.QtWidgets import QAbstractItemView

pytestmark = pytest.mark.gui


def test_audit_dialog_lists_and_filters_the_log(qtbot, handmade_project):
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.gui.dialogs.audit import AuditLogDialog
    s = ProjectSession.open(handmade_project)
    s.project.log("ann1", "annotate", "P001-OPEN frame 3")
    dialog = AuditLogDialog(s.project)
    qtbot.addWidget(dialog)
    table = dialog.table
    n = len(s.project.audit_log)
    assert table.rowCount() == n >= 3
    headers = [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())]
    assert headers == ["Time", "User", "Action", "Detail"]
    assert [table.item(i, 2).text() for i in range(n)][:2] == ["create project", "test setup"]
    assert table.item(n - 1, 1).text() == "ann1" and table.item(n - 1, 3).text() == "P001-OPEN frame 3"
    assert table.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    qtbot.keyClicks(dialog.filter_edit, "ANN1")
    assert table.rowCount() == 1 and dialog.count_label.text() == f"1 of {n} entries"
    dialog.filter_edit.setText("nothing like this")
    assert table.rowCount() == 0
    dialog.filter_edit.clear()
    assert table.rowCount() == n and dialog.count_label.text() == f"{n} entries"


def test_project_menu_opens_the_audit_log(main_window, handmade_project, monkeypatch):
    from neuroface_studio.gui.dialogs import audit as audit_dialog
    menus = {a.text().replace("&", ""): a.menu() for a in main_window.menuBar().actions()}
    assert main_window.audit_action in menus["Project"].actions()
    assert not main_window.audit_action.isEnabled()  # no project open
    assert main_window.open_project(handmade_project)
    assert main_window.audit_action.isEnabled()
    shown = []
    monkeypatch.setattr(audit_dialog.AuditLogDialog, "exec", lambda self: shown.append(self.table.rowCount()) or 0)
    main_window.audit_action.trigger()
    assert shown == [len(main_window.session.project.audit_log)]


def test_main_window_on_a_project_opens_no_socket(handmade_project, qtbot):
    """Open the app on a project and visit every workspace with the guard on (AF_UNIX allowed)."""
    with NetworkGuard() as guard:
        from neuroface_studio.gui.main_window import MainWindow
        window = MainWindow()
        qtbot.addWidget(window)
        window.show()
        assert window.open_project(handmade_project)
        for key in ("record", "segment", "annotate", "train", "analyze", "report", "review"):
            window.workspace_bar.actions_by_key[key].trigger()
            qtbot.wait(50)
        window.browser.select_recording("P002-OPEN")
        qtbot.wait(100)
        window.session.undo.clear()
        window.close()
    assert guard.attempts == [], guard.attempts
    if guard.local:
        print("local sockets (allowed):", guard.local)
