"""Repetition proposals for a project's recordings (used by the Segment workspace and the CLI).

For each recording: choose the landmarks (a stored model track, :func:`landmark_source`; when
there is none, landmark the recording first with the built-in dlib68 model, ~200 fps), compute
the task's kinematic trace (:mod:`neuroface_studio.analysis.traces`), propose spans
(:mod:`neuroface_studio.analysis.segmentation`) and, for simulated recordings, compare them
with the true spans of ``truth/<recording>.h5``. Nothing changes in the project until
:func:`apply_proposals` pushes one undo step (a :class:`ReplaceRepetitions` per recording, together);
recordings whose repetitions are a person's (:func:`persons_recordings`) are kept unless asked.

GUI use (on a worker thread for :func:`propose_for_project`; one recording is fast once
landmarked)::

    result = propose_for_recording(session, "SIM001-OPEN")         # RecordingSegmentation
    trace = result.trace_values                                     # (T,) for the timeline
    trace = trace_for_recording(session, "SIM001-OPEN")             # the same, without proposing
    apply_proposals(session, [result], keep=persons_recordings(session, [result]))  # one undo step
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neuroface_studio.analysis.segmentation import (
    BoundaryError, ProposedSpan, SegmentationParams, boundary_error_frames, params_for_task, pooled_mean_abs,
    propose_repetitions,
)
from neuroface_studio.analysis.speech_segmentation import SPEECH_TASKS, plausible_repetitions, propose_speech_timed
from neuroface_studio.analysis.traces import compute_trace
from neuroface_studio.app.frame_times import recording_times
from neuroface_studio.app.jobs import CancelToken, ProgressFn, no_progress
from neuroface_studio.app.landmarking import (
    LandmarkingResult, landmark_recording, log_landmarking, read_track, tracks_of,
)
from neuroface_studio.app.project_service import ProjectSession, current_user
from neuroface_studio.edits.repetition_commands import ReplaceRepetitions, persons_repetitions
from neuroface_studio.edits.undo import CompoundCommand
from neuroface_studio.store.errors import StoreError

FALLBACK_MODEL = "dlib68"
RED = 3  # live pose feedback level "red" stored per frame by the recorder (head turned away)


def _active_model(store_dir: Path | None) -> str | None:
    try:
        from neuroface_studio.vision.registry import active_model
        return active_model(store_dir)
    except Exception:  # noqa: BLE001 - an unreadable model store must not stop segmentation
        return None


def landmark_source(session: ProjectSession, recording_id: str, model: str | None = None,
                    store_dir: Path | None = None) -> str | None:
    """The model whose stored track to use for ``recording_id``, or None when it has no track.

    ``model`` if given (ValueError when it has no track); else the active model's track; else
    the first complete track by name; else any track.
    """
    _check_recording(session, recording_id)
    names = tracks_of(session, recording_id)
    if model is not None:
        if model not in names:
            raise ValueError(f"recording {recording_id} has no {model} track; tracks: {', '.join(names) or 'none'}. "
                             f"Run `neuroface-studio landmark PROJECT --recording {recording_id} --model {model}`")
        return model
    if not names:
        return None
    active = _active_model(store_dir)
    if active in names:
        return active
    complete = [n for n in names if _track_complete(session, recording_id, n)]
    return (complete or names)[0]


def _track_complete(session: ProjectSession, recording_id: str, name: str) -> bool:
    try:
        return read_track(session, recording_id, name).complete
    except StoreError:
        return False


def _check_recording(session: ProjectSession, recording_id: str) -> None:
    if recording_id not in session.project.recordings:
        raise ValueError(f"unknown recording {recording_id!r}; see `neuroface-studio project info` for the IDs")


@dataclass
class RecordingSegmentation:
    """The proposal for one recording (and its agreement with truth when simulated)."""

    recording_id: str
    task_code: str
    trace: str
    model: str | None  # landmarks used (None: nothing proposed)
    fps: float
    n_frames: int
    spans: list[ProposedSpan] = field(default_factory=list)
    params: SegmentationParams | None = None
    true_spans: list[tuple[int, int]] | None = None  # simulated recordings only
    boundary_error: BoundaryError | None = None
    landmarked: bool = False  # the recording was landmarked by this run
    problem: str = ""  # why nothing was proposed (no face, REST, ...)
    trace_values: np.ndarray | None = field(default=None, repr=False)  # (T,) the trace, for the timeline
    time_source: str = ""  # which clock the proposal used (recorded timestamps, or index/fps and why)
    landmarking: LandmarkingResult | None = field(default=None, repr=False)  # when this run landmarked
    basis: str = ""  # speech tasks: whether the spans come from the sound or the lips and jaw, and why

    @property
    def frames(self) -> list[tuple[int, int]]:
        return [(s.start, s.end) for s in self.spans]

    @property
    def segmented(self) -> bool:
        return self.params is not None and self.params.mode != "none"

    def to_dict(self) -> dict:
        d = {"recording": self.recording_id, "task": self.task_code, "trace": self.trace, "model": self.model,
             "fps": self.fps, "n_frames": self.n_frames, "spans": [s.to_dict() for s in self.spans],
             "landmarked": self.landmarked, "problem": self.problem, "time": self.time_source,
             "mode": self.params.mode if self.params else None, "basis": self.basis}
        if self.true_spans is not None:
            d["true_spans"] = [list(s) for s in self.true_spans]
        if self.boundary_error is not None:
            d["boundary_error"] = self.boundary_error.to_dict()
        return d


def propose_for_recording(session: ProjectSession, recording_id: str, model: str | None = None,
                          params: SegmentationParams | None = None, progress: ProgressFn = no_progress,
                          cancel: CancelToken | None = None, store_dir: Path | None = None,
                          landmark_if_missing: bool = True) -> RecordingSegmentation:
    """Propose repetitions for one recording; the project is not changed.

    Uses :func:`landmark_source`'s track; without one (and ``landmark_if_missing``) it first
    landmarks the recording with ``model`` (default dlib68) (progress per frame; JobCancelled on cancel, the
    frames done are kept). A recording whose task is not segmented (REST) gets no spans; one
    without any face gets no spans and ``problem`` says so.
    """
    _check_recording(session, recording_id)
    rec = session.project.recordings[recording_id]
    try:
        task = session.project.protocol.task(rec.task_code)
    except KeyError:
        task = None
    p = params or (params_for_task(task) if task else SegmentationParams())
    trace_name = task.trace if task else "lip_aperture"
    out = RecordingSegmentation(recording_id, rec.task_code, trace_name, None, rec.fps, rec.n_frames, params=p)
    truth = session.truth(recording_id)
    if truth is not None:
        out.true_spans = [(int(a), int(b)) for a, b in np.asarray(truth.repetitions).reshape(-1, 2)]
    if p.mode == "none":
        out.problem = f"task {rec.task_code} is not segmented into repetitions"
        progress(1, 1, f"{recording_id}: not segmented")
        return out
    wanted = model if model is not None and landmark_if_missing else None
    if wanted is not None and wanted not in tracks_of(session, recording_id):
        source = None
    else:
        source = landmark_source(session, recording_id, model, store_dir)
    if source is None or not _track_complete(session, recording_id, source):
        if not landmark_if_missing:
            out.problem = f"recording {recording_id} has no landmark track; landmark it first"
            return out
        res = landmark_recording(session, recording_id, source or wanted or FALLBACK_MODEL, progress=progress,
                                 cancel=cancel, store_dir=store_dir)
        source, out.landmarked, out.landmarking = res.model, True, res
    out.model = source
    speech = params is None and rec.task_code.upper() in SPEECH_TASKS
    # the track, its pose and the frame times are read once for every trace the proposal needs
    track, traces = traces_for_recording(session, recording_id, (trace_name,) + (
        ("lip_aperture", "jaw_opening") if speech else ()), source)
    values = traces[trace_name]
    out.trace_values = values
    face = np.isfinite(track.landmarks_px).all(axis=(1, 2))
    faces = int(face.sum())
    if not np.isfinite(values).any() and faces == 0:
        out.problem = (f"no face was found on any frame of {recording_id} (model {source}); "
                       "check the video, landmark it with another model, or mark repetitions by hand")
    elif not np.isfinite(values).any():  # issue 15: faces, but every one turned away (landmark head pose)
        out.problem = (f"the face on {faces}/{len(values)} frames of {recording_id} (model {source}) is turned "
                       "away from the camera on every frame (head pose from the landmarks); "
                       "check the recording, or mark repetitions by hand")
    else:
        times = recording_times(session, recording_id, len(values))
        out.time_source = times.describe()
        from neuroface_studio.app.sound_proposals import combine_with_lips, sound_spans  # issue 19
        speech_fallback = False
        if speech:  # issue 18: syllable-rate oscillation of the lips and jaw (no sound needed)
            out.spans = list(propose_speech_timed(traces["lip_aperture"], traces["jaw_opening"], rec.fps,
                                                  rec.task_code, times).spans)
            if not out.spans:  # no syllable rhythm (a short or free-talking clip): the movement method, said
                out.spans = plausible_repetitions(list(propose_repetitions(values, rec.fps, p, times=times).spans),
                                                  rec.task_code, times.t_s)
                speech_fallback = bool(out.spans)
        else:
            out.spans = list(propose_repetitions(values, rec.fps, p, times=times).spans)
        by_sound, why = sound_spans(session, recording_id, rec.task_code, values, face)
        if by_sound is not None:
            out.spans, out.basis = combine_with_lips(by_sound, out.spans if speech and not speech_fallback else [], why)
        elif speech:
            out.basis = ("from the trace's movement: no syllable rhythm found in the lips and jaw"
                         if speech_fallback else "from the lips and jaw (syllable-rate oscillation)") + (
                f": {why}" if why else "")
        else:  # a speech task proposed with the user's own settings: the movement method
            out.basis = f"from the trace's movement: {why}" if why else ""
    if out.true_spans is not None:
        out.boundary_error = boundary_error_frames(out.frames, out.true_spans)
    progress(1, 1, f"{recording_id}: {len(out.spans)} repetition(s) proposed")
    return out


def task_trace_name(session: ProjectSession, recording_id: str) -> str:
    """The trace the recording's task names in the protocol (lip_aperture when the task is unknown)."""
    _check_recording(session, recording_id)
    code = session.project.recordings[recording_id].task_code
    return session.project.protocol.task(code).trace if code in session.project.protocol.codes else "lip_aperture"


