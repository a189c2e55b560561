"""Speech-task repetitions from the syllable-rate oscillation of the mouth (lips and jaw), without sound.

The speech tasks move the mouth as a train of syllables: each syllable opens the lips and the
jaw once (simulation/kinematics.py: PA one syllable a repetition, PATAKA three syllables of the
jaw under one lip opening, BBP five syllables a sentence with a pause between sentences). A
plain threshold on the lip aperture fails there: the mouth rarely comes back to rest between
syllables, and on a small, noisy movement (dysarthria, a tracker's jitter) sentences merge
into one span covering the whole take (issue 18). This module looks for the *oscillation*:

1. **Mouth opening** ``(T,)``: the inner-lip aperture and the jaw opening (nose base to chin),
   each gap-bridged and scaled by its robust spread, added (their movements coincide, their
   tracker noise does not).
2. **Syllable rate** ``f`` (Hz): the highest peak of the opening's spectrum in 1.5-9 Hz (below
   Nyquist; PATAKA: the jaw's spectrum, as its lips open once a triplet, a stronger slower rhythm). Its power density over that above ``2 f`` (:func:`rhythm_snr`: ~1 for tracker noise
   alone) must reach 1.8, else nothing is proposed.
3. **Band-pass** the opening around ``f`` (Butterworth, zero-phase: 0.5 f to 1.7 f): one
   near-sinusoid cycle per syllable; tracker noise and slow drift are gone.
4. **Syllables** (units): peaks of the band-passed signal at least 0.6 / f apart. Peak heights fall in two
   groups, movement and the noise of the pauses; the lower group (two-class split, or below
   0.25 of the movement's typical peak; levels from peaks with a face all around) is dropped,
   except a weak unit between two kept ones (a gap in a train is a weak syllable, not a pause).
5. **Repetitions**: PA: every syllable is one repetition and consecutive ones meet at the trough
   between them (contiguous, as the plan's are); a gap longer than 1.7 periods is a pause.
   PATAKA: syllables in threes, each starting at a lip closure (/p/): of the three phases, the
   one whose edges fall where the lip aperture alone, band-passed near f / 3, is lowest.
   BBP: units closer than 1.7 periods form one sentence; a "sentence" of more than 1.6 x 5
   syllables is split at its longest gaps, one of fewer than 2 is dropped. Never one span
   for a whole take that holds several repetitions.
6. **Edges** (sub-frame, parabolic peaks and troughs): between units at the trough; the first
   unit of a train starts as far before its peak as the trough after it lies after it (the
   raised-cosine syllable is symmetric), the last ends mirrored likewise.

Confidence of a repetition, in [0, 1]: how far its peaks stand above the pauses' noise
(relative to the movement's typical peak) x the regularity of its units' spacing (and, for
BBP, how close its syllable count is to 5) x how clearly the rhythm stands above the tracker's
noise (``(snr - 1) / 3``, at most 1) x the fraction of its frames with a face.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import butter, find_peaks, sosfiltfilt

from neuroface_studio.analysis.ddk import SYLLABLES_PER_REPETITION
from neuroface_studio.analysis.segmentation import (Proposal, ProposedSpan, bridge_nans, default_params,
                                                     spans_to_frames)
from neuroface_studio.analysis.timebase import FrameTimes, resample, uniform_grid

SPEECH_TASKS = ("BBP", "PA", "PATAKA")
SYLLABLES_PER_SENTENCE = 5  # BBP "Buy Bobby a puppy": 5 lip syllables
BREAK_PERIODS = 1.7  # a gap between units longer than this many periods is a pause
MIN_DISTANCE_PERIODS = 0.6  # two units are at least this many periods apart
MIN_RHYTHM_SNR = 1.8  # rhythm_snr below this: tracker noise only (about 1), nothing is proposed


SYLLABLE_BAND_HZ = (1.5, 9.0)  # syllable rates looked for (capped below Nyquist)
#: speech tasks whose repetitions may come from the mouth's movement when no syllable rhythm is found
#: (a short or free-talking clip), with the longest plausible repetition (s): a "Buy Bobby a puppy"
#: sentence at about a third of a healthy speaker's rate. A PA or PATAKA train without a syllable
#: rhythm is not a train: nothing is proposed for those.
MOVEMENT_FALLBACK_MAX_S = {"BBP": 6.0}


def _bridge(v: np.ndarray) -> np.ndarray | None:
    """:func:`~.segmentation.bridge_nans`, or None with fewer than 3 frames to bridge from."""
    return bridge_nans(v) if np.isfinite(v).sum() >= 3 else None


def _scaled(v: np.ndarray) -> np.ndarray:
    lo, hi = np.percentile(v, [5, 95])
    return (v - np.median(v)) / max(float(hi - lo), 1e-12)


def mouth_opening(lip: np.ndarray, jaw: np.ndarray | None, use_jaw: bool = True) -> np.ndarray | None:
    """Lip aperture (+ jaw opening) gap-bridged, each scaled by its 5-95 % spread; None without data."""
    parts = [b for b in (_bridge(np.asarray(lip, float)),
                         _bridge(np.asarray(jaw, float)) if (use_jaw and jaw is not None) else None) if b is not None]
    if not parts:
        return None
    return np.sum([_scaled(p) for p in parts], axis=0)


def unit_rate_hz(x: np.ndarray, fps: float, low: float, high: float) -> float | None:
    """The frequency of the highest spectral peak of ``x`` within ``low .. high`` Hz (None if out of reach)."""
    high = min(high, 0.42 * fps)
    if x.size < 8 or high <= low:
        return None
    d = x - gaussian_filter1d(x, sigma=max(1.0, 0.5 * fps / low))  # slower drift out
    n = int(2 ** np.ceil(np.log2(8 * x.size)))
    spec = np.abs(np.fft.rfft(d * np.hanning(d.size), n)) ** 2
    freqs = np.fft.rfftfreq(n, 1.0 / fps)
    spec = gaussian_filter1d(spec, sigma=max(1.0, 0.08 * n / fps))  # ~0.08 Hz: one peak per rhythm
    band = (freqs >= low) & (freqs <= high)
    if not band.any() or spec[band].max() <= 0:
        return None
    return float(freqs[band][int(np.argmax(spec[band]))])


def rhythm_snr(x: np.ndarray, fps: float, f: float) -> float | None:
    """Power density of ``x`` in the syllable band (0.5-1.7 f) over that above 2 f (tracker noise): about 1
    for noise alone, well above for a mouth moving at ``f``. None when 2 f is too near Nyquist to tell."""
    nyq = 0.5 * fps
    if 2 * f >= 0.9 * nyq or x.size < 16:
        return None
    hf = sosfiltfilt(butter(4, 2 * f / nyq, btype="high", output="sos"), x)
    noise = float(hf.var()) / (nyq - 2 * f)
    return float(_bandpass(x, fps, f).var()) / (1.2 * f) / max(noise, 1e-300)


def _bandpass(x: np.ndarray, fps: float, f: float) -> np.ndarray:
    nyq = 0.5 * fps
    lo, hi = 0.5 * f / nyq, min(1.7 * f / nyq, 0.95)
    if x.size < 16:
        return x - x.mean()
    sos = butter(2, [lo, hi], btype="band", output="sos")
    return sosfiltfilt(sos, x, padlen=min(x.size - 1, int(3 * fps / f)))


def _subframe(u: np.ndarray, i: int) -> float:
    """Parabolic vertex of ``u`` around index ``i``."""
    if 0 < i < u.size - 1:
        a, b, c = u[i - 1], u[i], u[i + 1]
        den = a - 2 * b + c
        if den != 0:
            return i + float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))
    return float(i)


def _two_groups(h: np.ndarray) -> float:
    """Threshold between the noise peaks and the movement peaks of heights ``h`` (0: one group)."""
    if h.size < 4:
        return 0.0
    s = np.sort(h)
    best, cut = -1.0, 0.0
    for k in range(1, s.size):  # Otsu on the sorted heights
        a, b = s[:k], s[k:]
        between = a.size * b.size * (a.mean() - b.mean()) ** 2
        if between > best:
            best, cut = between, 0.5 * (s[k - 1] + s[k])
    low, high = s[s < cut], s[s >= cut]
    separated = low.size and high.size >= 3 and np.median(high) >= 2.0 * np.median(low)
    return float(cut) if separated else 0.0


def _groups(peaks: np.ndarray, period: float, task: str) -> list[list[int]]:
    """Consecutive unit indices into repetitions (PA/PATAKA: one each; BBP: sentences)."""
    if peaks.size == 0:
        return []
    trains = [[0]]
    for i in range(1, peaks.size):
        if peaks[i] - peaks[i - 1] > BREAK_PERIODS * period:
            trains.append([i])
        else:
            trains[-1].append(i)
    if task != "BBP":
        # a lone unit far from any train is noise (DDK is one breath of syllables)
        keep = [t for t in trains if len(t) > 1] or trains
        return [[i] for t in keep for i in t]
    out: list[list[int]] = []
    limit = 1.6 * SYLLABLES_PER_SENTENCE
    for t in trains:
        parts = [t]
        while any(len(p) > limit for p in parts):  # sentences run together: split at the longest gaps
            p = max(parts, key=len)
            gaps = np.diff(peaks[p])
            inner = gaps[1:-1] if len(p) > 4 else gaps
            k = int(np.argmax(inner)) + (1 if len(p) > 4 else 0) + 1
            i = parts.index(p)
            parts[i:i + 1] = [p[:k], p[k:]]
        out.extend(p for p in parts if len(p) >= 2)
    return out


def _triplets(groups: list[list[int]], kept: np.ndarray, lips: np.ndarray | None, fps: float,
              f: float) -> list[list[int]]:
    """PATAKA: consecutive syllables in threes, each starting at a lip closure (/p/). The phase of each
    train is the one whose boundaries fall where the lips' own rhythm (band-passed near f / 3) is
    lowest on average; a partial triplet of one syllable at either end is dropped."""
    if lips is None:
        return groups
    third = f / SYLLABLES_PER_REPETITION["PATAKA"]  # one lip closure every three syllables
    f_rep = unit_rate_hz(lips, fps, 0.8 * third, 1.25 * third) or third
    lip_u = _bandpass(lips, fps, f_rep)
    out: list[list[int]] = []
    train: list[int] = []
    for g in groups + [[-1]]:  # single-unit groups of one train are contiguous indices
        if train and (g[0] != train[-1] + 1):
            starts = [kept[i] for i in train]
            bounds = [int(0.5 * (a + b)) for a, b in zip(starts[:-1], starts[1:])]  # between syllables
            before = [starts[0] - int(0.5 * (starts[1] - starts[0]))] if len(starts) > 1 else [starts[0]]
            edges = before + bounds  # edge k lies before syllable k
            depth = [np.mean([lip_u[int(np.clip(e, 0, lip_u.size - 1))] for e in edges[p::3]]) if edges[p::3]
                     else np.inf for p in range(3)]
            phase = int(np.argmin(depth))  # the lips close (lowest) at every third edge from here
            cuts = list(range(phase, len(train), 3))
            if not cuts or cuts[0] != 0:
                cuts = [0] + cuts
            parts = [train[a:b] for a, b in zip(cuts, cuts[1:] + [len(train)])]
            out.extend(p for p in parts if len(p) >= 2)
            train = []
        if g[0] >= 0:
            train.extend(g)
    return out


def propose_speech(lip: np.ndarray, jaw: np.ndarray | None, fps: float, task_code: str) -> Proposal:
    """Repetitions of a speech task (BBP, PA, PATAKA) from the lip aperture and jaw opening ``(T,)``.

    Traces are per frame at the uniform rate ``fps`` (NaN without a face); see the module
    docstring. Returns a :class:`Proposal` whose spans are inclusive frames with a confidence.
    ValueError for a task that is not a speech task.
    """
    code = task_code.upper()
    if code not in SPEECH_TASKS:
        raise ValueError(f"{task_code} is not a speech task ({', '.join(SPEECH_TASKS)})")
    params = default_params(code, "speech", SYLLABLES_PER_SENTENCE if code == "BBP" else None)
    empty = Proposal((), params, 1, fps)
    lip = np.asarray(lip, float).ravel()
    face = np.isfinite(lip)
    opening = mouth_opening(lip, jaw, True)
    # PATAKA: the syllables are the jaw's (the lips open once a triplet, a stronger slower rhythm)
    jaw_only = mouth_opening(jaw, None) if code == "PATAKA" and jaw is not None else None
    rate_of = jaw_only if jaw_only is not None else opening
    f = unit_rate_hz(rate_of, fps, *SYLLABLE_BAND_HZ) if rate_of is not None else None
    if f is None:
        return empty
    snr = rhythm_snr(opening, fps, f)
    if snr is not None and snr < MIN_RHYTHM_SNR:  # no syllable rhythm above the tracker's noise
        return empty
    rhythm = 1.0 if snr is None else float(np.clip((snr - 1.0) / 3.0, 0.0, 1.0))
    u = _bandpass(opening, fps, f)
    period = fps / f  # frames
    peaks, _ = find_peaks(u, distance=max(1, int(MIN_DISTANCE_PERIODS * period)))
    peaks = peaks[face[peaks]] if peaks.size else peaks
    if peaks.size == 0:
        return empty
    h = u[peaks]
    w = max(1, int(0.5 * period))  # peaks with a face all around them set the levels (bridged gaps can ring)
    clean = np.array([face[max(0, q - w):q + w + 1].all() for q in peaks])
    hc = h[clean] if clean.sum() >= 3 else h
    typical = float(np.percentile(hc, 90))
    cut = max(_two_groups(hc), 0.25 * typical)
    noise = float(np.median(hc[hc < cut])) if (hc < cut).any() else 0.0
    keep = h >= cut
    reach = (2.2 if code == "BBP" else 3.5) * period
    for i in range(1, peaks.size - 1):  # a weak unit between two strong ones is a unit (fills gaps in a train)
        if not keep[i] and h[i] >= (0.4 * cut if code == "BBP" else 0.0):
            before, after = np.flatnonzero(keep[:i]), np.flatnonzero(keep[i + 1:])
            if before.size and after.size and peaks[i + 1 + after[0]] - peaks[before[-1]] <= reach:
                keep[i] = True
    kept = peaks[keep]
    groups = _groups(kept, period, code)
    if code == "PATAKA":
        groups = _triplets(groups, kept, mouth_opening(lip, None, False), fps, f)
    n = u.size
    pk = np.array([_subframe(u, int(p)) for p in kept])
    troughs = np.array([_subframe(-u, int(a) + int(np.argmin(u[a:b + 1]))) for a, b in zip(kept[:-1], kept[1:])])

    def starts_at(i: int) -> float:  # unit i's start: the trough before it, or mirrored about its peak
        if i > 0 and kept[i] - kept[i - 1] <= BREAK_PERIODS * period:
            return troughs[i - 1]
        half = troughs[i] - pk[i] if i < len(kept) - 1 and kept[i + 1] - kept[i] <= BREAK_PERIODS * period \
            else 0.5 * period
        return pk[i] - half

    def ends_at(i: int) -> float:
        if i < len(kept) - 1 and kept[i + 1] - kept[i] <= BREAK_PERIODS * period:
            return troughs[i]
        half = pk[i] - troughs[i - 1] if i > 0 and kept[i] - kept[i - 1] <= BREAK_PERIODS * period \
            else 0.5 * period
        return pk[i] + half

    spans: list[ProposedSpan] = []
    for g in groups:
        a = int(np.ceil(starts_at(g[0]) - 1e-6))
        after = g[-1] < len(kept) - 1 and kept[g[-1] + 1] - kept[g[-1]] <= BREAK_PERIODS * period
        b = int(np.ceil(ends_at(g[-1]) - 1e-6)) - 1 if after else int(np.floor(ends_at(g[-1]) + 1e-6))
        a, b = max(a, spans[-1].end + 1 if spans else 0, 0), min(b, n - 1)
        if b <= a:
            continue
        heights = u[kept[g]]
        strength = float(np.clip((np.median(heights) - noise) / max(typical - noise, 1e-12), 0.0, 1.0))
        gaps = np.diff(kept[g]) if len(g) > 1 else np.array([])
        lo_i, hi_i = max(g[0] - 1, 0), min(g[-1] + 1, len(kept) - 1)
        spacing = np.diff(kept[lo_i:hi_i + 1]) if code != "BBP" else gaps
        spacing = spacing[spacing <= BREAK_PERIODS * period]
        regular = float(np.exp(-2.0 * np.mean(np.abs(np.log(spacing / period))))) if spacing.size else 0.7
        count = (min(len(g), SYLLABLES_PER_SENTENCE) / max(len(g), SYLLABLES_PER_SENTENCE)) if code == "BBP" else 1.0
        conf = strength * regular * count * rhythm * float(face[a:b + 1].mean())
        top = int(kept[g][int(np.argmax(heights))])
        spans.append(ProposedSpan(a, b, float(np.clip(conf, 0.0, 1.0)), top))
    return Proposal(tuple(spans), params, 1, fps)


def propose_speech_timed(lip: np.ndarray, jaw: np.ndarray | None, fps: float, task_code: str,
                         times: FrameTimes | None = None) -> Proposal:
    """:func:`propose_speech` on the recorded frame times: a take whose frames are not uniform in time
    (dropped frames, variable rate) is resampled onto the uniform grid first and the spans mapped back
    to the nearest recorded frames, as :func:`~.segmentation.propose_repetitions` does."""
    if times is None or times.uniform or len(lip) < 2:
        return propose_speech(lip, jaw, times.rate_hz if times is not None else fps, task_code)
    grid = uniform_grid(0.0, float(times.t_s[-1]), times.rate_hz)
    on_grid = propose_speech(resample(np.asarray(lip, float), times.t_s, grid),
                             None if jaw is None else resample(np.asarray(jaw, float), times.t_s, grid),
                             times.rate_hz, task_code)
    return spans_to_frames(on_grid, grid, times, fps)


def plausible_repetitions(spans: list, task_code: str, t_s: np.ndarray) -> list:
    """What is kept of a speech take's spans proposed from its movement (no syllable rhythm found):
    for a task of :data:`MOVEMENT_FALLBACK_MAX_S`, the spans no longer than one repetition can last on
    the frame times ``t_s`` (never one span over a take of several sentences); for PA and PATAKA none."""
    limit = MOVEMENT_FALLBACK_MAX_S.get(task_code.upper())
    if limit is None:
        return []
    return [s for s in spans if float(t_s[s.end] - t_s[s.start]) <= limit]

