"""The work of one batch task, run in a worker process (a local pool's or a Dask cluster's).

Each task is a top-level, picklable function of (project folder, recording or participant ID,
:class:`StepOptions`) that reads the project, writes only its own output file and returns a
small :class:`TaskResult`; it never writes the project file (the parent process of
:mod:`neuroface_studio.app.batch` does). A task catches its own errors: a failed recording
comes back as ``status="failed"`` with a message, and never stops the others.

Outputs:

- ``landmarks``: ``tracks/<recording>/<model>.h5`` (:mod:`neuroface_studio.app.landmarking`,
  resumable in chunks).
- ``segment``: nothing on disk; the proposed spans come back to the parent, which applies them.
- ``features``: ``features/<recording>/<model>.json``, written atomically, with the rows of
  :func:`neuroface_studio.app.kinematics.project_features` and a key of every input (landmark
  track contents, repetitions, options): an unchanged recording is skipped.
- ``report``: ``reports/<participant>.pdf`` (:func:`neuroface_studio.app.report.write_report`)
  with a key file beside it.

Cancel: the parent creates a marker file (``StepOptions.cancel_file``); a running task sees it
between frames and stops, keeping its finished chunks. Workers of a Dask cluster must see the
project folder at the same path (a shared file system), as the parent does.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

FEATURES_DIR = "features"
REPORTS_DIR = "reports"
FEATURES_FORMAT = "neuroface-features"
FEATURES_VERSION = 2  # 2: real frame times, 2D fallback without depth, null + why_null (issue 15)


@dataclass(frozen=True)
class StepOptions:
    model: str  # landmark model (resolved by the parent: never None)
    store_dir: str | None = None  # model store (None: the default)
    use_3d: bool = True
    median: int = 5
    cancel_file: str | None = None  # marker file: when it exists, running tasks stop
    repetitions: tuple[tuple[int, int], ...] | None = None  # features: the parent's spans (None: project file's)


@dataclass
class TaskResult:
    step: str
    target: str  # recording ID (participant ID for report)
    status: str  # done | skipped | failed | cancelled
    detail: str = ""
    seconds: float = 0.0
    data: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


class FileCancel:
    """A cancel token that is set when a marker file exists (checked at most every 0.1 s)."""

    def __init__(self, path: str | None) -> None:
        self.path = Path(path) if path else None
        self._checked = 0.0
        self._set = False

    @property
    def cancelled(self) -> bool:
        if self.path is None or self._set:
            return self._set
        now = time.monotonic()
        if now - self._checked >= 0.1:
            self._checked = now
            self._set = self.path.exists()
        return self._set

    def raise_if_cancelled(self) -> None:
        from neuroface_studio.app.jobs import JobCancelled
        if self.cancelled:
            raise JobCancelled("batch cancelled")


def worker_init() -> None:
    """Process-pool initializer: Ctrl-C goes to the parent, which stops the workers through the cancel file."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _guard(step: str, target: str, fn, *args) -> TaskResult:
    from neuroface_studio.app.jobs import JobCancelled
    t0 = time.perf_counter()
    try:
        FileCancel(args[-1].cancel_file).raise_if_cancelled()  # queued before the cancel: do not start
        result = fn(*args)
    except (JobCancelled, KeyboardInterrupt):
        result = TaskResult(step, target, "cancelled", "stopped; the work done so far is kept")
    except Exception as exc:  # noqa: BLE001 - one recording's failure is reported, the others go on
        text = str(exc) or type(exc).__name__
        if not isinstance(exc, (ValueError, OSError)) and type(exc).__module__.split(".")[0] != "neuroface_studio":
            text = f"{type(exc).__name__}: {text}"
        result = TaskResult(step, target, "failed", text)
    result.seconds = time.perf_counter() - t0
    return result


def _session(folder: str):
    from neuroface_studio.app.project_service import ProjectSession
    return ProjectSession.open(Path(folder))


# -- landmarks -----------------------------------------------------------------------------
_PREDICTORS: dict = {}  # (model, store) -> open predictor, loaded once per worker process


def landmarks_done(folder: str | Path, recording_id: str, opts: StepOptions) -> str:
    """Why the ``landmarks`` task of ``recording_id`` need not run ('' when it must run)."""
    from neuroface_studio.store.errors import StoreError
    from neuroface_studio.store.tracks_file import read_track, track_path
    path = track_path(Path(folder), recording_id, opts.model)
    if not path.exists():
        return ""
    try:
        track = read_track(path)
    except StoreError:
        return ""
    if not track.complete:
        return ""
    try:
        from neuroface_studio.vision.registry import get_model
        sha = get_model(opts.model, Path(opts.store_dir) if opts.store_dir else None).sha256
    except Exception:  # noqa: BLE001 - an unreadable store: the task itself will say so
        return ""
    if sha and track.model.get("sha256") != sha:
        return ""
    return f"track of {opts.model} complete"


