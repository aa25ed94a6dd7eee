"""Translation metrics on synthetic images whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from designgan.eval.color import srgb_to_lab
from designgan.eval.metrics import (
    colour_distance,
    filter_bank,
    gram_distance,
    hellinger,
    kid,
    lab_histogram,
    label_share,
    masked_psnr,
    masked_ssim,
    mean_lab,
    mmd2_unbiased,
    skin_delta_e,
    texture_distance,
)


def _stripes(h: int, w: int, period: int, vertical: bool, colours=((30, 40, 120), (200, 200, 210))) -> np.ndarray:
    coord = np.arange(w if vertical else h)
    band = (coord // (period // 2)) % 2
    img = np.zeros((h, w, 3), dtype=np.uint8)
    sel = band[None, :] if vertical else band[:, None]
    sel = np.broadcast_to(sel, (h, w))
    img[sel == 0], img[sel == 1] = colours[0], colours[1]
    return img


def test_psnr_known_value_mask_and_cap():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    b = a.copy()
    mask = np.zeros((16, 16), bool)
    mask[:8] = True
    b[8:] = 255 - b[8:]  # changes only outside the mask
    assert masked_psnr(a, b, mask) == 100.0
    b[:8] = np.clip(a[:8].astype(int) + 10, 0, 255).astype(np.uint8)
    mse = np.mean((a[:8].astype(float) - b[:8].astype(float)) ** 2)
    assert masked_psnr(a, b, mask) == pytest.approx(10 * math.log10(255**2 / mse))
    assert math.isnan(masked_psnr(a, b, np.zeros((16, 16), bool)))
    with pytest.raises(ValueError, match="mask"):
        masked_psnr(a, b, np.ones((4, 4), bool))


def test_ssim_is_one_on_identity_and_drops_with_noise():
    rng = np.random.default_rng(1)
    a = _stripes(48, 48, 8, vertical=True)
    mask = np.ones((48, 48), bool)
    assert masked_ssim(a, a, mask) == pytest.approx(1.0)
    light = np.clip(a + rng.normal(0, 5, a.shape), 0, 255).astype(np.uint8)
    heavy = np.clip(a + rng.normal(0, 40, a.shape), 0, 255).astype(np.uint8)
    assert 1.0 > masked_ssim(a, light, mask) > masked_ssim(a, heavy, mask) > 0.0
    assert math.isnan(masked_ssim(a, heavy, ~mask))


def test_lab_histogram_normalised_and_hellinger_bounds():
    img = _stripes(20, 20, 4, vertical=True)
    mask = np.ones((20, 20), bool)
    h = lab_histogram(img, mask)
    assert h.sum() == pytest.approx(1.0)
    assert (h > 0).sum() == 2  # two colours, two bins
    assert hellinger(h, h) == pytest.approx(0.0, abs=1e-7)
    red = np.zeros_like(img)
    red[..., 0] = 255
    assert hellinger(h, lab_histogram(red, mask)) == pytest.approx(1.0)


def test_colour_distance_orders_by_similarity_and_ignores_masked_out_pixels():
    base = _stripes(32, 32, 8, vertical=True)
    mask = np.zeros((32, 32), bool)
    mask[4:28, 4:28] = True
    same_colours_other_layout = _stripes(32, 32, 8, vertical=False)
    recoloured = _stripes(32, 32, 8, vertical=True, colours=((150, 30, 30), (240, 220, 120)))
    assert colour_distance(base, mask, same_colours_other_layout, mask) < 0.05
    assert colour_distance(base, mask, recoloured, mask) > 0.9
    polluted = base.copy()
    polluted[~mask] = (0, 255, 0)
    assert colour_distance(base, mask, polluted, mask) == pytest.approx(0.0, abs=1e-7)
    assert math.isnan(colour_distance(base, mask, base, np.zeros_like(mask)))


def test_filter_bank_is_zero_mean_and_normalised():
    bank = filter_bank()
    assert bank.shape == (17, 15, 15)
    np.testing.assert_allclose(bank.sum(axis=(1, 2)), 0.0, atol=1e-6)
    np.testing.assert_allclose(np.abs(bank).sum(axis=(1, 2)), 1.0, atol=1e-5)


def test_texture_distance_separates_orientation_and_scale_but_not_position():
    mask = np.zeros((64, 64), bool)
    mask[8:56, 8:56] = True
    vertical = _stripes(64, 64, 8, vertical=True)
    shifted = np.roll(vertical, 3, axis=1)
    horizontal = _stripes(64, 64, 8, vertical=False)
    coarse = _stripes(64, 64, 16, vertical=True)
    flat = np.full((64, 64, 3), 120, np.uint8)
    d_shift = texture_distance(vertical, mask, shifted, mask)
    d_orient = texture_distance(vertical, mask, horizontal, mask)
    d_scale = texture_distance(vertical, mask, coarse, mask)
    d_flat = texture_distance(vertical, mask, flat, mask)
    assert d_shift < 0.02
    assert d_orient > 5 * d_shift and d_scale > 5 * d_shift and d_flat > 5 * d_shift
    assert texture_distance(vertical, mask, vertical, mask) == pytest.approx(0.0, abs=1e-9)
    assert math.isnan(texture_distance(vertical, mask, vertical, np.zeros_like(mask)))


def test_gram_distance_bounds():
    g = np.eye(3)
    assert gram_distance(g, g) == 0.0
    assert gram_distance(g, -g) == pytest.approx(1.0)
    assert gram_distance(np.zeros((3, 3)), np.zeros((3, 3))) == 0.0


def test_skin_delta_e_zero_for_reference_colour_and_grows_with_shift():
    skin = np.full((10, 10, 3), (224, 172, 140), np.uint8)
    mask = np.ones((10, 10), bool)
    reference = mean_lab(skin, mask)
    np.testing.assert_allclose(reference, srgb_to_lab(np.array((224, 172, 140), np.uint8)))
    assert skin_delta_e(skin, mask, reference) == pytest.approx(0.0, abs=1e-9)
    pinker = np.full_like(skin, (235, 160, 150))
    greener = np.full_like(skin, (150, 200, 120))
    assert 0 < skin_delta_e(pinker, mask, reference) < skin_delta_e(greener, mask, reference)
    assert math.isnan(skin_delta_e(skin, ~mask, reference))
    assert math.isnan(skin_delta_e(skin, mask, mean_lab(skin, ~mask)))


def test_label_share_counts_only_candidate_classes_in_region():
    labels = np.array([[0, 6, 6, 4], [6, 4, 1, 1]])
    region = np.ones_like(labels, bool)
    share, n = label_share(labels, region, target=6, candidates=[4, 6])
    assert (share, n) == (pytest.approx(3 / 5), 5)
    region[:, 3] = False
    assert label_share(labels, region, 6, [4, 6]) == (pytest.approx(3 / 4), 4)
    assert label_share(labels, region, [4, 6], [4, 6]) == (1.0, 4)
    share, n = label_share(labels, region, 6, [9])
    assert math.isnan(share) and n == 0


def test_mmd_zero_in_expectation_for_same_distribution_and_kid_detects_shift():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 16))
    y = rng.normal(size=(200, 16))
    shifted = rng.normal(loc=0.7, size=(200, 16))
    same, _ = kid(x, y, subsets=20, subset_size=100)
    different, spread = kid(x, shifted, subsets=20, subset_size=100)
    assert abs(same) < 0.05
    assert different > 10 * max(abs(same), 1e-3) and spread >= 0
    # the unbiased estimator drops the diagonal: one copy against itself is not exactly 0 but near it
    assert abs(mmd2_unbiased(x, x)) < abs(mmd2_unbiased(x, shifted))
    assert all(math.isnan(v) for v in kid(x[:1], y))
    with pytest.raises(ValueError, match="same d"):
        kid(x, y[:, :3])


def test_ssim_ignores_changes_just_outside_the_mask():
    a = _stripes(48, 48, 8, vertical=True)
    b = a.copy()
    b[:, 24:] = 255 - b[:, 24:]
    mask = np.zeros((48, 48), bool)
    mask[:, :24] = True
    assert masked_ssim(a, b, mask) == pytest.approx(1.0)
    thin = np.zeros((48, 48), bool)
    thin[:, 22:24] = True  # too thin for a whole window: falls back to all its pixels
    assert masked_ssim(a, b, thin) < 1.0
