"""DDK measures in the participant report (app/report.py) for a speech task with sound, not for one without.

Simulated speech (espeak-ng, `simulate --speech`): the report's PA section lists the whole task's
syllable rate next to the lip kinematics, within 5 % of the planned rate, compared with the controls;
an OPEN section (no sound) has no DDK lines. PDF and HTML print them by name.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.app.report import build_report
from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
from neuroface_studio.domain.participants import Group

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="needs the Debian package espeak-ng (scripts/run.sh installs it)")


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    session = ProjectSession.create(tmp_path_factory.mktemp("ddk") / "p")
    simulate_into_project(session, SimulationRequest(participants=3, groups=(Group.HC, Group.ALS), tasks=("PA", "OPEN"),
                                                     fps=20, duration_scale=0.3, annotators=0, seed=5, speech=True))
    return session


def test_report_has_ddk_lines_for_the_speech_task_with_sound(spoken, tmp_path):
    from neuroface_studio.reporting.patient_report import render_html, render_pdf
    patient = next(p for p, x in spoken.project.participants.items() if x.group.value == "ALS")
    report = build_report(spoken, patient, classifiers=False)
    pa = next(s for s in report.tasks if s.task == "PA")
    names = [f.name for f in pa.features]
    assert names[0] == "range_of_motion" and "ddk_task_rate_syll_s" in names and "ddk_n_syllables" in names
    line = next(f for f in pa.features if f.name == "ddk_task_rate_syll_s")
    onsets = np.array(spoken.truth(f"{patient}-PA").meta["speech"]["syllable_onsets_s"])
    assert line.unit == "syll/s" and line.value == pytest.approx((len(onsets) - 1) / (onsets[-1] - onsets[0]), rel=0.05)
    assert line.n_ref >= 1 and np.isfinite(line.ref_mean)  # against the controls' PA sound
    opening = next(s for s in report.tasks if s.task == "OPEN")
    assert not any(f.name.startswith("ddk_") for f in opening.features)
    html = render_html(report)
    assert "DDK syllable rate, whole task (syll/s)" in html
    render_pdf(report, tmp_path / "r.pdf")
    assert (tmp_path / "r.pdf").stat().st_size > 5000


