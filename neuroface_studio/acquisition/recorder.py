"""Capture thread -> bounded queue -> one writer thread, with dropped-frame accounting.

:class:`CaptureSession` owns the capture thread: it reads the frame source as fast as the
source delivers, hands every frame to the listeners (preview, pose worker — they must be
cheap: keep the newest frame, never block), and, while a recording is active, puts it on
the recording's bounded queue. :class:`RecordingSink` owns the writer thread, the only
thread that touches the open recording file. Nothing here knows about Qt.

Drops are counted where they happen: gaps in the device frame counter (the camera or the
source dropped frames) and frames that found the queue full (the disk could not keep up).
A source that fails (camera unplugged) or a writer that fails (disk full) stops the
recording with a message; every frame written up to then stays in the file.
"""

from __future__ import annotations

import errno
import logging
import queue
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from neuroface_studio.acquisition.source import Frame, FrameSource, SourceError
from neuroface_studio.store.recording_file import RecordingWriter

_STOP = object()  # sentinel that ends the writer thread
_DISK_CHECK_EVERY = 1  # frames between free-space checks (statvfs costs microseconds; a frame can be MBs)
FLUSH_DEADLINE_S = 0.3  # the writer flushes at least this often (wall time): a kill loses less than 1 s, also under load
log = logging.getLogger(__name__)

#: (yaw, pitch, roll, distance_mm) and feedback level for a frame, or None; set by the caller.
PoseLookup = Callable[[Frame], "tuple[tuple[float, float, float, float] | None, int]"]


@dataclass
class RecordingStats:
    frames_captured: int = 0
    frames_written: int = 0
    dropped_camera: int = 0  # gaps in the device frame counter
    dropped_queue: int = 0  # frames that arrived while the writer queue was full
    bytes_written: int = 0  # uncompressed frame bytes handed to the writer
    started: float = field(default_factory=time.perf_counter)
    ended: float | None = None
    writer_cpu_s: float = 0.0
    stop_reason: str = ""  # "" = stopped by the user / duration reached
    error: str = ""  # a failure that ended the recording early
    audio: dict | None = None  # the take's sound (acquisition/audio_sync.py), None: video only

    @property
    def dropped(self) -> int:
        return self.dropped_camera + self.dropped_queue

    @property
    def elapsed_s(self) -> float:
        return (self.ended or time.perf_counter()) - self.started

    def summary(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k not in ("started", "ended")}
        elapsed = max(self.elapsed_s, 1e-9)
        d.update(dropped=self.dropped, elapsed_s=round(elapsed, 3),
                 fps_written=round(self.frames_written / elapsed, 2),
                 mb_per_s=round(self.bytes_written / elapsed / 1e6, 2),
                 writer_cpu_percent=round(100 * self.writer_cpu_s / elapsed, 1))
        return d