def trace_for_recording(session: ProjectSession, recording_id: str, trace: str | None = None,
                        model: str | None = None, store_dir: Path | None = None) -> np.ndarray:
    """Trace ``(T,)`` (interocular units, NaN without a face) of a recording from a stored track.

    ``trace`` None: the task's trace; ``model`` None: :func:`landmark_source`'s choice. Raises
    ValueError when the recording has no track (landmark it first) or the trace is unknown.
    For the Segment workspace's timeline; gaps up to 0.1 s (of recorded time) are interpolated; frames with the head
    turned away (the head pose from the landmarks beyond the live feedback's red thresholds, or a
    sideways turn seen in the landmarks; and 0.08 s either side) are NaN.
    """
    name = trace or task_trace_name(session, recording_id)
    return traces_for_recording(session, recording_id, (name,), model, store_dir)[1][name]


def traces_for_recording(session: ProjectSession, recording_id: str, traces: tuple[str, ...],
                         model: str | None = None, store_dir: Path | None = None):
    """(the landmark track, {name: trace (T,)}) for several traces of one recording, reading the
    track, its head pose and the frame times once (:func:`trace_for_recording` for one trace)."""
    source = model or landmark_source(session, recording_id, None, store_dir)
    if source is None:
        raise ValueError(f"recording {recording_id} has no landmark track yet; landmark it (Analyze > Landmark, "
                         f"or `neuroface-studio landmark PROJECT --recording {recording_id}`)")
    track = read_track(session, recording_id, source)
    points = track.landmarks_px.astype(np.float64)
    fps = 1.0 / recording_times(session, recording_id, len(points)).median_interval_s  # frames per real second
    red = _red_frames(session, recording_id, len(points), source)
    points[red] = np.nan  # head turned away (pose from the landmarks, live feedback's red thresholds)
    gap, margin = max(1, int(round(0.1 * fps))), int(round(0.08 * fps))
    return track, {name: compute_trace(name, points, max_gap=gap, turn_margin=margin) for name in dict.fromkeys(traces)}


