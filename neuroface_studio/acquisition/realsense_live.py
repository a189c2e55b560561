"""The live Intel RealSense camera (D400 family) as a frame source.

Streams colour (RGB8) + depth (Z16) at the requested size and the nearest frame rate the
camera offers, aligns depth to colour on the host (``rs.align``) and hands out
:class:`~neuroface_studio.acquisition.source.Frame` objects whose index is the camera's colour
frame counter (jumps = frames the camera dropped) and whose time is the camera's clock.

Without a camera, :meth:`RealSenseSource.open` raises :class:`NoCameraError` with what to do;
a camera that disappears mid-recording makes :meth:`RealSenseSource.read` raise
:class:`SourceError`. Nothing here crashes the app.
"""

from __future__ import annotations

import logging
from typing import Any

from neuroface_studio.acquisition.rs_common import (
    choose_fps, color_to_rgb, depth_scale_m, depth_to_array, device_description, extrinsics_from_rs,
    import_rs, intrinsics_from_rs,
)
from neuroface_studio.acquisition.source import Frame, NoCameraError, SourceError
from neuroface_studio.domain.camera import CameraInfo

log = logging.getLogger(__name__)

NO_CAMERA_MESSAGE = (
    "No Intel RealSense camera found. Connect the camera to a USB 3 port (blue) and close other "
    "programs that use it (RealSense Viewer), then try again. To try the app without a camera, "
    "use the synthetic source.")


def list_cameras() -> list[dict]:
    """Connected RealSense cameras: dicts with name, serial, firmware, usb ('3.2', '2.1', ...).

    [] when none is connected or pyrealsense2 is not installed.
    """
    try:
        rs = import_rs()
    except SourceError:
        return []
    keys = {"name": rs.camera_info.name, "serial": rs.camera_info.serial_number,
            "firmware": rs.camera_info.firmware_version, "usb": rs.camera_info.usb_type_descriptor}
    cameras = []
    for dev in rs.context().query_devices():
        cameras.append({k: (dev.get_info(v) if dev.supports(v) else "") for k, v in keys.items()})
    return cameras


def usb_note(rs, device) -> str:
    """A warning when the camera is on a USB 2 link (too slow for VGA colour + depth at 60 fps)."""
    try:
        if not device.supports(rs.camera_info.usb_type_descriptor):
            return ""
        usb = str(device.get_info(rs.camera_info.usb_type_descriptor))
    except (RuntimeError, AttributeError):
        return ""
    if usb.startswith("2"):
        return (f"The camera is connected over USB {usb}: frames will drop at 60 fps. Plug it into a USB 3 port "
                "(usually blue) with the cable that came with it.")
    return ""


