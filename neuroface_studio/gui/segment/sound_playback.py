"""Segment: the recording's sound played with the video, at 0.25x-2x with the pitch kept.

Playing starts the sound at the shown frame's time on the frames' clock (``AudioTrack.start_s``:
a sound that starts after the frame is preceded by silence) and sends it, mixed to mono, to the
default output device through PortAudio (acquisition/audio_device.open_output). At speeds other
than 1x it is time-stretched as it plays (analysis/time_stretch.Stretcher, WSOLA): slower or faster
at the same pitch, never muted. The video's own clock (PlaybackClock) runs on; both start together
from the same frame, and every pause, seek, speed change or recording change restarts or stops the
sound. With no output device (a server, CI, an offscreen session) :meth:`start` returns False and
:attr:`message` says "no audio output device (…): the video plays without sound"; nothing raises.
"""

from __future__ import annotations

import numpy as np

from neuroface_studio.acquisition.audio_device import NoAudioDevice, close_stream, open_output
from neuroface_studio.analysis.time_stretch import Stretcher

PITCH_NOTE = "pitch kept at 0.25x–2x (time-stretched, not muted)"


class SoundPlayback:
    """One recording's sound played from a frame at a speed (``stream_factory``: PortAudio's unless given)."""

    def __init__(self, stream_factory=None) -> None:
        self._factory = stream_factory
        self.track = None
        self._timestamps: np.ndarray | None = None
        self._mono: np.ndarray | None = None
        self._stream = None
        self.stretcher: Stretcher | None = None
        self.enabled = True
        self.message = ""
        self.speed = 1.0

    @property
    def playing(self) -> bool:
        return self._stream is not None

    def set_track(self, track, timestamps_s) -> None:
        self.stop()
        self.track = track
        self._timestamps = None if track is None else np.asarray(timestamps_s, dtype=float)
        self._mono = None if track is None else track.mono()

    def start(self, frame: int, speed: float) -> bool:
        """Play from ``frame``'s time at ``speed``; False (and :attr:`message`) when there is no sound to play."""
        self.stop()
        if not self.enabled or self.track is None or self._timestamps is None or not len(self._timestamps):
            return False
        rate = self.track.sample_rate
        t = float(self._timestamps[min(max(int(frame), 0), len(self._timestamps) - 1)])
        i = int(round((t - self.track.start_s) * rate))
        if i >= len(self._mono):
            self.message = "the sound ended before this frame"
            return False
        x = self._mono[max(i, 0):]
        if i < 0:  # the sound starts after this frame: silence until it does
            x = np.concatenate([np.zeros(-i, np.float32), x])
        self.speed = float(speed)
        self.stretcher = Stretcher(x, self.speed, rate)
        try:
            self._stream = open_output(rate, 1, self._callback, stream_factory=self._factory)
        except NoAudioDevice as exc:
            self.stretcher = None
            self.message = f"{exc}: the video plays without sound"
            return False
        self.message = ""
        return True

    def _callback(self, outdata, frames, _time, _status) -> None:  # PortAudio's thread
        st = self.stretcher
        y = st.read(frames) if st is not None else np.zeros(0, np.float32)
        outdata[:len(y), 0] = np.clip(np.round(y * 32767.0), -32768, 32767).astype(np.int16)
        outdata[len(y):] = 0

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        close_stream(stream)