def _red_frames(session: ProjectSession, recording_id: str, n: int, model: str | None = None) -> np.ndarray:
    """Frames (n,) bool with the head turned away: red by the live feedback's thresholds, from the
    head pose of ``model``'s landmark track (issue 15: every recording alike, imported or live;
    the levels the recorder stored live are capture history, not used here). None without a track."""
    from neuroface_studio.app.head_pose import turned_away_frames
    return turned_away_frames(session, recording_id, n, model)


@dataclass
class SegmentationReport:
    results: list[RecordingSegmentation]

    @property
    def boundary_error_frames(self) -> float | None:
        """Mean absolute boundary error over every matched boundary of the simulated recordings."""
        return pooled_mean_abs([r.boundary_error for r in self.results if r.boundary_error is not None])

    @property
    def has_truth(self) -> bool:
        return any(r.true_spans is not None for r in self.results)

    def summary(self, category_of=None) -> dict:
        """Totals; with ``category_of(task_code)`` also the pooled error per task category."""
        bes = [r.boundary_error for r in self.results if r.boundary_error is not None]
        d = {"n_recordings": len(self.results), "proposed": sum(len(r.spans) for r in self.results),
             "problems": sum(bool(r.problem) and r.segmented for r in self.results)}
        if bes:
            d.update(boundary_error_frames=_round(self.boundary_error_frames), misses=sum(b.misses for b in bes),
                     extras=sum(b.extras for b in bes), matched=sum(len(b.matched) for b in bes))
            if category_of is not None:
                cats: dict[str, list] = {}
                for r in self.results:
                    if r.boundary_error is not None:
                        cats.setdefault(category_of(r.task_code), []).append(r.boundary_error)
                d["boundary_error_frames_by_category"] = {c: _round(pooled_mean_abs(v))
                                                          for c, v in sorted(cats.items())}
            d["by_task"] = self.by_task()
        return d

    def by_task(self) -> dict:
        """Per task, over its simulated recordings: median and mean |boundary error| (frames, every
        matched start and end), true repetitions, misses, extras, and the longest proposal as a
        share of its take (1.0 = one repetition spanning the whole take)."""
        out: dict[str, dict] = {}
        for task in sorted({r.task_code for r in self.results if r.boundary_error is not None}):
            rs = [r for r in self.results if r.task_code == task and r.boundary_error is not None]
            errs = [abs(e) for r in rs for pair in r.boundary_error.errors for e in pair]
            out[task] = {"recordings": len(rs), "true": sum(len(r.true_spans or []) for r in rs),
                         "matched": sum(len(r.boundary_error.matched) for r in rs),
                         "misses": sum(r.boundary_error.misses for r in rs),
                         "extras": sum(r.boundary_error.extras for r in rs),
                         "median_abs": _round(float(np.median(errs))) if errs else None,
                         "mean_abs": _round(float(np.mean(errs))) if errs else None,
                         "longest_share": _round(max((s.end - s.start + 1) / max(r.n_frames, 1)
                                                     for r in rs for s in r.spans) if any(r.spans for r in rs)
                                                 else None)}
        return out

    def to_dict(self, category_of=None) -> dict:
        d = {"recordings": [r.to_dict() for r in self.results], **self.summary(category_of)}
        if self.has_truth and "boundary_error_frames" not in d:
            d["boundary_error_frames"] = None
        return d


