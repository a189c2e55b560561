"""The optional ``/audio`` group of a recording file (docs/FILE_FORMAT.md).

Layout: ``/audio/pcm (N, C) int16`` (chunks of 4096 samples, Blosc-LZ4 with byte shuffle),
``/audio/clock (2,) float64`` = ``[start_s, offset_s]`` (see domain/audio.py: the time of sample 0
on the frames' ``/timestamps_s`` clock, and the audio–video offset), ``/audio/committed_samples
(1,) int64`` (samples safely on disk at the last flush, as ``/committed_frames``); attributes
``sample_rate`` (Hz, the source's own rate, never resampled), ``channels``, ``source`` (text).

The group is created with the other datasets before the writer enters SWMR mode (no dataset can
be added after that); samples are appended and the clock written at any time. Files without the
group (all files written before it existed, RealSense files, takes without a microphone) simply
have no sound: :func:`read_audio` returns None.
"""

from __future__ import annotations

import numpy as np

from neuroface_studio.domain.audio import AudioTrack
from neuroface_studio.store.h5text import read_text, text

AUDIO_GROUP = "audio"
CHUNK_SAMPLES = 4096


class AudioAppender:
    """Appends PCM to ``/audio`` of an open, writable recording file (the writer's thread only)."""

    def __init__(self, f, sample_rate: int, channels: int, source: str, compression: dict) -> None:
        g = f.create_group(AUDIO_GROUP)
        g.attrs.update(sample_rate=int(sample_rate), channels=int(channels), source=text(source))
        self.channels = int(channels)
        self.sample_rate = int(sample_rate)
        self._pcm = g.create_dataset("pcm", shape=(0, channels), maxshape=(None, channels), dtype=np.int16,
                                     chunks=(CHUNK_SAMPLES, channels), **compression)
        self._clock = g.create_dataset("clock", data=np.zeros(2, np.float64))
        self._committed = g.create_dataset("committed_samples", data=np.zeros(1, np.int64))
        self.n = 0

    def set_clock(self, start_s: float, offset_s: float) -> None:
        self._clock[:] = (float(start_s), float(offset_s))

    def append(self, pcm: np.ndarray) -> None:
        pcm = np.asarray(pcm)
        if pcm.ndim == 1:
            pcm = pcm[:, None]
        if pcm.dtype != np.int16 or pcm.shape[1] != self.channels:
            raise ValueError(f"audio block {pcm.dtype} {pcm.shape} is not (N, {self.channels}) int16")
        n = pcm.shape[0]
        if n == 0:
            return
        self._pcm.resize(self.n + n, axis=0)
        self._pcm[self.n:self.n + n] = pcm
        self.n += n

    def flush(self) -> None:
        self._pcm.flush()
        self._clock.flush()
        self._committed[0] = self.n
        self._committed.flush()

    def release(self) -> None:
        self._pcm = self._clock = self._committed = None


def audio_info(f) -> dict | None:
    """Rate, channels, samples, duration, start, offset and source of ``/audio``, or None."""
    g = f.get(AUDIO_GROUP)
    if g is None or "pcm" not in g:
        return None
    rate = int(g.attrs.get("sample_rate", 0))
    if rate <= 0:
        return None
    n = min(int(g["committed_samples"][0]) if "committed_samples" in g else g["pcm"].shape[0], g["pcm"].shape[0])
    start, offset = (float(x) for x in g["clock"][:2]) if "clock" in g else (0.0, 0.0)
    return {"sample_rate": rate, "channels": int(g["pcm"].shape[1]), "n_samples": n,
            "duration_s": round(n / rate, 6), "start_s": round(start, 6), "offset_s": round(offset, 6),
            "source": read_text(g.attrs, "source", "") or ""}


def read_audio(f, t0_s: float | None = None, t1_s: float | None = None) -> AudioTrack | None:
    """The sound track of an open recording file (optionally only ``t0_s..t1_s`` on the frame
    clock), or None when it has none."""
    info = audio_info(f)
    if info is None:
        return None
    rate, n, start = info["sample_rate"], info["n_samples"], info["start_s"]
    i0 = 0 if t0_s is None else int(np.clip(np.floor((t0_s - start) * rate), 0, n))
    i1 = n if t1_s is None else int(np.clip(np.ceil((t1_s - start) * rate), i0, n))
    pcm = f[AUDIO_GROUP]["pcm"][i0:i1]
    return AudioTrack(pcm=pcm, sample_rate=rate, start_s=start + i0 / rate, offset_s=info["offset_s"],
                      source=info["source"])
