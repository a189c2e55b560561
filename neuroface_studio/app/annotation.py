"""Annotating frames: proposals, one layer per annotator, undoable journaled edits, the queue.

An :class:`AnnotationService` serves one open :class:`ProjectSession`. Every change of an
annotator's landmarks is a :class:`SetAnnotation` command on the session's undo stack, and
every do/undo is appended to the journal (:mod:`neuroface_studio.store.journal`) before the
call returns: a crash or a kill loses nothing that was on screen. :func:`recover_journal`
replays a journal left by a session that did not end with a save; :func:`save` empties it.

Landmark set IDs: ``<recording>-f<frame:05d>-<annotator>`` for an annotator's layer (one per
frame, replaced by each edit) and ``<recording>-f<frame:05d>-model-<model>`` for the model
proposal it corrects (added with the first edit of the frame).
"""

from __future__ import annotations

import dataclasses

import re
import threading
from dataclasses import dataclass

import numpy as np

from neuroface_studio.analysis import frame_selection
from neuroface_studio.analysis.agreement import agreement, consensus
from neuroface_studio.app.jobs import CancelToken, ProgressFn, no_progress
from neuroface_studio.app.project_service import ProjectSession, current_user
from neuroface_studio.domain.annotations import LandmarkSet, LandmarkSource, QueueItem
from neuroface_studio.domain.landmarks import N_LANDMARKS
from neuroface_studio.domain.project import now_iso
from neuroface_studio.edits.undo import Command
from neuroface_studio.store.errors import StoreError
from neuroface_studio.store.journal import Journal, journal_path, read_journal

_SAFE_ANNOTATOR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


def annotation_id(recording_id: str, frame: int, annotator_id: str) -> str:
    return f"{recording_id}-f{frame:05d}-{annotator_id}"


def proposal_id(recording_id: str, frame: int, model: str) -> str:
    return f"{recording_id}-f{frame:05d}-model-{model}"


def check_annotator_id(annotator_id: str) -> str:
    if not _SAFE_ANNOTATOR.fullmatch(annotator_id or ""):
        raise ValueError(f"annotator ID {annotator_id!r}: use 1-32 letters, digits, '_', '.', '-' "
                         "(initials or a code, not a full name)")
    return annotator_id


class SetAnnotation(Command):
    """Put ``new`` (an annotator's set, and the model proposal it corrects when that is not in the
    project yet); undo restores what was there before. Every do/undo is journaled."""

    change_kind = "annotations"  # what the session's change notification says (views redraw only that)

    @property
    def recording_ids(self) -> tuple[str, ...]:
        return (self.new.recording_id,)

    def __init__(self, service: "AnnotationService", new: LandmarkSet, proposal: LandmarkSet | None,
                 label: str) -> None:
        self.service, self.new, self.label = service, new, label
        sets = service.session.project.landmark_sets
        self.old = sets.get(new.id)
        self.proposal = proposal if proposal is not None and proposal.id not in sets else None

    def do(self) -> None:
        if self.proposal is not None:
            self.service._put(self.proposal)
        self.service._put(self.new)

    def undo(self) -> None:
        if self.old is not None:
            self.service._put(self.old)
        else:
            self.service._remove(self.new.id)
        if self.proposal is not None:
            self.service._remove(self.proposal.id)


@dataclass
class Proposal:
    points_px: np.ndarray  # (68, 2)
    visible: np.ndarray  # (68,)
    source: LandmarkSource
    scores: np.ndarray | None = None


