"""One recording = one HDF5 file: per-frame-chunked colour + depth, Blosc-LZ4 compressed.

Layout (docs/FILE_FORMAT.md): ``/color (T, H, W, 3) uint8 RGB``, ``/depth (T, H, W) uint16``
(units: ``depth_scale_m`` metres), ``/timestamps_s (T,) float64``, ``/frame_numbers (T,) int64``;
root attributes ``format``, ``schema_version``, ``recording_id``, ``task``, ``fps``,
``camera`` (JSON), ``created``, ``n_frames``, ``complete``, optionally ``take_quality`` (JSON: the
take's quality verdict, written once the file is sealed); ``/committed_frames (1,) int64``;
optionally ``/audio`` (a sound track on the frames' clock: store/audio_store.py).
Readers need ``import hdf5plugin``.

Crash safety: the writer works in HDF5 SWMR mode (single writer, multiple readers), which
keeps the file consistent on disk at every flush. It flushes and fsyncs on a 0.3 s deadline and
stores the number of frames flushed in ``/committed_frames``, so a file left by a killed
writer is readable up to its last flush (``complete`` stays False; open it with
``h5py.File(path, "r", swmr=True)``). The same mode lets the GUI review a recording while
it is being written.

A full disk: HDF5 writes through :class:`~neuroface_studio.store.guarded_file.GuardedFile`
(h5py's ``fileobj`` driver), which keeps a reserve beside the file and never lets a failed
write reach HDF5 (a failed write left HDF5 unable to close the file and crashed the process).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import h5py
import hdf5plugin
import numpy as np

from neuroface_studio.domain.camera import CameraInfo
from neuroface_studio.store.codec import camera_from_dict, camera_to_dict
from neuroface_studio.store.errors import RecordingFileError, UnsupportedVersionError
from neuroface_studio.store.fields import MAX_FPS, check
from neuroface_studio.store.guarded_file import NO_SPACE, Fault, GuardedFile
from neuroface_studio.store.h5text import read_text, text
from neuroface_studio.store import json_text
from neuroface_studio.store.audio_store import AudioAppender, audio_info, read_audio

RECORDING_FORMAT_ID = "neuroface-studio-recording"
RECORDING_SCHEMA_VERSION = 1
TAKE_QUALITY_ATTR = "take_quality"  #: JSON of the take's quality verdict (optional; files from before it lack it)
_GROW = 64  # frames added per resize


MAX_RESERVE = 64 << 20  #: the most set aside beside a recording for finishing it on a full disk


def frame_compression() -> dict:
    """h5py dataset kwargs for frames: Blosc LZ4 with byte shuffle (fast enough for 60 fps VGA)."""
    return dict(hdf5plugin.Blosc(cname="lz4", clevel=5, shuffle=hdf5plugin.Blosc.SHUFFLE))


class RecordingWriter:
    """Append colour+depth frames to a new recording file. Use from one thread only."""

    def __init__(self, path: Path, recording_id: str, task: str, fps: float, camera: CameraInfo,
                 created: str, flush_every_s: float = 0.3, participant_id: str = "",
                 reserve_bytes: int | None = None, fault: Fault | None = None,
                 audio: tuple[int, int, str] | None = None) -> None:
        """flush_every_s: the flush deadline (the most a kill can lose); reserve_bytes / fault:
        see :mod:`.guarded_file` (the file under HDF5 never lets a full disk reach HDF5);
        audio: ``(sample_rate, channels, source)`` to give the file a sound track
        (store/audio_store.py; samples through :meth:`append_audio`), None for none."""
        self.path = Path(path)
        if self.path.exists():
            raise RecordingFileError(f"{self.path} already exists; recordings are never overwritten")
        h, w = camera.color.height, camera.color.width
        self._shape = (h, w)
        self._frame_bytes = h * w * 5  # RGB8 + Z16, before compression
        if reserve_bytes is None:  # room for what one flush period may hold in HDF5's cache, and the seal
            reserve_bytes = min(MAX_RESERVE, int(1.25 * flush_every_s * fps + 2) * self._frame_bytes + (2 << 20))
        self._n = 0
        self.audio: AudioAppender | None = None
        self._audio_format = audio
        self.committed = 0  # frames on disk at the last successful flush
        self._closed = False
        self._flush_every_s = flush_every_s
        self._since_flush = 0
        self._last_flush = time.monotonic()
        try:
            self._raw = GuardedFile(self.path, "x+b", reserve_bytes=reserve_bytes, fault=fault)
        except FileExistsError as exc:
            raise RecordingFileError(f"{self.path} already exists; recordings are never overwritten") from exc
        except OSError as exc:
            self.path.unlink(missing_ok=True)
            if exc.errno in NO_SPACE:
                raise RecordingFileError(
                    f"nothing was recorded: the disk holding {self.path.parent} is full (not even "
                    f"{reserve_bytes >> 20} MB free to start a recording safely). Free disk space or choose a "
                    "project on another disk") from exc
            raise RecordingFileError(f"cannot create {self.path}: {exc}") from exc
        try:
            self._f = h5py.File(self._raw, "w", libver="latest")
            self._create_layout(recording_id, task, fps, camera, created, participant_id)
            self.flush()
        except BaseException as exc:  # leave nothing behind that would block a retry
            if getattr(self, "_f", None) is not None:
                self._f.close()
            self._raw.close()
            self.path.unlink(missing_ok=True)
            if self._raw.dead and isinstance(exc, Exception):
                raise RecordingFileError(f"nothing was recorded: {self.path} could not be written "
                                         f"({self._raw.error}). Free disk space or choose a project on another "
                                         "disk") from exc
            raise
        if self._raw.dead:  # even the empty layout did not reach the disk
            self._f.close()
            self._raw.close()
            self.path.unlink(missing_ok=True)
            raise RecordingFileError(f"nothing was recorded: {self.path} could not be written "
                                     f"({self._raw.error}). Free disk space or choose a project on another disk")

    def _create_layout(self, recording_id, task, fps, camera, created, participant_id) -> None:
        h, w = self._shape
        f = self._f
        f.attrs.update(format=text(RECORDING_FORMAT_ID), schema_version=RECORDING_SCHEMA_VERSION,
                       recording_id=text(recording_id), task=text(task), fps=float(fps),
                       camera=text(json.dumps(camera_to_dict(camera))), created=text(created),
                       participant_id=text(participant_id), n_frames=0, complete=False)
        comp = frame_compression()
        self._color = f.create_dataset("color", shape=(0, h, w, 3), maxshape=(None, h, w, 3), dtype=np.uint8,
                                       chunks=(1, h, w, 3), **comp)
        self._depth = f.create_dataset("depth", shape=(0, h, w), maxshape=(None, h, w), dtype=np.uint16,
                                       chunks=(1, h, w), **comp)
        self._ts = f.create_dataset("timestamps_s", shape=(0,), maxshape=(None,), dtype=np.float64, chunks=(256,))
        self._fn = f.create_dataset("frame_numbers", shape=(0,), maxshape=(None,), dtype=np.int64, chunks=(256,))
        self._pose = f.create_dataset("pose", shape=(0, 4), maxshape=(None, 4), dtype=np.float32, chunks=(256, 4),
                                      fillvalue=np.nan)
        self._quality = f.create_dataset("quality", shape=(0,), maxshape=(None,), dtype=np.uint8, chunks=(256,))
        self._committed = f.create_dataset("committed_frames", data=np.zeros(1, np.int64))
        if self._audio_format is not None:  # before SWMR: no dataset can be added after
            self.audio = AudioAppender(f, *self._audio_format, compression=comp)
        f.swmr_mode = True
        self._per_frame = (self._color, self._depth, self._ts, self._fn, self._pose, self._quality)

    @property
    def n_frames(self) -> int:
        return self._n

    @property
    def unflushed_bytes(self) -> int:
        """Raw bytes of the frames appended since the last flush (HDF5 may not have written them yet)."""
        return self._since_flush * self._frame_bytes

    @property
    def space_low(self) -> bool:
        """The disk filled up and the reserve was used: stop appending and close (the file is sealed)."""
        return self._raw.space_low

    @property
    def failed(self) -> OSError | None:
        """The write failure that made the file stop at its last flush (``committed`` frames), or None."""
        return self._raw.error

    def append(self, color: np.ndarray, depth: np.ndarray, timestamp_s: float, frame_number: int | None = None,
               pose: tuple[float, float, float, float] | None = None, quality: int = 0) -> None:
        """Add one frame: ``color (H, W, 3) uint8 RGB``, ``depth (H, W) uint16``.

        pose: (yaw_deg, pitch_deg, roll_deg, distance_mm) of the live estimate at capture time,
        or None (stored as NaN); quality: 0 unknown, 1 green, 2 amber, 3 red (pose feedback level).
        """
        if color.shape != (*self._shape, 3) or depth.shape != self._shape:
            raise ValueError(f"frame shapes {color.shape}/{depth.shape} do not match the recording {self._shape}")
        i = self._n
        if i >= self._color.shape[0]:
            for ds in self._per_frame:
                ds.resize(i + _GROW, axis=0)
        if pose is not None:
            self._pose[i] = pose
        self._quality[i] = quality
        self._color[i] = color
        self._depth[i] = depth
        self._ts[i] = timestamp_s
        self._fn[i] = i if frame_number is None else frame_number
        self._n += 1
        self._since_flush += 1
        # flush on a deadline (wall time), and at once when the disk filled up
        if self.flush_due() or self._raw.space_low:
            self.flush()

    def append_audio(self, pcm: np.ndarray, start_s: float | None = None, offset_s: float | None = None) -> None:
        """Add PCM ``(N, channels) int16`` to the sound track (flushed with the frames); start_s /
        offset_s: set the track's clock (domain/audio.py). Needs ``audio=`` at creation."""
        if self.audio is None:
            raise ValueError("this recording was created without a sound track (audio=None)")
        if start_s is not None or offset_s is not None:
            self.audio.set_clock(start_s or 0.0, offset_s or 0.0)
        self.audio.append(pcm)

    def flush_due(self) -> bool:
        return self._since_flush > 0 and time.monotonic() - self._last_flush >= self._flush_every_s

    def flush(self) -> None:
        for ds in self._per_frame:
            ds.flush()
        self._committed[0] = self._n
        self._committed.flush()
        if self.audio is not None:
            self.audio.flush()
        self._f.flush()
        self._raw.fsync()
        if not self._raw.dead:
            self.committed = self._n
        self._since_flush = 0
        self._last_flush = time.monotonic()

    def close(self, complete: bool = True, stop_reason: str = "") -> None:
        """Trim to the frames written, mark complete, and close.

        stop_reason: why recording stopped early (camera lost, ...), stored as an attribute.
        """
        if self._closed:
            return
        self._closed = True
        try:
            if not self._raw.dead:
                for ds in self._per_frame:
                    ds.resize(self._n, axis=0)
                self.flush()
        finally:  # release the file, drop dataset handles (a dead file's writes go nowhere: no crash)
            self._per_frame = ()
            if self.audio is not None:
                self.audio.release()
            self._color = self._depth = self._ts = self._fn = self._pose = self._quality = self._committed = None
            try:
                self._f.close()
            finally:
                self._raw.close()  # also frees the reserve, so sealing has room
        if complete and not self._raw.dead:  # attributes cannot change in SWMR mode: reopen to seal the file
            self._seal(stop_reason)

    def _seal(self, stop_reason: str) -> None:
        raw = GuardedFile(self.path, "r+b", reserve_bytes=0)
        try:
            with h5py.File(raw, "r+") as f:
                f.attrs["n_frames"] = self._n
                f.attrs["complete"] = True
                f.attrs["stop_reason"] = text(stop_reason)
            raw.fsync()
        finally:
            raw.close()
        if raw.dead:  # the disk took even the seal: the file stays readable up to its last flush
            raise OSError(raw.error.errno if raw.error else 28,
                          f"{self.path.name} could not be sealed ({raw.error}); its {self.committed} flushed "
                          "frames stay readable")

    def __enter__(self) -> "RecordingWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(complete=exc_type is None)


