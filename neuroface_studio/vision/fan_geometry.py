"""FAN crop and heatmap decode in float: face-alignment's geometry without its integer truncation.

numpy + OpenCV only (no torch), so it is cheap to import and easy to test. See
docs/FAN_GEOMETRY.md for the derivation and the comparison with face-alignment 1.5.0.

Conventions (all coordinates float64):

* Image points use the project convention: pixel centres at integer coordinates, x right,
  y down (``points_px (68, 2)``). Face boxes ``(x0, y0, x1, y1)`` are pixel *edges*, x1/y1
  exclusive, as dlib's detector returns them (``right + 1``).
* face-alignment's ``transform`` maps an edge coordinate X to a crop edge coordinate
  ``U = (X - c) * R / (200 s) + R / 2`` for a crop of R px (the network input, 256 for the
  official FAN, 128 for the demo FAN; the heatmaps are R / 4: 64, 32). Written for pixel
  centres (x = X - 0.5, u = U - 0.5) it is the affine
  ``u = k x + (k - 1) / 2 - k c + R / 2`` with ``k = R / (200 s)``: :func:`crop_affine`.
* The crop uses that exact affine (``cv2.warpAffine``, bilinear, black outside the image);
  the decode maps a heatmap peak (heatmap pixel-centre coordinates) back with the inverse of
  the same affine at R / 4, so crop and decode are exact inverses of each other. Every size
  comes from the model (``FanSpec``); nothing here assumes 256.
* face-alignment instead rounds the crop corners to whole pixels (``transform(...).int()``)
  and truncates the decoded points (``astype(int32)``, i.e. floor for positive coordinates),
  giving points that are on average 0.5 px up-left of ours plus up to ±0.5 px of noise.
"""

from __future__ import annotations

import cv2
import numpy as np

from neuroface_studio.domain.landmarks import FLIP_PERMUTATION

INPUT_RES = 256  #: network input side of the official FAN, px (a FAN's own size: ``FanSpec.input_size``)
HEATMAP_RES = 64  #: heatmap side of the official FAN, px (input / STRIDE)
STRIDE = 4  #: input px per heatmap px
REFERENCE_SCALE = 195.0  #: face-alignment: scale = (w + h) / 195
SCALE_FACTOR = 200.0  #: face-alignment: crop side = 200 * scale, image px
CENTER_Y_OFFSET = 0.12  #: face-alignment: centre moved up by 0.12 * box height


def crop_params(box) -> tuple[np.ndarray, float]:
    """face-alignment's crop centre ``(2,)`` (edge coordinates, px) and scale for a face box."""
    x0, y0, x1, y1 = (float(v) for v in box)
    w, h = x1 - x0, y1 - y0
    if not (w > 0 and h > 0):
        raise ValueError(f"empty face box {box}")
    center = np.array([x0 + w / 2.0, y0 + h / 2.0 - CENTER_Y_OFFSET * h])
    return center, (w + h) / REFERENCE_SCALE


def crop_affine(center, scale: float, resolution: int = INPUT_RES) -> np.ndarray:
    """``(2, 3)`` float64 affine: image pixel-centre coords -> crop pixel-centre coords.

    The square of side ``200 * scale`` image px centred on ``center`` maps onto
    ``resolution x resolution`` px.
    """
    k = resolution / (SCALE_FACTOR * float(scale))
    cx, cy = float(center[0]), float(center[1])
    t = (k - 1.0) / 2.0 + resolution / 2.0
    return np.array([[k, 0.0, t - k * cx], [0.0, k, t - k * cy]])


def invert_affine(m: np.ndarray) -> np.ndarray:
    """Inverse of a ``(2, 3)`` affine."""
    return cv2.invertAffineTransform(np.asarray(m, dtype=np.float64))


