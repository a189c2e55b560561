"""simulate --speech: the speech tasks get an espeak-ng sound track; the frames are the same as without it;
features rows of speech tasks carry the DDK measures (scored against the simulated truth)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from neuroface_studio.app.kinematics import project_features
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
from neuroface_studio.domain.participants import Group

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="needs the Debian package espeak-ng (scripts/run.sh installs it)")


def _simulate(folder, speech):
    session = ProjectSession.create(folder)
    simulate_into_project(session, SimulationRequest(participants=1, groups=(Group.HC,), tasks=("PA", "OPEN"), fps=20,
                                                     duration_scale=0.3, annotators=0, seed=5, speech=speech))
    return session


def test_speech_adds_sound_without_changing_the_frames_and_features_carry_ddk(tmp_path):
    plain, spoken = _simulate(tmp_path / "plain", False), _simulate(tmp_path / "spoken", True)
    with plain.open_recording("SIM001-PA") as a, spoken.open_recording("SIM001-PA") as b:
        assert a.n_frames == b.n_frames and a.audio_info() is None
        assert all(np.array_equal(a.color(i), b.color(i)) for i in range(0, a.n_frames, 7))  # same seed, same frames
        info = b.audio_info()
        assert info["sample_rate"] == 22050 and info["duration_s"] == pytest.approx(b.n_frames / 20, abs=0.06)
    with spoken.open_recording("SIM001-OPEN") as c:
        assert c.audio_info() is None  # non-speech tasks stay silent
    truth = spoken.truth("SIM001-PA").meta["speech"]
    assert len(truth["syllable_onsets_s"]) == len(spoken.project.repetitions_of("SIM001-PA"))
    table = project_features(spoken)
    pa = [r for r in table.rows if r["task"] == "PA"]
    onsets = np.array(truth["syllable_onsets_s"])
    planned = (len(onsets) - 1) / (onsets[-1] - onsets[0])
    assert pa and all(r["ddk_task_rate_syll_s"] == pytest.approx(planned, rel=0.05) for r in pa)
    assert all(r["ddk_n_syllables"] == 1 for r in pa)
    assert all("ddk_rate_syll_s" not in r for r in table.rows if r["task"] == "OPEN")
    d = table.to_dict()  # JSON: a single syllable has no rate: null with a reason, never NaN
    row = next(r for r in d["rows"] if r["task"] == "PA")
    assert row["ddk_rate_syll_s"] is None and "fewer than 2 syllables" in row["why_null"]["ddk_rate_syll_s"]
    # the plain project's PA rows: no sound, the DDK columns say so
    prow = next(r for r in project_features(plain).to_dict()["rows"] if r["task"] == "PA")
    assert prow["ddk_task_rate_syll_s"] is None and prow["why_null"]["ddk_task_rate_syll_s"] == \
        "the recording has no sound track"


def test_speech_task_proposals_come_from_the_sound(tmp_path):
    from neuroface_studio.app.segmentation import propose_for_recording
    session = ProjectSession.create(tmp_path / "p")
    simulate_into_project(session, SimulationRequest(participants=1, groups=(Group.HC,), tasks=("PATAKA",), fps=30,
                                                     duration_scale=0.4, annotators=0, seed=2, speech=True))
    res = propose_for_recording(session, "SIM001-PATAKA")
    assert res.basis.startswith("from the sound") and len(res.spans) == len(res.true_spans)
    errors = np.abs(np.asarray(res.boundary_error.errors)).ravel()
    assert np.median(errors) <= 3 and all(0.5 <= s.confidence <= 1 for s in res.spans)
    assert res.to_dict()["basis"] == res.basis
