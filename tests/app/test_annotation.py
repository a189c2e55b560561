"""Annotating: proposals, layers per annotator, undo, the journal surviving a kill, the queue,
export/import (.pts 1-based, CSV, consent), agreement; and the `annotations` CLI."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("dlib")

from neuroface_studio.app import annotation as ann  # noqa: E402
from neuroface_studio.app import annotation_io as aio  # noqa: E402
from neuroface_studio.app.project_service import ProjectSession  # noqa: E402
from neuroface_studio.cli import main  # noqa: E402
from neuroface_studio.store.pts import read_pts, write_pts  # noqa: E402


@pytest.fixture(scope="module")
def sim_project(tmp_path_factory):
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    folder = tmp_path_factory.mktemp("sim") / "proj"
    session = ProjectSession.create(folder)
    simulate_into_project(session, SimulationRequest(participants=2, tasks=("OPEN",), fps=10, duration_scale=0.2,
                                                     annotators=2))
    return folder


@pytest.fixture
def session(sim_project, tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))
    folder = tmp_path / "proj"
    shutil.copytree(sim_project, folder)
    return ProjectSession.open(folder)


def _rid(session) -> str:
    return sorted(session.project.recordings)[0]


def test_proposal_edit_undo_redo_and_layers(session):
    rid = _rid(session)
    svc = ann.AnnotationService(session, "CC")
    prop = svc.proposal(rid, 3)
    truth = session.truth(rid).landmarks_px[3]
    assert prop is not None and prop.source.kind == "model" and np.abs(prop.points_px - truth).mean() < 6
    moved = prop.points_px.copy()
    moved[30] += [4.0, -2.0]
    ls = svc.set_points(rid, 3, moved, proposal=prop)
    assert ls.corrects == ann.proposal_id(rid, 3, "dlib68") and ls.corrects in session.project.landmark_sets
    assert np.array_equal(svc.annotation(rid, 3).points_px, moved)
    moved2 = moved.copy()
    moved2[31] += 1.0
    svc.set_points(rid, 3, moved2, label="drag point 32")
    assert session.undo.undo() is not None
    assert np.array_equal(svc.annotation(rid, 3).points_px, moved)
    session.undo.undo()
    assert svc.annotation(rid, 3) is None and ls.corrects not in session.project.landmark_sets
    session.undo.redo()
    assert np.array_equal(svc.annotation(rid, 3).points_px, moved)
    # another annotator's layer is separate
    other = ann.AnnotationService(session, "DD")
    assert other.annotation(rid, 3) is None
    with pytest.raises(ValueError, match="outside"):
        svc.set_points(rid, 10_000, moved)
    with pytest.raises(ValueError, match="annotator ID"):
        ann.AnnotationService(session, "Dr. Jane Smith")


def test_reset_to_proposal_and_copy_previous(session):
    rid = _rid(session)
    svc = ann.AnnotationService(session, "CC")
    pts = session.truth(rid).landmarks_px[2]
    svc.set_points(rid, 2, pts)
    assert np.array_equal(svc.copy_from_previous(rid, 6).points_px, svc.annotation(rid, 2).points_px)
    assert svc.copy_from_previous(rid, 1) is None
    ann.clear_annotation(svc, rid, 2)
    assert svc.annotation(rid, 2) is None
    session.undo.undo()
    assert svc.annotation(rid, 2) is not None


def test_edits_survive_a_kill_and_are_recovered(session):
    """A process makes three edits and is killed with SIGKILL before saving: nothing is lost."""
    rid = _rid(session)
    script = textwrap.dedent(f"""
        import os, signal, numpy as np
        from neuroface_studio.app.project_service import ProjectSession
        from neuroface_studio.app.annotation import AnnotationService
        s = ProjectSession.open({str(session.folder)!r})
        svc = AnnotationService(s, "KK")
        for f in (1, 4, 7):
            svc.set_points({rid!r}, f, np.full((68, 2), 10.0 + f))
        s.undo.undo()  # the last edit is undone before the crash: it must stay undone
        print("edited", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = {**os.environ, "NEUROFACE_BLOCK_QT": "1"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == -signal.SIGKILL and "edited" in proc.stdout, proc.stderr
    reopened = ProjectSession.open(session.folder)
    assert reopened.project.annotation_of(rid, 1, "KK") is None  # not in the project file...
    assert ann.has_journal(reopened)
    res = ann.recover_journal(reopened)  # ...but in the journal
    assert res["edits"] == 4 and res["skipped"] == 0 and reopened.dirty  # 3 edits + 1 undo
    assert np.all(reopened.project.annotation_of(rid, 1, "KK").points_px == 11.0)
    assert np.all(reopened.project.annotation_of(rid, 4, "KK").points_px == 14.0)
    assert reopened.project.annotation_of(rid, 7, "KK") is None
    reopened.save()
    assert not ann.has_journal(reopened)
    again = ProjectSession.open(session.folder)
    assert again.project.annotation_of(rid, 4, "KK") is not None and not ann.has_journal(again)


def test_queue_selection_progress_and_save(session):
    items = ann.propose_frames(session, per_recording=4)
    rids = sorted(session.project.recordings)
    assert len(items) == 4 * len(rids) and {q.recording_id for q in items} == set(rids)
    taken = {(s.recording_id, s.frame_index) for s in session.project.landmark_sets.values()}
    assert not taken & {q.key for q in items}  # already annotated frames are not chosen again
    ann.queue_frames(session, items)
    svc = ann.AnnotationService(session, "CC")
    first = svc.next_item()
    assert first == items[0]
    svc.set_points(first.recording_id, first.frame_index, np.full((68, 2), 50.0))
    assert svc.next_item() == items[1]
    prog = svc.progress()
    assert prog["total"] == len(items) and prog["annotators"]["CC"] == 1
    session.save()
    reopened = ProjectSession.open(session.folder)
    assert [q.key for q in reopened.project.annotation_queue] == [q.key for q in items]
    session.undo.undo()
    session.undo.undo()
    assert session.project.annotation_queue == []


def test_export_pts_is_one_based_honours_consent_and_imports_back(session, tmp_path):
    project = session.project
    pids = sorted(project.participants)
    project.participants[pids[0]].consent_to_share = True
    project.participants[pids[1]].consent_to_share = False
    res = aio.export_annotations(session, tmp_path / "out", "pts")
    assert res.left_out_participants == [pids[1]] and res.written > 0
    assert all(pids[1] not in p for p in res.paths)
    s = next(s for s in project.landmark_sets.values() if s.source.kind == "annotator"
             and project.participant_of(s.recording_id).id == pids[0])
    path = tmp_path / "out" / s.source.annotator_id / f"{s.recording_id}_f{s.frame_index:05d}.pts"
    text = path.read_text()
    x0, y0 = (float(v) for v in text.split("{")[1].split()[:2])
    assert (x0, y0) == pytest.approx(tuple(s.points_px[0] + 1), abs=1e-3)  # 1-based on disk
    assert np.allclose(read_pts(path), s.points_px, atol=1e-3)
    everyone = aio.export_annotations(session, tmp_path / "all", "pts", consented_only=False)
    assert everyone.left_out_participants == [] and everyone.written > res.written
    # import the folder of annotator folders back as is: every file replaces the same annotation
    plan = aio.plan_import(session, tmp_path / "all")
    assert len(plan.items) == everyone.written and all(i.replaces for i in plan.items) and not plan.skipped


def test_import_reports_bad_files_and_is_one_undo_step(session, tmp_path):
    rid = _rid(session)
    folder = tmp_path / "pts"
    folder.mkdir()
    good = session.truth(rid).landmarks_px[5]
    write_pts(folder / f"{rid}_f00005.pts", good)
    write_pts(folder / "NOPE-OPEN_f00001.pts", good)
    write_pts(folder / f"{rid}_f99999.pts", good)
    (folder / f"{rid}_f00006.pts").write_text("version: 1\nn_points: 67\n{\n" + "1 1\n" * 67 + "}\n")
    write_pts(folder / "holiday.pts", good)
    with pytest.raises(ValueError, match="--annotator"):
        aio.plan_import(session, folder)
    plan = aio.plan_import(session, folder, "EE")
    why = dict(plan.skipped)
    assert len(plan.items) == 1 and len(plan.skipped) == 4
    assert "no recording 'NOPE-OPEN'" in why["NOPE-OPEN_f00001.pts"]
    assert "outside" in why[f"{rid}_f99999.pts"] and "67 points" in why[f"{rid}_f00006.pts"]
    assert "<recording>_f<frame>.pts" in why["holiday.pts"]
    assert aio.apply_import(session, plan, "pts") == 1
    assert np.allclose(session.project.annotation_of(rid, 5, "EE").points_px, good, atol=1e-3)
    session.undo.undo()
    assert session.project.annotation_of(rid, 5, "EE") is None


def test_csv_round_trip_and_agreement(session, tmp_path):
    for p in session.project.participants.values():
        p.consent_to_share = True
    res = aio.export_annotations(session, tmp_path / "a.csv", "csv")
    lines = (tmp_path / "a.csv").read_text().splitlines()
    assert lines[0].startswith("recording,frame,participant,annotator,source,x0,y0") and len(lines) == res.written + 1
    plan = aio.plan_import(session, tmp_path / "a.csv")
    assert len(plan.items) == res.written and not plan.skipped
    (tmp_path / "b.csv").write_text("name,x,y\nfoo,1,2\n")
    from neuroface_studio.store.annotation_csv import AnnotationCsvError
    with pytest.raises(AnnotationCsvError, match="not a landmark CSV"):
        aio.plan_import(session, tmp_path / "b.csv")
    agree = ann.inter_annotator_agreement(session)
    assert len(agree["annotators"]) == 2 and agree["frames"] > 0
    assert 0.0 < agree["nrmse"]["all"] < 0.1  # simulated annotators disagree by a few pixels


def test_cli_select_queue_export_import_agreement_recover(session, tmp_path, capsys):
    folder = str(session.folder)
    assert main(["annotations", "select", folder, "--per-recording", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["queued"]) == 3 * len(session.project.recordings) and out["queue_length"] == len(out["queued"])
    assert main(["annotations", "queue", folder, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["queue"]) == len(out["queued"])
    assert main(["annotations", "export", folder, "--out", str(tmp_path / "x"), "--json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert main(["annotations", "import", folder, str(tmp_path / "x"), "--dry-run"]) == 0
    assert "(dry run: nothing imported)" in capsys.readouterr().out
    assert main(["annotations", "agreement", folder]) == 0
    assert "mouth  NRMSE" in capsys.readouterr().out
    assert main(["annotations", "import", folder, str(tmp_path / "missing")]) == 2
    assert "neither a folder" in capsys.readouterr().err
    assert main(["annotations", "recover", folder]) == 0
    assert "nothing to recover" in capsys.readouterr().out
    assert exported["written"] >= 0
