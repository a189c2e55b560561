"""Landmark still images (one file or a folder) and write iBUG .pts files: ``predict-image``.

Images are read with OpenCV (PNG, JPEG, BMP, TIFF, ...). In folder mode one ``<stem>.pts``
is written per image into the output folder; images without a face are skipped and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from neuroface_studio.app.jobs import CancelToken, ProgressFn, no_progress
from neuroface_studio.store.pts import write_pts
from neuroface_studio.vision.registry import open_predictor

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


@dataclass
class ImageBatchResult:
    model: dict
    written: list[str] = field(default_factory=list)  # .pts paths
    no_face: list[str] = field(default_factory=list)  # image paths
    unreadable: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"model": self.model, "written": self.written, "no_face": self.no_face, "unreadable": self.unreadable}


def read_image_rgb(path: Path) -> np.ndarray:
    """``(H, W, 3) uint8`` RGB; ValueError when the file is not a readable image."""
    data = np.fromfile(str(path), np.uint8) if Path(path).is_file() else None
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data is not None and data.size else None
    if img is None:
        raise ValueError(f"{path} is not a readable image (PNG, JPEG, BMP, TIFF, ...)")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def image_files(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def predict_images(source: Path, out: Path, model_name: str | None = None, store_dir: Path | None = None,
                   progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> ImageBatchResult:
    """Landmark ``source`` (an image, or a folder of images) into ``out`` (a .pts file, or a folder).

    A single image without a face is an error (ValueError); in a folder it is skipped.
    """
    source, out = Path(source), Path(out)
    if not source.exists():
        raise ValueError(f"{source} does not exist")
    predictor = open_predictor(model_name, store_dir)
    info = predictor.info
    result = ImageBatchResult({"name": info.name, "version": info.version, "sha256": info.sha256})
    if source.is_file():
        if out.suffix.lower() != ".pts":
            raise ValueError(f"--out {out}: give a .pts file name for a single image")
        pred = predictor.predict(read_image_rgb(source))
        if pred is None:
            raise ValueError(f"no face found in {source}")
        write_pts(out, pred.points_px)
        result.written.append(str(out))
        return result
    files = image_files(source)
    if not files:
        raise ValueError(f"{source} holds no images ({', '.join(IMAGE_SUFFIXES)})")
    if out.suffix.lower() == ".pts":
        raise ValueError(f"--out {out}: give a folder for a folder of images")
    out.mkdir(parents=True, exist_ok=True)
    for k, path in enumerate(files):
        if cancel is not None:
            cancel.raise_if_cancelled()
        try:
            image = read_image_rgb(path)
        except ValueError:
            result.unreadable.append(str(path))
            continue
        pred = predictor.predict(image)
        if pred is None:
            result.no_face.append(str(path))
        else:
            dest = out / f"{path.stem}.pts"
            write_pts(dest, pred.points_px)
            result.written.append(str(dest))
        progress(k + 1, len(files), path.name)
    return result
