"""Export and import annotations: iBUG .pts folders (1-based) and CSV.

Export honours consent: by default only participants who consented to sharing are written
(``consented_only=False`` for use inside the lab); the result says who was left out.

.pts layout written and read: ``<folder>/<annotator>/<recording>_f<frame:05d>.pts`` (the
consensus goes to ``<folder>/consensus/``). On import a folder of .pts files needs an
annotator ID; a folder of annotator sub-folders (as exported) imports each sub-folder as that
annotator. Import is two steps: :func:`plan_import` reads everything and reports what would be
skipped and why (the preview), :func:`apply_import` adds the rest as one undo step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neuroface_studio.app.annotation import annotation_id, check_annotator_id, consensus_of
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.domain.annotations import LandmarkSet, LandmarkSource
from neuroface_studio.domain.project import now_iso
from neuroface_studio.edits.undo import Command
from neuroface_studio.store.annotation_csv import CsvRow, read_csv, write_csv
from neuroface_studio.store.pts import PtsFormatError, read_pts, write_pts

_NAME = re.compile(r"^(?P<rec>.+?)[_-]f?(?P<frame>\d+)$")


@dataclass
class ExportResult:
    written: int = 0
    paths: list[str] = field(default_factory=list)
    left_out_participants: list[str] = field(default_factory=list)  # no consent to share

    def to_dict(self) -> dict:
        return {"written": self.written, "paths": self.paths, "left_out_participants": self.left_out_participants}


def _sets_to_export(session: ProjectSession, which: str, consented_only: bool, result: ExportResult):
    """(annotator label, source, LandmarkSet-like tuple) for ``which``: "annotators" (every
    annotator), "consensus", or one annotator ID."""
    project = session.project
    out = []
    left_out = set()
    frames = sorted({(s.recording_id, s.frame_index) for s in project.landmark_sets.values()
                     if s.source.kind == "annotator"})
    for rid, frame in frames:
        participant = project.participant_of(rid)
        if consented_only and not participant.consent_to_share:
            left_out.add(participant.id)
            continue
        if which == "consensus":
            pts, vis = consensus_of(session, rid, frame)
            out.append(("consensus", "consensus", participant.id, rid, frame, pts, vis))
            continue
        for s in project.landmark_sets_of(rid, frame):
            if s.source.kind == "annotator" and which in ("annotators", s.source.annotator_id):
                out.append((s.source.annotator_id, "annotator", participant.id, rid, frame, s.points_px, s.visible))
    result.left_out_participants = sorted(left_out)
    return out


def export_annotations(session: ProjectSession, dest: Path, fmt: str = "pts", which: str = "annotators",
                       consented_only: bool = True) -> ExportResult:
    """Write annotations to ``dest`` (a folder for .pts, a .csv file for CSV)."""
    dest = Path(dest)
    if fmt not in ("pts", "csv"):
        raise ValueError(f"unknown export format {fmt!r}: use pts or csv")
    if which not in ("annotators", "consensus") and which not in session.project.annotators():
        raise ValueError(f"nobody named {which!r} annotated this project; annotators: "
                         f"{', '.join(session.project.annotators()) or 'none yet'}")
    result = ExportResult()
    rows = _sets_to_export(session, which, consented_only, result)
    if fmt == "csv":
        if dest.suffix.lower() != ".csv":
            raise ValueError(f"{dest}: give a .csv file name for a CSV export")
        write_csv(dest, [CsvRow(rid, frame, pid, ann, src, pts, vis) for ann, src, pid, rid, frame, pts, vis in rows])
        result.written, result.paths = len(rows), [str(dest)]
        return result
    if dest.suffix.lower() in (".pts", ".csv"):
        raise ValueError(f"{dest}: give a folder for a .pts export")
    for ann, _src, _pid, rid, frame, pts, _vis in rows:
        path = dest / ann / f"{rid}_f{frame:05d}.pts"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_pts(path, pts)
        result.paths.append(str(path))
    result.written = len(rows)
    return result


@dataclass
class ImportItem:
    annotator: str
    recording_id: str
    frame: int
    points_px: np.ndarray
    visible: np.ndarray
    origin: str  # file (and line) it came from
    replaces: bool = False  # the annotator already has landmarks on that frame


@dataclass
class ImportPlan:
    items: list[ImportItem] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)

    def summary(self) -> str:
        lines = [f"{len(self.items)} annotation(s) to import"
                 + (f" ({sum(i.replaces for i in self.items)} replace existing ones)" if self.items else "")
                 + f", {len(self.skipped)} skipped"]
        lines += [f"  skipped {name}: {why}" for name, why in self.skipped]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"to_import": [{"annotator": i.annotator, "recording": i.recording_id, "frame": i.frame,
                               "from": i.origin, "replaces": i.replaces} for i in self.items],
                "skipped": [{"file": f, "why": w} for f, w in self.skipped]}


def _check_target(session: ProjectSession, rid: str, frame: int) -> str | None:
    rec = session.project.recordings.get(rid)
    if rec is None:
        return f"no recording {rid!r} in this project"
    if not 0 <= frame < rec.n_frames:
        return f"frame {frame} is outside {rid} (0..{rec.n_frames - 1})"
    return None


def check_points_on_frame(session: ProjectSession, rid: str, points_px: np.ndarray) -> str | None:
    """Why these landmarks cannot be on a frame of ``rid``, or None. A point may lie outside the
    image (a jaw cut off by the frame edge) but not further than one frame size beyond it: the
    preview refuses what a save would refuse or what cannot be a face on this frame (a point at
    (-5000, -7000), a 1e308 coordinate)."""
    intr = session.project.recordings[rid].camera.color
    w, h = intr.width, intr.height
    pts = np.asarray(points_px, np.float64)
    if not np.isfinite(pts).all():
        return "a coordinate is not a finite number"
    bad = np.flatnonzero((pts[:, 0] < -w) | (pts[:, 0] > 2 * w) | (pts[:, 1] < -h) | (pts[:, 1] > 2 * h))
    if len(bad):
        i = int(bad[0])
        return (f"point {i + 1} at ({pts[i, 0]:.6g}, {pts[i, 1]:.6g}) is far outside the {w}x{h} frame "
                f"({len(bad)} point(s) out of range): check the file's coordinates")
    return None


def plan_import(session: ProjectSession, source: Path, annotator: str | None = None) -> ImportPlan:
    """Read ``source`` (a folder of .pts files, a folder of annotator folders, or a CSV file)
    and say what would be imported and what skipped."""
    source = Path(source)
    if annotator is not None:
        check_annotator_id(annotator)
    plan = ImportPlan()
    if source.is_file() and source.suffix.lower() == ".csv":
        rows, bad = read_csv(source)
        plan.skipped += [(source.name, why) for why in bad]
        for k, r in enumerate(rows):
            ann = annotator or r.annotator
            why = _check_target(session, r.recording, r.frame)
            if r.source not in ("annotator", "") and annotator is None:
                why = why or f"a {r.source} row, not an annotator's (give --annotator to import it as one)"
            if why is None:
                try:
                    check_annotator_id(ann)
                except ValueError as exc:
                    why = str(exc)
            why = why or check_points_on_frame(session, r.recording, r.points_px)
            if why:
                plan.skipped.append((f"{source.name} row {k + 1}", why))
            else:
                plan.items.append(ImportItem(ann, r.recording, r.frame, r.points_px, r.visible,
                                             f"{source.name} row {k + 1}"))
    elif source.is_dir():
        files = sorted(source.glob("*.pts"))
        subdirs = sorted(d for d in source.iterdir() if d.is_dir())
        if files:
            if annotator is None:
                raise ValueError(f"{source} holds .pts files: say whose annotations they are (--annotator ID)")
            groups = [(annotator, files)]
        else:
            groups = [(annotator or d.name, sorted(d.glob("*.pts"))) for d in subdirs]
        if not any(fs for _, fs in groups):
            raise ValueError(f"{source} holds no .pts files (nor annotator folders of them)")
        for ann, fs in groups:
            try:
                check_annotator_id(ann)
            except ValueError as exc:
                plan.skipped += [(str(f.relative_to(source)), str(exc)) for f in fs]
                continue
            for f in fs:
                _plan_pts(session, plan, source, f, ann)
    else:
        raise ValueError(f"{source} is neither a folder of .pts files nor a .csv file")
    project = session.project
    for item in plan.items:
        item.replaces = project.annotation_of(item.recording_id, item.frame, item.annotator) is not None
    return plan


def _plan_pts(session: ProjectSession, plan: ImportPlan, root: Path, f: Path, ann: str) -> None:
    name = str(f.relative_to(root))
    m = _NAME.match(f.stem)
    if not m:
        plan.skipped.append((name, "the file name must be <recording>_f<frame>.pts (e.g. SIM001-OPEN_f00012.pts)"))
        return
    rid, frame = m.group("rec"), int(m.group("frame"))
    why = _check_target(session, rid, frame)
    if why:
        plan.skipped.append((name, why))
        return
    try:
        pts = read_pts(f)
    except PtsFormatError as exc:
        plan.skipped.append((name, str(exc)))
        return
    why = check_points_on_frame(session, rid, pts)
    if why:
        plan.skipped.append((name, why))
        return
    plan.items.append(ImportItem(ann, rid, frame, pts, np.ones(68, bool), name))


class ImportAnnotations(Command):
    """Put the imported sets into the project (one undo step; undo restores what they replaced)."""

    change_kind = "annotations"

    @property
    def recording_ids(self) -> tuple[str, ...]:
        return tuple(sorted({s.recording_id for s in self.sets}))

    def __init__(self, session: ProjectSession, sets: list[LandmarkSet], label: str) -> None:
        self.session, self.sets, self.label = session, sets, label
        self.old = {s.id: session.project.landmark_sets.get(s.id) for s in sets}

    def do(self) -> None:
        for s in self.sets:
            self.session.project.landmark_sets[s.id] = s

    def undo(self) -> None:
        for sid, old in self.old.items():
            if old is None:
                self.session.project.landmark_sets.pop(sid, None)
            else:
                self.session.project.landmark_sets[sid] = old


def apply_import(session: ProjectSession, plan: ImportPlan, origin: str) -> int:
    """Add the plan's annotations (one undo step); the number imported."""
    created = now_iso()
    sets = [LandmarkSet(annotation_id(i.recording_id, i.frame, i.annotator), i.recording_id, i.frame, i.points_px,
                        LandmarkSource("annotator", annotator_id=i.annotator), created, visible=i.visible)
            for i in plan.items]
    if sets:
        session.apply(ImportAnnotations(session, sets, f"import {len(sets)} annotation(s) from {origin}"))
    return len(sets)