def _swmr_access_list(attempts: int = 8):
    """A file-access property list for SWMR reads that gives up after ``attempts`` metadata reads.

    HDF5 retries a SWMR read whose checksum fails (the writer may be mid-flush), doubling a sleep
    each time, 100 times by default: on a damaged file that is an endless hang. h5py does not
    expose H5Pset_metadata_read_attempts, so it is called in the HDF5 library h5py loaded; where
    that library cannot be found (other wheel layouts) HDF5's default stays.
    """
    import ctypes
    import glob

    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    libs = os.path.join(os.path.dirname(h5py.__file__), os.pardir, "h5py.libs")
    for lib in sorted(glob.glob(os.path.join(libs, "libhdf5-*.so*")) + glob.glob(os.path.join(libs, "libhdf5*.dylib"))):
        try:
            fn = ctypes.CDLL(lib).H5Pset_metadata_read_attempts
        except (OSError, AttributeError):
            continue
        fn.argtypes, fn.restype = [ctypes.c_int64, ctypes.c_uint], ctypes.c_int
        fn(fapl.id, attempts)
        break
    return fapl


def _open_for_read(path: Path) -> h5py.File:
    """Open a finished recording plainly; one still open for writing (or left by a killed
    writer, whose consistency flags stay set) in SWMR mode, with few metadata read attempts."""
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        if "already open for write" not in str(exc):
            raise
    fid = h5py.h5f.open(os.fsencode(path), h5py.h5f.ACC_RDONLY | h5py.h5f.ACC_SWMR_READ, fapl=_swmr_access_list())
    return h5py.File(fid)


