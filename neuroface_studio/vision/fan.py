"""FAN landmark model (face-alignment's 2D-FAN): safe weight loading and a float-geometry predictor.

* :func:`build_fan` builds a FAN of the family in :mod:`.fan_arch` (stacks, width, input size;
  face-alignment's layout and state-dict names, official 4 x 256 @ 256 by default).
* :func:`load_fan_state` reads a weights file with ``torch.load(weights_only=True)`` (a model
  file is untrusted input: no pickled code is ever run) and checks that every key and shape
  is that of a FAN of the size the weights imply (:func:`fan_spec`: stacks and width from the
  shapes, input size from the optional ``input_size`` entry) with 68 heatmaps; anything else is a
  :class:`~neuroface_studio.vision.errors.NotAModelError`. :func:`fan_from_state` builds the
  matching network (float16 weights upcast to float32).
* :class:`FanPredictor` implements :class:`~neuroface_studio.vision.predictor.LandmarkPredictor`
  with face-alignment's crop geometry computed in float (:mod:`.fan_geometry`), an optional
  flip test-time augmentation, a torch (CPU/CUDA) or ONNX Runtime (CPU) backend and batches.

torch and face_alignment are imported lazily (inside functions), so importing this module
costs nothing and ``neuroface-studio --help`` never loads torch.

The official 2DFAN-4 file of face-alignment 1.5.0 (``2DFAN4-11f355bf06.pth.tar``) is a plain
state dict of ``FAN(4)`` (face-alignment itself loads it with ``weights_only=True``). Older
face-alignment releases (< 1.4) shipped TorchScript archives (``2DFAN4-cd938726ad.zip``);
those are refused: loading TorchScript runs the code stored in the archive.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from neuroface_studio.vision import fan_geometry as geo
from neuroface_studio.vision.errors import NotAModelError
from neuroface_studio.vision.predictor import Box, ModelInfo, Prediction

log = logging.getLogger(__name__)

N_HEATMAPS = 68
EXPECTED = ("expected the 2D-FAN weights of the face-alignment project (2DFAN4-11f355bf06.pth.tar: "
            "a state dict of FAN(4) with 68 heatmaps) or a FAN trained or fine-tuned by NeuroFace Studio")
_OPTIONAL_SUFFIX = ".num_batches_tracked"  # BatchNorm counters: absent from old checkpoints
_shape_cache: dict[tuple, dict[str, tuple[int, ...]]] = {}


def build_fan(num_modules: int = 4, width: int = 256, input_size: int = 256):
    """An untrained FAN (torch ``nn.Module``, eval mode) of ``num_modules`` stacks, ``width`` channels
    and ``input_size`` px input (heatmaps ``input_size / 4``): :class:`.fan_arch.FAN`, face-alignment's
    layout and state-dict names (the defaults are the official 2D-FAN-4 architecture)."""
    from neuroface_studio.vision.fan_arch import FAN

    return FAN(int(num_modules), int(width), int(input_size)).eval()


def fan_spec(state):
    """:class:`.fan_arch.FanSpec` (stacks, width, input size) of a *validated* FAN state dict."""
    from neuroface_studio.vision.fan_arch import FanSpec

    return FanSpec.from_state(state)


def fan_from_state(state: Mapping):
    """A FAN built to the size of the state dict ``state`` (validated here) with its weights loaded, eval mode.

    Float16 weights (the shipped demo model) are upcast to float32 for CPU inference."""
    state, _ = validate_fan_state(state)
    spec = fan_spec(state)
    net = build_fan(spec.num_modules, spec.width, spec.input_size)
    net.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}, strict=False)
    return net


def expected_shapes(num_modules: int, width: int = 256, input_size: int = 256) -> dict[str, tuple[int, ...]]:
    """Every state-dict key of ``FAN(num_modules, width, input_size)`` and its shape (built on the meta device)."""
    key = (int(num_modules), int(width), int(input_size))
    if key not in _shape_cache:
        import torch
        from neuroface_studio.vision.fan_arch import FAN

        with torch.device("meta"):
            net = FAN(*key)
        _shape_cache[key] = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    return _shape_cache[key]


def _not_a_model(source, why: str) -> NotAModelError:
    return NotAModelError(f"{source} is not a FAN landmark model: {why}; {EXPECTED}")


def validate_fan_state(obj, source="the weights") -> tuple[dict, int]:
    """Check ``obj`` is a FAN state dict; return ``(state_dict, num_modules)`` or raise NotAModelError.

    Accepts a plain state dict, ``{"state_dict": {...}}`` and ``module.``-prefixed keys
    (DataParallel); returns a plain dict of CPU tensors.
    """
    import torch

    if isinstance(obj, Mapping) and "state_dict" in obj and isinstance(obj["state_dict"], Mapping):
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping):
        raise _not_a_model(source, f"it holds a {type(obj).__name__}, not a dictionary of weights")
    state = {}
    for key, value in obj.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise _not_a_model(source, f"entry {key!r} is not a named tensor")
        state[key[len("module."):] if key.startswith("module.") else key] = value
    from neuroface_studio.vision.fan_arch import INPUT_SIZE_KEY, FanSpec

    try:
        spec = FanSpec.from_state(state)
    except KeyError as exc:
        raise _not_a_model(source, f"{exc.args[0]} among its {len(state)} entries") from None
    try:
        spec.check()
    except ValueError as exc:
        raise _not_a_model(source, str(exc)) from None
    num_modules = spec.num_modules
    if spec.input_size == 256:
        state.pop(INPUT_SIZE_KEY, None)  # the official size needs no entry
    shapes = expected_shapes(num_modules, spec.width, spec.input_size)
    missing = [k for k in shapes if k not in state and not k.endswith(_OPTIONAL_SUFFIX)]
    unexpected = [k for k in state if k not in shapes]
    if missing or unexpected:
        parts = ([f"{len(missing)} missing weights (e.g. {missing[0]})"] if missing else []) + (
            [f"{len(unexpected)} unexpected weights (e.g. {unexpected[0]})"] if unexpected else [])
        raise _not_a_model(source, " and ".join(parts))
    for key, value in state.items():
        if tuple(value.shape) != shapes[key]:
            what = (f"it predicts {value.shape[0]} heatmaps, not {N_HEATMAPS}"
                    if re.fullmatch(r"l\d+\.weight", key) and value.ndim == 4 else
                    f"weight {key} has shape {tuple(value.shape)}, expected {shapes[key]}")
            raise _not_a_model(source, what)
        if key.endswith(_OPTIONAL_SUFFIX) or key == INPUT_SIZE_KEY:
            continue
        if not value.is_floating_point():
            raise _not_a_model(source, f"weight {key} is {value.dtype}, not floating point")
        if not bool(torch.isfinite(value).all()):
            raise _not_a_model(source, f"weight {key} holds NaN or infinite values")
    return state, num_modules


def _is_torchscript_archive(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    return any(n.endswith("/constants.pkl") or "/code/" in n for n in names)


def load_fan_state(path: str | Path) -> tuple[dict, int]:
    """Read and validate FAN weights: ``(state_dict {name: CPU tensor}, num_modules)``.

    Never runs code from the file: ``torch.load(..., weights_only=True)`` refuses pickled
    objects other than tensors and containers, and TorchScript archives are refused before
    torch sees them. Raises FileNotFoundError when ``path`` does not exist, NotAModelError
    for anything that is not FAN weights (text, other tensors, wrong shapes, truncated files,
    malicious pickles).
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file {path} does not exist")
    if _is_torchscript_archive(path):
        raise _not_a_model(path, "it is a TorchScript archive (face-alignment < 1.4 format), which is "
                                 "not loaded because loading TorchScript runs code stored in the file")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure to unpickle means "not a model"
        raise _not_a_model(path, _unreadable_reason(exc)) from exc
    return validate_fan_state(obj, path)


