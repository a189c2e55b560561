"""Optional ONNX Runtime backend for FAN on CPU (~30% faster than torch eager here).

The network is exported once with torch's legacy (TorchScript-based) exporter to a cache file
keyed by the weights' sha256 and reused afterwards. Needs the ``onnx`` package (export) and
``onnxruntime`` (inference); without them :func:`onnx_session` raises ModelUnavailableError.
Input ``image (B, 3, S, S) float32``, output ``heatmaps (B, 68, S/4, S/4) float32``, S the FAN's
input size (``net.spec.input_size``: 256 for the official FAN, 128 for the demo FAN).
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

from neuroface_studio.vision.errors import ModelUnavailableError

OPSET = 17
INSTALL_HINT = "install it with: pip install onnx onnxruntime"


def onnx_cache_path(sha256: str, weights_path: Path | None, cache_dir: str | Path | None) -> Path:
    """``<weights dir or cache_dir>/<weights stem>.<sha256[:16]>.onnx``."""
    if not sha256 or len(sha256) < 16:
        raise ValueError("the ONNX cache needs the weights' sha256 (ModelInfo.sha256)")
    if cache_dir is not None:
        folder, stem = Path(cache_dir), (weights_path.name if weights_path else "fan")
    elif weights_path is not None:
        folder, stem = weights_path.parent, weights_path.name
    else:
        raise ValueError("weights given in memory: pass onnx_cache_dir for the ONNX cache file")
    return folder / f"{stem}.{sha256[:16]}.onnx"


def export_onnx(net, dest: Path) -> Path:
    """Export ``net`` (input (B, 3, S, S) -> heatmaps; S = ``net.spec.input_size``, 256 when the
    network has no ``spec``) to ``dest`` atomically (temp + rename)."""
    import torch

    size = int(getattr(getattr(net, "spec", None), "input_size", 256))
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=dest.name + ".", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    try:
        net = net.to("cpu").eval()
        with warnings.catch_warnings():  # the legacy exporter is deprecated; it is used on purpose
            warnings.simplefilter("ignore")
            torch.onnx.export(net, torch.zeros(1, 3, size, size), tmp, dynamo=False, opset_version=OPSET,
                              input_names=["image"], output_names=["heatmaps"],
                              dynamic_axes={"image": {0: "batch"}, "heatmaps": {0: "batch"}})
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest


def onnx_export(net, sha256: str, weights_path: Path | None = None, cache_dir: str | Path | None = None) -> Path:
    """The fp32 ONNX file of ``net`` in the cache, exported first if it is not there yet."""
    path = onnx_cache_path(sha256, weights_path, cache_dir)
    if not path.is_file():
        try:
            import onnx  # noqa: F401  (torch's exporter needs it)
        except ImportError as exc:
            raise ModelUnavailableError(f"exporting FAN to ONNX needs onnx ({exc}); {INSTALL_HINT}") from exc
        export_onnx(net, path)
    return path


def onnx_session(net, sha256: str, weights_path: Path | None = None, cache_dir: str | Path | None = None,
                 num_threads: int | None = None):
    """An ``onnxruntime.InferenceSession`` for ``net``, exporting it to the cache first if needed."""
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise ModelUnavailableError(f"the ONNX backend needs onnxruntime ({exc}); {INSTALL_HINT}") from exc
    path = onnx_export(net, sha256, weights_path, cache_dir)
    opts = ort.SessionOptions()
    if num_threads:
        opts.intra_op_num_threads = int(num_threads)
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
