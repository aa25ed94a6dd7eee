"""The rendered prior's shapes in the lower-body frame: the body read off the landmarks (:func:`pose`), skin legs,
skirts and trousers of any :class:`~designgan.models.prior_style.PriorStyle`, as signed distances turned into
anti-aliased coverage. Pure tensor arithmetic, batched; :mod:`designgan.models.prior` paints with them."""

from __future__ import annotations

import itertools

import torch

from designgan.errors import DesignGANError
from designgan.models import prior_style as S

POINTS = ("left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_wrist", "right_wrist")
# (left, right) pairs of POINTS as slices: indexing with a slice, unlike a list, copies no index to the device
HIPS, KNEES, ANKLES, WRISTS = slice(0, 2), slice(2, 4), slice(4, 6), slice(6, 8)
Pose = dict[str, torch.Tensor]


def coverage(distance: torch.Tensor) -> torch.Tensor:
    """Anti-aliased coverage in [0, 1] of a shape from its signed distance in pixels (negative inside)."""
    return (0.5 - distance).clamp(0, 1)


def tapered_segments(grid: torch.Tensor, start: torch.Tensor, end: torch.Tensor, r_start: torch.Tensor,
                     r_end: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Signed distance ``(B, S, H, W)`` to limbs ``start -> end`` ``(B, S, 2)`` whose radius goes from
    ``r_start`` to ``r_end`` ``(B, S)``, and the across-limb coordinate ``|u|`` (0 on the axis, 1 at the edge)
    that the cylinder shading reads. ``grid``: pixel centres ``(H, W, 2)``."""
    a, d = start[:, :, None, None], (end - start)[:, :, None, None]  # (B, S, 1, 1, 2)
    t = (((grid - a) * d).sum(-1) / (d * d).sum(-1).clamp(min=1e-6)).clamp(0, 1)  # (B, S, H, W)
    axis = a + t[..., None] * d
    off = (grid - axis).norm(dim=-1)
    radius = (r_start[..., None, None] * (1 - t) + r_end[..., None, None] * t).clamp(min=0.5)
    return off - radius, (off / radius).clamp(max=1)


def grid_of(h: int, w: int, device: torch.device) -> torch.Tensor:
    """Pixel centres ``(H, W, 2)`` as (x, y)."""
    ys, xs = torch.arange(h, device=device, dtype=torch.float32), torch.arange(w, device=device, dtype=torch.float32)
    return torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1)


def pose(xy: torch.Tensor, seen: torch.Tensor, garment: torch.Tensor, size: tuple[int, int],
         style: S.PriorStyle) -> Pose:
    """The anchors every shape is drawn from, per sample: hips, knees and ankles (with fallbacks: missing
    knees :data:`~S.KNEE_FALLBACK` h below the hips, missing ankles knee + (knee - hip)), the crotch row, the
    body's half width at the hips (the source garment's width there, within :data:`~S.HALF_RANGE` of the hip
    joints') and the waist row (where the source garment starts, near ``style.waist`` h above the hip joints)."""
    h, w = size
    hips = xy[:, HIPS]
    centre = hips.mean(dim=1)  # (B, 2)
    joint_half = ((hips[:, 0, 0] - hips[:, 1, 0]).abs() / 2).clamp(min=S.MIN_JOINT_HALF * w)
    knees_seen = seen[:, KNEES].all(dim=1)
    knee_y = torch.where(knees_seen, xy[:, KNEES, 1].mean(dim=1), centre[:, 1] + S.KNEE_FALLBACK * h)
    knees = torch.where(knees_seen[:, None, None], xy[:, KNEES],
                        torch.stack([hips[..., 0], knee_y[:, None].expand(-1, 2)], dim=-1))
    ankles = torch.where(seen[:, ANKLES].all(dim=1)[:, None, None], xy[:, ANKLES], knees + (knees - hips))
    # the garment's width on the rows around the hips
    band = (torch.arange(h, device=xy.device)[None] - centre[:, 1:]).abs() <= max(1.0, S.HIP_BAND * h)  # (B, H)
    cols = torch.arange(w, device=xy.device, dtype=torch.float32)
    on = (garment[:, 0] > 0.5) & band[:, :, None]  # (B, H, W)
    left = torch.where(on, cols, float(w)).amin(dim=(1, 2))
    right = torch.where(on, cols, -1.0).amax(dim=(1, 2))
    measured = torch.where(right >= left, (right - left + 1) / 2, S.HALF_FALLBACK * joint_half)
    half = measured.clamp(S.HALF_RANGE[0] * joint_half, S.HALF_RANGE[1] * joint_half)
    # the waist: where the source garment starts above the hips (a high waistband included), within
    # WAIST_RANGE of the usual waist
    central = ((cols - centre[:, :1]).abs() <= half[:, None] / 2)[:, None, :] & (garment[:, 0] > 0.5)
    rows = torch.arange(h, device=xy.device, dtype=torch.float32)[None, :, None]
    first = torch.where(central, rows, float(h)).amin(dim=(1, 2))
    usual = centre[:, 1] - style.waist * h
    waist = torch.where(first < h, first, usual).clamp(usual - S.WAIST_RANGE[0] * h, usual + S.WAIST_RANGE[1] * h)
    return {"centre": centre, "hips": hips, "knees": knees, "ankles": ankles, "half": half, "waist": waist,
            "knee_y": knee_y, "crotch": centre[:, 1] + S.CROTCH * (knee_y - centre[:, 1])}


def leg_row(p: Pose, fraction: float) -> torch.Tensor:
    """The row ``(B,)`` at ``fraction`` of the leg: hip joints 0, knees 0.5, ankles 1, linear between them."""
    if fraction == 0.5:
        return p["knee_y"]
    if fraction < 0.5:
        return p["centre"][:, 1] + (p["knee_y"] - p["centre"][:, 1]) * (2 * fraction)
    return p["knee_y"] + (p["ankles"][..., 1].mean(dim=1) - p["knee_y"]) * (2 * fraction - 1)


def hem_row(p: Pose, fraction: float, h: int) -> torch.Tensor:
    """Where a hem marked at ``fraction`` of the leg hangs (``(B,)``, its sides for a skirt)."""
    return leg_row(p, fraction) + S.HEM_DROP * h


def check_drawable(p: Pose, seen: torch.Tensor, fraction: float, h: int, what: str) -> None:
    """Refuse, in one line, a hem the photo cannot show: the legs are cut off above it (the landmark below the
    mark unseen, or the hem's middle past the frame's bottom)."""
    lower, name = (KNEES, "knees") if fraction <= 0.5 else (ANKLES, "ankles")
    if not bool(seen[:, lower].all()):
        raise DesignGANError(f"cannot draw {what}: the legs are cut off above its hem (no {name} in the photo)")
    bottom = hem_row(p, fraction, h) + S.HEM_CURVE * h
    if bool((bottom >= h).any()):
        raise DesignGANError(f"cannot draw {what}: its hem falls below the photo's bottom edge")


def skin_legs(grid: torch.Tensor, p: Pose, fraction: float = 0.5, from_crotch: bool = False
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Coverage and across-limb coordinate ``(B, 1, H, W)`` of the two legs from just above the knee to the
    ankle (the measured profile :data:`~S.LOWER_LEG`, one tapered piece between each two of its points) and on
    into the shoe (:data:`~S.ANKLE_TO_SOLE`), and from the thigh when a hem marked at ``fraction`` of the leg
    shows it (thigh radius up to :data:`~S.THIGH_RADIUS`); ``from_crotch``: thighs from the crotch down whatever
    the hem (shorts' open inseam shows the inner thighs)."""
    h = grid.shape[0]
    knees, ankles = p["knees"], p["ankles"]
    start = knees + (knees - ankles) * S.CALF_START
    b = knees.shape[0]
    profile = (*S.LOWER_LEG, (1 + S.ANKLE_TO_SOLE, S.LOWER_LEG[-1][1]))  # the ankle goes on into the shoe
    pieces = [tapered_segments(grid, torch.lerp(knees, ankles, f0), torch.lerp(knees, ankles, f1),
                               knees.new_full((b, 2), r0 * h), knees.new_full((b, 2), r1 * h))
              for (f0, r0), (f1, r1) in itertools.pairwise(profile)]
    distance, u = torch.cat([d for d, _ in pieces], dim=1), torch.cat([v for _, v in pieces], dim=1)
    top = min(fraction - S.SKIN_OVERLAP, S.CROTCH / 2) if from_crotch else fraction - S.SKIN_OVERLAP
    if top < 0.5 * (1 - S.CALF_START):  # the thigh shows: legs from the hem down to the calves
        at = max(0.0, 2 * top)
        thigh_start = torch.lerp(p["hips"], knees, at)
        radius = S.THIGH_RADIUS + (S.CALF_RADIUS - S.THIGH_RADIUS) * at
        thigh, u_thigh = tapered_segments(grid, thigh_start, start, knees.new_full((b, 2), radius * h),
                                          knees.new_full((b, 2), S.CALF_RADIUS * h))
        distance, u = torch.cat([distance, thigh], dim=1), torch.cat([u, u_thigh], dim=1)
    nearest = distance.min(dim=1, keepdim=True)
    return coverage(nearest.values), u.gather(1, nearest.indices)


def legs_reach(p: Pose, fraction: float, h: int) -> torch.Tensor:
    """How far ``(B,)`` from the body's centre line the skin legs of :func:`skin_legs` reach sideways at
    ``fraction`` of the leg (hip joints 0, knees 0.5, ankles 1): the outer leg's axis plus its radius there (the
    thigh's taper above the knee, the calf's radius below it)."""
    if fraction <= 0.5:
        axis = torch.lerp(p["hips"], p["knees"], 2 * fraction)
        radius = S.THIGH_RADIUS + (S.CALF_RADIUS - S.THIGH_RADIUS) * 2 * fraction
    else:
        axis = torch.lerp(p["knees"], p["ankles"], 2 * fraction - 1)
        radius = S.CALF_RADIUS
    return (axis[..., 0] - p["centre"][:, None, 0]).abs().amax(dim=1) + radius * h


def skirt(grid: torch.Tensor, p: Pose, style: S.PriorStyle) -> tuple[torch.Tensor, torch.Tensor]:
    """A skirt of ``style``'s length and cut: the waist (the body's width) flaring to ``style.hem_flare`` times
    that at a hem that curves :data:`~S.HEM_CURVE` h lower in the middle, and at least as wide as the legs under
    it there (:func:`legs_reach`: a skirt falls over the thighs, so a top or a jacket hiding the hips, which
    narrows the measured waist, does not leave the thighs sticking out beside it), folds shaded across a
    pleated cut's hem; coverage and the across-skirt coordinate ``(B, 1, H, W)``."""
    h = grid.shape[0]
    cx, top = p["centre"][:, 0, None, None], p["waist"][:, None, None]
    fraction = style.length_for("skirt")
    hem = hem_row(p, fraction, h)[:, None, None]
    top_half = p["half"][:, None, None]
    hem_half = torch.maximum(style.hem_flare * top_half, legs_reach(p, fraction, h)[:, None, None] + 1)
    x, y = grid[..., 0], grid[..., 1]
    along = ((y - top) / (hem - top)).clamp(0, 1)
    half = top_half + (hem_half - top_half) * along
    slope = (hem_half - top_half) / (hem - top)
    side = ((x - cx).abs() - half) / torch.sqrt(1 + slope * slope)  # distance to the slanted sides
    across = ((x - cx) / hem_half).clamp(-1, 1)
    hem_y = hem + S.HEM_CURVE * h * (1 - across * across)
    distance = torch.maximum(torch.maximum(top - y, y - hem_y), side)
    u = ((x - cx).abs() / half).clamp(max=1)
    folds = S.PLEATS[style.cut]
    if folds:  # each fold dark at its crease, deeper towards the hem
        crease = 0.5 - 0.5 * torch.cos(torch.pi * folds * (x - cx) / half)
        u = (u * u + S.PLEAT_DEPTH * crease * along * along).clamp(max=1).sqrt()
    return coverage(distance)[:, None], u[:, None]


def leg_axes(p: Pose) -> torch.Tensor:
    """Each leg's top ``(B, 2, 2)``: :data:`~S.LEG_HIP_END` of the body's half width out from its centre line,
    level with the hip joints."""
    hips, centre, half = p["hips"], p["centre"], p["half"][:, None]
    side = torch.sign(hips[..., 0] - centre[:, None, 0]) + (hips[..., 0] == centre[:, None, 0]).float()
    return torch.stack([centre[:, None, 0] + side * S.LEG_HIP_END * half, hips[..., 1]], dim=-1)


def trousers(grid: torch.Tensor, p: Pose, style: S.PriorStyle, family: str = "trousers"
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Two legs (hip -> knee -> ankle, half widths ``FITS[style.fit]`` of the body's) under a waist band that
    joins them from the waist to the hip joints, cut level at the hem when shorter than full; coverage and
    across-leg coordinate ``(B, 1, H, W)``."""
    knees, ankles, half = p["knees"], p["ankles"], p["half"][:, None]
    at_hip, at_knee, at_ankle = (f * half.expand(-1, 2) for f in S.FITS[style.fit])
    upper, u_upper = tapered_segments(grid, leg_axes(p), knees, at_hip, at_knee)
    lower, u_lower = tapered_segments(grid, knees, ankles, at_knee, at_ankle)
    x, y = grid[..., 0], grid[..., 1]
    fraction = style.length_for(family)
    if fraction < 1:
        cut = y - hem_row(p, fraction, grid.shape[0])[:, None, None, None]
        upper, lower = torch.maximum(upper, cut), torch.maximum(lower, cut)
    if fraction <= 0.5:  # legs cut above the knee: the inseam opens from the crotch down, as shorts' legs do
        opening = S.INSEAM_OPENING * (y - p["crotch"][:, None, None]) - (x - p["centre"][:, 0, None, None]).abs()
        upper = torch.maximum(upper, opening[:, None])
    cx, top, hip_y = p["centre"][:, 0, None, None], p["waist"][:, None, None], p["centre"][:, 1, None, None]
    upper = torch.maximum(upper, (top - y)[:, None])  # the thighs' round tops stop at the waist (a belt bag above it)
    band = torch.maximum(torch.maximum(top - y, y - hip_y), (x - cx).abs() - half[..., None])[:, None]
    u_band = ((x - cx).abs() / half[..., None]).clamp(max=1)[:, None]
    distance = torch.cat([upper, lower, band], dim=1)
    u = torch.cat([u_upper, u_lower, u_band], dim=1)
    nearest = distance.min(dim=1, keepdim=True)
    return coverage(nearest.values), u.gather(1, nearest.indices)
