"""The per-patient PDF/HTML report on a simulated study: real content, extracted from the PDF.

The study has 5 controls and 5 ALS participants: the fewest for which z-scores and classifiers
are shown (analysis/sample_size.py). A control's own report compares them with the 4 others, too few.
"""

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
    simulate_into_project(s, SimulationRequest(participants=10, groups=("HC", "ALS"), tasks=("OPEN", "SPREAD"),
                                               fps=10, duration_scale=0.3, annotators=0, seed=5))
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
        assert line.auc == pytest.approx(res["auc"]) and line.n_participants == res["n_participants"] == 10
        assert (line.n_control, line.n_patient) == (5, 5) and line.ci_estimable == res["auc_ci95_estimable"]
    render_pdf(rep, tmp_path / "r.pdf")
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(str(tmp_path / "r.pdf")).pages).split())
    c = rep.classifiers[0]
    assert "Classifier probabilities" in text
    ci = f"{c.ci95[0]:.2f}–{c.ci95[1]:.2f}" if c.ci_estimable else "CI not estimable (n=5 HC, 5 ALS)"
    assert f"OPEN HC vs ALS {c.probability:.2f} {c.auc:.2f} {ci} 5 HC / 5 ALS" in text
    assert "1.00–1.00" not in text  # a zero-width bootstrap CI is never printed as an interval
    control = next(p for p, x in sorted(study.project.participants.items()) if x.group.value == "HC")
    assert {c.patient for c in build_report(study, control).classifiers} == {"ALS"}  # a control: vs each group


def test_classifier_skipped_with_the_reason(study, tmp_path):
    from simhelpers import copy_project

    from neuroface_studio.app.report import build_report
    from neuroface_studio.domain.participants import Group
    from neuroface_studio.reporting.patient_report import render_html, render_pdf
    session = copy_project(study.folder, tmp_path)
    als = sorted(p for p, x in session.project.participants.items() if x.group is Group.ALS)
    session.project.participants[als[0]].group = Group.HC  # 6 HC, 4 ALS: too few ALS to show a classifier
    rep = build_report(session, als[1])
    assert not rep.classifiers
    assert rep.classifier_note == ("OPEN, HC vs ALS: no classifier: not enough participants (n=6 HC, 4 ALS; at least 5 "
                                   "per group needed). SPREAD, HC vs ALS: no classifier: not enough participants "
                                   "(n=6 HC, 4 ALS; at least 5 per group needed).")
    render_pdf(rep, tmp_path / "few.pdf")
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(str(tmp_path / "few.pdf")).pages).split())
    assert rep.classifier_note in text and "Probability of patient group" not in text
    assert rep.classifier_note in render_html(rep) and "Classifier AUC" not in render_html(rep)
    for pid in als:
        session.project.participants[pid].group = Group.HC  # one group only
    rep = build_report(session, als[1])
    assert not rep.classifiers and rep.classifier_note.startswith("No classifier: the project needs HC participants")


def _z_cells(html: str) -> list[str]:
    """The z column's cells (the 4th of each features-table row) of the report's HTML."""
    import re
    return re.findall(r"<tr><td>[^<]+</td><td>[^<]*</td><td>[^<]*\(n=\d+\)</td>(<td[^>]*>[^<]*</td>)</tr>", html)


