"""The per-patient PDF/HTML report on a simulated study: real content, extracted from the PDF."""

from __future__ import annotations

import pytest

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("reportlab")

from neuroface_studio.app.project_service import ProjectSession  # noqa: E402
from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project  # noqa: E402
from neuroface_studio.cli import main  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def few_trees():
    """The classifier sections use 25 trees here instead of 200 (speed); the AUC is still the computed one."""
    from neuroface_studio.app import study_report
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(study_report.CLASSIFIER_SETTINGS, "n_estimators", 25)
        yield


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    s = ProjectSession.create(tmp_path_factory.mktemp("rep") / "study")
    simulate_into_project(s, SimulationRequest(participants=5, groups=("HC", "ALS"), tasks=("OPEN", "SPREAD"), fps=15,
                                               duration_scale=0.4, annotators=0, seed=5))
    return s


def test_report_pdf_and_html_carry_the_participants_numbers(study, tmp_path):
    patient = next(p for p, x in sorted(study.project.participants.items()) if x.group.value == "ALS")
    pdf, html = tmp_path / "r.pdf", tmp_path / "r.html"
    assert main(["report", str(study.folder), "--participant", patient, "--out", str(pdf), "--html", str(html)]) == 0
    reader = pypdf.PdfReader(str(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert 1 <= len(reader.pages) <= 4
    assert f"Participant {patient}" in text and "Protocol completed" in text
    assert "OPEN" in text and "SPREAD" in text and "range of motion (mm)" in text and "Controls mean" in text
    assert "simulated truth + depth (3D mm)" in text
    from neuroface_studio.app.report import build_report
    rep = build_report(study, patient)
    rom = next(f for f in rep.tasks[0].features if f.name == "range_of_motion")
    assert f"{rom.value:.3g}" in text  # the number in the PDF is the computed one
    assert not any(page.images for page in reader.pages)  # never a face image
    consented = study.project.participants[patient].consent_to_share
    assert ("consented to sharing." if consented else "NOT consented to sharing") in " ".join(text.split())
    page_html = html.read_text()
    assert "<svg" in page_html and patient in page_html


def test_report_errors(study, tmp_path, capsys):
    assert main(["report", str(study.folder), "--participant", "NOPE", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "no participant 'NOPE'" in capsys.readouterr().err
    some = sorted(study.project.participants)[0]
    assert main(["report", str(study.folder), "--participant", some, "--out", str(tmp_path / "x.txt")]) == 2


def test_classifier_probabilities_per_task(study, tmp_path):
    from neuroface_studio.app.kinematics import classify, project_features
    from neuroface_studio.app.report import build_report
    from neuroface_studio.reporting.patient_report import render_pdf
    patient = next(p for p, x in sorted(study.project.participants.items()) if x.group.value == "ALS")
    rep = build_report(study, patient)
    assert [(c.task, c.control, c.patient) for c in rep.classifiers] == [("OPEN", "HC", "ALS"), ("SPREAD", "HC", "ALS")]
    table = project_features(study)
    for line in rep.classifiers:  # the participant's own LOSO probability and the classifier's AUC
        res = classify(table, line.task, ("HC", "ALS"), n_estimators=25, seed=0)
        assert line.probability == pytest.approx(res["participants"][patient]["probability"])
        assert line.auc == pytest.approx(res["auc"]) and line.n_participants == res["n_participants"] == 5
    render_pdf(rep, tmp_path / "r.pdf")
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(str(tmp_path / "r.pdf")).pages).split())
    c = rep.classifiers[0]
    assert "Classifier probabilities" in text
    assert f"OPEN HC vs ALS {c.probability:.2f} {c.auc:.2f} {c.ci95[0]:.2f}–{c.ci95[1]:.2f} 5" in text
    control = next(p for p, x in sorted(study.project.participants.items()) if x.group.value == "HC")
    assert {c.patient for c in build_report(study, control).classifiers} == {"ALS"}  # a control: vs each group


def test_classifier_skipped_with_the_reason(study, tmp_path):
    from simhelpers import copy_project

    from neuroface_studio.app.report import build_report
    from neuroface_studio.domain.participants import Group
    session = copy_project(study.folder, tmp_path)
    als = sorted(p for p, x in session.project.participants.items() if x.group is Group.ALS)
    session.project.participants[als[0]].group = Group.HC  # one ALS participant left: too few for LOSO
    rep = build_report(session, als[1])
    assert not rep.classifiers and "at least 2 participants in each group" in rep.classifier_note
    for pid in als:
        session.project.participants[pid].group = Group.HC  # one group only
    rep = build_report(session, als[1])
    assert not rep.classifiers and rep.classifier_note.startswith("No classifier: the project needs HC participants")
