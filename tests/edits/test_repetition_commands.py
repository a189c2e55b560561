"""Undoable repetition edits: add, delete, move/resize (drag = one step), split, merge, replace."""

from __future__ import annotations

import pytest

from neuroface_studio.domain.camera import CameraInfo, Intrinsics
from neuroface_studio.domain.participants import Participant, Session
from neuroface_studio.domain.project import Project
from neuroface_studio.domain.protocol import Protocol, Task
from neuroface_studio.domain.recordings import Recording, Repetition
from neuroface_studio.edits.repetition_commands import (
    AddRepetition, DeleteRepetition, MergeRepetitions, ReplaceRepetitions, SetRepetitionSpan, SplitRepetition,
    validate_spans,
)
from neuroface_studio.edits.undo import UndoStack

REC = "P001-OPEN"


@pytest.fixture
def project():
    task = Task("OPEN", "Open", "", 5, True, "nonspeech")
    p = Project(name="t", protocol=Protocol("p", "1", (task,)))
    p.add_participant(Participant("P001", "HC"))
    p.add_session(Session("P001-S1", "P001", "2026-01-05"))
    intr = Intrinsics(640, 480, 600.0, 600.0, 320.0, 240.0)
    for rid in (REC, "P001-OTHER"):
        p.add_recording(Recording(rid, "P001-S1", "OPEN", 50.0, 100, CameraInfo(intr, intr), f"recordings/{rid}.h5",
                                  "2026-01-05T10:00:00"))
    p.add_repetition(Repetition(REC, 10, 20))
    p.add_repetition(Repetition(REC, 30, 40))
    p.add_repetition(Repetition("P001-OTHER", 5, 9, "truth"))
    return p


def spans(project, rid=REC):
    return [(r.start_frame, r.end_frame) for r in project.repetitions_of(rid)]


def check_undo_redo(project, stack, cmd, after):
    before = spans(project)
    other = spans(project, "P001-OTHER")
    stack.push(cmd)
    assert spans(project) == after
    stack.undo()
    assert spans(project) == before
    stack.redo()
    assert spans(project) == after and spans(project, "P001-OTHER") == other


def test_add_delete_with_undo_redo(project):
    stack = UndoStack()
    check_undo_redo(project, stack, AddRepetition(project, REC, 50, 60), [(10, 20), (30, 40), (50, 60)])
    assert project.repetitions_of(REC)[2].source == "manual"
    check_undo_redo(project, stack, DeleteRepetition(project, Repetition(REC, 30, 40)), [(10, 20), (50, 60)])
    assert stack.undo_label == "delete repetition 30..40"


def test_move_resize_and_a_drag_is_one_undo_step(project):
    stack = UndoStack()
    rep = project.repetitions_of(REC)[0]
    check_undo_redo(project, stack, SetRepetitionSpan(project, rep, 8, 22), [(8, 22), (30, 40)])
    stack.undo()
    rep = project.repetitions_of(REC)[0]
    for end in (21, 22, 23, 24):  # dragging the end edge
        stack.push(SetRepetitionSpan(project, rep, 10, end), merge=True)
        rep = project.repetitions_of(REC)[0]
    stack.end_merge()
    assert spans(project) == [(10, 24), (30, 40)] and stack.undo_label == "set repetition 10..20 to 10..24"
    stack.undo()
    assert spans(project) == [(10, 20), (30, 40)] and not stack.can_undo


def test_split_and_merge(project):
    stack = UndoStack()
    rep = Repetition(REC, 10, 20)
    check_undo_redo(project, stack, SplitRepetition(project, rep, 15), [(10, 14), (15, 20), (30, 40)])
    a, b = project.repetitions_of(REC)[:2]
    check_undo_redo(project, stack, MergeRepetitions(project, b, a), [(10, 20), (30, 40)])
    first, second = project.repetitions_of(REC)
    check_undo_redo(project, stack, MergeRepetitions(project, first, second), [(10, 40)])


def test_replace_with_proposals_is_one_undo_step(project):
    stack = UndoStack()
    check_undo_redo(project, stack, ReplaceRepetitions(project, REC, [(60, 70), (5, 15), (20, 30)]),
                    [(5, 15), (20, 30), (60, 70)])
    assert {r.source for r in project.repetitions_of(REC)} == {"proposed"}
    assert stack.undo_label.startswith(f"replace the repetitions of {REC}")
    stack.undo()
    assert spans(project) == [(10, 20), (30, 40)] and not stack.can_undo
    check_undo_redo(project, stack, ReplaceRepetitions(project, REC, []), [])


