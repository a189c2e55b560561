"""Import a recording file into a project: every decoded frame, with its own timestamp.

Importing is not recording. A live camera delivers frames in real time and the recorder must
drop what the disk cannot take (acquisition/recorder.py counts those drops); a file waits for
its reader. So a file import reads the file at its own pace on a decoder thread, hands each
frame to the writer through a bounded queue whose ``put`` *blocks* (nothing is ever dropped),
and writes every frame with the timestamp the file gives it — a video's container PTS
(variable frame rate kept), a RealSense file's device clock. The result states
``frames_read`` and ``frames_written``; they are equal unless the import was cancelled or the
disk failed, and the CLI and the GUI say so.

Files with fewer than 2 frames (a still image renamed .mp4, a one-frame video or RealSense
file) are refused before anything is written: a recording needs a duration and movement,
and a photo is landmarked with ``predict-image``.

Frontal fraction: as in a live take, each frame carries the head-pose feedback level of the
pose estimator (dlib 68 tracking + PnP, acquisition/pose.py) and the fraction of frames with
a known level that are green (facing the camera). Here the estimator runs synchronously on
the decoder thread on frames ``pose_every_s`` of file time apart (default 0.1 s; 0 = every
frame, ~11 ms a frame on this CPU) and the frames between carry the last estimate, as live
frames carry the newest one; so the figure is the same on every run.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neuroface_studio.acquisition.recorder import RecordingStats
from neuroface_studio.acquisition.source import Frame, FrameSource, SourceError
from neuroface_studio.app.jobs import CancelToken, JobCancelled, ProgressFn
from neuroface_studio.analysis.take_quality import TakeMeasures
from neuroface_studio.app.live_session import (
    LEVEL_CODES, RecordResult, default_pose_worker, judge_take, next_recording_id, session_for_today,
)
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.domain.project import now_iso
from neuroface_studio.domain.recordings import Recording
from neuroface_studio.domain.timing import duration_from_timestamps, effective_fps
from neuroface_studio.store.project_file import RECORDINGS_DIR, recordings_dir
from neuroface_studio.store.recording_file import RecordingWriter

log = logging.getLogger(__name__)

MIN_FRAMES = 2
QUEUE_FRAMES = 8  # decoded frames waiting for the writer (the decoder blocks beyond this)
PROGRESS_EVERY_S = 0.1
POSE_EVERY_S = 0.1  # head pose sampled at 10 Hz of file time (every frame: ~11 ms a frame more)
_END = object()
#: a share of a frame's raw bytes below what the lossless frame codec stores (measured: ~35% for a
#: phone video's colour, 43-81% for colour + depth): the disk check before an import refuses only a
#: file that cannot fit even at this share, so a file that would fit is never refused
MIN_STORED_FRACTION = 0.15


@dataclass
class ImportResult(RecordResult):
    """A RecordResult (``recording_id``, ``stats``, ``frontal_fraction``) plus the file's accounting."""

    frames_read: int = 0
    source_file: str = ""
    duration_s: float = 0.0  # from the stored timestamps (domain/timing.py)
    fps: float = 0.0  # effective: frames_written / duration_s
    nominal_fps: float = 0.0  # what the file states
    timestamps: str = ""  # where the timestamps came from
    frames_missing_in_file: int = 0  # RealSense: frame-number gaps left by the camera; images: skipped ones
    cancelled: bool = False
    skipped_files: tuple = ()  # image folders: (file name, reason) of every file not imported
    frames_declared: int | None = None  # videos: the frame count the container states (None: states none)
    audio: dict | None = None  # the sound track written (app/audio_import.py), None: none
    audio_note: str = ""  # why there is no sound, or what to know about it

    def summary(self) -> dict:
        d = super().summary()
        d.update(frames_read=self.frames_read, frames_lost_on_import=self.frames_read - self.stats.frames_written,
                 source_file=self.source_file, duration_s=round(self.duration_s, 6), fps=round(self.fps, 6),
                 nominal_fps=self.nominal_fps, timestamps=self.timestamps,
                 frames_missing_in_file=self.frames_missing_in_file, cancelled=self.cancelled,
                 skipped_files=[{"file": f, "reason": r} for f, r in self.skipped_files],
                 frames_declared=self.frames_declared, audio=self.audio, audio_note=self.audio_note)
        return d

    def text(self) -> str:
        """One or two lines for the CLI."""
        s = self.stats
        equal = "all" if self.frames_read == s.frames_written else "NOT all"
        line = (f"imported {self.recording_id} from {self.source_file}: {s.frames_written} frames written of "
                f"{self.frames_read} read ({equal} frames kept), {self.duration_s:.3f} s at {self.fps:.3f} fps "
                f"(timestamps: {self.timestamps}; the file states {self.nominal_fps:g} fps)")
        if self.frontal_fraction is not None:
            line += f", facing the camera in {self.frontal_fraction:.0%} of frames"
        if self.verdict is not None:
            line += f"\nquality: {self.verdict.level} ({self.verdict.headline()})"
        if self.frames_missing_in_file:
            line += (f"\nnote: the source itself lacks {self.frames_missing_in_file} frames (gaps in its frame "
                     "numbers; their time slots stay empty)")
        line += "".join(f"\nskipped {f}: {r}" for f, r in self.skipped_files)
        if self.frames_declared is not None and self.frames_declared != self.frames_read and not self.cancelled:
            line += (f"\nnote: the file's header states {self.frames_declared} frames; {self.frames_read} could be "
                     "decoded, and all of them were written (headers often count frames the decoder never "
                     "yields: an edit list, an AVI index entry for a dropped frame, a clip cut before a key frame; "
                     "a file cut short is refused before import wherever its container states its size)")
        from neuroface_studio.app.audio_import import audio_text
        line += "\n" + audio_text(self.audio, self.audio_note)
        if self.cancelled:
            line += "\nnote: cancelled by the user; the frames written before that are kept"
        if s.error:
            line += f"\nwarning: {s.error}"
        return line


