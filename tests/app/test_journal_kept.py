"""Issue 17 #3/#4: a pending annotation journal survives every other command that saves, and
recovery never saves a project that will not load."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neuroface_studio.app import annotation as ann
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.cli import main
from neuroface_studio.domain.annotations import LandmarkSet, LandmarkSource
from neuroface_studio.store.errors import StoreError
from neuroface_studio.store.journal import journal_path
from neuroface_studio.store.project_file import load_project, project_file, save_project


def _crashed_edits(folder, frames=(1, 4, 7), proposal=False):
    """Journal edits like an app that was killed before saving (the session is simply dropped)."""
    s = ProjectSession.open(folder)
    svc = ann.AnnotationService(s, "KK")
    prop = None
    if proposal:
        prop = ann.Proposal(np.full((68, 2), 50.0), np.ones(68, bool), LandmarkSource("model", name="dlib68"))
    for f in frames:
        svc.set_points("P001-OPEN", f, np.full((68, 2), 10.0 + f), proposal=prop)
    return journal_path(folder)


@pytest.mark.parametrize("argv", [
    ["participant", "add", "{p}", "--id", "P088", "--group", "HC"],
    ["participant", "edit", "{p}", "--id", "P001", "--notes", "seen"],
])
def test_other_saving_commands_keep_the_journal(handmade_project, capsys, argv):
    journal = _crashed_edits(handmade_project)
    size = journal.stat().st_size
    rc = main([a.format(p=handmade_project) for a in argv])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert journal.is_file() and journal.stat().st_size == size  # nothing nobody has seen was deleted
    assert "unsaved annotation edits" in err and "annotations recover" in err
    assert main(["annotations", "recover", str(handmade_project), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["edits"] == 3
    project = load_project(handmade_project)
    assert np.all(project.annotation_of("P001-OPEN", 4, "KK").points_px == 14.0)
    assert not journal.exists() or journal.stat().st_size == 0  # recovered and saved: now it may go


def test_discard_is_explicit(handmade_project, capsys):
    journal = _crashed_edits(handmade_project, frames=(2,))
    assert main(["annotations", "discard", str(handmade_project), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["discarded"] == 1
    assert not journal.exists() or journal.stat().st_size == 0


def test_session_save_keeps_a_journal_it_did_not_recover(handmade_project):
    journal = _crashed_edits(handmade_project)
    s = ProjectSession.open(handmade_project)
    assert s.journal_pending
    s.project.participants["P001"].notes = "x"
    s.save("unrelated edit")
    assert journal.stat().st_size > 0
    ann.recover_journal(s)
    s.save("recover")
    assert not journal.exists() or journal.stat().st_size == 0


def test_damaged_proposal_line_recovers_to_a_loadable_project(handmade_project, capsys):
    journal = _crashed_edits(handmade_project, frames=(5,), proposal=True)
    lines = journal.read_text(encoding="utf-8").splitlines()
    prop = [i for i, line in enumerate(lines) if "-model-" in line.split('"id"')[1][:80]] if lines else []
    assert prop, lines
    lines[prop[0]] = lines[prop[0]][: len(lines[prop[0]]) // 2]  # the proposal's line is cut in half
    journal.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["annotations", "recover", str(handmade_project), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["unlinked"] == 1
    project = load_project(handmade_project)  # loads: no dangling "corrects"
    kept = project.annotation_of("P001-OPEN", 5, "KK")
    assert kept is not None and np.all(kept.points_px == 15.0)  # the person's points are kept
    assert main(["project", "info", str(handmade_project)]) == 0


def test_save_refuses_a_project_the_loader_would_refuse(handmade_project):
    s = ProjectSession.open(handmade_project)
    before = project_file(handmade_project).read_bytes()
    s.project.landmark_sets["dangling"] = LandmarkSet(
        "dangling", "P001-OPEN", 2, np.full((68, 2), 3.0), LandmarkSource("annotator", annotator_id="KK"),
        "2026-01-05T11:00:00", corrects="no-such-set")
    with pytest.raises(StoreError, match="inconsistent"):
        save_project(s.project, handmade_project)
    assert project_file(handmade_project).read_bytes() == before


def test_killed_save_temp_files_are_cleaned_on_open(handmade_project):
    import os
    import time

    old = handmade_project / ".project.nfs.json.abc123.tmp"
    young = handmade_project / ".project.nfs.json.def456.tmp"
    for f in (old, young):
        f.write_bytes(b"{" * 1000)
    past = time.time() - 3600
    os.utime(old, (past, past))
    ProjectSession.open(handmade_project)
    assert not old.exists()
    assert young.exists()  # may belong to a save running right now


def test_project_info_mentions_orphaned_recordings(handmade_project, capsys):
    import shutil

    shutil.copy(handmade_project / "recordings" / "P001-OPEN.h5", handmade_project / "recordings" / "P001-BLOW.h5")
    assert main(["project", "info", str(handmade_project)]) == 0
    out = capsys.readouterr().out
    assert "P001-BLOW.h5" in out and "project recover" in out
    assert main(["project", "info", str(handmade_project), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["orphaned_recordings"] == ["P001-BLOW.h5"]
