"""A take's sound on the frames' clock: the recorder's bookkeeping for a live sound source.

Frames carry the camera's clock (``Frame.timestamp_s``); sound blocks carry the host clock
(``time.perf_counter`` of their first sample). The two are matched on frame arrival: for every
frame the capture thread notes ``host arrival time − frame timestamp``; the smallest value seen
(the least-delayed frame) is the host time of frame-clock zero. Sample 0 of the sound is then at
``start_s = first block's host time − that`` on the frame clock, and ``offset_s = start_s −
first frame's timestamp`` is the measured audio–video offset (positive: the sound started
after the first frame). The camera's transfer latency, when it has one, is inside that estimate
(a file-backed source and the simulated camera have ~none: measured ≤ 10 ms in
tests/acquisition/test_audio_capture.py).

Blocks are placed by their host time (and appended to the file 0.1 s at a time): a block lost on the way (the writer queue was full) leaves
silence of its length, so sample k stays at ``start_s + k / rate``. Only the writer thread calls
:meth:`write` and :meth:`finish`; only the capture thread calls :meth:`frame_arrived`.
"""

from __future__ import annotations

import math
import time

import numpy as np

WRITE_EVERY_S = 0.1  # sound appended in 0.1 s pieces (a 10 ms block per HDF5 append cost the writer ~40 % more)

class AudioSync:
    def __init__(self, source) -> None:
        self.source = source
        self.rate = int(source.sample_rate)
        self.channels = int(source.channels)
        self.delta = math.inf  # min(host arrival - frame timestamp), s
        self.first_frame_s: float | None = None
        self.t0_host: float | None = None  # host time of sample 0
        self.n = 0  # samples placed
        self.dropped_blocks = 0
        self.gap_samples = 0
        self.peak = 0
        self.error = ""
        self._pending: list[np.ndarray] = []  # blocks gathered into one HDF5 append per WRITE_EVERY_S
        self._pending_n = 0

    def frame_arrived(self, timestamp_s: float) -> None:
        d = time.perf_counter() - float(timestamp_s)
        if self.first_frame_s is None:
            self.first_frame_s = float(timestamp_s)
        if d < self.delta:
            self.delta = d

    def write(self, writer, block) -> None:
        pcm = np.asarray(block.pcm, dtype=np.int16).reshape(-1, self.channels)
        if self.t0_host is None:
            self.t0_host = float(block.host_time_s)
        expected = int(round((block.host_time_s - self.t0_host) * self.rate))
        gap = expected - self.n
        if gap > 0:
            self._add(np.zeros((gap, self.channels), np.int16))
            self.gap_samples += gap
        elif gap < 0:
            pcm = pcm[min(-gap, len(pcm)):]
        if len(pcm):
            self.peak = max(self.peak, int(np.abs(pcm.astype(np.int32)).max()))
            self._add(pcm)
        if self._pending_n >= WRITE_EVERY_S * self.rate:
            self._write_pending(writer)

    def _add(self, pcm: np.ndarray) -> None:
        self._pending.append(pcm)
        self._pending_n += len(pcm)
        self.n += len(pcm)

    def _write_pending(self, writer) -> None:
        if self._pending:
            block, self._pending, self._pending_n = np.concatenate(self._pending), [], 0
            writer.append_audio(block)

    def finish(self, writer) -> dict | None:
        """Write the clock (start_s, offset_s) into the file; the sound's summary, or None without sound."""
        if writer.audio is not None:
            self._write_pending(writer)
        if self.t0_host is None or not math.isfinite(self.delta) or writer.audio is None:
            return {"recorded": False, "why": self.error or "no sound arrived (or no frame to match its clock)"}
        start_s = self.t0_host - self.delta
        offset_s = start_s - (self.first_frame_s or 0.0)
        writer.append_audio(np.zeros((0, self.channels), np.int16), start_s=start_s, offset_s=offset_s)
        return {"recorded": True, "source": self.source.name, "sample_rate": self.rate, "channels": self.channels,
                "duration_s": round(self.n / self.rate, 4), "start_s": round(start_s, 6),
                "offset_s": round(offset_s, 6), "dropped_blocks": self.dropped_blocks,
                "gap_s": round(self.gap_samples / self.rate, 4),
                "peak_dbfs": round(20 * math.log10(max(self.peak, 1) / 32768.0), 1), "error": self.error}
