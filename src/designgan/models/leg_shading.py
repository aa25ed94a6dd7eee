"""Real legs' shading for the rendered prior's skin legs.

A drawn leg lit like a cylinder reads as a tube; a real lower leg has a kneecap, a lit shin, a shadowed calf. This
module measures legs in CCP's pixel-labelled training photos and paints their shading onto drawn ones, in the
leg's own coordinates, so no shape is copied, only light:

- **Measuring** (:func:`sample_across_leg`, :func:`skin_run`, :func:`leg_map`): in the lower-body frame, at
  :data:`ROWS` places along hip -> knee -> ankle, the frame is sampled across the leg's axis; the skin run through
  the axis (bounded on both sides) is resampled to :data:`COLS` columns. A leg's *map* is the log of each cell's
  colour over the leg's median colour (so it carries light and shade, not skin tone), with a validity channel.
  :func:`is_clean` keeps the legs whose lower leg is fully seen, without a hand, bag, sock or label error in it
  (limits on colour cast, brightness range and jumps between rows). The same runs give the lower-leg profile
  (``prior_style.LOWER_LEG``; ``scripts/measure_legs.py``).
- **Painting** (:func:`leg_coordinates`, :func:`shading_factor`): each pixel of a drawn leg gets its place along
  knee -> ankle and across the leg (``-1`` .. ``1`` between the drawn edges, image left to right, as measured),
  reads the map there and multiplies the person's skin colour by it. Both legs take one measured person's pair,
  the person whose leg colour is nearest (:func:`nearest_pair`): light that agrees between the two legs.

Pure tensor functions; the measured bank is a buffer of the prior (``PriorRenderer.leg_shading``), written into
the bundled models by ``scripts/bundle_prior.py``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from designgan.models import prior_style as S

ROWS, COLS = 48, 16  # a map's places along hip -> knee -> ankle (the knee at the middle) and across the leg
SAMPLES, REACH = 41, 0.1  # samples across the axis, spanning this far (h) either side of it
CALF_ROWS = slice(ROWS // 2 + 2, ROWS - 1)  # just below the knee to just above the ankle: what must be clean
KNEE_FADE = 4  # rows over which a measured leg's light fades out above CALF_ROWS (:func:`vouched`)
# what a clean lower leg stays within (log colour over the leg's median): brightness, colour cast, a jump between
# neighbouring rows (a sock's edge, a hand, a hem)
CLEAN_RANGE, CLEAN_CAST, CLEAN_JUMP = 0.45, 0.05, 0.12


def sample_across_leg(image: torch.Tensor, skin: torch.Tensor, hip: torch.Tensor, knee: torch.Tensor,
                      ankle: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Colours ``(ROWS, SAMPLES, 3)`` and skin ``(ROWS, SAMPLES)`` bool of ``image`` (3, H, W) and ``skin``
    (1, H, W) sampled across the leg at ROWS places from ``hip`` over ``knee`` to ``ankle`` (frame pixels (2,)),
    SAMPLES samples from REACH h on the image's left of the axis to REACH h on its right."""
    h, w = image.shape[-2:]
    t = torch.linspace(0, 1, ROWS)
    upper = t < 0.5
    start = torch.where(upper[:, None], hip, knee)
    end = torch.where(upper[:, None], knee, ankle)
    axis = start + torch.where(upper, 2 * t, 2 * t - 1)[:, None] * (end - start)
    across = _across(end - start)
    offsets = torch.linspace(-REACH * h, REACH * h, SAMPLES)
    points = axis[:, None] + offsets[None, :, None] * across[:, None]
    grid = torch.stack([(points[..., 0] + 0.5) / w * 2 - 1, (points[..., 1] + 0.5) / h * 2 - 1], -1)[None]
    on = F.grid_sample(skin[None].float(), grid, mode="nearest", align_corners=False)[0, 0] > 0.5
    rgb = F.grid_sample(image[None].float(), grid, mode="bilinear", align_corners=False)[0].permute(1, 2, 0)
    return rgb.numpy(), on.numpy()


