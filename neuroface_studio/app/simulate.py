"""Add simulated participants (the simulated clinic) to a project.

Recordings are written through the same RecordingWriter as real captures; ground truth
goes to truth/<recording>.h5, and simulated annotators' labels on selected frames become
annotator landmark sets, so every later stage (annotation, fine-tuning, evaluation) has
realistic input with a known answer.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from neuroface_studio.app.jobs import CancelToken, ProgressFn, no_progress
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.domain.annotations import LandmarkSet, LandmarkSource
from neuroface_studio.domain.participants import Group, Participant, Session
from neuroface_studio.domain.project import now_iso
from neuroface_studio.domain.recordings import Recording, Repetition
from neuroface_studio.domain.truth import GroundTruth
from neuroface_studio.simulation import clinic
from neuroface_studio.store.project_file import RECORDINGS_DIR, TRUTH_DIR
from neuroface_studio.store.recording_file import RecordingWriter
from neuroface_studio.store.truth_file import write_truth


MAX_SESSIONS = 6


def session_id(pid: str, visit: int) -> str:
    """``{pid}-S1``, ``{pid}-S2``, ... (visit 0 is the first session)."""
    return f"{pid}-S{visit + 1}"


def recording_id(pid: str, visit: int, task_code: str) -> str:
    """``{pid}-{task}`` in the first session (as always), ``{pid}-S2-{task}`` in later ones."""
    return f"{pid}-{task_code}" if visit == 0 else f"{pid}-S{visit + 1}-{task_code}"


@dataclass(frozen=True)
class SimulationRequest:
    participants: int = 6
    groups: tuple[Group, ...] = (Group.HC, Group.ALS, Group.PS)
    tasks: tuple[str, ...] | None = None  # None: every task of the project's protocol
    seed: int = 0
    no_effect: bool = False  # every group moves like controls (null control for classifiers)
    fps: float = 50.0
    duration_scale: float = 1.0  # < 1 shortens every task (quick demos and tests)
    annotators: int = 1  # simulated annotators who label the selected frames (0-3)
    frames_per_repetition: int = 2
    sessions: int = 1  # sessions per participant, clinic.FOLLOW_UP_WEEKS apart (patients progress/recover)
    speech: bool = False  # voice BBP/PA/PATAKA with espeak-ng into /audio (simulation/speech.py); frames unchanged

    def __post_init__(self) -> None:
        if self.participants < 1:
            raise ValueError("--participants must be at least 1")
        if not self.groups:
            raise ValueError("give at least one group")
        if not 1 <= self.fps <= 120:
            raise ValueError("fps must be between 1 and 120")
        if not 0.05 <= self.duration_scale <= 4:
            raise ValueError("duration scale must be between 0.05 and 4")
        if not 0 <= self.annotators <= len(clinic.ANNOTATORS):
            raise ValueError(f"annotators must be between 0 and {len(clinic.ANNOTATORS)}")
        if not 1 <= self.sessions <= MAX_SESSIONS:
            raise ValueError(f"sessions must be between 1 and {MAX_SESSIONS}")


def _next_ids(existing: set[str], n: int) -> list[str]:
    ids, k = [], 1
    while len(ids) < n:
        pid = f"SIM{k:03d}"
        if pid not in existing:
            ids.append(pid)
        k += 1
    return ids


def _clinical_scores(group: Group, rng: np.random.Generator) -> dict[str, float]:
    if group is Group.ALS:
        bulbar = float(rng.integers(5, 12))
        return {"ALSFRS-R total": float(rng.integers(28, 45)), "ALSFRS-R bulbar": bulbar,
                "days since diagnosis": float(rng.integers(90, 1500))}
    if group is Group.PS:
        return {"days since stroke": float(rng.integers(30, 2000))}
    if group is Group.PD:
        return {"MDS-UPDRS III": float(rng.integers(10, 50))}
    return {}


def simulate_into_project(session: ProjectSession, request: SimulationRequest,
                          progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> list[str]:
    """Generate ``request.participants`` participants into the open project and save it.

    Returns the new participant IDs. With ``request.sessions`` > 1 each participant comes back
    every :data:`clinic.FOLLOW_UP_WEEKS` weeks (:func:`clinic.follow_up_identity`: ALS and PD
    progress, PS and FP partly recover, controls stay); the first session is exactly what
    ``sessions=1`` makes. On cancel the recording in progress is deleted, the completed ones are
    kept and saved, and JobCancelled is raised.
    """
    cancel = cancel or CancelToken()
    project = session.project
    tasks = [project.protocol.task(c) for c in (request.tasks or project.protocol.codes)]
    pids = _next_ids(set(project.participants), request.participants)
    rng = np.random.default_rng(np.random.SeedSequence([request.seed, 7919]))
    groups = [request.groups[k % len(request.groups)] for k in range(len(pids))]
    plans = []
    for pid, group in zip(pids, groups):
        pseed = int(np.random.SeedSequence([request.seed, zlib.crc32(pid.encode())]).generate_state(1)[0])
        first_identity = clinic.make_identity(pid, group, pseed, no_effect=request.no_effect)
        for visit in range(request.sessions):
            identity = clinic.follow_up_identity(first_identity, visit)
            vseed = pseed if visit == 0 else int(np.random.SeedSequence([pseed, visit]).generate_state(1)[0])
            for task in tasks:
                plan = clinic.plan_recording(identity, task, fps=request.fps, seed=vseed,
                                             duration_scale=request.duration_scale)
                plans.append((pid, visit, group, identity, task, plan))
    total = sum(p[5].n_frames for p in plans)
    done = 0
    (session.folder / RECORDINGS_DIR).mkdir(exist_ok=True)
    (session.folder / TRUTH_DIR).mkdir(exist_ok=True)
    base_date = date(2026, 1, 5) + timedelta(days=int(request.seed % 300))
    details = {pid: (_clinical_scores(g, rng), bool(rng.random() < 0.8)) for pid, g in zip(pids, groups)}
    try:
        for pid, visit, group, identity, task, plan in plans:
            first = pid not in project.participants
            if first:
                scores, consent = details[pid]
                project.add_participant(Participant(
                    id=pid, group=group, clinical_scores=scores, consent_to_share=consent,
                    notes="simulated participant" + (" (no group effect)" if request.no_effect else "")))
            sid = session_id(pid, visit)
            new_session = sid not in project.sessions
            if new_session:
                day = pids.index(pid) + 7 * clinic.FOLLOW_UP_WEEKS * visit
                project.add_session(Session(id=sid, participant_id=pid,
                                            date=(base_date + timedelta(days=day)).isoformat()))
            try:
                _write_recording(session, recording_id(pid, visit, task.code), sid, identity, plan, request,
                                 progress, cancel, done, total)
            except BaseException:  # a cancel leaves no participant or session without recordings
                if new_session:
                    del project.sessions[sid]
                if first:
                    del project.participants[pid]
                raise
            done += plan.n_frames
    finally:
        session.save("simulate", f"{len(pids)} participants, seed {request.seed}"
                     + (f", {request.sessions} sessions each" if request.sessions > 1 else "")
                     + (", no effect" if request.no_effect else ""))
    return pids


def _write_recording(session: ProjectSession, rec_id: str, session_id: str, identity, plan, request,
                     progress: ProgressFn, cancel: CancelToken, done: int, total: int) -> None:
    project = session.project
    rec_file = f"{RECORDINGS_DIR}/{rec_id}.h5"
    truth_file = f"{TRUTH_DIR}/{rec_id}.h5"
    path = session.folder / rec_file
    created = now_iso()
    speech = _speech(session, identity, plan, request)
    writer = RecordingWriter(path, rec_id, plan.task_code, plan.fps, plan.camera, created,
                             audio=(speech[0].sample_rate, 1, speech[0].source) if speech else None)
    try:
        if speech:
            writer.append_audio(speech[0].pcm, start_s=0.0, offset_s=0.0)
        for i, color, depth in clinic.iter_frames(identity, plan):
            cancel.raise_if_cancelled()
            writer.append(color, depth, i / plan.fps, i)
            if i % 10 == 0:
                progress(done + i, total, f"{rec_id}: frame {i + 1}/{plan.n_frames}")
        writer.close(complete=True)
    except BaseException:
        writer.close(complete=False)
        path.unlink(missing_ok=True)
        raise
    write_truth(session.folder / truth_file, GroundTruth(
        plan.landmarks_px, plan.landmarks_mm, plan.head_pose_deg, plan.turned_away,
        np.asarray(plan.repetitions, dtype=np.int64).reshape(-1, 2),
        meta={"simulator_version": clinic.SIMULATOR_VERSION, "seed": int(plan.seed),
              "group": identity.group.value, "no_effect": bool(request.no_effect),
              **({"speech": speech[1]} if speech else {})}))
    project.add_recording(Recording(
        id=rec_id, session_id=session_id, task_code=plan.task_code, fps=plan.fps, n_frames=plan.n_frames,
        camera=plan.camera, file=rec_file, created=created, truth_file=truth_file,
        notes=f"simulated (NeuroFace simulator v{clinic.SIMULATOR_VERSION})"))
    for start, end in plan.repetitions:
        project.add_repetition(Repetition(rec_id, int(start), int(end), source="truth"))
    _add_annotations(project, rec_id, plan, request)
    progress(done + plan.n_frames, total, f"{rec_id}: done")


def _speech(session: ProjectSession, identity, plan, request: SimulationRequest):
    """(AudioTrack, truth) of a speech task when ``request.speech``, else None (simulation/speech.py)."""
    from neuroface_studio.simulation.speech import SPEECH_TASKS, speak_plan
    if not request.speech or plan.task_code not in SPEECH_TASKS:
        return None
    return speak_plan(identity, session.project.protocol.task(plan.task_code), plan, request.duration_scale)


def _add_annotations(project, rec_id: str, plan, request: SimulationRequest) -> None:
    rng = np.random.default_rng(np.random.SeedSequence([plan.seed, zlib.crc32(rec_id.encode()), 17]))
    frames = clinic.choose_annotation_frames(plan, per_repetition=request.frames_per_repetition, rng=rng)
    for annotator in clinic.ANNOTATORS[: request.annotators]:
        for f in frames:
            pts = clinic.annotate(annotator, plan.landmarks_px[f], rng)
            project.add_landmark_set(LandmarkSet(
                id=f"{rec_id}-f{f:05d}-{annotator.annotator_id}", recording_id=rec_id, frame_index=int(f),
                points_px=pts, source=LandmarkSource(kind="annotator", annotator_id=annotator.annotator_id),
                created=now_iso()))

