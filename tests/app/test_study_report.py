"""The study summary (PDF + HTML) and the patient report of a two-session participant, on a small
simulated study with two sessions per participant and two fake landmark models' tracks."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("reportlab")

from simhelpers import simulate_project  # noqa: E402

from neuroface_studio.app import study_report as sr  # noqa: E402
from neuroface_studio.app.jobs import CancelToken, JobCancelled  # noqa: E402
from neuroface_studio.app.project_service import ProjectSession  # noqa: E402
from neuroface_studio.cli import main  # noqa: E402
from neuroface_studio.store.tracks_file import TrackWriter, track_path  # noqa: E402

TREES = 25  # fewer trees than the app's 200: the suite stays fast; the report states what it used
NOISE = {"fanA": 3.0, "fanB": 1.0}  # px of noise of each fake model's track around the truth


def _fake_tracks(session: ProjectSession) -> None:
    """Each 'model' = the simulated truth + Gaussian noise, written as a real track file."""
    for k, (name, noise) in enumerate(NOISE.items()):
        rng = np.random.default_rng(k)
        for rid in sorted(session.project.recordings):
            t = session.truth(rid).landmarks_px
            pts = (t + rng.normal(0, noise, t.shape)).astype(np.float32)
            info = {"name": name, "version": "1", "sha256": f"{k}" * 64, "architecture": "test", "origin": "test",
                    "licence": "test", "extra": {}}
            with TrackWriter.open(track_path(session.folder, rid, name), rid, len(t), info, {}, "2026-01-01") as w:
                w.write(0, pts, np.ones(pts.shape[:2], np.float32), np.zeros(len(t), bool))


@pytest.fixture(scope="module", autouse=True)
def few_trees():
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(sr.CLASSIFIER_SETTINGS, "n_estimators", TREES)
        yield


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = simulate_project(tmp_path_factory.mktemp("study") / "p", participants=4, groups=("HC", "ALS"),
                              tasks=("OPEN",), fps=8, duration_scale=0.25, annotators=0, seed=2, sessions=2)
    session = ProjectSession.open(folder)
    _fake_tracks(session)
    return session


@pytest.fixture(scope="module")
def written(study, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    pdf, html = out / "study.pdf", out / "study.html"
    report = sr.write_study_report(study, pdf, "A4", html=html)
    reader = pypdf.PdfReader(str(pdf))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return report, reader, text, html.read_text()


def test_cohort_and_methods_are_the_projects(written):
    report, reader, text, _ = written
    assert [(c.group, c.participants, c.sessions, c.recordings, c.repetitions) for c in report.cohort] == \
        [("HC", 2, 4, 4, 20), ("ALS", 2, 4, 4, 20)]
    assert report.recordings_per_task == {"OPEN": {"HC": 4, "ALS": 4}}
    assert "Study summary" in text and "Cohort" in text and "Total 4 8 8 40" in text
    m = report.methods
    assert "4 participants (2 HC, 2 ALS)" in m and "8 sessions" in m and "at 8 fps" in m
    assert "fanA version 1 (sha256 000000000000…)" in m and "fanB version 1" in m  # the tracks' provenance
    assert "intercanthal" in m and "nojaw landmarks (51 points)" in m and "from the stored landmark tracks" in m
    assert f"({TREES} trees" in m and "1000 resamples" in m and "range_of_motion" in m and "ldj" in m
    from neuroface_studio import __version__
    assert f"NeuroFace Studio {__version__}" in m
    assert m[:60] in text  # the methods paragraph is in the PDF
    assert 2 <= len(reader.pages) <= 4 and not any(page.images for page in reader.pages)


def test_nrmse_printed_is_the_computed_one(study, written):
    from neuroface_studio.analysis import evaluation as ev
    from neuroface_studio.app.evaluation import frames_for_evaluation
    from neuroface_studio.app.landmarking import read_track
    report, _, text, html = written
    frames = frames_for_evaluation(study)  # independently: the truth frames and the tracks
    truth = np.stack(frames.truth)
    groups = np.array(frames.groups)
    for name in NOISE:
        pred = np.stack([read_track(study, r, name).points(f) for r, f in zip(frames.recordings, frames.frames)])
        err, _ = ev.nrmse(pred, truth, "intercanthal", "nojaw")
        for g in ("all", "HC", "ALS"):
            e = err if g == "all" else err[groups == g]
            row = next(r for r in report.nrmse_rows if r.model == name and r.group == g)
            assert row.mean == pytest.approx(e.mean()) and row.n == len(e)
            cell = f"{100 * e.mean():.2f} ± {100 * e.std(ddof=1):.2f} ({len(e)})"
            assert cell in text and cell in html
    a = next(r for r in report.nrmse_rows if r.model == "fanA" and r.group == "all")
    b = next(r for r in report.nrmse_rows if r.model == "fanB" and r.group == "all")
    assert b.mean < a.mean  # less noise, lower error
    assert any(line.startswith("fanA vs fanB: paired t") for line in report.nrmse_comparisons)
    assert {c.group for c in report.ced} == {"HC", "ALS"} and {c.model for c in report.ced} == set(NOISE)


def test_two_per_group_gives_no_auc_but_says_why_with_the_n(study, written):
    """2 HC and 2 ALS: fewer than the 5 per group a classifier needs (analysis/sample_size.py), so the
    summary prints no AUC and no CI (it printed "AUC 1.00 (1.00–1.00)" from 4 participants before
    issue 18) but the reason with the n; the AUC and CI as computed on 5 per group are in
    tests/app/test_report.py."""
    from neuroface_studio.app.kinematics import classifier_sample, project_features
    report, _, text, html = written
    assert not report.roc
    why = "not enough participants (n=2 HC, 2 ALS; at least 5 per group needed)"
    assert report.roc_skipped == [("OPEN", "HC vs ALS", why)]
    assert classifier_sample(project_features(study, **sr.FEATURE_SETTINGS), "OPEN").reason == why
    assert f"OPEN, HC vs ALS: not computed: {why}." in text and f"not computed: {why}." in html
    assert "No classifier could be built." in text and "AUC" not in text.split("Methods")[0].split("LOSO ROC")[1]


def test_figures_are_vector_drawings(written):
    report, reader, _, html = written
    ops = b"".join(page.get_contents().get_data() for page in reader.pages)
    assert len(re.findall(rb"[\d.]+ [\d.]+ l\b", ops)) > 100  # line segments of the CED and ROC curves
    assert html.count("<svg") == 2  # CED per group (HC, ALS); no ROC from 2 participants per group
    assert "CED, HC" in html and "ROC, OPEN" not in html and "<img" not in html


def test_cli_study_json_and_letter(study, tmp_path, capsys):
    pdf = tmp_path / "s.pdf"
    assert main(["report", str(study.folder), "--study", "--out", str(pdf), "--letter", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["study"] is True and out["roc"] == [] and out["roc_skipped"][0][1] == "HC vs ALS"
    assert out["roc_skipped"][0][2].startswith("not enough participants (n=2 HC, 2 ALS;")
    assert {(r["model"], r["group"]) for r in out["nrmse"]} >= {("fanA", "all"), ("fanB", "ALS")}
    box = pypdf.PdfReader(str(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # US Letter


def test_cli_participant_and_study_are_exclusive(study, tmp_path, capsys):
    pdf = str(tmp_path / "x.pdf")
    assert main(["report", str(study.folder), "--study", "--participant", "SIM001", "--out", pdf]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: give either --participant ID (one participant's report) or --study (the study summary), " \
                  "not both"
    assert main(["report", str(study.folder), "--out", pdf]) == 2
    assert "say which report: --participant ID" in capsys.readouterr().err
    assert main(["report", str(study.folder), "--study", "--out", str(tmp_path / "x.txt")]) == 2
    assert "give a .pdf file name" in capsys.readouterr().err


def test_progress_and_cancel(study, tmp_path):
    seen = []
    token = CancelToken()

    def progress(done, total, message):
        seen.append((done, total, message))
        if "repetition(s)" in message:  # features of the first recording done
            token.cancel()

    with pytest.raises(JobCancelled):
        sr.write_study_report(study, tmp_path / "c.pdf", progress=progress, cancel=token)
    assert not (tmp_path / "c.pdf").exists()
    assert seen[0][:2] == (0, 100) and all(t == 100 for _, t, _ in seen)
    assert not any(m.startswith("classifier") for _, _, m in seen)  # stopped at the features


def test_no_tracks_no_second_group_says_why(tmp_path):
    session = ProjectSession.open(simulate_project(tmp_path / "p", participants=1, groups=("ALS",), tasks=("OPEN",),
                                                   fps=8, duration_scale=0.2, annotators=0))
    report = sr.build_study_report(session)
    assert not report.nrmse_rows and "no landmark model has tracks" in report.nrmse_note
    assert not report.roc and "needs HC participants and another group" in report.roc_skipped[-1][2]
    from neuroface_studio.reporting.study_report import render_html
    assert "no landmark model has tracks" in render_html(report)


def test_two_session_patient_report_has_change_over_time(study, tmp_path):
    from neuroface_studio.app.report import write_report
    patient = next(p for p, x in sorted(study.project.participants.items()) if x.group.value == "ALS")
    pdf, html = tmp_path / "p.pdf", tmp_path / "p.html"
    rep = write_report(study, patient, pdf, "A4", html)
    dates = [d for _, d in rep.sessions]
    assert len(dates) == 2 and [d for d, _ in rep.over_time["OPEN range_of_motion"]] == dates
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages).split())
    assert "Change over time" in text and all(d in text for d in dates)
    (_, a), (_, b) = rep.over_time["OPEN range_of_motion"]
    assert f"OPEN range of motion {a:.3g} {b:.3g} {b - a:+.3g}" in text  # the computed values, and their change
    assert f"session {patient}-S2, {dates[1]}" in text
    assert not rep.classifiers  # 2 per group: no probability or AUC, the reason instead
    assert "OPEN, HC vs ALS: no classifier: not enough participants (n=2 HC, 2 ALS; at least 5 per group needed)." \
        in text and "Probability of patient group" not in text
    assert "Change over time" in html.read_text()