@pytest.mark.parametrize("make, message", [
    (lambda p: AddRepetition(p, "NOPE", 1, 2), "unknown recording 'NOPE'"),
    (lambda p: AddRepetition(p, REC, 15, 25), r"repetitions 10..20 and 15..25 of P001-OPEN overlap on frames 15..20"),
    (lambda p: AddRepetition(p, REC, 60, 50), "the start frame is after the end frame"),
    (lambda p: AddRepetition(p, REC, 90, 100), r"outside recording P001-OPEN, whose frames are 0..99"),
    (lambda p: AddRepetition(p, REC, -1, 5), "outside recording"),
    (lambda p: SetRepetitionSpan(p, Repetition(REC, 10, 20), 10, 35), "overlap"),
    (lambda p: DeleteRepetition(p, Repetition(REC, 11, 20)), "is not in recording 'P001-OPEN'"),
    (lambda p: SplitRepetition(p, Repetition(REC, 10, 20), 10), "pick a frame from 11 to 20"),
    (lambda p: SplitRepetition(p, Repetition(REC, 10, 20), 25), "pick a frame from 11 to 20"),
    (lambda p: MergeRepetitions(p, Repetition(REC, 10, 20), Repetition(REC, 10, 20)), "two different"),
    (lambda p: MergeRepetitions(p, Repetition(REC, 10, 20), Repetition("P001-OTHER", 5, 9, "truth")),
     "same recording"),
    (lambda p: ReplaceRepetitions(p, REC, [(0, 10), (10, 20)]), "overlap on frames 10..10"),
])
def test_bad_edits_say_what_is_wrong_and_change_nothing(project, make, message):
    before = list(project.repetitions)
    with pytest.raises(ValueError, match=message):
        make(project)
    assert project.repetitions == before


def test_merge_needs_neighbours(project):
    AddRepetition(project, REC, 50, 60).do()
    with pytest.raises(ValueError, match="are not neighbours"):
        MergeRepetitions(project, Repetition(REC, 10, 20), Repetition(REC, 50, 60, "manual"))


def test_overlaps_from_an_older_file_can_be_deleted(project):
    project.add_repetition(Repetition(REC, 15, 35))  # the domain model accepts it; the commands do not
    with pytest.raises(ValueError, match="overlap"):
        AddRepetition(project, REC, 80, 90)
    stack = UndoStack()
    stack.push(DeleteRepetition(project, Repetition(REC, 15, 35, "manual")))
    assert spans(project) == [(10, 20), (30, 40)]
    stack.undo()
    assert spans(project) == [(10, 20), (15, 35), (30, 40)]


def test_validate_spans_sorts(project):
    assert validate_spans(project, REC, [(50, 60), (1, 2)]) == [(1, 2), (50, 60)]


def test_persons_repetitions_rule_and_a_bulk_replace_is_one_undo_step(project):
    """Issue 18: untouched machine spans (proposed, simulated truth) may be replaced by a proposal; any
    hand edit (a moved edge, a deleted proposal) makes the recording's set a person's."""
    from neuroface_studio.edits.repetition_commands import persons_repetitions
    from neuroface_studio.edits.undo import CompoundCommand
    assert spans(project) and persons_repetitions(project, REC) == project.repetitions_of(REC)  # "manual"
    assert persons_repetitions(project, "P001-OTHER") == []  # simulated truth
    stack = UndoStack()
    stack.push(CompoundCommand([ReplaceRepetitions(project, REC, [(1, 2), (50, 60), (70, 80)]),
                                ReplaceRepetitions(project, "P001-OTHER", [(3, 4)])], "accept 2"))
    assert persons_repetitions(project, REC) == [] and spans(project, "P001-OTHER") == [(3, 4)]
    stack.undo()  # one step restores both recordings
    assert spans(project) == [(10, 20), (30, 40)] and spans(project, "P001-OTHER") == [(5, 9)]
    stack.redo()
    stack.push(DeleteRepetition(project, project.repetitions_of(REC)[0]))  # a person removes an extra one
    assert {r.source for r in project.repetitions_of(REC)} == {"manual"} and persons_repetitions(project, REC)
    stack.undo()
    assert persons_repetitions(project, REC) == []
    first = project.repetitions_of(REC)[0]
    stack.push(SetRepetitionSpan(project, first, 1, 3))  # a hand-adjusted edge
    assert persons_repetitions(project, REC) == project.repetitions_of(REC)
    from neuroface_studio.edits.undo import Command

    class Refused(Command):  # a part that fails when done (e.g. its file went away)
        def do(self):
            raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):  # a failing part leaves nothing half done
        stack.push(CompoundCommand([ReplaceRepetitions(project, REC, [(0, 5)]), Refused()], "bad"))
    assert spans(project) == [(1, 3), (50, 60), (70, 80)] and stack.undo_label.startswith("set repetition")
