"""Ordinary video files (mp4, avi, mov, mkv, ...) as a frame source, colour only.

For importing recordings made with a plain camera. There is no depth: every frame's depth
is zeros (0 = no depth) and the camera intrinsics are a guess (focal length = image width,
principal point at the image centre), so 2D landmarks and 2D kinematics work while 3D
features are unavailable. Decoding is OpenCV's (``cv2.VideoCapture``, its bundled FFmpeg).

Timestamps are the container's presentation times (PTS) of each decoded frame, in seconds
from the start of the video stream (``CAP_PROP_POS_MSEC`` read after each frame: FFmpeg's
best-effort PTS), so a variable-frame-rate file keeps its real clock. Where the container
gives no usable time (no PTS, or one that does not advance) the frame gets the previous
timestamp + 1 / nominal fps and :attr:`VideoFileSource.timestamps_estimated` counts it.

FFmpeg's and OpenCV's own log lines (``moov atom not found``, ``can't be used to capture by
name``, ...) are silenced while a file is opened: the error the user sees is ours, one line. ``OPENCV_FFMPEG_LOGLEVEL`` must be set before OpenCV opens its first video
in the process, hence at import here (a value set by the user is kept).

Before FFmpeg sees a file, its structure is checked (:func:`container_problem`, by content, not
by name): an empty file, an MP4/MOV without its index (``moov`` box), and a file cut short (a
copy or download that stopped early) are refused. FFmpeg decodes the first part of a cut file
without complaint, so without this check a cut file would be imported as a shorter recording.
Cut short means the file ends before the size its container states: an MP4/MOV box, the
AVI ``RIFF`` chunk or the Matroska/WebM ``Segment`` runs past the end of the file (a container
that states no size, as a browser's live WebM, cannot be judged this way). A file OpenCV cannot
decode is probed with PyAV to say what it holds (only sound, a video stream with no decodable
frame, or no known format).

Sound: :meth:`VideoFileSource.iter_audio` decodes the file's sound track with PyAV on this same
frame clock (acquisition/audio_file.py); the import writes it into the recording's ``/audio``.
"""

from __future__ import annotations

import math
import os
import struct
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET; see the module docstring

import cv2  # noqa: E402 - after the log level, which OpenCV reads when it first opens a video
import numpy as np  # noqa: E402

from neuroface_studio.acquisition.source import Frame, SourceError  # noqa: E402
from neuroface_studio.domain.camera import CameraInfo, Intrinsics  # noqa: E402

DEFAULT_FPS = 30.0
VIDEO_DEVICE = "video file (no depth)"
#: timestamp sources (stored with the import's result)
TS_CONTAINER = "container PTS"
TS_NOMINAL = "frame index / nominal fps"


def guessed_intrinsics(width: int, height: int) -> Intrinsics:
    """A plausible pinhole for an unknown camera: fx = fy = width px, centre principal point."""
    return Intrinsics(width, height, fx=float(width), fy=float(width), cx=width / 2.0, cy=height / 2.0,
                      model="none")


def iso_media_problem(path: Path) -> str | None:
    """Why an MP4/MOV-family file cannot be decoded, read from its top-level boxes, or None.

    Only a file that is box-structured (starts with an ``ftyp`` box) is judged; anything else is
    left to the decoder. A missing ``moov`` box (the index of the frames, written last by most
    cameras) means the recording was interrupted or the file was cut short; with the index present
    (written first, "fast start"), a box that runs past the end of the file means it was cut short.
    """
    try:
        size_total = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
            if len(head) < 8 or head[4:8] != b"ftyp":
                return None
            pos, seen, past_end = 0, set(), None
            while pos + 8 <= size_total:
                fh.seek(pos)
                header = fh.read(16)
                size, kind = struct.unpack(">I4s", header[:8])
                if size == 1 and len(header) >= 16:
                    size = struct.unpack(">Q", header[8:16])[0]
                elif size == 0:  # the box runs to the end of the file
                    size = size_total - pos
                if size < 8:
                    break
                seen.add(kind)
                if pos + size > size_total and kind.isalnum():  # a box, not stray bytes after the last
                    past_end = pos + size
                pos += size
    except OSError:
        return None
    if b"moov" in seen:
        return None if past_end is None else cut_short_message(path, size_total, past_end, "MP4/MOV")
    return (f"{path.name} has no 'moov' index (the part of an MP4/MOV file that lists its frames): the file was "
            "cut short or its recording was interrupted before it was finalised. Copy it again from the camera, "
            "or repair/re-export it (e.g. with the camera's software), then import it again.")


def cut_short_message(path: Path, size: int, stated: int, container: str) -> str:
    missing = 100.0 * (stated - size) / stated
    return (f"{path.name} is cut short: its {container} structure says the file is {stated:,} bytes long but it "
            f"ends after {size:,} bytes ({missing:.0f}% missing), so the rest of the recording is not in it (a copy "
            "or download that stopped early, or a recording interrupted). Nothing was imported. Copy the whole file "
            "again from the camera or the sender, or re-export it, then import it again.")


