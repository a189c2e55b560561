"""AddParticipant: an undoable 'new participant' (Qt-free)."""

import pytest

from neuroface_studio.domain.participants import Group, Participant, Session
from neuroface_studio.edits.project_commands import AddParticipant


def test_add_undo_redo(handmade_project):
    from neuroface_studio.app.project_service import ProjectSession

    s = ProjectSession.open(handmade_project)
    s.apply(AddParticipant(s.project, Participant("P003", Group.PD, consent_to_share=True)))
    assert s.project.participants["P003"].group is Group.PD and s.project.participants["P003"].consent_to_share
    assert s.undo.undo_label == "add participant P003" and s.dirty
    s.undo.undo()
    assert "P003" not in s.project.participants and not s.dirty
    s.undo.redo()
    assert "P003" in s.project.participants
    s.save()
    assert "P003" in ProjectSession.open(handmade_project).project.participants


def test_duplicate_is_refused_before_anything_changes(handmade_project):
    from neuroface_studio.app.project_service import ProjectSession

    s = ProjectSession.open(handmade_project)
    with pytest.raises(ValueError, match="already exists"):
        AddParticipant(s.project, Participant("P001", Group.HC))
    assert not s.undo.can_undo and s.project.participants["P001"].group is Group.HC


def test_undo_never_removes_a_participant_with_sessions(handmade_project):
    from neuroface_studio.app.project_service import ProjectSession

    s = ProjectSession.open(handmade_project)
    cmd = AddParticipant(s.project, Participant("P003", Group.ALS))
    cmd.do()
    s.project.add_session(Session("P003-S1", "P003", "2026-02-01"))
    with pytest.raises(ValueError, match="cannot be removed"):
        cmd.undo()
    assert "P003" in s.project.participants
