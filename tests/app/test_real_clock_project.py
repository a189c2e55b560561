"""Issue 15 in a real project: a recording with dropped frames (irregular timestamps) and no depth.

The recording file is a real HDF5 recording written by RecordingWriter, as a live take with
drops or an imported video leaves it: frames at 0, 1/30, 3/30, 7/30, ... s, depth all zero. Its
landmarks are a face (interocular distance 100 px) whose inner lips open at 60 px/s (0.6
interocular distances per second) to 30 px, hold, and close at 40 px/s. Hand computation:
``duration`` = last frame time - first + 1/30 s; peak opening velocity 0.6 IOD/s; range of motion
0.3 IOD. ``features`` must give these numbers in 2D (``space`` "2d_iod", stated), as valid JSON.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from neuroface_studio.app.kinematics import project_features
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.cli import main

FPS = 30.0
IOD_PX = 100.0


def _no_nan(text: str):
    def reject(constant):
        raise ValueError(f"bare {constant} in JSON output")
    return json.loads(text, parse_constant=reject)


def _times() -> np.ndarray:
    k, steps, i = [0], (1, 2, 4, 1, 1, 2), 0
    while k[-1] < 3.0 * FPS:
        k.append(k[-1] + steps[i % len(steps)])
        i += 1
    return np.array(k[:-1], np.float64) / FPS


def _aperture_px(t: np.ndarray) -> np.ndarray:
    """Rest to 0.3 s, open 60 px/s for 0.5 s (30 px), hold 0.3 s, close 40 px/s for 0.75 s, rest."""
    return np.interp(t, [0.0, 0.3, 0.8, 1.1, 1.85, 3.0], [0.0, 0.0, 30.0, 30.0, 0.0, 0.0])


def _landmarks(t: np.ndarray) -> np.ndarray:
    angles = np.linspace(0, 2 * np.pi, 68, endpoint=False)
    base = np.stack([320 + 90 * np.cos(angles), 260 + 110 * np.sin(angles)], axis=1)
    base[36], base[39], base[42], base[45] = (270, 200), (300, 200), (340, 200), (370, 200)  # IOD 100 px
    base[27:31] = [(320, 200), (320, 215), (320, 230), (320, 245)]
    base[31:36] = [(305, 255), (312, 257), (320, 258), (328, 257), (335, 255)]
    base[48], base[54], base[62], base[66], base[57] = (290, 290), (350, 290), (320, 285), (320, 285), (320, 300)
    p = np.repeat(base[None], len(t), axis=0)
    a = _aperture_px(t)
    p[:, 66, 1] += a
    p[:, 57, 1] += a
    return p


@pytest.fixture
def drops_project(tmp_path):
    return _make_project(tmp_path, np.zeros((480, 640), np.uint16))


def _make_project(tmp_path, depth: np.ndarray, tasks=("OPEN", "REST"), stamps=None):
    from neuroface_studio.domain.camera import CameraInfo, Intrinsics
    from neuroface_studio.domain.participants import Participant, Session
    from neuroface_studio.domain.recordings import Recording, Repetition
    from neuroface_studio.domain.truth import GroundTruth
    from neuroface_studio.store.recording_file import RecordingWriter
    from neuroface_studio.store.truth_file import write_truth

    s = ProjectSession.create(tmp_path / "proj", name="drops")
    intr = Intrinsics(640, 480, 615.0, 615.0, 320.0, 240.0)
    cam = CameraInfo(color=intr, depth=intr, device="video without depth")
    s.project.add_participant(Participant("P001", "HC"))
    s.project.add_session(Session("P001-S1", "P001", "2026-01-05"))
    t = _times()
    px = _landmarks(t)
    for task in tasks:
        rid = f"P001-{task}"
        with RecordingWriter(s.folder / f"recordings/{rid}.h5", rid, task, FPS, cam, "2026-01-05T10:00:00") as w:
            for ts in (100.0 + t if stamps is None else stamps):
                w.append(np.zeros((480, 640, 3), np.uint8), depth, ts)
        write_truth(s.folder / f"truth/{rid}.h5", GroundTruth(
            px, np.full((len(t), 68, 3), np.nan), np.zeros((len(t), 3)), np.zeros(len(t), bool),
            np.array([[0, len(t) - 1]]), {"simulator_version": "handmade"}))
        s.project.add_recording(Recording(rid, "P001-S1", task, FPS, len(t), cam, f"recordings/{rid}.h5",
                                          "2026-01-05T10:00:00", truth_file=f"truth/{rid}.h5"))
    s.project.add_repetition(Repetition("P001-OPEN", 0, len(t) - 1, "manual"))
    s.save("test setup")
    return s.folder, t


def test_features_use_the_timestamps_and_fall_back_to_2d_without_depth(drops_project):
    folder, t = drops_project
    session = ProjectSession.open(folder)
    table = project_features(session, ["P001-OPEN"])
    assert not table.skipped and len(table.rows) == 1
    row = table.rows[0]
    assert row["space"] == table.spaces["P001-OPEN"] == "2d_iod"
    assert "2D in interocular distances" in table.sources["P001-OPEN"] and "no depth" in table.sources["P001-OPEN"]
    assert "irregular" in table.times["P001-OPEN"]
    assert row["duration"] == pytest.approx(t[-1] - t[0] + 1 / FPS, abs=1e-9)  # 3 s, not len(t) / 30
    assert row["duration"] > 1.5 * len(t) / FPS
    assert row["range_of_motion"] == pytest.approx(30 / IOD_PX, rel=1e-6)
    assert row["peak_opening_velocity"] == pytest.approx(60 / IOD_PX, rel=1e-6)
    assert row["peak_closing_velocity"] == pytest.approx(40 / IOD_PX, rel=1e-6)


def test_features_json_is_valid_with_null_reasons_and_csv_names_the_space(drops_project, capsys, tmp_path):
    folder, t = drops_project
    out = tmp_path / "f.csv"
    assert main(["features", str(folder), "--json", "--csv", str(out)]) == 0
    data = _no_nan(capsys.readouterr().out)
    row = data["rows"][0]
    assert set(data["features"]) <= set(row) and row["space"] == "2d_iod" and data["spaces"] == {"P001-OPEN": "2d_iod"}
    assert data["units_by_space"]["2d_iod"]["peak_opening_velocity"] == "IOD/s"
    assert data["units"]["range_of_motion"] == "IOD"  # every recording here is 2D
    assert row["brow_asymmetry"] is None and "do not move" in row["why_null"]["brow_asymmetry"]
    assert row["duration"] == pytest.approx(t[-1] + 1 / FPS)
    # REST is not segmented: the reason says so (not "segment the recording first")
    assert "not divided into repetitions" in data["skipped"]["P001-REST"]
    header = out.read_text().splitlines()[0].split(",")
    assert header[-1] == "space" and out.read_text().splitlines()[1].endswith(",2d_iod")
    assert main(["features", str(folder)]) == 0
    text = capsys.readouterr().out
    assert "2d_iod" in text and "P001-OPEN: simulated truth, 2D in interocular distances" in text


def test_skip_reasons_say_what_state_the_recording_is_in(drops_project):
    from neuroface_studio.app.kinematics import _why_no_repetitions
    folder, _ = drops_project
    session = ProjectSession.open(folder)
    session.project.repetitions = []
    assert "no repetitions yet: segment the recording" in _why_no_repetitions(session, "P001-OPEN", None)
    session.project.log("tester", "segment", "proposed repetitions applied: P001-OPEN: 0 from lip_aperture (dlib68)")
    why = _why_no_repetitions(session, "P001-OPEN", None)
    assert "found none" in why and "by hand" in why
    assert "no landmark track of fan" in _why_no_repetitions(session, "P001-OPEN", "fan")


def test_report_states_2d_and_real_durations(drops_project):
    from neuroface_studio.app.report import build_report
    folder, t = drops_project
    session = ProjectSession.open(folder)
    rep = build_report(session, "P001", classifiers=False)
    assert "depth" not in rep.landmarks.replace("no depth", "") and "2D in interocular distances" in rep.landmarks
    assert "recorded frame timestamps" in rep.landmarks
    row = next(r for r in rep.protocol_rows if r["task"] == "OPEN")
    assert row["seconds"] == pytest.approx(t[-1] - t[0] + np.median(np.diff(t)))  # as `project info` says
    sec = next(s for s in rep.tasks if s.task == "OPEN")
    assert sec.time_s == pytest.approx(list(t))
    units = {f.name: f.unit for f in sec.features}
    assert units["range_of_motion"] == "IOD" and units["duration"] == "s"
    value = {f.name: f.value for f in sec.features}
    assert value["peak_opening_velocity"] == pytest.approx(0.6, rel=1e-6)


@pytest.mark.parametrize("depth_from_x, space", [(0, "3d_mm"), (300, "2d_iod")])
def test_3d_or_2d_is_decided_per_recording_by_the_landmarks_with_depth(tmp_path, depth_from_x, space):
    """Depth everywhere: 3D mm. Depth only right of x = 300 (the face's left side has holes): too
    few landmarks with depth for 3D, so 2D, and the source says how many had depth."""
    depth = np.zeros((480, 640), np.uint16)
    depth[:, depth_from_x:] = 600
    folder, t = _make_project(tmp_path, depth, tasks=("OPEN",))
    table = project_features(ProjectSession.open(folder), ["P001-OPEN"])
    row = table.rows[0]
    assert row["space"] == space
    assert row["duration"] == pytest.approx(t[-1] + 1 / FPS)  # the same either way: time never needs depth
    if space == "3d_mm":
        assert table.sources["P001-OPEN"].endswith("+ depth (3D mm)")
        mm_per_px = 600 / 615.0  # pinhole: depth / focal length
        assert row["range_of_motion"] == pytest.approx(30 * mm_per_px, rel=0.02)
        assert row["peak_opening_velocity"] == pytest.approx(60 * mm_per_px, rel=0.02)
    else:
        why = table.sources["P001-OPEN"]
        assert "% of the landmarks have depth (3D needs 90%)" in why and "no depth in this" not in why
        assert row["range_of_motion"] == pytest.approx(0.3, rel=1e-6)


def test_broken_timestamps_fall_back_to_index_over_fps_and_say_so(tmp_path, capsys):
    """An old or damaged file whose timestamps do not increase: frame index / fps, stated."""
    n = len(_times())
    folder, _ = _make_project(tmp_path, np.zeros((480, 640), np.uint16), tasks=("OPEN",), stamps=np.zeros(n))
    table = project_features(ProjectSession.open(folder), ["P001-OPEN"])
    assert table.rows[0]["duration"] == pytest.approx(n / FPS)
    assert table.times["P001-OPEN"].startswith("frame index / 30 fps (timestamps are not increasing")
    assert main(["features", str(folder)]) == 0
    assert "time: frame index / 30 fps (timestamps are not increasing" in capsys.readouterr().out
