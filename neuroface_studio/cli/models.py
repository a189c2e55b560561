"""Command-line commands for landmark models: ``models``, ``predict-image``, ``landmark``.

Registered by :mod:`neuroface_studio.cli` (same top layer); kept apart so ``cli/core.py`` stays
small. Like the rest of the CLI, only argparse is imported at start-up.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parsers(sub) -> None:
    """Add the model commands to the ``neuroface-studio`` subparsers ``sub``."""
    m = sub.add_parser("models", help="list, fetch, import, remove or activate landmark models")
    m.add_argument("--store", type=Path, default=None, help="model store folder (default: user data folder)")
    ms = m.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = ms.add_parser("list", help="the models on this machine and whether they can be used")
    ls.add_argument("--json", action="store_true")
    f = ms.add_parser("fetch", help="download the official FAN weights once (needs the internet)")
    f.add_argument("name", nargs="?", default="fan2d")
    f.add_argument("--json", action="store_true")
    im = ms.add_parser("import", help="add FAN weights from a file (for offline PCs)")
    im.add_argument("file", type=Path)
    im.add_argument("--name", default="fan2d")
    im.add_argument("--json", action="store_true")
    rm = ms.add_parser("remove", help="remove a model from the store (dlib68 is built in)")
    rm.add_argument("name")
    a = ms.add_parser("activate", help="use this model when none is named")
    a.add_argument("name")

    p = sub.add_parser("predict-image", help="68 landmarks of an image (or a folder of images) as iBUG .pts")
    p.add_argument("source", type=Path, help="an image file or a folder of images")
    p.add_argument("--model", default=None, help="model name (default: the active model)")
    p.add_argument("--out", type=Path, required=True, help="FILE.pts for an image, a folder for a folder")
    p.add_argument("--all-faces", action="store_true",
                   help="landmark every face (FILE_face1.pts, FILE_face2.pts, ...; face 1 = the default choice); "
                        "default: only the largest, most central face, with a warning when there are several")
    p.add_argument("--store", type=Path, default=None, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")

    ft = sub.add_parser("finetune", help="fine-tune a FAN on the project's corrected (or simulated-truth) frames")
    ft.add_argument("project", type=Path)
    ft.add_argument("--base", default=None, help="base model (default: the active FAN, else fan2d)")
    ft.add_argument("--source", choices=["auto", "annotations", "truth"], default="auto",
                    help="auto: corrected frames when there are any, else simulated ground truth")
    ft.add_argument("--annotator", default=None, help="one annotator's corrections (default: their consensus)")
    ft.add_argument("--truth-frames", type=int, default=8, help="simulated truth: frames per recording")
    ft.add_argument("--epochs", type=int, default=None)
    ft.add_argument("--lr", type=float, default=None)
    ft.add_argument("--regularizer", choices=["sam", "cam", "eo", "co"], default=None,
                    help="regularized transfer learning against the frozen base model")
    ft.add_argument("--compare-regularizers", action="store_true",
                    help="instead of registering one model: fine-tune plain and with SAM, EO, CAM and CO on the same "
                         "data and split, and print one table of held-out NRMSE per group (registers nothing)")
    ft.add_argument("--lambda", dest="reg_lambda", type=float, default=None,
                    help="weight of the regularizer (default 0.002)")
    ft.add_argument("--name", default=None, help="registry name of the new model (default: <base>-ftN)")
    ft.add_argument("--activate", action="store_true", help="make the new model the active one")
    ft.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda")
    ft.add_argument("--store", type=Path, default=None, help=argparse.SUPPRESS)
    ft.add_argument("--json", action="store_true")

    for name, hlp in (("evaluate", "landmark error of models on the project's annotated (or simulated-truth) frames"),
                      ("evaluate-pts", "landmark error of a folder of predicted .pts against a folder of truth .pts")):
        ev = sub.add_parser(name, help=hlp)
        if name == "evaluate":
            ev.add_argument("project", type=Path)
            ev.add_argument("--models", required=True, help="comma-separated model names; the first is the reference")
            ev.add_argument("--participants", default=None, help="comma-separated test participants (default: the "
                            "fine-tuned models' held-out participants, else everyone)")
            ev.add_argument("--predictions", choices=["auto", "tracks", "rerun"], default="auto",
                            help="tracks: the stored landmark tracks; rerun: each model run on a box around the "
                                 "ground truth; auto (default, as Analyze and the study summary): tracks when every "
                                 "model has landmarked every evaluation recording, else rerun")
            ev.add_argument("--store", type=Path, default=None, help=argparse.SUPPRESS)
        else:
            ev.add_argument("--gt", type=Path, required=True, help="folder of ground-truth .pts (1-based iBUG)")
            ev.add_argument("--pred", type=Path, required=True, help="folder of predicted .pts with the same names")
        ev.add_argument("--normalizer", choices=["intercanthal", "interocular", "bbox"], default="intercanthal")
        ev.add_argument("--subset", default="nojaw", help="all, nojaw, mouth, or a group (eyes, brows, ...)")
        ev.add_argument("--json", action="store_true")

    x = sub.add_parser("experiment", help="the papers' experiments: learning curve, annotator bias")
    x.add_argument("kind", choices=["learning-curve", "annotator-bias", "regularizers"],
                   help="regularizers: as `finetune --compare-regularizers`, with --epochs")
    x.add_argument("project", type=Path)
    x.add_argument("--sizes", default="1,2,5,10,20,40",
                   help="learning curve: numbers of training participants (capped at the participants the project "
                        "has for training; the output says which sizes ran)")
    x.add_argument("--base", default=None)
    x.add_argument("--epochs", type=int, default=5)
    x.add_argument("--truth-frames", type=int, default=8, help="simulated truth: frames per recording")
    x.add_argument("--normalizer", choices=["intercanthal", "interocular", "bbox"], default="intercanthal")
    x.add_argument("--subset", default="nojaw")
    x.add_argument("--plot", type=Path, default=None, help="learning curve: also draw it to FILE.svg")
    x.add_argument("--store", type=Path, default=None, help=argparse.SUPPRESS)
    x.add_argument("--json", action="store_true")

    lm = sub.add_parser("landmark", help="landmark every frame of a project's recordings (resumable)")
    lm.add_argument("project", type=Path)
    lm.add_argument("--recording", action="append", default=None, metavar="ID",
                    help="recording to landmark (repeat for several; default: all)")
    lm.add_argument("--model", default=None, help="model name (default: the active model)")
    lm.add_argument("--int8", action="store_true",
                    help="FAN only, CPU: the model's int8 variant (ONNX Runtime, 2-2.5x the fp32 speed on FAN(4); "
                         "lossy: on fan-demo points move ~1 px, NRMSE +0.3-3%%; see `bench fan`); its tracks are "
                         "stored as <model>-int8")
    lm.add_argument("--store", type=Path, default=None, help=argparse.SUPPRESS)
    lm.add_argument("--json", action="store_true")


def cmd_models(args, emit) -> int:
    from neuroface_studio.vision import registry
    store = args.store
    if args.action == "list":
        rows = registry.list_models(store)
        lines = [f"{'':1} {'name':<18} {'architecture':<24} {'version':<20} {'sha256':<12} {'origin':<28} available"]
        for r in rows:
            lines.append(f"{'*' if r.active else ' '} {r.name:<18} {r.architecture:<24} {r.version:<20} "
                         f"{r.sha256[:10]:<12} {r.origin[:28]:<28} {'yes' if r.available else 'no'}")
            if r.problem:
                lines.append(f"    {r.problem}")
        lines.append("* = active (used when no --model is given)")
        emit(args, {"models": [r.to_dict() for r in rows]}, "\n".join(lines))
    elif args.action == "fetch":
        row = registry.fetch_model(args.name, store_dir=store, progress=_bytes_progress(args.json))
        print(file=sys.stderr)
        emit(args, row.to_dict(), f"fetched {row.name} ({row.architecture}, sha256 {row.sha256[:12]}…)")
    elif args.action == "import":
        row = registry.import_model(args.file, args.name, store_dir=store)
        emit(args, row.to_dict(), f"imported {row.name} ({row.architecture}, sha256 {row.sha256[:12]}…) "
                                  f"from {args.file.name}")
    elif args.action == "remove":
        registry.remove_model(args.name, store)
        print(f"removed {args.name}")
    elif args.action == "activate":
        registry.set_active(args.name, store)
        print(f"{args.name} is now the active model")
    return 0


def _bytes_progress(quiet: bool):
    def progress(done: int, total) -> None:
        if not quiet:
            text = f"{done / 1e6:.1f} MB" + (f" of {total / 1e6:.1f} MB" if total else "")
            print(f"\rdownloading {text}   ", end="", file=sys.stderr, flush=True)
    return progress


def cmd_predict_image(args, emit) -> int:
    from neuroface_studio.app.image_landmarks import predict_images
    res = predict_images(args.source, args.out, args.model, store_dir=args.store, all_faces=args.all_faces)
    for warning in res.warnings if args.json else []:  # else in the text below
        print(f"warning: {warning}", file=sys.stderr)
    for path in res.no_face:
        print(f"warning: no face found in {path}; skipped", file=sys.stderr)
    for path in res.unreadable:
        print(f"warning: {path} is not a readable image; skipped", file=sys.stderr)
    for entry in res.skipped:
        print(f"warning: skipped {entry['file']}: {entry['reason']}", file=sys.stderr)
    text = (f"wrote {len(res.written)} .pts file(s) with {res.model['name']}"
            + (f"; {len(res.no_face)} image(s) without a face" if res.no_face else "")
            + (f"; {len(res.unreadable)} unreadable" if res.unreadable else "")
            + (f"; {len(res.skipped)} file(s) skipped, not images" if res.skipped else ""))
    if len(res.written) == 1 and not res.no_face:
        text = f"wrote {res.written[0]} ({res.model['name']})"
    if args.all_faces:
        text += "".join(f"\n  {f['pts']}: face {f['face']} of {e['faces_found']} in {e['image']}, box "
                        f"({', '.join(f'{v:.0f}' for v in f['box'])})" for e in res.images for f in e["faces"])
    text += "".join(f"\nwarning: {w}" for w in res.warnings)
    emit(args, res.to_dict(), text)
    return 0


def cmd_landmark(args, emit, progress_printer) -> int:
    from neuroface_studio.app.jobs import CancelToken, JobCancelled
    from neuroface_studio.app.landmarking import landmark_recording, log_landmarking
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.vision.registry import open_predictor
    session = ProjectSession.open(args.project)
    ids = args.recording or sorted(session.project.recordings)
    unknown = [r for r in ids if r not in session.project.recordings]
    if unknown:
        raise ValueError(f"unknown recording(s) {', '.join(unknown)}; see `neuroface-studio project info`")
    predictor = open_predictor(args.model, args.store, **({"precision": "int8"} if args.int8 else {}))
    progress, token, results = progress_printer(args.json), CancelToken(), []
    try:
        for rid in ids:
            results.append(landmark_recording(session, rid, progress=progress, cancel=token, predictor=predictor))
    except KeyboardInterrupt:  # Ctrl-C: the frames done are in the track files; a re-run resumes
        log_landmarking(session, results)
        raise JobCancelled("interrupted") from None
    finally:
        print(file=sys.stderr)
    log_landmarking(session, results)
    text = "\n".join(f"{r.recording_id}: {r.frames_with_face}/{r.n_frames} frames with a face, "
                     f"{r.n_frames - r.resumed_from} landmarked in {r.seconds:.1f} s"
                     + (f" (resumed at frame {r.resumed_from})" if r.resumed_from else "") + f" -> {r.path}"
                     for r in results)
    emit(args, {"model": predictor.info.name, "results": [r.to_dict() for r in results]}, text)
    return 0


def cmd_finetune(args, emit, progress_printer) -> int:
    from dataclasses import replace

    from neuroface_studio.app.finetune import DataChoice, describe, run_finetune
    from neuroface_studio.app.jobs import CancelToken, JobCancelled
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.training.engine import FinetuneConfig
    session = ProjectSession.open(args.project)
    config = FinetuneConfig(device=args.device)
    changes = {k: v for k, v in (("epochs", args.epochs), ("lr", args.lr), ("regularizer", args.regularizer))
               if v is not None}
    config = replace(config, **changes)
    if args.reg_lambda is not None:
        config = replace(config, reg_lambda=args.reg_lambda)
    data = DataChoice(source=args.source, annotator=args.annotator, truth_frames=args.truth_frames)
    if args.compare_regularizers:
        return _compare_regularizers(args, emit, progress_printer, session, config, data)
    token = CancelToken()
    try:
        summary = run_finetune(session, args.base, data, config, args.name, args.activate, progress_printer(args.json),
                               token, store_dir=args.store)
    except KeyboardInterrupt:
        token.cancel()
        raise JobCancelled("fine-tuning interrupted; the checkpoint is kept and the next run resumes") from None
    finally:
        print(file=sys.stderr)
    if not session.dirty:
        session.save("fine-tune", describe(summary))
    else:
        session.project.log("cli", "fine-tune", describe(summary))
    groups = sorted(k for k in summary.nrmse_before if k != "all")
    lines = [describe(summary),
             f"{'':8} {'before':>8} {'after':>8}"]
    lines += [f"{g:<8} {100 * summary.nrmse_before[g]:7.2f}% {100 * summary.nrmse_after.get(g, float('nan')):7.2f}%"
              for g in ["all", *groups]]
    lines.append(f"{summary.epochs_run} epochs (best {summary.best_epoch}) in {summary.seconds:.0f} s on "
                 f"{summary.device}; registered as {summary.model}" + (" (active)" if summary.activated else ""))
    emit(args, _finite(summary.to_dict()), "\n".join(lines))
    return 0


def _pct(v) -> str:
    return "   n/a" if v is None or v != v else f"{100 * v:5.2f}%"


def _finite(obj):
    """``obj`` with non-finite floats as None, so ``--json`` prints valid JSON (no bare NaN)."""
    if isinstance(obj, float):
        return obj if obj == obj and abs(obj) != float("inf") else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _compare_regularizers(args, emit, progress_printer, session, config, data) -> int:
    from neuroface_studio.app.experiments import compare_regularizers
    try:
        res = compare_regularizers(session, args.base, data, config, reg_lambda=config.reg_lambda,
                                   store_dir=args.store, progress=progress_printer(args.json))
    finally:
        print(file=sys.stderr)
    emit(args, _finite(res), regularizer_table(res))
    return 0


def regularizer_table(res: dict) -> str:
    """The regularizer comparison as text: one row per variant, NRMSE before -> after per group."""
    groups = ["all", *sorted(g for g in res["rows"][0]["nrmse_before"] if g != "all")]
    lines = [f"Held-out NRMSE ({res['normaliser']}) of {res['base_model']} fine-tuned on {res['data']} "
             f"({res['train_frames']} training frames); validation: {', '.join(res['val_participants'])} "
             f"({res['val_frames']} frames)",
             f"{'regularizer':<12}{'lambda':>8}" + "".join(f"{g + ' before→after':>24}" for g in groups)
             + f"{'best/run':>10}{'s':>7}"]
    for r in res["rows"]:
        cells = "".join(f"{_pct(r['nrmse_before'].get(g)).strip()} → {_pct(r['nrmse_after'].get(g)).strip()}".rjust(24)
                        for g in groups)
        lam = "" if r["reg_lambda"] is None else f"{r['reg_lambda']:g}"
        lines.append(f"{r['regularizer']:<12}{lam:>8}{cells}{str(r['best_epoch']) + '/' + str(r['epochs_run']):>10}"
                     f"{r['seconds']:>7.0f}")
    return "\n".join(lines)


def cmd_evaluate(args, emit, progress_printer) -> int:
    from neuroface_studio.analysis.evaluation import json_safe
    from neuroface_studio.app.evaluation import EvalSettings, evaluate_project
    from neuroface_studio.app.project_service import ProjectSession
    settings = EvalSettings(normalizer=args.normalizer, subset=args.subset)
    session = ProjectSession.open(args.project)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    participants = [p.strip() for p in args.participants.split(",")] if args.participants else None
    try:
        res = evaluate_project(session, models, settings, participants, args.store, progress_printer(args.json),
                               predictions=args.predictions)
    finally:
        print(file=sys.stderr)
    groups = [g for g in next(iter(res["models"].values()))["groups"] if g != "all"]
    lines = [res["label"].replace("NRMSE =", "NRMSE (%) =", 1),
             f"frames: {res['frames_text']}",
             f"{'model':<20}" + "".join(f"{g + ' mean ± SD (median)':>30}" for g in ["all", *groups])
             + f"{'n':>6}{'missing':>9}"]
    for name, rep in res["models"].items():
        cells = "".join(f"{_pct(rep['groups'][g]['mean']).strip()} ± {_pct(rep['groups'][g]['sd']).strip()} "
                        f"({_pct(rep['groups'][g]['median']).strip()})".rjust(30) for g in ["all", *groups])
        lines.append(f"{name:<20}{cells}{rep['n']:>6}{rep['missing']:>9}")
    for pair, c in res["comparisons"].items():
        a = c["paired_t_by_group"]["all"]
        lines.append(f"{pair}: paired t {a['t']:.2f} (p {a['p']:.2g}), SMD {a['smd']:.2f}; Wilcoxon p (Holm) "
                     f"{c['wilcoxon']['p_holm']:.2g}")
    emit(args, json_safe(res), "\n".join(lines))
    return 0


def cmd_evaluate_pts(args, emit) -> int:
    from neuroface_studio.analysis.evaluation import json_safe
    from neuroface_studio.app.evaluation import EvalSettings, evaluate_pts
    res = evaluate_pts(args.gt, args.pred, EvalSettings(normalizer=args.normalizer, subset=args.subset))
    text = [res["label"].replace("NRMSE =", "NRMSE (%) =", 1),
            f"mean {_pct(res['mean']).strip()} ± SD {_pct(res['sd']).strip()}, median {_pct(res['median']).strip()} "
            f"over n = {res['n']} image(s); {res['missing']} missing or unreadable prediction(s) (not averaged in)"]
    text += [f"  {p['file']} ({p['side']}): {p['why']}" for p in res["problems"]]
    emit(args, json_safe(res), "\n".join(text))
    return 0


def cmd_experiment(args, emit, progress_printer) -> int:
    from neuroface_studio.app import experiments
    from neuroface_studio.app.evaluation import EvalSettings
    from neuroface_studio.app.finetune import DataChoice
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.training.engine import FinetuneConfig
    session = ProjectSession.open(args.project)
    settings = EvalSettings(normalizer=args.normalizer, subset=args.subset)
    config = FinetuneConfig(epochs=args.epochs)
    try:
        if args.kind == "learning-curve":
            sizes = [int(v) for v in args.sizes.split(",") if v.strip()]
            res = experiments.learning_curve(session, sizes, args.base, config, settings, store_dir=args.store,
                                             data=DataChoice(truth_frames=args.truth_frames),
                                             progress=progress_printer(args.json))
        elif args.kind == "regularizers":
            res = experiments.compare_regularizers(session, args.base, DataChoice(truth_frames=args.truth_frames),
                                                   config, store_dir=args.store,
                                                   progress=progress_printer(args.json))
        else:
            res = experiments.annotator_bias(session, args.base, config, settings, store_dir=args.store,
                                             progress=progress_printer(args.json))
    finally:
        print(file=sys.stderr)
    if args.kind == "regularizers":
        lines = [regularizer_table(res)]
    elif args.kind == "learning-curve":
        lines = [f"NRMSE ({args.normalizer}, {args.subset}) on held-out {', '.join(res['test_participants'])}; "
                 f"{res['base_model']} without fine-tuning: {_pct(res['baseline']['mean']).strip()}"]
        lines += [f"  fine-tuned on {p['participants']:>3} participant(s), {p['frames']:>4} frames: "
                  f"{_pct(p['mean']).strip()}" for p in res["curve"]]
        if res.get("capped"):
            lines.append(f"sizes {', '.join(map(str, res['capped']))} were capped: this project has "
                         f"{res['pool_size']} training participant(s) besides the held-out ones")
        if args.plot is not None:
            from neuroface_studio.reporting.svg_plot import line_plot, write_svg
            xs = [p["participants"] for p in res["curve"]]
            pct = [None if p["mean"] is None else 100 * p["mean"] for p in res["curve"]]
            base = res["baseline"]["mean"]
            series = {"fine-tuned": (xs, pct)}
            if base is not None:
                series[f"{res['base_model']} (not fine-tuned)"] = ([min(xs), max(xs)], [100 * base] * 2)
            write_svg(args.plot, line_plot(series, "Learning curve", "training participants",
                                           f"NRMSE % ({args.normalizer}, {args.subset})"))
            lines.append(f"wrote {args.plot}")
    else:
        names = list(res["matrix"])
        against = list(next(iter(res["matrix"].values())))
        lines = ["trained on \\ scored against: " + "  ".join(f"{a:>10}" for a in against)]
        lines += [f"{n:<28}" + "  ".join(f"{_pct(res['matrix'][n][a]):>10}" for a in against) for n in names]
        lines += [f"bias of the model trained on {a}: {100 * b:+.2f} points of NRMSE against the others"
                  for a, b in res["bias"].items()]
    emit(args, _finite(res), "\n".join(lines))
    return 0