def landmarks_task(folder: str, recording_id: str, opts: StepOptions) -> TaskResult:
    return _guard("landmarks", recording_id, _landmarks, folder, recording_id, opts)


def _landmarks(folder: str, recording_id: str, opts: StepOptions) -> TaskResult:
    from neuroface_studio.app.landmarking import landmark_recording
    from neuroface_studio.vision.registry import open_predictor
    reason = landmarks_done(folder, recording_id, opts)
    if reason:
        return TaskResult("landmarks", recording_id, "skipped", reason)
    session = _session(folder)
    store = Path(opts.store_dir) if opts.store_dir else None
    key = (opts.model, opts.store_dir)
    if key not in _PREDICTORS:
        _PREDICTORS[key] = open_predictor(opts.model, store)
    res = landmark_recording(session, recording_id, opts.model, cancel=FileCancel(opts.cancel_file),
                             store_dir=store, predictor=_PREDICTORS[key])
    resumed = f", resumed at frame {res.resumed_from}" if res.resumed_from else ""
    return TaskResult("landmarks", recording_id, "done",
                      f"{res.frames_with_face}/{res.n_frames} frames with a face{resumed}", data=res.to_dict())


# -- segment -------------------------------------------------------------------------------
def segment_task(folder: str, recording_id: str, opts: StepOptions) -> TaskResult:
    return _guard("segment", recording_id, _segment, folder, recording_id, opts)


def _segment(folder: str, recording_id: str, opts: StepOptions) -> TaskResult:
    from neuroface_studio.app.segmentation import propose_for_recording
    session = _session(folder)
    store = Path(opts.store_dir) if opts.store_dir else None
    res = propose_for_recording(session, recording_id, model=opts.model, cancel=FileCancel(opts.cancel_file),
                                store_dir=store)
    if not res.segmented:
        return TaskResult("segment", recording_id, "skipped", res.problem or "task not segmented")
    if res.problem:
        return TaskResult("segment", recording_id, "failed", res.problem)
    return TaskResult("segment", recording_id, "done", f"{len(res.spans)} repetition(s) proposed from {res.trace}",
                      data={"spans": [list(s) for s in res.frames], "trace": res.trace, "model": res.model})


# -- features ------------------------------------------------------------------------------
def features_path(folder: str | Path, recording_id: str, model: str) -> Path:
    """``<project>/features/<recording>/<model>.json``."""
    from neuroface_studio.store.tracks_file import track_path
    name = track_path(Path(folder), recording_id, model).stem  # checks the model name is a safe file name
    return Path(folder) / FEATURES_DIR / recording_id / f"{name}.json"


_TRACK_KEYS: dict = {}  # (track path, mtime_ns, size) -> digest: each track is read once per process