def _unreadable_reason(exc: BaseException) -> str:
    """Why torch.load refused the file, in our words. PyTorch's own text for a refused pickle
    advises re-running with ``weights_only=False``, which would run whatever code the file
    carries: that advice is never passed on."""
    text = str(exc).strip()
    if "weights_only" in text or "Weights only load failed" in text or "WeightsUnpickler" in text:
        detail = next((line.split("WeightsUnpickler error:", 1)[1].strip() for line in text.splitlines()
                       if "WeightsUnpickler error:" in line and line.split("WeightsUnpickler error:", 1)[1].strip()),
                      "")
        if not detail:  # the reason may stand on the lines after the label
            lines = text.splitlines()
            k = next((i for i, line in enumerate(lines) if "WeightsUnpickler error:" in line), None)
            detail = next((x.strip() for x in lines[k + 1:] if x.strip()), "") if k is not None else ""
        return ("it is not a plain set of weights: PyTorch's safe loader refused it"
                + (f" ({detail[:120]})" if detail else "")
                + ". Files holding pickled Python objects are refused because loading them could run code "
                "stored in the file; ask whoever made it for a plain state dict (torch.save(model.state_dict(), path))")
    first = text.splitlines()[0][:200] if text else ""
    return f"it cannot be read as a PyTorch weights file ({type(exc).__name__}: {first})"


