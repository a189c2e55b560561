"""The project session's one change notification (issue 18 item 5): every edit, undo and redo is
announced with what changed and where; work outside the undo stack announces itself."""

import numpy as np
import pytest

from neuroface_studio.app.project_service import Change, ProjectSession
from neuroface_studio.edits.project_commands import MoveLandmarks
from neuroface_studio.edits.repetition_commands import AddRepetition, DeleteRepetition


def test_edits_undo_and_redo_are_announced_with_kind_and_recording(handmade_project):
    session = ProjectSession.open(handmade_project)
    heard: list[Change] = []
    unsubscribe = session.subscribe(heard.append)
    first = session.project.repetitions_of("P001-OPEN")[0]
    session.apply(DeleteRepetition(session.project, first))
    assert heard == [Change("repetitions", frozenset({"P001-OPEN"}), heard[0].label)]
    assert "1" in heard[0].label and heard[0].touches("P001-OPEN") and not heard[0].touches("P002-OPEN")
    session.undo.undo()
    session.undo.redo()
    assert [(c.kind, set(c.recording_ids)) for c in heard[1:]] == [("repetitions", {"P001-OPEN"})] * 2
    assert len(session.project.repetitions_of("P001-OPEN")) == 1  # the redo deleted it again

    set_id = next(s.id for s in session.project.landmark_sets_of("P002-OPEN"))
    session.apply(MoveLandmarks(session.project, set_id, [0], np.array([[1.0, 2.0]])))
    assert (heard[-1].kind, set(heard[-1].recording_ids)) == ("annotations", {"P002-OPEN"})

    session.save()  # saving changes no content: nobody is told
    assert len(heard) == 4
    session.notify("landmarks", ["P001-OPEN", "P002-OPEN"], "landmarked 2 recording(s)")
    assert heard[-1] == Change("landmarks", frozenset({"P001-OPEN", "P002-OPEN"}), "landmarked 2 recording(s)")
    unsubscribe()
    session.apply(AddRepetition(session.project, "P001-OPEN", 0, 0))
    assert len(heard) == 5  # unsubscribed: not told any more


def test_a_failing_listener_does_not_silence_the_others_and_bad_kinds_are_refused(handmade_project):
    session = ProjectSession.open(handmade_project)
    heard = []

    def broken(change):
        raise RuntimeError("a view that crashed")

    session.subscribe(broken)
    session.subscribe(heard.append)
    session.notify("participants", label="participant added")
    assert [c.kind for c in heard] == ["participants"] and heard[0].touches("anything")
    with pytest.raises(ValueError, match="unknown change kind 'tracks'.*repetitions"):
        session.notify("tracks")


def test_annotation_edits_and_compound_edits_say_what_they_change(handmade_project):
    """An annotator's edit is an "annotations" change of its recording (not a whole-project change
    that makes Review re-read its landmark tracks); a bulk accept of repetitions is a "repetitions"
    change of exactly the recordings it touched; a compound of different kinds is a project change."""
    from neuroface_studio.app.annotation import AnnotationService, clear_annotation
    from neuroface_studio.edits.repetition_commands import ReplaceRepetitions
    from neuroface_studio.edits.undo import CompoundCommand
    session = ProjectSession.open(handmade_project)
    heard: list[Change] = []
    session.subscribe(heard.append)
    svc = AnnotationService(session, "ZZ")
    svc.set_points("P002-OPEN", 3, np.full((68, 2), 50.0))
    assert (heard[-1].kind, set(heard[-1].recording_ids)) == ("annotations", {"P002-OPEN"})
    clear_annotation(svc, "P002-OPEN", 3)
    assert (heard[-1].kind, set(heard[-1].recording_ids)) == ("annotations", {"P002-OPEN"})
    session.undo.undo()
    assert (heard[-1].kind, set(heard[-1].recording_ids)) == ("annotations", {"P002-OPEN"})

    project = session.project
    bulk = CompoundCommand([ReplaceRepetitions(project, rid, [(0, 2)]) for rid in ("P001-OPEN", "P002-OPEN")],
                           "accept 2 proposals")
    session.apply(bulk)
    assert heard[-1] == Change("repetitions", frozenset({"P001-OPEN", "P002-OPEN"}), "accept 2 proposals")
    mixed = CompoundCommand([AddRepetition(project, "P001-OPEN", 5, 6),
                             MoveLandmarks(project, next(s.id for s in project.landmark_sets_of("P002-OPEN")), [0],
                                           np.array([[1.0, 2.0]]))], "two kinds")
    session.apply(mixed)
    assert heard[-1] == Change("project", frozenset({"P001-OPEN", "P002-OPEN"}), "two kinds")