def source_name(source: FrameSource) -> str:
    path = getattr(source, "path", None)
    return Path(path).name if path is not None else type(source).__name__


def too_few_frames_message(name: str, n: int) -> str:
    what = "no frame" if n == 0 else "a single frame (a still image, not a video)"
    return (f"{name} holds {what}: a recording needs at least {MIN_FRAMES} frames to have a duration and "
            "movement, so it was not imported. To landmark a photo, use `neuroface-studio predict-image`.")


class _PoseSampler:
    """(pose, level code) per frame from the estimator, sampled ``every_s`` of file time apart."""

    def __init__(self, pose, camera, every_s: float) -> None:
        self.estimator = None
        if pose is not None:
            worker = pose if hasattr(pose, "submit") or hasattr(pose, "estimate") else pose(camera)
            self.estimator = getattr(worker, "estimator", worker if hasattr(worker, "estimate") else None)
        self.every_s = float(every_s)
        self._next_due = -np.inf
        self._last: tuple = (None, 0)
        self.levels = {0: 0, 1: 0, 2: 0, 3: 0}
        self.angles: list[tuple[float, float, float]] = []  # per frame (NaN: no face or no estimate)
        self._graded = None  # their pose grades (_grades)
        self.errors = 0

    def __call__(self, frame: Frame) -> tuple:
        if self.estimator is not None and frame.timestamp_s >= self._next_due:
            self._next_due = frame.timestamp_s + self.every_s
            self._last = self._estimate(frame)
        self.levels[self._last[1]] += 1
        if self.estimator is not None:
            pose = self._last[0]
            self.angles.append(tuple(pose[:3]) if pose is not None else (np.nan, np.nan, np.nan))
        return self._last

    def _estimate(self, frame: Frame) -> tuple:
        from neuroface_studio.acquisition.feedback import FeedbackThresholds, evaluate
        try:
            est = self.estimator.estimate(frame)
        except Exception:  # noqa: BLE001 - a pose failure must not lose the frames
            log.exception("pose estimation failed on frame %s", frame.index)
            self.errors += 1
            return None, 0
        code = LEVEL_CODES.get(evaluate(est, FeedbackThresholds()).level, 0)
        if not est.face_found:
            return None, code
        # issue 15: a file's frontal-ness is the head's orientation only (acquisition/feedback.pose_grades,
        # the live thresholds); its distance and framing come from a guessed camera, not the participant
        from neuroface_studio.acquisition.feedback import POSE_NONE, pose_grades
        grade = int(pose_grades([(est.yaw_deg, est.pitch_deg, est.roll_deg)])[0])
        code = LEVEL_CODES["red"] if grade == POSE_NONE else grade  # POSE_* 1/2/3 = green/amber/red codes
        return (est.yaw_deg, est.pitch_deg, est.roll_deg, est.distance_mm), code

    @property
    def frontal_fraction(self) -> float | None:
        """Share of the frames facing the camera, relative to the file's own straight ahead
        (:func:`~neuroface_studio.acquisition.feedback.straight_ahead`, as after "Set straight ahead")."""
        from neuroface_studio.acquisition.feedback import POSE_FRONTAL
        known = self.levels[1] + self.levels[2] + self.levels[3]
        grades = self._grades()
        if not known or grades is None:
            return None
        return round(float(np.mean(grades == POSE_FRONTAL)), 4)

    def _grades(self):
        """Pose grade of every frame (acquisition/feedback.pose_grades) relative to the file's own
        straight ahead; None without an estimate. Computed once, after the last frame."""
        from neuroface_studio.acquisition.feedback import pose_grades, straight_ahead
        if not self.angles:
            return None
        if self._graded is None or len(self._graded) != len(self.angles):
            self._graded = pose_grades(straight_ahead(self.angles))
        return self._graded

    @property
    def turned_fraction(self) -> float | None:
        """Share of the frames with a face whose head is turned away (the live view's red for the angles),
        relative to the file's own straight ahead as :attr:`frontal_fraction`; None without an estimate."""
        from neuroface_studio.acquisition.feedback import POSE_NONE, POSE_TURNED
        grades = self._grades()
        if grades is None:
            return None
        faces = int((grades != POSE_NONE).sum())
        return round(float((grades == POSE_TURNED).sum() / faces), 4) if faces else None

    @property
    def face_fraction(self) -> float | None:
        """Share of the frames whose (sampled) pose estimate found a face; None without an estimator."""
        if self.estimator is None or not self.angles:
            return None
        return round(float(np.isfinite(np.asarray(self.angles, np.float64)).all(axis=1).mean()), 4)


