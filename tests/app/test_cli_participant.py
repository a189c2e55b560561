"""`participant add|edit` (real participants from the command line) and the GUI's display check."""

from __future__ import annotations

import json

from neuroface_studio.cli import main
from neuroface_studio.store.project_file import load_project


def test_add_then_edit_a_participant_is_saved_and_audited(tmp_path, capsys):
    folder = tmp_path / "study"
    assert main(["project", "create", str(folder)]) == 0
    capsys.readouterr()
    assert main(["participant", "add", str(folder), "--id", "P007", "--group", "ALS", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"participant": "P007", "group": "ALS", "consent_to_share": False}
    project = load_project(folder)
    p = project.participants["P007"]
    assert p.group.value == "ALS" and p.consent_to_share is False
    assert main(["participant", "edit", str(folder), "--id", "P007", "--consent", "yes", "--notes", "visit 1"]) == 0
    project = load_project(folder)
    assert project.participants["P007"].consent_to_share and project.participants["P007"].notes == "visit 1"
    actions = [(e.action, e.detail) for e in project.audit_log]
    assert ("participant add", "P007: group ALS, consent to share: no; add participant P007") in actions
    assert any(a == "participant edit" and "consent to share: yes" in d for a, d in actions)


def test_participant_errors_are_one_line(tmp_path, capsys):
    folder = tmp_path / "study"
    main(["project", "create", str(folder)])
    capsys.readouterr()
    cases = [
        (["participant", "add", str(folder), "--id", "Jane Doe", "--group", "HC"], "pseudonym"),
        (["participant", "add", str(folder), "--id", "P1", "--group", "XYZ"], "unknown group"),
        (["participant", "edit", str(folder), "--id", "P9", "--consent", "yes"], "no participant 'P9'"),
    ]
    for argv, text in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and text in err, err
    main(["participant", "add", str(folder), "--id", "P1", "--group", "HC"])
    capsys.readouterr()
    assert main(["participant", "add", str(folder), "--id", "P1", "--group", "HC"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["participant", "edit", str(folder), "--id", "P1"]) == 2
    assert "nothing to change" in capsys.readouterr().err


def test_no_display_is_one_clear_line_not_a_qt_abort():
    import sys

    import pytest
    if not sys.platform.startswith("linux"):
        pytest.skip("the check is for Linux sessions")
    from neuroface_studio.gui.main import display_problem  # imports no Qt at module level
    assert "no display" in display_problem({})
    assert display_problem({"DISPLAY": ":0"}) == ""
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}) == ""
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) == ""
