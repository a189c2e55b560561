"""Batch processing of a whole project (CLI ``batch``): steps x recordings, on a local process
pool or on an existing Dask distributed cluster.

The plan is one chain of tasks per recording, in the order ``landmarks -> segment -> features``
(only the steps asked for), then one ``report`` task per participant once every recording is
through. Each task is a picklable function of :mod:`neuroface_studio.app.batch_tasks` that runs
in a worker process and writes only its own per-recording file. This process is the only writer
of the project file: it applies the proposed repetitions (only to recordings that have none:
a human's repetitions are never replaced), writes ``features/<model>.csv`` (every recording's
rows) and one audit-log entry ``batch``.

Resumable and idempotent: a task whose output is up to date is skipped without being sent
(complete track of the same model; features whose input key matches; report likewise), and an
interrupted landmarking resumes at its first frame not done. A failed task is reported with its
error; the recording's later steps are not run and the other recordings go on.

Executors: ``concurrent.futures.ProcessPoolExecutor`` (spawn; ``workers`` processes, default
min(cores, recordings)), or ``distributed.Client(scheduler)``: the same functions are submitted
to the cluster, whose workers must have NeuroFace Studio installed and see the project folder
at the same path. Cancel (token or Ctrl-C): nothing more is submitted, running tasks stop at the
next frame through a marker file, finished work is kept and the project saved.
"""

from __future__ import annotations

import io
import os
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from neuroface_studio.app import batch_tasks as bt
from neuroface_studio.app.jobs import CancelToken, ProgressFn, no_progress
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.store import csv_safe

STEPS = ("landmarks", "segment", "features", "report")
RECORDING_STEPS = ("landmarks", "segment", "features")
TASK_FUNCTIONS = {"landmarks": bt.landmarks_task, "segment": bt.segment_task, "features": bt.features_task,
                  "report": bt.report_task}


def parse_steps(text: str | list[str]) -> list[str]:
    """``"landmarks,features"`` -> the steps in their run order; ValueError naming an unknown one."""
    items = [s.strip().lower() for s in (text.split(",") if isinstance(text, str) else text) if s.strip()]
    unknown = [s for s in items if s not in STEPS]
    if unknown or not items:
        raise ValueError(f"unknown step(s) {', '.join(unknown) or '(none given)'}; give a comma list of "
                         f"{', '.join(STEPS)}, e.g. --steps landmarks,segment,features")
    return [s for s in STEPS if s in items]


def default_workers(n_recordings: int) -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, n_recordings))


@dataclass
class BatchReport:
    steps: list[str]
    model: str
    executor: str
    results: list[bt.TaskResult] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # recordings given proposed repetitions
    features_csv: str | None = None
    cancelled: bool = False
    seconds: float = 0.0
    total: int = 0

    def counts(self) -> dict[str, int]:
        c = Counter(r.status for r in self.results)
        return {k: c.get(k, 0) for k in ("done", "skipped", "failed", "cancelled")}

    @property
    def failed(self) -> list[bt.TaskResult]:
        return [r for r in self.results if r.status == "failed"]

    def to_dict(self) -> dict:
        return {"steps": self.steps, "model": self.model, "executor": self.executor, "counts": self.counts(),
                "total": self.total, "cancelled": self.cancelled, "seconds": round(self.seconds, 2),
                "applied_repetitions": self.applied, "features_csv": self.features_csv,
                "tasks": [{k: v for k, v in r.to_dict().items() if k != "data"} | {"seconds": round(r.seconds, 2)}
                          for r in self.results]}