class _Decoder(threading.Thread):
    """Reads the source ahead of the writer into a bounded queue; ``put`` blocks, never drops."""

    def __init__(self, source: FrameSource, sampler: _PoseSampler, limit: int | None, already_read: int) -> None:
        super().__init__(name="import-decoder", daemon=True)
        self.source, self.sampler, self.limit = source, sampler, limit
        self.frames = queue.Queue(maxsize=QUEUE_FRAMES)
        self.frames_read = already_read
        self.error = ""
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            while not self._stop_event.is_set() and (self.limit is None or self.frames_read < self.limit):
                frame = self.source.read(timeout_s=1.0)
                if frame is None:
                    break
                self.frames_read += 1
                self._put((frame, *self.sampler(frame)))
        except SourceError as exc:
            self.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a bug must end the import visibly, keeping the frames
            log.exception("import decoder failed")
            self.error = f"Reading stopped by an internal error ({exc!r}); the frames written so far are kept."
        finally:
            self._put(_END)

    def _put(self, item) -> None:
        while not self._stop_event.is_set():
            try:
                self.frames.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def stop(self) -> None:
        self._stop_event.set()
        self.join(10.0)


def import_recording(session: ProjectSession, participant_id: str, task: str, source: FrameSource,
                     pose=default_pose_worker, progress: ProgressFn | None = None,
                     cancel: CancelToken | None = None, max_frames: int | None = None,
                     pose_every_s: float = POSE_EVERY_S) -> ImportResult:
    """Import every frame of ``source`` (a file source: ``is_live`` False) as a new recording.

    ``pose``: a pose-estimator factory ``pose(camera)`` (default: dlib68 + PnP) or None (no
    frontal fraction). ``progress(frames_written, 0, message)`` about every 0.1 s;
    ``cancel`` keeps the frames written so far (the recording's notes say so) and raises
    JobCancelled only when nothing was written yet. ``max_frames``: stop after that many.
    SourceError when the file cannot be read or holds fewer than 2 frames (nothing is added then).
    """
    project = session.project
    task = task.upper()
    project.protocol.task(task)  # KeyError naming the protocol's tasks
    if participant_id not in project.participants:
        raise ValueError(f"unknown participant {participant_id}; add the participant to the project first")
    if max_frames is not None and max_frames < MIN_FRAMES:
        raise ValueError(f"--duration gives {max_frames} frame(s); a recording needs at least {MIN_FRAMES}")
    source.open()
    try:
        return _import(session, participant_id, task, source, pose, progress, cancel, max_frames, pose_every_s)
    finally:
        source.close()


