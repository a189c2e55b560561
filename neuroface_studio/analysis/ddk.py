"""Diadochokinetic (DDK) measures and speech-task repetitions from the sound (+ the lips).

Inputs are mono samples ``(N,) float -1..1`` at ``rate`` Hz whose sample 0 is at ``start_s``
on the recording's frame clock, and the frame timestamps ``(T,) s``. Syllable onsets come from
the amplitude envelope (analysis/sound.syllable_onsets).

Per repetition (a span of frames): ``ddk_n_syllables``; ``ddk_rate_syll_s`` = (n − 1) / (last
onset − first onset); ``ddk_isi_mean_s`` and ``ddk_isi_cv`` (standard deviation / mean) of the
inter-syllable intervals; ``ddk_speech_duration_s`` (first onset to the end of the sound in the
span); ``ddk_lip_voice_delay_s`` (first voice onset minus the time the lips start to open: the
lip-aperture rise extrapolated back to its start, :func:`lip_opening_time`). Per recording (the
whole train of syllables inside the repetitions): ``ddk_task_rate_syll_s`` and
``ddk_task_isi_cv`` — for PA, whose repetitions are single syllables, these are the DDK figures.

Proposals (:func:`propose_from_sound`): syllable onsets grouped by task — PA one syllable a
repetition, PATAKA three, BBP a sentence (onsets split where the interval exceeds 1.6 × the
median) — with a confidence from the sound's signal-to-noise ratio and the regularity of the
grouping. Under :data:`MIN_SNR_DB` the sound is too poor and None is returned: the caller falls
back to the lips.
"""

from __future__ import annotations

import math

import numpy as np

from neuroface_studio.analysis.sound import envelope_db, syllable_onsets, time_to_frame

DDK_NAMES = ("ddk_n_syllables", "ddk_rate_syll_s", "ddk_isi_mean_s", "ddk_isi_cv", "ddk_speech_duration_s",
             "ddk_lip_voice_delay_s", "ddk_task_rate_syll_s", "ddk_task_isi_cv")
DDK_UNITS = {"ddk_n_syllables": "count", "ddk_rate_syll_s": "syll/s", "ddk_isi_mean_s": "s", "ddk_isi_cv": "ratio",
             "ddk_speech_duration_s": "s", "ddk_lip_voice_delay_s": "s", "ddk_task_rate_syll_s": "syll/s",
             "ddk_task_isi_cv": "ratio"}
#: How reports and tables name them.
DDK_LABELS = {"ddk_n_syllables": "DDK syllables per repetition", "ddk_rate_syll_s": "DDK syllable rate",
              "ddk_isi_mean_s": "DDK inter-syllable interval, mean", "ddk_isi_cv": "DDK inter-syllable interval, CV",
              "ddk_speech_duration_s": "DDK speech duration", "ddk_lip_voice_delay_s": "lip opening to voice delay",
              "ddk_task_rate_syll_s": "DDK syllable rate, whole task", "ddk_task_isi_cv": "DDK interval CV, whole task"}
SYLLABLES_PER_REPETITION = {"PA": 1, "PATAKA": 3}
MIN_SNR_DB = 12.0
LEAD_S = 0.08  # an onset up to this much before a repetition's first frame still belongs to it (voice delay)
TYPICAL_VOICE_DELAY_S = 0.025  # lips open this long before the voice: proposals start at the lips


def _rate_cv(onsets: np.ndarray) -> tuple[float, float, float]:
    """(rate syll/s, mean interval s, interval CV) of sorted onsets; NaN where under 2 (3) onsets."""
    if len(onsets) < 2:
        return math.nan, math.nan, math.nan
    isi = np.diff(onsets)
    mean = float(isi.mean())
    cv = float(isi.std() / mean) if len(isi) >= 2 and mean > 0 else math.nan
    return float((len(onsets) - 1) / (onsets[-1] - onsets[0])), mean, cv


def _crossing(t: np.ndarray, a: np.ndarray, level: float) -> float:
    above = np.flatnonzero(a >= level)
    if len(above) == 0:
        return math.nan
    i = above[0]
    if i == 0:
        return float(t[0])
    return float(t[i - 1] + (t[i] - t[i - 1]) * (level - a[i - 1]) / (a[i] - a[i - 1]))


def lip_opening_time(times_s: np.ndarray, aperture: np.ndarray, t0: float, t1: float) -> float:
    """When the lips start to open in ``t0..t1``: the line through the aperture's first crossings of
    15 % and 40 % of its rise (from its lowest value before the peak) extended back to that value
    (interpolated between frames); NaN when unknown."""
    sel = (times_s >= t0 - 1e-9) & (times_s <= t1 + 1e-9) & np.isfinite(aperture)
    t, a = times_s[sel], aperture[sel]
    if len(a) < 3 or not np.ptp(a) > 0:
        return math.nan
    top = int(np.argmax(a))
    low = int(np.argmin(a[: top + 1]))  # the lips closed before this opening (a train: the previous syllable's end)
    t, a = t[low:], a[low:]
    rise = a.max() - a[0]
    if rise <= 0:
        return math.nan
    ta, tb = _crossing(t, a, a[0] + 0.15 * rise), _crossing(t, a, a[0] + 0.40 * rise)
    if not (math.isfinite(ta) and math.isfinite(tb)) or tb <= ta:
        return ta
    return float(max(t[0], ta - (tb - ta) * 0.15 / 0.25))


