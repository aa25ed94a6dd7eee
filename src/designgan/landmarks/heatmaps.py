"""Gaussian heatmap targets, sub-pixel decoding (DARK) and the flip-test helper.

Coordinates are in heatmap pixels with pixel centres at integer positions. A point at input coordinate ``x``
lies at heatmap coordinate ``(x + 0.5) / stride - 0.5``; :func:`to_heatmap_coords` and
:func:`from_heatmap_coords` convert.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def to_heatmap_coords(xy: torch.Tensor, stride: float) -> torch.Tensor:
    return (xy + 0.5) / stride - 0.5


def from_heatmap_coords(xy: torch.Tensor, stride: float) -> torch.Tensor:
    return (xy + 0.5) * stride - 0.5


def render_gaussians(points: torch.Tensor, height: int, width: int, sigma: float) -> torch.Tensor:
    """Unnormalised Gaussians (peak 1) centred on ``points`` (..., K, 2) in heatmap pixels -> (..., K, H, W).

    The centre may be fractional, so the peak can lie between pixels (this is what makes sub-pixel decoding
    meaningful). Points far outside the map give all-zero channels.
    """
    ys = torch.arange(height, dtype=points.dtype, device=points.device)
    xs = torch.arange(width, dtype=points.dtype, device=points.device)
    dx = xs - points[..., 0:1]  # (..., K, W)
    dy = ys - points[..., 1:2]  # (..., K, H)
    gx = torch.exp(-(dx**2) / (2 * sigma**2))
    gy = torch.exp(-(dy**2) / (2 * sigma**2))
    return gy.unsqueeze(-1) * gx.unsqueeze(-2)


def _gaussian_blur(heatmaps: torch.Tensor, sigma: float) -> torch.Tensor:
    radius = max(1, round(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=heatmaps.dtype, device=heatmaps.device)
    kernel = torch.exp(-(t**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    b, k, h, w = heatmaps.shape
    x = heatmaps.reshape(b * k, 1, h, w)
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="replicate"), kernel.view(1, 1, 1, -1))
    x = F.conv2d(F.pad(x, (0, 0, radius, radius), mode="replicate"), kernel.view(1, 1, -1, 1))
    return x.reshape(b, k, h, w)


def decode_heatmaps(
    heatmaps: torch.Tensor, sigma: float = 2.0, refine: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Peak location of each heatmap (B, K, H, W) -> (coords (B, K, 2) in heatmap pixels, confidence (B, K)).

    Sub-pixel refinement is DARK (Zhang et al., CVPR 2020): a second-order Taylor expansion of the log of the
    (re-blurred) heatmap around its argmax; the offset is clipped to one pixel to stay robust on flat maps.
    Confidence is the heatmap's maximum value (1 for a perfect target peak).
    """
    b, k, h, w = heatmaps.shape
    hm = heatmaps.float()
    flat = hm.reshape(b, k, -1)
    conf, idx = flat.max(dim=-1)
    x = (idx % w).float()
    y = torch.div(idx, w, rounding_mode="floor").float()
    coords = torch.stack([x, y], dim=-1)
    if not refine or h < 3 or w < 3:
        return coords, conf
    smooth = _gaussian_blur(hm.clamp(min=0), sigma)
    logh = torch.log(smooth.clamp(min=1e-10))
    padded = F.pad(logh, (1, 1, 1, 1), mode="replicate")  # shift indices by one
    xi = x.long() + 1
    yi = y.long() + 1
    pw = w + 2
    pflat = padded.reshape(b, k, -1)

    def at(dy: int, dx: int) -> torch.Tensor:
        return pflat.gather(-1, ((yi + dy) * pw + (xi + dx)).unsqueeze(-1)).squeeze(-1)

    c = at(0, 0)
    dx_ = 0.5 * (at(0, 1) - at(0, -1))
    dy_ = 0.5 * (at(1, 0) - at(-1, 0))
    dxx = at(0, 1) - 2 * c + at(0, -1)
    dyy = at(1, 0) - 2 * c + at(-1, 0)
    dxy = 0.25 * (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1))
    det = dxx * dyy - dxy**2
    ok = (det.abs() > 1e-12) & (dxx < 0) & (dyy < 0)
    safe = torch.where(ok, det, torch.ones_like(det))
    off_x = -(dyy * dx_ - dxy * dy_) / safe
    off_y = -(dxx * dy_ - dxy * dx_) / safe
    offset = torch.stack([off_x, off_y], dim=-1).clamp(-1, 1)
    offset = torch.where(ok.unsqueeze(-1), offset, torch.zeros_like(offset))
    return coords + offset, conf


def flip_heatmaps(heatmaps: torch.Tensor, flip_index: list[int]) -> torch.Tensor:
    """Heatmaps predicted on a horizontally flipped image, mapped back to the original image's frame."""
    return heatmaps.flip(-1)[:, flip_index]
