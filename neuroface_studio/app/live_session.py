"""A live capture session: preview, pose feedback and per-task recordings into a project.

Qt-free; the GUI's Record workspace and the CLI's ``record``/``import`` both drive it.
The capture thread (acquisition.recorder.CaptureSession) reads the source; the pose
worker estimates head pose on the newest frame only; each recorded frame carries the
latest pose and its feedback level; the project gets a Recording with a quality summary
(fraction of frontal frames, drops) when a recording stops.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from typing import Callable

from neuroface_studio.acquisition.feedback import POSE_TURNED, pose_grades
from neuroface_studio.acquisition.recorder import CaptureSession, RecordingStats
from neuroface_studio.acquisition.source import Frame, FrameSource, SourceError
from neuroface_studio.analysis.take_quality import QualityVerdict, TakeMeasures, assess_take, expected_duration_s
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.app.summary import file_timing
from neuroface_studio.domain.participants import Session
from neuroface_studio.domain.project import now_iso
from neuroface_studio.domain.recordings import Recording
from neuroface_studio.store.project_file import RECORDINGS_DIR, recordings_dir

#: feedback level -> code stored per frame in the recording file
LEVEL_CODES = {"green": 1, "amber": 2, "red": 3}


log = logging.getLogger(__name__)


@dataclass
class RecordResult:
    recording_id: str
    stats: RecordingStats
    frontal_fraction: float | None
    verdict: QualityVerdict | None = None  # the recording quality gate's (analysis/take_quality.py)

    def summary(self) -> dict:
        return {"recording": self.recording_id, "frontal_fraction": self.frontal_fraction, **self.stats.summary(),
                "quality": self.verdict.to_dict() if self.verdict is not None else None}


def judge_take(session: ProjectSession, rec_id: str, task: str, measures: TakeMeasures) -> QualityVerdict:
    """The quality verdict of a finished take, also stored in its (sealed) recording file; the caller
    puts ``verdict.to_dict()`` into the Recording's ``quality["verdict"]``. ``measures.expected_s`` is
    filled from the protocol's task."""
    from dataclasses import replace

    from neuroface_studio.store.errors import StoreError
    from neuroface_studio.store.recording_file import write_take_quality
    try:
        expected = expected_duration_s(session.project.protocol.task(task))
    except KeyError:
        expected = None
    verdict = assess_take(replace(measures, expected_s=expected, task=task))
    try:
        write_take_quality(recordings_dir(session.folder) / f"{rec_id}.h5", verdict.to_dict())
    except (OSError, StoreError) as exc:  # the project file still holds it
        log.warning("quality verdict of %s not stored in its recording file: %s", rec_id, exc)
    return verdict


