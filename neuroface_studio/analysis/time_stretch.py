"""Slower or faster sound at the same pitch (WSOLA), for playing a recording's sound at 0.25x-2x.

Waveform-similarity overlap-add (Verhelst & Roelands 1993): the output is built from Hann-windowed
pieces of ``frame_s`` laid every ``frame_s / 2`` (the windows sum to one); piece k is read from the
input near ``k * frame_s / 2 * speed``, shifted by up to ``search_s`` to where it best continues the
previous piece (highest cross-correlation with the samples that followed that piece in the input);
a piece's centre is read from the input time its output time stands for, so a syllable comes out at
its time / speed (within about ``frame_s / 2 / speed``).
Pitch and formants stay; the duration becomes ``len / speed``. Speech at 0.25x sounds drawn out
but keeps its pitch — the usual trade-off of time stretching (a slight "phasiness" on vowels).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve


class Stretcher:
    """WSOLA as a stream: :meth:`read` gives the next output samples, computing pieces as needed
    (a sound card's callback pulls from it; :func:`time_stretch` reads it all at once)."""

    def __init__(self, x: np.ndarray, speed: float, sample_rate: int, frame_s: float = 0.03,
                 search_s: float = 0.012) -> None:
        x = np.asarray(x, dtype=np.float32).reshape(-1)
        if not 0.1 <= speed <= 4.0:
            raise ValueError(f"playback speed {speed:g}x is outside 0.1x..4x")
        self.speed = float(speed)
        self.n_win = max(16, int(round(frame_s * sample_rate)) // 2 * 2)
        self.hop = self.n_win // 2
        self.search = max(1, int(round(search_s * sample_rate)))
        self.window = np.hanning(self.n_win + 1)[:self.n_win].astype(np.float32)  # periodic: halves add to 1
        self.n_out = len(x) if speed == 1.0 else int(round(len(x) / speed))
        self._x = x
        self._padded = np.concatenate([np.zeros(self.search, np.float32), x,
                                       np.zeros(self.n_win + 2 * self.search + self.hop, np.float32)])
        self._acc = np.zeros(self.n_win, np.float32)  # overlap-add of the pieces not yet read out
        self._k = 0  # next piece
        self._prev = 0
        self._done = 0  # output samples handed out
        self._ready = np.zeros(0, np.float32)

    @property
    def remaining(self) -> int:
        return self.n_out - self._done

    def read(self, n: int) -> np.ndarray:
        """Up to ``n`` next output samples (fewer at the end; empty when all are read)."""
        n = min(int(n), self.remaining)
        if self.speed == 1.0:
            out = self._x[self._done: self._done + n]
        else:
            parts, have = [self._ready], len(self._ready)
            while have < n:
                parts.append(self._piece())
                have += self.hop
            ready = np.concatenate(parts)
            out, self._ready = ready[:n], ready[n:]
        self._done += n
        return out

    def _piece(self) -> np.ndarray:
        """Add piece k; the ``hop`` samples that are now complete."""
        hop, n_win, search, padded = self.hop, self.n_win, self.search, self._padded
        nominal = search + max(0, int(round((self._k * hop + hop) * self.speed)) - hop)  # centres keep time
        nominal = min(nominal, len(padded) - n_win - search - hop)
        if self._k == 0:
            pos = nominal
        else:
            target = padded[self._prev + hop: self._prev + hop + n_win]  # what naturally followed the last piece
            region = padded[nominal - search: nominal + search + n_win]
            corr = fftconvolve(region, target[::-1], mode="valid")  # 2 * search + 1 lags
            c = np.concatenate([[0.0], np.cumsum(region.astype(np.float64) ** 2)])
            corr = corr / np.sqrt(np.maximum(c[n_win:] - c[:-n_win], 1e-12))  # shape, not loudness:
            best = int(np.argmax(corr))  # a transient is not read twice
            if not corr[best] > 1e-3 * np.sqrt(float(np.dot(target, target))) + 1e-9:
                best = search  # nothing to continue (silence): read where the time says, never earlier sound
            pos = nominal - search + best
        self._acc += self.window * padded[pos: pos + n_win]
        self._prev = pos
        self._k += 1
        done, self._acc = self._acc[:hop].copy(), np.concatenate([self._acc[hop:], np.zeros(hop, np.float32)])
        return done


def time_stretch(x: np.ndarray, speed: float, sample_rate: int, frame_s: float = 0.03,
                 search_s: float = 0.012) -> np.ndarray:
    """``x`` (N,) float played ``speed`` times as fast at the same pitch: ``round(N / speed)`` samples."""
    st = Stretcher(x, speed, sample_rate, frame_s, search_s)
    return st.read(st.n_out).copy()
