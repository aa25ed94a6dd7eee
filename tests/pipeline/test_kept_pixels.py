"""What a generator passed through is taken from the full-resolution photo, and what of the person stays in front of
the new garment keeps the photo's own edges (GeneratorOutput.untouched / .in_front, compose_photo, the guided
filter): upsampled from the model's frame, a hand in front of a new skirt was a blurred copy of itself with the
in-front mask's steps along its edge."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from designgan.imaging import box_mean, guided_filter
from designgan.landmarks.frame import footprint
from designgan.pipeline.compose import compose_photo
from designgan.pipeline.output import Job, PersonEdit

SIZE = (50, 50)  # the model's frame; the photo is 4x as large
FRAME = np.array([[0.25, 0.0, 0.0], [0.0, 0.25, 0.0]])  # photo (200 x 200) -> frame


def test_box_mean_is_the_mean_over_the_window_clipped_to_the_image():
    x = np.random.default_rng(0).random((30, 20, 2))
    got = box_mean(x, 3)
    for i, j in ((0, 0), (10, 5), (29, 19), (15, 2)):
        want = x[max(0, i - 3):i + 4, max(0, j - 3):j + 4].reshape(-1, 2).mean(axis=0)
        assert np.allclose(got[i, j], want)


def test_guided_filter_moves_a_coarse_edge_onto_the_photos_edge():
    guide = np.zeros((40, 60, 3), np.float32)
    guide[:, 27:] = [0.9, 0.7, 0.6]  # the photo: a hand from column 27 on
    coarse = np.zeros((40, 60), np.float32)
    coarse[:, 32:] = 1  # the mask: made at a lower resolution, its edge 5 px off
    coarse[:, 30:32] = 0.5
    snapped = guided_filter(guide, coarse, 8, 1e-3)
    assert snapped[:, 20:27].max() < 0.2 and (snapped[:, 27] - snapped[:, 26]).min() > 0.3  # the photo's edge
    assert snapped[:, 27:30].min() > 0.4 and snapped[:, 48:].min() > 0.99  # the mask's own edge is gone
    assert np.array_equal(guided_filter(guide, np.zeros((40, 60)), 8, 1e-3), np.zeros((40, 60)))  # nothing: nothing
    plain = np.full_like(guide, 0.5)  # no edge in the photo: the mask's own edge stays where it was
    assert abs(float(guided_filter(plain, coarse, 8, 1e-3)[20, 31]) - 0.5) < 0.1


def test_guided_filter_on_far_apart_parts_matches_the_whole_photo():
    """A hand above and a shoe below are filtered in two boxes: as filtering the whole photo, up to the windows the
    boxes' borders cut (one box spanning both cut them too: 0.015 off on this photo)."""
    from designgan.imaging import _guided_box

    rng = np.random.default_rng(0)
    guide = rng.random((200, 80, 3)).astype(np.float32)
    mask = np.zeros((200, 80), np.float32)
    mask[10:30, 20:40] = 1  # a hand
    mask[160:190, 45:70] = 1  # a shoe, 130 rows further down
    assert np.allclose(guided_filter(guide, mask, 4, 1e-3), _guided_box(guide, mask, 4, 1e-3), atol=0.03)


def _photo() -> np.ndarray:
    rng = np.random.default_rng(1)
    photo = rng.integers(60, 100, (200, 200, 3)).astype(np.uint8)  # fine detail no 50-row frame can hold
    photo[100:150, 101:139] = rng.integers(200, 230, (50, 38, 3))  # a bright object (a hand, a bag)
    return photo


def _compose(photo: np.ndarray, untouched: torch.Tensor | None, in_front: torch.Tensor | None) -> np.ndarray:
    edit = PersonEdit(None, footprint(FRAME, SIZE), None, FRAME)  # type: ignore[arg-type]
    source = np.zeros(photo.shape[:2], bool)
    source[40:180, 40:160] = True  # the old garment
    job = Job(0, edit, torch.zeros(3, *SIZE), torch.zeros(1, *SIZE), output=torch.full((3, *SIZE), -0.9),
              mask=torch.ones(1, *SIZE), untouched=untouched, in_front=in_front)
    result, _, _, _ = compose_photo(Image.fromarray(photo), source, [job], model_height=SIZE[0], dilate=1,
                                    feather=1, match_grain=False)
    return np.asarray(result)


def test_composition_keeps_the_full_resolution_pixels_the_generator_passed_through():
    photo = _photo()
    painted = _compose(photo, None, None)
    assert (painted[60:160, 60:140] < 20).all()  # a generator that does not say: its output everywhere
    untouched = torch.zeros(1, *SIZE)
    untouched[:, :, :25] = 1  # the left half of the frame passed through
    result = _compose(photo, untouched, None)
    assert np.array_equal(result[60:160, 40:96], photo[60:160, 40:96])  # the photo's own pixels, not upsampled
    assert (result[60:160, 104:160] < 20).all()


def test_the_parts_kept_in_front_take_the_photos_edges():
    photo = _photo()
    front = torch.zeros(1, *SIZE)
    front[:, 26:37, 26:34] = 1  # the object at the frame's resolution, a frame pixel (4 photo pixels) off its edges
    snapped, coarse = _compose(photo, None, front), _compose_without_snapping(photo, front)

    def off(result: np.ndarray, rows: slice, cols: slice) -> float:
        return float(np.abs(result[rows, cols].astype(int) - photo[rows, cols].astype(int)).mean())

    assert off(coarse, slice(108, 142), slice(110, 130)) == 0 and off(snapped, slice(108, 142), slice(110, 130)) < 2
    inside, outside = (slice(100, 150), slice(101, 139)), (slice(100, 150), slice(141, 146))
    assert off(snapped, *inside) < 0.6 * off(coarse, *inside)  # more of the object kept: its edges are the photo's
    assert off(snapped, *outside) > 40 and off(coarse, *outside) > 40  # and the cloth beside it still painted


def _compose_without_snapping(photo: np.ndarray, front: torch.Tensor) -> np.ndarray:
    import designgan.pipeline.compose as compose

    shipped, compose.SNAP_EDGES = compose.SNAP_EDGES, None
    try:
        return _compose(photo, None, front)
    finally:
        compose.SNAP_EDGES = shipped