class AnnotationService:
    """Annotation of one project by one annotator at a time (``annotator_id``)."""

    def __init__(self, session: ProjectSession, annotator_id: str, store_dir=None) -> None:
        self.session = session
        self.annotator_id = check_annotator_id(annotator_id)
        self.journal = Journal(session.folder)
        self._store_dir = store_dir
        self._predictor = None
        self._predictor_lock = threading.Lock()  # warm_model() opens it on a worker thread
        self._tracks: dict[str, object] = {}

    # -- journaled primitive changes (only SetAnnotation calls these) ----------------------
    def _put(self, ls: LandmarkSet) -> None:
        self.session.project.landmark_sets[ls.id] = ls
        self.journal.put(ls, now_iso(), current_user())

    def _remove(self, set_id: str) -> None:
        self.session.project.landmark_sets.pop(set_id, None)
        self.journal.remove(set_id, now_iso(), current_user())

    # -- proposals ---------------------------------------------------------------------------
    def proposal(self, recording_id: str, frame: int) -> Proposal | None:
        """The model's landmarks on the frame: a proposal already in the project, else the
        recording's landmark track (the active model's if it has one), else the active model run
        on the frame now. None when no face is found."""
        project = self.session.project
        for ls in project.landmark_sets_of(recording_id, frame):
            if ls.source.kind == "model":
                return Proposal(ls.points_px.copy(), ls.visible.copy(), ls.source)
        track = self._track(recording_id)
        if track is not None:
            pts = track.points(frame)
            if pts is not None:
                m = track.model
                return Proposal(pts, np.ones(N_LANDMARKS, bool), LandmarkSource(
                    "model", m.get("name", "model"), m.get("version", ""), m.get("sha256", "")),
                    track.scores[frame].copy())
        predictor = self._open_predictor()
        with self.session.open_recording(recording_id) as reader:
            image = reader.color(frame)
        pred = predictor.predict(image)
        if pred is None:
            return None
        info = predictor.info
        return Proposal(pred.points_px, np.ones(N_LANDMARKS, bool),
                        LandmarkSource("model", info.name, info.version, info.sha256), pred.scores)

    def _track(self, recording_id: str):
        if recording_id not in self._tracks:
            from neuroface_studio.app.landmarking import read_track, tracks_of
            from neuroface_studio.vision.registry import active_model
            names = tracks_of(self.session, recording_id)
            track = None
            if names:
                active = active_model(self._store_dir)
                name = active if active in names else names[0]
                try:
                    track = read_track(self.session, recording_id, name)
                except StoreError:  # a damaged track: fall back to running the model
                    track = None
            self._tracks[recording_id] = track
        return self._tracks[recording_id]

    def forget_tracks(self, recording_ids=()) -> None:
        """Read the landmark tracks of ``recording_ids`` (all when empty) again at the next proposal:
        a job wrote new ones."""
        for rid in list(recording_ids) or list(self._tracks):
            self._tracks.pop(rid, None)

    def _open_predictor(self):
        with self._predictor_lock:
            if self._predictor is None:
                from neuroface_studio.vision.registry import open_predictor
                self._predictor = open_predictor(None, self._store_dir)
            return self._predictor

    def needs_model(self) -> bool:
        """Whether a queued frame has neither a model proposal in the project nor a landmark track:
        showing it runs the landmark model on the frame (opening the model takes ~1 s; a frame then
        10-20 ms with dlib68)."""
        from neuroface_studio.app.landmarking import tracks_of
        if self._predictor is not None:
            return False  # open already: a frame costs milliseconds
        project, tracked = self.session.project, {}
        for q in project.annotation_queue:
            if q.recording_id not in project.recordings:
                continue
            if q.recording_id not in tracked:
                tracked[q.recording_id] = bool(tracks_of(self.session, q.recording_id))
            if not tracked[q.recording_id] and not any(
                    ls.source.kind == "model" for ls in project.landmark_sets_of(q.recording_id, q.frame_index)):
                return True
        return False

    def warm_model(self) -> None:
        """Open the landmark model now (the GUI calls this on a worker thread when :meth:`needs_model`),
        so that showing such a frame does not wait for the model file to load."""
        self._open_predictor()

    # -- the annotator's layer ----------------------------------------------------------------
    def annotation(self, recording_id: str, frame: int, annotator_id: str | None = None) -> LandmarkSet | None:
        return self.session.project.annotation_of(recording_id, frame, annotator_id or self.annotator_id)

    def set_points(self, recording_id: str, frame: int, points_px: np.ndarray, visible: np.ndarray | None = None,
                   label: str = "edit landmarks", proposal: Proposal | None = None) -> LandmarkSet:
        """Make ``points_px`` this annotator's landmarks on the frame (one undo step, journaled)."""
        project = self.session.project
        rec = project.recordings.get(recording_id)
        if rec is None:
            raise ValueError(f"unknown recording {recording_id}")
        if not 0 <= frame < rec.n_frames:
            raise ValueError(f"frame {frame} is outside {recording_id} (0..{rec.n_frames - 1})")
        vis = np.ones(N_LANDMARKS, bool) if visible is None else np.asarray(visible, bool)
        prop_set = None
        old = self.annotation(recording_id, frame)
        corrects = old.corrects if old is not None else None
        if corrects is None and proposal is not None:
            pid = proposal_id(recording_id, frame, proposal.source.name)
            corrects = pid
            if pid not in project.landmark_sets:
                prop_set = LandmarkSet(pid, recording_id, frame, proposal.points_px, proposal.source, now_iso(),
                                       visible=proposal.visible)
        new = LandmarkSet(annotation_id(recording_id, frame, self.annotator_id), recording_id, frame,
                          np.asarray(points_px, np.float64),
                          LandmarkSource("annotator", annotator_id=self.annotator_id), now_iso(),
                          visible=vis, corrects=corrects)
        self.session.apply(SetAnnotation(self, new, prop_set, f"{label} ({recording_id} frame {frame})"))
        return new

    def copy_from_previous(self, recording_id: str, frame: int) -> LandmarkSet | None:
        """This annotator's nearest earlier annotated frame of the recording, or None."""
        earlier = [s for s in self.session.project.landmark_sets_of(recording_id)
                   if s.source.kind == "annotator" and s.source.annotator_id == self.annotator_id
                   and s.frame_index < frame]
        return max(earlier, key=lambda s: s.frame_index) if earlier else None

    # -- queue -------------------------------------------------------------------------------
    def queue(self) -> list[QueueItem]:
        return list(self.session.project.annotation_queue)

    def progress(self) -> dict:
        """Per participant (for this annotator) and per annotator: queued frames done / total."""
        return queue_progress(self.session.project, self.annotator_id)

    def next_item(self, after: QueueItem | None = None) -> QueueItem | None:
        """The first queued frame this annotator has not annotated (after ``after`` when given)."""
        items = self.queue()
        start = 0
        if after is not None and after in items:
            start = items.index(after) + 1
        for q in items[start:] + items[:start]:
            if self.annotation(q.recording_id, q.frame_index) is None:
                return q
        return None