class LiveSession:
    """Open a source, run the capture (and pose) threads, record tasks on demand."""

    def __init__(self, project: ProjectSession, source: FrameSource, pose=None, thresholds=None, audio=None) -> None:
        """pose: a PoseWorker (``submit(frame)``, ``latest()``, ``start()``, ``stop()``), a factory
        ``pose(camera) -> PoseWorker`` called once the source is open (its camera is known
        then; :func:`default_pose_worker` is the usual one), or None for no pose feedback."""
        self.project = project
        self.source = source
        self.pose = pose
        self.thresholds = thresholds
        self.audio = audio  # a live sound source recorded with every take (acquisition/audio_source.py), or None
        self.ended = threading.Event()  # the stream ended or failed, or a recording failed
        self._capture: CaptureSession | None = None
        self._current: tuple[str, str, str, str] | None = None  # rec_id, participant, task, created
        self._levels = {0: 0, 1: 0, 2: 0, 3: 0}
        self._faces = 0  # frames of the current recording whose pose estimate found a face
        self._turned = 0  # ... and whose head pose is turned away (the live view's red for the angles)
        self._recent = deque(maxlen=60)  # recent pose estimates (capture thread appends)
        self._capture_started = False

    # -- lifecycle -------------------------------------------------------------------
    def start(self, max_frames: int | None = None, defer_capture: bool = False) -> None:
        """Open the source and start capturing (preview only until start_recording).

        defer_capture: start reading only with the first recording — for files, whose
        frames would otherwise be read (and lost) as preview before recording starts.
        """
        self.source.open()
        if self.pose is not None and not hasattr(self.pose, "submit"):
            self.pose = self.pose(self.source.camera)
        self._capture = CaptureSession(self.source, pose_lookup=self._pose_for, ended=self.ended,
                                       max_frames=max_frames)
        if self.pose is not None:
            self.pose.start()
            self._capture.add_listener(self.pose.submit)
            self._capture.add_listener(self._note_estimate)
        self._capture_started = not defer_capture
        if not defer_capture:
            self._capture.start()

    def add_frame_listener(self, fn: Callable[[Frame], None]) -> None:
        """``fn(frame)`` on the capture thread for every frame (keep it cheap: store the newest)."""
        if self._capture is None:
            raise RuntimeError("start the session first")
        self._capture.add_listener(fn)

    def stop(self) -> RecordResult | None:
        """Stop any recording (keeping it), the capture, the pose worker; close the source."""
        try:
            return self.stop_recording() if self._current else None
        finally:  # also when the recording failed: no thread may outlive the session
            if self._capture is not None:
                self._capture.stop()
            if self.pose is not None and hasattr(self.pose, "stop"):
                self.pose.stop()
            self.source.close()

    @property
    def error(self) -> str:
        return self._capture.error if self._capture else ""

    @property
    def recording_id(self) -> str | None:
        return self._current[0] if self._current else None

    def live_stats(self) -> RecordingStats | None:
        sink = self._capture.recording if self._capture else None
        return sink.stats if sink else None

    # -- pose ------------------------------------------------------------------------
    def feedback(self):
        """(PoseEstimate | None, Feedback | None) from the newest pose estimate."""
        if self.pose is None:
            return None, None
        from neuroface_studio.acquisition.feedback import FeedbackThresholds, evaluate
        est = self.pose.latest()
        return est, evaluate(est, self.thresholds or FeedbackThresholds())

    @property
    def n_recent_estimates(self) -> int:
        """How many recent pose estimates are available for calibration."""
        return len(self._recent)

    def calibrate_straight_ahead(self, n_estimates: int = 30) -> tuple[float, float, float]:
        """Take the participant's current pose as straight ahead (ask them to look at the camera).

        The generic face model reads a given face a few degrees off (nose shapes differ: about
        +-3-5 deg of pitch); the median of the last ``n_estimates`` becomes the new zero.
        Returns the neutral (yaw, pitch, roll) now subtracted from every estimate.
        """
        from neuroface_studio.acquisition.pose import neutral_pose
        if self.pose is None or not hasattr(self.pose, "estimator"):
            raise RuntimeError("pose feedback is not running")
        residual = neutral_pose(list(self._recent)[-n_estimates:])  # ValueError when no face was seen
        est = self.pose.estimator
        est.neutral_deg = tuple(a + b for a, b in zip(est.neutral_deg, residual))
        self._recent.clear()
        return est.neutral_deg

    def _note_estimate(self, frame: Frame) -> None:
        est = self.pose.latest()
        if est is not None and (not self._recent or self._recent[-1] is not est):
            self._recent.append(est)

    def _pose_for(self, frame: Frame):
        est, fb = self.feedback()
        code = LEVEL_CODES.get(fb.level, 0) if fb is not None else 0
        self._levels[code] += 1
        if est is None or not est.face_found:
            return None, code
        self._faces += 1
        angles = (est.yaw_deg, est.pitch_deg, est.roll_deg)
        self._turned += int(pose_grades([angles], self.thresholds)[0] == POSE_TURNED)
        return (*angles, est.distance_mm), code

    # -- recording -------------------------------------------------------------------
    def start_recording(self, participant_id: str, task: str) -> str:
        if self._capture is None:
            raise RuntimeError("start the session first")
        if self._current:
            raise RuntimeError(f"already recording {self._current[0]}")
        project = self.project.project
        task = task.upper()
        project.protocol.task(task)  # KeyError naming the protocol's tasks
        if participant_id not in project.participants:
            raise ValueError(f"unknown participant {participant_id}; add the participant to the project first")
        rec_id = next_recording_id(self.project, participant_id, task)
        created = now_iso()
        self._levels = {0: 0, 1: 0, 2: 0, 3: 0}
        self._faces = 0
        self._turned = 0
        self._capture.start_recording(recordings_dir(self.project.folder) / f"{rec_id}.h5", rec_id, task, created,
                                      participant_id=participant_id, audio=self.audio)
        self._current = (rec_id, participant_id, task, created)
        if not self._capture_started:
            self._capture_started = True
            self._capture.start()
        return rec_id

    def stop_recording(self, notes: str = "") -> RecordResult:
        """Close the file, add the Recording (with its quality summary) and save the project."""
        if not self._current or self._capture is None:
            raise RuntimeError("not recording")
        rec_id, pid, task, created = self._current
        self._current = None
        stats = self._capture.stop_recording()
        path = self.project.folder / RECORDINGS_DIR / f"{rec_id}.h5"
        if stats is None or stats.frames_written == 0:
            path.unlink(missing_ok=True)
            raise SourceError(self.error or (stats.error if stats else "") or "no frames were recorded")
        reason = stats.error or self.error
        stats.error = reason
        known = self._levels[1] + self._levels[2] + self._levels[3]
        frontal = round(self._levels[1] / known, 4) if known else None
        seen = sum(self._levels.values())
        faces = round(self._faces / seen, 4) if self.pose is not None and seen else None
        turned = round(self._turned / self._faces, 4) if self.pose is not None and self._faces else None
        verdict = judge_take(self.project, rec_id, task, TakeMeasures(
            stats.frames_written, stats.dropped, faces, frontal,
            file_timing(path, self.source.fps, stats.frames_written)["duration_s"], turned_fraction=turned))
        project = self.project.project
        project.add_recording(Recording(
            id=rec_id, session_id=session_for_today(self.project, pid), task_code=task, fps=self.source.fps,
            n_frames=stats.frames_written, camera=self.source.camera, file=f"{RECORDINGS_DIR}/{rec_id}.h5",
            created=created, notes="; ".join(x for x in (notes, f"stopped early: {reason}" if reason else "") if x),
            quality={"frontal_fraction": frontal, "dropped": stats.dropped, "dropped_camera": stats.dropped_camera,
                     "dropped_queue": stats.dropped_queue, "stop_reason": reason, "audio": stats.audio,
                     "verdict": verdict.to_dict()}))
        self.project.save("record", f"{rec_id}: {stats.frames_written} frames, {stats.dropped} dropped"
                          + (f", {reason}" if reason else "") + f"; quality {verdict.level}")
        return RecordResult(rec_id, stats, frontal, verdict)


