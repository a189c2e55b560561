"""A recording's sound track: PCM samples on the same clock as the frames.

``pcm (N, C) int16`` at ``sample_rate`` Hz; sample ``k`` is at time
``start_s + k / sample_rate`` seconds on the clock of the recording's frame timestamps
(``/timestamps_s``), so a sample and a frame are compared directly. ``offset_s`` is the
audio–video offset: where the sound starts relative to the video as the source states it
(a video container's stream start times) or as it was measured (a live microphone); it is
what was applied to put the samples on the frame clock, kept so it can be reported and checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class AudioTrack:
    """PCM int16 samples ``(N, C)`` with their rate and their place on the frame clock."""

    pcm: np.ndarray  # (N, C) int16
    sample_rate: int
    start_s: float = 0.0  # time of sample 0 on the frame clock, s
    offset_s: float = 0.0  # audio start minus video start as stated/measured, s
    source: str = ""  # where it came from: "aac in WolfgangLanger_Pexels.mp4", "microphone ...", "espeak-ng"
    notes: list = field(default_factory=list)

    def __post_init__(self) -> None:
        pcm = np.asarray(self.pcm)
        if pcm.ndim == 1:
            pcm = pcm[:, None]
        if pcm.ndim != 2 or pcm.dtype != np.int16:
            raise ValueError(f"audio samples must be (N, channels) int16, not {pcm.dtype} {pcm.shape}")
        self.pcm = pcm
        self.sample_rate = int(self.sample_rate)
        if not 1000 <= self.sample_rate <= 384_000:
            raise ValueError(f"audio sample rate {self.sample_rate} Hz is outside 1 kHz..384 kHz")
        if not (np.isfinite(self.start_s) and np.isfinite(self.offset_s)):
            raise ValueError("audio start and offset must be finite seconds")

    @property
    def n_samples(self) -> int:
        return int(self.pcm.shape[0])

    @property
    def channels(self) -> int:
        return int(self.pcm.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.sample_rate

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s

    def mono(self) -> np.ndarray:
        """``(N,) float32`` in -1..1, the mean of the channels."""
        return (self.pcm.astype(np.float32).mean(axis=1) / 32768.0).astype(np.float32)

    def times_s(self) -> np.ndarray:
        """``(N,) float64`` time of every sample on the frame clock."""
        return self.start_s + np.arange(self.n_samples) / self.sample_rate

    def info(self) -> dict:
        """JSON-ready summary: rate, channels, duration, start and offset (s), source."""
        return {"sample_rate": self.sample_rate, "channels": self.channels, "n_samples": self.n_samples,
                "duration_s": round(self.duration_s, 6), "start_s": round(float(self.start_s), 6),
                "offset_s": round(float(self.offset_s), 6), "source": self.source}


def float_to_pcm16(samples: np.ndarray) -> np.ndarray:
    """Float samples in -1..1 (any shape) as int16, clipped."""
    return np.clip(np.round(np.asarray(samples, dtype=np.float64) * 32767.0), -32768, 32767).astype(np.int16)