def speech_measures(mono: np.ndarray, rate: int, start_s: float, spans_s: list[tuple[float, float]],
                    lip: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[list[dict], dict]:
    """Per-span DDK measures (dicts keyed by :data:`DDK_NAMES`, NaN: not computable) and
    ``{"onsets_s", "snr_db", "why"}`` (the onsets on the frame clock; ``why``: why values are NaN).

    spans_s: each repetition's ``(first frame time, last frame time)``; lip: ``(times_s,
    lip_aperture)`` for the lip-to-voice delay (None: that measure is NaN).
    """
    onsets, info = syllable_onsets(mono, rate)
    onsets = onsets + start_s
    t_env, db = envelope_db(mono, rate)
    t_env = t_env + start_s
    loud = db >= (info["threshold_db"] if info["threshold_db"] is not None else np.inf)
    why = "" if info["snr_db"] >= MIN_SNR_DB else f"the sound is too poor (signal-to-noise {info['snr_db']:.0f} dB)"
    rows, inside = [], []
    for k, (t0, t1) in enumerate(spans_s):
        t_end = spans_s[k + 1][0] - LEAD_S if k + 1 < len(spans_s) else t1 + 0.25
        t_end = max(t_end, t1)
        sel = onsets[(onsets >= t0 - LEAD_S) & (onsets < min(t_end, t1 + LEAD_S))]
        inside.append(sel)
        r, mean, cv = _rate_cv(sel)
        row = dict.fromkeys(DDK_NAMES, math.nan)
        row.update(ddk_n_syllables=float(len(sel)), ddk_rate_syll_s=r, ddk_isi_mean_s=mean, ddk_isi_cv=cv)
        if len(sel):
            seg = loud & (t_env >= sel[0]) & (t_env <= t_end)
            if seg.any():
                row["ddk_speech_duration_s"] = float(t_env[np.flatnonzero(seg)[-1]] - sel[0])
            if lip is not None:
                # the first syllable's opening: from before the span to shortly after the voice starts
                opened = lip_opening_time(lip[0], lip[1], t0 - LEAD_S, min(t1, sel[0] + 0.1))
                row["ddk_lip_voice_delay_s"] = float(sel[0] - opened) if math.isfinite(opened) else math.nan
        rows.append(row)
    every = np.unique(np.concatenate(inside)) if inside else np.empty(0)
    task_rate, _m, task_cv = _rate_cv(every)
    for row in rows:
        row["ddk_task_rate_syll_s"], row["ddk_task_isi_cv"] = task_rate, task_cv
    if why:
        for row in rows:
            for key in DDK_NAMES:
                row[key] = math.nan
    return rows, {"onsets_s": onsets, "snr_db": info["snr_db"], "why": why}


def group_onsets(onsets: np.ndarray, task: str) -> list[np.ndarray]:
    """Syllable onsets grouped into repetitions: PA 1, PATAKA 3 (a train), BBP sentences by pauses."""
    task = task.upper()
    if len(onsets) == 0:
        return []
    if task in SYLLABLES_PER_REPETITION:
        n = SYLLABLES_PER_REPETITION[task]
        return [onsets[i:i + n] for i in range(0, len(onsets) - n + 1, n)]
    isi = np.diff(onsets)
    if len(isi) == 0:
        return [onsets]
    cut = np.flatnonzero(isi > 1.6 * np.median(isi)) + 1
    return [g for g in np.split(onsets, cut) if len(g)]


def propose_from_sound(mono: np.ndarray, rate: int, start_s: float, timestamps_s: np.ndarray,
                       task: str) -> tuple[list[tuple[int, int, float]] | None, dict]:
    """Repetition proposals ``(start_frame, end_frame, confidence)`` of a speech task from its sound,
    or None when the sound is too poor (the caller uses the lips); and ``{"snr_db", "n_onsets", "why"}``."""
    onsets, info = syllable_onsets(mono, rate)
    meta = {"snr_db": info["snr_db"], "n_onsets": int(len(onsets)), "why": ""}
    if info["snr_db"] < MIN_SNR_DB or len(onsets) < 2:
        meta["why"] = (f"the sound is too poor for proposals (signal-to-noise {info['snr_db']:.0f} dB, "
                       f"{len(onsets)} syllable onsets)")
        return None, meta
    onsets = onsets + start_s - TYPICAL_VOICE_DELAY_S  # where the lips start to open
    groups = group_onsets(onsets, task)
    if not groups:
        meta["why"] = "no complete repetition in the sound"
        return None, meta
    isi_all = np.diff(onsets)
    syll = float(np.median(isi_all)) if len(isi_all) else 0.2
    n_frames = len(timestamps_s)
    snr_conf = float(np.clip((info["snr_db"] - MIN_SNR_DB) / 20.0, 0.0, 1.0))
    contiguous = task.upper() in SYLLABLES_PER_REPETITION  # DDK trains: one repetition runs into the next
    out = []
    for k, g in enumerate(groups):
        t0 = g[0]
        if contiguous:
            t1 = groups[k + 1][0] if k + 1 < len(groups) else g[-1] + syll * (1 if len(g) == 1 else
                                                                                len(g) / max(len(g) - 1, 1))
        else:
            inner = np.diff(g)
            t1 = g[-1] + (float(np.median(inner)) if len(inner) else syll)
        f0, f1 = time_to_frame(np.array([t0, t1]), timestamps_s)
        a = int(np.clip(math.ceil(f0 - 1e-6), 0, n_frames - 1))
        b = int(np.clip(math.floor(f1 - 1e-6) if contiguous else round(f1), a, n_frames - 1))
        if contiguous and k + 1 < len(groups):
            b = max(a, min(b, int(math.ceil(time_to_frame(np.array([groups[k + 1][0]]), timestamps_s)[0] - 1e-6)) - 1))
        reg = 1.0
        if len(g) >= 3:
            inner = np.diff(g)
            reg = float(np.clip(1.0 - 2.0 * inner.std() / max(inner.mean(), 1e-9), 0.0, 1.0))
        out.append((a, b, round(0.5 + 0.5 * snr_conf * reg, 3)))
    return out, meta