class RecordingSink:
    """A bounded queue drained by one writer thread into a new recording file."""

    def __init__(self, path: Path, recording_id: str, task: str, fps: float, camera, created: str,
                 queue_size: int = 120, min_free_bytes: int | None = None, participant_id: str = "") -> None:
        """min_free_bytes: stop cleanly when the disk has less free space than this
        (default: 10 s of uncompressed frames + 64 MB), so a filling disk ends the recording
        with a sealed file instead of a write error."""
        self.path = Path(path)
        frame_bytes = camera.color.width * camera.color.height * 5  # RGB8 + Z16
        self.min_free_bytes = (int(10 * fps * frame_bytes) + (64 << 20)) if min_free_bytes is None else min_free_bytes
        self.stats = RecordingStats()
        self._queue: queue.Queue = queue.Queue(maxsize=queue_size)
        self._writer_args = (self.path, recording_id, task, fps, camera, created, FLUSH_DEADLINE_S, participant_id)
        self.writer_options: dict = {}  # extra RecordingWriter options (tests: a fault-injecting file)
        self._ready = threading.Event()
        self._open_error: Exception | None = None
        self._failed = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"writer-{recording_id}", daemon=True)
        self._last_index: int | None = None
        self._finished = False
        self.audio_sync = None  # acquisition/audio_sync.AudioSync when the take records sound

    def start(self) -> None:
        """Start the writer thread; raise if the file cannot be created."""
        self._thread.start()
        self._ready.wait()
        if self._open_error is not None:
            raise self._open_error

    @property
    def failed(self) -> bool:
        return self._failed.is_set()

    def offer(self, frame: Frame, pose=None, quality: int = 0) -> None:
        """Called by the capture thread for each frame; never blocks."""
        if self._finished:
            return
        st = self.stats
        st.frames_captured += 1
        if self._last_index is not None and frame.index > self._last_index + 1:
            st.dropped_camera += frame.index - self._last_index - 1
        self._last_index = frame.index
        if self.audio_sync is not None:
            self.audio_sync.frame_arrived(frame.timestamp_s)
        try:
            self._queue.put_nowait((frame, pose, quality))
        except queue.Full:
            st.dropped_queue += 1

    def offer_audio(self, block) -> None:
        """Called by the audio source's thread for each block of sound; never blocks."""
        if self._finished or self.audio_sync is None:
            return
        try:
            self._queue.put_nowait(block)
        except queue.Full:
            self.audio_sync.dropped_blocks += 1

    def close_intake(self) -> None:
        """Accept no more frames (from the capture thread, e.g. at a frame limit)."""
        self._finished = True

    def finish(self, stop_reason: str = "", timeout_s: float = 30.0) -> RecordingStats:
        """Write what is queued, close the file, and return the statistics."""
        if stop_reason and not self.stats.stop_reason:
            self.stats.stop_reason = stop_reason
        self._finished = True
        deadline = time.monotonic() + timeout_s
        while self._thread.is_alive():  # the writer drains the queue, so a slot frees up
            try:
                self._queue.put(_STOP, timeout=0.5)
                break
            except queue.Full:
                if time.monotonic() > deadline:
                    break
        self._thread.join(max(0.0, deadline - time.monotonic()))
        if self._thread.is_alive():
            self.stats.error = self.stats.error or (
                f"The disk did not accept the last frames within {timeout_s:.0f} s; {self.path.name} may be "
                "incomplete. Frames up to its last flush are safe.")
        self.stats.ended = time.perf_counter()
        return self.stats

    def _disk_low(self, writer: RecordingWriter) -> bool:
        # frames appended since the last flush may still be in HDF5's cache: they need room too
        free = shutil.disk_usage(self.path.parent).free
        if free - writer.unflushed_bytes >= self.min_free_bytes:
            return False
        kept = (f"The {self.stats.frames_written} frames written are kept in {self.path.name}."
                if self.stats.frames_written else "No frame was written, so no recording is added.")
        self.stats.error = (f"Recording stopped: the disk is almost full ({free / 1e6:.0f} MB free). {kept} "
                            "Free disk space (or choose a project on another disk) before the next recording.")
        self.stats.stop_reason = "disk almost full"
        self._failed.set()
        return True

    def _run(self) -> None:
        try:
            writer = RecordingWriter(*self._writer_args, **self.writer_options)
        except Exception as exc:  # noqa: BLE001 - reported to the caller of start()
            self._open_error = exc
            self._ready.set()
            return
        self._ready.set()
        cpu0 = time.thread_time()
        complete = True
        write_error: OSError | None = None
        while True:
            try:  # wake up for the flush deadline even when no frame comes (a stalled camera)
                item = self._queue.get(timeout=FLUSH_DEADLINE_S / 6)
            except queue.Empty:
                if not self._failed.is_set() and writer.flush_due():
                    complete = self._flush(writer) and complete
                continue
            if item is _STOP:
                break
            if self._failed.is_set():
                continue  # drain without writing after a failure
            if not isinstance(item, tuple):  # a block of sound (offer_audio)
                try:
                    self.audio_sync.write(writer, item)
                except Exception as exc:  # noqa: BLE001 - the sound must never cost the frames
                    log.exception("writing sound failed")
                    self.audio_sync.error = f"sound stopped: {exc}"
                continue
            frame, pose, quality = item
            if self.stats.frames_written % _DISK_CHECK_EVERY == 0 and self._disk_low(writer):
                continue
            try:
                writer.append(frame.color, frame.depth, frame.timestamp_s, frame.index, pose, quality)
                self.stats.frames_written += 1
                self.stats.bytes_written += frame.color.nbytes + frame.depth.nbytes
            except OSError as exc:  # the message is written after close, with what the file then holds
                write_error = exc
                self._failed.set()
                complete = False
                continue
            except Exception as exc:  # noqa: BLE001 - any failure must stop the recording visibly
                log.exception("recording writer failed")
                self.stats.error = (f"Recording stopped by an internal error ({exc!r}). The "
                                    f"{writer.committed} frames flushed are kept in {self.path.name}.")
                self._failed.set()
                complete = False
                continue
            complete = self._after_write(writer) and complete
        if self.audio_sync is not None:
            self.stats.audio = self.audio_sync.finish(writer)  # the sound's place on the frame clock
        try:  # a clean stop (also "disk almost full") seals the file as complete
            writer.close(complete=complete, stop_reason=self.stats.stop_reason or self.stats.error)
        except Exception as exc:  # noqa: BLE001 - the frames flushed stay readable; say so, never crash
            self.stats.error = self.stats.error or _disk_message(exc, self.path, writer.committed)
        failure = writer.failed or write_error
        if failure is not None:
            self.stats.error = self.stats.error or _disk_message(failure, self.path, writer.committed)
            self.stats.frames_written = writer.committed  # what the file really holds
        self.stats.writer_cpu_s = time.thread_time() - cpu0

    def _flush(self, writer: RecordingWriter) -> bool:
        try:
            writer.flush()
        except Exception as exc:  # noqa: BLE001
            self.stats.error = _disk_message(exc, self.path, writer.committed)
            self._failed.set()
            return False
        return self._after_write(writer)

    def _after_write(self, writer: RecordingWriter) -> bool:
        """React to what the file under HDF5 saw; False when the file stopped at its last flush."""
        if writer.failed is not None:
            self.stats.error = _disk_message(writer.failed, self.path, writer.committed)
            self._failed.set()
            return False
        if writer.space_low:
            self.stats.error = (f"Recording stopped: the disk is full. All {writer.n_frames} frames written are "
                                f"kept in {self.path.name}. Free disk space (or choose a project on another disk) "
                                "before the next recording.")
            self.stats.stop_reason = "disk full"
            self._failed.set()
        return True


