"""Export of a study for sharing: landmarks, features, results and (optionally) recordings.

``export_study`` writes a fresh folder::

    manifest.json                what is in it, who was left out (a count), software, sha256 of every file
    participants.csv             pseudonym, group, clinical scores (never notes, never identities)
    landmarks/<rec>/<src>.csv    one landmark track (or the simulated truth) per recording: frame, x0, y0 .. x67, y67
    landmarks/annotations.csv    annotators' corrected frames (the `annotations export --format csv` layout)
    features/features.csv        per-repetition kinematic features
    results/classification.json  patient-vs-control LOSO ROC per task, recomputed on the exported participants
    results/landmark_accuracy.json  NRMSE per model and group on the exported participants' ground-truth frames
    recordings/<rec>.mp4         colour video, faces blurred with ``blur_faces``

Privacy: only participants who consented to sharing are exported unless ``all_participants``
(for use inside the lab); the manifest gives the number left out, not their pseudonyms. Nothing
here reads the pseudonym key file (:mod:`neuroface_studio.store.key_file`), the project file's
notes or its audit log.

The export is written into a hidden temporary folder beside ``out`` and renamed into place at the
end: a failed or cancelled export (disk full, ...) leaves nothing behind. ``out`` must not exist
or be an empty folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neuroface_studio.app.jobs import CancelToken, ProgressFn, no_progress
from neuroface_studio.app.project_service import ProjectSession, current_user
from neuroface_studio.domain.project import now_iso
from neuroface_studio.store import csv_safe
from neuroface_studio.store.project_file import save_project

PARTS = ("landmarks", "features", "results", "recordings")
DEFAULT_PARTS = ("landmarks", "features", "results")
MANIFEST = "manifest.json"
FORMAT_ID = "neuroface-studio-export"
SCHEMA_VERSION = 1


class ExportError(ValueError):
    """The export cannot be made (what is wrong and what to do); nothing was left behind."""


def parse_parts(text: str | None) -> tuple[str, ...]:
    """``"landmarks,features"`` -> the parts, in the canonical order; None: the default parts."""
    if text is None:
        return DEFAULT_PARTS
    wanted = {t.strip().lower() for t in text.split(",") if t.strip()}
    unknown = sorted(wanted - set(PARTS))
    if unknown or not wanted:
        raise ExportError(f"unknown export part(s) {', '.join(unknown) or '(none given)'}; "
                          f"choose from {','.join(PARTS)}")
    return tuple(p for p in PARTS if p in wanted)


@dataclass
class ExportOptions:
    parts: tuple[str, ...] = DEFAULT_PARTS
    blur_faces: bool = False
    all_participants: bool = False  # also participants without consent (for use inside the lab)
    model: str | None = None  # landmark track for features and face regions (None: as `features`)
    trees: int = 200  # classification forest size


@dataclass
class ExportResult:
    out: Path
    participants: list[str] = field(default_factory=list)
    excluded: int = 0
    files: list[dict] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"out": str(self.out), "participants": self.participants, "excluded_participants": self.excluded,
                "files": len(self.files), "parts": self.manifest.get("included", [])}


def check_destination(out: Path) -> None:
    """Refuse to export into anything but a new or empty folder."""
    out = Path(out)
    if out.is_file():
        raise ExportError(f"{out} is a file; give a new folder for the export")
    if out.is_dir() and any(out.iterdir()):
        raise ExportError(f"{out} is not empty; give a new (or empty) folder: an export never mixes with "
                          "or overwrites other files")
    if not out.parent.is_dir():
        raise ExportError(f"{out.parent} does not exist; create it first or give another --out")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_csv(path: Path, header: list[str], rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv_safe.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6g}" if np.isfinite(v) else ""
    return "" if v is None else str(v)


class _Exporter:
    def __init__(self, session: ProjectSession, root: Path, options: ExportOptions, progress: ProgressFn,
                 cancel: CancelToken | None) -> None:
        self.session, self.root, self.options = session, root, options
        self.progress, self.cancel = progress, cancel
        project = session.project
        self.participants = sorted(p for p, x in project.participants.items()
                                   if options.all_participants or x.consent_to_share)
        self.excluded = len(project.participants) - len(self.participants)
        keep = set(self.participants)
        self.recordings = sorted(r for r in project.recordings if project.participant_of(r).id in keep)
        self.manifest: dict = {}

    def _tick(self, done: int, total: int, message: str) -> None:
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()
        self.progress(done, total, message)

    # -- parts -------------------------------------------------------------------------
    def participants_csv(self) -> None:
        project = self.session.project
        scores = sorted({k for p in self.participants for k in project.participants[p].clinical_scores})
        rows = []
        for pid in self.participants:
            p = project.participants[pid]
            rows.append([pid, p.group.value, int(p.consent_to_share),
                         *(_fmt(p.clinical_scores.get(k)) for k in scores)])
        _write_csv(self.root / "participants.csv", ["participant", "group", "consent_to_share", *scores], rows)

    def landmarks(self) -> None:
        from neuroface_studio.app.annotation_io import export_annotations
        from neuroface_studio.app.landmarking import read_track, tracks_of
        from neuroface_studio.app.frame_times import recording_times
        header = ["frame", "time_s"] + [f"{c}{i}" for i in range(68) for c in "xy"]
        clocks: dict = {}
        info: dict = {}
        for k, rid in enumerate(self.recordings):
            self._tick(k, len(self.recordings), f"landmarks of {rid}")
            sources = {name: (lambda n=name: read_track(self.session, rid, n).landmarks_px) for name in
                       tracks_of(self.session, rid)}
            if not sources and self.session.project.recordings[rid].truth_file:
                sources["truth"] = lambda: self.session.truth(rid).landmarks_px
            for name, load in sources.items():
                pts = np.asarray(load(), np.float64).reshape(-1, 136)
                times = recording_times(self.session, rid, len(pts))
                clocks[rid] = times.describe()
                rows = ([str(i), f"{times.t_s[i]:.6f}"] + ["" if not np.isfinite(v) else f"{v:.2f}" for v in row]
                        for i, row in enumerate(pts))
                _write_csv(self.root / "landmarks" / rid / f"{name}.csv", header, rows)
            info[rid] = sorted(sources)
        n_ann = 0
        if self.session.project.annotators():
            res = export_annotations(self.session, self.root / "landmarks" / "annotations.csv", "csv",
                                     consented_only=not self.options.all_participants)
            n_ann = res.written
        self.manifest["landmarks"] = {"per_recording": info, "annotations": n_ann,
                                      "layout": "0-based px, x right, y down; empty = no face; time_s: the frame's "
                                                "recorded time from the first frame", "time": clocks}

    def features(self) -> None:
        from neuroface_studio.analysis.features import FEATURE_NAMES, SPACE_2D, SPACE_3D, UNITS, units_of
        from neuroface_studio.app.kinematics import project_features
        table = project_features(self.session, recording_ids=self.recordings, model=self.options.model,
                                 progress=self._tick, cancel=self.cancel) if self.recordings else None
        self._table = table
        cols = ["participant", "group", "recording", "task", "repetition", "start", "end", *FEATURE_NAMES, "space"]
        rows = [[_fmt(r[c]) for c in cols] for r in (table.rows if table else [])]
        _write_csv(self.root / "features" / "features.csv", cols, rows)
        self.manifest["features"] = {"rows": len(rows), "units": UNITS, "sources": table.sources if table else {},
                                     "units_by_space": {s: units_of(s) for s in (SPACE_3D, SPACE_2D)},
                                     "spaces": table.spaces if table else {}, "time": table.times if table else {},
                                     "skipped": table.skipped if table else {}}

    def results(self) -> None:
        from neuroface_studio.app.kinematics import classify, project_features
        table = getattr(self, "_table", None)
        if table is None and self.recordings:
            table = project_features(self.session, recording_ids=self.recordings, model=self.options.model,
                                     progress=self._tick, cancel=self.cancel)
        rows = table.rows if table else []
        groups = sorted({r["group"] for r in rows})
        out, not_computed = [], []
        for task in sorted({r["task"] for r in rows}):
            for patient in (g for g in groups if g != "HC"):
                self._tick(0, 1, f"classification {task} HC vs {patient}")
                try:
                    out.append(classify(table, task, ("HC", patient), n_estimators=self.options.trees))
                except ValueError as exc:
                    not_computed.append({"task": task, "groups": ["HC", patient], "why": str(exc)})
        path = self.root / "results" / "classification.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"method": "random forest, leave-one-subject-out ROC, on the exported "
                                              "participants only", "results": out, "not_computed": not_computed},
                                   indent=1, default=float), encoding="utf-8")
        self.manifest["results"] = {"classification": len(out), "not_computed": len(not_computed),
                                    "landmark_accuracy": self._landmark_accuracy()}

    def _landmark_accuracy(self) -> str:
        """results/landmark_accuracy.json: NRMSE per model and group on the exported participants'
        ground-truth frames (consensus annotations or simulated truth), from the stored tracks."""
        from neuroface_studio.app.evaluation import EvalSettings
        from neuroface_studio.app.study_report import landmark_accuracy
        from neuroface_studio.reporting.study_report import StudyReport
        report = StudyReport(self.session.project.name, sorted({self.session.project.participants[p].group.value
                                                                 for p in self.participants}))
        settings = EvalSettings()
        models = landmark_accuracy(self.session, report, settings, self.cancel, participants=self.participants) \
            if self.participants else {}
        from neuroface_studio.analysis import evaluation as ev
        data = {"method": "NRMSE: per image, root mean square point error over the landmarks of the subset divided "
                          "by the ground truth's normalising distance, from the stored landmark tracks (the same "
                          "function as `neuroface-studio evaluate` and Analyze)",
                "label": report.nrmse_label, "units": ev.UNITS,
                "normalizer": settings.normalizer, "normalizer_points": ev.NORMALIZER_TEXT[settings.normalizer],
                "subset": settings.subset, "subset_points": ev.subset_text(settings.subset),
                "frames": report.nrmse_data, "models": models,
                "rows": [{"model": r.model, "group": r.group, "mean": r.mean, "median": r.median, "sd": r.sd,
                          "n": r.n, "missing": r.missing} for r in report.nrmse_rows],
                "comparisons": report.nrmse_comparisons, "not_computed": report.nrmse_note}
        path = self.root / "results" / "landmark_accuracy.json"
        path.write_text(json.dumps(ev.json_safe(data), indent=1, default=float), encoding="utf-8")
        return "computed" if report.nrmse_rows else "not computed"

    def recordings_video(self) -> None:
        from neuroface_studio.app.export_video import FaceBlurrer, write_video
        videos = {}
        for k, rid in enumerate(self.recordings):
            self._tick(k, len(self.recordings), f"video of {rid}")
            rec = self.session.project.recordings[rid]
            blur = FaceBlurrer(self._face_landmarks(rid)) if self.options.blur_faces else None
            path = self.root / "recordings" / f"{rid}.mp4"
            path.parent.mkdir(parents=True, exist_ok=True)
            with self.session.open_recording(rid) as reader:
                n = reader.n_frames
                frames = (reader.color(i) for i in range(n))
                stats = write_video(path, frames, rec.fps, (rec.camera.color.width, rec.camera.color.height),
                                    blur, self.cancel)
            videos[rid] = {"file": f"recordings/{rid}.mp4", "fps": rec.fps, **stats.to_dict()}
        self.manifest["recordings"] = {"format": "mp4 (MPEG-4 part 2), colour only, no depth",
                                       "faces_blurred": self.options.blur_faces, "videos": videos}

    def _face_landmarks(self, rid: str) -> np.ndarray | None:
        from neuroface_studio.app.landmarking import read_track, tracks_of
        names = tracks_of(self.session, rid)
        for name in ([self.options.model] if self.options.model else []) + names:
            if name in names:
                return read_track(self.session, rid, name).landmarks_px
        truth = self.session.truth(rid)
        return truth.landmarks_px if truth is not None else None

    def run(self) -> dict:
        self.participants_csv()
        steps = {"landmarks": self.landmarks, "features": self.features, "results": self.results,
                 "recordings": self.recordings_video}
        for part in self.options.parts:
            steps[part]()
        from neuroface_studio import __version__
        files = []
        for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
            files.append({"path": path.relative_to(self.root).as_posix(), "bytes": path.stat().st_size,
                          "sha256": _sha256(path)})
        manifest = {"format": FORMAT_ID, "schema_version": SCHEMA_VERSION,
                    "software": {"name": "NeuroFace Studio", "version": __version__}, "created": now_iso(),
                    "project": self.session.project.name, "included": list(self.options.parts),
                    "participants": {"included": self.participants,
                                     "excluded_without_consent": self.excluded,
                                     "all_participants": self.options.all_participants},
                    "recordings_exported": self.recordings, "faces_blurred": self.options.blur_faces,
                    **self.manifest, "files": files}
        with (self.root / MANIFEST).open("w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        return manifest


def export_study(session: ProjectSession, out: Path, options: ExportOptions | None = None,
                 progress: ProgressFn = no_progress, cancel: CancelToken | None = None,
                 log: bool = True) -> ExportResult:
    """Write the export folder ``out`` (see the module docstring); records it in the audit log."""
    options = options or ExportOptions()
    if options.blur_faces and "recordings" not in options.parts:
        raise ExportError("--blur-faces applies to exported recordings: add recordings to --include")
    out = Path(out).absolute()
    check_destination(out)
    tmp = out.parent / f".{out.name}.export-{os.getpid()}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        exporter = _Exporter(session, tmp, options, progress, cancel)
        manifest = exporter.run()
        if out.is_dir():
            out.rmdir()  # empty (checked above)
        os.replace(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ExportError(f"the export to {out} failed and was removed: {exc.strerror or exc}"
                          f"{' (' + exc.filename + ')' if getattr(exc, 'filename', None) else ''}; "
                          "check free disk space and write permission, then export again") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    result = ExportResult(out, exporter.participants, exporter.excluded, manifest["files"], manifest)
    if log:
        log_export(session, result, options)
    return result


def log_export(session: ProjectSession, result: ExportResult, options: ExportOptions) -> None:
    """Audit entry "export" (who, where, what, how many left out). Saved at once when the project has
    no unsaved edits (without touching an annotation journal); else it goes with the next save."""
    detail = (f"{result.out}: {', '.join(options.parts)}; {len(result.participants)} participant(s), "
              f"{result.excluded} without consent left out" + ("; faces blurred" if options.blur_faces else "")
              + ("; --all-participants" if options.all_participants else ""))
    session.project.log(current_user(), "export", detail)
    if not session.dirty:
        save_project(session.project, session.folder)