class _Executor:
    """Submit/poll/close over a local process pool or a Dask client (started on first use)."""

    def __init__(self, workers: int, scheduler: str | None) -> None:
        self.workers, self.scheduler = workers, scheduler
        self._pool = None
        self._client = None
        self._capacity = 0  # a Dask cluster's: from its worker threads
        self.description = (f"Dask cluster at {scheduler}" if scheduler
                            else f"local process pool, {workers} worker(s)")

    def _start(self) -> None:
        if self.scheduler:
            self._client = connect(self.scheduler)
            try:
                self._capacity = 2 * max(1, sum(self._client.nthreads().values()))
            except Exception:  # noqa: BLE001 - the scheduler did not say: a fixed number
                self._capacity = 16
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=bt.worker_init)

    @property
    def capacity(self) -> int:
        """How many tasks to keep out at once: two per worker thread (so none waits for the next)."""
        return self._capacity or 2 * self.workers

    def submit(self, fn, *args):
        if self._pool is None and self._client is None:
            self._start()
        if self._client is not None:
            return self._client.submit(fn, *args, pure=False)
        return self._pool.submit(fn, *args)

    @staticmethod
    def wait(futures, timeout: float) -> list:
        done = [f for f in futures if f.done()]
        if done or not futures:
            return done
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.02)
            done = [f for f in futures if f.done()]
            if done:
                break
        return done

    def cancel_queued(self, futures) -> None:
        """Drop the pool's tasks not started yet (a Dask cluster's see the cancel file and return at once)."""
        if self._pool is not None:
            for f in futures:
                f.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._client is not None:
            self._client.close()


def connect(address: str, timeout: str = "10s"):
    """A ``distributed.Client`` on the running scheduler at ``address`` (ValueError when unreachable)."""
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("--scheduler needs the Dask distributed package: pip install 'dask[distributed]'") from None
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise ValueError(f"cannot reach the Dask scheduler at {address} ({exc}): start one with `dask scheduler` "
                         "(and workers with `dask worker ADDRESS`) or leave out --scheduler") from None


def _result_of(future, step: str, target: str) -> bt.TaskResult:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a worker died or could not run the task
        text = str(exc) or type(exc).__name__
        if isinstance(exc, ModuleNotFoundError):
            text += " (install NeuroFace Studio in the Dask workers' environment)"
        return bt.TaskResult(step, target, "failed", f"the worker could not run it: {text}")


class _Run:
    """The parent's bookkeeping of one batch run."""

    def __init__(self, session: ProjectSession, report: BatchReport, opts: bt.StepOptions,
                 progress: ProgressFn) -> None:
        self.session, self.report, self.opts, self.progress = session, report, opts, progress
        self.folder = str(session.folder)
        self.t0 = time.perf_counter()
        self.saved = False  # the project file was saved by this run

    def record(self, r: bt.TaskResult) -> None:
        rep = self.report
        rep.results.append(r)
        c = rep.counts()
        finished = len(rep.results)
        ran = c["done"] + c["failed"] + c["cancelled"]
        elapsed = time.perf_counter() - self.t0
        eta = ""
        if ran and finished < rep.total and not rep.cancelled:
            eta = f", ETA {elapsed / finished * (rep.total - finished):.0f} s"
        status = r.status.upper() if r.status in ("failed", "cancelled") else r.status
        took = f" in {r.seconds:.1f} s" if r.status == "done" else ""
        self.progress(finished, rep.total,
                      f"[{finished}/{rep.total}] {r.step} {r.target}: {status}{took}"
                      + (f" ({r.detail})" if r.detail else "")
                      + f" | {c['done']} done, {c['skipped']} skipped, {c['failed']} failed{eta}")

    def opts_for(self, step: str, rid: str) -> bt.StepOptions:
        if step != "features":
            return self.opts
        reps = tuple((r.start_frame, r.end_frame) for r in self.session.project.repetitions_of(rid))
        from dataclasses import replace
        return replace(self.opts, repetitions=reps)

    def done_reason(self, step: str, rid: str) -> str:
        """Why ``step`` of ``rid`` need not be sent to a worker ('' when it must)."""
        project = self.session.project
        if step == "landmarks":
            return bt.landmarks_done(self.folder, rid, self.opts)
        if step == "segment":
            from neuroface_studio.edits.repetition_commands import persons_repetitions
            reps = project.repetitions_of(rid)
            if persons_repetitions(project, rid):  # the rule Segment's Accept all and `segment --apply` keep too
                return (f"has {len(reps)} repetition(s) made or edited by a person, kept "
                        "(edit them in the Segment workspace)")
            if reps:  # untouched machine spans (an earlier run's proposals, simulated truth): done already
                return f"has {len(reps)} repetition(s), kept (edit them in the Segment workspace)"
            code = project.recordings[rid].task_code
            if code in project.protocol.codes and not project.protocol.task(code).segmented:
                return f"task {code} is not segmented into repetitions"
            return ""
        if step == "features":
            code = project.recordings[rid].task_code
            if (not project.repetitions_of(rid) and code in project.protocol.codes
                    and not project.protocol.task(code).segmented):
                return f"task {code} has no repetitions (not segmented)"
            return bt.features_done(self.folder, project, rid, self.opts_for(step, rid))
        return bt.report_done(self.folder, project, rid, self.opts)

    def apply(self, r: bt.TaskResult) -> None:
        if r.step == "segment" and r.status == "done" and not self.session.project.repetitions_of(r.target):
            from neuroface_studio.edits.repetition_commands import ReplaceRepetitions
            self.session.apply(ReplaceRepetitions(self.session.project, r.target,
                                                  [tuple(s) for s in r.data["spans"]], source="proposed"))
            self.report.applied.append(r.target)


