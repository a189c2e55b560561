"""Command-line command ``batch``: run steps over every recording of a project, in parallel.

``neuroface-studio batch PROJECT --steps landmarks,segment,features[,report] [--model NAME]
[--workers N] [--scheduler ADDRESS] [--recording ID ...] [--json]``

A local process pool by default; ``--scheduler tcp://HOST:8786`` sends the same tasks to a
running Dask distributed cluster. Re-running skips what is up to date and resumes what was
interrupted. Exit status 0 when every task was done or skipped, 1 when any failed (each failure
is listed), 130 when cancelled (Ctrl-C; finished work is kept), 2 when nothing could start.
Registered by :mod:`neuroface_studio.cli`; only argparse is imported at start-up.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parsers(sub) -> None:
    """Add the ``batch`` command to the ``neuroface-studio`` subparsers ``sub``."""
    b = sub.add_parser("batch", help="run landmarks/segment/features/report over all recordings, in parallel "
                                     "(local processes or a Dask cluster)")
    b.add_argument("project", type=Path)
    b.add_argument("--steps", required=True,
                   help="comma list of landmarks, segment, features, report (run in that order); e.g. "
                        "landmarks,segment,features. segment only fills recordings without repetitions")
    b.add_argument("--model", default=None, help="landmark model (default: the active model)")
    b.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: min(cores, recordings)); ignored with --scheduler")
    b.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (its workers need "
                        "NeuroFace Studio and the project folder at the same path)")
    b.add_argument("--recording", action="append", default=None, metavar="ID",
                   help="recording to process (repeat for several; default: all)")
    b.add_argument("--2d", dest="two_d", action="store_true", help="features in 2D px instead of 3D mm from depth")
    b.add_argument("--store", type=Path, default=None, help=argparse.SUPPRESS)
    b.add_argument("--json", action="store_true")


def _text(report) -> str:
    c = report.counts()
    lines = [f"batch {','.join(report.steps)} with {report.model} on {report.executor}: {c['done']} done, "
             f"{c['skipped']} skipped (up to date or not applicable), {c['failed']} failed"
             + (f", {c['cancelled']} stopped" if c["cancelled"] else "") + f" in {report.seconds:.1f} s"]
    if report.applied:
        lines.append(f"proposed repetitions applied to {len(report.applied)} recording(s) without any: "
                     + ", ".join(report.applied))
    if report.features_csv:
        lines.append(f"features of every recording: {report.features_csv}")
    lines += [f"FAILED {r.step} {r.target}: {r.detail}" for r in report.failed]
    if report.cancelled:
        lines.append("cancelled: finished work is kept; run the same command again to resume")
    return "\n".join(lines)


def cmd_batch(args, emit, progress_printer) -> int:
    from neuroface_studio.app.batch import run_batch

    def progress(done: int, total: int, message: str) -> None:
        if not args.json:
            print(message, file=sys.stderr, flush=True)

    report = run_batch(args.project, args.steps, recording_ids=args.recording, model=args.model,
                       workers=args.workers, scheduler=args.scheduler, store_dir=args.store,
                       use_3d=not args.two_d, progress=progress)
    emit(args, report.to_dict(), _text(report))
    if report.cancelled:
        return 130
    return 1 if report.failed else 0