def features_inputs(folder: str | Path, project, recording_id: str, opts: StepOptions) -> dict:
    """Every input the features of ``recording_id`` depend on (their hash is the cache key)."""
    import numpy as np

    from neuroface_studio.store.errors import StoreError
    from neuroface_studio.store.tracks_file import read_track, track_path
    rec = project.recordings[recording_id]
    reps = opts.repetitions if opts.repetitions is not None else tuple(
        (r.start_frame, r.end_frame) for r in project.repetitions_of(recording_id))
    path = track_path(Path(folder), recording_id, opts.model)
    try:
        st = path.stat()
        seen = (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        seen = None
    track_key = _TRACK_KEYS.get(seen) if seen else None
    if track_key is None:
        try:
            track = read_track(path)
            digest = hashlib.sha256(np.ascontiguousarray(track.landmarks_px).tobytes())
            digest.update(str(track.frames_done).encode())
            track_key = {"sha256": digest.hexdigest(), "model_sha256": track.model.get("sha256")}
            if seen:
                _TRACK_KEYS[seen] = track_key
        except StoreError:
            track_key = None
    try:
        size = (Path(folder) / rec.file).stat().st_size
    except OSError:
        size = None
    return {"version": FEATURES_VERSION, "recording": recording_id, "recording_bytes": size, "fps": rec.fps,
            "model": opts.model, "track": track_key, "repetitions": [[int(s), int(e)] for s, e in reps],
            "use_3d": opts.use_3d, "median": opts.median}


def inputs_key(inputs: dict) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def read_features(path: Path) -> dict | None:
    """A features file's content, None when missing or unreadable (it is then computed again)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FEATURES_FORMAT else None


def features_done(folder: str | Path, project, recording_id: str, opts: StepOptions) -> str:
    """Why the ``features`` task need not run ('' when it must)."""
    if opts.repetitions is not None and not opts.repetitions:
        return "no repetitions: segment the recording first (add segment to --steps, or the Segment workspace)"
    old = read_features(features_path(folder, recording_id, opts.model))
    if old is not None and old.get("key") == inputs_key(features_inputs(folder, project, recording_id, opts)):
        return "features up to date"
    return ""


def features_task(folder: str, recording_id: str, opts: StepOptions) -> TaskResult:
    return _guard("features", recording_id, _features, folder, recording_id, opts)


def _features(folder: str, recording_id: str, opts: StepOptions) -> TaskResult:
    from neuroface_studio.analysis.features import FEATURE_NAMES, units_of
    from neuroface_studio.app.kinematics import project_features
    from neuroface_studio.domain.recordings import Repetition
    from neuroface_studio.store.atomic import atomic_write_bytes
    session = _session(folder)
    project = session.project
    if recording_id not in project.recordings:
        raise ValueError(f"unknown recording {recording_id}")
    reason = features_done(folder, project, recording_id, opts)
    if reason:
        return TaskResult("features", recording_id, "skipped", reason)
    inputs = features_inputs(folder, project, recording_id, opts)
    if opts.repetitions is not None:  # the parent's spans (e.g. just proposed), in memory only
        project.repetitions = [r for r in project.repetitions if r.recording_id != recording_id] + [
            Repetition(recording_id, int(s), int(e), source="proposed") for s, e in opts.repetitions]
    if inputs["track"] is None:
        return TaskResult("features", recording_id, "skipped",
                          f"no landmark track of {opts.model}: add landmarks to --steps")
    table = project_features(session, [recording_id], model=opts.model, use_3d=opts.use_3d, median=opts.median)
    if recording_id in table.skipped:
        return TaskResult("features", recording_id, "skipped", table.skipped[recording_id])
    space = table.spaces.get(recording_id, "3d_mm")
    data = {"format": FEATURES_FORMAT, "version": FEATURES_VERSION, "key": inputs_key(inputs), "inputs": inputs,
            "source": table.sources.get(recording_id, ""), "features": list(FEATURE_NAMES), "units": units_of(space),
            "space": space, "time": table.times.get(recording_id, ""),
            "rows": table.to_dict()["rows"]}  # valid JSON: a missing feature is null, why_null says why
    path = features_path(folder, recording_id, opts.model)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, json.dumps(data, indent=1).encode("utf-8"))
    return TaskResult("features", recording_id, "done", f"{len(table.rows)} repetition(s)", data={"path": str(path)})


# -- report --------------------------------------------------------------------------------
def report_path(folder: str | Path, participant_id: str) -> Path:
    return Path(folder) / REPORTS_DIR / f"{participant_id}.pdf"


def report_key(folder: str | Path, project, participant_id: str, opts: StepOptions) -> str:
    """Key of a participant's report inputs: the feature inputs of every recording of the project
    (the controls give the reference range, and the report's leave-one-subject-out classifier
    probabilities depend on every participant's features)."""
    group = project.participants[participant_id].group.value
    rids = sorted(project.recordings)
    plain = replace(opts, repetitions=None, cancel_file=None)
    return inputs_key({"participant": participant_id, "group": group,
                       "consent": project.participants[participant_id].consent_to_share,
                       "recordings": [features_inputs(folder, project, r, plain) for r in rids]})


def report_done(folder: str | Path, project, participant_id: str, opts: StepOptions) -> str:
    pdf = report_path(folder, participant_id)
    key_file = pdf.with_suffix(".key")
    try:
        old = key_file.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return "report up to date" if pdf.is_file() and old == report_key(folder, project, participant_id, opts) else ""


def report_task(folder: str, participant_id: str, opts: StepOptions) -> TaskResult:
    return _guard("report", participant_id, _report, folder, participant_id, opts)


def _report(folder: str, participant_id: str, opts: StepOptions) -> TaskResult:
    from neuroface_studio.app.report import write_report
    from neuroface_studio.store.atomic import atomic_write_bytes
    session = _session(folder)
    reason = report_done(folder, session.project, participant_id, opts)
    if reason:
        return TaskResult("report", participant_id, "skipped", reason)
    key = report_key(folder, session.project, participant_id, opts)
    pdf = report_path(folder, participant_id)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    tmp = pdf.with_name(f".{pdf.stem}.{os.getpid()}.pdf")  # written whole, then renamed over the old one
    try:
        rep = write_report(session, participant_id, tmp, model=opts.model)
        os.replace(tmp, pdf)
    finally:
        tmp.unlink(missing_ok=True)
    atomic_write_bytes(pdf.with_suffix(".key"), key.encode())
    return TaskResult("report", participant_id, "done", f"{len(rep.tasks)} task(s); landmarks: {rep.landmarks}",
                      data={"path": str(pdf)})
