"""Playback of RealSense recordings (.bag from RealSense Viewer / older SDKs, .db3 from 2.58+).

Used to import recordings made outside the app (app/file_import.py reads it at its own pace
and writes every frame). Playback is not real time (no frame is dropped however slow the consumer), every frameset is checked to hold both colour and depth
(the SDK's syncer can hand out single frames, e.g. the first pair), depth is aligned to colour
with ``rs.align`` unless the file's depth already is, and the file's own frame numbers and
timestamps are kept. Frame-number jumps (frames the camera dropped while recording) are
counted in :attr:`RealSenseFileSource.gaps` / :attr:`RealSenseFileSource.frames_missing`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from neuroface_studio.acquisition.rs_common import (
    color_to_rgb, depth_scale_m, depth_to_array, device_description, extrinsics_from_rs, import_rs,
    intrinsics_from_rs, is_identity_geometry,
)
from neuroface_studio.acquisition.source import Frame, SourceError
from neuroface_studio.domain.camera import CameraInfo, Extrinsics

log = logging.getLogger(__name__)

SUFFIXES = (".bag", ".db3")  # what the SDK plays back (for file dialogs and import)
_POLL_MS = 50  # frame wait slice; the end of the file is noticed within this
_STALL_MS = 10_000


class RealSenseFileSource:
    """Frames of a .bag/.db3 file, in order, each exactly once; ``read`` returns None at the end.

    Counters after (or during) playback: ``gaps`` (number of frame-number jumps),
    ``frames_missing`` (frames lost in those jumps), ``incomplete`` (framesets skipped because
    colour or depth was missing), ``duplicates`` (framesets skipped because their frame number
    did not advance).
    """

    is_live = False
    #: where the frames' timestamps come from (stored with an import's result)
    timestamp_source = "device clock (the colour frames' RealSense timestamps)"
    #: RealSense recordings carry colour, depth and IMU streams, never sound (an import says so)
    audio_note = "RealSense files hold no sound track: imported without audio"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._pipeline: Any = None
        self._align: Any = None
        self._playback: Any = None
        self._stopped: Any = None
        self._camera: CameraInfo | None = None
        self._fps = 0.0
        self._last_number: int | None = None
        self.gaps = self.frames_missing = self.incomplete = self.duplicates = 0
        self.frames_read = 0

    # -- FrameSource ----------------------------------------------------------------
    @property
    def camera(self) -> CameraInfo:
        if self._camera is None:
            raise SourceError("Open the RealSense file before asking for its camera.")
        return self._camera

    @property
    def fps(self) -> float:
        if self._camera is None:
            raise SourceError("Open the RealSense file before asking for its frame rate.")
        return self._fps

    def open(self) -> None:
        """Start playback; raise SourceError when the file is missing, not a RealSense file,
        or lacks colour or depth."""
        if self._pipeline is not None:
            return
        if not self.path.is_file():
            raise SourceError(f"RealSense file not found: {self.path}")
        rs = import_rs()
        pipeline, config = rs.pipeline(), rs.config()
        try:
            config.enable_device_from_file(str(self.path), repeat_playback=False)
            # Real-time playback drops frames, and switching it off after start() is too late
            # for the first frames: resolve first (start() reuses the resolved device).
            resolved = config.resolve(rs.pipeline_wrapper(pipeline))
            resolved.get_device().as_playback().set_real_time(False)
        except RuntimeError as exc:
            raise SourceError(
                f"{self.path.name} is not a readable RealSense recording (.bag or .db3): {exc}") from exc
        # Check the streams before starting: stopping a non-real-time playback right after
        # start() can abort inside librealsense (seen under load on a colour-only file).
        streams = {s.stream_type(): s for s in resolved.get_streams()}
        if rs.stream.color not in streams:
            raise SourceError(f"{self.path.name} has no colour stream; it cannot be imported.")
        if rs.stream.depth not in streams:
            raise SourceError(
                f"{self.path.name} has no depth stream (colour only). Export its colour stream to "
                "a video file (e.g. with RealSense Viewer) and import that as a plain video.")
        try:
            profile = pipeline.start(config)
        except RuntimeError as exc:
            raise SourceError(
                f"{self.path.name} is not a readable RealSense recording (.bag or .db3): {exc}") from exc
        try:
            device = profile.get_device()
            self._playback = device.as_playback()
            self._playback.set_real_time(False)  # no-op unless start() made a new device
            self._stopped = rs.playback_status.stopped
            streams = {s.stream_type(): s for s in profile.get_streams()}
            self._camera, self._fps = self._camera_info(device, streams[rs.stream.color],
                                                        streams[rs.stream.depth])
        except BaseException:
            pipeline.stop()
            raise
        if is_identity_geometry(self._camera.color, self._camera.depth, self._camera.depth_to_color):
            self._align = None  # depth pixels already are colour pixels
        else:
            self._align = rs.align(rs.stream.color)
        self._pipeline = pipeline
        self._last_number = None
        self._lone_color: tuple[int, float, np.ndarray] | None = None
        self._lone_depth: tuple[float, np.ndarray] | None = None
        self.gaps = self.frames_missing = self.incomplete = self.duplicates = self.frames_read = 0
        log.info("playing %s: %s, %.1f fps, depth %s", self.path.name, self._camera.device, self._fps,
                 "aligned in the file" if self._align is None else "aligned to colour on playback")

    def read(self, timeout_s: float = 1.0) -> Frame | None:
        """The next complete colour + depth frame, or None at the end of the file."""
        if self._pipeline is None:
            raise SourceError("Open the RealSense file before reading frames.")
        while True:
            frames = self._next_frameset()
            if frames is None:
                return None
            if self._align is not None:
                frames = self._align.process(frames)
            color, depth = frames.get_color_frame(), frames.get_depth_frame()
            if not color or not depth:
                paired = self._pair_split(color, depth)
                if paired is None:
                    continue
                number, timestamp_s, rgb, depth_array = paired
            else:
                number, timestamp_s = int(color.get_frame_number()), float(color.get_timestamp()) / 1000.0
                rgb, depth_array = color_to_rgb(color), depth_to_array(depth)
            if self._last_number is not None:
                if number <= self._last_number:
                    self.duplicates += 1
                    continue
                if number > self._last_number + 1:
                    self.gaps += 1
                    self.frames_missing += number - self._last_number - 1
            self._last_number = number
            self.frames_read += 1
            return Frame(index=number, timestamp_s=timestamp_s, color=rgb, depth=depth_array)

    def _pair_split(self, color: Any, depth: Any) -> tuple[int, float, np.ndarray, np.ndarray] | None:
        """rs.syncer sometimes hands out a pair as two single-frame framesets (usually the
        first): keep the lone half and pair it with the other half when that arrives. Only
        possible where no alignment is needed; otherwise the frameset is counted incomplete."""
        if self._align is not None:
            self.incomplete += 1
            return None
        if color:
            self._lone_color = (int(color.get_frame_number()), float(color.get_timestamp()) / 1000.0,
                                color_to_rgb(color))
        elif depth:
            self._lone_depth = (float(depth.get_timestamp()) / 1000.0, depth_to_array(depth))
        if self._lone_color is None or self._lone_depth is None:
            return None
        (number, ts, rgb), (depth_ts, depth_array) = self._lone_color, self._lone_depth
        self._lone_color = self._lone_depth = None
        if abs(depth_ts - ts) > 0.5 / max(self._fps, 1.0):
            self.incomplete += 1
            return None
        return number, ts, rgb, depth_array

    def close(self) -> None:
        if self._pipeline is not None:
            pipeline, self._pipeline = self._pipeline, None
            try:
                pipeline.stop()
            except RuntimeError:  # already stopped at the end of the file
                pass
        if self.gaps or self.incomplete:
            log.info("%s: %d gaps (%d frames missing), %d incomplete framesets skipped",
                     self.path.name, self.gaps, self.frames_missing, self.incomplete)

    # -- helpers --------------------------------------------------------------------
    def _next_frameset(self) -> Any:
        """The next frameset, or None once playback has stopped and nothing is left.

        Non-real-time playback never drops frames, so waiting is only for decoding; a file
        that stops producing frames without reaching its end raises SourceError.
        """
        waited_ms = 0
        while True:
            try:
                ok, frames = self._pipeline.try_wait_for_frames(_POLL_MS)
                if ok:
                    return frames
                if self._playback.current_status() == self._stopped:
                    ok, frames = self._pipeline.try_wait_for_frames(_POLL_MS)  # drain the last one
                    return frames if ok else None
            except RuntimeError as exc:
                raise SourceError(f"Reading {self.path.name} failed: {exc}") from exc
            waited_ms += _POLL_MS
            if waited_ms >= _STALL_MS:
                raise SourceError(f"Playback of {self.path.name} stalled: no frame for {_STALL_MS / 1000:g} s.")

    def _camera_info(self, device: Any, color_profile: Any, depth_profile: Any) -> tuple[CameraInfo, float]:
        color = color_profile.as_video_stream_profile()
        depth = depth_profile.as_video_stream_profile()
        try:
            extr = extrinsics_from_rs(depth_profile.get_extrinsics_to(color_profile))
        except RuntimeError:  # no calibration in the file: assume co-located sensors
            extr = Extrinsics()
        info = CameraInfo(
            color=intrinsics_from_rs(color.get_intrinsics()), depth=intrinsics_from_rs(depth.get_intrinsics()),
            depth_to_color=extr, depth_scale_m=depth_scale_m(device), depth_aligned_to_color=True,
            device=f"{device_description(device, 'RealSense recording')} (file {self.path.name})")
        return info, float(color.fps())

    def __enter__(self) -> "RealSenseFileSource":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