def _last_heatmaps(net):
    """Wrap a FAN so ``forward`` returns only its last stack's heatmaps ``(B, 68, H/4, W/4)``."""
    import torch

    class LastStack(torch.nn.Module):
        def __init__(self, fan):
            super().__init__()
            self.fan = fan
            self.spec = fan.spec

        def forward(self, x):
            return self.fan(x)[-1]

    return LastStack(net).eval()


class FanPredictor:
    """68-point landmarks from a FAN, face-alignment's geometry in float.

    ``path_or_state``: a weights file, a state dict or a FAN ``nn.Module``; ``info``: the
    provenance stored with every prediction. ``device``: "auto" (CUDA when available), "cpu",
    "cuda", ...; ``backend``: "torch", "onnx" (ONNX Runtime on CPU, exported once to a cache
    file next to the weights or in ``onnx_cache_dir``) or "auto" (torch on CUDA when the device
    is CUDA, else ONNX Runtime when it is installed and the export works, else torch on CPU:
    ONNX Runtime is ~1.4x faster than torch on this CPU); ``flip_tta``: also run the mirrored crop
    and average the heatmaps (2x the time); ``detector``: anything with ``detect(image_rgb)``
    (default: dlib's HOG detector via :class:`~neuroface_studio.vision.dlib68.Dlib68`, built on
    first use); ``decode``: "subpixel" or "quarter" (see :func:`.fan_geometry.decode_heatmaps`);
    ``num_threads``: sets torch's (process-wide) intra-op thread count, or ONNX Runtime's
    session thread count, when given (default: one thread per physical core); ``precision``:
    "fp32" (default) or "int8" (opt-in, CPU only: ONNX Runtime on the statically quantised
    network of :mod:`.fan_int8`, calibrated once on simulated faces and cached beside the fp32
    ONNX file; 2-2.5x the fp32 speed on FAN(4), lossy: see ``bench fan``). Not thread-safe: one instance per worker.
    """

    def __init__(self, path_or_state, info: ModelInfo, device: str = "auto", flip_tta: bool = False,
                 detector=None, backend: str = "torch", decode: str = "subpixel",
                 num_threads: int | None = None, onnx_cache_dir: str | Path | None = None,
                 precision: str = "fp32") -> None:
        import torch

        if backend not in ("torch", "onnx", "auto"):
            raise ValueError(f"unknown backend {backend!r} (torch, onnx or auto)")
        if precision not in ("fp32", "int8"):
            raise ValueError(f"unknown precision {precision!r} (fp32 or int8)")
        if precision == "int8" and (backend == "torch" or (device not in ("auto", "cpu"))):
            raise ValueError("int8 runs only on ONNX Runtime on the CPU: use backend 'onnx' or 'auto' and "
                             "device 'cpu' or 'auto'")
        self.precision = precision
        self.info = info
        self.flip_tta = bool(flip_tta)
        self.decode = decode
        self._detector = detector
        if num_threads:
            torch.set_num_threads(int(num_threads))
        weights_path = None
        if isinstance(path_or_state, (str, Path)):
            weights_path = Path(path_or_state)
            state, self.num_modules = load_fan_state(weights_path)
        elif isinstance(path_or_state, torch.nn.Module):
            state, self.num_modules = validate_fan_state(path_or_state.state_dict(), "the given network")
        else:
            state, self.num_modules = validate_fan_state(path_or_state)
        net = fan_from_state(state)
        self.spec = net.spec  #: stacks, width, input size (crop px); heatmaps are spec.heatmap_size px
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        auto = backend == "auto" and precision == "fp32"  # int8 never falls back to another path
        if backend == "auto":
            backend = "torch" if torch.device(device).type != "cpu" and precision == "fp32" else "onnx"
        self.device = torch.device(device if backend == "torch" else "cpu")
        self._net = _last_heatmaps(net).to(self.device)
        self.backend = backend
        self._onnx = None
        if backend == "onnx":
            from neuroface_studio.vision.errors import ModelUnavailableError
            from neuroface_studio.vision.fan_onnx import onnx_export, onnx_session

            try:
                if precision == "int8":  # quantised from the fp32 export; no fp32 session is built
                    self._onnx = _int8_session(onnx_export(self._net, info.sha256, weights_path, onnx_cache_dir),
                                               self.spec.input_size, num_threads)
                else:
                    self._onnx = onnx_session(self._net, info.sha256, weights_path, onnx_cache_dir, num_threads)
            except (ModelUnavailableError, OSError, RuntimeError, ValueError) as exc:
                if not auto:
                    raise
                log.warning("ONNX Runtime unavailable for %s (%s); using torch on the CPU", info.name, exc)
                self.backend = "torch"

    # ----------------------------------------------------------------- network
    def forward(self, inputs: np.ndarray) -> np.ndarray:
        """``inputs (B, 3, S, S) float32`` in [0, 1] (S = ``spec.input_size``) -> last-stack heatmaps
        ``(B, 68, S/4, S/4)`` float32."""
        inputs = np.ascontiguousarray(inputs, dtype=np.float32)
        if self._onnx is not None:
            return self._onnx.run(None, {"image": inputs})[0]
        import torch

        with torch.inference_mode():
            out = self._net(torch.from_numpy(inputs).to(self.device))
        return out.float().cpu().numpy()

    def heatmaps(self, inputs: np.ndarray) -> np.ndarray:
        """Like :meth:`forward`, averaged with the mirrored input's heatmaps when ``flip_tta``."""
        hm = self.forward(inputs)
        if self.flip_tta:
            hm_flip = self.forward(np.ascontiguousarray(inputs[..., ::-1]))
            hm = 0.5 * (hm + geo.unflip_heatmaps(hm_flip))
        return hm

    # --------------------------------------------------------------- predictor
    def detect(self, image_rgb: np.ndarray) -> list[Box]:
        """Face boxes (x0, y0, x1, y1) px, largest first (dlib HOG unless a detector was given)."""
        if self._detector is None:
            from neuroface_studio.vision.dlib68 import Dlib68

            self._detector = Dlib68()
        return [tuple(float(v) for v in b) for b in self._detector.detect(image_rgb)]

    def predict(self, image_rgb: np.ndarray, box: Box | None = None) -> Prediction | None:
        """68 landmarks for the face in ``box`` (the largest detected face when None)."""
        if box is None:
            boxes = self.detect(image_rgb)
            if not boxes:
                return None
            box = boxes[0]
        return self.predict_batch([image_rgb], [box])[0]

    def predict_batch(self, images: Sequence[np.ndarray], boxes: Sequence[Box],
                      batch_size: int | None = None) -> list[Prediction]:
        """One prediction per ``(images[i] (H, W, 3) uint8 RGB, boxes[i])``.

        Runs ``batch_size`` crops per forward pass (default 1 on CPU, where batching does not
        help, 16 on CUDA).
        """
        if len(images) != len(boxes):
            raise ValueError(f"{len(images)} images but {len(boxes)} boxes")
        if batch_size is None:
            batch_size = 16 if self.device.type == "cuda" else 1
        out: list[Prediction] = []
        for start in range(0, len(images), batch_size):
            chunk = list(zip(images[start:start + batch_size], boxes[start:start + batch_size]))
            crops, to_image = zip(*(geo.crop_face(_rgb(img), box, self.spec.input_size) for img, box in chunk))
            hm = self.heatmaps(geo.to_network_input(np.stack(crops)))
            points_hm, scores = geo.decode_heatmaps(hm, self.decode)
            for i, (_, box) in enumerate(chunk):
                out.append(Prediction(geo.heatmap_points_to_image(points_hm[i], to_image[i]),
                                      np.clip(scores[i], 0.0, 1.0).astype(np.float32),
                                      tuple(float(v) for v in box)))
        return out


def _int8_session(fp32: Path, input_size: int, num_threads):
    """The int8 ONNX Runtime session beside the fp32 export ``fp32`` (quantised on first use, ~10-30 s)."""
    from neuroface_studio.vision.fan_bench import calibration_crops
    from neuroface_studio.vision.fan_int8 import int8_path, int8_session

    crops = None if int8_path(fp32).is_file() else calibration_crops(input_size)
    return int8_session(fp32, crops, num_threads)


def _rgb(image: np.ndarray) -> np.ndarray:
    img = np.asarray(image)
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {img.dtype} {img.shape}")
    return img
