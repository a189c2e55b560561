"""Batch landmarking with dlib68 on a small simulated project; predict-image; the models CLI."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
import pytest

pytest.importorskip("dlib")

from neuroface_studio.analysis.landmark_error import nrmse  # noqa: E402
from neuroface_studio.app import landmarking  # noqa: E402
from neuroface_studio.app.jobs import CancelToken, JobCancelled  # noqa: E402
from neuroface_studio.app.project_service import ProjectSession  # noqa: E402
from neuroface_studio.cli import main  # noqa: E402
from neuroface_studio.domain.landmarks import NO_JAW  # noqa: E402
from neuroface_studio.store.pts import read_pts  # noqa: E402
from neuroface_studio.store.tracks_file import track_path  # noqa: E402


@pytest.fixture(scope="module")
def sim_project(tmp_path_factory):
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    folder = tmp_path_factory.mktemp("sim") / "proj"
    session = ProjectSession.create(folder)
    simulate_into_project(session, SimulationRequest(participants=1, tasks=("OPEN",), fps=10, duration_scale=0.2,
                                                     annotators=0))
    return folder


@pytest.fixture
def project(sim_project, tmp_path):
    """A private copy of the simulated project (tests write tracks into it)."""
    folder = tmp_path / "proj"
    shutil.copytree(sim_project, folder)
    return ProjectSession.open(folder)


@pytest.fixture(autouse=True)
def model_store(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))


def test_landmark_recording_every_frame_with_provenance(project):
    rid = next(iter(project.project.recordings))
    res = landmarking.landmark_recording(project, rid, "dlib68")
    n = project.project.recordings[rid].n_frames
    assert res.n_frames == n and res.frames_with_face == n and res.resumed_from == 0
    track = landmarking.read_track(project, rid, "dlib68")
    assert track.complete and track.landmarks_px.shape == (n, 68, 2) and track.landmarks_px.dtype == np.float32
    assert track.scores.shape == (n, 68) and (track.scores == 1.0).all()  # dlib gives no scores
    assert track.detected[0] and track.detected.sum() < n // 2  # detector only when needed
    assert track.model["name"] == "dlib68" and len(track.model["sha256"]) == 64
    assert track.model["architecture"] == "dlib-shape-predictor-68" and "research use only" in track.model["licence"]
    truth = project.truth(rid)
    facing = ~truth.turned_away  # the simulated participant turns away once in this recording
    err = nrmse(track.landmarks_px, truth.landmarks_px)[facing]
    assert np.nanmean(err) < 0.05 and np.nanmean(nrmse(track.landmarks_px, truth.landmarks_px, NO_JAW)[facing]) < 0.04
    assert np.median(err) < 0.03
    assert landmarking.tracks_of(project, rid) == ["dlib68"]
    # the project file records only an audit entry
    before = len(project.project.audit_log)
    landmarking.log_landmarking(project, [res])
    reopened = ProjectSession.open(project.folder)
    assert len(reopened.project.audit_log) == before + 1 and reopened.project.audit_log[-1].action == "landmark"
    assert "dlib68" in reopened.project.audit_log[-1].detail


def test_head_pose_is_stored_with_the_track_and_old_tracks_gain_it(project):
    """Issue 15: landmarking stores each frame's head pose (from the landmarks) in the track; it
    matches the simulator's truth on facing frames; a version-1 track (no pose) is read as it
    is and gains the pose the first time it is needed."""
    import h5py

    from neuroface_studio.acquisition import feedback as fb
    from neuroface_studio.acquisition.pose import pose_seen_from_camera
    from neuroface_studio.acquisition.pose_track import pose_is_current
    from neuroface_studio.app.head_pose import frontal_summary, track_head_pose
    from neuroface_studio.store.tracks_file import TrackWriter, read_track
    rid = next(iter(project.project.recordings))
    res = landmarking.landmark_recording(project, rid, "dlib68")
    path = track_path(project.folder, rid, "dlib68")
    track = read_track(path)
    assert track.head_pose_deg is not None and track.head_pose_deg.shape == (track.n_frames, 3)
    assert pose_is_current(track.pose_info)
    assert res.frontal_fraction == pytest.approx(fb.frontal_fraction(track.head_pose_deg))
    truth = project.truth(rid)
    seen = np.array([pose_seen_from_camera(truth.head_pose_deg[t], truth.landmarks_mm[t, 30])
                     for t in range(track.n_frames)])
    facing = ~truth.turned_away & np.isfinite(track.head_pose_deg).all(axis=1)
    assert facing.sum() >= 5
    err = track.head_pose_deg[facing] - seen[facing]
    # a generic face: pitch of a given simulated face is off by SD 2.6 deg (16 identities, exact landmarks)
    assert (np.abs(np.median(err, axis=0)) < [3.0, 5.0, 3.0]).all(), np.median(err, axis=0)
    summary = frontal_summary(project, rid, "dlib68")
    assert summary.frames_with_face == res.frames_with_face and summary.frontal_fraction == res.frontal_fraction
    # a track written before issue 15 (schema 1, no pose)
    with h5py.File(path, "r+") as f:
        del f["head_pose_deg"]
        del f.attrs["pose"]
        f.attrs["schema_version"] = 1
    old = read_track(path)
    assert old.head_pose_deg is None and old.pose_info == {} and old.complete
    with TrackWriter.open(path, rid, old.n_frames, old.model, old.params, "x") as w:
        assert w.frames_done == old.n_frames  # resumable as it is, not started again
    np.testing.assert_allclose(track_head_pose(project, rid, "dlib68"), track.head_pose_deg, atol=1e-4)
    again = read_track(path)
    assert again.head_pose_deg is not None and pose_is_current(again.pose_info)
    with h5py.File(path, "r") as f:
        assert int(f.attrs["schema_version"]) == 2


def test_cancel_half_way_then_resume_equals_uninterrupted(project, monkeypatch):
    monkeypatch.setattr(landmarking, "CHUNK_FRAMES", 4)
    rid = next(iter(project.project.recordings))
    n = project.project.recordings[rid].n_frames
    token = CancelToken()

    def progress(done, total, message):
        if done >= total // 2 + 1:
            token.cancel()

    with pytest.raises(JobCancelled):
        landmarking.landmark_recording(project, rid, "dlib68", progress=progress, cancel=token)
    partial = landmarking.read_track(project, rid, "dlib68")
    assert 0 < partial.frames_done < n and np.isnan(partial.landmarks_px[partial.frames_done:]).all()
    res = landmarking.landmark_recording(project, rid, "dlib68")
    assert res.resumed_from == partial.frames_done
    resumed = landmarking.read_track(project, rid, "dlib68")
    np.testing.assert_array_equal(resumed.landmarks_px[:partial.frames_done],
                                  partial.landmarks_px[:partial.frames_done])
    track_path(project.folder, rid, "dlib68").unlink()
    landmarking.landmark_recording(project, rid, "dlib68")
    full = landmarking.read_track(project, rid, "dlib68")
    np.testing.assert_array_equal(resumed.landmarks_px, full.landmarks_px)
    np.testing.assert_array_equal(resumed.scores, full.scores)
    np.testing.assert_array_equal(resumed.detected, full.detected)
    assert resumed.frames_done == full.frames_done == n


def test_another_model_keeps_both_tracks(project):
    from neuroface_studio.vision.dlib_predictor import Dlib68Predictor
    from neuroface_studio.vision.predictor import ModelInfo
    rid = next(iter(project.project.recordings))
    landmarking.landmark_recording(project, rid, "dlib68")
    other = Dlib68Predictor()
    other.info = ModelInfo(name="other-model", version="1", sha256="0" * 64, architecture="test")
    landmarking.landmark_recording(project, rid, predictor=other)
    assert landmarking.tracks_of(project, rid) == ["dlib68", "other-model"]
    assert landmarking.read_track(project, rid, "other-model").model["name"] == "other-model"


def test_cli_landmark_json(project, capsys):
    assert main(["landmark", str(project.folder), "--model", "dlib68", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "dlib68" and out["results"][0]["frames_with_face"] == out["results"][0]["n_frames"]
    assert main(["landmark", str(project.folder), "--recording", "NOPE"]) == 2


def _frame_and_truth():
    from neuroface_studio.domain.participants import Group
    from neuroface_studio.domain.protocol import Task
    from neuroface_studio.simulation.clinic import make_identity, plan_recording, render_frame
    task = Task(code="REST", name="Rest", instruction="", repetitions=None, segmented=False, category="rest",
                duration_s=20.0)
    identity = make_identity("P020", Group.HC, seed=5)
    plan = plan_recording(identity, task, fps=10.0, seed=0, duration_scale=0.1, turn_away=False)
    color, _ = render_frame(identity, plan, 0)
    return color, plan.landmarks_px[0]


def test_predict_image_writes_pts_near_truth(tmp_path, capsys):
    color, truth = _frame_and_truth()
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), cv2.cvtColor(color, cv2.COLOR_RGB2BGR))
    out = tmp_path / "face.pts"
    assert main(["predict-image", str(image), "--model", "dlib68", "--out", str(out)]) == 0
    pts = read_pts(out)
    assert np.linalg.norm(pts - truth, axis=1).mean() < 6.0


def test_predict_image_folder_skips_images_without_a_face(tmp_path, capsys):
    color, truth = _frame_and_truth()
    folder = tmp_path / "images"
    folder.mkdir()
    cv2.imwrite(str(folder / "a_face.png"), cv2.cvtColor(color, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(folder / "b_wall.png"), np.full((240, 320, 3), 128, np.uint8))
    out = tmp_path / "pts"
    assert main(["predict-image", str(folder), "--out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["written"] == [str(out / "a_face.pts")] and summary["no_face"] == [str(folder / "b_wall.png")]
    assert "no face found in" in captured.err and "b_wall.png" in captured.err
    assert np.linalg.norm(read_pts(out / "a_face.pts") - truth, axis=1).mean() < 6.0
    assert main(["predict-image", str(folder / "b_wall.png"), "--out", str(tmp_path / "x.pts")]) == 2


def test_cli_models_list_json_and_errors(tmp_path, capsys):
    assert main(["models", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["models"]}
    assert rows["dlib68"]["available"] and rows["dlib68"]["active"] and not rows["fan2d"]["available"]
    assert main(["models", "remove", "dlib68"]) == 2
    assert "cannot be removed" in capsys.readouterr().err
    assert main(["models", "activate", "fan2d"]) == 2
    assert "not installed" in capsys.readouterr().err


def test_bench_dlib_figures():
    from neuroface_studio.app.bench import bench_dlib
    res = bench_dlib(n_frames=15)
    assert res["frames_with_face"] == 15 and res["nrmse_pct"] < 5 and res["fps_tracking"] > 20


def test_cli_models_import_of_a_non_model_and_bench_fan_of_unknown_model(tmp_path, capsys):
    pytest.importorskip("torch")
    bad = tmp_path / "notes.pth"
    bad.write_text("not a model")
    store = str(tmp_path / "models")
    assert main(["models", "--store", store, "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "notes.pth is not a FAN" in err and "Traceback" not in err
    assert main(["bench", "fan", "--model", "nope", "--store", store]) == 2
    assert "unknown model 'nope'" in capsys.readouterr().err