def _across(direction: torch.Tensor) -> torch.Tensor:
    """Unit vectors ``(..., 2)`` perpendicular to ``direction``, pointing to the image's right (x >= 0)."""
    normal = torch.stack([direction[..., 1], -direction[..., 0]], -1)
    normal = torch.where(normal[..., :1] < 0, -normal, normal)
    return normal / normal.norm(dim=-1, keepdim=True).clamp(min=1e-6)


def skin_run(on: np.ndarray) -> tuple[int, int] | None:
    """The run of skin samples through the axis (the middle sample, or one within 3 of it) of one row ``on``
    (SAMPLES,), as (first, last), when it is bounded on both sides and at least 5 samples long; else None."""
    centre = len(on) // 2
    near = [centre + k for k in (0, 1, -1, 2, -2, 3, -3) if on[centre + k]]
    if not near:
        return None
    lo = hi = near[0]
    while lo > 0 and on[lo - 1]:
        lo -= 1
    while hi < len(on) - 1 and on[hi + 1]:
        hi += 1
    return (lo, hi) if hi - lo >= 4 and lo > 0 and hi < len(on) - 1 else None


def run_widths(on: np.ndarray) -> np.ndarray:
    """The full width (h) of each row's :func:`skin_run` in ``on`` (ROWS, SAMPLES); NaN where there is none."""
    step = 2 * REACH / (on.shape[1] - 1)
    runs = [skin_run(row) for row in on]
    return np.array([np.nan if run is None else (run[1] - run[0] + 1) * step for run in runs])