def _round(v: float | None) -> float | None:
    return None if v is None else round(float(v), 3)


def propose_for_project(session: ProjectSession, recording_ids: list[str] | None = None, model: str | None = None,
                        progress: ProgressFn = no_progress, cancel: CancelToken | None = None,
                        store_dir: Path | None = None) -> SegmentationReport:
    """Proposals for the given recordings (None: all). Progress counts frames to landmark + recordings.

    Unknown IDs raise ValueError before any work. A recording that fails (no face, unreadable
    track) gets ``problem`` set and the others go on. JobCancelled propagates on cancel.
    """
    ids = list(recording_ids) if recording_ids else sorted(session.project.recordings)
    unknown = [r for r in ids if r not in session.project.recordings]
    if unknown:
        raise ValueError(f"unknown recording(s) {', '.join(unknown)}; see `neuroface-studio project info`")
    total = sum(session.project.recordings[r].n_frames for r in ids) or 1
    results, base = [], 0
    for rid in ids:
        if cancel is not None:
            cancel.raise_if_cancelled()
        n = session.project.recordings[rid].n_frames

        def sub(done: int, count: int, message: str, base=base, n=n) -> None:
            progress(base + int(n * done / max(count, 1)), total, message)
        try:
            results.append(propose_for_recording(session, rid, model=model, progress=sub, cancel=cancel,
                                                 store_dir=store_dir))
        except (StoreError, ValueError) as exc:
            rec = session.project.recordings[rid]
            results.append(RecordingSegmentation(rid, rec.task_code, "", None, rec.fps, rec.n_frames,
                                                 problem=str(exc)))
        base += n
        progress(base, total, f"{rid}: done")
    return SegmentationReport(results)


