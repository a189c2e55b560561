"""Assemble a participant's assessment report from a project (CLI `report`, later the Report workspace).

Features come from :func:`app.kinematics.project_features` over the participant's recordings and
the control group's (the reference range and z-scores); a speech task with sound adds its DDK
measures (analysis/ddk.py: syllables, rate, interval mean and CV, speech duration, lip-to-voice
delay) after the kinematic ones, compared the same way; the trace per task from the stored
landmarks (:func:`app.segmentation.trace_for_recording`, else the simulated truth). Reports are
written for any participant (they stay in the lab); the report states whether the participant
consented to sharing, so whoever hands it on can see it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neuroface_studio.analysis.control_reference import control_stats, participant_means, z_against
from neuroface_studio.analysis.ddk import DDK_NAMES, DDK_UNITS
from neuroface_studio.analysis.features import SPACE_3D, units_of
from neuroface_studio.analysis.sample_size import z_sample
from neuroface_studio.analysis.take_quality import recording_verdict
from neuroface_studio.analysis.traces import compute_trace
from neuroface_studio.app.frame_times import recording_times
from neuroface_studio.app.head_pose import frontal_summary
from neuroface_studio.app.kinematics import FeatureTable, project_features
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.domain.project import now_iso
from neuroface_studio.reporting.patient_report import ClassifierLine, FeatureLine, PatientReport, TaskSection

REPORT_FEATURES = ("range_of_motion", "peak_opening_velocity", "peak_closing_velocity", "duration", "width_range",
                   "corner_asymmetry", "lower_lip_path", "jaw_range", "sparc", "ldj")


def _trace(session: ProjectSession, rid: str) -> tuple[str, np.ndarray]:
    from neuroface_studio.app.segmentation import task_trace_name, trace_for_recording
    name = task_trace_name(session, rid)
    try:
        return name, trace_for_recording(session, rid)
    except ValueError:
        truth = session.truth(rid)
        if truth is None:
            return name, np.full(session.project.recordings[rid].n_frames, np.nan)
        return name, compute_trace(name, truth.landmarks_px.astype(np.float64))


def _mean(rows: list[dict], feature: str) -> float:
    v = np.array([r.get(feature, np.nan) for r in rows], np.float64)
    v = v[np.isfinite(v)]
    return float(v.mean()) if v.size else float("nan")


def participant_classifiers(table: FeatureTable, project, participant_id: str, tasks: list[str],
                            reference_group: str = "HC", cancel=None) -> tuple[list[ClassifierLine], str]:
    """Per task, the participant's leave-one-subject-out probability of the patient group (their
    own group against the reference; for a control, each other group present) and that
    classifier's AUC; and a note saying which could not be built and why."""
    from neuroface_studio.app.study_report import classify_tasks, contrasts, groups_present
    group = project.participants[participant_id].group.value
    present = groups_present(project)
    if reference_group not in present or len(present) < 2:
        return [], (f"No classifier: the project needs {reference_group} participants and a patient group "
                    f"(groups here: {', '.join(present)}).")
    pairs = [p for p in contrasts(present, reference_group) if group in p]
    results, skipped = classify_tasks(table, tasks, pairs, cancel)
    lines = []
    for (task, patient), res in results.items():
        mine = res["participants"].get(participant_id)
        if mine is None:
            continue
        n = res["n_per_group"]
        lines.append(ClassifierLine(task, reference_group, patient, mine["probability"], res["auc"],
                                    tuple(res["auc_ci95"]), res["n_participants"], n[reference_group], n[patient],
                                    res["auc_ci95_estimable"]))
    return lines, " ".join(f"{t}, {c}: no classifier: {why}." for t, c, why in skipped)


