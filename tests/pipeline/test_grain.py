"""The photo's grain on painted pixels (imaging.matched_grain, applied by compose_photo): a painted region is
resampled from a small frame and comes out smoother than the photo around it."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from designgan.imaging import grain_level, matched_grain
from designgan.landmarks.frame import footprint
from designgan.pipeline.compose import compose_photo
from designgan.pipeline.output import Job, PersonEdit


def _noisy(shape: tuple[int, int], level: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.full((*shape, 3), 120.0, np.float32)
    return base + rng.normal(0, level, shape)[..., None].astype(np.float32)


def test_grain_level_reads_the_noise_not_the_edges():
    photo = _noisy((120, 120), 5.0, 0)
    photo[:, 60:] += 80  # one strong edge through the middle: a few pixels, the median ignores them
    level = grain_level(photo, np.ones((120, 120), bool))
    assert np.allclose(level, 5.0 * (8 / 9) ** 0.5, rtol=0.08)  # the 3x3 high-pass keeps sqrt(8/9) of white noise


def test_a_flat_painting_gets_the_grain_around_it():
    photo = _noisy((160, 160), 6.0, 1)
    inside = np.zeros((160, 160), bool)
    inside[40:120, 40:120] = True
    painted = np.full_like(photo, 90.0)
    noise = matched_grain(painted, photo, inside, ~inside, np.random.default_rng(0))
    assert np.allclose(grain_level(painted + noise, inside), grain_level(photo, ~inside), rtol=0.02)
    again = matched_grain(painted, photo, inside, ~inside, np.random.default_rng(0))
    assert np.array_equal(noise, again)  # seeded


def test_no_grain_is_added_to_a_clean_photo_or_an_already_grainy_painting():
    inside = np.zeros((100, 100), bool)
    inside[30:70, 30:70] = True
    clean = np.full((100, 100, 3), 100.0, np.float32)
    assert not matched_grain(np.full_like(clean, 50.0), clean, inside, ~inside, np.random.default_rng(0)).any()
    grainy = _noisy((100, 100), 9.0, 2)
    assert not matched_grain(grainy, _noisy((100, 100), 3.0, 3), inside, ~inside, np.random.default_rng(0)).any()
    few = np.zeros((100, 100), bool)
    few[0, :10] = True  # too few pixels to read a level from
    assert not matched_grain(clean, grainy, inside, few, np.random.default_rng(0)).any()


def _compose(photo: np.ndarray, match_grain: bool) -> tuple[np.ndarray, np.ndarray]:
    size = (64, 64)
    frame = np.array([[0.5, 0.0, -18.0], [0.0, 0.5, -18.0]])  # photo box (36..164)^2 -> the 64 x 64 frame
    edit = PersonEdit(None, footprint(frame, size), None, frame)  # type: ignore[arg-type]
    source = np.zeros(photo.shape[:2], bool)
    source[70:130, 70:130] = True
    output = torch.full((3, *size), -0.3)  # a flat painting
    job = Job(0, edit, torch.zeros(3, *size), torch.zeros(1, *size), output=output, mask=torch.zeros(1, *size))
    result, _, alpha, _ = compose_photo(Image.fromarray(photo), source, [job], model_height=size[0], dilate=1,
                                     feather=1, match_grain=match_grain)
    return np.asarray(result), alpha


def test_composition_gives_the_painted_region_the_photos_grain_and_keeps_every_other_pixel():
    photo = np.clip(_noisy((200, 200), 5.0, 4), 0, 255).round().astype(np.uint8)
    with_grain, alpha = _compose(photo, True)
    without, alpha_without = _compose(photo, False)
    assert np.array_equal(alpha, alpha_without)
    painted, kept = alpha >= 0.99, alpha == 0
    around = grain_level(photo.astype(np.float32), kept)
    assert np.allclose(grain_level(with_grain.astype(np.float32), painted), around, rtol=0.15)
    assert (grain_level(without.astype(np.float32), painted) < 0.3 * around).all()  # flat without it
    assert np.array_equal(with_grain[kept], photo[kept]) and np.array_equal(without[kept], photo[kept])
