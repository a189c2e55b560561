"""Assemble the study summary report of a project (CLI `report --study`, the Report workspace).

What it computes, reusing the project's analysis services:

* the cohort (participants, sessions, recordings, repetitions, consent, per group; recordings
  per task and group);
* landmark accuracy of every model that has landmark tracks on the evaluation frames (the
  annotators' consensus, else the simulated ground truth: :func:`app.evaluation.frames_for_evaluation`),
  scored with :func:`app.evaluation.compare` exactly as `evaluate` does (NRMSE per group, CED,
  paired tests against the first model); the tracks are read, no model is run. When a
  fine-tuned model was validated on held-out participants of this project, only they count;
* per task, HC vs each other group present: the leave-one-subject-out random forest of
  `classify` (:func:`app.kinematics.classify`) on :func:`app.kinematics.project_features`,
  ROC, AUC and its bootstrap 95% CI;
* a methods paragraph written from the settings used.

Long work follows app/jobs.py: ``progress(done, total, message)`` and a cancel token (any object
with ``.cancelled``; JobCancelled is raised when it is set).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np

from neuroface_studio.analysis.sample_size import MIN_PER_GROUP_FOR_CLASSIFIER
from neuroface_studio.app.jobs import CancelToken, JobCancelled, ProgressFn, no_progress
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.domain.participants import Group
from neuroface_studio.domain.project import now_iso
from neuroface_studio.reporting.study_report import CedCurve, CohortRow, NrmseRow, RocCurve, StudyReport
from neuroface_studio.store.errors import StoreError

#: How features are computed for the report (passed to project_features; stated in the methods).
FEATURE_SETTINGS = {"use_3d": True, "head_frame": True, "median": 5, "window_s": 5.0}
#: The classifier (app.kinematics.classify); stated in the methods.
CLASSIFIER_SETTINGS = {"n_estimators": 200, "seed": 0}
REFERENCE_GROUP = "HC"


def _check(cancel) -> None:
    if cancel is not None and cancel.cancelled:
        raise JobCancelled("report cancelled")


def groups_present(project) -> list[str]:
    present = {p.group.value for p in project.participants.values()}
    return [g.value for g in Group if g.value in present]


def cohort(project) -> tuple[list[CohortRow], dict[str, dict[str, int]]]:
    rows, per_task = [], {}
    for g in groups_present(project):
        people = [p for p in project.participants.values() if p.group.value == g]
        sessions = [s for p in people for s in project.sessions_of(p.id)]
        recs = [r for s in sessions for r in project.recordings_of(s.id)]
        rows.append(CohortRow(g, len(people), len(sessions), len(recs),
                              sum(len(project.repetitions_of(r.id)) for r in recs),
                              sum(bool(p.consent_to_share) for p in people)))
        for r in recs:
            per_task.setdefault(r.task_code, {}).setdefault(g, 0)
            per_task[r.task_code][g] += 1
    order = {c: k for k, c in enumerate(project.protocol.codes)}
    return rows, dict(sorted(per_task.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def contrasts(groups: list[str], reference: str = REFERENCE_GROUP) -> list[tuple[str, str]]:
    """(control, patient) pairs: the reference group against each other group present."""
    return [(reference, g) for g in groups if g != reference] if reference in groups else []


def classify_tasks(table, tasks: list[str], pairs: list[tuple[str, str]], cancel=None,
                   progress: ProgressFn = no_progress) -> tuple[dict, list[tuple[str, str, str]]]:
    """``{(task, patient group): classify() result}`` and ``[(task, contrast, why not)]``.

    A contrast with fewer participants per group than the minimum (analysis/sample_size.py) is not
    classified at all: the reports say "not enough participants (n=...)" instead of an AUC."""
    from neuroface_studio.app.kinematics import classifier_sample, classify
    results, skipped = {}, []
    jobs = [(t, pair) for t in tasks for pair in pairs]
    for k, (task, pair) in enumerate(jobs):
        _check(cancel)
        sample = classifier_sample(table, task, pair)
        if not sample.ok:
            skipped.append((task, f"{pair[0]} vs {pair[1]}", sample.reason))
            continue
        try:
            results[(task, pair[1])] = classify(table, task, pair, **CLASSIFIER_SETTINGS)
        except ValueError as exc:
            skipped.append((task, f"{pair[0]} vs {pair[1]}", str(exc)))
        progress(k + 1, len(jobs), f"classifier {task}, {pair[0]} vs {pair[1]}")
    return results, skipped


def _bootstrap_resamples() -> int:
    from neuroface_studio.analysis.classify import loso_random_forest
    return int(inspect.signature(loso_random_forest).parameters["n_boot"].default)


# -- landmark accuracy ----------------------------------------------------------------------------
def _track_info(session: ProjectSession, rid: str, model: str) -> dict:
    from neuroface_studio.app.landmarking import read_track
    return dict(read_track(session, rid, model).model)


def describe_model(info: dict) -> str:
    sha = str(info.get("sha256") or "")
    return (f"{info.get('name', '?')} version {info.get('version') or '?'}"
            + (f" (sha256 {sha[:12]}…)" if sha else ""))


def landmark_accuracy(session: ProjectSession, report: StudyReport, settings, cancel=None,
                      progress: ProgressFn = no_progress, participants: list[str] | None = None) -> dict[str, dict]:
    """Fill the report's NRMSE table, CED curves and comparisons (on ``participants`` only when
    given, e.g. those of a study export); returns {model: provenance}.

    Scored by :func:`app.evaluation.evaluate_project` with ``predictions="tracks"`` - the very
    function `evaluate` and Analyze use, so the same frames give the same figures - for the
    models whose tracks cover every evaluation recording (else the best-covered one)."""
    from neuroface_studio.analysis import evaluation as ev
    from neuroface_studio.app.evaluation import evaluate_project, frames_for_evaluation
    from neuroface_studio.app.landmarking import tracks_of
    try:
        frames = frames_for_evaluation(session, participants=participants)
    except ValueError as exc:
        report.nrmse_note = f"No landmark accuracy: {exc}."
        return {}
    recs = sorted(set(frames.recordings))
    tracked = {rid: set(tracks_of(session, rid)) for rid in recs}
    coverage: dict[str, int] = {}
    for rid in frames.recordings:
        for m in tracked[rid]:
            coverage[m] = coverage.get(m, 0) + 1
    if not coverage:
        report.nrmse_note = (f"No landmark accuracy: no landmark model has tracks on the {frames.source} used as "
                             "ground truth. Landmark the recordings first (`neuroface-studio landmark PROJECT "
                             "--model NAME`, or Review → Landmark), then build the report again.")
        return {}
    models = sorted(coverage, key=lambda m: (-coverage[m], m))
    common = [m for m in models if all(m in tracked[r] for r in recs)] or [models[0]]
    _check(cancel)
    try:
        res = evaluate_project(session, common, settings, participants, progress=progress, cancel=cancel,
                               predictions="tracks", held_out=True)
    except ValueError as exc:
        report.nrmse_note = f"No landmark accuracy: {exc}."
        return {}
    info = {m: _track_info(session, rid, m) for m in common
            for rid in [next(r for r in recs if m in tracked[r])]}
    groups = np.asarray([_group_of(session, key) for key in next(iter(res["models"].values()))["per_image"]])
    for m, rep in res["models"].items():
        for g, row in rep["groups"].items():
            report.nrmse_rows.append(NrmseRow(m, g, row["mean"], row["sd"], row["n"], row["missing"],
                                              median=row["median"]))
        e = np.array([np.nan if v is None else v for v in rep["per_image"].values()], np.float64)
        for g in [g for g in report.groups if g in set(groups.tolist())]:
            x, y = ev.ced(e[groups == g], settings.ced_max, 51)
            report.ced.append(CedCurve(g, m, x.tolist(), y.tolist()))
    for pair, c in res["comparisons"].items():
        a = c["paired_t_by_group"]["all"]
        report.nrmse_comparisons.append(
            f"{pair}: paired t {a['t']:.2f} (p {a['p']:.2g}, n = {a['n']} frames), SMD {a['smd']:.2f}; "
            f"Wilcoxon p (Holm) {c['wilcoxon']['p_holm']:.2g}")
    report.nrmse_data = res["frames_text"] + "; predictions: stored landmark tracks"
    report.nrmse_label = res["label"]
    left = [m for m in models if m not in common]
    if left:
        report.nrmse_comparisons.append("Not scored (tracks on only some of the evaluation recordings): "
                                        + ", ".join(left) + ".")
    return info


def _group_of(session: ProjectSession, key: str) -> str:
    """The participant group of an evaluation frame key ``<recording>-f<frame>``."""
    return session.project.participant_of(key[:key.rindex("-f")]).group.value


# -- the report ------------------------------------------------------------------------------------
def _feature_sources(session: ProjectSession, table) -> list[str]:
    out: dict[str, int] = {}
    for rid, src in table.sources.items():
        base = src.split(" + ")[0].split(" (")[0]
        if base.startswith("model "):
            try:
                base = "model " + describe_model(_track_info(session, rid, base[len("model "):]))
            except (StoreError, OSError):  # track unreadable: the model's name only
                pass
        out[base] = out.get(base, 0) + 1
    return [f"{k} ({n} recording{'s' if n != 1 else ''})" for k, n in out.items()]


def _space_and_time_text(table) -> str:
    """Methods sentences: how many recordings were measured in 2D (no depth) and on which clock."""
    if table is None:
        return ""
    spaces = list(table.spaces.values())
    n2 = spaces.count("2d_iod")
    text = (f"{n2} of {len(spaces)} recordings had no (or too little) depth and were measured in 2D, lengths in "
            "fractions of the interocular distance (outer eye corners), and are compared only with each other. "
            if n2 else "")
    index = [rid for rid, clock in table.times.items() if not clock.startswith("recorded")]
    return text + ("Times (durations, velocities, smoothness sampling) come from the recorded frame timestamps; "
                   "frames not evenly spaced were resampled linearly to a uniform grid at the camera rate"
                   + (f", except {len(index)} recording(s) without usable timestamps (frame index / fps)." if index
                      else "."))


def _methods(session: ProjectSession, report: StudyReport, table, settings, acc_models: dict) -> str:
    from neuroface_studio import __version__
    from neuroface_studio.analysis.evaluation import SUBSETS
    from neuroface_studio.analysis.features import FEATURE_NAMES
    project = session.project
    recs = list(project.recordings.values())
    fps = sorted({round(r.fps, 2) for r in recs})
    fps_text = (f"{fps[0]:g} fps" if len(fps) == 1 else f"{fps[0]:g}–{fps[-1]:g} fps") if fps else "no recordings"
    n_people = len(project.participants)
    groups = ", ".join(f"{c.participants} {c.group}" for c in report.cohort)
    n_sessions = sum(c.sessions for c in report.cohort)
    tasks = ", ".join(report.recordings_per_task) or "none"
    fs = FEATURE_SETTINGS
    text = [f"{n_people} participants ({groups}) were recorded in {n_sessions} sessions; {len(recs)} recordings "
            f"of the tasks {tasks} at {fps_text} (protocol {project.protocol.name} v{project.protocol.version})."]
    sources = _feature_sources(session, table)
    text.append("Landmarks for the kinematic features: " + ("; ".join(sources) if sources else "none") + ". "
                + (f"Landmark time series were smoothed with a {fs['median']}-point median filter, " if fs["median"] > 1
                   else "Landmark time series were not filtered, ")
                + ("lifted to 3D (mm) from the depth image aligned to colour through the colour camera's "
                   "intrinsics" if fs["use_3d"] else "kept in 2D")
                + (" and expressed in a head-fixed frame" if fs["head_frame"] else "")
                + f". {len(FEATURE_NAMES)} features per repetition: {', '.join(FEATURE_NAMES)}; smoothness "
                f"(SPARC, LDJ) on the first {fs['window_s']:g} s. " + _space_and_time_text(table))
    if report.nrmse_rows:
        models = "; ".join(describe_model(i) for i in acc_models.values())
        text.append(f"Landmark accuracy: NRMSE = root mean square point error over the {settings.subset} landmarks "
                    f"({len(SUBSETS[settings.subset])} points) divided by the ground truth's {settings.normalizer} "
                    f"distance, on {report.nrmse_data}, scored from the stored landmark tracks (the points the "
                    "kinematics use, with the tracker's face boxes; `neuroface-studio evaluate` instead runs each "
                    "model on a box around the ground truth, so its figures differ); "
                    f"models: {models}; cumulative error distribution up to "
                    f"{100 * settings.ced_max:g}%; paired t-test, SMD and Wilcoxon signed-rank with Holm-Bonferroni "
                    "correction against the first model.")
    c = CLASSIFIER_SETTINGS
    text.append(f"Classification: for each task, {REFERENCE_GROUP} against each other group, a random forest "
                f"({c['n_estimators']} trees, balanced class weights, random seed {c['seed']}, missing values "
                "replaced by the training fold's medians) on the repetition features with leave-one-subject-out "
                "cross-validation; repetition probabilities averaged per participant; ROC and AUC over participants, "
                f"95% CI by percentile bootstrap over participants ({_bootstrap_resamples()} resamples); a "
                f"classifier was built only with at least {MIN_PER_GROUP_FOR_CLASSIFIER} participants per group, and "
                "a CI with no width (every resample the same AUC) is reported as not estimable.")
    text.append(f"Software: NeuroFace Studio {__version__}.")
    return " ".join(text)


def build_study_report(session: ProjectSession, *, model: str | None = None, progress: ProgressFn | None = None,
                       cancel: CancelToken | None = None) -> StudyReport:
    """The study summary of the open project (``model``: whose landmark tracks the features use)."""
    from neuroface_studio import __version__
    from neuroface_studio.app.evaluation import EvalSettings
    from neuroface_studio.app.kinematics import project_features
    progress = progress or no_progress
    project = session.project
    if not project.recordings:
        raise ValueError(f"project {project.name} has no recordings yet: record or simulate participants first")
    settings = EvalSettings()
    groups = groups_present(project)
    rows, per_task = cohort(project)
    report = StudyReport(project=project.name, groups=groups, cohort=rows, recordings_per_task=per_task,
                         generated=now_iso(), software=f"NeuroFace Studio {__version__}",
                         normalizer=settings.normalizer, subset=settings.subset)
    progress(0, 100, "landmark accuracy")
    acc = landmark_accuracy(session, report, settings, cancel,
                            lambda d, n, m: progress(int(10 * d / max(n, 1)), 100, m))
    _check(cancel)
    table = project_features(session, model=model, **FEATURE_SETTINGS, cancel=cancel,
                             progress=lambda d, n, m: progress(10 + int(60 * d / max(n, 1)), 100, m))
    report.skipped_recordings = dict(table.skipped)
    tasks = [t for t in per_task if any(r["task"] == t for r in table.rows)]
    results, skipped = classify_tasks(table, tasks, contrasts(groups), cancel,
                                      lambda d, n, m: progress(70 + int(29 * d / max(n, 1)), 100, m))
    for (task, patient), res in results.items():
        labels = [v["label"] for v in res["participants"].values()]
        lo, hi = res["auc_ci95"]
        report.roc.append(RocCurve(task, REFERENCE_GROUP, patient, res["roc"]["fpr"], res["roc"]["tpr"], res["auc"],
                                   (lo, hi), labels.count(0), labels.count(1), res["n_repetitions"],
                                   ci_estimable=res["auc_ci95_estimable"]))
    report.roc_skipped = skipped
    if not contrasts(groups):
        report.roc_skipped.append(("all tasks", f"{REFERENCE_GROUP} vs patients",
                                   f"the project needs {REFERENCE_GROUP} participants and another group"))
    report.methods = _methods(session, report, table, settings, acc)
    _check(cancel)
    progress(100, 100, "study report assembled")
    return report


def write_study_report(session: ProjectSession, out: Path, pagesize: str = "A4", html: Path | None = None,
                       model: str | None = None, progress: ProgressFn | None = None,
                       cancel: CancelToken | None = None) -> StudyReport:
    """Build the study summary and write it as PDF (``out``, A4 or Letter) and optionally HTML."""
    from neuroface_studio.reporting.study_report import render_html, render_pdf
    out = Path(out)
    if out.suffix.lower() != ".pdf":
        raise ValueError(f"--out {out}: give a .pdf file name")
    if pagesize.upper() not in ("A4", "LETTER"):
        raise ValueError(f"page size {pagesize!r}: use A4 or Letter")
    report = build_study_report(session, model=model, progress=progress, cancel=cancel)
    render_pdf(report, out, pagesize)
    if html is not None:
        from neuroface_studio.store.atomic import atomic_write_bytes
        atomic_write_bytes(Path(html), render_html(report).encode("utf-8"))
    return report
