"""The simulated clinic written into a real project folder, through the real store."""

import json

import numpy as np
import pytest

from neuroface_studio.app.jobs import CancelToken, JobCancelled
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
from neuroface_studio.cli import main
from neuroface_studio.domain.participants import Group

SMALL = dict(fps=15.0, duration_scale=0.25, tasks=("OPEN",))


def test_simulated_project_is_complete_and_consistent(tmp_path):
    s = ProjectSession.create(tmp_path / "p")
    pids = simulate_into_project(s, SimulationRequest(participants=3, annotators=2, seed=5, **SMALL))
    assert pids == ["SIM001", "SIM002", "SIM003"]
    q = ProjectSession.open(tmp_path / "p")  # everything was saved
    assert [q.project.participants[p].group for p in pids] == [Group.HC, Group.ALS, Group.PS]
    rec = q.project.recordings["SIM002-OPEN"]
    truth = q.truth(rec.id)
    with q.open_recording(rec.id) as r:
        assert r.complete and r.n_frames == rec.n_frames == truth.n_frames
        assert r.color(0).shape == (480, 640, 3) and r.depth(0).dtype == np.uint16
    reps = q.project.repetitions_of(rec.id)
    assert [(x.start_frame, x.end_frame) for x in reps] == [tuple(x) for x in truth.repetitions]
    assert len(reps) == 5 and all(x.source == "truth" for x in reps)
    sets = q.project.landmark_sets_of(rec.id)
    assert {x.source.annotator_id for x in sets} == {"sim-A", "sim-B"}
    for ls in sets:  # simulated annotators are close to, but not exactly, the truth
        err = np.linalg.norm(ls.points_px - truth.landmarks_px[ls.frame_index], axis=1)
        assert 0 < err.mean() < 6
    assert q.project.audit_log[-1].action == "simulate"


def test_same_seed_same_data(tmp_path):
    runs = []
    for name in ("a", "b"):
        s = ProjectSession.create(tmp_path / name)
        simulate_into_project(s, SimulationRequest(participants=1, seed=11, **SMALL))
        with s.open_recording("SIM001-OPEN") as r:
            runs.append((r.color(3).copy(), r.depth(3).copy(), s.truth("SIM001-OPEN").landmarks_px))
    for x, y in zip(*runs):
        assert np.array_equal(x, y)


def test_cancel_keeps_completed_recordings_and_removes_the_partial_one(tmp_path):
    s = ProjectSession.create(tmp_path / "p")
    token = CancelToken()
    seen = []

    def progress(done, total, message):
        seen.append(message)
        if "SIM002-OPEN" in message:
            token.cancel()

    with pytest.raises(JobCancelled):
        simulate_into_project(s, SimulationRequest(participants=2, **SMALL), progress=progress, cancel=token)
    q = ProjectSession.open(tmp_path / "p")
    assert list(q.project.recordings) == ["SIM001-OPEN"]
    assert list(q.project.participants) == ["SIM001"] and list(q.project.sessions) == ["SIM001-S1"]
    assert sorted(p.name for p in (tmp_path / "p" / "recordings").iterdir()) == ["SIM001-OPEN.h5"]