def queue_progress(project, annotator_id: str | None = None) -> dict:
    """``{"total", "annotators": {id: done}, "participants": {id: {"total", "done"}}}`` for the queue;
    the per-participant counts are ``annotator_id``'s (none without one)."""
    queue = project.annotation_queue
    out: dict = {"total": len(queue), "annotators": {}, "participants": {}}
    for ann in sorted(set(project.annotators()) | ({annotator_id} if annotator_id else set())):
        out["annotators"][ann] = sum(project.annotation_of(q.recording_id, q.frame_index, ann) is not None
                                     for q in queue)
    if annotator_id:
        for q in queue:
            d = out["participants"].setdefault(project.participant_of(q.recording_id).id, {"total": 0, "done": 0})
            d["total"] += 1
            d["done"] += project.annotation_of(q.recording_id, q.frame_index, annotator_id) is not None
    return out


class SetQueue(Command):
    """Replace the annotation queue (undoable)."""

    def __init__(self, session: ProjectSession, items: list[QueueItem], label: str) -> None:
        self.session, self.items, self.label = session, list(items), label
        self.old = list(session.project.annotation_queue)

    def do(self) -> None:
        self.session.project.annotation_queue = list(self.items)

    def undo(self) -> None:
        self.session.project.annotation_queue = list(self.old)


def propose_frames(session: ProjectSession, recording_ids: list[str] | None = None, per_recording: int = 5,
                   model: str | None = None, progress: ProgressFn = no_progress, cancel: CancelToken | None = None,
                   store_dir=None) -> list[QueueItem]:
    """Frames to annotate in each recording (``per_recording`` each), from the recordings'
    landmark tracks (landmarked first, with ``model`` or the active model, when missing).
    Frames already annotated or queued are not chosen again."""
    from neuroface_studio.app.landmarking import landmark_recording, read_track, tracks_of
    from neuroface_studio.vision.registry import active_model
    project = session.project
    ids = list(recording_ids) if recording_ids else sorted(project.recordings)
    unknown = [r for r in ids if r not in project.recordings]
    if unknown:
        raise ValueError(f"unknown recording(s) {', '.join(unknown)}")
    if per_recording < 1:
        raise ValueError("choose at least 1 frame per recording")
    items: list[QueueItem] = []
    for k, rid in enumerate(ids):
        if cancel is not None:
            cancel.raise_if_cancelled()
        names = tracks_of(session, rid)
        want = model or active_model(store_dir)
        if want in names:
            name = want
        elif names and model is None:
            name = names[0]
        else:
            name = landmark_recording(session, rid, want, cancel=cancel, store_dir=store_dir).model
        track = read_track(session, rid, name)
        taken = {ls.frame_index for ls in project.landmark_sets_of(rid) if ls.source.kind == "annotator"}
        taken |= {q.frame_index for q in project.annotation_queue if q.recording_id == rid}
        reps = [(r.start_frame, r.end_frame) for r in project.repetitions_of(rid)]
        gap = max(2, int(round(project.recordings[rid].fps / 10)))
        from neuroface_studio.app.head_pose import turned_away_frames  # issue 15: landmark head pose
        away = turned_away_frames(session, rid, track.n_frames, name)
        chosen = frame_selection.select_frames(track.landmarks_px, per_recording, track.scores, reps, min_gap=gap,
                                               exclude=taken, turned_away=away)
        items += [QueueItem(rid, c.frame, f"{c.reason}" + (f" ({c.detail})" if c.detail else "")) for c in chosen]
        progress(k + 1, len(ids), f"{rid}: {len(chosen)} frame(s) chosen")
    return items