def _scalar(v):
    """An HDF5 attribute as a plain Python number (numpy scalars and 0-d arrays included)."""
    return v.item() if hasattr(v, "item") else v


def _stored_frames(ds) -> int:
    """Upper bound of the frames a chunked dataset really holds (chunks written x frames per chunk)."""
    try:
        if ds.chunks is None:
            return ds.shape[0]
        per = ds.chunks[0]
        chunks_per_frame_row = int(np.prod([-(-s // c) for s, c in zip(ds.shape[1:], ds.chunks[1:])])) or 1
        return per * -(-ds.id.get_num_chunks() // chunks_per_frame_row)
    except Exception:  # noqa: BLE001 - old h5py without get_num_chunks: the shape is all we have
        return ds.shape[0]


class RecordingReader:
    """Random access to the frames of a recording file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise RecordingFileError(f"recording file {self.path} is missing; restore it from your backup")
        try:
            self._f = _open_for_read(self.path)
        except (OSError, RuntimeError) as exc:  # h5py raises either for a damaged file
            raise RecordingFileError(
                f"{self.path} is not a readable HDF5 recording ({exc}); it may be damaged or not a recording"
            ) from exc
        a = self._f.attrs
        if read_text(a, "format") != RECORDING_FORMAT_ID:
            self._f.close()
            raise RecordingFileError(f"{self.path} is HDF5 but not a NeuroFace Studio recording")
        if int(a.get("schema_version", 0)) > RECORDING_SCHEMA_VERSION:
            self._f.close()
            raise UnsupportedVersionError(f"{self.path} was written by a newer NeuroFace Studio; update to read it")
        missing = [k for k in ("color", "depth", "timestamps_s") if k not in self._f]
        if missing:
            self._f.close()
            raise RecordingFileError(f"{self.path} lacks {', '.join(missing)}; the file is damaged")
        try:
            self._read_attrs(a)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:  # JSONDecodeError is a ValueError
            self._f.close()
            raise RecordingFileError(f"{self.path} is damaged ({exc!r}); restore it from your backup") from exc

    def _read_attrs(self, a) -> None:
        missing = [k for k in ("recording_id", "task", "fps", "camera") if k not in a]
        if missing:
            raise KeyError(missing[0])
        self.recording_id = read_text(a, "recording_id")
        self.participant_id = read_text(a, "participant_id", "")
        self.created = read_text(a, "created", "")
        self.task = read_text(a, "task")
        self.fps = check(_scalar(a["fps"]), float, "fps", lo=1e-3, hi=MAX_FPS)
        self.camera = camera_from_dict(json_text.loads(read_text(a, "camera", "")))
        self.complete = bool(a.get("complete", False))
        color, depth = self._f["color"], self._f["depth"]
        if color.ndim != 4 or color.shape[3] != 3 or color.dtype != np.uint8:
            raise ValueError(f"its colour frames are stored as {color.dtype} {color.shape}, not (frames, height, "
                             "width, 3) uint8")
        if depth.ndim != 3 or depth.shape[1:] != color.shape[1:3]:
            raise ValueError(f"its depth frames {depth.shape} do not match its colour frames {color.shape}")
        # an incomplete file may hold allocated-but-unwritten frames past the last flush
        n = _scalar(a["n_frames"]) if self.complete else _scalar(self._f["committed_frames"][0])
        n = check(n, int, "n_frames", lo=0)
        # sizes come from the data, never from a declared count: frames that were never written
        # (a declared 10**9 in a 65 MB file) are not frames
        self.n_frames = min(n, color.shape[0], depth.shape[0], self._f["timestamps_s"].shape[0],
                            _stored_frames(color))

    def _check(self, i: int) -> None:
        if not 0 <= i < self.n_frames:
            raise IndexError(f"frame {i} out of range 0..{self.n_frames - 1}")

    def color(self, i: int) -> np.ndarray:
        """Frame ``i`` as ``(H, W, 3) uint8 RGB``."""
        self._check(i)
        return self._read("color", i)

    def depth(self, i: int) -> np.ndarray:
        """Frame ``i`` as ``(H, W) uint16`` depth units (multiply by camera.depth_scale_m for metres)."""
        self._check(i)
        return self._read("depth", i)

    def timestamps_s(self) -> np.ndarray:
        return self._read("timestamps_s", slice(0, self.n_frames))

    def frame_numbers(self) -> np.ndarray:
        return self._read("frame_numbers", slice(0, self.n_frames))

    def pose(self) -> np.ndarray:
        """(T, 4) float32 yaw/pitch/roll deg + distance mm of the live estimate; NaN = none."""
        if "pose" not in self._f:
            return np.full((self.n_frames, 4), np.nan, np.float32)
        return self._read("pose", slice(0, self.n_frames))

    def quality(self) -> np.ndarray:
        """(T,) uint8 live feedback level per frame: 0 unknown, 1 green, 2 amber, 3 red."""
        if "quality" not in self._f:
            return np.zeros(self.n_frames, np.uint8)
        return self._read("quality", slice(0, self.n_frames))

    def take_quality(self) -> dict | None:
        """The take's quality verdict (analysis/take_quality.py ``QualityVerdict.to_dict()``) stored
        when it ended; None for a file written before the gate existed (or a damaged attribute)."""
        try:
            value = read_text(self._f.attrs, TAKE_QUALITY_ATTR)
            data = json_text.loads(value) if value else None
        except (ValueError, TypeError):
            return None
        return data if isinstance(data, dict) else None

    def audio_info(self) -> dict | None:
        """The sound track's rate, channels, duration, start/offset (s) and source; None: no sound."""
        try:
            return audio_info(self._f)
        except (OSError, RuntimeError, KeyError, ValueError, TypeError) as exc:
            raise RecordingFileError(f"{self.path}: its sound track cannot be read ({exc}); the file is damaged "
                                     "there (the frames may still be readable)") from exc

    def audio(self, t0_s: float | None = None, t1_s: float | None = None):
        """The sound track (domain/audio.AudioTrack), optionally only ``t0_s..t1_s`` of the frame
        clock; None when the recording has none."""
        try:
            return read_audio(self._f, t0_s, t1_s)
        except (OSError, RuntimeError, KeyError, ValueError, TypeError) as exc:
            raise RecordingFileError(f"{self.path}: its sound track cannot be read ({exc}); the file is damaged "
                                     "there (the frames may still be readable)") from exc

    def _read(self, name: str, index):
        try:
            return self._f[name][index]
        except (OSError, RuntimeError, KeyError, ValueError, TypeError) as exc:  # a damaged chunk or index
            where = f"frame {index}" if isinstance(index, int) else name
            raise RecordingFileError(f"{self.path}: {where} cannot be read ({exc}); the file is damaged there. "
                                     "Other frames may still be readable; restore the file from your backup") from exc

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> "RecordingReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_take_quality(path: Path, verdict: dict) -> None:
    """Store a finished take's quality verdict (a JSON-compatible dict) as the root attribute
    ``take_quality`` of the sealed recording file at ``path``. OSError when the file cannot be
    written (a full disk: the file itself stays as it was); RecordingFileError when it is no recording."""
    raw = GuardedFile(Path(path), "r+b", reserve_bytes=0)
    try:
        with h5py.File(raw, "r+") as f:
            if read_text(f.attrs, "format") != RECORDING_FORMAT_ID:
                raise RecordingFileError(f"{path} is not a NeuroFace Studio recording")
            f.attrs[TAKE_QUALITY_ATTR] = text(json.dumps(verdict, sort_keys=True))
        raw.fsync()
    finally:
        raw.close()
    if raw.dead:
        raise OSError(raw.error.errno if raw.error else 28, f"the quality verdict of {Path(path).name} could not be "
                      f"stored ({raw.error}); the recording itself is unchanged")


def read_timestamps(path: Path) -> np.ndarray:
    """The per-frame timestamps of the recording file at ``path``: ``(T,) float64`` seconds.

    The recording's own clock (a video's presentation times, the camera's device clock), one
    value per stored frame, in frame order; what durations, rates and velocities are computed
    from (see domain/timing.py). RecordingFileError when the file is missing or damaged.
    """
    with RecordingReader(path) as reader:
        return np.asarray(reader.timestamps_s(), dtype=np.float64)