def _import(session, participant_id, task, source, pose, progress, cancel, max_frames, pose_every_s) -> ImportResult:
    name = source_name(source)
    head = []
    for _ in range(MIN_FRAMES):
        if cancel is not None and cancel.cancelled:
            raise JobCancelled("cancelled before any frame was written")
        frame = source.read(timeout_s=1.0)
        if frame is None:
            raise SourceError(too_few_frames_message(name, len(head)))
        head.append(frame)
    sampler = _PoseSampler(pose, source.camera, pose_every_s)
    if cancel is not None and cancel.cancelled:
        raise JobCancelled("cancelled before any frame was written")
    check_disk_space(session, source, name, head[0], max_frames)
    rec_id = next_recording_id(session, participant_id, task)
    created = now_iso()
    path = recordings_dir(session.folder) / f"{rec_id}.h5"  # refuses a recordings/ link out of the project
    stats = RecordingStats(frames_captured=len(head))
    from neuroface_studio.app.audio_import import audio_plan, write_audio
    audio_format, audio_note = audio_plan(source)
    audio_info = None
    writer = RecordingWriter(path, rec_id, task, source.fps, source.camera, created, participant_id=participant_id,
                             audio=audio_format)
    decoder = _Decoder(source, sampler, max_frames, len(head))
    items = [(f, *sampler(f)) for f in head]
    timestamps: list[float] = []
    cancelled, write_failed = False, False
    min_free = writer_reserve(source, head[0])
    last_progress = time.monotonic()
    decoder.start()
    try:
        while True:
            item = items.pop(0) if items else decoder.frames.get()
            if item is _END:
                break
            if cancel is not None and cancel.cancelled:
                cancelled = True
                break
            frame, pose_row, code = item
            if stats.frames_written % 10 == 0 and shutil.disk_usage(path.parent).free < min_free:
                stats.error = (f"Import stopped: the disk is almost full. The {stats.frames_written} frames written "
                               f"are kept in {path.name}. Free disk space, then import the file again.")
                stats.stop_reason = "disk almost full"
                break
            try:
                writer.append(frame.color, frame.depth, frame.timestamp_s, frame.index, pose_row, code)
            except OSError as exc:
                stats.error = (f"Import stopped: writing failed ({exc}). The {stats.frames_written} frames written "
                               f"before that are kept in {path.name}.")
                write_failed = True
                break
            except ValueError as exc:  # a frame of another size mid-file
                stats.error = f"Import stopped at frame {stats.frames_written} of {name}: {exc}."
                break
            timestamps.append(frame.timestamp_s)
            stats.frames_written += 1
            stats.bytes_written += frame.color.nbytes + frame.depth.nbytes
            failure = getattr(writer, "failed", None)  # a writer that guards the disk says so
            if failure or getattr(writer, "space_low", False):
                what = f"writing failed ({failure})" if failure else "the disk is almost full"
                stats.error = (f"Import stopped: {what}. The frames written up to then are kept in {path.name}. "
                               "Free disk space, then import the file again.")
                stats.stop_reason = "disk almost full"
                break
            if progress is not None and time.monotonic() - last_progress >= PROGRESS_EVERY_S:
                last_progress = time.monotonic()
                progress(stats.frames_written, 0, f"{stats.frames_written} frames written")
    finally:
        decoder.stop()
        stats.frames_captured = decoder.frames_read
        stats.error = stats.error or decoder.error
        if cancelled:
            stats.stop_reason = "cancelled by the user"
        if writer.audio is not None and not write_failed and timestamps:
            # the whole sound track; an import cut short keeps the sound its frames cover
            cut = cancelled or bool(stats.error) or (max_frames is not None and decoder.frames_read >= max_frames)
            step = np.median(np.diff(timestamps)) if len(timestamps) > 1 else 1.0 / source.fps
            audio_info, audio_note = write_audio(writer, source, float(timestamps[-1] + step) if cut else None)
        try:
            writer.close(complete=not write_failed, stop_reason=stats.stop_reason or stats.error)
        except OSError as exc:
            stats.error = stats.error or f"Closing {path.name} failed ({exc}); frames up to its last flush are kept."
        stats.ended = time.perf_counter()
    if stats.frames_written == 0:
        path.unlink(missing_ok=True)
        if cancelled:
            raise JobCancelled("cancelled before any frame was written")
        raise SourceError(stats.error or f"no frame of {name} could be written")
    if progress is not None:
        progress(stats.frames_written, 0, f"{stats.frames_written} frames written")
    return _add_recording(session, source, name, rec_id, participant_id, task, created, stats, sampler,
                          np.asarray(timestamps), cancelled, audio_info, audio_note)