def leg_map(rgb: np.ndarray, on: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """One leg's map ``(4, ROWS, COLS)`` (log colour over the leg's median colour, 0 where unseen; validity) and
    its median colour (3,) in [-1, 1], from :func:`sample_across_leg`'s samples; None when under a quarter of it
    was seen."""
    cells = np.full((ROWS, COLS, 3), np.nan, np.float32)
    for r in range(ROWS):
        run = skin_run(on[r])
        if run is None:
            continue
        where = np.linspace(run[0], run[1], COLS)
        for c in range(3):
            cells[r, :, c] = np.interp(where, np.arange(on.shape[1]), rgb[r, :, c])
    seen = ~np.isnan(cells[..., 0])
    if seen.mean() < 0.25:
        return None
    linear = (cells + 1) / 2
    colour = np.nanmedian(linear.reshape(-1, 3), axis=0)
    log = np.log(np.clip(linear, 1e-3, None) / np.clip(colour, 1e-3, None))
    maps = np.concatenate([np.nan_to_num(log).transpose(2, 0, 1), seen[None].astype(np.float32)])
    return maps.astype(np.float32), (2 * colour - 1).astype(np.float32)


def is_clean(maps: np.ndarray) -> bool:
    """Whether a leg's map (:func:`leg_map`) has its whole lower leg seen and within the CLEAN_* limits."""
    calf, seen = maps[:3, CALF_ROWS], maps[3, CALF_ROWS] > 0.5
    if seen.mean() < 0.95:
        return False
    values = calf[:, seen]  # (3, n)
    brightness = values.mean(0)
    cast = (values - brightness).std(axis=1).max()
    rows = np.array([calf[:, r][:, seen[r]].mean() if seen[r].any() else np.nan for r in range(calf.shape[1])])
    jump = np.nanmax(np.abs(np.diff(rows)))
    return bool(np.abs(brightness).max() < CLEAN_RANGE and cast < CLEAN_CAST and jump < CLEAN_JUMP)


def vouched(maps: np.ndarray) -> np.ndarray:
    """``maps`` (4, ROWS, COLS) seen only where :func:`is_clean` looked (CALF_ROWS and the ankle row), fading in
    over the KNEE_FADE rows above: the rows above the knee hold what the leg's photo had there (a hem's shadow, a
    hand), which a clean lower leg says nothing of; a drawn thigh keeps the cylinder."""
    out = maps.copy()
    ramp = np.clip((np.arange(ROWS) - (CALF_ROWS.start - KNEE_FADE)) / KNEE_FADE, 0, 1)
    out[3] *= ramp[:, None]
    return out


def lower_leg_radius(fraction: torch.Tensor) -> torch.Tensor:
    """The drawn lower leg's half width (h) at ``fraction`` of knee -> ankle (``prior_style.LOWER_LEG``,
    linear between its points, held past its ends)."""
    fs = torch.tensor([p[0] for p in S.LOWER_LEG], device=fraction.device)
    rs = torch.tensor([p[1] for p in S.LOWER_LEG], device=fraction.device)
    f = fraction.clamp(float(fs[0]), float(fs[-1])).contiguous()
    i = torch.searchsorted(fs, f, right=True).clamp(1, len(fs) - 1)
    return rs[i - 1] + (rs[i] - rs[i - 1]) * (f - fs[i - 1]) / (fs[i] - fs[i - 1])


def leg_coordinates(grid: torch.Tensor, knees: torch.Tensor, ankles: torch.Tensor, height: int
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per pixel of ``grid`` (H, W, 2) and sample (knees, ankles (B, 2, 2)): the nearer leg (B, H, W) long, its
    place along the leg on a map's scale (0 hip, 0.5 knee, 1 ankle) and across it (-1 .. 1 between the drawn
    edges, image left to right), both (B, H, W)."""
    point = grid[None, None]  # (1, 1, H, W, 2)
    knee, ankle = knees[:, :, None, None], ankles[:, :, None, None]
    direction = ankle - knee
    length2 = (direction * direction).sum(-1).clamp(min=1e-6)
    fraction = ((point - knee) * direction).sum(-1) / length2  # (B, 2, H, W)
    offset = ((point - knee) * _across(direction)).sum(-1)
    nearer = offset.abs().argmin(dim=1, keepdim=True)
    fraction, offset = fraction.gather(1, nearer)[:, 0], offset.gather(1, nearer)[:, 0]
    across = offset / (lower_leg_radius(fraction) * height)
    return nearer[:, 0], 0.5 + fraction / 2, across.clamp(-1, 1)


def nearest_pair(colours: torch.Tensor, colour: torch.Tensor) -> torch.Tensor:
    """Index (B,) of the measured person (``colours`` (N, 3)) whose leg colour is nearest ``colour`` (B, 3), all
    in [-1, 1]."""
    return torch.cdist(colour.float(), colours.float()).argmin(dim=1)


def shading_factor(grid: torch.Tensor, knees: torch.Tensor, ankles: torch.Tensor, pairs: torch.Tensor
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """The factor ``(B, 3, H, W)`` each drawn leg's skin colour is multiplied by (in [0, 1] units) and where the
    maps saw the leg ``(B, 1, H, W)``; ``pairs`` (B, 2, 4, ROWS, COLS): each sample's two legs' maps (left, right)."""
    h = grid.shape[0]
    leg, along, across = leg_coordinates(grid, knees, ankles, h)
    where = torch.stack([across, 2 * along - 1], -1)  # grid_sample's (x, y): across the map's columns, down its rows
    read = torch.stack([F.grid_sample(pairs[:, side].float(), where, mode="bilinear", padding_mode="border",
                                      align_corners=True) for side in range(2)], dim=1)  # (B, 2, 4, H, W)
    read = read.gather(1, leg[:, None, None].expand(-1, 1, 4, -1, -1))[:, 0]
    seen = read[:, 3:].clamp(0, 1)
    return torch.exp(read[:, :3] * seen), seen


def hem_shadow(garment: torch.Tensor) -> torch.Tensor:
    """The darkening ``(B, 1, H, W)`` (a factor, 1 = none) that a garment of coverage ``garment`` (B, 1, H, W)
    casts on what lies below it: :data:`~S.HEM_SHADOW` by the distance below the garment's lowest row in each
    column, linear between its steps (1 on that row itself); 1 above it, past the table and in columns the
    garment misses."""
    h = garment.shape[-2]
    rows = torch.arange(h, device=garment.device, dtype=torch.float32)[:, None]
    lowest = torch.where(garment > 0.5, rows, -1.0).amax(dim=-2, keepdim=True)  # (B, 1, 1, W)
    table = torch.tensor((1.0, *S.HEM_SHADOW, 1.0), device=garment.device)
    at = ((rows - lowest) / (S.HEM_SHADOW_STEP * h)).clamp(0, len(table) - 1)  # steps below the lowest row
    factor = torch.lerp(table[at.floor().long()], table[at.ceil().long()], at - at.floor())
    return torch.where(lowest >= 0, factor, torch.ones_like(factor))