def queue_frames(session: ProjectSession, items: list[QueueItem], replace_queue: bool = False) -> None:
    """Add ``items`` to the queue (or replace it) as one undo step."""
    keep = [] if replace_queue else list(session.project.annotation_queue)
    keys = {q.key for q in keep}
    new = keep + [q for q in items if q.key not in keys]
    session.apply(SetQueue(session, new, f"queue {len(new) - len(keep)} frame(s) for annotation"))


def annotations_by_annotator(session: ProjectSession, recording_ids=None) -> dict[str, dict]:
    """annotator -> {(recording, frame): (points, visible)} (for agreement and consensus)."""
    out: dict[str, dict] = {}
    for ls in session.project.landmark_sets.values():
        if ls.source.kind != "annotator" or (recording_ids and ls.recording_id not in recording_ids):
            continue
        out.setdefault(ls.source.annotator_id, {})[(ls.recording_id, ls.frame_index)] = (ls.points_px, ls.visible)
    return out


def inter_annotator_agreement(session: ProjectSession, recording_ids=None) -> dict:
    return agreement(annotations_by_annotator(session, recording_ids))


def consensus_of(session: ProjectSession, recording_id: str, frame: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The mean of the annotators of the frame (None when nobody annotated it)."""
    sets = [s for s in session.project.landmark_sets_of(recording_id, frame) if s.source.kind == "annotator"]
    if not sets:
        return None
    return consensus(np.stack([s.points_px for s in sets]), np.stack([s.visible for s in sets]))


# -- recovery (ProjectSession.save empties the journal) ---------------------------------------
def discard_journal(session: ProjectSession) -> None:
    """Forget unsaved annotation edits (the user closed without saving, or declined recovery)."""
    Journal(session.folder).clear()
    session.journal_pending = False


def has_journal(session: ProjectSession) -> bool:
    path = journal_path(session.folder)
    return path.exists() and path.stat().st_size > 0


def recover_journal(session: ProjectSession) -> dict:
    """Replay the journal left by a session that did not save onto the open project.

    Returns ``{"edits": n, "skipped": damaged lines, "frames": [...]}``. The project is then
    unsaved (the journal stays until the next save). Lines naming a recording the project no
    longer has are skipped and counted.
    """
    entries, skipped = read_journal(session.folder)
    session.journal_pending = False  # its edits are now this session's: the next save holds them
    project = session.project
    frames = set()
    journaled = {e.landmark_set.id for e in entries if e.op == "put"}
    unlinked = 0
    for e in entries:
        if e.op == "put":
            ls = e.landmark_set
            rec = project.recordings.get(ls.recording_id)
            if rec is None or ls.frame_index >= rec.n_frames:
                skipped += 1
                continue
            if ls.corrects and ls.corrects not in project.landmark_sets and ls.corrects not in journaled:
                # it corrects a proposal whose journal line was damaged: keep the person's points,
                # drop the link (a dangling link would make the saved project unloadable)
                ls = dataclasses.replace(ls, corrects=None)
                unlinked += 1
            project.landmark_sets[ls.id] = ls
            frames.add((ls.recording_id, ls.frame_index))
        else:
            if any(s.corrects == e.set_id for s in project.landmark_sets.values() if s.id != e.set_id):
                skipped += 1  # still needed by a correction
                continue
            project.landmark_sets.pop(e.set_id, None)
    if entries:
        session.undo.mark_changed(f"recover {len(entries)} annotation edit(s) from the journal")
        project.log(current_user(), "recover annotations",
                    f"{len(entries)} edit(s) replayed from the journal, {skipped} skipped"
                    + (f", {unlinked} kept without the proposal they corrected (its line was damaged)"
                       if unlinked else ""))
    return {"edits": len(entries), "skipped": skipped, "unlinked": unlinked, "frames": sorted(frames)}


class ClearAnnotation(Command):
    """Remove an annotator's set (undo puts it back); journaled like SetAnnotation."""

    change_kind = "annotations"

    @property
    def recording_ids(self) -> tuple[str, ...]:
        return (self.old.recording_id,)

    def __init__(self, service: "AnnotationService", old: LandmarkSet, label: str) -> None:
        self.service, self.old, self.label = service, old, label

    def do(self) -> None:
        self.service._remove(self.old.id)

    def undo(self) -> None:
        self.service._put(self.old)


def clear_annotation(service: AnnotationService, recording_id: str, frame: int) -> None:
    """Remove this annotator's landmarks on the frame (undoable): "reset to the model proposal"."""
    old = service.annotation(recording_id, frame)
    if old is not None:
        service.session.apply(ClearAnnotation(service, old, f"reset to proposal ({recording_id} frame {frame})"))
