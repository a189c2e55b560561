"""Repetition proposals for a project: landmark source, dlib68 fallback, truth comparison, apply, CLI."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("dlib")

from neuroface_studio.app import segmentation as seg  # noqa: E402
from neuroface_studio.app.jobs import CancelToken, JobCancelled  # noqa: E402
from neuroface_studio.app.landmarking import tracks_of  # noqa: E402
from neuroface_studio.app.project_service import ProjectSession  # noqa: E402
from neuroface_studio.cli import main  # noqa: E402
from neuroface_studio.store.tracks_file import TrackWriter, track_path  # noqa: E402

FIG = {}  # figures printed at the end of the module (pytest -s shows them)


@pytest.fixture(scope="module")
def sim_project(tmp_path_factory):
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    folder = tmp_path_factory.mktemp("segsim") / "proj"
    session = ProjectSession.create(folder)
    simulate_into_project(session, SimulationRequest(participants=1, tasks=("OPEN", "KISS"), fps=25,
                                                     duration_scale=0.5, annotators=0))
    return folder


@pytest.fixture
def project(sim_project, tmp_path):
    folder = tmp_path / "proj"
    shutil.copytree(sim_project, folder)
    return ProjectSession.open(folder)


@pytest.fixture(autouse=True)
def model_store(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))


def write_truth_track(session, rid, name="truth-copy"):
    """A stored track holding the simulated truth landmarks (a perfect landmark model)."""
    truth = session.truth(rid)
    n = truth.n_frames
    model = {"name": name, "version": "1", "sha256": "1" * 64, "architecture": "test"}
    with TrackWriter.open(track_path(session.folder, rid, name), rid, n, model, {}, "2026-01-05T10:00:00") as w:
        w.write(0, truth.landmarks_px.astype(np.float32), np.ones((n, 68), np.float32), np.zeros(n, bool))


def test_landmarks_with_dlib68_when_there_is_no_track_then_reuses_it(project):
    ids = sorted(project.project.recordings)
    before = list(project.project.repetitions)
    seen = []
    report = seg.propose_for_project(project, progress=lambda d, t, m: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1] and all(d <= t for d, t in seen)
    assert [r.recording_id for r in report.results] == ids
    for r in report.results:
        assert r.model == "dlib68" and r.landmarked and not r.problem
        assert len(r.spans) >= 4 and r.trace_values.shape == (r.n_frames,)
        assert r.boundary_error is not None and r.true_spans
    FIG["dlib68"] = report.boundary_error_frames
    assert report.boundary_error_frames < 4.0  # dlib68 tracks at 25 fps (see the module end for the figure)
    assert project.project.repetitions == before and not project.dirty  # proposing changes nothing
    again = seg.propose_for_recording(project, ids[0])
    assert not again.landmarked and again.frames == report.results[0].frames


def test_truth_landmark_track_within_3_frames_and_source_choice(project):
    results = []
    for rid in sorted(project.project.recordings):
        write_truth_track(project, rid)
        assert seg.landmark_source(project, rid) == "truth-copy"  # the only track
        r = seg.propose_for_recording(project, rid)
        assert r.model == "truth-copy" and not r.landmarked
        assert r.boundary_error.misses == 0 and r.boundary_error.extras == 0
        results.append(r)
    report = seg.SegmentationReport(results)
    FIG["truth landmarks"] = report.boundary_error_frames
    assert report.boundary_error_frames <= 3.0
    rid = results[0].recording_id
    seg.propose_for_recording(project, rid, model="dlib68")  # landmarks with the named model
    assert tracks_of(project, rid) == ["dlib68", "truth-copy"]
    assert seg.landmark_source(project, rid) == "dlib68"  # the active model's track first
    assert seg.landmark_source(project, rid, "truth-copy") == "truth-copy"
    with pytest.raises(ValueError, match="has no fan2d track"):
        seg.landmark_source(project, rid, "fan2d")
    trace = seg.trace_for_recording(project, rid, model="truth-copy")
    np.testing.assert_array_equal(trace, results[0].trace_values)
    assert seg.trace_for_recording(project, rid, "brow_height").shape == trace.shape


def test_trace_for_a_recording_without_track_says_what_to_do(project):
    rid = sorted(project.project.recordings)[0]
    with pytest.raises(ValueError, match="has no landmark track yet; landmark it"):
        seg.trace_for_recording(project, rid)
    r = seg.propose_for_recording(project, rid, landmark_if_missing=False)
    assert r.spans == [] and "has no landmark track" in r.problem and not tracks_of(project, rid)


def test_apply_is_one_undo_step_for_all_recordings_and_undo_restores(project):
    for rid in project.project.recordings:
        write_truth_track(project, rid)
    before = sorted((r.recording_id, r.start_frame, r.end_frame, r.source) for r in project.project.repetitions)
    report = seg.propose_for_project(project)
    steps = len(project.undo._done)
    changed = seg.apply_proposals(project, report.results)
    assert changed == sorted(project.project.recordings) and project.dirty
    for r in report.results:
        reps = project.project.repetitions_of(r.recording_id)
        assert [(x.start_frame, x.end_frame) for x in reps] == r.frames and {x.source for x in reps} == {"proposed"}
    assert len(project.undo._done) == steps + 1  # issue 18: a bulk accept is one undo step
    assert project.undo.undo_label == f"accept the proposals of {len(changed)} recordings"
    project.undo.undo()  # one Ctrl+Z restores every recording
    assert sorted((r.recording_id, r.start_frame, r.end_frame, r.source) for r in project.project.repetitions) == before


def test_a_persons_repetitions_are_kept_by_apply_and_by_the_cli(project, capsys):
    """Issue 18: the rule the batch command keeps (edits.persons_repetitions) holds for Accept all and
    `segment --apply` too: a hand-adjusted edge is never replaced silently."""
    from neuroface_studio.edits.repetition_commands import SetRepetitionSpan
    for rid in project.project.recordings:
        write_truth_track(project, rid)
    edited, other = sorted(project.project.recordings)
    assert seg.persons_recordings(project, seg.propose_for_project(project).results) == []  # truth: machine spans
    first = project.project.repetitions_of(edited)[0]
    project.apply(SetRepetitionSpan(project.project, first, first.start_frame + 1, first.end_frame))
    project.save("test", "hand-adjusted edge")
    mine = [(r.start_frame, r.end_frame, r.source) for r in project.project.repetitions_of(edited)]
    report = seg.propose_for_project(project)
    assert seg.persons_recordings(project, report.results) == [edited]
    assert main(["segment", str(project.folder), "--apply", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["applied"] == [other] and out["kept"] == [edited]
    reopened = ProjectSession.open(project.folder)
    assert [(r.start_frame, r.end_frame, r.source) for r in reopened.project.repetitions_of(edited)] == mine
    assert {r.source for r in reopened.project.repetitions_of(other)} == {"proposed"}
    assert main(["segment", str(project.folder), "--apply", "--replace-edited"]) == 0
    assert "applied to 2 recording(s)" in capsys.readouterr().out
    assert {r.source for r in ProjectSession.open(project.folder).project.repetitions_of(edited)} == {"proposed"}


def test_cancel_and_unknown_recording(project):
    token = CancelToken()
    token.cancel()
    with pytest.raises(JobCancelled):
        seg.propose_for_project(project, cancel=token)
    with pytest.raises(ValueError, match="unknown recording"):
        seg.propose_for_project(project, ["NOPE"])
    with pytest.raises(ValueError, match="unknown recording 'NOPE'"):
        seg.propose_for_recording(project, "NOPE")


def test_recording_without_a_face_and_rest_recording(handmade_project):
    session = ProjectSession.open(handmade_project)
    before = list(session.project.repetitions)
    report = seg.propose_for_project(session)
    for r in report.results:
        assert r.spans == [] and "no face was found on any frame" in r.problem and r.model == "dlib68"
    assert seg.apply_proposals(session, report.results) == [] and session.project.repetitions == before
    rid = sorted(session.project.recordings)[0]
    session.project.recordings[rid].task_code = "REST"
    r = seg.propose_for_recording(session, rid)
    assert not r.segmented and r.spans == [] and "not segmented" in r.problem


def test_cli_segment_reports_then_applies_and_audits(project, capsys):
    folder = str(project.folder)
    for rid in project.project.recordings:
        write_truth_track(project, rid)
    assert main(["segment", folder, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["boundary_error_frames"] <= 3.0 and out["applied"] == []
    assert {r["recording"] for r in out["recordings"]} == set(project.project.recordings)
    assert all(r["spans"] and "boundary_error" in r for r in out["recordings"])
    assert ProjectSession.open(project.folder).project.repetitions == project.project.repetitions  # untouched
    rid = sorted(project.project.recordings)[0]
    assert main(["segment", folder, "--recording", rid, "--apply"]) == 0
    text = capsys.readouterr().out
    assert "boundary error vs simulated truth" in text and "applied to 1 recording(s) and saved" in text
    reopened = ProjectSession.open(project.folder)
    assert {r.source for r in reopened.project.repetitions_of(rid)} == {"proposed"}
    assert reopened.project.audit_log[-1].action == "segment" and rid in reopened.project.audit_log[-1].detail
    other = [r for r in reopened.project.recordings if r != rid][0]
    assert {r.source for r in reopened.project.repetitions_of(other)} == {"truth"}
    assert main(["segment", folder, "--recording", "NOPE"]) == 2
    assert "unknown recording(s) NOPE" in capsys.readouterr().err


def test_zz_report_figures():
    """Prints the boundary-error figures measured above (run with -s to see them)."""
    print("\nboundary error (frames, 25 fps, duration scale 0.5):",
          ", ".join(f"{k}: {v:.2f}" for k, v in FIG.items()))


def test_frames_turned_away_in_the_landmark_pose_count_as_missing(handmade_project):
    """Issue 15: turned-away frames come from the head pose of the landmarks (live feedback's red
    thresholds), for every recording; the levels a recorder stored live are not used."""
    from neuroface_studio.acquisition.pose_track import POSE_INFO
    from neuroface_studio.app.head_pose import track_head_pose
    from neuroface_studio.store.recording_file import RecordingWriter
    from neuroface_studio.store.tracks_file import write_pose
    session = ProjectSession.open(handmade_project)
    rid = "P001-OPEN"
    rec = session.project.recordings[rid]
    path = session.recording_path(rid)
    path.unlink()
    with RecordingWriter(path, rid, "OPEN", rec.fps, rec.camera, rec.created) as w:
        for i in range(rec.n_frames):  # live levels red on 9-10: capture history, not a decision
            w.append(np.zeros((480, 640, 3), np.uint8), np.zeros((480, 640), np.uint16), i / rec.fps,
                     quality=3 if 9 <= i <= 10 else 1)
    write_truth_track(session, rid)
    # the hand-made "face" is a circle: no plausible head pose (NaN), so nothing is turned away
    assert np.isnan(track_head_pose(session, rid, "truth-copy")).all()
    assert not seg._red_frames(session, rid, rec.n_frames, "truth-copy").any()
    pose = np.zeros((rec.n_frames, 3))
    pose[2:8, 0] = 40.0  # head turned 40 deg on frames 2-7
    write_pose(track_path(session.folder, rid, "truth-copy"), pose, POSE_INFO)
    np.testing.assert_array_equal(np.flatnonzero(seg._red_frames(session, rid, rec.n_frames, "truth-copy")),
                                  range(2, 8))
    trace = seg.trace_for_recording(session, rid, "mouth_width", "truth-copy")
    assert np.isnan(trace[2:8]).all() and np.isfinite(trace[:2]).all() and np.isfinite(trace[8:]).all()
