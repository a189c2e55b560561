"""Helpers shared by the RealSense sources (live camera and .bag/.db3 playback).

pyrealsense2 is imported lazily, only through :func:`import_rs`, so the package imports (and
``neuroface-studio --help`` starts) on machines without it. The converters turn librealsense
objects into the domain's :class:`~neuroface_studio.domain.camera.CameraInfo` pieces and
frames into numpy arrays that own their memory (librealsense recycles frame buffers).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import cv2
import numpy as np

from neuroface_studio.acquisition.source import SourceError
from neuroface_studio.domain.camera import Extrinsics, Intrinsics

#: Metres per depth unit when a device or file does not say (D400 default).
DEFAULT_DEPTH_SCALE_M = 0.001


def import_rs(error: type[SourceError] = SourceError) -> Any:
    """Import pyrealsense2 or raise ``error`` with what to install."""
    try:
        import pyrealsense2 as rs
    except (ImportError, OSError) as exc:  # OSError: libusb missing on Linux
        raise error(
            "The Intel RealSense library (pyrealsense2) is not available on this computer "
            f"({exc}). Install it with 'pip install pyrealsense2' (64-bit Windows or Linux; on "
            "Linux also 'apt-get install libusb-1.0-0').") from exc
    return rs


def intrinsics_from_rs(intr: Any) -> Intrinsics:
    """``rs.intrinsics`` -> :class:`Intrinsics` (pixels; distortion model name kept)."""
    model = str(intr.model).split(".")[-1]
    return Intrinsics(int(intr.width), int(intr.height), float(intr.fx), float(intr.fy),
                      float(intr.ppx), float(intr.ppy), model=model,
                      coeffs=tuple(float(c) for c in intr.coeffs))


def extrinsics_from_rs(extr: Any) -> Extrinsics:
    """``rs.extrinsics`` (column-major 3x3 rotation, metres) -> :class:`Extrinsics` (row-major).

    librealsense stores the rotation column-major; the domain stores it row-major.
    """
    rot = np.asarray(extr.rotation, dtype=np.float64).reshape(3, 3).T
    if not np.any(rot):  # a file that never registered extrinsics reports all zeros
        rot = np.eye(3)
    return Extrinsics(rotation=tuple(float(v) for v in rot.ravel()),
                      translation_m=tuple(float(v) for v in extr.translation))


def is_identity_geometry(color: Intrinsics, depth: Intrinsics, depth_to_color: Extrinsics,
                         tol_px: float = 1e-3, tol_m: float = 1e-6) -> bool:
    """True when depth pixels already coincide with colour pixels (alignment is a no-op)."""
    same_size = (color.width, color.height) == (depth.width, depth.height)
    same_lens = np.allclose([color.fx, color.fy, color.cx, color.cy],
                            [depth.fx, depth.fy, depth.cx, depth.cy], atol=tol_px)
    m = depth_to_color.matrix()
    return bool(same_size and same_lens and np.allclose(m[:3, :3], np.eye(3), atol=1e-6)
                and np.allclose(m[:3, 3], 0.0, atol=tol_m))


def choose_fps(available: Iterable[int], requested: float) -> int:
    """The offered frame rate nearest to ``requested`` (ties go to the higher rate).

    >>> choose_fps([6, 15, 30, 60], 50)
    60
    """
    rates = sorted({int(r) for r in available})
    if not rates:
        raise ValueError("no frame rates to choose from")
    return min(rates, key=lambda r: (abs(r - requested), -r))


def device_description(device: Any, fallback: str = "Intel RealSense") -> str:
    """'<name> serial <sn> firmware <fw>' from whatever the device (or file) reports."""
    rs = import_rs()
    parts = []
    for key, label in ((rs.camera_info.name, ""), (rs.camera_info.serial_number, "serial "),
                       (rs.camera_info.firmware_version, "firmware ")):
        try:
            if device.supports(key):
                parts.append(label + device.get_info(key))
        except RuntimeError:
            pass
    return " ".join(parts) or fallback


def depth_scale_m(device: Any) -> float:
    """Metres per depth unit of the device's depth sensor (0.001 when it does not say)."""
    try:
        scale = float(device.first_depth_sensor().get_depth_scale())
    except RuntimeError:
        return DEFAULT_DEPTH_SCALE_M
    return scale if scale > 0 else DEFAULT_DEPTH_SCALE_M


def color_to_rgb(frame: Any) -> np.ndarray:
    """A colour ``rs.video_frame`` -> (H, W, 3) uint8 RGB array that owns its memory.

    Handles the formats RealSense Viewer records: RGB8, BGR8, RGBA8, BGRA8, YUYV.
    """
    rs = import_rs()
    fmt = frame.get_profile().format()
    data = np.asanyarray(frame.get_data())
    if fmt == rs.format.rgb8:
        return np.array(data, dtype=np.uint8, copy=True)
    conversions = {rs.format.bgr8: cv2.COLOR_BGR2RGB, rs.format.rgba8: cv2.COLOR_RGBA2RGB,
                   rs.format.bgra8: cv2.COLOR_BGRA2RGB, rs.format.yuyv: cv2.COLOR_YUV2RGB_YUYV}
    if fmt not in conversions:
        raise SourceError(f"Colour format {fmt} is not supported; record colour as RGB8, BGR8 or YUYV.")
    if fmt == rs.format.yuyv:
        data = data.reshape(frame.get_height(), frame.get_width(), 2)
    return cv2.cvtColor(data, conversions[fmt])  # cvtColor allocates a new array


def depth_to_array(frame: Any) -> np.ndarray:
    """A Z16 ``rs.depth_frame`` -> (H, W) uint16 array (depth units) that owns its memory."""
    return np.array(np.asanyarray(frame.get_data()), dtype=np.uint16, copy=True)