def test_z_scores_need_five_controls_and_carry_their_n(study, tmp_path):
    """An ALS participant against the 5 controls: z-scores (coloured when large) with n=5. A control
    against the 4 other controls: "not enough participants" in the z column, never a coloured
    number, and the reason once under each table, in the PDF and the HTML."""
    from neuroface_studio.app.report import build_report
    from neuroface_studio.reporting.patient_report import render_html, render_pdf
    people = sorted(study.project.participants.items())
    patient = next(p for p, x in people if x.group.value == "ALS")
    control = next(p for p, x in people if x.group.value == "HC")
    rep = build_report(study, patient, classifiers=False)
    rom = next(f for f in rep.tasks[0].features if f.name == "range_of_motion")
    assert rom.n_ref == 5 and not rom.note and rom.z == pytest.approx((rom.value - rom.ref_mean) / rom.ref_sd)
    html = render_html(rep)
    cells = _z_cells(html)
    assert len(cells) == sum(len(t.features) for t in rep.tasks) and "not enough" not in html
    assert f"{rom.ref_mean:.3g} ± {rom.ref_sd:.3g} (n=5)" in html
    big = [f for t in rep.tasks for f in t.features if abs(f.z) > 2]
    assert big and sum("background" in c for c in cells) >= len(big)  # large z-scores are coloured

    rep = build_report(study, control, classifiers=False)
    lines = [f for t in rep.tasks for f in t.features]
    reason = "not enough participants (n=4 HC controls; at least 5 needed)"
    assert all(f.n_ref == 4 and f.note == reason and f.z != f.z for f in lines)  # z is NaN: nothing to colour
    html = render_html(rep)
    cells = _z_cells(html)
    assert len(cells) == len(lines) and all(c == "<td>not enough participants</td>" for c in cells)
    assert html.count(f"z not shown: {reason}.") == len(rep.tasks)
    render_pdf(rep, tmp_path / "control.pdf")
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(str(tmp_path / "control.pdf")).pages).split())
    assert text.count(f"z not shown: {reason}.") == len(rep.tasks)
    assert "range of motion (mm)" in text and "(n=4) not enough participants" in text


def test_report_controls_are_the_analyze_controls(study):
    """The report's "controls mean ± SD (n)" and z are Analyze's: the SD is over the control
    participants' means, not over their pooled repetitions (which is smaller and inflates every z)."""
    import numpy as np

    from neuroface_studio.analysis.control_reference import control_stats, control_z_scores, participant_means
    from neuroface_studio.app.kinematics import project_features
    from neuroface_studio.app.report import build_report
    patient = next(p for p, x in sorted(study.project.participants.items()) if x.group.value == "ALS")
    rep = build_report(study, patient, classifiers=False)
    table = project_features(study)
    for sec in rep.tasks:
        means = participant_means(table.rows, sec.task)
        stats = control_stats(means)
        z = dict(zip([m["participant"] for m in means], control_z_scores(means)))[patient]
        pooled = np.array([r["range_of_motion"] for r in table.rows if r["task"] == sec.task and r["group"] == "HC"])
        for f in sec.features:
            mu, sd, n = stats[f.name]
            assert (f.ref_mean, f.ref_sd, f.n_ref) == pytest.approx((mu, sd, n)), (sec.task, f.name)
            assert f.z == pytest.approx(z[f.name]), (sec.task, f.name)  # one session: the same mean as Analyze's
        rom = next(f for f in sec.features if f.name == "range_of_motion")
        assert rom.ref_sd != pytest.approx(float(pooled.std(ddof=1)), rel=1e-3)  # not the pooled repetitions' SD


def test_study_summary_auc_carries_n_and_a_zero_width_ci_is_not_estimable(study):
    """The simulated ALS effect separates the groups perfectly: AUC 1, every bootstrap resample 1,
    so the CI is "not estimable", never "1.00 (1.00–1.00)"; each AUC says its n per group."""
    from neuroface_studio.app import study_report as sr
    from neuroface_studio.reporting.study_report import render_html, roc_table
    report = sr.build_study_report(study)
    assert {(r.task, r.n_control, r.n_patient) for r in report.roc} == {("OPEN", 5, 5), ("SPREAD", 5, 5)}
    header, rows = roc_table(report)
    for r, row in zip(report.roc, rows):
        assert row[2] == "5 HC / 5 ALS"
        if r.ci95[0] == r.ci95[1]:
            assert not r.ci_estimable and row[5] == "CI not estimable (n=5 HC, 5 ALS)"
        else:
            assert r.ci_estimable and row[5] == f"{r.ci95[0]:.2f}–{r.ci95[1]:.2f}"
    html = render_html(report)
    assert "1.00–1.00" not in html and all(f"(AUC {r.auc:.2f}; n=5/5)" in html for r in report.roc)  # ROC legends
    assert "at least 5 participants in each group" in html and "at least 5 participants per group" in report.methods