def _ebml_vint(fh) -> tuple[int, bool] | None:
    """An EBML variable-length integer (value, all-ones = size unknown) read from ``fh``, or None."""
    first = fh.read(1)
    if not first or first[0] == 0:
        return None
    length = 8 - first[0].bit_length() + 1
    rest = fh.read(length - 1)
    if len(rest) < length - 1:
        return None
    value = first[0] & (0xFF >> length)
    for b in rest:
        value = (value << 8) | b
    return value, value == (1 << (7 * length)) - 1


def _stated_end(path: Path) -> tuple[int, str] | None:
    """(byte offset where the container says the file ends, container name) for AVI and Matroska/WebM;
    None when the file is neither or states no size."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
            riff = struct.unpack("<I", head[4:8])[0]
            return (8 + riff, "AVI") if riff else None
        if head[:4] != b"\x1a\x45\xdf\xa3":
            return None
        fh.seek(4)
        header = _ebml_vint(fh)  # the EBML header's size
        if header is None or header[1]:
            return None
        fh.seek(fh.tell() + header[0])
        if fh.read(4) != b"\x18\x53\x80\x67":  # Segment
            return None
        segment = _ebml_vint(fh)
        if segment is None or segment[1]:  # unknown size: written live, nothing to judge by
            return None
        return fh.tell() + segment[0], "Matroska/WebM"


def container_problem(path: Path) -> str | None:
    """Why ``path`` cannot be imported whole, read from its bytes (whatever its name), or None.

    An empty file; an MP4/MOV without its index or cut short (:func:`iso_media_problem`); an AVI
    or Matroska/WebM file that ends before the size its container states (cut short).
    """
    try:
        size_total = path.stat().st_size
        if size_total == 0:
            return (f"{path.name} could not be read as a video: the file is empty (0 bytes), so a copy, download "
                    "or recording failed. Copy it again from the camera or the sender, then import it again.")
        problem = iso_media_problem(path)
        if problem:
            return problem
        stated = _stated_end(path)
    except OSError:
        return None
    if stated is not None and stated[0] > size_total + (stated[1] == "AVI"):  # AVI: a missing pad byte is harmless
        return cut_short_message(path, size_total, stated[0], stated[1])
    return None


def probe_streams(path: Path) -> dict | None:
    """What PyAV finds in ``path``: ``video`` (codec names of the moving-picture streams, a cover picture
    not counted), ``sound`` (codec names) and ``frames`` (the frame count the first video stream states,
    0: none); None when PyAV cannot open it."""
    try:
        import av  # lazily, as acquisition/audio_file.py
        with av.open(str(path)) as container:
            cover = int(av.stream.Disposition.attached_pic)
            video = [st for st in container.streams.video if not int(st.disposition) & cover]
            return {"video": [st.codec_context.name for st in video],
                    "covers": len(container.streams.video) - len(video),
                    "sound": [st.codec_context.name for st in container.streams.audio],
                    "frames": int(video[0].frames) if video else 0}
    except Exception:  # noqa: BLE001 - not a format FFmpeg knows, or damaged at its start
        return None


def sound_only_message(path: Path, probe: dict | None) -> str | None:
    """The refusal of a file that holds no moving picture (sound only, or sound and a cover picture), or None."""
    if probe is None or probe["video"]:
        return None
    base = f"{path.name} could not be read as a video"
    if probe["sound"]:
        cover = " and a cover picture" if probe["covers"] else ""
        return (f"{base}: it holds only sound ({', '.join(probe['sound'])}){cover}, no video stream. Import the "
                "video file of the session (its sound track comes with it).")
    return f"{base}: it holds no video stream. Import the video file of the session."


def unreadable_message(path: Path, probe: dict | None) -> str:
    """Why OpenCV could not decode a frame of ``path``, from what PyAV finds in it (``probe``), and what to do."""
    base = f"{path.name} could not be read as a video"
    redo = "export or convert it to MP4 (H.264) and import that"
    if probe is None:
        return (f"{base}: its content is not a video format FFmpeg knows (whatever its '{path.suffix}' name says), "
                f"or its start is damaged. Check that it is the recording you meant; if it plays elsewhere, {redo}.")
    return sound_only_message(path, probe) or (
        f"{base}: it has a {probe['video'][0]} video stream but no frame of it could be decoded (a damaged file, "
        f"or a codec this build cannot decode). If it plays elsewhere, {redo}.")


def stated_frame_count(probe: dict | None) -> int | None:
    """The frame count the container states (MP4/MOV sample table, AVI header), or None.

    Matroska/WebM state a duration, not a count: OpenCV's ``CAP_PROP_FRAME_COUNT`` is then duration x
    nominal fps, which a variable frame rate or a stream starting after 0 s makes wrong (a good file
    would read as missing frames), so no count is claimed for them.
    """
    count = probe["frames"] if probe is not None else 0
    return count if 0 < count < 10**9 else None


class VideoFileSource:
    """Frames of a video file in order; ``read`` returns None at the end.

    index: 0, 1, 2, ... (decoding order); timestamp_s: the frame's PTS in seconds from the
    stream start (see the module docstring); color (H, W, 3) uint8 RGB; depth (H, W) uint16 zeros.
    ``fps`` is the container's nominal rate (30 when it states none); ``declared_frames`` the
    frame count the container states (None when it states none; often not what decodes).
    """

    is_live = False

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._capture: Any = None
        self._pending: tuple[np.ndarray, float] | None = None  # first frame, decoded by open()
        self._camera: CameraInfo | None = None
        self._fps = DEFAULT_FPS
        self._index = 0
        self._last_ts: float | None = None
        self.declared_frames: int | None = None
        self.timestamps_estimated = 0  # frames whose container time was missing or not increasing

    @property
    def camera(self) -> CameraInfo:
        if self._camera is None:
            raise SourceError("Open the video before asking for its camera.")
        return self._camera

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def timestamp_source(self) -> str:
        """Where the timestamps came from: container PTS, or frame index / nominal fps for every frame."""
        if self._index > 1 and self.timestamps_estimated >= self._index - 1:
            return TS_NOMINAL
        if self.timestamps_estimated:
            return f"{TS_CONTAINER} ({self.timestamps_estimated} frames without one: previous + 1 / fps)"
        return TS_CONTAINER

    def open(self) -> None:
        """Open the file and decode the first frame; SourceError when it is missing or unreadable."""
        if self._capture is not None:
            return
        if not self.path.is_file():
            raise SourceError(f"Video file not found: {self.path}")
        problem = container_problem(self.path)  # by content: a cut MP4 named .avi is judged too
        if problem:
            raise SourceError(problem)
        probe = probe_streams(self.path)
        problem = sound_only_message(self.path, probe)  # OpenCV would take a cover picture for a 1-frame video
        if problem:
            raise SourceError(problem)
        ffmpeg = cv2.videoio_registry.hasBackend(cv2.CAP_FFMPEG)
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # our message says why, once
        try:
            capture = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG if ffmpeg else cv2.CAP_ANY)
            ok, bgr = capture.read() if capture.isOpened() else (False, None)
        finally:
            cv2.utils.logging.setLogLevel(level)
        if not ok or bgr is None:
            capture.release()
            raise SourceError(unreadable_message(self.path, probe))
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self._fps = fps if math.isfinite(fps) and 0 < fps <= 1000 else DEFAULT_FPS
        self.declared_frames = stated_frame_count(probe)
        height, width = bgr.shape[:2]
        intr = guessed_intrinsics(width, height)
        self._camera = CameraInfo(color=intr, depth=intr, depth_aligned_to_color=True, device=VIDEO_DEVICE)
        self._capture = capture
        self._pending = (bgr, self._position_s())
        self._index = 0
        self._last_ts = None
        self.timestamps_estimated = 0

    def _position_s(self) -> float:
        """The PTS (s) of the frame just decoded, NaN when the container gives none."""
        ms = float(self._capture.get(cv2.CAP_PROP_POS_MSEC))
        return ms / 1000.0 if math.isfinite(ms) and ms >= 0 else math.nan

    def read(self, timeout_s: float = 1.0) -> Frame | None:
        """The next frame, or None at the end of the video."""
        if self._capture is None:
            raise SourceError("Open the video before reading frames.")
        if self._pending is not None:
            (bgr, pts), self._pending = self._pending, None
        else:
            ok, bgr = self._capture.read()
            if not ok or bgr is None:
                return None
            pts = self._position_s()
        if bgr.ndim == 2:
            color = cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB)
        else:
            color = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        index = self._index
        self._index += 1
        # The first frame's PTS 0 is also what OpenCV reports when there is no PTS: it only
        # counts as container time when later frames advance from it.
        if self._last_ts is not None and not (math.isfinite(pts) and pts > self._last_ts):
            pts = self._last_ts + 1.0 / self._fps
            self.timestamps_estimated += 1
        elif self._last_ts is None and not math.isfinite(pts):
            pts = 0.0
            self.timestamps_estimated += 1
        self._last_ts = pts
        return Frame(index=index, timestamp_s=pts, color=color, depth=np.zeros(color.shape[:2], np.uint16))

    def audio_format(self) -> dict | None:
        """What the file states about its sound track (acquisition/audio_file.probe_audio), or None."""
        from neuroface_studio.acquisition.audio_file import probe_audio
        return probe_audio(self.path)

    def iter_audio(self):
        """``(head, pcm block)`` pairs of the sound track, on this source's frame clock (PyAV decodes it:
        acquisition/audio_file.py); nothing when the file has none."""
        from neuroface_studio.acquisition.audio_file import iter_audio
        return iter_audio(self.path)

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
        self._pending = None

    def __enter__(self) -> "VideoFileSource":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
