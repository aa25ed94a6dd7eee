"""Translation metrics as pure functions of arrays (no I/O, no models).

Images are uint8 (H, W, 3) RGB arrays, masks are bool (H, W). Every function returns NaN when its region is
empty, so a caller can count how many images a figure was measured on.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from designgan.eval.color import ciede2000, srgb_to_lab

PSNR_CAP_DB = 100.0  # identical pixels have infinite PSNR; cap it so averages and JSON stay finite


def _check_pair(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> None:
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")
    if mask is not None and mask.shape != a.shape[:2]:
        raise ValueError(f"mask {mask.shape} does not match image {a.shape[:2]}")


# ---------------------------------------------------------------------------------------------------------------
# preservation outside the edit region
# ---------------------------------------------------------------------------------------------------------------

def masked_psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray, max_db: float = PSNR_CAP_DB) -> float:
    """PSNR (dB, peak 255) over the pixels where ``mask`` holds, capped at ``max_db``."""
    _check_pair(a, b, mask)
    if not mask.any():
        return math.nan
    diff = a[mask].astype(np.float64) - b[mask].astype(np.float64)
    mse = float(np.mean(diff**2))
    return max_db if mse == 0 else min(max_db, 10 * math.log10(255.0**2 / mse))


def ssim_map(a: np.ndarray, b: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    """Per-pixel SSIM (Wang et al. 2004; Gaussian window sigma 1.5, radius 5), averaged over colour channels."""
    _check_pair(a, b)
    x, y = a.astype(np.float64), b.astype(np.float64)
    if x.ndim == 2:
        x, y = x[..., None], y[..., None]
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(v: np.ndarray) -> np.ndarray:
        return ndimage.gaussian_filter(v, sigma=(sigma, sigma, 0), truncate=3.5, mode="reflect")

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx**2, blur(y * y) - my**2, blur(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return s.mean(axis=-1)


SSIM_RADIUS = 5  # of the Gaussian window (sigma 1.5, truncated at 3.5 sigma)


def masked_ssim(a: np.ndarray, b: np.ndarray, mask: np.ndarray, precomputed: np.ndarray | None = None) -> float:
    """Mean SSIM over the pixels of ``mask`` whose whole window lies in ``mask`` (so changes just outside the
    mask do not leak in); over all of ``mask`` when it is too thin to hold a window. ``precomputed``: the
    :func:`ssim_map` of ``a`` and ``b``, when several masks are measured on one pair."""
    _check_pair(a, b, mask)
    if not mask.any():
        return math.nan
    inner = ndimage.binary_erosion(mask, structure=np.ones((2 * SSIM_RADIUS + 1,) * 2, bool), border_value=1)
    full = ssim_map(a, b) if precomputed is None else precomputed
    return float(full[inner if inner.any() else mask].mean())


# ---------------------------------------------------------------------------------------------------------------
# texture: Lab colour histograms and Gram matrices of a fixed filter bank
# ---------------------------------------------------------------------------------------------------------------

LAB_BINS = (8, 12, 12)
LAB_RANGE = ((0.0, 100.0), (-90.0, 100.0), (-110.0, 100.0))  # covers the sRGB gamut in Lab


def lab_histogram(image: np.ndarray, mask: np.ndarray, bins: tuple[int, int, int] = LAB_BINS) -> np.ndarray:
    """Normalised joint L*a*b* histogram of the masked pixels (all zeros when the mask is empty)."""
    _check_pair(image, image, mask)
    lab = srgb_to_lab(image[mask])
    hist, _ = np.histogramdd(lab, bins=bins, range=LAB_RANGE)
    total = hist.sum()
    return hist / total if total else hist


def hellinger(p: np.ndarray, q: np.ndarray) -> float:
    """Hellinger distance between two normalised histograms: 0 (same) to 1 (disjoint)."""
    return float(np.sqrt(max(0.0, 1.0 - np.sum(np.sqrt(p * q)))))


def colour_distance(image_a: np.ndarray, mask_a: np.ndarray, image_b: np.ndarray, mask_b: np.ndarray) -> float:
    """Hellinger distance between the Lab histograms of two masked regions (NaN if either is empty)."""
    if not mask_a.any() or not mask_b.any():
        return math.nan
    return hellinger(lab_histogram(image_a, mask_a), lab_histogram(image_b, mask_b))


def filter_bank(size: int = 15) -> np.ndarray:
    """Fixed (2 * 4 * 2 + 1, size, size) bank: even/odd Gabor filters at 4 orientations and wavelengths 4 and 8 px,
    and a Laplacian of Gaussian; every filter zero-mean and unit L1 norm."""
    r = size // 2
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1].astype(np.float64)
    filters = []
    for wavelength in (4.0, 8.0):
        sigma = 0.56 * wavelength
        for theta in np.arange(4) * np.pi / 4:
            u = xx * np.cos(theta) + yy * np.sin(theta)
            envelope = np.exp(-(xx**2 + yy**2) / (2 * sigma**2))
            filters += [envelope * np.cos(2 * np.pi * u / wavelength), envelope * np.sin(2 * np.pi * u / wavelength)]
    rr = (xx**2 + yy**2) / (2 * 2.0**2)
    filters.append((1 - rr) * np.exp(-rr))
    bank = np.stack(filters)
    bank -= bank.mean(axis=(1, 2), keepdims=True)
    return (bank / np.abs(bank).sum(axis=(1, 2), keepdims=True)).astype(np.float32)


def texture_features(image: np.ndarray, bank: np.ndarray | None = None) -> np.ndarray:
    """(K + 1, H, W) float32: lightness L*/100 and the local energy of every quadrature pair / the LoG."""
    bank = filter_bank() if bank is None else bank
    lightness = srgb_to_lab(image)[..., 0].astype(np.float32) / 100.0
    x = torch.from_numpy(lightness)[None, None]
    pad = bank.shape[-1] // 2
    resp = F.conv2d(F.pad(x, (pad,) * 4, mode="reflect"), torch.from_numpy(bank)[:, None])[0]
    pairs = resp[:-1].reshape(-1, 2, *resp.shape[-2:])
    energy = torch.cat([pairs.pow(2).sum(1).sqrt(), resp[-1:].abs()])
    return torch.cat([x[0], energy]).numpy()


def gram_matrix(features: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(C, C) second-moment matrix of the (C, H, W) features over the masked pixels."""
    f = features[:, mask].astype(np.float64)
    return f @ f.T / max(1, f.shape[1])


