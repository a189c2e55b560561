"""The per-patient PDF/HTML report on a simulated study: real content, extracted from the PDF."""

from __future__ import annotations

import pytest

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("reportlab")

from neuroface_studio.app.project_service import ProjectSession  # noqa: E402
from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project  # noqa: E402
from neuroface_studio.cli import main  # noqa: E402


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
