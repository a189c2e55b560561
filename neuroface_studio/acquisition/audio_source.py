"""Live sound sources for a take: a file played back in real time (a microphone stand-in).

A live audio source delivers :class:`AudioBlock` s (``pcm (n, C) int16`` and the host time of
their first sample on ``time.perf_counter``'s clock) from its own thread to a callback — the
recorder's :meth:`RecordingSink.offer_audio`, which never blocks. The recorder puts the sound
on the frames' clock by matching clocks on frame arrival (acquisition/recorder.py).

:class:`FileAudioSource` plays any sound file PyAV reads (WAV, or a video's sound track) in
blocks of ``block_s`` at the pace of the clock, as a sound card would: block k is delivered once
its last sample has "been captured", at ``start + (k + 1) * block_s``. It is what tests, demos
and benchmarks use without hardware. A real microphone (PortAudio through ``sounddevice``) is
acquisition/audio_device.MicrophoneSource, with the same interface.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from neuroface_studio.domain.audio import AudioTrack


@dataclass
class AudioBlock:
    pcm: np.ndarray  # (n, C) int16
    host_time_s: float  # time.perf_counter() of the block's first sample


def block_level(pcm: np.ndarray) -> tuple[float, bool]:
    """A block's peak in dBFS (-90.3 for silence) and whether it clipped: what every source's level
    meter shows (``peak_dbfs``) and counts (``clipped_blocks``)."""
    peak = int(np.abs(pcm.astype(np.int32)).max()) if len(pcm) else 0
    return float(20 * np.log10(max(peak, 1) / 32768.0)), peak >= 32767


class FileAudioSource:
    """A sound file delivered block by block in real time (``start(deliver)`` ... ``stop()``)."""

    is_live = True

    def __init__(self, sound: str | Path | AudioTrack, block_s: float = 0.02, loop: bool = False) -> None:
        if isinstance(sound, AudioTrack):
            self.track, self.name = sound, sound.source or "sound"
        else:
            from neuroface_studio.acquisition.audio_file import decode_audio
            track = decode_audio(sound)
            if track is None:
                raise ValueError(f"{Path(sound).name} has no sound track to play as a microphone")
            self.track, self.name = track, f"file {Path(sound).name}"
        self.block = max(1, int(round(block_s * self.track.sample_rate)))
        self.loop = loop
        self.started_at: float | None = None  # perf_counter of the first sample
        self.peak_dbfs = -120.0  # of the newest block (a level meter reads it)
        self.clipped_blocks = 0
        self.blocks_sent = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def sample_rate(self) -> int:
        return self.track.sample_rate

    @property
    def channels(self) -> int:
        return self.track.channels

    def start(self, deliver: Callable[[AudioBlock], None]) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(deliver,), name="audio-source", daemon=True)
        self.started_at = time.perf_counter()
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self, deliver) -> None:
        pcm, rate, n = self.track.pcm, self.track.sample_rate, self.track.n_samples
        k = 0
        while not self._stop.is_set():
            i0 = k * self.block
            if i0 >= n and not self.loop:
                return
            j0 = i0 % n if self.loop else i0
            chunk = pcm[j0: j0 + self.block]
            t_first = self.started_at + i0 / rate
            due = t_first + len(chunk) / rate
            wait = due - time.perf_counter()
            if wait > 0 and self._stop.wait(wait):
                return
            self.peak_dbfs, clipped = block_level(chunk)
            self.clipped_blocks += int(clipped)
            deliver(AudioBlock(chunk, t_first))
            self.blocks_sent += 1
            k += 1