def run_batch(folder: Path | str, steps: list[str] | str, recording_ids: list[str] | None = None,
              model: str | None = None, workers: int | None = None, scheduler: str | None = None,
              store_dir: Path | None = None, use_3d: bool = True, median: int = 5,
              progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> BatchReport:
    """Run ``steps`` over the recordings (None: all) of the project at ``folder``.

    ``model`` None: the active model. Progress is called once per task (done, skipped, failed)
    with the counts and an ETA. Returns the report (``cancelled`` set when stopped by ``cancel``
    or Ctrl-C; finished work is kept and the project saved). Raises ValueError for an unknown
    step, recording or model, or an unreachable scheduler, before any work.
    """
    from neuroface_studio.vision.registry import active_model, get_model
    steps = parse_steps(steps)
    session = ProjectSession.open(Path(folder))
    project = session.project
    ids = list(recording_ids) if recording_ids else sorted(project.recordings)
    unknown = [r for r in ids if r not in project.recordings]
    if unknown:
        raise ValueError(f"unknown recording(s) {', '.join(unknown)}; see `neuroface-studio project info`")
    model = model or active_model(store_dir)
    row = get_model(model, store_dir)  # ValueError (ModelRegistryError) naming the models there are
    if not row.available:
        raise ValueError(f"model {model} is not available: {row.problem}")
    if workers is not None and workers < 1:
        raise ValueError("--workers must be at least 1")
    rec_steps = [s for s in steps if s in RECORDING_STEPS]
    participants = sorted({project.participant_of(r).id for r in ids}) if "report" in steps else []
    run_id = uuid.uuid4().hex[:12]
    marker = session.folder / f".batch-cancel-{run_id}"
    opts = bt.StepOptions(model=model, store_dir=str(store_dir) if store_dir else None, use_3d=use_3d,
                          median=median, cancel_file=str(marker))
    executor = _Executor(workers or default_workers(len(ids)), scheduler)
    if scheduler:  # fail fast, before any work, when the scheduler is not there
        executor._start()
    report = BatchReport(steps, model, executor.description, total=len(ids) * len(rec_steps) + len(participants))
    run = _Run(session, report, opts, progress)
    try:
        try:
            _run_recordings(run, executor, ids, rec_steps, cancel)
            if participants and not report.cancelled:
                _save(run, ids)  # report tasks read the repetitions from the project file
                _run_chain(run, executor, {p: ["report"] for p in participants}, cancel)
        except KeyboardInterrupt:
            report.cancelled = True
    finally:
        if report.cancelled:
            marker.touch()
        executor.close()
        marker.unlink(missing_ok=True)
        _finish(run, ids)
    return report


def _run_recordings(run: _Run, executor: _Executor, ids: list[str], steps: list[str],
                    cancel: CancelToken | None) -> None:
    if steps:
        _run_chain(run, executor, {rid: list(steps) for rid in ids}, cancel)


def _run_chain(run: _Run, executor: _Executor, chains: dict[str, list[str]], cancel: CancelToken | None) -> None:
    """Run each target's steps in order; targets run in parallel. Skips are decided here, unsent.

    At most ``executor.capacity`` tasks are out at a time and a target's next step goes out as
    soon as its previous one is back, so recordings finish one by one (not step by step).
    """
    todo = {t: list(s) for t, s in chains.items()}
    in_flight: dict = {}
    waiting = deque(todo)

    def stopped() -> bool:
        return run.report.cancelled or (cancel is not None and cancel.cancelled)

    def advance(target: str) -> None:
        while todo[target] and not stopped():
            step = todo[target].pop(0)
            reason = run.done_reason(step, target)
            if reason:
                run.record(bt.TaskResult(step, target, "skipped", reason))
                continue
            fut = executor.submit(TASK_FUNCTIONS[step], run.folder, target, run.opts_for(step, target))
            in_flight[fut] = (step, target)
            return

    def fill() -> None:
        while waiting and not stopped() and len(in_flight) < executor.capacity:
            advance(waiting.popleft())

    fill()
    while in_flight:
        if cancel is not None and cancel.cancelled and not run.report.cancelled:
            run.report.cancelled = True
        if run.report.cancelled:
            Path(run.opts.cancel_file).touch()  # running tasks stop at their next frame
            executor.cancel_queued(list(in_flight))
        try:
            finished = executor.wait(list(in_flight), 0.5)
        except KeyboardInterrupt:  # Ctrl-C: collect what the running tasks finish (a second one stops at once)
            if run.report.cancelled:
                raise
            run.report.cancelled = True
            continue
        for fut in finished:
            step, target = in_flight.pop(fut)
            if fut.cancelled():
                continue
            r = _result_of(fut, step, target)
            run.apply(r)
            run.record(r)
            if r.status in ("failed", "cancelled"):
                if r.status == "failed":
                    for later in todo[target]:
                        run.record(bt.TaskResult(later, target, "skipped", f"not run: {step} failed"))
                todo[target] = []
            else:
                advance(target)
        fill()
    if cancel is not None and cancel.cancelled:
        run.report.cancelled = True


def _save(run: _Run, ids: list[str]) -> None:
    """Save the project once (the only writer) with one audit entry ``batch``, when anything ran."""
    report, session = run.report, run.session
    c = report.counts()
    if not (c["done"] or c["failed"] or report.applied) or run.saved:
        return
    detail = (f"steps {','.join(report.steps)} on {len(ids)} recording(s) with {report.model} "
              f"({report.executor}): {c['done']} done, {c['skipped']} skipped, {c['failed']} failed"
              + (", cancelled" if report.cancelled else ""))
    if report.applied:
        detail += "; proposed repetitions applied to " + ", ".join(report.applied)
    failed = [f"{r.step} {r.target}: {r.detail}" for r in report.failed]
    if failed:
        detail += "; failed: " + "; ".join(failed)
    session.save("batch", detail)
    run.saved = True


def _finish(run: _Run, ids: list[str]) -> None:
    report = run.report
    if "features" in report.steps:
        report.features_csv = write_features_csv(run.session, report.model)
    saved_before = run.saved
    _save(run, ids)
    reports = [r.target for r in report.results if r.step == "report" and r.status == "done"]
    if saved_before and reports:  # the first save came before the reports were written
        run.session.save("batch", "reports written for " + ", ".join(reports))
    report.seconds = time.perf_counter() - run.t0


def write_features_csv(session: ProjectSession, model: str) -> str | None:
    """``features/<model>.csv``: the rows of every recording's features file (None when there are none)."""
    from neuroface_studio.analysis.features import FEATURE_NAMES
    from neuroface_studio.store.atomic import atomic_write_bytes
    rows = []
    for rid in sorted(session.project.recordings):
        data = bt.read_features(bt.features_path(session.folder, rid, model))
        if data is not None:
            rows.extend(data.get("rows", []))
    if not rows:
        return None
    buf = io.StringIO()
    cols = ["participant", "group", "recording", "task", "repetition", "start", "end", *FEATURE_NAMES, "space"]
    w = csv_safe.dict_writer(buf, cols, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    path = session.folder / bt.FEATURES_DIR / f"{model}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue().encode())
    return str(path)