def persons_recordings(session: ProjectSession, results: list[RecordingSegmentation]) -> list[str]:
    """The recordings among ``results`` with a usable proposal whose repetitions are a person's
    (:func:`~neuroface_studio.edits.repetition_commands.persons_repetitions`): a bulk accept keeps
    them unless the person says otherwise."""
    return [r.recording_id for r in results if r.segmented and not r.problem
            and persons_repetitions(session.project, r.recording_id)]


def apply_proposals(session: ProjectSession, results: list[RecordingSegmentation],
                    keep: Collection[str] = ()) -> list[str]:
    """Replace each segmented recording's repetitions by its proposal, as ONE undo step.

    Recordings not segmented (REST), with a problem, or listed in ``keep`` (e.g.
    :func:`persons_recordings`) are left as they are. One recording: a ReplaceRepetitions;
    several: one CompoundCommand of them (one Ctrl+Z restores all). Returns the IDs changed.
    """
    commands = [ReplaceRepetitions(session.project, r.recording_id, r.frames, source="proposed")
                for r in results if r.segmented and not r.problem and r.recording_id not in keep]
    if len(commands) == 1:
        session.apply(commands[0])
    elif commands:
        session.apply(CompoundCommand(commands, f"accept the proposals of {len(commands)} recordings"))
    return [c.recording_id for c in commands]


def log_segmentation(session: ProjectSession, results: list[RecordingSegmentation], applied: list[str],
                     save: bool = True) -> None:
    """Audit the run: landmarking it did, and the proposals applied (saved when ``save``)."""
    done = [r.landmarking for r in results if r.landmarking is not None]
    if done:
        log_landmarking(session, done, save=save and not applied)
    if not applied:
        return
    detail = "; ".join(f"{r.recording_id}: {len(r.spans)} from {r.trace} ({r.model})" for r in results
                       if r.recording_id in applied)
    if save:
        session.save("segment", f"proposed repetitions applied: {detail}")
    else:
        session.project.log(current_user(), "segment", f"proposed repetitions applied: {detail}")
