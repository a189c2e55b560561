"""Landmark still images (one file or a folder) and write iBUG .pts files: ``predict-image``.

Images are read with OpenCV (PNG, JPEG, BMP, TIFF, ...). In folder mode one ``<stem>.pts``
is written per image into the output folder; images without a face are skipped and reported.

Several faces in one image: by default only the face chosen by
:func:`neuroface_studio.vision.face_choice.order_faces` (the largest; near-equal sizes, the most
central) is landmarked, and the result carries a warning naming how many faces were found;
``all_faces=True`` landmarks every face into ``<stem>_face1.pts``, ``<stem>_face2.pts``, ...
(face 1 = the default choice). Each image's entry in :attr:`ImageBatchResult.images` lists its
faces with their boxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from neuroface_studio.acquisition.image_folder import IMAGE_SUFFIXES, list_images  # every type cv2 reads
from neuroface_studio.app.jobs import CancelToken, ProgressFn, no_progress
from neuroface_studio.store.pts import write_pts
from neuroface_studio.vision.face_choice import order_faces, several_faces_warning
from neuroface_studio.vision.registry import open_predictor


@dataclass
class ImageBatchResult:
    model: dict
    written: list[str] = field(default_factory=list)  # .pts paths
    no_face: list[str] = field(default_factory=list)  # image paths
    unreadable: list[str] = field(default_factory=list)
    #: folder entries that are not images: {"file", "reason"} (never skipped silently)
    skipped: list[dict] = field(default_factory=list)
    #: per image with a face: {"image", "faces_found", "faces": [{"face", "box", "pts", "chosen"}], "warning"}
    images: list[dict] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return [entry["warning"] for entry in self.images if entry["warning"]]

    def to_dict(self) -> dict:
        return {"model": self.model, "written": self.written, "no_face": self.no_face, "unreadable": self.unreadable, "skipped": self.skipped,
                "images": self.images, "warnings": self.warnings}


def read_image_rgb(path: Path) -> np.ndarray:
    """``(H, W, 3) uint8`` RGB; ValueError when the file is not a readable image."""
    data = np.fromfile(str(path), np.uint8) if Path(path).is_file() else None
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data is not None and data.size else None
    if img is None:
        raise ValueError(f"{path} is not a readable image (PNG, JPEG, BMP, TIFF, ...)")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def image_files(folder: Path) -> list[Path]:
    """The images of ``folder`` in natural name order (acquisition/image_folder.py decides what is an image)."""
    return list_images(folder)[0]


def landmark_faces(predictor, image: np.ndarray, all_faces: bool = False) -> tuple[list[tuple], int]:
    """``([(box, points_px (68, 2))], faces found)``: the chosen face (or every face, the chosen one
    first), in :func:`~neuroface_studio.vision.face_choice.order_faces` order."""
    boxes = [tuple(float(v) for v in b) for b in predictor.detect(image)]
    boxes = [boxes[i] for i in order_faces(boxes, image.shape)]  # detectors order them so; made sure
    out = []
    for box in boxes if all_faces else boxes[:1]:
        pred = predictor.predict(image, box)
        if pred is not None:
            out.append((box, pred.points_px))
    return out, len(boxes)


def _write_faces(image_path: Path, dest: Path, faces: list[tuple], found: int, all_faces: bool) -> dict:
    entry = {"image": str(image_path), "faces_found": found, "faces": [],
             "warning": "" if all_faces else several_faces_warning(found, str(image_path))}
    for k, (box, points) in enumerate(faces):
        target = dest.with_name(f"{dest.stem}_face{k + 1}.pts") if all_faces else dest
        write_pts(target, points)
        entry["faces"].append({"face": k + 1, "box": [round(v, 2) for v in box], "pts": str(target),
                               "chosen": k == 0})
    return entry


def predict_images(source: Path, out: Path, model_name: str | None = None, store_dir: Path | None = None,
                   progress: ProgressFn = no_progress, cancel: CancelToken | None = None,
                   all_faces: bool = False) -> ImageBatchResult:
    """Landmark ``source`` (an image, or a folder of images) into ``out`` (a .pts file, or a folder).

    A single image without a face is an error (ValueError); in a folder it is skipped.
    ``all_faces``: every face, one ``<stem>_face<k>.pts`` each (see the module docstring).
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
        faces, found = landmark_faces(predictor, read_image_rgb(source), all_faces)
        if not faces:
            raise ValueError(f"no face found in {source}")
        entry = _write_faces(source, out, faces, found, all_faces)
        result.images.append(entry)
        result.written += [f["pts"] for f in entry["faces"]]
        return result
    files, skipped = list_images(source)
    result.skipped = [{"file": str(source / name), "reason": reason} for name, reason in skipped]
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
        faces, found = landmark_faces(predictor, image, all_faces)
        if not faces:
            result.no_face.append(str(path))
        else:
            entry = _write_faces(path, out / f"{path.stem}.pts", faces, found, all_faces)
            result.images.append(entry)
            result.written += [f["pts"] for f in entry["faces"]]
        progress(k + 1, len(files), path.name)
    return result


def faces_to_pick(session, recording_id: str, model_name: str | None = None,
                  detector=None) -> tuple[int, np.ndarray, list] | None:
    """Before landmarking ``recording_id`` from scratch: ``(frame, image (H, W, 3), boxes)`` of the
    first frame when it holds several faces (boxes in :func:`~neuroface_studio.vision.face_choice.order_faces`
    order), so the user can pick one; None when there is nothing to pick (one face or none, or a
    track of the model is already under way: it resumes following its face). ``detector``:
    anything with ``detect(image)`` (default: dlib's HOG detector, the one every model uses)."""
    from neuroface_studio.app.landmarking import read_track, tracks_of
    from neuroface_studio.vision.registry import active_model
    name = model_name or active_model()
    if name in tracks_of(session, recording_id) and read_track(session, recording_id, name).frames_done > 0:
        return None
    if detector is None:
        from neuroface_studio.vision.dlib68 import Dlib68
        detector = Dlib68()
    with session.open_recording(recording_id) as reader:
        if reader.n_frames == 0:
            return None
        image = reader.color(0)
    boxes = [tuple(float(v) for v in b) for b in detector.detect(image)]
    boxes = [boxes[i] for i in order_faces(boxes, image.shape)]
    return (0, image, boxes) if len(boxes) > 1 else None