def gram_distance(g1: np.ndarray, g2: np.ndarray) -> float:
    """Relative Frobenius distance ||G1 - G2|| / (||G1|| + ||G2||): 0 (same) to 1."""
    denom = np.linalg.norm(g1) + np.linalg.norm(g2)
    return float(np.linalg.norm(g1 - g2) / denom) if denom > 0 else 0.0


def _bbox_crop(image: np.ndarray, mask: np.ndarray, margin: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.nonzero(mask)
    y0, y1 = max(0, ys.min() - margin), min(mask.shape[0], ys.max() + margin + 1)
    x0, x1 = max(0, xs.min() - margin), min(mask.shape[1], xs.max() + margin + 1)
    return image[y0:y1, x0:x1], mask[y0:y1, x0:x1]


def texture_distance(image_a: np.ndarray, mask_a: np.ndarray, image_b: np.ndarray, mask_b: np.ndarray,
                     erode: int = 3) -> float:
    """Gram-matrix distance of the filter-bank features of two masked regions (NaN if either is empty).

    Masks are eroded by ``erode`` px so the filters measure the fabric, not its outline against the background.
    """
    grams = []
    for image, mask in ((image_a, mask_a), (image_b, mask_b)):
        if not mask.any():
            return math.nan
        crop, crop_mask = _bbox_crop(image, mask, margin=8)
        inner = ndimage.binary_erosion(crop_mask, iterations=erode) if erode else crop_mask
        if not inner.any():
            inner = crop_mask
        grams.append(gram_matrix(texture_features(crop), inner))
    return gram_distance(*grams)


# ---------------------------------------------------------------------------------------------------------------
# skin naturalness
# ---------------------------------------------------------------------------------------------------------------

def mean_lab(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean L*a*b* of the masked pixels (NaNs when empty)."""
    if not mask.any():
        return np.full(3, np.nan)
    return srgb_to_lab(image[mask]).mean(axis=0)


def skin_delta_e(image: np.ndarray, skin_mask: np.ndarray, reference_lab: np.ndarray) -> float:
    """Mean CIEDE2000 between every pixel of ``skin_mask`` and the reference skin colour (NaN if either missing)."""
    if not skin_mask.any() or not np.isfinite(reference_lab).all():
        return math.nan
    return float(ciede2000(srgb_to_lab(image[skin_mask]), reference_lab[None]).mean())


# ---------------------------------------------------------------------------------------------------------------
# success and realism
# ---------------------------------------------------------------------------------------------------------------

def label_share(labels: np.ndarray, region: np.ndarray, target: int | list[int],
                candidates: list[int]) -> tuple[float, int]:
    """Share of the ``candidates``-labelled pixels inside ``region`` that are labelled ``target`` (one class or
    any of several), and how many candidate pixels there were (share is NaN when none)."""
    if labels.shape != region.shape:
        raise ValueError(f"labels {labels.shape} and region {region.shape} differ in shape")
    inside = labels[region]
    n = int(np.isin(inside, candidates).sum())
    return (float(np.isin(inside, target).sum() / n) if n else math.nan), n


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """k(x, y) = (x . y / d + 1) ** 3, the kernel of KID (Binkowski et al., 2018)."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased estimate of the squared MMD between samples ``x`` (m, d) and ``y`` (n, d) (m, n >= 2)."""
    m, n = len(x), len(y)
    kxx, kyy, kxy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2 * kxy.mean())


def kid(x: np.ndarray, y: np.ndarray, subsets: int = 100, subset_size: int = 1000,
        seed: int = 0) -> tuple[float, float]:
    """Kernel Inception Distance *formula* on any features: mean and std of the unbiased MMD^2 over random
    subsets of size ``min(subset_size, len(x), len(y))``. NaNs when either sample has fewer than 2 rows."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"feature arrays must be (n, d) with the same d, got {x.shape} and {y.shape}")
    size = min(subset_size, len(x), len(y))
    if size < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    values = [mmd2_unbiased(x[rng.choice(len(x), size, replace=False)], y[rng.choice(len(y), size, replace=False)])
              for _ in range(subsets)]
    return float(np.mean(values)), float(np.std(values))