def test_cli_simulate_json_and_no_effect(tmp_path, capsys):
    target = tmp_path / "null"
    assert main(["simulate", str(target), "--create", "--participants", "2", "--groups", "HC,ALS",
                 "--tasks", "OPEN", "--fps", "15", "--duration-scale", "0.25", "--no-effect", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["participants"] == [{"id": "SIM001", "group": "HC"}, {"id": "SIM002", "group": "ALS"}]
    assert main(["project", "info", str(target), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {p["id"]: p["group"] for p in info["participants"]} == {"SIM001": "HC", "SIM002": "ALS"}
    assert ProjectSession.open(target).truth("SIM002-OPEN").meta["no_effect"] is True


def test_sessions_one_is_the_simulator_as_before(tmp_path):
    """sessions=1 (the default) writes exactly what the simulator wrote before sessions existed
    (truth checksum pinned for simulator version 1, measured with the previous code)."""
    import hashlib

    from neuroface_studio.simulation import clinic
    s = ProjectSession.create(tmp_path / "p")
    simulate_into_project(s, SimulationRequest(participants=1, seed=11, **SMALL))
    assert list(s.project.sessions) == ["SIM001-S1"] and s.project.sessions["SIM001-S1"].date == "2026-01-16"
    truth = s.truth("SIM001-OPEN").landmarks_px
    if clinic.SIMULATOR_VERSION == "1":
        assert truth.shape == (49, 68, 2)
        assert hashlib.sha256(np.round(truth, 3).tobytes()).hexdigest() == \
            "9a72283fb41995eb795ca525f4e7ee6969f5a7691831833560b11719d262b8d0"


def test_two_sessions_follow_up_weeks_later_with_progression(tmp_path):
    from neuroface_studio.simulation import clinic
    tiny = dict(fps=8.0, duration_scale=0.2, tasks=("OPEN",), annotators=0, groups=(Group.HC, Group.ALS), seed=4)
    one = ProjectSession.create(tmp_path / "one")
    simulate_into_project(one, SimulationRequest(participants=2, **tiny))
    two = ProjectSession.create(tmp_path / "two")
    simulate_into_project(two, SimulationRequest(participants=2, sessions=2, **tiny))
    p = two.project
    assert sorted(p.sessions) == ["SIM001-S1", "SIM001-S2", "SIM002-S1", "SIM002-S2"]
    assert sorted(p.recordings) == ["SIM001-OPEN", "SIM001-S2-OPEN", "SIM002-OPEN", "SIM002-S2-OPEN"]
    assert p.recordings["SIM002-S2-OPEN"].session_id == "SIM002-S2"
    from datetime import date
    gap = date.fromisoformat(p.sessions["SIM002-S2"].date) - date.fromisoformat(p.sessions["SIM002-S1"].date)
    assert gap.days == 7 * clinic.FOLLOW_UP_WEEKS
    for rid in ("SIM001-OPEN", "SIM002-OPEN"):  # the first session is exactly the one-session simulation
        assert np.array_equal(one.truth(rid).landmarks_px, two.truth(rid).landmarks_px)
        assert len(p.repetitions_of(rid)) == len(one.project.repetitions_of(rid))

    assert not np.array_equal(two.truth("SIM001-OPEN").landmarks_px[:20], two.truth("SIM001-S2-OPEN").landmarks_px[:20])
    first = {g: clinic.make_identity("P1", g, 3) for g in (Group.HC, Group.ALS, Group.PS, Group.PD)}
    later = {g: clinic.follow_up_identity(i, 1) for g, i in first.items()}
    assert later[Group.HC] == first[Group.HC]  # controls do not change
    assert later[Group.ALS].amplitude < 0.9 * first[Group.ALS].amplitude  # ALS progresses: smaller, slower
    assert later[Group.ALS].speed > first[Group.ALS].speed
    assert later[Group.PD].amplitude < first[Group.PD].amplitude
    assert first[Group.PS].side_factor < later[Group.PS].side_factor < 1  # stroke: partly recovers
    assert clinic.follow_up_identity(clinic.make_identity("P1", Group.ALS, 3, no_effect=True), 2).amplitude == \
        clinic.make_identity("P1", Group.ALS, 3, no_effect=True).amplitude  # no-effect: never changes
    assert p.audit_log[-1].detail.endswith("2 sessions each")
    with pytest.raises(ValueError, match="sessions must be between 1 and"):
        SimulationRequest(sessions=0)


def test_cli_simulate_sessions(tmp_path, capsys):
    target = tmp_path / "p"
    assert main(["simulate", str(target), "--create", "--participants", "1", "--groups", "ALS", "--tasks", "OPEN",
                 "--fps", "10", "--duration-scale", "0.2", "--annotators", "0", "--sessions", "2", "--json"]) == 0
    capsys.readouterr()
    assert sorted(ProjectSession.open(target).project.sessions) == ["SIM001-S1", "SIM001-S2"]
    assert main(["simulate", str(target), "--sessions", "9"]) == 2
    assert "sessions must be between 1 and 6" in capsys.readouterr().err
