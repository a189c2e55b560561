import numpy as np

from neuroface_studio.edits.project_commands import EditParticipant, MoveLandmarks
from neuroface_studio.edits.undo import Command, UndoStack


class Append(Command):
    def __init__(self, log, value):
        self.log, self.value, self.label = log, value, f"append {value}"

    def do(self):
        self.log.append(self.value)

    def undo(self):
        self.log.pop()


def test_undo_redo_and_clean_state():
    log, stack, calls = [], UndoStack(), []
    stack.subscribe(lambda: calls.append(1))
    stack.push(Append(log, 1))
    stack.push(Append(log, 2))
    assert log == [1, 2] and stack.undo_label == "append 2" and not stack.is_clean
    assert stack.undo() == "append 2" and log == [1]
    assert stack.redo() == "append 2" and log == [1, 2]
    stack.set_clean()
    assert stack.is_clean
    stack.undo()
    assert not stack.is_clean
    stack.push(Append(log, 3))  # new branch: redo history dropped, clean state unreachable
    assert not stack.can_redo and not stack.is_clean and log == [1, 3]
    assert len(calls) == 7
    assert UndoStack().undo() is None


def test_limit_drops_oldest():
    log, stack = [], UndoStack(limit=3)
    for i in range(5):
        stack.push(Append(log, i))
    while stack.undo():
        pass
    assert log == [0, 1]


def test_a_drag_is_one_undo_step(handmade_project):
    from neuroface_studio.app.project_service import ProjectSession
    s = ProjectSession.open(handmade_project)
    set_id = next(iter(s.project.landmark_sets))
    before = s.project.landmark_sets[set_id].points_px.copy()
    for step in range(1, 11):  # ten mouse-move events of one drag
        s.apply(MoveLandmarks(s.project, set_id, [48, 54], before[[48, 54]] + step), merge=True)
    s.undo.end_merge()
    s.apply(MoveLandmarks(s.project, set_id, [48, 54], before[[48, 54]] - 1), merge=True)  # a new drag
    assert np.allclose(s.project.landmark_sets[set_id].points_px[[48, 54]], before[[48, 54]] - 1)
    s.undo.undo()
    assert np.allclose(s.project.landmark_sets[set_id].points_px[[48, 54]], before[[48, 54]] + 10)
    s.undo.undo()
    assert np.array_equal(s.project.landmark_sets[set_id].points_px, before)
    assert not s.undo.can_undo


def test_edit_participant_undo(handmade_project):
    from neuroface_studio.app.project_service import ProjectSession
    s = ProjectSession.open(handmade_project)
    s.apply(EditParticipant(s.project, "P002", group="PS", consent_to_share=True))
    assert s.project.participants["P002"].group.value == "PS" and s.dirty
    s.undo.undo()
    assert s.project.participants["P002"].group.value == "ALS" and not s.dirty


def test_audit_log_names_the_saved_edits(handmade_project):
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.store.project_file import load_project
    s = ProjectSession.open(handmade_project)
    s.apply(EditParticipant(s.project, "P002", consent_to_share=True))
    s.apply(EditParticipant(s.project, "P001", notes="tremor noted"))
    s.save()
    entry = load_project(handmade_project).audit_log[-1]
    assert entry.action == "save" and entry.user
    assert entry.detail == "edit participant P002; edit participant P001"
    s.undo.undo()
    s.apply(EditParticipant(s.project, "P001", notes="x"))
    assert s.undo.labels_since_clean() == ["undo edit participant P001", "edit participant P001"]


def test_a_failing_undo_leaves_the_stack_and_dirty_state_alone():
    class Broken(Command):
        label = "broken"

        def do(self):
            pass

        def undo(self):
            raise RuntimeError("cannot undo")

    stack = UndoStack()
    stack.push(Broken())
    try:
        stack.undo()
    except RuntimeError:
        pass
    assert stack.can_undo and not stack.is_clean and stack.undo_label == "broken"


def test_commands_refuse_bad_edits(handmade_project):
    import pytest
    from neuroface_studio.app.project_service import ProjectSession
    s = ProjectSession.open(handmade_project)
    with pytest.raises(ValueError, match="cannot edit id"):
        EditParticipant(s.project, "P001", id="P999")
    set_id = next(iter(s.project.landmark_sets))
    with pytest.raises(ValueError, match="finite"):
        MoveLandmarks(s.project, set_id, [1], [[np.nan, 3.0]])
    pts = s.project.landmark_sets[set_id].points_px
    from neuroface_studio.domain.annotations import LandmarkSet
    copy = LandmarkSet("copy", "P001-OPEN", 3, pts, s.project.landmark_sets[set_id].source, "now")
    copy.points_px[0] = -1  # a set never shares its caller's array
    assert pts[0, 0] != -1


def test_a_change_outside_the_stack_makes_it_unsaved_and_is_logged():
    log, stack = [], UndoStack()
    stack.push(Append(log, 1))
    stack.set_clean()
    stack.mark_changed("recover 3 edits")
    assert not stack.is_clean and stack.labels_since_clean() == ["recover 3 edits"]
    assert stack.undo_label == "append 1"  # what came before stays undoable; nothing new to undo
    stack.set_clean()
    assert stack.is_clean
