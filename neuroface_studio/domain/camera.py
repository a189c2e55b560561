"""Camera geometry: pinhole intrinsics and rigid extrinsics (RealSense conventions)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics in pixels (principal point ``cx, cy``, focal lengths ``fx, fy``)."""

    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    model: str = "brown_conrady"
    coeffs: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0)

    def project(self, points_mm: np.ndarray) -> np.ndarray:
        """Project camera-frame points ``(..., 3)`` (mm, z forward) to pixels ``(..., 2)``.

        Distortion coefficients are ignored (RealSense color streams are rectified).
        """
        p = np.asarray(points_mm, dtype=np.float64)
        z = p[..., 2]
        return np.stack([self.fx * p[..., 0] / z + self.cx, self.fy * p[..., 1] / z + self.cy], axis=-1)

    def deproject(self, points_px: np.ndarray, depth_mm: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`project`: pixels ``(..., 2)`` + depth ``(...)`` mm -> ``(..., 3)`` mm."""
        px = np.asarray(points_px, dtype=np.float64)
        z = np.asarray(depth_mm, dtype=np.float64)
        x = (px[..., 0] - self.cx) / self.fx * z
        y = (px[..., 1] - self.cy) / self.fy * z
        return np.stack([x, y, z], axis=-1)


@dataclass(frozen=True)
class Extrinsics:
    """Rigid transform from one sensor's frame to another's: ``p_to = R @ p_from + t``."""

    rotation: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)  # row-major 3x3
    translation_m: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def matrix(self) -> np.ndarray:
        """4x4 homogeneous matrix (translation in metres)."""
        m = np.eye(4)
        m[:3, :3] = np.asarray(self.rotation, dtype=np.float64).reshape(3, 3)
        m[:3, 3] = self.translation_m
        return m


@dataclass(frozen=True)
class CameraInfo:
    """Everything about the sensor that analysis needs later."""

    color: Intrinsics
    depth: Intrinsics
    depth_to_color: Extrinsics = field(default_factory=Extrinsics)
    depth_scale_m: float = 0.001  # metres per depth unit (Z16)
    depth_aligned_to_color: bool = True  # depth frames already resampled into the color frame
    device: str = "unknown"  # model / serial / firmware, or "simulated"
