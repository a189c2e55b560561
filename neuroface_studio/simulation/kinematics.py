"""Task kinematics: how strongly each expression action is activated, frame by frame.

A timeline is ``activations (T, N_ACTIONS)`` (unitless; 1.0 = a healthy adult's full
movement, see :func:`face_model.expression_basis`) plus the true repetition spans (inclusive
frame indices, movement start .. movement end). Profiles are smooth: minimum-jerk rises and
falls for non-speech tasks, raised-cosine syllable cycles for speech. Group effects enter
through the :class:`Identity` (amplitude, speed, jitter, fatigue, tremor); one-sided weakness
is applied by :func:`lateralise`.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from neuroface_studio.domain.protocol import Task
from neuroface_studio.simulation.face_model import (
    BROW_RAISE, JAW_OPEN, LIP_ACTIONS, LIP_PART, N_ACTIONS, PUCKER, ROUND, SMILE, SPREAD,
)
from neuroface_studio.simulation.identity import Identity

#: Non-speech tasks: activation of each action at the peak of one repetition.
NONSPEECH_POSES: dict[str, dict[int, float]] = {
    "OPEN": {JAW_OPEN: 1.0, LIP_PART: 0.3},
    "SPREAD": {SPREAD: 1.0},
    "SMILE": {SMILE: 1.0, LIP_PART: 0.7, JAW_OPEN: 0.06},
    "KISS": {PUCKER: 1.0},
    "BLOW": {PUCKER: 0.85, ROUND: 1.0},
    "BROW": {BROW_RAISE: 1.0},
}
#: Healthy timing of one non-speech repetition, s: rise, hold, fall, pause.
RISE_S, HOLD_S, FALL_S, PAUSE_S = 0.4, 0.5, 0.4, 0.7
LEAD_S = 0.5  # neutral face before the first and after the last movement


def min_jerk(tau: np.ndarray) -> np.ndarray:
    """Minimum-jerk position profile 0 -> 1 for ``tau`` in [0, 1] (clipped outside)."""
    t = np.clip(tau, 0.0, 1.0)
    return t ** 3 * (10.0 - 15.0 * t + 6.0 * t * t)


def bump(t: np.ndarray, start: float, duration: float) -> np.ndarray:
    """Raised-cosine bump 0 -> 1 -> 0 over ``[start, start + duration]`` s, zero elsewhere."""
    tau = (t - start) / duration
    return np.where((tau > 0) & (tau < 1), np.sin(np.pi * np.clip(tau, 0, 1)) ** 2, 0.0)


def _span(t0: float, t1: float, fps: float, n_frames: int) -> tuple[int, int]:
    a = int(np.ceil(t0 * fps - 1e-9))
    b = max(a + 1, int(np.floor(t1 * fps + 1e-9)))
    return min(a, n_frames - 2), min(b, n_frames - 1)


def _fatigue(identity: Identity, k: int, n: int) -> float:
    return 1.0 - identity.fatigue * (k / max(n - 1, 1))


def _nonspeech(identity, task, fps, rng, ds):
    n_rep = task.repetitions or 5
    pose = NONSPEECH_POSES[task.code]
    events, t = [], LEAD_S * ds
    for k in range(n_rep):
        rise, hold, fall, pause = np.array([RISE_S, HOLD_S, FALL_S, PAUSE_S]) * identity.speed * ds \
            * rng.uniform(0.85, 1.15, 4)
        amp = identity.amplitude * _fatigue(identity, k, n_rep) * rng.normal(1.0, 0.05)
        events.append((t, rise, hold, fall, amp))
        t += rise + hold + fall + (pause if k < n_rep - 1 else 0.0)
    n_frames = int(np.ceil((t + LEAD_S * ds) * fps)) + 1
    time = np.arange(n_frames) / fps
    level = np.zeros(n_frames)
    spans = []
    for t0, rise, hold, fall, amp in events:
        up = min_jerk((time - t0) / rise)
        down = 1.0 - min_jerk((time - t0 - rise - hold) / fall)
        drift = 1.0 + 0.03 * np.sin(2 * np.pi * (time - t0) / max(hold, 1e-3))
        level += amp * np.where(time < t0 + rise, up, np.where(time < t0 + rise + hold, drift, down)) \
            * ((time >= t0) & (time <= t0 + rise + hold + fall))
        spans.append(_span(t0, t0 + rise + hold + fall, fps, n_frames))
    act = np.zeros((n_frames, N_ACTIONS))
    for action, weight in pose.items():
        act[:, action] = weight * level
    return act, spans


def _bbp(identity, task, fps, rng, ds, syllables=None):
    """'Buy Bobby a puppy': 5 syllables a sentence, each opened and closed by the lips."""
    n_rep = task.repetitions or 10
    sentences, t = [], LEAD_S * ds
    for k in range(n_rep):
        syl = 0.3 * identity.speed * ds * rng.uniform(0.9, 1.1, 5)
        amps = identity.amplitude * _fatigue(identity, k, n_rep) * rng.normal(1.0, 0.1, 5)
        sentences.append((t, syl, amps))
        t += syl.sum() + (0.45 * identity.speed * ds * rng.uniform(0.8, 1.25) if k < n_rep - 1 else 0.0)
    n_frames = int(np.ceil((t + LEAD_S * ds) * fps)) + 1
    time = np.arange(n_frames) / fps
    act = np.zeros((n_frames, N_ACTIONS))
    spans = []
    for t0, syl, amps in sentences:
        starts = t0 + np.concatenate([[0.0], np.cumsum(syl)[:-1]])
        for j, (s0, d, a) in enumerate(zip(starts, syl, amps)):
            b = a * bump(time, s0, d)
            act[:, JAW_OPEN] += 0.22 * b
            act[:, LIP_PART] += 0.4 * b
            if j in (1, 4):  # the /i/ of "-by", "-py"
                act[:, SPREAD] += 0.3 * b
        spans.append(_span(t0, t0 + syl.sum(), fps, n_frames))
        if syllables is not None:
            syllables.extend((float(s0), float(d)) for s0, d in zip(starts, syl))
    return act, spans


def _diadochokinesis(identity, task, fps, rng, ds, syllables=None):
    """/pa/ or /pataka/ repeated on one breath; each cycle (or triplet) is a repetition."""
    duration = max(5.0 * ds, 0.8) * rng.uniform(0.9, 1.1)
    if task.code == "PA":
        period = 1.0 / (identity.speech_rate_hz * rng.uniform(0.95, 1.05))
    else:
        period = 3.0 / (identity.speech_rate_hz * 1.1 * rng.uniform(0.95, 1.05))
    n_rep = max(2, int(duration / period))
    t0 = LEAD_S * ds
    n_frames = int(np.ceil((t0 + n_rep * period + LEAD_S * ds) * fps)) + 1
    time = np.arange(n_frames) / fps
    act = np.zeros((n_frames, N_ACTIONS))
    starts = t0 + period * np.arange(n_rep) + rng.normal(0.0, 0.02 * period, n_rep) * (np.arange(n_rep) > 0)
    starts = np.maximum.accumulate(starts)
    ends = np.append(starts[1:], t0 + n_rep * period)
    spans = []
    for k, (s0, s1) in enumerate(zip(starts, ends)):
        a = identity.amplitude * _fatigue(identity, k, n_rep) * rng.normal(1.0, 0.08)
        d = s1 - s0
        if task.code == "PA":
            b = a * bump(time, s0, d)
            act[:, JAW_OPEN] += 0.2 * b
            act[:, LIP_PART] += 0.5 * b
        else:  # pa-ta-ka: the jaw cycles three times, the lips close only for /p/
            for j, w in enumerate((0.25, 0.22, 0.2)):
                act[:, JAW_OPEN] += w * a * bump(time, s0 + j * d / 3, d / 3)
            act[:, LIP_PART] += 0.5 * a * bump(time, s0, d)
        spans.append(_span(s0, s1, fps, n_frames))
        if syllables is not None:
            syllables.extend([(float(s0), float(d))] if task.code == "PA"
                             else [(float(s0 + j * d / 3), float(d / 3)) for j in range(3)])
    spans = [(a, min(b, spans[i + 1][0] - 1) if i + 1 < len(spans) else b) for i, (a, b) in enumerate(spans)]
    return act, spans


def task_timeline(identity: Identity, task: Task, fps: float, rng: np.random.Generator,
                  duration_scale: float = 1.0, syllables: list | None = None) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Symmetric activations (T, N_ACTIONS) and repetition spans for one recording of ``task``.

    Includes the participant's jitter (smoothed noise) and tremor; clipped at zero. ``syllables``:
    a list that receives each speech syllable's ``(start_s, duration_s)`` (the lips' opening
    bump; simulation/speech.py voices them); it draws nothing, so the timeline is unchanged.
    """
    ds = float(duration_scale)
    code = task.code.upper()
    if code == "REST" or task.category == "rest":
        n_frames = int(round((task.duration_s or 20.0) * ds * fps))
        act, spans = np.zeros((max(n_frames, 2), N_ACTIONS)), []
    elif code in NONSPEECH_POSES:
        act, spans = _nonspeech(identity, task, fps, rng, ds)
    elif code == "BBP":
        act, spans = _bbp(identity, task, fps, rng, ds, syllables)
    elif code in ("PA", "PATAKA"):
        act, spans = _diadochokinesis(identity, task, fps, rng, ds, syllables)
    else:
        raise ValueError(f"the simulator has no kinematics for task {task.code!r}; "
                         f"known: {', '.join(sorted([*NONSPEECH_POSES, 'BBP', 'PA', 'PATAKA', 'REST']))}")
    n_frames = act.shape[0]
    time = np.arange(n_frames) / fps
    noise = gaussian_filter1d(rng.normal(0.0, 1.0, act.shape), sigma=max(0.04 * fps, 0.5), axis=0)
    noise /= max(float(noise.std()), 1e-9)
    act = act + identity.jitter * noise * (0.3 + act)
    if identity.tremor_amp > 0:
        tremor = identity.tremor_amp * 0.5 * (1 + np.sin(2 * np.pi * identity.tremor_hz * time
                                                          + rng.uniform(0, 2 * np.pi)))
        act[:, JAW_OPEN] += tremor
        act[:, LIP_PART] += 0.5 * tremor
    return np.clip(act, 0.0, None), spans


def lateralise(identity: Identity, activations: np.ndarray) -> np.ndarray:
    """(T, K) -> (T, K, 2) activations on the participant's (right, left) side.

    A unilateral condition scales the lip actions (and, for facial palsy, the brow) on the
    affected side by ``identity.side_factor``; the jaw is bilateral and never lateralised.
    """
    act = np.repeat(activations[:, :, None], 2, axis=2)
    if identity.affected_side is not None:
        s = 0 if identity.affected_side == "right" else 1
        weak = list(LIP_ACTIONS) + ([BROW_RAISE] if identity.brows_affected else [])
        act[:, weak, s] *= identity.side_factor
    return act
