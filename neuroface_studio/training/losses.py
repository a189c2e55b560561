"""Losses for fine-tuning FAN: adaptive wing loss on Gaussian heatmaps, and the regularizers of
regularized transfer learning (SCIENCE.md; Wang et al. 2019, Fu et al. 2021).

All functions take and return torch tensors; ``torch`` is imported by the caller's process
already (this module is only imported when training runs).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

HEATMAP_SIGMA = 1.5  #: Gaussian target sigma, heatmap px (SCIENCE.md: 1-1.5 px at 64 x 64)


def adaptive_wing_loss(pred: torch.Tensor, target: torch.Tensor, alpha: float = 2.1, omega: float = 14.0,
                       epsilon: float = 1.0, theta: float = 0.5) -> torch.Tensor:
    """Adaptive wing loss (Wang et al. 2019), mean over all elements of ``N x K x H x W`` tensors.

    ``L = omega * ln(1 + |d / epsilon|^(alpha - y))`` where ``|d| < theta``, else ``A |d| - C``;
    ``d = target - pred``, ``y = target``; A and C make the two pieces meet smoothly at theta.
    """
    if pred.shape != target.shape:
        raise ValueError(f"prediction {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape")
    y = target
    d = (y - pred).abs()
    power = alpha - y
    ratio = theta / epsilon
    a = omega * (1.0 / (1.0 + ratio ** power)) * power * ratio ** (power - 1.0) / epsilon
    c = theta * a - omega * torch.log1p(ratio ** power)
    small = omega * torch.log1p((d / epsilon) ** power)
    large = a * d - c
    return torch.where(d < theta, small, large).mean()


def gaussian_heatmaps(points_hm: torch.Tensor, size: int, sigma: float = HEATMAP_SIGMA,
                      visible: torch.Tensor | None = None) -> torch.Tensor:
    """Target heatmaps ``(N, K, size, size)`` (``size``: the model's heatmap side, input / 4) with peak 1 at ``points_hm (N, K, 2)`` (x, y in heatmap
    pixel-centre coordinates, float: sub-pixel centres). Points not ``visible`` get an empty map."""
    n, k, _ = points_hm.shape
    grid = torch.arange(size, dtype=points_hm.dtype, device=points_hm.device)
    gx = torch.exp(-((grid[None, None, :] - points_hm[..., 0:1]) ** 2) / (2 * sigma ** 2))  # (N, K, W)
    gy = torch.exp(-((grid[None, None, :] - points_hm[..., 1:2]) ** 2) / (2 * sigma ** 2))  # (N, K, H)
    maps = gy[..., :, None] * gx[..., None, :]
    if visible is not None:
        maps = maps * visible.to(maps.dtype)[..., None, None]
    return maps


def _normalized(x: torch.Tensor) -> torch.Tensor:
    return F.normalize(x.flatten(1), dim=1)


def spatial_attention_loss(features: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
    """SAM: attention ``A = sum_channels |E|^2``, flattened and L2-normalised; squared L2 distance."""
    a = _normalized(features.pow(2).sum(1))
    b = _normalized(source.pow(2).sum(1))
    return (a - b).pow(2).sum(1).mean()


def channel_attention_loss(features: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
    """CAM: channel attention ``Q = mean_hw |E|``, L2-normalised; squared L2 distance."""
    a = _normalized(features.abs().mean((2, 3)))
    b = _normalized(source.abs().mean((2, 3)))
    return (a - b).pow(2).sum(1).mean()


def encoder_output_loss(features: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
    """EO: 1 - cosine similarity of the (flattened) features."""
    return (1.0 - F.cosine_similarity(features.flatten(1), source.flatten(1), dim=1)).mean()


def classifier_output_loss(logits: torch.Tensor, source: torch.Tensor, mu: float = 2.0) -> torch.Tensor:
    """CO: squared L2 distance of the heatmaps' spatial softmax at temperature ``mu``."""
    a = F.softmax(logits.flatten(2) / mu, dim=2)
    b = F.softmax(source.flatten(2) / mu, dim=2)
    return (a - b).pow(2).sum(2).mean()


REGULARIZERS = {"sam": spatial_attention_loss, "cam": channel_attention_loss, "eo": encoder_output_loss,
                "co": classifier_output_loss}