def _disk_message(exc: BaseException, path: Path, kept: int) -> str:
    no_space = getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) or "errno = 28" in str(exc)
    what = "the disk is full" if no_space else f"writing failed ({exc})"
    frames = (f"The {kept} frames written before that are kept in {path.name}." if kept
              else "No frame reached the disk, so no recording is added.")
    return f"Recording stopped: {what}. {frames} Free disk space (or choose a project on another disk) before the next recording."


class CaptureSession:
    """The capture thread of an open frame source, with an optional active recording."""

    def __init__(self, source: FrameSource, pose_lookup: PoseLookup | None = None,
                 ended: threading.Event | None = None, max_frames: int | None = None) -> None:
        """ended: set when the stream ends, fails, the recording fails, or ``max_frames``
        frames were recorded (the caller may share it with its own stop button)."""
        self.source = source
        self.max_frames = max_frames
        self._listeners: list[Callable[[Frame], None]] = []
        self._pose_lookup = pose_lookup
        self._sink: RecordingSink | None = None
        self._sink_lock = threading.Lock()
        self._stop = threading.Event()
        self._ended = ended or threading.Event()
        self._thread: threading.Thread | None = None
        self.error = ""  # why the capture ended, if it failed
        self.end_of_stream = False

    def add_listener(self, fn: Callable[[Frame], None]) -> None:
        """``fn(frame)`` runs on the capture thread for every frame: keep it cheap."""
        self._listeners.append(fn)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="capture", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def wait_ended(self, timeout_s: float | None = None) -> bool:
        """Wait until the source ended (end of file or failure); True if it did."""
        return self._ended.wait(timeout_s)

    # -- recording -------------------------------------------------------------------
    def start_recording(self, path: Path, recording_id: str, task: str, created: str,
                        queue_size: int = 120, min_free_bytes: int | None = None,
                        participant_id: str = "", audio=None) -> RecordingSink:
        """audio: a live sound source (acquisition/audio_source.py) recorded with the frames, or None."""
        with self._sink_lock:
            if self._sink is not None:
                raise RuntimeError("a recording is already running")
        sink = RecordingSink(path, recording_id, task, self.source.fps, self.source.camera, created, queue_size,
                             min_free_bytes, participant_id)
        no_sound = ""
        if audio is not None:  # started before the file: a microphone that cannot open leaves a video-only take
            from neuroface_studio.acquisition.audio_sync import AudioSync
            sink.audio_sync = AudioSync(audio)
            try:
                audio.start(sink.offer_audio)  # its blocks wait in the queue until the writer runs
            except Exception as exc:  # noqa: BLE001 - e.g. PortAudio refusing the device: the take goes on
                log.warning("sound source %s did not start: %s", audio.name, exc)
                sink.audio_sync, audio = None, None
                no_sound = f"the sound source could not start ({exc}): video only"
            else:
                sink.writer_options["audio"] = (audio.sample_rate, audio.channels, audio.name)
        try:
            sink.start()
        except Exception:
            if audio is not None:
                audio.stop()
            raise
        if no_sound:
            sink.stats.audio = {"recorded": False, "why": no_sound}
        self._audio = audio
        with self._sink_lock:
            self._sink = sink
        return sink

    def stop_recording(self, stop_reason: str = "") -> RecordingStats | None:
        with self._sink_lock:
            sink, self._sink = self._sink, None
        if getattr(self, "_audio", None) is not None:
            self._audio.stop()
            self._audio = None
        if sink is None:
            return None
        return sink.finish(stop_reason or (self.error if self.error else ""))

    @property
    def recording(self) -> RecordingSink | None:
        return self._sink

    # -- capture thread ----------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    frame = self.source.read(timeout_s=1.0)
                except SourceError as exc:
                    self.error = str(exc)
                    break
                if frame is None:
                    if not self.source.is_live:
                        self.end_of_stream = True
                        break
                    continue
                for fn in self._listeners:
                    fn(frame)
                with self._sink_lock:
                    sink = self._sink
                if sink is not None:
                    pose, quality = self._pose_lookup(frame) if self._pose_lookup else (None, 0)
                    sink.offer(frame, pose, quality)
                    if sink.failed:
                        self.error = sink.stats.error
                        self._ended.set()
                    if self.max_frames is not None and sink.stats.frames_captured >= self.max_frames:
                        sink.close_intake()  # no frame beyond the limit reaches the file
                        self._ended.set()
        except Exception as exc:  # noqa: BLE001 - a bug must end the capture visibly, not silently
            log.exception("capture thread failed")
            self.error = f"Capture stopped by an internal error ({exc!r}); the frames written so far are kept."
        finally:
            self._ended.set()
