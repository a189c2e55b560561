"""Microphones (and speakers) through PortAudio, via the ``sounddevice`` package.

:class:`MicrophoneSource` is a live sound source with the same interface as
:class:`~neuroface_studio.acquisition.audio_source.FileAudioSource` (``start(deliver)``, ``stop()``,
``sample_rate``, ``channels``, ``name``, ``peak_dbfs``, ``clipped_blocks``, ``blocks_sent``), so a
take records it through the same path: the recorder's ``offer_audio`` and ``AudioSync``, which put
the sound on the frames' clock and store the measured audio–video offset.

PortAudio calls our callback on its own audio thread with each block (``int16``, the device's
rate). The callback only copies the block and its capture time into a queue; the source's own
thread ("audio-microphone") measures the level and hands the block on. Capture time: PortAudio's
``inputBufferAdcTime`` (when the block's first sample hit the converter) against its
``currentTime`` (now), both on the stream's clock, mapped to ``time.perf_counter``; the first
block anchors the take and later blocks are placed ``samples / rate`` after it (a sound card's
clock is steadier than the callback's arrival), re-anchored only when PortAudio flags an input
overflow or the measured time runs 1.5 blocks ahead: samples lost before us then become silence of
their length in the file, as a lost file-backed block does.

No microphone: :func:`input_devices` raises :class:`NoAudioDevice` with a one-line reason
("PortAudio is not installed …" or "PortAudio reports no input devices"), and the Record
workspace and ``record --microphone`` record the take as video only and say that line.

Playback (:func:`open_output`) goes through the same library: the Segment workspace plays a
recording's sound with the video; no output device raises :class:`NoAudioDevice` too.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Callable

import numpy as np

from neuroface_studio.acquisition.audio_source import AudioBlock, block_level

INSTALL_HINT = "Debian/Ubuntu: sudo apt-get install libportaudio2 (scripts/run.sh installs it)"


class NoAudioDevice(RuntimeError):
    """No usable sound device (or no PortAudio); ``str()`` is the one line to show."""


def portaudio():
    """The ``sounddevice`` module, or :class:`NoAudioDevice` saying why it cannot be used."""
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises OSError when libportaudio is missing
        raise NoAudioDevice(f"PortAudio is not installed ({INSTALL_HINT})") from exc
    except ImportError as exc:
        raise NoAudioDevice("the sounddevice package is not installed (pip install sounddevice)") from exc
    return sounddevice


def _devices(kind: str) -> list[dict]:
    sd = portaudio()
    key = "max_input_channels" if kind == "input" else "max_output_channels"
    try:
        found = sd.query_devices()
        default = sd.default.device[0 if kind == "input" else 1]
    except Exception as exc:  # noqa: BLE001 - PortAudio's errors vary by host API
        raise NoAudioDevice(f"PortAudio could not list the sound devices: {exc}") from exc
    out = [{"index": int(d["index"]), "name": str(d["name"]), "channels": int(d[key]),
            "sample_rate": int(round(d["default_samplerate"])), "default": int(d["index"]) == default}
           for d in found if d[key] > 0]
    if not out:
        raise NoAudioDevice(f"PortAudio reports no {kind} devices")
    return out


def input_devices() -> list[dict]:
    """The microphones PortAudio sees: ``[{index, name, channels, sample_rate, default}]``;
    :class:`NoAudioDevice` when there is none (or no PortAudio)."""
    return _devices("input")


def output_devices() -> list[dict]:
    return _devices("output")


def _pick(devices: list[dict], device) -> dict:
    if device is None or device == "default":
        return next((d for d in devices if d["default"]), devices[0])
    if isinstance(device, int) or (isinstance(device, str) and device.isdigit()):
        hit = [d for d in devices if d["index"] == int(device)]
    else:
        hit = [d for d in devices if str(device).lower() in d["name"].lower()]
    if not hit:
        names = "; ".join(f"{d['index']}: {d['name']}" for d in devices)
        raise NoAudioDevice(f"no microphone matches {device!r}; PortAudio has {names}")
    return hit[0]


class MicrophoneSource:
    """A PortAudio input device delivered block by block from its own thread (``start(deliver)`` ... ``stop()``).

    ``stream_factory`` is ``sounddevice.InputStream`` unless a test gives a stand-in (tests do that
    only where no sound card exists); ``device_info`` skips the device look-up in that case.
    """

    is_live = True

    def __init__(self, device=None, sample_rate: int | None = None, channels: int = 1, block_s: float = 0.02,
                 stream_factory: Callable | None = None, device_info: dict | None = None) -> None:
        if stream_factory is None:
            stream_factory = portaudio().InputStream
            device_info = device_info or _pick(input_devices(), device)
        info = device_info or {"index": device, "name": str(device), "channels": channels, "sample_rate": 48000}
        self.device = info["index"]
        self.name = f"microphone {info['name']}"
        self._rate = int(sample_rate or info["sample_rate"])
        self._channels = max(1, min(int(channels), int(info["channels"])))
        self.block = max(1, int(round(block_s * self._rate)))
        self._factory = stream_factory
        self._stream = None
        self._queue: queue.Queue = queue.Queue(maxsize=500)  # 10 s of 20 ms blocks
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.started_at: float | None = None  # perf_counter of the first sample
        self.peak_dbfs = -120.0
        self.clipped_blocks = 0
        self.blocks_sent = 0
        self.overflows = 0  # blocks PortAudio flagged as input overflow (samples lost before us)
        self.lost_blocks = 0  # blocks our queue had no room for (never expected)
        self._samples = 0

    @property
    def sample_rate(self) -> int:
        return self._rate

    @property
    def channels(self) -> int:
        return self._channels

    def start(self, deliver: Callable[[AudioBlock], None]) -> None:
        self._stop.clear()
        self.started_at, self._samples = None, 0
        self.peak_dbfs, self.clipped_blocks, self.blocks_sent = -120.0, 0, 0
        self._thread = threading.Thread(target=self._run, args=(deliver,), name="audio-microphone", daemon=True)
        self._thread.start()
        try:
            self._stream = self._factory(samplerate=self._rate, blocksize=self.block, device=self.device,
                                         channels=self._channels, dtype="int16", callback=self._callback)
            self._stream.start()
        except Exception as exc:  # noqa: BLE001 - PortAudio's errors: say which device failed
            self.stop()
            raise NoAudioDevice(f"{self.name} could not be opened: {exc}") from exc

    def stop(self, timeout_s: float = 2.0) -> None:
        stream, self._stream = self._stream, None
        close_stream(stream)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    # PortAudio's thread: copy and queue, nothing else
    def _callback(self, indata, frames, time_info, status) -> None:
        now = time.perf_counter()
        adc, current = float(time_info.inputBufferAdcTime), float(time_info.currentTime)
        age = current - adc if adc > 0 and current >= adc else frames / self._rate
        try:
            self._queue.put_nowait((np.array(indata, dtype=np.int16, copy=True), now - age,
                                    bool(getattr(status, "input_overflow", False))))
        except queue.Full:
            self.lost_blocks += 1

    def _run(self, deliver) -> None:
        while not self._stop.is_set() or not self._queue.empty():
            try:
                pcm, measured, overflow = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if self.started_at is None:
                self.started_at = measured
            expected = self.started_at + self._samples / self._rate
            late = measured - expected
            host = measured if late > 1.5 * self.block / self._rate or (overflow and late > 0) else expected
            self._samples = int(round((host - self.started_at) * self._rate)) + len(pcm)
            self.overflows += int(overflow)
            self.peak_dbfs, clipped = block_level(pcm)
            self.clipped_blocks += int(clipped)
            deliver(AudioBlock(pcm.reshape(-1, self._channels), host))
            self.blocks_sent += 1


def open_microphone(device=None):
    """``(MicrophoneSource, "")`` or ``(None, one-line reason: the take records video only)``."""
    try:
        return MicrophoneSource(device), ""
    except NoAudioDevice as exc:
        return None, f"no microphone ({exc}): the take records video only"


def close_stream(stream) -> None:
    """Stop and close a PortAudio stream (None: nothing); closed even when stopping fails."""
    if stream is not None:
        try:
            stream.stop()
        finally:
            stream.close()


def open_output(sample_rate: int, channels: int, callback: Callable, stream_factory: Callable | None = None):
    """A started PortAudio output stream pulling ``callback(outdata, frames, time, status)``;
    :class:`NoAudioDevice` ("no audio output device …") when there is none."""
    if stream_factory is None:
        sd = portaudio()
        try:
            output_devices()
        except NoAudioDevice as exc:
            raise NoAudioDevice(f"no audio output device ({exc})") from exc
        stream_factory = sd.OutputStream
    try:
        stream = stream_factory(samplerate=int(sample_rate), channels=int(channels), dtype="int16",
                                callback=callback)
        stream.start()
    except Exception as exc:  # noqa: BLE001
        raise NoAudioDevice(f"no audio output device (PortAudio: {exc})") from exc
    return stream