def apply_affine(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``points (..., 2)`` mapped by the ``(2, 3)`` affine ``m``."""
    pts = np.asarray(points, dtype=np.float64)
    return pts @ m[:, :2].T + m[:, 2]


def heatmap_res(input_res: int) -> int:
    """Heatmap side for an input side (the FAN stem has stride 4): 256 -> 64, 128 -> 32."""
    if input_res % STRIDE:
        raise ValueError(f"FAN input size {input_res} is not a multiple of {STRIDE}")
    return int(input_res) // STRIDE


def crop_face(image_rgb: np.ndarray, box, input_res: int = INPUT_RES) -> tuple[np.ndarray, np.ndarray]:
    """Network input for the face in ``box``, for a FAN of ``input_res`` px input (the model's size).

    Returns ``crop (input_res, input_res, 3) uint8`` and ``to_image (2, 3)``, the affine that maps
    heatmap pixel-centre coordinates (``input_res / 4`` grid) to image pixel-centre coordinates.
    """
    center, scale = crop_params(box)
    m = crop_affine(center, scale, input_res)
    crop = cv2.warpAffine(np.ascontiguousarray(image_rgb), m, (input_res, input_res),
                          flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return crop, invert_affine(crop_affine(center, scale, heatmap_res(input_res)))


def to_network_input(crops: np.ndarray) -> np.ndarray:
    """``crops (B, S, S, 3) uint8`` -> ``(B, 3, S, S) float32`` in [0, 1] (face-alignment)."""
    return np.ascontiguousarray(np.asarray(crops).transpose(0, 3, 1, 2), dtype=np.float32) / 255.0


def unflip_heatmaps(hm_flipped: np.ndarray) -> np.ndarray:
    """Heatmaps ``(B, 68, H, W)`` of a left-right flipped crop -> heatmaps of the unflipped crop.

    Pixel column j maps to W - 1 - j (exact for centre coordinates: 4 (63 - v) + 1.5 =
    255 - (4 v + 1.5)) and point i takes the channel of its mirror point FLIP_PERMUTATION[i].
    """
    return hm_flipped[:, FLIP_PERMUTATION, :, ::-1]


def decode_heatmaps(hm: np.ndarray, method: str = "subpixel") -> tuple[np.ndarray, np.ndarray]:
    """Peaks of ``hm (B, N, H, W)`` in heatmap pixel-centre coordinates.

    Returns ``points (B, N, 2)`` float64 (x, y) and ``scores (B, N)`` float32 (the heatmap
    maximum). ``method``:

    * ``"quarter"``: face-alignment's rule in float: argmax, then 0.25 px toward the larger
      neighbour on each axis (only when the peak is not on the border), error up to 0.25
      heatmap px (1.6 image px for a 200 px face at VGA).
    * ``"subpixel"`` (default): argmax, then the vertex of a parabola through the logs of the
      peak and its two neighbours on each axis (exact for a Gaussian peak, the shape FAN is
      trained to output); falls back to ``"quarter"`` on an axis where one of the three values
      is not positive or the peak is on the border. The offset is clipped to ±0.5 px.
    """
    if method not in ("quarter", "subpixel"):
        raise ValueError(f"unknown decode method {method!r}")
    hm = np.asarray(hm, dtype=np.float32)
    b, n, h, w = hm.shape
    flat = hm.reshape(b, n, h * w)
    idx = flat.argmax(axis=-1)
    scores = np.take_along_axis(flat, idx[..., None], axis=-1)[..., 0]
    py, px = np.divmod(idx, w)
    inner = (px > 0) & (px < w - 1) & (py > 0) & (py < h - 1)
    bi, ni = np.meshgrid(np.arange(b), np.arange(n), indexing="ij")
    xc, yc = np.clip(px, 1, w - 2), np.clip(py, 1, h - 2)
    centre = hm[bi, ni, yc, xc].astype(np.float64)
    points = np.stack([px, py], axis=-1).astype(np.float64)
    for axis, (lo, hi) in enumerate(((hm[bi, ni, yc, xc - 1], hm[bi, ni, yc, xc + 1]),
                                     (hm[bi, ni, yc - 1, xc], hm[bi, ni, yc + 1, xc]))):
        lo, hi = lo.astype(np.float64), hi.astype(np.float64)
        offset = 0.25 * np.sign(hi - lo)
        if method == "subpixel":
            ok = (lo > 0) & (hi > 0) & (centre > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                llo, lc, lhi = (np.log(np.where(ok, v, 1.0)) for v in (lo, centre, hi))
                denom = llo - 2.0 * lc + lhi
                ok &= denom < 0
                fine = np.clip(0.5 * (llo - lhi) / np.where(ok, denom, -1.0), -0.5, 0.5)
            offset = np.where(ok, fine, offset)
        points[..., axis] += np.where(inner, offset, 0.0)
    return points, scores.astype(np.float32)


def heatmap_points_to_image(points_hm: np.ndarray, to_image: np.ndarray) -> np.ndarray:
    """``points_hm (N, 2)`` heatmap pixel-centre coords -> image pixel-centre coords, float64."""
    return apply_affine(to_image, points_hm)
