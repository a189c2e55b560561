"""Simulated speech: the speech tasks voiced by a real synthesiser, timed by the recording plan.

The simulator's plan opens the lips once per syllable (simulation/kinematics.py: PA one
syllable a repetition, PATAKA three, BBP five a sentence; rate and timing carry the group
effects of the participant's :class:`Identity`). Each syllable is synthesised by Debian's
``espeak-ng`` (to WAV, once per syllable text and process), trimmed to its sound, and placed
so its acoustic onset comes ``voice onset delay`` after the lips start to open: the truth of a
syllable onset is known to the sample. The delay has a group effect (ALS and PD longer and more
variable: slower, less precise articulation); the rate and its regularity come from the plan.

``espeak-ng`` missing: :class:`SpeechUnavailable` says how to install it (the Debian package
``espeak-ng``, which scripts/run.sh installs). Nothing here draws from the plan's random
streams: the frames of a simulation with speech are the same as without.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import wave

import numpy as np

from neuroface_studio.domain.audio import AudioTrack
from neuroface_studio.simulation.identity import derive_rng
from neuroface_studio.simulation.kinematics import task_timeline

SPEECH_TASKS = ("BBP", "PA", "PATAKA")
SYLLABLE_TEXT = {"PA": ("pa",), "PATAKA": ("pa", "ta", "ka"), "BBP": ("buy", "bob", "by", "a", "pup", "pee")}
BBP_SYLLABLES = ("buy", "bob", "by", "pup", "pee")  # "Buy Bobby a puppy": 5 lip syllables in the plan
ESPEAK_SPEED_WPM = 320
#: voice onset delay after the lips start to open, s: (mean, sd) per group
VOICE_DELAY_S = {"HC": (0.025, 0.004), "ALS": (0.045, 0.012), "PD": (0.035, 0.010), "PS": (0.030, 0.006),
                 "FP": (0.028, 0.005), "other": (0.028, 0.006)}
NOISE_DBFS = -60.0  # room noise under the voice
ONSET_LEVEL = 0.1  # a syllable's acoustic onset: its envelope first reaches 10 % of its peak


class SpeechUnavailable(RuntimeError):
    """The speech synthesiser is not installed."""


def espeak_path() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise SpeechUnavailable("simulated speech needs the speech synthesiser espeak-ng: install the Debian package "
                                "`espeak-ng` (sudo apt-get install espeak-ng; scripts/run.sh installs it), or "
                                "simulate without --speech")
    return path


@functools.lru_cache(maxsize=32)
def synthesise(text: str, speed_wpm: int = ESPEAK_SPEED_WPM) -> tuple[np.ndarray, int]:
    """``(samples (N,) float32 -1..1, rate)`` of ``text`` spoken by espeak-ng, trimmed to its sound."""
    out = subprocess.run([espeak_path(), "-v", "en", "-s", str(int(speed_wpm)), "--stdout", text],
                         capture_output=True, timeout=30, check=True).stdout
    with wave.open(io.BytesIO(out)) as w:
        rate, width = w.getframerate(), w.getsampwidth()
        raw = w.readframes(1 << 30)  # espeak's --stdout header states no length
    if width != 2:
        raise SpeechUnavailable(f"espeak-ng wrote {8 * width}-bit samples; 16-bit expected")
    x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    env = np.abs(x)
    loud = np.flatnonzero(env >= ONSET_LEVEL * env.max()) if len(env) else np.empty(0, int)
    if len(loud) == 0:
        raise SpeechUnavailable(f"espeak-ng produced no sound for {text!r}")
    return x[loud[0]: loud[-1] + 1].copy(), rate


def plan_syllables(identity, task, fps: float, seed: int, duration_scale: float = 1.0) -> list[tuple[float, float]]:
    """The plan's syllables ``(start_s, duration_s)`` (when the lips open for each), as plan_recording drew them."""
    keys = (identity.seed, identity.participant_id, task.code.upper(), int(seed))
    out: list[tuple[float, float]] = []
    task_timeline(identity, task, fps, derive_rng("kinematics", *keys), duration_scale, syllables=out)
    return out


def speak_plan(identity, task, plan, duration_scale: float = 1.0) -> tuple[AudioTrack, dict]:
    """The sound of ``plan`` (a speech task) and its truth.

    Returns the track (sample 0 at frame time 0, the plan's clock i / fps) and a JSON-ready truth:
    ``syllable_onsets_s`` (acoustic onsets), ``lip_onsets_s`` (the lips start to open),
    ``syllable_durations_s`` (the plan's), ``voice_delay_s`` and ``planned_rate_syll_s`` (median
    syllables per second of the plan's onsets).
    """
    code = task.code.upper()
    if code not in SPEECH_TASKS:
        raise ValueError(f"{code} is not a speech task ({', '.join(SPEECH_TASKS)})")
    syllables = plan_syllables(identity, task, plan.fps, plan.seed, duration_scale)
    rng = derive_rng("speech", identity.seed, identity.participant_id, code, int(plan.seed))
    texts = BBP_SYLLABLES if code == "BBP" else SYLLABLE_TEXT[code]
    rate = synthesise(texts[0])[1]
    n = int(np.ceil(plan.n_frames / plan.fps * rate))
    out = rng.normal(0.0, 10 ** (NOISE_DBFS / 20), n)
    mean, sd = VOICE_DELAY_S.get(identity.group.value, VOICE_DELAY_S["other"])
    onsets, delays = [], []
    for k, (start, dur) in enumerate(syllables):
        sound, _ = synthesise(texts[k % len(texts)])
        delay = float(np.clip(rng.normal(mean, sd), 0.005, 0.12))
        keep = max(int(0.85 * dur * rate), int(0.03 * rate))  # the sound fits the syllable's cycle
        piece = sound[:keep].copy()
        fade = min(len(piece), int(0.015 * rate))
        piece[len(piece) - fade:] *= np.linspace(1.0, 0.0, fade)
        i0 = int(round((start + delay) * rate))
        i1 = min(n, i0 + len(piece))
        if i0 >= n:
            break
        out[i0:i1] += 0.6 * identity.amplitude ** 0.5 * piece[: i1 - i0]
        onsets.append(i0 / rate)
        delays.append(delay)
    pcm = np.clip(np.round(out * 32767), -32768, 32767).astype(np.int16)[:, None]
    track = AudioTrack(pcm, rate, start_s=0.0, offset_s=0.0, source=f"espeak-ng {code} (simulated)")
    lip = [s for s, _ in syllables[: len(onsets)]]
    intervals = np.diff(onsets)
    truth = {"syllable_onsets_s": [round(t, 6) for t in onsets], "lip_onsets_s": [round(t, 6) for t in lip],
             "syllable_durations_s": [round(d, 6) for _, d in syllables[: len(onsets)]],
             "voice_delay_s": [round(d, 6) for d in delays],
             "planned_rate_syll_s": round(float(1.0 / np.median(intervals)), 4) if len(intervals) else None,
             "sample_rate": rate}
    return track, truth
