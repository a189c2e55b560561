"""Command-line commands for privacy: ``export`` (a study for sharing), ``key`` (the pseudonym key)
and ``project audit`` (the audit log).

* ``export PROJECT --out DIR [--include landmarks,features,results,recordings] [--blur-faces]
  [--all-participants]`` - see :mod:`neuroface_studio.app.export`;
* ``key add PROJECT --participant P007 --identity "..."`` / ``key show PROJECT`` - the link
  pseudonym <-> real identity, in a separate owner-only file (:mod:`neuroface_studio.store.key_file`)
  that no export reads.

Registered by :mod:`neuroface_studio.cli`; only argparse is imported at start-up.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parsers(sub) -> None:
    e = sub.add_parser("export", help="export a study for sharing (consenting participants only by default)")
    e.add_argument("project", type=Path)
    e.add_argument("--out", type=Path, required=True, help="a new (or empty) folder")
    e.add_argument("--include", default=None,
                   help="comma list of landmarks,features,results,recordings (default: landmarks,features,results)")
    e.add_argument("--blur-faces", action="store_true", help="blur the face on every frame of exported recordings")
    e.add_argument("--all-participants", action="store_true",
                   help="include participants who did not consent to sharing (for use inside the lab only)")
    e.add_argument("--model", default=None, help="landmark track for features and face regions (default as `features`)")
    e.add_argument("--trees", type=int, default=200, help=argparse.SUPPRESS)
    e.add_argument("--json", action="store_true")

    k = sub.add_parser("key", help="the pseudonym key (pseudonym -> real identity), kept out of every export")
    ks = k.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = ks.add_parser("add", help="record who a participant pseudonym stands for")
    a.add_argument("project", type=Path)
    a.add_argument("--participant", required=True, help="the pseudonym, e.g. P007 (already in the project)")
    a.add_argument("--identity", required=True, help="the real identity (name, hospital number, ...)")
    a.add_argument("--replace", action="store_true", help="replace an identity already in the key")
    a.add_argument("--key", type=Path, default=None, help="key file (default: PROJECT/private/pseudonym_key.json)")
    a.add_argument("--json", action="store_true")
    s = ks.add_parser("show", help="print the pseudonym key (on screen only)")
    s.add_argument("project", type=Path)
    s.add_argument("--participant", default=None, help="only this pseudonym")
    s.add_argument("--key", type=Path, default=None, help="key file (default: PROJECT/private/pseudonym_key.json)")
    s.add_argument("--json", action="store_true")


def cmd_export(args, emit, progress_printer) -> int:
    from neuroface_studio.app.export import ExportOptions, export_study, parse_parts
    from neuroface_studio.app.project_service import ProjectSession
    options = ExportOptions(parts=parse_parts(args.include), blur_faces=args.blur_faces,
                            all_participants=args.all_participants, model=args.model, trees=args.trees)
    session = ProjectSession.open(args.project)
    try:
        res = export_study(session, args.out, options, progress=progress_printer(args.json))
    finally:
        print(file=sys.stderr)
    text = (f"exported {', '.join(options.parts)} of {len(res.participants)} participant(s) to {res.out} "
            f"({len(res.files)} files, sha256 in manifest.json)")
    if res.excluded:
        text += (f"\nleft out {res.excluded} participant(s) without consent to share"
                 + ("" if args.all_participants else " (--all-participants includes them, for use in the lab)"))
    emit(args, res.to_dict(), text)
    return 0


def _key_path(args) -> Path:
    from neuroface_studio.store.key_file import default_key_path
    from neuroface_studio.store.project_file import is_project
    if not is_project(args.project):
        raise ValueError(f"{args.project} is not a NeuroFace Studio project folder")
    return args.key if args.key is not None else default_key_path(args.project)


def cmd_key(args, emit) -> int:
    from neuroface_studio.store import key_file
    path = _key_path(args)
    if args.action == "add":
        from neuroface_studio.app.project_service import ProjectSession, current_user
        from neuroface_studio.domain.project import now_iso
        session = ProjectSession.open(args.project)
        pid = args.participant
        if pid not in session.project.participants:
            raise ValueError(f"unknown participant {pid}; add the participant to the project first "
                             f"(participants: {', '.join(sorted(session.project.participants)) or 'none'})")
        identity = args.identity.strip()
        if not identity:
            raise ValueError("--identity is empty")
        entries = key_file.read_key(path)
        if pid in entries and not args.replace:
            raise ValueError(f"{pid} is already in the key {path}; add --replace to change it")
        entries[pid] = {"identity": identity, "added": now_iso(), "by": current_user()}
        key_file.write_key(path, entries)
        # the audit log says that the key changed, never what it holds
        session.project.log(current_user(), "pseudonym key", f"identity of {pid} recorded in the key file {path}")
        if not session.dirty:
            from neuroface_studio.store.project_file import save_project
            save_project(session.project, session.folder)
        emit(args, {"key": str(path), "participant": pid, "entries": len(entries)},
             f"recorded the identity of {pid} in {path} ({len(entries)} entr{'y' if len(entries) == 1 else 'ies'}; "
             "owner-only file, never exported)")
        return 0
    entries = key_file.read_key(path)
    if not entries:
        emit(args, {"key": str(path), "entries": {}}, f"no pseudonym key at {path} (add one with `key add`)")
        return 0
    if args.participant is not None:
        if args.participant not in entries:
            raise ValueError(f"{args.participant} is not in the key {path}")
        entries = {args.participant: entries[args.participant]}
    if key_file.others_can_read(path):
        print(f"warning: {path} is readable by other users; run `chmod 600 {path}`", file=sys.stderr)
    emit(args, {"key": str(path), "entries": entries},
         "\n".join(f"{p}\t{e['identity']}" for p, e in sorted(entries.items())))
    return 0


def cmd_audit(args, emit) -> int:
    from neuroface_studio.app.audit import audit_rows, format_rows
    from neuroface_studio.app.project_service import ProjectSession
    rows = audit_rows(ProjectSession.open(args.path).project, getattr(args, "filter", None) or "")
    emit(args, {"audit_log": rows}, format_rows(rows))
    return 0
