"""Command-line command ``annotations``: choose frames, export/import, agreement, recovery.

``neuroface-studio annotations ACTION PROJECT ...``:

* ``select`` - choose frames to annotate per recording (peaks of movement, frames the model
  is unsure about, shape clusters) and add them to the project's annotation queue;
* ``queue`` - the queue and each annotator's progress;
* ``export`` - iBUG .pts folders (1-based) or CSV; only consenting participants unless
  ``--all-participants``;
* ``import`` - .pts folders or CSV, with ``--dry-run`` to see what would be skipped and why;
* ``agreement`` - inter-annotator NRMSE per point group;
* ``recover`` - replay annotation edits a crashed session left in the journal, then save.

Registered by :mod:`neuroface_studio.cli`; only argparse is imported at start-up.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parsers(sub) -> None:
    a = sub.add_parser("annotations", help="frames to annotate, export/import, agreement, recovery")
    acts = a.add_subparsers(dest="action", metavar="ACTION", required=True)

    s = acts.add_parser("select", help="choose frames to annotate and add them to the queue")
    s.add_argument("project", type=Path)
    s.add_argument("--per-recording", type=int, default=5)
    s.add_argument("--recording", action="append", default=None, metavar="ID")
    s.add_argument("--model", default=None, help="landmark track used to choose (default: the active model)")
    s.add_argument("--replace", action="store_true", help="replace the queue instead of adding to it")
    s.add_argument("--store", type=Path, default=None, help=argparse.SUPPRESS)
    s.add_argument("--json", action="store_true")

    q = acts.add_parser("queue", help="the frames queued for annotation and who has done them")
    q.add_argument("project", type=Path)
    q.add_argument("--json", action="store_true")

    e = acts.add_parser("export", help="write annotations as .pts folders or a CSV file")
    e.add_argument("project", type=Path)
    e.add_argument("--out", type=Path, required=True, help="a folder (pts) or a .csv file (csv)")
    e.add_argument("--format", choices=["pts", "csv"], default="pts")
    e.add_argument("--which", default="annotators", help="annotators (each their own), consensus, or one annotator ID")
    e.add_argument("--all-participants", action="store_true",
                   help="include participants who did not consent to sharing (for use inside the lab only)")
    e.add_argument("--json", action="store_true")

    i = acts.add_parser("import", help="add annotations from .pts folders or a CSV file")
    i.add_argument("project", type=Path)
    i.add_argument("source", type=Path, help="folder of <recording>_f<frame>.pts, folder of annotator folders, or .csv")
    i.add_argument("--annotator", default=None, help="whose annotations these are (required for a plain .pts folder)")
    i.add_argument("--dry-run", action="store_true", help="only report what would be imported and skipped")
    i.add_argument("--json", action="store_true")

    g = acts.add_parser("agreement", help="inter-annotator agreement (NRMSE per point group)")
    g.add_argument("project", type=Path)
    g.add_argument("--json", action="store_true")

    r = acts.add_parser("recover", help="replay unsaved annotation edits from the journal and save")
    r.add_argument("project", type=Path)
    r.add_argument("--json", action="store_true")

    d = acts.add_parser("discard", help="drop unsaved annotation edits left in the journal (cannot be undone)")
    d.add_argument("project", type=Path)
    d.add_argument("--json", action="store_true")


def cmd_annotations(args, emit, progress_printer) -> int:
    import sys

    from neuroface_studio.app import annotation as ann
    from neuroface_studio.app import annotation_io as aio
    from neuroface_studio.app.project_service import ProjectSession

    session = ProjectSession.open(args.project)
    if args.action == "select":
        items = ann.propose_frames(session, args.recording, args.per_recording, args.model,
                                   progress=progress_printer(args.json), store_dir=args.store)
        print(file=sys.stderr)
        ann.queue_frames(session, items, replace_queue=args.replace)
        session.save("queue frames", f"{len(items)} frame(s) chosen")
        emit(args, {"queued": [{"recording": q.recording_id, "frame": q.frame_index, "reason": q.reason}
                               for q in items], "queue_length": len(session.project.annotation_queue)},
             "\n".join([f"{q.recording_id} frame {q.frame_index}: {q.reason}" for q in items]
                       + [f"{len(items)} frame(s) added; the queue holds {len(session.project.annotation_queue)}"]))
    elif args.action == "queue":
        done = ann.queue_progress(session.project)["annotators"] if session.project.annotation_queue else {}
        items = session.project.annotation_queue
        emit(args, {"queue": [{"recording": q.recording_id, "frame": q.frame_index, "reason": q.reason} for q in items],
                    "done_by_annotator": done},
             "\n".join([f"{q.recording_id} frame {q.frame_index}: {q.reason}" for q in items]
                       + [f"{len(items)} frame(s) queued"]
                       + [f"  {a}: {n}/{len(items)} done" for a, n in done.items()]))
    elif args.action == "export":
        res = aio.export_annotations(session, args.out, args.format, args.which,
                                     consented_only=not args.all_participants)
        text = f"wrote {res.written} annotation(s) to {args.out}"
        if res.left_out_participants:
            text += (f"\nleft out {len(res.left_out_participants)} participant(s) without consent to share: "
                     f"{', '.join(res.left_out_participants)} (--all-participants includes them, for use in the lab)")
        emit(args, res.to_dict(), text)
    elif args.action == "import":
        plan = aio.plan_import(session, args.source, args.annotator)
        n = 0
        if not args.dry_run and plan.items:
            n = aio.apply_import(session, plan, args.source.name)
            session.save("import annotations", f"{n} from {args.source}")
        emit(args, {**plan.to_dict(), "imported": n},
             plan.summary() + ("\n(dry run: nothing imported)" if args.dry_run else f"\nimported {n}"))
    elif args.action == "agreement":
        res = ann.inter_annotator_agreement(session)
        lines = [f"{len(res['annotators'])} annotator(s): {', '.join(res['annotators']) or 'none'}; "
                 f"{res['frames']} shared frame comparison(s)"]
        lines += [f"  {g:<6} NRMSE {100 * v:.2f}%" for g, v in res["nrmse"].items() if v == v]
        if not res["frames"]:
            lines.append("no frame was annotated by two annotators: agreement needs shared frames")
        emit(args, res, "\n".join(lines))
    elif args.action == "recover":
        res = ann.recover_journal(session)
        if res["edits"]:
            session.save("recover annotations", f"{res['edits']} edit(s) from the journal")
        emit(args, res, f"recovered {res['edits']} edit(s) on {len(res['frames'])} frame(s)"
                        + (f"; {res['skipped']} damaged or obsolete line(s) skipped" if res["skipped"] else "")
                        + (f"; {res['unlinked']} kept without the damaged proposal they corrected"
                           if res.get("unlinked") else "")
                        + ("; saved" if res["edits"] else "; nothing to recover"))
    elif args.action == "discard":
        from neuroface_studio.store.journal import read_journal
        entries, damaged = read_journal(session.folder) if ann.has_journal(session) else ([], 0)
        ann.discard_journal(session)
        emit(args, {"discarded": len(entries), "damaged": damaged},
             f"discarded {len(entries)} unsaved annotation edit(s)" + (f" and {damaged} damaged line(s)" if damaged else ""))
    return 0
