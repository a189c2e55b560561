"""Sound for the speech tasks: what is drawn (waveform envelope, spectrogram) and syllable onsets.

Everything here takes mono float samples ``(N,) in -1..1`` at ``rate`` Hz whose sample 0 is at
``start_s`` on the recording's frame clock, and the frame timestamps ``(T,) s``; positions on
the Segment timeline are *fractional frame indices* (the timeline's x), mapped through the
frame timestamps so a variable-frame-rate video's sound still lines up with its frames.

Syllable onsets (:func:`syllable_onsets`): the amplitude envelope (RMS in 10 ms hops, in dB),
smoothed; a syllable is a rise above a threshold set between the noise floor (10th percentile)
and the speech level (95th percentile), onsets at least ``min_gap_s`` apart; the onset time is
where the envelope crosses the threshold (interpolated to the sample hop).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

HOP_S = 0.005
MIN_GAP_S = 0.07  # DDK syllables come at most ~10-12 per second


def time_to_frame(t_s: np.ndarray, timestamps_s: np.ndarray) -> np.ndarray:
    """Fractional frame index of times ``t_s`` on the frame clock (linear beyond the ends)."""
    ts = np.asarray(timestamps_s, dtype=np.float64)
    t = np.asarray(t_s, dtype=np.float64)
    if len(ts) < 2:
        return np.zeros_like(t)
    step = float(np.median(np.diff(ts))) or 1.0
    idx = np.interp(t, ts, np.arange(len(ts), dtype=np.float64))
    idx = np.where(t < ts[0], (t - ts[0]) / step, idx)
    return np.where(t > ts[-1], len(ts) - 1 + (t - ts[-1]) / step, idx)


def waveform_envelope(mono: np.ndarray, rate: int, start_s: float, timestamps_s: np.ndarray,
                      bins: int = 6000) -> tuple[np.ndarray, np.ndarray]:
    """``(x_frames, y)`` of a min/max envelope (2 points per bin) for drawing a long waveform fast."""
    n = len(mono)
    if n == 0:
        return np.empty(0), np.empty(0)
    bins = max(1, min(bins, n))
    edges = np.linspace(0, n, bins + 1).astype(np.int64)
    lo = np.minimum.reduceat(mono, edges[:-1])
    hi = np.maximum.reduceat(mono, edges[:-1])
    mid = (edges[:-1] + edges[1:]) / 2.0
    x = time_to_frame(start_s + np.repeat(mid, 2) / rate, timestamps_s)
    y = np.empty(2 * bins, dtype=np.float64)
    y[0::2], y[1::2] = lo, hi
    return x, y


def spectrogram_db(mono: np.ndarray, rate: int, max_hz: float = 8000.0, window_s: float = 0.02,
                   max_columns: int = 2000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(times_s (M,), freqs_hz (F,), power_db (M, F))``; times from sample 0 (add start_s)."""
    nper = max(32, int(round(window_s * rate)))
    if len(mono) < nper:
        return np.empty(0), np.empty(0), np.empty((0, 0))
    hop = max(nper // 2, int(np.ceil(len(mono) / max_columns)))
    f, t, sxx = signal.spectrogram(mono.astype(np.float32), fs=rate, window="hann", nperseg=nper,
                                   noverlap=max(0, nper - hop), mode="psd")
    keep = f <= max_hz
    db = 10.0 * np.log10(np.maximum(sxx[keep].T, 1e-12))
    return t, f[keep], db


def resample_columns(column_x: np.ndarray, x0: float, x1: float, n: int) -> np.ndarray:
    """Indices of the columns nearest ``n`` evenly spaced positions over ``x0..x1`` (column_x sorted)."""
    grid = np.linspace(x0, x1, n)
    idx = np.clip(np.searchsorted(column_x, grid), 1, len(column_x) - 1)
    left = column_x[idx - 1]
    return np.where(np.abs(grid - left) <= np.abs(column_x[idx] - grid), idx - 1, idx)


def envelope_db(mono: np.ndarray, rate: int, hop_s: float = HOP_S) -> tuple[np.ndarray, np.ndarray]:
    """``(times_s (K,), level_db (K,))``: RMS in 2-hop windows every ``hop_s``, from sample 0."""
    hop = max(1, int(round(hop_s * rate)))
    k = len(mono) // hop
    if k < 2:
        return np.empty(0), np.empty(0)
    # band-limit to the voice (100 Hz .. 4 kHz) so hum and hiss do not raise the floor
    sos = signal.butter(4, [100.0, min(4000.0, 0.45 * rate)], btype="bandpass", fs=rate, output="sos")
    x = signal.sosfiltfilt(sos, mono.astype(np.float64))[: k * hop].reshape(k, hop)
    rms = np.sqrt(np.mean(x * x, axis=1))
    rms = np.sqrt(np.convolve(rms * rms, np.ones(2) / 2.0, mode="same"))
    return (np.arange(k) + 0.5) * hop / rate, 20.0 * np.log10(np.maximum(rms, 1e-7))


def syllable_onsets(mono: np.ndarray, rate: int, min_gap_s: float = MIN_GAP_S) -> tuple[np.ndarray, dict]:
    """Syllable onset times ``(S,) s`` from sample 0, and ``{"threshold_db", "snr_db"}``.

    snr_db: speech level minus noise floor; under ~10 dB the onsets are not trustworthy
    (the caller then falls back to the lips).
    """
    t, db = envelope_db(mono, rate)
    if len(t) < 4:
        return np.empty(0), {"threshold_db": None, "snr_db": 0.0}
    smooth = np.convolve(db, np.ones(3) / 3.0, mode="same")
    floor, peak = float(np.percentile(smooth, 10)), float(np.percentile(smooth, 95))
    snr = peak - floor
    thr = floor + 0.5 * snr
    above = smooth >= thr
    rises = np.flatnonzero(~above[:-1] & above[1:]) + 1
    if above[0]:
        rises = np.r_[0, rises]
    onsets: list[float] = []
    for i in rises:
        if i == 0:
            tt = t[0]
        else:  # interpolate the crossing between hop i-1 and i
            a, b = smooth[i - 1], smooth[i]
            tt = t[i - 1] + (t[i] - t[i - 1]) * ((thr - a) / (b - a) if b != a else 0.0)
        if not onsets or tt - onsets[-1] >= min_gap_s:
            onsets.append(float(tt))
    return np.asarray(onsets), {"threshold_db": round(thr, 2), "snr_db": round(snr, 2)}


def voiced_spans(mono: np.ndarray, rate: int, min_pause_s: float = 0.35) -> list[tuple[float, float]]:
    """Stretches of sound ``(t0_s, t1_s)`` from sample 0, split where it is quiet ≥ ``min_pause_s``."""
    t, db = envelope_db(mono, rate)
    if len(t) < 4:
        return []
    floor, peak = float(np.percentile(db, 10)), float(np.percentile(db, 95))
    above = db >= floor + 0.35 * (peak - floor)
    idx = np.flatnonzero(above)
    if len(idx) == 0:
        return []
    hop = t[1] - t[0]
    spans, a, prev = [], idx[0], idx[0]
    for i in idx[1:]:
        if (i - prev) * hop >= min_pause_s:
            spans.append((float(t[a] - hop / 2), float(t[prev] + hop / 2)))
            a = i
        prev = i
    spans.append((float(t[a] - hop / 2), float(t[prev] + hop / 2)))
    return spans