class RealSenseSource:
    """A connected RealSense camera: colour RGB8 + depth Z16, depth aligned to colour.

    ``serial`` picks a camera when several are connected (None: the first one).
    After :meth:`open`, :attr:`fps` is the rate actually streamed and :attr:`note` says
    when it differs from the one asked for.
    """

    is_live = True

    def __init__(self, serial: str | None = None, width: int = 640, height: int = 480, fps: float = 60) -> None:
        self.serial, self.width, self.height = serial, int(width), int(height)
        self.requested_fps = float(fps)
        self.note = ""
        self._fps = float(fps)
        self._pipeline: Any = None
        self._align: Any = None
        self._camera: CameraInfo | None = None
        self._active_serial = ""

    @property
    def camera(self) -> CameraInfo:
        if self._camera is None:
            raise SourceError("Open the camera before asking for its calibration.")
        return self._camera

    @property
    def fps(self) -> float:
        return self._fps

    def open(self) -> None:
        """Find the camera, pick the frame rate, start streaming. NoCameraError when none."""
        if self._pipeline is not None:
            return
        rs = import_rs(NoCameraError)
        device = self._find_device(rs)
        fps = self._pick_fps(rs, device)
        serial = device.get_info(rs.camera_info.serial_number)
        usb = usb_note(rs, device)
        if usb:
            self.note = f"{self.note} {usb}".strip()
            log.warning(usb)
        config = rs.config()
        config.enable_device(serial)
        config.enable_stream(rs.stream.color, self.width, self.height, rs.format.rgb8, fps)
        config.enable_stream(rs.stream.depth, self.width, self.height, rs.format.z16, fps)
        pipeline = rs.pipeline()
        try:
            profile = pipeline.start(config)
        except RuntimeError as exc:
            raise SourceError(
                f"The RealSense camera {serial} could not start streaming ({exc}). Close other programs "
                "that use it (RealSense Viewer), reconnect it to a USB 3 port and try again.") from exc
        try:
            color_p = profile.get_stream(rs.stream.color)
            depth_p = profile.get_stream(rs.stream.depth)
            self._camera = CameraInfo(
                color=intrinsics_from_rs(color_p.as_video_stream_profile().get_intrinsics()),
                depth=intrinsics_from_rs(depth_p.as_video_stream_profile().get_intrinsics()),
                depth_to_color=extrinsics_from_rs(depth_p.get_extrinsics_to(color_p)),
                depth_scale_m=depth_scale_m(profile.get_device()), depth_aligned_to_color=True,
                device=device_description(profile.get_device()))
        except RuntimeError as exc:
            pipeline.stop()
            raise SourceError(f"The RealSense camera {serial} did not report its calibration: {exc}") from exc
        self._fps = float(fps)
        self._active_serial = serial
        self._align = rs.align(rs.stream.color)
        self._pipeline = pipeline
        log.info("streaming %s at %dx%d, %d fps", self._camera.device, self.width, self.height, fps)

    def read(self, timeout_s: float = 1.0) -> Frame | None:
        """The next aligned frame; None if none arrived within ``timeout_s`` but the camera is
        still there; SourceError if the camera is gone."""
        if self._pipeline is None:
            raise SourceError("Open the camera before reading frames.")
        try:
            ok, frames = self._pipeline.try_wait_for_frames(max(int(timeout_s * 1000), 1))
        except RuntimeError as exc:
            raise SourceError(self._lost_message(str(exc))) from exc
        if not ok:
            if self._still_connected():
                return None
            raise SourceError(self._lost_message("no frames"))
        frames = self._align.process(frames)
        color, depth = frames.get_color_frame(), frames.get_depth_frame()
        if not color or not depth:
            return None
        return Frame(index=int(color.get_frame_number()), timestamp_s=float(color.get_timestamp()) / 1000.0,
                     color=color_to_rgb(color), depth=depth_to_array(depth))

    def close(self) -> None:
        if self._pipeline is not None:
            pipeline, self._pipeline = self._pipeline, None
            try:
                pipeline.stop()
            except RuntimeError:  # unplugged: nothing left to stop
                pass

    def __enter__(self) -> "RealSenseSource":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers --------------------------------------------------------------------
    def _find_device(self, rs: Any) -> Any:
        devices = list(rs.context().query_devices())
        if not devices:
            raise NoCameraError(NO_CAMERA_MESSAGE)
        if self.serial is None:
            return devices[0]
        for dev in devices:
            if dev.get_info(rs.camera_info.serial_number) == self.serial:
                return dev
        found = ", ".join(d.get_info(rs.camera_info.serial_number) for d in devices)
        raise NoCameraError(f"RealSense camera {self.serial} is not connected (connected: {found}).")

    def _pick_fps(self, rs: Any, device: Any) -> int:
        """The offered rate nearest to the requested one for colour RGB8 + depth Z16 at the size."""
        rates: dict[Any, set[int]] = {rs.stream.color: set(), rs.stream.depth: set()}
        wanted = {rs.stream.color: rs.format.rgb8, rs.stream.depth: rs.format.z16}
        for sensor in device.query_sensors():
            for p in sensor.get_stream_profiles():
                kind = p.stream_type()
                if kind in wanted and p.format() == wanted[kind] and p.is_video_stream_profile():
                    v = p.as_video_stream_profile()
                    if (v.width(), v.height()) == (self.width, self.height):
                        rates[kind].add(int(p.fps()))
        common = rates[rs.stream.color] & rates[rs.stream.depth]
        if not common:
            raise SourceError(
                f"This camera cannot stream colour and depth at {self.width}x{self.height} together "
                f"(colour rates {sorted(rates[rs.stream.color])}, depth rates {sorted(rates[rs.stream.depth])}). "
                "Choose another size; 640x480 works on all D400 cameras.")
        fps = choose_fps(common, self.requested_fps)
        if fps != self.requested_fps:
            self.note = (f"The camera does not offer {self.requested_fps:g} fps at {self.width}x{self.height}; "
                         f"recording at {fps} fps instead.")
            log.warning(self.note)
        return fps

    def _still_connected(self) -> bool:
        rs = import_rs()
        serials = {d.get_info(rs.camera_info.serial_number) for d in rs.context().query_devices()}
        return self._active_serial in serials

    @staticmethod
    def _lost_message(detail: str) -> str:
        return ("The RealSense camera stopped sending frames (was the USB cable unplugged?). "
                f"Reconnect it to a USB 3 port and start the task again. ({detail})")
