"""int8 FAN on ONNX Runtime: static quantisation of the exported fp32 model (opt-in, CPU).

Convolutions run as int8 (``QLinearConv`` / QDQ, unsigned 8-bit activations, signed 8-bit
per-channel weights); ONNX Runtime's MLAS uses the CPU's VNNI instructions for them, which on
this project's CPUs is ~2.4x the fp32 convolution speed. Activation ranges are calibrated
(min/max) on a few face crops given by the caller; the quantised file is written once next to
the fp32 ONNX file (``<fp32 stem>.int8.onnx``, atomically) and reused.

It is lossy: ``bench fan`` reports the landmark difference to the fp32 model and the NRMSE
change on simulated frames with truth. :func:`int8_session` raises ModelUnavailableError when
onnxruntime's quantisation tools are missing.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from neuroface_studio.vision.errors import ModelUnavailableError


def int8_path(fp32_path: Path) -> Path:
    fp32_path = Path(fp32_path)
    return fp32_path.with_name(fp32_path.name.removesuffix(".onnx") + ".int8.onnx")


def output_nodes(fp32_path: Path) -> list[str]:
    """The nodes that write the heatmaps: kept in float, so the output is not rounded to 256 levels
    (rounded heatmaps tie neighbouring cells and the argmax jumps)."""
    import onnx

    model = onnx.load(str(fp32_path), load_external_data=False)
    outputs = {o.name for o in model.graph.output}
    return [n.name for n in model.graph.node if outputs & set(n.output)]


def quantize_fan(fp32_path: Path, calibration: np.ndarray, dest: Path | None = None) -> Path:
    """Quantise the fp32 FAN at ``fp32_path`` with ``calibration (N, 3, S, S) float32`` crops in [0, 1].

    Returns the int8 file (``dest``, default :func:`int8_path`). Takes ~25 s for FAN(4) with
    two calibration crops on two cores (the calibration run records every activation).
    """
    try:
        from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                              quantize_static)
    except ImportError as exc:
        raise ModelUnavailableError(f"int8 FAN needs onnxruntime's quantisation tools ({exc}); "
                                    "install them with: pip install onnx onnxruntime") from exc
    calibration = np.ascontiguousarray(calibration, dtype=np.float32)
    if calibration.ndim != 4 or len(calibration) == 0:
        raise ValueError(f"calibration crops must be (N, 3, S, S) with N >= 1, got {calibration.shape}")

    class _Crops(CalibrationDataReader):
        def __init__(self) -> None:
            self.i = 0

        def get_next(self):
            if self.i >= len(calibration):
                return None
            self.i += 1
            return {"image": calibration[self.i - 1:self.i]}

    dest = Path(dest) if dest is not None else int8_path(fp32_path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=dest.name + ".", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    logging.disable(logging.WARNING)  # onnxruntime.quantization warns about every BatchNorm bias on the root logger
    try:
        quantize_static(str(fp32_path), tmp, _Crops(), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
                        calibrate_method=CalibrationMethod.MinMax, nodes_to_exclude=output_nodes(fp32_path))
        os.replace(tmp, dest)
    finally:
        logging.disable(logging.NOTSET)
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest


def int8_session(fp32_path: Path, calibration: np.ndarray | None, num_threads: int | None = None):
    """An ONNX Runtime session of the int8 FAN for ``fp32_path`` (quantised first when not cached;
    then ``calibration`` crops are needed)."""
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise ModelUnavailableError(f"the int8 FAN runs on ONNX Runtime, which is not installed ({exc})") from exc

    path = int8_path(fp32_path)
    if not path.is_file():
        if calibration is None:
            raise ValueError(f"{path} does not exist yet: calibration crops are needed to quantise the FAN")
        quantize_fan(fp32_path, calibration, path)
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if num_threads:
        opts.intra_op_num_threads = int(num_threads)
        opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
