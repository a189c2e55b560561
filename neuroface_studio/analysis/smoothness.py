"""Movement smoothness of a speed profile (SBR paper; Balasubramanian et al. 2015).

* :func:`sparc` - spectral arc length: the speed profile is zero-padded to
  ``2^(ceil(log2 n) + padlevel)`` samples, its magnitude spectrum normalised by its peak (the DC
  value for a speed profile), the band kept from 0 Hz up to the last frequency within ``fc``
  whose magnitude is at least ``amp_th``, and the arc length of that normalised spectrum returned
  (negative; closer to 0 = smoother).
* :func:`log_dimensionless_jerk` - ``-ln((T^3 / v_peak^2) * integral (d^2 v / dt^2)^2 dt)``
  (negative; closer to 0 = smoother).

Both take the **speed** (a non-negative 1-D signal, e.g. the magnitude of a landmark's velocity in
mm/s) sampled **uniformly** at ``fs`` Hz. Recordings with dropped frames or a variable frame rate
are resampled onto a uniform grid before (:mod:`.features` with :mod:`.timebase`), so ``fs`` is the
real rate of the samples, not the nominal one. Check values (the reference implementation's own example, SCIENCE.md):
``exp(-5 t^2)``, ``t in [-1, 1)`` step 0.01, fs = 100 Hz -> SPARC -1.41403, LDJ -5.81636.
"""

from __future__ import annotations

import numpy as np


def _speed(speed) -> np.ndarray:
    v = np.asarray(speed, np.float64).ravel()
    if v.size < 3:
        raise ValueError(f"a speed profile needs at least 3 samples, got {v.size}")
    if not np.isfinite(v).all():
        raise ValueError("the speed profile has missing (NaN) samples: fill or cut them before measuring smoothness")
    return v


def sparc(speed, fs: float, padlevel: int = 4, fc: float = 10.0, amp_th: float = 0.05) -> float:
    """Spectral arc length of ``speed`` sampled at ``fs`` Hz."""
    v = _speed(speed)
    if not v.any():
        raise ValueError("the speed profile is all zeros: there is no movement to measure")
    nfft = int(2 ** (np.ceil(np.log2(v.size)) + padlevel))
    f = np.arange(nfft) * (fs / nfft)
    mag = np.abs(np.fft.fft(v, nfft))
    mag = mag / mag.max()
    band = f <= fc
    f_sel, m_sel = f[band], mag[band]
    above = np.flatnonzero(m_sel >= amp_th)
    f_sel, m_sel = f_sel[above[0]:above[-1] + 1], m_sel[above[0]:above[-1] + 1]
    if f_sel.size < 2:
        return 0.0
    return float(-np.sum(np.sqrt((np.diff(f_sel) / (f_sel[-1] - f_sel[0])) ** 2 + np.diff(m_sel) ** 2)))


def log_dimensionless_jerk(speed, fs: float) -> float:
    """Log dimensionless jerk of ``speed`` sampled at ``fs`` Hz."""
    v = _speed(speed)
    peak = np.abs(v).max()
    if peak == 0:
        raise ValueError("the speed profile is all zeros: there is no movement to measure")
    dt = 1.0 / fs
    duration = v.size * dt
    jerk = np.diff(v, 2) / dt ** 2
    dimensionless = (duration ** 3 / peak ** 2) * np.sum(jerk ** 2) * dt
    return float(-np.log(dimensionless))
