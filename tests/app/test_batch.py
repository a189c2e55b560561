"""`batch`: steps x recordings on a local process pool and on a local Dask cluster (issue 10).

One tiny simulated study (2 participants, OPEN, 10 fps, ~2.5 s each); SIM002-OPEN has its
repetitions removed so that the segment step has one recording to fill. Every run is compared
with one uninterrupted process-pool run (tracks, features files, repetitions).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("dlib")

from simhelpers import simulate_project  # noqa: E402

from neuroface_studio.app import batch, batch_tasks, landmarking  # noqa: E402
from neuroface_studio.app.jobs import CancelToken, JobCancelled  # noqa: E402
from neuroface_studio.app.project_service import ProjectSession  # noqa: E402
from neuroface_studio.cli import main  # noqa: E402
from neuroface_studio.store.tracks_file import read_track, track_path  # noqa: E402

STEPS = "landmarks,segment,features"
MODEL = "dlib68"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:  # workers inherit it: a private model store
        mp.setenv("NEUROFACE_HOME", str(tmp_path_factory.mktemp("home")))
        yield


@pytest.fixture(scope="module")
def master(tmp_path_factory, home):
    folder = simulate_project(tmp_path_factory.mktemp("sim") / "proj", participants=2, tasks=("OPEN",), fps=10,
                              duration_scale=0.25, annotators=0)
    session = ProjectSession.open(folder)
    session.project.repetitions = [r for r in session.project.repetitions if r.recording_id != "SIM002-OPEN"]
    session.save("test", "no repetitions on SIM002-OPEN: the batch segments it")
    return folder


def _copy(master, tmp_path, name="proj"):
    folder = tmp_path / name
    shutil.copytree(master, folder)
    return folder


@pytest.fixture(scope="module")
def reference(master, tmp_path_factory):
    """One uninterrupted process-pool run: (folder, report)."""
    folder = _copy(master, tmp_path_factory.mktemp("ref"))
    messages = []
    report = batch.run_batch(folder, STEPS, workers=2, progress=lambda d, t, m: messages.append(m))
    return folder, report, messages


def _outputs(folder) -> dict:
    """Everything a batch run produces, comparable across project copies."""
    session = ProjectSession.open(folder)
    out = {}
    for rid in sorted(session.project.recordings):
        track = read_track(track_path(folder, rid, MODEL))
        out[rid] = {"landmarks": track.landmarks_px, "frames_done": track.frames_done,
                    "repetitions": [(r.start_frame, r.end_frame, r.source) for r in session.project.repetitions_of(rid)],
                    "features": batch_tasks.features_path(folder, rid, MODEL).read_bytes()}
    out["csv"] = (folder / "features" / f"{MODEL}.csv").read_bytes()
    return out


def _assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if k == "csv":
            assert a[k] == b[k]
            continue
        np.testing.assert_array_equal(a[k]["landmarks"], b[k]["landmarks"])
        assert {n: v for n, v in a[k].items() if n != "landmarks"} == {n: v for n, v in b[k].items() if n != "landmarks"}


def test_process_pool_run_writes_tracks_and_features_and_fills_missing_repetitions(reference):
    folder, report, messages = reference
    assert report.counts() == {"done": 5, "skipped": 1, "failed": 0, "cancelled": 0}  # SIM001's repetitions kept
    assert report.applied == ["SIM002-OPEN"] and not report.cancelled
    assert "local process pool, 2 worker(s)" in report.executor
    session = ProjectSession.open(folder)
    assert {r.source for r in session.project.repetitions_of("SIM001-OPEN")} == {"truth"}  # never replaced
    proposed = session.project.repetitions_of("SIM002-OPEN")
    assert proposed and {r.source for r in proposed} == {"proposed"}
    entry = session.project.audit_log[-1]
    assert entry.action == "batch" and "SIM002-OPEN" in entry.detail and "5 done" in entry.detail
    for rid in ("SIM001-OPEN", "SIM002-OPEN"):
        assert read_track(track_path(folder, rid, MODEL)).complete
        data = json.loads(batch_tasks.features_path(folder, rid, MODEL).read_text())
        assert data["rows"] and data["inputs"]["model"] == MODEL and len(data["key"]) == 64
        assert len(data["rows"]) == len(session.project.repetitions_of(rid))
    csv_lines = (folder / "features" / f"{MODEL}.csv").read_text().splitlines()
    assert csv_lines[0].startswith("participant,group,recording") and len(csv_lines) == 1 + sum(
        len(session.project.repetitions_of(r)) for r in session.project.recordings)
    # progress: one line per task, with the counts and an ETA while tasks remain
    assert len(messages) == 6 and messages[-1].startswith("[6/6]") and "5 done, 1 skipped, 0 failed" in messages[-1]
    assert any("ETA" in m for m in messages[:-1])


def test_second_run_skips_everything_without_starting_workers_and_changes_nothing(reference, tmp_path):
    ref_folder, _, _ = reference
    folder = _copy(ref_folder, tmp_path)
    before = _outputs(folder)
    log = len(ProjectSession.open(folder).project.audit_log)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(batch._Executor, "_start", lambda self: pytest.fail("a worker was started"))
        report = batch.run_batch(folder, STEPS, workers=2)
    assert report.counts()["skipped"] == 6 and report.counts()["done"] == 0
    assert {r.detail for r in report.results if r.step == "features"} == {"features up to date"}
    _assert_same(_outputs(folder), before)
    assert len(ProjectSession.open(folder).project.audit_log) == log  # nothing done: no save
    # a human edit of the repetitions makes exactly that recording's features stale
    session = ProjectSession.open(folder)
    reps = session.project.repetitions_of("SIM002-OPEN")
    session.project.repetitions.remove(reps[-1])
    session.save("test", "annotator removed a repetition")
    report = batch.run_batch(folder, "features", workers=1)
    assert [(r.target, r.status) for r in report.results] == [("SIM001-OPEN", "skipped"), ("SIM002-OPEN", "done")]


def test_cancel_half_way_then_resume_equals_uninterrupted(master, reference, tmp_path, monkeypatch):
    folder = _copy(master, tmp_path)
    # a recording killed mid-way earlier: half its track is on disk
    monkeypatch.setattr(landmarking, "CHUNK_FRAMES", 4)
    session = ProjectSession.open(folder)
    token = CancelToken()

    def stop_half_way(done, total, message):
        if done >= total // 2:
            token.cancel()
    with pytest.raises(JobCancelled):
        landmarking.landmark_recording(session, "SIM001-OPEN", MODEL, progress=stop_half_way, cancel=token)
    partial = read_track(track_path(folder, "SIM001-OPEN", MODEL))
    assert 0 < partial.frames_done < partial.n_frames
    # a batch cancelled after its first finished task: nothing more is submitted, finished work kept
    token = CancelToken()
    report = batch.run_batch(folder, STEPS, workers=1, progress=lambda d, t, m: token.cancel(), cancel=token)
    assert report.cancelled and report.counts()["done"] + report.counts()["cancelled"] >= 1
    assert len(report.results) < 6
    first = report.results[0]
    assert first.step == "landmarks" and first.target == "SIM001-OPEN"
    assert first.status == "cancelled" or f"resumed at frame {partial.frames_done}" in first.detail
    # resume: the rest is done, and everything equals the uninterrupted run
    report = batch.run_batch(folder, STEPS, workers=1)
    assert not report.cancelled and not report.failed
    _assert_same(_outputs(folder), _outputs(reference[0]))


def test_a_corrupt_recording_fails_alone_with_a_clear_message(master, tmp_path, capsys):
    folder = _copy(master, tmp_path)
    bad = folder / ProjectSession.open(folder).project.recordings["SIM001-OPEN"].file
    bad.write_bytes(b"this is not an HDF5 file" * 10)
    rc = main(["batch", str(folder), "--steps", STEPS, "--workers", "1"])
    out, err = capsys.readouterr()
    assert rc == 1
    failed = [line for line in out.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and failed[0].startswith("FAILED landmarks SIM001-OPEN: ") and bad.name in failed[0]
    assert "features SIM001-OPEN: skipped (not run: landmarks failed)" in err
    assert "1 failed" in out and "3 done" in out  # SIM002-OPEN: landmarks, segment, features
    assert batch_tasks.features_path(folder, "SIM002-OPEN", MODEL).is_file()
    assert not batch_tasks.features_path(folder, "SIM001-OPEN", MODEL).exists()


def test_local_dask_cluster_gives_the_same_results_as_the_process_pool(master, reference, tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    folder = _copy(master, tmp_path)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        rc = main(["batch", str(folder), "--steps", STEPS + ",report", "--scheduler", cluster.scheduler_address,
                   "--json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert data["executor"].startswith("Dask cluster at tcp://") and data["counts"]["failed"] == 0
    assert data["applied_repetitions"] == ["SIM002-OPEN"]
    _assert_same(_outputs(folder), _outputs(reference[0]))
    # one report per participant, after the recordings' steps
    assert sorted((t["step"], t["target"], t["status"]) for t in data["tasks"][-2:]) == [
        ("report", "SIM001", "done"), ("report", "SIM002", "done")]
    for pid in ("SIM001", "SIM002"):
        assert batch_tasks.report_path(folder, pid).read_bytes().startswith(b"%PDF")


def test_clear_errors_before_any_work(master, tmp_path, capsys):
    folder = _copy(master, tmp_path)
    assert main(["batch", str(folder), "--steps", "landmarks,faces"]) == 2
    assert "unknown step(s) faces" in capsys.readouterr().err
    assert main(["batch", str(folder), "--steps", "features", "--recording", "NOPE"]) == 2
    assert "unknown recording(s) NOPE" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9.*dask scheduler"):
        batch.connect("tcp://127.0.0.1:9", timeout="1s")
    assert not (folder / "tracks").exists()