def writer_reserve(source: FrameSource, frame: Frame) -> int:
    """Bytes kept free while an import writes: 10 s of raw frames + 64 MB (it stops below that)."""
    return int(10 * max(source.fps, 1.0) * (frame.color.nbytes + frame.depth.nbytes)) + (64 << 20)


def check_disk_space(session: ProjectSession, source: FrameSource, name: str, frame: Frame,
                     max_frames: int | None) -> None:
    """Refuse, before anything is written, a file whose frames cannot fit on the project's disk even
    at the codec's best (:data:`MIN_STORED_FRACTION` of the raw bytes), keeping the writer's reserve
    of 10 s of frames + 64 MB. Only files that state their frame count are judged."""
    frames = getattr(source, "declared_frames", None)
    if max_frames is not None:
        frames = min(frames, max_frames) if frames else None
    if not frames:
        return
    # a plain video's depth is all zeros, which the codec stores in next to nothing: only colour counts
    raw = frame.color.nbytes + (frame.depth.nbytes if np.any(frame.depth) else 0)
    need = int(frames * raw * MIN_STORED_FRACTION)
    reserve = writer_reserve(source, frame)
    free = shutil.disk_usage(recordings_dir(session.folder)).free
    if need + reserve > free:
        raise SourceError(
            f"{name} does not fit on the project's disk: its {frames} frames need at least "
            f"{(need + reserve) / 1e9:.1f} GB (frames are stored without loss, {raw / 1e6:.1f} MB each before "
            f"compression, and 10 s of frames + 64 MB are kept free while writing) and {free / 1e9:.1f} GB are "
            "free. Nothing was imported. Free disk space or move the project to a larger disk, then import the "
            "file again.")


def _add_recording(session, source, name, rec_id, participant_id, task, created, stats, sampler, ts,
                   cancelled, audio=None, audio_note="") -> ImportResult:
    nominal = float(source.fps)
    duration = duration_from_timestamps(ts, nominal)
    fps = effective_fps(ts, nominal)
    missing = int(getattr(source, "frames_missing", 0) or 0)
    stats.dropped_camera = missing
    ts_source = str(getattr(source, "timestamp_source", "the file's clock"))
    skipped = tuple(getattr(source, "skipped", ()) or ())
    notes = [f"imported from {name}"]
    if skipped:
        notes.append(f"{len(skipped)} file(s) skipped: " + ", ".join(f for f, _ in skipped[:10])
                     + (" ..." if len(skipped) > 10 else ""))
    if cancelled:
        notes.append(f"cancelled by the user after {stats.frames_written} frames")
    if stats.error:
        notes.append(f"stopped early: {stats.error}")
    frontal = sampler.frontal_fraction
    verdict = judge_take(session, rec_id, task, TakeMeasures(stats.frames_written, missing, sampler.face_fraction,
                                                             frontal, duration,
                                                             turned_fraction=sampler.turned_fraction))
    session.project.add_recording(Recording(
        id=rec_id, session_id=session_for_today(session, participant_id), task_code=task, fps=round(fps, 6),
        n_frames=stats.frames_written, camera=source.camera, file=f"{RECORDINGS_DIR}/{rec_id}.h5",
        created=created, notes="; ".join(notes),
        quality={"frontal_fraction": frontal, "dropped": missing, "dropped_camera": missing, "dropped_queue": 0,
                 "stop_reason": stats.stop_reason or stats.error, "frames_read": stats.frames_captured,
                 "nominal_fps": nominal, "timestamps": ts_source, "duration_s": round(duration, 6),
                 "audio": audio, "verdict": verdict.to_dict()}))
    session.save("import", f"{rec_id}: {name}, {stats.frames_written} of {stats.frames_captured} frames read written, "
                 f"{duration:.3f} s" + (", cancelled" if cancelled else "")
                 + (f", {stats.error}" if stats.error else "") + f"; quality {verdict.level}")
    return ImportResult(rec_id, stats, frontal, verdict, frames_read=stats.frames_captured, source_file=name,
                        duration_s=duration, fps=fps, nominal_fps=nominal, timestamps=ts_source,
                        frames_missing_in_file=missing, cancelled=cancelled, skipped_files=skipped,
                        frames_declared=getattr(source, "declared_frames", None), audio=audio, audio_note=audio_note)
