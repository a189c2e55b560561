"""DDK measures and speech-task proposals from simulated speech (espeak-ng voicing the plan), against its truth.

The plan (no frames rendered) gives the lips' syllable timing; simulation/speech.py voices it with
espeak-ng; analysis/ddk.py must find the syllables, the planned rate, and the repetitions.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from neuroface_studio.analysis.ddk import propose_from_sound, speech_measures
from neuroface_studio.analysis.sound import syllable_onsets
from neuroface_studio.domain.participants import Group
from neuroface_studio.domain.protocol import Protocol
from neuroface_studio.simulation.identity import make_identity
from neuroface_studio.simulation.planning import plan_recording
from neuroface_studio.simulation.speech import speak_plan

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="needs the Debian package espeak-ng (scripts/run.sh installs it)")
PROTOCOL = Protocol.from_dict(json.loads(
    (Path(__file__).resolve().parents[2] / "resources/protocols/toronto_neuroface.json").read_text()))
FPS = 50.0


def _speak(pid, group, code, seed=3, scale=0.5):
    identity = make_identity(pid, group, seed)
    task = PROTOCOL.task(code)
    plan = plan_recording(identity, task, fps=FPS, seed=seed, duration_scale=scale)
    track, truth = speak_plan(identity, task, plan, scale)
    return plan, track, truth


@pytest.mark.parametrize("code", ["PA", "PATAKA", "BBP"])
def test_syllables_rate_and_proposals_match_the_plan(code):
    plan, track, truth = _speak("SIM001", Group.HC, code)
    times = np.arange(plan.n_frames) / FPS
    onsets, info = syllable_onsets(track.mono(), track.sample_rate)
    true_onsets = np.array(truth["syllable_onsets_s"])
    assert len(onsets) == len(true_onsets) and info["snr_db"] > 30
    assert np.median(np.abs(onsets - true_onsets)) < 0.015  # acoustic onsets within 15 ms
    spans_s = [(times[a], times[b]) for a, b in plan.repetitions]
    rows, meta = speech_measures(track.mono(), track.sample_rate, track.start_s, spans_s)
    planned = (len(true_onsets) - 1) / (true_onsets[-1] - true_onsets[0])
    assert rows[0]["ddk_task_rate_syll_s"] == pytest.approx(planned, rel=0.05)  # DDK rate within 5 % of the plan
    per_rep = {"PA": 1, "PATAKA": 3, "BBP": 5}[code]
    assert [r["ddk_n_syllables"] for r in rows] == [per_rep] * len(rows)
    proposals, pmeta = propose_from_sound(track.mono(), track.sample_rate, track.start_s, times, code)
    assert proposals is not None and len(proposals) == len(plan.repetitions), pmeta
    err = [abs(p[k] - t[k]) for p, t in zip(proposals, plan.repetitions) for k in (0, 1)]
    assert np.median(err) <= 3 and max(b - a for a, b, _ in proposals) < plan.n_frames / 2  # no whole-take proposal
    assert all(0.5 <= c <= 1.0 for _a, _b, c in proposals)


def test_group_effects_als_speaks_slower_with_a_longer_voice_delay():
    _p, _t, hc = _speak("SIM001", Group.HC, "PA")
    _p, _t, als = _speak("SIM001", Group.ALS, "PA")  # the same person's look, the ALS motor profile
    assert als["planned_rate_syll_s"] < hc["planned_rate_syll_s"]
    assert np.mean(als["voice_delay_s"]) > np.mean(hc["voice_delay_s"]) + 0.01


def test_poor_sound_falls_back_to_the_lips():
    plan, track, _truth = _speak("SIM001", Group.HC, "PA")
    rng = np.random.default_rng(0)
    noisy = track.mono() + rng.normal(0, 0.3, track.n_samples).astype(np.float32)
    proposals, meta = propose_from_sound(noisy, track.sample_rate, 0.0, np.arange(plan.n_frames) / FPS, "PA")
    assert proposals is None and "too poor for proposals" in meta["why"] and "lips" not in meta["why"]
