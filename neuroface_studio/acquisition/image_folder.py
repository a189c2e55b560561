"""A folder of images: which files are images, and the folder as a frame source (an image sequence).

:func:`list_images` is the one place that decides which files of a folder are images: every
type OpenCV's ``imread`` decodes (PNG, JPEG, BMP, TIFF, WebP, the Netpbm family .ppm/.pgm/.pbm/
.pnm, Sun raster, JPEG 2000, OpenEXR, Radiance HDR). Everything else is listed as skipped with
the reason, never dropped silently. ``predict-image`` (app/image_landmarks.py) and
``import PROJECT FOLDER`` use it.

:class:`ImageFolderSource` plays the images as a colour-only recording (frames exported from a
video, a time-lapse): natural order of the file names (``frame_2`` before ``frame_10``), timestamps
= position in that order / ``fps`` (images carry no clock), depth zeros, guessed intrinsics as
for a video. An image that cannot be decoded or whose size differs from the first one is skipped
and listed in :attr:`ImageFolderSource.skipped` with the reason; its time slot stays empty.
"""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np

from neuroface_studio.acquisition.source import Frame, SourceError
from neuroface_studio.acquisition.video_file import VIDEO_DEVICE, guessed_intrinsics
from neuroface_studio.domain.camera import CameraInfo

#: file types cv2.imread decodes (the opencv-python wheels are built with all of these)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".dib", ".tif", ".tiff", ".webp", ".ppm", ".pgm",
                  ".pbm", ".pnm", ".pxm", ".pfm", ".sr", ".ras", ".jp2", ".exr", ".hdr", ".pic")
DEFAULT_FPS = 30.0


def natural_key(path: Path) -> list:
    """Sort key: digit runs compare as numbers (``frame_2`` < ``frame_10``)."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def list_images(folder: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """(image files in natural order, [(file name, why it is not taken)] for every other entry).

    Hidden files (``.DS_Store``, ...) and sub-folders are listed as skipped too, with their reason.
    """
    images, skipped = [], []
    for p in sorted(Path(folder).iterdir(), key=natural_key):
        if p.is_dir():
            skipped.append((p.name, "a folder (folders are not searched)"))
        elif p.suffix.lower() in IMAGE_SUFFIXES:
            images.append(p)
        else:
            kind = f"'{p.suffix}'" if p.suffix else "no file extension"
            skipped.append((p.name, f"not an image type OpenCV reads ({kind}; images: "
                                    f"{', '.join(IMAGE_SUFFIXES[:10])}, ...)"))
    return images, skipped


def read_image_bgr(path: Path) -> np.ndarray | None:
    """``(H, W, 3) uint8`` BGR, or None when the file cannot be decoded (also non-ASCII paths)."""
    data = np.fromfile(str(path), np.uint8) if Path(path).is_file() else None
    return cv2.imdecode(data, cv2.IMREAD_COLOR) if data is not None and data.size else None  # 8-bit BGR


class ImageFolderSource:
    """The images of a folder as frames, in natural name order; ``read`` returns None at the end."""

    is_live = False

    def __init__(self, folder: str | Path, fps: float | None = None) -> None:
        self.path = Path(folder)
        self._fps = float(fps) if fps else DEFAULT_FPS
        if not 0 < self._fps <= 1000:
            raise SourceError(f"--fps {fps}: give the rate the images were taken at (0-1000 per second)")
        self._files: list[Path] = []
        self._pos = 0
        self._shape: tuple[int, int] | None = None
        self._camera: CameraInfo | None = None
        self.skipped: list[tuple[str, str]] = []  # (file name, reason), not-image files and bad images
        self.frames_missing = 0  # images skipped inside the sequence (their time slots are empty)

    @property
    def camera(self) -> CameraInfo:
        if self._camera is None:
            raise SourceError("Open the image folder before asking for its camera.")
        return self._camera

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def timestamp_source(self) -> str:
        return f"image order / {self._fps:g} fps (images carry no clock)"

    def open(self) -> None:
        if self._camera is not None and self._pos == 0:
            return
        if not self.path.is_dir():
            raise SourceError(f"{self.path} is not a folder")
        self._files, self.skipped = list_images(self.path)
        if not self._files:
            raise SourceError(f"{self.path.name} holds no images ({', '.join(IMAGE_SUFFIXES)})"
                              + (f"; skipped: {', '.join(n for n, _ in self.skipped[:5])}" if self.skipped else ""))
        for p in self._files:  # the first decodable image sets the size
            bgr = read_image_bgr(p)
            if bgr is not None:
                self._shape = bgr.shape[:2]
                break
        if self._shape is None:
            raise SourceError(f"none of the {len(self._files)} images in {self.path.name} could be decoded")
        h, w = self._shape
        intr = guessed_intrinsics(w, h)
        self._camera = CameraInfo(color=intr, depth=intr, depth_aligned_to_color=True,
                                  device=f"{VIDEO_DEVICE.replace('video file', 'image sequence')}")
        self._pos = 0
        self.frames_missing = 0

    def read(self, timeout_s: float = 1.0) -> Frame | None:
        if self._camera is None:
            raise SourceError("Open the image folder before reading frames.")
        while self._pos < len(self._files):
            k, path = self._pos, self._files[self._pos]
            self._pos += 1
            bgr = read_image_bgr(path)
            if bgr is None:
                self._skip(path, "OpenCV could not decode it (damaged or not really an image)")
                continue
            if bgr.shape[:2] != self._shape:
                h, w = self._shape
                self._skip(path, f"its size {bgr.shape[1]}x{bgr.shape[0]} differs from the sequence's {w}x{h}")
                continue
            color = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            return Frame(index=k, timestamp_s=k / self._fps, color=color, depth=np.zeros(color.shape[:2], np.uint16))
        return None

    def _skip(self, path: Path, reason: str) -> None:
        self.skipped.append((path.name, reason))
        self.frames_missing += 1

    def close(self) -> None:
        """Nothing to release (each image is read and closed); the camera stays known."""

    def __enter__(self) -> "ImageFolderSource":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