def build_report(session: ProjectSession, participant_id: str, reference_group: str = "HC",
                 table: FeatureTable | None = None, model: str | None = None,
                 classifiers: bool = True, cancel=None) -> PatientReport:
    """The participant's report. ``classifiers``: also the LOSO classifier per task (features of every
    recording are then needed); ``cancel`` (an app.jobs.CancelToken) is checked between classifiers."""
    project = session.project
    if participant_id not in project.participants:
        raise ValueError(f"no participant {participant_id!r} in this project; see `neuroface-studio project info`")
    participant = project.participants[participant_id]
    sessions = project.sessions_of(participant_id)
    recs = [r for s in sessions for r in project.recordings_of(s.id)]
    if not recs:
        raise ValueError(f"participant {participant_id} has no recordings yet")
    if table is None:
        if classifiers:  # the classifiers need every participant's features
            table = project_features(session, sorted(project.recordings), model=model)
        else:
            controls = [r.id for r in project.recordings.values()
                        if project.participant_of(r.id).group.value == reference_group]
            table = project_features(session, sorted({r.id for r in recs} | set(controls)), model=model)
    ref_rows = [r for r in table.rows if r["group"] == reference_group and r["participant"] != participant_id]
    clocks = {}
    n_ref = len({r["participant"] for r in ref_rows})
    protocol_rows, tasks, symmetry, over_time = [], [], [], {}
    for rec in recs:
        reps = project.repetitions_of(rec.id)
        # issue 15: from the head pose of the landmarks (the live feedback's thresholds); the capture's
        # own figure only when there is no track yet; never the simulator's truth
        pose = frontal_summary(session, rec.id, model)
        frontal = pose.frontal_fraction if pose is not None else rec.quality.get("frontal_fraction")
        session_id = rec.session_id
        times = recording_times(session, rec.id)
        clocks[rec.id] = times
        try:
            task = project.protocol.task(rec.task_code)
        except (KeyError, ValueError):
            task = None
        verdict = recording_verdict(rec, task)  # issue 18: the recording quality gate's, stored with the take
        protocol_rows.append({"recording": rec.id, "session": session_id, "task": rec.task_code,
                              "frames": rec.n_frames, "seconds": times.duration_s, "repetitions": len(reps),
                              "frontal": frontal, "dropped": int(rec.quality.get("dropped", 0) or 0),
                              "quality": verdict.to_dict() if verdict is not None else None})
        mine = [r for r in table.rows if r["recording"] == rec.id]
        name, trace = _trace(session, rec.id)
        date = next(s.date for s in sessions if s.id == session_id)
        t = times.t_s if times.n == len(trace) else np.arange(len(trace)) / rec.fps
        last = len(t) - 1
        sec = TaskSection(rec.task_code, getattr(task, "name", rec.task_code), name, t.tolist(), trace.tolist(),
                          [(float(t[min(r.start_frame, last)]), float(t[min(r.end_frame, last)]) + 1.0 / times.rate_hz)
                           for r in reps],
                          session=f"session {session_id}, {date}" if len(sessions) > 1 else "")
        space = table.spaces.get(rec.id, SPACE_3D)  # compare like with like: mm with mm, IOD with IOD
        units = {**units_of(space), **DDK_UNITS}
        ddk = tuple(f for f in DDK_NAMES if np.isfinite(_mean(mine, f)))  # issue 19: a speech task with sound
        # the controls as Analyze sees them: each control participant's mean over their repetitions,
        # then mean ± SD over those participants (analysis/control_reference.py); same space only
        ref_means = participant_means(ref_rows, rec.task_code, control=reference_group)
        stats = control_stats(ref_means, space, reference_group, REPORT_FEATURES + ddk)
        for f in REPORT_FEATURES + ddk:
            value = _mean(mine, f)
            mu, sd, n = stats[f]
            # issue 18: no z against too few control participants (their repetitions do not count as more)
            sample = z_sample(n, reference_group)
            sec.features.append(FeatureLine(f, units[f], value, mu, sd, z_against(value, stats[f], reference_group),
                                            n_ref=n, note=sample.reason))
        if mine:
            label = f"{rec.task_code} ({date})" if len(sessions) > 1 else rec.task_code
            symmetry.append((label, _mean(mine, "corner_asymmetry"), _mean(mine, "brow_asymmetry")))
        tasks.append(sec)
        if len(sessions) > 1:
            for f in ("range_of_motion", "peak_opening_velocity", "sparc"):
                over_time.setdefault(f"{rec.task_code} {f}", []).append((date, _mean(mine, f)))
    lines, note = [], ""
    if classifiers:
        lines, note = participant_classifiers(table, project, participant_id,
                                              list(dict.fromkeys(r.task_code for r in recs)), reference_group, cancel)
        for sec in tasks:
            sec.probability = next((c.probability for c in lines if c.task == sec.task), None)
    sources = sorted(set(table.sources.get(r.id, "") for r in recs) - {""})
    clock = sorted({c.describe() if not c.from_timestamps else "recorded frame timestamps" for c in clocks.values()})
    if sources:
        sources[-1] += "; time: " + ", ".join(clock)
    from neuroface_studio import __version__
    return PatientReport(
        project=project.name, participant=participant_id, group=participant.group.value,
        sessions=[(s.id, s.date) for s in sessions], protocol_rows=protocol_rows,
        landmarks="; ".join(sources) or "none (no landmarks)",
        reference=f"{n_ref} {reference_group} participant(s) of this project, mean ± SD of their participant means",
        tasks=tasks, symmetry=symmetry, over_time=over_time, generated=now_iso(),
        software=f"NeuroFace Studio {__version__}", consent_to_share=participant.consent_to_share,
        classifiers=lines, classifier_note=note)


def write_report(session: ProjectSession, participant_id: str, out: Path, pagesize: str = "A4",
                 html: Path | None = None, model: str | None = None, classifiers: bool = True,
                 cancel=None) -> PatientReport:
    """Build and write the report. With ``classifiers`` the report depends on every participant's
    features (the LOSO classifiers), not only on this participant's."""
    from neuroface_studio.reporting.patient_report import render_html, render_pdf
    out = Path(out)
    if out.suffix.lower() != ".pdf":
        raise ValueError(f"--out {out}: give a .pdf file name")
    report = build_report(session, participant_id, model=model, classifiers=classifiers, cancel=cancel)
    render_pdf(report, out, pagesize)
    if html is not None:
        from neuroface_studio.store.atomic import atomic_write_bytes
        atomic_write_bytes(Path(html), render_html(report).encode("utf-8"))
    return report