def default_pose_worker(camera):
    """dlib 68-point tracking + PnP pose on its own thread (the Record workspace's feedback)."""
    from neuroface_studio.acquisition.pose import FaceTracker, PoseEstimator, PoseWorker
    from neuroface_studio.vision.dlib68 import Dlib68
    return PoseWorker(PoseEstimator(camera, FaceTracker(Dlib68())))


def next_recording_id(session: ProjectSession, participant_id: str, task: str) -> str:
    """``P001-OPEN``, then ``P001-OPEN-2``, ... for retakes (never overwrites)."""
    base = f"{participant_id}-{task}"
    rid, k = base, 1
    while rid in session.project.recordings or (session.folder / RECORDINGS_DIR / f"{rid}.h5").exists():
        k += 1
        rid = f"{base}-{k}"
    return rid


def session_for_today(session: ProjectSession, participant_id: str, day: str | None = None) -> str:
    """The participant's session dated ``day`` (ISO date, default today), created if needed."""
    from datetime import date
    project = session.project
    today = day or date.today().isoformat()
    for s in project.sessions_of(participant_id):
        if s.date == today:
            return s.id
    n = len(project.sessions_of(participant_id)) + 1
    while f"{participant_id}-S{n}" in project.sessions:
        n += 1
    sid = f"{participant_id}-S{n}"
    project.add_session(Session(sid, participant_id, today))
    return sid
