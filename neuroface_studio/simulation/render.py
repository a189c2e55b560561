"""Frame rendering: a piecewise-affine warp of the reference photo + an aligned depth map.

Per frame: the plan's 68 landmarks and the identity's border ring (moved rigidly with the
head) are projected into the colour image; the Delaunay triangles of the reference mesh are
rasterised, far ones first, into a triangle-index map (uint8, 0 = none); every pixel gets the
inverse affine map of its triangle (source photo coordinates) and a planar depth from its
triangle's vertex depths; one ``cv2.remap`` samples the photo. The warp is exact at the
landmarks, so the drawn face agrees with the plan's truth. Then: an inner-mouth cavity when
the lips part, compositing over the participant's background, and depth noise + holes.

Everything random is seeded from (identity, task, plan seed, frame index): frames can be
rendered in any order or in parallel.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from neuroface_studio.domain.landmarks import INNER_LIPS, N_LANDMARKS
from neuroface_studio.simulation.face_model import reference_face
from neuroface_studio.simulation.identity import Identity, derive_rng, identity_shape_mm
from neuroface_studio.simulation.planning import RecordingPlan, head_to_camera

_OUTSIDE = -1.0e4  # source coordinate for pixels outside the mesh (sampled as transparent)
_CAVITY_DEPTH_MM = 15.0  # the open mouth is this much deeper than the lip surface


@dataclass(frozen=True)
class _Assets:
    """Per-identity caches. texture_rgba (512, 512, 4) uint8 tinted and lit; background
    (H, W, 3) uint8; wall_mm (H, W) float32; shape_mm (N, 3) neutral control points."""

    texture_rgba: np.ndarray
    background: np.ndarray
    wall_mm: np.ndarray
    shape_mm: np.ndarray


@lru_cache(maxsize=16)
def _assets(identity: Identity, width: int, height: int) -> _Assets:
    face = reference_face()
    tex = face.texture_rgba.astype(np.float32)
    h, w = tex.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    centre = face.src_px[30]
    gx, gy = identity.light_gradient
    gain = 1.0 + gx * (xx - centre[0]) / 100.0 + gy * (yy - centre[1]) / 100.0
    rgb = tex[..., :3] * gain[..., None] * np.asarray(identity.skin_tint, np.float32)
    texture = np.dstack([np.clip(rgb, 0, 255), tex[..., 3]]).astype(np.uint8)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    shade = 1.0 + identity.background_gradient * (yy / height - 0.5) * 2.0
    shade -= 0.08 * ((xx / width - 0.5) ** 2 + (yy / height - 0.5) ** 2)  # soft vignette
    bg = np.clip(np.asarray(identity.background_rgb, np.float32) * shade[..., None], 0, 255).astype(np.uint8)
    wall = (identity.wall_distance_mm + 0.08 * (xx - width / 2)).astype(np.float32)
    shape = identity_shape_mm(identity)
    for a in (texture, bg, wall, shape):
        a.setflags(write=False)
    return _Assets(texture, bg, wall, shape)


@lru_cache(maxsize=1)
def _noise_pool(height: int, width: int) -> np.ndarray:
    """A fixed bank of standard-normal noise (2H, 2W) float32; frames take random windows."""
    return np.random.default_rng(20260105).standard_normal((2 * height, 2 * width), dtype=np.float32)


@lru_cache(maxsize=2)
def _pixel_grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    return xx, yy


@dataclass(frozen=True)
class WarpFields:
    """Per-pixel results of rasterising the mesh for one frame.

    map_x, map_y (H, W) float32: source-photo coordinates sampled by each pixel.
    depth_mm (H, W) float32: noiseless planar surface depth (0 outside the mesh).
    tri_index (H, W) uint8: 1 + triangle rank, 0 outside the mesh.
    control_px (N, 2): projected control points (68 landmarks first).
    """

    map_x: np.ndarray
    map_y: np.ndarray
    depth_mm: np.ndarray
    tri_index: np.ndarray
    control_px: np.ndarray


def warp_fields(identity: Identity, plan: RecordingPlan, index: int) -> WarpFields:
    """Rasterise the reference mesh at frame ``index`` (the geometric core of rendering)."""
    face = reference_face()
    intr = plan.camera.color
    width, height = intr.width, intr.height
    assets = _assets(identity, width, height)
    ring_cam = head_to_camera(assets.shape_mm[N_LANDMARKS:], plan.head_pose_deg[index],
                              plan.head_translation_mm[index])
    ctrl_cam = np.vstack([plan.landmarks_mm[index], ring_cam])
    ctrl_px = np.vstack([plan.landmarks_px[index], intr.project(ring_cam)])

    tri = face.triangles
    dst = ctrl_px[tri]  # (M, 3, 2)
    mat = np.concatenate([dst, np.ones(dst.shape[:2] + (1,))], axis=2)  # (M, 3, 3) rows [x y 1]
    det = np.linalg.det(mat)
    ok = np.abs(det) > 1e-3
    mat[~ok] = np.eye(3)
    inv = np.linalg.inv(mat)
    src_coef = inv @ face.src_px[tri]  # (M, 3, 2): src = [x y 1] @ coef
    z_coef = inv @ ctrl_cam[tri, 2][..., None]  # (M, 3, 1)
    order = np.argsort(-ctrl_cam[tri, 2].mean(axis=1), kind="stable")  # far first (painter)
    order = order[ok[order]]

    tri_index = np.zeros((height, width), np.uint8)
    fixed = np.round(dst * 16.0).astype(np.int32)
    for rank, m in enumerate(order, start=1):
        cv2.fillConvexPoly(tri_index, fixed[m], rank, lineType=cv2.LINE_8, shift=4)
    table = np.zeros((256, 9), np.float32)
    table[0, 2] = table[0, 5] = _OUTSIDE
    table[1:len(order) + 1, 0:3] = src_coef[order, :, 0]
    table[1:len(order) + 1, 3:6] = src_coef[order, :, 1]
    table[1:len(order) + 1, 6:9] = z_coef[order, :, 0]
    xx, yy = _pixel_grid(height, width)
    c = [cv2.LUT(tri_index, np.ascontiguousarray(table[:, k])) for k in range(9)]
    map_x = c[0] * xx + c[1] * yy + c[2]
    map_y = c[3] * xx + c[4] * yy + c[5]
    depth = c[6] * xx + c[7] * yy + c[8]
    return WarpFields(map_x, map_y, depth, tri_index, ctrl_px)


def warp_image(source: np.ndarray, fields: WarpFields, border_value=0) -> np.ndarray:
    """Warp any image laid out like the reference photo (512x512[xC]) into the frame (bilinear)."""
    return cv2.remap(source, fields.map_x, fields.map_y, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=border_value)


def _draw_mouth(color: np.ndarray, depth: np.ndarray, lips_px: np.ndarray) -> None:
    """Draw the inner-mouth cavity (dark, tongue, upper teeth) inside the inner-lip polygon.

    lips_px (8, 2): inner-lip landmarks 60-67 in the frame. Modifies color and depth in place.
    """
    upper, lower = lips_px[[1, 2, 3]], lips_px[[7, 6, 5]]
    aperture = float(np.max(lower[:, 1] - upper[:, 1]))
    if aperture < 0.8:
        return
    h, w = depth.shape
    x0, y0 = np.floor(lips_px.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(lips_px.max(axis=0)).astype(int) + 3
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    off = np.array([x0, y0], np.float64)
    poly = np.round((lips_px - off) * 16).astype(np.int32)
    roi_h, roi_w = y1 - y0, x1 - x0
    mask = np.zeros((roi_h, roi_w), np.uint8)
    cv2.fillPoly(mask, [poly], 255, cv2.LINE_AA, shift=4)
    layer = np.empty((roi_h, roi_w, 3), np.uint8)
    layer[:] = (70, 22, 26)
    width_px = float(lips_px[4, 0] - lips_px[0, 0])
    mid_low = lips_px[6] - off
    tongue_c = (int(round(mid_low[0] * 16)), int(round((mid_low[1] - 0.22 * aperture) * 16)))
    axes = (int(round(0.32 * abs(width_px) * 16)), int(round(0.28 * aperture * 16)))
    cv2.ellipse(layer, tongue_c, axes, 0, 0, 360, (160, 78, 80), -1, cv2.LINE_AA, shift=4)
    layer = cv2.GaussianBlur(layer, (0, 0), 1.2)
    teeth_h = min(0.42 * aperture, 0.09 * abs(width_px) + 2.0)
    top = lips_px[[0, 1, 2, 3, 4]] - off
    drop = teeth_h * np.array([0.25, 0.85, 1.0, 0.85, 0.25])
    teeth = np.vstack([top, (top + np.column_stack([np.zeros(5), drop]))[::-1]])
    cv2.fillPoly(layer, [np.round(teeth * 16).astype(np.int32)], (214, 206, 190), cv2.LINE_AA, shift=4)
    for f in (0.3, 0.4, 0.5, 0.6, 0.7):  # gaps between the front teeth
        x = (1 - f) * top[0, 0] + f * top[4, 0]
        ytop = np.interp(x, top[:, 0], top[:, 1]) if top[4, 0] > top[0, 0] else top[2, 1]
        yb = ytop + teeth_h * (1.0 - 1.6 * abs(f - 0.5))
        cv2.line(layer, (int(round(x * 16)), int(round(ytop * 16))), (int(round(x * 16)), int(round(yb * 16))),
                 (182, 172, 160), 1, cv2.LINE_AA, shift=4)
    layer = cv2.GaussianBlur(layer, (0, 0), 0.6)
    mask = cv2.GaussianBlur(mask, (0, 0), 0.6)
    roi = color[y0:y1, x0:x1]
    alpha = mask.astype(np.float32) * (1.0 / 255.0)
    roi[:] = cv2.blendLinear(layer, roi, alpha, 1.0 - alpha)
    depth[y0:y1, x0:x1] += (mask > 127) * np.float32(_CAVITY_DEPTH_MM)


def render_frame(identity: Identity, plan: RecordingPlan, index: int) -> tuple[np.ndarray, np.ndarray]:
    """Render frame ``index``: (color (H, W, 3) uint8 RGB, depth (H, W) uint16 in mm).

    Deterministic for (identity, plan, index); depth is aligned to colour and uses the plan's
    ``camera.depth_scale_m`` (0.001, i.e. mm). 0 marks a depth hole.
    """
    if not 0 <= index < plan.n_frames:
        raise IndexError(f"frame {index} is outside the recording (0..{plan.n_frames - 1})")
    fields = warp_fields(identity, plan, index)
    height, width = fields.tri_index.shape
    assets = _assets(identity, width, height)
    warped = warp_image(assets.texture_rgba, fields)
    alpha = warped[..., 3]
    weight = alpha.astype(np.float32) * (1.0 / 255.0)
    color = cv2.blendLinear(np.ascontiguousarray(warped[..., :3]), assets.background, weight, 1.0 - weight)
    depth = fields.depth_mm
    _draw_mouth(color, depth, fields.control_px[list(INNER_LIPS)])
    rng = derive_rng("frame", identity.seed, identity.participant_id, plan.task_code, plan.seed, int(index))
    return color, _sensor_depth(depth, alpha, assets.wall_mm, rng)


def _sensor_depth(surface_mm: np.ndarray, alpha: np.ndarray, wall_mm: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """Surface (H, W) mm + wall -> sensor-like uint16 depth: noise ~ (z/0.5 m)^2 mm, holes."""
    height, width = surface_mm.shape
    fg = alpha > 127
    z = np.where(fg, surface_mm, wall_mm)
    pool = _noise_pool(height, width)
    oy, ox = (int(v) for v in rng.integers(0, [height, width]))
    noise = pool[oy:oy + height, ox:ox + width]
    z = z + noise * (z * z * np.float32(1.0 / 250000.0))
    depth = np.clip(z + 0.5, 0, 65535).astype(np.uint16)
    # Holes at the silhouette (mixed pixels) and in the occlusion shadow left of the head.
    edge = (alpha > 25) & (alpha < 230)
    oy2, ox2 = (int(v) for v in rng.integers(0, [height, width]))
    edge &= pool[oy2:oy2 + height, ox2:ox2 + width] > -0.3
    shift = int(rng.integers(4, 9))
    shadow = np.zeros_like(fg)
    shadow[:, :-shift] = fg[:, shift:]
    shadow &= ~fg
    depth[edge | shadow] = 0
    for _ in range(int(rng.integers(15, 45))):  # small random dropout clusters
        cx, cy = int(rng.integers(0, width)), int(rng.integers(0, height))
        cv2.circle(depth, (cx, cy), int(rng.integers(1, 6)), 0, -1)
    return depth
