"""Command-line command ``segment``: propose repetitions for a project's recordings.

``neuroface-studio segment PROJECT [--recording ID ...] [--model NAME] [--apply] [--json]``
reports per-recording proposals (and, for simulated recordings, the boundary error against the
true spans); ``--apply`` replaces each recording's repetitions by the proposals and saves the
project (audit-logged), except repetitions a person made or edited (kept, and listed, unless
``--replace-edited``). Registered by :mod:`neuroface_studio.cli` (same top layer); only
argparse is imported at start-up.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parsers(sub) -> None:
    """Add the ``segment`` command to the ``neuroface-studio`` subparsers ``sub``."""
    s = sub.add_parser("segment", help="propose repetitions from kinematic traces (and apply them)")
    s.add_argument("project", type=Path)
    s.add_argument("--recording", action="append", default=None, metavar="ID",
                   help="recording to segment (repeat for several; default: all)")
    s.add_argument("--model", default=None,
                   help="landmarks of this model (default: the active model's track, else any track, "
                        "else landmark with dlib68 first)")
    s.add_argument("--apply", action="store_true",
                   help="replace the recordings' repetitions by the proposals and save the project "
                        "(repetitions a person made or edited are kept)")
    s.add_argument("--replace-edited", action="store_true",
                   help="with --apply: replace repetitions a person made or edited too")
    s.add_argument("--store", type=Path, default=None, help=argparse.SUPPRESS)
    s.add_argument("--json", action="store_true")


def _text(report, applied: list[str], summary: dict, kept: list[str]) -> str:
    lines = []
    for r in report.results:
        if r.params is not None and not r.segmented:
            lines.append(f"{r.recording_id:<22} {r.task_code:<7} not segmented")
            continue
        if r.problem:
            lines.append(f"{r.recording_id:<22} {r.task_code:<7} no proposal: {r.problem}")
            continue
        spans = " ".join(f"{s.start}-{s.end}" for s in r.spans)
        err = ""
        if r.boundary_error is not None:
            be = r.boundary_error
            mean = "n/a" if be.mean_abs is None else f"{be.mean_abs:.1f}"
            err = f"  [vs truth: {mean} frames, {be.misses} missed, {be.extras} extra]"
        clock = "" if r.time_source.startswith("recorded timestamps (uniform") else f"  [time: {r.time_source}]"
        lines.append(f"{r.recording_id:<22} {r.task_code:<7} {len(r.spans):2d} from {r.trace} ({r.model}): "
                     f"{spans}{err}{clock}")
    if "boundary_error_frames" in summary:
        be = summary["boundary_error_frames"]
        shown = "n/a" if be is None else f"{be:.2f}"
        lines.append(f"boundary error vs simulated truth: {shown} frames (mean absolute, all recordings); "
                     f"{summary.get('misses', 0)} missed, {summary.get('extras', 0)} extra")
        for cat, v in summary.get("boundary_error_frames_by_category", {}).items():
            lines.append(f"  {cat}: {'n/a' if v is None else f'{v:.2f}'} frames")
    for task, t in summary.get("by_task", {}).items():
        med = "n/a" if t["median_abs"] is None else f"{t['median_abs']:.1f}"
        lines.append(f"  {task}: median {med} frames, {t['misses']} missed, {t['extras']} extra "
                     f"of {t['true']} true ({t['recordings']} recording(s))")
    lines.append(f"applied to {len(applied)} recording(s) and saved" if applied
                 else "nothing changed in the project (use --apply to save the proposals)")
    if kept:
        lines.append(f"kept {len(kept)} recording(s) whose repetitions a person made or edited: {', '.join(kept)} "
                     "(--replace-edited replaces them too)")
    return "\n".join(lines)


def cmd_segment(args, emit, progress_printer) -> int:
    from neuroface_studio.app.jobs import CancelToken, JobCancelled
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.segmentation import (
        apply_proposals, log_segmentation, persons_recordings, propose_for_project,
    )
    session = ProjectSession.open(args.project)
    token = CancelToken()
    try:
        report = propose_for_project(session, args.recording, model=args.model,
                                     progress=progress_printer(args.json), cancel=token, store_dir=args.store)
    except KeyboardInterrupt:  # Ctrl-C: landmarks done so far are in the track files
        raise JobCancelled("interrupted") from None
    finally:
        print(file=sys.stderr)
    kept = [] if args.replace_edited or not args.apply else persons_recordings(session, report.results)
    applied = apply_proposals(session, report.results, keep=kept) if args.apply else []
    log_segmentation(session, report.results, applied)
    protocol = session.project.protocol

    def category(code: str) -> str:
        return protocol.task(code).category if code in protocol.codes else "unknown"

    summary = report.summary(category)
    data = report.to_dict(category)
    data["applied"], data["kept"] = applied, kept
    emit(args, data, _text(report, applied, summary, kept))
    return 0
