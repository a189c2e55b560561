"""Command-line commands ``features`` and ``classify`` (kinematics and diagnosis, issue 8).

Registered by :mod:`neuroface_studio.cli`; only argparse is imported at start-up.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parsers(sub) -> None:
    f = sub.add_parser("features", help="per-repetition kinematic features of every recording")
    f.add_argument("project", type=Path)
    f.add_argument("--model", default=None, help="landmark track to use (default: the active model's, else any; "
                   "simulated truth on a simulated project without tracks)")
    f.add_argument("--2d", dest="two_d", action="store_true", help="2D (fractions of the interocular distance) instead of 3D mm "
                   "from depth; recordings without depth are 2D anyway")
    f.add_argument("--no-filter", action="store_true", help="no 5-point median filter")
    f.add_argument("--csv", type=Path, default=None, help="also write the table as CSV")
    f.add_argument("--json", action="store_true")
    r = sub.add_parser("report", help="per-patient assessment report, or the study summary (PDF, optionally HTML)")
    r.add_argument("project", type=Path)
    r.add_argument("--participant", default=None, help="participant ID: that participant's assessment report")
    r.add_argument("--study", action="store_true", help="the study summary: cohort, NRMSE + CED, ROC, methods")
    r.add_argument("--out", type=Path, required=True, help="FILE.pdf")
    r.add_argument("--html", type=Path, default=None, help="also write FILE.html")
    r.add_argument("--letter", action="store_true", help="US Letter pages (default A4)")
    r.add_argument("--model", default=None, help="landmark track to use (default as for `features`)")
    r.add_argument("--json", action="store_true")
    c = sub.add_parser("classify", help="patient-vs-control random forest with leave-one-subject-out ROC")
    c.add_argument("project", type=Path)
    c.add_argument("--task", required=True)
    c.add_argument("--groups", default="HC,ALS", help="control,patient (e.g. HC,PS)")
    c.add_argument("--model", default=None)
    c.add_argument("--2d", dest="two_d", action="store_true")
    c.add_argument("--trees", type=int, default=200, help=argparse.SUPPRESS)
    c.add_argument("--audio", action="store_true",
                   help="speech tasks: compare the AUC without and with the DDK measures from the sound (issue 19)")
    c.add_argument("--json", action="store_true")


def _table(args, progress_printer):
    from neuroface_studio.app.kinematics import project_features
    from neuroface_studio.app.project_service import ProjectSession
    session = ProjectSession.open(args.project)
    try:
        return project_features(session, model=args.model, use_3d=not args.two_d,
                                median=1 if getattr(args, "no_filter", False) else 5,
                                progress=progress_printer(args.json))
    finally:
        print(file=sys.stderr)


UNITS_BY_SPACE = {"3d_mm": "mm from depth", "2d_iod": "2D, fractions of the interocular distance"}


def cmd_features(args, emit, progress_printer) -> int:
    from neuroface_studio.analysis.features import FEATURE_NAMES
    table = _table(args, progress_printer)
    if args.csv is not None:
        import csv
        import io

        from neuroface_studio.store.atomic import atomic_write_bytes
        buf = io.StringIO()
        cols = ["participant", "group", "recording", "task", "repetition", "start", "end", *FEATURE_NAMES, "space"]
        from neuroface_studio.analysis.ddk import DDK_NAMES  # speech tasks' DDK measures from the sound (issue 19)
        cols += [c for c in DDK_NAMES if any(c in r for r in table.rows)]
        from neuroface_studio.store import csv_safe
        w = csv_safe.dict_writer(buf, cols, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(table.rows)
        atomic_write_bytes(args.csv, buf.getvalue().encode())
    lines = [f"{len(table.rows)} repetition(s) from {len(table.sources)} recording(s) in {table.seconds:.1f} s"]
    spaces = [table.spaces[rid] for rid in table.sources]
    lines.append("  space: " + ", ".join(f"{s} ({UNITS_BY_SPACE[s]}) {spaces.count(s)} recording(s)"
                                         for s in sorted(set(spaces))))
    for rid, source in table.sources.items():  # the exceptions: 2D without depth, no usable timestamps
        clock = table.times.get(rid, "")
        if table.spaces[rid] != "3d_mm" or not clock.startswith("recorded"):
            lines.append(f"  {rid}: {source}; time: {clock}")
    lines += [f"  skipped {rid}: {why}" for rid, why in table.skipped.items()]
    for rid in sorted({r["recording"] for r, why in zip(table.rows, table.reasons) if "range_of_motion" in why}):
        whys = [w["range_of_motion"] for r, w in zip(table.rows, table.reasons)
                if r["recording"] == rid and "range_of_motion" in w]
        lines.append(f"  {rid}: {len(whys)} repetition(s) without features: {whys[0]}")
    for task, size in table.sample_sizes().items():  # the n behind z-scores and classifiers (issue 18)
        why = size["z_scores"]["not_enough"]
        lines.append(f"  {task}: " + ", ".join(f"{n} {g}" for g, n in size["participants"].items())
                     + " participant(s)" + (f"; z-scores against HC: {why}" if why else ""))
    if args.csv is not None:
        lines.append(f"wrote {args.csv}")
    emit(args, table.to_dict(), "\n".join(lines))
    return 0


def cmd_classify(args, emit, progress_printer) -> int:
    from neuroface_studio.app.kinematics import classify
    groups = tuple(g.strip() for g in args.groups.split(","))
    if len(groups) != 2:
        raise ValueError("--groups takes two groups: control,patient (e.g. HC,ALS)")
    table = _table(args, progress_printer)
    if getattr(args, "audio", False):
        from neuroface_studio.app.ddk_classify import classify_with_and_without_audio
        both = classify_with_and_without_audio(table, args.task, groups, n_estimators=args.trees)
        v, a = both["video_only"], both["with_audio"]
        if v["not_enough"]:  # the JSON keeps both AUCs, flagged; the text does not print them as findings
            emit(args, both, f"{args.task}, {groups[0]} vs {groups[1]}: no AUC shown, {v['not_enough']}")
            return 0
        emit(args, both, f"{args.task}, {groups[0]} vs {groups[1]}, leave-one-subject-out, {v['n_participants']} "
             f"participants: AUC {v['auc']:.2f} from the lips alone, {a['auc']:.2f} with the sound's DDK measures "
             f"({', '.join(both['audio_features'])})")
        return 0
    res = classify(table, args.task, groups, n_estimators=args.trees)
    emit(args, res, "\n".join(classify_lines(res)))
    return 0


def classify_lines(res: dict) -> list[str]:
    """The text output of ``classify``: the AUC with its CI and n per group, or, below the minimum
    (analysis/sample_size.py), "not enough participants" and no AUC or probabilities (the JSON
    keeps them, with ``not_enough`` saying why they are not a finding)."""
    from neuroface_studio.analysis.sample_size import auc_text, classifier_sample
    a, b = res["groups"]
    sample = classifier_sample(res["n_per_group"])
    head = (f"{res['task']}, {a} vs {b}: {auc_text(res['auc'], res['auc_ci95'], sample, res['auc_ci95_resamples'])}"
            f", {res['n_repetitions']} repetitions, leave-one-subject-out")
    if not sample.ok:
        return [head.replace(": not enough", ": no AUC shown, not enough", 1)]
    lines = [head]
    lines += [f"  {p}: {v['probability']:.2f} ({res['groups'][v['label']]})" for p, v in res["participants"].items()]
    lines.append("top features: " + ", ".join(f"{k} {v:.2f}" for k, v in list(res["importances"].items())[:5]))
    return lines


def cmd_report(args, emit, progress_printer) -> int:
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.report import write_report
    if args.study and args.participant is not None:
        raise ValueError("give either --participant ID (one participant's report) or --study (the study summary), "
                         "not both")
    if not args.study and args.participant is None:
        raise ValueError("say which report: --participant ID (one participant's report) or --study (the study summary)")
    session = ProjectSession.open(args.project)
    if args.study:
        return _study_report(args, session, emit, progress_printer)
    rep = write_report(session, args.participant, args.out, "LETTER" if args.letter else "A4", args.html, args.model)
    emit(args, {"pdf": str(args.out), "html": str(args.html) if args.html else None, "participant": rep.participant,
                "tasks": [t.task for t in rep.tasks], "landmarks": rep.landmarks},
         f"wrote {args.out}" + (f" and {args.html}" if args.html else "") + f" ({len(rep.tasks)} task(s); "
         f"landmarks: {rep.landmarks})")
    return 0


def _study_report(args, session, emit, progress_printer) -> int:
    from neuroface_studio.app.study_report import write_study_report
    try:
        rep = write_study_report(session, args.out, "LETTER" if args.letter else "A4", args.html, args.model,
                                 progress=progress_printer(args.json))
    finally:
        print(file=sys.stderr)
    aucs = [{"task": r.task, "contrast": r.contrast, "auc": r.auc, "auc_ci95": list(r.ci95),
             "auc_ci95_estimable": r.ci_estimable, "participants": [r.n_control, r.n_patient],
             "n_per_group": {r.control: r.n_control, r.patient: r.n_patient}} for r in rep.roc]
    from neuroface_studio.analysis.evaluation import json_safe
    nrmse = json_safe([{"model": r.model, "group": r.group, "mean": r.mean, "median": r.median, "sd": r.sd, "n": r.n,
                        "missing": r.missing} for r in rep.nrmse_rows])
    lines = [f"wrote {args.out}" + (f" and {args.html}" if args.html else "")
             + f": {sum(c.participants for c in rep.cohort)} participants in {len(rep.cohort)} group(s)"]
    lines += ([f"  {rep.nrmse_label}"] if rep.nrmse_rows else []) + (
        [f"  NRMSE {r.model} {r.group}: {100 * r.mean:.2f} ± {100 * r.sd:.2f}% (median {100 * r.median:.2f}%, "
         f"n = {r.n} frames, {r.missing} missing)" for r in rep.nrmse_rows if r.group == "all"]
        or [f"  {rep.nrmse_note}"])
    from neuroface_studio.reporting.study_report import roc_auc_text
    lines += [f"  {r.task} {r.contrast}: {roc_auc_text(r)}" for r in rep.roc]
    lines += [f"  {t} {c}: no classifier: {why}" for t, c, why in rep.roc_skipped]
    emit(args, {"pdf": str(args.out), "html": str(args.html) if args.html else None, "study": True,
                "cohort": [vars(c) for c in rep.cohort], "nrmse": nrmse, "nrmse_label": rep.nrmse_label,
                "nrmse_units": "fraction of the normalising distance (x100 = %)", "nrmse_frames": rep.nrmse_data,
                "nrmse_note": rep.nrmse_note, "roc": aucs,
                "roc_skipped": [list(x) for x in rep.roc_skipped], "methods": rep.methods}, "\n".join(lines))
    return 0
