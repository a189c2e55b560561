"""One NRMSE: the CLI (`evaluate`), Analyze's app-level call and the study summary (and the study
export) give the same figure for the same frames (issue 15: Analyze said 6.97 ± 6.85 and the
study summary 5.91 ± 4.69 for the same 241 frames: one re-ran the model on a box around the
ground truth, the other read the stored tracks)."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("dlib")

from simhelpers import copy_project, simulate_project  # noqa: E402

from neuroface_studio.analysis import evaluation as ev  # noqa: E402
from neuroface_studio.app import evaluation as eva  # noqa: E402
from neuroface_studio.app.landmarking import landmark_project, read_track  # noqa: E402
from neuroface_studio.cli import main  # noqa: E402
from neuroface_studio.reporting.study_report import StudyReport  # noqa: E402


@pytest.fixture(scope="module")
def master(tmp_path_factory):
    from neuroface_studio.app.project_service import ProjectSession
    folder = simulate_project(tmp_path_factory.mktemp("one") / "p", participants=2, groups=("HC", "ALS"),
                              tasks=("OPEN",), fps=8, duration_scale=0.25, annotators=0, seed=3)
    landmark_project(ProjectSession.open(folder), model_name="dlib68")  # real dlib68 tracks
    return folder


@pytest.fixture
def session(master, tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))
    return copy_project(master, tmp_path)


def test_cli_analyze_and_study_summary_agree_on_the_same_frames(session, capsys):
    from neuroface_studio.app.study_report import landmark_accuracy
    settings = eva.EvalSettings()  # intercanthal, no jaw: the JBHI tables
    # Analyze: what its Evaluate button runs (held-out participants only, predictions auto)
    analyze = eva.evaluate_project(session, ["dlib68"], settings)
    assert analyze["predictions"] == "tracks"  # dlib68 landmarked every recording: its tracks are scored
    a = analyze["models"]["dlib68"]
    # CLI
    assert main(["evaluate", str(session.folder), "--models", "dlib68", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)["models"]["dlib68"]
    # the study summary (and the export's results/landmark_accuracy.json: the same function)
    report = StudyReport(session.project.name, ["HC", "ALS"])
    landmark_accuracy(session, report, settings)
    rows = {r.group: r for r in report.nrmse_rows if r.model == "dlib68"}
    # independently: the truth frames and the tracks, scored by hand
    frames = eva.frames_for_evaluation(session)
    truth = np.stack(frames.truth)
    pred = np.stack([read_track(session, r, "dlib68").points(f) for r, f in zip(frames.recordings, frames.frames)])
    idx = np.arange(17, 68)
    rms = np.sqrt((np.linalg.norm(pred[:, idx] - truth[:, idx], axis=2) ** 2).mean(axis=1))
    by_hand = rms / np.linalg.norm(truth[:, 39] - truth[:, 42], axis=1)
    groups = np.array(frames.groups)
    for g in ("all", "HC", "ALS"):
        e = by_hand if g == "all" else by_hand[groups == g]
        for stats in (a["groups"][g], cli["groups"][g]):
            assert stats["mean"] == pytest.approx(e.mean()) and stats["median"] == pytest.approx(np.median(e))
            assert stats["sd"] == pytest.approx(e.std(ddof=1)) and stats["n"] == len(e)
        assert (rows[g].mean, rows[g].median, rows[g].sd, rows[g].n) == pytest.approx(
            (e.mean(), np.median(e), e.std(ddof=1), len(e)))
    # every figure says what it is
    assert "intercanthal" in analyze["label"] and "nojaw (points 17-67, 51 points)" in analyze["label"]
    assert f"n = {len(by_hand)}" in analyze["label"] and "stored landmark tracks" in analyze["label"]
    assert report.nrmse_label == analyze["label"] and "stored landmark tracks" in report.nrmse_data
    assert cli["mean"] == a["mean"] and "fraction" in analyze["settings"]["units"]


def test_rerun_is_a_different_labelled_figure(session, capsys):
    """Re-running dlib68 on a box around the ground truth is another measurement: asked for, labelled."""
    settings = eva.EvalSettings()
    tracks = eva.evaluate_project(session, ["dlib68"], settings, predictions="tracks")
    rerun = eva.evaluate_project(session, ["dlib68"], settings, predictions="rerun")
    assert rerun["predictions"] == "rerun" and "box around the ground truth" in rerun["label"]
    assert tracks["images"] == rerun["images"] and tracks["label"] != rerun["label"]
    assert main(["evaluate", str(session.folder), "--models", "dlib68", "--predictions", "rerun"]) == 0
    out = capsys.readouterr().out
    assert "box around the ground truth" in out and "per-image RMS" in out and "median" in out
    assert f"{100 * rerun['models']['dlib68']['mean']:.2f}" in out
    with pytest.raises(ValueError, match="landmark the recordings first"):
        eva.evaluate_project(session, ["fan2d"], settings, predictions="tracks")


def test_hand_computed_pts_and_valid_json(tmp_path, capsys):
    """evaluate-pts: text in %, JSON in fractions with the median and the units; no bare NaN."""
    from neuroface_studio.store.pts import write_pts
    gt, pred = tmp_path / "gt", tmp_path / "pred"
    gt.mkdir(), pred.mkdir()
    t = np.zeros((68, 2))
    t[:, 0], t[:, 1] = np.arange(68) * 3.0, 50.0
    t[39], t[42] = (100.0, 40.0), (120.0, 40.0)  # intercanthal 20 px
    write_pts(gt / "a.pts", t)
    write_pts(pred / "a.pts", t + [0.0, 2.0])  # every point 2 px off: NRMSE 2 / 20 = 10 %
    assert main(["evaluate-pts", "--gt", str(gt), "--pred", str(pred), "--json"]) == 0
    raw = capsys.readouterr().out
    assert "NaN" not in raw  # SD of one image is null, not NaN
    out = json.loads(raw)
    assert out["mean"] == pytest.approx(0.1) and out["median"] == pytest.approx(0.1) and out["sd"] is None
    assert out["n"] == 1 and "fraction" in out["settings"]["units"] and "per-image RMS" in out["label"]
    assert main(["evaluate-pts", "--gt", str(gt), "--pred", str(pred)]) == 0
    text = capsys.readouterr().out
    assert "mean 10.00%" in text and "median 10.00%" in text and "n = 1" in text and "intercanthal" in text
    assert ev.describe("bbox", "all", 3).count("bounding box") == 1


def test_a_half_landmarked_recording_is_not_scored_as_failures(session):
    """A cancelled landmarking run leaves a half track: its frames are left out (and counted), not
    scored as missing faces; auto re-runs the model instead."""
    from neuroface_studio.app.jobs import CancelToken, JobCancelled
    from neuroface_studio.app.landmarking import landmark_recording
    from neuroface_studio.store.tracks_file import track_path
    frames = eva.frames_for_evaluation(session)
    rid = frames.recordings[0]
    track_path(session.folder, rid, "dlib68").unlink()
    token = CancelToken()
    with pytest.raises(JobCancelled):
        landmark_recording(session, rid, "dlib68", progress=lambda d, n, m: token.cancel() if d >= 3 else None,
                           cancel=token)
    assert 0 < read_track(session, rid, "dlib68").frames_done < read_track(session, rid, "dlib68").n_frames
    tracks = eva.evaluate_project(session, ["dlib68"], predictions="tracks")
    on_rid = frames.recordings.count(rid)
    assert tracks["not_landmarked"] == on_rid and tracks["images"] == len(frames.keys) - on_rid
    assert tracks["models"]["dlib68"]["missing"] == 0 and "not landmarked by every model" in tracks["frames_text"]
    assert eva.evaluate_project(session, ["dlib68"])["predictions"] == "rerun"  # auto: not every track is complete
